//! The villages' census table the demo imports: every village of the geography
//! with a population, the same for the same seed. A few villages are left
//! unreached by the synthetic population ([`unreached`]), so the planning
//! centre has villages nobody has registered to find.

use crate::Rng;
use tavana_domain::org::{PlaceKind, PlaceSeed};

/// The census year the table speaks of.
pub const CENSUS_YEAR: i64 = 1395;

/// Whether the synthetic population leaves a village unreached: the eighth
/// village of every third rural district (about one village in 24 of the
/// default geography).
pub fn unreached(code: &str) -> bool {
    code.ends_with("-D3-V8")
}

/// Every village as a census row: code, county code, name, population (from
/// 120 to about 6,000, most of them small), census year.
pub fn census(geo: &[PlaceSeed], seed: u64) -> Vec<(String, String, String, i64)> {
    fn walk(p: &PlaceSeed, county: &str, rng: &mut Rng, out: &mut Vec<(String, String, String, i64)>) {
        let county = if p.kind == PlaceKind::County { p.code.as_str() } else { county };
        if p.kind == PlaceKind::Village {
            // The product of two uniform draws: many small villages, a few large.
            let population = 120 + (rng.below(80) as i64 + 1) * (rng.below(75) as i64 + 1);
            out.push((p.code.clone(), county.to_string(), p.name_fa.clone(), population));
        }
        for c in &p.children {
            walk(c, county, rng, out);
        }
    }
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    for province in geo {
        walk(province, "", &mut rng, &mut out);
    }
    out
}

/// The census as the CSV the planning centre imports.
pub fn census_csv(geo: &[PlaceSeed], seed: u64) -> String {
    let mut csv = String::from("code,county,name,population,census_year\n");
    for (code, county, name, population) in census(geo, seed) {
        csv.push_str(&format!("{code},{county},{name},{population},{CENSUS_YEAR}\n"));
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::{GeographyConfig, geography};

    #[test]
    fn every_village_has_a_population_and_a_few_are_unreached() {
        let geo = geography(&GeographyConfig::default());
        let rows = census(&geo, 7);
        assert!(rows.len() > 2_000, "{}", rows.len());
        assert!(rows.iter().all(|r| (121..=6_120).contains(&r.3)));
        assert!(
            rows.iter().all(|r| r.0.starts_with(&format!("{}-", r.1))),
            "a village's code begins with its county's"
        );
        let unreached = rows.iter().filter(|r| unreached(&r.0)).count();
        assert!(unreached * 30 > rows.len() && unreached * 20 < rows.len(), "{unreached} of {}", rows.len());
        assert_eq!(census(&geo, 7), rows, "the same seed, the same table");
    }
}
