//! Prometheus metrics in the text exposition format, counted with atomics: HTTP
//! requests, the API's latency as a histogram, sign-ins, bounded reads, and the
//! store's work (imports, eligibility runs, payment cycles and jobs).

use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The upper bounds of the API latency histogram's buckets, in seconds.
const API_BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Default)]
pub struct Metrics {
    /// Requests by status class: 1xx..5xx.
    requests: [AtomicU64; 5],
    request_micros: AtomicU64,
    sign_ins_ok: AtomicU64,
    sign_ins_refused: AtomicU64,
    /// API requests (`/api/…`) by the first bucket their time fits (the last:
    /// beyond every bound), and their time summed.
    api_buckets: [AtomicU64; API_BUCKETS.len() + 1],
    api_micros: AtomicU64,
}

impl Metrics {
    /// Counts a request served; an API request (`api`) also in the latency histogram.
    pub fn record_request(&self, status: u16, elapsed: Duration, api: bool) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.requests[class].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.request_micros.fetch_add(micros, Ordering::Relaxed);
        if api {
            let seconds = elapsed.as_secs_f64();
            let bucket = API_BUCKETS.iter().position(|&le| seconds <= le).unwrap_or(API_BUCKETS.len());
            self.api_buckets[bucket].fetch_add(1, Ordering::Relaxed);
            self.api_micros.fetch_add(micros, Ordering::Relaxed);
        }
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
    let _ = writeln!(out, "# HELP tavana_api_request_duration_seconds Time spent serving API requests.");
    let _ = writeln!(out, "# TYPE tavana_api_request_duration_seconds histogram");
    let mut below = 0;
    for (i, le) in API_BUCKETS.iter().enumerate() {
        below += m.api_buckets[i].load(Ordering::Relaxed);
        let _ = writeln!(out, "tavana_api_request_duration_seconds_bucket{{le=\"{le}\"}} {below}");
    }
    below += m.api_buckets[API_BUCKETS.len()].load(Ordering::Relaxed);
    let _ = writeln!(out, "tavana_api_request_duration_seconds_bucket{{le=\"+Inf\"}} {below}");
    let api_seconds = m.api_micros.load(Ordering::Relaxed) as f64 / 1e6;
    let _ = writeln!(out, "tavana_api_request_duration_seconds_sum {api_seconds}");
    let _ = writeln!(out, "tavana_api_request_duration_seconds_count {below}");
    work(&mut out, state.store.work_counters());
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out))
}

/// The store's work: imports, eligibility runs, payment cycles and jobs.
fn work(out: &mut String, w: &tavana_store::metrics::WorkCounters) {
    let _ = writeln!(out, "# HELP tavana_import_rows_total Rows imported into the registry, by kind and outcome.");
    let _ = writeln!(out, "# TYPE tavana_import_rows_total counter");
    for sample in w.import_rows() {
        let labels: Vec<String> = sample.labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
        let _ = writeln!(out, "tavana_import_rows_total{{{}}} {}", labels.join(","), sample.value);
    }
    let (runs, seconds) = w.eligibility();
    let _ = writeln!(out, "# HELP tavana_eligibility_runs_total A program's terms run over a population.");
    let _ = writeln!(out, "# TYPE tavana_eligibility_runs_total counter");
    let _ = writeln!(out, "tavana_eligibility_runs_total {runs}");
    let _ = writeln!(out, "# HELP tavana_eligibility_seconds_total Time spent running programs' terms.");
    let _ = writeln!(out, "# TYPE tavana_eligibility_seconds_total counter");
    let _ = writeln!(out, "tavana_eligibility_seconds_total {seconds}");
    let (cycles, lines, seconds) = w.cycles();
    let _ = writeln!(out, "# HELP tavana_payment_cycles_computed_total Payment cycles computed.");
    let _ = writeln!(out, "# TYPE tavana_payment_cycles_computed_total counter");
    let _ = writeln!(out, "tavana_payment_cycles_computed_total {cycles}");
    let _ = writeln!(out, "# HELP tavana_payment_cycle_lines_total Lines of the payment cycles computed.");
    let _ = writeln!(out, "# TYPE tavana_payment_cycle_lines_total counter");
    let _ = writeln!(out, "tavana_payment_cycle_lines_total {lines}");
    let _ = writeln!(out, "# HELP tavana_payment_cycle_compute_seconds_total Time spent computing payment cycles.");
    let _ = writeln!(out, "# TYPE tavana_payment_cycle_compute_seconds_total counter");
    let _ = writeln!(out, "tavana_payment_cycle_compute_seconds_total {seconds}");
    let jobs = w.jobs();
    let _ = writeln!(out, "# HELP tavana_payment_job_parts_total Parts of payment jobs done, by step.");
    let _ = writeln!(out, "# TYPE tavana_payment_job_parts_total counter");
    for (step, parts, _) in &jobs {
        let _ = writeln!(out, "tavana_payment_job_parts_total{{step=\"{step}\"}} {parts}");
    }
    let _ = writeln!(out, "# HELP tavana_payment_jobs_finished_total Payment jobs finished, by step.");
    let _ = writeln!(out, "# TYPE tavana_payment_jobs_finished_total counter");
    for (step, _, finished) in &jobs {
        let _ = writeln!(out, "tavana_payment_jobs_finished_total{{step=\"{step}\"}} {finished}");
    }
}
