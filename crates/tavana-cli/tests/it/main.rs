//! The `tavana` binary as an operator and a newcomer use it, on SQLite or (with
//! TAVANA_TEST_DATABASE_URL) PostgreSQL.

mod audit;
mod demo;
