//! Interoperability: the DCI Social Registry API's sync search
//! (`POST /api/dci/registry/sync/search`), by which another system holding an
//! API token searches the registry within its user's unit. The envelope is read
//! by `tavana_domain::interop`; each search is answered on its own (`succ` with
//! its page of Member records, or `rjct` with the standard's reason code), and
//! transport errors answer `{"errors": [{code, message}]}` as the standard
//! says. The endpoint is in the OpenAPI document with the envelope's schemas
//! ([`schema`]); its errors keep the standard's shape, not problem+json.
//!
//! The caller is authenticated by its API token and sees its user's unit. The
//! envelope's `signature` is read but not verified: no sender's key is
//! registered with the system, the token is what is trusted.

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tavana_domain::interop::{self, Item, ReasonCode, VERSION};
use tavana_store::StoreError;
use tavana_store::interop::{Asker, RegistryRecord};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The largest request: 1 MiB (twenty searches are a few kilobytes).
const REQUEST_LIMIT: usize = 1024 * 1024;
/// How this registry names itself as a sender.
const REGISTRY_ID: &str = "tavana.behzisti.ir";

mod schema;

/// The DCI endpoint, in the OpenAPI document beside `/api/v1`.
pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search)).layer(axum::extract::DefaultBodyLimit::max(REQUEST_LIMIT))
}

/// The path prefix of the standard's endpoints, whose errors are the standard's.
pub(crate) const PREFIX: &str = "/api/dci/";

/// A transport error as the standard writes it.
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(json!({ "errors": [{ "code": code, "message": message }] }))).into_response()
}

fn now_rfc3339(state: &AppState) -> String {
    state.store.clock().now().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Drops every null from a JSON value: the standard's validators refuse them.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, without_nulls(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// A person as a Member record of the standard's vocabulary.
fn member(r: &RegistryRecord) -> Value {
    let jalali = time::Date::parse(&r.birth_date, time::macros::format_description!("[year]-[month]-[day]"))
        .ok()
        .and_then(|d| tavana_domain::jalali::JalaliDate::from_gregorian(d).ok())
        .map(|d| d.to_ascii());
    let mut attributes = vec![json!({ "name": "birth_date_jalali", "value": jalali })];
    if let Some(h) = &r.household {
        attributes.push(json!({ "name": "household_id", "value": h }));
    }
    if let Some(p) = &r.place_code {
        attributes.push(json!({ "name": "place_code", "value": p }));
    }
    without_nulls(json!({
        "@type": "Member",
        "member_identifier": [{ "identifier_type": "UIN", "identifier_value": r.national_code }],
        "demographic_info": {
            "@type": "Person",
            "name": { "given_name": r.first_name, "surname": r.last_name },
            "sex": r.sex,
            "birth_date": r.birth_date,
            "death_date": r.deceased_on,
            "phone_number": r.phone.as_ref().map(|p| vec![p.clone()]),
        },
        "relationship_head": r.relationship,
        "is_disabled": !r.disabilities.is_empty(),
        "disability_info": r.disabilities.iter().map(|d| json!({
            "disability_type": d.kind, "severity": d.severity, "assessed_on": d.assessed_on, "valid_until": d.valid_until,
        })).collect::<Vec<_>>(),
        "marital_status": r.marital_status,
        "employment_status": r.employment,
        "education_level": r.education,
        "income_level": r.income_decile,
        "additional_attributes": attributes,
    }))
}

fn rejected_item(reference_id: &str, timestamp: &str, code: ReasonCode, message: &str) -> Value {
    json!({
        "reference_id": reference_id, "timestamp": timestamp, "status": "rjct",
        "status_reason_code": code.code(), "status_reason_message": message,
    })
}

/// Searches the registry by the DCI Social Registry standard v1.0.0 (sync):
/// each search of the envelope is answered on its own, `succ` with a page of
/// Member records or `rjct` with the standard's reason code; an envelope whose
/// header cannot be read is answered `rjct` whole. Authenticated by API token;
/// the caller sees its user's unit.
#[utoipa::path(post, path = "/api/dci/registry/sync/search", tag = "interop",
    request_body = schema::SearchRequest,
    responses(
        (status = 200, description = "Every search answered (on-search)", body = schema::SearchResponse),
        (status = 400, description = "The body is not JSON", body = schema::Errors),
        (status = 401, description = "No valid API token", body = schema::Errors),
        (status = 403, description = "The token's roles may not read the registry", body = schema::Errors),
        (status = 413, description = "The body is beyond 1 MiB"),
    ))]
pub async fn search(State(state): State<AppState>, caller: Result<ApiCaller, ApiError>, body: Bytes) -> Response {
    let actor = match caller {
        Ok(ApiCaller(actor)) => actor,
        Err(ApiError(problem, _)) if problem.status == StatusCode::FORBIDDEN => {
            return error(StatusCode::FORBIDDEN, "err.request.forbidden", &problem.detail_en);
        }
        Err(ApiError(problem, _)) => {
            return error(StatusCode::UNAUTHORIZED, "err.request.unauthorized", &problem.detail_en);
        }
    };
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "err.request.bad", "the body is not JSON");
    };
    let now = now_rfc3339(&state);
    let correlation_id = tavana_store::iam::random_token()[..32].to_string();
    let respond = |header: &interop::Header,
                   status: &str,
                   reason: Option<(&str, &str)>,
                   completed: i64,
                   transaction: &str,
                   items: Vec<Value>| {
        let mut h = json!({
            "version": VERSION,
            "message_id": tavana_store::iam::random_token()[..32].to_string(),
            "message_ts": now,
            "action": "on-search",
            "status": status,
            "total_count": header.total_count,
            "completed_count": completed,
            "sender_id": header.receiver_id.clone().unwrap_or_else(|| REGISTRY_ID.to_string()),
            "receiver_id": header.sender_id,
            "is_msg_encrypted": false,
        });
        if let Some((code, message)) = reason {
            h["status_reason_code"] = json!(code);
            h["status_reason_message"] = json!(message);
        }
        let body = json!({
            "header": h,
            "message": { "transaction_id": transaction, "correlation_id": correlation_id, "search_response": items },
        });
        (StatusCode::OK, axum::Json(without_nulls(body))).into_response()
    };
    let request = match interop::read(&value) {
        Ok(r) => r,
        Err(rejected) => {
            let r = *rejected;
            let reason = (r.refusal.code.code(), r.refusal.message.as_str());
            return respond(&r.header, "rjct", Some(reason), 0, r.transaction_id.as_deref().unwrap_or(""), Vec::new());
        }
    };
    let asker = Asker { sender_id: &request.header.sender_id, transaction_id: &request.transaction_id };
    let mut answers = Vec::with_capacity(request.items.len());
    let mut completed = 0;
    for item in &request.items {
        let item: &Item = item;
        match item {
            Err((reference, refusal)) => answers.push(rejected_item(reference, &now, refusal.code, &refusal.message)),
            Ok(search) => match state.store.registry_search(&actor, &asker, search).await {
                Ok(page) => {
                    completed += 1;
                    answers.push(without_nulls(json!({
                        "reference_id": search.reference_id,
                        "timestamp": now,
                        "status": "succ",
                        "data": {
                            "version": VERSION,
                            "reg_type": "ns:org:RegistryType:Social",
                            "reg_record_type": "Member",
                            "reg_records": page.records.iter().map(member).collect::<Vec<_>>(),
                        },
                        "pagination": {
                            "page_size": search.page_size,
                            "page_number": search.page_number,
                            "total_count": page.total,
                        },
                        "locale": search.locale,
                    })));
                }
                Err(StoreError::Forbidden(what)) => {
                    return error(
                        StatusCode::FORBIDDEN,
                        "err.request.forbidden",
                        &format!("your roles do not allow you to {what}"),
                    );
                }
                Err(StoreError::TimedOut) => answers.push(rejected_item(
                    &search.reference_id,
                    &now,
                    ReasonCode::SearchCriteriaInvalid,
                    "the search took too long: narrow it",
                )),
                Err(e) => {
                    tracing::error!(error = %e, "a registry search failed");
                    return error(StatusCode::INTERNAL_SERVER_ERROR, "err.request.bad", "the search could not be run");
                }
            },
        }
    }
    respond(&request.header, "succ", None, completed, &request.transaction_id, answers)
}
