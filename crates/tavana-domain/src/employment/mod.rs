//! Employment (اشتغال): the quota exam that fills the 3% of public agencies'
//! hires owed to persons with disabilities, placed fairly ([`placement`]); each
//! agency's compliance with the quota; the CSR fund that firms' social
//! responsibility money flows into ([`csr`]); and job outcomes, the employment
//! records that tell the planning centre who left need for work.
//!
//! A round moves Open (candidates register, state preferences, scores are
//! imported) → Placed (the placement computed; it may be computed again) →
//! Published (results visible, objections lodged until the window closes; an
//! upheld objection that corrects a score sends the round back to Placed) →
//! Closed (final: hires may be recorded from it).

pub mod csr;
pub mod placement;

use crate::coded::coded;
use crate::error::{DomainError, Reason};
use crate::iam::Role;
use crate::registry::{DisabilityType, Education};

/// The share of hires (and of staff) public agencies owe persons with disabilities.
pub const QUOTA_PERCENT: i64 = 3;
/// How many posts a candidate may rank.
pub const MAX_PREFERENCES: usize = 10;
/// How many days after publication an objection may be lodged (the last day included).
pub const OBJECTION_DAYS: i64 = 10;
/// The highest score, in hundredths.
pub const MAX_SCORE: i64 = 10_000;

coded!(
    /// وضعیت دورهٔ آزمون
    RoundState {
        Open = "open" "ثبت‌نام و انتخاب رشته",
        Placed = "placed" "جایابی انجام شد",
        Published = "published" "نتایج اعلام شد",
        Closed = "closed" "قطعی",
    }
);

impl RoundState {
    /// Whether a round may move from `self` to `to`.
    pub fn may_become(self, to: RoundState) -> bool {
        use RoundState as S;
        matches!(
            (self, to),
            (S::Open | S::Placed, S::Placed) | (S::Placed, S::Published) | (S::Published, S::Placed | S::Closed)
        )
    }

    /// Whether candidates may still register, rank posts and have scores imported.
    pub fn takes_entries(self) -> bool {
        self == RoundState::Open
    }
}

coded!(
    /// وضعیت اعتراض به نتیجه
    ObjectionState {
        Lodged = "lodged" "در انتظار رسیدگی",
        Upheld = "upheld" "وارد دانسته شد",
        Dismissed = "dismissed" "رد شد",
    }
);

coded!(
    /// نتیجهٔ جایابی داوطلب
    PlacementOutcome {
        Pending = "pending" "در انتظار جایابی",
        Placed = "placed" "پذیرفته",
        NotPlaced = "not_placed" "پذیرفته نشد",
        NoScore = "no_score" "بدون نمره",
        NoAssessment = "no_assessment" "بدون ارزیابی معتبر",
    }
);

coded!(
    /// مسیر اشتغال
    JobRoute {
        QuotaExam = "quota_exam" "آزمون سهمیهٔ ۳ درصد",
        EmploymentSupport = "employment_support" "برنامهٔ حمایت از اشتغال",
        CsrWorkshop = "csr_workshop" "کارگاه اشتغال مسئولیت اجتماعی",
        Other = "other" "سایر",
    }
);

/// What the employment module lets an actor do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmploymentAction {
    /// Run exam rounds, record agencies, candidates, placements, objections,
    /// firms, declarations, projects and employment records.
    Manage,
    /// Post CSR money received and spent to the ledger.
    Post,
    /// Read candidates (persons with disabilities, their scores and results),
    /// objections and employment records.
    ReadCandidates,
}

impl EmploymentAction {
    pub fn granted_to(self, role: Role) -> bool {
        match self {
            EmploymentAction::Manage => role == Role::EmploymentOfficer,
            EmploymentAction::Post => role == Role::FinanceMaker,
            // Finance opens the module for the CSR fund only.
            EmploymentAction::ReadCandidates => {
                matches!(role, Role::EmploymentOfficer | Role::Planner | Role::Auditor)
            }
        }
    }

    pub fn phrase(self) -> &'static str {
        match self {
            EmploymentAction::Manage => "manage employment",
            EmploymentAction::Post => "post the CSR fund's money",
            EmploymentAction::ReadCandidates => "read the quota exam's candidates and employment records",
        }
    }
}

/// The staff an agency must have with disabilities: 3% of its staff, rounded up.
pub fn required_hires(staff: i64) -> i64 {
    (staff.max(0) * QUOTA_PERCENT + 99) / 100
}

/// The last day an objection to results published on `day` may be lodged.
pub fn objection_deadline(day: time::Date) -> time::Date {
    day + time::Duration::days(OBJECTION_DAYS)
}

/// Whether objections may still be lodged on `today` to results whose window
/// ends on `until` (its last day included): lodging asks it, and so does
/// closing the round, which waits until it is past.
pub fn objections_open(until: time::Date, today: time::Date) -> bool {
    today <= until
}

pub(crate) use crate::hr::{code, date, required};

/// A whole number in `range`, Persian digits accepted.
pub(crate) fn whole(
    field: &'static str,
    value: &str,
    range: std::ops::RangeInclusive<i64>,
    errors: &mut Vec<DomainError>,
) -> Option<i64> {
    let ascii = crate::text::to_ascii_digits(value.trim()).replace([',', '٬'], "");
    match ascii.parse::<i64>() {
        Ok(n) if range.contains(&n) => Some(n),
        Ok(_) => {
            errors.push(DomainError::new(field, Reason::OutOfRange));
            None
        }
        Err(_) => {
            errors.push(DomainError::new(field, if ascii.is_empty() { Reason::Empty } else { Reason::NotDigits }));
            None
        }
    }
}

/// An exam score out of 100 with at most two decimals (`87.5`, `۸۷٫۵`), in hundredths.
pub fn parse_score(field: &'static str, value: &str) -> Result<i64, DomainError> {
    let ascii = crate::text::to_ascii_digits(value.trim()).replace(['٫', '/'], ".");
    if ascii.is_empty() {
        return Err(DomainError::new(field, Reason::Empty));
    }
    let (whole, frac) = ascii.split_once('.').unwrap_or((&ascii, ""));
    if whole.is_empty() || frac.len() > 2 || !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(DomainError::new(field, Reason::BadFormat));
    }
    let whole: i64 = whole.parse().map_err(|_| DomainError::new(field, Reason::OutOfRange))?;
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| DomainError::new(field, Reason::BadFormat))?;
    let score = whole.checked_mul(100).and_then(|w| w.checked_add(frac)).unwrap_or(i64::MAX);
    if score > MAX_SCORE {
        return Err(DomainError::new(field, Reason::OutOfRange));
    }
    Ok(score)
}

/// A score in hundredths as people write it (`87.5`).
pub fn score_text(score: i64) -> String {
    match score % 100 {
        0 => format!("{}", score / 100),
        f if f % 10 == 0 => format!("{}.{}", score / 100, f / 10),
        f => format!("{}.{f:02}", score / 100),
    }
}

/// An exam round as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RawRound {
    pub title: String,
}

impl RawRound {
    /// The round's checked title.
    pub fn parse(&self) -> Result<String, Vec<DomainError>> {
        let mut errors = Vec::new();
        let title = required("title", &self.title, 200, &mut errors);
        title.ok_or(errors)
    }
}

/// An agency (دستگاه اجرایی) as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RawAgency {
    /// Unique (`MOE-08`).
    pub code: String,
    pub name: String,
    /// The org unit (a province, or HQ for a national agency) it reports to.
    pub unit: String,
    /// Its staff today.
    pub staff: String,
}

/// An agency's checked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyFields {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub staff: i64,
}

impl AgencyFields {
    /// Checks every field and reports every problem.
    pub fn parse(raw: &RawAgency) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let code = code("code", &raw.code, &mut errors);
        let name = required("name", &raw.name, 200, &mut errors);
        let unit = crate::hr::code("unit", &raw.unit, &mut errors);
        let staff = whole("staff", &raw.staff, 0..=10_000_000, &mut errors);
        let (Some(code), Some(name), Some(unit), Some(staff)) = (code, name, unit, staff) else { return Err(errors) };
        Ok(AgencyFields { code, name, unit, staff })
    }
}

/// A post (an agency's job title and its seats in a round) as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RawPost {
    /// The agency's code.
    pub agency: String,
    pub job_title: String,
    pub seats: String,
    /// The least education required (a code or its Persian label).
    pub education: String,
    /// The disability types it is open to, separated by commas (codes or labels).
    pub kinds: String,
}

/// A post's checked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostFields {
    pub agency: String,
    pub job_title: String,
    pub seats: i64,
    pub education: Education,
    pub kinds: Vec<DisabilityType>,
}

/// Disability types separated by commas (`,` or `،`), each once, at least one.
pub fn parse_kinds(field: &'static str, value: &str) -> Result<Vec<DisabilityType>, DomainError> {
    let mut kinds = Vec::new();
    for part in value.split([',', '،']).map(str::trim).filter(|p| !p.is_empty()) {
        let kind = DisabilityType::parse(field, part)?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    if kinds.is_empty() {
        return Err(DomainError::new(field, Reason::Empty));
    }
    kinds.sort();
    Ok(kinds)
}

/// Kinds as stored: their codes separated by commas.
pub fn kinds_text(kinds: &[DisabilityType]) -> String {
    kinds.iter().map(|k| k.code()).collect::<Vec<_>>().join(",")
}

impl PostFields {
    /// Checks every field and reports every problem.
    pub fn parse(raw: &RawPost) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let agency = code("agency", &raw.agency, &mut errors);
        let job_title = required("job_title", &raw.job_title, 200, &mut errors);
        let seats = whole("seats", &raw.seats, 1..=10_000, &mut errors);
        let education = Education::parse("education", &raw.education).map_err(|e| errors.push(e)).ok();
        let kinds = parse_kinds("kinds", &raw.kinds).map_err(|e| errors.push(e)).ok();
        let (Some(agency), Some(job_title), Some(seats), Some(education), Some(kinds)) =
            (agency, job_title, seats, education, kinds)
        else {
            return Err(errors);
        };
        Ok(PostFields { agency, job_title, seats, education, kinds })
    }
}

/// A candidate's ranked posts as typed (post ids, most wanted first): at most
/// [`MAX_PREFERENCES`], each once.
pub fn parse_preferences(values: &[String]) -> Result<Vec<i64>, DomainError> {
    let mut out: Vec<i64> = Vec::new();
    for value in values.iter().map(|v| crate::text::to_ascii_digits(v.trim())).filter(|v| !v.is_empty()) {
        let id: i64 = value.parse().map_err(|_| DomainError::new("preferences", Reason::NotDigits))?;
        if out.contains(&id) {
            return Err(DomainError::breaks("preferences", "names a post twice", "یک محل را دو بار نام برده است"));
        }
        out.push(id);
    }
    if out.is_empty() {
        return Err(DomainError::new("preferences", Reason::Empty));
    }
    if out.len() > MAX_PREFERENCES {
        return Err(DomainError::breaks(
            "preferences",
            format!("may name at most {MAX_PREFERENCES} posts"),
            format!("حداکثر {} محل را می‌توان انتخاب کرد", crate::text::to_persian_digits(&MAX_PREFERENCES.to_string())),
        ));
    }
    Ok(out)
}

/// An objection to published results as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RawObjection {
    pub grounds: String,
}

impl RawObjection {
    pub fn parse(&self) -> Result<String, Vec<DomainError>> {
        let mut errors = Vec::new();
        required("grounds", &self.grounds, 4_000, &mut errors).ok_or(errors)
    }
}

/// The decision on an objection as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RawObjectionDecision {
    /// `upheld` or `dismissed`.
    pub outcome: String,
    pub reasons: String,
    pub legal_basis: String,
    /// For an upheld objection: the corrected score, if the score was wrong.
    pub score: String,
}

/// A decision on an objection, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectionDecision {
    pub outcome: ObjectionState,
    pub reasons: String,
    pub legal_basis: String,
    pub score: Option<i64>,
}

impl ObjectionDecision {
    /// Checks every field: the outcome (upheld or dismissed), reasons and a legal
    /// basis always, a corrected score only for an upheld one.
    pub fn parse(raw: &RawObjectionDecision) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let outcome = match ObjectionState::parse("outcome", &raw.outcome) {
            Ok(ObjectionState::Lodged) => {
                errors.push(DomainError::new("outcome", Reason::NotInList));
                None
            }
            Ok(o) => Some(o),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let reasons = required("reasons", &raw.reasons, 4_000, &mut errors);
        let legal_basis = required("legal_basis", &raw.legal_basis, 400, &mut errors);
        let score = if raw.score.trim().is_empty() {
            Some(None)
        } else if outcome == Some(ObjectionState::Dismissed) {
            errors.push(DomainError::breaks(
                "score",
                "is corrected only when the objection is upheld",
                "نمره فقط با واردشدن اعتراض اصلاح می‌شود",
            ));
            None
        } else {
            parse_score("score", &raw.score).map(Some).map_err(|e| errors.push(e)).ok()
        };
        let (Some(outcome), Some(reasons), Some(legal_basis), Some(score)) = (outcome, reasons, legal_basis, score)
        else {
            return Err(errors);
        };
        Ok(ObjectionDecision { outcome, reasons, legal_basis, score })
    }
}

/// An employment record (a person starting work) as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RawJob {
    pub national_code: String,
    /// A public agency's code, or empty for another employer.
    pub agency: String,
    /// The employer's name (required when no agency is named).
    pub employer: String,
    /// Jalali (`1405/07/01`).
    pub started_on: String,
    /// How the job came: `quota_exam`, `employment_support`, `csr_workshop` or `other`.
    pub route: String,
}

/// An employment record's checked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobFields {
    pub national_code: crate::NationalCode,
    pub agency: Option<String>,
    pub employer: Option<String>,
    pub started_on: time::Date,
    pub route: JobRoute,
}

impl JobFields {
    /// Checks every field and reports every problem: an employer named either
    /// way, a start not after `today`.
    pub fn parse(raw: &RawJob, today: time::Date) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let national_code = crate::NationalCode::parse(&raw.national_code).map_err(|e| errors.push(e)).ok();
        let agency =
            if raw.agency.trim().is_empty() { Some(None) } else { code("agency", &raw.agency, &mut errors).map(Some) };
        let employer = if raw.employer.trim().is_empty() {
            if raw.agency.trim().is_empty() {
                errors.push(DomainError::new("employer", Reason::Empty));
            }
            Some(None)
        } else {
            required("employer", &raw.employer, 200, &mut errors).map(Some)
        };
        let started_on = date("started_on", &raw.started_on, &mut errors);
        if started_on.is_some_and(|d| d > today) {
            errors.push(DomainError::new("started_on", Reason::OutOfRange));
        }
        let route = JobRoute::parse("route", &raw.route).map_err(|e| errors.push(e)).ok();
        let (Some(national_code), Some(agency), Some(employer), Some(started_on), Some(route)) =
            (national_code, agency, employer, started_on, route)
        else {
            return Err(errors);
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(JobFields { national_code, agency, employer, started_on, route })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objections_are_open_through_the_last_day_only() {
        let published = time::macros::date!(2026 - 11 - 27);
        let until = objection_deadline(published);
        assert_eq!(until, time::macros::date!(2026 - 12 - 07));
        assert!(objections_open(until, published) && objections_open(until, until));
        assert!(!objections_open(until, until + time::Duration::days(1)));
    }

    #[test]
    fn three_percent_of_staff_rounded_up() {
        assert_eq!(required_hires(0), 0);
        assert_eq!(required_hires(1), 1);
        assert_eq!(required_hires(100), 3);
        assert_eq!(required_hires(101), 4);
        assert_eq!(required_hires(1_000), 30);
    }

    #[test]
    fn scores_are_read_in_hundredths_in_either_script() {
        assert_eq!(parse_score("score", "87.5"), Ok(8_750));
        assert_eq!(parse_score("score", "۸۷٫۲۵"), Ok(8_725));
        assert_eq!(parse_score("score", "100"), Ok(10_000));
        assert_eq!(parse_score("score", "100.01").unwrap_err().reason, Reason::OutOfRange);
        assert_eq!(parse_score("score", "87.125").unwrap_err().reason, Reason::BadFormat);
        assert_eq!(parse_score("score", "-3").unwrap_err().reason, Reason::BadFormat);
        assert_eq!(parse_score("score", "").unwrap_err().reason, Reason::Empty);
        assert_eq!(parse_score("score", "99999999999999999999").unwrap_err().reason, Reason::OutOfRange);
        assert_eq!(score_text(8_750), "87.5");
        assert_eq!(score_text(8_725), "87.25");
        assert_eq!(score_text(10_000), "100");
    }

    #[test]
    fn a_round_moves_only_forward_except_for_an_upheld_objection() {
        use RoundState as S;
        assert!(S::Open.may_become(S::Placed));
        assert!(S::Placed.may_become(S::Placed));
        assert!(S::Placed.may_become(S::Published));
        assert!(S::Published.may_become(S::Placed));
        assert!(S::Published.may_become(S::Closed));
        assert!(!S::Open.may_become(S::Published));
        assert!(!S::Closed.may_become(S::Placed));
        assert!(!S::Placed.may_become(S::Open));
    }

    #[test]
    fn a_post_reports_every_bad_field() {
        let raw = RawPost {
            agency: "".into(),
            job_title: "".into(),
            seats: "0".into(),
            education: "x".into(),
            kinds: "".into(),
        };
        let fields: Vec<&str> = PostFields::parse(&raw).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["agency", "job_title", "seats", "education", "kinds"]);
        let raw = RawPost {
            agency: "MOE-08".into(),
            job_title: "کارشناس".into(),
            seats: "۳".into(),
            education: "کارشناسی".into(),
            kinds: "بینایی، motor, visual".into(),
        };
        let post = PostFields::parse(&raw).unwrap();
        assert_eq!((post.seats, post.education), (3, Education::Bachelor));
        assert_eq!(post.kinds, vec![DisabilityType::Motor, DisabilityType::Visual]);
    }

    #[test]
    fn preferences_are_ten_posts_at_most_each_once() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(parse_preferences(&s(&["۳", "1", ""])), Ok(vec![3, 1]));
        assert!(parse_preferences(&s(&["3", "3"])).is_err());
        assert!(parse_preferences(&s(&["x"])).is_err());
        assert!(parse_preferences(&s(&[""])).is_err());
        let eleven: Vec<String> = (1..=11).map(|i| i.to_string()).collect();
        assert!(parse_preferences(&eleven).is_err());
    }

    #[test]
    fn an_objection_decision_needs_reasons_and_a_legal_basis_and_corrects_only_when_upheld() {
        let raw = RawObjectionDecision { outcome: "dismissed".into(), score: "90".into(), ..Default::default() };
        let fields: Vec<&str> = ObjectionDecision::parse(&raw).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["reasons", "legal_basis", "score"]);
        let raw = RawObjectionDecision {
            outcome: "upheld".into(),
            reasons: "خطای ورود نمره".into(),
            legal_basis: "آیین‌نامهٔ آزمون، مادهٔ ۹".into(),
            score: "91.5".into(),
        };
        assert_eq!(ObjectionDecision::parse(&raw).unwrap().score, Some(9_150));
        let lodged = RawObjectionDecision { outcome: "lodged".into(), ..raw };
        assert_eq!(ObjectionDecision::parse(&lodged).unwrap_err()[0].field, "outcome");
    }

    #[test]
    fn a_job_names_its_employer_one_way_or_the_other() {
        let today = time::macros::date!(2026 - 11 - 28);
        let raw = RawJob {
            national_code: "0499370899".into(),
            started_on: "1405/08/01".into(),
            route: "other".into(),
            ..Default::default()
        };
        assert_eq!(JobFields::parse(&raw, today).unwrap_err()[0].field, "employer");
        let raw = RawJob { agency: "MOE-08".into(), ..raw };
        let job = JobFields::parse(&raw, today).unwrap();
        assert_eq!((job.agency.as_deref(), job.employer), (Some("MOE-08"), None));
        let late = RawJob { started_on: "1406/01/01".into(), ..raw };
        assert_eq!(JobFields::parse(&late, today).unwrap_err()[0].field, "started_on");
    }
}
