//! Programs: definitions with their eligibility rules, simulation, proposals,
//! enrollments and decisions, explanations.
//!
//! A module slice of the web layer: its pages (`router`), its API (`api`, in the
//! OpenAPI document by construction) and its field labels (`LABELS`).

pub(crate) mod api;
mod texts;
pub(crate) mod ui;

use crate::AppState;
use crate::labels::{Labels, scoped};
use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The module's field labels.
pub(crate) static LABELS: Labels = Labels(&[
    ("code", "کد", "Code"),
    ("name_fa", "نام فارسی", "Persian name"),
    ("name_en", "نام انگلیسی", "English name"),
    ("kind", "نوع برنامه", "Program kind"),
    ("target", "هدف برنامه", "Target"),
    ("rule", "قاعدهٔ استحقاق", "Eligibility rule"),
    ("formula", "فرمول مبلغ", "Amount formula"),
    ("budget_month", "بودجهٔ ماهانه (ریال)", "Monthly budget (rials)"),
    ("budget_year", "بودجهٔ سالانه (ریال)", "Yearly budget (rials)"),
    ("reasons", "دلایل تصمیم", "Reasons for the decision"),
    ("legal_basis", "مبنای قانونی", "Legal basis"),
    ("exit_reason", "علت خروج", "Reason for exit"),
    ("status", "وضعیت برنامه", "Program status"),
    ("state", "وضعیت ثبت‌نام", "Enrollment state"),
    ("persons", "افراد", "Persons"),
    ("as_of", "تاریخ محاسبه", "As of"),
    ("province", "استان", "Province"),
    ("effective_from", "اجرا از", "In force from"),
]);

/// The day eligibility is computed as of: the one written (Jalali, `1405/10/01`),
/// or by default the first day of next month.
pub(crate) fn as_of(
    store: &tavana_store::Store,
    text: Option<&str>,
) -> Result<tavana_domain::jalali::JalaliDate, tavana_store::StoreError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => store.default_as_of(),
        Some(t) => tavana_domain::jalali::JalaliDate::parse(t)
            .map_err(|e| tavana_store::StoreError::Invalid(tavana_domain::DomainError::new("as_of", e.reason))),
    }
}

/// The module's pages.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/programs", get(ui::list).post(ui::create))
        .route("/programs/new", get(ui::new_form))
        .route("/programs/{id}", get(ui::show))
        .route("/programs/{id}/simulate", post(ui::simulate))
        .route("/programs/{id}/status", post(ui::set_status))
        .route("/programs/{id}/budgets", post(ui::set_budget))
        .route("/programs/{id}/changes/{change}", post(ui::decide_change))
        .route("/programs/{id}/edit", get(ui::edit_form).post(ui::update))
        .route("/programs/{id}/proposals", post(ui::propose))
        .route("/programs/{id}/proposals/download", get(ui::proposal_download))
        .route("/programs/{id}/enrollments", get(ui::enrollments).post(ui::confirm))
        .route("/programs/{id}/enrollments.csv", get(ui::enrollments_download))
        .route("/programs/{id}/enrollments/download", get(ui::enrollments_download))
        .route("/programs/{id}/decisions", get(ui::decisions))
        .route("/programs/{id}/decisions/download", get(ui::decisions_download))
        .route("/programs/{id}/explain/{person}", get(ui::explain).post(ui::decide))
        .layer(from_fn_with_state(&LABELS, scoped))
}

/// The module's API routes.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::list, api::create))
        .routes(routes!(api::get, api::update))
        .routes(routes!(api::simulate))
        .routes(routes!(api::set_status))
        .routes(routes!(api::propose))
        .routes(routes!(api::list_enrollments, api::enroll))
        .routes(routes!(api::person_decisions))
        .routes(routes!(api::explain))
        .routes(routes!(api::decide))
        .routes(routes!(api::budgets, api::set_budget))
        .routes(routes!(api::history))
        .routes(routes!(api::changes, api::propose_change))
        .routes(routes!(api::decide_change))
        .layer(from_fn_with_state(&LABELS, scoped))
}

/// The programs' figures of the user's subtree, for the dashboard.
pub(crate) fn figures<'a>(
    state: &'a AppState,
    actor: &'a tavana_domain::iam::Actor,
    lang: crate::i18n::Lang,
) -> futures_util::future::BoxFuture<'a, Result<Vec<crate::dashboard::Figure>, tavana_store::StoreError>> {
    Box::pin(async move {
        let t = texts::texts(lang);
        let counts = state.store.program_figures(actor).await?;
        Ok(crate::dashboard::figures_of(lang, &counts, |what| {
            if what == "enrollments" { t.enrolled_now } else { t.needs_review }
        }))
    })
}
