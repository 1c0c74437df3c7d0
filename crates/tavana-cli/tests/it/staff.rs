//! `tavana synth` writes the organization's staff as files, and `tavana hr
//! import` records them: about 19,000 staff in their positions, the good rows
//! kept when some are bad, every bad row in the report with its line.

use crate::support::{tavana, text};
use tavana_store::testing::TestDatabase;

#[tokio::test]
async fn synth_staff_then_import_keeps_the_good_rows_and_reports_the_bad() {
    let (url, _db_dir) = TestDatabase::new_url().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let run = |args: &[&str], stdin: &str| {
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--database", &url]);
        tavana(&full, stdin)
    };
    let synth = tavana(&["synth", "--persons", "100", "--seed", "7", "--out", out], "");
    assert!(synth.status.success(), "{}", text(&synth.stderr));
    assert!(run(&["geography"], "").status.success());
    let added = run(
        &["user", "add", "--username", "hr", "--display-name", "منابع انسانی", "--unit", "HQ", "--role", "hr_officer"],
        "a long password\n",
    );
    assert!(added.status.success(), "{}", text(&added.stderr));

    // Three bad rows among the staff: a bad national code, an unknown unit, a personnel number twice.
    let staff_file = format!("{out}/staff.csv");
    let staff = std::fs::read_to_string(&staff_file).unwrap();
    let mut lines: Vec<String> = staff.lines().map(str::to_string).collect();
    let written = lines.len() - 1;
    assert!((18_000..20_000).contains(&written), "{written} staff written");
    let first = lines[1].clone();
    let columns: Vec<&str> = first.split(',').collect();
    let with = |i: usize, value: &str| {
        let mut c = columns.clone();
        c[i] = value;
        c.join(",")
    };
    lines.push(with(0, "9000001").replace(columns[1], "1234567890"));
    lines.push(with(0, "9000002").replace(&format!(",{},", columns[4]), ",NOWHERE,"));
    lines.push(first.clone());
    std::fs::write(&staff_file, lines.join("\n") + "\n").unwrap();

    let positions = run(&["hr", "import", "positions", &format!("{out}/positions.csv"), "--as", "hr"], "");
    assert!(positions.status.success(), "{}", text(&positions.stderr));
    assert!(text(&positions.stdout).contains(" 0 refused"), "{}", text(&positions.stdout));
    let imported = run(&["hr", "import", "staff", &staff_file, "--as", "hr"], "");
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    let said = text(&imported.stdout);
    assert!(said.contains(&format!("{written} rows recorded, 3 refused")), "{said}");
    let report = std::fs::read_to_string(format!("{staff_file}.report.csv")).unwrap();
    let refused: Vec<&str> = report.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    let last = written + 1;
    assert_eq!(refused, [(last + 1).to_string(), (last + 2).to_string(), (last + 3).to_string()], "{report}");
}
