//! Who is calling: session cookies for people, bearer tokens for other systems, the
//! language cookie, and CSRF checks.

use crate::AppState;
use crate::error::ApiError;
use crate::error::Problem;
use crate::i18n::Lang;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use tavana_domain::iam::Actor;

pub const SESSION_COOKIE: &str = "tavana_session";
pub const LANG_COOKIE: &str = "tavana_lang";
pub const LOGIN_CSRF_COOKIE: &str = "tavana_login_csrf";

/// The value of a cookie in the request, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value. Every cookie is HttpOnly and SameSite=Strict.
pub fn set_cookie(name: &str, value: &str, path: &str, max_age_secs: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age_secs}; HttpOnly; SameSite=Strict{secure}")
}

/// Compares secrets in time independent of where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(cookie(&parts.headers, LANG_COOKIE).map(Lang::from_code).unwrap_or(Lang::Fa))
    }
}

/// API tokens checked in the last [`TokenCache::TTL`]: a revoked token or disabled
/// user stops working within that time.
#[derive(Default)]
pub struct TokenCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, (Actor, std::time::Instant)>>,
}

impl TokenCache {
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(10);
    const MAX: usize = 10_000;

    fn get(&self, secret: &str) -> Option<Actor> {
        let entries = self.entries.lock().ok()?;
        entries.get(secret).filter(|(_, at)| at.elapsed() < Self::TTL).map(|(actor, _)| actor.clone())
    }

    /// Forgets every cached token, so a revocation takes effect at once here.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    fn put(&self, secret: &str, actor: &Actor) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= Self::MAX {
                entries.retain(|_, (_, at)| at.elapsed() < Self::TTL);
            }
            if entries.len() < Self::MAX {
                entries.insert(secret.to_string(), (actor.clone(), std::time::Instant::now()));
            }
        }
    }
}

/// A signed-in person using the UI. Without a live session the request is sent to
/// the sign-in page, which brings them back afterwards.
pub struct SessionUser {
    pub actor: Actor,
    pub csrf_token: String,
    pub token: String,
}

impl SessionUser {
    /// Checks a form's CSRF field against the session's token.
    pub fn check_csrf(&self, submitted: &str) -> bool {
        same_secret(submitted, &self.csrf_token)
    }
}

impl FromRequestParts<AppState> for SessionUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let redirect = || {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            Redirect::to(&format!("/login?next={}", url_encode(next))).into_response()
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE).map(str::to_string) else {
            return Err(redirect());
        };
        match state.store.session(&state.config.auth, &token).await {
            Ok(Some(info)) => Ok(SessionUser { actor: info.actor, csrf_token: info.csrf_token, token }),
            Ok(None) => Err(redirect()),
            Err(e) => Err(crate::error::PageError(Lang::Fa, Problem::from(e)).into_response()),
        }
    }
}

/// The caller of an API endpoint: a bearer token, or a session cookie (then a
/// request that changes anything must carry the session's CSRF token in
/// `X-CSRF-Token`).
pub struct ApiCaller(pub Actor);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let secret = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim);
            let Some(secret) = secret else {
                return Err(ApiError::from(Problem::unauthorized()));
            };
            if let Some(actor) = state.tokens.get(secret) {
                return Ok(ApiCaller(actor));
            }
            return match state.store.api_token_actor(secret).await {
                Ok(Some(actor)) => {
                    state.tokens.put(secret, &actor);
                    Ok(ApiCaller(actor))
                }
                Ok(None) => Err(ApiError::from(Problem::unauthorized())),
                Err(e) => Err(ApiError::from(e)),
            };
        }
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(ApiError::from(Problem::unauthorized()));
        };
        let info = match state.store.session(&state.config.auth, token).await {
            Ok(Some(info)) => info,
            Ok(None) => return Err(ApiError::from(Problem::unauthorized())),
            Err(e) => return Err(ApiError::from(e)),
        };
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
            if !same_secret(sent, &info.csrf_token) {
                return Err(ApiError::from(Problem::csrf()));
            }
        }
        Ok(ApiCaller(info.actor))
    }
}

/// Percent-encodes a query value.
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A redirect target from a query parameter, kept on this site: a path starting
/// with one `/` (not `//`, which would leave it), of visible ASCII only: browsers
/// drop tabs and line breaks from a URL (so `/<tab>/host` becomes `//host`), and a
/// line break would end the header. Anything else goes home.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && p.chars().all(|c| c.is_ascii_graphic()) =>
        {
            p.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_on_this_site() {
        assert_eq!(local_path(Some("/users?x=1")), "/users?x=1");
        assert_eq!(local_path(Some("//evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(Some("/\t/evil.example/")), "/", "a tab browsers drop");
        assert_eq!(local_path(Some("/x\r\nSet-Cookie: a=b")), "/", "a header break");
        assert_eq!(local_path(Some("/ /evil.example")), "/");
        assert_eq!(local_path(Some("/registry?q=%D8%B9")), "/registry?q=%D8%B9");
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=1; tavana_lang=en; b=2".parse().unwrap());
        assert_eq!(cookie(&headers, LANG_COOKIE), Some("en"));
        assert_eq!(cookie(&headers, SESSION_COOKIE), None);
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
