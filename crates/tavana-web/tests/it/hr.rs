//! HR on the web: staff recorded over the API with every bad field named, the
//! succession risk over the API and as a page, a successor named from a
//! position's page, the org chart and the staff search, scoped to HR.

use crate::support::{TestApp, hidden_value, spawn_app};

/// A province directorate's head position, held by someone retiring within a
/// year, and an expert who may succeed: the position's id.
pub(crate) async fn directorate(app: &TestApp) -> i64 {
    let store = &app.db.store;
    let hr = store.actor_for_user(store.user_id_by_name("hr").await.unwrap()).await.unwrap();
    let raw = tavana_domain::hr::RawPosition {
        code: "P08-DG".into(),
        title: "مدیرکل بهزیستی استان تهران".into(),
        unit: "P08".into(),
        critical: "true".into(),
    };
    let position = store.create_position(&hr, &tavana_domain::hr::PositionFields::parse(&raw).unwrap()).await.unwrap();
    let expert = tavana_domain::hr::RawPosition {
        code: "P08-EXP".into(),
        title: "کارشناس".into(),
        unit: "P08".into(),
        critical: "false".into(),
    };
    store.create_position(&hr, &tavana_domain::hr::PositionFields::parse(&expert).unwrap()).await.unwrap();
    let next_year =
        tavana_domain::jalali::JalaliDate::from_gregorian(store.today() + time::Duration::days(300)).unwrap();
    let people = [
        ("200001", "0012345679", "P08-DG", next_year.to_ascii()),
        ("200002", "0084575948", "P08-EXP", "1420/01/01".into()),
    ];
    let fields: Vec<_> = people
        .iter()
        .map(|(number, code, position, retires)| {
            let raw = tavana_domain::hr::RawStaff {
                personnel_number: (*number).into(),
                national_code: (*code).into(),
                first_name: "پروین".into(),
                last_name: format!("مدیر {number}"),
                unit: "P08".into(),
                position: (*position).into(),
                grade: "12".into(),
                employment_type: "permanent".into(),
                hire_date: "1376/07/01".into(),
                retirement_date: retires.clone(),
            };
            tavana_domain::hr::StaffFields::parse(&raw, store.today()).unwrap()
        })
        .collect();
    store.add_staff(&hr, &fields).await.unwrap();
    position.id
}

#[tokio::test]
async fn staff_and_succession_over_the_api_and_on_the_pages() {
    let app = spawn_app().await;
    let position = directorate(&app).await;
    let http = reqwest::Client::new();
    let (hr, clerk) = (app.token_for("hr").await, app.token_for("caseworker").await);

    // Every bad field of a new member of staff is named; a case worker may not look.
    let bad = http
        .post(app.url("/api/v1/hr/staff"))
        .bearer_auth(&hr)
        .json(&serde_json::json!({ "personnel_number": "12", "grade": "20", "employment_type": "x", "unit": "P08" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let problem: serde_json::Value = bad.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
    for field in ["personnel_number", "national_code", "first_name", "grade", "employment_type", "hire_date"] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    let forbidden = http.get(app.url("/api/v1/hr/staff?q=200001")).bearer_auth(&clerk).send().await.unwrap();
    assert_eq!(forbidden.status(), 403);

    // The directorate's head retires within two years and nobody is ready: high risk.
    let risks: serde_json::Value =
        http.get(app.url("/api/v1/hr/succession?years=2")).bearer_auth(&hr).send().await.unwrap().json().await.unwrap();
    assert_eq!((risks[0]["position"]["code"].as_str(), risks[0]["risk"].as_str()), (Some("P08-DG"), Some("high")));
    let too_far = http.get(app.url("/api/v1/hr/succession?years=40")).bearer_auth(&hr).send().await.unwrap();
    assert_eq!(too_far.status(), 422);

    // From the position's page, the expert is named ready now: the post stays at risk only for its retirement.
    let web = app.signed_in("hr").await;
    let page = web.get(app.url(&format!("/hr/positions/{position}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"no-successors\""), "{page}");
    let csrf = hidden_value(&page, "csrf");
    // The candidacy's vetting case, approved on conditions: the page shows the advice, not the file.
    let vetter = app.served.actor_for_user(app.db.store.user_id_by_name("gozinesh").await.unwrap()).await.unwrap();
    let code = tavana_domain::NationalCode::parse("0084575948").unwrap();
    let candidacy = app
        .served
        .open_vetting_case(&vetter, tavana_domain::gozinesh::SubjectKind::Candidate, "پروین مدیر", &code)
        .await
        .unwrap();
    let hiring = app
        .served
        .open_vetting_case(&vetter, tavana_domain::gozinesh::SubjectKind::Applicant, "پروین مدیر", &code)
        .await
        .unwrap();
    let version = app.served.open_vetting_file(&vetter, candidacy, "تصمیم").await.unwrap().version;
    let decision = tavana_store::gozinesh::VettingDecision {
        verdict: tavana_domain::gozinesh::Verdict::Conditional,
        reasons: "سابقهٔ محرمانه‌ای که مدیر نباید ببیند".into(),
        legal_basis: "قانون گزینش".into(),
        conditions: "یک سال دورهٔ آزمایشی".into(),
    };
    app.served.decide_vetting_case(&vetter, candidacy, &decision, version).await.unwrap();
    let successor = |case: String| {
        let form = [
            ("csrf", csrf.clone()),
            ("personnel_number", "۲۰۰۰۰۲".into()),
            ("readiness", "ready_now".into()),
            ("plan", "دورهٔ مدیریت".into()),
            ("vetting_case", case),
        ];
        web.post(app.url(&format!("/hr/positions/{position}/successors"))).form(&form).send()
    };
    let not_a_candidacy = successor(hiring.to_string()).await.unwrap();
    assert_eq!(not_a_candidacy.status(), 422);
    assert!(not_a_candidacy.text().await.unwrap().contains("پروندهٔ گزینش"), "the field is named");
    assert_eq!(successor(candidacy.to_string()).await.unwrap().status(), 303);
    let named = web.get(app.url(&format!("/hr/positions/{position}"))).send().await.unwrap().text().await.unwrap();
    assert!(named.contains("id=\"successors\"") && named.contains("آماده همین حالا"), "{named}");
    assert!(named.contains("تأیید مشروط: یک سال دورهٔ آزمایشی"), "the advice with its conditions: {named}");
    assert!(!named.contains("سابقهٔ محرمانه"), "never the reasons");
    let risk_page = web.get(app.url("/hr/succession?years=2")).send().await.unwrap().text().await.unwrap();
    assert!(risk_page.contains("data-risk=\"holder_retiring\""), "{risk_page}");
    assert!(!risk_page.contains("data-risk=\"high\""));

    // The org chart of the province and the staff search.
    let p08 = app.db.store.org_unit_by_code("P08").await.unwrap().id;
    let chart = web.get(app.url(&format!("/hr/units/{p08}"))).send().await.unwrap().text().await.unwrap();
    assert!(chart.contains("مدیرکل بهزیستی استان تهران") && chart.contains("class=\"critical\""), "{chart}");
    let found = web.get(app.url("/hr?q=200002")).send().await.unwrap().text().await.unwrap();
    assert!(found.contains("پروین مدیر 200002"), "{found}");
}
