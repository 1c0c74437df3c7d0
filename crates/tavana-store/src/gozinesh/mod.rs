//! Vetting (see the domain's `gozinesh`): cases held in trust. Every text of a
//! case is sealed by `cipher` before it is written; a case's file opens only to
//! the holder of an unexpired grant, for a stated reason, each opening in the
//! read log (`Sensitive::Vetting`) where the board can see it. Roles let an
//! officer open cases and record entries and the board grant access; no role,
//! an administrator's included, opens a file without a grant.

mod cipher;

use crate::access::{authorize, require, unit_path};
use crate::db::{Store, WriteTx};
use crate::{Result, StoreError};
use tavana_domain::DomainError;
use tavana_domain::error::Reason;
use tavana_domain::gozinesh::{
    Closed, EntryKind, MAX_GRANT_DAYS, SITTING_MINUTES, SubjectKind, Verdict, VettingAction, VettingState,
    may_hold_grant, may_open,
};
use tavana_domain::iam::{Action, Actor};
use tavana_domain::text::required_text;

const INVESTIGATE: Action = Action::Vetting(VettingAction::Investigate);
const OVERSEE: Action = Action::Vetting(VettingAction::Oversee);
const DAY: i64 = 86_400_000_000;
/// How long the officer who opens a case holds it.
const OPENER_DAYS: i64 = 90;

/// A case's entry, as its file shows it (decrypted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Entry {
    pub id: i64,
    pub kind: EntryKind,
    pub text: String,
    /// For an inquiry: the day its reply is due (ISO).
    pub due_on: Option<String>,
    pub reply_to: Option<i64>,
    pub by: String,
    pub at: i64,
}

/// A decision, as its file and the subject's notice show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VettingDecision {
    pub verdict: Verdict,
    pub reasons: String,
    pub legal_basis: String,
    /// For a conditional approval, its conditions.
    pub conditions: String,
}

/// A case's file: all of it, decrypted, for a grant holder.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VettingFile {
    pub id: i64,
    pub kind: SubjectKind,
    pub state: VettingState,
    pub subject_name: String,
    pub subject_national_code: String,
    pub entries: Vec<Entry>,
    pub decision: Option<VettingDecision>,
    pub appeal_until: Option<String>,
    pub version: i64,
}

/// A case as listed to those who vet in its tree: nothing of its file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseSummary {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: SubjectKind,
    #[sqlx(try_from = "String")]
    pub state: VettingState,
    pub opened_at: i64,
    /// Until when the reader's own grant holds (none: no grant in force).
    pub my_grant_until: Option<i64>,
}

/// The advice on a candidate, as a manager sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VettingAdvice {
    /// approved, rejected or conditional; none while undecided.
    pub verdict: Option<Verdict>,
    /// For a conditional approval, its conditions.
    pub conditions: Option<String>,
}

/// What the subject is told: the decision, its reasons and legal basis, and
/// the appeal deadline; never an inquiry, a reply or a finding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VettingNotice {
    pub id: i64,
    pub kind: SubjectKind,
    pub state: VettingState,
    pub subject_name: String,
    pub decision: VettingDecision,
    /// The last day to appeal (ISO).
    pub appeal_until: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Subject {
    name: String,
    national_code: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct CaseRow {
    id: i64,
    unit_path: String,
    #[sqlx(try_from = "String")]
    kind: SubjectKind,
    #[sqlx(try_from = "String")]
    state: VettingState,
    subject_key: i64,
    subject: Vec<u8>,
    verdict: Option<String>,
    decision_key: Option<i64>,
    decision: Option<Vec<u8>>,
    appeal_until: Option<String>,
    opened_at: i64,
    version: i64,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    #[sqlx(try_from = "String")]
    kind: EntryKind,
    body_key: i64,
    body: Vec<u8>,
    due_on: Option<String>,
    reply_to: Option<i64>,
    by_name: String,
    at: i64,
}

fn closed(why: Closed) -> StoreError {
    match why {
        Closed::NoGrant => StoreError::Forbidden("open this vetting file: it opens by a need-to-know grant only"),
        Closed::NoReason => StoreError::Invalid(DomainError::new("reason", Reason::Empty)),
    }
}

/// Where each sealed text sits: its associated data.
fn place(field: &str, id: i64) -> String {
    format!("{field}:{id}")
}

impl Store {
    fn vetting_keys(&self) -> Option<&crate::audit_keys::Keyring> {
        self.vetting_keys.as_deref()
    }

    /// Opens a case about a subject in the officer's unit; the officer holds it
    /// by a grant of ninety days. The subject is sealed.
    pub async fn open_vetting_case(
        &self,
        actor: &Actor,
        kind: SubjectKind,
        subject_name: &str,
        national_code: &tavana_domain::NationalCode,
    ) -> Result<i64> {
        require(actor, INVESTIGATE)?;
        let name = required_text("subject_name", subject_name)?;
        let subject = serde_json::to_string(&Subject { name: name.into(), national_code: national_code.as_string() })
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let keys = self.vetting_keys.clone();
        self.write(async |tx| {
            let now = tx.now();
            let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                "INSERT INTO vetting_cases (unit_id, kind, state, subject_key, subject, opened_by, opened_at) \
                 VALUES ($1, $2, $3, 0, $4, $5, $6) RETURNING id"
            )
            .bind(actor.unit_id)
            .bind(kind.code())
            .bind(VettingState::Open.code())
            .bind(Vec::<u8>::new())
            .bind(actor.user_id)
            .bind(now)
            .fetch_one(c)
            .await)?;
            let (key, sealed) = cipher::seal(keys.as_deref(), &place("vetting_cases.subject", id), &subject)?;
            on_tx!(tx, |c| sqlx::query("UPDATE vetting_cases SET subject_key = $1, subject = $2 WHERE id = $3")
                .bind(key)
                .bind(&sealed)
                .bind(id)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            insert_grant(tx, id, actor.user_id, actor.user_id, "opened the case", now + OPENER_DAYS * DAY).await?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("vetting.open_case", "vetting_case", id)
                    .after(serde_json::json!({ "kind": kind.code(), "grant_days": OPENER_DAYS })),
            )
            .await?;
            Ok(id)
        })
        .await
    }

    /// A case's row as stored, for a caller that then decides who may see it.
    async fn stored_case(&self, id: i64) -> Result<CaseRow> {
        let row = on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT v.id, u.path AS unit_path, v.kind, v.state, v.subject_key, v.subject, v.verdict, v.decision_key, \
             v.decision, v.appeal_until, v.opened_at, v.version FROM vetting_cases v JOIN org_units u ON u.id = v.unit_id \
             WHERE v.id = $1"
        )
        .bind(id)
        .fetch_one(c)
        .await
        })?;
        Ok(row)
    }

    async fn case_row(&self, actor: &Actor, id: i64) -> Result<CaseRow> {
        let row = self.stored_case(id).await?;
        // A case exists for those who vet in its unit's tree; it opens by grant only.
        let path = unit_path(&row.unit_path)?;
        authorize(actor, INVESTIGATE, &path).or_else(|_| authorize(actor, OVERSEE, &path))?;
        Ok(row)
    }

    /// When the actor's grant for a case expires (none: no grant in force).
    async fn grant_expires(&self, actor: &Actor, case: i64) -> Result<Option<i64>> {
        let expires: Option<i64> = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT MAX(expires_at) FROM vetting_grants WHERE case_id = $1 AND user_id = $2 AND revoked_at IS NULL"
        )
        .bind(case)
        .bind(actor.user_id)
        .fetch_one(c)
        .await)?;
        Ok(expires)
    }

    /// Checks that the actor holds the case now, for `reason`.
    async fn holds(&self, actor: &Actor, case: i64, reason: &str) -> Result<()> {
        let expires = self.grant_expires(actor, case).await?;
        may_open(expires, self.now(), reason).map_err(closed)
    }

    /// Grants someone who vets (an officer, a board member) need-to-know access
    /// to a case for `days` (at most 180), with the reason (the board).
    pub async fn grant_vetting_access(
        &self,
        actor: &Actor,
        case: i64,
        user_id: i64,
        days: i64,
        reason: &str,
    ) -> Result<()> {
        require(actor, OVERSEE)?;
        self.case_row(actor, case).await?;
        let reason = required_text("reason", reason)?;
        if !(1..=MAX_GRANT_DAYS).contains(&days) {
            return Err(StoreError::Invalid(DomainError::new("days", Reason::OutOfRange)));
        }
        let grantee = self.actor_for_user(user_id).await.map_err(crate::access::out_of_scope_is_invalid("user"))?;
        if !may_hold_grant(&grantee.roles) {
            return Err(StoreError::Invalid(DomainError::breaks(
                "user",
                "only vetting officers and board members may hold a grant",
                "فقط کارشناسان گزینش و اعضای هیئت می‌توانند دسترسی بگیرند",
            )));
        }
        self.write(async |tx| {
            let expires = tx.now() + days * DAY;
            insert_grant(tx, case, user_id, actor.user_id, reason, expires).await?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("vetting.grant", "vetting_case", case)
                    .after(serde_json::json!({ "user": user_id, "days": days, "reason": reason })),
            )
            .await
        })
        .await
    }

    /// The cases of the actor's tree (vetting officers and the board), newest
    /// first: kind, state and the actor's own grant; nothing of a file, so the
    /// list opens none.
    pub async fn vetting_cases(&self, actor: &Actor, limit: i64) -> Result<Vec<CaseSummary>> {
        require(actor, INVESTIGATE).or_else(|_| require(actor, OVERSEE))?;
        let rows = on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT v.id, v.kind, v.state, v.opened_at, (SELECT MAX(g.expires_at) FROM vetting_grants g \
             WHERE g.case_id = v.id AND g.user_id = $1 AND g.revoked_at IS NULL AND g.expires_at > $2) AS my_grant_until \
             FROM vetting_cases v JOIN org_units u ON u.id = v.unit_id WHERE u.path LIKE $3 ORDER BY v.id DESC LIMIT $4"
        )
        .bind(actor.user_id)
        .bind(self.now())
        .bind(actor.unit_path.subtree_pattern())
        .bind(limit)
        .fetch_all(c)
        .await
        })?;
        Ok(rows)
    }

    /// One case as listed (nothing of its file), for those who vet in its tree.
    pub async fn vetting_case(&self, actor: &Actor, case: i64) -> Result<CaseSummary> {
        let row = self.case_row(actor, case).await?;
        let my_grant_until = self.grant_expires(actor, case).await?.filter(|&until| until > self.now());
        Ok(CaseSummary { id: case, kind: row.kind, state: row.state, opened_at: row.opened_at, my_grant_until })
    }

    /// Opens a case's file for a grant holder, for the reason stated: the
    /// subject, every entry and the decision, decrypted; the opening is in the
    /// read log with its reason, and starts a sitting (see
    /// [`Store::vetting_file_in_sitting`]).
    pub async fn open_vetting_file(&self, actor: &Actor, case: i64, reason: &str) -> Result<VettingFile> {
        let row = self.case_row(actor, case).await?;
        self.holds(actor, case, reason).await?;
        let reason = reason.trim();
        self.write(async |tx| {
            let now = tx.now();
            on_tx!(tx, |c| sqlx::query(
                "INSERT INTO vetting_sittings (case_id, user_id, reason, opened_at, until) VALUES ($1, $2, $3, $4, $5)"
            )
            .bind(case)
            .bind(actor.user_id)
            .bind(reason)
            .bind(now)
            .bind(now + SITTING_MINUTES * 60_000_000)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("vetting.sitting", "vetting_case", case)
                    .after(serde_json::json!({ "reason": reason, "minutes": SITTING_MINUTES })),
            )
            .await
        })
        .await?;
        self.read_file(actor, row, reason).await
    }

    /// The file again for whoever opened it in the last sitting, while the
    /// sitting and the grant last (none: no sitting; refused: the grant ended);
    /// each read logged with the opening's reason.
    pub async fn vetting_file_in_sitting(&self, actor: &Actor, case: i64) -> Result<Option<VettingFile>> {
        let row = self.case_row(actor, case).await?;
        let reason: Option<String> = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT reason FROM vetting_sittings WHERE case_id = $1 AND user_id = $2 AND until > $3 \
             ORDER BY until DESC LIMIT 1"
        )
        .bind(case)
        .bind(actor.user_id)
        .bind(self.now())
        .fetch_optional(c)
        .await)?;
        let Some(reason) = reason else { return Ok(None) };
        self.holds(actor, case, &reason).await?;
        self.read_file(actor, row, &reason).await.map(Some)
    }

    /// What the subject is told (the case's officers and board, holding it):
    /// the decision with its reasons, legal basis and appeal deadline, without
    /// the inquiries; a logged read.
    pub async fn vetting_notice(&self, actor: &Actor, case: i64) -> Result<VettingNotice> {
        let row = self.case_row(actor, case).await?;
        let reason = "ابلاغ رأی به شخص";
        self.holds(actor, case, reason).await?;
        let keys = self.vetting_keys();
        let (Some(decision), Some(appeal_until)) = (decision_of(keys, &row)?, row.appeal_until.clone()) else {
            return Err(StoreError::Invalid(DomainError::new("state", Reason::OutOfRange)));
        };
        let subject = subject_of(keys, &row)?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Vetting,
            "vetting_case",
            &case.to_string(),
            serde_json::json!({ "reason": reason, "notice": true }),
        )
        .await?;
        Ok(VettingNotice {
            id: case,
            kind: row.kind,
            state: row.state,
            subject_name: subject.name,
            decision,
            appeal_until,
        })
    }

    /// A file, decrypted, for a reader the caller has checked; logged with the
    /// reason.
    async fn read_file(&self, actor: &Actor, row: CaseRow, reason: &str) -> Result<VettingFile> {
        let case = row.id;
        let keys = self.vetting_keys();
        let subject = subject_of(keys, &row)?;
        let rows: Vec<EntryRow> = on_pool!(self, |c| sqlx::query_as(
            "SELECT e.id, e.kind, e.body_key, e.body, e.due_on, e.reply_to, u.display_name AS by_name, e.at \
             FROM vetting_entries e JOIN users u ON u.id = e.by_user WHERE e.case_id = $1 ORDER BY e.id"
        )
        .bind(case)
        .fetch_all(c)
        .await)?;
        let entries = rows
            .into_iter()
            .map(|r| {
                Ok(Entry {
                    text: cipher::open(keys, r.body_key, &place("vetting_entries.body", r.id), &r.body)?,
                    id: r.id,
                    kind: r.kind,
                    due_on: r.due_on,
                    reply_to: r.reply_to,
                    by: r.by_name,
                    at: r.at,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let decision = decision_of(keys, &row)?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Vetting,
            "vetting_case",
            &case.to_string(),
            serde_json::json!({ "reason": reason }),
        )
        .await?;
        Ok(VettingFile {
            id: case,
            kind: row.kind,
            state: row.state,
            subject_name: subject.name,
            subject_national_code: subject.national_code,
            entries,
            decision,
            appeal_until: row.appeal_until,
            version: row.version,
        })
    }

    /// Records an entry in an open case (its officers, holding it): a note, an
    /// inquiry (due on a day), a reply to an inquiry, an interview or a finding.
    pub async fn add_vetting_entry(
        &self,
        actor: &Actor,
        case: i64,
        (kind, text): (EntryKind, &str),
        (due_on, reply_to): (Option<time::Date>, Option<i64>),
    ) -> Result<i64> {
        require(actor, INVESTIGATE)?;
        let row = self.case_row(actor, case).await?;
        let text = required_text("text", text)?;
        self.holds(actor, case, "recording an entry").await?;
        if row.state != VettingState::Open {
            return Err(StoreError::Invalid(DomainError::new("state", Reason::OutOfRange)));
        }
        if kind == EntryKind::Inquiry && due_on.is_none() {
            return Err(StoreError::Invalid(DomainError::new("due_on", Reason::Empty)));
        }
        let keys = self.vetting_keys.clone();
        self.write(async |tx| {
            let id = insert_entry(tx, keys.as_deref(), actor, case, (kind, text), (due_on, reply_to)).await?;
            // The audit names the entry, never its text.
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("vetting.entry", "vetting_case", case)
                    .after(serde_json::json!({ "entry": id, "kind": kind.code() })),
            )
            .await?;
            Ok(id)
        })
        .await
    }

    /// Decides an open case (its officer, holding it): the verdict with reasons
    /// and a legal basis (and conditions for a conditional approval), sealed;
    /// appealable for thirty days.
    pub async fn decide_vetting_case(
        &self,
        actor: &Actor,
        case: i64,
        decision: &VettingDecision,
        version: i64,
    ) -> Result<()> {
        require(actor, INVESTIGATE)?;
        let row = self.case_row(actor, case).await?;
        self.holds(actor, case, "deciding the case").await?;
        checked(decision)?;
        if !row.state.may_become(VettingState::Decided) {
            return Err(StoreError::Invalid(DomainError::new("state", Reason::OutOfRange)));
        }
        let text = serde_json::to_string(decision).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let (key, sealed) = cipher::seal(self.vetting_keys(), &place("vetting_cases.decision", case), &text)?;
        let appeal_until = tavana_domain::cases::appeal_deadline(self.today()).to_string();
        self.write(async |tx| {
            let now = tx.now();
            let changed = on_tx!(tx, |c| {
                sqlx::query(
                "UPDATE vetting_cases SET state = $1, verdict = $2, decision_key = $3, decision = $4, decided_by = $5, \
                 decided_at = $6, appeal_until = $7, version = version + 1 WHERE id = $8 AND version = $9"
            )
            .bind(VettingState::Decided.code())
            .bind(decision.verdict.code())
            .bind(key)
            .bind(&sealed)
            .bind(actor.user_id)
            .bind(now)
            .bind(&appeal_until)
            .bind(case)
            .bind(version)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            })?;
            if changed == 0 {
                return Err(StoreError::Conflict { field: "version".into() });
            }
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("vetting.decide", "vetting_case", case)
                    .after(serde_json::json!({ "verdict": decision.verdict.code(), "appeal_until": appeal_until })),
            )
            .await
        })
        .await
    }

    /// Lodges the subject's appeal against a decided case, by its deadline, with
    /// the grounds sealed (its officer, holding it).
    pub async fn appeal_vetting_case(&self, actor: &Actor, case: i64, grounds: &str, version: i64) -> Result<()> {
        require(actor, INVESTIGATE)?;
        let row = self.case_row(actor, case).await?;
        let grounds = required_text("grounds", grounds)?;
        self.holds(actor, case, "lodging an appeal").await?;
        if !row.state.may_become(VettingState::Appealed) {
            return Err(StoreError::Invalid(DomainError::new("state", Reason::OutOfRange)));
        }
        let deadline = row
            .appeal_until
            .as_deref()
            .map(|d| time::Date::parse(d, &time::format_description::well_known::Iso8601::DATE))
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if deadline.is_some_and(|d| self.today() > d) {
            return Err(StoreError::Invalid(DomainError::breaks(
                "grounds",
                "the appeal is late: the deadline has passed",
                "مهلت اعتراض به این رأی گذشته است",
            )));
        }
        self.record_ruling_step(actor, (case, version), VettingState::Appealed, (EntryKind::Note, grounds), None).await
    }

    /// Rules on an appealed case (a board member holding it): the decision
    /// stands (affirmed) or is replaced by the board's, with reasons; final.
    pub async fn rule_on_vetting_appeal(
        &self,
        actor: &Actor,
        case: i64,
        replaced_by: Option<&VettingDecision>,
        reasons: &str,
        version: i64,
    ) -> Result<()> {
        require(actor, OVERSEE)?;
        let row = self.case_row(actor, case).await?;
        let reasons = required_text("reasons", reasons)?;
        self.holds(actor, case, "ruling on the appeal").await?;
        if row.state != VettingState::Appealed {
            return Err(StoreError::Invalid(DomainError::new("state", Reason::OutOfRange)));
        }
        let replacement = match replaced_by {
            Some(d) => {
                checked(d)?;
                let text = serde_json::to_string(d).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let (key, sealed) = cipher::seal(self.vetting_keys(), &place("vetting_cases.decision", case), &text)?;
                Some((d.verdict, key, sealed))
            }
            None => None,
        };
        let ruling = format!("{} {reasons}", if replaced_by.is_some() { "رأی نقض شد:" } else { "رأی تأیید شد:" });
        self.record_ruling_step(actor, (case, version), VettingState::Final, (EntryKind::Finding, &ruling), replacement)
            .await
    }

    /// Moves a case to `to` with a sealed entry saying why, and with the board's
    /// decision replacing the officer's (sealed) when it overturns, in one
    /// transaction.
    async fn record_ruling_step(
        &self,
        actor: &Actor,
        (case, version): (i64, i64),
        to: VettingState,
        (kind, text): (EntryKind, &str),
        replacement: Option<(Verdict, i64, Vec<u8>)>,
    ) -> Result<()> {
        let keys = self.vetting_keys.clone();
        self.write(async |tx| {
            if let Some((verdict, key, sealed)) = &replacement {
                on_tx!(tx, |c| sqlx::query(
                    "UPDATE vetting_cases SET verdict = $1, decision_key = $2, decision = $3 WHERE id = $4"
                )
                .bind(verdict.code())
                .bind(*key)
                .bind(sealed)
                .bind(case)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            }
            let changed = on_tx!(tx, |c| sqlx::query(
                "UPDATE vetting_cases SET state = $1, version = version + 1 WHERE id = $2 AND version = $3"
            )
            .bind(to.code())
            .bind(case)
            .bind(version)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            if changed == 0 {
                return Err(StoreError::Conflict { field: "version".into() });
            }
            let id = insert_entry(tx, keys.as_deref(), actor, case, (kind, text), (None, None)).await?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("vetting.state", "vetting_case", case).after(serde_json::json!({
                    "state": to.code(), "entry": id, "verdict": replacement.as_ref().map(|r| r.0.code()),
                })),
            )
            .await
        })
        .await
    }

    /// A candidate's case the actor may have advice on (HR officers and
    /// vetting staff of its tree): its verdict (none while undecided) and its
    /// row. Nothing is read from the file.
    pub(crate) async fn candidate_case(&self, actor: &Actor, case: i64) -> Result<CaseRow> {
        let row = self.stored_case(case).await?;
        let path = unit_path(&row.unit_path)?;
        authorize(actor, Action::Hr(tavana_domain::hr::HrAction::Manage), &path)
            .or_else(|_| authorize(actor, INVESTIGATE, &path))?;
        if row.kind != SubjectKind::Candidate {
            return Err(StoreError::NotFound);
        }
        Ok(row)
    }

    /// The appointment advice on a candidate's case, for a manager: whether the
    /// candidate is recommended, and on what conditions when conditionally;
    /// never the file, nor the reasons. HR officers and vetting staff of the
    /// case's tree; a logged read.
    pub async fn vetting_advice(&self, actor: &Actor, case: i64) -> Result<VettingAdvice> {
        let row = self.candidate_case(actor, case).await?;
        let verdict = row.verdict.clone().map(Verdict::try_from).transpose()?;
        let conditions = match verdict {
            Some(Verdict::Conditional) => decision_of(self.vetting_keys(), &row)?.map(|d| d.conditions),
            _ => None,
        };
        // Whether a candidate was recommended is itself vetting's: logged.
        self.log_read(
            actor,
            crate::audit::Sensitive::Vetting,
            "vetting_case",
            &case.to_string(),
            serde_json::json!({ "advice": verdict.map(|v| v.code()) }),
        )
        .await?;
        Ok(VettingAdvice { verdict, conditions })
    }

    /// Inquiries past their due day with no reply, in the officer's tree: the
    /// case, the inquiry and the day it was due (no text: listing them opens no
    /// file).
    pub async fn overdue_vetting_inquiries(&self, actor: &Actor) -> Result<Vec<(i64, i64, String)>> {
        require(actor, INVESTIGATE)?;
        let rows = on_pool!(self, |c| {
            sqlx::query_as(&format!(
            "SELECT e.case_id, e.id, e.due_on FROM vetting_entries e JOIN vetting_cases v ON v.id = e.case_id              JOIN org_units u ON u.id = v.unit_id WHERE e.kind = '{}' AND e.due_on < $1 AND u.path LIKE $2              AND NOT EXISTS (SELECT 1 FROM vetting_entries r WHERE r.reply_to = e.id) ORDER BY e.due_on, e.id",
            EntryKind::Inquiry.code()
        ))
        .bind(self.today().to_string())
        .bind(actor.unit_path.subtree_pattern())
        .fetch_all(c)
        .await
        })?;
        Ok(rows)
    }

    /// Who opened a case's file, when and why (the board).
    pub async fn vetting_file_openings(
        &self,
        actor: &Actor,
        case: i64,
        limit: i64,
    ) -> Result<Vec<crate::audit::AuditEntry>> {
        self.case_row(actor, case).await?;
        require(actor, OVERSEE)?;
        self.reads_of_object("vetting_case", &case.to_string(), limit).await
    }

    /// Re-encrypts every vetting text not sealed with the newest key (after a
    /// new key is added to the key file), in one transaction; the audit names
    /// every row re-sealed. Returns how many texts.
    pub async fn reseal_vetting(&self) -> Result<u64> {
        let keys = self.vetting_keys.clone();
        let newest =
            keys.as_deref().and_then(crate::audit_keys::Keyring::current).map(|k| k.id).ok_or_else(cipher::no_key)?;
        self.write(async |tx| {
            let mut resealed: Vec<(String, i64)> = Vec::new();
            for (table, key, blob, field) in [
                ("vetting_cases", "subject_key", "subject", "vetting_cases.subject"),
                ("vetting_cases", "decision_key", "decision", "vetting_cases.decision"),
                ("vetting_entries", "body_key", "body", "vetting_entries.body"),
            ] {
                let rows: Vec<(i64, i64, Vec<u8>)> = on_tx!(tx, |c| sqlx::query_as(&format!(
                    "SELECT id, {key}, {blob} FROM {table} WHERE {key} IS NOT NULL AND {key} <> $1"
                ))
                .bind(newest)
                .fetch_all(c)
                .await)?;
                for (id, old, sealed) in rows {
                    let text = cipher::open(keys.as_deref(), old, &place(field, id), &sealed)?;
                    let (new, again) = cipher::seal(keys.as_deref(), &place(field, id), &text)?;
                    on_tx!(tx, |c| sqlx::query(&format!("UPDATE {table} SET {key} = $1, {blob} = $2 WHERE id = $3"))
                        .bind(new)
                        .bind(&again)
                        .bind(id)
                        .execute(c)
                        .await
                        .map(|r| r.rows_affected()))?;
                    resealed.push((field.to_string(), id));
                }
            }
            tx.audit(
                None,
                crate::audit::AuditEvent::new("vetting.reseal", "vetting_key", newest)
                    .after(serde_json::json!({ "columns": ["field", "row"], "resealed": resealed })),
            )
            .await?;
            Ok(resealed.len() as u64)
        })
        .await
    }
}

/// Writes an entry of a case, its text sealed for its row (the row is inserted
/// first, so its id is known to the seal). Returns its id.
async fn insert_entry(
    tx: &mut WriteTx,
    keys: Option<&crate::audit_keys::Keyring>,
    actor: &Actor,
    case: i64,
    (kind, text): (EntryKind, &str),
    (due_on, reply_to): (Option<time::Date>, Option<i64>),
) -> Result<i64> {
    let now = tx.now();
    let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
        "INSERT INTO vetting_entries (case_id, kind, body_key, body, due_on, reply_to, by_user, at) \
         VALUES ($1, $2, 0, $3, $4, $5, $6, $7) RETURNING id"
    )
    .bind(case)
    .bind(kind.code())
    .bind(Vec::<u8>::new())
    .bind(due_on.map(|d| d.to_string()))
    .bind(reply_to)
    .bind(actor.user_id)
    .bind(now)
    .fetch_one(c)
    .await)?;
    let (key, sealed) = cipher::seal(keys, &place("vetting_entries.body", id), text)?;
    on_tx!(tx, |c| sqlx::query("UPDATE vetting_entries SET body_key = $1, body = $2 WHERE id = $3")
        .bind(key)
        .bind(&sealed)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(id)
}

async fn insert_grant(tx: &mut WriteTx, case: i64, user: i64, by: i64, reason: &str, expires: i64) -> Result<()> {
    let now = tx.now();
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO vetting_grants (case_id, user_id, granted_by, reason, granted_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(case)
    .bind(user)
    .bind(by)
    .bind(reason)
    .bind(now)
    .bind(expires)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A decision, the officer's or the board's replacing it, says why and on what
/// basis (and, conditional, on what conditions).
fn checked(decision: &VettingDecision) -> Result<()> {
    required_text("reasons", &decision.reasons)?;
    required_text("legal_basis", &decision.legal_basis)?;
    if decision.verdict == Verdict::Conditional {
        required_text("conditions", &decision.conditions)?;
    }
    Ok(())
}

fn subject_of(keys: Option<&crate::audit_keys::Keyring>, row: &CaseRow) -> Result<Subject> {
    let text = cipher::open(keys, row.subject_key, &place("vetting_cases.subject", row.id), &row.subject)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn decision_of(keys: Option<&crate::audit_keys::Keyring>, row: &CaseRow) -> Result<Option<VettingDecision>> {
    match (row.decision_key, &row.decision, &row.verdict) {
        (Some(key), Some(sealed), Some(_)) => {
            let text = cipher::open(keys, key, &place("vetting_cases.decision", row.id), sealed)?;
            Ok(Some(serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(e.to_string()))?))
        }
        _ => Ok(None),
    }
}
