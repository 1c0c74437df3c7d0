use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ProblemBody};
use crate::error::{ApiPath, ApiQuery};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tavana_store::org::{OrgUnit, Place};
use utoipa::{IntoParams, ToSchema};

/// An org unit: HQ, a province directorate or a county office.
#[derive(Serialize, ToSchema)]
pub struct OrgUnitDto {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// `hq`, `province` or `county`.
    pub kind: String,
    pub code: String,
    pub name_fa: String,
    pub name_en: Option<String>,
    pub province_id: Option<i64>,
}

impl From<OrgUnit> for OrgUnitDto {
    fn from(u: OrgUnit) -> Self {
        Self {
            id: u.id,
            parent_id: u.parent_id,
            kind: u.kind,
            code: u.code,
            name_fa: u.name_fa,
            name_en: u.name_en,
            province_id: u.province_id,
        }
    }
}

/// A place: province, county, city, rural district or village.
#[derive(Serialize, ToSchema)]
pub struct PlaceDto {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub code: String,
    pub name_fa: String,
    pub name_en: Option<String>,
}

impl From<Place> for PlaceDto {
    fn from(p: Place) -> Self {
        Self { id: p.id, parent_id: p.parent_id, kind: p.kind, code: p.code, name_fa: p.name_fa, name_en: p.name_en }
    }
}

/// The org units in the caller's subtree.
#[utoipa::path(get, path = "/api/v1/org-units", tag = "org",
    responses((status = 200, body = [OrgUnitDto]), (status = 401, body = ProblemBody)))]
pub async fn list_units(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<OrgUnitDto>>, ApiError> {
    Ok(Json(state.store.org_units(&actor).await?.into_iter().map(Into::into).collect()))
}

/// One org unit; 404 outside the caller's subtree.
#[utoipa::path(get, path = "/api/v1/org-units/{id}", tag = "org",
    params(("id" = i64, Path, description = "Org unit id")),
    responses((status = 200, body = OrgUnitDto), (status = 404, body = ProblemBody)))]
pub async fn get_unit(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<OrgUnitDto>, ApiError> {
    Ok(Json(state.store.org_unit(&actor, id).await?.into()))
}

#[derive(Deserialize, IntoParams)]
pub struct PlacesQuery {
    /// The place whose children to list; the provinces when absent.
    pub parent: Option<i64>,
}

/// Places directly inside a place (the provinces when no parent is given).
#[utoipa::path(get, path = "/api/v1/places", tag = "org", params(PlacesQuery),
    responses((status = 200, body = [PlaceDto]), (status = 401, body = ProblemBody)))]
pub async fn list_places(
    State(state): State<AppState>,
    ApiCaller(_caller): ApiCaller,
    ApiQuery(q): ApiQuery<PlacesQuery>,
) -> Result<Json<Vec<PlaceDto>>, ApiError> {
    Ok(Json(state.store.places(q.parent).await?.into_iter().map(Into::into).collect()))
}
