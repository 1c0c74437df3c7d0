//! Prometheus metrics in the text exposition format, counted with atomics.

use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Default)]
pub struct Metrics {
    /// Requests by status class: 1xx..5xx.
    requests: [AtomicU64; 5],
    request_micros: AtomicU64,
    sign_ins_ok: AtomicU64,
    sign_ins_refused: AtomicU64,
}

impl Metrics {
    pub fn record_request(&self, status: u16, elapsed: Duration) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.requests[class].fetch_add(1, Ordering::Relaxed);
        self.request_micros.fetch_add(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    pub fn record_sign_in(&self, ok: bool) {
        let counter = if ok { &self.sign_ins_ok } else { &self.sign_ins_refused };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// The metrics, for a monitoring system holding an administrator's or an
/// auditor's API token: request counts and timings say how the service is used.
pub async fn render(
    State(state): State<AppState>,
    crate::auth::ApiCaller(actor): crate::auth::ApiCaller,
) -> Result<impl IntoResponse, crate::error::ApiError> {
    use tavana_domain::iam::Role;
    if !actor.roles.iter().any(|r| matches!(r, Role::Admin | Role::Auditor)) {
        return Err(tavana_store::StoreError::Forbidden("read the service's metrics").into());
    }
    let m = &state.metrics;
    let mut out = String::new();
    let _ = writeln!(out, "# HELP tavana_http_requests_total HTTP requests served, by status class.");
    let _ = writeln!(out, "# TYPE tavana_http_requests_total counter");
    let mut total = 0;
    for (i, counter) in m.requests.iter().enumerate() {
        let n = counter.load(Ordering::Relaxed);
        total += n;
        let _ = writeln!(out, "tavana_http_requests_total{{status=\"{}xx\"}} {n}", i + 1);
    }
    let _ = writeln!(out, "# HELP tavana_http_request_duration_seconds Time spent serving requests.");
    let _ = writeln!(out, "# TYPE tavana_http_request_duration_seconds summary");
    let seconds = m.request_micros.load(Ordering::Relaxed) as f64 / 1e6;
    let _ = writeln!(out, "tavana_http_request_duration_seconds_sum {seconds}");
    let _ = writeln!(out, "tavana_http_request_duration_seconds_count {total}");
    let _ = writeln!(out, "# HELP tavana_sign_ins_total Sign-in attempts, by outcome.");
    let _ = writeln!(out, "# TYPE tavana_sign_ins_total counter");
    let _ = writeln!(out, "tavana_sign_ins_total{{outcome=\"ok\"}} {}", m.sign_ins_ok.load(Ordering::Relaxed));
    let _ =
        writeln!(out, "tavana_sign_ins_total{{outcome=\"refused\"}} {}", m.sign_ins_refused.load(Ordering::Relaxed));
    let reads = state.store.read_counters();
    let _ = writeln!(
        out,
        "# HELP tavana_bounded_reads_stopped_total Reads stopped at the time limit, or abandoned by their client."
    );
    let _ = writeln!(out, "# TYPE tavana_bounded_reads_stopped_total counter");
    for (why, n) in [("time_limit", &reads.timed_out), ("abandoned", &reads.cancelled)] {
        let _ = writeln!(out, "tavana_bounded_reads_stopped_total{{why=\"{why}\"}} {}", n.load(Ordering::Relaxed));
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out))
}
