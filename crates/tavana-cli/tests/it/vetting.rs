//! The vetting key as an operator rotates it: `tavana vetting rotate-key` adds a
//! key to the file and re-seals every vetting text with it, so the old key may
//! then be dropped from the file.

use crate::support::{tavana, text};
use tavana_store::testing::TestDatabase;

#[tokio::test]
async fn a_rotated_vetting_key_reseals_every_text() {
    let (url, _db_dir) = TestDatabase::new_url().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("vetting.keys");
    let keys = keys.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["--database", &url, "--vetting-key-file", keys]);
        tavana(&full, "")
    };
    assert!(tavana(&["geography", "--database", &url], "").status.success());
    let created = run(&["vetting", "rotate-key"]);
    assert!(created.status.success(), "{}", text(&created.stderr));
    assert!(text(&created.stdout).contains("vetting key 1"), "{}", text(&created.stdout));

    // A case sealed with key 1.
    let first = tavana_store::audit_keys::Keyring::load(std::path::Path::new(keys)).unwrap();
    let store = tavana_store::Store::connect(&url).await.unwrap().with_vetting_keys(first);
    let unit = store.org_unit_by_code("HQ").await.unwrap();
    let officer = store
        .create_user(
            None,
            tavana_store::iam::NewUser {
                username: "officer".into(),
                display_name: "کارشناس گزینش".into(),
                password: "correct horse battery".into(),
                unit_id: unit.id,
                roles: vec![tavana_domain::iam::Role::GozineshOfficer],
            },
        )
        .await
        .unwrap();
    let officer = store.actor_for_user(officer.id).await.unwrap();
    let code = tavana_domain::NationalCode::parse("0012345679").unwrap();
    let kind = tavana_domain::gozinesh::SubjectKind::Renewal;
    let case = store.open_vetting_case(&officer, kind, "سمیرا نمونه", &code).await.unwrap();

    let rotated = run(&["vetting", "rotate-key"]);
    assert!(rotated.status.success(), "{}", text(&rotated.stderr));
    assert!(text(&rotated.stdout).contains("vetting key 2") && text(&rotated.stdout).contains("1 texts re-sealed"));
    // The file holds both keys; the newest alone opens the case now.
    let file = std::fs::read_to_string(keys).unwrap();
    let newest = tavana_store::audit_keys::Keyring::parse(file.lines().last().unwrap()).unwrap();
    let store = store.with_vetting_keys(newest);
    let opened = store.open_vetting_file(&officer, case, "بررسی دوره‌ای").await.unwrap();
    assert_eq!(opened.subject_name, "سمیرا نمونه");
}
