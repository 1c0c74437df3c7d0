//! Intercity travel discount cards (see the domain's `cards`): issued set-based
//! to every person in the officer's subtree with a current severe or very
//! severe assessment and no card in force, revoked set-based when they lapse,
//! and checked by number for transport operators, who learn only whether a
//! card is valid and until when.

use crate::access::require;
use crate::db::{Store, WriteTx};
use crate::programs::eligibility::{AsOf, Members, assessments};
use crate::sql::Sql;
use crate::{Result, StoreError};
use tavana_domain::cards::{RevokeReason, card_serial};
use tavana_domain::iam::{Action, Actor, Module};
use tavana_domain::jalali::JalaliDate;
use tavana_domain::programs::ProgramAction;

/// A card as stored, with its printed number.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TravelCard {
    pub id: i64,
    #[sqlx(skip)]
    pub number: String,
    pub person_id: i64,
    pub issued_on: String,
    pub valid_until: String,
    pub revoked_on: Option<String>,
    pub revoke_reason: Option<String>,
    /// Who revoked it (none for the system's sweep).
    pub revoked_by_name: Option<String>,
    pub revoked_at: Option<i64>,
    /// For a revoked card: the law its revocation rests on.
    #[sqlx(skip)]
    pub legal_basis: Option<String>,
    /// For a revoked card: the last day the revocation may be contested (ISO).
    #[sqlx(skip)]
    pub appeal_until: Option<String>,
}

/// What a transport operator learns of a card number: whether it is valid
/// today and until when; nothing about its holder.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardCheck {
    pub valid: bool,
    /// The last day it is valid (ISO), for a valid card.
    pub valid_until: Option<String>,
}

/// What issuing did: cards revoked first, then cards issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CardRun {
    pub revoked: u64,
    pub issued: u64,
}

/// How many cards one audit entry names.
const NAMED_PER_ENTRY: usize = 10_000;

/// The persons whose current assessments (as of `at`) include a severe or very
/// severe one: `person_id` and `lapses`, the earliest day a valid one lapses.
fn severe(at: &AsOf, members: &Members) -> Sql {
    let mut sql = Sql::new("SELECT person_id, lapses FROM (");
    sql.append(&assessments(at, members)).push(") cur_assessments WHERE rank >= 3");
    sql
}

/// Revokes the cards in force in the subtree `pattern` that have lapsed by
/// `at`'s day, or whose holder died, was merged away or no longer has a severe
/// assessment, each with its reason. Returns the cards revoked as `[card, person]`.
async fn revoke_lapsed(tx: &mut WriteTx, at: &AsOf, pattern: &str, by: Option<i64>) -> Result<Vec<[i64; 2]>> {
    let now = tx.now();
    let day = at.iso().to_string();
    let mut reason = Sql::new("CASE WHEN c.valid_until < ");
    reason
        .bind_str(&day)
        .push(&format!(" THEN '{}' WHEN p.deceased_on IS NOT NULL AND p.deceased_on <= ", RevokeReason::Expired.code()))
        .bind_str(&day)
        .push(&format!(
            " THEN '{}' WHEN p.merged_into IS NOT NULL THEN '{}' WHEN c.person_id NOT IN (SELECT person_id FROM (",
            RevokeReason::Deceased.code(),
            RevokeReason::Merged.code()
        ))
        .append(&severe(at, &Members::All))
        .push(&format!(") sev) THEN '{}' END", RevokeReason::Reassessed.code()));
    let mut lapsed = Sql::new("SELECT c.id, c.person_id, ");
    lapsed
        .append(&reason)
        .push(
            " AS reason FROM travel_cards c JOIN persons p ON p.id = c.person_id WHERE c.revoked_on IS NULL \
               AND c.unit_id IN (SELECT id FROM org_units WHERE path LIKE ",
        )
        .bind_str(pattern)
        .push(")");
    let rows: Vec<(i64, i64, Option<String>)> = on_tx!(tx, |c| lapsed.builder().build_query_as().fetch_all(c).await)?;
    let revoked: Vec<(i64, i64, String)> =
        rows.into_iter().filter_map(|(card, person, why)| why.map(|w| (card, person, w))).collect();
    for reason in RevokeReason::ALL {
        let ids: Vec<i64> = revoked.iter().filter(|r| r.2 == reason.code()).map(|r| r.0).collect();
        for chunk in ids.chunks(1_000) {
            let mut update = Sql::new("UPDATE travel_cards SET revoked_on = ");
            update
                .bind_str(&day)
                .push(", revoke_reason = ")
                .bind_str(reason.code())
                .push(", revoked_at = ")
                .bind_int(now)
                .push(", revoked_by = ");
            match by {
                Some(user) => update.bind_int(user),
                None => update.push("NULL"),
            };
            update.push(" WHERE id IN ").bind_ids(chunk);
            on_tx!(tx, |c| update.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
        }
    }
    Ok(revoked.iter().map(|(card, person, _)| [*card, *person]).collect())
}

impl Store {
    /// Revokes the lapsed cards in the actor's subtree, then issues a card to
    /// every person there with a current severe or very severe assessment and
    /// no card in force: valid a year, never beyond the assessment. Program
    /// officers; the audit names every card revoked and issued.
    pub async fn issue_travel_cards(&self, actor: &Actor) -> Result<CardRun> {
        require(actor, Action::Programs(ProgramAction::Manage))?;
        let today = self.today();
        let at = self.as_of(JalaliDate::from_gregorian(today)?).await?;
        let year = (today + time::Duration::days(tavana_domain::cards::CARD_DAYS)).to_string();
        let pattern = actor.unit_path.subtree_pattern();
        self.write(async |tx| {
            let revoked = revoke_lapsed(tx, &at, &pattern, Some(actor.user_id)).await?;
            let now = tx.now();
            let mut issue = Sql::new(
                "INSERT INTO travel_cards (person_id, province_id, unit_id, issued_on, valid_until, issued_by, issued_at) \
                 SELECT p.id, p.province_id, p.unit_id, ",
            );
            issue
                .bind_str(at.iso())
                .push(" , CASE WHEN s.lapses IS NOT NULL AND s.lapses < ")
                .bind_str(&year)
                .push(" THEN s.lapses ELSE ")
                .bind_str(&year)
                .push(" END, ")
                .bind_int(actor.user_id)
                .push(", ")
                .bind_int(now)
                .push(" FROM persons p JOIN (")
                .append(&severe(&at, &Members::All))
                .push(") s ON s.person_id = p.id WHERE p.merged_into IS NULL AND (p.deceased_on IS NULL OR p.deceased_on > ")
                .bind_str(at.iso())
                .push(") AND p.unit_id IN (SELECT id FROM org_units WHERE path LIKE ")
                .bind_str(&pattern)
                .push(") AND NOT EXISTS (SELECT 1 FROM travel_cards k WHERE k.person_id = p.id AND k.revoked_on IS NULL) \
                       ORDER BY p.id RETURNING id, person_id");
            let mut cards: Vec<(i64, i64)> = on_tx!(tx, |c| issue.builder().build_query_as().fetch_all(c).await)?;
            cards.sort_unstable();
            let issued = cards.len() as u64;
            let cards: Vec<[i64; 2]> = cards.into_iter().map(|(c, p)| [c, p]).collect();
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("travel_card.run", "org_unit", actor.unit_id)
                    .after(serde_json::json!({ "day": at.iso(), "revoked": revoked.len(), "issued": issued })),
            )
            .await?;
            // Every card revoked and issued is named, 10,000 an entry.
            for (kind, list) in [("revoked", &revoked), ("issued", &cards)] {
                let parts = list.len().div_ceil(NAMED_PER_ENTRY);
                for (part, chunk) in list.chunks(NAMED_PER_ENTRY).enumerate() {
                    tx.audit(
                        Some(actor),
                        crate::audit::AuditEvent::new(&format!("travel_card.{kind}"), "org_unit", actor.unit_id).after(
                            serde_json::json!({
                                "part": part + 1, "parts": parts, "columns": ["card", "person"], "cards": chunk,
                            }),
                        ),
                    )
                    .await?;
                }
            }
            Ok(CardRun { revoked: revoked.len() as u64, issued })
        })
        .await
    }

    /// Revokes every lapsed card in the country (expired, reassessed below
    /// severe, deceased, merged), each with its reason, as the system: what
    /// `tavana serve` runs every few hours, so a card's state follows the
    /// registry without an officer's run. Issues none. Returns how many.
    pub async fn sweep_travel_cards(&self) -> Result<u64> {
        let at = self.as_of(JalaliDate::from_gregorian(self.today())?).await?;
        self.write(async |tx| {
            let revoked = revoke_lapsed(tx, &at, "/%", None).await?;
            tx.audit(
                None,
                crate::audit::AuditEvent::new("travel_card.sweep", "travel_cards", 0)
                    .after(serde_json::json!({ "day": at.iso(), "revoked": revoked.len() })),
            )
            .await?;
            for (part, chunk) in revoked.chunks(NAMED_PER_ENTRY).enumerate() {
                tx.audit(
                    None,
                    crate::audit::AuditEvent::new("travel_card.revoked", "travel_cards", 0).after(serde_json::json!({
                        "part": part + 1, "parts": revoked.len().div_ceil(NAMED_PER_ENTRY),
                        "columns": ["card", "person"], "cards": chunk,
                    })),
                )
                .await?;
            }
            Ok(revoked.len() as u64)
        })
        .await
    }

    /// Whether a card number is of a card valid today: in force, not past its
    /// last day, its holder living, not merged away and still with a current
    /// severe or very severe assessment (checked now, whenever the cards were
    /// last swept). An unknown or mistyped number is simply not valid.
    pub async fn check_travel_card(&self, number: &str) -> Result<CardCheck> {
        let invalid = CardCheck { valid: false, valid_until: None };
        let Some(serial) = card_serial(number) else { return Ok(invalid) };
        let card: Option<(i64, String, Option<String>)> = on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT c.person_id, c.valid_until, c.revoked_on FROM travel_cards c JOIN persons p ON p.id = c.person_id \
             WHERE c.id = $1 AND p.merged_into IS NULL"
        )
        .bind(serial)
        .fetch_optional(c)
        .await
        })?;
        let Some((person, valid_until, None)) = card else { return Ok(invalid) };
        let today = self.today();
        let at = self.as_of(JalaliDate::from_gregorian(today)?).await?;
        if valid_until.as_str() < at.iso() {
            return Ok(invalid);
        }
        let mut holds = Sql::new("SELECT COUNT(*) FROM (");
        holds
            .append(&severe(&at, &Members::HouseholdsOf(vec![person])))
            .push(") s JOIN persons p ON p.id = s.person_id WHERE s.person_id = ")
            .bind_int(person)
            .push(" AND (p.deceased_on IS NULL OR p.deceased_on > ")
            .bind_str(at.iso())
            .push(")");
        let severe_now: i64 = on_pool!(self, |c| holds.builder().build_query_scalar().fetch_one(c).await)?;
        Ok(if severe_now > 0 { CardCheck { valid: true, valid_until: Some(valid_until) } } else { invalid })
    }

    /// How many cards are in force and how many were revoked in the actor's
    /// subtree: `[in force, revoked]`.
    pub async fn travel_card_counts(&self, actor: &Actor) -> Result<[i64; 2]> {
        require(actor, Action::Open(Module::Programs))?;
        let counts: (i64, i64) = on_pool!(self, |c| sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN revoked_on IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN revoked_on IS NULL THEN 0 ELSE 1 END), 0) AS BIGINT) FROM travel_cards \
             WHERE unit_id IN (SELECT id FROM org_units WHERE path LIKE $1)"
        )
        .bind(actor.unit_path.subtree_pattern())
        .fetch_one(c)
        .await)?;
        Ok([counts.0, counts.1])
    }

    /// A person's cards, newest first (a logged read).
    pub async fn person_travel_cards(&self, actor: &Actor, person_id: i64) -> Result<Vec<TravelCard>> {
        require(actor, Action::Open(Module::Registry))?;
        self.person_unlogged(actor, person_id).await?;
        let mut cards: Vec<TravelCard> = on_pool!(self, |c| sqlx::query_as(
            "SELECT c.id, c.person_id, c.issued_on, c.valid_until, c.revoked_on, c.revoke_reason, \
             u.username AS revoked_by_name, c.revoked_at FROM travel_cards c LEFT JOIN users u ON u.id = c.revoked_by \
             WHERE c.person_id = $1 ORDER BY c.id DESC"
        )
        .bind(person_id)
        .fetch_all(c)
        .await)?;
        for card in &mut cards {
            card.number = tavana_domain::cards::card_number(card.id);
            if let Some(on) = &card.revoked_on {
                let day = time::Date::parse(on, &time::format_description::well_known::Iso8601::DATE)
                    .map_err(|e| StoreError::Corrupt(format!("a card's revocation day {on:?}: {e}")))?;
                card.legal_basis = Some(tavana_domain::cards::LEGAL_BASIS.to_string());
                card.appeal_until = Some(tavana_domain::cases::appeal_deadline(day).to_string());
            }
        }
        // A card says its holder is severely disabled: read as an assessment is.
        self.log_read(
            actor,
            crate::audit::Sensitive::Assessments,
            "person",
            &person_id.to_string(),
            serde_json::json!({ "travel_cards": cards.len() }),
        )
        .await?;
        Ok(cards)
    }
}
