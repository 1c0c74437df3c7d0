//! `tavana`: the welfare-management system's one binary.

mod applications;
mod bench;
mod cases;
mod cycle;
mod employment;
mod hr;
mod library;
mod planning;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use std::io::{BufRead, IsTerminal};
use tavana_domain::iam::Role;
use tavana_store::Store;
use tavana_store::audit::ChainReport;
use tavana_store::iam::{NewUser, random_token};
use tavana_store::registry::import::{FileFormat, ImportKind, ImportSummary, RowError};
use tavana_synth::geo::{GeographyConfig, geography};
use tavana_synth::population::{Population, PopulationConfig};
use tavana_synth::users::DEMO_USERS;
use tavana_web::{AppState, WebConfig};

/// Tavana (توانا): the management information system of a national welfare
/// organization — its registry of households and persons, programs, payments,
/// cases, vetting, HR, employment and planning.
///
/// Start here: `tavana demo` opens a seeded system on http://127.0.0.1:8080.
#[derive(Parser)]
#[command(name = "tavana", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start a demo: create or open tavana-demo.db (SQLite), load Iran's provinces,
    /// counties and villages and one user per role (their logins are printed once,
    /// when they are created), and serve the web UI and API.
    Demo {
        /// Port on 127.0.0.1 to serve on (0 picks a free one).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Database URL: sqlite:PATH or postgres://USER@HOST/DB.
        #[arg(long, default_value = "sqlite:tavana-demo.db")]
        database: String,
        /// How many synthetic persons to load into a new demo registry (60,000
        /// hold the 4,300 adults with disabilities the demo's quota exam takes).
        #[arg(long, default_value_t = 60_000)]
        persons: u64,
    },
    /// Serve the web UI and API. Runs pending migrations first.
    Serve {
        #[command(flatten)]
        db: DatabaseArg,
        /// Address to listen on.
        #[arg(long, env = "TAVANA_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Send cookies without the Secure flag: only for plain HTTP on this machine.
        /// Cookies are Secure unless the server listens on a loopback address.
        #[arg(long, env = "TAVANA_PLAIN_HTTP")]
        plain_http: bool,
        /// The longest, in seconds, a request's rule, simulation or list may keep
        /// the database busy before it is stopped.
        #[arg(long, env = "TAVANA_QUERY_LIMIT", default_value_t = 60)]
        query_limit: u64,
        /// The largest file, in MiB, an import over HTTP takes (it is streamed, so
        /// this bounds time and disk, not memory).
        #[arg(long, env = "TAVANA_IMPORT_LIMIT_MIB", default_value_t = 4096)]
        import_limit_mib: u64,
        /// Publish the audit chains' heads to this file (JSON lines) when the
        /// server starts and then every --anchor-minutes, for an outside party to
        /// keep (`tavana audit verify --anchor` checks them).
        #[arg(long, env = "TAVANA_ANCHOR_FILE")]
        anchor_file: Option<std::path::PathBuf>,
        #[arg(long, env = "TAVANA_ANCHOR_MINUTES", default_value_t = 60)]
        anchor_minutes: u64,
    },
    /// Run pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Load the reference geography (provinces, counties, villages) and the org
    /// units that mirror it into an empty database.
    Geography {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Issue an API token for a machine client; the token is printed once.
    Token {
        #[command(flatten)]
        db: DatabaseArg,
        /// The user the client acts as (its unit and roles apply).
        #[arg(long)]
        username: String,
        /// A name for the token, such as the client system's.
        #[arg(long)]
        name: String,
        /// Days until the token expires.
        #[arg(long, default_value_t = 90)]
        days: u64,
    },
    /// Revoke an API token by its id (as listed on the user's page and by the API).
    RevokeToken {
        #[command(flatten)]
        db: DatabaseArg,
        /// The token's id.
        #[arg(long)]
        id: i64,
    },
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Vetting (gozinesh) files' encryption key.
    #[command(subcommand)]
    Vetting(VettingCommand),
    /// Human resources: positions and staff from files.
    #[command(subcommand)]
    Hr(HrCommand),
    /// Write a deterministic synthetic population of Iran as import files:
    /// households.csv, persons.csv and disabilities.csv in --out; and the
    /// organization's staff (about 19,000 across HQ, the provinces and the
    /// county offices of `tavana geography`): positions.csv and staff.csv.
    Synth {
        /// How many persons.
        #[arg(long, default_value_t = 100_000)]
        persons: u64,
        /// The seed: the same seed gives the same population.
        #[arg(long, default_value_t = 1403)]
        seed: u64,
        /// The folder to write to (created if missing).
        #[arg(long)]
        out: std::path::PathBuf,
        /// The share of rows to spoil on purpose (0.0 to 1.0): bad check digits,
        /// impossible dates, repeated national codes, unknown places.
        #[arg(long, default_value_t = 0.0)]
        bad_rows: f64,
    },
    /// Export households, persons or disability assessments to a CSV or JSON Lines
    /// file in the import format (dates in Jalali), streamed.
    Export {
        #[command(flatten)]
        db: DatabaseArg,
        /// What to export: households, persons or disabilities.
        kind: String,
        /// The file to write: .csv, .jsonl or .ndjson.
        file: std::path::PathBuf,
        /// The user the export acts as; their org unit bounds it.
        #[arg(long = "as")]
        username: String,
        /// Only this org unit's subtree (a code such as P08 or C08-01).
        #[arg(long)]
        unit: Option<String>,
    },
    /// Measure speed and memory for the README's performance table.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Monthly payment cycles: settings, create, compute, submit, approve, issue
    /// bank files, reconcile returns, close.
    #[command(subcommand)]
    Cycle(cycle::CycleCommand),
    /// Import households, persons or disability assessments from a CSV (with a header
    /// row) or JSON Lines file. Bad rows are written to a report and the good rows
    /// kept; importing the same file again changes nothing.
    Import {
        #[command(flatten)]
        db: DatabaseArg,
        /// What the file holds: households, persons or disabilities.
        kind: String,
        /// The file: .csv, .jsonl or .ndjson.
        file: std::path::PathBuf,
        /// The user the import acts as (a case worker; their org unit bounds it).
        #[arg(long = "as")]
        username: String,
        /// Where to write the report of rejected rows (default: FILE.report.csv).
        #[arg(long)]
        report: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user. The password is read from standard input when it is not a
    /// terminal; otherwise one is generated and printed once.
    Add {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// Org unit code: HQ, P08 (a province), C08-01 (a county office).
        #[arg(long)]
        unit: String,
        /// A role (repeat for several): admin, case_worker, program_officer,
        /// finance_maker, finance_checker, gozinesh_officer, gozinesh_board,
        /// hr_officer, employment_officer, planner, auditor.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
    },
    /// Set a user's password (read from standard input, or generated and printed)
    /// and end their sessions.
    Password {
        #[command(flatten)]
        db: DatabaseArg,
        username: String,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Time the quota exam's placement (candidate-proposing deferred
    /// acceptance) of synthetic candidates with ten choices each, and check
    /// the result is stable.
    Placement {
        /// How many candidates.
        #[arg(long, default_value_t = 5_000)]
        candidates: usize,
        /// How many agencies (three posts each).
        #[arg(long, default_value_t = 50)]
        agencies: usize,
        /// How many times to place them.
        #[arg(long, default_value_t = 50)]
        runs: usize,
    },
    /// Record synthetic knowledge-library items, build the search index, then
    /// time searches in several spellings and filters (latency percentiles).
    Search {
        /// How many items.
        #[arg(long, default_value_t = 100_000)]
        items: usize,
        /// An empty database to fill (default: a new SQLite file in a temporary folder).
        #[arg(long)]
        database: Option<String>,
        /// How many searches to time.
        #[arg(long, default_value_t = 2_000)]
        queries: usize,
    },
    /// Load a synthetic population (or use one loaded already), enroll the
    /// pension, import the villages' census, then read every dashboard of the
    /// planning centre as its page does, beside the backend's raw group-by over
    /// the same rows.
    Analytics {
        /// How many persons.
        #[arg(long, default_value_t = 100_000)]
        persons: u64,
        /// An empty database to fill (default: a new SQLite file in a temporary folder).
        #[arg(long)]
        database: Option<String>,
        /// The database holds a population already (loaded by an earlier bench):
        /// use it as it is.
        #[arg(long)]
        loaded: bool,
        /// How many times each dashboard is read.
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Load a synthetic population (or use one loaded already), enroll every
    /// household its pension rule selects, then time a whole cycle: computing it,
    /// approving it, issuing its bank files and applying the bank's return.
    Cycle {
        /// How many persons.
        #[arg(long, default_value_t = 100_000)]
        persons: u64,
        /// An empty database to fill (default: a new SQLite file in a temporary folder).
        #[arg(long)]
        database: Option<String>,
        /// The database holds a population already (loaded by an earlier bench):
        /// use it as it is.
        #[arg(long)]
        loaded: bool,
    },
    /// Load a synthetic population, then time the demo pension rule compiled to SQL
    /// over all of it and a simulation per province and county.
    Eligibility {
        /// How many persons.
        #[arg(long, default_value_t = 100_000)]
        persons: u64,
        /// An empty database to fill (default: a new SQLite file in a temporary folder).
        #[arg(long)]
        database: Option<String>,
    },
    /// Generate a synthetic population, import it (rows/s and peak memory per
    /// file), then look persons up by national code over HTTP against a server on
    /// 127.0.0.1 (requests/s and latency percentiles).
    Registry {
        /// How many persons.
        #[arg(long, default_value_t = 100_000)]
        persons: u64,
        /// An empty database to fill (default: a new SQLite file in a temporary folder).
        #[arg(long)]
        database: Option<String>,
        /// Seconds of lookup load.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent lookup clients.
        #[arg(long, default_value_t = 32)]
        clients: usize,
    },
    /// The lookup load alone, against a running server: national codes from a
    /// file (one a line), by `clients` at once for `seconds`; prints its report
    /// as one JSON line. `bench registry` runs it as a process of its own, so the
    /// load does not share the server's runtime.
    Lookups {
        /// The server's base URL (`http://127.0.0.1:8080`).
        #[arg(long)]
        url: String,
        /// A file holding an API token (kept out of the process list).
        #[arg(long)]
        token_file: std::path::PathBuf,
        /// A file of national codes, one a line.
        #[arg(long)]
        codes: std::path::PathBuf,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 32)]
        clients: usize,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the whole hash chain (and the read log). Exits non-zero and names the
    /// first broken entry when any entry was altered or removed, was signed
    /// without the key, or no longer ends in a published anchor.
    Verify {
        #[command(flatten)]
        db: DatabaseArg,
        /// A file of anchors (JSON lines, as `tavana audit anchor` writes them):
        /// each must still be an entry of its chain with that hash.
        #[arg(long)]
        anchor: Option<std::path::PathBuf>,
    },
    /// Publish the chains' heads: append them to a file of anchors (JSON lines)
    /// that an outside party keeps.
    Anchor {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Seal every registry row that has no seal yet with the current audit key:
    /// once, after the audit key file is first created for an existing database.
    SealRows {
        #[command(flatten)]
        db: DatabaseArg,
    },
    /// Create the audit key file, or add a new key to it: entries made from now on
    /// are signed with the new key (restart the servers to take it up); the old
    /// keys stay in the file to verify what they signed.
    RotateKey {
        #[arg(long, env = "TAVANA_AUDIT_KEY_FILE")]
        key_file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum HrCommand {
    /// Import positions or staff from a CSV file (as `tavana synth` writes
    /// them: positions.csv, then staff.csv); good rows are recorded, every
    /// refused one goes to the report with its line and reason.
    Import {
        #[command(flatten)]
        db: DatabaseArg,
        /// What the file holds.
        #[arg(value_enum)]
        kind: hr::HrFile,
        file: std::path::PathBuf,
        /// The HR officer the import acts as (their org unit bounds it).
        #[arg(long = "as")]
        username: String,
        /// Where to write the report of refused rows (default: FILE.report.csv).
        #[arg(long)]
        report: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum VettingCommand {
    /// Create the vetting key file, or add a new key to it, and re-seal every
    /// vetting text with the new key (restart the servers to take it up; the
    /// old keys may then be removed from the file).
    RotateKey {
        #[command(flatten)]
        db: DatabaseArg,
    },
}

#[derive(Args)]
pub(crate) struct DatabaseArg {
    /// Database URL: sqlite:PATH or postgres://USER@HOST/DB.
    #[arg(long, env = "TAVANA_DATABASE_URL", default_value = "sqlite:tavana.db")]
    database: String,
    /// The audit key file: the audit chains are signed (HMAC-SHA256) with its
    /// newest key and verified with all of them. Without it they are not signed.
    #[arg(long, env = "TAVANA_AUDIT_KEY_FILE")]
    audit_key_file: Option<std::path::PathBuf>,
    /// The vetting key file: vetting (gozinesh) files are encrypted with its
    /// newest key (XChaCha20-Poly1305). Without it they are neither written nor read.
    #[arg(long, env = "TAVANA_VETTING_KEY_FILE")]
    vetting_key_file: Option<std::path::PathBuf>,
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TAVANA_LOG")
                .unwrap_or_else(|_| "info,sqlx::query=error,sqlx::postgres::notice=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(run(cli.command)));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // A plain report, the causes after colons; never a backtrace (a broken
            // audit chain or a wrong password is not a crash).
            eprintln!("tavana: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

pub(crate) async fn open(db: &DatabaseArg) -> Result<Store> {
    let keys = match &db.audit_key_file {
        Some(path) => Some(tavana_store::audit_keys::Keyring::load(path).map_err(|e| anyhow::anyhow!(e))?),
        None => None,
    };
    let store = open_keyed(&db.database, keys).await?;
    Ok(match &db.vetting_key_file {
        Some(path) => {
            store.with_vetting_keys(tavana_store::audit_keys::Keyring::load(path).map_err(|e| anyhow::anyhow!(e))?)
        }
        None => store,
    })
}

async fn open_keyed(url: &str, keys: Option<tavana_store::audit_keys::Keyring>) -> Result<Store> {
    Store::open_keyed(url, keys)
        .await
        .with_context(|| format!("opening the database at {}", tavana_store::redact_url(url)))
}

async fn run(command: Command) -> Result<()> {
    match command {
        Command::Demo { port, database, persons } => demo(port, &database, persons).await,
        Command::Synth { persons, seed, out, bad_rows } => synth(persons, seed, &out, bad_rows),
        Command::Bench(BenchCommand::Placement { candidates, agencies, runs }) => {
            employment::bench_placement(candidates, agencies, runs)
        }
        Command::Bench(BenchCommand::Search { items, database, queries }) => {
            bench::search(bench::SearchBench { items, database, queries }).await
        }
        Command::Bench(BenchCommand::Analytics { persons, database, loaded, runs }) => {
            bench::analytics(bench::AnalyticsBench { persons, database, loaded, runs }).await
        }
        Command::Bench(BenchCommand::Cycle { persons, database, loaded }) => {
            bench::cycle(bench::CycleBench { persons, database, loaded }).await
        }
        Command::Bench(BenchCommand::Eligibility { persons, database }) => {
            bench::eligibility(bench::EligibilityBench { persons, database }).await
        }
        Command::Bench(BenchCommand::Lookups { url, token_file, codes, seconds, clients }) => {
            bench::lookups(&url, &token_file, &codes, seconds, clients).await
        }
        Command::Bench(BenchCommand::Registry { persons, database, seconds, clients }) => {
            bench::registry(bench::RegistryBench { persons, database, seconds, clients }).await
        }
        Command::Cycle(command) => cycle::run(command).await,
        Command::Export { db, kind, file, username, unit } => {
            let store = open(&db).await?;
            export_file(&store, &kind, &file, &username, unit.as_deref()).await
        }
        Command::Import { db, kind, file, username, report } => {
            let store = open(&db).await?;
            import_file(&store, &kind, &file, &username, report).await
        }
        Command::Serve { db, bind, plain_http, query_limit, import_limit_mib, anchor_file, anchor_minutes } => {
            let secure_cookies = secure_cookies_for(&bind, plain_http);
            let store = open(&db).await?.with_read_limit(std::time::Duration::from_secs(query_limit));
            if db.audit_key_file.is_none() {
                eprintln!("warning: no --audit-key-file: the audit chains are not signed");
            }
            if let Some(path) = anchor_file {
                let (store, every) = (store.clone(), std::time::Duration::from_secs(anchor_minutes.max(1) * 60));
                tokio::spawn(async move {
                    loop {
                        if let Err(e) = append_anchors(&store, &path).await {
                            eprintln!("publishing the audit anchors to {}: {e:#}", path.display());
                        }
                        tokio::time::sleep(every).await;
                    }
                });
            }
            serve(
                store,
                &bind,
                WebConfig {
                    secure_cookies,
                    import_limit: import_limit_mib.saturating_mul(1 << 20),
                    ..WebConfig::default()
                },
            )
            .await
        }
        Command::Migrate { db } => {
            open(&db).await?;
            println!("migrations are up to date");
            Ok(())
        }
        Command::Geography { db } => {
            let store = open(&db).await?;
            let loaded = store.load_geography(&geography(&GeographyConfig::default())).await?;
            if loaded.org_units == 0 {
                println!("the geography was already loaded");
            } else {
                println!("loaded {} places and {} org units", loaded.places, loaded.org_units);
            }
            Ok(())
        }
        Command::User(UserCommand::Add { db, username, display_name, unit, roles }) => {
            let store = open(&db).await?;
            let unit =
                store.org_unit_by_code(&unit).await.with_context(|| format!("no org unit with code {unit:?}"))?;
            let roles = roles
                .iter()
                .map(|r| Role::parse(r).with_context(|| format!("unknown role {r:?}")))
                .collect::<Result<Vec<_>>>()?;
            let (password, generated) = password_from_stdin()?;
            let user = store
                .create_user(
                    None,
                    NewUser { username, display_name, password: password.clone(), unit_id: unit.id, roles },
                )
                .await?;
            println!("created user {} (id {}) in {}", user.username, user.id, unit.code);
            if generated {
                println!("password (shown once): {password}");
            }
            Ok(())
        }
        Command::User(UserCommand::Password { db, username }) => {
            let store = open(&db).await?;
            let id = store.user_id_by_name(&username).await.with_context(|| format!("no user {username:?}"))?;
            let (password, generated) = password_from_stdin()?;
            store.set_password(None, id, &password).await?;
            println!("password of {username} set; their sessions ended");
            if generated {
                println!("password (shown once): {password}");
            }
            Ok(())
        }
        Command::Token { db, username, name, days } => {
            let store = open(&db).await?;
            let id = store.user_id_by_name(&username).await.with_context(|| format!("no user {username:?}"))?;
            let valid_for = std::time::Duration::from_secs(days.saturating_mul(86_400));
            let (token, secret) = store.issue_api_token(None, id, &name, Some(valid_for)).await?;
            println!(
                "token {} (id {}) for {username}, valid {days} days; send it as 'Authorization: Bearer TOKEN'",
                token.name, token.id
            );
            println!("{secret}");
            Ok(())
        }
        Command::RevokeToken { db, id } => {
            let store = open(&db).await?;
            store.revoke_api_token_as_operator(id).await?;
            println!("token {id} revoked");
            Ok(())
        }
        Command::Audit(AuditCommand::Verify { db, anchor }) => {
            let store = open(&db).await?;
            let anchors = match &anchor {
                Some(path) => read_anchors(path)?,
                None => Vec::new(),
            };
            let report = store.verify_audit_chain_against(&anchors).await?;
            match (&report, report.problem()) {
                (ChainReport::Intact { entries, head_hash }, _) => {
                    println!("audit chain intact: {entries} entries, head {head_hash}");
                    if !anchors.is_empty() {
                        println!("every one of {} anchors matches", anchors.len());
                    }
                    if db.audit_key_file.is_none() {
                        println!("registry rows not checked: give --audit-key-file to check their seals");
                        return Ok(());
                    }
                    let seals = store.verify_row_seals().await?;
                    if seals.broken > 0 {
                        for b in &seals.first_broken {
                            eprintln!("  {} {}: {}", b.table, b.id, b.reason);
                        }
                        bail!("{} of {} registry rows fail their seal", seals.broken, seals.rows);
                    }
                    println!("registry rows sealed and intact: {}", seals.rows);
                    Ok(())
                }
                (_, Some((seq, reason))) => bail!("audit chain broken at entry {seq}: {reason}"),
                (_, None) => bail!("audit chain not verified"),
            }
        }
        Command::Audit(AuditCommand::SealRows { db }) => {
            let store = open(&db).await?;
            println!("sealed {} rows", store.seal_unsealed_rows().await?);
            Ok(())
        }
        Command::Audit(AuditCommand::Anchor { db, out }) => {
            let store = open(&db).await?;
            let written = append_anchors(&store, &out).await?;
            println!("{written}");
            Ok(())
        }
        Command::Hr(HrCommand::Import { db, kind, file, username, report }) => {
            let store = open(&db).await?;
            let actor = actor_named(&store, &username).await?;
            let report = report.unwrap_or_else(|| std::path::PathBuf::from(format!("{}.report.csv", file.display())));
            let (recorded, refused) = hr::import(&store, &actor, kind, &file, &report).await?;
            println!("{recorded} rows recorded, {refused} refused (see {})", report.display());
            Ok(())
        }
        Command::Vetting(VettingCommand::RotateKey { db }) => {
            let key_file =
                db.vetting_key_file.clone().context("--vetting-key-file (or TAVANA_VETTING_KEY_FILE) is needed")?;
            let now = tavana_store::Clock::System.now_micros();
            let keys = if key_file.exists() {
                tavana_store::audit_keys::Keyring::load(&key_file).map_err(|e| anyhow::anyhow!(e))?.rotated(now)
            } else {
                tavana_store::audit_keys::Keyring::generate(now)
            };
            keys.save(&key_file).with_context(|| format!("writing {}", key_file.display()))?;
            let store = open(&db).await?;
            let resealed = store.reseal_vetting().await?;
            let id = keys.current().map_or(0, |k| k.id);
            println!("vetting key {id} added to {}: {resealed} texts re-sealed with it", key_file.display());
            Ok(())
        }
        Command::Audit(AuditCommand::RotateKey { key_file }) => {
            let now = tavana_store::Clock::System.now_micros();
            let keys = if key_file.exists() {
                tavana_store::audit_keys::Keyring::load(&key_file).map_err(|e| anyhow::anyhow!(e))?.rotated(now)
            } else {
                tavana_store::audit_keys::Keyring::generate(now)
            };
            keys.save(&key_file).with_context(|| format!("writing {}", key_file.display()))?;
            let id = keys.current().map_or(0, |k| k.id);
            println!("audit key {id} added to {}: restart the servers to sign with it", key_file.display());
            if id == 1 {
                println!("then seal the registry's existing rows once: tavana audit seal-rows --audit-key-file …");
            }
            Ok(())
        }
    }
}

/// Appends the chains' heads to a file of anchors; returns what was written.
async fn append_anchors(store: &Store, path: &std::path::Path) -> Result<String> {
    use std::io::Write;
    let anchors = store.audit_anchors().await?;
    let mut text = String::new();
    for a in &anchors {
        text.push_str(&serde_json::to_string(a)?);
        text.push('\n');
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(text.trim_end().to_string())
}

/// Reads a file of anchors (JSON lines).
fn read_anchors(path: &std::path::Path) -> Result<Vec<tavana_store::audit::Anchor>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| serde_json::from_str(l).with_context(|| format!("{}, line {}", path.display(), n + 1)))
        .collect()
}

/// Whether session cookies carry the Secure flag: always, but when the operator
/// says the server is reached by plain HTTP, or it listens on a loopback address
/// (the demo, a developer's machine), where a browser would not send them back.
fn secure_cookies_for(bind: &str, plain_http: bool) -> bool {
    let loopback = bind
        .parse::<std::net::SocketAddr>()
        .map(|a| a.ip().is_loopback())
        .unwrap_or_else(|_| bind.starts_with("localhost:"));
    !(plain_http || loopback)
}

/// A password from standard input when it is piped in; otherwise a generated one.
fn password_from_stdin() -> Result<(String, bool)> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok((generated_password(), true));
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let line = line.trim_end_matches(['\r', '\n']).to_string();
    if line.is_empty() { Ok((generated_password(), true)) } else { Ok((line, false)) }
}

fn generated_password() -> String {
    random_token()[..16].to_string()
}

fn synth(persons: u64, seed: u64, out: &std::path::Path, bad_rows: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&bad_rows) {
        bail!("--bad-rows must be between 0 and 1");
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let config = PopulationConfig { persons, seed, bad_rows, ..PopulationConfig::default() };
    let (files, _) = write_population(config, |name| {
        let path = out.join(name);
        std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))
    })?;
    println!(
        "wrote {} households, {} persons and {} disability assessments to {}",
        files.households,
        files.persons,
        files.disabilities,
        out.display()
    );
    let units = tavana_synth::staff::units_of(&geography(&GeographyConfig::default()));
    let (positions, staff) = tavana_synth::staff::staff(&units, seed);
    let mut file = csv::Writer::from_path(out.join("positions.csv")).context("creating positions.csv")?;
    for p in &positions {
        file.serialize(p)?;
    }
    file.flush()?;
    let mut file = csv::Writer::from_path(out.join("staff.csv")).context("creating staff.csv")?;
    for member in &staff {
        file.serialize(member)?;
    }
    file.flush()?;
    println!("wrote {} positions and {} staff to {}", positions.len(), staff.len(), out.display());
    Ok(())
}

/// How many rows of each kind were written.
pub(crate) struct Written {
    pub households: u64,
    pub persons: u64,
    pub disabilities: u64,
}

/// Streams a population into the three import files `create` opens (households,
/// persons, disabilities) and gives them back, flushed.
pub(crate) fn write_population<W: std::io::Write>(
    config: PopulationConfig,
    mut create: impl FnMut(&str) -> Result<W>,
) -> Result<(Written, [W; 3])> {
    let mut households = csv::Writer::from_writer(create("households.csv")?);
    let mut persons = csv::Writer::from_writer(create("persons.csv")?);
    let mut disabilities = csv::Writer::from_writer(create("disabilities.csv")?);
    let mut written = Written { households: 0, persons: 0, disabilities: 0 };
    for h in Population::new(config) {
        households.serialize(&h.household)?;
        written.households += 1;
        for p in &h.persons {
            persons.serialize(p)?;
            written.persons += 1;
        }
        for d in &h.disabilities {
            disabilities.serialize(d)?;
            written.disabilities += 1;
        }
    }
    let inner =
        |w: csv::Writer<W>| w.into_inner().map_err(|e| anyhow::anyhow!("flushing an import file: {}", e.error()));
    Ok((written, [inner(households)?, inner(persons)?, inner(disabilities)?]))
}

async fn import_file(
    store: &Store,
    kind: &str,
    file: &std::path::Path,
    username: &str,
    report: Option<std::path::PathBuf>,
) -> Result<()> {
    let kind = ImportKind::parse(kind)
        .with_context(|| format!("unknown kind {kind:?}: households, persons or disabilities"))?;
    let name = file.display().to_string();
    let format = FileFormat::from_name(&name).with_context(|| format!("{name}: use a .csv, .jsonl or .ndjson file"))?;
    let actor = actor_named(store, username).await?;
    let input = std::fs::File::open(file).with_context(|| format!("opening {name}"))?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    let read = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counting = CountingReader { inner: input, read: read.clone() };
    let report_path = report.unwrap_or_else(|| std::path::PathBuf::from(format!("{name}.report.csv")));
    let mut report_file = std::io::BufWriter::new(
        std::fs::File::create(&report_path).with_context(|| format!("creating {}", report_path.display()))?,
    );
    use std::io::Write;
    writeln!(report_file, "{}", RowError::CSV_HEADER)?;
    let bar = indicatif::ProgressBar::new(size);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {percent:>3}% {elapsed} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut write_failed = None;
    let summary = tavana_store::registry::import::import(
        store,
        &actor,
        kind,
        format,
        Box::new(counting),
        &mut |e: &RowError| {
            if let Err(err) = writeln!(report_file, "{}", e.to_csv_line()) {
                write_failed.get_or_insert(err);
            }
        },
        &mut |s: &ImportSummary| {
            bar.set_position(read.load(std::sync::atomic::Ordering::Relaxed));
            bar.set_message(format!("{} read, {} rejected", s.read, s.rejected));
        },
    )
    .await?;
    bar.finish_and_clear();
    report_file.flush()?;
    if let Some(err) = write_failed {
        return Err(err).context("writing the report");
    }
    println!(
        "{}: {} rows read, {} inserted, {} updated, {} unchanged, {} rejected",
        kind.as_str(),
        summary.read,
        summary.inserted,
        summary.updated,
        summary.unchanged,
        summary.rejected
    );
    if summary.rejected > 0 {
        println!("rejected rows are listed in {}", report_path.display());
    }
    Ok(())
}

async fn export_file(
    store: &Store,
    kind: &str,
    file: &std::path::Path,
    username: &str,
    unit: Option<&str>,
) -> Result<()> {
    let kind = ImportKind::parse(kind)
        .with_context(|| format!("unknown kind {kind:?}: households, persons or disabilities"))?;
    let name = file.display().to_string();
    let format = FileFormat::from_name(&name).with_context(|| format!("{name}: use a .csv, .jsonl or .ndjson file"))?;
    let actor = actor_named(store, username).await?;
    let scope = match unit {
        Some(code) => {
            let unit = store.org_unit_by_code(code).await.with_context(|| format!("no org unit with code {code:?}"))?;
            Some(unit.unit_path()?)
        }
        None => None,
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(file).with_context(|| format!("creating {name}"))?);
    let rows = store.export(&actor, kind, format, scope.as_ref(), &mut out).await?;
    use std::io::Write;
    out.flush()?;
    println!("wrote {rows} {} to {name}", kind.as_str());
    Ok(())
}

/// A reader that counts the bytes read, for the progress bar.
struct CountingReader<R> {
    inner: R,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: std::io::Read> std::io::Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

pub(crate) async fn actor_named(store: &Store, username: &str) -> Result<tavana_domain::iam::Actor> {
    let id = store.user_id_by_name(username).await.with_context(|| format!("no user {username:?}"))?;
    Ok(store.actor_for_user(id).await?)
}

/// Loads a synthetic population into the demo registry through the same import
/// path files take, as the demo's registrar.
async fn load_demo_population(store: &Store, persons: u64) -> Result<()> {
    let actor = actor_named(store, "registrar").await?;
    let config = PopulationConfig { persons, ..PopulationConfig::default() };
    let (_, files) = write_population(config, |_| Ok(Vec::new()))?;
    let kinds = [ImportKind::Households, ImportKind::Persons, ImportKind::Disabilities];
    for (kind, bytes) in kinds.into_iter().zip(files) {
        let summary = tavana_store::registry::import::import(
            store,
            &actor,
            kind,
            FileFormat::Csv,
            Box::new(std::io::Cursor::new(bytes)),
            &mut |_: &RowError| {},
            &mut |_: &ImportSummary| {},
        )
        .await?;
        println!("loaded {} {}", summary.inserted, kind.as_str());
    }
    Ok(())
}

async fn demo(port: u16, database: &str, persons: u64) -> Result<()> {
    // The demo signs its audit chains with a key file beside its database
    // (`tavana audit verify --audit-key-file …` checks them).
    let key_file = std::path::PathBuf::from(match database.strip_prefix("sqlite:") {
        Some(path) => format!("{}.audit-keys", path.split('?').next().unwrap_or(path)),
        None => "tavana-demo.audit-keys".to_string(),
    });
    let keys = if key_file.exists() {
        tavana_store::audit_keys::Keyring::load(&key_file).map_err(|e| anyhow::anyhow!(e))?
    } else {
        let keys = tavana_store::audit_keys::Keyring::generate(tavana_store::Clock::System.now_micros());
        keys.save(&key_file).with_context(|| format!("writing {}", key_file.display()))?;
        keys
    };
    println!("the audit chains are signed with the keys in {}", key_file.display());
    let vetting_file = std::path::PathBuf::from(format!(
        "{}.vetting-keys",
        key_file.display().to_string().trim_end_matches(".audit-keys")
    ));
    let vetting = if vetting_file.exists() {
        tavana_store::audit_keys::Keyring::load(&vetting_file).map_err(|e| anyhow::anyhow!(e))?
    } else {
        let keys = tavana_store::audit_keys::Keyring::generate(tavana_store::Clock::System.now_micros());
        keys.save(&vetting_file).with_context(|| format!("writing {}", vetting_file.display()))?;
        keys
    };
    println!("vetting files are encrypted with the keys in {}", vetting_file.display());
    let store = open_keyed(database, Some(keys)).await?.with_vetting_keys(vetting);
    let loaded = store.load_geography(&geography(&GeographyConfig::default())).await?;
    if loaded.org_units > 0 {
        println!("loaded {} places and {} org units", loaded.places, loaded.org_units);
    }
    if store.has_users().await? {
        println!("demo users exist already (their passwords were printed when they were created);");
        println!("set a new one with: tavana user password --database {database} admin");
    } else {
        println!("demo users (passwords are shown only now):");
        println!("  {:<15} {:<18} {:<8} password", "user", "role", "unit");
        for demo in DEMO_USERS {
            let unit = store.org_unit_by_code(demo.unit_code).await?;
            let password = generated_password();
            store
                .create_user(
                    None,
                    NewUser {
                        username: demo.username.into(),
                        display_name: demo.display_name.into(),
                        password: password.clone(),
                        unit_id: unit.id,
                        roles: vec![demo.role],
                    },
                )
                .await?;
            println!("  {:<15} {:<18} {:<8} {password}", demo.username, demo.role.as_str(), demo.unit_code);
        }
        if persons > 0 {
            load_demo_population(&store, persons).await?;
        }
        // Defined by one officer at HQ and put in force by another, as every program is.
        let officer = actor_named(&store, "program").await?;
        let chief = actor_named(&store, "program.chief").await?;
        for raw in tavana_synth::programs::demo_programs() {
            let fields = tavana_domain::programs::ProgramFields::parse(&raw)
                .map_err(|e| anyhow::anyhow!("demo program {}: {e:?}", raw.code))?;
            let program = store.create_program(&officer, &fields, "demo").await?;
            store
                .set_program_status(&chief, program.id, tavana_domain::programs::ProgramStatus::Active, "demo")
                .await?;
        }
        println!("created {} programs", tavana_synth::programs::demo_programs().len());
        hr::seed_demo(&store).await?;
        library::seed_demo(&store).await?;
        if persons > 0 {
            cycle::seed_demo(&store).await?;
            cases::seed_demo(&store).await?;
            applications::seed_demo(&store).await?;
            employment::seed_demo(&store, persons).await?;
            planning::seed_demo(&store).await?;
        }
    }
    let store = store.with_read_limit(std::time::Duration::from_secs(60));
    serve(store, &format!("127.0.0.1:{port}"), WebConfig::default()).await
}

async fn serve(store: Store, bind: &str, config: WebConfig) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| format!("listening on {bind}"))?;
    // Texts to beneficiaries: handed over every half minute. No SMS gateway is
    // plugged in yet, so each is logged by its id and person (never its number
    // or body).
    let texts = store.clone();
    tokio::spawn(async move {
        loop {
            match texts.take_texts(1_000).await {
                Ok(sent) => {
                    for text in sent {
                        tracing::info!(
                            text = text.id,
                            person = text.person_id,
                            "text to send (no SMS gateway configured)"
                        );
                    }
                }
                Err(e) => tracing::warn!(error = %e, "taking texts to send"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
        }
    });
    // Travel discount cards follow the registry: lapsed ones are revoked every
    // six hours (a card is checked live anyway).
    let cards = store.clone();
    tokio::spawn(async move {
        loop {
            match cards.sweep_travel_cards().await {
                Ok(revoked) => tracing::info!(revoked, "travel cards swept"),
                Err(e) => tracing::warn!(error = %e, "sweeping travel cards"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(6 * 60 * 60)).await;
        }
    });
    // Grievances past their deadline move to the office above, checked hourly.
    let grievances = store.clone();
    tokio::spawn(async move {
        loop {
            match grievances.escalate_overdue_grievances().await {
                Ok(0) => {}
                Ok(escalated) => tracing::info!(escalated, "overdue grievances escalated"),
                Err(e) => tracing::warn!(error = %e, "escalating overdue grievances"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(60 * 60)).await;
        }
    });
    let addr = listener.local_addr()?;
    println!("Tavana is serving on http://{addr}/ (Ctrl-C stops it)");
    tavana_web::serve(listener, AppState::new(store, config)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::secure_cookies_for;

    /// Cookies were not Secure unless asked; now they are unless the server
    /// listens on this machine only or the operator says it is plain HTTP.
    #[test]
    fn cookies_are_secure_unless_served_on_loopback_or_declared_plain() {
        assert!(secure_cookies_for("0.0.0.0:8080", false));
        assert!(secure_cookies_for("10.1.2.3:443", false));
        assert!(!secure_cookies_for("127.0.0.1:8080", false));
        assert!(!secure_cookies_for("[::1]:8080", false));
        assert!(!secure_cookies_for("localhost:8080", false));
        assert!(!secure_cookies_for("0.0.0.0:8080", true));
    }
}
