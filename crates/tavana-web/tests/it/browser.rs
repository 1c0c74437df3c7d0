//! Real headless Chromium through chromedriver. Skipped (with a message) when
//! chromedriver is not installed, unless TAVANA_REQUIRE_BROWSER is set, as
//! scripts/test sets it: then a missing browser fails the run.

use crate::support::{PASSWORD, spawn_app};
use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub(crate) struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromedriver_path() -> Option<String> {
    if let Ok(path) = std::env::var("CHROMEDRIVER") {
        return Some(path);
    }
    let paths = std::env::var("PATH").unwrap_or_default();
    std::env::split_paths(&paths)
        .map(|dir| dir.join("chromedriver"))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string())
}

pub(crate) async fn start_driver() -> Option<Driver> {
    let Some(path) = chromedriver_path() else {
        assert!(std::env::var_os("TAVANA_REQUIRE_BROWSER").is_none(), "chromedriver is required but not installed");
        eprintln!("skipping browser test: chromedriver is not installed");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
    // Poll until chromedriver accepts connections, for at most 20 seconds.
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Some(driver);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

pub(crate) async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,900"
        ] }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("browser session")
}

pub(crate) async fn sign_in(b: &Client, base: &str, username: &str, password: &str) {
    b.goto(&format!("{base}/login")).await.unwrap();
    b.find(Locator::Id("username")).await.unwrap().send_keys(username).await.unwrap();
    b.find(Locator::Id("password")).await.unwrap().send_keys(password).await.unwrap();
    b.find(Locator::Id("sign-in")).await.unwrap().click().await.unwrap();
}

/// Waits (bounded by fantoccini's default wait) for an element the next page has:
/// a click that submits a form may return before the new page is there.
pub(crate) async fn wait_for(b: &Client, css: &str) {
    b.wait().for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css} did not appear: {e}"));
}

async fn html_attr(b: &Client, name: &str) -> String {
    b.find(Locator::Css("html")).await.unwrap().attr(name).await.unwrap().unwrap_or_default()
}

#[tokio::test]
async fn sign_in_see_the_persian_dashboard_switch_to_english_and_sign_out() {
    let Some(driver) = start_driver().await else { return };
    let app = spawn_app().await;
    let b = browser(&driver).await;

    // A wrong password shows a clear message and does not sign in.
    sign_in(&b, &app.base, "admin", "not the password").await;
    wait_for(&b, "#login-error").await;
    let error = b.find(Locator::Id("login-error")).await.unwrap().text().await.unwrap();
    assert_eq!(error, "نام کاربری یا گذرواژه نادرست است.");
    assert!(b.current_url().await.unwrap().path().starts_with("/login"));
    assert!(b.find(Locator::Id("sign-out")).await.is_err());

    // The demo admin signs in and sees the Persian dashboard.
    sign_in(&b, &app.base, "admin", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    assert_eq!(b.current_url().await.unwrap().path(), "/");
    assert_eq!(html_attr(&b, "dir").await, "rtl");
    assert_eq!(html_attr(&b, "lang").await, "fa");
    let heading = b.find(Locator::Css("main h1")).await.unwrap().text().await.unwrap();
    assert!(heading.starts_with("خوش آمدید"), "{heading}");
    let nav = b.find(Locator::Css("nav.side")).await.unwrap().text().await.unwrap();
    assert!(nav.contains("واحدهای سازمانی") && nav.contains("کاربران"), "{nav}");
    // The app's own font is loaded, not a system fallback.
    let font_loaded = b
        .execute("return document.fonts.check('16px Vazirmatn') && [...document.fonts].some(f => f.family.includes('Vazirmatn') && f.status === 'loaded');", vec![])
        .await
        .unwrap();
    assert_eq!(font_loaded, serde_json::Value::Bool(true));

    // Keyboard: the first Tab reaches the skip link, which leads to the main content.
    b.find(Locator::Css("body")).await.unwrap().send_keys("\u{E004}").await.unwrap();
    let focused = b.execute("return document.activeElement.className;", vec![]).await.unwrap();
    assert_eq!(focused, serde_json::Value::String("skip".into()));

    // Switch to English and back.
    b.find(Locator::Id("lang-switch")).await.unwrap().click().await.unwrap();
    wait_for(&b, "html[lang='en']").await;
    assert_eq!(html_attr(&b, "dir").await, "ltr");
    assert_eq!(html_attr(&b, "lang").await, "en");
    let heading = b.find(Locator::Css("main h1")).await.unwrap().text().await.unwrap();
    // The English greeting takes an English comma, the name isolated.
    assert!(heading.starts_with("Welcome, ") && !heading.contains('،'), "{heading}");

    // Org units list the province directorates.
    b.find(Locator::LinkText("Org units")).await.unwrap().click().await.unwrap();
    wait_for(&b, "main table").await;
    let table = b.find(Locator::Css("main table")).await.unwrap().text().await.unwrap();
    assert!(table.contains("Fars") && table.contains("Sistan and Baluchestan"), "{table}");

    // Sign out: back to the sign-in page, and the dashboard needs signing in again.
    b.find(Locator::Id("sign-out")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#sign-in").await;
    assert!(b.current_url().await.unwrap().path().starts_with("/login"));
    b.goto(&format!("{}/", app.base)).await.unwrap();
    wait_for(&b, "#sign-in").await;
    assert!(b.current_url().await.unwrap().path().starts_with("/login"));
    b.close().await.unwrap();
}

pub(crate) async fn fill(b: &Client, id: &str, text: &str) {
    let field = b.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

pub(crate) async fn choose(b: &Client, id: &str, value: &str) {
    let select = b.find(Locator::Id(id)).await.unwrap();
    select.select_by_value(value).await.unwrap();
}

pub(crate) async fn text_of(b: &Client, css: &str) -> String {
    b.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn register_search_edit_and_see_the_history() {
    let Some(driver) = start_driver().await else { return };
    let app = spawn_app().await;
    let b = browser(&driver).await;
    sign_in(&b, &app.base, "caseworker", PASSWORD).await;
    wait_for(&b, "#sign-out").await;

    // Register a household in a village of Tehran county.
    b.find(Locator::LinkText("پایگاه جامع")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#new-household").await;
    b.find(Locator::Id("new-household")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#f-file_number").await;
    fill(&b, "f-file_number", "T-100").await;
    // The place is picked from the office's villages and cities, offered as the
    // field is typed in, by name: no internal code is needed.
    let option = b.find(Locator::Css("#places option[value='08-01-D1-V1']")).await.unwrap();
    let offered = option.attr("label").await.unwrap().unwrap_or_default();
    let village = offered.split('،').next().unwrap().trim().to_string();
    assert!(!village.is_empty() && offered.contains("تهران"), "{offered}");
    assert_eq!(b.find(Locator::Id("f-place")).await.unwrap().attr("list").await.unwrap().as_deref(), Some("places"));
    fill(&b, "f-place", &village).await;
    fill(&b, "f-phone", "۰۲۱۲۲۲۲۳۳۳۳").await;
    b.find(Locator::Id("save")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#add-member").await;
    let place = text_of(&b, "#household-place").await;
    assert!(place.contains(&village) && place.contains("08-01-D1-V1"), "the village, by name and code: {place}");

    // Add its head; a wrong check digit first, then the right code.
    b.find(Locator::Id("add-member")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#f-national_code").await;
    assert_eq!(
        b.find(Locator::Id("f-household")).await.unwrap().prop("value").await.unwrap().as_deref(),
        Some("T-100")
    );
    fill(&b, "f-national_code", "۰۰۱۲۳۴۵۶۷۸").await;
    choose(&b, "f-relationship", "head").await;
    fill(&b, "f-first_name", "فاطمه").await;
    // Typed with the Arabic yeh, as an Arabic keyboard gives it; stored with the Persian one.
    fill(&b, "f-last_name", "کريمي").await;
    fill(&b, "f-father_name", "حسین").await;
    fill(&b, "f-birth_date", "۱۳۵۸/۰۷/۰۱").await;
    choose(&b, "f-sex", "female").await;
    b.find(Locator::Id("save")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#f-national_code-error").await;
    assert_eq!(text_of(&b, "#f-national_code-error").await, "کد ملی درست نیست: رقم کنترل آن با رقم‌های دیگرش نمی‌خواند.");
    // After a failed save the focus is on the summary, which lists the errors.
    let focused = b.active_element().await.unwrap().attr("id").await.unwrap().unwrap_or_default();
    assert_eq!(focused, "form-error");
    assert!(text_of(&b, "#form-error").await.contains("رقم کنترل"));
    fill(&b, "f-national_code", "۰۰۱۲۳۴۵۶۷۹").await;
    b.find(Locator::Id("save")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#person-facts").await;
    assert!(text_of(&b, "main h1").await.contains("فاطمه"));

    // Search with the Persian spelling finds the Arabic-lettered name.
    b.goto(&format!("{}/registry", app.base)).await.unwrap();
    wait_for(&b, "#q-last").await;
    fill(&b, "q-last", "کریمی").await;
    b.find(Locator::Id("search")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#results").await;
    let results = text_of(&b, "#results").await;
    assert!(results.contains("فاطمه") && results.contains("۰۰۱۲۳۴۵۶۷۹"), "{results}");
    b.find(Locator::LinkText("فاطمه کریمی")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#edit-person").await;

    // Edit: married, with a reason; the history then has two states.
    b.find(Locator::Id("edit-person")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#f-marital_status").await;
    choose(&b, "f-marital_status", "married").await;
    fill(&b, "f-reason", "ازدواج").await;
    b.find(Locator::Id("save")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#history").await;
    let rows = b.find_all(Locator::Css("#history tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 2);
    let newest = rows[0].text().await.unwrap();
    assert!(newest.contains("ازدواج") && newest.contains("caseworker") && newest.contains("وضعیت تأهل"), "{newest}");
    assert!(rows[1].text().await.unwrap().contains("ثبت نام"));

    // The file prints on A4: the print stylesheet hides the navigation, the
    // header and the forms, and the page is one sheet.
    let hidden_in_print = b
        .execute(
            "const hidden = [];
             for (const sheet of document.styleSheets) for (const rule of sheet.cssRules) {
               if (rule.media && rule.media.mediaText.includes('print'))
                 for (const inner of rule.cssRules) if (inner.style && inner.style.display === 'none') hidden.push(inner.selectorText);
               if (rule.type === CSSRule.PAGE_RULE) hidden.push('@page ' + rule.style.size);
             }
             return hidden.join(' ; ');",
            vec![],
        )
        .await
        .unwrap();
    let hidden_in_print = hidden_in_print.as_str().unwrap_or_default();
    for part in ["nav.side", "header.top", "form", "@page a4"] {
        assert!(hidden_in_print.contains(part), "{part} in {hidden_in_print}");
    }
    let pdf = b
        .print(fantoccini::wd::PrintConfiguration::builder().size(fantoccini::wd::PrintSize::A4).build().unwrap())
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("/MediaBox [0 0 595"), "an A4 page");
    assert_eq!(text.matches("/Type /Page").count() - text.matches("/Type /Pages").count(), 1, "one sheet");
    b.close().await.unwrap();
}

/// A program's life in the browser: one officer defines it, a second puts it in
/// force; it is simulated, run and confirmed; the beneficiary dies, the case worker
/// records it, the enrollment is flagged for review, and an officer decides.
#[tokio::test]
async fn define_approve_simulate_propose_confirm_then_a_death_is_reviewed_and_decided() {
    use tavana_domain::registry::{
        DisabilityFields, HouseholdFields, PersonFields, RawDisability, RawHousehold, RawPerson,
    };
    let Some(driver) = start_driver().await else { return };
    let app = spawn_app().await;
    // A household in Tehran county with a severely disabled head.
    let store = &app.db.store;
    let worker = store.actor_for_user(store.user_id_by_name("caseworker").await.unwrap()).await.unwrap();
    let today = time::macros::date!(2026 - 11 - 26);
    let h = HouseholdFields::parse(&RawHousehold {
        file_number: "P-1".into(),
        place: "08-01-C".into(),
        ..Default::default()
    })
    .unwrap();
    store.create_household(&worker, &h, "registration").await.unwrap();
    let raw = RawPerson {
        national_code: "0012345679".into(),
        household: "P-1".into(),
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

    let b = browser(&driver).await;
    sign_in(&b, &app.base, "program", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&format!("{}/programs/new", app.base)).await.unwrap();
    wait_for(&b, "#f-code").await;
    fill(&b, "f-code", "TRAVEL").await;
    fill(&b, "f-name_fa", "تخفیف سفر").await;
    fill(&b, "f-name_en", "Travel discount").await;
    choose(&b, "f-kind", "discount").await;
    choose(&b, "f-target", "person").await;
    fill(&b, "f-rule", "disability.severity == 'very_severe' && person.age >= 'x'").await;
    fill(&b, "f-formula", "0").await;
    fill(&b, "f-budget_month", "۱۰۰٬۰۰۰").await;
    b.find(Locator::Id("save")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#f-rule-error").await;
    let error = text_of(&b, "#f-rule-error").await;
    assert!(error.starts_with("قاعدهٔ استحقاق در نویسهٔ ۵۵:"), "{error}");
    fill(&b, "f-rule", "disability.severity == 'very_severe' && person.age >= 18").await;
    b.find(Locator::Id("save")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#simulate").await;

    b.find(Locator::Id("simulate")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#total-eligible").await;
    assert_eq!(text_of(&b, "#total-eligible").await, "۱");
    // Places by their names, not their codes.
    let first = text_of(&b, "#simulation tbody tr td").await;
    assert!(first.contains("تهران") && !first.contains("08"), "{first}");
    let budget = text_of(&b, "#budget").await;
    assert!(budget.contains("۱۰۰٬۰۰۰ ریال") && budget.contains("در حد بودجه"), "{budget}");

    // Only an active program enrolls, and a second officer puts it in force: the
    // officer who defined it may not.
    let program_page = b.current_url().await.unwrap().to_string().trim_end_matches("/simulate").to_string();
    b.find(Locator::Id("activate")).await.unwrap().click().await.unwrap();
    // Putting a program in force is confirmed first.
    wait_for(&b, "#confirm-action").await;
    assert!(text_of(&b, "#question").await.contains("در جریان قرار گیرد"));
    b.find(Locator::Id("confirm-action")).await.unwrap().click().await.unwrap();
    wait_for(&b, "main").await;
    assert!(b.source().await.unwrap().contains("اجازهٔ این کار"), "the definer is refused");
    b.goto(&program_page).await.unwrap();
    wait_for(&b, "#sign-out").await;
    b.find(Locator::Id("sign-out")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#sign-in").await;
    sign_in(&b, &app.base, "program.chief", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&program_page).await.unwrap();
    wait_for(&b, "#activate").await;
    b.find(Locator::Id("activate")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#confirm-action").await;
    b.find(Locator::Id("confirm-action")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#program-status[data-status='active']").await;
    b.find(Locator::Id("run")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#proposal").await;
    // The proposal is a table with each person's amount, nobody ticked for the
    // officer, and a way to enroll everyone proposed.
    let proposed = text_of(&b, "#proposal-table tbody").await;
    assert!(
        proposed.contains("رضا امینی") && proposed.contains("۰۰۱۲۳۴۵۶۷۹") && proposed.contains("ریال"),
        "{proposed}"
    );
    assert_eq!(text_of(&b, "#proposal-count").await, "۱");
    // The whole proposal downloads, each person with the amount.
    let proposal_csv = b
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             fetch(document.getElementById('proposal-csv').href).then(r => r.text()).then(done);",
            vec![],
        )
        .await
        .unwrap();
    let proposal_csv = proposal_csv.as_str().unwrap_or_default().trim_start_matches('\u{feff}').to_string();
    assert_eq!(
        proposal_csv.lines().collect::<Vec<_>>(),
        ["national_code,first_name,last_name,birth_date,amount_rials", "0012345679,رضا,امینی,1971-03-21,0"],
        "{proposal_csv}"
    );
    let ticked = b.find(Locator::Css("#proposal-table input[type=checkbox]")).await.unwrap().prop("checked").await;
    assert_eq!(ticked.unwrap().as_deref(), Some("false"), "not ticked by default");
    fill(&b, "reasons", "ارزیابی خیلی شدید").await;
    fill(&b, "legal_basis", "قانون حمایت از حقوق افراد دارای معلولیت").await;
    b.find(Locator::Id("confirm-all")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#message").await;
    assert_eq!(text_of(&b, "#message").await, "ثبت‌نام‌شده: ۱");

    let program = store
        .programs(&store.actor_for_user(store.user_id_by_name("program").await.unwrap()).await.unwrap())
        .await
        .unwrap();
    b.goto(&format!("{}/programs/{}/explain/{}", app.base, program[0].id, person.id)).await.unwrap();
    wait_for(&b, "#clauses").await;
    assert_eq!(text_of(&b, "#verdict").await, "مستحق — مبلغ ماهانه: ۰ ریال");
    let class = b.find(Locator::Id("verdict")).await.unwrap().attr("class").await.unwrap().unwrap_or_default();
    assert!(class.contains("notice") && !class.contains("alert"), "{class}");
    assert!(text_of(&b, "#person-name").await.contains("امینی"), "the explanation names the person");
    let rows = b.find_all(Locator::Css("#clauses tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 3, "the rule's two clauses, and that the person is living");
    let second = rows[1].text().await.unwrap();
    assert!(second.contains("سن به سال تمام شمسی در تاریخ محاسبه ≥ ۱۸") && second.contains("برقرار است"), "{second}");
    assert_eq!(text_of(&b, "#state").await, "برقرار");

    // He dies: the case worker records it, with the certificate as the reason.
    let program_id = program[0].id;
    let died_on = tavana_domain::jalali::JalaliDate::from_gregorian(store.today() - time::Duration::days(3)).unwrap();
    b.find(Locator::Id("sign-out")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#sign-in").await;
    sign_in(&b, &app.base, "caseworker", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&format!("{}/registry/persons/{}/edit", app.base, person.id)).await.unwrap();
    wait_for(&b, "#f-deceased_on").await;
    fill(&b, "f-deceased_on", &died_on.to_ascii()).await;
    fill(&b, "f-reason", "گواهی فوت").await;
    b.find(Locator::Id("save")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#history").await;

    // The officer finds the enrollment flagged for review, with the reason, and
    // decides: it ends, with reasons; nothing ended by itself.
    b.find(Locator::Id("sign-out")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#sign-in").await;
    sign_in(&b, &app.base, "program.chief", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&format!("{}/programs/{program_id}", app.base)).await.unwrap();
    wait_for(&b, "#reviews").await;
    assert!(text_of(&b, "#reviews").await.contains("گواهی فوت"));
    b.find(Locator::Css("#reviews a")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#decide").await;
    assert_eq!(text_of(&b, "#state").await, "برقرار", "flagged, not ended");
    assert_eq!(html_of_verdict(&b).await, "not_eligible");
    // "Not eligible" is not shown in the box "eligible" is shown in, and the
    // decision has no state chosen for the officer.
    let class = b.find(Locator::Id("verdict")).await.unwrap().attr("class").await.unwrap().unwrap_or_default();
    assert!(class.contains("alert"), "{class}");
    let chosen = b.find(Locator::Id("to")).await.unwrap().prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(chosen, "", "no state is chosen by default");
    choose(&b, "to", "exited").await;
    choose(&b, "d-exit", "death").await;
    fill(&b, "d-reasons", "فوت").await;
    fill(&b, "d-legal", "آیین‌نامهٔ مستمری، مادهٔ ۱۲").await;
    b.find(Locator::Id("decide")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#message").await;
    assert_eq!(text_of(&b, "#message").await, "تصمیم ثبت شد. وضعیت: خاتمه‌یافته");
    b.goto(&format!("{}/programs/{program_id}", app.base)).await.unwrap();
    wait_for(&b, "#simulate").await;
    assert!(b.find(Locator::Id("reviews")).await.is_err(), "the review is closed");
    // The person's page shows both decisions, newest first.
    b.goto(&format!("{}/registry/persons/{}", app.base, person.id)).await.unwrap();
    wait_for(&b, "#decisions").await;
    let rows = b.find_all(Locator::Css("#decisions tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows[0].text().await.unwrap().contains("خاتمه‌یافته"));

    // The program's decision list: filtered by the state decided, sorted by
    // clicking a header, and downloaded with the same filter.
    b.goto(&format!("{}/programs/{program_id}", app.base)).await.unwrap();
    wait_for(&b, "#decisions-link").await;
    b.find(Locator::Id("decisions-link")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#decisions").await;
    assert_eq!(text_of(&b, "#result-count").await, "یافته‌ها: ۲");
    let newest = text_of(&b, "#decisions tbody tr").await;
    assert!(newest.contains("خاتمه‌یافته") && newest.contains("رضا امینی"), "newest first: {newest}");
    choose(&b, "d-state", "exited").await;
    b.find(Locator::Id("filter")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#d-state option[value='exited'][selected]").await;
    assert_eq!(text_of(&b, "#result-count").await, "یافته‌ها: ۱");
    assert_eq!(b.find_all(Locator::Css("#decisions tbody tr")).await.unwrap().len(), 1);
    // Sorting by a column keeps the filter and says how the column is sorted.
    b.find(Locator::Css("#decisions th a[href*='sort=appeal_until']")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#decisions th[aria-sort='ascending']").await;
    assert_eq!(text_of(&b, "#result-count").await, "یافته‌ها: ۱");
    let csv = b
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             fetch(document.getElementById('export-csv').href).then(r => r.text()).then(done);",
            vec![],
        )
        .await
        .unwrap();
    let csv = csv.as_str().unwrap_or_default().trim_start_matches('\u{feff}').to_string();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "the header and the one exit: {csv}");
    assert!(lines[0].starts_with("national_code,first_name,last_name") && lines[1].contains("exited"), "{csv}");
    b.close().await.unwrap();
}

async fn html_of_verdict(b: &Client) -> String {
    b.find(Locator::Id("verdict")).await.unwrap().attr("data-outcome").await.unwrap().unwrap_or_default()
}

/// Two records of one woman: the case worker finds them, proposes keeping one,
/// a second colleague approves, each step says what it did; the merged record
/// then points at the one that stays, and searching its national code finds
/// the survivor, saying so.
#[tokio::test]
async fn merge_two_persons_and_find_the_merged_one_through_the_survivor() {
    use tavana_domain::registry::{HouseholdFields, PersonFields, RawHousehold, RawPerson};
    let Some(driver) = start_driver().await else { return };
    let app = spawn_app().await;
    let store = &app.db.store;
    let worker = store.actor_for_user(store.user_id_by_name("caseworker").await.unwrap()).await.unwrap();
    let today = store.today();
    let mut ids = Vec::new();
    for (file, code) in [("M-1", "0012345679"), ("M-2", "0012345687")] {
        let h = HouseholdFields::parse(&RawHousehold {
            file_number: file.into(),
            place: "08-01-C".into(),
            ..Default::default()
        })
        .unwrap();
        store.create_household(&worker, &h, "registration").await.unwrap();
        let raw = RawPerson {
            national_code: code.into(),
            household: file.into(),
            relationship: "head".into(),
            first_name: "مریم".into(),
            last_name: "احمدی".into(),
            father_name: "علی".into(),
            birth_date: "1360/01/01".into(),
            sex: "female".into(),
            ..Default::default()
        };
        let person =
            store.register_person(&worker, &PersonFields::parse(&raw, today).unwrap(), "registration").await.unwrap();
        ids.push(person.id);
    }

    let b = browser(&driver).await;
    sign_in(&b, &app.base, "caseworker", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&format!("{}/registry/duplicates", app.base)).await.unwrap();
    wait_for(&b, "#detect").await;
    b.find(Locator::Id("detect")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#found").await;
    let pair = b.find(Locator::Css("section.pair")).await.unwrap();
    let pair_id = pair.attr("aria-labelledby").await.unwrap().unwrap().trim_start_matches("pair-").to_string();
    // Keep the first record (0012345679); the second is merged into it.
    b.find(Locator::Css(&format!("section.pair input[name=survivor][value='{}']", ids[0])))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&b, &format!("reason-{pair_id}"), "یک نفر با دو کد ملی").await;
    b.find(Locator::Id(&format!("merge-{pair_id}"))).await.unwrap().click().await.unwrap();
    wait_for(&b, "#decided").await;
    assert!(text_of(&b, "#decided").await.contains("همکار دیگری"), "the proposal waits for a second person");
    b.find(Locator::Id("sign-out")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#sign-in").await;

    sign_in(&b, &app.base, "registrar", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&format!("{}/registry/duplicates?status=merge_proposed", app.base)).await.unwrap();
    wait_for(&b, &format!("#approve-{pair_id}")).await;
    fill(&b, &format!("reason-{pair_id}"), "بررسی شد").await;
    b.find(Locator::Id(&format!("approve-{pair_id}"))).await.unwrap().click().await.unwrap();
    wait_for(&b, "#decided").await;
    assert!(text_of(&b, "#decided").await.starts_with("ادغام انجام شد"));

    // The merged record says where it went, and cannot be edited.
    b.goto(&format!("{}/registry/persons/{}", app.base, ids[1])).await.unwrap();
    wait_for(&b, "#merged-into").await;
    assert!(b.find(Locator::Id("edit-person")).await.is_err(), "no edit link on a merged record");
    b.find(Locator::Css("#merged-into a")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#person-facts").await;
    assert!(b.current_url().await.unwrap().path().ends_with(&format!("/registry/persons/{}", ids[0])));
    // The survivor's history tells of the merge.
    assert!(b.find(Locator::Id("merged-here")).await.is_ok(), "the survivor lists the record merged into it");

    // Searching the merged code (as typed on an ID card) finds the survivor.
    b.goto(&format!("{}/registry", app.base)).await.unwrap();
    wait_for(&b, "#q-code").await;
    fill(&b, "q-code", "۰۰۱-۲۳۴۵۶۸-۷").await;
    b.find(Locator::Id("search")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#found-through-merge").await;
    let results = text_of(&b, "#results").await;
    assert!(results.contains("۰۰۱۲۳۴۵۶۷۹") && !results.contains("۰۰۱۲۳۴۵۶۸۷"), "{results}");
    b.close().await.unwrap();
}

/// A 20 MB file through the import page: the page shows how far the upload and
/// the import are while it runs, then what was kept. A row made before the
/// record it changes was changed again is reported as a conflict, not applied.
#[tokio::test]
async fn a_large_import_shows_its_progress_and_a_stale_row_is_a_conflict() {
    use tavana_domain::registry::{HouseholdFields, PersonFields, RawHousehold, RawPerson};
    let Some(driver) = start_driver().await else { return };
    let app = spawn_app().await;
    let dir = std::env::temp_dir().join(format!("tavana-import-{}", tavana_store::iam::random_token()));
    std::fs::create_dir_all(&dir).unwrap();
    let large = dir.join("households.csv");
    let address = "خیابان آزادی، کوچهٔ شهید بهشتی، پلاک ۱۲، واحد ۳، نزدیک مدرسهٔ ابتدایی دخترانه";
    let mut file = String::from("file_number,place,address\n");
    let mut rows = 0;
    while file.len() < 20 * 1024 * 1024 {
        file.push_str(&format!("B-{rows},08-01-C,{address}\n"));
        rows += 1;
    }
    std::fs::write(&large, &file).unwrap();

    let b = browser(&driver).await;
    sign_in(&b, &app.base, "caseworker", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&format!("{}/registry/import", app.base)).await.unwrap();
    wait_for(&b, "#file").await;
    // The limits, a template and the code list are on the page.
    assert!(text_of(&b, "#size-limit").await.contains("۴۰۹۶"));
    assert!(b.find(Locator::Id("template-households")).await.is_ok() && b.find(Locator::Id("code-list")).await.is_ok());
    b.find(Locator::Id("file")).await.unwrap().send_keys(&large.display().to_string()).await.unwrap();
    b.find(Locator::Id("upload")).await.unwrap().click().await.unwrap();
    // While it runs, the progress shows.
    b.wait().for_element(Locator::Css("#import-progress:not([hidden])")).await.unwrap();
    b.wait()
        .at_most(Duration::from_secs(600))
        .for_element(Locator::Id("import-result"))
        .await
        .expect("the import ends");
    let figures = text_of(&b, "#import-result").await;
    assert!(
        figures.contains(&tavana_domain::text::to_persian_digits(
            &tavana_domain::Rials::new(rows).grouped().replace(',', "٬")
        )),
        "{figures}"
    );
    let seen = b.find(Locator::Css("body")).await.unwrap().attr("data-import-seen").await.unwrap().unwrap();
    let seen: serde_json::Value = serde_json::from_str(&seen).unwrap();
    assert_eq!(seen["bytes"], seen["total"], "the whole file went: {seen}");
    assert!(seen["total"].as_u64().unwrap() > 20 * 1024 * 1024, "{seen}");
    assert!(
        seen["polls"].as_u64().unwrap() >= 1 && seen["rows"].as_u64().unwrap() >= 5_000,
        "rows counted as they went: {seen}"
    );

    // A person is exported at version 1, then corrected on screen; the old row
    // comes back in a file and is refused as a conflict.
    let store = &app.db.store;
    let worker = store.actor_for_user(store.user_id_by_name("caseworker").await.unwrap()).await.unwrap();
    let h = HouseholdFields::parse(&RawHousehold {
        file_number: "C-1".into(),
        place: "08-01-C".into(),
        ..Default::default()
    })
    .unwrap();
    store.create_household(&worker, &h, "registration").await.unwrap();
    let raw = RawPerson {
        national_code: "0012345679".into(),
        household: "C-1".into(),
        relationship: "head".into(),
        first_name: "رضا".into(),
        last_name: "امینی".into(),
        father_name: "علی".into(),
        birth_date: "1350/01/01".into(),
        sex: "male".into(),
        phone: "09121111111".into(),
        ..Default::default()
    };
    let person = store
        .register_person(&worker, &PersonFields::parse(&raw, store.today()).unwrap(), "registration")
        .await
        .unwrap();
    let stale = dir.join("persons.csv");
    std::fs::write(
        &stale,
        "national_code,household,relationship,first_name,last_name,father_name,birth_date,sex,phone,record_version\n\
         0012345679,C-1,head,رضا,امینی,علی,1350/01/01,male,09121111111,1\n",
    )
    .unwrap();
    b.goto(&format!("{}/registry/persons/{}/edit", app.base, person.id)).await.unwrap();
    wait_for(&b, "#f-phone").await;
    fill(&b, "f-phone", "09122222222").await;
    fill(&b, "f-reason", "شمارهٔ تازه").await;
    b.find(Locator::Id("save")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#history").await;
    b.goto(&format!("{}/registry/import", app.base)).await.unwrap();
    wait_for(&b, "#file").await;
    choose(&b, "kind", "persons").await;
    b.find(Locator::Id("file")).await.unwrap().send_keys(&stale.display().to_string()).await.unwrap();
    b.find(Locator::Id("upload")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#import-errors").await;
    let error = text_of(&b, "#import-errors tbody").await;
    assert!(error.contains("تغییر کرده است") && error.contains("اعمال نشد"), "{error}");
    b.goto(&format!("{}/registry/persons/{}", app.base, person.id)).await.unwrap();
    wait_for(&b, "#person-facts").await;
    assert!(text_of(&b, "#person-facts").await.contains("۰۹۱۲۲۲۲۲۲۲۲"), "the correction stands");
    b.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Someone whose offices cover the whole country picks the county first; the
/// place's suggestions are then that county's villages and cities. A county
/// office's worker is not asked for a county, and no one is told of places
/// outside their scope.
#[tokio::test]
async fn a_national_registrar_picks_the_county_then_the_place() {
    let Some(driver) = start_driver().await else { return };
    let app = spawn_app().await;
    let b = browser(&driver).await;
    sign_in(&b, &app.base, "registrar", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&format!("{}/registry/households/new", app.base)).await.unwrap();
    wait_for(&b, "#f-place-county").await;
    choose(&b, "f-place-county", "17-01").await;
    wait_for(&b, "#places[data-county='17-01']").await;
    let options = b.find_all(Locator::Css("#places option")).await.unwrap();
    assert!(!options.is_empty());
    let mut first = None;
    for option in &options {
        let code = option.attr("value").await.unwrap().unwrap_or_default();
        assert!(code.starts_with("17-01-"), "{code}");
        first.get_or_insert(code);
    }
    fill(&b, "f-file_number", "F-9").await;
    fill(&b, "f-place", &first.clone().unwrap()).await;
    b.find(Locator::Id("save")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#household-place").await;
    assert!(text_of(&b, "#household-place").await.contains(&first.unwrap()));
    b.close().await.unwrap();

    // The county office's worker: no county to pick; another county's places
    // are not given.
    let worker = app.signed_in("caseworker").await;
    let form = worker.get(app.url("/registry/households/new")).send().await.unwrap().text().await.unwrap();
    assert!(!form.contains("f-place-county") && form.contains("value=\"08-01-C\""));
    let theirs: serde_json::Value =
        worker.get(app.url("/registry/places?county=17-01")).send().await.unwrap().json().await.unwrap();
    assert_eq!(theirs, serde_json::json!([]));
    let own: serde_json::Value =
        worker.get(app.url("/registry/places?county=08-01")).send().await.unwrap().json().await.unwrap();
    assert!(own.as_array().unwrap().iter().any(|p| p["code"] == "08-01-C"), "{own}");
}
