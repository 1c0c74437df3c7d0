//! Reads whose work a request sets (a rule over every person, a simulation, an
//! export) run bounded: they stop at the store's time limit, and they stop as soon
//! as nobody waits for them any more (the client went away and the server dropped
//! the request's future).
//!
//! On SQLite a progress handler checks the deadline and a cancel flag every few
//! thousand virtual-machine steps; on PostgreSQL the session's `statement_timeout`
//! is the deadline and `pg_cancel_backend` the cancel. A read stopped on the
//! caller's behalf closes its connection rather than return it to the pool, so a
//! later read never meets its leftovers.

use crate::Result;
use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// PostgreSQL's settings for a statement over a whole population (a bounded read,
/// a confirmation's decision): work memory for each sort or hash sized for it, not
/// the server's default of a few megabytes, which spills them to disk; and no JIT
/// compilation, which the planner's estimate for a rule over millions of rows
/// turns on with optimization: it took 0.5–0.9 s of a 9 s rule at 7.7 M persons
/// and gained less than that. Random reads are priced as on solid-state storage
/// (the server's default prices them at four sequential reads, as on disks):
/// settling a province's 182,000 payments otherwise read all 4.5 M lines in id
/// order to merge them (5.5 s instead of 3.2 s for their texts at 7.7 M persons).
pub(crate) const ANALYTICAL_SETTINGS: [(&str, &str); 3] =
    [("work_mem", "256MB"), ("jit", "off"), ("random_page_cost", "1.1")];

/// Applies [`ANALYTICAL_SETTINGS`] on a connection, for its session or (`local`)
/// its transaction.
pub(crate) async fn analytical_settings(conn: &mut PgConnection, local: bool) -> Result<()> {
    for (name, value) in ANALYTICAL_SETTINGS {
        sqlx::query("SELECT set_config($1, $2, $3)").bind(name).bind(value).bind(local).execute(&mut *conn).await?;
    }
    Ok(())
}

/// How many SQLite virtual-machine steps pass between two looks at the clock.
const PROGRESS_STEPS: i32 = 5_000;

/// How bounded reads have ended, for `/metrics`.
#[derive(Debug, Default)]
pub struct ReadCounters {
    /// Stopped at the time limit.
    pub timed_out: AtomicU64,
    /// Abandoned: nobody waited for them any more.
    pub cancelled: AtomicU64,
    /// Abandoned and then stopped in the database (SQLite interrupted the
    /// statement; PostgreSQL took the cancel request).
    pub stopped: AtomicU64,
}

/// A bounded read on SQLite: a pooled connection with the progress handler set.
pub(crate) struct SqliteRead {
    conn: PoolConnection<Sqlite>,
    ended: bool,
    cancel: Arc<AtomicBool>,
    counters: Arc<ReadCounters>,
}

impl SqliteRead {
    pub(crate) async fn begin(
        pool: &SqlitePool,
        limit: Option<Duration>,
        counters: Arc<ReadCounters>,
    ) -> Result<SqliteRead> {
        let mut conn = pool.acquire().await?;
        let cancel = Arc::new(AtomicBool::new(false));
        let deadline = limit.map(|l| Instant::now() + l);
        let (flag, seen) = (cancel.clone(), counters.clone());
        conn.lock_handle().await?.set_progress_handler(PROGRESS_STEPS, move || {
            // `false` interrupts the statement.
            if flag.load(Ordering::Relaxed) {
                seen.stopped.fetch_add(1, Ordering::Relaxed);
                return false;
            }
            deadline.is_none_or(|d| Instant::now() < d)
        });
        Ok(SqliteRead { conn, ended: false, cancel, counters })
    }

    pub(crate) fn conn(&mut self) -> &mut SqliteConnection {
        &mut self.conn
    }

    /// Ends the read, handing the connection back without its handler.
    pub(crate) async fn end(mut self) {
        self.ended = true;
        let removed = match self.conn.lock_handle().await {
            Ok(mut handle) => {
                handle.remove_progress_handler();
                true
            }
            Err(_) => false,
        };
        if !removed {
            self.conn.close_on_drop();
        }
    }
}

impl Drop for SqliteRead {
    fn drop(&mut self) {
        if !self.ended {
            // Nobody waits for the statement: interrupt it, and close the connection.
            self.cancel.store(true, Ordering::Relaxed);
            self.counters.cancelled.fetch_add(1, Ordering::Relaxed);
            self.conn.close_on_drop();
        }
    }
}

/// A bounded read on PostgreSQL: a pooled connection with its statement timeout
/// set, and its server process, to cancel.
pub(crate) struct PgRead {
    conn: PoolConnection<Postgres>,
    ended: bool,
    pid: i32,
    pool: PgPool,
    counters: Arc<ReadCounters>,
}

impl PgRead {
    pub(crate) async fn begin(pool: &PgPool, limit: Option<Duration>, counters: Arc<ReadCounters>) -> Result<PgRead> {
        let mut conn = pool.acquire().await?;
        let millis = limit.map_or(0, |l| l.as_millis().max(1));
        let (pid,): (i32,) =
            sqlx::query_as("SELECT pg_backend_pid() FROM (SELECT set_config('statement_timeout', $1, false)) t")
                .bind(millis.to_string())
                .fetch_one(&mut *conn)
                .await?;
        // A bounded read is a rule over a population, a simulation or an export.
        analytical_settings(&mut conn, false).await?;
        Ok(PgRead { conn, ended: false, pid, pool: pool.clone(), counters })
    }

    pub(crate) fn conn(&mut self) -> &mut PgConnection {
        &mut self.conn
    }

    pub(crate) async fn end(mut self) {
        self.ended = true;
    }
}

impl Drop for PgRead {
    fn drop(&mut self) {
        if !self.ended {
            self.counters.cancelled.fetch_add(1, Ordering::Relaxed);
            self.conn.close_on_drop();
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let (pool, pid, counters) = (self.pool.clone(), self.pid, self.counters.clone());
                runtime.spawn(async move {
                    // Best effort: if it fails, the statement timeout still ends it.
                    let sent: std::result::Result<bool, _> =
                        sqlx::query_scalar("SELECT pg_cancel_backend($1)").bind(pid).fetch_one(&pool).await;
                    if matches!(sent, Ok(true)) {
                        counters.stopped.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        }
    }
}

/// Runs `$body` with `$c` bound to a bounded read connection of the store's
/// analytical pool (`&mut SqliteConnection` or `&mut PgConnection`).
macro_rules! on_bounded {
    ($store:expr, |$c:ident| $body:expr) => {
        match &*$store.analytical {
            $crate::db::Pool::Sqlite(pool) => {
                let mut read =
                    $crate::bounded::SqliteRead::begin(pool, $store.read_limit, $store.read_counters.clone()).await?;
                let result = {
                    let $c = read.conn();
                    $body
                };
                read.end().await;
                $store.count_timeout(result)
            }
            $crate::db::Pool::Postgres(pool) => {
                let mut read =
                    $crate::bounded::PgRead::begin(pool, $store.read_limit, $store.read_counters.clone()).await?;
                let result = {
                    let $c = read.conn();
                    $body
                };
                read.end().await;
                $store.count_timeout(result)
            }
        }
    };
}

#[cfg(feature = "testing")]
impl crate::Store {
    /// Counts to `n` in SQL as a bounded read: work of a known size, for tests of
    /// the limits.
    pub async fn count_to(&self, n: i64) -> Result<i64> {
        let sql = match self.backend() {
            crate::Backend::Sqlite => {
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) SELECT COUNT(*) FROM n"
            }
            crate::Backend::Postgres => "SELECT COUNT(*) FROM generate_series(1::bigint, $1)",
        };
        on_bounded!(self, |c| sqlx::query_scalar(sql).bind(n).fetch_one(c).await)
    }
}
