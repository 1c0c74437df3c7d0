//! The variables eligibility rules may use. Each is documented in both languages;
//! the store computes every one of them for a person in SQL, and the same values
//! feed the interpreter.

use super::rule::{Type, Variable};

const fn var(name: &'static str, ty: Type, doc_en: &'static str, doc_fa: &'static str) -> Variable {
    Variable { name, ty, doc_en, doc_fa }
}

/// Every variable of the rule language.
pub const VARIABLES: &[Variable] = &[
    var("person.age", Type::Int, "age in whole years today", "سن به سال تمام"),
    var("person.sex", Type::Str, "male or female", "جنسیت: male یا female"),
    var("person.alive", Type::Bool, "not recorded as deceased", "در قید حیات"),
    var("person.marital_status", Type::Str, "single, married, divorced or widowed", "وضعیت تأهل"),
    var(
        "person.education",
        Type::Str,
        "none, literacy, primary, secondary, diploma, associate, bachelor, master, doctorate",
        "تحصیلات",
    ),
    var(
        "person.employment",
        Type::Str,
        "employed, unemployed, student, homemaker, retired, unable_to_work, child",
        "وضعیت اشتغال",
    ),
    var(
        "person.relationship",
        Type::Str,
        "relationship to the head: head, spouse, child, parent, sibling, grandchild, other_relative, non_relative",
        "نسبت با سرپرست",
    ),
    var("person.income", Type::Int, "monthly income in rials (unknown when not recorded)", "درآمد ماهانه به ریال"),
    var("person.income_decile", Type::Int, "income decile, 1 (poorest) to 10", "دهک درآمدی"),
    var("person.has_sheba", Type::Bool, "a bank account (SHEBA) is recorded", "شمارهٔ شبا ثبت شده است"),
    var("household.size", Type::Int, "living members of the person's household", "شمار اعضای زندهٔ خانوار"),
    var(
        "household.members_with_disability",
        Type::Int,
        "living members with a disability assessment",
        "شمار اعضای دارای معلولیت",
    ),
    var(
        "household.members_with_severe_disability",
        Type::Int,
        "living members assessed severe or very severe",
        "شمار اعضای دارای معلولیت شدید یا خیلی شدید",
    ),
    var("household.female_headed", Type::Bool, "the head of the household is a woman", "سرپرست خانوار زن است"),
    var("disability.assessed", Type::Bool, "the person has a disability assessment", "ارزیابی معلولیت دارد"),
    var(
        "disability.severity",
        Type::Str,
        "the most severe assessment: mild, moderate, severe or very_severe",
        "شدیدترین ارزیابی معلولیت",
    ),
    var(
        "disability.severity_rank",
        Type::Int,
        "0 without an assessment, 1 mild … 4 very severe",
        "رتبهٔ شدت: ۰ بدون ارزیابی تا ۴ خیلی شدید",
    ),
    var("place.province", Type::Str, "the province's two-digit code (08 Tehran)", "کد دو رقمی استان"),
    var("place.county", Type::Str, "the county's code (08-01)", "کد شهرستان"),
    var("place.rural", Type::Bool, "the household lives in a village", "خانوار روستانشین است"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_documented() {
        for (i, v) in VARIABLES.iter().enumerate() {
            assert!(!v.doc_en.is_empty() && !v.doc_fa.is_empty(), "{}", v.name);
            assert!(VARIABLES[i + 1..].iter().all(|w| w.name != v.name), "{} twice", v.name);
            assert!(v.name.contains('.'));
        }
    }
}
