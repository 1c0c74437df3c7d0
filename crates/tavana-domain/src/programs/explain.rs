//! "Why (not) eligible": a rule split into its clauses (the parts joined by `&&`),
//! each with the person's values it read and whether it held, in Persian and in
//! English.

use super::rule::{BinaryOp, Expr, ExprKind, Value, Variable, evaluate};
use crate::text::to_persian_digits;

/// One clause of a rule, as it came out for one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// The clause as written (normalized).
    pub text: String,
    /// The clause in Persian words, Persian digits.
    pub text_fa: String,
    /// True, false, or unknown (`None`) when a value it needs is missing.
    pub holds: Option<bool>,
    /// The variables it read and their values for this person.
    pub inputs: Vec<(String, Value)>,
}

/// The clauses of `rule` evaluated for one person, in the order written.
pub fn explain(rule: &Expr, variables: &[Variable], lookup: &dyn Fn(&str) -> Value) -> Vec<Clause> {
    let mut clauses = Vec::new();
    split(rule, &mut clauses);
    clauses
        .into_iter()
        .map(|clause| {
            let mut names = Vec::new();
            variables_of(clause, &mut names);
            Clause {
                text: clause.to_text(),
                text_fa: persian(clause, variables),
                holds: match evaluate(clause, lookup) {
                    Value::Bool(b) => Some(b),
                    _ => None,
                },
                inputs: names.into_iter().map(|n| (n.clone(), lookup(&n))).collect(),
            }
        })
        .collect()
}

fn split<'a>(expr: &'a Expr, out: &mut Vec<&'a Expr>) {
    match &expr.kind {
        ExprKind::Binary(BinaryOp::And, l, r) => {
            split(l, out);
            split(r, out);
        }
        _ => out.push(expr),
    }
}

fn variables_of(expr: &Expr, out: &mut Vec<String>) {
    match &expr.kind {
        ExprKind::Var(name) | ExprKind::Has(name) => {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        ExprKind::List(items) => items.iter().for_each(|e| variables_of(e, out)),
        ExprKind::Not(e) | ExprKind::Neg(e) => variables_of(e, out),
        ExprKind::Binary(_, a, b) | ExprKind::MinMax(_, a, b) => {
            variables_of(a, out);
            variables_of(b, out);
        }
        ExprKind::Cond(c, y, n) => {
            variables_of(c, out);
            variables_of(y, out);
            variables_of(n, out);
        }
        ExprKind::Int(_) | ExprKind::Str(_) | ExprKind::Bool(_) => {}
    }
}

/// A clause in Persian: variables by their Persian description, operators as signs
/// or words, digits in Persian.
pub fn persian(expr: &Expr, variables: &[Variable]) -> String {
    let p = |e: &Expr| persian(e, variables);
    match &expr.kind {
        ExprKind::Int(n) => to_persian_digits(&n.to_string()),
        ExprKind::Str(s) => format!("«{s}»"),
        ExprKind::Bool(true) => "درست".into(),
        ExprKind::Bool(false) => "نادرست".into(),
        ExprKind::List(items) => items.iter().map(p).collect::<Vec<_>>().join("، "),
        ExprKind::Var(name) => {
            variables.iter().find(|v| v.name == name).map(|v| v.doc_fa.to_string()).unwrap_or_else(|| name.clone())
        }
        ExprKind::Has(name) => format!(
            "{} ثبت شده است",
            variables.iter().find(|v| v.name == name).map(|v| v.doc_fa.to_string()).unwrap_or_else(|| name.clone())
        ),
        ExprKind::Not(e) => format!("چنین نیست که {}", p(e)),
        ExprKind::Neg(e) => format!("منفی {}", p(e)),
        ExprKind::MinMax(min, a, b) => format!("{} {} و {}", if *min { "کمترینِ" } else { "بیشترینِ" }, p(a), p(b)),
        ExprKind::Cond(c, y, n) => format!("اگر {} آنگاه {} وگرنه {}", p(c), p(y), p(n)),
        ExprKind::Binary(op, a, b) => {
            let word = match op {
                BinaryOp::Or => "یا",
                BinaryOp::And => "و",
                BinaryOp::Lt => "<",
                BinaryOp::Le => "≤",
                BinaryOp::Gt => ">",
                BinaryOp::Ge => "≥",
                BinaryOp::Eq => "=",
                BinaryOp::Ne => "≠",
                BinaryOp::In => "یکی از",
                BinaryOp::Add => "+",
                BinaryOp::Sub => "−",
                BinaryOp::Mul => "×",
                BinaryOp::Div => "÷",
                BinaryOp::Rem => "باقی‌ماندهٔ تقسیم بر",
            };
            let open = matches!(a.kind, ExprKind::Binary(BinaryOp::Or, _, _));
            let left = if open { format!("({})", p(a)) } else { p(a) };
            format!("{left} {word} {}", p(b))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programs::rule::parse;
    use crate::programs::variables::VARIABLES;

    #[test]
    fn each_clause_says_what_it_read_and_whether_it_held() {
        let rule =
            parse(r#"person.age >= 18 && disability.severity in ["severe", "very_severe"] && person.alive"#).unwrap();
        let values = |name: &str| match name {
            "person.age" => Value::Int(16),
            "disability.severity" => Value::Str("severe".into()),
            "person.alive" => Value::Bool(true),
            _ => Value::Null,
        };
        let clauses = explain(&rule, VARIABLES, &values);
        assert_eq!(clauses.len(), 3);
        assert_eq!(clauses[0].holds, Some(false));
        assert_eq!(clauses[0].text_fa, "سن به سال تمام شمسی در تاریخ محاسبه ≥ ۱۸");
        assert_eq!(clauses[0].inputs, vec![("person.age".to_string(), Value::Int(16))]);
        assert_eq!(clauses[1].holds, Some(true));
        assert_eq!(clauses[1].text_fa, "شدیدترین ارزیابی معتبر معلولیت یکی از «severe»، «very_severe»");
        assert_eq!(clauses[2].holds, Some(true));
        let unknown = explain(&rule, VARIABLES, &|_| Value::Null);
        assert_eq!(unknown[0].holds, None);
    }
}
