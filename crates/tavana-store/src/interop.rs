//! Interoperability: the registry searched by other systems through the DCI
//! Social Registry API. A search (checked by `tavana_domain::interop`) is
//! compiled to SQL from fixed fragments with bound values, scoped to the
//! caller's subtree like every registry read, paged, and logged as a read naming
//! the query, the caller's transaction and every person returned.

use crate::Result;
use crate::access::require;
use crate::audit::Sensitive;
use crate::db::Store;
use crate::sql::Sql;
use serde_json::json;
use std::collections::HashMap;
use tavana_domain::iam::{Action, Actor, Module};
use tavana_domain::interop::{Attribute, Filter, IdType, Op, Operand, Query, Search, SortKey};

/// How many records a search counts at most (its `total_count` stops there).
pub const COUNT_LIMIT: i64 = 100_000;

/// A person as a search returns them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct RegistryRecord {
    pub id: i64,
    pub national_code: String,
    pub first_name: String,
    pub last_name: String,
    pub sex: String,
    /// ISO (Gregorian).
    pub birth_date: String,
    pub deceased_on: Option<String>,
    pub relationship: Option<String>,
    pub marital_status: Option<String>,
    pub education: Option<String>,
    pub employment: Option<String>,
    pub income_decile: Option<i64>,
    pub phone: Option<String>,
    pub household: Option<String>,
    pub place_code: Option<String>,
    #[sqlx(skip)]
    pub disabilities: Vec<RecordDisability>,
}

/// An assessment on a record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecordDisability {
    pub kind: String,
    pub severity: String,
    /// ISO.
    pub assessed_on: String,
    pub valid_until: Option<String>,
}

/// A page of a search's records, and how many there are (at most [`COUNT_LIMIT`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordPage {
    pub total: i64,
    pub records: Vec<RegistryRecord>,
}

/// Who asked, for the read log: the caller's sender id and transaction.
pub struct Asker<'a> {
    pub sender_id: &'a str,
    pub transaction_id: &'a str,
}

fn operator(op: Op) -> &'static str {
    match op {
        Op::Eq => " = ",
        Op::Ne => " <> ",
        Op::Gt => " > ",
        Op::Lt => " < ",
        Op::Ge => " >= ",
        Op::Le => " <= ",
        Op::In => " IN ",
    }
}

fn bind(sql: &mut Sql, value: &Operand) {
    match value {
        Operand::Text(t) | Operand::Date(t) => {
            sql.bind_str(t);
        }
        Operand::Int(n) => {
            sql.bind_int(*n);
        }
        Operand::Bool(b) => {
            sql.bind_int(i64::from(*b));
        }
        Operand::List(items) => {
            sql.push("(");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                bind(sql, item);
            }
            sql.push(")");
        }
    }
}

/// A filter as SQL over `s` (the person) and `g` (their household's place), as of `today`.
fn filter_sql(sql: &mut Sql, filter: &Filter, today: &str) {
    match filter {
        Filter::All(parts) | Filter::Any(parts) => {
            let join = if matches!(filter, Filter::All(_)) { " AND " } else { " OR " };
            sql.push("(");
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    sql.push(join);
                }
                filter_sql(sql, part, today);
            }
            sql.push(")");
        }
        Filter::Not(inner) => {
            sql.push("NOT COALESCE(");
            filter_sql(sql, inner, today);
            sql.push(", 1 = 0)");
        }
        Filter::Test { attribute: Attribute::IsDisabled, op, value } => {
            let wanted = matches!(value, Operand::Bool(true)) == (*op == Op::Eq);
            sql.push(if wanted { "EXISTS" } else { "NOT EXISTS" })
                .push(" (SELECT 1 FROM disabilities d WHERE d.person_id = s.id AND (d.valid_until IS NULL OR d.valid_until >= ")
                .bind_str(today)
                .push("))");
        }
        Filter::Test { attribute, op, value } => {
            let column = match attribute {
                Attribute::Sex => "s.sex",
                Attribute::BirthDate => "s.birth_date",
                Attribute::IncomeDecile => "s.income_decile",
                Attribute::Relationship => "s.relationship",
                Attribute::Education => "s.education",
                Attribute::Province => "(SELECT r.code FROM places r WHERE r.id = s.province_id)",
                Attribute::County => "(SELECT c.code FROM places c WHERE c.id = g.county_id)",
                Attribute::IsDisabled => "1",
            };
            sql.push("(").push(column).push(operator(*op));
            bind(sql, value);
            sql.push(")");
        }
    }
}

impl Store {
    /// A search of the registry in the actor's subtree: a page of persons
    /// (with their assessments) and how many match, logged as a read naming the
    /// query, the caller's transaction and every person returned.
    pub async fn registry_search(&self, actor: &Actor, asker: &Asker<'_>, search: &Search) -> Result<RecordPage> {
        require(actor, Action::Open(Module::Registry))?;
        let today = self.today().to_string();
        let mut filter = Sql::new(
            " FROM persons s LEFT JOIN households h ON h.id = s.household_id LEFT JOIN places g ON g.id = h.place_id \
             WHERE s.merged_into IS NULL AND s.unit_id IN (SELECT id FROM org_units WHERE path LIKE ",
        );
        filter.bind_str(&actor.unit_path.subtree_pattern()).push(") AND ");
        match &search.query {
            Query::Id { kind, value } => {
                let column = match kind {
                    IdType::NationalCode => "s.national_code",
                    IdType::Mobile => "s.phone",
                    IdType::HouseholdId => "h.file_number",
                };
                filter.push(column).push(" = ").bind_str(value);
            }
            Query::Filter(f) => filter_sql(&mut filter, f, &today),
        }
        let mut count = Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT s.id");
        count.append(&filter).push(" LIMIT ").bind_int(COUNT_LIMIT).push(") x");
        let total: i64 = on_pool!(self, |c| count.builder().build_query_scalar().fetch_one(c).await)?;
        let mut page = Sql::new(
            "SELECT s.id, s.national_code, s.first_name, s.last_name, s.sex, s.birth_date, s.deceased_on, s.relationship, \
             s.marital_status, s.education, s.employment, CAST(s.income_decile AS BIGINT) AS income_decile, s.phone, \
             h.file_number AS household, g.code AS place_code",
        );
        page.append(&filter).push(" ORDER BY ");
        for (key, ascending) in &search.sort {
            let column = match key {
                SortKey::NationalCode => "s.national_code",
                SortKey::BirthDate => "s.birth_date",
                SortKey::Surname => "s.last_key",
                SortKey::GivenName => "s.first_key",
            };
            page.push(column).push(if *ascending { " ASC, " } else { " DESC, " });
        }
        page.push("s.id LIMIT ")
            .bind_int(search.page_size)
            .push(" OFFSET ")
            .bind_int((search.page_number - 1).saturating_mul(search.page_size));
        let mut records: Vec<RegistryRecord> = on_pool!(self, |c| page.builder().build_query_as().fetch_all(c).await)?;
        let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
        if !ids.is_empty() {
            let mut sql = Sql::new(
                "SELECT person_id, kind, severity, assessed_on, valid_until FROM disabilities WHERE person_id IN ",
            );
            sql.bind_ids(&ids).push(" ORDER BY person_id, assessed_on, kind");
            let rows: Vec<(i64, String, String, String, Option<String>)> =
                on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
            let mut by_person: HashMap<i64, Vec<RecordDisability>> = HashMap::new();
            for (person, kind, severity, assessed_on, valid_until) in rows {
                by_person.entry(person).or_default().push(RecordDisability {
                    kind,
                    severity,
                    assessed_on,
                    valid_until,
                });
            }
            for r in &mut records {
                r.disabilities = by_person.remove(&r.id).unwrap_or_default();
            }
        }
        let objects = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        self.log_read(
            actor,
            Sensitive::RegistrySearch,
            "person",
            &objects,
            json!({
                "sender_id": asker.sender_id, "transaction_id": asker.transaction_id,
                "reference_id": search.reference_id, "query": search.query_text,
                "page": search.page_number, "returned": ids.len(), "total": total,
            }),
        )
        .await?;
        Ok(RecordPage { total, records })
    }
}
