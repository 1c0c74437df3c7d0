//! The outbox: a registry change and its event are one transaction; a crash
//! between the change and its consumer loses nothing, and consumers that run again
//! raise every flag once.

use crate::support::{confirm, seeded, user};
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
    store
        .set_program_status(officer, program.id, tavana_domain::programs::ProgramStatus::Active, "approved")
        .await
        .unwrap();
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
    let stricter = tavana_domain::programs::RawProgram {
        code: current.code.clone(),
        name_fa: current.name_fa.clone(),
        name_en: current.name_en.clone(),
        kind: current.kind.code().into(),
        target: current.target.code().into(),
        rule: r#"disability.severity == "very_severe" && person.alive"#.into(),
        formula: current.formula.clone(),
        ..Default::default()
    };
    let fields = tavana_domain::programs::ProgramFields::parse(&stricter).unwrap();
    store.update_program(&officer, program, &fields, current.version, "budget cut").await.unwrap();
    let reviews = store.open_reviews(&officer, program).await.unwrap();
    assert_eq!(reviews.iter().map(|r| (r.person_id, r.reason.as_str())).collect::<Vec<_>>(), [(person, "budget cut")]);
}

async fn pending(store: &Store) -> i64 {
    store.count_rows_for_tests("outbox WHERE consumed_at IS NULL").await.unwrap()
}
