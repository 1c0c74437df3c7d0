//! HR pages: finding staff, a unit's org chart, a position with its holder and
//! successors (and the form naming one), and the succession risk of critical
//! posts within a horizon.

use crate::AppState;
use crate::auth::SessionUser;
use crate::error::Problem;
use crate::i18n::Lang;
use crate::page::{InLang, Layout, PageError, refusal, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tavana_domain::DomainError;
use tavana_domain::error::Reason;
use tavana_domain::hr::{HrAction, Readiness};
use tavana_domain::iam::{Action, Module};
use tavana_store::StoreError;

fn texts(lang: Lang) -> &'static super::texts::Texts {
    super::texts::texts(lang)
}

/// A member of staff as a row.
pub struct StaffRow {
    pub number: String,
    pub name: String,
    pub unit_id: i64,
    pub unit: String,
    pub position_id: Option<i64>,
    pub position: String,
    pub grade: String,
    pub employment: String,
    pub hired: String,
    pub retires: String,
}

fn staff_row(lang: Lang, s: &tavana_store::hr::StaffMember) -> StaffRow {
    StaffRow {
        number: lang.digits(&s.personnel_number),
        name: format!("{} {}", s.first_name, s.last_name),
        unit_id: s.unit_id,
        unit: s.unit_name.clone(),
        position_id: s.position_id,
        position: s.position_title.clone().unwrap_or_default(),
        grade: lang.number(s.grade),
        employment: lang.coded(s.employment_type),
        hired: lang.date(&s.hire_date),
        retires: lang.date(&s.retirement_date),
    }
}

#[derive(Template)]
#[template(path = "hr_staff.html")]
struct StaffPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    q: String,
    rows: Vec<StaffRow>,
    searched: bool,
    my_unit: i64,
}

#[derive(Deserialize)]
pub struct StaffQuery {
    #[serde(default)]
    q: String,
}

pub async fn staff(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Query(query): Query<StaffQuery>,
) -> Result<Response, PageError> {
    // A search only when asked: the list names staff, and every such read is logged.
    let searched = !query.q.trim().is_empty();
    let rows = if searched {
        state
            .store
            .staff(&user.actor, None, &query.q, 200)
            .await
            .in_lang(lang)?
            .iter()
            .map(|s| staff_row(lang, s))
            .collect()
    } else {
        if !user.actor.may(Action::Open(Module::Hr)) {
            return Err(PageError(lang, StoreError::Forbidden(Action::Open(Module::Hr).phrase()).into()));
        }
        Vec::new()
    };
    let t = texts(lang);
    let page = StaffPage {
        t,
        layout: Layout::new(lang, &user, t.hr, Some(Module::Hr), "/hr"),
        q: query.q,
        rows,
        searched,
        my_unit: user.actor.unit_id,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "hr_chart.html")]
struct ChartPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    chart: tavana_store::hr::OrgChart,
    staff: String,
    children: Vec<(i64, String, String)>,
    positions: Vec<(i64, String, bool, String, String)>,
}

pub async fn chart(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let chart = state.store.org_chart(&user.actor, id).await.in_lang(lang)?;
    let t = texts(lang);
    let page = ChartPage {
        t,
        layout: Layout::new(
            lang,
            &user,
            &format!("{}: {}", t.org_chart, chart.unit_name),
            Some(Module::Hr),
            "/hr/units",
        ),
        staff: lang.number(chart.staff),
        children: chart.children.iter().map(|(id, name, n)| (*id, name.clone(), lang.number(*n))).collect(),
        positions: chart
            .positions
            .iter()
            .map(|p| {
                (
                    p.id,
                    p.title.clone(),
                    p.critical,
                    p.holder.clone().unwrap_or_else(|| t.vacant.to_string()),
                    p.retirement_date.as_deref().map(|d| lang.date(d)).unwrap_or_default(),
                )
            })
            .collect(),
        chart,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "hr_position.html")]
struct PositionPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    file: tavana_store::hr::PositionFile,
    holder: Option<StaffRow>,
    successors: Vec<(String, String, String, String, String, String)>,
    readiness: Vec<(&'static str, String)>,
    may_manage: bool,
    /// What veterans recorded for this post (the library).
    experience: Vec<(i64, String)>,
    error: Option<String>,
}

async fn position_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    id: i64,
    error: Option<String>,
) -> Result<Response, PageError> {
    let file = state.store.position(&user.actor, id).await.in_lang(lang)?;
    let experience = state.store.library_for_position(&user.actor, id).await.in_lang(lang)?;
    let t = texts(lang);
    let mut successors = Vec::with_capacity(file.successors.len());
    for s in &file.successors {
        successors.push((
            lang.digits(&s.personnel_number),
            format!("{} {}", s.first_name, s.last_name),
            s.unit_name.clone(),
            lang.coded(s.readiness),
            s.plan.clone(),
            advice(state, lang, user, s.vetting_case).await?,
        ));
    }
    let page = PositionPage {
        t,
        layout: Layout::new(lang, user, &file.position.title, Some(Module::Hr), &format!("/hr/positions/{id}")),
        holder: file.holder.as_ref().map(|h| staff_row(lang, h)),
        successors,
        readiness: Readiness::ALL.iter().map(|r| (r.code(), lang.coded(*r))).collect(),
        may_manage: user.actor.may(Action::Hr(HrAction::Manage)),
        experience,
        file,
        error: error.clone(),
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(status, &page))
}

pub async fn position(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    position_page(&state, lang, &user, id, None).await
}

/// The vetting office's advice on a successor's candidacy, as the page says
/// it: the verdict (and a conditional approval's conditions), "awaiting" while
/// undecided, a dash without a case or for a reader it is not for. Each is a
/// logged read.
async fn advice(state: &AppState, lang: Lang, user: &SessionUser, case: Option<i64>) -> Result<String, PageError> {
    let Some(case) = case else { return Ok("—".into()) };
    match state.store.vetting_advice(&user.actor, case).await {
        Ok(a) => Ok(match (a.verdict, a.conditions) {
            (None, _) => texts(lang).awaiting_advice.to_string(),
            (Some(v), Some(conditions)) => format!("{}: {conditions}", lang.coded(v)),
            (Some(v), None) => lang.coded(v),
        }),
        Err(StoreError::Forbidden(_) | StoreError::NotFound) => Ok("—".into()),
        Err(e) => Err(PageError(lang, e.into())),
    }
}

#[derive(Deserialize)]
pub struct SuccessorForm {
    csrf: String,
    #[serde(default)]
    personnel_number: String,
    #[serde(default)]
    readiness: String,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    vetting_case: String,
}

pub async fn name_successor(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<SuccessorForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let case = tavana_domain::text::to_ascii_digits(form.vetting_case.trim());
    let case = match case.as_str() {
        "" => Ok(None),
        n => n.parse::<i64>().map(Some).map_err(|_| DomainError::new("vetting_case", Reason::NotDigits)),
    };
    let named = match (Readiness::parse("readiness", &form.readiness), case) {
        (Ok(r), Ok(case)) => {
            state.store.name_successor(&user.actor, id, &form.personnel_number, r, &form.plan, case).await
        }
        (Err(e), _) | (_, Err(e)) => Err(StoreError::Invalid(e)),
    };
    match named {
        Ok(()) => Ok(Redirect::to(&format!("/hr/positions/{id}")).into_response()),
        Err(e) => position_page(&state, lang, &user, id, Some(refusal(lang, e)?)).await,
    }
}

/// A critical post at risk as a row.
pub struct RiskRow {
    pub position_id: i64,
    pub title: String,
    pub unit: String,
    pub holder: String,
    pub retires: String,
    pub ready_now: String,
    pub candidates: String,
    pub risk: String,
    pub risk_code: &'static str,
}

#[derive(Template)]
#[template(path = "hr_succession.html")]
struct SuccessionPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    years: i32,
    rows: Vec<RiskRow>,
}

/// The horizon when none is asked for (the store checks the one asked for).
pub(crate) const DEFAULT_HORIZON: i32 = 2;

#[derive(Deserialize)]
pub struct YearsQuery {
    #[serde(default)]
    years: Option<i32>,
}

pub async fn succession(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Query(q): Query<YearsQuery>,
) -> Result<Response, PageError> {
    let years = q.years.unwrap_or(DEFAULT_HORIZON);
    let risks = state.store.succession_risks(&user.actor, years).await.in_lang(lang)?;
    let t = texts(lang);
    let rows = risks
        .iter()
        .map(|r| RiskRow {
            position_id: r.position.id,
            title: r.position.title.clone(),
            unit: r.position.unit_name.clone(),
            holder: r.holder.clone().unwrap_or_else(|| t.vacant.to_string()),
            retires: r.retirement_date.as_deref().map(|d| lang.date(d)).unwrap_or_default(),
            ready_now: lang.number(r.ready_now),
            candidates: lang.number(r.candidates),
            risk: lang.coded(r.risk),
            risk_code: tavana_domain::hr::SuccessionRisk::code(r.risk),
        })
        .collect();
    let page = SuccessionPage {
        t,
        layout: Layout::new(lang, &user, t.succession, Some(Module::Hr), "/hr/succession"),
        years,
        rows,
    };
    Ok(render(StatusCode::OK, &page))
}
