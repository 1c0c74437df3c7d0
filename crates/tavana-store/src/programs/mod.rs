//! Eligibility: a checked rule run over the registry, either compiled to SQL for a
//! whole population or interpreted for some persons from the same variables.

use crate::access::require;
use crate::db::Store;
use crate::{Result, StoreError};
use std::collections::HashMap;
use tavana_domain::coded::Coded;
use tavana_domain::iam::{Action, Actor, Module};
use tavana_domain::programs::ProgramAction;
use tavana_domain::programs::rule::{Expr, Type, Value};
use tavana_domain::programs::sql::{Param, compile};
use tavana_domain::programs::variables::VARIABLES;
use tavana_domain::programs::{ProgramTarget, decision_rule};

/// What a variable's column needs joined in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Needs {
    /// The person's row alone.
    Person,
    /// The person's most severe assessment (`dis`).
    Assessment,
    /// Household aggregates (`hh`) without assessments.
    Household,
    /// Household aggregates counting assessments (`hh` joined with `dis`).
    HouseholdAssessments,
    /// The household's place and its province and county.
    Place,
}

/// Each rule variable's SQL in the variables query, and what it needs joined.
const COLUMNS: [(&str, &str, Needs); 20] = [
    (
        "person.age",
        "CAST(substr($1, 1, 4) AS INTEGER) - CAST(substr(s.birth_date, 1, 4) AS INTEGER) \
         - CASE WHEN substr($1, 6, 5) < substr(s.birth_date, 6, 5) THEN 1 ELSE 0 END",
        Needs::Person,
    ),
    ("person.sex", "s.sex", Needs::Person),
    ("person.alive", "(s.deceased_on IS NULL)", Needs::Person),
    ("person.marital_status", "s.marital_status", Needs::Person),
    ("person.education", "s.education", Needs::Person),
    ("person.employment", "s.employment", Needs::Person),
    ("person.relationship", "s.relationship", Needs::Person),
    ("person.income", "s.income_rials", Needs::Person),
    ("person.income_decile", "s.income_decile", Needs::Person),
    ("person.has_sheba", "(s.sheba IS NOT NULL)", Needs::Person),
    ("household.size", "hh.size", Needs::Household),
    ("household.members_with_disability", "hh.with_disability", Needs::HouseholdAssessments),
    ("household.members_with_severe_disability", "hh.with_severe", Needs::HouseholdAssessments),
    ("household.female_headed", "(hh.female_headed = 1)", Needs::Household),
    ("disability.assessed", "(d.rank IS NOT NULL)", Needs::Assessment),
    (
        "disability.severity",
        "CASE d.rank WHEN 1 THEN 'mild' WHEN 2 THEN 'moderate' WHEN 3 THEN 'severe' WHEN 4 THEN 'very_severe' END",
        Needs::Assessment,
    ),
    ("disability.severity_rank", "COALESCE(d.rank, 0)", Needs::Assessment),
    ("place.province", "prov.code", Needs::Place),
    ("place.county", "cty.code", Needs::Place),
    ("place.rural", "(pl.kind = 'village')", Needs::Place),
];

/// The variables query for the given variables: `v`, with `id` and one column per
/// variable, joining only what they need (a rule on age and sex reads the persons
/// table alone). `$1` is today's ISO date, `$2` the scope's path pattern.
fn variables_query(used: &[&str]) -> String {
    let columns: Vec<&(&str, &str, Needs)> = COLUMNS.iter().filter(|(name, _, _)| used.contains(name)).collect();
    let needs = |n: Needs| columns.iter().any(|(_, _, need)| *need == n);
    let household_assessments = needs(Needs::HouseholdAssessments);
    let household = household_assessments || needs(Needs::Household);
    let assessment = needs(Needs::Assessment) || household_assessments;
    let place = needs(Needs::Place);
    let mut ctes = Vec::new();
    if assessment {
        ctes.push(
            "dis AS (SELECT person_id, MAX(CASE severity WHEN 'mild' THEN 1 WHEN 'moderate' THEN 2 WHEN 'severe' THEN 3 \
             WHEN 'very_severe' THEN 4 END) AS rank FROM disabilities GROUP BY person_id)"
                .to_string(),
        );
    }
    if household {
        let (counts, join) = if household_assessments {
            (
                "SUM(CASE WHEN d.rank IS NOT NULL THEN 1 ELSE 0 END) AS with_disability, \
                 SUM(CASE WHEN d.rank >= 3 THEN 1 ELSE 0 END) AS with_severe,",
                "LEFT JOIN dis d ON d.person_id = m.id",
            )
        } else {
            ("", "")
        };
        ctes.push(format!(
            "hh AS (SELECT m.household_id, COUNT(*) AS size, {counts} \
             MAX(CASE WHEN m.relationship = 'head' AND m.sex = 'female' THEN 1 ELSE 0 END) AS female_headed \
             FROM persons m {join} WHERE m.deceased_on IS NULL AND m.merged_into IS NULL GROUP BY m.household_id)"
        ));
    }
    let mut select = vec!["s.id".to_string()];
    select.extend(columns.iter().map(|(name, sql, _)| format!("{sql} AS {}", name.replace('.', "_"))));
    let mut from = String::from("persons s");
    if needs(Needs::Assessment) {
        from.push_str(" LEFT JOIN dis d ON d.person_id = s.id");
    }
    if household {
        from.push_str(" LEFT JOIN hh ON hh.household_id = s.household_id");
    }
    if place {
        from.push_str(
            " LEFT JOIN households h ON h.id = s.household_id LEFT JOIN places pl ON pl.id = h.place_id \
             LEFT JOIN places prov ON prov.id = pl.province_id LEFT JOIN places cty ON cty.id = pl.county_id",
        );
    }
    // `$1 = $1` keeps today's date a parameter of every variant of the query.
    ctes.push(format!(
        "v AS (SELECT {} FROM {from} WHERE s.merged_into IS NULL AND s.unit_id IN \
         (SELECT id FROM org_units WHERE path LIKE $2) AND $1 = $1)",
        select.join(", ")
    ));
    format!("WITH {}", ctes.join(", "))
}

/// The names of the variables an expression reads.
fn used_variables(exprs: &[&Expr]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    fn walk(e: &Expr, out: &mut Vec<&'static str>) {
        use tavana_domain::programs::rule::ExprKind as K;
        match &e.kind {
            K::Var(name) => {
                if let Some(v) = VARIABLES.iter().find(|v| v.name == name)
                    && !out.contains(&v.name)
                {
                    out.push(v.name);
                }
            }
            K::List(items) => items.iter().for_each(|i| walk(i, out)),
            K::Not(x) | K::Neg(x) => walk(x, out),
            K::Binary(_, a, b) | K::MinMax(_, a, b) => {
                walk(a, out);
                walk(b, out);
            }
            K::Cond(c, y, n) => {
                walk(c, out);
                walk(y, out);
                walk(n, out);
            }
            K::Int(_) | K::Str(_) | K::Bool(_) => {}
        }
    }
    for e in exprs {
        walk(e, &mut names);
    }
    names
}

/// The column of `v` holding a variable.
fn column(name: &str) -> Option<String> {
    VARIABLES.iter().any(|v| v.name == name).then(|| format!("v.{}", name.replace('.', "_")))
}

/// One person's variables, for the interpreter and for explanations.
pub type PersonValues = HashMap<&'static str, Value>;

impl Store {
    /// The persons of the actor's subtree for whom a checked rule holds, by id,
    /// computed in the database.
    pub async fn eligible_persons(&self, actor: &Actor, rule: &Expr) -> Result<Vec<i64>> {
        let today = self.today();
        require(actor, Action::Open(Module::Programs))?;
        let compiled = compile(rule, &column, 3)
            .ok_or_else(|| StoreError::Corrupt("the rule names an unknown variable".into()))?;
        let query = variables_query(&used_variables(&[rule]));
        let sql = format!("{query} SELECT v.id FROM v WHERE {} ORDER BY v.id", compiled.sql);
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
    pub async fn rule_values(&self, actor: &Actor, ids: Option<&[i64]>) -> Result<Vec<(i64, PersonValues)>> {
        require(actor, Action::Open(Module::Programs))?;
        let values = self.values_in(&actor.unit_path.subtree_pattern(), ids).await?;
        let objects = match ids {
            Some(_) => values.iter().map(|(id, _)| id.to_string()).collect::<Vec<_>>().join(","),
            None => format!("subtree {}", actor.unit_path.as_str()),
        };
        self.log_read(actor, crate::audit::Sensitive::RuleValues, "person", &objects, serde_json::json!({})).await?;
        Ok(values)
    }

    /// The variables of the persons whose unit path matches `pattern`.
    pub(crate) async fn values_in(&self, pattern: &str, ids: Option<&[i64]>) -> Result<Vec<(i64, PersonValues)>> {
        let today = self.today();
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
        let all: Vec<&str> = VARIABLES.iter().map(|v| v.name).collect();
        let sql = format!("{} SELECT v.id, {} FROM v{filter} ORDER BY v.id", variables_query(&all), columns.join(", "));
        let rows = on_pool!(self, |c| {
            let mut q = sqlx::query(&sql).bind(today.to_string()).bind(pattern);
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

/// A program as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct Program {
    pub id: i64,
    pub code: String,
    pub name_fa: String,
    pub name_en: String,
    pub kind: String,
    pub target: String,
    pub rule: String,
    pub formula: String,
    pub budget_month: Option<i64>,
    pub budget_year: Option<i64>,
    pub status: String,
    pub version: i64,
}

impl Program {
    /// The rule this program decides by, on every path: see
    /// [`tavana_domain::programs::decision_rule`].
    pub fn decision_rule(&self) -> Result<Expr> {
        let target = ProgramTarget::from_code(&self.target)
            .ok_or_else(|| StoreError::Corrupt(format!("program target {:?}", self.target)))?;
        Ok(decision_rule(target, tavana_domain::programs::parse_rule("rule", &self.rule)?))
    }

    /// The rule a draft of this program's rule would decide by.
    pub fn draft_decision_rule(&self, draft: Expr) -> Result<Expr> {
        let target = ProgramTarget::from_code(&self.target)
            .ok_or_else(|| StoreError::Corrupt(format!("program target {:?}", self.target)))?;
        Ok(decision_rule(target, draft))
    }
}

const PROGRAM_COLUMNS: &str =
    "id, code, name_fa, name_en, kind, target, rule, formula, budget_month, budget_year, status, version";

/// One row of a simulation: a county's eligible persons and monthly cost under a
/// draft rule and formula, and who gains or loses against the current rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct SimulationRow {
    pub province: Option<String>,
    pub county: Option<String>,
    pub eligible: i64,
    pub monthly_cost: i64,
    pub gainers: i64,
    pub losers: i64,
}

/// What running a program's rule proposes: persons to enroll, and enrolled persons
/// who no longer qualify (for an officer to review; nothing changes by itself).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Proposal {
    pub to_enroll: Vec<i64>,
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
        let now = self.now();
        let mut tx = self.begin_write().await?;
        let id: i64 = on_tx!(tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO programs (code, name_fa, name_en, kind, target, rule, formula, budget_month, budget_year, status, \
             version, created_at, updated_at, updated_by, updated_unit_id, change_reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', 1, $10, $10, $11, $12, $13) RETURNING id"
        )
        .bind(&f.code)
        .bind(&f.name_fa)
        .bind(&f.name_en)
        .bind(f.kind.code())
        .bind(f.target.code())
        .bind(&f.rule_text)
        .bind(&f.formula_text)
        .bind(f.budget_month.map(|r| r.get()))
        .bind(f.budget_year.map(|r| r.get()))
        .bind(now)
        .bind(actor.user_id)
        .bind(actor.unit_id)
        .bind(reason)
        .fetch_one(c)
        .await
        })?;
        let sql = format!("SELECT {PROGRAM_COLUMNS} FROM programs WHERE id = $1");
        let program: Program = on_tx!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
        tx.audit(
            Some(actor),
            crate::audit::AuditEvent::new("program.create", "program", id).after(serde_json::json!(program)),
        )
        .await?;
        tx.commit().await?;
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

    /// What a draft rule and formula would give for a program (household programs
    /// counted once, on the head), against the program's rule in force.
    pub async fn simulate_program(
        &self,
        actor: &Actor,
        program_id: i64,
        rule: Expr,
        formula: &Expr,
    ) -> Result<Vec<SimulationRow>> {
        let program = self.program(actor, program_id).await?;
        let current = program.decision_rule()?;
        let draft = program.draft_decision_rule(rule)?;
        self.simulate(actor, &draft, formula, Some(&current)).await
    }

    /// What a draft rule and formula would give, per province and county of the
    /// actor's subtree, against `current` (the rule in force, if any). Reads only.
    /// Both rules are decision rules already (see [`Program::decision_rule`]).
    async fn simulate(
        &self,
        actor: &Actor,
        rule: &Expr,
        formula: &Expr,
        current: Option<&Expr>,
    ) -> Result<Vec<SimulationRow>> {
        let today = self.today();
        require(actor, Action::Open(Module::Programs))?;
        let unknown = || StoreError::Corrupt("the rule names an unknown variable".into());
        let new = compile(rule, &column, 3).ok_or_else(unknown)?;
        let amount = compile(formula, &column, 3 + new.params.len()).ok_or_else(unknown)?;
        let never = tavana_domain::programs::rule::Expr {
            kind: tavana_domain::programs::rule::ExprKind::Bool(false),
            span: rule.span,
        };
        let old = compile(current.unwrap_or(&never), &column, 3 + new.params.len() + amount.params.len())
            .ok_or_else(unknown)?;
        let (n, o) = (format!("COALESCE({}, (1 = 0))", new.sql), format!("COALESCE({}, (1 = 0))", old.sql));
        let mut exprs = vec![rule, formula];
        exprs.extend(current);
        let mut used = used_variables(&exprs);
        for grouped in ["place.province", "place.county"] {
            if !used.contains(&grouped) {
                used.push(grouped);
            }
        }
        let query = variables_query(&used);
        let sql = format!(
            "{query} SELECT v.place_province AS province, v.place_county AS county, \
             CAST(SUM(CASE WHEN {n} THEN 1 ELSE 0 END) AS BIGINT) AS eligible, \
             CAST(SUM(CASE WHEN {n} THEN COALESCE({a}, 0) ELSE 0 END) AS BIGINT) AS monthly_cost, \
             CAST(SUM(CASE WHEN {n} AND NOT {o} THEN 1 ELSE 0 END) AS BIGINT) AS gainers, \
             CAST(SUM(CASE WHEN {o} AND NOT {n} THEN 1 ELSE 0 END) AS BIGINT) AS losers \
             FROM v WHERE {n} OR {o} GROUP BY v.place_province, v.place_county ORDER BY v.place_province, v.place_county",
            a = amount.sql
        );
        let rows = on_pool!(self, |c| {
            let mut q = sqlx::query_as(&sql).bind(today.to_string()).bind(actor.unit_path.subtree_pattern());
            for p in new.params.iter().chain(&amount.params).chain(&old.params) {
                q = match p {
                    Param::Int(v) => q.bind(*v),
                    Param::Str(s) => q.bind(s.clone()),
                };
            }
            q.fetch_all(c).await
        })?;
        Ok(rows)
    }

    /// Runs a program's rule: who to enroll, and who is enrolled but no longer
    /// qualifies. Household programs are decided on the household's head.
    pub async fn propose_enrollments(&self, actor: &Actor, program_id: i64) -> Result<Proposal> {
        let program = self.program(actor, program_id).await?;
        if program.status == "closed" {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new(
                "status",
                tavana_domain::error::Reason::OutOfRange,
            )));
        }
        let rule = program.decision_rule()?;
        let eligible = self.eligible_persons(actor, &rule).await?;
        let enrolled: Vec<i64> = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT e.person_id FROM enrollments e WHERE e.program_id = $1 AND e.state = 'enrolled' \
             AND e.unit_id IN (SELECT id FROM org_units WHERE path LIKE $2) ORDER BY e.person_id"
        )
        .bind(program_id)
        .bind(actor.unit_path.subtree_pattern())
        .fetch_all(c)
        .await)?;
        let enrolled_set: std::collections::HashSet<i64> = enrolled.iter().copied().collect();
        let eligible_set: std::collections::HashSet<i64> = eligible.iter().copied().collect();
        Ok(Proposal {
            to_enroll: eligible.into_iter().filter(|id| !enrolled_set.contains(id)).collect(),
            no_longer_eligible: enrolled.into_iter().filter(|id| !eligible_set.contains(id)).collect(),
        })
    }

    /// Enrolls persons an officer confirmed, each with its monthly amount from the
    /// formula and a decision record (reasons, legal basis, who, when, appeal
    /// deadline thirty days on).
    pub async fn confirm_enrollments(
        &self,
        actor: &Actor,
        program_id: i64,
        persons: &[i64],
        reasons: &str,
        legal_basis: &str,
    ) -> Result<u64> {
        let today = self.today();
        require(actor, Action::Programs(ProgramAction::Manage))?;
        if reasons.trim().is_empty() {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new(
                "reasons",
                tavana_domain::error::Reason::Empty,
            )));
        }
        let program = self.program(actor, program_id).await?;
        let formula = tavana_domain::programs::parse_formula("formula", &program.formula)?;
        let values = self.values_in(&actor.unit_path.subtree_pattern(), Some(persons)).await?;
        let appeal_until = (today + time::Duration::days(30)).to_string();
        let now = self.now();
        let mut tx = self.begin_write().await?;
        let mut enrolled = 0;
        for (person_id, vars) in &values {
            let amount = match tavana_domain::programs::rule::evaluate(&formula, &|n| {
                vars.get(n).cloned().unwrap_or(Value::Null)
            }) {
                Value::Int(a) => Some(a),
                _ => None,
            };
            // The person's province and office come with the insert itself.
            let enrollment: i64 = on_tx!(tx, |c| {
                sqlx::query_scalar(
                "INSERT INTO enrollments (program_id, person_id, province_id, unit_id, state, amount_rials, version, \
                 updated_at, updated_by) SELECT $1, id, province_id, unit_id, 'enrolled', $3, 1, $4, $5 FROM persons \
                 WHERE id = $2 ON CONFLICT (program_id, person_id) DO UPDATE SET state = 'enrolled', amount_rials = $3, \
                 version = enrollments.version + 1, updated_at = $4, updated_by = $5 RETURNING id"
            )
            .bind(program_id)
            .bind(person_id)
            .bind(amount)
            .bind(now)
            .bind(actor.user_id)
            .fetch_one(c)
            .await
            })?;
            on_tx!(tx, |c| {
                sqlx::query(
                "INSERT INTO decisions (enrollment_id, program_id, person_id, province_id, from_state, to_state, reasons, \
                 legal_basis, decided_by, decided_at, appeal_until) SELECT id, program_id, person_id, province_id, NULL, \
                 'enrolled', $2, $3, $4, $5, $6 FROM enrollments WHERE id = $1"
            )
            .bind(enrollment)
            .bind(reasons.trim())
            .bind(legal_basis.trim())
            .bind(actor.user_id)
            .bind(now)
            .bind(&appeal_until)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            })?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("enrollment.confirm", "enrollment", enrollment).after(
                    serde_json::json!({
                        "program": program_id, "person": person_id, "state": "enrolled", "amount_rials": amount,
                        "reasons": reasons, "legal_basis": legal_basis,
                    }),
                ),
            )
            .await?;
            enrolled += 1;
        }
        if enrolled == 0 {
            return Ok(0);
        }
        tx.commit().await?;
        Ok(enrolled)
    }
}

impl Store {
    /// Why a person is or is not eligible for a program: each clause of its rule
    /// with the values it read. The read of the person's data is logged.
    pub async fn explain_eligibility(
        &self,
        actor: &Actor,
        program_id: i64,
        person_id: i64,
    ) -> Result<(Program, Vec<tavana_domain::programs::explain::Clause>)> {
        let program = self.program(actor, program_id).await?;
        self.person_unlogged(actor, person_id).await?;
        let rule = program.decision_rule()?;
        let values = self.values_in(&actor.unit_path.subtree_pattern(), Some(&[person_id])).await?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Eligibility,
            "person",
            &person_id.to_string(),
            serde_json::json!({ "program": program_id }),
        )
        .await?;
        let vars = values.into_iter().next().map(|(_, v)| v).unwrap_or_default();
        let clauses = tavana_domain::programs::explain::explain(&rule, VARIABLES, &|n| {
            vars.get(n).cloned().unwrap_or(Value::Null)
        });
        Ok((program, clauses))
    }
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

/// A decision on an enrollment: the state it moves to, and why.
#[derive(Debug, Clone, Copy)]
pub struct EnrollmentDecision<'a> {
    pub to: tavana_domain::programs::EnrollmentState,
    pub reasons: &'a str,
    pub legal_basis: &'a str,
}

/// An enrollment with its person, for lists.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct Enrollment {
    pub id: i64,
    pub program_id: i64,
    pub person_id: i64,
    pub state: String,
    pub amount_rials: Option<i64>,
    pub version: i64,
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

    /// Moves an enrollment to another state by a decision (reasons, legal basis,
    /// who, when, appeal deadline), and closes its open reviews. A move the states
    /// do not allow is refused on `state`.
    pub async fn decide_enrollment(
        &self,
        actor: &Actor,
        program_id: i64,
        person_id: i64,
        decision: &EnrollmentDecision<'_>,
    ) -> Result<Enrollment> {
        let today = self.today();
        let EnrollmentDecision { to, reasons, legal_basis } = *decision;
        use tavana_domain::coded::Coded;
        use tavana_domain::error::Reason;
        require(actor, Action::Programs(ProgramAction::Manage))?;
        if reasons.trim().is_empty() {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new("reasons", Reason::Empty)));
        }
        let current = self.enrollment(actor, program_id, person_id).await?;
        let from = tavana_domain::programs::EnrollmentState::from_code(&current.state)
            .ok_or_else(|| StoreError::Corrupt(format!("enrollment state {:?}", current.state)))?;
        if !from.may_become(to) {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new("state", Reason::OutOfRange)));
        }
        let now = self.now();
        let mut tx = self.begin_write().await?;
        let changed = on_tx!(tx, |c| {
            sqlx::query(
            "UPDATE enrollments SET state = $1, version = version + 1, updated_at = $2, updated_by = $3 WHERE id = $4 AND version = $5"
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
        on_tx!(tx, |c| {
            sqlx::query(
            "INSERT INTO decisions (enrollment_id, program_id, person_id, province_id, from_state, to_state, reasons, legal_basis, \
             decided_by, decided_at, appeal_until) SELECT id, program_id, person_id, province_id, $1, $2, $3, $4, $5, $6, $7 \
             FROM enrollments WHERE id = $8"
        )
        .bind(from.code())
        .bind(to.code())
        .bind(reasons.trim())
        .bind(legal_basis.trim())
        .bind(actor.user_id)
        .bind(now)
        .bind((today + time::Duration::days(30)).to_string())
        .bind(current.id)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        on_tx!(tx, |c| sqlx::query(
            "UPDATE enrollment_reviews SET resolved_at = $1 WHERE enrollment_id = $2 AND resolved_at IS NULL"
        )
        .bind(now)
        .bind(current.id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        tx.audit(
            Some(actor),
            crate::audit::AuditEvent::new("enrollment.decide", "enrollment", current.id)
                .before(serde_json::json!({ "state": from.code() }))
                .after(serde_json::json!({ "state": to.code(), "reasons": reasons, "legal_basis": legal_basis })),
        )
        .await?;
        tx.commit().await?;
        self.enrollment(actor, program_id, person_id).await
    }
}

impl Store {
    /// Moves a program from draft to active, or from draft or active to closed.
    pub async fn set_program_status(&self, actor: &Actor, id: i64, status: &str, reason: &str) -> Result<Program> {
        use tavana_domain::error::Reason;
        require(actor, Action::Programs(ProgramAction::Manage))?;
        let program = self.program(actor, id).await?;
        let allowed = matches!((program.status.as_str(), status), ("draft", "active") | ("draft" | "active", "closed"));
        if !allowed {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new("status", Reason::OutOfRange)));
        }
        let mut tx = self.begin_write().await?;
        on_tx!(tx, |c| {
            sqlx::query(
            "UPDATE programs SET status = $1, version = version + 1, updated_at = $2, updated_by = $3, updated_unit_id = $4, \
             change_reason = $5 WHERE id = $6"
        )
        .bind(status)
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
        tx.commit().await?;
        self.program(actor, id).await
    }
}

impl Store {
    /// Changes a program's definition (a closed program stays as it was). The
    /// previous definition is kept in `record_versions`; a stale `expected_version`
    /// is refused as a conflict on `version`.
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
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new("reason", Reason::Empty)));
        }
        let current = self.program(actor, id).await?;
        if current.status == "closed" {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new("status", Reason::OutOfRange)));
        }
        if current.version != expected_version {
            return Err(StoreError::Conflict { field: "version".into() });
        }
        let now = self.now();
        let mut tx = self.begin_write().await?;
        on_tx!(tx, |c| {
            sqlx::query(
            "INSERT INTO record_versions (object_type, object_id, version, province_id, data, changed_at, changed_by, unit_id, \
             reason, superseded_at) SELECT 'program', id, version, NULL, $1, updated_at, updated_by, updated_unit_id, \
             change_reason, $2 FROM programs WHERE id = $3"
        )
        .bind(serde_json::json!(current).to_string())
        .bind(now)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        let changed = on_tx!(tx, |c| {
            sqlx::query(
            "UPDATE programs SET code = $1, name_fa = $2, name_en = $3, kind = $4, target = $5, rule = $6, formula = $7, \
             budget_month = $8, budget_year = $9, version = version + 1, updated_at = $10, updated_by = $11, \
             updated_unit_id = $12, change_reason = $13 WHERE id = $14 AND version = $15"
        )
        .bind(&f.code)
        .bind(&f.name_fa)
        .bind(&f.name_en)
        .bind(f.kind.code())
        .bind(f.target.code())
        .bind(&f.rule_text)
        .bind(&f.formula_text)
        .bind(f.budget_month.map(|r| r.get()))
        .bind(f.budget_year.map(|r| r.get()))
        .bind(now)
        .bind(actor.user_id)
        .bind(actor.unit_id)
        .bind(reason.trim())
        .bind(id)
        .bind(expected_version)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
        })?;
        if changed == 0 {
            return Err(StoreError::Conflict { field: "version".into() });
        }
        let sql = format!("SELECT {PROGRAM_COLUMNS} FROM programs WHERE id = $1");
        let program: Program = on_tx!(tx, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
        tx.audit(
            Some(actor),
            crate::audit::AuditEvent::new("program.update", "program", id)
                .before(serde_json::json!(current))
                .after(serde_json::json!(program)),
        )
        .await?;
        if current.rule != program.rule || current.target != program.target {
            // Enrollments under the old rule are checked against the new one.
            tx.emit(Some(actor), &tavana_domain::events::Event::about_program(id, reason)).await?;
        }
        tx.commit().await?;
        Ok(program)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variable_has_exactly_one_column() {
        for v in VARIABLES {
            assert_eq!(COLUMNS.iter().filter(|(name, _, _)| *name == v.name).count(), 1, "{}", v.name);
        }
        assert_eq!(COLUMNS.len(), VARIABLES.len());
    }

    #[test]
    fn a_rule_joins_only_what_it_reads() {
        let person_only = variables_query(&["person.age", "person.sex"]);
        assert!(!person_only.contains("dis AS") && !person_only.contains("hh AS") && !person_only.contains("places"));
        let household = variables_query(&["household.size"]);
        assert!(household.contains("hh AS") && !household.contains("dis AS"));
        let severe = variables_query(&["household.members_with_severe_disability"]);
        assert!(severe.contains("dis AS") && severe.contains("LEFT JOIN dis d ON d.person_id = m.id"));
        assert!(!severe.contains("LEFT JOIN dis d ON d.person_id = s.id"));
    }
}
