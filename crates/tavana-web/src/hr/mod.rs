//! Human resources: staff, org charts, positions and succession.
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
    ("personnel_number", "شمارهٔ پرسنلی", "Personnel number"),
    ("national_code", "کد ملی", "National code"),
    ("first_name", "نام", "First name"),
    ("last_name", "نام خانوادگی", "Last name"),
    ("unit", "واحد", "Unit"),
    ("position", "سمت", "Position"),
    ("grade", "طبقه", "Grade"),
    ("employment_type", "نوع استخدام", "Employment type"),
    ("hire_date", "تاریخ استخدام", "Hire date"),
    ("retirement_date", "تاریخ بازنشستگی", "Retirement date"),
    ("code", "کد سمت", "Position code"),
    ("title", "عنوان سمت", "Title"),
    ("critical", "حساس", "Critical"),
    ("readiness", "آمادگی", "Readiness"),
    ("plan", "برنامهٔ توسعه", "Development plan"),
    ("years", "افق", "Horizon"),
    ("vetting_case", "پروندهٔ گزینش", "Vetting case"),
]);

/// The module's pages.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/hr", get(ui::staff))
        .route("/hr/units/{id}", get(ui::chart))
        .route("/hr/positions/{id}", get(ui::position))
        .route("/hr/positions/{id}/successors", post(ui::name_successor))
        .route("/hr/succession", get(ui::succession))
        .layer(from_fn_with_state(&LABELS, scoped))
}

/// The module's API routes.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::staff, api::add_staff))
        .routes(routes!(api::create_position))
        .routes(routes!(api::chart))
        .routes(routes!(api::position))
        .routes(routes!(api::name_successor))
        .routes(routes!(api::succession))
        .layer(from_fn_with_state(&LABELS, scoped))
}
