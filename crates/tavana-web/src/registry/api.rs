use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ProblemBody, bad_body, invalid_fields};
use crate::error::{ApiPath, ApiQuery};
use crate::versions::VersionDto;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tavana_domain::registry::{
    DisabilityFields, HouseholdFields, PersonFields, RawDisability, RawHousehold, RawPerson,
};
use tavana_store::registry::import::{FileFormat, ImportKind, ImportSummary, RowError};
use tavana_store::registry::{Disability, Household, Person, PersonCursor, PersonQuery, PersonSummary};
use utoipa::{IntoParams, ToSchema};

/// A household with its members. Codes are those of the import files.
#[derive(Serialize, ToSchema)]
pub struct HouseholdDto {
    #[serde(flatten)]
    pub household: Household,
    pub members: Vec<PersonSummary>,
}

/// Search filters; all optional, combined with AND.
#[derive(Deserialize, IntoParams)]
pub struct SearchParams {
    pub national_code: Option<String>,
    /// Prefix of the first name, Persian-normalized.
    pub first_name: Option<String>,
    /// Prefix of the last name, Persian-normalized.
    pub last_name: Option<String>,
    pub father_name: Option<String>,
    /// Jalali (1360) or Gregorian (1981).
    pub birth_year: Option<i32>,
    pub phone: Option<String>,
    /// A place id: persons living in it or below it.
    pub place_id: Option<i64>,
    /// The `next` of the previous page.
    pub after: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

/// A page of persons.
#[derive(Serialize, ToSchema)]
pub struct PersonPage {
    pub items: Vec<PersonSummary>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
    /// On the first page: how many match, counted up to 10,000 (10,000 means at
    /// least that many).
    pub total: Option<i64>,
}

/// Searches persons in the caller's subtree (keyset pages).
#[utoipa::path(get, path = "/api/v1/persons", tag = "registry", params(SearchParams),
    responses((status = 200, body = PersonPage), (status = 422, body = ProblemBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Json<PersonPage>, ApiError> {
    let query = PersonQuery {
        national_code: p.national_code,
        first_name: p.first_name,
        last_name: p.last_name,
        father_name: p.father_name,
        birth_year: p.birth_year,
        phone: p.phone,
        place_id: p.place_id,
    };
    let cursor = match p.after.as_deref() {
        Some(token) => Some(PersonCursor::decode(token).ok_or_else(|| {
            invalid_fields(&[tavana_domain::DomainError::new("after", tavana_domain::error::Reason::BadFormat)])
        })?),
        None => None,
    };
    let page = state.store.search_persons(&actor, &query, cursor.as_ref(), p.limit.unwrap_or(50)).await?;
    Ok(Json(PersonPage { items: page.items, next: page.next, total: page.total }))
}

/// One person; 404 outside the caller's subtree. The read is audited.
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "registry", params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, body = Person), (status = 404, body = ProblemBody)))]
pub async fn get_person(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Person>, ApiError> {
    Ok(Json(state.store.person(&actor, id).await?))
}

/// A person as sent: the fields as text (dates Jalali 1360/05/12 or ISO, digits in
/// any script, coded values by code or Persian label), and for a change the version
/// read and why.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct PersonBody {
    #[serde(flatten)]
    pub person: RawPerson,
    /// For a change: the version read.
    pub version: Option<i64>,
    /// For a change: why.
    pub reason: String,
}

/// Registers a person in a household of the caller's subtree (case workers).
#[utoipa::path(post, path = "/api/v1/persons", tag = "registry", request_body = PersonBody,
    responses((status = 201, body = Person), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn create_person(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<PersonBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Person>), ApiError> {
    let Json(body) = body.map_err(bad_body)?;
    let fields = PersonFields::parse(&body.person, state.store.today()).map_err(|e| invalid_fields(&e))?;
    let person = state.store.register_person(&actor, &fields, "registration").await?;
    Ok((StatusCode::CREATED, Json(person)))
}

/// Changes a person (edits and life events). Send the `version` read and a `reason`;
/// a stale version is refused with 409 on `version`.
#[utoipa::path(put, path = "/api/v1/persons/{id}", tag = "registry", request_body = PersonBody,
    params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, body = Person), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn update_person(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<PersonBody>, JsonRejection>,
) -> Result<Json<Person>, ApiError> {
    let Json(body) = body.map_err(bad_body)?;
    let fields = PersonFields::parse(&body.person, state.store.today()).map_err(|e| invalid_fields(&e))?;
    let version = body.version.ok_or_else(|| {
        invalid_fields(&[tavana_domain::DomainError::new("version", tavana_domain::error::Reason::Empty)])
    })?;
    let person = state.store.update_person(&actor, id, &fields, version, &body.reason).await?;
    Ok(Json(person))
}

/// A person's history, newest first.
#[utoipa::path(get, path = "/api/v1/persons/{id}/history", tag = "registry", params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, body = [VersionDto]), (status = 404, body = ProblemBody)))]
pub async fn history(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<VersionDto>>, ApiError> {
    Ok(Json(state.store.person_history(&actor, id).await?.into_iter().map(Into::into).collect()))
}

/// A person's disability assessments.
#[utoipa::path(get, path = "/api/v1/persons/{id}/disabilities", tag = "registry", params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, body = [Disability]), (status = 404, body = ProblemBody)))]
pub async fn list_disabilities(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Disability>>, ApiError> {
    Ok(Json(state.store.disabilities(&actor, id).await?))
}

/// A disability assessment to record.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct RawDisabilitySchema {
    /// motor, visual, hearing, speech, intellectual, psychiatric, autism, multiple.
    pub kind: String,
    /// mild, moderate, severe, very_severe.
    pub severity: String,
    pub commission: String,
    pub assessed_on: String,
    pub valid_until: String,
}

/// Records a disability assessment for a person.
#[utoipa::path(post, path = "/api/v1/persons/{id}/disabilities", tag = "registry", request_body = RawDisabilitySchema,
    params(("id" = i64, Path, description = "Person id")),
    responses((status = 201, body = Disability), (status = 422, body = ProblemBody)))]
pub async fn add_disability(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<RawDisabilitySchema>, JsonRejection>,
) -> Result<(StatusCode, Json<Disability>), ApiError> {
    let Json(body) = body.map_err(bad_body)?;
    let person = state.store.person(&actor, id).await?;
    let raw = RawDisability {
        national_code: person.values.national_code,
        kind: body.kind,
        severity: body.severity,
        commission: body.commission,
        assessed_on: body.assessed_on,
        valid_until: body.valid_until,
    };
    let fields = DisabilityFields::parse(&raw, state.store.today()).map_err(|e| invalid_fields(&e))?;
    let d = state.store.add_disability(&actor, &fields, "assessment").await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// Registers a household in a village or city of the caller's subtree.
#[utoipa::path(post, path = "/api/v1/households", tag = "registry", request_body = RawHousehold,
    responses((status = 201, body = HouseholdDto), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn create_household(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<RawHousehold>, JsonRejection>,
) -> Result<(StatusCode, Json<HouseholdDto>), ApiError> {
    let Json(raw) = body.map_err(bad_body)?;
    let fields = HouseholdFields::parse(&raw).map_err(|e| invalid_fields(&e))?;
    let h = state.store.create_household(&actor, &fields, "registration").await?;
    Ok((StatusCode::CREATED, Json(HouseholdDto { household: h, members: Vec::new() })))
}

/// One household with its members.
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "registry", params(("id" = i64, Path, description = "Household id")),
    responses((status = 200, body = HouseholdDto), (status = 404, body = ProblemBody)))]
pub async fn get_household(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<HouseholdDto>, ApiError> {
    let h = state.store.household(&actor, id).await?;
    let members = state.store.household_members(&actor, id).await?;
    Ok(Json(HouseholdDto { household: h, members }))
}

#[derive(Deserialize, IntoParams)]
pub struct ImportParams {
    /// `csv` (with a header row) or `jsonl`.
    pub format: Option<String>,
}

/// What an import did: its counts, the first errors, and a link to all of them.
#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    pub read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// How many errors the refused rows have (a row may have several).
    pub errors_total: u64,
    /// The first 100 errors.
    pub errors: Vec<RowErrorDto>,
    /// Where every error can be downloaded as CSV (by the importer only), when
    /// there is any.
    pub report: Option<String>,
}

/// A rejected row.
#[derive(Serialize, ToSchema)]
pub struct RowErrorDto {
    pub line: u64,
    pub field: String,
    pub value: String,
    pub reason_fa: String,
    pub reason_en: String,
}

/// Imports a file of households, persons or disabilities sent as the request body.
/// Bad rows are returned with their reasons and the good rows kept; sending the same
/// file again changes nothing.
#[utoipa::path(post, path = "/api/v1/imports/{kind}", tag = "registry",
    params(("kind" = String, Path, description = "households, persons or disabilities"), ImportParams),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportResult), (status = 422, body = ProblemBody)))]
pub async fn import(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(kind): ApiPath<String>,
    ApiQuery(params): ApiQuery<ImportParams>,
    request: axum::extract::Request,
) -> Result<Json<ImportResult>, ApiError> {
    let bad =
        |field| invalid_fields(&[tavana_domain::DomainError::new(field, tavana_domain::error::Reason::NotInList)]);
    let kind = ImportKind::parse(&kind).ok_or_else(|| bad("kind"))?;
    let format = match params.format.as_deref().unwrap_or("csv") {
        "csv" => FileFormat::Csv,
        "jsonl" | "ndjson" => FileFormat::JsonLines,
        _ => return Err(bad("format")),
    };
    let limit = state.config.import_limit;
    if crate::uploads::declared_size(request.headers()).is_some_and(|size| size > limit) {
        return Err(crate::error::too_large(limit).into());
    }
    // One import at a time, its body read only when its turn comes, and then as
    // it streams in.
    let _turn =
        state.imports.acquire().await.map_err(|_| tavana_store::StoreError::Corrupt("imports closed".into()))?;
    let body = request.into_body().into_data_stream();
    let done = run_import(&state, &actor, kind, format, body, None).await?;
    if done.fed.blank {
        return Err(invalid_fields(&[tavana_domain::DomainError::new("file", tavana_domain::error::Reason::Empty)]));
    }
    Ok(Json(ImportResult {
        read: done.summary.read,
        inserted: done.summary.inserted,
        updated: done.summary.updated,
        unchanged: done.summary.unchanged,
        rejected: done.summary.rejected,
        errors_total: done.errors_total,
        errors: done
            .first_errors
            .into_iter()
            .map(|e| RowErrorDto {
                line: e.line,
                field: e.field,
                value: e.value,
                reason_fa: e.reason_fa,
                reason_en: e.reason_en,
            })
            .collect(),
        report: done.report.map(|id| format!("/api/v1/imports/reports/{id}")),
    }))
}

/// The whole report of an import's refused rows, as CSV, for the user who
/// imported (kept until the server stops or 32 newer reports push it out).
#[utoipa::path(get, path = "/api/v1/imports/reports/{id}", tag = "registry",
    params(("id" = String, Path, description = "the report's id, from the import's answer")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = ProblemBody)))]
pub async fn import_report(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::response::Response, ApiError> {
    state.reports.download(actor.user_id, &id).await.ok_or_else(|| tavana_store::StoreError::NotFound.into())
}

/// What an import of an uploaded body did.
pub struct ImportDone {
    pub summary: ImportSummary,
    pub errors_total: u64,
    /// The first [`crate::reports::SHOWN_ERRORS`] errors.
    pub first_errors: Vec<RowError>,
    /// The id of the report holding every error, when there is any.
    pub report: Option<String>,
    /// What of the body reached the import.
    pub fed: crate::uploads::Fed,
}

/// Runs an import of an uploaded body as it streams in (at most the configured
/// import limit of it), writing the rejected rows' errors to a report as they
/// come, and its progress under `followed` when someone follows it.
pub async fn run_import<S, E>(
    state: &AppState,
    actor: &tavana_domain::iam::Actor,
    kind: ImportKind,
    format: FileFormat,
    body: S,
    followed: Option<&crate::uploads::Followed<'_>>,
) -> Result<ImportDone, tavana_store::StoreError>
where
    S: futures_util::Stream<Item = Result<Bytes, E>>,
    E: std::fmt::Display,
{
    let report_failed = |e: std::io::Error| tavana_store::StoreError::Corrupt(format!("import report: {e}"));
    let mut report = state.reports.start().map_err(report_failed)?;
    let update = |change: &dyn Fn(&mut crate::uploads::Progress)| {
        if let Some(followed) = followed {
            followed.update(change);
        }
    };
    update(&|p| p.waiting = false);
    let (feeder, reader) = crate::uploads::channel();
    let feeding = crate::uploads::feed(body, feeder, state.config.import_limit, |bytes| update(&|p| p.bytes = bytes));
    let mut on_error = |e: &RowError| report.add(e);
    let mut on_progress = |summary: &ImportSummary| update(&|p| p.rows(summary));
    let importing = tavana_store::registry::import::import(
        &state.store,
        actor,
        kind,
        format,
        Box::new(reader),
        &mut on_error,
        &mut on_progress,
    );
    let (fed, summary) = tokio::join!(feeding, importing);
    let summary = summary?;
    let (first_errors, errors_total, report) = state.reports.keep(actor.user_id, report).map_err(report_failed)?;
    Ok(ImportDone { summary, errors_total, first_errors, report, fed })
}
