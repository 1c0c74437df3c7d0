//! The knowledge library (کتابخانهٔ تجربه): veterans' oral history. An item
//! (title, narrator, unit, topics, the day it was recorded, its transcript,
//! attached audio, video or documents) is linked to the positions whose
//! holders and successors should find it; everyone in the organization reads
//! it, and it is searched in Persian whatever the spelling.
//!
//! [`search_tokens`] is the analyzer both the index and every query use, so a
//! text and a query written differently still meet: the registry's
//! normalization (Arabic ي/ك, diacritics, tatweel, Persian and Arabic digits),
//! آ read as ا, and the detachable affixes (می/نمی/بی before a verb or word,
//! ها/های/هایی/تر/ترین after it) indexed both joined and apart, so «می‌رود»,
//! «می رود» and «میرود» give the same tokens, as do «کتاب‌ها» and «کتابها».

use crate::error::{DomainError, Reason};
use crate::hr::{code, date, required};

/// What the library lets an actor do beyond reading (which every signed-in
/// member of staff may).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LibraryAction {
    /// Record items and attach their media (HR officers, the keepers of the
    /// organization's memory).
    Record,
}

impl LibraryAction {
    pub fn granted_to(self, role: crate::iam::Role) -> bool {
        match self {
            LibraryAction::Record => role == crate::iam::Role::HrOfficer,
        }
    }

    pub fn phrase(self) -> &'static str {
        match self {
            LibraryAction::Record => "record library items",
        }
    }
}

/// An item as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RawItem {
    pub title: String,
    /// Who tells the experience.
    pub narrator: String,
    /// The org unit's code where the narrator served (`P08`).
    pub unit: String,
    /// Topics separated by commas (`,` or `،`), at most ten.
    pub topics: String,
    /// The day it was recorded (Jalali or ISO).
    pub recorded_on: String,
    pub transcript: String,
    /// The codes of the positions it serves, separated by commas.
    pub positions: String,
}

/// An item's checked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemFields {
    pub title: String,
    pub narrator: String,
    pub unit: String,
    pub topics: Vec<String>,
    pub recorded_on: time::Date,
    pub transcript: String,
    pub positions: Vec<String>,
}

/// The longest transcript, in characters (about a hundred pages).
pub const MAX_TRANSCRIPT: usize = 200_000;
/// The most topics an item carries.
pub const MAX_TOPICS: usize = 10;

fn list(value: &str) -> Vec<String> {
    value.split([',', '،']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect()
}

impl ItemFields {
    /// Checks every field and reports every problem: recorded by `today`.
    pub fn parse(raw: &RawItem, today: time::Date) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let title = required("title", &raw.title, 200, &mut errors);
        let narrator = required("narrator", &raw.narrator, 120, &mut errors);
        let unit = code("unit", &raw.unit, &mut errors);
        let topics = list(&raw.topics);
        if topics.len() > MAX_TOPICS {
            errors.push(DomainError::new("topics", Reason::TooLong { max: MAX_TOPICS }));
        } else if topics.iter().any(|t| t.chars().count() > 60) {
            errors.push(DomainError::new("topics", Reason::TooLong { max: 60 }));
        }
        let recorded_on = date("recorded_on", &raw.recorded_on, &mut errors);
        if recorded_on.is_some_and(|d| d > today) {
            errors.push(DomainError::new("recorded_on", Reason::OutOfRange));
        }
        let transcript = required("transcript", &raw.transcript, MAX_TRANSCRIPT, &mut errors);
        let mut positions = Vec::new();
        for p in list(&raw.positions) {
            if let Some(c) = code("positions", &p, &mut errors) {
                positions.push(c);
            }
        }
        for text in [&raw.title, &raw.narrator, &raw.topics, &raw.transcript] {
            if let Err(e) = crate::text::plain_text("transcript", text) {
                errors.push(e);
                break;
            }
        }
        match (title, narrator, unit, recorded_on, transcript) {
            (Some(title), Some(narrator), Some(unit), Some(recorded_on), Some(transcript)) if errors.is_empty() => {
                Ok(ItemFields { title, narrator, unit, topics, recorded_on, transcript, positions })
            }
            _ => Err(errors),
        }
    }
}

crate::coded::coded!(
    /// نوع پیوست
    MediaKind {
        Audio = "audio" "صدا",
        Video = "video" "فیلم",
        Document = "document" "سند",
    }
);

/// The largest attachment, in bytes.
pub const MAX_ATTACHMENT: usize = 50 * 1024 * 1024;

/// Every media type an attachment may have, with its kind.
pub const MEDIA_TYPES: [(MediaKind, &str); 9] = [
    (MediaKind::Document, "application/pdf"),
    (MediaKind::Document, "image/jpeg"),
    (MediaKind::Document, "image/png"),
    (MediaKind::Audio, "audio/mpeg"),
    (MediaKind::Audio, "audio/ogg"),
    (MediaKind::Audio, "audio/wav"),
    (MediaKind::Audio, "audio/mp4"),
    (MediaKind::Video, "video/mp4"),
    (MediaKind::Video, "video/webm"),
];

/// What an attachment is, from its content (never its name): its kind and
/// media type (one of [`MEDIA_TYPES`]); none for anything else.
pub fn media_type(bytes: &[u8]) -> Option<(MediaKind, &'static str)> {
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    let index = if at(0, b"%PDF-") {
        0
    } else if at(0, &[0xFF, 0xD8, 0xFF]) {
        1
    } else if at(0, b"\x89PNG\r\n\x1a\n") {
        2
    } else if at(0, b"ID3") || (bytes.len() > 1 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0) {
        3
    } else if at(0, b"OggS") {
        4
    } else if at(0, b"RIFF") && at(8, b"WAVE") {
        5
    } else if at(4, b"ftypM4A") {
        6
    } else if at(4, b"ftyp") {
        7
    } else if at(0, &[0x1A, 0x45, 0xDF, 0xA3]) {
        8
    } else {
        return None;
    };
    Some(MEDIA_TYPES[index])
}

/// A token of a text: its normal form and where it sits in the original text
/// (byte offsets, for highlighting), and its position among the words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchToken {
    pub text: String,
    pub from: usize,
    pub to: usize,
    pub position: usize,
}

/// Affixes written joined, apart or with a zero-width non-joiner; the longest first.
const PREFIXES: [&str; 3] = ["نمی", "می", "بی"];
const SUFFIXES: [&str; 5] = ["هایی", "های", "ها", "ترین", "تر"];
/// A word keeps at least this many letters when an affix is split off it.
const STEM_MIN: usize = 2;

/// Whether a token is a detachable affix alone (می, ها…): indexed so that
/// spellings meet, but no word worth marking in a passage on its own.
pub fn is_affix(token: &str) -> bool {
    PREFIXES.contains(&token) || SUFFIXES.contains(&token)
}

/// The words of a text, normalized, with their byte ranges in the original.
fn words(text: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        let mapped = match crate::text::normal_char(c) {
            None => {
                // A dropped mark belongs to the word it sits in.
                if !current.is_empty() {
                    end = i + c.len_utf8();
                }
                continue;
            }
            Some('آ') => 'ا',
            Some(m) => m,
        };
        if mapped.is_alphanumeric() {
            if current.is_empty() {
                start = i;
            }
            current.extend(mapped.to_lowercase());
            end = i + c.len_utf8();
        } else if !current.is_empty() {
            out.push((std::mem::take(&mut current), start, end));
        }
    }
    if !current.is_empty() {
        out.push((current, start, end));
    }
    out
}

/// The byte length of the first `n` characters of `s`.
fn chars_len(s: &str, n: usize) -> usize {
    s.char_indices().nth(n).map_or(s.len(), |(i, _)| i)
}

/// Tokenizes a text (an item's or a query's) for search: see the module's
/// documentation. Every spelling variant of a word gives the same set of
/// token texts.
pub fn search_tokens(text: &str) -> Vec<SearchToken> {
    let words = words(text);
    let mut out = Vec::with_capacity(words.len() * 2);
    for (position, (word, from, to)) in words.iter().enumerate() {
        let (from, to) = (*from, *to);
        out.push(SearchToken { text: word.clone(), from, to, position });
        let affix = is_affix;
        // Written apart: the joined form too.
        if let Some((next, _, next_to)) = words.get(position + 1)
            && (PREFIXES.contains(&word.as_str()) || SUFFIXES.contains(&next.as_str()))
            && !(affix(word) && affix(next))
        {
            out.push(SearchToken { text: format!("{word}{next}"), from, to: *next_to, position });
        }
        // Written joined: the parts too.
        if affix(word) {
            continue;
        }
        let letters = word.chars().count();
        let prefix = PREFIXES.iter().find(|p| word.starts_with(**p) && letters >= p.chars().count() + STEM_MIN);
        let suffix = SUFFIXES.iter().find(|s| word.ends_with(**s) && letters >= s.chars().count() + STEM_MIN);
        if let Some(p) = prefix {
            let n = p.len();
            let split = from + chars_len(&text[from..to], p.chars().count());
            out.push(SearchToken { text: (*p).to_string(), from, to: split, position });
            out.push(SearchToken { text: word[n..].to_string(), from: split, to, position });
        } else if let Some(s) = suffix {
            let n = word.len() - s.len();
            let stem_chars = word[..n].chars().count();
            let split = from + chars_len(&text[from..to], stem_chars);
            out.push(SearchToken { text: word[..n].to_string(), from, to: split, position });
            out.push(SearchToken { text: (*s).to_string(), from: split, to, position });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn set(text: &str) -> BTreeSet<String> {
        search_tokens(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn every_spelling_of_a_word_gives_the_same_tokens() {
        for variants in [
            &["می‌رود", "می رود", "میرود", "مي‌رود", "مــی‌رود"][..],
            &["کتاب‌ها", "كتابها", "کتاب ها"],
            &["نمی‌خواهم", "نمیخواهم", "نمی خواهم"],
            &["بزرگ‌ترین", "بزرگترین", "بزرگ ترین"],
            &["سال ۱۴۰۲", "سال 1402", "سال ١٤٠٢"],
            &["کِتابِ آموزش", "کتاب اموزش"],
            &["بهزیستي", "بهزیستی"],
        ] {
            let first = set(variants[0]);
            for v in &variants[1..] {
                assert_eq!(set(v), first, "{v} against {}", variants[0]);
            }
        }
        assert!(set("کتاب‌ها").contains("کتاب"), "the stem is found");
        assert!(!set("رود").contains("میرود"));
    }

    #[test]
    fn tokens_point_into_the_original_text() {
        let text = "او مي‌رود به كِتابخانه";
        for t in search_tokens(text) {
            let original = &text[t.from..t.to];
            assert!(set(original).contains(&t.text), "{t:?} from {original:?}");
        }
        let t = search_tokens("می‌رود");
        let parts: Vec<(&str, &str)> = t.iter().map(|t| (t.text.as_str(), &"می‌رود"[t.from..t.to])).collect();
        assert!(parts.contains(&("میرود", "می‌رود")) && parts.contains(&("رود", "رود")), "{parts:?}");
    }

    #[test]
    fn short_words_keep_their_letters() {
        assert_eq!(set("میز"), BTreeSet::from(["میز".to_string()]), "no stem of one letter");
        assert_eq!(set("ها"), BTreeSet::from(["ها".to_string()]));
    }

    #[test]
    fn an_item_reports_every_bad_field() {
        let today = time::macros::date!(2026 - 11 - 27);
        let raw = RawItem {
            title: "".into(),
            narrator: "".into(),
            unit: "P 08".into(),
            topics: (0..11).map(|i| format!("t{i}")).collect::<Vec<_>>().join("،"),
            recorded_on: "1410/01/01".into(),
            transcript: "".into(),
            positions: "P08-DG, bad code".into(),
        };
        let fields: Vec<&str> = ItemFields::parse(&raw, today).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["title", "narrator", "unit", "topics", "recorded_on", "transcript", "positions"]);
        let good = RawItem {
            title: "تجربهٔ راه‌اندازی مرکز روزانه".into(),
            narrator: "علی رضایی".into(),
            unit: "P08".into(),
            topics: "توانبخشی، مراکز روزانه".into(),
            recorded_on: "1403/05/01".into(),
            transcript: "در سال ۱۳۸۵ مرکز را راه انداختیم".into(),
            positions: "P08-DG".into(),
        };
        let item = ItemFields::parse(&good, today).unwrap();
        assert_eq!((item.topics.len(), item.positions), (2, vec!["P08-DG".to_string()]));
    }

    #[test]
    fn attachments_are_known_by_their_content() {
        assert_eq!(media_type(b"ID3\x04rest").map(|m| m.0), Some(MediaKind::Audio));
        assert_eq!(media_type(b"\0\0\0\x20ftypisom").map(|m| m.0), Some(MediaKind::Video));
        assert_eq!(media_type(b"%PDF-1.4").map(|m| m.1), Some("application/pdf"));
        assert_eq!(media_type(b"MZ\x90\0"), None, "an executable is refused");
    }
}
