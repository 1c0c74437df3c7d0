//! Existence is answered the same inside and outside the caller's scope: a
//! national code or a household file registered elsewhere is refused with the
//! words used for one registered here, never with "in another org unit" (which
//! told a county case worker where in the country a person lives).

use crate::support::spawn_app;
use serde_json::{Value, json};

#[tokio::test]
async fn a_code_taken_here_or_elsewhere_gets_the_same_answer() {
    let app = spawn_app().await;
    let client = app.client();
    let (hq, tehran) = (app.token_for("registrar").await, app.token_for("caseworker").await);
    let post = |token: &str, path: &str, body: Value| client.post(app.url(path)).bearer_auth(token).json(&body).send();
    let person = |code: &str, household: &str| {
        json!({"national_code": code, "household": household, "relationship": "head", "first_name": "علی",
            "last_name": "کاظمی", "father_name": "حسن", "birth_date": "1360/05/12", "sex": "male"})
    };
    assert_eq!(
        post(&hq, "/api/v1/households", json!({"file_number": "F-1", "place": "17-01-C"})).await.unwrap().status(),
        201
    );
    assert_eq!(
        post(&tehran, "/api/v1/households", json!({"file_number": "T-1", "place": "08-01-C"})).await.unwrap().status(),
        201
    );
    assert_eq!(
        post(&tehran, "/api/v1/households", json!({"file_number": "T-2", "place": "08-01-C"})).await.unwrap().status(),
        201
    );
    assert_eq!(post(&hq, "/api/v1/persons", person("0012345679", "F-1")).await.unwrap().status(), 201);
    assert_eq!(post(&tehran, "/api/v1/persons", person("1234567891", "T-1")).await.unwrap().status(), 201);

    // Registering either code again in Tehran: the same answer.
    let mut answers = Vec::new();
    for code in ["0012345679", "1234567891"] {
        let response = post(&tehran, "/api/v1/persons", person(code, "T-2")).await.unwrap();
        answers.push((response.status(), response.json::<Value>().await.unwrap()));
    }
    assert_eq!(answers[0].0, 409);
    assert_eq!(answers[0], answers[1]);
    let taken = answers[0].1["detail"].as_str().unwrap().to_string();

    // An import says the same of the code registered in Fars, and of Fars's file.
    let csv = "national_code,household,relationship,first_name,last_name,father_name,birth_date,sex\n\
               0012345679,T-2,head,علی,کاظمی,حسن,1360/05/12,male\n";
    let result: Value = client
        .post(app.url("/api/v1/imports/persons"))
        .bearer_auth(&tehran)
        .body(csv)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let error = &result["errors"][0];
    assert_eq!(error["field"], "national_code");
    assert_eq!(format!("national_code {}.", error["reason_en"].as_str().unwrap()), taken, "{result}");
    let households: Value = client
        .post(app.url("/api/v1/imports/households"))
        .bearer_auth(&tehran)
        .body("file_number,place\nF-1,08-01-C\n")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(households["errors"][0]["reason_en"], error["reason_en"], "{households}");
}
