//! The authorization table: actors of several roles and units, objects in several
//! units, each action with its expected outcome. Another province's object is
//! NotFound, never Forbidden, so its existence does not leak.

use crate::support::{seeded, user};
use tavana_domain::iam::{Actor, Role};
use tavana_store::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Allow,
    NotFound,
    Forbidden,
}
use Outcome::*;

#[derive(Debug, Clone, Copy)]
enum Act {
    ViewUnit,
    ViewUser,
    DisableUser,
    RevokeToken,
    /// The object's second id is a person's.
    ViewPerson,
}

fn outcome<T>(result: Result<T, StoreError>) -> Outcome {
    match result {
        Ok(_) => Allow,
        Err(StoreError::NotFound) => NotFound,
        Err(StoreError::Forbidden(_)) => Forbidden,
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

async fn attempt(store: &Store, who: &Actor, act: Act, unit_id: i64, user_id: i64) -> Outcome {
    match act {
        Act::ViewUnit => outcome(store.org_unit(who, unit_id).await),
        Act::ViewUser => outcome(store.user(who, user_id).await),
        // Disabling and re-enabling leaves the target as it was for the next row.
        Act::DisableUser => {
            let result = outcome(store.set_user_active(who, user_id, false).await);
            if result == Allow {
                store.set_user_active(who, user_id, true).await.unwrap();
            }
            result
        }
        Act::RevokeToken => {
            let (token, _) = store.issue_api_token(None, user_id, "t", None).await.expect("token");
            outcome(store.revoke_api_token(who, token.id).await)
        }
        Act::ViewPerson => outcome(store.person(who, user_id).await),
    }
}

#[tokio::test]
async fn roles_by_units_by_actions() {
    let db = seeded().await;
    let store = &db.store;
    let hq_admin = user(store, "hq.admin", "HQ", Role::Admin).await;
    let tehran_admin = user(store, "tehran.admin", "P08", Role::Admin).await;
    let fars_admin = user(store, "fars.admin", "P17", Role::Admin).await;
    let tehran_worker = user(store, "tehran.worker", "C08-01", Role::CaseWorker).await;
    let hq_auditor = user(store, "hq.auditor", "HQ", Role::Auditor).await;
    let county_admin = user(store, "shemiran.admin", "C08-02", Role::Admin).await;

    // Objects: the Tehran county office (and a user there), Fars province (and a
    // user there).
    let tehran_county = store.org_unit_by_code("C08-01").await.unwrap().id;
    let fars = store.org_unit_by_code("P17").await.unwrap().id;
    let in_tehran = tehran_worker.user_id;
    let in_fars = fars_admin.user_id;
    let tehran_obj = (tehran_county, in_tehran);
    let fars_obj = (fars, in_fars);
    // A person in each province.
    let registrar = user(store, "registrar", "HQ", Role::CaseWorker).await;
    let mut persons = Vec::new();
    for (file, place, code) in [("T-1", "08-01-C", "0012345679"), ("F-1", "17-01-C", "1234567891")] {
        use tavana_domain::registry::{HouseholdFields, PersonFields, RawHousehold, RawPerson};
        let h = RawHousehold { file_number: file.into(), place: place.into(), ..Default::default() };
        store.create_household(&registrar, &HouseholdFields::parse(&h).unwrap(), "registration").await.unwrap();
        let p = RawPerson {
            national_code: code.into(),
            household: file.into(),
            relationship: "head".into(),
            first_name: "علی".into(),
            last_name: "کاظمی".into(),
            father_name: "حسن".into(),
            birth_date: "1360/05/12".into(),
            sex: "male".into(),
            ..Default::default()
        };
        let fields = PersonFields::parse(&p, time::macros::date!(2026 - 11 - 26)).unwrap();
        persons.push(store.register_person(&registrar, &fields, "registration").await.unwrap().id);
    }
    let (tehran_person, fars_person) = ((tehran_county, persons[0]), (fars, persons[1]));

    let table: Vec<(&Actor, Act, (i64, i64), Outcome)> = vec![
        // HQ admin: everything, everywhere.
        (&hq_admin, Act::ViewUnit, tehran_obj, Allow),
        (&hq_admin, Act::ViewUser, fars_obj, Allow),
        (&hq_admin, Act::DisableUser, fars_obj, Allow),
        (&hq_admin, Act::RevokeToken, tehran_obj, Allow),
        // A province admin: their province's subtree only.
        (&tehran_admin, Act::ViewUnit, tehran_obj, Allow),
        (&tehran_admin, Act::ViewUser, tehran_obj, Allow),
        (&tehran_admin, Act::DisableUser, tehran_obj, Allow),
        (&tehran_admin, Act::ViewUnit, fars_obj, NotFound),
        (&tehran_admin, Act::ViewUser, fars_obj, NotFound),
        (&tehran_admin, Act::DisableUser, fars_obj, NotFound),
        (&tehran_admin, Act::RevokeToken, fars_obj, NotFound),
        (&fars_admin, Act::ViewUser, tehran_obj, NotFound),
        (&fars_admin, Act::DisableUser, tehran_obj, NotFound),
        // A county admin does not see their sibling county or the province above.
        (&county_admin, Act::ViewUnit, tehran_obj, NotFound),
        (&county_admin, Act::ViewUser, tehran_obj, NotFound),
        // A case worker sees their own unit but manages no users, and sees nothing
        // outside it.
        (&tehran_worker, Act::ViewUnit, tehran_obj, Allow),
        // Users are not theirs to see at all: a user of their unit is "not found"
        // as one elsewhere is, so ids cannot be told apart by the answer.
        (&tehran_worker, Act::ViewUser, tehran_obj, NotFound),
        (&tehran_worker, Act::DisableUser, tehran_obj, NotFound),
        (&tehran_worker, Act::ViewPerson, tehran_person, Allow),
        (&tehran_worker, Act::ViewPerson, fars_person, NotFound),
        // An admin reads no person: Fars's admin got "not allowed" for a Fars
        // person and "not found" for any other, so Fars's ids could be listed.
        (&fars_admin, Act::ViewPerson, fars_person, NotFound),
        (&fars_admin, Act::ViewPerson, tehran_person, NotFound),
        (&tehran_worker, Act::ViewUnit, fars_obj, NotFound),
        (&tehran_worker, Act::DisableUser, fars_obj, NotFound),
        // The auditor reads everywhere and changes nothing.
        (&hq_auditor, Act::ViewUser, fars_obj, Allow),
        (&hq_auditor, Act::DisableUser, fars_obj, Forbidden),
        (&hq_auditor, Act::RevokeToken, tehran_obj, Forbidden),
    ];
    let mut failures = Vec::new();
    for (who, act, (unit_id, user_id), expected) in table {
        let got = attempt(store, who, act, unit_id, user_id).await;
        if got != expected {
            failures.push(format!(
                "{} {act:?} unit {unit_id} user {user_id}: expected {expected:?}, got {got:?}",
                who.username
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Lists are scoped the same way.
    let fars_users = store.users(&fars_admin).await.unwrap();
    assert_eq!(fars_users.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), ["fars.admin"]);
    let tehran_units = store.org_units(&tehran_admin).await.unwrap();
    assert!(tehran_units.iter().all(|u| u.path.starts_with(tehran_admin.unit_path.as_str())));
    assert_eq!(tehran_units.len(), 1 + 3);
    assert!(matches!(store.users(&tehran_worker).await, Err(StoreError::Forbidden(_))));
}
