//! Planning: coverage per province, county and village, the villages nobody has
//! reached, beneficiaries and the waiting list over time, and effectiveness,
//! each checked against an independent recount of the registry and the
//! decisions. On SQLite and PostgreSQL.

use crate::support::{activate, confirm, load_population, seeded, user};
use tavana_domain::iam::{Actor, Role};
use tavana_domain::planning::{Level, Reach};
use tavana_domain::programs::{EnrollmentState, ExitReason};
use tavana_store::programs::EnrollmentDecision;
use tavana_store::{Clock, Store, StoreError};

const DAY: time::OffsetDateTime = time::macros::datetime!(2026-11-27 12:00 UTC);
/// A month and a half later (1405/10/21).
const LATER: time::OffsetDateTime = time::macros::datetime!(2027-01-10 12:00 UTC);

async fn count(store: &Store, what: &str) -> i64 {
    store.count_rows_for_tests(what).await.unwrap()
}

/// Living persons, recounted from the registry: alive today, in a household.
const LIVING: &str = "(s.deceased_on IS NULL OR s.deceased_on > '2026-11-27')";

/// A person program for severe disabilities, defined and put in force.
async fn define_pension(store: &Store, officer: &Actor) -> i64 {
    define_pension_paying(store, officer, "4500000").await
}

/// [`define_pension`] paying by `formula`.
async fn define_pension_paying(store: &Store, officer: &Actor, formula: &str) -> i64 {
    let raw = tavana_domain::programs::RawProgram {
        code: "pension".into(),
        name_fa: "مستمری".into(),
        name_en: "Pension".into(),
        kind: "cash_benefit".into(),
        target: "person".into(),
        rule: r#"disability.severity in ["severe", "very_severe"]"#.into(),
        formula: formula.into(),
        ..Default::default()
    };
    let fields = tavana_domain::programs::ProgramFields::parse(&raw).unwrap();
    let program = store.create_program(officer, &fields, "new program").await.unwrap();
    activate(store, program.id).await;
    program.id
}

/// The pension of [`define_pension`], everyone it proposes enrolled.
async fn pension(store: &Store, officer: &Actor) -> (i64, Vec<i64>) {
    pension_paying(store, officer, "4500000").await
}

/// [`pension`] paying by `formula`.
async fn pension_paying(store: &Store, officer: &Actor, formula: &str) -> (i64, Vec<i64>) {
    let program = define_pension_paying(store, officer, formula).await;
    let proposal = store.propose_enrollments(officer, program, store.default_as_of().unwrap()).await.unwrap();
    let enrolled = proposal.to_enroll.clone();
    confirm(store, officer, program, &enrolled, "assessed severe", "art. 27").await.unwrap();
    assert!(enrolled.len() > 20, "{}", enrolled.len());
    (program, enrolled)
}

#[tokio::test]
async fn coverage_matches_a_recount_at_every_level_and_follows_a_move() {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(DAY));
    let registrar = user(&store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(&store, "officer", "HQ", Role::ProgramOfficer).await;
    let planner = user(&store, "planner", "HQ", Role::Planner).await;
    let tehran = user(&store, "tehran", "P08", Role::Planner).await;
    let county = user(&store, "county", "C08-01", Role::Planner).await;
    let households = load_population(&store, &registrar, 900, 71).await;
    let (program, _) = pension(&store, &officer).await;
    assert_eq!(store.place_facts_mismatches(10).await.unwrap(), Vec::<i64>::new(), "after the bulk load");

    // A case worker does not open planning.
    assert!(matches!(store.coverage(&registrar, None).await, Err(StoreError::Forbidden(_))));

    // The country: a row per province, each matching a recount.
    let country = store.coverage(&planner, None).await.unwrap();
    assert_eq!(country.area.level, Level::Country);
    assert_eq!(country.rows.len(), 31);
    let p = country.programs.iter().position(|p| p.id == program).unwrap();
    for row in &country.rows {
        let members = count(
            &store,
            &format!(
                "persons s JOIN households h ON h.id = s.household_id JOIN places g ON g.id = h.place_id \
                 WHERE {LIVING} AND g.province_id = {}",
                row.place_id
            ),
        )
        .await;
        let households = count(
            &store,
            &format!(
                "households h JOIN places g ON g.id = h.place_id WHERE g.province_id = {} AND EXISTS \
                 (SELECT 1 FROM persons s WHERE s.household_id = h.id AND {LIVING})",
                row.place_id
            ),
        )
        .await;
        let served = count(
            &store,
            &format!(
                "enrollments e JOIN persons s ON s.id = e.person_id WHERE e.state = 'enrolled' \
                 AND e.program_id = {program} AND s.province_id = {}",
                row.place_id
            ),
        )
        .await;
        assert_eq!((row.members, row.households, row.beneficiaries[p]), (members, households, served), "{}", row.code);
    }
    let all = count(&store, &format!("persons s WHERE {LIVING} AND s.household_id IS NOT NULL")).await;
    assert_eq!(country.total.members, all);
    assert!(country.total.beneficiaries[p] > 20);

    // Tehran's counties add up to Tehran's row; a county's villages and cities
    // add up to the county's.
    let province = store.coverage(&planner, Some(country.rows[7].place_id)).await.unwrap();
    assert_eq!((province.area.level, province.area.code.as_str()), (Level::Province, "08"));
    assert_eq!(province.total.members, country.rows[7].members);
    assert_eq!(province.total.beneficiaries, country.rows[7].beneficiaries);
    let first = &province.rows[0];
    let villages = store.coverage(&planner, Some(first.place_id)).await.unwrap();
    assert_eq!(villages.area.level, Level::County);
    assert_eq!(villages.area.up, Some(province.area.place_id.unwrap()));
    assert_eq!(villages.rows.len(), 3, "the county's city and its two villages");
    assert_eq!((villages.total.members, villages.total.households), (first.members, first.households));
    assert_eq!(villages.total.beneficiaries, first.beneficiaries);

    // A household moves from one place to another: both places' figures follow,
    // in the move's own transaction.
    let moving = households
        .iter()
        .find(|h| h.household.place.starts_with("08-") && h.persons.len() >= 2)
        .expect("a Tehran household");
    let from = moving.household.place.clone();
    let to = if from.ends_with("-V1") { from.replace("-V1", "-V2") } else { "08-01-D1-V1".to_string() };
    let id = store.household_by_file(&registrar, &moving.household.file_number).await.unwrap().id;
    let before = store.coverage(&planner, Some(country.rows[7].place_id)).await.unwrap();
    let raw = tavana_domain::registry::RawHousehold { place: to.clone(), ..moving.household.clone() };
    let fields = tavana_domain::registry::HouseholdFields::parse(&raw).unwrap();
    store.move_household(&registrar, id, &fields, "moved").await.unwrap();
    let after = store.coverage(&planner, Some(country.rows[7].place_id)).await.unwrap();
    assert_eq!(store.place_facts_mismatches(10).await.unwrap(), Vec::<i64>::new());
    assert_eq!(after.total.members, before.total.members, "still in Tehran");
    for (place, recount) in [(&from, true), (&to, true)] {
        let county_code: String = place.split('-').take(2).collect::<Vec<_>>().join("-");
        let county_row = after.rows.iter().find(|r| r.code == county_code).unwrap();
        let members = count(
            &store,
            &format!(
                "persons s JOIN households h ON h.id = s.household_id JOIN places g ON g.id = h.place_id \
                 WHERE {LIVING} AND g.county_id = {}",
                county_row.place_id
            ),
        )
        .await;
        assert!(recount);
        assert_eq!(county_row.members, members, "{county_code}");
        let inside = store.coverage(&planner, Some(county_row.place_id)).await.unwrap();
        let row = inside.rows.iter().find(|r| &r.code == place).unwrap();
        let here = count(
            &store,
            &format!(
                "persons s JOIN households h ON h.id = s.household_id JOIN places g ON g.id = h.place_id \
                 WHERE {LIVING} AND g.code = '{place}'"
            ),
        )
        .await;
        assert_eq!(row.members, here, "{place}");
    }

    // A province's planner sees their province, its counties, and nothing else.
    let own = store.coverage(&tehran, None).await.unwrap();
    assert_eq!((own.area.level, own.area.code.as_str(), own.area.up), (Level::Province, "08", None));
    assert!(!own.area.may_go_up);
    assert!(matches!(store.coverage(&tehran, Some(country.rows[0].place_id)).await, Err(StoreError::NotFound)));
    assert!(store.coverage(&tehran, Some(first.place_id)).await.is_ok());
    // A county's planner sees their county only.
    let mine = store.coverage(&county, None).await.unwrap();
    assert_eq!((mine.area.level, mine.area.code.as_str(), mine.area.up), (Level::County, "08-01", None));
    assert!(matches!(store.coverage(&county, Some(country.rows[7].place_id)).await, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn the_villages_nobody_has_reached_are_found_and_ranked() {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(DAY));
    let registrar = user(&store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(&store, "officer", "HQ", Role::ProgramOfficer).await;
    let planner = user(&store, "planner", "HQ", Role::Planner).await;
    let tehran = user(&store, "tehran", "P08", Role::Planner).await;
    let auditor = user(&store, "auditor", "HQ", Role::Auditor).await;
    load_population(&store, &registrar, 900, 73).await;
    pension(&store, &officer).await;

    // The census: every village of the geography, with bad rows among them.
    let villages: Vec<(String, String)> = {
        let coverage = store.coverage(&planner, None).await.unwrap();
        let mut out = Vec::new();
        for province in &coverage.rows {
            for county in store.coverage(&planner, Some(province.place_id)).await.unwrap().rows {
                for v in store.coverage(&planner, Some(county.place_id)).await.unwrap().rows {
                    if v.kind == "village" {
                        out.push((v.code, county.code.clone()));
                    }
                }
            }
        }
        out
    };
    assert!(villages.len() > 150, "{}", villages.len());
    let mut csv = String::from("code,county,name,population,census_year\n");
    for (i, (code, county)) in villages.iter().enumerate() {
        // Populations from 400 to 4,390, each different, so the ranking is strict.
        csv.push_str(&format!("{code},{county},ده,{},1395\n", 400 + (i * 37) % 3_991));
    }
    let good = villages.len();
    csv.push_str("99-99-D1-V1,99-99,ناشناخته,100,1395\n"); // line good+2: unknown village
    csv.push_str(&format!("{},08-02,ده,100,1395\n", villages[0].0)); // line good+3: another county
    csv.push_str(&format!("{},{},ده,-5,95\n", villages[1].0, villages[1].1)); // line good+4: two bad fields
    csv.push_str(&format!("{},{},ده,100,1395\n", villages[2].0, villages[2].1)); // line good+5: twice
    assert!(matches!(store.import_villages(&auditor, csv.as_bytes()).await, Err(StoreError::Forbidden(_))));
    let imported = store.import_villages(&planner, csv.as_bytes()).await.unwrap();
    assert_eq!(imported.recorded, good);
    let refused: Vec<(usize, &str)> = imported.refused.iter().map(|r| (r.line, r.field.as_str())).collect();
    assert_eq!(
        refused,
        [
            (good + 2, "code"),
            (good + 3, "county"),
            (good + 4, "population"),
            (good + 4, "census_year"),
            (good + 5, "code")
        ]
    );
    assert_eq!(count(&store, "village_populations").await, good as i64);
    // Importing again changes nothing but the instant; a province's planner may
    // not record another province's village.
    let outside = format!("code,county,name,population,census_year\n{},{},ده,5,1395\n", villages[0].0, villages[0].1);
    let theirs = store.import_villages(&tehran, outside.as_bytes()).await.unwrap();
    assert_eq!((theirs.recorded, theirs.refused.len()), (0, 1), "{theirs:?}");

    // The hidden villages, recounted: a census, then nobody registered, or
    // registered and nobody in force in any program.
    let hidden = store.hidden_villages(&planner, None, 100_000).await.unwrap();
    assert_eq!(hidden.villages, good as i64);
    assert!(hidden.rate_ppm > 0 && hidden.rate_observed);
    let mut expected_unregistered = 0;
    let mut expected_unserved = 0;
    for (code, _) in &villages {
        let registered = count(
            &store,
            &format!(
                "households h JOIN places g ON g.id = h.place_id WHERE g.code = '{code}' AND EXISTS \
                 (SELECT 1 FROM persons s WHERE s.household_id = h.id AND {LIVING})"
            ),
        )
        .await;
        let served = count(
            &store,
            &format!(
                "enrollments e JOIN persons s ON s.id = e.person_id JOIN households h ON h.id = s.household_id \
                 JOIN places g ON g.id = h.place_id WHERE e.state = 'enrolled' AND g.code = '{code}'"
            ),
        )
        .await;
        let found = hidden.rows.iter().find(|r| &r.code == code);
        match (registered, served) {
            (0, _) => {
                expected_unregistered += 1;
                assert_eq!(found.map(|r| r.reach), Some(Reach::Unregistered), "{code}");
            }
            (_, 0) => {
                expected_unserved += 1;
                assert_eq!(found.map(|r| r.reach), Some(Reach::Unserved), "{code}");
                assert_eq!(found.unwrap().households, registered);
            }
            _ => assert!(found.is_none(), "{code} is served"),
        }
    }
    assert_eq!((hidden.unregistered, hidden.unserved), (expected_unregistered, expected_unserved));
    assert!(expected_unregistered > 0 && expected_unserved > 0, "{expected_unregistered} {expected_unserved}");
    // Ranked: nobody registered first, then the larger expected community.
    for pair in hidden.rows.windows(2) {
        assert!(
            (pair[0].reach, -pair[0].expected) <= (pair[1].reach, -pair[1].expected),
            "{:?} before {:?}",
            pair[0],
            pair[1]
        );
    }
    // Tehran's planner gets Tehran's villages only; the list is cut at the limit.
    let theirs = store.hidden_villages(&tehran, None, 3).await.unwrap();
    assert_eq!(theirs.rows.len(), 3);
    assert!(theirs.rows.iter().all(|r| r.code.starts_with("08-")));
    assert!(theirs.unregistered + theirs.unserved < hidden.unregistered + hidden.unserved);
}

#[tokio::test]
async fn beneficiaries_over_time_and_effectiveness_are_recounted_from_the_decisions() {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(DAY));
    let registrar = user(&store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(&store, "officer", "HQ", Role::ProgramOfficer).await;
    let planner = user(&store, "planner", "HQ", Role::Planner).await;
    load_population(&store, &registrar, 900, 75).await;
    // Amounts that differ from person to person, so their mean is a recount.
    let (program, enrolled) = pension_paying(&store, &officer, "4000000 + 1000 * person.age").await;
    let n = enrolled.len() as i64;

    // A month and a half later, three leave: one for work, one by
    // empowerment, one by death.
    let later = store.with_clock(Clock::Fixed(LATER));
    for (person, reason) in enrolled.iter().zip([ExitReason::Work, ExitReason::Empowerment, ExitReason::Death]) {
        let decision = EnrollmentDecision {
            to: EnrollmentState::Exited,
            reasons: "left",
            legal_basis: "art. 12",
            exit_reason: Some(reason),
        };
        later.decide_enrollment(&officer, program, *person, &decision).await.unwrap();
    }
    // The trends read the moves' monthly tallies, kept by the confirmation and
    // by each decision: they match a recount of every decision.
    assert_eq!(store.enrollment_moves_mismatches().await.unwrap(), vec![]);
    assert!(count(&store, "enrollment_moves").await > 0);
    let trend = later.planning_trend(&planner, None).await.unwrap();
    let p = trend.programs.iter().position(|p| p.id == program).unwrap();
    let m = trend.months.len();
    assert_eq!(m, 12);
    // 1405/10 now; 1405/09 when they were confirmed; nobody before.
    assert_eq!(trend.months[m - 1], 140_510);
    assert_eq!(trend.beneficiaries[p][m - 1], n - 3);
    assert_eq!(trend.beneficiaries[p][m - 2], n);
    assert_eq!(trend.beneficiaries[p][m - 3], 0);
    assert_eq!((trend.entries[p][m - 2], trend.exits[p][m - 1]), (n, 3));
    let recount = count(&store, &format!("enrollments WHERE program_id = {program} AND state = 'enrolled'")).await;
    assert_eq!(trend.beneficiaries[p][m - 1], recount);

    let effect = later.effectiveness(&planner, None).await.unwrap();
    let e = effect.programs.iter().find(|e| e.program.id == program).unwrap();
    let by = |r: ExitReason| e.exits.iter().find(|x| x.reason == r).unwrap().exits;
    assert_eq!((by(ExitReason::Work), by(ExitReason::Empowerment), by(ExitReason::Death)), (1, 1, 1));
    assert_eq!(e.left_need_per_mille, Some(666), "two of three left need");
    // Confirmed 2026-11-27, exited 2027-01-10: 44 days.
    assert_eq!(e.mean_days_on_program, Some(44));
    let a = e.projection.assumptions;
    assert_eq!((a.beneficiaries, a.entries, a.exits, a.months), (n - 3, n, 3, 12));
    // Today's mean amount, recounted from the enrollments in force (an integer
    // division, as the page makes it), over the country and over one province.
    let mean = |area: String| {
        let store = &store;
        async move {
            let of = |what: &str| {
                format!(
                    "SELECT CAST({what} AS BIGINT) FROM enrollments WHERE program_id = {program} AND state = 'enrolled'{area}"
                )
            };
            let sum = store.scalar_for_tests(&of("SUM(amount_rials)")).await.unwrap();
            let distinct = store.scalar_for_tests(&of("COUNT(DISTINCT amount_rials)")).await.unwrap();
            assert!(distinct > 1, "amounts differ: {distinct}");
            sum / store.scalar_for_tests(&of("COUNT(amount_rials)")).await.unwrap()
        }
    };
    assert_eq!(a.monthly_rials, mean(String::new()).await);
    assert_eq!(e.projection, tavana_domain::planning::project(a));
    let province: i64 = store
        .scalar_for_tests(&format!(
            "SELECT province_id FROM enrollments WHERE program_id = {program} AND state = 'enrolled' \
             GROUP BY province_id ORDER BY COUNT(*) DESC, province_id LIMIT 1"
        ))
        .await
        .unwrap();
    let in_province = later.effectiveness(&planner, Some(province)).await.unwrap();
    let a = in_province.programs.iter().find(|e| e.program.id == program).unwrap().projection.assumptions;
    assert_eq!(a.monthly_rials, mean(format!(" AND province_id = {province}")).await);
}

#[tokio::test]
async fn the_waiting_list_now_and_over_time_matches_a_recount() {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(DAY));
    let registrar = user(&store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(&store, "officer", "HQ", Role::ProgramOfficer).await;
    let planner = user(&store, "planner", "HQ", Role::Planner).await;
    load_population(&store, &registrar, 900, 77).await;
    let program = define_pension(&store, &officer).await;
    // Every province's budget pays one beneficiary: the rest wait.
    for n in 1..=31 {
        store
            .set_province_budget(&officer, program, &format!("{n:02}"), tavana_domain::Rials::new(4_500_000))
            .await
            .unwrap();
    }
    let proposal = store.propose_enrollments(&officer, program, store.default_as_of().unwrap()).await.unwrap();
    confirm(&store, &officer, program, &proposal.to_enroll, "assessed severe", "art. 27").await.unwrap();
    let later = store.with_clock(Clock::Fixed(LATER));
    let rows = later.planning_waiting(&planner, None).await.unwrap();
    let waiting: i64 = rows.iter().map(|r| r.waiting).sum();
    assert_eq!(waiting, count(&store, &format!("enrollments WHERE program_id = {program} AND state = 'draft'")).await);
    assert!(waiting > 0);
    for row in &rows {
        let here = count(
            &store,
            &format!(
                "enrollments e JOIN persons s ON s.id = e.person_id WHERE e.program_id = {program} \
                 AND e.state = 'draft' AND s.province_id = {}",
                row.place_id
            ),
        )
        .await;
        assert_eq!(row.waiting, here, "{}", row.code);
        assert_eq!((row.mean_days, row.longest_days), (44, 44), "waiting since the confirmation");
    }
    assert_eq!(store.enrollment_moves_mismatches().await.unwrap(), vec![]);
    let trend = later.planning_trend(&planner, None).await.unwrap();
    let p = trend.programs.iter().position(|p| p.id == program).unwrap();
    assert_eq!(trend.waiting[p][11], waiting);
    assert_eq!(trend.waiting[p][10], waiting, "waiting since last month");
    assert_eq!(trend.waiting[p][9], 0);
}

#[tokio::test]
async fn the_monthly_moves_follow_a_beneficiary_to_another_office_and_are_refilled_when_lost() {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(DAY));
    let registrar = user(&store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(&store, "officer", "HQ", Role::ProgramOfficer).await;
    let planner = user(&store, "planner", "HQ", Role::Planner).await;
    let households = load_population(&store, &registrar, 900, 79).await;
    let (program, enrolled) = pension(&store, &officer).await;
    let later = store.with_clock(Clock::Fixed(LATER));
    let leaving = enrolled[0];
    let decision = EnrollmentDecision {
        to: EnrollmentState::Exited,
        reasons: "left",
        legal_basis: "art. 12",
        exit_reason: Some(ExitReason::Work),
    };
    later.decide_enrollment(&officer, program, leaving, &decision).await.unwrap();

    // A beneficiary's household moves to a county another office serves: the
    // moves of its enrollments go with it, so each office's history still adds
    // up to what it serves today (nobody in force before the confirmation).
    let person = later.person(&registrar, enrolled[1]).await.unwrap();
    let moving = households
        .iter()
        .find(|h| h.household.file_number == person.household_file)
        .expect("the beneficiary's household");
    let id = store.household_by_file(&registrar, &person.household_file).await.unwrap().id;
    let to = if moving.household.place.starts_with("08-01-") { "08-02-D1-V1" } else { "08-01-D1-V1" };
    let raw = tavana_domain::registry::RawHousehold { place: to.to_string(), ..moving.household.clone() };
    let fields = tavana_domain::registry::HouseholdFields::parse(&raw).unwrap();
    let before = later.planning_trend(&planner, None).await.unwrap();
    later.move_household(&registrar, id, &fields, "moved").await.unwrap();
    assert_eq!(later.enrollment_moves_mismatches().await.unwrap(), vec![]);
    let after = later.planning_trend(&planner, None).await.unwrap();
    assert_eq!((&after.beneficiaries, &after.entries), (&before.beneficiaries, &before.entries));
    let p = after.programs.iter().position(|p| p.id == program).unwrap();
    let tehran = store.coverage(&planner, None).await.unwrap().rows.iter().find(|r| r.code == "08").unwrap().place_id;
    let counties = store.coverage(&planner, Some(tehran)).await.unwrap().rows;
    let mut served_since = 0;
    for county in &counties {
        let trend = later.planning_trend(&planner, Some(county.place_id)).await.unwrap();
        assert_eq!(trend.beneficiaries[p][9], 0, "{}: {:?}", county.code, trend.beneficiaries[p]);
        served_since += trend.beneficiaries[p][10];
    }
    let tehran_trend = later.planning_trend(&planner, Some(tehran)).await.unwrap();
    assert_eq!(served_since, tehran_trend.beneficiaries[p][10]);
    assert!(counties.iter().any(|c| c.code == to[..5]));
    // Within the county it went to, the village it lives in now counts it:
    // every place's beneficiaries match a recount through the households.
    let destination = counties.iter().find(|c| c.code == to[..5]).unwrap();
    let places = later.coverage(&planner, Some(destination.place_id)).await.unwrap();
    for row in &places.rows {
        let served = count(
            &store,
            &format!(
                "enrollments e JOIN persons s ON s.id = e.person_id JOIN households h ON h.id = s.household_id \
                 WHERE e.state = 'enrolled' AND e.program_id = {program} AND h.place_id = {}",
                row.place_id
            ),
        )
        .await;
        assert_eq!(row.beneficiaries[p], served, "{}", row.code);
    }
    assert!(places.rows.iter().find(|r| r.code == to).unwrap().beneficiaries[p] >= 1);

    // Lost (a database older than the tallies): the store counts them again.
    store.execute_unaudited_for_tests("DELETE FROM enrollment_moves").await.unwrap();
    assert_ne!(store.enrollment_moves_mismatches().await.unwrap(), vec![]);
    assert!(store.fill_enrollment_moves().await.unwrap() > 0);
    assert_eq!(store.enrollment_moves_mismatches().await.unwrap(), vec![]);
    let refilled = later.planning_trend(&planner, None).await.unwrap();
    assert_eq!(refilled, after);
    let effect = later.effectiveness(&planner, None).await.unwrap();
    let e = effect.programs.iter().find(|e| e.program.id == program).unwrap();
    assert_eq!(e.exits.iter().find(|x| x.reason == ExitReason::Work).unwrap().exits, 1);
}
