//! Household facts: the aggregates eligibility reads, kept in the transaction of
//! every registry change, match a recount of the registry; and rules read from
//! them decide as a recount does, whatever the day.

use crate::support::{import_csv, load_population, seeded, user};
use tavana_domain::iam::Role;
use tavana_domain::jalali::JalaliDate;
use tavana_domain::registry::{DisabilityFields, PersonFields, RawDisability, RawPerson};
use tavana_store::registry::import::ImportKind;

#[tokio::test]
async fn household_facts_follow_every_change_and_match_a_recount() {
    let db = seeded().await;
    let store = &db.store;
    let registrar = user(store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
    let households = load_population(store, &registrar, 1_500, 21).await;
    assert!(store.household_facts_mismatches(10).await.unwrap().is_empty(), "filled at the end of the bulk load");
    let today = store.today();
    let person_of = async |code: &str| store.person_by_national_code(&registrar, code).await.unwrap();

    // A death, an income recorded, a move to another household, a new member, a
    // severe assessment lapsing next month, a second import of changed rows.
    let (first, second) = (&households[0], &households[1]);
    let dying = person_of(&first.persons[first.persons.len() - 1].national_code).await;
    let died = RawPerson { deceased_on: (today - time::Duration::days(3)).to_string(), ..dying.raw() };
    store
        .update_person(&registrar, dying.id, &PersonFields::parse(&died, today).unwrap(), dying.version, "death")
        .await
        .unwrap();
    let earner = person_of(&second.persons[0].national_code).await;
    let earns = RawPerson { income: "45000000".into(), ..earner.raw() };
    store
        .update_person(&registrar, earner.id, &PersonFields::parse(&earns, today).unwrap(), earner.version, "income")
        .await
        .unwrap();
    let mover = households.iter().find(|h| h.persons.len() >= 3).unwrap();
    let moving = person_of(&mover.persons[2].national_code).await;
    let moved = RawPerson {
        household: households[5].household.file_number.clone(),
        relationship: "other_relative".into(),
        ..moving.raw()
    };
    store
        .update_person(&registrar, moving.id, &PersonFields::parse(&moved, today).unwrap(), moving.version, "moved")
        .await
        .unwrap();
    let newborn = RawPerson {
        national_code: "0012345679".into(),
        household: households[7].household.file_number.clone(),
        relationship: "child".into(),
        first_name: "نوزاد".into(),
        last_name: "تازه".into(),
        father_name: "پدر".into(),
        birth_date: (today - time::Duration::days(20)).to_string(),
        sex: "female".into(),
        ..Default::default()
    };
    store.register_person(&registrar, &PersonFields::parse(&newborn, today).unwrap(), "birth").await.unwrap();
    let assessed = RawDisability {
        national_code: households[9].persons[0].national_code.clone(),
        kind: "motor".into(),
        severity: "very_severe".into(),
        assessed_on: (today - time::Duration::days(300)).to_string(),
        valid_until: (today + time::Duration::days(40)).to_string(),
        ..Default::default()
    };
    store.add_disability(&registrar, &DisabilityFields::parse(&assessed, today).unwrap(), "commission").await.unwrap();
    let mut changed = csv::Writer::from_writer(Vec::new());
    for h in &households[20..40] {
        for p in &h.persons {
            let stored = person_of(&p.national_code).await;
            changed.serialize(RawPerson { income: "1000000".into(), ..stored.raw() }).unwrap();
        }
    }
    let summary = import_csv(store, &registrar, ImportKind::Persons, changed.into_inner().unwrap()).await;
    assert!(summary.updated > 20, "{summary:?}");
    // New assessments by import (the table is not empty, so not a bulk load).
    let mut assessed_file = csv::Writer::from_writer(Vec::new());
    for h in &households[40..60] {
        assessed_file
            .serialize(RawDisability {
                national_code: h.persons[0].national_code.clone(),
                kind: "hearing".into(),
                severity: "very_severe".into(),
                assessed_on: (today - time::Duration::days(10)).to_string(),
                ..Default::default()
            })
            .unwrap();
    }
    let summary = import_csv(store, &registrar, ImportKind::Disabilities, assessed_file.into_inner().unwrap()).await;
    assert_eq!(summary.inserted, 20, "{summary:?}");
    assert_eq!(store.household_facts_mismatches(10).await.unwrap(), Vec::<i64>::new(), "after each kind of change");

    // A second record of a person in another household, with a severe assessment,
    // merged into the first: the assessment moves to the survivor's household, and
    // undoing the merge moves it back (merges used to leave the survivor's
    // household uncounted).
    let original = person_of(&households[11].persons[0].national_code).await;
    let copy = RawPerson {
        national_code: "1234567891".into(),
        household: households[12].household.file_number.clone(),
        relationship: "other_relative".into(),
        ..original.raw()
    };
    let copy =
        store.register_person(&registrar, &PersonFields::parse(&copy, today).unwrap(), "second card").await.unwrap();
    let severe = RawDisability {
        national_code: "1234567891".into(),
        kind: "visual".into(),
        severity: "severe".into(),
        assessed_on: (today - time::Duration::days(100)).to_string(),
        ..Default::default()
    };
    store.add_disability(&registrar, &DisabilityFields::parse(&severe, today).unwrap(), "commission").await.unwrap();
    store.detect_duplicates(&registrar).await.unwrap();
    let candidate = store
        .duplicate_candidates(&registrar, tavana_domain::registry::CandidateStatus::Open, 500)
        .await
        .unwrap()
        .into_iter()
        .find(|c| [c.a_id, c.b_id] == [original.id, copy.id] || [c.b_id, c.a_id] == [original.id, copy.id])
        .expect("the pair is found");
    store.propose_merge(&registrar, candidate.id, original.id, "one man, two cards").await.unwrap();
    let second = user(store, "second", "HQ", Role::CaseWorker).await;
    store.approve_merge(&second, candidate.id, "same father, same birth").await.unwrap();
    assert_eq!(store.household_facts_mismatches(10).await.unwrap(), Vec::<i64>::new(), "after a merge");
    store.reopen_duplicate(&second, candidate.id, "two men after all").await.unwrap();
    assert_eq!(store.household_facts_mismatches(10).await.unwrap(), Vec::<i64>::new(), "after undoing it");

    // Every household variable of everyone, from the facts and from a recount,
    // as of next month, three years on (assessments lapse, children come of age:
    // those households are recounted), a year ago and this month's first day
    // (before the facts were counted).
    let next = store.default_as_of().unwrap();
    let later = JalaliDate::from_gregorian(today + time::Duration::days(1_100)).unwrap();
    let before = JalaliDate::from_gregorian(today - time::Duration::days(365)).unwrap();
    let lapsing = format!("household_facts WHERE changes_on <= '{}'", later.to_gregorian());
    assert!(store.count_rows_for_tests(&lapsing).await.unwrap() > 10, "some facts do not hold three years on");
    // Facts hold from the last day the passing of days changed them, not only
    // from the day they were counted: many hold a year ago and on this month's
    // first day, and those days read them.
    let first = JalaliDate::from_gregorian(today).unwrap().first_of_month();
    for day in [before, first] {
        let holding = format!("household_facts WHERE since_on <= '{}'", day.to_gregorian());
        assert!(store.count_rows_for_tests(&holding).await.unwrap() > 10, "some facts hold on {}", day.to_ascii());
    }
    for day in [next, later, before, first] {
        let facts = store.rule_values(&officer, None, day).await.unwrap();
        store.set_household_facts_complete_for_tests(false).await.unwrap();
        let recount = store.rule_values(&officer, None, day).await.unwrap();
        store.set_household_facts_complete_for_tests(true).await.unwrap();
        assert_eq!(facts.len(), recount.len());
        for ((id, a), (_, b)) in facts.iter().zip(&recount) {
            for name in a.keys().filter(|n| n.starts_with("household.")) {
                assert_eq!(a[name], b[name], "{} person {id} {name}", day.to_ascii());
            }
        }
    }

    // A change that bypasses the store is noticed.
    let tampered = households[3].persons[0].national_code.clone();
    let household = person_of(&tampered).await.values.household_id;
    store
        .execute_unaudited_for_tests(&format!(
            "UPDATE household_facts SET members = members + 1 WHERE household_id = {household}"
        ))
        .await
        .unwrap();
    assert_eq!(store.household_facts_mismatches(10).await.unwrap(), [household]);
    // Counted again from the registry, every household with a living member.
    let counted = store.recount_household_facts().await.unwrap();
    assert_eq!(counted as i64, store.count_rows_for_tests("household_facts").await.unwrap());
    assert!(counted >= households.len() as u64 - 5, "{counted}");
    assert!(store.household_facts_mismatches(10).await.unwrap().is_empty());
}
