use crate::support::{PASSWORD, seeded, user};
use tavana_domain::iam::Role;
use tavana_store::StoreError;
use tavana_store::iam::{AuthPolicy, NewUser, SignInRefused};

fn new_user(username: &str, unit_id: i64) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: "نام".into(),
        password: PASSWORD.into(),
        unit_id,
        roles: vec![Role::CaseWorker],
    }
}

#[tokio::test]
async fn bad_users_are_refused_with_the_field() {
    let db = seeded().await;
    let hq = db.store.org_unit_by_code("HQ").await.unwrap();
    let field = |e: StoreError| match e {
        StoreError::Invalid(d) => d.field.to_string(),
        StoreError::Conflict { field } => field,
        other => panic!("unexpected {other:?}"),
    };
    let cases = [
        (NewUser { username: "".into(), ..new_user("x", hq.id) }, "username"),
        (NewUser { username: "Sara Ahmadi".into(), ..new_user("x", hq.id) }, "username"),
        (NewUser { display_name: " ".into(), ..new_user("ok", hq.id) }, "display_name"),
        (NewUser { password: "short".into(), ..new_user("ok", hq.id) }, "password"),
        (NewUser { roles: vec![], ..new_user("ok", hq.id) }, "roles"),
        // Separation of duties: a maker does not check, an officer is not the board.
        (NewUser { roles: vec![Role::FinanceMaker, Role::FinanceChecker], ..new_user("ok", hq.id) }, "roles"),
        (NewUser { roles: vec![Role::GozineshOfficer, Role::GozineshBoard], ..new_user("ok", hq.id) }, "roles"),
        (NewUser { roles: vec![Role::Admin, Role::Auditor], ..new_user("ok", hq.id) }, "roles"),
        (new_user("ok", 999_999), "unit_id"),
    ];
    for (input, expected) in cases {
        let err = db.store.create_user(None, input).await.unwrap_err();
        assert_eq!(field(err), expected);
    }
    db.store.create_user(None, new_user("sara", hq.id)).await.unwrap();
    let err = db.store.create_user(None, new_user("sara", hq.id)).await.unwrap_err();
    assert_eq!(field(err), "username");
}

#[tokio::test]
async fn sign_in_sessions_and_throttling() {
    let db = seeded().await;
    let store = &db.store;
    let policy = AuthPolicy::default();
    let actor = user(store, "sara", "C08-01", Role::CaseWorker).await;

    let refused = store.sign_in(&policy, "sara", "wrong password", "10.0.0.1").await.unwrap();
    assert_eq!(refused.err(), Some(SignInRefused::WrongCredentials));
    let unknown = store.sign_in(&policy, "nobody", PASSWORD, "10.0.0.1").await.unwrap();
    assert_eq!(unknown.err(), Some(SignInRefused::WrongCredentials));

    let session = store.sign_in(&policy, " SARA ", PASSWORD, "10.0.0.1").await.unwrap().ok().unwrap();
    assert_eq!(session.actor, actor);
    let info = store.session(&policy, &session.token).await.unwrap().unwrap();
    assert_eq!(info.actor.username, "sara");
    assert_eq!(info.csrf_token, session.csrf_token);
    assert!(store.session(&policy, "not-a-token").await.unwrap().is_none());
    store.sign_out(&actor, &session.token).await.unwrap();
    assert!(store.session(&policy, &session.token).await.unwrap().is_none());

    for _ in 0..policy.max_failures_per_user {
        store.sign_in(&policy, "sara", "wrong password", "10.0.0.2").await.unwrap().err().unwrap();
    }
    let throttled = store.sign_in(&policy, "sara", PASSWORD, "10.0.0.3").await.unwrap();
    assert_eq!(throttled.err(), Some(SignInRefused::Throttled));
    // A moment later Sara signs in from her own address: the guesses slowed her
    // down, they did not lock her out for the window (they used to, for 15 minutes).
    let later =
        store.with_clock(tavana_store::Clock::Fixed(time::OffsetDateTime::now_utc() + time::Duration::seconds(5)));
    assert!(later.sign_in(&policy, "sara", PASSWORD, "10.0.0.3").await.unwrap().is_ok());
}

#[tokio::test]
async fn disabled_users_lose_their_sessions() {
    let db = seeded().await;
    let store = &db.store;
    let policy = AuthPolicy::default();
    let admin = user(store, "admin", "HQ", Role::Admin).await;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    let session = store.sign_in(&policy, "worker", PASSWORD, "a").await.unwrap().ok().unwrap();
    let updated = store.set_user_active(&admin, worker.user_id, false).await.unwrap();
    assert!(!updated.active);
    assert!(store.session(&policy, &session.token).await.unwrap().is_none());
    let again = store.sign_in(&policy, "worker", PASSWORD, "a").await.unwrap();
    assert_eq!(again.err(), Some(SignInRefused::WrongCredentials));
    // Nobody disables themselves by mistake.
    assert!(matches!(store.set_user_active(&admin, admin.user_id, false).await, Err(StoreError::Invalid(_))));
}

#[tokio::test]
async fn api_tokens_act_as_their_user_until_expired() {
    let db = seeded().await;
    let store = &db.store;
    let admin = user(store, "admin", "HQ", Role::Admin).await;
    let client = user(store, "dci-client", "HQ", Role::CaseWorker).await;
    // A user issues their own tokens; an admin does not mint one to act as them.
    let minted = store.issue_api_token(Some(&admin), client.user_id, "dci", None).await.unwrap_err();
    assert!(matches!(minted, StoreError::Forbidden(_)), "{minted:?}");
    let (token, secret) = store.issue_api_token(Some(&client), client.user_id, "dci", None).await.unwrap();
    assert!(secret.starts_with("tvn_"));
    assert_eq!(token.user_id, client.user_id);
    let days = (token.expires_at.unwrap() - token.created_at) / 86_400_000_000;
    assert_eq!(days, 90, "tokens expire unless their issuer says otherwise");
    assert_eq!(store.api_token_actor(&secret).await.unwrap(), Some(client.clone()));
    assert_eq!(store.api_token_actor("tvn_forged").await.unwrap(), None);
    let (_, expired) =
        store.issue_api_token(Some(&client), client.user_id, "short", Some(std::time::Duration::ZERO)).await.unwrap();
    assert_eq!(store.api_token_actor(&expired).await.unwrap(), None);
    // Listed for the user and their admin; revoked by the admin, it stops working.
    let listed = store.api_tokens(&admin, client.user_id).await.unwrap();
    assert_eq!(listed.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["short", "dci"]);
    store.revoke_api_token(&admin, token.id).await.unwrap();
    assert_eq!(store.api_token_actor(&secret).await.unwrap(), None);
    // A new password, or disabling the user, revokes every token, for good.
    let (_, second) = store.issue_api_token(None, client.user_id, "cli", None).await.unwrap();
    store.set_password(Some(&admin), client.user_id, "a new long passphrase").await.unwrap();
    assert_eq!(store.api_token_actor(&second).await.unwrap(), None);
    let (_, third) = store.issue_api_token(None, client.user_id, "cli2", None).await.unwrap();
    store.set_user_active(&admin, client.user_id, false).await.unwrap();
    store.set_user_active(&admin, client.user_id, true).await.unwrap();
    assert_eq!(store.api_token_actor(&third).await.unwrap(), None, "re-enabling brings no token back");
}

/// Forty guesses sent at once used to be checked all against a limit of five, and
/// the right one signed in; now they are counted one after another, and no more
/// than the limit are checked.
#[tokio::test]
async fn parallel_guesses_are_counted_one_by_one() {
    let db = seeded().await;
    let store = &db.store;
    let policy = AuthPolicy::default();
    user(store, "sara", "C08-01", Role::CaseWorker).await;
    let guesses = (0..40).map(|i| {
        let store = store.clone();
        let policy = policy.clone();
        let password = if i == 39 { PASSWORD.to_string() } else { format!("guess number {i}") };
        tokio::spawn(async move { store.sign_in(&policy, "sara", &password, &format!("10.0.1.{i}")).await.unwrap() })
    });
    let mut checked = 0;
    let mut signed_in = 0;
    for guess in guesses {
        match guess.await.unwrap() {
            Ok(_) => signed_in += 1,
            Err(SignInRefused::WrongCredentials) => checked += 1,
            Err(_) => {}
        }
    }
    assert!(checked + signed_in <= policy.max_failures_per_user as usize, "{checked} checked, {signed_in} signed in");
    let recorded = store.count_rows_for_tests("login_attempts WHERE username = 'sara'").await.unwrap();
    assert_eq!(recorded, policy.max_failures_per_user);
}

/// Administrators could not change a user's roles or unit. They can, within their
/// subtree, never their own, never into conflicting roles; every change is audited.
#[tokio::test]
async fn admins_change_a_users_roles_and_unit() {
    let db = seeded().await;
    let store = &db.store;
    let admin = user(store, "tehran.admin", "P08", Role::Admin).await;
    let worker = user(store, "worker", "C08-01", Role::CaseWorker).await;
    let shemiran = store.org_unit_by_code("C08-02").await.unwrap().id;
    let fars = store.org_unit_by_code("P17").await.unwrap().id;
    let changed =
        store.update_user_access(&admin, worker.user_id, &[Role::CaseWorker, Role::Planner], shemiran).await.unwrap();
    assert_eq!((changed.roles.clone(), changed.unit_id), (vec![Role::CaseWorker, Role::Planner], shemiran));
    let again = store.actor_for_user(worker.user_id).await.unwrap();
    assert!(again.roles.contains(&Role::Planner) && again.unit_id == shemiran, "the roles take effect");
    // Outside the admin's subtree, conflicting roles, no roles, and their own.
    let outside = store.update_user_access(&admin, worker.user_id, &[Role::CaseWorker], fars).await;
    assert!(matches!(outside, Err(StoreError::Invalid(ref e)) if e.field == "unit_id"), "{outside:?}");
    let conflict =
        store.update_user_access(&admin, worker.user_id, &[Role::FinanceMaker, Role::FinanceChecker], shemiran);
    assert!(matches!(conflict.await, Err(StoreError::Invalid(ref e)) if e.field == "roles"));
    assert!(matches!(
        store.update_user_access(&admin, worker.user_id, &[], shemiran).await,
        Err(StoreError::Invalid(_))
    ));
    let own = store.update_user_access(&admin, admin.user_id, &[Role::Admin, Role::Planner], admin.unit_id).await;
    assert!(matches!(own, Err(StoreError::Forbidden(_))), "{own:?}");
    let auditor = user(store, "auditor", "HQ", Role::Auditor).await;
    let entries = store.recent_audit_entries(&auditor, 20).await.unwrap();
    let entry = entries.iter().find(|e| e.action == "user.update").expect("audited");
    assert!(entry.before_json.as_deref().unwrap().contains("case_worker"));
    assert!(entry.after_json.as_deref().unwrap().contains("planner"));
}
