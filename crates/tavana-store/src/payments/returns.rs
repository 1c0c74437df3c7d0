//! A bank's return file: one row a payment, `end_to_end_id,status,reason` with
//! status `paid` or `failed` (the reason required for a failed one). Rows are
//! matched to the cycle's lines by their end-to-end id; what does not match (not
//! ours, another cycle's, settled already, twice in the file, unreadable) is
//! reported with its row and reason. The rest is applied as a job, one province a
//! transaction: its lines marked paid or failed set-based, the ledger's payment
//! entry, a text to each beneficiary paid, and audit entries naming each line,
//! all in that transaction.

use super::jobs::{self, JobBasis, PaymentJob};
use super::{CycleStep, PaymentCycle, hex};
use crate::db::{Backend, Store, WriteTx};
use crate::sql::Sql;
use crate::{Result, StoreError};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Read;
use tavana_domain::iam::Actor;
use tavana_domain::payments::{JobStep, LineStatus, PayMonth, line_of_end_to_end_id};

/// A row of a return file that was not applied, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnLine {
    /// The row in the file (the header is row 1).
    pub row: u64,
    pub end_to_end_id: String,
    pub reason_en: String,
    pub reason_fa: String,
}

/// What a return file did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnReport {
    pub paid: u64,
    pub paid_rials: i64,
    pub failed: u64,
    pub failed_rials: i64,
    pub unmatched: Vec<ReturnLine>,
    pub sha256: String,
}

/// How many settled lines one audit entry names.
const NAMED_PER_ENTRY: usize = 10_000;

struct Row {
    row: u64,
    id: String,
    line: i64,
    paid: bool,
    reason: Option<String>,
}

fn unmatched(row: u64, id: &str, en: &str, fa: &str) -> ReturnLine {
    ReturnLine { row, end_to_end_id: id.to_string(), reason_en: en.into(), reason_fa: fa.into() }
}

/// Reads a return file: the rows to apply, and those refused already.
fn read(input: impl Read) -> Result<(Vec<Row>, Vec<ReturnLine>, String)> {
    let mut bytes = Vec::new();
    let mut input = input;
    input.read_to_end(&mut bytes).map_err(|e| StoreError::Corrupt(format!("reading a return file: {e}")))?;
    let sha = hex(&Sha256::digest(&bytes));
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(bytes.as_slice());
    let (mut rows, mut refused, mut seen) = (Vec::new(), Vec::new(), HashSet::new());
    for (i, record) in reader.records().enumerate() {
        let row = i as u64 + 2;
        let Ok(record) = record else {
            refused.push(unmatched(row, "", "the row cannot be read", "این سطر خوانا نیست"));
            continue;
        };
        let id = record.get(0).unwrap_or_default().trim().to_string();
        let status = record.get(1).unwrap_or_default().trim().to_ascii_lowercase();
        let reason = record.get(2).map(str::trim).filter(|r| !r.is_empty()).map(str::to_string);
        let Some(line) = line_of_end_to_end_id(&id) else {
            refused.push(unmatched(row, &id, "not a payment of this system", "شناسهٔ پرداخت این سامانه نیست"));
            continue;
        };
        let paid = match status.as_str() {
            "paid" => true,
            "failed" if reason.is_some() => false,
            "failed" => {
                refused.push(unmatched(
                    row,
                    &id,
                    "a failed payment needs the bank's reason",
                    "برای پرداخت ناموفق دلیل بانک لازم است",
                ));
                continue;
            }
            _ => {
                refused.push(unmatched(row, &id, "status must be paid or failed", "وضعیت باید paid یا failed باشد"));
                continue;
            }
        };
        if !seen.insert(line) {
            refused.push(unmatched(row, &id, "the payment is in the file twice", "این پرداخت دو بار در فایل آمده است"));
            continue;
        }
        rows.push(Row { row, id, line, paid, reason });
    }
    Ok((rows, refused, sha))
}

/// A number with Persian digits and thousands separators, in SQL.
fn persian_amount(backend: Backend, column: &str) -> String {
    let mut grouped = match backend {
        Backend::Sqlite => format!("printf('%,d', {column})"),
        Backend::Postgres => format!("to_char({column}, 'FM999,999,999,999,999,999')"),
    };
    grouped = format!("replace({grouped}, ',', '٬')");
    for (ascii, persian) in ('0'..='9').zip('۰'..='۹') {
        grouped = format!("replace({grouped}, '{ascii}', '{persian}')");
    }
    grouped
}

/// The rows of a return file kept for its job: those naming a payment of the
/// cycle waiting for the bank, with its province; the others added to `refused`
/// with their reasons. Returns how many were kept.
async fn stage(
    tx: &mut WriteTx,
    cycle: i64,
    return_id: i64,
    rows: &[Row],
    refused: &mut Vec<ReturnLine>,
) -> Result<i64> {
    let backend = tx.store.backend();
    let columns = "line_id BIGINT PRIMARY KEY, file_row BIGINT NOT NULL, paid BIGINT NOT NULL, reason TEXT)";
    let create = match backend {
        Backend::Sqlite => format!("CREATE TEMP TABLE return_rows ({columns}"),
        Backend::Postgres => format!("CREATE TEMP TABLE return_rows ({columns} ON COMMIT DROP"),
    };
    on_tx!(tx, |c| sqlx::query(&create).execute(c).await.map(|r| r.rows_affected()))?;
    if let crate::db::TxInner::Postgres(t) = &mut tx.inner {
        // A national return is millions of rows: sorts and hashes in memory.
        crate::bounded::analytical_settings(t, true).await?;
    }
    for chunk in rows.chunks(1_000) {
        on_tx!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new("INSERT INTO return_rows (line_id, file_row, paid, reason) ");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.line).push_bind(r.row as i64).push_bind(i64::from(r.paid)).push_bind(&r.reason);
            });
            q.build().execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    // Rows that name no line of this cycle waiting for its bank's answer.
    let stray: Vec<(i64, Option<i64>, Option<String>)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT r.line_id, l.cycle_id, l.status FROM return_rows r LEFT JOIN payment_lines l ON l.id = r.line_id \
         WHERE l.id IS NULL OR l.cycle_id <> $1 OR l.status <> 'payable' ORDER BY r.file_row"
    )
    .bind(cycle)
    .fetch_all(c)
    .await)?;
    let by_line: std::collections::HashMap<i64, &Row> = rows.iter().map(|r| (r.line, r)).collect();
    for (line, cycle_of, status) in &stray {
        let Some(r) = by_line.get(line) else { continue };
        refused.push(match (cycle_of, status.as_deref()) {
            (None, _) => unmatched(r.row, &r.id, "no such payment", "چنین پرداختی نیست"),
            (Some(c), _) if *c != cycle => {
                unmatched(r.row, &r.id, "a payment of another cycle", "پرداخت دورهٔ دیگری است")
            }
            (_, Some("held")) => {
                unmatched(r.row, &r.id, "a held payment was not sent", "پرداخت نگه‌داشته فرستاده نشده بود")
            }
            _ => unmatched(r.row, &r.id, "the bank answered for it already", "پاسخ بانک برای آن پیش‌تر ثبت شده است"),
        });
    }
    refused.sort_by_key(|r| r.row);
    // The rest, kept with their line's province: each row's line looked up by
    // its key (a NOT IN over the cycle's lines is quadratic on PostgreSQL beyond
    // its work memory).
    let kept = on_tx!(tx, |c| sqlx::query(
        "INSERT INTO payment_return_rows (return_id, line_id, province_id, file_row, paid, reason) \
         SELECT $1, r.line_id, l.province_id, r.file_row, r.paid, r.reason FROM return_rows r \
         JOIN payment_lines l ON l.id = r.line_id WHERE l.cycle_id = $2 AND l.status = 'payable'"
    )
    .bind(return_id)
    .bind(cycle)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if backend == Backend::Sqlite {
        on_tx!(tx, |c| sqlx::query("DROP TABLE temp.return_rows").execute(c).await.map(|r| r.rows_affected()))?;
    }
    let refused_json = serde_json::to_string(refused).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    on_tx!(tx, |c| sqlx::query("UPDATE payment_returns SET refused = $1, unmatched = $2 WHERE id = $3")
        .bind(&refused_json)
        .bind(refused.len() as i64)
        .bind(return_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(i64::try_from(kept).unwrap_or(i64::MAX))
}

/// Settles a province's rows of a return: its lines paid or failed, the ledger's
/// payment entry, a text to each beneficiary paid, and audit entries naming
/// every line settled (10,000 an entry). Returns `[settled, failed]`.
async fn settle_province(
    tx: &mut WriteTx,
    actor: &Actor,
    cycle: &PaymentCycle,
    (return_id, province): (i64, i64),
    texts: &Sql,
) -> Result<[i64; 2]> {
    let id = cycle.id;
    let sums: Vec<(i64, i64)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT l.province_id, CAST(SUM(l.amount_rials) AS BIGINT) FROM payment_return_rows r \
         JOIN payment_lines l ON l.id = r.line_id WHERE r.return_id = $1 AND r.province_id = $2 AND r.paid = 1 \
         GROUP BY l.province_id"
    )
    .bind(return_id)
    .bind(province)
    .fetch_all(c)
    .await)?;
    let entries = super::ledger::post_paid(tx, actor, cycle, &sums).await?;
    let texted = on_tx!(tx, |c| texts.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
    let now = tx.now();
    let settled = on_tx!(tx, |c| sqlx::query(&format!(
        "UPDATE payment_lines SET status = CASE WHEN r.paid = 1 THEN '{paid}' ELSE '{failed}' END, \
         return_reason = r.reason, settled_at = $1 FROM payment_return_rows r \
         WHERE r.return_id = $2 AND r.province_id = $3 AND payment_lines.id = r.line_id \
         AND payment_lines.cycle_id = $4 AND payment_lines.status = 'payable'",
        paid = LineStatus::Paid.code(),
        failed = LineStatus::Failed.code(),
    ))
    .bind(now)
    .bind(return_id)
    .bind(province)
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    // The lines settled, by id, as the audit entries name them.
    let named: Vec<(i64, i64)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT line_id, paid FROM payment_return_rows WHERE return_id = $1 AND province_id = $2 ORDER BY line_id"
    )
    .bind(return_id)
    .bind(province)
    .fetch_all(c)
    .await)?;
    if named.len() as u64 != settled {
        // Only this job settles these lines, and no other step runs meanwhile.
        return Err(StoreError::Conflict { field: "job".into() });
    }
    let failed = named.iter().filter(|(_, paid)| *paid == 0).count() as i64;
    let parts = named.len().div_ceil(NAMED_PER_ENTRY);
    for (part, chunk) in named.chunks(NAMED_PER_ENTRY).enumerate() {
        let lines: Vec<[i64; 2]> = chunk.iter().map(|(l, p)| [*l, *p]).collect();
        tx.audit(
            Some(actor),
            crate::audit::AuditEvent::new("cycle.settle", "payment_cycle", id).after(serde_json::json!({
                "return": return_id, "province": province, "part": part + 1, "parts": parts,
                "ledger_entries": if part == 0 { serde_json::json!(entries) } else { serde_json::json!([]) },
                "texts": if part == 0 { texted } else { 0 },
                "columns": ["line", "paid"], "lines": lines,
            })),
        )
        .await?;
    }
    Ok([named.len() as i64, failed])
}

/// The statement writing a text to each beneficiary paid by a province's rows
/// of a return, naming the program, month and amount.
fn texts_statement(
    backend: Backend,
    program_name: &str,
    months: &[i64],
    (return_id, province): (i64, i64),
    now: i64,
) -> Result<Sql> {
    let mut month_name = Sql::new("CASE l.month");
    for m in months {
        month_name.push(" WHEN ").bind_int(*m).push(" THEN ").bind_str(&PayMonth::from_code(*m)?.to_persian());
    }
    month_name.push(" END");
    let mut texts =
        Sql::new("INSERT INTO sms_outbox (person_id, phone, body, line_id, created_at) SELECT p.id, p.phone, ");
    texts
        .bind_str(&format!("{program_name} ماه "))
        .push(" || ")
        .append(&month_name)
        .push(&format!(
            " || ' به مبلغ ' || {} || ' ریال به حساب شما واریز شد.', l.id, ",
            persian_amount(backend, "l.amount_rials")
        ))
        .bind_int(now)
        .push(
            " FROM payment_return_rows r JOIN payment_lines l ON l.id = r.line_id JOIN persons p ON p.id = l.person_id \
             WHERE r.paid = 1 AND p.phone IS NOT NULL AND l.status = 'payable' AND r.return_id = ",
        )
        .bind_int(return_id)
        .push(" AND r.province_id = ")
        .bind_int(province)
        .push(" ORDER BY l.id");
    Ok(texts)
}

impl Store {
    /// Applies a bank's return file to a cycle whose files were issued (again,
    /// for the next bank's file). It runs as a job: the file's rows are kept when
    /// it starts, then settled one province a transaction (see `jobs`); applied
    /// again after the process died, the same file resumes where it stopped.
    pub async fn reconcile_cycle(&self, actor: &Actor, id: i64, input: impl Read) -> Result<ReturnReport> {
        self.reconcile_cycle_watched(actor, id, input, &mut |_| {}).await
    }

    /// [`Store::reconcile_cycle`], telling `progress` after each province.
    pub async fn reconcile_cycle_watched(
        &self,
        actor: &Actor,
        id: i64,
        input: impl Read,
        progress: &mut (dyn FnMut(&PaymentJob) + Send),
    ) -> Result<ReturnReport> {
        let cycle = self.payment_cycle(actor, id).await?;
        if CycleStep::Reconcile.from(cycle.state).is_none() {
            return Err(super::not_now(CycleStep::Reconcile, cycle.state));
        }
        let (rows, refused, sha) = read(input)?;
        let program = self.program(actor, cycle.program_id).await?;
        let basis = JobBasis::Input(&sha);
        let user = actor.user_id;
        let mut job = self
            .start_job(actor, &cycle, JobStep::Reconcile, basis, async |tx, job| {
                let now = tx.now();
                let return_id: i64 = on_tx!(tx, |c| {
                    sqlx::query_scalar(
                    "INSERT INTO payment_returns (cycle_id, sha256, paid, failed, unmatched, imported_at, imported_by, \
                     job_id, state) VALUES ($1, $2, 0, 0, 0, $3, $4, $5, 'applying') RETURNING id"
                )
                .bind(id)
                .bind(&sha)
                .bind(now)
                .bind(user)
                .bind(job)
                .fetch_one(c)
                .await
                })?;
                let mut refused = refused;
                stage(tx, id, return_id, &rows, &mut refused).await
            })
            .await?;
        progress(&job);
        drop(rows);
        let return_id: i64 =
            on_pool!(self, |c| sqlx::query_scalar("SELECT id FROM payment_returns WHERE job_id = $1")
                .bind(job.id)
                .fetch_one(c)
                .await)?;
        let months: Vec<i64> = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT DISTINCT month FROM payment_lines WHERE cycle_id = $1 ORDER BY month"
        )
        .bind(id)
        .fetch_all(c)
        .await)?;
        let provinces: Vec<i64> = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT DISTINCT province_id FROM payment_return_rows WHERE return_id = $1 ORDER BY province_id"
        )
        .bind(return_id)
        .fetch_all(c)
        .await)?;
        let backend = self.backend();
        let resume_after = job.checkpoint;
        for province in provinces.into_iter().filter(|p| resume_after.is_none_or(|c| *p > c)) {
            let texts = texts_statement(backend, &program.name_fa, &months, (return_id, province), self.now())?;
            job = self
                .write(async |tx| {
                    if let crate::db::TxInner::Postgres(t) = &mut tx.inner {
                        // A province's payments joined by key, for this transaction only.
                        crate::bounded::analytical_settings(t, true).await?;
                    }
                    let [settled, failed] = settle_province(tx, actor, &cycle, (return_id, province), &texts).await?;
                    jobs::advance(tx, actor, &job, province, [settled, 0, failed], serde_json::Value::Null).await
                })
                .await?;
            progress(&job);
        }
        let job_id = job.id;
        self.step(actor, id, CycleStep::Reconcile, Some(job_id), async |tx, _| {
            let (paid, paid_rials, failed, failed_rials): (i64, i64, i64, i64) = on_tx!(tx, |c| sqlx::query_as(
                "SELECT CAST(COALESCE(SUM(r.paid), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(CASE WHEN r.paid = 1 THEN l.amount_rials ELSE 0 END), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(1 - r.paid), 0) AS BIGINT), \
                 CAST(COALESCE(SUM(CASE WHEN r.paid = 0 THEN l.amount_rials ELSE 0 END), 0) AS BIGINT) \
                 FROM payment_return_rows r JOIN payment_lines l ON l.id = r.line_id WHERE r.return_id = $1"
            )
            .bind(return_id)
            .fetch_one(c)
            .await)?;
            let refused: String =
                on_tx!(tx, |c| sqlx::query_scalar("SELECT refused FROM payment_returns WHERE id = $1")
                    .bind(return_id)
                    .fetch_one(c)
                    .await)?;
            let unmatched: Vec<ReturnLine> =
                serde_json::from_str(&refused).map_err(|e| StoreError::Corrupt(format!("a return's rows: {e}")))?;
            on_tx!(tx, |c| sqlx::query(
                "UPDATE payment_returns SET paid = $1, failed = $2, state = 'done' WHERE id = $3"
            )
            .bind(paid)
            .bind(failed)
            .bind(return_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            // The rows were kept for the job only: the audit entries name each line.
            on_tx!(tx, |c| sqlx::query("DELETE FROM payment_return_rows WHERE return_id = $1")
                .bind(return_id)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            super::recount(tx, id).await?;
            jobs::finish(tx, job_id, tavana_domain::payments::JobStep::Reconcile).await?;
            let report = ReturnReport {
                paid: paid as u64,
                paid_rials,
                failed: failed as u64,
                failed_rials,
                unmatched,
                sha256: sha.clone(),
            };
            let details = serde_json::json!({
                "file_sha256": sha, "return": return_id, "job": job_id, "paid": paid, "paid_rials": paid_rials,
                "failed": failed, "failed_rials": failed_rials, "unmatched": report.unmatched.len(),
            });
            Ok((report, details))
        })
        .await
    }
}
