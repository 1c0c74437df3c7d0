//! Org units: the tree in the user's scope and one unit with the units below it.

use crate::AppState;
use crate::auth::SessionUser;
use crate::i18n::Lang;
use crate::page::{InLang, Layout, PageError, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use tavana_domain::iam::Module;
use tavana_store::org::OrgUnit;

/// A unit as a row of the tree.
pub struct UnitRow {
    pub id: i64,
    pub name: String,
    pub code: String,
    pub kind: &'static str,
    pub depth: usize,
}

fn row(lang: Lang, unit: &OrgUnit, root_depth: usize) -> UnitRow {
    let t = super::texts::texts(lang);
    let kind = match unit.kind.as_str() {
        "hq" => t.hq,
        "province" => t.province,
        _ => t.county,
    };
    let name = match (lang, &unit.name_en) {
        (Lang::En, Some(en)) => format!("{en} ({})", unit.name_fa),
        _ => unit.name_fa.clone(),
    };
    UnitRow {
        id: unit.id,
        name,
        code: unit.code.clone(),
        kind,
        depth: unit.path.matches('/').count().saturating_sub(root_depth),
    }
}

#[derive(Template)]
#[template(path = "org_units.html")]
struct ListPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    rows: Vec<UnitRow>,
}

pub async fn list(State(state): State<AppState>, lang: Lang, user: SessionUser) -> Result<Response, PageError> {
    let units = state.store.org_units(&user.actor).await.in_lang(lang)?;
    let root_depth = user.actor.unit_path.as_str().matches('/').count();
    let rows = units.iter().map(|u| row(lang, u, root_depth)).collect();
    let layout = Layout::new(lang, &user, super::texts::texts(lang).org_units, Some(Module::Org), "/org-units");
    Ok(render(StatusCode::OK, &ListPage { t: super::texts::texts(lang), layout, rows }))
}

#[derive(Template)]
#[template(path = "org_unit.html")]
struct ShowPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    unit: UnitRow,
    children: Vec<UnitRow>,
}

pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let unit = state.store.org_unit(&user.actor, id).await.in_lang(lang)?;
    let all = state.store.org_units(&user.actor).await.in_lang(lang)?;
    let children = all.iter().filter(|u| u.parent_id == Some(unit.id)).map(|u| row(lang, u, 0)).collect();
    let head = row(lang, &unit, 0);
    let layout = Layout::new(lang, &user, &head.name, Some(Module::Org), &format!("/org-units/{id}"));
    Ok(render(StatusCode::OK, &ShowPage { t: super::texts::texts(lang), layout, unit: head, children }))
}
