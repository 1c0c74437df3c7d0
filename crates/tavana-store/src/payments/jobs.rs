//! Payment jobs: a long step (computing a cycle, issuing its files) done in parts,
//! each part one transaction that also moves the job's checkpoint and exact
//! counts. A process killed between parts leaves the job running with everything
//! before its checkpoint written; starting the step again resumes from there, and
//! the step's last transaction finishes the job and moves the cycle. At most one
//! job runs on a cycle (a unique index), and no other step is taken on it
//! meanwhile ([`super::checked`]).

use super::{PaymentCycle, checked};
use crate::access::require;
use crate::db::{Store, WriteTx};
use crate::{Result, StoreError};
use tavana_domain::iam::{Action, Actor, Module};
use tavana_domain::payments::{JobState, JobStep};

/// What a job works from, so that starting its step again resumes it only when
/// that is unchanged.
#[derive(Debug, Clone, Copy)]
pub(super) enum JobBasis<'a> {
    None,
    /// The program version a computation pays by.
    ProgramVersion(i64),
    /// The SHA-256 of the file a job applies.
    Input(&'a str),
}

/// A job as stored, with what remains.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentJob {
    pub id: i64,
    pub cycle_id: i64,
    #[sqlx(try_from = "String")]
    pub step: JobStep,
    #[sqlx(try_from = "String")]
    pub state: JobState,
    pub program_version: Option<i64>,
    /// How many units of work (lines to write, bank files to issue) it has.
    pub total: i64,
    /// How many are done.
    pub done: i64,
    /// Of the lines written, how many are held.
    pub held: i64,
    /// How many failed (lines the bank returned, carried forward).
    pub failed: i64,
    /// The last part done: a province's org unit id, or a bank's code as a number.
    pub checkpoint: Option<i64>,
    pub started_by: i64,
    pub started_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
    /// How many times it was resumed after its process stopped.
    pub resumed: i64,
    /// The SHA-256 of the input it works from: the bank's return file it applies.
    pub input_sha256: Option<String>,
}

impl PaymentJob {
    pub fn remaining(&self) -> i64 {
        (self.total - self.done).max(0)
    }
}

const JOB_COLUMNS: &str = "id, cycle_id, step, state, program_version, total, done, held, failed, checkpoint, \
     started_by, started_at, updated_at, finished_at, resumed, input_sha256";

async fn job_in_tx(tx: &mut WriteTx, id: i64) -> Result<PaymentJob> {
    let sql = format!("SELECT {JOB_COLUMNS} FROM payment_jobs WHERE id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?)
}

/// Records a part done: the lines written and held, and the checkpoint.
pub(super) async fn advance(
    tx: &mut WriteTx,
    actor: &Actor,
    job: &PaymentJob,
    checkpoint: i64,
    [done, held, failed]: [i64; 3],
    details: serde_json::Value,
) -> Result<PaymentJob> {
    let now = tx.now();
    let moved = on_tx!(tx, |c| sqlx::query(
        "UPDATE payment_jobs SET done = done + $1, held = held + $2, failed = failed + $7, checkpoint = $3, \
         updated_at = $4 WHERE id = $5 AND state = 'running' AND COALESCE(checkpoint, -1) = $6"
    )
    .bind(done)
    .bind(held)
    .bind(checkpoint)
    .bind(now)
    .bind(job.id)
    .bind(job.checkpoint.unwrap_or(-1))
    .bind(failed)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if moved != 1 {
        // Another process resumed the same job meanwhile: this one stops here.
        return Err(StoreError::Conflict { field: "job".into() });
    }
    tx.store.work.job_part(job.step);
    tx.audit(
        Some(actor),
        crate::audit::AuditEvent::new(&format!("cycle.{}_part", job.step), "payment_cycle", job.cycle_id).after(
            super::merged(
                serde_json::json!({
                    "job": job.id, "checkpoint": checkpoint, "done": done, "held": held, "failed": failed,
                }),
                details,
            ),
        ),
    )
    .await?;
    job_in_tx(tx, job.id).await
}

/// Marks a job of `step` done, in the transaction that finishes its step.
pub(super) async fn finish(tx: &mut WriteTx, id: i64, step: JobStep) -> Result<()> {
    tx.store.work.job_finished(step);
    let now = tx.now();
    on_tx!(tx, |c| sqlx::query(
        "UPDATE payment_jobs SET state = 'done', finished_at = $1, updated_at = $1 WHERE id = $2"
    )
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

impl Store {
    /// Starts a step's job on a cycle, or resumes the one running: the same step
    /// from the same basis (the program version a computation pays by, the return
    /// file applied). A computation whose program changed meanwhile starts over; a
    /// return file other than the one half applied is refused until that one is
    /// applied again to the end. A new job is prepared by `prepare` in the same
    /// transaction (given the job's id), which answers how much work it has.
    pub(super) async fn start_job(
        &self,
        actor: &Actor,
        cycle: &PaymentCycle,
        job_step: JobStep,
        basis: JobBasis<'_>,
        prepare: impl AsyncFnOnce(&mut WriteTx, i64) -> Result<i64>,
    ) -> Result<PaymentJob> {
        let id = cycle.id;
        let (step, code) = (job_step.step(), job_step.code());
        let (program_version, input_sha256) = match basis {
            JobBasis::None => (None, None),
            JobBasis::ProgramVersion(v) => (Some(v), None),
            JobBasis::Input(sha) => (None, Some(sha)),
        };
        let sql = format!("SELECT {JOB_COLUMNS} FROM payment_jobs WHERE cycle_id = $1 AND state = 'running'");
        self.write(async |tx| {
            let running: Option<PaymentJob> = on_tx!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_optional(c).await)?;
            let now = tx.now();
            match running {
                Some(job)
                    if job.step == job_step
                        && job.program_version == program_version
                        && job.input_sha256.as_deref() == input_sha256 =>
                {
                    checked(tx, actor, id, step, Some(job.id)).await?;
                    on_tx!(tx, |c| sqlx::query("UPDATE payment_jobs SET resumed = resumed + 1, updated_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(job.id)
                        .execute(c)
                        .await
                        .map(|r| r.rows_affected()))?;
                    tx.audit(
                        Some(actor),
                        crate::audit::AuditEvent::new(&format!("cycle.{code}_resume"), "payment_cycle", id).after(
                            serde_json::json!({ "job": job.id, "checkpoint": job.checkpoint, "done": job.done }),
                        ),
                    )
                    .await?;
                    return job_in_tx(tx, job.id).await;
                }
                Some(job) if job.step == job_step && job.input_sha256.is_some() => {
                    checked(tx, actor, id, step, Some(job.id)).await?;
                    return Err(super::invalid(
                        "file",
                        "another return file is half applied to this cycle: apply that file again to finish it first",
                        "فایل برگشتی دیگری نیمه‌کاره روی این دوره اعمال شده است: نخست همان فایل را دوباره بارگذاری کنید تا کامل شود",
                    ));
                }
                Some(job) if job.step == job_step => {
                    // The program changed since the computation began: it starts over.
                    checked(tx, actor, id, step, Some(job.id)).await?;
                    on_tx!(tx, |c| sqlx::query("DELETE FROM payment_job_parts WHERE job_id = $1")
                        .bind(job.id)
                        .execute(c)
                        .await
                        .map(|r| r.rows_affected()))?;
                    on_tx!(tx, |c| sqlx::query("DELETE FROM payment_jobs WHERE id = $1")
                        .bind(job.id)
                        .execute(c)
                        .await
                        .map(|r| r.rows_affected()))?;
                }
                _ => {
                    checked(tx, actor, id, step, None).await?;
                }
            }
            let job: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                "INSERT INTO payment_jobs (cycle_id, step, state, program_version, input_sha256, started_by, started_at, \
                 updated_at) VALUES ($1, $2, 'running', $3, $4, $5, $6, $6) RETURNING id"
            )
            .bind(id)
            .bind(code)
            .bind(program_version)
            .bind(input_sha256)
            .bind(actor.user_id)
            .bind(now)
            .fetch_one(c)
            .await)?;
            let total = prepare(tx, job).await?;
            on_tx!(tx, |c| sqlx::query("UPDATE payment_jobs SET total = $1 WHERE id = $2")
                .bind(total)
                .bind(job)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new(&format!("cycle.{code}_start"), "payment_cycle", id).after(
                    serde_json::json!({
                        "job": job, "total": total, "program_version": program_version, "input_sha256": input_sha256,
                    }),
                ),
            )
            .await?;
            job_in_tx(tx, job).await
        })
        .await
    }

    /// Recent jobs on cycles over the actor's subtree, newest first.
    pub async fn payment_jobs(&self, actor: &Actor, limit: i64) -> Result<Vec<PaymentJob>> {
        require(actor, Action::Open(Module::Payments))?;
        let sql = format!(
            "SELECT {} FROM payment_jobs j JOIN payment_cycles c ON c.id = j.cycle_id JOIN org_units u ON u.id = c.unit_id \
             WHERE u.path LIKE $1 ORDER BY j.id DESC LIMIT $2",
            JOB_COLUMNS.split(", ").map(|c| format!("j.{c}")).collect::<Vec<_>>().join(", ")
        );
        Ok(on_pool!(self, |c| sqlx::query_as(&sql)
            .bind(actor.unit_path.subtree_pattern())
            .bind(limit.clamp(1, 1_000))
            .fetch_all(c)
            .await)?)
    }

    /// A cycle's jobs, newest first.
    pub async fn cycle_jobs(&self, actor: &Actor, cycle: i64) -> Result<Vec<PaymentJob>> {
        self.payment_cycle(actor, cycle).await?;
        let sql = format!("SELECT {JOB_COLUMNS} FROM payment_jobs WHERE cycle_id = $1 ORDER BY id DESC");
        Ok(on_pool!(self, |c| sqlx::query_as(&sql).bind(cycle).fetch_all(c).await)?)
    }
}
