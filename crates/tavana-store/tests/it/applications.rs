//! Applications as a county office and a program officer handle them: taken
//! with documents, assigned, reviewed, approved into the program or its waiting
//! list, rejected by an appealable decision; and allocation, which admits those
//! waiting in the domain's queue order while budgets allow. On SQLite and
//! PostgreSQL.

use crate::support::{activate, load_population, seeded, user};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use tavana_domain::applications::{
    ApplicationState as A, Candidate, DocumentKind as K, Features, PriorityWeights, allocate, day_number,
};
use tavana_domain::iam::{Actor, Role};
use tavana_domain::programs::EnrollmentState as S;
use tavana_domain::programs::rule::Value;
use tavana_store::applications::{ApplicationFilter, Intake};
use tavana_store::{Clock, Store, StoreError};

const DAY_ONE: time::OffsetDateTime = time::macros::datetime!(2026-11-27 12:00 UTC);
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n";

fn field_of(e: &StoreError) -> &str {
    match e {
        StoreError::Invalid(d) => d.field,
        _ => "",
    }
}

/// An active person program for anyone with a disability assessment, paying
/// more to larger households.
async fn program(store: &Store, officer: &Actor) -> i64 {
    let raw = tavana_domain::programs::RawProgram {
        code: "rehab".into(),
        name_fa: "توانبخشی".into(),
        name_en: "Rehabilitation".into(),
        kind: "service".into(),
        target: "person".into(),
        rule: "disability.assessed".into(),
        formula: "1000000 + 500000 * min(household.size, 6)".into(),
        ..Default::default()
    };
    let fields = tavana_domain::programs::ProgramFields::parse(&raw).unwrap();
    let program = store.create_program(officer, &fields, "new program").await.unwrap();
    activate(store, program.id).await;
    program.id
}

async fn budget(store: &Store, officer: &Actor, program: i64, province: &str, rials: i64) {
    store.set_province_budget(officer, program, province, tavana_domain::Rials::new(rials)).await.unwrap();
}

#[tokio::test]
async fn an_application_goes_from_intake_to_the_program_or_its_waiting_list_and_a_refusal_is_appealable() {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(DAY_ONE));
    let clerk = user(&store, "clerk", "HQ", Role::CaseWorker).await;
    let officer = user(&store, "officer", "HQ", Role::ProgramOfficer).await;
    let auditor = user(&store, "auditor", "HQ", Role::Auditor).await;
    load_population(&store, &clerk, 300, 61).await;
    let program = program(&store, &officer).await;
    let intake = Intake {
        documents: vec![K::IdentityCard, K::DisabilityAssessment],
        weights: PriorityWeights { severity: 10, ..Default::default() },
    };
    assert!(store.set_intake(&clerk, program, &intake).await.is_err(), "case workers do not set the intake");
    store.set_intake(&officer, program, &intake).await.unwrap();
    assert_eq!(store.intake(&clerk, program).await.unwrap(), intake);

    let as_of = store.default_as_of().unwrap();
    let proposal = store.propose_enrollments(&officer, program, as_of).await.unwrap();
    let eligible = proposal.to_enroll.clone();
    let values = store.rule_values(&officer, None, as_of).await.unwrap();
    let ineligible = values
        .iter()
        .find(|(_, v)| v.get("disability.assessed") == Some(&Value::Bool(false)))
        .map(|(id, _)| *id)
        .unwrap();
    let (first, second) = (eligible[0], eligible[1]);

    // Taken once, by a case worker; not for someone out of reach.
    let id = store.submit_application(&clerk, program, first, "came in person").await.unwrap();
    let twice = store.submit_application(&clerk, program, first, "").await.unwrap_err();
    assert_eq!(field_of(&twice), "person", "{twice:?}");
    let elsewhere = user(&store, "elsewhere", "C01-01", Role::CaseWorker).await;
    let person_province = store.person(&clerk, first).await.unwrap().values.province_id;
    let far = store.place_by_code("01").await.unwrap();
    if person_province != far.id {
        let out = store.application(&elsewhere, id).await.unwrap_err();
        assert!(matches!(out, StoreError::NotFound), "{out:?}");
    }

    // Approved only under review, with the checklist complete.
    let file = store.application(&clerk, id).await.unwrap();
    assert_eq!(file.application.state, A::Submitted);
    assert_eq!(file.missing(), vec![K::IdentityCard, K::DisabilityAssessment]);
    let early = store.approve_application(&officer, id, file.application.version, "eligible", "art. 3").await;
    assert_eq!(field_of(&early.unwrap_err()), "state");
    store.assign_application(&officer, id, clerk.user_id, file.application.version).await.unwrap();
    let file = store.application(&clerk, id).await.unwrap();
    assert_eq!((file.application.state, file.application.assigned_to), (A::UnderReview, Some(clerk.user_id)));
    let missing = store.approve_application(&officer, id, file.application.version, "eligible", "art. 3").await;
    assert_eq!(field_of(&missing.unwrap_err()), "documents");
    let not_a_pdf = store.attach_document(&clerk, id, K::IdentityCard, "card.pdf", b"MZ\x90\x00binary").await;
    assert_eq!(field_of(&not_a_pdf.unwrap_err()), "file");
    let card = store.attach_document(&clerk, id, K::IdentityCard, "C:\\scans\\card.pdf", PDF).await.unwrap();
    assert_eq!(card.file_name, "card.pdf");
    let digest = <sha2::Sha256 as sha2::Digest>::digest(PDF);
    assert_eq!(card.sha256, digest.iter().map(|b| format!("{b:02x}")).collect::<String>());
    store.attach_document(&clerk, id, K::DisabilityAssessment, "rai.pdf", PDF).await.unwrap();
    let (_, content) = store.application_document(&clerk, id, card.id).await.unwrap();
    assert_eq!(content, PDF);
    // The case worker may not decide.
    let file = store.application(&clerk, id).await.unwrap();
    assert!(file.missing().is_empty());
    let by_clerk = store.approve_application(&clerk, id, file.application.version, "eligible", "art. 3").await;
    assert!(matches!(by_clerk, Err(StoreError::Forbidden(_))), "{by_clerk:?}");
    let no_basis = store.approve_application(&officer, id, file.application.version, "eligible", " ").await;
    assert_eq!(field_of(&no_basis.unwrap_err()), "legal_basis");
    let state = store.approve_application(&officer, id, file.application.version, "eligible", "art. 3").await.unwrap();
    assert_eq!(state, A::Enrolled, "no budget is set for the province: enrolled");
    assert_eq!(store.enrollment(&officer, program, first).await.unwrap().state, S::Enrolled);
    let moves: Vec<String> =
        store.application(&clerk, id).await.unwrap().events.iter().map(|e| e.to_state.clone()).collect();
    assert_eq!(moves, ["submitted", "under_review", "approved", "enrolled"]);

    // Over the province's budget: approved onto the waiting list.
    let province = store.person(&clerk, second).await.unwrap().values.province_id;
    let code = store.places(None).await.unwrap().into_iter().find(|p| p.id == province).unwrap().code;
    let spent = store
        .province_budgets(&officer, program)
        .await
        .unwrap()
        .iter()
        .find(|b| b.province == code)
        .map_or(0, |b| b.spent_month);
    budget(&store, &officer, program, &code, spent).await;
    let waiting = store.submit_application(&clerk, program, second, "").await.unwrap();
    store.assign_application(&officer, waiting, clerk.user_id, 1).await.unwrap();
    for kind in [K::IdentityCard, K::DisabilityAssessment] {
        store.attach_document(&clerk, waiting, kind, "scan.pdf", PDF).await.unwrap();
    }
    let state = store.approve_application(&officer, waiting, 2, "eligible", "art. 3").await.unwrap();
    assert_eq!(state, A::Waitlisted);
    assert_eq!(store.enrollment(&officer, program, second).await.unwrap().state, S::Draft);
    let list = store.waiting_list(&officer, program).await.unwrap();
    assert_eq!(list.total(), 1);
    assert_eq!(list.provinces[0].code, code);
    assert_eq!(list.provinces[0].median_days, 0);
    assert!(list.provinces[0].needed_month > 0);

    // Someone the rule refuses is not approved: the rule says why, nothing changes.
    let refused = store.submit_application(&clerk, program, ineligible, "").await.unwrap();
    store.assign_application(&officer, refused, clerk.user_id, 1).await.unwrap();
    for kind in [K::IdentityCard, K::DisabilityAssessment] {
        store.attach_document(&clerk, refused, kind, "scan.pdf", PDF).await.unwrap();
    }
    let not_eligible = store.approve_application(&officer, refused, 2, "eligible", "art. 3").await.unwrap_err();
    assert_eq!(field_of(&not_eligible), "rule", "{not_eligible:?}");
    let file = store.application(&clerk, refused).await.unwrap();
    assert_eq!(file.application.state, A::UnderReview);
    assert!(file.explanation.clauses.iter().any(|c| c.holds == Some(false)), "the rule explained clause by clause");
    assert!(store.enrollment(&officer, program, ineligible).await.is_err(), "no enrollment was written");
    // Rejected by a decision with reasons and a legal basis, on the person's list, appealable.
    let decision = store
        .reject_application(&officer, refused, file.application.version, "no disability assessment", "art. 3")
        .await
        .unwrap();
    let file = store.application(&clerk, refused).await.unwrap();
    assert_eq!((file.application.state, file.application.decision_id), (A::Rejected, Some(decision)));
    let decisions = store.person_decisions(&clerk, ineligible).await.unwrap();
    assert_eq!((decisions[0].id, decisions[0].to_state.as_str()), (decision, "not_eligible"));
    assert_eq!(decisions[0].legal_basis, "art. 3");
    store.lodge_appeal(&clerk, decision, "an assessment is booked").await.unwrap();
    // A new application may be taken after a rejection.
    store.submit_application(&clerk, program, ineligible, "again").await.unwrap();

    // Allocation admits the waiting once the budget allows; the application follows.
    budget(&store, &officer, program, &code, spent + 100_000_000).await;
    let allocated = store.allocate(&officer, program, "budget raised", "art. 3").await.unwrap();
    assert_eq!(allocated.enrolled, 1);
    assert_eq!(store.enrollment(&officer, program, second).await.unwrap().state, S::Enrolled);
    // The planning tallies followed every move: applied, waited, admitted.
    assert_eq!(store.enrollment_moves_mismatches().await.unwrap(), vec![]);
    let moves: Vec<String> =
        store.application(&clerk, waiting).await.unwrap().events.iter().map(|e| e.to_state.clone()).collect();
    assert_eq!(moves, ["submitted", "under_review", "approved", "waitlisted", "enrolled"]);
    assert_eq!(store.waiting_list(&officer, program).await.unwrap().total(), 0);

    // Lists, reads and the audit.
    let mine = ApplicationFilter { mine: true, ..Default::default() };
    assert_eq!(store.applications(&clerk, &mine, 100).await.unwrap().len(), 3);
    let reads = store.recent_reads(&auditor, 200).await.unwrap();
    assert!(
        reads.iter().any(|r| r.object_type == "application"
            && r.after_json.as_deref().unwrap_or_default().contains("\"data\":\"applications\"")),
        "reading an application is logged"
    );
    let approvals = store.audit_entries(&auditor, Some("application.approve"), 10).await.unwrap();
    assert_eq!(approvals.len(), 2);
    let allocation = store.audit_entries(&auditor, Some("enrollment.confirm"), 1).await.unwrap();
    assert!(allocation[0].after_json.as_deref().unwrap().contains(&format!("\"applications\":[{waiting}]")));
    let chain = store.verify_audit_chain().await.unwrap();
    assert!(matches!(chain, tavana_store::audit::ChainReport::Intact { .. }), "{chain:?}");
}

/// A small deterministic generator for the rounds below.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

#[tokio::test]
async fn allocation_admits_whom_the_domain_admits_by_priority_within_every_budget() {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(DAY_ONE));
    let clerk = user(&store, "clerk", "HQ", Role::CaseWorker).await;
    let officer = user(&store, "officer", "HQ", Role::ProgramOfficer).await;
    load_population(&store, &clerk, 400, 71).await;
    let program = program(&store, &officer).await;
    for n in 1..=31 {
        budget(&store, &officer, program, &format!("{n:02}"), 0).await;
    }
    let as_of = store.default_as_of().unwrap();
    let proposal = store.propose_enrollments(&officer, program, as_of).await.unwrap();
    // Half begin to wait today, the rest ten days later (so waits differ).
    let (early, late) = proposal.to_enroll.split_at(proposal.to_enroll.len() / 2);
    crate::support::confirm(&store, &officer, program, early, "applied", "art. 3").await.unwrap();
    let later = store.with_clock(Clock::Fixed(DAY_ONE + time::Duration::days(10)));
    crate::support::confirm(&later, &officer, program, late, "applied", "art. 3").await.unwrap();
    let store = later;

    // Each applicant's features, read independently through the interpreter's values.
    let values: HashMap<i64, _> = store.rule_values(&officer, None, as_of).await.unwrap().into_iter().collect();
    let int = |v: Option<&Value>| match v {
        Some(Value::Int(n)) => Some(*n),
        _ => None,
    };
    let mut household_of = HashMap::new();
    for id in values.keys() {
        let p = store.person(&officer, *id).await.unwrap();
        household_of.insert(*id, (p.values.household_id, p.values.province_id));
    }
    let mut elderly: HashMap<i64, i64> = HashMap::new();
    for (id, v) in &values {
        if v.get("person.alive") == Some(&Value::Bool(true)) && int(v.get("person.age")).is_some_and(|a| a >= 65) {
            *elderly.entry(household_of[id].0).or_default() += 1;
        }
    }
    let features = |id: i64| {
        let v = &values[&id];
        Features {
            severity_rank: int(v.get("disability.severity_rank")),
            household_size: int(v.get("household.size")),
            income_decile: int(v.get("person.income_decile")),
            female_headed: match v.get("household.female_headed") {
                Some(Value::Bool(b)) => Some(*b),
                _ => None,
            },
            elderly: elderly.get(&household_of[&id].0).copied().unwrap_or(0),
        }
    };

    let mut rng = Rng(0x5eed_1234_abcd);
    let today = day_number(store.today());
    for round in 0..4 {
        let weights = if round == 0 {
            PriorityWeights::default()
        } else {
            PriorityWeights {
                severity: rng.below(21) as i64,
                household_size: rng.below(21) as i64,
                poverty: rng.below(21) as i64,
                female_headed: rng.below(21) as i64,
                elderly: rng.below(21) as i64,
            }
        };
        store.set_intake(&officer, program, &Intake { documents: vec![], weights }).await.unwrap();
        let list = store.waiting_list(&officer, program).await.unwrap();
        assert!(list.total() > 0, "round {round}: somebody waits");
        let mut candidates = Vec::new();
        for county in &list.counties {
            for w in store.waiting_queue(&officer, program, county.id).await.unwrap() {
                candidates.push(Candidate {
                    id: w.person_id,
                    province: household_of[&w.person_id].1,
                    priority: weights.score(&features(w.person_id)),
                    waiting_since: today - w.waiting_days,
                    amount: w.amount_rials.unwrap(),
                });
            }
        }
        assert_eq!(candidates.len() as i64, list.total());
        let mut left = BTreeMap::new();
        for (p, (_, spent)) in list.provinces.iter().zip(&list.budgets) {
            let extra = rng.below(p.needed_month as u64 * 3 / 4) as i64;
            budget(&store, &officer, program, &p.code, spent + extra).await;
            left.insert(p.id, extra);
        }
        let expected: BTreeSet<i64> = allocate(&candidates, &left).into_iter().collect();
        let done = store.allocate(&officer, program, "monthly allocation", "art. 3").await.unwrap();
        assert_eq!(done.enrolled as usize, expected.len(), "round {round}");
        let mut admitted = BTreeSet::new();
        for c in &candidates {
            if store.enrollment(&officer, program, c.id).await.unwrap().state == S::Enrolled {
                admitted.insert(c.id);
            }
        }
        assert_eq!(admitted, expected, "round {round}: the database admitted others than the domain");
        // Budgets hold, and those still waiting carry the domain's score, in queue order.
        for b in store.province_budgets(&officer, program).await.unwrap() {
            assert!(b.spent_month <= b.budget_month, "round {round}: {b:?}");
        }
        for county in &store.waiting_list(&officer, program).await.unwrap().counties {
            let queue = store.waiting_queue(&officer, program, county.id).await.unwrap();
            for w in &queue {
                assert_eq!(w.priority, weights.score(&features(w.person_id)), "round {round}: {w:?}");
            }
            for pair in queue.windows(2) {
                let key = |w: &tavana_store::applications::Waiting| (-w.priority, -w.waiting_days, w.person_id);
                assert!(key(&pair[0]) < key(&pair[1]), "round {round}: {pair:?}");
            }
        }
    }
}

/// The application follows its enrollment whatever moves it: an officer's
/// decision enrolling someone waiting completes their application; an applicant
/// who withdraws while waiting leaves the waiting list.
#[tokio::test]
async fn an_application_follows_its_enrollment_on_every_path() {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(DAY_ONE));
    let clerk = user(&store, "clerk", "HQ", Role::CaseWorker).await;
    let officer = user(&store, "officer", "HQ", Role::ProgramOfficer).await;
    load_population(&store, &clerk, 300, 67).await;
    let program = program(&store, &officer).await;
    for n in 1..=31 {
        budget(&store, &officer, program, &format!("{n:02}"), 0).await;
    }
    let proposal = store.propose_enrollments(&officer, program, store.default_as_of().unwrap()).await.unwrap();
    let mut waiting = Vec::new();
    for person in &proposal.to_enroll[..2] {
        let id = store.submit_application(&clerk, program, *person, "").await.unwrap();
        store.assign_application(&officer, id, clerk.user_id, 1).await.unwrap();
        assert_eq!(store.approve_application(&officer, id, 2, "eligible", "art. 3").await.unwrap(), A::Waitlisted);
        waiting.push((id, *person));
    }
    assert_eq!(store.waiting_list(&officer, program).await.unwrap().total(), 2);

    // An officer enrolls the first directly (by a decision on the enrollment).
    let (first_app, first) = waiting[0];
    let decision = tavana_store::programs::EnrollmentDecision {
        to: S::Enrolled,
        reasons: "urgent",
        legal_basis: "art. 4",
        exit_reason: None,
    };
    store.decide_enrollment(&officer, program, first, &decision).await.unwrap();
    assert_eq!(store.application(&clerk, first_app).await.unwrap().application.state, A::Enrolled);

    // The second withdraws: off the waiting list, by a decision with the reason.
    let (second_app, second) = waiting[1];
    let version = store.application(&clerk, second_app).await.unwrap().application.version;
    store.withdraw_application(&clerk, second_app, version, "moved abroad").await.unwrap();
    assert_eq!(store.application(&clerk, second_app).await.unwrap().application.state, A::Withdrawn);
    assert_eq!(store.enrollment(&officer, program, second).await.unwrap().state, S::Exited);
    assert_eq!(store.waiting_list(&officer, program).await.unwrap().total(), 0);
    let last = store.person_decisions(&officer, second).await.unwrap().remove(0);
    assert!(last.reasons.contains("moved abroad"), "{last:?}");
}
