//! The comprehensive database (پایگاه جامع): households, persons, assessments,
//! search, imports, and duplicate review.
//!
//! A module slice of the web layer: its pages (`router`), its API (`api`, in the
//! OpenAPI document by construction) and its field labels (`LABELS`).

mod api;
mod duplicates_api;
mod duplicates_ui;
mod imports;
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
    ("national_code", "کد ملی", "National code"),
    ("sheba", "شمارهٔ شبا", "SHEBA"),
    ("bank", "بانک", "Bank"),
    ("file_number", "شمارهٔ پرونده", "File number"),
    ("place", "محل سکونت", "Place"),
    ("address", "نشانی", "Address"),
    ("postal_code", "کد پستی", "Postal code"),
    ("phone", "تلفن", "Phone"),
    ("household", "خانوار", "Household"),
    ("relationship", "نسبت با سرپرست", "Relationship to the head"),
    ("first_name", "نام", "First name"),
    ("last_name", "نام خانوادگی", "Last name"),
    ("father_name", "نام پدر", "Father's name"),
    ("birth_date", "تاریخ تولد", "Date of birth"),
    ("birth_year", "سال تولد", "Year of birth"),
    ("sex", "جنسیت", "Sex"),
    ("marital_status", "وضعیت تأهل", "Marital status"),
    ("education", "تحصیلات", "Education"),
    ("employment", "وضعیت اشتغال", "Employment"),
    ("income", "درآمد ماهانه (ریال)", "Monthly income (rials)"),
    ("income_decile", "دهک درآمدی", "Income decile"),
    ("deceased_on", "تاریخ فوت", "Date of death"),
    ("kind", "نوع معلولیت", "Disability type"),
    ("severity", "شدت معلولیت", "Severity"),
    ("commission", "کمیسیون", "Commission"),
    ("assessed_on", "تاریخ ارزیابی", "Assessed on"),
    ("valid_until", "اعتبار تا", "Valid until"),
    ("survivor", "پرونده‌ای که می‌ماند", "Record that stays"),
    ("decision", "تصمیم", "Decision"),
]);

/// The module's pages.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/registry", get(ui::search))
        .route("/registry/households", get(ui::households).post(ui::create_household))
        .route("/registry/households/download", get(ui::households_download))
        .route("/registry/places", get(ui::places))
        .route("/registry/households/new", get(ui::new_household))
        .route("/registry/households/{id}", get(ui::household))
        .route("/registry/households/{id}/head", post(ui::succeed_head))
        .route("/registry/persons", post(ui::create_person))
        .route("/registry/persons/new", get(ui::new_person))
        .route("/registry/persons/{id}", get(ui::person).post(ui::update_person))
        .route("/registry/persons/{id}/edit", get(ui::edit_person))
        .route("/registry/persons/{id}/disabilities", post(ui::add_disability))
        .route(
            "/registry/import",
            // Streamed into the import; the handler enforces the configured limit.
            get(imports::form).post(imports::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/registry/import/reports/{id}", get(imports::report))
        .route("/registry/import/progress/{ticket}", get(imports::progress))
        .route("/registry/import/templates/{file}", get(imports::template))
        .route("/registry/import/codes.csv", get(imports::codes))
        .route("/registry/search.csv", get(ui::export_search))
        .route("/registry/duplicates", get(duplicates_ui::list))
        .route("/registry/duplicates/detect", post(duplicates_ui::detect))
        .route("/registry/duplicates/{id}", post(duplicates_ui::decide))
        .layer(from_fn_with_state(&LABELS, scoped))
}

/// The module's API routes.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::search, api::create_person))
        .routes(routes!(api::get_person, api::update_person))
        .routes(routes!(api::history))
        .routes(routes!(api::list_disabilities, api::add_disability))
        .routes(routes!(api::create_household))
        .routes(routes!(api::get_household))
        .merge(
            // Imports are streamed; the handler enforces the configured limit.
            OpenApiRouter::new().routes(routes!(api::import)).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .routes(routes!(api::import_report))
        .routes(routes!(duplicates_api::list))
        .routes(routes!(duplicates_api::detect))
        .routes(routes!(duplicates_api::decide))
        .layer(from_fn_with_state(&LABELS, scoped))
}

/// The registry's figures of the user's subtree, for the dashboard.
pub(crate) fn figures<'a>(
    state: &'a AppState,
    actor: &'a tavana_domain::iam::Actor,
    lang: crate::i18n::Lang,
) -> futures_util::future::BoxFuture<'a, Result<Vec<crate::dashboard::Figure>, tavana_store::StoreError>> {
    Box::pin(async move {
        let t = texts::texts(lang);
        let counts = state.store.registry_figures(actor).await?;
        Ok(crate::dashboard::figures_of(lang, &counts, |what| match what {
            "persons" => t.persons,
            "households" => t.households,
            "assessments" => t.disabilities,
            _ => t.duplicates,
        }))
    })
}
