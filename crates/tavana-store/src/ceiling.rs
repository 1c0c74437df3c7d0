//! The machine's own ceilings, for `tavana bench`: the same work done the plainest
//! way the backend allows, measured in the same run, so that each of Tavana's
//! figures is read beside what the database itself does on this machine (machines
//! differ by twice and more; a ratio travels, a figure alone does not).
//!
//! Only for a benchmark's own database: the bare load creates and drops a table of
//! its own, outside the audit chain.

use crate::db::Pool;
use crate::sql::Sql;
use crate::{Result, Store, StoreError};
use tavana_domain::jalali::JalaliDate;

/// The table a bare load fills, created and dropped by it.
const BARE: &str = "bench_bare_load";

/// Rows a bare insert statement carries on SQLite.
const ROWS_PER_INSERT: usize = 500;

impl Store {
    /// Loads a CSV file's rows, every field as text, into a new table without an
    /// index or a constraint, and drops it: on SQLite multi-row INSERTs of one
    /// prepared statement in one transaction, on PostgreSQL COPY. Returns the rows
    /// loaded.
    pub async fn ceiling_bare_load(&self, path: &std::path::Path) -> Result<u64> {
        let io = |e: std::io::Error| StoreError::Corrupt(format!("{}: {e}", path.display()));
        let mut reader = csv::Reader::from_path(path).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let width = reader.byte_headers().map_err(|e| StoreError::Corrupt(e.to_string()))?.len();
        let columns: Vec<String> = (0..width).map(|i| format!("c{i} TEXT")).collect();
        let create = format!("CREATE TABLE {BARE} ({})", columns.join(", "));
        let drop = format!("DROP TABLE IF EXISTS {BARE}");
        on_writer!(self, |c| sqlx::raw_sql(&drop).execute(c).await.map(|r| r.rows_affected()))?;
        on_writer!(self, |c| sqlx::raw_sql(&create).execute(c).await.map(|r| r.rows_affected()))?;
        let rows = match &*self.writer {
            Pool::Postgres(pool) => {
                use tokio::io::AsyncReadExt;
                let mut conn = pool.acquire().await?;
                let mut copy =
                    conn.copy_in_raw(&format!("COPY {BARE} FROM STDIN WITH (FORMAT csv, HEADER true)")).await?;
                let mut file = tokio::fs::File::open(path).await.map_err(io)?;
                let mut buffer = vec![0u8; 1 << 20];
                loop {
                    let n = file.read(&mut buffer).await.map_err(io)?;
                    if n == 0 {
                        break;
                    }
                    copy.send(&buffer[..n]).await?;
                }
                copy.finish().await?
            }
            Pool::Sqlite(pool) => {
                let one = format!("({})", vec!["?"; width].join(", "));
                let full = format!("INSERT INTO {BARE} VALUES {}", vec![one.as_str(); ROWS_PER_INSERT].join(", "));
                let mut tx = pool.begin().await?;
                let mut batch: Vec<csv::ByteRecord> = Vec::with_capacity(ROWS_PER_INSERT);
                let mut rows = 0u64;
                let mut records = reader.byte_records();
                loop {
                    batch.clear();
                    for record in records.by_ref().take(ROWS_PER_INSERT) {
                        batch.push(record.map_err(|e| StoreError::Corrupt(e.to_string()))?);
                    }
                    if batch.is_empty() {
                        break;
                    }
                    // The last, shorter batch has a statement of its own.
                    let last;
                    let sql = if batch.len() == ROWS_PER_INSERT {
                        &full
                    } else {
                        last = format!("INSERT INTO {BARE} VALUES {}", vec![one.as_str(); batch.len()].join(", "));
                        &last
                    };
                    let mut query = sqlx::query(sql);
                    for record in &batch {
                        for i in 0..width {
                            query = query.bind(record.get(i).map(|f| String::from_utf8_lossy(f).into_owned()));
                        }
                    }
                    rows += query.execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
                rows
            }
        };
        on_writer!(self, |c| sqlx::raw_sql(&drop).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(rows)
    }

    /// The demo pension's rule written by hand in SQL, as a database engineer
    /// would: the living heads of households with a member whose current
    /// assessment is severe or very severe and an income decile of 4 or less, as
    /// of a day. Returns how many, and their monthly amounts summed (the demo
    /// formula), to check against Tavana's compiled rule as well as time.
    pub async fn ceiling_pension(&self, as_of: JalaliDate) -> Result<(i64, i64)> {
        let day = as_of.to_gregorian().to_string();
        let mut sql = Sql::new(
            "WITH sev AS (SELECT DISTINCT d.person_id FROM disabilities d WHERE d.severity IN ('severe', 'very_severe') \
             AND d.assessed_on <= ",
        );
        sql.bind_str(&day)
            .push(" AND (d.valid_until IS NULL OR d.valid_until >= ")
            .bind_str(&day)
            .push(
                ") AND NOT EXISTS (SELECT 1 FROM disabilities n WHERE n.person_id = d.person_id AND n.kind = d.kind \
                 AND n.assessed_on > d.assessed_on AND n.assessed_on <= ",
            )
            .bind_str(&day)
            .push(
                ")), hh AS (SELECT m.household_id, COUNT(*) AS members, \
                 SUM(CASE WHEN sev.person_id IS NULL THEN 0 ELSE 1 END) AS severe FROM persons m \
                 LEFT JOIN sev ON sev.person_id = m.id WHERE m.merged_into IS NULL AND (m.deceased_on IS NULL \
                 OR m.deceased_on > ",
            )
            .bind_str(&day)
            .push(
                ") GROUP BY m.household_id) SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(20000000 + 5000000 * \
                 CASE WHEN hh.members < 5 THEN hh.members ELSE 5 END + 10000000 * hh.severe), 0) AS BIGINT) \
                 FROM persons s JOIN hh ON hh.household_id = s.household_id WHERE s.relationship = 'head' \
                 AND s.merged_into IS NULL AND s.income_decile BETWEEN 1 AND 4 AND hh.severe >= 1 \
                 AND (s.deceased_on IS NULL OR s.deceased_on > ",
            )
            .bind_str(&day)
            .push(")");
        // With the same connections and settings as the compiled rule's bounded read.
        let counted = on_bounded!(self, |c| sql.builder().build_query_as::<(i64, i64)>().fetch_one(c).await)?;
        Ok(counted)
    }

    /// The raw group-bys the planning centre's figures are read beside: the
    /// living persons of every household counted per province (what coverage
    /// would count without `place_facts`), the enrollments per county office and
    /// state, and the ledger's postings per program and province. Returns the
    /// seconds each took, in that order.
    pub async fn ceiling_group_bys(&self) -> Result<[f64; 3]> {
        let queries = [
            "SELECT h.place_id, COUNT(*) FROM persons s JOIN households h ON h.id = s.household_id \
             WHERE s.deceased_on IS NULL GROUP BY h.place_id",
            "SELECT unit_id, state, COUNT(*) FROM enrollments GROUP BY unit_id, state",
            "SELECT program_id, province_id, CAST(SUM(rials) AS BIGINT) FROM ledger_postings GROUP BY program_id, province_id",
        ];
        let mut seconds = [0.0; 3];
        for (i, query) in queries.iter().enumerate() {
            let started = std::time::Instant::now();
            on_bounded!(self, |c| sqlx::raw_sql(query).execute(c).await.map(|r| r.rows_affected()))?;
            seconds[i] = started.elapsed().as_secs_f64();
        }
        Ok(seconds)
    }
}
