//! Eligibility: a checked rule run over the registry, either compiled to SQL for a
//! whole population or interpreted for some persons from the same variables.

use crate::db::Store;
use crate::org::require;
use crate::{Result, StoreError};
use std::collections::HashMap;
use tavana_domain::iam::{Action, Actor, Module};
use tavana_domain::programs::rule::{Expr, Type, Value};
use tavana_domain::programs::sql::{Param, compile};
use tavana_domain::programs::variables::VARIABLES;

/// Every rule variable of every person in scope, as the columns of one query named
/// `v` (with `id`). `$1` is today's ISO date, `$2` the scope's path pattern.
const VARIABLES_QUERY: &str = "WITH dis AS (
    SELECT person_id, MAX(CASE severity WHEN 'mild' THEN 1 WHEN 'moderate' THEN 2 WHEN 'severe' THEN 3
                                        WHEN 'very_severe' THEN 4 END) AS rank
    FROM disabilities GROUP BY person_id
), hh AS (
    SELECT m.household_id, COUNT(*) AS size,
           SUM(CASE WHEN d.rank IS NOT NULL THEN 1 ELSE 0 END) AS with_disability,
           SUM(CASE WHEN d.rank >= 3 THEN 1 ELSE 0 END) AS with_severe,
           MAX(CASE WHEN m.relationship = 'head' AND m.sex = 'female' THEN 1 ELSE 0 END) AS female_headed
    FROM persons m LEFT JOIN dis d ON d.person_id = m.id
    WHERE m.deceased_on IS NULL AND m.merged_into IS NULL
    GROUP BY m.household_id
), v AS (
    SELECT s.id,
        CAST(substr($1, 1, 4) AS INTEGER) - CAST(substr(s.birth_date, 1, 4) AS INTEGER)
            - CASE WHEN substr($1, 6, 5) < substr(s.birth_date, 6, 5) THEN 1 ELSE 0 END AS person_age,
        s.sex AS person_sex,
        (s.deceased_on IS NULL) AS person_alive,
        s.marital_status AS person_marital_status,
        s.education AS person_education,
        s.employment AS person_employment,
        s.relationship AS person_relationship,
        s.income_rials AS person_income,
        s.income_decile AS person_income_decile,
        (s.sheba IS NOT NULL) AS person_has_sheba,
        hh.size AS household_size,
        hh.with_disability AS household_members_with_disability,
        hh.with_severe AS household_members_with_severe_disability,
        (hh.female_headed = 1) AS household_female_headed,
        (d.rank IS NOT NULL) AS disability_assessed,
        CASE d.rank WHEN 1 THEN 'mild' WHEN 2 THEN 'moderate' WHEN 3 THEN 'severe' WHEN 4 THEN 'very_severe' END
            AS disability_severity,
        COALESCE(d.rank, 0) AS disability_severity_rank,
        prov.code AS place_province,
        cty.code AS place_county,
        (pl.kind = 'village') AS place_rural
    FROM persons s
    LEFT JOIN dis d ON d.person_id = s.id
    LEFT JOIN hh ON hh.household_id = s.household_id
    LEFT JOIN households h ON h.id = s.household_id
    LEFT JOIN places pl ON pl.id = h.place_id
    LEFT JOIN places prov ON prov.id = pl.province_id
    LEFT JOIN places cty ON cty.id = pl.county_id
    WHERE s.merged_into IS NULL AND s.unit_id IN (SELECT id FROM org_units WHERE path LIKE $2)
)";

/// The column of `v` holding a variable.
fn column(name: &str) -> Option<String> {
    VARIABLES.iter().any(|v| v.name == name).then(|| format!("v.{}", name.replace('.', "_")))
}

/// One person's variables, for the interpreter and for explanations.
pub type PersonValues = HashMap<&'static str, Value>;

impl Store {
    /// The persons of the actor's subtree for whom a checked rule holds, by id,
    /// computed in the database.
    pub async fn eligible_persons(&self, actor: &Actor, rule: &Expr, today: time::Date) -> Result<Vec<i64>> {
        require(actor, Action::Open(Module::Programs))?;
        let compiled = compile(rule, &column, 3)
            .ok_or_else(|| StoreError::Corrupt("the rule names an unknown variable".into()))?;
        let sql = format!("{VARIABLES_QUERY} SELECT v.id FROM v WHERE {} ORDER BY v.id", compiled.sql);
        let ids = on_pool!(self, |c| {
            let mut q = sqlx::query_scalar(&sql).bind(today.to_string()).bind(actor.unit_path.subtree_pattern());
            for p in &compiled.params {
                q = match p {
                    Param::Int(n) => q.bind(*n),
                    Param::Str(s) => q.bind(s.clone()),
                };
            }
            q.fetch_all(c).await
        })?;
        Ok(ids)
    }

    /// The variables of every person in the actor's subtree (or of `ids` only),
    /// for the interpreter.
    pub async fn rule_values(
        &self,
        actor: &Actor,
        ids: Option<&[i64]>,
        today: time::Date,
    ) -> Result<Vec<(i64, PersonValues)>> {
        require(actor, Action::Open(Module::Programs))?;
        let only_some = ids.is_some();
        // Booleans come out as 1/0 on both backends.
        let columns: Vec<String> = VARIABLES
            .iter()
            .map(|v| {
                let col = format!("v.{}", v.name.replace('.', "_"));
                match v.ty {
                    Type::Bool => format!("CAST(CASE WHEN {col} THEN 1 WHEN NOT {col} THEN 0 END AS BIGINT)"),
                    Type::Int => format!("CAST({col} AS BIGINT)"),
                    _ => col,
                }
            })
            .collect();
        let ids = ids.unwrap_or(&[]);
        let filter = if only_some {
            let placeholders: Vec<String> = (0..ids.len().max(1)).map(|i| format!("${}", i + 3)).collect();
            format!(" WHERE v.id IN ({})", placeholders.join(", "))
        } else {
            String::new()
        };
        let sql = format!("{VARIABLES_QUERY} SELECT v.id, {} FROM v{filter} ORDER BY v.id", columns.join(", "));
        let rows = on_pool!(self, |c| {
            let mut q = sqlx::query(&sql).bind(today.to_string()).bind(actor.unit_path.subtree_pattern());
            if only_some {
                // An empty list still binds one impossible id, so the query has a list.
                let list: Vec<i64> = if ids.is_empty() { vec![-1] } else { ids.to_vec() };
                for id in list {
                    q = q.bind(id);
                }
            }
            let rows = q.fetch_all(c).await?;
            use sqlx::Row;
            rows.iter()
                .map(|row| {
                    let id: i64 = row.try_get(0)?;
                    let mut values = PersonValues::new();
                    for (i, v) in VARIABLES.iter().enumerate() {
                        let value = match v.ty {
                            Type::Str => row.try_get::<Option<String>, _>(i + 1)?.map(Value::Str),
                            Type::Int => row.try_get::<Option<i64>, _>(i + 1)?.map(Value::Int),
                            _ => row.try_get::<Option<i64>, _>(i + 1)?.map(|b| Value::Bool(b != 0)),
                        };
                        values.insert(v.name, value.unwrap_or(Value::Null));
                    }
                    Ok::<_, sqlx::Error>((id, values))
                })
                .collect::<std::result::Result<Vec<_>, sqlx::Error>>()
        })?;
        Ok(rows)
    }
}
