//! The knowledge library over the API and in the browser: an item recorded
//! (every bad field named), found by a colleague whatever the spelling with the
//! words marked, its media attached and downloaded with their digest, and
//! found from the position it serves.

use crate::browser::{browser, fill, sign_in, start_driver, text_of, wait_for};
use crate::support::{PASSWORD, spawn_app};
use fantoccini::Locator;

const TRANSCRIPT: &str = "مددکاران هر ماه به روستاهای دور می‌رفتند و مستمری را دست به دست می‌دادند.";

#[tokio::test]
async fn a_library_item_over_the_api_is_found_whatever_the_spelling() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    let (hr, worker) = (app.token_for("hr").await, app.token_for("caseworker").await);
    let position = crate::hr::directorate(&app).await;
    let bad = http
        .post(app.url("/api/v1/library/items"))
        .bearer_auth(&hr)
        .json(&serde_json::json!({ "title": "", "narrator": "", "unit": "P08", "recorded_on": "1490/01/01", "transcript": "" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let problem: serde_json::Value = bad.json().await.unwrap();
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["title", "narrator", "recorded_on", "transcript"], "{problem}");
    let item = serde_json::json!({
        "title": "پرداخت مستمری در روستاهای دور", "narrator": "حسن پیشکسوت", "unit": "P08",
        "topics": "مستمری، روستا", "recorded_on": "1398/07/10", "transcript": TRANSCRIPT, "positions": "P08-DG",
    });
    let refused = http.post(app.url("/api/v1/library/items")).bearer_auth(&worker).json(&item).send().await.unwrap();
    assert_eq!(refused.status(), 403, "only HR officers record");
    let created = http.post(app.url("/api/v1/library/items")).bearer_auth(&hr).json(&item).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let id = created.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();

    // A colleague types it with Arabic letters and without the non-joiner.
    let found: serde_json::Value = http
        .get(app.url("/api/v1/library/items"))
        .query(&[("q", "ميرفتند مستمري")])
        .bearer_auth(&worker)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((found["total"].as_u64(), found["hits"][0]["id"].as_i64()), (Some(1), Some(id)), "{found}");
    let marked: Vec<&str> = found["hits"][0]["snippet"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["hit"] == true)
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert!(marked.contains(&"می‌رفتند") && marked.contains(&"مستمری"), "{marked:?}");
    let by_position: serde_json::Value = http
        .get(app.url(&format!("/api/v1/library/items?position={position}")))
        .bearer_auth(&worker)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_position["hits"][0]["id"].as_i64(), Some(id));
    let backwards = http
        .get(app.url("/api/v1/library/items?year_from=1400&year_to=1390"))
        .bearer_auth(&worker)
        .send()
        .await
        .unwrap();
    assert_eq!(backwards.status(), 422);

    // Media: a voice recording kept with its digest; an executable refused.
    let mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00a veteran's voice".to_vec();
    let attach = |name: &str, bytes: Vec<u8>| {
        http.post(app.url(&format!("/api/v1/library/items/{id}/attachments")))
            .query(&[("name", name)])
            .bearer_auth(&hr)
            .body(bytes)
            .send()
    };
    assert_eq!(attach("run.mp3", b"MZ\x90\x00".to_vec()).await.unwrap().status(), 422);
    let unnamed = http
        .post(app.url(&format!("/api/v1/library/items/{id}/attachments")))
        .bearer_auth(&hr)
        .body(mp3.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unnamed.status(), 422, "a missing name is named, not a bad address");
    let audio = attach("گفتگو.mp3", mp3.clone()).await.unwrap();
    assert_eq!(audio.status(), 201);
    let audio = audio.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let download = http
        .get(app.url(&format!("/api/v1/library/items/{id}/attachments/{audio}")))
        .bearer_auth(&worker)
        .send()
        .await
        .unwrap();
    assert_eq!(download.headers()["content-type"], "audio/mpeg");
    // Every media type an attachment is served as is in the OpenAPI document (a
    // fuzz run was answered audio/wav where it said application/octet-stream).
    let doc = serde_json::to_value(tavana_web::openapi_document()).unwrap();
    let content =
        &doc["paths"]["/api/v1/library/items/{id}/attachments/{document}"]["get"]["responses"]["200"]["content"];
    let documented: Vec<&String> = content.as_object().unwrap().keys().collect();
    for (_, media) in tavana_domain::library::MEDIA_TYPES {
        assert!(documented.iter().any(|d| d.as_str() == media), "{media} is not documented: {documented:?}");
    }
    let sha = download.headers()["x-sha256"].to_str().unwrap().to_string();
    assert_eq!(download.bytes().await.unwrap().as_ref(), mp3.as_slice());
    let whole: serde_json::Value = http
        .get(app.url(&format!("/api/v1/library/items/{id}")))
        .bearer_auth(&worker)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (whole["attachments"][0]["sha256"].as_str(), whole["positions"][0]["code"].as_str()),
        (Some(sha.as_str()), Some("P08-DG"))
    );

    // From the account's page: an executable refused naming the file, a video kept and played in the page.
    let web = app.signed_in("hr").await;
    let page = web.get(app.url(&format!("/library/items/{id}"))).send().await.unwrap().text().await.unwrap();
    let csrf = crate::support::hidden_value(&page, "csrf");
    let upload = |bytes: Vec<u8>, name: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name));
        web.post(app.url(&format!("/library/items/{id}/attachments"))).multipart(form).send()
    };
    let refused = upload(b"MZ\x90\x00".to_vec(), "run.mp4").await.unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("فایل"), "the field is named");
    assert_eq!(upload(b"\0\0\0\x20ftypisom-video".to_vec(), "visit.mp4").await.unwrap().status(), 303);
    let page = web.get(app.url(&format!("/library/items/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<video") && page.contains("visit.mp4"), "{page}");
}

/// In the browser: the HR officer records an experience (a bad date named
/// first), and a case worker finds it by another spelling, the words marked,
/// and opens it; the position's page lists it.
#[tokio::test]
async fn record_an_experience_and_find_it_by_another_spelling_in_the_browser() {
    let Some(driver) = start_driver().await else { return };
    let app = spawn_app().await;
    let position = crate::hr::directorate(&app).await;
    let b = browser(&driver).await;
    sign_in(&b, &app.base, "hr", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&format!("{}/library", app.base)).await.unwrap();
    wait_for(&b, "#new-item").await;
    b.find(Locator::Id("new-item")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#item-form").await;
    fill(&b, "li-title", "پرداخت مستمری در روستاهای دور").await;
    fill(&b, "li-narrator", "حسن پیشکسوت").await;
    fill(&b, "li-topics", "مستمری، روستا").await;
    fill(&b, "li-date", "1398/13/40").await;
    fill(&b, "li-positions", "P08-DG").await;
    fill(&b, "li-transcript", TRANSCRIPT).await;
    b.find(Locator::Id("record-item")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#item-error").await;
    assert!(text_of(&b, "#item-error").await.contains("تاریخ ثبت روایت"), "the field is named");
    fill(&b, "li-date", "1398/07/10").await;
    b.find(Locator::Id("record-item")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#transcript").await;
    assert!(text_of(&b, "#item-positions").await.contains("مدیرکل"));
    b.find(Locator::Id("sign-out")).await.unwrap().click().await.unwrap();

    sign_in(&b, &app.base, "caseworker", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&format!("{}/library", app.base)).await.unwrap();
    wait_for(&b, "#library-search").await;
    fill(&b, "ls-q", "ميرفتند روستا").await;
    b.find(Locator::Id("library-find")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#library-hits li").await;
    let marks: Vec<String> = {
        let mut texts = Vec::new();
        for mark in b.find_all(Locator::Css("#library-hits mark")).await.unwrap() {
            texts.push(mark.text().await.unwrap());
        }
        texts
    };
    assert!(marks.iter().any(|m| m == "می‌رفتند"), "{marks:?}");
    b.find(Locator::Css("#library-hits h2 a")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#transcript").await;
    assert_eq!(text_of(&b, "#item-narrator").await, "حسن پیشکسوت");
    b.find(Locator::Id("sign-out")).await.unwrap().click().await.unwrap();

    sign_in(&b, &app.base, "hr", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&format!("{}/hr/positions/{position}", app.base)).await.unwrap();
    wait_for(&b, "#experience").await;
    assert!(text_of(&b, "#experience").await.contains("پرداخت مستمری"));
}
