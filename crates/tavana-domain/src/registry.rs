//! The comprehensive database (پایگاه جامع): the coded values of households, persons
//! and disability assessments, and the checked types of their free-text fields.

use crate::error::{DomainError, Reason};
use crate::text::{ascii_digit, normalize};
use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

/// Defines a closed set of coded values, each with its stored code and Persian
/// label; `parse` accepts either (and the Persian label normalized).
macro_rules! coded {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal $fa:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The code stored in the database and files.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)* }
            }

            pub fn label_fa(self) -> &'static str {
                match self { $($name::$variant => $fa,)* }
            }

            /// Reads a code (`very_severe`) or a Persian label (`خیلی شدید`).
            pub fn parse(field: &'static str, input: &str) -> Result<Self, DomainError> {
                let trimmed = input.trim();
                if trimmed.is_empty() {
                    return Err(DomainError::new(field, Reason::Empty));
                }
                let lower = trimmed.to_lowercase().replace([' ', '-'], "_");
                let norm = normalize(trimmed);
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == lower || normalize(v.label_fa()) == norm)
                    .ok_or(DomainError::new(field, Reason::NotInList))
            }
        }
    };
}

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

    pub fn parse(field: &'static str, input: &str) -> Result<Self, DomainError> {
        let collapsed = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err(DomainError::new(field, Reason::Empty));
        }
        if collapsed.graphemes(true).count() > Self::MAX {
            return Err(DomainError::new(field, Reason::TooLong { max: Self::MAX }));
        }
        let allowed =
            |c: char| c.is_alphabetic() || c.is_mark_like() || matches!(c, ' ' | '\u{200C}' | '-' | '\'' | '.');
        if !collapsed.chars().all(allowed) || !collapsed.chars().next().is_some_and(char::is_alphabetic) {
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

trait MarkLike {
    fn is_mark_like(self) -> bool;
}

impl MarkLike for char {
    /// Arabic-script diacritics and the superscript alef, which names may carry.
    fn is_mark_like(self) -> bool {
        matches!(self, '\u{064B}'..='\u{065F}' | '\u{0670}')
    }
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
        assert_eq!(name.as_str(), "محمد علي");
        assert_eq!(name.normalized(), "محمد علی");
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
