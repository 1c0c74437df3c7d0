//! Human resources as HR officers keep them: positions per unit, staff with
//! every bad field named and kept to the officer's subtree, a unit's org chart,
//! and the succession risk of critical positions. On SQLite and PostgreSQL.

use crate::support::{seeded, user};
use tavana_domain::hr::{PositionFields, RawPosition, RawStaff, Readiness, StaffFields, SuccessionRisk};
use tavana_domain::iam::Role;
use tavana_store::{Clock, StoreError};

const DAY_ONE: time::OffsetDateTime = time::macros::datetime!(2026-11-27 12:00 UTC);

fn field_of(e: &StoreError) -> &str {
    match e {
        StoreError::Invalid(d) => d.field,
        _ => "",
    }
}

fn position(code: &str, unit: &str, critical: bool) -> PositionFields {
    let raw = RawPosition {
        code: code.into(),
        title: format!("سمت {code}"),
        unit: unit.into(),
        critical: if critical { "true" } else { "false" }.into(),
    };
    PositionFields::parse(&raw).unwrap()
}

/// A valid national code from nine digits.
fn national_code(n: u32) -> String {
    let digits: Vec<u32> = format!("{n:09}").chars().map(|c| c.to_digit(10).unwrap()).collect();
    let sum: u32 = digits.iter().enumerate().map(|(i, d)| d * (10 - i as u32)).sum();
    let r = sum % 11;
    format!("{n:09}{}", if r < 2 { r } else { 11 - r })
}

fn staff(number: &str, code: u32, unit: &str, position: &str, retires: &str) -> StaffFields {
    let raw = RawStaff {
        personnel_number: number.into(),
        national_code: national_code(code),
        first_name: "علی".into(),
        last_name: format!("کارمند {number}"),
        unit: unit.into(),
        position: position.into(),
        grade: "10".into(),
        employment_type: "permanent".into(),
        hire_date: "1380/01/15".into(),
        retirement_date: retires.into(),
    };
    StaffFields::parse(&raw, DAY_ONE.date()).unwrap()
}

#[tokio::test]
async fn staff_positions_and_the_succession_risk_of_critical_posts() {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(DAY_ONE));
    let hr = user(&store, "hr", "HQ", Role::HrOfficer).await;
    let tehran_hr = user(&store, "tehran.hr", "P08", Role::HrOfficer).await;
    let fars_hr = user(&store, "fars.hr", "P17", Role::HrOfficer).await;
    let worker = user(&store, "worker", "C08-01", Role::CaseWorker).await;
    let auditor = user(&store, "auditor", "HQ", Role::Auditor).await;

    // Positions, each in a unit the officer reaches.
    assert!(matches!(
        store.create_position(&worker, &position("X", "C08-01", false)).await,
        Err(StoreError::Forbidden(_))
    ));
    let outside = store.create_position(&fars_hr, &position("P08-DG", "P08", true)).await.unwrap_err();
    assert_eq!(field_of(&outside), "unit");
    let dg = store.create_position(&tehran_hr, &position("P08-DG", "P08", true)).await.unwrap();
    let head = store.create_position(&tehran_hr, &position("C08-01-HEAD", "C08-01", true)).await.unwrap();
    store.create_position(&tehran_hr, &position("C08-01-EXP", "C08-01", false)).await.unwrap();
    let twice = store.create_position(&hr, &position("P08-DG", "P08", false)).await.unwrap_err();
    assert_eq!(field_of(&twice), "code");

    // Staff: the director general retires within two years; the county head in ten.
    let ids = store
        .add_staff(
            &tehran_hr,
            &[
                staff("100001", 12_345_001, "P08", "P08-DG", "1406/06/01"),
                staff("100002", 12_345_002, "C08-01", "C08-01-HEAD", "1415/01/01"),
                staff("100003", 12_345_003, "C08-01", "C08-01-EXP", "1420/01/01"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 3);
    let again = store.add_staff(&tehran_hr, &[staff("100001", 12_345_004, "P08", "", "1420/01/01")]).await;
    assert_eq!(field_of(&again.unwrap_err()), "personnel_number");
    let held = store.add_staff(&tehran_hr, &[staff("100004", 12_345_005, "P08", "P08-DG", "1420/01/01")]).await;
    assert_eq!(field_of(&held.unwrap_err()), "position", "one holder a position");
    let elsewhere = store.add_staff(&tehran_hr, &[staff("100005", 12_345_006, "C08-01", "P08-DG", "1420/01/01")]).await;
    assert_eq!(field_of(&elsewhere.unwrap_err()), "position", "a position of another unit");
    let far = store.add_staff(&fars_hr, &[staff("100006", 12_345_007, "P08", "", "1420/01/01")]).await;
    assert_eq!(field_of(&far.unwrap_err()), "unit");

    // The org chart of the province: its positions with holders, its counties with their staff.
    let p08 = store.org_unit_by_code("P08").await.unwrap();
    let chart = store.org_chart(&tehran_hr, p08.id).await.unwrap();
    assert_eq!(chart.positions.len(), 1);
    assert_eq!(chart.positions[0].holder.as_deref(), Some("علی کارمند 100001"));
    let c0801 = store.org_unit_by_code("C08-01").await.unwrap();
    assert!(chart.children.iter().any(|(id, _, count)| *id == c0801.id && *count == 2), "{:?}", chart.children);
    assert!(matches!(store.org_chart(&fars_hr, p08.id).await, Err(StoreError::NotFound)));

    // Succession: both critical posts lack a ready successor; the retiring one is high risk.
    let risks = store.succession_risks(&hr, 2).await.unwrap();
    let of = |risks: &[tavana_store::hr::AtRisk]| {
        risks.iter().map(|r| (r.position.code.clone(), r.risk)).collect::<Vec<_>>()
    };
    assert_eq!(
        of(&risks),
        [("P08-DG".to_string(), SuccessionRisk::High), ("C08-01-HEAD".to_string(), SuccessionRisk::NoReadySuccessor)]
    );
    let plan = "دورهٔ مدیریت میانی و جانشینی شش‌ماهه";
    let holder_himself = store.name_successor(&tehran_hr, head.id, "100002", Readiness::ReadyNow, plan, None).await;
    assert_eq!(field_of(&holder_himself.unwrap_err()), "personnel_number");
    store.name_successor(&tehran_hr, head.id, "100003", Readiness::ReadyNow, plan, None).await.unwrap();
    store.name_successor(&tehran_hr, dg.id, "100002", Readiness::OneToTwoYears, plan, None).await.unwrap();
    let risks = store.succession_risks(&hr, 2).await.unwrap();
    assert_eq!(
        of(&risks),
        [("P08-DG".to_string(), SuccessionRisk::High)],
        "a candidate not ready now does not cover it"
    );
    store.name_successor(&tehran_hr, dg.id, "100002", Readiness::ReadyNow, plan, None).await.unwrap();
    let risks = store.succession_risks(&hr, 2).await.unwrap();
    assert_eq!(of(&risks), [("P08-DG".to_string(), SuccessionRisk::HolderRetiring)]);
    assert!(store.succession_risks(&fars_hr, 2).await.unwrap().is_empty(), "another province's posts are not shown");
    let too_far = store.succession_risks(&hr, 11).await.unwrap_err();
    assert_eq!(field_of(&too_far), "years");

    // A position's file names its holder and candidates: a logged read.
    let file = store.position(&hr, dg.id).await.unwrap();
    assert_eq!(file.holder.map(|h| h.personnel_number).as_deref(), Some("100001"));
    assert_eq!((file.successors.len(), file.successors[0].readiness), (1, Readiness::ReadyNow));
    let reads = store.recent_reads(&auditor, 20).await.unwrap();
    assert!(
        reads.iter().any(|r| r.object_type == "position"
            && r.after_json.as_deref().unwrap_or_default().contains("\"data\":\"staff\""))
    );
    let found = store.staff(&hr, None, "100003", 10).await.unwrap();
    assert_eq!(found.len(), 1);
    let added = store.audit_entries(&auditor, Some("staff.add"), 5).await.unwrap();
    assert!(added[0].after_json.as_deref().unwrap().contains("100002"));
}
