use tavana_domain::iam::{Actor, Role};
use tavana_store::Store;
use tavana_store::iam::NewUser;
use tavana_store::testing::TestDatabase;
use tavana_synth::geo::{GeographyConfig, geography};

pub const PASSWORD: &str = "correct horse battery";

/// A fresh database with a small geography loaded: 31 provinces, their counties,
/// one rural district of two villages per county.
pub async fn seeded() -> TestDatabase {
    let db = TestDatabase::new().await.expect("test database");
    let config = GeographyConfig { seed: 1, rural_districts_per_county: 1, villages_per_rural_district: 2 };
    db.store.load_geography(&geography(&config)).await.expect("geography");
    db
}

/// Creates a user with one role in the unit with `unit_code` and returns their actor.
pub async fn user(store: &Store, username: &str, unit_code: &str, role: Role) -> Actor {
    let unit = store.org_unit_by_code(unit_code).await.expect("unit");
    let user = store
        .create_user(
            None,
            NewUser {
                username: username.into(),
                display_name: format!("کاربر {username}"),
                password: PASSWORD.into(),
                unit_id: unit.id,
                roles: vec![role],
            },
        )
        .await
        .expect("user");
    store.actor_for_user(user.id).await.expect("actor")
}
