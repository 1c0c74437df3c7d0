//! Applications and the waiting list (درخواست‌ها و صف انتظار). A county case
//! worker takes a person's application to a program, with the documents the
//! program asks for; it is reviewed by a case worker it is assigned to, and a
//! program officer approves or rejects it. Approval decides the person by the
//! program's terms, through the confirmation every enrollment goes through: the
//! eligible are enrolled while their province's monthly budget allows and wait
//! (پشت نوبت) beyond it. Whoever waits is admitted later by allocation, in
//! priority order, while the budget allows.
//!
//! The queue order ([`queue_order`]) and the budget rule ([`allocate`]) are
//! decided here; the store's confirmation applies the same order and rule in
//! SQL, and its tests check that it admits exactly whom [`allocate`] admits.

use crate::coded::coded;
use crate::error::{DomainError, Reason};
use crate::iam::Role;
use std::cmp::Ordering;
use std::collections::BTreeMap;

coded!(
    /// وضعیت درخواست
    ApplicationState {
        Submitted = "submitted" "ثبت‌شده",
        UnderReview = "under_review" "در حال بررسی",
        Approved = "approved" "تأییدشده",
        Waitlisted = "waitlisted" "در نوبت (در انتظار بودجه)",
        Rejected = "rejected" "ردشده",
        Enrolled = "enrolled" "برقرار شد",
        Withdrawn = "withdrawn" "منصرف‌شده",
    }
);

impl ApplicationState {
    /// Whether an application may move from this state to `to`. Approval puts
    /// the person in the program or on its waiting list at once (the approval
    /// itself is in the application's history); a waiting applicant is enrolled
    /// by allocation; an application not yet decided is satisfied when the
    /// person is enrolled meanwhile (by an officer's confirmation of a proposal).
    pub fn may_become(self, to: ApplicationState) -> bool {
        use ApplicationState as S;
        matches!(
            (self, to),
            (S::Submitted, S::UnderReview | S::Withdrawn | S::Enrolled)
                | (S::UnderReview, S::Approved | S::Rejected | S::Withdrawn | S::Enrolled)
                | (S::Approved, S::Enrolled | S::Waitlisted)
                | (S::Waitlisted, S::Enrolled | S::Withdrawn)
        )
    }

    /// Still to be decided or waiting: one such application a person and program.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ApplicationState::Submitted
                | ApplicationState::UnderReview
                | ApplicationState::Approved
                | ApplicationState::Waitlisted
        )
    }
}

coded!(
    /// مدرک پیوست درخواست
    DocumentKind {
        IdentityCard = "identity_card" "کارت ملی",
        BirthCertificate = "birth_certificate" "شناسنامه",
        DisabilityAssessment = "disability_assessment" "رأی کمیسیون پزشکی (ارزیابی معلولیت)",
        IncomeStatement = "income_statement" "گواهی درآمد",
        Residence = "residence" "مدرک محل سکونت",
        BankAccount = "bank_account" "گواهی شمارهٔ شبا",
    }
);

/// The largest document accepted.
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024 * 1024;

coded!(
    /// نوع پرونده
    MediaType {
        Pdf = "application/pdf" "PDF",
        Jpeg = "image/jpeg" "JPEG",
        Png = "image/png" "PNG",
    }
);

/// The type of a document by its content (never by its name or what the
/// sender claims): PDF, JPEG or PNG, or `None`.
pub fn media_type(bytes: &[u8]) -> Option<MediaType> {
    if bytes.starts_with(b"%PDF-") {
        Some(MediaType::Pdf)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(MediaType::Jpeg)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n']) {
        Some(MediaType::Png)
    } else {
        None
    }
}

/// Checks a document's content: not empty, within [`MAX_DOCUMENT_BYTES`], and
/// a PDF, JPEG or PNG.
pub fn check_document(bytes: &[u8]) -> Result<MediaType, DomainError> {
    if bytes.is_empty() {
        return Err(DomainError::new("file", Reason::Empty));
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(DomainError::breaks("file", "larger than 5 MB", "حجم پرونده بیش از ۵ مگابایت است"));
    }
    media_type(bytes)
        .ok_or_else(|| DomainError::breaks("file", "not a PDF, JPEG or PNG file", "پرونده باید PDF، JPEG یا PNG باشد"))
}

/// What the applications module lets an actor do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplicationAction {
    /// Take applications, attach documents, review and note them.
    Take,
    /// Approve or reject applications, run allocation, set a program's intake.
    Decide,
}

impl ApplicationAction {
    pub fn granted_to(self, role: Role) -> bool {
        match self {
            ApplicationAction::Take => matches!(role, Role::CaseWorker | Role::ProgramOfficer),
            ApplicationAction::Decide => role == Role::ProgramOfficer,
        }
    }

    pub fn phrase(self) -> &'static str {
        match self {
            ApplicationAction::Take => "take applications",
            ApplicationAction::Decide => "decide applications",
        }
    }
}

/// The most a weight may be.
pub const MAX_WEIGHT: i64 = 100;
/// The most members a household's size and elderly count score for.
pub const MAX_COUNTED: i64 = 10;
/// The age from which a member counts as elderly.
pub const ELDERLY_AGE: usize = 65;

/// A program's priority weights, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct RawPriority {
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub household_size: String,
    #[serde(default)]
    pub poverty: String,
    #[serde(default)]
    pub female_headed: String,
    #[serde(default)]
    pub elderly: String,
}

/// A program's priority weights: each scores one feature of an applicant.
///
/// `score = severity × severity rank (0 none … 4 very severe)
///        + household_size × living members (at most 10)
///        + poverty × (11 − income decile) (0 when the decile is unknown)
///        + female_headed × (1 when the head is a woman)
///        + elderly × living members aged 65 or over (at most 10)`
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriorityWeights {
    pub severity: i64,
    pub household_size: i64,
    pub poverty: i64,
    pub female_headed: i64,
    pub elderly: i64,
}

/// The features of an applicant the priority scores (unknown values score 0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Features {
    pub severity_rank: Option<i64>,
    pub household_size: Option<i64>,
    pub income_decile: Option<i64>,
    pub female_headed: Option<bool>,
    pub elderly: i64,
}

impl PriorityWeights {
    /// Checks every weight (a whole number from 0 to [`MAX_WEIGHT`]; empty is 0)
    /// and reports every bad one.
    pub fn parse(raw: &RawPriority) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let mut weight = |field: &'static str, text: &str| {
            let text = crate::text::to_ascii_digits(text.trim());
            if text.is_empty() {
                return 0;
            }
            match text.parse::<i64>() {
                Ok(w) if (0..=MAX_WEIGHT).contains(&w) => w,
                Ok(_) => {
                    errors.push(DomainError::new(field, Reason::OutOfRange));
                    0
                }
                Err(_) => {
                    errors.push(DomainError::new(field, Reason::NotDigits));
                    0
                }
            }
        };
        let weights = PriorityWeights {
            severity: weight("severity", &raw.severity),
            household_size: weight("household_size", &raw.household_size),
            poverty: weight("poverty", &raw.poverty),
            female_headed: weight("female_headed", &raw.female_headed),
            elderly: weight("elderly", &raw.elderly),
        };
        if errors.is_empty() { Ok(weights) } else { Err(errors) }
    }

    /// The weights as typed, for a form.
    pub fn raw(&self) -> RawPriority {
        RawPriority {
            severity: self.severity.to_string(),
            household_size: self.household_size.to_string(),
            poverty: self.poverty.to_string(),
            female_headed: self.female_headed.to_string(),
            elderly: self.elderly.to_string(),
        }
    }

    /// An applicant's priority score.
    pub fn score(&self, f: &Features) -> i64 {
        let clamp = |n: i64| n.clamp(0, MAX_COUNTED);
        self.severity * f.severity_rank.unwrap_or(0).clamp(0, 4)
            + self.household_size * clamp(f.household_size.unwrap_or(0))
            + self.poverty * f.income_decile.filter(|d| (1..=10).contains(d)).map_or(0, |d| 11 - d)
            + self.female_headed * i64::from(f.female_headed.unwrap_or(false))
            + self.elderly * clamp(f.elderly)
    }
}

/// An applicant to be admitted within a province's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    /// The person.
    pub id: i64,
    pub province: i64,
    pub priority: i64,
    /// When they began to wait (any increasing measure of time: the store keeps
    /// the instant); now for those not waiting yet.
    pub waiting_since: i64,
    /// What admitting them costs a month.
    pub amount: i64,
}

/// The queue order: higher priority first; among equal priorities, who has
/// waited longest; then the lower person id (so the order is total and the same
/// on every run).
pub fn queue_order(a: &Candidate, b: &Candidate) -> Ordering {
    b.priority.cmp(&a.priority).then(a.waiting_since.cmp(&b.waiting_since)).then(a.id.cmp(&b.id))
}

/// Whom a budget admits: in each province, candidates in [`queue_order`] while
/// the running cost stays within what is left of the province's monthly budget
/// (`left`; a province with no budget set admits everyone). The first who does
/// not fit stops the province's queue, so nobody is admitted ahead of someone
/// of higher priority. Returns the admitted ids in queue order per province.
pub fn allocate(candidates: &[Candidate], left: &BTreeMap<i64, i64>) -> Vec<i64> {
    let mut by_province: BTreeMap<i64, Vec<Candidate>> = BTreeMap::new();
    for c in candidates {
        by_province.entry(c.province).or_default().push(*c);
    }
    let mut admitted = Vec::new();
    for (province, mut queue) in by_province {
        queue.sort_by(queue_order);
        let budget = left.get(&province).copied();
        let mut running: i64 = 0;
        for c in queue {
            running = running.saturating_add(c.amount.max(0));
            if budget.is_some_and(|b| running > b) {
                break;
            }
            admitted.push(c.id);
        }
    }
    admitted
}

/// The median of sorted whole numbers (the mean of the middle two, rounded
/// down, for an even count); `None` for none.
pub fn median(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]).div_euclid(2)),
    }
}

/// A day as the number of days since 1970-01-01 (how waiting is counted).
pub fn day_number(day: time::Date) -> i64 {
    i64::from(day.to_julian_day()) - 2_440_588
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn candidates() -> impl Strategy<Value = Vec<Candidate>> {
        prop::collection::vec((1..4i64, 0..5i64, 0..20i64, 0..1_000i64), 0..40).prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(|(i, (province, priority, since, amount))| Candidate {
                    id: i as i64 + 1,
                    province,
                    priority,
                    waiting_since: since,
                    amount,
                })
                .collect()
        })
    }

    fn budgets() -> impl Strategy<Value = BTreeMap<i64, i64>> {
        prop::collection::btree_map(1..4i64, 0..5_000i64, 0..4)
    }

    proptest! {
        #[test]
        fn never_exceeds_a_province_s_budget(cs in candidates(), left in budgets()) {
            let admitted = allocate(&cs, &left);
            for (province, budget) in &left {
                let cost: i64 = cs.iter().filter(|c| c.province == *province && admitted.contains(&c.id)).map(|c| c.amount).sum();
                prop_assert!(cost <= *budget, "province {province}: {cost} > {budget}");
            }
        }

        #[test]
        fn admits_strictly_by_priority(cs in candidates(), left in budgets()) {
            let admitted = allocate(&cs, &left);
            // Nobody left out comes before anyone admitted in the same province.
            for out in cs.iter().filter(|c| !admitted.contains(&c.id)) {
                for inn in cs.iter().filter(|c| c.province == out.province && admitted.contains(&c.id)) {
                    prop_assert_eq!(queue_order(inn, out), Ordering::Less, "{:?} admitted ahead of {:?}", inn, out);
                }
            }
            // And the budget was the reason: the first left out does not fit.
            for (province, budget) in &left {
                let cost: i64 = cs.iter().filter(|c| c.province == *province && admitted.contains(&c.id)).map(|c| c.amount).sum();
                let mut out: Vec<&Candidate> = cs.iter().filter(|c| c.province == *province && !admitted.contains(&c.id)).collect();
                out.sort_by(|a, b| queue_order(a, b));
                if let Some(first) = out.first() {
                    prop_assert!(cost + first.amount > *budget);
                }
            }
            // A province without a budget admits everyone.
            prop_assert!(cs.iter().filter(|c| !left.contains_key(&c.province)).all(|c| admitted.contains(&c.id)));
        }

        #[test]
        fn is_deterministic_whatever_the_input_order(cs in candidates(), left in budgets(), seed in any::<u64>()) {
            let mut shuffled = cs.clone();
            // A deterministic shuffle from the seed.
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            prop_assert_eq!(allocate(&cs, &left), allocate(&shuffled, &left));
        }

        #[test]
        fn the_score_grows_with_every_feature(w in (0..=MAX_WEIGHT, 0..=MAX_WEIGHT, 0..=MAX_WEIGHT, 0..=MAX_WEIGHT, 0..=MAX_WEIGHT),
                                              rank in 0..4i64, size in 1..10i64, decile in 2..=10i64, elderly in 0..9i64) {
            let weights = PriorityWeights { severity: w.0, household_size: w.1, poverty: w.2, female_headed: w.3, elderly: w.4 };
            let base = Features { severity_rank: Some(rank), household_size: Some(size), income_decile: Some(decile), female_headed: Some(false), elderly };
            let s = weights.score(&base);
            let more = [
                Features { severity_rank: Some(rank + 1), ..base },
                Features { household_size: Some(size + 1), ..base },
                Features { income_decile: Some(decile - 1), ..base },
                Features { female_headed: Some(true), ..base },
                Features { elderly: elderly + 1, ..base },
            ];
            for f in more {
                prop_assert!(weights.score(&f) >= s, "{:?}", f);
            }
        }
    }

    #[test]
    fn ties_go_to_the_longest_waiting_then_the_lower_id() {
        let c = |id, priority, since| Candidate { id, province: 1, priority, waiting_since: since, amount: 10 };
        let cs = [c(5, 3, 100), c(4, 3, 90), c(3, 7, 120), c(2, 3, 90), c(1, 1, 10)];
        let left = BTreeMap::from([(1, 35)]);
        assert_eq!(allocate(&cs, &left), vec![3, 2, 4]);
    }

    #[test]
    fn scores_each_feature() {
        let w = PriorityWeights { severity: 10, household_size: 2, poverty: 3, female_headed: 5, elderly: 4 };
        let f = Features {
            severity_rank: Some(4),
            household_size: Some(12),
            income_decile: Some(2),
            female_headed: Some(true),
            elderly: 1,
        };
        assert_eq!(w.score(&f), 40 + 20 + 27 + 5 + 4);
        assert_eq!(w.score(&Features::default()), 0);
    }

    #[test]
    fn weights_report_every_bad_field() {
        let raw = RawPriority {
            severity: "۱۰".into(),
            household_size: "x".into(),
            poverty: "101".into(),
            ..Default::default()
        };
        let errors = PriorityWeights::parse(&raw).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["household_size", "poverty"]);
        let ok = PriorityWeights::parse(&RawPriority { severity: "۱۰".into(), ..Default::default() }).unwrap();
        assert_eq!(ok, PriorityWeights { severity: 10, ..Default::default() });
    }

    #[test]
    fn documents_are_known_by_their_content() {
        assert_eq!(check_document(b"%PDF-1.7 ..."), Ok(MediaType::Pdf));
        assert_eq!(check_document(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok(MediaType::Jpeg));
        assert_eq!(check_document(b"MZ\x90\x00").unwrap_err().field, "file");
        assert_eq!(check_document(b"").unwrap_err().reason, Reason::Empty);
        assert!(check_document(&vec![b'%'; MAX_DOCUMENT_BYTES + 1]).is_err());
    }

    #[test]
    fn states() {
        use ApplicationState as S;
        assert!(S::Submitted.may_become(S::UnderReview));
        assert!(S::UnderReview.may_become(S::Approved) && S::Approved.may_become(S::Waitlisted));
        assert!(S::Waitlisted.may_become(S::Enrolled));
        // Enrolled meanwhile by a confirmation, an application is satisfied; it
        // waits only once approved.
        assert!(S::Submitted.may_become(S::Enrolled) && !S::Submitted.may_become(S::Waitlisted));
        assert!(!S::Rejected.may_become(S::UnderReview) && !S::Enrolled.may_become(S::Withdrawn));
        assert!(S::ALL.iter().filter(|s| s.is_open()).all(|s| !S::Enrolled.may_become(*s)));
        assert_eq!(median(&[1, 2, 3, 10]), Some(2));
        assert_eq!(median(&[4]), Some(4));
        assert_eq!(median(&[]), None);
    }
}
