//! Cards' API: the public check by number (no sign-in, rate-limited, nothing
//! personal in the answer) and the officers' run.

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiPath, Problem, ProblemBody};
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use std::net::SocketAddr;
use tavana_store::cards::{CardCheck, CardRun, TravelCard};

/// Whether a travel discount card is valid today, and until when: for transport
/// operators, without signing in. Nothing about the holder is answered. At most
/// 60 checks a minute from one address.
#[utoipa::path(get, path = "/api/v1/travel-cards/{number}", tag = "cards",
    params(("number" = String, Path, description = "The card's printed number (11 digits)")),
    responses((status = 200, body = CardCheck), (status = 429, body = ProblemBody)))]
pub async fn check(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<CardCheck>, ApiError> {
    if !state.card_checks.allow(peer.ip(), std::time::Instant::now()) {
        return Err(ApiError::from(Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too Many Requests",
            "Too many card checks from this address; try again in a minute.",
            "استعلام کارت از این نشانی بیش از اندازه بوده است؛ یک دقیقهٔ دیگر دوباره تلاش کنید.",
        )));
    }
    Ok(Json(state.store.check_travel_card(&number).await?))
}

/// Revokes the lapsed cards in the caller's subtree and issues one to everyone
/// there with a current severe or very severe assessment and none in force
/// (program officers).
#[utoipa::path(post, path = "/api/v1/travel-cards/run", tag = "cards",
    responses((status = 200, body = CardRun), (status = 403, body = ProblemBody)))]
pub async fn run(State(state): State<AppState>, ApiCaller(actor): ApiCaller) -> Result<Json<CardRun>, ApiError> {
    Ok(Json(state.store.issue_travel_cards(&actor).await?))
}

/// A person's travel cards, newest first; a revoked one says why, by whom, when,
/// on what legal basis and until when it may be contested (a logged read).
#[utoipa::path(get, path = "/api/v1/persons/{id}/travel-cards", tag = "cards",
    params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, body = [TravelCard]), (status = 404, body = ProblemBody)))]
pub async fn person_cards(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<TravelCard>>, ApiError> {
    Ok(Json(state.store.person_travel_cards(&actor, id).await?))
}
