//! Cases' pages: a decision's letter (printable) with its appeal, lodged from
//! the letter while the deadline runs; the board's list of appeals waiting for
//! a ruling, each with the form to rule on it.

use crate::AppState;
use crate::auth::SessionUser;
use crate::error::Problem;
use crate::i18n::Lang;
use crate::page::{InLang, Layout, PageError, refusal, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tavana_domain::cases::{CaseAction, Ruling};
use tavana_domain::coded::Coded;
use tavana_domain::iam::{Action, Module};
use tavana_domain::programs::EnrollmentState;
use tavana_store::StoreError;
use tavana_store::cases::{Appeal, DecisionLetter};

fn texts(lang: Lang) -> &'static super::texts::Texts {
    super::texts::texts(lang)
}

fn state_label(lang: Lang, code: &str) -> String {
    EnrollmentState::from_code(code).map(|s| lang.coded(s)).unwrap_or_else(|| code.to_string())
}

/// An appeal as shown.
pub struct AppealView {
    pub id: i64,
    pub decision_id: i64,
    pub state: String,
    pub state_code: &'static str,
    pub grounds: String,
    pub lodged: String,
    pub ruled: String,
    pub ruling_reasons: String,
    pub ruling_legal_basis: String,
}

fn appeal_view(lang: Lang, a: &Appeal) -> AppealView {
    AppealView {
        id: a.id,
        decision_id: a.decision_id,
        state: lang.coded(a.state),
        state_code: a.state.code(),
        grounds: a.grounds.clone(),
        lodged: format!("{} · {}", a.lodged_by_name, lang.instant(a.lodged_at)),
        ruled: match (&a.ruled_by_name, a.ruled_at) {
            (Some(by), Some(at)) => format!("{by} · {}", lang.instant(at)),
            _ => String::new(),
        },
        ruling_reasons: a.ruling_reasons.clone().unwrap_or_default(),
        ruling_legal_basis: a.ruling_legal_basis.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "decision_letter.html")]
struct LetterPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    letter: DecisionLetter,
    decision: String,
    decided_at: String,
    appeal_until: String,
    appeal: Option<AppealView>,
    may_lodge: bool,
    error: Option<String>,
}

async fn letter_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    id: i64,
    error: Option<String>,
) -> Result<Response, PageError> {
    let letter = state.store.decision_letter(&user.actor, id).await.in_lang(lang)?;
    let t = texts(lang);
    let decision = format!(
        "{} ← {}",
        state_label(lang, &letter.to_state),
        letter.from_state.as_deref().map(|s| state_label(lang, s)).unwrap_or_else(|| "—".into())
    );
    let page = LetterPage {
        t,
        layout: Layout::new(lang, user, t.decision_letter, Some(Module::Cases), &format!("/cases/decisions/{id}")),
        decision,
        decided_at: lang.instant(letter.decided_at),
        appeal_until: lang.date(&letter.appeal_until),
        appeal: letter.appeal.as_ref().map(|a| appeal_view(lang, a)),
        may_lodge: letter.appealable && user.actor.may(Action::Cases(CaseAction::Lodge)),
        letter,
        error: error.clone(),
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(status, &page))
}

pub async fn letter(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    letter_page(&state, lang, &user, id, None).await
}

#[derive(Deserialize)]
pub struct LodgeForm {
    csrf: String,
    #[serde(default)]
    grounds: String,
}

pub async fn lodge(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<LodgeForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    match state.store.lodge_appeal(&user.actor, id, &form.grounds).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/decisions/{id}")).into_response()),
        Err(e) => letter_page(&state, lang, &user, id, Some(refusal(lang, e)?)).await,
    }
}

/// An appeal waiting for the board, with the decision it is against.
pub struct WaitingView {
    pub appeal: AppealView,
    pub person: String,
    pub program: String,
    pub decision: String,
    pub reasons: String,
    pub decided_by: String,
}

#[derive(Template)]
#[template(path = "appeals.html")]
struct AppealsPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    waiting: Vec<WaitingView>,
    rulings: Vec<(&'static str, String)>,
    may_rule: bool,
    error: Option<String>,
}

async fn appeals_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    error: Option<String>,
) -> Result<Response, PageError> {
    let t = texts(lang);
    let lodged = state.store.appeals_to_rule(&user.actor, 200).await.in_lang(lang)?;
    let waiting = lodged
        .into_iter()
        .map(|w| WaitingView {
            appeal: appeal_view(lang, &w.appeal),
            person: format!("{} {} ({})", w.first_name, w.last_name, w.national_code),
            program: w.program_name_fa,
            decision: state_label(lang, &w.to_state),
            reasons: w.decision_reasons,
            decided_by: w.decided_by.unwrap_or_default(),
        })
        .collect();
    let page = AppealsPage {
        t,
        layout: Layout::new(lang, user, t.appeals, Some(Module::Cases), "/cases/appeals"),
        waiting,
        rulings: Ruling::ALL.iter().map(|r| (r.code(), lang.coded(*r))).collect(),
        may_rule: user.actor.may(Action::Cases(CaseAction::Rule)),
        error: error.clone(),
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(status, &page))
}

pub async fn appeals(State(state): State<AppState>, lang: Lang, user: SessionUser) -> Result<Response, PageError> {
    appeals_page(&state, lang, &user, None).await
}

#[derive(Deserialize)]
pub struct RuleForm {
    csrf: String,
    #[serde(default)]
    ruling: String,
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    legal_basis: String,
}

pub async fn rule(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<RuleForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let ruled = match Ruling::parse("ruling", &form.ruling) {
        Ok(ruling) => state.store.rule_on_appeal(&user.actor, id, ruling, &form.reasons, &form.legal_basis).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match ruled {
        Ok(appeal) => Ok(Redirect::to(&format!("/cases/decisions/{}", appeal.decision_id)).into_response()),
        Err(e) => appeals_page(&state, lang, &user, Some(refusal(lang, e)?)).await,
    }
}
