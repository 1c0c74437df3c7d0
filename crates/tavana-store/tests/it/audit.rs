use crate::support::{seeded, user};
use tavana_domain::iam::Role;
use tavana_store::audit::ChainReport;
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
    let admin = user(&db.store, "admin", "HQ", Role::Admin).await;
    assert!(db.store.org_units(&admin).await.unwrap().iter().all(|u| u.name_fa != "x"));
}
