//! The server-rendered web UI: Persian first (right to left, Jalali dates, Persian
//! digits) with an English switch. Plain HTML forms that work without JavaScript;
//! every form carries the session's CSRF token.

mod audit;
mod dashboard;
mod duplicates;
mod forms;
mod imports;
mod org;
mod programs;
mod registry;
mod session;
mod users;

use crate::AppState;
use crate::auth::SessionUser;
use crate::error::Problem;
use crate::i18n::{Lang, Texts};
use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use tavana_domain::iam::{Action, Actor, Module};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::show))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/lang", get(session::switch_language))
        .route("/m/{module}", get(dashboard::module))
        .route("/org-units", get(org::list))
        .route("/org-units/{id}", get(org::show))
        .route("/users", get(users::list).post(users::create))
        .route("/users/new", get(users::new_form))
        .route("/users/{id}", get(users::show))
        .route("/users/{id}/active", post(users::set_active))
        .route("/users/{id}/tokens", post(users::issue_token))
        .route("/audit", get(audit::show))
        .route("/programs", get(programs::list).post(programs::create))
        .route("/programs/new", get(programs::new_form))
        .route("/programs/{id}", get(programs::show))
        .route("/programs/{id}/simulate", post(programs::simulate))
        .route("/programs/{id}/status", post(programs::set_status))
        .route("/programs/{id}/edit", get(programs::edit_form).post(programs::update))
        .route("/programs/{id}/proposals", post(programs::propose))
        .route("/programs/{id}/enrollments", post(programs::confirm))
        .route("/programs/{id}/explain/{person}", get(programs::explain).post(programs::decide))
        .route("/registry", get(registry::search))
        .route("/registry/households", post(registry::create_household))
        .route("/registry/households/new", get(registry::new_household))
        .route("/registry/households/{id}", get(registry::household))
        .route("/registry/persons", post(registry::create_person))
        .route("/registry/persons/new", get(registry::new_person))
        .route("/registry/persons/{id}", get(registry::person).post(registry::update_person))
        .route("/registry/persons/{id}/edit", get(registry::edit_person))
        .route("/registry/persons/{id}/disabilities", post(registry::add_disability))
        .route("/registry/import", get(imports::form).post(imports::upload))
        .route("/registry/import/reports/{id}", get(imports::report))
        .route("/registry/duplicates", get(duplicates::list))
        .route("/registry/duplicates/detect", post(duplicates::detect))
        .route("/registry/duplicates/{id}", post(duplicates::decide))
        .fallback(not_found)
}

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
    matches!(module, Module::Registry | Module::Programs | Module::Org | Module::Users | Module::Audit)
}

fn module_href(module: Module) -> String {
    match module {
        Module::Registry => "/registry".into(),
        Module::Programs => "/programs".into(),
        Module::Org => "/org-units".into(),
        Module::Users => "/users".into(),
        Module::Audit => "/audit".into(),
        other => format!("/m/{}", other.as_str()),
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
    message: String,
}

/// A page saying what went wrong, in the user's language.
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
    let page = ErrorPage { layout: Layout::anonymous(lang, t.app_name, "/"), message };
    render(problem.status, &page)
}

/// A UI error: anything the store refuses becomes an error page.
pub struct PageError(Lang, Problem);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.0, self.1)
    }
}

/// Attaches the language to a store result for `?`.
pub trait InLang<T> {
    fn in_lang(self, lang: Lang) -> Result<T, PageError>;
}

impl<T> InLang<T> for Result<T, tavana_store::StoreError> {
    fn in_lang(self, lang: Lang) -> Result<T, PageError> {
        self.map_err(|e| PageError(lang, e.into()))
    }
}

async fn not_found(lang: Lang, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::api::no_such_route().into_response();
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
