use crate::support::spawn_app;
use serde_json::{Value, json};

#[tokio::test]
async fn health_metrics_and_the_openapi_document() {
    let app = spawn_app().await;
    let client = app.client();
    let health: Value = client.get(app.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health, json!({ "status": "ok", "database": "ok" }));
    let doc: Value = client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["info"]["title"], "Tavana API");
    // Every operation documents the errors every route can give, as problem+json
    // (a fuzz run found 401, 404 and 413 answers the document did not list).
    // The DCI search is documented beside `/api/v1`, its errors in the
    // standard's shape.
    let dci = &doc["paths"]["/api/dci/registry/sync/search"]["post"];
    assert_eq!(
        dci["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/DciSearchRequest"
    );
    for (status, schema) in
        [("200", "DciSearchResponse"), ("400", "DciErrors"), ("401", "DciErrors"), ("403", "DciErrors")]
    {
        let content = &dci["responses"][status]["content"];
        assert_eq!(content["application/json"]["schema"]["$ref"], format!("#/components/schemas/{schema}"), "{status}");
        assert!(content.get("application/problem+json").is_none(), "{status}");
    }
    for (path, item) in doc["paths"].as_object().unwrap().iter().filter(|(path, _)| !path.starts_with("/api/dci/")) {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            for status in ["400", "401", "403", "503"] {
                assert!(responses.contains_key(status), "{method} {path} lacks {status}");
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{method} {path} lacks 404");
            }
            // A body may come too late (a version changed meanwhile) or clash
            // with what is stored: 409 (a fuzz run found a withdrawal's 409
            // undocumented).
            if operation.get("requestBody").is_some() {
                assert!(
                    responses.contains_key("409") && responses.contains_key("413") && responses.contains_key("422"),
                    "{method} {path} lacks 409/413/422"
                );
            }
            for (status, response) in responses.iter().filter(|(s, _)| s.starts_with('4') || s.starts_with('5')) {
                let content = response["content"].as_object().unwrap();
                assert!(
                    content.contains_key("application/problem+json") && !content.contains_key("application/json"),
                    "{method} {path} {status}: {content:?}"
                );
            }
        }
    }
    // Metrics are for monitoring with an administrator's or auditor's token (they
    // were public).
    let anonymous = client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let worker = app.token_for("caseworker").await;
    assert_eq!(client.get(app.url("/metrics")).bearer_auth(&worker).send().await.unwrap().status(), 403);
    let auditor = app.token_for("auditor").await;
    let metrics = client.get(app.url("/metrics")).bearer_auth(&auditor).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("tavana_http_requests_total{status=\"2xx\"} 2"), "{metrics}");
}

/// Every path of the OpenAPI document is routed and answers as documented for a
/// caller holding every role: an operation with a body answers 422 to an empty
/// one; without a body, 200, or 404 for an id that does not exist.
/// (Routes are registered through utoipa-axum, so every route is in the document
/// by construction.)
#[tokio::test]
async fn every_documented_route_is_served() {
    let app = spawn_app().await;
    let hq = app.db.store.org_unit_by_code("HQ").await.unwrap();
    let everyone = app
        .db
        .store
        .create_user(
            None,
            tavana_store::iam::NewUser {
                username: "every.role".into(),
                display_name: "همهٔ نقش‌ها".into(),
                password: crate::support::PASSWORD.into(),
                unit_id: hq.id,
                // Every role one person may hold together.
                roles: tavana_domain::iam::Role::ALL
                    .into_iter()
                    .filter(|r| !tavana_domain::iam::CONFLICTING_ROLES.iter().any(|(_, second)| second == r))
                    .collect(),
            },
        )
        .await
        .unwrap();
    let token = app.db.store.issue_api_token(None, everyone.id, "test", None).await.unwrap().1;
    let doc = tavana_web::openapi_document();
    let mut seen = 0;
    for (path, item) in &doc.paths.paths {
        let missing = path.contains("{id}") || path.contains("{person}");
        let concrete = path
            .replace("{id}", "999999")
            .replace("{kind}", "persons")
            .replace("{person}", "999999")
            .replace("{change}", "999999")
            .replace("{token}", "999999")
            .replace("{unit}", "999999")
            .replace("{document}", "999999");
        let operations = [("GET", &item.get), ("POST", &item.post), ("PUT", &item.put)];
        for (method, operation) in operations.iter().filter_map(|(m, o)| o.as_ref().map(|o| (m, o))) {
            let takes_body = operation.request_body.is_some();
            seen += 1;
            let client = app.client();
            let request = match *method {
                "GET" => client.get(app.url(&concrete)),
                "POST" => client.post(app.url(&concrete)),
                _ => client.put(app.url(&concrete)),
            };
            let request = if *method == "GET" { request } else { request.header("content-type", "application/json") };
            let response = request.bearer_auth(&token).send().await.unwrap();
            let status = response.status().as_u16();
            let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
            assert!(content_type.starts_with("application/"), "{method} {path}: {content_type}");
            let body: Value = response.json().await.unwrap();
            assert_ne!(body["detail"], tavana_web::NO_SUCH_ROUTE, "{method} {path} is not routed");
            let expected = match (takes_body, missing) {
                // The DCI search answers an empty body as the standard says.
                (true, _) if path.starts_with("/api/dci/") => 400,
                (true, _) => 422,
                (false, true) => 404,
                (false, false) => 200,
            };
            assert_eq!(status, expected, "{method} {path}: {body}");
        }
    }
    assert!(seen >= 16, "only {seen} operations documented");
    for required in [
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/org-units",
        "/api/v1/org-units/{id}",
        "/api/v1/places",
        "/api/v1/audit/verify",
        "/api/v1/persons",
        "/api/v1/persons/{id}",
        "/api/v1/households",
        "/api/v1/imports/{kind}",
        "/api/v1/programs",
        "/api/dci/registry/sync/search",
        "/api/v1/programs/{id}/simulation",
        "/api/v1/programs/{id}/eligibility/{person}",
    ] {
        assert!(doc.paths.paths.contains_key(required), "{required} is not documented");
    }
    // And a path nobody serves says so, as problem+json.
    let response = app.client().get(app.url("/api/v1/nothing-here")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.json::<Value>().await.unwrap()["detail"], tavana_web::NO_SUCH_ROUTE);
}

#[tokio::test]
async fn problems_name_the_field_and_another_province_is_404() {
    let app = spawn_app().await;
    let client = app.client();
    let fars_admin = app.token_for("admin.fars").await;
    let hq_admin = app.token_for("admin").await;

    // Without a token: 401 problem+json.
    let response = client.get(app.url("/api/v1/users")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["content-type"], "application/problem+json");

    // A user in Tehran's county office is invisible to Fars's admin, visible to HQ's.
    let worker = app.db.store.user_id_by_name("caseworker").await.unwrap();
    let url = app.url(&format!("/api/v1/users/{worker}"));
    let hidden = client.get(&url).bearer_auth(&fars_admin).send().await.unwrap();
    assert_eq!(hidden.status(), 404);
    let seen = client.get(&url).bearer_auth(&hq_admin).send().await.unwrap();
    assert_eq!(seen.status(), 200);
    let body: Value = seen.json().await.unwrap();
    assert_eq!(body["username"], "caseworker");
    assert_eq!(body["roles"], json!(["case_worker"]));

    // Creating a user: a bad national-code-like username names the field.
    let hq = app.db.store.org_unit_by_code("HQ").await.unwrap().id;
    let bad = client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&hq_admin)
        .json(&json!({ "username": "Bad Name", "display_name": "x", "password": "long enough pw", "unit_id": hq, "roles": ["planner"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let problem: Value = bad.json().await.unwrap();
    assert_eq!(problem["field"], "username");
    assert_eq!(problem["status"], 422);
    assert!(problem["detail_fa"].as_str().unwrap().contains("نام کاربری"));

    let missing = client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&hq_admin)
        .json(&json!({ "username": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 422);
    let problem: Value = missing.json().await.unwrap();
    assert_eq!(problem["field"], "display_name");

    // Fars's admin cannot place a user at HQ: the unit is outside their scope.
    let outside = client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&fars_admin)
        .json(&json!({ "username": "sneaky", "display_name": "x", "password": "long enough pw", "unit_id": hq, "roles": ["admin"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), 422);
    assert_eq!(outside.json::<Value>().await.unwrap()["field"], "unit_id");

    let created = client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&hq_admin)
        .json(&json!({ "username": "new.planner", "display_name": "برنامه‌ریز", "password": "long enough pw", "unit_id": hq, "roles": ["planner"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let again = client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&hq_admin)
        .json(&json!({ "username": "new.planner", "display_name": "x", "password": "long enough pw", "unit_id": hq, "roles": ["planner"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    assert_eq!(again.json::<Value>().await.unwrap()["field"], "username");
}

#[tokio::test]
async fn session_callers_need_the_csrf_header_to_change_things() {
    let app = spawn_app().await;
    let client = app.signed_in("admin").await;
    let me: Value = client.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["username"], "admin");
    let hq = app.db.store.org_unit_by_code("HQ").await.unwrap().id;
    let body = json!({ "username": "csrf.test", "display_name": "x", "password": "long enough pw", "unit_id": hq, "roles": ["planner"] });
    let refused = client.post(app.url("/api/v1/users")).json(&body).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    assert!(app.db.store.user_id_by_name("csrf.test").await.is_err());
}

#[tokio::test]
async fn auditors_verify_the_chain() {
    let app = spawn_app().await;
    let auditor = app.token_for("auditor").await;
    let worker = app.token_for("caseworker").await;
    let client = app.client();
    let report: Value =
        client.get(app.url("/api/v1/audit/verify")).bearer_auth(&auditor).send().await.unwrap().json().await.unwrap();
    assert_eq!(report["intact"], true);
    assert!(report["entries"].as_i64().unwrap() > 12);
    let refused = client.get(app.url("/api/v1/audit/verify")).bearer_auth(&worker).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    // The chain is national: a province's admin does not learn its length or head.
    let fars = app.token_for("admin.fars").await;
    let refused = client.get(app.url("/api/v1/audit/verify")).bearer_auth(&fars).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let body = refused.text().await.unwrap();
    assert!(!body.contains("head_hash") && !body.contains(report["head_hash"].as_str().unwrap()));
}

/// A rule built to exhaust the server (deep parentheses, thousands of `!`, a
/// 10,000-clause chain, a thousand `||` counties, nested `min`) is refused with 422
/// naming the rule and a position, and the server goes on answering.
#[tokio::test]
async fn hostile_rules_are_refused_with_a_position() {
    let app = spawn_app().await;
    let token = app.token_for("program").await;
    let program: Value = app
        .client()
        .post(app.url("/api/v1/programs"))
        .bearer_auth(&token)
        .json(&json!({"code": "T", "name_fa": "آزمون", "name_en": "Test", "kind": "service", "target": "person",
            "rule": "person.alive", "formula": "0"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let simulate = app.url(&format!("/api/v1/programs/{}/simulation", program["id"]));
    let hostile = [
        format!("{}person.age > 1{}", "(".repeat(850), ")".repeat(850)),
        format!("{}person.alive", "!".repeat(5_000)),
        vec!["person.age > 1"; 10_000].join(" && "),
        (0..1_000).map(|i| format!("place.county == '{i}'")).collect::<Vec<_>>().join(" || "),
        format!("{}1{}", "min(person.age, ".repeat(70), ")".repeat(70)),
    ];
    for rule in hostile {
        let response =
            app.client().post(&simulate).bearer_auth(&token).json(&json!({"rule": rule, "formula": "0"})).send().await;
        let response = response.unwrap();
        assert_eq!(response.status(), 422, "{}", &rule[..40]);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["field"], "rule");
        assert!(body["detail"].as_str().unwrap().contains("at most"), "{body}");
    }
    // Rules that would overflow, misspell a value, pay a negative amount or use a
    // word for an operator are refused with what was meant (the overflow gave three
    // answers before: 53 persons on SQLite, a 500 on PostgreSQL, none interpreted).
    for (rule, formula, field, says) in [
        ("person.income * person.income > 1", "0", "rule", "can exceed the largest whole number"),
        ("disability.severity == 'very severe'", "0", "rule", "did you mean \"very_severe\"?"),
        ("person.alive", "50000000 - person.income", "formula", "can be below 0"),
        ("person.age >= ۱۸ and person.alive", "0", "rule", "write && for and"),
        ("person.alive", "20000000 +", "formula", "the formula ends too early"),
    ] {
        let response = app
            .client()
            .post(&simulate)
            .bearer_auth(&token)
            .json(&json!({"rule": rule, "formula": formula}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{rule}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["field"], field, "{body}");
        assert!(body["detail"].as_str().unwrap().contains(says), "{body}");
    }
    // Someone who may not use programs is refused before the rule is read at all.
    let hr = app.token_for("hr").await;
    let deep = format!("{}person.age > 1{}", "(".repeat(850), ")".repeat(850));
    let refused =
        app.client().post(&simulate).bearer_auth(&hr).json(&json!({"rule": deep, "formula": "0"})).send().await;
    assert_eq!(refused.unwrap().status(), 403);
    // One confirmation takes at most 10,000 persons (40,000 used to give 500).
    let many: Vec<i64> = (1..=40_000).collect();
    let enroll = app.url(&format!("/api/v1/programs/{}/enrollments", program["id"]));
    let response = app
        .client()
        .post(&enroll)
        .bearer_auth(&token)
        .json(&json!({"persons": many, "reasons": "x", "legal_basis": "y"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert_eq!(response.json::<Value>().await.unwrap()["field"], "persons");
    // The whole proposal has no such limit, but is asked for alone.
    let both = json!({"persons": [1], "proposal": true, "reasons": "x", "legal_basis": "y"});
    let response = app.client().post(&enroll).bearer_auth(&token).json(&both).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let body = response.json::<Value>().await.unwrap();
    assert_eq!(body["field"], "persons", "{body}");
    assert!(body["detail"].as_str().unwrap().contains("not both"), "{body}");
    let health = app.client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

/// A path or query value that does not parse answers problem+json naming the
/// parameter (it was plain text).
#[tokio::test]
async fn bad_parameters_are_problems_naming_the_parameter() {
    let app = spawn_app().await;
    let token = app.token_for("program").await;
    let client = app.client();
    for (path, field) in [("/api/v1/persons/abc", "id"), ("/api/v1/programs/1/enrollments?limit=many", "limit")] {
        let response = client.get(app.url(path)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), 400, "{path}");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"), "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["field"], field, "{path}: {body}");
        assert!(!body["detail_fa"].as_str().unwrap().is_empty());
    }
}

/// A body of the wrong shape names the field only when serde knows it: a missing
/// field by its name, a value of the wrong type without a made-up field (it used to
/// say `"field": "123"`).
#[tokio::test]
async fn body_errors_name_the_right_field() {
    let app = spawn_app().await;
    let token = app.token_for("program").await;
    let client = app.client();
    let post = async |body: Value| -> Value {
        client
            .post(app.url("/api/v1/programs"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    let wrong_type = post(json!({ "code": 123 })).await;
    assert_eq!(wrong_type["status"], 422);
    assert!(wrong_type.get("field").is_none(), "{wrong_type}");
    let simulate = client
        .post(app.url("/api/v1/programs/1/simulation"))
        .bearer_auth(&token)
        .json(&json!({ "rule": "person.alive" }))
        .send()
        .await
        .unwrap();
    let missing: Value = simulate.json().await.unwrap();
    assert_eq!(missing["field"], "formula", "{missing}");
}

/// API tokens are listed and revoked, and a revoked token stops working at once;
/// a user issues their own (an admin used to mint one to act as anyone).
#[tokio::test]
async fn tokens_are_listed_and_revoked() {
    let app = spawn_app().await;
    let token = app.token_for("caseworker").await;
    let client = app.client();
    let me: Value = client.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let id = me["id"].as_i64().unwrap();
    let tokens: Value = client
        .get(app.url(&format!("/api/v1/users/{id}/tokens")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tid = tokens[0]["id"].as_i64().unwrap();
    assert!(tokens[0]["expires_at_micros"].as_i64().is_some(), "tokens expire");
    // Another county's worker sees nothing of them.
    let fars = app.token_for("admin.fars").await;
    let hidden = client.get(app.url(&format!("/api/v1/users/{id}/tokens"))).bearer_auth(&fars).send().await.unwrap();
    assert_eq!(hidden.status(), 404);
    let revoked = client
        .post(app.url(&format!("/api/v1/users/{id}/tokens/{tid}/revocation")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    let after = client.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(after.status(), 401, "revoked at once");
}

/// The service's work is in its metrics: rows imported by kind and outcome,
/// eligibility runs, payment cycles computed with their lines, payment jobs by
/// step, and the API's latency as a histogram.
#[tokio::test]
async fn metrics_count_imports_eligibility_cycles_jobs_and_api_latency() {
    let app = spawn_app().await;
    let client = app.client();
    let worker = app.token_for("caseworker").await;
    let auditor = app.token_for("auditor").await;
    let imported = client
        .post(app.url("/api/v1/imports/households"))
        .bearer_auth(&worker)
        .header("content-type", "text/csv")
        .body("file_number,place\nM-1,08-01-C\nM-2,99-99-X\n")
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 200);
    let (program, month) = crate::payments::enrolled(&app).await;
    let store = &app.db.store;
    let as_user = async |name: &str| store.actor_for_user(store.user_id_by_name(name).await.unwrap()).await.unwrap();
    let officer = as_user("program").await;
    store.propose_enrollments(&officer, program, store.default_as_of().unwrap()).await.unwrap();
    let maker = as_user("maker").await;
    let hq = store.org_unit_by_code("HQ").await.unwrap().id;
    let month = tavana_domain::payments::PayMonth::parse(&month).unwrap();
    let cycle = store.create_cycle(&maker, program, month, hq).await.unwrap();
    store.compute_cycle(&maker, cycle.id).await.unwrap();

    let metrics = client.get(app.url("/metrics")).bearer_auth(&auditor).send().await.unwrap().text().await.unwrap();
    let value = |name: &str| -> f64 {
        metrics
            .lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
            .unwrap_or_else(|| panic!("{name} is not in {metrics}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(value("tavana_import_rows_total{kind=\"households\",outcome=\"inserted\"}"), 1.0);
    assert_eq!(value("tavana_import_rows_total{kind=\"households\",outcome=\"refused\"}"), 1.0);
    assert!(value("tavana_eligibility_runs_total") >= 1.0);
    assert!(value("tavana_eligibility_seconds_total") > 0.0);
    assert_eq!(value("tavana_payment_cycles_computed_total"), 1.0);
    assert_eq!(value("tavana_payment_cycle_lines_total"), 6.0);
    assert_eq!(value("tavana_payment_jobs_finished_total{step=\"compute\"}"), 1.0);
    assert!(value("tavana_payment_job_parts_total{step=\"compute\"}") >= 1.0);
    // The API's requests so far: the import, then this one is not counted yet.
    assert_eq!(value("tavana_api_request_duration_seconds_count"), 1.0);
    assert_eq!(value("tavana_api_request_duration_seconds_bucket{le=\"+Inf\"}"), 1.0);
    assert!(metrics.contains("# TYPE tavana_api_request_duration_seconds histogram"), "{metrics}");
}
