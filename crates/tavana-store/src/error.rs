//! The one store error: sqlx errors are mapped here, once, so no layer above ever
//! matches on sqlx.

use tavana_domain::DomainError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The object does not exist, or is outside the actor's org-unit scope.
    #[error("not found")]
    NotFound,
    /// The object is visible but the actor's roles do not allow the action.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// A unique value is already taken.
    #[error("{field} is already taken")]
    Conflict { field: String },
    /// The input broke a rule; `field` names it.
    #[error(transparent)]
    Invalid(#[from] DomainError),
    /// Too many failed logins for this name or address; try again later.
    #[error("too many failed attempts")]
    Throttled,
    /// A read ran past the store's time limit and was stopped.
    #[error("the query took longer than the time limit and was stopped")]
    TimedOut,
    #[error("unsupported database URL {0:?}: use sqlite:PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error")]
    Database(#[source] sqlx::Error),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            // SQLite's SQLITE_INTERRUPT, PostgreSQL's query_canceled: bounded reads
            // are interrupted only at their limit or when nobody waits for them.
            sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("9" | "57014")) => StoreError::TimedOut,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict { field: conflict_field(db.constraint(), db.message()) }
            }
            _ => StoreError::Database(err),
        }
    }
}

/// The column a unique violation is about. PostgreSQL names the constraint, and our
/// migrations name every unique constraint `TABLE__COLUMN`; SQLite says
/// `UNIQUE constraint failed: users.username`.
fn conflict_field(constraint: Option<&str>, message: &str) -> String {
    if let Some(name) = constraint {
        return name.rsplit("__").next().unwrap_or(name).to_string();
    }
    message
        .rsplit(": ")
        .next()
        .and_then(|cols| cols.split(", ").next())
        .and_then(|col| col.rsplit('.').next())
        .unwrap_or("value")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::conflict_field;

    #[test]
    fn conflict_names_the_column_on_both_backends() {
        assert_eq!(conflict_field(Some("users__username"), ""), "username");
        assert_eq!(conflict_field(Some("org_units__code"), ""), "code");
        assert_eq!(conflict_field(None, "UNIQUE constraint failed: users.username"), "username");
    }
}
