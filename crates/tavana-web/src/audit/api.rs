use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ProblemBody};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use tavana_store::audit::ChainReport;
use utoipa::ToSchema;

/// The state of the audit chain.
#[derive(Serialize, ToSchema)]
pub struct ChainDto {
    pub intact: bool,
    pub entries: Option<i64>,
    pub head_hash: Option<String>,
    /// The first broken entry, when the chain is broken.
    pub broken_seq: Option<i64>,
    pub reason: Option<String>,
}

/// Checks the whole audit chain (auditors and admins at HQ).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = ChainDto), (status = 403, body = ProblemBody)))]
pub async fn verify(State(state): State<AppState>, ApiCaller(actor): ApiCaller) -> Result<Json<ChainDto>, ApiError> {
    Ok(Json(match state.store.verify_audit_chain_as(&actor).await? {
        ChainReport::Intact { entries, head_hash } => ChainDto {
            intact: true,
            entries: Some(entries),
            head_hash: Some(head_hash),
            broken_seq: None,
            reason: None,
        },
        ChainReport::Broken { seq, reason } => {
            ChainDto { intact: false, entries: None, head_hash: None, broken_seq: Some(seq), reason: Some(reason) }
        }
    }))
}

/// One read of a person's sensitive data.
#[derive(Serialize, ToSchema)]
pub struct ReadDto {
    pub seq: i64,
    pub at_micros: i64,
    pub reader: Option<String>,
    /// Which data: person_record, person_history, assessments, rule_values,
    /// eligibility or decisions.
    pub data: Option<String>,
}

/// Who read this person's sensitive data, newest first (auditors and admins, for
/// readers in their subtree).
#[utoipa::path(get, path = "/api/v1/audit/persons/{id}/reads", tag = "audit",
    params(("id" = i64, Path, description = "Person id")),
    responses((status = 200, body = [ReadDto]), (status = 403, body = ProblemBody)))]
pub async fn person_reads(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    crate::error::ApiPath(id): crate::error::ApiPath<i64>,
) -> Result<Json<Vec<ReadDto>>, ApiError> {
    let reads = state.store.reads_of_person(&actor, id, 500).await?;
    Ok(Json(
        reads
            .into_iter()
            .map(|e| ReadDto {
                seq: e.seq,
                at_micros: e.at,
                reader: e.actor_username,
                data: e
                    .after_json
                    .as_deref()
                    .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
                    .and_then(|v| v["data"].as_str().map(str::to_string)),
            })
            .collect(),
    ))
}
