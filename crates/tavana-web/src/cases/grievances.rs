//! Grievances' pages and API: the list (most urgent first), receiving one for a
//! person (from their page or a decision's letter), a grievance's file with
//! assignment and the reply.

use crate::AppState;
use crate::auth::{ApiCaller, SessionUser};
use crate::error::{ApiError, ApiPath, ApiQuery, Problem, ProblemBody, bad_body, invalid_fields};
use crate::i18n::Lang;
use crate::page::{InLang, Layout, PageError, assignee, refusal, refusals, render, state_change};
use askama::Template;
use axum::Form;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tavana_domain::cases::grievances::{
    GrievanceCategory, GrievanceChannel, GrievanceFields, GrievanceState, RawGrievance,
};
use tavana_domain::iam::Module;
use tavana_store::StoreError;
use tavana_store::cases::grievances::{Grievance, GrievanceFile, GrievanceFilter};
use utoipa::{IntoParams, ToSchema};

fn texts(lang: Lang) -> &'static super::texts::Texts {
    super::texts::texts(lang)
}

/// A grievance as a row of the list.
pub struct GrievanceRow {
    pub id: i64,
    pub person: String,
    pub category: String,
    pub subject: String,
    pub state: String,
    pub state_code: &'static str,
    pub due_on: String,
    pub overdue: bool,
    pub unit: String,
    pub assigned: String,
}

fn row(lang: Lang, g: &Grievance, today: time::Date) -> GrievanceRow {
    GrievanceRow {
        id: g.id,
        person: format!("{} {} ({})", g.first_name, g.last_name, lang.digits(&g.national_code)),
        category: lang.coded(g.category),
        subject: g.subject.clone(),
        state: lang.coded(g.state),
        state_code: g.state.code(),
        due_on: lang.date(&g.due_on),
        overdue: g.overdue(today),
        unit: g.unit_name.clone(),
        assigned: g.assigned_name.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "grievances.html")]
struct ListPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    rows: Vec<GrievanceRow>,
    states: Vec<(&'static str, String, bool)>,
    mine: bool,
    overdue: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    mine: String,
    #[serde(default)]
    overdue: String,
}

pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let wanted = match q.state.as_str() {
        "" => None,
        s => Some(GrievanceState::parse("state", s).map_err(|e| PageError(lang, StoreError::Invalid(e).into()))?),
    };
    let filter = GrievanceFilter { state: wanted, mine: q.mine == "on", overdue: q.overdue == "on" };
    let rows = state.store.grievances(&user.actor, filter, 500).await.in_lang(lang)?;
    let today = state.store.today();
    let t = texts(lang);
    let page = ListPage {
        t,
        layout: Layout::new(lang, &user, t.grievances, Some(Module::Cases), "/cases/grievances"),
        rows: rows.iter().map(|g| row(lang, g, today)).collect(),
        states: GrievanceState::ALL.iter().map(|s| (s.code(), lang.coded(*s), Some(*s) == wanted)).collect(),
        mine: filter.mine,
        overdue: filter.overdue,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "grievance_new.html")]
struct NewPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    person_id: i64,
    person: String,
    national_code: String,
    decision: Option<i64>,
    channels: Vec<(&'static str, String)>,
    categories: Vec<(&'static str, String, i64)>,
    raw: RawGrievance,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NewQuery {
    person: i64,
    #[serde(default)]
    decision: Option<i64>,
}

async fn new_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    (person_id, decision): (i64, Option<i64>),
    raw: RawGrievance,
    error: Option<String>,
) -> Result<Response, PageError> {
    let person = state.store.person(&user.actor, person_id).await.in_lang(lang)?;
    let t = texts(lang);
    let page = NewPage {
        t,
        layout: Layout::new(lang, user, t.new_grievance, Some(Module::Cases), "/cases/grievances/new"),
        person_id,
        person: format!("{} {}", person.values.first_name, person.values.last_name),
        national_code: person.values.national_code.clone(),
        decision,
        channels: GrievanceChannel::ALL.iter().map(|c| (c.code(), lang.coded(*c))).collect(),
        categories: GrievanceCategory::ALL.iter().map(|c| (c.code(), lang.coded(*c), c.sla_days())).collect(),
        raw,
        error: error.clone(),
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(status, &page))
}

pub async fn new_form(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    new_page(&state, lang, &user, (q.person, q.decision), RawGrievance::default(), None).await
}

#[derive(Deserialize)]
pub struct CreateForm {
    csrf: String,
    person: i64,
    #[serde(default)]
    decision: Option<i64>,
    #[serde(default)]
    national_code: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
}

pub async fn create(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(form): Form<CreateForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let raw = RawGrievance {
        national_code: form.national_code,
        channel: form.channel,
        category: form.category,
        subject: form.subject,
        body: form.body,
    };
    let error = match GrievanceFields::parse(&raw) {
        Ok(fields) => match state.store.lodge_grievance(&user.actor, &fields, form.decision).await {
            Ok(id) => return Ok(Redirect::to(&format!("/cases/grievances/{id}")).into_response()),
            Err(e) => refusal(lang, e)?,
        },
        Err(errors) => refusals(lang, errors)?,
    };
    new_page(&state, lang, &user, (form.person, form.decision), raw, Some(error)).await
}

/// A move in the history as shown.
pub struct EventRow {
    pub when: String,
    pub change: String,
    pub note: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "grievance.html")]
struct FilePage {
    t: &'static super::texts::Texts,
    layout: Layout,
    g: GrievanceRow,
    person_id: i64,
    channel: String,
    body: String,
    received: String,
    escalations: String,
    reply: String,
    version: i64,
    decision: Option<(i64, String)>,
    events: Vec<EventRow>,
    open: bool,
    me: String,
    error: Option<String>,
}

async fn file_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    id: i64,
    error: Option<String>,
) -> Result<Response, PageError> {
    let file = state.store.grievance(&user.actor, id).await.in_lang(lang)?;
    let t = texts(lang);
    let g = &file.grievance;
    let page = FilePage {
        t,
        layout: Layout::new(
            lang,
            user,
            &format!("{} {}", t.grievance, lang.digits(&id.to_string())),
            Some(Module::Cases),
            &format!("/cases/grievances/{id}"),
        ),
        g: row(lang, g, state.store.today()),
        person_id: g.person_id,
        channel: lang.coded(g.channel),
        body: g.body.clone(),
        received: format!("{} · {}", g.received_by_name, lang.instant(g.received_at)),
        escalations: lang.number(g.escalations),
        reply: g.reply.clone().unwrap_or_default(),
        version: g.version,
        decision: file.decision.as_ref().map(|d| (d.id, format!("{}: {}", d.program_name_fa, d.reasons))),
        events: file
            .events
            .iter()
            .map(|e| EventRow {
                when: lang.instant(e.at),
                change: state_change::<GrievanceState>(lang, e.from_state.as_deref(), &e.to_state),
                note: e.note.clone().unwrap_or_default(),
                by: e.by_name.clone().unwrap_or_else(|| t.system.to_string()),
            })
            .collect(),
        open: g.state.is_open(),
        me: user.actor.username.clone(),
        error: error.clone(),
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(status, &page))
}

pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    file_page(&state, lang, &user, id, None).await
}

#[derive(Deserialize)]
pub struct StepForm {
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    username: String,
    #[serde(default)]
    reply: String,
}

/// A step on a grievance from its page: assign or resolve.
pub async fn step(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path((id, step)): Path<(i64, String)>,
    Form(form): Form<StepForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let store = &state.store;
    let done = match step.as_str() {
        "assign" => match assignee(store, &form.username).await {
            Ok(to) => store.assign_grievance(&user.actor, id, to, form.version).await,
            Err(e) => Err(e),
        },
        "resolve" => store.resolve_grievance(&user.actor, id, &form.reply, form.version).await,
        _ => return Err(PageError(lang, Problem::not_found())),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/cases/grievances/{id}")).into_response()),
        Err(e) => file_page(&state, lang, &user, id, Some(refusal(lang, e)?)).await,
    }
}

/// A grievance to receive: the person by national code, and optionally the
/// decision about them it concerns.
#[derive(Deserialize, ToSchema)]
pub struct GrievanceBody {
    #[serde(flatten)]
    pub grievance: RawGrievance,
    #[serde(default)]
    pub decision: Option<i64>,
}

/// Receives a grievance at the person's county office (case workers, program
/// officers); every bad field is named.
#[utoipa::path(post, path = "/api/v1/cases/grievances", tag = "cases", request_body = GrievanceBody,
    responses((status = 201, body = GrievanceFile), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn api_lodge(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<GrievanceBody>, JsonRejection>,
) -> Result<(StatusCode, Json<GrievanceFile>), ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    let fields = GrievanceFields::parse(&b.grievance).map_err(|e| invalid_fields(&e))?;
    let id = state.store.lodge_grievance(&actor, &fields, b.decision).await?;
    Ok((StatusCode::CREATED, Json(state.store.grievance(&actor, id).await?)))
}

#[derive(Deserialize, IntoParams)]
pub struct GrievancesQuery {
    /// received, assigned, escalated or resolved.
    pub state: Option<String>,
    #[serde(default)]
    pub mine: bool,
    #[serde(default)]
    pub overdue: bool,
}

/// Grievances the caller may know of in their subtree, the most urgent first
/// (a logged read).
#[utoipa::path(get, path = "/api/v1/cases/grievances", tag = "cases", params(GrievancesQuery),
    responses((status = 200, body = [Grievance]), (status = 403, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn api_list(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiQuery(q): ApiQuery<GrievancesQuery>,
) -> Result<Json<Vec<Grievance>>, ApiError> {
    let wanted = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => Some(GrievanceState::parse("state", s).map_err(StoreError::Invalid)?),
    };
    let filter = GrievanceFilter { state: wanted, mine: q.mine, overdue: q.overdue };
    Ok(Json(state.store.grievances(&actor, filter, 1_000).await?))
}

/// A grievance's file: the grievance, its history and the decision it concerns
/// (a logged read; 404 to whoever does not need to know it).
#[utoipa::path(get, path = "/api/v1/cases/grievances/{id}", tag = "cases",
    params(("id" = i64, Path, description = "Grievance id")),
    responses((status = 200, body = GrievanceFile), (status = 404, body = ProblemBody)))]
pub async fn api_show(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<GrievanceFile>, ApiError> {
    Ok(Json(state.store.grievance(&actor, id).await?))
}

/// An assignment.
#[derive(Deserialize, ToSchema)]
pub struct AssignBody {
    pub user: i64,
    pub version: i64,
}

/// Assigns a grievance to someone who handles grievances where it is.
#[utoipa::path(post, path = "/api/v1/cases/grievances/{id}/assignment", tag = "cases", request_body = AssignBody,
    params(("id" = i64, Path, description = "Grievance id")),
    responses((status = 200, body = GrievanceFile), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn api_assign(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<AssignBody>, JsonRejection>,
) -> Result<Json<GrievanceFile>, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    state.store.assign_grievance(&actor, id, b.user, b.version).await?;
    Ok(Json(state.store.grievance(&actor, id).await?))
}

/// A reply.
#[derive(Deserialize, ToSchema)]
pub struct ReplyBody {
    pub reply: String,
    pub version: i64,
}

/// Answers a grievance with a reply, which ends it.
#[utoipa::path(post, path = "/api/v1/cases/grievances/{id}/resolution", tag = "cases", request_body = ReplyBody,
    params(("id" = i64, Path, description = "Grievance id")),
    responses((status = 200, body = GrievanceFile), (status = 404, body = ProblemBody),
        (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn api_resolve(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<ReplyBody>, JsonRejection>,
) -> Result<Json<GrievanceFile>, ApiError> {
    let Json(b) = body.map_err(bad_body)?;
    state.store.resolve_grievance(&actor, id, &b.reply, b.version).await?;
    Ok(Json(state.store.grievance(&actor, id).await?))
}
