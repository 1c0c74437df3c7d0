//! The store handle, the backend switch and the write transaction.
//!
//! Queries are written once with `$1` placeholders, which SQLite and PostgreSQL both
//! accept; the `on_pool!` and `on_tx!` macros expand a query body once per backend
//! (the body is the same text, typed against each driver). Statements that differ
//! between the backends are forked side by side where they are used, matching on
//! [`Store::backend`].

use crate::{Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;
use time::OffsetDateTime;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend for a database URL: `sqlite:` or `postgres://` / `postgresql://`.
    pub fn from_url(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }
}

/// A database URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// When the outbox's consumers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consumers {
    /// Right after each commit that emitted events (the default): an officer sees
    /// a review flag as soon as the case worker's change is saved.
    AfterCommit,
    /// Only when [`Store::run_outbox`] is called (and when a store opens): for
    /// bulk work that consumes once at the end, and for proving that a change whose
    /// consumer never ran loses nothing.
    Deferred,
}

/// The one clock: nothing in Tavana reads the system time but this. A store carries
/// one, so every instant it stores and every "today" it decides by (ages, appeal
/// deadlines) come from the same place, and tests set the date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The system's time.
    System,
    /// A fixed instant (tests, reproducible benchmarks).
    Fixed(OffsetDateTime),
}

impl Clock {
    /// The current instant, as stored: microseconds since the Unix epoch (UTC).
    pub fn now_micros(self) -> i64 {
        micros(self.now())
    }

    /// The current instant.
    pub fn now(self) -> OffsetDateTime {
        match self {
            Clock::System => OffsetDateTime::now_utc(),
            Clock::Fixed(at) => at,
        }
    }

    /// Today in Tehran.
    pub fn today(self) -> time::Date {
        self.now().to_offset(tavana_domain::jalali::TEHRAN).date()
    }
}

/// The handle to the database. Cheap to clone: it holds two connection pools, one
/// for reads whose connections cannot write (SQLite opened read-only, PostgreSQL
/// sessions read-only by default) and one for write transactions.
#[derive(Clone)]
pub struct Store {
    /// Reads only: a write through it fails.
    pub(crate) pool: std::sync::Arc<Pool>,
    /// Bounded reads (a rule over a population, a simulation, an export): read-only
    /// connections of their own, so they take their settings (work memory, a time
    /// limit) with them and long ones never hold every connection a lookup needs.
    pub(crate) analytical: std::sync::Arc<Pool>,
    /// Write transactions ([`Store::write`]) and a few technical stamps.
    pub(crate) writer: std::sync::Arc<Pool>,
    /// The read log's own chain ([`Chain::Reads`]): on SQLite a file of its own
    /// beside the database, so that logging a read never waits for the database's
    /// write lock (held by an import batch, say); on PostgreSQL the writer pool,
    /// where the read log's own head row is all a logged read locks.
    pub(crate) reads: std::sync::Arc<Pool>,
    pub(crate) consumers: Consumers,
    clock: Clock,
    /// The longest a bounded read may run ([`crate::bounded`]); none by default.
    pub(crate) read_limit: Option<Duration>,
    pub(crate) read_counters: std::sync::Arc<crate::bounded::ReadCounters>,
    /// The work done, for `/metrics`.
    pub(crate) work: std::sync::Arc<crate::metrics::WorkCounters>,
    /// The keys the audit chains are signed and verified with; none for an
    /// unkeyed chain (tests, a first start).
    pub(crate) audit_keys: Option<std::sync::Arc<crate::audit_keys::Keyring>>,
    /// The keys vetting files are encrypted with (`gozinesh::cipher`); none:
    /// vetting's confidential texts are neither written nor read.
    pub(crate) vetting_keys: Option<std::sync::Arc<crate::audit_keys::Keyring>>,
    /// Reads waiting for their entry in the read log ([`Store::log_read`]).
    pub(crate) read_queue: std::sync::Arc<crate::audit::ReadQueue>,
    /// The knowledge library's search index, built on first use.
    pub(crate) library: std::sync::Arc<crate::library::LibraryIndex>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({:?})", self.backend())
    }
}

/// Runs `$body` with `$c` bound to the pool of whichever backend the store has.
macro_rules! on_pool {
    ($store:expr, |$c:ident| $body:expr) => {
        match &*$store.pool {
            $crate::db::Pool::Sqlite($c) => $body,
            $crate::db::Pool::Postgres($c) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the writer pool, outside a write transaction:
/// only for what is not a change of record (schema upkeep, a session's keep-alive,
/// an API token's last use, an outbox event marked consumed).
macro_rules! on_writer {
    ($store:expr, |$c:ident| $body:expr) => {
        match &*$store.writer {
            $crate::db::Pool::Sqlite($c) => $body,
            $crate::db::Pool::Postgres($c) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the read log's pool.
macro_rules! on_reads {
    ($store:expr, |$c:ident| $body:expr) => {
        match &*$store.reads {
            $crate::db::Pool::Sqlite($c) => $body,
            $crate::db::Pool::Postgres($c) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the connection of a [`WriteTx`].
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match &mut $tx.inner {
            $crate::db::TxInner::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::db::TxInner::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Reading connections for lookups and pages, and for bounded reads, on SQLite
/// and on PostgreSQL. Measured with the lookup bench (100,000 persons, two cores,
/// reads logged by group commit): on SQLite three lookup connections gave
/// 4,065–4,276 lookups/s and eight 4,094–5,307; on PostgreSQL sixteen gave
/// 2,323–2,726 and six 3,187 (its server processes compete for the same cores).
const SQLITE_READERS: (u32, u32) = (8, 3);
const POSTGRES_READERS: (u32, u32) = (6, 6);

impl Store {
    /// Opens the database at `url` (creating a SQLite file if it does not exist) and
    /// runs pending migrations.
    pub async fn open(url: &str) -> Result<Store> {
        Self::open_keyed(url, None).await
    }

    /// Opens the database as [`Store::open`] does, signing the audit chains with
    /// `keys` from the first entry written (the outbox's consumers may write as
    /// the store opens).
    pub async fn open_keyed(url: &str, keys: Option<crate::audit_keys::Keyring>) -> Result<Store> {
        let mut store = Self::connect(url).await?;
        store.audit_keys = keys.map(std::sync::Arc::new);
        store.migrate().await?;
        store.ensure_read_log().await?;
        store.ensure_indexes().await?;
        store.fill_household_facts().await?;
        store.fill_enrollment_moves().await?;
        // Events a crash left unconsumed are consumed now, and program changes
        // whose month has begun are applied.
        store.run_outbox().await?;
        store.apply_due_program_changes().await?;
        Ok(store)
    }

    /// Connects without migrating.
    pub async fn connect(url: &str) -> Result<Store> {
        let (writer, pool, analytical, reads) = match Backend::from_url(url)? {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)?
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .pragma("cache_size", "-65536");
                // The writer creates the file (and the WAL) before any reader opens it.
                let writer = SqlitePoolOptions::new()
                    .max_connections(2)
                    .connect_with(options.clone().create_if_missing(true))
                    .await?;
                let readers = |max: u32| {
                    SqlitePoolOptions::new().max_connections(max).connect_with(options.clone().read_only(true))
                };
                let (interactive, analytical) = (readers(SQLITE_READERS.0).await?, readers(SQLITE_READERS.1).await?);
                let reads = SqlitePoolOptions::new()
                    .max_connections(2)
                    .connect_with(
                        SqliteConnectOptions::from_str(&read_log_url(url))?
                            .create_if_missing(true)
                            .journal_mode(SqliteJournalMode::Wal)
                            .synchronous(SqliteSynchronous::Normal)
                            .busy_timeout(Duration::from_secs(10)),
                    )
                    .await?;
                (Pool::Sqlite(writer), Pool::Sqlite(interactive), Pool::Sqlite(analytical), Some(Pool::Sqlite(reads)))
            }
            Backend::Postgres => {
                // Every statement planned for the values it is given: a pooled
                // connection lives long, and a generic plan PostgreSQL settled on
                // while a table was small (a scan) stays with its prepared
                // statement as the table grows; an import's lookups by lists of
                // keys went from index to scan that way (100,000 persons: over a
                // minute, against 7.6 s planned each time).
                let options = PgConnectOptions::from_str(url)?.options([("plan_cache_mode", "force_custom_plan")]);
                let pool = |max: u32, options: PgConnectOptions| {
                    PgPoolOptions::new()
                        .max_connections(max)
                        .acquire_timeout(Duration::from_secs(10))
                        .connect_with(options)
                };
                let writer = pool(8, options.clone()).await?;
                let read_only = options.options([("default_transaction_read_only", "on")]);
                let interactive = pool(POSTGRES_READERS.0, read_only.clone()).await?;
                let analytical = pool(POSTGRES_READERS.1, read_only).await?;
                (Pool::Postgres(writer), Pool::Postgres(interactive), Pool::Postgres(analytical), None)
            }
        };
        let writer = std::sync::Arc::new(writer);
        Ok(Store {
            pool: std::sync::Arc::new(pool),
            analytical: std::sync::Arc::new(analytical),
            reads: reads.map(std::sync::Arc::new).unwrap_or_else(|| writer.clone()),
            writer,
            consumers: Consumers::AfterCommit,
            clock: Clock::System,
            read_limit: None,
            read_counters: Default::default(),
            work: Default::default(),
            audit_keys: None,
            vetting_keys: None,
            read_queue: Default::default(),
            library: Default::default(),
        })
    }

    /// The same store with its outbox consumers run as `consumers` says.
    pub fn with_consumers(&self, consumers: Consumers) -> Store {
        Store { consumers, ..self.clone() }
    }

    /// The same store reading time from `clock`.
    pub fn with_clock(&self, clock: Clock) -> Store {
        Store { clock, ..self.clone() }
    }

    /// The same store stopping each bounded read (a rule over many persons, a
    /// simulation, an export) after `limit`: a server sets one, so no request can
    /// keep the database busy for long.
    pub fn with_read_limit(&self, limit: Duration) -> Store {
        Store { read_limit: Some(limit), ..self.clone() }
    }

    /// The same store signing new audit entries with the keyring's current key,
    /// and verifying with all of its keys.
    pub fn with_audit_keys(&self, keys: crate::audit_keys::Keyring) -> Store {
        Store { audit_keys: Some(std::sync::Arc::new(keys)), ..self.clone() }
    }

    /// The same store encrypting and reading vetting files with `keys` (the
    /// newest encrypts; older ones still read what they encrypted until a
    /// rotation re-encrypts it).
    pub fn with_vetting_keys(&self, keys: crate::audit_keys::Keyring) -> Store {
        Store { vetting_keys: Some(std::sync::Arc::new(keys)), ..self.clone() }
    }

    /// How bounded reads have ended: stopped at the limit, or for nobody.
    pub fn read_counters(&self) -> &crate::bounded::ReadCounters {
        &self.read_counters
    }

    /// The work this store (and its clones) did, for `/metrics`.
    pub fn work_counters(&self) -> &crate::metrics::WorkCounters {
        &self.work
    }

    /// A bounded read's result as a store result, counting it when it was
    /// stopped at the time limit.
    pub(crate) fn count_timeout<T, E: Into<StoreError>>(&self, result: std::result::Result<T, E>) -> Result<T> {
        let result = result.map_err(Into::into);
        if matches!(result, Err(StoreError::TimedOut)) {
            self.read_counters.timed_out.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        result
    }

    /// The store's clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Now, as stored (microseconds since the Unix epoch).
    pub fn now(&self) -> i64 {
        self.clock.now_micros()
    }

    /// Today in Tehran, by the store's clock.
    pub fn today(&self) -> time::Date {
        self.clock.today()
    }

    /// Runs the migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<()> {
        match &*self.writer {
            Pool::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match &*self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, |c| sqlx::query("SELECT 1").execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Closes the pools, waiting for connections to be returned.
    pub async fn close(&self) {
        on_pool!(self, |c| c.close().await);
        match &*self.analytical {
            Pool::Sqlite(c) => c.close().await,
            Pool::Postgres(c) => c.close().await,
        }
        on_writer!(self, |c| c.close().await);
        on_reads!(self, |c| c.close().await);
    }

    /// Runs `work` in one write transaction and commits it: the only way anything
    /// is written. `work` appends its audit entries ([`WriteTx::audit`]) and emits
    /// its events ([`WriteTx::emit`]) on the transaction; a transaction without an
    /// audit entry is refused, and the outbox's consumers run after the commit.
    pub async fn write<T>(&self, work: impl AsyncFnOnce(&mut WriteTx) -> Result<T>) -> Result<T> {
        self.write_on(Chain::Writes, work).await
    }

    /// A write transaction on one chain: the records and their audit chain, or the
    /// read log.
    pub(crate) async fn write_on<T>(
        &self,
        chain: Chain,
        work: impl AsyncFnOnce(&mut WriteTx) -> Result<T>,
    ) -> Result<T> {
        let mut tx = self.begin_write(chain).await?;
        let value = work(&mut tx).await?;
        tx.commit().await?;
        Ok(value)
    }

    /// Begins a write transaction. Its first statement takes the audit chain's head
    /// row, so writers queue here (on SQLite this also takes the write lock at once,
    /// which avoids lock upgrades failing under load) and every committed write
    /// has its audit entry in order.
    async fn begin_write(&self, chain: Chain) -> Result<WriteTx> {
        let pool = match chain {
            Chain::Writes => &self.writer,
            Chain::Reads => &self.reads,
        };
        let mut tx = WriteTx {
            chain,
            inner: match &**pool {
                Pool::Sqlite(p) => TxInner::Sqlite(p.begin().await?),
                Pool::Postgres(p) => TxInner::Postgres(p.begin().await?),
            },
            audit_entries: 0,
            events: 0,
            store: self.clone(),
        };
        let lock = format!("UPDATE {} SET seq = seq WHERE id = 1", chain.head());
        on_tx!(tx, |c| sqlx::query(&lock).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(tx)
    }
}

/// A hash chain of entries: the audit chain of every write, or the read log of
/// every read of sensitive data. Each has its own head row, which orders its writers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Chain {
    Writes,
    Reads,
}

impl Chain {
    pub(crate) fn log(self) -> &'static str {
        match self {
            Chain::Writes => "audit_log",
            Chain::Reads => "read_log",
        }
    }

    pub(crate) fn head(self) -> &'static str {
        match self {
            Chain::Writes => "audit_head",
            Chain::Reads => "read_head",
        }
    }

    /// The chain's name in anchors.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Chain::Writes => "writes",
            Chain::Reads => "reads",
        }
    }
}

/// The read log's database next to a SQLite database: `sqlite:tavana.db` keeps it
/// in `tavana.db.reads`.
fn read_log_url(url: &str) -> String {
    match url.split_once('?') {
        Some((path, query)) => format!("{path}.reads?{query}"),
        None if url.contains(":memory:") => url.to_string(),
        None => format!("{url}.reads"),
    }
}

pub(crate) enum TxInner {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// A write transaction. Repositories append audit entries to it with
/// [`WriteTx::audit`]; committing a transaction that changed nothing in the audit
/// chain is refused, so no write can skip the log.
pub struct WriteTx {
    pub(crate) chain: Chain,
    pub(crate) inner: TxInner,
    pub(crate) audit_entries: usize,
    /// Events emitted to the outbox in this transaction.
    pub(crate) events: usize,
    pub(crate) store: Store,
}

impl WriteTx {
    /// Now, by the store's clock.
    pub(crate) fn now(&self) -> i64 {
        self.store.now()
    }

    /// Commits the transaction. Fails if no audit entry was appended. When events
    /// were emitted, their consumers run next (unless deferred); a consumer that
    /// fails is logged and its events stay pending for the next run, so nothing is
    /// lost and the committed change stands.
    async fn commit(self) -> Result<()> {
        if self.audit_entries == 0 {
            return Err(StoreError::Corrupt("a write transaction must append to the audit log".into()));
        }
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        if self.events > 0
            && self.store.consumers == Consumers::AfterCommit
            && let Err(e) = Box::pin(self.store.run_outbox()).await
        {
            tracing::warn!(error = %e, "outbox consumers failed; their events stay pending");
        }
        Ok(())
    }
}

pub(crate) fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_from_the_scheme() {
        assert_eq!(Backend::from_url("sqlite:tavana.db").ok(), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("postgres://u@h/db").ok(), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("postgresql://u@h/db").ok(), Some(Backend::Postgres));
        let err = Backend::from_url("mysql://root:secret@h/db").unwrap_err().to_string();
        assert!(err.contains("mysql://root:***@h/db"), "{err}");
        assert!(!err.contains("secret"));
    }
}
