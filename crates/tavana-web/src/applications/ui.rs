//! Applications' pages: the worklist; taking an application for a person; an
//! application's file (checklist and documents, the rule explained, history)
//! with the steps the user's roles allow; a program's waiting list per province
//! and county office with allocation and the program's intake; the queue of one
//! county office.

use crate::AppState;
use crate::auth::SessionUser;
use crate::error::Problem;
use crate::i18n::Lang;
use crate::page::{InLang, Layout, PageError, assignee, refusal, refusals, render, state_change};
use crate::programs::ui::{ClauseRow, clause_rows};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;
use tavana_domain::applications::{ApplicationAction, ApplicationState, DocumentKind, PriorityWeights, RawPriority};
use tavana_domain::iam::{Action, Module};
use tavana_domain::programs::ProgramStatus;
use tavana_store::StoreError;
use tavana_store::applications::{Application, ApplicationFilter, Intake};

fn texts(lang: Lang) -> &'static super::texts::Texts {
    super::texts::texts(lang)
}

fn csrf_checked(lang: Lang, user: &SessionUser, csrf: &str) -> Result<(), PageError> {
    if user.check_csrf(csrf) { Ok(()) } else { Err(PageError(lang, Problem::csrf())) }
}

/// An application as a row of a list.
pub struct ApplicationRow {
    pub id: i64,
    pub person_id: i64,
    pub person: String,
    pub program: String,
    pub state: String,
    pub state_code: &'static str,
    pub assigned: String,
    pub submitted: String,
}

fn row(lang: Lang, a: &Application) -> ApplicationRow {
    ApplicationRow {
        id: a.id,
        person_id: a.person_id,
        person: format!("{} {} ({})", a.first_name, a.last_name, lang.digits(&a.national_code)),
        program: a.program_name_fa.clone(),
        state: lang.coded(a.state),
        state_code: a.state.code(),
        assigned: a.assigned_name.clone().unwrap_or_default(),
        submitted: format!("{} · {}", a.submitted_by_name, lang.instant(a.submitted_at)),
    }
}

#[derive(Template)]
#[template(path = "applications.html")]
struct ListPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    rows: Vec<ApplicationRow>,
    states: Vec<(&'static str, String, bool)>,
    mine: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    mine: String,
}

pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let wanted = match q.state.as_str() {
        "" => None,
        s => Some(ApplicationState::parse("state", s).map_err(|e| PageError(lang, StoreError::Invalid(e).into()))?),
    };
    let filter = ApplicationFilter { state: wanted, mine: q.mine == "on", ..Default::default() };
    let apps = state.store.applications(&user.actor, &filter, 500).await.in_lang(lang)?;
    let t = texts(lang);
    let page = ListPage {
        t,
        layout: Layout::new(lang, &user, t.applications, Some(Module::Programs), "/applications"),
        rows: apps.iter().map(|a| row(lang, a)).collect(),
        states: ApplicationState::ALL.iter().map(|s| (s.code(), lang.coded(*s), Some(*s) == wanted)).collect(),
        mine: filter.mine,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "application_new.html")]
struct NewPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    person_id: i64,
    person: String,
    programs: Vec<(i64, String)>,
    note: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NewQuery {
    person: i64,
}

async fn new_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    person_id: i64,
    note: String,
    error: Option<String>,
) -> Result<Response, PageError> {
    let person = state.store.person(&user.actor, person_id).await.in_lang(lang)?;
    let programs = state
        .store
        .programs(&user.actor)
        .await
        .in_lang(lang)?
        .into_iter()
        .filter(|p| p.status == ProgramStatus::Active)
        .map(|p| (p.id, if lang == Lang::Fa { p.name_fa } else { p.name_en }))
        .collect();
    let t = texts(lang);
    let page = NewPage {
        t,
        layout: Layout::new(lang, user, t.new_application, Some(Module::Programs), "/applications/new"),
        person_id,
        person: format!(
            "{} {} ({})",
            person.values.first_name,
            person.values.last_name,
            lang.digits(&person.values.national_code)
        ),
        programs,
        note,
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
    new_page(&state, lang, &user, q.person, String::new(), None).await
}

#[derive(Deserialize)]
pub struct CreateForm {
    csrf: String,
    person: i64,
    #[serde(default)]
    program: String,
    #[serde(default)]
    note: String,
}

pub async fn create(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(form): Form<CreateForm>,
) -> Result<Response, PageError> {
    csrf_checked(lang, &user, &form.csrf)?;
    let taken = match form.program.trim().parse::<i64>() {
        Ok(program) => state.store.submit_application(&user.actor, program, form.person, &form.note).await,
        Err(_) => {
            Err(StoreError::Invalid(tavana_domain::DomainError::new("program", tavana_domain::error::Reason::Empty)))
        }
    };
    match taken {
        Ok(id) => Ok(Redirect::to(&format!("/applications/{id}")).into_response()),
        Err(e) => new_page(&state, lang, &user, form.person, form.note, Some(refusal(lang, e)?)).await,
    }
}

/// A document as shown.
pub struct DocumentRow {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub media_type: &'static str,
    pub size: String,
    pub sha256: String,
    pub uploaded: String,
}

/// A move in the history as shown.
pub struct EventRow {
    pub change: String,
    pub note: String,
    pub by: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "application.html")]
struct FilePage {
    t: &'static super::texts::Texts,
    layout: Layout,
    app: ApplicationRow,
    version: i64,
    decision_id: Option<i64>,
    checklist: Vec<(String, bool)>,
    documents: Vec<DocumentRow>,
    kinds: Vec<(&'static str, String)>,
    verdict: String,
    eligible: bool,
    clauses: Vec<ClauseRow>,
    events: Vec<EventRow>,
    may_take: bool,
    may_decide: bool,
    may_withdraw: bool,
    open: bool,
    /// The user's own username, assigning to themselves by default.
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
    let file = state.store.application(&user.actor, id).await.in_lang(lang)?;
    let t = texts(lang);
    let a = &file.application;
    let events = file
        .events
        .iter()
        .map(|e| EventRow {
            change: state_change::<ApplicationState>(lang, e.from_state.as_deref(), &e.to_state),
            note: e.note.clone().unwrap_or_default(),
            by: e.by_name.clone(),
            when: lang.instant(e.at),
        })
        .collect();
    let documents = file
        .documents
        .iter()
        .map(|d| DocumentRow {
            id: d.id,
            kind: lang.coded(d.kind),
            file_name: d.file_name.clone(),
            media_type: d.media_type.code(),
            size: lang.number(d.size_bytes),
            sha256: d.sha256.clone(),
            uploaded: format!("{} · {}", d.uploaded_by_name, lang.instant(d.uploaded_at)),
        })
        .collect();
    let may = |action| user.actor.may(Action::Applications(action));
    let outcome = file.explanation.outcome;
    let page = FilePage {
        t,
        layout: Layout::new(
            lang,
            user,
            &format!("{} {}", t.application, lang.digits(&id.to_string())),
            Some(Module::Programs),
            &format!("/applications/{id}"),
        ),
        app: row(lang, a),
        version: a.version,
        decision_id: a.decision_id,
        checklist: file.checklist.iter().map(|(k, has)| (lang.coded(*k), *has)).collect(),
        documents,
        kinds: DocumentKind::ALL.iter().map(|k| (k.code(), lang.coded(*k))).collect(),
        verdict: lang.coded(outcome),
        eligible: outcome == tavana_domain::programs::Outcome::Eligible,
        clauses: clause_rows(lang, &file.explanation.clauses),
        events,
        may_take: may(ApplicationAction::Take),
        may_decide: may(ApplicationAction::Decide) && a.state.may_become(ApplicationState::Approved),
        may_withdraw: may(ApplicationAction::Take) && a.state.may_become(ApplicationState::Withdrawn),
        open: a.state.is_open(),
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

/// A document attached from the page, with the form's CSRF token.
pub async fn upload(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<Response, PageError> {
    let upload = crate::page::Upload::read(lang, form).await?;
    csrf_checked(lang, &user, upload.text("csrf"))?;
    let attached = match DocumentKind::parse("kind", upload.text("kind")) {
        Ok(kind) => {
            state.store.attach_document(&user.actor, id, kind, &upload.file_name, &upload.bytes).await.map(|_| ())
        }
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match attached {
        Ok(()) => Ok(Redirect::to(&format!("/applications/{id}")).into_response()),
        Err(e) => file_page(&state, lang, &user, id, Some(refusal(lang, e)?)).await,
    }
}

/// A document's content (a logged read), as the type found when it was attached.
pub async fn document(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path((id, doc)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let (meta, content) = state.store.application_document(&user.actor, id, doc).await.in_lang(lang)?;
    Ok(document_response(&meta, content))
}

/// A document's response: its type, its name for saving, its hash (shared with the API).
pub(crate) fn document_response(meta: &tavana_store::applications::ApplicationDocument, content: Vec<u8>) -> Response {
    crate::page::file_response(
        &meta.file_name,
        &format!("document-{}", meta.id),
        meta.media_type.code(),
        &meta.sha256,
        content,
    )
}

#[derive(Deserialize)]
pub struct StepForm {
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    username: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    reason: String,
}

/// A step on an application from its page: assign, note, decide or withdraw.
pub async fn step(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path((id, step)): Path<(i64, String)>,
    Form(form): Form<StepForm>,
) -> Result<Response, PageError> {
    csrf_checked(lang, &user, &form.csrf)?;
    let store = &state.store;
    let actor = &user.actor;
    let done = match step.as_str() {
        "assign" => match assignee(store, &form.username).await {
            Ok(to) => store.assign_application(actor, id, to, form.version).await,
            Err(e) => Err(e),
        },
        "note" => store.note_application(actor, id, &form.note).await,
        "decide" if form.decision == "reject" => {
            store.reject_application(actor, id, form.version, &form.reasons, &form.legal_basis).await.map(|_| ())
        }
        "decide" => {
            store.approve_application(actor, id, form.version, &form.reasons, &form.legal_basis).await.map(|_| ())
        }
        "withdraw" => store.withdraw_application(actor, id, form.version, &form.reason).await,
        _ => return Err(PageError(lang, Problem::not_found())),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/applications/{id}")).into_response()),
        Err(e) => file_page(&state, lang, &user, id, Some(refusal(lang, e)?)).await,
    }
}

/// A province's or county office's waiting as shown.
pub struct WaitView {
    pub id: i64,
    pub name: String,
    pub waiting: String,
    pub median: String,
    pub longest: String,
    pub needed: String,
    pub budget: String,
    pub spent: String,
    pub shortfall: String,
}

#[derive(Template)]
#[template(path = "waiting.html")]
struct WaitingPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    program_id: i64,
    program: String,
    total: String,
    provinces: Vec<WaitView>,
    counties: Vec<WaitView>,
    may_allocate: bool,
    may_set_intake: bool,
    documents: Vec<(&'static str, String, bool)>,
    weights: RawPriority,
    notice: Option<String>,
    error: Option<String>,
}

/// What the waiting page says after a step.
#[derive(Default)]
struct Said {
    notice: Option<String>,
    error: Option<String>,
    weights: Option<RawPriority>,
}

async fn waiting_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    program_id: i64,
    said: Said,
) -> Result<Response, PageError> {
    let program = state.store.program(&user.actor, program_id).await.in_lang(lang)?;
    let list = state.store.waiting_list(&user.actor, program_id).await.in_lang(lang)?;
    let intake = state.store.intake(&user.actor, program_id).await.in_lang(lang)?;
    let t = texts(lang);
    let view = |w: &tavana_store::applications::WaitRow| WaitView {
        id: w.id,
        name: format!("{} ({})", w.name_fa, lang.digits(&w.code)),
        waiting: lang.number(w.waiting),
        median: lang.number(w.median_days),
        longest: lang.number(w.longest_days),
        needed: lang.number(w.needed_month),
        budget: String::new(),
        spent: String::new(),
        shortfall: String::new(),
    };
    let provinces = list
        .provinces
        .iter()
        .zip(&list.budgets)
        .map(|(w, (budget, spent))| WaitView {
            budget: budget.map_or_else(|| t.no_budget.to_string(), |b| lang.number(b)),
            spent: lang.number(*spent),
            shortfall: budget.map_or_else(String::new, |b| lang.number((spent + w.needed_month - b).max(0))),
            ..view(w)
        })
        .collect();
    let may = user.actor.may(Action::Applications(ApplicationAction::Decide));
    let status = if said.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = WaitingPage {
        t,
        layout: Layout::new(
            lang,
            user,
            t.waiting_list,
            Some(Module::Programs),
            &format!("/programs/{program_id}/waiting"),
        ),
        program_id,
        program: if lang == Lang::Fa { program.name_fa } else { program.name_en },
        total: lang.number(list.total()),
        provinces,
        counties: list.counties.iter().map(view).collect(),
        may_allocate: may,
        may_set_intake: may && user.actor.unit_path.is_root(),
        documents: DocumentKind::ALL.iter().map(|k| (k.code(), lang.coded(*k), intake.documents.contains(k))).collect(),
        weights: said.weights.unwrap_or_else(|| intake.weights.raw()),
        notice: said.notice,
        error: said.error,
    };
    Ok(render(status, &page))
}

pub async fn waiting(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(program): Path<i64>,
) -> Result<Response, PageError> {
    waiting_page(&state, lang, &user, program, Said::default()).await
}

#[derive(Deserialize)]
pub struct AllocateForm {
    csrf: String,
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    legal_basis: String,
}

pub async fn allocate(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(program): Path<i64>,
    Form(form): Form<AllocateForm>,
) -> Result<Response, PageError> {
    csrf_checked(lang, &user, &form.csrf)?;
    let t = texts(lang);
    let said = match state.store.allocate(&user.actor, program, &form.reasons, &form.legal_basis).await {
        Ok(done) => Said {
            notice: Some(format!(
                "{}: {} — {}: {}",
                t.allocated,
                lang.number(done.enrolled as i64),
                t.still_waiting,
                lang.number(done.refused.len() as i64)
            )),
            ..Said::default()
        },
        Err(e) => Said { error: Some(refusal(lang, e)?), ..Said::default() },
    };
    waiting_page(&state, lang, &user, program, said).await
}

/// The intake form: a checkbox per document kind (`doc_<code>`) and the weights.
pub async fn save_intake(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(program): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    csrf_checked(lang, &user, form.get("csrf").map(String::as_str).unwrap_or_default())?;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let raw = RawPriority {
        severity: get("severity"),
        household_size: get("household_size"),
        poverty: get("poverty"),
        female_headed: get("female_headed"),
        elderly: get("elderly"),
    };
    let documents: Vec<DocumentKind> =
        DocumentKind::ALL.iter().copied().filter(|k| form.contains_key(&format!("doc_{}", k.code()))).collect();
    let said = match PriorityWeights::parse(&raw) {
        Ok(weights) => match state.store.set_intake(&user.actor, program, &Intake { documents, weights }).await {
            Ok(()) => Said { notice: Some(texts(lang).saved.to_string()), ..Said::default() },
            Err(e) => Said { error: Some(refusal(lang, e)?), weights: Some(raw), ..Said::default() },
        },
        Err(errors) => Said { error: Some(refusals(lang, errors)?), weights: Some(raw), ..Said::default() },
    };
    waiting_page(&state, lang, &user, program, said).await
}

/// One waiting person as shown.
pub struct QueueRow {
    pub rank: String,
    pub person_id: i64,
    pub person: String,
    pub priority: String,
    pub days: String,
    pub amount: String,
    pub application_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "waiting_queue.html")]
struct QueuePage {
    t: &'static super::texts::Texts,
    layout: Layout,
    program_id: i64,
    program: String,
    county: String,
    rows: Vec<QueueRow>,
}

pub async fn queue(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path((program_id, unit)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let program = state.store.program(&user.actor, program_id).await.in_lang(lang)?;
    let county = state.store.org_unit(&user.actor, unit).await.in_lang(lang)?;
    let waiting = state.store.waiting_queue(&user.actor, program_id, unit).await.in_lang(lang)?;
    let t = texts(lang);
    let page = QueuePage {
        t,
        layout: Layout::new(
            lang,
            &user,
            t.queue,
            Some(Module::Programs),
            &format!("/programs/{program_id}/waiting/{unit}"),
        ),
        program_id,
        program: if lang == Lang::Fa { program.name_fa } else { program.name_en },
        county: county.name_fa,
        rows: waiting
            .iter()
            .enumerate()
            .map(|(i, w)| QueueRow {
                rank: lang.number(i as i64 + 1),
                person_id: w.person_id,
                person: format!("{} {} ({})", w.first_name, w.last_name, lang.digits(&w.national_code)),
                priority: lang.number(w.priority),
                days: lang.number(w.waiting_days),
                amount: w.amount_rials.map(|a| lang.number(a)).unwrap_or_default(),
                application_id: w.application_id,
            })
            .collect(),
    };
    Ok(render(StatusCode::OK, &page))
}
