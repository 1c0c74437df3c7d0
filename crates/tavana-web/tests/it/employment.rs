//! Employment over the API and in the browser: a national quota exam run from
//! HQ with candidates registered by a province's officer, their choices (a post
//! they do not suit refused), scores imported keeping the good rows, placement,
//! publication and an objection decided by another officer; compliance; the
//! CSR fund's money posted by finance and the ledger balanced.

use crate::browser::{browser, fill, sign_in, start_driver, text_of, wait_for};
use crate::payments::national_code;
use crate::support::{PASSWORD, TestApp, spawn_app};
use fantoccini::Locator;
use serde_json::{Value, json};
use tavana_domain::registry::{
    DisabilityFields, HouseholdFields, PersonFields, RawDisability, RawHousehold, RawPerson,
};

/// A person in Tehran county with their education and a current assessment of `kind`.
pub(crate) async fn candidate_person(app: &TestApp, n: u32, education: &str, kind: &str) -> String {
    let store = &app.db.store;
    let worker = store.actor_for_user(store.user_id_by_name("caseworker").await.unwrap()).await.unwrap();
    let today = store.today();
    let file = format!("EMP-{n}");
    let h = RawHousehold { file_number: file.clone(), place: "08-01-C".into(), ..Default::default() };
    store.create_household(&worker, &HouseholdFields::parse(&h).unwrap(), "registration").await.unwrap();
    let code = national_code(n);
    let raw = RawPerson {
        national_code: code.clone(),
        household: file,
        relationship: "head".into(),
        first_name: "داوطلب".into(),
        last_name: ["کاظمی", "رضایی", "احمدی", "موسوی", "کریمی"][(n % 5) as usize].into(),
        father_name: "علی".into(),
        birth_date: "1375/01/01".into(),
        sex: "male".into(),
        education: education.into(),
        ..Default::default()
    };
    store.register_person(&worker, &PersonFields::parse(&raw, today).unwrap(), "registration").await.unwrap();
    let d = RawDisability {
        national_code: code.clone(),
        kind: kind.into(),
        severity: "moderate".into(),
        assessed_on: "1403/01/01".into(),
        ..Default::default()
    };
    store.add_disability(&worker, &DisabilityFields::parse(&d, today).unwrap(), "assessment").await.unwrap();
    code
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"].as_array().map_or_else(
        || vec![problem["field"].as_str().unwrap_or_default().to_string()],
        |e| e.iter().map(|e| e["field"].as_str().unwrap().to_string()).collect(),
    )
}

#[tokio::test]
async fn a_quota_exam_and_the_csr_fund_over_the_api() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    let chief = app.token_for("employment.chief").await;
    let tehran = app.token_for("employment").await;
    let worker = app.token_for("caseworker").await;
    let maker = app.token_for("maker").await;
    let api = |path: &str| app.url(&format!("/api/v1/employment{path}"));

    // Agencies: every bad field named; a case worker may not.
    let bad = http
        .post(api("/agencies"))
        .bearer_auth(&chief)
        .json(&json!([{ "code": "", "name": "", "unit": "HQ", "staff": "x" }]))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert_eq!(fields(&bad.json().await.unwrap()), ["code", "name", "staff"]);
    let agencies = json!([
        { "code": "MOE", "name": "آموزش و پرورش", "unit": "HQ", "staff": "1000" },
        { "code": "HEALTH-08", "name": "دانشگاه علوم پزشکی تهران", "unit": "P08", "staff": "250" },
    ]);
    assert_eq!(http.post(api("/agencies")).bearer_auth(&worker).json(&agencies).send().await.unwrap().status(), 403);
    assert_eq!(http.post(api("/agencies")).bearer_auth(&chief).json(&agencies).send().await.unwrap().status(), 201);

    let round: Value = http
        .post(api("/rounds"))
        .bearer_auth(&chief)
        .json(&json!({ "title": "آزمون ۱۴۰۵" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let round_id = round["id"].as_i64().unwrap();
    let posts = json!([
        { "agency": "MOE", "job_title": "آموزگار", "seats": "1", "education": "bachelor", "kinds": "motor,visual" },
        { "agency": "HEALTH-08", "job_title": "منشی", "seats": "2", "education": "diploma", "kinds": "motor,hearing" },
    ]);
    let made: Value = http
        .post(api(&format!("/rounds/{round_id}/posts")))
        .bearer_auth(&chief)
        .json(&posts)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (teacher, clerk) = (made["ids"][0].as_i64().unwrap(), made["ids"][1].as_i64().unwrap());

    // Tehran's officer registers three candidates of their province for the national round.
    let a = candidate_person(&app, 31_000_001, "bachelor", "motor").await;
    let b = candidate_person(&app, 31_000_002, "master", "visual").await;
    let c = candidate_person(&app, 31_000_003, "diploma", "hearing").await;
    let mut ids = Vec::new();
    for code in [&a, &b, &c] {
        let r = http
            .post(api(&format!("/rounds/{round_id}/candidates")))
            .bearer_auth(&tehran)
            .json(&json!({ "national_code": code }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        ids.push(r.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let prefs = |id: i64, posts: Vec<i64>| {
        http.put(api(&format!("/candidates/{id}/preferences")))
            .bearer_auth(&tehran)
            .json(&json!({ "posts": posts }))
            .send()
    };
    let refused = prefs(ids[2], vec![teacher]).await.unwrap();
    assert_eq!(refused.status(), 422, "a diploma does not suit the teacher's post");
    assert_eq!(fields(&refused.json().await.unwrap()), ["preferences"]);
    assert_eq!(prefs(ids[0], vec![teacher, clerk]).await.unwrap().status(), 200);
    assert_eq!(prefs(ids[1], vec![teacher]).await.unwrap().status(), 200);
    assert_eq!(prefs(ids[2], vec![clerk]).await.unwrap().status(), 200);

    // Scores: the bad rows reported, the good kept.
    let csv = format!("national_code,score\n{a},70\n{b},85.5\n{c},abc\n0000000000,90\n");
    let imported: Value = http
        .post(api(&format!("/rounds/{round_id}/scores")))
        .bearer_auth(&chief)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(imported["applied"], 2, "{imported}");
    let lines: Vec<i64> = imported["refused"].as_array().unwrap().iter().map(|r| r["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, [4, 5]);
    let fix = format!("national_code,score\n{c},60\n");
    let fixed: Value = http
        .post(api(&format!("/rounds/{round_id}/scores")))
        .bearer_auth(&chief)
        .body(fix)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((fixed["applied"].as_i64(), fixed["refused"].as_array().map(Vec::len)), (Some(1), Some(0)), "{fixed}");

    let run: Value = http
        .post(api(&format!("/rounds/{round_id}/placement")))
        .bearer_auth(&chief)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(run["placed"], 3, "{run}");
    let file: Value = http
        .get(api(&format!("/candidates/{}", ids[0])))
        .bearer_auth(&tehran)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        file["candidate"]["placed_post_id"].as_i64(),
        Some(clerk),
        "outscored for the teacher's post, placed in the next choice"
    );
    // Finance opens the module for the CSR fund, not the candidates.
    let refused = http.get(api(&format!("/rounds/{round_id}/candidates"))).bearer_auth(&maker).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let refused = http.get(api(&format!("/candidates/{}", ids[0]))).bearer_auth(&maker).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    // The agency's results: the two placed in its post.
    let theirs: Value = http
        .get(api(&format!("/rounds/{round_id}/candidates?agency=HEALTH-08")))
        .bearer_auth(&chief)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let placed: Vec<i64> = theirs.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(placed, [ids[0], ids[2]], "best score first");
    let no_version = http
        .post(api(&format!("/rounds/{round_id}/publication")))
        .bearer_auth(&chief)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_version.status(), 422);
    let round: Value =
        http.get(api(&format!("/rounds/{round_id}"))).bearer_auth(&chief).send().await.unwrap().json().await.unwrap();
    let published = http
        .post(api(&format!("/rounds/{round_id}/publication")))
        .bearer_auth(&chief)
        .json(&json!({ "version": round["version"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 200);

    // An objection lodged in Tehran, decided at HQ with reasons and a legal basis.
    let objection: Value = http
        .post(api(&format!("/candidates/{}/objection", ids[0])))
        .bearer_auth(&tehran)
        .json(&json!({ "grounds": "نمرهٔ من ۸۸ است" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let objection_id = objection["id"].as_i64().unwrap();
    let empty = http
        .post(api(&format!("/objections/{objection_id}/decision")))
        .bearer_auth(&chief)
        .json(&json!({ "outcome": "dismissed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(fields(&empty.json().await.unwrap()), ["reasons", "legal_basis"]);
    let decided: Value = http
        .post(api(&format!("/objections/{objection_id}/decision")))
        .bearer_auth(&chief)
        .json(&json!({ "outcome": "dismissed", "reasons": "برگهٔ پاسخ بازخوانی شد و نمره درست بود", "legal_basis": "آیین‌نامهٔ آزمون، مادهٔ ۹" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (decided["state"].as_str(), decided["decided_by_name"].as_str()),
        (Some("dismissed"), Some("لیلا حیدری"))
    );

    // Compliance: 3% of each agency's staff, nobody hired yet.
    let report: Value = http.get(api("/compliance")).bearer_auth(&chief).send().await.unwrap().json().await.unwrap();
    let national = report["summary"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((national["required"].as_i64(), national["shortfall"].as_i64()), (Some(38), Some(38)), "{report}");

    // The CSR fund: declared by the employment officer, received and spent by finance; the ledger balances.
    let firm: Value = http
        .post(api("/csr/firms"))
        .bearer_auth(&chief)
        .json(&json!({ "national_id": "10100000001", "name": "شرکت نمونه", "unit": "P08" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let firm = firm["id"].as_i64().unwrap();
    let declared: Value = http
        .post(api(&format!("/csr/firms/{firm}/declarations")))
        .bearer_auth(&chief)
        .json(&json!({ "year": "1404", "profit": "10000000000" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(declared["due"], 60_000_000);
    let receipt = json!({ "amount": "60000000", "on": "1405/08/01", "memo": "واریز" });
    assert_eq!(
        http.post(api(&format!("/csr/firms/{firm}/receipts")))
            .bearer_auth(&chief)
            .json(&receipt)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        http.post(api(&format!("/csr/firms/{firm}/receipts")))
            .bearer_auth(&maker)
            .json(&receipt)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let project: Value = http
        .post(api("/csr/projects"))
        .bearer_auth(&chief)
        .json(&json!({ "kind": "employment_workshop", "title": "کارگاه خیاطی", "unit": "P08", "budget": "50000000" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let spent = http
        .post(api(&format!("/csr/projects/{}/spending", project["id"])))
        .bearer_auth(&maker)
        .json(&json!({ "amount": "40000000", "on": "1405/08/02", "memo": "چرخ خیاطی" }))
        .send()
        .await
        .unwrap();
    assert_eq!(spent.status(), 200);
    let fund: Value = http.get(api("/csr/fund")).bearer_auth(&chief).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        fund,
        json!({ "declared": 60_000_000, "receivable": 0, "received": 60_000_000, "spent": 40_000_000, "cash": 20_000_000 })
    );
    let ledger = app.db.store.check_ledger().await.unwrap();
    assert!(ledger.unbalanced.is_empty() && ledger.total == 0, "{ledger:?}");
}

/// In the browser, on whichever backend the suite runs: HQ's officer opens a
/// round and a post; Tehran's officer registers a candidate (a person without
/// an assessment refused, named) and saves their choice; HQ imports scores (a
/// bad row reported), places and publishes; Tehran lodges an objection.
#[tokio::test]
async fn register_import_scores_place_publish_and_object_in_the_browser() {
    let Some(driver) = start_driver().await else { return };
    let app = spawn_app().await;
    let code = candidate_person(&app, 32_000_001, "bachelor", "motor").await;
    let store = &app.db.store;
    let chief = store.actor_for_user(store.user_id_by_name("employment.chief").await.unwrap()).await.unwrap();
    let agency = tavana_domain::employment::RawAgency {
        code: "MOE".into(),
        name: "آموزش و پرورش".into(),
        unit: "HQ".into(),
        staff: "1000".into(),
    };
    store.create_agencies(&chief, &[tavana_domain::employment::AgencyFields::parse(&agency).unwrap()]).await.unwrap();

    let b = browser(&driver).await;
    sign_in(&b, &app.base, "employment.chief", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&format!("{}/employment", app.base)).await.unwrap();
    wait_for(&b, "#round-form").await;
    fill(&b, "ro-title", "آزمون سهمیهٔ ۱۴۰۵").await;
    b.find(Locator::Id("create-round")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#post-form").await;
    let round_url = b.current_url().await.unwrap().to_string();
    fill(&b, "po-agency", "MOE").await;
    fill(&b, "po-title", "آموزگار").await;
    fill(&b, "po-seats", "۲").await;
    fill(&b, "po-kinds", "جسمی-حرکتی، بینایی").await;
    b.find(Locator::Css("#po-education option[value='bachelor']")).await.unwrap().click().await.unwrap();
    b.find(Locator::Id("add-post")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#posts").await;
    assert!(text_of(&b, "#posts").await.contains("آموزگار"));
    b.find(Locator::Id("sign-out")).await.unwrap().click().await.unwrap();

    sign_in(&b, &app.base, "employment", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&round_url).await.unwrap();
    wait_for(&b, "#register-form").await;
    // A province's officer registers candidates of a national round; HQ runs it.
    assert!(b.find(Locator::Id("post-form")).await.is_err() && b.find(Locator::Id("scores-form")).await.is_err());
    fill(&b, "ca-code", &national_code(32_999_999)).await;
    b.find(Locator::Id("register-candidate")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#round-error").await;
    assert!(text_of(&b, "#round-error").await.contains("کد ملی"), "the field is named");
    fill(&b, "ca-code", &code).await;
    b.find(Locator::Id("register-candidate")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#preferences-form").await;
    b.find(Locator::Css("#pr-1 option:nth-child(2)")).await.unwrap().click().await.unwrap();
    b.find(Locator::Id("save-preferences")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#choices").await;
    assert!(text_of(&b, "#choices").await.contains("آموزگار"));
    b.find(Locator::Id("sign-out")).await.unwrap().click().await.unwrap();

    sign_in(&b, &app.base, "employment.chief", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&round_url).await.unwrap();
    wait_for(&b, "#scores-form").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scores.csv");
    std::fs::write(&path, format!("national_code,score\n{code},۸۲٫۵\n1234567890,90\n")).unwrap();
    b.find(Locator::Id("sc-file")).await.unwrap().send_keys(path.to_str().unwrap()).await.unwrap();
    b.find(Locator::Id("import-scores")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#scores-done").await;
    assert!(text_of(&b, "#scores-done").await.contains('۱'));
    assert!(text_of(&b, "#bad-rows").await.contains('۳'), "line 3 is reported");
    b.find(Locator::Id("step-place")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#placement-done").await;
    assert_eq!(text_of(&b, "#candidates .outcome").await, "پذیرفته");
    b.find(Locator::Id("step-publish")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#objection-until").await;
    assert_eq!(text_of(&b, "#round-state").await, "نتایج اعلام شد");
    b.find(Locator::Id("sign-out")).await.unwrap().click().await.unwrap();

    sign_in(&b, &app.base, "employment", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&round_url).await.unwrap();
    wait_for(&b, "#candidates").await;
    b.find(Locator::Css("#candidates a")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#objection-form").await;
    assert!(text_of(&b, "#placed-at").await.contains("آموزگار"));
    fill(&b, "ob-grounds", "نمرهٔ بخش تخصصی کامل ثبت نشده است").await;
    b.find(Locator::Id("lodge")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#objection-state").await;
    assert_eq!(text_of(&b, "#objection-state").await, "در انتظار رسیدگی");
}
