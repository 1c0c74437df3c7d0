//! The double-entry ledger (دفتر دوطرفه): every movement of money is an entry of
//! postings to accounts whose amounts sum to zero, so the ledger always balances.
//! A debit is a positive amount, a credit a negative one.

use crate::coded::coded;
use std::collections::BTreeMap;

coded!(
    /// نوع حساب دفتر
    AccountKind {
        Appropriation = "appropriation" "اعتبار مصوب",
        ProgramExpense = "program_expense" "هزینهٔ برنامه",
        BeneficiaryPayable = "beneficiary_payable" "بدهی به ذی‌نفعان",
        DeductionsPayable = "deductions_payable" "کسورات پرداختنی",
        BankClearing = "bank_clearing" "حساب واسط بانک",
        CsrReceivable = "csr_receivable" "مطالبات مسئولیت اجتماعی",
        CsrFund = "csr_fund" "منابع صندوق مسئولیت اجتماعی",
        CsrProjectExpense = "csr_project_expense" "هزینهٔ طرح‌های مسئولیت اجتماعی",
    }
);

/// An account: its kind, per program (the bank's clearing account is shared).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Account {
    pub kind: AccountKind,
    pub program: Option<i64>,
}

impl Account {
    pub fn of_program(kind: AccountKind, program: i64) -> Self {
        Self { kind, program: Some(program) }
    }

    pub const BANK_CLEARING: Account = Account { kind: AccountKind::BankClearing, program: None };
    pub const CSR_RECEIVABLE: Account = Account { kind: AccountKind::CsrReceivable, program: None };
    pub const CSR_FUND: Account = Account { kind: AccountKind::CsrFund, program: None };
    pub const CSR_PROJECT_EXPENSE: Account = Account { kind: AccountKind::CsrProjectExpense, program: None };
}

/// One line of an entry: an account and a signed amount in rials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    pub account: Account,
    pub rials: i64,
}

/// Why postings do not make an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAnEntry {
    /// Fewer than two postings.
    TooFew,
    /// A posting of zero rials.
    Zero,
    /// The amounts do not sum to zero (or their sum does not fit in 64 bits).
    Unbalanced,
}

/// Postings that sum to zero: the only thing the ledger accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry(Vec<Posting>);

impl Entry {
    pub fn new(postings: Vec<Posting>) -> Result<Entry, NotAnEntry> {
        if postings.len() < 2 {
            return Err(NotAnEntry::TooFew);
        }
        if postings.iter().any(|p| p.rials == 0) {
            return Err(NotAnEntry::Zero);
        }
        let sum = postings.iter().try_fold(0i64, |sum, p| sum.checked_add(p.rials));
        if sum != Some(0) {
            return Err(NotAnEntry::Unbalanced);
        }
        Ok(Entry(postings))
    }

    pub fn postings(&self) -> &[Posting] {
        &self.0
    }

    /// Moves `rials` from `credit` to `debit`.
    fn transfer(debit: Account, credit: Account, rials: i64) -> Result<Entry, NotAnEntry> {
        let minus = rials.checked_neg().ok_or(NotAnEntry::Unbalanced)?;
        Entry::new(vec![Posting { account: debit, rials }, Posting { account: credit, rials: minus }])
    }

    /// A program's budget for a period is made available to it.
    pub fn appropriated(program: i64, rials: i64) -> Result<Entry, NotAnEntry> {
        Entry::transfer(Account::BANK_CLEARING, Account::of_program(AccountKind::Appropriation, program), rials)
    }

    /// A cycle's approved entitlements become the program's expense: `net` owed
    /// to the beneficiaries and `deducted` (withheld as the program says) owed
    /// to the program's deductions account.
    pub fn entitled(program: i64, net: i64, deducted: i64) -> Result<Entry, NotAnEntry> {
        let gross = net.checked_add(deducted).ok_or(NotAnEntry::Unbalanced)?;
        let mut postings =
            vec![Posting { account: Account::of_program(AccountKind::ProgramExpense, program), rials: gross }];
        for (kind, rials) in [(AccountKind::BeneficiaryPayable, net), (AccountKind::DeductionsPayable, deducted)] {
            if rials != 0 {
                let minus = rials.checked_neg().ok_or(NotAnEntry::Unbalanced)?;
                postings.push(Posting { account: Account::of_program(kind, program), rials: minus });
            }
        }
        Entry::new(postings)
    }

    /// A firm declared its profit: the organization's share becomes owed to the CSR fund.
    pub fn csr_declared(rials: i64) -> Result<Entry, NotAnEntry> {
        Entry::transfer(Account::CSR_RECEIVABLE, Account::CSR_FUND, rials)
    }

    /// A firm paid (part of) what it owed into the bank.
    pub fn csr_received(rials: i64) -> Result<Entry, NotAnEntry> {
        Entry::transfer(Account::BANK_CLEARING, Account::CSR_RECEIVABLE, rials)
    }

    /// A financed project spent from the fund's money in the bank.
    pub fn csr_spent(rials: i64) -> Result<Entry, NotAnEntry> {
        Entry::transfer(Account::CSR_PROJECT_EXPENSE, Account::BANK_CLEARING, rials)
    }

    /// The bank paid what was owed.
    pub fn paid(program: i64, rials: i64) -> Result<Entry, NotAnEntry> {
        Entry::transfer(Account::of_program(AccountKind::BeneficiaryPayable, program), Account::BANK_CLEARING, rials)
    }
}

/// The balance of every account after some entries (a trial balance).
pub fn balances<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> BTreeMap<Account, i128> {
    let mut out = BTreeMap::new();
    for entry in entries {
        for p in entry.postings() {
            *out.entry(p.account).or_insert(0i128) += i128::from(p.rials);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_entry_sums_to_zero_or_is_refused() {
        let a = Account::of_program(AccountKind::ProgramExpense, 1);
        let b = Account::of_program(AccountKind::BeneficiaryPayable, 1);
        let p = |account, rials| Posting { account, rials };
        assert!(Entry::new(vec![p(a, 10), p(b, -10)]).is_ok());
        assert_eq!(Entry::new(vec![p(a, 10), p(b, -9)]), Err(NotAnEntry::Unbalanced));
        assert_eq!(Entry::new(vec![p(a, 10)]), Err(NotAnEntry::TooFew));
        assert_eq!(Entry::new(vec![p(a, 0), p(b, 0)]), Err(NotAnEntry::Zero));
        assert_eq!(Entry::new(vec![p(a, i64::MAX), p(a, 1), p(b, i64::MIN)]), Err(NotAnEntry::Unbalanced));
        assert_eq!(Entry::paid(1, i64::MIN), Err(NotAnEntry::Unbalanced));
    }

    proptest! {
        /// Whatever a month brings (budgets, entitlements, payments, in any
        /// order and amount), the ledger balances, and what is owed to a
        /// program's beneficiaries is what they were entitled to less what was paid.
        #[test]
        fn the_ledger_always_balances(
            moves in prop::collection::vec((0u8..3, 1i64..4, 1i64..1_000_000_000_000, 0i64..1_000_000), 1..60),
        ) {
            let mut entries = Vec::new();
            let mut owed: BTreeMap<i64, i128> = BTreeMap::new();
            let mut withheld: BTreeMap<i64, i128> = BTreeMap::new();
            let mut expense: BTreeMap<i64, i128> = BTreeMap::new();
            for (kind, program, rials, deducted) in moves {
                let entry = match kind {
                    0 => Entry::appropriated(program, rials),
                    1 => {
                        *owed.entry(program).or_default() += i128::from(rials);
                        *withheld.entry(program).or_default() += i128::from(deducted);
                        *expense.entry(program).or_default() += i128::from(rials + deducted);
                        Entry::entitled(program, rials, deducted)
                    }
                    _ => {
                        *owed.entry(program).or_default() -= i128::from(rials);
                        Entry::paid(program, rials)
                    }
                };
                entries.push(entry.unwrap());
            }
            let balances = balances(&entries);
            prop_assert_eq!(balances.values().sum::<i128>(), 0);
            for (program, owed) in owed {
                let payable = balances
                    .get(&Account::of_program(AccountKind::BeneficiaryPayable, program))
                    .copied()
                    .unwrap_or(0);
                prop_assert_eq!(-payable, owed);
            }
            for (program, withheld) in withheld {
                let account = Account::of_program(AccountKind::DeductionsPayable, program);
                prop_assert_eq!(-balances.get(&account).copied().unwrap_or(0), withheld);
                let account = Account::of_program(AccountKind::ProgramExpense, program);
                prop_assert_eq!(balances.get(&account).copied().unwrap_or(0), expense[&program]);
            }
        }
    }
}
