//! Iran's provinces (real names) and some of their real counties; rural districts and
//! villages below them are synthetic but named the way Persian villages are.

use crate::Rng;
use tavana_domain::org::{PlaceKind, PlaceSeed};

/// (Persian name, English name, counties as (Persian, English)).
type ProvinceRow = (&'static str, &'static str, &'static [(&'static str, &'static str)]);

/// The 31 provinces, in the order of their two-digit codes here, each with its
/// capital county first.
pub const PROVINCES: [ProvinceRow; 31] = [
    ("آذربایجان شرقی", "East Azerbaijan", &[("تبریز", "Tabriz"), ("مراغه", "Maragheh"), ("مرند", "Marand")]),
    ("آذربایجان غربی", "West Azerbaijan", &[("ارومیه", "Urmia"), ("خوی", "Khoy"), ("مهاباد", "Mahabad")]),
    ("اردبیل", "Ardabil", &[("اردبیل", "Ardabil"), ("مشگین‌شهر", "Meshgin Shahr"), ("پارس‌آباد", "Parsabad")]),
    ("اصفهان", "Isfahan", &[("اصفهان", "Isfahan"), ("کاشان", "Kashan"), ("نجف‌آباد", "Najafabad")]),
    ("البرز", "Alborz", &[("کرج", "Karaj"), ("نظرآباد", "Nazarabad"), ("ساوجبلاغ", "Savojbolagh")]),
    ("ایلام", "Ilam", &[("ایلام", "Ilam"), ("دهلران", "Dehloran"), ("مهران", "Mehran")]),
    ("بوشهر", "Bushehr", &[("بوشهر", "Bushehr"), ("دشتستان", "Dashtestan"), ("کنگان", "Kangan")]),
    ("تهران", "Tehran", &[("تهران", "Tehran"), ("شمیرانات", "Shemiranat"), ("ورامین", "Varamin")]),
    (
        "چهارمحال و بختیاری",
        "Chaharmahal and Bakhtiari",
        &[("شهرکرد", "Shahrekord"), ("بروجن", "Borujen"), ("لردگان", "Lordegan")],
    ),
    ("خراسان جنوبی", "South Khorasan", &[("بیرجند", "Birjand"), ("قائنات", "Qaenat"), ("طبس", "Tabas")]),
    ("خراسان رضوی", "Razavi Khorasan", &[("مشهد", "Mashhad"), ("نیشابور", "Nishapur"), ("سبزوار", "Sabzevar")]),
    ("خراسان شمالی", "North Khorasan", &[("بجنورد", "Bojnord"), ("شیروان", "Shirvan"), ("اسفراین", "Esfarayen")]),
    ("خوزستان", "Khuzestan", &[("اهواز", "Ahvaz"), ("دزفول", "Dezful"), ("آبادان", "Abadan")]),
    ("زنجان", "Zanjan", &[("زنجان", "Zanjan"), ("ابهر", "Abhar"), ("خدابنده", "Khodabandeh")]),
    ("سمنان", "Semnan", &[("سمنان", "Semnan"), ("شاهرود", "Shahrud"), ("دامغان", "Damghan")]),
    (
        "سیستان و بلوچستان",
        "Sistan and Baluchestan",
        &[("زاهدان", "Zahedan"), ("چابهار", "Chabahar"), ("ایرانشهر", "Iranshahr")],
    ),
    ("فارس", "Fars", &[("شیراز", "Shiraz"), ("مرودشت", "Marvdasht"), ("کازرون", "Kazerun")]),
    ("قزوین", "Qazvin", &[("قزوین", "Qazvin"), ("تاکستان", "Takestan"), ("بوئین‌زهرا", "Buin Zahra")]),
    ("قم", "Qom", &[("قم", "Qom")]),
    ("کردستان", "Kurdistan", &[("سنندج", "Sanandaj"), ("سقز", "Saqqez"), ("مریوان", "Marivan")]),
    ("کرمان", "Kerman", &[("کرمان", "Kerman"), ("رفسنجان", "Rafsanjan"), ("سیرجان", "Sirjan")]),
    (
        "کرمانشاه",
        "Kermanshah",
        &[("کرمانشاه", "Kermanshah"), ("اسلام‌آباد غرب", "Eslamabad-e Gharb"), ("کنگاور", "Kangavar")],
    ),
    (
        "کهگیلویه و بویراحمد",
        "Kohgiluyeh and Boyer-Ahmad",
        &[("بویراحمد", "Boyer-Ahmad"), ("کهگیلویه", "Kohgiluyeh"), ("گچساران", "Gachsaran")],
    ),
    (
        "گلستان",
        "Golestan",
        &[("گرگان", "Gorgan"), ("گنبد کاووس", "Gonbad-e Kavus"), ("علی‌آباد کتول", "Aliabad-e Katul")],
    ),
    ("گیلان", "Gilan", &[("رشت", "Rasht"), ("لاهیجان", "Lahijan"), ("تالش", "Talesh")]),
    ("لرستان", "Lorestan", &[("خرم‌آباد", "Khorramabad"), ("بروجرد", "Borujerd"), ("دورود", "Dorud")]),
    ("مازندران", "Mazandaran", &[("ساری", "Sari"), ("بابل", "Babol"), ("آمل", "Amol")]),
    ("مرکزی", "Markazi", &[("اراک", "Arak"), ("ساوه", "Saveh"), ("خمین", "Khomeyn")]),
    ("هرمزگان", "Hormozgan", &[("بندرعباس", "Bandar Abbas"), ("میناب", "Minab"), ("قشم", "Qeshm")]),
    ("همدان", "Hamadan", &[("همدان", "Hamadan"), ("ملایر", "Malayer"), ("نهاوند", "Nahavand")]),
    ("یزد", "Yazd", &[("یزد", "Yazd"), ("میبد", "Meybod"), ("اردکان", "Ardakan")]),
];

const VILLAGE_FIRST: [&str; 16] = [
    "ده",
    "کلاته",
    "چشمه",
    "قلعه",
    "باغ",
    "تازه",
    "کهنه",
    "سرخ",
    "سفید",
    "علی",
    "حسن",
    "محمد",
    "امام",
    "شاه",
    "گل",
    "میر",
];
const VILLAGE_SECOND: [&str; 12] = ["آباد", "کند", "سرا", "ده", "بلاغ", "چشمه", "دره", "زار", "کوه", "رود", "بند", "ور"];
const DISTRICT_SIDE: [&str; 4] = ["مرکزی", "شمالی", "جنوبی", "غربی"];

/// How much synthetic geography to make below each county.
#[derive(Debug, Clone, Copy)]
pub struct GeographyConfig {
    pub seed: u64,
    pub rural_districts_per_county: usize,
    pub villages_per_rural_district: usize,
}

impl Default for GeographyConfig {
    fn default() -> Self {
        Self { seed: 1403, rural_districts_per_county: 3, villages_per_rural_district: 8 }
    }
}

/// The provinces with their counties; below each county its seat (a city), and
/// synthetic rural districts with villages.
pub fn geography(config: &GeographyConfig) -> Vec<PlaceSeed> {
    let mut rng = Rng::new(config.seed);
    PROVINCES
        .iter()
        .enumerate()
        .map(|(p, (name_fa, name_en, counties))| {
            let province_code = format!("{:02}", p + 1);
            PlaceSeed {
                code: province_code.clone(),
                kind: PlaceKind::Province,
                name_fa: (*name_fa).to_string(),
                name_en: Some((*name_en).to_string()),
                children: counties
                    .iter()
                    .enumerate()
                    .map(|(c, (county_fa, county_en))| {
                        let county_code = format!("{province_code}-{:02}", c + 1);
                        county(&mut rng, config, &county_code, county_fa, county_en)
                    })
                    .collect(),
            }
        })
        .collect()
}

fn county(rng: &mut Rng, config: &GeographyConfig, code: &str, name_fa: &str, name_en: &str) -> PlaceSeed {
    let mut children = vec![PlaceSeed {
        code: format!("{code}-C"),
        kind: PlaceKind::City,
        name_fa: name_fa.to_string(),
        name_en: Some(name_en.to_string()),
        children: vec![],
    }];
    for d in 0..config.rural_districts_per_county {
        let district_code = format!("{code}-D{}", d + 1);
        let side = DISTRICT_SIDE[d % DISTRICT_SIDE.len()];
        let villages = (0..config.villages_per_rural_district)
            .map(|v| PlaceSeed {
                code: format!("{district_code}-V{}", v + 1),
                kind: PlaceKind::Village,
                name_fa: format!("{}{}", rng.pick(&VILLAGE_FIRST), rng.pick(&VILLAGE_SECOND)),
                name_en: None,
                children: vec![],
            })
            .collect();
        children.push(PlaceSeed {
            code: district_code,
            kind: PlaceKind::RuralDistrict,
            name_fa: format!("دهستان {side} {name_fa}"),
            name_en: None,
            children: villages,
        });
    }
    PlaceSeed {
        code: code.to_string(),
        kind: PlaceKind::County,
        name_fa: name_fa.to_string(),
        name_en: Some(name_en.to_string()),
        children,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_one_provinces_with_unique_codes() {
        let geo = geography(&GeographyConfig::default());
        assert_eq!(geo.len(), 31);
        let mut codes = Vec::new();
        fn walk(p: &PlaceSeed, codes: &mut Vec<String>) {
            codes.push(p.code.clone());
            for c in &p.children {
                assert!(p.kind.may_contain(c.kind), "{} in {}", c.code, p.code);
                walk(c, codes);
            }
        }
        for p in &geo {
            walk(p, &mut codes);
        }
        let total = codes.len();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), total);
        assert_eq!(geo.iter().map(PlaceSeed::count).sum::<usize>(), total);
        assert!(geo.iter().any(|p| p.name_fa == "سیستان و بلوچستان"));
    }

    #[test]
    fn the_same_seed_gives_the_same_villages() {
        let config = GeographyConfig::default();
        assert_eq!(geography(&config), geography(&config));
        let other = geography(&GeographyConfig { seed: 7, ..config });
        assert_ne!(geography(&config), other);
    }
}
