//! HR's API: staff found and recorded, positions created, a unit's org chart, a
//! position with its successors, successors named, and the succession risk.

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiPath, ApiQuery, ProblemBody, bad_body, invalid_fields};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tavana_domain::hr::{PositionFields, RawPosition, RawStaff, Readiness, StaffFields};
use tavana_store::StoreError;
use tavana_store::hr::{AtRisk, OrgChart, Position, PositionFile, StaffMember};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub struct StaffQuery {
    /// Part of a name, or a personnel number.
    #[serde(default)]
    pub q: String,
    /// An org unit whose subtree to search (the caller's own by default).
    pub unit: Option<i64>,
}

/// Staff of the caller's subtree by last name, at most 1,000 (a logged read).
#[utoipa::path(get, path = "/api/v1/hr/staff", tag = "hr", params(StaffQuery),
    responses((status = 200, body = [StaffMember]), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub async fn staff(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiQuery(q): ApiQuery<StaffQuery>,
) -> Result<Json<Vec<StaffMember>>, ApiError> {
    Ok(Json(state.store.staff(&actor, q.unit, &q.q, 1_000).await?))
}

/// The ids of staff recorded.
#[derive(Serialize, ToSchema)]
pub struct Added {
    pub ids: Vec<i64>,
}

/// Records a member of staff (HR officers); every bad field is named.
#[utoipa::path(post, path = "/api/v1/hr/staff", tag = "hr", request_body = RawStaff,
    responses((status = 201, body = Added), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn add_staff(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<RawStaff>, JsonRejection>,
) -> Result<(StatusCode, Json<Added>), ApiError> {
    let Json(raw) = body.map_err(bad_body)?;
    let fields = StaffFields::parse(&raw, state.store.today()).map_err(|e| invalid_fields(&e))?;
    let ids = state.store.add_staff(&actor, &[fields]).await?;
    Ok((StatusCode::CREATED, Json(Added { ids })))
}

/// Creates a position in a unit of the caller's subtree (HR officers).
#[utoipa::path(post, path = "/api/v1/hr/positions", tag = "hr", request_body = RawPosition,
    responses((status = 201, body = Position), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn create_position(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<RawPosition>, JsonRejection>,
) -> Result<(StatusCode, Json<Position>), ApiError> {
    let Json(raw) = body.map_err(bad_body)?;
    let fields = PositionFields::parse(&raw).map_err(|e| invalid_fields(&e))?;
    Ok((StatusCode::CREATED, Json(state.store.create_position(&actor, &fields).await?)))
}

/// A unit's org chart: sub-units with their staff, positions with holders.
#[utoipa::path(get, path = "/api/v1/hr/units/{id}", tag = "hr",
    params(("id" = i64, Path, description = "Org unit id")),
    responses((status = 200, body = OrgChart), (status = 404, body = ProblemBody)))]
pub async fn chart(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<OrgChart>, ApiError> {
    Ok(Json(state.store.org_chart(&actor, id).await?))
}

/// A position with its holder and successors (a logged read).
#[utoipa::path(get, path = "/api/v1/hr/positions/{id}", tag = "hr",
    params(("id" = i64, Path, description = "Position id")),
    responses((status = 200, body = PositionFile), (status = 404, body = ProblemBody)))]
pub async fn position(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PositionFile>, ApiError> {
    Ok(Json(state.store.position(&actor, id).await?))
}

/// A successor to name.
#[derive(Deserialize, ToSchema)]
pub struct SuccessorBody {
    pub personnel_number: String,
    /// ready_now, one_to_two_years or three_to_five_years.
    pub readiness: String,
    pub plan: String,
    /// The vetting case of the candidacy (a candidate's), whose advice the
    /// position shows.
    #[serde(default)]
    pub vetting_case: Option<i64>,
}

/// Names (or updates) a candidate to succeed to a position (HR officers).
#[utoipa::path(post, path = "/api/v1/hr/positions/{id}/successors", tag = "hr", request_body = SuccessorBody,
    params(("id" = i64, Path, description = "Position id")),
    responses((status = 200, body = PositionFile), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
pub async fn name_successor(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<SuccessorBody>, JsonRejection>,
) -> Result<Json<PositionFile>, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    let readiness = Readiness::parse("readiness", &b.readiness).map_err(StoreError::Invalid)?;
    state.store.name_successor(&actor, id, &b.personnel_number, readiness, &b.plan, b.vetting_case).await?;
    Ok(Json(state.store.position(&actor, id).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct YearsQuery {
    /// The horizon: 1 to 10 years (2 by default).
    pub years: Option<i32>,
}

/// The critical posts of the caller's subtree at risk within the horizon:
/// nobody ready now, vacant or the holder retiring (a logged read).
#[utoipa::path(get, path = "/api/v1/hr/succession", tag = "hr", params(YearsQuery),
    responses((status = 200, body = [AtRisk]), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn succession(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiQuery(q): ApiQuery<YearsQuery>,
) -> Result<Json<Vec<AtRisk>>, ApiError> {
    let years = q.years.unwrap_or(super::ui::DEFAULT_HORIZON);
    Ok(Json(state.store.succession_risks(&actor, years).await?))
}
