//! The DCI sync search envelope as the OpenAPI document describes it. These
//! types document the wire format only: the handler reads a request through
//! `tavana_domain::interop::read` (which reports every refusal with the
//! standard's reason code) and writes the answer without nulls.
#![allow(dead_code)]

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A search request: the standard's envelope.
#[derive(Serialize, ToSchema)]
#[schema(as = DciSearchRequest)]
pub struct SearchRequest {
    /// The sender's signature of header and message; read, not verified (the
    /// API token authenticates the caller).
    pub signature: Option<String>,
    pub header: RequestHeader,
    pub message: SearchMessage,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DciRequestHeader)]
pub struct RequestHeader {
    /// "1.0.0".
    pub version: String,
    /// Unique per sender.
    pub message_id: String,
    /// RFC 3339 with its offset.
    pub message_ts: String,
    /// "search".
    pub action: String,
    pub sender_id: String,
    pub sender_uri: Option<String>,
    pub receiver_id: Option<String>,
    /// How many searches the message holds.
    pub total_count: i64,
    /// Encrypted messages are refused.
    pub is_msg_encrypted: Option<bool>,
    #[schema(value_type = Option<Object>)]
    pub meta: Option<Value>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DciSearchMessage)]
pub struct SearchMessage {
    /// At most 99 characters.
    pub transaction_id: String,
    pub search_request: Vec<SearchItem>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DciSearchItem)]
pub struct SearchItem {
    /// Unique in the message.
    pub reference_id: String,
    pub timestamp: String,
    pub search_criteria: SearchCriteria,
    /// ISO 639-3 (`fas`, `eng`).
    pub locale: Option<String>,
}

/// What to search for. `query` by `query_type`: `idtype-value`
/// `{"type": "UIN" | "NIN" | "NationalID" | "MOBILE" | "HOUSEHOLD_ID", "value"}`;
/// `expression` `{"type", "value": {"expression": {…}}}` (Mongo-like: `$and`,
/// `$or`, `$not`, `$eq`, `$ne`, `$gt`, `$gte`, `$lt`, `$lte`, `$in`); `predicate`
/// `[{seq_num, expression1: {attribute_name, operator, attribute_value},
/// condition, expression2}]`. Attributes: sex, birth_date, province, county,
/// income_decile, is_disabled, relationship_head, education_level.
#[derive(Serialize, ToSchema)]
#[schema(as = DciSearchCriteria)]
pub struct SearchCriteria {
    pub version: Option<String>,
    pub reg_type: Option<String>,
    /// `idtype-value`, `expression` or `predicate`.
    pub query_type: String,
    pub query: Value,
    /// Member (the only record type answered).
    pub response_entity: Option<String>,
    pub sort: Option<Vec<Sort>>,
    pub pagination: Option<PageRequest>,
    #[schema(value_type = Option<Object>)]
    pub consent: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub authorize: Option<Value>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DciSort)]
pub struct Sort {
    pub attribute_name: String,
    /// `asc` or `desc`.
    pub sort_order: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DciPageRequest)]
pub struct PageRequest {
    /// 1 to 500.
    pub page_size: i64,
    /// From 1.
    pub page_number: i64,
}

/// The answer: `on-search`, every search answered in order.
#[derive(Serialize, ToSchema)]
#[schema(as = DciSearchResponse)]
pub struct SearchResponse {
    pub header: ResponseHeader,
    pub message: SearchResponseMessage,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DciResponseStatus)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Succ,
    Rjct,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DciResponseHeader)]
pub struct ResponseHeader {
    pub version: String,
    pub message_id: String,
    pub message_ts: String,
    /// "on-search".
    pub action: String,
    /// `rjct` when the header could not be read (its reason below).
    pub status: Status,
    pub status_reason_code: Option<String>,
    pub status_reason_message: Option<String>,
    pub total_count: i64,
    pub completed_count: i64,
    /// The request's receiver (or this registry).
    pub sender_id: String,
    /// The request's sender.
    pub receiver_id: Option<String>,
    pub is_msg_encrypted: bool,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DciSearchResponseMessage)]
pub struct SearchResponseMessage {
    /// The request's, echoed.
    pub transaction_id: String,
    /// New for every answer.
    pub correlation_id: String,
    pub search_response: Vec<SearchResponseItem>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DciSearchResponseItem)]
pub struct SearchResponseItem {
    pub reference_id: String,
    pub timestamp: String,
    pub status: Status,
    /// Why the search was refused (`rjct.filter.invalid`, …).
    pub status_reason_code: Option<String>,
    pub status_reason_message: Option<String>,
    pub data: Option<SearchData>,
    pub pagination: Option<PageAnswered>,
    pub locale: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DciSearchData)]
pub struct SearchData {
    pub version: String,
    pub reg_type: String,
    /// "Member".
    pub reg_record_type: String,
    /// Member records (spdci/schemas): `member_identifier`, `demographic_info`,
    /// `relationship_head`, `is_disabled`, `disability_info`, …; Gregorian
    /// dates, the Jalali birth date, household and place in
    /// `additional_attributes`.
    #[schema(value_type = Vec<Object>)]
    pub reg_records: Vec<Value>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DciPageAnswered)]
pub struct PageAnswered {
    pub page_size: i64,
    pub page_number: i64,
    /// Every record the search matches.
    pub total_count: i64,
}

/// A transport error, as the standard writes it.
#[derive(Serialize, ToSchema)]
#[schema(as = DciErrors)]
pub struct Errors {
    pub errors: Vec<ErrorItem>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DciError)]
pub struct ErrorItem {
    /// `err.request.bad`, `err.request.unauthorized`, `err.request.forbidden`.
    pub code: String,
    pub message: String,
}
