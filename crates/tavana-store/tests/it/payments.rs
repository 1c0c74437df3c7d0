//! Payment cycles as finance staff run them: compute a frozen snapshot, submit,
//! approve as another person, issue bank files, reconcile the bank's return,
//! close, and carry the returned payments into the next month; on SQLite and
//! PostgreSQL.

use crate::support::{activate, confirm, load_population, seeded, user};
use std::collections::BTreeMap;
use tavana_domain::iam::{Actor, Role};
use tavana_domain::payments::{
    CycleState, HoldReason, LineStatus, PayMonth, PaymentSettingsFields, RawPaymentSettings, Rounding, end_to_end_id,
};
use tavana_domain::sheba::Sheba;
use tavana_store::payments::{FileFormat, PaymentCycle, PaymentLine};
use tavana_store::{Clock, Store, StoreError};

/// 1405/09/06: confirmations are as of 1405/10/01, the month the first cycle pays.
const CONFIRMED: time::OffsetDateTime = time::macros::datetime!(2026-11-27 12:00 UTC);
/// 1405/10/04 and 1405/11/05: inside the months paid.
const DEY: time::OffsetDateTime = time::macros::datetime!(2026-12-25 12:00 UTC);
const BAHMAN: time::OffsetDateTime = time::macros::datetime!(2027-01-25 12:00 UTC);

fn debtor() -> Sheba {
    Sheba::from_bban([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4])
}

fn raw_settings(rounding: Rounding, deduction: &str) -> RawPaymentSettings {
    RawPaymentSettings {
        rounding: rounding.code().into(),
        debtor_name: "سازمان بهزیستی کشور".into(),
        debtor_sheba: debtor().as_string(),
        deduction: deduction.into(),
    }
}

/// How the pension pays: from HQ's account, rounded as given, withholding
/// `deduction` (an expression, or empty for none).
fn settings(rounding: Rounding, deduction: &str) -> PaymentSettingsFields {
    PaymentSettingsFields::parse(&raw_settings(rounding, deduction)).unwrap()
}

/// A person program paying 4,500,007 rials a month (rounded to tomans: 4,500,000)
/// to persons with a severe disability, with everyone it proposes enrolled.
async fn enrolled_program(store: &Store, officer: &Actor) -> (i64, Vec<i64>) {
    let raw = tavana_domain::programs::RawProgram {
        code: "pension".into(),
        name_fa: "مستمری".into(),
        name_en: "Pension".into(),
        kind: "cash_benefit".into(),
        target: "person".into(),
        rule: r#"disability.severity in ["severe", "very_severe"]"#.into(),
        formula: "4500007".into(),
        ..Default::default()
    };
    let fields = tavana_domain::programs::ProgramFields::parse(&raw).unwrap();
    let program = store.create_program(officer, &fields, "new program").await.unwrap();
    activate(store, program.id).await;
    let proposal = store.propose_enrollments(officer, program.id, store.default_as_of().unwrap()).await.unwrap();
    let enrolled = proposal.to_enroll.clone();
    let done = confirm(store, officer, program.id, &enrolled, "assessed severe", "art. 27").await.unwrap();
    assert_eq!(done.enrolled as usize, enrolled.len());
    assert!(enrolled.len() > 20, "{}", enrolled.len());
    (program.id, enrolled)
}

/// A fresh database with `persons` loaded, the pension of [`enrolled_program`]
/// paying from HQ's account with `rounding`, its maker and officer, the store's
/// clock on the day of confirmation.
struct Paying {
    _db: tavana_store::testing::TestDatabase,
    store: Store,
    officer: Actor,
    maker: Actor,
    program: i64,
    enrolled: Vec<i64>,
}

async fn paying(persons: u64, seed: u64, rounding: Rounding) -> Paying {
    let db = seeded().await;
    let store = db.store.with_clock(Clock::Fixed(CONFIRMED));
    let registrar = user(&store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(&store, "officer", "HQ", Role::ProgramOfficer).await;
    let maker = user(&store, "maker", "HQ", Role::FinanceMaker).await;
    load_population(&store, &registrar, persons, seed).await;
    let (program, enrolled) = enrolled_program(&store, &officer).await;
    store.set_payment_settings(&maker, program, &settings(rounding, "")).await.unwrap();
    Paying { _db: db, store, officer, maker, program, enrolled }
}

async fn lines(store: &Store, actor: &Actor, cycle: i64) -> Vec<PaymentLine> {
    store.cycle_lines(actor, cycle, None, 10_000).await.unwrap()
}

fn field_of(e: &StoreError) -> &str {
    match e {
        StoreError::Invalid(d) => d.field,
        _ => "",
    }
}

#[tokio::test]
async fn a_cycle_is_computed_approved_by_another_paid_reconciled_and_carried_forward() {
    let db = seeded().await;
    let store = &db.store.with_clock(Clock::Fixed(CONFIRMED));
    let registrar = user(store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
    let maker = user(store, "maker", "HQ", Role::FinanceMaker).await;
    let checker = user(store, "checker", "HQ", Role::FinanceChecker).await;
    let admin = user(store, "admin", "HQ", Role::Admin).await;
    load_population(store, &registrar, 800, 19).await;
    let (program, enrolled) = enrolled_program(store, &officer).await;

    // Fixtures: one enrolled person without an account, one deceased before the
    // month, one whose account is registered to someone in another household.
    let (no_account, deceased, shared) = (enrolled[0], enrolled[1], enrolled[2]);
    store
        .execute_unaudited_for_tests(&format!("UPDATE persons SET sheba = NULL WHERE id = {no_account}"))
        .await
        .unwrap();
    store
        .execute_unaudited_for_tests(&format!("UPDATE persons SET deceased_on = '2026-12-01' WHERE id = {deceased}"))
        .await
        .unwrap();
    store
        .execute_unaudited_for_tests(&format!(
            "UPDATE persons SET sheba = (SELECT q.sheba FROM persons q WHERE q.sheba IS NOT NULL AND q.household_id <> \
             persons.household_id ORDER BY q.id LIMIT 1) WHERE id = {shared}"
        ))
        .await
        .unwrap();

    // Nothing is paid before the program says how.
    let dey = PayMonth::parse("1405/10").unwrap();
    let hq = store.org_unit_by_code("HQ").await.unwrap().id;
    let refused = store.create_cycle(&maker, program, dey, hq).await.unwrap_err();
    assert_eq!(field_of(&refused), "program", "{refused:?}");
    let bad = RawPaymentSettings { debtor_sheba: "IR12".into(), ..raw_settings(Rounding::Toman, "") };
    assert_eq!(PaymentSettingsFields::parse(&bad).unwrap_err()[0].field, "debtor_sheba");
    store.set_payment_settings(&maker, program, &settings(Rounding::Toman, "")).await.unwrap();
    let cycle = store.create_cycle(&maker, program, dey, hq).await.unwrap();
    assert_eq!(cycle.state, CycleState::Draft);
    let twice = store.create_cycle(&maker, program, dey, hq).await.unwrap_err();
    assert_eq!(field_of(&twice), "month", "one live cycle per program, month and unit: {twice:?}");

    // A month is computed once it has begun.
    let early = store.compute_cycle(&maker, cycle.id).await.unwrap_err();
    assert_eq!(field_of(&early), "month", "{early:?}");
    let store = &store.with_clock(Clock::Fixed(DEY));
    let computed = store.compute_cycle(&maker, cycle.id).await.unwrap();
    assert_eq!(computed.state, CycleState::Computed);
    let all = lines(store, &maker, cycle.id).await;
    assert_eq!(all.len(), enrolled.len(), "a line for every enrollment in force");
    let reason_of = |id: i64| all.iter().find(|l| l.person_id == id).and_then(|l| l.hold_reason.clone());
    assert_eq!(reason_of(no_account).as_deref(), Some(HoldReason::MissingSheba.code()));
    assert_eq!(reason_of(deceased).as_deref(), Some(HoldReason::Deceased.code()));
    assert_eq!(reason_of(shared).as_deref(), Some(HoldReason::HolderMismatch.code()));
    for line in &all {
        assert_eq!(line.formula_rials, Some(4_500_007), "{line:?}");
        assert!(line.inputs.contains("\"disability.severity\":\"") && line.inputs.contains("1405/10/01"), "{line:?}");
        assert_eq!(line.program_version, 2);
        if line.status == LineStatus::Payable {
            assert_eq!(line.amount_rials, 4_500_000, "rounded down to tomans");
            let sheba = Sheba::parse(line.sheba.as_deref().unwrap()).unwrap();
            assert_eq!(line.bank_code.as_deref(), Some(sheba.bank_code().as_str()));
        } else {
            assert_eq!(line.status, LineStatus::Held);
        }
    }
    let payable: Vec<&PaymentLine> = all.iter().filter(|l| l.status == LineStatus::Payable).collect();
    assert_eq!(computed.payable_count as usize, payable.len());
    assert_eq!(computed.payable_rials, 4_500_000 * payable.len() as i64);
    assert_eq!(computed.held_count as usize, all.len() - payable.len());
    let hash = computed.snapshot_hash.clone().unwrap();
    // Computing again over the same data gives the same snapshot.
    let again = store.compute_cycle(&maker, cycle.id).await.unwrap();
    assert_eq!(again.snapshot_hash.as_deref(), Some(hash.as_str()));
    // The lines were written again (new rows), the same in all but their ids.
    let all = lines(store, &maker, cycle.id).await;
    let payable: Vec<&PaymentLine> = all.iter().filter(|l| l.status == LineStatus::Payable).collect();

    // Four eyes: the maker cannot approve; nor can whoever computed it once they
    // hold the checker's role; a province's checker does not see a national cycle.
    let submitted = store.submit_cycle(&maker, cycle.id).await.unwrap();
    assert_eq!(submitted.state, CycleState::Submitted);
    assert!(matches!(store.approve_cycle(&maker, cycle.id, "").await, Err(StoreError::Forbidden(_))));
    let turned = store.update_user_access(&admin, maker.user_id, &[Role::FinanceChecker], hq).await.unwrap();
    let turned = store.actor_for_user(turned.id).await.unwrap();
    let own = store.approve_cycle(&turned, cycle.id, "").await.unwrap_err();
    assert_eq!(field_of(&own), "checked_by", "{own:?}");
    let fars = user(store, "fars.checker", "P17", Role::FinanceChecker).await;
    assert!(matches!(store.approve_cycle(&fars, cycle.id, "").await, Err(StoreError::NotFound)));
    let by_admin = store.approve_cycle(&admin, cycle.id, "").await;
    // An admin runs the platform, not payments: no cycle is even visible to them.
    assert!(matches!(by_admin, Err(StoreError::NotFound)), "{by_admin:?}");
    // Sent back with a reason, computed again, submitted by the maker again.
    let maker = {
        store.update_user_access(&admin, maker.user_id, &[Role::FinanceMaker], hq).await.unwrap();
        store.actor_for_user(maker.user_id).await.unwrap()
    };
    assert_eq!(field_of(&store.reject_cycle(&checker, cycle.id, " ").await.unwrap_err()), "reason");
    let back = store.reject_cycle(&checker, cycle.id, "check the held lines").await.unwrap();
    assert_eq!((back.state, back.check_reason.as_deref()), (CycleState::Computed, Some("check the held lines")));
    store.submit_cycle(&maker, cycle.id).await.unwrap();
    assert!(store.issue_bank_files(&maker, cycle.id).await.is_err(), "no files before approval");
    let approved = store.approve_cycle(&checker, cycle.id, "checked").await.unwrap();
    assert_eq!(approved.state, CycleState::Approved);
    assert!(store.cancel_cycle(&maker, cycle.id, "late").await.is_err(), "an approved cycle is not cancelled");
    let ledger = store.check_ledger().await.unwrap();
    assert!(ledger.unbalanced.is_empty() && ledger.total == 0 && ledger.entries > 0, "{ledger:?}");

    // Bank files: per bank, counts and sums matching an independent recount of
    // the lines, bytes matching their recorded hashes.
    let files = store.issue_bank_files(&maker, cycle.id).await.unwrap();
    let mut per_bank: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for l in &payable {
        let e = per_bank.entry(l.bank_code.clone().unwrap()).or_default();
        *e = (e.0 + 1, e.1 + l.amount_rials);
    }
    assert_eq!(files.len(), per_bank.len() * 2);
    let mut returned = String::from("end_to_end_id,status,reason\n");
    for f in &files {
        assert_eq!(per_bank[&f.bank_code], (f.transfers, f.control_sum), "{f:?}");
        let mut bytes = Vec::new();
        store.download_bank_file(&checker, f.id, &mut bytes).await.unwrap();

        let sha = sha_hex(&bytes);
        assert_eq!(sha, f.sha256);
        let text = String::from_utf8(bytes).unwrap();
        match f.format {
            FileFormat::Pain001 => {
                assert_eq!(text.matches("<CdtTrfTxInf>").count() as i64, f.transfers);
                assert!(text.contains(&format!("<CtrlSum>{}</CtrlSum>", f.control_sum)));
                valid_pain001(&text);
            }
            FileFormat::Csv => {
                let rows: Vec<&str> = text.lines().skip(1).collect();
                assert_eq!(rows.len() as i64, f.transfers);
                for row in rows {
                    returned.push_str(&format!("{},paid,\n", row.split(',').next().unwrap()));
                }
            }
        }
    }
    let cycle_state = store.payment_cycle(&maker, cycle.id).await.unwrap().state;
    assert_eq!(cycle_state, CycleState::FilesIssued);
    // Each download is one logged read (of who is paid how much, where) by its reader.
    let auditor = user(store, "auditor", "HQ", Role::Auditor).await;
    let reads = store.recent_reads(&auditor, 200).await.unwrap();
    for f in &files {
        let of_file: Vec<_> =
            reads.iter().filter(|e| e.object_type == "payment_file" && e.object_id == f.id.to_string()).collect();
        assert_eq!(of_file.len(), 1, "file {}", f.id);
        assert_eq!(of_file[0].actor_username.as_deref(), Some("checker"));
        assert!(of_file[0].after_json.as_deref().unwrap_or_default().contains("\"data\":\"payments\""));
    }

    // The bank's return: all paid but two, which fail; rows that are not ours, of
    // no line, twice, or a held line's are reported, not applied.
    let (first, second) = (end_to_end_id(payable[0].id), end_to_end_id(payable[1].id));
    returned = returned
        .replace(&format!("{first},paid,"), &format!("{first},failed,account closed"))
        .replace(&format!("{second},paid,"), &format!("{second},failed,no such account"));
    let held = all.iter().find(|l| l.status == LineStatus::Held).unwrap();
    returned.push_str(&format!(
        "XYZ1,paid,\n{},paid,\n{first},failed,again\n{},paid,\n",
        end_to_end_id(99_999_999),
        end_to_end_id(held.id)
    ));
    let report = store.reconcile_cycle(&maker, cycle.id, returned.as_bytes()).await.unwrap();
    assert_eq!((report.paid as usize, report.failed), (payable.len() - 2, 2), "{report:?}\n{returned}");
    assert_eq!(report.paid_rials, 4_500_000 * (payable.len() as i64 - 2));
    assert_eq!(report.unmatched.len(), 4, "{:?}", report.unmatched);
    let reconciled = store.payment_cycle(&maker, cycle.id).await.unwrap();
    assert_eq!(reconciled.state, CycleState::Reconciled);
    assert_eq!((reconciled.paid_count, reconciled.failed_count), (payable.len() as i64 - 2, 2));
    // Reported again, nothing changes twice.
    let again = store.reconcile_cycle(&maker, cycle.id, returned.as_bytes()).await.unwrap();
    assert_eq!((again.paid, again.failed), (0, 0));
    // Per province, the totals add up to the cycle's.
    let totals = store.cycle_totals(&maker, cycle.id).await.unwrap();
    assert_eq!(totals.iter().map(|t| t.paid_rials).sum::<i64>(), reconciled.paid_rials);
    assert_eq!(totals.iter().map(|t| t.failed_count).sum::<i64>(), 2);
    assert_eq!(totals.iter().map(|t| t.held_count).sum::<i64>(), reconciled.held_count);
    // The ledger: owed what was approved, the bank paid what was paid, the rest owed.
    let ledger = store.check_ledger().await.unwrap();
    assert!(ledger.unbalanced.is_empty() && ledger.total == 0, "{ledger:?}");
    let balances = store.ledger_balances(&maker).await.unwrap();
    let balance = |kind: &str| balances.iter().filter(|b| b.account.code() == kind).map(|b| b.rials).sum::<i64>();
    assert_eq!(balance("program_expense"), approved.payable_rials);
    assert_eq!(balance("beneficiary_payable"), -(2 * 4_500_000));
    assert_eq!(balance("bank_clearing"), -reconciled.paid_rials);
    // A text to each beneficiary paid who has a phone, in the same transaction.
    let texts = store
        .count_rows_for_tests("sms_outbox WHERE body LIKE '%دی ۱۴۰۵ به مبلغ ۴٬۵۰۰٬۰۰۰ ریال به حساب شما واریز شد.'")
        .await
        .unwrap();
    let phones = payable.iter().skip(2).count() as i64;
    assert!(texts > 0 && texts <= phones, "{texts} of {phones}");
    // The sender takes each text once.
    let taken = store.take_texts(10_000).await.unwrap();
    assert_eq!(taken.len() as i64, texts);
    assert!(taken.iter().all(|t| t.body.contains("به حساب شما واریز شد") && !t.phone.is_empty()));
    assert!(store.take_texts(10_000).await.unwrap().is_empty());
    let closed = store.close_cycle(&maker, cycle.id).await.unwrap();
    assert_eq!(closed.state, CycleState::Closed);

    // Next month: the two returned payments are carried forward for Dey, and not
    // owed a second time on the ledger.
    let store = &store.with_clock(Clock::Fixed(BAHMAN));
    let bahman = store.create_cycle(&maker, program, PayMonth::parse("1405/11").unwrap(), hq).await.unwrap();
    let next = store.compute_cycle(&maker, bahman.id).await.unwrap();
    let next_lines = lines(store, &maker, bahman.id).await;
    let retries: Vec<&PaymentLine> = next_lines.iter().filter(|l| l.retry_of.is_some()).collect();
    assert_eq!(retries.len(), 2);
    assert!(retries.iter().all(|l| l.month == dey.code() && l.amount_rials == 4_500_000));
    assert_eq!(next_lines.len(), all.len() + 2);
    let checker2 = user(store, "checker2", "HQ", Role::FinanceChecker).await;
    store.submit_cycle(&maker, next.id).await.unwrap();
    let approved = store.approve_cycle(&checker2, next.id, "").await.unwrap();
    let balances = store.ledger_balances(&maker).await.unwrap();
    let expense = balances.iter().filter(|b| b.account.code() == "program_expense").map(|b| b.rials).sum::<i64>();
    assert_eq!(expense, closed.payable_rials + approved.payable_rials - 2 * 4_500_000);
    // Nobody is paid twice for a month, whatever the code: the database refuses it.
    let dup = store
        .execute_unaudited_for_tests(&format!(
            "UPDATE payment_lines SET status = 'payable' WHERE id = {}",
            payable[0].id
        ))
        .await;
    assert!(dup.is_err(), "a second payable line for the same month: {dup:?}");
    assert!(store.verify_audit_chain().await.unwrap().problem().is_none());
}

/// The terms in force on a month's first day decide its amounts: a change that
/// takes effect the month after does not touch them.
#[tokio::test]
async fn a_month_is_paid_by_the_terms_in_force_on_its_first_day() {
    let Paying { store, officer, maker, program, _db, .. } = paying(400, 23, Rounding::Rial).await;
    let store = &store;
    // From Bahman on the pension is 5,000,000.
    let current = store.program(&officer, program).await.unwrap();
    let raw = tavana_domain::programs::RawProgram {
        code: current.code.clone(),
        name_fa: current.name_fa.clone(),
        name_en: current.name_en.clone(),
        kind: "cash_benefit".into(),
        target: "person".into(),
        rule: current.rule.clone(),
        formula: "5000000".into(),
        ..Default::default()
    };
    let fields = tavana_domain::programs::ProgramFields::parse(&raw).unwrap();
    let bahman_first = tavana_domain::jalali::JalaliDate::new(1405, 11, 1).unwrap();
    let change =
        store.propose_program_change(&officer, program, &fields, current.version, bahman_first, "raise").await.unwrap();
    store.decide_program_change(&crate::support::approver(store).await, change.id, true, "agreed").await.unwrap();
    // Dey is computed late, in Bahman, when the raise is already applied.
    let late = store.with_clock(Clock::Fixed(BAHMAN));
    assert_eq!(late.apply_due_program_changes().await.unwrap(), 1);
    assert_eq!(late.program(&officer, program).await.unwrap().formula, "5000000");
    let hq = late.org_unit_by_code("HQ").await.unwrap().id;
    let dey = late.create_cycle(&maker, program, PayMonth::parse("1405/10").unwrap(), hq).await.unwrap();
    let dey = late.compute_cycle(&maker, dey.id).await.unwrap();
    let bahman = late.create_cycle(&maker, program, PayMonth::parse("1405/11").unwrap(), hq).await.unwrap();
    let bahman = late.compute_cycle(&maker, bahman.id).await.unwrap();
    let amounts = |c: &PaymentCycle, ls: &[PaymentLine]| {
        let mut a: Vec<(i64, i64)> = ls.iter().map(|l| (l.amount_rials, l.program_version)).collect();
        a.dedup();
        (c.program_version, a)
    };
    let dey_lines = lines(&late, &maker, dey.id).await;
    let bahman_lines = lines(&late, &maker, bahman.id).await;
    assert_eq!(amounts(&dey, &dey_lines), (Some(2), vec![(4_500_007, 2)]));
    assert_eq!(amounts(&bahman, &bahman_lines), (Some(3), vec![(5_000_000, 3)]));
}

/// Validates a pain.001 file against the standard's schema with xmllint, when
/// scripts/test has fetched the schema (`TAVANA_PAIN001_XSD`).
fn valid_pain001(xml: &str) {
    let Some(xsd) = std::env::var_os("TAVANA_PAIN001_XSD") else {
        eprintln!("not validating against the pain.001 schema: TAVANA_PAIN001_XSD is not set");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pain001.xml");
    std::fs::write(&file, xml).unwrap();
    let out =
        std::process::Command::new("xmllint").arg("--noout").arg("--schema").arg(&xsd).arg(&file).output().unwrap();
    assert!(
        out.status.success(),
        "the file breaks the pain.001.001.03 schema: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn sha_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A program that withholds from each payment (an insurance premium's share):
/// each line pays the rounded amount less the rounded deduction and keeps both;
/// the cycle keeps the deduction it was computed with; on approval the expense
/// is the whole entitlement, owed to the beneficiaries less what is withheld,
/// which is owed to the program's deductions account. A deduction larger than
/// the amount holds the line (nothing to pay).
#[tokio::test]
async fn a_deduction_is_withheld_from_each_payment_and_owed_on_the_ledger() {
    let Paying { store, maker, program, enrolled, _db, .. } = paying(500, 47, Rounding::Toman).await;
    let checker = user(&store, "checker", "HQ", Role::FinanceChecker).await;
    store.set_payment_settings(&maker, program, &settings(Rounding::Toman, "150007")).await.unwrap();
    let store = store.with_clock(Clock::Fixed(DEY));
    let hq = store.org_unit_by_code("HQ").await.unwrap().id;
    let cycle = store.create_cycle(&maker, program, PayMonth::parse("1405/10").unwrap(), hq).await.unwrap();
    let computed = store.compute_cycle(&maker, cycle.id).await.unwrap();
    assert_eq!(computed.deduction.as_deref(), Some("150007"));
    let payable: Vec<PaymentLine> =
        lines(&store, &maker, cycle.id).await.into_iter().filter(|l| l.status == LineStatus::Payable).collect();
    assert!(!payable.is_empty());
    for l in &payable {
        assert_eq!(
            (l.formula_rials, l.amount_rials, l.deduction_rials),
            (Some(4_500_007), 4_350_000, 150_000),
            "{l:?}"
        );
    }
    assert_eq!(computed.payable_rials, 4_350_000 * payable.len() as i64);
    // Settings changed later do not change what was computed.
    store.set_payment_settings(&maker, program, &settings(Rounding::Toman, "")).await.unwrap();
    store.submit_cycle(&maker, cycle.id).await.unwrap();
    store.approve_cycle(&checker, cycle.id, "checked").await.unwrap();
    let balances = store.ledger_balances(&maker).await.unwrap();
    let balance = |kind: &str| balances.iter().filter(|b| b.account.code() == kind).map(|b| b.rials).sum::<i64>();
    let n = payable.len() as i64;
    assert_eq!(balance("program_expense"), 4_500_000 * n);
    assert_eq!(balance("beneficiary_payable"), -4_350_000 * n);
    assert_eq!(balance("deductions_payable"), -150_000 * n);
    let ledger = store.check_ledger().await.unwrap();
    assert!(ledger.unbalanced.is_empty() && ledger.total == 0, "{ledger:?}");

    // Withholding more than the amount: nothing to pay, every line held.
    store.set_payment_settings(&maker, program, &settings(Rounding::Toman, "4500001 + 9")).await.unwrap();
    let next = store.with_clock(Clock::Fixed(BAHMAN));
    let bahman = next.create_cycle(&maker, program, PayMonth::parse("1405/11").unwrap(), hq).await.unwrap();
    let held = next.compute_cycle(&maker, bahman.id).await.unwrap();
    assert_eq!((held.payable_count, held.held_count), (0, enrolled.len() as i64));
    let reasons = next.cycle_holds(&maker, bahman.id).await.unwrap();
    assert!(reasons.iter().any(|h| h.reason == HoldReason::NotPositive && h.count > 0), "{reasons:?}");
    let not_positive: Vec<PaymentLine> = lines(&next, &maker, bahman.id)
        .await
        .into_iter()
        .filter(|l| l.hold_reason.as_deref() == Some(HoldReason::NotPositive.code()))
        .collect();
    assert!(not_positive.iter().all(|l| l.deduction_rials == 4_500_010 && l.amount_rials == -10), "{not_positive:?}");
}

/// Arrears for an overturned decision: a person cut off before a month the
/// program paid, whose appeal is upheld after it, is paid that month in the
/// next cycle (at the enrollment's amount, naming the decision that undid the
/// cut), besides the month itself, once: a later cycle owes nothing more.
#[tokio::test]
async fn an_overturned_decision_is_paid_its_arrears_in_the_next_cycle_once() {
    let Paying { store, maker, officer, program, enrolled, _db } = paying(500, 61, Rounding::Toman).await;
    let checker = user(&store, "checker", "HQ", Role::FinanceChecker).await;
    let clerk = user(&store, "clerk", "HQ", Role::CaseWorker).await;
    let board = user(&store, "board", "HQ", Role::ProgramOfficer).await;
    let hq = store.org_unit_by_code("HQ").await.unwrap().id;
    // Azar: the officer cuts off one person with an account (found by a cycle
    // computed and given up); the clerk appeals in Dey.
    let trial = store.create_cycle(&maker, program, PayMonth::parse("1405/09").unwrap(), hq).await.unwrap();
    store.compute_cycle(&maker, trial.id).await.unwrap();
    let person =
        lines(&store, &maker, trial.id).await.iter().find(|l| l.status == LineStatus::Payable).unwrap().person_id;
    store.cancel_cycle(&maker, trial.id, "a trial").await.unwrap();
    assert!(enrolled.contains(&person));
    let cut = tavana_store::programs::EnrollmentDecision {
        to: tavana_domain::programs::EnrollmentState::NotEligible,
        reasons: "the reassessment found a moderate disability",
        legal_basis: "art. 27",
        exit_reason: None,
    };
    store.decide_enrollment(&officer, program, person, &cut).await.unwrap();
    let decision = store.person_decisions(&officer, person).await.unwrap()[0].id;
    // Dey is paid without them.
    let dey_store = store.with_clock(Clock::Fixed(DEY));
    let pay = async |s: &Store, month: &str| {
        let cycle = s.create_cycle(&maker, program, PayMonth::parse(month).unwrap(), hq).await.unwrap();
        s.compute_cycle(&maker, cycle.id).await.unwrap();
        s.submit_cycle(&maker, cycle.id).await.unwrap();
        s.approve_cycle(&checker, cycle.id, "checked").await.unwrap();
        lines(s, &maker, cycle.id).await
    };
    let dey = pay(&dey_store, "1405/10").await;
    assert!(dey.iter().all(|l| l.person_id != person));
    let appeal = dey_store.lodge_appeal(&clerk, decision, "a second commission assessed it severe").await.unwrap();
    // Bahman: the board overturns; the Bahman cycle pays Bahman and Dey's arrears.
    let bahman_store = store.with_clock(Clock::Fixed(BAHMAN));
    let ruled = bahman_store
        .rule_on_appeal(&board, appeal.id, tavana_domain::cases::Ruling::Overturn, "the assessment stands", "art. 27")
        .await
        .unwrap();
    let bahman = pay(&bahman_store, "1405/11").await;
    let theirs: Vec<&PaymentLine> = bahman.iter().filter(|l| l.person_id == person).collect();
    let months: Vec<i64> = theirs.iter().map(|l| l.month).collect();
    assert_eq!(months.iter().filter(|m| **m == 140_510).count(), 1, "{theirs:?}");
    assert_eq!(months.iter().filter(|m| **m == 140_511).count(), 1, "{theirs:?}");
    let arrear = theirs.iter().find(|l| l.month == 140_510).unwrap();
    assert_eq!((arrear.arrear_of, arrear.amount_rials), (ruled.effect_decision_id, 4_500_000));
    assert_eq!(arrear.status, LineStatus::Payable);
    assert_eq!(bahman.iter().filter(|l| l.arrear_of.is_some()).count(), 1, "nobody else is owed arrears");
    let jobs = bahman_store.payment_jobs(&maker, 10).await.unwrap();
    assert_eq!(jobs[0].remaining(), 0, "the arrears were counted in the work: {:?}", jobs[0]);
    assert_eq!(jobs[0].done, bahman.len() as i64);
    // The ledger owes the arrears as a new entitlement; Esfand owes no arrears again.
    let ledger = bahman_store.check_ledger().await.unwrap();
    assert!(ledger.unbalanced.is_empty() && ledger.total == 0, "{ledger:?}");
    let esfand_store = store.with_clock(Clock::Fixed(time::macros::datetime!(2027-02-25 12:00 UTC)));
    let esfand = pay(&esfand_store, "1405/12").await;
    assert!(esfand.iter().all(|l| l.arrear_of.is_none()), "arrears are paid once");
}

/// The code of the province office with the most enrolled.
async fn busiest_province(store: &Store) -> String {
    let mut most = (0, String::new());
    for n in 1..=31 {
        let code = format!("P{n:02}");
        let enrolled_there = store
            .count_rows_for_tests(&format!(
                "enrollments e JOIN org_units u ON u.id = e.unit_id JOIN org_units p ON u.path LIKE p.path || '%' \
                 WHERE p.code = '{code}' AND e.state = 'enrolled'"
            ))
            .await
            .unwrap();
        most = most.max((enrolled_there, code));
    }
    assert!(most.0 > 0, "{most:?}");
    most.1
}

/// A province's monthly budget for the program is appropriated on the ledger
/// when the month's first cycle paying the province is approved, once a month:
/// budget execution shows it beside what was owed and paid.
#[tokio::test]
async fn the_month_s_budget_is_appropriated_once_a_province_when_its_first_cycle_is_approved() {
    let Paying { store, maker, officer, program, _db, .. } = paying(600, 43, Rounding::Rial).await;
    let checker = user(&store, "checker", "HQ", Role::FinanceChecker).await;
    const BUDGET: i64 = 1_000_000_000;
    for n in 1..=31 {
        store
            .set_province_budget(&officer, program, &format!("{n:02}"), tavana_domain::Rials::new(BUDGET))
            .await
            .unwrap();
    }
    let store = store.with_clock(Clock::Fixed(DEY));
    let hq = store.org_unit_by_code("HQ").await.unwrap().id;
    let busiest = store.org_unit_by_code(&busiest_province(&store).await).await.unwrap().id;
    let dey = PayMonth::parse("1405/10").unwrap();
    let approve = async |unit: i64| {
        let cycle = store.create_cycle(&maker, program, dey, unit).await.unwrap();
        store.compute_cycle(&maker, cycle.id).await.unwrap();
        store.submit_cycle(&maker, cycle.id).await.unwrap();
        store.approve_cycle(&checker, cycle.id, "checked").await.unwrap();
        lines(&store, &maker, cycle.id)
            .await
            .iter()
            .filter(|l| l.status == LineStatus::Payable)
            .map(|l| l.province_id)
            .collect::<std::collections::BTreeSet<i64>>()
    };
    let first = approve(busiest).await;
    assert_eq!(first.len(), 1);
    let rest = approve(hq).await;
    assert!(!rest.is_empty() && rest.is_disjoint(&first), "{first:?} {rest:?}");
    let balances = store.ledger_balances(&maker).await.unwrap();
    let appropriated: i64 = balances.iter().filter(|b| b.account.code() == "appropriation").map(|b| b.rials).sum();
    assert_eq!(appropriated, -BUDGET * (first.len() + rest.len()) as i64);
    let ledger = store.check_ledger().await.unwrap();
    assert!(ledger.unbalanced.is_empty() && ledger.total == 0, "{ledger:?}");
    let execution = store.budget_execution(&maker, program, 1405).await.unwrap();
    assert_eq!(execution.len(), first.len() + rest.len());
    for line in &execution {
        assert_eq!((line.month, line.budget_rials), (140_510, Some(BUDGET)), "{line:?}");
        assert!(line.spent_rials > 0 && line.paid_rials == 0, "{line:?}");
    }

    // The planning centre's budget execution: per province, the budget against
    // what the approved cycles' payable lines owe (recounted from the lines, not
    // the ledger), nothing the year before, and Dey's totals.
    let planner = user(&store, "planner", "HQ", Role::Planner).await;
    let budget = store.planning_budget(&planner, None, 1405).await.unwrap();
    let cycles: Vec<i64> = store.payment_cycles(&maker, program).await.unwrap().iter().map(|c| c.id).collect();
    let mut owed = std::collections::BTreeMap::<i64, i64>::new();
    for cycle in cycles {
        for line in lines(&store, &maker, cycle).await.iter().filter(|l| l.status == LineStatus::Payable) {
            *owed.entry(line.province_id).or_default() += line.amount_rials + line.deduction_rials;
        }
    }
    assert_eq!(budget.rows.len(), owed.len());
    for row in &budget.rows {
        assert_eq!((row.program_id, row.allocated, row.spent_before), (program, BUDGET, 0), "{row:?}");
        assert_eq!(row.spent, owed[&row.province_id], "{row:?}");
    }
    let spent: i64 = owed.values().sum();
    assert_eq!((budget.months[9].allocated, budget.months[9].spent), (BUDGET * owed.len() as i64, spent));
    assert!(budget.months.iter().all(|t| t.month == 10 || (t.allocated, t.spent) == (0, 0)));
    // A province's planner sees their province's budget only.
    let code = busiest_province(&store).await;
    let provincial = user(&store, "provincial", &code, Role::Planner).await;
    let province = store.org_unit_by_code(&code).await.unwrap().province_id.unwrap();
    let theirs = store.planning_budget(&provincial, None, 1405).await.unwrap();
    assert_eq!(theirs.rows.len(), 1);
    assert_eq!((theirs.rows[0].province_id, theirs.rows[0].spent), (province, owed[&province]));
    assert_eq!((theirs.months[9].allocated, theirs.months[9].spent), (BUDGET, owed[&province]));
    assert!(matches!(
        store.planning_budget(&planner, None, 99).await,
        Err(StoreError::Invalid(ref e)) if e.field == "year"
    ));
}

/// A beneficiary is paid once a month whatever cycles pay it: a province's
/// cycle computed for the month holds its beneficiaries in the country's cycle
/// (already paid), and once it is cancelled they are paid by the country's.
#[tokio::test]
async fn a_beneficiary_to_be_paid_by_one_cycle_of_the_month_is_held_in_another() {
    let Paying { store, maker, program, enrolled, _db, .. } = paying(600, 41, Rounding::Rial).await;
    let store = store.with_clock(Clock::Fixed(DEY));
    let hq = store.org_unit_by_code("HQ").await.unwrap().id;
    let province = store.org_unit_by_code(&busiest_province(&store).await).await.unwrap().id;
    let dey = PayMonth::parse("1405/10").unwrap();
    let provincial = store.create_cycle(&maker, program, dey, province).await.unwrap();
    store.compute_cycle(&maker, provincial.id).await.unwrap();
    let in_fars: std::collections::BTreeSet<i64> = lines(&store, &maker, provincial.id)
        .await
        .iter()
        .filter(|l| l.status == LineStatus::Payable)
        .map(|l| l.beneficiary)
        .collect();
    assert!(!in_fars.is_empty());
    let national = store.create_cycle(&maker, program, dey, hq).await.unwrap();
    let computed = store.compute_cycle(&maker, national.id).await.unwrap();
    assert_eq!(computed.payable_count + computed.held_count, enrolled.len() as i64);
    let national_lines = lines(&store, &maker, national.id).await;
    let already: std::collections::BTreeSet<i64> = national_lines
        .iter()
        .filter(|l| l.hold_reason.as_deref() == Some(HoldReason::AlreadyPaid.code()))
        .map(|l| l.beneficiary)
        .collect();
    assert_eq!(already, in_fars);
    // The province's cycle given up: the country's pays them.
    store.cancel_cycle(&maker, provincial.id, "paid nationally").await.unwrap();
    store.compute_cycle(&maker, national.id).await.unwrap();
    let again = lines(&store, &maker, national.id).await;
    assert!(again.iter().all(|l| l.hold_reason.as_deref() != Some(HoldReason::AlreadyPaid.code())));
    assert!(in_fars.iter().all(|b| again.iter().any(|l| l.beneficiary == *b && l.status == LineStatus::Payable)));
}

/// A computation stopped between provinces leaves its job running at its
/// checkpoint; no other step is taken meanwhile, and computing again resumes it
/// and gives the same snapshot as a computation from the start.
#[tokio::test]
async fn a_computation_stopped_midway_resumes_to_the_same_snapshot() {
    let Paying { store, maker, program, enrolled, _db, .. } = paying(600, 29, Rounding::Rial).await;
    let store = store.with_clock(Clock::Fixed(DEY));
    let hq = store.org_unit_by_code("HQ").await.unwrap().id;
    let cycle = store.create_cycle(&maker, program, PayMonth::parse("1405/10").unwrap(), hq).await.unwrap();
    // Stopped after the fifth province's transaction (its task panics there).
    let (stopped_store, stopped_maker) = (store.clone(), maker.clone());
    let stopped = tokio::spawn(async move {
        let mut parts = 0;
        stopped_store
            .compute_cycle_watched(&stopped_maker, cycle.id, &mut |job| {
                parts += usize::from(job.checkpoint.is_some());
                assert!(parts < 5, "stopped");
            })
            .await
    })
    .await;
    assert!(stopped.is_err(), "the computation was stopped");
    let jobs = store.cycle_jobs(&maker, cycle.id).await.unwrap();
    let job = &jobs[0];
    assert_eq!((job.state.code(), job.resumed), ("running", 0));
    assert!(job.done > 0 && job.remaining() > 0 && job.done + job.remaining() == enrolled.len() as i64, "{job:?}");
    assert_eq!(
        store.count_rows_for_tests(&format!("payment_lines WHERE cycle_id = {}", cycle.id)).await.unwrap(),
        job.done
    );
    let busy = store.cancel_cycle(&maker, cycle.id, "stop").await.unwrap_err();
    assert_eq!(field_of(&busy), "state", "{busy:?}");
    // Started again: resumed, every enrollment once.
    let resumed = store.compute_cycle(&maker, cycle.id).await.unwrap();
    let jobs = store.cycle_jobs(&maker, cycle.id).await.unwrap();
    assert_eq!((jobs.len(), jobs[0].state.code(), jobs[0].resumed), (1, "done", 1));
    assert_eq!((jobs[0].done, jobs[0].remaining()), (enrolled.len() as i64, 0));
    assert_eq!(resumed.payable_count + resumed.held_count, enrolled.len() as i64);
    // Each part's audit entry pins the lines it wrote: their id range and the
    // hash of their content; together they cover every line once.
    let auditor = user(&store, "auditor", "HQ", Role::Auditor).await;
    let parts = store.audit_entries(&auditor, Some("cycle.compute_part"), 1_000).await.unwrap();
    let mut ranges: Vec<(i64, i64, i64)> = parts
        .iter()
        .map(|e| serde_json::from_str::<serde_json::Value>(e.after_json.as_deref().unwrap()).unwrap())
        .filter(|a| a["done"].as_i64().unwrap() > 0)
        .map(|a| {
            assert_eq!(a["lines_sha256"].as_str().unwrap().len(), 64, "{a}");
            (a["first_line"].as_i64().unwrap(), a["last_line"].as_i64().unwrap(), a["done"].as_i64().unwrap())
        })
        .collect();
    ranges.sort();
    assert_eq!(ranges.iter().map(|r| r.2).sum::<i64>(), enrolled.len() as i64);
    let ids: Vec<i64> = lines(&store, &maker, cycle.id).await.iter().map(|l| l.id).collect();
    for (first, last, done) in &ranges {
        assert_eq!(ids.iter().filter(|id| (*first..=*last).contains(*id)).count() as i64, *done);
    }
    assert!(ranges.windows(2).all(|w| w[0].1 < w[1].0), "{ranges:?}");
    let fresh = store.compute_cycle(&maker, cycle.id).await.unwrap();
    assert_eq!(fresh.snapshot_hash, resumed.snapshot_hash);
    assert_eq!((fresh.payable_count, fresh.payable_rials), (resumed.payable_count, resumed.payable_rials));
}

/// Applying a bank's return stopped between provinces leaves its job running at
/// its checkpoint with the provinces before it settled (their lines, ledger
/// entries and texts together); another file is refused meanwhile, and the same
/// file again resumes it: every line settled once, the ledger balanced, the
/// report as a run from the start would give.
#[tokio::test]
async fn a_reconciliation_stopped_midway_resumes_with_the_same_file() {
    let Paying { store, maker, program, _db, .. } = paying(600, 37, Rounding::Rial).await;
    let checker = user(&store, "checker", "HQ", Role::FinanceChecker).await;
    let store = store.with_clock(Clock::Fixed(DEY));
    let hq = store.org_unit_by_code("HQ").await.unwrap().id;
    let cycle = store.create_cycle(&maker, program, PayMonth::parse("1405/10").unwrap(), hq).await.unwrap();
    store.compute_cycle(&maker, cycle.id).await.unwrap();
    store.submit_cycle(&maker, cycle.id).await.unwrap();
    store.approve_cycle(&checker, cycle.id, "checked").await.unwrap();
    store.issue_bank_files(&maker, cycle.id).await.unwrap();
    let payable = store.cycle_lines(&maker, cycle.id, Some(LineStatus::Payable), 10_000).await.unwrap();
    let provinces: std::collections::BTreeSet<i64> = payable.iter().map(|l| l.province_id).collect();
    assert!(provinces.len() > 4, "{provinces:?}");
    let mut file = String::from("end_to_end_id,status,reason\n");
    for (i, l) in payable.iter().enumerate() {
        let status = if i % 7 == 0 { "failed,account closed" } else { "paid," };
        file.push_str(&format!("{},{status}\n", end_to_end_id(l.id)));
    }
    file.push_str("XYZ1,paid,\n");
    let failing = payable.iter().step_by(7).count();

    // Stopped after the third province's transaction (its task panics there).
    let (stopped_store, stopped_maker, stopped_file) = (store.clone(), maker.clone(), file.clone());
    let stopped = tokio::spawn(async move {
        let mut parts = 0;
        stopped_store
            .reconcile_cycle_watched(&stopped_maker, cycle.id, stopped_file.as_bytes(), &mut |job| {
                parts += usize::from(job.checkpoint.is_some());
                assert!(parts < 3, "stopped");
            })
            .await
    })
    .await;
    assert!(stopped.is_err(), "the reconciliation was stopped");
    let job = store.cycle_jobs(&maker, cycle.id).await.unwrap().remove(0);
    assert_eq!((job.step.code(), job.state.code()), ("reconcile", "running"), "{job:?}");
    assert_eq!(job.total, payable.len() as i64);
    assert!(job.done > 0 && job.remaining() > 0, "{job:?}");
    let settled = store
        .count_rows_for_tests(&format!("payment_lines WHERE cycle_id = {} AND status IN ('paid', 'failed')", cycle.id))
        .await
        .unwrap();
    assert_eq!(settled, job.done);
    let ledger = store.check_ledger().await.unwrap();
    assert!(ledger.unbalanced.is_empty() && ledger.total == 0, "{ledger:?}");
    assert!(store.close_cycle(&maker, cycle.id).await.is_err(), "no other step while the job runs");
    // Another file while this one is half applied: refused, nothing changes.
    let other = format!("end_to_end_id,status,reason\n{},paid,\n", end_to_end_id(payable[0].id));
    let refused = store.reconcile_cycle(&maker, cycle.id, other.as_bytes()).await.unwrap_err();
    assert_eq!(field_of(&refused), "file", "{refused:?}");

    // The same file again: resumed, each line settled once.
    let report = store.reconcile_cycle(&maker, cycle.id, file.as_bytes()).await.unwrap();
    assert_eq!((report.paid as usize, report.failed as usize), (payable.len() - failing, failing), "{report:?}");
    assert_eq!(report.paid_rials, 4_500_007 * (payable.len() - failing) as i64);
    assert_eq!(report.unmatched.len(), 1, "{:?}", report.unmatched);
    let jobs = store.cycle_jobs(&maker, cycle.id).await.unwrap();
    assert_eq!((jobs[0].state.code(), jobs[0].resumed, jobs[0].done), ("done", 1, payable.len() as i64));
    assert_eq!(jobs[0].failed, failing as i64);
    let reconciled = store.payment_cycle(&maker, cycle.id).await.unwrap();
    assert_eq!(reconciled.state, CycleState::Reconciled);
    assert_eq!((reconciled.paid_count as usize, reconciled.failed_count as usize), (payable.len() - failing, failing));
    let ledger = store.check_ledger().await.unwrap();
    assert!(ledger.unbalanced.is_empty() && ledger.total == 0, "{ledger:?}");
    let balances = store.ledger_balances(&maker).await.unwrap();
    let paid: i64 = balances.iter().filter(|b| b.account.code() == "bank_clearing").map(|b| b.rials).sum();
    assert_eq!(paid, -reconciled.paid_rials);
    let texts = store.count_rows_for_tests("sms_outbox").await.unwrap();
    let distinct = store.count_rows_for_tests("(SELECT DISTINCT line_id FROM sms_outbox) t").await.unwrap();
    assert!(texts > 0 && texts == distinct, "{texts} texts for {distinct} lines");
    // The audit names every line settled, once.
    let auditor = user(&store, "auditor", "HQ", Role::Auditor).await;
    let entries = store.audit_entries(&auditor, Some("cycle.settle"), 1_000).await.unwrap();
    let mut named: Vec<[i64; 2]> = Vec::new();
    for e in &entries {
        let after: serde_json::Value = serde_json::from_str(e.after_json.as_deref().unwrap()).unwrap();
        named.extend(serde_json::from_value::<Vec<[i64; 2]>>(after["lines"].clone()).unwrap());
    }
    named.sort();
    let mut expected: Vec<[i64; 2]> = payable.iter().enumerate().map(|(i, l)| [l.id, i64::from(i % 7 != 0)]).collect();
    expected.sort();
    assert_eq!(named, expected);
}

/// One operation of a random sequence.
#[derive(Debug, Clone)]
enum Op {
    /// Open a cycle for the n-th month from Dey 1405.
    Create(u8),
    Compute,
    Submit,
    Approve,
    Reject,
    Cancel,
    Issue,
    /// The bank's return, failing the lines whose index is divisible by n (n ≥ 2)
    /// and leaving every m-th one unanswered (m ≥ 2; 0: answer all).
    Return(u8, u8),
    Close,
    /// The step the cycle's state calls for next (a new cycle when there is none
    /// or it is over), so that sequences reach every state.
    Next(u8),
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    prop_oneof![
        12 => (0u8..3).prop_map(Op::Next),
        1 => (0u8..3).prop_map(Op::Create),
        1 => Just(Op::Compute),
        1 => Just(Op::Submit),
        1 => Just(Op::Approve),
        1 => Just(Op::Reject),
        1 => Just(Op::Cancel),
        1 => Just(Op::Issue),
        2 => (2u8..5, prop_oneof![Just(0u8), 2u8..4]).prop_map(|(f, u)| Op::Return(f, u)),
        1 => Just(Op::Close),
    ]
}

/// What must hold after every operation, whatever came before: the ledger
/// balances; each cycle's counts are its lines'; what the ledger says is owed
/// is what approved cycles made payable less what the banks paid; and no
/// beneficiary is to be paid or paid twice for a month.
async fn invariants(store: &Store, maker: &Actor, program: i64) {
    let ledger = store.check_ledger().await.unwrap();
    assert!(ledger.unbalanced.is_empty() && ledger.total == 0, "{ledger:?}");
    let mut owed = 0;
    for c in store.payment_cycles(maker, program).await.unwrap() {
        let lines = lines(store, maker, c.id).await;
        let count = |s: LineStatus| lines.iter().filter(|l| l.status == s).count() as i64;
        let sum = |s: LineStatus| lines.iter().filter(|l| l.status == s).map(|l| l.amount_rials).sum::<i64>();
        if c.state == CycleState::Cancelled {
            assert!(lines.is_empty(), "a cancelled cycle keeps no lines");
            continue;
        }
        assert_eq!(c.held_count, count(LineStatus::Held), "{c:?}");
        assert_eq!((c.paid_count, c.paid_rials), (count(LineStatus::Paid), sum(LineStatus::Paid)), "{c:?}");
        assert_eq!((c.failed_count, c.failed_rials), (count(LineStatus::Failed), sum(LineStatus::Failed)), "{c:?}");
        let sent = [LineStatus::Payable, LineStatus::Paid, LineStatus::Failed];
        assert_eq!(c.payable_count, sent.iter().map(|s| count(*s)).sum::<i64>(), "{c:?}");
        if matches!(
            c.state,
            CycleState::Approved | CycleState::FilesIssued | CycleState::Reconciled | CycleState::Closed
        ) {
            // Owed: new entitlements approved, less what was paid of any.
            owed += lines
                .iter()
                .filter(|l| l.retry_of.is_none() && l.status != LineStatus::Held)
                .map(|l| l.amount_rials)
                .sum::<i64>();
            owed -= sum(LineStatus::Paid);
        }
    }
    let balances = store.ledger_balances(maker).await.unwrap();
    let payable = balances.iter().filter(|b| b.account.code() == "beneficiary_payable").map(|b| b.rials).sum::<i64>();
    assert_eq!(-payable, owed, "{balances:?}");
    let twice = store
        .count_rows_for_tests(
            "(SELECT 1 FROM payment_lines WHERE status IN ('payable', 'paid') GROUP BY program_id, month, beneficiary \
             HAVING COUNT(*) > 1) t",
        )
        .await
        .unwrap();
    assert_eq!(twice, 0);
}

/// Any sequence of cycle operations, each taken or refused as the cycle's state
/// says, leaves the ledger balanced and every total matching the lines.
#[test]
fn the_ledger_balances_and_totals_match_after_any_sequence_of_operations() {
    use proptest::prelude::*;
    let config = ProptestConfig { cases: 6, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(ops in proptest::collection::vec(op(), 10..30))| {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(run_sequence(ops));
    });
}

async fn run_sequence(ops: Vec<Op>) {
    let Paying { store, maker, program, _db, .. } = paying(700, 31, Rounding::Toman).await;
    let checker = user(&store, "checker", "HQ", Role::FinanceChecker).await;
    // Late in Esfand 1405: Dey, Bahman and Esfand have all begun.
    let store = &store.with_clock(Clock::Fixed(time::macros::datetime!(2027-03-15 12:00 UTC)));
    let hq = store.org_unit_by_code("HQ").await.unwrap().id;
    let mut current: Option<i64> = None;
    let mut reached = std::collections::BTreeSet::new();
    for op in ops {
        let cycle = match current {
            Some(id) => Some(store.payment_cycle(&maker, id).await.unwrap()),
            None => None,
        };
        let op = match (op, cycle.as_ref().map(|c| c.state)) {
            (Op::Next(n), None | Some(CycleState::Closed | CycleState::Cancelled)) => Op::Create(n),
            (Op::Next(_), Some(CycleState::Draft)) => Op::Compute,
            (Op::Next(_), Some(CycleState::Computed)) => Op::Submit,
            (Op::Next(_), Some(CycleState::Submitted)) => Op::Approve,
            (Op::Next(_), Some(CycleState::Approved)) => Op::Issue,
            (Op::Next(n), Some(CycleState::FilesIssued)) => Op::Return(n + 2, 0),
            (Op::Next(0), Some(CycleState::Reconciled)) => Op::Return(2, 0),
            (Op::Next(_), Some(CycleState::Reconciled)) => Op::Close,
            (op, _) => op,
        };
        let taken: Result<(), StoreError> = match (&op, &cycle) {
            (Op::Create(n), _) => {
                let month = PayMonth::from_code([140_510, 140_511, 140_512][usize::from(*n)]).unwrap();
                store.create_cycle(&maker, program, month, hq).await.map(|c| current = Some(c.id))
            }
            (_, None) | (Op::Next(_), _) => Ok(()),
            (Op::Compute, Some(c)) => store.compute_cycle(&maker, c.id).await.map(|_| ()),
            (Op::Submit, Some(c)) => store.submit_cycle(&maker, c.id).await.map(|_| ()),
            (Op::Approve, Some(c)) => store.approve_cycle(&checker, c.id, "").await.map(|_| ()),
            (Op::Reject, Some(c)) => store.reject_cycle(&checker, c.id, "again").await.map(|_| ()),
            (Op::Cancel, Some(c)) => store.cancel_cycle(&maker, c.id, "not now").await.map(|_| ()),
            (Op::Issue, Some(c)) => store.issue_bank_files(&maker, c.id).await.map(|_| ()),
            (Op::Close, Some(c)) => store.close_cycle(&maker, c.id).await.map(|_| ()),
            (Op::Return(fail, unanswered), Some(c)) => {
                let mut file = String::from("end_to_end_id,status,reason\n");
                let waiting = store.cycle_lines(&maker, c.id, Some(LineStatus::Payable), 10_000).await.unwrap();
                for (i, l) in waiting.iter().enumerate() {
                    if *unanswered > 0 && i % usize::from(*unanswered) == 0 {
                        continue;
                    }
                    let status = if i % usize::from(*fail) == 0 { "failed,closed" } else { "paid," };
                    file.push_str(&format!("{},{status}\n", end_to_end_id(l.id)));
                }
                store.reconcile_cycle(&maker, c.id, file.as_bytes()).await.map(|_| ())
            }
        };
        // Refused only as the domain's table (or the one-live-cycle rule) says.
        if let (Err(e), Some(c)) = (&taken, &cycle) {
            let step = match op {
                Op::Compute => Some(tavana_domain::payments::CycleStep::Compute),
                Op::Submit => Some(tavana_domain::payments::CycleStep::Submit),
                Op::Approve => Some(tavana_domain::payments::CycleStep::Approve),
                Op::Reject => Some(tavana_domain::payments::CycleStep::Reject),
                Op::Cancel => Some(tavana_domain::payments::CycleStep::Cancel),
                Op::Issue => Some(tavana_domain::payments::CycleStep::IssueFiles),
                Op::Return(..) => Some(tavana_domain::payments::CycleStep::Reconcile),
                Op::Close | Op::Create(_) | Op::Next(_) => None,
            };
            if let Some(step) = step {
                assert!(step.from(c.state).is_none(), "{op:?} refused in {:?}: {e:?}", c.state);
            }
        }
        invariants(store, &maker, program).await;
        if let Some(id) = current {
            reached.insert(store.payment_cycle(&maker, id).await.unwrap().state.code());
        }
    }
    eprintln!("states reached: {reached:?}");
}

/// Who may approve a submitted cycle, as a table: a finance checker of the
/// cycle's unit or above who neither computed nor submitted it; nobody else,
/// whatever else they hold (an admin included), and a province's staff never a
/// national cycle or another province's.
#[tokio::test]
async fn who_may_approve_a_cycle_is_decided_by_role_unit_and_four_eyes() {
    #[derive(Debug, PartialEq)]
    enum Expect {
        Approves,
        NotFound,
        Forbidden,
        FourEyes,
    }
    let db = seeded().await;
    let store = &db.store.with_clock(Clock::Fixed(CONFIRMED));
    let registrar = user(store, "registrar", "HQ", Role::CaseWorker).await;
    let officer = user(store, "officer", "HQ", Role::ProgramOfficer).await;
    load_population(store, &registrar, 700, 37).await;
    let (program, _) = enrolled_program(store, &officer).await;
    let hq_maker = user(store, "hq.maker", "HQ", Role::FinanceMaker).await;
    store.set_payment_settings(&hq_maker, program, &settings(Rounding::Rial, "")).await.unwrap();
    let fars_maker = user(store, "fars.maker", "P17", Role::FinanceMaker).await;
    let store = &store.with_clock(Clock::Fixed(time::macros::datetime!(2027-03-15 12:00 UTC)));
    let admin = user(store, "admin", "HQ", Role::Admin).await;
    let hq = store.org_unit_by_code("HQ").await.unwrap().id;
    let fars = store.org_unit_by_code("P17").await.unwrap().id;
    // A checker who once was the maker that computed and submitted.
    let turned = user(store, "turned", "HQ", Role::FinanceMaker).await;
    let table: Vec<(&str, &str, Role, &str, Expect)> = vec![
        ("hq.checker", "HQ", Role::FinanceChecker, "HQ", Expect::Approves),
        ("hq.checker2", "HQ", Role::FinanceChecker, "P17", Expect::Approves),
        ("fars.checker", "P17", Role::FinanceChecker, "P17", Expect::Approves),
        ("fars.checker2", "P17", Role::FinanceChecker, "HQ", Expect::NotFound),
        ("tehran.checker", "P08", Role::FinanceChecker, "P17", Expect::NotFound),
        ("hq.maker2", "HQ", Role::FinanceMaker, "HQ", Expect::Forbidden),
        ("hq.auditor", "HQ", Role::Auditor, "HQ", Expect::Forbidden),
        ("hq.officer", "HQ", Role::ProgramOfficer, "HQ", Expect::NotFound),
        ("hq.admin", "HQ", Role::Admin, "HQ", Expect::NotFound),
        ("turned", "HQ", Role::FinanceChecker, "HQ", Expect::FourEyes),
    ];
    // Each row its own month (Farvardin to Esfand 1405 have all begun), so no
    // row's cycle stands in another's way.
    for (row, (name, unit, role, cycle_unit, expect)) in table.into_iter().enumerate() {
        let unit_id = if cycle_unit == "HQ" { hq } else { fars };
        let month = PayMonth::new(1405, u8::try_from(row + 1).unwrap()).unwrap();
        let maker = if name == "turned" {
            &turned
        } else if cycle_unit == "HQ" {
            &hq_maker
        } else {
            &fars_maker
        };
        let cycle = store.create_cycle(maker, program, month, unit_id).await.unwrap();
        store.compute_cycle(maker, cycle.id).await.unwrap();
        store.submit_cycle(maker, cycle.id).await.unwrap();
        let actor = if name == "turned" {
            store.update_user_access(&admin, turned.user_id, &[role], hq).await.unwrap();
            store.actor_for_user(turned.user_id).await.unwrap()
        } else {
            user(store, name, unit, role).await
        };
        let got = match store.approve_cycle(&actor, cycle.id, "").await {
            Ok(c) => {
                assert_eq!(c.state, CycleState::Approved);
                Expect::Approves
            }
            Err(StoreError::NotFound) => Expect::NotFound,
            Err(StoreError::Forbidden(_)) => Expect::Forbidden,
            Err(StoreError::Invalid(e)) if e.field == "checked_by" => Expect::FourEyes,
            Err(e) => panic!("{name}: {e:?}"),
        };
        assert_eq!(got, expect, "{name} ({role:?} at {unit}) approving a cycle of {cycle_unit}");
        if got != Expect::Approves {
            assert_eq!(store.payment_cycle(maker, cycle.id).await.unwrap().state, CycleState::Submitted);
            store.cancel_cycle(maker, cycle.id, "table").await.unwrap();
        }
    }
    // A province's staff list their province's cycles, each of which they can
    // open, and not the national ones; their jobs likewise.
    let fars_checker = store.actor_for_user(store.user_id_by_name("fars.checker").await.unwrap()).await.unwrap();
    let listed = store.payment_cycles(&fars_checker, program).await.unwrap();
    assert!(!listed.is_empty() && listed.iter().all(|c| c.unit_id == fars), "{listed:?}");
    for c in &listed {
        store.payment_cycle(&fars_checker, c.id).await.unwrap();
    }
    let jobs = store.payment_jobs(&fars_checker, 100).await.unwrap();
    assert!(!jobs.is_empty() && jobs.iter().all(|j| listed.iter().any(|c| c.id == j.cycle_id)), "{jobs:?}");
}
