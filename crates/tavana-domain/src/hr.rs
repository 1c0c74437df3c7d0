//! Human resources (منابع انسانی): the organization's staff, the positions they
//! hold in each unit (some critical to its work), and succession for the
//! critical ones: candidates with their readiness and development plans, and
//! the positions at risk, those whose holder retires soon or that have no one
//! ready to take them.

use crate::coded::coded;
use crate::error::{DomainError, Reason};
use crate::iam::Role;

coded!(
    /// نوع استخدام
    EmploymentType {
        Permanent = "permanent" "رسمی",
        Contract = "contract" "پیمانی",
        Temporary = "temporary" "قراردادی",
    }
);

coded!(
    /// آمادگی جانشین
    Readiness {
        ReadyNow = "ready_now" "آماده همین حالا",
        OneToTwoYears = "one_to_two_years" "آماده در ۱ تا ۲ سال",
        ThreeToFiveYears = "three_to_five_years" "آماده در ۳ تا ۵ سال",
    }
);

/// The highest grade (طبقه) of the civil service scale.
pub const MAX_GRADE: i64 = 16;

/// What the HR module lets an actor do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HrAction {
    /// Record staff and positions, and name successors.
    Manage,
}

impl HrAction {
    pub fn granted_to(self, role: Role) -> bool {
        match self {
            HrAction::Manage => role == Role::HrOfficer,
        }
    }

    pub fn phrase(self) -> &'static str {
        match self {
            HrAction::Manage => "manage staff and positions",
        }
    }
}

/// A position as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RawPosition {
    /// Unique in the organization (`P08-DG`).
    pub code: String,
    pub title: String,
    /// The org unit's code (`P08`).
    pub unit: String,
    /// `true`/`false` (or بله/خیر).
    pub critical: String,
}

/// A position's checked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionFields {
    pub code: String,
    pub title: String,
    pub unit: String,
    pub critical: bool,
}

pub(crate) fn required(field: &'static str, value: &str, max: usize, errors: &mut Vec<DomainError>) -> Option<String> {
    match crate::text::required_text(field, value) {
        Ok(t) if t.chars().count() > max => {
            errors.push(DomainError::new(field, Reason::TooLong { max }));
            None
        }
        Ok(t) => Some(t.to_string()),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

/// A code: letters, digits and dashes, at most 40.
pub(crate) fn code(field: &'static str, value: &str, errors: &mut Vec<DomainError>) -> Option<String> {
    let value = required(field, value, 40, errors)?;
    if value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        Some(value)
    } else {
        errors.push(DomainError::new(field, Reason::BadFormat));
        None
    }
}

fn yes_no(field: &'static str, value: &str, errors: &mut Vec<DomainError>) -> Option<bool> {
    match crate::text::normalize(value).as_str() {
        "" | "false" | "no" | "0" | "خیر" => Some(false),
        "true" | "yes" | "1" | "بله" => Some(true),
        _ => {
            errors.push(DomainError::new(field, Reason::NotInList));
            None
        }
    }
}

impl PositionFields {
    /// Checks every field and reports every problem.
    pub fn parse(raw: &RawPosition) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let code = code("code", &raw.code, &mut errors);
        let title = required("title", &raw.title, 120, &mut errors);
        let unit = code_of_unit(&raw.unit, &mut errors);
        let critical = yes_no("critical", &raw.critical, &mut errors);
        match (code, title, unit, critical) {
            (Some(code), Some(title), Some(unit), Some(critical)) if errors.is_empty() => {
                Ok(PositionFields { code, title, unit, critical })
            }
            _ => Err(errors),
        }
    }
}

fn code_of_unit(value: &str, errors: &mut Vec<DomainError>) -> Option<String> {
    code("unit", value, errors)
}

/// A member of staff as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RawStaff {
    /// The personnel number (شمارهٔ پرسنلی): 6 to 10 digits.
    pub personnel_number: String,
    pub national_code: String,
    pub first_name: String,
    pub last_name: String,
    /// The org unit's code.
    pub unit: String,
    /// The position's code (empty: none yet).
    pub position: String,
    /// 1 to 16.
    pub grade: String,
    pub employment_type: String,
    /// Jalali (`1390/07/01`).
    pub hire_date: String,
    /// The expected retirement date, Jalali.
    pub retirement_date: String,
}

/// A member of staff's checked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffFields {
    pub personnel_number: String,
    pub national_code: crate::NationalCode,
    pub first_name: String,
    pub last_name: String,
    pub unit: String,
    pub position: Option<String>,
    pub grade: i64,
    pub employment_type: EmploymentType,
    pub hire_date: time::Date,
    pub retirement_date: time::Date,
}

pub(crate) fn date(field: &'static str, value: &str, errors: &mut Vec<DomainError>) -> Option<time::Date> {
    match crate::jalali::parse_any_date(value) {
        Ok((d, _)) => Some(d),
        Err(e) => {
            errors.push(DomainError { field, ..e });
            None
        }
    }
}

impl StaffFields {
    /// Checks every field and reports every problem: hired by `today`, retiring
    /// after being hired.
    pub fn parse(raw: &RawStaff, today: time::Date) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let number = crate::text::to_ascii_digits(raw.personnel_number.trim());
        let personnel_number = if number.is_empty() {
            errors.push(DomainError::new("personnel_number", Reason::Empty));
            None
        } else if !number.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(DomainError::new("personnel_number", Reason::NotDigits));
            None
        } else if !(6..=10).contains(&number.len()) {
            errors.push(DomainError::new("personnel_number", Reason::OutOfRange));
            None
        } else {
            Some(number)
        };
        let national_code = crate::NationalCode::parse(&raw.national_code).map_err(|e| errors.push(e)).ok();
        let first_name = required("first_name", &raw.first_name, 80, &mut errors);
        let last_name = required("last_name", &raw.last_name, 80, &mut errors);
        let unit = code_of_unit(&raw.unit, &mut errors);
        let position = if raw.position.trim().is_empty() {
            Some(None)
        } else {
            code("position", &raw.position, &mut errors).map(Some)
        };
        let grade = match crate::text::to_ascii_digits(raw.grade.trim()).parse::<i64>() {
            Ok(g) if (1..=MAX_GRADE).contains(&g) => Some(g),
            Ok(_) => {
                errors.push(DomainError::new("grade", Reason::OutOfRange));
                None
            }
            Err(_) => {
                errors.push(DomainError::new(
                    "grade",
                    if raw.grade.trim().is_empty() { Reason::Empty } else { Reason::NotDigits },
                ));
                None
            }
        };
        let employment_type =
            EmploymentType::parse("employment_type", &raw.employment_type).map_err(|e| errors.push(e)).ok();
        let hire_date = date("hire_date", &raw.hire_date, &mut errors);
        if hire_date.is_some_and(|d| d > today) {
            errors.push(DomainError::new("hire_date", Reason::OutOfRange));
        }
        let retirement_date = date("retirement_date", &raw.retirement_date, &mut errors);
        if let (Some(hired), Some(retires)) = (hire_date, retirement_date)
            && retires <= hired
        {
            errors.push(DomainError::breaks(
                "retirement_date",
                "must come after the hire date",
                "تاریخ بازنشستگی باید پس از تاریخ استخدام باشد",
            ));
        }
        match (
            personnel_number,
            national_code,
            first_name,
            last_name,
            unit,
            position,
            grade,
            employment_type,
            hire_date,
            retirement_date,
        ) {
            (
                Some(personnel_number),
                Some(national_code),
                Some(first_name),
                Some(last_name),
                Some(unit),
                Some(position),
                Some(grade),
                Some(employment_type),
                Some(hire_date),
                Some(retirement_date),
            ) if errors.is_empty() => Ok(StaffFields {
                personnel_number,
                national_code,
                first_name,
                last_name,
                unit,
                position,
                grade,
                employment_type,
                hire_date,
                retirement_date,
            }),
            _ => Err(errors),
        }
    }
}

/// Whether someone retiring on `retires` leaves within `years` of `today`.
pub fn retires_within(retires: time::Date, today: time::Date, years: i32) -> bool {
    let horizon = today.replace_year(today.year() + years).unwrap_or_else(|_| {
        // 29 February with no such day in the later year: the day before.
        (today - time::Duration::days(1)).replace_year(today.year() + years).unwrap_or(time::Date::MAX)
    });
    retires <= horizon
}

coded!(
    /// خطر جانشینی
    SuccessionRisk {
        High = "high" "زیاد: جانشین آماده ندارد و جای آن خالی است یا خالی می‌شود",
        NoReadySuccessor = "no_ready_successor" "جانشین آماده ندارد",
        HolderRetiring = "holder_retiring" "متصدی به‌زودی بازنشسته می‌شود",
    }
);

/// What succession risk a critical position carries on `today`, looking
/// `years` ahead: high when nobody is ready now and the post is vacant or its
/// holder retires within the horizon; else one of the two alone; none for a
/// position that is not critical or is covered.
pub fn succession_risk(
    critical: bool,
    holder_retires: Option<time::Date>,
    ready_now: i64,
    today: time::Date,
    years: i32,
) -> Option<SuccessionRisk> {
    if !critical {
        return None;
    }
    let leaving = holder_retires.is_none_or(|on| retires_within(on, today, years));
    match (ready_now == 0, leaving) {
        (true, true) => Some(SuccessionRisk::High),
        (true, false) => Some(SuccessionRisk::NoReadySuccessor),
        (false, true) => Some(SuccessionRisk::HolderRetiring),
        (false, false) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn staff_report_every_bad_field() {
        let raw = RawStaff {
            personnel_number: "12a".into(),
            national_code: "0012345670".into(),
            grade: "17".into(),
            employment_type: "volunteer".into(),
            hire_date: "1410/01/01".into(),
            retirement_date: "1400/01/01".into(),
            unit: "P 08".into(),
            ..Default::default()
        };
        let fields: Vec<&str> =
            StaffFields::parse(&raw, date!(2026 - 11 - 27)).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "personnel_number",
                "national_code",
                "first_name",
                "last_name",
                "unit",
                "grade",
                "employment_type",
                "hire_date",
                "retirement_date"
            ]
        );
        let good = RawStaff {
            personnel_number: "۱۲۳۴۵۶۷".into(),
            national_code: "0012345679".into(),
            first_name: "مریم".into(),
            last_name: "کاظمی".into(),
            unit: "P08".into(),
            position: String::new(),
            grade: "9".into(),
            employment_type: "رسمی".into(),
            hire_date: "1385/07/01".into(),
            retirement_date: "1415/07/01".into(),
        };
        let staff = StaffFields::parse(&good, date!(2026 - 11 - 27)).unwrap();
        assert_eq!((staff.personnel_number.as_str(), staff.position, staff.grade), ("1234567", None, 9));
    }

    #[test]
    fn positions_parse() {
        let raw =
            RawPosition {
                code: "P08-DG".into(), title: "مدیرکل".into(), unit: "P08".into(), critical: "بله".into()
            };
        assert!(PositionFields::parse(&raw).unwrap().critical);
        let bad = RawPosition { code: "P08 DG".into(), critical: "maybe".into(), ..Default::default() };
        let fields: Vec<&str> = PositionFields::parse(&bad).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["code", "title", "unit", "critical"]);
    }

    #[test]
    fn succession_risk_weighs_readiness_and_retirement() {
        let today = date!(2026 - 11 - 27);
        let soon = Some(date!(2028 - 03 - 01));
        let late = Some(date!(2040 - 01 - 01));
        assert_eq!(succession_risk(true, soon, 0, today, 2), Some(SuccessionRisk::High));
        assert_eq!(succession_risk(true, None, 0, today, 2), Some(SuccessionRisk::High), "vacant");
        assert_eq!(succession_risk(true, late, 0, today, 2), Some(SuccessionRisk::NoReadySuccessor));
        assert_eq!(succession_risk(true, soon, 1, today, 2), Some(SuccessionRisk::HolderRetiring));
        assert_eq!(succession_risk(true, late, 1, today, 2), None);
        assert_eq!(succession_risk(false, soon, 0, today, 2), None);
        assert!(retires_within(date!(2028 - 11 - 27), today, 2) && !retires_within(date!(2028 - 11 - 28), today, 2));
        assert!(retires_within(date!(2025 - 02 - 28), date!(2024 - 02 - 29), 1));
    }
}
