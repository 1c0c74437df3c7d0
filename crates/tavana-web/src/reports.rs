//! Reports of refused import rows, written to files as the import runs, so that
//! neither memory nor the response grows with the number of bad rows: the
//! response carries the counts, the first few errors and a link to the whole
//! report, which only the user who imported may download.

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::collections::VecDeque;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use tavana_store::registry::import::RowError;

/// How many errors an import's answer shows; the report holds them all.
pub const SHOWN_ERRORS: usize = 100;

/// The reports kept, each a CSV file in a directory of this server's own, removed
/// when the server stops (at most [`Reports::KEEP`] of them and 1 GiB together;
/// the oldest go first).
pub struct Reports {
    dir: PathBuf,
    entries: Mutex<VecDeque<Entry>>,
}

struct Entry {
    id: String,
    user_id: i64,
    path: PathBuf,
    bytes: u64,
}

impl Default for Reports {
    fn default() -> Self {
        let dir = std::env::temp_dir().join(format!("tavana-reports-{}", tavana_store::iam::random_token()));
        Reports { dir, entries: Mutex::new(VecDeque::new()) }
    }
}

impl Drop for Reports {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Reports {
    const KEEP: usize = 32;
    /// The most disk the kept reports take together; the oldest go first.
    const KEEP_BYTES: u64 = 1 << 30;

    /// A new report being written.
    pub fn start(&self) -> std::io::Result<Report> {
        std::fs::create_dir_all(&self.dir)?;
        let id = tavana_store::iam::random_token();
        let path = self.dir.join(format!("{id}.csv"));
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        // A byte-order mark, so spreadsheets read the Persian reasons right.
        writeln!(file, "\u{feff}{}", RowError::CSV_HEADER)?;
        Ok(Report { id, path, file, first: Vec::new(), total: 0, failed: None })
    }

    /// Keeps a finished report for a user; returns its id, or none when it holds
    /// no error (its file is removed).
    pub fn keep(&self, user_id: i64, report: Report) -> std::io::Result<(Vec<RowError>, u64, Option<String>)> {
        let Report { id, path, mut file, first, total, failed } = report;
        file.flush()?;
        drop(file);
        if let Some(err) = failed {
            let _ = std::fs::remove_file(&path);
            return Err(err);
        }
        if total == 0 {
            let _ = std::fs::remove_file(&path);
            return Ok((first, 0, None));
        }
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if let Ok(mut entries) = self.entries.lock() {
            let mut kept: u64 = entries.iter().map(|e| e.bytes).sum();
            while entries.len() >= Self::KEEP || (!entries.is_empty() && kept + bytes > Self::KEEP_BYTES) {
                if let Some(old) = entries.pop_front() {
                    kept -= old.bytes;
                    let _ = std::fs::remove_file(old.path);
                }
            }
            entries.push_back(Entry { id: id.clone(), user_id, path, bytes });
        }
        Ok((first, total, Some(id)))
    }

    /// The report with `id` as a CSV download, if it is this user's.
    pub async fn download(&self, user_id: i64, id: &str) -> Option<Response> {
        let path = {
            let entries = self.entries.lock().ok()?;
            entries.iter().find(|e| e.id == id && e.user_id == user_id)?.path.clone()
        };
        let file = tokio::fs::File::open(path).await.ok()?;
        let chunks = futures_util::stream::unfold(file, |mut file| async move {
            use tokio::io::AsyncReadExt;
            let mut buffer = vec![0u8; 64 * 1024];
            match file.read(&mut buffer).await {
                Ok(0) => None,
                Ok(n) => {
                    buffer.truncate(n);
                    Some((Ok::<_, std::io::Error>(buffer), file))
                }
                Err(e) => Some((Err(e), file)),
            }
        });
        Some(
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (header::CONTENT_DISPOSITION, "attachment; filename=\"import-report.csv\""),
                ],
                Body::from_stream(chunks),
            )
                .into_response(),
        )
    }
}

/// A report being written: every error goes to its file, the first few are kept
/// to show.
pub struct Report {
    id: String,
    path: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    first: Vec<RowError>,
    total: u64,
    failed: Option<std::io::Error>,
}

impl Report {
    /// Records a refused row's error.
    pub fn add(&mut self, error: &RowError) {
        self.total += 1;
        if self.first.len() < SHOWN_ERRORS {
            self.first.push(error.clone());
        }
        if self.failed.is_none()
            && let Err(e) = writeln!(self.file, "{}", error.to_csv_line())
        {
            self.failed = Some(e);
        }
    }
}
