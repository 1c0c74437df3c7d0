//! Forms built from a list of fields: each with its label in the user's language,
//! the value typed so far, and the error for it, if any.

use crate::error::{field_en, field_fa};
use crate::i18n::Lang;
use tavana_domain::DomainError;

/// One option of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One input of a form.
pub struct FormField {
    pub name: &'static str,
    pub label: String,
    pub value: String,
    pub error: Option<String>,
    /// Options for a select; empty for a text input.
    pub options: Vec<Choice>,
    /// Digits, codes and dates read left to right.
    pub ltr: bool,
    pub required: bool,
    pub hint: Option<&'static str>,
    /// The id of a list of suggestions the page carries (a `datalist`).
    pub list: Option<&'static str>,
    /// Choices that narrow the suggestions first (a place's county, for a user
    /// whose offices cover several): `(code, label)`. Empty for most fields.
    pub narrow: Vec<(String, String)>,
}

/// What kind of input a field is.
pub enum Kind {
    Text,
    /// Left-to-right text: codes, numbers.
    Ltr,
    /// A date in Jalali or ISO.
    Date,
    /// One of the (code, Persian label) pairs; `optional` adds an empty choice.
    Coded {
        options: Vec<(&'static str, &'static str)>,
        optional: bool,
    },
    /// A village or city: its code or its name, picked from the page's `places`
    /// list.
    Place,
}

/// The label of a field in the language.
pub fn label(lang: Lang, field: &str) -> String {
    match lang {
        Lang::Fa => field_fa(field),
        Lang::En => field_en(field),
    }
}

/// The message for a field's error in the language.
pub fn message(lang: Lang, error: &DomainError) -> String {
    match lang {
        Lang::Fa => format!("{} {}.", field_fa(error.field), error.reason.persian()),
        Lang::En => format!("{} {}.", field_en(error.field), error.reason.english()),
    }
}

/// Builds the fields of a form from their specs, the values typed (a serialized raw
/// record) and the errors found.
pub fn fields(
    lang: Lang,
    specs: Vec<(&'static str, Kind, bool)>,
    values: &serde_json::Value,
    errors: &[DomainError],
) -> Vec<FormField> {
    specs
        .into_iter()
        .map(|(name, kind, required)| {
            let value = values.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let error = errors.iter().find(|e| e.field == name).map(|e| message(lang, e));
            let list = matches!(kind, Kind::Place).then_some("places");
            let (options, ltr, hint) = match kind {
                Kind::Text | Kind::Place => (Vec::new(), false, None),
                Kind::Ltr => (Vec::new(), true, None),
                Kind::Date => (Vec::new(), true, Some("۱۳۶۰/۰۵/۱۲ | 1981-08-03")),
                Kind::Coded { options, optional } => {
                    let mut choices: Vec<Choice> = Vec::new();
                    if optional || value.is_empty() {
                        choices.push(Choice { value: String::new(), label: "—".into(), selected: value.is_empty() });
                    }
                    choices.extend(options.into_iter().map(|(code, fa)| Choice {
                        value: code.to_string(),
                        label: match lang {
                            Lang::Fa => fa.to_string(),
                            Lang::En => code.replace('_', " "),
                        },
                        selected: value == code,
                    }));
                    (choices, false, None)
                }
            };
            FormField {
                name,
                label: label(lang, name),
                value,
                error,
                options,
                ltr,
                required,
                hint,
                list,
                narrow: Vec::new(),
            }
        })
        .collect()
}

/// The (code, Persian label) pairs of a coded type, for a select.
pub fn coded_options<T: tavana_domain::coded::Coded>() -> Vec<(&'static str, &'static str)> {
    T::ALL.iter().map(|v| (v.code(), v.label_fa())).collect()
}

/// The value of `key` in a form read as pairs (forms with repeated keys, such as
/// checkboxes, are read so); empty when absent.
pub fn value_of(pairs: &[(String, String)], key: &str) -> String {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
}
