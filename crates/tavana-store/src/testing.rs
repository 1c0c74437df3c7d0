//! Test support: a fresh, migrated database per test. SQLite in a temporary
//! directory by default; a new PostgreSQL database on the server named by
//! `TAVANA_TEST_DATABASE_URL` when that is set (`scripts/test` sets it for the
//! second run of the suite).

use crate::{Backend, Result, Store};
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable naming a PostgreSQL server for tests.
pub const TEST_DATABASE_URL: &str = "TAVANA_TEST_DATABASE_URL";

/// A database for one test. Keep it alive as long as the store is used: for SQLite
/// it owns the directory the file is in.
pub struct TestDatabase {
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Whether this process has dropped the databases of test runs that have ended.
static SWEPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

impl TestDatabase {
    /// Creates and migrates a new database.
    pub async fn new() -> Result<TestDatabase> {
        let (url, dir) = Self::new_url().await?;
        let store = Store::open(&url).await?;
        Ok(TestDatabase { store, url, _dir: dir })
    }

    /// Creates an empty database (not migrated) and returns its URL; for tests that
    /// run the `tavana` binary against it.
    pub async fn new_url() -> Result<(String, Option<tempfile::TempDir>)> {
        match std::env::var(TEST_DATABASE_URL) {
            Ok(server) if !server.is_empty() => {
                let name = format!(
                    "tavana_t{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    crate::Clock::System.now_micros() % 1_000_000
                );
                let admin = Store::connect(&server).await?;
                if !SWEPT.swap(true, Ordering::Relaxed) {
                    admin.drop_databases_of_finished_test_runs().await?;
                }
                admin.execute_unaudited_for_tests(&format!("CREATE DATABASE {name}")).await?;
                admin.close().await;
                let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(&server);
                Ok((format!("{base}/{name}"), None))
            }
            _ => {
                let dir =
                    tempfile::tempdir().map_err(|e| crate::StoreError::Corrupt(format!("temporary directory: {e}")))?;
                let url = format!("sqlite:{}", dir.path().join("tavana.db").display());
                Ok((url, Some(dir)))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.store.backend()
    }
}

impl Store {
    /// Drops the test databases (`tavana_t{pid}_…`) of processes that are no longer
    /// running, so a development server does not fill its disk with them (on
    /// Linux, where a process's `/proc` entry tells whether it runs).
    async fn drop_databases_of_finished_test_runs(&self) -> Result<()> {
        if !std::path::Path::new("/proc/self").exists() {
            return Ok(());
        }
        let names: Vec<String> = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT datname::text FROM pg_database WHERE datname LIKE 'tavana\\_t%'"
        )
        .fetch_all(c)
        .await)?;
        for name in names {
            let pid = name.strip_prefix("tavana_t").and_then(|rest| rest.split('_').next());
            let finished = pid.is_some_and(|pid| {
                pid.chars().all(|c| c.is_ascii_digit()) && !std::path::Path::new(&format!("/proc/{pid}")).exists()
            });
            if finished {
                self.execute_unaudited_for_tests(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await?;
            }
        }
        Ok(())
    }

    /// PostgreSQL's work memory, JIT setting and price of a random read as a
    /// bounded read (a rule over a population) sees them.
    pub async fn analytical_settings_for_tests(&self) -> Result<(String, String, String)> {
        let sql = "SELECT current_setting('work_mem'), current_setting('jit'), current_setting('random_page_cost')";
        on_bounded!(self, |c| sqlx::query_as(sql).fetch_one(c).await)
    }

    /// PostgreSQL's work memory as an ordinary read sees it.
    pub async fn work_mem_for_tests(&self) -> Result<String> {
        Ok(on_pool!(self, |c| sqlx::query_scalar("SELECT current_setting('work_mem')").fetch_one(c).await)?)
    }

    /// The number of rows in a table.
    pub async fn count_rows_for_tests(&self, table: &str) -> Result<i64> {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let n = on_pool!(self, |c| sqlx::query_scalar(&sql).fetch_one(c).await)?;
        Ok(n)
    }

    /// The one integer a query reads (a recount a test compares with).
    pub async fn scalar_for_tests(&self, sql: &str) -> Result<i64> {
        let n = on_pool!(self, |c| sqlx::query_scalar(sql).fetch_one(c).await)?;
        Ok(n)
    }

    /// Runs a statement on the read pool, to prove it cannot write.
    pub async fn execute_on_read_pool_for_tests(&self, sql: &str) -> Result<u64> {
        let n = on_pool!(self, |c| sqlx::raw_sql(sql).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(n)
    }

    /// Runs a statement as a bounded read, to prove it cannot write either.
    pub async fn execute_as_bounded_read_for_tests(&self, sql: &str) -> Result<u64> {
        on_bounded!(self, |c| sqlx::raw_sql(sql).execute(c).await.map(|r| r.rows_affected()))
    }

    /// Runs a statement outside the audit chain. Only for tests that create
    /// databases or tamper with stored rows to prove the chain notices.
    pub async fn execute_unaudited_for_tests(&self, sql: &str) -> Result<u64> {
        let n = on_writer!(self, |c| sqlx::raw_sql(sql).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(n)
    }
}

impl Store {
    /// Marks the household facts incomplete (rules then recount every household)
    /// or complete again, to compare the two.
    pub async fn set_household_facts_complete_for_tests(&self, complete: bool) -> Result<()> {
        let sql = format!("UPDATE household_facts_state SET complete = {} WHERE id = 1", i64::from(complete));
        self.execute_unaudited_for_tests(&sql).await?;
        Ok(())
    }
}
