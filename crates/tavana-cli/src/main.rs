//! `tavana`: the welfare-management system's one binary.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use std::io::{BufRead, IsTerminal};
use tavana_domain::iam::Role;
use tavana_store::Store;
use tavana_store::audit::ChainReport;
use tavana_store::iam::{NewUser, random_token};
use tavana_synth::geo::{GeographyConfig, geography};
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
    },
    /// Serve the web UI and API. Runs pending migrations first.
    Serve {
        #[command(flatten)]
        db: DatabaseArg,
        /// Address to listen on.
        #[arg(long, env = "TAVANA_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Mark cookies Secure: set this when users reach Tavana over HTTPS.
        #[arg(long, env = "TAVANA_SECURE_COOKIES")]
        secure_cookies: bool,
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
    },
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
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
enum AuditCommand {
    /// Check the whole hash chain. Exits non-zero and names the first broken entry
    /// when any entry was altered or removed.
    Verify {
        #[command(flatten)]
        db: DatabaseArg,
    },
}

#[derive(Args)]
struct DatabaseArg {
    /// Database URL: sqlite:PATH or postgres://USER@HOST/DB.
    #[arg(long, env = "TAVANA_DATABASE_URL", default_value = "sqlite:tavana.db")]
    database: String,
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("TAVANA_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(cli.command))
}

async fn open(url: &str) -> Result<Store> {
    Store::open(url).await.with_context(|| format!("opening the database at {}", tavana_store::redact_url(url)))
}

async fn run(command: Command) -> Result<()> {
    match command {
        Command::Demo { port, database } => demo(port, &database).await,
        Command::Serve { db, bind, secure_cookies } => {
            let store = open(&db.database).await?;
            serve(store, &bind, WebConfig { secure_cookies, ..WebConfig::default() }).await
        }
        Command::Migrate { db } => {
            open(&db.database).await?;
            println!("migrations are up to date");
            Ok(())
        }
        Command::Geography { db } => {
            let store = open(&db.database).await?;
            let loaded = store.load_geography(&geography(&GeographyConfig::default())).await?;
            if loaded.org_units == 0 {
                println!("the geography was already loaded");
            } else {
                println!("loaded {} places and {} org units", loaded.places, loaded.org_units);
            }
            Ok(())
        }
        Command::User(UserCommand::Add { db, username, display_name, unit, roles }) => {
            let store = open(&db.database).await?;
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
            let store = open(&db.database).await?;
            let id = store.user_id_by_name(&username).await.with_context(|| format!("no user {username:?}"))?;
            let (password, generated) = password_from_stdin()?;
            store.set_password(None, id, &password).await?;
            println!("password of {username} set; their sessions ended");
            if generated {
                println!("password (shown once): {password}");
            }
            Ok(())
        }
        Command::Token { db, username, name } => {
            let store = open(&db.database).await?;
            let id = store.user_id_by_name(&username).await.with_context(|| format!("no user {username:?}"))?;
            let (token, secret) = store.issue_api_token(None, id, &name, None).await?;
            println!("token {} (id {}) for {username}; send it as 'Authorization: Bearer TOKEN'", token.name, token.id);
            println!("{secret}");
            Ok(())
        }
        Command::Audit(AuditCommand::Verify { db }) => {
            let store = open(&db.database).await?;
            match store.verify_audit_chain().await? {
                ChainReport::Intact { entries, head_hash } => {
                    println!("audit chain intact: {entries} entries, head {head_hash}");
                    Ok(())
                }
                ChainReport::Broken { seq, reason } => bail!("audit chain broken at entry {seq}: {reason}"),
            }
        }
    }
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

async fn demo(port: u16, database: &str) -> Result<()> {
    let store = open(database).await?;
    let loaded = store.load_geography(&geography(&GeographyConfig::default())).await?;
    if loaded.org_units > 0 {
        println!("loaded {} places and {} org units", loaded.places, loaded.org_units);
    }
    if store.has_users().await? {
        println!("demo users exist already (their passwords were printed when they were created);");
        println!("set a new one with: tavana user password --database {database} admin");
    } else {
        println!("demo users (passwords are shown only now):");
        println!("  {:<12} {:<18} {:<8} password", "user", "role", "unit");
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
            println!("  {:<12} {:<18} {:<8} {password}", demo.username, demo.role.as_str(), demo.unit_code);
        }
    }
    serve(store, &format!("127.0.0.1:{port}"), WebConfig::default()).await
}

async fn serve(store: Store, bind: &str, config: WebConfig) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| format!("listening on {bind}"))?;
    let addr = listener.local_addr()?;
    println!("Tavana is serving on http://{addr}/ (Ctrl-C stops it)");
    tavana_web::serve(listener, AppState::new(store, config)).await?;
    Ok(())
}
