//! Work a request sets is bounded: bodies have a size limit answered with a
//! problem, an import's report of refused rows goes to a file instead of the
//! response (a 60 MB file of bad rows used to take 9 GB and answer with 3.5 GB of
//! JSON), and the import page takes files beyond 2 MB.

use crate::support::{hidden_value, spawn_app};
use serde_json::{Value, json};

/// A households file of `rows` rows, every one with an unknown place.
fn bad_households(rows: usize) -> String {
    let mut csv = String::from("file_number,place\n");
    for i in 0..rows {
        csv.push_str(&format!("B-{i},99-99-X\n"));
    }
    csv
}

#[tokio::test]
async fn an_import_answers_counts_a_few_errors_and_a_link_to_all_of_them() {
    let app = spawn_app().await;
    let worker = app.token_for("caseworker").await;
    let client = app.client();
    let mut file = bad_households(5_000);
    file.push_str("G-1,08-01-C\n");
    let response =
        client.post(app.url("/api/v1/imports/households")).bearer_auth(&worker).body(file).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let result: Value = response.json().await.unwrap();
    assert_eq!((result["inserted"].as_u64(), result["rejected"].as_u64()), (Some(1), Some(5_000)));
    assert_eq!(result["errors_total"].as_u64(), Some(5_000));
    assert_eq!(result["errors"].as_array().unwrap().len(), 100, "only the first errors are in the response");
    let report = result["report"].as_str().expect("a link to the whole report");
    assert!(report.starts_with("/api/v1/imports/reports/"), "{report}");
    let all = client.get(app.url(report)).bearer_auth(&worker).send().await.unwrap();
    assert_eq!(all.status(), 200);
    assert!(all.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = all.text().await.unwrap();
    assert_eq!(text.lines().count(), 5_001, "a header and every error");
    assert!(text.contains("5001,\"place\",\"99-99-X\""));
    // The report is the importer's only.
    let other = app.token_for("registrar").await;
    assert_eq!(client.get(app.url(report)).bearer_auth(&other).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn bodies_beyond_their_limit_get_a_problem() {
    let app = spawn_app().await;
    let token = app.token_for("program").await;
    let client = app.client();
    // A JSON body beyond 2 MiB.
    let rule = "x".repeat(3 * 1024 * 1024);
    let response = client
        .post(app.url("/api/v1/programs"))
        .bearer_auth(&token)
        .json(&json!({"code": "T", "name_fa": "آزمون", "name_en": "Test", "kind": "service", "target": "person",
            "rule": rule, "formula": "0"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let body: Value = response.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("2 MiB"), "{body}");
    // An import beyond 64 MiB.
    let worker = app.token_for("caseworker").await;
    let huge = vec![b'a'; 65 * 1024 * 1024];
    let response =
        client.post(app.url("/api/v1/imports/households")).bearer_auth(&worker).body(huge).send().await.unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("64 MiB"), "{body}");
}

#[tokio::test]
async fn the_import_page_takes_files_beyond_two_megabytes() {
    let app = spawn_app().await;
    let client = app.signed_in("caseworker").await;
    let page = client.get(app.url("/registry/import")).send().await.unwrap().text().await.unwrap();
    let csrf = hidden_value(&page, "csrf");
    let mut file = bad_households(150_000);
    file.push_str("G-1,08-01-C\n");
    assert!(file.len() > 2 * 1024 * 1024);
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("kind", "households")
        .part("file", reqwest::multipart::Part::bytes(file.into_bytes()).file_name("households.csv"));
    let response = client.post(app.url("/registry/import")).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("<dt>افزوده</dt><dd>۱</dd>"), "{}", &page[..page.len().min(3000)]);
    assert!(page.contains("href=\"/registry/import/reports/"));
    assert!(page.contains("شمار همهٔ خطاها: ۱۵۰٬۰۰۰") || page.contains("شمار همهٔ خطاها: ۱۵۰۰۰۰"), "the total is told");
}
