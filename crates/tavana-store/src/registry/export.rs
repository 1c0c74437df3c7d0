//! Exporting the registry in the import formats (CSV with a header row, or JSON
//! Lines), streamed row by row from the database so memory stays flat. Dates are
//! written in Jalali (1360/05/12); an export imports back unchanged.

use crate::access::require;
use crate::db::Store;
use crate::registry::import::{FileFormat, ImportKind};
use crate::{Result, StoreError};
use futures_util::TryStreamExt;
use serde::Serialize;
use std::io::Write;
use tavana_domain::iam::{Action, Actor, Module};
use tavana_domain::jalali::JalaliDate;
use tavana_domain::org::UnitPath;
use tavana_domain::registry::{RawDisability, RawHousehold, RawPerson};

#[derive(sqlx::FromRow)]
struct HouseholdOut {
    file_number: String,
    place: String,
    address: Option<String>,
    postal_code: Option<String>,
    phone: Option<String>,
    version: i64,
}

#[derive(sqlx::FromRow)]
struct DisabilityOut {
    national_code: String,
    kind: String,
    severity: String,
    commission: Option<String>,
    assessed_on: String,
    valid_until: Option<String>,
}

/// An ISO date written as a Jalali one.
fn jalali(iso: &str) -> String {
    time::Date::parse(iso, &time::macros::format_description!("[year]-[month]-[day]"))
        .ok()
        .and_then(|d| JalaliDate::from_gregorian(d).ok())
        .map(|j| j.to_ascii())
        .unwrap_or_else(|| iso.to_string())
}

/// Writes a record as a CSV row (after its header, when `first`), every cell made
/// safe for spreadsheets ([`tavana_domain::text::spreadsheet_safe`]): the record is
/// serialized, read back as cells, and each cell written neutralized.
pub(crate) fn write_csv<W: Write, T: Serialize>(w: &mut csv::Writer<W>, record: &T, first: bool) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("writing a CSV file: {e}"));
    let mut buffer = csv::WriterBuilder::new().has_headers(first).from_writer(Vec::new());
    buffer.serialize(record).map_err(|e| err(&e))?;
    let bytes = buffer.into_inner().map_err(|e| err(&e.error().to_string()))?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(bytes.as_slice());
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(|e| err(&e))?;
        if first && i == 0 {
            w.write_record(&row).map_err(|e| err(&e))?;
        } else {
            w.write_record(
                row.iter().map(tavana_domain::text::spreadsheet_safe).collect::<Vec<_>>().iter().map(|c| c.as_ref()),
            )
            .map_err(|e| err(&e))?;
        }
    }
    Ok(())
}

struct Sink<'a> {
    format: FileFormat,
    csv: Option<csv::Writer<&'a mut (dyn Write + Send)>>,
    raw: Option<&'a mut (dyn Write + Send)>,
    rows: u64,
}

impl<'a> Sink<'a> {
    fn new(format: FileFormat, out: &'a mut (dyn Write + Send)) -> Self {
        match format {
            FileFormat::Csv => Sink { format, csv: Some(csv::Writer::from_writer(out)), raw: None, rows: 0 },
            FileFormat::JsonLines => Sink { format, csv: None, raw: Some(out), rows: 0 },
        }
    }

    fn write<T: Serialize>(&mut self, record: &T) -> Result<()> {
        let io = |e: std::io::Error| StoreError::Corrupt(format!("writing the export: {e}"));
        match (self.format, &mut self.csv, &mut self.raw) {
            (FileFormat::Csv, Some(w), _) => write_csv(w, record, self.rows == 0)?,
            (_, _, Some(w)) => {
                serde_json::to_writer(&mut **w, record)
                    .map_err(|e| StoreError::Corrupt(format!("writing the export: {e}")))?;
                w.write_all(b"\n").map_err(io)?;
            }
            _ => {}
        }
        self.rows += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<u64> {
        if let Some(w) = self.csv.as_mut() {
            w.flush().map_err(|e| StoreError::Corrupt(format!("writing the export: {e}")))?;
        }
        if let Some(w) = self.raw.as_mut() {
            w.flush().map_err(|e| StoreError::Corrupt(format!("writing the export: {e}")))?;
        }
        Ok(self.rows)
    }
}

impl Store {
    /// Writes the households, persons or assessments of `scope` (the actor's unit
    /// when `None`; it must lie in the actor's subtree) to `out`. Merged persons are
    /// left out. Returns the rows written.
    pub async fn export(
        &self,
        actor: &Actor,
        kind: ImportKind,
        format: FileFormat,
        scope: Option<&UnitPath>,
        out: &mut (dyn Write + Send),
    ) -> Result<u64> {
        require(actor, Action::Open(Module::Registry))?;
        let scope = scope.unwrap_or(&actor.unit_path);
        if !actor.unit_path.contains(scope) {
            return Err(StoreError::NotFound);
        }
        let pattern = scope.subtree_pattern();
        let in_scope = "unit_id IN (SELECT id FROM org_units WHERE path LIKE $1)";
        let mut sink = Sink::new(format, out);
        match kind {
            ImportKind::Households => {
                let sql = format!(
                    "SELECT h.file_number, p.code AS place, h.address, h.postal_code, h.phone, h.version FROM households h \
                     JOIN places p ON p.id = h.place_id WHERE h.{in_scope} ORDER BY h.id"
                );
                on_pool!(self, |c| {
                    let mut rows = sqlx::query_as::<_, HouseholdOut>(&sql).bind(&pattern).fetch(c);
                    while let Some(h) = rows.try_next().await? {
                        sink.write(&RawHousehold {
                            file_number: h.file_number,
                            place: h.place,
                            address: h.address.unwrap_or_default(),
                            postal_code: h.postal_code.unwrap_or_default(),
                            phone: h.phone.unwrap_or_default(),
                            record_version: h.version.to_string(),
                        })?;
                    }
                    Ok::<(), StoreError>(())
                })?;
            }
            ImportKind::Persons => {
                // The record as stored, written as typed: the one column list of a person.
                let sql =
                    format!("{} WHERE s.{in_scope} AND s.merged_into IS NULL ORDER BY s.id", super::person_select());
                on_pool!(self, |c| {
                    let mut rows = sqlx::query_as::<_, super::Person>(&sql).bind(&pattern).fetch(c);
                    while let Some(p) = rows.try_next().await? {
                        let raw = p.raw();
                        let deceased_on =
                            if raw.deceased_on.is_empty() { String::new() } else { jalali(&raw.deceased_on) };
                        sink.write(&RawPerson { birth_date: jalali(&raw.birth_date), deceased_on, ..raw })?;
                    }
                    Ok::<(), StoreError>(())
                })?;
            }
            ImportKind::Disabilities => {
                let sql = format!(
                    "SELECT s.national_code, d.kind, d.severity, d.commission, d.assessed_on, d.valid_until FROM disabilities d \
                     JOIN persons s ON s.id = d.person_id WHERE d.{in_scope} ORDER BY d.id"
                );
                on_pool!(self, |c| {
                    let mut rows = sqlx::query_as::<_, DisabilityOut>(&sql).bind(&pattern).fetch(c);
                    while let Some(d) = rows.try_next().await? {
                        sink.write(&RawDisability {
                            national_code: d.national_code,
                            kind: d.kind,
                            severity: d.severity,
                            commission: d.commission.unwrap_or_default(),
                            assessed_on: jalali(&d.assessed_on),
                            valid_until: d.valid_until.as_deref().map(jalali).unwrap_or_default(),
                        })?;
                    }
                    Ok::<(), StoreError>(())
                })?;
            }
        }
        let rows = sink.finish()?;
        // An export carries incomes and bank accounts: it is logged like a read.
        self.log_read(
            actor,
            crate::audit::Sensitive::Export,
            "export",
            kind.as_str(),
            serde_json::json!({ "scope": scope.as_str(), "rows": rows }),
        )
        .await?;
        Ok(rows)
    }
}
