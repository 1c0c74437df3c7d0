//! Employment: the quota exam from registration to the final results and the
//! hire (placement checked against the domain's stability checker on what the
//! store shows), objections within their window decided with reasons,
//! compliance with the 3% quota, and the CSR fund's money on a ledger that
//! balances and agrees with a recount of the fund's own tables. On SQLite and
//! PostgreSQL.

use crate::support::{load_population, seeded, user};
use std::collections::HashSet;
use tavana_domain::employment::csr::{
    Declaration, FirmFields, Movement, ProjectFields, RawDeclaration, RawFirm, RawMovement, RawProject,
};
use tavana_domain::employment::placement::{Applicant, Post, check};
use tavana_domain::employment::{
    AgencyFields, JobFields, ObjectionDecision, ObjectionState, PlacementOutcome, PostFields, RawAgency, RawJob,
    RawObjectionDecision, RawPost, RoundState,
};
use tavana_domain::iam::Role;
use tavana_store::employment::CandidateFilter;
use tavana_store::{Clock, StoreError};

const DAY: time::OffsetDateTime = time::macros::datetime!(2026-11-27 12:00 UTC);

fn field_of(e: StoreError) -> String {
    match e {
        StoreError::Invalid(e) => e.field.to_string(),
        other => format!("{other:?}"),
    }
}

fn post(agency: &str, title: &str, seats: u32, education: &str, kinds: &str) -> PostFields {
    PostFields::parse(&RawPost {
        agency: agency.into(),
        job_title: title.into(),
        seats: seats.to_string(),
        education: education.into(),
        kinds: kinds.into(),
    })
    .unwrap()
}

#[tokio::test]
async fn a_quota_exam_from_registration_to_the_hire() {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(DAY));
    let registrar = user(&store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(&store, "officer", "HQ", Role::EmploymentOfficer).await;
    let second = user(&store, "second", "HQ", Role::EmploymentOfficer).await;
    let provincial = user(&store, "provincial", "P08", Role::EmploymentOfficer).await;
    let auditor = user(&store, "auditor", "HQ", Role::Auditor).await;
    let households = load_population(&store, &registrar, 600, 91).await;

    // Agencies: a case worker may not record them; a provincial officer only in their province.
    let agency = |code: &str, unit: &str, staff: i64| {
        AgencyFields::parse(&RawAgency {
            code: code.into(),
            name: format!("دستگاه {code}"),
            unit: unit.into(),
            staff: staff.to_string(),
        })
        .unwrap()
    };
    assert!(matches!(
        store.create_agencies(&registrar, &[agency("A1", "HQ", 10)]).await,
        Err(StoreError::Forbidden(_))
    ));
    assert_eq!(field_of(store.create_agencies(&provincial, &[agency("A1", "P17", 10)]).await.unwrap_err()), "unit");
    store
        .create_agencies(
            &officer,
            &[agency("MOE", "HQ", 2_000), agency("HEALTH-08", "P08", 650), agency("ROADS-17", "P17", 90)],
        )
        .await
        .unwrap();
    assert_eq!(field_of(store.create_agencies(&officer, &[agency("MOE", "HQ", 1)]).await.unwrap_err()), "code");

    let round = store.create_round(&officer, "آزمون سهمیهٔ ۳ درصد ۱۴۰۵").await.unwrap();
    assert_eq!(round.state, RoundState::Open);
    let posts = store
        .add_exam_posts(
            &officer,
            round.id,
            &[
                post("MOE", "آموزگار", 3, "bachelor", "motor,visual,hearing"),
                post("MOE", "کاردان اداری", 2, "diploma", "motor,hearing,speech"),
                post(
                    "HEALTH-08",
                    "منشی",
                    4,
                    "diploma",
                    "motor,visual,hearing,speech,intellectual,psychiatric,autism,multiple",
                ),
                post("ROADS-17", "کارشناس", 1, "master", "motor"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(posts.len(), 4);
    assert_eq!(
        field_of(
            store.add_exam_posts(&officer, round.id, &[post("NOPE", "x", 1, "diploma", "motor")]).await.unwrap_err()
        ),
        "agency"
    );

    // Registration: persons with a current valid assessment and their education recorded.
    let today = store.today().to_string();
    let assessed: HashSet<String> = households
        .iter()
        .flat_map(|h| &h.disabilities)
        .filter(|d| {
            let until = tavana_domain::jalali::parse_any_date(&d.valid_until).map(|(u, _)| u.to_string());
            d.valid_until.is_empty() || until.is_ok_and(|u| u >= today)
        })
        .map(|d| d.national_code.clone())
        .collect();
    let unassessed = households
        .iter()
        .flat_map(|h| &h.persons)
        .find(|p| !h_has(&households, &p.national_code) && !p.education.is_empty() && p.deceased_on.is_empty())
        .unwrap();
    assert_eq!(
        field_of(store.register_candidate(&officer, round.id, &unassessed.national_code).await.unwrap_err()),
        "national_code"
    );
    let adult = |p: &tavana_domain::registry::RawPerson| {
        tavana_domain::jalali::parse_any_date(&p.birth_date).unwrap().0 <= time::macros::date!(2008 - 11 - 27)
    };
    let child = households
        .iter()
        .flat_map(|h| &h.persons)
        .find(|p| assessed.contains(&p.national_code) && !p.education.is_empty() && !adult(p))
        .unwrap();
    let StoreError::Invalid(e) = store.register_candidate(&officer, round.id, &child.national_code).await.unwrap_err()
    else {
        panic!()
    };
    assert!(e.field == "national_code" && e.reason.english().contains("18"), "{e:?}");
    let mut candidates = Vec::new();
    for p in households.iter().flat_map(|h| &h.persons) {
        if assessed.contains(&p.national_code)
            && !p.education.is_empty()
            && p.deceased_on.is_empty()
            && adult(p)
            && candidates.len() < 30
        {
            candidates.push(store.register_candidate(&officer, round.id, &p.national_code).await.unwrap());
        }
    }
    assert!(candidates.len() >= 20, "{}", candidates.len());
    assert_eq!(
        field_of(store.register_candidate(&officer, round.id, &candidates[0].national_code).await.unwrap_err()),
        "national_code",
        "once a round"
    );

    // Preferences: every post the candidate suits, in an order of their own; a post they do not suit is refused.
    let all_posts = store.exam_posts(&officer, round.id).await.unwrap();
    let mut files = Vec::new();
    for (i, c) in candidates.iter().enumerate() {
        let file = store.candidate_file(&officer, c.id).await.unwrap();
        let suits = |p: &tavana_store::employment::ExamPost| {
            let education = file.education;
            education.is_some_and(|e| e >= p.education) && file.kinds.iter().any(|k| p.kind_list().contains(k))
        };
        let mut mine: Vec<i64> = all_posts.iter().filter(|p| suits(p)).map(|p| p.id).collect();
        let turn = i % mine.len().max(1);
        mine.rotate_left(turn);
        if let Some(bad) = all_posts.iter().find(|p| !suits(p)) {
            let e = store.set_preferences(&officer, c.id, &[bad.id]).await.unwrap_err();
            assert_eq!(field_of(e), "preferences");
        }
        if !mine.is_empty() {
            store.set_preferences(&officer, c.id, &mine).await.unwrap();
        }
        files.push(file);
    }

    // Scores: good rows kept, every bad row reported with its line.
    let mut csv = String::from("national_code,score\n");
    for (i, c) in candidates.iter().enumerate().skip(1) {
        // Few distinct scores, so ties are broken by severity, then by registration.
        csv.push_str(&format!("{},{}\n", c.national_code, 60 + (i % 4) * 10));
    }
    csv.push_str("0012345679,77\n"); // not a candidate (line 2 + n - 1)
    csv.push_str(&format!("{},101\n", candidates[1].national_code)); // out of range
    csv.push_str(&format!("{},70\n", candidates[1].national_code)); // twice
    let n = candidates.len();
    let imported = store.import_scores(&officer, round.id, csv.as_bytes()).await.unwrap();
    assert_eq!(imported.applied, n - 1);
    let lines: Vec<(usize, &str)> = imported.refused.iter().map(|r| (r.line, r.field.as_str())).collect();
    assert_eq!(lines, vec![(n + 1, "national_code"), (n + 2, "score"), (n + 3, "national_code")]);

    // Placement: stable, within seats and eligibility, by the domain's checker on what the store shows.
    let run = store.place_round(&officer, round.id).await.unwrap();
    assert_eq!(run.no_score, 1, "{run:?}");
    assert!(run.placed > 0 && run.placed <= 10, "{run:?}");
    let listed = store.exam_candidates(&officer, round.id, &Default::default(), 1_000).await.unwrap();
    assert_eq!(listed.len(), n);
    assert_eq!(listed.iter().find(|c| c.id == candidates[0].id).unwrap().outcome, PlacementOutcome::NoScore);
    let placed_posts: Vec<Post> = all_posts
        .iter()
        .map(|p| Post { id: p.id, seats: p.seats as u32, education: p.education, kinds: p.kind_list() })
        .collect();
    let mut applicants = Vec::new();
    let mut placed = Vec::new();
    for c in &listed {
        let file = store.candidate_file(&officer, c.id).await.unwrap();
        let Some(score) = c.score else { continue };
        applicants.push(Applicant {
            id: c.id,
            score,
            severity: file.severity,
            education: file.education,
            kinds: file.kinds.clone(),
            preferences: file.preferences.iter().map(|p| p.id).collect(),
        });
        placed.push(c.placed_post_id);
        assert_eq!(c.outcome == PlacementOutcome::Placed, c.placed_post_id.is_some(), "{c:?}");
    }
    assert_eq!(check(&placed_posts, &applicants, &placed), Ok(()));
    let filled: i64 = store.exam_posts(&officer, round.id).await.unwrap().iter().map(|p| p.filled).sum();
    assert_eq!(filled, run.placed);
    // The audit names every candidate's outcome.
    let entries = store.audit_entries(&auditor, Some("employment.place"), 5).await.unwrap();
    let after: serde_json::Value = serde_json::from_str(entries[0].after_json.as_deref().unwrap()).unwrap();
    assert_eq!(after["candidates"].as_array().unwrap().len(), n);

    // Entries close once placed; publication opens the objection window.
    assert_eq!(
        field_of(store.register_candidate(&officer, round.id, &unassessed.national_code).await.unwrap_err()),
        "state"
    );
    let round = store.exam_round(&officer, round.id).await.unwrap();
    let stale = store.publish_round(&officer, round.id, round.version - 1).await.unwrap_err();
    assert_eq!(field_of(stale), "version");
    let round = store.publish_round(&officer, round.id, round.version).await.unwrap();
    assert_eq!((round.state, round.objection_until.as_deref()), (RoundState::Published, Some("2026-12-07")));

    assert_eq!(field_of(store.place_round(&officer, round.id).await.unwrap_err()), "state", "published results stand");
    // An objection: the one who lodged it may not decide it; another officer upholds it with a corrected score.
    // A scored candidate with choices who was not placed (or, failing one, the lowest placed one).
    let objector = listed
        .iter()
        .rev()
        .find(|c| c.preferences > 0 && c.score.is_some() && c.outcome == PlacementOutcome::NotPlaced)
        .or(listed.iter().rev().find(|c| c.preferences > 0 && c.score.is_some()))
        .unwrap();
    let objection = store.lodge_objection(&officer, objector.id, "نمرهٔ بخش تخصصی اشتباه ثبت شده است").await.unwrap();
    assert_eq!(objection.state, ObjectionState::Lodged);
    assert_eq!(field_of(store.lodge_objection(&officer, objector.id, "دوباره").await.unwrap_err()), "grounds");
    let upheld = ObjectionDecision::parse(&RawObjectionDecision {
        outcome: "upheld".into(),
        reasons: "برگهٔ پاسخ بازخوانی شد".into(),
        legal_basis: "آیین‌نامهٔ آزمون، مادهٔ ۹".into(),
        score: "99.5".into(),
    })
    .unwrap();
    assert_eq!(field_of(store.decide_objection(&officer, objection.id, &upheld).await.unwrap_err()), "outcome");
    let decided = store.decide_objection(&second, objection.id, &upheld).await.unwrap();
    assert_eq!((decided.state, decided.corrected_score), (ObjectionState::Upheld, Some(9_950)));
    assert_eq!(decided.decided_by_name.as_deref(), Some("کاربر second"));
    let round = store.exam_round(&officer, round.id).await.unwrap();
    assert_eq!(round.state, RoundState::Placed, "a corrected score sends the round back to be placed again");
    store.place_round(&officer, round.id).await.unwrap();
    let file = store.candidate_file(&officer, objector.id).await.unwrap();
    assert_eq!(file.candidate.score, Some(9_950));
    assert_eq!(file.candidate.placed_post_id, Some(file.preferences[0].id), "the best score gets their first choice");
    let round = store.exam_round(&officer, round.id).await.unwrap();
    let round = store.publish_round(&officer, round.id, round.version).await.unwrap();

    // Closing waits for the window; a late objection is refused with the day it closed.
    assert_eq!(field_of(store.close_round(&officer, round.id, round.version).await.unwrap_err()), "state");
    let later = store.with_clock(Clock::Fixed(DAY + time::Duration::days(11)));
    let other = listed.iter().find(|c| c.id != objector.id).unwrap();
    let late = later.lodge_objection(&officer, other.id, "دیر").await.unwrap_err();
    let StoreError::Invalid(late) = late else { panic!() };
    assert!(late.reason.persian().contains("۱۴۰۵/۰۹/۱۶"), "{}", late.reason.persian());
    let round = later.close_round(&officer, round.id, round.version).await.unwrap();
    assert_eq!(round.state, RoundState::Closed);

    // The hire: through the quota exam, at the agency of the final placement only.
    let final_list = later
        .exam_candidates(&officer, round.id, &CandidateFilter::outcome(PlacementOutcome::Placed), 100)
        .await
        .unwrap();
    let hired = &final_list[0];
    let posts_now = later.exam_posts(&officer, round.id).await.unwrap();
    let at = posts_now.iter().find(|p| Some(p.id) == hired.placed_post_id).unwrap();
    let job = |agency: &str, route: &str| {
        JobFields::parse(
            &RawJob {
                national_code: hired.national_code.clone(),
                agency: agency.into(),
                started_on: "1405/09/17".into(),
                route: route.into(),
                ..Default::default()
            },
            later.today(),
        )
        .unwrap()
    };
    // The agency's results: those placed in its posts, as many as its posts hold.
    let agency_filter = CandidateFilter { outcome: None, agency: Some(at.agency_code.clone()) };
    let theirs = later.exam_candidates(&officer, round.id, &agency_filter, 100).await.unwrap();
    let held: i64 = posts_now.iter().filter(|p| p.agency_code == at.agency_code).map(|p| p.filled).sum();
    assert_eq!(theirs.len() as i64, held);
    assert!(theirs.iter().all(|c| c.placed_agency.as_deref() == Some(at.agency_name.as_str())));
    let wrong = if at.agency_code == "MOE" { "ROADS-17" } else { "MOE" };
    assert_eq!(
        field_of(later.record_job(&officer, &job(wrong, "quota_exam"), Some(hired.id)).await.unwrap_err()),
        "candidate"
    );
    assert_eq!(
        field_of(later.record_job(&officer, &job(&at.agency_code, "quota_exam"), None).await.unwrap_err()),
        "candidate"
    );
    let before = later.compliance(&officer).await.unwrap();
    let recorded = later.record_job(&officer, &job(&at.agency_code, "quota_exam"), Some(hired.id)).await.unwrap();
    assert_eq!(recorded.candidate_id, Some(hired.id));
    assert_eq!(
        field_of(later.record_job(&officer, &job(&at.agency_code, "quota_exam"), Some(hired.id)).await.unwrap_err()),
        "candidate"
    );

    // Compliance: the hire counts for its agency; 3% of staff rounded up; the summary adds up.
    let after = later.compliance(&officer).await.unwrap();
    let find = |rows: &[tavana_store::employment::jobs::Compliance], code: &str| {
        rows.iter().find(|r| r.code == code).unwrap().clone()
    };
    let (b, a) = (find(&before, &at.agency_code), find(&after, &at.agency_code));
    assert_eq!(a.hired, b.hired + 1);
    assert_eq!(find(&after, "MOE").required, 60);
    assert_eq!(find(&after, "HEALTH-08").required, 20);
    assert_eq!(find(&after, "ROADS-17").required, 3);
    for r in &after {
        assert_eq!(r.shortfall, (r.required - r.hired).max(0));
    }
    let summary = later.compliance_summary(&officer).await.unwrap();
    let national = summary.last().unwrap();
    assert_eq!((national.agencies, national.staff, national.required), (3, 2_740, 83));
    assert_eq!(national.hired, after.iter().map(|r| r.hired).sum::<i64>());
    assert_eq!(summary.len(), 4, "HQ's agency, P08's and P17's, then the country");
    // The provincial officer sees their province's agency only.
    let theirs = later.compliance(&provincial).await.unwrap();
    assert_eq!(theirs.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(), ["HEALTH-08"]);
    // Jobs are a logged read.
    let jobs = later.jobs(&officer, 10).await.unwrap();
    assert_eq!(jobs.len(), 1);
    let reads = later.recent_reads(&auditor, 5).await.unwrap();
    assert!(reads[0].after_json.as_deref().unwrap_or_default().contains("\"data\":\"candidates\""), "{reads:?}");
}

fn h_has(households: &[tavana_synth::population::SynthHousehold], code: &str) -> bool {
    households.iter().flat_map(|h| &h.disabilities).any(|d| d.national_code == code)
}

#[tokio::test]
async fn the_csr_fund_s_money_is_on_a_ledger_that_balances_and_agrees_with_the_fund_s_tables() {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(DAY));
    let officer = user(&store, "officer", "HQ", Role::EmploymentOfficer).await;
    let maker = user(&store, "maker", "HQ", Role::FinanceMaker).await;
    let firm = |id: &str, unit: &str| {
        FirmFields::parse(&RawFirm { national_id: id.into(), name: format!("شرکت {id}"), unit: unit.into() }).unwrap()
    };
    let a = store.create_firm(&officer, &firm("10100000001", "P08")).await.unwrap();
    let b = store.create_firm(&officer, &firm("10100000002", "P17")).await.unwrap();
    assert_eq!(field_of(store.create_firm(&officer, &firm("10100000001", "P17")).await.unwrap_err()), "national_id");
    assert!(matches!(store.create_firm(&maker, &firm("10100000003", "P08")).await, Err(StoreError::Forbidden(_))));

    let declare = |year: &str, profit: &str| {
        Declaration::parse(&RawDeclaration { year: year.into(), profit: profit.into() }).unwrap()
    };
    let a = store.declare_profit(&officer, a.id, &declare("1404", "50000000000")).await.unwrap();
    assert_eq!((a.due, a.received, a.balance), (300_000_000, 0, 300_000_000));
    store.declare_profit(&officer, b.id, &declare("1404", "12345678901")).await.unwrap();
    assert_eq!(field_of(store.declare_profit(&officer, a.id, &declare("1404", "1")).await.unwrap_err()), "year");

    let money = |amount: i64, on: &str| {
        Movement::parse(&RawMovement { amount: amount.to_string(), on: on.into(), memo: "واریز".into() }, store.today())
            .unwrap()
    };
    // Received: only by a finance maker, never more than owed.
    assert!(matches!(store.receive_csr(&officer, a.id, &money(1, "1405/08/01")).await, Err(StoreError::Forbidden(_))));
    assert_eq!(
        field_of(store.receive_csr(&maker, a.id, &money(300_000_001, "1405/08/01")).await.unwrap_err()),
        "amount"
    );
    let a = store.receive_csr(&maker, a.id, &money(200_000_000, "1405/08/01")).await.unwrap();
    assert_eq!((a.received, a.balance), (200_000_000, 100_000_000));
    store.receive_csr(&maker, b.id, &money(74_074_073, "1405/09/01")).await.unwrap();

    // A project spends within its budget and the fund's money.
    let project = |kind: &str, unit: &str, budget: i64| {
        ProjectFields::parse(&RawProject {
            kind: kind.into(),
            title: format!("طرح {kind}"),
            unit: unit.into(),
            budget: budget.to_string(),
        })
        .unwrap()
    };
    let workshop = store.create_project(&officer, &project("employment_workshop", "P08", 150_000_000)).await.unwrap();
    let housing = store.create_project(&officer, &project("housing", "P17", 900_000_000)).await.unwrap();
    assert_eq!(
        field_of(store.spend_csr(&maker, workshop.id, &money(150_000_001, "1405/09/02")).await.unwrap_err()),
        "amount"
    );
    store.spend_csr(&maker, workshop.id, &money(150_000_000, "1405/09/02")).await.unwrap();
    let cash = 200_000_000 + 74_074_073 - 150_000_000;
    let e = store.spend_csr(&maker, housing.id, &money(cash + 1, "1405/09/03")).await.unwrap_err();
    assert_eq!(field_of(e), "amount", "no more than the fund holds");
    let housing = store.spend_csr(&maker, housing.id, &money(cash, "1405/09/03")).await.unwrap();
    assert_eq!(housing.spent, cash);

    // The ledger balances, and the fund it shows agrees with a recount of the fund's tables.
    let ledger = store.check_ledger().await.unwrap();
    assert!(ledger.unbalanced.is_empty() && ledger.total == 0, "{ledger:?}");
    let fund = store.csr_fund(&officer).await.unwrap();
    let firms = store.firms(&officer).await.unwrap();
    let projects = store.projects(&officer).await.unwrap();
    assert_eq!(fund.declared, firms.iter().map(|f| f.due).sum::<i64>());
    assert_eq!(fund.received, firms.iter().map(|f| f.received).sum::<i64>());
    assert_eq!(fund.receivable, firms.iter().map(|f| f.balance).sum::<i64>());
    assert_eq!(fund.spent, projects.iter().map(|p| p.spent).sum::<i64>());
    assert_eq!(fund.cash, 0);
    assert_eq!(fund.declared, 300_000_000 + 74_074_073);
}
