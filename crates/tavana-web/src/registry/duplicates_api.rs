use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, ProblemBody, bad_body, invalid_fields};
use crate::error::{ApiPath, ApiQuery};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use serde::{Deserialize, Serialize};
use tavana_store::registry::duplicates::Candidate;
use utoipa::{IntoParams, ToSchema};

/// A pair of persons that may be one.
#[derive(Serialize, ToSchema)]
pub struct CandidateDto {
    pub id: i64,
    /// same_name_father_birth, same_phone or same_sheba.
    pub rule: String,
    /// open, merge_proposed, merged or dismissed.
    pub status: String,
    pub reason: Option<String>,
    pub person_a: i64,
    pub person_b: i64,
    pub a_national_code: String,
    pub b_national_code: String,
    pub a_name: String,
    pub b_name: String,
    /// A proposed merge's survivor, proposer and reason.
    pub survivor: Option<i64>,
    pub proposed_by: Option<String>,
    pub proposal_reason: Option<String>,
}

impl From<Candidate> for CandidateDto {
    fn from(c: Candidate) -> Self {
        Self {
            id: c.id,
            rule: c.rule,
            status: c.status.code().into(),
            reason: c.reason,
            person_a: c.a_id,
            person_b: c.b_id,
            a_national_code: c.a_code,
            b_national_code: c.b_code,
            a_name: c.a_name,
            b_name: c.b_name,
            survivor: c.survivor,
            proposed_by: c.proposed_by,
            proposal_reason: c.proposal_reason,
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// open (default), merge_proposed, merged or dismissed.
    pub status: Option<String>,
}

/// Likely duplicates in the caller's subtree.
#[utoipa::path(get, path = "/api/v1/duplicates", tag = "registry", params(ListParams),
    responses((status = 200, body = [CandidateDto]), (status = 403, body = ProblemBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<Vec<CandidateDto>>, ApiError> {
    let status = match p.status.as_deref() {
        None => tavana_domain::registry::CandidateStatus::Open,
        Some(s) => tavana_domain::registry::CandidateStatus::parse("status", s).map_err(|e| invalid_fields(&[e]))?,
    };
    Ok(Json(state.store.duplicate_candidates(&actor, status, 500).await?.into_iter().map(Into::into).collect()))
}

/// How many new candidates a detection found.
#[derive(Serialize, ToSchema)]
pub struct Detected {
    pub found: u64,
}

/// Looks for likely duplicates among the persons of the caller's subtree.
#[utoipa::path(post, path = "/api/v1/duplicates/detect", tag = "registry",
    responses((status = 200, body = Detected), (status = 403, body = ProblemBody)))]
pub async fn detect(State(state): State<AppState>, ApiCaller(actor): ApiCaller) -> Result<Json<Detected>, ApiError> {
    Ok(Json(Detected { found: state.store.detect_duplicates(&actor).await? }))
}

/// A decision on a candidate.
#[derive(Deserialize, ToSchema)]
pub struct Decision {
    /// merge (proposes merging; another person approves), approve (a proposed
    /// merge, by someone other than its proposer), reject (a proposed merge),
    /// dismiss, or reopen (undoes a merge or a dismissal).
    pub decision: String,
    /// For a proposed merge: the person kept (one of the pair).
    pub survivor: Option<i64>,
    pub reason: String,
}

/// Proposes, approves or rejects a merge of a candidate, dismisses or reopens
/// it, with a reason.
#[utoipa::path(post, path = "/api/v1/duplicates/{id}", tag = "registry", request_body = Decision,
    params(("id" = i64, Path, description = "Candidate id")),
    responses((status = 200, body = CandidateDto), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    body: Result<Json<Decision>, JsonRejection>,
) -> Result<Json<CandidateDto>, ApiError> {
    let Json(d) = body.map_err(bad_body)?;
    let store = &state.store;
    match (d.decision.as_str(), d.survivor) {
        ("merge", Some(survivor)) => store.propose_merge(&actor, id, survivor, &d.reason).await?,
        ("approve", _) => store.approve_merge(&actor, id, &d.reason).await?,
        ("reject", _) => store.reject_merge(&actor, id, &d.reason).await?,
        ("dismiss", _) => store.dismiss_duplicate(&actor, id, &d.reason).await?,
        ("reopen", _) => store.reopen_duplicate(&actor, id, &d.reason).await?,
        ("merge", None) => {
            return Err(crate::error::invalid_fields(&[tavana_domain::DomainError::new(
                "survivor",
                tavana_domain::error::Reason::Empty,
            )]));
        }
        _ => {
            return Err(crate::error::invalid_fields(&[tavana_domain::DomainError::new(
                "decision",
                tavana_domain::error::Reason::NotInList,
            )]));
        }
    }
    Ok(Json(store.duplicate_candidate(&actor, id).await?.into()))
}
