//! The planning centre over the API, over HTTP and in the browser: coverage
//! drilled down from the country to a county's places, the census imported
//! with its bad rows reported, the villages nobody has reached, waiting, budget
//! and effectiveness; every table downloaded as CSV and XLSX with the figures
//! the page shows.

use crate::browser::{browser, sign_in, start_driver, text_of, wait_for};
use crate::payments::enrolled;
use crate::support::{PASSWORD, spawn_app};
use fantoccini::Locator;
use serde_json::Value;

#[tokio::test]
async fn the_planning_api_answers_with_figures_and_names_bad_input() {
    let app = spawn_app().await;
    let (program, _) = enrolled(&app).await;
    let http = reqwest::Client::new();
    let planner = app.token_for("planner").await;
    let worker = app.token_for("caseworker").await;
    let get = |path: &str, token: &str| {
        http.get(app.url(&format!("/api/v1/planning{path}"))).bearer_auth(token.to_string()).send()
    };

    let coverage: Value = get("/coverage", &planner).await.unwrap().json().await.unwrap();
    assert_eq!(coverage["area"]["level"], "country");
    assert_eq!(coverage["rows"].as_array().unwrap().len(), 31);
    let p = coverage["programs"].as_array().unwrap().iter().position(|p| p["id"] == program).unwrap();
    assert_eq!(coverage["total"]["beneficiaries"][p], 6);
    let tehran = coverage["rows"].as_array().unwrap().iter().find(|r| r["code"] == "08").unwrap().clone();
    assert_eq!(tehran["beneficiaries"][p], 6);
    assert_eq!(tehran["members"], 6);
    let county: Value =
        get(&format!("/coverage?place={}", tehran["place_id"]), &planner).await.unwrap().json().await.unwrap();
    let first = county["rows"].as_array().unwrap().iter().find(|r| r["code"] == "08-01").unwrap().clone();
    let places: Value =
        get(&format!("/coverage?place={}", first["place_id"]), &planner).await.unwrap().json().await.unwrap();
    assert_eq!(places["area"]["level"], "county");
    let city = places["rows"].as_array().unwrap().iter().find(|r| r["code"] == "08-01-C").unwrap();
    assert_eq!((city["households"].as_i64(), city["beneficiaries"][p].as_i64()), (Some(6), Some(6)));

    assert_eq!(get("/coverage", &worker).await.unwrap().status(), 403, "a case worker does not open planning");
    assert_eq!(get("/coverage?place=999999", &planner).await.unwrap().status(), 404);
    let trend: Value = get("/trend", &planner).await.unwrap().json().await.unwrap();
    assert_eq!(trend["months"].as_array().unwrap().len(), 12);
    assert_eq!(trend["beneficiaries"][p][11], 6);

    // The census: an empty file, a case worker, a bad row among good ones.
    let census = |body: &'static str, token: &str| {
        http.post(app.url("/api/v1/planning/villages/census"))
            .bearer_auth(token.to_string())
            .header("content-type", "text/csv")
            .body(body)
            .send()
    };
    let empty = census("\n", &planner).await.unwrap();
    assert_eq!(empty.status(), 422);
    assert_eq!(empty.json::<Value>().await.unwrap()["field"], "file");
    assert_eq!(census("code,county,name,population,census_year\n", &worker).await.unwrap().status(), 403);
    let done: Value = census(
        "code,county,name,population,census_year\n08-01-D1-V1,08-01,ده,2500,1395\n08-02-D1-V1,08-02,ده,1800,1395\n\
         08-03-D1-V1,08-03,ده,چند,1395\n",
        &planner,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(done["recorded"], 2);
    assert_eq!(
        (done["refused"][0]["line"].as_i64(), done["refused"][0]["field"].as_str()),
        (Some(4), Some("population"))
    );
    let hidden: Value = get("/villages", &planner).await.unwrap().json().await.unwrap();
    assert_eq!(hidden["villages"], 2);
    let codes: Vec<&str> = hidden["rows"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["08-01-D1-V1", "08-02-D1-V1"], "nobody registered in either; the larger first");
    assert_eq!(hidden["rows"][0]["reach"], "unregistered");
    let bad = get("/villages?limit=0", &planner).await.unwrap();
    assert_eq!(bad.status(), 422);
    assert_eq!(bad.json::<Value>().await.unwrap()["field"], "limit");

    let budget = get("/budget?year=99", &planner).await.unwrap();
    assert_eq!(budget.status(), 422);
    assert_eq!(budget.json::<Value>().await.unwrap()["field"], "year");
    let budget: Value = get("/budget", &planner).await.unwrap().json().await.unwrap();
    assert_eq!(budget["months"].as_array().unwrap().len(), 12);
    let waiting = get("/waiting", &planner).await.unwrap();
    assert_eq!(waiting.status(), 200);
    let effect: Value = get("/effectiveness", &planner).await.unwrap().json().await.unwrap();
    let e = effect["programs"].as_array().unwrap().iter().find(|e| e["program"]["id"] == program).unwrap();
    assert_eq!(e["projection"]["assumptions"]["beneficiaries"], 6);
    assert_eq!(e["projection"]["assumptions"]["entries"], 6);
    assert_eq!(e["projection"]["beneficiaries"], 12, "six entered in the months observed: six more a year on");
}

#[tokio::test]
async fn every_planning_table_downloads_as_the_page_shows_it() {
    let app = spawn_app().await;
    enrolled(&app).await;
    let planner = app.signed_in("planner").await;
    let worker = app.signed_in("caseworker").await;
    assert_eq!(worker.get(app.url("/planning")).send().await.unwrap().status(), 403, "not a case worker's module");
    for (page, tables) in [
        ("/planning", &["coverage", "trend"][..]),
        ("/planning/villages", &["villages"][..]),
        ("/planning/waiting", &["waiting", "waiting-trend"][..]),
        ("/planning/budget", &["budget-months", "budget"][..]),
        ("/planning/effectiveness", &["exits", "projection"][..]),
    ] {
        let html = planner.get(app.url(page)).send().await.unwrap().text().await.unwrap();
        for table in tables {
            assert!(html.contains(&format!("<table id=\"{table}\">")), "{page} shows {table}");
            let csv = planner.get(app.url(&format!("{page}?table={table}&format=csv"))).send().await.unwrap();
            assert_eq!(csv.status(), 200, "{page} {table}");
            assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
            let text = csv.text().await.unwrap();
            assert!(text.starts_with('\u{feff}'), "a byte-order mark for spreadsheets");
            let xlsx = planner.get(app.url(&format!("{page}?table={table}&format=xlsx"))).send().await.unwrap();
            assert_eq!(xlsx.status(), 200);
            assert_eq!(&xlsx.bytes().await.unwrap()[..2], b"PK", "a workbook is a zip archive");
        }
        let missing = planner.get(app.url(&format!("{page}?table=nothing&format=csv"))).send().await.unwrap();
        assert_eq!(missing.status(), 404);
    }
    // The coverage table's Tehran row holds the figures the API gives.
    let csv = planner.get(app.url("/planning?table=coverage&format=csv")).send().await.unwrap().text().await.unwrap();
    let tehran = csv.lines().find(|l| l.starts_with("تهران,")).unwrap();
    let cells: Vec<&str> = tehran.split(',').collect();
    assert_eq!(&cells[1..3], ["6", "6"], "households, members: {tehran}");
    assert_eq!(cells[6], "6", "beneficiaries: {tehran}");
    assert_eq!(cells[7], "100.0", "every registered person is covered: {tehran}");
    // A place that is not a number is named.
    let bad = planner.get(app.url("/planning?place=x")).send().await.unwrap();
    assert_eq!(bad.status(), 422);
}

/// A planner opens coverage in Persian with its chart, drills down from the
/// country to Tehran and its county, imports the census (a bad row reported)
/// and finds the village nobody has reached.
#[tokio::test]
async fn a_planner_drills_down_and_finds_the_villages_nobody_has_reached_in_the_browser() {
    let Some(driver) = start_driver().await else { return };
    let app = spawn_app().await;
    enrolled(&app).await;
    let b = browser(&driver).await;
    sign_in(&b, &app.base, "planner", PASSWORD).await;
    wait_for(&b, "#sign-out").await;
    b.goto(&format!("{}/planning", app.base)).await.unwrap();
    wait_for(&b, "#coverage-chart").await;
    assert!(text_of(&b, "#area").await.contains("کل کشور"));
    let svg = b.find(Locator::Id("coverage-chart")).await.unwrap().html(false).await.unwrap();
    assert!(svg.contains("تهران") && svg.contains("۱۰۰٫۰٪"), "Tehran's bar, in Persian digits");
    b.find(Locator::LinkText("تهران")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#up").await;
    assert!(text_of(&b, "#area").await.contains("تهران"));
    b.find(Locator::Css("#coverage tbody tr:first-child th a")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#coverage").await;
    let places = text_of(&b, "#coverage").await;
    assert!(places.contains("(شهر)") && places.contains("(روستا)"), "{places}");
    assert!(text_of(&b, "#trend").await.contains("۱۴۰۵"));

    b.goto(&format!("{}/planning/villages", app.base)).await.unwrap();
    wait_for(&b, "#census-form").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("census.csv");
    std::fs::write(
        &path,
        "code,county,name,population,census_year\n08-01-D1-V1,08-01,ده,2500,1395\n99-99-D1-V1,99-99,ده,10,1395\n",
    )
    .unwrap();
    b.find(Locator::Id("census-file")).await.unwrap().send_keys(path.to_str().unwrap()).await.unwrap();
    b.find(Locator::Id("import-census")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#census-done").await;
    assert!(text_of(&b, "#census-done").await.contains('۱'));
    assert!(text_of(&b, "#bad-rows").await.contains("کد روستا"), "the bad row's field is named");
    // The whole row, columns scrolled out of view included.
    let list = b.find(Locator::Id("villages")).await.unwrap().html(true).await.unwrap();
    assert!(list.contains("08-01-D1-V1") && list.contains("هیچ خانواری ثبت نشده"), "{list}");
    wait_for(&b, "#villages-chart").await;
}
