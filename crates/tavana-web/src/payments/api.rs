use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiPath, ApiQuery, Binary, Problem, ProblemBody, bad_body, invalid_fields};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tavana_domain::payments::{LineStatus, PayMonth, PaymentSettingsFields, RawPaymentSettings};
use tavana_store::StoreError;
use tavana_store::payments::{
    Balance, BankFile, BudgetLine, HoldCount, LedgerCheck, PaymentCycle, PaymentJob, PaymentLine, PaymentSettings,
    ProvinceTotals, ReturnReport,
};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub struct ProgramQuery {
    /// Only this program's cycles.
    #[serde(default)]
    pub program: Option<i64>,
}

/// The cycles the caller sees (of one program, or of all), newest month first.
#[utoipa::path(get, path = "/api/v1/payments/cycles", tag = "payments", params(ProgramQuery),
    responses((status = 200, body = [PaymentCycle]), (status = 403, body = ProblemBody)))]
pub async fn cycles(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiQuery(q): ApiQuery<ProgramQuery>,
) -> Result<Json<Vec<PaymentCycle>>, ApiError> {
    let programs = match q.program {
        Some(id) => vec![id],
        None => state.store.programs(&actor).await?.iter().map(|p| p.id).collect(),
    };
    let mut cycles = Vec::new();
    for id in programs {
        cycles.extend(state.store.payment_cycles(&actor, id).await?);
    }
    Ok(Json(cycles))
}

/// A cycle to open.
#[derive(Deserialize, ToSchema)]
pub struct NewCycle {
    pub program: i64,
    /// The Jalali month paid for: `1405/10`.
    pub month: String,
    /// The org unit it covers: HQ or a province office (its id).
    pub unit: i64,
}

/// Opens a cycle (draft) for a program's month over HQ or a province (finance makers).
#[utoipa::path(post, path = "/api/v1/payments/cycles", tag = "payments", request_body = NewCycle,
    responses((status = 201, body = PaymentCycle), (status = 422, body = ProblemBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<NewCycle>, JsonRejection>,
) -> Result<(StatusCode, Json<PaymentCycle>), ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    let month = PayMonth::parse(&b.month).map_err(StoreError::Invalid)?;
    Ok((StatusCode::CREATED, Json(state.store.create_cycle(&actor, b.program, month, b.unit).await?)))
}

/// One cycle.
#[utoipa::path(get, path = "/api/v1/payments/cycles/{id}", tag = "payments",
    params(("id" = i64, Path, description = "Cycle id")),
    responses((status = 200, body = PaymentCycle), (status = 404, body = ProblemBody)))]
pub async fn cycle(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PaymentCycle>, ApiError> {
    Ok(Json(state.store.payment_cycle(&actor, id).await?))
}

/// What a step needs besides: a reason to send back or cancel, a note to approve.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct StepBody {
    pub reason: String,
    pub note: String,
}

/// Takes a step on a cycle: `compute`, `submit`, `approve`, `reject`,
/// `issue-files`, `close` or `cancel` (the body is `{}` but for a reason or note). Refused (422, naming the field) when the
/// cycle's state does not allow it, a job is running on it, or, approving or
/// sending back, the caller computed or submitted it.
#[utoipa::path(post, path = "/api/v1/payments/cycles/{id}/{step}", tag = "payments", request_body = StepBody,
    params(("id" = i64, Path, description = "Cycle id"), ("step" = String, Path, description = "The step")),
    responses((status = 200, body = PaymentCycle), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
        (status = 422, body = ProblemBody)))]
pub async fn step(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath((id, step)): ApiPath<(i64, String)>,
    body: Result<Json<StepBody>, JsonRejection>,
) -> Result<Json<PaymentCycle>, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    let store = &state.store;
    let cycle = match step.as_str() {
        "compute" => store.compute_cycle(&actor, id).await?,
        "submit" => store.submit_cycle(&actor, id).await?,
        "approve" => store.approve_cycle(&actor, id, &b.note).await?,
        "reject" => store.reject_cycle(&actor, id, &b.reason).await?,
        "issue-files" => {
            store.issue_bank_files(&actor, id).await?;
            store.payment_cycle(&actor, id).await?
        }
        "close" => store.close_cycle(&actor, id).await?,
        "cancel" => store.cancel_cycle(&actor, id, &b.reason).await?,
        _ => return Err(Problem::not_found().into()),
    };
    Ok(Json(cycle))
}

/// A cycle's totals per province and why its payments are held.
#[derive(serde::Serialize, ToSchema)]
pub struct TotalsDto {
    pub provinces: Vec<ProvinceTotals>,
    pub holds: Vec<HoldCount>,
}

#[utoipa::path(get, path = "/api/v1/payments/cycles/{id}/totals", tag = "payments",
    params(("id" = i64, Path, description = "Cycle id")),
    responses((status = 200, body = TotalsDto), (status = 404, body = ProblemBody)))]
pub async fn totals(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TotalsDto>, ApiError> {
    let provinces = state.store.cycle_totals(&actor, id).await?;
    let holds = state.store.cycle_holds(&actor, id).await?;
    Ok(Json(TotalsDto { provinces, holds }))
}

#[derive(Deserialize, IntoParams)]
pub struct LinesQuery {
    /// Only lines in this status: payable, held, paid or failed.
    #[serde(default)]
    pub status: Option<String>,
    /// At most this many, by id (1 to 10,000; 500 when absent).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// A cycle's lines in the caller's subtree, with each amount's basis (a logged read).
#[utoipa::path(get, path = "/api/v1/payments/cycles/{id}/lines", tag = "payments",
    params(("id" = i64, Path, description = "Cycle id"), LinesQuery),
    responses((status = 200, body = [PaymentLine]), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn lines(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<LinesQuery>,
) -> Result<Json<Vec<PaymentLine>>, ApiError> {
    let status =
        q.status.as_deref().map(|s| LineStatus::parse("status", s)).transpose().map_err(StoreError::Invalid)?;
    Ok(Json(state.store.cycle_lines(&actor, id, status, q.limit.unwrap_or(500)).await?))
}

/// The bank files issued for a cycle.
#[utoipa::path(get, path = "/api/v1/payments/cycles/{id}/files", tag = "payments",
    params(("id" = i64, Path, description = "Cycle id")),
    responses((status = 200, body = [BankFile]), (status = 404, body = ProblemBody)))]
pub async fn files(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<BankFile>>, ApiError> {
    Ok(Json(state.store.bank_files(&actor, id).await?))
}

/// A bank file's bytes (CSV or pain.001 XML), streamed; its SHA-256 in `x-sha256`.
#[utoipa::path(get, path = "/api/v1/payments/files/{id}", tag = "payments",
    params(("id" = i64, Path, description = "Bank file id")),
    responses((status = 200, description = "The file: CSV or pain.001 XML, as its format says",
        content((Binary = "text/csv"), (Binary = "application/xml"))), (status = 404, body = ProblemBody)))]
pub async fn file(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let (file, _) = state.store.bank_file(&actor, id).await?;
    Ok(super::ui::stream_bank_file(state.store.clone(), actor, file))
}

/// Applies a bank's return file (the body, CSV: `end_to_end_id,status,reason`);
/// rows that match no payment waiting for the bank's answer are reported.
#[utoipa::path(post, path = "/api/v1/payments/cycles/{id}/returns", tag = "payments",
    params(("id" = i64, Path, description = "Cycle id")),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ReturnReport), (status = 413, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn reconcile(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Body,
) -> Result<Json<ReturnReport>, ApiError> {
    let bytes = axum::body::to_bytes(body, super::RETURN_LIMIT)
        .await
        .map_err(|_| crate::error::too_large(super::RETURN_LIMIT as u64))?;
    if bytes.is_empty() {
        return Err(
            StoreError::Invalid(tavana_domain::DomainError::new("file", tavana_domain::error::Reason::Empty)).into()
        );
    }
    Ok(Json(state.store.reconcile_cycle(&actor, id, bytes.as_ref()).await?))
}

/// Recent jobs with their exact counts.
#[utoipa::path(get, path = "/api/v1/payments/jobs", tag = "payments",
    responses((status = 200, body = [PaymentJob]), (status = 403, body = ProblemBody)))]
pub async fn jobs(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<PaymentJob>>, ApiError> {
    Ok(Json(state.store.payment_jobs(&actor, 100).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct LedgerQuery {
    /// The program whose budget execution to give (none: balances only).
    #[serde(default)]
    pub program: Option<i64>,
    /// The Jalali year (this year when absent).
    #[serde(default)]
    pub year: Option<i32>,
}

/// The ledger: every account's balance, the check that it balances, and a
/// program's budget against spending per province and month of a year.
#[derive(serde::Serialize, ToSchema)]
pub struct LedgerDto {
    pub balances: Vec<Balance>,
    pub check: LedgerCheck,
    pub budget: Vec<BudgetLine>,
}

#[utoipa::path(get, path = "/api/v1/payments/ledger", tag = "payments", params(LedgerQuery),
    responses((status = 200, body = LedgerDto), (status = 403, body = ProblemBody)))]
pub async fn ledger(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> Result<Json<LedgerDto>, ApiError> {
    let balances = state.store.ledger_balances(&actor).await?;
    let check = state.store.check_ledger().await?;
    let year = match q.year {
        Some(y) => y,
        None => {
            tavana_domain::jalali::JalaliDate::from_gregorian(state.store.today()).map_err(StoreError::Invalid)?.year()
        }
    };
    let budget = match q.program {
        Some(program) => state.store.budget_execution(&actor, program, year).await?,
        None => Vec::new(),
    };
    Ok(Json(LedgerDto { balances, check, budget }))
}

/// How a program pays (404 when not set).
#[utoipa::path(get, path = "/api/v1/payments/settings/{id}", tag = "payments",
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = PaymentSettings), (status = 404, body = ProblemBody)))]
pub async fn settings(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(program): ApiPath<i64>,
) -> Result<Json<PaymentSettings>, ApiError> {
    Ok(Json(state.store.payment_settings(&actor, program).await?.ok_or(StoreError::NotFound)?))
}

/// Sets how a program pays (HQ finance makers).
#[utoipa::path(put, path = "/api/v1/payments/settings/{id}", tag = "payments", request_body = RawPaymentSettings,
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = PaymentSettings), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn set_settings(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(program): ApiPath<i64>,
    body: Result<Json<RawPaymentSettings>, JsonRejection>,
) -> Result<Json<PaymentSettings>, ApiError> {
    let Json(raw) = body.map_err(bad_body)?;
    let fields = PaymentSettingsFields::parse(&raw).map_err(|e| invalid_fields(&e))?;
    Ok(Json(state.store.set_payment_settings(&actor, program, &fields).await?))
}

/// A person's payments, newest month first, each with what its amount rests on
/// (a logged read).
#[utoipa::path(get, path = "/api/v1/payments/persons/{id}", tag = "payments",
    params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, body = [PaymentLine]), (status = 404, body = ProblemBody)))]
pub async fn person(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<PaymentLine>>, ApiError> {
    Ok(Json(state.store.person_payments(&actor, id).await?))
}
