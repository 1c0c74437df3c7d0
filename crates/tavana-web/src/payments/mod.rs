//! Payments: monthly cycles from computation to the bank's return, bank files,
//! jobs and the ledger.
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

/// The largest bank return file taken (a national pension's return is about
/// 60 MiB).
pub(crate) const RETURN_LIMIT: usize = 256 * 1024 * 1024;

/// The module's field labels.
pub(crate) static LABELS: Labels = Labels(&[
    ("program", "برنامه", "Program"),
    ("month", "ماه", "Month"),
    ("unit", "واحد", "Unit"),
    ("state", "وضعیت دوره", "Cycle state"),
    ("reason", "دلیل", "Reason"),
    ("checked_by", "تأییدکننده", "Checker"),
    ("rounding", "گرد کردن", "Rounding"),
    ("debtor_name", "نام پرداخت‌کننده", "Payer's name"),
    ("debtor_sheba", "شبای پرداخت‌کننده", "Payer's SHEBA"),
    ("deduction", "کسر از هر پرداخت", "Deduction"),
    ("file", "فایل", "File"),
    ("year", "سال", "Year"),
    ("job", "کار", "Job"),
]);

/// The module's pages.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/payments", get(ui::list))
        .route("/payments/cycles", post(ui::create))
        .route("/payments/settings", post(ui::save_settings))
        .route("/payments/cycles/{id}", get(ui::show))
        .route("/payments/cycles/{id}/returns", post(ui::upload_return).layer(DefaultBodyLimit::max(RETURN_LIMIT)))
        .route("/payments/cycles/{id}/{step}", post(ui::act))
        .route("/payments/files/{id}", get(ui::download))
        .route("/payments/jobs", get(ui::jobs))
        .route("/payments/ledger", get(ui::ledger))
        .layer(from_fn_with_state(&LABELS, scoped))
}

/// The module's API routes.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::cycles, api::create))
        .routes(routes!(api::cycle))
        .routes(routes!(api::step))
        .routes(routes!(api::totals))
        .routes(routes!(api::lines))
        .routes(routes!(api::files))
        .routes(routes!(api::file))
        .routes(routes!(api::reconcile))
        .routes(routes!(api::jobs))
        .routes(routes!(api::person))
        .routes(routes!(api::ledger))
        .routes(routes!(api::settings, api::set_settings))
        .layer(from_fn_with_state(&LABELS, scoped))
}
