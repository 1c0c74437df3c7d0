//! The demo's programs: the organization's main ones, with realistic rules.

use tavana_domain::programs::RawProgram;

fn program(
    code: &str,
    name_fa: &str,
    name_en: &str,
    kind: &str,
    target: &str,
    rule: &str,
    formula: &str,
) -> RawProgram {
    RawProgram {
        code: code.into(),
        name_fa: name_fa.into(),
        name_en: name_en.into(),
        kind: kind.into(),
        target: target.into(),
        rule: rule.into(),
        formula: formula.into(),
        budget_month: String::new(),
        budget_year: String::new(),
    }
}

/// The continuous pension, the intercity travel discount, housing, employment
/// loans and rehabilitation services.
pub fn demo_programs() -> Vec<RawProgram> {
    vec![
        program(
            "PENSION",
            "مستمری ماهانه",
            "Continuous pension",
            "cash_benefit",
            "household",
            "household.members_with_severe_disability >= 1 && person.income_decile <= 4",
            "20000000 + 5000000 * min(household.size, 5) + 10000000 * household.members_with_severe_disability",
        ),
        program(
            "TRAVEL",
            "تخفیف سفر بین‌شهری",
            "Intercity travel discount",
            "discount",
            "person",
            r#"disability.severity in ["severe", "very_severe"] && person.alive"#,
            "0",
        ),
        program(
            "HOUSING",
            "کمک مسکن",
            "Housing support",
            "service",
            "household",
            "household.members_with_disability >= 2",
            "0",
        ),
        program(
            "JOBLOAN",
            "وام اشتغال",
            "Employment loan",
            "loan",
            "person",
            r#"disability.assessed && person.age >= 18 && person.age <= 50 && person.employment == "unemployed""#,
            "300000000",
        ),
        program("REHAB", "خدمات توانبخشی", "Rehabilitation services", "service", "person", "disability.assessed", "0"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use tavana_domain::programs::ProgramFields;

    #[test]
    fn every_demo_program_checks() {
        for p in demo_programs() {
            ProgramFields::parse(&p).unwrap_or_else(|e| panic!("{}: {e:?}", p.code));
        }
    }
}
