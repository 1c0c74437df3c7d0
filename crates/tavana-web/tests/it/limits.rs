//! Work a request sets is bounded: bodies have a size limit answered with a
//! problem, an import's report of refused rows goes to a file instead of the
//! response (a 60 MB file of bad rows used to take 9 GB and answer with 3.5 GB of
//! JSON), and the import page takes files beyond 2 MB.

use crate::support::{hidden_value, spawn_app, spawn_app_with};
use serde_json::{Value, json};
use tavana_web::{Lang, WebConfig};

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
}

/// Imports are streamed, so their limit is configurable (4 GiB by default). A
/// body that says it is larger is refused before anything is read; one that
/// does not say, and runs past the limit, keeps the rows before the cut and
/// reports the cut at its line.
#[tokio::test]
async fn an_import_beyond_its_limit_is_refused_or_cut_keeping_the_rows_before() {
    let app = spawn_app_with(WebConfig { import_limit: 1024 * 1024, ..WebConfig::default() }).await;
    let worker = app.token_for("caseworker").await;
    let client = app.client();
    let mut file = String::from("file_number,place\n");
    let mut rows = 0;
    while file.len() < 2 * 1024 * 1024 {
        file.push_str(&format!("L-{rows},08-01-C\n"));
        rows += 1;
    }
    // Declared too large: 413 at once.
    let response = client
        .post(app.url("/api/v1/imports/households"))
        .bearer_auth(&worker)
        .body(file.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("1 MiB"), "{body}");
    assert_eq!(households(&app).await, 0, "nothing was read");

    // Not declared (sent in chunks): cut at the limit, the rows before it kept.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        file.into_bytes().chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    let response = client
        .post(app.url("/api/v1/imports/households"))
        .bearer_auth(&worker)
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let result: Value = response.json().await.unwrap();
    let inserted = result["inserted"].as_u64().unwrap();
    assert!(inserted > 1_000 && inserted < rows as u64, "{result}");
    let cut = &result["errors"][0];
    assert_eq!(cut["field"], "file", "{result}");
    assert_eq!(cut["line"].as_u64(), Some(inserted + 2), "the line after the last row kept: {result}");
    assert!(cut["reason_en"].as_str().unwrap().contains("larger than 1 MiB"), "{cut}");
    assert!(cut["reason_fa"].as_str().unwrap().contains("نگه داشته شدند"), "{cut}");
    assert_eq!(households(&app).await, inserted as i64);
}

/// The households the registry holds, as the national registrar counts them.
async fn households(app: &crate::support::TestApp) -> i64 {
    let store = &app.db.store;
    let registrar = store.actor_for_user(store.user_id_by_name("registrar").await.unwrap()).await.unwrap();
    let figures = store.registry_figures(&registrar).await.unwrap();
    figures.iter().find(|(name, _)| *name == "households").map(|(_, n)| *n).unwrap()
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
    assert!(page.contains("شمار همهٔ خطاها: ۱۵۰٬۰۰۰"), "the total is told, its thousands marked the Persian way");
}

/// The import page streams its file into the import: the import takes rows
/// before the upload has ended, and the page's ticket tells how far it is, to
/// the importing user only. Its templates and code list download.
#[tokio::test]
async fn the_import_page_streams_the_file_and_tells_its_progress() {
    let app = spawn_app().await;
    let client = app.signed_in("caseworker").await;
    let page = client.get(app.url("/registry/import")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"size-limit\""), "the limit is shown");
    let (csrf, ticket) = (hidden_value(&page, "csrf"), hidden_value(&page, "ticket"));

    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let stream = futures_util::stream::unfold(rx, |mut rx| async { rx.recv().await.map(|item| (item, rx)) });
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("kind", "households")
        .text("ticket", ticket.clone())
        .part("file", reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(stream)).file_name("h.csv"));
    let upload = tokio::spawn({
        let (client, url) = (client.clone(), app.url("/registry/import"));
        async move { client.post(url).multipart(form).send().await.unwrap() }
    });
    let rows = |from: usize, to: usize| (from..to).map(|i| format!("S-{i},08-01-C\n")).collect::<String>().into_bytes();
    tx.send(Ok(b"file_number,place\n".to_vec())).await.unwrap();
    // Into an empty table, a batch is a bulk load's.
    let batch = tavana_store::registry::import::BULK_BATCH;
    tx.send(Ok(rows(0, batch + 1_000))).await.unwrap();
    // The first batch of rows is written while the file is still coming.
    let progress_url = app.url(&format!("/registry/import/progress/{ticket}"));
    let mut seen = Value::Null;
    for _ in 0..300 {
        let response = client.get(&progress_url).send().await.unwrap();
        if response.status() == 200 {
            seen = response.json().await.unwrap();
            if seen["read"].as_u64().unwrap_or(0) >= batch as u64 {
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(seen["read"].as_u64(), Some(batch as u64), "{seen}");
    assert_eq!(seen["waiting"], false);
    assert!(seen["bytes"].as_u64().unwrap() > 50_000, "{seen}");
    assert!(!upload.is_finished(), "the upload has not ended");
    // Another user is not told.
    let other = app.signed_in("registrar").await;
    assert_eq!(other.get(&progress_url).send().await.unwrap().status(), 404);
    tx.send(Ok(rows(batch + 1_000, batch + 3_000))).await.unwrap();
    drop(tx);
    let response = upload.await.unwrap();
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    let added = format!("<dt>افزوده</dt><dd>{}</dd>", Lang::Fa.number((batch + 3_000) as i64));
    assert!(page.contains(&added), "{page}");
    // The ticket ended with its import.
    assert_eq!(client.get(&progress_url).send().await.unwrap().status(), 404);

    // The template of persons is the header of every column; the code list has
    // each coded column's codes and the unit's places.
    let template = client.get(app.url("/registry/import/templates/persons.csv")).send().await.unwrap();
    assert_eq!(template.status(), 200);
    let template = template.text().await.unwrap();
    let header = template.trim_start_matches('\u{feff}').trim_end();
    assert!(header.starts_with("national_code,household,relationship,first_name"), "{header}");
    assert!(header.contains("record_version") && header.lines().count() == 1, "{header}");
    let codes = client.get(app.url("/registry/import/codes.csv")).send().await.unwrap().text().await.unwrap();
    assert!(codes.contains("severity,very_severe,خیلی شدید"), "{codes}");
    assert!(codes.contains("relationship,head,سرپرست"), "{codes}");
    assert!(codes.contains("place,08-01-C,"), "{codes}");
    assert!(!codes.contains("place,07-"), "only the unit's places: {codes}");
    assert_eq!(client.get(app.url("/registry/import/templates/x.csv")).send().await.unwrap().status(), 404);
}

/// The import page's upload has no limit but its file's, so its small fields are
/// read only so far: a form field that runs on is refused, not held.
#[tokio::test]
async fn the_import_forms_small_fields_are_read_only_so_far() {
    let app = spawn_app().await;
    let client = app.signed_in("caseworker").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", "x".repeat(10 * 1024 * 1024))
        .text("kind", "households")
        .part("file", reqwest::multipart::Part::bytes(b"file_number,place\n".to_vec()).file_name("h.csv"));
    let response = client.post(app.url("/registry/import")).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("پرونده خوانده نشد"));
}
