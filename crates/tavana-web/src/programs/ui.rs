//! Programs: the list, the editor (rule and formula checked as typed, errors at
//! their position), simulation with a chart, eligibility proposals to confirm, and
//! the explanation of one person's eligibility.

use crate::AppState;
use crate::auth::SessionUser;
use crate::error::Problem;
use crate::forms::{FormField, Kind, coded_options, fields, message as field_message};
use crate::i18n::Lang;
use crate::page::{InLang, Layout, PageError, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tavana_domain::DomainError;
use tavana_domain::coded::Coded;
use tavana_domain::iam::{Action, Module};
use tavana_domain::jalali::JalaliDate;
use tavana_domain::programs::rule::Value;
use tavana_domain::programs::variables::VARIABLES;
use tavana_domain::programs::{
    EnrollmentState, ProgramFields, ProgramKind, ProgramTarget, RawProgram, parse_formula, parse_rule,
};
use tavana_domain::programs::{Outcome, ProgramAction, ProgramStatus};
use tavana_store::StoreError;
use tavana_store::lists::ListOrder;
use tavana_store::lists::ListPage as Rows;
use tavana_store::programs::{
    ConfirmRequest, EnrollmentDecision, EnrollmentFilter, Persons, Program, Proposal, SimulationRow,
};
use tavana_store::programs::{DECISION_SORTS, DecisionFilter, ENROLLMENT_SORTS};

fn money(lang: Lang, rials: i64) -> String {
    match lang {
        Lang::Fa => tavana_domain::Rials::new(rials).to_persian_rials(),
        Lang::En => format!("{} IRR", tavana_domain::Rials::new(rials).grouped()),
    }
}

pub struct ProgramRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    /// The status's stored code, for scripts and tests.
    pub status_code: &'static str,
    /// Which status changes the program's state allows.
    pub may_activate: bool,
    pub may_close: bool,
}

fn program_row(lang: Lang, p: &Program) -> ProgramRow {
    ProgramRow {
        id: p.id,
        code: p.code.clone(),
        name: match lang {
            Lang::Fa => p.name_fa.clone(),
            Lang::En => p.name_en.clone(),
        },
        kind: match lang {
            Lang::Fa => p.kind.label_fa().to_string(),
            Lang::En => p.kind.code().replace('_', " "),
        },
        status: match lang {
            Lang::Fa => p.status.label_fa().to_string(),
            Lang::En => p.status.code().to_string(),
        },
        status_code: p.status.code(),
        may_activate: p.status.may_become(ProgramStatus::Active),
        may_close: p.status.may_become(ProgramStatus::Closed),
    }
}

#[derive(Template)]
#[template(path = "programs.html")]
struct ListPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    rows: Vec<ProgramRow>,
    can_manage: bool,
}

pub async fn list(State(state): State<AppState>, lang: Lang, user: SessionUser) -> Result<Response, PageError> {
    let programs = state.store.programs(&user.actor).await.in_lang(lang)?;
    let page = ListPage {
        t: super::texts::texts(lang),
        layout: Layout::new(lang, &user, super::texts::texts(lang).programs, Some(Module::Programs), "/programs"),
        rows: programs.iter().map(|p| program_row(lang, p)).collect(),
        can_manage: user.actor.may(Action::Programs(ProgramAction::Manage)),
    };
    Ok(render(StatusCode::OK, &page))
}

/// A variable of the rule language, for the reference beside the editor.
pub struct VariableRow {
    pub name: &'static str,
    pub ty: &'static str,
    pub doc: &'static str,
}

fn variable_rows(lang: Lang) -> Vec<VariableRow> {
    VARIABLES
        .iter()
        .map(|v| VariableRow {
            name: v.name,
            ty: if lang == Lang::Fa { v.ty.name_fa() } else { v.ty.name_en() },
            doc: if lang == Lang::Fa { v.doc_fa } else { v.doc_en },
        })
        .collect()
}

#[derive(Template)]
#[template(path = "program_new.html")]
struct NewPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    action: String,
    /// The version being edited (absent for a new program).
    version: Option<i64>,
    reason: String,
    reason_error: Option<String>,
    fields: Vec<FormField>,
    rule: String,
    rule_error: Option<String>,
    formula: String,
    formula_error: Option<String>,
    variables: Vec<VariableRow>,
    has_errors: bool,
    /// For a program in force: the month the change applies from (Jalali).
    effective_from: Option<String>,
    effective_from_error: Option<String>,
}

fn program_specs() -> Vec<(&'static str, Kind, bool)> {
    vec![
        ("code", Kind::Ltr, true),
        ("name_fa", Kind::Text, true),
        ("name_en", Kind::Ltr, true),
        ("kind", Kind::Coded { options: coded_options::<ProgramKind>(), optional: false }, true),
        ("target", Kind::Coded { options: coded_options::<ProgramTarget>(), optional: false }, true),
        ("budget_month", Kind::Ltr, false),
        ("budget_year", Kind::Ltr, false),
    ]
}

fn new_page(lang: Lang, user: &SessionUser, raw: &RawProgram, errors: &[DomainError]) -> NewPage {
    program_form(lang, user, raw, errors, None, "", None)
}

/// The program editor: a new program, or an edit of `version` with its reason.
fn program_form(
    lang: Lang,
    user: &SessionUser,
    raw: &RawProgram,
    errors: &[DomainError],
    edit: Option<(i64, i64)>,
    reason: &str,
    effective_from: Option<String>,
) -> NewPage {
    let err = |field: &str| errors.iter().find(|e| e.field == field).map(|e| field_message(lang, e));
    let (title, action) = match edit {
        Some((id, _)) => (super::texts::texts(lang).edit, format!("/programs/{id}/edit")),
        None => (super::texts::texts(lang).new_program, "/programs".to_string()),
    };
    NewPage {
        t: super::texts::texts(lang),
        layout: Layout::new(lang, user, title, Some(Module::Programs), &action),
        action,
        version: edit.map(|(_, v)| v),
        reason: reason.to_string(),
        reason_error: err("reason").or_else(|| err("version")).or_else(|| err("status")),
        fields: fields(lang, program_specs(), &serde_json::to_value(raw).unwrap_or_default(), errors),
        rule: raw.rule.clone(),
        rule_error: err("rule"),
        formula: raw.formula.clone(),
        formula_error: err("formula"),
        variables: variable_rows(lang),
        has_errors: !errors.is_empty(),
        effective_from,
        effective_from_error: err("effective_from"),
    }
}

fn require_manage(lang: Lang, user: &SessionUser) -> Result<(), PageError> {
    if user.actor.may(Action::Programs(ProgramAction::Manage)) {
        Ok(())
    } else {
        Err(PageError(lang, StoreError::Forbidden("manage programs").into()))
    }
}

pub async fn new_form(lang: Lang, user: SessionUser) -> Result<Response, PageError> {
    require_manage(lang, &user)?;
    Ok(render(StatusCode::OK, &new_page(lang, &user, &RawProgram::default(), &[])))
}

#[derive(Deserialize)]
pub struct ProgramForm {
    csrf: String,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    effective_from: Option<String>,
    #[serde(default)]
    reason: String,
    #[serde(flatten)]
    raw: RawProgram,
}

fn raw_of(p: &Program) -> RawProgram {
    RawProgram {
        code: p.code.clone(),
        name_fa: p.name_fa.clone(),
        name_en: p.name_en.clone(),
        kind: p.kind.code().into(),
        target: p.target.code().into(),
        rule: p.rule.clone(),
        formula: p.formula.clone(),
        budget_month: p.budget_month.map(|v| v.to_string()).unwrap_or_default(),
        budget_year: p.budget_year.map(|v| v.to_string()).unwrap_or_default(),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    require_manage(lang, &user)?;
    let program = state.store.program(&user.actor, id).await.in_lang(lang)?;
    let effective_from = (program.status == ProgramStatus::Active)
        .then(|| state.store.default_as_of().map(|d| d.to_ascii()))
        .transpose()
        .in_lang(lang)?;
    let page = program_form(lang, &user, &raw_of(&program), &[], Some((id, program.version)), "", effective_from);
    Ok(render(StatusCode::OK, &page))
}

pub async fn update(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<ProgramForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    require_manage(lang, &user)?;
    let version = form.version.unwrap_or(0);
    // A program in force changes by a proposal from a month on; a draft by an edit.
    let proposing = form.effective_from.is_some();
    let errors = match ProgramFields::parse(&form.raw) {
        Ok(fields) => match async {
            match &form.effective_from {
                Some(month) => {
                    let from = JalaliDate::parse(month)
                        .map_err(|e| StoreError::Invalid(DomainError::new("effective_from", e.reason)))?;
                    state
                        .store
                        .propose_program_change(&user.actor, id, &fields, version, from, &form.reason)
                        .await
                        .map(|_| id)
                }
                None => state.store.update_program(&user.actor, id, &fields, version, &form.reason).await.map(|p| p.id),
            }
        }
        .await
        {
            Ok(id) => return Ok(Redirect::to(&format!("/programs/{id}")).into_response()),
            Err(StoreError::Invalid(e)) => vec![e],
            Err(StoreError::Conflict { field }) if field == "version" => {
                vec![DomainError::new("version", tavana_domain::error::Reason::Taken)]
            }
            Err(StoreError::Conflict { .. }) => vec![DomainError::new("code", tavana_domain::error::Reason::Taken)],
            Err(e) => return Err(PageError(lang, e.into())),
        },
        Err(errors) => errors,
    };
    let effective_from = proposing.then(|| form.effective_from.clone().unwrap_or_default());
    let page = program_form(lang, &user, &form.raw, &errors, Some((id, version)), &form.reason, effective_from);
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

pub async fn create(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(form): Form<ProgramForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    require_manage(lang, &user)?;
    let errors = match ProgramFields::parse(&form.raw) {
        Ok(fields) => match state.store.create_program(&user.actor, &fields, "new program").await {
            Ok(p) => return Ok(Redirect::to(&format!("/programs/{}", p.id)).into_response()),
            Err(StoreError::Conflict { .. }) => vec![DomainError::new("code", tavana_domain::error::Reason::Taken)],
            Err(e) => return Err(PageError(lang, e.into())),
        },
        Err(errors) => errors,
    };
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &new_page(lang, &user, &form.raw, &errors)))
}

pub struct SimRow {
    pub place: String,
    pub eligible: String,
    pub needs_information: String,
    pub cost: String,
    pub gainers: String,
    pub losers: String,
}

/// A bar of the chart: a province's monthly cost.
pub struct Bar {
    pub label: String,
    pub y: i64,
    pub width: i64,
    /// Where the bar, its label and its value start (right to left in Persian).
    pub x: i64,
    pub label_x: i64,
    pub value_x: i64,
    pub value: String,
}

#[derive(Template)]
#[template(path = "program.html")]
struct ShowPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    program: ProgramRow,
    rule: String,
    formula: String,
    can_manage: bool,
    draft_rule: String,
    draft_formula: String,
    draft_error: Option<String>,
    simulation: Option<Vec<SimRow>>,
    totals: Option<SimRow>,
    bars: Vec<Bar>,
    /// The first persons the draft makes eligible or no longer eligible.
    affected: Vec<ChangeView>,
    chart_height: i64,
    proposal: Option<ProposalView>,
    message: Option<String>,
    /// The monthly budget against the simulated cost.
    budget: Option<String>,
    /// Enrollments flagged by registry changes, waiting for review.
    reviews: Vec<(i64, String, String)>,
    /// The as-of date as typed (empty for the default).
    as_of: String,
    /// The day the simulation was computed as of, for people.
    as_of_shown: String,
    /// What the simulation finds wrong: code and message.
    warnings: Vec<(&'static str, String)>,
    /// Budgets per province: province, budget, spent, waiting.
    budgets: Vec<(String, String, String, String)>,
    /// Whether the user may change national definitions (HQ officers).
    national: bool,
    /// Changes proposed or approved: id, state, from, reason, whether this user may decide it.
    changes: Vec<ChangeRow>,
    /// Earlier definitions: version, when, by whom, why.
    history: Vec<(String, String, String, String)>,
    /// The latest decisions in the user's subtree: person, change, reasons, when.
    decisions: Vec<(i64, String, String, String)>,
}

pub struct ChangeRow {
    pub id: i64,
    pub state: String,
    pub effective_from: String,
    pub reason: String,
    pub rule: String,
    pub formula: String,
    pub may_decide: bool,
}

pub struct ProposalView {
    /// The day it was computed as of: ASCII for the form, and for people.
    pub as_of: String,
    pub as_of_shown: String,
    /// The first 500 to enroll: id, name, national code, monthly amount.
    pub to_enroll: Vec<(i64, String, String, String)>,
    /// How many are proposed in all, and what they cost a month together.
    pub count: String,
    pub total: String,
    /// Whether the table lists everyone proposed (else the first 500).
    pub shown_all: bool,
    /// Everyone proposed, as CSV and as XLSX.
    pub csv: String,
    pub xlsx: String,
    pub needs_information: Vec<(i64, String)>,
    pub no_longer: Vec<(i64, String)>,
}

/// A simulation asked for: the draft rule and formula, and the as-of date typed.
struct DraftInput {
    rule: String,
    formula: String,
    as_of: String,
}

async fn show_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    id: i64,
    draft: Option<DraftInput>,
    proposal: Option<(Proposal, JalaliDate)>,
    message: Option<String>,
) -> Result<Response, PageError> {
    let program = state.store.program(&user.actor, id).await.in_lang(lang)?;
    let (draft_rule, draft_formula, as_of_text) = match &draft {
        Some(d) => (d.rule.clone(), d.formula.clone(), d.as_of.clone()),
        None => (program.rule.clone(), program.formula.clone(), String::new()),
    };
    let reviews = state
        .store
        .open_reviews(&user.actor, id)
        .await
        .in_lang(lang)?
        .into_iter()
        .map(|r| (r.person_id, lang.digits(&r.person_id.to_string()), r.reason))
        .collect();
    let mut page = ShowPage {
        t: super::texts::texts(lang),
        layout: Layout::new(
            lang,
            user,
            &program_row(lang, &program).name,
            Some(Module::Programs),
            &format!("/programs/{id}"),
        ),
        program: program_row(lang, &program),
        rule: program.rule.clone(),
        formula: program.formula.clone(),
        can_manage: user.actor.may(Action::Programs(ProgramAction::Manage)),
        draft_rule,
        draft_formula,
        draft_error: None,
        simulation: None,
        totals: None,
        bars: Vec::new(),
        affected: Vec::new(),
        chart_height: 0,
        proposal: None,
        message,
        budget: None,
        reviews,
        as_of: as_of_text,
        as_of_shown: String::new(),
        warnings: Vec::new(),
        budgets: state
            .store
            .province_budgets(&user.actor, id)
            .await
            .in_lang(lang)?
            .into_iter()
            .map(|b| {
                (
                    lang.digits(&b.province),
                    money(lang, b.budget_month),
                    money(lang, b.spent_month),
                    lang.digits(&b.waiting.to_string()),
                )
            })
            .collect(),
        national: user.actor.may(Action::Programs(ProgramAction::Manage)) && user.actor.unit_path.is_root(),
        changes: Vec::new(),
        history: Vec::new(),
        decisions: Vec::new(),
    };
    if user.actor.may(Action::Programs(ProgramAction::Manage)) {
        page.decisions = state
            .store
            .program_decisions(&user.actor, id, 20)
            .await
            .in_lang(lang)?
            .into_iter()
            .map(|d| {
                (
                    d.person_id,
                    state_change(lang, d.from_state.as_deref(), &d.to_state),
                    d.reasons,
                    lang.instant(d.decided_at),
                )
            })
            .collect();
    }
    let national = page.national;
    page.changes = state
        .store
        .program_changes(&user.actor, id)
        .await
        .in_lang(lang)?
        .into_iter()
        .map(|c| {
            let raw: RawProgram = serde_json::from_str(&c.definition).unwrap_or_default();
            let from = time::Date::parse(&c.effective_from, &time::format_description::well_known::Iso8601::DATE)
                .ok()
                .and_then(|d| JalaliDate::from_gregorian(d).ok())
                .map(|d| lang.digits(&d.to_ascii()))
                .unwrap_or_default();
            ChangeRow {
                id: c.id,
                state: if lang == Lang::Fa { c.state.label_fa().into() } else { c.state.code().replace('_', " ") },
                effective_from: from,
                reason: c.reason,
                rule: raw.rule,
                formula: raw.formula,
                may_decide: national
                    && c.state == tavana_domain::programs::ChangeState::Proposed
                    && c.proposed_by != user.actor.user_id,
            }
        })
        .collect();
    page.history = state
        .store
        .program_history(&user.actor, id)
        .await
        .in_lang(lang)?
        .into_iter()
        .map(|v| {
            (
                lang.digits(&v.version.to_string()),
                lang.instant(v.changed_at),
                v.changed_by_name.unwrap_or_default(),
                v.reason,
            )
        })
        .collect();
    if let Some(d) = draft {
        let as_of = super::as_of(&state.store, Some(&d.as_of)).map_err(|e| match e {
            StoreError::Invalid(e) => e,
            _ => DomainError::new("as_of", tavana_domain::error::Reason::OutOfRange),
        });
        match (parse_rule("rule", &d.rule), parse_formula("formula", &d.formula), as_of) {
            (Ok(rule), Ok(formula), Ok(as_of)) => {
                let simulation = state
                    .store
                    .simulate_program(&user.actor, id, rule.clone(), formula.clone(), as_of)
                    .await
                    .in_lang(lang)?;
                let changes = state
                    .store
                    .simulation_changes(&user.actor, id, rule, formula, as_of, SHOWN_CHANGES)
                    .await
                    .in_lang(lang)?;
                let rows = &simulation.rows;
                let mut codes: Vec<String> =
                    rows.iter().flat_map(|r| [r.province.clone(), r.county.clone()]).flatten().collect();
                codes.sort_unstable();
                codes.dedup();
                let names = state.store.place_names(&codes).await.in_lang(lang)?;
                let t = super::texts::texts(lang);
                page.affected = changes
                    .into_iter()
                    .map(|c| ChangeView {
                        person_id: c.person_id,
                        name: format!("{} {}", c.first_name, c.last_name),
                        national_code: lang.digits(&c.national_code),
                        county: c.county.as_ref().and_then(|code| names.get(code).cloned()).unwrap_or_default(),
                        gains: c.gains,
                        change: if c.gains { t.gains } else { t.loses }.to_string(),
                        now: c.amount_now.map(|a| money(lang, a)).unwrap_or_else(|| "—".into()),
                        draft: c.amount_draft.map(|a| money(lang, a)).unwrap_or_else(|| "—".into()),
                    })
                    .collect();
                let (sim, totals, bars) = simulation_view(lang, rows, &names);
                page.as_of_shown = lang.digits(&as_of.to_ascii());
                page.warnings = simulation
                    .warnings
                    .iter()
                    .map(|w| (w.code(), if lang == Lang::Fa { w.label_fa() } else { w.label_en() }.to_string()))
                    .collect();
                if let Some(budget) = program.budget_month {
                    let cost: i64 = rows.iter().map(|r| r.monthly_cost).sum();
                    let t = super::texts::texts(lang);
                    page.budget = Some(format!(
                        "{} {} — {} {}",
                        t.budget_month,
                        money(lang, budget),
                        if cost > budget { t.over_budget } else { t.within_budget },
                        money(lang, (cost - budget).abs())
                    ));
                }
                page.chart_height = bars.len() as i64 * 26 + 10;
                page.simulation = Some(sim);
                page.totals = Some(totals);
                page.bars = bars;
            }
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => page.draft_error = Some(field_message(lang, &e)),
        }
    }
    if let Some((p, as_of)) = proposal {
        // Names and codes, so the officer sees who is proposed (the first 500).
        let shown: Vec<i64> = p
            .to_enroll
            .iter()
            .take(500)
            .chain(p.needs_information.iter().take(500))
            .chain(&p.no_longer_eligible)
            .copied()
            .collect();
        let people = state.store.person_summaries(&user.actor, &shown).await.in_lang(lang)?;
        let download =
            format!("/programs/{id}/proposals/download?as_of={}", crate::auth::url_encode(&as_of.to_ascii()));
        let label = |id: &i64| {
            people
                .iter()
                .find(|s| s.id == *id)
                .map(|s| format!("{} {} ({})", s.first_name, s.last_name, lang.digits(&s.national_code)))
                .unwrap_or_else(|| lang.digits(&id.to_string()))
        };
        page.proposal = Some(ProposalView {
            csv: format!("{download}&format=csv"),
            xlsx: format!("{download}&format=xlsx"),
            as_of: as_of.to_ascii(),
            as_of_shown: lang.digits(&as_of.to_ascii()),
            to_enroll: p
                .to_enroll
                .iter()
                .zip(&p.amounts)
                .take(500)
                .map(|(id, amount)| {
                    let (name, code) = people
                        .iter()
                        .find(|s| s.id == *id)
                        .map(|s| (format!("{} {}", s.first_name, s.last_name), lang.digits(&s.national_code)))
                        .unwrap_or_else(|| (lang.digits(&id.to_string()), String::new()));
                    (*id, name, code, money(lang, *amount))
                })
                .collect(),
            count: lang.number(p.to_enroll.len() as i64),
            shown_all: p.to_enroll.len() <= 500,
            total: money(lang, p.amounts.iter().sum()),
            needs_information: p.needs_information.iter().take(500).map(|id| (*id, label(id))).collect(),
            no_longer: p.no_longer_eligible.iter().map(|id| (*id, label(id))).collect(),
        });
    }
    Ok(render(StatusCode::OK, &page))
}

fn simulation_view(
    lang: Lang,
    rows: &[SimulationRow],
    names: &std::collections::HashMap<String, String>,
) -> (Vec<SimRow>, SimRow, Vec<Bar>) {
    let figure = |n: i64| lang.number(n);
    // Places by name (the code where a name is missing).
    let name = |code: &Option<String>| {
        code.as_ref().map(|c| names.get(c).cloned().unwrap_or_else(|| lang.digits(c))).unwrap_or_default()
    };
    let separator = if lang == Lang::Fa { "، " } else { ", " };
    let sim = rows
        .iter()
        .map(|r| SimRow {
            place: format!("{}{separator}{}", name(&r.county), name(&r.province)),
            eligible: figure(r.eligible),
            needs_information: figure(r.needs_information),
            cost: money(lang, r.monthly_cost),
            gainers: figure(r.gainers),
            losers: figure(r.losers),
        })
        .collect();
    let sum = |f: fn(&SimulationRow) -> i64| rows.iter().map(f).sum::<i64>();
    let totals = SimRow {
        place: super::texts::texts(lang).total.to_string(),
        eligible: figure(sum(|r| r.eligible)),
        needs_information: figure(sum(|r| r.needs_information)),
        cost: money(lang, sum(|r| r.monthly_cost)),
        gainers: figure(sum(|r| r.gainers)),
        losers: figure(sum(|r| r.losers)),
    };
    // Monthly cost per province, as horizontal bars.
    let mut provinces: Vec<(String, i64)> = Vec::new();
    for r in rows {
        let province = r.province.clone().unwrap_or_default();
        match provinces.iter_mut().find(|(p, _)| *p == province) {
            Some((_, cost)) => *cost += r.monthly_cost,
            None => provinces.push((province, r.monthly_cost)),
        }
    }
    let max = provinces.iter().map(|(_, c)| *c).max().unwrap_or(0);
    if max == 0 {
        // Nothing costs anything: no bars to compare (the table says so).
        return (sim, totals, Vec::new());
    }
    // Persian reads from the right: there the label stands at the right edge and
    // the bar grows leftwards from it.
    let rtl = lang == Lang::Fa;
    let bars = provinces
        .iter()
        .enumerate()
        .map(|(i, (province, cost))| {
            let width = (cost * 520 / max).max(1);
            Bar {
                label: names.get(province).cloned().unwrap_or_else(|| lang.digits(province)),
                y: i as i64 * 26 + 4,
                width,
                x: if rtl { 760 - 130 - width } else { 130 },
                label_x: if rtl { 760 } else { 0 },
                value_x: if rtl { 760 - 130 - width - 6 } else { 130 + width + 6 },
                value: money(lang, *cost),
            }
        })
        .collect();
    (sim, totals, bars)
}

pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    show_page(&state, lang, &user, id, None, None, None).await
}

#[derive(Deserialize)]
pub struct SimulateForm {
    csrf: String,
    rule: String,
    formula: String,
    #[serde(default)]
    as_of: String,
}

pub async fn simulate(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<SimulateForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    if !user.actor.may(Action::Open(Module::Programs)) {
        return Err(PageError(lang, StoreError::Forbidden("open programs").into()));
    }
    let draft = DraftInput { rule: form.rule, formula: form.formula, as_of: form.as_of };
    show_page(&state, lang, &user, id, Some(draft), None, None).await
}

/// How many persons a simulation lists by name; its table counts them all.
const SHOWN_CHANGES: i64 = 200;

/// A person a simulated draft changes eligibility for.
pub struct ChangeView {
    pub person_id: i64,
    pub name: String,
    pub national_code: String,
    pub county: String,
    pub gains: bool,
    pub change: String,
    pub now: String,
    pub draft: String,
}

#[derive(Deserialize)]
pub struct StatusForm {
    csrf: String,
    status: String,
    /// `yes` once the officer confirmed.
    #[serde(default)]
    confirmed: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<StatusForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let status = ProgramStatus::parse("status", &form.status)
        .map_err(|e| PageError(lang, Problem::from(StoreError::Invalid(e))))?;
    if form.confirmed != "yes" && matches!(status, ProgramStatus::Active | ProgramStatus::Closed) {
        let program = state.store.program(&user.actor, id).await.in_lang(lang)?;
        let name = if lang == Lang::Fa { &program.name_fa } else { &program.name_en };
        let t = super::texts::texts(lang);
        let question = match status {
            ProgramStatus::Closed => format!("«{name}» {}", t.confirm_close),
            _ => format!("«{name}» {}", t.confirm_activate),
        };
        let action = format!("/programs/{id}/status");
        let hidden = vec![("status", status.code().to_string())];
        return Ok(crate::page::ConfirmPage::render(
            lang,
            &user,
            question,
            &action,
            hidden,
            &format!("/programs/{id}"),
        ));
    }
    state.store.set_program_status(&user.actor, id, status, "status changed").await.in_lang(lang)?;
    Ok(Redirect::to(&format!("/programs/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct ProposeForm {
    csrf: String,
    #[serde(default)]
    as_of: String,
}

pub async fn propose(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<ProposeForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let as_of = super::as_of(&state.store, Some(&form.as_of)).in_lang(lang)?;
    let proposal = state.store.propose_enrollments(&user.actor, id, as_of).await.in_lang(lang)?;
    show_page(&state, lang, &user, id, None, Some((proposal, as_of)), None).await
}

#[derive(Deserialize)]
pub struct ProposalDownload {
    #[serde(default)]
    as_of: String,
    #[serde(default)]
    format: crate::tables::TableFormat,
}

/// Everyone a proposal would enroll, as CSV or XLSX (the page lists the first 500).
pub async fn proposal_download(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<ProposalDownload>,
) -> Result<Response, PageError> {
    let as_of = super::as_of(&state.store, Some(&q.as_of)).in_lang(lang)?;
    let mut out = Vec::new();
    state.store.export_proposal(&user.actor, id, as_of, &mut out).await.in_lang(lang)?;
    Ok(crate::tables::download(lang, &format!("program-{id}-proposal"), q.format, out))
}

pub async fn confirm(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let get = |k: &str| crate::forms::value_of(&pairs, k);
    if !user.check_csrf(&get("csrf")) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let as_of = super::as_of(&state.store, Some(&get("as_of"))).in_lang(lang)?;
    // Everyone proposed (the terms decided again as of the same day), or those ticked.
    let ticked: Vec<i64> = pairs.iter().filter(|(k, _)| k == "person").filter_map(|(_, v)| v.parse().ok()).collect();
    let persons = if get("all") == "yes" { Persons::Proposed } else { Persons::Listed(&ticked) };
    let (reasons, legal_basis) = (get("reasons"), get("legal_basis"));
    let request = ConfirmRequest { persons, reasons: &reasons, legal_basis: &legal_basis, as_of };
    let done = state.store.confirm_enrollments(&user.actor, id, &request).await;
    let message = match done {
        Ok(done) => {
            let t = super::texts::texts(lang);
            let mut message = format!("{} {}", t.enrolled_count, lang.digits(&done.enrolled.to_string()));
            if !done.refused.is_empty() {
                // The first few named with the reason; a whole proposal may leave
                // thousands waiting for budget, counted after them.
                const NAMED: usize = 20;
                let list: Vec<String> = done
                    .refused
                    .iter()
                    .take(NAMED)
                    .map(|(person, why)| {
                        let why = if lang == Lang::Fa { why.label_fa() } else { why.label_en() };
                        format!("{} ({why})", lang.digits(&person.to_string()))
                    })
                    .collect();
                message.push_str(&format!(" — {} {}", t.refused_count, list.join("، ")));
                if done.refused.len() > NAMED {
                    let more = (done.refused.len() - NAMED) as i64;
                    message.push_str(&format!(" {} {}", t.refused_more, lang.number(more)));
                }
            }
            message
        }
        Err(StoreError::Invalid(e)) => field_message(lang, &e),
        Err(e) => return Err(PageError(lang, e.into())),
    };
    show_page(&state, lang, &user, id, None, None, Some(message)).await
}

pub struct ClauseRow {
    pub text: String,
    pub inputs: String,
    pub holds: &'static str,
    pub class: &'static str,
}

/// A rule's clauses as rows (the clause, the values it read, whether it held):
/// the explanation's table, on its page and an application's.
pub(crate) fn clause_rows(lang: Lang, clauses: &[tavana_domain::programs::explain::Clause]) -> Vec<ClauseRow> {
    let t = super::texts::texts(lang);
    let show = |v: &Value| match v {
        Value::Int(n) => lang.digits(&n.to_string()),
        Value::Str(s) => s.clone(),
        Value::Bool(true) => t.yes.to_string(),
        Value::Bool(false) => t.no.to_string(),
        Value::Null | Value::List(_) => t.unknown.to_string(),
    };
    clauses
        .iter()
        .map(|c| ClauseRow {
            text: if lang == Lang::Fa { c.text_fa.clone() } else { c.text.clone() },
            inputs: c.inputs.iter().map(|(n, v)| format!("{n} = {}", show(v))).collect::<Vec<_>>().join("، "),
            holds: match c.holds {
                Some(true) => t.holds,
                Some(false) => t.fails,
                None => t.unknown,
            },
            class: match c.holds {
                Some(true) => "ok",
                _ => "no",
            },
        })
        .collect()
}

#[derive(Template)]
#[template(path = "explain.html")]
struct ExplainPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    program_id: i64,
    person_id: i64,
    program_name: String,
    person_name: String,
    as_of: String,
    outcome_code: &'static str,
    verdict: &'static str,
    /// Decided on the head, for the household.
    household: bool,
    amount: Option<String>,
    missing: String,
    clauses: Vec<ClauseRow>,
    /// The person's enrollment state in this program, if enrolled at all.
    state: Option<String>,
    /// The states a decision may move the enrollment to (officers only).
    moves: Vec<(&'static str, &'static str)>,
    /// Why a beneficiary exits, offered when the enrollment is in force or paused.
    exit_reasons: Vec<(&'static str, &'static str)>,
    message: Option<String>,
}

#[derive(Deserialize)]
pub struct AsOfQuery {
    #[serde(default)]
    as_of: String,
}

pub async fn explain(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path((id, person)): Path<(i64, i64)>,
    axum::extract::Query(q): axum::extract::Query<AsOfQuery>,
) -> Result<Response, PageError> {
    let as_of = super::as_of(&state.store, Some(&q.as_of)).in_lang(lang)?;
    explain_page(&state, lang, &user, id, person, as_of, None).await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    csrf: String,
    to: String,
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    exit_reason: String,
}

pub async fn decide(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path((id, person)): Path<(i64, i64)>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let to = EnrollmentState::from_code(&form.to).ok_or(PageError(lang, Problem::not_found()))?;
    let exit_reason = match form.exit_reason.trim() {
        "" => Ok(None),
        code => tavana_domain::programs::ExitReason::from_code(code)
            .map(Some)
            .ok_or(tavana_domain::DomainError::new("exit_reason", tavana_domain::error::Reason::NotInList)),
    };
    let decided = match exit_reason {
        Ok(exit_reason) => {
            let decision =
                EnrollmentDecision { to, reasons: &form.reasons, legal_basis: &form.legal_basis, exit_reason };
            state.store.decide_enrollment(&user.actor, id, person, &decision).await
        }
        Err(e) => Err(StoreError::Invalid(e)),
    };
    let message = match decided {
        Ok(e) => format!("{} {}", super::texts::texts(lang).decision_recorded, state_label(lang, e.state)),
        Err(StoreError::Invalid(e)) => field_message(lang, &e),
        Err(e) => return Err(PageError(lang, e.into())),
    };
    let as_of = state.store.default_as_of().in_lang(lang)?;
    explain_page(&state, lang, &user, id, person, as_of, Some(message)).await
}

fn state_label(lang: Lang, state: EnrollmentState) -> String {
    match lang {
        Lang::Fa => state.label_fa().to_string(),
        Lang::En => state.code().replace('_', " "),
    }
}

async fn explain_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    id: i64,
    person: i64,
    as_of: JalaliDate,
    message: Option<String>,
) -> Result<Response, PageError> {
    let explanation = state.store.explain_eligibility(&user.actor, id, person, as_of).await.in_lang(lang)?;
    let t = super::texts::texts(lang);
    let rows = clause_rows(lang, &explanation.clauses);
    let enrollment = match state.store.enrollment(&user.actor, id, person).await {
        Ok(e) => Some(e),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(PageError(lang, e.into())),
    };
    let moves = match (&enrollment, user.actor.may(Action::Programs(ProgramAction::Manage))) {
        (Some(e), true) => Some(e.state)
            .map(|from| {
                EnrollmentState::ALL
                    .iter()
                    .filter(|to| from.may_become(**to))
                    .map(|to| (to.code(), if lang == Lang::Fa { to.label_fa() } else { to.code() }))
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let exit_reasons = match &enrollment {
        Some(e)
            if moves.iter().any(|(code, _)| *code == EnrollmentState::Exited.code())
                && e.state != EnrollmentState::Draft =>
        {
            tavana_domain::programs::ExitReason::ALL
                .iter()
                .map(|r| (r.code(), if lang == Lang::Fa { r.label_fa() } else { r.code() }))
                .collect()
        }
        _ => Vec::new(),
    };
    let page = ExplainPage {
        t: super::texts::texts(lang),
        layout: Layout::new(
            lang,
            user,
            t.why_eligible,
            Some(Module::Programs),
            &format!("/programs/{id}/explain/{person}"),
        ),
        program_id: id,
        person_id: person,
        program_name: program_row(lang, &explanation.program).name,
        person_name: explanation.person_name.clone(),
        as_of: lang.digits(&explanation.as_of),
        outcome_code: explanation.outcome.code(),
        verdict: match explanation.outcome {
            Outcome::Eligible => t.eligible,
            Outcome::NotEligible => t.not_eligible,
            Outcome::NeedsInformation => t.needs_information,
        },
        household: explanation.program.target == tavana_domain::programs::ProgramTarget::Household,
        amount: explanation.amount.map(|a| money(lang, a)),
        missing: explanation.missing.join(", "),
        clauses: rows,
        state: enrollment.map(|e| state_label(lang, e.state)),
        moves,
        exit_reasons,
        message,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct BudgetForm {
    csrf: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    budget_month: String,
}

/// Sets a province's monthly budget for the program (HQ officers).
pub async fn set_budget(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<BudgetForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let result = match tavana_domain::Rials::parse("budget_month", &form.budget_month) {
        Ok(amount) => state.store.set_province_budget(&user.actor, id, form.province.trim(), amount).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    let message = match result {
        Ok(()) => super::texts::texts(lang).budget_saved.to_string(),
        Err(StoreError::Invalid(e)) => field_message(lang, &e),
        Err(e) => return Err(PageError(lang, e.into())),
    };
    show_page(&state, lang, &user, id, None, None, Some(message)).await
}

#[derive(Deserialize)]
pub struct ChangeDecisionForm {
    csrf: String,
    decision: String,
    #[serde(default)]
    reason: String,
}

/// A second officer approves or rejects a proposed change.
pub async fn decide_change(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path((id, change)): Path<(i64, i64)>,
    Form(form): Form<ChangeDecisionForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let approve = form.decision == "approve";
    let message = match state.store.decide_program_change(&user.actor, change, approve, &form.reason).await {
        Ok(c) => format!(
            "{} {}",
            super::texts::texts(lang).change_decided,
            if lang == Lang::Fa { c.state.label_fa().to_string() } else { c.state.code().to_string() }
        ),
        Err(StoreError::Invalid(e)) => field_message(lang, &e),
        Err(e) => return Err(PageError(lang, e.into())),
    };
    show_page(&state, lang, &user, id, None, None, Some(message)).await
}

/// A list filter's enrollment state: none when empty.
fn optional_state(field: &'static str, text: &str) -> Result<Option<EnrollmentState>, DomainError> {
    match text.trim() {
        "" => Ok(None),
        code => EnrollmentState::parse(field, code).map(Some),
    }
}

#[derive(Deserialize, Default)]
pub struct EnrollmentsQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    place: String,
    #[serde(flatten)]
    list: crate::lists::ListParams,
}

impl EnrollmentsQuery {
    fn filter(&self) -> Result<EnrollmentFilter, DomainError> {
        let state = optional_state("state", &self.state)?;
        Ok(EnrollmentFilter { state, place: Some(self.place.trim().to_string()).filter(|p| !p.is_empty()) })
    }

    /// The query string of these filters.
    fn filters(&self) -> String {
        format!("state={}&place={}", crate::auth::url_encode(&self.state), crate::auth::url_encode(&self.place))
    }
}

pub struct EnrollmentView {
    pub person_id: i64,
    pub name: String,
    pub national_code: String,
    pub state: String,
    pub amount: String,
    pub place: String,
    pub under_review: bool,
}

#[derive(Template)]
#[template(path = "enrollments.html")]
struct EnrollmentsPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    program_id: i64,
    program_name: String,
    state: String,
    place: String,
    states: Vec<(&'static str, String)>,
    rows: Vec<EnrollmentView>,
    headers: Vec<crate::lists::Header>,
    nav: crate::lists::ListNav,
    error: Option<String>,
}

/// A program's enrollments, filtered by state and place, a page at a time.
pub async fn enrollments(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<EnrollmentsQuery>,
) -> Result<Response, PageError> {
    let program = state.store.program(&user.actor, id).await.in_lang(lang)?;
    let t = super::texts::texts(lang);
    let order = q.list.order();
    let (page, error) = match q.filter() {
        Ok(filter) => {
            (state.store.program_enrollment_page(&user.actor, id, &filter, &order).await.in_lang(lang)?, None)
        }
        Err(e) => (Rows { rows: Vec::new(), total: 0, page: 1 }, Some(field_message(lang, &e))),
    };
    let path = format!("/programs/{id}/enrollments");
    let columns = [
        ("name", t.name),
        ("national_code", t.national_code),
        ("state", t.enrollment_state),
        ("amount", t.amount),
        ("place", t.place),
    ];
    let page = EnrollmentsPage {
        t,
        layout: Layout::new(lang, &user, t.enrollments, Some(Module::Programs), &format!("/programs/{id}/enrollments")),
        program_id: id,
        program_name: program_row(lang, &program).name,
        state: q.state.clone(),
        place: q.place.clone(),
        states: EnrollmentState::ALL.iter().map(|s| (s.code(), state_label(lang, *s))).collect(),
        headers: crate::lists::headers(&path, &q.filters(), &columns, ENROLLMENT_SORTS, &order),
        nav: crate::lists::nav(lang, &path, &format!("{path}/download"), &q.filters(), &order, &page),
        rows: page
            .rows
            .into_iter()
            .map(|r| EnrollmentView {
                person_id: r.person_id,
                name: format!("{} {}", r.first_name, r.last_name),
                national_code: lang.digits(&r.national_code),
                state: EnrollmentState::from_code(&r.state).map(|s| state_label(lang, s)).unwrap_or(r.state),
                amount: r.amount_rials.map(|a| money(lang, a)).unwrap_or_default(),
                place: lang.digits(&r.county.or(r.province).unwrap_or_default()),
                under_review: r.under_review,
            })
            .collect(),
        error,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize, Default)]
pub struct DecisionsQuery {
    #[serde(default)]
    to_state: String,
    #[serde(default)]
    decided_by: String,
    #[serde(flatten)]
    list: crate::lists::ListParams,
}

impl DecisionsQuery {
    fn filter(&self) -> Result<DecisionFilter, DomainError> {
        let to_state = optional_state("to_state", &self.to_state)?;
        Ok(DecisionFilter { to_state, decided_by: self.decided_by.trim().to_string() })
    }

    fn filters(&self) -> String {
        use crate::auth::url_encode;
        format!("to_state={}&decided_by={}", url_encode(&self.to_state), url_encode(&self.decided_by))
    }

    /// Newest first unless asked otherwise.
    fn order(&self) -> ListOrder {
        let mut order = self.list.order();
        if self.list.sort.is_empty() {
            order.descending = self.list.dir != "asc";
        }
        order
    }
}

pub struct DecisionView {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub national_code: String,
    pub change: String,
    pub reasons: String,
    pub legal_basis: String,
    pub decided_by: String,
    pub when: String,
    pub appeal_until: String,
}

#[derive(Template)]
#[template(path = "decisions.html")]
struct DecisionsPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    program_id: i64,
    program_name: String,
    q: DecisionsQuery,
    states: Vec<(&'static str, String)>,
    rows: Vec<DecisionView>,
    headers: Vec<crate::lists::Header>,
    nav: crate::lists::ListNav,
    error: Option<String>,
}

/// "to ← from" in the page's words.
fn state_change(lang: Lang, from: Option<&str>, to: &str) -> String {
    let label =
        |code: &str| EnrollmentState::from_code(code).map(|s| state_label(lang, s)).unwrap_or_else(|| code.to_string());
    format!("{} ← {}", label(to), from.map(label).unwrap_or_else(|| "—".into()))
}

/// A program's decisions: filtered by state and decider, sorted, a page at a time.
pub async fn decisions(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<DecisionsQuery>,
) -> Result<Response, PageError> {
    let program = state.store.program(&user.actor, id).await.in_lang(lang)?;
    let t = super::texts::texts(lang);
    let order = q.order();
    let (page, error) = match q.filter() {
        Ok(filter) => (state.store.program_decision_page(&user.actor, id, &filter, &order).await.in_lang(lang)?, None),
        Err(e) => (Rows { rows: Vec::new(), total: 0, page: 1 }, Some(field_message(lang, &e))),
    };
    let path = format!("/programs/{id}/decisions");
    let columns = [
        ("name", t.name),
        ("to_state", t.decision),
        ("reasons", t.reasons),
        ("legal_basis", t.legal_basis),
        ("decided_by", t.decided_by),
        ("decided", t.when),
        ("appeal_until", t.appeal_until),
    ];
    let view = DecisionsPage {
        t,
        layout: Layout::new(lang, &user, t.decisions_of, Some(Module::Programs), &path),
        program_id: id,
        program_name: program_row(lang, &program).name,
        states: EnrollmentState::ALL.iter().map(|s| (s.code(), state_label(lang, *s))).collect(),
        headers: crate::lists::headers(&path, &q.filters(), &columns, DECISION_SORTS, &order),
        nav: crate::lists::nav(lang, &path, &format!("{path}/download"), &q.filters(), &order, &page),
        rows: page
            .rows
            .into_iter()
            .map(|d| DecisionView {
                id: d.id,
                person_id: d.person_id,
                name: format!("{} {}", d.first_name, d.last_name),
                national_code: lang.digits(&d.national_code),
                change: state_change(lang, d.from_state.as_deref(), &d.to_state),
                reasons: d.reasons,
                legal_basis: d.legal_basis,
                decided_by: d.decided_by.unwrap_or_default(),
                when: lang.instant(d.decided_at),
                appeal_until: lang.date(&d.appeal_until),
            })
            .collect(),
        q,
        error,
    };
    Ok(render(StatusCode::OK, &view))
}

/// A program's decisions as a CSV or XLSX file, with the list's filters and order.
pub async fn decisions_download(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<DecisionsQuery>,
) -> Result<Response, PageError> {
    let filter = q.filter().map_err(|e| PageError(lang, Problem::from(StoreError::Invalid(e))))?;
    let mut out = Vec::new();
    state.store.export_program_decisions(&user.actor, id, &filter, &q.order(), &mut out).await.in_lang(lang)?;
    Ok(crate::tables::download(lang, &format!("program-{id}-decisions"), q.list.format, out))
}

/// A program's enrollments as a CSV or XLSX file, with the list's filters and order.
pub async fn enrollments_download(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<EnrollmentsQuery>,
) -> Result<Response, PageError> {
    let filter = q.filter().map_err(|e| PageError(lang, Problem::from(StoreError::Invalid(e))))?;
    let mut out = Vec::new();
    state.store.export_program_enrollments(&user.actor, id, &filter, &q.list.order(), &mut out).await.in_lang(lang)?;
    Ok(crate::tables::download(lang, &format!("program-{id}-enrollments"), q.list.format, out))
}

#[cfg(test)]
mod chart_tests {
    use super::*;

    fn row(province: &str, county: &str, cost: i64) -> SimulationRow {
        SimulationRow {
            province: Some(province.into()),
            county: Some(county.into()),
            eligible: 1,
            needs_information: 0,
            monthly_cost: cost,
            gainers: 0,
            losers: 0,
            candidates: 1,
        }
    }

    /// The chart ran left to right in Persian, with places as codes, and a program
    /// costing nothing drew bars of no width.
    #[test]
    fn bars_grow_from_the_right_in_persian_and_name_their_places() {
        let names = [("08".to_string(), "تهران".to_string()), ("08-01".to_string(), "تهران".to_string())].into();
        let rows = [row("08", "08-01", 100), row("17", "17-01", 50)];
        let (sim, _, bars) = simulation_view(Lang::Fa, &rows, &names);
        assert_eq!(sim[0].place, "تهران، تهران");
        assert_eq!(bars[0].label, "تهران");
        assert_eq!((bars[0].label_x, bars[0].x + bars[0].width), (760, 630), "anchored at the right");
        assert_eq!(bars[1].x + bars[1].width, 630);
        assert!(bars[1].width < bars[0].width);
        let (_, _, english) = simulation_view(Lang::En, &rows, &names);
        assert_eq!((english[0].label_x, english[0].x), (0, 130), "anchored at the left");
        let (_, _, free) = simulation_view(Lang::Fa, &[row("08", "08-01", 0)], &names);
        assert!(free.is_empty(), "nothing to compare");
    }
}
