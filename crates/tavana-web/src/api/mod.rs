//! The JSON API under `/api/v1`. Routes are registered through utoipa-axum, so every
//! route is in the OpenAPI document served at `/api/v1/openapi.json` by construction.

mod audit;
mod duplicates;
mod org;
mod programs;
pub(crate) mod registry;
mod users;

use crate::AppState;
use crate::error::Problem;
use axum::Json;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use std::sync::Arc;
use tavana_store::StoreError;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tavana API",
        version = "1",
        description = "The welfare-management system's API. Authenticate with 'Authorization: Bearer <token>' \
                       (tokens are issued by admins) or a session cookie plus 'X-CSRF-Token' for changes. \
                       Errors are RFC 9457 problem+json naming the field at fault."
    ),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(users::me))
        .routes(routes!(org::list_units))
        .routes(routes!(org::get_unit))
        .routes(routes!(org::list_places))
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(users::get_user))
        .routes(routes!(audit::verify))
        .routes(routes!(registry::search, registry::create_person))
        .routes(routes!(registry::get_person, registry::update_person))
        .routes(routes!(registry::history))
        .routes(routes!(registry::list_disabilities, registry::add_disability))
        .routes(routes!(registry::create_household))
        .routes(routes!(registry::get_household))
        .routes(routes!(registry::import))
        .routes(routes!(duplicates::list))
        .routes(routes!(duplicates::detect))
        .routes(routes!(duplicates::decide))
        .routes(routes!(programs::list, programs::create))
        .routes(routes!(programs::get, programs::update))
        .routes(routes!(programs::simulate))
        .routes(routes!(programs::propose))
        .routes(routes!(programs::enroll))
        .routes(routes!(programs::explain))
        .routes(routes!(programs::decide))
        // Imports carry whole files; the CLI is the path for the largest.
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
}

/// The OpenAPI document of the API.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

pub fn router() -> Router<AppState> {
    let (router, document) = api_router().split_for_parts();
    let document = Arc::new(document);
    router.route("/api/v1/openapi.json", get(move || async move { Json(document.as_ref().clone()) }))
}

/// An API error, rendered as `application/problem+json` (RFC 9457), with every
/// field error when there are several.
#[derive(Debug)]
pub struct ApiError(pub Problem, pub Vec<FieldError>);

impl From<Problem> for ApiError {
    fn from(problem: Problem) -> Self {
        ApiError(problem, Vec::new())
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        ApiError(err.into(), Vec::new())
    }
}

/// The problem document.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemBody {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The same detail in Persian.
    pub detail_fa: String,
    /// The input field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field at fault, when a record had several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One field's problem.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub detail: String,
    pub detail_fa: String,
}

impl From<&tavana_domain::DomainError> for FieldError {
    fn from(e: &tavana_domain::DomainError) -> Self {
        Self {
            field: e.field.to_string(),
            detail: format!("{} {}.", e.field, e.reason.english()),
            detail_fa: format!("{} {}.", crate::error::field_fa(e.field), e.reason.persian()),
        }
    }
}

/// A record with one or more bad fields: 422 naming all of them.
pub fn invalid_fields(errors: &[tavana_domain::DomainError]) -> ApiError {
    let list: Vec<FieldError> = errors.iter().map(FieldError::from).collect();
    let first = list.first().cloned();
    ApiError(
        Problem {
            field: first.as_ref().map(|f| f.field.clone()),
            ..Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Invalid input",
                first.as_ref().map(|f| f.detail.clone()).unwrap_or_default(),
                first.as_ref().map(|f| f.detail_fa.clone()).unwrap_or_default(),
            )
        },
        list,
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let p = self.0;
        let body = ProblemBody {
            kind: "about:blank".into(),
            title: p.title.into(),
            status: p.status.as_u16(),
            detail: p.detail_en,
            detail_fa: p.detail_fa,
            field: p.field,
            errors: self.1,
        };
        let json = serde_json::to_string(&body).unwrap_or_default();
        (p.status, [(header::CONTENT_TYPE, "application/problem+json")], json).into_response()
    }
}

/// The answer for a path under `/api/` that no route serves.
pub fn no_such_route() -> ApiError {
    ApiError::from(Problem::new(StatusCode::NOT_FOUND, "Not Found", NO_SUCH_ROUTE, "چنین مسیری در API نیست."))
}

/// The detail of [`no_such_route`].
pub const NO_SUCH_ROUTE: &str = "No such API route; see /api/v1/openapi.json.";

/// A JSON body that failed to parse becomes a problem naming the field serde named.
pub fn bad_body(rejection: axum::extract::rejection::JsonRejection) -> ApiError {
    let text = rejection.body_text();
    let field = text.split('`').nth(1).map(str::to_string);
    ApiError::from(Problem {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        field,
        ..Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid body", text, "بدنهٔ درخواست درست نیست.")
    })
}
