//! Persian text: digits and the normalization used for every search and comparison of
//! names.

/// Replaces Persian (۰-۹) and Arabic-Indic (٠-٩) digits with ASCII digits; other
/// characters are kept.
pub fn to_ascii_digits(input: &str) -> String {
    input.chars().map(|c| ascii_digit(c).unwrap_or(c)).collect()
}

/// The ASCII digit for a Persian, Arabic-Indic or ASCII digit.
pub fn ascii_digit(c: char) -> Option<char> {
    let zero = match c {
        '0'..='9' => return Some(c),
        '۰'..='۹' => '۰',
        '٠'..='٩' => '٠',
        _ => return None,
    };
    char::from_digit(c as u32 - zero as u32, 10)
}

/// Replaces ASCII digits with Persian digits (for display).
pub fn to_persian_digits(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32('۰' as u32 + (c as u32 - '0' as u32)).unwrap_or(c),
            _ => c,
        })
        .collect()
}

const ZWNJ: char = '\u{200C}';

/// One character as [`normalize`] sees it: its normal form, a space for a
/// separator (white space, the zero-width non-joiner), or none for a mark to drop
/// (diacritics, tatweel). Letters are not yet lower-cased.
pub fn normal_char(c: char) -> Option<char> {
    Some(match c {
        'ي' | 'ى' | 'ئ' => 'ی',
        'ك' => 'ک',
        'ة' | 'ۀ' | 'ہ' => 'ه',
        'أ' | 'إ' | 'ٱ' => 'ا',
        'ؤ' => 'و',
        '\u{064B}'..='\u{065F}' | '\u{0670}' | 'ـ' => return None,
        '۰'..='۹' | '٠'..='٩' => ascii_digit(c).unwrap_or(c),
        ZWNJ | '\u{200B}' | '\u{200D}' | '\u{FEFF}' => ' ',
        c if c.is_whitespace() => ' ',
        c => c,
    })
}

/// Normalizes Persian text for search and comparison:
///
/// - Arabic yeh and kaf (ي ى ك) become Persian (ی ک); teh marbuta and hamza forms of
///   heh become heh, alef forms (أ إ ٱ) become alef;
/// - diacritics (harakat, tanwin, shadda, superscript alef) and tatweel are removed;
/// - digits become ASCII;
/// - the zero-width non-joiner and every run of white space become one space, and the
///   ends are trimmed, so «می‌رود», «می رود» and «میرود» differ only where the words do;
/// - Latin letters are lower-cased.
///
/// Normalizing twice gives the same result as normalizing once.
pub fn normalize(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.chars() {
        let Some(mapped) = normal_char(c) else { continue };
        if mapped == ' ' {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        // Arabic-script and ASCII letters need no Unicode case tables.
        if mapped.is_ascii() {
            out.push(mapped.to_ascii_lowercase());
        } else if ('\u{0600}'..='\u{06FF}').contains(&mapped) {
            out.push(mapped);
        } else {
            out.extend(mapped.to_lowercase());
        }
    }
    out
}

/// The key names are searched and compared by: normalized, with no spaces at all,
/// so «عبدالله», «عبد الله» and «عبد‌الله» are one key.
pub fn search_key(input: &str) -> String {
    normalize(input).replace(' ', "")
}

/// Refuses free text carrying control characters (a NUL byte, escape codes…),
/// which no one types and PostgreSQL cannot store; tabs and line breaks are
/// whitespace and allowed.
pub fn plain_text(field: &'static str, text: &str) -> Result<(), crate::DomainError> {
    if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        return Err(crate::DomainError::breaks(
            field,
            "contains a control character (such as a NUL byte)",
            "نویسهٔ کنترلی (مانند بایت تهی) دارد",
        ));
    }
    Ok(())
}

/// A required free text (a reason, a legal basis): trimmed, not empty, and plain
/// (see [`plain_text`]).
pub fn required_text<'a>(field: &'static str, text: &'a str) -> Result<&'a str, crate::DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(crate::DomainError::new(field, crate::error::Reason::Empty));
    }
    plain_text(field, text)?;
    Ok(text)
}

/// A cell for a spreadsheet: one that would run as a formula (it begins with `=`,
/// `+`, `-`, `@`, a tab or a carriage return) gets a leading apostrophe, which
/// spreadsheets show as text and [`from_spreadsheet`] takes off again.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// A cell as it was before [`spreadsheet_safe`]: the apostrophe it added, taken off.
pub fn from_spreadsheet(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_required_text_is_trimmed_present_and_plain() {
        assert_eq!(required_text("reason", "  late  ").unwrap(), "late");
        assert_eq!(required_text("reason", " \n ").unwrap_err().reason, crate::error::Reason::Empty);
        assert_eq!(required_text("reason", "a\u{0}b").unwrap_err().field, "reason");
    }

    #[test]
    fn formulas_are_neutralized_for_spreadsheets_and_restored() {
        for cell in ["=HYPERLINK(\"http://x\")", "@SUM(A1)", "+1", "-1", "\tx", "\rx"] {
            let safe = spreadsheet_safe(cell);
            assert!(safe.starts_with('\''), "{cell}");
            assert_eq!(from_spreadsheet(&safe), cell);
        }
        assert_eq!(spreadsheet_safe("علی"), "علی");
        assert_eq!(from_spreadsheet("'quoted"), "'quoted");
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn arabic_letters_become_persian() {
        assert_eq!(normalize("علي"), "علی");
        assert_eq!(normalize("كاظم"), "کاظم");
        assert_eq!(normalize("فاطمة"), "فاطمه");
        assert_eq!(normalize("ي ك"), normalize("ی ک"));
    }

    #[test]
    fn zwnj_diacritics_and_spacing_are_folded() {
        assert_eq!(normalize("می\u{200C}رود"), "می رود");
        assert_eq!(normalize("  محمّد   رضا "), "محمد رضا");
        assert_eq!(normalize("مُحَمَّد"), "محمد");
        assert_eq!(normalize("كـــاظم"), "کاظم");
    }

    #[test]
    fn search_keys_ignore_spacing_variants() {
        assert_eq!(search_key("عبدالله"), search_key("عبد الله"));
        assert_eq!(search_key("عبد\u{200C}الله"), search_key("عبدالله"));
        assert_eq!(search_key("علي"), search_key("علی"));
    }

    #[test]
    fn digits_in_all_scripts_become_ascii() {
        assert_eq!(to_ascii_digits("۱۲۳٤٥٦789"), "123456789");
        assert_eq!(normalize("پلاک ۱۲"), "پلاک 12");
        assert_eq!(to_persian_digits("1403/01/01"), "۱۴۰۳/۰۱/۰۱");
    }

    proptest! {
        #[test]
        fn normalize_is_idempotent(s in "\\PC{0,40}") {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once.clone());
        }

        #[test]
        fn digits_round_trip(n in 0u64..u64::MAX) {
            let ascii = n.to_string();
            prop_assert_eq!(to_ascii_digits(&to_persian_digits(&ascii)), ascii);
        }
    }
}
