//! Appeals on the web: a decision's letter and its appeal over the API, and in
//! the browser reject → appeal (county office) → the decider refused a seat →
//! another officer overturns → the person is enrolled again.

use crate::browser::{browser, fill, sign_in, start_driver, text_of, wait_for};
use crate::payments::enrolled;
use crate::support::{PASSWORD, TestApp, spawn_app};
use fantoccini::Locator;
use tavana_domain::programs::EnrollmentState as S;
use tavana_store::programs::EnrollmentDecision as D;

/// One of the program's enrolled ended by the HQ officer `program`: the person
/// and the decision's id.
async fn ended(app: &TestApp, program: i64) -> (i64, i64) {
    let store = &app.db.store;
    let officer = store.actor_for_user(store.user_id_by_name("program").await.unwrap()).await.unwrap();
    let person = store.program_enrollments(&officer, program, &Default::default(), 0, 1).await.unwrap()[0].person_id;
    let decision = D {
        to: S::NotEligible,
        reasons: "the reassessment found a moderate disability",
        legal_basis: "art. 27",
        exit_reason: None,
    };
    store.decide_enrollment(&officer, program, person, &decision).await.unwrap();
    (person, store.person_decisions(&officer, person).await.unwrap()[0].id)
}

#[tokio::test]
async fn an_appeal_over_the_api_lodged_once_and_ruled_by_another_officer() {
    let app = spawn_app().await;
    let (program, _) = enrolled(&app).await;
    let (person, decision) = ended(&app, program).await;
    let http = reqwest::Client::new();
    let (clerk, decider, chief) =
        (app.token_for("caseworker").await, app.token_for("program").await, app.token_for("program.chief").await);
    let letter: serde_json::Value = http
        .get(app.url(&format!("/api/v1/cases/decisions/{decision}")))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((letter["to_state"].as_str(), letter["appealable"].as_bool()), (Some("not_eligible"), Some(true)));
    let lodge =
        |body: serde_json::Value| http.post(app.url("/api/v1/cases/appeals")).bearer_auth(&clerk).json(&body).send();
    let empty = lodge(serde_json::json!({ "decision": decision, "grounds": "" })).await.unwrap();
    assert_eq!(empty.status(), 422);
    assert_eq!(empty.json::<serde_json::Value>().await.unwrap()["field"], "grounds");
    let lodged = lodge(serde_json::json!({ "decision": decision, "grounds": "a second commission" })).await.unwrap();
    assert_eq!(lodged.status(), 201);
    let appeal = lodged.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let twice = lodge(serde_json::json!({ "decision": decision, "grounds": "again" })).await.unwrap();
    assert_eq!(twice.status(), 422);
    let rule = |token: &str, ruling: &str| {
        http.post(app.url(&format!("/api/v1/cases/appeals/{appeal}/ruling")))
            .bearer_auth(token)
            .json(
                &serde_json::json!({ "ruling": ruling, "reasons": "the assessment stands", "legal_basis": "art. 27" }),
            )
            .send()
    };
    let own = rule(&decider, "overturn").await.unwrap();
    assert_eq!(own.status(), 422);
    assert_eq!(own.json::<serde_json::Value>().await.unwrap()["field"], "board");
    assert_eq!(rule(&clerk, "overturn").await.unwrap().status(), 403);
    let ruled: serde_json::Value = rule(&chief, "overturn").await.unwrap().json().await.unwrap();
    assert_eq!(ruled["state"], "overturned", "{ruled}");
    let store = &app.db.store;
    let officer = store.actor_for_user(store.user_id_by_name("program").await.unwrap()).await.unwrap();
    assert_eq!(store.enrollment(&officer, program, person).await.unwrap().state, S::Enrolled);
    let openapi: serde_json::Value =
        http.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    for path in ["/api/v1/cases/appeals", "/api/v1/cases/appeals/{id}/ruling", "/api/v1/cases/decisions/{id}"] {
        assert!(openapi["paths"].get(path).is_some(), "{path} is documented");
    }
}

/// reject → appeal from the person's page → the decider is refused a seat →
/// another officer overturns → the letter shows the ruling.
#[tokio::test]
async fn reject_appeal_and_overturn_in_the_browser() {
    let Some(driver) = start_driver().await else { return };
    let app = spawn_app().await;
    let (program, _) = enrolled(&app).await;
    let (person, decision) = ended(&app, program).await;
    let b = browser(&driver).await;
    sign_in(&b, &app.base, "caseworker", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&format!("{}/registry/persons/{person}", app.base)).await.unwrap();
    wait_for(&b, "#decisions a.decision-letter").await;
    // The person's decisions show the last day to appeal.
    let deadline = tavana_domain::cases::appeal_deadline(app.db.store.today());
    let deadline = tavana_domain::jalali::JalaliDate::from_gregorian(deadline).unwrap().to_ascii();
    let listed = text_of(&b, "#decisions").await;
    assert!(listed.contains(&tavana_domain::text::to_persian_digits(&deadline)), "{listed}");
    b.find(Locator::Css("#decisions a.decision-letter")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#decision-letter").await;
    assert!(text_of(&b, "#letter-decision").await.contains("فاقد شرایط"));
    fill(&b, "appeal-grounds", "کمیسیون دوم معلولیت را شدید ارزیابی کرده است").await;
    b.find(Locator::Id("lodge-appeal")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#appeal-state[data-state='lodged']").await;
    b.find(Locator::Id("sign-out")).await.unwrap().click().await.unwrap();

    // The officer who decided is refused a seat on the board.
    overturn_as(&b, &app, "program").await;
    wait_for(&b, "#appeals-error").await;
    assert!(text_of(&b, "#appeals-error").await.contains("تصمیم‌گیرنده نمی‌تواند"));
    b.find(Locator::Id("sign-out")).await.unwrap().click().await.unwrap();

    // Another officer overturns it.
    overturn_as(&b, &app, "program.chief").await;
    wait_for(&b, "#appeal-state[data-state='overturned']").await;
    assert!(b.current_url().await.unwrap().as_str().ends_with(&format!("/cases/decisions/{decision}")));
    let store = &app.db.store;
    let officer = store.actor_for_user(store.user_id_by_name("program").await.unwrap()).await.unwrap();
    assert_eq!(store.enrollment(&officer, program, person).await.unwrap().state, S::Enrolled);
}

/// Signs in as `username` and overturns the first appeal on the board's page,
/// with reasons and a legal basis.
async fn overturn_as(b: &fantoccini::Client, app: &TestApp, username: &str) {
    wait_for(b, "#sign-in").await;
    sign_in(b, &app.base, username, PASSWORD).await;
    wait_for(b, "#sign-out").await;
    b.goto(&format!("{}/cases/appeals", app.base)).await.unwrap();
    let form = wait_for_appeal_form(b).await;
    b.find(Locator::Id(&format!("ruling-{form}"))).await.unwrap().select_by_value("overturn").await.unwrap();
    fill(b, &format!("reasons-{form}"), "ارزیابی دوم پذیرفته است").await;
    fill(b, &format!("basis-{form}"), "مادهٔ ۲۷").await;
    b.find(Locator::Id(&format!("rule-button-{form}"))).await.unwrap().click().await.unwrap();
}

/// The id of the first appeal's ruling form on the board's page.
async fn wait_for_appeal_form(b: &fantoccini::Client) -> String {
    wait_for(b, "form[id^='rule-']").await;
    let form = b.find(Locator::Css("form[id^='rule-']")).await.unwrap();
    form.attr("id").await.unwrap().unwrap().trim_start_matches("rule-").to_string()
}
