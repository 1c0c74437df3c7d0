//! The registry searched by another system (DCI Social Registry API): by
//! national code, by an expression and by a predicate, paged and sorted, each
//! count matching an independent recount, within the caller's subtree only.
//! On SQLite and PostgreSQL.

use crate::support::{load_population, seeded, user};
use serde_json::{Value, json};
use tavana_domain::iam::Role;
use tavana_domain::interop::Search;
use tavana_store::interop::Asker;

/// The search a request of one search carries, as the standard's examples write it.
pub fn search_for(query: Value, query_type: &str) -> Search {
    search_paged(query, query_type, json!({ "page_size": 10, "page_number": 1 }), json!([]))
}

fn search_paged(query: Value, query_type: &str, pagination: Value, sort: Value) -> Search {
    let request = json!({
        "header": { "version": "1.0.0", "message_id": "m-1", "message_ts": "2026-11-28T10:00:00+03:30",
            "action": "search", "sender_id": "spp.example.org", "total_count": 1 },
        "message": { "transaction_id": "t-1", "search_request": [{
            "reference_id": "r-1", "timestamp": "2026-11-28T10:00:00+03:30",
            "search_criteria": { "version": "1.0.0", "query_type": query_type, "query": query,
                "pagination": pagination, "sort": sort } }] }
    });
    tavana_domain::interop::read(&request).unwrap().items.remove(0).unwrap()
}

const ASKER: Asker<'static> = Asker { sender_id: "spp.example.org", transaction_id: "t-1" };

#[tokio::test]
async fn the_registry_answers_searches_by_identifier_expression_and_predicate() {
    let db = seeded().await;
    let store = &db.store;
    let registrar = user(store, "registrar", "HQ", Role::CaseWorker).await;
    let county = user(store, "county", "C08-01", Role::CaseWorker).await;
    let households = load_population(store, &registrar, 600, 81).await;

    // By national code: the one person, with their household and place.
    let person = &households[0].persons[0];
    let found = store
        .registry_search(
            &registrar,
            &ASKER,
            &search_for(json!({ "type": "UIN", "value": person.national_code }), "idtype-value"),
        )
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.records[0].national_code, person.national_code);
    assert_eq!(found.records[0].household.as_deref(), Some(households[0].household.file_number.as_str()));

    // An expression and a predicate meaning the same thing find the same persons,
    // as many as a recount of the registry.
    let expression = json!({ "type": "ns:org:QueryType:expression", "value": { "expression": {
        "$and": [ { "income_decile": { "$lte": 4 } }, { "sex": { "$eq": "female" } } ] } } });
    let predicate = json!([{
        "expression1": { "attribute_name": "income_decile", "operator": "le", "attribute_value": "4" },
        "condition": "and",
        "expression2": { "attribute_name": "sex", "operator": "eq", "attribute_value": "female" }
    }]);
    let recount = store
        .count_rows_for_tests("persons WHERE merged_into IS NULL AND income_decile <= 4 AND sex = 'female'")
        .await
        .unwrap();
    assert!(recount > 10, "{recount}");
    let by_expression = store.registry_search(&registrar, &ASKER, &search_for(expression, "expression")).await.unwrap();
    let by_predicate =
        store.registry_search(&registrar, &ASKER, &search_for(predicate.clone(), "predicate")).await.unwrap();
    assert_eq!((by_expression.total, by_predicate.total), (recount, recount));
    assert_eq!(by_expression.records, by_predicate.records);
    assert_eq!(by_expression.records.len(), 10, "a page of ten");

    // Pages in the order asked for cover every match once.
    let sort = json!([{ "attribute_name": "birth_date", "sort_order": "desc" }]);
    let mut seen = Vec::new();
    for page in 1..=(recount + 49) / 50 {
        let s =
            search_paged(predicate.clone(), "predicate", json!({ "page_size": 50, "page_number": page }), sort.clone());
        let got = store.registry_search(&registrar, &ASKER, &s).await.unwrap();
        assert!(got.records.windows(2).all(|w| w[0].birth_date >= w[1].birth_date), "newest first");
        seen.extend(got.records.into_iter().map(|r| r.id));
    }
    let distinct: std::collections::HashSet<i64> = seen.iter().copied().collect();
    assert_eq!((seen.len() as i64, distinct.len() as i64), (recount, recount));

    // A county office's caller finds only its own: the same query, fewer persons,
    // as many as a recount of the county's.
    let theirs = store.registry_search(&county, &ASKER, &search_for(predicate, "predicate")).await.unwrap();
    let county_recount = store
        .count_rows_for_tests(
            "persons s JOIN org_units u ON u.id = s.unit_id WHERE s.merged_into IS NULL AND s.income_decile <= 4 \
             AND s.sex = 'female' AND u.code = 'C08-01'",
        )
        .await
        .unwrap();
    assert_eq!(theirs.total, county_recount);
    assert!(theirs.total < recount);

    // Disabled persons of a province, recounted from their current assessments.
    let disabled = json!([
        { "expression1": { "attribute_name": "is_disabled", "operator": "eq", "attribute_value": "true" } },
        { "expression1": { "attribute_name": "province", "operator": "eq", "attribute_value": "08" } }
    ]);
    let got = store.registry_search(&registrar, &ASKER, &search_for(disabled, "predicate")).await.unwrap();
    let today = store.today().to_string();
    let recount = store
        .count_rows_for_tests(&format!(
            "persons s JOIN places r ON r.id = s.province_id WHERE s.merged_into IS NULL AND r.code = '08' AND EXISTS \
             (SELECT 1 FROM disabilities d WHERE d.person_id = s.id AND (d.valid_until IS NULL OR d.valid_until >= '{today}'))"
        ))
        .await
        .unwrap();
    assert_eq!(got.total, recount);
    assert!(got.records.iter().all(|r| !r.disabilities.is_empty()));

    // A case worker may search; a finance-free role without the registry may not.
    let hr = user(store, "hr", "HQ", Role::HrOfficer).await;
    let refused = store
        .registry_search(
            &hr,
            &ASKER,
            &search_for(json!({ "type": "UIN", "value": person.national_code }), "idtype-value"),
        )
        .await;
    assert!(matches!(refused, Err(tavana_store::StoreError::Forbidden(_))));
}
