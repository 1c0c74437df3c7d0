//! The frame every page shares: the layout (language, navigation by the actor's
//! roles, CSRF token), rendering, and error pages. The UI is Persian first (right to
//! left, Jalali dates, Persian digits) with an English switch; plain HTML forms that
//! work without JavaScript, every form carrying the session's CSRF token. Each
//! module's pages live in its slice (`registry::ui`, `programs::ui`…).

use crate::auth::SessionUser;
use crate::error::Problem;
use crate::i18n::{Lang, Texts};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use tavana_domain::iam::{Action, Actor, Module};

/// A link in the main navigation.
pub struct NavItem {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
    /// Whether the module is built yet; unbuilt ones say so.
    pub built: bool,
}

/// What every page's frame needs: language, the signed-in user, navigation, the
/// CSRF token for forms in the frame (sign-out).
pub struct Layout {
    pub lang: Lang,
    pub t: &'static Texts,
    pub title: String,
    pub user_name: Option<String>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    pub switch_href: String,
}

/// The modules that have pages today.
fn built(module: Module) -> bool {
    matches!(
        module,
        Module::Registry
            | Module::Programs
            | Module::Payments
            | Module::Cases
            | Module::Hr
            | Module::Gozinesh
            | Module::Library
            | Module::Employment
            | Module::Planning
            | Module::Org
            | Module::Users
            | Module::Audit
    )
}

fn module_href(module: Module) -> String {
    match module {
        Module::Registry => "/registry".into(),
        Module::Programs => "/programs".into(),
        Module::Payments => "/payments".into(),
        Module::Cases => "/cases/appeals".into(),
        Module::Hr => "/hr".into(),
        Module::Gozinesh => "/vetting".into(),
        Module::Library => "/library".into(),
        Module::Employment => "/employment".into(),
        Module::Planning => "/planning".into(),
        Module::Org => "/org-units".into(),
        Module::Users => "/users".into(),
        Module::Audit => "/audit".into(),
    }
}

impl Layout {
    /// The frame of a page for a signed-in user; `current` marks the navigation item.
    pub fn new(lang: Lang, user: &SessionUser, title: &str, current: Option<Module>, path: &str) -> Layout {
        let nav = Module::ALL
            .into_iter()
            .filter(|&m| user.actor.may(Action::Open(m)))
            .map(|m| NavItem {
                href: module_href(m),
                label: lang.module(m),
                current: current == Some(m),
                built: built(m),
            })
            .collect();
        Layout {
            lang,
            t: lang.texts(),
            title: title.to_string(),
            user_name: Some(user.actor.username.clone()),
            nav,
            csrf: user.csrf_token.clone(),
            switch_href: switch_href(lang, path),
        }
    }

    /// The frame of a page nobody is signed in to (sign-in, errors).
    pub fn anonymous(lang: Lang, title: &str, path: &str) -> Layout {
        Layout {
            lang,
            t: lang.texts(),
            title: title.to_string(),
            user_name: None,
            nav: Vec::new(),
            csrf: String::new(),
            switch_href: switch_href(lang, path),
        }
    }
}

fn switch_href(lang: Lang, path: &str) -> String {
    format!("/lang?to={}&next={}", lang.other().code(), crate::auth::url_encode(path))
}

/// Renders a template as an HTML response.
/// A page that may carry a form's refusal: 422 when it does, else 200.
/// The bad rows of an imported file as a page lists them: the line, the
/// field's label and the reason, in the page's language.
pub fn bad_rows(lang: Lang, rows: Vec<tavana_store::employment::BadRow>) -> Vec<(String, String, String)> {
    rows.into_iter()
        .map(|r| {
            let field = match lang {
                Lang::Fa => crate::labels::field_fa(&r.field),
                Lang::En => crate::labels::field_en(&r.field),
            };
            let message = match lang {
                Lang::Fa => r.message_fa,
                Lang::En => r.message_en,
            };
            (lang.number(r.line as i64), field, message)
        })
        .collect()
}

pub fn render_form<T: Template>(refused: bool, template: &T) -> Response {
    render(if refused { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK }, template)
}

pub fn render<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: &'static str,
    message: String,
}

/// A page saying what went wrong, in the user's language.
/// What a page says of a store error that leaves the user on the page: the field
/// and the reason in the user's language. A missing object or a fault is a page
/// of its own instead.
pub fn refusal(lang: Lang, e: tavana_store::StoreError) -> Result<String, PageError> {
    let problem = Problem::from(e);
    if problem.status == StatusCode::NOT_FOUND || problem.status == StatusCode::INTERNAL_SERVER_ERROR {
        return Err(PageError(lang, problem));
    }
    Ok(if lang == Lang::Fa { problem.detail_fa } else { problem.detail_en })
}

/// Every problem of a form, in the user's language, on one line.
pub fn refusals(lang: Lang, errors: Vec<tavana_domain::DomainError>) -> Result<String, PageError> {
    let messages: Vec<String> =
        errors.into_iter().map(|e| refusal(lang, tavana_store::StoreError::Invalid(e))).collect::<Result<_, _>>()?;
    Ok(messages.join(" · "))
}

/// A move in a history (an application's, a grievance's) as shown: the state
/// it came to and the one it left, or the state alone for its first entry or a
/// note; each stored code shown as its coded value's label.
pub fn state_change<C: tavana_domain::coded::Coded>(lang: Lang, from: Option<&str>, to: &str) -> String {
    let label = |code: &str| C::from_code(code).map(|s| lang.coded(s)).unwrap_or_else(|| code.to_string());
    match from {
        Some(from) if from != to => format!("{} ← {}", label(to), label(from)),
        _ => label(to),
    }
}

/// The user a form names by username, to assign something to: an unknown name
/// is a bad value of `user`.
pub async fn assignee(store: &tavana_store::Store, username: &str) -> Result<i64, tavana_store::StoreError> {
    match store.user_id_by_name(username.trim()).await {
        Err(tavana_store::StoreError::NotFound) => Err(tavana_store::StoreError::Invalid(
            tavana_domain::DomainError::new("user", tavana_domain::error::Reason::NotInList),
        )),
        other => other,
    }
}

pub fn error_page(lang: Lang, problem: Problem) -> Response {
    let t = lang.texts();
    let message = match problem.status {
        StatusCode::NOT_FOUND => t.not_found.to_string(),
        StatusCode::FORBIDDEN => t.forbidden.to_string(),
        StatusCode::INTERNAL_SERVER_ERROR => t.server_error.to_string(),
        _ => match lang {
            Lang::Fa => problem.detail_fa,
            Lang::En => problem.detail_en,
        },
    };
    let heading = match problem.status {
        StatusCode::NOT_FOUND => t.title_not_found,
        StatusCode::FORBIDDEN => t.title_forbidden,
        _ => t.title_error,
    };
    let page = ErrorPage { layout: Layout::anonymous(lang, t.app_name, "/"), heading, message };
    render(problem.status, &page)
}

pub use crate::error::{InLang, PageError};

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.0, self.1)
    }
}

pub async fn not_found(lang: Lang, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::no_such_route().into_response();
    }
    error_page(lang, Problem::not_found())
}

/// Names of the actor's roles in the language.
pub fn role_names(lang: Lang, actor: &Actor) -> Vec<&'static str> {
    actor.roles.iter().map(|&r| lang.role(r)).collect()
}

/// A form body's CSRF field.
#[derive(serde::Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

/// A page asking to confirm an action that cannot be undone, or that reaches far:
/// the same form again with `confirmed=yes`, and a way back.
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub layout: Layout,
    pub question: String,
    pub action: String,
    /// The form's fields, sent again with the confirmation.
    pub hidden: Vec<(&'static str, String)>,
    pub back: String,
}

impl ConfirmPage {
    pub fn render(
        lang: Lang,
        user: &SessionUser,
        question: String,
        action: &str,
        hidden: Vec<(&'static str, String)>,
        back: &str,
    ) -> Response {
        let layout = Layout::new(lang, user, layout_title(lang), None, action);
        render(
            StatusCode::OK,
            &ConfirmPage { layout, question, action: action.to_string(), hidden, back: back.to_string() },
        )
    }
}

fn layout_title(lang: Lang) -> &'static str {
    crate::i18n::texts(lang).confirm_title
}

/// A stored file as a download: its media type, its name for saving (ASCII
/// letters, digits and `.-_` of it, else `fallback`) and its SHA-256 in
/// `x-sha256`.
pub fn file_response(name: &str, fallback: &str, media_type: &str, sha256: &str, content: Vec<u8>) -> Response {
    let ascii: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).collect();
    let name = if ascii.trim_matches('.').is_empty() { fallback.to_string() } else { ascii };
    (
        [
            (axum::http::header::CONTENT_TYPE, media_type.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (axum::http::header::HeaderName::from_static("x-sha256"), sha256.to_string()),
        ],
        content,
    )
        .into_response()
}

/// A page's upload form read whole: its text fields and its one file (the
/// field named `file`).
pub struct Upload {
    fields: std::collections::HashMap<String, String>,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl Upload {
    /// A text field's value (empty when absent).
    pub fn text(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }

    /// Reads a multipart form; a part that cannot be read is a problem of `file`.
    pub async fn read(lang: Lang, mut form: axum::extract::Multipart) -> Result<Upload, PageError> {
        let bad =
            |_| PageError(lang, Problem::field("file", "the upload could not be read", "فایل بارگذاری‌شده خوانا نیست"));
        let mut upload = Upload { fields: Default::default(), file_name: String::new(), bytes: Vec::new() };
        while let Some(field) = form.next_field().await.map_err(bad)? {
            match field.name().map(str::to_string) {
                Some(name) if name == "file" => {
                    upload.file_name = field.file_name().unwrap_or_default().to_string();
                    upload.bytes = field.bytes().await.map_err(bad)?.to_vec();
                }
                Some(name) => {
                    let value = field.text().await.map_err(bad)?;
                    upload.fields.insert(name, value);
                }
                None => {}
            }
        }
        Ok(upload)
    }
}
