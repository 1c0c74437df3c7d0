use crate::support::{seeded, user};
use tavana_domain::iam::Role;
use tavana_domain::registry::CandidateStatus;
use tavana_domain::registry::{
    DisabilityFields, HouseholdFields, PersonFields, RawDisability, RawHousehold, RawPerson,
};
use tavana_store::StoreError;
use tavana_store::audit::ChainReport;
use tavana_store::registry::PersonQuery;
use time::macros::date;

fn raw(code: &str, household: &str, first: &str, phone: &str) -> RawPerson {
    RawPerson {
        national_code: code.into(),
        household: household.into(),
        relationship: "head".into(),
        first_name: first.into(),
        last_name: "کاظمی".into(),
        father_name: "حسن".into(),
        birth_date: "1360/05/12".into(),
        sex: "male".into(),
        phone: phone.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn duplicates_are_found_merged_reverted_and_dismissed() {
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    let today = date!(2026 - 11 - 26);
    for (file, place) in [("A-1", "08-01-C"), ("A-2", "08-01-D1-V1"), ("A-3", "08-01-D1-V2")] {
        let h = HouseholdFields::parse(&RawHousehold {
            file_number: file.into(),
            place: place.into(),
            ..Default::default()
        })
        .unwrap();
        store.create_household(&worker, &h, "registration").await.unwrap();
    }
    // Ali registered twice under two codes ("علي" with Arabic yeh the second time),
    // and Reza and Hamid sharing a mobile number across households.
    let ali = store
        .register_person(
            &worker,
            &PersonFields::parse(&raw("0012345679", "A-1", "علی", ""), today).unwrap(),
            "registration",
        )
        .await
        .unwrap();
    let ali2 = store
        .register_person(
            &worker,
            &PersonFields::parse(&raw("1234567891", "A-2", "علي", ""), today).unwrap(),
            "registration",
        )
        .await
        .unwrap();
    store
        .register_person(
            &worker,
            &PersonFields::parse(&raw("0067749828", "A-3", "رضا", "09121112233"), today).unwrap(),
            "registration",
        )
        .await
        .unwrap();
    let hamid = RawPerson {
        birth_date: "1365/01/01".into(),
        relationship: "sibling".into(),
        ..raw("0013542419", "A-1", "حمید", "09121112233")
    };
    store.register_person(&worker, &PersonFields::parse(&hamid, today).unwrap(), "registration").await.unwrap();
    let assessment = DisabilityFields::parse(
        &RawDisability {
            national_code: "1234567891".into(),
            kind: "visual".into(),
            severity: "severe".into(),
            assessed_on: "1402/01/01".into(),
            ..Default::default()
        },
        today,
    )
    .unwrap();
    store.add_disability(&worker, &assessment, "assessment").await.unwrap();

    assert_eq!(store.detect_duplicates(&worker).await.unwrap(), 2);
    assert_eq!(store.detect_duplicates(&worker).await.unwrap(), 0, "detecting again finds nothing new");
    let open = store.duplicate_candidates(&worker, CandidateStatus::Open, 50).await.unwrap();
    // The audit log names the pairs found, not only how many.
    let auditor = user(store, "auditor", "HQ", Role::Auditor).await;
    let entries = store.audit_entries(&auditor, Some("duplicates.detect"), 5).await.unwrap();
    let first = entries.last().unwrap().after_json.clone().unwrap();
    for c in &open {
        assert!(first.contains(&format!("\"candidate\":{}", c.id)), "{first}");
        assert!(first.contains(&format!("\"persons\":[{},{}]", c.a_id, c.b_id)), "{first}");
    }
    assert!(entries[0].after_json.as_deref().unwrap().contains("\"found\":[]"), "the second found none");
    let by_rule = |rule: &str| open.iter().find(|c| c.rule == rule).unwrap().clone();
    let names = by_rule("same_name_father_birth");
    assert_eq!((names.a_id, names.b_id), (ali.id, ali2.id));
    let phones = by_rule("same_phone");

    // A decision needs a reason; the survivor must be one of the pair.
    assert!(matches!(store.propose_merge(&worker, names.id, ali.id, " ").await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.propose_merge(&worker, names.id, 999, "same man").await, Err(StoreError::Invalid(_))));
    // A merge is proposed by one person and approved by another: until then both
    // records stand, and the proposer cannot approve it.
    store.propose_merge(&worker, names.id, ali.id, "same man, second code issued in error").await.unwrap();
    let proposed = store.duplicate_candidates(&worker, CandidateStatus::Proposed, 50).await.unwrap();
    assert_eq!(proposed.iter().map(|c| (c.id, c.survivor)).collect::<Vec<_>>(), [(names.id, Some(ali.id))]);
    assert_eq!(store.person(&worker, ali2.id).await.unwrap().merged_into, None);
    assert!(matches!(store.approve_merge(&worker, names.id, "yes").await, Err(StoreError::Forbidden(_))));
    let second = user(store, "second", "C08-01", Role::CaseWorker).await;
    store.reject_merge(&second, names.id, "check the fathers first").await.unwrap();
    assert!(store.duplicate_candidates(&worker, CandidateStatus::Proposed, 50).await.unwrap().is_empty());
    store.propose_merge(&worker, names.id, ali.id, "same man, second code issued in error").await.unwrap();
    store.approve_merge(&second, names.id, "checked: same father").await.unwrap();
    let q = PersonQuery { last_name: Some("کاظمی".into()), ..Default::default() };
    let found = store.search_persons(&worker, &q, None, 50).await.unwrap();
    assert!(!found.items.iter().any(|p| p.id == ali2.id), "the merged person is no longer listed");
    assert_eq!(store.disabilities(&worker, ali.id).await.unwrap().len(), 1, "the assessment moved to the survivor");
    assert_eq!(store.person(&worker, ali2.id).await.unwrap().merged_into, Some(ali.id));
    assert!(matches!(store.propose_merge(&worker, names.id, ali.id, "again").await, Err(StoreError::Conflict { .. })));

    // Undo: separated again, the assessment back where it was.
    store.reopen_duplicate(&worker, names.id, "different fathers after all").await.unwrap();
    assert_eq!(store.person(&worker, ali2.id).await.unwrap().merged_into, None);
    assert_eq!(store.disabilities(&worker, ali2.id).await.unwrap().len(), 1);
    assert!(store.disabilities(&worker, ali.id).await.unwrap().is_empty());
    let history = store.person_history(&worker, ali2.id).await.unwrap();
    assert_eq!(
        history.iter().map(|v| v.reason.as_str()).collect::<Vec<_>>()[..2],
        ["different fathers after all", "checked: same father"]
    );

    store.dismiss_duplicate(&worker, phones.id, "father and son share a phone").await.unwrap();
    assert_eq!(store.duplicate_candidates(&worker, CandidateStatus::Dismissed, 50).await.unwrap().len(), 1);
    assert_eq!(store.duplicate_candidates(&worker, CandidateStatus::Open, 50).await.unwrap().len(), 1);

    // Another county's worker neither sees nor decides these.
    let other = user(store, "other", "C17-01", Role::CaseWorker).await;
    assert!(store.duplicate_candidates(&other, CandidateStatus::Open, 50).await.unwrap().is_empty());
    assert!(matches!(store.dismiss_duplicate(&other, names.id, "x").await, Err(StoreError::NotFound)));
    assert!(matches!(store.verify_audit_chain().await.unwrap(), ChainReport::Intact { .. }));
}

/// Two rules flagging the same pair used to let each be merged into the other, and
/// both vanished from search, household and exports; the second merge is refused.
#[tokio::test]
async fn merges_cannot_form_a_cycle() {
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    let today = date!(2026 - 11 - 26);
    let mut ids = Vec::new();
    for (file, code, first) in [("M-1", "0012345679", "علی"), ("M-2", "1234567891", "علي")] {
        let h = HouseholdFields::parse(&RawHousehold {
            file_number: file.into(),
            place: "08-01-C".into(),
            ..Default::default()
        })
        .unwrap();
        store.create_household(&worker, &h, "registration").await.unwrap();
        let p = PersonFields::parse(&raw(code, file, first, "09121112233"), today).unwrap();
        ids.push(store.register_person(&worker, &p, "registration").await.unwrap().id);
    }
    assert_eq!(store.detect_duplicates(&worker).await.unwrap(), 2, "by name and by phone");
    let open = store.duplicate_candidates(&worker, CandidateStatus::Open, 50).await.unwrap();
    let second = user(store, "second", "C08-01", Role::CaseWorker).await;
    store.propose_merge(&worker, open[0].id, ids[0], "same man").await.unwrap();
    store.propose_merge(&worker, open[1].id, ids[1], "same man, the other way").await.unwrap();
    store.approve_merge(&second, open[0].id, "same man").await.unwrap();
    let crossing = store.approve_merge(&second, open[1].id, "same man, the other way").await;
    assert!(matches!(crossing, Err(StoreError::Invalid(ref e)) if e.field == "survivor"), "{crossing:?}");
    // One of them still stands, and is found.
    let q = PersonQuery { last_name: Some("کاظمی".into()), ..Default::default() };
    let found = store.search_persons(&worker, &q, None, 50).await.unwrap();
    assert_eq!(found.items.iter().map(|p| p.id).collect::<Vec<_>>(), [ids[0]]);
}

/// A pair found by a detection at HQ whose persons live in two provinces was
/// listed to the county of one of them, with the other's code, name, father's
/// name, birth date and phone. A pair is listed only to those who may see both.
#[tokio::test]
async fn a_pair_is_listed_only_where_both_persons_are_in_scope() {
    let db = seeded().await;
    let store = &db.store;
    let hq = user(store, "hq", "HQ", Role::CaseWorker).await;
    let tehran = user(store, "tehran", "C08-01", Role::CaseWorker).await;
    let today = date!(2026 - 11 - 26);
    for (file, place, code, first) in
        [("T-1", "08-01-C", "0012345679", "رضا"), ("F-1", "17-01-C", "1234567891", "حمید")]
    {
        let h = HouseholdFields::parse(&RawHousehold {
            file_number: file.into(),
            place: place.into(),
            ..Default::default()
        })
        .unwrap();
        store.create_household(&hq, &h, "registration").await.unwrap();
        let p = RawPerson { birth_date: "1365/01/01".into(), ..raw(code, file, first, "09121112233") };
        store.register_person(&hq, &PersonFields::parse(&p, today).unwrap(), "registration").await.unwrap();
    }
    assert_eq!(store.detect_duplicates(&hq).await.unwrap(), 1);
    let at_hq = store.duplicate_candidates(&hq, CandidateStatus::Open, 50).await.unwrap();
    assert_eq!(at_hq.len(), 1);
    assert!(store.duplicate_candidates(&tehran, CandidateStatus::Open, 50).await.unwrap().is_empty());
    assert!(matches!(store.duplicate_candidate(&tehran, at_hq[0].id).await, Err(StoreError::NotFound)));
}
