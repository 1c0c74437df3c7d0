//! The outbox: events written in the same transaction as the change they report
//! ([`WriteTx::emit`]), and their consumers ([`Store::run_outbox`]), which run after
//! the commit, set-based and idempotently. A crash between the two loses nothing:
//! pending events are consumed by the next run (every store runs them when it
//! opens), and a consumer that runs twice raises each flag once (at most one open
//! review per enrollment, by a unique index).

use crate::audit::AuditEvent;
use crate::db::{Store, WriteTx};
use crate::{Result, StoreError};
use std::collections::{BTreeMap, HashMap};
use tavana_domain::coded::Coded;
use tavana_domain::events::{Event, EventKind};
use tavana_domain::iam::Actor;
use tavana_domain::programs::rule::Value;
use tavana_domain::programs::{Outcome, ProgramTarget, Terms, parse_formula, parse_rule};

/// The columns of a [`Touched`] row, after its event id.
const TOUCHED: &str = "e.id AS enrollment_id, e.program_id, e.person_id, e.unit_id, e.province_id, e.amount_rials, \
                       p.rule, p.formula, p.target, p.version AS program_version";
/// An enrollment that is in force and not already waiting for review.
const OPEN: &str = "e.state = 'enrolled' AND NOT EXISTS (SELECT 1 FROM enrollment_reviews r \
                    WHERE r.enrollment_id = e.id AND r.resolved_at IS NULL)";

/// How many events one consumer pass takes.
const PAGE: i64 = 500;
/// How many ids one statement binds.
const CHUNK: usize = 1_000;

impl WriteTx {
    /// Writes an event to the outbox, in this transaction: it exists if and only if
    /// the change it reports was committed.
    pub async fn emit(&mut self, actor: Option<&Actor>, event: &Event) -> Result<()> {
        if event.persons.is_empty() && event.households.is_empty() && event.program.is_none() {
            return Ok(());
        }
        // The households' facts are recounted here, in the change's transaction.
        self.refresh_household_facts(&event.persons, &event.households).await?;
        let now = self.now();
        let id: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO outbox (kind, program_id, reason, actor_user_id, actor_unit_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(event.kind.code())
            .bind(event.program)
            .bind(&event.reason)
            .bind(actor.map(|a| a.user_id))
            .bind(actor.map(|a| a.unit_id))
            .bind(now)
            .fetch_one(c)
            .await
        })?;
        let mut persons = event.persons.clone();
        persons.sort_unstable();
        persons.dedup();
        for chunk in persons.chunks(CHUNK) {
            on_tx!(self, |c| {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO outbox_persons (event_id, person_id) ");
                q.push_values(chunk, |mut row, person| {
                    row.push_bind(id).push_bind(*person);
                });
                q.build().execute(c).await.map(|r| r.rows_affected())
            })?;
        }
        let mut households = event.households.clone();
        households.sort_unstable();
        households.dedup();
        for chunk in households.chunks(CHUNK) {
            on_tx!(self, |c| {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO outbox_households (event_id, household_id) ");
                q.push_values(chunk, |mut row, household| {
                    row.push_bind(id).push_bind(*household);
                });
                q.build().execute(c).await.map(|r| r.rows_affected())
            })?;
        }
        self.events += 1;
        Ok(())
    }
}

/// A pending event, as the consumer reads it.
#[derive(sqlx::FromRow)]
struct Pending {
    id: i64,
    kind: String,
    reason: String,
    actor_user_id: Option<i64>,
    actor_unit_id: Option<i64>,
}

/// An enrollment an event may have ended or changed, with the terms to check it by.
#[derive(sqlx::FromRow)]
struct Touched {
    event_id: i64,
    enrollment_id: i64,
    program_id: i64,
    person_id: i64,
    unit_id: i64,
    province_id: i64,
    amount_rials: Option<i64>,
    rule: String,
    formula: String,
    target: String,
    program_version: i64,
}

/// What a review found for one enrollment.
enum Found<'a> {
    /// No longer eligible, or undecidable: flag it for an officer.
    Lost(&'a Touched, Outcome),
    /// Still eligible at another amount: recompute it.
    Amount(&'a Touched, i64, serde_json::Value),
}

impl Store {
    /// Consumes every pending event, oldest first. The enrollments each event
    /// touches (those of every member of the households its persons belong to or
    /// it names, or every enrollment of a changed program) are decided again by
    /// their program's terms as of the first day of next month: those no longer
    /// eligible, or that can no longer be decided, are flagged for an officer's
    /// review with the change's reason (nothing is ended by itself), and those
    /// still eligible at another amount are paid the new amount, each change kept
    /// with what it rested on. Returns how many enrollments were flagged.
    pub async fn run_outbox(&self) -> Result<u64> {
        let mut flagged = 0;
        loop {
            let events: Vec<Pending> = on_pool!(self, |c| {
                sqlx::query_as(
                    "SELECT id, kind, reason, actor_user_id, actor_unit_id FROM outbox WHERE consumed_at IS NULL \
                     ORDER BY id LIMIT $1",
                )
                .bind(PAGE)
                .fetch_all(c)
                .await
            })?;
            if events.is_empty() {
                return Ok(flagged);
            }
            for event in &events {
                if EventKind::from_code(&event.kind).is_none() {
                    return Err(StoreError::Corrupt(format!("outbox event kind {:?}", event.kind)));
                }
            }
            flagged += self.consume(&events).await?;
            if (events.len() as i64) < PAGE {
                return Ok(flagged);
            }
        }
    }

    /// One page of events: flags what they ended, recomputes what they changed,
    /// and marks them consumed, in one transaction.
    async fn consume(&self, events: &[Pending]) -> Result<u64> {
        let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
        let touched = self.touched_enrollments(&ids).await?;
        // Each enrollment once, with the first event that touched it.
        let mut by_enrollment: BTreeMap<i64, Touched> = BTreeMap::new();
        for t in touched {
            match by_enrollment.get(&t.enrollment_id) {
                Some(seen) if seen.event_id <= t.event_id => {}
                _ => {
                    by_enrollment.insert(t.enrollment_id, t);
                }
            }
        }
        let persons: Vec<i64> = {
            let mut p: Vec<i64> = by_enrollment.values().map(|t| t.person_id).collect();
            p.sort_unstable();
            p.dedup();
            p
        };
        let as_of = self.default_as_of()?;
        let mut values = HashMap::new();
        for chunk in persons.chunks(CHUNK) {
            values.extend(self.values_in("%", Some(chunk), as_of).await?);
        }
        let mut terms: HashMap<i64, Terms> = HashMap::new();
        let mut found = Vec::new();
        for t in by_enrollment.values() {
            let terms = match terms.entry(t.program_id) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let target = ProgramTarget::from_code(&t.target)
                        .ok_or_else(|| StoreError::Corrupt(format!("program target {:?}", t.target)))?;
                    e.insert(Terms::new(target, parse_rule("rule", &t.rule)?, parse_formula("formula", &t.formula)?))
                }
            };
            // Merged away: nobody left to be eligible.
            let Some(vars) = values.get(&t.person_id) else {
                found.push(Found::Lost(t, Outcome::NotEligible));
                continue;
            };
            match terms.decide(&|n| vars.get(n).cloned().unwrap_or(Value::Null)) {
                (Outcome::Eligible, Some(amount)) if Some(amount) != t.amount_rials => {
                    let mut inputs: serde_json::Map<String, serde_json::Value> =
                        crate::programs::read_values(terms, vars);
                    inputs.insert("as_of".into(), serde_json::Value::from(as_of.to_ascii()));
                    found.push(Found::Amount(t, amount, serde_json::Value::Object(inputs)));
                }
                (Outcome::Eligible, _) => {}
                (outcome, _) => found.push(Found::Lost(t, outcome)),
            }
        }
        let event_of: HashMap<i64, &Pending> = events.iter().map(|e| (e.id, e)).collect();
        let now = self.now();
        if found.is_empty() {
            // Nothing changed but the events' own state: no audit entry to make.
            for chunk in ids.chunks(CHUNK) {
                on_writer!(self, |c| mark_consumed(chunk, now).build().execute(c).await.map(|r| r.rows_affected()))?;
            }
            return Ok(0);
        }
        self.write(async |tx| {
            let mut flagged = 0;
            let mut recorded = 0;
            for f in &found {
                let t = match f {
                    Found::Lost(t, _) | Found::Amount(t, _, _) => *t,
                };
                let event = event_of.get(&t.event_id).ok_or(StoreError::NotFound)?;
                let actor = event.actor_user_id.zip(event.actor_unit_id);
                match f {
                    Found::Lost(t, outcome) => {
                        let review: Option<i64> = on_tx!(tx, |c| {
                            sqlx::query_scalar(
                                "INSERT INTO enrollment_reviews (enrollment_id, program_id, person_id, unit_id, reason, \
                                 flagged_at) VALUES ($1, $2, $3, $4, $5, $6) \
                                 ON CONFLICT (enrollment_id) WHERE resolved_at IS NULL DO NOTHING RETURNING id",
                            )
                            .bind(t.enrollment_id)
                            .bind(t.program_id)
                            .bind(t.person_id)
                            .bind(t.unit_id)
                            .bind(&event.reason)
                            .bind(now)
                            .fetch_optional(c)
                            .await
                        })?;
                        let Some(review) = review else { continue };
                        tx.audit_as(
                            actor,
                            AuditEvent::new("enrollment.flag", "enrollment", t.enrollment_id).after(serde_json::json!({
                                "review": review, "person": t.person_id, "program": t.program_id,
                                "outcome": outcome.code(), "reason": event.reason, "event": event.id,
                                "event_kind": event.kind, "as_of": as_of.to_ascii(),
                            })),
                        )
                        .await?;
                        flagged += 1;
                        recorded += 1;
                    }
                    Found::Amount(t, amount, inputs) => {
                        let changed = on_tx!(tx, |c| {
                            sqlx::query(
                                "UPDATE enrollments SET amount_rials = $1, version = version + 1, updated_at = $2 \
                                 WHERE id = $3 AND state = 'enrolled' AND amount_rials IS NOT DISTINCT FROM $4",
                            )
                            .bind(amount)
                            .bind(now)
                            .bind(t.enrollment_id)
                            .bind(t.amount_rials)
                            .execute(c)
                            .await
                            .map(|r| r.rows_affected())
                        })?;
                        if changed == 0 {
                            // Changed since it was read: the next event decides it.
                            continue;
                        }
                        on_tx!(tx, |c| {
                            sqlx::query(
                                "INSERT INTO amount_changes (enrollment_id, program_id, person_id, province_id, \
                                 from_amount, to_amount, program_version, inputs, event_id, reason, changed_at) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                            )
                            .bind(t.enrollment_id)
                            .bind(t.program_id)
                            .bind(t.person_id)
                            .bind(t.province_id)
                            .bind(t.amount_rials)
                            .bind(amount)
                            .bind(t.program_version)
                            .bind(inputs.to_string())
                            .bind(event.id)
                            .bind(&event.reason)
                            .bind(now)
                            .execute(c)
                            .await
                            .map(|r| r.rows_affected())
                        })?;
                        tx.audit_as(
                            actor,
                            AuditEvent::new("enrollment.amount", "enrollment", t.enrollment_id)
                                .before(serde_json::json!({ "amount_rials": t.amount_rials }))
                                .after(serde_json::json!({
                                    "amount_rials": amount, "person": t.person_id, "program": t.program_id,
                                    "program_version": t.program_version, "inputs": inputs,
                                    "reason": event.reason, "event": event.id, "event_kind": event.kind,
                                })),
                        )
                        .await?;
                        recorded += 1;
                    }
                }
            }
            for chunk in ids.chunks(CHUNK) {
                on_tx!(tx, |c| mark_consumed(chunk, now).build().execute(c).await.map(|r| r.rows_affected()))?;
            }
            if recorded == 0 {
                // Every flag was already open: the entry records that the events
                // were consumed, so the transaction is audited like any other.
                tx.audit_as(None, AuditEvent::new("outbox.consume", "outbox", ids[0])).await?;
            }
            Ok(flagged)
        })
        .await
    }

    /// The enrollments in force without an open review that the events touch:
    /// those of every member of the events' households (the households of the
    /// persons named, and those named), of a household enrolled as such, of the
    /// persons named, and every enrollment of a changed program.
    async fn touched_enrollments(&self, events: &[i64]) -> Result<Vec<Touched>> {
        let mut out = Vec::new();
        for chunk in events.chunks(CHUNK) {
            let rows: Vec<Touched> = on_pool!(self, |c| {
                let list = |q: &mut sqlx::QueryBuilder<'_, _>| {
                    let mut list = q.separated(", ");
                    for id in chunk {
                        list.push_bind(*id);
                    }
                };
                let mut q = sqlx::QueryBuilder::new(
                    "WITH hs AS (SELECT op.event_id, p.household_id FROM outbox_persons op \
                     JOIN persons p ON p.id = op.person_id WHERE p.household_id IS NOT NULL AND op.event_id IN (",
                );
                list(&mut q);
                q.push(") UNION SELECT event_id, household_id FROM outbox_households WHERE event_id IN (");
                list(&mut q);
                q.push(format!(
                    ")) SELECT hs.event_id, {TOUCHED} FROM hs JOIN persons mate ON mate.household_id = hs.household_id \
                     JOIN enrollments e ON e.person_id = mate.id JOIN programs p ON p.id = e.program_id WHERE {OPEN} \
                     UNION ALL SELECT hs.event_id, {TOUCHED} FROM hs JOIN enrollments e ON e.household_id = hs.household_id \
                     JOIN programs p ON p.id = e.program_id WHERE {OPEN} \
                     UNION ALL SELECT op.event_id, {TOUCHED} FROM outbox_persons op JOIN enrollments e ON e.person_id = op.person_id \
                     JOIN programs p ON p.id = e.program_id WHERE {OPEN} AND op.event_id IN ("
                ));
                list(&mut q);
                q.push(format!(
                    ") UNION ALL SELECT o.id, {TOUCHED} FROM outbox o JOIN enrollments e ON e.program_id = o.program_id \
                     JOIN programs p ON p.id = e.program_id WHERE {OPEN} AND o.id IN ("
                ));
                list(&mut q);
                q.push(")");
                q.build_query_as().fetch_all(c).await
            })?;
            out.extend(rows);
        }
        Ok(out)
    }
}

/// Marks events consumed (those another consumer did not mark first).
fn mark_consumed<'a, DB: sqlx::Database>(ids: &'a [i64], now: i64) -> sqlx::QueryBuilder<'a, DB>
where
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let mut q = sqlx::QueryBuilder::new("UPDATE outbox SET consumed_at = ");
    q.push_bind(now).push(" WHERE consumed_at IS NULL AND id IN (");
    let mut list = q.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    q.push(")");
    q
}
