//! Lists downloaded as files: every list the store exports as CSV is offered as
//! CSV (with a byte-order mark, so spreadsheets read Persian right) and as an
//! Excel workbook (XLSX) made from the same rows, so both always hold the same.
//!
//! The workbook is written here: one sheet of text cells (national codes and
//! SHEBAs keep their leading zeros), right to left in Persian, in a zip archive
//! whose entries are stored, not compressed. That needs no crate beyond a CRC.

use crate::i18n::Lang;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::fmt::Write as _;

/// A list's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    #[default]
    Csv,
    Xlsx,
}

impl TableFormat {
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

/// A download of `csv` (as the store wrote it) named `stem` in `format`.
pub fn download(lang: Lang, stem: &str, format: TableFormat, csv: Vec<u8>) -> Response {
    let name = format!("{stem}.{}", format.extension());
    let disposition = format!("attachment; filename=\"{name}\"");
    match format {
        TableFormat::Csv => {
            let body = if csv.starts_with("\u{feff}".as_bytes()) {
                csv
            } else {
                let mut body = "\u{feff}".as_bytes().to_vec();
                body.extend(csv);
                body
            };
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                body,
            )
                .into_response()
        }
        TableFormat::Xlsx => {
            let rows = csv_rows(&csv);
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                workbook(&rows, lang == Lang::Fa),
            )
                .into_response()
        }
    }
}

/// The rows of a CSV file, its cells as our exports wrote them for spreadsheets
/// read back as they were.
fn csv_rows(csv: &[u8]) -> Vec<Vec<String>> {
    let text = csv.strip_prefix("\u{feff}".as_bytes()).unwrap_or(csv);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text)
        .records()
        .filter_map(|r| r.ok())
        .map(|r| r.iter().map(|c| tavana_domain::text::from_spreadsheet(c).to_string()).collect())
        .collect()
}

/// An XLSX workbook of one sheet holding `rows` as text, the first row bold.
pub fn workbook(rows: &[Vec<String>], right_to_left: bool) -> Vec<u8> {
    let mut sheet = String::with_capacity(rows.iter().flatten().map(|c| c.len() + 40).sum::<usize>() + 512);
    sheet.push_str(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#);
    sheet.push_str(r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#);
    let _ = write!(
        sheet,
        r#"<sheetViews><sheetView workbookViewId="0"{}/></sheetViews><sheetData>"#,
        if right_to_left { r#" rightToLeft="1""# } else { "" }
    );
    for (r, row) in rows.iter().enumerate() {
        let _ = write!(sheet, r#"<row r="{}">"#, r + 1);
        for (c, cell) in row.iter().enumerate() {
            let style = if r == 0 { r#" s="1""# } else { "" };
            let _ = write!(sheet, r#"<c r="{}{}" t="inlineStr"{style}><is><t xml:space="preserve">"#, column(c), r + 1);
            escape_into(&mut sheet, cell);
            sheet.push_str("</t></is></c>");
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let mut zip = Zip::default();
    zip.add("[Content_Types].xml", CONTENT_TYPES.as_bytes());
    zip.add("_rels/.rels", ROOT_RELS.as_bytes());
    zip.add("xl/workbook.xml", WORKBOOK.as_bytes());
    zip.add("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes());
    zip.add("xl/styles.xml", STYLES.as_bytes());
    zip.add("xl/worksheets/sheet1.xml", sheet.as_bytes());
    zip.finish()
}

/// A column's letters: 0 → A, 25 → Z, 26 → AA.
fn column(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// Appends `text` escaped for XML, without the characters XML 1.0 cannot hold.
fn escape_into(out: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Tavana" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs></styleSheet>"#;

/// A zip archive of stored (uncompressed) entries.
#[derive(Default)]
struct Zip {
    out: Vec<u8>,
    central: Vec<u8>,
    entries: u16,
}

impl Zip {
    fn add(&mut self, name: &str, data: &[u8]) {
        let offset = self.out.len() as u32;
        let crc = crc32(data);
        let size = data.len() as u32;
        // Local header.
        let mut head = Vec::with_capacity(30 + name.len());
        head.extend(0x0403_4b50u32.to_le_bytes());
        entry_fields(&mut head, crc, size, name);
        head.extend(0u16.to_le_bytes());
        head.extend(name.as_bytes());
        self.out.extend(&head);
        self.out.extend(data);
        // Its central directory entry.
        let c = &mut self.central;
        c.extend(0x0201_4b50u32.to_le_bytes());
        c.extend(20u16.to_le_bytes()); // made by
        entry_fields(c, crc, size, name);
        c.extend([0u8; 8]); // extra, comment, disk, internal attributes
        c.extend(0u32.to_le_bytes()); // external attributes
        c.extend(offset.to_le_bytes());
        c.extend(name.as_bytes());
        self.entries += 1;
    }

    fn finish(mut self) -> Vec<u8> {
        let start = self.out.len() as u32;
        let size = self.central.len() as u32;
        self.out.extend(&self.central);
        self.out.extend(0x0605_4b50u32.to_le_bytes());
        self.out.extend([0u8; 4]); // this disk, the central directory's disk
        self.out.extend(self.entries.to_le_bytes());
        self.out.extend(self.entries.to_le_bytes());
        self.out.extend(size.to_le_bytes());
        self.out.extend(start.to_le_bytes());
        self.out.extend(0u16.to_le_bytes());
        self.out
    }
}

/// The fields a local header and its central directory entry share: version
/// 2.0 needed, names in UTF-8, stored, 1980-01-01 00:00, the CRC, both sizes
/// (stored: equal) and the name's length.
fn entry_fields(out: &mut Vec<u8>, crc: u32, size: u32, name: &str) {
    for field in [20u16, 0x0800, 0, 0, 0x0021] {
        out.extend(field.to_le_bytes());
    }
    out.extend(crc.to_le_bytes());
    out.extend(size.to_le_bytes());
    out.extend(size.to_le_bytes());
    out.extend((name.len() as u16).to_le_bytes());
}

/// CRC-32 (IEEE), as zip archives take it.
fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = [0u32; 256];
        for (i, slot) in table.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
            *slot = c;
        }
        table
    });
    !data.iter().fold(!0u32, |crc, &b| table[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn columns_are_lettered_as_spreadsheets_letter_them() {
        assert_eq!(
            [column(0), column(25), column(26), column(27), column(701), column(702)],
            ["A", "Z", "AA", "AB", "ZZ", "AAA"]
        );
    }

    #[test]
    fn a_workbook_is_a_zip_whose_sheet_holds_every_cell_as_text() {
        let rows = vec![
            vec!["national_code".to_string(), "name".to_string()],
            vec!["0012345679".to_string(), "فاطمه <کریمی> & \u{1}".to_string()],
        ];
        let book = workbook(&rows, true);
        assert!(book.starts_with(b"PK\x03\x04"));
        let text = String::from_utf8_lossy(&book);
        assert!(text.contains("<t xml:space=\"preserve\">0012345679</t>"), "leading zeros kept as text");
        assert!(text.contains("فاطمه &lt;کریمی&gt; &amp; </t>"), "escaped, control character dropped");
        assert!(text.contains("rightToLeft=\"1\""));
        // The end record counts the six parts, and each part's stored CRC is its own.
        let end = &book[book.len() - 22..];
        assert_eq!(&end[..4], &0x0605_4b50u32.to_le_bytes());
        assert_eq!(u16::from_le_bytes([end[10], end[11]]), 6);
        let le32 = |at: usize| u32::from_le_bytes([book[at], book[at + 1], book[at + 2], book[at + 3]]);
        let le16 = |at: usize| usize::from(u16::from_le_bytes([book[at], book[at + 1]]));
        let mut at = le32(book.len() - 6) as usize;
        let mut names = Vec::new();
        for _ in 0..6 {
            assert_eq!(le32(at), 0x0201_4b50);
            let (crc, size, name_len, offset) = (le32(at + 16), le32(at + 20) as usize, le16(at + 28), le32(at + 42));
            names.push(String::from_utf8(book[at + 46..at + 46 + name_len].to_vec()).unwrap());
            let data = offset as usize + 30 + le16(offset as usize + 26);
            assert_eq!(crc32(&book[data..data + size]), crc, "{}", names.last().unwrap());
            at += 46 + name_len;
        }
        assert!(names.contains(&"xl/worksheets/sheet1.xml".to_string()) && names[0] == "[Content_Types].xml");
    }
}

/// A cell of a table of figures: shown in the page's language, exported as
/// plain values (ASCII digits, shares as percents with one decimal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    /// A text linking to a page.
    Link(String, String),
    Int(i64),
    /// A share in tenths of a percent; none when there is nothing to share.
    PerMille(Option<i64>),
}

impl Cell {
    fn shown(&self, lang: Lang) -> String {
        match self {
            Cell::Text(t) | Cell::Link(_, t) => t.clone(),
            Cell::Int(n) => lang.number(*n),
            Cell::PerMille(Some(p)) => {
                let percent = tavana_domain::planning::percent_text(*p);
                match lang {
                    Lang::Fa => format!("{}٪", lang.digits(&percent.replace('.', "٫"))),
                    Lang::En => format!("{percent}%"),
                }
            }
            Cell::PerMille(None) => "—".into(),
        }
    }

    fn exported(&self) -> String {
        match self {
            Cell::Text(t) | Cell::Link(_, t) => tavana_domain::text::spreadsheet_safe(t).into_owned(),
            Cell::Int(n) => n.to_string(),
            Cell::PerMille(Some(p)) => tavana_domain::planning::percent_text(*p),
            Cell::PerMille(None) => String::new(),
        }
    }
}

/// A table of figures: what a page shows beside a chart, and what its CSV and
/// XLSX downloads hold, cell for cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataTable {
    /// The element id, and the name a download asks for it by.
    pub id: &'static str,
    pub caption: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A cell as a page shows it.
pub struct ShownCell {
    pub text: String,
    pub href: Option<String>,
    /// Whether it is a figure (aligned as numbers are).
    pub figure: bool,
}

impl DataTable {
    pub fn new(id: &'static str, caption: impl Into<String>, head: Vec<String>) -> Self {
        DataTable { id, caption: caption.into(), head, rows: Vec::new() }
    }

    /// The cells as the page shows them.
    pub fn shown(&self, lang: Lang) -> Vec<Vec<ShownCell>> {
        self.rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|c| ShownCell {
                        text: c.shown(lang),
                        href: match c {
                            Cell::Link(href, _) => Some(href.clone()),
                            _ => None,
                        },
                        figure: matches!(c, Cell::Int(_) | Cell::PerMille(_)),
                    })
                    .collect()
            })
            .collect()
    }

    /// The table as CSV: its head, then its rows.
    pub fn csv(&self) -> Vec<u8> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let _ = writer.write_record(&self.head);
        for row in &self.rows {
            let _ = writer.write_record(row.iter().map(Cell::exported));
        }
        writer.into_inner().unwrap_or_default()
    }
}

#[cfg(test)]
mod data_table_tests {
    use super::*;

    #[test]
    fn a_table_shows_persian_digits_and_exports_plain_values() {
        let mut t = DataTable::new("t", "c", vec!["place".into(), "n".into(), "share".into()]);
        t.rows.push(vec![Cell::Link("/x".into(), "=تهران".into()), Cell::Int(12_345), Cell::PerMille(Some(125))]);
        t.rows.push(vec![Cell::Text("قم".into()), Cell::Int(0), Cell::PerMille(None)]);
        let shown = t.shown(Lang::Fa);
        assert_eq!(shown[0][1].text, "۱۲٬۳۴۵");
        assert_eq!(shown[0][2].text, "۱۲٫۵٪");
        assert_eq!(shown[0][0].href.as_deref(), Some("/x"));
        assert_eq!(t.shown(Lang::En)[0][2].text, "12.5%");
        let csv = String::from_utf8(t.csv()).unwrap();
        assert_eq!(csv, "place,n,share\n'=تهران,12345,12.5\nقم,0,\n");
    }
}
