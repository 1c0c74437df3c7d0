use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use tavana_store::testing::TestDatabase;

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What a newcomer does: `tavana demo`, read the admin's login from the output,
/// open the printed address and sign in.
#[tokio::test]
async fn demo_starts_a_server_a_newcomer_can_sign_in_to() {
    let (url, _dir) = TestDatabase::new_url().await.unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tavana"))
        .args(["demo", "--port", "0", "--database", &url])
        .env("TAVANA_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("tavana demo starts");
    let stdout = child.stdout.take().expect("stdout");
    let _running = Running(child);
    let (password, base) = tokio::task::spawn_blocking(move || {
        let mut password = None;
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("line");
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.first() == Some(&"admin") && words.len() == 4 {
                password = Some(words[3].to_string());
            }
            if let Some(rest) = line.strip_prefix("Tavana is serving on ") {
                let base = rest.split_whitespace().next().unwrap_or_default().trim_end_matches('/').to_string();
                return (password, base);
            }
        }
        panic!("tavana demo ended without serving");
    })
    .await
    .unwrap();
    let password = password.expect("the admin's password is printed");

    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let page = client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("dir=\"rtl\""));
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).unwrap() + marker.len();
    let csrf = page[start..].split('"').next().unwrap();
    let dashboard = client
        .post(format!("{base}/login"))
        .form(&[("username", "admin"), ("password", password.as_str()), ("csrf", csrf), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(dashboard.status(), 200);
    let html = dashboard.text().await.unwrap();
    assert!(html.contains("خوش آمدید، <bdi>مدیر سامانه</bdi>"), "{html}");
    // HQ, 31 provinces and 91 counties: the card shows the count in Persian digits.
    assert!(html.contains("<span class=\"figure\">۱۲۳</span>"), "{html}");
    // The pension's last month is closed, with most paid and some returned, and
    // this month's cycle waits in draft; the ledger balances.
    let store = tavana_store::Store::connect(&url).await.unwrap();
    assert_eq!(store.count_rows_for_tests("payment_cycles WHERE state = 'draft'").await.unwrap(), 1);
    assert_eq!(
        store
            .count_rows_for_tests("payment_cycles WHERE state = 'closed' AND paid_count > 0 AND failed_count > 0")
            .await
            .unwrap(),
        1
    );
    let ledger = store.check_ledger().await.unwrap();
    assert!(ledger.unbalanced.is_empty() && ledger.total == 0 && ledger.entries > 0, "{ledger:?}");
}
