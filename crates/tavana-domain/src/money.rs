//! Money: whole rials in an `i64`, never floats.

use crate::error::{DomainError, Reason};
use crate::text::{to_ascii_digits, to_persian_digits};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, Neg, Sub};

/// An amount in Iranian rials (ریال). Ten rials are one toman (تومان).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rials(i64);

impl Rials {
    pub const ZERO: Rials = Rials(0);

    pub const fn new(rials: i64) -> Self {
        Self(rials)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    /// Parses an amount in rials; accepts Persian digits and the thousands separators
    /// `,` `٬` and `،`.
    pub fn parse(field: &'static str, input: &str) -> Result<Self, DomainError> {
        let ascii: String =
            to_ascii_digits(input.trim()).chars().filter(|c| !matches!(c, ',' | '٬' | '،' | ' ')).collect();
        if ascii.is_empty() {
            return Err(DomainError::new(field, Reason::Empty));
        }
        ascii.parse::<i64>().map(Self).map_err(|_| DomainError::new(field, Reason::NotDigits))
    }

    pub fn checked_add(self, other: Rials) -> Option<Rials> {
        self.0.checked_add(other.0).map(Rials)
    }

    /// Multiplies by a whole count (households, months), refusing overflow.
    pub fn checked_mul(self, count: i64) -> Option<Rials> {
        self.0.checked_mul(count).map(Rials)
    }

    /// Whole tomans, rounded toward zero.
    pub fn tomans(self) -> i64 {
        self.0 / 10
    }

    /// `1,250,000` with ASCII digits and thousands separators.
    pub fn grouped(self) -> String {
        group_thousands(self.0, ',')
    }

    /// `۱٬۲۵۰٬۰۰۰ ریال`: Persian digits, the Arabic thousands separator.
    pub fn to_persian_rials(self) -> String {
        format!("{} ریال", to_persian_digits(&group_thousands(self.0, '٬')))
    }

    /// `۱۲۵٬۰۰۰ تومان`.
    pub fn to_persian_tomans(self) -> String {
        format!("{} تومان", to_persian_digits(&group_thousands(self.tomans(), '٬')))
    }
}

fn group_thousands(value: i64, separator: char) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

impl Add for Rials {
    type Output = Rials;
    fn add(self, other: Rials) -> Rials {
        Rials(self.0 + other.0)
    }
}

impl Sub for Rials {
    type Output = Rials;
    fn sub(self, other: Rials) -> Rials {
        Rials(self.0 - other.0)
    }
}

impl Neg for Rials {
    type Output = Rials;
    fn neg(self) -> Rials {
        Rials(-self.0)
    }
}

impl std::iter::Sum for Rials {
    fn sum<I: Iterator<Item = Rials>>(iter: I) -> Rials {
        iter.fold(Rials::ZERO, Add::add)
    }
}

impl fmt::Display for Rials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} IRR", self.grouped())
    }
}

impl fmt::Debug for Rials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rials({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_in_rials_and_tomans() {
        let pension = Rials::new(12_500_000);
        assert_eq!(pension.grouped(), "12,500,000");
        assert_eq!(pension.to_persian_rials(), "۱۲٬۵۰۰٬۰۰۰ ریال");
        assert_eq!(pension.to_persian_tomans(), "۱٬۲۵۰٬۰۰۰ تومان");
        assert_eq!(Rials::new(-1_000).grouped(), "-1,000");
        assert_eq!(Rials::new(999).grouped(), "999");
        assert_eq!(Rials::ZERO.to_persian_rials(), "۰ ریال");
    }

    #[test]
    fn parses_persian_amounts() {
        assert_eq!(Rials::parse("amount", "۱۲٬۵۰۰٬۰۰۰"), Ok(Rials::new(12_500_000)));
        assert_eq!(Rials::parse("amount", "12,500,000"), Ok(Rials::new(12_500_000)));
        assert_eq!(Rials::parse("amount", "").unwrap_err().reason, Reason::Empty);
        assert_eq!(Rials::parse("amount", "12.5").unwrap_err().field, "amount");
    }

    proptest! {
        #[test]
        fn grouped_text_parses_back(v in any::<i64>()) {
            let r = Rials::new(v);
            prop_assert_eq!(Rials::parse("amount", &r.grouped()), Ok(r));
            let persian = to_persian_digits(&group_thousands(v, '٬'));
            prop_assert_eq!(Rials::parse("amount", &persian), Ok(r));
        }

        #[test]
        fn sums_are_exact(values in proptest::collection::vec(-1_000_000_000_000i64..1_000_000_000_000, 0..50)) {
            let total: Rials = values.iter().copied().map(Rials::new).sum();
            prop_assert_eq!(total.get(), values.iter().sum::<i64>());
        }
    }
}
