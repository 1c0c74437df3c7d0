//! Employment records (who started work where, and how) and each agency's
//! compliance with the 3% quota: its staff, what it owes, the persons with a
//! current valid disability assessment it employs by the records, and the
//! shortfall; summed per province and for the country.

use super::{MANAGE, OPEN, breaks, invalid};
use crate::access::{authorize, out_of_scope_is_invalid, require, unit_path};
use crate::audit::{AuditEvent, Sensitive};
use crate::db::Store;
use crate::sql::Sql;
use crate::{Result, StoreError};
use serde_json::json;
use tavana_domain::employment::{JobFields, JobRoute, PlacementOutcome, RoundState, required_hires};
use tavana_domain::error::Reason;
use tavana_domain::iam::Actor;

/// An employment record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    pub id: i64,
    pub person_id: i64,
    pub national_code: String,
    pub first_name: String,
    pub last_name: String,
    pub agency_id: Option<i64>,
    /// The agency's name, or the employer's.
    pub employer: String,
    /// ISO.
    pub started_on: String,
    #[sqlx(try_from = "String")]
    pub route: JobRoute,
    /// The quota exam's candidacy it came from.
    pub candidate_id: Option<i64>,
}

const JOB_SELECT: &str = "SELECT j.id, j.person_id, s.national_code, s.first_name, s.last_name, j.agency_id, \
     COALESCE(a.name, j.employer) AS employer, j.started_on, j.route, j.candidate_id FROM job_records j \
     JOIN persons s ON s.id = j.person_id LEFT JOIN employment_agencies a ON a.id = j.agency_id";

/// An agency's compliance with the quota.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Compliance {
    pub agency_id: i64,
    pub code: String,
    pub name: String,
    pub province_id: Option<i64>,
    pub province_name: Option<String>,
    pub staff: i64,
    /// 3% of the staff, rounded up.
    #[sqlx(skip)]
    pub required: i64,
    /// Persons with a current valid disability assessment it employs, by the records.
    pub hired: i64,
    #[sqlx(skip)]
    pub shortfall: i64,
}

/// Compliance summed over a province (or the country, with no province).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplianceSummary {
    pub province_id: Option<i64>,
    pub province_name: Option<String>,
    pub agencies: i64,
    pub staff: i64,
    pub required: i64,
    pub hired: i64,
    pub shortfall: i64,
    /// Agencies that meet the quota.
    pub compliant: i64,
}

impl ComplianceSummary {
    fn of<'a>(
        province_id: Option<i64>,
        province_name: Option<String>,
        rows: impl Iterator<Item = &'a Compliance>,
    ) -> Self {
        let mut s = ComplianceSummary {
            province_id,
            province_name,
            agencies: 0,
            staff: 0,
            required: 0,
            hired: 0,
            shortfall: 0,
            compliant: 0,
        };
        for r in rows {
            s.agencies += 1;
            s.staff += r.staff;
            s.required += r.required;
            s.hired += r.hired;
            s.shortfall += r.shortfall;
            s.compliant += i64::from(r.shortfall == 0);
        }
        s
    }
}

impl Store {
    /// Records that a person of the actor's subtree started work. A job through
    /// the quota exam names the candidacy: placed in a round whose results are
    /// final, at the agency of the post they were placed in, once.
    pub async fn record_job(&self, actor: &Actor, fields: &JobFields, candidate: Option<i64>) -> Result<Job> {
        require(actor, MANAGE)?;
        let person: Option<(i64, i64, i64, String)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT s.id, s.province_id, s.unit_id, u.path FROM persons s JOIN org_units u ON u.id = s.unit_id \
             WHERE s.national_code = $1 AND s.merged_into IS NULL"
        )
        .bind(fields.national_code.as_string())
        .fetch_optional(c)
        .await)?;
        let (person, province, unit, path) = person.ok_or_else(|| invalid("national_code", Reason::NotInList))?;
        authorize(actor, MANAGE, &unit_path(&path)?).map_err(out_of_scope_is_invalid("national_code"))?;
        let agency: Option<i64> = match &fields.agency {
            None => None,
            Some(code) => Some(
                on_pool!(self, |c| sqlx::query_scalar("SELECT id FROM employment_agencies WHERE code = $1")
                    .bind(code)
                    .fetch_optional(c)
                    .await)?
                .ok_or_else(|| invalid("agency", Reason::NotInList))?,
            ),
        };
        match (fields.route, candidate) {
            (JobRoute::QuotaExam, Some(id)) => {
                let placed: Option<(i64, String, String, Option<i64>)> = on_pool!(self, |c| {
                    sqlx::query_as(
                    "SELECT c.person_id, c.outcome, r.state, p.agency_id FROM exam_candidates c \
                     JOIN exam_rounds r ON r.id = c.round_id LEFT JOIN exam_posts p ON p.id = c.placed_post_id WHERE c.id = $1"
                )
                .bind(id)
                .fetch_optional(c)
                .await
                })?;
                let final_placement = placed.is_some_and(|(p, outcome, state, at)| {
                    p == person
                        && outcome == PlacementOutcome::Placed.code()
                        && state == RoundState::Closed.code()
                        && at.is_some()
                        && at == agency
                });
                if !final_placement {
                    return Err(breaks(
                        "candidate",
                        "is not this person's final placement at this agency",
                        "جایابی قطعی این فرد در این دستگاه نیست",
                    ));
                }
            }
            (JobRoute::QuotaExam, None) => {
                return Err(breaks(
                    "candidate",
                    "a job through the quota exam names the candidacy it came from",
                    "اشتغال از راه آزمون سهمیه باید داوطلبی آن را نام ببرد",
                ));
            }
            (_, Some(_)) => {
                return Err(breaks(
                    "candidate",
                    "only a job through the quota exam names a candidacy",
                    "فقط اشتغال از راه آزمون سهمیه داوطلبی را نام می‌برد",
                ));
            }
            (_, None) => {}
        }
        let id = self
            .write(async |tx| {
                let now = tx.now();
                let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                    "INSERT INTO job_records (person_id, province_id, unit_id, agency_id, employer, started_on, route, \
                     candidate_id, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"
                )
                .bind(person)
                .bind(province)
                .bind(unit)
                .bind(agency)
                .bind(&fields.employer)
                .bind(fields.started_on.to_string())
                .bind(fields.route.code())
                .bind(candidate)
                .bind(now)
                .bind(actor.user_id)
                .fetch_one(c)
                .await)
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict { .. } => invalid("candidate", Reason::Taken),
                    other => other,
                })?;
                tx.audit(
                    Some(actor),
                    AuditEvent::new("employment.job", "person", person).after(json!({
                        "job": id, "agency": fields.agency, "employer": fields.employer,
                        "started_on": fields.started_on.to_string(), "route": fields.route.code(), "candidate": candidate,
                    })),
                )
                .await?;
                Ok(id)
            })
            .await?;
        let sql = format!("{JOB_SELECT} WHERE j.id = $1");
        Ok(on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?)
    }

    /// Employment records of persons in the actor's subtree, newest first. A
    /// logged read (they name persons with disabilities).
    pub async fn jobs(&self, actor: &Actor, limit: i64) -> Result<Vec<Job>> {
        require(actor, super::READ)?;
        let sql = format!(
            "{JOB_SELECT} JOIN org_units u ON u.id = j.unit_id WHERE u.path LIKE $1 ORDER BY j.started_on DESC, j.id DESC \
             LIMIT $2"
        );
        let rows: Vec<Job> = on_pool!(self, |c| sqlx::query_as(&sql)
            .bind(actor.unit_path.subtree_pattern())
            .bind(limit.clamp(1, 1_000))
            .fetch_all(c)
            .await)?;
        let ids: Vec<i64> = rows.iter().map(|j| j.person_id).collect();
        let subtree = format!("subtree {}", actor.unit_path.as_str());
        self.log_read(actor, Sensitive::Candidates, "job_records", &subtree, json!({"persons": ids})).await?;
        Ok(rows)
    }

    /// Each agency of the actor's subtree with its compliance as of today.
    pub async fn compliance(&self, actor: &Actor) -> Result<Vec<Compliance>> {
        require(actor, OPEN)?;
        let day = self.today().to_string();
        let mut sql = Sql::new(
            "SELECT a.id AS agency_id, a.code, a.name, a.province_id, pl.name_fa AS province_name, a.staff, \
             COALESCE(h.hired, 0) AS hired FROM employment_agencies a JOIN org_units u ON u.id = a.unit_id \
             LEFT JOIN places pl ON pl.id = a.province_id LEFT JOIN (SELECT j.agency_id, COUNT(DISTINCT j.person_id) AS hired \
             FROM job_records j JOIN persons s ON s.id = j.person_id WHERE s.deceased_on IS NULL AND j.started_on <= ",
        );
        sql.bind_str(&day)
            .push(" AND EXISTS (SELECT 1 FROM (")
            .append(&super::current_kinds(&day))
            .push(
                ") k WHERE k.person_id = j.person_id) GROUP BY j.agency_id) h ON h.agency_id = a.id WHERE u.path LIKE ",
            )
            .bind_str(&actor.unit_path.subtree_pattern())
            .push(" ORDER BY a.code");
        let mut rows: Vec<Compliance> = on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        for r in &mut rows {
            r.required = required_hires(r.staff);
            r.shortfall = (r.required - r.hired).max(0);
        }
        Ok(rows)
    }

    /// Compliance summed per province, then for everything in the actor's subtree
    /// (the last row, with no province).
    pub async fn compliance_summary(&self, actor: &Actor) -> Result<Vec<ComplianceSummary>> {
        let rows = self.compliance(actor).await?;
        let mut provinces: Vec<(Option<i64>, Option<String>)> =
            rows.iter().map(|r| (r.province_id, r.province_name.clone())).collect();
        provinces.sort();
        provinces.dedup();
        let mut out: Vec<ComplianceSummary> = provinces
            .into_iter()
            .map(|(id, name)| ComplianceSummary::of(id, name, rows.iter().filter(|r| r.province_id == id)))
            .collect();
        out.push(ComplianceSummary::of(None, None, rows.iter()));
        Ok(out)
    }
}
