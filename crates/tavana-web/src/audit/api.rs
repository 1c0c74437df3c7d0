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
