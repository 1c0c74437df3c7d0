//! Org units and places.

use crate::access::{authorize, require};
use crate::audit::AuditEvent;
use crate::db::{Store, WriteTx};
use crate::{Result, StoreError};
use serde::Serialize;
use serde_json::json;
use tavana_domain::iam::{Action, Actor, Module};
use tavana_domain::org::{OrgUnitKind, PlaceKind, PlaceSeed, UnitPath};
use tavana_domain::text::normalize;

/// An org unit as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OrgUnit {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub code: String,
    pub name_fa: String,
    pub name_en: Option<String>,
    pub path: String,
    pub province_id: Option<i64>,
    pub place_id: Option<i64>,
}

impl OrgUnit {
    pub fn unit_path(&self) -> Result<UnitPath> {
        UnitPath::parse(&self.path).ok_or_else(|| StoreError::Corrupt(format!("org unit {} path", self.id)))
    }

    pub fn kind(&self) -> Option<OrgUnitKind> {
        OrgUnitKind::parse(&self.kind)
    }
}

/// A place in the address hierarchy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Place {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub code: String,
    pub name_fa: String,
    pub name_en: Option<String>,
    pub province_id: Option<i64>,
}

/// What loading reference geography created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GeographyLoaded {
    pub places: usize,
    pub org_units: usize,
}

const UNIT_COLUMNS: &str = "id, parent_id, kind, code, name_fa, name_en, path, province_id, place_id";

impl Store {
    /// Loads places and the org units that mirror them (HQ, one directorate per
    /// province, one office per county) in one transaction with one audit entry.
    /// Does nothing when an HQ already exists, so opening a seeded database again is
    /// safe.
    pub async fn load_geography(&self, provinces: &[PlaceSeed]) -> Result<GeographyLoaded> {
        let existing: Option<i64> = on_pool!(self, |c| {
            sqlx::query_scalar("SELECT id FROM org_units WHERE kind = 'hq'").fetch_optional(c).await
        })?;
        if existing.is_some() {
            return Ok(GeographyLoaded::default());
        }
        let loaded = self
            .write(async |tx| {
                let now = self.now();
                let hq = NewUnit {
                    kind: OrgUnitKind::Hq,
                    code: "HQ".into(),
                    name_fa: "ستاد سازمان بهزیستی کشور".into(),
                    name_en: Some("Headquarters"),
                    place_id: None,
                    province_id: None,
                };
                let (hq_id, hq_path) = insert_unit(tx, None, &hq, now).await?;
                let mut loaded = GeographyLoaded { places: 0, org_units: 1 };
                for province in provinces {
                    if province.kind != PlaceKind::Province {
                        return Err(StoreError::Corrupt(format!("place {} is not a province", province.code)));
                    }
                    let place_id = insert_place(tx, None, province, None, None).await?;
                    set_own_ids(tx, place_id).await?;
                    loaded.places += 1;
                    let directorate = NewUnit {
                        kind: OrgUnitKind::Province,
                        code: format!("P{}", province.code),
                        name_fa: format!("ادارهٔ کل بهزیستی استان {}", province.name_fa),
                        name_en: province.name_en.as_deref(),
                        place_id: Some(place_id),
                        province_id: Some(place_id),
                    };
                    let (unit_id, unit_path) = insert_unit(tx, Some((hq_id, &hq_path)), &directorate, now).await?;
                    loaded.org_units += 1;
                    for county in &province.children {
                        if !PlaceKind::Province.may_contain(county.kind) {
                            return Err(StoreError::Corrupt(format!("place {} cannot sit in a province", county.code)));
                        }
                        let county_place = insert_place(tx, Some(place_id), county, Some(place_id), None).await?;
                        set_own_ids(tx, county_place).await?;
                        loaded.places += 1;
                        let office = NewUnit {
                            kind: OrgUnitKind::County,
                            code: format!("C{}", county.code),
                            name_fa: format!("ادارهٔ بهزیستی شهرستان {}", county.name_fa),
                            name_en: county.name_en.as_deref(),
                            place_id: Some(county_place),
                            province_id: Some(place_id),
                        };
                        insert_unit(tx, Some((unit_id, &unit_path)), &office, now).await?;
                        loaded.org_units += 1;
                        loaded.places += insert_places_below(tx, county_place, county, place_id).await?;
                    }
                }
                tx.audit(
                    None,
                    AuditEvent::new("geography.load", "org_unit", hq_id)
                        .after(json!({ "places": loaded.places, "org_units": loaded.org_units })),
                )
                .await?;
                Ok(loaded)
            })
            .await?;
        Ok(loaded)
    }

    /// The org units in the actor's subtree, in tree order.
    pub async fn org_units(&self, actor: &Actor) -> Result<Vec<OrgUnit>> {
        require(actor, Action::Open(Module::Org))?;
        let sql = format!("SELECT {UNIT_COLUMNS} FROM org_units WHERE path LIKE $1 ORDER BY path");
        let units =
            on_pool!(self, |c| sqlx::query_as(&sql).bind(actor.unit_path.subtree_pattern()).fetch_all(c).await)?;
        Ok(units)
    }

    /// One org unit; `NotFound` outside the actor's subtree.
    pub async fn org_unit(&self, actor: &Actor, id: i64) -> Result<OrgUnit> {
        let unit = self.org_unit_unscoped(id).await?;
        authorize(actor, Action::Open(Module::Org), &unit.unit_path()?)?;
        Ok(unit)
    }

    /// One org unit by id, for the system itself (sign-in, the CLI). Callers acting
    /// for a user use [`Store::org_unit`].
    pub async fn org_unit_unscoped(&self, id: i64) -> Result<OrgUnit> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM org_units WHERE id = $1");
        let unit = on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
        Ok(unit)
    }

    /// One org unit by its code (`HQ`, `P23`, `C23-05`), for the CLI.
    pub async fn org_unit_by_code(&self, code: &str) -> Result<OrgUnit> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM org_units WHERE code = $1");
        let unit = on_pool!(self, |c| sqlx::query_as(&sql).bind(code.trim()).fetch_one(c).await)?;
        Ok(unit)
    }

    /// The places directly inside `parent` (the provinces when `None`). Places are
    /// public reference data: any signed-in user may read them.
    pub async fn places(&self, parent: Option<i64>) -> Result<Vec<Place>> {
        let places = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT id, parent_id, kind, code, name_fa, name_en, province_id FROM places \
                 WHERE ($1 IS NULL AND parent_id IS NULL) OR parent_id = $1 ORDER BY name_norm",
            )
            .bind(parent)
            .fetch_all(c)
            .await
        })?;
        Ok(places)
    }

    /// A place by its code (`08`, `08-01`, `08-01-D1-V3`).
    pub async fn place_by_code(&self, code: &str) -> Result<Place> {
        let place = on_pool!(self, |c| sqlx::query_as(
            "SELECT id, parent_id, kind, code, name_fa, name_en, province_id FROM places WHERE code = $1"
        )
        .bind(code.trim())
        .fetch_one(c)
        .await)?;
        Ok(place)
    }

    /// The Persian names of places by code (codes not known are left out).
    pub async fn place_names(&self, codes: &[String]) -> Result<std::collections::HashMap<String, String>> {
        let mut names = std::collections::HashMap::new();
        for chunk in codes.chunks(500) {
            let rows: Vec<(String, String)> = on_pool!(self, |c| {
                let mut q = sqlx::QueryBuilder::new("SELECT code, name_fa FROM places WHERE code IN (");
                let mut list = q.separated(", ");
                for code in chunk {
                    list.push_bind(code.clone());
                }
                q.push(")");
                q.build_query_as().fetch_all(c).await
            })?;
            names.extend(rows);
        }
        Ok(names)
    }

    /// Counts places of each kind.
    pub async fn place_counts(&self) -> Result<Vec<(String, i64)>> {
        let counts = on_pool!(self, |c| {
            sqlx::query_as("SELECT kind, COUNT(*) FROM places GROUP BY kind ORDER BY kind").fetch_all(c).await
        })?;
        Ok(counts)
    }
}

/// An org unit to insert.
struct NewUnit<'a> {
    kind: OrgUnitKind,
    code: String,
    name_fa: String,
    name_en: Option<&'a str>,
    place_id: Option<i64>,
    province_id: Option<i64>,
}

/// Inserts a unit under `parent` (or as the root) and returns its id and path.
async fn insert_unit(
    tx: &mut WriteTx,
    parent: Option<(i64, &UnitPath)>,
    unit: &NewUnit<'_>,
    now: i64,
) -> Result<(i64, UnitPath)> {
    // The path needs the new id, so a placeholder unique to this code goes in first
    // and is replaced in the same transaction.
    let placeholder = format!("/pending/{}/", unit.code);
    let id: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
            "INSERT INTO org_units (parent_id, kind, code, name_fa, name_en, place_id, path, province_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(parent.map(|(id, _)| id))
        .bind(unit.kind.as_str())
        .bind(&unit.code)
        .bind(&unit.name_fa)
        .bind(unit.name_en)
        .bind(unit.place_id)
        .bind(&placeholder)
        .bind(unit.province_id)
        .bind(now)
        .fetch_one(c)
        .await
    })?;
    let path = match parent {
        Some((_, parent_path)) => parent_path.child(id),
        None => UnitPath::root(id),
    };
    on_tx!(tx, |c| sqlx::query("UPDATE org_units SET path = $1 WHERE id = $2")
        .bind(path.as_str())
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok((id, path))
}

/// A province is its own province; a county is its own county.
async fn set_own_ids(tx: &mut WriteTx, place_id: i64) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE places SET province_id = CASE WHEN kind = 'province' THEN id ELSE province_id END, \
         county_id = CASE WHEN kind = 'county' THEN id ELSE county_id END WHERE id = $1"
    )
    .bind(place_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

async fn insert_place(
    tx: &mut WriteTx,
    parent_id: Option<i64>,
    seed: &PlaceSeed,
    province_id: Option<i64>,
    county_id: Option<i64>,
) -> Result<i64> {
    let id = on_tx!(tx, |c| {
        sqlx::query_scalar(
            "INSERT INTO places (parent_id, kind, code, name_fa, name_en, name_norm, province_id, county_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(parent_id)
        .bind(seed.kind.as_str())
        .bind(&seed.code)
        .bind(&seed.name_fa)
        .bind(&seed.name_en)
        .bind(normalize(&seed.name_fa))
        .bind(province_id)
        .bind(county_id)
        .fetch_one(c)
        .await
    })?;
    Ok(id)
}

/// Inserts the places below a county (cities, rural districts, villages), depth first.
async fn insert_places_below(tx: &mut WriteTx, county_id: i64, county: &PlaceSeed, province_id: i64) -> Result<usize> {
    let mut stack: Vec<(i64, &PlaceSeed)> = vec![(county_id, county)];
    let mut inserted = 0;
    while let Some((id, seed)) = stack.pop() {
        for child in &seed.children {
            if !seed.kind.may_contain(child.kind) {
                return Err(StoreError::Corrupt(format!("place {} cannot sit in {}", child.code, seed.code)));
            }
            let child_id = insert_place(tx, Some(id), child, Some(province_id), Some(county_id)).await?;
            inserted += 1;
            stack.push((child_id, child));
        }
    }
    Ok(inserted)
}
