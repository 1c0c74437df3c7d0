//! Errors of the web layer: one mapping from store errors to a [`Problem`], rendered
//! as RFC 9457 problem+json for the API and as a Persian (or English) page for the UI.
//! Internal causes are logged with their whole chain and never sent to the client.

use crate::i18n::Lang;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tavana_store::StoreError;

/// What went wrong, in a form both renderings use.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub title: &'static str,
    /// The field at fault, when there is one.
    pub field: Option<String>,
    pub detail_en: String,
    pub detail_fa: String,
}

impl Problem {
    pub fn new(
        status: StatusCode,
        title: &'static str,
        detail_en: impl Into<String>,
        detail_fa: impl Into<String>,
    ) -> Self {
        Self { status, title, field: None, detail_en: detail_en.into(), detail_fa: detail_fa.into() }
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Not Found",
            "No such record, or it is outside your org unit.",
            "چنین موردی نیست یا بیرون از واحد سازمانی شماست.",
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Sign in, or send a valid API token as 'Authorization: Bearer …'.",
            "ابتدا وارد شوید یا توکن معتبر بفرستید.",
        )
    }

    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "The CSRF token is missing or wrong: send the session's token in the X-CSRF-Token header.",
            "توکن CSRF نیست یا نادرست است.",
        )
    }

    pub fn field(field: &str, detail_en: impl Into<String>, detail_fa: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_string()),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid input", detail_en, detail_fa)
        }
    }
}

impl From<StoreError> for Problem {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Problem::not_found(),
            StoreError::Forbidden(what) => Problem::new(
                StatusCode::FORBIDDEN,
                "Forbidden",
                format!("Your roles do not allow you to {what}."),
                "نقش شما اجازهٔ این کار را نمی‌دهد.",
            ),
            StoreError::Conflict { field } => {
                let (en, fa) = if field == "version" || field == "state" {
                    (
                        "It was changed by someone else meanwhile: reload it and try again.".to_string(),
                        "در این فاصله کس دیگری آن را تغییر داده است: دوباره بارگذاری و تلاش کنید.".to_string(),
                    )
                } else {
                    (format!("{field} is already taken."), format!("این {} پیش‌تر ثبت شده است.", field_fa(&field)))
                };
                Problem { status: StatusCode::CONFLICT, title: "Conflict", ..Problem::field(&field, en, fa) }
            }
            StoreError::Invalid(e) => Problem::field(
                e.field,
                format!("{} {}.", e.field, e.reason.english()),
                format!("{} {}.", field_fa(e.field), e.reason.persian()),
            ),
            StoreError::Throttled => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too Many Requests",
                "Too many failed attempts; try again later.",
                "تلاش‌های ناموفق بسیار بود؛ بعداً تلاش کنید.",
            ),
            StoreError::TimedOut => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Took Too Long",
                "The work this asks for took longer than the server allows and was stopped: ask for less (a smaller area, a simpler rule) or try again later.",
                "این درخواست بیش از زمان مجاز طول کشید و متوقف شد: دامنهٔ کوچک‌تر یا قاعدهٔ ساده‌تری بخواهید یا بعداً تلاش کنید.",
            ),
            other => {
                tracing::error!(error = %error_chain(&other), "request failed");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal Server Error",
                    "Something went wrong on our side.",
                    "خطایی در سامانه رخ داد.",
                )
            }
        }
    }
}

pub use crate::labels::{field_en, field_fa};

/// A UI error: anything the store refuses becomes an error page in the user's
/// language (rendered by `page`).
pub struct PageError(pub Lang, pub Problem);

/// Attaches the language to a store result for `?`.
pub trait InLang<T> {
    fn in_lang(self, lang: Lang) -> Result<T, PageError>;
}

impl<T> InLang<T> for Result<T, StoreError> {
    fn in_lang(self, lang: Lang) -> Result<T, PageError> {
        self.map_err(|e| PageError(lang, e.into()))
    }
}

/// An error and all its sources, for logs.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// An API error, rendered as `application/problem+json` (RFC 9457), with every
/// field error when there are several.
#[derive(Debug)]
pub struct ApiError(pub Problem, pub Vec<FieldError>);

impl From<Problem> for ApiError {
    fn from(problem: Problem) -> Self {
        ApiError(problem, Vec::new())
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        ApiError(err.into(), Vec::new())
    }
}

/// A file's bytes, as the OpenAPI document names them.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // named by the OpenAPI document only
pub struct Binary(Vec<u8>);

/// The problem document.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemBody {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The same detail in Persian.
    pub detail_fa: String,
    /// The input field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field at fault, when a record had several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One field's problem.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub detail: String,
    pub detail_fa: String,
}

impl From<&tavana_domain::DomainError> for FieldError {
    fn from(e: &tavana_domain::DomainError) -> Self {
        Self {
            field: e.field.to_string(),
            detail: format!("{} {}.", e.field, e.reason.english()),
            detail_fa: format!("{} {}.", field_fa(e.field), e.reason.persian()),
        }
    }
}

/// A record with one or more bad fields: 422 naming all of them.
pub fn invalid_fields(errors: &[tavana_domain::DomainError]) -> ApiError {
    let list: Vec<FieldError> = errors.iter().map(FieldError::from).collect();
    let first = list.first().cloned();
    ApiError(
        Problem {
            field: first.as_ref().map(|f| f.field.clone()),
            ..Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Invalid input",
                first.as_ref().map(|f| f.detail.clone()).unwrap_or_default(),
                first.as_ref().map(|f| f.detail_fa.clone()).unwrap_or_default(),
            )
        },
        list,
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let p = self.0;
        let body = ProblemBody {
            kind: "about:blank".into(),
            title: p.title.into(),
            status: p.status.as_u16(),
            detail: p.detail_en,
            detail_fa: p.detail_fa,
            field: p.field,
            errors: self.1,
        };
        let json = serde_json::to_string(&body).unwrap_or_default();
        (p.status, [(header::CONTENT_TYPE, "application/problem+json")], json).into_response()
    }
}

/// The answer for a path under `/api/` that no route serves.
pub fn no_such_route() -> ApiError {
    ApiError::from(Problem::new(StatusCode::NOT_FOUND, "Not Found", NO_SUCH_ROUTE, "چنین مسیری در API نیست."))
}

/// The detail of [`no_such_route`].
pub const NO_SUCH_ROUTE: &str = "No such API route; see /api/v1/openapi.json.";

/// The largest request body, in bytes, except an import's.
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// The largest file an import takes over HTTP unless configured otherwise
/// (`serve --import-limit-mib`); `tavana import` takes any size.
pub const IMPORT_LIMIT: u64 = 4 << 30;

/// The problem of a body larger than `limit` bytes.
pub fn too_large(limit: u64) -> Problem {
    let mib = limit / (1024 * 1024);
    let import = limit > BODY_LIMIT as u64;
    let hint = if import { "; import larger files with `tavana import`" } else { "" };
    let hint_fa = if import {
        "؛ پرونده‌های بزرگ‌تر را با فرمان `tavana import` وارد کنید"
    } else {
        ""
    };
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Payload Too Large",
        format!("The body is larger than {mib} MiB, the most this accepts{hint}."),
        format!(
            "بدنهٔ درخواست از {} مگابایت، بیشترین اندازهٔ پذیرفتنی، بزرگ‌تر است{hint_fa}.",
            tavana_domain::text::to_persian_digits(&mib.to_string())
        ),
    )
}

/// A JSON body that failed to parse becomes a problem naming the field serde named.
pub fn bad_body(rejection: axum::extract::rejection::JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large(BODY_LIMIT as u64).into();
    }
    let text = rejection.body_text();
    // Serde names a field only when one is missing or unknown; in "invalid type:
    // integer `123`" the quoted text is the value, not a field.
    let field = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|p| text.split(p).nth(1))
        .and_then(|rest| rest.split('`').next())
        .map(str::to_string);
    ApiError::from(Problem {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        field,
        ..Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid body", text, "بدنهٔ درخواست درست نیست.")
    })
}

/// A path parameter of an API route: a value that does not parse answers 400
/// problem+json naming the parameter, not axum's plain text.
pub struct ApiPath<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, ApiError> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => {
                // The parameter's name: given with the error when there are several,
                // otherwise the one whose value did not parse.
                let raw = axum::extract::RawPathParams::from_request_parts(parts, state).await.ok();
                let named = |value: &str| {
                    raw.as_ref().and_then(|r| r.iter().find(|(_, v)| *v == value).map(|(k, _)| k.to_string()))
                };
                let field = match &rejection {
                    PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
                        ErrorKind::ParseErrorAtKey { key, .. } | ErrorKind::InvalidUtf8InPathParam { key } => {
                            Some(key.clone())
                        }
                        ErrorKind::ParseError { value, .. } => named(value),
                        _ => None,
                    },
                    _ => None,
                };
                Err(bad_parameter(field, rejection.body_text()))
            }
        }
    }
}

/// The query string of an API route: a value that does not parse answers 400
/// problem+json naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => {
                let text = rejection.body_text();
                // "Failed to deserialize query string: limit: invalid digit …"
                let field =
                    text.split(": ").nth(1).filter(|f| f.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
                Err(bad_parameter(field.map(str::to_string), text))
            }
        }
    }
}

fn bad_parameter(field: Option<String>, text: String) -> ApiError {
    ApiError::from(Problem {
        field,
        ..Problem::new(StatusCode::BAD_REQUEST, "Invalid parameter", text, "پارامتر نشانی درست نیست.")
    })
}
