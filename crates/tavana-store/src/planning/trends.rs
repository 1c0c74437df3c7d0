//! Figures over time: beneficiaries and the waiting list month by month (from
//! the decisions that moved enrollments), waiting now per place, budget
//! execution from the ledger, and effectiveness (exits by reason, time on a
//! program, households leaving need, next year's projection).

use super::moves::MICROS_A_DAY;
use super::{Area, OPEN, ProgramHead};
use crate::access::require;
use crate::db::Store;
use crate::sql::Sql;
use crate::{Result, StoreError};
use std::collections::HashMap;
use tavana_domain::iam::Actor;
use tavana_domain::jalali::JalaliDate;
use tavana_domain::planning::{Assumptions, Level, Projection, month_starts, project};
use tavana_domain::programs::ExitReason;

/// How many months the trends look back over, the current one included.
pub const MONTHS: usize = 12;

/// A Jalali month as stored elsewhere (`year * 100 + month`).
fn month_code(day: JalaliDate) -> i64 {
    i64::from(day.year()) * 100 + i64::from(day.month())
}

/// Month by month, per program, over the last [`MONTHS`] months of an area.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trend {
    pub area: Area,
    pub programs: Vec<ProgramHead>,
    /// The months (`yyyymm`, Jalali), oldest first.
    pub months: Vec<i64>,
    /// Per program (as `programs`), per month: beneficiaries in force at its end
    /// (the current month: now).
    pub beneficiaries: Vec<Vec<i64>>,
    /// Per program, per month: those who came into force, and those who left it.
    pub entries: Vec<Vec<i64>>,
    pub exits: Vec<Vec<i64>>,
    /// Per program, per month: waiting for budget at its end.
    pub waiting: Vec<Vec<i64>>,
}

/// Waiting now in one place and program.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WaitingRow {
    pub place_id: i64,
    pub code: String,
    pub name_fa: String,
    pub program_id: i64,
    pub waiting: i64,
    /// The mean and the longest wait, in whole days.
    pub mean_days: i64,
    pub longest_days: i64,
}

/// Budget execution of a Jalali year: per program and province, what was
/// appropriated and what was spent (the programs' expense), and last year's
/// spending; per month, the totals.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Budget {
    pub area: Area,
    pub year: i64,
    pub rows: Vec<BudgetRow>,
    /// Months 1..=12 of the year.
    pub months: Vec<MonthBudget>,
}

/// A month's totals: appropriated and spent, in rials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthBudget {
    /// 1..=12.
    pub month: i64,
    pub allocated: i64,
    pub spent: i64,
}

/// Exits for one reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExitCount {
    pub reason: ExitReason,
    pub exits: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetRow {
    pub program_id: i64,
    pub program_fa: String,
    pub province_id: i64,
    pub province_fa: String,
    pub allocated: i64,
    pub spent: i64,
    /// Spent in the year before.
    pub spent_before: i64,
}

/// A program's effectiveness in an area.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Effect {
    pub program: ProgramHead,
    /// Exits of beneficiaries ever, by reason (as `ExitReason::ALL`).
    pub exits: Vec<ExitCount>,
    /// Exits with no reason recorded (before reasons were).
    pub exits_unexplained: i64,
    /// The mean time from first coming into force to the exit, in days.
    pub mean_days_on_program: Option<i64>,
    /// Of the exits with a reason, those that left need (work, empowerment),
    /// per mille.
    pub left_need_per_mille: Option<i64>,
    pub projection: Projection,
}

/// Effectiveness of every program in an area.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Effectiveness {
    pub area: Area,
    pub programs: Vec<Effect>,
}

impl Store {
    /// The last [`MONTHS`] months (`yyyymm`), oldest first.
    fn months(&self) -> Result<Vec<i64>> {
        let today = JalaliDate::from_gregorian(self.today())?;
        Ok(month_starts(today, MONTHS)?[..MONTHS].iter().map(|d| month_code(*d)).collect())
    }

    /// Beneficiaries and the waiting list month by month in an area, per
    /// program: today's counts, less the moves decided after each month's end.
    pub async fn planning_trend(&self, actor: &Actor, place: Option<i64>) -> Result<Trend> {
        let area = self.planning_area(actor, place).await?;
        let programs = self.planning_programs(actor).await?;
        let months = self.months()?;
        let index: HashMap<i64, usize> = programs.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let offices = area.offices();
        // Every month's moves, from their tallies (`enrollment_moves`): those
        // before the first month make today's counts with the rest; any dated
        // after this month count in it.
        let mut moves = Sql::new(
            "SELECT m.program_id, m.month, CAST(SUM(m.entries) AS BIGINT), CAST(SUM(m.leaves) AS BIGINT), \
             CAST(SUM(m.into_waiting) AS BIGINT), CAST(SUM(m.out_of_waiting) AS BIGINT) FROM enrollment_moves m \
             JOIN org_units o ON o.id = m.unit_id WHERE ",
        );
        moves.append(&offices).push(" GROUP BY m.program_id, m.month");
        let moves: Vec<(i64, i64, i64, i64, i64, i64)> =
            on_pool!(self, |c| moves.builder().build_query_as().fetch_all(c).await)?;
        let zeros = || vec![vec![0i64; MONTHS]; programs.len()];
        let (mut entries, mut exits, mut into_waiting, mut out_of_waiting) = (zeros(), zeros(), zeros(), zeros());
        // Today: every move ever, in force and waiting.
        let mut current = vec![(0i64, 0i64); programs.len()];
        for (program, month, entered, left, waited, admitted) in moves {
            let Some(&p) = index.get(&program) else { continue };
            current[p].0 += entered - left;
            current[p].1 += waited - admitted;
            if let Some(m) = months.iter().rposition(|code| *code <= month) {
                entries[p][m] += entered;
                exits[p][m] += left;
                into_waiting[p][m] += waited;
                out_of_waiting[p][m] += admitted;
            }
        }
        let (mut beneficiaries, mut waiting) = (zeros(), zeros());
        for (p, &(enrolled, draft)) in current.iter().enumerate() {
            let (mut b, mut w) = (enrolled, draft);
            for m in (0..MONTHS).rev() {
                beneficiaries[p][m] = b;
                waiting[p][m] = w;
                b -= entries[p][m] - exits[p][m];
                w -= into_waiting[p][m] - out_of_waiting[p][m];
            }
        }
        Ok(Trend { area, programs, months, beneficiaries, entries, exits, waiting })
    }

    /// Who waits for budget now in an area: per place below it and program, how
    /// many, the mean and the longest wait.
    pub async fn planning_waiting(&self, actor: &Actor, place: Option<i64>) -> Result<Vec<WaitingRow>> {
        let area = self.planning_area(actor, place).await?;
        let key = match area.level {
            Level::Country => "o.province_id",
            Level::Province | Level::County => "o.place_id",
        };
        let mut sql = Sql::new(&format!(
            "SELECT g.id, g.code, g.name_fa, e.program_id, COUNT(*), \
             CAST(SUM(COALESCE(e.waiting_since, e.updated_at)) AS BIGINT), \
             CAST(MIN(COALESCE(e.waiting_since, e.updated_at)) AS BIGINT) FROM enrollments e \
             JOIN org_units o ON o.id = e.unit_id JOIN places g ON g.id = {key} WHERE e.state = 'draft' \
             AND e.unit_id IN (SELECT o.id FROM org_units o WHERE "
        ));
        sql.append(&area.offices())
            .push(")")
            .push(" GROUP BY g.id, g.code, g.name_fa, e.program_id ORDER BY g.code, e.program_id");
        let rows: Vec<(i64, String, String, i64, i64, i64, i64)> =
            on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        let now = self.now();
        Ok(rows
            .into_iter()
            .map(|(place_id, code, name_fa, program_id, waiting, sum, earliest)| WaitingRow {
                place_id,
                code,
                name_fa,
                program_id,
                waiting,
                mean_days: if waiting > 0 { (now - sum / waiting).max(0) / MICROS_A_DAY } else { 0 },
                longest_days: (now - earliest).max(0) / MICROS_A_DAY,
            })
            .collect())
    }

    /// Budget execution of a Jalali year in an area, from the ledger: the
    /// programs' appropriations and expense per province, last year's expense,
    /// and the months' totals. Counted per province (the ledger's finest place):
    /// a county's planner sees their province.
    pub async fn planning_budget(&self, actor: &Actor, place: Option<i64>, year: i64) -> Result<Budget> {
        let area = self.planning_area(actor, place).await?;
        if !(1300..=1500).contains(&year) {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new(
                "year",
                tavana_domain::error::Reason::OutOfRange,
            )));
        }
        let province = match area.level {
            Level::Country => None,
            Level::Province => area.place_id,
            Level::County => {
                let id = area.place_id.unwrap_or(0);
                on_pool!(self, |c| sqlx::query_scalar("SELECT province_id FROM places WHERE id = $1")
                    .bind(id)
                    .fetch_one(c)
                    .await)?
            }
        };
        let mut sql = Sql::new(
            "SELECT t.program_id, g.name_fa, t.province_id, r.name_fa, \
             CAST(-SUM(CASE WHEN t.account = 'appropriation' AND t.month / 100 = ",
        );
        sql.bind_int(year)
            .push(" THEN t.rials ELSE 0 END) AS BIGINT), CAST(SUM(CASE WHEN t.account = 'program_expense' AND t.month / 100 = ")
            .bind_int(year)
            .push(" THEN t.rials ELSE 0 END) AS BIGINT), CAST(SUM(CASE WHEN t.account = 'program_expense' AND t.month / 100 = ")
            .bind_int(year - 1)
            .push(
                " THEN t.rials ELSE 0 END) AS BIGINT) FROM ledger_postings t JOIN programs g ON g.id = t.program_id \
                 JOIN places r ON r.id = t.province_id WHERE t.account IN ('appropriation', 'program_expense') \
                 AND t.month >= ",
            )
            .bind_int((year - 1) * 100)
            .push(" AND t.month < ")
            .bind_int((year + 1) * 100);
        if let Some(p) = province {
            sql.push(" AND t.province_id = ").bind_int(p);
        }
        sql.push(" GROUP BY t.program_id, g.name_fa, t.province_id, r.name_fa ORDER BY t.program_id, r.name_fa");
        let rows: Vec<(i64, String, i64, String, i64, i64, i64)> =
            on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        let rows: Vec<BudgetRow> = rows
            .into_iter()
            .filter(|r| r.4 != 0 || r.5 != 0 || r.6 != 0)
            .map(|(program_id, program_fa, province_id, province_fa, allocated, spent, spent_before)| BudgetRow {
                program_id,
                program_fa,
                province_id,
                province_fa,
                allocated,
                spent,
                spent_before,
            })
            .collect();
        let mut by_month = Sql::new(
            "SELECT t.month % 100, CAST(-SUM(CASE WHEN t.account = 'appropriation' THEN t.rials ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN t.account = 'program_expense' THEN t.rials ELSE 0 END) AS BIGINT) \
             FROM ledger_postings t WHERE t.account IN ('appropriation', 'program_expense') AND t.program_id IS NOT NULL \
             AND t.month >= ",
        );
        by_month.bind_int(year * 100).push(" AND t.month < ").bind_int((year + 1) * 100);
        if let Some(p) = province {
            by_month.push(" AND t.province_id = ").bind_int(p);
        }
        by_month.push(" GROUP BY t.month % 100");
        let found: Vec<(i64, i64, i64)> = on_pool!(self, |c| by_month.builder().build_query_as().fetch_all(c).await)?;
        let mut months: Vec<MonthBudget> =
            (1..=12).map(|month| MonthBudget { month, allocated: 0, spent: 0 }).collect();
        for (m, allocated, spent) in found {
            if let Some(slot) = usize::try_from(m - 1).ok().and_then(|i| months.get_mut(i)) {
                *slot = MonthBudget { month: m, allocated, spent };
            }
        }
        Ok(Budget { area, year, rows, months })
    }

    /// Every program's effectiveness in an area: exits by reason, the mean time
    /// on the program of those who exited, the share of exits that left need,
    /// and next year's projection from the last [`MONTHS`] months.
    pub async fn effectiveness(&self, actor: &Actor, place: Option<i64>) -> Result<Effectiveness> {
        require(actor, OPEN)?;
        let trend = self.planning_trend(actor, place).await?;
        let offices = trend.area.offices();
        // Exits of beneficiaries by reason, and the time on the program of those
        // that had come into force, from their tallies.
        let mut exits = Sql::new(
            "SELECT m.program_id, CAST(SUM(m.exits_work) AS BIGINT), CAST(SUM(m.exits_empowerment) AS BIGINT), \
             CAST(SUM(m.exits_death) AS BIGINT), CAST(SUM(m.exits_other) AS BIGINT), \
             CAST(SUM(m.exits_unexplained) AS BIGINT), CAST(SUM(m.timed_exits) AS BIGINT), \
             CAST(SUM(m.timed_micros) AS BIGINT) FROM enrollment_moves m JOIN org_units o ON o.id = m.unit_id WHERE ",
        );
        exits.append(&offices).push(" GROUP BY m.program_id");
        /// Program, exits for work, empowerment, death, other, unexplained;
        /// those timed and their time.
        type ExitRow = (i64, i64, i64, i64, i64, i64, i64, i64);
        let exits: HashMap<i64, ExitRow> =
            on_pool!(self, |c| exits.builder().build_query_as::<ExitRow>().fetch_all(c).await)?
                .into_iter()
                .map(|row| (row.0, row))
                .collect();
        // Summed per office and program in the index's order (no sort of the
        // millions of rows a country has), then per program here; the
        // country's offices are every office, so it asks no office of a row.
        let mut amounts = Sql::new(
            "SELECT e.program_id, CAST(SUM(e.amount_rials) AS BIGINT), CAST(COUNT(e.amount_rials) AS BIGINT) \
             FROM enrollments e WHERE e.state = 'enrolled'",
        );
        if trend.area.level != Level::Country {
            amounts.push(" AND e.unit_id IN (SELECT o.id FROM org_units o WHERE ").append(&offices).push(")");
        }
        amounts.push(" GROUP BY e.unit_id, e.program_id");
        let mut sums: HashMap<i64, (i64, i64)> = HashMap::new();
        for (program, sum, count) in
            on_pool!(self, |c| amounts.builder().build_query_as::<(i64, Option<i64>, i64)>().fetch_all(c).await)?
        {
            let slot = sums.entry(program).or_default();
            slot.0 += sum.unwrap_or(0);
            slot.1 += count;
        }
        let amounts: HashMap<i64, i64> = sums
            .into_iter()
            .filter(|(_, (_, count))| *count > 0)
            .map(|(program, (sum, count))| (program, sum / count))
            .collect();
        let programs = trend
            .programs
            .iter()
            .enumerate()
            .map(|(p, program)| {
                let (_, work, empowerment, death, other, unexplained, count, micros) =
                    exits.get(&program.id).copied().unwrap_or_default();
                let by_reason: Vec<ExitCount> = ExitReason::ALL
                    .iter()
                    .map(|r| ExitCount {
                        reason: *r,
                        exits: match r {
                            ExitReason::Work => work,
                            ExitReason::Empowerment => empowerment,
                            ExitReason::Death => death,
                            ExitReason::Other => other,
                        },
                    })
                    .collect();
                let explained: i64 = by_reason.iter().map(|r| r.exits).sum();
                let left_need: i64 = by_reason.iter().filter(|r| r.reason.leaves_need()).map(|r| r.exits).sum();
                let assumptions = Assumptions {
                    beneficiaries: trend.beneficiaries[p][MONTHS - 1],
                    entries: trend.entries[p].iter().sum(),
                    exits: trend.exits[p].iter().sum(),
                    months: MONTHS as i64,
                    monthly_rials: amounts.get(&program.id).copied().unwrap_or(0),
                };
                Effect {
                    program: program.clone(),
                    exits: by_reason,
                    exits_unexplained: unexplained,
                    mean_days_on_program: (count > 0).then(|| micros / count / MICROS_A_DAY),
                    left_need_per_mille: tavana_domain::planning::per_mille(left_need, explained),
                    projection: project(assumptions),
                }
            })
            .collect();
        Ok(Effectiveness { area: trend.area, programs })
    }
}
