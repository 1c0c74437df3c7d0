//! Users: the list in the admin's scope, the new-user form, one user with the
//! enable/disable switch and API tokens.

use crate::AppState;
use crate::auth::SessionUser;
use crate::error::Problem;
use crate::i18n::Lang;
use crate::page::{InLang, Layout, PageError, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tavana_domain::iam::IamAction;
use tavana_domain::iam::{Action, Module, Role};
use tavana_store::StoreError;
use tavana_store::iam::{NewUser, USER_SORTS, User, UserFilter};

pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub unit_name: String,
    pub roles: String,
    pub active: bool,
    pub created: String,
}

fn user_row(lang: Lang, u: &User) -> UserRow {
    UserRow {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        unit_name: u.unit_name_fa.clone(),
        roles: u.roles.iter().map(|&r| lang.role(r)).collect::<Vec<_>>().join("، "),
        active: u.active,
        created: lang.instant(u.created_at),
    }
}

#[derive(Template)]
#[template(path = "users.html")]
struct ListPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    rows: Vec<UserRow>,
    can_manage: bool,
    q: UsersQuery,
    roles: Vec<(&'static str, &'static str)>,
    headers: Vec<crate::lists::Header>,
    nav: crate::lists::ListNav,
}

/// The user list's filters and list parameters.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UsersQuery {
    /// Part of the username or the display name.
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub role: String,
    /// `yes`, `no` or empty.
    #[serde(default)]
    pub active: String,
    #[serde(flatten)]
    pub list: crate::lists::ListParams,
}

impl UsersQuery {
    fn filter(&self) -> UserFilter {
        UserFilter {
            text: self.text.clone(),
            role: Role::parse(self.role.trim()),
            active: match self.active.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
        }
    }

    fn filters(&self) -> String {
        use crate::auth::url_encode;
        format!("text={}&role={}&active={}", url_encode(&self.text), url_encode(&self.role), url_encode(&self.active))
    }
}

/// The users in the admin's scope: filtered, sorted, a page at a time.
pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    axum::extract::Query(q): axum::extract::Query<UsersQuery>,
) -> Result<Response, PageError> {
    let t = super::texts::texts(lang);
    let order = q.list.order();
    let page = state.store.user_page(&user.actor, &q.filter(), &order).await.in_lang(lang)?;
    let columns = [
        ("username", t.username),
        ("display_name", t.display_name),
        ("unit", t.unit),
        ("roles", t.roles),
        ("status", t.status),
        ("created", t.created),
    ];
    let view = ListPage {
        t,
        layout: Layout::new(lang, &user, t.users, Some(Module::Users), "/users"),
        rows: page.rows.iter().map(|u| user_row(lang, u)).collect(),
        can_manage: user.actor.may(Action::Iam(IamAction::ManageUsers)),
        roles: Role::ALL.iter().map(|&r| (r.as_str(), lang.role(r))).collect(),
        headers: crate::lists::headers("/users", &q.filters(), &columns, USER_SORTS, &order),
        nav: crate::lists::nav(lang, "/users", "/users/download", &q.filters(), &order, &page),
        q,
    };
    Ok(render(StatusCode::OK, &view))
}

/// The users a filter finds, as CSV or XLSX, in the list's order.
pub async fn download(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    axum::extract::Query(q): axum::extract::Query<UsersQuery>,
) -> Result<Response, PageError> {
    let mut out = Vec::new();
    state.store.export_users(&user.actor, &q.filter(), &q.list.order(), &mut out).await.in_lang(lang)?;
    Ok(crate::tables::download(lang, "users", q.list.format, out))
}

/// An option of a select or a checkbox.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "user_new.html")]
struct NewPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    units: Vec<Choice>,
    roles: Vec<Choice>,
    username: String,
    display_name: String,
    /// The field at fault and the message for it.
    error: Option<(String, String)>,
}

impl NewPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error.as_ref().filter(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

async fn new_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    values: &NewUserForm,
    error: Option<(String, String)>,
) -> Result<NewPage, PageError> {
    let units = state.store.org_units(&user.actor).await.in_lang(lang)?;
    let units = units
        .iter()
        .map(|u| Choice {
            value: u.id.to_string(),
            label: format!("{} ({})", u.name_fa, u.code),
            selected: values.unit_id == u.id.to_string(),
        })
        .collect();
    let roles = Role::ALL
        .iter()
        .map(|&r| Choice {
            value: r.as_str().to_string(),
            label: lang.role(r).to_string(),
            selected: values.roles.contains(&r),
        })
        .collect();
    Ok(NewPage {
        t: super::texts::texts(lang),
        layout: Layout::new(lang, user, super::texts::texts(lang).new_user, Some(Module::Users), "/users/new"),
        units,
        roles,
        username: values.username.clone(),
        display_name: values.display_name.clone(),
        error,
    })
}

pub async fn new_form(State(state): State<AppState>, lang: Lang, user: SessionUser) -> Result<Response, PageError> {
    if !user.actor.may(Action::Iam(IamAction::ManageUsers)) {
        return Err(PageError(lang, Problem::from(StoreError::Forbidden("manage users"))));
    }
    let page = new_page(&state, lang, &user, &NewUserForm::default(), None).await?;
    Ok(render(StatusCode::OK, &page))
}

#[derive(Default)]
struct NewUserForm {
    csrf: String,
    username: String,
    display_name: String,
    password: String,
    unit_id: String,
    roles: Vec<Role>,
}

impl NewUserForm {
    /// Reads the form's pairs; role checkboxes share the name `roles`.
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = NewUserForm::default();
        for (key, value) in pairs {
            match key.as_str() {
                "csrf" => form.csrf = value,
                "username" => form.username = value,
                "display_name" => form.display_name = value,
                "password" => form.password = value,
                "unit_id" => form.unit_id = value,
                "roles" => form.roles.extend(Role::parse(&value)),
                _ => {}
            }
        }
        form
    }
}

pub async fn create(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = NewUserForm::from_pairs(pairs);
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let problem = match form.unit_id.trim().parse::<i64>() {
        Err(_) => Problem::field("unit_id", "unit_id must be chosen.", "واحد سازمانی را انتخاب کنید."),
        Ok(unit_id) => {
            let new = NewUser {
                username: form.username.clone(),
                display_name: form.display_name.clone(),
                password: form.password.clone(),
                unit_id,
                roles: form.roles.clone(),
            };
            match state.store.create_user(Some(&user.actor), new).await {
                Ok(created) => return Ok(Redirect::to(&format!("/users/{}", created.id)).into_response()),
                Err(e @ (StoreError::Invalid(_) | StoreError::Conflict { .. })) => Problem::from(e),
                Err(e) => return Err(PageError(lang, e.into())),
            }
        }
    };
    let field = problem.field.clone().unwrap_or_default();
    let message = match lang {
        Lang::Fa => problem.detail_fa,
        Lang::En => problem.detail_en,
    };
    let page = new_page(&state, lang, &user, &form, Some((field, message))).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[derive(Template)]
#[template(path = "user.html")]
struct ShowPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    user: UserRow,
    can_manage: bool,
    is_self: bool,
    new_token: Option<String>,
    tokens: Vec<TokenRow>,
    /// For an administrator changing another user: the units and roles to choose.
    units: Vec<Choice>,
    roles: Vec<Choice>,
    /// A refusal of the last change, shown by the form.
    access_error: Option<String>,
    /// A refusal of the password the administrator set, and whether one was set.
    password_error: Option<String>,
    password_set: bool,
}

async fn show_page(
    state: &AppState,
    lang: Lang,
    session: &SessionUser,
    id: i64,
    new_token: Option<String>,
    access_error: Option<String>,
    password: (Option<String>, bool),
) -> Result<Response, PageError> {
    let shown = state.store.user(&session.actor, id).await.in_lang(lang)?;
    let row = user_row(lang, &shown);
    let is_self = id == session.actor.user_id;
    let can_manage = session.actor.may(Action::Iam(IamAction::ManageUsers));
    let tokens = if is_self || can_manage {
        state
            .store
            .api_tokens(&session.actor, id)
            .await
            .in_lang(lang)?
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                name: t.name,
                created: lang.instant(t.created_at),
                expires: t.expires_at.map(|e| lang.instant(e)).unwrap_or_default(),
                last_used: t.last_used_at.map(|e| lang.instant(e)).unwrap_or_default(),
                live: t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > state.store.now()),
            })
            .collect()
    } else {
        Vec::new()
    };
    let (units, roles) = if can_manage && !is_self {
        let units = state.store.org_units(&session.actor).await.in_lang(lang)?;
        (
            units
                .iter()
                .map(|u| Choice {
                    value: u.id.to_string(),
                    label: format!("{} ({})", u.name_fa, u.code),
                    selected: u.id == shown.unit_id,
                })
                .collect(),
            Role::ALL
                .iter()
                .map(|&r| Choice {
                    value: r.as_str().to_string(),
                    label: lang.role(r).to_string(),
                    selected: shown.roles.contains(&r),
                })
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let layout = Layout::new(lang, session, &row.display_name, Some(Module::Users), &format!("/users/{id}"));
    let page = ShowPage {
        t: super::texts::texts(lang),
        layout,
        user: row,
        can_manage,
        is_self,
        new_token,
        tokens,
        units,
        roles,
        access_error,
        password_error: password.0,
        password_set: password.1,
    };
    let refused = page.access_error.is_some() || page.password_error.is_some();
    let status = if refused { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(status, &page))
}

/// A new password an administrator sets for another user (forgotten, or
/// compromised): their sessions end and their tokens are revoked.
pub async fn set_password(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let get = |k: &str| crate::forms::value_of(&pairs, k);
    if !user.check_csrf(&get("csrf")) {
        return Err(PageError(lang, Problem::csrf()));
    }
    if id == user.actor.user_id {
        return Err(PageError(lang, StoreError::Forbidden("set your own password here").into()));
    }
    match state.store.set_password(Some(&user.actor), id, &get("password")).await {
        Ok(()) => Ok(Redirect::to(&format!("/users/{id}?password=set")).into_response()),
        Err(StoreError::Invalid(e)) => {
            show_page(&state, lang, &user, id, None, None, (Some(crate::forms::message(lang, &e)), false)).await
        }
        Err(e) => Err(PageError(lang, e.into())),
    }
}

/// A user's new roles and unit, from the administrator's form.
pub async fn set_access(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let get = |k: &str| crate::forms::value_of(&pairs, k);
    if !user.check_csrf(&get("csrf")) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let roles: Vec<Role> = pairs.iter().filter(|(k, _)| k == "roles").filter_map(|(_, v)| Role::parse(v)).collect();
    let unit_id = get("unit_id").parse::<i64>().unwrap_or(0);
    match state.store.update_user_access(&user.actor, id, &roles, unit_id).await {
        Ok(_) => Ok(Redirect::to(&format!("/users/{id}")).into_response()),
        Err(StoreError::Invalid(e)) => {
            show_page(&state, lang, &user, id, None, Some(crate::forms::message(lang, &e)), (None, false)).await
        }
        Err(e) => Err(PageError(lang, e.into())),
    }
}

#[derive(Deserialize)]
pub struct ShowQuery {
    /// Set after an administrator set the user's password.
    password: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<ShowQuery>,
) -> Result<Response, PageError> {
    show_page(&state, lang, &user, id, None, None, (None, q.password.is_some())).await
}

#[derive(Deserialize)]
pub struct ActiveForm {
    csrf: String,
    active: String,
    /// `yes` once the administrator confirmed a disabling.
    #[serde(default)]
    confirmed: String,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn set_active(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<ActiveForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let enable = form.active == "true";
    if !enable && form.confirmed != "yes" {
        let target = state.store.user(&user.actor, id).await.in_lang(lang)?;
        let question = format!("«{}» {}", target.display_name, super::texts::texts(lang).confirm_disable);
        let hidden = vec![("active", "false".to_string())];
        let action = format!("/users/{id}/active");
        return Ok(crate::page::ConfirmPage::render(lang, &user, question, &action, hidden, &format!("/users/{id}")));
    }
    state.store.set_user_active(&user.actor, id, enable).await.in_lang(lang)?;
    Ok(Redirect::to(&format!("/users/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct TokenForm {
    csrf: String,
    name: String,
}

pub async fn issue_token(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let (_, secret) = state.store.issue_api_token(Some(&user.actor), id, &form.name, None).await.in_lang(lang)?;
    show_page(&state, lang, &user, id, Some(secret), None, (None, false)).await
}

/// Revokes one of a user's API tokens (the user, or an admin over their unit).
pub async fn revoke_token(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path((id, token)): Path<(i64, i64)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let owned = state.store.api_tokens(&user.actor, id).await.in_lang(lang)?.iter().any(|t| t.id == token);
    if !owned {
        return Err(PageError(lang, Problem::not_found()));
    }
    state.store.revoke_api_token(&user.actor, token).await.in_lang(lang)?;
    state.tokens.clear();
    Ok(Redirect::to(&format!("/users/{id}")).into_response())
}

/// One of a user's API tokens, as listed.
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub live: bool,
}
