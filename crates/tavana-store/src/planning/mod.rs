//! Planning: the organization's reach per province, county and village
//! (coverage), the villages nobody has reached ([`villages`]), waiting, budget
//! execution and effectiveness over time ([`trends`]).
//!
//! Figures are counts, never persons: reading them is not a logged read. They
//! are read from aggregates kept in the transaction of every change
//! (`place_facts`, kept by the household facts' recount; `enrollment_moves`,
//! the moves of enrollments per month and office, whose sum over every month
//! is what is in force and waiting today) or from indexed reads of one
//! county's enrollments.
//!
//! An actor sees the area of their unit's place: the whole country at HQ, their
//! province, or their county. Beneficiaries are counted by the county office
//! that serves them; within a county, by the village or city their household
//! lives in.

pub(crate) mod moves;
pub mod trends;
pub mod villages;

use crate::access::require;
use crate::db::Store;
use crate::sql::Sql;
use crate::{Result, StoreError};
use std::collections::HashMap;
use tavana_domain::iam::{Action, Actor, Module};
use tavana_domain::planning::Level;
use tavana_domain::programs::ProgramTarget;

const OPEN: Action = Action::Open(Module::Planning);

/// The area a figure covers: the country, a province or a county.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Area {
    pub level: Level,
    /// The place (none for the country).
    pub place_id: Option<i64>,
    pub code: String,
    pub name_fa: String,
    /// The area above it, when the actor may see it (none: the country).
    pub up: Option<i64>,
    /// Whether the actor may go up at all (the country is above a province).
    pub may_go_up: bool,
}

/// A program as figures name it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgramHead {
    pub id: i64,
    pub code: String,
    pub name_fa: String,
    #[sqlx(try_from = "String")]
    pub target: ProgramTarget,
}

/// One place's reach: the registered households with living members, their
/// living members (the target community the organization knows), those with a
/// disability and a severe one, the census population (villages), and the
/// beneficiaries in force of each program (in the order of `Coverage::programs`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoverageRow {
    pub place_id: i64,
    pub code: String,
    pub name_fa: String,
    /// province, county, city or village.
    pub kind: String,
    pub households: i64,
    pub members: i64,
    pub with_disability: i64,
    pub with_severe: i64,
    /// The census population of its villages (none imported: 0).
    pub population: i64,
    pub beneficiaries: Vec<i64>,
}

impl CoverageRow {
    fn add(&mut self, other: &CoverageRow) {
        self.households += other.households;
        self.members += other.members;
        self.with_disability += other.with_disability;
        self.with_severe += other.with_severe;
        self.population += other.population;
        if self.beneficiaries.len() < other.beneficiaries.len() {
            self.beneficiaries.resize(other.beneficiaries.len(), 0);
        }
        for (b, o) in self.beneficiaries.iter_mut().zip(&other.beneficiaries) {
            *b += o;
        }
    }
}

/// An area's coverage: a row per place below it, and the area's total.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coverage {
    pub area: Area,
    pub programs: Vec<ProgramHead>,
    pub rows: Vec<CoverageRow>,
    pub total: CoverageRow,
}

/// The SQL that picks an area's places and groups them by the row they count in.
pub(crate) struct Grouping {
    /// The expression over `p` (a place) naming its row.
    pub key: &'static str,
    /// The condition over `p` keeping the area's places.
    pub within: Sql,
}

impl Area {
    /// How the places of this area are grouped into its rows.
    pub(crate) fn grouping(&self) -> Grouping {
        let id = self.place_id.unwrap_or(0);
        match self.level {
            Level::Country => Grouping { key: "p.province_id", within: Sql::new("1 = 1") },
            Level::Province => {
                let mut within = Sql::new("p.province_id = ");
                within.bind_int(id);
                Grouping { key: "p.county_id", within }
            }
            Level::County => {
                let mut within = Sql::new("p.county_id = ");
                within.bind_int(id).push(" AND p.kind IN ('village', 'city')");
                Grouping { key: "p.id", within }
            }
        }
    }

    /// The condition over `o` (an org unit) keeping the county offices of this area.
    pub(crate) fn offices(&self) -> Sql {
        let id = self.place_id.unwrap_or(0);
        match self.level {
            Level::Country => Sql::new("1 = 1"),
            Level::Province => {
                let mut sql = Sql::new("o.province_id = ");
                sql.bind_int(id);
                sql
            }
            Level::County => {
                let mut sql = Sql::new("o.place_id = ");
                sql.bind_int(id);
                sql
            }
        }
    }
}

#[derive(sqlx::FromRow)]
struct PlaceRow {
    id: i64,
    parent_id: Option<i64>,
    kind: String,
    code: String,
    name_fa: String,
    province_id: Option<i64>,
    county_id: Option<i64>,
}

impl Store {
    /// The place of the actor's unit: none at HQ (the whole country).
    async fn reach(&self, actor: &Actor) -> Result<Option<PlaceRow>> {
        let place: Option<i64> =
            on_pool!(self, |c| sqlx::query_scalar("SELECT place_id FROM org_units WHERE id = $1")
                .bind(actor.unit_id)
                .fetch_one(c)
                .await)?;
        match place {
            None => Ok(None),
            Some(id) => Ok(Some(self.place_row(id).await?)),
        }
    }

    async fn place_row(&self, id: i64) -> Result<PlaceRow> {
        let row = on_pool!(self, |c| sqlx::query_as(
            "SELECT id, parent_id, kind, code, name_fa, province_id, county_id FROM places WHERE id = $1"
        )
        .bind(id)
        .fetch_one(c)
        .await)?;
        Ok(row)
    }

    /// The area of `place` (a province or a county), or the actor's own area; a
    /// place outside the actor's area, or of another kind, is not found.
    pub async fn planning_area(&self, actor: &Actor, place: Option<i64>) -> Result<Area> {
        require(actor, OPEN)?;
        let reach = self.reach(actor).await?;
        let chosen = match (place, &reach) {
            (None, None) => {
                return Ok(Area {
                    level: Level::Country,
                    place_id: None,
                    code: String::new(),
                    name_fa: "کل کشور".into(),
                    up: None,
                    may_go_up: false,
                });
            }
            (None, Some(own)) => self.place_row(own.id).await?,
            (Some(id), _) => self.place_row(id).await?,
        };
        let inside = match &reach {
            None => true,
            Some(own) if own.kind == "province" => chosen.province_id == Some(own.id),
            Some(own) => chosen.id == own.id || chosen.county_id == Some(own.id),
        };
        let level = match chosen.kind.as_str() {
            "province" => Level::Province,
            "county" => Level::County,
            _ => return Err(StoreError::NotFound),
        };
        if !inside {
            return Err(StoreError::NotFound);
        }
        // Up: the province above a county, or the country above a province,
        // within the actor's area.
        let above_reach = |level: Level| match (&reach, level) {
            (None, _) => true,
            (Some(own), Level::County) => own.kind == "province",
            _ => false,
        };
        Ok(Area {
            level,
            place_id: Some(chosen.id),
            code: chosen.code,
            name_fa: chosen.name_fa,
            up: if level == Level::County && above_reach(level) { chosen.parent_id } else { None },
            may_go_up: above_reach(level),
        })
    }

    /// The programs figures are given for: those in force or closed (a draft
    /// serves nobody yet), by id.
    pub async fn planning_programs(&self, actor: &Actor) -> Result<Vec<ProgramHead>> {
        require(actor, OPEN)?;
        let rows = on_pool!(self, |c| sqlx::query_as(
            "SELECT id, code, name_fa, target FROM programs WHERE status <> 'draft' ORDER BY id"
        )
        .fetch_all(c)
        .await)?;
        Ok(rows)
    }

    /// An area's coverage: per place below it, the registered households and
    /// members, those with a disability, the census population and each
    /// program's beneficiaries in force; and the area's total.
    pub async fn coverage(&self, actor: &Actor, place: Option<i64>) -> Result<Coverage> {
        let area = self.planning_area(actor, place).await?;
        let programs = self.planning_programs(actor).await?;
        let Grouping { key, within } = area.grouping();
        let child_kinds = match area.level {
            Level::Country => "p.kind = 'province'",
            Level::Province => "p.kind = 'county'",
            Level::County => "1 = 1",
        };
        let mut places = Sql::new("SELECT p.id, p.code, p.name_fa, p.kind FROM places p WHERE ");
        places.append(&within).push(" AND ").push(child_kinds).push(" ORDER BY p.code");
        let places: Vec<(i64, String, String, String)> =
            on_pool!(self, |c| places.builder().build_query_as().fetch_all(c).await)?;
        let index: HashMap<i64, usize> = places.iter().enumerate().map(|(i, p)| (p.0, i)).collect();
        let mut rows: Vec<CoverageRow> = places
            .into_iter()
            .map(|(place_id, code, name_fa, kind)| CoverageRow {
                place_id,
                code,
                name_fa,
                kind,
                beneficiaries: vec![0; programs.len()],
                ..CoverageRow::default()
            })
            .collect();

        let mut facts = Sql::new(&format!(
            "SELECT {key}, CAST(SUM(f.households) AS BIGINT), CAST(SUM(f.members) AS BIGINT), \
             CAST(SUM(f.with_disability) AS BIGINT), CAST(SUM(f.with_severe) AS BIGINT) \
             FROM place_facts f JOIN places p ON p.id = f.place_id WHERE "
        ));
        facts.append(&within).push(&format!(" GROUP BY {key}"));
        let facts: Vec<(Option<i64>, i64, i64, i64, i64)> =
            on_pool!(self, |c| facts.builder().build_query_as().fetch_all(c).await)?;
        for (k, households, members, with_disability, with_severe) in facts {
            if let Some(row) = k.and_then(|k| index.get(&k)).map(|&i| &mut rows[i]) {
                row.households = households;
                row.members = members;
                row.with_disability = with_disability;
                row.with_severe = with_severe;
            }
        }

        let mut census = Sql::new(&format!(
            "SELECT {key}, CAST(SUM(v.population) AS BIGINT) FROM village_populations v \
             JOIN places p ON p.id = v.place_id WHERE "
        ));
        census.append(&within).push(&format!(" GROUP BY {key}"));
        let census: Vec<(Option<i64>, i64)> = on_pool!(self, |c| census.builder().build_query_as().fetch_all(c).await)?;
        for (k, population) in census {
            if let Some(&i) = k.and_then(|k| index.get(&k)) {
                rows[i].population = population;
            }
        }

        let program_index: HashMap<i64, usize> = programs.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        for (k, program, n) in self.beneficiaries_by_place(&area).await? {
            if let (Some(&i), Some(&j)) = (index.get(&k), program_index.get(&program)) {
                rows[i].beneficiaries[j] = n;
            }
        }
        let mut total = CoverageRow {
            place_id: area.place_id.unwrap_or(0),
            code: area.code.clone(),
            name_fa: area.name_fa.clone(),
            kind: match area.level {
                Level::Country => "country".into(),
                Level::Province => "province".into(),
                Level::County => "county".into(),
            },
            beneficiaries: vec![0; programs.len()],
            ..CoverageRow::default()
        };
        for row in &rows {
            total.add(row);
        }
        Ok(Coverage { area, programs, rows, total })
    }

    /// Beneficiaries in force per row of an area and program: by their county
    /// office's place above a county, by their household's place within one.
    async fn beneficiaries_by_place(&self, area: &Area) -> Result<Vec<(i64, i64, i64)>> {
        let offices = area.offices();
        let sql = match area.level {
            Level::Country | Level::Province => {
                let key = if area.level == Level::Country { "o.province_id" } else { "o.place_id" };
                // Every move ever tallied per office: those in force today.
                let mut sql = Sql::new(&format!(
                    "SELECT {key}, m.program_id, CAST(SUM(m.entries - m.leaves) AS BIGINT) FROM enrollment_moves m \
                     JOIN org_units o ON o.id = m.unit_id WHERE o.kind = 'county' AND "
                ));
                sql.append(&offices).push(&format!(" GROUP BY {key}, m.program_id"));
                sql
            }
            Level::County => {
                // The place each enrollment keeps (`enrollments.place_id`), from the index.
                let mut sql = Sql::new(
                    "SELECT e.place_id, e.program_id, COUNT(*) FROM enrollments e WHERE e.state = 'enrolled' \
                     AND e.unit_id IN (SELECT o.id FROM org_units o WHERE ",
                );
                sql.append(&offices).push(") GROUP BY e.place_id, e.program_id");
                sql
            }
        };
        let rows: Vec<(Option<i64>, i64, i64)> = on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        Ok(rows.into_iter().filter_map(|(k, p, n)| k.map(|k| (k, p, n))).collect())
    }
}
