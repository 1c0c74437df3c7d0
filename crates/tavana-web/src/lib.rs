//! Tavana's HTTP layer: the JSON API under `/api/v1` (with its OpenAPI document), the
//! server-rendered Persian web UI, sessions, CSRF, `/healthz` and `/metrics`.
//!
//! No business rule lives here: handlers parse input, call the store with the
//! current actor and render what comes back.

// Platform: what every module's pages and routes use.
mod assets;
mod auth;
mod charts;
mod dashboard;
mod error;
mod forms;
mod i18n;
mod labels;
mod lists;
mod metrics;
mod openapi;
mod page;
mod reports;
mod tables;
mod uploads;
mod versions;

// Module slices: each owns its pages, API routes and field labels.
mod applications;
mod audit;
mod cards;
mod cases;
mod employment;
mod gozinesh;
mod hr;
mod iam;
mod interop;
mod library;
mod org;
mod payments;
mod planning;
mod programs;
mod registry;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::net::SocketAddr;
use std::sync::Arc;
use tavana_store::Store;
use tavana_store::iam::AuthPolicy;
use tokio::net::TcpListener;

pub use error::NO_SUCH_ROUTE;
pub use i18n::Lang;
pub use openapi::openapi_document;
pub use reports::Reports;

/// How the web layer behaves.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub auth: AuthPolicy,
    /// Mark cookies `Secure` (set when served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// The largest file an import over HTTP takes, in bytes. Uploads are streamed,
    /// so this bounds disk and time, not memory.
    pub import_limit: u64,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self { auth: AuthPolicy::default(), secure_cookies: false, import_limit: error::IMPORT_LIMIT }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<metrics::Metrics>,
    /// Reports of refused import rows, waiting to be downloaded.
    pub reports: Arc<Reports>,
    /// API tokens recently checked, so a busy client is not looked up per request.
    pub tokens: Arc<auth::TokenCache>,
    /// Uploaded imports run one at a time (they queue): the database takes their
    /// writes one after another anyway.
    pub imports: Arc<tokio::sync::Semaphore>,
    /// The progress of running imports, for their pages to show.
    pub tickets: Arc<uploads::Tickets>,
    /// Public travel card checks counted per address.
    pub card_checks: Arc<cards::CheckLimit>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> Self {
        Self {
            store,
            config: Arc::new(config),
            metrics: Arc::new(metrics::Metrics::default()),
            reports: Arc::new(Reports::default()),
            tokens: Arc::new(auth::TokenCache::default()),
            imports: Arc::new(tokio::sync::Semaphore::new(1)),
            tickets: Arc::new(uploads::Tickets::default()),
            card_checks: Arc::new(cards::CheckLimit::default()),
        }
    }
}

/// Each module's figures for the dashboard, one entry per module.
pub(crate) const FIGURES: &[dashboard::Figures] = &[registry::figures, programs::figures];

/// The whole application: API, UI, assets, health and metrics.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::render))
        .route("/", get(dashboard::show))
        .route("/m/{module}", get(dashboard::module))
        .merge(openapi::router())
        .merge(iam::router())
        .merge(org::router())
        .merge(audit::router())
        .merge(registry::router())
        .merge(programs::router())
        .merge(payments::router())
        .merge(cases::router())
        .merge(applications::router())
        .merge(hr::router())
        .merge(gozinesh::router())
        .merge(employment::router())
        .merge(planning::router())
        .merge(library::router())
        .merge(cards::router())
        .merge(assets::router())
        .fallback(page::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Serves the application on a bound listener until the process is stopped (Ctrl-C
/// or SIGTERM), then lets requests in flight finish.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    let store = state.store.clone();
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    store.close().await;
    Ok(())
}

/// Binds `addr` (port 0 picks a free port) and serves in the background; returns the
/// address actually bound. Tests and the CLI share this.
pub async fn spawn(addr: &str, state: AppState) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    tokio::spawn(async move {
        let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(listener, service).await {
            tracing::error!(error = %e, "server stopped");
        }
    });
    Ok(local)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => axum::Json(serde_json::json!({ "status": "ok", "database": "ok" })).into_response(),
        Err(e) => {
            tracing::error!(error = %error::error_chain(&e), "health check failed");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({ "status": "error", "database": "unreachable" })),
            )
                .into_response()
        }
    }
}

async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let status = response.status();
    state.metrics.record_request(status.as_u16(), started.elapsed(), path.starts_with("/api/"));
    tracing::debug!(%method, %path, status = status.as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, "request");
    response
}

/// Headers every response carries. The UI needs nothing from other origins (every
/// asset is served by this binary), so the content security policy is strict.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; font-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}
