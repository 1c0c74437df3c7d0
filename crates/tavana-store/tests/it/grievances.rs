//! Grievances as a county office and its province handle them: received with
//! every bad field named, due by the category's service level, read only by
//! whoever needs to know, escalated to the province when the deadline passes,
//! answered with a reply. On SQLite and PostgreSQL.

use crate::outbox::enrolled;
use crate::support::{seeded, user};
use tavana_domain::cases::grievances::{GrievanceFields, GrievanceState as G, RawGrievance};
use tavana_domain::iam::Role;
use tavana_store::cases::grievances::GrievanceFilter;
use tavana_store::{Clock, StoreError};

const DAY_ONE: time::OffsetDateTime = time::macros::datetime!(2026-11-27 12:00 UTC);

fn field_of(e: &StoreError) -> &str {
    match e {
        StoreError::Invalid(d) => d.field,
        _ => "",
    }
}

fn raw(category: &str) -> RawGrievance {
    RawGrievance {
        national_code: "0012345679".into(),
        channel: "phone".into(),
        category: category.into(),
        subject: "مستمری آبان واریز نشد".into(),
        body: "مستمری ماه آبان به حساب من واریز نشده است".into(),
    }
}

#[tokio::test]
async fn a_grievance_is_handled_on_a_need_to_know_basis_and_escalated_when_its_deadline_passes() {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(DAY_ONE));
    let worker = user(&store, "worker", "C08-01", Role::CaseWorker).await;
    let colleague = user(&store, "colleague", "C08-01", Role::CaseWorker).await;
    let elsewhere = user(&store, "elsewhere", "C01-01", Role::CaseWorker).await;
    let province = user(&store, "province", "P08", Role::ProgramOfficer).await;
    let officer = user(&store, "officer", "HQ", Role::ProgramOfficer).await;
    let auditor = user(&store, "auditor", "HQ", Role::Auditor).await;
    let (program, person) = enrolled(&store, &worker, &officer).await;
    let ended = tavana_store::programs::EnrollmentDecision {
        to: tavana_domain::programs::EnrollmentState::Paused,
        reasons: "no bank account",
        legal_basis: "art. 9",
        exit_reason: None,
    };
    store.decide_enrollment(&officer, program, person, &ended).await.unwrap();
    let decision = store.person_decisions(&officer, person).await.unwrap()[0].id;

    // Received with a decision it concerns; someone out of reach cannot.
    let fields = GrievanceFields::parse(&raw("payment")).unwrap();
    let far = store.lodge_grievance(&elsewhere, &fields, None).await.unwrap_err();
    assert_eq!(field_of(&far), "national_code", "{far:?}");
    let not_theirs = store.lodge_grievance(&worker, &fields, Some(decision + 1000)).await.unwrap_err();
    assert_eq!(field_of(&not_theirs), "decision");
    let id = store.lodge_grievance(&worker, &fields, Some(decision)).await.unwrap();
    let file = store.grievance(&worker, id).await.unwrap();
    assert_eq!((file.grievance.state, file.grievance.due_on.as_str()), (G::Received, "2026-12-04"), "payment: 7 days");
    assert_eq!(file.decision.as_ref().map(|d| d.to_state.as_str()), Some("paused"));

    // Assigned to the worker: the colleague no longer sees it; their supervisor does.
    store.assign_grievance(&worker, id, worker.user_id, file.grievance.version).await.unwrap();
    assert!(matches!(store.grievance(&colleague, id).await, Err(StoreError::NotFound)));
    assert!(store.grievances(&colleague, GrievanceFilter::default(), 100).await.unwrap().is_empty());
    assert!(matches!(store.grievance(&elsewhere, id).await, Err(StoreError::NotFound)));
    assert_eq!(store.grievance(&province, id).await.unwrap().grievance.state, G::Assigned);
    let refused = store.assign_grievance(&worker, id, elsewhere.user_id, 2).await.unwrap_err();
    assert_eq!(field_of(&refused), "user");

    // Not escalated before the deadline; escalated to the province the day after.
    assert_eq!(store.escalate_overdue_grievances().await.unwrap(), 0);
    let late = store.with_clock(Clock::Fixed(DAY_ONE + time::Duration::days(8)));
    let overdue = GrievanceFilter { overdue: true, ..Default::default() };
    assert_eq!(late.grievances(&province, overdue, 100).await.unwrap().len(), 1);
    assert_eq!(late.escalate_overdue_grievances().await.unwrap(), 1);
    let moved = late.grievance(&province, id).await.unwrap();
    assert_eq!((moved.grievance.state, moved.grievance.escalations), (G::Escalated, 1));
    assert_eq!((moved.grievance.assigned_to, moved.grievance.due_on.as_str()), (None, "2026-12-12"));
    assert!(matches!(late.grievance(&worker, id).await, Err(StoreError::NotFound)), "it left the county");
    assert_eq!(moved.events.last().map(|e| (e.to_state.as_str(), e.by_name.is_none())), Some(("escalated", true)));
    assert_eq!(late.escalate_overdue_grievances().await.unwrap(), 0, "its new deadline has not passed");

    // Answered at the province, with a reply.
    let empty = late.resolve_grievance(&province, id, " ", moved.grievance.version).await.unwrap_err();
    assert_eq!(field_of(&empty), "reply");
    late.resolve_grievance(&province, id, "مستمری پس از ثبت شبا پرداخت می‌شود", moved.grievance.version).await.unwrap();
    let done = late.grievance(&province, id).await.unwrap();
    assert_eq!(done.grievance.state, G::Resolved);
    assert!(done.grievance.reply.as_deref().unwrap().contains("شبا"));
    let again = late.resolve_grievance(&province, id, "again", done.grievance.version).await.unwrap_err();
    assert_eq!(field_of(&again), "state");
    let after_a_week = store.with_clock(Clock::Fixed(DAY_ONE + time::Duration::days(30)));
    assert_eq!(after_a_week.escalate_overdue_grievances().await.unwrap(), 0, "an answered grievance stays");

    // The audit names the escalation; reading a grievance is logged.
    let escalations = store.audit_entries(&auditor, Some("grievance.escalate"), 10).await.unwrap();
    assert_eq!(escalations.len(), 1);
    assert!(escalations[0].after_json.as_deref().unwrap().contains(&format!("[[{id},")));
    let reads = store.recent_reads(&auditor, 100).await.unwrap();
    assert!(reads.iter().any(|r| r.object_type == "grievance"
        && r.actor_username.as_deref() == Some("province")
        && r.after_json.as_deref().unwrap_or_default().contains("\"data\":\"grievances\"")));
    let chain = store.verify_audit_chain().await.unwrap();
    assert!(matches!(chain, tavana_store::audit::ChainReport::Intact { .. }), "{chain:?}");
}
