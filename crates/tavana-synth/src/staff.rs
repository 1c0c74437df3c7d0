//! The organization's synthetic staff: about 19,000 people across HQ, the 31
//! provincial directorates and the county offices, each in a position of their
//! unit (its head and deputies critical), with grades, employment types, hire
//! days and expected retirement days spread as in a long-standing organization
//! (some veterans retiring within a year or two). Deterministic for a seed.

use crate::Rng;
use tavana_domain::NationalCode;
use tavana_domain::hr::{RawPosition, RawStaff};

/// A unit to staff: its code and level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Hq,
    Province,
    County,
}

/// How many work at a unit of each level.
pub fn headcount(level: Level) -> usize {
    match level {
        Level::Hq => 1_300,
        Level::Province => 200,
        Level::County => 125,
    }
}

/// The positions of a unit of a level: (title, critical, how many).
fn positions(level: Level) -> &'static [(&'static str, bool, usize)] {
    match level {
        Level::Hq => &[
            ("رئیس سازمان", true, 1),
            ("معاون سازمان", true, 6),
            ("مدیرکل دفتر ستادی", true, 20),
            ("رئیس اداره", false, 60),
            ("کارشناس مسئول", false, 300),
            ("کارشناس", false, 700),
            ("کارمند اداری", false, 213),
        ],
        Level::Province => &[
            ("مدیرکل بهزیستی استان", true, 1),
            ("معاون ادارهٔ کل", true, 3),
            ("رئیس اداره", false, 10),
            ("کارشناس مسئول", false, 40),
            ("کارشناس", false, 110),
            ("کارمند اداری", false, 36),
        ],
        Level::County => &[
            ("رئیس ادارهٔ بهزیستی شهرستان", true, 1),
            ("معاون اداره", true, 1),
            ("مددکار اجتماعی", false, 30),
            ("روانشناس", false, 15),
            ("کارشناس توانبخشی", false, 25),
            ("کارشناس", false, 35),
            ("کارمند اداری", false, 18),
        ],
    }
}

const MALE: [&str; 12] = ["محمد", "علی", "حسین", "رضا", "مهدی", "حسن", "امیر", "مجید", "سعید", "احمد", "جواد", "مصطفی"];
const FEMALE: [&str; 12] =
    ["فاطمه", "زهرا", "مریم", "معصومه", "سمیه", "نرگس", "لیلا", "مینا", "سارا", "الهام", "فرزانه", "شیما"];
const FAMILY: [&str; 16] = [
    "محمدی",
    "حسینی",
    "احمدی",
    "رضایی",
    "موسوی",
    "کریمی",
    "صادقی",
    "جعفری",
    "رحیمی",
    "هاشمی",
    "قاسمی",
    "نوری",
    "کاظمی",
    "اکبری",
    "صالحی",
    "باقری",
];

/// The org units a geography gives (as `load_geography` makes them): HQ, a
/// directorate per province (`P08`), an office per county (`C08-01`).
pub fn units_of(geography: &[tavana_domain::org::PlaceSeed]) -> Vec<(String, Level)> {
    use tavana_domain::org::PlaceKind;
    let mut units = vec![("HQ".to_string(), Level::Hq)];
    for province in geography.iter().filter(|p| p.kind == PlaceKind::Province) {
        units.push((format!("P{}", province.code), Level::Province));
        for county in province.children.iter().filter(|c| c.kind == PlaceKind::County) {
            units.push((format!("C{}", county.code), Level::County));
        }
    }
    units
}

/// The positions and staff of the units given (code, level), every position
/// held. Personnel numbers run from 1,000,001; national codes are valid and
/// distinct from each other.
pub fn staff(units: &[(String, Level)], seed: u64) -> (Vec<RawPosition>, Vec<RawStaff>) {
    let mut rng = Rng::new(seed);
    let (mut all_positions, mut all_staff) = (Vec::new(), Vec::new());
    let mut number: u64 = 1_000_000;
    for (unit, level) in units {
        for (title, critical, count) in positions(*level) {
            for k in 0..*count {
                number += 1;
                let code = format!("{unit}-{number}");
                let title = if *count > 1 && *critical { format!("{title} {}", k + 1) } else { (*title).to_string() };
                all_positions.push(RawPosition {
                    code: code.clone(),
                    title,
                    unit: unit.clone(),
                    critical: critical.to_string(),
                });
                // Heads and deputies have served longer: hired 1370–1385; others 1370–1403.
                let hired = if *critical { 1370 + rng.below(16) } else { 1370 + rng.below(34) };
                let served = 30 + rng.below(3) as i64;
                let retires = hired as i64 + served;
                let female = rng.below(100) < 45;
                let first = if female { *rng.pick(&FEMALE) } else { *rng.pick(&MALE) };
                all_staff.push(RawStaff {
                    personnel_number: number.to_string(),
                    national_code: national_code(number),
                    first_name: first.to_string(),
                    last_name: rng.pick(&FAMILY).to_string(),
                    unit: unit.clone(),
                    position: code,
                    grade: (if *critical { 10 + rng.below(7) } else { 1 + rng.below(12) }).to_string(),
                    employment_type: ["permanent", "permanent", "contract", "temporary"][rng.below(4) as usize].into(),
                    hire_date: format!("{hired}/{:02}/{:02}", 1 + rng.below(12), 1 + rng.below(29)),
                    retirement_date: format!("{retires}/{:02}/{:02}", 1 + rng.below(12), 1 + rng.below(29)),
                });
            }
        }
    }
    (all_positions, all_staff)
}

/// A valid national code for a personnel number, outside the range the
/// synthetic population draws from most (its first digit 9).
fn national_code(number: u64) -> String {
    let mut n = 900_000_000 + number * 7;
    loop {
        let digits: [u8; 9] = std::array::from_fn(|i| ((n / 10u64.pow(8 - i as u32)) % 10) as u8);
        if let Some(code) = NationalCode::from_first_nine(digits) {
            return code.as_string();
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tavana_domain::hr::{PositionFields, StaffFields};

    #[test]
    fn the_demo_geography_is_staffed_by_about_nineteen_thousand() {
        let units = units_of(&crate::geo::geography(&crate::geo::GeographyConfig::default()));
        assert_eq!(units.len(), 1 + 31 + 91);
        let total: usize = units.iter().map(|(_, level)| headcount(*level)).sum();
        assert!((18_000..20_000).contains(&total), "{total}");
        let (positions, _) = staff(&units, 1);
        assert_eq!(positions.len(), total, "every position listed is held");
    }

    #[test]
    fn every_row_checks_and_numbers_are_distinct() {
        let units =
            vec![("HQ".to_string(), Level::Hq), ("P08".into(), Level::Province), ("C08-01".into(), Level::County)];
        let (positions, people) = staff(&units, 7);
        let staff_rows = &people;
        assert_eq!(staff_rows.len(), 1_300 + 200 + 125);
        assert_eq!(positions.len(), staff_rows.len());
        let today = time::macros::date!(2026 - 11 - 27);
        for p in &positions {
            PositionFields::parse(p).unwrap_or_else(|e| panic!("{p:?}: {e:?}"));
        }
        let mut codes = std::collections::HashSet::new();
        let mut retiring_soon = 0;
        for s in staff_rows {
            let f = StaffFields::parse(s, today).unwrap_or_else(|e| panic!("{s:?}: {e:?}"));
            assert!(codes.insert(f.national_code.as_string()), "national codes are distinct");
            retiring_soon += usize::from(tavana_domain::hr::retires_within(f.retirement_date, today, 2));
        }
        assert!(retiring_soon > 0, "some veterans retire within two years");
        assert_eq!(positions.iter().filter(|p| p.critical == "true").count(), 27 + 4 + 2);
        assert_eq!(&staff(&units, 7).1, staff_rows, "deterministic");
    }
}
