//! `tavana bench`: measured figures for the README's performance table. Nothing
//! here asserts a speed; it reports what it measures and on what.

use crate::{Written, write_population};
use anyhow::{Context, Result};
use std::time::{Duration, Instant};
use tavana_domain::iam::Role;
use tavana_store::Store;
use tavana_store::iam::{NewUser, random_token};
use tavana_store::registry::import::{FileFormat, ImportKind, ImportSummary, RowError};
use tavana_synth::geo::{GeographyConfig, geography};
use tavana_synth::population::PopulationConfig;
use tavana_web::{AppState, WebConfig};

/// What the registry bench does.
pub struct RegistryBench {
    pub persons: u64,
    /// An empty database to fill; a new SQLite file when absent.
    pub database: Option<String>,
    /// How long the lookup load runs.
    pub seconds: u64,
    /// Concurrent clients of the lookup load.
    pub clients: usize,
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// What the eligibility bench does.
pub struct EligibilityBench {
    pub persons: u64,
    pub database: Option<String>,
}

/// Loads a population, then times the demo pension rule compiled to SQL over all of
/// it beside the same rule written by hand (the backend's ceiling for the work), a
/// simulation of it per province and county, the proposal, and the confirmation
/// of the whole proposal.
pub async fn eligibility(bench: EligibilityBench) -> Result<()> {
    println!("tavana bench eligibility: {} persons, {} cores", bench.persons, cores());
    let Loaded { dir: _dir, store, user_id: _ } = load(bench.persons, bench.database).await?;
    let officer = bench_user(&store, "officer", Role::ProgramOfficer).await?;
    let approver = bench_user(&store, "approver", Role::ProgramOfficer).await?;
    let pension = tavana_synth::programs::demo_programs().into_iter().next().context("the demo pension")?;
    let fields = tavana_domain::programs::ProgramFields::parse(&pension)
        .map_err(|e| anyhow::anyhow!("the demo pension: {e:?}"))?;
    let program = store.create_program(&officer, &fields, "benchmark").await?;
    let terms = program.terms()?;
    let as_of = store.default_as_of()?;
    let started = Instant::now();
    let households = store.recount_household_facts().await?;
    println!();
    println!(
        "household facts counted again from the registry: {households} households in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    println!();
    println!("rule: {}", pension.rule);
    println!("| run | persons | seconds | ratio to the hand-written query | eligible |");
    println!("|---|---|---|---|---|");
    let mut ceiling = f64::NAN;
    for run in 1..=2 {
        let started = Instant::now();
        let (counted, _) = store.ceiling_pension(as_of).await?;
        ceiling = started.elapsed().as_secs_f64();
        println!("| hand-written SQL, run {run} | {} | {ceiling:.2} | 1.00 | {counted} |", bench.persons);
    }
    let mut eligibility = f64::NAN;
    for run in 1..=2 {
        let started = Instant::now();
        let outcomes = store.outcomes(&officer, &terms, as_of).await?;
        let eligible = outcomes.iter().filter(|o| o.outcome == tavana_domain::programs::Outcome::Eligible).count();
        eligibility = started.elapsed().as_secs_f64();
        println!(
            "| eligibility, run {run} | {} | {eligibility:.2} | {:.2} | {eligible} |",
            bench.persons,
            eligibility / ceiling
        );
    }
    let started = Instant::now();
    let simulation = store.simulate_program(&officer, program.id, fields.rule, fields.formula, as_of).await?;
    let eligible: i64 = simulation.rows.iter().map(|r| r.eligible).sum();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "| simulation per county | {} | {seconds:.2} | {:.2} ({:.2} × eligibility) | {eligible} |",
        bench.persons,
        seconds / ceiling,
        seconds / eligibility
    );
    let started = Instant::now();
    let proposal = store.propose_enrollments(&officer, program.id, as_of).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "| proposal | {} | {seconds:.2} | {:.2} | {} |",
        bench.persons,
        seconds / ceiling,
        proposal.to_enroll.len()
    );
    store
        .set_program_status(&approver, program.id, tavana_domain::programs::ProgramStatus::Active, "benchmark")
        .await?;
    reset_peak_rss();
    let started = Instant::now();
    let request = tavana_store::programs::ConfirmRequest {
        persons: tavana_store::programs::Persons::Proposed,
        reasons: "benchmark",
        legal_basis: "benchmark",
        as_of,
    };
    let done = store.confirm_enrollments(&officer, program.id, &request).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "| confirmation of the whole proposal (enrolled; peak RSS {:.0} MiB) | {} | {seconds:.2} | {:.2} | {} |",
        peak_rss_mib().unwrap_or(0.0),
        bench.persons,
        seconds / ceiling,
        done.enrolled
    );
    store.close().await;
    Ok(())
}

/// What the cycle bench does.
pub struct CycleBench {
    pub persons: u64,
    pub database: Option<String>,
    /// The database holds a population already.
    pub loaded: bool,
}

/// A pension paying households whose head is in the lower seven income deciles
/// (about 70 % of households, so 1.54 M of the 2.2 M in 7.7 M persons), the
/// demo pension's amount; everyone it proposes enrolled. Then one month's cycle
/// over the country, timed step by step, against the hand-written pension query
/// over the same persons (the backend's ceiling for reading them).
pub async fn cycle(bench: CycleBench) -> Result<()> {
    use tavana_domain::payments::{PayMonth, Rounding};
    println!("tavana bench cycle: {} persons, {} cores", bench.persons, cores());
    let (store, _dir) = open_or_load(bench.persons, bench.database, bench.loaded).await?;
    let (program, _) = enroll_pension(&store).await?;
    let maker = bench_user(&store, "maker", Role::FinanceMaker).await?;
    let checker = bench_user(&store, "checker", Role::FinanceChecker).await?;
    let debtor =
        tavana_domain::sheba::Sheba::from_bban([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    let settings = tavana_domain::payments::PaymentSettingsFields {
        rounding: Rounding::Thousand,
        debtor_name: "سازمان بهزیستی کشور".into(),
        debtor_sheba: debtor,
        deduction: None,
    };
    store.set_payment_settings(&maker, program.id, &settings).await?;
    let month = PayMonth::of(tavana_domain::jalali::JalaliDate::from_gregorian(store.today())?);
    let started = Instant::now();
    let (_, _) = store.ceiling_pension(month.first_day()).await?;
    let ceiling = started.elapsed().as_secs_f64();
    let hq = store.org_unit_by_code("HQ").await?.id;
    let cycle = store.create_cycle(&maker, program.id, month, hq).await?;

    println!();
    println!("| step | lines | seconds | ratio to the hand-written pension query | peak RSS MiB |");
    println!("|---|---|---|---|---|");
    println!("| hand-written pension query over every person | | {ceiling:.2} | 1.00 | |");
    let row = |step: &str, lines: i64, seconds: f64| {
        println!(
            "| {step} | {lines} | {seconds:.2} | {:.2} | {:.0} |",
            seconds / ceiling,
            peak_rss_mib().unwrap_or(0.0)
        );
    };
    reset_peak_rss();
    let started = Instant::now();
    let computed = store.compute_cycle(&maker, cycle.id).await?;
    let compute = started.elapsed().as_secs_f64();
    row("compute (31 provinces, a transaction each)", computed.payable_count + computed.held_count, compute);
    let started = Instant::now();
    store.submit_cycle(&maker, cycle.id).await?;
    store.approve_cycle(&checker, cycle.id, "benchmark").await?;
    row("submit and approve (ledger per province)", computed.payable_count, started.elapsed().as_secs_f64());
    reset_peak_rss();
    let started = Instant::now();
    let files = store.issue_bank_files(&maker, cycle.id).await?;
    let issue = started.elapsed().as_secs_f64();
    row(&format!("issue the bank files ({} files, CSV and pain.001)", files.len()), computed.payable_count, issue);
    // The bank's return: every payment paid but one in a hundred.
    reset_peak_rss();
    let started = Instant::now();
    let mut returned = String::from("end_to_end_id,status,reason\n");
    let mut bytes = 0u64;
    for file in &files {
        let mut out = Vec::new();
        store.download_bank_file(&maker, file.id, &mut out).await?;
        bytes += out.len() as u64;
        if file.format == tavana_store::payments::FileFormat::Csv {
            for (i, line) in String::from_utf8_lossy(&out).lines().skip(1).enumerate() {
                let id = line.split(',').next().unwrap_or_default();
                let status = if i % 100 == 0 { "failed,closed account" } else { "paid," };
                returned.push_str(&format!("{id},{status}\n"));
            }
        }
    }
    row(
        &format!("download every file again ({} MiB)", bytes >> 20),
        computed.payable_count,
        started.elapsed().as_secs_f64(),
    );
    reset_peak_rss();
    let started = Instant::now();
    let report = store.reconcile_cycle(&maker, cycle.id, returned.as_bytes()).await?;
    row(
        &format!("reconcile the return ({} paid, {} failed)", report.paid, report.failed),
        (report.paid + report.failed) as i64,
        started.elapsed().as_secs_f64(),
    );
    println!();
    println!(
        "compute and issue: {:.2} s for {} households paid ({} held)",
        compute + issue,
        computed.payable_count,
        computed.held_count
    );
    let ledger = store.check_ledger().await?;
    println!("ledger: {} entries, {} unbalanced, total {}", ledger.entries, ledger.unbalanced.len(), ledger.total);
    store.close().await;
    Ok(())
}

/// A pension paying households whose head is in the lower seven income deciles
/// (the demo pension's amount), defined and put in force by two officers at HQ,
/// with everyone it proposes enrolled. Returns the program and its officer.
async fn enroll_pension(store: &Store) -> Result<(tavana_store::programs::Program, tavana_domain::iam::Actor)> {
    let officer = bench_user(store, "officer", Role::ProgramOfficer).await?;
    let approver = bench_user(store, "approver", Role::ProgramOfficer).await?;
    let mut pension = tavana_synth::programs::demo_programs().into_iter().next().context("the demo pension")?;
    pension.code = format!("BENCH{}", &random_token()[..6]).to_uppercase();
    pension.rule = "person.income_decile <= 7".into();
    let fields = tavana_domain::programs::ProgramFields::parse(&pension)
        .map_err(|e| anyhow::anyhow!("the bench pension: {e:?}"))?;
    let program = store.create_program(&officer, &fields, "benchmark").await?;
    store
        .set_program_status(&approver, program.id, tavana_domain::programs::ProgramStatus::Active, "benchmark")
        .await?;
    let started = Instant::now();
    let request = tavana_store::programs::ConfirmRequest {
        persons: tavana_store::programs::Persons::Proposed,
        reasons: "benchmark",
        legal_basis: "benchmark",
        as_of: store.default_as_of()?,
    };
    let enrolled = store.confirm_enrollments(&officer, program.id, &request).await?.enrolled;
    println!("enrolled {enrolled} households in {:.1} s", started.elapsed().as_secs_f64());
    Ok((program, officer))
}

/// What the planning centre's bench does.
pub struct AnalyticsBench {
    pub persons: u64,
    pub database: Option<String>,
    /// The database holds a population already (and, with it, a pension).
    pub loaded: bool,
    /// How many times each dashboard is read.
    pub runs: usize,
}

/// Loads a population (or uses one loaded already), enrolls the pension, imports
/// the villages' census and has some beneficiaries leave; then reads every
/// dashboard of the planning centre as its page does, `runs` times each, beside
/// the backend's raw group-by over the same rows.
pub async fn analytics(bench: AnalyticsBench) -> Result<()> {
    println!("tavana bench analytics: {} persons, {} cores", bench.persons, cores());
    let (store, _dir) = open_or_load(bench.persons, bench.database, bench.loaded).await?;
    let planner = bench_user(&store, "planner", Role::Planner).await?;
    if !bench.loaded {
        let (program, officer) = enroll_pension(&store).await?;
        let started = Instant::now();
        let csv = tavana_synth::planning::census_csv(&geography(&GeographyConfig::default()), 1395);
        let census = store.import_villages(&planner, csv.as_bytes()).await?;
        println!("census of {} villages imported in {:.2} s", census.recorded, started.elapsed().as_secs_f64());
        let started = Instant::now();
        let left = crate::planning::exits(&store, &officer, program.id, 0, 200, "benchmark", "benchmark").await?;
        println!("{left} beneficiaries left the pension in {:.2} s", started.elapsed().as_secs_f64());
    }
    let tehran = store.place_by_code("08").await?.id;
    let county = store.place_by_code("08-01").await?.id;
    let year = i64::from(tavana_domain::jalali::JalaliDate::from_gregorian(store.today())?.year());
    let mut ceilings = [0.0f64; 3];
    for _ in 0..bench.runs.max(1) {
        let once = store.ceiling_group_bys().await?;
        for (c, o) in ceilings.iter_mut().zip(once) {
            *c = if *c == 0.0 { o } else { c.min(o) };
        }
    }
    println!();
    println!("raw group-bys (fastest of {} runs):", bench.runs.max(1));
    println!("- living persons per place, through their households: {:.3} s", ceilings[0]);
    println!("- enrollments per county office and state: {:.3} s", ceilings[1]);
    println!("- ledger postings per program and province: {:.3} s", ceilings[2]);
    println!();
    println!("| dashboard | what it reads | median s | max s | raw group-by s | ratio |");
    println!("|---|---|---|---|---|---|");
    let p = &planner;
    let s = &store;
    macro_rules! time {
        ($name:expr, $what:expr, $ceiling:expr, $body:expr) => {{
            let mut seconds = Vec::new();
            for _ in 0..bench.runs.max(1) {
                let started = Instant::now();
                $body;
                seconds.push(started.elapsed().as_secs_f64());
            }
            seconds.sort_by(f64::total_cmp);
            let median = seconds[seconds.len() / 2];
            let max = seconds[seconds.len() - 1];
            println!("| {} | {} | {median:.3} | {max:.3} | {:.3} | {:.2} |", $name, $what, $ceiling, median / $ceiling);
        }};
    }
    time!("coverage, the country", "place_facts, enrollments per office, the months' move tallies", ceilings[0], {
        s.coverage(p, None).await?;
        s.planning_trend(p, None).await?;
    });
    time!("coverage, Tehran province", "the same for its counties", ceilings[0], {
        s.coverage(p, Some(tehran)).await?;
        s.planning_trend(p, Some(tehran)).await?;
    });
    time!("coverage, a county's villages", "its enrollments by household place", ceilings[0], {
        s.coverage(p, Some(county)).await?;
        s.planning_trend(p, Some(county)).await?;
    });
    time!("hidden villages, the country", "census, place_facts, each village's served households", ceilings[0], {
        s.hidden_villages(p, None, 1_000).await?;
    });
    time!("waiting, the country", "drafts per office, the months' move tallies", ceilings[1], {
        s.planning_waiting(p, None).await?;
        s.planning_trend(p, None).await?;
    });
    time!("budget execution, the country", "the ledger's postings of two years", ceilings[2].max(1e-6), {
        s.planning_budget(p, None, year).await?;
    });
    time!("effectiveness, the country", "exit tallies, amounts in force, the trend", ceilings[1], {
        s.effectiveness(p, None).await?;
    });
    store.close().await;
    Ok(())
}

/// The database of a bench that may use a population loaded already
/// (`--loaded --database`), or a new one filled with `persons` (in a temporary
/// folder unless `database` names one, kept as long as the folder is).
async fn open_or_load(
    persons: u64,
    database: Option<String>,
    loaded: bool,
) -> Result<(Store, Option<tempfile::TempDir>)> {
    let (store, dir) = match (loaded, database) {
        (true, Some(url)) => (Store::open(&url).await?, None),
        (true, None) => anyhow::bail!("--loaded needs --database"),
        (false, database) => {
            let Loaded { dir, store, user_id: _ } = load(persons, database).await?;
            (store, Some(dir))
        }
    };
    println!("database: {:?}", store.backend());
    Ok((store, dir))
}

/// A user of the bench, at HQ, with one role.
async fn bench_user(store: &Store, name: &str, role: Role) -> Result<tavana_domain::iam::Actor> {
    let hq = store.org_unit_by_code("HQ").await?;
    let user = store
        .create_user(
            None,
            NewUser {
                username: format!("bench.{name}.{}", &random_token()[..8]),
                display_name: "bench".into(),
                password: random_token(),
                unit_id: hq.id,
                roles: vec![role],
            },
        )
        .await?;
    Ok(store.actor_for_user(user.id).await?)
}

/// The peak resident memory of this process since the last reset, in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Resets the peak (Linux: writing 5 to clear_refs), so each phase reports its own.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A database filled with a synthetic population, and the case worker who loaded it.
struct Loaded {
    dir: tempfile::TempDir,
    store: Store,
    user_id: i64,
}

/// Generates a population, loads it into `database` (a new SQLite file when absent)
/// and prints the import figures.
async fn load(persons: u64, database: Option<String>) -> Result<Loaded> {
    let dir = tempfile::tempdir()?;

    let started = Instant::now();
    let config = PopulationConfig { persons, ..PopulationConfig::default() };
    let (written, _) = write_population(config, |name| {
        let path = dir.path().join(name);
        Ok(std::io::BufWriter::new(
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?,
        ))
    })?;
    let Written { households, persons, disabilities } = written;
    println!(
        "synthetic files: {households} households, {persons} persons, {disabilities} assessments in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let url = database.unwrap_or_else(|| format!("sqlite:{}", dir.path().join("bench.db").display()));
    let store = Store::open(&url).await?;
    println!("database: {:?}", store.backend());
    store.load_geography(&geography(&GeographyConfig::default())).await?;
    let actor = bench_user(&store, "registrar", Role::CaseWorker).await?;

    println!();
    println!("| phase | rows | seconds | rows/s | share of the bare load's rows/s | peak RSS MiB |");
    println!("|---|---|---|---|---|---|");
    for kind in [ImportKind::Households, ImportKind::Persons, ImportKind::Disabilities] {
        let path = dir.path().join(format!("{}.csv", kind.as_str()));
        // The ceiling: the same rows loaded bare into a table without an index.
        let started = Instant::now();
        let bare = store.ceiling_bare_load(&path).await?;
        let bare_rate = bare as f64 / started.elapsed().as_secs_f64();
        println!(
            "| bare load of {} | {bare} | {:.2} | {bare_rate:.0} | 100 % | |",
            kind.as_str(),
            started.elapsed().as_secs_f64()
        );
        let file = std::fs::File::open(&path)?;
        reset_peak_rss();
        let started = Instant::now();
        let summary = tavana_store::registry::import::import(
            &store,
            &actor,
            kind,
            FileFormat::Csv,
            Box::new(std::io::BufReader::with_capacity(1 << 20, file)),
            &mut |_: &RowError| {},
            &mut |_: &ImportSummary| {},
        )
        .await?;
        let seconds = started.elapsed().as_secs_f64();
        let rate = summary.read as f64 / seconds;
        println!(
            "| import {} | {} | {:.2} | {rate:.0} | {:.1} % | {:.0} |",
            kind.as_str(),
            summary.inserted,
            seconds,
            100.0 * rate / bare_rate,
            peak_rss_mib().unwrap_or(0.0)
        );
    }
    Ok(Loaded { dir, store, user_id: actor.user_id })
}

pub async fn registry(bench: RegistryBench) -> Result<()> {
    println!("tavana bench registry: {} persons, {} cores", bench.persons, cores());
    let Loaded { dir, store, user_id } = load(bench.persons, bench.database).await?;
    let user = store.actor_for_user(user_id).await?;
    // Lookups by national code over HTTP, against a real server on this machine.
    let codes = sample_codes(&dir.path().join("persons.csv"), 20_000)?;
    let addr = tavana_web::spawn("127.0.0.1:0", AppState::new(store.clone(), WebConfig::default())).await?;
    let (_, token) = store.issue_api_token(None, user.user_id, "bench", None).await?;
    // The load runs as a process of its own (`bench lookups`), so it does not
    // share the server's runtime; it still shares the machine's cores.
    let codes_file = dir.path().join("codes.txt");
    std::fs::write(&codes_file, codes.join("\n"))?;
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, &token)?;
    let output = tokio::process::Command::new(std::env::current_exe()?)
        .args(["bench", "lookups", "--url", &format!("http://{addr}")])
        .arg("--token-file")
        .arg(&token_file)
        .arg("--codes")
        .arg(&codes_file)
        .args(["--seconds", &bench.seconds.to_string(), "--clients", &bench.clients.to_string()])
        .stderr(std::process::Stdio::inherit())
        .output()
        .await?;
    anyhow::ensure!(output.status.success(), "the lookup load failed: {}", output.status);
    let report: serde_json::Value =
        serde_json::from_slice(output.stdout.split(|b| *b == b'\n').rfind(|l| !l.is_empty()).unwrap_or_default())
            .context("the lookup load's report")?;
    println!();
    println!("| lookup by national code over HTTP (load in its own process) | value |");
    println!("|---|---|");
    println!("| clients | {} |", bench.clients);
    println!("| requests | {} ({} failed) |", report["requests"], report["failed"]);
    println!("| requests/s | {:.0} |", report["per_second"].as_f64().unwrap_or(0.0));
    println!("| p50 ms | {:.2} |", report["p50_ms"].as_f64().unwrap_or(0.0));
    println!("| p99 ms | {:.2} |", report["p99_ms"].as_f64().unwrap_or(0.0));
    println!("| max ms | {:.2} |", report["max_ms"].as_f64().unwrap_or(0.0));
    store.close().await;
    Ok(())
}

/// The lookup load against a running server, its report printed as one JSON line.
pub async fn lookups(
    url: &str,
    token_file: &std::path::Path,
    codes: &std::path::Path,
    seconds: u64,
    clients: usize,
) -> Result<()> {
    let token = std::fs::read_to_string(token_file).context("the token file")?;
    let codes: Vec<String> = std::fs::read_to_string(codes)
        .context("the codes file")?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    anyhow::ensure!(!codes.is_empty(), "the codes file holds no national code");
    let report = lookup_load(url, token.trim(), &codes, clients, Duration::from_secs(seconds)).await?;
    println!(
        "{}",
        serde_json::json!({
            "requests": report.requests,
            "failed": report.failed,
            "per_second": report.requests as f64 / report.elapsed.as_secs_f64(),
            "p50_ms": report.percentile(0.50),
            "p99_ms": report.percentile(0.99),
            "max_ms": report.percentile(1.0),
        })
    );
    Ok(())
}

/// Up to `n` national codes from a persons file, spread over it.
fn sample_codes(path: &std::path::Path, n: usize) -> Result<Vec<String>> {
    let mut reader = csv::Reader::from_path(path)?;
    let mut codes = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record?;
        if i % 7 == 0
            && let Some(code) = record.get(0)
        {
            codes.push(code.to_string());
            if codes.len() >= n {
                break;
            }
        }
    }
    Ok(codes)
}

struct LoadReport {
    requests: u64,
    failed: u64,
    elapsed: Duration,
    /// Sorted latencies in microseconds.
    latencies: Vec<u64>,
}

impl LoadReport {
    fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let index = ((self.latencies.len() - 1) as f64 * p).round() as usize;
        self.latencies[index] as f64 / 1000.0
    }
}

/// `clients` tasks, each sending one request at a time until `duration` passes (and
/// at most a million requests in all): a bounded load that stops by itself.
async fn lookup_load(
    base: &str,
    token: &str,
    codes: &[String],
    clients: usize,
    duration: Duration,
) -> Result<LoadReport> {
    const MAX_REQUESTS: u64 = 1_000_000;
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let deadline = Instant::now() + duration;
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..clients.max(1) {
        let client = client.clone();
        let base = base.to_string();
        let token = token.to_string();
        let codes = codes.to_vec();
        let counter = counter.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failed = 0u64;
            let mut i = worker * 7919;
            while Instant::now() < deadline && counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < MAX_REQUESTS
            {
                let code = &codes[i % codes.len().max(1)];
                i += 1;
                let t = Instant::now();
                let ok = client
                    .get(format!("{base}/api/v1/persons?national_code={code}&limit=1"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .map(|r| r.status().is_success());
                let ok = matches!(ok, Ok(true));
                latencies.push(t.elapsed().as_micros() as u64);
                if !ok {
                    failed += 1;
                }
            }
            (latencies, failed)
        }));
    }
    let mut latencies = Vec::new();
    let mut failed = 0;
    for task in tasks {
        let (mut l, f) = task.await?;
        latencies.append(&mut l);
        failed += f;
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    Ok(LoadReport { requests: latencies.len() as u64, failed, elapsed, latencies })
}

/// What the library search bench does.
pub struct SearchBench {
    pub items: usize,
    /// An empty database to fill; a new SQLite file when absent.
    pub database: Option<String>,
    /// How many searches to time.
    pub queries: usize,
}

/// Records synthetic library items, builds the search index, then times
/// searches as a member of staff runs them (words in several spellings, some
/// with a topic or year filter): each answer whole, with its page of hits read
/// from the database and their passages highlighted.
pub async fn search(bench: SearchBench) -> Result<()> {
    println!("tavana bench search: {} items, {} queries, {} cores", bench.items, bench.queries, cores());
    let dir = tempfile::tempdir()?;
    let url = bench.database.unwrap_or_else(|| format!("sqlite:{}", dir.path().join("bench.db").display()));
    let store = Store::open(&url).await?;
    println!("database: {:?}", store.backend());
    let places = geography(&GeographyConfig::default());
    store.load_geography(&places).await?;
    let hr = bench_user(&store, "hr", Role::HrOfficer).await?;
    let reader = bench_user(&store, "reader", Role::CaseWorker).await?;
    let units: Vec<String> = tavana_synth::staff::units_of(&places).into_iter().map(|(code, _)| code).collect();
    let today = store.today();
    let raw = tavana_synth::library::items(bench.items, 1403, &units, &[]);
    let fields = raw
        .iter()
        .map(|r| tavana_domain::library::ItemFields::parse(r, today).map_err(|e| anyhow::anyhow!("{e:?}")))
        .collect::<Result<Vec<_>>>()?;
    let text_bytes: usize = raw.iter().map(|r| r.transcript.len() + r.title.len()).sum();
    let started = Instant::now();
    for chunk in fields.chunks(5_000) {
        store.record_library_items(&hr, chunk).await?;
    }
    println!(
        "recorded {} items ({:.0} MiB of text) in {:.1} s",
        fields.len(),
        text_bytes as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64()
    );
    reset_peak_rss();
    let started = Instant::now();
    let all = store.search_library(&reader, &tavana_store::library::LibraryQuery::default(), 0, 1).await?;
    println!(
        "index built from the database on the first search: {} items in {:.1} s, peak RSS {:.0} MiB",
        all.total,
        started.elapsed().as_secs_f64(),
        peak_rss_mib().unwrap_or(0.0)
    );
    let queries = tavana_synth::library::QUERIES;
    let mut times = Vec::with_capacity(bench.queries);
    let mut hits = 0;
    for i in 0..bench.queries {
        let mut asked =
            tavana_store::library::LibraryQuery { q: queries[i % queries.len()].into(), ..Default::default() };
        if i % 4 == 1 {
            asked.topic = Some("روستا".into());
        }
        if i % 5 == 2 {
            (asked.year_from, asked.year_to) = (Some(1395), Some(1400));
        }
        let started = Instant::now();
        let found = store.search_library(&reader, &asked, 0, 20).await?;
        times.push(started.elapsed());
        hits += found.total;
    }
    times.sort();
    let at = |p: f64| times.get(((times.len() as f64 * p) as usize).min(times.len().saturating_sub(1)));
    let ms = |d: Option<&Duration>| d.map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    println!();
    println!("| items | searches | hits per search (mean) | p50 ms | p95 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} |",
        fields.len(),
        times.len(),
        hits as f64 / times.len().max(1) as f64,
        ms(at(0.50)),
        ms(at(0.95)),
        ms(at(0.99)),
        ms(times.last())
    );
    store.close().await;
    Ok(())
}
