//! Villages: the census reference table (a village's population) and the
//! villages nobody has reached, where a census population suggests a target
//! community but nobody is registered or nobody is served, ranked for field
//! teams.

use super::{Area, Grouping};
use crate::Result;
use crate::access::require;
use crate::db::Store;
use crate::employment::BadRow;
use crate::sql::Sql;
use serde_json::json;
use std::collections::HashMap;
use tavana_domain::iam::{Action, Actor};
use tavana_domain::planning::{PlanningAction, RawVillage, Reach, VillageFields, expected_target, target_rate_ppm};

/// Villages named in one audit entry of an import.
const NAMED_PER_ENTRY: usize = 10_000;

/// What an import of the census table did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VillageImport {
    /// Villages whose population was recorded (new or changed).
    pub recorded: usize,
    pub refused: Vec<BadRow>,
}

/// A village nobody has reached.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HiddenVillage {
    pub place_id: i64,
    pub code: String,
    pub name_fa: String,
    pub county_fa: String,
    pub province_fa: String,
    pub population: i64,
    /// The target community its population suggests.
    pub expected: i64,
    pub households: i64,
    pub members: i64,
    pub reach: Reach,
}

/// The villages nobody has reached in an area, with what their ranking assumes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HiddenVillages {
    pub area: Area,
    /// The share of a census population the target community is taken to be,
    /// in parts per million: registered members over the census population of
    /// the area's villages where somebody is registered (the national share
    /// when there is none).
    pub rate_ppm: i64,
    /// Whether the rate was observed in the area's villages; otherwise it is
    /// the national share ([`tavana_domain::planning::DEFAULT_TARGET_RATE_PPM`]).
    pub rate_observed: bool,
    /// Villages with a census population in the area.
    pub villages: i64,
    /// Those nobody is registered in, and those registered but not served.
    pub unregistered: i64,
    pub unserved: i64,
    /// Ranked: nobody registered first, then by the target community expected,
    /// then by code.
    pub rows: Vec<HiddenVillage>,
}

impl Store {
    /// Records the census population of villages from CSV (`code, county, name,
    /// population, census_year`, a header first): every good row in one
    /// transaction, every bad row reported with its line (unreadable, a field
    /// out of range, a village the geography does not know, not in the county
    /// named or outside the planner's area, a village twice).
    pub async fn import_villages(&self, actor: &Actor, csv: &[u8]) -> Result<VillageImport> {
        require(actor, Action::Planning(PlanningAction::ImportVillages))?;
        let area = self.planning_area(actor, None).await?;
        let mut sql = Sql::new(
            "SELECT p.id, p.code, c.code, p.province_id FROM places p JOIN places c ON c.id = p.county_id \
             WHERE p.kind = 'village'",
        );
        if let Some(own) = area.place_id {
            sql.push(" AND (p.province_id = ").bind_int(own).push(" OR p.county_id = ").bind_int(own).push(")");
        }
        let known: Vec<(i64, String, String, Option<i64>)> =
            on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        let by_code: HashMap<String, (i64, String)> =
            known.into_iter().map(|(id, code, county, _)| (code, (id, county))).collect();
        let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(csv);
        let mut good: Vec<(i64, VillageFields)> = Vec::new();
        let mut seen: HashMap<i64, usize> = HashMap::new();
        let mut refused = Vec::new();
        for (n, record) in reader.deserialize::<RawVillage>().enumerate() {
            let line = n + 2;
            let raw = match record {
                Ok(raw) => raw,
                Err(_) => {
                    refused.push(BadRow::new(
                        line,
                        &tavana_domain::DomainError::new("row", tavana_domain::error::Reason::BadFormat),
                    ));
                    continue;
                }
            };
            let fields = match VillageFields::parse(&raw) {
                Ok(f) => f,
                Err(errors) => {
                    refused.extend(errors.iter().map(|e| BadRow::new(line, e)));
                    continue;
                }
            };
            let Some((id, county)) = by_code.get(&fields.code) else {
                refused.push(BadRow::new(line, &tavana_domain::planning::unknown_village()));
                continue;
            };
            if *county != fields.county {
                refused.push(BadRow::new(line, &tavana_domain::planning::other_county()));
                continue;
            }
            if let Some(first) = seen.insert(*id, line) {
                refused.push(BadRow::new(
                    line,
                    &tavana_domain::DomainError::breaks(
                        "code",
                        format!("is on line {first} already"),
                        format!("در سطر {} آمده است", tavana_domain::text::to_persian_digits(&first.to_string())),
                    ),
                ));
                continue;
            }
            good.push((*id, fields));
        }
        let recorded = good.len();
        if recorded == 0 {
            return Ok(VillageImport { recorded, refused });
        }
        let now = self.now();
        self.write(async |tx| {
            for chunk in good.chunks(1_000) {
                let mut sql = Sql::new(
                    "INSERT INTO village_populations (place_id, population, census_year, imported_at, imported_by) VALUES ",
                );
                for (i, (id, f)) in chunk.iter().enumerate() {
                    sql.push(if i == 0 { "(" } else { ", (" })
                        .bind_int(*id)
                        .push(", ")
                        .bind_int(f.population)
                        .push(", ")
                        .bind_int(f.census_year)
                        .push(", ")
                        .bind_int(now)
                        .push(", ")
                        .bind_int(actor.user_id)
                        .push(")");
                }
                sql.push(
                    " ON CONFLICT (place_id) DO UPDATE SET population = excluded.population, \
                     census_year = excluded.census_year, imported_at = excluded.imported_at, \
                     imported_by = excluded.imported_by",
                );
                on_tx!(tx, |c| sql.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
            }
            let named: Vec<serde_json::Value> =
                good.iter().map(|(id, f)| json!([id, f.code, f.population, f.census_year])).collect();
            for (part, chunk) in named.chunks(NAMED_PER_ENTRY).enumerate() {
                tx.audit(
                    Some(actor),
                    crate::audit::AuditEvent::new("planning.villages", "village_populations", part as i64)
                        .after(json!({ "villages": chunk, "refused": refused.len() })),
                )
                .await?;
            }
            Ok(())
        })
        .await?;
        Ok(VillageImport { recorded, refused })
    }

    /// The villages of an area nobody has reached, ranked, at most `limit`
    /// (with the counts of all of them).
    pub async fn hidden_villages(&self, actor: &Actor, place: Option<i64>, limit: usize) -> Result<HiddenVillages> {
        let area = self.planning_area(actor, place).await?;
        let Grouping { within, .. } = area.grouping();
        // Villages with a census population, with what is registered there and
        // whether anybody registered there is served (a member of one of its
        // households in force in any program): looked up village by village,
        // household by household, in nested EXISTS so that the order holds on
        // both backends (joined, SQLite began from every enrollment in force).
        let mut sql = Sql::new(
            "SELECT p.id, p.code, p.name_fa, c.name_fa, r.name_fa, v.population, COALESCE(f.households, 0), \
             COALESCE(f.members, 0), CAST(CASE WHEN COALESCE(f.households, 0) > 0 AND EXISTS (SELECT 1 \
             FROM households h WHERE h.place_id = p.id AND EXISTS (SELECT 1 FROM persons s \
             WHERE s.household_id = h.id AND EXISTS (SELECT 1 FROM enrollments e WHERE e.person_id = s.id \
             AND e.state = 'enrolled'))) THEN 1 ELSE 0 END AS BIGINT) \
             FROM village_populations v JOIN places p ON p.id = v.place_id \
             JOIN places c ON c.id = p.county_id JOIN places r ON r.id = p.province_id \
             LEFT JOIN place_facts f ON f.place_id = p.id WHERE p.kind = 'village' AND ",
        );
        sql.append(&within);
        type Row = (i64, String, String, String, String, i64, i64, i64, i64);
        let villages: Vec<Row> = on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        let (registered, population) =
            villages.iter().filter(|v| v.6 > 0).fold((0i64, 0i64), |(m, p), v| (m + v.7, p + v.5));
        let observed = target_rate_ppm(registered, population).filter(|r| *r > 0);
        let rate_ppm = observed.unwrap_or(tavana_domain::planning::DEFAULT_TARGET_RATE_PPM);
        let mut rows: Vec<HiddenVillage> = villages
            .iter()
            .filter_map(|(place_id, code, name_fa, county_fa, province_fa, population, households, members, served)| {
                let expected = expected_target(*population, rate_ppm);
                Reach::of(expected, *households, *served).map(|reach| HiddenVillage {
                    place_id: *place_id,
                    code: code.clone(),
                    name_fa: name_fa.clone(),
                    county_fa: county_fa.clone(),
                    province_fa: province_fa.clone(),
                    population: *population,
                    expected,
                    households: *households,
                    members: *members,
                    reach,
                })
            })
            .collect();
        rows.sort_by(|a, b| a.reach.cmp(&b.reach).then(b.expected.cmp(&a.expected)).then(a.code.cmp(&b.code)));
        let unregistered = rows.iter().filter(|r| r.reach == Reach::Unregistered).count() as i64;
        let unserved = rows.len() as i64 - unregistered;
        rows.truncate(limit);
        Ok(HiddenVillages {
            area,
            rate_ppm,
            rate_observed: observed.is_some(),
            villages: villages.len() as i64,
            unregistered,
            unserved,
            rows,
        })
    }
}
