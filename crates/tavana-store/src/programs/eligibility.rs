//! Eligibility in SQL: the variables query (every rule variable of every person in
//! a scope, joining only what a rule reads) and a checked rule rendered as its
//! condition. Queries are assembled as [`Sql`], text and bound values in order, and
//! rendered for a backend by sqlx's `QueryBuilder`, which numbers the placeholders:
//! no placeholder number is agreed between two pieces of code, and no value ever
//! enters the SQL text.
//!
//! The rule's semantics match the interpreter's (`tavana_domain::programs::rule::
//! evaluate`): SQL's NULL is the missing value, `AND`/`OR` are three-valued in both,
//! a conditional with an unknown condition is unknown (`CASE WHEN c THEN a WHEN NOT
//! c THEN b END`), and division or remainder by zero is unknown (`NULLIF`), where
//! PostgreSQL would otherwise raise an error.

use crate::{Result, StoreError};
use tavana_domain::programs::rule::{BinaryOp, Expr, ExprKind};
use tavana_domain::programs::variables::VARIABLES;

/// A query being written: SQL text and the values bound between it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sql {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Int(i64),
    Str(String),
}

impl Sql {
    pub(crate) fn new(text: &str) -> Sql {
        let mut sql = Sql::default();
        sql.push(text);
        sql
    }

    /// Appends SQL text (fixed fragments and column names only, never input).
    pub(crate) fn push(&mut self, text: &str) -> &mut Sql {
        self.parts.push(Part::Text(text.to_string()));
        self
    }

    pub(crate) fn bind_int(&mut self, value: i64) -> &mut Sql {
        self.parts.push(Part::Int(value));
        self
    }

    pub(crate) fn bind_str(&mut self, value: &str) -> &mut Sql {
        self.parts.push(Part::Str(value.to_string()));
        self
    }

    /// Appends another query's text and values.
    pub(crate) fn append(&mut self, other: &Sql) -> &mut Sql {
        self.parts.extend(other.parts.iter().cloned());
        self
    }

    /// The query for one backend, placeholders numbered by sqlx.
    pub(crate) fn builder<'a, DB>(&self) -> sqlx::QueryBuilder<'a, DB>
    where
        DB: sqlx::Database,
        i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
        String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    {
        let mut q = sqlx::QueryBuilder::new("");
        for part in &self.parts {
            match part {
                Part::Text(text) => {
                    q.push(text);
                }
                Part::Int(n) => {
                    q.push_bind(*n);
                }
                Part::Str(s) => {
                    q.push_bind(s.clone());
                }
            }
        }
        q
    }

    /// The text with `?` where values are bound, for tests and messages.
    #[cfg(test)]
    fn text(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.as_str(),
                Part::Int(_) | Part::Str(_) => "?",
            })
            .collect()
    }
}

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

/// Where today's ISO date is bound in a column's SQL.
const TODAY: &str = "{today}";

/// Each rule variable's SQL in the variables query, and what it needs joined.
const COLUMNS: [(&str, &str, Needs); 20] = [
    (
        "person.age",
        "CAST(substr({today}, 1, 4) AS INTEGER) - CAST(substr(s.birth_date, 1, 4) AS INTEGER) \
         - CASE WHEN substr({today}, 6, 5) < substr(s.birth_date, 6, 5) THEN 1 ELSE 0 END",
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

/// The variables query for the given variables: `WITH … v AS (…)`, `v` holding
/// `id` and one column per variable for the persons whose unit path matches
/// `pattern`, joining only what the variables need (a rule on age and sex reads the
/// persons table alone).
pub(crate) fn variables(used: &[&str], today: time::Date, pattern: &str) -> Sql {
    let columns: Vec<&(&str, &str, Needs)> = COLUMNS.iter().filter(|(name, _, _)| used.contains(name)).collect();
    let needs = |n: Needs| columns.iter().any(|(_, _, need)| *need == n);
    let household_assessments = needs(Needs::HouseholdAssessments);
    let household = household_assessments || needs(Needs::Household);
    let assessment = needs(Needs::Assessment) || household_assessments;
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
    let mut sql = Sql::new("WITH ");
    for cte in &ctes {
        sql.push(cte).push(", ");
    }
    sql.push("v AS (SELECT s.id");
    for (name, column, _) in &columns {
        sql.push(", ");
        // Today's date is bound wherever a column reads it.
        let mut pieces = column.split(TODAY);
        if let Some(first) = pieces.next() {
            sql.push(first);
        }
        for piece in pieces {
            sql.bind_str(&today.to_string()).push(piece);
        }
        sql.push(&format!(" AS {}", name.replace('.', "_")));
    }
    sql.push(" FROM persons s");
    if needs(Needs::Assessment) {
        sql.push(" LEFT JOIN dis d ON d.person_id = s.id");
    }
    if household {
        sql.push(" LEFT JOIN hh ON hh.household_id = s.household_id");
    }
    if needs(Needs::Place) {
        sql.push(
            " LEFT JOIN households h ON h.id = s.household_id LEFT JOIN places pl ON pl.id = h.place_id \
             LEFT JOIN places prov ON prov.id = pl.province_id LEFT JOIN places cty ON cty.id = pl.county_id",
        );
    }
    sql.push(" WHERE s.merged_into IS NULL AND s.unit_id IN (SELECT id FROM org_units WHERE path LIKE ")
        .bind_str(pattern)
        .push(")) ");
    sql
}

/// The names of the variables some expressions read.
pub(crate) fn used_variables(exprs: &[&Expr]) -> Vec<&'static str> {
    fn walk(e: &Expr, out: &mut Vec<&'static str>) {
        match &e.kind {
            ExprKind::Var(name) => {
                if let Some(v) = VARIABLES.iter().find(|v| v.name == name)
                    && !out.contains(&v.name)
                {
                    out.push(v.name);
                }
            }
            ExprKind::List(items) => items.iter().for_each(|i| walk(i, out)),
            ExprKind::Not(x) | ExprKind::Neg(x) => walk(x, out),
            ExprKind::Binary(_, a, b) | ExprKind::MinMax(_, a, b) => {
                walk(a, out);
                walk(b, out);
            }
            ExprKind::Cond(c, y, n) => {
                walk(c, out);
                walk(y, out);
                walk(n, out);
            }
            ExprKind::Int(_) | ExprKind::Str(_) | ExprKind::Bool(_) => {}
        }
    }
    let mut names = Vec::new();
    for e in exprs {
        walk(e, &mut names);
    }
    names
}

/// The column of `v` holding a variable.
pub(crate) fn column(name: &str) -> String {
    format!("v.{}", name.replace('.', "_"))
}

/// A checked expression as SQL over `v`, every literal bound.
pub(crate) fn expression(expr: &Expr) -> Result<Sql> {
    let mut sql = Sql::default();
    write(expr, &mut sql)?;
    Ok(sql)
}

fn write(expr: &Expr, out: &mut Sql) -> Result<()> {
    match &expr.kind {
        ExprKind::Int(n) => {
            out.bind_int(*n);
        }
        ExprKind::Str(s) => {
            out.bind_str(s);
        }
        ExprKind::Bool(true) => {
            out.push("(1 = 1)");
        }
        ExprKind::Bool(false) => {
            out.push("(1 = 0)");
        }
        ExprKind::List(items) => {
            out.push("(");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(", ");
                }
                write(item, out)?;
            }
            out.push(")");
        }
        ExprKind::Var(name) => {
            if !VARIABLES.iter().any(|v| v.name == name) {
                return Err(StoreError::Corrupt(format!("the rule names an unknown variable {name:?}")));
            }
            out.push(&format!("({})", column(name)));
        }
        ExprKind::Not(inner) => {
            out.push("(NOT ");
            write(inner, out)?;
            out.push(")");
        }
        ExprKind::Neg(inner) => {
            out.push("(-");
            write(inner, out)?;
            out.push(")");
        }
        ExprKind::MinMax(min, a, b) => {
            // Written out, since SQLite says MIN(a, b) and PostgreSQL LEAST(a, b);
            // unknown when either is, as in the interpreter.
            let op = if *min { " <= " } else { " >= " };
            out.push("(CASE WHEN ");
            write(a, out)?;
            out.push(op);
            write(b, out)?;
            out.push(" THEN ");
            write(a, out)?;
            out.push(" WHEN NOT (");
            write(a, out)?;
            out.push(op);
            write(b, out)?;
            out.push(") THEN ");
            write(b, out)?;
            out.push(" END)");
        }
        ExprKind::Cond(c, y, n) => {
            out.push("(CASE WHEN ");
            write(c, out)?;
            out.push(" THEN ");
            write(y, out)?;
            out.push(" WHEN NOT ");
            write(c, out)?;
            out.push(" THEN ");
            write(n, out)?;
            out.push(" END)");
        }
        ExprKind::Binary(op, l, r) => {
            let (open, middle, close) = match op {
                BinaryOp::Or => ("(", " OR ", ")"),
                BinaryOp::And => ("(", " AND ", ")"),
                BinaryOp::Eq => ("(", " = ", ")"),
                BinaryOp::Ne => ("(", " <> ", ")"),
                BinaryOp::In => ("(", " IN ", ")"),
                BinaryOp::Div => ("(", " / NULLIF(", ", 0))"),
                BinaryOp::Rem => ("(", " % NULLIF(", ", 0))"),
                BinaryOp::Lt => ("(", " < ", ")"),
                BinaryOp::Le => ("(", " <= ", ")"),
                BinaryOp::Gt => ("(", " > ", ")"),
                BinaryOp::Ge => ("(", " >= ", ")"),
                BinaryOp::Add => ("(", " + ", ")"),
                BinaryOp::Sub => ("(", " - ", ")"),
                BinaryOp::Mul => ("(", " * ", ")"),
            };
            out.push(open);
            write(l, out)?;
            out.push(middle);
            write(r, out)?;
            out.push(close);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tavana_domain::programs::rule::parse;

    #[test]
    fn every_variable_has_exactly_one_column() {
        for v in VARIABLES {
            assert_eq!(COLUMNS.iter().filter(|(name, _, _)| *name == v.name).count(), 1, "{}", v.name);
        }
        assert_eq!(COLUMNS.len(), VARIABLES.len());
    }

    #[test]
    fn a_rule_joins_only_what_it_reads() {
        let today = time::macros::date!(2026 - 11 - 26);
        let person_only = variables(&["person.age", "person.sex"], today, "%").text();
        assert!(!person_only.contains("dis AS") && !person_only.contains("hh AS") && !person_only.contains("places"));
        let household = variables(&["household.size"], today, "%").text();
        assert!(household.contains("hh AS") && !household.contains("dis AS"));
        let severe = variables(&["household.members_with_severe_disability"], today, "%").text();
        assert!(severe.contains("dis AS") && severe.contains("LEFT JOIN dis d ON d.person_id = m.id"));
        assert!(!severe.contains("LEFT JOIN dis d ON d.person_id = s.id"));
    }

    #[test]
    fn literals_are_bound_never_written() {
        let expr = parse(r#"person.age >= 18 && disability.severity in ["severe", "very_severe"]"#).unwrap();
        let sql = expression(&expr).unwrap();
        assert_eq!(sql.text(), "(((v.person_age) >= ?) AND ((v.disability_severity) IN (?, ?)))");
        let hostile = parse("person.sex == \"x'); DROP TABLE persons; --\"").unwrap();
        assert!(!expression(&hostile).unwrap().text().contains("DROP"), "text never enters the SQL");
        let today = time::macros::date!(2026 - 11 - 26);
        assert!(!variables(&["person.age"], today, "/1/%").text().contains("2026"), "nor does the date");
    }

    #[test]
    fn unknown_variables_are_refused() {
        let expr = parse("place.galaxy == 'x'").unwrap();
        assert!(expression(&expr).is_err());
    }
}
