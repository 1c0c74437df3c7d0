//! The `tavana` binary as an operator and a newcomer use it, on SQLite or (with
//! TAVANA_TEST_DATABASE_URL) PostgreSQL.

// Tests may unwrap and panic: a failure should stop the test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod audit;
mod demo;
mod payments;
mod registry;
mod staff;
mod support;
mod vetting;
