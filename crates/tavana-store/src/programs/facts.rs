//! Household facts: the aggregates eligibility reads per household (living
//! members, members with a disability or a severe one, reassessments due, a
//! female head, income and adults whose income is missing), kept in
//! `household_facts` so that a rule over the whole registry reads one row a
//! household instead of grouping every person again.
//!
//! They are kept up to date in the transaction of every registry change: each
//! change emits an event naming its persons and households ([`WriteTx::emit`]),
//! and emitting recounts those households first, from the same SQL a recount
//! uses ([`household_aggregate`]). Counts are as of the day they were made and
//! name the first day the passing of days may change them; a rule as of a day
//! they do not hold recounts those households only. A bulk load into an empty
//! registry marks the facts incomplete, and rules recount everything until it
//! fills them once at its end (or the store, opening, does).

use super::eligibility::{AsOf, FACT_COLUMNS, Facts, Members, holds, household_aggregate};
use crate::Result;
use crate::db::{Store, WriteTx};
use crate::sql::Sql;
use tavana_domain::jalali::JalaliDate;

/// Households recounted a statement.
const CHUNK: usize = 2_000;

/// Whether the facts are complete (1) or a bulk load is filling them (0).
const COMPLETE: &str = "SELECT complete FROM household_facts_state WHERE id = 1";

impl Store {
    /// The day a rule is decided as of, with the source of its household
    /// aggregates: the maintained facts once they are complete.
    pub(crate) async fn as_of(&self, day: JalaliDate) -> Result<AsOf> {
        let complete: i64 = on_pool!(self, |c| sqlx::query_scalar(COMPLETE).fetch_one(c).await)?;
        Ok(AsOf::new(day, if complete == 1 { Facts::Maintained } else { Facts::Recount }))
    }

    /// Counts every household's facts again, as of today, and marks them
    /// complete: when the store opens with them incomplete (the first start, a
    /// bulk load cut short) and at the end of a bulk load. With them complete,
    /// recounts only the households whose facts no longer hold today. A cache of
    /// what the registry says, so written outside the audit chain, like an index.
    /// Returns the households counted.
    pub async fn fill_household_facts(&self) -> Result<u64> {
        let at = AsOf::new(JalaliDate::from_gregorian(self.today())?, Facts::Maintained);
        let complete: i64 = on_writer!(self, |c| sqlx::query_scalar(COMPLETE).fetch_one(c).await)?;
        let mut statements = if complete == 1 {
            let mut stale = Sql::new("SELECT household_id FROM household_facts f WHERE NOT ");
            stale.append(&holds(&at, "f")).push(" ORDER BY household_id");
            let ids: Vec<i64> = on_writer!(self, |c| stale.builder().build_query_scalar().fetch_all(c).await)?;
            ids.chunks(CHUNK).flat_map(|chunk| recount(&at, Members::Of(chunk.to_vec()), self.backend())).collect()
        } else {
            recount(&at, Members::All, self.backend())
        };
        statements.push(Recount::Done(Sql::new("UPDATE household_facts_state SET complete = 1 WHERE id = 1")));
        let written = on_writer!(self, |pool| {
            let mut tx = pool.begin().await?;
            // Queued with the writers (their first statement takes this row), so
            // no change recounts the same households meanwhile.
            sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1").execute(&mut *tx).await?;
            let mut counted = 0;
            for statement in &statements {
                let rows = statement.sql().builder().build().execute(&mut *tx).await?.rows_affected();
                if let Recount::Count(_) = statement {
                    counted += rows;
                }
            }
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(counted)
        })?;
        Ok(written)
    }

    /// Counts every household's facts again from the registry, as the end of a
    /// bulk load does. Returns the households counted.
    pub async fn recount_household_facts(&self) -> Result<u64> {
        self.household_facts_incomplete().await?;
        self.fill_household_facts().await
    }

    /// Marks the facts incomplete: a bulk load fills them at its end.
    pub(crate) async fn household_facts_incomplete(&self) -> Result<()> {
        on_writer!(self, |c| sqlx::query("UPDATE household_facts_state SET complete = 0 WHERE id = 1")
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }
}

impl WriteTx {
    /// Recounts the facts of the households of these persons and of these
    /// households, as of today, in this transaction. Nothing while a bulk load
    /// fills them at its end.
    pub(crate) async fn refresh_household_facts(&mut self, persons: &[i64], households: &[i64]) -> Result<()> {
        if persons.is_empty() && households.is_empty() {
            return Ok(());
        }
        let complete: i64 = on_tx!(self, |c| sqlx::query_scalar(COMPLETE).fetch_one(c).await)?;
        if complete != 1 {
            return Ok(());
        }
        let mut ids: Vec<i64> = households.to_vec();
        let mut persons = persons.to_vec();
        persons.sort_unstable();
        persons.dedup();
        for chunk in persons.chunks(CHUNK) {
            let mut q = Sql::new("SELECT DISTINCT household_id FROM persons WHERE id IN ");
            q.bind_ids(chunk);
            let found: Vec<i64> = on_tx!(self, |c| q.builder().build_query_scalar().fetch_all(c).await)?;
            ids.extend(found);
        }
        ids.sort_unstable();
        ids.dedup();
        let at = AsOf::new(JalaliDate::from_gregorian(self.store.today())?, Facts::Recount);
        let backend = self.store.backend();
        for chunk in ids.chunks(CHUNK) {
            for statement in recount(&at, Members::Of(chunk.to_vec()), backend) {
                let sql = statement.sql();
                on_tx!(self, |c| sql.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
            }
        }
        Ok(())
    }
}

/// A statement of a recount.
enum Recount {
    /// Clears the rows the recount replaces.
    Clear(Sql),
    /// Inserts the rows counted (their number is what was counted).
    Count(Sql),
    /// Keeps `place_facts`, the sums per place, in step.
    Places(Sql),
    /// Marks the facts complete.
    Done(Sql),
}

impl Recount {
    fn sql(&self) -> &Sql {
        match self {
            Recount::Clear(sql) | Recount::Count(sql) | Recount::Places(sql) | Recount::Done(sql) => sql,
        }
    }
}

/// The sums `place_facts` keeps, per place, over the facts chosen by `filter`.
fn place_sums(filter: &Sql) -> Sql {
    let mut sql = Sql::new(
        "SELECT place_id, COUNT(*) AS households, CAST(SUM(members) AS BIGINT) AS members, \
         CAST(SUM(with_disability) AS BIGINT) AS with_disability, CAST(SUM(with_severe) AS BIGINT) AS with_severe \
         FROM household_facts WHERE place_id IS NOT NULL",
    );
    sql.append(filter).push(" GROUP BY place_id");
    sql
}

/// The statements recounting some households' facts as of a day: their rows
/// taken off their places' sums, cleared, counted again (households without
/// living members get none) with the place each lives in now, and added to its
/// place's sums. A recount of every household counts every place's sums again.
fn recount(at: &AsOf, members: Members, backend: crate::Backend) -> Vec<Recount> {
    let mut clear = Sql::new("DELETE FROM household_facts");
    let mut filter = Sql::new("");
    if let Members::Of(ids) = &members {
        clear.push(" WHERE household_id IN ").bind_ids(ids);
        filter.push(" AND household_id IN ").bind_ids(ids);
    }
    let mut insert = Sql::new(&format!(
        "INSERT INTO household_facts ({FACT_COLUMNS}, changes_on, since_on, computed_on, place_id) SELECT a.*, "
    ));
    insert
        .bind_str(at.iso())
        .push(", (SELECT h.place_id FROM households h WHERE h.id = a.household_id) FROM (")
        .append(&household_aggregate(at, &members, Some(backend)))
        .push(") a");
    let columns = "households, members, with_disability, with_severe";
    let mut add = Sql::new(&format!("INSERT INTO place_facts (place_id, {columns}) "));
    add.append(&place_sums(&filter));
    match members {
        Members::Of(_) => {
            let mut take = Sql::new(
                "UPDATE place_facts SET households = place_facts.households - d.households, \
                 members = place_facts.members - d.members, \
                 with_disability = place_facts.with_disability - d.with_disability, \
                 with_severe = place_facts.with_severe - d.with_severe FROM (",
            );
            take.append(&place_sums(&filter)).push(") d WHERE place_facts.place_id = d.place_id");
            add.push(
                " ON CONFLICT (place_id) DO UPDATE SET households = place_facts.households + excluded.households, \
                 members = place_facts.members + excluded.members, \
                 with_disability = place_facts.with_disability + excluded.with_disability, \
                 with_severe = place_facts.with_severe + excluded.with_severe",
            );
            vec![Recount::Places(take), Recount::Clear(clear), Recount::Count(insert), Recount::Places(add)]
        }
        _ => vec![
            Recount::Clear(clear),
            Recount::Count(insert),
            Recount::Places(Sql::new("DELETE FROM place_facts")),
            Recount::Places(add),
        ],
    }
}

impl Store {
    /// The households whose maintained facts, where they hold today, differ from
    /// a recount of the registry as of today (or that a recount has and the facts
    /// lack, or the reverse): none, unless a change reached the registry without
    /// its event. At most `limit`, by id.
    pub async fn household_facts_mismatches(&self, limit: i64) -> Result<Vec<i64>> {
        let at = AsOf::new(JalaliDate::from_gregorian(self.today())?, Facts::Maintained);
        let mut sql = Sql::new(&format!("WITH f AS (SELECT {FACT_COLUMNS} FROM household_facts h WHERE "));
        sql.append(&holds(&at, "h"))
            .push("), r AS (")
            .append(&household_aggregate(&at, &Members::All, None))
            .push(
                "), d AS (SELECT * FROM r WHERE r.household_id IN (SELECT household_id FROM f) EXCEPT SELECT * FROM f) \
                 SELECT household_id FROM d \
                 UNION SELECT x.household_id FROM f x WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.household_id = x.household_id) \
                 UNION SELECT y.household_id FROM r y WHERE NOT EXISTS (SELECT 1 FROM household_facts z \
                 WHERE z.household_id = y.household_id) ORDER BY household_id LIMIT ",
            )
            .bind_int(limit);
        let ids = on_pool!(self, |c| sql.builder().build_query_scalar().fetch_all(c).await)?;
        Ok(ids)
    }
}

impl Store {
    /// The places whose kept sums (`place_facts`) differ from the household
    /// facts of the households living there now: none, unless a change reached
    /// the registry without its event. At most `limit`, by id.
    pub async fn place_facts_mismatches(&self, limit: i64) -> Result<Vec<i64>> {
        let mut sql = Sql::new(
            "WITH r AS (SELECT h.place_id, COUNT(*) AS households, CAST(SUM(f.members) AS BIGINT) AS members, \
             CAST(SUM(f.with_disability) AS BIGINT) AS with_disability, CAST(SUM(f.with_severe) AS BIGINT) AS with_severe \
             FROM household_facts f JOIN households h ON h.id = f.household_id GROUP BY h.place_id), \
             k AS (SELECT place_id, households, members, with_disability, with_severe FROM place_facts WHERE households <> 0 \
             OR members <> 0 OR with_disability <> 0 OR with_severe <> 0) \
             SELECT place_id FROM (SELECT * FROM r EXCEPT SELECT * FROM k) a \
             UNION SELECT place_id FROM (SELECT * FROM k EXCEPT SELECT * FROM r) b ORDER BY place_id LIMIT ",
        );
        sql.bind_int(limit);
        let ids = on_pool!(self, |c| sql.builder().build_query_scalar().fetch_all(c).await)?;
        Ok(ids)
    }
}
