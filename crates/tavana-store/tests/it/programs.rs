//! Programs as officers run them: define, simulate, propose, confirm with a
//! decision, review after registry changes, decide; on SQLite and PostgreSQL.

use crate::support::{activate, approver, confirm, load_population, seeded, user};
use tavana_domain::iam::Role;
use tavana_domain::programs::ProgramStatus;
use tavana_domain::programs::rule::{Value, evaluate, parse};
use tavana_store::registry::import::{FileFormat, ImportKind, ImportSummary, RowError, import};

#[tokio::test]
async fn a_program_is_simulated_proposed_and_enrolled_with_decisions() {
    let db = seeded().await;
    let store = &db.store;
    let registrar = user(store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
    load_population(store, &registrar, 600, 9).await;
    let today = time::macros::date!(2026 - 11 - 26);
    let raw = tavana_domain::programs::RawProgram {
        code: "travel".into(),
        name_fa: "تخفیف سفر بین‌شهری".into(),
        name_en: "Intercity travel discount".into(),
        kind: "discount".into(),
        target: "person".into(),
        rule: r#"disability.severity in ["severe", "very_severe"] && person.alive"#.into(),
        formula: "500000".into(),
        ..Default::default()
    };
    let fields = tavana_domain::programs::ProgramFields::parse(&raw).unwrap();
    // Only program officers define programs.
    assert!(matches!(
        store.create_program(&registrar, &fields, "new").await,
        Err(tavana_store::StoreError::Forbidden(_))
    ));
    let program = store.create_program(&officer, &fields, "new program").await.unwrap();
    assert_eq!(program.status, tavana_domain::programs::ProgramStatus::Draft);

    // Simulation: its totals match the rule interpreted person by person, and a
    // stricter draft shows who would lose.
    let rows = &store
        .simulate_program(
            &officer,
            program.id,
            fields.rule.clone(),
            fields.formula.clone(),
            store.default_as_of().unwrap(),
        )
        .await
        .unwrap()
        .rows;
    let eligible: i64 = rows.iter().map(|r| r.eligible).sum();
    let everyone = store.rule_values(&officer, None, store.default_as_of().unwrap()).await.unwrap();
    let interpreted = everyone
        .iter()
        .filter(|(_, v)| evaluate(&fields.rule, &|n| v.get(n).cloned().unwrap_or(Value::Null)) == Value::Bool(true))
        .count() as i64;
    assert_eq!(eligible, interpreted);
    assert!(eligible > 0);
    assert_eq!(rows.iter().map(|r| r.monthly_cost).sum::<i64>(), eligible * 500_000);
    assert_eq!(rows.iter().map(|r| r.gainers + r.losers).sum::<i64>(), 0, "the rule in force against itself");
    let stricter = parse(r#"disability.severity == "very_severe" && person.alive"#).unwrap();
    let rows = &store
        .simulate_program(
            &officer,
            program.id,
            stricter.clone(),
            fields.formula.clone(),
            store.default_as_of().unwrap(),
        )
        .await
        .unwrap()
        .rows;
    let losers: i64 = rows.iter().map(|r| r.losers).sum();
    let kept: i64 = rows.iter().map(|r| r.eligible).sum();
    assert_eq!(kept + losers, eligible);
    // Who they are: each loser named, severe (not very severe), with the amount
    // now and none under the draft; a richer formula for the same rule changes
    // no one's eligibility, so lists no one.
    assert!(losers > 0);
    let as_of = store.default_as_of().unwrap();
    let changes = store
        .simulation_changes(&officer, program.id, stricter.clone(), fields.formula.clone(), as_of, 1_000)
        .await
        .unwrap();
    assert_eq!(changes.len() as i64, losers);
    for c in &changes {
        assert!(!c.gains && c.amount_now == Some(500_000) && c.amount_draft.is_none(), "{c:?}");
        let values = &everyone.iter().find(|(id, _)| *id == c.person_id).unwrap().1;
        assert_eq!(values.get("disability.severity"), Some(&Value::Str("severe".into())), "{c:?}");
    }
    let first_two =
        store.simulation_changes(&officer, program.id, stricter, fields.formula.clone(), as_of, 2).await.unwrap();
    assert_eq!(first_two, changes[..2.min(changes.len())]);
    let richer = parse("900000").unwrap();
    let none = store.simulation_changes(&officer, program.id, fields.rule.clone(), richer, as_of, 10).await.unwrap();
    assert!(none.is_empty());

    // Proposal, confirmation with a decision record, and the proposal after it.
    let proposal = store.propose_enrollments(&officer, program.id, store.default_as_of().unwrap()).await.unwrap();
    assert_eq!(proposal.to_enroll.len() as i64, eligible);
    assert!(proposal.no_longer_eligible.is_empty());
    let chosen = &proposal.to_enroll[..5];
    activate(store, program.id).await;
    let done = confirm(
        store,
        &officer,
        program.id,
        chosen,
        "assessed severe",
        "Law on the Rights of Persons with Disabilities, art. 27",
    )
    .await
    .unwrap();
    assert_eq!((done.enrolled, done.refused.len()), (5, 0));
    // A page of the enrollment list is a logged read naming whose amounts were shown.
    let page = store
        .program_enrollment_page(
            &officer,
            program.id,
            &tavana_store::programs::EnrollmentFilter::default(),
            &tavana_store::lists::ListOrder::default(),
        )
        .await
        .unwrap();
    assert_eq!(page.total, 5);
    let auditor = user(store, "list.auditor", "HQ", Role::Auditor).await;
    let read = store.recent_reads(&auditor, 1).await.unwrap().remove(0);
    let logged = read.after_json.unwrap();
    for row in &page.rows {
        assert!(logged.contains(&row.person_id.to_string()), "{logged}");
    }
    assert!(logged.contains("\"persons\":["), "{logged}");
    // Each decision records what it rested on: the program's version (2, once
    // activated), the values the rule and formula read, and the amount.
    let based = store
        .count_rows_for_tests(
            "decisions WHERE program_version = 2 AND amount_rials = 500000 \
             AND inputs LIKE '%\"disability.severity\":\"%' AND inputs LIKE '%\"person.alive\":true%'",
        )
        .await
        .unwrap();
    assert_eq!(based, 5);
    let after = store.propose_enrollments(&officer, program.id, store.default_as_of().unwrap()).await.unwrap();
    assert_eq!(after.to_enroll.len() as i64, eligible - 5);
    // The audit chain names each enrollment confirmed and its person, not a count.
    let auditor = user(store, "auditor", "HQ", Role::Auditor).await;
    let entries = store.recent_audit_entries(&auditor, 20).await.unwrap();
    let mut named: Vec<i64> = entries
        .iter()
        .filter(|e| e.action == "enrollment.confirm")
        .flat_map(|e| {
            let after = serde_json::from_str::<serde_json::Value>(e.after_json.as_deref().unwrap()).unwrap();
            after["persons"].as_array().unwrap().iter().map(|p| p[0].as_i64().unwrap()).collect::<Vec<_>>()
        })
        .collect();
    named.sort_unstable();
    let mut expected = chosen.to_vec();
    expected.sort_unstable();
    assert_eq!(named, expected);
    // Recording a death makes an enrolled person no longer eligible: the change
    // flags the enrollment for review; nothing is ended by itself.
    let raw_of = |p: &tavana_store::registry::Person| p.raw();
    let dying = store.person(&registrar, chosen[0]).await.unwrap();
    let died = tavana_domain::registry::RawPerson { deceased_on: "2026-10-01".into(), ..raw_of(&dying) };
    let fields = tavana_domain::registry::PersonFields::parse(&died, today).unwrap();
    store.update_person(&registrar, chosen[0], &fields, dying.version, "death certificate").await.unwrap();
    let reviews = store.open_reviews(&officer, program.id).await.unwrap();
    assert_eq!(
        reviews.iter().map(|r| (r.person_id, r.reason.as_str())).collect::<Vec<_>>(),
        [(chosen[0], "death certificate")]
    );
    assert_eq!(
        store.enrollment(&officer, program.id, chosen[0]).await.unwrap().state,
        tavana_domain::programs::EnrollmentState::Enrolled
    );
    let flagged = store.propose_enrollments(&officer, program.id, store.default_as_of().unwrap()).await.unwrap();
    assert_eq!(flagged.no_longer_eligible, vec![chosen[0]]);
    // An edit that keeps eligibility flags nothing.
    let other = store.person(&registrar, chosen[1]).await.unwrap();
    let phone = tavana_domain::registry::RawPerson { phone: "09120000000".into(), ..raw_of(&other) };
    let fields = tavana_domain::registry::PersonFields::parse(&phone, today).unwrap();
    store.update_person(&registrar, chosen[1], &fields, other.version, "new phone").await.unwrap();
    assert_eq!(store.open_reviews(&officer, program.id).await.unwrap().len(), 1);
    // A change arriving by import is flagged the same way.
    let third = store.person(&registrar, chosen[2]).await.unwrap();
    let mut file = csv::Writer::from_writer(Vec::new());
    file.serialize(tavana_domain::registry::RawPerson { deceased_on: "2026-09-01".into(), ..raw_of(&third) }).unwrap();
    let bytes = file.into_inner().unwrap();
    let summary = import(
        store,
        &registrar,
        ImportKind::Persons,
        FileFormat::Csv,
        Box::new(std::io::Cursor::new(bytes)),
        &mut |_: &RowError| {},
        &mut |_: &ImportSummary| {},
    )
    .await
    .unwrap();
    assert_eq!(summary.updated, 1);
    let entries = store.recent_audit_entries(&auditor, 20).await.unwrap();
    let batch = entries.iter().find(|e| e.action == "registry.import").unwrap();
    let after: serde_json::Value = serde_json::from_str(batch.after_json.as_deref().unwrap()).unwrap();
    assert_eq!(after["updated"], serde_json::json!([third.values.national_code]), "the import names what it changed");
    let reviews = store.open_reviews(&officer, program.id).await.unwrap();
    assert_eq!(
        reviews.iter().map(|r| (r.person_id, r.reason.as_str())).collect::<Vec<_>>(),
        [(chosen[0], "death certificate"), (chosen[2], "import")]
    );
    // The officer decides: the enrollment ends, with its reasons; the review closes.
    use tavana_domain::programs::{EnrollmentState as S, ExitReason as R};
    use tavana_store::programs::EnrollmentDecision as D;
    // A beneficiary's exit names why (work, empowerment, death, other).
    let unexplained = store
        .decide_enrollment(
            &officer,
            program.id,
            chosen[0],
            &D { to: S::Exited, reasons: "died", legal_basis: "art. 12", exit_reason: None },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(unexplained, tavana_store::StoreError::Invalid(ref e) if e.field == "exit_reason"),
        "{unexplained:?}"
    );
    let exited = store
        .decide_enrollment(
            &officer,
            program.id,
            chosen[0],
            &D { to: S::Exited, reasons: "died", legal_basis: "art. 12", exit_reason: Some(R::Death) },
        )
        .await
        .unwrap();
    assert_eq!(exited.state, S::Exited);
    let recorded = db.store.count_rows_for_tests("decisions WHERE to_state = 'exited' AND exit_reason = 'death'").await;
    assert_eq!(recorded.unwrap(), 1, "the exit's reason is on its decision");
    assert_eq!(store.open_reviews(&officer, program.id).await.unwrap().len(), 1, "only the decided one closed");
    let refused = store
        .decide_enrollment(
            &officer,
            program.id,
            chosen[0],
            &D { to: S::Paused, reasons: "x", legal_basis: "art. 12", exit_reason: None },
        )
        .await
        .unwrap_err();
    assert!(matches!(refused, tavana_store::StoreError::Invalid(ref e) if e.field == "state"));
    let no_reason = store
        .decide_enrollment(
            &officer,
            program.id,
            chosen[2],
            &D { to: S::Paused, reasons: " ", legal_basis: "art. 12", exit_reason: None },
        )
        .await
        .unwrap_err();
    assert!(matches!(no_reason, tavana_store::StoreError::Invalid(ref e) if e.field == "reasons"));
    // Every decision names its legal basis.
    let no_basis = store
        .decide_enrollment(
            &officer,
            program.id,
            chosen[2],
            &D { to: S::Paused, reasons: "moved abroad", legal_basis: " ", exit_reason: None },
        )
        .await
        .unwrap_err();
    assert!(matches!(no_basis, tavana_store::StoreError::Invalid(ref e) if e.field == "legal_basis"), "{no_basis:?}");
    // A program in force changes by a proposal a second officer approves, from
    // a month on; not by an edit, not approved by its proposer, and a proposal
    // against a stale version is refused.
    let stricter_raw = tavana_domain::programs::RawProgram {
        rule: "disability.severity == 'very_severe' && person.alive".into(),
        ..raw.clone()
    };
    let stricter_fields = tavana_domain::programs::ProgramFields::parse(&stricter_raw).unwrap();
    let edit = store.update_program(&officer, program.id, &stricter_fields, 2, "budget cut").await.unwrap_err();
    assert!(matches!(edit, tavana_store::StoreError::Invalid(ref e) if e.field == "status"), "{edit:?}");
    let today = tavana_domain::jalali::JalaliDate::from_gregorian(store.today()).unwrap();
    let next_month = today.first_of_next_month().unwrap();
    let mid_month = tavana_domain::jalali::JalaliDate::new(next_month.year(), next_month.month(), 15).unwrap();
    let refused = store
        .propose_program_change(&officer, program.id, &stricter_fields, 2, mid_month, "budget cut")
        .await
        .unwrap_err();
    assert!(matches!(refused, tavana_store::StoreError::Invalid(ref e) if e.field == "effective_from"));
    let proposal = store
        .propose_program_change(&officer, program.id, &stricter_fields, 2, next_month, "budget cut")
        .await
        .unwrap();
    let own = store.decide_program_change(&officer, proposal.id, true, "fine").await.unwrap_err();
    assert!(matches!(own, tavana_store::StoreError::Forbidden(_)), "four eyes: {own:?}");
    let approved = store.decide_program_change(&approver(store).await, proposal.id, true, "agreed").await.unwrap();
    // Approved from next month: in force then, not before.
    assert_eq!(approved.state, tavana_domain::programs::ChangeState::Approved);
    assert_eq!(store.program(&officer, program.id).await.unwrap().version, 2);
    let next = store
        .with_clock(tavana_store::Clock::Fixed(next_month.to_gregorian().with_hms(12, 0, 0).unwrap().assume_utc()));
    assert_eq!(next.apply_due_program_changes().await.unwrap(), 1);
    let edited = store.program(&officer, program.id).await.unwrap();
    assert_eq!((edited.version, edited.rule.as_str()), (3, "disability.severity == 'very_severe' && person.alive"));
    assert!(matches!(
        store.propose_program_change(&officer, program.id, &stricter_fields, 2, next_month, "stale").await,
        Err(tavana_store::StoreError::Conflict { .. })
    ));
    let history = store.program_history(&officer, program.id).await.unwrap();
    assert_eq!(history.len(), 1);
    let previous: serde_json::Value = serde_json::from_str(&history[0].data).unwrap();
    assert_eq!(previous["rule"], raw.rule.as_str());
    // A live program does not go back to draft; it closes, and a closed program
    // proposes nothing and enrolls no one.
    assert!(
        store
            .set_program_status(&officer, program.id, tavana_domain::programs::ProgramStatus::Draft, "back")
            .await
            .is_err()
    );
    store
        .set_program_status(&officer, program.id, tavana_domain::programs::ProgramStatus::Closed, "replaced")
        .await
        .unwrap();
    assert!(store.propose_enrollments(&officer, program.id, store.default_as_of().unwrap()).await.is_err());
    let closed = confirm(store, &officer, program.id, chosen, "x", "art. 27").await.unwrap_err();
    assert!(matches!(closed, tavana_store::StoreError::Invalid(ref e) if e.field == "status"), "{closed:?}");
}

/// A household program is decided on the household's head on every path: the
/// simulation, proposals, the explanation and the review flags all take the same
/// decision rule.
#[tokio::test]
async fn a_household_program_is_decided_on_its_head_on_every_path() {
    let db = seeded().await;
    let store = &db.store;
    let registrar = user(store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
    load_population(store, &registrar, 600, 11).await;
    let raw = tavana_domain::programs::RawProgram {
        code: "pension".into(),
        name_fa: "مستمری".into(),
        name_en: "Continuous pension".into(),
        kind: "cash_benefit".into(),
        target: "household".into(),
        rule: "household.members_with_severe_disability >= 1".into(),
        formula: "1000000".into(),
        ..Default::default()
    };
    let fields = tavana_domain::programs::ProgramFields::parse(&raw).unwrap();
    let program = store.create_program(&officer, &fields, "new program").await.unwrap();
    let proposal = store.propose_enrollments(&officer, program.id, store.default_as_of().unwrap()).await.unwrap();
    assert!(!proposal.to_enroll.is_empty());
    // The simulation of the rule as written counts the same households.
    let rows = &store
        .simulate_program(
            &officer,
            program.id,
            fields.rule.clone(),
            fields.formula.clone(),
            store.default_as_of().unwrap(),
        )
        .await
        .unwrap()
        .rows;
    assert_eq!(rows.iter().map(|r| r.eligible).sum::<i64>(), proposal.to_enroll.len() as i64);
    // A member of an eligible household who is not its head is told why not.
    let mut found = None;
    for id in &proposal.to_enroll {
        let head = store.person(&registrar, *id).await.unwrap();
        let members = store.household_members(&registrar, head.values.household_id).await.unwrap();
        if let Some(member) = members.into_iter().find(|m| m.id != head.id) {
            found = Some((head, member));
            break;
        }
    }
    let (head, member) = found.expect("an eligible household of two or more");
    let clauses = store.explain_eligibility(&officer, program.id, member.id, as_of(store)).await.unwrap().clauses;
    assert!(clauses.iter().any(|c| c.holds == Some(false) && c.text.contains("person.relationship")), "{clauses:?}");
    let clauses = store.explain_eligibility(&officer, program.id, head.id, as_of(store)).await.unwrap().clauses;
    assert!(clauses.iter().all(|c| c.holds == Some(true)), "{clauses:?}");
    // When the enrolled head stops being the head, the enrollment is flagged.
    activate(store, program.id).await;
    let no_basis = confirm(store, &officer, program.id, &[head.id], "eligible", " ").await.unwrap_err();
    assert!(matches!(no_basis, tavana_store::StoreError::Invalid(ref e) if e.field == "legal_basis"));
    confirm(store, &officer, program.id, &[head.id], "eligible", "art. 27").await.unwrap();
    // Confirmation re-checks everyone and says why each refused person was refused.
    use tavana_domain::programs::Refusal;
    let done =
        confirm(store, &officer, program.id, &[head.id, member.id, 999_999], "eligible", "art. 27").await.unwrap();
    assert_eq!(done.enrolled, 0);
    assert_eq!(
        done.refused,
        [(head.id, Refusal::AlreadyEnrolled), (member.id, Refusal::NotEligible), (999_999, Refusal::Unknown)]
    );
    // An exited beneficiary comes back by reinstatement, recorded as such.
    use tavana_domain::programs::EnrollmentState as S;
    use tavana_store::programs::EnrollmentDecision as D;
    store
        .decide_enrollment(
            &officer,
            program.id,
            head.id,
            &D {
                to: S::Exited,
                reasons: "moved away",
                legal_basis: "art. 12",
                exit_reason: Some(tavana_domain::programs::ExitReason::Other),
            },
        )
        .await
        .unwrap();
    let back = confirm(store, &officer, program.id, &[head.id], "returned", "art. 27").await.unwrap();
    assert_eq!((back.enrolled, back.refused.len()), (1, 0));
    let reinstated =
        db.store.count_rows_for_tests("decisions WHERE from_state = 'exited' AND to_state = 'enrolled'").await;
    assert_eq!(reinstated.unwrap(), 1);
    let raw_head = tavana_domain::registry::RawPerson { relationship: "spouse".into(), ..head.raw() };
    let fields = tavana_domain::registry::PersonFields::parse(&raw_head, today()).unwrap();
    store.update_person(&registrar, head.id, &fields, head.version, "head changed").await.unwrap();
    let reviews = store.open_reviews(&officer, program.id).await.unwrap();
    assert_eq!(reviews.iter().map(|r| r.person_id).collect::<Vec<_>>(), [head.id]);
}

fn as_of(store: &tavana_store::Store) -> tavana_domain::jalali::JalaliDate {
    store.default_as_of().unwrap()
}

fn today() -> time::Date {
    time::macros::date!(2026 - 11 - 26)
}

/// A household has one living head, and a household program enrolls a household
/// once: a second living head is refused by the registry (it used to accept two);
/// when the enrolled head dies, the successor is refused while the household's
/// enrollment is in force; and the database refuses a second enrollment in force
/// whatever path writes it.
#[tokio::test]
async fn a_household_is_enrolled_once_per_program() {
    use tavana_domain::programs::Refusal;
    use tavana_domain::registry::{HouseholdFields, PersonFields, RawHousehold, RawPerson};
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
    let household = RawHousehold { file_number: "H-2".into(), place: "08-01-C".into(), ..Default::default() };
    let household =
        store.create_household(&worker, &HouseholdFields::parse(&household).unwrap(), "registration").await.unwrap();
    let raw = |code: &str, name: &str, relationship: &str| RawPerson {
        national_code: code.into(),
        household: "H-2".into(),
        relationship: relationship.into(),
        first_name: name.into(),
        last_name: "کریمی".into(),
        father_name: "حسن".into(),
        birth_date: "1360/05/12".into(),
        sex: "female".into(),
        ..Default::default()
    };
    let head = store
        .register_person(
            &worker,
            &PersonFields::parse(&raw("0012345679", "مریم", "head"), today()).unwrap(),
            "registration",
        )
        .await
        .unwrap();
    let second = PersonFields::parse(&raw("1234567891", "زهره", "head"), today()).unwrap();
    let refused = store.register_person(&worker, &second, "registration").await.unwrap_err();
    assert!(
        matches!(refused, tavana_store::StoreError::Invalid(ref e) if e.field == "relationship" && e.reason.english().contains("already has a living head (مریم کریمی)")),
        "{refused:?}"
    );
    let sister = PersonFields::parse(&raw("1234567891", "زهره", "sibling"), today()).unwrap();
    let sister = store.register_person(&worker, &sister, "registration").await.unwrap();
    let raw_program = tavana_domain::programs::RawProgram {
        code: "HOUSING".into(),
        name_fa: "مسکن".into(),
        name_en: "Housing".into(),
        kind: "service".into(),
        target: "household".into(),
        rule: "household.size >= 1".into(),
        formula: "0".into(),
        ..Default::default()
    };
    let fields = tavana_domain::programs::ProgramFields::parse(&raw_program).unwrap();
    let program = store.create_program(&officer, &fields, "new").await.unwrap();
    activate(store, program.id).await;
    let done = confirm(store, &officer, program.id, &[head.id, sister.id], "needs housing", "art. 9").await.unwrap();
    assert_eq!((done.enrolled, done.refused.clone()), (1, vec![(sister.id, Refusal::NotEligible)]));
    // The head dies: the household has no living head and is listed until a
    // successor is recorded; the enrollment is flagged, not ended.
    let died = PersonFields::parse(
        &RawPerson { deceased_on: "1405/08/20".into(), ..raw("0012345679", "مریم", "head") },
        today(),
    )
    .unwrap();
    store.update_person(&worker, head.id, &died, head.version, "death certificate").await.unwrap();
    assert_eq!(store.households_without_head(&worker, 10).await.unwrap(), [(household.id, "H-2".to_string())]);
    assert_eq!(store.open_reviews(&officer, program.id).await.unwrap().len(), 1);
    store.succeed_head(&worker, household.id, sister.id, "succession").await.unwrap();
    assert!(store.households_without_head(&worker, 10).await.unwrap().is_empty());
    // The successor qualifies, but the household is enrolled already.
    let again = confirm(store, &officer, program.id, &[sister.id], "needs housing", "art. 9").await.unwrap();
    assert_eq!(again.refused, [(sister.id, Refusal::HouseholdEnrolled)]);
    let sneaked = store
        .execute_unaudited_for_tests(&format!(
            "INSERT INTO enrollments (program_id, person_id, province_id, unit_id, state, version, updated_at, household_id) \
             SELECT {}, id, province_id, unit_id, 'enrolled', 1, 0, household_id FROM persons WHERE id = {}",
            program.id, sister.id
        ))
        .await;
    assert!(sneaked.is_err(), "the database holds one enrollment in force per household");
    let second_head = store
        .execute_unaudited_for_tests(&format!("UPDATE persons SET deceased_on = NULL WHERE id = {}", head.id))
        .await;
    assert!(second_head.is_err(), "the database holds one living head per household");
}

/// National programs are defined and changed at HQ only (a province's officer
/// used to rewrite them), and each province's monthly budget is enforced at
/// confirmation: beyond it the eligible are recorded as waiting, in order, and
/// enrolled when budget allows.
#[tokio::test]
async fn budgets_per_province_and_national_programs_at_hq() {
    use tavana_domain::programs::{EnrollmentState, Refusal};
    use tavana_domain::registry::{HouseholdFields, PersonFields, RawHousehold, RawPerson};
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
    let tehran = user(store, "tehran.officer", "P08", Role::ProgramOfficer).await;
    let mut persons = Vec::new();
    for (i, code) in ["0012345679", "1234567891", "0067749828"].into_iter().enumerate() {
        let file = format!("B-{i}");
        let household = RawHousehold { file_number: file.clone(), place: "08-01-C".into(), ..Default::default() };
        store.create_household(&worker, &HouseholdFields::parse(&household).unwrap(), "registration").await.unwrap();
        let raw = RawPerson {
            national_code: code.into(),
            household: file,
            relationship: "head".into(),
            first_name: "سارا".into(),
            last_name: "نوری".into(),
            father_name: "علی".into(),
            birth_date: "1360/01/01".into(),
            sex: "female".into(),
            ..Default::default()
        };
        persons.push(
            store
                .register_person(&worker, &PersonFields::parse(&raw, today()).unwrap(), "registration")
                .await
                .unwrap()
                .id,
        );
    }
    let raw = tavana_domain::programs::RawProgram {
        code: "CARE".into(),
        name_fa: "کمک مراقبت".into(),
        name_en: "Care allowance".into(),
        kind: "cash_benefit".into(),
        target: "person".into(),
        rule: "person.age >= 18".into(),
        formula: "1000000".into(),
        ..Default::default()
    };
    let fields = tavana_domain::programs::ProgramFields::parse(&raw).unwrap();
    let forbidden = store.create_program(&tehran, &fields, "new").await.unwrap_err();
    assert!(matches!(forbidden, tavana_store::StoreError::Forbidden(_)), "{forbidden:?}");
    let program = store.create_program(&officer, &fields, "new").await.unwrap();
    assert!(matches!(
        store.set_program_status(&tehran, program.id, ProgramStatus::Active, "go").await,
        Err(tavana_store::StoreError::Forbidden(_))
    ));
    assert!(matches!(
        store.update_program(&tehran, program.id, &fields, program.version, "rewrite").await,
        Err(tavana_store::StoreError::Forbidden(_))
    ));
    activate(store, program.id).await;
    let amount = tavana_domain::Rials::new(2_000_000);
    assert!(store.set_province_budget(&tehran, program.id, "08", amount).await.is_err(), "budgets are set at HQ");
    let refused = store.set_province_budget(&officer, program.id, "08-01", amount).await.unwrap_err();
    assert!(matches!(refused, tavana_store::StoreError::Invalid(ref e) if e.field == "province"));
    store.set_province_budget(&officer, program.id, "08", amount).await.unwrap();

    // Tehran's officer runs the national program in Tehran: two fit the budget.
    let done = confirm(store, &tehran, program.id, &persons, "adults", "art. 9").await.unwrap();
    assert_eq!((done.enrolled, done.refused.clone()), (2, vec![(persons[2], Refusal::OverBudget)]));
    assert_eq!(store.enrollment(&tehran, program.id, persons[2]).await.unwrap().state, EnrollmentState::Draft);
    let budgets = store.province_budgets(&tehran, program.id).await.unwrap();
    assert_eq!(
        budgets.iter().map(|b| (b.province.as_str(), b.budget_month, b.spent_month, b.waiting)).collect::<Vec<_>>(),
        [("08", 2_000_000, 2_000_000, 1)]
    );
    // Confirming again while the budget is spent keeps the applicant waiting.
    let again = confirm(store, &tehran, program.id, &persons[2..], "adults", "art. 9").await.unwrap();
    assert_eq!(again.refused, [(persons[2], Refusal::OverBudget)]);
    // The first leaves the program, freeing one place, and asks to come back:
    // the applicant waiting takes the place, though the one back has the lower id,
    // and the one back waits in turn (a confirmation used to go by person id).
    let exit = tavana_store::programs::EnrollmentDecision {
        to: EnrollmentState::Exited,
        reasons: "moved",
        legal_basis: "art. 9",
        exit_reason: Some(tavana_domain::programs::ExitReason::Other),
    };
    store.decide_enrollment(&tehran, program.id, persons[0], &exit).await.unwrap();
    let whole = tavana_store::programs::ConfirmRequest {
        persons: tavana_store::programs::Persons::Proposed,
        reasons: "adults",
        legal_basis: "art. 9",
        as_of: store.default_as_of().unwrap(),
    };
    let turn = store.confirm_enrollments(&tehran, program.id, &whole).await.unwrap();
    assert_eq!((turn.enrolled, turn.refused.clone()), (1, vec![(persons[0], Refusal::OverBudget)]));
    assert_eq!(store.enrollment(&tehran, program.id, persons[2]).await.unwrap().state, EnrollmentState::Enrolled);
    assert_eq!(store.enrollment(&tehran, program.id, persons[0]).await.unwrap().state, EnrollmentState::Draft);
    // More budget: the waiting applicant is enrolled.
    store.set_province_budget(&officer, program.id, "08", tavana_domain::Rials::new(3_000_000)).await.unwrap();
    let funded = confirm(store, &tehran, program.id, &persons[..1], "adults", "art. 9").await.unwrap();
    assert_eq!((funded.enrolled, funded.refused.len()), (1, 0));
    let waited =
        store.count_rows_for_tests("decisions WHERE from_state = 'draft' AND to_state = 'enrolled'").await.unwrap();
    assert_eq!(waited, 2);
}

/// Assessments count only while current: an expired one makes a reassessment due
/// (the decision needs information, and says which), a later one supersedes an
/// earlier one of the same kind, and rules can read how old an assessment is.
/// Before, the most severe assessment ever made counted for ever.
#[tokio::test]
async fn assessments_expire_and_are_superseded() {
    use tavana_domain::programs::Outcome;
    use tavana_domain::registry::{
        DisabilityFields, HouseholdFields, PersonFields, RawDisability, RawHousehold, RawPerson,
    };
    let db = seeded().await;
    // A fixed day, so the assessments' ages and validity do not move with the calendar.
    let store = &db.store.with_clock(tavana_store::Clock::Fixed(time::macros::datetime!(2026-11-27 12:00 UTC)));
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
    let household = RawHousehold { file_number: "X-1".into(), place: "08-01-C".into(), ..Default::default() };
    store.create_household(&worker, &HouseholdFields::parse(&household).unwrap(), "registration").await.unwrap();
    let raw = RawPerson {
        national_code: "0012345679".into(),
        household: "X-1".into(),
        relationship: "head".into(),
        first_name: "حسین".into(),
        last_name: "مرادی".into(),
        father_name: "علی".into(),
        birth_date: "1350/01/01".into(),
        sex: "male".into(),
        ..Default::default()
    };
    let person =
        store.register_person(&worker, &PersonFields::parse(&raw, today()).unwrap(), "registration").await.unwrap();
    let assess = async |severity: &str, on: &str, until: &str| {
        let d = RawDisability {
            national_code: "0012345679".into(),
            kind: "motor".into(),
            severity: severity.into(),
            assessed_on: on.into(),
            valid_until: until.into(),
            ..Default::default()
        };
        store.add_disability(&worker, &DisabilityFields::parse(&d, today()).unwrap(), "assessment").await.unwrap();
    };
    assess("very_severe", "1399/01/10", "1402/01/10").await;
    let raw_program = tavana_domain::programs::RawProgram {
        code: "TRAVEL".into(),
        name_fa: "تخفیف سفر".into(),
        name_en: "Travel discount".into(),
        kind: "discount".into(),
        target: "person".into(),
        rule: "disability.severity in ['severe', 'very_severe']".into(),
        formula: "0".into(),
        ..Default::default()
    };
    let fields = tavana_domain::programs::ProgramFields::parse(&raw_program).unwrap();
    let program = store.create_program(&officer, &fields, "new").await.unwrap();
    let as_of = store.default_as_of().unwrap();
    let explained = store.explain_eligibility(&officer, program.id, person.id, as_of).await.unwrap();
    assert_eq!(explained.outcome, Outcome::NeedsInformation, "expired: a reassessment is due");
    assert_eq!(explained.missing, ["disability.severity"]);
    let values = store.rule_values(&officer, Some(&[person.id]), as_of).await.unwrap();
    assert_eq!(values[0].1["disability.reassessment_due"], Value::Bool(true));
    let simulation =
        store.simulate_program(&officer, program.id, fields.rule.clone(), fields.formula.clone(), as_of).await.unwrap();
    let totals = simulation.rows.iter().fold((0, 0), |(e, n), r| (e + r.eligible, n + r.needs_information));
    assert_eq!(totals, (0, 1));
    // Reassessed since as moderate: the later assessment supersedes the severe one.
    assess("moderate", "1404/06/01", "1407/06/01").await;
    let explained = store.explain_eligibility(&officer, program.id, person.id, as_of).await.unwrap();
    assert_eq!(explained.outcome, Outcome::NotEligible);
    let values = store.rule_values(&officer, Some(&[person.id]), as_of).await.unwrap();
    assert_eq!(values[0].1["disability.severity"], Value::Str("moderate".into()));
    assert!(matches!(values[0].1["disability.months_since_assessment"], Value::Int(m) if (14..=17).contains(&m)));
    // A rule that can never hold is said to select no one.
    let nobody = parse("disability.severity == 'very_severe' && disability.severity == 'mild'").unwrap();
    let simulation = store.simulate_program(&officer, program.id, nobody, fields.formula.clone(), as_of).await.unwrap();
    assert_eq!(simulation.warnings, [tavana_domain::programs::SimulationWarning::SelectsNoOne]);
}

/// The whole proposal is confirmed at once, however many it names: the page's
/// "confirm all" used to pass the proposal as a list, refused beyond 10,000, and
/// each person cost two statements and an audit entry. Now one set of decisions:
/// an enrollment and a decision record per person, every person named in the
/// audit chain, and confirming again changes nothing.
#[tokio::test]
async fn a_whole_proposal_beyond_one_list_is_confirmed_at_once() {
    use tavana_store::programs::{ConfirmRequest, MAX_CONFIRMED, Persons};
    let db = seeded().await;
    let store = &db.store;
    let registrar = user(store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
    load_population(store, &registrar, 12_000, 5).await;
    let raw = tavana_domain::programs::RawProgram {
        code: "ALL".into(),
        name_fa: "همه".into(),
        name_en: "Everyone".into(),
        kind: "cash_benefit".into(),
        target: "person".into(),
        rule: "person.age >= 0".into(),
        formula: "1000 + person.age".into(),
        ..Default::default()
    };
    let fields = tavana_domain::programs::ProgramFields::parse(&raw).unwrap();
    let program = store.create_program(&officer, &fields, "new").await.unwrap();
    activate(store, program.id).await;
    let as_of = store.default_as_of().unwrap();
    let proposal = store.propose_enrollments(&officer, program.id, as_of).await.unwrap();
    assert!(proposal.to_enroll.len() > MAX_CONFIRMED, "{}", proposal.to_enroll.len());
    let listed = confirm(store, &officer, program.id, &proposal.to_enroll, "all", "art. 1").await.unwrap_err();
    assert!(matches!(listed, tavana_store::StoreError::Invalid(ref e) if e.field == "persons"), "{listed:?}");

    let whole = ConfirmRequest { persons: Persons::Proposed, reasons: "all", legal_basis: "art. 1", as_of };
    let done = store.confirm_enrollments(&officer, program.id, &whole).await.unwrap();
    assert_eq!((done.enrolled as usize, done.refused.len()), (proposal.to_enroll.len(), 0));
    let count = |sql: String| async move { store.count_rows_for_tests(&sql).await.unwrap() as usize };
    let id = program.id;
    assert_eq!(
        count(format!("enrollments WHERE program_id = {id} AND state = 'enrolled'")).await,
        done.enrolled as usize
    );
    assert_eq!(
        count(format!("decisions WHERE program_id = {id} AND to_state = 'enrolled'")).await,
        done.enrolled as usize
    );
    // Each amount is the formula's for that person, as the proposal said.
    let amounts: Vec<(i64, i64)> = proposal.to_enroll.iter().copied().zip(proposal.amounts.iter().copied()).collect();
    let (first, last) = (amounts[0], amounts[amounts.len() - 1]);
    for (person, amount) in [first, last] {
        let e = store.enrollment(&officer, id, person).await.unwrap();
        assert_eq!(e.amount_rials, Some(amount));
    }
    // The audit chain names every person, in entries of at most 10,000.
    let auditor = user(store, "auditor", "HQ", Role::Auditor).await;
    let entries = store.recent_audit_entries(&auditor, 20).await.unwrap();
    let confirmed: Vec<serde_json::Value> = entries
        .iter()
        .filter(|e| e.action == "enrollment.confirm")
        .map(|e| serde_json::from_str(e.after_json.as_deref().unwrap()).unwrap())
        .collect();
    assert_eq!(confirmed.len(), proposal.to_enroll.len().div_ceil(10_000));
    let mut named: Vec<(i64, i64)> = confirmed
        .iter()
        .flat_map(|after| {
            assert_eq!(after["legal_basis"], "art. 1");
            after["persons"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    assert_eq!((p[1].clone(), p[2].as_str()), (serde_json::Value::Null, Some("enrolled")), "{p}");
                    (p[0].as_i64().unwrap(), p[3].as_i64().unwrap())
                })
                .collect::<Vec<_>>()
        })
        .collect();
    named.sort_unstable();
    assert_eq!(named, amounts);

    // Again: nobody is left to enroll, and nothing is written but the attempt.
    let again = store.confirm_enrollments(&officer, program.id, &whole).await.unwrap();
    assert_eq!((again.enrolled, again.refused.len()), (0, 0));
    assert_eq!(count(format!("decisions WHERE program_id = {id}")).await, done.enrolled as usize);
    assert!(store.propose_enrollments(&officer, program.id, as_of).await.unwrap().to_enroll.is_empty());
}

/// The bench's hand-written pension query (the ceiling Tavana's compiled rule is
/// measured against) finds the same households and amounts as the compiled rule,
/// so the ratio the bench prints compares the same work.
#[tokio::test]
async fn the_hand_written_pension_query_agrees_with_the_compiled_rule() {
    let db = seeded().await;
    let store = &db.store;
    let registrar = user(store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
    load_population(store, &registrar, 3_000, 11).await;
    let pension = tavana_synth::programs::demo_programs().into_iter().next().unwrap();
    let fields = tavana_domain::programs::ProgramFields::parse(&pension).unwrap();
    let program = store.create_program(&officer, &fields, "bench").await.unwrap();
    let as_of = store.default_as_of().unwrap();
    let outcomes = store.outcomes(&officer, &program.terms().unwrap(), as_of).await.unwrap();
    let eligible: Vec<_> =
        outcomes.iter().filter(|o| o.outcome == tavana_domain::programs::Outcome::Eligible).collect();
    assert!(eligible.len() > 10, "{}", eligible.len());
    let total: i64 = eligible.iter().map(|o| o.amount.unwrap()).sum();
    assert_eq!(store.ceiling_pension(as_of).await.unwrap(), (eligible.len() as i64, total));
}

/// The bench's bare load (the import's ceiling) loads every row of a file and
/// leaves no table behind.
#[tokio::test]
async fn the_bare_load_loads_every_row_and_leaves_nothing() {
    let db = seeded().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.csv");
    let mut text = String::from("a,b,c\n");
    for i in 0..1_234 {
        text.push_str(&format!("{i},\"x, {i}\",ی{i}\n"));
    }
    std::fs::write(&path, text).unwrap();
    assert_eq!(db.store.ceiling_bare_load(&path).await.unwrap(), 1_234);
    assert!(db.store.count_rows_for_tests("bench_bare_load").await.is_err(), "the table is dropped");
}
