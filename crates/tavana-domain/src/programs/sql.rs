//! Compiling a checked rule to a SQL condition that both SQLite and PostgreSQL read
//! the same way, with every literal bound as a parameter.
//!
//! The semantics match [`super::rule::evaluate`]: SQL's NULL is the interpreter's
//! missing value, `AND`/`OR` are three-valued in both, a conditional with an unknown
//! condition is unknown (`CASE WHEN c THEN a WHEN NOT c THEN b END`), and division
//! or remainder by zero is unknown (`NULLIF`), where PostgreSQL would otherwise
//! raise an error.

use super::rule::{BinaryOp, Expr, ExprKind};

/// A value bound to the compiled condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    Int(i64),
    Str(String),
}

/// A compiled condition: SQL text with `$n` placeholders numbered from
/// `first_param`, and the values to bind, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiled {
    pub sql: String,
    pub params: Vec<Param>,
}

/// Compiles `expr` to SQL. `column` gives the SQL expression of each variable (a
/// column of the variables query); `first_param` is the number of the first
/// placeholder, after those the surrounding query uses.
pub fn compile(expr: &Expr, column: &dyn Fn(&str) -> Option<String>, first_param: usize) -> Option<Compiled> {
    let mut out = Compiled { sql: String::new(), params: Vec::new() };
    write(expr, column, first_param, &mut out)?;
    Some(out)
}

fn bind(out: &mut Compiled, first: usize, param: Param) -> String {
    out.params.push(param);
    format!("${}", first + out.params.len() - 1)
}

fn write(expr: &Expr, column: &dyn Fn(&str) -> Option<String>, first: usize, out: &mut Compiled) -> Option<()> {
    let sub = |e: &Expr, out: &mut Compiled| -> Option<String> {
        let mut inner = Compiled { sql: String::new(), params: std::mem::take(&mut out.params) };
        let result = write(e, column, first, &mut inner);
        out.params = inner.params;
        result.map(|()| inner.sql)
    };
    let text = match &expr.kind {
        ExprKind::Int(n) => bind(out, first, Param::Int(*n)),
        ExprKind::Str(s) => bind(out, first, Param::Str(s.clone())),
        ExprKind::Bool(true) => "(1 = 1)".to_string(),
        ExprKind::Bool(false) => "(1 = 0)".to_string(),
        ExprKind::List(items) => {
            let parts = items.iter().map(|e| sub(e, out)).collect::<Option<Vec<_>>>()?;
            format!("({})", parts.join(", "))
        }
        ExprKind::Var(name) => format!("({})", column(name)?),
        ExprKind::Not(inner) => format!("(NOT {})", sub(inner, out)?),
        ExprKind::Neg(inner) => format!("(-{})", sub(inner, out)?),
        ExprKind::MinMax(min, a, b) => {
            // Written out, since SQLite says MIN(a, b) and PostgreSQL LEAST(a, b);
            // unknown when either is, as in the interpreter.
            let a1 = sub(a, out)?;
            let b1 = sub(b, out)?;
            let a2 = sub(a, out)?;
            let b2 = sub(b, out)?;
            let op = if *min { "<=" } else { ">=" };
            format!("(CASE WHEN {a1} {op} {b1} THEN {a2} WHEN NOT ({a1} {op} {b1}) THEN {b2} END)")
        }
        ExprKind::Cond(c, y, n) => {
            let c1 = sub(c, out)?;
            let y = sub(y, out)?;
            let c2 = sub(c, out)?;
            let n = sub(n, out)?;
            format!("(CASE WHEN {c1} THEN {y} WHEN NOT {c2} THEN {n} END)")
        }
        ExprKind::Binary(op, l, r) => {
            let l = sub(l, out)?;
            let r = sub(r, out)?;
            match op {
                BinaryOp::Or => format!("({l} OR {r})"),
                BinaryOp::And => format!("({l} AND {r})"),
                BinaryOp::Eq => format!("({l} = {r})"),
                BinaryOp::Ne => format!("({l} <> {r})"),
                BinaryOp::In => format!("({l} IN {r})"),
                BinaryOp::Div => format!("({l} / NULLIF({r}, 0))"),
                BinaryOp::Rem => format!("({l} % NULLIF({r}, 0))"),
                BinaryOp::Lt
                | BinaryOp::Le
                | BinaryOp::Gt
                | BinaryOp::Ge
                | BinaryOp::Add
                | BinaryOp::Sub
                | BinaryOp::Mul => {
                    format!("({l} {} {r})", op.symbol())
                }
            }
        }
    };
    out.sql.push_str(&text);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programs::rule::parse;

    #[test]
    fn literals_are_bound_and_numbered_after_the_query_s_own() {
        let expr = parse(r#"person.age >= 18 && disability.severity in ["severe", "very_severe"]"#).unwrap();
        let column = |name: &str| Some(name.replace('.', "_"));
        let c = compile(&expr, &column, 3).unwrap();
        assert_eq!(c.sql, "(((person_age) >= $3) AND ((disability_severity) IN ($4, $5)))");
        assert_eq!(c.params, vec![Param::Int(18), Param::Str("severe".into()), Param::Str("very_severe".into())]);
        let hostile = parse("person.sex == \"x'); DROP TABLE persons; --\"").unwrap();
        let c = compile(&hostile, &column, 1).unwrap();
        assert!(!c.sql.contains("DROP"), "text never enters the SQL: {}", c.sql);
    }

    #[test]
    fn unknown_variables_do_not_compile() {
        let expr = parse("place.galaxy == 'x'").unwrap();
        assert!(compile(&expr, &|_| None, 1).is_none());
    }
}
