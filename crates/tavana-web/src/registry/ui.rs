//! The registry pages: search, households, persons with their timeline, and the
//! forms to register and change them.

use crate::AppState;
use crate::auth::{SessionUser, url_encode};
use crate::error::Problem;
use crate::forms::{FormField, Kind, coded_options, fields, message};
use crate::i18n::Lang;
use crate::page::{InLang, Layout, PageError, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tavana_domain::DomainError;
use tavana_domain::coded::Coded;
use tavana_domain::iam::{Action, Module};
use tavana_domain::registry::RegistryAction;
use tavana_domain::registry::{
    DisabilityFields, DisabilityType, Education, EmploymentStatus, HouseholdFields, MaritalStatus, PersonFields,
    RawDisability, RawHousehold, RawPerson, Relationship, Severity, Sex,
};
use tavana_store::StoreError;
use tavana_store::registry::households::{HOUSEHOLD_SORTS, HouseholdFilter};
use tavana_store::registry::{Household, Person, PersonCursor, PersonQuery, PersonSummary};

/// An ISO date as a Jalali date in ASCII digits, for a form's value.
fn jalali_ascii(iso: &str) -> String {
    Lang::En.date(iso)
}

/// A person in a list, ready to show.
pub struct PersonRow {
    pub id: i64,
    pub national_code: String,
    pub name: String,
    pub father_name: String,
    pub birth: String,
    pub relationship: String,
    pub deceased: bool,
}

fn person_row(lang: Lang, p: &PersonSummary) -> PersonRow {
    PersonRow {
        id: p.id,
        national_code: lang.digits(&p.national_code),
        name: format!("{} {}", p.first_name, p.last_name),
        father_name: p.father_name.clone(),
        birth: lang.date(&p.birth_date),
        relationship: coded_label::<Relationship>(lang, p.relationship.as_deref()),
        deceased: p.deceased_on.is_some(),
    }
}

/// A stored code shown in the language: the Persian label, or the code in English.
fn coded_label<T: Coded>(lang: Lang, code: Option<&str>) -> String {
    match (lang, code) {
        (_, None) => String::new(),
        (Lang::Fa, Some(c)) => T::from_code(c).map(T::label_fa).unwrap_or(c).to_string(),
        (Lang::En, Some(c)) => c.replace('_', " "),
    }
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    national_code: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    father_name: String,
    #[serde(default)]
    birth_year: String,
    #[serde(default)]
    phone: String,
    /// A place code: persons living in it or below it.
    #[serde(default)]
    place: String,
    after: Option<String>,
    /// A download's format.
    #[serde(default)]
    format: crate::tables::TableFormat,
}

impl SearchQuery {
    fn is_empty(&self) -> bool {
        [
            &self.national_code,
            &self.first_name,
            &self.last_name,
            &self.father_name,
            &self.birth_year,
            &self.phone,
            &self.place,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
    }

    fn to_query(&self) -> Result<PersonQuery, DomainError> {
        let text = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
        let birth_year = match text(&self.birth_year) {
            None => None,
            Some(y) => Some(
                tavana_domain::text::to_ascii_digits(&y)
                    .parse::<i32>()
                    .map_err(|_| DomainError::new("birth_year", tavana_domain::error::Reason::NotDigits))?,
            ),
        };
        // The store reads the code as written on the card, on every path.
        Ok(PersonQuery {
            national_code: text(&self.national_code),
            first_name: text(&self.first_name),
            last_name: text(&self.last_name),
            father_name: text(&self.father_name),
            birth_year,
            phone: text(&self.phone),
            place_id: None,
        })
    }

    /// This search's address, for the language switch to come back to.
    fn here(&self) -> String {
        let link = self.link("");
        link.trim_end_matches("after=").trim_end_matches(['&', '?']).to_string()
    }

    /// The query string of the same search, for the next page's link.
    fn link(&self, after: &str) -> String {
        let pairs = [
            ("national_code", &self.national_code),
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
            ("father_name", &self.father_name),
            ("birth_year", &self.birth_year),
            ("phone", &self.phone),
            ("place", &self.place),
        ];
        let mut link = String::from("/registry?");
        for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
            link.push_str(&format!("{k}={}&", url_encode(v)));
        }
        link.push_str(&format!("after={after}"));
        link
    }
}

#[derive(Template)]
#[template(path = "registry_search.html")]
struct SearchPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    q: SearchQuery,
    searched: bool,
    rows: Vec<PersonRow>,
    next: Option<String>,
    error: Option<String>,
    can_edit: bool,
    /// Households waiting for a successor to their head (on the landing page).
    headless: Vec<(i64, String)>,
    /// The national code searched for belongs to a record merged into a result.
    through_merge: bool,
    /// How many match, as shown (on the first page).
    total: Option<String>,
    /// Where the same search downloads as CSV.
    export_href: String,
}

pub async fn search(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Query(q): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let layout = Layout::new(lang, &user, super::texts::texts(lang).registry, Some(Module::Registry), &q.here());
    let can_edit = user.actor.may(Action::Registry(RegistryAction::Edit));
    if q.is_empty() {
        let headless = state.store.households_without_head(&user.actor, 50).await.in_lang(lang)?;
        let page = SearchPage {
            t: super::texts::texts(lang),
            layout,
            q,
            searched: false,
            rows: vec![],
            next: None,
            error: None,
            can_edit,
            headless: headless.into_iter().map(|(id, file)| (id, lang.digits(&file))).collect(),
            through_merge: false,
            total: None,
            export_href: String::new(),
        };
        return Ok(render(StatusCode::OK, &page));
    }
    let place = match q.place.trim() {
        "" => Ok(None),
        code => match state.store.place_by_code(code).await {
            Ok(place) => Ok(Some(place.id)),
            Err(StoreError::NotFound) => Err(DomainError::new("place", tavana_domain::error::Reason::NotInList)),
            Err(e) => return Err(PageError(lang, e.into())),
        },
    };
    let query = match q.to_query().and_then(|query| Ok(PersonQuery { place_id: place?, ..query })) {
        Ok(query) => query,
        Err(e) => {
            let error = Some(message(lang, &e));
            let page = SearchPage {
                t: super::texts::texts(lang),
                layout,
                q,
                searched: false,
                rows: vec![],
                next: None,
                error,
                can_edit,
                headless: vec![],
                through_merge: false,
                total: None,
                export_href: String::new(),
            };
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let cursor = q.after.as_deref().and_then(PersonCursor::decode);
    let result = state.store.search_persons(&user.actor, &query, cursor.as_ref(), 50).await;
    let code = tavana_domain::NationalCode::parse(&q.national_code).map(|c| c.as_string()).unwrap_or_default();
    let through_merge =
        matches!(&result, Ok(page) if !code.is_empty() && page.items.iter().any(|p| p.national_code != code));
    let t = super::texts::texts(lang);
    let export_href = q.here().replacen("/registry", "/registry/search.csv", 1);
    let total = match &result {
        Ok(page) => page.total.map(|n| {
            let figure = lang.number(n);
            if n >= tavana_store::registry::COUNT_LIMIT { format!("{} {figure}", t.at_least) } else { figure }
        }),
        Err(_) => None,
    };
    let (rows, next, error) = match result {
        Ok(page) => (page.items.iter().map(|p| person_row(lang, p)).collect(), page.next.map(|n| q.link(&n)), None),
        Err(StoreError::Invalid(e)) => (vec![], None, Some(message(lang, &e))),
        Err(e) => return Err(PageError(lang, e.into())),
    };
    // A search the store refused (a wrong national code) says why, not "nobody".
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = SearchPage {
        t: super::texts::texts(lang),
        layout,
        q,
        searched: error.is_none(),
        rows,
        next,
        error,
        can_edit,
        headless: vec![],
        through_merge,
        total,
        export_href,
    };
    Ok(render(status, &page))
}

/// The household list's filters and list parameters.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HouseholdsQuery {
    #[serde(default)]
    pub file_number: String,
    #[serde(default)]
    pub place: String,
    #[serde(flatten)]
    pub list: crate::lists::ListParams,
}

impl HouseholdsQuery {
    fn filter(&self) -> HouseholdFilter {
        HouseholdFilter { file_number: self.file_number.clone(), place: self.place.clone() }
    }

    fn filters(&self) -> String {
        use crate::auth::url_encode;
        format!("file_number={}&place={}", url_encode(&self.file_number), url_encode(&self.place))
    }
}

pub struct HouseholdLine {
    pub id: i64,
    pub file_number: String,
    pub place: String,
    pub place_code: String,
    pub members: String,
    pub head: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "households.html")]
struct HouseholdsPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    q: HouseholdsQuery,
    rows: Vec<HouseholdLine>,
    headers: Vec<crate::lists::Header>,
    nav: crate::lists::ListNav,
}

/// The households in the user's scope: filtered, sorted, a page at a time.
pub async fn households(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Query(q): Query<HouseholdsQuery>,
) -> Result<Response, PageError> {
    let t = super::texts::texts(lang);
    let order = q.list.order();
    let page = state.store.household_page(&user.actor, &q.filter(), &order).await.in_lang(lang)?;
    let path = "/registry/households";
    let file_number = crate::forms::label(lang, "file_number");
    let columns = [
        ("file_number", file_number.as_str()),
        ("place", t.place),
        ("members", t.members_count),
        ("head", t.head),
        ("updated", t.updated),
    ];
    let view = HouseholdsPage {
        t,
        layout: Layout::new(lang, &user, t.household_list, Some(Module::Registry), path),
        rows: page
            .rows
            .iter()
            .map(|h| HouseholdLine {
                id: h.id,
                file_number: h.file_number.clone(),
                place: format!("{}، {}", h.place, h.county),
                place_code: h.place_code.clone(),
                members: lang.number(h.members),
                head: h.head.clone().unwrap_or_default(),
                updated: lang.instant(h.updated_at),
            })
            .collect(),
        headers: crate::lists::headers(path, &q.filters(), &columns, HOUSEHOLD_SORTS, &order),
        nav: crate::lists::nav(lang, path, "/registry/households/download", &q.filters(), &order, &page),
        q,
    };
    Ok(render(StatusCode::OK, &view))
}

/// The households a filter finds, as CSV or XLSX, in the list's order.
pub async fn households_download(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Query(q): Query<HouseholdsQuery>,
) -> Result<Response, PageError> {
    let mut out = Vec::new();
    state.store.export_households(&user.actor, &q.filter(), &q.list.order(), &mut out).await.in_lang(lang)?;
    Ok(crate::tables::download(lang, "households", q.list.format, out))
}

/// The persons a search finds, as a CSV file (summaries, logged as an export).
pub async fn export_search(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Query(q): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let place = match q.place.trim() {
        "" => None,
        code => Some(state.store.place_by_code(code).await.in_lang(lang)?.id),
    };
    let query = q
        .to_query()
        .map(|query| PersonQuery { place_id: place, ..query })
        .map_err(|e| PageError(lang, StoreError::Invalid(e).into()))?;
    let mut out = Vec::new();
    state.store.export_search(&user.actor, &query, &mut out).await.in_lang(lang)?;
    Ok(crate::tables::download(lang, "persons", q.format, out))
}

#[derive(Template)]
#[template(path = "record_form.html")]
struct RecordForm {
    layout: Layout,
    action: String,
    fields: Vec<FormField>,
    /// Hidden inputs besides the CSRF token.
    hidden: Vec<(&'static str, String)>,
    has_errors: bool,
    ask_reason: bool,
    reason: String,
    reason_error: Option<String>,
    /// The villages and cities a household's place is picked from: code, label.
    places: Vec<(String, String)>,
    /// Whether the form has a place to pick (its suggestions and their script).
    offers_places: bool,
}

fn household_specs() -> Vec<(&'static str, Kind, bool)> {
    vec![
        ("file_number", Kind::Ltr, true),
        ("place", Kind::Place, true),
        ("address", Kind::Text, false),
        ("postal_code", Kind::Ltr, false),
        ("phone", Kind::Ltr, false),
    ]
}

fn person_specs(editing: bool) -> Vec<(&'static str, Kind, bool)> {
    let coded = |options, optional| Kind::Coded { options, optional };
    let mut specs = vec![
        ("national_code", Kind::Ltr, true),
        ("household", Kind::Ltr, true),
        ("relationship", coded(coded_options::<Relationship>(), false), true),
        ("first_name", Kind::Text, true),
        ("last_name", Kind::Text, true),
        ("father_name", Kind::Text, true),
        ("birth_date", Kind::Date, true),
        ("sex", coded(coded_options::<Sex>(), false), true),
        ("marital_status", coded(coded_options::<MaritalStatus>(), true), false),
        ("education", coded(coded_options::<Education>(), true), false),
        ("employment", coded(coded_options::<EmploymentStatus>(), true), false),
        ("income", Kind::Ltr, false),
        ("income_decile", Kind::Ltr, false),
        ("sheba", Kind::Ltr, false),
        ("phone", Kind::Ltr, false),
    ];
    if editing {
        specs.push(("deceased_on", Kind::Date, false));
    }
    specs
}

fn form_page(
    lang: Lang,
    user: &SessionUser,
    title: &str,
    action: String,
    fields: Vec<FormField>,
    hidden: Vec<(&'static str, String)>,
    reason: Option<(String, Option<String>)>,
) -> RecordForm {
    let has_errors = fields.iter().any(|f| f.error.is_some()) || reason.as_ref().is_some_and(|(_, e)| e.is_some());
    let (ask_reason, reason, reason_error) = match reason {
        Some((text, error)) => (true, text, error),
        None => (false, String::new(), None),
    };
    RecordForm {
        layout: Layout::new(lang, user, title, Some(Module::Registry), &action),
        action,
        fields,
        hidden,
        has_errors,
        ask_reason,
        reason,
        reason_error,
        places: Vec::new(),
        offers_places: false,
    }
}

/// The most places a form lists as suggestions at once; beyond it the county is
/// picked first and the page asks for that county's places.
const MOST_PLACES_LISTED: usize = 3_000;

/// The places of the user's offices to pick a household's place from, and the
/// counties to narrow them by when the offices cover several.
async fn places_to_pick(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
) -> Result<(Vec<(String, String)>, Vec<(String, String)>), PageError> {
    let counties = state.store.home_counties(&user.actor).await.in_lang(lang)?;
    let counties: Vec<(String, String)> = if counties.len() > 1 {
        counties.into_iter().map(|(code, name, province)| (code, format!("{name}، {province}"))).collect()
    } else {
        Vec::new()
    };
    let mut places = place_choices(state.store.home_places(&user.actor, None).await.in_lang(lang)?);
    if places.len() > MOST_PLACES_LISTED {
        places.clear();
    }
    Ok((places, counties))
}

fn place_choices(places: Vec<(String, String, String, String)>) -> Vec<(String, String)> {
    places.into_iter().map(|(code, name, county, province)| (code, format!("{name}، {county}، {province}"))).collect()
}

/// Puts the places to pick on a household form: the suggestions, and the
/// counties that narrow them on the place field.
async fn offer_places(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    page: &mut RecordForm,
) -> Result<(), PageError> {
    let (places, counties) = places_to_pick(state, lang, user).await?;
    page.places = places;
    page.offers_places = true;
    if let Some(field) = page.fields.iter_mut().find(|f| f.list == Some("places")) {
        field.narrow = counties;
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct PlacesQuery {
    #[serde(default)]
    county: String,
}

#[derive(serde::Serialize)]
pub struct PlaceChoice {
    code: String,
    label: String,
}

/// The villages and cities of one county of the user's offices, for the place
/// field's suggestions once its county is picked (none outside the user's scope).
pub async fn places(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Query(q): Query<PlacesQuery>,
) -> Result<axum::Json<Vec<PlaceChoice>>, PageError> {
    require_edit(lang, &user)?;
    let county = tavana_domain::text::to_ascii_digits(q.county.trim());
    if county.is_empty() {
        return Ok(axum::Json(Vec::new()));
    }
    let places = state.store.home_places(&user.actor, Some(&county)).await.in_lang(lang)?;
    Ok(axum::Json(place_choices(places).into_iter().map(|(code, label)| PlaceChoice { code, label }).collect()))
}

fn require_edit(lang: Lang, user: &SessionUser) -> Result<(), PageError> {
    if user.actor.may(Action::Registry(RegistryAction::Edit)) {
        Ok(())
    } else {
        Err(PageError(lang, StoreError::Forbidden("change the registry").into()))
    }
}

fn json<T: serde::Serialize>(raw: &T) -> serde_json::Value {
    serde_json::to_value(raw).unwrap_or_default()
}

pub async fn new_household(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
) -> Result<Response, PageError> {
    require_edit(lang, &user)?;
    let fields = fields(lang, household_specs(), &json(&RawHousehold::default()), &[]);
    let mut page = form_page(
        lang,
        &user,
        super::texts::texts(lang).new_household,
        "/registry/households".into(),
        fields,
        vec![],
        None,
    );
    offer_places(&state, lang, &user, &mut page).await?;
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct WithCsrf<T> {
    csrf: String,
    #[serde(flatten)]
    record: T,
}

/// Turns a store refusal of a form's input into field errors; anything else is an
/// error page.
fn form_errors(lang: Lang, e: StoreError) -> Result<Vec<DomainError>, PageError> {
    match e {
        StoreError::Invalid(d) => Ok(vec![d]),
        StoreError::Conflict { field } => {
            let field: &'static str = match field.as_str() {
                "file_number" => "file_number",
                "national_code" => "national_code",
                "assessment" => "assessed_on",
                _ => "version",
            };
            Ok(vec![DomainError::new(field, tavana_domain::error::Reason::Taken)])
        }
        other => Err(PageError(lang, other.into())),
    }
}

pub async fn create_household(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(form): Form<WithCsrf<RawHousehold>>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let errors = match HouseholdFields::parse(&form.record) {
        Ok(fields) => match state.store.create_household(&user.actor, &fields, "registration").await {
            Ok(h) => return Ok(Redirect::to(&format!("/registry/households/{}", h.id)).into_response()),
            Err(e) => form_errors(lang, e)?,
        },
        Err(errors) => errors,
    };
    let fields = fields(lang, household_specs(), &json(&form.record), &errors);
    let mut page = form_page(
        lang,
        &user,
        super::texts::texts(lang).new_household,
        "/registry/households".into(),
        fields,
        vec![],
        None,
    );
    offer_places(&state, lang, &user, &mut page).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    place: String,
    place_code: String,
    address: String,
    postal_code: String,
    phone: String,
    members: Vec<PersonRow>,
    can_edit: bool,
    add_member_href: String,
    id: i64,
    /// No living head: the living members who may succeed.
    successors: Option<Vec<(i64, String)>>,
    message: Option<String>,
}

pub async fn household(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    household_page(&state, lang, &user, id, None).await
}

#[derive(Deserialize)]
pub struct SuccessionForm {
    csrf: String,
    #[serde(default)]
    person: String,
}

/// Records who succeeds as head of a household without a living head.
pub async fn succeed_head(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<SuccessionForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let person = form.person.parse::<i64>().unwrap_or(-1);
    match state.store.succeed_head(&user.actor, id, person, "succession").await {
        Ok(_) => Ok(Redirect::to(&format!("/registry/households/{id}")).into_response()),
        Err(StoreError::Invalid(e)) => household_page(&state, lang, &user, id, Some(message(lang, &e))).await,
        Err(e) => Err(PageError(lang, e.into())),
    }
}

async fn household_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    id: i64,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let h = state.store.household(&user.actor, id).await.in_lang(lang)?;
    let members = state.store.household_members(&user.actor, id).await.in_lang(lang)?;
    let living: Vec<&PersonSummary> = members.iter().filter(|m| m.deceased_on.is_none()).collect();
    let headless = !living.is_empty() && !living.iter().any(|m| m.relationship.as_deref() == Some("head"));
    let successors =
        headless.then(|| living.iter().map(|m| (m.id, format!("{} {}", m.first_name, m.last_name))).collect());
    let title = format!("{} {}", super::texts::texts(lang).household, h.values.file_number);
    let page = HouseholdPage {
        t: super::texts::texts(lang),
        layout: Layout::new(lang, user, &title, Some(Module::Registry), &format!("/registry/households/{id}")),
        add_member_href: format!("/registry/persons/new?household={}", url_encode(&h.values.file_number)),
        place: format!("{}، {}", h.place_name_fa, h.county_name_fa),
        place_code: h.place_code,
        address: h.values.address.unwrap_or_default(),
        postal_code: lang.digits(&h.values.postal_code.unwrap_or_default()),
        phone: lang.digits(&h.values.phone.unwrap_or_default()),
        members: members.iter().map(|p| person_row(lang, p)).collect(),
        can_edit: user.actor.may(Action::Registry(RegistryAction::Edit)),
        id,
        successors,
        message: notice,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct NewPersonQuery {
    #[serde(default)]
    household: String,
}

pub async fn new_person(lang: Lang, user: SessionUser, Query(q): Query<NewPersonQuery>) -> Result<Response, PageError> {
    require_edit(lang, &user)?;
    let raw = RawPerson { household: q.household, ..RawPerson::default() };
    let fields = fields(lang, person_specs(false), &json(&raw), &[]);
    let page =
        form_page(lang, &user, super::texts::texts(lang).new_person, "/registry/persons".into(), fields, vec![], None);
    Ok(render(StatusCode::OK, &page))
}

pub async fn create_person(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Form(form): Form<WithCsrf<RawPerson>>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let errors = match PersonFields::parse(&form.record, state.store.today()) {
        Ok(fields) => match state.store.register_person(&user.actor, &fields, "registration").await {
            Ok(p) => return Ok(Redirect::to(&format!("/registry/persons/{}", p.id)).into_response()),
            Err(e) => form_errors(lang, e)?,
        },
        Err(errors) => errors,
    };
    let fields = fields(lang, person_specs(false), &json(&form.record), &errors);
    let page =
        form_page(lang, &user, super::texts::texts(lang).new_person, "/registry/persons".into(), fields, vec![], None);
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// A fact about a person, labelled.
pub struct Fact {
    pub label: String,
    pub value: String,
    pub ltr: bool,
}

/// One state in a person's history.
pub struct HistoryRow {
    pub version: String,
    pub when: String,
    pub who: String,
    pub unit: String,
    pub reason: String,
    pub changes: String,
}

pub struct DisabilityRow {
    pub kind: String,
    pub severity: String,
    pub commission: String,
    pub assessed_on: String,
    pub valid_until: String,
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    t: &'static super::texts::Texts,
    layout: Layout,
    id: i64,
    household_id: i64,
    facts: Vec<Fact>,
    disabilities: Vec<DisabilityRow>,
    history: Vec<HistoryRow>,
    can_edit: bool,
    disability_form: Vec<FormField>,
    disability_open: bool,
    /// Programs whose eligibility can be explained for this person.
    programs: Vec<(i64, String)>,
    /// Decisions on the person's enrollments, newest first.
    decisions: Vec<DecisionView>,
    /// Whether the user may open a decision's letter and appeal (the cases module).
    letters: bool,
    /// The person's travel discount cards, newest first.
    cards: Vec<CardView>,
    /// The record this one was merged into, when it was.
    merged_into: Option<i64>,
    /// The records merged into this one: id and national code.
    merged_here: Vec<(i64, String)>,
    /// The household's other members.
    members: Vec<PersonRow>,
    /// A save just made, to confirm.
    saved: bool,
    /// The revocations of the person's travel cards, listed among their decisions.
    card_decisions: Vec<CardDecisionView>,
    /// Whether the user takes applications for this person.
    may_apply: bool,
    /// The person's applications: id, program, state.
    applications: Vec<(i64, String, String)>,
    /// Whether the user receives grievances for this person.
    may_grieve: bool,
}

/// A decision on one of the person's enrollments, as shown.
/// A travel discount card as shown on its holder's page.
pub struct CardView {
    pub number: String,
    pub valid_until: String,
    pub state: String,
    pub in_force: bool,
}

/// A travel card's revocation, listed among the person's decisions.
pub struct CardDecisionView {
    pub card: String,
    pub reasons: String,
    pub legal_basis: String,
    pub when: String,
    pub by: String,
    pub appeal_until: String,
}

pub struct DecisionView {
    pub id: i64,
    pub appeal_until: String,
    pub program_id: i64,
    pub program: String,
    pub change: String,
    pub amount: String,
    pub reasons: String,
    pub legal_basis: String,
    pub when: String,
    pub by: String,
}

fn person_facts(lang: Lang, person: &Person, today: time::Date, household: Option<&Household>) -> Vec<Fact> {
    let p = &person.values;
    let fact = |field: &str, value: String, ltr: bool| Fact {
        label: crate::forms::label(lang, field),
        value: if value.is_empty() { "—".into() } else { value },
        ltr,
    };
    let t = super::texts::texts(lang);
    let income = p.income_rials.map(|r| match lang {
        Lang::Fa => tavana_domain::Rials::new(r).to_persian_rials(),
        Lang::En => format!("{} IRR", tavana_domain::Rials::new(r).grouped()),
    });
    vec![
        fact("national_code", lang.digits(&p.national_code), true),
        fact("household", person.household_file.clone(), true),
        fact("relationship", coded_label::<Relationship>(lang, Some(&p.relationship)), false),
        fact("father_name", p.father_name.clone(), false),
        fact("birth_date", lang.date(&p.birth_date), true),
        Fact { label: t.age.to_string(), value: age(lang, &p.birth_date, p.deceased_on.as_deref(), today), ltr: false },
        Fact {
            label: t.address.to_string(),
            value: household
                .map(|h| {
                    let street = h.values.address.clone().unwrap_or_default();
                    let place = h.place_name_fa.clone();
                    if street.is_empty() { place } else { format!("{place}، {}", lang.digits(&street)) }
                })
                .unwrap_or_default(),
            ltr: false,
        },
        fact("sex", coded_label::<Sex>(lang, Some(&p.sex)), false),
        fact("marital_status", coded_label::<MaritalStatus>(lang, p.marital_status.as_deref()), false),
        fact("education", coded_label::<Education>(lang, p.education.as_deref()), false),
        fact("employment", coded_label::<EmploymentStatus>(lang, p.employment.as_deref()), false),
        fact("income", income.unwrap_or_default(), false),
        fact("income_decile", lang.digits(&p.income_decile.map(|d| d.to_string()).unwrap_or_default()), false),
        fact("sheba", p.sheba.clone().unwrap_or_default(), true),
        fact("bank", bank_name(lang, p.sheba.as_deref()), false),
        fact("phone", lang.digits(&p.phone.clone().unwrap_or_default()), true),
        Fact {
            label: super::texts::texts(lang).status.to_string(),
            value: match &p.deceased_on {
                Some(d) => format!("{} ({})", t.deceased, lang.date(d)),
                None => t.alive.to_string(),
            },
            ltr: false,
        },
    ]
}

/// A person's age in whole Jalali years, today or at death.
fn age(lang: Lang, birth: &str, died: Option<&str>, today: time::Date) -> String {
    let on = |iso: &str| {
        time::Date::parse(iso, time::macros::format_description!("[year]-[month]-[day]"))
            .ok()
            .and_then(|d| tavana_domain::JalaliDate::from_gregorian(d).ok())
    };
    let end = died.and_then(on).or_else(|| tavana_domain::JalaliDate::from_gregorian(today).ok());
    match (on(birth), end) {
        (Some(born), Some(end)) => end
            .age_of(born)
            .map(|years| format!("{} {}", lang.digits(&years.to_string()), super::texts::texts(lang).years))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// The bank a SHEBA number is with, by its bank code.
fn bank_name(lang: Lang, sheba: Option<&str>) -> String {
    let bank = sheba.and_then(|s| tavana_domain::Sheba::parse(s).ok()).map(|s| (s.bank_code(), s.bank()));
    match (bank, lang) {
        (None, _) => String::new(),
        (Some((_, Some(b))), Lang::Fa) => b.name_fa.to_string(),
        (Some((_, Some(b))), Lang::En) => b.name_en.to_string(),
        (Some((code, None)), Lang::Fa) => format!("کد بانک ناشناخته {}", lang.digits(&code)),
        (Some((code, None)), Lang::En) => format!("unknown bank code {code}"),
    }
}

/// A reason the system itself gives, in the language; people's own reasons as written.
fn reason_label(lang: Lang, reason: &str) -> String {
    let (fa, en) = match reason {
        "registration" => ("ثبت نام", "registration"),
        "import" => ("ورود از پرونده", "import from a file"),
        "assessment" => ("ارزیابی", "assessment"),
        other => return other.to_string(),
    };
    match lang {
        Lang::Fa => fa.to_string(),
        Lang::En => en.to_string(),
    }
}

/// Which fields differ between two stored states, by their labels.
fn changed_fields(lang: Lang, newer: &serde_json::Value, older: &serde_json::Value) -> String {
    const SHOWN: [&str; 16] = [
        "household_file",
        "relationship",
        "first_name",
        "last_name",
        "father_name",
        "birth_date",
        "sex",
        "marital_status",
        "education",
        "employment",
        "income_rials",
        "income_decile",
        "sheba",
        "phone",
        "deceased_on",
        "unit_id",
    ];
    // Each change as "field: old ← new" (right to left), values isolated from
    // the Persian text around them.
    let value = |field: &str, v: Option<&serde_json::Value>| -> String {
        let text = match v {
            None | Some(serde_json::Value::Null) => return "—".into(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        let shown = match field {
            "birth_date" | "deceased_on" => lang.date(&text),
            "relationship" => coded_label::<Relationship>(lang, Some(&text)),
            "sex" => coded_label::<Sex>(lang, Some(&text)),
            "marital_status" => coded_label::<MaritalStatus>(lang, Some(&text)),
            "education" => coded_label::<Education>(lang, Some(&text)),
            "employment" => coded_label::<EmploymentStatus>(lang, Some(&text)),
            _ => lang.digits(&text),
        };
        format!("\u{2068}{shown}\u{2069}")
    };
    let arrow = if lang == Lang::Fa { " ← " } else { " → " };
    SHOWN
        .iter()
        .filter(|f| newer.get(**f) != older.get(**f))
        .map(|f| {
            let name = match *f {
                "household_file" => "household",
                "income_rials" => "income",
                other => other,
            };
            format!(
                "{}: {}{arrow}{}",
                crate::forms::label(lang, name),
                value(f, older.get(*f)),
                value(f, newer.get(*f))
            )
        })
        .collect::<Vec<_>>()
        .join("؛ ")
}

fn disability_specs() -> Vec<(&'static str, Kind, bool)> {
    vec![
        ("kind", Kind::Coded { options: coded_options::<DisabilityType>(), optional: false }, true),
        ("severity", Kind::Coded { options: coded_options::<Severity>(), optional: false }, true),
        ("commission", Kind::Text, false),
        ("assessed_on", Kind::Date, true),
        ("valid_until", Kind::Date, false),
    ]
}

async fn person_page(
    state: &AppState,
    lang: Lang,
    user: &SessionUser,
    id: i64,
    disability: (&RawDisability, &[DomainError]),
    saved: bool,
) -> Result<Response, PageError> {
    let p = state.store.person(&user.actor, id).await.in_lang(lang)?;
    let history = state.store.person_history(&user.actor, id).await.in_lang(lang)?;
    let disabilities = state.store.disabilities(&user.actor, id).await.in_lang(lang)?;
    let states: Vec<serde_json::Value> =
        history.iter().map(|v| serde_json::from_str(&v.data).unwrap_or_default()).collect();
    let history_rows = history
        .iter()
        .enumerate()
        .map(|(i, v)| HistoryRow {
            version: lang.digits(&v.version.to_string()),
            when: lang.instant(v.changed_at),
            who: v.changed_by_name.clone().unwrap_or_else(|| super::texts::texts(lang).system.to_string()),
            unit: v.unit_name_fa.clone().unwrap_or_default(),
            reason: reason_label(lang, &v.reason),
            changes: states.get(i + 1).map(|older| changed_fields(lang, &states[i], older)).unwrap_or_default(),
        })
        .collect();
    let disability_rows = disabilities
        .iter()
        .map(|d| DisabilityRow {
            kind: coded_label::<DisabilityType>(lang, Some(&d.values.kind)),
            severity: coded_label::<Severity>(lang, Some(&d.values.severity)),
            commission: d.values.commission.clone().unwrap_or_default(),
            assessed_on: lang.date(&d.values.assessed_on),
            valid_until: d.values.valid_until.as_deref().map(|v| lang.date(v)).unwrap_or_default(),
        })
        .collect();
    let title = format!("{} {}", p.values.first_name, p.values.last_name);
    let (raw, errors) = disability;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let (programs, decisions) = if user.actor.may(Action::Open(Module::Programs)) {
        let list = state.store.programs(&user.actor).await.in_lang(lang)?;
        let decisions = state.store.person_decisions(&user.actor, id).await.in_lang(lang)?;
        let state_label = |code: &str| {
            tavana_domain::programs::EnrollmentState::from_code(code)
                .map(|s| if lang == Lang::Fa { s.label_fa().to_string() } else { code.replace('_', " ") })
                .unwrap_or_else(|| code.to_string())
        };
        let decisions = decisions
            .into_iter()
            .map(|d| DecisionView {
                id: d.id,
                appeal_until: lang.date(&d.appeal_until),
                program_id: d.program_id,
                program: d.program_name_fa,
                change: format!(
                    "{} ← {}",
                    state_label(&d.to_state),
                    d.from_state.as_deref().map(state_label).unwrap_or_else(|| "—".into())
                ),
                amount: d.amount_rials.map(|a| lang.number(a)).unwrap_or_default(),
                reasons: d.reasons,
                legal_basis: d.legal_basis,
                when: lang.instant(d.decided_at),
                by: d.decided_by.unwrap_or_default(),
            })
            .collect();
        (list.into_iter().map(|p| (p.id, if lang == Lang::Fa { p.name_fa } else { p.name_en })).collect(), decisions)
    } else {
        (Vec::new(), Vec::new())
    };
    let t = super::texts::texts(lang);
    let held = state.store.person_travel_cards(&user.actor, id).await.in_lang(lang)?;
    let reason = |c: &tavana_store::cards::TravelCard| {
        c.revoke_reason.as_deref().and_then(tavana_domain::cards::RevokeReason::from_code).map(|why| lang.coded(why))
    };
    let card_decisions = held
        .iter()
        .filter_map(|c| {
            Some(CardDecisionView {
                card: format!("{} {}", t.travel_card, lang.digits(&c.number)),
                reasons: reason(c)?,
                legal_basis: c.legal_basis.clone()?,
                when: c.revoked_at.map(|at| lang.instant(at)).unwrap_or_default(),
                by: c.revoked_by_name.clone().unwrap_or_else(|| t.the_system.to_string()),
                appeal_until: c.appeal_until.as_deref().map(|d| lang.date(d)).unwrap_or_default(),
            })
        })
        .collect();
    let cards = held
        .iter()
        .map(|c| CardView {
            state: match reason(c) {
                Some(why) => format!("{}: {why}", t.card_revoked),
                None => t.card_in_force.to_string(),
            },
            in_force: c.revoked_on.is_none(),
            number: lang.digits(&c.number),
            valid_until: lang.date(&c.valid_until),
        })
        .collect();
    let may_apply = user.actor.may(Action::Applications(tavana_domain::applications::ApplicationAction::Take))
        && p.merged_into.is_none();
    let applications = if may_apply {
        let filter = tavana_store::applications::ApplicationFilter { person_id: Some(id), ..Default::default() };
        state
            .store
            .applications(&user.actor, &filter, 100)
            .await
            .in_lang(lang)?
            .into_iter()
            .map(|a| (a.id, a.program_name_fa, lang.coded(a.state)))
            .collect()
    } else {
        Vec::new()
    };
    let merged_here = state.store.merged_into_person(&user.actor, id).await.in_lang(lang)?;
    let household = state.store.household(&user.actor, p.values.household_id).await.ok();
    let members = match &household {
        Some(h) => state.store.household_members(&user.actor, h.id).await.in_lang(lang)?,
        None => Vec::new(),
    };
    let page = PersonPage {
        t: super::texts::texts(lang),
        layout: Layout::new(lang, user, &title, Some(Module::Registry), &format!("/registry/persons/{id}")),
        id,
        household_id: p.values.household_id,
        facts: person_facts(lang, &p, state.store.today(), household.as_ref()),
        members: members.iter().filter(|m| m.id != id).map(|m| person_row(lang, m)).collect(),
        saved,
        disabilities: disability_rows,
        history: history_rows,
        // A merged record stands only as a pointer to the one that stays.
        can_edit: user.actor.may(Action::Registry(RegistryAction::Edit)) && p.merged_into.is_none(),
        merged_into: p.merged_into,
        merged_here: merged_here.iter().map(|m| (m.id, lang.digits(&m.national_code))).collect(),
        disability_form: fields(lang, disability_specs(), &json(raw), errors),
        disability_open: !errors.is_empty(),
        programs,
        decisions,
        letters: user.actor.may(Action::Open(Module::Cases)),
        cards,
        card_decisions,
        may_apply,
        applications,
        may_grieve: user.actor.may(Action::Cases(tavana_domain::cases::CaseAction::HandleGrievances))
            && p.merged_into.is_none(),
    };
    Ok(render(status, &page))
}

#[derive(Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

pub async fn person(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    person_page(&state, lang, &user, id, (&RawDisability::default(), &[]), q.saved.is_some()).await
}

/// The person as the edit form shows it: the stored record, dates in Jalali.
fn raw_of(p: &Person) -> RawPerson {
    let raw = p.raw();
    let deceased_on = if raw.deceased_on.is_empty() { String::new() } else { jalali_ascii(&raw.deceased_on) };
    RawPerson { birth_date: jalali_ascii(&raw.birth_date), deceased_on, ..raw }
}

pub async fn edit_person(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    require_edit(lang, &user)?;
    let p = state.store.person(&user.actor, id).await.in_lang(lang)?;
    let title = format!("{} {} {}", super::texts::texts(lang).edit, p.values.first_name, p.values.last_name);
    let fields = fields(lang, person_specs(true), &json(&raw_of(&p)), &[]);
    let hidden = vec![("version", p.version.to_string())];
    let page =
        form_page(lang, &user, &title, format!("/registry/persons/{id}"), fields, hidden, Some((String::new(), None)));
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct EditForm {
    csrf: String,
    version: i64,
    #[serde(default)]
    reason: String,
    #[serde(flatten)]
    record: RawPerson,
}

pub async fn update_person(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<EditForm>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let mut reason_error = None;
    let errors = match PersonFields::parse(&form.record, state.store.today()) {
        Ok(fields) => match state.store.update_person(&user.actor, id, &fields, form.version, &form.reason).await {
            Ok(_) => return Ok(Redirect::to(&format!("/registry/persons/{id}?saved=1")).into_response()),
            Err(e) => {
                let mut errors = form_errors(lang, e)?;
                if let Some(i) = errors.iter().position(|e| e.field == "reason") {
                    reason_error = Some(message(lang, &errors.remove(i)));
                }
                errors
            }
        },
        Err(errors) => errors,
    };
    let version_conflict = errors.iter().any(|e| e.field == "version");
    let mut fields = fields(lang, person_specs(true), &json(&form.record), &errors);
    if version_conflict {
        // Someone changed the person meanwhile: say so at the top of the form.
        fields.insert(
            0,
            FormField {
                name: "version",
                label: crate::forms::label(lang, "version"),
                value: form.version.to_string(),
                error: errors.iter().find(|e| e.field == "version").map(|e| message(lang, e)),
                options: vec![],
                ltr: true,
                required: false,
                hint: None,
                list: None,
                narrow: Vec::new(),
            },
        );
    }
    let title = super::texts::texts(lang).edit.to_string();
    let hidden = vec![("version", form.version.to_string())];
    let page = form_page(
        lang,
        &user,
        &title,
        format!("/registry/persons/{id}"),
        fields,
        hidden,
        Some((form.reason.clone(), reason_error)),
    );
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

pub async fn add_disability(
    State(state): State<AppState>,
    lang: Lang,
    user: SessionUser,
    Path(id): Path<i64>,
    Form(form): Form<WithCsrf<RawDisability>>,
) -> Result<Response, PageError> {
    if !user.check_csrf(&form.csrf) {
        return Err(PageError(lang, Problem::csrf()));
    }
    let p = state.store.person(&user.actor, id).await.in_lang(lang)?;
    let raw = RawDisability { national_code: p.values.national_code, ..form.record };
    let errors = match DisabilityFields::parse(&raw, state.store.today()) {
        Ok(fields) => match state.store.add_disability(&user.actor, &fields, "assessment").await {
            Ok(_) => return Ok(Redirect::to(&format!("/registry/persons/{id}?saved=1")).into_response()),
            Err(e) => form_errors(lang, e)?,
        },
        Err(errors) => errors,
    };
    person_page(&state, lang, &user, id, (&raw, &errors), false).await
}
