//! The JSON API under `/api/v1` (and the DCI Social Registry search beside it):
//! the document's header and the assembly of every module's `api()` routes. Routes are registered through utoipa-axum, so every
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
        .merge(crate::payments::api())
        .merge(crate::cases::api())
        .merge(crate::applications::api())
        .merge(crate::hr::api())
        .merge(crate::gozinesh::api())
        .merge(crate::employment::api())
        .merge(crate::planning::api())
        .merge(crate::library::api())
        .merge(crate::cards::api())
        .merge(crate::interop::api())
        .layer(axum::extract::DefaultBodyLimit::max(crate::error::BODY_LIMIT))
}

/// The OpenAPI document of the API.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut document = api_router().split_for_parts().1;
    problems_everywhere(&mut document);
    document
}

/// Every error an operation may answer, documented as problem+json: the ones a
/// route declares, and those every route can give (400 for a path or query value
/// that does not parse, 401 without a valid token, 403 when the caller's roles do
/// not allow it, 404 for an id that does not exist or is out of scope, 409, 413
/// and 422 for a body that came too late or clashes, is beyond its limit or has
/// a bad field, 503 for work stopped at the time limit).
fn problems_everywhere(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
    const PROBLEM: &str = "application/problem+json";
    let problem = || Content::new(Some(Ref::from_schema_name("ProblemBody")));
    let common = [
        ("400", "A path or query value does not parse"),
        ("401", "No valid API token or session"),
        ("403", "The caller's roles do not allow this"),
        ("503", "The work took longer than the server allows and was stopped"),
    ];
    // The DCI standard's endpoints answer errors in the standard's shape.
    for (path, item) in document.paths.paths.iter_mut().filter(|(path, _)| !path.starts_with(crate::interop::PREFIX)) {
        let with_id = path.contains('{');
        for operation in
            [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten()
        {
            let responses = &mut operation.responses.responses;
            for (status, response) in responses.iter_mut() {
                if let (true, RefOr::T(response)) = (status.starts_with('4') || status.starts_with('5'), response) {
                    let content = response.content.shift_remove("application/json").unwrap_or_else(problem);
                    response.content.insert(PROBLEM.to_string(), content);
                }
            }
            let with_body = operation.request_body.is_some();
            let extra = common
                .iter()
                .copied()
                .chain(with_id.then_some(("404", "No such record, or it is outside the caller's org unit")))
                .chain(
                    with_body
                        .then_some(("409", "It changed meanwhile (a stale version) or clashes with what is stored")),
                )
                .chain(with_body.then_some(("413", "The body is beyond its limit")))
                .chain(with_body.then_some(("422", "A field of the body is missing or wrong")));
            for (status, description) in extra {
                responses.entry(status.to_string()).or_insert_with(|| {
                    RefOr::T(ResponseBuilder::new().description(description).content(PROBLEM, problem()).build())
                });
            }
        }
    }
}

/// The API routes and `/api/v1/openapi.json`.
pub fn router() -> Router<AppState> {
    let (router, mut document) = api_router().split_for_parts();
    problems_everywhere(&mut document);
    let document = Arc::new(document);
    router.route("/api/v1/openapi.json", get(move || async move { Json(document.as_ref().clone()) }))
}
