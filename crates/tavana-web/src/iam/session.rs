//! Sign-in, sign-out and the language switch.

use crate::AppState;
use crate::auth::{
    LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE, SessionUser, cookie, local_path, same_secret, set_cookie,
};
use crate::error::Problem;
use crate::i18n::Lang;
use crate::page::{Layout, render};
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::net::SocketAddr;
use tavana_store::iam::{SignInRefused, random_token};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    csrf: String,
    next: String,
    username: String,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn login_page(
    lang: Lang,
    status: StatusCode,
    next: &str,
    username: &str,
    error: Option<&'static str>,
    secure: bool,
) -> Response {
    let csrf = random_token();
    let page = LoginPage {
        t: super::texts::texts(lang),
        layout: Layout::anonymous(lang, super::texts::texts(lang).sign_in_title, "/login"),
        csrf: csrf.clone(),
        next: next.to_string(),
        username: username.to_string(),
        error,
    };
    let mut response = render(status, &page);
    if let Ok(value) = set_cookie(LOGIN_CSRF_COOKIE, &csrf, "/login", 3600, secure).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub async fn login_form(State(state): State<AppState>, lang: Lang, Query(q): Query<NextQuery>) -> Response {
    login_page(lang, StatusCode::OK, &local_path(q.next.as_deref()), "", None, state.config.secure_cookies)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    lang: Lang,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let t = super::texts::texts(lang);
    let secure = state.config.secure_cookies;
    let next = local_path(form.next.as_deref());
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if expected.is_empty() || !same_secret(&form.csrf, expected) {
        return login_page(lang, StatusCode::FORBIDDEN, &next, &form.username, Some(t.form_expired), secure);
    }
    let address = peer.ip().to_string();
    match state.store.sign_in(&state.config.auth, &form.username, &form.password, &address).await {
        Ok(Ok(session)) => {
            state.metrics.record_sign_in(true);
            let max_age = state.config.auth.absolute_timeout.as_secs();
            let mut response = Redirect::to(&next).into_response();
            for cookie in [
                set_cookie(SESSION_COOKIE, &session.token, "/", max_age, secure),
                set_cookie(LOGIN_CSRF_COOKIE, "", "/login", 0, secure),
            ] {
                if let Ok(value) = cookie.parse() {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            response
        }
        Ok(Err(refused)) => {
            state.metrics.record_sign_in(false);
            let (status, message) = match refused {
                SignInRefused::WrongCredentials => (StatusCode::UNAUTHORIZED, t.wrong_credentials),
                SignInRefused::Throttled => (StatusCode::TOO_MANY_REQUESTS, t.throttled),
            };
            login_page(lang, status, &next, &form.username, Some(message), secure)
        }
        Err(e) => crate::page::error_page(lang, Problem::from(e)),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(form): Form<crate::page::CsrfForm>,
) -> Response {
    if !user.check_csrf(&form.csrf) {
        return crate::page::error_page(lang, Problem::csrf());
    }
    if let Err(e) = state.store.sign_out(&user.actor, &user.token).await {
        return crate::page::error_page(lang, Problem::from(e));
    }
    let mut response = Redirect::to("/login").into_response();
    if let Ok(value) = set_cookie(SESSION_COOKIE, "", "/", 0, state.config.secure_cookies).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
pub struct LangQuery {
    to: String,
    next: Option<String>,
}

/// Sets the language cookie and goes back to the page.
pub async fn switch_language(State(state): State<AppState>, Query(q): Query<LangQuery>) -> Response {
    let lang = Lang::from_code(&q.to);
    let mut response = Redirect::to(&local_path(q.next.as_deref())).into_response();
    if let Ok(value) = set_cookie(LANG_COOKIE, lang.code(), "/", 365 * 24 * 3600, state.config.secure_cookies).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
