//! The employment API: exam rounds, posts, candidates and their preferences,
//! scores, placement, publication, objections; agencies and compliance; the CSR
//! fund; employment records. A body is checked before anything is looked up,
//! so a bad one is a 422 naming its fields whatever the address.

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiPath, ApiQuery, ProblemBody, bad_body, invalid_fields};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tavana_domain::DomainError;
use tavana_domain::employment::csr::{
    Declaration, FirmFields, Movement, ProjectFields, RawDeclaration, RawFirm, RawMovement, RawProject,
};
use tavana_domain::employment::{
    AgencyFields, JobFields, ObjectionDecision, PlacementOutcome, PostFields, RawAgency, RawJob, RawObjection,
    RawObjectionDecision, RawPost, RawRound, parse_preferences,
};
use tavana_domain::error::Reason;
use tavana_store::StoreError;
use tavana_store::employment::csr::{Firm, Fund, Project};
use tavana_store::employment::jobs::{Compliance, ComplianceSummary, Job};
use tavana_store::employment::{
    Agency, Candidate, CandidateFile, ExamPost, ExamRound, Objection, PlacementRun, ScoreImport,
};
use utoipa::{IntoParams, ToSchema};

/// New records' ids, in the order sent.
#[derive(Serialize, ToSchema)]
pub struct CreatedMany {
    pub ids: Vec<i64>,
}

fn json<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(t)| t).map_err(bad_body)
}

/// Parses each of a list, naming every bad field of every item.
fn parse_all<R, F>(raws: &[R], parse: impl Fn(&R) -> Result<F, Vec<DomainError>>) -> Result<Vec<F>, ApiError> {
    let mut out = Vec::with_capacity(raws.len());
    let mut errors = Vec::new();
    for raw in raws {
        match parse(raw) {
            Ok(f) => out.push(f),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if raws.is_empty() {
        errors.push(DomainError::new("items", Reason::Empty));
    }
    if errors.is_empty() { Ok(out) } else { Err(invalid_fields(&errors)) }
}

/// Exam rounds visible from the caller's unit, newest first.
#[utoipa::path(get, path = "/api/v1/employment/rounds", tag = "employment", responses((status = 200, body = Vec<ExamRound>)))]
pub async fn rounds(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<ExamRound>>, ApiError> {
    Ok(Json(state.store.exam_rounds(&actor).await?))
}

/// Opens an exam round at the caller's unit (employment officers).
#[utoipa::path(post, path = "/api/v1/employment/rounds", tag = "employment", request_body = RawRound,
    responses((status = 201, body = ExamRound), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn create_round(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<RawRound>, JsonRejection>,
) -> Result<(StatusCode, Json<ExamRound>), ApiError> {
    let title = json(body)?.parse().map_err(|e| invalid_fields(&e))?;
    Ok((StatusCode::CREATED, Json(state.store.create_round(&actor, &title).await?)))
}

/// A round with its counts.
#[utoipa::path(get, path = "/api/v1/employment/rounds/{id}", tag = "employment",
    params(("id" = i64, Path, description = "Round id")),
    responses((status = 200, body = ExamRound), (status = 404, body = ProblemBody)))]
pub async fn round(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ExamRound>, ApiError> {
    Ok(Json(state.store.exam_round(&actor, id).await?))
}

/// A round's posts with their seats and how many the last placement filled.
#[utoipa::path(get, path = "/api/v1/employment/rounds/{id}/posts", tag = "employment",
    params(("id" = i64, Path, description = "Round id")),
    responses((status = 200, body = Vec<ExamPost>), (status = 404, body = ProblemBody)))]
pub async fn posts(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ExamPost>>, ApiError> {
    Ok(Json(state.store.exam_posts(&actor, id).await?))
}

/// Adds posts to an open round; every bad field of every post is named.
#[utoipa::path(post, path = "/api/v1/employment/rounds/{id}/posts", tag = "employment",
    params(("id" = i64, Path, description = "Round id")), request_body = Vec<RawPost>,
    responses((status = 201, body = CreatedMany), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn add_posts(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<Vec<RawPost>>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedMany>), ApiError> {
    let posts = parse_all(&json(body)?, PostFields::parse)?;
    Ok((StatusCode::CREATED, Json(CreatedMany { ids: state.store.add_exam_posts(&actor, id, &posts).await? })))
}

/// Which candidates to list.
#[derive(Deserialize, IntoParams)]
pub struct CandidateQuery {
    /// Only those with this outcome (`placed`, `not_placed`, `no_score`, `no_assessment`, `pending`).
    pub outcome: Option<String>,
    /// Only those placed in this agency's posts (its code): the agency's results.
    pub agency: Option<String>,
    /// At most 10,000; 1,000 when not given.
    pub limit: Option<i64>,
}

/// A round's candidates in the caller's area, best score first, with their
/// results (a logged read).
#[utoipa::path(get, path = "/api/v1/employment/rounds/{id}/candidates", tag = "employment",
    params(("id" = i64, Path, description = "Round id"), CandidateQuery),
    responses((status = 200, body = Vec<Candidate>), (status = 404, body = ProblemBody)))]
pub async fn candidates(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<CandidateQuery>,
) -> Result<Json<Vec<Candidate>>, ApiError> {
    let outcome = match q.outcome.as_deref().filter(|o| !o.is_empty()) {
        Some(o) => Some(PlacementOutcome::parse("outcome", o).map_err(StoreError::Invalid)?),
        None => None,
    };
    let filter = tavana_store::employment::CandidateFilter { outcome, agency: q.agency };
    Ok(Json(state.store.exam_candidates(&actor, id, &filter, q.limit.unwrap_or(1_000)).await?))
}

/// A candidate to register, by national code.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct Registration {
    pub national_code: String,
}

/// Registers a person of the caller's area with a current valid assessment as
/// a candidate of an open round.
#[utoipa::path(post, path = "/api/v1/employment/rounds/{id}/candidates", tag = "employment",
    params(("id" = i64, Path, description = "Round id")), request_body = Registration,
    responses((status = 201, body = Candidate), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn register(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<Registration>, JsonRejection>,
) -> Result<(StatusCode, Json<Candidate>), ApiError> {
    let code = json(body)?.national_code;
    tavana_domain::NationalCode::parse(&code).map_err(StoreError::Invalid)?;
    Ok((StatusCode::CREATED, Json(state.store.register_candidate(&actor, id, &code).await?)))
}

/// Imports scores (CSV `national_code,score` with a header): every good row is
/// recorded, every bad row reported with its line.
#[utoipa::path(post, path = "/api/v1/employment/rounds/{id}/scores", tag = "employment",
    params(("id" = i64, Path, description = "Round id")),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ScoreImport), (status = 404, body = ProblemBody), (status = 413, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
pub async fn import_scores(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Body,
) -> Result<Json<ScoreImport>, ApiError> {
    let bytes = axum::body::to_bytes(body, super::SCORES_LIMIT)
        .await
        .map_err(|_| crate::error::too_large(super::SCORES_LIMIT as u64))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(StoreError::Invalid(DomainError::new("file", Reason::Empty)).into());
    }
    Ok(Json(state.store.import_scores(&actor, id, &bytes).await?))
}

/// Places the round's candidates (candidate-proposing deferred acceptance:
/// stable and best for every candidate), as of today.
#[utoipa::path(post, path = "/api/v1/employment/rounds/{id}/placement", tag = "employment",
    params(("id" = i64, Path, description = "Round id")),
    responses((status = 200, body = PlacementRun), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn place(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PlacementRun>, ApiError> {
    Ok(Json(state.store.place_round(&actor, id).await?))
}

/// The round's version, as read: a step on a round changed meanwhile is refused.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct Version {
    pub version: Option<i64>,
}

fn version(body: Result<Json<Version>, JsonRejection>) -> Result<i64, ApiError> {
    json(body)?.version.ok_or_else(|| StoreError::Invalid(DomainError::new("version", Reason::Empty)).into())
}

/// Publishes a placed round's results; the objection window opens.
#[utoipa::path(post, path = "/api/v1/employment/rounds/{id}/publication", tag = "employment",
    params(("id" = i64, Path, description = "Round id")), request_body = Version,
    responses((status = 200, body = ExamRound), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn publish(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<Version>, JsonRejection>,
) -> Result<Json<ExamRound>, ApiError> {
    let v = version(body)?;
    Ok(Json(state.store.publish_round(&actor, id, v).await?))
}

/// Makes a published round's results final once the objection window has
/// passed and every objection is decided.
#[utoipa::path(post, path = "/api/v1/employment/rounds/{id}/closing", tag = "employment",
    params(("id" = i64, Path, description = "Round id")), request_body = Version,
    responses((status = 200, body = ExamRound), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn close(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<Version>, JsonRejection>,
) -> Result<Json<ExamRound>, ApiError> {
    let v = version(body)?;
    Ok(Json(state.store.close_round(&actor, id, v).await?))
}

/// A round's objections in the caller's area, undecided first (a logged read).
#[utoipa::path(get, path = "/api/v1/employment/rounds/{id}/objections", tag = "employment",
    params(("id" = i64, Path, description = "Round id")),
    responses((status = 200, body = Vec<Objection>), (status = 404, body = ProblemBody)))]
pub async fn objections(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Objection>>, ApiError> {
    Ok(Json(state.store.exam_objections(&actor, id).await?))
}

/// A candidate's file: result, ranked posts, objection (a logged read).
#[utoipa::path(get, path = "/api/v1/employment/candidates/{id}", tag = "employment",
    params(("id" = i64, Path, description = "Candidate id")),
    responses((status = 200, body = CandidateFile), (status = 404, body = ProblemBody)))]
pub async fn candidate(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CandidateFile>, ApiError> {
    Ok(Json(state.store.candidate_file(&actor, id).await?))
}

/// A candidate's ranked posts.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct Preferences {
    /// Post ids, most wanted first; at most 10.
    pub posts: Vec<i64>,
}

/// Sets a candidate's ranked posts while the round is open: each a post of the
/// round that the candidate's education and disability suit.
#[utoipa::path(put, path = "/api/v1/employment/candidates/{id}/preferences", tag = "employment",
    params(("id" = i64, Path, description = "Candidate id")), request_body = Preferences,
    responses((status = 200, body = CandidateFile), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn set_preferences(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<Preferences>, JsonRejection>,
) -> Result<Json<CandidateFile>, ApiError> {
    let posts: Vec<String> = json(body)?.posts.iter().map(i64::to_string).collect();
    let posts = parse_preferences(&posts).map_err(StoreError::Invalid)?;
    state.store.set_preferences(&actor, id, &posts).await?;
    Ok(Json(state.store.candidate_file(&actor, id).await?))
}

/// Lodges a candidate's objection to the published results, within the window.
#[utoipa::path(post, path = "/api/v1/employment/candidates/{id}/objection", tag = "employment",
    params(("id" = i64, Path, description = "Candidate id")), request_body = RawObjection,
    responses((status = 201, body = Objection), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn lodge(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<RawObjection>, JsonRejection>,
) -> Result<(StatusCode, Json<Objection>), ApiError> {
    let grounds = json(body)?.parse().map_err(|e| invalid_fields(&e))?;
    Ok((StatusCode::CREATED, Json(state.store.lodge_objection(&actor, id, &grounds).await?)))
}

/// Decides an objection with reasons and a legal basis (not by whoever lodged it).
#[utoipa::path(post, path = "/api/v1/employment/objections/{id}/decision", tag = "employment",
    params(("id" = i64, Path, description = "Objection id")), request_body = RawObjectionDecision,
    responses((status = 200, body = Objection), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<RawObjectionDecision>, JsonRejection>,
) -> Result<Json<Objection>, ApiError> {
    let decision = ObjectionDecision::parse(&json(body)?).map_err(|e| invalid_fields(&e))?;
    Ok(Json(state.store.decide_objection(&actor, id, &decision).await?))
}

/// The agencies of the caller's area.
#[utoipa::path(get, path = "/api/v1/employment/agencies", tag = "employment", responses((status = 200, body = Vec<Agency>)))]
pub async fn agencies(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<Agency>>, ApiError> {
    Ok(Json(state.store.agencies(&actor).await?))
}

/// Records agencies; every bad field of every agency is named.
#[utoipa::path(post, path = "/api/v1/employment/agencies", tag = "employment", request_body = Vec<RawAgency>,
    responses((status = 201, body = CreatedMany), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn create_agency(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<Vec<RawAgency>>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedMany>), ApiError> {
    let agencies = parse_all(&json(body)?, AgencyFields::parse)?;
    Ok((StatusCode::CREATED, Json(CreatedMany { ids: state.store.create_agencies(&actor, &agencies).await? })))
}

/// Compliance with the 3% quota: per agency, and summed per province and for the caller's area.
#[derive(Serialize, ToSchema)]
pub struct ComplianceReport {
    pub agencies: Vec<Compliance>,
    /// Per province, then the whole area (the last, with no province).
    pub summary: Vec<ComplianceSummary>,
}

/// Each agency's staff, the 3% it owes, the persons with disabilities it
/// employs and its shortfall; summed per province and for the caller's area.
#[utoipa::path(get, path = "/api/v1/employment/compliance", tag = "employment", responses((status = 200, body = ComplianceReport)))]
pub async fn compliance(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<ComplianceReport>, ApiError> {
    Ok(Json(ComplianceReport {
        agencies: state.store.compliance(&actor).await?,
        summary: state.store.compliance_summary(&actor).await?,
    }))
}

/// The firms of the caller's area with what they owe and paid.
#[utoipa::path(get, path = "/api/v1/employment/csr/firms", tag = "employment", responses((status = 200, body = Vec<Firm>)))]
pub async fn firms(State(state): State<AppState>, ApiCaller(actor): ApiCaller) -> Result<Json<Vec<Firm>>, ApiError> {
    Ok(Json(state.store.firms(&actor).await?))
}

/// Records a firm.
#[utoipa::path(post, path = "/api/v1/employment/csr/firms", tag = "employment", request_body = RawFirm,
    responses((status = 201, body = Firm), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn create_firm(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<RawFirm>, JsonRejection>,
) -> Result<(StatusCode, Json<Firm>), ApiError> {
    let fields = FirmFields::parse(&json(body)?).map_err(|e| invalid_fields(&e))?;
    Ok((StatusCode::CREATED, Json(state.store.create_firm(&actor, &fields).await?)))
}

/// Records a firm's declared profit for a year: 60% of its 1% becomes owed to the fund.
#[utoipa::path(post, path = "/api/v1/employment/csr/firms/{id}/declarations", tag = "employment",
    params(("id" = i64, Path, description = "Firm id")), request_body = RawDeclaration,
    responses((status = 200, body = Firm), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn declare(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<RawDeclaration>, JsonRejection>,
) -> Result<Json<Firm>, ApiError> {
    let declaration = Declaration::parse(&json(body)?).map_err(|e| invalid_fields(&e))?;
    Ok(Json(state.store.declare_profit(&actor, id, &declaration).await?))
}

/// Posts a payment a firm made (finance makers; no more than it owes).
#[utoipa::path(post, path = "/api/v1/employment/csr/firms/{id}/receipts", tag = "employment",
    params(("id" = i64, Path, description = "Firm id")), request_body = RawMovement,
    responses((status = 200, body = Firm), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
pub async fn receive(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<RawMovement>, JsonRejection>,
) -> Result<Json<Firm>, ApiError> {
    let movement = Movement::parse(&json(body)?, state.store.today()).map_err(|e| invalid_fields(&e))?;
    Ok(Json(state.store.receive_csr(&actor, id, &movement).await?))
}

/// The projects of the caller's area with their budgets and spending.
#[utoipa::path(get, path = "/api/v1/employment/csr/projects", tag = "employment", responses((status = 200, body = Vec<Project>)))]
pub async fn projects(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<Project>>, ApiError> {
    Ok(Json(state.store.projects(&actor).await?))
}

/// Records a project financed by the fund.
#[utoipa::path(post, path = "/api/v1/employment/csr/projects", tag = "employment", request_body = RawProject,
    responses((status = 201, body = Project), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn create_project(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<RawProject>, JsonRejection>,
) -> Result<(StatusCode, Json<Project>), ApiError> {
    let fields = ProjectFields::parse(&json(body)?).map_err(|e| invalid_fields(&e))?;
    Ok((StatusCode::CREATED, Json(state.store.create_project(&actor, &fields).await?)))
}

/// Posts what a project spent (finance makers; within its budget and the fund's money).
#[utoipa::path(post, path = "/api/v1/employment/csr/projects/{id}/spending", tag = "employment",
    params(("id" = i64, Path, description = "Project id")), request_body = RawMovement,
    responses((status = 200, body = Project), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
pub async fn spend(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<RawMovement>, JsonRejection>,
) -> Result<Json<Project>, ApiError> {
    let movement = Movement::parse(&json(body)?, state.store.today()).map_err(|e| invalid_fields(&e))?;
    Ok(Json(state.store.spend_csr(&actor, id, &movement).await?))
}

/// The fund's totals as the ledger has them.
#[utoipa::path(get, path = "/api/v1/employment/csr/fund", tag = "employment", responses((status = 200, body = Fund)))]
pub async fn fund(State(state): State<AppState>, ApiCaller(actor): ApiCaller) -> Result<Json<Fund>, ApiError> {
    Ok(Json(state.store.csr_fund(&actor).await?))
}

/// Employment records of the caller's area, newest first (a logged read).
#[utoipa::path(get, path = "/api/v1/employment/jobs", tag = "employment", responses((status = 200, body = Vec<Job>)))]
pub async fn jobs(State(state): State<AppState>, ApiCaller(actor): ApiCaller) -> Result<Json<Vec<Job>>, ApiError> {
    Ok(Json(state.store.jobs(&actor, 200).await?))
}

/// An employment record as sent: the job, and for the quota exam the candidacy.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct NewJob {
    #[serde(flatten)]
    pub job: RawJob,
    /// The quota exam's candidacy it came from.
    pub candidate: Option<i64>,
}

/// Records that a person started work.
#[utoipa::path(post, path = "/api/v1/employment/jobs", tag = "employment", request_body = NewJob,
    responses((status = 201, body = Job), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn record_job(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<NewJob>, JsonRejection>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    let new = json(body)?;
    let fields = JobFields::parse(&new.job, state.store.today()).map_err(|e| invalid_fields(&e))?;
    Ok((StatusCode::CREATED, Json(state.store.record_job(&actor, &fields, new.candidate).await?)))
}
