//! Vetting files held in trust: an authorization table over every kind of user
//! proves that only a grant holder opens a file (an administrator included, no
//! one by role alone), each opening logged with its reason and visible to the
//! board; the database holds no plaintext of a file; a new key re-seals every
//! text. On SQLite and PostgreSQL.

use crate::support::{seeded, user};
use tavana_domain::gozinesh::{EntryKind, SubjectKind, Verdict};
use tavana_domain::iam::Role;
use tavana_store::audit_keys::Keyring;
use tavana_store::gozinesh::VettingDecision;
use tavana_store::{Clock, StoreError};

const DAY_ONE: time::OffsetDateTime = time::macros::datetime!(2026-11-27 12:00 UTC);
const NOTE: &str = "یادداشت محرمانه: همکار پیشین از رفتار او گزارش منفی داد";
const SUBJECT: &str = "کیوان آزمون‌پور";

#[tokio::test]
async fn a_vetting_file_opens_by_grant_only_and_the_database_holds_no_plaintext() {
    let db = seeded().await;
    let keys = Keyring::generate(0);
    let store = db.store.with_clock(Clock::Fixed(DAY_ONE)).with_vetting_keys(keys.clone());
    let officer = user(&store, "officer", "HQ", Role::GozineshOfficer).await;
    let colleague = user(&store, "colleague", "HQ", Role::GozineshOfficer).await;
    let board = user(&store, "board", "HQ", Role::GozineshBoard).await;
    let admin = user(&store, "admin", "HQ", Role::Admin).await;
    let auditor = user(&store, "auditor", "HQ", Role::Auditor).await;
    let hr = user(&store, "hr", "HQ", Role::HrOfficer).await;
    let province_officer = user(&store, "fars.officer", "P17", Role::GozineshOfficer).await;
    let code = tavana_domain::NationalCode::parse("0012345679").unwrap();
    let case = store.open_vetting_case(&officer, SubjectKind::Applicant, SUBJECT, &code).await.unwrap();
    store.add_vetting_entry(&officer, case, (EntryKind::Note, NOTE), (None, None)).await.unwrap();
    let inquiry = (EntryKind::Inquiry, "استعلام از محل کار پیشین");
    let no_due = store.add_vetting_entry(&officer, case, inquiry, (None, None)).await.unwrap_err();
    assert!(matches!(no_due, StoreError::Invalid(ref e) if e.field == "due_on"), "{no_due:?}");
    store.add_vetting_entry(&officer, case, inquiry, (Some(time::macros::date!(2026 - 12 - 10)), None)).await.unwrap();

    // The authorization table: only the opener's grant opens it.
    let reason = "بررسی سوابق برای تصمیم";
    for (who, actor) in [
        ("colleague", &colleague),
        ("board", &board),
        ("admin", &admin),
        ("auditor", &auditor),
        ("hr", &hr),
        ("province officer", &province_officer),
    ] {
        let refused = store.open_vetting_file(actor, case, reason).await.unwrap_err();
        assert!(matches!(refused, StoreError::Forbidden(_) | StoreError::NotFound), "{who}: {refused:?}");
    }
    let no_reason = store.open_vetting_file(&officer, case, " ").await.unwrap_err();
    assert!(matches!(no_reason, StoreError::Invalid(ref e) if e.field == "reason"), "{no_reason:?}");
    let file = store.open_vetting_file(&officer, case, reason).await.unwrap();
    assert_eq!((file.subject_name.as_str(), file.subject_national_code.as_str()), (SUBJECT, "0012345679"));
    assert_eq!(file.entries.iter().map(|e| e.text.as_str()).next(), Some(NOTE));

    // The board grants itself access for a week, with the reason; an admin may never hold one.
    let not_for_admin = store.grant_vetting_access(&board, case, admin.user_id, 7, "review").await.unwrap_err();
    assert!(matches!(not_for_admin, StoreError::Invalid(ref e) if e.field == "user"), "{not_for_admin:?}");
    assert!(matches!(
        store.grant_vetting_access(&officer, case, colleague.user_id, 7, "help").await,
        Err(StoreError::Forbidden(_))
    ));
    store.grant_vetting_access(&board, case, board.user_id, 7, "رسیدگی هیئت").await.unwrap();
    store.open_vetting_file(&board, case, "رسیدگی هیئت").await.unwrap();
    let a_week_on = store.with_clock(Clock::Fixed(DAY_ONE + time::Duration::days(8)));
    assert!(
        matches!(a_week_on.open_vetting_file(&board, case, "again").await, Err(StoreError::Forbidden(_))),
        "expired"
    );

    // Every opening is logged with who and why, and the board sees them.
    let openings = store.vetting_file_openings(&board, case, 10).await.unwrap();
    let said: Vec<(Option<&str>, bool)> = openings
        .iter()
        .map(|e| (e.actor_username.as_deref(), e.after_json.as_deref().unwrap_or_default().contains(reason)))
        .collect();
    assert_eq!(said, [(Some("board"), false), (Some("officer"), true)]);
    assert!(matches!(store.vetting_file_openings(&officer, case, 10).await, Err(StoreError::Forbidden(_))));

    // Decided with reasons; the decision is sealed too.
    let decision = VettingDecision {
        verdict: Verdict::Conditional,
        reasons: "سوابق کاری با شرط دورهٔ آزمایشی پذیرفته شد".into(),
        legal_basis: "قانون گزینش، مادهٔ ۲".into(),
        conditions: "".into(),
    };
    let no_conditions = store.decide_vetting_case(&officer, case, &decision, file.version).await.unwrap_err();
    assert!(matches!(no_conditions, StoreError::Invalid(ref e) if e.field == "conditions"));
    let decision = VettingDecision { conditions: "شش ماه آزمایشی".into(), ..decision };
    store.decide_vetting_case(&officer, case, &decision, file.version).await.unwrap();
    let decided = store.open_vetting_file(&officer, case, "ابلاغ رأی").await.unwrap();
    assert_eq!(decided.decision.as_ref(), Some(&decision));

    // No plaintext of the file anywhere in the database.
    let plain = [NOTE, SUBJECT, "0012345679", "شش ماه آزمایشی"];
    if let Some(path) = db.url.strip_prefix("sqlite:") {
        let path = path.split('?').next().unwrap();
        for file in [path.to_string(), format!("{path}-wal")] {
            let Ok(bytes) = std::fs::read(&file) else { continue };
            for text in plain {
                assert!(!bytes.windows(text.len()).any(|w| w == text.as_bytes()), "{text:?} in {file}");
            }
        }
    }
    for text in plain {
        let hex: String = text.bytes().map(|b| format!("{b:02x}")).collect();
        for (table, column) in
            [("vetting_cases", "subject"), ("vetting_cases", "decision"), ("vetting_entries", "body")]
        {
            let found = store
                .count_rows_for_tests(&format!("{table} WHERE lower(hex({column})) LIKE '%{hex}%'"))
                .await
                .or_else(|_| Ok::<i64, StoreError>(0))
                .unwrap();
            assert_eq!(found, 0, "{text:?} in {table}.{column}");
        }
    }

    // A new key: every text re-sealed with it; the old key can then go.
    let rotated = keys.rotated(1);
    let store = store.with_vetting_keys(rotated.clone());
    assert_eq!(store.reseal_vetting().await.unwrap(), 4, "the subject, the decision and two entries");
    assert_eq!(store.reseal_vetting().await.unwrap(), 0);
    let newest_only = Keyring::parse(rotated.to_file().lines().last().unwrap()).unwrap();
    let store = store.with_vetting_keys(newest_only);
    assert_eq!(store.open_vetting_file(&officer, case, "پس از چرخش کلید").await.unwrap().decision, Some(decision));
    let chain = store.verify_audit_chain().await.unwrap();
    assert!(matches!(chain, tavana_store::audit::ChainReport::Intact { .. }), "{chain:?}");
}

/// A candidate's case: an inquiry overdue is listed (without its text), the
/// decision appealed by its deadline and overturned by the board, and the
/// manager sees only the advice.
#[tokio::test]
async fn a_candidate_s_case_is_appealed_and_the_manager_sees_only_the_advice() {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(DAY_ONE)).with_vetting_keys(Keyring::generate(0));
    let officer = user(&store, "officer", "HQ", Role::GozineshOfficer).await;
    let board = user(&store, "board", "HQ", Role::GozineshBoard).await;
    let hr = user(&store, "hr", "HQ", Role::HrOfficer).await;
    let worker = user(&store, "worker", "HQ", Role::CaseWorker).await;
    let code = tavana_domain::NationalCode::parse("0012345679").unwrap();
    let case = store.open_vetting_case(&officer, SubjectKind::Candidate, SUBJECT, &code).await.unwrap();
    let due = time::macros::date!(2026 - 12 - 01);
    let inquiry = store
        .add_vetting_entry(&officer, case, (EntryKind::Inquiry, "استعلام از مرجع"), (Some(due), None))
        .await
        .unwrap();
    let later = store.with_clock(Clock::Fixed(DAY_ONE + time::Duration::days(10)));
    assert_eq!(later.overdue_vetting_inquiries(&officer).await.unwrap(), [(case, inquiry, "2026-12-01".to_string())]);
    later
        .add_vetting_entry(&officer, case, (EntryKind::Reply, "پاسخ مرجع: بدون سابقه"), (None, Some(inquiry)))
        .await
        .unwrap();
    assert!(later.overdue_vetting_inquiries(&officer).await.unwrap().is_empty(), "answered");

    // Not recommended; the manager sees the advice alone.
    assert_eq!(store.vetting_advice(&hr, case).await.unwrap().verdict, None, "not decided yet");
    let version = store.open_vetting_file(&officer, case, "تصمیم").await.unwrap().version;
    let rejected = VettingDecision {
        verdict: Verdict::Rejected,
        reasons: "سوابق ناکافی".into(),
        legal_basis: "قانون گزینش، مادهٔ ۲".into(),
        conditions: String::new(),
    };
    store.decide_vetting_case(&officer, case, &rejected, version).await.unwrap();
    assert_eq!(store.vetting_advice(&hr, case).await.unwrap().verdict, Some(Verdict::Rejected));
    assert!(matches!(store.vetting_advice(&worker, case).await, Err(StoreError::Forbidden(_) | StoreError::NotFound)));
    let curious = store.open_vetting_file(&hr, case, "کنجکاوی").await;
    assert!(matches!(curious, Err(StoreError::Forbidden(_) | StoreError::NotFound)), "never the file: {curious:?}");

    // Appealed late: refused; in time: the board overturns it.
    let version = store.open_vetting_file(&officer, case, "اعتراض").await.unwrap().version;
    let late = store.with_clock(Clock::Fixed(DAY_ONE + time::Duration::days(31)));
    let refused = late.appeal_vetting_case(&officer, case, "مدارک تازه", version).await.unwrap_err();
    assert!(matches!(refused, StoreError::Invalid(ref e) if e.field == "grounds"), "{refused:?}");
    store.appeal_vetting_case(&officer, case, "مدارک تازهٔ سوابق کاری", version).await.unwrap();
    let approved = VettingDecision {
        verdict: Verdict::Conditional,
        reasons: "مدارک تازه سوابق را تأیید کرد".into(),
        legal_basis: "قانون گزینش، مادهٔ ۹".into(),
        conditions: "شش ماه دورهٔ آزمایشی".into(),
    };
    let version = version + 1;
    assert!(
        matches!(
            store.rule_on_vetting_appeal(&board, case, Some(&approved), "پذیرفته شد", version).await,
            Err(StoreError::Forbidden(_))
        ),
        "the board too needs a grant"
    );
    store.grant_vetting_access(&board, case, board.user_id, 7, "رسیدگی به اعتراض").await.unwrap();
    // The board's replacing decision says why, as the officer's must.
    let unreasoned = VettingDecision { reasons: " ".into(), ..approved.clone() };
    let refused =
        store.rule_on_vetting_appeal(&board, case, Some(&unreasoned), "پذیرفته شد", version).await.unwrap_err();
    assert!(matches!(refused, StoreError::Invalid(ref e) if e.field == "reasons"), "{refused:?}");
    store.rule_on_vetting_appeal(&board, case, Some(&approved), "مدارک تازه پذیرفته شد", version).await.unwrap();
    let file = store.open_vetting_file(&board, case, "پس از رأی").await.unwrap();
    assert_eq!((file.state, file.decision.as_ref()), (tavana_domain::gozinesh::VettingState::Final, Some(&approved)));
    // The manager sees the conditions of a conditional approval, and nothing else of the decision.
    let advice = store.vetting_advice(&hr, case).await.unwrap();
    assert_eq!(
        (advice.verdict, advice.conditions.as_deref()),
        (Some(Verdict::Conditional), Some("شش ماه دورهٔ آزمایشی"))
    );
    assert!(!serde_json::to_string(&advice).unwrap().contains("مدارک تازه"), "no reasons");
}

/// The cases of an officer's tree are listed without anything of their files;
/// an opening lasts a sitting (the file reads again without a new reason, each
/// read logged with the opening's reason) until it ends or the grant does; the
/// subject's notice gives the decision and its reasons, never the inquiries.
#[tokio::test]
async fn cases_are_listed_blind_a_sitting_keeps_a_file_open_and_the_notice_hides_the_inquiries() {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(DAY_ONE)).with_vetting_keys(Keyring::generate(0));
    let officer = user(&store, "officer", "HQ", Role::GozineshOfficer).await;
    let colleague = user(&store, "colleague", "HQ", Role::GozineshOfficer).await;
    let board = user(&store, "board", "HQ", Role::GozineshBoard).await;
    let province_officer = user(&store, "fars.officer", "P17", Role::GozineshOfficer).await;
    let admin = user(&store, "admin", "HQ", Role::Admin).await;
    let auditor = user(&store, "auditor", "HQ", Role::Auditor).await;
    let code = tavana_domain::NationalCode::parse("0012345679").unwrap();
    let case = store.open_vetting_case(&officer, SubjectKind::Renewal, SUBJECT, &code).await.unwrap();
    let secret = "استعلام محرمانه از مرجع امنیتی";
    let due = Some(time::macros::date!(2026 - 12 - 20));
    store.add_vetting_entry(&officer, case, (EntryKind::Inquiry, secret), (due, None)).await.unwrap();

    // Listed to those who vet in the tree: kind, state and one's own grant; no subject.
    let listed = store.vetting_cases(&officer, 50).await.unwrap();
    assert_eq!(
        listed.iter().map(|c| (c.id, c.kind, c.state)).collect::<Vec<_>>(),
        [(case, SubjectKind::Renewal, tavana_domain::gozinesh::VettingState::Open)]
    );
    assert!(listed[0].my_grant_until.is_some(), "the opener holds it");
    let theirs = store.vetting_cases(&colleague, 50).await.unwrap();
    assert_eq!(theirs.iter().map(|c| (c.id, c.my_grant_until)).collect::<Vec<_>>(), [(case, None)]);
    assert_eq!(store.vetting_cases(&board, 50).await.unwrap().len(), 1);
    assert_eq!(store.vetting_case(&colleague, case).await.unwrap(), theirs[0]);
    assert!(matches!(
        store.vetting_case(&province_officer, case).await,
        Err(StoreError::Forbidden(_) | StoreError::NotFound)
    ));
    assert!(store.vetting_cases(&province_officer, 50).await.unwrap().is_empty(), "another tree");
    assert!(matches!(store.vetting_cases(&admin, 50).await, Err(StoreError::Forbidden(_))));
    let listing = serde_json::to_string(&listed).unwrap();
    assert!(!listing.contains(SUBJECT) && !listing.contains("0012345679"), "{listing}");

    // No sitting before an opening; one after, for the opener alone.
    assert_eq!(store.vetting_file_in_sitting(&officer, case).await.unwrap(), None);
    let reason = "بررسی دوره‌ای پنج‌ساله";
    let opened = store.open_vetting_file(&officer, case, reason).await.unwrap();
    let reads_before = store.vetting_file_openings(&board, case, 50).await.unwrap().len();
    let again = store.vetting_file_in_sitting(&officer, case).await.unwrap();
    assert_eq!(again.as_ref(), Some(&opened));
    let reads = store.vetting_file_openings(&board, case, 50).await.unwrap();
    assert_eq!(reads.len(), reads_before + 1, "each read in a sitting is logged");
    assert!(reads[0].after_json.as_deref().unwrap_or_default().contains(reason), "{:?}", reads[0]);
    assert_eq!(store.vetting_file_in_sitting(&colleague, case).await.unwrap(), None);
    let admin_reads = store.vetting_file_in_sitting(&admin, case).await;
    assert!(matches!(admin_reads, Err(StoreError::Forbidden(_) | StoreError::NotFound)), "{admin_reads:?}");
    let an_hour_on = store.with_clock(Clock::Fixed(DAY_ONE + time::Duration::hours(1)));
    assert_eq!(an_hour_on.vetting_file_in_sitting(&officer, case).await.unwrap(), None, "the sitting ended");
    // A sitting never outlives the grant.
    store.grant_vetting_access(&board, case, board.user_id, 1, "رسیدگی").await.unwrap();
    let near_end = store.with_clock(Clock::Fixed(DAY_ONE + time::Duration::hours(23) + time::Duration::minutes(50)));
    near_end.open_vetting_file(&board, case, "رسیدگی هیئت").await.unwrap();
    let past = store.with_clock(Clock::Fixed(DAY_ONE + time::Duration::hours(24) + time::Duration::minutes(5)));
    assert!(matches!(past.vetting_file_in_sitting(&board, case).await, Err(StoreError::Forbidden(_))));

    // The notice: nothing before a decision; then the decision, never an entry.
    assert!(
        matches!(store.vetting_notice(&officer, case).await, Err(StoreError::Invalid(ref e)) if e.field == "state")
    );
    let decision = VettingDecision {
        verdict: Verdict::Rejected,
        reasons: "عدم احراز صلاحیت عمومی".into(),
        legal_basis: "قانون گزینش، مادهٔ ۲".into(),
        conditions: String::new(),
    };
    store.decide_vetting_case(&officer, case, &decision, opened.version).await.unwrap();
    let seq = store.recent_reads(&auditor, 1).await.unwrap()[0].seq;
    let notice = store.vetting_notice(&officer, case).await.unwrap();
    assert_eq!((notice.subject_name.as_str(), &notice.decision), (SUBJECT, &decision));
    assert_eq!(notice.appeal_until, "2026-12-27");
    assert!(!serde_json::to_string(&notice).unwrap().contains(secret));
    let logged = store.recent_reads(&auditor, 1).await.unwrap();
    assert!(logged[0].seq > seq && logged[0].object_id == case.to_string(), "the notice is a logged read");
    assert!(matches!(store.vetting_notice(&colleague, case).await, Err(StoreError::Forbidden(_))));
}
