//! The knowledge library: veterans' oral history, searched in Persian.
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

/// An attachment's upload: the largest file and the form around it.
const UPLOAD_LIMIT: usize = tavana_domain::library::MAX_ATTACHMENT + 64 * 1024;

/// The module's field labels.
pub(crate) static LABELS: Labels = Labels(&[
    ("title", "عنوان", "Title"),
    ("narrator", "راوی", "Narrator"),
    ("unit", "واحد", "Unit"),
    ("topics", "موضوع‌ها", "Topics"),
    ("recorded_on", "تاریخ ثبت روایت", "Recorded on"),
    ("transcript", "متن روایت", "Transcript"),
    ("positions", "سمت‌های مرتبط", "Related positions"),
    ("file", "فایل", "File"),
    ("year_to", "تا سال", "To year"),
]);

/// The module's pages.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/library", get(ui::search))
        .route("/library/new", get(ui::new_item))
        .route("/library/items", post(ui::record))
        .route("/library/items/{id}", get(ui::item))
        .route("/library/items/{id}/attachments", post(ui::attach).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/library/items/{id}/attachments/{document}", get(ui::attachment))
        .layer(from_fn_with_state(&LABELS, scoped))
}

/// The module's API routes.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::search, api::record))
        .routes(routes!(api::item))
        .routes(routes!(api::attachment))
        .merge(OpenApiRouter::new().routes(routes!(api::attach)).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .layer(from_fn_with_state(&LABELS, scoped))
}
