//! Every path that returns sensitive data leaves exactly one audit entry naming
//! who read which data of whom. A new sensitive read gets a row here.

use crate::outbox::enrolled;
use crate::support::{seeded, user};
use tavana_domain::iam::Role;
use tavana_store::Store;
use tavana_store::audit::AuditEntry;
use tavana_store::registry::import::{FileFormat, ImportKind};

/// Runs one read and checks it left one `read` entry with `data` about `object`.
async fn check(store: &Store, auditor: &tavana_domain::iam::Actor, data: &str, object: &str, seq_before: i64) -> i64 {
    let entries: Vec<AuditEntry> = store.recent_audit_entries(auditor, 50).await.unwrap();
    let new: Vec<&AuditEntry> = entries.iter().filter(|e| e.seq > seq_before).collect();
    assert_eq!(new.len(), 1, "{data}: one entry, got {:?}", new.iter().map(|e| &e.action).collect::<Vec<_>>());
    let entry = new[0];
    assert_eq!(entry.action, "read", "{data}");
    assert_eq!(entry.object_id, object, "{data}");
    assert!(
        entry.after_json.as_deref().unwrap_or_default().contains(&format!("\"data\":\"{data}\"")),
        "{data}: {entry:?}"
    );
    entry.seq
}

#[tokio::test]
async fn every_sensitive_read_leaves_one_entry() {
    let db = seeded().await;
    let store = &db.store;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
    let auditor = user(store, "auditor", "HQ", Role::Auditor).await;
    let (program, person) = enrolled(store, &worker, &officer).await;
    let id = person.to_string();
    let mut seq = store.recent_audit_entries(&auditor, 1).await.unwrap()[0].seq;

    store.person(&worker, person).await.unwrap();
    seq = check(store, &auditor, "person_record", &id, seq).await;
    store.person_by_national_code(&worker, "0012345679").await.unwrap();
    seq = check(store, &auditor, "person_record", &id, seq).await;
    store.person_history(&worker, person).await.unwrap();
    seq = check(store, &auditor, "person_history", &id, seq).await;
    store.disabilities(&worker, person).await.unwrap();
    seq = check(store, &auditor, "assessments", &id, seq).await;
    store.rule_values(&officer, Some(&[person])).await.unwrap();
    seq = check(store, &auditor, "rule_values", &id, seq).await;
    store.explain_eligibility(&officer, program, person).await.unwrap();
    seq = check(store, &auditor, "eligibility", &id, seq).await;
    let mut out = Vec::new();
    store.export(&worker, ImportKind::Persons, FileFormat::Csv, None, &mut out).await.unwrap();
    check(store, &auditor, "export", "persons", seq).await;
}
