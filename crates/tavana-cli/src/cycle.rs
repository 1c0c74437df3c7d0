//! `tavana cycle …`: the payment cycle's steps from the command line, each as a
//! named user (their unit and roles apply, as on the web).

use crate::{DatabaseArg, actor_named, open};
use anyhow::{Context, Result};
use clap::Subcommand;
use tavana_domain::iam::Actor;
use tavana_domain::payments::{PayMonth, PaymentSettingsFields, RawPaymentSettings, Rounding};
use tavana_store::Store;
use tavana_store::payments::{PaymentCycle, PaymentJob};

#[derive(Subcommand)]
pub enum CycleCommand {
    /// Set how a program pays: rounding (rial, toman, thousand) and the account it
    /// pays from (HQ, a finance maker).
    Settings {
        #[command(flatten)]
        db: DatabaseArg,
        /// The program's code.
        #[arg(long)]
        program: String,
        #[arg(long, default_value = "rial")]
        rounding: String,
        #[arg(long)]
        debtor_name: String,
        #[arg(long)]
        debtor_sheba: String,
        /// The rials withheld from each payment: an expression over the
        /// program's variables, as a benefit formula (none when not given).
        #[arg(long, default_value = "")]
        deduction: String,
        #[arg(long = "as")]
        username: String,
    },
    /// Open a cycle for a program's Jalali month over HQ or a province.
    Create {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long)]
        program: String,
        /// The month paid for: 1405/10.
        #[arg(long)]
        month: String,
        /// The org unit it covers: HQ (the country) or a province (P08).
        #[arg(long, default_value = "HQ")]
        unit: String,
        #[arg(long = "as")]
        username: String,
    },
    /// Compute a cycle (or resume its computation), printing progress per province.
    Compute {
        #[command(flatten)]
        db: DatabaseArg,
        id: i64,
        #[arg(long = "as")]
        username: String,
    },
    /// Send a computed cycle for approval.
    Submit {
        #[command(flatten)]
        db: DatabaseArg,
        id: i64,
        #[arg(long = "as")]
        username: String,
    },
    /// Approve a submitted cycle (a checker who neither computed nor submitted it).
    Approve {
        #[command(flatten)]
        db: DatabaseArg,
        id: i64,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long = "as")]
        username: String,
    },
    /// Send a submitted cycle back with a reason.
    Reject {
        #[command(flatten)]
        db: DatabaseArg,
        id: i64,
        #[arg(long)]
        reason: String,
        #[arg(long = "as")]
        username: String,
    },
    /// Issue the bank files of an approved cycle (or resume issuing them), and
    /// write them to a folder when --out is given.
    Issue {
        #[command(flatten)]
        db: DatabaseArg,
        id: i64,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        #[arg(long = "as")]
        username: String,
    },
    /// Write a cycle's issued bank files to a folder (checked against their hashes).
    Files {
        #[command(flatten)]
        db: DatabaseArg,
        id: i64,
        #[arg(long)]
        out: std::path::PathBuf,
        #[arg(long = "as")]
        username: String,
    },
    /// Apply a bank's return file (CSV: end_to_end_id,status,reason).
    Reconcile {
        #[command(flatten)]
        db: DatabaseArg,
        id: i64,
        file: std::path::PathBuf,
        #[arg(long = "as")]
        username: String,
    },
    /// Close a reconciled cycle.
    Close {
        #[command(flatten)]
        db: DatabaseArg,
        id: i64,
        #[arg(long = "as")]
        username: String,
    },
    /// Give up a cycle before approval, with a reason.
    Cancel {
        #[command(flatten)]
        db: DatabaseArg,
        id: i64,
        #[arg(long)]
        reason: String,
        #[arg(long = "as")]
        username: String,
    },
    /// A cycle: its state, counts, totals per province, files and jobs.
    Show {
        #[command(flatten)]
        db: DatabaseArg,
        id: i64,
        #[arg(long = "as")]
        username: String,
    },
    /// Recent jobs: exact counts and what remains.
    Jobs {
        #[command(flatten)]
        db: DatabaseArg,
        #[arg(long = "as")]
        username: String,
    },
}

impl CycleCommand {
    /// The database and the user every cycle command acts in and as.
    fn who(&self) -> (&DatabaseArg, &str) {
        use CycleCommand as C;
        match self {
            C::Settings { db, username, .. }
            | C::Create { db, username, .. }
            | C::Compute { db, username, .. }
            | C::Submit { db, username, .. }
            | C::Approve { db, username, .. }
            | C::Reject { db, username, .. }
            | C::Issue { db, username, .. }
            | C::Files { db, username, .. }
            | C::Reconcile { db, username, .. }
            | C::Close { db, username, .. }
            | C::Cancel { db, username, .. }
            | C::Show { db, username, .. }
            | C::Jobs { db, username } => (db, username),
        }
    }
}

async fn program_id(store: &Store, actor: &Actor, code: &str) -> Result<i64> {
    let programs = store.programs(actor).await?;
    programs.iter().find(|p| p.code == code).map(|p| p.id).with_context(|| format!("no program with code {code:?}"))
}

fn summary(c: &PaymentCycle) -> String {
    format!(
        "cycle {} ({} {}): {}; to pay {} ({} rials), held {}, paid {} ({} rials), failed {} ({} rials){}",
        c.id,
        c.unit_name_fa,
        PayMonth::from_code(c.month).map(|m| m.to_ascii()).unwrap_or_default(),
        c.state.code(),
        c.payable_count,
        c.payable_rials,
        c.held_count,
        c.paid_count,
        c.paid_rials,
        c.failed_count,
        c.failed_rials,
        c.snapshot_hash.as_deref().map(|h| format!(", snapshot {h}")).unwrap_or_default(),
    )
}

fn job_line(j: &PaymentJob) -> String {
    format!(
        "job {} cycle {} {} {}: done {}, held {}, failed {}, remaining {} of {}{}",
        j.id,
        j.cycle_id,
        j.step,
        j.state,
        j.done,
        j.held,
        j.failed,
        j.remaining(),
        j.total,
        if j.resumed > 0 { format!(" (resumed {}×)", j.resumed) } else { String::new() }
    )
}

async fn write_files(store: &Store, actor: &Actor, id: i64, out: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for file in store.bank_files(actor, id).await? {
        let extension = match file.format {
            tavana_store::payments::FileFormat::Csv => "csv",
            tavana_store::payments::FileFormat::Pain001 => "xml",
        };
        let path = out.join(format!("cycle-{id}-bank-{}.{extension}", file.bank_code));
        let mut writer =
            tokio::fs::File::create(&path).await.with_context(|| format!("creating {}", path.display()))?;
        store.download_bank_file(actor, file.id, &mut writer).await?;
        writer.sync_all().await?;
        println!("{} {} transfers, {} rials, sha256 {}", path.display(), file.transfers, file.control_sum, file.sha256);
    }
    Ok(())
}

pub async fn run(command: CycleCommand) -> Result<()> {
    let (db, username) = command.who();
    let store = open(db).await?;
    let actor = actor_named(&store, username).await?;
    match command {
        CycleCommand::Settings { program, rounding, debtor_name, debtor_sheba, deduction, .. } => {
            let program = program_id(&store, &actor, &program).await?;
            let raw = RawPaymentSettings { rounding, debtor_name, debtor_sheba, deduction };
            let fields = PaymentSettingsFields::parse(&raw).map_err(|errors| {
                anyhow::anyhow!(errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))
            })?;
            let set = store.set_payment_settings(&actor, program, &fields).await?;
            println!(
                "program {program} pays from {}, rounded {}{}",
                set.debtor_sheba,
                set.rounding.code(),
                set.deduction.map(|d| format!(", withholding {d}")).unwrap_or_default()
            );
        }
        CycleCommand::Create { program, month, unit, .. } => {
            let program = program_id(&store, &actor, &program).await?;
            let unit = store.org_unit_by_code(&unit).await.with_context(|| format!("no org unit {unit:?}"))?;
            let cycle = store.create_cycle(&actor, program, PayMonth::parse(&month)?, unit.id).await?;
            println!("{}", summary(&cycle));
        }
        CycleCommand::Compute { id, .. } => {
            let cycle = store.compute_cycle_watched(&actor, id, &mut |job| println!("{}", job_line(job))).await?;
            println!("{}", summary(&cycle));
        }
        CycleCommand::Submit { id, .. } => {
            println!("{}", summary(&store.submit_cycle(&actor, id).await?));
        }
        CycleCommand::Approve { id, note, .. } => {
            println!("{}", summary(&store.approve_cycle(&actor, id, &note).await?));
        }
        CycleCommand::Reject { id, reason, .. } => {
            println!("{}", summary(&store.reject_cycle(&actor, id, &reason).await?));
        }
        CycleCommand::Issue { id, out, .. } => {
            let files = store.issue_bank_files(&actor, id).await?;
            println!("issued {} files", files.len());
            if let Some(out) = out {
                write_files(&store, &actor, id, &out).await?;
            }
        }
        CycleCommand::Files { id, out, .. } => {
            write_files(&store, &actor, id, &out).await?;
        }
        CycleCommand::Reconcile { id, file, .. } => {
            let input = std::fs::File::open(&file).with_context(|| format!("opening {}", file.display()))?;
            let report = store
                .reconcile_cycle_watched(&actor, id, std::io::BufReader::new(input), &mut |job| {
                    println!("{}", job_line(job))
                })
                .await?;
            println!(
                "paid {} ({} rials), failed {} ({} rials), unmatched {}",
                report.paid,
                report.paid_rials,
                report.failed,
                report.failed_rials,
                report.unmatched.len()
            );
            for line in &report.unmatched {
                println!("  row {}: {} — {}", line.row, line.end_to_end_id, line.reason_en);
            }
        }
        CycleCommand::Close { id, .. } => {
            println!("{}", summary(&store.close_cycle(&actor, id).await?));
        }
        CycleCommand::Cancel { id, reason, .. } => {
            println!("{}", summary(&store.cancel_cycle(&actor, id, &reason).await?));
        }
        CycleCommand::Show { id, .. } => {
            println!("{}", summary(&store.payment_cycle(&actor, id).await?));
            for t in store.cycle_totals(&actor, id).await? {
                println!(
                    "  {}: to pay {} ({} rials), paid {} ({} rials), failed {} ({} rials), held {}",
                    t.province_name_fa,
                    t.payable_count,
                    t.payable_rials,
                    t.paid_count,
                    t.paid_rials,
                    t.failed_count,
                    t.failed_rials,
                    t.held_count
                );
            }
            for h in store.cycle_holds(&actor, id).await? {
                println!("  held, {}: {}", h.reason.code(), h.count);
            }
            for f in store.bank_files(&actor, id).await? {
                println!(
                    "  file {} bank {} {}: {} transfers, {} rials",
                    f.id,
                    f.bank_code,
                    f.format.code(),
                    f.transfers,
                    f.control_sum
                );
            }
            for j in store.cycle_jobs(&actor, id).await? {
                println!("  {}", job_line(&j));
            }
        }
        CycleCommand::Jobs { .. } => {
            for j in store.payment_jobs(&actor, 50).await? {
                println!("{}", job_line(&j));
            }
        }
    }
    Ok(())
}

/// The demo's payments: the pension enrolls everyone its rule proposes, pays from
/// HQ's account rounded to thousands, and has last month's cycle closed (computed
/// and submitted by the maker, approved by the checker, its files issued, the
/// bank's return applied with a few payments returned) and this month's in draft.
pub async fn seed_demo(store: &Store) -> Result<()> {
    let officer = actor_named(store, "program").await?;
    let (maker, checker) = (actor_named(store, "maker").await?, actor_named(store, "checker").await?);
    let pension = program_id(store, &officer, "PENSION").await?;
    let request = tavana_store::programs::ConfirmRequest {
        persons: tavana_store::programs::Persons::Proposed,
        reasons: "مستحق بر پایهٔ قاعدهٔ برنامه",
        legal_basis: "قانون جامع حمایت از حقوق معلولان، مادهٔ ۲۷",
        as_of: store.default_as_of()?,
    };
    let enrolled = store.confirm_enrollments(&officer, pension, &request).await?.enrolled;
    let debtor =
        tavana_domain::sheba::Sheba::from_bban([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 4, 0, 3]);
    let settings = PaymentSettingsFields {
        rounding: Rounding::Thousand,
        debtor_name: "سازمان بهزیستی کشور".into(),
        debtor_sheba: debtor,
        deduction: None,
    };
    store.set_payment_settings(&maker, pension, &settings).await?;
    let this_month = PayMonth::of(tavana_domain::jalali::JalaliDate::from_gregorian(store.today())?);
    let last_month = PayMonth::of(tavana_domain::jalali::JalaliDate::from_gregorian(
        this_month.first_day().to_gregorian() - time::Duration::days(1),
    )?);
    let hq = store.org_unit_by_code("HQ").await?.id;
    let last = store.create_cycle(&maker, pension, last_month, hq).await?;
    store.compute_cycle(&maker, last.id).await?;
    store.submit_cycle(&maker, last.id).await?;
    store.approve_cycle(&checker, last.id, "بررسی شد").await?;
    // The bank pays all but one in fifty, which it returns with a reason.
    let mut returned = String::from("end_to_end_id,status,reason\n");
    for file in store.issue_bank_files(&maker, last.id).await? {
        if file.format != tavana_store::payments::FileFormat::Csv {
            continue;
        }
        let mut bytes = Vec::new();
        store.download_bank_file(&maker, file.id, &mut bytes).await?;
        for (i, row) in String::from_utf8_lossy(&bytes).lines().skip(1).enumerate() {
            let id = row.split(',').next().unwrap_or_default();
            if i % 50 == 7 {
                returned.push_str(&format!("{id},failed,حساب مسدود است\n"));
            } else {
                returned.push_str(&format!("{id},paid,\n"));
            }
        }
    }
    store.reconcile_cycle(&maker, last.id, returned.as_bytes()).await?;
    let closed = store.close_cycle(&maker, last.id).await?;
    store.create_cycle(&maker, pension, this_month, hq).await?;
    println!(
        "enrolled {enrolled} in the pension; {} closed ({} paid, {} returned), {} in draft",
        last_month.to_ascii(),
        closed.paid_count,
        closed.failed_count,
        this_month.to_ascii()
    );
    Ok(())
}
