use crate::support::{tavana, text};
use tavana_store::testing::TestDatabase;

#[tokio::test]
async fn synth_then_import_reports_bad_rows_and_reimport_changes_nothing() {
    let (url, _db_dir) = TestDatabase::new_url().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let run = |args: &[&str], stdin: &str| {
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--database", &url]);
        tavana(&full, stdin)
    };
    let synth = tavana(&["synth", "--persons", "3000", "--seed", "7", "--out", out, "--bad-rows", "0.02"], "");
    assert!(synth.status.success(), "{}", text(&synth.stderr));
    assert!(run(&["geography"], "").status.success());
    let added = run(
        &["user", "add", "--username", "reg", "--display-name", "ثبت", "--unit", "HQ", "--role", "case_worker"],
        "a long password\n",
    );
    assert!(added.status.success());
    let persons = format!("{out}/persons.csv");
    for kind in ["households", "persons"] {
        let file = format!("{out}/{kind}.csv");
        let imported = run(&["import", kind, &file, "--as", "reg"], "");
        assert!(imported.status.success(), "{}", text(&imported.stderr));
    }
    let report = std::fs::read_to_string(format!("{persons}.report.csv")).unwrap();
    let rejected = report.lines().count() - 1;
    assert!(rejected > 10, "{report}");
    assert!(report.starts_with("line,field,value,reason_fa,reason_en"));
    let again = run(&["import", "persons", &persons, "--as", "reg"], "");
    let summary = text(&again.stdout);
    assert!(summary.contains(" 0 inserted, 0 updated,"), "{summary}");

    // Export what was kept, then import the export: nothing changes.
    let exported = format!("{out}/exported.jsonl");
    let export = run(&["export", "persons", &exported, "--as", "reg", "--unit", "HQ"], "");
    assert!(export.status.success(), "{}", text(&export.stderr));
    let lines = std::fs::read_to_string(&exported).unwrap().lines().count();
    assert_eq!(lines, 3000 - rejected);
    let back = run(&["import", "persons", &exported, "--as", "reg"], "");
    let summary = text(&back.stdout);
    assert!(summary.contains(&format!("{lines} unchanged, 0 rejected")), "{summary}");
}

/// An import killed halfway (SIGKILL, mid-bulk-load with its indexes and, on
/// PostgreSQL, its foreign keys dropped) and run again ends with every good row
/// stored once, the indexes and keys back, and the audit chain whole.
#[tokio::test]
async fn an_import_killed_halfway_and_run_again_stores_every_row_once() {
    let (url, _db_dir) = TestDatabase::new_url().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let run = |args: &[&str], stdin: &str| {
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--database", &url]);
        tavana(&full, stdin)
    };
    assert!(tavana(&["synth", "--persons", "60000", "--seed", "11", "--out", out], "").status.success());
    assert!(run(&["geography"], "").status.success());
    let added = run(
        &["user", "add", "--username", "reg", "--display-name", "ثبت", "--unit", "HQ", "--role", "case_worker"],
        "a long password\n",
    );
    assert!(added.status.success());
    assert!(run(&["import", "households", &format!("{out}/households.csv"), "--as", "reg"], "").status.success());

    let persons = format!("{out}/persons.csv");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tavana"))
        .args(["import", "persons", &persons, "--as", "reg", "--database", &url])
        .env("TAVANA_LOG", "warn")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait (bounded) until some batches are in, then kill it without warning.
    let store = tavana_store::Store::connect(&url).await.unwrap();
    let mut stored = 0;
    for _ in 0..400 {
        stored = store.count_rows_for_tests("persons").await.unwrap_or(0);
        if stored > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(stored > 0, "the import never started");
    let before = store.count_rows_for_tests("persons").await.unwrap();
    assert!(before < 60_000, "the import finished before it could be killed");
    store.close().await;

    let again = run(&["import", "persons", &persons, "--as", "reg"], "");
    assert!(again.status.success(), "{}", text(&again.stderr));
    let summary = text(&again.stdout);
    let store = tavana_store::Store::open(&url).await.unwrap();
    let after = store.count_rows_for_tests("persons").await.unwrap();
    assert_eq!(after, 60_000, "{summary}");
    assert!(summary.contains(&format!("{} inserted, 0 updated, {before} unchanged", 60_000 - before)), "{summary}");
    for table in ["households", "persons"] {
        let expected: Vec<&str> = tavana_store::registry::import::SECONDARY_INDEXES
            .iter()
            .filter(|(t, _, _)| *t == table)
            .map(|(_, n, _)| *n)
            .collect();
        let mut expected: Vec<String> = expected.into_iter().map(String::from).collect();
        expected.sort();
        assert_eq!(store.secondary_index_names(table).await.unwrap(), expected);
        // PostgreSQL: the foreign keys the load would have checked at its end are back, validated.
        if store.backend() == tavana_store::Backend::Postgres {
            let keys = store.foreign_key_names(table).await.unwrap();
            let deferred = tavana_store::registry::import::DEFERRED_FOREIGN_KEYS.iter().filter(|(t, _, _)| *t == table);
            for (_, name, _) in deferred {
                assert!(keys.iter().any(|k| k == name), "{table}: {name} missing from {keys:?}");
            }
        }
    }
    assert!(text(&run(&["audit", "verify"], "").stdout).contains("audit chain intact"));
}

/// The registry bench's lookups ran inside the server's own process, on its
/// runtime. The load now runs as a process of its own (`bench lookups`), whose
/// report the bench prints; a small run answers every lookup.
#[test]
fn the_registry_bench_looks_up_from_a_process_of_its_own() {
    let out =
        crate::support::tavana(&["bench", "registry", "--persons", "400", "--seconds", "1", "--clients", "2"], "");
    let stdout = crate::support::text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", crate::support::text(&out.stderr));
    assert!(stdout.contains("load in its own process"), "{stdout}");
    let requests = stdout
        .lines()
        .find(|l| l.starts_with("| requests |"))
        .and_then(|l| l.split('|').nth(2))
        .map(|cell| cell.trim().to_string())
        .unwrap_or_default();
    let (count, failed) = requests.split_once(" (").unwrap_or_default();
    assert!(count.parse::<u64>().unwrap_or(0) > 0, "{stdout}");
    assert_eq!(failed, "0 failed)", "{stdout}");
}
