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
}

fn page(lang: Lang, user: &SessionUser) -> ImportPage {
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
    }
}

pub async fn form(lang: Lang, user: SessionUser) -> Result<Response, PageError> {
    if !user.actor.may(Action::Registry(RegistryAction::Edit)) {
        return Err(PageError(lang, StoreError::Forbidden("change the registry").into()));
    }
    Ok(render(StatusCode::OK, &page(lang, &user)))
}

pub async fn upload(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    request: axum::extract::Request,
) -> Result<Response, PageError> {
    let t = super::texts::texts(lang);
    // One import at a time, its file read only when its turn comes.
    let _turn = state
        .imports
        .acquire()
        .await
        .map_err(|_| PageError(lang, tavana_store::StoreError::Corrupt("imports closed".into()).into()))?;
    let mut multipart =
        <Multipart as axum::extract::FromRequest<()>>::from_request(request, &()).await.map_err(|e| {
            PageError(
                lang,
                Problem::new(e.status(), "Bad Request", e.body_text(), "پرونده خوانده نشد؛ دوباره بفرستید."),
            )
        })?;
    let mut csrf = String::new();
    let mut kind = None;
    let mut file: Option<(String, axum::body::Bytes)> = None;
    let mut unreadable = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                unreadable = Some(e.status());
                break;
            }
        };
        match field.name().unwrap_or_default() {
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "kind" => kind = ImportKind::parse(&field.text().await.unwrap_or_default()),
            "file" => {
                let name = field.file_name().unwrap_or_default().to_string();
                match field.bytes().await {
                    Ok(bytes) => file = Some((name, bytes)),
                    Err(e) => {
                        unreadable = Some(e.status());
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(status) = unreadable {
        // The form's token may lie beyond where reading stopped: say what happened
        // rather than "choose a file"; nothing was imported.
        let problem = match status {
            StatusCode::PAYLOAD_TOO_LARGE => crate::error::too_large(crate::error::IMPORT_LIMIT),
            _ => Problem::new(
                StatusCode::BAD_REQUEST,
                "Bad Request",
                "The upload could not be read; send it again.",
                "پرونده خوانده نشد؛ دوباره بفرستید.",
            ),
        };
        return Err(PageError(lang, problem));
    }
    if !user.check_csrf(&csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let mut view = page(lang, &user);
    let (Some(kind), Some((name, bytes))) = (kind, file) else {
        view.problem = Some(t.choose_file.to_string());
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view));
    };
    let Some(format) = FileFormat::from_name(&name) else {
        view.problem = Some(t.file_format.to_string());
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view));
    };
    let done = super::api::run_import(&state, &user.actor, kind, format, bytes).await.in_lang(lang)?;
    let (summary, errors) = (&done.summary, &done.first_errors);
    let figure = |n: u64| lang.digits(&n.to_string());
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

/// A report of refused rows, as CSV, for the user who imported.
pub async fn report(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    state.reports.download(user.actor.user_id, &id).await.ok_or(PageError(lang, Problem::not_found()))
}
