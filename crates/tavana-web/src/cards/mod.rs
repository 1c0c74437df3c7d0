//! Intercity travel discount cards: the officers' run that issues and revokes
//! them, and the public check transport operators make by a card's number.
//!
//! A module slice of the web layer: its page (`router`), its API (`api`, in the
//! OpenAPI document by construction) and the rate limit of the public check.

mod api;
mod texts;
mod ui;

use crate::AppState;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// How many card checks one address may make in a minute.
pub(crate) const CHECKS_PER_MINUTE: u32 = 60;

/// Card checks counted per address in one-minute windows: an operator checks
/// the cards of a bus's passengers, a scraper is stopped.
#[derive(Default)]
pub struct CheckLimit {
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl CheckLimit {
    /// Counts a check from `address`; false when it is over the limit.
    pub(crate) fn allow(&self, address: IpAddr, now: Instant) -> bool {
        let Ok(mut windows) = self.windows.lock() else { return false };
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let (start, count) = windows.entry(address).or_insert((now, 0));
        if now.duration_since(*start) >= Duration::from_secs(60) {
            *start = now;
            *count = 0;
        }
        *count += 1;
        *count <= CHECKS_PER_MINUTE
    }
}

/// The module's pages.
pub(crate) fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new().route("/cards", get(ui::show)).route("/cards/run", post(ui::run))
}

/// The module's API routes.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api::check)).routes(routes!(api::run)).routes(routes!(api::person_cards))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_stopped_past_the_limit_until_the_minute_is_over() {
        let limit = CheckLimit::default();
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let start = Instant::now();
        for _ in 0..CHECKS_PER_MINUTE {
            assert!(limit.allow(a, start));
        }
        assert!(!limit.allow(a, start + Duration::from_secs(30)));
        assert!(limit.allow(b, start + Duration::from_secs(30)), "another address is not stopped");
        assert!(limit.allow(a, start + Duration::from_secs(61)), "a new minute");
    }
}
