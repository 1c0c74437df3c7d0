//! Intercity travel discount cards: issued to everyone with a current severe or
//! very severe assessment, checked by number (valid or not, and until when),
//! refused at once when the holder is reassessed below severe or the card
//! lapses, and revoked with the reason by the next run. On SQLite and PostgreSQL.

use crate::support::{load_population, seeded, user};
use tavana_domain::cards::card_number;
use tavana_domain::iam::Role;
use tavana_domain::registry::{DisabilityFields, RawDisability};
use tavana_store::Clock;

const DAY_ONE: time::OffsetDateTime = time::macros::datetime!(2026-11-27 12:00 UTC);

#[tokio::test]
async fn cards_are_issued_checked_and_revoked_when_the_holder_is_reassessed_or_they_lapse() {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(DAY_ONE));
    let registrar = user(&store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(&store, "officer", "HQ", Role::ProgramOfficer).await;
    let auditor = user(&store, "auditor", "HQ", Role::Auditor).await;
    load_population(&store, &registrar, 400, 67).await;
    assert!(store.issue_travel_cards(&registrar).await.is_err(), "case workers do not issue cards");

    let run = store.issue_travel_cards(&officer).await.unwrap();
    assert!(run.issued > 3 && run.revoked == 0, "{run:?}");
    let again = store.issue_travel_cards(&officer).await.unwrap();
    assert_eq!((again.issued, again.revoked), (0, 0), "one card in force a person");
    // The audit names every card issued with its holder.
    let entries = store.audit_entries(&auditor, Some("travel_card.issued"), 10).await.unwrap();
    let named: usize = entries
        .iter()
        .map(|e| {
            let after: serde_json::Value = serde_json::from_str(e.after_json.as_deref().unwrap()).unwrap();
            after["cards"].as_array().unwrap().len()
        })
        .sum();
    assert_eq!(named as u64, run.issued);

    // Every holder has a severe or very severe assessment in force; their card checks valid.
    let holder = {
        let first = serde_json::from_str::<serde_json::Value>(entries.last().unwrap().after_json.as_deref().unwrap())
            .unwrap()["cards"][0]
            .clone();
        first[1].as_i64().unwrap()
    };
    let cards = store.person_travel_cards(&registrar, holder).await.unwrap();
    assert_eq!(cards.len(), 1);
    // A card says its holder is severely disabled: reading it is logged as an assessment read.
    let reads = store.recent_reads(&auditor, 10).await.unwrap();
    assert!(
        reads.iter().any(|r| r.object_id == holder.to_string()
            && r.after_json.as_deref().unwrap_or_default().contains("\"data\":\"assessments\"")),
        "{reads:?}"
    );
    let card = &cards[0];
    let assessed = store.disabilities(&registrar, holder).await.unwrap();
    assert!(assessed.iter().any(|d| matches!(d.values.severity.as_str(), "severe" | "very_severe")), "{assessed:?}");
    let check = store.check_travel_card(&card.number).await.unwrap();
    assert!(check.valid, "{check:?}");
    assert_eq!(check.valid_until.as_deref(), Some(card.valid_until.as_str()));
    assert!(card.valid_until.as_str() <= "2027-11-27", "a year at most: {}", card.valid_until);
    // Persian digits are read; a mistyped number or one never issued is not valid.
    assert!(store.check_travel_card(&tavana_domain::text::to_persian_digits(&card.number)).await.unwrap().valid);
    let mistyped = format!("{}{}", &card.number[..10], (card.number.as_bytes()[10] - b'0' + 1) % 10);
    assert!(!store.check_travel_card(&mistyped).await.unwrap().valid);
    assert!(!store.check_travel_card(&card_number(9_999_999)).await.unwrap().valid);
    assert!(store.check_travel_card(&card_number(9_999_999)).await.unwrap().valid_until.is_none());

    // Reassessed as moderate: refused at once, revoked by the next run with the reason.
    let person = store.person(&registrar, holder).await.unwrap();
    for d in assessed.iter().filter(|d| matches!(d.values.severity.as_str(), "severe" | "very_severe")) {
        let raw = RawDisability {
            national_code: person.values.national_code.clone(),
            kind: d.values.kind.clone(),
            severity: "moderate".into(),
            assessed_on: "1405/09/05".into(),
            ..Default::default()
        };
        let fields = DisabilityFields::parse(&raw, store.today()).unwrap();
        store.add_disability(&registrar, &fields, "reassessed").await.unwrap();
    }
    assert!(!store.check_travel_card(&card.number).await.unwrap().valid, "refused before any run");
    // The system's sweep revokes it, with no officer; an officer's run finds nothing more to revoke.
    assert_eq!(store.sweep_travel_cards().await.unwrap(), 1);
    assert_eq!(store.sweep_travel_cards().await.unwrap(), 0);
    let swept = store.issue_travel_cards(&officer).await.unwrap();
    assert_eq!(swept.revoked, 0, "{swept:?}");
    let revoked = &store.person_travel_cards(&registrar, holder).await.unwrap()[0];
    assert_eq!(
        (revoked.revoked_on.as_deref(), revoked.revoke_reason.as_deref()),
        (Some("2026-11-27"), Some("reassessed"))
    );
    // A revocation is a decision about the person: by whom (here the system),
    // when, on what legal basis, and until when it may be contested.
    assert_eq!((revoked.revoked_by_name.as_deref(), revoked.revoked_at.is_some()), (None, true));
    assert_eq!(revoked.legal_basis.as_deref(), Some(tavana_domain::cards::LEGAL_BASIS));
    assert_eq!(revoked.appeal_until.as_deref(), Some("2026-12-27"));

    // A year on, every card has lapsed: refused, and renewed for those still severe.
    let later = store.with_clock(Clock::Fixed(DAY_ONE + time::Duration::days(400)));
    let others = later.person_travel_cards(&registrar, entries_second_holder(&entries)).await.unwrap();
    assert!(!later.check_travel_card(&others[0].number).await.unwrap().valid);
    let renewed = later.issue_travel_cards(&officer).await.unwrap();
    assert!(renewed.revoked > 0 && renewed.issued > 0, "{renewed:?}");
    let expired = later.person_travel_cards(&registrar, entries_second_holder(&entries)).await.unwrap();
    let expired = expired.iter().find(|c| c.revoke_reason.as_deref() == Some("expired")).unwrap();
    assert_eq!(expired.revoked_by_name.as_deref(), Some("officer"), "revoked by the officer's run");
    let chain = store.verify_audit_chain().await.unwrap();
    assert!(matches!(chain, tavana_store::audit::ChainReport::Intact { .. }), "{chain:?}");
}

/// The holder of the second card an issue entry names.
fn entries_second_holder(entries: &[tavana_store::audit::AuditEntry]) -> i64 {
    let after: serde_json::Value =
        serde_json::from_str(entries.last().unwrap().after_json.as_deref().unwrap()).unwrap();
    after["cards"][1][1].as_i64().unwrap()
}
