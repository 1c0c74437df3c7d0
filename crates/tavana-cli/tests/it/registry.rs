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
