//! The JSON API under `/api/v1`: the document's header and the assembly of every
//! module's `api()` routes. Routes are registered through utoipa-axum, so every
//! route is in the OpenAPI document served at `/api/v1/openapi.json` by construction.

use crate::AppState;
use axum::Json;
use axum::Router;
use axum::routing::get;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

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

/// The API of every module, each contributing its own routes.
fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::iam::api())
        .merge(crate::org::api())
        .merge(crate::audit::api())
        .merge(crate::registry::api())
        .merge(crate::programs::api())
        .layer(axum::extract::DefaultBodyLimit::max(crate::error::BODY_LIMIT))
}

/// The OpenAPI document of the API.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

/// The API routes and `/api/v1/openapi.json`.
pub fn router() -> Router<AppState> {
    let (router, document) = api_router().split_for_parts();
    let document = Arc::new(document);
    router.route("/api/v1/openapi.json", get(move || async move { Json(document.as_ref().clone()) }))
}
