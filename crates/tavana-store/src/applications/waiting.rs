//! The waiting list (پشت نوبت) of a program: who waits for budget, per province
//! and county office, how long, and what admitting them all would cost a month.

use crate::access::{require, unit_path};
use crate::db::Store;
use crate::sql::Sql;
use crate::{Result, StoreError};
use tavana_domain::applications::ApplicationAction;

/// Waiting is kept in microseconds (as every instant is stored) and shown in days.
const MICROS_A_DAY: i64 = 86_400_000_000;
use tavana_domain::iam::{Action, Actor};
use tavana_domain::programs::EnrollmentState;

/// The waiting of one province or county office.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WaitRow {
    /// The province's place id, or the county office's unit id.
    pub id: i64,
    pub code: String,
    pub name_fa: String,
    pub waiting: i64,
    /// The median wait in whole days (the mean of the middle two, rounded down).
    pub median_days: i64,
    pub longest_days: i64,
    /// What admitting everyone waiting would cost a month, in rials.
    pub needed_month: i64,
}

/// A program's waiting list as its page shows it: per province (with the
/// province's monthly budget and what its enrollments in force cost) and per
/// county office.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WaitingList {
    pub program_id: i64,
    /// The day waits are counted to (ISO).
    pub today: String,
    pub provinces: Vec<WaitRow>,
    pub counties: Vec<WaitRow>,
    /// Per province (same order as `provinces`): the monthly budget (if set) and
    /// what its enrollments in force cost a month.
    pub budgets: Vec<(Option<i64>, i64)>,
}

impl WaitingList {
    pub fn total(&self) -> i64 {
        self.provinces.iter().map(|p| p.waiting).sum()
    }
}

/// One person waiting, in queue order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Waiting {
    pub person_id: i64,
    pub national_code: String,
    pub first_name: String,
    pub last_name: String,
    pub priority: i64,
    pub waiting_days: i64,
    pub amount_rials: Option<i64>,
    pub application_id: Option<i64>,
}

impl Store {
    /// A program's waiting list in the actor's subtree: how many wait per
    /// province and county office, the median and longest wait in days, and the
    /// monthly budget needed to admit them all. Counts only: not a logged read.
    pub async fn waiting_list(&self, actor: &Actor, program_id: i64) -> Result<WaitingList> {
        self.program(actor, program_id).await?;
        let now = self.now();
        let pattern = actor.unit_path.subtree_pattern();
        let provinces = self
            .wait_rows(
                program_id,
                now,
                &pattern,
                ("w.province_id", "JOIN places g ON g.id = r.key", "g.code, g.name_fa"),
            )
            .await?;
        let counties = self
            .wait_rows(
                program_id,
                now,
                &pattern,
                ("w.unit_id", "JOIN org_units g ON g.id = r.key", "g.code, g.name_fa"),
            )
            .await?;
        let mut budgets = Vec::with_capacity(provinces.len());
        for b in self.province_budget_rows(program_id, &provinces.iter().map(|p| p.id).collect::<Vec<_>>()).await? {
            budgets.push(b);
        }
        Ok(WaitingList { program_id, today: self.today().to_string(), provinces, counties, budgets })
    }

    /// The waiting grouped by `key` (a column of `w`), with the place's code and
    /// name from `join`: counts, the median by rank within each group, the
    /// longest wait and the cost, in one statement.
    async fn wait_rows(
        &self,
        program_id: i64,
        now: i64,
        pattern: &str,
        (key, join, names): (&str, &str, &str),
    ) -> Result<Vec<WaitRow>> {
        let mut sql = Sql::new(
            "WITH w AS (SELECT e.province_id, e.unit_id, CAST(COALESCE(e.amount_rials, 0) AS BIGINT) AS amount, ",
        );
        sql.push("(").bind_int(now).push(" - COALESCE(e.waiting_since, ").bind_int(now).push(&format!(
            ")) / {MICROS_A_DAY} AS days FROM enrollments e JOIN org_units u ON u.id = e.unit_id WHERE e.state = '{}' AND e.program_id = ",
            EnrollmentState::Draft.code()
        ));
        sql.bind_int(program_id).push(" AND u.path LIKE ").bind_str(pattern).push(&format!(
            "), r AS (SELECT {key} AS key, w.days, w.amount, ROW_NUMBER() OVER (PARTITION BY {key} ORDER BY w.days) AS rn, \
             COUNT(*) OVER (PARTITION BY {key}) AS n FROM w), \
             s AS (SELECT r.key, CAST(COUNT(*) AS BIGINT) AS waiting, CAST(MAX(r.days) AS BIGINT) AS longest_days, \
             CAST(SUM(r.amount) AS BIGINT) AS needed_month, \
             CAST(SUM(CASE WHEN r.rn IN ((r.n + 1) / 2, (r.n + 2) / 2) THEN r.days ELSE 0 END) AS BIGINT) AS mid_sum, \
             CAST(SUM(CASE WHEN r.rn IN ((r.n + 1) / 2, (r.n + 2) / 2) THEN 1 ELSE 0 END) AS BIGINT) AS mid_n \
             FROM r GROUP BY r.key) \
             SELECT s.key AS id, {names}, s.waiting, CAST(s.mid_sum / s.mid_n AS BIGINT) AS median_days, s.longest_days, \
             s.needed_month FROM s {} ORDER BY g.code",
            join.replace("r.key", "s.key")
        ));
        let rows: Vec<WaitRow> = on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        Ok(rows)
    }

    /// Each province's monthly budget for the program (if set) and what its
    /// enrollments in force cost a month, in the order given.
    async fn province_budget_rows(&self, program_id: i64, provinces: &[i64]) -> Result<Vec<(Option<i64>, i64)>> {
        if provinces.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(&format!(
            "SELECT pl.id, b.budget_month, CAST(COALESCE((SELECT SUM(e.amount_rials) FROM enrollments e \
             WHERE e.program_id = pl.program_id AND e.province_id = pl.id AND e.state = '{}'), 0) AS BIGINT) AS spent \
             FROM (SELECT p.id, ",
            EnrollmentState::Enrolled.code()
        ));
        sql.bind_int(program_id)
            .push(" AS program_id FROM places p WHERE p.id IN ")
            .bind_ids(provinces)
            .push(") pl LEFT JOIN program_budgets b ON b.program_id = pl.program_id AND b.province_id = pl.id");
        let rows: Vec<(i64, Option<i64>, i64)> = on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        provinces
            .iter()
            .map(|id| {
                rows.iter()
                    .find(|r| r.0 == *id)
                    .map(|r| (r.1, r.2))
                    .ok_or_else(|| StoreError::Corrupt(format!("province {id} without a row")))
            })
            .collect()
    }

    /// Who waits for a program at a county office (a unit of the actor's
    /// subtree), in queue order: priority, then time waited, then person. A
    /// logged read: it names them.
    pub async fn waiting_queue(&self, actor: &Actor, program_id: i64, unit_id: i64) -> Result<Vec<Waiting>> {
        require(actor, Action::Applications(ApplicationAction::Take))?;
        self.program(actor, program_id).await?;
        let unit = self.org_unit(actor, unit_id).await?;
        crate::access::authorize(actor, Action::Applications(ApplicationAction::Take), &unit_path(&unit.path)?)?;
        let now = self.now();
        let mut sql = Sql::new(
            "SELECT e.person_id, s.national_code, s.first_name, s.last_name, COALESCE(e.priority, 0) AS priority, (",
        );
        sql.bind_int(now).push(" - COALESCE(e.waiting_since, ").bind_int(now).push(&format!(
            ")) / {MICROS_A_DAY} AS waiting_days, e.amount_rials, (SELECT MAX(a.id) FROM applications a WHERE a.program_id = e.program_id \
             AND a.person_id = e.person_id) AS application_id FROM enrollments e JOIN persons s ON s.id = e.person_id \
             WHERE e.state = '{}' AND e.program_id = ",
            EnrollmentState::Draft.code()
        ));
        sql.bind_int(program_id)
            .push(" AND e.unit_id = ")
            .bind_int(unit_id)
            .push(" ORDER BY COALESCE(e.priority, 0) DESC, COALESCE(e.waiting_since, ")
            .bind_int(now)
            .push("), e.person_id LIMIT 1000");
        let rows: Vec<Waiting> = on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Applications,
            "program",
            &program_id.to_string(),
            serde_json::json!({ "waiting_at": unit_id, "persons": rows.iter().map(|w| w.person_id).collect::<Vec<_>>() }),
        )
        .await?;
        Ok(rows)
    }
}
