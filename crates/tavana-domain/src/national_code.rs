//! The national code (کد ملی): the ten-digit identifier of every Iranian.

use crate::error::{DomainError, Reason};
use crate::text::ascii_digit;
use std::fmt;

/// A valid national code (کد ملی): ten digits, the last a check digit over the first
/// nine, not one digit repeated.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NationalCode([u8; 10]);

const FIELD: &str = "national_code";

impl NationalCode {
    /// Parses a national code typed with ASCII, Persian or Arabic-Indic digits;
    /// surrounding white space and dashes are ignored.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let err = |reason| DomainError::new(FIELD, reason);
        let mut digits = [0u8; 10];
        let mut count = 0usize;
        for c in input.trim().chars() {
            if c == '-' || c == ' ' {
                continue;
            }
            let d = ascii_digit(c).ok_or(err(Reason::NotDigits))?;
            if count < 10 {
                digits[count] = d as u8 - b'0';
            }
            count += 1;
        }
        if count == 0 {
            return Err(err(Reason::Empty));
        }
        if count != 10 {
            return Err(err(Reason::WrongLength { expected: 10, found: count }));
        }
        if digits.iter().all(|&d| d == digits[0]) {
            return Err(err(Reason::RepeatedDigit));
        }
        if digits[9] != check_digit(&digits[..9]) {
            return Err(err(Reason::BadCheckDigit));
        }
        Ok(Self(digits))
    }

    /// Completes nine digits with their check digit. Returns `None` when the result
    /// would be one digit repeated.
    pub fn from_first_nine(first: [u8; 9]) -> Option<Self> {
        let mut digits = [0u8; 10];
        for (slot, d) in digits.iter_mut().zip(first) {
            *slot = d % 10;
        }
        digits[9] = check_digit(&digits[..9]);
        if digits.iter().all(|&d| d == digits[0]) {
            return None;
        }
        Some(Self(digits))
    }

    /// The code as a number (leading zeros dropped), a compact exact key.
    pub fn as_u64(&self) -> u64 {
        self.0.iter().fold(0u64, |n, d| n * 10 + u64::from(*d))
    }

    /// The ten ASCII digits.
    pub fn as_string(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

/// The check digit of the first nine digits: weights 10..2, `r = sum mod 11`,
/// check = `r` when `r < 2`, else `11 - r`.
fn check_digit(first_nine: &[u8]) -> u8 {
    let sum: u32 = first_nine.iter().zip((2..=10u32).rev()).map(|(&d, w)| u32::from(d) * w).sum();
    let r = (sum % 11) as u8;
    if r < 2 { r } else { 11 - r }
}

impl fmt::Display for NationalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_string())
    }
}

impl fmt::Debug for NationalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NationalCode({})", self.as_string())
    }
}

impl std::str::FromStr for NationalCode {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(input: &str, expected: Result<&str, Reason>) {
        let got = NationalCode::parse(input).map(|c| c.as_string()).map_err(|e| e.reason);
        assert_eq!(got, expected.map(str::to_string), "input {input:?}");
    }

    #[test]
    fn known_vectors() {
        check("0012345679", Ok("0012345679"));
        assert_eq!(NationalCode::parse("0012345679").map(|c| c.as_u64()), Ok(12_345_679));
        check("1234567891", Ok("1234567891"));
        check("۰۰۱۲۳۴۵۶۷۹", Ok("0012345679"));
        check("٠٠١٢٣٤٥٦٧٩", Ok("0012345679"));
        check(" 001-234567-9 ", Ok("0012345679"));
        check("0012345678", Err(Reason::BadCheckDigit));
        check("1111111111", Err(Reason::RepeatedDigit));
        check("0000000000", Err(Reason::RepeatedDigit));
        check("123", Err(Reason::WrongLength { expected: 10, found: 3 }));
        check("12345678901", Err(Reason::WrongLength { expected: 10, found: 11 }));
        check("", Err(Reason::Empty));
        check("00123a5679", Err(Reason::NotDigits));
    }

    proptest! {
        #[test]
        fn completed_codes_parse_and_round_trip(first in proptest::array::uniform9(0u8..10)) {
            if let Some(code) = NationalCode::from_first_nine(first) {
                let text = code.as_string();
                prop_assert_eq!(NationalCode::parse(&text), Ok(code));
                let persian = crate::text::to_persian_digits(&text);
                prop_assert_eq!(NationalCode::parse(&persian), Ok(code));
            }
        }

        #[test]
        fn changing_the_check_digit_is_refused(first in proptest::array::uniform9(0u8..10), delta in 1u8..10) {
            if let Some(code) = NationalCode::from_first_nine(first) {
                let mut text: Vec<u8> = code.as_string().into_bytes();
                text[9] = b'0' + (text[9] - b'0' + delta) % 10;
                let wrong = String::from_utf8(text).unwrap_or_default();
                prop_assert!(NationalCode::parse(&wrong).is_err());
            }
        }

        #[test]
        fn arbitrary_input_never_panics(s in "\\PC{0,20}") {
            let _ = NationalCode::parse(&s);
        }
    }
}
