//! The dashboard and the pages of modules not built yet.

use crate::AppState;
use crate::auth::SessionUser;
use crate::error::Problem;
use crate::i18n::Lang;
use crate::page::{InLang, Layout, PageError, render, role_names};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use tavana_domain::iam::{Action, Module};

/// A module card on the dashboard.
pub struct Card {
    pub href: String,
    pub label: &'static str,
    pub built: bool,
    pub figure: Option<String>,
}

/// One figure of the user's unit: what it counts, and how many.
pub type Figure = (&'static str, String);

/// A module's figures for the user's subtree; a module the user cannot open
/// answers `Forbidden` and shows none.
pub type Figures = for<'a> fn(
    &'a AppState,
    &'a tavana_domain::iam::Actor,
    Lang,
) -> futures_util::future::BoxFuture<'a, Result<Vec<Figure>, tavana_store::StoreError>>;

/// A module's counts as figures, each labelled by `label`.
pub fn figures_of(lang: Lang, counts: &[(&str, i64)], label: impl Fn(&str) -> &'static str) -> Vec<Figure> {
    counts.iter().map(|(what, n)| (label(what), lang.digits(&n.to_string()))).collect()
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    display_name: String,
    unit_name: String,
    roles: Vec<&'static str>,
    cards: Vec<Card>,
    today: String,
    /// The figures of the user's unit and the units below it.
    figures: Vec<Figure>,
}

pub async fn show(State(state): State<AppState>, lang: Lang, user: SessionUser) -> Result<Response, PageError> {
    let me = state.store.own_user(&user.actor).await.in_lang(lang)?;
    let units = state.store.org_units(&user.actor).await.in_lang(lang)?;
    let layout = Layout::new(lang, &user, lang.texts().dashboard, None, "/");
    let unit_count = lang.digits(&units.len().to_string());
    let cards = layout
        .nav
        .iter()
        .map(|item| Card {
            href: item.href.clone(),
            label: item.label,
            built: item.built,
            figure: (item.href == "/org-units").then(|| unit_count.clone()),
        })
        .collect();
    let today = tavana_domain::jalali::JalaliDate::at_instant(state.store.clock().now())
        .map(|d| match lang {
            Lang::Fa => d.to_persian_long(),
            Lang::En => d.to_ascii(),
        })
        .unwrap_or_default();
    let mut figures = Vec::new();
    for module_figures in crate::FIGURES {
        match module_figures(&state, &user.actor, lang).await {
            Ok(mut more) => figures.append(&mut more),
            Err(tavana_store::StoreError::Forbidden(_)) => {}
            Err(e) => return Err(PageError(lang, e.into())),
        }
    }
    let page = DashboardPage {
        layout,
        display_name: me.display_name,
        unit_name: me.unit_name_fa,
        roles: role_names(lang, &user.actor),
        cards,
        today,
        figures,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "module.html")]
struct ModulePage {
    layout: Layout,
}

/// A module that is not built yet says so plainly.
pub async fn module(lang: Lang, user: SessionUser, Path(name): Path<String>) -> Result<Response, PageError> {
    let module = Module::ALL.into_iter().find(|m| m.as_str() == name).ok_or(PageError(lang, Problem::not_found()))?;
    if !user.actor.may(Action::Open(module)) {
        return Err(PageError(lang, Problem::not_found()));
    }
    let page =
        ModulePage { layout: Layout::new(lang, &user, lang.module(module), Some(module), &format!("/m/{name}")) };
    Ok(render(StatusCode::OK, &page))
}
