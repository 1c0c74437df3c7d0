//! Store stories. Each test gets a fresh database: SQLite by default, PostgreSQL when
//! TAVANA_TEST_DATABASE_URL is set (scripts/test runs the suite both ways).

// Tests may unwrap and panic: a failure should stop the test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access;
mod applications;
mod audit;
mod cards;
mod cases;
mod clock;
mod decisions;
mod duplicates;
mod employment;
mod facts;
mod gozinesh;
mod grievances;
mod hr;
mod iam;
mod import;
mod interop;
mod library;
mod limits;
mod migrations;
mod org;
mod outbox;
mod payments;
mod planning;
mod programs;
mod registry;
mod sensitive;
mod support;
