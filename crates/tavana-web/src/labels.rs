//! Field labels: what each input field is called, in Persian and English, for forms,
//! their errors and the API's problems. Every module slice declares its own
//! [`Labels`]; its routes run inside them ([`scoped`]), so two modules may use the
//! same field name (`kind` is a program's kind in programs, a disability type in the
//! registry) without colliding. Platform fields are in [`COMMON`].

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// A module's field labels: (field, Persian, English).
pub struct Labels(pub &'static [(&'static str, &'static str, &'static str)]);

/// Fields every module shares.
pub const COMMON: Labels = Labels(&[
    ("reason", "علت تغییر", "Reason for the change"),
    ("version", "نسخه", "Version"),
    ("date", "تاریخ", "Date"),
    ("file", "پرونده", "File"),
    ("format", "قالب پرونده", "File format"),
    ("name", "نام", "Name"),
]);

tokio::task_local! {
    static MODULE: &'static Labels;
}

/// Middleware that runs a module's routes inside its labels.
pub async fn scoped(State(labels): State<&'static Labels>, request: Request, next: Next) -> Response {
    MODULE.scope(labels, next.run(request)).await
}

fn find(field: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    let module = MODULE.try_with(|labels| labels.0.iter().find(|(f, _, _)| *f == field)).ok().flatten();
    module.or_else(|| COMMON.0.iter().find(|(f, _, _)| *f == field))
}

/// The Persian name of an input field of the module at work.
pub fn field_fa(field: &str) -> String {
    find(field).map(|(_, fa, _)| fa.to_string()).unwrap_or_else(|| field.to_string())
}

/// The English name of an input field of the module at work.
pub fn field_en(field: &str) -> String {
    match find(field) {
        Some((_, _, en)) => en.to_string(),
        None => {
            let text = field.replace('_', " ");
            let mut chars = text.chars();
            chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROGRAMS: Labels = Labels(&[("kind", "نوع برنامه", "Program kind")]);
    const REGISTRY: Labels = Labels(&[("kind", "نوع معلولیت", "Disability type")]);

    #[tokio::test]
    async fn a_field_is_named_by_the_module_at_work() {
        assert_eq!(MODULE.scope(&PROGRAMS, async { field_fa("kind") }).await, "نوع برنامه");
        assert_eq!(MODULE.scope(&REGISTRY, async { field_en("kind") }).await, "Disability type");
        assert_eq!(MODULE.scope(&REGISTRY, async { field_fa("reason") }).await, "علت تغییر");
        assert_eq!(field_en("budget_month"), "Budget month");
    }
}
