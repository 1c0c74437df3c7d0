//! Planning (مرکز برنامه‌ریزی): where the organization reaches and where it does
//! not, whether money is spent as planned, and whether programs help people out
//! of need. The figures are counted by the store; what they mean is decided here:
//! coverage rates, the target community a village's census population suggests,
//! growth, and next year's projection with its assumptions.

use crate::error::{DomainError, Reason};
use crate::iam::Role;
use crate::programs::ProgramTarget;

/// What the planning module lets an actor do beyond reading its figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanningAction {
    /// Import the census reference table of villages.
    ImportVillages,
}

impl PlanningAction {
    pub fn granted_to(self, role: Role) -> bool {
        match self {
            PlanningAction::ImportVillages => role == Role::Planner,
        }
    }

    pub fn phrase(self) -> &'static str {
        match self {
            PlanningAction::ImportVillages => "import the villages' census table",
        }
    }
}

/// How deep a figure goes: the whole country, a province, or a county (whose
/// rows are its villages and cities).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Country,
    Province,
    County,
}

impl Level {
    /// The level of an area's rows, or none below a county's villages.
    pub fn below(self) -> &'static str {
        match self {
            Level::Country => "province",
            Level::Province => "county",
            Level::County => "village",
        }
    }
}

/// A share in tenths of a percent (per mille), rounded down; none of nothing.
pub fn per_mille(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| i64::try_from(i128::from(part.max(0)) * 1000 / i128::from(whole)).unwrap_or(i64::MAX))
}

/// A per-mille share written as a percent with one decimal: 1234 → "123.4".
pub fn percent_text(per_mille: i64) -> String {
    let sign = if per_mille < 0 { "-" } else { "" };
    let n = per_mille.unsigned_abs();
    format!("{sign}{}.{}", n / 10, n % 10)
}

/// A program's coverage: its beneficiaries against who it could serve there, the
/// households for a household program, the living registered persons otherwise.
pub fn coverage(target: ProgramTarget, beneficiaries: i64, households: i64, members: i64) -> Option<i64> {
    match target {
        ProgramTarget::Household => per_mille(beneficiaries, households),
        ProgramTarget::Person => per_mille(beneficiaries, members),
    }
}

/// The target community a population suggests at a rate in parts per million,
/// rounded to the nearest person.
pub fn expected_target(population: i64, rate_ppm: i64) -> i64 {
    let product = i128::from(population.max(0)) * i128::from(rate_ppm.max(0));
    i64::try_from((product + 500_000) / 1_000_000).unwrap_or(i64::MAX)
}

/// The share of the population taken to be the target community where no
/// reached village tells it: 7.7 million of about 85 million, 9.06%.
pub const DEFAULT_TARGET_RATE_PPM: i64 = 90_600;

/// The rate, in parts per million, at which a population holds the target
/// community: registered persons over the census population where both are
/// known (villages the organization reached). None without a census.
pub fn target_rate_ppm(registered: i64, population: i64) -> Option<i64> {
    (population > 0)
        .then(|| i64::try_from(i128::from(registered.max(0)) * 1_000_000 / i128::from(population)).unwrap_or(i64::MAX))
}

/// Growth from `before` to `now` in per mille (a tenth of a percent); none when
/// there was nothing before.
pub fn growth_per_mille(before: i64, now: i64) -> Option<i64> {
    (before > 0)
        .then(|| i64::try_from((i128::from(now) - i128::from(before)) * 1000 / i128::from(before)).unwrap_or(i64::MAX))
}

/// What a projection of next year assumes: the beneficiaries now, who entered
/// and who left over the months observed, and what a beneficiary costs a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assumptions {
    pub beneficiaries: i64,
    pub entries: i64,
    pub exits: i64,
    /// The months the entries and exits were counted over (at least one).
    pub months: i64,
    /// The mean monthly amount of a beneficiary in force, in rials.
    pub monthly_rials: i64,
}

/// Next year's projection: the beneficiaries at its end if entries and exits go
/// on at the rate observed, and the budget of its twelve months (the number
/// moving linearly from now to then, each month at today's mean amount).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Projection {
    pub assumptions: Assumptions,
    /// Net entries a month, rounded toward zero.
    pub net_per_month: i64,
    pub beneficiaries: i64,
    pub budget_rials: i64,
}

/// Projects next year from what was observed.
pub fn project(a: Assumptions) -> Projection {
    let months = i128::from(a.months.max(1));
    let net = i128::from(a.entries) - i128::from(a.exits);
    // Beneficiaries after month m (1..=12): now + net * m / months, never below zero.
    let after = |m: i128| (i128::from(a.beneficiaries) + net * m / months).max(0);
    let budget: i128 = (1..=12).map(|m| after(m) * i128::from(a.monthly_rials)).sum();
    Projection {
        assumptions: a,
        net_per_month: i64::try_from(net / months).unwrap_or(0),
        beneficiaries: i64::try_from(after(12)).unwrap_or(i64::MAX),
        budget_rials: i64::try_from(budget).unwrap_or(i64::MAX),
    }
}

/// The first days of the `n` Jalali months ending with the month of `today`,
/// oldest first, and the first day of the month after: `n + 1` days bounding
/// `n` months.
pub fn month_starts(today: crate::jalali::JalaliDate, n: usize) -> Result<Vec<crate::jalali::JalaliDate>, DomainError> {
    let index = i64::from(today.year()) * 12 + i64::from(today.month()) - 1;
    (0..=n as i64)
        .map(|k| {
            let m = index - (n as i64 - 1) + k;
            let year = i32::try_from(m.div_euclid(12)).map_err(|_| DomainError::new("month", Reason::OutOfRange))?;
            let month =
                u8::try_from(m.rem_euclid(12) + 1).map_err(|_| DomainError::new("month", Reason::OutOfRange))?;
            crate::jalali::JalaliDate::new(year, month, 1)
        })
        .collect()
}

/// A row of the villages' census table as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RawVillage {
    /// The village's place code.
    pub code: String,
    /// The county's place code (checked against the village's).
    pub county: String,
    /// The village's name as the census writes it (not checked).
    pub name: String,
    pub population: String,
    /// The census year (Jalali).
    pub census_year: String,
}

/// A census row's checked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillageFields {
    pub code: String,
    pub county: String,
    pub population: i64,
    pub census_year: i64,
}

impl VillageFields {
    /// Checks every field and reports every problem.
    pub fn parse(raw: &RawVillage) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let code = crate::hr::code("code", &raw.code, &mut errors);
        let county = crate::hr::code("county", &raw.county, &mut errors);
        let population = crate::employment::whole("population", &raw.population, 0..=10_000_000, &mut errors);
        let census_year = crate::employment::whole("census_year", &raw.census_year, 1300..=1500, &mut errors);
        let (Some(code), Some(county), Some(population), Some(census_year)) = (code, county, population, census_year)
        else {
            return Err(errors);
        };
        Ok(VillageFields { code, county, population, census_year })
    }
}

/// Why a village is on the list of those nobody has reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// Nobody of it is registered.
    Unregistered,
    /// Households are registered, but none is served by any program.
    Unserved,
}

impl Reach {
    /// Whether a village is hidden, and how: a census population that suggests a
    /// target community of at least one person, and nobody served.
    pub fn of(expected: i64, registered_households: i64, served: i64) -> Option<Reach> {
        if expected < 1 || served > 0 {
            None
        } else if registered_households == 0 {
            Some(Reach::Unregistered)
        } else {
            Some(Reach::Unserved)
        }
    }

    pub fn label_fa(self) -> &'static str {
        match self {
            Reach::Unregistered => "هیچ خانواری ثبت نشده",
            Reach::Unserved => "ثبت‌شده، بدون خدمت",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Reach::Unregistered => "unregistered",
            Reach::Unserved => "unserved",
        }
    }
}

/// A census row refused: a village the geography does not know, or one that is
/// not in the county named.
pub fn unknown_village() -> DomainError {
    DomainError::new(
        "code",
        Reason::Breaks {
            message_en: "is not a village of the geography".into(),
            message_fa: "روستای شناخته‌شده‌ای در تقسیمات کشوری نیست".into(),
        },
    )
}

pub fn other_county() -> DomainError {
    DomainError::new(
        "county",
        Reason::Breaks {
            message_en: "is not the village's county".into(),
            message_fa: "شهرستان این روستا نیست".into(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_growth() {
        assert_eq!(per_mille(1, 3), Some(333));
        assert_eq!(per_mille(5, 0), None);
        assert_eq!(percent_text(1234), "123.4");
        assert_eq!(percent_text(-5), "-0.5");
        assert_eq!(coverage(ProgramTarget::Household, 10, 40, 100), Some(250));
        assert_eq!(coverage(ProgramTarget::Person, 10, 40, 100), Some(100));
        assert_eq!(growth_per_mille(200, 250), Some(250));
        assert_eq!(growth_per_mille(200, 150), Some(-250));
        assert_eq!(growth_per_mille(0, 150), None);
    }

    #[test]
    fn a_population_suggests_a_target_community() {
        // 90,600 per million is 9.06%: a village of 1,000 holds about 91.
        assert_eq!(expected_target(1_000, 90_600), 91);
        assert_eq!(expected_target(5, 90_600), 0);
        assert_eq!(target_rate_ppm(906, 10_000), Some(90_600));
        assert_eq!(target_rate_ppm(3, 0), None);
        assert_eq!(Reach::of(91, 0, 0), Some(Reach::Unregistered));
        assert_eq!(Reach::of(91, 4, 0), Some(Reach::Unserved));
        assert_eq!(Reach::of(91, 4, 1), None);
        assert_eq!(Reach::of(0, 0, 0), None, "a census too small suggests nobody");
    }

    #[test]
    fn next_year_goes_on_at_the_rate_observed() {
        let a = Assumptions { beneficiaries: 1_000, entries: 240, exits: 120, months: 12, monthly_rials: 10 };
        let p = project(a);
        assert_eq!(p.net_per_month, 10);
        assert_eq!(p.beneficiaries, 1_120);
        // Months 1..=12 hold 1,010 … 1,120: their sum is 12 × 1,065.
        assert_eq!(p.budget_rials, 12 * 1_065 * 10);
        // Leaving faster than entering never goes below nobody.
        let shrinking = project(Assumptions { beneficiaries: 10, entries: 0, exits: 120, months: 1, ..a });
        assert_eq!(shrinking.beneficiaries, 0);
        assert!(shrinking.budget_rials >= 0);
    }

    #[test]
    fn months_run_back_over_the_new_year() {
        let today = crate::jalali::JalaliDate::new(1405, 2, 17).unwrap();
        let starts: Vec<String> = month_starts(today, 3).unwrap().iter().map(|d| d.to_ascii()).collect();
        assert_eq!(starts, ["1404/12/01", "1405/01/01", "1405/02/01", "1405/03/01"]);
    }

    #[test]
    fn a_census_row_names_every_bad_field() {
        let raw = RawVillage {
            code: "08-01-D1-V1".into(),
            county: "08-01".into(),
            name: "x".into(),
            population: "۱۲۰۰".into(),
            census_year: "1395".into(),
        };
        let v = VillageFields::parse(&raw).unwrap();
        assert_eq!((v.population, v.census_year), (1200, 1395));
        let bad = RawVillage { code: " ".into(), population: "-3".into(), census_year: "95".into(), ..raw };
        let fields: Vec<_> = VillageFields::parse(&bad).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["code", "population", "census_year"]);
    }
}
