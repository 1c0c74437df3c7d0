use tavana_domain::iam::{Actor, Role};
use tavana_store::Store;
use tavana_store::iam::NewUser;
use tavana_store::registry::import::{FileFormat, ImportKind, ImportSummary, RowError, import};
use tavana_store::testing::TestDatabase;
use tavana_synth::geo::{GeographyConfig, geography};
use tavana_synth::population::{Population, PopulationConfig};

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

/// Confirms enrollments as of the store's default day (the first of next month).
pub async fn confirm(
    store: &Store,
    officer: &Actor,
    program: i64,
    persons: &[i64],
    reasons: &str,
    legal_basis: &str,
) -> tavana_store::Result<tavana_store::programs::Confirmation> {
    let as_of = store.default_as_of()?;
    let persons = tavana_store::programs::Persons::Listed(persons);
    let request = tavana_store::programs::ConfirmRequest { persons, reasons, legal_basis, as_of };
    store.confirm_enrollments(officer, program, &request).await
}

/// Loads a synthetic population of `persons` through the import path, every row
/// accepted.
pub async fn load_population(
    store: &Store,
    registrar: &Actor,
    persons: u64,
    seed: u64,
) -> Vec<tavana_synth::population::SynthHousehold> {
    let config = PopulationConfig {
        persons,
        seed,
        geography: tavana_synth::geo::GeographyConfig {
            seed: 1,
            rural_districts_per_county: 1,
            villages_per_rural_district: 2,
        },
        ..Default::default()
    };
    let mut files = [
        csv::Writer::from_writer(Vec::new()),
        csv::Writer::from_writer(Vec::new()),
        csv::Writer::from_writer(Vec::new()),
    ];
    let households: Vec<_> = Population::new(config).collect();
    for h in &households {
        files[0].serialize(&h.household).unwrap();
        for p in &h.persons {
            files[1].serialize(p).unwrap();
        }
        for d in &h.disabilities {
            files[2].serialize(d).unwrap();
        }
    }
    for (kind, file) in [ImportKind::Households, ImportKind::Persons, ImportKind::Disabilities].into_iter().zip(files) {
        let summary = import_csv(store, registrar, kind, file.into_inner().unwrap()).await;
        assert_eq!(summary.rejected, 0);
    }
    households
}

/// Imports a CSV file's bytes through the import path.
pub async fn import_csv(store: &Store, actor: &Actor, kind: ImportKind, bytes: Vec<u8>) -> ImportSummary {
    import(
        store,
        actor,
        kind,
        FileFormat::Csv,
        Box::new(std::io::Cursor::new(bytes)),
        &mut |_: &RowError| {},
        &mut |_: &ImportSummary| {},
    )
    .await
    .unwrap()
}

/// A second program officer at HQ, who approves what the first defines (made on
/// first use).
pub async fn approver(store: &Store) -> Actor {
    match store.user_id_by_name("approver").await {
        Ok(id) => store.actor_for_user(id).await.expect("approver"),
        Err(_) => user(store, "approver", "HQ", Role::ProgramOfficer).await,
    }
}

/// Puts a program in force: a second officer activates what the first defined.
pub async fn activate(store: &Store, program: i64) {
    let approver = approver(store).await;
    store
        .set_program_status(&approver, program, tavana_domain::programs::ProgramStatus::Active, "approved")
        .await
        .expect("activate");
}

/// Changes a program in force from this month on: `maker` proposes, a second
/// officer approves, and the change applies at once.
pub async fn change_program(
    store: &Store,
    maker: &Actor,
    program: i64,
    fields: &tavana_domain::programs::ProgramFields,
    reason: &str,
) -> tavana_store::Result<tavana_store::programs::Program> {
    let current = store.program(maker, program).await?;
    let today = tavana_domain::jalali::JalaliDate::from_gregorian(store.today())?;
    let month = tavana_domain::jalali::JalaliDate::new(today.year(), today.month(), 1)?;
    let change = store.propose_program_change(maker, program, fields, current.version, month, reason).await?;
    store.decide_program_change(&approver(store).await, change.id, true, "agreed").await?;
    store.program(maker, program).await
}
