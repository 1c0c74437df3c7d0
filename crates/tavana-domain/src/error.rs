//! The one error type of the domain: which field was wrong and why, in both languages.

use std::fmt;

/// A value that failed to parse or a rule that was broken.
///
/// `field` names the input (`national_code`, `sheba`, `date`…) so the web layer can
/// point at it; the messages are complete sentences for a person to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainError {
    pub field: &'static str,
    pub reason: Reason,
}

/// Why a value was refused. Each reason has a Persian and an English message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    Empty,
    WrongLength {
        expected: usize,
        found: usize,
    },
    NotDigits,
    RepeatedDigit,
    BadCheckDigit,
    BadPrefix,
    NoSuchDate,
    OutOfRange,
    BadFormat,
    TooLong {
        max: usize,
    },
    TooShort {
        min: usize,
    },
    NotInList,
    /// Already registered, or changed by someone else meanwhile.
    Taken,
    /// A rule or formula that does not parse or type-check, at a character position.
    Rule {
        start: usize,
        end: usize,
        message_en: String,
        message_fa: String,
    },
    /// A business rule the value breaks, in its own words (after the field name).
    Breaks {
        message_en: String,
        message_fa: String,
    },
}

impl Reason {
    /// The reason in English, as a sentence fragment after the field name.
    pub fn english(&self) -> String {
        match self {
            Reason::Empty => "must not be empty".into(),
            Reason::WrongLength { expected, found } => {
                format!("must have {expected} characters, found {found}")
            }
            Reason::NotDigits => "must contain digits only".into(),
            Reason::RepeatedDigit => "cannot be one digit repeated".into(),
            Reason::BadCheckDigit => "has a wrong check digit".into(),
            Reason::BadPrefix => "must start with IR".into(),
            Reason::NoSuchDate => "is not a date on the calendar".into(),
            Reason::OutOfRange => "is out of the supported range".into(),
            Reason::BadFormat => "is not in the expected format".into(),
            Reason::TooLong { max } => format!("must be at most {max} characters"),
            Reason::TooShort { min } => format!("must have at least {min} characters"),
            Reason::NotInList => "is not one of the allowed values".into(),
            Reason::Taken => "is already registered, or was changed by someone else meanwhile".into(),
            Reason::Rule { start, message_en, .. } => format!("at character {}: {message_en}", start + 1),
            Reason::Breaks { message_en, .. } => message_en.clone(),
        }
    }

    /// The reason in Persian.
    pub fn persian(&self) -> String {
        use crate::text::to_persian_digits;
        match self {
            Reason::Empty => "نباید خالی باشد".into(),
            Reason::WrongLength { expected, found } => {
                to_persian_digits(&format!("باید {expected} نویسه داشته باشد، {found} نویسه دارد"))
            }
            Reason::NotDigits => "فقط باید رقم داشته باشد".into(),
            Reason::RepeatedDigit => "نمی‌تواند یک رقم تکراری باشد".into(),
            Reason::BadCheckDigit => "درست نیست: رقم کنترل آن با رقم‌های دیگرش نمی‌خواند".into(),
            Reason::BadPrefix => "باید با IR شروع شود".into(),
            Reason::NoSuchDate => "چنین تاریخی در تقویم نیست".into(),
            Reason::OutOfRange => "خارج از بازهٔ پشتیبانی‌شده است".into(),
            Reason::BadFormat => "قالب آن درست نیست".into(),
            Reason::TooLong { max } => to_persian_digits(&format!("حداکثر باید {max} نویسه باشد")),
            Reason::TooShort { min } => to_persian_digits(&format!("باید دست‌کم {min} نویسه داشته باشد")),
            Reason::NotInList => "از مقدارهای مجاز نیست".into(),
            Reason::Taken => "پیش‌تر ثبت شده یا در این فاصله کس دیگری آن را تغییر داده است".into(),
            Reason::Rule { start, message_fa, .. } => {
                to_persian_digits(&format!("در نویسهٔ {}: {message_fa}", start + 1))
            }
            Reason::Breaks { message_fa, .. } => message_fa.clone(),
        }
    }
}

impl DomainError {
    pub fn new(field: &'static str, reason: Reason) -> Self {
        Self { field, reason }
    }

    /// A business rule broken by a field, said in both languages.
    pub fn breaks(field: &'static str, message_en: impl Into<String>, message_fa: impl Into<String>) -> Self {
        Self { field, reason: Reason::Breaks { message_en: message_en.into(), message_fa: message_fa.into() } }
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.reason.english())
    }
}

impl std::error::Error for DomainError {}
