//! Interoperability: the DCI Social Registry API (sync search, v1.0.0), by
//! which other systems query the registry. This is its checked form: a request
//! envelope (signature, header, message) read into typed searches, each bad
//! part named by the standard's reason code, so the store and the web layer see
//! only searches that mean one thing.
//!
//! Query types: `idtype-value` (a national code, a mobile number or a
//! household's file number), `expression` (a documented subset of Mongo-like
//! operators) and `predicate` (the standard's `expression1 condition
//! expression2` items). Both of the latter name the same typed attributes.
//! Unknown fields are accepted and ignored, as the standard's revisions differ.

use serde_json::Value;

/// The version of the standard served.
pub const VERSION: &str = "1.0.0";
/// The most searches one request may carry.
pub const MAX_BATCH: usize = 20;
/// The largest page of records.
pub const MAX_PAGE_SIZE: i64 = 500;
/// A page of records when the request names none.
pub const DEFAULT_PAGE_SIZE: i64 = 50;

/// The standard's reason codes Tavana answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonCode {
    VersionInvalid,
    MessageTsInvalid,
    ActionInvalid,
    ActionNotSupported,
    TotalCountInvalid,
    TotalCountLimitExceeded,
    SenderIdInvalid,
    RequestBad,
    ReferenceIdInvalid,
    ReferenceIdDuplicate,
    TimestampInvalid,
    SearchCriteriaInvalid,
    FilterInvalid,
    SortInvalid,
    PaginationInvalid,
}

impl ReasonCode {
    pub fn code(self) -> &'static str {
        match self {
            ReasonCode::VersionInvalid => "rjct.version.invalid",
            ReasonCode::MessageTsInvalid => "rjct.message_ts.invalid",
            ReasonCode::ActionInvalid => "rjct.action.invalid",
            ReasonCode::ActionNotSupported => "rjct.action.not_supported",
            ReasonCode::TotalCountInvalid => "rjct.total_count.invalid",
            ReasonCode::TotalCountLimitExceeded => "rjct.total_count.limit_exceeded",
            ReasonCode::SenderIdInvalid => "err.sender_id.invalid",
            ReasonCode::RequestBad => "err.request.bad",
            ReasonCode::ReferenceIdInvalid => "rjct.reference_id.invalid",
            ReasonCode::ReferenceIdDuplicate => "rjct.reference_id.duplicate",
            ReasonCode::TimestampInvalid => "rjct.timestamp.invalid",
            ReasonCode::SearchCriteriaInvalid => "rjct.search_criteria.invalid",
            ReasonCode::FilterInvalid => "rjct.filter.invalid",
            ReasonCode::SortInvalid => "rjct.sort.invalid",
            ReasonCode::PaginationInvalid => "rjct.pagination.invalid",
        }
    }
}

/// A refusal: its reason code and a message saying what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: ReasonCode,
    pub message: String,
}

fn refuse<T>(code: ReasonCode, message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal { code, message: message.into() })
}

/// The header's parts a response echoes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    pub message_id: String,
    pub sender_id: String,
    pub receiver_id: Option<String>,
    pub total_count: i64,
}

/// An identifier a search may look up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdType {
    /// The national code (کد ملی): `UIN`, `NIN` or `NationalID`.
    NationalCode,
    Mobile,
    /// A household's file number.
    HouseholdId,
}

/// An attribute searches filter on: the same facts eligibility rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribute {
    Sex,
    /// Gregorian, ISO.
    BirthDate,
    /// A province's place code (`08`).
    Province,
    /// A county's place code (`08-01`).
    County,
    IncomeDecile,
    IsDisabled,
    Relationship,
    Education,
}

/// What an attribute's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Date,
    Int,
    Bool,
}

impl Attribute {
    const ALL: [(&'static str, Attribute); 8] = [
        ("sex", Attribute::Sex),
        ("birth_date", Attribute::BirthDate),
        ("province", Attribute::Province),
        ("county", Attribute::County),
        ("income_decile", Attribute::IncomeDecile),
        ("is_disabled", Attribute::IsDisabled),
        ("relationship_head", Attribute::Relationship),
        ("education_level", Attribute::Education),
    ];

    pub fn parse(name: &str) -> Option<Attribute> {
        Attribute::ALL.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }

    pub fn name(self) -> &'static str {
        Attribute::ALL.iter().find(|(_, a)| *a == self).map_or("", |(n, _)| n)
    }

    fn kind(self) -> Kind {
        match self {
            Attribute::BirthDate => Kind::Date,
            Attribute::IncomeDecile => Kind::Int,
            Attribute::IsDisabled => Kind::Bool,
            _ => Kind::Text,
        }
    }
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    In,
}

/// A value compared with, of its attribute's kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    Text(String),
    /// ISO.
    Date(String),
    Int(i64),
    Bool(bool),
    List(Vec<Operand>),
}

/// A condition over a person's attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    All(Vec<Filter>),
    Any(Vec<Filter>),
    Not(Box<Filter>),
    Test { attribute: Attribute, op: Op, value: Operand },
}

/// What a search asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    Id { kind: IdType, value: String },
    Filter(Filter),
}

/// An order of the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    NationalCode,
    BirthDate,
    Surname,
    GivenName,
}

/// One search of a request, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub reference_id: String,
    pub locale: Option<String>,
    pub query: Query,
    /// The query as sent, for the audit log.
    pub query_text: String,
    pub sort: Vec<(SortKey, bool)>,
    pub page_size: i64,
    pub page_number: i64,
}

/// One search of a request: checked, or refused with the standard's reason (its
/// reference id echoed when it had one).
pub type Item = Result<Search, (String, Refusal)>;

/// A request read: its header, transaction id and searches; or the refusal of
/// the whole request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub header: Header,
    pub transaction_id: String,
    pub items: Vec<Item>,
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// Whether a text is an instant as RFC 3339 writes it, with its offset.
fn is_instant(s: &str) -> bool {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
}

/// A whole request refused: what of its header and transaction could be read,
/// and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub header: Header,
    pub transaction_id: Option<String>,
    pub refusal: Refusal,
}

/// Reads a request. A refusal of the header (or of the envelope) refuses the
/// whole request, with what of the header could be read; each search is
/// checked on its own.
pub fn read(body: &Value) -> Result<Request, Box<Rejected>> {
    let header_value = body.get("header").cloned().unwrap_or(Value::Null);
    let header = Header {
        message_id: text(&header_value, "message_id").unwrap_or_default().to_string(),
        sender_id: text(&header_value, "sender_id").unwrap_or_default().to_string(),
        receiver_id: text(&header_value, "receiver_id").map(str::to_string),
        total_count: header_value.get("total_count").and_then(Value::as_i64).unwrap_or(0),
    };
    let message = body.get("message").cloned().unwrap_or(Value::Null);
    let transaction_id = text(&message, "transaction_id").map(str::to_string);
    let fail = |code, message: &str| {
        Err(Box::new(Rejected {
            header: header.clone(),
            transaction_id: transaction_id.clone(),
            refusal: Refusal { code, message: message.into() },
        }))
    };
    if !header_value.is_object() || !message.is_object() {
        return fail(ReasonCode::RequestBad, "a request has a header and a message");
    }
    match header_value.get("version").and_then(Value::as_str) {
        Some(VERSION) => {}
        _ => return fail(ReasonCode::VersionInvalid, "the version served is 1.0.0"),
    }
    if header.message_id.is_empty() {
        return fail(ReasonCode::RequestBad, "header.message_id is required");
    }
    if !text(&header_value, "message_ts").is_some_and(is_instant) {
        return fail(ReasonCode::MessageTsInvalid, "header.message_ts is an RFC 3339 instant with its offset");
    }
    match text(&header_value, "action") {
        Some("search") => {}
        Some("subscribe" | "unsubscribe" | "txn-status" | "notify") => {
            return fail(ReasonCode::ActionNotSupported, "this endpoint serves the search action");
        }
        _ => return fail(ReasonCode::ActionInvalid, "header.action is search"),
    }
    if header.sender_id.is_empty() {
        return fail(ReasonCode::SenderIdInvalid, "header.sender_id is required");
    }
    if header_value.get("is_msg_encrypted").and_then(Value::as_bool) == Some(true) {
        return fail(ReasonCode::RequestBad, "encrypted messages are not accepted: send it in the clear over TLS");
    }
    let Some(transaction_id) = transaction_id.clone().filter(|t| t.chars().count() <= 99) else {
        return fail(ReasonCode::RequestBad, "message.transaction_id is required, at most 99 characters");
    };
    let Some(requests) = message.get("search_request").and_then(Value::as_array) else {
        return fail(ReasonCode::RequestBad, "message.search_request is a list");
    };
    if header_value.get("total_count").and_then(Value::as_i64) != Some(requests.len() as i64) || requests.is_empty() {
        return fail(ReasonCode::TotalCountInvalid, "header.total_count is the number of searches sent");
    }
    if requests.len() > MAX_BATCH {
        return fail(ReasonCode::TotalCountLimitExceeded, "at most 20 searches a request");
    }
    let mut seen = std::collections::HashSet::new();
    let items = requests
        .iter()
        .map(|r| {
            let reference = text(r, "reference_id").unwrap_or_default().to_string();
            let item = search(r).and_then(|s| {
                if seen.insert(s.reference_id.clone()) {
                    Ok(s)
                } else {
                    refuse(ReasonCode::ReferenceIdDuplicate, "reference_id is unique in a request")
                }
            });
            item.map_err(|refusal| (reference, refusal))
        })
        .collect();
    Ok(Request { header, transaction_id, items })
}

fn search(r: &Value) -> Result<Search, Refusal> {
    let Some(reference_id) = text(r, "reference_id").filter(|s| s.chars().count() <= 99) else {
        return refuse(ReasonCode::ReferenceIdInvalid, "reference_id is required, at most 99 characters");
    };
    if !text(r, "timestamp").is_some_and(is_instant) {
        return refuse(ReasonCode::TimestampInvalid, "timestamp is an RFC 3339 instant with its offset");
    }
    let locale = match r.get("locale") {
        None | Some(Value::Null) => None,
        Some(Value::String(l)) if l.len() == 3 && l.chars().all(|c| c.is_ascii_lowercase()) => Some(l.clone()),
        Some(_) => return refuse(ReasonCode::SearchCriteriaInvalid, "locale is an ISO 639-3 code such as fas"),
    };
    let Some(criteria) = r.get("search_criteria").filter(|c| c.is_object()) else {
        return refuse(ReasonCode::SearchCriteriaInvalid, "search_criteria is required");
    };
    if let Some(entity) = text(criteria, "response_entity")
        && entity != "Member"
    {
        return refuse(ReasonCode::SearchCriteriaInvalid, "response_entity: this registry answers with Member records");
    }
    let query_value = criteria.get("query").unwrap_or(&Value::Null);
    let query = match text(criteria, "query_type") {
        Some("idtype-value") => id_query(query_value)?,
        Some("expression") => {
            let expression = query_value
                .get("value")
                .and_then(|v| v.get("expression"))
                .or_else(|| query_value.get("expression"))
                .ok_or(Refusal {
                    code: ReasonCode::SearchCriteriaInvalid,
                    message: "an expression query is {type, value: {expression}}".into(),
                })?;
            Query::Filter(expression_filter(expression)?)
        }
        Some("predicate") => Query::Filter(predicate_filter(query_value)?),
        _ => return refuse(ReasonCode::SearchCriteriaInvalid, "query_type is idtype-value, expression or predicate"),
    };
    let sort = match criteria.get("sort") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(sort_key).collect::<Result<_, _>>()?,
        Some(_) => return refuse(ReasonCode::SortInvalid, "sort is a list"),
    };
    let (page_size, page_number) = match criteria.get("pagination") {
        None | Some(Value::Null) => (DEFAULT_PAGE_SIZE, 1),
        Some(p) => {
            let size = p.get("page_size").map_or(Some(DEFAULT_PAGE_SIZE), Value::as_i64);
            let number = p.get("page_number").map_or(Some(1), Value::as_i64);
            match (size, number) {
                (Some(s), Some(n)) if (1..=MAX_PAGE_SIZE).contains(&s) && (1..=1_000_000).contains(&n) => (s, n),
                _ => return refuse(ReasonCode::PaginationInvalid, "page_size is 1 to 500, page_number from 1"),
            }
        }
    };
    Ok(Search {
        reference_id: reference_id.to_string(),
        locale,
        query,
        query_text: query_value.to_string(),
        sort,
        page_size,
        page_number,
    })
}

fn id_query(q: &Value) -> Result<Query, Refusal> {
    let kind = match text(q, "type") {
        Some("UIN" | "NIN" | "NationalID" | "NATIONAL_ID") => IdType::NationalCode,
        Some("MOBILE") => IdType::Mobile,
        Some("HOUSEHOLD_ID") => IdType::HouseholdId,
        _ => {
            return refuse(
                ReasonCode::SearchCriteriaInvalid,
                "query.type is UIN (or NIN, NationalID), MOBILE or HOUSEHOLD_ID",
            );
        }
    };
    let Some(value) = text(q, "value") else {
        return refuse(ReasonCode::SearchCriteriaInvalid, "query.value is required");
    };
    let value = crate::text::to_ascii_digits(value);
    if kind == IdType::NationalCode && crate::NationalCode::parse(&value).is_err() {
        return refuse(ReasonCode::FilterInvalid, "query.value is not a valid national code");
    }
    Ok(Query::Id { kind, value })
}

fn sort_key(item: &Value) -> Result<(SortKey, bool), Refusal> {
    let key = match text(item, "attribute_name") {
        Some("national_code" | "UIN") => SortKey::NationalCode,
        Some("birth_date") => SortKey::BirthDate,
        Some("surname" | "family_name") => SortKey::Surname,
        Some("given_name") => SortKey::GivenName,
        _ => return refuse(ReasonCode::SortInvalid, "sort by UIN, birth_date, surname or given_name"),
    };
    match text(item, "sort_order") {
        None | Some("asc") => Ok((key, true)),
        Some("desc") => Ok((key, false)),
        Some(_) => refuse(ReasonCode::SortInvalid, "sort_order is asc or desc"),
    }
}

/// A value for an attribute, coerced from the text forms clients send ("25").
fn operand(attribute: Attribute, op: Op, value: &Value) -> Result<Operand, Refusal> {
    let bad = || Refusal {
        code: ReasonCode::FilterInvalid,
        message: format!(
            "{} takes a {} value",
            attribute.name(),
            match attribute.kind() {
                Kind::Text => "text",
                Kind::Date => "date (YYYY-MM-DD)",
                Kind::Int => "whole-number",
                Kind::Bool => "true or false",
            }
        ),
    };
    if op == Op::In {
        let Value::Array(items) = value else { return Err(bad()) };
        if items.is_empty() || items.len() > 100 {
            return Err(bad());
        }
        return items.iter().map(|v| operand(attribute, Op::Eq, v)).collect::<Result<_, _>>().map(Operand::List);
    }
    let as_text = match value {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
    .ok_or_else(bad)?;
    match attribute.kind() {
        Kind::Text if !as_text.is_empty() && as_text.chars().count() <= 100 => Ok(Operand::Text(as_text)),
        Kind::Date => time::Date::parse(&as_text, time::macros::format_description!("[year]-[month]-[day]"))
            .map(|d| Operand::Date(d.to_string()))
            .map_err(|_| bad()),
        Kind::Int => crate::text::to_ascii_digits(&as_text).parse().map(Operand::Int).map_err(|_| bad()),
        Kind::Bool => match as_text.as_str() {
            "true" => Ok(Operand::Bool(true)),
            "false" => Ok(Operand::Bool(false)),
            _ => Err(bad()),
        },
        Kind::Text => Err(bad()),
    }
}

fn test(attribute: &str, op: Op, value: &Value) -> Result<Filter, Refusal> {
    let Some(attribute) = Attribute::parse(attribute) else {
        let names: Vec<&str> = Attribute::ALL.iter().map(|(n, _)| *n).collect();
        return refuse(ReasonCode::FilterInvalid, format!("{attribute} is not an attribute: {}", names.join(", ")));
    };
    if matches!(attribute.kind(), Kind::Bool | Kind::Text) && matches!(op, Op::Gt | Op::Lt | Op::Ge | Op::Le) {
        return refuse(ReasonCode::FilterInvalid, format!("{} is compared by eq, ne or in", attribute.name()));
    }
    Ok(Filter::Test { attribute, op, value: operand(attribute, op, value)? })
}

/// How deep an expression may nest.
const MAX_DEPTH: usize = 8;

/// A Mongo-like expression: `{"$and": [...]}`, `{"$or": [...]}`, `{"$not": {...}}`
/// or `{"attribute": {"$eq" | "$ne" | "$gt" | "$lt" | "$gte" | "$lte" | "$in": value}}`;
/// several keys of one object all hold.
pub fn expression_filter(e: &Value) -> Result<Filter, Refusal> {
    fn walk(e: &Value, depth: usize) -> Result<Filter, Refusal> {
        let bad = |m: &str| Refusal { code: ReasonCode::SearchCriteriaInvalid, message: m.into() };
        if depth > MAX_DEPTH {
            return Err(bad("the expression nests too deep"));
        }
        let Value::Object(map) = e else { return Err(bad("an expression is an object")) };
        if map.is_empty() {
            return Err(bad("an expression names a condition"));
        }
        let mut all = Vec::new();
        for (key, value) in map {
            match key.as_str() {
                "$and" | "$or" => {
                    let Value::Array(items) = value else { return Err(bad("$and and $or take a list")) };
                    if items.is_empty() {
                        return Err(bad("$and and $or take a list of conditions"));
                    }
                    let parts = items.iter().map(|i| walk(i, depth + 1)).collect::<Result<Vec<_>, _>>()?;
                    all.push(if key == "$and" { Filter::All(parts) } else { Filter::Any(parts) });
                }
                "$not" => all.push(Filter::Not(Box::new(walk(value, depth + 1)?))),
                attribute => {
                    let Value::Object(ops) = value else {
                        // `{"sex": "female"}` is an equality.
                        all.push(test(attribute, Op::Eq, value)?);
                        continue;
                    };
                    for (op, v) in ops {
                        let op = match op.as_str() {
                            "$eq" => Op::Eq,
                            "$ne" => Op::Ne,
                            "$gt" => Op::Gt,
                            "$lt" => Op::Lt,
                            "$gte" => Op::Ge,
                            "$lte" => Op::Le,
                            "$in" => Op::In,
                            other => {
                                return refuse(ReasonCode::FilterInvalid, format!("{other} is not an operator"));
                            }
                        };
                        all.push(test(attribute, op, v)?);
                    }
                }
            }
        }
        Ok(if all.len() == 1 { all.remove(0) } else { Filter::All(all) })
    }
    walk(e, 0)
}

/// The standard's predicate: a list of `{expression1, condition?, expression2?}`,
/// each `expression` being `{attribute_name, operator, attribute_value}` with
/// operators `gt lt eq ge le in`; `condition` joins the two (`not`: the first
/// and not the second); the items all hold.
pub fn predicate_filter(q: &Value) -> Result<Filter, Refusal> {
    let bad = |m: &str| Refusal { code: ReasonCode::SearchCriteriaInvalid, message: m.into() };
    let Value::Array(items) = q else { return Err(bad("a predicate query is a list")) };
    if items.is_empty() || items.len() > 50 {
        return Err(bad("a predicate query has 1 to 50 items"));
    }
    let one = |e: &Value| -> Result<Filter, Refusal> {
        let Some(attribute) = text(e, "attribute_name") else { return Err(bad("attribute_name is required")) };
        let op = match text(e, "operator") {
            Some("eq") => Op::Eq,
            Some("gt") => Op::Gt,
            Some("lt") => Op::Lt,
            Some("ge") => Op::Ge,
            Some("le") => Op::Le,
            Some("in") => Op::In,
            _ => return refuse(ReasonCode::FilterInvalid, "operator is gt, lt, eq, ge, le or in"),
        };
        test(attribute, op, e.get("attribute_value").unwrap_or(&Value::Null))
    };
    let mut parts = Vec::new();
    for item in items {
        let first = one(item.get("expression1").ok_or_else(|| bad("expression1 is required"))?)?;
        let joined = match (text(item, "condition"), item.get("expression2")) {
            (None, None) => first,
            (Some(condition), Some(e2)) => {
                let second = one(e2)?;
                match condition {
                    "and" => Filter::All(vec![first, second]),
                    "or" => Filter::Any(vec![first, second]),
                    "not" => Filter::All(vec![first, Filter::Not(Box::new(second))]),
                    _ => return refuse(ReasonCode::SearchCriteriaInvalid, "condition is and, or or not"),
                }
            }
            _ => return Err(bad("condition and expression2 come together")),
        };
        parts.push(joined);
    }
    Ok(if parts.len() == 1 { parts.remove(0) } else { Filter::All(parts) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A request as the standard's examples write it, with `query` and `query_type` given.
    fn request(query_type: &str, query: Value) -> Value {
        json!({
            "signature": "Signature: namespace=\"g2p\", kidId=\"{sender_id}|{unique_key_id}|{algorithm}\"",
            "header": {
                "version": "1.0.0",
                "message_id": "123",
                "message_ts": "2022-12-04T17:20:07-04:00",
                "action": "search",
                "sender_id": "spp.example.org",
                "sender_uri": "https://spp.example.org/{namespace}/callback/on-search",
                "receiver_id": "pymts.example.org",
                "total_count": 1,
                "is_msg_encrypted": false,
                "meta": {}
            },
            "message": {
                "transaction_id": "123456789",
                "search_request": [{
                    "reference_id": "12345678901234567890",
                    "timestamp": "2022-12-04T17:20:07-04:00",
                    "search_criteria": {
                        "version": "1.0.0",
                        "reg_type": "ns:org:RegistryType:Social",
                        "reg_event_type": "ns:SocialRegistry:EventType:registration",
                        "query_type": query_type,
                        "query": query,
                        "sort": [{ "attribute_name": "UIN", "sort_order": "asc" }],
                        "pagination": { "page_size": 10, "page_number": 1 },
                        "consent": { "@type": "Consent" },
                        "authorize": { "@type": "Authorize" }
                    },
                    "locale": "eng"
                }]
            }
        })
    }

    fn only(r: &Value) -> Search {
        read(r).unwrap().items.remove(0).unwrap()
    }

    #[test]
    fn an_identifier_query_reads_a_national_code() {
        let s = only(&request("idtype-value", json!({ "type": "UIN", "value": "0012345679" })));
        assert_eq!(s.query, Query::Id { kind: IdType::NationalCode, value: "0012345679".into() });
        assert_eq!((s.page_size, s.page_number, s.sort.clone()), (10, 1, vec![(SortKey::NationalCode, true)]));
        assert_eq!(s.locale.as_deref(), Some("eng"));
        let bad = read(&request("idtype-value", json!({ "type": "UIN", "value": "0012345678" }))).unwrap();
        assert_eq!(bad.items[0].clone().unwrap_err().1.code, ReasonCode::FilterInvalid);
        let unknown = read(&request("idtype-value", json!({ "type": "BRN", "value": "1" }))).unwrap();
        assert_eq!(unknown.items[0].clone().unwrap_err().1.code, ReasonCode::SearchCriteriaInvalid);
    }

    #[test]
    fn an_expression_and_a_predicate_read_the_same_filter() {
        let expression = json!({ "type": "ns:org:QueryType:expression", "value": { "expression": {
            "$and": [ { "income_decile": { "$lte": 4 } }, { "sex": "female" } ] } } });
        let predicate = json!([{
            "seq_num": 1,
            "expression1": { "attribute_name": "income_decile", "operator": "le", "attribute_value": "4" },
            "condition": "and",
            "expression2": { "attribute_name": "sex", "operator": "eq", "attribute_value": "female" }
        }]);
        let a = only(&request("expression", expression)).query;
        let b = only(&request("predicate", predicate)).query;
        assert_eq!(a, b);
        assert_eq!(
            a,
            Query::Filter(Filter::All(vec![
                Filter::Test { attribute: Attribute::IncomeDecile, op: Op::Le, value: Operand::Int(4) },
                Filter::Test { attribute: Attribute::Sex, op: Op::Eq, value: Operand::Text("female".into()) },
            ]))
        );
        let dates = json!([{ "expression1": { "attribute_name": "birth_date", "operator": "gt", "attribute_value": "1990-01-31" } }]);
        assert!(matches!(
            only(&request("predicate", dates)).query,
            Query::Filter(Filter::Test { value: Operand::Date(_), .. })
        ));
    }

    #[test]
    fn bad_parts_are_named_by_the_standard_s_codes() {
        let item_code = |r: Value| read(&r).unwrap().items[0].clone().unwrap_err().1.code;
        let unknown =
            json!([{ "expression1": { "attribute_name": "salary", "operator": "gt", "attribute_value": 5 } }]);
        assert_eq!(item_code(request("predicate", unknown)), ReasonCode::FilterInvalid);
        let word = json!([{ "expression1": { "attribute_name": "income_decile", "operator": "gt", "attribute_value": "five" } }]);
        assert_eq!(item_code(request("predicate", word)), ReasonCode::FilterInvalid);
        let ordered = json!([{ "expression1": { "attribute_name": "sex", "operator": "gt", "attribute_value": "f" } }]);
        assert_eq!(item_code(request("predicate", ordered)), ReasonCode::FilterInvalid);
        let mut r = request("idtype-value", json!({ "type": "UIN", "value": "0012345679" }));
        r["message"]["search_request"][0]["search_criteria"]["pagination"]["page_size"] = json!(0);
        assert_eq!(item_code(r), ReasonCode::PaginationInvalid);
        let mut r = request("idtype-value", json!({ "type": "UIN", "value": "0012345679" }));
        r["message"]["search_request"][0]["search_criteria"]["sort"][0]["attribute_name"] = json!("salary");
        assert_eq!(item_code(r), ReasonCode::SortInvalid);
        let mut r = request("idtype-value", json!({ "type": "UIN", "value": "0012345679" }));
        r["message"]["search_request"][0]["timestamp"] = json!("yesterday");
        assert_eq!(item_code(r), ReasonCode::TimestampInvalid);
        // A repeated reference id refuses the second search only.
        let mut r = request("idtype-value", json!({ "type": "UIN", "value": "0012345679" }));
        let again = r["message"]["search_request"][0].clone();
        r["message"]["search_request"].as_array_mut().unwrap().push(again);
        r["header"]["total_count"] = json!(2);
        let read_back = read(&r).unwrap();
        assert!(read_back.items[0].is_ok());
        assert_eq!(read_back.items[1].clone().unwrap_err().1.code, ReasonCode::ReferenceIdDuplicate);

        let header_code = |r: Value| read(&r).unwrap_err().refusal.code;
        let base = || request("idtype-value", json!({ "type": "UIN", "value": "0012345679" }));
        let mut r = base();
        r["header"]["version"] = json!("0.9");
        assert_eq!(header_code(r), ReasonCode::VersionInvalid);
        let mut r = base();
        r["header"]["action"] = json!("subscribe");
        assert_eq!(header_code(r), ReasonCode::ActionNotSupported);
        let mut r = base();
        r["header"]["total_count"] = json!(3);
        assert_eq!(header_code(r), ReasonCode::TotalCountInvalid);
        let mut r = base();
        r["header"]["message_ts"] = json!("2022-12-04 17:20");
        assert_eq!(header_code(r), ReasonCode::MessageTsInvalid);
        let mut r = base();
        r["header"]["sender_id"] = json!("");
        assert_eq!(header_code(r), ReasonCode::SenderIdInvalid);
    }

    #[test]
    fn an_expression_too_deep_is_refused_before_it_is_walked_further() {
        let mut e = json!({ "sex": "female" });
        for _ in 0..20 {
            e = json!({ "$not": e });
        }
        assert_eq!(expression_filter(&e).unwrap_err().code, ReasonCode::SearchCriteriaInvalid);
    }
}
