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
    let report = state.store.verify_audit_chain_as(&actor).await?;
    Ok(Json(match (&report, report.problem()) {
        (ChainReport::Intact { entries, head_hash }, _) => ChainDto {
            intact: true,
            entries: Some(*entries),
            head_hash: Some(head_hash.clone()),
            broken_seq: None,
            reason: None,
        },
        (_, problem) => ChainDto {
            intact: false,
            entries: None,
            head_hash: None,
            broken_seq: problem.as_ref().map(|p| p.0),
            reason: problem.map(|p| p.1),
        },
    }))
}

/// A chain's head, to keep outside the system.
#[derive(Serialize, ToSchema)]
pub struct AnchorDto {
    /// writes (the audit chain) or reads (the read log).
    pub chain: String,
    pub seq: i64,
    pub hash: String,
    pub at_micros: i64,
}

/// The heads of the audit chain and the read log now (auditors and admins at
/// HQ). An outside party that keeps them can later have `tavana audit verify
/// --anchor` prove that nothing up to them was rewritten, even with the key.
#[utoipa::path(get, path = "/api/v1/audit/anchor", tag = "audit",
    responses((status = 200, body = [AnchorDto]), (status = 403, body = ProblemBody)))]
pub async fn anchor(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<AnchorDto>>, ApiError> {
    let anchors = state.store.audit_anchors_as(&actor).await?;
    Ok(Json(
        anchors.into_iter().map(|a| AnchorDto { chain: a.chain, seq: a.seq, hash: a.hash, at_micros: a.at }).collect(),
    ))
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
