use crate::support::{seeded, user};
use tavana_domain::iam::Role;
use tavana_store::audit::ChainReport;
use tavana_store::audit_keys::{AuditKey, Keyring};
use tavana_store::iam::AuthPolicy;

#[tokio::test]
async fn every_write_is_chained_and_tampering_is_named() {
    let db = seeded().await;
    let store = &db.store;
    let admin = user(store, "admin", "HQ", Role::Admin).await;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    store.set_user_active(&admin, worker.user_id, false).await.unwrap();
    store.sign_in(&AuthPolicy::default(), "admin", "wrong", "a").await.unwrap().err().unwrap();

    // geography, two users, a disable, a failed sign-in.
    let report = store.verify_audit_chain().await.unwrap();
    let ChainReport::Intact { entries, .. } = report else { panic!("{report:?}") };
    assert_eq!(entries, 5);
    let recent = store.recent_audit_entries(&admin, 10).await.unwrap();
    let actions: Vec<_> = recent.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["auth.sign_in_attempt", "user.disable", "user.create", "user.create", "geography.load"]);
    let disable = &recent[1];
    assert_eq!(disable.actor_user_id, Some(admin.user_id));
    assert_eq!(disable.actor_username.as_deref(), Some("admin"));
    assert!(disable.before_json.as_deref().unwrap().contains("\"active\":true"));
    assert!(disable.after_json.as_deref().unwrap().contains("\"active\":false"));

    // Change who did it in entry 4: verification names entry 4.
    store.execute_unaudited_for_tests("UPDATE audit_log SET actor_user_id = 99 WHERE seq = 4").await.unwrap();
    assert!(matches!(store.verify_audit_chain().await.unwrap(), ChainReport::Broken { seq: 4, .. }));
}

#[tokio::test]
async fn removing_entries_is_caught_in_the_middle_and_at_the_end() {
    let db = seeded().await;
    let store = &db.store;
    for name in ["a1", "a2", "a3"] {
        user(store, name, "HQ", Role::Planner).await;
    }
    store.execute_unaudited_for_tests("DELETE FROM audit_log WHERE seq = 2").await.unwrap();
    let ChainReport::Broken { seq, reason } = store.verify_audit_chain().await.unwrap() else { panic!() };
    assert_eq!((seq, reason.as_str()), (2, "the entry is missing"));

    let db = seeded().await;
    let store = &db.store;
    user(store, "b1", "HQ", Role::Planner).await;
    store.execute_unaudited_for_tests("DELETE FROM audit_log WHERE seq = 2").await.unwrap();
    assert!(matches!(store.verify_audit_chain().await.unwrap(), ChainReport::Broken { seq: 2, .. }));
}

#[tokio::test]
async fn only_auditors_and_admins_read_the_log() {
    let db = seeded().await;
    let worker = user(&db.store, "worker", "C08-01", Role::CaseWorker).await;
    assert!(db.store.recent_audit_entries(&worker, 10).await.is_err());
}

/// Writes happen only in write transactions, which append to the audit chain: the
/// pool reads go through cannot write at all.
#[tokio::test]
async fn the_read_pool_cannot_write() {
    let db = seeded().await;
    let refused = db.store.execute_on_read_pool_for_tests("UPDATE org_units SET name_fa = 'x' WHERE id = 1").await;
    assert!(refused.is_err(), "{refused:?}");
    assert!(db.store.execute_on_read_pool_for_tests("SELECT 1").await.is_ok(), "it reads");
    let refused = db.store.execute_as_bounded_read_for_tests("UPDATE org_units SET name_fa = 'x' WHERE id = 1").await;
    assert!(refused.is_err(), "bounded reads have connections of their own, read-only too: {refused:?}");
    assert!(db.store.execute_as_bounded_read_for_tests("SELECT 1").await.is_ok(), "they read");
    let admin = user(&db.store, "admin", "HQ", Role::Admin).await;
    assert!(db.store.org_units(&admin).await.unwrap().iter().all(|u| u.name_fa != "x"));
}

/// Rewrites entry `seq`'s `after` as someone with write access to the database
/// would, recomputing every hash from there on: unkeyed (SHA-256, as the chain
/// used to be) or with `key` (someone who also stole the key).
async fn rewrite_from(
    store: &tavana_store::Store,
    admin: &tavana_domain::iam::Actor,
    seq: i64,
    key: Option<&AuditKey>,
) {
    use tavana_domain::audit::{AuditContent, entry_hash, keyed_entry_hash, to_hex};
    let mut entries = store.recent_audit_entries(admin, 10_000).await.unwrap();
    entries.reverse();
    let mut previous = [0u8; 32];
    for e in &mut entries {
        if e.seq < seq {
            previous = tavana_domain::audit::from_hex(&e.hash).unwrap().try_into().unwrap();
            continue;
        }
        if e.seq == seq {
            e.after_json = Some(r#"{"active":true}"#.into());
        }
        let content = AuditContent {
            seq: e.seq,
            at_micros: e.at,
            actor_user_id: e.actor_user_id,
            actor_unit_id: e.actor_unit_id,
            action: &e.action,
            object_type: &e.object_type,
            object_id: &e.object_id,
            before: e.before_json.as_deref(),
            after: e.after_json.as_deref(),
        };
        let hash = match key {
            Some(k) => keyed_entry_hash(k, &previous, &content),
            None => entry_hash(&previous, &content),
        };
        if e.seq >= seq {
            let key_id = key.map_or("NULL".to_string(), |k| k.id.to_string());
            let after = e.after_json.clone().unwrap_or_default().replace('\'', "''");
            store
                .execute_unaudited_for_tests(&format!(
                    "UPDATE audit_log SET after_json = '{after}', prev_hash = '{}', hash = '{}', key_id = {key_id} \
                     WHERE seq = {}",
                    to_hex(&previous),
                    to_hex(&hash),
                    e.seq
                ))
                .await
                .unwrap();
        }
        previous = hash;
    }
    store
        .execute_unaudited_for_tests(&format!("UPDATE audit_head SET hash = '{}' WHERE id = 1", to_hex(&previous)))
        .await
        .unwrap();
}

/// An unkeyed chain could be rewritten and every hash recomputed, and
/// `audit verify` passed it. Keyed, the rewrite is caught; with the key stolen
/// too, the anchors an outside party kept catch it.
#[tokio::test]
async fn a_keyed_anchored_chain_catches_a_recomputed_rewrite() {
    let db = seeded().await;
    let keys = Keyring::generate(db.store.now());
    let store = &db.store.with_audit_keys(keys.clone());
    let admin = user(store, "admin", "HQ", Role::Admin).await;
    for name in ["k1", "k2", "k3"] {
        let u = user(store, name, "HQ", Role::Planner).await;
        store.set_user_active(&admin, u.user_id, false).await.unwrap();
    }
    let report = store.verify_audit_chain().await.unwrap();
    assert!(matches!(report, ChainReport::Intact { .. }), "{report:?}");
    let disable = store.recent_audit_entries(&admin, 1).await.unwrap()[0].seq;
    let anchors = store.audit_anchors().await.unwrap();
    assert_eq!(anchors.iter().find(|a| a.chain == "writes").unwrap().seq, disable);
    assert!(matches!(store.verify_audit_chain_against(&anchors).await.unwrap(), ChainReport::Intact { .. }));

    // Rewritten with recomputed unkeyed hashes: caught where keying began.
    rewrite_from(store, &admin, disable, None).await;
    let ChainReport::Broken { seq, reason } = store.verify_audit_chain().await.unwrap() else { panic!() };
    assert_eq!(seq, disable);
    assert!(reason.contains("key"), "{reason}");

    // Rewritten with the stolen key: the chain is consistent again, but it no
    // longer ends in the anchored head.
    rewrite_from(store, &admin, disable, keys.current()).await;
    assert!(matches!(store.verify_audit_chain().await.unwrap(), ChainReport::Intact { .. }));
    let ChainReport::Broken { seq, reason } = store.verify_audit_chain_against(&anchors).await.unwrap() else {
        panic!()
    };
    assert_eq!(seq, disable);
    assert!(reason.contains("anchor"), "{reason}");
}

/// A rotated key signs what follows; verifying needs every key still held.
#[tokio::test]
async fn keys_rotate_and_old_entries_still_verify() {
    let db = seeded().await;
    let first = Keyring::generate(db.store.now());
    let store = db.store.with_audit_keys(first.clone());
    let admin = user(&store, "admin", "HQ", Role::Admin).await;
    let rotated = first.rotated(store.now() + 1);
    assert_eq!(rotated.current().unwrap().id, 2);
    let store = store.with_clock(tavana_store::Clock::Fixed(
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(store.now() + 10) * 1000).unwrap(),
    ));
    let store = store.with_audit_keys(rotated.clone());
    user(&store, "after", "HQ", Role::Planner).await;
    assert!(matches!(store.verify_audit_chain().await.unwrap(), ChainReport::Intact { .. }));
    // Parsed back from its file, the keyring verifies the same.
    let reread = Keyring::parse(&rotated.to_file()).unwrap();
    assert!(matches!(store.with_audit_keys(reread).verify_audit_chain().await.unwrap(), ChainReport::Intact { .. }));
    assert!(!format!("{rotated:?}").contains(&rotated.to_file()[20..40]), "keys never print");
    let _ = admin;
}

/// Changes made to the registry's tables outside the application went unnoticed.
/// Sealed rows: every way the application writes keeps them sealed (a
/// registration, an import, an edit, a move, a merge moving an assessment), and
/// a change, an insert or a copied seal made straight in the database is named.
#[tokio::test]
async fn rows_changed_outside_the_application_are_named() {
    use tavana_domain::registry::{HouseholdFields, PersonFields, RawHousehold, RawPerson};
    let db = seeded().await;
    let store = &db.store.with_audit_keys(Keyring::generate(db.store.now()));
    let registrar = user(store, "registrar", "HQ", Role::CaseWorker).await;
    let second = user(store, "second", "HQ", Role::CaseWorker).await;
    crate::support::load_population(store, &registrar, 120, 11).await;
    let today = time::macros::date!(2026 - 11 - 26);
    let household = |file: &str| {
        HouseholdFields::parse(&RawHousehold {
            file_number: file.into(),
            place: "08-01-C".into(),
            ..Default::default()
        })
        .unwrap()
    };
    let person = |code: &str, file: &str| RawPerson {
        national_code: code.into(),
        household: file.into(),
        relationship: "head".into(),
        first_name: "علی".into(),
        last_name: "کاظمی".into(),
        father_name: "حسن".into(),
        birth_date: "1360/05/12".into(),
        sex: "male".into(),
        phone: "09121112233".into(),
        ..Default::default()
    };
    store.create_household(&registrar, &household("S-1"), "registration").await.unwrap();
    store.create_household(&registrar, &household("S-2"), "registration").await.unwrap();
    let a = store
        .register_person(&registrar, &PersonFields::parse(&person("0012345679", "S-1"), today).unwrap(), "registration")
        .await
        .unwrap();
    let b = store
        .register_person(&registrar, &PersonFields::parse(&person("1234567891", "S-2"), today).unwrap(), "registration")
        .await
        .unwrap();
    let assessment = tavana_domain::registry::DisabilityFields::parse(
        &tavana_domain::registry::RawDisability {
            national_code: "1234567891".into(),
            kind: "visual".into(),
            severity: "severe".into(),
            assessed_on: "1402/01/01".into(),
            ..Default::default()
        },
        today,
    )
    .unwrap();
    store.add_disability(&registrar, &assessment, "assessment").await.unwrap();
    // An edit, and a merge that moves the assessment to the survivor.
    let edited = RawPerson { sheba: "IR820540102680020817909002".into(), ..person("0012345679", "S-1") };
    store
        .update_person(&registrar, a.id, &PersonFields::parse(&edited, today).unwrap(), a.version, "bank account")
        .await
        .unwrap();
    store.detect_duplicates(&registrar).await.unwrap();
    let pair = store
        .duplicate_candidates(&registrar, tavana_domain::registry::CandidateStatus::Open, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|c| [c.a_id, c.b_id] == [a.id, b.id])
        .unwrap();
    store.propose_merge(&registrar, pair.id, a.id, "same man").await.unwrap();
    store.approve_merge(&second, pair.id, "checked").await.unwrap();

    let report = store.verify_row_seals().await.unwrap();
    assert_eq!(report.broken, 0, "{:?}", report.first_broken);
    assert!(report.rows > 120, "{}", report.rows);

    // Straight in the database: a new bank account, a household added, a seal
    // copied from another row.
    store
        .execute_unaudited_for_tests(&format!(
            "UPDATE persons SET sheba = 'IR062960000000100324200001' WHERE id = {}",
            a.id
        ))
        .await
        .unwrap();
    store
        .execute_unaudited_for_tests(
            "INSERT INTO households (file_number, province_id, unit_id, place_id, version, created_at, updated_at, \
             change_reason) SELECT 'X-1', province_id, unit_id, place_id, 1, 0, 0, 'x' FROM households LIMIT 1",
        )
        .await
        .unwrap();
    store
        .execute_unaudited_for_tests(&format!(
            "UPDATE persons SET mac = (SELECT mac FROM persons WHERE id = {}) WHERE id = {}",
            a.id, b.id
        ))
        .await
        .unwrap();
    let report = store.verify_row_seals().await.unwrap();
    let named: Vec<(&str, &str)> = report.first_broken.iter().map(|b| (b.table, b.reason)).collect();
    assert_eq!(report.broken, 3, "{named:?}");
    assert!(report.first_broken.iter().any(|x| x.table == "persons" && x.id == a.id && x.reason.contains("changed")));
    assert!(report.first_broken.iter().any(|x| x.table == "persons" && x.id == b.id));
    assert!(report.first_broken.iter().any(|x| x.table == "households" && x.reason.contains("not sealed")));
}

/// Rows written before the chains were keyed have no seal until the operator
/// seals them, once.
#[tokio::test]
async fn rows_written_before_keying_are_sealed_once() {
    let db = seeded().await;
    let registrar = user(&db.store, "registrar", "HQ", Role::CaseWorker).await;
    crate::support::load_population(&db.store, &registrar, 60, 5).await;
    let store = db.store.with_audit_keys(Keyring::generate(db.store.now()));
    let before = store.verify_row_seals().await.unwrap();
    assert_eq!(before.broken, before.rows);
    assert!(before.first_broken.iter().all(|b| b.reason == "it is not sealed"));
    assert_eq!(store.seal_unsealed_rows().await.unwrap(), before.rows);
    // The audit entries name the rows sealed, not only how many.
    let admin = user(&store, "admin", "HQ", Role::Auditor).await;
    let entries = store.recent_audit_entries(&admin, 10).await.unwrap();
    let sealed = entries.iter().find(|e| e.action == "audit.seal_rows" && e.object_type == "persons").expect("audited");
    let ids: serde_json::Value = serde_json::from_str(sealed.after_json.as_deref().unwrap()).unwrap();
    assert_eq!(ids["ids"].as_array().map(Vec::len), Some(60));
    assert_eq!(store.verify_row_seals().await.unwrap().broken, 0);
    assert_eq!(store.seal_unsealed_rows().await.unwrap(), 0, "nothing left to seal");
    assert!(matches!(store.verify_audit_chain().await.unwrap(), ChainReport::Intact { .. }));
}
