//! Every path that returns sensitive data leaves exactly one entry in the read log
//! naming who read which data of whom, and logging it never waits for a write in
//! progress. A new sensitive read gets a row here.

use crate::outbox::enrolled;
use crate::support::{seeded, user};
use tavana_domain::iam::Role;
use tavana_store::Store;
use tavana_store::audit::AuditEntry;
use tavana_store::registry::import::{FileFormat, ImportKind};

/// Runs one read and checks it left one `read` entry with `data` about `object`.
async fn check(store: &Store, auditor: &tavana_domain::iam::Actor, data: &str, object: &str, seq_before: i64) -> i64 {
    let entries: Vec<AuditEntry> = store.recent_reads(auditor, 50).await.unwrap();
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
    let mut seq = store.recent_reads(&auditor, 1).await.unwrap().first().map(|e| e.seq).unwrap_or(0);

    store.person(&worker, person).await.unwrap();
    seq = check(store, &auditor, "person_record", &id, seq).await;
    store.person_by_national_code(&worker, "0012345679").await.unwrap();
    seq = check(store, &auditor, "person_record", &id, seq).await;
    store.person_history(&worker, person).await.unwrap();
    seq = check(store, &auditor, "person_history", &id, seq).await;
    store.disabilities(&worker, person).await.unwrap();
    seq = check(store, &auditor, "assessments", &id, seq).await;
    store.rule_values(&officer, Some(&[person]), store.default_as_of().unwrap()).await.unwrap();
    seq = check(store, &auditor, "rule_values", &id, seq).await;
    store.explain_eligibility(&officer, program, person, store.default_as_of().unwrap()).await.unwrap();
    seq = check(store, &auditor, "eligibility", &id, seq).await;
    store.person_decisions(&officer, person).await.unwrap();
    seq = check(store, &auditor, "decisions", &id, seq).await;
    // Another system's search of the registry names every person it returned.
    let search =
        crate::interop::search_for(serde_json::json!({ "type": "UIN", "value": "0012345679" }), "idtype-value");
    let asker = tavana_store::interop::Asker { sender_id: "spp.example.org", transaction_id: "t-1" };
    assert_eq!(store.registry_search(&worker, &asker, &search).await.unwrap().total, 1);
    seq = check(store, &auditor, "registry_search", &id, seq).await;
    // Who is eligible in a subtree, and for how much: a proposal reads it.
    store.propose_enrollments(&officer, program, store.default_as_of().unwrap()).await.unwrap();
    seq = check(store, &auditor, "eligibility", &format!("subtree {}", officer.unit_path.as_str()), seq).await;
    let filter = tavana_store::programs::EnrollmentFilter::default();
    let listed = store.program_enrollments(&officer, program, &filter, 0, 100).await.unwrap();
    assert_eq!(listed.iter().map(|e| e.person_id).collect::<Vec<_>>(), [person]);
    seq = check(store, &auditor, "enrollments", &program.to_string(), seq).await;
    store.program_decisions(&officer, program, 10).await.unwrap();
    seq = check(store, &auditor, "decisions", &program.to_string(), seq).await;
    // A payment cycle's lines, and a person's payments: who is paid how much, where.
    let maker = user(store, "maker", "HQ", Role::FinanceMaker).await;
    let debtor =
        tavana_domain::sheba::Sheba::from_bban([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
    let raw = tavana_domain::payments::RawPaymentSettings {
        rounding: "rial".into(),
        debtor_name: "سازمان".into(),
        debtor_sheba: debtor.as_string(),
        deduction: String::new(),
    };
    let fields = tavana_domain::payments::PaymentSettingsFields::parse(&raw).unwrap();
    store.set_payment_settings(&maker, program, &fields).await.unwrap();
    let month = tavana_domain::payments::PayMonth::of(
        tavana_domain::jalali::JalaliDate::from_gregorian(store.today()).unwrap(),
    );
    let hq = store.org_unit_by_code("HQ").await.unwrap().id;
    let cycle = store.create_cycle(&maker, program, month, hq).await.unwrap();
    store.compute_cycle(&maker, cycle.id).await.unwrap();
    let lines = store.cycle_lines(&maker, cycle.id, None, 100).await.unwrap();
    assert_eq!(lines.iter().map(|l| l.person_id).collect::<Vec<_>>(), [person]);
    seq = check(store, &auditor, "payments", &cycle.id.to_string(), seq).await;
    store.person_payments(&maker, person).await.unwrap();
    seq = check(store, &auditor, "payments", &id, seq).await;
    // Applications: the file (with the rule explained for the person), a list
    // naming them, a document, and a county office's waiting queue.
    let exit = tavana_store::programs::EnrollmentDecision {
        to: tavana_domain::programs::EnrollmentState::Exited,
        reasons: "moved abroad",
        legal_basis: "art. 9",
        exit_reason: Some(tavana_domain::programs::ExitReason::Other),
    };
    store.decide_enrollment(&officer, program, person, &exit).await.unwrap();
    let application = store.submit_application(&worker, program, person, "back home").await.unwrap();
    let card = tavana_domain::applications::DocumentKind::IdentityCard;
    let doc = store.attach_document(&worker, application, card, "card.pdf", b"%PDF-1.4 card").await.unwrap();
    store.application(&worker, application).await.unwrap();
    seq = check(store, &auditor, "applications", &application.to_string(), seq).await;
    let theirs = tavana_store::applications::ApplicationFilter { person_id: Some(person), ..Default::default() };
    store.applications(&worker, &theirs, 10).await.unwrap();
    seq = check(store, &auditor, "applications", &application.to_string(), seq).await;
    store.application_document(&worker, application, doc.id).await.unwrap();
    seq = check(store, &auditor, "applications", &application.to_string(), seq).await;
    store.waiting_queue(&officer, program, worker.unit_id).await.unwrap();
    seq = check(store, &auditor, "applications", &program.to_string(), seq).await;
    // A grievance: what the person complained of, alone and in a list.
    let raw = tavana_domain::cases::grievances::RawGrievance {
        national_code: "0012345679".into(),
        channel: "in_person".into(),
        category: "service".into(),
        subject: "نوبت توانبخشی".into(),
        body: "نوبت توانبخشی داده نشد".into(),
    };
    let fields = tavana_domain::cases::grievances::GrievanceFields::parse(&raw).unwrap();
    let grievance = store.lodge_grievance(&worker, &fields, None).await.unwrap();
    store.grievance(&worker, grievance).await.unwrap();
    seq = check(store, &auditor, "grievances", &grievance.to_string(), seq).await;
    store.grievances(&worker, Default::default(), 10).await.unwrap();
    seq = check(store, &auditor, "grievances", &grievance.to_string(), seq).await;
    // A vetting file, opened by its grant for a reason.
    let vetting = store.with_vetting_keys(tavana_store::audit_keys::Keyring::generate(0));
    let vetter = user(store, "vetter", "HQ", Role::GozineshOfficer).await;
    let code = tavana_domain::NationalCode::parse("0012345679").unwrap();
    let case = vetting
        .open_vetting_case(&vetter, tavana_domain::gozinesh::SubjectKind::Renewal, "آزمون", &code)
        .await
        .unwrap();
    let file = vetting.open_vetting_file(&vetter, case, "بررسی دوره‌ای").await.unwrap();
    seq = check(store, &auditor, "vetting", &case.to_string(), seq).await;
    vetting.vetting_file_in_sitting(&vetter, case).await.unwrap().unwrap();
    seq = check(store, &auditor, "vetting", &case.to_string(), seq).await;
    let decision = tavana_store::gozinesh::VettingDecision {
        verdict: tavana_domain::gozinesh::Verdict::Approved,
        reasons: "بدون مانع".into(),
        legal_basis: "قانون گزینش".into(),
        conditions: String::new(),
    };
    vetting.decide_vetting_case(&vetter, case, &decision, file.version).await.unwrap();
    vetting.vetting_notice(&vetter, case).await.unwrap();
    seq = check(store, &auditor, "vetting", &case.to_string(), seq).await;
    let candidate = vetting
        .open_vetting_case(&vetter, tavana_domain::gozinesh::SubjectKind::Candidate, "نامزد", &code)
        .await
        .unwrap();
    vetting.vetting_advice(&vetter, candidate).await.unwrap();
    seq = check(store, &auditor, "vetting", &candidate.to_string(), seq).await;
    // Staff records: a search naming them, and a position's holder.
    let hr = user(store, "hr", "HQ", Role::HrOfficer).await;
    let raw = tavana_domain::hr::RawPosition {
        code: "HQ-1".into(),
        title: "رئیس".into(),
        unit: "HQ".into(),
        critical: "true".into(),
    };
    let position = store.create_position(&hr, &tavana_domain::hr::PositionFields::parse(&raw).unwrap()).await.unwrap();
    let member = tavana_domain::hr::RawStaff {
        personnel_number: "300001".into(),
        national_code: "0012345679".into(),
        first_name: "رضا".into(),
        last_name: "نمونه".into(),
        unit: "HQ".into(),
        position: "HQ-1".into(),
        grade: "12".into(),
        employment_type: "permanent".into(),
        hire_date: "1380/01/01".into(),
        retirement_date: "1410/01/01".into(),
    };
    let member = tavana_domain::hr::StaffFields::parse(&member, store.today()).unwrap();
    store.add_staff(&hr, &[member]).await.unwrap();
    store.staff(&hr, None, "300001", 10).await.unwrap();
    seq = check(store, &auditor, "staff", "300001", seq).await;
    store.position(&hr, position.id).await.unwrap();
    seq = check(store, &auditor, "staff", &position.id.to_string(), seq).await;
    // The auditor asks who read this person: every read above that named them.
    let reads = store.reads_of_person(&auditor, person, 50).await.unwrap();
    let data: Vec<String> = reads
        .iter()
        .map(|e| {
            let after: serde_json::Value = serde_json::from_str(e.after_json.as_deref().unwrap()).unwrap();
            format!("{}:{}", e.actor_username.as_deref().unwrap_or(""), after["data"].as_str().unwrap())
        })
        .collect();
    for expected in [
        "worker:person_record",
        "worker:person_history",
        "worker:assessments",
        "officer:eligibility",
        "officer:decisions",
    ] {
        assert!(data.iter().any(|d| d == expected), "{expected} in {data:?}");
    }
    let fars_auditor = user(store, "fars.auditor", "P17", Role::Auditor).await;
    assert!(matches!(store.reads_of_person(&fars_auditor, person, 50).await, Err(tavana_store::StoreError::NotFound)));
    let mut out = Vec::new();
    store.export(&worker, ImportKind::Persons, FileFormat::Csv, None, &mut out).await.unwrap();
    check(store, &auditor, "export", "persons", seq).await;
}

/// An import batch (any write transaction) holds the database's write lock for a
/// while; a case worker opening a person meanwhile is not kept waiting for it.
#[tokio::test]
async fn a_logged_read_does_not_wait_for_a_write_in_progress() {
    let db = seeded().await;
    let store = db.store.clone();
    let worker = user(&store, "worker", "C08-01", Role::CaseWorker).await;
    let officer = user(&store, "officer", "HQ", Role::ProgramOfficer).await;
    let (_, person) = enrolled(&store, &worker, &officer).await;
    let (started, wait_started) = tokio::sync::oneshot::channel::<()>();
    let (release, held) = tokio::sync::oneshot::channel::<()>();
    let writer = store.clone();
    let batch = tokio::spawn(async move {
        writer
            .write(async |tx| {
                tx.audit(None, tavana_store::audit::AuditEvent::new("test.hold", "test", 1)).await?;
                let _ = started.send(());
                let _ = held.await;
                Ok(())
            })
            .await
    });
    wait_started.await.unwrap();
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), store.person(&worker, person)).await;
    let _ = release.send(());
    assert!(read.is_ok(), "the logged read waited for the write to finish");
    read.unwrap().unwrap();
    batch.await.unwrap().unwrap();
    assert!(matches!(store.verify_audit_chain().await.unwrap(), tavana_store::audit::ChainReport::Intact { .. }));
}

/// Reads made at once are logged together (one transaction for those waiting)
/// and still each leave their own entry: in order, naming their reader, the chain
/// intact, and every read returning only once its entry is committed.
#[tokio::test]
async fn reads_made_at_once_each_leave_their_own_entry() {
    let db = seeded().await;
    let store = db.store.clone();
    let worker = user(&store, "worker", "C08-01", Role::CaseWorker).await;
    let other = user(&store, "other", "C08-01", Role::CaseWorker).await;
    let officer = user(&store, "officer", "HQ", Role::ProgramOfficer).await;
    let auditor = user(&store, "auditor", "HQ", Role::Auditor).await;
    let (_, person) = enrolled(&store, &worker, &officer).await;
    let before = store.recent_reads(&auditor, 1).await.unwrap().first().map(|e| e.seq).unwrap_or(0);
    let reads: Vec<_> = (0..60)
        .map(|i| {
            let (store, auditor) = (store.clone(), auditor.clone());
            let reader = if i % 2 == 0 { worker.clone() } else { other.clone() };
            tokio::spawn(async move {
                store.person(&reader, person).await.unwrap();
                // Returned: its entry is in the log now.
                let seen = store.reads_of_person(&auditor, person, 200).await.unwrap();
                assert!(seen.iter().any(|e| e.actor_user_id == Some(reader.user_id)));
            })
        })
        .collect();
    for read in reads {
        read.await.unwrap();
    }
    let entries: Vec<AuditEntry> = store.recent_reads(&auditor, 200).await.unwrap();
    let new: Vec<&AuditEntry> =
        entries.iter().filter(|e| e.seq > before && e.object_id == person.to_string()).collect();
    assert_eq!(new.len(), 60, "one entry a read");
    let mut seqs: Vec<i64> = new.iter().map(|e| e.seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (before + 1..=before + 60).collect::<Vec<_>>(), "numbered without gaps");
    for name in ["worker", "other"] {
        let by = new.iter().filter(|e| e.actor_username.as_deref() == Some(name)).count();
        assert_eq!(by, 30, "{name}'s reads name them");
    }
    let mut times: Vec<i64> = new.iter().map(|e| e.at).collect();
    times.dedup();
    assert!(times.len() < 60, "the reads waiting were committed together (an entry's time is its transaction's)");
    assert!(matches!(store.verify_audit_chain().await.unwrap(), tavana_store::audit::ChainReport::Intact { .. }));
}

#[tokio::test]
async fn reads_of_the_quota_exam_s_candidates_and_of_jobs_leave_one_entry_each() {
    use tavana_domain::employment::{AgencyFields, JobFields, PostFields, RawAgency, RawJob, RawPost};
    let db = seeded().await;
    let store = &db.store;
    let registrar = user(store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::EmploymentOfficer).await;
    let auditor = user(store, "auditor", "HQ", Role::Auditor).await;
    let households = crate::support::load_population(store, &registrar, 300, 5).await;
    let agency = RawAgency { code: "MOE".into(), name: "وزارت".into(), unit: "HQ".into(), staff: "100".into() };
    store.create_agencies(&officer, &[AgencyFields::parse(&agency).unwrap()]).await.unwrap();
    let round = store.create_round(&officer, "آزمون").await.unwrap();
    let post = RawPost {
        agency: "MOE".into(),
        job_title: "منشی".into(),
        seats: "1".into(),
        education: "none".into(),
        kinds: tavana_domain::registry::DisabilityType::ALL.iter().map(|k| k.code()).collect::<Vec<_>>().join(","),
    };
    store.add_exam_posts(&officer, round.id, &[PostFields::parse(&post).unwrap()]).await.unwrap();
    let mut candidate = None;
    for d in households.iter().flat_map(|h| &h.disabilities) {
        if let Ok(c) = store.register_candidate(&officer, round.id, &d.national_code).await {
            candidate = Some(c);
            break;
        }
    }
    let candidate = candidate.expect("a candidate");
    let mut seq = store.recent_reads(&auditor, 1).await.unwrap().first().map(|e| e.seq).unwrap_or(0);

    store.exam_candidates(&officer, round.id, &Default::default(), 10).await.unwrap();
    seq = check(store, &auditor, "candidates", &round.id.to_string(), seq).await;
    store.candidate_file(&officer, candidate.id).await.unwrap();
    seq = check(store, &auditor, "candidates", &candidate.id.to_string(), seq).await;
    store.exam_objections(&officer, round.id).await.unwrap();
    seq = check(store, &auditor, "candidates", &round.id.to_string(), seq).await;
    store.exam_instance(&officer, round.id).await.unwrap();
    seq = check(store, &auditor, "candidates", &round.id.to_string(), seq).await;
    let job = RawJob {
        national_code: candidate.national_code.clone(),
        employer: "کارگاه".into(),
        started_on: "1405/01/01".into(),
        route: "other".into(),
        ..Default::default()
    };
    store.record_job(&officer, &JobFields::parse(&job, store.today()).unwrap(), None).await.unwrap();
    seq = store.recent_reads(&auditor, 1).await.unwrap()[0].seq.max(seq);
    store.jobs(&officer, 10).await.unwrap();
    check(store, &auditor, "candidates", &format!("subtree {}", officer.unit_path.as_str()), seq).await;
}
