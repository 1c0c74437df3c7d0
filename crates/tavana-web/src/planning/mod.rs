//! Planning (مرکز برنامه‌ریزی): coverage per province, county and village, the
//! villages nobody has reached, waiting, budget execution and effectiveness.
//! Every chart is drawn on the server with its table beside it, and every
//! table downloads as CSV or XLSX.
//!
//! A module slice of the web layer: its pages (`router`), its API (`api`, in the
//! OpenAPI document by construction) and its field labels (`LABELS`).

mod api;
mod texts;
mod ui;

use crate::AppState;
use crate::labels::{Labels, scoped};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The largest census file: 20 MB (the country's 60,000 villages are about 3 MB).
const CENSUS_LIMIT: usize = 20 * 1024 * 1024;

/// The module's field labels.
pub(crate) static LABELS: Labels = Labels(&[
    ("place", "محل", "Place"),
    ("year", "سال", "Year"),
    ("code", "کد روستا", "Village code"),
    ("county", "کد شهرستان", "County code"),
    ("population", "جمعیت", "Population"),
    ("census_year", "سال سرشماری", "Census year"),
    ("file", "فایل", "File"),
    ("row", "سطر", "Row"),
    ("program", "برنامه", "Program"),
]);

/// The module's pages.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/planning", get(ui::coverage))
        .route("/planning/villages", get(ui::villages))
        .route("/planning/villages/census", post(ui::import_census).layer(DefaultBodyLimit::max(CENSUS_LIMIT)))
        .route("/planning/waiting", get(ui::waiting))
        .route("/planning/budget", get(ui::budget))
        .route("/planning/effectiveness", get(ui::effectiveness))
        .layer(from_fn_with_state(&LABELS, scoped))
}

/// The module's API routes.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::coverage))
        .routes(routes!(api::trend))
        .routes(routes!(api::hidden_villages))
        .merge(OpenApiRouter::new().routes(routes!(api::import_census)).layer(DefaultBodyLimit::max(CENSUS_LIMIT)))
        .routes(routes!(api::waiting))
        .routes(routes!(api::budget))
        .routes(routes!(api::effectiveness))
        .layer(from_fn_with_state(&LABELS, scoped))
}
