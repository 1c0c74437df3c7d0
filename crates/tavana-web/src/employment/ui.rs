//! The employment pages: exam rounds, a round (posts, candidates, scores, the
//! placement's steps, objections), a candidate (choices, result, objection and
//! its decision), agencies and their compliance, the CSR fund, and employment
//! records. Every form names each bad field and keeps what was typed.

use crate::AppState;
use crate::auth::SessionUser;
use crate::error::Problem;
use crate::i18n::Lang;
use crate::page::{InLang, Layout, PageError, refusal, refusals, render_form};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tavana_domain::DomainError;
use tavana_domain::coded::Coded;
use tavana_domain::employment::csr::{
    Declaration, FirmFields, Movement, ProjectFields, ProjectKind, RawDeclaration, RawFirm, RawMovement, RawProject,
};
use tavana_domain::employment::placement::{Applicant, Post, eligible};
use tavana_domain::employment::{
    AgencyFields, EmploymentAction, JobFields, JobRoute, ObjectionDecision, ObjectionState, PostFields, RawAgency,
    RawJob, RawObjection, RawObjectionDecision, RawPost, RawRound, RoundState, parse_preferences, score_text,
};
use tavana_domain::iam::{Action, Module};
use tavana_domain::registry::Education;
use tavana_store::StoreError;
use tavana_store::employment::{ExamRound, PlacementRun, ScoreImport};

type Texts = super::texts::Texts;

fn texts(lang: Lang) -> &'static Texts {
    super::texts::texts(lang)
}

const MANAGE: Action = Action::Employment(EmploymentAction::Manage);
const POST: Action = Action::Employment(EmploymentAction::Post);

/// Checks a form's CSRF token.
fn csrf(lang: Lang, user: &SessionUser, token: &str) -> Result<(), PageError> {
    if user.check_csrf(token) { Ok(()) } else { Err(PageError(lang, Problem::csrf())) }
}

/// A store's answer to a form: a redirect to `to`, or the refusal in words.
fn done<T>(lang: Lang, result: Result<T, StoreError>) -> Result<Result<T, String>, PageError> {
    match result {
        Ok(t) => Ok(Ok(t)),
        Err(e) => Ok(Err(refusal(lang, e)?)),
    }
}

fn parsed<T>(lang: Lang, result: Result<T, Vec<DomainError>>) -> Result<Result<T, String>, PageError> {
    match result {
        Ok(t) => Ok(Ok(t)),
        Err(e) => Ok(Err(refusals(lang, e)?)),
    }
}

fn score(lang: Lang, score: Option<i64>) -> String {
    score.map(|s| lang.digits(&score_text(s))).unwrap_or_else(|| "—".into())
}

fn money(lang: Lang, rials: i64) -> String {
    lang.number(rials)
}

fn codes<C: Coded>(lang: Lang) -> Vec<(&'static str, String)> {
    C::ALL.iter().map(|c| (c.code(), lang.coded(*c))).collect()
}

// ---------------------------------------------------------------- rounds

pub struct RoundRow {
    pub id: i64,
    pub title: String,
    pub state: String,
    pub candidates: String,
    pub seats: String,
    pub placed: String,
}

#[derive(Template)]
#[template(path = "employment.html")]
struct IndexPage {
    t: &'static Texts,
    layout: Layout,
    rounds: Vec<RoundRow>,
    may_manage: bool,
    /// Whether the reader may see candidates (finance opens the module for the fund only).
    may_read: bool,
    title: String,
    error: Option<String>,
}

async fn index_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    title: String,
    error: Option<String>,
) -> Result<Response, PageError> {
    let rounds = state.store.exam_rounds(&user.actor).await.in_lang(lang)?;
    let t = texts(lang);
    let page = IndexPage {
        t,
        layout: Layout::new(lang, user, t.employment, Some(Module::Employment), "/employment"),
        rounds: rounds
            .into_iter()
            .map(|r| RoundRow {
                id: r.id,
                title: r.title,
                state: lang.coded(r.state),
                candidates: lang.number(r.candidates),
                seats: lang.number(r.seats),
                placed: lang.number(r.placed),
            })
            .collect(),
        may_manage: user.actor.may(MANAGE),
        may_read: user.actor.may(Action::Employment(EmploymentAction::ReadCandidates)),
        title,
        error,
    };
    Ok(render_form(page.error.is_some(), &page))
}

pub async fn index(State(state): State<AppState>, lang: Lang, user: SessionUser) -> Result<Response, PageError> {
    index_page(&state, lang, &user, String::new(), None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RoundForm {
    csrf: String,
    title: String,
}

pub async fn create_round(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(form): Form<RoundForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &form.csrf)?;
    let made = match parsed(lang, RawRound { title: form.title.clone() }.parse())? {
        Ok(title) => done(lang, state.store.create_round(&user.actor, &title).await)?,
        Err(e) => Err(e),
    };
    match made {
        Ok(round) => Ok(Redirect::to(&format!("/employment/rounds/{}", round.id)).into_response()),
        Err(e) => index_page(&state, lang, &user, form.title, Some(e)).await,
    }
}

// ---------------------------------------------------------------- one round

pub struct PostRow {
    pub id: String,
    pub agency: String,
    pub agency_code: String,
    pub job_title: String,
    pub seats: String,
    pub education: String,
    pub kinds: String,
    pub filled: String,
}

pub struct CandidateRow {
    pub id: i64,
    pub name: String,
    pub national_code: String,
    pub unit: String,
    pub score: String,
    pub outcome: String,
    pub placed_at: String,
    pub choices: String,
}

pub struct ObjectionRow {
    pub candidate: i64,
    pub state: String,
    pub grounds: String,
    pub lodged_by: String,
}

/// What a score import or a placement did, shown above the round.
#[derive(Default)]
pub struct Done {
    pub applied: Option<String>,
    pub refused: Vec<(String, String, String)>,
    pub placed: Option<String>,
}

#[derive(Template)]
#[template(path = "employment_round.html")]
struct RoundPage {
    t: &'static Texts,
    layout: Layout,
    round: ExamRound,
    state: String,
    objection_until: String,
    posts: Vec<PostRow>,
    candidates: Vec<CandidateRow>,
    /// The agency whose results are listed, if one is.
    agency: Option<String>,
    objections: Vec<ObjectionRow>,
    may_manage: bool,
    /// Whether the reader runs the round (its unit or above): its posts, scores and steps.
    runs_round: bool,
    open: bool,
    step: Option<(&'static str, &'static str)>,
    education: Vec<(&'static str, String)>,
    raw_post: RawPost,
    national_code: String,
    done: Done,
    error: Option<String>,
}

#[derive(Default)]
struct RoundInput {
    /// Only the candidates placed in this agency (its results).
    agency: Option<String>,
    raw_post: RawPost,
    national_code: String,
    done: Done,
    error: Option<String>,
}

impl RoundInput {
    fn refused(error: String) -> Self {
        RoundInput { error: Some(error), ..RoundInput::default() }
    }
}

async fn round_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    id: i64,
    input: RoundInput,
) -> Result<Response, PageError> {
    let store = &state.store;
    let round = store.exam_round(&user.actor, id).await.in_lang(lang)?;
    let posts = store.exam_posts(&user.actor, id).await.in_lang(lang)?;
    let filter = tavana_store::employment::CandidateFilter { outcome: None, agency: input.agency.clone() };
    let candidates = store.exam_candidates(&user.actor, id, &filter, 1_000).await.in_lang(lang)?;
    let objections = store.exam_objections(&user.actor, id).await.in_lang(lang)?;
    let t = texts(lang);
    let step = match round.state {
        RoundState::Open => Some(("place", t.place)),
        RoundState::Placed => Some(("publish", t.publish)),
        RoundState::Published => Some(("close", t.close)),
        RoundState::Closed => None,
    };
    let page = RoundPage {
        t,
        layout: Layout::new(lang, user, &round.title, Some(Module::Employment), &format!("/employment/rounds/{id}")),
        state: lang.coded(round.state),
        objection_until: round.objection_until.as_deref().map(|d| lang.date(d)).unwrap_or_default(),
        posts: posts
            .iter()
            .map(|p| PostRow {
                id: lang.digits(&p.id.to_string()),
                agency: p.agency_name.clone(),
                agency_code: p.agency_code.clone(),
                job_title: p.job_title.clone(),
                seats: lang.number(p.seats),
                education: lang.coded(p.education),
                kinds: p.kind_list().into_iter().map(|k| lang.coded(k)).collect::<Vec<_>>().join("، "),
                filled: lang.number(p.filled),
            })
            .collect(),
        candidates: candidates
            .into_iter()
            .map(|c| CandidateRow {
                id: c.id,
                name: format!("{} {}", c.first_name, c.last_name),
                national_code: lang.digits(&c.national_code),
                unit: c.unit_name,
                score: score(lang, c.score),
                outcome: lang.coded(c.outcome),
                placed_at: match (c.placed_agency, c.placed_title) {
                    (Some(a), Some(t)) => format!("{a} — {t}"),
                    _ => String::new(),
                },
                choices: lang.number(c.preferences),
            })
            .collect(),
        objections: objections
            .into_iter()
            .map(|o| ObjectionRow {
                candidate: o.candidate_id,
                state: lang.coded(o.state),
                grounds: o.grounds,
                lodged_by: o.lodged_by_name,
            })
            .collect(),
        agency: input.agency.as_ref().map(|code| {
            posts.iter().find(|p| &p.agency_code == code).map_or_else(|| code.clone(), |p| p.agency_name.clone())
        }),
        may_manage: user.actor.may(MANAGE),
        runs_round: user.actor.may(MANAGE) && round.unit_path.starts_with(user.actor.unit_path.as_str()),
        open: round.state == RoundState::Open,
        step,
        education: codes::<Education>(lang),
        raw_post: input.raw_post,
        national_code: input.national_code,
        done: input.done,
        error: input.error,
        round,
    };
    Ok(render_form(page.error.is_some(), &page))
}

/// A round's page; `?agency=CODE` lists that agency's results.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RoundQuery {
    agency: String,
}

pub async fn round(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Query(q): Query<RoundQuery>,
) -> Result<Response, PageError> {
    let agency = Some(q.agency.trim().to_string()).filter(|a| !a.is_empty());
    round_page(&state, lang, &user, id, RoundInput { agency, ..RoundInput::default() }).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PostForm {
    csrf: String,
    #[serde(flatten)]
    raw: RawPost,
}

pub async fn add_post(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<PostForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &form.csrf)?;
    let added = match parsed(lang, PostFields::parse(&form.raw))? {
        Ok(post) => done(lang, state.store.add_exam_posts(&user.actor, id, &[post]).await)?.map(|_| ()),
        Err(e) => Err(e),
    };
    match added {
        Ok(()) => Ok(Redirect::to(&format!("/employment/rounds/{id}")).into_response()),
        Err(e) => {
            round_page(&state, lang, &user, id, RoundInput { raw_post: form.raw, ..RoundInput::refused(e) }).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegisterForm {
    csrf: String,
    national_code: String,
}

pub async fn register(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<RegisterForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &form.csrf)?;
    match done(lang, state.store.register_candidate(&user.actor, id, &form.national_code).await)? {
        Ok(c) => Ok(Redirect::to(&format!("/employment/candidates/{}", c.id)).into_response()),
        Err(e) => {
            round_page(
                &state,
                lang,
                &user,
                id,
                RoundInput { national_code: form.national_code, ..RoundInput::refused(e) },
            )
            .await
        }
    }
}

fn import_done(lang: Lang, report: ScoreImport) -> Done {
    Done {
        applied: Some(lang.number(report.applied as i64)),
        refused: crate::page::bad_rows(lang, report.refused),
        placed: None,
    }
}

pub async fn import_scores(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<Response, PageError> {
    let upload = crate::page::Upload::read(lang, form).await?;
    csrf(lang, &user, upload.text("csrf"))?;
    if upload.bytes.iter().all(u8::is_ascii_whitespace) {
        let e = refusal(lang, StoreError::Invalid(DomainError::new("file", tavana_domain::error::Reason::Empty)))?;
        return round_page(&state, lang, &user, id, RoundInput::refused(e)).await;
    }
    match done(lang, state.store.import_scores(&user.actor, id, &upload.bytes).await)? {
        Ok(report) => {
            let input = RoundInput { done: import_done(lang, report), ..RoundInput::default() };
            round_page(&state, lang, &user, id, input).await
        }
        Err(e) => round_page(&state, lang, &user, id, RoundInput::refused(e)).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StepForm {
    csrf: String,
    step: String,
    version: String,
}

fn placed_text(lang: Lang, t: &Texts, run: PlacementRun) -> String {
    format!(
        "{} {} {}، {} {}، {} {}، {} {}",
        t.placement_done,
        lang.number(run.placed),
        t.placed,
        lang.number(run.not_placed),
        t.not_placed,
        lang.number(run.no_score),
        t.no_score,
        lang.number(run.no_assessment),
        t.no_assessment
    )
}

/// The round's next step: place, publish or close.
pub async fn step(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<StepForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &form.csrf)?;
    let version: i64 = form.version.trim().parse().unwrap_or(-1);
    let store = &state.store;
    let result = match form.step.as_str() {
        "place" => done(lang, store.place_round(&user.actor, id).await)?.map(Some),
        "publish" => done(lang, store.publish_round(&user.actor, id, version).await)?.map(|_| None),
        "close" => done(lang, store.close_round(&user.actor, id, version).await)?.map(|_| None),
        _ => {
            Err(refusal(lang, StoreError::Invalid(DomainError::new("state", tavana_domain::error::Reason::NotInList)))?)
        }
    };
    match result {
        Ok(Some(run)) => {
            let done = Done { placed: Some(placed_text(lang, texts(lang), run)), ..Done::default() };
            round_page(&state, lang, &user, id, RoundInput { done, ..RoundInput::default() }).await
        }
        Ok(None) => Ok(Redirect::to(&format!("/employment/rounds/{id}")).into_response()),
        Err(e) => round_page(&state, lang, &user, id, RoundInput::refused(e)).await,
    }
}

// ---------------------------------------------------------------- a candidate

#[derive(Template)]
#[template(path = "employment_candidate.html")]
struct CandidatePage {
    t: &'static Texts,
    layout: Layout,
    id: i64,
    round_id: i64,
    round_title: String,
    name: String,
    national_code: String,
    education: String,
    kinds: String,
    score: String,
    outcome: String,
    placed_at: String,
    chosen: Vec<(String, String)>,
    /// The ten choice slots: (number, the posts the candidate suits with the one chosen marked).
    slots: Vec<(usize, Vec<Choice>)>,
    may_manage: bool,
    open: bool,
    may_object: bool,
    objection: Option<ObjectionView>,
    grounds: String,
    decision: RawObjectionDecision,
    outcomes: Vec<(&'static str, &'static str)>,
    error: Option<String>,
}

/// A post offered in a choice slot: its id, how it reads, and whether it is the one chosen.
type Choice = (i64, String, bool);

pub struct ObjectionView {
    pub id: i64,
    pub lodged: bool,
    pub state: String,
    pub grounds: String,
    pub lodged_by: String,
    pub reasons: String,
    pub legal_basis: String,
    pub corrected: String,
    pub decided_by: String,
    pub decided_on: String,
}

struct CandidateInput {
    chosen: Option<Vec<i64>>,
    grounds: String,
    decision: RawObjectionDecision,
    error: Option<String>,
}

impl CandidateInput {
    fn blank(error: Option<String>) -> Self {
        CandidateInput { chosen: None, grounds: String::new(), decision: RawObjectionDecision::default(), error }
    }
}

async fn candidate_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    id: i64,
    input: CandidateInput,
) -> Result<Response, PageError> {
    let file = state.store.candidate_file(&user.actor, id).await.in_lang(lang)?;
    let posts = state.store.exam_posts(&user.actor, file.round.id).await.in_lang(lang)?;
    let t = texts(lang);
    let c = &file.candidate;
    let applicant = Applicant {
        id,
        score: c.score.unwrap_or(0),
        severity: file.severity,
        education: file.education,
        kinds: file.kinds.clone(),
        preferences: Vec::new(),
    };
    let suits: Vec<(i64, String)> = posts
        .iter()
        .filter(|p| {
            let post = Post { id: p.id, seats: p.seats as u32, education: p.education, kinds: p.kind_list() };
            eligible(&applicant, &post)
        })
        .map(|p| (p.id, format!("{} — {} ({})", p.agency_name, p.job_title, lang.digits(&p.id.to_string()))))
        .collect();
    let chosen: Vec<i64> = input.chosen.unwrap_or_else(|| file.preferences.iter().map(|p| p.id).collect());
    let slots = (0..tavana_domain::employment::MAX_PREFERENCES)
        .map(|n| {
            let pick = chosen.get(n).copied();
            (n + 1, suits.iter().map(|(id, label)| (*id, label.clone(), Some(*id) == pick)).collect())
        })
        .collect();
    let objection = file.objection.as_ref().map(|o| ObjectionView {
        id: o.id,
        lodged: o.state == ObjectionState::Lodged,
        state: lang.coded(o.state),
        grounds: o.grounds.clone(),
        lodged_by: o.lodged_by_name.clone(),
        reasons: o.reasons.clone().unwrap_or_default(),
        legal_basis: o.legal_basis.clone().unwrap_or_default(),
        corrected: o.corrected_score.map(|s| score(lang, Some(s))).unwrap_or_default(),
        decided_by: o.decided_by_name.clone().unwrap_or_default(),
        decided_on: o.decided_on.as_deref().map(|d| lang.date(d)).unwrap_or_default(),
    });
    let name = format!("{} {}", c.first_name, c.last_name);
    let page = CandidatePage {
        t,
        layout: Layout::new(lang, user, &name, Some(Module::Employment), &format!("/employment/candidates/{id}")),
        id,
        round_id: file.round.id,
        round_title: file.round.title.clone(),
        national_code: lang.digits(&c.national_code),
        education: file.education.map(|e| lang.coded(e)).unwrap_or_default(),
        kinds: file.kinds.iter().map(|k| lang.coded(*k)).collect::<Vec<_>>().join("، "),
        score: score(lang, c.score),
        outcome: lang.coded(c.outcome),
        placed_at: match (&c.placed_agency, &c.placed_title) {
            (Some(a), Some(t)) => format!("{a} — {t}"),
            _ => String::new(),
        },
        chosen: file
            .preferences
            .iter()
            .enumerate()
            .map(|(n, p)| (lang.number(n as i64 + 1), format!("{} — {}", p.agency_name, p.job_title)))
            .collect(),
        slots,
        may_manage: user.actor.may(MANAGE),
        open: file.round.state == RoundState::Open,
        may_object: file.round.state == RoundState::Published && file.objection.is_none(),
        objection,
        grounds: input.grounds,
        decision: input.decision,
        outcomes: vec![("upheld", t.upheld), ("dismissed", t.dismissed)],
        error: input.error,
        name,
    };
    Ok(render_form(page.error.is_some(), &page))
}

pub async fn candidate(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    candidate_page(&state, lang, &user, id, CandidateInput::blank(None)).await
}

/// The ten choices as typed (each a post id, or empty).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PreferencesForm {
    csrf: String,
    p1: String,
    p2: String,
    p3: String,
    p4: String,
    p5: String,
    p6: String,
    p7: String,
    p8: String,
    p9: String,
    p10: String,
}

pub async fn preferences(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<PreferencesForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &form.csrf)?;
    let typed = [&form.p1, &form.p2, &form.p3, &form.p4, &form.p5, &form.p6, &form.p7, &form.p8, &form.p9, &form.p10]
        .map(|s| s.to_string())
        .to_vec();
    let kept: Vec<i64> = typed.iter().filter_map(|s| s.trim().parse().ok()).collect();
    let saved = match parse_preferences(&typed) {
        Ok(posts) => done(lang, state.store.set_preferences(&user.actor, id, &posts).await)?,
        Err(e) => Err(refusal(lang, StoreError::Invalid(e))?),
    };
    match saved {
        Ok(()) => Ok(Redirect::to(&format!("/employment/candidates/{id}")).into_response()),
        Err(e) => {
            candidate_page(
                &state,
                lang,
                &user,
                id,
                CandidateInput { chosen: Some(kept), ..CandidateInput::blank(Some(e)) },
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ObjectionForm {
    csrf: String,
    grounds: String,
}

pub async fn lodge(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<ObjectionForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &form.csrf)?;
    let lodged = match parsed(lang, RawObjection { grounds: form.grounds.clone() }.parse())? {
        Ok(grounds) => done(lang, state.store.lodge_objection(&user.actor, id, &grounds).await)?.map(|_| ()),
        Err(e) => Err(e),
    };
    match lodged {
        Ok(()) => Ok(Redirect::to(&format!("/employment/candidates/{id}")).into_response()),
        Err(e) => {
            candidate_page(
                &state,
                lang,
                &user,
                id,
                CandidateInput { grounds: form.grounds, ..CandidateInput::blank(Some(e)) },
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    csrf: String,
    candidate: String,
    outcome: String,
    reasons: String,
    legal_basis: String,
    score: String,
}

pub async fn decide(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &form.csrf)?;
    let candidate: i64 =
        form.candidate.trim().parse().map_err(|_| PageError(lang, Problem::from(StoreError::NotFound)))?;
    let raw = RawObjectionDecision {
        outcome: form.outcome,
        reasons: form.reasons,
        legal_basis: form.legal_basis,
        score: form.score,
    };
    let decided = match parsed(lang, ObjectionDecision::parse(&raw))? {
        Ok(d) => done(lang, state.store.decide_objection(&user.actor, id, &d).await)?.map(|_| ()),
        Err(e) => Err(e),
    };
    match decided {
        Ok(()) => Ok(Redirect::to(&format!("/employment/candidates/{candidate}")).into_response()),
        Err(e) => {
            candidate_page(
                &state,
                lang,
                &user,
                candidate,
                CandidateInput { decision: raw, ..CandidateInput::blank(Some(e)) },
            )
            .await
        }
    }
}

// ---------------------------------------------------------------- agencies

pub struct ComplianceRow {
    pub code: String,
    pub name: String,
    pub province: String,
    pub staff: String,
    pub required: String,
    pub hired: String,
    pub shortfall: String,
    pub short: bool,
}

#[derive(Template)]
#[template(path = "employment_agencies.html")]
struct AgenciesPage {
    t: &'static Texts,
    layout: Layout,
    rows: Vec<ComplianceRow>,
    summary: Vec<ComplianceRow>,
    may_manage: bool,
    raw: RawAgency,
    error: Option<String>,
}

async fn agencies_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    raw: RawAgency,
    error: Option<String>,
) -> Result<Response, PageError> {
    let rows = state.store.compliance(&user.actor).await.in_lang(lang)?;
    let summary = state.store.compliance_summary(&user.actor).await.in_lang(lang)?;
    let t = texts(lang);
    let row = |code: String, name: String, province: String, staff: i64, required: i64, hired: i64, shortfall: i64| {
        ComplianceRow {
            code,
            name,
            province,
            staff: lang.number(staff),
            required: lang.number(required),
            hired: lang.number(hired),
            shortfall: lang.number(shortfall),
            short: shortfall > 0,
        }
    };
    let page = AgenciesPage {
        t,
        layout: Layout::new(lang, user, t.agencies, Some(Module::Employment), "/employment/agencies"),
        rows: rows
            .into_iter()
            .map(|r| {
                row(r.code, r.name, r.province_name.unwrap_or_default(), r.staff, r.required, r.hired, r.shortfall)
            })
            .collect(),
        summary: summary
            .into_iter()
            .map(|s| {
                let name = match (s.province_id, s.province_name) {
                    (_, Some(name)) => name,
                    (None, None) => t.national.to_string(),
                    (Some(_), None) => String::new(),
                };
                row(lang.number(s.compliant), name, lang.number(s.agencies), s.staff, s.required, s.hired, s.shortfall)
            })
            .collect(),
        may_manage: user.actor.may(MANAGE),
        raw,
        error,
    };
    Ok(render_form(page.error.is_some(), &page))
}

pub async fn agencies(State(state): State<AppState>, lang: Lang, user: SessionUser) -> Result<Response, PageError> {
    agencies_page(&state, lang, &user, RawAgency::default(), None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AgencyForm {
    csrf: String,
    #[serde(flatten)]
    raw: RawAgency,
}

pub async fn create_agency(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(form): Form<AgencyForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &form.csrf)?;
    let made = match parsed(lang, AgencyFields::parse(&form.raw))? {
        Ok(a) => done(lang, state.store.create_agencies(&user.actor, &[a]).await)?.map(|_| ()),
        Err(e) => Err(e),
    };
    match made {
        Ok(()) => Ok(Redirect::to("/employment/agencies").into_response()),
        Err(e) => agencies_page(&state, lang, &user, form.raw, Some(e)).await,
    }
}

// ---------------------------------------------------------------- the CSR fund

pub struct FirmRow {
    pub id: i64,
    pub national_id: String,
    pub name: String,
    pub unit: String,
    pub due: String,
    pub received: String,
    pub balance: String,
}

pub struct ProjectRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub unit: String,
    pub budget: String,
    pub spent: String,
    pub left: String,
}

#[derive(Template)]
#[template(path = "employment_csr.html")]
struct CsrPage {
    t: &'static Texts,
    layout: Layout,
    fund: Vec<(&'static str, &'static str, String)>,
    firms: Vec<FirmRow>,
    projects: Vec<ProjectRow>,
    kinds: Vec<(&'static str, String)>,
    may_manage: bool,
    may_post: bool,
    error: Option<String>,
}

async fn csr_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    error: Option<String>,
) -> Result<Response, PageError> {
    let store = &state.store;
    let fund = store.csr_fund(&user.actor).await.in_lang(lang)?;
    let firms = store.firms(&user.actor).await.in_lang(lang)?;
    let projects = store.projects(&user.actor).await.in_lang(lang)?;
    let t = texts(lang);
    let page = CsrPage {
        t,
        layout: Layout::new(lang, user, t.csr, Some(Module::Employment), "/employment/csr"),
        fund: vec![
            ("fund-declared", t.declared, money(lang, fund.declared)),
            ("fund-receivable", t.receivable, money(lang, fund.receivable)),
            ("fund-received", t.received, money(lang, fund.received)),
            ("fund-spent", t.spent, money(lang, fund.spent)),
            ("fund-cash", t.cash, money(lang, fund.cash)),
        ],
        firms: firms
            .into_iter()
            .map(|f| FirmRow {
                id: f.id,
                national_id: lang.digits(&f.national_id),
                name: f.name,
                unit: f.unit_name,
                due: money(lang, f.due),
                received: money(lang, f.received),
                balance: money(lang, f.balance),
            })
            .collect(),
        projects: projects
            .into_iter()
            .map(|p| ProjectRow {
                id: p.id,
                kind: lang.coded(p.kind),
                title: p.title,
                unit: p.unit_name,
                budget: money(lang, p.budget),
                spent: money(lang, p.spent),
                left: money(lang, p.budget - p.spent),
            })
            .collect(),
        kinds: codes::<ProjectKind>(lang),
        may_manage: user.actor.may(MANAGE),
        may_post: user.actor.may(POST),
        error,
    };
    Ok(render_form(page.error.is_some(), &page))
}

pub async fn csr(State(state): State<AppState>, lang: Lang, user: SessionUser) -> Result<Response, PageError> {
    csr_page(&state, lang, &user, None).await
}

/// Every CSR form: the fields it uses, the rest empty.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrForm {
    csrf: String,
    firm: String,
    project: String,
    national_id: String,
    name: String,
    unit: String,
    year: String,
    profit: String,
    amount: String,
    on: String,
    memo: String,
    kind: String,
    title: String,
    budget: String,
}

fn picked(lang: Lang, field: &'static str, value: &str) -> Result<Result<i64, String>, PageError> {
    match value.trim().parse() {
        Ok(id) => Ok(Ok(id)),
        Err(_) => Ok(Err(refusal(
            lang,
            StoreError::Invalid(DomainError::new(field, tavana_domain::error::Reason::NotInList)),
        )?)),
    }
}

async fn csr_answer<T>(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    result: Result<T, String>,
) -> Result<Response, PageError> {
    match result {
        Ok(_) => Ok(Redirect::to("/employment/csr").into_response()),
        Err(e) => csr_page(state, lang, user, Some(e)).await,
    }
}

pub async fn create_firm(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(f): Form<CsrForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &f.csrf)?;
    let raw = RawFirm { national_id: f.national_id, name: f.name, unit: f.unit };
    let result = match parsed(lang, FirmFields::parse(&raw))? {
        Ok(fields) => done(lang, state.store.create_firm(&user.actor, &fields).await)?,
        Err(e) => Err(e),
    };
    csr_answer(&state, lang, &user, result).await
}

pub async fn declare(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(f): Form<CsrForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &f.csrf)?;
    let raw = RawDeclaration { year: f.year, profit: f.profit };
    let result = match (picked(lang, "firm", &f.firm)?, parsed(lang, Declaration::parse(&raw))?) {
        (Ok(firm), Ok(d)) => done(lang, state.store.declare_profit(&user.actor, firm, &d).await)?,
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    csr_answer(&state, lang, &user, result).await
}

pub async fn receive(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(f): Form<CsrForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &f.csrf)?;
    let raw = RawMovement { amount: f.amount, on: f.on, memo: f.memo };
    let result = match (picked(lang, "firm", &f.firm)?, parsed(lang, Movement::parse(&raw, state.store.today()))?) {
        (Ok(firm), Ok(m)) => done(lang, state.store.receive_csr(&user.actor, firm, &m).await)?,
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    csr_answer(&state, lang, &user, result).await
}

pub async fn create_project(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(f): Form<CsrForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &f.csrf)?;
    let raw = RawProject { kind: f.kind, title: f.title, unit: f.unit, budget: f.budget };
    let result = match parsed(lang, ProjectFields::parse(&raw))? {
        Ok(fields) => done(lang, state.store.create_project(&user.actor, &fields).await)?,
        Err(e) => Err(e),
    };
    csr_answer(&state, lang, &user, result).await
}

pub async fn spend(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(f): Form<CsrForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &f.csrf)?;
    let raw = RawMovement { amount: f.amount, on: f.on, memo: f.memo };
    let result = match (picked(lang, "project", &f.project)?, parsed(lang, Movement::parse(&raw, state.store.today()))?)
    {
        (Ok(project), Ok(m)) => done(lang, state.store.spend_csr(&user.actor, project, &m).await)?,
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    csr_answer(&state, lang, &user, result).await
}

// ---------------------------------------------------------------- employment records

pub struct JobRow {
    pub name: String,
    pub national_code: String,
    pub employer: String,
    pub started_on: String,
    pub route: String,
}

#[derive(Template)]
#[template(path = "employment_jobs.html")]
struct JobsPage {
    t: &'static Texts,
    layout: Layout,
    jobs: Vec<JobRow>,
    routes: Vec<(&'static str, String)>,
    may_manage: bool,
    raw: RawJob,
    candidate: String,
    error: Option<String>,
}

async fn jobs_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    raw: RawJob,
    candidate: String,
    error: Option<String>,
) -> Result<Response, PageError> {
    let jobs = state.store.jobs(&user.actor, 200).await.in_lang(lang)?;
    let t = texts(lang);
    let page = JobsPage {
        t,
        layout: Layout::new(lang, user, t.jobs, Some(Module::Employment), "/employment/jobs"),
        jobs: jobs
            .into_iter()
            .map(|j| JobRow {
                name: format!("{} {}", j.first_name, j.last_name),
                national_code: lang.digits(&j.national_code),
                employer: j.employer,
                started_on: lang.date(&j.started_on),
                route: lang.coded(j.route),
            })
            .collect(),
        routes: codes::<JobRoute>(lang),
        may_manage: user.actor.may(MANAGE),
        raw,
        candidate,
        error,
    };
    Ok(render_form(page.error.is_some(), &page))
}

pub async fn jobs(State(state): State<AppState>, lang: Lang, user: SessionUser) -> Result<Response, PageError> {
    jobs_page(&state, lang, &user, RawJob::default(), String::new(), None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct JobForm {
    csrf: String,
    candidate: String,
    #[serde(flatten)]
    raw: RawJob,
}

pub async fn record_job(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(form): Form<JobForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &form.csrf)?;
    let candidate = match tavana_domain::text::to_ascii_digits(form.candidate.trim()).as_str() {
        "" => Ok(None),
        n => n.parse().map(Some).map_err(|_| DomainError::new("candidate", tavana_domain::error::Reason::NotDigits)),
    };
    let fields = JobFields::parse(&form.raw, state.store.today());
    let result = match (candidate, fields) {
        (Ok(candidate), Ok(fields)) => {
            done(lang, state.store.record_job(&user.actor, &fields, candidate).await)?.map(|_| ())
        }
        (c, f) => {
            let mut errors: Vec<DomainError> = c.err().into_iter().collect();
            errors.extend(f.err().unwrap_or_default());
            Err(refusals(lang, errors)?)
        }
    };
    match result {
        Ok(()) => Ok(Redirect::to("/employment/jobs").into_response()),
        Err(e) => jobs_page(&state, lang, &user, form.raw, form.candidate, Some(e)).await,
    }
}
