//! A record's earlier states as the API shows them: every module with versioned
//! records (persons, programs, …) answers its history with these.

use serde::Serialize;
use tavana_store::registry::RecordVersion;
use utoipa::ToSchema;

/// One earlier state of a record, newest first.
#[derive(Serialize, ToSchema)]
pub struct VersionDto {
    pub version: i64,
    /// The record as it was in this state.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub changed_at_micros: i64,
    pub changed_by: Option<String>,
    pub unit_name_fa: Option<String>,
    pub reason: String,
}

impl From<RecordVersion> for VersionDto {
    fn from(v: RecordVersion) -> Self {
        Self {
            version: v.version,
            data: serde_json::from_str(&v.data).unwrap_or_default(),
            changed_at_micros: v.changed_at,
            changed_by: v.changed_by_name,
            unit_name_fa: v.unit_name_fa,
            reason: v.reason,
        }
    }
}
