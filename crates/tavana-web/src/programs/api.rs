use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ProblemBody, bad_body, invalid_fields};
use crate::error::{ApiPath, ApiQuery};
use crate::versions::VersionDto;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tavana_domain::programs::rule::Value;
use tavana_domain::programs::{ProgramFields, RawProgram, parse_formula, parse_rule};
use tavana_store::programs::{
    ConfirmRequest, DecisionRow, EnrollmentFilter, EnrollmentRow, Persons, Program, ProgramChange, ProvinceBudget,
    SimulationRow,
};
use utoipa::ToSchema;

/// Refuses a caller whose roles do not allow `action` before any input is parsed,
/// so a rule or a file is never worked on for someone who may not use it.
fn may(actor: &tavana_domain::iam::Actor, action: tavana_domain::iam::Action) -> Result<(), ApiError> {
    if actor.may(action) { Ok(()) } else { Err(tavana_store::StoreError::Forbidden(action.phrase()).into()) }
}

const MANAGE: tavana_domain::iam::Action =
    tavana_domain::iam::Action::Programs(tavana_domain::programs::ProgramAction::Manage);
const OPEN: tavana_domain::iam::Action = tavana_domain::iam::Action::Open(tavana_domain::iam::Module::Programs);

/// Every program.
#[utoipa::path(get, path = "/api/v1/programs", tag = "programs", responses((status = 200, body = [Program]), (status = 403, body = ProblemBody)))]
pub async fn list(State(state): State<AppState>, ApiCaller(actor): ApiCaller) -> Result<Json<Vec<Program>>, ApiError> {
    Ok(Json(state.store.programs(&actor).await?))
}

/// Defines a program in draft (program officers).
#[utoipa::path(post, path = "/api/v1/programs", tag = "programs", request_body = RawProgram,
    responses((status = 201, body = Program), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<RawProgram>, JsonRejection>,
) -> Result<(StatusCode, Json<Program>), ApiError> {
    may(&actor, MANAGE)?;
    let Json(raw) = body.map_err(bad_body)?;
    let fields = ProgramFields::parse(&raw).map_err(|e| invalid_fields(&e))?;
    let program = state.store.create_program(&actor, &fields, "new program").await?;
    Ok((StatusCode::CREATED, Json(program)))
}

/// A new definition of a program, with the version read and the reason.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ProgramChangeDto {
    #[serde(flatten)]
    #[schema(inline)]
    pub program: RawProgram,
    pub version: i64,
    pub reason: String,
}

/// Changes a program's definition; the previous one is kept. A stale `version` is
/// refused with 409.
#[utoipa::path(put, path = "/api/v1/programs/{id}", tag = "programs", request_body = ProgramChangeDto,
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = Program), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<ProgramChangeDto>, JsonRejection>,
) -> Result<Json<Program>, ApiError> {
    may(&actor, MANAGE)?;
    let Json(b) = body.map_err(bad_body)?;
    let fields = ProgramFields::parse(&b.program).map_err(|e| invalid_fields(&e))?;
    Ok(Json(state.store.update_program(&actor, id, &fields, b.version, &b.reason).await?))
}

/// One program.
#[utoipa::path(get, path = "/api/v1/programs/{id}", tag = "programs", params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = Program), (status = 404, body = ProblemBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Program>, ApiError> {
    Ok(Json(state.store.program(&actor, id).await?))
}

/// A draft rule and formula to simulate.
#[derive(Deserialize, ToSchema)]
pub struct Draft {
    pub rule: String,
    pub formula: String,
    /// The day to compute as of, Jalali (`1405/10/01`); the first day of next
    /// month when absent.
    #[serde(default)]
    pub as_of: Option<String>,
}

/// What a simulation finds wrong with a draft.
#[derive(Serialize, ToSchema)]
pub struct WarningDto {
    /// selects_no_one or selects_everyone.
    pub code: String,
    pub message: String,
    pub message_fa: String,
}

/// A simulation: per county, and what looks wrong.
#[derive(Serialize, ToSchema)]
pub struct SimulationDto {
    /// The day computed as of, Jalali.
    pub as_of: String,
    pub rows: Vec<SimulationRow>,
    pub warnings: Vec<WarningDto>,
}

/// What a draft rule and formula would give per province and county as of a day,
/// against the program's current terms, with warnings when it selects no one or
/// everyone. Changes nothing.
#[utoipa::path(post, path = "/api/v1/programs/{id}/simulation", tag = "programs", request_body = Draft,
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = SimulationDto), (status = 422, body = ProblemBody)))]
pub async fn simulate(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<Draft>, JsonRejection>,
) -> Result<Json<SimulationDto>, ApiError> {
    may(&actor, OPEN)?;
    let Json(d) = body.map_err(bad_body)?;
    let mut errors = Vec::new();
    let rule = parse_rule("rule", &d.rule).map_err(|e| errors.push(e)).ok();
    let formula = parse_formula("formula", &d.formula).map_err(|e| errors.push(e)).ok();
    let (Some(rule), Some(formula)) = (rule, formula) else { return Err(invalid_fields(&errors)) };
    let as_of = super::as_of(&state.store, d.as_of.as_deref())?;
    let s = state.store.simulate_program(&actor, id, rule, formula, as_of).await?;
    Ok(Json(SimulationDto {
        as_of: s.as_of,
        rows: s.rows,
        warnings: s
            .warnings
            .into_iter()
            .map(|w| WarningDto {
                code: w.code().into(),
                message: w.label_en().into(),
                message_fa: w.label_fa().into(),
            })
            .collect(),
    }))
}

/// Persons to enroll, persons the rule cannot decide for without more
/// information, and enrolled persons no longer eligible, as of a day.
#[derive(Serialize, ToSchema)]
pub struct ProposalDto {
    pub as_of: String,
    pub to_enroll: Vec<i64>,
    /// The monthly amount of each person to enroll, in the same order (rials).
    pub amounts: Vec<i64>,
    pub needs_information: Vec<i64>,
    pub no_longer_eligible: Vec<i64>,
}

/// The day to compute as of.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct AsOfQuery {
    /// Jalali (`1405/10/01`); the first day of next month when absent.
    pub as_of: Option<String>,
}

/// A program's new status and why.
#[derive(Deserialize, ToSchema)]
pub struct StatusChange {
    /// active (from draft) or closed.
    pub status: String,
    pub reason: String,
}

/// Moves a program from draft to active, or from draft or active to closed; only an
/// active program enrolls anyone.
#[utoipa::path(post, path = "/api/v1/programs/{id}/status", tag = "programs", request_body = StatusChange,
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = Program), (status = 422, body = ProblemBody)))]
pub async fn set_status(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<StatusChange>, JsonRejection>,
) -> Result<Json<Program>, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    let status =
        tavana_domain::programs::ProgramStatus::parse("status", &b.status).map_err(|e| invalid_fields(&[e]))?;
    if b.reason.trim().is_empty() {
        return Err(invalid_fields(&[tavana_domain::DomainError::new("reason", tavana_domain::error::Reason::Empty)]));
    }
    Ok(Json(state.store.set_program_status(&actor, id, status, b.reason.trim()).await?))
}

/// Runs the program's terms over the caller's subtree as of a day and proposes
/// enrollments.
#[utoipa::path(post, path = "/api/v1/programs/{id}/proposals", tag = "programs",
    params(("id" = i64, Path, description = "Program id"), AsOfQuery),
    responses((status = 200, body = ProposalDto), (status = 404, body = ProblemBody)))]
pub async fn propose(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> Result<Json<ProposalDto>, ApiError> {
    let as_of = super::as_of(&state.store, q.as_of.as_deref())?;
    let p = state.store.propose_enrollments(&actor, id, as_of).await?;
    Ok(Json(ProposalDto {
        as_of: as_of.to_ascii(),
        to_enroll: p.to_enroll,
        amounts: p.amounts,
        needs_information: p.needs_information,
        no_longer_eligible: p.no_longer_eligible,
    }))
}

/// Persons to enroll, with the decision's reasons and legal basis: those listed
/// (at most 10,000), or with `proposal` true everyone the proposal names as of the
/// day (then `persons` is left out).
#[derive(Deserialize, ToSchema)]
pub struct Confirmation {
    #[serde(default)]
    pub persons: Vec<i64>,
    /// Everyone the proposal names, however many.
    #[serde(default)]
    pub proposal: bool,
    pub reasons: String,
    pub legal_basis: String,
    /// The day eligibility is decided as of, Jalali; the first day of next month
    /// when absent.
    #[serde(default)]
    pub as_of: Option<String>,
}

/// How many persons were enrolled, and each one who was not, with the reason.
#[derive(Serialize, ToSchema)]
pub struct Enrolled {
    pub enrolled: u64,
    pub refused: Vec<RefusedDto>,
}

/// A person not enrolled, and why.
#[derive(Serialize, ToSchema)]
pub struct RefusedDto {
    pub person: i64,
    /// unknown, not_eligible, needs_information, already_enrolled or household_enrolled.
    pub reason: String,
    pub detail: String,
    pub detail_fa: String,
}

/// Enrolls confirmed persons in an active program (those listed, or the whole
/// proposal), each decided again by the program's terms, with a decision record;
/// every person not enrolled is listed with the reason.
#[utoipa::path(post, path = "/api/v1/programs/{id}/enrollments", tag = "programs", request_body = Confirmation,
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = Enrolled), (status = 422, body = ProblemBody)))]
pub async fn enroll(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<Confirmation>, JsonRejection>,
) -> Result<Json<Enrolled>, ApiError> {
    may(&actor, MANAGE)?;
    let Json(c) = body.map_err(bad_body)?;
    let as_of = super::as_of(&state.store, c.as_of.as_deref())?;
    if c.proposal && !c.persons.is_empty() {
        let both = tavana_domain::DomainError::breaks(
            "persons",
            "list persons or confirm the whole proposal, not both",
            "یا افراد را فهرست کنید یا کل پیشنهاد را تأیید کنید، نه هر دو",
        );
        return Err(tavana_store::StoreError::Invalid(both).into());
    }
    let persons = if c.proposal { Persons::Proposed } else { Persons::Listed(&c.persons) };
    let request = ConfirmRequest { persons, reasons: &c.reasons, legal_basis: &c.legal_basis, as_of };
    let done = state.store.confirm_enrollments(&actor, id, &request).await?;
    Ok(Json(enrolled_dto(done)))
}

/// A confirmation's result as the API gives it (an allocation's too).
pub(crate) fn enrolled_dto(done: tavana_store::programs::Confirmation) -> Enrolled {
    let refused = done
        .refused
        .into_iter()
        .map(|(person, why)| RefusedDto {
            person,
            reason: why.code().into(),
            detail: why.label_en().into(),
            detail_fa: why.label_fa().into(),
        })
        .collect();
    Enrolled { enrolled: done.enrolled, refused }
}

/// One clause of a rule for one person.
#[derive(Serialize, ToSchema)]
pub struct ClauseDto {
    pub text: String,
    pub text_fa: String,
    /// true, false, or null when a value it needs is missing.
    pub holds: Option<bool>,
    /// The variables read, with their values.
    #[schema(value_type = Object)]
    pub inputs: serde_json::Value,
}

/// Why a person is or is not eligible for a program, as of a day.
#[derive(Serialize, ToSchema)]
pub struct ExplanationDto {
    pub person: i64,
    pub person_name: String,
    pub as_of: String,
    /// eligible, not_eligible or needs_information; for a household program, the
    /// household's verdict, decided on its head.
    pub outcome: String,
    pub outcome_fa: String,
    /// The monthly amount in rials, when eligible.
    pub amount_rials: Option<i64>,
    /// The fields whose missing values left it undecided.
    pub missing: Vec<String>,
    pub clauses: Vec<ClauseDto>,
}

/// Why a person is or is not eligible: the outcome, and every clause with its
/// values.
#[utoipa::path(get, path = "/api/v1/programs/{id}/eligibility/{person}", tag = "programs",
    params(("id" = i64, Path, description = "Program id"), ("person" = i64, Path, description = "Person id"), AsOfQuery),
    responses((status = 200, body = ExplanationDto), (status = 404, body = ProblemBody)))]
pub async fn explain(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath((id, person)): ApiPath<(i64, i64)>,
    ApiQuery(q): ApiQuery<AsOfQuery>,
) -> Result<Json<ExplanationDto>, ApiError> {
    let as_of = super::as_of(&state.store, q.as_of.as_deref())?;
    let x = state.store.explain_eligibility(&actor, id, person, as_of).await?;
    Ok(Json(explanation_dto(person, x)))
}

/// An explanation as the API gives it (an application's file gives it too).
pub(crate) fn explanation_dto(person: i64, x: tavana_store::programs::Explanation) -> ExplanationDto {
    let json = |v: &Value| match v {
        Value::Int(n) => serde_json::json!(n),
        Value::Str(s) => serde_json::json!(s),
        Value::Bool(b) => serde_json::json!(b),
        Value::Null | Value::List(_) => serde_json::Value::Null,
    };
    ExplanationDto {
        person,
        person_name: x.person_name,
        as_of: x.as_of,
        outcome: x.outcome.code().into(),
        outcome_fa: x.outcome.label_fa().into(),
        amount_rials: x.amount,
        missing: x.missing,
        clauses: x
            .clauses
            .into_iter()
            .map(|c| ClauseDto {
                text: c.text,
                text_fa: c.text_fa,
                holds: c.holds,
                inputs: serde_json::Value::Object(c.inputs.iter().map(|(n, v)| (n.clone(), json(v))).collect()),
            })
            .collect(),
    }
}

/// A decision on an enrollment.
#[derive(Deserialize, ToSchema)]
pub struct DecisionDto {
    /// enrolled, paused, exited, not_eligible or duplicate, as the current state allows.
    pub to: String,
    pub reasons: String,
    #[serde(default)]
    pub legal_basis: String,
    /// Why a beneficiary exits (work, empowerment, death, other): required when
    /// an enrollment in force or paused moves to exited, refused otherwise.
    #[serde(default)]
    pub exit_reason: Option<String>,
}

/// An enrollment's state after a decision.
#[derive(Serialize, ToSchema)]
pub struct EnrollmentDto {
    pub id: i64,
    pub program_id: i64,
    pub person_id: i64,
    pub state: String,
    pub amount_rials: Option<i64>,
}

/// Moves a person's enrollment to another state, with a decision record.
#[utoipa::path(post, path = "/api/v1/programs/{id}/enrollments/{person}", tag = "programs", request_body = DecisionDto,
    params(("id" = i64, Path, description = "Program id"), ("person" = i64, Path, description = "Person id")),
    responses((status = 200, body = EnrollmentDto), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath((id, person)): ApiPath<(i64, i64)>,
    body: Result<Json<DecisionDto>, JsonRejection>,
) -> Result<Json<EnrollmentDto>, ApiError> {
    use tavana_domain::coded::Coded;
    let Json(d) = body.map_err(bad_body)?;
    let to = tavana_domain::programs::EnrollmentState::from_code(&d.to).ok_or_else(|| {
        invalid_fields(&[tavana_domain::DomainError::new("to", tavana_domain::error::Reason::NotInList)])
    })?;
    let exit_reason = d
        .exit_reason
        .as_deref()
        .map(|code| {
            tavana_domain::programs::ExitReason::from_code(code).ok_or_else(|| {
                invalid_fields(&[tavana_domain::DomainError::new(
                    "exit_reason",
                    tavana_domain::error::Reason::NotInList,
                )])
            })
        })
        .transpose()?;
    let decision = tavana_store::programs::EnrollmentDecision {
        to,
        reasons: &d.reasons,
        legal_basis: &d.legal_basis,
        exit_reason,
    };
    let e = state.store.decide_enrollment(&actor, id, person, &decision).await?;
    Ok(Json(EnrollmentDto {
        id: e.id,
        program_id: e.program_id,
        person_id: e.person_id,
        state: e.state.code().into(),
        amount_rials: e.amount_rials,
    }))
}

/// A province's monthly budget for a program.
#[derive(Deserialize, ToSchema)]
pub struct BudgetDto {
    /// The province's code (`08`).
    pub province: String,
    /// Rials a month; Persian digits and separators are read.
    pub budget_month: String,
}

/// A program's budgets per province, with what each has spent and how many wait.
#[utoipa::path(get, path = "/api/v1/programs/{id}/budgets", tag = "programs",
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = [ProvinceBudget]), (status = 404, body = ProblemBody)))]
pub async fn budgets(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ProvinceBudget>>, ApiError> {
    Ok(Json(state.store.province_budgets(&actor, id).await?))
}

/// Sets a program's monthly budget in a province (program officers at HQ);
/// confirmation beyond it records the eligible as waiting.
#[utoipa::path(put, path = "/api/v1/programs/{id}/budgets", tag = "programs", request_body = BudgetDto,
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = [ProvinceBudget]), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn set_budget(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<BudgetDto>, JsonRejection>,
) -> Result<Json<Vec<ProvinceBudget>>, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    let amount = tavana_domain::Rials::parse("budget_month", &b.budget_month).map_err(|e| invalid_fields(&[e]))?;
    state.store.set_province_budget(&actor, id, &b.province, amount).await?;
    Ok(Json(state.store.province_budgets(&actor, id).await?))
}

/// A program's earlier definitions, newest first.
#[utoipa::path(get, path = "/api/v1/programs/{id}/history", tag = "programs",
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = [VersionDto]), (status = 404, body = ProblemBody)))]
pub async fn history(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<VersionDto>>, ApiError> {
    Ok(Json(state.store.program_history(&actor, id).await?.into_iter().map(Into::into).collect()))
}

/// A new definition for a program in force, from the first day of a month.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ChangeProposalDto {
    #[serde(flatten)]
    #[schema(inline)]
    pub program: RawProgram,
    /// The program's version the change is proposed against.
    pub version: i64,
    /// The first day of a month, Jalali (`1405/10/01`).
    pub effective_from: String,
    pub reason: String,
}

/// A program's proposed, approved, rejected and applied changes, newest first.
#[utoipa::path(get, path = "/api/v1/programs/{id}/changes", tag = "programs",
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 200, body = [ProgramChange]), (status = 404, body = ProblemBody)))]
pub async fn changes(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ProgramChange>>, ApiError> {
    Ok(Json(state.store.program_changes(&actor, id).await?))
}

/// Proposes a change to a program in force (program officers at HQ); it applies
/// from its month once a second officer approves it.
#[utoipa::path(post, path = "/api/v1/programs/{id}/changes", tag = "programs", request_body = ChangeProposalDto,
    params(("id" = i64, Path, description = "Program id")),
    responses((status = 201, body = ProgramChange), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn propose_change(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<ChangeProposalDto>, JsonRejection>,
) -> Result<(StatusCode, Json<ProgramChange>), ApiError> {
    may(&actor, MANAGE)?;
    let Json(b) = body.map_err(bad_body)?;
    let mut errors = Vec::new();
    let fields = ProgramFields::parse(&b.program).map_err(|e| errors.extend(e)).ok();
    let from = tavana_domain::jalali::JalaliDate::parse(&b.effective_from)
        .map_err(|e| errors.push(tavana_domain::DomainError::new("effective_from", e.reason)))
        .ok();
    let (Some(fields), Some(from)) = (fields, from) else { return Err(invalid_fields(&errors)) };
    let change = state.store.propose_program_change(&actor, id, &fields, b.version, from, &b.reason).await?;
    Ok((StatusCode::CREATED, Json(change)))
}

/// A second officer's decision on a proposed change.
#[derive(Deserialize, ToSchema)]
pub struct ChangeDecisionDto {
    pub approve: bool,
    pub reason: String,
}

/// Approves or rejects a proposed change (not by its proposer); an approved change
/// whose month has begun applies at once.
#[utoipa::path(post, path = "/api/v1/programs/{id}/changes/{change}/decision", tag = "programs",
    request_body = ChangeDecisionDto,
    params(("id" = i64, Path, description = "Program id"), ("change" = i64, Path, description = "Change id")),
    responses((status = 200, body = ProgramChange), (status = 403, body = ProblemBody), (status = 409, body = ProblemBody)))]
pub async fn decide_change(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath((id, change)): ApiPath<(i64, i64)>,
    body: Result<Json<ChangeDecisionDto>, JsonRejection>,
) -> Result<Json<ProgramChange>, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    let found = state.store.program_change(&actor, change).await?;
    if found.program_id != id {
        return Err(tavana_store::StoreError::NotFound.into());
    }
    Ok(Json(state.store.decide_program_change(&actor, change, b.approve, &b.reason).await?))
}

/// Filters of a program's enrollment list, a page at a time.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct EnrollmentParams {
    /// draft (waiting for budget), enrolled, paused, exited, not_eligible or duplicate.
    pub state: Option<String>,
    /// A province's code (`08`) or a county's (`08-01`).
    pub place: Option<String>,
    /// The last enrollment id of the previous page.
    pub after: Option<i64>,
    /// At most this many (up to 1,000; 100 by default).
    pub limit: Option<i64>,
}

/// A program's enrollments in the caller's subtree, filtered, by id.
#[utoipa::path(get, path = "/api/v1/programs/{id}/enrollments", tag = "programs",
    params(("id" = i64, Path, description = "Program id"), EnrollmentParams),
    responses((status = 200, body = [EnrollmentRow]), (status = 404, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn list_enrollments(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<EnrollmentParams>,
) -> Result<Json<Vec<EnrollmentRow>>, ApiError> {
    let state_filter = match q.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(code) => {
            Some(tavana_domain::programs::EnrollmentState::parse("state", code).map_err(|e| invalid_fields(&[e]))?)
        }
    };
    let filter = EnrollmentFilter { state: state_filter, place: q.place };
    let limit = q.limit.unwrap_or(100).clamp(1, 1_000);
    Ok(Json(state.store.program_enrollments(&actor, id, &filter, q.after.unwrap_or(0), limit).await?))
}

/// The decisions on a person's enrollments in every program, newest first, with
/// the program version, values and amount each rested on.
#[utoipa::path(get, path = "/api/v1/persons/{id}/decisions", tag = "programs",
    params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, body = [DecisionRow]), (status = 404, body = ProblemBody)))]
pub async fn person_decisions(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<DecisionRow>>, ApiError> {
    Ok(Json(state.store.person_decisions(&actor, id).await?))
}
