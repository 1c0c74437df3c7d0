//! Appeals as a county office and a board handle them: a decision refusing or
//! ending a benefit is appealed by its deadline with the person's grounds, and
//! ruled on by a board member who did not decide it; an overturn enrolls the
//! person again by a decision naming the appeal. On SQLite and PostgreSQL.

use crate::support::{activate, confirm, load_population, seeded, user};
use tavana_domain::cases::{AppealState, Ruling};
use tavana_domain::iam::{Actor, Role};
use tavana_domain::programs::EnrollmentState as S;
use tavana_store::programs::EnrollmentDecision as D;
use tavana_store::{Clock, Store, StoreError};

const DAY_ONE: time::OffsetDateTime = time::macros::datetime!(2026-11-27 12:00 UTC);

fn field_of(e: &StoreError) -> &str {
    match e {
        StoreError::Invalid(d) => d.field,
        _ => "",
    }
}

/// A person program for the severely disabled with everyone it proposes enrolled.
async fn enrolled(store: &Store, officer: &Actor) -> (i64, Vec<i64>) {
    let raw = tavana_domain::programs::RawProgram {
        code: "travel".into(),
        name_fa: "تخفیف سفر".into(),
        name_en: "Travel discount".into(),
        kind: "discount".into(),
        target: "person".into(),
        rule: r#"disability.severity in ["severe", "very_severe"]"#.into(),
        formula: "0".into(),
        ..Default::default()
    };
    let fields = tavana_domain::programs::ProgramFields::parse(&raw).unwrap();
    let program = store.create_program(officer, &fields, "new program").await.unwrap();
    activate(store, program.id).await;
    let proposal = store.propose_enrollments(officer, program.id, store.default_as_of().unwrap()).await.unwrap();
    let chosen = proposal.to_enroll.clone();
    confirm(store, officer, program.id, &chosen, "assessed severe", "art. 27").await.unwrap();
    assert!(chosen.len() > 3, "{}", chosen.len());
    (program.id, chosen)
}

/// The newest decision on a person's enrollments.
async fn latest_decision(store: &Store, actor: &Actor, person: i64) -> tavana_store::programs::DecisionRow {
    store.person_decisions(actor, person).await.unwrap().remove(0)
}

#[tokio::test]
async fn a_refusal_appealed_in_time_is_overturned_by_a_board_that_did_not_decide_it() {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(DAY_ONE));
    let clerk = user(&store, "clerk", "HQ", Role::CaseWorker).await;
    let officer = user(&store, "officer", "HQ", Role::ProgramOfficer).await;
    let board = user(&store, "board", "HQ", Role::ProgramOfficer).await;
    let auditor = user(&store, "auditor", "HQ", Role::Auditor).await;
    load_population(&store, &clerk, 300, 53).await;
    let (program, chosen) = enrolled(&store, &officer).await;
    let person = chosen[0];
    let ended = D {
        to: S::NotEligible,
        reasons: "the reassessment found a moderate disability",
        legal_basis: "art. 27",
        exit_reason: None,
    };
    store.decide_enrollment(&officer, program, person, &ended).await.unwrap();
    let decision = latest_decision(&store, &officer, person).await;
    assert_eq!(decision.to_state, "not_eligible");

    // Lodged with grounds, once.
    let no_grounds = store.lodge_appeal(&clerk, decision.id, " ").await.unwrap_err();
    assert_eq!(field_of(&no_grounds), "grounds");
    let appeal = store.lodge_appeal(&clerk, decision.id, "a second commission assessed it severe").await.unwrap();
    assert_eq!((appeal.state, appeal.decision_id, appeal.person_id), (AppealState::Lodged, decision.id, person));
    let twice = store.lodge_appeal(&clerk, decision.id, "again").await.unwrap_err();
    assert_eq!(field_of(&twice), "decision", "{twice:?}");
    assert!(store.appeals(&board, AppealState::Lodged, 100).await.unwrap().iter().any(|a| a.id == appeal.id));
    // The board's worklist names each appeal's decision and person, read once.
    let list_reads = async || {
        let reads = store.recent_reads(&auditor, 1_000).await.unwrap();
        reads.iter().filter(|r| r.object_type == "appeals" && r.actor_username.as_deref() == Some("board")).count()
    };
    let before = list_reads().await;
    let worklist = store.appeals_to_rule(&board, 100).await.unwrap();
    assert_eq!(worklist.len(), 1);
    let waiting = &worklist[0];
    assert_eq!((waiting.appeal.id, waiting.to_state.as_str()), (appeal.id, "not_eligible"));
    assert_eq!(waiting.decided_by.as_deref(), Some("officer"));
    assert_eq!(waiting.decision_reasons, ended.reasons);
    assert_eq!(list_reads().await, before + 1, "one logged read for the list");

    // Who may rule: not the decider, not a case worker, and with reasons and a basis.
    let decider = store.rule_on_appeal(&officer, appeal.id, Ruling::Overturn, "agreed", "art. 27").await.unwrap_err();
    assert_eq!(field_of(&decider), "board", "{decider:?}");
    let clerk_rules = store.rule_on_appeal(&clerk, appeal.id, Ruling::Overturn, "agreed", "art. 27").await.unwrap_err();
    assert!(matches!(clerk_rules, StoreError::Forbidden(_)), "{clerk_rules:?}");
    let no_basis = store.rule_on_appeal(&board, appeal.id, Ruling::Overturn, "agreed", "").await.unwrap_err();
    assert_eq!(field_of(&no_basis), "legal_basis");
    assert_eq!(store.appeal(&board, appeal.id).await.unwrap().state, AppealState::Lodged, "nothing changed");

    // Overturned: the person is enrolled again by a decision that names the appeal.
    let ruled = store
        .rule_on_appeal(&board, appeal.id, Ruling::Overturn, "the second commission's assessment stands", "art. 27")
        .await
        .unwrap();
    assert_eq!((ruled.state, ruled.ruled_by_name.as_deref()), (AppealState::Overturned, Some("board")));
    assert_eq!(store.enrollment(&officer, program, person).await.unwrap().state, S::Enrolled);
    let undoing = latest_decision(&store, &officer, person).await;
    assert_eq!(Some(undoing.id), ruled.effect_decision_id);
    assert_eq!((undoing.from_state.as_deref(), undoing.to_state.as_str()), (Some("not_eligible"), "enrolled"));
    assert!(undoing.reasons.contains(&format!("appeal {}", appeal.id)), "{}", undoing.reasons);
    assert_eq!(undoing.decided_by.as_deref(), Some("board"));
    let again = store.rule_on_appeal(&board, appeal.id, Ruling::Affirm, "no", "art. 27").await.unwrap_err();
    assert_eq!(field_of(&again), "state");
    // The person's appeals, and the audit log naming both steps.
    assert_eq!(store.person_appeals(&clerk, person).await.unwrap().len(), 1);
    // Reading appeals (their grounds speak of the person's condition) is logged.
    store.appeal(&clerk, appeal.id).await.unwrap();
    let reads = store.recent_reads(&auditor, 100).await.unwrap();
    let by_clerk = |object: &str| {
        reads.iter().any(|r| {
            r.object_type == object
                && r.actor_username.as_deref() == Some("clerk")
                && r.after_json.as_deref().unwrap_or_default().contains("\"data\":\"decisions\"")
        })
    };
    assert!(by_clerk("appeal") && by_clerk("person"), "{reads:?}");
    let rules = store.audit_entries(&auditor, Some("appeal.rule"), 10).await.unwrap();
    assert_eq!(rules.len(), 1);
    assert!(rules[0].after_json.as_deref().unwrap().contains("\"state\":\"overturned\""));
    let chain = store.verify_audit_chain().await.unwrap();
    assert!(matches!(chain, tavana_store::audit::ChainReport::Intact { .. }), "{chain:?}");

    // A decision that enrolled the person is not appealed.
    let enrolled_again = store.lodge_appeal(&clerk, undoing.id, "nothing").await.unwrap_err();
    assert_eq!(field_of(&enrolled_again), "decision");
}

#[tokio::test]
async fn an_appeal_after_the_deadline_is_refused_and_one_affirmed_changes_nothing() {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(DAY_ONE));
    let clerk = user(&store, "clerk", "HQ", Role::CaseWorker).await;
    let officer = user(&store, "officer", "HQ", Role::ProgramOfficer).await;
    let board = user(&store, "board", "HQ", Role::ProgramOfficer).await;
    load_population(&store, &clerk, 300, 59).await;
    let (program, chosen) = enrolled(&store, &officer).await;
    let paused = D { to: S::Paused, reasons: "the card was not renewed", legal_basis: "art. 9", exit_reason: None };
    store.decide_enrollment(&officer, program, chosen[0], &paused).await.unwrap();
    store.decide_enrollment(&officer, program, chosen[1], &paused).await.unwrap();
    let (late_one, kept_one) =
        (latest_decision(&store, &officer, chosen[0]).await, latest_decision(&store, &officer, chosen[1]).await);

    // Thirty days to appeal: the thirtieth is in time, the thirty-first is late.
    let on_the_last_day = store.with_clock(Clock::Fixed(DAY_ONE + time::Duration::days(30)));
    let in_time = on_the_last_day.lodge_appeal(&clerk, kept_one.id, "the renewal was filed").await.unwrap();
    let a_day_late = store.with_clock(Clock::Fixed(DAY_ONE + time::Duration::days(31)));
    let late = a_day_late.lodge_appeal(&clerk, late_one.id, "the renewal was filed").await.unwrap_err();
    assert_eq!(field_of(&late), "decision");
    match &late {
        StoreError::Invalid(e) => assert!(e.reason.persian().contains("مهلت اعتراض گذشته است"), "{e:?}"),
        other => panic!("{other:?}"),
    }
    assert!(store.person_appeals(&clerk, chosen[0]).await.unwrap().is_empty(), "nothing was lodged");

    // Affirmed: the decision stands.
    let affirmed =
        store.rule_on_appeal(&board, in_time.id, Ruling::Affirm, "no renewal was filed", "art. 9").await.unwrap();
    assert_eq!((affirmed.state, affirmed.effect_decision_id), (AppealState::Affirmed, None));
    assert_eq!(store.enrollment(&officer, program, chosen[1]).await.unwrap().state, S::Paused);
}
