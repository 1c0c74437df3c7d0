//! The web layer against a real server on 127.0.0.1 (and, for the browser tests,
//! real headless Chromium through chromedriver), on SQLite or PostgreSQL as the
//! store tests are.

// Tests may unwrap and panic: a failure should stop the test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod applications;
mod axe;
mod browser;
mod cards;
mod cases;
mod employment;
mod gozinesh;
mod grievances;
mod hr;
mod interop;
mod library;
mod limits;
mod pages;
mod payments;
mod planning;
mod registry;
mod scope;
mod support;
