//! Cases: appeals against decisions about a person (see the domain's `cases`).
//! An appeal is lodged against one decision by its deadline; a board member
//! rules on it in one transaction that, for an overturn, records the decision
//! undoing it through the programs' one decision path (`record_decision`).

pub mod grievances;

use crate::access::{authorize, require};
use crate::db::{Store, WriteTx};
use crate::programs::{Enrollment, EnrollmentDecision, record_decision};
use crate::{Result, StoreError};
use tavana_domain::DomainError;
use tavana_domain::cases::{AppealRefusal, AppealState, CaseAction, Ruling, may_appeal, may_rule, undone};
use tavana_domain::iam::{Action, Actor, Module};
use tavana_domain::org::UnitPath;
use tavana_domain::programs::EnrollmentState;
use tavana_domain::text::required_text;

/// An appeal as stored, with who lodged and ruled on it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Appeal {
    pub id: i64,
    pub decision_id: i64,
    pub program_id: i64,
    pub person_id: i64,
    #[sqlx(try_from = "String")]
    pub state: AppealState,
    /// Why the person disagrees, as lodged.
    pub grounds: String,
    pub lodged_by_name: String,
    pub lodged_at: i64,
    pub ruled_by_name: Option<String>,
    pub ruled_at: Option<i64>,
    pub ruling_reasons: Option<String>,
    pub ruling_legal_basis: Option<String>,
    /// For an overturn, the decision that undid the one appealed.
    pub effect_decision_id: Option<i64>,
}

const APPEAL_COLUMNS: &str = "a.id, a.decision_id, a.program_id, a.person_id, a.state, a.grounds, \
     lu.username AS lodged_by_name, a.lodged_at, ru.username AS ruled_by_name, a.ruled_at, a.ruling_reasons, \
     a.ruling_legal_basis, a.effect_decision_id";
const APPEAL_FROM: &str = "appeals a JOIN org_units u ON u.id = a.unit_id JOIN users lu ON lu.id = a.lodged_by \
     LEFT JOIN users ru ON ru.id = a.ruled_by";

/// A decision as an appeal needs it: what it did, until when it may be
/// appealed, who made it from which unit, and the enrollment it moved.
#[derive(sqlx::FromRow)]
struct Appealed {
    id: i64,
    program_id: i64,
    person_id: i64,
    province_id: i64,
    unit_id: i64,
    unit_path: String,
    #[sqlx(try_from = "String")]
    to_state: EnrollmentState,
    appeal_until: String,
    decided_by: i64,
    decider_path: String,
    enrollment_id: i64,
    #[sqlx(try_from = "String")]
    enrollment_state: EnrollmentState,
    amount_rials: Option<i64>,
    enrollment_version: i64,
}

#[derive(sqlx::FromRow)]
struct DecisionLetterRow {
    #[sqlx(flatten)]
    letter: DecisionLetter,
    enrollment_state: String,
}

/// Reads a decision in the actor's subtree, in the transaction.
async fn appealed(tx: &mut WriteTx, actor: &Actor, decision: i64) -> Result<Appealed> {
    let row: Option<Appealed> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT d.id, d.program_id, d.person_id, d.province_id, e.unit_id, u.path AS unit_path, d.to_state, \
         d.appeal_until, d.decided_by, du.path AS decider_path, e.id AS enrollment_id, e.state AS enrollment_state, \
         e.amount_rials, e.version AS enrollment_version \
         FROM decisions d JOIN enrollments e ON e.id = d.enrollment_id JOIN org_units u ON u.id = e.unit_id \
         JOIN users du_user ON du_user.id = d.decided_by JOIN org_units du ON du.id = du_user.unit_id \
         WHERE d.id = $1 AND u.path LIKE $2"
    )
    .bind(decision)
    .bind(actor.unit_path.subtree_pattern())
    .fetch_optional(c)
    .await)?;
    row.ok_or(StoreError::NotFound)
}

fn refused(why: AppealRefusal) -> StoreError {
    StoreError::Invalid(DomainError::breaks(why.field(), why.english(), why.persian()))
}

fn path(text: &str) -> Result<UnitPath> {
    UnitPath::parse(text).ok_or_else(|| StoreError::Corrupt(format!("unit path {text:?}")))
}

/// An appeal waiting for the board, with the decision it is against.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppealToRule {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub appeal: Appeal,
    pub first_name: String,
    pub last_name: String,
    pub national_code: String,
    pub program_name_fa: String,
    /// The state the decision put the enrollment in.
    pub to_state: String,
    pub decision_reasons: String,
    pub decided_by: Option<String>,
}

/// A decision as its letter tells it: what was decided about whom, why, on
/// what basis, by whom and when, until when it may be appealed, and what
/// became of an appeal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionLetter {
    pub id: i64,
    pub program_id: i64,
    pub program_name_fa: String,
    pub person_id: i64,
    pub national_code: String,
    pub first_name: String,
    pub last_name: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub reasons: String,
    pub legal_basis: String,
    pub decided_by: Option<String>,
    pub decided_at: i64,
    /// The last day it may be appealed (ISO date).
    pub appeal_until: String,
    /// Whether it may be appealed now (see [`tavana_domain::cases::may_appeal`]).
    #[sqlx(skip)]
    pub appealable: bool,
    #[sqlx(skip)]
    pub appeal: Option<Appeal>,
}

impl Store {
    /// Lodges a person's appeal against a decision about them, with their
    /// grounds: by the decision's deadline, against a decision that refused,
    /// ended or paused something and that no later decision replaced, once.
    pub async fn lodge_appeal(&self, actor: &Actor, decision: i64, grounds: &str) -> Result<Appeal> {
        require(actor, Action::Cases(CaseAction::Lodge))?;
        let grounds = required_text("grounds", grounds)?;
        let today = self.today();
        let id = self
            .write(async |tx| {
                let d = appealed(tx, actor, decision).await?;
                authorize(actor, Action::Cases(CaseAction::Lodge), &path(&d.unit_path)?)?;
                let deadline = time::Date::parse(&d.appeal_until, &time::format_description::well_known::Iso8601::DATE)
                    .map_err(|e| StoreError::Corrupt(format!("an appeal deadline {:?}: {e}", d.appeal_until)))?;
                may_appeal(d.to_state, deadline, today).map_err(refused)?;
                if d.enrollment_state != d.to_state {
                    return Err(refused(AppealRefusal::Superseded));
                }
                let lodged: Option<i64> =
                    on_tx!(tx, |c| sqlx::query_scalar("SELECT id FROM appeals WHERE decision_id = $1")
                        .bind(decision)
                        .fetch_optional(c)
                        .await)?;
                if lodged.is_some() {
                    return Err(refused(AppealRefusal::AlreadyAppealed));
                }
                let now = tx.now();
                let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                    "INSERT INTO appeals (decision_id, program_id, person_id, province_id, unit_id, grounds, lodged_by, \
                     lodged_at, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
                )
                .bind(d.id)
                .bind(d.program_id)
                .bind(d.person_id)
                .bind(d.province_id)
                .bind(d.unit_id)
                .bind(grounds)
                .bind(actor.user_id)
                .bind(now)
                .bind(AppealState::Lodged.code())
                .fetch_one(c)
                .await)?;
                tx.audit(
                    Some(actor),
                    crate::audit::AuditEvent::new("appeal.lodge", "appeal", id).after(serde_json::json!({
                        "decision": d.id, "person": d.person_id, "program": d.program_id, "grounds": grounds,
                    })),
                )
                .await?;
                Ok(id)
            })
            .await?;
        self.appeal_unlogged(actor, id).await
    }

    /// Rules on a lodged appeal as a board member (a program officer of the
    /// decider's unit or above who did not make the decision), with reasons and
    /// a legal basis. An overturn undoes the decision in the same transaction:
    /// the person is enrolled again by a decision that names the appeal.
    pub async fn rule_on_appeal(
        &self,
        actor: &Actor,
        id: i64,
        ruling: Ruling,
        reasons: &str,
        legal_basis: &str,
    ) -> Result<Appeal> {
        require(actor, Action::Cases(CaseAction::Rule))?;
        let reasons = required_text("reasons", reasons)?;
        let legal_basis = required_text("legal_basis", legal_basis)?;
        let today = self.today();
        self.write(async |tx| {
            let found: Option<(i64, String)> = on_tx!(tx, |c| sqlx::query_as(
                "SELECT a.decision_id, a.state FROM appeals a JOIN org_units u ON u.id = a.unit_id \
                 WHERE a.id = $1 AND u.path LIKE $2"
            )
            .bind(id)
            .bind(actor.unit_path.subtree_pattern())
            .fetch_optional(c)
            .await)?;
            let (decision, state) = found.ok_or(StoreError::NotFound)?;
            if AppealState::try_from(state)? != AppealState::Lodged {
                return Err(refused(AppealRefusal::AlreadyRuled));
            }
            let d = appealed(tx, actor, decision).await?;
            authorize(actor, Action::Cases(CaseAction::Rule), &path(&d.unit_path)?)?;
            may_rule(actor.user_id, &actor.unit_path, d.decided_by, &path(&d.decider_path)?).map_err(refused)?;
            let effect = match ruling {
                Ruling::Affirm => None,
                Ruling::Overturn => {
                    let to = undone(d.to_state).ok_or(refused(AppealRefusal::NothingToAppeal))?;
                    let current = Enrollment {
                        id: d.enrollment_id,
                        program_id: d.program_id,
                        person_id: d.person_id,
                        state: d.enrollment_state,
                        amount_rials: d.amount_rials,
                        version: d.enrollment_version,
                    };
                    let why = format!("{reasons} (appeal {id})");
                    let decision = EnrollmentDecision { to, reasons: &why, legal_basis, exit_reason: None };
                    Some(record_decision(tx, actor, &current, &decision, today, Some(d.id)).await?)
                }
            };
            let now = tx.now();
            on_tx!(tx, |c| sqlx::query(
                "UPDATE appeals SET state = $1, ruled_by = $2, ruled_at = $3, ruling_reasons = $4, \
                 ruling_legal_basis = $5, effect_decision_id = $6 WHERE id = $7 AND state = $8"
            )
            .bind(ruling.state().code())
            .bind(actor.user_id)
            .bind(now)
            .bind(reasons)
            .bind(legal_basis)
            .bind(effect)
            .bind(id)
            .bind(AppealState::Lodged.code())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("appeal.rule", "appeal", id)
                    .before(serde_json::json!({ "state": AppealState::Lodged.code() }))
                    .after(serde_json::json!({
                        "state": ruling.state().code(), "decision": decision, "reasons": reasons,
                        "legal_basis": legal_basis, "effect_decision": effect,
                    })),
            )
            .await
        })
        .await?;
        self.appeal_unlogged(actor, id).await
    }

    /// A decision's letter, in the actor's subtree (a logged read: it names the
    /// person and what was decided about them).
    pub async fn decision_letter(&self, actor: &Actor, id: i64) -> Result<DecisionLetter> {
        require(actor, Action::Open(Module::Cases))?;
        let row: Option<(DecisionLetter, String)> = on_pool!(self, |c| {
            sqlx::query_as::<_, DecisionLetterRow>(
                "SELECT d.id, d.program_id, p.name_fa AS program_name_fa, d.person_id, s.national_code, s.first_name, \
                 s.last_name, d.from_state, d.to_state, d.reasons, d.legal_basis, us.username AS decided_by, d.decided_at, \
                 d.appeal_until, e.state AS enrollment_state FROM decisions d JOIN programs p ON p.id = d.program_id \
                 JOIN persons s ON s.id = d.person_id JOIN enrollments e ON e.id = d.enrollment_id \
                 JOIN org_units u ON u.id = e.unit_id LEFT JOIN users us ON us.id = d.decided_by \
                 WHERE d.id = $1 AND u.path LIKE $2",
            )
            .bind(id)
            .bind(actor.unit_path.subtree_pattern())
            .fetch_optional(c)
            .await
            .map(|r| r.map(|r| (r.letter, r.enrollment_state)))
        })?;
        let (mut letter, enrollment_state) = row.ok_or(StoreError::NotFound)?;
        let sql = format!("SELECT {APPEAL_COLUMNS} FROM {APPEAL_FROM} WHERE a.decision_id = $1");
        letter.appeal = on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_optional(c).await)?;
        let to = EnrollmentState::try_from(letter.to_state.clone())?;
        let deadline =
            time::Date::parse(&letter.appeal_until, &time::format_description::well_known::Iso8601::DATE).ok();
        letter.appealable = letter.appeal.is_none()
            && enrollment_state == letter.to_state
            && deadline.is_some_and(|d| may_appeal(to, d, self.today()).is_ok());
        self.log_read(
            actor,
            crate::audit::Sensitive::Decisions,
            "decision",
            &id.to_string(),
            serde_json::json!({ "person": letter.person_id }),
        )
        .await?;
        Ok(letter)
    }

    /// An appeal in the actor's subtree (a logged read: its grounds speak of the
    /// person's condition).
    pub async fn appeal(&self, actor: &Actor, id: i64) -> Result<Appeal> {
        let appeal = self.appeal_unlogged(actor, id).await?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Decisions,
            "appeal",
            &id.to_string(),
            serde_json::json!({ "person": appeal.person_id }),
        )
        .await?;
        Ok(appeal)
    }

    /// An appeal as its writer answers it back, after the write's own audit entry.
    async fn appeal_unlogged(&self, actor: &Actor, id: i64) -> Result<Appeal> {
        require(actor, Action::Open(Module::Cases))?;
        let sql = format!("SELECT {APPEAL_COLUMNS} FROM {APPEAL_FROM} WHERE a.id = $1 AND u.path LIKE $2");
        let row: Option<Appeal> = on_pool!(self, |c| sqlx::query_as(&sql)
            .bind(id)
            .bind(actor.unit_path.subtree_pattern())
            .fetch_optional(c)
            .await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// Appeals in the actor's subtree, in one state, oldest first (the board's
    /// worklist for `lodged`).
    pub async fn appeals(&self, actor: &Actor, state: AppealState, limit: i64) -> Result<Vec<Appeal>> {
        require(actor, Action::Open(Module::Cases))?;
        let sql = format!(
            "SELECT {APPEAL_COLUMNS} FROM {APPEAL_FROM} WHERE a.state = $1 AND u.path LIKE $2 ORDER BY a.id LIMIT $3"
        );
        let rows: Vec<Appeal> = on_pool!(self, |c| sqlx::query_as(&sql)
            .bind(state.code())
            .bind(actor.unit_path.subtree_pattern())
            .bind(limit.clamp(1, 1_000))
            .fetch_all(c)
            .await)?;
        let persons: Vec<i64> = rows.iter().map(|a| a.person_id).collect();
        self.log_read(
            actor,
            crate::audit::Sensitive::Decisions,
            "appeals",
            state.code(),
            serde_json::json!({ "persons": persons }),
        )
        .await?;
        Ok(rows)
    }

    /// The board's worklist: appeals lodged in the actor's subtree, oldest
    /// first, each with the decision it is against and whom it concerns, in one
    /// statement (one logged read for the list).
    pub async fn appeals_to_rule(&self, actor: &Actor, limit: i64) -> Result<Vec<AppealToRule>> {
        require(actor, Action::Open(Module::Cases))?;
        let sql = format!(
            "SELECT {APPEAL_COLUMNS}, s.first_name, s.last_name, s.national_code, p.name_fa AS program_name_fa, \
             d.to_state, d.reasons AS decision_reasons, du.username AS decided_by \
             FROM {APPEAL_FROM} JOIN decisions d ON d.id = a.decision_id JOIN persons s ON s.id = a.person_id \
             JOIN programs p ON p.id = a.program_id LEFT JOIN users du ON du.id = d.decided_by \
             WHERE a.state = $1 AND u.path LIKE $2 ORDER BY a.id LIMIT $3"
        );
        let rows: Vec<AppealToRule> = on_pool!(self, |c| sqlx::query_as(&sql)
            .bind(AppealState::Lodged.code())
            .bind(actor.unit_path.subtree_pattern())
            .bind(limit.clamp(1, 1_000))
            .fetch_all(c)
            .await)?;
        let persons: Vec<i64> = rows.iter().map(|r| r.appeal.person_id).collect();
        self.log_read(
            actor,
            crate::audit::Sensitive::Decisions,
            "appeals",
            "lodged",
            serde_json::json!({ "persons": persons }),
        )
        .await?;
        Ok(rows)
    }

    /// A person's appeals, newest first.
    pub async fn person_appeals(&self, actor: &Actor, person_id: i64) -> Result<Vec<Appeal>> {
        require(actor, Action::Open(Module::Cases))?;
        let sql = format!(
            "SELECT {APPEAL_COLUMNS} FROM {APPEAL_FROM} WHERE a.person_id = $1 AND u.path LIKE $2 ORDER BY a.id DESC"
        );
        let rows = on_pool!(self, |c| sqlx::query_as(&sql)
            .bind(person_id)
            .bind(actor.unit_path.subtree_pattern())
            .fetch_all(c)
            .await)?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Decisions,
            "person",
            &person_id.to_string(),
            serde_json::json!({}),
        )
        .await?;
        Ok(rows)
    }
}
