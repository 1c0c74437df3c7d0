//! Users, roles, sign-in with throttling, sessions and API tokens.
//!
//! Passwords are hashed with argon2id on a blocking thread. Session and API tokens are
//! random 32-byte values given to the client once; the database keeps only their
//! SHA-256, so a copy of the database cannot be used to sign in.

use crate::access::{authorize, require};
use crate::audit::AuditEvent;
use crate::db::Store;
use crate::lists::{ListOrder, ListPage, SortColumn};
use crate::sql::Sql;
use crate::{Result, StoreError};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand_core::{OsRng, RngCore};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::time::Duration;
use tavana_domain::audit::to_hex;
use tavana_domain::error::{DomainError, Reason};
use tavana_domain::iam::IamAction;
use tavana_domain::iam::{Action, Actor, Module, Role};
use tavana_domain::org::UnitPath;

/// A user as shown to admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub unit_id: i64,
    pub unit_name_fa: String,
    pub active: bool,
    pub roles: Vec<Role>,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    unit_id: i64,
    unit_name_fa: String,
    unit_path: String,
    active: bool,
    created_at: i64,
}

/// A user to create. The password is checked and hashed by the store and never kept.
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub unit_id: i64,
    pub roles: Vec<Role>,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .field("password", &"***")
            .field("unit_id", &self.unit_id)
            .field("roles", &self.roles)
            .finish()
    }
}

/// How sign-in and sessions behave.
#[derive(Debug, Clone)]
pub struct AuthPolicy {
    /// A session ends after this long without a request.
    pub idle_timeout: Duration,
    /// A session ends this long after sign-in, however active.
    pub absolute_timeout: Duration,
    /// Failed sign-ins are counted over this window.
    pub throttle_window: Duration,
    /// Failures for one user name in the window before sign-in is refused.
    pub max_failures_per_user: i64,
    /// Failures from one address in the window before sign-in is refused.
    pub max_failures_per_address: i64,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 60 * 60),
            throttle_window: Duration::from_secs(15 * 60),
            max_failures_per_user: 5,
            max_failures_per_address: 50,
        }
    }
}

/// Why a sign-in was refused. Deliberately does not say whether the user exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefused {
    WrongCredentials,
    Throttled,
}

/// A signed-in session: the token for the cookie (shown once) and the CSRF token
/// forms must carry.
#[derive(Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub actor: Actor,
}

/// The actor behind a live session, with the session's CSRF token.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub actor: Actor,
    pub csrf_token: String,
}

/// An API token as listed (the secret itself is shown only when issued).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

/// What to list users by; every filter optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Part of the username or the display name.
    pub text: String,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

/// The columns the user list sorts by.
pub const USER_SORTS: &[SortColumn] = &[
    SortColumn { key: "username", sql: "u.username" },
    SortColumn { key: "display_name", sql: "u.display_name" },
    SortColumn { key: "unit", sql: "o.path" },
    SortColumn { key: "created", sql: "u.created_at" },
];

/// The users in the actor's subtree a filter finds, unordered.
fn users_query(actor: &Actor, filter: &UserFilter) -> Sql {
    let mut q = Sql::new(USER_SELECT);
    q.push(" WHERE o.path LIKE ").bind_str(&actor.unit_path.subtree_pattern());
    let text = filter.text.trim();
    if !text.is_empty() {
        let pattern = crate::lists::contains_pattern(text);
        q.push(" AND (LOWER(u.username) LIKE LOWER(")
            .bind_str(&pattern)
            .push(") ESCAPE '\\' OR u.display_name LIKE ")
            .bind_str(&pattern)
            .push(" ESCAPE '\\')");
    }
    if let Some(role) = filter.role {
        q.push(" AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = ")
            .bind_str(role.as_str())
            .push(")");
    }
    match filter.active {
        Some(true) => q.push(" AND u.active = TRUE"),
        Some(false) => q.push(" AND u.active = FALSE"),
        None => &mut q,
    };
    q
}

const USER_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.unit_id, o.name_fa AS unit_name_fa, \
     o.path AS unit_path, u.active, u.created_at FROM users u JOIN org_units o ON o.id = u.unit_id";

/// Checks a new user's fields; every problem names its field.
pub fn validate_new_user(new: &NewUser) -> Result<(), DomainError> {
    let username = new.username.trim();
    if username.is_empty() {
        return Err(DomainError::new("username", Reason::Empty));
    }
    if username.chars().count() > 64 {
        return Err(DomainError::new("username", Reason::TooLong { max: 64 }));
    }
    if !username.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')) {
        return Err(DomainError::new("username", Reason::BadFormat));
    }
    let display = new.display_name.trim();
    if display.is_empty() {
        return Err(DomainError::new("display_name", Reason::Empty));
    }
    if display.chars().count() > 100 {
        return Err(DomainError::new("display_name", Reason::TooLong { max: 100 }));
    }
    if new.password.chars().count() < 10 {
        return Err(DomainError::new("password", Reason::TooShort { min: 10 }));
    }
    if new.roles.is_empty() {
        return Err(DomainError::new("roles", Reason::Empty));
    }
    if let Some((a, b)) = tavana_domain::iam::conflicting_roles(&new.roles) {
        return Err(DomainError::breaks(
            "roles",
            format!("{} and {} are not held by one person (separation of duties)", a.as_str(), b.as_str()),
            format!("نقش‌های {} و {} را یک نفر با هم ندارد (تفکیک وظایف)", a.label_fa(), b.label_fa()),
        ));
    }
    Ok(())
}

impl Store {
    /// Creates a user in `new.unit_id`. With an actor, the unit must be in their
    /// subtree and they must be an admin; with `None` (the CLI run by the operator)
    /// the system creates it.
    pub async fn create_user(&self, actor: Option<&Actor>, new: NewUser) -> Result<User> {
        validate_new_user(&new)?;
        let unit = self.org_unit_unscoped(new.unit_id).await.map_err(|e| match e {
            StoreError::NotFound => StoreError::Invalid(DomainError::new("unit_id", Reason::OutOfRange)),
            other => other,
        })?;
        if let Some(actor) = actor {
            // A unit outside the admin's subtree is an invalid choice of unit.
            authorize(actor, Action::Iam(IamAction::ManageUsers), &unit.unit_path()?).map_err(|e| match e {
                StoreError::NotFound => StoreError::Invalid(DomainError::new("unit_id", Reason::OutOfRange)),
                other => other,
            })?;
        }
        let password_hash = hash_password(new.password.clone()).await?;
        let now = self.now();
        let username = new.username.trim().to_string();
        let display_name = new.display_name.trim().to_string();
        let mut roles = new.roles.clone();
        roles.sort();
        roles.dedup();
        let user = self
            .write(async |tx| {
                let id: i64 = on_tx!(tx, |c| {
                    sqlx::query_scalar(
                "INSERT INTO users (username, display_name, password_hash, unit_id, active, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, TRUE, $5, $5) RETURNING id",
            )
            .bind(&username)
            .bind(&display_name)
            .bind(&password_hash)
            .bind(new.unit_id)
            .bind(now)
            .fetch_one(c)
            .await
                })?;
                for role in &roles {
                    on_tx!(tx, |c| {
                        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                            .bind(id)
                            .bind(role.as_str())
                            .execute(c)
                            .await
                            .map(|r| r.rows_affected())
                    })?;
                }
                let user = User {
                    id,
                    username,
                    display_name,
                    unit_id: new.unit_id,
                    unit_name_fa: unit.name_fa,
                    active: true,
                    roles,
                    created_at: now,
                };
                tx.audit(actor, AuditEvent::new("user.create", "user", id).after(user_json(&user))).await?;
                Ok(user)
            })
            .await?;
        Ok(user)
    }

    /// The users in the actor's subtree.
    pub async fn users(&self, actor: &Actor) -> Result<Vec<User>> {
        require(actor, Action::Open(Module::Users))?;
        let sql = format!("{USER_SELECT} WHERE o.path LIKE $1 ORDER BY o.path, u.username");
        let rows: Vec<UserRow> =
            on_pool!(self, |c| sqlx::query_as(&sql).bind(actor.unit_path.subtree_pattern()).fetch_all(c).await)?;
        self.with_roles(actor, rows).await
    }

    /// A page of the users in the actor's subtree, filtered and in the order
    /// asked for, with how many there are.
    pub async fn user_page(&self, actor: &Actor, filter: &UserFilter, order: &ListOrder) -> Result<ListPage<User>> {
        require(actor, Action::Open(Module::Users))?;
        let page: ListPage<UserRow> = self.list_page(users_query(actor, filter), USER_SORTS, "u.id", order).await?;
        Ok(ListPage { rows: self.with_roles(actor, page.rows).await?, total: page.total, page: page.page })
    }

    /// The users a filter finds, in the list's order, as CSV (at most
    /// [`crate::lists::EXPORT_LIMIT`]; logged as an export). Returns the rows written.
    pub async fn export_users(
        &self,
        actor: &Actor,
        filter: &UserFilter,
        order: &ListOrder,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<u64> {
        require(actor, Action::Open(Module::Users))?;
        #[derive(Serialize)]
        struct Line<'a> {
            username: &'a str,
            display_name: &'a str,
            unit: &'a str,
            roles: String,
            active: bool,
            created_at: String,
        }
        let roles = self.roles_of_users_in(&actor.unit_path).await?;
        let mut csv = csv::Writer::from_writer(out);
        let mut first = true;
        let mut each = |u: UserRow| {
            let line = Line {
                username: &u.username,
                display_name: &u.display_name,
                unit: &u.unit_name_fa,
                roles: roles
                    .iter()
                    .filter(|(id, _)| *id == u.id)
                    .map(|(_, r)| r.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                active: u.active,
                created_at: crate::lists::rfc3339(u.created_at),
            };
            crate::registry::export::write_csv(&mut csv, &line, std::mem::take(&mut first))
        };
        let rows = self.list_each(users_query(actor, filter), USER_SORTS, "u.id", order, &mut each).await?;
        csv.flush().map_err(|e| StoreError::Corrupt(e.to_string()))?;

        self.log_read(actor, crate::audit::Sensitive::Export, "users", "list", serde_json::json!({ "rows": rows }))
            .await?;
        Ok(rows)
    }

    async fn with_roles(&self, actor: &Actor, rows: Vec<UserRow>) -> Result<Vec<User>> {
        let roles = self.roles_of_users_in(&actor.unit_path).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let user_roles = roles.iter().filter(|(id, _)| *id == row.id).map(|(_, r)| *r).collect();
                row.into_user(user_roles)
            })
            .collect())
    }

    /// One user; `NotFound` outside the actor's subtree.
    pub async fn user(&self, actor: &Actor, id: i64) -> Result<User> {
        let (row, roles) = self.user_row(id).await?;
        authorize(actor, Action::Open(Module::Users), &path_of(&row)?)?;
        Ok(row.into_user(roles))
    }

    /// Sets a user's password (the operator's CLI, or an admin over the user's unit)
    /// and ends the user's sessions.
    pub async fn set_password(&self, actor: Option<&Actor>, user_id: i64, password: &str) -> Result<()> {
        if password.chars().count() < 10 {
            return Err(StoreError::Invalid(DomainError::new("password", Reason::TooShort { min: 10 })));
        }
        let (row, _) = self.user_row(user_id).await?;
        if let Some(actor) = actor {
            authorize(actor, Action::Iam(IamAction::ManageUsers), &path_of(&row)?)?;
        }
        let hash = hash_password(password.to_string()).await?;
        self.write(async |tx| {
            on_tx!(tx, |c| {
                sqlx::query(
                    "UPDATE users SET password_hash = $1, version = version + 1, updated_at = $2 WHERE id = $3",
                )
                .bind(&hash)
                .bind(self.now())
                .bind(user_id)
                .execute(&mut *c)
                .await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *c).await?;
                // A new password ends every way in the old one made: tokens too.
                sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                    .bind(self.now())
                    .bind(user_id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected())
            })?;
            // The audit entry records that the password changed, never the password.
            tx.audit(actor, AuditEvent::new("user.set_password", "user", user_id)).await?;
            Ok(())
        })
        .await
    }

    /// Whether any user exists (the demo creates its users only once).
    pub async fn has_users(&self) -> Result<bool> {
        let n: i64 = on_pool!(self, |c| sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(c).await)?;
        Ok(n > 0)
    }

    /// The actor's own user record (everyone may read their own).
    pub async fn own_user(&self, actor: &Actor) -> Result<User> {
        let (row, roles) = self.user_row(actor.user_id).await?;
        Ok(row.into_user(roles))
    }

    /// Changes a user's roles and unit (administrators, within their subtree; not
    /// their own). Conflicting roles are refused; the change is audited with the
    /// roles and unit before and after, and takes effect at the user's next request.
    pub async fn update_user_access(&self, actor: &Actor, id: i64, roles: &[Role], unit_id: i64) -> Result<User> {
        let (row, current) = self.user_row(id).await?;
        authorize(actor, Action::Iam(IamAction::ManageUsers), &path_of(&row)?)?;
        if id == actor.user_id {
            return Err(StoreError::Forbidden("change your own roles or unit: another administrator does"));
        }
        let mut roles = roles.to_vec();
        roles.sort();
        roles.dedup();
        if roles.is_empty() {
            return Err(StoreError::Invalid(DomainError::new("roles", Reason::Empty)));
        }
        if let Some((a, b)) = tavana_domain::iam::conflicting_roles(&roles) {
            return Err(StoreError::Invalid(DomainError::breaks(
                "roles",
                format!("{} and {} are not held by one person (separation of duties)", a.as_str(), b.as_str()),
                format!("نقش‌های {} و {} را یک نفر با هم ندارد (تفکیک وظایف)", a.label_fa(), b.label_fa()),
            )));
        }
        let unit = self.org_unit_unscoped(unit_id).await.map_err(|e| match e {
            StoreError::NotFound => StoreError::Invalid(DomainError::new("unit_id", Reason::OutOfRange)),
            other => other,
        })?;
        authorize(actor, Action::Iam(IamAction::ManageUsers), &unit.unit_path()?).map_err(|e| match e {
            StoreError::NotFound => StoreError::Invalid(DomainError::new("unit_id", Reason::OutOfRange)),
            other => other,
        })?;
        let before = row.clone_user(current);
        let after = User { roles: roles.clone(), unit_id, unit_name_fa: unit.name_fa.clone(), ..before.clone() };
        self.write(async |tx| {
            on_tx!(tx, |c| sqlx::query(
                "UPDATE users SET unit_id = $1, version = version + 1, updated_at = $2 WHERE id = $3"
            )
            .bind(unit_id)
            .bind(self.now())
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            on_tx!(tx, |c| sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
                .bind(id)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            for role in &roles {
                on_tx!(tx, |c| sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                    .bind(id)
                    .bind(role.as_str())
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?;
            }
            tx.audit(
                Some(actor),
                AuditEvent::new("user.update", "user", id).before(user_json(&before)).after(user_json(&after)),
            )
            .await?;
            Ok(after)
        })
        .await
    }

    /// Enables or disables a user; disabling ends their sessions.
    pub async fn set_user_active(&self, actor: &Actor, id: i64, active: bool) -> Result<User> {
        let (row, roles) = self.user_row(id).await?;
        authorize(actor, Action::Iam(IamAction::ManageUsers), &path_of(&row)?)?;
        if row.id == actor.user_id && !active {
            return Err(StoreError::Invalid(DomainError::new("active", Reason::OutOfRange)));
        }
        let before = row.clone_user(roles.clone());
        self.write(async |tx| {
            on_tx!(tx, |c| {
                sqlx::query("UPDATE users SET active = $1, version = version + 1, updated_at = $2 WHERE id = $3")
                    .bind(active)
                    .bind(self.now())
                    .bind(id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected())
            })?;
            if !active {
                // Disabled: sessions end and tokens are revoked, for good (enabling
                // the user again brings neither back).
                on_tx!(tx, |c| sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?;
                on_tx!(tx, |c| sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL"
                )
                .bind(self.now())
                .bind(id)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            }
            let mut after = before.clone();
            after.active = active;
            tx.audit(
                Some(actor),
                AuditEvent::new(if active { "user.enable" } else { "user.disable" }, "user", id)
                    .before(user_json(&before))
                    .after(user_json(&after)),
            )
            .await?;
            Ok(after)
        })
        .await
    }

    /// Checks a user name and password from `address`. Refuses while the name or the
    /// address has too many recent failures, whatever the password. Success and
    /// failure are both recorded and audited.
    pub async fn sign_in(
        &self,
        policy: &AuthPolicy,
        username: &str,
        password: &str,
        address: &str,
    ) -> Result<std::result::Result<NewSession, SignInRefused>> {
        let username = username.trim().to_lowercase();
        let now = self.now();
        let since = now - micros_of(policy.throttle_window);
        // The attempt is counted and recorded (as a failure until proven otherwise)
        // in one write transaction before the password is checked: writers queue,
        // so guesses sent in parallel are counted one after another, and no more
        // than the limit are ever checked.
        let attempt: Option<i64> = self
            .write(async |tx| {
                let (by_pair, by_address, by_user, last_failure): (i64, i64, i64, Option<i64>) = on_tx!(tx, |c| {
                    sqlx::query_as(
                        "SELECT \
                           (SELECT COUNT(*) FROM login_attempts WHERE username = $1 AND address = $2 AND at > $3 \
                            AND NOT success), \
                           (SELECT COUNT(*) FROM login_attempts WHERE address = $2 AND at > $3 AND NOT success), \
                           (SELECT COUNT(*) FROM login_attempts WHERE username = $1 AND at > $3 AND NOT success), \
                           (SELECT MAX(at) FROM login_attempts WHERE username = $1 AND at > $3 AND NOT success)",
                    )
                    .bind(&username)
                    .bind(address)
                    .bind(since)
                    .fetch_one(c)
                    .await
                })?;
                // One address guessing one user's password is stopped for the window;
                // guesses at a user from everywhere else only slow down (a wait that
                // doubles up to a minute), so no one can lock a user out.
                let backoff = by_user >= policy.max_failures_per_user
                    && last_failure.is_some_and(|last| {
                        let doublings = u32::try_from(by_user - policy.max_failures_per_user).unwrap_or(u32::MAX).min(6);
                        now - last < 1_000_000 * (1i64 << doublings)
                    });
                if by_pair >= policy.max_failures_per_user || by_address >= policy.max_failures_per_address || backoff {
                    tx.audit(
                        None,
                        AuditEvent::new("auth.sign_in_throttled", "user", &username)
                            .after(json!({ "address": address })),
                    )
                    .await?;
                    return Ok(None);
                }
                let id: i64 = on_tx!(tx, |c| {
                    sqlx::query_scalar(
                        "INSERT INTO login_attempts (username, address, at, success) VALUES ($1, $2, $3, $4) RETURNING id",
                    )
                    .bind(&username)
                    .bind(address)
                    .bind(now)
                    .bind(false)
                    .fetch_one(c)
                    .await
                })?;
                tx.audit(
                    None,
                    AuditEvent::new("auth.sign_in_attempt", "user", &username).after(json!({ "address": address })),
                )
                .await?;
                Ok(Some(id))
            })
            .await?;
        let Some(attempt) = attempt else {
            return Ok(Err(SignInRefused::Throttled));
        };
        let found: Option<(i64, String, bool)> = on_pool!(self, |c| {
            sqlx::query_as("SELECT id, password_hash, active FROM users WHERE username = $1")
                .bind(&username)
                .fetch_optional(c)
                .await
        })?;
        // Verify against a fixed hash when the user does not exist, so the time taken
        // does not tell which names exist.
        let stored = found.as_ref().map(|(_, h, _)| h.clone()).unwrap_or_else(|| DUMMY_HASH.to_string());
        let password_ok = verify_password(password.to_string(), stored).await?;
        let user_id = match found {
            Some((id, _, true)) if password_ok => Some(id),
            _ => None,
        };
        // A wrong password or name: the attempt stands recorded as a failure, and
        // its audit entry (made with it) says who tried from where.
        let Some(user_id) = user_id else {
            return Ok(Err(SignInRefused::WrongCredentials));
        };
        self.write(async |tx| {
            on_tx!(tx, |c| sqlx::query("UPDATE login_attempts SET success = $1 WHERE id = $2")
                .bind(true)
                .bind(attempt)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            let actor = self.actor_for_user(user_id).await?;
            let token = random_token();
            let csrf_token = random_token();
            let expires = now + micros_of(policy.idle_timeout.min(policy.absolute_timeout));
            on_tx!(tx, |c| {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $4, $5)",
                )
                .bind(token_hash(&token))
                .bind(user_id)
                .bind(&csrf_token)
                .bind(now)
                .bind(expires)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
            })?;
            tx.audit(
                Some(&actor),
                AuditEvent::new("auth.sign_in", "user", user_id).after(json!({ "address": address })),
            )
            .await?;
            Ok(Ok(NewSession { token, csrf_token, actor }))
        })
        .await
    }

    /// The actor of a live session, extending its idle expiry (at most once a minute,
    /// and never past the absolute limit). `None` for an unknown or expired token.
    pub async fn session(&self, policy: &AuthPolicy, token: &str) -> Result<Option<SessionInfo>> {
        let now = self.now();
        let hash = token_hash(token);
        let row: Option<(i64, String, i64, i64, bool)> = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT s.user_id, s.csrf_token, s.created_at, s.last_seen_at, u.active FROM sessions s \
                 JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2",
            )
            .bind(&hash)
            .bind(now)
            .fetch_optional(c)
            .await
        })?;
        let Some((user_id, csrf_token, created_at, last_seen_at, active)) = row else {
            return Ok(None);
        };
        if !active {
            return Ok(None);
        }
        if now - last_seen_at > 60_000_000 {
            let expires = (now + micros_of(policy.idle_timeout)).min(created_at + micros_of(policy.absolute_timeout));
            // A keep-alive stamp, not a change of anything a person decided: it is
            // not audited (sign-in and sign-out are).
            on_writer!(self, |c| {
                sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3")
                    .bind(now)
                    .bind(expires)
                    .bind(&hash)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected())
            })?;
        }
        let actor = self.actor_for_user(user_id).await?;
        Ok(Some(SessionInfo { actor, csrf_token }))
    }

    /// Ends a session.
    pub async fn sign_out(&self, actor: &Actor, token: &str) -> Result<()> {
        self.write(async |tx| {
            on_tx!(tx, |c| sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash(token))
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            tx.audit(Some(actor), AuditEvent::new("auth.sign_out", "user", actor.user_id)).await?;
            Ok(())
        })
        .await
    }

    /// How long a token lasts unless its issuer says otherwise.
    pub const TOKEN_DAYS: u64 = 90;

    /// Issues an API token acting as `user_id`, valid for `valid_for` (90 days
    /// unless said). The secret is returned once. With an actor, only for
    /// themselves: nobody mints a token to act as someone else (administrators
    /// revoke tokens, they do not issue them); without one, the operator's CLI.
    pub async fn issue_api_token(
        &self,
        actor: Option<&Actor>,
        user_id: i64,
        name: &str,
        valid_for: Option<Duration>,
    ) -> Result<(ApiToken, String)> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid(DomainError::new("name", Reason::Empty)));
        }
        self.user_row(user_id).await?;
        if let Some(actor) = actor
            && actor.user_id != user_id
        {
            return Err(StoreError::Forbidden("issue a token to act as another user"));
        }
        let secret = format!("tvn_{}", random_token());
        let now = self.now();
        let valid_for = valid_for.unwrap_or(Duration::from_secs(Self::TOKEN_DAYS * 86_400));
        let expires_at = Some(now + micros_of(valid_for));
        self.write(async |tx| {
            let id: i64 = on_tx!(tx, |c| {
                sqlx::query_scalar(
                    "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(user_id)
                .bind(name)
                .bind(token_hash(&secret))
                .bind(now)
                .bind(expires_at)
                .fetch_one(c)
                .await
            })?;
            let token = ApiToken {
                id,
                user_id,
                name: name.to_string(),
                created_at: now,
                expires_at,
                revoked_at: None,
                last_used_at: None,
            };
            tx.audit(
                actor,
                AuditEvent::new("api_token.issue", "api_token", id).after(serde_json::to_value(&token).unwrap_or_default()),
            )
            .await?;
            Ok((token, secret))
        })
        .await
    }

    /// A user's API tokens, newest first (the user, or an admin over their unit).
    pub async fn api_tokens(&self, actor: &Actor, user_id: i64) -> Result<Vec<ApiToken>> {
        let (row, _) = self.user_row(user_id).await?;
        if actor.user_id != user_id {
            authorize(actor, Action::Iam(IamAction::ManageUsers), &path_of(&row)?)?;
        }
        let rows = on_pool!(self, |c| sqlx::query_as(
            "SELECT id, user_id, name, created_at, expires_at, revoked_at, last_used_at FROM api_tokens \
             WHERE user_id = $1 ORDER BY id DESC"
        )
        .bind(user_id)
        .fetch_all(c)
        .await)?;
        Ok(rows)
    }

    /// Revokes an API token (its user, or an admin over the user's unit). A token
    /// cached by a server stops working within its cache's life (seconds).
    pub async fn revoke_api_token(&self, actor: &Actor, token_id: i64) -> Result<()> {
        let user_id: i64 = on_pool!(self, |c| sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE id = $1")
            .bind(token_id)
            .fetch_one(c)
            .await)?;
        let (row, _) = self.user_row(user_id).await?;
        if actor.user_id != user_id {
            authorize(actor, Action::Iam(IamAction::ManageUsers), &path_of(&row)?)?;
        }
        let now = self.now();
        self.write(async |tx| {
            on_tx!(tx, |c| sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(token_id)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            tx.audit(Some(actor), AuditEvent::new("api_token.revoke", "api_token", token_id)).await
        })
        .await
    }

    /// Revokes an API token for the operator (the CLI), by id.
    pub async fn revoke_api_token_as_operator(&self, token_id: i64) -> Result<()> {
        let now = self.now();
        self.write(async |tx| {
            let changed = on_tx!(tx, |c| sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL"
            )
            .bind(now)
            .bind(token_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            if changed == 0 {
                return Err(StoreError::NotFound);
            }
            tx.audit(None, AuditEvent::new("api_token.revoke", "api_token", token_id)).await
        })
        .await
    }

    /// The actor behind an API token; `None` for an unknown, revoked or expired one,
    /// or a disabled user.
    pub async fn api_token_actor(&self, secret: &str) -> Result<Option<Actor>> {
        let now = self.now();
        let hash = token_hash(secret);
        let row: Option<(i64, bool, Option<i64>)> = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT t.user_id, u.active, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)",
            )
            .bind(&hash)
            .bind(now)
            .fetch_optional(c)
            .await
        })?;
        match row {
            Some((user_id, true, last_used)) => {
                // Stamped at most once a minute, so a busy client does not turn
                // every read into a write.
                if last_used.is_none_or(|t| now - t > 60_000_000) {
                    on_writer!(self, |c| sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
                        .bind(now)
                        .bind(&hash)
                        .execute(c)
                        .await
                        .map(|r| r.rows_affected()))?;
                }
                Ok(Some(self.actor_for_user(user_id).await?))
            }
            _ => Ok(None),
        }
    }

    /// The actor for a user, for the CLI acting on an operator's behalf and for
    /// sessions.
    pub async fn actor_for_user(&self, user_id: i64) -> Result<Actor> {
        let (row, roles) = self.user_row(user_id).await?;
        Ok(Actor {
            user_id: row.id,
            username: row.username.clone(),
            unit_id: row.unit_id,
            unit_path: path_of(&row)?,
            roles,
        })
    }

    /// The id of a user by name, for the CLI.
    pub async fn user_id_by_name(&self, username: &str) -> Result<i64> {
        let id = on_pool!(self, |c| sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(username.trim())
            .fetch_one(c)
            .await)?;
        Ok(id)
    }

    async fn user_row(&self, id: i64) -> Result<(UserRow, Vec<Role>)> {
        let sql = format!("{USER_SELECT} WHERE u.id = $1");
        let row: UserRow = on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
        let names: Vec<String> =
            on_pool!(self, |c| sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
                .bind(id)
                .fetch_all(c)
                .await)?;
        Ok((row, parse_roles(names)))
    }

    async fn roles_of_users_in(&self, scope: &UnitPath) -> Result<Vec<(i64, Role)>> {
        let rows: Vec<(i64, String)> = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT r.user_id, r.role FROM user_roles r JOIN users u ON u.id = r.user_id \
                 JOIN org_units o ON o.id = u.unit_id WHERE o.path LIKE $1",
            )
            .bind(scope.subtree_pattern())
            .fetch_all(c)
            .await
        })?;
        Ok(rows.into_iter().filter_map(|(id, r)| Role::parse(&r).map(|r| (id, r))).collect())
    }
}

impl UserRow {
    fn into_user(self, roles: Vec<Role>) -> User {
        User {
            id: self.id,
            username: self.username,
            display_name: self.display_name,
            unit_id: self.unit_id,
            unit_name_fa: self.unit_name_fa,
            active: self.active,
            roles,
            created_at: self.created_at,
        }
    }

    fn clone_user(&self, roles: Vec<Role>) -> User {
        User {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            unit_id: self.unit_id,
            unit_name_fa: self.unit_name_fa.clone(),
            active: self.active,
            roles,
            created_at: self.created_at,
        }
    }
}

fn path_of(row: &UserRow) -> Result<UnitPath> {
    UnitPath::parse(&row.unit_path).ok_or_else(|| StoreError::Corrupt(format!("unit path of user {}", row.id)))
}

fn parse_roles(names: Vec<String>) -> Vec<Role> {
    names.iter().filter_map(|n| Role::parse(n)).collect()
}

fn user_json(user: &User) -> serde_json::Value {
    json!({
        "username": user.username,
        "display_name": user.display_name,
        "unit_id": user.unit_id,
        "active": user.active,
        "roles": user.roles,
    })
}

fn micros_of(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// 32 random bytes from the operating system, as hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    to_hex(&bytes)
}

fn token_hash(token: &str) -> String {
    to_hex(&Sha256::digest(token.as_bytes()))
}

/// An argon2id hash of a password nobody has, used to spend the same time on
/// unknown user names.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$pWUdlcXC8SCTeJyxvPMcuhHUr3VPQZKPnqcfAbAVEXU";

async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|e| StoreError::Corrupt(format!("password hashing task: {e}")))?
    .map_err(|e| StoreError::Corrupt(format!("password hashing: {e}")))
}

async fn verify_password(password: String, stored: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || match PasswordHash::new(&stored) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    })
    .await
    .map_err(|e| StoreError::Corrupt(format!("password check task: {e}")))
}
