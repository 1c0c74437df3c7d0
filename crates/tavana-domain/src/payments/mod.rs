//! Payments (پرداخت): a program's monthly payment cycle and the steps that move it,
//! who may take each step (four eyes: whoever computed or submitted a cycle never
//! approves it), why an entitlement is held rather than paid, how a program rounds
//! its amounts, and the double-entry ledger every rial moves through.

pub mod bank_file;
pub mod ledger;

use crate::coded::coded;
use crate::error::{DomainError, Reason};
use crate::iam::Role;
use crate::jalali::{JalaliDate, MONTHS_FA};
use crate::text::{to_ascii_digits, to_persian_digits};

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
        NotEligible = "not_eligible" "به شرایط برنامه در آغاز ماه واجد شرایط نیست",
        NeedsInformation = "needs_information" "برای تصمیم به شرایط برنامه اطلاعات کم است",
    }
);

coded!(
    /// A long step run as a job, one part a transaction (کار طولانی دوره).
    JobStep {
        Compute = "compute" "محاسبهٔ دوره",
        IssueFiles = "issue_files" "صدور فایل‌های بانکی",
        Reconcile = "reconcile" "اعمال فایل برگشتی بانک",
    }
);

impl JobStep {
    /// The step on the cycle the job carries out.
    pub fn step(self) -> CycleStep {
        match self {
            JobStep::Compute => CycleStep::Compute,
            JobStep::IssueFiles => CycleStep::IssueFiles,
            JobStep::Reconcile => CycleStep::Reconcile,
        }
    }
}

coded!(
    /// وضعیت کار
    JobState {
        Running = "running" "در جریان",
        Done = "done" "پایان‌یافته",
    }
);

coded!(
    /// وضعیت پرداخت
    LineStatus {
        Payable = "payable" "قابل پرداخت",
        Held = "held" "نگه‌داشته",
        Paid = "paid" "پرداخت‌شده",
        Failed = "failed" "برگشتی",
    }
);

/// The month a cycle pays for (ماه پرداخت), on the Jalali calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PayMonth {
    /// Its first day.
    first: JalaliDate,
}

impl PayMonth {
    pub fn new(year: i32, month: u8) -> Result<PayMonth, DomainError> {
        let first = JalaliDate::new(year, month, 1).map_err(|e| DomainError::new("month", e.reason))?;
        Ok(PayMonth { first })
    }

    /// `1405/08` or `1405-8`, in any digit script.
    pub fn parse(input: &str) -> Result<PayMonth, DomainError> {
        let ascii = to_ascii_digits(input.trim());
        if ascii.is_empty() {
            return Err(DomainError::new("month", Reason::Empty));
        }
        let parts: Vec<&str> = ascii.split(['/', '-']).collect();
        let [year, month] = parts[..] else {
            return Err(DomainError::new("month", Reason::BadFormat));
        };
        let year: i32 = year.parse().map_err(|_| DomainError::new("month", Reason::BadFormat))?;
        let month: u8 = month.parse().map_err(|_| DomainError::new("month", Reason::BadFormat))?;
        PayMonth::new(year, month)
    }

    /// The month a day falls in.
    pub fn of(day: JalaliDate) -> PayMonth {
        PayMonth { first: day.first_of_month() }
    }

    /// As stored: `year * 100 + month` (140508), ordered as the months are.
    pub fn code(self) -> i64 {
        i64::from(self.first.year()) * 100 + i64::from(self.first.month())
    }

    pub fn from_code(code: i64) -> Result<PayMonth, DomainError> {
        let year = i32::try_from(code / 100).map_err(|_| DomainError::new("month", Reason::OutOfRange))?;
        let month = u8::try_from(code % 100).map_err(|_| DomainError::new("month", Reason::OutOfRange))?;
        PayMonth::new(year, month)
    }

    /// The first day: the program's terms in force then decide the amounts.
    pub fn first_day(self) -> JalaliDate {
        self.first
    }

    pub fn year(self) -> i32 {
        self.first.year()
    }

    /// `1405/08`, ASCII digits, for files and APIs.
    pub fn to_ascii(self) -> String {
        format!("{:04}/{:02}", self.first.year(), self.first.month())
    }

    /// `آبان ۱۴۰۵`, for people.
    pub fn to_persian(self) -> String {
        let name = MONTHS_FA[usize::from(self.first.month().clamp(1, 12)) - 1];
        to_persian_digits(&format!("{name} {}", self.first.year()))
    }
}

impl std::fmt::Display for PayMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_ascii())
    }
}

/// The bank's end-to-end id of a payment line: what its transfer carries and its
/// return names it by (35 characters at most, as pain.001 allows).
pub fn end_to_end_id(line: i64) -> String {
    format!("TVN{line:012}")
}

/// The line a bank's end-to-end id names, when it is one of ours.
pub fn line_of_end_to_end_id(id: &str) -> Option<i64> {
    let digits = id.trim().strip_prefix("TVN")?;
    if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

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

/// How a program pays, as typed in a form or sent to the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RawPaymentSettings {
    /// `rial`, `toman` or `thousand`.
    pub rounding: String,
    /// The paying organization's name, as the bank shows it.
    pub debtor_name: String,
    /// The SHEBA the payments are made from.
    pub debtor_sheba: String,
    /// The rials withheld from each payment (a number expression over the
    /// program's variables, as a benefit formula), or empty for none.
    #[serde(default)]
    pub deduction: String,
}

/// How a program pays, every field checked: its rounding, the account it pays
/// from and what it withholds from each payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentSettingsFields {
    pub rounding: Rounding,
    pub debtor_name: String,
    pub debtor_sheba: crate::sheba::Sheba,
    /// The deduction's text and its checked expression.
    pub deduction: Option<(String, crate::programs::rule::Expr)>,
}

impl PaymentSettingsFields {
    /// Checks every field and reports every problem.
    pub fn parse(raw: &RawPaymentSettings) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let keep = |errors: &mut Vec<DomainError>, e: DomainError| errors.push(e);
        let rounding = Rounding::parse("rounding", &raw.rounding).map_err(|e| keep(&mut errors, e)).ok();
        let debtor_name = crate::text::required_text("debtor_name", &raw.debtor_name)
            .and_then(|name| {
                if name.chars().count() > 140 {
                    Err(DomainError::new("debtor_name", Reason::TooLong { max: 140 }))
                } else {
                    Ok(name.to_string())
                }
            })
            .map_err(|e| keep(&mut errors, e))
            .ok();
        let debtor_sheba = crate::sheba::Sheba::parse(&raw.debtor_sheba)
            .map_err(|e| keep(&mut errors, DomainError::new("debtor_sheba", e.reason)))
            .ok();
        let text = raw.deduction.trim();
        let deduction = if text.is_empty() {
            Some(None)
        } else {
            crate::programs::parse_formula("deduction", text)
                .map(|expr| Some((text.to_string(), expr)))
                .map_err(|e| keep(&mut errors, e))
                .ok()
        };
        match (rounding, debtor_name, debtor_sheba, deduction) {
            (Some(rounding), Some(debtor_name), Some(debtor_sheba), Some(deduction)) if errors.is_empty() => {
                Ok(Self { rounding, debtor_name, debtor_sheba, deduction })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CycleState as S;
    use super::CycleStep as T;
    use super::*;

    /// Payment settings report every bad field at once; a deduction is a
    /// number expression over the program's variables, or nothing.
    #[test]
    fn payment_settings_report_every_bad_field() {
        let raw = RawPaymentSettings {
            rounding: "cents".into(),
            debtor_name: " ".into(),
            debtor_sheba: "IR12".into(),
            deduction: "person.age > 3".into(),
        };
        let fields: Vec<&str> = PaymentSettingsFields::parse(&raw).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["rounding", "debtor_name", "debtor_sheba", "deduction"]);
        let sheba = crate::sheba::Sheba::from_bban([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
        let raw = RawPaymentSettings {
            rounding: "toman".into(),
            debtor_name: "سازمان بهزیستی کشور".into(),
            debtor_sheba: sheba.as_string(),
            deduction: " 150000 ".into(),
        };
        let ok = PaymentSettingsFields::parse(&raw).unwrap();
        assert_eq!((ok.rounding, ok.deduction.map(|d| d.0)), (Rounding::Toman, Some("150000".to_string())));
        let none = PaymentSettingsFields::parse(&RawPaymentSettings { deduction: String::new(), ..raw }).unwrap();
        assert!(none.deduction.is_none());
    }

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
    fn months_parse_in_any_script_and_order_by_their_code() {
        let aban = PayMonth::parse("۱۴۰۵/۰۸").unwrap();
        assert_eq!(aban, PayMonth::parse("1405-8").unwrap());
        assert_eq!(aban.code(), 140_508);
        assert_eq!(PayMonth::from_code(140_508).unwrap(), aban);
        assert_eq!(aban.first_day(), JalaliDate::new(1405, 8, 1).unwrap());
        assert_eq!(aban.to_persian(), "آبان ۱۴۰۵");
        assert!(PayMonth::parse("1405/13").is_err());
        assert!(PayMonth::parse("1405").is_err());
        assert_eq!(PayMonth::parse("").unwrap_err().reason, Reason::Empty);
        assert!(PayMonth::from_code(140_500).is_err());
        assert!(PayMonth::parse("1404/12").unwrap() < aban);
    }

    #[test]
    fn end_to_end_ids_name_their_line_and_nothing_else() {
        for line in [1, 42, 999_999_999_999] {
            let id = end_to_end_id(line);
            assert!(id.len() <= 35);
            assert_eq!(line_of_end_to_end_id(&id), Some(line));
        }
        for other in ["", "TVN", "TVN12", "XYZ000000000001", "TVN00000000000a", "TVN0000000000011"] {
            assert_eq!(line_of_end_to_end_id(other), None, "{other}");
        }
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
