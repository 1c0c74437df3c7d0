//! The two evaluators agree: random well-typed rules over a synthetic registry give
//! the same eligible persons compiled to SQL as interpreted one by one, on SQLite
//! and on PostgreSQL.

use crate::support::{seeded, user};
use tavana_domain::iam::Role;
use tavana_domain::programs::ProgramStatus;
use tavana_domain::programs::rule::{BinaryOp, Expr, ExprKind, Span, Type, Value, check, evaluate, parse};
use tavana_domain::programs::variables::VARIABLES;
use tavana_store::registry::import::{FileFormat, ImportKind, ImportSummary, RowError, import};
use tavana_synth::Rng;
use tavana_synth::population::{Population, PopulationConfig};

const SPAN: Span = Span { start: 0, end: 0 };

fn e(kind: ExprKind) -> Expr {
    Expr { kind, span: SPAN }
}

/// A random well-typed expression of type `ty`.
fn random_rule(rng: &mut Rng, ty: Type, depth: u32) -> Expr {
    let vars: Vec<_> = VARIABLES.iter().filter(|v| v.ty == ty).collect();
    let leaf = depth == 0 || rng.below(3) == 0;
    match ty {
        Type::Int if leaf => {
            if rng.below(2) == 0 && !vars.is_empty() {
                e(ExprKind::Var(rng.pick(&vars).name.into()))
            } else {
                e(ExprKind::Int(rng.below(60) as i64))
            }
        }
        Type::Int => {
            let op = *rng.pick(&[BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Rem]);
            match rng.below(5) {
                0 => e(ExprKind::Neg(Box::new(random_rule(rng, Type::Int, depth - 1)))),
                4 => e(ExprKind::MinMax(
                    rng.below(2) == 0,
                    Box::new(random_rule(rng, Type::Int, depth - 1)),
                    Box::new(random_rule(rng, Type::Int, depth - 1)),
                )),
                1 => e(ExprKind::Cond(
                    Box::new(random_rule(rng, Type::Bool, depth - 1)),
                    Box::new(random_rule(rng, Type::Int, depth - 1)),
                    Box::new(random_rule(rng, Type::Int, depth - 1)),
                )),
                _ => e(ExprKind::Binary(
                    op,
                    Box::new(random_rule(rng, Type::Int, depth - 1)),
                    Box::new(random_rule(rng, Type::Int, depth - 1)),
                )),
            }
        }
        Type::Str => {
            if rng.below(3) > 0 {
                e(ExprKind::Var(rng.pick(&vars).name.into()))
            } else {
                e(ExprKind::Str(rng.pick(&STRINGS).to_string()))
            }
        }
        Type::Bool if leaf => match rng.below(3) {
            0 => e(ExprKind::Var(rng.pick(&vars).name.into())),
            1 => e(ExprKind::Bool(rng.below(2) == 0)),
            _ => compare(rng, 0),
        },
        Type::Bool => match rng.below(5) {
            0 => e(ExprKind::Not(Box::new(random_rule(rng, Type::Bool, depth - 1)))),
            1 | 2 => {
                let op = *rng.pick(&[BinaryOp::And, BinaryOp::Or]);
                e(ExprKind::Binary(
                    op,
                    Box::new(random_rule(rng, Type::Bool, depth - 1)),
                    Box::new(random_rule(rng, Type::Bool, depth - 1)),
                ))
            }
            _ => compare(rng, depth - 1),
        },
        Type::IntList | Type::StrList => e(ExprKind::Int(0)),
    }
}

const STRINGS: [&str; 10] =
    ["male", "female", "married", "single", "head", "child", "severe", "very_severe", "mild", "08"];

fn compare(rng: &mut Rng, depth: u32) -> Expr {
    match rng.below(4) {
        0 => {
            let list = (0..1 + rng.below(3)).map(|_| e(ExprKind::Str(rng.pick(&STRINGS).to_string()))).collect();
            e(ExprKind::Binary(
                BinaryOp::In,
                Box::new(random_rule(rng, Type::Str, depth)),
                Box::new(e(ExprKind::List(list))),
            ))
        }
        1 => {
            let op = *rng.pick(&[BinaryOp::Eq, BinaryOp::Ne]);
            e(ExprKind::Binary(
                op,
                Box::new(random_rule(rng, Type::Str, depth)),
                Box::new(random_rule(rng, Type::Str, depth)),
            ))
        }
        _ => {
            let op = *rng.pick(&[BinaryOp::Lt, BinaryOp::Le, BinaryOp::Gt, BinaryOp::Ge, BinaryOp::Eq, BinaryOp::Ne]);
            e(ExprKind::Binary(
                op,
                Box::new(random_rule(rng, Type::Int, depth)),
                Box::new(random_rule(rng, Type::Int, depth)),
            ))
        }
    }
}

/// Loads a synthetic population of `persons` through the import path, every row
/// accepted.
async fn load_population(store: &tavana_store::Store, registrar: &tavana_domain::iam::Actor, persons: u64, seed: u64) {
    let config = PopulationConfig {
        persons,
        seed,
        geography: tavana_synth::geo::GeographyConfig {
            seed: 1,
            rural_districts_per_county: 1,
            villages_per_rural_district: 2,
        },
        ..Default::default()
    };
    let mut files = [
        csv::Writer::from_writer(Vec::new()),
        csv::Writer::from_writer(Vec::new()),
        csv::Writer::from_writer(Vec::new()),
    ];
    for h in Population::new(config) {
        files[0].serialize(&h.household).unwrap();
        for p in &h.persons {
            files[1].serialize(p).unwrap();
        }
        for d in &h.disabilities {
            files[2].serialize(d).unwrap();
        }
    }
    for (kind, file) in [ImportKind::Households, ImportKind::Persons, ImportKind::Disabilities].into_iter().zip(files) {
        let bytes = file.into_inner().unwrap();
        let summary = import(
            store,
            registrar,
            kind,
            FileFormat::Csv,
            Box::new(std::io::Cursor::new(bytes)),
            &mut |_: &RowError| {},
            &mut |_: &ImportSummary| {},
        )
        .await
        .unwrap();
        assert_eq!(summary.rejected, 0);
    }
}

#[tokio::test]
async fn compiled_and_interpreted_rules_choose_the_same_persons() {
    let db = seeded().await;
    let store = &db.store;
    let registrar = user(store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
    load_population(store, &registrar, 400, 5).await;
    let everyone = store.rule_values(&officer, None).await.unwrap();
    assert_eq!(everyone.len(), 400);

    let check_rule = |rule: &Expr| {
        let interpreted: Vec<i64> = everyone
            .iter()
            .filter(|(_, values)| {
                evaluate(rule, &|name| values.get(name).cloned().unwrap_or(Value::Null)) == Value::Bool(true)
            })
            .map(|(id, _)| *id)
            .collect();
        interpreted
    };

    // A known rule first, then random ones.
    let pension =
        parse(r#"person.age >= 18 && disability.severity in ["severe", "very_severe"] && person.alive"#).unwrap();
    check(&pension, VARIABLES).unwrap();
    let compiled = store.eligible_persons(&officer, &pension).await.unwrap();
    assert_eq!(compiled, check_rule(&pension));
    assert!(!compiled.is_empty() && compiled.len() < 400, "{} eligible", compiled.len());

    let mut rng = Rng::new(2026);
    let mut nontrivial = 0;
    for _ in 0..120 {
        let rule = random_rule(&mut rng, Type::Bool, 4);
        check(&rule, VARIABLES).unwrap_or_else(|err| panic!("generated an ill-typed rule {}: {err}", rule.to_text()));
        let compiled = store.eligible_persons(&officer, &rule).await.unwrap();
        let interpreted = check_rule(&rule);
        assert_eq!(compiled, interpreted, "rule {}", rule.to_text());
        if !compiled.is_empty() && compiled.len() < 400 {
            nontrivial += 1;
        }
    }
    assert!(nontrivial >= 20, "only {nontrivial} rules split the population");
}

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
    let rows = store.simulate_program(&officer, program.id, fields.rule.clone(), &fields.formula).await.unwrap();
    let eligible: i64 = rows.iter().map(|r| r.eligible).sum();
    let everyone = store.rule_values(&officer, None).await.unwrap();
    let interpreted = everyone
        .iter()
        .filter(|(_, v)| evaluate(&fields.rule, &|n| v.get(n).cloned().unwrap_or(Value::Null)) == Value::Bool(true))
        .count() as i64;
    assert_eq!(eligible, interpreted);
    assert!(eligible > 0);
    assert_eq!(rows.iter().map(|r| r.monthly_cost).sum::<i64>(), eligible * 500_000);
    assert_eq!(rows.iter().map(|r| r.gainers + r.losers).sum::<i64>(), 0, "the rule in force against itself");
    let stricter = parse(r#"disability.severity == "very_severe" && person.alive"#).unwrap();
    let rows = store.simulate_program(&officer, program.id, stricter, &fields.formula).await.unwrap();
    let losers: i64 = rows.iter().map(|r| r.losers).sum();
    let kept: i64 = rows.iter().map(|r| r.eligible).sum();
    assert_eq!(kept + losers, eligible);

    // Proposal, confirmation with a decision record, and the proposal after it.
    let proposal = store.propose_enrollments(&officer, program.id).await.unwrap();
    assert_eq!(proposal.to_enroll.len() as i64, eligible);
    assert!(proposal.no_longer_eligible.is_empty());
    let confirm = &proposal.to_enroll[..5];
    store.set_program_status(&officer, program.id, ProgramStatus::Active, "approved by the board").await.unwrap();
    let done = store
        .confirm_enrollments(
            &officer,
            program.id,
            confirm,
            "assessed severe",
            "Law on the Rights of Persons with Disabilities, art. 27",
        )
        .await
        .unwrap();
    assert_eq!((done.enrolled, done.refused.len()), (5, 0));
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
    let after = store.propose_enrollments(&officer, program.id).await.unwrap();
    assert_eq!(after.to_enroll.len() as i64, eligible - 5);
    // The audit chain names each enrollment confirmed and its person, not a count.
    let auditor = user(store, "auditor", "HQ", Role::Auditor).await;
    let entries = store.recent_audit_entries(&auditor, 20).await.unwrap();
    let mut named: Vec<i64> = entries
        .iter()
        .filter(|e| e.action == "enrollment.confirm")
        .map(|e| {
            serde_json::from_str::<serde_json::Value>(e.after_json.as_deref().unwrap()).unwrap()["person"]
                .as_i64()
                .unwrap()
        })
        .collect();
    named.sort_unstable();
    let mut expected = confirm.to_vec();
    expected.sort_unstable();
    assert_eq!(named, expected);
    // Recording a death makes an enrolled person no longer eligible: the change
    // flags the enrollment for review; nothing is ended by itself.
    let raw_of = |p: &tavana_store::registry::Person| p.raw();
    let dying = store.person(&registrar, confirm[0]).await.unwrap();
    let died = tavana_domain::registry::RawPerson { deceased_on: "2026-10-01".into(), ..raw_of(&dying) };
    let fields = tavana_domain::registry::PersonFields::parse(&died, today).unwrap();
    store.update_person(&registrar, confirm[0], &fields, dying.version, "death certificate").await.unwrap();
    let reviews = store.open_reviews(&officer, program.id).await.unwrap();
    assert_eq!(
        reviews.iter().map(|r| (r.person_id, r.reason.as_str())).collect::<Vec<_>>(),
        [(confirm[0], "death certificate")]
    );
    assert_eq!(
        store.enrollment(&officer, program.id, confirm[0]).await.unwrap().state,
        tavana_domain::programs::EnrollmentState::Enrolled
    );
    let flagged = store.propose_enrollments(&officer, program.id).await.unwrap();
    assert_eq!(flagged.no_longer_eligible, vec![confirm[0]]);
    // An edit that keeps eligibility flags nothing.
    let other = store.person(&registrar, confirm[1]).await.unwrap();
    let phone = tavana_domain::registry::RawPerson { phone: "09120000000".into(), ..raw_of(&other) };
    let fields = tavana_domain::registry::PersonFields::parse(&phone, today).unwrap();
    store.update_person(&registrar, confirm[1], &fields, other.version, "new phone").await.unwrap();
    assert_eq!(store.open_reviews(&officer, program.id).await.unwrap().len(), 1);
    // A change arriving by import is flagged the same way.
    let third = store.person(&registrar, confirm[2]).await.unwrap();
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
        [(confirm[0], "death certificate"), (confirm[2], "import")]
    );
    // The officer decides: the enrollment ends, with its reasons; the review closes.
    use tavana_domain::programs::EnrollmentState as S;
    use tavana_store::programs::EnrollmentDecision as D;
    let exited = store
        .decide_enrollment(
            &officer,
            program.id,
            confirm[0],
            &D { to: S::Exited, reasons: "died", legal_basis: "art. 12" },
        )
        .await
        .unwrap();
    assert_eq!(exited.state, S::Exited);
    assert_eq!(store.open_reviews(&officer, program.id).await.unwrap().len(), 1, "only the decided one closed");
    let refused = store
        .decide_enrollment(&officer, program.id, confirm[0], &D { to: S::Paused, reasons: "x", legal_basis: "" })
        .await
        .unwrap_err();
    assert!(matches!(refused, tavana_store::StoreError::Invalid(ref e) if e.field == "state"));
    let no_reason = store
        .decide_enrollment(&officer, program.id, confirm[2], &D { to: S::Paused, reasons: " ", legal_basis: "" })
        .await
        .unwrap_err();
    assert!(matches!(no_reason, tavana_store::StoreError::Invalid(ref e) if e.field == "reasons"));
    // The rule changes by a versioned edit (activation made version 2); a stale
    // edit is refused.
    let stricter_raw = tavana_domain::programs::RawProgram {
        rule: "disability.severity == 'very_severe' && person.alive".into(),
        ..raw.clone()
    };
    let stricter_fields = tavana_domain::programs::ProgramFields::parse(&stricter_raw).unwrap();
    let edited = store.update_program(&officer, program.id, &stricter_fields, 2, "budget cut").await.unwrap();
    assert_eq!((edited.version, edited.rule.as_str()), (3, "disability.severity == 'very_severe' && person.alive"));
    assert!(matches!(
        store.update_program(&officer, program.id, &stricter_fields, 2, "stale").await,
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
    assert!(store.propose_enrollments(&officer, program.id).await.is_err());
    let closed = store.confirm_enrollments(&officer, program.id, confirm, "x", "art. 27").await.unwrap_err();
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
    let proposal = store.propose_enrollments(&officer, program.id).await.unwrap();
    assert!(!proposal.to_enroll.is_empty());
    // The simulation of the rule as written counts the same households.
    let rows = store.simulate_program(&officer, program.id, fields.rule.clone(), &fields.formula).await.unwrap();
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
    let (_, clauses) = store.explain_eligibility(&officer, program.id, member.id).await.unwrap();
    assert!(clauses.iter().any(|c| c.holds == Some(false) && c.text.contains("person.relationship")), "{clauses:?}");
    let (_, clauses) = store.explain_eligibility(&officer, program.id, head.id).await.unwrap();
    assert!(clauses.iter().all(|c| c.holds == Some(true)), "{clauses:?}");
    // When the enrolled head stops being the head, the enrollment is flagged.
    store.set_program_status(&officer, program.id, ProgramStatus::Active, "approved").await.unwrap();
    let no_basis = store.confirm_enrollments(&officer, program.id, &[head.id], "eligible", " ").await.unwrap_err();
    assert!(matches!(no_basis, tavana_store::StoreError::Invalid(ref e) if e.field == "legal_basis"));
    store.confirm_enrollments(&officer, program.id, &[head.id], "eligible", "art. 27").await.unwrap();
    // Confirmation re-checks everyone and says why each refused person was refused.
    use tavana_domain::programs::Refusal;
    let done = store
        .confirm_enrollments(&officer, program.id, &[head.id, member.id, 999_999], "eligible", "art. 27")
        .await
        .unwrap();
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
            &D { to: S::Exited, reasons: "moved away", legal_basis: "art. 12" },
        )
        .await
        .unwrap();
    let back = store.confirm_enrollments(&officer, program.id, &[head.id], "returned", "art. 27").await.unwrap();
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

fn today() -> time::Date {
    time::macros::date!(2026 - 11 - 26)
}

/// A household program enrolls a household once: a second head of the same
/// household is refused, in the same confirmation or a later one, and the database
/// refuses a second enrollment in force whatever path writes it.
#[tokio::test]
async fn a_household_is_enrolled_once_per_program() {
    use tavana_domain::programs::Refusal;
    use tavana_domain::registry::{HouseholdFields, PersonFields, RawHousehold, RawPerson};
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
    let household = RawHousehold { file_number: "H-2".into(), place: "08-01-C".into(), ..Default::default() };
    store.create_household(&worker, &HouseholdFields::parse(&household).unwrap(), "registration").await.unwrap();
    let mut heads = Vec::new();
    for (code, name) in [("0012345679", "مریم"), ("1234567891", "زهره")] {
        let raw = RawPerson {
            national_code: code.into(),
            household: "H-2".into(),
            relationship: "head".into(),
            first_name: name.into(),
            last_name: "کریمی".into(),
            father_name: "حسن".into(),
            birth_date: "1360/05/12".into(),
            sex: "female".into(),
            ..Default::default()
        };
        let fields = PersonFields::parse(&raw, today()).unwrap();
        heads.push(store.register_person(&worker, &fields, "registration").await.unwrap().id);
    }
    let raw = tavana_domain::programs::RawProgram {
        code: "HOUSING".into(),
        name_fa: "مسکن".into(),
        name_en: "Housing".into(),
        kind: "service".into(),
        target: "household".into(),
        rule: "person.alive".into(),
        formula: "0".into(),
        ..Default::default()
    };
    let fields = tavana_domain::programs::ProgramFields::parse(&raw).unwrap();
    let program = store.create_program(&officer, &fields, "new").await.unwrap();
    store.set_program_status(&officer, program.id, ProgramStatus::Active, "approved").await.unwrap();
    let done = store.confirm_enrollments(&officer, program.id, &heads, "needs housing", "art. 9").await.unwrap();
    assert_eq!((done.enrolled, done.refused.clone()), (1, vec![(heads[1], Refusal::HouseholdEnrolled)]));
    let again = store.confirm_enrollments(&officer, program.id, &heads[1..], "needs housing", "art. 9").await.unwrap();
    assert_eq!(again.refused, [(heads[1], Refusal::HouseholdEnrolled)]);
    let sneaked = store
        .execute_unaudited_for_tests(&format!(
            "INSERT INTO enrollments (program_id, person_id, province_id, unit_id, state, version, updated_at, household_id) \
             SELECT {}, id, province_id, unit_id, 'enrolled', 1, 0, household_id FROM persons WHERE id = {}",
            program.id, heads[1]
        ))
        .await;
    assert!(sneaked.is_err(), "the database holds one enrollment in force per household");
}
