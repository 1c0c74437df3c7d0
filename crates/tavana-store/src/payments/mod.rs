//! Payments (پرداخت): a program's monthly cycles, from the frozen snapshot of
//! what is owed to the bank files, the bank's returns and the ledger.
//!
//! A cycle covers an org unit's subtree (HQ: the country; a province office: its
//! province) for one program and Jalali month. Every step is one of the domain's
//! [`CycleStep`]s, taken only where [`CycleStep::from`] allows it and by whom its
//! [`PaymentAction`] is granted to in the cycle's unit; approving or sending back
//! also asks [`four_eyes`]. Each step is one write transaction that re-reads the
//! cycle's state in it, so two steps at once cannot both pass.
//!
//! Computing is set-based: one `INSERT … SELECT` writes every line from the
//! program's terms in force on the month's first day (compiled to SQL as
//! confirmation compiles them), each with its amount, the version and values it
//! rests on, the account and, where it is not to be paid, the reason it is held;
//! one more carries forward the payments of earlier months the bank returned. A
//! unique index pays a beneficiary at most once a month, whatever the code does.

mod files;
mod jobs;
pub(crate) mod ledger;
mod returns;
mod texts;

pub use files::{BankFile, FileOut};
pub use jobs::PaymentJob;
pub use ledger::{Balance, BudgetLine, LedgerCheck};
pub use returns::{ReturnLine, ReturnReport};
pub use tavana_domain::payments::bank_file::FileFormat;
pub use texts::Text;

use crate::access::{authorize, out_of_scope_is_invalid, require, unit_path};
use crate::db::{Backend, Store, WriteTx};
use crate::programs::eligibility::{Members, expression, outcome, used_variables, variables};
use crate::sql::Sql;
use crate::{Result, StoreError};
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use tavana_domain::DomainError;
use tavana_domain::iam::{Action, Actor, Module};
use tavana_domain::jalali::JalaliDate;
use tavana_domain::org::{OrgUnitKind, UnitPath};
use tavana_domain::payments::{
    CycleHands, CycleState, CycleStep, HoldReason, JobStep, LineStatus, PayMonth, PaymentAction, Rounding, four_eyes,
};
use tavana_domain::programs::{EnrollmentState, Outcome, ProgramStatus, ProgramTarget};
use tavana_domain::sheba::BANKS;

/// How a program pays: its rounding and the account it pays from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentSettings {
    pub program_id: i64,
    #[sqlx(try_from = "String")]
    pub rounding: Rounding,
    pub debtor_name: String,
    pub debtor_sheba: String,
    /// The rials withheld from each payment (an expression over the program's
    /// variables), when the program withholds any.
    pub deduction: Option<String>,
}

impl PaymentSettings {
    /// The deduction's expression, checked again as it is read.
    fn deduction_expr(&self) -> Result<Option<tavana_domain::programs::rule::Expr>> {
        Ok(self.deduction.as_deref().map(|d| tavana_domain::programs::parse_formula("deduction", d)).transpose()?)
    }
}

/// A payment cycle as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentCycle {
    pub id: i64,
    pub program_id: i64,
    /// The Jalali month paid for, `year * 100 + month`.
    pub month: i64,
    pub unit_id: i64,
    pub unit_name_fa: String,
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub unit_path: String,
    #[sqlx(try_from = "String")]
    pub state: CycleState,
    pub program_version: Option<i64>,
    /// The deduction the cycle was computed with (from the program's payment
    /// settings then), if any.
    pub deduction: Option<String>,
    /// SHA-256 of the computed lines' parts, in order (hex).
    pub snapshot_hash: Option<String>,
    pub payable_count: i64,
    pub payable_rials: i64,
    pub held_count: i64,
    pub paid_count: i64,
    pub paid_rials: i64,
    pub failed_count: i64,
    pub failed_rials: i64,
    pub created_by: i64,
    pub computed_by: Option<i64>,
    pub computed_by_name: Option<String>,
    pub submitted_by_name: Option<String>,
    pub checked_by_name: Option<String>,
    pub computed_at: Option<i64>,
    pub submitted_by: Option<i64>,
    pub submitted_at: Option<i64>,
    pub checked_by: Option<i64>,
    pub checked_at: Option<i64>,
    /// Why the checker sent it back, or what they noted approving it.
    pub check_reason: Option<String>,
    pub version: i64,
}

impl PaymentCycle {
    pub fn pay_month(&self) -> Result<PayMonth> {
        Ok(PayMonth::from_code(self.month)?)
    }

    fn hands(&self) -> CycleHands {
        CycleHands { computed_by: self.computed_by, submitted_by: self.submitted_by }
    }
}

const CYCLE_COLUMNS: &str = "c.id, c.program_id, c.month, c.unit_id, u.name_fa AS unit_name_fa, u.path AS unit_path, \
     c.state, c.program_version, c.deduction, c.snapshot_hash, c.payable_count, c.payable_rials, c.held_count, c.paid_count, \
     c.paid_rials, c.failed_count, c.failed_rials, c.created_by, c.computed_by, uc.username AS computed_by_name, \
     us.username AS submitted_by_name, uk.username AS checked_by_name, c.computed_at, c.submitted_by, \
     c.submitted_at, c.checked_by, c.checked_at, c.check_reason, c.version";

/// The tables a cycle is read from, with the names of the hands on it.
const CYCLE_FROM: &str = "payment_cycles c JOIN org_units u ON u.id = c.unit_id LEFT JOIN users uc ON uc.id = c.computed_by \
     LEFT JOIN users us ON us.id = c.submitted_by LEFT JOIN users uk ON uk.id = c.checked_by";

/// One line of a computed cycle: who is paid how much, to which account, and what
/// the amount rests on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentLine {
    pub id: i64,
    pub cycle_id: i64,
    pub month: i64,
    pub beneficiary: i64,
    pub person_id: i64,
    pub household_id: Option<i64>,
    pub province_id: i64,
    pub program_version: i64,
    /// The values the terms read, as JSON, with the day they were read as of.
    pub inputs: String,
    /// What the formula gave, before rounding.
    pub formula_rials: Option<i64>,
    /// What is paid: the formula's result rounded, less the deduction.
    pub amount_rials: i64,
    /// What was withheld as the program's payment settings say (rounded like
    /// the amount).
    pub deduction_rials: i64,
    pub holder: String,
    pub sheba: Option<String>,
    pub bank_code: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: LineStatus,
    pub hold_reason: Option<String>,
    pub return_reason: Option<String>,
    pub retry_of: Option<i64>,
    /// For arrears: the decision that undid the one that had cut the payment off.
    pub arrear_of: Option<i64>,
}

const LINE_COLUMNS: &str = "id, cycle_id, month, beneficiary, person_id, household_id, province_id, program_version, \
     inputs, formula_rials, amount_rials, deduction_rials, holder, sheba, bank_code, status, hold_reason, return_reason, retry_of, arrear_of";

/// The totals of a cycle per province: what is to be paid, paid, failed and held.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvinceTotals {
    pub province_id: i64,
    pub province_name_fa: String,
    pub payable_count: i64,
    pub payable_rials: i64,
    pub paid_count: i64,
    pub paid_rials: i64,
    pub failed_count: i64,
    pub failed_rials: i64,
    pub held_count: i64,
}

/// Why lines of a cycle are held, with how many of each.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HoldCount {
    pub reason: HoldReason,
    pub count: i64,
}

fn invalid(field: &'static str, en: impl Into<String>, fa: impl Into<String>) -> StoreError {
    StoreError::Invalid(DomainError::breaks(field, en.into(), fa.into()))
}

/// The step cannot be taken in the cycle's state: named, with the state.
fn not_now(step: CycleStep, state: CycleState) -> StoreError {
    invalid(
        "state",
        format!("cannot {} while the cycle is {}", step.phrase(), state.code()),
        format!("در وضعیت «{}» این کار ممکن نیست", state.label_fa()),
    )
}

impl Store {
    /// Sets how a program pays: its rounding, the account it pays from and what
    /// it withholds from each payment. At HQ, by a finance maker.
    pub async fn set_payment_settings(
        &self,
        actor: &Actor,
        program_id: i64,
        fields: &tavana_domain::payments::PaymentSettingsFields,
    ) -> Result<PaymentSettings> {
        require(actor, Action::Payments(PaymentAction::Prepare))?;
        crate::access::national_scope(actor, "set how a program pays")?;
        // The deduction was checked as an expression over the program variables.
        self.program(actor, program_id).await?;
        let settings = PaymentSettings {
            program_id,
            rounding: fields.rounding,
            debtor_name: fields.debtor_name.clone(),
            debtor_sheba: fields.debtor_sheba.as_string(),
            deduction: fields.deduction.as_ref().map(|(text, _)| text.clone()),
        };
        let rounding = fields.rounding;
        let (now, user) = (self.now(), actor.user_id);
        self.write(async |tx| {
            on_tx!(tx, |c| sqlx::query(
                "INSERT INTO payment_settings (program_id, rounding, debtor_name, debtor_sheba, updated_at, updated_by, \
                 deduction) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (program_id) DO UPDATE SET \
                 rounding = excluded.rounding, debtor_name = excluded.debtor_name, debtor_sheba = excluded.debtor_sheba, \
                 deduction = excluded.deduction, updated_at = excluded.updated_at, updated_by = excluded.updated_by"
            )
            .bind(program_id)
            .bind(rounding.code())
            .bind(&settings.debtor_name)
            .bind(&settings.debtor_sheba)
            .bind(now)
            .bind(user)
            .bind(&settings.deduction)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("payment.settings", "program", program_id)
                    .after(serde_json::json!(settings)),
            )
            .await
        })
        .await?;
        Ok(settings)
    }

    /// How a program pays, when set.
    pub async fn payment_settings(&self, actor: &Actor, program_id: i64) -> Result<Option<PaymentSettings>> {
        require(actor, Action::Open(Module::Payments))?;
        Ok(on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT program_id, rounding, debtor_name, debtor_sheba, deduction FROM payment_settings WHERE program_id = $1"
        )
        .bind(program_id)
        .fetch_optional(c)
        .await
        })?)
    }

    /// Opens a cycle (draft) for a program's month over an org unit: HQ or a
    /// province office in the maker's subtree. One live cycle per program, month
    /// and unit.
    pub async fn create_cycle(
        &self,
        actor: &Actor,
        program_id: i64,
        month: PayMonth,
        unit_id: i64,
    ) -> Result<PaymentCycle> {
        let unit = self.org_unit_unscoped(unit_id).await.map_err(out_of_scope_is_invalid("unit"))?;
        authorize(actor, Action::Payments(PaymentAction::Prepare), &unit_path(&unit.path)?)
            .map_err(out_of_scope_is_invalid("unit"))?;
        if !matches!(unit.kind(), Some(OrgUnitKind::Hq | OrgUnitKind::Province)) {
            return Err(invalid(
                "unit",
                "a cycle covers the country (HQ) or one province",
                "دوره برای کل کشور (ستاد) یا یک استان است",
            ));
        }
        let program = self.program(actor, program_id).await?;
        if program.status != ProgramStatus::Active {
            return Err(invalid("program", "the program is not in force", "برنامه در جریان نیست"));
        }
        if self.payment_settings(actor, program_id).await?.is_none() {
            return Err(invalid(
                "program",
                "set how the program pays (rounding, account) first",
                "نخست شیوهٔ پرداخت برنامه (گرد کردن، حساب) را تعیین کنید",
            ));
        }
        let (now, user) = (self.now(), actor.user_id);
        let id = self
            .write(async |tx| {
                let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                    "INSERT INTO payment_cycles (program_id, month, unit_id, state, created_by, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id"
                )
                .bind(program_id)
                .bind(month.code())
                .bind(unit_id)
                .bind(CycleState::Draft.code())
                .bind(user)
                .bind(now)
                .fetch_one(c)
                .await)
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict { .. } => invalid(
                        "month",
                        "this program already has a cycle for the month and unit",
                        "این برنامه برای این ماه و واحد دوره دارد",
                    ),
                    other => other,
                })?;
                tx.audit(
                    Some(actor),
                    crate::audit::AuditEvent::new("cycle.create", "payment_cycle", id).after(serde_json::json!({
                        "program": program_id, "month": month.to_ascii(), "unit": unit_id,
                    })),
                )
                .await?;
                Ok(id)
            })
            .await?;
        self.payment_cycle(actor, id).await
    }

    /// One cycle, in the actor's subtree.
    pub async fn payment_cycle(&self, actor: &Actor, id: i64) -> Result<PaymentCycle> {
        let sql = format!("SELECT {CYCLE_COLUMNS} FROM {CYCLE_FROM} WHERE c.id = $1");
        let cycle: PaymentCycle = on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
        authorize(actor, Action::Open(Module::Payments), &unit_path(&cycle.unit_path)?)?;
        Ok(cycle)
    }

    /// The cycles of a program over the actor's subtree (a province's staff see
    /// their province's cycles, not the national one, which they may not open),
    /// newest month first.
    pub async fn payment_cycles(&self, actor: &Actor, program_id: i64) -> Result<Vec<PaymentCycle>> {
        require(actor, Action::Open(Module::Payments))?;
        let sql = format!(
            "SELECT {CYCLE_COLUMNS} FROM {CYCLE_FROM} \
             WHERE c.program_id = $1 AND u.path LIKE $2 ORDER BY c.month DESC, c.id DESC"
        );
        let pattern = actor.unit_path.subtree_pattern();
        Ok(on_pool!(self, |c| sqlx::query_as(&sql).bind(program_id).bind(&pattern).fetch_all(c).await)?)
    }

    /// Takes a step on a cycle inside a write transaction: reads the cycle there
    /// (so a concurrent step waits and then sees the new state), checks the step is
    /// allowed (see [`checked`]); runs `work`; moves the cycle to the step's
    /// state; and writes the audit entry `work` describes. `job` is the job this
    /// step finishes, the one job allowed to be running on the cycle meanwhile.
    pub(crate) async fn step<T>(
        &self,
        actor: &Actor,
        id: i64,
        step: CycleStep,
        job: Option<i64>,
        work: impl AsyncFnOnce(&mut WriteTx, &PaymentCycle) -> Result<(T, serde_json::Value)>,
    ) -> Result<T> {
        // Outside the subtree: not found, before anything else is said.
        self.payment_cycle(actor, id).await?;
        let now = self.now();
        self.write(async |tx| {
            let (cycle, to) = checked(tx, actor, id, step, job).await?;
            let (out, details) = work(tx, &cycle).await?;
            on_tx!(tx, |c| sqlx::query(
                "UPDATE payment_cycles SET state = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4"
            )
            .bind(to.code())
            .bind(now)
            .bind(id)
            .bind(cycle.version)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            let after = merged(
                serde_json::json!({
                    "program": cycle.program_id, "month": cycle.month, "from": cycle.state.code(), "to": to.code(),
                }),
                details,
            );
            let action = format!("cycle.{}", step_code(step));
            tx.audit(Some(actor), crate::audit::AuditEvent::new(&action, "payment_cycle", id).after(after)).await?;
            Ok(out)
        })
        .await
    }

    /// Computes (or computes again) a cycle: the frozen snapshot of every
    /// enrollment in force in its unit, each line's amount from the program's terms
    /// in force on the month's first day, rounded down as the program says, with
    /// the version, the values read and the formula's result; held lines with the
    /// reason; and the payments of earlier months the bank returned, carried
    /// forward. It runs as a job, one province a transaction (see `jobs`): started
    /// again after the process died, it resumes where it stopped. The snapshot's
    /// hash is stored and named in the audit entry that ends it.
    pub async fn compute_cycle(&self, actor: &Actor, id: i64) -> Result<PaymentCycle> {
        self.compute_cycle_watched(actor, id, &mut |_| {}).await
    }

    /// [`Store::compute_cycle`], telling `progress` after each province.
    pub async fn compute_cycle_watched(
        &self,
        actor: &Actor,
        id: i64,
        progress: &mut (dyn FnMut(&PaymentJob) + Send),
    ) -> Result<PaymentCycle> {
        let started = std::time::Instant::now();
        let cycle = self.payment_cycle(actor, id).await?;
        let month = cycle.pay_month()?;
        let first = month.first_day();
        if first.to_gregorian() > self.today() {
            return Err(invalid(
                "month",
                "a month is paid once it has begun: the terms in force on its first day decide",
                "پرداخت هر ماه پس از آغاز آن محاسبه می‌شود: شرایط برنامه در روز اول ماه ملاک است",
            ));
        }
        self.apply_due_program_changes().await?;
        let settings = self.payment_settings(actor, cycle.program_id).await?.ok_or_else(|| {
            invalid("program", "the program has no payment settings", "شیوهٔ پرداخت برنامه تعیین نشده است")
        })?;
        let program = self.program_in_force(cycle.program_id, first).await?;
        let at = self.as_of(first).await?;
        let unit_pattern = unit_path(&cycle.unit_path)?.subtree_pattern();
        // The cycle's provinces, in order: the job's checkpoints.
        let provinces: Vec<(i64, String, i64)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT id, path, province_id FROM org_units WHERE kind = 'province' AND path LIKE $1 ORDER BY id"
        )
        .bind(&unit_pattern)
        .fetch_all(c)
        .await)?;
        let cycle_pattern = unit_pattern.clone();
        let program_id = cycle.program_id;
        let basis = jobs::JobBasis::ProgramVersion(program.version);
        let mut owed = Sql::new("SELECT COUNT(*) FROM (");
        owed.append(&arrears_source(
            &cycle,
            program.target == ProgramTarget::Household,
            &ArrearsIn::Subtree(&cycle_pattern),
        ))
        .push(") a");
        let mut job = self
            .start_job(actor, &cycle, JobStep::Compute, basis, async |tx, _| {
                // A new computation: the earlier lines go; the work is every
                // enrollment in force in the unit, every returned payment to
                // carry forward and every month of arrears owed.
                on_tx!(tx, |c| sqlx::query("DELETE FROM payment_lines WHERE cycle_id = $1")
                    .bind(id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?;
                let arrears: i64 = on_tx!(tx, |c| owed.builder().build_query_scalar().fetch_one(c).await)?;
                let work: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                    "SELECT (SELECT COUNT(*) FROM enrollments WHERE program_id = $1 AND state = 'enrolled' \
                     AND unit_id IN (SELECT id FROM org_units WHERE path LIKE $2)) + \
                     (SELECT COUNT(*) FROM payment_lines f WHERE f.program_id = $1 AND f.status = 'failed' \
                     AND f.unit_id IN (SELECT id FROM org_units WHERE path LIKE $2) \
                     AND NOT EXISTS (SELECT 1 FROM payment_lines r WHERE r.retry_of = f.id AND r.status <> 'held'))"
                )
                .bind(program_id)
                .bind(&cycle_pattern)
                .fetch_one(c)
                .await)?;
                Ok(work + arrears)
            })
            .await?;
        progress(&job);
        if self.backend() == Backend::Postgres {
            // Statistics as they are now: a confirmation may have just enrolled a
            // whole population, and without them every province's statement is
            // planned for a handful of enrollments (upkeep, like an index's).
            on_writer!(self, |c| sqlx::query("ANALYZE enrollments, payment_lines")
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
        let backend = self.backend();
        let resume_after = job.checkpoint;
        for (province, path, place) in provinces.iter().filter(|(p, ..)| resume_after.is_none_or(|c| *p > c)) {
            let pattern = unit_path(path)?.subtree_pattern();
            let lines = lines_statement(backend, &program, &cycle, (&pattern, *place), &at, &settings, first)?;
            let retries = retries_statement(backend, &cycle, &pattern);
            let arrears = arrears_statement(backend, &cycle, &program, &settings, *place)?;
            job = self
                .write(async |tx| {
                    if let crate::db::TxInner::Postgres(t) = &mut tx.inner {
                        // The terms over a province's population, for this transaction only.
                        crate::bounded::analytical_settings(t, true).await?;
                    }
                    // The part's lines are those after the last line now (ids only grow).
                    let before: i64 =
                        on_tx!(tx, |c| sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM payment_lines")
                            .fetch_one(c)
                            .await)?;
                    let written = on_tx!(tx, |c| lines.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
                    let carried =
                        on_tx!(tx, |c| retries.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
                    let owed = on_tx!(tx, |c| arrears.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
                    let part = part_digest(tx, id, before).await?;
                    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
                    on_tx!(tx, |c| sqlx::query(
                        "INSERT INTO payment_job_parts (job_id, checkpoint, lines, held, first_line, last_line, sha256) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)"
                    )
                    .bind(job.id)
                    .bind(*province)
                    .bind(part.lines)
                    .bind(part.held)
                    .bind(part.first_line)
                    .bind(part.last_line)
                    .bind(&part.sha256)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?;
                    let details = serde_json::json!({
                        "first_line": part.first_line, "last_line": part.last_line, "lines_sha256": part.sha256,
                    });
                    let counts = [count(written + carried + owed), part.held, count(carried)];
                    jobs::advance(tx, actor, &job, *province, counts, details).await
                })
                .await?;
            progress(&job);
        }
        let job_id = job.id;
        self.step(actor, id, CycleStep::Compute, Some(job_id), async |tx, _| {
            let hash = snapshot_hash(tx, job_id).await?;
            let now = tx.now();
            let counts = recount(tx, id).await?;
            on_tx!(tx, |c| sqlx::query(
                "UPDATE payment_cycles SET program_version = $1, rounding = $2, snapshot_hash = $3, computed_by = $4, \
                 computed_at = $5, submitted_by = NULL, submitted_at = NULL, checked_by = NULL, checked_at = NULL, \
                 check_reason = NULL, deduction = $7 WHERE id = $6"
            )
            .bind(program.version)
            .bind(settings.rounding.code())
            .bind(&hash)
            .bind(actor.user_id)
            .bind(now)
            .bind(id)
            .bind(&settings.deduction)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            let held = holds_in_tx(tx, id).await?;
            jobs::finish(tx, job_id, tavana_domain::payments::JobStep::Compute).await?;
            Ok((
                (),
                serde_json::json!({
                    "program_version": program.version, "as_of": first.to_ascii(), "rounding": settings.rounding.code(), "deduction": settings.deduction,
                    "snapshot_hash": hash, "payable": counts, "held": held, "job": job_id,
                }),
            ))
        })
        .await?;
        let computed = self.payment_cycle(actor, id).await?;
        let lines = u64::try_from(computed.payable_count + computed.held_count).unwrap_or(0);
        self.work.cycle_computed(lines, started.elapsed());
        Ok(computed)
    }

    /// Sends a computed cycle for approval.
    pub async fn submit_cycle(&self, actor: &Actor, id: i64) -> Result<PaymentCycle> {
        self.step(actor, id, CycleStep::Submit, None, async |tx, cycle| {
            let now = tx.now();
            on_tx!(tx, |c| sqlx::query(
                "UPDATE payment_cycles SET submitted_by = $1, submitted_at = $2 WHERE id = $3"
            )
            .bind(actor.user_id)
            .bind(now)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            Ok(((), serde_json::json!({ "snapshot_hash": cycle.snapshot_hash })))
        })
        .await?;
        self.payment_cycle(actor, id).await
    }

    /// Approves a submitted cycle (a checker who neither computed nor submitted
    /// it): what it pays becomes owed to the beneficiaries on the ledger, per
    /// province. `note` is optional.
    pub async fn approve_cycle(&self, actor: &Actor, id: i64, note: &str) -> Result<PaymentCycle> {
        let note = note.trim();
        tavana_domain::text::plain_text("reason", note)?;
        self.step(actor, id, CycleStep::Approve, None, async |tx, cycle| {
            let now = tx.now();
            on_tx!(tx, |c| sqlx::query(
                "UPDATE payment_cycles SET checked_by = $1, checked_at = $2, check_reason = $3 WHERE id = $4"
            )
            .bind(actor.user_id)
            .bind(now)
            .bind((!note.is_empty()).then_some(note))
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            let appropriated = ledger::post_appropriated(tx, actor, cycle).await?;
            let entries = ledger::post_entitled(tx, actor, cycle).await?;
            Ok((
                (),
                serde_json::json!({
                    "snapshot_hash": cycle.snapshot_hash, "note": note, "ledger_entries": entries,
                    "appropriations": appropriated,
                }),
            ))
        })
        .await?;
        self.payment_cycle(actor, id).await
    }

    /// Sends a submitted cycle back to its maker with a reason (required).
    pub async fn reject_cycle(&self, actor: &Actor, id: i64, reason: &str) -> Result<PaymentCycle> {
        let reason = tavana_domain::text::required_text("reason", reason)?;
        self.step(actor, id, CycleStep::Reject, None, async |tx, _| {
            let now = tx.now();
            on_tx!(tx, |c| sqlx::query(
                "UPDATE payment_cycles SET checked_by = $1, checked_at = $2, check_reason = $3, submitted_by = NULL, \
                 submitted_at = NULL WHERE id = $4"
            )
            .bind(actor.user_id)
            .bind(now)
            .bind(reason)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            Ok(((), serde_json::json!({ "reason": reason })))
        })
        .await?;
        self.payment_cycle(actor, id).await
    }

    /// Gives up a cycle before approval: its lines are removed (nothing was paid;
    /// the snapshot's hash stays in the audit chain), with a reason.
    pub async fn cancel_cycle(&self, actor: &Actor, id: i64, reason: &str) -> Result<PaymentCycle> {
        let reason = tavana_domain::text::required_text("reason", reason)?;
        self.step(actor, id, CycleStep::Cancel, None, async |tx, cycle| {
            let removed = on_tx!(tx, |c| sqlx::query("DELETE FROM payment_lines WHERE cycle_id = $1")
                .bind(id)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            on_tx!(tx, |c| sqlx::query(
                "UPDATE payment_cycles SET check_reason = $1, payable_count = 0, payable_rials = 0, held_count = 0 \
                 WHERE id = $2"
            )
            .bind(reason)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            Ok((
                (),
                serde_json::json!({ "reason": reason, "lines_removed": removed, "snapshot_hash": cycle.snapshot_hash }),
            ))
        })
        .await?;
        self.payment_cycle(actor, id).await
    }

    /// Closes a reconciled cycle once the bank has answered for every line it was
    /// sent; what failed waits for the next cycle.
    pub async fn close_cycle(&self, actor: &Actor, id: i64) -> Result<PaymentCycle> {
        self.step(actor, id, CycleStep::Close, None, async |tx, cycle| {
            let open: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                "SELECT COUNT(*) FROM payment_lines WHERE cycle_id = $1 AND status = 'payable'"
            )
            .bind(id)
            .fetch_one(c)
            .await)?;
            if open > 0 {
                return Err(invalid(
                    "state",
                    format!("{open} payments have no answer from their bank yet"),
                    format!(
                        "برای {} پرداخت هنوز پاسخ بانک نیامده است",
                        tavana_domain::text::to_persian_digits(&open.to_string())
                    ),
                ));
            }
            Ok((
                (),
                serde_json::json!({
                    "paid": [cycle.paid_count, cycle.paid_rials], "failed": [cycle.failed_count, cycle.failed_rials],
                    "held": cycle.held_count,
                }),
            ))
        })
        .await?;
        self.payment_cycle(actor, id).await
    }

    /// A cycle's totals per province (those in the actor's subtree).
    pub async fn cycle_totals(&self, actor: &Actor, id: i64) -> Result<Vec<ProvinceTotals>> {
        self.payment_cycle(actor, id).await?;
        let pattern = actor.unit_path.subtree_pattern();
        Ok(on_pool!(self, |c| sqlx::query_as(
            "SELECT l.province_id, MAX(pl.name_fa) AS province_name_fa, \
             CAST(SUM(CASE WHEN l.status = 'payable' THEN 1 ELSE 0 END) AS BIGINT) AS payable_count, \
             CAST(SUM(CASE WHEN l.status = 'payable' THEN l.amount_rials ELSE 0 END) AS BIGINT) AS payable_rials, \
             CAST(SUM(CASE WHEN l.status = 'paid' THEN 1 ELSE 0 END) AS BIGINT) AS paid_count, \
             CAST(SUM(CASE WHEN l.status = 'paid' THEN l.amount_rials ELSE 0 END) AS BIGINT) AS paid_rials, \
             CAST(SUM(CASE WHEN l.status = 'failed' THEN 1 ELSE 0 END) AS BIGINT) AS failed_count, \
             CAST(SUM(CASE WHEN l.status = 'failed' THEN l.amount_rials ELSE 0 END) AS BIGINT) AS failed_rials, \
             CAST(SUM(CASE WHEN l.status = 'held' THEN 1 ELSE 0 END) AS BIGINT) AS held_count \
             FROM payment_lines l JOIN places pl ON pl.id = l.province_id \
             WHERE l.cycle_id = $1 AND l.unit_id IN (SELECT id FROM org_units WHERE path LIKE $2) \
             GROUP BY l.province_id ORDER BY l.province_id"
        )
        .bind(id)
        .bind(&pattern)
        .fetch_all(c)
        .await)?)
    }

    /// Why a cycle's lines are held, with how many of each.
    pub async fn cycle_holds(&self, actor: &Actor, id: i64) -> Result<Vec<HoldCount>> {
        self.payment_cycle(actor, id).await?;
        let rows: Vec<(String, i64)> = on_pool!(self, |c| sqlx::query_as(HOLDS).bind(id).fetch_all(c).await)?;
        rows.into_iter().map(|(reason, count)| Ok(HoldCount { reason: HoldReason::try_from(reason)?, count })).collect()
    }

    /// Lines of a cycle in the actor's subtree, by status (at most `limit`, by
    /// id): who is paid, the account and the amount's basis. A sensitive read.
    pub async fn cycle_lines(
        &self,
        actor: &Actor,
        id: i64,
        status: Option<LineStatus>,
        limit: i64,
    ) -> Result<Vec<PaymentLine>> {
        self.payment_cycle(actor, id).await?;
        let mut sql = Sql::new(&format!("SELECT {LINE_COLUMNS} FROM payment_lines WHERE cycle_id = "));
        sql.bind_int(id).push(" AND unit_id IN (SELECT id FROM org_units WHERE path LIKE ");
        sql.bind_str(&actor.unit_path.subtree_pattern()).push(")");
        if let Some(status) = status {
            sql.push(" AND status = ").bind_str(status.code());
        }
        sql.push(" ORDER BY id LIMIT ").bind_int(limit.clamp(1, 10_000));
        let lines: Vec<PaymentLine> = on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        let persons: Vec<i64> = lines.iter().map(|l| l.person_id).collect();
        self.log_read(
            actor,
            crate::audit::Sensitive::Payments,
            "payment_cycle",
            &id.to_string(),
            serde_json::json!({ "persons": persons, "status": status.map(|s| s.code()) }),
        )
        .await?;
        Ok(lines)
    }

    /// A person's payment lines, newest first (in the actor's subtree). A
    /// sensitive read.
    pub async fn person_payments(&self, actor: &Actor, person_id: i64) -> Result<Vec<PaymentLine>> {
        // A person outside the actor's subtree (or none) is not found.
        let path: String = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT u.path FROM persons p JOIN org_units u ON u.id = p.unit_id WHERE p.id = $1"
        )
        .bind(person_id)
        .fetch_one(c)
        .await)?;
        authorize(actor, Action::Open(Module::Payments), &unit_path(&path)?)?;
        let sql = format!(
            "SELECT {LINE_COLUMNS} FROM payment_lines WHERE person_id = $1 AND unit_id IN \
             (SELECT id FROM org_units WHERE path LIKE $2) ORDER BY month DESC, id DESC LIMIT 120"
        );
        let lines: Vec<PaymentLine> = on_pool!(self, |c| sqlx::query_as(&sql)
            .bind(person_id)
            .bind(actor.unit_path.subtree_pattern())
            .fetch_all(c)
            .await)?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Payments,
            "person",
            &person_id.to_string(),
            serde_json::json!({}),
        )
        .await?;
        Ok(lines)
    }
}

/// Reads a cycle in a write transaction and checks a step may be taken on it
/// now: the actor's role grants it in the cycle's unit, the cycle's state allows
/// it, no job but `job` is running on it, and for a check, four eyes. Returns the
/// cycle and the state the step takes it to.
pub(crate) async fn checked(
    tx: &mut WriteTx,
    actor: &Actor,
    id: i64,
    step: CycleStep,
    job: Option<i64>,
) -> Result<(PaymentCycle, CycleState)> {
    let sql = format!("SELECT {CYCLE_COLUMNS} FROM {CYCLE_FROM} WHERE c.id = $1");
    let cycle: PaymentCycle = on_tx!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
    authorize(actor, Action::Payments(step.action()), &unit_path(&cycle.unit_path)?)?;
    let to = step.from(cycle.state).ok_or_else(|| not_now(step, cycle.state))?;
    let running: Option<i64> =
        on_tx!(tx, |c| sqlx::query_scalar("SELECT id FROM payment_jobs WHERE cycle_id = $1 AND state = 'running'")
            .bind(id)
            .fetch_optional(c)
            .await)?;
    if running.is_some() && running != job {
        return Err(invalid(
            "state",
            "a job is running on this cycle: start its step again to resume it, or wait for it",
            "کاری روی این دوره در جریان است: برای ادامه، همان گام را دوباره آغاز کنید یا منتظر بمانید",
        ));
    }
    if step.action() == PaymentAction::Check
        && let Err(why) = four_eyes(actor.user_id, &cycle.hands())
    {
        return Err(StoreError::Invalid(DomainError::breaks(
            "checked_by",
            why.english().to_string(),
            why.persian().to_string(),
        )));
    }
    Ok((cycle, to))
}

fn step_code(step: CycleStep) -> &'static str {
    match step {
        CycleStep::Compute => "compute",
        CycleStep::Submit => "submit",
        CycleStep::Approve => "approve",
        CycleStep::Reject => "reject",
        CycleStep::IssueFiles => "issue_files",
        CycleStep::Reconcile => "reconcile",
        CycleStep::Close => "close",
        CycleStep::Cancel => "cancel",
    }
}

const HOLDS: &str = "SELECT hold_reason, COUNT(*) FROM payment_lines WHERE cycle_id = $1 AND status = 'held' \
     GROUP BY hold_reason ORDER BY hold_reason";

async fn holds_in_tx(tx: &mut WriteTx, id: i64) -> Result<serde_json::Value> {
    let rows: Vec<(String, i64)> = on_tx!(tx, |c| sqlx::query_as(HOLDS).bind(id).fetch_all(c).await)?;
    Ok(serde_json::Value::Object(rows.into_iter().map(|(k, v)| (k, v.into())).collect()))
}

/// Counts a cycle's lines again into its row, and returns `[count, rials]` of
/// those to be paid.
pub(crate) async fn recount(tx: &mut WriteTx, id: i64) -> Result<[i64; 2]> {
    on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE payment_cycles SET \
         payable_count = (SELECT COUNT(*) FROM payment_lines WHERE cycle_id = $1 AND status IN ('payable', 'paid', 'failed')), \
         payable_rials = (SELECT COALESCE(SUM(amount_rials), 0) FROM payment_lines WHERE cycle_id = $1 \
             AND status IN ('payable', 'paid', 'failed')), \
         held_count = (SELECT COUNT(*) FROM payment_lines WHERE cycle_id = $1 AND status = 'held'), \
         paid_count = (SELECT COUNT(*) FROM payment_lines WHERE cycle_id = $1 AND status = 'paid'), \
         paid_rials = (SELECT COALESCE(SUM(amount_rials), 0) FROM payment_lines WHERE cycle_id = $1 AND status = 'paid'), \
         failed_count = (SELECT COUNT(*) FROM payment_lines WHERE cycle_id = $1 AND status = 'failed'), \
         failed_rials = (SELECT COALESCE(SUM(amount_rials), 0) FROM payment_lines WHERE cycle_id = $1 AND status = 'failed') \
         WHERE id = $1"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    let counts: (i64, i64) =
        on_tx!(tx, |c| sqlx::query_as("SELECT payable_count, payable_rials FROM payment_cycles WHERE id = $1")
            .bind(id)
            .fetch_one(c)
            .await)?;
    Ok([counts.0, counts.1])
}

/// A part of a computation as written: its lines (those of the cycle after
/// line `after`), how many are held, the first and last line id, and the
/// SHA-256 of their content, one line of text each, ordered by beneficiary,
/// month and person: the beneficiary, person, month, amount, formula result,
/// account, status, hold reason, the payment retried, program version, inputs
/// and deduction. Row ids are left out, so computing the same data again gives the
/// same hash.
struct PartDigest {
    lines: i64,
    held: i64,
    first_line: Option<i64>,
    last_line: Option<i64>,
    sha256: String,
}

async fn part_digest(tx: &mut WriteTx, cycle: i64, after: i64) -> Result<PartDigest> {
    let mut hasher = Sha256::new();
    let sql = "SELECT id, beneficiary, person_id, month, amount_rials, formula_rials, sheba, status, hold_reason, \
               retry_of, program_version, inputs, deduction_rials, arrear_of FROM payment_lines WHERE cycle_id = $1 \
               AND id > $2 ORDER BY beneficiary, month, person_id, COALESCE(retry_of, 0)";
    type Row = (
        i64,
        i64,
        i64,
        i64,
        i64,
        Option<i64>,
        Option<String>,
        String,
        Option<String>,
        Option<i64>,
        i64,
        String,
        i64,
        Option<i64>,
    );
    let text = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut part = PartDigest { lines: 0, held: 0, first_line: None, last_line: None, sha256: String::new() };
    let held = LineStatus::Held.code();
    let mut feed = |r: Row| {
        part.lines += 1;
        part.held += i64::from(r.7 == held);
        part.first_line = Some(part.first_line.map_or(r.0, |f| f.min(r.0)));
        part.last_line = Some(part.last_line.map_or(r.0, |l| l.max(r.0)));
        hasher.update(
            format!(
                "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}\n",
                r.1,
                r.2,
                r.3,
                r.4,
                text(r.5),
                r.6.unwrap_or_default(),
                r.7,
                r.8.unwrap_or_default(),
                text(r.9),
                r.10,
                r.11,
                r.12,
                text(r.13)
            )
            .as_bytes(),
        );
    };
    on_tx!(tx, |c| {
        let mut rows = sqlx::query_as::<_, Row>(sql).bind(cycle).bind(after).fetch(c);
        while let Some(row) = rows.try_next().await? {
            feed(row);
        }
        Ok::<_, sqlx::Error>(())
    })?;
    part.sha256 = hex(&hasher.finalize());
    Ok(part)
}

/// A computation's snapshot hash: the SHA-256 of its parts' hashes, one line
/// each (`province:hash`), in province order. Computing the same data again
/// gives the same hash, resumed midway or not.
async fn snapshot_hash(tx: &mut WriteTx, job: i64) -> Result<String> {
    let parts: Vec<(i64, String)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT checkpoint, sha256 FROM payment_job_parts WHERE job_id = $1 ORDER BY checkpoint"
    )
    .bind(job)
    .fetch_all(c)
    .await)?;
    let mut hasher = Sha256::new();
    for (province, sha) in parts {
        hasher.update(format!("{province}:{sha}\n").as_bytes());
    }
    Ok(hex(&hasher.finalize()))
}

/// An audit entry's fields with a step's own details added (an object's
/// fields; anything else adds nothing).
fn merged(mut base: serde_json::Value, details: serde_json::Value) -> serde_json::Value {
    if let (Some(map), serde_json::Value::Object(more)) = (base.as_object_mut(), details) {
        map.extend(more);
    }
    base
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a SHEBA column holds a valid number of a known bank, in SQL: `IR`, 24
/// digits, the ISO 7064 mod 97 check (the 22 BBAN digits, `IR` as 1827, the check
/// digits, taken seven digits at a time so no step overflows), and a bank code in
/// the Central Bank's table. The digits are checked first; CASE evaluates in
/// order, so no cast meets a letter.
fn sheba_valid(backend: Backend, column: &str) -> String {
    let digits = match backend {
        Backend::Sqlite => format!("substr({column}, 3) NOT GLOB '*[^0-9]*'"),
        Backend::Postgres => format!("substr({column}, 3) ~ '^[0-9]+$'"),
    };
    let rearranged = format!("(substr({column}, 5, 22) || '1827' || substr({column}, 3, 2))");
    let chunk = |i: usize| format!("CAST(substr({rearranged}, {}, 7) AS BIGINT)", i * 7 + 1);
    let mut remainder = format!("({} % 97)", chunk(0));
    for i in 1..4 {
        remainder = format!("(({remainder} * 10000000 + {}) % 97)", chunk(i));
    }
    let banks: Vec<String> = BANKS.iter().map(|b| format!("'{}'", b.code)).collect();
    format!(
        "(CASE WHEN length({column}) <> 26 OR substr({column}, 1, 2) <> 'IR' THEN 0 WHEN NOT ({digits}) THEN 0 \
         WHEN {remainder} <> 1 THEN 0 WHEN substr({column}, 5, 3) NOT IN ({}) THEN 0 ELSE 1 END = 1)",
        banks.join(", ")
    )
}

/// The statement writing a cycle's lines: every enrollment in force in the
/// cycle's unit, its outcome and amount under the terms as of the month's first
/// day, and the first reason (in this order) it is held: deceased, a suspected
/// duplicate (merged away, or an open candidate pair by name or phone), not
/// eligible or undecidable on the day, no account, an invalid one, an account
/// registered to someone outside the household, an amount not positive after
/// rounding, or already paid this month (by another live cycle). A beneficiary
/// has one line: the database keeps one enrollment in force a person and a
/// household (`enrollments__person`, `enrollments__household`), and refuses a
/// second payment to a beneficiary for a month (`payment_lines__once`).
fn lines_statement(
    backend: Backend,
    program: &crate::programs::Program,
    cycle: &PaymentCycle,
    (unit_pattern, province): (&str, i64),
    at: &crate::programs::eligibility::AsOf,
    settings: &PaymentSettings,
    first: JalaliDate,
) -> Result<Sql> {
    let terms = program.terms()?;
    let deduction = settings.deduction_expr()?;
    let mut read: Vec<&tavana_domain::programs::rule::Expr> = vec![&terms.rule, &terms.formula];
    read.extend(deduction.as_ref());
    let used = used_variables(&read);
    let unit = settings.rounding.unit();
    let mut sql = Sql::new(
        "INSERT INTO payment_lines (cycle_id, program_id, month, beneficiary, enrollment_id, person_id, household_id, \
         province_id, unit_id, program_version, inputs, formula_rials, amount_rials, deduction_rials, holder, sheba, \
         bank_code, status, hold_reason) ",
    );
    let members = Members::Enrolled { program: cycle.program_id, province };
    sql.append(&variables(&used, at, unit_pattern, None, &members)?);
    sql.push(", o AS (SELECT v.id, ")
        .append(&outcome(&terms)?)
        .push(" AS outcome, CAST(")
        .append(&expression(&terms.formula)?)
        .push(" AS BIGINT) AS amount, ");
    match &deduction {
        Some(d) => sql.push("CAST(").append(&expression(d)?).push(" AS BIGINT) AS deduction, "),
        None => sql.push("CAST(0 AS BIGINT) AS deduction, "),
    }
    .append(&crate::programs::inputs_json(backend, &used, first)?)
    // `v` holds the province's enrolled alone (`Members::Enrolled`).
    .push(" AS inputs FROM v)");
    let household = program.target == ProgramTarget::Household;
    let beneficiary = if household { "COALESCE(e.household_id, p.household_id)" } else { "e.person_id" };
    let rounded = format!("CASE WHEN o.amount > 0 THEN o.amount - (o.amount % {unit}) ELSE COALESCE(o.amount, 0) END");
    // Withheld as the settings say, rounded like the amount; what is paid is the rest.
    let withheld = format!("CASE WHEN o.deduction > 0 THEN o.deduction - (o.deduction % {unit}) ELSE 0 END");
    let net = format!("({rounded}) - ({withheld})");
    let (eligible, needs) = (Outcome::Eligible.code(), Outcome::NeedsInformation.code());
    sql.push(&format!(
        ", e AS MATERIALIZED (SELECT e.id, e.person_id, e.household_id, e.province_id, e.unit_id, {beneficiary} AS beneficiary, \
         p.household_id AS person_household, p.first_name || ' ' || p.last_name AS holder, p.sheba, \
         o.outcome, o.amount, o.inputs, {net} AS net, {withheld} AS withheld, CASE \
         WHEN p.deceased_on IS NOT NULL AND p.deceased_on <= "
    ))
    .bind_str(at.iso())
    .push(&format!(
        " THEN '{deceased}' \
         WHEN p.merged_into IS NOT NULL OR EXISTS (SELECT 1 FROM duplicate_candidates d WHERE d.person_a = p.id \
           AND d.status = 'open' AND d.rule <> 'same_sheba') OR EXISTS (SELECT 1 FROM duplicate_candidates d \
           WHERE d.person_b = p.id AND d.status = 'open' AND d.rule <> 'same_sheba') THEN '{duplicate}' \
         WHEN o.outcome = '{needs}' OR (o.outcome IS NOT NULL AND o.deduction IS NULL) THEN '{needs_info}' \
         WHEN o.outcome IS NULL OR o.outcome <> '{eligible}' THEN '{not_eligible}' \
         WHEN p.sheba IS NULL THEN '{missing}' \
         WHEN NOT {valid} THEN '{invalid}' \
         WHEN EXISTS (SELECT 1 FROM persons q WHERE q.sheba = p.sheba AND q.id <> p.id AND q.merged_into IS NULL \
           AND q.household_id <> p.household_id) THEN '{mismatch}' \
         WHEN {net} <= 0 THEN '{not_positive}' \
         WHEN EXISTS (SELECT 1 FROM payment_lines x WHERE x.program_id = ",
        deceased = HoldReason::Deceased.code(),
        duplicate = HoldReason::SuspectedDuplicate.code(),
        needs_info = HoldReason::NeedsInformation.code(),
        not_eligible = HoldReason::NotEligible.code(),
        missing = HoldReason::MissingSheba.code(),
        valid = sheba_valid(backend, "p.sheba"),
        invalid = HoldReason::InvalidSheba.code(),
        mismatch = HoldReason::HolderMismatch.code(),
        not_positive = HoldReason::NotPositive.code(),
    ))
    .bind_int(cycle.program_id)
    .push(" AND x.month = ")
    .bind_int(cycle.month)
    .push(&format!(
        " AND x.beneficiary = {beneficiary} AND x.status IN ('payable', 'paid')) THEN '{}' END AS hold \
         FROM enrollments e JOIN persons p ON p.id = e.person_id LEFT JOIN o ON o.id = e.person_id \
         WHERE e.program_id = ",
        HoldReason::AlreadyPaid.code()
    ))
    .bind_int(cycle.program_id)
    .push(" AND e.province_id = ")
    .bind_int(province)
    .push(&format!(" AND e.state = '{}') ", EnrollmentState::Enrolled.code()));
    sql.push("SELECT ")
        .bind_int(cycle.id)
        .push(", ")
        .bind_int(cycle.program_id)
        .push(", ")
        .bind_int(cycle.month)
        .push(", k.beneficiary, k.id, k.person_id, k.person_household, k.province_id, k.unit_id, ")
        .bind_int(program.version)
        .push(&format!(
            ", COALESCE(k.inputs, '{{}}'), k.amount, k.net, k.withheld, k.holder, k.sheba, \
             CASE WHEN k.sheba IS NULL THEN NULL ELSE substr(k.sheba, 5, 3) END, \
             CASE WHEN k.hold IS NULL THEN '{payable}' ELSE '{held}' END, k.hold FROM e k ORDER BY k.province_id, k.person_id",
            payable = LineStatus::Payable.code(),
            held = LineStatus::Held.code(),
        ));
    Ok(sql)
}

/// Where arrears are looked for: one province (a part of the computation), or a
/// unit's subtree (the computation's whole work, counted when it starts).
enum ArrearsIn<'a> {
    Province(i64),
    Subtree(&'a str),
}

/// For each enrollment in force that an overturned decision had cut off, the
/// months the program paid (a cycle approved or later) from the month that
/// decision took effect to before the month the overturn did, for which the
/// beneficiary has no payment to be made or made: `enrollment_id`, `month`, and
/// `undo` (the decision that undid the other).
fn arrears_source(cycle: &PaymentCycle, household: bool, within: &ArrearsIn) -> Sql {
    let beneficiary = if household { "e.household_id" } else { "e.person_id" };
    let mut sql = Sql::new(
        "SELECT e.id AS enrollment_id, c.month, MIN(u.id) AS undo FROM decisions u \
         JOIN decisions d ON d.id = u.undoes_decision_id JOIN enrollments e ON e.id = u.enrollment_id \
         JOIN payment_cycles c ON c.program_id = e.program_id AND c.month >= d.effective_month \
           AND c.month < u.effective_month AND c.state IN ('approved', 'files_issued', 'reconciled', 'closed') \
         WHERE u.undoes_decision_id IS NOT NULL AND u.program_id = ",
    );
    sql.bind_int(cycle.program_id).push(" AND e.state = 'enrolled' AND e.amount_rials > 0 AND ");
    match within {
        ArrearsIn::Province(province) => sql.push("e.province_id = ").bind_int(*province),
        ArrearsIn::Subtree(pattern) => {
            sql.push("e.unit_id IN (SELECT id FROM org_units WHERE path LIKE ").bind_str(pattern).push(")")
        }
    };
    sql.push(&format!(
        " AND NOT EXISTS (SELECT 1 FROM payment_lines x WHERE x.program_id = e.program_id AND x.month = c.month \
         AND x.beneficiary = {beneficiary} AND x.status IN ('payable', 'paid')) GROUP BY e.id, c.month"
    ));
    sql
}

/// The statement writing a province's arrears (see [`arrears_source`]): a line
/// for each month owed, at the enrollment's amount rounded as the program says,
/// held like a carried payment when the account is missing or invalid, naming
/// the decision that undid the one appealed.
fn arrears_statement(
    backend: Backend,
    cycle: &PaymentCycle,
    program: &crate::programs::Program,
    settings: &PaymentSettings,
    province: i64,
) -> Result<Sql> {
    let household = program.target == ProgramTarget::Household;
    let beneficiary = if household { "e.household_id" } else { "e.person_id" };
    let unit = settings.rounding.unit();
    let valid = sheba_valid(backend, "p.sheba");
    let mut sql = Sql::new(
        "INSERT INTO payment_lines (cycle_id, program_id, month, beneficiary, enrollment_id, person_id, household_id, \
         province_id, unit_id, program_version, inputs, formula_rials, amount_rials, deduction_rials, holder, sheba, \
         bank_code, status, hold_reason, arrear_of) SELECT ",
    );
    sql.bind_int(cycle.id)
        .push(&format!(", e.program_id, a.month, {beneficiary}, e.id, e.person_id, e.household_id, e.province_id, e.unit_id, "))
        .bind_int(program.version)
        .push(&format!(
            ", '{{}}', e.amount_rials, e.amount_rials - (e.amount_rials % {unit}), 0, p.first_name || ' ' || p.last_name, \
             p.sheba, CASE WHEN p.sheba IS NULL THEN NULL ELSE substr(p.sheba, 5, 3) END, \
             CASE WHEN p.sheba IS NULL OR NOT {valid} THEN '{held}' ELSE '{payable}' END, \
             CASE WHEN p.sheba IS NULL THEN '{missing}' WHEN NOT {valid} THEN '{invalid}' END, a.undo FROM (",
            held = LineStatus::Held.code(),
            payable = LineStatus::Payable.code(),
            missing = HoldReason::MissingSheba.code(),
            invalid = HoldReason::InvalidSheba.code(),
        ))
        .append(&arrears_source(cycle, household, &ArrearsIn::Province(province)))
        .push(") a JOIN enrollments e ON e.id = a.enrollment_id JOIN persons p ON p.id = e.person_id ORDER BY e.id, a.month");
    Ok(sql)
}

/// The statement carrying forward payments the bank returned: every failed line of
/// the program in the cycle's unit whose month is not paid or to be paid since and
/// that no later line retries, paid again in this cycle for its own month and
/// amount, to the account the person has now (held when it is missing or
/// invalid).
fn retries_statement(backend: Backend, cycle: &PaymentCycle, unit_pattern: &str) -> Sql {
    let valid = sheba_valid(backend, "p.sheba");
    let mut sql = Sql::new(
        "INSERT INTO payment_lines (cycle_id, program_id, month, beneficiary, enrollment_id, person_id, household_id, \
         province_id, unit_id, program_version, inputs, formula_rials, amount_rials, deduction_rials, holder, sheba, \
         bank_code, status, hold_reason, retry_of) SELECT ",
    );
    sql.bind_int(cycle.id).push(&format!(
        ", f.program_id, f.month, f.beneficiary, f.enrollment_id, f.person_id, f.household_id, f.province_id, \
         f.unit_id, f.program_version, f.inputs, f.formula_rials, f.amount_rials, f.deduction_rials, f.holder, p.sheba, \
         CASE WHEN p.sheba IS NULL THEN NULL ELSE substr(p.sheba, 5, 3) END, \
         CASE WHEN p.sheba IS NULL OR NOT {valid} THEN '{held}' ELSE '{payable}' END, \
         CASE WHEN p.sheba IS NULL THEN '{missing}' WHEN NOT {valid} THEN '{invalid}' END, f.id \
         FROM payment_lines f JOIN persons p ON p.id = f.person_id WHERE f.status = '{failed}' AND f.program_id = ",
        held = LineStatus::Held.code(),
        payable = LineStatus::Payable.code(),
        missing = HoldReason::MissingSheba.code(),
        invalid = HoldReason::InvalidSheba.code(),
        failed = LineStatus::Failed.code(),
    ));
    sql.bind_int(cycle.program_id)
        .push(" AND f.cycle_id <> ")
        .bind_int(cycle.id)
        .push(" AND f.unit_id IN (SELECT id FROM org_units WHERE path LIKE ")
        .bind_str(unit_pattern)
        .push(
            ") AND NOT EXISTS (SELECT 1 FROM payment_lines r WHERE r.retry_of = f.id AND r.status <> 'held') \
             AND NOT EXISTS (SELECT 1 FROM payment_lines x WHERE x.program_id = f.program_id AND x.month = f.month \
             AND x.beneficiary = f.beneficiary AND x.status IN ('payable', 'paid')) ORDER BY f.id",
        );
    sql
}

/// The unit path of a cycle, checked (for the files' and returns' modules).
pub(crate) fn cycle_unit(cycle: &PaymentCycle) -> Result<UnitPath> {
    unit_path(&cycle.unit_path)
}
