//! Tavana's domain: pure logic with no I/O, no async and no knowledge of SQL or HTTP.
//!
//! Every identifier a person types (a national code, a SHEBA, a Jalali date) is parsed
//! once into a type here, so the layers above take `NationalCode`, not a `String`
//! they have to re-check.

pub mod applications;
pub mod audit;
pub mod cards;
pub mod cases;
pub mod coded;
pub mod employment;
pub mod error;
pub mod events;
pub mod gozinesh;
pub mod hr;
pub mod iam;
pub mod interop;
pub mod jalali;
pub mod library;
pub mod money;
pub mod national_code;
pub mod org;
pub mod payments;
pub mod planning;
pub mod programs;
pub mod registry;
pub mod sheba;
pub mod text;

pub use error::DomainError;
pub use jalali::JalaliDate;
pub use money::Rials;
pub use national_code::NationalCode;
pub use sheba::Sheba;
