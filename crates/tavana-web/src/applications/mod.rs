//! Applications and the waiting list: taking, reviewing and deciding
//! applications; a program's waiting list, queue and allocation.
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
use tavana_domain::applications::MAX_DOCUMENT_BYTES;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Room for a document and the form around it.
const UPLOAD_LIMIT: usize = MAX_DOCUMENT_BYTES + 64 * 1024;

/// The module's field labels.
pub(crate) static LABELS: Labels = Labels(&[
    ("program", "برنامه", "Program"),
    ("person", "متقاضی", "Applicant"),
    ("note", "یادداشت", "Note"),
    ("state", "وضعیت درخواست", "Application state"),
    ("user", "کارشناس", "Assignee"),
    ("documents", "مدارک لازم", "Required documents"),
    ("file", "پرونده", "File"),
    ("kind", "نوع مدرک", "Document kind"),
    ("rule", "قاعدهٔ برنامه", "The program's rule"),
    ("decision", "تصمیم", "Decision"),
    ("reasons", "دلیل‌ها", "Reasons"),
    ("legal_basis", "مستند قانونی", "Legal basis"),
    ("reason", "دلیل", "Reason"),
    ("version", "نسخه", "Version"),
    ("severity", "وزن شدت معلولیت", "Severity weight"),
    ("household_size", "وزن بعد خانوار", "Household size weight"),
    ("poverty", "وزن فقر", "Poverty weight"),
    ("female_headed", "وزن سرپرست زن", "Female head weight"),
    ("elderly", "وزن سالمندان", "Elderly weight"),
]);

/// The module's pages.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/applications", get(ui::list).post(ui::create))
        .route("/applications/new", get(ui::new_form))
        .route("/applications/{id}", get(ui::show))
        .route("/applications/{id}/documents", post(ui::upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/applications/{id}/documents/{doc}", get(ui::document))
        .route("/applications/{id}/{step}", post(ui::step))
        .route("/programs/{id}/waiting", get(ui::waiting))
        .route("/programs/{id}/waiting/{unit}", get(ui::queue))
        .route("/programs/{id}/allocation", post(ui::allocate))
        .route("/programs/{id}/intake", post(ui::save_intake))
        .layer(from_fn_with_state(&LABELS, scoped))
}

/// The module's API routes.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::submit, api::list))
        .routes(routes!(api::show))
        .routes(routes!(api::document))
        .routes(routes!(api::assign))
        .routes(routes!(api::note))
        .routes(routes!(api::decide))
        .routes(routes!(api::withdraw))
        .routes(routes!(api::intake, api::set_intake))
        .routes(routes!(api::waiting))
        .routes(routes!(api::queue))
        .routes(routes!(api::allocate))
        .merge(OpenApiRouter::new().routes(routes!(api::attach)).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .layer(from_fn_with_state(&LABELS, scoped))
}
