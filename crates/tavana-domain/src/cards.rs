//! Intercity travel discount cards (کارت تخفیف سفر بین‌شهری), which the
//! disability-support law grants persons with a current severe or very severe
//! assessment. A card's number is its serial with a Luhn check digit, so a
//! number mistyped by a transport operator is refused before it is looked up.
//! A card is valid for a year from its issue, never beyond the assessment it
//! rests on, and only while that assessment stands.

use crate::coded::coded;

coded!(
    /// چرا کارت باطل شد
    RevokeReason {
        Expired = "expired" "مدت اعتبار کارت گذشته است",
        Reassessed = "reassessed" "ارزیابی تازه معلولیت را شدید یا خیلی شدید ندانسته است",
        Deceased = "deceased" "دارندهٔ کارت فوت کرده است",
        Merged = "merged" "پروندهٔ دارنده در پروندهٔ دیگری ادغام شده است",
    }
);

/// The law a card rests on, and so its revocation.
pub const LEGAL_BASIS: &str = "قانون حمایت از حقوق افراد دارای معلولیت (۱۳۹۶)، تخفیف سفرهای بین‌شهری";

/// How long a card is valid from its issue.
pub const CARD_DAYS: i64 = 365;

/// A card's printed number: the serial in ten digits and a Luhn check digit.
pub fn card_number(serial: i64) -> String {
    let digits = format!("{serial:010}");
    format!("{digits}{}", luhn_digit(&digits))
}

/// The serial of a printed number (digits only, Persian digits and spaces
/// allowed), or `None` when it is not a card number or its check digit is wrong.
pub fn card_serial(number: &str) -> Option<i64> {
    let ascii = crate::text::to_ascii_digits(number);
    let digits: String = ascii.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if digits.len() != 11 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (body, check) = digits.split_at(10);
    (luhn_digit(body).to_string() == check).then(|| body.parse().ok()).flatten()
}

fn luhn_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// The last day a card issued on `issued` is valid: a year on, or the day the
/// assessment it rests on lapses if that is sooner.
pub fn valid_until(issued: time::Date, assessment_lapses: Option<time::Date>) -> time::Date {
    let year = issued + time::Duration::days(CARD_DAYS);
    assessment_lapses.map_or(year, |lapses| lapses.min(year))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_card_number_carries_its_serial_and_a_check_digit() {
        for serial in [0, 1, 42, 9_999_999_999] {
            assert_eq!(card_serial(&card_number(serial)), Some(serial), "{serial}");
        }
        let number = card_number(1234);
        assert_eq!(number.len(), 11);
        let persian = crate::text::to_persian_digits(&number);
        assert_eq!(card_serial(&persian), Some(1234));
        // One digit changed, two neighbours swapped, too short: refused.
        let mut wrong = number.clone().into_bytes();
        wrong[3] = if wrong[3] == b'9' { b'0' } else { wrong[3] + 1 };
        assert_eq!(card_serial(std::str::from_utf8(&wrong).unwrap()), None);
        let swapped = format!("{}{}{}{}", &number[..8], &number[9..10], &number[8..9], &number[10..]);
        if swapped != number {
            assert_eq!(card_serial(&swapped), None, "{swapped}");
        }
        assert_eq!(card_serial("123"), None);
        assert_eq!(card_serial("abcdefghijk"), None);
    }

    #[test]
    fn a_card_is_valid_for_a_year_and_never_beyond_its_assessment() {
        let issued = date!(2026 - 11 - 27);
        assert_eq!(valid_until(issued, None), date!(2027 - 11 - 27));
        assert_eq!(valid_until(issued, Some(date!(2027 - 03 - 20))), date!(2027 - 03 - 20));
        assert_eq!(valid_until(issued, Some(date!(2030 - 01 - 01))), date!(2027 - 11 - 27));
    }
}
