//! The planning centre's pages. Each is sections of a chart and the table of
//! its figures; `?table=ID&format=csv|xlsx` downloads a table as the page shows
//! it (the villages' list whole, not only its first page).

use super::texts::{Texts, texts};
use crate::AppState;
use crate::auth::SessionUser;
use crate::charts::{self, Series};
use crate::error::Problem;
use crate::i18n::Lang;
use crate::page::{InLang, Layout, PageError, render_form};
use crate::tables::{Cell, DataTable, ShownCell, TableFormat};
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::response::Response;
use serde::Deserialize;
use tavana_domain::iam::{Action, Module};
use tavana_domain::planning::{self as rule, Level, PlanningAction, growth_per_mille, per_mille};
use tavana_store::planning::trends::Trend;
use tavana_store::planning::{Area, Coverage, ProgramHead};

/// The rows of the villages' list a page shows; a download holds them all.
const SHOWN_VILLAGES: usize = 1_000;
const ALL_VILLAGES: usize = 100_000;

/// What every planning page reads from its address.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlanningQuery {
    place: String,
    program: String,
    year: String,
    /// A table to download, by its id.
    table: String,
    format: Option<TableFormat>,
}

/// A number from the address: none when empty, a 422 naming the field when not a number.
fn number(lang: Lang, field: &'static str, value: &str) -> Result<Option<i64>, PageError> {
    let value = tavana_domain::text::to_ascii_digits(value.trim());
    if value.is_empty() {
        return Ok(None);
    }
    value.parse().map(Some).map_err(|_| {
        PageError(
            lang,
            tavana_store::StoreError::Invalid(tavana_domain::DomainError::new(
                field,
                tavana_domain::error::Reason::NotDigits,
            ))
            .into(),
        )
    })
}

/// A chart and the table of its figures.
pub struct Section {
    pub heading: String,
    pub chart: String,
    pub table_id: &'static str,
    pub caption: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<ShownCell>>,
    pub note: Option<String>,
}

/// The census import's answer.
pub struct Imported {
    pub recorded: String,
    pub refused: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "planning.html")]
struct PlanningPage {
    t: &'static Texts,
    layout: Layout,
    tabs: Vec<(String, &'static str, bool)>,
    /// This page's address, and the area's place the choices keep.
    path: &'static str,
    area_place: Option<i64>,
    up: Option<String>,
    summary: Vec<String>,
    /// The programs to choose from, and the one chosen (coverage).
    programs: Vec<(i64, String, bool)>,
    /// The year chosen (budget).
    year: Option<String>,
    /// The address of this page with its choices, for the downloads.
    here: String,
    sections: Vec<Section>,
    may_import: bool,
    imported: Option<Imported>,
    error: Option<String>,
}

/// Which page of the centre.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Coverage,
    Villages,
    Waiting,
    Budget,
    Effectiveness,
}

impl Tab {
    const ALL: [Tab; 5] = [Tab::Coverage, Tab::Villages, Tab::Waiting, Tab::Budget, Tab::Effectiveness];

    fn path(self) -> &'static str {
        match self {
            Tab::Coverage => "/planning",
            Tab::Villages => "/planning/villages",
            Tab::Waiting => "/planning/waiting",
            Tab::Budget => "/planning/budget",
            Tab::Effectiveness => "/planning/effectiveness",
        }
    }

    fn label(self, t: &Texts) -> &'static str {
        match self {
            Tab::Coverage => t.coverage,
            Tab::Villages => t.villages,
            Tab::Waiting => t.waiting,
            Tab::Budget => t.budget,
            Tab::Effectiveness => t.effectiveness,
        }
    }
}

/// A page under construction: its frame, then its sections.
struct Builder {
    lang: Lang,
    t: &'static Texts,
    tab: Tab,
    tables: Vec<(DataTable, String, Option<String>)>,
    charts: Vec<String>,
}

impl Builder {
    fn new(lang: Lang, tab: Tab) -> Self {
        Builder { lang, t: texts(lang), tab, tables: Vec::new(), charts: Vec::new() }
    }

    /// Adds a section: a chart (may be empty), its table, and a note under it.
    fn section(&mut self, heading: &str, chart: String, table: DataTable, note: Option<String>) {
        self.charts.push(chart);
        self.tables.push((table, heading.to_string(), note));
    }

    /// The download of a table asked for, if one was.
    fn download(&self, q: &PlanningQuery) -> Option<Result<Response, PageError>> {
        let format = q.format?;
        Some(match self.tables.iter().find(|(t, _, _)| t.id == q.table) {
            Some((table, _, _)) => {
                Ok(crate::tables::download(self.lang, &format!("planning-{}", table.id), format, table.csv()))
            }
            None => Err(PageError(self.lang, Problem::not_found())),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn page(
        self,
        user: &SessionUser,
        area: &Area,
        query: &str,
        summary: Vec<String>,
        programs: Vec<(i64, String, bool)>,
        year: Option<String>,
        extra: (bool, Option<Imported>, Option<String>),
    ) -> Response {
        let (lang, t) = (self.lang, self.t);
        let place = area.place_id.map(|p| format!("?place={p}")).unwrap_or_default();
        let tabs =
            Tab::ALL.iter().map(|&tab| (format!("{}{place}", tab.path()), tab.label(t), tab == self.tab)).collect();
        let up = match area.level {
            Level::County => area.up.map(|p| format!("{}?place={p}", self.tab.path())),
            Level::Province if area.may_go_up => Some(self.tab.path().to_string()),
            _ => None,
        };
        let area_name = if area.level == Level::Country { t.country.to_string() } else { area.name_fa.clone() };
        let title = format!("{}: {}", self.tab.label(t), area_name);
        let sections = self
            .tables
            .into_iter()
            .zip(self.charts)
            .map(|((table, heading, note), chart)| Section {
                heading,
                chart,
                table_id: table.id,
                caption: table.caption.clone(),
                head: table.head.clone(),
                rows: table.shown(lang),
                note,
            })
            .collect();
        let (may_import, imported, error) = extra;
        let page = PlanningPage {
            t,
            layout: Layout::new(lang, user, &title, Some(Module::Planning), self.tab.path()),
            tabs,
            path: self.tab.path(),
            area_place: area.place_id,
            up,
            summary,
            programs,
            year,
            here: format!("{}?{query}", self.tab.path()),
            sections,
            may_import,
            imported,
            error: error.clone(),
        };
        render_form(error.is_some(), &page)
    }
}

/// The address's choices kept for the downloads' links.
fn query_of(area: &Area, more: &[(&str, String)]) -> String {
    let mut parts = Vec::new();
    if let Some(p) = area.place_id {
        parts.push(format!("place={p}"));
    }
    for (k, v) in more {
        parts.push(format!("{k}={v}"));
    }
    let mut query = parts.join("&");
    if !query.is_empty() {
        query.push('&');
    }
    query
}

fn month_label(lang: Lang, code: i64) -> String {
    lang.digits(&format!("{}/{:02}", code / 100, code % 100))
}

fn percent(lang: Lang) -> impl Fn(i64) -> String {
    move |p| match lang {
        Lang::Fa => format!("{}٪", lang.digits(&tavana_domain::planning::percent_text(p).replace('.', "٫"))),
        Lang::En => format!("{}%", tavana_domain::planning::percent_text(p)),
    }
}

fn count(lang: Lang) -> impl Fn(i64) -> String {
    move |n| lang.number(n)
}

/// A place's kind as a county's rows name it.
fn kind_label(lang: Lang, kind: &str) -> &'static str {
    match (lang, kind) {
        (Lang::Fa, "city") => "شهر",
        (Lang::Fa, _) => "روستا",
        (Lang::En, "city") => "city",
        (Lang::En, _) => "village",
    }
}

fn program_name(lang: Lang, p: &ProgramHead) -> String {
    match lang {
        Lang::Fa => p.name_fa.clone(),
        Lang::En => p.code.clone(),
    }
}

/// A table's head from its texts.
fn heads(texts: &[&str]) -> Vec<String> {
    texts.iter().map(|s| s.to_string()).collect()
}

/// A trend's months as labels, and one series a program of `values` (per
/// program, per month).
fn by_month(lang: Lang, trend: &Trend, values: &[Vec<i64>]) -> (Vec<String>, Vec<Series>) {
    let labels = trend.months.iter().map(|m| month_label(lang, *m)).collect();
    let series = trend
        .programs
        .iter()
        .zip(values)
        .map(|(p, values)| Series { name: program_name(lang, p), values: values.clone() })
        .collect();
    (labels, series)
}

// ---------------------------------------------------------------- coverage

fn coverage_table(lang: Lang, t: &Texts, c: &Coverage) -> DataTable {
    let mut head: Vec<String> =
        heads(&[t.place, t.households, t.members, t.with_disability, t.with_severe, t.population]);
    for p in &c.programs {
        let name = program_name(lang, p);
        head.push(format!("{}: {name}", t.beneficiaries));
        head.push(format!("{}: {name}", t.coverage_of));
    }
    let mut table = DataTable::new("coverage", t.coverage_table, head);
    let drill = c.area.level != Level::County;
    for row in c.rows.iter().chain(std::iter::once(&c.total)) {
        let total = std::ptr::eq(row, &c.total);
        let place = if total {
            Cell::Text(t.total.to_string())
        } else if drill {
            Cell::Link(format!("/planning?place={}", row.place_id), row.name_fa.clone())
        } else {
            Cell::Text(format!("{} ({})", row.name_fa, kind_label(lang, &row.kind)))
        };
        let mut cells = vec![
            place,
            Cell::Int(row.households),
            Cell::Int(row.members),
            Cell::Int(row.with_disability),
            Cell::Int(row.with_severe),
            Cell::Int(row.population),
        ];
        for (i, p) in c.programs.iter().enumerate() {
            let b = row.beneficiaries.get(i).copied().unwrap_or(0);
            cells.push(Cell::Int(b));
            cells.push(Cell::PerMille(rule::coverage(p.target, b, row.households, row.members)));
        }
        table.rows.push(cells);
    }
    table
}

pub async fn coverage_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    q: PlanningQuery,
) -> Result<Response, PageError> {
    let place = number(lang, "place", &q.place)?;
    let chosen = number(lang, "program", &q.program)?;
    let c = state.store.coverage(&user.actor, place).await.in_lang(lang)?;
    let trend = state.store.planning_trend(&user.actor, place).await.in_lang(lang)?;
    let mut b = Builder::new(lang, Tab::Coverage);
    let t = b.t;
    let program = c.programs.iter().position(|p| Some(p.id) == chosen).unwrap_or(0);
    let chart = match c.programs.get(program) {
        Some(p) => {
            let bars: Vec<(String, i64)> = c
                .rows
                .iter()
                .map(|r| {
                    let n = r.beneficiaries.get(program).copied().unwrap_or(0);
                    (r.name_fa.clone(), rule::coverage(p.target, n, r.households, r.members).unwrap_or(0))
                })
                .collect();
            let title = format!("{}: {}", t.coverage_chart, program_name(lang, p));
            charts::bars("coverage-chart", &title, &bars, percent(lang), lang == Lang::Fa)
        }
        None => String::new(),
    };
    b.section(t.coverage, chart, coverage_table(lang, t, &c), Some(t.how_counted.to_string()));

    let (labels, series) = by_month(lang, &trend, &trend.beneficiaries);
    let chart = charts::lines("trend-chart", t.trend_chart, &labels, &series, count(lang), lang == Lang::Fa);
    let mut head = vec![t.month.to_string()];
    for p in &trend.programs {
        let name = program_name(lang, p);
        head.extend([
            format!("{}: {name}", t.beneficiaries),
            format!("{}: {name}", t.entries),
            format!("{}: {name}", t.exits),
        ]);
    }
    let mut table = DataTable::new("trend", t.trend_table, head);
    for (m, label) in labels.iter().enumerate() {
        let mut cells = vec![Cell::Text(label.clone())];
        for p in 0..trend.programs.len() {
            cells.extend([
                Cell::Int(trend.beneficiaries[p][m]),
                Cell::Int(trend.entries[p][m]),
                Cell::Int(trend.exits[p][m]),
            ]);
        }
        table.rows.push(cells);
    }
    b.section(t.trend, chart, table, None);
    if let Some(download) = b.download(&q) {
        return download;
    }
    let programs = c.programs.iter().enumerate().map(|(i, p)| (p.id, program_name(lang, p), i == program)).collect();
    let chosen = c.programs.get(program).map(|p| ("program", p.id.to_string()));
    let query = query_of(&c.area, &chosen.into_iter().collect::<Vec<_>>());
    Ok(b.page(user, &c.area, &query, Vec::new(), programs, None, (false, None, None)))
}

pub async fn coverage(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Query(q): Query<PlanningQuery>,
) -> Result<Response, PageError> {
    coverage_page(&state, lang, &user, q).await
}

// ---------------------------------------------------------------- villages

async fn villages_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    q: PlanningQuery,
    imported: Option<Imported>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let place = number(lang, "place", &q.place)?;
    let limit = if q.format.is_some() { ALL_VILLAGES } else { SHOWN_VILLAGES };
    let hidden = state.store.hidden_villages(&user.actor, place, limit).await.in_lang(lang)?;
    let mut b = Builder::new(lang, Tab::Villages);
    let t = b.t;
    let top: Vec<(String, i64)> =
        hidden.rows.iter().take(15).map(|v| (format!("{}، {}", v.name_fa, v.county_fa), v.expected)).collect();
    let chart = charts::bars("villages-chart", t.villages_chart, &top, count(lang), lang == Lang::Fa);
    let head =
        heads(&[t.rank, t.code, t.village, t.county, t.province, t.population, t.expected, t.households, t.reach]);
    let mut table = DataTable::new("villages", t.villages_table, head);
    for (i, v) in hidden.rows.iter().enumerate() {
        table.rows.push(vec![
            Cell::Int(i as i64 + 1),
            Cell::Text(v.code.clone()),
            Cell::Text(v.name_fa.clone()),
            Cell::Text(v.county_fa.clone()),
            Cell::Text(v.province_fa.clone()),
            Cell::Int(v.population),
            Cell::Int(v.expected),
            Cell::Int(v.households),
            Cell::Text(match (lang, v.reach) {
                (Lang::Fa, r) => r.label_fa().to_string(),
                (Lang::En, tavana_domain::planning::Reach::Unregistered) => t.unregistered.to_string(),
                (Lang::En, tavana_domain::planning::Reach::Unserved) => t.unserved.to_string(),
            }),
        ]);
    }
    let shown = hidden.unregistered + hidden.unserved;
    let note = (shown as usize > hidden.rows.len())
        .then(|| format!("{} {}", t.shown_first, lang.number(hidden.rows.len() as i64)));
    let note = if hidden.rows.is_empty() { Some(t.no_villages.to_string()) } else { note };
    b.section(t.villages, chart, table, note);
    if let Some(download) = b.download(&q) {
        return download;
    }
    let summary = vec![
        format!(
            "{} {} {}",
            t.rate_assumption,
            percent(lang)(hidden.rate_ppm / 1_000),
            if hidden.rate_observed { t.rate_basis } else { t.rate_default }
        ),
        format!(
            "{} {} — {}: {} — {}: {}",
            t.villages_counted,
            lang.number(hidden.villages),
            t.unregistered,
            lang.number(hidden.unregistered),
            t.unserved,
            lang.number(hidden.unserved)
        ),
    ];
    let may_import = user.actor.may(Action::Planning(PlanningAction::ImportVillages));
    let query = query_of(&hidden.area, &[]);
    Ok(b.page(user, &hidden.area, &query, summary, Vec::new(), None, (may_import, imported, error)))
}

pub async fn villages(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Query(q): Query<PlanningQuery>,
) -> Result<Response, PageError> {
    villages_page(&state, lang, &user, q, None, None).await
}

pub async fn import_census(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    form: Multipart,
) -> Result<Response, PageError> {
    let upload = crate::page::Upload::read(lang, form).await?;
    if !user.check_csrf(upload.text("csrf")) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let result = if upload.bytes.iter().all(u8::is_ascii_whitespace) {
        Err(tavana_store::StoreError::Invalid(tavana_domain::DomainError::new(
            "file",
            tavana_domain::error::Reason::Empty,
        )))
    } else {
        state.store.import_villages(&user.actor, &upload.bytes).await
    };
    match result {
        Ok(report) => {
            let imported = Imported {
                recorded: lang.number(report.recorded as i64),
                refused: crate::page::bad_rows(lang, report.refused),
            };
            villages_page(&state, lang, &user, PlanningQuery::default(), Some(imported), None).await
        }
        Err(e) => {
            let error = crate::page::refusal(lang, e)?;
            villages_page(&state, lang, &user, PlanningQuery::default(), None, Some(error)).await
        }
    }
}

// ---------------------------------------------------------------- waiting

pub async fn waiting(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Query(q): Query<PlanningQuery>,
) -> Result<Response, PageError> {
    let place = number(lang, "place", &q.place)?;
    let area = state.store.planning_area(&user.actor, place).await.in_lang(lang)?;
    let rows = state.store.planning_waiting(&user.actor, place).await.in_lang(lang)?;
    let trend = state.store.planning_trend(&user.actor, place).await.in_lang(lang)?;
    let mut b = Builder::new(lang, Tab::Waiting);
    let t = b.t;
    let names: std::collections::HashMap<i64, String> =
        trend.programs.iter().map(|p| (p.id, program_name(lang, p))).collect();
    let mut by_place: Vec<(String, i64)> = Vec::new();
    for r in &rows {
        match by_place.iter_mut().find(|(name, _)| *name == r.name_fa) {
            Some(entry) => entry.1 += r.waiting,
            None => by_place.push((r.name_fa.clone(), r.waiting)),
        }
    }
    let chart = charts::bars("waiting-chart", t.waiting_chart, &by_place, count(lang), lang == Lang::Fa);
    let head = heads(&[t.place, t.program, t.waiting_now, t.mean_days, t.longest_days]);
    let mut table = DataTable::new("waiting", t.waiting_table, head);
    for r in &rows {
        table.rows.push(vec![
            Cell::Text(r.name_fa.clone()),
            Cell::Text(names.get(&r.program_id).cloned().unwrap_or_default()),
            Cell::Int(r.waiting),
            Cell::Int(r.mean_days),
            Cell::Int(r.longest_days),
        ]);
    }
    let note = rows.is_empty().then(|| t.nobody_waits.to_string());
    b.section(t.waiting_now, chart, table, note);
    let (labels, series) = by_month(lang, &trend, &trend.waiting);
    let chart =
        charts::lines("waiting-trend-chart", t.waiting_trend_chart, &labels, &series, count(lang), lang == Lang::Fa);
    let mut head = vec![t.month.to_string()];
    head.extend(trend.programs.iter().map(|p| program_name(lang, p)));
    let mut table = DataTable::new("waiting-trend", t.waiting_trend_table, head);
    for (m, label) in labels.iter().enumerate() {
        let mut cells = vec![Cell::Text(label.clone())];
        cells.extend(trend.waiting.iter().map(|w| Cell::Int(w[m])));
        table.rows.push(cells);
    }
    b.section(t.trend, chart, table, None);
    if let Some(download) = b.download(&q) {
        return download;
    }
    let query = query_of(&area, &[]);
    Ok(b.page(&user, &area, &query, Vec::new(), Vec::new(), None, (false, None, None)))
}

// ---------------------------------------------------------------- budget

pub async fn budget(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Query(q): Query<PlanningQuery>,
) -> Result<Response, PageError> {
    let place = number(lang, "place", &q.place)?;
    let today = tavana_domain::jalali::JalaliDate::from_gregorian(state.store.today())
        .map_err(|e| PageError(lang, tavana_store::StoreError::Invalid(e).into()))?;
    let this_year = i64::from(today.year());
    let year = number(lang, "year", &q.year)?.unwrap_or(this_year);
    let budget = state.store.planning_budget(&user.actor, place, year).await.in_lang(lang)?;
    let mut b = Builder::new(lang, Tab::Budget);
    let t = b.t;
    let labels: Vec<String> = budget.months.iter().map(|m| month_label(lang, year * 100 + m.month)).collect();
    let series = vec![
        Series { name: t.allocated.to_string(), values: budget.months.iter().map(|m| m.allocated).collect() },
        Series { name: t.spent.to_string(), values: budget.months.iter().map(|m| m.spent).collect() },
    ];
    let chart = charts::columns("budget-chart", t.budget_chart, &labels, &series, count(lang), lang == Lang::Fa);
    let head = heads(&[t.month, t.allocated, t.spent, t.execution]);
    let mut months = DataTable::new("budget-months", t.budget_months, head);
    for (m, label) in budget.months.iter().zip(&labels) {
        months.rows.push(vec![
            Cell::Text(label.clone()),
            Cell::Int(m.allocated),
            Cell::Int(m.spent),
            Cell::PerMille(per_mille(m.spent, m.allocated)),
        ]);
    }
    let empty = budget.rows.is_empty();
    b.section(t.budget_chart, chart, months, Some(t.budget_note.to_string()));
    let head = heads(&[t.program, t.province, t.allocated, t.spent, t.execution, t.spent_before, t.growth]);
    let mut table = DataTable::new("budget", t.budget_table, head);
    for r in &budget.rows {
        table.rows.push(vec![
            Cell::Text(r.program_fa.clone()),
            Cell::Text(r.province_fa.clone()),
            Cell::Int(r.allocated),
            Cell::Int(r.spent),
            Cell::PerMille(per_mille(r.spent, r.allocated)),
            Cell::Int(r.spent_before),
            Cell::PerMille(growth_per_mille(r.spent_before, r.spent)),
        ]);
    }
    b.section(t.by_program, String::new(), table, empty.then(|| t.no_budget.to_string()));
    if let Some(download) = b.download(&q) {
        return download;
    }
    let query = query_of(&budget.area, &[("year", year.to_string())]);
    let shown_year = Some(year.to_string());
    Ok(b.page(&user, &budget.area, &query, Vec::new(), Vec::new(), shown_year, (false, None, None)))
}

// ---------------------------------------------------------------- effectiveness

pub async fn effectiveness(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Query(q): Query<PlanningQuery>,
) -> Result<Response, PageError> {
    let place = number(lang, "place", &q.place)?;
    let e = state.store.effectiveness(&user.actor, place).await.in_lang(lang)?;
    let mut b = Builder::new(lang, Tab::Effectiveness);
    let t = b.t;
    let reasons = tavana_domain::programs::ExitReason::ALL;
    let totals: Vec<(String, i64)> = reasons
        .iter()
        .map(|r| {
            let n = e.programs.iter().flat_map(|p| &p.exits).filter(|x| x.reason == *r).map(|x| x.exits).sum();
            (lang.coded(*r), n)
        })
        .collect();
    let chart = charts::bars("exits-chart", t.exits_chart, &totals, count(lang), lang == Lang::Fa);
    let mut head = vec![t.program.to_string()];
    head.extend(reasons.iter().map(|r| lang.coded(*r)));
    head.extend([t.unexplained, t.mean_on_program, t.left_need].iter().map(|s| s.to_string()));
    let mut table = DataTable::new("exits", t.exits_table, head);
    for p in &e.programs {
        let mut cells = vec![Cell::Text(program_name(lang, &p.program))];
        cells.extend(p.exits.iter().map(|x| Cell::Int(x.exits)));
        cells.push(Cell::Int(p.exits_unexplained));
        cells.push(p.mean_days_on_program.map(Cell::Int).unwrap_or(Cell::Text("—".into())));
        cells.push(Cell::PerMille(p.left_need_per_mille));
        table.rows.push(cells);
    }
    b.section(t.exits_heading, chart, table, None);
    let head = heads(&[
        t.program,
        t.beneficiaries_now,
        t.entries_year,
        t.exits_year,
        t.net_month,
        t.projected,
        t.monthly_amount,
        t.projected_budget,
    ]);
    let mut table = DataTable::new("projection", t.projection_table, head);
    for p in &e.programs {
        let (a, j) = (p.projection.assumptions, p.projection);
        table.rows.push(vec![
            Cell::Text(program_name(lang, &p.program)),
            Cell::Int(a.beneficiaries),
            Cell::Int(a.entries),
            Cell::Int(a.exits),
            Cell::Int(j.net_per_month),
            Cell::Int(j.beneficiaries),
            Cell::Int(a.monthly_rials),
            Cell::Int(j.budget_rials),
        ]);
    }
    b.section(t.projection_heading, String::new(), table, Some(t.assumptions.to_string()));
    if let Some(download) = b.download(&q) {
        return download;
    }
    let query = query_of(&e.area, &[]);
    Ok(b.page(&user, &e.area, &query, Vec::new(), Vec::new(), None, (false, None, None)))
}
