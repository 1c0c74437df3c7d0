//! Vetting over the API: a case opened, an inquiry added and the case decided
//! by its officer; the file refused over HTTP to everyone without a grant,
//! administrators included; every opening with its reason listed for the board,
//! who grants itself access and rules on the appeal.

use crate::support::spawn_app;

#[tokio::test]
async fn a_vetting_case_over_the_api_opens_to_grant_holders_only() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    let token = |name: &'static str| app.token_for(name);
    let (officer, board, admin, hr, auditor) = (
        token("gozinesh").await,
        token("board").await,
        token("admin").await,
        token("hr").await,
        token("auditor").await,
    );
    let post =
        |t: &str, path: &str, body: serde_json::Value| http.post(app.url(path)).bearer_auth(t).json(&body).send();

    let bad = post(
        &officer,
        "/api/v1/vetting/cases",
        serde_json::json!({ "kind": "x", "subject_name": "", "national_code": "1" }),
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), 422);
    let opened = post(
        &officer,
        "/api/v1/vetting/cases",
        serde_json::json!({ "kind": "candidate", "subject_name": "بهرام نمونه", "national_code": "0012345679" }),
    )
    .await
    .unwrap();
    assert_eq!(opened.status(), 201);
    let case = opened.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let inquiry = post(
        &officer,
        &format!("/api/v1/vetting/cases/{case}/entries"),
        serde_json::json!({ "kind": "inquiry", "text": "استعلام از اداره‌ی پیشین", "due_on": "1405/10/01" }),
    )
    .await
    .unwrap();
    assert_eq!(inquiry.status(), 201);

    // The file opens to the officer's grant alone, with a reason.
    let open = |t: &str, reason: &str| {
        post(t, &format!("/api/v1/vetting/cases/{case}/file"), serde_json::json!({ "reason": reason }))
    };
    for (who, t) in [("board", &board), ("admin", &admin), ("hr", &hr), ("auditor", &auditor)] {
        let status = open(t, "کنجکاوی").await.unwrap().status().as_u16();
        assert!(status == 403 || status == 404, "{who}: {status}");
    }
    assert_eq!(open(&officer, "").await.unwrap().status(), 422, "a reason is required");
    let file: serde_json::Value = open(&officer, "تکمیل پرونده").await.unwrap().json().await.unwrap();
    assert_eq!(file["subject_name"], "بهرام نمونه");
    assert_eq!(file["entries"][0]["kind"], "inquiry");

    // Decided; the manager sees the advice, not the file.
    let decided = post(
        &officer,
        &format!("/api/v1/vetting/cases/{case}/decision"),
        serde_json::json!({ "verdict": "rejected", "reasons": "سوابق ناکافی", "legal_basis": "قانون گزینش، مادهٔ ۲",
            "conditions": "", "version": file["version"] }),
    )
    .await
    .unwrap();
    assert_eq!(decided.status(), 204);
    let advice: serde_json::Value = http
        .get(app.url(&format!("/api/v1/vetting/cases/{case}/advice")))
        .bearer_auth(&hr)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(advice["verdict"], "rejected");

    // The board grants itself access, opens the file, and sees every opening with its reason.
    let board_id = app.db.store.user_id_by_name("board").await.unwrap();
    let admin_id = app.db.store.user_id_by_name("admin").await.unwrap();
    let grant = |user: i64| {
        post(
            &board,
            &format!("/api/v1/vetting/cases/{case}/grants"),
            serde_json::json!({ "user": user, "days": 7, "reason": "رسیدگی هیئت" }),
        )
    };
    assert_eq!(grant(admin_id).await.unwrap().status(), 422, "an administrator may never hold a grant");
    assert_eq!(grant(board_id).await.unwrap().status(), 204);
    assert_eq!(open(&board, "رسیدگی هیئت").await.unwrap().status(), 200);
    let openings: serde_json::Value = http
        .get(app.url(&format!("/api/v1/vetting/cases/{case}/openings")))
        .bearer_auth(&board)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Newest first: the board's opening, the manager's reading of the advice, the officer's opening.
    let seen: Vec<(String, String)> = openings
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["by"].as_str().unwrap().to_string(), o["details"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(seen.iter().map(|(by, _)| by.as_str()).collect::<Vec<_>>(), ["board", "hr", "gozinesh"], "{seen:?}");
    assert!(seen[0].1.contains("رسیدگی هیئت") && seen[2].1.contains("تکمیل پرونده"), "{seen:?}");
    assert!(seen[1].1.contains("\"advice\":\"rejected\""), "{seen:?}");
    let doc = http.get(app.url("/api/v1/openapi.json")).send().await.unwrap().text().await.unwrap();
    assert!(doc.contains("/api/v1/vetting/cases/{id}/file"));
}
