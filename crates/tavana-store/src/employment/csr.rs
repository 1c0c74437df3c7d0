//! The CSR fund (see the domain's `employment::csr`): firms, their declared
//! profit and the share it makes due, payments received, financed projects and
//! what they spend. Every movement of money is a ledger entry made by the
//! domain's `Entry` and written by the payments ledger's one writer, naming the
//! province (the firm's, or the project's) and the Jalali month: a declaration
//! is owed to the fund, a receipt clears what is owed into the bank, and a
//! project spends from the bank.

use super::{MANAGE, OPEN, breaks, invalid};
use crate::access::require;
use crate::audit::AuditEvent;
use crate::db::{Store, WriteTx};
use crate::payments::ledger::{post_entry, refused};
use crate::{Result, StoreError};
use serde_json::json;
use tavana_domain::employment::EmploymentAction;
use tavana_domain::employment::csr::{Declaration, FirmFields, Movement, ProjectFields, ProjectKind};
use tavana_domain::error::Reason;
use tavana_domain::iam::{Action, Actor};
use tavana_domain::payments::ledger::{AccountKind, Entry};

const POST: Action = Action::Employment(EmploymentAction::Post);

/// A firm with what it owes and has paid.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Firm {
    pub id: i64,
    pub national_id: String,
    pub name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub province_id: Option<i64>,
    /// The shares its declarations made due.
    pub due: i64,
    pub received: i64,
    /// What it still owes.
    pub balance: i64,
}

const FIRM_SELECT: &str = "SELECT f.id, f.national_id, f.name, f.unit_id, u.name_fa AS unit_name, f.province_id, \
     CAST(COALESCE((SELECT SUM(d.share) FROM csr_declarations d WHERE d.firm_id = f.id), 0) AS BIGINT) AS due, \
     CAST(COALESCE((SELECT SUM(r.amount) FROM csr_receipts r WHERE r.firm_id = f.id), 0) AS BIGINT) AS received, \
     CAST(COALESCE((SELECT SUM(d.share) FROM csr_declarations d WHERE d.firm_id = f.id), 0) \
       - COALESCE((SELECT SUM(r.amount) FROM csr_receipts r WHERE r.firm_id = f.id), 0) AS BIGINT) AS balance \
     FROM csr_firms f JOIN org_units u ON u.id = f.unit_id";

/// A firm's declaration for a year.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FirmDeclaration {
    pub id: i64,
    pub firm_id: i64,
    pub year: i64,
    pub profit: i64,
    pub csr_amount: i64,
    pub share: i64,
}

/// A financed project with its budget and spending.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Project {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: ProjectKind,
    pub title: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub province_id: Option<i64>,
    pub budget: i64,
    pub spent: i64,
}

const PROJECT_SELECT: &str = "SELECT p.id, p.kind, p.title, p.unit_id, u.name_fa AS unit_name, p.province_id, p.budget, \
     CAST(COALESCE((SELECT SUM(s.amount) FROM csr_spending s WHERE s.project_id = p.id), 0) AS BIGINT) AS spent \
     FROM csr_projects p JOIN org_units u ON u.id = p.unit_id";

/// The fund as the ledger has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fund {
    /// Shares made due by declarations (what the fund was promised).
    pub declared: i64,
    /// Still owed by firms.
    pub receivable: i64,
    /// Received into the bank.
    pub received: i64,
    /// Spent by projects.
    pub spent: i64,
    /// Received less spent: what projects may still spend.
    pub cash: i64,
}

/// The fund's postings summed by entry kind and account.
const FUND_SQL: &str = "SELECT e.kind, p.account, CAST(SUM(p.rials) AS BIGINT) FROM ledger_postings p \
     JOIN ledger_entries e ON e.id = p.entry_id WHERE e.kind IN ('csr_declared', 'csr_received', 'csr_spent') \
     GROUP BY e.kind, p.account";

/// The Jalali month (`yyyymm`) of a day, as the ledger names months.
fn month_of(day: time::Date) -> Result<i64> {
    let j = tavana_domain::JalaliDate::from_gregorian(day)?;
    Ok(i64::from(j.year()) * 100 + i64::from(j.month()))
}

async fn fund_totals(tx: &mut WriteTx) -> Result<Fund> {
    let rows: Vec<(String, String, i64)> = on_tx!(tx, |c| sqlx::query_as(FUND_SQL).fetch_all(c).await)?;
    Ok(fund_of(&rows))
}

fn fund_of(rows: &[(String, String, i64)]) -> Fund {
    let sum = |kind: &str, account: AccountKind| {
        rows.iter().filter(|r| r.0 == kind && r.1 == account.code()).map(|r| r.2).sum::<i64>()
    };
    let declared = sum("csr_declared", AccountKind::CsrReceivable);
    let received = sum("csr_received", AccountKind::BankClearing);
    let spent = sum("csr_spent", AccountKind::CsrProjectExpense);
    Fund { declared, receivable: declared - received, received, spent, cash: received - spent }
}

/// Where money moved: received from a firm, or spent by a project.
enum Moved<'a> {
    Received(&'a Firm),
    Spent(&'a Project),
}

/// Posts money moved: its ledger entry (naming the firm's or the project's
/// province), the receipt's or spending's row naming the entry, and the audit
/// entry naming both.
async fn post_movement(
    tx: &mut WriteTx,
    actor: &Actor,
    movement: &Movement,
    moved: Moved<'_>,
    entry: &Entry,
    month: i64,
) -> Result<()> {
    // Table and column names come from this match only, never from input.
    let (kind, memo, province, insert, action, object_type, object) = match moved {
        Moved::Received(f) => (
            "csr_received",
            format!("firm {} received: {}", f.national_id, movement.memo),
            f.province_id,
            "INSERT INTO csr_receipts (firm_id, amount, received_on, memo, entry_id, posted_at, posted_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            "csr.receive",
            "csr_firm",
            f.id,
        ),
        Moved::Spent(p) => (
            "csr_spent",
            format!("project {} spent: {}", p.id, movement.memo),
            p.province_id,
            "INSERT INTO csr_spending (project_id, amount, spent_on, memo, entry_id, posted_at, posted_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            "csr.spend",
            "csr_project",
            p.id,
        ),
    };
    let entry_id = post_entry(tx, actor, kind, None, &memo, province, month, entry).await?;
    let now = tx.now();
    let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(insert)
        .bind(object)
        .bind(movement.amount.get())
        .bind(movement.on.to_string())
        .bind(&movement.memo)
        .bind(entry_id)
        .bind(now)
        .bind(actor.user_id)
        .fetch_one(c)
        .await)?;
    tx.audit(
        Some(actor),
        AuditEvent::new(action, object_type, object).after(json!({
            "row": id, "amount": movement.amount.get(), "on": movement.on.to_string(),
            "memo": movement.memo, "entry": entry_id,
        })),
    )
    .await
}

impl Store {
    /// Records a firm registered with a unit of the actor's subtree.
    pub async fn create_firm(&self, actor: &Actor, fields: &FirmFields) -> Result<Firm> {
        require(actor, MANAGE)?;
        let (unit, province) = self.scoped_unit(actor, "unit", &fields.unit).await?;
        let id = self
            .write(async |tx| {
                let now = tx.now();
                let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                    "INSERT INTO csr_firms (national_id, name, unit_id, province_id, created_at, created_by) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
                )
                .bind(&fields.national_id)
                .bind(&fields.name)
                .bind(unit)
                .bind(province)
                .bind(now)
                .bind(actor.user_id)
                .fetch_one(c)
                .await)
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict { .. } => invalid("national_id", Reason::Taken),
                    other => other,
                })?;
                tx.audit(
                    Some(actor),
                    AuditEvent::new("csr.firm", "csr_firm", id)
                        .after(json!({"national_id": fields.national_id, "name": fields.name, "unit": fields.unit})),
                )
                .await?;
                Ok(id)
            })
            .await?;
        self.firm(actor, id).await
    }

    /// The firms of the actor's subtree with their balances, by name.
    pub async fn firms(&self, actor: &Actor) -> Result<Vec<Firm>> {
        require(actor, OPEN)?;
        let sql = format!("{FIRM_SELECT} WHERE u.path LIKE $1 ORDER BY f.name, f.id");
        Ok(on_pool!(self, |c| sqlx::query_as(&sql).bind(actor.unit_path.subtree_pattern()).fetch_all(c).await)?)
    }

    /// One firm of the actor's subtree.
    pub async fn firm(&self, actor: &Actor, id: i64) -> Result<Firm> {
        require(actor, OPEN)?;
        let sql = format!("{FIRM_SELECT} WHERE f.id = $1 AND u.path LIKE $2");
        Ok(on_pool!(self, |c| sqlx::query_as(&sql)
            .bind(id)
            .bind(actor.unit_path.subtree_pattern())
            .fetch_one(c)
            .await)?)
    }

    /// A firm's declarations, latest year first.
    pub async fn firm_declarations(&self, actor: &Actor, firm: i64) -> Result<Vec<FirmDeclaration>> {
        let firm = self.firm(actor, firm).await?;
        Ok(on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT id, firm_id, year, profit, csr_amount, share FROM csr_declarations WHERE firm_id = $1 ORDER BY year DESC"
        )
        .bind(firm.id)
        .fetch_all(c)
        .await
        })?)
    }

    /// Records a firm's declared profit for a year (once a year): the share it
    /// makes due is posted as owed to the fund.
    pub async fn declare_profit(&self, actor: &Actor, firm: i64, declaration: &Declaration) -> Result<Firm> {
        require(actor, MANAGE)?;
        let firm = self.firm(actor, firm).await?;
        let month = month_of(self.today())?;
        self.write(async |tx| {
            let entry_id = match declaration.share.get() {
                0 => None,
                share => {
                    let entry = Entry::csr_declared(share).map_err(refused)?;
                    let memo = format!("firm {} year {} share", firm.national_id, declaration.year);
                    Some(post_entry(tx, actor, "csr_declared", None, &memo, firm.province_id, month, &entry).await?)
                }
            };
            let now = tx.now();
            let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                "INSERT INTO csr_declarations (firm_id, year, profit, csr_amount, share, entry_id, declared_at, declared_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
            )
            .bind(firm.id)
            .bind(declaration.year)
            .bind(declaration.profit.get())
            .bind(declaration.csr.get())
            .bind(declaration.share.get())
            .bind(entry_id)
            .bind(now)
            .bind(actor.user_id)
            .fetch_one(c)
            .await)
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict { .. } => invalid("year", Reason::Taken),
                other => other,
            })?;
            tx.audit(
                Some(actor),
                AuditEvent::new("csr.declare", "csr_firm", firm.id).after(json!({
                    "declaration": id, "year": declaration.year, "profit": declaration.profit.get(),
                    "csr": declaration.csr.get(), "share": declaration.share.get(), "entry": entry_id,
                })),
            )
            .await
        })
        .await?;
        self.firm(actor, firm.id).await
    }

    /// Posts a payment a firm made into the bank: no more than it still owes.
    /// Finance makers.
    pub async fn receive_csr(&self, actor: &Actor, firm: i64, movement: &Movement) -> Result<Firm> {
        require(actor, POST)?;
        let firm = self.firm(actor, firm).await?;
        let month = month_of(movement.on)?;
        self.write(async |tx| {
            // Read again inside the transaction, which writers take in turn.
            let owed: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                "SELECT CAST(COALESCE((SELECT SUM(share) FROM csr_declarations WHERE firm_id = $1), 0) \
                 - COALESCE((SELECT SUM(amount) FROM csr_receipts WHERE firm_id = $1), 0) AS BIGINT)"
            )
            .bind(firm.id)
            .fetch_one(c)
            .await)?;
            if movement.amount.get() > owed {
                return Err(breaks(
                    "amount",
                    format!("is more than the firm owes ({owed} rials)"),
                    format!("بیش از بدهی شرکت ({}) است", tavana_domain::Rials::new(owed).to_persian_rials()),
                ));
            }
            let entry = Entry::csr_received(movement.amount.get()).map_err(refused)?;
            post_movement(tx, actor, movement, Moved::Received(&firm), &entry, month).await
        })
        .await?;
        self.firm(actor, firm.id).await
    }

    /// Records a project financed by the fund, built in a unit of the actor's subtree.
    pub async fn create_project(&self, actor: &Actor, fields: &ProjectFields) -> Result<Project> {
        require(actor, MANAGE)?;
        let (unit, province) = self.scoped_unit(actor, "unit", &fields.unit).await?;
        let id = self
            .write(async |tx| {
                let now = tx.now();
                let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                    "INSERT INTO csr_projects (kind, title, unit_id, province_id, budget, created_at, created_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
                )
                .bind(fields.kind.code())
                .bind(&fields.title)
                .bind(unit)
                .bind(province)
                .bind(fields.budget.get())
                .bind(now)
                .bind(actor.user_id)
                .fetch_one(c)
                .await)?;
                tx.audit(
                    Some(actor),
                    AuditEvent::new("csr.project", "csr_project", id).after(json!({
                        "kind": fields.kind.code(), "title": fields.title, "unit": fields.unit, "budget": fields.budget.get(),
                    })),
                )
                .await?;
                Ok(id)
            })
            .await?;
        self.project(actor, id).await
    }

    /// The projects of the actor's subtree, by province and title.
    pub async fn projects(&self, actor: &Actor) -> Result<Vec<Project>> {
        require(actor, OPEN)?;
        let sql = format!("{PROJECT_SELECT} WHERE u.path LIKE $1 ORDER BY u.path, p.title, p.id");
        Ok(on_pool!(self, |c| sqlx::query_as(&sql).bind(actor.unit_path.subtree_pattern()).fetch_all(c).await)?)
    }

    /// One project of the actor's subtree.
    pub async fn project(&self, actor: &Actor, id: i64) -> Result<Project> {
        require(actor, OPEN)?;
        let sql = format!("{PROJECT_SELECT} WHERE p.id = $1 AND u.path LIKE $2");
        Ok(on_pool!(self, |c| sqlx::query_as(&sql)
            .bind(id)
            .bind(actor.unit_path.subtree_pattern())
            .fetch_one(c)
            .await)?)
    }

    /// Posts what a project spent: within what is left of its budget and of the
    /// fund's money in the bank. Finance makers.
    pub async fn spend_csr(&self, actor: &Actor, project: i64, movement: &Movement) -> Result<Project> {
        require(actor, POST)?;
        let project = self.project(actor, project).await?;
        let month = month_of(movement.on)?;
        self.write(async |tx| {
            let spent: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM csr_spending WHERE project_id = $1"
            )
            .bind(project.id)
            .fetch_one(c)
            .await)?;
            let left = project.budget - spent;
            if movement.amount.get() > left {
                return Err(breaks(
                    "amount",
                    format!("is more than what is left of the project's budget ({left} rials)"),
                    format!("بیش از ماندهٔ بودجهٔ طرح ({}) است", tavana_domain::Rials::new(left).to_persian_rials()),
                ));
            }
            let fund = fund_totals(tx).await?;
            if movement.amount.get() > fund.cash {
                return Err(breaks(
                    "amount",
                    format!("is more than the fund holds ({} rials)", fund.cash),
                    format!("بیش از موجودی صندوق ({}) است", tavana_domain::Rials::new(fund.cash).to_persian_rials()),
                ));
            }
            let entry = Entry::csr_spent(movement.amount.get()).map_err(refused)?;
            post_movement(tx, actor, movement, Moved::Spent(&project), &entry, month).await
        })
        .await?;
        self.project(actor, project.id).await
    }

    /// The fund's totals from the ledger (national: the fund is one).
    pub async fn csr_fund(&self, actor: &Actor) -> Result<Fund> {
        require(actor, OPEN)?;
        let rows: Vec<(String, String, i64)> = on_pool!(self, |c| sqlx::query_as(FUND_SQL).fetch_all(c).await)?;
        Ok(fund_of(&rows))
    }
}
