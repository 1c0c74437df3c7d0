//! A synthetic population of Iran: households with their members and disability
//! assessments, written as the registry's import rows. Deterministic for a seed.

use crate::Rng;
use crate::geo::{GeographyConfig, geography};
use tavana_domain::jalali::JalaliDate;
use tavana_domain::org::{PlaceKind, PlaceSeed};
use tavana_domain::registry::{RawDisability, RawHousehold, RawPerson};
use tavana_domain::{NationalCode, Sheba};

const MALE: [&str; 40] = [
    "محمد",
    "علی",
    "حسین",
    "رضا",
    "مهدی",
    "حسن",
    "امیر",
    "ابوالفضل",
    "محمدرضا",
    "مصطفی",
    "سعید",
    "احمد",
    "جواد",
    "مجید",
    "علیرضا",
    "حمید",
    "عباس",
    "یوسف",
    "اکبر",
    "قاسم",
    "ابراهیم",
    "محسن",
    "هادی",
    "مرتضی",
    "کاظم",
    "صادق",
    "امید",
    "بهروز",
    "داوود",
    "سجاد",
    "عرفان",
    "آرش",
    "یاسین",
    "امیرحسین",
    "ایمان",
    "نادر",
    "فرهاد",
    "جعفر",
    "عبدالله",
    "بهمن",
];
const FEMALE: [&str; 40] = [
    "فاطمه",
    "زهرا",
    "مریم",
    "معصومه",
    "زینب",
    "سکینه",
    "اکرم",
    "مهسا",
    "نرگس",
    "سمیه",
    "لیلا",
    "الهام",
    "فرشته",
    "کبری",
    "طاهره",
    "صدیقه",
    "رقیه",
    "سارا",
    "نازنین",
    "هانیه",
    "ریحانه",
    "مهدیه",
    "راضیه",
    "اعظم",
    "منیره",
    "شهناز",
    "پروین",
    "محبوبه",
    "آزاده",
    "نسرین",
    "مینا",
    "هستی",
    "یلدا",
    "ستاره",
    "فاطمه‌زهرا",
    "زهره",
    "شیرین",
    "گلاره",
    "عاطفه",
    "ملیکا",
];
const FAMILY: [&str; 60] = [
    "محمدی",
    "حسینی",
    "احمدی",
    "رضایی",
    "موسوی",
    "کریمی",
    "جعفری",
    "رحیمی",
    "قاسمی",
    "صادقی",
    "هاشمی",
    "نوری",
    "کاظمی",
    "ابراهیمی",
    "حیدری",
    "طاهری",
    "سلیمانی",
    "امینی",
    "عباسی",
    "زارعی",
    "مرادی",
    "اکبری",
    "یوسفی",
    "باقری",
    "رستمی",
    "شریفی",
    "بهرامی",
    "فرهادی",
    "نجفی",
    "سلطانی",
    "اسدی",
    "میرزایی",
    "خسروی",
    "قربانی",
    "کرمانی",
    "تهرانی",
    "شیرازی",
    "اصفهانی",
    "تبریزی",
    "یزدانی",
    "کیانی",
    "پورمحمد",
    "جمشیدی",
    "منصوری",
    "عزیزی",
    "غلامی",
    "دهقان",
    "کشاورز",
    "نظری",
    "صفری",
    "فتحی",
    "ملکی",
    "مختاری",
    "بابایی",
    "حسن‌زاده",
    "علی‌پور",
    "رحمانی",
    "خلیلی",
    "سبحانی",
    "آقایی",
];
const STREETS: [&str; 10] =
    ["آزادی", "انقلاب", "امام", "ولیعصر", "بهار", "شهید بهشتی", "فردوسی", "سعدی", "حافظ", "مطهری"];
const COMMISSIONS: [&str; 3] = ["کمیسیون پزشکی استان", "کمیسیون پزشکی شهرستان", "کمیسیون تخصصی بهزیستی"];
const BANKS: [[u8; 3]; 6] = [[0, 1, 7], [0, 1, 9], [0, 1, 2], [0, 1, 5], [0, 2, 1], [0, 1, 6]];

/// Population of each province in thousands (1395 census, rounded), in the order of
/// [`crate::geo::PROVINCES`]: persons are spread over the provinces by these weights.
const PROVINCE_WEIGHTS: [u32; 31] = [
    3910, 3265, 1271, 5121, 2713, 580, 1163, 13267, 948, 768, 6434, 863, 4710, 1057, 702, 2775, 4851, 1273, 1292, 1603,
    3164, 1952, 713, 1868, 2530, 1760, 3283, 1429, 1776, 1738, 1138,
];

/// What to make.
#[derive(Debug, Clone, Copy)]
pub struct PopulationConfig {
    pub persons: u64,
    pub seed: u64,
    /// The share of rows (0.0 to 1.0) made bad on purpose, to exercise imports.
    pub bad_rows: f64,
    pub geography: GeographyConfig,
}

impl Default for PopulationConfig {
    fn default() -> Self {
        Self { persons: 20_000, seed: 1403, bad_rows: 0.0, geography: GeographyConfig::default() }
    }
}

/// One household with its members and their disability assessments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthHousehold {
    pub household: RawHousehold,
    pub persons: Vec<RawPerson>,
    pub disabilities: Vec<RawDisability>,
}

/// The villages and cities of each province, to place households in.
struct Homes {
    by_province: Vec<Vec<String>>,
}

impl Homes {
    fn new(geo: &[PlaceSeed]) -> Self {
        fn collect(p: &PlaceSeed, out: &mut Vec<String>) {
            // Some villages nobody of the synthetic population lives in, for the
            // planning centre to find.
            if matches!(p.kind, PlaceKind::Village | PlaceKind::City) && !crate::planning::unreached(&p.code) {
                out.push(p.code.clone());
            }
            for c in &p.children {
                collect(c, out);
            }
        }
        let by_province = geo
            .iter()
            .map(|p| {
                let mut out = Vec::new();
                collect(p, &mut out);
                out
            })
            .collect();
        Self { by_province }
    }
}

/// Generates households until `persons` persons are made.
pub struct Population {
    config: PopulationConfig,
    rng: Rng,
    homes: Homes,
    made: u64,
    households: u64,
    /// The multiplier walking national codes: odd and not a multiple of 5, so it is
    /// a bijection modulo 10⁹ and codes never repeat.
    step: u64,
    offset: u64,
    counter: u64,
    last_code: Option<String>,
    today: time::Date,
}

impl Population {
    pub fn new(config: PopulationConfig) -> Self {
        let mut rng = Rng::new(config.seed);
        let step = (rng.below(400_000_000) * 2 + 100_000_001) | 1;
        let step = if step.is_multiple_of(5) { step + 2 } else { step };
        let offset = rng.below(1_000_000_000);
        Self {
            config,
            rng,
            homes: Homes::new(&geography(&config.geography)),
            made: 0,
            households: 0,
            step,
            offset,
            counter: 0,
            last_code: None,
            today: time::macros::date!(2026 - 03 - 20),
        }
    }

    fn next_code(&mut self) -> NationalCode {
        loop {
            self.counter += 1;
            let n = (self.counter.wrapping_mul(self.step).wrapping_add(self.offset)) % 1_000_000_000;
            let digits: [u8; 9] = std::array::from_fn(|i| ((n / 10u64.pow(8 - i as u32)) % 10) as u8);
            if let Some(code) = NationalCode::from_first_nine(digits) {
                return code;
            }
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.rng.below(1_000_000) as f64) < p * 1_000_000.0
    }

    fn weighted<const N: usize>(&mut self, weights: [u32; N]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut pick = self.rng.below(u64::from(total)) as u32;
        for (i, w) in weights.iter().enumerate() {
            if pick < *w {
                return i;
            }
            pick -= w;
        }
        N - 1
    }

    /// A birth date between `min_age` and `max_age` years before the population's
    /// day, as a registry file writes it, and the day itself.
    fn birth(&mut self, min_age: u64, max_age: u64) -> (String, time::Date) {
        let age_days = (min_age * 365) + self.rng.below((max_age - min_age).max(1) * 365);
        let date = self.today - time::Duration::days(age_days as i64);
        // Most registries hold Jalali dates; some rows come in ISO.
        let written = if self.rng.below(5) == 0 {
            date.to_string()
        } else {
            JalaliDate::from_gregorian(date).map(|d| d.to_ascii()).unwrap_or_else(|_| date.to_string())
        };
        (written, date)
    }

    fn sheba(&mut self) -> String {
        let bank = *self.rng.pick(&BANKS);
        let bban: [u8; 22] = std::array::from_fn(|i| if i < 3 { bank[i] } else { self.rng.below(10) as u8 });
        Sheba::from_bban(bban).as_string()
    }

    /// A person aged between `age.0` and `age.1` years, with the schooling, work
    /// and marriage of that age; returns the birth day too.
    fn person(
        &mut self,
        household: &str,
        relationship: &str,
        male: bool,
        family: &str,
        father: &str,
        age: (u64, u64),
    ) -> (RawPerson, time::Date) {
        let first = if male { *self.rng.pick(&MALE) } else { *self.rng.pick(&FEMALE) };
        let (birth_date, born) = self.birth(age.0, age.1);
        let years = (self.today - born).whole_days() / 365;
        let partner = relationship == "head" || relationship == "spouse";
        let (education, employment) = match years {
            0..=5 => ("none", "child"),
            6..=11 => ("primary", "student"),
            12..=17 => ("secondary", "student"),
            18..=24 if !partner && self.chance(0.5) => {
                (["diploma", "associate", "bachelor"][self.weighted([50, 20, 30])], "student")
            }
            _ => (
                ["none", "primary", "secondary", "diploma", "bachelor", "master"]
                    [self.weighted([12, 22, 25, 25, 12, 4])],
                if years >= 62 && self.chance(0.6) {
                    "retired"
                } else {
                    ["employed", "unemployed", "homemaker", "unable_to_work"][self.weighted([35, 30, 25, 10])]
                },
            ),
        };
        let adult = years >= 18;
        let marital_status = if partner {
            "married"
        } else if adult && years >= 22 && self.chance(0.1) {
            ["married", "divorced"][self.weighted([4, 1])]
        } else {
            "single"
        };
        let person = RawPerson {
            national_code: self.next_code().as_string(),
            household: household.to_string(),
            relationship: relationship.to_string(),
            first_name: first.to_string(),
            last_name: family.to_string(),
            father_name: father.to_string(),
            birth_date,
            sex: if male { "male" } else { "female" }.to_string(),
            marital_status: marital_status.to_string(),
            education: education.to_string(),
            employment: employment.to_string(),
            income: if adult && employment == "employed" && self.chance(0.7) {
                (self.rng.below(150) * 1_000_000).to_string()
            } else if adult && self.chance(0.3) {
                "0".to_string()
            } else {
                String::new()
            },
            income_decile: if relationship == "head" {
                (1 + self.weighted([30, 25, 20, 12, 6, 3, 2, 1, 1, 0])).to_string()
            } else {
                String::new()
            },
            sheba: if relationship == "head" { self.sheba() } else { String::new() },
            phone: if adult && self.chance(0.6) {
                format!("09{:09}", self.rng.below(1_000_000_000))
            } else {
                String::new()
            },
            deceased_on: String::new(),
            ..RawPerson::default()
        };
        (person, born)
    }

    /// An assessment of a person born on `born`: made in the three years before
    /// the population's day, never before the birth, valid for three years.
    fn disability(
        &mut self,
        code: &str,
        born: time::Date,
        kind: Option<&str>,
        after: Option<time::Date>,
    ) -> RawDisability {
        let kind = kind.unwrap_or(
            ["motor", "intellectual", "visual", "hearing", "speech", "psychiatric", "autism", "multiple"]
                [self.weighted([35, 20, 10, 12, 5, 10, 3, 5])],
        );
        let severity = ["mild", "moderate", "severe", "very_severe"][self.weighted([30, 35, 25, 10])];
        let earliest = after.map_or(born, |a| a + time::Duration::days(1)).max(born);
        let window = (self.today - earliest).whole_days().clamp(1, 3 * 365);
        let assessed = self.today - time::Duration::days(self.rng.below(window as u64) as i64);
        let until = assessed + time::Duration::days(3 * 365);
        let jalali = |d: time::Date| JalaliDate::from_gregorian(d).map(|j| j.to_ascii()).unwrap_or_default();
        RawDisability {
            national_code: code.to_string(),
            kind: kind.to_string(),
            severity: severity.to_string(),
            commission: self.rng.pick(&COMMISSIONS).to_string(),
            assessed_on: jalali(assessed),
            valid_until: jalali(until),
        }
    }

    /// Spoils a row the ways real files go wrong.
    fn spoil(&mut self, person: &mut RawPerson, household: &mut RawHousehold) {
        match self.rng.below(4) {
            0 => {
                let mut bytes = person.national_code.clone().into_bytes();
                if let Some(last) = bytes.last_mut() {
                    *last = b'0' + (*last - b'0' + 1) % 10;
                }
                person.national_code = String::from_utf8(bytes).unwrap_or_default();
            }
            1 => person.birth_date = "1404/12/30".into(),
            2 => {
                if let Some(previous) = &self.last_code {
                    person.national_code = previous.clone();
                }
            }
            _ => household.place = "99-99-X".into(),
        }
    }
}

impl Iterator for Population {
    type Item = SynthHousehold;

    fn next(&mut self) -> Option<SynthHousehold> {
        if self.made >= self.config.persons {
            return None;
        }
        self.households += 1;
        let file = format!("H{:08}", self.households);
        let province = self.weighted(PROVINCE_WEIGHTS);
        let homes = &self.homes.by_province[province];
        let place = homes[self.rng.below(homes.len() as u64) as usize].clone();
        let mut household = RawHousehold {
            file_number: file.clone(),
            place,
            address: format!("خیابان {} پلاک {}", self.rng.pick(&STREETS), 1 + self.rng.below(200)),
            postal_code: format!("{}{:09}", 1 + self.rng.below(9), self.rng.below(1_000_000_000)),
            phone: format!("0{}{:08}", 11 + self.rng.below(80), self.rng.below(100_000_000)),
            record_version: String::new(),
        };
        let size = 1 + self.weighted([10, 20, 25, 25, 12, 8]) as u64;
        let size = size.min(self.config.persons - self.made);
        let family = *self.rng.pick(&FAMILY);
        // A fifth of the organization's households are headed by a woman.
        let female_head = self.chance(0.2);
        let head_father = *self.rng.pick(&MALE);
        let head_age = 25 + self.rng.below(60);
        let (head, head_born) = self.person(&file, "head", !female_head, family, head_father, (head_age, head_age + 1));
        let children_father = if female_head { self.rng.pick(&MALE).to_string() } else { head.first_name.clone() };
        let mut persons = vec![(head, head_born)];
        if size >= 2 && !female_head {
            let spouse_family = *self.rng.pick(&FAMILY);
            let spouse_father = *self.rng.pick(&MALE);
            let spouse_age = (head_age.saturating_sub(3 + self.rng.below(8))).max(18);
            persons.push(self.person(
                &file,
                "spouse",
                false,
                spouse_family,
                spouse_father,
                (spouse_age, spouse_age + 1),
            ));
        }
        // Children are born when their parents are 18 to 45.
        let oldest_child = head_age.saturating_sub(18).min(35);
        let youngest_child = head_age.saturating_sub(45);
        while (persons.len() as u64) < size {
            let male = self.chance(0.5);
            persons.push(self.person(
                &file,
                "child",
                male,
                family,
                &children_father,
                (youngest_child, oldest_child.max(youngest_child + 1)),
            ));
        }
        // Now and then a member is registered twice: a second code for the same
        // person, the name typed with Arabic letters (ي, ك). Duplicate detection
        // should find these.
        if persons.len() >= 3 && self.chance(0.01) {
            let (original, born) = persons[persons.len() - 2].clone();
            let again = RawPerson {
                national_code: self.next_code().as_string(),
                first_name: original.first_name.replace('ی', "ي").replace('ک', "ك"),
                ..original
            };
            if let Some(last) = persons.last_mut() {
                *last = (again, born);
            }
        }
        let mut disabilities = Vec::new();
        for (p, born) in &persons {
            if self.chance(0.2) {
                let first = self.disability(&p.national_code, *born, None, None);
                // Some are assessed again since: the later assessment supersedes.
                if self.chance(0.15) {
                    let assessed = JalaliDate::parse(&first.assessed_on).map(|d| d.to_gregorian()).ok();
                    if assessed.is_some_and(|a| a < self.today - time::Duration::days(30)) {
                        let again = self.disability(&p.national_code, *born, Some(&first.kind.clone()), assessed);
                        disabilities.push(again);
                    }
                }
                disabilities.push(first);
            }
        }
        let mut persons: Vec<RawPerson> = persons.into_iter().map(|(p, _)| p).collect();
        if self.config.bad_rows > 0.0 {
            for person in &mut persons {
                if self.chance(self.config.bad_rows) {
                    self.spoil(person, &mut household);
                }
                self.last_code = Some(person.national_code.clone());
            }
        }
        self.made += persons.len() as u64;
        Some(SynthHousehold { household, persons, disabilities })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tavana_domain::registry::{DisabilityFields, HouseholdFields, PersonFields};

    #[test]
    fn good_population_is_valid_unique_and_deterministic() {
        let config = PopulationConfig { persons: 3_000, ..Default::default() };
        let all: Vec<_> = Population::new(config).collect();
        assert_eq!(all.iter().map(|h| h.persons.len()).sum::<usize>(), 3_000);
        let today = time::macros::date!(2026 - 11 - 26);
        let mut codes = std::collections::HashSet::new();
        for h in &all {
            HouseholdFields::parse(&h.household).unwrap();
            for p in &h.persons {
                PersonFields::parse(p, today).unwrap_or_else(|e| panic!("{p:?}: {e:?}"));
                assert!(codes.insert(p.national_code.clone()), "duplicate {}", p.national_code);
            }
            for d in &h.disabilities {
                DisabilityFields::parse(d, today).unwrap();
            }
        }
        let disabled: usize = all.iter().map(|h| h.disabilities.len()).sum();
        assert!((450..=750).contains(&disabled), "{disabled} disabilities in 3,000 persons");
        let twice = all
            .iter()
            .filter(|h| {
                let key = |p: &RawPerson| {
                    (tavana_domain::text::search_key(&p.first_name), p.birth_date.clone(), p.father_name.clone())
                };
                h.persons.iter().enumerate().any(|(i, a)| h.persons[i + 1..].iter().any(|b| key(a) == key(b)))
            })
            .count();
        assert!(twice >= 1, "some persons are registered twice, for duplicate detection to find");
        let tehran = all.iter().filter(|h| h.household.place.starts_with("08-")).count();
        assert!(tehran * 100 / all.len() > 10, "Tehran holds a sixth of Iran");
        assert_eq!(all, Population::new(config).collect::<Vec<_>>());
    }

    /// Synthetic households used to hold children older than their head, all of
    /// them "child / primary / single" up to thirty, and assessments before birth.
    #[test]
    fn households_are_plausible() {
        let config = PopulationConfig { persons: 5_000, ..Default::default() };
        let today = time::macros::date!(2026 - 11 - 26);
        let (mut students, mut adults_single, mut reassessed) = (0, 0, 0);
        for h in Population::new(config) {
            let persons: Vec<PersonFields> = h.persons.iter().map(|p| PersonFields::parse(p, today).unwrap()).collect();
            let heads: Vec<&PersonFields> =
                persons.iter().filter(|p| p.relationship == tavana_domain::registry::Relationship::Head).collect();
            assert_eq!(heads.len(), 1, "one head in {}", h.household.file_number);
            for p in &persons {
                if p.relationship == tavana_domain::registry::Relationship::Child {
                    let gap = (p.birth_date - heads[0].birth_date).whole_days() / 365;
                    assert!(gap >= 17, "a child {gap} years younger than the head in {}", h.household.file_number);
                    let age = (today - p.birth_date).whole_days() / 365;
                    if age < 6 {
                        assert_eq!(p.employment, Some(tavana_domain::registry::EmploymentStatus::Child));
                        assert_eq!(p.education, Some(tavana_domain::registry::Education::None));
                    }
                    students += usize::from(p.employment == Some(tavana_domain::registry::EmploymentStatus::Student));
                    adults_single += usize::from(age >= 18);
                }
            }
            let mut kinds = std::collections::HashMap::new();
            for d in &h.disabilities {
                let d = DisabilityFields::parse(d, today).unwrap();
                let person = persons.iter().find(|p| p.national_code == d.national_code).unwrap();
                assert!(
                    d.assessed_on >= person.birth_date,
                    "an assessment before birth in {}",
                    h.household.file_number
                );
                *kinds.entry((d.national_code.as_string(), d.kind)).or_insert(0) += 1;
            }
            reassessed += kinds.values().filter(|n| **n > 1).count();
        }
        assert!(students > 100 && adults_single > 50, "{students} students, {adults_single} adult children");
        assert!(reassessed > 5, "{reassessed} persons reassessed");
    }

    #[test]
    fn bad_rows_are_mixed_in_at_the_asked_share() {
        let config = PopulationConfig { persons: 5_000, bad_rows: 0.05, ..Default::default() };
        let today = time::macros::date!(2026 - 11 - 26);
        let bad = Population::new(config)
            .flat_map(|h| {
                let place_bad = h.household.place == "99-99-X";
                h.persons.into_iter().map(move |p| place_bad || PersonFields::parse(&p, today).is_err())
            })
            .filter(|b| *b)
            .count();
        assert!((100..=600).contains(&bad), "{bad} bad rows of 5,000");
    }
}
