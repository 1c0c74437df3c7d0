//! The import page: upload a file of households, persons or assessments, see what
//! was kept and every row refused, and download the refused rows as CSV.

use crate::AppState;
use crate::auth::SessionUser;
use crate::error::Problem;
use crate::i18n::Lang;
use crate::page::{InLang, Layout, PageError, render};
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use tavana_domain::iam::{Action, Module};
use tavana_domain::registry::RegistryAction;
use tavana_store::StoreError;
use tavana_store::registry::import::{FileFormat, ImportKind};

pub struct ErrorRow {
    pub line: String,
    pub field: String,
    pub value: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    result: Option<Vec<(String, String)>>,
    errors: Vec<ErrorRow>,
    report_href: Option<String>,
    /// Shown when the page lists only the first of more errors.
    errors_total: Option<String>,
    problem: Option<String>,
    /// The largest file taken, in MiB, in the page's digits.
    limit_mib: String,
    /// Names the upload, for the page to follow its progress.
    ticket: String,
    kinds: [&'static str; 3],
}

fn page(lang: Lang, user: &SessionUser, limit: u64) -> ImportPage {
    ImportPage {
        t: super::texts::texts(lang),
        layout: Layout::new(
            lang,
            user,
            super::texts::texts(lang).import_files,
            Some(Module::Registry),
            "/registry/import",
        ),
        result: None,
        errors: Vec::new(),
        report_href: None,
        errors_total: None,
        problem: None,
        limit_mib: lang.digits(&(limit / (1024 * 1024)).to_string()),
        ticket: tavana_store::iam::random_token(),
        kinds: ImportKind::ALL.map(ImportKind::as_str),
    }
}

fn may_import(lang: Lang, user: &SessionUser) -> Result<(), PageError> {
    if !user.actor.may(Action::Registry(RegistryAction::Edit)) {
        return Err(PageError(lang, StoreError::Forbidden("change the registry").into()));
    }
    Ok(())
}

pub async fn form(State(state): State<AppState>, lang: Lang, user: SessionUser) -> Result<Response, PageError> {
    may_import(lang, &user)?;
    Ok(render(StatusCode::OK, &page(lang, &user, state.config.import_limit)))
}

/// An empty file of a kind: its header row with every column it may have.
pub async fn template(lang: Lang, user: SessionUser, Path(file): Path<String>) -> Result<Response, PageError> {
    may_import(lang, &user)?;
    let kind = file.strip_suffix(".csv").and_then(ImportKind::parse).ok_or(PageError(lang, Problem::not_found()))?;
    let header = format!("{}\n", kind.columns().join(","));
    Ok(crate::tables::download(lang, kind.as_str(), crate::tables::TableFormat::Csv, header.into_bytes()))
}

/// The codes the coded columns take, with their Persian labels, and the villages
/// and cities the user's unit registers households in.
pub async fn codes(State(state): State<AppState>, lang: Lang, user: SessionUser) -> Result<Response, PageError> {
    may_import(lang, &user)?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut write =
        |row: [&str; 3]| out.write_record(row.map(|c| tavana_domain::text::spreadsheet_safe(c).into_owned()));
    let failed = |e: csv::Error| PageError(lang, StoreError::Corrupt(format!("code list: {e}")).into());
    write(["column", "code", "label_fa"]).map_err(failed)?;
    for (column, code, label) in tavana_store::registry::import::code_list() {
        write([column, code, label]).map_err(failed)?;
    }
    for (code, name, county, province) in state.store.home_places(&user.actor, None).await.in_lang(lang)? {
        write(["place", &code, &format!("{name}، {county}، {province}")]).map_err(failed)?;
    }
    let body = out.into_inner().map_err(|e| failed(e.into_error().into()))?;
    Ok(crate::tables::download(lang, "codes", crate::tables::TableFormat::Csv, body))
}

pub async fn upload(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    request: axum::extract::Request,
) -> Result<Response, PageError> {
    let t = super::texts::texts(lang);
    let limit = state.config.import_limit;
    // The form's other fields are small; the file is what the limit is for.
    let size = crate::uploads::declared_size(request.headers());
    if size.is_some_and(|size| size > limit + FORM_SLACK) {
        return Err(PageError(lang, crate::error::too_large(limit)));
    }
    let unreadable = || {
        PageError(
            lang,
            Problem::new(
                StatusCode::BAD_REQUEST,
                "Bad Request",
                "The upload could not be read; send it again.",
                "پرونده خوانده نشد؛ دوباره بفرستید.",
            ),
        )
    };
    let mut multipart =
        <Multipart as axum::extract::FromRequest<()>>::from_request(request, &()).await.map_err(|_| unreadable())?;
    // The form sends its token, the kind and the ticket before the file, so the
    // file is streamed into the import as it arrives, never held whole.
    let mut csrf = String::new();
    let mut kind = None;
    let mut ticket = String::new();
    let mut view = page(lang, &user, limit);
    let field = loop {
        match multipart.next_field().await {
            Ok(Some(field)) => match field.name().unwrap_or_default() {
                "csrf" => csrf = small_text(field).await.ok_or_else(unreadable)?,
                "kind" => kind = ImportKind::parse(&small_text(field).await.ok_or_else(unreadable)?),
                "ticket" => ticket = small_text(field).await.ok_or_else(unreadable)?,
                "file" => break Some(field),
                _ => {}
            },
            Ok(None) => break None,
            Err(_) => return Err(unreadable()),
        }
    };
    if !user.check_csrf(&csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let Some(field) = field.filter(|f| f.file_name().is_some_and(|n| !n.is_empty())) else {
        view.problem = Some(t.choose_file.to_string());
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view));
    };
    let Some(kind) = kind else {
        view.problem = Some(t.choose_file.to_string());
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view));
    };
    let Some(format) = FileFormat::from_name(field.file_name().unwrap_or_default()) else {
        view.problem = Some(t.file_format.to_string());
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view));
    };
    let followed = state.tickets.follow(user.actor.user_id, &ticket, size);
    // One import at a time: the file is read only when its turn comes.
    let _turn = state
        .imports
        .acquire()
        .await
        .map_err(|_| PageError(lang, tavana_store::StoreError::Corrupt("imports closed".into()).into()))?;
    let done =
        super::api::run_import(&state, &user.actor, kind, format, field, followed.as_ref()).await.in_lang(lang)?;
    drop(followed);
    if done.fed.blank {
        view.problem = Some(t.file_empty.to_string());
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view));
    }
    let (summary, errors) = (&done.summary, &done.first_errors);
    let figure = |n: u64| lang.number(i64::try_from(n).unwrap_or(i64::MAX));
    view.result = Some(vec![
        (t.rows_read.to_string(), figure(summary.read)),
        (t.rows_inserted.to_string(), figure(summary.inserted)),
        (t.rows_updated.to_string(), figure(summary.updated)),
        (t.rows_unchanged.to_string(), figure(summary.unchanged)),
        (t.rows_rejected.to_string(), figure(summary.rejected)),
    ]);
    view.report_href = done.report.as_ref().map(|id| format!("/registry/import/reports/{id}"));
    view.errors_total = (done.errors_total > errors.len() as u64).then(|| figure(done.errors_total));
    view.errors = errors
        .iter()
        .map(|e| ErrorRow {
            line: lang.digits(&e.line.to_string()),
            field: crate::forms::label(lang, &e.field),
            value: e.value.clone(),
            reason: match lang {
                Lang::Fa => e.reason_fa.clone(),
                Lang::En => e.reason_en.clone(),
            },
        })
        .collect();
    Ok(render(StatusCode::OK, &view))
}

/// A small field of the import form (a token, a kind, a ticket), read only up
/// to a few hundred bytes: the upload has no size limit but the file's, so a
/// field that runs on is refused, never held.
async fn small_text(mut field: axum::extract::multipart::Field<'_>) -> Option<String> {
    const MOST: usize = 512;
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.ok()? {
        if bytes.len() + chunk.len() > MOST {
            return None;
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).ok()
}

/// What a multipart form may add to its file: boundaries, headers and the
/// small fields.
const FORM_SLACK: u64 = 64 * 1024;

/// Where the import under `ticket` is, for its page to show while it uploads:
/// 404 when it is not running (not started, ended, or another user's).
pub async fn progress(
    State(state): State<AppState>,
    user: SessionUser,
    Path(ticket): Path<String>,
) -> Result<axum::Json<crate::uploads::Progress>, StatusCode> {
    state.tickets.progress(user.actor.user_id, &ticket).map(axum::Json).ok_or(StatusCode::NOT_FOUND)
}

/// A report of refused rows, as CSV, for the user who imported.
pub async fn report(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    state.reports.download(user.actor.user_id, &id).await.ok_or(PageError(lang, Problem::not_found()))
}
