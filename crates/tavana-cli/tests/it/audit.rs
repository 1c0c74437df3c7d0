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

/// The operator's round: a key file, a signed chain, anchors published and
/// checked; verifying a signed chain without the key says so.
#[tokio::test]
async fn a_signed_chain_is_verified_with_its_key_and_its_anchors() {
    let (url, _db_dir) = TestDatabase::new_url().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("audit.keys");
    let anchors = dir.path().join("anchors.jsonl");
    let keys = keys.to_str().unwrap();
    let anchors = anchors.to_str().unwrap();
    let created = tavana(&["audit", "rotate-key", "--key-file", keys], "");
    assert!(created.status.success(), "{}", text(&created.stderr));
    assert!(text(&created.stdout).contains("audit key 1"));
    let run = |args: &[&str]| {
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--database", &url, "--audit-key-file", keys]);
        tavana(&full, "")
    };
    assert!(run(&["geography"]).status.success());
    assert!(run(&["audit", "anchor", "--out", anchors]).status.success());
    let added = run(&[
        "user",
        "add",
        "--username",
        "reza",
        "--display-name",
        "رضا",
        "--unit",
        "C08-01",
        "--role",
        "case_worker",
    ]);
    assert!(added.status.success(), "{}", text(&added.stderr));
    let ok = run(&["audit", "verify", "--anchor", anchors]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).contains("anchors matches"), "{}", text(&ok.stdout));
    assert!(text(&ok.stdout).contains("registry rows sealed and intact"), "{}", text(&ok.stdout));

    // Without the key, a signed chain cannot be verified, and says why.
    let unkeyed = tavana(&["audit", "verify", "--database", &url], "");
    assert!(!unkeyed.status.success());
    assert!(text(&unkeyed.stderr).contains("signed with audit key 1"), "{}", text(&unkeyed.stderr));
    // An anchor that the chain no longer ends in is named.
    let published = std::fs::read_to_string(anchors).unwrap();
    let first = published.lines().next().unwrap();
    let hash = first.split("\"hash\":\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    std::fs::write(anchors, published.replace(&hash, &"0".repeat(64))).unwrap();
    let broken = run(&["audit", "verify", "--anchor", anchors]);
    assert!(!broken.status.success());
    assert!(text(&broken.stderr).contains("anchor"), "{}", text(&broken.stderr));
}
