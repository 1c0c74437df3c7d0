//! The ledger's tables: every entry is made by the domain's [`Entry`] (which
//! accepts only postings that sum to zero) and written with its postings, each
//! naming the program, the province and the month, so budget against spending is
//! a sum over them.

use super::PaymentCycle;
use crate::access::require;
use crate::db::{Store, WriteTx};
use crate::{Result, StoreError};
use tavana_domain::iam::{Action, Actor, Module};
use tavana_domain::payments::ledger::{AccountKind, Entry, NotAnEntry};

pub(crate) fn refused(e: NotAnEntry) -> StoreError {
    StoreError::Corrupt(format!("a ledger entry that does not balance: {e:?}"))
}

/// Writes an entry and its postings, all for one program, province and month.
async fn post(
    tx: &mut WriteTx,
    actor: &Actor,
    kind: &str,
    cycle: &PaymentCycle,
    province: i64,
    entry: &Entry,
) -> Result<i64> {
    let memo = format!("cycle {} month {} province {province}", cycle.id, cycle.month);
    post_entry(tx, actor, kind, Some(cycle.id), &memo, Some(province), cycle.month, entry).await
}

/// Writes an entry (of a cycle, or of none) and its postings, each naming the
/// province and the month (Jalali `yyyymm`). The one writer of the ledger.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn post_entry(
    tx: &mut WriteTx,
    actor: &Actor,
    kind: &str,
    cycle: Option<i64>,
    memo: &str,
    province: Option<i64>,
    month: i64,
    entry: &Entry,
) -> Result<i64> {
    let now = tx.now();
    let id: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "INSERT INTO ledger_entries (kind, cycle_id, memo, posted_at, posted_by) VALUES ($1, $2, $3, $4, $5) RETURNING id"
    )
    .bind(kind)
    .bind(cycle)
    .bind(memo)
    .bind(now)
    .bind(actor.user_id)
    .fetch_one(c)
    .await
    })?;
    for p in entry.postings() {
        on_tx!(tx, |c| sqlx::query(
            "INSERT INTO ledger_postings (entry_id, account, program_id, province_id, month, rials) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(id)
        .bind(p.account.kind.code())
        .bind(p.account.program)
        .bind(province)
        .bind(month)
        .bind(p.rials)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(id)
}

/// Posts, per province, what an approved cycle owes (new entitlements only: a
/// retried payment was owed since its own month's cycle): the program's expense,
/// owed to the beneficiaries less what the program withholds, which is owed to
/// its deductions account. Returns the entries as `[province, rials of
/// expense, entry id]`.
pub(super) async fn post_entitled(tx: &mut WriteTx, actor: &Actor, cycle: &PaymentCycle) -> Result<Vec<[i64; 3]>> {
    let sums: Vec<(i64, i64, i64)> = on_tx!(tx, |c| {
        sqlx::query_as(
        "SELECT province_id, CAST(SUM(amount_rials) AS BIGINT), CAST(SUM(deduction_rials) AS BIGINT) FROM payment_lines \
         WHERE cycle_id = $1 AND status = 'payable' AND retry_of IS NULL GROUP BY province_id ORDER BY province_id"
    )
    .bind(cycle.id)
    .fetch_all(c)
    .await
    })?;
    let mut posted = Vec::with_capacity(sums.len());
    for (province, net, deducted) in sums {
        let entry = Entry::entitled(cycle.program_id, net, deducted).map_err(refused)?;
        posted.push([province, net + deducted, post(tx, actor, "entitled", cycle, province, &entry).await?]);
    }
    Ok(posted)
}

/// Posts the month's appropriation for each province an approved cycle pays
/// whose monthly budget for the program is set: the budget made available, once
/// a program, province and month (a second cycle of the month adds none).
/// Returns the entries as `[province, rials, entry id]`.
pub(super) async fn post_appropriated(tx: &mut WriteTx, actor: &Actor, cycle: &PaymentCycle) -> Result<Vec<[i64; 3]>> {
    let budgets: Vec<(i64, i64)> = on_tx!(tx, |c| {
        sqlx::query_as(
        "SELECT b.province_id, b.budget_month FROM program_budgets b WHERE b.program_id = $1 AND b.budget_month > 0 \
         AND b.province_id IN (SELECT l.province_id FROM payment_lines l WHERE l.cycle_id = $2 AND l.status = 'payable' \
           GROUP BY l.province_id) \
         AND NOT EXISTS (SELECT 1 FROM ledger_postings p WHERE p.account = $3 AND p.program_id = b.program_id \
           AND p.province_id = b.province_id AND p.month = $4) ORDER BY b.province_id"
    )
    .bind(cycle.program_id)
    .bind(cycle.id)
    .bind(AccountKind::Appropriation.code())
    .bind(cycle.month)
    .fetch_all(c)
    .await
    })?;
    let mut posted = Vec::with_capacity(budgets.len());
    for (province, rials) in budgets {
        let entry = Entry::appropriated(cycle.program_id, rials).map_err(refused)?;
        posted.push([province, rials, post(tx, actor, "appropriated", cycle, province, &entry).await?]);
    }
    Ok(posted)
}

/// Posts, per province, what a bank return paid out of what was owed: `sums` are
/// `(province, rials)`.
pub(super) async fn post_paid(
    tx: &mut WriteTx,
    actor: &Actor,
    cycle: &PaymentCycle,
    sums: &[(i64, i64)],
) -> Result<Vec<[i64; 3]>> {
    let mut posted = Vec::with_capacity(sums.len());
    for &(province, rials) in sums {
        let entry = Entry::paid(cycle.program_id, rials).map_err(refused)?;
        posted.push([province, rials, post(tx, actor, "paid", cycle, province, &entry).await?]);
    }
    Ok(posted)
}

/// An account's balance (debits positive).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Balance {
    #[sqlx(try_from = "String")]
    pub account: AccountKind,
    pub program_id: Option<i64>,
    pub rials: i64,
}

/// What a check of the whole ledger found: entries whose postings do not sum to
/// zero (none, unless the tables were changed outside the application), and the
/// total of all postings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerCheck {
    pub entries: i64,
    pub unbalanced: Vec<i64>,
    pub total: i64,
}

/// A program's budget against its spending for a province and month.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetLine {
    pub province_id: i64,
    pub province_name_fa: String,
    pub month: i64,
    /// The month's appropriation for the program in the province, posted when
    /// the month's first cycle paying the province was approved (none when no
    /// budget was set then).
    pub budget_rials: Option<i64>,
    /// What approved cycles made owed (the program's expense).
    pub spent_rials: i64,
    /// What the banks paid of it.
    pub paid_rials: i64,
}

impl Store {
    /// Every account's balance.
    pub async fn ledger_balances(&self, actor: &Actor) -> Result<Vec<Balance>> {
        require(actor, Action::Open(Module::Payments))?;
        Ok(on_pool!(self, |c| sqlx::query_as(
            "SELECT account, program_id, CAST(SUM(rials) AS BIGINT) AS rials FROM ledger_postings \
             GROUP BY account, program_id ORDER BY account, program_id"
        )
        .fetch_all(c)
        .await)?)
    }

    /// Checks that every entry balances and so the whole ledger does.
    pub async fn check_ledger(&self) -> Result<LedgerCheck> {
        let unbalanced: Vec<i64> = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT e.id FROM ledger_entries e LEFT JOIN ledger_postings p ON p.entry_id = e.id GROUP BY e.id \
             HAVING COUNT(p.id) < 2 OR COALESCE(SUM(p.rials), 0) <> 0 ORDER BY e.id"
        )
        .fetch_all(c)
        .await)?;
        let (entries, total): (i64, i64) = on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM ledger_entries), CAST(COALESCE((SELECT SUM(rials) FROM ledger_postings), 0) AS BIGINT)"
        )
        .fetch_one(c)
        .await
        })?;
        Ok(LedgerCheck { entries, unbalanced, total })
    }

    /// A program's budget against spending per province and month of a Jalali
    /// year, in the actor's subtree: spending is what approved cycles made owed,
    /// paid what the banks paid of it.
    pub async fn budget_execution(&self, actor: &Actor, program_id: i64, year: i32) -> Result<Vec<BudgetLine>> {
        require(actor, Action::Open(Module::Payments))?;
        let (from, to) = (i64::from(year) * 100, i64::from(year) * 100 + 99);
        Ok(on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT p.province_id, MAX(pl.name_fa) AS province_name_fa, p.month, \
             CAST(-SUM(CASE WHEN p.account = 'appropriation' THEN p.rials END) AS BIGINT) AS budget_rials, \
             CAST(SUM(CASE WHEN p.account = 'program_expense' THEN p.rials ELSE 0 END) AS BIGINT) AS spent_rials, \
             CAST(SUM(CASE WHEN p.account = 'beneficiary_payable' AND e.kind = 'paid' THEN p.rials ELSE 0 END) AS BIGINT) \
             AS paid_rials \
             FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id JOIN places pl ON pl.id = p.province_id \
             WHERE p.program_id = $1 AND p.month BETWEEN $2 AND $3 \
             AND p.province_id IN (SELECT province_id FROM org_units WHERE path LIKE $4) \
             GROUP BY p.province_id, p.month ORDER BY p.month, p.province_id"
        )
        .bind(program_id)
        .bind(from)
        .bind(to)
        .bind(actor.unit_path.subtree_pattern())
        .fetch_all(c)
        .await
        })?)
    }
}
