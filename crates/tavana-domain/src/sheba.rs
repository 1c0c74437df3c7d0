//! SHEBA (شبا): the Iranian IBAN every pension is paid to.

use crate::error::{DomainError, Reason};
use crate::text::ascii_digit;
use std::fmt;

/// A valid SHEBA number: `IR`, two check digits and 22 more digits (26 characters),
/// passing the ISO 7064 mod 97-10 check.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sheba([u8; 24]);

const FIELD: &str = "sheba";

/// An Iranian bank as identified by the three-digit code in a SHEBA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bank {
    pub code: &'static str,
    pub name_fa: &'static str,
    pub name_en: &'static str,
}

/// Iranian banks and credit institutions by the code in their SHEBA numbers
/// (digits 5-7), as the Central Bank lists them; merged institutions keep their
/// codes, since accounts opened with them are still paid to.
pub const BANKS: &[Bank] = &[
    Bank {
        code: "010", name_fa: "بانک مرکزی جمهوری اسلامی ایران", name_en: "Central Bank of Iran"
    },
    Bank { code: "011", name_fa: "بانک صنعت و معدن", name_en: "Bank of Industry and Mine" },
    Bank { code: "012", name_fa: "بانک ملت", name_en: "Bank Mellat" },
    Bank { code: "013", name_fa: "بانک رفاه کارگران", name_en: "Refah Bank" },
    Bank { code: "014", name_fa: "بانک مسکن", name_en: "Bank Maskan" },
    Bank { code: "015", name_fa: "بانک سپه", name_en: "Bank Sepah" },
    Bank { code: "016", name_fa: "بانک کشاورزی", name_en: "Bank Keshavarzi" },
    Bank { code: "017", name_fa: "بانک ملی ایران", name_en: "Bank Melli Iran" },
    Bank { code: "018", name_fa: "بانک تجارت", name_en: "Tejarat Bank" },
    Bank { code: "019", name_fa: "بانک صادرات ایران", name_en: "Bank Saderat Iran" },
    Bank {
        code: "020", name_fa: "بانک توسعه صادرات ایران", name_en: "Export Development Bank of Iran"
    },
    Bank { code: "021", name_fa: "پست بانک ایران", name_en: "Post Bank of Iran" },
    Bank { code: "022", name_fa: "بانک توسعه تعاون", name_en: "Tose'e Ta'avon Bank" },
    Bank { code: "051", name_fa: "مؤسسه اعتباری توسعه", name_en: "Tose'e Credit Institution" },
    Bank { code: "052", name_fa: "بانک قوامین", name_en: "Ghavamin Bank" },
    Bank { code: "053", name_fa: "بانک کارآفرین", name_en: "Karafarin Bank" },
    Bank { code: "054", name_fa: "بانک پارسیان", name_en: "Parsian Bank" },
    Bank { code: "055", name_fa: "بانک اقتصاد نوین", name_en: "EN Bank" },
    Bank { code: "056", name_fa: "بانک سامان", name_en: "Saman Bank" },
    Bank { code: "057", name_fa: "بانک پاسارگاد", name_en: "Bank Pasargad" },
    Bank { code: "058", name_fa: "بانک سرمایه", name_en: "Sarmayeh Bank" },
    Bank { code: "059", name_fa: "بانک سینا", name_en: "Sina Bank" },
    Bank { code: "060", name_fa: "بانک قرض‌الحسنه مهر ایران", name_en: "Mehr Iran Bank" },
    Bank { code: "061", name_fa: "بانک شهر", name_en: "City Bank" },
    Bank { code: "062", name_fa: "بانک آینده", name_en: "Ayandeh Bank" },
    Bank { code: "063", name_fa: "بانک انصار", name_en: "Ansar Bank" },
    Bank { code: "064", name_fa: "بانک گردشگری", name_en: "Tourism Bank" },
    Bank { code: "065", name_fa: "بانک حکمت ایرانیان", name_en: "Hekmat Iranian Bank" },
    Bank { code: "066", name_fa: "بانک دی", name_en: "Bank Dey" },
    Bank { code: "069", name_fa: "بانک ایران زمین", name_en: "Iran Zamin Bank" },
    Bank { code: "070", name_fa: "بانک قرض‌الحسنه رسالت", name_en: "Resalat Bank" },
    Bank { code: "073", name_fa: "مؤسسه اعتباری کوثر", name_en: "Kosar Credit Institution" },
    Bank { code: "075", name_fa: "مؤسسه اعتباری ملل", name_en: "Melal Credit Institution" },
    Bank { code: "078", name_fa: "بانک خاورمیانه", name_en: "Middle East Bank" },
    Bank { code: "079", name_fa: "بانک مهر اقتصاد", name_en: "Mehr Eqtesad Bank" },
    Bank { code: "080", name_fa: "مؤسسه اعتباری نور", name_en: "Noor Credit Institution" },
    Bank { code: "095", name_fa: "بانک ایران و ونزوئلا", name_en: "Iran-Venezuela Bi-National Bank" },
];

impl Sheba {
    /// Parses a SHEBA typed with or without spaces, in any digit script, with the
    /// `IR` prefix in either case.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let err = |reason| DomainError::new(FIELD, reason);
        let compact: Vec<char> = input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if compact.is_empty() {
            return Err(err(Reason::Empty));
        }
        let prefix: String = compact.iter().take(2).collect::<String>().to_uppercase();
        if prefix != "IR" {
            return Err(err(Reason::BadPrefix));
        }
        let mut digits = [0u8; 24];
        let rest = &compact[2..];
        for (i, &c) in rest.iter().enumerate() {
            let d = ascii_digit(c).ok_or(err(Reason::NotDigits))?;
            if i < 24 {
                digits[i] = d as u8 - b'0';
            }
        }
        if rest.len() != 24 {
            return Err(err(Reason::WrongLength { expected: 26, found: compact.len() }));
        }
        if mod97(&digits) != 1 {
            return Err(err(Reason::BadCheckDigit));
        }
        Ok(Self(digits))
    }

    /// Builds the SHEBA for a 22-digit basic bank account number (BBAN) by computing
    /// its check digits.
    pub fn from_bban(bban: [u8; 22]) -> Self {
        let mut digits = [0u8; 24];
        for (slot, d) in digits[2..].iter_mut().zip(bban) {
            *slot = d % 10;
        }
        let remainder = mod97(&digits);
        let check = 98 - remainder as u8;
        digits[0] = check / 10;
        digits[1] = check % 10;
        Self(digits)
    }

    /// The 26-character SHEBA, `IR` followed by 24 digits.
    pub fn as_string(&self) -> String {
        let mut s = String::with_capacity(26);
        s.push_str("IR");
        s.extend(self.0.iter().map(|d| char::from(b'0' + d)));
        s
    }

    /// The three-digit bank code (digits 5-7 of the SHEBA).
    pub fn bank_code(&self) -> String {
        self.0[2..5].iter().map(|d| char::from(b'0' + d)).collect()
    }

    /// The bank this SHEBA belongs to, when it is one of [`BANKS`].
    pub fn bank(&self) -> Option<&'static Bank> {
        let code = self.bank_code();
        BANKS.iter().find(|b| b.code == code)
    }
}

/// ISO 7064 mod 97-10 over the rearranged IBAN: the 22 BBAN digits, then `IR` as
/// 18 27, then the two check digits. `digits` holds check digits then BBAN.
fn mod97(digits: &[u8; 24]) -> u32 {
    let rearranged = digits[2..].iter().copied().chain([1, 8, 2, 7]).chain(digits[..2].iter().copied());
    rearranged.fold(0u32, |acc, d| (acc * 10 + u32::from(d)) % 97)
}

impl fmt::Display for Sheba {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_string())
    }
}

impl fmt::Debug for Sheba {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sheba({})", self.as_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_vectors() {
        let sheba = Sheba::parse("IR062960000000100324200001").unwrap();
        assert_eq!(sheba.bank_code(), "296");
        assert!(sheba.bank().is_none());
        let melli = Sheba::parse("ir11 0170 0000 0012 3456 7890 01").unwrap();
        assert_eq!(melli.as_string(), "IR110170000000123456789001");
        assert_eq!(melli.bank().map(|b| b.name_en), Some("Bank Melli Iran"));
        // Codes are unique, and credit institutions and merged banks are known too.
        let mut codes: Vec<&str> = BANKS.iter().map(|b| b.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), BANKS.len());
        for code in ["051", "063", "075", "080", "095"] {
            assert!(BANKS.iter().any(|b| b.code == code), "{code}");
        }
        let persian = Sheba::parse("IR۱۱۰۱۷۰۰۰۰۰۰۰۱۲۳۴۵۶۷۸۹۰۰۱").unwrap();
        assert_eq!(persian, melli);
    }

    #[test]
    fn refusals_name_the_reason() {
        let reason = |s: &str| Sheba::parse(s).unwrap_err().reason;
        assert_eq!(reason("IR120170000000123456789001"), Reason::BadCheckDigit);
        assert_eq!(reason("DE820170000000123456789001"), Reason::BadPrefix);
        assert_eq!(reason("IR1101700000001234"), Reason::WrongLength { expected: 26, found: 18 });
        assert_eq!(reason("IR11017000000012345678900X"), Reason::NotDigits);
        assert_eq!(reason("  "), Reason::Empty);
        assert_eq!(Sheba::parse("IR12").unwrap_err().field, "sheba");
    }

    proptest! {
        #[test]
        fn built_shebas_parse_and_round_trip(bban in proptest::array::uniform22(0u8..10)) {
            let sheba = Sheba::from_bban(bban);
            prop_assert_eq!(Sheba::parse(&sheba.as_string()), Ok(sheba));
        }

        #[test]
        fn a_changed_digit_is_caught(bban in proptest::array::uniform22(0u8..10), pos in 2usize..26, delta in 1u8..10) {
            let mut text = Sheba::from_bban(bban).as_string().into_bytes();
            text[pos] = b'0' + (text[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(text).unwrap_or_default();
            prop_assert!(Sheba::parse(&changed).is_err());
        }
    }
}
