//! Human resources (see the domain's `hr`): positions per unit, the staff who
//! hold them, the org chart of a unit, and succession for critical positions.
//! Staff records are personal data of the organization's own people: every read
//! that names them is logged (`Sensitive::Staff`).

use crate::access::{authorize, require, unit_path};
use crate::db::Store;
use crate::sql::Sql;
use crate::{Result, StoreError};
use std::collections::HashMap;
use tavana_domain::DomainError;
use tavana_domain::error::Reason;
use tavana_domain::hr::{
    EmploymentType, HrAction, PositionFields, Readiness, StaffFields, SuccessionRisk, succession_risk,
};
use tavana_domain::iam::{Action, Actor, Module};

const MANAGE: Action = Action::Hr(HrAction::Manage);
const OPEN: Action = Action::Open(Module::Hr);

/// The furthest a succession horizon looks, in years.
pub const MAX_HORIZON: i32 = 10;

/// How many staff one audit entry of a load names.
const NAMED_PER_ENTRY: usize = 10_000;

/// A position, with its unit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Position {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub critical: bool,
}

const POSITION_SELECT: &str = "SELECT p.id, p.code, p.title, p.unit_id, u.name_fa AS unit_name, \
     (p.critical = 1) AS critical FROM positions p JOIN org_units u ON u.id = p.unit_id";

/// A member of staff.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffMember {
    pub id: i64,
    pub personnel_number: String,
    pub national_code: String,
    pub first_name: String,
    pub last_name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub position_id: Option<i64>,
    pub position_title: Option<String>,
    pub grade: i64,
    #[sqlx(try_from = "String")]
    pub employment_type: EmploymentType,
    /// ISO.
    pub hire_date: String,
    /// The expected retirement day, ISO.
    pub retirement_date: String,
}

const STAFF_SELECT: &str = "SELECT s.id, s.personnel_number, s.national_code, s.first_name, s.last_name, s.unit_id, \
     u.name_fa AS unit_name, s.position_id, p.title AS position_title, s.grade, s.employment_type, s.hire_date, \
     s.retirement_date FROM staff s JOIN org_units u ON u.id = s.unit_id LEFT JOIN positions p ON p.id = s.position_id";

/// A candidate to succeed to a position.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Successor {
    pub staff_id: i64,
    pub personnel_number: String,
    pub first_name: String,
    pub last_name: String,
    pub unit_name: String,
    #[sqlx(try_from = "String")]
    pub readiness: Readiness,
    /// The development plan.
    pub plan: String,
    /// The vetting case of the candidacy, whose advice the page shows.
    pub vetting_case: Option<i64>,
}

/// A position with its holder and the candidates to succeed to it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PositionFile {
    pub position: Position,
    pub holder: Option<StaffMember>,
    pub successors: Vec<Successor>,
}

/// A unit's org chart: its sub-units with their staff, its positions with
/// their holders, and its staff count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgChart {
    pub unit_id: i64,
    pub unit_name: String,
    pub parent_id: Option<i64>,
    /// (id, name, staff in its subtree).
    pub children: Vec<(i64, String, i64)>,
    /// Each position with its holder's name and retirement day, if held.
    pub positions: Vec<ChartPosition>,
    /// Staff working in the unit itself.
    pub staff: i64,
}

/// A position on an org chart.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChartPosition {
    pub id: i64,
    pub title: String,
    pub critical: bool,
    pub holder: Option<String>,
    pub retirement_date: Option<String>,
}

/// A critical position at risk, with why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AtRisk {
    pub position: Position,
    pub holder: Option<String>,
    pub retirement_date: Option<String>,
    /// Candidates ready now, and all candidates.
    pub ready_now: i64,
    pub candidates: i64,
    pub risk: SuccessionRisk,
}

#[derive(sqlx::FromRow)]
struct RiskRow {
    #[sqlx(flatten)]
    position: Position,
    holder: Option<String>,
    retirement_date: Option<String>,
    ready_now: i64,
    candidates: i64,
}

fn invalid(field: &'static str, reason: Reason) -> StoreError {
    StoreError::Invalid(DomainError::new(field, reason))
}

impl Store {
    /// Creates a position in a unit of the actor's subtree (HR officers).
    pub async fn create_position(&self, actor: &Actor, fields: &PositionFields) -> Result<Position> {
        let ids = self.create_positions(actor, std::slice::from_ref(fields)).await?;
        self.position_row(ids.first().copied().ok_or(StoreError::NotFound)?).await
    }

    /// Creates positions (one, or a whole organization's), each in a unit of
    /// the actor's subtree, in one transaction; the audit names every code.
    /// Returns their ids in the order given.
    pub async fn create_positions(&self, actor: &Actor, positions: &[PositionFields]) -> Result<Vec<i64>> {
        require(actor, MANAGE)?;
        let units = self.units_by_code().await?;
        let mut rows = Vec::with_capacity(positions.len());
        for p in positions {
            let (unit, path) = units.get(&p.unit).ok_or_else(|| invalid("unit", Reason::NotInList))?;
            authorize(actor, MANAGE, &unit_path(path)?).map_err(crate::access::out_of_scope_is_invalid("unit"))?;
            rows.push((p, *unit));
        }
        self.write(async |tx| {
            let now = tx.now();
            let mut ids = Vec::with_capacity(rows.len());
            for chunk in rows.chunks(1_000) {
                let mut sql = Sql::new("INSERT INTO positions (code, title, unit_id, critical, created_at) VALUES ");
                for (i, (p, unit)) in chunk.iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    sql.push("(")
                        .bind_str(&p.code)
                        .push(", ")
                        .bind_str(&p.title)
                        .push(", ")
                        .bind_int(*unit)
                        .push(", ")
                        .bind_int(i64::from(p.critical))
                        .push(", ")
                        .bind_int(now)
                        .push(")");
                }
                sql.push(" RETURNING id");
                let mut chunk_ids: Vec<i64> = on_tx!(tx, |c| sql.builder().build_query_scalar().fetch_all(c).await)
                    .map_err(|e| match StoreError::from(e) {
                        StoreError::Conflict { .. } => invalid("code", Reason::Taken),
                        other => other,
                    })?;
                ids.append(&mut chunk_ids);
            }
            let named: Vec<serde_json::Value> =
                rows.iter().map(|(p, _)| serde_json::json!([p.code, p.title, p.unit, p.critical])).collect();
            let parts = named.len().div_ceil(NAMED_PER_ENTRY);
            for (part, chunk) in named.chunks(NAMED_PER_ENTRY).enumerate() {
                tx.audit(
                    Some(actor),
                    crate::audit::AuditEvent::new("position.create", "org_unit", actor.unit_id).after(
                        serde_json::json!({
                            "part": part + 1, "parts": parts, "columns": ["code", "title", "unit", "critical"],
                            "positions": chunk,
                        }),
                    ),
                )
                .await?;
            }
            Ok(ids)
        })
        .await
    }

    /// Every org unit's id and path by its code.
    async fn units_by_code(&self) -> Result<HashMap<String, (i64, String)>> {
        let rows: Vec<(String, i64, String)> =
            on_pool!(self, |c| sqlx::query_as("SELECT code, id, path FROM org_units").fetch_all(c).await)?;
        Ok(rows.into_iter().map(|(code, id, path)| (code, (id, path))).collect())
    }

    async fn position_row(&self, id: i64) -> Result<Position> {
        let sql = format!("{POSITION_SELECT} WHERE p.id = $1");
        let row = on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
        Ok(row)
    }

    /// Records staff (one, or a whole load), each in a unit of the actor's
    /// subtree and in a position of that unit held by no one else, in one
    /// transaction; the audit names every personnel number. Returns their ids.
    pub async fn add_staff(&self, actor: &Actor, staff: &[StaffFields]) -> Result<Vec<i64>> {
        require(actor, MANAGE)?;
        // Units and positions by code, read once.
        let units: HashMap<String, (i64, String)> =
            on_pool!(self, |c| sqlx::query_as::<_, (String, i64, String)>("SELECT code, id, path FROM org_units")
                .fetch_all(c)
                .await)?
            .into_iter()
            .map(|(code, id, path)| (code, (id, path)))
            .collect();
        let positions: HashMap<String, (i64, i64)> =
            on_pool!(self, |c| sqlx::query_as::<_, (String, i64, i64)>("SELECT code, id, unit_id FROM positions")
                .fetch_all(c)
                .await)?
            .into_iter()
            .map(|(code, id, unit)| (code, (id, unit)))
            .collect();
        let mut rows = Vec::with_capacity(staff.len());
        for s in staff {
            let (unit_id, path) = units.get(&s.unit).ok_or_else(|| invalid("unit", Reason::NotInList))?;
            authorize(actor, MANAGE, &unit_path(path)?).map_err(crate::access::out_of_scope_is_invalid("unit"))?;
            let position = match &s.position {
                Some(code) => match positions.get(code) {
                    Some((id, unit)) if unit == unit_id => Some(*id),
                    Some(_) => {
                        return Err(StoreError::Invalid(DomainError::breaks(
                            "position",
                            "a position of another unit",
                            "این سمت از واحد دیگری است",
                        )));
                    }
                    None => return Err(invalid("position", Reason::NotInList)),
                },
                None => None,
            };
            rows.push((s, *unit_id, position));
        }
        self.write(async |tx| {
            let now = tx.now();
            let mut ids = Vec::with_capacity(rows.len());
            for chunk in rows.chunks(500) {
                let mut sql = Sql::new(
                    "INSERT INTO staff (personnel_number, national_code, person_id, first_name, last_name, unit_id, \
                     position_id, grade, employment_type, hire_date, retirement_date, updated_at) VALUES ",
                );
                for (i, (s, unit, position)) in chunk.iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    let code = s.national_code.as_string();
                    sql.push("(")
                        .bind_str(&s.personnel_number)
                        .push(", ")
                        .bind_str(&code)
                        .push(", (SELECT p.id FROM persons p WHERE p.national_code = ")
                        .bind_str(&code)
                        .push(" AND p.merged_into IS NULL), ")
                        .bind_str(&s.first_name)
                        .push(", ")
                        .bind_str(&s.last_name)
                        .push(", ")
                        .bind_int(*unit)
                        .push(", ")
                        .bind_opt_int(*position)
                        .push(", ")
                        .bind_int(s.grade)
                        .push(", ")
                        .bind_str(s.employment_type.code())
                        .push(", ")
                        .bind_str(&s.hire_date.to_string())
                        .push(", ")
                        .bind_str(&s.retirement_date.to_string())
                        .push(", ")
                        .bind_int(now)
                        .push(")");
                }
                sql.push(" RETURNING id");
                let mut chunk_ids: Vec<i64> = on_tx!(tx, |c| sql.builder().build_query_scalar().fetch_all(c).await)
                    .map_err(|e| match StoreError::from(e) {
                        StoreError::Conflict { field } => match field.as_str() {
                            "national_code" => invalid("national_code", Reason::Taken),
                            "position" | "position_id" => invalid("position", Reason::Taken),
                            _ => invalid("personnel_number", Reason::Taken),
                        },
                        other => other,
                    })?;
                ids.append(&mut chunk_ids);
            }
            let numbers: Vec<&str> = rows.iter().map(|(s, _, _)| s.personnel_number.as_str()).collect();
            let parts = numbers.len().div_ceil(NAMED_PER_ENTRY);
            for (part, chunk) in numbers.chunks(NAMED_PER_ENTRY).enumerate() {
                tx.audit(
                    Some(actor),
                    crate::audit::AuditEvent::new("staff.add", "org_unit", actor.unit_id).after(serde_json::json!({
                        "part": part + 1, "parts": parts, "personnel_numbers": chunk,
                    })),
                )
                .await?;
            }
            Ok(ids)
        })
        .await
    }

    /// Staff of a unit's subtree (the actor's own by default) whose name
    /// contains `name`, by last name, at most `limit` (a logged read).
    pub async fn staff(&self, actor: &Actor, unit: Option<i64>, name: &str, limit: i64) -> Result<Vec<StaffMember>> {
        require(actor, OPEN)?;
        let pattern = match unit {
            Some(id) => {
                let unit = self.org_unit(actor, id).await?;
                unit_path(&unit.path)?.subtree_pattern()
            }
            None => actor.unit_path.subtree_pattern(),
        };
        let mut sql = Sql::new(STAFF_SELECT);
        sql.push(" WHERE u.path LIKE ").bind_str(&pattern);
        let name = tavana_domain::text::normalize(name);
        if !name.is_empty() {
            sql.push(" AND (s.last_name LIKE ")
                .bind_str(&format!("%{name}%"))
                .push(" OR s.first_name LIKE ")
                .bind_str(&format!("%{name}%"))
                .push(" OR s.personnel_number = ")
                .bind_str(&name)
                .push(")");
        }
        sql.push(" ORDER BY s.last_name, s.first_name, s.id LIMIT ").bind_int(limit.clamp(1, 1000));
        let rows: Vec<StaffMember> = on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        if !rows.is_empty() {
            let numbers: Vec<&str> = rows.iter().map(|s| s.personnel_number.as_str()).collect();
            self.log_read(actor, crate::audit::Sensitive::Staff, "staff", &numbers.join(","), serde_json::json!({}))
                .await?;
        }
        Ok(rows)
    }

    /// A unit's org chart (the actor's subtree only).
    pub async fn org_chart(&self, actor: &Actor, unit_id: i64) -> Result<OrgChart> {
        require(actor, OPEN)?;
        let unit = self.org_unit(actor, unit_id).await?;
        let children: Vec<(i64, String, i64)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT o.id, o.name_fa, (SELECT COUNT(*) FROM staff s JOIN org_units su ON su.id = s.unit_id \
             WHERE su.path LIKE o.path || '%') FROM org_units o WHERE o.parent_id = $1 ORDER BY o.code"
        )
        .bind(unit_id)
        .fetch_all(c)
        .await)?;
        let positions: Vec<ChartPosition> = on_pool!(self, |c| sqlx::query_as(
            "SELECT p.id, p.title, (p.critical = 1) AS critical, \
             CASE WHEN s.id IS NULL THEN NULL ELSE s.first_name || ' ' || s.last_name END AS holder, \
             s.retirement_date FROM positions p LEFT JOIN staff s ON s.position_id = p.id \
             WHERE p.unit_id = $1 ORDER BY p.critical DESC, p.code"
        )
        .bind(unit_id)
        .fetch_all(c)
        .await)?;
        let staff: i64 = on_pool!(self, |c| sqlx::query_scalar("SELECT COUNT(*) FROM staff WHERE unit_id = $1")
            .bind(unit_id)
            .fetch_one(c)
            .await)?;
        Ok(OrgChart { unit_id, unit_name: unit.name_fa, parent_id: unit.parent_id, children, positions, staff })
    }

    /// A position with its holder and candidates (a logged read: it names staff).
    pub async fn position(&self, actor: &Actor, id: i64) -> Result<PositionFile> {
        require(actor, OPEN)?;
        let position = self.position_row(id).await?;
        let unit = self.org_unit(actor, position.unit_id).await?;
        authorize(actor, OPEN, &unit_path(&unit.path)?)?;
        let sql = format!("{STAFF_SELECT} WHERE s.position_id = $1");
        let holder: Option<StaffMember> = on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_optional(c).await)?;
        let successors: Vec<Successor> = on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT c.staff_id, s.personnel_number, s.first_name, s.last_name, u.name_fa AS unit_name, c.readiness, \
             c.plan, c.vetting_case_id AS vetting_case FROM successors c JOIN staff s ON s.id = c.staff_id JOIN org_units u ON u.id = s.unit_id \
             WHERE c.position_id = $1 ORDER BY CASE c.readiness WHEN 'ready_now' THEN 0 WHEN 'one_to_two_years' THEN 1 \
             ELSE 2 END, s.last_name"
        )
        .bind(id)
        .fetch_all(c)
        .await
        })?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Staff,
            "position",
            &id.to_string(),
            serde_json::json!({ "holder": holder.as_ref().map(|h| &h.personnel_number), "successors": successors.len() }),
        )
        .await?;
        Ok(PositionFile { position, holder, successors })
    }

    /// Names (or updates) a candidate to succeed to a position, with their
    /// readiness and development plan (HR officers, both in their subtree).
    pub async fn name_successor(
        &self,
        actor: &Actor,
        position_id: i64,
        personnel_number: &str,
        readiness: Readiness,
        plan: &str,
        vetting_case: Option<i64>,
    ) -> Result<()> {
        require(actor, MANAGE)?;
        let plan = tavana_domain::text::required_text("plan", plan)?;
        if let Some(case) = vetting_case {
            // A candidate's case whose advice this officer may read; nothing of it is read here.
            self.candidate_case(actor, case).await.map_err(crate::access::out_of_scope_is_invalid("vetting_case"))?;
        }
        let position = self.position_row(position_id).await?;
        let unit = self.org_unit(actor, position.unit_id).await?;
        authorize(actor, MANAGE, &unit_path(&unit.path)?)?;
        let number = tavana_domain::text::to_ascii_digits(personnel_number.trim());
        let candidate: Option<(i64, String, Option<i64>)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT s.id, u.path, s.position_id FROM staff s JOIN org_units u ON u.id = s.unit_id \
             WHERE s.personnel_number = $1"
        )
        .bind(&number)
        .fetch_optional(c)
        .await)?;
        let (staff_id, path, holds) = candidate.ok_or_else(|| invalid("personnel_number", Reason::NotInList))?;
        authorize(actor, OPEN, &unit_path(&path)?)
            .map_err(crate::access::out_of_scope_is_invalid("personnel_number"))?;
        if holds == Some(position_id) {
            return Err(StoreError::Invalid(DomainError::breaks(
                "personnel_number",
                "holds the position already",
                "خود متصدی همین سمت است",
            )));
        }
        self.write(async |tx| {
            let now = tx.now();
            on_tx!(tx, |c| sqlx::query(
                "INSERT INTO successors (position_id, staff_id, readiness, plan, updated_at, updated_by, \
                 vetting_case_id) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (position_id, staff_id) DO UPDATE \
                 SET readiness = excluded.readiness, plan = excluded.plan, updated_at = excluded.updated_at, \
                 updated_by = excluded.updated_by, vetting_case_id = excluded.vetting_case_id"
            )
            .bind(position_id)
            .bind(staff_id)
            .bind(readiness.code())
            .bind(plan)
            .bind(now)
            .bind(actor.user_id)
            .bind(vetting_case)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("position.successor", "position", position_id).after(serde_json::json!({
                    "staff": staff_id, "personnel_number": number, "readiness": readiness.code(), "plan": plan,
                    "vetting_case": vetting_case,
                })),
            )
            .await
        })
        .await
    }

    /// The critical positions of the actor's subtree at risk, looking `years`
    /// ahead (the domain's `succession_risk`): the highest risk first, then the
    /// soonest retirement. One statement reads every critical position with its
    /// holder and candidates; a logged read (it names holders).
    pub async fn succession_risks(&self, actor: &Actor, years: i32) -> Result<Vec<AtRisk>> {
        require(actor, OPEN)?;
        if !(1..=MAX_HORIZON).contains(&years) {
            return Err(invalid("years", Reason::OutOfRange));
        }
        let today = self.today();
        let rows: Vec<RiskRow> = on_pool!(self, |c| sqlx::query_as(&format!(
            "SELECT p.id, p.code, p.title, p.unit_id, u.name_fa AS unit_name, (p.critical = 1) AS critical, \
             CASE WHEN s.id IS NULL THEN NULL ELSE s.first_name || ' ' || s.last_name END AS holder, \
             s.retirement_date, \
             (SELECT COUNT(*) FROM successors c WHERE c.position_id = p.id AND c.readiness = '{}') AS ready_now, \
             (SELECT COUNT(*) FROM successors c WHERE c.position_id = p.id) AS candidates \
             FROM positions p JOIN org_units u ON u.id = p.unit_id LEFT JOIN staff s ON s.position_id = p.id \
             WHERE p.critical = 1 AND u.path LIKE $1",
            Readiness::ReadyNow.code()
        ))
        .bind(actor.unit_path.subtree_pattern())
        .fetch_all(c)
        .await)?;
        let mut at_risk = Vec::new();
        for r in rows {
            let retires = r
                .retirement_date
                .as_deref()
                .map(|d| time::Date::parse(d, &time::format_description::well_known::Iso8601::DATE))
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("a retirement date: {e}")))?;
            if let Some(risk) = succession_risk(r.position.critical, retires, r.ready_now, today, years) {
                at_risk.push(AtRisk {
                    position: r.position,
                    holder: r.holder,
                    retirement_date: r.retirement_date,
                    ready_now: r.ready_now,
                    candidates: r.candidates,
                    risk,
                });
            }
        }
        at_risk.sort_by(|a, b| {
            a.risk
                .cmp(&b.risk)
                .then(a.retirement_date.cmp(&b.retirement_date))
                .then(a.position.code.cmp(&b.position.code))
        });
        if !at_risk.is_empty() {
            self.log_read(
                actor,
                crate::audit::Sensitive::Staff,
                "positions",
                &format!("succession within {years} years"),
                serde_json::json!({ "positions": at_risk.len() }),
            )
            .await?;
        }
        Ok(at_risk)
    }
}
