//! Vetting pages: the cases of the officer's tree (and the form opening one);
//! a case that asks why before it opens and then shows its file with the
//! officer's and the board's forms; and the subject's notice. A file's reason
//! travels in a form's body only, never in an address.

use crate::AppState;
use crate::auth::SessionUser;
use crate::error::Problem;
use crate::i18n::Lang;
use crate::page::{InLang, Layout, PageError, assignee, refusal, refusals, render, render_form};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tavana_domain::DomainError;
use tavana_domain::gozinesh::{EntryKind, SubjectKind, Verdict, VettingAction, VettingState};
use tavana_domain::iam::{Action, Module};
use tavana_store::StoreError;
use tavana_store::gozinesh::{CaseSummary, VettingDecision, VettingFile};

type Texts = super::texts::Texts;

fn texts(lang: Lang) -> &'static Texts {
    super::texts::texts(lang)
}

const INVESTIGATE: Action = Action::Vetting(VettingAction::Investigate);
const OVERSEE: Action = Action::Vetting(VettingAction::Oversee);

/// A case as a row of the list.
pub struct CaseRow {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub state: String,
    pub state_code: &'static str,
    pub opened: String,
    pub my_grant: Option<String>,
}

fn case_row(lang: Lang, c: &CaseSummary) -> CaseRow {
    CaseRow {
        id: c.id,
        number: lang.number(c.id),
        kind: lang.coded(c.kind),
        state: lang.coded(c.state),
        state_code: c.state.code(),
        opened: lang.instant(c.opened_at),
        my_grant: c.my_grant_until.map(|t| lang.instant(t)),
    }
}

/// What the form opening a case was given, kept when it is refused.
#[derive(Deserialize, Default)]
pub struct NewCaseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    subject_name: String,
    #[serde(default)]
    national_code: String,
}

#[derive(Template)]
#[template(path = "vetting_cases.html")]
struct CasesPage {
    t: &'static Texts,
    layout: Layout,
    rows: Vec<CaseRow>,
    overdue: Vec<(i64, String, String)>,
    kinds: Vec<(&'static str, String)>,
    may_open: bool,
    form: NewCaseForm,
    error: Option<String>,
}

async fn cases_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    form: NewCaseForm,
    error: Option<String>,
) -> Result<Response, PageError> {
    let cases = state.store.vetting_cases(&user.actor, 200).await.in_lang(lang)?;
    let may_open = user.actor.may(INVESTIGATE);
    let overdue = if may_open {
        let rows = state.store.overdue_vetting_inquiries(&user.actor).await.in_lang(lang)?;
        rows.into_iter().map(|(case, _, due)| (case, lang.number(case), lang.date(&due))).collect()
    } else {
        Vec::new()
    };
    let t = texts(lang);
    let page = CasesPage {
        t,
        layout: Layout::new(lang, user, t.cases, Some(Module::Gozinesh), "/vetting"),
        rows: cases.iter().map(|c| case_row(lang, c)).collect(),
        overdue,
        kinds: SubjectKind::ALL.iter().map(|k| (k.code(), lang.coded(*k))).collect(),
        may_open,
        form,
        error,
    };
    Ok(render_form(page.error.is_some(), &page))
}

pub async fn cases(State(state): State<AppState>, lang: Lang, user: SessionUser) -> Result<Response, PageError> {
    cases_page(&state, lang, &user, NewCaseForm::default(), None).await
}

pub async fn open_case(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(form): Form<NewCaseForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    // Every bad field at once.
    let kind = SubjectKind::parse("kind", &form.kind);
    let code = tavana_domain::NationalCode::parse(&form.national_code);
    let name = tavana_domain::text::required_text("subject_name", &form.subject_name).map(str::to_string);
    let opened = match (kind, code, name) {
        (Ok(kind), Ok(code), Ok(name)) => {
            state.store.open_vetting_case(&user.actor, kind, &name, &code).await.map_err(|e| refusal(lang, e))
        }
        (kind, code, name) => {
            let errors: Vec<DomainError> = [kind.err(), code.err(), name.err()].into_iter().flatten().collect();
            Err(refusals(lang, errors))
        }
    };
    match opened {
        Ok(id) => Ok(Redirect::to(&format!("/vetting/cases/{id}")).into_response()),
        Err(message) => cases_page(&state, lang, &user, form, Some(message?)).await,
    }
}

/// An entry as shown in the file.
pub struct EntryRow {
    pub id: String,
    pub kind: String,
    pub kind_code: &'static str,
    pub text: String,
    pub due_on: String,
    pub reply_to: String,
    pub by: String,
    pub at: String,
}

/// The decision as shown.
pub struct DecisionView {
    pub verdict: String,
    pub verdict_code: &'static str,
    pub reasons: String,
    pub legal_basis: String,
    pub conditions: String,
}

fn decision_view(lang: Lang, d: &VettingDecision) -> DecisionView {
    DecisionView {
        verdict: lang.coded(d.verdict),
        verdict_code: d.verdict.code(),
        reasons: d.reasons.clone(),
        legal_basis: d.legal_basis.clone(),
        conditions: d.conditions.clone(),
    }
}

/// The open file as the page shows it.
pub struct FileView {
    pub subject_name: String,
    pub national_code: String,
    pub entries: Vec<EntryRow>,
    /// Inquiries with no reply yet: (id, label).
    pub open_inquiries: Vec<(i64, String)>,
    pub decision: Option<DecisionView>,
    pub appeal_until: String,
    pub version: i64,
}

fn file_view(lang: Lang, f: &VettingFile) -> FileView {
    let answered: Vec<i64> = f.entries.iter().filter_map(|e| e.reply_to).collect();
    FileView {
        subject_name: f.subject_name.clone(),
        national_code: f.subject_national_code.clone(),
        entries: f
            .entries
            .iter()
            .map(|e| EntryRow {
                id: lang.number(e.id),
                kind: lang.coded(e.kind),
                kind_code: e.kind.code(),
                text: e.text.clone(),
                due_on: e.due_on.as_deref().map(|d| lang.date(d)).unwrap_or_default(),
                reply_to: e.reply_to.map(|r| lang.number(r)).unwrap_or_default(),
                by: e.by.clone(),
                at: lang.instant(e.at),
            })
            .collect(),
        open_inquiries: f
            .entries
            .iter()
            .filter(|e| e.kind == EntryKind::Inquiry && !answered.contains(&e.id))
            .map(|e| (e.id, format!("{} {}", lang.number(e.id), e.text.chars().take(40).collect::<String>())))
            .collect(),
        decision: f.decision.as_ref().map(|d| decision_view(lang, d)),
        appeal_until: f.appeal_until.as_deref().map(|d| lang.date(d)).unwrap_or_default(),
        version: f.version,
    }
}

#[derive(Template)]
#[template(path = "vetting_case.html")]
struct CasePage {
    t: &'static Texts,
    layout: Layout,
    case: CaseRow,
    state: VettingState,
    file: Option<FileView>,
    openings: Option<Vec<(String, String, String)>>,
    entry_kinds: Vec<(&'static str, String)>,
    verdicts: Vec<(&'static str, String)>,
    investigates: bool,
    oversees: bool,
    error: Option<String>,
}

/// A case's page: its file while the reader sits with it, else the form asking
/// why; the board also sees who opened it and why, and grants access.
async fn case_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    id: i64,
    error: Option<String>,
) -> Result<Response, PageError> {
    let summary = state.store.vetting_case(&user.actor, id).await.in_lang(lang)?;
    let file = match state.store.vetting_file_in_sitting(&user.actor, id).await {
        Ok(file) => file,
        // The grant ended while sitting: the page asks again, and the opening is refused.
        Err(StoreError::Forbidden(_)) => None,
        Err(e) => return Err(PageError(lang, e.into())),
    };
    let oversees = user.actor.may(OVERSEE);
    let openings = if oversees {
        let rows = state.store.vetting_file_openings(&user.actor, id, 200).await.in_lang(lang)?;
        Some(
            rows.iter()
                .map(|e| {
                    let details: serde_json::Value =
                        e.after_json.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default();
                    let reason = details.get("reason").and_then(|r| r.as_str()).unwrap_or_default().to_string();
                    (e.actor_username.clone().unwrap_or_default(), lang.instant(e.at), reason)
                })
                .collect(),
        )
    } else {
        None
    };
    let t = texts(lang);
    let page = CasePage {
        t,
        layout: Layout::new(
            lang,
            user,
            &format!("{} {}", t.case, lang.number(id)),
            Some(Module::Gozinesh),
            &format!("/vetting/cases/{id}"),
        ),
        state: summary.state,
        case: case_row(lang, &summary),
        file: file.as_ref().map(|f| file_view(lang, f)),
        openings,
        entry_kinds: EntryKind::ALL.iter().map(|k| (k.code(), lang.coded(*k))).collect(),
        verdicts: Verdict::ALL.iter().map(|v| (v.code(), lang.coded(*v))).collect(),
        investigates: user.actor.may(INVESTIGATE),
        oversees,
        error,
    };
    Ok(render_form(page.error.is_some(), &page))
}

pub async fn case(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    case_page(&state, lang, &user, id, None).await
}

/// After a form on a case's page: back to the page, or the page with the refusal.
async fn after(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    id: i64,
    done: Result<(), StoreError>,
) -> Result<Response, PageError> {
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/vetting/cases/{id}")).into_response()),
        Err(e) => case_page(state, lang, user, id, Some(refusal(lang, e)?)).await,
    }
}

fn csrf(lang: Lang, user: &SessionUser, submitted: &str) -> Result<(), PageError> {
    if user.check_csrf(submitted) { Ok(()) } else { Err(PageError(lang, Problem::csrf())) }
}

#[derive(Deserialize)]
pub struct OpenForm {
    csrf: String,
    #[serde(default)]
    reason: String,
}

pub async fn open_file(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<OpenForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &form.csrf)?;
    let opened = state.store.open_vetting_file(&user.actor, id, &form.reason).await.map(|_| ());
    after(&state, lang, &user, id, opened).await
}

#[derive(Deserialize)]
pub struct EntryForm {
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    reply_to: String,
}

pub async fn add_entry(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<EntryForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &form.csrf)?;
    let added = async {
        let kind = EntryKind::parse("kind", &form.kind)?;
        let due = super::api::optional_date("due_on", &form.due_on)?;
        let reply_to = match form.reply_to.trim() {
            "" => None,
            n => Some(
                n.parse::<i64>().map_err(|_| DomainError::new("reply_to", tavana_domain::error::Reason::NotInList))?,
            ),
        };
        state.store.add_vetting_entry(&user.actor, id, (kind, &form.text), (due, reply_to)).await.map(|_| ())
    }
    .await;
    after(&state, lang, &user, id, added).await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    csrf: String,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    conditions: String,
    #[serde(default)]
    version: i64,
}

impl DecisionForm {
    fn decision(&self) -> Result<VettingDecision, StoreError> {
        Ok(VettingDecision {
            verdict: Verdict::parse("verdict", &self.verdict)?,
            reasons: self.reasons.clone(),
            legal_basis: self.legal_basis.clone(),
            conditions: self.conditions.clone(),
        })
    }
}

pub async fn decide(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &form.csrf)?;
    let decided = match form.decision() {
        Ok(d) => state.store.decide_vetting_case(&user.actor, id, &d, form.version).await,
        Err(e) => Err(e),
    };
    after(&state, lang, &user, id, decided).await
}

#[derive(Deserialize)]
pub struct AppealForm {
    csrf: String,
    #[serde(default)]
    grounds: String,
    #[serde(default)]
    version: i64,
}

pub async fn appeal(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<AppealForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &form.csrf)?;
    let lodged = state.store.appeal_vetting_case(&user.actor, id, &form.grounds, form.version).await;
    after(&state, lang, &user, id, lodged).await
}

/// The board's ruling form (not a flattened [`DecisionForm`]: a form's
/// numbers do not survive serde's flattening).
#[derive(Deserialize)]
pub struct RulingForm {
    csrf: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    ruling_reasons: String,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    conditions: String,
    #[serde(default)]
    version: i64,
}

pub async fn rule(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<RulingForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &form.csrf)?;
    let RulingForm { csrf: _, outcome, ruling_reasons, verdict, reasons, legal_basis, conditions, version } = form;
    let ruled = match outcome.as_str() {
        "affirm" => state.store.rule_on_vetting_appeal(&user.actor, id, None, &ruling_reasons, version).await,
        "overturn" => {
            let replacement = DecisionForm { csrf: String::new(), verdict, reasons, legal_basis, conditions, version };
            match replacement.decision() {
                Ok(d) => state.store.rule_on_vetting_appeal(&user.actor, id, Some(&d), &ruling_reasons, version).await,
                Err(e) => Err(e),
            }
        }
        _ => Err(StoreError::Invalid(DomainError::new("outcome", tavana_domain::error::Reason::NotInList))),
    };
    after(&state, lang, &user, id, ruled).await
}

#[derive(Deserialize)]
pub struct GrantForm {
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    reason: String,
}

pub async fn grant(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<GrantForm>,
) -> Result<Response, PageError> {
    csrf(lang, &user, &form.csrf)?;
    let granted = async {
        let grantee = assignee(&state.store, &form.username).await?;
        let days = tavana_domain::text::to_ascii_digits(form.days.trim())
            .parse::<i64>()
            .map_err(|_| DomainError::new("days", tavana_domain::error::Reason::NotDigits))?;
        state.store.grant_vetting_access(&user.actor, id, grantee, days, &form.reason).await
    }
    .await;
    after(&state, lang, &user, id, granted).await
}

#[derive(Template)]
#[template(path = "vetting_notice.html")]
struct NoticePage {
    t: &'static Texts,
    layout: Layout,
    number: String,
    kind: String,
    subject_name: String,
    decision: DecisionView,
    appeal_until: String,
}

pub async fn notice(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let notice = state.store.vetting_notice(&user.actor, id).await.in_lang(lang)?;
    let t = texts(lang);
    let page = NoticePage {
        t,
        layout: Layout::new(lang, &user, t.notice, Some(Module::Gozinesh), &format!("/vetting/cases/{id}/notice")),
        number: lang.number(id),
        kind: lang.coded(notice.kind),
        subject_name: notice.subject_name,
        decision: decision_view(lang, &notice.decision),
        appeal_until: lang.date(&notice.appeal_until),
    };
    Ok(render(StatusCode::OK, &page))
}
