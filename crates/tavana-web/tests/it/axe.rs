//! axe-core, in real Chromium, on every page of the UI in Persian and English:
//! no violation of WCAG 2.1 A and AA, nor of axe's best practices. The checker
//! is the file TAVANA_AXE names (scripts/test fetches it from the npm registry,
//! its digest pinned); scripts/test requires it, as it requires the browser.

use crate::browser::{browser, sign_in, start_driver, wait_for};
use crate::support::{PASSWORD, spawn_app};
use fantoccini::{Client, Locator};

fn axe_source() -> Option<String> {
    match std::env::var("TAVANA_AXE") {
        Ok(path) => Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("axe-core at {path}: {e}"))),
        Err(_) => {
            assert!(
                std::env::var_os("TAVANA_REQUIRE_BROWSER").is_none(),
                "axe-core is required but TAVANA_AXE is not set (scripts/test fetches it)"
            );
            eprintln!("skipping the accessibility check: TAVANA_AXE is not set");
            None
        }
    }
}

/// The violations axe finds on the page the browser shows, one line each.
async fn violations(b: &Client, axe: &str) -> Vec<String> {
    b.execute(axe, vec![]).await.expect("axe-core loads");
    let found = b
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
                                 resultTypes: ['violations'] })
               .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' [' +
                     v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(' | ') + ']')),
                     e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("axe runs");
    found.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// Opens `path` and collects what axe says about it, named by the page.
async fn check(b: &Client, base: &str, path: &str, axe: &str, found: &mut Vec<String>) {
    b.goto(&format!("{base}{path}")).await.unwrap();
    wait_for(b, "main").await;
    let lang = b.find(Locator::Css("html")).await.unwrap().attr("lang").await.unwrap().unwrap_or_default();
    for v in violations(b, axe).await {
        found.push(format!("{path} ({lang}): {v}"));
    }
}

/// Checks the page a click leads to (a form's answer). `wait` must be on that page
/// only: an element the page clicked on also has would be found before the
/// browser leaves it.
async fn check_after_click(b: &Client, id: &str, wait: &str, axe: &str, found: &mut Vec<String>) {
    b.find(Locator::Id(id)).await.unwrap().click().await.unwrap();
    wait_for(b, wait).await;
    let url = b.current_url().await.unwrap().path().to_string();
    let lang = b.find(Locator::Css("html")).await.unwrap().attr("lang").await.unwrap().unwrap_or_default();
    for v in violations(b, axe).await {
        found.push(format!("{url} after #{id} ({lang}): {v}"));
    }
}

async fn sign_out(b: &Client) {
    b.find(Locator::Id("sign-out")).await.unwrap().click().await.unwrap();
    wait_for(b, "#sign-in").await;
}

#[tokio::test]
async fn every_page_passes_axe_in_persian_and_english() {
    use tavana_domain::registry::{
        DisabilityFields, HouseholdFields, PersonFields, RawDisability, RawHousehold, RawPerson,
    };
    let Some(driver) = start_driver().await else { return };
    let Some(axe) = axe_source() else { return };
    let app = spawn_app().await;
    let store = &app.db.store;
    let actor = |name: &'static str| async move {
        store.actor_for_user(store.user_id_by_name(name).await.unwrap()).await.unwrap()
    };
    // A household with a head, an assessment, an enrollment and its decision.
    let worker = actor("caseworker").await;
    let today = store.today();
    let h = HouseholdFields::parse(&RawHousehold {
        file_number: "A-1".into(),
        place: "08-01-C".into(),
        ..Default::default()
    })
    .unwrap();
    let household = store.create_household(&worker, &h, "registration").await.unwrap();
    let raw = RawPerson {
        national_code: "0012345679".into(),
        household: "A-1".into(),
        relationship: "head".into(),
        first_name: "رضا".into(),
        last_name: "امینی".into(),
        father_name: "علی".into(),
        birth_date: "1350/01/01".into(),
        sex: "male".into(),
        ..Default::default()
    };
    let person =
        store.register_person(&worker, &PersonFields::parse(&raw, today).unwrap(), "registration").await.unwrap();
    let d = RawDisability {
        national_code: "0012345679".into(),
        kind: "motor".into(),
        severity: "very_severe".into(),
        assessed_on: "1402/01/01".into(),
        ..Default::default()
    };
    store.add_disability(&worker, &DisabilityFields::parse(&d, today).unwrap(), "assessment").await.unwrap();
    let officer = actor("program").await;
    let program = tavana_domain::programs::ProgramFields::parse(&tavana_domain::programs::RawProgram {
        code: "TRAVEL".into(),
        name_fa: "تخفیف سفر".into(),
        name_en: "Travel discount".into(),
        kind: "discount".into(),
        target: "person".into(),
        rule: "disability.severity == 'very_severe'".into(),
        formula: "100000".into(),
        ..Default::default()
    })
    .unwrap();
    let program = store.create_program(&officer, &program, "new").await.unwrap();
    let chief = actor("program.chief").await;
    store
        .set_program_status(&chief, program.id, tavana_domain::programs::ProgramStatus::Active, "in force")
        .await
        .unwrap();
    // An application taken before the confirmation, which enrolls its applicant.
    let application = store.submit_application(&worker, program.id, person.id, "مراجعهٔ حضوری").await.unwrap();
    let request = tavana_store::programs::ConfirmRequest {
        persons: tavana_store::programs::Persons::Listed(&[person.id]),
        reasons: "ارزیابی خیلی شدید",
        legal_basis: "قانون حمایت از حقوق افراد دارای معلولیت",
        as_of: store.default_as_of().unwrap(),
    };
    store.confirm_enrollments(&chief, program.id, &request).await.unwrap();
    let decision = store.person_decisions(&chief, person.id).await.unwrap()[0].id;
    let grievance =
        tavana_domain::cases::grievances::GrievanceFields::parse(&tavana_domain::cases::grievances::RawGrievance {
            national_code: person.values.national_code.clone(),
            channel: "in_person".into(),
            category: "service".into(),
            subject: "نوبت توانبخشی".into(),
            body: "نوبت توانبخشی داده نشد".into(),
        })
        .unwrap();
    let grievance = store.lodge_grievance(&worker, &grievance, Some(decision)).await.unwrap();
    let position = crate::hr::directorate(&app).await;
    // A library account linked to the directorate, with a recorded voice.
    let hr = store.actor_for_user(store.user_id_by_name("hr").await.unwrap()).await.unwrap();
    let account = tavana_domain::library::RawItem {
        title: "پرداخت مستمری در روستاهای دور".into(),
        narrator: "حسن پیشکسوت".into(),
        unit: "P08".into(),
        topics: "مستمری، روستا".into(),
        recorded_on: "1398/07/10".into(),
        transcript: "مددکاران هر ماه به روستاهای دور می‌رفتند.\nمستمری را دست به دست می‌دادند.".into(),
        positions: "P08-DG".into(),
    };
    let account = tavana_domain::library::ItemFields::parse(&account, store.today()).unwrap();
    let account = store.record_library_items(&hr, &[account]).await.unwrap()[0];
    store.add_library_attachment(&hr, account, "voice.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00voice").await.unwrap();
    // A vetting case with an inquiry, decided: open (closed to the reader), its file, its notice.
    let vetter = app.served.actor_for_user(store.user_id_by_name("gozinesh").await.unwrap()).await.unwrap();
    let code = tavana_domain::NationalCode::parse("0012345679").unwrap();
    let vetting = app
        .served
        .open_vetting_case(&vetter, tavana_domain::gozinesh::SubjectKind::Candidate, "سارا امینی", &code)
        .await
        .unwrap();
    let due = Some(time::macros::date!(2026 - 01 - 01));
    let inquiry = (tavana_domain::gozinesh::EntryKind::Inquiry, "استعلام سوابق");
    app.served.add_vetting_entry(&vetter, vetting, inquiry, (due, None)).await.unwrap();
    let verdict = tavana_store::gozinesh::VettingDecision {
        verdict: tavana_domain::gozinesh::Verdict::Conditional,
        reasons: "سوابق کاری پذیرفته شد".into(),
        legal_basis: "قانون گزینش".into(),
        conditions: "شش ماه آزمایشی".into(),
    };
    let file = app.served.open_vetting_file(&vetter, vetting, "آماده‌سازی").await.unwrap();
    app.served.decide_vetting_case(&vetter, vetting, &verdict, file.version).await.unwrap();
    let p08 = store.org_unit_by_code("P08").await.unwrap().id;
    let admin_id = store.user_id_by_name("caseworker").await.unwrap();
    // A computed payment cycle of this month.
    let maker = actor("maker").await;
    let debtor =
        tavana_domain::sheba::Sheba::from_bban([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]);
    let fields = tavana_domain::payments::PaymentSettingsFields {
        rounding: tavana_domain::payments::Rounding::Rial,
        debtor_name: "سازمان بهزیستی کشور".into(),
        debtor_sheba: debtor,
        deduction: None,
    };
    store.set_payment_settings(&maker, program.id, &fields).await.unwrap();
    let month = tavana_domain::payments::PayMonth::of(
        tavana_domain::jalali::JalaliDate::from_gregorian(store.today()).unwrap(),
    );
    let hq = store.org_unit_by_code("HQ").await.unwrap().id;
    let cycle = store.create_cycle(&maker, program.id, month, hq).await.unwrap();
    store.compute_cycle(&maker, cycle.id).await.unwrap();

    // A quota exam with a post and a candidate who chose it; a firm and a project of the CSR fund.
    let chief = actor("employment.chief").await;
    let agency = tavana_domain::employment::RawAgency {
        code: "MOE".into(),
        name: "آموزش و پرورش".into(),
        unit: "HQ".into(),
        staff: "1000".into(),
    };
    store.create_agencies(&chief, &[tavana_domain::employment::AgencyFields::parse(&agency).unwrap()]).await.unwrap();
    let exam = store.create_round(&chief, "آزمون سهمیه").await.unwrap().id;
    let post = tavana_domain::employment::RawPost {
        agency: "MOE".into(),
        job_title: "آموزگار".into(),
        seats: "2".into(),
        education: "diploma".into(),
        kinds: "motor".into(),
    };
    let post = store
        .add_exam_posts(&chief, exam, &[tavana_domain::employment::PostFields::parse(&post).unwrap()])
        .await
        .unwrap()[0];
    let code = crate::employment::candidate_person(&app, 33_000_001, "bachelor", "motor").await;
    let candidate = store.register_candidate(&chief, exam, &code).await.unwrap().id;
    store.set_preferences(&chief, candidate, &[post]).await.unwrap();
    let firm = tavana_domain::employment::csr::RawFirm {
        national_id: "10100000001".into(),
        name: "شرکت نمونه".into(),
        unit: "P08".into(),
    };
    store.create_firm(&chief, &tavana_domain::employment::csr::FirmFields::parse(&firm).unwrap()).await.unwrap();
    let project = tavana_domain::employment::csr::RawProject {
        kind: "housing".into(),
        title: "مسکن".into(),
        unit: "P08".into(),
        budget: "1000000".into(),
    };
    store
        .create_project(&chief, &tavana_domain::employment::csr::ProjectFields::parse(&project).unwrap())
        .await
        .unwrap();

    // A file with a good row and a refused one, for the import's result page.
    let upload = std::env::temp_dir().join(format!("tavana-axe-{}.csv", std::process::id()));
    std::fs::write(&upload, "file_number,place\nA-2,08-01-C\nA-3,99-99-X\n").unwrap();

    let b = browser(&driver).await;
    let base = app.base.clone();
    let mut found = Vec::new();
    for lang in ["fa", "en"] {
        // Signed out.
        b.goto(&format!("{base}/lang?to={lang}&next=/login")).await.unwrap();
        wait_for(&b, "#sign-in").await;
        check(&b, &base, "/login", &axe, &mut found).await;
        check(&b, &base, "/no-such-page", &axe, &mut found).await;

        // A case worker's day.
        sign_in(&b, &base, "caseworker", PASSWORD).await;
        wait_for(&b, "#sign-out").await;
        let pid = person.id;
        let hid = household.id;
        for path in [
            "/".to_string(),
            "/registry".into(),
            "/registry?last_name=%D8%A7%D9%85%DB%8C%D9%86%DB%8C".into(),
            "/registry/households".into(),
            "/registry/households/new".into(),
            format!("/registry/households/{hid}"),
            "/registry/persons/new?household=A-1".into(),
            format!("/registry/persons/{pid}"),
            format!("/registry/persons/{pid}/edit"),
            "/registry/import".into(),
            "/registry/duplicates".into(),
            "/cases/appeals".into(),
            format!("/cases/decisions/{decision}"),
            "/applications".into(),
            format!("/applications/{application}"),
            format!("/applications/new?person={pid}"),
            "/cases/grievances".into(),
            format!("/cases/grievances/{grievance}"),
            format!("/cases/grievances/new?person={pid}&decision={decision}"),
        ] {
            check(&b, &base, &path, &axe, &mut found).await;
        }
        // A failed save shows its error summary; an import shows its result.
        b.goto(&format!("{base}/registry/households/new")).await.unwrap();
        wait_for(&b, "#save").await;
        check_after_click(&b, "save", "#form-error", &axe, &mut found).await;
        b.goto(&format!("{base}/registry/import")).await.unwrap();
        wait_for(&b, "#file").await;
        b.find(Locator::Id("file")).await.unwrap().send_keys(&upload.display().to_string()).await.unwrap();
        check_after_click(&b, "upload", "#import-errors", &axe, &mut found).await;
        sign_out(&b).await;

        // A national registrar's household form picks the county first.
        sign_in(&b, &base, "registrar", PASSWORD).await;
        wait_for(&b, "#sign-out").await;
        check(&b, &base, "/registry/households/new", &axe, &mut found).await;
        sign_out(&b).await;

        // A program officer's.
        sign_in(&b, &base, "program.chief", PASSWORD).await;
        wait_for(&b, "#sign-out").await;
        let id = program.id;
        for path in [
            "/programs".to_string(),
            "/programs/new".into(),
            format!("/programs/{id}"),
            format!("/programs/{id}/edit"),
            format!("/programs/{id}/enrollments"),
            format!("/programs/{id}/decisions"),
            format!("/programs/{id}/explain/{pid}"),
            "/cards".into(),
            format!("/programs/{id}/waiting"),
            format!("/programs/{id}/waiting/{}", person.values.unit_id),
        ] {
            check(&b, &base, &path, &axe, &mut found).await;
        }
        b.goto(&format!("{base}/programs/{id}")).await.unwrap();
        wait_for(&b, "#simulate").await;
        check_after_click(&b, "simulate", "#simulation", &axe, &mut found).await;
        b.goto(&format!("{base}/programs/{id}")).await.unwrap();
        wait_for(&b, "#run").await;
        check_after_click(&b, "run", "#proposal", &axe, &mut found).await;
        sign_out(&b).await;

        // An HR officer's.
        sign_in(&b, &base, "hr", PASSWORD).await;
        wait_for(&b, "#sign-out").await;
        for path in [
            "/hr".to_string(),
            "/hr?q=200001".into(),
            format!("/hr/units/{p08}"),
            format!("/hr/positions/{position}"),
            "/hr/succession".into(),
            "/library".into(),
            "/library?q=%D9%85%D8%B3%D8%AA%D9%85%D8%B1%DB%8C".into(),
            format!("/library/items/{account}"),
            "/library/new".into(),
        ] {
            check(&b, &base, &path, &axe, &mut found).await;
        }
        sign_out(&b).await;

        // A vetting officer's: the cases, the file open in a sitting (the setup opened it), the notice;
        // and the board's, to whom it is closed.
        sign_in(&b, &base, "gozinesh", PASSWORD).await;
        wait_for(&b, "#sign-out").await;
        for path in
            ["/vetting".to_string(), format!("/vetting/cases/{vetting}"), format!("/vetting/cases/{vetting}/notice")]
        {
            check(&b, &base, &path, &axe, &mut found).await;
        }
        sign_out(&b).await;
        sign_in(&b, &base, "board", PASSWORD).await;
        wait_for(&b, "#sign-out").await;
        check(&b, &base, &format!("/vetting/cases/{vetting}"), &axe, &mut found).await;
        sign_out(&b).await;

        // An employment officer's.
        sign_in(&b, &base, "employment.chief", PASSWORD).await;
        wait_for(&b, "#sign-out").await;
        for path in [
            "/employment".to_string(),
            format!("/employment/rounds/{exam}"),
            format!("/employment/candidates/{candidate}"),
            "/employment/agencies".into(),
            "/employment/csr".into(),
            "/employment/jobs".into(),
        ] {
            check(&b, &base, &path, &axe, &mut found).await;
        }
        sign_out(&b).await;

        // A finance maker's.
        sign_in(&b, &base, "maker", PASSWORD).await;
        wait_for(&b, "#sign-out").await;
        let cid = cycle.id;
        for path in [
            "/payments".to_string(),
            format!("/payments/cycles/{cid}"),
            format!("/payments/cycles/{cid}?lines=1"),
            "/payments/jobs".into(),
            "/payments/ledger".into(),
            "/employment/csr".into(),
        ] {
            check(&b, &base, &path, &axe, &mut found).await;
        }
        b.goto(&format!("{base}/payments/cycles/{cid}")).await.unwrap();
        wait_for(&b, "#do-cancel").await;
        check_after_click(&b, "do-cancel", "#cycle-state", &axe, &mut found).await;
        sign_out(&b).await;

        // A planner's: every section of the planning centre, a county's places.
        sign_in(&b, &base, "planner", PASSWORD).await;
        wait_for(&b, "#sign-out").await;
        let tehran_county = store.place_by_code("08-01").await.unwrap().id;
        for path in [
            "/planning".to_string(),
            format!("/planning?place={tehran_county}"),
            "/planning/villages".into(),
            "/planning/waiting".into(),
            "/planning/budget".into(),
            "/planning/effectiveness".into(),
        ] {
            check(&b, &base, &path, &axe, &mut found).await;
        }
        sign_out(&b).await;

        // An administrator's and an auditor's.
        sign_in(&b, &base, "admin", PASSWORD).await;
        wait_for(&b, "#sign-out").await;
        for path in [
            "/users".to_string(),
            "/users/new".into(),
            format!("/users/{admin_id}"),
            "/org-units".into(),
            "/org-units/1".into(),
        ] {
            check(&b, &base, &path, &axe, &mut found).await;
        }
        b.goto(&format!("{base}/users/{admin_id}")).await.unwrap();
        wait_for(&b, "#sign-out").await;
        if b.find(Locator::Id("toggle-active")).await.is_ok() {
            check_after_click(&b, "toggle-active", "#confirm-action", &axe, &mut found).await;
        }
        sign_out(&b).await;
        sign_in(&b, &base, "auditor", PASSWORD).await;
        wait_for(&b, "#sign-out").await;
        check(&b, &base, "/audit", &axe, &mut found).await;
        sign_out(&b).await;
    }
    b.close().await.unwrap();
    let _ = std::fs::remove_file(&upload);
    assert!(found.is_empty(), "axe found {} violations:\n{}", found.len(), found.join("\n"));
}
