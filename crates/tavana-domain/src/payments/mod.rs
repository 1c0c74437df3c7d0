//! Payments (پرداخت): a program's monthly payment cycle and the steps that move it,
//! who may take each step (four eyes: whoever computed or submitted a cycle never
//! approves it), why an entitlement is held rather than paid, how a program rounds
//! its amounts, and the double-entry ledger every rial moves through.

pub mod bank_file;
pub mod ledger;

use crate::coded::coded;
use crate::iam::Role;

coded!(
    /// وضعیت دورهٔ پرداخت
    CycleState {
        Draft = "draft" "پیش‌نویس",
        Computed = "computed" "محاسبه‌شده",
        Submitted = "submitted" "در انتظار تأیید",
        Approved = "approved" "تأییدشده",
        FilesIssued = "files_issued" "فایل بانکی صادرشده",
        Reconciled = "reconciled" "تطبیق‌شده",
        Closed = "closed" "بسته‌شده",
        Cancelled = "cancelled" "لغوشده",
    }
);

/// A step someone takes on a cycle (گام دورهٔ پرداخت).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CycleStep {
    /// Snapshot the enrollments, amounts and accounts (again, for a computed one).
    Compute,
    /// Send a computed cycle for approval.
    Submit,
    /// Approve a submitted cycle (the checker).
    Approve,
    /// Send a submitted cycle back, with a reason (the checker).
    Reject,
    /// Write the bank files of an approved cycle.
    IssueFiles,
    /// Import a bank's return file (again, for the next bank's).
    Reconcile,
    /// Close a reconciled cycle: what failed waits for the next one.
    Close,
    /// Give up a cycle before it is approved.
    Cancel,
}

impl CycleStep {
    pub const ALL: [CycleStep; 8] = [
        CycleStep::Compute,
        CycleStep::Submit,
        CycleStep::Approve,
        CycleStep::Reject,
        CycleStep::IssueFiles,
        CycleStep::Reconcile,
        CycleStep::Close,
        CycleStep::Cancel,
    ];

    /// The state the step takes a cycle in `from` to, or `None` when the step
    /// cannot be taken there. Nothing leaves a closed or cancelled cycle, and
    /// nothing approved can be cancelled or computed again: its files may be at
    /// the bank.
    pub fn from(self, from: CycleState) -> Option<CycleState> {
        use self::CycleState as S;
        use self::CycleStep as T;
        match (self, from) {
            (T::Compute, S::Draft | S::Computed) => Some(S::Computed),
            (T::Submit, S::Computed) => Some(S::Submitted),
            (T::Approve, S::Submitted) => Some(S::Approved),
            (T::Reject, S::Submitted) => Some(S::Computed),
            (T::IssueFiles, S::Approved) => Some(S::FilesIssued),
            (T::Reconcile, S::FilesIssued | S::Reconciled) => Some(S::Reconciled),
            (T::Close, S::Reconciled) => Some(S::Closed),
            (T::Cancel, S::Draft | S::Computed | S::Submitted) => Some(S::Cancelled),
            _ => None,
        }
    }

    /// What a role must grant to take the step.
    pub fn action(self) -> PaymentAction {
        match self {
            CycleStep::Approve | CycleStep::Reject => PaymentAction::Check,
            _ => PaymentAction::Prepare,
        }
    }

    pub fn phrase(self) -> &'static str {
        match self {
            CycleStep::Compute => "compute the cycle",
            CycleStep::Submit => "submit the cycle for approval",
            CycleStep::Approve => "approve the cycle",
            CycleStep::Reject => "send the cycle back",
            CycleStep::IssueFiles => "issue the bank files",
            CycleStep::Reconcile => "reconcile a bank's return",
            CycleStep::Close => "close the cycle",
            CycleStep::Cancel => "cancel the cycle",
        }
    }
}

/// What the payments module lets an actor do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentAction {
    /// Compute, submit, issue files, reconcile, close and cancel cycles (the maker).
    Prepare,
    /// Approve or send back a submitted cycle (the checker).
    Check,
}

impl PaymentAction {
    /// Whether a role grants this action. Admins run the platform; they do not
    /// approve payments.
    pub fn granted_to(self, role: Role) -> bool {
        match self {
            PaymentAction::Prepare => role == Role::FinanceMaker,
            PaymentAction::Check => role == Role::FinanceChecker,
        }
    }

    pub fn phrase(self) -> &'static str {
        match self {
            PaymentAction::Prepare => "prepare payment cycles",
            PaymentAction::Check => "approve payment cycles",
        }
    }
}

/// Who has computed and submitted a cycle (user ids), as far as it has gone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CycleHands {
    pub computed_by: Option<i64>,
    pub submitted_by: Option<i64>,
}

/// Why a user may not check a cycle whatever their roles (چهار چشم).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FourEyes {
    /// They computed it.
    Computed,
    /// They submitted it.
    Submitted,
}

impl FourEyes {
    pub fn english(self) -> &'static str {
        match self {
            FourEyes::Computed => "you computed this cycle: another person must check it",
            FourEyes::Submitted => "you submitted this cycle: another person must check it",
        }
    }

    pub fn persian(self) -> &'static str {
        match self {
            FourEyes::Computed => "این دوره را شما محاسبه کرده‌اید: شخص دیگری باید آن را بررسی کند",
            FourEyes::Submitted => "این دوره را شما برای تأیید فرستاده‌اید: شخص دیگری باید آن را بررسی کند",
        }
    }
}

/// Whether `user` may approve or send back a cycle with these hands on it: never
/// one who computed or submitted it, whatever their roles. Every path that
/// checks a cycle asks here.
pub fn four_eyes(user: i64, hands: &CycleHands) -> Result<(), FourEyes> {
    if hands.computed_by == Some(user) {
        Err(FourEyes::Computed)
    } else if hands.submitted_by == Some(user) {
        Err(FourEyes::Submitted)
    } else {
        Ok(())
    }
}

coded!(
    /// دلیل نگه‌داشتن پرداخت
    HoldReason {
        MissingSheba = "missing_sheba" "شمارهٔ شبا ثبت نشده است",
        InvalidSheba = "invalid_sheba" "شمارهٔ شبا نامعتبر است",
        Deceased = "deceased" "ذی‌نفع فوت کرده است",
        SuspectedDuplicate = "suspected_duplicate" "ذی‌نفع مشکوک به تکرار است",
        HolderMismatch = "holder_mismatch" "صاحب حساب خود ذی‌نفع نیست",
        AlreadyPaid = "already_paid" "خانوار در این ماه پرداخت گرفته است",
        NotPositive = "not_positive" "مبلغ صفر یا منفی است",
    }
);

coded!(
    /// گرد کردن مبلغ
    Rounding {
        Rial = "rial" "به ریال",
        Toman = "toman" "به تومان (ده ریال)",
        Thousand = "thousand" "به هزار ریال",
    }
);

impl Rounding {
    /// The unit amounts are rounded to, in rials.
    pub fn unit(self) -> i64 {
        match self {
            Rounding::Rial => 1,
            Rounding::Toman => 10,
            Rounding::Thousand => 1_000,
        }
    }

    /// An amount rounded down to the unit: a beneficiary is never paid more than
    /// the formula gives. A negative amount is held, not rounded.
    pub fn apply(self, rials: i64) -> i64 {
        rials - rials.rem_euclid(self.unit())
    }
}

#[cfg(test)]
mod tests {
    use super::CycleState as S;
    use super::CycleStep as T;
    use super::*;

    /// The whole table of steps: every (step, state) pair not listed is refused.
    #[test]
    fn every_step_goes_where_the_table_says() {
        let allowed = [
            (T::Compute, S::Draft, S::Computed),
            (T::Compute, S::Computed, S::Computed),
            (T::Submit, S::Computed, S::Submitted),
            (T::Approve, S::Submitted, S::Approved),
            (T::Reject, S::Submitted, S::Computed),
            (T::IssueFiles, S::Approved, S::FilesIssued),
            (T::Reconcile, S::FilesIssued, S::Reconciled),
            (T::Reconcile, S::Reconciled, S::Reconciled),
            (T::Close, S::Reconciled, S::Closed),
            (T::Cancel, S::Draft, S::Cancelled),
            (T::Cancel, S::Computed, S::Cancelled),
            (T::Cancel, S::Submitted, S::Cancelled),
        ];
        for step in CycleStep::ALL {
            for &from in S::ALL {
                let expected = allowed.iter().find(|(t, f, _)| *t == step && *f == from).map(|(_, _, to)| *to);
                assert_eq!(step.from(from), expected, "{step:?} from {from:?}");
            }
        }
        for end in [S::Closed, S::Cancelled] {
            assert!(CycleStep::ALL.iter().all(|s| s.from(end).is_none()), "nothing leaves {end:?}");
        }
    }

    /// Makers prepare, checkers check, nobody else does either (admins included).
    #[test]
    fn only_makers_prepare_and_only_checkers_check() {
        for role in Role::ALL {
            assert_eq!(PaymentAction::Prepare.granted_to(role), role == Role::FinanceMaker, "{role:?}");
            assert_eq!(PaymentAction::Check.granted_to(role), role == Role::FinanceChecker, "{role:?}");
        }
        assert!(CycleStep::ALL.iter().filter(|s| s.action() == PaymentAction::Check).count() == 2);
    }

    #[test]
    fn whoever_computed_or_submitted_never_checks() {
        let hands = CycleHands { computed_by: Some(1), submitted_by: Some(2) };
        assert_eq!(four_eyes(1, &hands), Err(FourEyes::Computed));
        assert_eq!(four_eyes(2, &hands), Err(FourEyes::Submitted));
        assert_eq!(four_eyes(3, &hands), Ok(()));
        let alone = CycleHands { computed_by: Some(4), submitted_by: Some(4) };
        assert!(four_eyes(4, &alone).is_err());
    }

    #[test]
    fn rounding_never_pays_more() {
        assert_eq!(Rounding::Toman.apply(123_456_789), 123_456_780);
        assert_eq!(Rounding::Thousand.apply(123_456_789), 123_456_000);
        assert_eq!(Rounding::Rial.apply(123_456_789), 123_456_789);
        for rounding in Rounding::ALL {
            for amount in [0, 1, 9, 10, 999, 1_000, 45_000_001] {
                let paid = rounding.apply(amount);
                assert!(paid <= amount && amount - paid < rounding.unit() && paid % rounding.unit() == 0);
            }
        }
    }
}
