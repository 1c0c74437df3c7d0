//! Grievances (see the domain's `cases::grievances`): received for a person of
//! the actor's subtree at their county office, assigned, answered; escalated by
//! the system to the office above when their deadline passes. Read on a need
//! to know basis (`grievances::sees`): the one assigned, or the supervising
//! program officers; a grievance's file shows only the person it is about and
//! the decision it concerns.

use crate::access::{authorize, require, unit_path};
use crate::db::{Store, WriteTx};
use crate::{Result, StoreError};
use tavana_domain::DomainError;
use tavana_domain::cases::CaseAction;
use tavana_domain::cases::grievances::{
    ESCALATED_DAYS, GrievanceCategory, GrievanceChannel, GrievanceFields, GrievanceState, due_on, reply, sees,
};
use tavana_domain::iam::{Action, Actor, Decision, Role, decide};

const HANDLE: Action = Action::Cases(CaseAction::HandleGrievances);

/// A grievance, with whom it is about and who handles it where.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grievance {
    pub id: i64,
    pub person_id: i64,
    pub national_code: String,
    pub first_name: String,
    pub last_name: String,
    /// The office handling it now.
    pub unit_name: String,
    #[sqlx(try_from = "String")]
    pub channel: GrievanceChannel,
    #[sqlx(try_from = "String")]
    pub category: GrievanceCategory,
    pub subject: String,
    pub body: String,
    /// The decision it concerns.
    pub decision_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub state: GrievanceState,
    pub received_by_name: String,
    pub received_at: i64,
    /// The day it must be answered by (ISO).
    pub due_on: String,
    pub assigned_to: Option<i64>,
    pub assigned_name: Option<String>,
    /// How many times it moved to the office above.
    pub escalations: i64,
    pub resolved_by_name: Option<String>,
    pub resolved_at: Option<i64>,
    pub reply: Option<String>,
    pub version: i64,
    #[serde(skip)]
    pub unit_path: String,
}

impl Grievance {
    /// Open past its deadline on `today`.
    pub fn overdue(&self, today: time::Date) -> bool {
        self.state.is_open() && self.due_on.as_str() < today.to_string().as_str()
    }
}

const GRIEVANCE_SELECT: &str = "SELECT g.id, g.person_id, s.national_code, s.first_name, s.last_name, \
     u.name_fa AS unit_name, g.channel, g.category, g.subject, g.body, g.decision_id, g.state, \
     ru.display_name AS received_by_name, g.received_at, g.due_on, g.assigned_to, au.display_name AS assigned_name, \
     g.escalations, vu.display_name AS resolved_by_name, g.resolved_at, g.reply, g.version, u.path AS unit_path \
     FROM grievances g JOIN persons s ON s.id = g.person_id JOIN org_units u ON u.id = g.unit_id \
     JOIN users ru ON ru.id = g.received_by LEFT JOIN users au ON au.id = g.assigned_to \
     LEFT JOIN users vu ON vu.id = g.resolved_by";

/// A move in a grievance's history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrievanceEvent {
    pub from_state: Option<String>,
    pub to_state: String,
    pub note: Option<String>,
    /// None for the system (an escalation).
    pub by_name: Option<String>,
    pub at: i64,
}

/// The decision a grievance concerns, as its handler sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConcernedDecision {
    pub id: i64,
    pub program_name_fa: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub reasons: String,
    pub legal_basis: String,
    pub decided_at: i64,
}

/// A grievance's file: the grievance, its history, and the one decision it
/// concerns (nothing else of the person's records).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrievanceFile {
    pub grievance: Grievance,
    pub events: Vec<GrievanceEvent>,
    pub decision: Option<ConcernedDecision>,
}

/// Which grievances a list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrievanceFilter {
    pub state: Option<GrievanceState>,
    /// Only those assigned to the actor.
    pub mine: bool,
    /// Only those open past their deadline.
    pub overdue: bool,
}

fn breaks(field: &'static str, en: &str, fa: &str) -> StoreError {
    StoreError::Invalid(DomainError::breaks(field, en, fa))
}

impl Store {
    /// Receives a person's grievance at their county office, due by its
    /// category's service level; it may name one decision about the person.
    pub async fn lodge_grievance(&self, actor: &Actor, fields: &GrievanceFields, decision: Option<i64>) -> Result<i64> {
        require(actor, HANDLE)?;
        let person = self
            .person_by_code_unlogged(actor, &fields.national_code.as_string())
            .await
            .map_err(crate::access::out_of_scope_is_invalid("national_code"))?;
        authorize(actor, HANDLE, &unit_path(&person.unit_path)?)?;
        let due = due_on(self.today(), fields.category).to_string();
        self.write(async |tx| {
            if let Some(d) = decision {
                let about: Option<i64> =
                    on_tx!(tx, |c| sqlx::query_scalar("SELECT person_id FROM decisions WHERE id = $1")
                        .bind(d)
                        .fetch_optional(c)
                        .await)?;
                if about != Some(person.id) {
                    return Err(breaks(
                        "decision",
                        "not a decision about this person",
                        "این تصمیم دربارهٔ همین شخص نیست",
                    ));
                }
            }
            let now = tx.now();
            let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                "INSERT INTO grievances (person_id, province_id, unit_id, channel, category, subject, body, decision_id, \
                 state, received_by, received_at, due_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 RETURNING id"
            )
            .bind(person.id)
            .bind(person.values.province_id)
            .bind(person.values.unit_id)
            .bind(fields.channel.code())
            .bind(fields.category.code())
            .bind(&fields.subject)
            .bind(&fields.body)
            .bind(decision)
            .bind(GrievanceState::Received.code())
            .bind(actor.user_id)
            .bind(now)
            .bind(&due)
            .fetch_one(c)
            .await)?;
            event(tx, Some(actor), id, None, GrievanceState::Received, None).await?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("grievance.lodge", "grievance", id).after(serde_json::json!({
                    "person": person.id, "channel": fields.channel.code(), "category": fields.category.code(),
                    "subject": fields.subject, "due_on": due, "decision": decision,
                })),
            )
            .await?;
            Ok(id)
        })
        .await
    }

    /// A grievance the actor may read: in their subtree and theirs to know.
    async fn grievance_row(&self, actor: &Actor, id: i64) -> Result<Grievance> {
        let sql = format!("{GRIEVANCE_SELECT} WHERE g.id = $1");
        let g: Grievance = on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
        authorize(actor, HANDLE, &unit_path(&g.unit_path)?)?;
        if !sees(actor, g.assigned_to) {
            return Err(StoreError::NotFound);
        }
        Ok(g)
    }

    /// A grievance's file (a logged read: what the person complained of).
    pub async fn grievance(&self, actor: &Actor, id: i64) -> Result<GrievanceFile> {
        let grievance = self.grievance_row(actor, id).await?;
        let events = on_pool!(self, |c| sqlx::query_as(
            "SELECT e.from_state, e.to_state, e.note, u.display_name AS by_name, e.at FROM grievance_events e \
             LEFT JOIN users u ON u.id = e.by_user WHERE e.grievance_id = $1 ORDER BY e.id"
        )
        .bind(id)
        .fetch_all(c)
        .await)?;
        let decision = match grievance.decision_id {
            Some(d) => on_pool!(self, |c| sqlx::query_as(
                "SELECT d.id, p.name_fa AS program_name_fa, d.from_state, d.to_state, d.reasons, d.legal_basis, \
                 d.decided_at FROM decisions d JOIN programs p ON p.id = d.program_id WHERE d.id = $1"
            )
            .bind(d)
            .fetch_optional(c)
            .await)?,
            None => None,
        };
        self.log_read(
            actor,
            crate::audit::Sensitive::Grievances,
            "grievance",
            &id.to_string(),
            serde_json::json!({ "person": grievance.person_id }),
        )
        .await?;
        Ok(GrievanceFile { grievance, events, decision })
    }

    /// Grievances of the actor's subtree they may know of, the most urgent
    /// first (a logged read naming them).
    pub async fn grievances(&self, actor: &Actor, filter: GrievanceFilter, limit: i64) -> Result<Vec<Grievance>> {
        require(actor, HANDLE)?;
        let mut sql = crate::sql::Sql::new(GRIEVANCE_SELECT);
        sql.push(" WHERE u.path LIKE ").bind_str(&actor.unit_path.subtree_pattern());
        if !actor.has_role(Role::ProgramOfficer) {
            sql.push(" AND (g.assigned_to IS NULL OR g.assigned_to = ").bind_int(actor.user_id).push(")");
        }
        if let Some(state) = filter.state {
            sql.push(" AND g.state = ").bind_str(state.code());
        }
        if filter.mine {
            sql.push(" AND g.assigned_to = ").bind_int(actor.user_id);
        }
        if filter.overdue {
            sql.push(&format!(" AND g.state <> '{}' AND g.due_on < ", GrievanceState::Resolved.code()))
                .bind_str(&self.today().to_string());
        }
        sql.push(" ORDER BY g.due_on, g.id LIMIT ").bind_int(limit.clamp(1, 1000));
        let rows: Vec<Grievance> = on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        if !rows.is_empty() {
            let ids: Vec<String> = rows.iter().map(|g| g.id.to_string()).collect();
            self.log_read(
                actor,
                crate::audit::Sensitive::Grievances,
                "grievance",
                &ids.join(","),
                serde_json::json!({ "list": true }),
            )
            .await?;
        }
        Ok(rows)
    }

    /// Assigns an open grievance to someone who handles grievances where it is.
    pub async fn assign_grievance(&self, actor: &Actor, id: i64, user_id: i64, version: i64) -> Result<()> {
        let g = self.grievance_row(actor, id).await?;
        let unit = unit_path(&g.unit_path)?;
        let assignee = self.actor_for_user(user_id).await.map_err(crate::access::out_of_scope_is_invalid("user"))?;
        if decide(&assignee, HANDLE, &unit) != Decision::Allow {
            return Err(breaks(
                "user",
                "does not handle grievances where this one is",
                "این کاربر به شکایت‌های این واحد رسیدگی نمی‌کند",
            ));
        }
        move_grievance(self, actor, &g, version, GrievanceState::Assigned, Some(&assignee.username), |sql| {
            sql.push(", assigned_to = ").bind_int(user_id);
        })
        .await
    }

    /// Answers an open grievance with a reply (required), which ends it.
    pub async fn resolve_grievance(&self, actor: &Actor, id: i64, text: &str, version: i64) -> Result<()> {
        let g = self.grievance_row(actor, id).await?;
        let text = reply(text)?;
        let now = self.now();
        move_grievance(self, actor, &g, version, GrievanceState::Resolved, Some(&text), |sql| {
            sql.push(", reply = ")
                .bind_str(&text)
                .push(", resolved_by = ")
                .bind_int(actor.user_id)
                .push(", resolved_at = ")
                .bind_int(now);
        })
        .await
    }

    /// Escalates every open grievance past its deadline to the office above
    /// its own (none above HQ), unassigned, with [`ESCALATED_DAYS`] more: one
    /// set-based statement, by the system, in an audit entry naming each with
    /// the offices it left and went to. Returns how many moved.
    pub async fn escalate_overdue_grievances(&self) -> Result<u64> {
        let today = self.today();
        let due = (today + time::Duration::days(ESCALATED_DAYS)).to_string();
        let today = today.to_string();
        let (resolved, escalated) = (GrievanceState::Resolved.code(), GrievanceState::Escalated.code());
        let overdue = format!(
            "g.state <> '{resolved}' AND g.due_on < $1 AND (SELECT o.parent_id FROM org_units o WHERE o.id = g.unit_id) \
             IS NOT NULL"
        );
        // Most runs find nothing: asked of the read pool, with no write.
        let any: Option<i64> =
            on_pool!(self, |c| sqlx::query_scalar(&format!("SELECT g.id FROM grievances g WHERE {overdue} LIMIT 1"))
                .bind(&today)
                .fetch_optional(c)
                .await)?;
        if any.is_none() {
            return Ok(0);
        }
        self.write(async |tx| {
            let now = tx.now();
            let moving: Vec<(i64, i64, i64, String)> = on_tx!(tx, |c| sqlx::query_as(&format!(
                "SELECT g.id, g.unit_id, (SELECT o.parent_id FROM org_units o WHERE o.id = g.unit_id), g.state \
                 FROM grievances g WHERE {overdue} ORDER BY g.id"
            ))
            .bind(&today)
            .fetch_all(c)
            .await)?;
            on_tx!(tx, |c| sqlx::query(&format!(
                "INSERT INTO grievance_events (grievance_id, from_state, to_state, note, by_user, at) \
                 SELECT g.id, g.state, '{escalated}', 'deadline passed', NULL, $2 FROM grievances g WHERE {overdue}"
            ))
            .bind(&today)
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            let moved = on_tx!(tx, |c| sqlx::query(&format!(
                "UPDATE grievances SET unit_id = (SELECT o.parent_id FROM org_units o WHERE o.id = grievances.unit_id), \
                 state = '{escalated}', escalations = escalations + 1, assigned_to = NULL, due_on = $2, \
                 version = version + 1 WHERE id IN (SELECT g.id FROM grievances g WHERE {overdue})"
            ))
            .bind(&today)
            .bind(&due)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            let named: Vec<serde_json::Value> =
                moving.iter().map(|(id, from, to, state)| serde_json::json!([id, from, to, state])).collect();
            tx.audit(
                None,
                crate::audit::AuditEvent::new("grievance.escalate", "grievances", &today).after(serde_json::json!({
                    "due_on": due, "columns": ["grievance", "from_unit", "to_unit", "from_state"], "grievances": named,
                })),
            )
            .await?;
            Ok(moved)
        })
        .await
    }
}

/// Moves a grievance as read at `version` to `to` (with more columns set by
/// `more`), its history and an audit entry, in one transaction.
async fn move_grievance(
    store: &Store,
    actor: &Actor,
    g: &Grievance,
    version: i64,
    to: GrievanceState,
    note: Option<&str>,
    more: impl Fn(&mut crate::sql::Sql),
) -> Result<()> {
    if !g.state.may_become(to) {
        return Err(breaks(
            "state",
            &format!("a grievance {} cannot become {}", g.state.code(), to.code()),
            &format!("شکایتی که «{}» است نمی‌تواند «{}» شود", g.state.label_fa(), to.label_fa()),
        ));
    }
    let mut sql = crate::sql::Sql::new("UPDATE grievances SET state = ");
    sql.bind_str(to.code()).push(", version = version + 1");
    more(&mut sql);
    sql.push(" WHERE id = ").bind_int(g.id).push(" AND version = ").bind_int(version);
    store
        .write(async |tx| {
            let changed = on_tx!(tx, |c| sql.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
            if changed == 0 {
                return Err(StoreError::Conflict { field: "version".into() });
            }
            event(tx, Some(actor), g.id, Some(g.state), to, note).await?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("grievance.move", "grievance", g.id)
                    .before(serde_json::json!({ "state": g.state.code(), "assigned_to": g.assigned_to }))
                    .after(serde_json::json!({ "state": to.code(), "note": note })),
            )
            .await
        })
        .await
}

async fn event(
    tx: &mut WriteTx,
    actor: Option<&Actor>,
    id: i64,
    from: Option<GrievanceState>,
    to: GrievanceState,
    note: Option<&str>,
) -> Result<()> {
    let now = tx.now();
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO grievance_events (grievance_id, from_state, to_state, note, by_user, at) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(id)
    .bind(from.map(|s| s.code()))
    .bind(to.code())
    .bind(note)
    .bind(actor.map(|a| a.user_id))
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}
