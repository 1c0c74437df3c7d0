//! Payments' pages: the cycles with the form to open one and the programs' payment
//! settings; a cycle with its totals, holds, files, jobs and the steps its state
//! and the user's roles allow; bank file downloads, streamed; the bank's return
//! uploaded; the jobs; the ledger with budget execution.

use crate::AppState;
use crate::auth::SessionUser;
use crate::error::Problem;
use crate::i18n::Lang;
use crate::page::{InLang, Layout, PageError, refusal, render};
use askama::Template;
use axum::Form;
use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tavana_domain::iam::{Action, Module};
use tavana_domain::payments::{
    CycleState, CycleStep, HoldReason, JobStep, PayMonth, PaymentAction, PaymentSettingsFields, RawPaymentSettings,
    Rounding,
};
use tavana_store::StoreError;
use tavana_store::payments::{FileFormat, PaymentCycle, ReturnReport};

fn texts(lang: Lang) -> &'static super::texts::Texts {
    super::texts::texts(lang)
}

fn month_name(lang: Lang, code: i64) -> String {
    match (PayMonth::from_code(code), lang) {
        (Ok(m), Lang::Fa) => m.to_persian(),
        (Ok(m), Lang::En) => m.to_ascii(),
        (Err(_), _) => code.to_string(),
    }
}

/// A cycle as a row of the list.
pub struct CycleRow {
    pub id: i64,
    pub program: String,
    pub month: String,
    pub unit: String,
    pub state: String,
    pub state_code: &'static str,
    pub to_pay: String,
    pub paid: String,
}

fn cycle_row(lang: Lang, c: &PaymentCycle, program: &str) -> CycleRow {
    CycleRow {
        id: c.id,
        program: program.to_string(),
        month: month_name(lang, c.month),
        unit: c.unit_name_fa.clone(),
        state: lang.coded(c.state),
        state_code: c.state.code(),
        to_pay: format!("{} / {}", lang.number(c.payable_count), lang.number(c.payable_rials)),
        paid: format!("{} / {}", lang.number(c.paid_count), lang.number(c.paid_rials)),
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
}

pub struct SettingsRow {
    pub program: String,
    pub rounding: String,
    pub debtor: String,
    pub deduction: String,
}

#[derive(Template)]
#[template(path = "payments.html")]
struct ListPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    rows: Vec<CycleRow>,
    programs: Vec<Choice>,
    units: Vec<Choice>,
    roundings: Vec<Choice>,
    settings: Vec<SettingsRow>,
    can_prepare: bool,
    at_hq: bool,
    error: Option<String>,
}

async fn list_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    error: Option<String>,
) -> Result<Response, PageError> {
    let store = &state.store;
    let programs = store.programs(&user.actor).await.in_lang(lang)?;
    let mut rows = Vec::new();
    let mut settings = Vec::new();
    for p in &programs {
        let name = if lang == Lang::Fa { &p.name_fa } else { &p.name_en };
        for c in store.payment_cycles(&user.actor, p.id).await.in_lang(lang)? {
            rows.push(cycle_row(lang, &c, name));
        }
        let set = store.payment_settings(&user.actor, p.id).await.in_lang(lang)?;
        settings.push(SettingsRow {
            program: name.clone(),
            rounding: set.as_ref().map(|s| lang.coded(s.rounding)).unwrap_or_else(|| texts(lang).not_set.into()),
            debtor: set.as_ref().map(|s| format!("{} ({})", s.debtor_name, s.debtor_sheba)).unwrap_or_default(),
            deduction: set.and_then(|s| s.deduction).unwrap_or_default(),
        });
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.id));
    let units = store
        .org_units(&user.actor)
        .await
        .in_lang(lang)?
        .into_iter()
        .filter(|u| {
            matches!(u.kind(), Some(tavana_domain::org::OrgUnitKind::Hq | tavana_domain::org::OrgUnitKind::Province))
        })
        .map(|u| Choice { value: u.id.to_string(), label: u.name_fa })
        .collect();
    let page = ListPage {
        t: texts(lang),
        layout: Layout::new(lang, user, texts(lang).payments, Some(Module::Payments), "/payments"),
        rows,
        programs: programs
            .iter()
            .map(|p| Choice {
                value: p.id.to_string(),
                label: if lang == Lang::Fa { p.name_fa.clone() } else { p.name_en.clone() },
            })
            .collect(),
        units,
        roundings: Rounding::ALL.iter().map(|r| Choice { value: r.code().into(), label: lang.coded(*r) }).collect(),
        settings,
        can_prepare: user.actor.may(Action::Payments(PaymentAction::Prepare)),
        at_hq: user.actor.unit_path.is_root(),
        error: error.clone(),
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(status, &page))
}

pub async fn list(State(state): State<AppState>, lang: Lang, user: SessionUser) -> Result<Response, PageError> {
    if !user.actor.may(Action::Open(Module::Payments)) {
        return Err(PageError(lang, Problem::from(StoreError::Forbidden(Action::Open(Module::Payments).phrase()))));
    }
    list_page(&state, lang, &user, None).await
}

#[derive(Deserialize)]
pub struct CreateForm {
    csrf: String,
    program: i64,
    month: String,
    unit: i64,
}

pub async fn create(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(form): Form<CreateForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let created = match PayMonth::parse(&form.month) {
        Ok(month) => state.store.create_cycle(&user.actor, form.program, month, form.unit).await,
        Err(e) => Err(StoreError::Invalid(e)),
    };
    match created {
        Ok(cycle) => Ok(Redirect::to(&format!("/payments/cycles/{}", cycle.id)).into_response()),
        Err(e) => list_page(&state, lang, &user, Some(refusal(lang, e)?)).await,
    }
}

#[derive(Deserialize)]
pub struct SettingsForm {
    csrf: String,
    program: i64,
    rounding: String,
    debtor_name: String,
    debtor_sheba: String,
    #[serde(default)]
    deduction: String,
}

pub async fn save_settings(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(form): Form<SettingsForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let raw = RawPaymentSettings {
        rounding: form.rounding,
        debtor_name: form.debtor_name,
        debtor_sheba: form.debtor_sheba,
        deduction: form.deduction,
    };
    let refused = match PaymentSettingsFields::parse(&raw) {
        Ok(fields) => match state.store.set_payment_settings(&user.actor, form.program, &fields).await {
            Ok(_) => return Ok(Redirect::to("/payments").into_response()),
            Err(e) => refusal(lang, e)?,
        },
        // Every bad field, each named with its reason.
        Err(errors) => {
            errors.into_iter().map(|e| refusal(lang, StoreError::Invalid(e))).collect::<Result<Vec<_>, _>>()?.join(" ")
        }
    };
    list_page(&state, lang, &user, Some(refused)).await
}

pub struct TotalRow {
    pub province: String,
    pub to_pay: String,
    pub paid: String,
    pub failed: String,
    pub held: String,
}

pub struct HoldRow {
    pub reason: String,
    pub code: &'static str,
    pub count: String,
}

pub struct FileRow {
    pub id: i64,
    pub bank: String,
    pub format: &'static str,
    pub transfers: String,
    pub control_sum: String,
    pub sha256: String,
}

pub struct JobRow {
    pub id: i64,
    pub cycle_id: i64,
    pub step: String,
    pub state: String,
    pub done: String,
    pub held: String,
    pub failed: String,
    pub remaining: String,
    pub resumed: String,
}

fn job_row(lang: Lang, j: &tavana_store::payments::PaymentJob) -> JobRow {
    let t = texts(lang);
    JobRow {
        id: j.id,
        cycle_id: j.cycle_id,
        step: match j.step {
            JobStep::Compute => t.compute.into(),
            JobStep::IssueFiles => t.issue_files.into(),
            JobStep::Reconcile => t.reconcile.into(),
        },
        state: match lang {
            Lang::Fa => j.state.label_fa().into(),
            _ => j.state.code().into(),
        },
        done: lang.number(j.done),
        held: lang.number(j.held),
        failed: lang.number(j.failed),
        remaining: lang.number(j.remaining()),
        resumed: lang.number(j.resumed),
    }
}

pub struct LineRow {
    pub person_id: i64,
    pub holder: String,
    pub month: String,
    pub amount: String,
    pub sheba: String,
    pub status: String,
    pub reason: String,
}

/// A step's button: the path it posts to and what it needs besides.
pub struct StepButton {
    pub path: &'static str,
    pub label: &'static str,
    /// `reason` (required), `note` (optional) or nothing.
    pub asks: &'static str,
}

#[derive(Template)]
#[template(path = "payment_cycle.html")]
struct CyclePage {
    t: &'static super::texts::Texts,
    layout: Layout,
    cycle: PaymentCycle,
    program: String,
    month: String,
    state: String,
    to_pay: String,
    held: String,
    paid: String,
    failed: String,
    totals: Vec<TotalRow>,
    holds: Vec<HoldRow>,
    files: Vec<FileRow>,
    jobs: Vec<JobRow>,
    steps: Vec<StepButton>,
    may_reconcile: bool,
    lines: Option<Vec<LineRow>>,
    error: Option<String>,
    done: Option<String>,
    report: Option<ReportView>,
}

/// A return file's result, as shown.
pub struct ReportView {
    pub paid: String,
    pub failed: String,
    pub unmatched: Vec<(String, String, String)>,
}

fn report_view(lang: Lang, r: &ReturnReport) -> ReportView {
    ReportView {
        paid: lang.number(i64::try_from(r.paid).unwrap_or(i64::MAX)),
        failed: lang.number(i64::try_from(r.failed).unwrap_or(i64::MAX)),
        unmatched: r
            .unmatched
            .iter()
            .map(|u| {
                let reason = if lang == Lang::Fa { u.reason_fa.clone() } else { u.reason_en.clone() };
                (lang.number(i64::try_from(u.row).unwrap_or(i64::MAX)), u.end_to_end_id.clone(), reason)
            })
            .collect(),
    }
}

/// The steps a user may take on a cycle now: those its state allows whose action
/// their roles grant (the store decides again, with four eyes, when one is taken).
fn steps(lang: Lang, user: &SessionUser, state: CycleState) -> Vec<StepButton> {
    let t = texts(lang);
    let buttons = [
        (CycleStep::Compute, "compute", if state == CycleState::Draft { t.compute } else { t.compute_again }, ""),
        (CycleStep::Submit, "submit", t.submit, ""),
        (CycleStep::Approve, "approve", t.approve, "note"),
        (CycleStep::Reject, "reject", t.reject, "reason"),
        (CycleStep::IssueFiles, "issue-files", t.issue_files, ""),
        (CycleStep::Close, "close", t.close_cycle, ""),
        (CycleStep::Cancel, "cancel", t.cancel_cycle, "reason"),
    ];
    buttons
        .into_iter()
        .filter(|(step, ..)| step.from(state).is_some() && user.actor.may(Action::Payments(step.action())))
        .map(|(_, path, label, asks)| StepButton { path, label, asks })
        .collect()
}

#[derive(Default)]
struct Shown {
    error: Option<String>,
    done: Option<String>,
    report: Option<ReturnReport>,
    lines: bool,
}

impl Shown {
    /// The page after a store call: its error's message, or what `ok` shows.
    fn after<T>(lang: Lang, result: Result<T, StoreError>, ok: impl FnOnce(T) -> Shown) -> Result<Shown, PageError> {
        match result {
            Ok(value) => Ok(ok(value)),
            Err(e) => Ok(Shown { error: Some(refusal(lang, e)?), ..Shown::default() }),
        }
    }
}

async fn cycle_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    id: i64,
    shown: Shown,
) -> Result<Response, PageError> {
    let store = &state.store;
    let actor = &user.actor;
    let cycle = store.payment_cycle(actor, id).await.in_lang(lang)?;
    let program = store.program(actor, cycle.program_id).await.in_lang(lang)?;
    let totals = store.cycle_totals(actor, id).await.in_lang(lang)?;
    let holds = store.cycle_holds(actor, id).await.in_lang(lang)?;
    let files = store.bank_files(actor, id).await.in_lang(lang)?;
    let jobs = store.cycle_jobs(actor, id).await.in_lang(lang)?;
    let lines = if shown.lines {
        let lines = store.cycle_lines(actor, id, None, 200).await.in_lang(lang)?;
        Some(
            lines
                .into_iter()
                .map(|l| LineRow {
                    person_id: l.person_id,
                    holder: l.holder,
                    month: month_name(lang, l.month),
                    amount: lang.number(l.amount_rials),
                    sheba: l.sheba.unwrap_or_default(),
                    status: lang.coded(l.status),
                    reason: l
                        .hold_reason
                        .and_then(|r| HoldReason::try_from(r).ok())
                        .map(|r| lang.coded(r))
                        .or(l.return_reason)
                        .unwrap_or_default(),
                })
                .collect(),
        )
    } else {
        None
    };
    let pair = |count: i64, rials: i64| format!("{} / {}", lang.number(count), lang.number(rials));
    let page = CyclePage {
        t: texts(lang),
        layout: Layout::new(lang, user, texts(lang).cycle, Some(Module::Payments), &format!("/payments/cycles/{id}")),
        program: if lang == Lang::Fa { program.name_fa } else { program.name_en },
        month: month_name(lang, cycle.month),
        state: lang.coded(cycle.state),
        to_pay: pair(cycle.payable_count, cycle.payable_rials),
        held: lang.number(cycle.held_count),
        paid: pair(cycle.paid_count, cycle.paid_rials),
        failed: pair(cycle.failed_count, cycle.failed_rials),
        totals: totals
            .iter()
            .map(|t| TotalRow {
                province: t.province_name_fa.clone(),
                to_pay: pair(t.payable_count, t.payable_rials),
                paid: pair(t.paid_count, t.paid_rials),
                failed: pair(t.failed_count, t.failed_rials),
                held: lang.number(t.held_count),
            })
            .collect(),
        holds: holds
            .iter()
            .map(|h| HoldRow { reason: lang.coded(h.reason), code: h.reason.code(), count: lang.number(h.count) })
            .collect(),
        files: files
            .iter()
            .map(|f| FileRow {
                id: f.id,
                bank: tavana_domain::sheba::BANKS
                    .iter()
                    .find(|b| b.code == f.bank_code)
                    .map(|b| if lang == Lang::Fa { b.name_fa.to_string() } else { b.name_en.to_string() })
                    .unwrap_or_else(|| f.bank_code.clone()),
                format: if f.format == FileFormat::Csv { "CSV" } else { "pain.001 (XML)" },
                transfers: lang.number(f.transfers),
                control_sum: lang.number(f.control_sum),
                sha256: f.sha256.clone(),
            })
            .collect(),
        jobs: jobs.iter().map(|j| job_row(lang, j)).collect(),
        steps: steps(lang, user, cycle.state),
        may_reconcile: CycleStep::Reconcile.from(cycle.state).is_some()
            && user.actor.may(Action::Payments(PaymentAction::Prepare)),
        lines,
        error: shown.error.clone(),
        done: shown.done,
        report: shown.report.as_ref().map(|r| report_view(lang, r)),
        cycle,
    };
    let status = if shown.error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(status, &page))
}

#[derive(Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    lines: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, PageError> {
    let done = q.done.map(|d| format!("{} {d}", texts(lang).step_done));
    let shown = Shown { done, lines: q.lines.is_some(), ..Shown::default() };
    cycle_page(&state, lang, &user, id, shown).await
}

#[derive(Deserialize)]
pub struct StepForm {
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

pub async fn act(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path((id, step)): Path<(i64, String)>,
    Form(form): Form<StepForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let (store, actor) = (&state.store, &user.actor);
    let taken = match step.as_str() {
        "compute" => store.compute_cycle(actor, id).await.map(|_| ()),
        "submit" => store.submit_cycle(actor, id).await.map(|_| ()),
        "approve" => store.approve_cycle(actor, id, &form.note).await.map(|_| ()),
        "reject" => store.reject_cycle(actor, id, &form.reason).await.map(|_| ()),
        "issue-files" => store.issue_bank_files(actor, id).await.map(|_| ()),
        "close" => store.close_cycle(actor, id).await.map(|_| ()),
        "cancel" => store.cancel_cycle(actor, id, &form.reason).await.map(|_| ()),
        _ => return Err(PageError(lang, Problem::not_found())),
    };
    if taken.is_ok() {
        return Ok(Redirect::to(&format!("/payments/cycles/{id}?done={step}")).into_response());
    }
    let shown = Shown::after(lang, taken, |()| Shown::default())?;
    cycle_page(&state, lang, &user, id, shown).await
}

/// The bank's return, uploaded as a file with the form's CSRF token.
pub async fn upload_return(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<Response, PageError> {
    let upload = crate::page::Upload::read(lang, form).await?;
    if !user.check_csrf(upload.text("csrf")) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let reconciled = state.store.reconcile_cycle(&user.actor, id, upload.bytes.as_slice()).await;
    let shown = Shown::after(lang, reconciled, |report| Shown { report: Some(report), ..Shown::default() })?;
    cycle_page(&state, lang, &user, id, shown).await
}

/// A bank file, streamed as it is written (checked against its hash at the end).
pub async fn download(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(file_id): Path<i64>,
) -> Result<Response, PageError> {
    let (file, _) = state.store.bank_file(&user.actor, file_id).await.in_lang(lang)?;
    Ok(stream_bank_file(state.store.clone(), user.actor.clone(), file))
}

/// The response streaming a bank file the actor may download (shared with the API).
pub(crate) fn stream_bank_file(
    store: tavana_store::Store,
    actor: tavana_domain::iam::Actor,
    file: tavana_store::payments::BankFile,
) -> Response {
    let (mut writer, reader) = tokio::io::duplex(256 * 1024);
    let id = file.id;
    tokio::spawn(async move {
        if let Err(e) = store.download_bank_file(&actor, id, &mut writer).await {
            tracing::error!(file = id, error = %e, "a bank file download stopped");
        }
    });
    let chunks = futures_util::stream::unfold(reader, |mut reader| async move {
        use tokio::io::AsyncReadExt;
        let mut buffer = vec![0u8; 64 * 1024];
        match reader.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok::<_, std::io::Error>(buffer), reader))
            }
            Err(e) => Some((Err(e), reader)),
        }
    });
    let (kind, extension) = match file.format {
        FileFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        FileFormat::Pain001 => ("application/xml", "xml"),
    };
    let name = format!("attachment; filename=\"cycle-{}-bank-{}.{extension}\"", file.cycle_id, file.bank_code);
    (
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (header::CONTENT_DISPOSITION, name),
            (header::HeaderName::from_static("x-sha256"), file.sha256),
        ],
        Body::from_stream(chunks),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "payment_jobs.html")]
struct JobsPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    jobs: Vec<JobRow>,
}

pub async fn jobs(State(state): State<AppState>, lang: Lang, user: SessionUser) -> Result<Response, PageError> {
    let jobs = state.store.payment_jobs(&user.actor, 100).await.in_lang(lang)?;
    let page = JobsPage {
        t: texts(lang),
        layout: Layout::new(lang, &user, texts(lang).jobs, Some(Module::Payments), "/payments/jobs"),
        jobs: jobs.iter().map(|j| job_row(lang, j)).collect(),
    };
    Ok(render(StatusCode::OK, &page))
}

pub struct BalanceRow {
    pub account: String,
    pub program: String,
    pub balance: String,
}

pub struct BudgetRow {
    pub province: String,
    pub month: String,
    pub budget: String,
    pub spent: String,
    pub paid: String,
}

#[derive(Template)]
#[template(path = "payment_ledger.html")]
struct LedgerPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    balances: Vec<BalanceRow>,
    balanced: bool,
    unbalanced: String,
    programs: Vec<Choice>,
    program: i64,
    year: String,
    budget: Vec<BudgetRow>,
}

#[derive(Deserialize)]
pub struct LedgerQuery {
    #[serde(default)]
    program: Option<i64>,
    #[serde(default)]
    year: Option<String>,
}

pub async fn ledger(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, PageError> {
    let store = &state.store;
    let balances = store.ledger_balances(&user.actor).await.in_lang(lang)?;
    let check = store.check_ledger().await.in_lang(lang)?;
    let programs = store.programs(&user.actor).await.in_lang(lang)?;
    let name_of = |id: Option<i64>| {
        programs
            .iter()
            .find(|p| Some(p.id) == id)
            .map(|p| if lang == Lang::Fa { p.name_fa.clone() } else { p.name_en.clone() })
            .unwrap_or_default()
    };
    let today = tavana_domain::jalali::JalaliDate::from_gregorian(store.today())
        .map_err(|e| PageError(lang, Problem::from(StoreError::Invalid(e))))?;
    let year = match q.year.as_deref().map(|y| tavana_domain::text::to_ascii_digits(y.trim())) {
        Some(y) if !y.is_empty() => y
            .parse::<i32>()
            .map_err(|_| PageError(lang, Problem::field("year", "a Jalali year such as 1405", "سالی مانند ۱۴۰۵")))?,
        _ => today.year(),
    };
    let program = q.program.or(programs.first().map(|p| p.id)).unwrap_or(0);
    let budget = store.budget_execution(&user.actor, program, year).await.in_lang(lang)?;
    let page = LedgerPage {
        t: texts(lang),
        layout: Layout::new(lang, &user, texts(lang).ledger, Some(Module::Payments), "/payments/ledger"),
        balances: balances
            .iter()
            .map(|b| BalanceRow {
                account: lang.coded(b.account),
                program: name_of(b.program_id),
                balance: lang.number(b.rials),
            })
            .collect(),
        balanced: check.unbalanced.is_empty() && check.total == 0,
        unbalanced: check.unbalanced.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        programs: programs
            .iter()
            .map(|p| Choice {
                value: p.id.to_string(),
                label: if lang == Lang::Fa { p.name_fa.clone() } else { p.name_en.clone() },
            })
            .collect(),
        program,
        year: year.to_string(),
        budget: budget
            .iter()
            .map(|b| BudgetRow {
                province: b.province_name_fa.clone(),
                month: month_name(lang, b.month),
                budget: b.budget_rials.map(|r| lang.number(r)).unwrap_or_default(),
                spent: lang.number(b.spent_rials),
                paid: lang.number(b.paid_rials),
            })
            .collect(),
    };
    Ok(render(StatusCode::OK, &page))
}
