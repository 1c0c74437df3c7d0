//! The moves of enrollments per Jalali month, county office and program
//! (`enrollment_moves`): entries into force and leaves, the waiting list's
//! comings and goings, and exits by reason with their time on the program.
//! The trends and effectiveness read it instead of a year of decisions.
//!
//! One count decides what a move is ([`by_day`], over decisions): every path
//! that writes decisions tallies what it wrote with it, in its transaction (a
//! decision made one at a time, a confirmation's thousands in one grouped
//! statement); a transfer of enrollments to another office takes their moves
//! with them ([`transfer`]), so an office's history adds up to what it serves
//! today. [`Store::enrollment_moves_mismatches`] recounts it all.

use crate::Result;
use crate::db::{Store, WriteTx};
use crate::sql::Sql;
use std::collections::BTreeMap;
use tavana_domain::jalali::JalaliDate;

/// How far Iran's days begin before UTC's.
const TEHRAN_MICROS: i64 = tavana_domain::jalali::TEHRAN.whole_seconds() as i64 * 1_000_000;
pub(crate) const MICROS_A_DAY: i64 = 86_400_000_000;
/// The Julian day of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;
/// Groups written in one statement.
const ROWS_A_STATEMENT: usize = 500;

/// The counted columns, in the order of [`Moves`].
const COLUMNS: [&str; 11] = [
    "entries",
    "leaves",
    "into_waiting",
    "out_of_waiting",
    "exits_work",
    "exits_empowerment",
    "exits_death",
    "exits_other",
    "exits_unexplained",
    "timed_exits",
    "timed_micros",
];

/// The counts of one month, office and program, as [`COLUMNS`] name them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Moves(pub [i64; 11]);

impl Moves {
    /// Entries into force less leaves: what these moves add to the
    /// enrollments in force.
    fn net_in_force(&self) -> i64 {
        self.0[0] - self.0[1]
    }

    /// Comings onto the waiting list less goings: what they add to it.
    fn net_waiting(&self) -> i64 {
        self.0[2] - self.0[3]
    }
}

/// A month (`yyyymm`, Jalali), a county office, a program.
pub(crate) type Key = (i64, i64, i64);

/// The Jalali month (`yyyymm`) of a day counted from 1970-01-01.
fn month_of_day(day: i64) -> Result<i64> {
    let julian = i32::try_from(day + UNIX_EPOCH_JULIAN_DAY)
        .map_err(|_| crate::StoreError::Corrupt(format!("decision day {day} out of range")))?;
    let date = time::Date::from_julian_day(julian)
        .map_err(|_| crate::StoreError::Corrupt(format!("decision day {day} out of range")))?;
    let jalali = JalaliDate::from_gregorian(date)?;
    Ok(i64::from(jalali.year()) * 100 + i64::from(jalali.month()))
}

/// The moves made by the decisions `filter` (over `d`, a decision, and `e`,
/// its enrollment) keeps, per day in Tehran, the enrollment's office and
/// program: the one definition of what each column counts.
fn by_day(filter: &Sql) -> Sql {
    let exit = "d.to_state = 'exited' AND d.from_state IN ('enrolled', 'paused')";
    let first = "(SELECT MIN(f.decided_at) FROM decisions f WHERE f.enrollment_id = d.enrollment_id \
                 AND f.to_state = 'enrolled')";
    let count = |condition: &str| format!("CAST(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS BIGINT)");
    let reason = |code: &str| count(&format!("{exit} AND d.exit_reason = '{code}'"));
    let columns = [
        count("d.to_state = 'enrolled'"),
        count("d.from_state = 'enrolled'"),
        count("d.to_state = 'draft'"),
        count("d.from_state = 'draft'"),
        reason("work"),
        reason("empowerment"),
        reason("death"),
        reason("other"),
        count(&format!("{exit} AND d.exit_reason IS NULL")),
        count(&format!("{exit} AND {first} IS NOT NULL")),
        format!("CAST(COALESCE(SUM(CASE WHEN {exit} THEN d.decided_at - {first} END), 0) AS BIGINT)"),
    ];
    let mut sql = Sql::new(&format!(
        "SELECT CAST((d.decided_at + {TEHRAN_MICROS}) / {MICROS_A_DAY} AS BIGINT) AS on_day, e.unit_id, d.program_id, {} \
         FROM decisions d JOIN enrollments e ON e.id = d.enrollment_id WHERE ",
        columns.join(", ")
    ));
    sql.append(filter).push(" GROUP BY on_day, e.unit_id, d.program_id");
    sql
}

type DayRow = (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);

/// Days' rows summed into their months.
fn into_months(rows: Vec<DayRow>) -> Result<BTreeMap<Key, Moves>> {
    let mut months: BTreeMap<Key, Moves> = BTreeMap::new();
    for (day, unit, program, a, b, c, d, e, f, g, h, i, j, k) in rows {
        let slot = months.entry((month_of_day(day)?, unit, program)).or_default();
        for (sum, n) in slot.0.iter_mut().zip([a, b, c, d, e, f, g, h, i, j, k]) {
            *sum += n;
        }
    }
    // Decisions that move nothing counted (a refusal) leave no group.
    months.retain(|_, moves| *moves != Moves::default());
    Ok(months)
}

/// The statements adding `sign` times these moves to `enrollment_moves`.
fn upserts(moves: &BTreeMap<Key, Moves>, sign: i64) -> Vec<Sql> {
    let entries: Vec<_> = moves.iter().collect();
    let set: Vec<String> = COLUMNS.iter().map(|c| format!("{c} = enrollment_moves.{c} + excluded.{c}")).collect();
    entries
        .chunks(ROWS_A_STATEMENT)
        .map(|chunk| {
            let mut sql = Sql::new(&format!(
                "INSERT INTO enrollment_moves (month, unit_id, program_id, {}) VALUES ",
                COLUMNS.join(", ")
            ));
            for (i, ((month, unit, program), counts)) in chunk.iter().enumerate() {
                sql.push(if i == 0 { "(" } else { ", (" });
                sql.bind_int(*month).push(", ").bind_int(*unit).push(", ").bind_int(*program);
                for n in counts.0 {
                    sql.push(", ").bind_int(sign * n);
                }
                sql.push(")");
            }
            sql.push(&format!(" ON CONFLICT (month, unit_id, program_id) DO UPDATE SET {}", set.join(", ")));
            sql
        })
        .collect()
}

impl WriteTx {
    /// The moves of the decisions `filter` keeps, as the transaction sees them.
    async fn moves_of(&mut self, filter: &Sql) -> Result<Vec<DayRow>> {
        let sql = by_day(filter);
        Ok(on_tx!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?)
    }

    /// The moves of these enrollments' decisions.
    async fn moves_of_enrollments(&mut self, enrollments: &[i64]) -> Result<BTreeMap<Key, Moves>> {
        let mut rows = Vec::new();
        for chunk in enrollments.chunks(1_000) {
            let mut filter = Sql::new("d.enrollment_id IN ");
            filter.bind_ids(chunk);
            rows.extend(self.moves_of(&filter).await?);
        }
        into_months(rows)
    }

    async fn add_moves(&mut self, moves: &BTreeMap<Key, Moves>, sign: i64) -> Result<()> {
        for sql in upserts(moves, sign) {
            on_tx!(self, |c| sql.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
        }
        Ok(())
    }

    /// Tallies the decisions just written that `filter` keeps (over `d` and
    /// `e`), in this transaction.
    pub(crate) async fn tally_decisions(&mut self, filter: &Sql) -> Result<()> {
        let rows = self.moves_of(filter).await?;
        self.add_moves(&into_months(rows)?, 1).await
    }
}

/// Moves the tallies of these enrollments' decisions to the office each
/// enrollment has after `change` (which moves them between offices) runs: taken
/// off before, added back after, in the same transaction.
pub(crate) async fn transfer<T>(
    tx: &mut WriteTx,
    enrollments: &[i64],
    change: impl AsyncFnOnce(&mut WriteTx) -> Result<T>,
) -> Result<T> {
    let before = tx.moves_of_enrollments(enrollments).await?;
    tx.add_moves(&before, -1).await?;
    let done = change(tx).await?;
    let after = tx.moves_of_enrollments(enrollments).await?;
    tx.add_moves(&after, 1).await?;
    Ok(done)
}

impl Store {
    /// Counts `enrollment_moves` from the decisions when the store opens with it
    /// empty and decisions recorded (a database older than the table). A cache of
    /// what the decisions say, so written outside the audit chain, like an
    /// index. Returns the groups written.
    pub async fn fill_enrollment_moves(&self) -> Result<usize> {
        let empty: Option<i64> =
            on_writer!(self, |c| sqlx::query_scalar("SELECT month FROM enrollment_moves LIMIT 1")
                .fetch_optional(c)
                .await)?;
        let decided: Option<i64> =
            on_writer!(self, |c| sqlx::query_scalar("SELECT id FROM decisions LIMIT 1").fetch_optional(c).await)?;
        if empty.is_some() || decided.is_none() {
            return Ok(0);
        }
        let count = by_day(&Sql::new("1 = 1"));
        let written = on_writer!(self, |pool| {
            let mut tx = pool.begin().await?;
            // Queued with the writers, so no decision is tallied meanwhile.
            sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1").execute(&mut *tx).await?;
            let rows: Vec<DayRow> = count.builder().build_query_as().fetch_all(&mut *tx).await?;
            let moves = match into_months(rows) {
                Ok(moves) => moves,
                Err(e) => return Err(e),
            };
            for sql in upserts(&moves, 1) {
                sql.builder().build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<usize, sqlx::Error>(moves.len())
        })?;
        Ok(written)
    }

    /// The groups (month, office, program) where `enrollment_moves` differs from
    /// a recount of every decision, and (month 0) the offices and programs whose
    /// moves ever do not add up to the enrollments in force and waiting today;
    /// empty when it holds.
    pub async fn enrollment_moves_mismatches(&self) -> Result<Vec<(i64, i64, i64)>> {
        let count = by_day(&Sql::new("1 = 1"));
        let rows: Vec<DayRow> = on_pool!(self, |c| count.builder().build_query_as().fetch_all(c).await)?;
        let recount = into_months(rows)?;
        let kept =
            Sql::new(&format!("SELECT month, unit_id, program_id, {} FROM enrollment_moves", COLUMNS.join(", ")));
        type KeptRow = (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64);
        let kept: Vec<KeptRow> = on_pool!(self, |c| kept.builder().build_query_as().fetch_all(c).await)?;
        let kept: BTreeMap<Key, Moves> = kept
            .into_iter()
            .map(|(m, u, p, a, b, c, d, e, f, g, h, i, j, k)| ((m, u, p), Moves([a, b, c, d, e, f, g, h, i, j, k])))
            .filter(|(_, moves)| *moves != Moves::default())
            .collect();
        let mut keys: Vec<Key> = kept.keys().chain(recount.keys()).copied().collect();
        keys.sort_unstable();
        keys.dedup();
        let mut wrong: Vec<Key> = keys.into_iter().filter(|k| kept.get(k) != recount.get(k)).collect();
        // Every move ever is what is in force and waiting today, per office
        // and program (month 0 names these).
        let mut today: BTreeMap<(i64, i64), (i64, i64)> = BTreeMap::new();
        for ((_, unit, program), m) in &kept {
            let slot = today.entry((*unit, *program)).or_default();
            slot.0 += m.net_in_force();
            slot.1 += m.net_waiting();
        }
        let counted: Vec<(i64, i64, i64, i64)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT unit_id, program_id, CAST(SUM(CASE WHEN state = 'enrolled' THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN state = 'draft' THEN 1 ELSE 0 END) AS BIGINT) FROM enrollments \
             WHERE state IN ('enrolled', 'draft') GROUP BY unit_id, program_id"
        )
        .fetch_all(c)
        .await)?;
        let counted: BTreeMap<(i64, i64), (i64, i64)> =
            counted.into_iter().map(|(u, p, enrolled, draft)| ((u, p), (enrolled, draft))).collect();
        for key in today.keys().chain(counted.keys()) {
            let (a, b) = (today.get(key).copied().unwrap_or_default(), counted.get(key).copied().unwrap_or_default());
            if a != b {
                wrong.push((0, key.0, key.1));
            }
        }
        wrong.sort_unstable();
        wrong.dedup();
        Ok(wrong)
    }
}
