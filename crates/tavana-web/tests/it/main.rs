//! The web layer against a real server on 127.0.0.1 (and, for the browser tests,
//! real headless Chromium through chromedriver), on SQLite or PostgreSQL as the
//! store tests are.

mod api;
mod browser;
mod pages;
mod support;
