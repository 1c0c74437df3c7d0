//! Cases' API: decisions' letters, appeals lodged and ruled on.

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiPath, ApiQuery, ProblemBody, bad_body};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::Deserialize;
use tavana_domain::cases::{AppealState, Ruling};
use tavana_store::StoreError;
use tavana_store::cases::{Appeal, DecisionLetter};
use utoipa::{IntoParams, ToSchema};

/// A decision as its letter tells it, with its appeal.
#[utoipa::path(get, path = "/api/v1/cases/decisions/{id}", tag = "cases",
    params(("id" = i64, Path, description = "Decision id")),
    responses((status = 200, body = DecisionLetter), (status = 404, body = ProblemBody)))]
pub async fn decision(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<DecisionLetter>, ApiError> {
    Ok(Json(state.store.decision_letter(&actor, id).await?))
}

/// An appeal to lodge.
#[derive(Deserialize, ToSchema)]
pub struct LodgeBody {
    /// The decision appealed.
    pub decision: i64,
    /// Why the person disagrees.
    pub grounds: String,
}

/// Lodges an appeal against a decision, by its deadline (case workers, program officers).
#[utoipa::path(post, path = "/api/v1/cases/appeals", tag = "cases", request_body = LodgeBody,
    responses((status = 201, body = Appeal), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
pub async fn lodge(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<LodgeBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Appeal>), ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    Ok((StatusCode::CREATED, Json(state.store.lodge_appeal(&actor, b.decision, &b.grounds).await?)))
}

#[derive(Deserialize, IntoParams)]
pub struct AppealsQuery {
    /// lodged (the default), affirmed or overturned.
    pub state: Option<String>,
}

/// Appeals in the caller's subtree in one state, oldest first.
#[utoipa::path(get, path = "/api/v1/cases/appeals", tag = "cases", params(AppealsQuery),
    responses((status = 200, body = Vec<Appeal>), (status = 422, body = ProblemBody)))]
pub async fn appeals(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiQuery(q): ApiQuery<AppealsQuery>,
) -> Result<Json<Vec<Appeal>>, ApiError> {
    let wanted = match q.state.as_deref() {
        None | Some("") => AppealState::Lodged,
        Some(s) => AppealState::parse("state", s).map_err(StoreError::Invalid)?,
    };
    Ok(Json(state.store.appeals(&actor, wanted, 1_000).await?))
}

/// One appeal.
#[utoipa::path(get, path = "/api/v1/cases/appeals/{id}", tag = "cases",
    params(("id" = i64, Path, description = "Appeal id")),
    responses((status = 200, body = Appeal), (status = 404, body = ProblemBody)))]
pub async fn appeal(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Appeal>, ApiError> {
    Ok(Json(state.store.appeal(&actor, id).await?))
}

/// A board's ruling.
#[derive(Deserialize, ToSchema)]
pub struct RulingBody {
    /// affirm or overturn.
    pub ruling: String,
    pub reasons: String,
    pub legal_basis: String,
}

/// Rules on a lodged appeal (program officers of the decider's unit or above who
/// did not decide it); an overturn enrolls the person again.
#[utoipa::path(post, path = "/api/v1/cases/appeals/{id}/ruling", tag = "cases", request_body = RulingBody,
    params(("id" = i64, Path, description = "Appeal id")),
    responses((status = 200, body = Appeal), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
pub async fn rule(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<RulingBody>, JsonRejection>,
) -> Result<Json<Appeal>, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    let ruling = Ruling::parse("ruling", &b.ruling).map_err(StoreError::Invalid)?;
    Ok(Json(state.store.rule_on_appeal(&actor, id, ruling, &b.reasons, &b.legal_basis).await?))
}
