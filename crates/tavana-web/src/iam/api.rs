use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiPath;
use crate::error::Problem;
use crate::error::{ApiError, ProblemBody, bad_body};
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tavana_domain::iam::Role;
use tavana_store::iam::{NewUser, User};
use utoipa::ToSchema;

/// A user of the system.
#[derive(Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub unit_id: i64,
    pub unit_name_fa: String,
    pub active: bool,
    /// Role names: admin, case_worker, program_officer, finance_maker, finance_checker,
    /// gozinesh_officer, gozinesh_board, hr_officer, employment_officer, planner, auditor.
    pub roles: Vec<String>,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            unit_id: u.unit_id,
            unit_name_fa: u.unit_name_fa,
            active: u.active,
            roles: u.roles.iter().map(|r| r.as_str().to_string()).collect(),
        }
    }
}

/// A user to create.
#[derive(Deserialize, ToSchema)]
pub struct NewUserDto {
    /// Lower-case letters, digits, `.`, `_` and `-`.
    pub username: String,
    pub display_name: String,
    /// At least ten characters.
    pub password: String,
    pub unit_id: i64,
    pub roles: Vec<String>,
}

/// The caller.
#[utoipa::path(get, path = "/api/v1/me", tag = "users",
    responses((status = 200, body = UserDto), (status = 401, body = ProblemBody)))]
pub async fn me(State(state): State<AppState>, ApiCaller(actor): ApiCaller) -> Result<Json<UserDto>, ApiError> {
    Ok(Json(state.store.own_user(&actor).await?.into()))
}

/// The users in the caller's subtree.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = [UserDto]), (status = 403, body = ProblemBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
) -> Result<Json<Vec<UserDto>>, ApiError> {
    Ok(Json(state.store.users(&actor).await?.into_iter().map(Into::into).collect()))
}

/// Creates a user in a unit of the caller's subtree (admins only).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserDto,
    responses((status = 201, body = UserDto), (status = 409, body = ProblemBody), (status = 422, body = ProblemBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    body: Result<Json<NewUserDto>, JsonRejection>,
) -> Result<(StatusCode, Json<UserDto>), ApiError> {
    let Json(body) = body.map_err(bad_body)?;
    let mut roles = Vec::with_capacity(body.roles.len());
    for name in &body.roles {
        let role = Role::parse(name).ok_or_else(|| {
            ApiError::from(Problem::field(
                "roles",
                format!("roles: unknown role {name:?}."),
                format!("نقش «{name}» شناخته نیست."),
            ))
        })?;
        roles.push(role);
    }
    let new = NewUser {
        username: body.username,
        display_name: body.display_name,
        password: body.password,
        unit_id: body.unit_id,
        roles,
    };
    let user = state.store.create_user(Some(&actor), new).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// One user; 404 outside the caller's subtree.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = UserDto), (status = 404, body = ProblemBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<UserDto>, ApiError> {
    Ok(Json(state.store.user(&actor, id).await?.into()))
}

/// An API token as listed (its secret is shown only when issued).
#[derive(Serialize, ToSchema)]
pub struct TokenDto {
    pub id: i64,
    pub name: String,
    pub created_at_micros: i64,
    pub expires_at_micros: Option<i64>,
    pub revoked_at_micros: Option<i64>,
    pub last_used_at_micros: Option<i64>,
}

/// A user's API tokens (the user, or an admin over their unit).
#[utoipa::path(get, path = "/api/v1/users/{id}/tokens", tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = [TokenDto]), (status = 404, body = ProblemBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<TokenDto>>, ApiError> {
    let tokens = state.store.api_tokens(&actor, id).await?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|t| TokenDto {
                id: t.id,
                name: t.name,
                created_at_micros: t.created_at,
                expires_at_micros: t.expires_at,
                revoked_at_micros: t.revoked_at,
                last_used_at_micros: t.last_used_at,
            })
            .collect(),
    ))
}

/// Revokes one of a user's API tokens (the user, or an admin over their unit).
#[utoipa::path(post, path = "/api/v1/users/{id}/tokens/{token}/revocation", tag = "users",
    params(("id" = i64, Path, description = "User id"), ("token" = i64, Path, description = "Token id")),
    responses((status = 204), (status = 404, body = ProblemBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    ApiCaller(actor): ApiCaller,
    ApiPath((id, token)): ApiPath<(i64, i64)>,
) -> Result<axum::http::StatusCode, ApiError> {
    if !state.store.api_tokens(&actor, id).await?.iter().any(|t| t.id == token) {
        return Err(tavana_store::StoreError::NotFound.into());
    }
    state.store.revoke_api_token(&actor, token).await?;
    state.tokens.clear();
    Ok(axum::http::StatusCode::NO_CONTENT)
}
