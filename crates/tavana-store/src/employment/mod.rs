//! Employment (see the domain's `employment`): the quota exam's rounds, the
//! agencies and their posts, candidates with their ranked posts and scores, the
//! placement and its publication, objections and their decisions, each
//! agency's compliance with the 3% quota, employment records ([`jobs`]), and
//! the CSR fund ([`csr`]).
//!
//! Candidates are persons with disabilities: every read that names them with
//! their scores and results is logged (`Sensitive::Candidates`).

pub mod csr;
pub mod jobs;

use crate::access::{authorize, out_of_scope_is_invalid, require, unit_path};
use crate::audit::{AuditEvent, Sensitive};
use crate::db::{Store, WriteTx};
use crate::sql::Sql;
use crate::{Result, StoreError};
use serde_json::json;
use std::collections::HashMap;
use tavana_domain::DomainError;
use tavana_domain::employment::placement::{self, Applicant, Post};
use tavana_domain::employment::{
    AgencyFields, EmploymentAction, ObjectionDecision, ObjectionState, PlacementOutcome, PostFields, RoundState,
    kinds_text, objection_deadline, parse_kinds, parse_score,
};
use tavana_domain::error::Reason;
use tavana_domain::iam::{Action, Actor, Module};
use tavana_domain::registry::{DisabilityType, Education};

pub(crate) const MANAGE: Action = Action::Employment(EmploymentAction::Manage);
pub(crate) const OPEN: Action = Action::Open(Module::Employment);
pub(crate) const READ: Action = Action::Employment(EmploymentAction::ReadCandidates);

/// How many candidates one audit entry names.
const NAMED_PER_ENTRY: usize = 10_000;

pub(crate) fn invalid(field: &'static str, reason: Reason) -> StoreError {
    StoreError::Invalid(DomainError::new(field, reason))
}

pub(crate) fn breaks(field: &'static str, en: impl Into<String>, fa: impl Into<String>) -> StoreError {
    StoreError::Invalid(DomainError::breaks(field, en, fa))
}

/// An agency with its staff.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Agency {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub staff: i64,
}

const AGENCY_SELECT: &str = "SELECT a.id, a.code, a.name, a.unit_id, u.name_fa AS unit_name, a.staff \
     FROM employment_agencies a JOIN org_units u ON u.id = a.unit_id";

/// An exam round with its counts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExamRound {
    pub id: i64,
    pub title: String,
    pub unit_id: i64,
    #[sqlx(try_from = "String")]
    pub state: RoundState,
    pub placed_at: Option<i64>,
    /// ISO.
    pub published_on: Option<String>,
    /// The last day an objection may be lodged, ISO.
    pub objection_until: Option<String>,
    pub version: i64,
    pub candidates: i64,
    pub seats: i64,
    pub placed: i64,
    pub objections_open: i64,
    #[serde(skip)]
    pub unit_path: String,
}

const ROUND_SELECT: &str = "SELECT r.id, r.title, r.unit_id, r.state, r.placed_at, r.published_on, r.objection_until, \
     r.version, (SELECT COUNT(*) FROM exam_candidates c WHERE c.round_id = r.id) AS candidates, \
     CAST(COALESCE((SELECT SUM(p.seats) FROM exam_posts p WHERE p.round_id = r.id), 0) AS BIGINT) AS seats, \
     (SELECT COUNT(*) FROM exam_candidates c WHERE c.round_id = r.id AND c.outcome = 'placed') AS placed, \
     (SELECT COUNT(*) FROM exam_objections o JOIN exam_candidates c ON c.id = o.candidate_id \
       WHERE c.round_id = r.id AND o.state = 'lodged') AS objections_open, u.path AS unit_path \
     FROM exam_rounds r JOIN org_units u ON u.id = r.unit_id";

/// A post of a round: an agency's job title with its seats, and how many are filled.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExamPost {
    pub id: i64,
    pub round_id: i64,
    pub agency_id: i64,
    pub agency_code: String,
    pub agency_name: String,
    pub job_title: String,
    pub seats: i64,
    #[sqlx(try_from = "String")]
    pub education: Education,
    /// The disability types it is open to: codes separated by commas.
    pub kinds: String,
    /// Candidates the last placement put in it.
    pub filled: i64,
}

const POST_SELECT: &str = "SELECT p.id, p.round_id, p.agency_id, a.code AS agency_code, a.name AS agency_name, \
     p.job_title, p.seats, p.education, p.kinds, \
     (SELECT COUNT(*) FROM exam_candidates c WHERE c.placed_post_id = p.id) AS filled \
     FROM exam_posts p JOIN employment_agencies a ON a.id = p.agency_id";

impl ExamPost {
    /// The disability types it is open to.
    pub fn kind_list(&self) -> Vec<DisabilityType> {
        parse_kinds("kinds", &self.kinds).unwrap_or_default()
    }
}

/// A candidate with their score and result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Candidate {
    pub id: i64,
    pub round_id: i64,
    pub person_id: i64,
    pub national_code: String,
    pub first_name: String,
    pub last_name: String,
    pub unit_name: String,
    /// In hundredths.
    pub score: Option<i64>,
    #[sqlx(try_from = "String")]
    pub outcome: PlacementOutcome,
    pub placed_post_id: Option<i64>,
    pub placed_title: Option<String>,
    pub placed_agency: Option<String>,
    /// Posts ranked.
    pub preferences: i64,
    #[serde(skip)]
    pub unit_path: String,
}

const CANDIDATE_SELECT: &str = "SELECT c.id, c.round_id, c.person_id, s.national_code, s.first_name, s.last_name, \
     u.name_fa AS unit_name, c.score, c.outcome, c.placed_post_id, pp.job_title AS placed_title, \
     pa.name AS placed_agency, (SELECT COUNT(*) FROM exam_preferences f WHERE f.candidate_id = c.id) AS preferences, \
     u.path AS unit_path FROM exam_candidates c JOIN persons s ON s.id = c.person_id JOIN org_units u ON u.id = c.unit_id \
     LEFT JOIN exam_posts pp ON pp.id = c.placed_post_id LEFT JOIN employment_agencies pa ON pa.id = pp.agency_id";

/// Which of a round's candidates to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CandidateFilter {
    pub outcome: Option<PlacementOutcome>,
    /// Those placed in this agency's posts (its code).
    pub agency: Option<String>,
}

impl CandidateFilter {
    pub fn outcome(outcome: PlacementOutcome) -> Self {
        CandidateFilter { outcome: Some(outcome), agency: None }
    }
}

/// An objection to a candidate's result and its decision.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Objection {
    pub id: i64,
    pub candidate_id: i64,
    pub grounds: String,
    pub lodged_at: i64,
    pub lodged_by_name: String,
    /// Who lodged it (who may not decide it).
    #[serde(skip)]
    pub lodged_by: i64,
    #[sqlx(try_from = "String")]
    pub state: ObjectionState,
    pub reasons: Option<String>,
    pub legal_basis: Option<String>,
    pub corrected_score: Option<i64>,
    pub decided_by_name: Option<String>,
    /// ISO.
    pub decided_on: Option<String>,
}

const OBJECTION_SELECT: &str = "SELECT o.id, o.candidate_id, o.grounds, o.lodged_at, lu.display_name AS lodged_by_name, o.lodged_by, \
     o.state, o.reasons, o.legal_basis, o.corrected_score, du.display_name AS decided_by_name, o.decided_on \
     FROM exam_objections o JOIN users lu ON lu.id = o.lodged_by LEFT JOIN users du ON du.id = o.decided_by";

/// A candidate's file: their result, ranked posts (with whether they are
/// still eligible for each) and objection.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidateFile {
    pub candidate: Candidate,
    pub round: ExamRound,
    /// Their education as the registry has it.
    pub education: Option<Education>,
    /// The disability types of their current valid assessments.
    pub kinds: Vec<DisabilityType>,
    /// The highest severity among them (1 mild … 4 very severe; 0 for none).
    pub severity: i64,
    pub preferences: Vec<ExamPost>,
    pub objection: Option<Objection>,
}

/// Candidates must be adults: this many years old on the day they register.
pub const ADULT_YEARS: i32 = 18;

/// What registering candidates did: the new candidates' ids in the order
/// given, and every national code refused with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub registered: Vec<i64>,
    pub refused: Vec<(String, DomainError)>,
}

/// What registration reads of a person.
#[derive(sqlx::FromRow)]
struct RegistryRow {
    national_code: String,
    id: i64,
    province_id: i64,
    unit_id: i64,
    path: String,
    education: Option<String>,
    birth_date: String,
    registered: i64,
    assessed: i64,
}

/// What a placement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlacementRun {
    pub placed: i64,
    pub not_placed: i64,
    pub no_score: i64,
    pub no_assessment: i64,
}

/// A bad row of an imported file (scores, the villages' census): its line (the header is line 1), the field and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BadRow {
    pub line: usize,
    pub field: String,
    pub message_en: String,
    pub message_fa: String,
}

/// What a score import did: the rows applied, and every bad row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreImport {
    pub applied: usize,
    pub refused: Vec<BadRow>,
}

impl BadRow {
    pub(crate) fn new(line: usize, e: &DomainError) -> Self {
        BadRow { line, field: e.field.to_string(), message_en: e.reason.english(), message_fa: e.reason.persian() }
    }
}

/// The candidates' data placement reads, one row per current valid assessment
/// (or one row with no kind for a candidate without one).
#[derive(sqlx::FromRow)]
struct PlacementRow {
    id: i64,
    score: Option<i64>,
    education: Option<String>,
    kind: Option<String>,
    rank: Option<i64>,
}

/// Each candidate's current valid assessments as of `day` (the latest of each
/// kind made by then, not past its `valid_until`), for persons alive and not
/// merged away: `(candidate id, kind, severity rank)`.
fn current_kinds(day: &str) -> Sql {
    let mut sql = Sql::new(
        "SELECT d.person_id, d.kind, CAST(CASE d.severity WHEN 'mild' THEN 1 WHEN 'moderate' THEN 2 WHEN 'severe' THEN 3 \
         WHEN 'very_severe' THEN 4 END AS BIGINT) AS rank FROM disabilities d JOIN persons pd ON pd.id = d.person_id \
         WHERE pd.deceased_on IS NULL AND pd.merged_into IS NULL AND d.assessed_on <= ",
    );
    sql.bind_str(day)
        .push(" AND (d.valid_until IS NULL OR d.valid_until >= ")
        .bind_str(day)
        .push(
            ") AND NOT EXISTS (SELECT 1 FROM disabilities n WHERE n.person_id = d.person_id AND n.kind = d.kind \
             AND n.assessed_on > d.assessed_on AND n.assessed_on <= ",
        )
        .bind_str(day)
        .push(")");
    sql
}

impl Store {
    /// Records agencies, each reporting to a unit of the actor's subtree, in one
    /// transaction; the audit names every code. Employment officers.
    pub async fn create_agencies(&self, actor: &Actor, agencies: &[AgencyFields]) -> Result<Vec<i64>> {
        require(actor, MANAGE)?;
        let mut rows = Vec::with_capacity(agencies.len());
        for a in agencies {
            let unit = self.scoped_unit(actor, "unit", &a.unit).await?;
            rows.push((a, unit));
        }
        self.write(async |tx| {
            let now = tx.now();
            let mut ids = Vec::with_capacity(rows.len());
            for (a, (unit, province)) in &rows {
                let id: i64 = on_tx!(tx, |c| {
                    sqlx::query_scalar(
                    "INSERT INTO employment_agencies (code, name, unit_id, province_id, staff, created_at, created_by, \
                     updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $6) RETURNING id"
                )
                .bind(&a.code)
                .bind(&a.name)
                .bind(unit)
                .bind(province)
                .bind(a.staff)
                .bind(now)
                .bind(actor.user_id)
                .fetch_one(c)
                .await
                })
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict { .. } => invalid("code", Reason::Taken),
                    other => other,
                })?;
                ids.push(id);
            }
            let named: Vec<serde_json::Value> =
                rows.iter().map(|(a, _)| json!([a.code, a.name, a.unit, a.staff])).collect();
            tx.audit(
                Some(actor),
                AuditEvent::new("employment.agencies", "org_unit", actor.unit_id)
                    .after(json!({"columns": ["code", "name", "unit", "staff"], "agencies": named})),
            )
            .await?;
            Ok(ids)
        })
        .await
    }

    /// A unit of the actor's subtree by code, for a record that reports to it:
    /// `(id, province id)`; one outside it or unknown is refused naming `field`.
    pub(crate) async fn scoped_unit(
        &self,
        actor: &Actor,
        field: &'static str,
        code: &str,
    ) -> Result<(i64, Option<i64>)> {
        let unit = self.org_unit_by_code(code).await.map_err(|e| match e {
            StoreError::NotFound => invalid(field, Reason::NotInList),
            other => other,
        })?;
        authorize(actor, MANAGE, &unit.unit_path()?).map_err(out_of_scope_is_invalid(field))?;
        Ok((unit.id, unit.province_id))
    }

    /// The agencies of the actor's subtree, by code.
    pub async fn agencies(&self, actor: &Actor) -> Result<Vec<Agency>> {
        require(actor, OPEN)?;
        let sql = format!("{AGENCY_SELECT} WHERE u.path LIKE $1 ORDER BY a.code");
        Ok(on_pool!(self, |c| sqlx::query_as(&sql).bind(actor.unit_path.subtree_pattern()).fetch_all(c).await)?)
    }

    /// Opens an exam round at the actor's unit. Employment officers.
    pub async fn create_round(&self, actor: &Actor, title: &str) -> Result<ExamRound> {
        require(actor, MANAGE)?;
        let id = self
            .write(async |tx| {
                let now = tx.now();
                let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                    "INSERT INTO exam_rounds (title, unit_id, state, created_at, created_by) VALUES ($1, $2, $3, $4, $5) \
                     RETURNING id"
                )
                .bind(title)
                .bind(actor.unit_id)
                .bind(RoundState::Open.code())
                .bind(now)
                .bind(actor.user_id)
                .fetch_one(c)
                .await)?;
                tx.audit(Some(actor), AuditEvent::new("employment.round.create", "exam_round", id).after(json!({"title": title})))
                    .await?;
                Ok(id)
            })
            .await?;
        self.exam_round(actor, id).await
    }

    /// The rounds run in the actor's subtree or above it (a national round is
    /// every province's), newest first.
    pub async fn exam_rounds(&self, actor: &Actor) -> Result<Vec<ExamRound>> {
        require(actor, OPEN)?;
        let sql = format!("{ROUND_SELECT} ORDER BY r.id DESC");
        let rows: Vec<ExamRound> = on_pool!(self, |c| sqlx::query_as(&sql).fetch_all(c).await)?;
        Ok(rows.into_iter().filter(|r| visible(actor, r)).collect())
    }

    /// One round, visible from the actor's unit.
    pub async fn exam_round(&self, actor: &Actor, id: i64) -> Result<ExamRound> {
        require(actor, OPEN)?;
        let sql = format!("{ROUND_SELECT} WHERE r.id = $1");
        let round: ExamRound = on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
        if !visible(actor, &round) {
            return Err(StoreError::NotFound);
        }
        Ok(round)
    }

    /// A round the actor may manage: run from their unit or one below it.
    async fn managed_round(&self, actor: &Actor, id: i64) -> Result<ExamRound> {
        let round = self.exam_round(actor, id).await?;
        authorize(actor, MANAGE, &unit_path(&round.unit_path)?)?;
        Ok(round)
    }

    /// Adds posts to an open round, each of an agency the actor's subtree has,
    /// in one transaction; the audit names every post.
    pub async fn add_exam_posts(&self, actor: &Actor, round: i64, posts: &[PostFields]) -> Result<Vec<i64>> {
        let round = self.managed_round(actor, round).await?;
        entries_open(&round)?;
        let agencies: HashMap<String, i64> = self.agencies(actor).await?.into_iter().map(|a| (a.code, a.id)).collect();
        let mut rows = Vec::with_capacity(posts.len());
        for p in posts {
            let agency = *agencies.get(&p.agency).ok_or_else(|| invalid("agency", Reason::NotInList))?;
            rows.push((p, agency));
        }
        self.write(async |tx| {
            let mut ids = Vec::with_capacity(rows.len());
            for (p, agency) in &rows {
                let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                    "INSERT INTO exam_posts (round_id, agency_id, job_title, seats, education, kinds) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
                )
                .bind(round.id)
                .bind(agency)
                .bind(&p.job_title)
                .bind(p.seats)
                .bind(p.education.code())
                .bind(kinds_text(&p.kinds))
                .fetch_one(c)
                .await)
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict { .. } => invalid("job_title", Reason::Taken),
                    other => other,
                })?;
                ids.push(id);
            }
            let named: Vec<serde_json::Value> = rows
                .iter()
                .zip(&ids)
                .map(|((p, _), id)| {
                    json!([id, p.agency, p.job_title, p.seats, p.education.code(), kinds_text(&p.kinds)])
                })
                .collect();
            tx.audit(
                Some(actor),
                AuditEvent::new("employment.posts", "exam_round", round.id).after(json!({
                    "columns": ["post", "agency", "job_title", "seats", "education", "kinds"], "posts": named,
                })),
            )
            .await?;
            Ok(ids)
        })
        .await
    }

    /// A round's posts, by agency and title.
    pub async fn exam_posts(&self, actor: &Actor, round: i64) -> Result<Vec<ExamPost>> {
        self.exam_round(actor, round).await?;
        let sql = format!("{POST_SELECT} WHERE p.round_id = $1 ORDER BY a.code, p.job_title");
        Ok(on_pool!(self, |c| sqlx::query_as(&sql).bind(round).fetch_all(c).await)?)
    }

    /// Registers a person of the actor's subtree as a candidate of an open
    /// round run at their unit or above it (see [`Store::register_candidates`]).
    pub async fn register_candidate(&self, actor: &Actor, round: i64, national_code: &str) -> Result<Candidate> {
        let code = tavana_domain::NationalCode::parse(national_code)?;
        let mut done = self.register_candidates(actor, round, &[code.as_string()]).await?;
        if let Some((_, e)) = done.refused.pop() {
            return Err(StoreError::Invalid(e));
        }
        self.candidate_row(done.registered.first().copied().ok_or(StoreError::NotFound)?).await
    }

    /// Registers persons as candidates of an open round run at the actor's unit
    /// or above it (a national round takes candidates from every province's
    /// officers), in one transaction. Each must be in the actor's subtree, alive,
    /// an adult ([`ADULT_YEARS`]), with their education recorded and a current
    /// valid disability assessment, and not registered already; every one who
    /// is not is refused with the reason, and the rest are registered. The
    /// audit names every candidate.
    pub async fn register_candidates(&self, actor: &Actor, round: i64, codes: &[String]) -> Result<Registered> {
        require(actor, MANAGE)?;
        let round = self.exam_round(actor, round).await?;
        entries_open(&round)?;
        let today = self.today();
        let day = today.to_string();
        let adult_by = today
            .replace_year(today.year() - ADULT_YEARS)
            .unwrap_or_else(|_| today - time::Duration::days(365 * i64::from(ADULT_YEARS) + 5))
            .to_string();
        let mut found: HashMap<String, RegistryRow> = HashMap::new();
        for chunk in codes.chunks(1_000) {
            let mut sql = Sql::new(
                "SELECT s.national_code, s.id, s.province_id, s.unit_id, u.path, s.education, s.birth_date, \
                 (SELECT COUNT(*) FROM exam_candidates c WHERE c.round_id = ",
            );
            sql.bind_int(round.id)
                .push(" AND c.person_id = s.id) AS registered, (SELECT COUNT(*) FROM (")
                .append(&current_kinds(&day))
                .push(
                    ") k WHERE k.person_id = s.id) AS assessed FROM persons s JOIN org_units u ON u.id = s.unit_id \
                     WHERE s.deceased_on IS NULL AND s.merged_into IS NULL AND s.national_code IN (",
                );
            for (n, code) in chunk.iter().enumerate() {
                if n > 0 {
                    sql.push(", ");
                }
                sql.bind_str(code);
            }
            sql.push(")");
            let rows: Vec<RegistryRow> = on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
            found.extend(rows.into_iter().map(|r| (r.national_code.clone(), r)));
        }
        let mut refused = Vec::new();
        let mut rows = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for code in codes {
            let why = match found.get(code) {
                None => Some(DomainError::new("national_code", Reason::NotInList)),
                Some(r) if authorize(actor, MANAGE, &unit_path(&r.path)?).is_err() => {
                    Some(DomainError::new("national_code", Reason::NotInList))
                }
                Some(r) if r.registered > 0 || !seen.insert(r.id) => {
                    Some(DomainError::new("national_code", Reason::Taken))
                }
                Some(r) if r.birth_date.as_str() > adult_by.as_str() => Some(DomainError::breaks(
                    "national_code",
                    format!("is under {ADULT_YEARS}"),
                    format!("کمتر از {} سال دارد", tavana_domain::text::to_persian_digits(&ADULT_YEARS.to_string())),
                )),
                Some(r) if r.education.is_none() => Some(DomainError::breaks(
                    "national_code",
                    "has no education recorded in the registry",
                    "تحصیلات این فرد در پایگاه ثبت نشده است",
                )),
                Some(r) if r.assessed == 0 => Some(DomainError::breaks(
                    "national_code",
                    "has no current valid disability assessment",
                    "ارزیابی معتبر و جاری معلولیت ندارد",
                )),
                Some(r) => {
                    rows.push(r);
                    None
                }
            };
            if let Some(e) = why {
                refused.push((code.clone(), e));
            }
        }
        let registered = self
            .write(async |tx| {
                let now = tx.now();
                let mut ids = Vec::with_capacity(rows.len());
                for chunk in rows.chunks(1_000) {
                    let mut sql = Sql::new(
                        "INSERT INTO exam_candidates (round_id, person_id, province_id, unit_id, registered_at, registered_by) VALUES ",
                    );
                    for (n, r) in chunk.iter().enumerate() {
                        if n > 0 {
                            sql.push(", ");
                        }
                        sql.push("(").bind_int(round.id).push(", ").bind_int(r.id).push(", ").bind_int(r.province_id);
                        sql.push(", ").bind_int(r.unit_id).push(", ").bind_int(now).push(", ").bind_int(actor.user_id).push(")");
                    }
                    sql.push(" RETURNING id");
                    let mut made: Vec<i64> = on_tx!(tx, |c| sql.builder().build_query_scalar().fetch_all(c).await)
                        .map_err(|e| match StoreError::from(e) {
                            StoreError::Conflict { .. } => invalid("national_code", Reason::Taken),
                            other => other,
                        })?;
                    ids.append(&mut made);
                }
                let named: Vec<serde_json::Value> =
                    rows.iter().zip(&ids).map(|(r, id)| json!([id, r.id, r.national_code])).collect();
                let parts = named.len().div_ceil(NAMED_PER_ENTRY).max(1);
                for part in 0..parts {
                    let chunk = named.chunks(NAMED_PER_ENTRY).nth(part).unwrap_or(&[]);
                    tx.audit(
                        Some(actor),
                        AuditEvent::new("employment.candidates.register", "exam_round", round.id).after(json!({
                            "part": part + 1, "parts": parts, "columns": ["candidate", "person", "national_code"],
                            "candidates": chunk, "refused": refused.len(),
                        })),
                    )
                    .await?;
                }
                Ok(ids)
            })
            .await?;
        Ok(Registered { registered, refused })
    }

    async fn candidate_row(&self, id: i64) -> Result<Candidate> {
        let sql = format!("{CANDIDATE_SELECT} WHERE c.id = $1");
        Ok(on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?)
    }

    /// A candidate of the actor's subtree, for a step on them (unlogged: the
    /// caller returns nothing of them, or logs its own read).
    async fn scoped_candidate(&self, actor: &Actor, id: i64, action: Action) -> Result<Candidate> {
        require(actor, OPEN)?;
        let candidate = self.candidate_row(id).await?;
        authorize(actor, action, &unit_path(&candidate.unit_path)?)?;
        Ok(candidate)
    }

    /// Sets a candidate's ranked posts (see [`Store::set_round_preferences`]).
    pub async fn set_preferences(&self, actor: &Actor, candidate: i64, posts: &[i64]) -> Result<()> {
        let candidate = self.scoped_candidate(actor, candidate, MANAGE).await?;
        self.set_round_preferences(actor, candidate.round_id, &[(candidate.id, posts.to_vec())]).await
    }

    /// Sets candidates' ranked posts (replacing any before) while their round
    /// is open, in one transaction: each candidate of the round in the actor's
    /// subtree, each post one of the round that the candidate is eligible for
    /// today. The first choice refused refuses them all, naming it. The audit
    /// names every candidate's posts.
    pub async fn set_round_preferences(&self, actor: &Actor, round: i64, choices: &[(i64, Vec<i64>)]) -> Result<()> {
        require(actor, MANAGE)?;
        let round = self.exam_round(actor, round).await?;
        entries_open(&round)?;
        // The units of the candidates named (only theirs), to check each is the actor's.
        let mut paths: HashMap<i64, String> = HashMap::with_capacity(choices.len());
        let ids: Vec<i64> = choices.iter().map(|c| c.0).collect();
        for chunk in ids.chunks(1_000) {
            let mut sql = Sql::new(
                "SELECT c.id, u.path FROM exam_candidates c JOIN org_units u ON u.id = c.unit_id WHERE c.round_id = ",
            );
            sql.bind_int(round.id).push(" AND c.id IN ").bind_ids(chunk);
            let rows: Vec<(i64, String)> = on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
            paths.extend(rows);
        }
        let (applicants, round_posts) = self.placement_view(&round, (choices.len() == 1).then(|| choices[0].0)).await?;
        let applicants: HashMap<i64, &Applicant> = applicants.iter().map(|a| (a.id, a)).collect();
        for (candidate, posts) in choices {
            let path = paths.get(candidate).ok_or(StoreError::NotFound)?;
            authorize(actor, MANAGE, &unit_path(path)?)?;
            let applicant = applicants.get(candidate).ok_or(StoreError::NotFound)?;
            if posts.len() > tavana_domain::employment::MAX_PREFERENCES {
                return Err(invalid(
                    "preferences",
                    Reason::TooLong { max: tavana_domain::employment::MAX_PREFERENCES },
                ));
            }
            for (n, id) in posts.iter().enumerate() {
                let post = round_posts.iter().find(|p| p.id == *id).ok_or_else(|| {
                    breaks(
                        "preferences",
                        format!("choice {}: no post {id} in this round", n + 1),
                        format!("انتخاب {}: محل {id} در این آزمون نیست", n + 1),
                    )
                })?;
                if !placement::eligible(applicant, post) {
                    return Err(breaks(
                        "preferences",
                        format!("choice {}: the candidate's education or disability does not suit post {id}", n + 1),
                        format!("انتخاب {}: تحصیلات یا نوع معلولیت داوطلب با شرایط محل {id} نمی‌خواند", n + 1),
                    ));
                }
            }
        }
        self.write(async |tx| {
            for chunk in choices.chunks(500) {
                let ids: Vec<i64> = chunk.iter().map(|c| c.0).collect();
                let mut delete = Sql::new("DELETE FROM exam_preferences WHERE candidate_id IN ");
                delete.bind_ids(&ids);
                on_tx!(tx, |c| delete.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
                let mut sql = Sql::new("INSERT INTO exam_preferences (candidate_id, rank, post_id) VALUES ");
                let mut any = false;
                for (candidate, posts) in chunk {
                    for (n, post) in posts.iter().enumerate() {
                        if any {
                            sql.push(", ");
                        }
                        any = true;
                        sql.push("(")
                            .bind_int(*candidate)
                            .push(", ")
                            .bind_int(n as i64 + 1)
                            .push(", ")
                            .bind_int(*post)
                            .push(")");
                    }
                }
                if any {
                    on_tx!(tx, |c| sql.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
                }
            }
            let named: Vec<serde_json::Value> = choices.iter().map(|(c, posts)| json!([c, posts])).collect();
            for chunk in named.chunks(NAMED_PER_ENTRY) {
                tx.audit(
                    Some(actor),
                    AuditEvent::new("employment.preferences", "exam_round", round.id)
                        .after(json!({"columns": ["candidate", "posts"], "candidates": chunk})),
                )
                .await?;
            }
            Ok(())
        })
        .await
    }

    /// A round's placement instance as of today: every candidate's score,
    /// education, current disability types, highest severity and choices, and
    /// the posts (for benchmarks, and to choose posts a candidate suits). A
    /// logged read; employment officers of the round's unit.
    pub async fn exam_instance(&self, actor: &Actor, round: i64) -> Result<(Vec<Applicant>, Vec<Post>)> {
        let round = self.managed_round(actor, round).await?;
        let view = self.placement_view(&round, None).await?;
        self.log_read(
            actor,
            Sensitive::Candidates,
            "exam_round",
            &round.id.to_string(),
            json!({"instance": view.0.len()}),
        )
        .await?;
        Ok(view)
    }

    /// The round's posts and its candidates (or one) as placement sees them,
    /// as of today: scores, education, current valid disability types, the
    /// highest severity and ranked posts.
    async fn placement_view(&self, round: &ExamRound, only: Option<i64>) -> Result<(Vec<Applicant>, Vec<Post>)> {
        let posts: Vec<(i64, i64, String, String)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT id, seats, education, kinds FROM exam_posts WHERE round_id = $1 ORDER BY id"
        )
        .bind(round.id)
        .fetch_all(c)
        .await)?;
        let posts: Vec<Post> = posts
            .into_iter()
            .map(|(id, seats, education, kinds)| {
                Ok(Post {
                    id,
                    seats: u32::try_from(seats).unwrap_or(0),
                    education: Education::try_from(education)?,
                    kinds: parse_kinds("kinds", &kinds)?,
                })
            })
            .collect::<std::result::Result<_, DomainError>>()
            .map_err(|e| StoreError::Corrupt(format!("an exam post: {e}")))?;
        let day = self.today().to_string();
        let mut sql = Sql::new(
            "SELECT c.id, c.score, s.education, k.kind, k.rank FROM exam_candidates c JOIN persons s ON s.id = c.person_id \
             LEFT JOIN (",
        );
        sql.append(&current_kinds(&day))
            .push(") k ON k.person_id = c.person_id WHERE c.round_id = ")
            .bind_int(round.id);
        if let Some(id) = only {
            sql.push(" AND c.id = ").bind_int(id);
        }
        sql.push(" ORDER BY c.id");
        let rows: Vec<PlacementRow> = on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        let mut prefs = Sql::new(
            "SELECT f.candidate_id, f.post_id FROM exam_preferences f JOIN exam_candidates c ON c.id = f.candidate_id \
             WHERE c.round_id = ",
        );
        prefs.bind_int(round.id);
        if let Some(id) = only {
            prefs.push(" AND c.id = ").bind_int(id);
        }
        prefs.push(" ORDER BY f.candidate_id, f.rank");
        let prefs: Vec<(i64, i64)> = on_pool!(self, |c| prefs.builder().build_query_as().fetch_all(c).await)?;
        let mut applicants: Vec<Applicant> = Vec::new();
        for row in rows {
            if applicants.last().is_none_or(|a| a.id != row.id) {
                applicants.push(Applicant {
                    id: row.id,
                    score: row.score.unwrap_or(-1),
                    severity: 0,
                    education: row.education.and_then(|e| Education::try_from(e).ok()),
                    kinds: Vec::new(),
                    preferences: Vec::new(),
                });
            }
            if let (Some(a), Some(kind)) = (applicants.last_mut(), row.kind) {
                a.kinds.push(DisabilityType::try_from(kind).map_err(|e| StoreError::Corrupt(e.to_string()))?);
                a.severity = a.severity.max(row.rank.unwrap_or(0));
            }
        }
        let at: HashMap<i64, usize> = applicants.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
        for (candidate, post) in prefs {
            if let Some(&i) = at.get(&candidate) {
                applicants[i].preferences.push(post);
            }
        }
        Ok((applicants, posts))
    }

    /// Imports scores into an open round from CSV (`national_code,score`, a
    /// header first): every good row is applied in one transaction, and every
    /// bad row (unreadable, a score out of range, a national code that is not a
    /// candidate of the round, a candidate twice) is reported with its line.
    pub async fn import_scores(&self, actor: &Actor, round: i64, csv: &[u8]) -> Result<ScoreImport> {
        let round = self.managed_round(actor, round).await?;
        entries_open(&round)?;
        let candidates: Vec<(String, i64, String)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT s.national_code, c.id, u.path FROM exam_candidates c JOIN persons s ON s.id = c.person_id \
             JOIN org_units u ON u.id = c.unit_id WHERE c.round_id = $1"
        )
        .bind(round.id)
        .fetch_all(c)
        .await)?;
        let by_code: HashMap<String, (i64, String)> =
            candidates.into_iter().map(|(code, id, path)| (code, (id, path))).collect();
        let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(csv);
        let mut scores: Vec<(i64, i64, String)> = Vec::new();
        let mut seen: HashMap<i64, usize> = HashMap::new();
        let mut refused = Vec::new();
        for (n, record) in reader.records().enumerate() {
            let line = n + 2;
            let record = match record {
                Ok(r) => r,
                Err(_) => {
                    refused.push(BadRow::new(line, &DomainError::new("row", Reason::BadFormat)));
                    continue;
                }
            };
            let code = record.get(0).unwrap_or_default();
            let candidate = match tavana_domain::NationalCode::parse(code) {
                Err(e) => Err(e),
                Ok(code) => match by_code.get(&code.as_string()) {
                    Some((id, path)) if authorize(actor, MANAGE, &unit_path(path)?).is_ok() => Ok(*id),
                    _ => Err(DomainError::breaks(
                        "national_code",
                        "is not a candidate of this round in your area",
                        "داوطلب این آزمون در حوزهٔ شما نیست",
                    )),
                },
            };
            let score = parse_score("score", record.get(1).unwrap_or_default());
            match (candidate, score) {
                (Ok(id), Ok(score)) => {
                    if let Some(first) = seen.insert(id, line) {
                        refused.push(BadRow::new(
                            line,
                            &DomainError::breaks(
                                "national_code",
                                format!("is scored on line {first} already"),
                                format!(
                                    "در سطر {first} نمره گرفته است",
                                    first = tavana_domain::text::to_persian_digits(&first.to_string())
                                ),
                            ),
                        ));
                    } else {
                        scores.push((id, score, code.to_string()));
                    }
                }
                (c, s) => {
                    for e in [c.err(), s.err()].into_iter().flatten() {
                        refused.push(BadRow::new(line, &e));
                    }
                }
            }
        }
        let applied = scores.len();
        self.write(async |tx| {
            for chunk in scores.chunks(1_000) {
                let mut sql = Sql::new("UPDATE exam_candidates SET score = CASE id");
                for (id, score, _) in chunk {
                    sql.push(" WHEN ").bind_int(*id).push(" THEN ").bind_int(*score);
                }
                let ids: Vec<i64> = chunk.iter().map(|s| s.0).collect();
                sql.push(" END WHERE id IN ").bind_ids(&ids);
                on_tx!(tx, |c| sql.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
            }
            let named: Vec<serde_json::Value> =
                scores.iter().map(|(id, score, code)| json!([id, code, score])).collect();
            let parts = named.len().div_ceil(NAMED_PER_ENTRY).max(1);
            for part in 0..parts {
                let chunk = named.chunks(NAMED_PER_ENTRY).nth(part).unwrap_or(&[]);
                tx.audit(
                    Some(actor),
                    AuditEvent::new("employment.scores", "exam_round", round.id).after(json!({
                        "part": part + 1, "parts": parts, "columns": ["candidate", "national_code", "score"],
                        "scores": chunk, "refused_lines": refused.iter().map(|r| r.line).collect::<Vec<_>>(),
                    })),
                )
                .await?;
            }
            Ok(())
        })
        .await?;
        Ok(ScoreImport { applied, refused })
    }

    /// Places the round's candidates (see the domain's `placement`) as of today
    /// and records each one's outcome and post in one transaction; the round
    /// becomes Placed. A round placed already, or sent back by an upheld
    /// objection, is placed again from scratch. The audit names every candidate's
    /// outcome.
    pub async fn place_round(&self, actor: &Actor, round: i64) -> Result<PlacementRun> {
        let round = self.managed_round(actor, round).await?;
        // Published results are placed again only after an upheld objection sent them back.
        if round.state == RoundState::Published {
            return Err(breaks(
                "state",
                "published results are placed again only when an upheld objection sends them back",
                "نتایج اعلام‌شده فقط با واردشدن اعتراضی دوباره جایابی می‌شوند",
            ));
        }
        move_allowed(&round, RoundState::Placed)?;
        let (applicants, posts) = self.placement_view(&round, None).await?;
        let placed = placement::place(&posts, &applicants);
        let outcomes: Vec<(i64, PlacementOutcome, Option<i64>)> = applicants
            .iter()
            .zip(&placed)
            .map(|(a, post)| {
                let outcome = match (post, a.score < 0, a.kinds.is_empty()) {
                    (Some(_), _, _) => PlacementOutcome::Placed,
                    (None, true, _) => PlacementOutcome::NoScore,
                    (None, false, true) => PlacementOutcome::NoAssessment,
                    (None, false, false) => PlacementOutcome::NotPlaced,
                };
                (a.id, outcome, *post)
            })
            .collect();
        let count = |o: PlacementOutcome| outcomes.iter().filter(|x| x.1 == o).count() as i64;
        let run = PlacementRun {
            placed: count(PlacementOutcome::Placed),
            not_placed: count(PlacementOutcome::NotPlaced),
            no_score: count(PlacementOutcome::NoScore),
            no_assessment: count(PlacementOutcome::NoAssessment),
        };
        let version = round.version;
        self.write(async |tx| {
            let now = tx.now();
            set_state(tx, &round, version, RoundState::Placed, Some(now)).await?;
            // Candidates whose placement says a post, a chunk at a time; the rest by outcome.
            let with_post: Vec<&(i64, PlacementOutcome, Option<i64>)> =
                outcomes.iter().filter(|o| o.2.is_some()).collect();
            for chunk in with_post.chunks(1_000) {
                let mut sql = Sql::new("UPDATE exam_candidates SET outcome = 'placed', placed_post_id = CASE id");
                for (id, _, post) in chunk {
                    sql.push(" WHEN ").bind_int(*id).push(" THEN ").bind_opt_int(*post);
                }
                let ids: Vec<i64> = chunk.iter().map(|o| o.0).collect();
                sql.push(" END WHERE id IN ").bind_ids(&ids);
                on_tx!(tx, |c| sql.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
            }
            for outcome in [PlacementOutcome::NotPlaced, PlacementOutcome::NoScore, PlacementOutcome::NoAssessment] {
                let ids: Vec<i64> = outcomes.iter().filter(|o| o.1 == outcome).map(|o| o.0).collect();
                for chunk in ids.chunks(1_000) {
                    let mut sql = Sql::new("UPDATE exam_candidates SET placed_post_id = NULL, outcome = ");
                    sql.bind_str(outcome.code()).push(" WHERE id IN ").bind_ids(chunk);
                    on_tx!(tx, |c| sql.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
                }
            }
            let named: Vec<serde_json::Value> =
                outcomes.iter().map(|(id, outcome, post)| json!([id, outcome.code(), post])).collect();
            let parts = named.len().div_ceil(NAMED_PER_ENTRY).max(1);
            for part in 0..parts {
                let chunk = named.chunks(NAMED_PER_ENTRY).nth(part).unwrap_or(&[]);
                tx.audit(
                    Some(actor),
                    AuditEvent::new("employment.place", "exam_round", round.id).after(json!({
                        "part": part + 1, "parts": parts, "columns": ["candidate", "outcome", "post"],
                        "candidates": chunk, "placed": run.placed, "not_placed": run.not_placed,
                        "no_score": run.no_score, "no_assessment": run.no_assessment,
                    })),
                )
                .await?;
            }
            Ok(())
        })
        .await?;
        Ok(run)
    }

    /// Publishes a placed round's results: objections may be lodged until
    /// [`objection_deadline`].
    pub async fn publish_round(&self, actor: &Actor, round: i64, version: i64) -> Result<ExamRound> {
        let round = self.managed_round(actor, round).await?;
        move_allowed(&round, RoundState::Published)?;
        let today = self.today();
        let until = objection_deadline(today);
        self.write(async |tx| {
            set_state(tx, &round, version, RoundState::Published, None).await?;
            let mut sql = Sql::new("UPDATE exam_rounds SET published_on = ");
            sql.bind_str(&today.to_string()).push(", objection_until = ").bind_str(&until.to_string()).push(" WHERE id = ").bind_int(round.id);
            on_tx!(tx, |c| sql.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
            tx.audit(
                Some(actor),
                AuditEvent::new("employment.publish", "exam_round", round.id)
                    .after(json!({"published_on": today.to_string(), "objection_until": until.to_string(), "placed": round.placed})),
            )
            .await
        })
        .await?;
        self.exam_round(actor, round.id).await
    }

    /// Closes a published round once its objection window has passed and every
    /// objection is decided: its results are final.
    pub async fn close_round(&self, actor: &Actor, round: i64, version: i64) -> Result<ExamRound> {
        let round = self.managed_round(actor, round).await?;
        move_allowed(&round, RoundState::Closed)?;
        if window_open(&round, self.today()) {
            return Err(breaks(
                "state",
                "objections may still be lodged: the round closes after the window",
                "مهلت اعتراض هنوز باقی است: آزمون پس از پایان مهلت قطعی می‌شود",
            ));
        }
        if round.objections_open > 0 {
            return Err(breaks(
                "state",
                "every objection must be decided before the round closes",
                "پیش از قطعی شدن نتایج باید به همهٔ اعتراض‌ها رسیدگی شود",
            ));
        }
        self.write(async |tx| {
            set_state(tx, &round, version, RoundState::Closed, None).await?;
            tx.audit(
                Some(actor),
                AuditEvent::new("employment.close", "exam_round", round.id).after(json!({"placed": round.placed})),
            )
            .await
        })
        .await?;
        self.exam_round(actor, round.id).await
    }

    /// A round's candidates in the actor's subtree, best score first, with
    /// their results; filtered by outcome and by the agency they were placed
    /// in (an agency's results). A logged read.
    pub async fn exam_candidates(
        &self,
        actor: &Actor,
        round: i64,
        filter: &CandidateFilter,
        limit: i64,
    ) -> Result<Vec<Candidate>> {
        require(actor, READ)?;
        let round = self.exam_round(actor, round).await?;
        let mut sql = Sql::new(CANDIDATE_SELECT);
        sql.push(" WHERE c.round_id = ")
            .bind_int(round.id)
            .push(" AND u.path LIKE ")
            .bind_str(&actor.unit_path.subtree_pattern());
        if let Some(o) = filter.outcome {
            sql.push(" AND c.outcome = ").bind_str(o.code());
        }
        if let Some(agency) = filter.agency.as_deref().filter(|a| !a.is_empty()) {
            sql.push(" AND pa.code = ").bind_str(agency);
        }
        sql.push(" ORDER BY c.score DESC, c.id LIMIT ").bind_int(limit.clamp(1, 10_000));
        let rows: Vec<Candidate> = on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
        self.log_read(actor, Sensitive::Candidates, "exam_round", &round.id.to_string(), json!({"candidates": ids}))
            .await?;
        Ok(rows)
    }

    /// A candidate's file. A logged read.
    pub async fn candidate_file(&self, actor: &Actor, id: i64) -> Result<CandidateFile> {
        let candidate = self.scoped_candidate(actor, id, READ).await?;
        let round = self.exam_round(actor, candidate.round_id).await?;
        let (applicant, _) = self.placement_view(&round, Some(id)).await?;
        let applicant = applicant.into_iter().next().ok_or(StoreError::NotFound)?;
        let sql = format!(
            "{POST_SELECT} JOIN exam_preferences f ON f.post_id = p.id WHERE f.candidate_id = $1 ORDER BY f.rank"
        );
        let preferences: Vec<ExamPost> = on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_all(c).await)?;
        let sql = format!("{OBJECTION_SELECT} WHERE o.candidate_id = $1");
        let objection: Option<Objection> = on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_optional(c).await)?;
        self.log_read(actor, Sensitive::Candidates, "exam_candidate", &id.to_string(), json!({})).await?;
        Ok(CandidateFile {
            candidate,
            round,
            education: applicant.education,
            kinds: applicant.kinds,
            severity: applicant.severity,
            preferences,
            objection,
        })
    }

    /// Lodges a candidate's objection to the published results, by the window's
    /// last day; once a round.
    pub async fn lodge_objection(&self, actor: &Actor, candidate: i64, grounds: &str) -> Result<Objection> {
        let candidate = self.scoped_candidate(actor, candidate, MANAGE).await?;
        let round = self.exam_round(actor, candidate.round_id).await?;
        match (round.state, round.objection_until.as_deref()) {
            (RoundState::Published, Some(_)) if window_open(&round, self.today()) => {}
            (RoundState::Published, Some(until)) => {
                return Err(breaks(
                    "grounds",
                    format!("the objection is late: results could be objected to until {until}"),
                    format!("مهلت اعتراض گذشته است: اعتراض تا {} پذیرفته می‌شد", jalali_text(until)),
                ));
            }
            _ => {
                return Err(breaks("grounds", "the results are not published", "نتایج هنوز اعلام نشده است"));
            }
        }
        let id = self
            .write(async |tx| {
                let now = tx.now();
                let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                    "INSERT INTO exam_objections (candidate_id, grounds, lodged_at, lodged_by, state) \
                     VALUES ($1, $2, $3, $4, 'lodged') RETURNING id"
                )
                .bind(candidate.id)
                .bind(grounds)
                .bind(now)
                .bind(actor.user_id)
                .fetch_one(c)
                .await)
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict { .. } => {
                        breaks("grounds", "the candidate has objected already", "این داوطلب پیش‌تر اعتراض کرده است")
                    }
                    other => other,
                })?;
                tx.audit(
                    Some(actor),
                    AuditEvent::new("employment.objection.lodge", "exam_candidate", candidate.id)
                        .after(json!({"objection": id, "round": round.id})),
                )
                .await?;
                Ok(id)
            })
            .await?;
        self.objection_row(id).await
    }

    async fn objection_row(&self, id: i64) -> Result<Objection> {
        let sql = format!("{OBJECTION_SELECT} WHERE o.id = $1");
        Ok(on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?)
    }

    /// Decides an objection with reasons and a legal basis; not by whoever
    /// lodged it. An upheld objection that corrects the score records the new
    /// score and sends a published round back to Placed, to be placed and
    /// published again.
    pub async fn decide_objection(
        &self,
        actor: &Actor,
        objection: i64,
        decision: &ObjectionDecision,
    ) -> Result<Objection> {
        let current = self.objection_row(objection).await?;
        let candidate = self.scoped_candidate(actor, current.candidate_id, MANAGE).await?;
        let round = self.exam_round(actor, candidate.round_id).await?;
        if current.state != ObjectionState::Lodged {
            return Err(breaks("outcome", "the objection is decided already", "به این اعتراض پیش‌تر رسیدگی شده است"));
        }
        if current.lodged_by == actor.user_id {
            return Err(breaks(
                "outcome",
                "whoever lodged the objection cannot decide it",
                "ثبت‌کنندهٔ اعتراض نمی‌تواند به آن رسیدگی کند",
            ));
        }
        let today = self.today().to_string();
        self.write(async |tx| {
            let now = tx.now();
            let mut sql = Sql::new("UPDATE exam_objections SET state = ");
            sql.bind_str(decision.outcome.code())
                .push(", reasons = ")
                .bind_str(&decision.reasons)
                .push(", legal_basis = ")
                .bind_str(&decision.legal_basis)
                .push(", corrected_score = ")
                .bind_opt_int(decision.score)
                .push(", decided_at = ")
                .bind_int(now)
                .push(", decided_by = ")
                .bind_int(actor.user_id)
                .push(", decided_on = ")
                .bind_str(&today)
                .push(" WHERE id = ")
                .bind_int(objection)
                .push(" AND state = 'lodged'");
            let changed = on_tx!(tx, |c| sql.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
            if changed != 1 {
                return Err(invalid("version", Reason::Taken));
            }
            let mut reopened = false;
            if let (ObjectionState::Upheld, Some(score)) = (decision.outcome, decision.score) {
                on_tx!(tx, |c| sqlx::query("UPDATE exam_candidates SET score = $1 WHERE id = $2")
                    .bind(score)
                    .bind(candidate.id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?;
                if round.state == RoundState::Published {
                    set_state(tx, &round, round.version, RoundState::Placed, None).await?;
                    reopened = true;
                }
            }
            tx.audit(
                Some(actor),
                AuditEvent::new("employment.objection.decide", "exam_candidate", candidate.id).after(json!({
                    "objection": objection, "outcome": decision.outcome.code(), "reasons": decision.reasons,
                    "legal_basis": decision.legal_basis, "score_before": candidate.score, "score": decision.score,
                    "round_reopened": reopened,
                })),
            )
            .await
        })
        .await?;
        self.objection_row(objection).await
    }

    /// The objections of a round in the actor's subtree, undecided first.
    pub async fn exam_objections(&self, actor: &Actor, round: i64) -> Result<Vec<Objection>> {
        require(actor, READ)?;
        let round = self.exam_round(actor, round).await?;
        let sql = format!(
            "{OBJECTION_SELECT} JOIN exam_candidates c ON c.id = o.candidate_id JOIN org_units u ON u.id = c.unit_id \
             WHERE c.round_id = $1 AND u.path LIKE $2 ORDER BY CASE o.state WHEN 'lodged' THEN 0 ELSE 1 END, o.id"
        );
        let rows: Vec<Objection> = on_pool!(self, |c| sqlx::query_as(&sql)
            .bind(round.id)
            .bind(actor.unit_path.subtree_pattern())
            .fetch_all(c)
            .await)?;
        let ids: Vec<i64> = rows.iter().map(|o| o.candidate_id).collect();
        self.log_read(actor, Sensitive::Candidates, "exam_round", &round.id.to_string(), json!({"objections": ids}))
            .await?;
        Ok(rows)
    }
}

/// Whether a round's objection window is open on `today` (the domain's
/// `objections_open` over its stored last day); closed when there is none.
fn window_open(round: &ExamRound, today: time::Date) -> bool {
    round
        .objection_until
        .as_deref()
        .and_then(|until| time::Date::parse(until, &time::format_description::well_known::Iso8601::DATE).ok())
        .is_some_and(|until| tavana_domain::employment::objections_open(until, today))
}

/// A round is visible from units in its subtree and from those above it.
fn visible(actor: &Actor, round: &ExamRound) -> bool {
    round.unit_path.starts_with(actor.unit_path.as_str()) || actor.unit_path.as_str().starts_with(&round.unit_path)
}

fn entries_open(round: &ExamRound) -> Result<()> {
    if round.state.takes_entries() {
        Ok(())
    } else {
        Err(breaks(
            "state",
            "the round no longer takes registrations, preferences or scores",
            "ثبت‌نام، انتخاب محل و ورود نمره در این آزمون بسته شده است",
        ))
    }
}

fn move_allowed(round: &ExamRound, to: RoundState) -> Result<()> {
    if round.state.may_become(to) {
        Ok(())
    } else {
        Err(breaks(
            "state",
            format!("a round that is {} cannot become {}", round.state.code(), to.code()),
            format!("آزمونی که «{}» است نمی‌تواند «{}» شود", round.state.label_fa(), to.label_fa()),
        ))
    }
}

/// Moves a round to `to` if it is still at `version`.
async fn set_state(
    tx: &mut WriteTx,
    round: &ExamRound,
    version: i64,
    to: RoundState,
    placed_at: Option<i64>,
) -> Result<()> {
    let mut sql = Sql::new("UPDATE exam_rounds SET state = ");
    sql.bind_str(to.code()).push(", version = version + 1, placed_at = ").bind_opt_int(placed_at.or(round.placed_at));
    sql.push(" WHERE id = ").bind_int(round.id).push(" AND version = ").bind_int(version);
    let changed = on_tx!(tx, |c| sql.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
    if changed == 1 { Ok(()) } else { Err(invalid("version", Reason::Taken)) }
}

/// An ISO day in Jalali Persian, or as it is when it is not a day.
pub(crate) fn jalali_text(iso: &str) -> String {
    time::Date::parse(iso, &time::format_description::well_known::Iso8601::DATE)
        .ok()
        .and_then(|d| tavana_domain::JalaliDate::from_gregorian(d).ok())
        .map(|d| d.to_persian())
        .unwrap_or_else(|| iso.to_string())
}
