//! The variables eligibility rules may use. Each is documented in both languages
//! with the values it can take; the store computes every one of them for a person
//! in SQL, as of a stated date, and the same values feed the interpreter.

use super::rule::{Domain, Type, Variable};
use crate::registry::{Education, EmploymentStatus, MaritalStatus, Relationship, Severity, Sex};

const fn var(name: &'static str, ty: Type, domain: Domain, doc_en: &'static str, doc_fa: &'static str) -> Variable {
    Variable { name, ty, doc_en, doc_fa, domain }
}

/// The largest monthly income the registry records for a person, in rials.
pub const MAX_INCOME: i64 = 100_000_000_000;
/// The most living members a household's counts are given for; beyond it they
/// are unknown (no real household comes near).
pub const MAX_MEMBERS: i64 = 1_000;
/// The oldest age counted: older persons are given this age.
pub const MAX_AGE: i64 = 150;
/// The largest monthly amount a benefit formula may give one beneficiary, in rials.
pub const MAX_AMOUNT: i64 = 100_000_000_000;

macro_rules! codes {
    ($t:ty) => {
        || <$t>::ALL.iter().map(|v| (v.code(), v.label_fa())).collect()
    };
}

fn severities() -> Vec<(&'static str, &'static str)> {
    let mut codes = vec![("none", "بدون ارزیابی")];
    codes.extend(Severity::ALL.iter().map(|v| (v.code(), v.label_fa())));
    codes
}

const COUNT: Domain = Domain::Range(0, MAX_MEMBERS);

/// Every variable of the rule language.
pub const VARIABLES: &[Variable] = &[
    var(
        "person.age",
        Type::Int,
        Domain::Range(0, MAX_AGE),
        "age in whole Jalali years on the as-of date",
        "سن به سال تمام شمسی در تاریخ محاسبه",
    ),
    var("person.sex", Type::Str, Domain::Codes(codes!(Sex)), "male or female", "جنسیت: male یا female"),
    var("person.alive", Type::Bool, Domain::Any, "not recorded as deceased", "در قید حیات"),
    var(
        "person.marital_status",
        Type::Str,
        Domain::Codes(codes!(MaritalStatus)),
        "single, married, divorced or widowed",
        "وضعیت تأهل",
    ),
    var(
        "person.education",
        Type::Str,
        Domain::Codes(codes!(Education)),
        "none, literacy, primary, secondary, diploma, associate, bachelor, master, doctorate",
        "تحصیلات",
    ),
    var(
        "person.employment",
        Type::Str,
        Domain::Codes(codes!(EmploymentStatus)),
        "employed, unemployed, student, homemaker, retired, unable_to_work, child",
        "وضعیت اشتغال",
    ),
    var(
        "person.relationship",
        Type::Str,
        Domain::Codes(codes!(Relationship)),
        "relationship to the head: head, spouse, child, parent, sibling, grandchild, other_relative, non_relative",
        "نسبت با سرپرست",
    ),
    var(
        "person.income",
        Type::Int,
        Domain::Range(0, MAX_INCOME),
        "monthly income in rials (unknown when not recorded)",
        "درآمد ماهانه به ریال",
    ),
    var("person.income_decile", Type::Int, Domain::Range(1, 10), "income decile, 1 (poorest) to 10", "دهک درآمدی"),
    var("person.has_sheba", Type::Bool, Domain::Any, "a bank account (SHEBA) is recorded", "شمارهٔ شبا ثبت شده است"),
    var("household.size", Type::Int, COUNT, "living members of the person's household", "شمار اعضای زندهٔ خانوار"),
    var(
        "household.members_with_disability",
        Type::Int,
        COUNT,
        "living members with a current valid disability assessment",
        "شمار اعضای دارای ارزیابی معتبر معلولیت",
    ),
    var(
        "household.members_with_severe_disability",
        Type::Int,
        COUNT,
        "living members whose current valid assessment is severe or very severe",
        "شمار اعضای دارای معلولیت شدید یا خیلی شدید",
    ),
    var(
        "household.members_reassessment_due",
        Type::Int,
        COUNT,
        "living members with an assessment that has expired and not been renewed",
        "شمار اعضایی که ارزیابی‌شان منقضی شده و تمدید نشده است",
    ),
    var(
        "household.female_headed",
        Type::Bool,
        Domain::Any,
        "the living head of the household is a woman",
        "سرپرست خانوار زن است",
    ),
    var(
        "household.income",
        Type::Int,
        Domain::Range(0, MAX_INCOME * MAX_MEMBERS),
        "the living members' monthly incomes in rials, summed (unknown when a member aged 18 or over has none recorded)",
        "جمع درآمد ماهانهٔ اعضای زندهٔ خانوار به ریال",
    ),
    var(
        "household.income_per_member",
        Type::Int,
        Domain::Range(0, MAX_INCOME),
        "household.income divided by household.size, in whole rials",
        "درآمد سرانهٔ خانوار به ریال",
    ),
    var(
        "disability.assessed",
        Type::Bool,
        Domain::Any,
        "the person has a current valid disability assessment",
        "ارزیابی معتبر معلولیت دارد",
    ),
    var(
        "disability.severity",
        Type::Str,
        Domain::Codes(severities),
        "the most severe current valid assessment: mild, moderate, severe or very_severe; none without any \
         assessment; unknown while a reassessment is due",
        "شدیدترین ارزیابی معتبر معلولیت",
    ),
    var(
        "disability.severity_rank",
        Type::Int,
        Domain::Range(0, 4),
        "0 without an assessment, 1 mild … 4 very severe; unknown while a reassessment is due",
        "رتبهٔ شدت: ۰ بدون ارزیابی تا ۴ خیلی شدید",
    ),
    var(
        "disability.reassessment_due",
        Type::Bool,
        Domain::Any,
        "the latest assessment of some kind of disability has expired",
        "ارزیابی معلولیت منقضی شده و باید تمدید شود",
    ),
    var(
        "disability.months_since_assessment",
        Type::Int,
        Domain::Range(0, 12 * MAX_AGE),
        "whole months since the latest current valid assessment (unknown without one)",
        "ماه‌های گذشته از آخرین ارزیابی معتبر",
    ),
    var(
        "place.province",
        Type::Str,
        Domain::Shape("08"),
        "the province's two-digit code (08 Tehran)",
        "کد دو رقمی استان",
    ),
    var("place.county", Type::Str, Domain::Shape("08-01"), "the county's code (08-01)", "کد شهرستان"),
    var("place.rural", Type::Bool, Domain::Any, "the household lives in a village", "خانوار روستانشین است"),
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
            // Arithmetic is checked within each number's range, so every number has one.
            match v.ty {
                Type::Int => assert!(matches!(v.domain, Domain::Range(..)), "{}", v.name),
                Type::Str => assert!(matches!(v.domain, Domain::Codes(_) | Domain::Shape(_)), "{}", v.name),
                _ => assert!(matches!(v.domain, Domain::Any), "{}", v.name),
            }
        }
    }
}
