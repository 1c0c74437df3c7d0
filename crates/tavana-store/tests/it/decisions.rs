//! One decision path: the variables SQL computes agree with the same variables
//! computed here in Rust from the synthetic registry's raw records, and random
//! checked rules and formulas (large numbers included) give the same outcome and
//! amount for every person compiled to SQL as interpreted; simulation, proposals,
//! confirmation and explanation agree person by person. On SQLite and PostgreSQL.

use crate::support::{load_population, seeded, user};
use std::collections::HashMap;
use tavana_domain::iam::Role;
use tavana_domain::jalali::JalaliDate;
use tavana_domain::programs::rule::{
    BinaryOp, Domain, Expr, ExprKind, Span, Subject, Type, Value, check, check_values, parse_as,
};
use tavana_domain::programs::variables::{MAX_AGE, MAX_AMOUNT, MAX_INCOME, VARIABLES};
use tavana_domain::programs::{Outcome, ProgramTarget, Terms};
use tavana_domain::registry::{DisabilityFields, PersonFields};
use tavana_synth::Rng;
use tavana_synth::population::SynthHousehold;

const SPAN: Span = Span { start: 0, end: 0 };

fn e(kind: ExprKind) -> Expr {
    Expr { kind, span: SPAN }
}

/// A whole number: small, middling or near the largest, as rules are written and
/// as a hostile one would be.
fn number(rng: &mut Rng) -> i64 {
    match rng.below(6) {
        0 => (rng.next_u64() >> 1) as i64,
        1 => rng.below(1_000_000_000_000) as i64,
        _ => rng.below(60) as i64,
    }
}

/// A random well-typed expression of type `ty`; texts compared with a coded
/// variable are mostly its values.
fn random(rng: &mut Rng, ty: Type, depth: u32) -> Expr {
    let vars: Vec<_> = VARIABLES.iter().filter(|v| v.ty == ty).collect();
    let leaf = depth == 0 || rng.below(3) == 0;
    match ty {
        Type::Int if leaf => {
            if rng.below(2) == 0 {
                e(ExprKind::Var(rng.pick(&vars).name.into()))
            } else {
                e(ExprKind::Int(number(rng)))
            }
        }
        Type::Int => {
            let op = *rng.pick(&[BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Rem]);
            let choice = rng.below(5);
            let a = Box::new(random(rng, Type::Int, depth - 1));
            let b = Box::new(random(rng, Type::Int, depth - 1));
            match choice {
                0 => e(ExprKind::Neg(a)),
                4 => e(ExprKind::MinMax(depth.is_multiple_of(2), a, b)),
                1 => e(ExprKind::Cond(Box::new(random(rng, Type::Bool, depth - 1)), a, b)),
                _ => e(ExprKind::Binary(op, a, b)),
            }
        }
        Type::Bool if leaf => match rng.below(4) {
            0 => e(ExprKind::Var(rng.pick(&vars).name.into())),
            1 => e(ExprKind::Has(rng.pick(VARIABLES).name.into())),
            2 => e(ExprKind::Bool(rng.below(2) == 0)),
            _ => compare(rng, 0),
        },
        Type::Bool => match rng.below(5) {
            0 => e(ExprKind::Not(Box::new(random(rng, Type::Bool, depth - 1)))),
            1 | 2 => {
                let op = *rng.pick(&[BinaryOp::And, BinaryOp::Or]);
                e(ExprKind::Binary(
                    op,
                    Box::new(random(rng, Type::Bool, depth - 1)),
                    Box::new(random(rng, Type::Bool, depth - 1)),
                ))
            }
            _ => compare(rng, depth - 1),
        },
        Type::Str | Type::IntList | Type::StrList => e(ExprKind::Bool(true)),
    }
}

/// A value a text variable can take, or now and then one it cannot (which the
/// check refuses, so the rule is drawn again).
fn text_of(rng: &mut Rng, domain: Domain) -> String {
    match domain {
        Domain::Codes(codes) => rng.pick(&codes()).0.to_string(),
        Domain::Shape(shape) => {
            if shape.len() == 2 {
                format!("{:02}", 1 + rng.below(31))
            } else {
                format!("{:02}-{:02}", 1 + rng.below(31), 1 + rng.below(3))
            }
        }
        _ => "x".into(),
    }
}

fn compare(rng: &mut Rng, depth: u32) -> Expr {
    let texts: Vec<_> = VARIABLES.iter().filter(|v| v.ty == Type::Str).collect();
    match rng.below(4) {
        0 => {
            let v = rng.pick(&texts);
            let list = (0..1 + rng.below(3)).map(|_| e(ExprKind::Str(text_of(rng, v.domain)))).collect();
            e(ExprKind::Binary(
                BinaryOp::In,
                Box::new(e(ExprKind::Var(v.name.into()))),
                Box::new(e(ExprKind::List(list))),
            ))
        }
        1 => {
            let v = rng.pick(&texts);
            let op = *rng.pick(&[BinaryOp::Eq, BinaryOp::Ne]);
            e(ExprKind::Binary(
                op,
                Box::new(e(ExprKind::Var(v.name.into()))),
                Box::new(e(ExprKind::Str(text_of(rng, v.domain)))),
            ))
        }
        _ => {
            let op = *rng.pick(&[BinaryOp::Lt, BinaryOp::Le, BinaryOp::Gt, BinaryOp::Ge, BinaryOp::Eq, BinaryOp::Ne]);
            e(ExprKind::Binary(op, Box::new(random(rng, Type::Int, depth)), Box::new(random(rng, Type::Int, depth))))
        }
    }
}

/// A random rule the checker accepts, and how many were refused before it (rules
/// whose arithmetic could overflow, mostly).
fn checked_rule(rng: &mut Rng) -> (Expr, u32) {
    for refused in 0.. {
        let rule = random(rng, Type::Bool, 4);
        if check(&rule, VARIABLES).is_ok() {
            return (rule, refused);
        }
    }
    unreachable!()
}

/// A random formula the checker accepts: between 0 and the monthly ceiling.
fn checked_formula(rng: &mut Rng) -> Expr {
    loop {
        let inner = random(rng, Type::Int, 3);
        let bounded = e(ExprKind::MinMax(
            false,
            Box::new(e(ExprKind::Int(0))),
            Box::new(e(ExprKind::MinMax(true, Box::new(e(ExprKind::Int(MAX_AMOUNT))), Box::new(inner)))),
        ));
        // As a program's formula is parsed: printed, parsed back and checked.
        let Ok(formula) = parse_as(&bounded.to_text(), Subject::Formula) else { continue };
        if check_values(&formula, VARIABLES, Some((0, MAX_AMOUNT))).is_ok() {
            return formula;
        }
    }
}

/// The rule variables of every synthetic person, computed here from the raw
/// records as of a day, by national code: the meaning of each variable written a
/// second time, independently of the SQL.
fn expected_values(
    households: &[SynthHousehold],
    today: time::Date,
    as_of: JalaliDate,
) -> HashMap<String, HashMap<&'static str, Value>> {
    let day = as_of.to_gregorian();
    let mut out = HashMap::new();
    for h in households {
        let place = &h.household.place;
        let members: Vec<PersonFields> = h.persons.iter().map(|p| PersonFields::parse(p, today).unwrap()).collect();
        let assessments: Vec<DisabilityFields> =
            h.disabilities.iter().map(|d| DisabilityFields::parse(d, today).unwrap()).collect();
        let alive = |p: &PersonFields| p.deceased_on.is_none_or(|d| d > day);
        let age =
            |p: &PersonFields| as_of.age_of(JalaliDate::from_gregorian(p.birth_date).unwrap()).map(|a| a.min(MAX_AGE));
        // Per person: the latest assessment of each kind made by the day.
        struct Assessed {
            any: bool,
            due: bool,
            rank: Option<i64>,
            latest_valid: Option<time::Date>,
        }
        let assessed = |p: &PersonFields| {
            let mine: Vec<&DisabilityFields> =
                assessments.iter().filter(|a| a.national_code == p.national_code && a.assessed_on <= day).collect();
            let mut latest: HashMap<_, &DisabilityFields> = HashMap::new();
            for a in mine {
                let keep = latest.get(&a.kind).is_none_or(|l| l.assessed_on < a.assessed_on);
                if keep {
                    latest.insert(a.kind, a);
                }
            }
            let valid: Vec<&&DisabilityFields> =
                latest.values().filter(|a| a.valid_until.is_none_or(|v| v >= day)).collect();
            let rank = |a: &DisabilityFields| {
                tavana_domain::registry::Severity::ALL.iter().position(|s| *s == a.severity).map(|i| i as i64 + 1)
            };
            Assessed {
                any: !latest.is_empty(),
                due: valid.len() < latest.len(),
                rank: valid.iter().filter_map(|a| rank(a)).max(),
                latest_valid: valid.iter().map(|a| a.assessed_on).max(),
            }
        };
        let living: Vec<&PersonFields> = members.iter().filter(|p| alive(p)).collect();
        let size = living.len() as i64;
        let counted = |f: &dyn Fn(&Assessed) -> bool| living.iter().filter(|p| f(&assessed(p))).count() as i64;
        let missing_income = living.iter().any(|p| p.income.is_none() && age(p).is_some_and(|a| a >= 18));
        let income: i64 = living.iter().filter_map(|p| p.income.map(|r| r.get())).sum();
        for p in &members {
            let a = assessed(p);
            let months = a.latest_valid.map(|d| {
                (i64::from(day.year()) - i64::from(d.year())) * 12 + i64::from(u8::from(day.month()))
                    - i64::from(u8::from(d.month()))
                    - i64::from(day.day() < d.day())
            });
            let severity_name = |r: i64| tavana_domain::registry::Severity::ALL[r as usize - 1].code().to_string();
            let values: HashMap<&'static str, Value> = [
                ("person.age", age(p).map_or(Value::Null, Value::Int)),
                ("person.sex", Value::Str(p.sex.code().into())),
                ("person.alive", Value::Bool(alive(p))),
                ("person.marital_status", p.marital_status.map_or(Value::Null, |v| Value::Str(v.code().into()))),
                ("person.education", p.education.map_or(Value::Null, |v| Value::Str(v.code().into()))),
                ("person.employment", p.employment.map_or(Value::Null, |v| Value::Str(v.code().into()))),
                ("person.relationship", Value::Str(p.relationship.code().into())),
                (
                    "person.income",
                    p.income.map(|r| r.get()).filter(|i| (0..=MAX_INCOME).contains(i)).map_or(Value::Null, Value::Int),
                ),
                ("person.income_decile", p.income_decile.map_or(Value::Null, |d| Value::Int(i64::from(d)))),
                ("person.has_sheba", Value::Bool(p.sheba.is_some())),
                ("household.size", Value::Int(size)),
                ("household.members_with_disability", Value::Int(counted(&|a| a.rank.is_some()))),
                ("household.members_with_severe_disability", Value::Int(counted(&|a| a.rank.is_some_and(|r| r >= 3)))),
                ("household.members_reassessment_due", Value::Int(counted(&|a| a.due))),
                (
                    "household.female_headed",
                    Value::Bool(living.iter().any(|m| {
                        m.relationship == tavana_domain::registry::Relationship::Head
                            && m.sex == tavana_domain::registry::Sex::Female
                    })),
                ),
                ("household.income", if missing_income { Value::Null } else { Value::Int(income) }),
                ("household.income_per_member", if missing_income { Value::Null } else { Value::Int(income / size) }),
                ("disability.assessed", Value::Bool(a.rank.is_some())),
                (
                    "disability.severity",
                    match (a.any, a.due) {
                        (false, _) => Value::Str("none".into()),
                        (true, true) => Value::Null,
                        (true, false) => a.rank.map_or(Value::Null, |r| Value::Str(severity_name(r))),
                    },
                ),
                (
                    "disability.severity_rank",
                    match (a.any, a.due) {
                        (false, _) => Value::Int(0),
                        (true, true) => Value::Null,
                        (true, false) => a.rank.map_or(Value::Null, Value::Int),
                    },
                ),
                ("disability.reassessment_due", Value::Bool(a.due)),
                (
                    "disability.months_since_assessment",
                    months.filter(|m| (0..=12 * MAX_AGE).contains(m)).map_or(Value::Null, Value::Int),
                ),
                ("place.province", Value::Str(place[..2].to_string())),
                ("place.county", Value::Str(place[..5].to_string())),
                ("place.rural", Value::Bool(place.contains("-V"))),
            ]
            .into_iter()
            .collect();
            out.insert(p.national_code.as_string(), values);
        }
    }
    out
}

#[tokio::test]
async fn sql_and_rust_agree_on_every_variable_and_every_outcome() {
    let db = seeded().await;
    let store = &db.store;
    let registrar = user(store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
    let households = load_population(store, &registrar, 400, 5).await;
    let as_of = store.default_as_of().unwrap();

    // The variables, person by person, against their meaning computed here.
    let everyone = store.rule_values(&officer, None, as_of).await.unwrap();
    assert_eq!(everyone.len(), 400);
    let ids: Vec<i64> = everyone.iter().map(|(id, _)| *id).collect();
    let codes: HashMap<i64, String> =
        store.person_summaries(&officer, &ids).await.unwrap().into_iter().map(|s| (s.id, s.national_code)).collect();
    let expected = expected_values(&households, store.today(), as_of);
    let mut disagreements = Vec::new();
    for (id, values) in &everyone {
        let mine = &expected[&codes[id]];
        for v in VARIABLES {
            if values[v.name] != mine[v.name] {
                disagreements
                    .push(format!("{}: {} SQL {:?}, Rust {:?}", codes[id], v.name, values[v.name], mine[v.name]));
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements[..disagreements.len().min(20)].join("\n")
    );
    // The population exercises what the variables distinguish.
    let some = |name: &str, f: &dyn Fn(&Value) -> bool| everyone.iter().filter(|(_, v)| f(&v[name])).count();
    assert!(some("disability.reassessment_due", &|v| *v == Value::Bool(true)) > 0, "expired assessments");
    assert!(some("disability.severity", &|v| *v == Value::Str("none".into())) > 0);
    assert!(some("household.income", &|v| *v == Value::Null) > 0, "unknown household incomes");
    assert!(some("household.income", &|v| matches!(v, Value::Int(_))) > 0);

    // Random checked rules and formulas: the same outcome and amount for everyone,
    // compiled and interpreted.
    let mut rng = Rng::new(2026);
    let (mut refused, mut split, mut undecided) = (0, 0, 0);
    for round in 0..100 {
        let (rule, refusals) = checked_rule(&mut rng);
        refused += refusals;
        let formula = checked_formula(&mut rng);
        let target = if round % 3 == 0 { ProgramTarget::Household } else { ProgramTarget::Person };
        let terms = Terms::new(target, rule, formula);
        let compiled: HashMap<i64, (Outcome, Option<i64>)> = store
            .outcomes(&officer, &terms, as_of)
            .await
            .unwrap_or_else(|err| panic!("{} / {}: {err:?}", terms.rule.to_text(), terms.formula.to_text()))
            .into_iter()
            .map(|o| (o.id, (o.outcome, o.amount)))
            .collect();
        for (id, values) in &everyone {
            let interpreted = terms.decide(&|n| values.get(n).cloned().unwrap_or(Value::Null));
            let compiled = compiled.get(id).copied().unwrap_or((Outcome::NotEligible, None));
            let interpreted = if interpreted.0 == Outcome::Eligible { interpreted } else { (interpreted.0, None) };
            assert_eq!(
                compiled,
                interpreted,
                "person {id}: rule {} formula {}",
                terms.rule.to_text(),
                terms.formula.to_text()
            );
        }
        let eligible = compiled.values().filter(|o| o.0 == Outcome::Eligible).count();
        if eligible > 0 && eligible < 400 {
            split += 1;
        }
        if compiled.values().any(|o| o.0 == Outcome::NeedsInformation) {
            undecided += 1;
        }
    }
    assert!(split >= 15, "only {split} rules split the population");
    assert!(undecided >= 5, "only {undecided} rules met a missing value");
    assert!(refused > 0, "no rule drawn was refused: the large numbers are not reaching the checker");
}

/// Over random registries and random programs, every path decides the same for
/// every person: the simulation's totals, the proposal's lists, each explanation,
/// and what confirmation enrolls or refuses, against the outcomes computed in SQL.
#[tokio::test]
async fn simulation_proposals_confirmation_and_explanation_agree() {
    use tavana_domain::programs::{ProgramFields, RawProgram, Refusal};
    let mut rng = Rng::new(1405);
    let mut nontrivial = 0;
    for round in 0..3u64 {
        let db = seeded().await;
        let store = &db.store;
        let registrar = user(store, "registrar", "HQ", Role::CaseWorker).await;
        let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
        load_population(store, &registrar, 150 + rng.below(150), 100 + round).await;
        let as_of = store.default_as_of().unwrap();
        let mut programs = 0;
        while programs < 3 {
            let (rule, _) = checked_rule(&mut rng);
            let formula = checked_formula(&mut rng);
            let target = if rng.below(2) == 0 { "household" } else { "person" };
            let raw = RawProgram {
                code: format!("P{round}{programs}"),
                name_fa: "برنامهٔ آزمایشی".into(),
                name_en: "Random program".into(),
                kind: "cash_benefit".into(),
                target: target.into(),
                rule: rule.to_text(),
                formula: formula.to_text(),
                ..Default::default()
            };
            let Ok(fields) = ProgramFields::parse(&raw) else { continue };
            let program = store.create_program(&officer, &fields, "random").await.unwrap();
            crate::support::activate(store, program.id).await;
            let terms = program.terms().unwrap();
            let outcomes = store.outcomes(&officer, &terms, as_of).await.unwrap();
            let of = |o: Outcome| -> Vec<i64> { outcomes.iter().filter(|x| x.outcome == o).map(|x| x.id).collect() };
            let (eligible, undecided) = (of(Outcome::Eligible), of(Outcome::NeedsInformation));
            let what = format!("{} / {} ({target})", raw.rule, raw.formula);
            nontrivial += usize::from(!eligible.is_empty());

            // The simulation of its own terms.
            let simulation = store
                .simulate_program(&officer, program.id, fields.rule.clone(), fields.formula.clone(), as_of)
                .await
                .unwrap();
            let sum = |f: fn(&tavana_store::programs::SimulationRow) -> i64| simulation.rows.iter().map(f).sum::<i64>();
            assert_eq!(sum(|r| r.eligible), eligible.len() as i64, "{what}");
            assert_eq!(sum(|r| r.needs_information), undecided.len() as i64, "{what}");
            let cost: i64 = outcomes.iter().filter_map(|o| o.amount).sum();
            assert_eq!(sum(|r| r.monthly_cost), cost, "{what}");
            assert_eq!(sum(|r| r.gainers + r.losers), 0, "{what}");

            // The proposal.
            let proposal = store.propose_enrollments(&officer, program.id, as_of).await.unwrap();
            assert_eq!(proposal.to_enroll, eligible, "{what}");
            let amounts: Vec<i64> = proposal
                .to_enroll
                .iter()
                .map(|id| outcomes.iter().find(|o| o.id == *id).and_then(|o| o.amount).unwrap_or(-1))
                .collect();
            assert_eq!(proposal.amounts, amounts, "{what}: each proposed person's amount");
            assert_eq!(proposal.needs_information, undecided, "{what}");

            // Explanations, for a sample of everyone.
            let everyone = store.rule_values(&officer, None, as_of).await.unwrap();
            for (id, _) in everyone.iter().filter(|(id, _)| id % 7 == round as i64) {
                let x = store.explain_eligibility(&officer, program.id, *id, as_of).await.unwrap();
                let expected = outcomes
                    .iter()
                    .find(|o| o.id == *id)
                    .map_or((Outcome::NotEligible, None), |o| (o.outcome, o.amount));
                assert_eq!((x.outcome, x.amount), expected, "{what}: person {id}");
            }

            // Confirmation of everyone: the eligible enrolled, every other refused
            // with the outcome's reason.
            let all: Vec<i64> = everyone.iter().map(|(id, _)| *id).collect();
            let request = tavana_store::programs::ConfirmRequest {
                persons: tavana_store::programs::Persons::Listed(&all),
                reasons: "random",
                legal_basis: "test",
                as_of,
            };
            let done = store.confirm_enrollments(&officer, program.id, &request).await.unwrap();
            assert_eq!(done.enrolled, eligible.len() as u64, "{what}");
            for (id, why) in &done.refused {
                let expected = match outcomes.iter().find(|o| o.id == *id).map(|o| o.outcome) {
                    Some(Outcome::NeedsInformation) => Refusal::NeedsInformation,
                    _ => Refusal::NotEligible,
                };
                assert_eq!(*why, expected, "{what}: person {id}");
            }
            // Each decision records the values the terms read, as the interpreter
            // read them (the record is built in SQL), and the day.
            let decisions = store.program_decisions(&officer, program.id, 10_000).await.unwrap();
            assert_eq!(decisions.len(), eligible.len(), "{what}");
            for d in &decisions {
                let inputs: serde_json::Value = serde_json::from_str(d.inputs.as_deref().unwrap()).unwrap();
                let inputs = inputs.as_object().unwrap();
                assert_eq!(inputs["as_of"], as_of.to_ascii(), "{what}");
                assert!(inputs.contains_key("person.alive"), "{what}: {inputs:?}");
                let values = &everyone.iter().find(|(id, _)| *id == d.person_id).unwrap().1;
                for (name, value) in inputs.iter().filter(|(name, _)| *name != "as_of") {
                    assert_eq!(*value, json_of(&values[name.as_str()]), "{what}: person {} {name}", d.person_id);
                }
            }
            programs += 1;
        }
    }
    assert!(nontrivial >= 2, "only {nontrivial} programs enrolled anyone");
}

/// `min`, `max` and `?:` nested as deep as a rule may nest compile to SQL that
/// grows with the rule, not doubling per level: before, each level wrote its
/// operands twice, so a 154-character formula exhausted the server's memory.
/// The nested formula is accepted, and SQL agrees with the interpreter.
#[tokio::test]
async fn nested_min_max_and_conditions_compile_linearly() {
    let db = seeded().await;
    let store = &db.store;
    let registrar = user(store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
    load_population(store, &registrar, 60, 7).await;
    let as_of = store.default_as_of().unwrap();
    let mut formula = "person.age".to_string();
    for level in 0..20 {
        formula = match level % 3 {
            0 => format!("min({formula} + 1, person.age * 2 + {level})"),
            1 => format!("max(person.age - {level}, {formula} - 1)"),
            _ => format!("(household.size > {level} && person.age > 3 ? {formula} : 5)"),
        };
    }
    let formula = format!("max(0, {formula})");
    let parsed = parse_as(&formula, Subject::Formula).unwrap_or_else(|e| panic!("{formula}: {}", e.message_en));
    let terms = Terms::new(ProgramTarget::Person, parse_as("person.age >= 0", Subject::Rule).unwrap(), parsed);
    let compiled = store.outcomes(&officer, &terms, as_of).await.unwrap();
    let everyone = store.rule_values(&officer, None, as_of).await.unwrap();
    assert_eq!(compiled.len(), everyone.len());
    for (id, values) in &everyone {
        let (outcome, amount) = terms.decide(&|n| values.get(n).cloned().unwrap_or(Value::Null));
        let sql = compiled.iter().find(|o| o.id == *id).unwrap();
        assert_eq!((sql.outcome, sql.amount), (outcome, amount.filter(|_| outcome == Outcome::Eligible)), "{id}");
    }
}

/// A rule value as the decision record writes it.
fn json_of(value: &tavana_domain::programs::rule::Value) -> serde_json::Value {
    use tavana_domain::programs::rule::Value;
    match value {
        Value::Int(n) => serde_json::Value::from(*n),
        Value::Str(s) => serde_json::Value::from(s.as_str()),
        Value::Bool(b) => serde_json::Value::from(*b),
        Value::List(items) => serde_json::Value::Array(items.iter().map(json_of).collect()),
        Value::Null => serde_json::Value::Null,
    }
}
