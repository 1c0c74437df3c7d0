//! Vetting over the API: a case opened, an inquiry added and the case decided
//! by its officer; the file refused over HTTP to everyone without a grant,
//! administrators included; every opening with its reason listed for the board,
//! who grants itself access and rules on the appeal.

use crate::browser::{browser, choose, fill, sign_in, start_driver, text_of, wait_for};
use crate::support::{PASSWORD, hidden_value, spawn_app};
use fantoccini::Locator;

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

/// Over the pages too, a file opens to its grant holder alone: the board
/// without a grant, an administrator, an HR officer and an auditor each ask to
/// open it with a reason and see nothing of it; the opener's reason asked for,
/// its sitting then showing the file.
#[tokio::test]
async fn a_vetting_file_opens_in_the_pages_to_grant_holders_only() {
    let app = spawn_app().await;
    let store = &app.served;
    let officer = store.actor_for_user(store.user_id_by_name("gozinesh").await.unwrap()).await.unwrap();
    let code = tavana_domain::NationalCode::parse("0012345679").unwrap();
    let subject = "فرامرز امانت‌دار";
    let case = store
        .open_vetting_case(&officer, tavana_domain::gozinesh::SubjectKind::Applicant, subject, &code)
        .await
        .unwrap();
    let page = format!("/vetting/cases/{case}");
    for who in ["board", "admin", "hr", "auditor"] {
        let web = app.signed_in(who).await;
        let shown = web.get(app.url(&page)).send().await.unwrap();
        let status = shown.status().as_u16();
        let html = shown.text().await.unwrap();
        assert!(!html.contains(subject), "{who} saw the subject");
        let csrf = if status == 200 { hidden_value(&html, "csrf") } else { String::new() };
        let asked = web
            .post(app.url(&format!("{page}/open")))
            .form(&[("csrf", csrf.as_str()), ("reason", "کنجکاوی")])
            .send()
            .await
            .unwrap();
        let asked_status = asked.status().as_u16();
        let html = asked.text().await.unwrap();
        assert!(asked_status != 303 && !html.contains(subject), "{who}: {asked_status}");
        let again = web.get(app.url(&page)).send().await.unwrap().text().await.unwrap();
        assert!(!again.contains(subject), "{who} saw it after asking");
    }
    let web = app.signed_in("gozinesh").await;
    let closed = web.get(app.url(&page)).send().await.unwrap().text().await.unwrap();
    assert!(closed.contains("id=\"open-form\"") && !closed.contains(subject), "{closed}");
    let csrf = hidden_value(&closed, "csrf");
    let no_reason = web.post(app.url(&format!("{page}/open"))).form(&[("csrf", csrf.as_str()), ("reason", " ")]);
    let no_reason = no_reason.send().await.unwrap();
    assert_eq!(no_reason.status(), 422);
    assert!(no_reason.text().await.unwrap().contains("دلیل گشودن پرونده"), "the field is named");
    let opened = web.post(app.url(&format!("{page}/open"))).form(&[("csrf", csrf.as_str()), ("reason", "بررسی")]);
    assert_eq!(opened.send().await.unwrap().status(), 303);
    let file = web.get(app.url(&page)).send().await.unwrap().text().await.unwrap();
    assert!(file.contains(subject) && file.contains("id=\"sitting\""), "{file}");
}

/// In the browser: the officer opens a case, states why to open its file,
/// records an inquiry, decides and lodges the subject's appeal; the board sees
/// the opening with its reason, grants itself access, opens the file and
/// overturns the decision; the subject's notice shows the new decision and
/// none of the inquiries.
#[tokio::test]
async fn open_a_case_with_a_reason_add_an_inquiry_decide_and_appeal_in_the_browser() {
    let Some(driver) = start_driver().await else { return };
    let app = spawn_app().await;
    let b = browser(&driver).await;
    sign_in(&b, &app.base, "gozinesh", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&format!("{}/vetting", app.base)).await.unwrap();
    wait_for(&b, "#vetting-case-form").await;
    choose(&b, "vc-kind", "candidate").await;
    fill(&b, "vc-name", "سارا امینی").await;
    fill(&b, "vc-code", "0012345670").await;
    b.find(Locator::Id("open-case")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#case-error").await;
    assert!(text_of(&b, "#case-error").await.contains("کد ملی"), "the bad field is named");
    assert_eq!(
        b.find(Locator::Id("vc-name")).await.unwrap().prop("value").await.unwrap().as_deref(),
        Some("سارا امینی")
    );
    fill(&b, "vc-code", "0012345679").await;
    b.find(Locator::Id("open-case")).await.unwrap().click().await.unwrap();

    // The file is closed until a reason is given.
    wait_for(&b, "#open-form").await;
    let url = b.current_url().await.unwrap().to_string();
    let case: i64 = url.rsplit('/').next().unwrap().parse().unwrap();
    fill(&b, "vo-reason", "بررسی صلاحیت برای انتصاب").await;
    b.find(Locator::Id("open-file")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#sitting").await;
    assert_eq!(text_of(&b, "#subject-name").await, "سارا امینی");
    assert!(!b.current_url().await.unwrap().as_str().contains("reason"), "no reason in the address");

    // An inquiry with its due day, then the decision, then the appeal.
    choose(&b, "ve-kind", "inquiry").await;
    fill(&b, "ve-text", "استعلام سوابق از ادارهٔ پیشین").await;
    fill(&b, "ve-due", "1405/10/15").await;
    b.find(Locator::Id("add-entry")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#entries tr[data-kind='inquiry']").await;
    assert!(text_of(&b, "#entries").await.contains("استعلام سوابق"));
    choose(&b, "vd-verdict", "rejected").await;
    fill(&b, "vd-reasons", "سوابق کافی برای انتصاب نیست").await;
    fill(&b, "vd-basis", "قانون گزینش، مادهٔ ۲").await;
    b.find(Locator::Id("decide")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#case-state[data-state='decided']").await;
    assert_eq!(
        b.find(Locator::Id("verdict")).await.unwrap().attr("data-verdict").await.unwrap().as_deref(),
        Some("rejected")
    );
    fill(&b, "va-grounds", "مدارک تازه از سوابق کاری").await;
    b.find(Locator::Id("lodge-appeal")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#case-state[data-state='appealed']").await;
    b.find(Locator::Id("sign-out")).await.unwrap().click().await.unwrap();

    // The board: the file closed to it, the officer's opening listed with its reason.
    sign_in(&b, &app.base, "board", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&format!("{}/vetting/cases/{case}", app.base)).await.unwrap();
    wait_for(&b, "#open-form").await;
    assert!(text_of(&b, "#openings").await.contains("بررسی صلاحیت برای انتصاب"));
    fill(&b, "vo-reason", "رسیدگی به اعتراض").await;
    b.find(Locator::Id("open-file")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#case-error").await;
    fill(&b, "vg-user", "board").await;
    fill(&b, "vg-reason", "رسیدگی هیئت به اعتراض").await;
    b.find(Locator::Id("grant")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#open-form").await;
    assert_ne!(text_of(&b, "#my-grant").await, "بدون دسترسی");
    fill(&b, "vo-reason", "رسیدگی به اعتراض").await;
    b.find(Locator::Id("open-file")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#ruling-form").await;
    b.find(Locator::Id("vr-overturn")).await.unwrap().click().await.unwrap();
    fill(&b, "vr-reasons", "مدارک تازه پذیرفته شد").await;
    choose(&b, "vr-verdict", "approved").await;
    fill(&b, "vr-dreasons", "سوابق کاری تأیید شد").await;
    fill(&b, "vr-basis", "قانون گزینش، مادهٔ ۹").await;
    b.find(Locator::Id("rule")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#case-state").await;
    if let Ok(error) = b.find(Locator::Id("case-error")).await {
        panic!("the ruling was refused: {}", error.text().await.unwrap());
    }
    wait_for(&b, "#case-state[data-state='final']").await;
    b.find(Locator::Id("notice-link")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#vetting-notice").await;
    assert_eq!(
        b.find(Locator::Id("notice-verdict")).await.unwrap().attr("data-verdict").await.unwrap().as_deref(),
        Some("approved")
    );
    assert!(!b.source().await.unwrap().contains("استعلام سوابق"), "the notice holds no inquiry");
}
