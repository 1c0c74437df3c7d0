//! The planning API: coverage, its trend, the villages nobody has reached and
//! the census import, waiting, budget execution and effectiveness. Figures are
//! counts of the caller's area; none names a person.

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiQuery, ProblemBody};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use serde::Deserialize;
use tavana_domain::DomainError;
use tavana_domain::error::Reason;
use tavana_store::StoreError;
use tavana_store::planning::Coverage;
use tavana_store::planning::trends::{Budget, Effectiveness, Trend, WaitingRow};
use tavana_store::planning::villages::{HiddenVillages, VillageImport};
use utoipa::IntoParams;

/// The most villages a list answers with.
const MAX_VILLAGES: usize = 100_000;

#[derive(Deserialize, IntoParams)]
pub struct AreaQuery {
    /// A province's or a county's place id; the caller's own area when absent.
    pub place: Option<i64>,
}

/// An area's coverage: per province (the country), county (a province) or
/// village and city (a county), the registered households and members, those
/// with a disability, the census population and each program's beneficiaries.
#[utoipa::path(get, path = "/api/v1/planning/coverage", tag = "planning", params(AreaQuery),
    responses((status = 200, body = Coverage), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub async fn coverage(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiQuery(q): ApiQuery<AreaQuery>,
) -> Result<Json<Coverage>, ApiError> {
    Ok(Json(state.store.coverage(&actor, q.place).await?))
}

/// An area's beneficiaries and waiting list at the end of each of the last
/// twelve months, with entries and exits, per program.
#[utoipa::path(get, path = "/api/v1/planning/trend", tag = "planning", params(AreaQuery),
    responses((status = 200, body = Trend), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub async fn trend(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiQuery(q): ApiQuery<AreaQuery>,
) -> Result<Json<Trend>, ApiError> {
    Ok(Json(state.store.planning_trend(&actor, q.place).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct VillagesQuery {
    /// A province's or a county's place id; the caller's own area when absent.
    pub place: Option<i64>,
    /// At most 100,000; 1,000 when not given.
    pub limit: Option<i64>,
}

/// The villages of an area nobody has reached: a census population that
/// suggests a target community, and nobody registered or nobody served; ranked.
#[utoipa::path(get, path = "/api/v1/planning/villages", tag = "planning", params(VillagesQuery),
    responses((status = 200, body = HiddenVillages), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
pub async fn hidden_villages(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiQuery(q): ApiQuery<VillagesQuery>,
) -> Result<Json<HiddenVillages>, ApiError> {
    let limit = match q.limit {
        None => 1_000,
        Some(n) if (1..=MAX_VILLAGES as i64).contains(&n) => n as usize,
        Some(_) => return Err(StoreError::Invalid(DomainError::new("limit", Reason::OutOfRange)).into()),
    };
    Ok(Json(state.store.hidden_villages(&actor, q.place, limit).await?))
}

/// Imports the villages' census table (CSV `code,county,name,population,census_year`
/// with a header): every good row is recorded, every bad row reported with its line.
#[utoipa::path(post, path = "/api/v1/planning/villages/census", tag = "planning",
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = VillageImport), (status = 403, body = ProblemBody), (status = 413, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
pub async fn import_census(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Body,
) -> Result<Json<VillageImport>, ApiError> {
    let bytes = axum::body::to_bytes(body, super::CENSUS_LIMIT)
        .await
        .map_err(|_| crate::error::too_large(super::CENSUS_LIMIT as u64))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(StoreError::Invalid(DomainError::new("file", Reason::Empty)).into());
    }
    Ok(Json(state.store.import_villages(&actor, &bytes).await?))
}

/// Who waits for budget now in an area: per place below it and program, how
/// many, the mean and the longest wait in days.
#[utoipa::path(get, path = "/api/v1/planning/waiting", tag = "planning", params(AreaQuery),
    responses((status = 200, body = Vec<WaitingRow>), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub async fn waiting(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiQuery(q): ApiQuery<AreaQuery>,
) -> Result<Json<Vec<WaitingRow>>, ApiError> {
    Ok(Json(state.store.planning_waiting(&actor, q.place).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct BudgetQuery {
    /// A province's or a county's place id; the caller's own area when absent.
    pub place: Option<i64>,
    /// The Jalali year (1300–1500); this year when absent.
    pub year: Option<i64>,
}

/// Budget execution of a Jalali year from the ledger: per program and province,
/// allocated and spent, and the year before's spending; the months' totals.
#[utoipa::path(get, path = "/api/v1/planning/budget", tag = "planning", params(BudgetQuery),
    responses((status = 200, body = Budget), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
pub async fn budget(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiQuery(q): ApiQuery<BudgetQuery>,
) -> Result<Json<Budget>, ApiError> {
    let year = match q.year {
        Some(year) => year,
        None => i64::from(
            tavana_domain::jalali::JalaliDate::from_gregorian(state.store.today()).map_err(StoreError::Invalid)?.year(),
        ),
    };
    Ok(Json(state.store.planning_budget(&actor, q.place, year).await?))
}

/// Each program's effectiveness in an area: exits by reason, the mean time on
/// the program, the share of exits that left need, and next year's projection
/// with its assumptions.
#[utoipa::path(get, path = "/api/v1/planning/effectiveness", tag = "planning", params(AreaQuery),
    responses((status = 200, body = Effectiveness), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub async fn effectiveness(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiQuery(q): ApiQuery<AreaQuery>,
) -> Result<Json<Effectiveness>, ApiError> {
    Ok(Json(state.store.effectiveness(&actor, q.place).await?))
}
