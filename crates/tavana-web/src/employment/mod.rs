//! Employment: the quota exam and its placement, agencies' compliance with the
//! 3% quota, the CSR fund, and employment records.
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

/// The largest score file: 20 MB (a national round's 100,000 rows are about 2 MB).
const SCORES_LIMIT: usize = 20 * 1024 * 1024;

/// The module's field labels.
pub(crate) static LABELS: Labels = Labels(&[
    ("title", "عنوان", "Title"),
    ("code", "کد", "Code"),
    ("name", "نام", "Name"),
    ("unit", "واحد", "Unit"),
    ("staff", "کارکنان", "Staff"),
    ("agency", "دستگاه", "Agency"),
    ("job_title", "عنوان شغل", "Job title"),
    ("seats", "ظرفیت", "Seats"),
    ("education", "تحصیلات", "Education"),
    ("kinds", "نوع معلولیت‌ها", "Disability types"),
    ("national_code", "کد ملی", "National code"),
    ("preferences", "انتخاب‌ها", "Choices"),
    ("score", "نمره", "Score"),
    ("grounds", "دلایل اعتراض", "Grounds"),
    ("outcome", "رأی", "Decision"),
    ("reasons", "دلایل", "Reasons"),
    ("legal_basis", "مستند قانونی", "Legal basis"),
    ("state", "وضعیت", "State"),
    ("version", "نسخه", "Version"),
    ("candidate", "داوطلبی", "Candidacy"),
    ("employer", "کارفرما", "Employer"),
    ("started_on", "تاریخ شروع", "Started on"),
    ("route", "مسیر", "Route"),
    ("national_id", "شناسهٔ ملی", "National id"),
    ("year", "سال", "Year"),
    ("profit", "سود", "Profit"),
    ("amount", "مبلغ", "Amount"),
    ("on", "تاریخ", "Date"),
    ("memo", "شرح", "Memo"),
    ("kind", "نوع", "Kind"),
    ("budget", "بودجه", "Budget"),
    ("file", "فایل", "File"),
    ("row", "سطر", "Row"),
]);

/// The module's pages.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/employment", get(ui::index))
        .route("/employment/rounds", post(ui::create_round))
        .route("/employment/rounds/{id}", get(ui::round))
        .route("/employment/rounds/{id}/posts", post(ui::add_post))
        .route("/employment/rounds/{id}/candidates", post(ui::register))
        .route("/employment/rounds/{id}/scores", post(ui::import_scores).layer(DefaultBodyLimit::max(SCORES_LIMIT)))
        .route("/employment/rounds/{id}/step", post(ui::step))
        .route("/employment/candidates/{id}", get(ui::candidate))
        .route("/employment/candidates/{id}/preferences", post(ui::preferences))
        .route("/employment/candidates/{id}/objection", post(ui::lodge))
        .route("/employment/objections/{id}/decision", post(ui::decide))
        .route("/employment/agencies", get(ui::agencies).post(ui::create_agency))
        .route("/employment/csr", get(ui::csr))
        .route("/employment/csr/firms", post(ui::create_firm))
        .route("/employment/csr/declarations", post(ui::declare))
        .route("/employment/csr/receipts", post(ui::receive))
        .route("/employment/csr/projects", post(ui::create_project))
        .route("/employment/csr/spending", post(ui::spend))
        .route("/employment/jobs", get(ui::jobs).post(ui::record_job))
        .layer(from_fn_with_state(&LABELS, scoped))
}

/// The module's API routes.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::rounds, api::create_round))
        .routes(routes!(api::round))
        .routes(routes!(api::posts, api::add_posts))
        .routes(routes!(api::candidates, api::register))
        .merge(OpenApiRouter::new().routes(routes!(api::import_scores)).layer(DefaultBodyLimit::max(SCORES_LIMIT)))
        .routes(routes!(api::place))
        .routes(routes!(api::publish))
        .routes(routes!(api::close))
        .routes(routes!(api::objections))
        .routes(routes!(api::candidate))
        .routes(routes!(api::set_preferences))
        .routes(routes!(api::lodge))
        .routes(routes!(api::decide))
        .routes(routes!(api::agencies, api::create_agency))
        .routes(routes!(api::compliance))
        .routes(routes!(api::firms, api::create_firm))
        .routes(routes!(api::declare))
        .routes(routes!(api::receive))
        .routes(routes!(api::projects, api::create_project))
        .routes(routes!(api::spend))
        .routes(routes!(api::fund))
        .routes(routes!(api::jobs, api::record_job))
        .layer(from_fn_with_state(&LABELS, scoped))
}
