//! Travel discount cards over the API: an officer's run issues them; a transport
//! operator checks a number without signing in and learns only whether it is
//! valid and until when, at most sixty times a minute.

use crate::payments::enrolled;
use crate::support::spawn_app;

#[tokio::test]
async fn a_card_is_issued_and_checked_by_anyone_with_nothing_personal_and_a_rate_limit() {
    let app = spawn_app().await;
    enrolled(&app).await;
    let http = reqwest::Client::new();
    let (officer, clerk) = (app.token_for("program").await, app.token_for("caseworker").await);
    let run = |token: String| http.post(app.url("/api/v1/travel-cards/run")).bearer_auth(token).send();
    assert_eq!(run(clerk).await.unwrap().status(), 403);
    let ran: serde_json::Value = run(officer).await.unwrap().json().await.unwrap();
    assert_eq!((ran["issued"].as_i64(), ran["revoked"].as_i64()), (Some(6), Some(0)), "{ran}");
    let store = &app.db.store;
    let registrar = store.actor_for_user(store.user_id_by_name("registrar").await.unwrap()).await.unwrap();
    let found = store.search_persons(&registrar, &Default::default(), None, 1).await.unwrap();
    let person = found.items[0].id;
    let card = store.person_travel_cards(&registrar, person).await.unwrap().remove(0);

    // The holder's page shows the card with its number and last day.
    let page = app
        .signed_in("caseworker")
        .await
        .get(app.url(&format!("/registry/persons/{person}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"travel-cards\""), "{page}");
    assert!(page.contains(&tavana_domain::text::to_persian_digits(&card.number)), "{page}");
    assert!(page.contains("class=\"in-force\""));
    let check = |number: String| http.get(app.url(&format!("/api/v1/travel-cards/{number}"))).send();
    let answer: serde_json::Value = check(card.number.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(answer, serde_json::json!({ "valid": true, "valid_until": card.valid_until }), "nothing else");
    let unknown: serde_json::Value = check("12345678901".into()).await.unwrap().json().await.unwrap();
    assert_eq!(unknown["valid"], false);
    // Sixty checks a minute from one address (two made above); the next is refused.
    for _ in 3..=CHECKS_PER_MINUTE {
        assert_eq!(check(card.number.clone()).await.unwrap().status(), 200);
    }
    let stopped = check(card.number.clone()).await.unwrap();
    assert_eq!(stopped.status(), 429);
    let problem: serde_json::Value = stopped.json().await.unwrap();
    assert!(problem["detail_fa"].as_str().unwrap().contains("یک دقیقهٔ دیگر"), "{problem}");
    // The officers' page: the counts, and the run from a button.
    let officer_web = app.signed_in("program").await;
    let page = officer_web.get(app.url("/cards")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<dd id=\"cards-in-force\">۶</dd>"), "{page}");
    let csrf = crate::support::hidden_value(&page, "csrf");
    let ran = officer_web.post(app.url("/cards/run")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    let ran = ran.text().await.unwrap();
    assert!(ran.contains("id=\"cards-done\"") && ran.contains("<dd id=\"cards-in-force\">۶</dd>"), "{ran}");
    let openapi: serde_json::Value =
        http.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(openapi["paths"].get("/api/v1/travel-cards/{number}").is_some());
}

/// The checks one address may make in a minute, as the API states it.
const CHECKS_PER_MINUTE: u32 = 60;

/// A card's revocation is one of the person's decisions: on their page with the
/// reason, the legal basis, who (the system) and the last day to contest it,
/// and over the API.
#[tokio::test]
async fn a_revoked_card_is_listed_among_the_holder_s_decisions() {
    let app = spawn_app().await;
    enrolled(&app).await;
    let store = &app.db.store;
    let officer = store.actor_for_user(store.user_id_by_name("program").await.unwrap()).await.unwrap();
    store.issue_travel_cards(&officer).await.unwrap();
    let registrar = store.actor_for_user(store.user_id_by_name("registrar").await.unwrap()).await.unwrap();
    let person = store.search_persons(&registrar, &Default::default(), None, 1).await.unwrap().items[0].id;
    let holder = store.person(&registrar, person).await.unwrap();
    let reassessed = tavana_domain::registry::RawDisability {
        national_code: holder.values.national_code.clone(),
        kind: "motor".into(),
        severity: "moderate".into(),
        assessed_on: tavana_domain::jalali::JalaliDate::from_gregorian(store.today()).unwrap().to_ascii(),
        ..Default::default()
    };
    let fields = tavana_domain::registry::DisabilityFields::parse(&reassessed, store.today()).unwrap();
    store.add_disability(&registrar, &fields, "reassessed").await.unwrap();
    assert_eq!(store.sweep_travel_cards().await.unwrap(), 1);

    let page = app
        .signed_in("caseworker")
        .await
        .get(app.url(&format!("/registry/persons/{person}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let row =
        page.split("<tr class=\"card-revocation\">").nth(1).expect("a revocation row").split("</tr>").next().unwrap();
    assert!(row.contains(tavana_domain::cards::RevokeReason::Reassessed.label_fa()), "{row}");
    assert!(row.contains(tavana_domain::cards::LEGAL_BASIS) && row.contains("سامانه"), "{row}");
    let deadline = tavana_domain::cases::appeal_deadline(store.today());
    let deadline = tavana_domain::jalali::JalaliDate::from_gregorian(deadline).unwrap().to_ascii();
    assert!(row.contains(&tavana_domain::text::to_persian_digits(&deadline)), "{row}");

    let cards: serde_json::Value = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/persons/{person}/travel-cards")))
        .bearer_auth(app.token_for("caseworker").await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cards[0]["revoke_reason"], "reassessed");
    assert_eq!(cards[0]["revoked_by_name"], serde_json::Value::Null);
    assert_eq!(cards[0]["legal_basis"], tavana_domain::cards::LEGAL_BASIS);
}
