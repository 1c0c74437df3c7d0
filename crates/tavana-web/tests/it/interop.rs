//! The DCI Social Registry API's sync search over HTTP, with requests built from
//! the standard's examples: by national code, by predicate with a bad item
//! answered on its own, a bad header refusing the request, transport errors in
//! the standard's shape, no null anywhere, and every search in the read log.

use crate::payments::{national_code, severe_head};
use crate::support::spawn_app;
use serde_json::{Value, json};

fn request(items: Vec<Value>) -> Value {
    json!({
        "signature": "Signature: namespace=\"g2p\", kidId=\"{sender_id}|{unique_key_id}|{algorithm}\"",
        "header": {
            "version": "1.0.0", "message_id": "123", "message_ts": "2022-12-04T17:20:07-04:00",
            "action": "search", "sender_id": "spp.example.org", "receiver_id": "tavana.behzisti.ir",
            "total_count": items.len(), "is_msg_encrypted": false, "meta": {}
        },
        "message": { "transaction_id": "123456789", "search_request": items }
    })
}

fn item(reference: &str, query_type: &str, query: Value) -> Value {
    json!({
        "reference_id": reference,
        "timestamp": "2022-12-04T17:20:07-04:00",
        "search_criteria": {
            "version": "1.0.0", "reg_type": "ns:org:RegistryType:Social", "query_type": query_type, "query": query,
            "sort": [{ "attribute_name": "UIN", "sort_order": "asc" }],
            "pagination": { "page_size": 10, "page_number": 1 }
        },
        "locale": "eng"
    })
}

fn has_null(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(items) => items.iter().any(has_null),
        Value::Object(map) => map.values().any(has_null),
        _ => false,
    }
}

#[tokio::test]
async fn another_system_searches_the_registry_by_the_dci_standard() {
    let app = spawn_app().await;
    let person = severe_head(&app, "DCI-1", 41_000_001, "کاظمی", String::new()).await;
    severe_head(&app, "DCI-2", 41_000_002, "رضایی", String::new()).await;
    let code = national_code(41_000_001);
    let http = reqwest::Client::new();
    let url = app.url("/api/dci/registry/sync/search");
    let token = app.token_for("caseworker").await;
    let post = |body: Value, token: Option<String>| {
        let r = http.post(&url).json(&body);
        match token {
            Some(t) => r.bearer_auth(t).send(),
            None => r.send(),
        }
    };

    // By national code: one Member record, the envelope echoed, no null.
    let response =
        post(request(vec![item("r-1", "idtype-value", json!({ "type": "UIN", "value": code }))]), Some(token.clone()))
            .await
            .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(!has_null(&body), "{body}");
    assert_eq!(body["header"]["action"], "on-search");
    assert_eq!(body["header"]["status"], "succ");
    assert_eq!(
        (body["header"]["total_count"].as_i64(), body["header"]["completed_count"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(body["header"]["receiver_id"], "spp.example.org");
    assert_eq!(body["message"]["transaction_id"], "123456789");
    assert!(body["message"]["correlation_id"].as_str().is_some_and(|c| !c.is_empty()));
    let answer = &body["message"]["search_response"][0];
    assert_eq!((answer["reference_id"].as_str(), answer["status"].as_str()), (Some("r-1"), Some("succ")));
    assert_eq!(answer["data"]["reg_record_type"], "Member");
    let record = &answer["data"]["reg_records"][0];
    assert_eq!(record["member_identifier"][0]["identifier_value"], code.as_str());
    assert_eq!(record["demographic_info"]["name"]["surname"], "کاظمی");
    assert_eq!(record["demographic_info"]["birth_date"], "1971-03-21", "Gregorian");
    assert_eq!(record["is_disabled"], true);
    assert_eq!(record["disability_info"][0]["severity"], "very_severe");
    assert_eq!(answer["pagination"]["total_count"], 1);

    // A predicate and an item with an unknown attribute: each answered on its own.
    let both = request(vec![
        item(
            "r-2",
            "predicate",
            json!([{
                "seq_num": 1,
                "expression1": { "attribute_name": "is_disabled", "operator": "eq", "attribute_value": "true" },
                "condition": "and",
                "expression2": { "attribute_name": "birth_date", "operator": "lt", "attribute_value": "1980-01-01" }
            }]),
        ),
        item(
            "r-3",
            "predicate",
            json!([{ "expression1": { "attribute_name": "salary", "operator": "gt", "attribute_value": 5 } }]),
        ),
    ]);
    let body: Value = post(both, Some(token.clone())).await.unwrap().json().await.unwrap();
    assert!(!has_null(&body), "{body}");
    assert_eq!(body["header"]["completed_count"], 1);
    let answers = body["message"]["search_response"].as_array().unwrap();
    assert_eq!(
        (answers[0]["status"].as_str(), answers[0]["pagination"]["total_count"].as_i64()),
        (Some("succ"), Some(2))
    );
    assert_eq!(
        (answers[1]["status"].as_str(), answers[1]["status_reason_code"].as_str()),
        (Some("rjct"), Some("rjct.filter.invalid"))
    );
    assert!(answers[1].get("data").is_none());

    // A bad header refuses the whole request.
    let mut bad = request(vec![item("r-4", "idtype-value", json!({ "type": "UIN", "value": code }))]);
    bad["header"]["version"] = json!("0.1.0");
    let body: Value = post(bad, Some(token.clone())).await.unwrap().json().await.unwrap();
    assert_eq!(
        (body["header"]["status"].as_str(), body["header"]["status_reason_code"].as_str()),
        (Some("rjct"), Some("rjct.version.invalid"))
    );
    assert_eq!(body["message"]["search_response"], json!([]));

    // Transport errors in the standard's shape.
    let unauthorized = post(request(vec![]), None).await.unwrap();
    assert_eq!(unauthorized.status(), 401);
    assert_eq!(unauthorized.json::<Value>().await.unwrap()["errors"][0]["code"], "err.request.unauthorized");
    let not_json =
        http.post(&url).bearer_auth(&token).body("{").header("content-type", "application/json").send().await.unwrap();
    assert_eq!(not_json.status(), 400);
    assert_eq!(not_json.json::<Value>().await.unwrap()["errors"][0]["code"], "err.request.bad");
    let hr = app.token_for("hr").await;
    let forbidden = post(request(vec![item("r-5", "idtype-value", json!({ "type": "UIN", "value": code }))]), Some(hr))
        .await
        .unwrap();
    assert_eq!(forbidden.status(), 403);
    assert_eq!(forbidden.json::<Value>().await.unwrap()["errors"][0]["code"], "err.request.forbidden");

    // Every search is in the read log: who, which query, whom it returned.
    let store = &app.db.store;
    let auditor = store.actor_for_user(store.user_id_by_name("auditor").await.unwrap()).await.unwrap();
    let reads = store.recent_reads(&auditor, 20).await.unwrap();
    let logged = reads
        .iter()
        .find(|e| e.after_json.as_deref().unwrap_or_default().contains("\"reference_id\":\"r-1\""))
        .unwrap();
    assert_eq!(logged.object_id, person.to_string());
    assert!(logged.after_json.as_deref().unwrap().contains("registry_search"));
}
