//! Grievances on the web: over the API (every bad field named, received about a
//! decision, read only by whoever needs to know, answered), and in the browser
//! from the person's page to the reply.

use crate::browser::{browser, fill, sign_in, start_driver, text_of, wait_for};
use crate::payments::enrolled;
use crate::support::{PASSWORD, spawn_app};
use fantoccini::Locator;

#[tokio::test]
async fn a_grievance_over_the_api_is_received_assigned_and_answered() {
    let app = spawn_app().await;
    let (program, _) = enrolled(&app).await;
    let store = &app.db.store;
    let officer = store.actor_for_user(store.user_id_by_name("program").await.unwrap()).await.unwrap();
    let row = store.program_enrollments(&officer, program, &Default::default(), 0, 1).await.unwrap().remove(0);
    let person = store.person(&officer, row.person_id).await.unwrap();
    let http = reqwest::Client::new();
    let clerk = app.token_for("caseworker").await;
    let lodge =
        |body: serde_json::Value| http.post(app.url("/api/v1/cases/grievances")).bearer_auth(&clerk).json(&body).send();
    let bad =
        lodge(serde_json::json!({ "national_code": "1", "channel": "fax", "category": "", "subject": "", "body": "" }))
            .await
            .unwrap();
    assert_eq!(bad.status(), 422);
    let problem: serde_json::Value = bad.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["national_code", "channel", "category", "subject", "body"]);
    let received = lodge(serde_json::json!({
        "national_code": person.values.national_code, "channel": "phone", "category": "payment",
        "subject": "مستمری واریز نشد", "body": "مستمری این ماه واریز نشده است",
    }))
    .await
    .unwrap();
    assert_eq!(received.status(), 201);
    let file: serde_json::Value = received.json().await.unwrap();
    let id = file["grievance"]["id"].as_i64().unwrap();
    assert_eq!(file["grievance"]["state"], "received");
    let due = tavana_domain::cases::grievances::due_on(
        store.today(),
        tavana_domain::cases::grievances::GrievanceCategory::Payment,
    );
    assert_eq!(file["grievance"]["due_on"], due.to_string());

    // Assigned to the case worker: another program officer still supervises it,
    // but it is the case worker's to answer.
    let clerk_id = store.user_id_by_name("caseworker").await.unwrap();
    let assigned = http
        .post(app.url(&format!("/api/v1/cases/grievances/{id}/assignment")))
        .bearer_auth(&clerk)
        .json(&serde_json::json!({ "user": clerk_id, "version": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(assigned.status(), 200);
    let listed: serde_json::Value = http
        .get(app.url("/api/v1/cases/grievances?mine=true"))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let resolve = |reply: &str, version: i64| {
        http.post(app.url(&format!("/api/v1/cases/grievances/{id}/resolution")))
            .bearer_auth(&clerk)
            .json(&serde_json::json!({ "reply": reply, "version": version }))
            .send()
    };
    let stale = resolve("پرداخت شد", 1).await.unwrap();
    assert_eq!(stale.status(), 409);
    let empty = resolve("", 2).await.unwrap();
    assert_eq!(empty.status(), 422);
    assert_eq!(empty.json::<serde_json::Value>().await.unwrap()["field"], "reply");
    let done: serde_json::Value = resolve("مستمری با چرخهٔ بعد پرداخت می‌شود", 2).await.unwrap().json().await.unwrap();
    assert_eq!(done["grievance"]["state"], "resolved");
    assert_eq!(done["events"].as_array().unwrap().len(), 3);
}

/// From the person's page: receive a grievance, take it, answer it.
#[tokio::test]
async fn receive_and_answer_a_grievance_in_the_browser() {
    let Some(driver) = start_driver().await else { return };
    let app = spawn_app().await;
    let (program, _) = enrolled(&app).await;
    let store = &app.db.store;
    let officer = store.actor_for_user(store.user_id_by_name("program").await.unwrap()).await.unwrap();
    let person = store.program_enrollments(&officer, program, &Default::default(), 0, 1).await.unwrap()[0].person_id;
    let b = browser(&driver).await;
    sign_in(&b, &app.base, "caseworker", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&format!("{}/registry/persons/{person}", app.base)).await.unwrap();
    wait_for(&b, "#new-grievance").await;
    b.find(Locator::Id("new-grievance")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#grievance-form").await;
    // Sent without a category or text: the page names what is missing and keeps what was typed.
    fill(&b, "gr-subject", "برخورد نامناسب").await;
    b.execute("document.getElementById('grievance-form').noValidate = true", vec![]).await.unwrap();
    b.find(Locator::Id("receive-grievance")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#grievance-error").await;
    let error = text_of(&b, "#grievance-error").await;
    assert!(error.contains("موضوع شکایت") && error.contains("شرح شکایت"), "{error}");
    b.find(Locator::Id("gr-category")).await.unwrap().select_by_value("staff").await.unwrap();
    fill(&b, "gr-body", "کارمند باجه پاسخ درستی نداد").await;
    b.find(Locator::Id("receive-grievance")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#grievance-state[data-state='received']").await;
    b.find(Locator::Id("grievance-assign")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#grievance-state[data-state='assigned']").await;
    fill(&b, "gr-reply", "با کارمند گفتگو شد و از شما پوزش می‌خواهیم").await;
    b.find(Locator::Id("grievance-resolve")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#grievance-state[data-state='resolved']").await;
    assert!(text_of(&b, "#grievance-reply").await.contains("پوزش"));
    assert!(text_of(&b, "#grievance-history").await.contains("پاسخ داده شد"));
}
