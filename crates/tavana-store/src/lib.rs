//! Tavana's persistence: one [`Store`] over SQLite or PostgreSQL, chosen once from the
//! database URL.
//!
//! Repositories are `impl Store` blocks per module (`org`, `iam`, `audit`), each taking
//! the acting user and enforcing their org-unit scope in the SQL itself. Every write
//! runs in a [`WriteTx`], which appends to the audit chain before it commits.

#[macro_use]
mod db;
#[macro_use]
pub mod bounded;
pub mod ceiling;
// Platform: what every module uses.
mod access;
pub mod applications;
pub mod audit;
pub mod audit_keys;
pub mod cards;
pub mod cases;
pub mod employment;
mod error;
pub mod gozinesh;
pub mod hr;
pub mod iam;
pub mod interop;
pub mod library;
pub mod lists;
pub mod metrics;
pub mod org;
pub mod outbox;
mod sql;

// Module slices.
pub mod payments;
pub mod planning;
pub mod programs;
pub mod registry;
#[cfg(feature = "testing")]
pub mod testing;

pub use db::{Backend, Clock, Consumers, Store, WriteTx, redact_url};
pub use error::StoreError;

/// The result type of every store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
