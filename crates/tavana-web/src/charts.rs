//! Charts drawn on the server as SVG: horizontal bars (a value per place),
//! lines (series over months) and paired columns (two series per month). Each
//! is an image with a title for assistive technology; the page puts a table of
//! the same figures beside it, which is what a screen reader reads.
//!
//! Right to left (Persian), bars grow from the right and time runs from right
//! to left. Every text is escaped here, since the markup is written by hand.

use std::fmt::Write as _;

/// The drawing's width in SVG units (it scales to the page).
const WIDTH: i64 = 760;
/// Room for a bar's label and its value.
const LABEL: i64 = 150;
const VALUE: i64 = 110;
const BAR: i64 = 18;
const GAP: i64 = 8;
/// A line or column chart's height, and its margins.
const HEIGHT: i64 = 260;
const MARGIN: i64 = 40;

/// One named series of values.
pub struct Series {
    pub name: String,
    pub values: Vec<i64>,
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn open(out: &mut String, id: &str, title: &str, height: i64) {
    let (id, title) = (escape(id), escape(title));
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"{id}-title\" \
         viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" class=\"chart\" id=\"{id}\"><title id=\"{id}-title\">{title}</title>"
    );
}

/// A horizontal bar per row, its length the value against the largest; `text`
/// writes a value. None drawn when nothing is above zero.
pub fn bars(id: &str, title: &str, rows: &[(String, i64)], text: impl Fn(i64) -> String, rtl: bool) -> String {
    let largest = rows.iter().map(|r| r.1).max().unwrap_or(0);
    if largest <= 0 {
        return String::new();
    }
    let height = rows.len() as i64 * (BAR + GAP) + GAP;
    let mut out = String::new();
    open(&mut out, id, title, height);
    let span = WIDTH - LABEL - VALUE;
    let anchor = if rtl { " text-anchor=\"end\"" } else { "" };
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = GAP + i as i64 * (BAR + GAP);
        let width = value.max(&0) * span / largest;
        let (label_x, x, value_x) =
            if rtl { (WIDTH, WIDTH - LABEL - width, WIDTH - LABEL - width - 6) } else { (0, LABEL, LABEL + width + 6) };
        let (label, value) = (escape(label), escape(&text(*value)));
        let _ = write!(
            out,
            "<text x=\"{label_x}\" y=\"{}\" class=\"chart-label\"{anchor}>{label}</text>\
             <rect x=\"{x}\" y=\"{y}\" width=\"{width}\" height=\"{BAR}\" class=\"chart-bar\"><title>{label}: {value}</title></rect>\
             <text x=\"{value_x}\" y=\"{}\" class=\"chart-value\"{anchor}>{value}</text>",
            y + 14,
            y + 14
        );
    }
    out.push_str("</svg>");
    out
}

/// The x of point `i` of `n` across the plot, time running right to left in
/// Persian.
fn x_of(i: usize, n: usize, rtl: bool) -> i64 {
    let span = WIDTH - 2 * MARGIN;
    let step = if n > 1 { span / (n as i64 - 1) } else { 0 };
    let x = MARGIN + i as i64 * step;
    if rtl { WIDTH - x } else { x }
}

fn y_of(value: i64, largest: i64) -> i64 {
    let plot = HEIGHT - 2 * MARGIN;
    HEIGHT - MARGIN - value.max(0) * plot / largest.max(1)
}

/// Axis labels under the points, and a legend naming each series by its colour.
fn axis_and_legend(out: &mut String, labels: &[String], series: &[Series], rtl: bool, columns: bool) {
    let n = labels.len();
    for (i, label) in labels.iter().enumerate() {
        let x = if columns { column_centre(i, n, rtl) } else { x_of(i, n, rtl) };
        let _ = write!(
            out,
            "<text x=\"{x}\" y=\"{}\" class=\"chart-label\" text-anchor=\"middle\">{}</text>",
            HEIGHT - MARGIN + 18,
            escape(label)
        );
    }
    for (s, one) in series.iter().enumerate() {
        let y = 14 + s as i64 * 16;
        let x = if rtl { WIDTH - MARGIN } else { MARGIN };
        let text_x = if rtl { x - 16 } else { x + 16 };
        let anchor = if rtl { " text-anchor=\"end\"" } else { "" };
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" class=\"chart-s{}\"/>\
             <text x=\"{text_x}\" y=\"{}\" class=\"chart-label\"{anchor}>{}</text>",
            if rtl { x - 12 } else { x },
            y - 10,
            s % 4,
            y,
            escape(&one.name)
        );
    }
}

/// Series over the same points (months) as lines. None drawn without points.
pub fn lines(
    id: &str,
    title: &str,
    labels: &[String],
    series: &[Series],
    text: impl Fn(i64) -> String,
    rtl: bool,
) -> String {
    if labels.is_empty() || series.is_empty() {
        return String::new();
    }
    let largest = series.iter().flat_map(|s| s.values.iter().copied()).max().unwrap_or(0).max(1);
    let mut out = String::new();
    open(&mut out, id, title, HEIGHT + 10);
    let _ = write!(
        out,
        "<line x1=\"{MARGIN}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" class=\"chart-axis\"/>\
         <text x=\"{}\" y=\"{}\" class=\"chart-value\"{}>{}</text>",
        WIDTH - MARGIN,
        HEIGHT - MARGIN,
        HEIGHT - MARGIN,
        if rtl { WIDTH - 4 } else { 4 },
        y_of(largest, largest) + 4,
        if rtl { " text-anchor=\"end\"" } else { "" },
        escape(&text(largest))
    );
    for (s, one) in series.iter().enumerate() {
        let points: Vec<String> = one
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{},{}", x_of(i, labels.len(), rtl), y_of(*v, largest)))
            .collect();
        let _ = write!(out, "<polyline points=\"{}\" class=\"chart-line chart-s{}\"/>", points.join(" "), s % 4);
        for (i, v) in one.values.iter().enumerate() {
            let _ = write!(
                out,
                "<circle cx=\"{}\" cy=\"{}\" r=\"3\" class=\"chart-s{}\"><title>{} {}: {}</title></circle>",
                x_of(i, labels.len(), rtl),
                y_of(*v, largest),
                s % 4,
                escape(&one.name),
                escape(labels.get(i).map(String::as_str).unwrap_or("")),
                escape(&text(*v))
            );
        }
    }
    axis_and_legend(&mut out, labels, series, rtl, false);
    out.push_str("</svg>");
    out
}

fn column_centre(i: usize, n: usize, rtl: bool) -> i64 {
    let slot = (WIDTH - 2 * MARGIN) / (n.max(1) as i64);
    let x = MARGIN + i as i64 * slot + slot / 2;
    if rtl { WIDTH - x } else { x }
}

/// Series side by side over the same points (months) as columns. None drawn
/// when nothing is above zero.
pub fn columns(
    id: &str,
    title: &str,
    labels: &[String],
    series: &[Series],
    text: impl Fn(i64) -> String,
    rtl: bool,
) -> String {
    let largest = series.iter().flat_map(|s| s.values.iter().copied()).max().unwrap_or(0);
    if labels.is_empty() || largest <= 0 {
        return String::new();
    }
    let mut out = String::new();
    open(&mut out, id, title, HEIGHT + 10);
    let n = labels.len();
    let slot = (WIDTH - 2 * MARGIN) / (n as i64);
    let width = ((slot - 6) / series.len().max(1) as i64).max(1);
    for (i, label) in labels.iter().enumerate() {
        let centre = column_centre(i, n, rtl);
        let left = centre - width * series.len() as i64 / 2;
        for (s, one) in series.iter().enumerate() {
            let value = one.values.get(i).copied().unwrap_or(0);
            let y = y_of(value, largest);
            // Right to left, the first series stands rightmost.
            let k = if rtl { series.len() - 1 - s } else { s } as i64;
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{y}\" width=\"{width}\" height=\"{}\" class=\"chart-s{}\"><title>{} {}: {}</title></rect>",
                left + k * width,
                HEIGHT - MARGIN - y,
                s % 4,
                escape(&one.name),
                escape(label),
                escape(&text(value))
            );
        }
    }
    let _ = write!(
        out,
        "<line x1=\"{MARGIN}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" class=\"chart-axis\"/>",
        WIDTH - MARGIN,
        HEIGHT - MARGIN,
        HEIGHT - MARGIN
    );
    axis_and_legend(&mut out, labels, series, rtl, true);
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_grow_from_the_right_in_persian_and_escape_their_labels() {
        let rows = [("<b>".to_string(), 100), ("تهران".to_string(), 50)];
        let svg = bars("c", "a & b", &rows, |v| v.to_string(), true);
        assert!(svg.contains("<title id=\"c-title\">a &amp; b</title>"), "{svg}");
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"), "{svg}");
        // The longest bar ends where the labels begin, at the right.
        assert!(svg.contains(&format!("x=\"{}\" y=\"8\" width=\"{}\"", WIDTH - LABEL - 500, 500)), "{svg}");
        assert!(svg.contains(&format!("width=\"{}\"", 250)));
        assert_eq!(bars("c", "t", &[("x".into(), 0)], |v| v.to_string(), true), "", "nothing to compare");
    }

    #[test]
    fn time_runs_right_to_left_in_persian() {
        let labels: Vec<String> = ["1", "2", "3"].iter().map(|s| s.to_string()).collect();
        let series = [Series { name: "s".into(), values: vec![0, 5, 10] }];
        let fa = lines("l", "t", &labels, &series, |v| v.to_string(), true);
        let en = lines("l", "t", &labels, &series, |v| v.to_string(), false);
        // The oldest month stands at the right in Persian and at the left in English.
        assert!(fa.contains(&format!("points=\"{},{} ", WIDTH - MARGIN, HEIGHT - MARGIN)), "{fa}");
        assert!(en.contains(&format!("points=\"{MARGIN},{} ", HEIGHT - MARGIN)), "{en}");
        let cols = columns("k", "t", &labels, &series, |v| v.to_string(), true);
        assert_eq!(cols.matches("<rect x=").count(), 3 + 1, "a column a month, and the legend's key");
    }
}
