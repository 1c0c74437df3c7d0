//! What every list page shares: its sort, page and file format read from the
//! query string, column headers that sort (with `aria-sort`), the count, page
//! navigation and the download links, each keeping the list's filters. A list
//! supplies its path, its filters as a query string and its columns; the
//! template includes `list_nav.html` and loops over the headers.

use crate::i18n::Lang;
use crate::tables::TableFormat;
use serde::Deserialize;
use tavana_store::lists::{ListOrder, ListPage, SortColumn};

/// The list part of a list page's query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    pub sort: String,
    /// `desc` for descending; anything else ascending.
    #[serde(default)]
    pub dir: String,
    #[serde(default)]
    pub page: Option<u32>,
    /// For a list's download: `csv` or `xlsx`.
    #[serde(default)]
    pub format: TableFormat,
}

impl ListParams {
    pub fn order(&self) -> ListOrder {
        ListOrder { sort: self.sort.clone(), descending: self.dir == "desc", page: self.page.unwrap_or(1).max(1) }
    }
}

/// A column's header: its label and, when it sorts, the link that sorts by it.
pub struct Header {
    pub label: String,
    pub href: Option<String>,
    /// `ascending`, `descending` or `none` (for `aria-sort`), on sortable columns.
    pub aria_sort: &'static str,
}

/// The count, page links and downloads of a list.
pub struct ListNav {
    /// "N found" (or "at least N"), in the page's digits.
    pub count: String,
    /// "page p of n".
    pub position: String,
    pub previous: Option<String>,
    pub next: Option<String>,
    pub csv: String,
    pub xlsx: String,
}

/// The headers of a list whose columns are `(key, label)`; a key among `sorts`
/// sorts. Clicking the sorted column again turns its direction.
pub fn headers(
    path: &str,
    filters: &str,
    columns: &[(&str, &str)],
    sorts: &[SortColumn],
    order: &ListOrder,
) -> Vec<Header> {
    let current = order.sorted_by(sorts);
    columns
        .iter()
        .map(|(key, label)| {
            let sortable = sorts.iter().any(|s| s.key == *key);
            let here = sortable && *key == current;
            let dir = if here && !order.descending { "desc" } else { "asc" };
            Header {
                label: label.to_string(),
                href: sortable.then(|| format!("{path}?{}", join(&[filters, &format!("sort={key}&dir={dir}")]))),
                aria_sort: match (sortable, here, order.descending) {
                    (false, _, _) => "",
                    (true, false, _) => "none",
                    (true, true, false) => "ascending",
                    (true, true, true) => "descending",
                },
            }
        })
        .collect()
}

/// The count, pages and downloads of `page`, listed at `path` (its download at
/// `download`) with `filters`.
pub fn nav<T>(lang: Lang, path: &str, download: &str, filters: &str, order: &ListOrder, page: &ListPage<T>) -> ListNav {
    let t = lang.texts();
    let sorted =
        format!("sort={}&dir={}", crate::auth::url_encode(&order.sort), if order.descending { "desc" } else { "asc" });
    let at = |p: u32| format!("{path}?{}", join(&[filters, &sorted, &format!("page={p}")]));
    let figure = lang.number(page.total);
    ListNav {
        count: if page.at_least() { format!("{} {figure}", t.at_least) } else { format!("{} {figure}", t.found) },
        position: format!(
            "{} {} {} {}{}",
            t.page,
            lang.number(i64::from(page.page)),
            t.of,
            if page.at_least() { t.at_least_short } else { "" },
            lang.number(page.pages())
        ),
        previous: (page.page > 1).then(|| at(page.page - 1)),
        next: page.has_next().then(|| at(page.page + 1)),
        csv: format!("{download}?{}", join(&[filters, &sorted, "format=csv"])),
        xlsx: format!("{download}?{}", join(&[filters, &sorted, "format=xlsx"])),
    }
}

fn join(parts: &[&str]) -> String {
    parts.iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SORTS: &[SortColumn] = &[SortColumn { key: "name", sql: "x" }, SortColumn { key: "amount", sql: "y" }];

    #[test]
    fn headers_sort_keep_the_filters_and_turn_the_direction() {
        let order = ListOrder { sort: "amount".into(), descending: false, page: 2 };
        let h =
            headers("/l", "state=active", &[("name", "Name"), ("amount", "Amount"), ("note", "Note")], SORTS, &order);
        assert_eq!(h[0].href.as_deref(), Some("/l?state=active&sort=name&dir=asc"));
        assert_eq!(h[1].href.as_deref(), Some("/l?state=active&sort=amount&dir=desc"));
        assert_eq!((h[0].aria_sort, h[1].aria_sort, h[2].aria_sort), ("none", "ascending", ""));
        assert!(h[2].href.is_none());
    }

    #[test]
    fn the_nav_counts_pages_and_keeps_order_and_filters() {
        let order = ListOrder { sort: "amount".into(), descending: true, page: 2 };
        let page = ListPage { rows: vec![(); 50], total: 120, page: 2 };
        let nav = nav(Lang::En, "/l", "/l.csv", "state=active", &order, &page);
        assert_eq!(nav.previous.as_deref(), Some("/l?state=active&sort=amount&dir=desc&page=1"));
        assert_eq!(nav.next.as_deref(), Some("/l?state=active&sort=amount&dir=desc&page=3"));
        assert_eq!(nav.xlsx, "/l.csv?state=active&sort=amount&dir=desc&format=xlsx");
        assert!(nav.count.contains("120") && nav.position.contains('3'), "{} / {}", nav.count, nav.position);
    }
}
