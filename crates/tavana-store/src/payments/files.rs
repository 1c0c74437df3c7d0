//! Bank files: per bank (the SHEBA's bank code), a CSV and an ISO 20022
//! pain.001.001.03 file of an approved cycle's payments, streamed from the lines
//! in id order. Issuing writes each once to count, sum and hash it, and records
//! them; a download writes the same bytes again (everything in a file comes from
//! the frozen lines and what was recorded at issue) and checks its hash.

use super::{CycleStep, PaymentCycle, hex};
use crate::db::Store;
use crate::{Result, StoreError};
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use tavana_domain::iam::Actor;
use tavana_domain::payments::bank_file::{self, FileFormat, FileHeader, Totals, Transfer};
use tavana_domain::payments::{JobStep, PayMonth, end_to_end_id};
use tavana_domain::sheba::Sheba;

/// A bank file issued for a cycle.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankFile {
    pub id: i64,
    pub cycle_id: i64,
    pub bank_code: String,
    #[sqlx(try_from = "String")]
    pub format: FileFormat,
    pub message_id: String,
    pub transfers: i64,
    pub control_sum: i64,
    /// SHA-256 of the file's bytes (hex).
    pub sha256: String,
    pub issued_at: i64,
}

const FILE_COLUMNS: &str = "id, cycle_id, bank_code, format, message_id, transfers, control_sum, sha256, issued_at";

/// Where a bank file is written: any asynchronous writer (a file, an HTTP
/// response's pipe, a sink when only the hash is wanted).
pub type FileOut<'a> = &'a mut (dyn tokio::io::AsyncWrite + Send + Unpin);

/// Gathers a file's bytes a buffer at a time, hashing them, and passes each
/// buffer on when it is full (so memory stays flat however large the file).
struct Hashing<'a> {
    out: FileOut<'a>,
    buffer: Vec<u8>,
    hasher: Sha256,
}

const BUFFER: usize = 64 * 1024;

impl Hashing<'_> {
    fn write_all(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        self.buffer.extend_from_slice(bytes);
    }

    async fn pass_on(&mut self, at_least: usize) -> Result<()> {
        if self.buffer.len() >= at_least {
            tokio::io::AsyncWriteExt::write_all(&mut self.out, &self.buffer).await.map_err(io)?;
            self.buffer.clear();
        }
        Ok(())
    }
}

fn io(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("writing a bank file: {e}"))
}

/// What a file says besides its lines, fixed at issue.
struct Frame {
    cycle: PaymentCycle,
    bank: String,
    message_id: String,
    created_at: String,
    execution_date: String,
    debtor_name: String,
    debtor: Sheba,
    transfers: i64,
    control_sum: i64,
    remittance: String,
}

#[derive(sqlx::FromRow)]
struct Out {
    id: i64,
    holder: String,
    sheba: Option<String>,
    amount_rials: i64,
}

impl Store {
    /// Writes one bank's file of a cycle to `out` and returns its SHA-256 (hex).
    async fn write_bank_file(&self, frame: &Frame, format: FileFormat, out: FileOut<'_>) -> Result<String> {
        let mut w = Hashing { out, buffer: Vec::with_capacity(BUFFER), hasher: Sha256::new() };
        let header = FileHeader {
            message_id: &frame.message_id,
            created_at: &frame.created_at,
            execution_date: &frame.execution_date,
            debtor_name: &frame.debtor_name,
            debtor_account: &frame.debtor,
            transfers: u64::try_from(frame.transfers).map_err(io)?,
            control_sum: frame.control_sum,
        };
        let mut totals = Totals::new(&header);
        match format {
            FileFormat::Pain001 => w.write_all(bank_file::header(&header).map_err(io)?.as_bytes()),
            FileFormat::Csv => w.write_all(b"end_to_end_id,sheba,holder,amount_rials,remittance\n"),
        }
        let sql = "SELECT id, holder, sheba, amount_rials FROM payment_lines WHERE cycle_id = $1 AND bank_code = $2 \
                   AND status IN ('payable', 'paid', 'failed') ORDER BY id";
        let write_line = |w: &mut Hashing<'_>, totals: &mut Totals, line: Out| -> Result<()> {
            let sheba = line.sheba.as_deref().map(Sheba::parse).transpose()?.ok_or_else(|| {
                StoreError::Corrupt(format!("payment line {} is to be paid without an account", line.id))
            })?;
            let id = end_to_end_id(line.id);
            let t = Transfer {
                end_to_end_id: &id,
                beneficiary: &line.holder,
                account: &sheba,
                rials: line.amount_rials,
                remittance: &frame.remittance,
            };
            totals.add(&t);
            match format {
                FileFormat::Pain001 => {
                    w.write_all(bank_file::transfer(&t).map_err(io)?.as_bytes());
                    Ok(())
                }
                FileFormat::Csv => {
                    let mut row = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
                    let holder = tavana_domain::text::spreadsheet_safe(&line.holder);
                    row.write_record([
                        id.as_str(),
                        sheba.as_string().as_str(),
                        holder.as_ref(),
                        line.amount_rials.to_string().as_str(),
                        frame.remittance.as_str(),
                    ])
                    .map_err(io)?;
                    w.write_all(&row.into_inner().map_err(io)?);
                    Ok(())
                }
            }
        };
        on_pool!(self, |c| {
            let mut rows = sqlx::query_as::<_, Out>(sql).bind(frame.cycle.id).bind(&frame.bank).fetch(c);
            while let Some(row) = rows.try_next().await? {
                write_line(&mut w, &mut totals, row)?;
                w.pass_on(BUFFER).await?;
            }
            Ok::<_, StoreError>(())
        })?;
        totals.check().map_err(io)?;
        if format == FileFormat::Pain001 {
            w.write_all(bank_file::footer().as_bytes());
        }
        w.pass_on(0).await?;
        tokio::io::AsyncWriteExt::flush(&mut w.out).await.map_err(io)?;
        Ok(hex(&w.hasher.finalize()))
    }

    async fn frame(&self, actor: &Actor, cycle: &PaymentCycle, bank: &str, issued_at: i64) -> Result<Frame> {
        let settings = self
            .payment_settings(actor, cycle.program_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("program {} pays without settings", cycle.program_id)))?;
        let program = self.program(actor, cycle.program_id).await?;
        let (transfers, control_sum): (i64, i64) = on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(amount_rials), 0) AS BIGINT) FROM payment_lines WHERE cycle_id = $1 \
             AND bank_code = $2 AND status IN ('payable', 'paid', 'failed')"
        )
        .bind(cycle.id)
        .bind(bank)
        .fetch_one(c)
        .await
        })?;
        let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(issued_at) * 1_000)
            .map_err(io)?
            .to_offset(tavana_domain::jalali::TEHRAN);
        let created_at = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        );
        let month = PayMonth::from_code(cycle.month)?;
        Ok(Frame {
            cycle: cycle.clone(),
            bank: bank.to_string(),
            message_id: format!("TVN-C{}-B{bank}", cycle.id),
            created_at,
            execution_date: at.date().to_string(),
            debtor_name: settings.debtor_name,
            debtor: Sheba::parse(&settings.debtor_sheba)?,
            transfers,
            control_sum,
            remittance: format!("{} {}", program.name_fa, month.to_persian()),
        })
    }

    /// Issues the bank files of an approved cycle: per bank its lines are paid
    /// to, a CSV and a pain.001 file, each written once here to count, sum and
    /// hash it, and recorded one bank a transaction as a job (started again, it
    /// resumes with the banks not yet recorded; every file is dated when the job
    /// began, so its bytes do not depend on when it was written).
    pub async fn issue_bank_files(&self, actor: &Actor, id: i64) -> Result<Vec<BankFile>> {
        let cycle = self.payment_cycle(actor, id).await?;
        let mut job = self
            .start_job(actor, &cycle, JobStep::IssueFiles, super::jobs::JobBasis::None, async |tx, _| {
                // One part a bank with payments to send.
                Ok(on_tx!(tx, |c| sqlx::query_scalar(
                    "SELECT COUNT(DISTINCT bank_code) FROM payment_lines WHERE cycle_id = $1 AND status = 'payable'"
                )
                .bind(id)
                .fetch_one(c)
                .await)?)
            })
            .await?;
        let issued_at = job.started_at;
        let banks: Vec<String> = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT DISTINCT bank_code FROM payment_lines WHERE cycle_id = $1 AND status = 'payable' \
             AND bank_code NOT IN (SELECT bank_code FROM payment_files WHERE cycle_id = $1) ORDER BY bank_code"
        )
        .bind(id)
        .fetch_all(c)
        .await)?;
        // The lines of an approved cycle no longer change: what is written here is
        // what a download writes again.
        for bank in &banks {
            let frame = self.frame(actor, &cycle, bank, issued_at).await?;
            let mut made = Vec::new();
            for format in FileFormat::ALL {
                made.push((*format, self.write_bank_file(&frame, *format, &mut tokio::io::sink()).await?));
            }
            let checkpoint: i64 = bank.parse().map_err(|_| StoreError::Corrupt(format!("bank code {bank:?}")))?;
            job = self
                .write(async |tx| {
                    for (format, sha) in &made {
                        on_tx!(tx, |c| sqlx::query(
                            "INSERT INTO payment_files (cycle_id, bank_code, format, message_id, transfers, control_sum, \
                             sha256, issued_at, issued_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                        )
                        .bind(id)
                        .bind(bank)
                        .bind(format.code())
                        .bind(&frame.message_id)
                        .bind(frame.transfers)
                        .bind(frame.control_sum)
                        .bind(sha)
                        .bind(issued_at)
                        .bind(actor.user_id)
                        .execute(c)
                        .await
                        .map(|r| r.rows_affected()))?;
                    }
                    tx.audit(
                        Some(actor),
                        crate::audit::AuditEvent::new("cycle.bank_file", "payment_cycle", id).after(serde_json::json!({
                            "bank": bank, "transfers": frame.transfers, "control_sum": frame.control_sum,
                            "message_id": frame.message_id,
                            "sha256": made.iter().map(|(f, sha)| (f.code(), sha.clone())).collect::<std::collections::BTreeMap<_, _>>(),
                        })),
                    )
                    .await?;
                    super::jobs::advance(tx, actor, &job, checkpoint, [1, 0, 0], serde_json::Value::Null).await
                })
                .await?;
        }
        let job_id = job.id;
        self.step(actor, id, CycleStep::IssueFiles, Some(job_id), async |tx, _| {
            let files: Vec<(String, String, i64, i64, String)> = on_tx!(tx, |c| sqlx::query_as(
                "SELECT bank_code, format, transfers, control_sum, sha256 FROM payment_files WHERE cycle_id = $1 \
                 ORDER BY bank_code, format"
            )
            .bind(id)
            .fetch_all(c)
            .await)?;
            super::jobs::finish(tx, job_id, tavana_domain::payments::JobStep::IssueFiles).await?;
            let files: Vec<serde_json::Value> =
                files.iter().map(|f| serde_json::json!([f.0, f.1, f.2, f.3, f.4])).collect();
            Ok((
                (),
                serde_json::json!({
                    "columns": ["bank", "format", "transfers", "control_sum", "sha256"], "files": files, "job": job_id,
                }),
            ))
        })
        .await?;
        self.bank_files(actor, id).await
    }

    /// The files issued for a cycle.
    pub async fn bank_files(&self, actor: &Actor, id: i64) -> Result<Vec<BankFile>> {
        self.payment_cycle(actor, id).await?;
        let sql = format!("SELECT {FILE_COLUMNS} FROM payment_files WHERE cycle_id = $1 ORDER BY bank_code, format");
        Ok(on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_all(c).await)?)
    }

    /// An issued bank file, for whoever may download it: a maker or checker of the
    /// cycle's unit.
    pub async fn bank_file(&self, actor: &Actor, file_id: i64) -> Result<(BankFile, PaymentCycle)> {
        let sql = format!("SELECT {FILE_COLUMNS} FROM payment_files WHERE id = $1");
        let file: BankFile = on_pool!(self, |c| sqlx::query_as(&sql).bind(file_id).fetch_one(c).await)?;
        let cycle = self.payment_cycle(actor, file.cycle_id).await?;
        let unit = super::cycle_unit(&cycle)?;
        let may = |action| crate::access::authorize(actor, tavana_domain::iam::Action::Payments(action), &unit);
        if may(super::PaymentAction::Prepare).is_err() {
            may(super::PaymentAction::Check)?;
        }
        Ok((file, cycle))
    }

    /// Writes an issued bank file again to `out`, logged as a read of payments; the
    /// bytes are checked against the hash recorded at issue (a difference is an
    /// error after the last byte: the lines were changed outside the
    /// application).
    pub async fn download_bank_file(&self, actor: &Actor, file_id: i64, out: FileOut<'_>) -> Result<BankFile> {
        let (file, cycle) = self.bank_file(actor, file_id).await?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Payments,
            "payment_file",
            &file_id.to_string(),
            serde_json::json!({ "cycle": file.cycle_id, "bank": file.bank_code, "format": file.format.code() }),
        )
        .await?;
        let frame = self.frame(actor, &cycle, &file.bank_code, file.issued_at).await?;
        let sha = self.write_bank_file(&frame, file.format, out).await?;
        if sha != file.sha256 {
            return Err(StoreError::Corrupt(format!(
                "bank file {file_id} no longer matches what was issued (sha256 {sha}, issued {})",
                file.sha256
            )));
        }
        Ok(file)
    }
}
