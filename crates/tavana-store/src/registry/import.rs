//! Importing the registry from files: households, persons and disability
//! assessments in CSV (with a header row) or JSON Lines, dates in Jalali or ISO,
//! digits in any script.
//!
//! The file is read on a blocking thread and handed over in batches through a
//! bounded channel, so memory stays constant whatever the file's size. Each batch is
//! one transaction with one audit entry. A row that fails a check is never
//! half-applied: it is reported (line, field, value, reason in Persian and English)
//! and the good rows are kept. A row identical to what is stored changes nothing,
//! so importing the same file twice is a no-op; a changed row goes through the
//! same versioned path as an edit.

use crate::audit::AuditEvent;
use crate::db::{Store, WriteTx};
use crate::registry::{
    DisabilityValues, HouseholdRef, HouseholdValues, PersonValues, insert_disabilities, insert_households,
    insert_persons, person_value_columns, supersede_by_id, update_disability_row, update_household_row,
    update_person_row,
};
use crate::{Result, StoreError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use tavana_domain::DomainError;
use tavana_domain::events::{Event, EventKind};
use tavana_domain::iam::{Action, Actor};
use tavana_domain::org::UnitPath;
use tavana_domain::registry::{
    DisabilityFields, DisabilityType, HouseholdFields, PersonFields, RawDisability, RawHousehold, RawPerson,
};
use tavana_domain::registry::{RegistryAction, Relationship};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Households,
    Persons,
    Disabilities,
}

impl ImportKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "households" => Some(Self::Households),
            "persons" => Some(Self::Persons),
            "disabilities" => Some(Self::Disabilities),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Households => "households",
            Self::Persons => "persons",
            Self::Disabilities => "disabilities",
        }
    }

    pub const ALL: [ImportKind; 3] = [Self::Households, Self::Persons, Self::Disabilities];

    /// The columns a file of this kind may have, in the order exports write them.
    pub fn columns(self) -> Vec<String> {
        match self {
            Self::Households => columns::<RawHousehold>(),
            Self::Persons => columns::<RawPerson>(),
            Self::Disabilities => columns::<RawDisability>(),
        }
    }

    /// The columns a file of this kind must have.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            Self::Households => &["file_number", "place"],
            Self::Persons => &[
                "national_code",
                "household",
                "relationship",
                "first_name",
                "last_name",
                "father_name",
                "birth_date",
                "sex",
            ],
            Self::Disabilities => &["national_code", "kind", "severity", "assessed_on"],
        }
    }
}

/// The coded columns of import files and every code each takes, with its Persian
/// label (either is accepted in a file): `(column, code, label)`.
pub fn code_list() -> Vec<(&'static str, &'static str, &'static str)> {
    use tavana_domain::coded::Coded;
    use tavana_domain::registry::{Education, EmploymentStatus, MaritalStatus, Severity, Sex};
    fn of<C: Coded>(column: &'static str) -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
        C::ALL.iter().map(move |v| (column, v.code(), v.label_fa()))
    }
    of::<Relationship>("relationship")
        .chain(of::<Sex>("sex"))
        .chain(of::<MaritalStatus>("marital_status"))
        .chain(of::<Education>("education"))
        .chain(of::<EmploymentStatus>("employment"))
        .chain(of::<DisabilityType>("kind"))
        .chain(of::<Severity>("severity"))
        .collect()
}

/// How a file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    JsonLines,
}

impl FileFormat {
    /// The format a file name's extension names (`.csv`, `.jsonl`, `.ndjson`).
    pub fn from_name(name: &str) -> Option<Self> {
        let lower = name.to_lowercase();
        if lower.ends_with(".csv") {
            Some(Self::Csv)
        } else if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            Some(Self::JsonLines)
        } else {
            None
        }
    }
}

/// A row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The line in the file (the header is line 1 of a CSV file).
    pub line: u64,
    pub field: String,
    pub value: String,
    pub reason_fa: String,
    pub reason_en: String,
}

impl RowError {
    fn new(line: u64, field: &str, value: &str, reason_en: &str, reason_fa: &str) -> Self {
        Self {
            line,
            field: field.into(),
            value: value.into(),
            reason_en: reason_en.into(),
            reason_fa: reason_fa.into(),
        }
    }

    fn from_domain(line: u64, raw: &impl Serialize, e: &DomainError) -> Self {
        let value = serde_json::to_value(raw)
            .ok()
            .and_then(|v| v.get(e.field).and_then(|f| f.as_str().map(str::to_string)))
            .unwrap_or_default();
        Self { line, field: e.field.into(), value, reason_en: e.reason.english(), reason_fa: e.reason.persian() }
    }

    /// The CSV header of a report file.
    pub const CSV_HEADER: &'static str = "line,field,value,reason_fa,reason_en";

    /// The row as a line of a CSV report.
    pub fn to_csv_line(&self) -> String {
        let quote = |s: &str| format!("\"{}\"", tavana_domain::text::spreadsheet_safe(s).replace('"', "\"\""));
        format!(
            "{},{},{},{},{}",
            self.line,
            quote(&self.field),
            quote(&self.value),
            quote(&self.reason_fa),
            quote(&self.reason_en)
        )
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
}

impl ImportSummary {
    fn add(&mut self, other: &ImportSummary) {
        self.read += other.read;
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.rejected += other.rejected;
    }
}

/// Rows a batch (one transaction) takes.
pub const BATCH: usize = 5_000;

/// Rows a batch takes in a bulk load into an empty table. Each commit writes
/// every index page its rows touched, and a unique index on a random key (a
/// national code) is touched all over: fewer, larger transactions write each page
/// fewer times.
pub const BULK_BATCH: usize = 20_000;

/// One record read and checked, or why it was refused: its line and its fields or
/// errors.
type Item<F> = (u64, std::result::Result<F, Vec<RowError>>);

/// Whether a row made from version `seen` of its record (when it says) comes
/// after the record changed again.
fn changed_since(seen: Option<i64>, stored: i64) -> bool {
    seen.is_some_and(|v| v != stored)
}

/// The report of a row whose record changed since the row was made.
fn conflict(line: u64, seen: Option<i64>, stored: i64) -> RowError {
    let seen = seen.unwrap_or_default();
    RowError::new(
        line,
        "record_version",
        &seen.to_string(),
        &format!(
            "the record changed since this row was made (the row is from version {seen}, the record is at version \
             {stored}): it was not applied; export the record again and redo the change"
        ),
        &format!(
            "پرونده پس از تهیهٔ این سطر تغییر کرده است (سطر از نسخهٔ {} و پرونده اکنون در نسخهٔ {} است): \
             اعمال نشد؛ دوباره خروجی بگیرید و تغییر را از نو انجام دهید",
            tavana_domain::text::to_persian_digits(&seen.to_string()),
            tavana_domain::text::to_persian_digits(&stored.to_string())
        ),
    )
}

/// What a row whose key is registered outside the importer's scope is told: the
/// words of a key taken inside it (the API's 409), so an import never says where
/// in the country a person or household is registered.
const TAKEN: (&str, &str) = ("is already taken", "پیش‌تر ثبت شده است");

/// Imports a file. `on_error` receives every rejected row; `on_progress` the running
/// totals after each batch.
pub async fn import(
    store: &Store,
    actor: &Actor,
    kind: ImportKind,
    format: FileFormat,
    input: Box<dyn Read + Send>,
    on_error: &mut (dyn FnMut(&RowError) + Send),
    on_progress: &mut (dyn FnMut(&ImportSummary) + Send),
) -> Result<ImportSummary> {
    if !actor.may(Action::Registry(RegistryAction::Edit)) {
        return Err(StoreError::Forbidden("change the registry"));
    }
    let today = store.today();
    let mut state = ImportState { seen: HashSet::new(), seen_files: HashSet::new() };
    let mut total = ImportSummary::default();
    // Loading into an empty table: its secondary indexes are dropped and built once
    // at the end (a sort), which is far faster than updating them row by row. The
    // unique keys stay, so checks against stored rows work as always. Should the
    // process die midway, opening the store builds them again.
    // The household facts likewise are counted once at the end; until then rules
    // recount (and a store opening after a crash counts them).
    let bulk = store.is_empty(kind).await?;
    if bulk {
        store.drop_secondary_indexes(kind).await?;
        store.drop_deferred_foreign_keys(kind).await?;
        store.household_facts_incomplete().await?;
    }
    let rows = if bulk { BULK_BATCH } else { BATCH };
    let outcome =
        import_rows(store, actor, kind, format, input, today, &mut state, &mut total, on_error, on_progress, rows)
            .await;
    if bulk {
        store.build_missing_indexes(false).await?;
        store.restore_foreign_keys(false).await?;
        store.fill_household_facts().await?;
        store.analyze_after_bulk_load(kind).await?;
    }
    outcome.map(|()| total)
}

#[allow(clippy::too_many_arguments)]
async fn import_rows(
    store: &Store,
    actor: &Actor,
    kind: ImportKind,
    format: FileFormat,
    input: Box<dyn Read + Send>,
    today: time::Date,
    state: &mut ImportState,
    total: &mut ImportSummary,
    on_error: &mut (dyn FnMut(&RowError) + Send),
    on_progress: &mut (dyn FnMut(&ImportSummary) + Send),
    rows: usize,
) -> Result<()> {
    match kind {
        ImportKind::Households => {
            let places = store.village_and_city_homes().await?;
            let mut rx =
                spawn_reader(input, format, kind.required(), rows, |raw: &RawHousehold| HouseholdFields::parse(raw));
            while let Some(batch) = rx.recv().await {
                let summary = households_batch(store, actor, state, &places, batch, on_error).await?;
                total.add(&summary);
                store.work.imported(kind.as_str(), [summary.inserted, summary.updated, summary.rejected]);
                on_progress(total);
            }
        }
        ImportKind::Persons => {
            let mut rx = spawn_reader(input, format, kind.required(), rows, move |raw: &RawPerson| {
                PersonFields::parse(raw, today)
            });
            while let Some(batch) = rx.recv().await {
                let summary = persons_batch(store, actor, state, batch, on_error).await?;
                total.add(&summary);
                store.work.imported(kind.as_str(), [summary.inserted, summary.updated, summary.rejected]);
                on_progress(total);
            }
        }
        ImportKind::Disabilities => {
            let mut rx = spawn_reader(input, format, kind.required(), rows, move |raw: &RawDisability| {
                DisabilityFields::parse(raw, today)
            });
            while let Some(batch) = rx.recv().await {
                let summary = disabilities_batch(store, actor, state, batch, on_error).await?;
                total.add(&summary);
                store.work.imported(kind.as_str(), [summary.inserted, summary.updated, summary.rejected]);
                on_progress(total);
            }
        }
    }
    Ok(())
}

/// The secondary (not unique) indexes of the registry's large tables, as the
/// migrations create them. A test checks this list against the migrated schema.
pub const SECONDARY_INDEXES: &[(&str, &str, &str)] = &[
    ("households", "households_unit", "unit_id, id"),
    ("households", "households_place", "place_id"),
    ("households", "households_phone", "phone"),
    ("persons", "persons_household", "household_id"),
    ("persons", "persons_name", "last_key, first_key, id"),
    ("persons", "persons_first", "first_key, last_key, id"),
    ("persons", "persons_phone", "phone"),
    ("persons", "persons_sheba", "sheba"),
];

/// The foreign keys a bulk load on PostgreSQL checks once, at its end, instead of
/// row by row: PostgreSQL checks a reference with a query and a row lock on the
/// row referred to, which took three quarters of the time COPY spent writing a
/// million persons (38 s; 10 s without). Put back `NOT VALID` (enforced for every
/// row written from then on) and then validated in one pass over the table (a
/// join: half a second a million rows), which lets writes go on meanwhile. Every
/// reference an import writes comes from a lookup of the row referred to in the
/// same run. On SQLite a reference is checked in-process and costs little, and a
/// foreign key cannot be dropped without rebuilding its table: nothing is deferred.
/// A test checks this list against the migrated schema.
pub const DEFERRED_FOREIGN_KEYS: &[(&str, &str, &str)] = &[
    ("households", "households_place_id_fkey", "FOREIGN KEY (place_id) REFERENCES places(id)"),
    ("households", "households_unit_id_fkey", "FOREIGN KEY (unit_id) REFERENCES org_units(id)"),
    ("persons", "persons_household_id_fkey", "FOREIGN KEY (household_id) REFERENCES households(id)"),
    ("persons", "persons_unit_id_fkey", "FOREIGN KEY (unit_id) REFERENCES org_units(id)"),
    ("disabilities", "disabilities_person_id_fkey", "FOREIGN KEY (person_id) REFERENCES persons(id)"),
    ("disabilities", "disabilities_unit_id_fkey", "FOREIGN KEY (unit_id) REFERENCES org_units(id)"),
];

impl Store {
    /// Puts back what a bulk load cut short left out: its secondary indexes and
    /// (PostgreSQL) its foreign keys. Does nothing, and takes no lock, when all are
    /// there.
    pub async fn ensure_indexes(&self) -> Result<()> {
        self.build_missing_indexes(true).await?;
        self.restore_foreign_keys(true).await
    }

    /// The validated foreign keys of a table on PostgreSQL, by name, sorted (none on
    /// SQLite, whose foreign keys have no names).
    pub async fn foreign_key_names(&self, table: &str) -> Result<Vec<String>> {
        Ok(self.foreign_keys(table).await?.into_iter().filter(|(_, valid)| *valid).map(|(n, _)| n).collect())
    }

    /// A table's foreign keys on PostgreSQL and whether each is validated.
    async fn foreign_keys(&self, table: &str) -> Result<Vec<(String, bool)>> {
        if self.backend() != crate::Backend::Postgres {
            return Ok(Vec::new());
        }
        Ok(on_pool!(self, |c| sqlx::query_as(
            "SELECT conname::text, convalidated FROM pg_constraint WHERE contype = 'f' \
             AND conrelid = to_regclass($1) ORDER BY conname"
        )
        .bind(table)
        .fetch_all(c)
        .await)?)
    }

    async fn drop_deferred_foreign_keys(&self, kind: ImportKind) -> Result<()> {
        if self.backend() != crate::Backend::Postgres {
            return Ok(());
        }
        for (table, name, _) in DEFERRED_FOREIGN_KEYS.iter().filter(|(t, _, _)| *t == kind.as_str()) {
            let sql = format!("ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}");
            on_writer!(self, |c| sqlx::query(&sql).execute(c).await.map(|r| r.rows_affected()))?;
        }
        Ok(())
    }

    /// Adds back every deferred foreign key that is missing and validates every one
    /// that is not yet: set-based, one pass a key.
    async fn restore_foreign_keys(&self, recovering: bool) -> Result<()> {
        if self.backend() != crate::Backend::Postgres {
            return Ok(());
        }
        for table in ["households", "persons", "disabilities"] {
            let present = self.foreign_keys(table).await?;
            for (_, name, definition) in DEFERRED_FOREIGN_KEYS.iter().filter(|(t, _, _)| *t == table) {
                let valid = match present.iter().find(|(n, _)| n == name) {
                    Some((_, valid)) => *valid,
                    None => {
                        let sql = format!("ALTER TABLE {table} ADD CONSTRAINT {name} {definition} NOT VALID");
                        on_writer!(self, |c| sqlx::query(&sql).execute(c).await.map(|r| r.rows_affected()))?;
                        false
                    }
                };
                if !valid {
                    if recovering {
                        tracing::warn!(
                            constraint = name,
                            "a foreign key an interrupted bulk load left unchecked is being checked"
                        );
                    }
                    let sql = format!("ALTER TABLE {table} VALIDATE CONSTRAINT {name}");
                    on_writer!(self, |c| sqlx::query(&sql).execute(c).await.map(|r| r.rows_affected()))?;
                }
            }
        }
        Ok(())
    }

    async fn build_missing_indexes(&self, recovering: bool) -> Result<()> {
        for table in ["households", "persons"] {
            let present = self.secondary_index_names(table).await?;
            for (_, name, columns) in
                SECONDARY_INDEXES.iter().filter(|(t, n, _)| *t == table && !present.iter().any(|p| p == n))
            {
                if recovering {
                    tracing::warn!(index = name, "an index dropped by an interrupted bulk load is being built again");
                }
                let sql = format!("CREATE INDEX IF NOT EXISTS {name} ON {table}({columns})");
                on_writer!(self, |c| sqlx::query(&sql).execute(c).await.map(|r| r.rows_affected()))?;
            }
        }
        Ok(())
    }

    /// The names of a table's non-unique indexes, from the catalog, sorted.
    pub async fn secondary_index_names(&self, table: &str) -> Result<Vec<String>> {
        let mut names: Vec<String> = match self.backend() {
            crate::Backend::Sqlite => on_pool!(self, |c| sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL \
                 AND sql NOT LIKE 'CREATE UNIQUE%'"
            )
            .bind(table)
            .fetch_all(c)
            .await)?,
            crate::Backend::Postgres => on_pool!(self, |c| sqlx::query_scalar(
                "SELECT indexname::text FROM pg_indexes WHERE tablename = $1 AND indexdef NOT LIKE 'CREATE UNIQUE%'"
            )
            .bind(table)
            .fetch_all(c)
            .await)?,
        };
        names.sort();
        Ok(names)
    }

    async fn drop_secondary_indexes(&self, kind: ImportKind) -> Result<()> {
        for (_, name, _) in SECONDARY_INDEXES.iter().filter(|(t, _, _)| *t == kind.as_str()) {
            let sql = format!("DROP INDEX IF EXISTS {name}");
            on_writer!(self, |c| sqlx::query(&sql).execute(c).await.map(|r| r.rows_affected()))?;
        }
        Ok(())
    }

    /// Gives PostgreSQL's planner the statistics of what a bulk load wrote (the
    /// table and the household facts) at once, rather than when autovacuum comes
    /// round: a rule run before that was planned as over empty tables, and took
    /// minutes over 100,000 persons instead of a tenth of a second.
    async fn analyze_after_bulk_load(&self, kind: ImportKind) -> Result<()> {
        if self.backend() == crate::Backend::Postgres {
            let sql = format!("ANALYZE {}, household_facts", kind.as_str());
            on_writer!(self, |c| sqlx::raw_sql(&sql).execute(c).await.map(|r| r.rows_affected()))?;
        }
        Ok(())
    }

    async fn is_empty(&self, kind: ImportKind) -> Result<bool> {
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {})", kind.as_str());
        let any: bool = on_pool!(self, |c| sqlx::query_scalar(&sql).fetch_one(c).await)?;
        Ok(!any)
    }
}

struct ImportState {
    /// Keys already seen in this file, to catch a row given twice.
    seen: HashSet<u64>,
    /// Household file numbers already seen in this file.
    seen_files: HashSet<String>,
}

#[derive(Clone)]
struct PlaceInfo {
    id: i64,
    province_id: i64,
    unit_id: i64,
    unit_path: String,
}

/// The villages and cities a household may live in, by code and by normalized
/// name (a name may belong to several).
#[derive(Default)]
struct Homes {
    by_code: HashMap<String, PlaceInfo>,
    by_name: HashMap<String, Vec<(String, PlaceInfo)>>,
}

/// Reads and checks records on a blocking thread (so checking overlaps with
/// writing) and sends them in batches.
fn spawn_reader<R, F>(
    input: Box<dyn Read + Send>,
    format: FileFormat,
    required: &'static [&'static str],
    rows: usize,
    check: impl Fn(&R) -> std::result::Result<F, Vec<DomainError>> + Send + 'static,
) -> tokio::sync::mpsc::Receiver<Vec<Item<F>>>
where
    R: DeserializeOwned + Serialize + Default + Send + 'static,
    F: Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<Item<F>>>(4);
    tokio::task::spawn_blocking(move || {
        let mut batch = Vec::with_capacity(rows);
        let send = |line: u64, read: std::result::Result<R, RowError>, batch: &mut Vec<Item<F>>| -> bool {
            let item = match read {
                Ok(raw) => {
                    check(&raw).map_err(|errors| errors.iter().map(|e| RowError::from_domain(line, &raw, e)).collect())
                }
                Err(e) => Err(vec![e]),
            };
            batch.push((line, item));
            if batch.len() >= rows {
                let full = std::mem::replace(batch, Vec::with_capacity(rows));
                return tx.blocking_send(full).is_ok();
            }
            true
        };
        match format {
            FileFormat::Csv => {
                let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(input);
                let headers = match reader.headers() {
                    Ok(h) => Some(
                        h.iter()
                            .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
                            .collect::<csv::StringRecord>(),
                    ),
                    Err(e) => {
                        let _ = send(
                            1,
                            Err(RowError::new(1, "header", "", &e.to_string(), "سطر عنوان خوانده نشد")),
                            &mut batch,
                        );
                        None
                    }
                };
                // A header that cannot be right (a column twice, an unknown or a
                // missing one, another delimiter) refuses the file before any row.
                let headers = match headers.map(|h| (header_problem(&h, &columns::<R>(), required), h)) {
                    Some((Some((value, en, fa)), _)) => {
                        let _ = send(1, Err(RowError::new(1, "header", &value, &en, &fa)), &mut batch);
                        None
                    }
                    Some((None, h)) => Some(h),
                    None => None,
                };
                if let Some(headers) = headers {
                    reader.set_headers(headers.clone());
                    let mut last_line = 1;
                    for record in reader.records() {
                        let (line, read) = match record {
                            Ok(r) => {
                                let line = r.position().map(|p| p.line()).unwrap_or(0);
                                // Cells our exports made safe for spreadsheets read back as written.
                                let r: csv::StringRecord =
                                    r.iter().map(tavana_domain::text::from_spreadsheet).collect();
                                (line, r.deserialize::<R>(Some(&headers)).map_err(|e| unreadable(line, &e.to_string())))
                            }
                            Err(e) => {
                                let line = e.position().map(|p| p.line()).unwrap_or(0);
                                if let csv::ErrorKind::Io(io) = e.kind() {
                                    // The input itself failed (cut short or broken):
                                    // nothing after it can be read.
                                    let (error, _) = read_failed(line.max(last_line + 1), io);
                                    let _ = send(error.line, Err(error), &mut batch);
                                    break;
                                }
                                (line, Err(unreadable(line, &e.to_string())))
                            }
                        };
                        last_line = line;
                        if !send(line, read, &mut batch) {
                            return;
                        }
                    }
                }
            }
            FileFormat::JsonLines => {
                let reader = std::io::BufReader::new(input);
                for (i, line) in std::io::BufRead::lines(reader).enumerate() {
                    let number = i as u64 + 1;
                    let read = match line {
                        Ok(text) if text.trim().is_empty() => continue,
                        Ok(text) => json_record::<R>(&text).map_err(|e| unreadable(number, &e)),
                        Err(e) => {
                            let (error, stop) = read_failed(number, &e);
                            let _ = send(number, Err(error), &mut batch);
                            if stop {
                                break;
                            }
                            continue;
                        }
                    };
                    if !send(number, read, &mut batch) {
                        return;
                    }
                }
            }
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(batch);
        }
    });
    rx
}

/// The columns a record of type `R` has, in order, as its CSV header writes them.
fn columns<R: Default + Serialize>() -> Vec<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    if writer.serialize(R::default()).is_err() {
        return Vec::new();
    }
    let bytes = writer.into_inner().unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    text.lines().next().unwrap_or_default().split(',').map(str::to_string).collect()
}

/// What is wrong with a CSV header, if anything: the value at fault and the reason
/// in English and Persian.
fn header_problem(
    headers: &csv::StringRecord,
    known: &[String],
    required: &[&str],
) -> Option<(String, String, String)> {
    if headers.len() == 1
        && let Some(delimiter) = [';', '\t', '|'].into_iter().find(|d| headers[0].contains(*d))
    {
        let shown = if delimiter == '\t' { "a tab".to_string() } else { format!("'{delimiter}'") };
        return Some((
            headers[0].to_string(),
            format!("the file is separated by {shown}, not by commas: save it as CSV with commas"),
            format!("ستون‌های پرونده با {shown} جدا شده‌اند، نه با ویرگول: آن را CSV با ویرگول ذخیره کنید"),
        ));
    }
    let mut seen = HashSet::new();
    for h in headers.iter() {
        if !seen.insert(h) {
            return Some((
                h.to_string(),
                format!("the column {h:?} appears twice"),
                format!("ستون «{h}» دو بار آمده است"),
            ));
        }
        if !known.iter().any(|k| k == h) {
            return Some((
                h.to_string(),
                format!("{h:?} is not a column of this file (the columns are {})", known.join(", ")),
                format!("«{h}» از ستون‌های این پرونده نیست (ستون‌ها: {})", known.join("، ")),
            ));
        }
    }
    required.iter().find(|r| !headers.iter().any(|h| h == **r)).map(|missing| {
        (missing.to_string(), format!("the column {missing:?} is missing"), format!("ستون «{missing}» در پرونده نیست"))
    })
}

/// Why the input of an import stopped before its end (an upload beyond its limit,
/// a connection that broke), carried as the `std::io::Error` its reader returns.
/// The import keeps the rows before it and reports it at the line where it stopped.
#[derive(Debug, Clone)]
pub struct InputCut {
    pub en: String,
    pub fa: String,
}

impl std::fmt::Display for InputCut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for InputCut {}

impl InputCut {
    pub fn into_io(self) -> std::io::Error {
        std::io::Error::other(self)
    }
}

/// The report of a read that failed, and whether it was the input cut short
/// (then nothing after it can be read) rather than one unreadable line.
fn read_failed(line: u64, e: &std::io::Error) -> (RowError, bool) {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<InputCut>()) {
        Some(cut) => (RowError::new(line, "file", "", &cut.en, &cut.fa), true),
        None => (unreadable(line, &e.to_string()), false),
    }
}

fn unreadable(line: u64, detail: &str) -> RowError {
    RowError::new(line, "row", "", &format!("the row could not be read: {detail}"), "سطر خوانده نشد")
}

/// A JSON object whose values may be strings or numbers, as a record of text fields.
fn json_record<T: DeserializeOwned>(text: &str) -> std::result::Result<T, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let serde_json::Value::Object(map) = value else {
        return Err("each line must be a JSON object".into());
    };
    let texts: serde_json::Map<String, serde_json::Value> = map
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            (k, serde_json::Value::String(text))
        })
        .collect();
    serde_json::from_value(serde_json::Value::Object(texts)).map_err(|e| e.to_string())
}

/// Takes a checked item: its fields, or its errors reported and counted.
fn accept<F>(
    item: Item<F>,
    summary: &mut ImportSummary,
    on_error: &mut (dyn FnMut(&RowError) + Send),
) -> Option<(u64, F)> {
    match item {
        (line, Ok(fields)) => Some((line, fields)),
        (_, Err(errors)) => {
            summary.rejected += 1;
            for e in &errors {
                on_error(e);
            }
            None
        }
    }
}

fn reject(summary: &mut ImportSummary, on_error: &mut (dyn FnMut(&RowError) + Send), error: RowError) {
    summary.rejected += 1;
    on_error(&error);
}

fn in_scope(actor: &Actor, unit_path: &str) -> bool {
    UnitPath::parse(unit_path).is_some_and(|p| actor.unit_path.contains(&p))
}

async fn audit_batch(
    tx: &mut WriteTx,
    actor: &Actor,
    kind: ImportKind,
    first_line: u64,
    summary: &ImportSummary,
    objects: Changed,
) -> Result<()> {
    tx.audit(
        Some(actor),
        AuditEvent::new("registry.import", "import", kind.as_str()).after(json!({
            "first_line": first_line, "summary": summary,
            "inserted": objects.inserted, "updated": objects.updated,
        })),
    )
    .await
}

/// The records a batch wrote, by their natural key (file number, national code, or
/// person/type/date for an assessment), so its audit entry names every one.
#[derive(Default)]
struct Changed {
    inserted: Vec<String>,
    updated: Vec<String>,
}

async fn households_batch(
    store: &Store,
    actor: &Actor,
    state: &mut ImportState,
    places: &Homes,
    batch: Vec<Item<HouseholdFields>>,
    on_error: &mut (dyn FnMut(&RowError) + Send),
) -> Result<ImportSummary> {
    let mut summary = ImportSummary { read: batch.len() as u64, ..Default::default() };
    let first_line = batch.first().map(|(l, _)| *l).unwrap_or(0);
    let mut good: Vec<(u64, HouseholdFields, PlaceInfo)> = Vec::new();
    for item in batch {
        let Some((line, fields)) = accept(item, &mut summary, on_error) else { continue };
        // The same decision a form or the API makes: a code, else a unique name.
        let named =
            places.by_name.get(&tavana_domain::text::normalize(&fields.place_code)).cloned().unwrap_or_default();
        let mine = |place: &PlaceInfo| in_scope(actor, &place.unit_path);
        let place = match crate::registry::decide_place(places.by_code.get(&fields.place_code).cloned(), named, mine) {
            Ok(place) => place,
            Err(e) => {
                reject(
                    &mut summary,
                    on_error,
                    RowError::new(line, "place", &fields.place_code, &e.reason.english(), &e.reason.persian()),
                );
                continue;
            }
        };
        if !in_scope(actor, &place.unit_path) {
            reject(
                &mut summary,
                on_error,
                RowError::new(
                    line,
                    "place",
                    &fields.place_code,
                    "is outside your org unit",
                    "بیرون از واحد سازمانی شماست",
                ),
            );
            continue;
        }
        if !state.seen_files.insert(fields.file_number.clone()) {
            reject(
                &mut summary,
                on_error,
                RowError::new(
                    line,
                    "file_number",
                    &fields.file_number,
                    "appears twice in the file",
                    "در پرونده دو بار آمده است",
                ),
            );
            continue;
        }
        good.push((line, fields, place));
    }
    let files: Vec<String> = good.iter().map(|(_, f, _)| f.file_number.clone()).collect();
    let existing = store.existing_households(&files).await?;
    let summary = store
        .write(async |tx| {
            let mut new_rows = Vec::new();
            let mut moved = Vec::new();
            let mut objects = Changed::default();
            for (line, fields, place) in good {
                let values = HouseholdValues::new(
                    &fields,
                    fields.file_number.clone(),
                    place.province_id,
                    place.unit_id,
                    place.id,
                );
                match existing.get(&fields.file_number) {
                    None => new_rows.push(values),
                    Some(stored) if !in_scope(actor, &stored.unit_path) => reject(
                        &mut summary,
                        on_error,
                        RowError::new(line, "file_number", &fields.file_number, TAKEN.0, TAKEN.1),
                    ),
                    Some(stored) if changed_since(fields.record_version, stored.version) => {
                        reject(&mut summary, on_error, conflict(line, fields.record_version, stored.version))
                    }
                    Some(stored) if stored.values == values => summary.unchanged += 1,
                    Some(stored) => {
                        supersede_by_id(tx, "household", stored.id).await?;
                        update_household_row(tx, actor, stored.id, &values, "import").await?;
                        summary.updated += 1;
                        moved.push(stored.id);
                        objects.updated.push(values.file_number.clone());
                    }
                }
            }
            // New rows go in in the order of their unique key, so each index page the
            // batch touches is written once, in order (the key is random in the file).
            new_rows.sort_unstable_by(|a, b| a.file_number.cmp(&b.file_number));
            summary.inserted = new_rows.len() as u64;
            objects.inserted = new_rows.iter().map(|r| r.file_number.clone()).collect();
            insert_households(tx, actor, &new_rows, "import").await?;
            // Moved households' members take their records to the new office.
            crate::registry::records_follow(tx, &moved).await?;
            audit_batch(tx, actor, ImportKind::Households, first_line, &summary, objects).await?;
            // Changed households' members may have left a program's rule.
            crate::registry::emit_household_change(tx, actor, &moved, "import").await?;
            Ok(summary)
        })
        .await?;
    Ok(summary)
}

async fn persons_batch(
    store: &Store,
    actor: &Actor,
    state: &mut ImportState,
    batch: Vec<Item<PersonFields>>,
    on_error: &mut (dyn FnMut(&RowError) + Send),
) -> Result<ImportSummary> {
    let mut summary = ImportSummary { read: batch.len() as u64, ..Default::default() };
    let first_line = batch.first().map(|(l, _)| *l).unwrap_or(0);
    let mut good: Vec<(u64, PersonFields)> = Vec::new();
    for item in batch {
        let Some((line, fields)) = accept(item, &mut summary, on_error) else { continue };
        if !state.seen.insert(fields.national_code.as_u64()) {
            reject(
                &mut summary,
                on_error,
                RowError::new(
                    line,
                    "national_code",
                    &fields.national_code.as_string(),
                    "appears twice in the file",
                    "در پرونده دو بار آمده است",
                ),
            );
            continue;
        }
        good.push((line, fields));
    }
    let mut files: Vec<String> = good.iter().map(|(_, f)| f.household.clone()).collect();
    files.sort_unstable();
    files.dedup();
    let households = store.existing_households(&files).await?;
    let codes: Vec<String> = good.iter().map(|(_, f)| f.national_code.as_string()).collect();
    let existing = store.existing_persons(&codes).await?;
    let ids: Vec<i64> =
        households.values().map(|h| h.id).chain(existing.values().map(|p| p.values.household_id)).collect();
    // The living head of each household concerned, by national code, kept up to
    // date row by row: a row that would make a second one is refused.
    let mut heads = store.living_heads(&ids).await?;
    let summary = store
        .write(async |tx| {
            let mut new_rows = Vec::new();
            let mut changed = Vec::new();
            let mut concerned = Vec::new();
            let mut changed_households = Vec::new();
            let mut objects = Changed::default();
            for (line, fields) in good {
                let Some(household) = households.get(&fields.household).filter(|h| in_scope(actor, &h.unit_path))
                else {
                    reject(
                        &mut summary,
                        on_error,
                        RowError::new(
                            line,
                            "household",
                            &fields.household,
                            "is not a household of your org unit",
                            "خانوار در واحد سازمانی شما نیست",
                        ),
                    );
                    continue;
                };
                let href = HouseholdRef {
                    id: household.id,
                    province_id: household.values.province_id,
                    unit_id: household.values.unit_id,
                };
                let values = PersonValues::new(&fields, &href);
                // A row made from an older version of its record is not applied.
                if let Some(stored) = existing.get(&values.national_code)
                    && in_scope(actor, &stored.unit_path)
                    && changed_since(fields.record_version, stored.version)
                {
                    reject(&mut summary, on_error, conflict(line, fields.record_version, stored.version));
                    continue;
                }
                let head_here = values.relationship == Relationship::Head.code() && values.deceased_on.is_none();
                if let Some(head) = heads.get(&values.household_id).filter(|h| head_here && **h != values.national_code)
                {
                    let error = crate::registry::second_head(head);
                    reject(
                        &mut summary,
                        on_error,
                        RowError::new(
                            line,
                            "relationship",
                            &values.relationship,
                            &error.reason.english(),
                            &error.reason.persian(),
                        ),
                    );
                    continue;
                }
                if let Some(stored) = existing.get(&values.national_code) {
                    heads.retain(|_, code| *code != stored.values.national_code);
                }
                if head_here {
                    heads.insert(values.household_id, values.national_code.clone());
                }
                match existing.get(&values.national_code) {
                    None => new_rows.push(values),
                    Some(stored) if !in_scope(actor, &stored.unit_path) => reject(
                        &mut summary,
                        on_error,
                        RowError::new(line, "national_code", &values.national_code, TAKEN.0, TAKEN.1),
                    ),
                    Some(stored) if stored.values == values => summary.unchanged += 1,
                    Some(stored) => {
                        concerned.push(stored.values.household_id);
                        supersede_by_id(tx, "person", stored.id).await?;
                        changed_households.push(values.household_id);
                        update_person_row(tx, actor, stored.id, stored.version, &values, "import").await?;
                        summary.updated += 1;
                        changed.push(stored.id);
                        objects.updated.push(values.national_code.clone());
                    }
                }
            }
            // In key order, as for households.
            new_rows.sort_unstable_by(|a, b| a.national_code.cmp(&b.national_code));
            summary.inserted = new_rows.len() as u64;
            objects.inserted = new_rows.iter().map(|r| r.national_code.clone()).collect();
            insert_persons(tx, actor, &new_rows, "import").await?;
            // Changed persons (some moved) take their records to their office: once a batch.
            changed_households.sort_unstable();
            changed_households.dedup();
            crate::registry::records_follow(tx, &changed_households).await?;
            audit_batch(tx, actor, ImportKind::Persons, first_line, &summary, objects).await?;
            // Changed persons may have left a program's rule, and new or moved
            // members change their households' (and the ones they left).
            concerned.extend(new_rows.iter().map(|r| r.household_id));
            tx.emit(
                Some(actor),
                &Event::about_persons(EventKind::PersonChanged, changed, "import").with_households(concerned),
            )
            .await?;
            Ok(summary)
        })
        .await?;
    Ok(summary)
}

async fn disabilities_batch(
    store: &Store,
    actor: &Actor,
    state: &mut ImportState,
    batch: Vec<Item<DisabilityFields>>,
    on_error: &mut (dyn FnMut(&RowError) + Send),
) -> Result<ImportSummary> {
    let mut summary = ImportSummary { read: batch.len() as u64, ..Default::default() };
    let first_line = batch.first().map(|(l, _)| *l).unwrap_or(0);
    let mut good: Vec<(u64, DisabilityFields)> = Vec::new();
    for item in batch {
        let Some((line, fields)) = accept(item, &mut summary, on_error) else { continue };
        // The code (34 bits), the type (3 bits) and the day (Julian day, 22 bits): one
        // exact key in a u64.
        let kind = DisabilityType::ALL.iter().position(|k| *k == fields.kind).unwrap_or(0) as u64;
        let key = (fields.national_code.as_u64() << 25)
            | (kind << 22)
            | (fields.assessed_on.to_julian_day() as u64 & 0x3F_FFFF);
        if !state.seen.insert(key) {
            reject(
                &mut summary,
                on_error,
                RowError::new(
                    line,
                    "national_code",
                    &fields.national_code.as_string(),
                    "the same assessment appears twice in the file",
                    "همین ارزیابی دو بار در پرونده آمده است",
                ),
            );
            continue;
        }
        good.push((line, fields));
    }
    let codes: Vec<String> = good.iter().map(|(_, f)| f.national_code.as_string()).collect();
    let persons = store.existing_persons(&codes).await?;
    let person_ids: Vec<i64> = persons.values().map(|p| p.id).collect();
    let existing = store.existing_disabilities(&person_ids).await?;
    let summary = store
        .write(async |tx| {
            let mut new_rows = Vec::new();
            let mut changed = Vec::new();
            let mut objects = Changed::default();
            for (line, fields) in good {
                let code = fields.national_code.as_string();
                let Some(person) = persons.get(&code).filter(|p| in_scope(actor, &p.unit_path)) else {
                    reject(
                        &mut summary,
                        on_error,
                        RowError::new(
                            line,
                            "national_code",
                            &code,
                            "is not a person of your org unit",
                            "فردی با این کد ملی در واحد سازمانی شما نیست",
                        ),
                    );
                    continue;
                };
                let values = match DisabilityValues::new(&fields, person.id, &person.values) {
                    Ok(values) => values,
                    Err(e) => {
                        let value = fields.assessed_on.to_string();
                        let row = RowError::new(line, e.field, &value, &e.reason.english(), &e.reason.persian());
                        reject(&mut summary, on_error, row);
                        continue;
                    }
                };
                match existing.get(&(values.person_id, values.kind.clone(), values.assessed_on.clone())) {
                    None => new_rows.push(values),
                    Some((_, stored)) if *stored == values => summary.unchanged += 1,
                    Some((id, _)) => {
                        supersede_by_id(tx, "disability", *id).await?;
                        update_disability_row(tx, actor, *id, &values, "import").await?;
                        summary.updated += 1;
                        changed.push(values.person_id);
                        objects.updated.push(assessment_key(&values));
                    }
                }
            }
            // In key order, as for households.
            new_rows.sort_unstable_by(|a, b| {
                (a.person_id, &a.kind, &a.assessed_on).cmp(&(b.person_id, &b.kind, &b.assessed_on))
            });
            summary.inserted = new_rows.len() as u64;
            objects.inserted = new_rows.iter().map(assessment_key).collect();
            insert_disabilities(tx, actor, &new_rows, "import").await?;
            audit_batch(tx, actor, ImportKind::Disabilities, first_line, &summary, objects).await?;
            // A new assessment changes its person as an updated one does (a milder
            // reassessment may end a benefit); only updated ones were announced.
            changed.extend(new_rows.iter().map(|r| r.person_id));
            tx.emit(Some(actor), &Event::about_persons(EventKind::AssessmentChanged, changed, "import")).await?;
            Ok(summary)
        })
        .await?;
    Ok(summary)
}

pub(crate) struct Stored<V> {
    pub id: i64,
    pub version: i64,
    pub unit_path: String,
    pub values: V,
}

#[derive(sqlx::FromRow)]
struct StoredHouseholdRow {
    id: i64,
    version: i64,
    unit_path: String,
    #[sqlx(flatten)]
    values: HouseholdValues,
}

#[derive(sqlx::FromRow)]
struct StoredPersonRow {
    id: i64,
    version: i64,
    unit_path: String,
    #[sqlx(flatten)]
    values: PersonValues,
}

impl Store {
    async fn village_and_city_homes(&self) -> Result<Homes> {
        let rows: Vec<(String, String, i64, i64, i64, String)> = on_pool!(self, |c| {
            sqlx::query_as(
                "SELECT p.code, p.name_norm, p.id, p.province_id, u.id, u.path FROM places p \
                 JOIN org_units u ON u.place_id = p.county_id WHERE p.kind IN ('village', 'city') ORDER BY p.code",
            )
            .fetch_all(c)
            .await
        })?;
        let mut homes = Homes::default();
        for (code, name, id, province_id, unit_id, unit_path) in rows {
            let info = PlaceInfo { id, province_id, unit_id, unit_path };
            homes.by_name.entry(name).or_default().push((code.clone(), info.clone()));
            homes.by_code.insert(code, info);
        }
        Ok(homes)
    }

    async fn existing_households(&self, files: &[String]) -> Result<HashMap<String, Stored<HouseholdValues>>> {
        let mut out = HashMap::new();
        for chunk in files.chunks(1_000) {
            let rows: Vec<StoredHouseholdRow> = on_pool!(self, |c| {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT h.id, h.version, o.path AS unit_path, h.file_number, h.province_id, h.unit_id, h.place_id, \
                     h.address, h.postal_code, h.phone FROM households h JOIN org_units o ON o.id = h.unit_id \
                     WHERE h.file_number IN (",
                );
                let mut list = q.separated(", ");
                for f in chunk {
                    list.push_bind(f);
                }
                q.push(")");
                q.build_query_as().fetch_all(c).await
            })?;
            for r in rows {
                out.insert(
                    r.values.file_number.clone(),
                    Stored { id: r.id, version: r.version, unit_path: r.unit_path, values: r.values },
                );
            }
        }
        Ok(out)
    }

    async fn existing_persons(&self, codes: &[String]) -> Result<HashMap<String, Stored<PersonValues>>> {
        let mut out = HashMap::new();
        let sql = format!(
            "SELECT s.id, s.version, o.path AS unit_path, {} FROM persons s JOIN org_units o ON o.id = s.unit_id \
             WHERE s.national_code IN (",
            person_value_columns().map(|c| format!("s.{c}")).collect::<Vec<_>>().join(", ")
        );
        for chunk in codes.chunks(1_000) {
            let rows: Vec<StoredPersonRow> = on_pool!(self, |c| {
                let mut q = sqlx::QueryBuilder::new(&sql);
                let mut list = q.separated(", ");
                for code in chunk {
                    list.push_bind(code);
                }
                q.push(")");
                q.build_query_as().fetch_all(c).await
            })?;
            for r in rows {
                out.insert(
                    r.values.national_code.clone(),
                    Stored { id: r.id, version: r.version, unit_path: r.unit_path, values: r.values },
                );
            }
        }
        Ok(out)
    }

    /// The national code of the living head of each of these households.
    async fn living_heads(&self, households: &[i64]) -> Result<HashMap<i64, String>> {
        let mut out = HashMap::new();
        let mut ids = households.to_vec();
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(1_000) {
            let rows: Vec<(i64, String)> = on_pool!(self, |c| {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT household_id, national_code FROM persons WHERE relationship = 'head' \
                     AND deceased_on IS NULL AND merged_into IS NULL AND household_id IN (",
                );
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(")");
                q.build_query_as().fetch_all(c).await
            })?;
            out.extend(rows);
        }
        Ok(out)
    }

    async fn existing_disabilities(
        &self,
        person_ids: &[i64],
    ) -> Result<HashMap<(i64, String, String), (i64, DisabilityValues)>> {
        let mut out = HashMap::new();
        for chunk in person_ids.chunks(1_000) {
            let rows: Vec<(i64, DisabilityValues)> = on_pool!(self, |c| {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT id, person_id, province_id, unit_id, kind, severity, commission, assessed_on, valid_until \
                     FROM disabilities WHERE person_id IN (",
                );
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                q.push(")");
                q.build().fetch_all(c).await.map(|rows| {
                    rows.iter()
                        .filter_map(|row| {
                            use sqlx::{FromRow, Row};
                            Some((row.try_get::<i64, _>("id").ok()?, DisabilityValues::from_row(row).ok()?))
                        })
                        .collect()
                })
            })?;
            for (id, v) in rows {
                out.insert((v.person_id, v.kind.clone(), v.assessed_on.clone()), (id, v));
            }
        }
        Ok(out)
    }
}

/// An assessment's natural key in audit entries: person id, type and date.
fn assessment_key(values: &DisabilityValues) -> String {
    format!("{}/{}/{}", values.person_id, values.kind, values.assessed_on)
}
