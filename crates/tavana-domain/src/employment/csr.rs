//! The CSR fund (صندوق مسئولیت اجتماعی): a firm owes 1% of its declared profit
//! to social responsibility, 60% of which is due to the organization's
//! programs. What firms owe, pay and what financed projects spend is posted to
//! the payments ledger (accrued when declared, received into the bank, spent
//! from it), so the fund's balance is a sum of postings and always balances.

use super::{code, date, required, whole};
use crate::coded::coded;
use crate::error::{DomainError, Reason};
use crate::money::Rials;

/// The share of profit a firm gives to social responsibility, in percent.
pub const CSR_PERCENT: i64 = 1;
/// The share of that due to the organization, in percent.
pub const SHARE_PERCENT: i64 = 60;

/// The social responsibility amount of a declared profit: 1%, rounded down to the rial.
pub fn csr_amount(profit: Rials) -> Rials {
    percent(profit.get().max(0), CSR_PERCENT)
}

/// `percent` % of `rials`, rounded down (in 128 bits, so it cannot overflow).
fn percent(rials: i64, percent: i64) -> Rials {
    Rials::new(i64::try_from(i128::from(rials) * i128::from(percent) / 100).unwrap_or(i64::MAX))
}

/// The share due to the organization: 60% of the CSR amount, rounded down.
pub fn share_due(profit: Rials) -> Rials {
    percent(csr_amount(profit).get(), SHARE_PERCENT)
}

coded!(
    /// نوع طرح
    ProjectKind {
        Housing = "housing" "مسکن",
        RehabilitationCentre = "rehabilitation_centre" "مرکز توان‌بخشی",
        EmploymentWorkshop = "employment_workshop" "کارگاه اشتغال",
    }
);

/// A firm as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RawFirm {
    /// The firm's national id (شناسهٔ ملی): 11 digits.
    pub national_id: String,
    pub name: String,
    /// The org unit (province) it is registered with.
    pub unit: String,
}

/// A firm's checked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmFields {
    pub national_id: String,
    pub name: String,
    pub unit: String,
}

/// A firm's national id: 11 digits, Persian digits accepted.
pub fn national_id(field: &'static str, value: &str, errors: &mut Vec<DomainError>) -> Option<String> {
    let ascii = crate::text::to_ascii_digits(value.trim());
    if ascii.is_empty() {
        errors.push(DomainError::new(field, Reason::Empty));
        None
    } else if !ascii.bytes().all(|b| b.is_ascii_digit()) {
        errors.push(DomainError::new(field, Reason::NotDigits));
        None
    } else if ascii.len() != 11 {
        errors.push(DomainError::new(field, Reason::WrongLength { expected: 11, found: ascii.chars().count() }));
        None
    } else {
        Some(ascii)
    }
}

impl FirmFields {
    pub fn parse(raw: &RawFirm) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let national_id = national_id("national_id", &raw.national_id, &mut errors);
        let name = required("name", &raw.name, 200, &mut errors);
        let unit = code("unit", &raw.unit, &mut errors);
        let (Some(national_id), Some(name), Some(unit)) = (national_id, name, unit) else { return Err(errors) };
        Ok(FirmFields { national_id, name, unit })
    }
}

/// A firm's declared profit for a Jalali year, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RawDeclaration {
    /// A Jalali year (`1404`).
    pub year: String,
    /// Rials.
    pub profit: String,
}

/// A declaration's checked fields with what it makes due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declaration {
    pub year: i64,
    pub profit: Rials,
    pub csr: Rials,
    pub share: Rials,
}

impl Declaration {
    pub fn parse(raw: &RawDeclaration) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let year = whole("year", &raw.year, 1_390..=1_500, &mut errors);
        let profit = match Rials::parse("profit", &raw.profit) {
            Ok(p) if p.get() > 0 => Some(p),
            Ok(_) => {
                errors.push(DomainError::new("profit", Reason::OutOfRange));
                None
            }
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let (Some(year), Some(profit)) = (year, profit) else { return Err(errors) };
        Ok(Declaration { year, profit, csr: csr_amount(profit), share: share_due(profit) })
    }
}

/// Money moved (received from a firm, or spent on a project), as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RawMovement {
    /// Rials, more than zero.
    pub amount: String,
    /// Jalali (`1405/08/01`).
    pub on: String,
    /// The bank's reference or what it paid for.
    pub memo: String,
}

/// A movement's checked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    pub amount: Rials,
    pub on: time::Date,
    pub memo: String,
}

impl Movement {
    /// Checks every field: an amount above zero, a day not after `today`, a memo.
    pub fn parse(raw: &RawMovement, today: time::Date) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let amount = match Rials::parse("amount", &raw.amount) {
            Ok(a) if a.get() > 0 => Some(a),
            Ok(_) => {
                errors.push(DomainError::new("amount", Reason::OutOfRange));
                None
            }
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let on = date("on", &raw.on, &mut errors);
        if on.is_some_and(|d| d > today) {
            errors.push(DomainError::new("on", Reason::OutOfRange));
        }
        let memo = required("memo", &raw.memo, 400, &mut errors);
        let (Some(amount), Some(on), Some(memo)) = (amount, on, memo) else { return Err(errors) };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Movement { amount, on, memo })
    }
}

/// A financed project as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RawProject {
    /// `housing`, `rehabilitation_centre` or `employment_workshop`.
    pub kind: String,
    pub title: String,
    /// The org unit (province) it is built in.
    pub unit: String,
    /// Rials.
    pub budget: String,
}

/// A project's checked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFields {
    pub kind: ProjectKind,
    pub title: String,
    pub unit: String,
    pub budget: Rials,
}

impl ProjectFields {
    pub fn parse(raw: &RawProject) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let kind = ProjectKind::parse("kind", &raw.kind).map_err(|e| errors.push(e)).ok();
        let title = required("title", &raw.title, 200, &mut errors);
        let unit = code("unit", &raw.unit, &mut errors);
        let budget = match Rials::parse("budget", &raw.budget) {
            Ok(b) if b.get() > 0 => Some(b),
            Ok(_) => {
                errors.push(DomainError::new("budget", Reason::OutOfRange));
                None
            }
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let (Some(kind), Some(title), Some(unit), Some(budget)) = (kind, title, unit, budget) else {
            return Err(errors);
        };
        Ok(ProjectFields { kind, title, unit, budget })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn one_percent_and_sixty_percent_of_it() {
        let profit = Rials::new(12_345_678_901);
        assert_eq!(csr_amount(profit), Rials::new(123_456_789));
        assert_eq!(share_due(profit), Rials::new(74_074_073));
        assert_eq!(share_due(Rials::new(99)), Rials::ZERO);
    }

    proptest! {
        #[test]
        fn the_share_never_exceeds_the_csr_amount_nor_the_csr_amount_one_percent(profit in 0i64..=i64::MAX) {
            let csr = csr_amount(Rials::new(profit)).get();
            prop_assert_eq!(i128::from(csr), i128::from(profit) / 100);
            let share = share_due(Rials::new(profit)).get();
            prop_assert_eq!(i128::from(share), i128::from(csr) * 60 / 100);
        }
    }

    #[test]
    fn a_declaration_and_a_movement_report_every_bad_field() {
        let raw = RawDeclaration { year: "99".into(), profit: "0".into() };
        let fields: Vec<&str> = Declaration::parse(&raw).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["year", "profit"]);
        let today = time::macros::date!(2026 - 11 - 28);
        let raw = RawMovement { amount: "-5".into(), on: "1406/01/01".into(), memo: " ".into() };
        let fields: Vec<&str> = Movement::parse(&raw, today).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["amount", "on", "memo"]);
        let mut errors = Vec::new();
        assert_eq!(national_id("national_id", "۱۰۱۰۰۱۲۳۴۵۶", &mut errors), Some("10100123456".into()));
        assert_eq!(national_id("national_id", "123", &mut errors), None);
    }
}
