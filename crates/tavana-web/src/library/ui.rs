//! The library's pages: search with filters and highlighted passages, an item
//! with its media, and the form recording one (HR officers).

use crate::AppState;
use crate::auth::SessionUser;
use crate::error::Problem;
use crate::i18n::Lang;
use crate::page::{InLang, Layout, PageError, refusal, refusals, render_form};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tavana_domain::DomainError;
use tavana_domain::iam::{Action, Module};
use tavana_domain::library::{ItemFields, LibraryAction, MediaKind, RawItem};
use tavana_store::StoreError;
use tavana_store::library::{Attachment, LibraryQuery, Piece};

type Texts = super::texts::Texts;

fn texts(lang: Lang) -> &'static Texts {
    super::texts::texts(lang)
}

/// Hits per page.
const PAGE: usize = 20;

/// The search form as typed (numbers kept as text, so a bad one is named, not a 400).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SearchForm {
    q: String,
    topic: String,
    mine: String,
    position: String,
    year_from: String,
    year_to: String,
    /// Kept as typed: a bad page number is the first page, not an error.
    page: String,
}

impl SearchForm {
    fn page(&self) -> usize {
        tavana_domain::text::to_ascii_digits(self.page.trim()).parse().unwrap_or(0)
    }
}

fn number<T: std::str::FromStr>(field: &'static str, text: &str, errors: &mut Vec<DomainError>) -> Option<T> {
    let text = tavana_domain::text::to_ascii_digits(text.trim());
    if text.is_empty() {
        return None;
    }
    text.parse().map_err(|_| errors.push(DomainError::new(field, tavana_domain::error::Reason::NotDigits))).ok()
}

/// A hit as shown.
pub struct HitRow {
    pub id: i64,
    pub title: Vec<Piece>,
    pub narrator: String,
    pub unit: String,
    pub recorded_on: String,
    pub topics: Vec<String>,
    pub snippet: Vec<Piece>,
}

#[derive(Template)]
#[template(path = "library_search.html")]
struct SearchPage {
    t: &'static Texts,
    layout: Layout,
    form: SearchForm,
    total: String,
    hits: Vec<HitRow>,
    searched: bool,
    previous: Option<String>,
    next: Option<String>,
    may_record: bool,
    error: Option<String>,
}

/// The address of another page of the same search.
fn page_href(form: &SearchForm, page: usize) -> String {
    let query = [
        ("q", form.q.as_str()),
        ("topic", &form.topic),
        ("mine", &form.mine),
        ("position", &form.position),
        ("year_from", &form.year_from),
        ("year_to", &form.year_to),
    ];
    format!("/library?{}&page={page}", url_pairs(&query))
}

fn url_pairs(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", percent(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn search(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Query(form): Query<SearchForm>,
) -> Result<Response, PageError> {
    let mut errors = Vec::new();
    let asked = LibraryQuery {
        q: form.q.clone(),
        unit: (!form.mine.is_empty()).then_some(user.actor.unit_id),
        topic: Some(form.topic.clone()).filter(|t| !t.trim().is_empty()),
        position: number("position", &form.position, &mut errors),
        year_from: number("year_from", &form.year_from, &mut errors),
        year_to: number("year_to", &form.year_to, &mut errors),
    };
    let searched = asked != LibraryQuery::default();
    let (found, error) = if !errors.is_empty() {
        (None, Some(refusals(lang, errors)?))
    } else {
        match state.store.search_library(&user.actor, &asked, form.page() * PAGE, PAGE).await {
            Ok(found) => (Some(found), None),
            Err(e @ StoreError::Invalid(_)) => (None, Some(refusal(lang, e)?)),
            Err(e) => return Err(PageError(lang, e.into())),
        }
    };
    let total = found.as_ref().map_or(0, |f| f.total);
    let hits = found
        .map(|f| {
            f.hits
                .into_iter()
                .map(|h| HitRow {
                    id: h.id,
                    title: h.title,
                    narrator: h.narrator,
                    unit: h.unit_name,
                    recorded_on: lang.date(&h.recorded_on),
                    topics: h.topics,
                    snippet: h.snippet,
                })
                .collect()
        })
        .unwrap_or_default();
    let t = texts(lang);
    let page = SearchPage {
        t,
        layout: Layout::new(lang, &user, t.library, Some(Module::Library), "/library"),
        total: lang.number(total as i64),
        hits,
        searched,
        previous: (form.page() > 0).then(|| page_href(&form, form.page() - 1)),
        next: ((form.page() + 1) * PAGE < total).then(|| page_href(&form, form.page() + 1)),
        may_record: user.actor.may(Action::Library(LibraryAction::Record)),
        form,
        error,
    };
    Ok(render_form(page.error.is_some(), &page))
}

/// A topic's search.
pub fn topic_href(topic: &str) -> String {
    format!("/library?topic={}", percent(topic))
}

#[derive(Template)]
#[template(path = "library_item.html")]
struct ItemPage {
    t: &'static Texts,
    layout: Layout,
    item: tavana_store::library::Item,
    recorded_on: String,
    paragraphs: Vec<String>,
    attachments: Vec<(Attachment, &'static str, String)>,
    may_record: bool,
    error: Option<String>,
}

async fn item_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    id: i64,
    error: Option<String>,
) -> Result<Response, PageError> {
    let item = state.store.library_item(&user.actor, id).await.in_lang(lang)?;
    let t = texts(lang);
    let page = ItemPage {
        t,
        layout: Layout::new(lang, user, &item.title, Some(Module::Library), &format!("/library/items/{id}")),
        recorded_on: lang.date(&item.recorded_on),
        paragraphs: item.transcript.split('\n').map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect(),
        attachments: item
            .attachments
            .iter()
            .map(|a| {
                let player = match a.kind {
                    MediaKind::Audio => "audio",
                    MediaKind::Video => "video",
                    MediaKind::Document => "",
                };
                (a.clone(), player, lang.coded(a.kind))
            })
            .collect(),
        may_record: user.actor.may(Action::Library(LibraryAction::Record)),
        item,
        error,
    };
    Ok(render_form(page.error.is_some(), &page))
}

pub async fn item(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    item_page(&state, lang, &user, id, None).await
}

/// An attachment as a download (shared with the API).
pub(crate) fn attachment_response(meta: &Attachment, content: Vec<u8>) -> Response {
    crate::page::file_response(&meta.name, &format!("attachment-{}", meta.id), &meta.media_type, &meta.sha256, content)
}

pub async fn attachment(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path((id, document)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let (meta, content) = state.store.library_attachment(&user.actor, id, document).await.in_lang(lang)?;
    Ok(attachment_response(&meta, content))
}

/// An attachment uploaded from the item's page, with the form's CSRF token.
pub async fn attach(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<Response, PageError> {
    let upload = crate::page::Upload::read(lang, form).await?;
    if !user.check_csrf(upload.text("csrf")) {
        return Err(PageError(lang, Problem::csrf()));
    }
    match state.store.add_library_attachment(&user.actor, id, &upload.file_name, &upload.bytes).await {
        Ok(_) => Ok(Redirect::to(&format!("/library/items/{id}")).into_response()),
        Err(e) => item_page(&state, lang, &user, id, Some(refusal(lang, e)?)).await,
    }
}

/// The form recording an item, as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ItemForm {
    csrf: String,
    #[serde(flatten)]
    raw: RawItem,
}

#[derive(Template)]
#[template(path = "library_new.html")]
struct NewPage {
    t: &'static Texts,
    layout: Layout,
    raw: RawItem,
    unit_code: String,
    error: Option<String>,
}

async fn new_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    raw: RawItem,
    error: Option<String>,
) -> Result<Response, PageError> {
    if !user.actor.may(Action::Library(LibraryAction::Record)) {
        return Err(PageError(lang, StoreError::Forbidden(LibraryAction::Record.phrase()).into()));
    }
    let unit_code = state.store.org_unit(&user.actor, user.actor.unit_id).await.in_lang(lang)?.code;
    let t = texts(lang);
    let page = NewPage {
        t,
        layout: Layout::new(lang, user, t.new_item, Some(Module::Library), "/library/new"),
        raw,
        unit_code,
        error,
    };
    Ok(render_form(page.error.is_some(), &page))
}

pub async fn new_item(State(state): State<AppState>, lang: Lang, user: SessionUser) -> Result<Response, PageError> {
    new_page(&state, lang, &user, RawItem::default(), None).await
}

pub async fn record(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(form): Form<ItemForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let recorded = match ItemFields::parse(&form.raw, state.store.today()) {
        Ok(fields) => state.store.record_library_items(&user.actor, &[fields]).await.map_err(|e| refusal(lang, e)),
        Err(errors) => Err(refusals(lang, errors)),
    };
    match recorded {
        Ok(ids) => match ids.first() {
            Some(id) => Ok(Redirect::to(&format!("/library/items/{id}")).into_response()),
            None => Err(PageError(lang, Problem::from(StoreError::Corrupt("no id recorded".into())))),
        },
        Err(message) => new_page(&state, lang, &user, form.raw, Some(message?)).await,
    }
}
