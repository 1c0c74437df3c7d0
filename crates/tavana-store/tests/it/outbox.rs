//! The outbox: a registry change and its event are one transaction; a crash
//! between the change and its consumer loses nothing, and consumers that run again
//! raise every flag once.

use crate::support::{activate, change_program, confirm, seeded, user};
use tavana_domain::iam::{Actor, Role};
use tavana_domain::registry::{
    DisabilityFields, HouseholdFields, PersonFields, RawDisability, RawHousehold, RawPerson,
};
use tavana_store::audit::ChainReport;
use tavana_store::{Consumers, Store};
use time::macros::date;

const TODAY: time::Date = date!(2026 - 11 - 26);

fn raw_person(code: &str, deceased_on: &str) -> RawPerson {
    RawPerson {
        national_code: code.into(),
        household: "O-1".into(),
        relationship: "head".into(),
        first_name: "زهرا".into(),
        last_name: "کریمی".into(),
        father_name: "حسن".into(),
        birth_date: "1360/05/12".into(),
        sex: "female".into(),
        deceased_on: deceased_on.into(),
        ..Default::default()
    }
}

/// A person assessed severe, enrolled in a travel-discount program.
pub(crate) async fn enrolled(store: &Store, worker: &Actor, officer: &Actor) -> (i64, i64) {
    let household = RawHousehold { file_number: "O-1".into(), place: "08-01-C".into(), ..Default::default() };
    store.create_household(worker, &HouseholdFields::parse(&household).unwrap(), "registration").await.unwrap();
    let fields = PersonFields::parse(&raw_person("0012345679", ""), TODAY).unwrap();
    let person = store.register_person(worker, &fields, "registration").await.unwrap();
    let assessment = RawDisability {
        national_code: "0012345679".into(),
        kind: "motor".into(),
        severity: "severe".into(),
        commission: "کمیسیون تهران".into(),
        assessed_on: "1405/01/10".into(),
        ..Default::default()
    };
    store.add_disability(worker, &DisabilityFields::parse(&assessment, TODAY).unwrap(), "assessment").await.unwrap();
    let raw = tavana_domain::programs::RawProgram {
        code: "travel".into(),
        name_fa: "تخفیف سفر".into(),
        name_en: "Travel discount".into(),
        kind: "discount".into(),
        target: "person".into(),
        rule: r#"disability.severity in ["severe", "very_severe"] && person.alive"#.into(),
        formula: "0".into(),
        ..Default::default()
    };
    let fields = tavana_domain::programs::ProgramFields::parse(&raw).unwrap();
    let program = store.create_program(officer, &fields, "new").await.unwrap();
    activate(store, program.id).await;
    confirm(store, officer, program.id, &[person.id], "assessed severe", "art. 27").await.unwrap();
    (program.id, person.id)
}

#[tokio::test]
async fn a_change_whose_consumer_never_ran_is_flagged_once_when_consumers_run_again() {
    let db = seeded().await;
    let worker = user(&db.store, "worker", "C08-01", Role::CaseWorker).await;
    let officer = user(&db.store, "officer", "HQ", Role::ProgramOfficer).await;
    let (program, person) = enrolled(&db.store, &worker, &officer).await;

    // The change commits; its consumer does not run (as when the process is killed
    // right after the commit).
    let crashed = db.store.with_consumers(Consumers::Deferred);
    let current = crashed.person(&worker, person).await.unwrap();
    let died = PersonFields::parse(&raw_person("0012345679", "1405/08/01"), TODAY).unwrap();
    crashed.update_person(&worker, person, &died, current.version, "death certificate").await.unwrap();
    assert!(db.store.open_reviews(&officer, program).await.unwrap().is_empty(), "the consumer has not run");
    assert_eq!(pending(&db.store).await, 1, "the event was committed with the change");
    crashed.close().await;

    // Started again: the store consumes what was left and raises the flag.
    let restarted = Store::open(&db.url).await.unwrap();
    let reviews = restarted.open_reviews(&officer, program).await.unwrap();
    assert_eq!(
        reviews.iter().map(|r| (r.person_id, r.reason.as_str())).collect::<Vec<_>>(),
        [(person, "death certificate")]
    );
    assert_eq!(pending(&restarted).await, 0);

    // Consumers that run again, or a second change of the same person, raise no
    // second flag while the first is open.
    assert_eq!(restarted.run_outbox().await.unwrap(), 0);
    let current = restarted.person(&worker, person).await.unwrap();
    let fields = PersonFields::parse(
        &RawPerson { phone: "09120000000".into(), ..raw_person("0012345679", "1405/08/01") },
        TODAY,
    )
    .unwrap();
    restarted.update_person(&worker, person, &fields, current.version, "new phone").await.unwrap();
    assert_eq!(restarted.open_reviews(&officer, program).await.unwrap().len(), 1);
    assert_eq!(pending(&restarted).await, 0);
    // The flag names the enrollment and the person in the audit chain, which stays whole.
    let flags = restarted.count_rows_for_tests("audit_log WHERE action = 'enrollment.flag'").await.unwrap();
    assert_eq!(flags, 1);
    assert!(matches!(restarted.verify_audit_chain().await.unwrap(), ChainReport::Intact { .. }));
}

#[tokio::test]
async fn a_stricter_rule_flags_the_enrollments_it_ends() {
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
    let (program, person) = enrolled(store, &worker, &officer).await;
    let current = store.program(&officer, program).await.unwrap();
    let fields = redefined(&current, r#"disability.severity == "very_severe" && person.alive"#, &current.formula);
    change_program(store, &officer, program, &fields, "budget cut").await.unwrap();
    let reviews = store.open_reviews(&officer, program).await.unwrap();
    assert_eq!(reviews.iter().map(|r| (r.person_id, r.reason.as_str())).collect::<Vec<_>>(), [(person, "budget cut")]);
}

async fn pending(store: &Store) -> i64 {
    store.count_rows_for_tests("outbox WHERE consumed_at IS NULL").await.unwrap()
}

/// A member of the household "O-1" (or `household`), with a national code and a
/// relationship to its head.
fn member(code: &str, household: &str, relationship: &str, deceased_on: &str) -> RawPerson {
    RawPerson {
        household: household.into(),
        relationship: relationship.into(),
        first_name: "علی".into(),
        sex: "male".into(),
        birth_date: "1395/02/01".into(),
        ..raw_person(code, deceased_on)
    }
}

/// A household pension is decided on the household: a member's death, a disabled
/// child's move and a new member re-decide the head's enrollment. Losses are
/// flagged for an officer; a changed amount is recomputed and kept with its basis.
/// Before, only the edited person's own enrollments were looked at, and a head kept
/// the frozen amount with no eligible member left.
#[tokio::test]
async fn a_household_enrollment_follows_its_members() {
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
    for file in ["O-1", "O-2"] {
        let household = RawHousehold { file_number: file.into(), place: "08-01-C".into(), ..Default::default() };
        store.create_household(&worker, &HouseholdFields::parse(&household).unwrap(), "registration").await.unwrap();
    }
    let head = store
        .register_person(&worker, &PersonFields::parse(&raw_person("0012345679", ""), TODAY).unwrap(), "registration")
        .await
        .unwrap();
    let mut children = Vec::new();
    for code in ["1234567891", "0076229017"] {
        let fields = PersonFields::parse(&member(code, "O-1", "child", ""), TODAY).unwrap();
        children.push(store.register_person(&worker, &fields, "registration").await.unwrap());
        let assessment = RawDisability {
            national_code: code.into(),
            kind: "intellectual".into(),
            severity: "very_severe".into(),
            assessed_on: "1404/01/10".into(),
            ..Default::default()
        };
        store
            .add_disability(&worker, &DisabilityFields::parse(&assessment, TODAY).unwrap(), "assessment")
            .await
            .unwrap();
    }
    let raw = tavana_domain::programs::RawProgram {
        code: "PENSION".into(),
        name_fa: "مستمری".into(),
        name_en: "Pension".into(),
        kind: "cash_benefit".into(),
        target: "household".into(),
        rule: "household.members_with_severe_disability >= 1".into(),
        formula: "20000000 + 5000000 * min(household.size, 5) + 10000000 * household.members_with_severe_disability"
            .into(),
        ..Default::default()
    };
    let fields = tavana_domain::programs::ProgramFields::parse(&raw).unwrap();
    let program = store.create_program(&officer, &fields, "new").await.unwrap().id;
    activate(store, program).await;
    let done = confirm(store, &officer, program, &[head.id], "two disabled children", "art. 27").await.unwrap();
    assert_eq!(done.enrolled, 1);
    let amount = async || store.enrollment(&officer, program, head.id).await.unwrap().amount_rials;
    assert_eq!(amount().await, Some(20_000_000 + 3 * 5_000_000 + 2 * 10_000_000));

    // A child is born: the household is larger, the amount follows.
    let fields = PersonFields::parse(&member("0499370899", "O-1", "child", ""), TODAY).unwrap();
    store.register_person(&worker, &fields, "birth certificate").await.unwrap();
    assert_eq!(amount().await, Some(20_000_000 + 4 * 5_000_000 + 2 * 10_000_000));
    let changes = store
        .count_rows_for_tests(&format!(
            "amount_changes WHERE program_id = {program} AND from_amount = 55000000 AND to_amount = 60000000 \
             AND reason = 'birth certificate' AND inputs LIKE '%\"household.size\":4%'"
        ))
        .await
        .unwrap();
    assert_eq!(changes, 1, "the new amount is kept with what it rested on");

    // A disabled child dies: still eligible (one remains), at a lower amount.
    let dying = &children[0];
    let fields = PersonFields::parse(&member("1234567891", "O-1", "child", "1405/08/01"), TODAY).unwrap();
    store.update_person(&worker, dying.id, &fields, dying.version, "death certificate").await.unwrap();
    assert_eq!(amount().await, Some(20_000_000 + 3 * 5_000_000 + 10_000_000));
    assert!(store.open_reviews(&officer, program).await.unwrap().is_empty());

    // The other disabled child moves to another household: no severely disabled
    // member is left, and the head's enrollment is flagged with the move's reason.
    let moving = store.person(&worker, children[1].id).await.unwrap();
    let fields = PersonFields::parse(&member("0076229017", "O-2", "head", ""), TODAY).unwrap();
    store.update_person(&worker, moving.id, &fields, moving.version, "moved out").await.unwrap();
    let reviews = store.open_reviews(&officer, program).await.unwrap();
    assert_eq!(reviews.iter().map(|r| (r.person_id, r.reason.as_str())).collect::<Vec<_>>(), [(head.id, "moved out")]);
    // Flagged, not ended, and its amount is left for the officer's decision.
    let enrollment = store.enrollment(&officer, program, head.id).await.unwrap();
    assert_eq!(enrollment.state, tavana_domain::programs::EnrollmentState::Enrolled);
    assert!(matches!(store.verify_audit_chain().await.unwrap(), ChainReport::Intact { .. }));
}

/// A new formula recomputes the amounts of the enrollments it applies to.
#[tokio::test]
async fn a_new_formula_recomputes_amounts() {
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
    let (program, person) = enrolled(store, &worker, &officer).await;
    let current = store.program(&officer, program).await.unwrap();
    let fields = redefined(&current, &current.rule, "750000");
    change_program(store, &officer, program, &fields, "indexed to inflation").await.unwrap();
    assert_eq!(store.enrollment(&officer, program, person).await.unwrap().amount_rials, Some(750_000));
    let audited = store.count_rows_for_tests("audit_log WHERE action = 'enrollment.amount'").await.unwrap();
    assert_eq!(audited, 1);
}

/// A program's definition with a new rule and formula.
fn redefined(
    current: &tavana_store::programs::Program,
    rule: &str,
    formula: &str,
) -> tavana_domain::programs::ProgramFields {
    let raw = tavana_domain::programs::RawProgram {
        code: current.code.clone(),
        name_fa: current.name_fa.clone(),
        name_en: current.name_en.clone(),
        kind: current.kind.code().into(),
        target: current.target.code().into(),
        rule: rule.into(),
        formula: formula.into(),
        ..Default::default()
    };
    tavana_domain::programs::ProgramFields::parse(&raw).unwrap()
}
