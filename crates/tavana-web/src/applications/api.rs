//! Applications' API: applications taken, documented, assigned, noted,
//! decided and withdrawn; a program's intake, waiting list, queue per county
//! office and allocation.

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ApiPath, ApiQuery, Binary, ProblemBody, bad_body, invalid_fields};
use crate::programs::api::{Enrolled, ExplanationDto, enrolled_dto, explanation_dto};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tavana_domain::applications::{ApplicationState, DocumentKind, MAX_DOCUMENT_BYTES, PriorityWeights, RawPriority};
use tavana_store::StoreError;
use tavana_store::applications::{
    Application, ApplicationDocument, ApplicationEvent, ApplicationFilter, Intake, Waiting, WaitingList,
};
use utoipa::{IntoParams, ToSchema};

/// A document of the program's checklist, and whether one is attached.
#[derive(Serialize, ToSchema)]
pub struct ChecklistItem {
    pub kind: DocumentKind,
    pub attached: bool,
}

/// An application's file.
#[derive(Serialize, ToSchema)]
pub struct ApplicationFileBody {
    pub application: Application,
    pub events: Vec<ApplicationEvent>,
    pub documents: Vec<ApplicationDocument>,
    pub checklist: Vec<ChecklistItem>,
    /// The program's rule explained for the applicant, clause by clause.
    pub explanation: ExplanationDto,
}

async fn file(state: &AppState, actor: &tavana_domain::iam::Actor, id: i64) -> Result<ApplicationFileBody, ApiError> {
    let f = state.store.application(actor, id).await?;
    let person = f.application.person_id;
    Ok(ApplicationFileBody {
        checklist: f
            .checklist
            .iter()
            .map(|(kind, attached)| ChecklistItem { kind: *kind, attached: *attached })
            .collect(),
        explanation: explanation_dto(person, f.explanation),
        application: f.application,
        events: f.events,
        documents: f.documents,
    })
}

/// An application to take.
#[derive(Deserialize, ToSchema)]
pub struct NewApplication {
    pub program: i64,
    pub person: i64,
    #[serde(default)]
    pub note: String,
}

/// Takes a person's application to an active program (case workers, program
/// officers); one open application a person and program.
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = NewApplication,
    responses((status = 201, body = ApplicationFileBody), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn submit(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<NewApplication>, JsonRejection>,
) -> Result<(StatusCode, Json<ApplicationFileBody>), ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    let id = state.store.submit_application(&actor, b.program, b.person, &b.note).await?;
    Ok((StatusCode::CREATED, Json(file(&state, &actor, id).await?)))
}

#[derive(Deserialize, IntoParams)]
pub struct ApplicationsQuery {
    /// submitted, under_review, approved, waitlisted, rejected, enrolled or withdrawn.
    pub state: Option<String>,
    pub program: Option<i64>,
    pub person: Option<i64>,
    /// Only those assigned to the caller.
    #[serde(default)]
    pub mine: bool,
}

/// Applications in the caller's subtree, newest first (a logged read).
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(ApplicationsQuery),
    responses((status = 200, body = [Application]), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiQuery(q): ApiQuery<ApplicationsQuery>,
) -> Result<Json<Vec<Application>>, ApiError> {
    let state_wanted = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(ApplicationState::parse("state", s).map_err(StoreError::Invalid)?),
    };
    let filter = ApplicationFilter { state: state_wanted, program_id: q.program, person_id: q.person, mine: q.mine };
    Ok(Json(state.store.applications(&actor, &filter, 1_000).await?))
}

/// An application's file: history, documents against the checklist, and the
/// program's rule explained for the applicant (a logged read).
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications",
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = ApplicationFileBody), (status = 404, body = ProblemBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ApplicationFileBody>, ApiError> {
    Ok(Json(file(&state, &actor, id).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct DocumentQuery {
    /// identity_card, birth_certificate, disability_assessment, income_statement, residence or bank_account.
    #[serde(default)]
    pub kind: String,
    /// The file's name as the applicant gave it.
    #[serde(default)]
    pub file_name: String,
}

/// Attaches a document (the body: a PDF, JPEG or PNG of at most 5 MB, its type
/// found from its content) to an open application.
#[utoipa::path(post, path = "/api/v1/applications/{id}/documents", tag = "applications",
    params(("id" = i64, Path, description = "Application id"), DocumentQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = ApplicationDocument), (status = 404, body = ProblemBody),
        (status = 413, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn attach(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<DocumentQuery>,
    body: Body,
) -> Result<(StatusCode, Json<ApplicationDocument>), ApiError> {
    let kind = DocumentKind::parse("kind", &q.kind).map_err(StoreError::Invalid)?;
    let bytes = axum::body::to_bytes(body, MAX_DOCUMENT_BYTES)
        .await
        .map_err(|_| crate::error::too_large(MAX_DOCUMENT_BYTES as u64))?;
    let doc = state.store.attach_document(&actor, id, kind, &q.file_name, &bytes).await?;
    Ok((StatusCode::CREATED, Json(doc)))
}

/// A document's content (a logged read), with its SHA-256 in `x-sha256`.
#[utoipa::path(get, path = "/api/v1/applications/{id}/documents/{document}", tag = "applications",
    params(("id" = i64, Path, description = "Application id"), ("document" = i64, Path, description = "Document id")),
    responses((status = 200, description = "The document, as its content says it is",
        content((Binary = "application/pdf"), (Binary = "image/jpeg"), (Binary = "image/png"))),
        (status = 404, body = ProblemBody)))]
pub async fn document(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath((id, doc)): ApiPath<(i64, i64)>,
) -> Result<Response, ApiError> {
    let (meta, content) = state.store.application_document(&actor, id, doc).await?;
    Ok(super::ui::document_response(&meta, content))
}

/// An assignment.
#[derive(Deserialize, ToSchema)]
pub struct AssignBody {
    /// The user to review it (who takes applications of its unit).
    pub user: i64,
    /// The application's version as read.
    pub version: i64,
}

/// Assigns an application for review; a submitted one goes under review.
#[utoipa::path(post, path = "/api/v1/applications/{id}/assignment", tag = "applications", request_body = AssignBody,
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = ApplicationFileBody), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn assign(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<AssignBody>, JsonRejection>,
) -> Result<Json<ApplicationFileBody>, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    state.store.assign_application(&actor, id, b.user, b.version).await?;
    Ok(Json(file(&state, &actor, id).await?))
}

/// A note.
#[derive(Deserialize, ToSchema)]
pub struct NoteBody {
    pub note: String,
}

/// Adds a note to an application's history.
#[utoipa::path(post, path = "/api/v1/applications/{id}/notes", tag = "applications", request_body = NoteBody,
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = ApplicationFileBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn note(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<NoteBody>, JsonRejection>,
) -> Result<Json<ApplicationFileBody>, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    state.store.note_application(&actor, id, &b.note).await?;
    Ok(Json(file(&state, &actor, id).await?))
}

/// A decision on an application.
#[derive(Deserialize, ToSchema)]
pub struct DecisionBody {
    /// approve or reject.
    pub decision: String,
    pub version: i64,
    pub reasons: String,
    pub legal_basis: String,
}

/// Approves (the program's terms decide: enrolled, or waiting for budget) or
/// rejects (an appealable decision) an application under review (program officers).
#[utoipa::path(post, path = "/api/v1/applications/{id}/decision", tag = "applications", request_body = DecisionBody,
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = ApplicationFileBody), (status = 403, body = ProblemBody),
        (status = 404, body = ProblemBody), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<DecisionBody>, JsonRejection>,
) -> Result<Json<ApplicationFileBody>, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    match b.decision.as_str() {
        "approve" => {
            state.store.approve_application(&actor, id, b.version, &b.reasons, &b.legal_basis).await?;
        }
        "reject" => {
            state.store.reject_application(&actor, id, b.version, &b.reasons, &b.legal_basis).await?;
        }
        _ => {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new(
                "decision",
                tavana_domain::error::Reason::NotInList,
            ))
            .into());
        }
    }
    Ok(Json(file(&state, &actor, id).await?))
}

/// A withdrawal.
#[derive(Deserialize, ToSchema)]
pub struct WithdrawBody {
    pub version: i64,
    pub reason: String,
}

/// Withdraws an open application at the applicant's request.
#[utoipa::path(post, path = "/api/v1/applications/{id}/withdrawal", tag = "applications", request_body = WithdrawBody,
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, body = ApplicationFileBody), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<WithdrawBody>, JsonRejection>,
) -> Result<Json<ApplicationFileBody>, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    state.store.withdraw_application(&actor, id, b.version, &b.reason).await?;
    Ok(Json(file(&state, &actor, id).await?))
}

/// A program's intake: the documents its applications need and its priority weights.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct IntakeBody {
    pub documents: Vec<String>,
    pub weights: PriorityWeights,
}

/// A program's intake.
#[utoipa::path(get, path = "/api/v1/programs/{id}/intake", tag = "applications",
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = IntakeBody), (status = 404, body = ProblemBody)))]
pub async fn intake(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<IntakeBody>, ApiError> {
    let i = state.store.intake(&actor, id).await?;
    Ok(Json(IntakeBody { documents: i.documents.iter().map(|d| d.code().to_string()).collect(), weights: i.weights }))
}

/// Sets a program's intake (program officers at HQ); every bad field is named.
#[utoipa::path(put, path = "/api/v1/programs/{id}/intake", tag = "applications", request_body = IntakeBody,
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = IntakeBody), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn set_intake(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<IntakeBody>, JsonRejection>,
) -> Result<Json<IntakeBody>, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    let w = b.weights;
    let raw = RawPriority {
        severity: w.severity.to_string(),
        household_size: w.household_size.to_string(),
        poverty: w.poverty.to_string(),
        female_headed: w.female_headed.to_string(),
        elderly: w.elderly.to_string(),
    };
    let mut errors = Vec::new();
    let weights = PriorityWeights::parse(&raw).map_err(|e| errors.extend(e)).unwrap_or_default();
    let documents: Vec<DocumentKind> = b
        .documents
        .iter()
        .filter_map(|d| DocumentKind::parse("documents", d).map_err(|e| errors.push(e)).ok())
        .collect();
    if !errors.is_empty() {
        return Err(invalid_fields(&errors));
    }
    state.store.set_intake(&actor, id, &Intake { documents, weights }).await?;
    intake(State(state), ApiCaller(actor), ApiPath(id)).await
}

/// A program's waiting list per province and county office: how many wait, the
/// median and longest wait in days, and the monthly budget to admit them all.
#[utoipa::path(get, path = "/api/v1/programs/{id}/waiting", tag = "applications",
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = WaitingList), (status = 404, body = ProblemBody)))]
pub async fn waiting(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<WaitingList>, ApiError> {
    Ok(Json(state.store.waiting_list(&actor, id).await?))
}

/// Who waits at a county office, in queue order (a logged read).
#[utoipa::path(get, path = "/api/v1/programs/{id}/waiting/{unit}", tag = "applications",
    params(("id" = i64, Path, description = "Program id"), ("unit" = i64, Path, description = "County office (org unit) id")),
    responses((status = 200, body = [Waiting]), (status = 404, body = ProblemBody)))]
pub async fn queue(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath((id, unit)): ApiPath<(i64, i64)>,
) -> Result<Json<Vec<Waiting>>, ApiError> {
    Ok(Json(state.store.waiting_queue(&actor, id, unit).await?))
}

/// An allocation's record.
#[derive(Deserialize, ToSchema)]
pub struct AllocationBody {
    pub reasons: String,
    pub legal_basis: String,
}

/// Allocation: those waiting in the caller's subtree are decided again and
/// admitted in queue order while their province's budget allows.
#[utoipa::path(post, path = "/api/v1/programs/{id}/allocation", tag = "applications", request_body = AllocationBody,
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = Enrolled), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn allocate(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<AllocationBody>, JsonRejection>,
) -> Result<Json<Enrolled>, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    Ok(Json(enrolled_dto(state.store.allocate(&actor, id, &b.reasons, &b.legal_basis).await?)))
}
