use std::net::SocketAddr;
use tavana_store::iam::NewUser;
use tavana_store::testing::TestDatabase;
use tavana_synth::geo::{GeographyConfig, geography};
use tavana_synth::users::DEMO_USERS;
use tavana_web::{AppState, WebConfig};

pub const PASSWORD: &str = "demo password 1403";

pub struct TestApp {
    pub base: String,
    pub db: TestDatabase,
    /// The store the server uses: the database's, with the server's vetting key.
    pub served: tavana_store::Store,
}

/// A server on a free port over a fresh database holding the geography and the
/// demo users (all with [`PASSWORD`]).
pub async fn spawn_app() -> TestApp {
    spawn_app_with(WebConfig::default()).await
}

/// [`spawn_app`] with the web layer configured as given.
pub async fn spawn_app_with(web: WebConfig) -> TestApp {
    let db = TestDatabase::new().await.expect("database");
    let config = GeographyConfig { seed: 1, rural_districts_per_county: 1, villages_per_rural_district: 1 };
    db.store.load_geography(&geography(&config)).await.expect("geography");
    for demo in DEMO_USERS {
        let unit = db.store.org_unit_by_code(demo.unit_code).await.expect("unit");
        db.store
            .create_user(
                None,
                NewUser {
                    username: demo.username.into(),
                    display_name: demo.display_name.into(),
                    password: PASSWORD.into(),
                    unit_id: unit.id,
                    roles: vec![demo.role],
                },
            )
            .await
            .expect("demo user");
    }
    // The server encrypts vetting files with a key of its own, as one configured with a key file.
    let served = db.store.with_vetting_keys(tavana_store::audit_keys::Keyring::generate(0));
    let addr: SocketAddr = tavana_web::spawn("127.0.0.1:0", AppState::new(served.clone(), web)).await.expect("server");
    TestApp { base: format!("http://{addr}"), db, served }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// An HTTP client with its own cookie jar that does not follow redirects.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// An API token acting as the demo user `username`.
    pub async fn token_for(&self, username: &str) -> String {
        let id = self.db.store.user_id_by_name(username).await.expect("user");
        self.db.store.issue_api_token(None, id, "test", None).await.expect("token").1
    }

    /// Signs in through the form and returns the client holding the session.
    pub async fn signed_in(&self, username: &str) -> reqwest::Client {
        let client = self.client();
        let page = client.get(self.url("/login")).send().await.unwrap().text().await.unwrap();
        let csrf = hidden_value(&page, "csrf");
        let response = client
            .post(self.url("/login"))
            .form(&[("username", username), ("password", PASSWORD), ("csrf", &csrf), ("next", "/")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "sign-in of {username}");
        client
    }
}

/// The value of a hidden input in a page.
pub fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no hidden {name}")) + marker.len();
    html[start..].split('"').next().unwrap_or_default().to_string()
}
