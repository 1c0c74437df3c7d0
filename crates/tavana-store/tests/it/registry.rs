use crate::support::{seeded, user};
use tavana_domain::iam::Role;
use tavana_domain::registry::{
    DisabilityFields, HouseholdFields, PersonFields, RawDisability, RawHousehold, RawPerson,
};
use tavana_store::StoreError;
use tavana_store::audit::ChainReport;
use tavana_store::registry::{PersonCursor, PersonQuery};
use time::macros::date;

const TODAY: time::Date = date!(2026 - 11 - 26);

fn household(file: &str, place: &str) -> HouseholdFields {
    HouseholdFields::parse(&RawHousehold {
        file_number: file.into(),
        place: place.into(),
        phone: "02122223333".into(),
        ..Default::default()
    })
    .unwrap()
}

fn person(code: &str, household: &str, first: &str, last: &str) -> PersonFields {
    PersonFields::parse(
        &RawPerson {
            national_code: code.into(),
            household: household.into(),
            relationship: "head".into(),
            first_name: first.into(),
            last_name: last.into(),
            father_name: "حسن".into(),
            birth_date: "1360/05/12".into(),
            sex: "female".into(),
            ..Default::default()
        },
        TODAY,
    )
    .unwrap()
}

fn code(n: u32) -> String {
    let digits: [u8; 9] = std::array::from_fn(|i| ((n / 10u32.pow(8 - i as u32)) % 10) as u8);
    tavana_domain::NationalCode::from_first_nine(digits).unwrap().as_string()
}

#[tokio::test]
async fn register_search_and_scope() {
    let db = seeded().await;
    let store = &db.store;
    let tehran = user(store, "tehran.worker", "C08-01", Role::CaseWorker).await;
    let shiraz = user(store, "shiraz.worker", "C17-01", Role::CaseWorker).await;
    let planner = user(store, "hq.planner", "HQ", Role::Planner).await;

    store.create_household(&tehran, &household("T-1", "08-01-D1-V1"), "registration").await.unwrap();
    store.create_household(&shiraz, &household("S-1", "17-01-C"), "registration").await.unwrap();
    // A household in another county's village is refused, naming the place.
    let err = store.create_household(&tehran, &household("T-2", "17-01-C"), "registration").await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref e) if e.field == "place"), "{err:?}");
    let err = store.create_household(&tehran, &household("T-3", "nowhere"), "registration").await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref e) if e.field == "place"), "{err:?}");

    let ali = store.register_person(&tehran, &person(&code(1), "T-1", "علي", "كاظمی"), "registration").await.unwrap();
    let brother = PersonFields {
        relationship: tavana_domain::registry::Relationship::Sibling,
        ..person(&code(2), "T-1", "عبدالله", "کاظمی")
    };
    store.register_person(&tehran, &brother, "registration").await.unwrap();
    store.register_person(&shiraz, &person(&code(3), "S-1", "زهرا", "کاظمی"), "registration").await.unwrap();
    // The same national code again is a conflict on that field.
    let err =
        store.register_person(&tehran, &person(&code(1), "T-1", "رضا", "احمدی"), "registration").await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { ref field } if field == "national_code"), "{err:?}");
    // Shiraz's worker cannot put a person into Tehran's household.
    let err =
        store.register_person(&shiraz, &person(&code(4), "T-1", "رضا", "احمدی"), "registration").await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref e) if e.field == "household"), "{err:?}");

    // Search by last name with Arabic kaf and yeh finds the Persian spellings, and
    // "عبد الله" with a space finds "عبدالله".
    let names = |page: &tavana_store::registry::Page<tavana_store::registry::PersonSummary>| {
        page.items.iter().map(|p| p.first_name.clone()).collect::<Vec<_>>()
    };
    let q = PersonQuery { last_name: Some("كاظمي".into()), ..Default::default() };
    let hq = store.search_persons(&planner, &q, None, 50).await.unwrap();
    assert_eq!(hq.items.len(), 3);
    assert_eq!(hq.total, Some(3), "the first page counts what matches");
    let page = store.search_persons(&tehran, &q, None, 50).await.unwrap();
    // Typed "علي" with the Arabic yeh, stored with the Persian one.
    assert_eq!(names(&page), ["عبدالله", "علی"]);
    let q = PersonQuery { first_name: Some("عبد الله".into()), ..Default::default() };
    assert_eq!(names(&store.search_persons(&tehran, &q, None, 50).await.unwrap()), ["عبدالله"]);
    let q = PersonQuery { national_code: Some(tavana_domain::text::to_persian_digits(&code(1))), ..Default::default() };
    assert_eq!(names(&store.search_persons(&tehran, &q, None, 50).await.unwrap()), ["علی"]);
    let q = PersonQuery { birth_year: Some(1981), father_name: Some("حسن".into()), ..Default::default() };
    assert_eq!(store.search_persons(&planner, &q, None, 50).await.unwrap().items.len(), 3);
    let q = PersonQuery { phone: Some("021 2222 3333".into()), ..Default::default() };
    assert_eq!(store.search_persons(&tehran, &q, None, 50).await.unwrap().items.len(), 2);

    // Keyset pages: one at a time, no repeats, then the end.
    let q = PersonQuery::default();
    let first = store.search_persons(&planner, &q, None, 2).await.unwrap();
    assert_eq!(first.items.len(), 2);
    let cursor = PersonCursor::decode(first.next.as_deref().unwrap()).unwrap();
    let second = store.search_persons(&planner, &q, Some(&cursor), 2).await.unwrap();
    assert_eq!(second.items.len(), 1);
    assert!(second.next.is_none());
    assert_eq!((first.total, second.total), (Some(3), None), "counted on the first page only");
    assert!(!first.items.iter().any(|p| p.id == second.items[0].id));

    // Shiraz's worker does not see Tehran's person at all.
    assert!(matches!(store.person(&shiraz, ali.id).await, Err(StoreError::NotFound)));
    assert!(matches!(store.person_by_national_code(&shiraz, &code(1)).await, Err(StoreError::NotFound)));
    // Reading a person is logged.
    store.person(&tehran, ali.id).await.unwrap();
    let auditor = user(store, "auditor", "HQ", Role::Auditor).await;
    let entries = store.recent_reads(&auditor, 5).await.unwrap();
    assert!(entries.iter().any(|e| e.action == "read"
        && e.object_id == ali.id.to_string()
        && e.actor_user_id == Some(tehran.user_id)
        && e.actor_username.as_deref() == Some("tehran.worker")));
}

#[tokio::test]
async fn changes_keep_every_previous_version() {
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    let other = user(store, "other.worker", "C08-01", Role::CaseWorker).await;
    store.create_household(&worker, &household("T-1", "08-01-C"), "registration").await.unwrap();
    store.create_household(&worker, &household("T-2", "08-01-D1-V2"), "registration").await.unwrap();
    let mina = store.register_person(&worker, &person(&code(7), "T-1", "مینا", "رضایی"), "registration").await.unwrap();

    // Marriage: she moves to household T-2 as a spouse.
    let mut married = person(&code(7), "T-2", "مینا", "رضایی");
    married.relationship = tavana_domain::registry::Relationship::Spouse;
    married.marital_status = Some(tavana_domain::registry::MaritalStatus::Married);
    let after = store.update_person(&worker, mina.id, &married, 1, "marriage").await.unwrap();
    assert_eq!(after.version, 2);
    assert_eq!(after.household_file, "T-2");

    // A stale edit (someone read version 1) is refused, not applied over version 2.
    let err =
        store.update_person(&other, mina.id, &person(&code(7), "T-1", "مینا", "رضایی"), 1, "fix").await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { ref field } if field == "version"));

    // Death, by the other worker.
    let mut died = married.clone();
    died.deceased_on = Some(date!(2026 - 01 - 02));
    store.update_person(&other, mina.id, &died, 2, "death certificate").await.unwrap();

    let history = store.person_history(&worker, mina.id).await.unwrap();
    let summary: Vec<_> =
        history.iter().map(|v| (v.version, v.reason.as_str(), v.changed_by_name.as_deref())).collect();
    assert_eq!(
        summary,
        [
            (3, "death certificate", Some("other.worker")),
            (2, "marriage", Some("worker")),
            (1, "registration", Some("worker"))
        ]
    );
    assert!(history[2].data.contains("\"household_file\":\"T-1\""));
    assert!(history[0].data.contains("\"deceased_on\":\"2026-01-02\""));
    assert!(matches!(store.verify_audit_chain().await.unwrap(), ChainReport::Intact { .. }));

    // Disability assessments.
    let d = DisabilityFields::parse(
        &RawDisability {
            national_code: code(7),
            kind: "visual".into(),
            severity: "severe".into(),
            assessed_on: "1403/02/01".into(),
            ..Default::default()
        },
        TODAY,
    )
    .unwrap();
    store.add_disability(&worker, &d, "commission 12").await.unwrap();
    let again = store.add_disability(&worker, &d, "commission 12").await.unwrap_err();
    assert!(matches!(again, StoreError::Conflict { .. }));
    let list = store.disabilities(&worker, mina.id).await.unwrap();
    assert_eq!((list.len(), list[0].values.severity.as_str()), (1, "severe"));
}

#[tokio::test]
async fn moving_a_household_moves_its_members_between_offices() {
    let db = seeded().await;
    let store = &db.store;
    let province = user(store, "tehran.province", "P08", Role::CaseWorker).await;
    let county = user(store, "tehran.county", "C08-01", Role::CaseWorker).await;
    let h = store.create_household(&province, &household("M-1", "08-01-C"), "registration").await.unwrap();
    let p = store.register_person(&province, &person(&code(9), "M-1", "سارا", "نوری"), "registration").await.unwrap();
    assert!(store.person(&county, p.id).await.is_ok());
    let moved =
        store.move_household(&province, h.id, &household("M-1", "08-02-C"), "moved to Shemiranat").await.unwrap();
    assert_eq!(moved.version, 2);
    // Now the Shemiranat office is responsible and Tehran county no longer sees them.
    assert!(matches!(store.person(&county, p.id).await, Err(StoreError::NotFound)));
    assert!(store.person(&province, p.id).await.is_ok());
}

/// A person's assessments follow them when their household moves office (they
/// used to stay with the office left, which could still export them).
#[tokio::test]
async fn assessments_follow_a_move() {
    use tavana_store::registry::import::{FileFormat, ImportKind};
    let db = seeded().await;
    let store = &db.store;
    let province = user(store, "tehran.province", "P08", Role::CaseWorker).await;
    let county = user(store, "tehran.county", "C08-01", Role::CaseWorker).await;
    let h = store.create_household(&province, &household("M-1", "08-01-C"), "registration").await.unwrap();
    store.register_person(&province, &person(&code(9), "M-1", "سارا", "نوری"), "registration").await.unwrap();
    let assessment = RawDisability {
        national_code: code(9),
        kind: "motor".into(),
        severity: "severe".into(),
        assessed_on: "1402/01/01".into(),
        ..Default::default()
    };
    store.add_disability(&county, &DisabilityFields::parse(&assessment, TODAY).unwrap(), "assessment").await.unwrap();
    let export = async |who| {
        let mut out = Vec::new();
        store.export(who, ImportKind::Disabilities, FileFormat::Csv, None, &mut out).await.unwrap()
    };
    assert_eq!(export(&county).await, 1);
    store.move_household(&province, h.id, &household("M-1", "08-02-C"), "moved to Shemiranat").await.unwrap();
    assert_eq!(export(&county).await, 0, "the office left no longer exports them");
    let shemiranat = user(store, "shemiranat", "C08-02", Role::CaseWorker).await;
    assert_eq!(export(&shemiranat).await, 1);
}

/// A search by first name alone read every person (the name index starts with
/// the last name). An index on the first name serves it now, on both backends;
/// a last name still uses the name index.
#[tokio::test]
async fn a_first_name_alone_is_searched_through_an_index() {
    let db = crate::support::seeded().await;
    let store = &db.store;
    let worker = crate::support::user(store, "worker", "C08-01", tavana_domain::iam::Role::CaseWorker).await;
    let first = tavana_store::registry::PersonQuery { first_name: Some("علی".into()), ..Default::default() };
    let plan = store.search_plan(&worker, &first).await.unwrap();
    assert!(plan.contains("persons_first"), "{plan}");
    let last = tavana_store::registry::PersonQuery { last_name: Some("کاظمی".into()), ..Default::default() };
    let plan = store.search_plan(&worker, &last).await.unwrap();
    assert!(plan.contains("persons_name"), "{plan}");
}

/// A lookup by national code read persons in name order until it met the code
/// (on PostgreSQL: 180 ms a lookup over 100,000 persons): the code, or a merged
/// code's survivor, is found through the code's index now, on both backends.
#[tokio::test]
async fn a_national_code_is_looked_up_through_its_index() {
    let db = crate::support::seeded().await;
    let store = &db.store;
    let worker = crate::support::user(store, "worker", "C08-01", tavana_domain::iam::Role::CaseWorker).await;
    let code = tavana_store::registry::PersonQuery { national_code: Some("0012345679".into()), ..Default::default() };
    let plan = store.search_plan(&worker, &code).await.unwrap();
    assert!(plan.contains("national_code") || plan.contains("autoindex"), "{plan}");
    assert!(!plan.contains("persons_name"), "{plan}");
}
