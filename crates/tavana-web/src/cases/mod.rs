//! Cases: decisions' letters and appeals against them.
//!
//! A module slice of the web layer: its pages (`router`), its API (`api`, in the
//! OpenAPI document by construction) and its field labels (`LABELS`).

mod api;
mod grievances;
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
    ("national_code", "کد ملی", "National code"),
    ("channel", "مسیر دریافت", "Channel"),
    ("category", "موضوع شکایت", "Category"),
    ("subject", "عنوان", "Subject"),
    ("body", "شرح شکایت", "Grievance"),
    ("reply", "پاسخ", "Reply"),
    ("user", "کارشناس", "Assignee"),
    ("version", "نسخه", "Version"),
]);

/// The module's pages.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/decisions/{id}", get(ui::letter))
        .route("/cases/decisions/{id}/appeal", post(ui::lodge))
        .route("/cases/appeals", get(ui::appeals))
        .route("/cases/appeals/{id}/ruling", post(ui::rule))
        .route("/cases/grievances", get(grievances::list).post(grievances::create))
        .route("/cases/grievances/new", get(grievances::new_form))
        .route("/cases/grievances/{id}", get(grievances::show))
        .route("/cases/grievances/{id}/{step}", post(grievances::step))
        .layer(from_fn_with_state(&LABELS, scoped))
}

/// The module's API routes.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::decision))
        .routes(routes!(api::lodge, api::appeals))
        .routes(routes!(api::appeal))
        .routes(routes!(api::rule))
        .routes(routes!(grievances::api_lodge, grievances::api_list))
        .routes(routes!(grievances::api_show))
        .routes(routes!(grievances::api_assign))
        .routes(routes!(grievances::api_resolve))
        .layer(from_fn_with_state(&LABELS, scoped))
}
