//! Counters of the work the store does, for the service's Prometheus metrics
//! (`/metrics`): rows imported by kind and outcome, eligibility runs and their
//! time, payment cycles computed with their lines and time, and payment jobs'
//! parts and finished jobs by step. Atomics shared by every clone of a store;
//! counted where the work is written, so a transaction that then fails to
//! commit has been counted (a metric, not a record).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tavana_domain::payments::JobStep;

/// The kinds of rows an import reads, in the order the metrics name them.
pub const IMPORT_KINDS: [&str; 3] = ["households", "persons", "disabilities"];
/// What became of a row read.
pub const IMPORT_OUTCOMES: [&str; 3] = ["inserted", "updated", "refused"];

#[derive(Debug, Default)]
pub struct WorkCounters {
    import_rows: [[AtomicU64; 3]; 3],
    eligibility_runs: AtomicU64,
    eligibility_micros: AtomicU64,
    cycles_computed: AtomicU64,
    cycle_lines: AtomicU64,
    cycle_micros: AtomicU64,
    /// Per job step (as `JobStep::ALL`): parts done, jobs finished.
    job_parts: [AtomicU64; 3],
    jobs_finished: [AtomicU64; 3],
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn step_index(step: JobStep) -> usize {
    match step {
        JobStep::Compute => 0,
        JobStep::IssueFiles => 1,
        JobStep::Reconcile => 2,
    }
}

/// One counter's value with its labels, as `/metrics` writes it.
pub struct Sample {
    pub labels: Vec<(&'static str, &'static str)>,
    pub value: f64,
}

impl WorkCounters {
    pub(crate) fn imported(&self, kind: &str, [inserted, updated, refused]: [u64; 3]) {
        if let Some(k) = IMPORT_KINDS.iter().position(|x| *x == kind) {
            for (counter, n) in self.import_rows[k].iter().zip([inserted, updated, refused]) {
                counter.fetch_add(n, Ordering::Relaxed);
            }
        }
    }

    pub(crate) fn eligibility_run(&self, took: Duration) {
        self.eligibility_runs.fetch_add(1, Ordering::Relaxed);
        self.eligibility_micros.fetch_add(micros(took), Ordering::Relaxed);
    }

    pub(crate) fn cycle_computed(&self, lines: u64, took: Duration) {
        self.cycles_computed.fetch_add(1, Ordering::Relaxed);
        self.cycle_lines.fetch_add(lines, Ordering::Relaxed);
        self.cycle_micros.fetch_add(micros(took), Ordering::Relaxed);
    }

    pub(crate) fn job_part(&self, step: JobStep) {
        self.job_parts[step_index(step)].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn job_finished(&self, step: JobStep) {
        self.jobs_finished[step_index(step)].fetch_add(1, Ordering::Relaxed);
    }

    /// Rows imported, by kind and outcome.
    pub fn import_rows(&self) -> Vec<Sample> {
        let mut out = Vec::new();
        for (k, kind) in IMPORT_KINDS.iter().enumerate() {
            for (o, outcome) in IMPORT_OUTCOMES.iter().enumerate() {
                let value = self.import_rows[k][o].load(Ordering::Relaxed) as f64;
                out.push(Sample { labels: vec![("kind", kind), ("outcome", outcome)], value });
            }
        }
        out
    }

    /// Eligibility runs (a program's terms over a population: outcomes,
    /// simulation, proposal) and their seconds summed.
    pub fn eligibility(&self) -> (u64, f64) {
        (self.eligibility_runs.load(Ordering::Relaxed), self.eligibility_micros.load(Ordering::Relaxed) as f64 / 1e6)
    }

    /// Payment cycles computed, their lines, and their seconds summed.
    pub fn cycles(&self) -> (u64, u64, f64) {
        (
            self.cycles_computed.load(Ordering::Relaxed),
            self.cycle_lines.load(Ordering::Relaxed),
            self.cycle_micros.load(Ordering::Relaxed) as f64 / 1e6,
        )
    }

    /// Payment jobs' parts done and jobs finished, by step.
    pub fn jobs(&self) -> Vec<(&'static str, u64, u64)> {
        JobStep::ALL
            .iter()
            .map(|s| {
                let i = step_index(*s);
                (
                    tavana_domain::coded::Coded::code(*s),
                    self.job_parts[i].load(Ordering::Relaxed),
                    self.jobs_finished[i].load(Ordering::Relaxed),
                )
            })
            .collect()
    }
}
