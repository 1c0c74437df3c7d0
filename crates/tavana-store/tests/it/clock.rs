//! One injected clock: the store decides "today" and stamps instants by it, so a
//! test sets the date and nothing reads the system time behind its back.

use crate::support::{seeded, user};
use tavana_domain::iam::Role;
use tavana_domain::jalali::JalaliDate;
use tavana_domain::programs::parse_rule;
use tavana_domain::registry::{HouseholdFields, PersonFields, RawHousehold, RawPerson};
use tavana_store::Clock;
use time::macros::datetime;

/// Ages count Jalali years: born 7 Azar 1387 (2008-11-27), a person is still 17 on
/// 2026-11-27, the Gregorian anniversary, and 18 on 7 Azar 1405 (2026-11-28). The
/// clock decides "today", and the as-of day is stated.
#[tokio::test]
async fn ages_and_audit_times_follow_the_store_s_clock() {
    let db = seeded().await;
    let before = db.store.with_clock(Clock::Fixed(datetime!(2026-11-27 12:00 UTC)));
    let after = db.store.with_clock(Clock::Fixed(datetime!(2026-11-28 12:00 UTC)));
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
    assert_eq!(JalaliDate::from_gregorian(time::macros::date!(2008 - 11 - 27)).unwrap().to_ascii(), "1387/09/07");
    let adult = parse_rule("rule", "person.age >= 18").unwrap();
    let today = |s: &tavana_store::Store| JalaliDate::from_gregorian(s.today()).unwrap();
    assert_eq!(before.today(), time::macros::date!(2026 - 11 - 27));
    assert!(
        before.eligible_persons(&officer, &adult, today(&before)).await.unwrap().is_empty(),
        "17 on the Gregorian anniversary"
    );
    assert_eq!(after.eligible_persons(&officer, &adult, today(&after)).await.unwrap(), [person.id], "18 on 7 Azar");
    // By default a rule is computed as of the first day of next month: 1 Dey 1405.
    assert_eq!(before.default_as_of().unwrap().to_ascii(), "1405/10/01");
    let values = before.rule_values(&officer, Some(&[person.id]), before.default_as_of().unwrap()).await.unwrap();
    assert_eq!(values[0].1["person.age"], tavana_domain::programs::rule::Value::Int(18));
    let auditor = user(&after, "auditor", "HQ", Role::Auditor).await;
    let entries = after.recent_audit_entries(&auditor, 1).await.unwrap();
    assert_eq!(entries[0].at, datetime!(2026-11-28 12:00 UTC).unix_timestamp() * 1_000_000);
}
