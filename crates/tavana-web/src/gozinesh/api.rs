//! Vetting's API: cases opened, files opened by grant and reason, entries,
//! decisions, appeals and rulings, grants, the openings the board sees, a
//! candidate's advice and overdue inquiries.

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiPath, ProblemBody, bad_body};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tavana_domain::gozinesh::{EntryKind, SubjectKind};
use tavana_store::StoreError;
use tavana_store::gozinesh::{CaseSummary, VettingAdvice, VettingDecision, VettingFile, VettingNotice};
use utoipa::ToSchema;

/// A day a form or body may leave empty (Jalali or ISO); a bad one names `field`.
pub(super) fn optional_date(field: &'static str, text: &str) -> Result<Option<time::Date>, StoreError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    tavana_domain::jalali::parse_any_date(text)
        .map(|(d, _)| Some(d))
        .map_err(|e| StoreError::Invalid(tavana_domain::DomainError { field, ..e }))
}

/// The cases of the caller's tree, newest first: kind, state and the caller's
/// own grant; nothing of a file.
#[utoipa::path(get, path = "/api/v1/vetting/cases", tag = "vetting",
    responses((status = 200, body = [CaseSummary]), (status = 403, body = ProblemBody)))]
pub async fn cases(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<CaseSummary>>, ApiError> {
    Ok(Json(state.store.vetting_cases(&actor, 500).await?))
}

/// What the subject is told: the decision, its reasons, legal basis and appeal
/// deadline, never the inquiries (a holder of the case; a logged read).
#[utoipa::path(get, path = "/api/v1/vetting/cases/{id}/notice", tag = "vetting",
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = VettingNotice), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
pub async fn notice(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<VettingNotice>, ApiError> {
    Ok(Json(state.store.vetting_notice(&actor, id).await?))
}

/// A case to open.
#[derive(Deserialize, ToSchema)]
pub struct NewCase {
    /// applicant, candidate or renewal.
    pub kind: String,
    pub subject_name: String,
    pub national_code: String,
}

/// A new record's id.
#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Opens a case (vetting officers); the officer holds it by a 90-day grant.
#[utoipa::path(post, path = "/api/v1/vetting/cases", tag = "vetting", request_body = NewCase,
    responses((status = 201, body = Created), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn open_case(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<NewCase>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    let kind = SubjectKind::parse("kind", &b.kind).map_err(StoreError::Invalid)?;
    let code = tavana_domain::NationalCode::parse(&b.national_code).map_err(StoreError::Invalid)?;
    let id = state.store.open_vetting_case(&actor, kind, &b.subject_name, &code).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Why a file is opened.
#[derive(Deserialize, ToSchema)]
pub struct Opening {
    pub reason: String,
}

/// Opens a case's file for the holder of an unexpired grant, for the reason
/// given (logged with it); 403 for anyone else, whatever their role.
#[utoipa::path(post, path = "/api/v1/vetting/cases/{id}/file", tag = "vetting", request_body = Opening,
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = VettingFile), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
pub async fn open_file(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<Opening>, JsonRejection>,
) -> Result<Json<VettingFile>, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    Ok(Json(state.store.open_vetting_file(&actor, id, &b.reason).await?))
}

/// An entry to record.
#[derive(Deserialize, ToSchema)]
pub struct NewEntry {
    /// note, inquiry, reply, interview or finding.
    pub kind: String,
    pub text: String,
    /// For an inquiry: the day its reply is due (Jalali or ISO).
    #[serde(default)]
    pub due_on: Option<String>,
    /// For a reply: the inquiry it answers.
    #[serde(default)]
    pub reply_to: Option<i64>,
}

/// Records an entry in an open case (its officer, holding it); sealed at rest.
#[utoipa::path(post, path = "/api/v1/vetting/cases/{id}/entries", tag = "vetting", request_body = NewEntry,
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 201, body = Created), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn add_entry(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<NewEntry>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    let kind = EntryKind::parse("kind", &b.kind).map_err(StoreError::Invalid)?;
    let due = optional_date("due_on", b.due_on.as_deref().unwrap_or_default())?;
    let entry = state.store.add_vetting_entry(&actor, id, (kind, &b.text), (due, b.reply_to)).await?;
    Ok((StatusCode::CREATED, Json(Created { id: entry })))
}

/// A decision (or the board's replacing one), with the case's version as read.
#[derive(Deserialize, ToSchema)]
pub struct DecisionBody {
    #[serde(flatten)]
    pub decision: VettingDecision,
    pub version: i64,
}

/// Decides an open case (its officer, holding it); appealable for thirty days.
#[utoipa::path(post, path = "/api/v1/vetting/cases/{id}/decision", tag = "vetting", request_body = DecisionBody,
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<DecisionBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    state.store.decide_vetting_case(&actor, id, &b.decision, b.version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An appeal's grounds.
#[derive(Deserialize, ToSchema)]
pub struct AppealBody {
    pub grounds: String,
    pub version: i64,
}

/// Lodges the subject's appeal against the decision, by its deadline.
#[utoipa::path(post, path = "/api/v1/vetting/cases/{id}/appeal", tag = "vetting", request_body = AppealBody,
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
pub async fn appeal(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<AppealBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    state.store.appeal_vetting_case(&actor, id, &b.grounds, b.version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The board's ruling: the decision stands, or `replaced_by` replaces it.
#[derive(Deserialize, ToSchema)]
pub struct RulingBody {
    pub reasons: String,
    #[serde(default)]
    pub replaced_by: Option<VettingDecision>,
    pub version: i64,
}

/// Rules on an appealed case (a board member holding it); the case is final.
#[utoipa::path(post, path = "/api/v1/vetting/cases/{id}/ruling", tag = "vetting", request_body = RulingBody,
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
pub async fn rule(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<RulingBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    state.store.rule_on_vetting_appeal(&actor, id, b.replaced_by.as_ref(), &b.reasons, b.version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A grant of need-to-know access.
#[derive(Deserialize, ToSchema)]
pub struct GrantBody {
    pub user: i64,
    /// 1 to 180.
    pub days: i64,
    pub reason: String,
}

/// Grants a vetting officer or board member access to a case (the board).
#[utoipa::path(post, path = "/api/v1/vetting/cases/{id}/grants", tag = "vetting", request_body = GrantBody,
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn grant(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<GrantBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    state.store.grant_vetting_access(&actor, id, b.user, b.days, &b.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An opening of a file, as the board sees it.
#[derive(Serialize, ToSchema)]
pub struct OpeningRow {
    pub by: Option<String>,
    pub at: i64,
    /// The entry as logged (with the reason).
    pub details: Option<String>,
}

/// Who opened a case's file, when and why, newest first (the board).
#[utoipa::path(get, path = "/api/v1/vetting/cases/{id}/openings", tag = "vetting",
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = [OpeningRow]), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub async fn openings(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<OpeningRow>>, ApiError> {
    let rows = state.store.vetting_file_openings(&actor, id, 500).await?;
    Ok(Json(rows.into_iter().map(|e| OpeningRow { by: e.actor_username, at: e.at, details: e.after_json }).collect()))
}

/// The appointment advice on a candidate's case: the verdict alone (HR officers).
#[utoipa::path(get, path = "/api/v1/vetting/cases/{id}/advice", tag = "vetting",
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = VettingAdvice), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub async fn advice(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<VettingAdvice>, ApiError> {
    Ok(Json(state.store.vetting_advice(&actor, id).await?))
}

/// An inquiry past its due day with no reply.
#[derive(Serialize, ToSchema)]
pub struct Overdue {
    pub case: i64,
    pub inquiry: i64,
    pub due_on: String,
}

/// Inquiries past their due day with no reply, in the officer's tree (no text).
#[utoipa::path(get, path = "/api/v1/vetting/inquiries/overdue", tag = "vetting",
    responses((status = 200, body = [Overdue]), (status = 403, body = ProblemBody)))]
pub async fn overdue(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<Overdue>>, ApiError> {
    let rows = state.store.overdue_vetting_inquiries(&actor).await?;
    Ok(Json(rows.into_iter().map(|(case, inquiry, due_on)| Overdue { case, inquiry, due_on }).collect()))
}
