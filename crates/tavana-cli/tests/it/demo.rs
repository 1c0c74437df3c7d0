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
    let (passwords, base) = tokio::task::spawn_blocking(move || {
        let mut passwords = std::collections::HashMap::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("line");
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.len() == 4 && line.starts_with("  ") {
                passwords.insert(words[0].to_string(), words[3].to_string());
            }
            if let Some(rest) = line.strip_prefix("Tavana is serving on ") {
                let base = rest.split_whitespace().next().unwrap_or_default().trim_end_matches('/').to_string();
                return (passwords, base);
            }
        }
        panic!("tavana demo ended without serving");
    })
    .await
    .unwrap();
    let password = passwords.get("admin").cloned().expect("the admin's password is printed");

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
    recount_the_closed_cycle(&store).await;
    // An appeal waits for the board.
    assert_eq!(store.count_rows_for_tests("appeals WHERE state = 'lodged'").await.unwrap(), 1);
    // Travel discount cards for those with a severe assessment.
    assert!(store.count_rows_for_tests("travel_cards WHERE revoked_on IS NULL").await.unwrap() > 0);
    // About 19,000 staff, every one in a position; critical posts both covered and at risk.
    let staff = store.count_rows_for_tests("staff WHERE position_id IS NOT NULL").await.unwrap();
    assert!((18_000..20_000).contains(&staff), "{staff}");
    let hr = store.actor_for_user(store.user_id_by_name("hr").await.unwrap()).await.unwrap();
    let risks = store.succession_risks(&hr, 2).await.unwrap();
    let critical = store.count_rows_for_tests("positions WHERE critical = 1").await.unwrap();
    assert!(!risks.is_empty() && (risks.len() as i64) < critical, "{} of {critical}", risks.len());
    // The knowledge library: every spelling of a word finds the same accounts, some of them.
    let ask = |q: &str| tavana_store::library::LibraryQuery { q: q.into(), ..Default::default() };
    let arabic = store.search_library(&hr, &ask("ميرفتند"), 0, 5).await.unwrap().total;
    let persian = store.search_library(&hr, &ask("می‌رفتند"), 0, 5).await.unwrap().total;
    assert!(arabic > 0 && arabic < 500 && arabic == persian, "{arabic} and {persian} of 500");
    // A national quota exam: fifty agencies, 4,300 candidates placed and published, objections lodged.
    assert_eq!(store.count_rows_for_tests("employment_agencies").await.unwrap(), 50);
    assert_eq!(store.count_rows_for_tests("exam_candidates").await.unwrap(), 4_300);
    assert_eq!(store.count_rows_for_tests("exam_rounds WHERE state = 'published'").await.unwrap(), 1);
    let placed = store.count_rows_for_tests("exam_candidates WHERE outcome = 'placed'").await.unwrap();
    assert!(placed > 1_000, "{placed}");
    assert_eq!(store.count_rows_for_tests("exam_objections").await.unwrap(), 2);
    // The CSR fund's money is on the ledger checked above: what firms owe is what they declared less what they paid.
    let chief = store.actor_for_user(store.user_id_by_name("employment.chief").await.unwrap()).await.unwrap();
    let fund = store.csr_fund(&chief).await.unwrap();
    let firms = store.firms(&chief).await.unwrap();
    assert_eq!(fund.receivable, firms.iter().map(|f| f.balance).sum::<i64>());
    assert!(fund.spent > 0 && fund.cash >= 0, "{fund:?}");
    // The planning centre: the census of every village, the villages nobody is
    // registered in (recounted from the households), and forty exits with their
    // reasons, three in five of which left need.
    let planner = store.actor_for_user(store.user_id_by_name("planner").await.unwrap()).await.unwrap();
    assert!(store.count_rows_for_tests("village_populations").await.unwrap() > 2_000);
    let hidden = store.hidden_villages(&planner, None, 100_000).await.unwrap();
    let nobody = store
        .count_rows_for_tests(
            "village_populations v WHERE NOT EXISTS (SELECT 1 FROM households h JOIN persons s ON s.household_id = h.id \
             WHERE h.place_id = v.place_id AND s.deceased_on IS NULL)",
        )
        .await
        .unwrap();
    assert!(nobody > 50, "{nobody}");
    assert_eq!(hidden.unregistered, nobody);
    assert_eq!(store.count_rows_for_tests("decisions WHERE exit_reason IS NOT NULL").await.unwrap(), 40);
    let effect = store.effectiveness(&planner, None).await.unwrap();
    let pension = effect.programs.iter().find(|e| e.program.code == "PENSION").unwrap();
    assert_eq!(pension.left_need_per_mille, Some(600), "{pension:?}");
    let recount = recount_the_waiting_list(&store).await;
    // The page shows those figures, province by province, to the program officer.
    let officer = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let page = officer.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    let start = page.find(marker).unwrap() + marker.len();
    let csrf = page[start..].split('"').next().unwrap();
    let program_password = passwords.get("program").expect("the program officer's password is printed");
    let form = [("username", "program"), ("password", program_password.as_str()), ("csrf", csrf), ("next", "/")];
    assert_eq!(officer.post(format!("{base}/login")).form(&form).send().await.unwrap().status(), 200);
    let html =
        officer.get(format!("{base}/programs/{}/waiting", recount.0)).send().await.unwrap().text().await.unwrap();
    let provinces = html.split("id=\"waiting-provinces\"").nth(1).unwrap().split("</table>").next().unwrap();
    for (id, (waiting, median, longest, needed)) in &recount.1 {
        let row =
            provinces.split(&format!("<tr data-id=\"{id}\">")).nth(1).expect("a row").split("</tr>").next().unwrap();
        // Each figure in Persian digits, grouped by thousands.
        let cells: Vec<String> = row
            .split("<td>")
            .skip(1)
            .map(|c| {
                tavana_domain::text::to_ascii_digits(c.split("</td>").next().unwrap()).replace(['\u{066C}', ','], "")
            })
            .collect();
        let expected: Vec<String> = [waiting, median, longest, needed].iter().map(|n| n.to_string()).collect();
        assert_eq!(cells[..4], expected[..], "{row}");
    }
}

/// The loan's waiting list, as its page shows it per province and county
/// office, against a recount from the decisions that put each applicant on it
/// (when, at what amount) and where each lives.
/// Returns the program and the recount per province.
async fn recount_the_waiting_list(
    store: &tavana_store::Store,
) -> (i64, std::collections::BTreeMap<i64, (i64, i64, i64, i64)>) {
    use std::collections::BTreeMap;
    use tavana_domain::applications::median;
    let officer = store.actor_for_user(store.user_id_by_name("program").await.unwrap()).await.unwrap();
    let program = store.programs(&officer).await.unwrap().into_iter().find(|p| p.code == "JOBLOAN").unwrap();
    let shown = store.waiting_list(&officer, program.id).await.unwrap();
    let filter = tavana_store::programs::EnrollmentFilter {
        state: Some(tavana_domain::programs::EnrollmentState::Draft),
        ..Default::default()
    };
    let waiting = store.program_enrollments(&officer, program.id, &filter, 0, 10_000).await.unwrap();
    assert!(waiting.len() >= 8, "several wait: {}", waiting.len());
    let now = store.clock().now_micros();
    // (days waited, amount) per province and per county office.
    type Groups = BTreeMap<i64, Vec<(i64, i64)>>;
    let (mut provinces, mut counties) = (Groups::new(), Groups::new());
    for e in &waiting {
        let decisions = store.person_decisions(&officer, e.person_id).await.unwrap();
        let put = decisions.iter().find(|d| d.program_id == program.id && d.to_state == "draft").unwrap();
        let days = (now - put.decided_at) / 86_400_000_000;
        let person = store.person(&officer, e.person_id).await.unwrap();
        provinces.entry(person.values.province_id).or_default().push((days, put.amount_rials.unwrap()));
        counties.entry(person.values.unit_id).or_default().push((days, put.amount_rials.unwrap()));
    }
    assert!(counties.len() >= 2 && provinces.len() >= 2, "{counties:?}");
    let recount = |groups: &Groups| {
        groups
            .iter()
            .map(|(id, rows)| {
                let mut days: Vec<i64> = rows.iter().map(|r| r.0).collect();
                days.sort_unstable();
                let needed: i64 = rows.iter().map(|r| r.1).sum();
                (*id, (rows.len() as i64, median(&days).unwrap(), *days.last().unwrap(), needed))
            })
            .collect::<BTreeMap<_, _>>()
    };
    let of = |rows: &[tavana_store::applications::WaitRow]| {
        rows.iter()
            .map(|r| (r.id, (r.waiting, r.median_days, r.longest_days, r.needed_month)))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(of(&shown.provinces), recount(&provinces));
    assert_eq!(of(&shown.counties), recount(&counties));
    assert!(shown.provinces.iter().any(|p| p.longest_days > p.median_days), "waits of different lengths");
    (program.id, recount(&provinces))
}

/// An independent recount of the demo's closed cycle: each bank's files, read
/// row by row, give the counts and sums recorded for them, and those of the
/// cycle's lines sent to that bank; per province, the totals shown are those of
/// its lines.
async fn recount_the_closed_cycle(store: &tavana_store::Store) {
    use std::collections::BTreeMap;
    use tavana_domain::payments::{CycleState, LineStatus};
    use tavana_store::payments::FileFormat;
    let maker = store.actor_for_user(store.user_id_by_name("maker").await.unwrap()).await.unwrap();
    let pension = store.programs(&maker).await.unwrap().into_iter().find(|p| p.code == "PENSION").unwrap();
    let cycles = store.payment_cycles(&maker, pension.id).await.unwrap();
    let closed = cycles.iter().find(|c| c.state == CycleState::Closed).unwrap();
    let lines = store.cycle_lines(&maker, closed.id, None, 10_000).await.unwrap();
    assert!((lines.len() as i64) < 10_000 && lines.len() as i64 == closed.payable_count + closed.held_count);
    let mut sent: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut provinces: BTreeMap<i64, [i64; 5]> = BTreeMap::new();
    for l in &lines {
        let p = provinces.entry(l.province_id).or_default();
        match l.status {
            LineStatus::Held => p[4] += 1,
            status => {
                let e = sent.entry(l.bank_code.clone().unwrap()).or_default();
                *e = (e.0 + 1, e.1 + l.amount_rials);
                let (count, rials) = if status == LineStatus::Paid { (0, 1) } else { (2, 3) };
                p[count] += 1;
                p[rials] += l.amount_rials;
            }
        }
    }
    let files = store.bank_files(&maker, closed.id).await.unwrap();
    assert_eq!(files.len(), sent.len() * 2);
    for f in &files {
        let mut bytes = Vec::new();
        store.download_bank_file(&maker, f.id, &mut bytes).await.unwrap();
        let read = match f.format {
            FileFormat::Csv => {
                let mut reader = csv::Reader::from_reader(bytes.as_slice());
                let amounts: Vec<i64> =
                    reader.records().map(|r| r.unwrap().get(3).unwrap().parse::<i64>().unwrap()).collect();
                (amounts.len() as i64, amounts.iter().sum::<i64>())
            }
            FileFormat::Pain001 => {
                let xml = String::from_utf8(bytes).unwrap();
                let sum: i64 = xml
                    .split("<InstdAmt Ccy=\"IRR\">")
                    .skip(1)
                    .map(|rest| rest.split('<').next().unwrap().parse::<i64>().unwrap())
                    .sum();
                (xml.matches("<CdtTrfTxInf>").count() as i64, sum)
            }
        };
        assert_eq!(read, (f.transfers, f.control_sum), "{f:?}");
        assert_eq!(read, sent[&f.bank_code], "{f:?}");
    }
    let totals = store.cycle_totals(&maker, closed.id).await.unwrap();
    assert_eq!(totals.len(), provinces.len());
    for t in &totals {
        let p = provinces[&t.province_id];
        assert_eq!([t.paid_count, t.paid_rials, t.failed_count, t.failed_rials, t.held_count], p, "{t:?}");
    }
}
