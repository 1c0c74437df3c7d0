//! Uploaded files streamed into an import as they arrive: the request body is
//! never held whole, so a file of any size takes the same little memory. The bytes
//! pass through a small bounded channel to the import's blocking reader, so the
//! upload goes no faster than the import takes its rows, and what the uploader
//! sees as progress is the import's.
//!
//! The progress of each running import is kept under a ticket its page was given,
//! for that page to ask about while it uploads.

use axum::body::Bytes;
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Read;
use std::sync::Mutex;
use tavana_store::registry::import::{ImportSummary, InputCut};
use tokio::sync::mpsc;

/// A blocking reader over chunks an async task sends it.
pub struct ChannelReader {
    rx: mpsc::Receiver<std::io::Result<Bytes>>,
    chunk: Bytes,
    done: bool,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            if self.done {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => self.chunk = chunk,
                Some(Err(e)) => {
                    // Once cut, the input ends: a reader that asks again sees its end.
                    self.done = true;
                    return Err(e);
                }
                None => self.done = true,
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk[..n]);
        let _ = self.chunk.split_to(n);
        Ok(n)
    }
}

/// The sending half: [`feed`] passes a body's chunks through it.
pub struct Feeder(mpsc::Sender<std::io::Result<Bytes>>);

/// A reader and the feeder that fills it, holding at most a few chunks between them.
pub fn channel() -> (Feeder, ChannelReader) {
    let (tx, rx) = mpsc::channel(8);
    (Feeder(tx), ChannelReader { rx, chunk: Bytes::new(), done: false })
}

/// The size a request says its body has, when it says.
pub fn declared_size(headers: &axum::http::HeaderMap) -> Option<u64> {
    headers.get(axum::http::header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// What [`feed`] passed on.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fed {
    pub bytes: u64,
    /// Whether every byte was white space (or there was none).
    pub blank: bool,
}

/// Passes `body` to the reader, at most `limit` bytes of it, counting them in
/// `progress`. Whatever stops the body early (the limit, a broken connection)
/// reaches the reader as an [`InputCut`] saying so.
pub async fn feed<S, E>(body: S, feeder: Feeder, limit: u64, mut progress: impl FnMut(u64)) -> Fed
where
    S: Stream<Item = Result<Bytes, E>>,
    E: std::fmt::Display,
{
    let mut body = std::pin::pin!(body);
    let mut fed = Fed { bytes: 0, blank: true };
    while let Some(chunk) = body.next().await {
        let item = match chunk {
            Ok(chunk) if fed.bytes + chunk.len() as u64 > limit => Err(too_large_cut(limit).into_io()),
            Ok(chunk) => {
                fed.bytes += chunk.len() as u64;
                fed.blank = fed.blank && chunk.iter().all(u8::is_ascii_whitespace);
                progress(fed.bytes);
                Ok(chunk)
            }
            Err(e) => Err(InputCut {
                en: format!("the upload broke off here ({e}); the rows before this line were kept"),
                fa: "ارسال پرونده در این سطر قطع شد؛ سطرهای پیش از آن نگه داشته شدند".into(),
            }
            .into_io()),
        };
        let stop = item.is_err();
        // The reader may have stopped on its own (a wrong header): then the rest
        // is not wanted.
        if feeder.0.send(item).await.is_err() || stop {
            break;
        }
    }
    fed
}

/// How an upload beyond `limit` bytes is reported where it was cut.
fn too_large_cut(limit: u64) -> InputCut {
    let mib = limit / (1024 * 1024);
    InputCut {
        en: format!(
            "the file is larger than {mib} MiB, the most an upload takes: it was cut here and the rows before this \
             line were kept; import the rest from a smaller file, or all of it with `tavana import`"
        ),
        fa: format!(
            "پرونده از {} مگابایت، بیشترین اندازهٔ ارسال، بزرگ‌تر است: در این سطر بریده شد و سطرهای پیش از آن نگه \
             داشته شدند؛ باقی را در پرونده‌ای کوچک‌تر یا همه را با فرمان `tavana import` وارد کنید",
            tavana_domain::text::to_persian_digits(&mib.to_string())
        ),
    }
}

/// Where a running import is.
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct Progress {
    /// Waiting for the import before it to end (imports run one at a time).
    pub waiting: bool,
    /// Bytes of the file received so far.
    pub bytes: u64,
    /// The file's size, when its upload said.
    pub size: Option<u64>,
    /// Rows read and what became of them, after the last batch written.
    pub read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
}

impl Progress {
    pub fn rows(&mut self, summary: &ImportSummary) {
        self.read = summary.read;
        self.inserted = summary.inserted;
        self.updated = summary.updated;
        self.unchanged = summary.unchanged;
        self.rejected = summary.rejected;
    }
}

/// The progress of running imports, by ticket, each readable by its own user only.
#[derive(Default)]
pub struct Tickets {
    running: Mutex<HashMap<String, (i64, Progress)>>,
}

impl Tickets {
    /// The most imports followed at once; a ticket beyond it is simply not followed.
    const MOST: usize = 256;

    /// Starts following `ticket` of `user_id`; the guard stops following it when dropped.
    pub fn follow<'a>(&'a self, user_id: i64, ticket: &str, size: Option<u64>) -> Option<Followed<'a>> {
        let valid = (16..=64).contains(&ticket.len()) && ticket.bytes().all(|b| b.is_ascii_alphanumeric());
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if !valid || running.len() >= Self::MOST || running.contains_key(ticket) {
            return None;
        }
        running.insert(ticket.to_string(), (user_id, Progress { waiting: true, size, ..Progress::default() }));
        Some(Followed { tickets: self, ticket: ticket.to_string() })
    }

    /// The progress under `ticket`, when it is `user_id`'s and still running.
    pub fn progress(&self, user_id: i64, ticket: &str) -> Option<Progress> {
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.get(ticket).filter(|(owner, _)| *owner == user_id).map(|(_, p)| *p)
    }
}

/// An import being followed.
pub struct Followed<'a> {
    tickets: &'a Tickets,
    ticket: String,
}

impl Followed<'_> {
    pub fn update(&self, change: impl FnOnce(&mut Progress)) {
        let mut running = self.tickets.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, progress)) = running.get_mut(&self.ticket) {
            change(progress);
        }
    }
}

impl Drop for Followed<'_> {
    fn drop(&mut self) {
        self.tickets.running.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.ticket);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_body_beyond_the_limit_reaches_the_reader_as_a_cut() {
        let (feeder, mut reader) = channel();
        let chunks: Vec<Result<Bytes, std::io::Error>> =
            vec![Ok(Bytes::from_static(b"abc")), Ok(Bytes::from_static(b"defg")), Ok(Bytes::from_static(b"h"))];
        let read = tokio::task::spawn_blocking(move || {
            let mut text = Vec::new();
            let error = reader.read_to_end(&mut text).unwrap_err();
            let cut = error.get_ref().and_then(|e| e.downcast_ref::<InputCut>()).map(|c| c.en.clone());
            // After the cut the input has ended.
            assert_eq!(reader.read(&mut [0; 4]).unwrap(), 0);
            (text, cut)
        });
        let mut seen = Vec::new();
        let fed = feed(futures_util::stream::iter(chunks), feeder, 5, |n| seen.push(n)).await;
        let (text, cut) = read.await.unwrap();
        assert_eq!((fed.bytes, fed.blank), (3, false));
        assert_eq!(seen, vec![3]);
        assert_eq!(text, b"abc");
        assert!(cut.unwrap().contains("larger than 0 MiB"));
    }

    #[test]
    fn a_ticket_is_its_users_only_and_ends_with_its_import() {
        let tickets = Tickets::default();
        assert!(tickets.follow(1, "short", None).is_none(), "too short to be unguessable");
        let ticket = "a".repeat(32);
        let followed = tickets.follow(1, &ticket, Some(10)).unwrap();
        assert!(tickets.follow(2, &ticket, None).is_none(), "a ticket is not taken twice");
        followed.update(|p| p.bytes = 7);
        assert_eq!(tickets.progress(1, &ticket).map(|p| (p.bytes, p.size)), Some((7, Some(10))));
        assert!(tickets.progress(2, &ticket).is_none());
        drop(followed);
        assert!(tickets.progress(1, &ticket).is_none());
    }
}
