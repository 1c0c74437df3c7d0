//! Identity and access: sign-in and sessions, users and their roles, API tokens.
//!
//! A module slice of the web layer: its pages (`router`), its API (`api`, in the
//! OpenAPI document by construction) and its field labels (`LABELS`).

mod api;
mod session;
mod texts;
mod ui;

use crate::AppState;
use crate::labels::{Labels, scoped};
use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The module's field labels.
pub(crate) static LABELS: Labels = Labels(&[
    ("username", "نام کاربری", "User name"),
    ("display_name", "نام و نام خانوادگی", "Full name"),
    ("password", "گذرواژه", "Password"),
    ("unit_id", "واحد سازمانی", "Org unit"),
    ("roles", "نقش‌ها", "Roles"),
    ("active", "وضعیت", "Status"),
]);

/// The module's pages.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/lang", get(session::switch_language))
        .route("/users", get(ui::list).post(ui::create))
        .route("/users/new", get(ui::new_form))
        .route("/users/download", get(ui::download))
        .route("/users/{id}", get(ui::show))
        .route("/users/{id}/active", post(ui::set_active))
        .route("/users/{id}/access", post(ui::set_access))
        .route("/users/{id}/password", post(ui::set_password))
        .route("/users/{id}/tokens", post(ui::issue_token))
        .route("/users/{id}/tokens/{token}/revoke", post(ui::revoke_token))
        .layer(from_fn_with_state(&LABELS, scoped))
}

/// The module's API routes.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::me))
        .routes(routes!(api::list_users, api::create_user))
        .routes(routes!(api::get_user))
        .routes(routes!(api::list_tokens))
        .routes(routes!(api::revoke_token))
        .layer(from_fn_with_state(&LABELS, scoped))
}
