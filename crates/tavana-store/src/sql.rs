//! Queries assembled from fixed SQL fragments and bound values, written once for
//! both backends (`$n` placeholders are numbered by sqlx's builder). Lists and
//! rule SQL are built with it; nothing a request says enters its text.

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

    /// Binds a value, or writes NULL for none.
    pub(crate) fn bind_opt_int(&mut self, value: Option<i64>) -> &mut Sql {
        match value {
            Some(n) => self.bind_int(n),
            None => self.push("NULL"),
        }
    }

    /// Binds a value, or writes NULL for none.
    pub(crate) fn bind_opt_str(&mut self, value: Option<&str>) -> &mut Sql {
        match value {
            Some(s) => self.bind_str(s),
            None => self.push("NULL"),
        }
    }

    /// Appends a parenthesized list of bound ids. An empty list binds one id no
    /// row has, so the query still has a list.
    pub(crate) fn bind_ids(&mut self, ids: &[i64]) -> &mut Sql {
        self.push("(");
        for (i, id) in ids.iter().chain(ids.is_empty().then_some(&-1)).enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind_int(*id);
        }
        self.push(")")
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
    pub(crate) fn text(&self) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.as_str(),
                Part::Int(_) | Part::Str(_) => "?",
            })
            .collect()
    }
}
