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
use tavana_domain::programs::rule::{Value, evaluate};
use tavana_domain::programs::{ProgramTarget, decision_rule, parse_rule};

/// The columns of a [`Touched`] row, after its event id.
const TOUCHED: &str = "e.id AS enrollment_id, e.program_id, e.person_id, e.unit_id, p.rule, p.target";
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
        if event.persons.is_empty() && event.program.is_none() {
            return Ok(());
        }
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

/// An enrollment an event may have ended, with the rule to check it by.
#[derive(sqlx::FromRow)]
struct Touched {
    event_id: i64,
    enrollment_id: i64,
    program_id: i64,
    person_id: i64,
    unit_id: i64,
    rule: String,
    target: String,
}

impl Store {
    /// Consumes every pending event, oldest first: the enrollments each event
    /// touches (its persons', or every enrollment of a changed program) are checked
    /// against their program's decision rule, and those that no longer hold are
    /// flagged for an officer's review with the change's reason; nothing is ended
    /// by itself. Returns how many enrollments were flagged.
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

    /// One page of events: flags what they ended and marks them consumed, in one
    /// transaction.
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
        let mut values = HashMap::new();
        for chunk in persons.chunks(CHUNK) {
            values.extend(self.values_in("%", Some(chunk)).await?);
        }
        let mut rules = HashMap::new();
        let mut ended = Vec::new();
        for t in by_enrollment.values() {
            let rule = match rules.entry(t.program_id) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let target = ProgramTarget::from_code(&t.target)
                        .ok_or_else(|| StoreError::Corrupt(format!("program target {:?}", t.target)))?;
                    e.insert(decision_rule(target, parse_rule("rule", &t.rule)?))
                }
            };
            let holds = match values.get(&t.person_id) {
                Some(vars) => evaluate(rule, &|n| vars.get(n).cloned().unwrap_or(Value::Null)),
                // Merged away: nobody left to hold the rule for.
                None => Value::Bool(false),
            };
            if holds != Value::Bool(true) {
                ended.push(t);
            }
        }
        let event_of: HashMap<i64, &Pending> = events.iter().map(|e| (e.id, e)).collect();
        let now = self.now();
        if ended.is_empty() {
            // Nothing changed but the events' own state: no audit entry to make.
            for chunk in ids.chunks(CHUNK) {
                on_writer!(self, |c| mark_consumed(chunk, now).build().execute(c).await.map(|r| r.rows_affected()))?;
            }
            return Ok(0);
        }
        self.write(async |tx| {
            let mut flagged = 0;
            for t in &ended {
                let event = event_of.get(&t.event_id).ok_or(StoreError::NotFound)?;
                let review: Option<i64> = on_tx!(tx, |c| {
                    sqlx::query_scalar(
                        "INSERT INTO enrollment_reviews (enrollment_id, program_id, person_id, unit_id, reason, flagged_at) \
                         VALUES ($1, $2, $3, $4, $5, $6) \
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
                let actor = event.actor_user_id.zip(event.actor_unit_id);
                tx.audit_as(
                    actor,
                    AuditEvent::new("enrollment.flag", "enrollment", t.enrollment_id).after(serde_json::json!({
                        "review": review, "person": t.person_id, "program": t.program_id,
                        "reason": event.reason, "event": event.id, "event_kind": event.kind,
                    })),
                )
                .await?;
                flagged += 1;
            }
            for chunk in ids.chunks(CHUNK) {
                on_tx!(tx, |c| mark_consumed(chunk, now).build().execute(c).await.map(|r| r.rows_affected()))?;
            }
            if flagged == 0 {
                // Every flag was already open: the entry records that the events
                // were consumed, so the transaction is audited like any other.
                tx.audit_as(None, AuditEvent::new("outbox.consume", "outbox", ids[0])).await?;
            }
            Ok(flagged)
        })
        .await
    }

    /// The enrolled enrollments without an open review that the events touch.
    async fn touched_enrollments(&self, events: &[i64]) -> Result<Vec<Touched>> {
        let mut out = Vec::new();
        for chunk in events.chunks(CHUNK) {
            let rows: Vec<Touched> = on_pool!(self, |c| {
                // Persons' events touch their enrollments; a program's event every
                // enrollment of the program.
                let mut q = sqlx::QueryBuilder::new(format!(
                    "SELECT op.event_id, {TOUCHED} FROM outbox_persons op JOIN enrollments e ON e.person_id = op.person_id \
                     JOIN programs p ON p.id = e.program_id WHERE {OPEN} AND op.event_id IN ("
                ));
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(format!(
                    ") UNION ALL SELECT o.id, {TOUCHED} FROM outbox o JOIN enrollments e ON e.program_id = o.program_id \
                     JOIN programs p ON p.id = e.program_id WHERE {OPEN} AND o.id IN ("
                ));
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
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
