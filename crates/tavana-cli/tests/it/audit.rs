use crate::support::{tavana, text};
use tavana_store::Store;
use tavana_store::testing::TestDatabase;

#[tokio::test]
async fn audit_verify_fails_and_names_the_altered_entry() {
    let (url, _dir) = TestDatabase::new_url().await.unwrap();
    let run = |args: &[&str], stdin: &str| {
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--database", &url]);
        tavana(&full, stdin)
    };
    assert!(run(&["geography"], "").status.success());
    let added = run(
        &["user", "add", "--username", "sara", "--display-name", "سارا", "--unit", "P08", "--role", "admin"],
        "a strong password\n",
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    let added = run(
        &["user", "add", "--username", "reza", "--display-name", "رضا", "--unit", "C08-01", "--role", "case_worker"],
        "",
    );
    assert!(text(&added.stdout).contains("password (shown once)"));

    let ok = run(&["audit", "verify"], "");
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).contains("audit chain intact: 3 entries"), "{}", text(&ok.stdout));

    // Someone edits who created the second user, straight in the database.
    let store = Store::connect(&url).await.unwrap();
    store
        .execute_unaudited_for_tests(
            "UPDATE audit_log SET after_json = replace(after_json, 'sara', 'mina') WHERE seq = 2",
        )
        .await
        .unwrap();
    store.close().await;
    let broken = run(&["audit", "verify"], "");
    assert!(!broken.status.success());
    let stderr = text(&broken.stderr);
    assert!(stderr.contains("audit chain broken at entry 2"), "{stderr}");
    assert!(stderr.starts_with("tavana: ") && !stderr.to_lowercase().contains("backtrace"), "a plain report: {stderr}");
}

#[test]
fn help_explains_every_command() {
    let help = tavana(&["--help"], "");
    assert!(help.status.success());
    let out = text(&help.stdout);
    for command in [
        "demo",
        "serve",
        "migrate",
        "geography",
        "user",
        "token",
        "revoke-token",
        "audit",
        "synth",
        "import",
        "export",
        "bench",
    ] {
        assert!(out.contains(command), "--help does not mention {command}");
    }
    let unknown = tavana(&["serve", "--database", "mysql://root:secret@db/x"], "");
    assert!(!unknown.status.success());
    let stderr = text(&unknown.stderr);
    assert!(stderr.contains("unsupported database URL") && !stderr.contains("secret"), "{stderr}");
}
