//! Lists people page through: a page of rows in the order asked for, and how many
//! rows there are in all (counted up to [`COUNT_LIMIT`]; a count of the limit
//! is shown as "at least"). Each list names the columns it may be sorted by, with the fixed SQL
//! each sorts on; a request names a column by its key, so nothing a request
//! says reaches the SQL text.
//!
//! A list is a query written once, unordered and scoped; [`Store::list_page`]
//! pages and counts it, [`Store::list_each`] and [`Store::list_csv`] stream it
//! for a download. Each list's own method says who may read it and logs the read.

use crate::sql::Sql;

/// How many rows a list counts; a count of this many means at least this many.
pub const COUNT_LIMIT: i64 = 10_000;
/// Rows on a page of a list.
pub const PAGE_ROWS: i64 = 50;
/// The most rows a list's download holds.
pub const EXPORT_LIMIT: i64 = 100_000;

/// A row a list reads, on either backend.
pub(crate) trait ListRow:
    for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin
{
}

impl<T> ListRow for T where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin
{
}

impl crate::Store {
    /// A page of what `base` (a list's query, unordered) finds, in `order` over
    /// the list's `sorts` and then `tiebreak`, with how many there are: one
    /// bounded read.
    pub(crate) async fn list_page<T: ListRow>(
        &self,
        base: Sql,
        sorts: &[SortColumn],
        tiebreak: &str,
        order: &ListOrder,
    ) -> crate::Result<ListPage<T>> {
        let mut count = Sql::new("SELECT COUNT(*) FROM (");
        count.append(&base).push(" LIMIT ").bind_int(COUNT_LIMIT).push(") AS c");
        let mut q = base;
        q.push(&order.order_by(sorts, tiebreak))
            .push(" LIMIT ")
            .bind_int(PAGE_ROWS)
            .push(" OFFSET ")
            .bind_int(order.offset());
        let (rows, total): (Vec<T>, i64) = on_bounded!(self, |c| {
            let rows = q.builder().build_query_as().fetch_all(&mut *c).await?;
            let total: (i64,) = count.builder().build_query_as().fetch_one(&mut *c).await?;
            Ok::<_, sqlx::Error>((rows, total.0))
        })?;
        Ok(ListPage { rows, total, page: order.page.max(1) })
    }

    /// Hands each row `base` finds to `each`, in the list's order, at most
    /// [`EXPORT_LIMIT`] of them, streamed (a download). Returns how many.
    pub(crate) async fn list_each<T: ListRow>(
        &self,
        base: Sql,
        sorts: &[SortColumn],
        tiebreak: &str,
        order: &ListOrder,
        each: &mut (dyn FnMut(T) -> crate::Result<()> + Send),
    ) -> crate::Result<u64> {
        use futures_util::TryStreamExt;
        let mut q = base;
        q.push(&order.order_by(sorts, tiebreak)).push(" LIMIT ").bind_int(EXPORT_LIMIT);
        let mut rows = 0u64;
        on_pool!(self, |c| {
            let mut builder = q.builder();
            let mut stream = builder.build_query_as::<T>().fetch(c);
            while let Some(row) = stream.try_next().await? {
                each(row)?;
                rows += 1;
            }
            Ok::<(), crate::StoreError>(())
        })?;
        Ok(rows)
    }

    /// [`Store::list_each`] writing each row as a line of CSV (its header first).
    pub(crate) async fn list_csv<T: ListRow + serde::Serialize>(
        &self,
        base: Sql,
        sorts: &[SortColumn],
        tiebreak: &str,
        order: &ListOrder,
        out: &mut (dyn std::io::Write + Send),
    ) -> crate::Result<u64> {
        let mut csv = csv::Writer::from_writer(out);
        let mut first = true;
        let rows = self
            .list_each(base, sorts, tiebreak, order, &mut |row: T| {
                crate::registry::export::write_csv(&mut csv, &row, std::mem::take(&mut first))
            })
            .await?;
        csv.flush().map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
        Ok(rows)
    }
}

/// A column a list may be sorted by: the key a request names it by and the SQL
/// expression it sorts on (fixed text).
#[derive(Debug, Clone, Copy)]
pub struct SortColumn {
    pub key: &'static str,
    pub sql: &'static str,
}

/// Which page of a list, in which order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOrder {
    /// A column's key; an unknown or empty one is the list's default order.
    pub sort: String,
    pub descending: bool,
    /// From 1.
    pub page: u32,
}

impl ListOrder {
    /// ` ORDER BY …` on the column asked for (or the first), then on `tiebreak`
    /// so that pages never overlap.
    pub fn order_by(&self, columns: &[SortColumn], tiebreak: &str) -> String {
        let column = columns.iter().find(|c| c.key == self.sort).or(columns.first());
        let direction = if self.descending { "DESC" } else { "ASC" };
        match column {
            Some(c) => format!(" ORDER BY {} {direction}, {tiebreak} {direction}", c.sql),
            None => format!(" ORDER BY {tiebreak} {direction}"),
        }
    }

    /// The key of the column the list is sorted by.
    pub fn sorted_by(&self, columns: &[SortColumn]) -> &'static str {
        columns.iter().find(|c| c.key == self.sort).or(columns.first()).map(|c| c.key).unwrap_or_default()
    }

    /// Rows to skip before this page.
    pub fn offset(&self) -> i64 {
        i64::from(self.page.max(1) - 1) * PAGE_ROWS
    }
}

/// A page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage<T> {
    pub rows: Vec<T>,
    /// Rows in all, counted up to [`COUNT_LIMIT`] (then: at least that many).
    pub total: i64,
    /// Which page this is, from 1.
    pub page: u32,
}

impl<T> ListPage<T> {
    /// Whether a page follows this one.
    pub fn has_next(&self) -> bool {
        i64::from(self.page) * PAGE_ROWS < self.total
    }

    /// Pages in all, counting up to the counted rows.
    pub fn pages(&self) -> i64 {
        ((self.total + PAGE_ROWS - 1) / PAGE_ROWS).max(1)
    }

    /// Whether counting stopped at the limit: there are at least that many.
    pub fn at_least(&self) -> bool {
        self.total >= COUNT_LIMIT
    }
}

/// A stored instant (microseconds since the epoch) as a download writes it:
/// RFC 3339 in UTC.
pub(crate) fn rfc3339(micros: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// A `LIKE … ESCAPE '\'` pattern matching text that contains `text` as typed
/// (its `%`, `_` and `\` taken literally).
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

/// A `LIKE … ESCAPE '\\'` pattern matching text that starts with `text`.
pub(crate) fn prefix_pattern(text: &str) -> String {
    let mut pattern = contains_pattern(text);
    pattern.remove(0);
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[SortColumn] =
        &[SortColumn { key: "name", sql: "s.last_key" }, SortColumn { key: "amount", sql: "e.amount_rials" }];

    #[test]
    fn only_a_listed_column_reaches_the_sql() {
        let asked = |sort: &str, descending| ListOrder { sort: sort.into(), descending, page: 1 };
        assert_eq!(asked("amount", true).order_by(COLUMNS, "e.id"), " ORDER BY e.amount_rials DESC, e.id DESC");
        assert_eq!(asked("1; DROP TABLE x", false).order_by(COLUMNS, "e.id"), " ORDER BY s.last_key ASC, e.id ASC");
        assert_eq!(asked("", false).sorted_by(COLUMNS), "name");
    }

    #[test]
    fn a_contains_pattern_takes_wildcards_literally() {
        assert_eq!(contains_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }

    #[test]
    fn pages_follow_the_count() {
        let page = |total, page| ListPage::<()> { rows: vec![], total, page };
        assert!(page(51, 1).has_next() && !page(50, 1).has_next());
        assert_eq!((page(0, 1).pages(), page(101, 1).pages()), (1, 3));
        assert_eq!(ListOrder { page: 3, ..Default::default() }.offset(), 100);
        assert!(page(COUNT_LIMIT, 1).at_least() && !page(COUNT_LIMIT - 1, 1).at_least());
    }
}
