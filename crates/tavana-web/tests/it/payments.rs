//! A payment cycle on the web: over the API and in the browser, from computing to
//! the bank's return, with four eyes.

use crate::browser::{browser, fill, sign_in, start_driver, text_of, wait_for};
use crate::support::{PASSWORD, TestApp, spawn_app};
use fantoccini::Locator;
use tavana_domain::payments::PayMonth;
use tavana_domain::registry::{
    DisabilityFields, HouseholdFields, PersonFields, RawDisability, RawHousehold, RawPerson,
};
use tavana_domain::sheba::Sheba;

/// A valid national code from nine digits.
pub(crate) fn national_code(n: u32) -> String {
    let digits: Vec<u32> = format!("{n:09}").chars().map(|c| c.to_digit(10).unwrap()).collect();
    let sum: u32 = digits.iter().enumerate().map(|(i, d)| d * (10 - i as u32)).sum();
    let r = sum % 11;
    format!("{n:09}{}", if r < 2 { r } else { 11 - r })
}

fn sheba(bank: [u8; 3], n: u8) -> String {
    let mut bban = [0u8; 22];
    bban[..3].copy_from_slice(&bank);
    bban[21] = n % 10;
    bban[20] = n / 10;
    Sheba::from_bban(bban).as_string()
}

/// Registers, as the demo's case worker, the head of a new household `file` in
/// Tehran county (national code from `n`), a woman born in 1350 with a very
/// severe motor disability, paid to `account`; returns the person's id.
pub(crate) async fn severe_head(app: &TestApp, file: &str, n: u32, last_name: &str, account: String) -> i64 {
    let store = &app.db.store;
    let worker = store.actor_for_user(store.user_id_by_name("caseworker").await.unwrap()).await.unwrap();
    let today = store.today();
    let h = RawHousehold { file_number: file.into(), place: "08-01-C".into(), ..Default::default() };
    store.create_household(&worker, &HouseholdFields::parse(&h).unwrap(), "registration").await.unwrap();
    let code = national_code(n);
    let raw = RawPerson {
        national_code: code.clone(),
        household: file.into(),
        relationship: "head".into(),
        first_name: "مریم".into(),
        last_name: last_name.into(),
        father_name: "علی".into(),
        birth_date: "1350/01/01".into(),
        sex: "female".into(),
        sheba: account,
        phone: "09121234567".into(),
        ..Default::default()
    };
    let person =
        store.register_person(&worker, &PersonFields::parse(&raw, today).unwrap(), "registration").await.unwrap();
    let d = RawDisability {
        national_code: code,
        kind: "motor".into(),
        severity: "very_severe".into(),
        assessed_on: "1400/01/01".into(),
        ..Default::default()
    };
    store.add_disability(&worker, &DisabilityFields::parse(&d, today).unwrap(), "assessment").await.unwrap();
    person.id
}

/// Six persons with a very severe disability in Tehran county, in six
/// households, paid to Melli (three), Mellat (two) or no account (one), enrolled
/// in a person program of 4,500,000 rials a month; the program pays from HQ's
/// account, rounded to tomans. Returns the program's id and this month.
pub(crate) async fn enrolled(app: &TestApp) -> (i64, String) {
    let store = &app.db.store;
    let as_user = async |name: &str| store.actor_for_user(store.user_id_by_name(name).await.unwrap()).await.unwrap();
    let today = store.today();
    for i in 0..6u8 {
        let account = match i {
            0..=2 => sheba([0, 1, 7], i + 1),
            3 | 4 => sheba([0, 1, 2], i + 1),
            _ => String::new(),
        };
        let name = ["کاظمی", "رضایی", "احمدی", "موسوی", "کریمی", "صالحی"][usize::from(i)];
        severe_head(app, &format!("PAY-{i}"), 12_345_000 + u32::from(i), name, account).await;
    }
    let officer = as_user("program").await;
    let raw = tavana_domain::programs::RawProgram {
        code: "PENSION".into(),
        name_fa: "مستمری".into(),
        name_en: "Pension".into(),
        kind: "cash_benefit".into(),
        target: "person".into(),
        rule: "disability.severity == 'very_severe'".into(),
        formula: "4500007".into(),
        ..Default::default()
    };
    let fields = tavana_domain::programs::ProgramFields::parse(&raw).unwrap();
    let program = store.create_program(&officer, &fields, "new").await.unwrap();
    let chief = as_user("program.chief").await;
    store.set_program_status(&chief, program.id, tavana_domain::programs::ProgramStatus::Active, "ok").await.unwrap();
    let request = tavana_store::programs::ConfirmRequest {
        persons: tavana_store::programs::Persons::Proposed,
        reasons: "eligible",
        legal_basis: "art. 27",
        as_of: store.default_as_of().unwrap(),
    };
    assert_eq!(store.confirm_enrollments(&officer, program.id, &request).await.unwrap().enrolled, 6);
    let maker = as_user("maker").await;
    let debtor = sheba([0, 1, 0], 9);
    let raw = tavana_domain::payments::RawPaymentSettings {
        rounding: "toman".into(),
        debtor_name: "سازمان بهزیستی کشور".into(),
        debtor_sheba: debtor,
        deduction: String::new(),
    };
    let fields = tavana_domain::payments::PaymentSettingsFields::parse(&raw).unwrap();
    store.set_payment_settings(&maker, program.id, &fields).await.unwrap();
    let month = PayMonth::of(tavana_domain::jalali::JalaliDate::from_gregorian(today).unwrap()).to_ascii();
    (program.id, month)
}

#[tokio::test]
async fn a_cycle_through_the_api_with_four_eyes_files_and_the_return() {
    let app = spawn_app().await;
    let (program, month) = enrolled(&app).await;
    let http = reqwest::Client::new();
    let (maker, checker) = (app.token_for("maker").await, app.token_for("checker").await);
    let hq = app.db.store.org_unit_by_code("HQ").await.unwrap().id;
    let post = |token: &str, path: &str, body: serde_json::Value| {
        http.post(app.url(path)).bearer_auth(token).json(&body).send()
    };
    // Settings with every field wrong: each is named, nothing is saved.
    let wrong = http
        .put(app.url(&format!("/api/v1/payments/settings/{program}")))
        .bearer_auth(&maker)
        .json(&serde_json::json!({
            "rounding": "cents", "debtor_name": " ", "debtor_sheba": "IR12", "deduction": "person.age >",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    let problem: serde_json::Value = wrong.json().await.unwrap();
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["rounding", "debtor_name", "debtor_sheba", "deduction"], "{problem}");
    let kept = http
        .get(app.url(&format!("/api/v1/payments/settings/{program}")))
        .bearer_auth(&maker)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!((kept["rounding"].as_str(), kept["deduction"].is_null()), (Some("toman"), true), "{kept}");
    // A month that does not parse is named.
    let bad = post(
        &maker,
        "/api/v1/payments/cycles",
        serde_json::json!({ "program": program, "month": "1405/13", "unit": hq }),
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), 422);
    let problem: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(problem["field"], "month", "{problem}");
    let created =
        post(&maker, "/api/v1/payments/cycles", serde_json::json!({ "program": program, "month": month, "unit": hq }))
            .await
            .unwrap();
    assert_eq!(created.status(), 201);
    let id = created.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let step =
        |token: &str, name: &str| post(token, &format!("/api/v1/payments/cycles/{id}/{name}"), serde_json::json!({}));
    let get = async |token: &str, path: String| -> serde_json::Value {
        http.get(app.url(&path)).bearer_auth(token).send().await.unwrap().json().await.unwrap()
    };
    let computed: serde_json::Value = step(&maker, "compute").await.unwrap().json().await.unwrap();
    assert_eq!((computed["state"].as_str(), computed["payable_count"].as_i64()), (Some("computed"), Some(5)));
    assert_eq!(computed["payable_rials"], 5 * 4_500_000);
    // The checker cannot approve what was not submitted; the maker cannot approve at all.
    let early = step(&checker, "approve").await.unwrap();
    assert_eq!(early.status(), 422);
    assert_eq!(early.json::<serde_json::Value>().await.unwrap()["field"], "state");
    assert_eq!(step(&maker, "submit").await.unwrap().status(), 200);
    assert_eq!(step(&maker, "approve").await.unwrap().status(), 403);
    let approved: serde_json::Value = step(&checker, "approve").await.unwrap().json().await.unwrap();
    assert_eq!(approved["state"], "approved");
    let totals = get(&checker, format!("/api/v1/payments/cycles/{id}/totals")).await;
    assert_eq!(totals["holds"][0]["reason"], "missing_sheba", "{totals}");
    assert_eq!(step(&maker, "issue-files").await.unwrap().status(), 200);
    let files = get(&maker, format!("/api/v1/payments/cycles/{id}/files")).await;
    let files = files.as_array().unwrap();
    assert_eq!(files.len(), 4, "Melli and Mellat, CSV and pain.001: {files:?}");
    let mut returned = String::from("end_to_end_id,status,reason\n");
    for f in files {
        let response =
            http.get(app.url(&format!("/api/v1/payments/files/{}", f["id"]))).bearer_auth(&maker).send().await.unwrap();
        assert_eq!(response.status(), 200);
        // Its media type is one the OpenAPI document lists (a fuzz run was
        // answered text/csv where it said application/xml only).
        let media = response.headers()["content-type"].to_str().unwrap().split(';').next().unwrap().to_string();
        let openapi = serde_json::to_value(tavana_web::openapi_document()).unwrap();
        let content = &openapi["paths"]["/api/v1/payments/files/{id}"]["get"]["responses"]["200"]["content"];
        assert!(content.get(&media).is_some(), "{media} is not documented: {content}");
        let sha = response.headers()["x-sha256"].to_str().unwrap().to_string();
        let bytes = response.bytes().await.unwrap();
        use sha2::Digest;
        let digest: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!((digest.as_str(), sha.as_str()), (f["sha256"].as_str().unwrap(), f["sha256"].as_str().unwrap()));
        if f["format"] == "csv" {
            for row in String::from_utf8(bytes.to_vec()).unwrap().lines().skip(1) {
                returned.push_str(&format!("{},paid,\n", row.split(',').next().unwrap()));
            }
        }
    }
    let report: serde_json::Value = http
        .post(app.url(&format!("/api/v1/payments/cycles/{id}/returns")))
        .bearer_auth(&maker)
        .header("content-type", "text/csv")
        .body(returned)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((report["paid"].as_i64(), report["failed"].as_i64()), (Some(5), Some(0)), "{report}");
    // A person's payments, each with its basis.
    let paid_line = get(&maker, format!("/api/v1/payments/cycles/{id}/lines?status=paid&limit=1")).await;
    let person_id = paid_line[0]["person_id"].as_i64().unwrap();
    let history = get(&maker, format!("/api/v1/payments/persons/{person_id}")).await;
    assert_eq!(history.as_array().unwrap().len(), 1, "{history}");
    assert_eq!((history[0]["status"].as_str(), history[0]["amount_rials"].as_i64()), (Some("paid"), Some(4_500_000)));
    assert!(history[0]["inputs"].as_str().unwrap().contains("disability.severity"), "{history}");
    let nobody = http.get(app.url("/api/v1/payments/persons/999999")).bearer_auth(&maker).send().await.unwrap();
    assert_eq!(nobody.status(), 404);
    let closed: serde_json::Value = step(&maker, "close").await.unwrap().json().await.unwrap();
    assert_eq!((closed["state"].as_str(), closed["paid_rials"].as_i64()), (Some("closed"), Some(5 * 4_500_000)));
    let ledger = get(&checker, format!("/api/v1/payments/ledger?program={program}&year={}", &month[..4])).await;
    assert_eq!(ledger["check"]["total"], 0, "{ledger}");
    assert_eq!(ledger["budget"][0]["paid_rials"], 5 * 4_500_000, "{ledger}");
    let openapi: serde_json::Value =
        http.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    for path in
        ["/api/v1/payments/cycles", "/api/v1/payments/cycles/{id}/{step}", "/api/v1/payments/cycles/{id}/returns"]
    {
        assert!(openapi["paths"].get(path).is_some(), "{path} is documented");
    }
}

/// compute → submit → approve as another user (whoever computed it is refused,
/// even holding the checker's role) → download the files → upload the bank's
/// return → see the reconciled totals.
#[tokio::test]
async fn compute_submit_approve_as_another_download_upload_the_return_and_see_it_reconciled() {
    let Some(driver) = start_driver().await else { return };
    let app = spawn_app().await;
    let (program, month) = enrolled(&app).await;
    let b = browser(&driver).await;
    sign_in(&b, &app.base, "maker", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&format!("{}/payments", app.base)).await.unwrap();
    wait_for(&b, "#new-cycle").await;
    b.find(Locator::Id("cycle-program")).await.unwrap().select_by_value(&program.to_string()).await.unwrap();
    fill(&b, "cycle-month", &tavana_domain::text::to_persian_digits(&month)).await;
    b.find(Locator::Id("create-cycle")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#cycle-state[data-state='draft']").await;
    b.find(Locator::Id("do-compute")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#cycle-state[data-state='computed']").await;
    assert_eq!(text_of(&b, "#cycle-to-pay").await, "۵ / ۲۲٬۵۰۰٬۰۰۰");
    assert_eq!(text_of(&b, "#holds tr[data-reason='missing_sheba'] td:last-child").await, "۱");
    b.find(Locator::Id("do-submit")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#cycle-state[data-state='submitted']").await;
    assert!(b.find(Locator::Id("do-approve")).await.is_err(), "a maker is not offered approval");
    let cycle_url = b.current_url().await.unwrap().to_string();
    let cycle_url = cycle_url.split('?').next().unwrap().to_string();

    // The maker is made a checker: the page offers approval, and the store refuses it.
    let store = &app.db.store;
    let admin = store.actor_for_user(store.user_id_by_name("admin").await.unwrap()).await.unwrap();
    let hq = store.org_unit_by_code("HQ").await.unwrap().id;
    let maker_id = store.user_id_by_name("maker").await.unwrap();
    store.update_user_access(&admin, maker_id, &[tavana_domain::iam::Role::FinanceChecker], hq).await.unwrap();
    b.goto(&cycle_url).await.unwrap();
    wait_for(&b, "#do-approve").await;
    b.find(Locator::Id("do-approve")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#cycle-error").await;
    assert!(text_of(&b, "#cycle-error").await.contains("این دوره را شما محاسبه کرده‌اید"));
    assert_eq!(text_of(&b, "#cycle-state").await, "در انتظار تأیید");
    store.update_user_access(&admin, maker_id, &[tavana_domain::iam::Role::FinanceMaker], hq).await.unwrap();

    // Another user approves.
    b.find(Locator::Id("sign-out")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#sign-in").await;
    sign_in(&b, &app.base, "checker", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&cycle_url).await.unwrap();
    wait_for(&b, "#do-approve").await;
    fill(&b, "approve-note", "بررسی شد").await;
    b.find(Locator::Id("do-approve")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#cycle-state[data-state='approved']").await;

    // The maker issues the files and downloads them.
    b.find(Locator::Id("sign-out")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#sign-in").await;
    sign_in(&b, &app.base, "maker", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&cycle_url).await.unwrap();
    wait_for(&b, "#do-issue-files").await;
    b.find(Locator::Id("do-issue-files")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#cycle-state[data-state='files_issued']").await;
    let links = b.find_all(Locator::Css("#bank-files a.bank-file")).await.unwrap();
    assert_eq!(links.len(), 4);
    let mut returned = String::from("end_to_end_id,status,reason\n");
    let mut xml_seen = 0;
    for link in links {
        let href = link.attr("href").await.unwrap().unwrap();
        let body = b
            .execute_async(
                "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => r.text()).then(done);",
                vec![serde_json::json!(href)],
            )
            .await
            .unwrap();
        let body = body.as_str().unwrap().to_string();
        if body.starts_with("<?xml") {
            xml_seen += body.matches("<CdtTrfTxInf>").count();
        } else {
            for (i, row) in body.lines().skip(1).enumerate() {
                let id = row.split(',').next().unwrap();
                if returned.lines().count() == 1 && i == 0 {
                    returned.push_str(&format!("{id},failed,account closed\n"));
                } else {
                    returned.push_str(&format!("{id},paid,\n"));
                }
            }
        }
    }
    assert_eq!(xml_seen, 5, "every payment in the pain.001 files");
    let dir = std::env::temp_dir().join(format!("tavana-return-{}", tavana_store::iam::random_token()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("return.csv");
    std::fs::write(&file, returned).unwrap();
    b.find(Locator::Id("return-file")).await.unwrap().send_keys(&file.display().to_string()).await.unwrap();
    b.find(Locator::Id("upload-return")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#return-report").await;
    assert_eq!(text_of(&b, "#report-paid").await, "۴");
    assert_eq!(text_of(&b, "#report-failed").await, "۱");
    assert_eq!(text_of(&b, "#cycle-state").await, "تطبیق‌شده");
    assert_eq!(text_of(&b, "#cycle-paid").await, "۴ / ۱۸٬۰۰۰٬۰۰۰");
    assert_eq!(text_of(&b, "#cycle-failed").await, "۱ / ۴٬۵۰۰٬۰۰۰");
    let tehran = text_of(&b, "#province-totals tbody").await;
    assert!(tehran.contains("تهران") && tehran.contains("۱۸٬۰۰۰٬۰۰۰"), "{tehran}");
    b.find(Locator::Id("do-close")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#cycle-state[data-state='closed']").await;
    b.goto(&format!("{}/payments/ledger", app.base)).await.unwrap();
    wait_for(&b, "#ledger-balanced").await;
    std::fs::remove_dir_all(&dir).ok();
}
