//! The travel cards' page: how many are in force and revoked in the officer's
//! area, and the run that revokes and issues them.

use crate::AppState;
use crate::auth::SessionUser;
use crate::error::Problem;
use crate::i18n::Lang;
use crate::page::{InLang, Layout, PageError, render};
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tavana_domain::iam::{Action, Module};
use tavana_domain::programs::ProgramAction;
use tavana_store::cards::CardRun;

#[derive(Template)]
#[template(path = "travel_cards.html")]
struct CardsPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    in_force: String,
    revoked: String,
    may_run: bool,
    ran: Option<(String, String)>,
}

async fn page(state: &AppState, lang: Lang, user: &SessionUser, ran: Option<CardRun>) -> Result<Response, PageError> {
    let t = super::texts::texts(lang);
    let [in_force, revoked] = state.store.travel_card_counts(&user.actor).await.in_lang(lang)?;
    let page = CardsPage {
        t,
        layout: Layout::new(lang, user, t.title, Some(Module::Programs), "/cards"),
        in_force: lang.number(in_force),
        revoked: lang.number(revoked),
        may_run: user.actor.may(Action::Programs(ProgramAction::Manage)),
        ran: ran.map(|r| (lang.number(r.issued as i64), lang.number(r.revoked as i64))),
    };
    Ok(render(StatusCode::OK, &page))
}

pub async fn show(State(state): State<AppState>, lang: Lang, user: SessionUser) -> Result<Response, PageError> {
    page(&state, lang, &user, None).await
}

#[derive(Deserialize)]
pub struct RunForm {
    csrf: String,
}

pub async fn run(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(form): Form<RunForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let ran = state.store.issue_travel_cards(&user.actor).await.in_lang(lang)?;
    page(&state, lang, &user, Some(ran)).await
}
