//! The comprehensive database (پایگاه جامع): households, persons and disability
//! assessments, scoped to the actor's org unit, with every previous state kept.
//!
//! One path changes a record: the current row is copied to `record_versions` (with
//! who made that state, when, from which unit and why), then updated with its
//! version raised. Registration, edits and life events all take it.

pub mod duplicates;
pub mod export;
pub mod households;
pub mod import;
pub mod seal;

use crate::access::{authorize, out_of_scope_is_invalid, require, unit_path};
use crate::audit::{AuditEvent, Sensitive};
use crate::db::{Store, WriteTx};
use crate::sql::Sql;
use crate::{Result, StoreError};
use serde::Serialize;
use serde_json::json;
use tavana_domain::error::{DomainError, Reason};
use tavana_domain::events::{Event, EventKind};
use tavana_domain::iam::{Action, Actor, Module};
use tavana_domain::registry::RegistryAction;
use tavana_domain::registry::{DisabilityFields, HouseholdFields, PersonFields, RawPerson, Relationship};
use tavana_domain::text::search_key;

/// A household as stored: its columns ([`HouseholdValues`]) with its place's name
/// and its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Household {
    pub id: i64,
    pub place_name_fa: String,
    /// The village's or city's code (`08-01-D1-V1`).
    pub place_code: String,
    pub county_name_fa: String,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub values: HouseholdValues,
    pub version: i64,
    pub updated_at: i64,
    #[serde(skip)]
    pub unit_path: String,
}

/// A person as stored: the record's columns ([`PersonValues`], the one list that
/// registration, edits, imports, exports and the API share) and its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub id: i64,
    /// The household's file number.
    pub household_file: String,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub values: PersonValues,
    /// Send it back when changing the person.
    pub version: i64,
    pub updated_at: i64,
    pub updated_by: Option<i64>,
    pub change_reason: String,
    /// The person this one was merged into, as a duplicate.
    pub merged_into: Option<i64>,
    #[serde(skip)]
    pub unit_path: String,
}

impl Person {
    /// The record as it would be typed or written to a file: what an edit form
    /// starts from and what an export writes.
    pub fn raw(&self) -> RawPerson {
        let v = &self.values;
        RawPerson {
            national_code: v.national_code.clone(),
            household: self.household_file.clone(),
            relationship: v.relationship.clone(),
            first_name: v.first_name.clone(),
            last_name: v.last_name.clone(),
            father_name: v.father_name.clone(),
            birth_date: v.birth_date.clone(),
            sex: v.sex.clone(),
            marital_status: v.marital_status.clone().unwrap_or_default(),
            education: v.education.clone().unwrap_or_default(),
            employment: v.employment.clone().unwrap_or_default(),
            income: v.income_rials.map(|r| r.to_string()).unwrap_or_default(),
            income_decile: v.income_decile.map(|d| d.to_string()).unwrap_or_default(),
            sheba: v.sheba.clone().unwrap_or_default(),
            phone: v.phone.clone().unwrap_or_default(),
            deceased_on: v.deceased_on.clone().unwrap_or_default(),
            bank: v
                .sheba
                .as_deref()
                .and_then(|s| tavana_domain::Sheba::parse(s).ok())
                .and_then(|s| s.bank())
                .map(|b| b.name_fa.to_string())
                .unwrap_or_default(),
            record_version: self.version.to_string(),
        }
    }
}

/// A person in a list: enough to tell people apart, nothing sensitive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonSummary {
    pub id: i64,
    pub national_code: String,
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    pub birth_date: String,
    pub relationship: Option<String>,
    pub deceased_on: Option<String>,
    #[serde(skip)]
    pub last_key: String,
    #[serde(skip)]
    pub first_key: String,
}

/// A disability assessment as stored: its columns ([`DisabilityValues`]) and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Disability {
    pub id: i64,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub values: DisabilityValues,
    pub version: i64,
}

/// The columns of a [`Disability`].
const DISABILITY_SELECT: &str = "SELECT id, person_id, province_id, unit_id, kind, severity, commission, assessed_on, \
     valid_until, version FROM disabilities";

/// One state of a record in its history, newest first: what it was, who made it so,
/// when, from which unit and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RecordVersion {
    pub version: i64,
    pub data: String,
    pub changed_at: i64,
    pub changed_by: Option<i64>,
    pub changed_by_name: Option<String>,
    pub unit_name_fa: Option<String>,
    pub reason: String,
}

/// What to search persons by; every filter is optional and they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PersonQuery {
    pub national_code: Option<String>,
    /// A prefix of the first name, matched on its search key.
    pub first_name: Option<String>,
    /// A prefix of the last name, matched on its search key.
    pub last_name: Option<String>,
    /// The father's name, matched whole on its search key.
    pub father_name: Option<String>,
    /// A year of birth: Jalali when below 1700 (1360), else Gregorian (1981).
    pub birth_year: Option<i32>,
    pub phone: Option<String>,
    /// A place: the persons whose household lives in it or below it.
    pub place_id: Option<i64>,
}

/// Where a page of search results ends: the next page starts after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PersonCursor {
    pub last_key: String,
    pub first_key: String,
    pub id: i64,
}

impl PersonCursor {
    /// The cursor as one opaque token for URLs: the three parts, hex-encoded.
    pub fn encode(&self) -> String {
        let text = format!("{}\u{1f}{}\u{1f}{}", self.last_key, self.first_key, self.id);
        tavana_domain::audit::to_hex(text.as_bytes())
    }

    pub fn decode(token: &str) -> Option<Self> {
        let bytes = tavana_domain::audit::from_hex(token)?;
        let text = String::from_utf8(bytes).ok()?;
        let mut parts = text.split('\u{1f}');
        let (last_key, first_key, id) = (parts.next()?, parts.next()?, parts.next()?.parse().ok()?);
        Some(Self { last_key: last_key.into(), first_key: first_key.into(), id })
    }
}

/// A page of results and the cursor of the next page, if there is one.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
    /// On the first page: how many match in all, counted up to [`COUNT_LIMIT`]
    /// (a count of `COUNT_LIMIT` means at least that many).
    pub total: Option<i64>,
}

/// The most rows an export of a search writes.
pub const SEARCH_EXPORT_LIMIT: u64 = crate::lists::EXPORT_LIMIT as u64;

/// The most a list counts before it says "at least".
pub const COUNT_LIMIT: i64 = crate::lists::COUNT_LIMIT;

const HOUSEHOLD_SELECT: &str = "SELECT h.id, p.name_fa AS place_name_fa, p.code AS place_code, \
     c.name_fa AS county_name_fa, h.file_number, h.province_id, h.unit_id, h.place_id, \
     h.address, h.postal_code, h.phone, h.version, h.updated_at, o.path AS unit_path \
     FROM households h JOIN places p ON p.id = h.place_id JOIN places c ON c.id = p.county_id \
     JOIN org_units o ON o.id = h.unit_id";

/// A person's row with its household's file number and its unit's path: the
/// columns of [`PersonValues`] ([`person_value_columns`]) and the bookkeeping.
pub(crate) fn person_select() -> String {
    let values: Vec<String> = person_value_columns().map(|c| format!("s.{c}")).collect();
    format!(
        "SELECT s.id, h.file_number AS household_file, {}, s.version, s.updated_at, s.updated_by, s.change_reason, \
         s.merged_into, o.path AS unit_path FROM persons s JOIN households h ON h.id = s.household_id \
         JOIN org_units o ON o.id = s.unit_id",
        values.join(", ")
    )
}

const SUMMARY_COLUMNS: &str = "s.id, s.national_code, s.first_name, s.last_name, s.father_name, s.birth_date, \
     s.relationship, s.deceased_on, s.last_key, s.first_key";

/// Where a household lives: its place and the county office responsible for it.
struct PlaceHome {
    place_id: i64,
    province_id: i64,
    unit_id: i64,
    unit_path: String,
}

impl Store {
    /// Registers a household in the village or city with the given code. The county
    /// office of that place becomes responsible for it; it must be in the actor's
    /// subtree.
    pub async fn create_household(&self, actor: &Actor, fields: &HouseholdFields, reason: &str) -> Result<Household> {
        let home = self.place_home(actor, &fields.place_code).await?;
        authorize(actor, Action::Registry(RegistryAction::Edit), &unit_path(&home.unit_path)?)
            .map_err(out_of_scope_is_invalid("place"))?;
        let values =
            HouseholdValues::new(fields, fields.file_number.clone(), home.province_id, home.unit_id, home.place_id);
        let household = self
            .write(async |tx| {
                let id = one(insert_households(tx, actor, &[values], reason).await?)?;
                let household = household_in_tx(tx, id).await?;
                tx.audit(Some(actor), AuditEvent::new("household.create", "household", id).after(json!(household)))
                    .await?;
                Ok(household)
            })
            .await?;
        Ok(household)
    }

    /// Moves a household to another place (a life event), keeping its previous state.
    pub async fn move_household(
        &self,
        actor: &Actor,
        id: i64,
        fields: &HouseholdFields,
        reason: &str,
    ) -> Result<Household> {
        let current = self.household(actor, id).await?;
        authorize(actor, Action::Registry(RegistryAction::Edit), &unit_path(&current.unit_path)?)?;
        let home = self.place_home(actor, &fields.place_code).await?;
        authorize(actor, Action::Registry(RegistryAction::Edit), &unit_path(&home.unit_path)?)
            .map_err(out_of_scope_is_invalid("place"))?;
        let household = self
            .write(async |tx| {
                supersede_by_id(tx, "household", id).await?;
                let values = HouseholdValues::new(
                    fields,
                    current.values.file_number.clone(),
                    home.province_id,
                    home.unit_id,
                    home.place_id,
                );
                update_household_row(tx, actor, id, &values, reason).await?;
                records_follow(tx, &[id]).await?;
                let household = household_in_tx(tx, id).await?;
                tx.audit(
                    Some(actor),
                    AuditEvent::new("household.move", "household", id).before(json!(current)).after(json!(household)),
                )
                .await?;
                emit_household_change(tx, actor, &[id], reason).await?;
                Ok(household)
            })
            .await?;
        Ok(household)
    }

    /// One household; `NotFound` outside the actor's subtree.
    pub async fn household(&self, actor: &Actor, id: i64) -> Result<Household> {
        let sql = format!("{HOUSEHOLD_SELECT} WHERE h.id = $1");
        let household: Household = on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
        authorize(actor, Action::Open(Module::Registry), &unit_path(&household.unit_path)?)?;
        Ok(household)
    }

    /// A household by its file number; `NotFound` outside the actor's subtree.
    pub async fn household_by_file(&self, actor: &Actor, file_number: &str) -> Result<Household> {
        let sql = format!("{HOUSEHOLD_SELECT} WHERE h.file_number = $1");
        let household: Household = on_pool!(self, |c| sqlx::query_as(&sql).bind(file_number).fetch_one(c).await)?;
        authorize(actor, Action::Open(Module::Registry), &unit_path(&household.unit_path)?)?;
        Ok(household)
    }

    /// The registry's figures for the actor's subtree, for the dashboard: persons
    /// (living and dead, not merged), households, assessments, and duplicate pairs
    /// waiting for a decision (both persons in scope).
    pub async fn registry_figures(&self, actor: &Actor) -> Result<[(&'static str, i64); 4]> {
        require(actor, Action::Open(Module::Registry))?;
        let (persons, households, assessments, duplicates): (i64, i64, i64, i64) = on_pool!(self, |c| {
            sqlx::query_as(
                "WITH scope AS (SELECT id FROM org_units WHERE path LIKE $1) SELECT \
                 (SELECT COUNT(*) FROM persons WHERE merged_into IS NULL AND unit_id IN (SELECT id FROM scope)), \
                 (SELECT COUNT(*) FROM households WHERE unit_id IN (SELECT id FROM scope)), \
                 (SELECT COUNT(*) FROM disabilities WHERE unit_id IN (SELECT id FROM scope)), \
                 (SELECT COUNT(*) FROM duplicate_candidates d JOIN persons a ON a.id = d.person_a \
                  JOIN persons b ON b.id = d.person_b WHERE d.status IN ('open', 'merge_proposed') \
                  AND a.merged_into IS NULL AND b.merged_into IS NULL \
                  AND a.unit_id IN (SELECT id FROM scope) AND b.unit_id IN (SELECT id FROM scope))",
            )
            .bind(actor.unit_path.subtree_pattern())
            .fetch_one(c)
            .await
        })?;
        Ok([("persons", persons), ("households", households), ("assessments", assessments), ("duplicates", duplicates)])
    }

    /// The persons merged into this one (in the actor's subtree).
    pub async fn merged_into_person(&self, actor: &Actor, id: i64) -> Result<Vec<PersonSummary>> {
        self.person_unlogged(actor, id).await?;
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM persons s WHERE s.merged_into = $1 \
             AND s.unit_id IN (SELECT id FROM org_units WHERE path LIKE $2) ORDER BY s.id"
        );
        let rows = on_pool!(self, |c| sqlx::query_as(&sql)
            .bind(id)
            .bind(actor.unit_path.subtree_pattern())
            .fetch_all(c)
            .await)?;
        Ok(rows)
    }

    /// The members of a household, head first.
    pub async fn household_members(&self, actor: &Actor, id: i64) -> Result<Vec<PersonSummary>> {
        self.household(actor, id).await?;
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM persons s WHERE s.household_id = $1 AND s.merged_into IS NULL \
             ORDER BY CASE WHEN s.relationship = 'head' THEN 0 ELSE 1 END, s.birth_date, s.id"
        );
        let members = on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_all(c).await)?;
        Ok(members)
    }

    /// Households of the actor's subtree with living members but no living head
    /// (the head died or left): each waits for a successor to be recorded. By
    /// file number; at most `limit`.
    pub async fn households_without_head(&self, actor: &Actor, limit: i64) -> Result<Vec<(i64, String)>> {
        require(actor, Action::Open(Module::Registry))?;
        let rows = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT h.id, h.file_number FROM households h WHERE h.unit_id IN \
                 (SELECT id FROM org_units WHERE path LIKE $1) \
                 AND EXISTS (SELECT 1 FROM persons m WHERE m.household_id = h.id AND m.deceased_on IS NULL \
                 AND m.merged_into IS NULL) \
                 AND NOT EXISTS (SELECT 1 FROM persons m WHERE m.household_id = h.id AND m.relationship = 'head' \
                 AND m.deceased_on IS NULL AND m.merged_into IS NULL) ORDER BY h.file_number LIMIT $2",
            )
            .bind(actor.unit_path.subtree_pattern())
            .bind(limit)
            .fetch_all(c)
            .await
        })?;
        Ok(rows)
    }

    /// Records who succeeds as head of a household that has no living head: a
    /// living member becomes its head (an edit of that person, audited and
    /// announced like any other).
    pub async fn succeed_head(&self, actor: &Actor, household_id: i64, person_id: i64, reason: &str) -> Result<Person> {
        let person = self.person_unlogged(actor, person_id).await?;
        if person.values.household_id != household_id || person.values.deceased_on.is_some() {
            return Err(StoreError::Invalid(DomainError::breaks(
                "person",
                "is not a living member of the household",
                "از اعضای در قید حیات این خانوار نیست",
            )));
        }
        let raw = RawPerson { relationship: Relationship::Head.code().into(), ..person.raw() };
        let fields = PersonFields::parse(&raw, self.today())
            .map_err(|e| e.into_iter().next().map_or(StoreError::NotFound, StoreError::Invalid))?;
        self.update_person(actor, person_id, &fields, person.version, reason).await
    }

    /// Persons by id, in the actor's subtree (others are left out), for lists.
    pub async fn person_summaries(&self, actor: &Actor, ids: &[i64]) -> Result<Vec<PersonSummary>> {
        require(actor, Action::Open(Module::Registry))?;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let rows: Vec<PersonSummary> = on_pool!(self, |c| {
                let mut q = sqlx::QueryBuilder::new(format!(
                    "SELECT {SUMMARY_COLUMNS} FROM persons s WHERE s.unit_id IN (SELECT id FROM org_units WHERE path LIKE "
                ));
                q.push_bind(actor.unit_path.subtree_pattern());
                q.push(") AND s.id IN (");
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(") ORDER BY s.id");
                q.build_query_as().fetch_all(c).await
            })?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Registers a person in an existing household of the actor's subtree. A national
    /// code already registered is refused as a conflict on `national_code`.
    pub async fn register_person(&self, actor: &Actor, fields: &PersonFields, reason: &str) -> Result<Person> {
        let household =
            self.household_by_file(actor, &fields.household).await.map_err(out_of_scope_is_invalid("household"))?;
        authorize(actor, Action::Registry(RegistryAction::Edit), &unit_path(&household.unit_path)?)?;
        let values = PersonValues::new(fields, &household_ref(&household));
        let person = self
            .write(async |tx| {
                // A code registered already is the first thing to say; then a second head.
                let taken: Option<i64> =
                    on_tx!(tx, |c| sqlx::query_scalar("SELECT id FROM persons WHERE national_code = $1")
                        .bind(&values.national_code)
                        .fetch_optional(c)
                        .await)?;
                if taken.is_some() {
                    return Err(StoreError::Conflict { field: "national_code".into() });
                }
                one_living_head(tx, &values, None).await?;
                insert_persons(tx, actor, std::slice::from_ref(&values), reason).await?;
                let id: i64 = on_tx!(tx, |c| sqlx::query_scalar("SELECT id FROM persons WHERE national_code = $1")
                    .bind(&values.national_code)
                    .fetch_one(c)
                    .await)?;
                let person = person_in_tx(tx, id).await?;
                tx.audit(Some(actor), AuditEvent::new("person.register", "person", id).after(json!(person))).await?;
                // A new member changes the household's size, and so its amounts.
                tx.emit(Some(actor), &Event::about_persons(EventKind::PersonChanged, vec![id], reason)).await?;
                Ok(person)
            })
            .await?;
        Ok(person)
    }

    /// Changes a person: edits and life events (death, marriage, leaving for another
    /// household) all come here. `expected_version` is the version the actor saw;
    /// if someone changed the person since, the change is refused as a conflict on
    /// `version` rather than silently overwriting theirs.
    pub async fn update_person(
        &self,
        actor: &Actor,
        id: i64,
        fields: &PersonFields,
        expected_version: i64,
        reason: &str,
    ) -> Result<Person> {
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid(DomainError::new("reason", Reason::Empty)));
        }
        tavana_domain::text::plain_text("reason", reason)?;
        let current = self.person_unlogged(actor, id).await?;
        authorize(actor, Action::Registry(RegistryAction::Edit), &unit_path(&current.unit_path)?)?;
        if current.version != expected_version {
            return Err(StoreError::Conflict { field: "version".into() });
        }
        if current.values.national_code != fields.national_code.as_string() {
            return Err(StoreError::Invalid(DomainError::new("national_code", Reason::OutOfRange)));
        }
        let household =
            self.household_by_file(actor, &fields.household).await.map_err(out_of_scope_is_invalid("household"))?;
        let person = self
            .write(async |tx| {
                supersede_by_id(tx, "person", id).await?;
                let values = PersonValues::new(fields, &household_ref(&household));
                one_living_head(tx, &values, Some(id)).await?;
                let changed = update_person_row(tx, actor, id, expected_version, &values, reason.trim()).await?;
                if changed == 0 {
                    return Err(StoreError::Conflict { field: "version".into() });
                }
                // A person who moved to another household takes their records along.
                records_follow(tx, &[values.household_id]).await?;
                let person = person_in_tx(tx, id).await?;
                tx.audit(
                    Some(actor),
                    AuditEvent::new("person.update", "person", id).before(json!(current)).after(json!(person)),
                )
                .await?;
                // A change may end the eligibility of the person's household, or
                // change its amount; a move concerns the household left too.
                tx.emit(
                    Some(actor),
                    &Event::about_persons(EventKind::PersonChanged, vec![id], reason)
                        .with_households(vec![current.values.household_id]),
                )
                .await?;
                Ok(person)
            })
            .await?;
        Ok(person)
    }

    /// One person with their sensitive fields (income, bank account). The read is
    /// logged in the audit chain, so an auditor can answer "who looked at this
    /// person?".
    pub async fn person(&self, actor: &Actor, id: i64) -> Result<Person> {
        let person = self.person_unlogged(actor, id).await?;
        self.log_read(actor, Sensitive::PersonRecord, "person", &id.to_string(), json!({})).await?;
        Ok(person)
    }

    /// A person by national code (logged like [`Store::person`]).
    pub async fn person_by_national_code(&self, actor: &Actor, code: &str) -> Result<Person> {
        let person = self.person_by_code_unlogged(actor, code).await?;
        self.log_read(actor, Sensitive::PersonRecord, "person", &person.id.to_string(), json!({})).await?;
        Ok(person)
    }

    /// A person by national code, for a write that names them (its caller
    /// returns none of their record).
    pub(crate) async fn person_by_code_unlogged(&self, actor: &Actor, code: &str) -> Result<Person> {
        let sql = format!("{} WHERE s.national_code = $1", person_select());
        let person: Person = on_pool!(self, |c| sqlx::query_as(&sql).bind(code).fetch_one(c).await)?;
        authorize(actor, Action::Open(Module::Registry), &unit_path(&person.unit_path)?)?;
        Ok(person)
    }

    pub(crate) async fn person_unlogged(&self, actor: &Actor, id: i64) -> Result<Person> {
        let sql = format!("{} WHERE s.id = $1", person_select());
        let person: Person = on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
        authorize(actor, Action::Open(Module::Registry), &unit_path(&person.unit_path)?)?;
        Ok(person)
    }

    /// Adds a disability assessment to a person of the actor's subtree.
    pub async fn add_disability(&self, actor: &Actor, fields: &DisabilityFields, reason: &str) -> Result<Disability> {
        let sql = format!("{} WHERE s.national_code = $1", person_select());
        let person: Person =
            on_pool!(self, |c| sqlx::query_as(&sql).bind(fields.national_code.as_string()).fetch_one(c).await)
                .map_err(|e| match StoreError::from(e) {
                    StoreError::NotFound => StoreError::Invalid(DomainError::new("national_code", Reason::OutOfRange)),
                    other => other,
                })?;
        authorize(actor, Action::Registry(RegistryAction::Edit), &unit_path(&person.unit_path)?)
            .map_err(out_of_scope_is_invalid("national_code"))?;
        let values = DisabilityValues::new(fields, person.id, &person.values)?;
        let disability = self
            .write(async |tx| {
                let id = one(insert_disabilities(tx, actor, &[values], reason).await?)?;
                let disability = disability_in_tx(tx, id).await?;
                tx.audit(Some(actor), AuditEvent::new("disability.add", "disability", id).after(json!(disability)))
                    .await?;
                tx.emit(Some(actor), &Event::about_persons(EventKind::AssessmentChanged, vec![person.id], reason))
                    .await?;
                Ok(disability)
            })
            .await?;
        Ok(disability)
    }

    /// A person's disability assessments, newest first.
    pub async fn disabilities(&self, actor: &Actor, person_id: i64) -> Result<Vec<Disability>> {
        self.person_unlogged(actor, person_id).await?;
        self.log_read(actor, Sensitive::Assessments, "person", &person_id.to_string(), json!({})).await?;
        let sql = format!("{DISABILITY_SELECT} WHERE person_id = $1 ORDER BY assessed_on DESC, id DESC");
        let rows = on_pool!(self, |c| sqlx::query_as(&sql).bind(person_id).fetch_all(c).await)?;
        Ok(rows)
    }

    /// A person's history: the current state first, then every previous one.
    pub async fn person_history(&self, actor: &Actor, id: i64) -> Result<Vec<RecordVersion>> {
        let person = self.person_unlogged(actor, id).await?;
        self.log_read(actor, Sensitive::PersonHistory, "person", &id.to_string(), json!({})).await?;
        let mut history: Vec<RecordVersion> = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT v.version, v.data, v.changed_at, v.changed_by, u.username AS changed_by_name, \
                 o.name_fa AS unit_name_fa, v.reason FROM record_versions v \
                 LEFT JOIN users u ON u.id = v.changed_by LEFT JOIN org_units o ON o.id = v.unit_id \
                 WHERE v.object_type = 'person' AND v.object_id = $1 ORDER BY v.version DESC",
            )
            .bind(id)
            .fetch_all(c)
            .await
        })?;
        let (name, unit): (Option<String>, Option<String>) = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT u.username, o.name_fa FROM persons s LEFT JOIN users u ON u.id = s.updated_by \
                 LEFT JOIN org_units o ON o.id = s.updated_unit_id WHERE s.id = $1",
            )
            .bind(id)
            .fetch_one(c)
            .await
        })?;
        history.insert(
            0,
            RecordVersion {
                version: person.version,
                data: json!(person).to_string(),
                changed_at: person.updated_at,
                changed_by: person.updated_by,
                changed_by_name: name,
                unit_name_fa: unit,
                reason: person.change_reason.clone(),
            },
        );
        Ok(history)
    }

    /// Persons matching a query in the actor's subtree, by last name, first name and
    /// id, a page at a time (keyset pagination: the cursor is the last row's key).
    pub async fn search_persons(
        &self,
        actor: &Actor,
        query: &PersonQuery,
        after: Option<&PersonCursor>,
        limit: i64,
    ) -> Result<Page<PersonSummary>> {
        require(actor, Action::Open(Module::Registry))?;
        let limit = limit.clamp(1, 200);
        let filter = search_filter(actor, query)?;
        // The first page says how many match (up to COUNT_LIMIT); a national code
        // matches one person at most, counted from the page itself (the lookup
        // by code stays one query).
        let by_code = query.national_code.as_deref().is_some_and(|c| !c.trim().is_empty());
        let total = if after.is_none() && !by_code {
            let mut count = Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM persons s WHERE ");
            count.append(&filter).push(" LIMIT ").bind_int(COUNT_LIMIT).push(") matched");
            let (count,): (i64,) = on_pool!(self, |c| count.builder().build_query_as().fetch_one(c).await)?;
            Some(count)
        } else {
            None
        };
        let page = search_page(&filter, after, limit);
        let mut items: Vec<PersonSummary> = on_pool!(self, |c| page.builder().build_query_as().fetch_all(c).await)?;
        let next = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|p| {
                PersonCursor { last_key: p.last_key.clone(), first_key: p.first_key.clone(), id: p.id }.encode()
            })
        } else {
            None
        };
        let total = if by_code && after.is_none() { Some(items.len() as i64) } else { total };
        Ok(Page { items, next, total })
    }

    /// Writes the persons a search finds as CSV (their summaries: code, names, birth
    /// date, relationship, death), at most [`SEARCH_EXPORT_LIMIT`] rows; the export
    /// is logged with the search. Returns the rows written.
    pub async fn export_search(
        &self,
        actor: &Actor,
        query: &PersonQuery,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<u64> {
        let mut csv = csv::Writer::from_writer(out);
        let (mut rows, mut after) = (0u64, None::<PersonCursor>);
        loop {
            let page = self.search_persons(actor, query, after.as_ref(), 200).await?;
            for person in &page.items {
                crate::registry::export::write_csv(&mut csv, person, rows == 0)?;
                rows += 1;
            }
            match page.next.as_deref().and_then(PersonCursor::decode) {
                Some(next) if rows < SEARCH_EXPORT_LIMIT => after = Some(next),
                _ => break,
            }
        }
        csv.flush().map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.log_read(actor, Sensitive::Export, "search", "persons", json!({ "query": query, "rows": rows })).await?;
        Ok(rows)
    }

    /// Where a household with this typed place lives, decided by [`decide_place`].
    async fn place_home(&self, actor: &Actor, code: &str) -> Result<PlaceHome> {
        let home = |sql: &'static str, value: String| async move {
            let rows: Vec<(i64, String, i64, i64, String, String)> =
                on_pool!(self, |c| sqlx::query_as(sql).bind(value).fetch_all(c).await)?;
            Ok::<_, StoreError>(rows)
        };
        let by_code = home(
            "SELECT p.id, p.kind, p.province_id, u.id, u.path, p.code FROM places p \
             JOIN org_units u ON u.place_id = p.county_id WHERE p.code = $1",
            code.trim().to_string(),
        )
        .await?;
        let leaf = |kind: &str| kind == "village" || kind == "city";
        let home = |r: &(i64, String, i64, i64, String, String)| {
            (r.5.clone(), PlaceHome { place_id: r.0, province_id: r.2, unit_id: r.3, unit_path: r.4.clone() })
        };
        let by_code = by_code.iter().find(|r| leaf(&r.1)).map(|r| home(r).1);
        let by_name = if by_code.is_none() {
            sqlx_rows_by_name(self, code).await?.iter().map(home).collect()
        } else {
            Vec::new()
        };
        let mine = |home: &PlaceHome| unit_path(&home.unit_path).is_ok_and(|p| actor.unit_path.contains(&p));
        decide_place(by_code, by_name, mine).map_err(StoreError::Invalid)
    }

    /// The villages and cities of the actor's subtree (of one county, when given),
    /// for a household's place to be picked from: code, name, county and province.
    pub async fn home_places(
        &self,
        actor: &Actor,
        county: Option<&str>,
    ) -> Result<Vec<(String, String, String, String)>> {
        let rows = on_pool!(self, |c| sqlx::query_as(
            "SELECT p.code, p.name_fa, c.name_fa, pr.name_fa FROM places p JOIN places c ON c.id = p.county_id \
             JOIN places pr ON pr.id = p.province_id JOIN org_units u ON u.place_id = p.county_id \
             WHERE p.kind IN ('village', 'city') AND u.path LIKE $1 AND ($2 = '' OR c.code = $2) ORDER BY p.code"
        )
        .bind(actor.unit_path.subtree_pattern())
        .bind(county.unwrap_or_default())
        .fetch_all(c)
        .await)?;
        Ok(rows)
    }

    /// The counties whose offices are in the actor's subtree: code, name and
    /// province, for narrowing a place's choice first.
    pub async fn home_counties(&self, actor: &Actor) -> Result<Vec<(String, String, String)>> {
        let rows = on_pool!(self, |c| sqlx::query_as(
            "SELECT c.code, c.name_fa, pr.name_fa FROM places c JOIN places pr ON pr.id = c.province_id \
             JOIN org_units u ON u.place_id = c.id WHERE c.kind = 'county' AND u.path LIKE $1 ORDER BY c.code"
        )
        .bind(actor.unit_path.subtree_pattern())
        .fetch_all(c)
        .await)?;
        Ok(rows)
    }
}

#[cfg(feature = "testing")]
impl Store {
    /// How the database would run a search's first page: its query plan, as text
    /// (PostgreSQL told not to scan whole tables where an index serves, as it
    /// would choose on a large table but not on a test's few rows).
    pub async fn search_plan(&self, actor: &Actor, query: &PersonQuery) -> Result<String> {
        let page = search_page(&search_filter(actor, query)?, None, 20);
        match &*self.pool {
            crate::db::Pool::Sqlite(pool) => {
                let mut explain = Sql::new("EXPLAIN QUERY PLAN ");
                explain.append(&page);
                let rows: Vec<(i64, i64, i64, String)> = explain.builder().build_query_as().fetch_all(pool).await?;
                Ok(rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("\n"))
            }
            crate::db::Pool::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut *tx).await?;
                let mut explain = Sql::new("EXPLAIN ");
                explain.append(&page);
                let lines: Vec<(String,)> = explain.builder().build_query_as().fetch_all(&mut *tx).await?;
                tx.rollback().await?;
                Ok(lines.into_iter().map(|l| l.0).collect::<Vec<_>>().join("\n"))
            }
        }
    }
}

/// A page of a person search: the filter, after the cursor when given, in the
/// keyset's order, one more than `limit` (so the caller knows a page follows).
fn search_page(filter: &Sql, after: Option<&PersonCursor>, limit: i64) -> Sql {
    let mut page = Sql::new(&format!("SELECT {SUMMARY_COLUMNS} FROM persons s WHERE "));
    page.append(filter);
    if let Some(cursor) = after {
        page.push(" AND (s.last_key, s.first_key, s.id) > (")
            .bind_str(&cursor.last_key)
            .push(", ")
            .bind_str(&cursor.first_key)
            .push(", ")
            .bind_int(cursor.id)
            .push(")");
    }
    page.push(" ORDER BY s.last_key, s.first_key, s.id LIMIT ").bind_int(limit + 1);
    page
}

/// A person search's conditions: fixed fragments with their values bound,
/// in order: scope, not merged away, and each filter given.
fn search_filter(actor: &Actor, query: &PersonQuery) -> Result<Sql> {
    // The filters are fixed fragments; only their values are bound.
    let mut q = Sql::new("s.unit_id IN (SELECT id FROM org_units WHERE path LIKE ");
    q.bind_str(&actor.unit_path.subtree_pattern()).push(") AND s.merged_into IS NULL");
    if let Some(code) = query.national_code.as_deref().filter(|c| !c.trim().is_empty()) {
        // A code as written on the card (dashes, spaces, Persian digits) is the
        // same code, on every path (page, API); a wrong one is said to be wrong,
        // not "not found".
        let code = tavana_domain::NationalCode::parse(code).map_err(StoreError::Invalid)?.as_string();
        // The record with the code, or, for a merged person's code, the record it
        // was merged into (through every later merge: the end of the chain): the
        // person is still the same one. One id, compared by equality, so both
        // backends look it up by key (an OR of the code and the chain had
        // PostgreSQL read persons in name order until it met the code).
        q.push(
            " AND s.id = (WITH RECURSIVE m(id, nxt) AS (SELECT id, merged_into FROM persons WHERE national_code = ",
        )
        .bind_str(&code)
        .push(" UNION SELECT p.id, p.merged_into FROM persons p JOIN m ON p.id = m.nxt) SELECT id FROM m WHERE nxt IS NULL)");
    }
    for (column, value) in [("s.last_key", &query.last_name), ("s.first_key", &query.first_name)] {
        if let Some(prefix) = value.as_deref().map(search_key).filter(|k| !k.is_empty()) {
            q.push(&format!(" AND {column} >= "))
                .bind_str(&prefix)
                .push(&format!(" AND {column} < "))
                .bind_str(&format!("{prefix}\u{10FFFF}"));
        }
    }
    if let Some(father) = query.father_name.as_deref().map(search_key).filter(|k| !k.is_empty()) {
        q.push(" AND s.father_key = ").bind_str(&father);
    }
    if let Some(year) = query.birth_year {
        let (from, until) = year_range(year)?;
        q.push(" AND s.birth_date >= ").bind_str(&from).push(" AND s.birth_date < ").bind_str(&until);
    }
    if let Some(phone) = query.phone.as_deref().filter(|p| !p.trim().is_empty()) {
        let phone = tavana_domain::registry::Phone::parse(phone)
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|_| phone.trim().to_string());
        q.push(" AND (s.phone = ")
            .bind_str(&phone)
            .push(" OR s.household_id IN (SELECT id FROM households WHERE phone = ")
            .bind_str(&phone)
            .push("))");
    }
    if let Some(place) = query.place_id {
        q.push(
            " AND s.household_id IN (SELECT h.id FROM households h JOIN places p ON p.id = h.place_id WHERE p.id = ",
        )
        .bind_int(place)
        .push(" OR p.parent_id = ")
        .bind_int(place)
        .push(" OR p.county_id = ")
        .bind_int(place)
        .push(" OR p.province_id = ")
        .bind_int(place)
        .push(")");
    }
    Ok(q)
}

/// The villages and cities a typed place names, by its normalized name.
async fn sqlx_rows_by_name(store: &Store, text: &str) -> Result<Vec<(i64, String, i64, i64, String, String)>> {
    let rows = on_pool!(store, |c| sqlx::query_as(
        "SELECT p.id, p.kind, p.province_id, u.id, u.path, p.code FROM places p \
         JOIN org_units u ON u.place_id = p.county_id WHERE p.name_norm = $1 \
         AND p.kind IN ('village', 'city') ORDER BY p.code"
    )
    .bind(tavana_domain::text::normalize(text))
    .fetch_all(c)
    .await)?;
    Ok(rows)
}

/// What a typed place means, on every path (a form, the API, an import): the
/// village or city with that code, else the one village or city with that name,
/// else the one of that name the actor registers households in (`mine`): a name
/// two provinces share names the case worker's own. `by_name` holds the villages
/// and cities of that name (code and home).
pub(crate) fn decide_place<T>(
    by_code: Option<T>,
    mut by_name: Vec<(String, T)>,
    mine: impl Fn(&T) -> bool,
) -> std::result::Result<T, DomainError> {
    if let Some(home) = by_code {
        return Ok(home);
    }
    if by_name.len() > 1 && by_name.iter().filter(|(_, home)| mine(home)).count() == 1 {
        by_name.retain(|(_, home)| mine(home));
    }
    match by_name.len() {
        1 => Ok(by_name.remove(0).1),
        0 => Err(DomainError::breaks(
            "place",
            "is not the code or the name of a village or city: pick it from the list (a code reads like 08-01-C)",
            "کد یا نام روستا یا شهری نیست: آن را از فهرست برگزینید (کد مانند \u{2066}08-01-C\u{2069} است)",
        )),
        _ => {
            let codes = by_name.iter().map(|(code, _)| code.as_str()).collect::<Vec<_>>().join(", ");
            Err(DomainError::breaks(
                "place",
                format!("names several places ({codes}): pick one from the list"),
                format!("نام چند محل است (\u{2066}{codes}\u{2069}): یکی را از فهرست برگزینید"),
            ))
        }
    }
}

/// The ISO dates a year of birth starts and ends at (end exclusive).
fn year_range(year: i32) -> Result<(String, String)> {
    if year >= 1700 {
        return Ok((format!("{year:04}-01-01"), format!("{:04}-01-01", year + 1)));
    }
    let start = tavana_domain::JalaliDate::new(year, 1, 1).map_err(|e| DomainError { field: "birth_year", ..e })?;
    let end = tavana_domain::JalaliDate::new(year + 1, 1, 1).map_err(|e| DomainError { field: "birth_year", ..e })?;
    Ok((start.to_gregorian().to_string(), end.to_gregorian().to_string()))
}

/// Copies a record's current state into `record_versions` before it changes: its
/// data, and who made that state, when, from which unit and why.
pub(crate) async fn supersede_by_id(tx: &mut WriteTx, object_type: &str, id: i64) -> Result<()> {
    let now = tx.now();
    let (table, data) = match object_type {
        "person" => ("persons", json!(person_in_tx(tx, id).await?)),
        "household" => ("households", json!(household_in_tx(tx, id).await?)),
        _ => ("disabilities", json!(disability_in_tx(tx, id).await?)),
    };
    let sql = format!(
        "INSERT INTO record_versions (object_type, object_id, version, province_id, data, changed_at, changed_by, unit_id, \
         reason, superseded_at) SELECT $1, id, version, province_id, $2, updated_at, updated_by, updated_unit_id, \
         change_reason, $3 FROM {table} WHERE id = $4"
    );
    on_tx!(tx, |c| sqlx::query(&sql)
        .bind(object_type)
        .bind(data.to_string())
        .bind(now)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

async fn disability_in_tx(tx: &mut WriteTx, id: i64) -> Result<Disability> {
    let sql = format!("{DISABILITY_SELECT} WHERE id = $1");
    let row = on_tx!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
    Ok(row)
}

/// The one id a single-row insert returned.
fn one(ids: Vec<i64>) -> Result<i64> {
    ids.first().copied().ok_or_else(|| StoreError::Corrupt("an insert returned no id".into()))
}

async fn household_in_tx(tx: &mut WriteTx, id: i64) -> Result<Household> {
    let sql = format!("{HOUSEHOLD_SELECT} WHERE h.id = $1");
    let household = on_tx!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
    Ok(household)
}

async fn person_in_tx(tx: &mut WriteTx, id: i64) -> Result<Person> {
    let sql = format!("{} WHERE s.id = $1", person_select());
    let person = on_tx!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
    Ok(person)
}
/// The household a person row points at: its id and the office responsible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HouseholdRef {
    pub id: i64,
    pub province_id: i64,
    pub unit_id: i64,
}

fn household_ref(h: &Household) -> HouseholdRef {
    HouseholdRef { id: h.id, province_id: h.values.province_id, unit_id: h.values.unit_id }
}

/// The stored columns of a person, as written: one place turns checked fields into
/// them, so registration, edits and imports store the same thing, and reads, the
/// history and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonValues {
    pub national_code: String,
    pub household_id: i64,
    pub province_id: i64,
    pub unit_id: i64,
    pub relationship: String,
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    pub birth_date: String,
    pub sex: String,
    pub marital_status: Option<String>,
    pub education: Option<String>,
    pub employment: Option<String>,
    pub income_rials: Option<i64>,
    pub income_decile: Option<i32>,
    pub sheba: Option<String>,
    pub phone: Option<String>,
    pub deceased_on: Option<String>,
}

/// Columns written with every person row that are not among its values: the search
/// keys derived from the names, and the bookkeeping.
const PERSON_DERIVED_COLUMNS: [&str; 9] = [
    "first_key",
    "last_key",
    "father_key",
    "version",
    "created_at",
    "updated_at",
    "updated_by",
    "updated_unit_id",
    "change_reason",
];

/// The columns [`PersonValues`] reads back: the written columns
/// ([`PERSON_INSERT_COLUMNS`], the one list) without the derived ones.
pub(crate) fn person_value_columns() -> impl Iterator<Item = &'static str> {
    PERSON_INSERT_COLUMNS.split(", ").filter(|c| !PERSON_DERIVED_COLUMNS.contains(c))
}

impl PersonValues {
    pub(crate) fn new(f: &PersonFields, household: &HouseholdRef) -> Self {
        Self {
            national_code: f.national_code.as_string(),
            household_id: household.id,
            province_id: household.province_id,
            unit_id: household.unit_id,
            relationship: f.relationship.code().into(),
            first_name: f.first_name.as_str().into(),
            last_name: f.last_name.as_str().into(),
            father_name: f.father_name.as_str().into(),
            birth_date: f.birth_date.to_string(),
            sex: f.sex.code().into(),
            marital_status: f.marital_status.map(|v| v.code().into()),
            education: f.education.map(|v| v.code().into()),
            employment: f.employment.map(|v| v.code().into()),
            income_rials: f.income.map(|r| r.get()),
            income_decile: f.income_decile.map(i32::from),
            sheba: f.sheba.map(|s| s.as_string()),
            phone: f.phone.as_ref().map(|p| p.as_str().into()),
            deceased_on: f.deceased_on.map(|d| d.to_string()),
        }
    }
}

/// The columns a new person row is written with, in the order of
/// [`person_insert_values`].
const PERSON_INSERT_COLUMNS: &str = "national_code, household_id, relationship, province_id, unit_id, first_name, \
     last_name, father_name, first_key, last_key, father_key, birth_date, sex, marital_status, education, employment, \
     income_rials, income_decile, sheba, phone, deceased_on, version, created_at, updated_at, updated_by, \
     updated_unit_id, change_reason, mac";

/// One value of a row being written.
pub(crate) enum Value<'a> {
    Text(Option<&'a str>),
    Owned(String),
    Int(Option<i64>),
}

/// The values of a new person row, for [`PERSON_INSERT_COLUMNS`]: one list that both
/// the multi-row INSERT and PostgreSQL's COPY write from.
fn person_insert_values<'a>(
    tx: &WriteTx,
    v: &'a PersonValues,
    actor: &Actor,
    now: i64,
    reason: &'a str,
) -> Result<Vec<Value<'a>>> {
    let mut values = person_values(v, actor, now, reason);
    let named: Vec<(&str, Value<'_>)> =
        PERSON_INSERT_COLUMNS.split(", ").zip(person_values(v, actor, now, reason)).collect();
    values.push(match seal::seal_of(tx, "persons", &named)? {
        Some(mac) => Value::Owned(mac),
        None => Value::Text(None),
    });
    Ok(values)
}

/// [`person_insert_values`] but the seal.
fn person_values<'a>(v: &'a PersonValues, actor: &Actor, now: i64, reason: &'a str) -> Vec<Value<'a>> {
    vec![
        Value::Text(Some(&v.national_code)),
        Value::Int(Some(v.household_id)),
        Value::Text(Some(&v.relationship)),
        Value::Int(Some(v.province_id)),
        Value::Int(Some(v.unit_id)),
        Value::Text(Some(&v.first_name)),
        Value::Text(Some(&v.last_name)),
        Value::Text(Some(&v.father_name)),
        Value::Owned(search_key(&v.first_name)),
        Value::Owned(search_key(&v.last_name)),
        Value::Owned(search_key(&v.father_name)),
        Value::Text(Some(&v.birth_date)),
        Value::Text(Some(&v.sex)),
        Value::Text(v.marital_status.as_deref()),
        Value::Text(v.education.as_deref()),
        Value::Text(v.employment.as_deref()),
        Value::Int(v.income_rials),
        Value::Int(v.income_decile.map(i64::from)),
        Value::Text(v.sheba.as_deref()),
        Value::Text(v.phone.as_deref()),
        Value::Text(v.deceased_on.as_deref()),
        Value::Int(Some(1)),
        Value::Int(Some(now)),
        Value::Int(Some(now)),
        Value::Int(Some(actor.user_id)),
        Value::Int(Some(actor.unit_id)),
        Value::Text(Some(reason)),
    ]
}

/// Inserts persons: on PostgreSQL by COPY when there are many, otherwise a
/// multi-row statement per thousand rows.
pub(crate) async fn insert_persons(tx: &mut WriteTx, actor: &Actor, rows: &[PersonValues], reason: &str) -> Result<()> {
    let now = tx.now();
    let values: Vec<Vec<Value<'_>>> =
        rows.iter().map(|v| person_insert_values(tx, v, actor, now, reason)).collect::<Result<_>>()?;
    if let crate::db::TxInner::Postgres(t) = &mut tx.inner
        && rows.len() >= 100
    {
        let mut data = Vec::with_capacity(rows.len() * 256);
        for row in &values {
            write_copy_row(&mut data, row);
        }
        let mut copy =
            t.copy_in_raw(&format!("COPY persons ({PERSON_INSERT_COLUMNS}) FROM STDIN (FORMAT csv)")).await?;
        copy.send(data).await?;
        copy.finish().await?;
        return Ok(());
    }
    // 28 values a row; SQLite allows 32,766 bound values a statement.
    for chunk in values.chunks(1_000) {
        on_tx!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new(format!("INSERT INTO persons ({PERSON_INSERT_COLUMNS}) "));
            q.push_values(chunk, |mut b, row| {
                for value in row {
                    match value {
                        Value::Text(t) => b.push_bind(*t),
                        Value::Owned(t) => b.push_bind(t.clone()),
                        Value::Int(n) => b.push_bind(*n),
                    };
                }
            });
            q.build().execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// Appends a CSV row for COPY: text quoted (so an empty string stays one), NULL as
/// an empty unquoted field.
fn write_copy_row(out: &mut Vec<u8>, values: &[Value<'_>]) {
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let text = match value {
            Value::Text(Some(t)) => Some(*t),
            Value::Owned(t) => Some(t.as_str()),
            Value::Text(None) | Value::Int(None) => None,
            Value::Int(Some(n)) => {
                out.extend_from_slice(n.to_string().as_bytes());
                None
            }
        };
        if let Some(t) = text {
            out.push(b'"');
            for b in t.bytes() {
                if b == b'"' {
                    out.push(b'"');
                }
                out.push(b);
            }
            out.push(b'"');
        }
    }
    out.push(b'\n');
}

/// Writes new values over a person at `expected_version` (after [`supersede_by_id`] kept
/// the old state). Returns the rows changed: 0 when the version moved on.
pub(crate) async fn update_person_row(
    tx: &mut WriteTx,
    actor: &Actor,
    id: i64,
    expected_version: i64,
    v: &PersonValues,
    reason: &str,
) -> Result<u64> {
    let now = tx.now();
    let values = person_insert_values(tx, v, actor, now, reason)?;
    let changed = on_tx!(tx, |c| {
        // The columns and values an insert writes, but the national code (a person's
        // identity does not change) and what only an insert sets.
        let mut q = sqlx::QueryBuilder::new("UPDATE persons SET ");
        let mut set = q.separated(", ");
        for (column, value) in PERSON_INSERT_COLUMNS.split(", ").zip(values) {
            if matches!(column, "national_code" | "version" | "created_at") {
                continue;
            }
            set.push(format!("{column} = "));
            match value {
                Value::Text(t) => set.push_bind_unseparated(t),
                Value::Owned(t) => set.push_bind_unseparated(t),
                Value::Int(n) => set.push_bind_unseparated(n),
            };
        }
        q.push(", version = version + 1 WHERE id = ").push_bind(id).push(" AND version = ").push_bind(expected_version);
        q.build().execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(changed)
}

/// The stored columns of a household as written: registration, moves and imports
/// write them, reads and the API show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HouseholdValues {
    pub file_number: String,
    pub province_id: i64,
    pub unit_id: i64,
    pub place_id: i64,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
}

impl HouseholdValues {
    /// A household's checked fields at its place (whose county office is
    /// responsible for it). A move keeps the file number it had.
    pub(crate) fn new(f: &HouseholdFields, file_number: String, province_id: i64, unit_id: i64, place_id: i64) -> Self {
        Self {
            file_number,
            province_id,
            unit_id,
            place_id,
            address: f.address.clone(),
            postal_code: f.postal_code.as_ref().map(|p| p.as_str().to_string()),
            phone: f.phone.as_ref().map(|p| p.as_str().to_string()),
        }
    }
}

/// The stored columns of a disability assessment as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisabilityValues {
    pub person_id: i64,
    pub province_id: i64,
    pub unit_id: i64,
    pub kind: String,
    pub severity: String,
    pub commission: Option<String>,
    pub assessed_on: String,
    pub valid_until: Option<String>,
}

impl DisabilityValues {
    /// An assessment's checked fields for a person (filed with the person's
    /// office); an assessment dated before the person's birth is refused.
    pub(crate) fn new(
        f: &DisabilityFields,
        person_id: i64,
        person: &PersonValues,
    ) -> std::result::Result<Self, DomainError> {
        if f.assessed_on.to_string() < person.birth_date {
            return Err(DomainError::breaks("assessed_on", "is before the person's birth", "پیش از تولد فرد است"));
        }
        Ok(Self {
            person_id,
            province_id: person.province_id,
            unit_id: person.unit_id,
            kind: f.kind.code().into(),
            severity: f.severity.code().into(),
            commission: f.commission.clone(),
            assessed_on: f.assessed_on.to_string(),
            valid_until: f.valid_until.map(|d| d.to_string()),
        })
    }
}

/// The bookkeeping columns every record's row is written with, after its own.
const BOOKKEEPING: &str = "version, created_at, updated_at, updated_by, updated_unit_id, change_reason";

/// Inserts records, a thousand rows a statement: each row's own columns (`columns`,
/// the record's one list), then its bookkeeping. Returns their ids in order.
async fn insert_records<'r, T>(
    tx: &mut WriteTx,
    actor: &Actor,
    table: &str,
    rows: &'r [T],
    reason: &str,
    columns: impl Fn(&'r T) -> Vec<(&'static str, Value<'r>)>,
) -> Result<Vec<i64>> {
    let Some(first) = rows.first() else { return Ok(Vec::new()) };
    let names: Vec<&str> = columns(first).iter().map(|(name, _)| *name).collect();
    let head = format!("INSERT INTO {table} ({}, {BOOKKEEPING}, mac) ", names.join(", "));
    let now = tx.now();
    let seals: Vec<Option<String>> =
        rows.iter().map(|row| seal::seal_of(tx, table, &columns(row))).collect::<Result<_>>()?;
    let mut ids = Vec::with_capacity(rows.len());
    for (chunk, seals) in rows.chunks(1_000).zip(seals.chunks(1_000)) {
        let chunk_ids: Vec<i64> = on_tx!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new(&head);
            q.push_values(chunk.iter().zip(seals), |mut b, (row, seal)| {
                for (_, value) in columns(row) {
                    match value {
                        Value::Text(t) => b.push_bind(t),
                        Value::Owned(t) => b.push_bind(t),
                        Value::Int(n) => b.push_bind(n),
                    };
                }
                b.push_bind(1i64).push_bind(now).push_bind(now);
                b.push_bind(actor.user_id).push_bind(actor.unit_id).push_bind(reason);
                b.push_bind(seal.clone());
            });
            q.push(" RETURNING id");
            q.build_query_scalar().fetch_all(c).await
        })?;
        ids.extend(chunk_ids);
    }
    Ok(ids)
}

/// Writes new values of some of a record's columns over it (after
/// [`supersede_by_id`] kept the old state), with its bookkeeping.
async fn update_record(
    tx: &mut WriteTx,
    actor: &Actor,
    table: &str,
    id: i64,
    columns: Vec<(&'static str, Value<'_>)>,
    reason: &str,
) -> Result<u64> {
    let now = tx.now();
    let changed = on_tx!(tx, |c| {
        let mut q = sqlx::QueryBuilder::new(format!("UPDATE {table} SET "));
        let mut set = q.separated(", ");
        for (column, value) in columns {
            set.push(format!("{column} = "));
            match value {
                Value::Text(t) => set.push_bind_unseparated(t),
                Value::Owned(t) => set.push_bind_unseparated(t),
                Value::Int(n) => set.push_bind_unseparated(n),
            };
        }
        q.push(", version = version + 1, updated_at = ").push_bind(now);
        q.push(", updated_by = ").push_bind(actor.user_id);
        q.push(", updated_unit_id = ").push_bind(actor.unit_id);
        q.push(", change_reason = ").push_bind(reason);
        q.push(" WHERE id = ").push_bind(id);
        q.build().execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(changed)
}

/// A household's columns as written: the one list its insert and its edits use.
fn household_columns(v: &HouseholdValues) -> Vec<(&'static str, Value<'_>)> {
    vec![
        ("file_number", Value::Text(Some(&v.file_number))),
        ("province_id", Value::Int(Some(v.province_id))),
        ("unit_id", Value::Int(Some(v.unit_id))),
        ("place_id", Value::Int(Some(v.place_id))),
        ("address", Value::Text(v.address.as_deref())),
        ("postal_code", Value::Text(v.postal_code.as_deref())),
        ("phone", Value::Text(v.phone.as_deref())),
    ]
}

/// An assessment's columns as written: the one list its insert and its edits use.
fn disability_columns(v: &DisabilityValues) -> Vec<(&'static str, Value<'_>)> {
    vec![
        ("person_id", Value::Int(Some(v.person_id))),
        ("province_id", Value::Int(Some(v.province_id))),
        ("unit_id", Value::Int(Some(v.unit_id))),
        ("kind", Value::Text(Some(&v.kind))),
        ("severity", Value::Text(Some(&v.severity))),
        ("commission", Value::Text(v.commission.as_deref())),
        ("assessed_on", Value::Text(Some(&v.assessed_on))),
        ("valid_until", Value::Text(v.valid_until.as_deref())),
    ]
}

pub(crate) async fn insert_households(
    tx: &mut WriteTx,
    actor: &Actor,
    rows: &[HouseholdValues],
    reason: &str,
) -> Result<Vec<i64>> {
    insert_records(tx, actor, "households", rows, reason, household_columns).await
}

/// Writes a household's new values (its file number stays); its members follow it
/// to its office (their records follow by [`records_follow`], once per write).
pub(crate) async fn update_household_row(
    tx: &mut WriteTx,
    actor: &Actor,
    id: i64,
    v: &HouseholdValues,
    reason: &str,
) -> Result<u64> {
    let seal = seal::seal_of(tx, "households", &household_columns(v))?;
    let mut columns: Vec<_> = household_columns(v).into_iter().filter(|(c, _)| *c != "file_number").collect();
    columns.push(("mac", seal.map_or(Value::Text(None), Value::Owned)));
    let changed = update_record(tx, actor, "households", id, columns, reason).await?;
    on_tx!(tx, |c| sqlx::query("UPDATE persons SET unit_id = $1, province_id = $2 WHERE household_id = $3")
        .bind(v.unit_id)
        .bind(v.province_id)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(changed)
}

/// The members of these households take their assessments, enrollments and open
/// reviews to their office (after a move of a household, or of a member into one),
/// so the office they left neither sees nor exports them: set-based, a thousand
/// households a statement.
pub(crate) async fn records_follow(tx: &mut WriteTx, households: &[i64]) -> Result<()> {
    for chunk in households.chunks(1_000) {
        // Enrollments going to another office take the tallies of their moves.
        let mut leaving = crate::sql::Sql::new(
            "SELECT e.id FROM enrollments e JOIN persons p ON p.id = e.person_id WHERE e.unit_id <> p.unit_id \
             AND p.household_id IN ",
        );
        leaving.bind_ids(chunk);
        let leaving: Vec<i64> = on_tx!(tx, |c| leaving.builder().build_query_scalar().fetch_all(c).await)?;
        crate::planning::moves::transfer(tx, &leaving, async |tx| follow(tx, chunk).await).await?;
    }
    Ok(())
}

/// The place an enrollment's person lives in (over `enrollments`).
pub(crate) const PLACE_OF_PERSON: &str = "(SELECT h.place_id FROM persons s JOIN households h ON h.id = s.household_id \
     WHERE s.id = enrollments.person_id)";

/// The members of these households take their records to their office (and
/// their enrollments to the place they live in).
async fn follow(tx: &mut WriteTx, chunk: &[i64]) -> Result<()> {
    for (table, with_province) in [("disabilities", true), ("enrollments", true), ("enrollment_reviews", false)] {
        let mut province = if with_province {
            format!(", province_id = (SELECT p.province_id FROM persons p WHERE p.id = {table}.person_id)")
        } else {
            String::new()
        };
        if table == "enrollments" {
            province.push_str(&format!(", place_id = {PLACE_OF_PERSON}"));
        }
        on_tx!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new(format!(
                "UPDATE {table} SET unit_id = (SELECT p.unit_id FROM persons p WHERE p.id = {table}.person_id)\
                 {province} WHERE person_id IN (SELECT id FROM persons WHERE household_id IN ("
            ));
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push("))");
            q.build().execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

pub(crate) async fn insert_disabilities(
    tx: &mut WriteTx,
    actor: &Actor,
    rows: &[DisabilityValues],
    reason: &str,
) -> Result<Vec<i64>> {
    insert_records(tx, actor, "disabilities", rows, reason, disability_columns).await
}

/// Writes an assessment's new findings (whose it is, its type and date identify it).
pub(crate) async fn update_disability_row(
    tx: &mut WriteTx,
    actor: &Actor,
    id: i64,
    v: &DisabilityValues,
    reason: &str,
) -> Result<u64> {
    let seal = seal::seal_of(tx, "disabilities", &disability_columns(v))?;
    let mut columns: Vec<_> = disability_columns(v)
        .into_iter()
        .filter(|(c, _)| matches!(*c, "severity" | "commission" | "valid_until"))
        .collect();
    columns.push(("mac", seal.map_or(Value::Text(None), Value::Owned)));
    update_record(tx, actor, "disabilities", id, columns, reason).await
}

/// Refuses a second living head in a household: `values` (of person `id`, when
/// it exists) may be its head only if no other living member is.
pub(crate) async fn one_living_head(tx: &mut WriteTx, values: &PersonValues, id: Option<i64>) -> Result<()> {
    if values.relationship != Relationship::Head.code() || values.deceased_on.is_some() {
        return Ok(());
    }
    let other: Option<(String, String)> = on_tx!(tx, |c| {
        sqlx::query_as(
            "SELECT first_name, last_name FROM persons WHERE household_id = $1 AND relationship = 'head' \
             AND deceased_on IS NULL AND merged_into IS NULL AND id <> $2",
        )
        .bind(values.household_id)
        .bind(id.unwrap_or(-1))
        .fetch_optional(c)
        .await
    })?;
    match other {
        None => Ok(()),
        Some((first, last)) => Err(StoreError::Invalid(second_head(&format!("{first} {last}")))),
    }
}

/// The error for a second living head of a household whose head is `name`.
pub(crate) fn second_head(name: &str) -> DomainError {
    DomainError::breaks(
        "relationship",
        format!("the household already has a living head ({name}): record the change on that person first"),
        format!("خانوار سرپرستِ در قید حیات دارد ({name})؛ نخست تغییر را در پروندهٔ او ثبت کنید"),
    )
}

/// Emits a change of households: every member (merged ones aside) is named, so the
/// programs they are enrolled in re-check them.
pub(crate) async fn emit_household_change(
    tx: &mut WriteTx,
    actor: &Actor,
    households: &[i64],
    reason: &str,
) -> Result<()> {
    let mut members = Vec::new();
    for chunk in households.chunks(1_000) {
        let rows: Vec<i64> = on_tx!(tx, |c| {
            let mut q =
                sqlx::QueryBuilder::new("SELECT id FROM persons WHERE merged_into IS NULL AND household_id IN (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push(")");
            q.build_query_scalar().fetch_all(c).await
        })?;
        members.extend(rows);
    }
    if members.is_empty() {
        return Ok(());
    }
    tx.emit(Some(actor), &Event::about_persons(EventKind::HouseholdChanged, members, reason)).await
}
