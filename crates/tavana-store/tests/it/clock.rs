//! One injected clock: the store decides "today" and stamps instants by it, so a
//! test sets the date and nothing reads the system time behind its back.

use crate::support::{seeded, user};
use tavana_domain::iam::Role;
use tavana_domain::programs::parse_rule;
use tavana_domain::registry::{HouseholdFields, PersonFields, RawHousehold, RawPerson};
use tavana_store::Clock;
use time::macros::datetime;

#[tokio::test]
async fn ages_and_audit_times_follow_the_store_s_clock() {
    let db = seeded().await;
    let before = db.store.with_clock(Clock::Fixed(datetime!(2026-11-26 12:00 UTC)));
    let after = db.store.with_clock(Clock::Fixed(datetime!(2026-11-27 12:00 UTC)));
    let worker = user(&before, "worker", "C08-01", Role::CaseWorker).await;
    let officer = user(&before, "officer", "HQ", Role::ProgramOfficer).await;
    let household = RawHousehold { file_number: "K-1".into(), place: "08-01-C".into(), ..Default::default() };
    before.create_household(&worker, &HouseholdFields::parse(&household).unwrap(), "registration").await.unwrap();
    let raw = RawPerson {
        national_code: "0012345679".into(),
        household: "K-1".into(),
        relationship: "head".into(),
        first_name: "سارا".into(),
        last_name: "احمدی".into(),
        father_name: "علی".into(),
        birth_date: "2008-11-27".into(),
        sex: "female".into(),
        ..Default::default()
    };
    let person = before
        .register_person(&worker, &PersonFields::parse(&raw, before.today()).unwrap(), "registration")
        .await
        .unwrap();
    let adult = parse_rule("rule", "person.age >= 18").unwrap();
    assert_eq!(before.today(), time::macros::date!(2026 - 11 - 26));
    assert!(before.eligible_persons(&officer, &adult).await.unwrap().is_empty(), "17 on the 26th");
    assert_eq!(after.eligible_persons(&officer, &adult).await.unwrap(), [person.id], "18 on the 27th");
    let auditor = user(&after, "auditor", "HQ", Role::Auditor).await;
    let entries = after.recent_audit_entries(&auditor, 1).await.unwrap();
    assert_eq!(entries[0].at, datetime!(2026-11-27 12:00 UTC).unix_timestamp() * 1_000_000);
}
