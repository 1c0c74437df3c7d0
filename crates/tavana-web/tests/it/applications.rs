//! Applications on the web: over the API (taken once, a document by its
//! content, assigned, approved onto the waiting list, allocated, the waiting
//! list's figures), and in the browser apply → waiting list → allocate → enrolled.

use crate::browser::{browser, fill, sign_in, start_driver, text_of, wait_for};
use crate::payments::{enrolled, severe_head};
use crate::support::{PASSWORD, TestApp, spawn_app};
use fantoccini::Locator;
use tavana_domain::programs::EnrollmentState as S;

const PDF: &[u8] = b"%PDF-1.4\n%%EOF\n";

/// The pension of `enrolled` with Tehran's budget spent on the six enrolled, and
/// a new applicant with a very severe disability: the program and the applicant.
async fn full_program(app: &TestApp) -> (i64, i64) {
    let (program, _) = enrolled(app).await;
    let store = &app.db.store;
    let chief = store.actor_for_user(store.user_id_by_name("program.chief").await.unwrap()).await.unwrap();
    store.set_province_budget(&chief, program, "08", tavana_domain::Rials::new(6 * 4_500_007)).await.unwrap();
    let applicant = severe_head(app, "APPLY-1", 22_345_001, "نادری", String::new()).await;
    (program, applicant)
}

async fn state_of(app: &TestApp, program: i64, person: i64) -> S {
    let store = &app.db.store;
    let officer = store.actor_for_user(store.user_id_by_name("program").await.unwrap()).await.unwrap();
    store.enrollment(&officer, program, person).await.unwrap().state
}

#[tokio::test]
async fn an_application_over_the_api_waits_for_budget_and_is_admitted_by_allocation() {
    let app = spawn_app().await;
    let (program, person) = full_program(&app).await;
    let http = reqwest::Client::new();
    let (clerk, officer) = (app.token_for("caseworker").await, app.token_for("program").await);
    let post = |token: &str, path: &str, body: serde_json::Value| {
        http.post(app.url(path)).bearer_auth(token).json(&body).send()
    };
    // The intake: every bad field named at once, then a checklist of one document.
    let intake = format!("/api/v1/programs/{program}/intake");
    let chief = app.token_for("program.chief").await;
    let bad = http
        .put(app.url(&intake))
        .bearer_auth(&chief)
        .json(&serde_json::json!({ "documents": ["passport"], "weights": { "severity": 500, "household_size": 0, "poverty": 0, "female_headed": -1, "elderly": 0 } }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let problem: serde_json::Value = bad.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["severity", "female_headed", "documents"], "{problem}");
    let good = serde_json::json!({ "documents": ["disability_assessment"], "weights": { "severity": 10, "household_size": 1, "poverty": 0, "female_headed": 5, "elderly": 0 } });
    assert_eq!(http.put(app.url(&intake)).bearer_auth(&chief).json(&good).send().await.unwrap().status(), 200);

    // Taken once.
    let taken = post(
        &clerk,
        "/api/v1/applications",
        serde_json::json!({ "program": program, "person": person, "note": "in person" }),
    )
    .await
    .unwrap();
    assert_eq!(taken.status(), 201);
    let file: serde_json::Value = taken.json().await.unwrap();
    let id = file["application"]["id"].as_i64().unwrap();
    assert_eq!(file["application"]["state"], "submitted");
    assert_eq!(file["explanation"]["outcome"], "eligible");
    assert_eq!(file["checklist"][0]["attached"], false);
    let twice = post(&clerk, "/api/v1/applications", serde_json::json!({ "program": program, "person": person }))
        .await
        .unwrap();
    assert_eq!(twice.status(), 422);
    assert_eq!(twice.json::<serde_json::Value>().await.unwrap()["field"], "person");

    // A document: refused when it is not what it claims, kept with its hash when it is.
    let attach = |bytes: &'static [u8]| {
        http.post(app.url(&format!("/api/v1/applications/{id}/documents?kind=disability_assessment&file_name=rai.pdf")))
            .bearer_auth(&clerk)
            .body(bytes)
            .send()
    };
    let fake = attach(b"<html>not a pdf</html>").await.unwrap();
    assert_eq!(fake.status(), 422);
    assert_eq!(fake.json::<serde_json::Value>().await.unwrap()["field"], "file");
    let doc: serde_json::Value = attach(PDF).await.unwrap().json().await.unwrap();
    let back = http
        .get(app.url(&format!("/api/v1/applications/{id}/documents/{}", doc["id"])))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(back.headers()["content-type"], "application/pdf");
    // Every media type a document is served as is in the OpenAPI document.
    let openapi = serde_json::to_value(tavana_web::openapi_document()).unwrap();
    let content =
        &openapi["paths"]["/api/v1/applications/{id}/documents/{document}"]["get"]["responses"]["200"]["content"];
    for media in tavana_domain::applications::MediaType::ALL {
        assert!(content.get(media.code()).is_some(), "{} is not documented: {content}", media.code());
    }
    assert_eq!(back.headers()["x-sha256"].to_str().unwrap(), doc["sha256"].as_str().unwrap());
    assert_eq!(back.bytes().await.unwrap().as_ref(), PDF);
    // And from the application's page: a form with its token, kind and file.
    let web = app.signed_in("caseworker").await;
    let page = web.get(app.url(&format!("/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    let csrf = crate::support::hidden_value(&page, "csrf");
    let upload = |bytes: &'static [u8]| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("kind", "disability_assessment")
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name("rai-2.pdf"));
        web.post(app.url(&format!("/applications/{id}/documents"))).multipart(form).send()
    };
    let refused = upload(b"<html>not a pdf</html>").await.unwrap();
    assert_eq!(refused.status(), 422);
    assert_eq!(upload(PDF).await.unwrap().status(), 303);
    let page = web.get(app.url(&format!("/applications/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("rai-2.pdf"), "the page lists the document attached from it");

    // Assigned, then approved by the officer: the budget is spent, so it waits.
    let clerk_id = app.db.store.user_id_by_name("caseworker").await.unwrap();
    let assigned = post(
        &clerk,
        &format!("/api/v1/applications/{id}/assignment"),
        serde_json::json!({ "user": clerk_id, "version": 1 }),
    )
    .await
    .unwrap();
    assert_eq!(assigned.status(), 200);
    let decide = |token: &str, version: i64| {
        post(
            token,
            &format!("/api/v1/applications/{id}/decision"),
            serde_json::json!({ "decision": "approve", "version": version, "reasons": "eligible", "legal_basis": "art. 27" }),
        )
    };
    assert_eq!(decide(&clerk, 2).await.unwrap().status(), 403, "a case worker does not decide");
    let stale = decide(&officer, 1).await.unwrap();
    assert_eq!(stale.status(), 409, "a version read before the assignment");
    let approved: serde_json::Value = decide(&officer, 2).await.unwrap().json().await.unwrap();
    assert_eq!(approved["application"]["state"], "waitlisted", "{approved}");
    assert_eq!(state_of(&app, program, person).await, S::Draft);

    // The waiting list: one in Tehran, today; what it would take to admit them.
    let list: serde_json::Value = http
        .get(app.url(&format!("/api/v1/programs/{program}/waiting")))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["provinces"][0]["code"], "08");
    assert_eq!(
        (list["provinces"][0]["waiting"].as_i64(), list["provinces"][0]["needed_month"].as_i64()),
        (Some(1), Some(4_500_007))
    );
    let unit = list["counties"][0]["id"].as_i64().unwrap();
    let queue: serde_json::Value = http
        .get(app.url(&format!("/api/v1/programs/{program}/waiting/{unit}")))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Severity 4 × 10 + one member × 1 + a woman at the head × 5.
    assert_eq!((queue[0]["person_id"].as_i64(), queue[0]["priority"].as_i64()), (Some(person), Some(46)));

    // The budget raised, allocation admits them.
    let chief_actor =
        app.db.store.actor_for_user(app.db.store.user_id_by_name("program.chief").await.unwrap()).await.unwrap();
    app.db
        .store
        .set_province_budget(&chief_actor, program, "08", tavana_domain::Rials::new(7 * 4_500_007))
        .await
        .unwrap();
    let allocation = post(
        &officer,
        &format!("/api/v1/programs/{program}/allocation"),
        serde_json::json!({ "reasons": "budget raised", "legal_basis": "art. 27" }),
    )
    .await
    .unwrap();
    assert_eq!(allocation.json::<serde_json::Value>().await.unwrap()["enrolled"], 1);
    assert_eq!(state_of(&app, program, person).await, S::Enrolled);
    let file: serde_json::Value = http
        .get(app.url(&format!("/api/v1/applications/{id}")))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(file["application"]["state"], "enrolled");
    let doc = http.get(app.url("/api/v1/openapi.json")).send().await.unwrap().text().await.unwrap();
    for path in [
        "/api/v1/applications",
        "/api/v1/applications/{id}/decision",
        "/api/v1/programs/{id}/waiting",
        "/api/v1/programs/{id}/allocation",
    ] {
        assert!(doc.contains(path), "{path} is in OpenAPI");
    }
}

/// apply (the person's page) → approve onto the waiting list → the waiting list
/// page → allocate → enrolled.
#[tokio::test]
async fn apply_wait_allocate_and_enroll_in_the_browser() {
    let Some(driver) = start_driver().await else { return };
    let app = spawn_app().await;
    let (program, person) = full_program(&app).await;
    let b = browser(&driver).await;
    sign_in(&b, &app.base, "program", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&format!("{}/registry/persons/{person}", app.base)).await.unwrap();
    wait_for(&b, "#new-application").await;
    b.find(Locator::Id("new-application")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#application-form").await;
    b.find(Locator::Id("a-program")).await.unwrap().select_by_value(&program.to_string()).await.unwrap();
    fill(&b, "a-note", "با مدارک کامل مراجعه کرد").await;
    b.find(Locator::Id("take-application")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#application-state[data-state='submitted']").await;
    assert_eq!(text_of(&b, "#verdict").await, "مستحق", "the rule explained on the file");
    // Assigned to oneself, approved: the province's budget is spent, so it waits.
    b.find(Locator::Id("assign")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#application-state[data-state='under_review']").await;
    fill(&b, "x-reasons", "معلولیت خیلی شدید").await;
    fill(&b, "x-basis", "مادهٔ ۲۷ قانون حمایت").await;
    b.find(Locator::Id("approve")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#application-state[data-state='waitlisted']").await;
    let history = text_of(&b, "#history").await;
    assert!(history.contains("تأییدشده") && history.contains("در نوبت"), "{history}");

    // The waiting list shows Tehran with one waiting; the budget is raised and allocated.
    b.goto(&format!("{}/programs/{program}/waiting", app.base)).await.unwrap();
    wait_for(&b, "#waiting-provinces").await;
    assert_eq!(text_of(&b, "#total-waiting").await, "۱");
    let store = &app.db.store;
    let chief = store.actor_for_user(store.user_id_by_name("program.chief").await.unwrap()).await.unwrap();
    store.set_province_budget(&chief, program, "08", tavana_domain::Rials::new(7 * 4_500_007)).await.unwrap();
    fill(&b, "al-reasons", "افزایش بودجهٔ استان").await;
    fill(&b, "al-basis", "مادهٔ ۲۷").await;
    b.find(Locator::Id("allocate")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#waiting-notice").await;
    assert!(text_of(&b, "#waiting-notice").await.contains("۱"), "one admitted");
    assert_eq!(text_of(&b, "#total-waiting").await, "۰");
    assert_eq!(state_of(&app, program, person).await, S::Enrolled);
    b.goto(&format!("{}/registry/persons/{person}", app.base)).await.unwrap();
    wait_for(&b, "#person-applications").await;
    assert!(text_of(&b, "#person-applications").await.contains("برقرار شد"));
}
