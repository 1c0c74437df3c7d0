//! The list of households in the actor's subtree: filtered by file number and
//! place, sorted, counted, a page at a time, and downloaded.

use crate::Result;
use crate::access::require;
use crate::db::Store;
use crate::lists::{ListOrder, ListPage, SortColumn};
use crate::sql::Sql;
use serde::Serialize;
use tavana_domain::iam::{Action, Actor, Module};

/// What to list households by; every filter optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HouseholdFilter {
    /// The start of the file number.
    pub file_number: String,
    /// A province's, county's, village's or city's code.
    pub place: String,
}

/// A household as its list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct HouseholdListRow {
    #[serde(skip)]
    pub id: i64,
    pub file_number: String,
    pub place_code: String,
    pub place: String,
    pub county: String,
    /// Living members, merged records left out.
    pub members: i64,
    /// The living head's name, when there is one.
    pub head: Option<String>,
    #[serde(skip)]
    pub updated_at: i64,
}

/// The columns the household list sorts by.
pub const HOUSEHOLD_SORTS: &[SortColumn] = &[
    SortColumn { key: "file_number", sql: "h.file_number" },
    SortColumn { key: "place", sql: "pl.code" },
    SortColumn { key: "members", sql: "members" },
    SortColumn { key: "updated", sql: "h.updated_at" },
];

fn households_query(actor: &Actor, filter: &HouseholdFilter) -> Sql {
    let mut q = Sql::new(
        "SELECT h.id, h.file_number, pl.code AS place_code, pl.name_fa AS place, cty.name_fa AS county, \
         (SELECT COUNT(*) FROM persons m WHERE m.household_id = h.id AND m.merged_into IS NULL \
          AND m.deceased_on IS NULL) AS members, \
         (SELECT MIN(hd.first_name || ' ' || hd.last_name) FROM persons hd WHERE hd.household_id = h.id \
          AND hd.relationship = 'head' AND hd.merged_into IS NULL AND hd.deceased_on IS NULL) AS head, \
         h.updated_at FROM households h JOIN places pl ON pl.id = h.place_id \
         JOIN places cty ON cty.id = pl.county_id JOIN places prov ON prov.id = pl.province_id \
         WHERE h.unit_id IN (SELECT id FROM org_units WHERE path LIKE ",
    );
    q.bind_str(&actor.unit_path.subtree_pattern()).push(")");
    let file = filter.file_number.trim();
    if !file.is_empty() {
        q.push(" AND h.file_number LIKE ").bind_str(&crate::lists::prefix_pattern(file)).push(" ESCAPE '\\'");
    }
    let place = tavana_domain::text::to_ascii_digits(filter.place.trim()).to_uppercase();
    if !place.is_empty() {
        q.push(" AND (prov.code = ")
            .bind_str(&place)
            .push(" OR cty.code = ")
            .bind_str(&place)
            .push(" OR pl.code = ")
            .bind_str(&place)
            .push(")");
    }
    q
}

impl Store {
    /// A page of the households in the actor's subtree, filtered and in the
    /// order asked for, with how many there are.
    pub async fn household_page(
        &self,
        actor: &Actor,
        filter: &HouseholdFilter,
        order: &ListOrder,
    ) -> Result<ListPage<HouseholdListRow>> {
        require(actor, Action::Open(Module::Registry))?;
        self.list_page(households_query(actor, filter), HOUSEHOLD_SORTS, "h.id", order).await
    }

    /// The households a filter finds, in the list's order, as CSV (at most
    /// [`crate::lists::EXPORT_LIMIT`]; logged as an export). Returns the rows written.
    pub async fn export_households(
        &self,
        actor: &Actor,
        filter: &HouseholdFilter,
        order: &ListOrder,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<u64> {
        require(actor, Action::Open(Module::Registry))?;
        let rows = self
            .list_csv::<HouseholdListRow>(households_query(actor, filter), HOUSEHOLD_SORTS, "h.id", order, out)
            .await?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Export,
            "households",
            "list",
            serde_json::json!({ "rows": rows, "filter": filter, "sort": order.sorted_by(HOUSEHOLD_SORTS) }),
        )
        .await?;
        Ok(rows)
    }
}
