//! Vetting (gozinesh): cases held in trust. A module slice of the web layer:
//! its pages (`router`), its API (`api`) and its field labels (`LABELS`). A
//! file is opened by POST with the reason in the body, so no reason (and
//! nothing of the file) lands in an address or an access log.

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
    ("subject_name", "نام شخص", "Subject's name"),
    ("national_code", "کد ملی", "National code"),
    ("kind", "نوع", "Kind"),
    ("reason", "دلیل گشودن پرونده", "Reason for opening"),
    ("text", "متن", "Text"),
    ("due_on", "مهلت پاسخ", "Due on"),
    ("verdict", "رأی", "Verdict"),
    ("reasons", "دلیل‌ها", "Reasons"),
    ("legal_basis", "مستند قانونی", "Legal basis"),
    ("conditions", "شرط‌ها", "Conditions"),
    ("grounds", "دلیل‌های اعتراض", "Grounds"),
    ("user", "کاربر", "User"),
    ("days", "مدت دسترسی (روز)", "Days"),
    ("state", "وضعیت پرونده", "Case state"),
    ("version", "نسخه", "Version"),
    ("vetting_key", "کلید رمز گزینش", "Vetting key"),
    ("reply_to", "پاسخ به استعلام", "Reply to"),
    ("outcome", "نتیجهٔ رسیدگی", "Outcome"),
]);

/// The module's pages.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/vetting", get(ui::cases))
        .route("/vetting/cases", post(ui::open_case))
        .route("/vetting/cases/{id}", get(ui::case))
        .route("/vetting/cases/{id}/open", post(ui::open_file))
        .route("/vetting/cases/{id}/entries", post(ui::add_entry))
        .route("/vetting/cases/{id}/decision", post(ui::decide))
        .route("/vetting/cases/{id}/appeal", post(ui::appeal))
        .route("/vetting/cases/{id}/ruling", post(ui::rule))
        .route("/vetting/cases/{id}/grants", post(ui::grant))
        .route("/vetting/cases/{id}/notice", get(ui::notice))
        .layer(from_fn_with_state(&LABELS, scoped))
}

/// The module's API routes.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::cases, api::open_case))
        .routes(routes!(api::notice))
        .routes(routes!(api::open_file))
        .routes(routes!(api::add_entry))
        .routes(routes!(api::decide))
        .routes(routes!(api::appeal))
        .routes(routes!(api::rule))
        .routes(routes!(api::grant))
        .routes(routes!(api::openings))
        .routes(routes!(api::advice))
        .routes(routes!(api::overdue))
        .layer(from_fn_with_state(&LABELS, scoped))
}
