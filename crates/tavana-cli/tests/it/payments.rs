//! A pension cycle run from the command line, its computation killed midway.

use crate::support::{tavana, text};
use tavana_domain::iam::Role;
use tavana_domain::payments::PayMonth;
use tavana_store::iam::NewUser;
use tavana_store::testing::TestDatabase;

/// `tavana cycle compute` killed with SIGKILL after some provinces and started
/// again resumes its job: every enrollment has exactly one line, no beneficiary
/// is to be paid twice for the month (the unique index would refuse it), the
/// counts are exact; the cycle then goes through approval by another user, bank
/// files, the bank's return and closing with the ledger balanced.
#[tokio::test]
async fn a_cycle_computation_killed_midway_and_started_again_pays_everyone_once() {
    let (url, _db_dir) = TestDatabase::new_url().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let run = |args: &[&str]| {
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--database", &url]);
        tavana(&full, "")
    };
    assert!(tavana(&["synth", "--persons", "60000", "--seed", "5", "--out", out], "").status.success());
    assert!(run(&["geography"]).status.success());
    let store = tavana_store::Store::open(&url).await.unwrap();
    let hq = store.org_unit_by_code("HQ").await.unwrap().id;
    for (name, role) in [
        ("reg", Role::CaseWorker),
        ("officer", Role::ProgramOfficer),
        ("chief", Role::ProgramOfficer),
        ("maker", Role::FinanceMaker),
        ("checker", Role::FinanceChecker),
    ] {
        let user = NewUser {
            username: name.into(),
            display_name: name.into(),
            password: "a long password".into(),
            unit_id: hq,
            roles: vec![role],
        };
        store.create_user(None, user).await.unwrap();
    }
    for kind in ["households", "persons", "disabilities"] {
        let imported = run(&["import", kind, &format!("{out}/{kind}.csv"), "--as", "reg"]);
        assert!(imported.status.success(), "{}", text(&imported.stderr));
    }
    let actor = |name: &str| {
        let store = store.clone();
        let name = name.to_string();
        async move { store.actor_for_user(store.user_id_by_name(&name).await.unwrap()).await.unwrap() }
    };
    let (officer, chief) = (actor("officer").await, actor("chief").await);
    let raw = tavana_synth::programs::demo_programs().remove(0);
    let fields = tavana_domain::programs::ProgramFields::parse(&raw).unwrap();
    let program = store.create_program(&officer, &fields, "pension").await.unwrap();
    store
        .set_program_status(&chief, program.id, tavana_domain::programs::ProgramStatus::Active, "in force")
        .await
        .unwrap();
    let request = tavana_store::programs::ConfirmRequest {
        persons: tavana_store::programs::Persons::Proposed,
        reasons: "eligible",
        legal_basis: "art. 27",
        as_of: store.default_as_of().unwrap(),
    };
    let enrolled = store.confirm_enrollments(&officer, program.id, &request).await.unwrap().enrolled as i64;
    assert!(enrolled > 1_000, "{enrolled}");
    let debtor =
        tavana_domain::sheba::Sheba::from_bban([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
    let settings = run(&[
        "cycle",
        "settings",
        "--program",
        "PENSION",
        "--rounding",
        "thousand",
        "--debtor-name",
        "سازمان بهزیستی کشور",
        "--debtor-sheba",
        &debtor.as_string(),
        "--as",
        "maker",
    ]);
    assert!(settings.status.success(), "{}", text(&settings.stderr));
    // This month: it has begun whenever the test runs.
    let month = PayMonth::of(tavana_domain::jalali::JalaliDate::from_gregorian(store.today()).unwrap()).to_ascii();
    let created = run(&["cycle", "create", "--program", "PENSION", "--month", &month, "--as", "maker"]);
    assert!(created.status.success(), "{}", text(&created.stderr));
    let id = text(&created.stdout).split_whitespace().nth(1).unwrap().to_string();

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tavana"))
        .args(["cycle", "compute", &id, "--as", "maker", "--database", &url])
        .env("TAVANA_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait (bounded) until a province is done, then kill it without warning.
    let mut parts = 0;
    for _ in 0..2_000 {
        parts = store.count_rows_for_tests("payment_jobs WHERE checkpoint IS NOT NULL").await.unwrap_or(0);
        if parts > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(parts > 0, "the computation never started");
    let running = store.count_rows_for_tests("payment_jobs WHERE state = 'running' AND done < total").await.unwrap();
    assert_eq!(running, 1, "the computation finished before it could be killed");

    let again = run(&["cycle", "compute", &id, "--as", "maker"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let jobs = text(&run(&["cycle", "jobs", "--as", "maker"]).stdout);
    assert!(
        jobs.contains("compute done") && jobs.contains("remaining 0 of") && jobs.contains("(resumed 1×)"),
        "{jobs}"
    );
    let id: i64 = id.parse().unwrap();
    let lines = store.count_rows_for_tests(&format!("payment_lines WHERE cycle_id = {id}")).await.unwrap();
    assert_eq!(lines, enrolled, "one line per enrollment in force");
    let twice = store
        .count_rows_for_tests(&format!(
            "(SELECT beneficiary FROM payment_lines WHERE cycle_id = {id} AND status = 'payable' \
             GROUP BY beneficiary HAVING COUNT(*) > 1) t"
        ))
        .await
        .unwrap();
    assert_eq!(twice, 0);
    let maker = actor("maker").await;
    let cycle = store.payment_cycle(&maker, id).await.unwrap();
    assert_eq!(cycle.payable_count + cycle.held_count, enrolled);

    // The rest of the month from the command line.
    assert!(run(&["cycle", "submit", &id.to_string(), "--as", "maker"]).status.success());
    let own = run(&["cycle", "approve", &id.to_string(), "--as", "maker"]);
    assert!(!own.status.success());
    let approved = run(&["cycle", "approve", &id.to_string(), "--as", "checker"]);
    assert!(approved.status.success(), "{}", text(&approved.stderr));
    let files = format!("{out}/files");
    let issued = run(&["cycle", "issue", &id.to_string(), "--out", &files, "--as", "maker"]);
    assert!(issued.status.success(), "{}", text(&issued.stderr));
    let mut returned = String::from("end_to_end_id,status,reason\n");
    for entry in std::fs::read_dir(&files).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) == Some("csv") {
            for row in std::fs::read_to_string(&path).unwrap().lines().skip(1) {
                returned.push_str(&format!("{},paid,\n", row.split(',').next().unwrap()));
            }
        }
    }
    let return_file = format!("{out}/return.csv");
    std::fs::write(&return_file, returned).unwrap();
    let reconciled = run(&["cycle", "reconcile", &id.to_string(), &return_file, "--as", "maker"]);
    assert!(reconciled.status.success(), "{}", text(&reconciled.stderr));
    assert!(
        text(&reconciled.stdout).lines().any(|l| l.starts_with(&format!("paid {} (", cycle.payable_count)))
            && text(&reconciled.stdout).contains(&format!(
                "reconcile running: done {n}, held 0, failed 0, remaining 0 of {n}",
                n = cycle.payable_count
            )),
        "{}",
        text(&reconciled.stdout)
    );
    let closed = run(&["cycle", "close", &id.to_string(), "--as", "maker"]);
    assert!(text(&closed.stdout).contains(": closed;"), "{}{}", text(&closed.stdout), text(&closed.stderr));
    let ledger = store.check_ledger().await.unwrap();
    assert!(ledger.unbalanced.is_empty() && ledger.total == 0 && ledger.entries > 0, "{ledger:?}");
    assert!(text(&run(&["audit", "verify"]).stdout).contains("audit chain intact"));
}
