//! The duplicate review page: likely duplicates side by side, to merge or dismiss,
//! and the decisions taken, to undo.

use crate::AppState;
use crate::auth::SessionUser;
use crate::error::Problem;
use crate::i18n::Lang;
use crate::page::{InLang, Layout, PageError, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tavana_domain::iam::{Action, Module};
use tavana_domain::registry::CandidateStatus;
use tavana_domain::registry::RegistryAction;
use tavana_store::registry::duplicates::Candidate;

pub struct Side {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub father: String,
    pub birth: String,
    pub phone: String,
}

pub struct Row {
    pub id: i64,
    pub rule: &'static str,
    pub reason: String,
    /// A proposed merge: who proposed it, the record that stays, and why.
    pub proposal: Option<(String, String, String)>,
    /// The two persons, in the order found.
    pub sides: [Side; 2],
}

fn rule_label(lang: Lang, rule: &str) -> &'static str {
    match (lang, rule) {
        (Lang::Fa, "same_name_father_birth") => "نام، نام پدر و تاریخ تولد یکسان",
        (Lang::Fa, "same_phone") => "تلفن یکسان",
        (Lang::Fa, _) => "شمارهٔ شبای یکسان",
        (Lang::En, "same_name_father_birth") => "same name, father and birth date",
        (Lang::En, "same_phone") => "same phone",
        (Lang::En, _) => "same SHEBA",
    }
}

fn row(lang: Lang, c: &Candidate) -> Row {
    let side = |id, code: &str, name: &str, father: &str, birth: &str, phone: &Option<String>| Side {
        id,
        code: lang.digits(code),
        name: name.to_string(),
        father: father.to_string(),
        birth: lang.date(birth),
        phone: lang.digits(phone.as_deref().unwrap_or("")),
    };
    Row {
        id: c.id,
        rule: rule_label(lang, &c.rule),
        reason: c.reason.clone().unwrap_or_default(),
        proposal: c.survivor.map(|survivor| {
            let code = if survivor == c.a_id { &c.a_code } else { &c.b_code };
            (
                c.proposed_by.clone().unwrap_or_default(),
                lang.digits(code),
                c.proposal_reason.clone().unwrap_or_default(),
            )
        }),
        sides: [
            side(c.a_id, &c.a_code, &c.a_name, &c.a_father, &c.a_birth, &c.a_phone),
            side(c.b_id, &c.b_code, &c.b_name, &c.b_father, &c.b_birth, &c.b_phone),
        ],
    }
}

#[derive(Template)]
#[template(path = "duplicates.html")]
struct Page {
    t: &'static super::texts::Texts,
    layout: Layout,
    status: String,
    rows: Vec<Row>,
    can_edit: bool,
    found: Option<String>,
    /// What the decision just made did, when one was.
    done: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    found: Option<u64>,
    /// The decision just made (`merge`, `approve`, `reject`, `dismiss`, `reopen`).
    done: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    // An unknown status in the address shows the open ones.
    let status =
        q.status.as_deref().and_then(|s| CandidateStatus::parse("status", s).ok()).unwrap_or(CandidateStatus::Open);
    let candidates = state.store.duplicate_candidates(&user.actor, status, 200).await.in_lang(lang)?;
    let page = Page {
        t: super::texts::texts(lang),
        layout: Layout::new(
            lang,
            &user,
            super::texts::texts(lang).duplicates,
            Some(Module::Registry),
            "/registry/duplicates",
        ),
        status: status.to_string(),
        rows: candidates.iter().map(|c| row(lang, c)).collect(),
        can_edit: user.actor.may(Action::Registry(RegistryAction::Edit)),
        found: q.found.map(|n| lang.digits(&n.to_string())),
        done: q.done.as_deref().and_then(|d| {
            let t = super::texts::texts(lang);
            Some(match d {
                "merge" => t.done_merge,
                "approve" => t.done_approve,
                "reject" => t.done_reject,
                "dismiss" => t.done_dismiss,
                "reopen" => t.done_reopen,
                _ => return None,
            })
        }),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

pub async fn detect(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let found = state.store.detect_duplicates(&user.actor).await.in_lang(lang)?;
    Ok(Redirect::to(&format!("/registry/duplicates?found={found}")).into_response())
}

#[derive(Deserialize)]
pub struct DecisionForm {
    csrf: String,
    /// merge (proposes one), approve, reject, dismiss or reopen.
    decision: String,
    #[serde(default)]
    survivor: Option<i64>,
    #[serde(default)]
    reason: String,
}

pub async fn decide(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let store = &state.store;
    let result = match (form.decision.as_str(), form.survivor) {
        ("merge", Some(survivor)) => store.propose_merge(&user.actor, id, survivor, &form.reason).await,
        ("approve", _) => store.approve_merge(&user.actor, id, &form.reason).await,
        ("reject", _) => store.reject_merge(&user.actor, id, &form.reason).await,
        ("dismiss", _) => store.dismiss_duplicate(&user.actor, id, &form.reason).await,
        ("reopen", _) => store.reopen_duplicate(&user.actor, id, &form.reason).await,
        _ => Err(tavana_store::StoreError::Invalid(tavana_domain::DomainError::new(
            "survivor",
            tavana_domain::error::Reason::Empty,
        ))),
    };
    result.in_lang(lang)?;
    let back = match form.decision.as_str() {
        "merge" => "/registry/duplicates?status=merge_proposed&done=merge",
        "approve" => "/registry/duplicates?status=merged&done=approve",
        "reject" => "/registry/duplicates?status=open&done=reject",
        "dismiss" => "/registry/duplicates?status=dismissed&done=dismiss",
        _ => "/registry/duplicates?status=open&done=reopen",
    };
    Ok(Redirect::to(back).into_response())
}
