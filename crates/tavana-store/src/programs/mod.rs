//! Eligibility: a checked rule run over the registry, either compiled to SQL for a
//! whole population or interpreted for some persons from the same variables.

mod confirm;
pub(crate) mod eligibility;
mod facts;

pub(crate) use confirm::inputs_json;
pub use confirm::{ConfirmRequest, Confirmation, MAX_CONFIRMED, Persons};

use crate::access::require;
use crate::db::Store;
use crate::lists::{ListOrder, ListPage, SortColumn};
use crate::registry::Value as Written;
use crate::sql::Sql;
use crate::{Result, StoreError};
use eligibility::{Members, column_of, expression, outcome, used_variables, variables};
use std::collections::HashMap;
use tavana_domain::iam::{Action, Actor, Module};
use tavana_domain::jalali::JalaliDate;
use tavana_domain::programs::ProgramAction;
use tavana_domain::programs::rule::{Expr, ExprKind, Type, Value};
use tavana_domain::programs::variables::VARIABLES;
use tavana_domain::programs::{
    ChangeState, EnrollmentState, Outcome, ProgramFields, ProgramKind, ProgramStatus, ProgramTarget, SimulationWarning,
    Terms, decision_rule,
};

/// A rule value as JSON, for the record of what a decision rested on.
fn value_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Int(n) => serde_json::Value::from(*n),
        Value::Str(s) => serde_json::Value::from(s.as_str()),
        Value::Bool(b) => serde_json::Value::from(*b),
        Value::List(items) => serde_json::Value::Array(items.iter().map(value_json).collect()),
        Value::Null => serde_json::Value::Null,
    }
}

/// The values a program's terms read, by name: what a decision rests on.
pub(crate) fn read_values(terms: &Terms, vars: &PersonValues) -> serde_json::Map<String, serde_json::Value> {
    used_variables(&[&terms.rule, &terms.formula])
        .iter()
        .map(|name| (name.to_string(), value_json(vars.get(name).unwrap_or(&Value::Null))))
        .collect()
}

/// One person's variables, for the interpreter and for explanations.
pub type PersonValues = HashMap<&'static str, Value>;

impl Store {
    /// The day eligibility is computed as of unless stated: the first day of next
    /// Jalali month (the month a decision taken today pays from).
    pub fn default_as_of(&self) -> Result<JalaliDate> {
        Ok(JalaliDate::from_gregorian(self.today())?.first_of_next_month()?)
    }

    /// The programs' figures for the actor's subtree, for the dashboard: persons
    /// enrolled, and enrollments flagged for review.
    pub async fn program_figures(&self, actor: &Actor) -> Result<[(&'static str, i64); 2]> {
        require(actor, Action::Open(Module::Programs))?;
        let (enrolled, reviews): (i64, i64) = on_pool!(self, |c| {
            sqlx::query_as(
                "WITH scope AS (SELECT id FROM org_units WHERE path LIKE $1) SELECT \
                 (SELECT COUNT(*) FROM enrollments WHERE state = 'enrolled' AND unit_id IN (SELECT id FROM scope)), \
                 (SELECT COUNT(*) FROM enrollment_reviews WHERE resolved_at IS NULL AND unit_id IN (SELECT id FROM scope))",
            )
            .bind(actor.unit_path.subtree_pattern())
            .fetch_one(c)
            .await
        })?;
        Ok([("enrollments", enrolled), ("reviews", reviews)])
    }

    /// The persons of the actor's subtree for whom a checked rule holds as of a
    /// day, by id, computed in the database.
    pub async fn eligible_persons(&self, actor: &Actor, rule: &Expr, as_of: JalaliDate) -> Result<Vec<i64>> {
        require(actor, Action::Open(Module::Programs))?;
        let mut sql = self.subtree_variables(actor, &used_variables(&[rule]), as_of, None).await?;
        sql.push("SELECT v.id FROM v WHERE ").append(&expression(rule)?).push(" ORDER BY v.id");
        let started = std::time::Instant::now();
        let ids = on_bounded!(self, |c| sql.builder().build_query_scalar().fetch_all(c).await)?;
        self.work.eligibility_run(started.elapsed());
        Ok(ids)
    }

    /// Each person of the actor's subtree with the outcome of a program's terms as
    /// of a day and the amount, computed in the database, for the persons whose
    /// outcome is not "not eligible".
    pub async fn outcomes(&self, actor: &Actor, terms: &Terms, as_of: JalaliDate) -> Result<Vec<PersonOutcome>> {
        require(actor, Action::Open(Module::Programs))?;
        let mut sql = self
            .subtree_variables(actor, &used_variables(&[&terms.rule, &terms.formula]), as_of, Some(terms.target))
            .await?;
        let decided = outcome(terms)?;
        sql.push("SELECT id, outcome, CASE WHEN outcome = ")
            .bind_str(Outcome::Eligible.code())
            .push(" THEN amount END AS amount FROM (SELECT v.id, ")
            .append(&decided)
            .push(" AS outcome, CAST(")
            .append(&expression(&terms.formula)?)
            .push(" AS BIGINT) AS amount FROM v) o WHERE outcome <> ")
            .bind_str(Outcome::NotEligible.code())
            .push(" ORDER BY id");
        let started = std::time::Instant::now();
        let rows = on_bounded!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        self.work.eligibility_run(started.elapsed());
        // Who is eligible, and for how much, over a subtree: one entry for the
        // whole read, naming the subtree and the terms.
        self.log_read(
            actor,
            crate::audit::Sensitive::Eligibility,
            "person",
            &format!("subtree {}", actor.unit_path.as_str()),
            serde_json::json!({ "rule": terms.rule.to_text(), "formula": terms.formula.to_text(), "as_of": as_of.to_ascii() }),
        )
        .await?;
        Ok(rows)
    }

    /// The variables of every person in the actor's subtree (or of `ids` only) as
    /// of a day, for the interpreter.
    pub async fn rule_values(
        &self,
        actor: &Actor,
        ids: Option<&[i64]>,
        as_of: JalaliDate,
    ) -> Result<Vec<(i64, PersonValues)>> {
        require(actor, Action::Open(Module::Programs))?;
        let values = self.values_in(&actor.unit_path.subtree_pattern(), ids, as_of).await?;
        let objects = match ids {
            Some(_) => values.iter().map(|(id, _)| id.to_string()).collect::<Vec<_>>().join(","),
            None => format!("subtree {}", actor.unit_path.as_str()),
        };
        self.log_read(actor, crate::audit::Sensitive::RuleValues, "person", &objects, serde_json::json!({})).await?;
        Ok(values)
    }

    /// The variables `used` of every person in the actor's subtree as of a day, as
    /// the query `v` (`deciding`: only those a program's decision can hold for).
    async fn subtree_variables(
        &self,
        actor: &Actor,
        used: &[&str],
        as_of: JalaliDate,
        deciding: Option<ProgramTarget>,
    ) -> Result<Sql> {
        variables(used, &self.as_of(as_of).await?, &actor.unit_path.subtree_pattern(), deciding, &Members::All)
    }

    /// The variables of the persons whose unit path matches `pattern`, as of a day.
    pub(crate) async fn values_in(
        &self,
        pattern: &str,
        ids: Option<&[i64]>,
        as_of: JalaliDate,
    ) -> Result<Vec<(i64, PersonValues)>> {
        let all: Vec<&str> = VARIABLES.iter().map(|v| v.name).collect();
        // A few persons' values count their households' members only.
        let members = ids.map_or(Members::All, |ids| Members::HouseholdsOf(ids.to_vec()));
        let mut sql = variables(&all, &self.as_of(as_of).await?, pattern, None, &members)?;
        sql.push("SELECT v.id");
        // Booleans come out as 1/0 on both backends.
        for v in VARIABLES {
            let col = column_of(v.name);
            sql.push(&match v.ty {
                Type::Bool => format!(", CAST(CASE WHEN {col} THEN 1 WHEN NOT {col} THEN 0 END AS BIGINT)"),
                Type::Int => format!(", CAST({col} AS BIGINT)"),
                _ => format!(", {col}"),
            });
        }
        sql.push(" FROM v");
        if let Some(ids) = ids {
            sql.push(" WHERE v.id IN ").bind_ids(ids);
        }
        sql.push(" ORDER BY v.id");
        let rows = on_bounded!(self, |c| {
            let rows = sql.builder().build().fetch_all(c).await?;
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

/// A person's outcome under a program's terms, from the database.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct PersonOutcome {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub outcome: Outcome,
    pub amount: Option<i64>,
}

/// A program as stored, with its rule and formula as written (and as its earlier
/// versions are kept in `record_versions`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Program {
    pub id: i64,
    pub code: String,
    pub name_fa: String,
    pub name_en: String,
    #[sqlx(try_from = "String")]
    pub kind: ProgramKind,
    #[sqlx(try_from = "String")]
    pub target: ProgramTarget,
    pub rule: String,
    pub formula: String,
    pub budget_month: Option<i64>,
    pub budget_year: Option<i64>,
    #[sqlx(try_from = "String")]
    pub status: ProgramStatus,
    pub version: i64,
}

impl Program {
    /// The terms this program decides by: its decision rule and formula.
    pub fn terms(&self) -> Result<Terms> {
        let rule = tavana_domain::programs::parse_rule("rule", &self.rule)?;
        let formula = tavana_domain::programs::parse_formula("formula", &self.formula)?;
        Ok(Terms::new(self.target, rule, formula))
    }
}

/// A change proposed to a program in force.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgramChange {
    pub id: i64,
    pub program_id: i64,
    /// The program's version it was proposed against.
    pub base_version: i64,
    /// The new definition, as typed (JSON).
    pub definition: String,
    /// The first day it applies from, ISO.
    pub effective_from: String,
    pub reason: String,
    #[sqlx(try_from = "String")]
    pub state: ChangeState,
    pub proposed_by: i64,
    pub proposed_at: i64,
    pub decided_by: Option<i64>,
    pub decided_at: Option<i64>,
    pub decision_reason: Option<String>,
}

const CHANGE_COLUMNS: &str = "id, program_id, base_version, definition, effective_from, reason, state, proposed_by, \
     proposed_at, decided_by, decided_at, decision_reason";

async fn change_in_tx(tx: &mut crate::db::WriteTx, id: i64) -> Result<ProgramChange> {
    let sql = format!("SELECT {CHANGE_COLUMNS} FROM program_changes WHERE id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?)
}

/// Writes a new definition over a program at its current version, keeping the
/// previous one in `record_versions`, on behalf of `by` (user and unit); when its
/// terms changed, the enrollments under the old ones are decided again.
async fn apply_definition(
    tx: &mut crate::db::WriteTx,
    actor: Option<&Actor>,
    by: (i64, i64),
    current: &Program,
    f: &ProgramFields,
    reason: &str,
) -> Result<Program> {
    let now = tx.now();
    let id = current.id;
    on_tx!(tx, |c| {
        sqlx::query(
            "INSERT INTO record_versions (object_type, object_id, version, province_id, data, changed_at, changed_by, unit_id, \
             reason, superseded_at) SELECT 'program', id, version, NULL, $1, updated_at, updated_by, updated_unit_id, \
             change_reason, $2 FROM programs WHERE id = $3",
        )
        .bind(serde_json::json!(current).to_string())
        .bind(now)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    let changed = on_tx!(tx, |c| {
        let mut q = sqlx::QueryBuilder::new("UPDATE programs SET ");
        let mut set = q.separated(", ");
        for (column, value) in definition(f) {
            set.push(format!("{column} = "));
            match value {
                Written::Text(t) => set.push_bind_unseparated(t),
                Written::Owned(t) => set.push_bind_unseparated(t),
                Written::Int(n) => set.push_bind_unseparated(n),
            };
        }
        q.push(", version = version + 1, updated_at = ").push_bind(now);
        q.push(", updated_by = ").push_bind(by.0);
        q.push(", updated_unit_id = ").push_bind(by.1);
        q.push(", change_reason = ").push_bind(reason);
        q.push(" WHERE id = ").push_bind(id).push(" AND version = ").push_bind(current.version);
        q.build().execute(c).await.map(|r| r.rows_affected())
    })?;
    if changed == 0 {
        return Err(StoreError::Conflict { field: "version".into() });
    }
    let sql = format!("SELECT {PROGRAM_COLUMNS} FROM programs WHERE id = $1");
    let program: Program = on_tx!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
    tx.audit_as(
        Some(by),
        crate::audit::AuditEvent::new("program.update", "program", id)
            .before(serde_json::json!(current))
            .after(serde_json::json!(program)),
    )
    .await?;
    if current.rule != program.rule || current.target != program.target || current.formula != program.formula {
        // Enrollments under the old terms are decided again by the new ones.
        tx.emit(actor, &tavana_domain::events::Event::about_program(id, reason)).await?;
    }
    Ok(program)
}

/// A program's definition as written: the one list its creation and its edits write.
fn definition(f: &ProgramFields) -> [(&'static str, Written<'_>); 9] {
    [
        ("code", Written::Text(Some(&f.code))),
        ("name_fa", Written::Text(Some(&f.name_fa))),
        ("name_en", Written::Text(Some(&f.name_en))),
        ("kind", Written::Text(Some(f.kind.code()))),
        ("target", Written::Text(Some(f.target.code()))),
        ("rule", Written::Text(Some(&f.rule_text))),
        ("formula", Written::Text(Some(&f.formula_text))),
        ("budget_month", Written::Int(f.budget_month.map(|r| r.get()))),
        ("budget_year", Written::Int(f.budget_year.map(|r| r.get()))),
    ]
}

const PROGRAM_COLUMNS: &str =
    "id, code, name_fa, name_en, kind, target, rule, formula, budget_month, budget_year, status, version";

/// One row of a simulation: a county's eligible persons and monthly cost under a
/// draft rule and formula, and who gains or loses against the current terms.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SimulationRow {
    pub province: Option<String>,
    pub county: Option<String>,
    pub eligible: i64,
    /// Persons the draft cannot decide for: a value it reads is not recorded.
    pub needs_information: i64,
    pub monthly_cost: i64,
    /// Eligible under the draft, not under the program's current terms.
    pub gainers: i64,
    /// Eligible under the current terms, not under the draft.
    pub losers: i64,
    /// Persons the program decides for here: everyone, or each household's head.
    pub candidates: i64,
}

/// A person a draft would make eligible (`gains`) or no longer eligible, with the
/// monthly amount now and under the draft (none where not eligible).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SimulationChange {
    pub person_id: i64,
    pub national_code: String,
    pub first_name: String,
    pub last_name: String,
    /// The county's code.
    pub county: Option<String>,
    pub gains: bool,
    pub amount_now: Option<i64>,
    pub amount_draft: Option<i64>,
}

/// A simulation: its rows, the day it was computed as of, and what looks wrong.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Simulation {
    /// The day, Jalali (`1405/10/01`).
    pub as_of: String,
    pub rows: Vec<SimulationRow>,
    pub warnings: Vec<SimulationWarning>,
}

/// What running a program's rule proposes as of a day: persons to enroll, persons
/// it cannot decide for without more information, and enrolled persons who no
/// longer qualify (for an officer to review; nothing changes by itself).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Proposal {
    pub to_enroll: Vec<i64>,
    /// The monthly amount of each person to enroll, in the same order (rials).
    pub amounts: Vec<i64>,
    pub needs_information: Vec<i64>,
    pub no_longer_eligible: Vec<i64>,
}

impl Store {
    /// Creates a program in draft (program officers).
    pub async fn create_program(
        &self,
        actor: &Actor,
        f: &tavana_domain::programs::ProgramFields,
        reason: &str,
    ) -> Result<Program> {
        require(actor, Action::Programs(ProgramAction::Manage))?;
        national_scope(actor)?;
        let now = self.now();
        let program = self.write(async |tx| {
            let id: i64 = on_tx!(tx, |c| {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO programs (");
                let columns = definition(f).map(|(column, _)| column);
                q.push(columns.join(", "));
                q.push(", status, version, created_at, updated_at, updated_by, updated_unit_id, change_reason) VALUES (");
                let mut values = q.separated(", ");
                for (_, value) in definition(f) {
                    match value {
                        Written::Text(t) => values.push_bind(t),
                        Written::Owned(t) => values.push_bind(t),
                        Written::Int(n) => values.push_bind(n),
                    };
                }
                values.push_bind(ProgramStatus::Draft.code()).push_bind(1i64).push_bind(now).push_bind(now);
                values.push_bind(actor.user_id).push_bind(actor.unit_id).push_bind(reason);
                q.push(") RETURNING id");
                q.build_query_scalar().fetch_one(c).await
            })?;
            let sql = format!("SELECT {PROGRAM_COLUMNS} FROM programs WHERE id = $1");
            let program: Program = on_tx!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("program.create", "program", id).after(serde_json::json!(program)),
            )
            .await?;
            Ok(program)
        })
        .await?;
        Ok(program)
    }

    /// Every program (programs are national; anyone who opens programs sees them).
    pub async fn programs(&self, actor: &Actor) -> Result<Vec<Program>> {
        require(actor, Action::Open(Module::Programs))?;
        let sql = format!("SELECT {PROGRAM_COLUMNS} FROM programs ORDER BY code");
        let rows = on_pool!(self, |c| sqlx::query_as(&sql).fetch_all(c).await)?;
        Ok(rows)
    }

    pub async fn program(&self, actor: &Actor, id: i64) -> Result<Program> {
        require(actor, Action::Open(Module::Programs))?;
        let sql = format!("SELECT {PROGRAM_COLUMNS} FROM programs WHERE id = $1");
        let program = on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
        Ok(program)
    }

    /// The program as it stood on a day: its current definition, unless a change
    /// applied since took effect after that day, in which case the definition that
    /// change replaced (kept in `record_versions`). What a payment for a month is
    /// computed by: the terms in force on its first day.
    pub(crate) async fn program_in_force(&self, program_id: i64, day: JalaliDate) -> Result<Program> {
        let later: Option<i64> = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT base_version FROM program_changes WHERE program_id = $1 AND state = 'applied' \
             AND effective_from > $2 ORDER BY effective_from, id LIMIT 1"
        )
        .bind(program_id)
        .bind(day.to_gregorian().to_string())
        .fetch_optional(c)
        .await)?;
        let Some(version) = later else {
            let sql = format!("SELECT {PROGRAM_COLUMNS} FROM programs WHERE id = $1");
            return Ok(on_pool!(self, |c| sqlx::query_as(&sql).bind(program_id).fetch_one(c).await)?);
        };
        let data: String = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT data FROM record_versions WHERE object_type = 'program' AND object_id = $1 AND version = $2"
        )
        .bind(program_id)
        .bind(version)
        .fetch_one(c)
        .await)?;
        serde_json::from_str(&data)
            .map_err(|e| StoreError::Corrupt(format!("program {program_id} version {version}: {e}")))
    }

    /// What a draft rule and formula would give for a program as of a day
    /// (household programs counted once, on the head), against its terms in force.
    pub async fn simulate_program(
        &self,
        actor: &Actor,
        program_id: i64,
        rule: Expr,
        formula: Expr,
        as_of: JalaliDate,
    ) -> Result<Simulation> {
        self.apply_due_program_changes().await?;
        let program = self.program(actor, program_id).await?;
        let current = program.terms()?;
        let draft = Terms::new(program.target, rule, formula);
        let candidates = decision_rule(program.target, Expr { kind: ExprKind::Bool(true), span: draft.rule.span });
        self.simulate(actor, &draft, &current, &candidates, as_of).await
    }

    /// The persons a draft rule and formula would change the most for: those it
    /// makes eligible (gainers) or no longer eligible (losers) against the terms
    /// in force, with both monthly amounts, at most `limit` of them in id order
    /// (the simulation's rows count them all). Logged: names with amounts.
    pub async fn simulation_changes(
        &self,
        actor: &Actor,
        program_id: i64,
        rule: Expr,
        formula: Expr,
        as_of: JalaliDate,
        limit: i64,
    ) -> Result<Vec<SimulationChange>> {
        require(actor, Action::Open(Module::Programs))?;
        let program = self.program(actor, program_id).await?;
        let current = program.terms()?;
        let draft = Terms::new(program.target, rule, formula);
        let mut used = used_variables(&[&draft.rule, &draft.formula, &current.rule, &current.formula]);
        if !used.contains(&"place.county") {
            used.push("place.county");
        }
        let eligible = Outcome::Eligible.code();
        let mut sql = self.subtree_variables(actor, &used, as_of, Some(draft.target)).await?;
        sql.push(&format!(
            "SELECT x.id AS person_id, s.national_code, s.first_name, s.last_name, x.county, \
             CAST(CASE WHEN x.n = '{eligible}' THEN 1 ELSE 0 END AS BIGINT) AS gains, \
             CASE WHEN x.o = '{eligible}' THEN x.amount_old END AS amount_now, \
             CASE WHEN x.n = '{eligible}' THEN x.amount_new END AS amount_draft FROM (SELECT v.id, \
             v.place_county AS county, "
        ))
        .append(&outcome(&draft)?)
        .push(" AS n, ")
        .append(&outcome(&current)?)
        .push(" AS o, CAST(")
        .append(&expression(&draft.formula)?)
        .push(" AS BIGINT) AS amount_new, CAST(")
        .append(&expression(&current.formula)?)
        .push(&format!(
            " AS BIGINT) AS amount_old FROM v) x JOIN persons s ON s.id = x.id \
             WHERE (x.n = '{eligible}' AND x.o <> '{eligible}') OR (x.o = '{eligible}' AND x.n <> '{eligible}') \
             ORDER BY x.id LIMIT "
        ))
        .bind_int(limit);
        #[derive(sqlx::FromRow)]
        struct Row {
            person_id: i64,
            national_code: String,
            first_name: String,
            last_name: String,
            county: Option<String>,
            gains: i64,
            amount_now: Option<i64>,
            amount_draft: Option<i64>,
        }
        let rows: Vec<Row> = on_bounded!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        let rows: Vec<SimulationChange> = rows
            .into_iter()
            .map(|r| SimulationChange {
                person_id: r.person_id,
                national_code: r.national_code,
                first_name: r.first_name,
                last_name: r.last_name,
                county: r.county,
                gains: r.gains == 1,
                amount_now: r.amount_now,
                amount_draft: r.amount_draft,
            })
            .collect();
        self.log_read(
            actor,
            crate::audit::Sensitive::Eligibility,
            "program",
            &program_id.to_string(),
            serde_json::json!({ "simulation": as_of.to_ascii(), "rows": rows.len() }),
        )
        .await?;
        Ok(rows)
    }

    /// What draft terms would give, per province and county of the actor's
    /// subtree, against `current` (the terms in force). Reads only.
    async fn simulate(
        &self,
        actor: &Actor,
        draft: &Terms,
        current: &Terms,
        candidates: &Expr,
        as_of: JalaliDate,
    ) -> Result<Simulation> {
        require(actor, Action::Open(Module::Programs))?;
        let mut used = used_variables(&[&draft.rule, &draft.formula, &current.rule, &current.formula, candidates]);
        for grouped in ["place.province", "place.county"] {
            if !used.contains(&grouped) {
                used.push(grouped);
            }
        }
        let eligible = Outcome::Eligible.code();
        let mut sql = self.subtree_variables(actor, &used, as_of, Some(draft.target)).await?;
        sql.push("SELECT province, county, ")
            .push(&format!("CAST(SUM(CASE WHEN n = '{eligible}' THEN 1 ELSE 0 END) AS BIGINT) AS eligible, "))
            .push(&format!(
                "CAST(SUM(CASE WHEN n = '{}' THEN 1 ELSE 0 END) AS BIGINT) AS needs_information, ",
                Outcome::NeedsInformation.code()
            ))
            .push(&format!("CAST(SUM(CASE WHEN n = '{eligible}' THEN amount ELSE 0 END) AS BIGINT) AS monthly_cost, "))
            .push(&format!(
                "CAST(SUM(CASE WHEN n = '{eligible}' AND o <> '{eligible}' THEN 1 ELSE 0 END) AS BIGINT) AS gainers, "
            ))
            .push(&format!(
                "CAST(SUM(CASE WHEN o = '{eligible}' AND n <> '{eligible}' THEN 1 ELSE 0 END) AS BIGINT) AS losers, "
            ))
            .push("CAST(SUM(CASE WHEN c THEN 1 ELSE 0 END) AS BIGINT) AS candidates FROM (SELECT v.place_province AS province, \
                   v.place_county AS county, ")
            .append(&outcome(draft)?)
            .push(" AS n, ")
            .append(&outcome(current)?)
            .push(" AS o, CAST(")
            .append(&expression(&draft.formula)?)
            .push(" AS BIGINT) AS amount, COALESCE(")
            .append(&expression(candidates)?)
            .push(", (1 = 0)) AS c FROM v) x GROUP BY province, county ORDER BY province, county");
        let started = std::time::Instant::now();
        let rows: Vec<SimulationRow> = on_bounded!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        self.work.eligibility_run(started.elapsed());
        let total = |f: fn(&SimulationRow) -> i64| rows.iter().map(f).sum::<i64>();
        let mut warnings = Vec::new();
        if total(|r| r.eligible) == 0 && total(|r| r.needs_information) == 0 {
            warnings.push(SimulationWarning::SelectsNoOne);
        } else if total(|r| r.eligible) == total(|r| r.candidates) {
            warnings.push(SimulationWarning::SelectsEveryone);
        }
        Ok(Simulation { as_of: as_of.to_ascii(), rows, warnings })
    }

    /// Runs a program's terms as of a day: who to enroll, who needs information,
    /// and who is enrolled but no longer qualifies. Household programs are decided
    /// on the household's head.
    pub async fn propose_enrollments(&self, actor: &Actor, program_id: i64, as_of: JalaliDate) -> Result<Proposal> {
        self.apply_due_program_changes().await?;
        let program = self.program(actor, program_id).await?;
        if program.status == ProgramStatus::Closed {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new(
                "status",
                tavana_domain::error::Reason::OutOfRange,
            )));
        }
        let outcomes = self.outcomes(actor, &program.terms()?, as_of).await?;
        let enrolled: Vec<i64> = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT e.person_id FROM enrollments e WHERE e.program_id = $1 AND e.state = 'enrolled' \
             AND e.unit_id IN (SELECT id FROM org_units WHERE path LIKE $2) ORDER BY e.person_id"
        )
        .bind(program_id)
        .bind(actor.unit_path.subtree_pattern())
        .fetch_all(c)
        .await)?;
        let enrolled_set: std::collections::HashSet<i64> = enrolled.iter().copied().collect();
        let eligible: std::collections::HashSet<i64> =
            outcomes.iter().filter(|o| o.outcome == Outcome::Eligible).map(|o| o.id).collect();
        let pick = |outcome: Outcome| -> Vec<i64> {
            outcomes.iter().filter(|o| o.outcome == outcome && !enrolled_set.contains(&o.id)).map(|o| o.id).collect()
        };
        let to_enroll = pick(Outcome::Eligible);
        let amount_of: std::collections::HashMap<i64, i64> =
            outcomes.iter().filter_map(|o| o.amount.map(|a| (o.id, a))).collect();
        Ok(Proposal {
            amounts: to_enroll.iter().map(|id| amount_of.get(id).copied().unwrap_or(0)).collect(),
            to_enroll,
            needs_information: pick(Outcome::NeedsInformation),
            no_longer_eligible: enrolled.into_iter().filter(|id| !eligible.contains(id)).collect(),
        })
    }

    /// A proposal as a download: every person it would enroll, with their code,
    /// name, date of birth and monthly amount, as CSV (logged as an export).
    /// Returns the rows written.
    pub async fn export_proposal(
        &self,
        actor: &Actor,
        program_id: i64,
        as_of: JalaliDate,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<u64> {
        #[derive(serde::Serialize)]
        struct Line<'a> {
            national_code: &'a str,
            first_name: &'a str,
            last_name: &'a str,
            birth_date: &'a str,
            amount_rials: i64,
        }
        let proposal = self.propose_enrollments(actor, program_id, as_of).await?;
        let amounts: HashMap<i64, i64> =
            proposal.to_enroll.iter().copied().zip(proposal.amounts.iter().copied()).collect();
        let mut csv = csv::Writer::from_writer(out);
        let mut rows = 0u64;
        for chunk in proposal.to_enroll.chunks(500) {
            for person in self.person_summaries(actor, chunk).await? {
                let line = Line {
                    national_code: &person.national_code,
                    first_name: &person.first_name,
                    last_name: &person.last_name,
                    birth_date: &person.birth_date,
                    amount_rials: amounts.get(&person.id).copied().unwrap_or_default(),
                };
                crate::registry::export::write_csv(&mut csv, &line, rows == 0)?;
                rows += 1;
            }
        }
        csv.flush().map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Export,
            "program",
            &program_id.to_string(),
            serde_json::json!({ "proposal": as_of.to_ascii(), "rows": rows }),
        )
        .await?;
        Ok(rows)
    }
}

impl Store {
    /// Why a person is or is not eligible for a program as of a day: each clause
    /// of its decision rule with the values it read, the outcome and the amount.
    /// The read of the person's data is logged.
    pub async fn explain_eligibility(
        &self,
        actor: &Actor,
        program_id: i64,
        person_id: i64,
        as_of: JalaliDate,
    ) -> Result<Explanation> {
        let explanation = self.explanation_unlogged(actor, program_id, person_id, as_of).await?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Eligibility,
            "person",
            &person_id.to_string(),
            serde_json::json!({ "program": program_id, "as_of": as_of.to_ascii() }),
        )
        .await?;
        Ok(explanation)
    }

    /// The explanation, for a caller that logs the read it is part of (an
    /// application's file).
    pub(crate) async fn explanation_unlogged(
        &self,
        actor: &Actor,
        program_id: i64,
        person_id: i64,
        as_of: JalaliDate,
    ) -> Result<Explanation> {
        let program = self.program(actor, program_id).await?;
        let person = self.person_unlogged(actor, person_id).await?;
        let terms = program.terms()?;
        let values = self.values_in(&actor.unit_path.subtree_pattern(), Some(&[person_id]), as_of).await?;
        let vars = values.into_iter().next().map(|(_, v)| v).unwrap_or_default();
        let lookup = |n: &str| vars.get(n).cloned().unwrap_or(Value::Null);
        let clauses = tavana_domain::programs::explain::explain(&terms.rule, VARIABLES, &lookup);
        let (outcome, amount) = terms.decide(&lookup);
        let missing = clauses
            .iter()
            .filter(|c| c.holds.is_none())
            .flat_map(|c| c.inputs.iter().filter(|(_, v)| *v == Value::Null).map(|(n, _)| n.clone()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        Ok(Explanation {
            program,
            person_name: format!("{} {}", person.values.first_name, person.values.last_name),
            household_id: person.values.household_id,
            as_of: as_of.to_ascii(),
            clauses,
            outcome,
            amount,
            missing,
        })
    }
}

/// Why a person is or is not eligible, as of a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub program: Program,
    pub person_name: String,
    pub household_id: i64,
    pub as_of: String,
    pub clauses: Vec<tavana_domain::programs::explain::Clause>,
    pub outcome: Outcome,
    pub amount: Option<i64>,
    /// The variables whose missing values left the outcome undecided.
    pub missing: Vec<String>,
}

/// A program's monthly budget in one province.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvinceBudget {
    /// The province's code (`08`).
    pub province: String,
    pub budget_month: i64,
    /// What its enrollments in force cost a month.
    pub spent_month: i64,
    /// Eligible applicants waiting for budget.
    pub waiting: i64,
}

impl Store {
    /// Sets a program's monthly budget in a province (program officers at HQ).
    pub async fn set_province_budget(
        &self,
        actor: &Actor,
        program_id: i64,
        province: &str,
        budget_month: tavana_domain::Rials,
    ) -> Result<()> {
        use tavana_domain::error::Reason;
        require(actor, Action::Programs(ProgramAction::Manage))?;
        national_scope(actor)?;
        if budget_month.get() < 0 {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new("budget_month", Reason::OutOfRange)));
        }
        self.program(actor, program_id).await?;
        let place = self.place_by_code(province).await.map_err(|e| match e {
            StoreError::NotFound => StoreError::Invalid(tavana_domain::DomainError::new("province", Reason::NotInList)),
            other => other,
        })?;
        if place.kind != tavana_domain::org::PlaceKind::Province.as_str() {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new("province", Reason::NotInList)));
        }
        let now = self.now();
        self.write(async |tx| {
            on_tx!(tx, |c| sqlx::query(
                "INSERT INTO program_budgets (program_id, province_id, budget_month, updated_at, updated_by) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (program_id, province_id) DO UPDATE SET \
                 budget_month = $3, updated_at = $4, updated_by = $5"
            )
            .bind(program_id)
            .bind(place.id)
            .bind(budget_month.get())
            .bind(now)
            .bind(actor.user_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("program.budget", "program", program_id)
                    .after(serde_json::json!({ "province": province, "budget_month": budget_month.get() })),
            )
            .await
        })
        .await
    }

    /// A program's budgets per province, with what each has spent and how many wait.
    pub async fn province_budgets(&self, actor: &Actor, program_id: i64) -> Result<Vec<ProvinceBudget>> {
        self.program(actor, program_id).await?;
        let rows = on_pool!(self, |c| sqlx::query_as(
            "SELECT pl.code AS province, b.budget_month, \
             CAST(COALESCE((SELECT SUM(e.amount_rials) FROM enrollments e WHERE e.program_id = b.program_id \
             AND e.province_id = b.province_id AND e.state = 'enrolled'), 0) AS BIGINT) AS spent_month, \
             (SELECT COUNT(*) FROM enrollments e WHERE e.program_id = b.program_id AND e.province_id = b.province_id \
             AND e.state = 'draft') AS waiting \
             FROM program_budgets b JOIN places pl ON pl.id = b.province_id WHERE b.program_id = $1 ORDER BY pl.code"
        )
        .bind(program_id)
        .fetch_all(c)
        .await)?;
        Ok(rows)
    }
}

/// Programs and their budgets are changed at HQ only.
fn national_scope(actor: &Actor) -> Result<()> {
    crate::access::national_scope(actor, "change a national program")
}

/// An enrollment a registry change may have ended, waiting for an officer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct Review {
    pub id: i64,
    pub program_id: i64,
    pub person_id: i64,
    pub reason: String,
    pub flagged_at: i64,
}

impl Store {
    /// Open reviews of a program in the actor's subtree.
    pub async fn open_reviews(&self, actor: &Actor, program_id: i64) -> Result<Vec<Review>> {
        require(actor, Action::Open(Module::Programs))?;
        let rows = on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT id, program_id, person_id, reason, flagged_at FROM enrollment_reviews \
             WHERE program_id = $1 AND resolved_at IS NULL AND unit_id IN (SELECT id FROM org_units WHERE path LIKE $2) ORDER BY id"
        )
        .bind(program_id)
        .bind(actor.unit_path.subtree_pattern())
        .fetch_all(c)
        .await
        })?;
        Ok(rows)
    }
}

/// A decision on an enrollment: the state it moves to, and why; a
/// beneficiary's exit also names its coded reason
/// ([`tavana_domain::programs::exit_reason_for`]).
#[derive(Debug, Clone, Copy)]
pub struct EnrollmentDecision<'a> {
    pub to: tavana_domain::programs::EnrollmentState,
    pub reasons: &'a str,
    pub legal_basis: &'a str,
    pub exit_reason: Option<tavana_domain::programs::ExitReason>,
}

/// An enrollment with its person, for lists.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct Enrollment {
    pub id: i64,
    pub program_id: i64,
    pub person_id: i64,
    #[sqlx(try_from = "String")]
    pub state: EnrollmentState,
    pub amount_rials: Option<i64>,
    pub version: i64,
}

/// The Jalali month a decision made on `day` takes effect in, as stored
/// (`year * 100 + month`).
pub(crate) fn effective_month(day: time::Date) -> Result<i64> {
    Ok(tavana_domain::payments::PayMonth::of(tavana_domain::jalali::JalaliDate::from_gregorian(day)?).code())
}

/// Moves an enrollment (as read, at its version) to `to` by a decision: the
/// move, the decision's record (reasons, legal basis, who, when, appeal
/// deadline thirty days from `today`), its open reviews closed and the audit
/// entry, in the caller's transaction. Every decision that moves an enrollment
/// one at a time is recorded here (an officer's, an appeal board's, which
/// names the decision it `undoes`). Returns the decision's id.
pub(crate) async fn record_decision(
    tx: &mut crate::db::WriteTx,
    actor: &Actor,
    current: &Enrollment,
    decision: &EnrollmentDecision<'_>,
    today: time::Date,
    undoes: Option<i64>,
) -> Result<i64> {
    let EnrollmentDecision { to, reasons, legal_basis, exit_reason } = *decision;
    // Every decision names its reasons and legal basis, whoever makes it.
    let reasons = tavana_domain::text::required_text("reasons", reasons)?;
    let legal_basis = tavana_domain::text::required_text("legal_basis", legal_basis)?;
    let (from, now) = (current.state, tx.now());
    if !from.may_become(to) {
        return Err(StoreError::Invalid(tavana_domain::DomainError::new(
            "state",
            tavana_domain::error::Reason::OutOfRange,
        )));
    }
    let exit_reason = tavana_domain::programs::exit_reason_for(from, to, exit_reason)?;
    let changed = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE enrollments SET state = $1, version = version + 1, updated_at = $2, updated_by = $3 WHERE id = $4 AND version = $5",
        )
        .bind(to.code())
        .bind(now)
        .bind(actor.user_id)
        .bind(current.id)
        .bind(current.version)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    if changed == 0 {
        return Err(StoreError::Conflict { field: "version".into() });
    }
    write_decision(
        tx,
        actor,
        (current.id, current.program_id),
        (Some(from), to),
        (reasons, legal_basis, exit_reason),
        today,
        undoes,
    )
    .await
}

/// The decision's record for an enrollment just moved (or created) from `from`
/// to `to`: the decision row (reasons, legal basis, who, when, appeal deadline,
/// the month it takes effect in, the decision it undoes), the enrollment's open
/// reviews closed, its open applications moved with it, and the audit entry.
/// Every decision made one at a time ends here. Returns the decision's id.
async fn write_decision(
    tx: &mut crate::db::WriteTx,
    actor: &Actor,
    (enrollment, program_id): (i64, i64),
    (from, to): (Option<EnrollmentState>, EnrollmentState),
    (reasons, legal_basis, exit_reason): (&str, &str, Option<tavana_domain::programs::ExitReason>),
    today: time::Date,
    undoes: Option<i64>,
) -> Result<i64> {
    let now = tx.now();
    let decision: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
            "INSERT INTO decisions (enrollment_id, program_id, person_id, province_id, from_state, to_state, reasons, legal_basis, \
             decided_by, decided_at, appeal_until, effective_month, undoes_decision_id, exit_reason) SELECT id, program_id, \
             person_id, province_id, $1, $2, $3, $4, $5, $6, $7, $9, $10, $11 FROM enrollments WHERE id = $8 RETURNING id",
        )
        .bind(from.map(|f| f.code()))
        .bind(to.code())
        .bind(reasons.trim())
        .bind(legal_basis.trim())
        .bind(actor.user_id)
        .bind(now)
        .bind(tavana_domain::cases::appeal_deadline(today).to_string())
        .bind(enrollment)
        .bind(effective_month(today)?)
        .bind(undoes)
        .bind(exit_reason.map(|r| r.code()))
        .fetch_one(c)
        .await
    })?;
    let mut this = Sql::new("d.id = ");
    this.bind_int(decision);
    tx.tally_decisions(&this).await?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE enrollment_reviews SET resolved_at = $1 WHERE enrollment_id = $2 AND resolved_at IS NULL"
    )
    .bind(now)
    .bind(enrollment)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    let applications = crate::applications::follow_enrollments(
        tx,
        actor,
        program_id,
        crate::applications::Moved::Enrollment(enrollment),
    )
    .await?;
    tx.audit(
        Some(actor),
        crate::audit::AuditEvent::new("enrollment.decide", "enrollment", enrollment)
            .before(serde_json::json!({ "state": from.map(|f| f.code()) }))
            .after(serde_json::json!({
                "state": to.code(), "reasons": reasons, "legal_basis": legal_basis, "decision": decision,
                "exit_reason": exit_reason.map(|r| r.code()),
                "applications": applications,
            })),
    )
    .await?;
    Ok(decision)
}

/// Records that a person is not eligible for a program, by a decision with
/// reasons and a legal basis (an application rejected): their enrollment is
/// created in that state, or moved to it from a state that is not in force
/// (exited, not eligible, a duplicate). Appealable like every decision. Returns
/// the decision's id.
pub(crate) async fn record_refusal(
    tx: &mut crate::db::WriteTx,
    actor: &Actor,
    (program_id, person_id): (i64, i64),
    (reasons, legal_basis): (&str, &str),
    today: time::Date,
) -> Result<i64> {
    let reasons = tavana_domain::text::required_text("reasons", reasons)?;
    let legal_basis = tavana_domain::text::required_text("legal_basis", legal_basis)?;
    let to = EnrollmentState::NotEligible;
    let current: Option<(i64, String)> =
        on_tx!(tx, |c| sqlx::query_as("SELECT id, state FROM enrollments WHERE program_id = $1 AND person_id = $2")
            .bind(program_id)
            .bind(person_id)
            .fetch_optional(c)
            .await)?;
    let from = current.as_ref().map(|(_, s)| EnrollmentState::try_from(s.clone())).transpose()?;
    if let Some(from) = from
        && !matches!(from, EnrollmentState::Exited | EnrollmentState::NotEligible | EnrollmentState::Duplicate)
    {
        return Err(StoreError::Invalid(tavana_domain::DomainError::new(
            "state",
            tavana_domain::error::Reason::OutOfRange,
        )));
    }
    let now = tx.now();
    let enrollment: i64 = match current {
        Some((id, _)) => {
            on_tx!(tx, |c| {
                sqlx::query(
                "UPDATE enrollments SET state = $1, version = version + 1, updated_at = $2, updated_by = $3 WHERE id = $4"
            )
            .bind(to.code())
            .bind(now)
            .bind(actor.user_id)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            })?;
            id
        }
        None => on_tx!(tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO enrollments (program_id, person_id, province_id, unit_id, state, version, updated_at, updated_by, \
             household_id, place_id) SELECT $1, s.id, s.province_id, s.unit_id, $2, 1, $3, $4, s.household_id, \
             (SELECT h.place_id FROM households h WHERE h.id = s.household_id) FROM persons s WHERE s.id = $5 RETURNING id"
        )
        .bind(program_id)
        .bind(to.code())
        .bind(now)
        .bind(actor.user_id)
        .bind(person_id)
        .fetch_one(c)
        .await
        })?,
    };
    write_decision(tx, actor, (enrollment, program_id), (from, to), (reasons, legal_basis, None), today, None).await
}

impl Store {
    /// The enrollment of a person in a program; `NotFound` outside the actor's
    /// subtree.
    pub async fn enrollment(&self, actor: &Actor, program_id: i64, person_id: i64) -> Result<Enrollment> {
        require(actor, Action::Open(Module::Programs))?;
        let row = on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT e.id, e.program_id, e.person_id, e.state, e.amount_rials, e.version FROM enrollments e \
             WHERE e.program_id = $1 AND e.person_id = $2 AND e.unit_id IN (SELECT id FROM org_units WHERE path LIKE $3)"
        )
        .bind(program_id)
        .bind(person_id)
        .bind(actor.unit_path.subtree_pattern())
        .fetch_one(c)
        .await
        })?;
        Ok(row)
    }

    /// Moves an enrollment to another state by a decision (reasons and legal
    /// basis, both required; who, when, appeal deadline), and closes its open
    /// reviews (see [`record_decision`]). A move the states do not allow is
    /// refused on `state`.
    pub async fn decide_enrollment(
        &self,
        actor: &Actor,
        program_id: i64,
        person_id: i64,
        decision: &EnrollmentDecision<'_>,
    ) -> Result<Enrollment> {
        let today = self.today();
        require(actor, Action::Programs(ProgramAction::Manage))?;
        let current = self.enrollment(actor, program_id, person_id).await?;
        self.write(async |tx| record_decision(tx, actor, &current, decision, today, None).await.map(|_| ())).await?;
        self.enrollment(actor, program_id, person_id).await
    }
}

impl Store {
    /// Moves a program from draft to active, or from draft or active to closed.
    pub async fn set_program_status(
        &self,
        actor: &Actor,
        id: i64,
        status: ProgramStatus,
        reason: &str,
    ) -> Result<Program> {
        use tavana_domain::error::Reason;
        require(actor, Action::Programs(ProgramAction::Manage))?;
        national_scope(actor)?;
        let program = self.program(actor, id).await?;
        if !program.status.may_become(status) {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new("status", Reason::OutOfRange)));
        }
        if status == ProgramStatus::Active {
            // Four eyes: the officer who last wrote the definition does not put it in force.
            let author: Option<i64> =
                on_pool!(self, |c| sqlx::query_scalar("SELECT updated_by FROM programs WHERE id = $1")
                    .bind(id)
                    .fetch_one(c)
                    .await)?;
            if author == Some(actor.user_id) {
                return Err(StoreError::Forbidden("put in force a program you defined"));
            }
        }
        self.write(async |tx| {
            on_tx!(tx, |c| {
                sqlx::query(
                "UPDATE programs SET status = $1, version = version + 1, updated_at = $2, updated_by = $3, updated_unit_id = $4, \
                 change_reason = $5 WHERE id = $6"
            )
            .bind(status.code())
            .bind(self.now())
            .bind(actor.user_id)
            .bind(actor.unit_id)
            .bind(reason)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            })?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("program.status", "program", id)
                    .before(serde_json::json!({ "status": program.status }))
                    .after(serde_json::json!({ "status": status, "reason": reason })),
            )
            .await?;
            Ok(())
        })
        .await?;
        self.program(actor, id).await
    }
}

impl Store {
    /// Changes the definition of a program in draft (a program in force changes
    /// by [`Store::propose_program_change`], approved by a second officer). The
    /// previous definition is kept in `record_versions`; a stale
    /// `expected_version` is refused as a conflict on `version`.
    pub async fn update_program(
        &self,
        actor: &Actor,
        id: i64,
        f: &tavana_domain::programs::ProgramFields,
        expected_version: i64,
        reason: &str,
    ) -> Result<Program> {
        use tavana_domain::error::Reason;
        require(actor, Action::Programs(ProgramAction::Manage))?;
        national_scope(actor)?;
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new("reason", Reason::Empty)));
        }
        let current = self.program(actor, id).await?;
        if current.status != ProgramStatus::Draft {
            return Err(StoreError::Invalid(tavana_domain::DomainError::breaks(
                "status",
                "a program in force changes by a proposal that a second officer approves",
                "برنامهٔ در حال اجرا با پیشنهادی تغییر می‌کند که کارشناس دیگری تأیید کند",
            )));
        }
        if current.version != expected_version {
            return Err(StoreError::Conflict { field: "version".into() });
        }
        let program = self
            .write(async |tx| {
                let by = (actor.user_id, actor.unit_id);
                apply_definition(tx, Some(actor), by, &current, f, reason.trim()).await
            })
            .await?;
        Ok(program)
    }

    /// Proposes a new definition for a program in force, from the first day of a
    /// month on (program officers at HQ). Nothing changes until a second officer
    /// approves it.
    pub async fn propose_program_change(
        &self,
        actor: &Actor,
        id: i64,
        f: &tavana_domain::programs::ProgramFields,
        expected_version: i64,
        effective_from: JalaliDate,
        reason: &str,
    ) -> Result<ProgramChange> {
        use tavana_domain::error::Reason;
        require(actor, Action::Programs(ProgramAction::Manage))?;
        national_scope(actor)?;
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new("reason", Reason::Empty)));
        }
        let this_month = JalaliDate::from_gregorian(self.today())?;
        let this_month = JalaliDate::new(this_month.year(), this_month.month(), 1)?;
        if effective_from.day() != 1 || effective_from < this_month {
            return Err(StoreError::Invalid(tavana_domain::DomainError::breaks(
                "effective_from",
                "must be the first day of this month or a later one",
                "باید نخستین روز این ماه یا ماهی پس از آن باشد",
            )));
        }
        let current = self.program(actor, id).await?;
        if current.status != ProgramStatus::Active {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new("status", Reason::OutOfRange)));
        }
        if current.version != expected_version {
            return Err(StoreError::Conflict { field: "version".into() });
        }
        let definition = serde_json::to_string(&f.raw()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let now = self.now();
        let change = self
            .write(async |tx| {
                let change_id: i64 = on_tx!(tx, |c| {
                    sqlx::query_scalar(
                    "INSERT INTO program_changes (program_id, base_version, definition, effective_from, reason, state, \
                     proposed_by, proposed_at) VALUES ($1, $2, $3, $4, $5, 'proposed', $6, $7) RETURNING id"
                )
                .bind(id)
                .bind(expected_version)
                .bind(&definition)
                .bind(effective_from.to_gregorian().to_string())
                .bind(reason.trim())
                .bind(actor.user_id)
                .bind(now)
                .fetch_one(c)
                .await
                })?;
                tx.audit(
                    Some(actor),
                    crate::audit::AuditEvent::new("program.propose", "program", id).after(serde_json::json!({
                        "change": change_id, "base_version": expected_version, "definition": f.raw(),
                        "effective_from": effective_from.to_ascii(), "reason": reason.trim(),
                    })),
                )
                .await?;
                change_in_tx(tx, change_id).await
            })
            .await?;
        Ok(change)
    }

    /// A second officer approves or rejects a proposed change (not its proposer).
    /// An approved change whose month has begun is applied at once; a later one
    /// when its month begins ([`Store::apply_due_program_changes`]).
    pub async fn decide_program_change(
        &self,
        actor: &Actor,
        change_id: i64,
        approve: bool,
        reason: &str,
    ) -> Result<ProgramChange> {
        use tavana_domain::error::Reason;
        require(actor, Action::Programs(ProgramAction::Manage))?;
        national_scope(actor)?;
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new("reason", Reason::Empty)));
        }
        let change = self.program_change(actor, change_id).await?;
        if change.proposed_by == actor.user_id {
            return Err(StoreError::Forbidden("approve a change you proposed"));
        }
        let to = if approve { ChangeState::Approved } else { ChangeState::Rejected };
        if !change.state.may_become(to) {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new("state", Reason::OutOfRange)));
        }
        let program = self.program(actor, change.program_id).await?;
        if approve && program.version != change.base_version {
            return Err(StoreError::Conflict { field: "version".into() });
        }
        let now = self.now();
        self.write(async |tx| {
            let changed = on_tx!(tx, |c| sqlx::query(
                "UPDATE program_changes SET state = $1, decided_by = $2, decided_at = $3, decision_reason = $4 \
                 WHERE id = $5 AND state = 'proposed'"
            )
            .bind(to.code())
            .bind(actor.user_id)
            .bind(now)
            .bind(reason.trim())
            .bind(change_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            if changed == 0 {
                return Err(StoreError::Conflict { field: "state".into() });
            }
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("program.change_decided", "program", change.program_id)
                    .before(serde_json::json!({ "change": change_id, "state": change.state }))
                    .after(serde_json::json!({ "change": change_id, "state": to, "reason": reason.trim() })),
            )
            .await
        })
        .await?;
        if approve {
            self.apply_due_program_changes().await?;
        }
        self.program_change(actor, change_id).await
    }

    /// Applies every approved change whose month has begun, in the order approved,
    /// on behalf of the officer who approved it. Runs when a store opens, after an
    /// approval, and before a program's terms are used for decisions.
    pub async fn apply_due_program_changes(&self) -> Result<u64> {
        let today = self.today().to_string();
        let due: Vec<ProgramChange> = on_pool!(self, |c| {
            sqlx::query_as(&format!(
            "SELECT {CHANGE_COLUMNS} FROM program_changes WHERE state = 'approved' AND effective_from <= $1 ORDER BY decided_at, id"
        ))
        .bind(&today)
        .fetch_all(c)
        .await
        })?;
        let mut applied = 0;
        for change in due {
            let raw: tavana_domain::programs::RawProgram =
                serde_json::from_str(&change.definition).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let fields = ProgramFields::parse(&raw)
                .map_err(|e| StoreError::Corrupt(format!("program change {}: {e:?}", change.id)))?;
            let sql = format!("SELECT {PROGRAM_COLUMNS} FROM programs WHERE id = $1");
            let current: Program = on_pool!(self, |c| sqlx::query_as(&sql).bind(change.program_id).fetch_one(c).await)?;
            let by = (change.decided_by.unwrap_or(change.proposed_by), 0);
            let by = match on_pool!(self, |c| sqlx::query_scalar::<_, i64>("SELECT unit_id FROM users WHERE id = $1")
                .bind(by.0)
                .fetch_optional(c)
                .await)?
            {
                Some(unit) => (by.0, unit),
                None => by,
            };
            let reason = change.reason.clone();
            self.write(async |tx| {
                if current.version != change.base_version {
                    // The program changed since: the change cannot apply as approved.
                    on_tx!(tx, |c| sqlx::query(
                        "UPDATE program_changes SET state = 'rejected', decision_reason = $1 WHERE id = $2"
                    )
                    .bind("the program changed since it was proposed")
                    .bind(change.id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?;
                    return tx
                        .audit_as(
                            Some(by),
                            crate::audit::AuditEvent::new("program.change_stale", "program", change.program_id)
                                .after(serde_json::json!({ "change": change.id })),
                        )
                        .await;
                }
                apply_definition(tx, None, by, &current, &fields, &reason).await?;
                on_tx!(tx, |c| sqlx::query("UPDATE program_changes SET state = 'applied' WHERE id = $1")
                    .bind(change.id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?;
                Ok(())
            })
            .await?;
            applied += 1;
        }
        Ok(applied)
    }

    /// One proposed change.
    pub async fn program_change(&self, actor: &Actor, change_id: i64) -> Result<ProgramChange> {
        require(actor, Action::Open(Module::Programs))?;
        let sql = format!("SELECT {CHANGE_COLUMNS} FROM program_changes WHERE id = $1");
        Ok(on_pool!(self, |c| sqlx::query_as(&sql).bind(change_id).fetch_one(c).await)?)
    }

    /// A program's changes, newest first.
    pub async fn program_changes(&self, actor: &Actor, program_id: i64) -> Result<Vec<ProgramChange>> {
        self.program(actor, program_id).await?;
        let sql = format!("SELECT {CHANGE_COLUMNS} FROM program_changes WHERE program_id = $1 ORDER BY id DESC");
        Ok(on_pool!(self, |c| sqlx::query_as(&sql).bind(program_id).fetch_all(c).await)?)
    }

    /// The previous definitions of a program, newest first.
    pub async fn program_history(&self, actor: &Actor, id: i64) -> Result<Vec<crate::registry::RecordVersion>> {
        self.program(actor, id).await?;
        let rows = on_pool!(self, |c| sqlx::query_as(
            "SELECT v.version, v.data, v.changed_at, v.changed_by, u.username AS changed_by_name, \
             o.name_fa AS unit_name_fa, v.reason FROM record_versions v \
             LEFT JOIN users u ON u.id = v.changed_by LEFT JOIN org_units o ON o.id = v.unit_id \
             WHERE v.object_type = 'program' AND v.object_id = $1 ORDER BY v.version DESC"
        )
        .bind(id)
        .fetch_all(c)
        .await)?;
        Ok(rows)
    }
}

/// A decision on an enrollment, as shown: the program, the move, why, by whom,
/// and what it rested on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionRow {
    pub id: i64,
    pub program_id: i64,
    pub program_code: String,
    pub program_name_fa: String,
    pub person_id: i64,
    pub from_state: Option<String>,
    pub to_state: String,
    pub reasons: String,
    pub legal_basis: String,
    pub decided_by: Option<String>,
    pub decided_at: i64,
    pub appeal_until: String,
    pub program_version: Option<i64>,
    /// The values the rule and formula read, JSON.
    pub inputs: Option<String>,
    pub amount_rials: Option<i64>,
}

const DECISION_SELECT: &str = "SELECT d.id, d.program_id, p.code AS program_code, p.name_fa AS program_name_fa, \
     d.person_id, d.from_state, d.to_state, d.reasons, d.legal_basis, u.username AS decided_by, d.decided_at, \
     d.appeal_until, d.program_version, d.inputs, d.amount_rials FROM decisions d JOIN programs p ON p.id = d.program_id \
     LEFT JOIN users u ON u.id = d.decided_by";

/// What to list a program's enrollments by; every filter optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnrollmentFilter {
    pub state: Option<EnrollmentState>,
    /// A province's code (`08`) or a county's (`08-01`).
    pub place: Option<String>,
}

/// A program's enrollment with its beneficiary, for lists and exports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollmentRow {
    pub id: i64,
    pub person_id: i64,
    pub national_code: String,
    pub first_name: String,
    pub last_name: String,
    pub state: String,
    pub amount_rials: Option<i64>,
    pub province: Option<String>,
    pub county: Option<String>,
    pub updated_at: i64,
    /// Whether a registry change flagged it for review.
    pub under_review: bool,
}

impl Store {
    /// The decisions on a person's enrollments in every program, newest first
    /// (logged: they carry the values they rested on).
    pub async fn person_decisions(&self, actor: &Actor, person_id: i64) -> Result<Vec<DecisionRow>> {
        require(actor, Action::Open(Module::Programs))?;
        self.person_unlogged(actor, person_id).await?;
        let sql = format!("{DECISION_SELECT} WHERE d.person_id = $1 ORDER BY d.decided_at DESC, d.id DESC");
        let rows = on_pool!(self, |c| sqlx::query_as(&sql).bind(person_id).fetch_all(c).await)?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Decisions,
            "person",
            &person_id.to_string(),
            serde_json::json!({}),
        )
        .await?;
        Ok(rows)
    }

    /// A program's enrollments in the actor's subtree, filtered, by id after
    /// `after`, at most `limit` (logged: names with amounts).
    pub async fn program_enrollments(
        &self,
        actor: &Actor,
        program_id: i64,
        filter: &EnrollmentFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<EnrollmentRow>> {
        self.program(actor, program_id).await?;
        let mut q = enrollments_query(actor, program_id, filter, after);
        q.push(" ORDER BY e.id LIMIT ").bind_int(limit);
        let rows: Vec<EnrollmentRow> = on_bounded!(self, |c| q.builder().build_query_as().fetch_all(c).await)?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Enrollments,
            "program",
            &program_id.to_string(),
            serde_json::json!({ "rows": rows.len(), "after": after }),
        )
        .await?;
        Ok(rows)
    }

    /// A program's most recent decisions in the actor's subtree.
    pub async fn program_decisions(&self, actor: &Actor, program_id: i64, limit: i64) -> Result<Vec<DecisionRow>> {
        self.program(actor, program_id).await?;
        let sql = format!(
            "{DECISION_SELECT} JOIN enrollments e ON e.id = d.enrollment_id WHERE d.program_id = $1 \
             AND e.unit_id IN (SELECT id FROM org_units WHERE path LIKE $2) ORDER BY d.decided_at DESC, d.id DESC LIMIT $3"
        );
        let rows = on_pool!(self, |c| sqlx::query_as(&sql)
            .bind(program_id)
            .bind(actor.unit_path.subtree_pattern())
            .bind(limit)
            .fetch_all(c)
            .await)?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Decisions,
            "program",
            &program_id.to_string(),
            serde_json::json!({ "rows": rows.len() }),
        )
        .await?;
        Ok(rows)
    }
}

/// What to list a program's decisions by; every filter optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DecisionFilter {
    /// The state decided.
    pub to_state: Option<EnrollmentState>,
    /// Who decided (a username).
    pub decided_by: String,
}

/// A decision as a program's decision list shows it: with the person's name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct DecisionListRow {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub person_id: i64,
    pub national_code: String,
    pub first_name: String,
    pub last_name: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub reasons: String,
    pub legal_basis: String,
    pub decided_by: Option<String>,
    #[serde(skip)]
    pub decided_at: i64,
    pub appeal_until: String,
    pub amount_rials: Option<i64>,
}

/// The columns a program's decision list sorts by.
pub const DECISION_SORTS: &[SortColumn] = &[
    SortColumn { key: "decided", sql: "d.decided_at" },
    SortColumn { key: "name", sql: "s.last_key" },
    SortColumn { key: "to_state", sql: "d.to_state" },
    SortColumn { key: "appeal_until", sql: "d.appeal_until" },
];

/// A program's decisions on enrollments in the actor's subtree a filter finds, unordered.
fn decisions_query(actor: &Actor, program_id: i64, filter: &DecisionFilter) -> Sql {
    let mut q = Sql::new(
        "SELECT d.id, d.person_id, s.national_code, s.first_name, s.last_name, d.from_state, d.to_state, d.reasons,          d.legal_basis, u.username AS decided_by, d.decided_at, d.appeal_until, d.amount_rials FROM decisions d          JOIN enrollments e ON e.id = d.enrollment_id JOIN persons s ON s.id = d.person_id          LEFT JOIN users u ON u.id = d.decided_by WHERE d.program_id = ",
    );
    q.bind_int(program_id)
        .push(" AND e.unit_id IN (SELECT id FROM org_units WHERE path LIKE ")
        .bind_str(&actor.unit_path.subtree_pattern())
        .push(")");
    if let Some(state) = filter.to_state {
        q.push(" AND d.to_state = ").bind_str(state.code());
    }
    let by = filter.decided_by.trim();
    if !by.is_empty() {
        q.push(" AND u.username = ").bind_str(by);
    }
    q
}

impl Store {
    /// A page of a program's decisions in the actor's subtree, filtered and in
    /// the order asked for, with how many there are (logged, as decisions are).
    pub async fn program_decision_page(
        &self,
        actor: &Actor,
        program_id: i64,
        filter: &DecisionFilter,
        order: &ListOrder,
    ) -> Result<ListPage<DecisionListRow>> {
        self.program(actor, program_id).await?;
        let page: ListPage<DecisionListRow> =
            self.list_page(decisions_query(actor, program_id, filter), DECISION_SORTS, "d.id", order).await?;
        let rows = &page.rows;
        self.log_read(
            actor,
            crate::audit::Sensitive::Decisions,
            "program",
            &program_id.to_string(),
            serde_json::json!({
                "persons": rows.iter().map(|r| r.person_id).collect::<Vec<_>>(),
                "page": order.page, "filter": filter,
            }),
        )
        .await?;
        Ok(page)
    }

    /// A program's decisions a filter finds, in the list's order, as CSV (at most
    /// [`crate::lists::EXPORT_LIMIT`]; logged as an export). Returns the rows written.
    pub async fn export_program_decisions(
        &self,
        actor: &Actor,
        program_id: i64,
        filter: &DecisionFilter,
        order: &ListOrder,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<u64> {
        self.program(actor, program_id).await?;
        let rows = self
            .list_csv::<DecisionListRow>(decisions_query(actor, program_id, filter), DECISION_SORTS, "d.id", order, out)
            .await?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Export,
            "program",
            &program_id.to_string(),
            serde_json::json!({ "rows": rows, "decisions": filter }),
        )
        .await?;
        Ok(rows)
    }
}

/// The columns a program's enrollment list sorts by.
pub const ENROLLMENT_SORTS: &[SortColumn] = &[
    SortColumn { key: "name", sql: "s.last_key" },
    SortColumn { key: "national_code", sql: "s.national_code" },
    SortColumn { key: "state", sql: "e.state" },
    SortColumn { key: "amount", sql: "e.amount_rials" },
    SortColumn { key: "place", sql: "cty.code" },
    SortColumn { key: "updated", sql: "e.updated_at" },
];

impl Store {
    /// A page of a program's enrollments in the actor's subtree, filtered and in
    /// the order asked for, with how many there are (logged: names with amounts).
    pub async fn program_enrollment_page(
        &self,
        actor: &Actor,
        program_id: i64,
        filter: &EnrollmentFilter,
        order: &ListOrder,
    ) -> Result<ListPage<EnrollmentRow>> {
        self.program(actor, program_id).await?;
        let page: ListPage<EnrollmentRow> =
            self.list_page(enrollments_query(actor, program_id, filter, 0), ENROLLMENT_SORTS, "e.id", order).await?;
        let rows = &page.rows;
        self.log_read(
            actor,
            crate::audit::Sensitive::Enrollments,
            "program",
            &program_id.to_string(),
            serde_json::json!({
                "persons": rows.iter().map(|r| r.person_id).collect::<Vec<_>>(),
                "page": order.page, "sort": order.sorted_by(ENROLLMENT_SORTS),
            }),
        )
        .await?;
        Ok(page)
    }
}

/// The query behind a program's enrollment list and its export, unordered.
fn enrollments_query(actor: &Actor, program_id: i64, filter: &EnrollmentFilter, after: i64) -> Sql {
    let mut q = Sql::new(
        "SELECT e.id, e.person_id, s.national_code, s.first_name, s.last_name, e.state, e.amount_rials, \
         prov.code AS province, cty.code AS county, e.updated_at, EXISTS (SELECT 1 FROM enrollment_reviews r \
         WHERE r.enrollment_id = e.id AND r.resolved_at IS NULL) AS under_review FROM enrollments e \
         JOIN persons s ON s.id = e.person_id LEFT JOIN households h ON h.id = s.household_id \
         LEFT JOIN places pl ON pl.id = h.place_id LEFT JOIN places prov ON prov.id = pl.province_id \
         LEFT JOIN places cty ON cty.id = pl.county_id WHERE e.program_id = ",
    );
    q.bind_int(program_id)
        .push(" AND e.unit_id IN (SELECT id FROM org_units WHERE path LIKE ")
        .bind_str(&actor.unit_path.subtree_pattern())
        .push(") AND e.id > ")
        .bind_int(after);
    if let Some(state) = filter.state {
        q.push(" AND e.state = ").bind_str(state.code());
    }
    if let Some(place) = filter.place.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        q.push(" AND (prov.code = ").bind_str(place).push(" OR cty.code = ").bind_str(place).push(")");
    }
    q
}

impl Store {
    /// Writes a program's enrollments in the actor's subtree as CSV, filtered and
    /// in the list's order, at most [`crate::lists::EXPORT_LIMIT`] rows (one entry
    /// in the read log for the whole file). Returns the rows written.
    pub async fn export_program_enrollments(
        &self,
        actor: &Actor,
        program_id: i64,
        filter: &EnrollmentFilter,
        order: &ListOrder,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<u64> {
        self.program(actor, program_id).await?;
        let base = enrollments_query(actor, program_id, filter, 0);
        let rows = self.list_csv::<EnrollmentRow>(base, ENROLLMENT_SORTS, "e.id", order, out).await?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Export,
            "program",
            &program_id.to_string(),
            serde_json::json!({ "rows": rows, "state": filter.state.map(|s| s.code()), "place": filter.place }),
        )
        .await?;
        Ok(rows)
    }
}
