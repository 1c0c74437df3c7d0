//! Store stories. Each test gets a fresh database: SQLite by default, PostgreSQL when
//! TAVANA_TEST_DATABASE_URL is set (scripts/test runs the suite both ways).

mod access;
mod audit;
mod iam;
mod migrations;
mod org;
mod support;
