//! Cases: decisions' letters and appeals against them.
//!
//! A module slice of the web layer: its pages (`router`), its API (`api`, in the
//! OpenAPI document by construction) and its field labels (`LABELS`).

mod api;
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
    ("grounds", "دلیل‌های اعتراض", "Grounds"),
    ("decision", "تصمیم", "Decision"),
    ("board", "هیئت رسیدگی", "Board"),
    ("state", "وضعیت اعتراض", "Appeal state"),
    ("ruling", "رأی", "Ruling"),
    ("reasons", "دلیل‌ها", "Reasons"),
    ("legal_basis", "مستند قانونی", "Legal basis"),
]);

/// The module's pages.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/decisions/{id}", get(ui::letter))
        .route("/cases/decisions/{id}/appeal", post(ui::lodge))
        .route("/cases/appeals", get(ui::appeals))
        .route("/cases/appeals/{id}/ruling", post(ui::rule))
        .layer(from_fn_with_state(&LABELS, scoped))
}

/// The module's API routes.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::decision))
        .routes(routes!(api::lodge, api::appeals))
        .routes(routes!(api::appeal))
        .routes(routes!(api::rule))
        .layer(from_fn_with_state(&LABELS, scoped))
}
