//! The comprehensive database (پایگاه جامع): the coded values of households, persons
//! and disability assessments, and the checked types of their free-text fields.

use crate::error::{DomainError, Reason};
use crate::text::{ascii_digit, normalize};
use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

use crate::coded::coded;

coded!(
    /// جنسیت
    Sex { Male = "male" "مرد", Female = "female" "زن", }
);

coded!(
    /// وضعیت تأهل
    MaritalStatus {
        Single = "single" "مجرد",
        Married = "married" "متأهل",
        Divorced = "divorced" "مطلقه",
        Widowed = "widowed" "همسر فوت‌شده",
    }
);

coded!(
    /// تحصیلات
    Education {
        None = "none" "بی‌سواد",
        Literacy = "literacy" "سوادآموزی",
        Primary = "primary" "ابتدایی",
        Secondary = "secondary" "راهنمایی و متوسطه",
        Diploma = "diploma" "دیپلم",
        Associate = "associate" "کاردانی",
        Bachelor = "bachelor" "کارشناسی",
        Master = "master" "کارشناسی ارشد",
        Doctorate = "doctorate" "دکتری",
    }
);

coded!(
    /// وضعیت اشتغال
    EmploymentStatus {
        Employed = "employed" "شاغل",
        Unemployed = "unemployed" "بیکار",
        Student = "student" "محصل یا دانشجو",
        Homemaker = "homemaker" "خانه‌دار",
        Retired = "retired" "بازنشسته",
        UnableToWork = "unable_to_work" "ناتوان از کار",
        Child = "child" "خردسال",
    }
);

coded!(
    /// نسبت با سرپرست خانوار
    Relationship {
        Head = "head" "سرپرست",
        Spouse = "spouse" "همسر",
        Child = "child" "فرزند",
        Parent = "parent" "پدر یا مادر",
        Sibling = "sibling" "خواهر یا برادر",
        Grandchild = "grandchild" "نوه",
        OtherRelative = "other_relative" "سایر بستگان",
        NonRelative = "non_relative" "غیرخویشاوند",
    }
);

coded!(
    /// نوع معلولیت
    DisabilityType {
        Motor = "motor" "جسمی-حرکتی",
        Visual = "visual" "بینایی",
        Hearing = "hearing" "شنوایی",
        Speech = "speech" "گفتار و زبان",
        Intellectual = "intellectual" "ذهنی",
        Psychiatric = "psychiatric" "اعصاب و روان",
        Autism = "autism" "اوتیسم",
        Multiple = "multiple" "چندمعلولیتی",
    }
);

coded!(
    /// شدت معلولیت
    Severity {
        Mild = "mild" "خفیف",
        Moderate = "moderate" "متوسط",
        Severe = "severe" "شدید",
        VerySevere = "very_severe" "خیلی شدید",
    }
);

/// A person's first, last or father's name: trimmed, 1 to 50 characters as people
/// count them (graphemes), letters of any script with spaces, ZWNJ, hyphens and
/// apostrophes between them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX: usize = 50;

    /// Checks a name and stores it with the Persian letters: Arabic yeh, alef
    /// maksura and kaf (ي ى ك, as Arabic keyboards type them) become ی and ک, so
    /// one name is written one way.
    pub fn parse(field: &'static str, input: &str) -> Result<Self, DomainError> {
        let persian = input.replace(['\u{064A}', '\u{0649}'], "\u{06CC}").replace('\u{0643}', "\u{06A9}");
        let collapsed = persian.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err(DomainError::new(field, Reason::Empty));
        }
        // A name of at most MAX characters has at most MAX graphemes: count
        // graphemes only when the cheap count is over.
        if collapsed.chars().count() > Self::MAX && collapsed.graphemes(true).count() > Self::MAX {
            return Err(DomainError::new(field, Reason::TooLong { max: Self::MAX }));
        }
        let allowed =
            |c: char| c.is_alphabetic() || is_name_mark(c) || matches!(c, ' ' | '\u{200C}' | '-' | '\'' | '.');
        if !collapsed.chars().all(allowed) || !collapsed.chars().next().is_some_and(is_letter) {
            return Err(DomainError::new(field, Reason::BadFormat));
        }
        Ok(Self(collapsed))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used for search and duplicate detection.
    pub fn normalized(&self) -> String {
        normalize(&self.0)
    }
}

/// A letter of any script; Arabic-script letters are recognized without the
/// general Unicode tables, since nearly every name is written in them.
fn is_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}' | '\u{0671}'..='\u{06D3}') || c.is_alphabetic()
}

/// Arabic-script diacritics and the superscript alef, which names may carry.
fn is_name_mark(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}')
}

/// A ten-digit Iranian postal code (کد پستی).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PostalCode(String);

impl PostalCode {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let digits = only_digits("postal_code", input)?;
        if digits.len() != 10 {
            return Err(DomainError::new("postal_code", Reason::WrongLength { expected: 10, found: digits.len() }));
        }
        if digits.bytes().all(|b| b == digits.as_bytes()[0]) {
            return Err(DomainError::new("postal_code", Reason::RepeatedDigit));
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An Iranian phone number in national form: eleven digits starting with 0
/// (`09121234567`, `02188776655`); `+98` and `0098` prefixes are accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        let plus = trimmed.starts_with('+');
        let mut digits = only_digits("phone", trimmed)?;
        if plus || digits.starts_with("0098") {
            let rest = digits.trim_start_matches("00").strip_prefix("98").unwrap_or(&digits).to_string();
            digits = format!("0{rest}");
        }
        if digits.len() != 11 {
            return Err(DomainError::new("phone", Reason::WrongLength { expected: 11, found: digits.len() }));
        }
        if !digits.starts_with('0') {
            return Err(DomainError::new("phone", Reason::BadFormat));
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The digits of an input that may hold digits of any script, spaces and dashes
/// (and a leading `+`); anything else is refused.
fn only_digits(field: &'static str, input: &str) -> Result<String, DomainError> {
    let mut out = String::with_capacity(input.len());
    for c in input.trim().chars() {
        match c {
            ' ' | '-' | '+' => {}
            c => out.push(ascii_digit(c).ok_or(DomainError::new(field, Reason::NotDigits))?),
        }
    }
    if out.is_empty() {
        return Err(DomainError::new(field, Reason::Empty));
    }
    Ok(out)
}

/// An income decile (دهک), 1 (poorest) to 10.
pub fn parse_decile(input: &str) -> Result<u8, DomainError> {
    let digits = only_digits("income_decile", input)?;
    match digits.parse::<u8>() {
        Ok(d @ 1..=10) => Ok(d),
        _ => Err(DomainError::new("income_decile", Reason::OutOfRange)),
    }
}

/// What the registry lets an actor do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegistryAction {
    /// Register and change households, persons and disability assessments.
    Edit,
}

impl RegistryAction {
    /// Whether a role grants this action.
    pub fn granted_to(self, role: crate::iam::Role) -> bool {
        use crate::iam::Role as R;
        match self {
            RegistryAction::Edit => role == R::CaseWorker,
        }
    }

    /// How a refusal names the action.
    pub fn phrase(self) -> &'static str {
        match self {
            RegistryAction::Edit => "change the registry",
        }
    }
}

coded!(
    /// وضعیت مورد احتمالی تکراری
    CandidateStatus {
        Open = "open" "بررسی‌نشده",
        Proposed = "merge_proposed" "ادغام پیشنهادی",
        Merged = "merged" "ادغام‌شده",
        Dismissed = "dismissed" "ردشده",
    }
);

impl CandidateStatus {
    /// Whether a likely duplicate may move from this status to `to`: an open one is
    /// proposed for merging or dismissed; a proposed merge is approved (merged) or
    /// rejected (open again); either decision may be undone.
    pub fn may_become(self, to: CandidateStatus) -> bool {
        use CandidateStatus as S;
        matches!(
            (self, to),
            (S::Open, S::Proposed | S::Dismissed)
                | (S::Proposed, S::Merged | S::Open)
                | (S::Merged | S::Dismissed, S::Open)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn coded_values_read_codes_and_persian_labels() {
        assert_eq!(Severity::parse("severity", "very_severe"), Ok(Severity::VerySevere));
        assert_eq!(Severity::parse("severity", "Very severe"), Ok(Severity::VerySevere));
        assert_eq!(Severity::parse("severity", " خیلی شدید "), Ok(Severity::VerySevere));
        assert_eq!(DisabilityType::parse("type", "جسمی-حرکتی"), Ok(DisabilityType::Motor));
        assert_eq!(Sex::parse("sex", "زن"), Ok(Sex::Female));
        // Arabic yeh in the label still matches.
        assert_eq!(MaritalStatus::parse("marital_status", "مجرد"), Ok(MaritalStatus::Single));
        assert_eq!(Education::parse("education", "ابتدايي"), Ok(Education::Primary));
        let err = Severity::parse("severity", "extreme").unwrap_err();
        assert_eq!((err.field, err.reason), ("severity", Reason::NotInList));
        for s in Severity::ALL {
            assert_eq!(Severity::parse("severity", s.code()), Ok(*s));
            assert_eq!(Severity::parse("severity", s.label_fa()), Ok(*s));
        }
    }

    #[test]
    fn names_are_checked_and_normalized() {
        let name = PersonName::parse("first_name", "  محمد   علي ").unwrap();
        assert_eq!(name.as_str(), "محمد علی", "stored with the Persian yeh");
        assert_eq!(name.normalized(), "محمد علی");
        assert_eq!(PersonName::parse("last_name", "كاظمى").unwrap().as_str(), "کاظمی");
        assert!(PersonName::parse("first_name", "زهرا\u{200C}سادات").is_ok());
        assert!(PersonName::parse("last_name", "O'Neil-Smith").is_ok());
        assert_eq!(PersonName::parse("first_name", " ").unwrap_err().reason, Reason::Empty);
        assert_eq!(PersonName::parse("first_name", "R2D2").unwrap_err().reason, Reason::BadFormat);
        assert_eq!(PersonName::parse("first_name", "-علی").unwrap_err().reason, Reason::BadFormat);
        let long = "ب".repeat(51);
        assert_eq!(PersonName::parse("last_name", &long).unwrap_err().reason, Reason::TooLong { max: 50 });
        // Fifty graphemes with diacritics are fifty, not a hundred.
        let marked = "بَ".repeat(50);
        assert!(PersonName::parse("last_name", &marked).is_ok());
    }

    #[test]
    fn postal_codes_and_phones() {
        assert_eq!(PostalCode::parse("۱۳۱۴۵-۶۷۸۹۱").unwrap().as_str(), "1314567891");
        assert!(PostalCode::parse("123").is_err());
        assert!(PostalCode::parse("1111111111").is_err());
        assert_eq!(Phone::parse("۰۹۱۲ ۱۲۳ ۴۵۶۷").unwrap().as_str(), "09121234567");
        assert_eq!(Phone::parse("+98 912 123 4567").unwrap().as_str(), "09121234567");
        assert_eq!(Phone::parse("00989121234567").unwrap().as_str(), "09121234567");
        assert!(Phone::parse("9121234567").is_err());
        assert_eq!(parse_decile("۳"), Ok(3));
        assert!(parse_decile("11").is_err());
    }

    proptest! {
        #[test]
        fn name_parsing_never_panics_and_is_stable(s in "\\PC{0,60}") {
            if let Ok(name) = PersonName::parse("first_name", &s) {
                prop_assert_eq!(PersonName::parse("first_name", name.as_str()), Ok(name.clone()));
            }
        }
    }
}

/// A household file number (شماره پرونده), the organization's own key for a
/// household: 1 to 30 Latin letters, digits and dashes.
pub fn parse_file_number(input: &str) -> Result<String, DomainError> {
    let text = crate::text::to_ascii_digits(input.trim()).to_uppercase();
    if text.is_empty() {
        return Err(DomainError::new("file_number", Reason::Empty));
    }
    if text.len() > 30 {
        return Err(DomainError::new("file_number", Reason::TooLong { max: 30 }));
    }
    if !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(DomainError::new("file_number", Reason::BadFormat));
    }
    Ok(text)
}

/// A household as typed or read from a file: every field text, checked by
/// [`HouseholdFields::parse`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RawHousehold {
    pub file_number: String,
    /// The code of the village or city (`08-01-D1-V3`, `08-01-C`).
    pub place: String,
    pub address: String,
    pub postal_code: String,
    pub phone: String,
    /// The version of the record this row was exported from: when given, an
    /// import refuses the row if the record has changed since.
    pub record_version: String,
}

/// A household's checked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdFields {
    pub file_number: String,
    pub place_code: String,
    pub address: Option<String>,
    pub postal_code: Option<PostalCode>,
    pub phone: Option<Phone>,
    /// The version of the record the row was made from, when it says.
    pub record_version: Option<i64>,
}

impl HouseholdFields {
    /// Checks every field and reports every problem, not only the first.
    pub fn parse(raw: &RawHousehold) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let file_number = keep(&mut errors, parse_file_number(&raw.file_number));
        let place_code = place_text(&raw.place);
        if place_code.is_empty() {
            errors.push(DomainError::new("place", Reason::Empty));
        }
        let address = optional(&raw.address).map(|a| a.split_whitespace().collect::<Vec<_>>().join(" "));
        if let Err(e) = crate::text::plain_text("address", &raw.address) {
            errors.push(e);
        } else if address.as_ref().is_some_and(|a| a.chars().count() > 300) {
            errors.push(DomainError::new("address", Reason::TooLong { max: 300 }));
        }
        let postal_code = optional(&raw.postal_code).and_then(|p| keep(&mut errors, PostalCode::parse(p)));
        let phone = optional(&raw.phone).and_then(|p| keep(&mut errors, Phone::parse(p)));
        let record_version = keep(&mut errors, parse_record_version(&raw.record_version)).flatten();
        match (errors.is_empty(), file_number) {
            (true, Some(file_number)) => {
                Ok(Self { file_number, place_code, address, postal_code, phone, record_version })
            }
            _ => Err(errors),
        }
    }
}

/// A person as typed or read from a file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RawPerson {
    pub national_code: String,
    /// The file number of the person's household.
    pub household: String,
    pub relationship: String,
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    /// Jalali (1360/05/12) or ISO (1981-08-03).
    pub birth_date: String,
    pub sex: String,
    pub marital_status: String,
    pub education: String,
    pub employment: String,
    /// Monthly income in rials.
    pub income: String,
    pub income_decile: String,
    pub sheba: String,
    pub phone: String,
    /// Date of death, empty while alive.
    pub deceased_on: String,
    /// The bank of the SHEBA number, as exports write it; derived, never read.
    #[serde(skip_deserializing)]
    pub bank: String,
    /// The version of the record this row was exported from: when given, an
    /// import refuses the row if the record has changed since.
    pub record_version: String,
}

/// A place as typed: a code in Persian or Latin digits, any letter case (`۰۸-۰۱-c`
/// is `08-01-C`), or a village's or city's name, which the store looks up.
pub fn place_text(raw: &str) -> String {
    let text = crate::text::to_ascii_digits(raw.trim());
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        text.to_ascii_uppercase()
    } else {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// A record version as a file gives it: empty, or a whole number from 1.
fn parse_record_version(text: &str) -> Result<Option<i64>, DomainError> {
    match optional(text) {
        None => Ok(None),
        Some(v) => match crate::text::to_ascii_digits(v).parse::<i64>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(DomainError::new("record_version", Reason::NotDigits)),
        },
    }
}

/// A person's checked fields (the household is still a file number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFields {
    pub national_code: crate::NationalCode,
    pub household: String,
    pub relationship: Relationship,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub father_name: PersonName,
    pub birth_date: time::Date,
    pub sex: Sex,
    pub marital_status: Option<MaritalStatus>,
    pub education: Option<Education>,
    pub employment: Option<EmploymentStatus>,
    pub income: Option<crate::Rials>,
    pub income_decile: Option<u8>,
    pub sheba: Option<crate::Sheba>,
    pub phone: Option<Phone>,
    pub deceased_on: Option<time::Date>,
    /// The version of the record the row was made from, when it says.
    pub record_version: Option<i64>,
}

impl PersonFields {
    /// Checks every field and reports every problem. `today` bounds birth and death
    /// dates.
    pub fn parse(raw: &RawPerson, today: time::Date) -> Result<Self, Vec<DomainError>> {
        let mut e = Vec::new();
        let national_code = keep(&mut e, crate::NationalCode::parse(&raw.national_code));
        let household =
            keep(&mut e, parse_file_number(&raw.household).map_err(|err| DomainError { field: "household", ..err }));
        let relationship = keep(&mut e, Relationship::parse("relationship", &raw.relationship));
        let first_name = keep(&mut e, PersonName::parse("first_name", &raw.first_name));
        let last_name = keep(&mut e, PersonName::parse("last_name", &raw.last_name));
        let father_name = keep(&mut e, PersonName::parse("father_name", &raw.father_name));
        let birth_date = keep(&mut e, past_date("birth_date", &raw.birth_date, today));
        let sex = keep(&mut e, Sex::parse("sex", &raw.sex));
        let marital_status =
            optional(&raw.marital_status).and_then(|v| keep(&mut e, MaritalStatus::parse("marital_status", v)));
        let education = optional(&raw.education).and_then(|v| keep(&mut e, Education::parse("education", v)));
        let employment = optional(&raw.employment).and_then(|v| keep(&mut e, EmploymentStatus::parse("employment", v)));
        let income = optional(&raw.income).and_then(|v| {
            keep(
                &mut e,
                crate::Rials::parse("income", v).and_then(|r| {
                    if r.get() < 0 { Err(DomainError::new("income", Reason::OutOfRange)) } else { Ok(r) }
                }),
            )
        });
        let income_decile = optional(&raw.income_decile).and_then(|v| keep(&mut e, parse_decile(v)));
        let sheba = optional(&raw.sheba).and_then(|v| keep(&mut e, crate::Sheba::parse(v)));
        let phone = optional(&raw.phone).and_then(|v| keep(&mut e, Phone::parse(v)));
        let deceased_on = optional(&raw.deceased_on).and_then(|v| keep(&mut e, past_date("deceased_on", v, today)));
        let record_version = keep(&mut e, parse_record_version(&raw.record_version)).flatten();
        if let (Some(born), Some(died)) = (birth_date, deceased_on)
            && died < born
        {
            e.push(DomainError::new("deceased_on", Reason::OutOfRange));
        }
        match (national_code, household, relationship, first_name, last_name, father_name, birth_date, sex) {
            (
                Some(national_code),
                Some(household),
                Some(relationship),
                Some(first_name),
                Some(last_name),
                Some(father_name),
                Some(birth_date),
                Some(sex),
            ) if e.is_empty() => Ok(Self {
                national_code,
                household,
                relationship,
                first_name,
                last_name,
                father_name,
                birth_date,
                sex,
                marital_status,
                education,
                employment,
                income,
                income_decile,
                sheba,
                phone,
                deceased_on,
                record_version,
            }),
            _ => Err(e),
        }
    }
}

/// A disability assessment as typed or read from a file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RawDisability {
    pub national_code: String,
    pub kind: String,
    pub severity: String,
    /// The assessing commission (کمیسیون پزشکی).
    pub commission: String,
    pub assessed_on: String,
    pub valid_until: String,
}

/// A disability assessment's checked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisabilityFields {
    pub national_code: crate::NationalCode,
    pub kind: DisabilityType,
    pub severity: Severity,
    pub commission: Option<String>,
    pub assessed_on: time::Date,
    pub valid_until: Option<time::Date>,
}

impl DisabilityFields {
    pub fn parse(raw: &RawDisability, today: time::Date) -> Result<Self, Vec<DomainError>> {
        let mut e = Vec::new();
        let national_code = keep(&mut e, crate::NationalCode::parse(&raw.national_code));
        let kind = keep(&mut e, DisabilityType::parse("kind", &raw.kind));
        let severity = keep(&mut e, Severity::parse("severity", &raw.severity));
        let commission = optional(&raw.commission)
            .and_then(|c| keep(&mut e, crate::text::plain_text("commission", c).map(|()| c.to_string())));
        let assessed_on = keep(&mut e, past_date("assessed_on", &raw.assessed_on, today));
        let valid_until = optional(&raw.valid_until).and_then(|v| keep(&mut e, any_date("valid_until", v)));
        if let (Some(from), Some(until)) = (assessed_on, valid_until)
            && until < from
        {
            e.push(DomainError::new("valid_until", Reason::OutOfRange));
        }
        match (national_code, kind, severity, assessed_on) {
            (Some(national_code), Some(kind), Some(severity), Some(assessed_on)) if e.is_empty() => {
                Ok(Self { national_code, kind, severity, commission, assessed_on, valid_until })
            }
            _ => Err(e),
        }
    }
}

fn keep<T>(errors: &mut Vec<DomainError>, result: Result<T, DomainError>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(err) => {
            errors.push(err);
            None
        }
    }
}

fn optional(text: &str) -> Option<&str> {
    let t = text.trim();
    (!t.is_empty()).then_some(t)
}

fn any_date(field: &'static str, input: &str) -> Result<time::Date, DomainError> {
    crate::jalali::parse_any_date(input).map(|(d, _)| d).map_err(|err| DomainError { field, ..err })
}

fn past_date(field: &'static str, input: &str, today: time::Date) -> Result<time::Date, DomainError> {
    let date = any_date(field, input)?;
    if date > today {
        return Err(DomainError::new(field, Reason::OutOfRange));
    }
    Ok(date)
}

#[cfg(test)]
mod record_tests {
    use super::*;
    use time::macros::date;

    fn raw_person() -> RawPerson {
        RawPerson {
            national_code: "0012345679".into(),
            household: "h-1".into(),
            relationship: "head".into(),
            first_name: "علي".into(),
            last_name: "رضایی".into(),
            father_name: "حسن".into(),
            birth_date: "۱۳۶۰/۰۵/۱۲".into(),
            sex: "مرد".into(),
            income: "۱۲٬۰۰۰٬۰۰۰".into(),
            sheba: "IR110170000000123456789001".into(),
            ..RawPerson::default()
        }
    }

    #[test]
    fn a_good_person_parses_with_either_calendar() {
        let today = date!(2026 - 11 - 26);
        let p = PersonFields::parse(&raw_person(), today).unwrap();
        assert_eq!(p.birth_date, date!(1981 - 08 - 03));
        assert_eq!(p.household, "H-1");
        assert_eq!(p.income, Some(crate::Rials::new(12_000_000)));
        let iso = PersonFields::parse(&RawPerson { birth_date: "1981-08-03".into(), ..raw_person() }, today).unwrap();
        assert_eq!(iso.birth_date, p.birth_date);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let today = date!(2026 - 11 - 26);
        let raw = RawPerson {
            national_code: "0012345678".into(),
            birth_date: "1404/12/30".into(),
            sex: "x".into(),
            sheba: "IR00".into(),
            deceased_on: "1500/01/01".into(),
            ..raw_person()
        };
        let errors = PersonFields::parse(&raw, today).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["national_code", "birth_date", "sex", "sheba", "deceased_on"]);
        assert_eq!(errors[1].reason, Reason::NoSuchDate);
    }

    #[test]
    fn households_and_disabilities() {
        let today = date!(2026 - 11 - 26);
        let h = HouseholdFields::parse(&RawHousehold {
            file_number: "h-۱۲".into(),
            place: "08-01-C".into(),
            phone: "09121234567".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(h.file_number, "H-12");
        let bad = HouseholdFields::parse(&RawHousehold {
            file_number: "".into(),
            place: "".into(),
            postal_code: "12".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(bad.iter().map(|e| e.field).collect::<Vec<_>>(), ["file_number", "place", "postal_code"]);
        let d = DisabilityFields::parse(
            &RawDisability {
                national_code: "0012345679".into(),
                kind: "بینایی".into(),
                severity: "severe".into(),
                assessed_on: "1402/01/15".into(),
                valid_until: "1405/01/15".into(),
                ..Default::default()
            },
            today,
        )
        .unwrap();
        assert_eq!((d.kind, d.severity), (DisabilityType::Visual, Severity::Severe));
        let backwards = RawDisability {
            national_code: "0012345679".into(),
            kind: "motor".into(),
            severity: "mild".into(),
            assessed_on: "1402/01/15".into(),
            valid_until: "1401/01/15".into(),
            ..Default::default()
        };
        assert_eq!(DisabilityFields::parse(&backwards, today).unwrap_err()[0].field, "valid_until");
    }
}
