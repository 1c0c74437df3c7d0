//! Row seals: each household, person and assessment row carries a MAC of its
//! content under the audit key (`mac`, written as `KEY_ID:HEX`), computed by the
//! application as it writes the row. A row changed, added or copied straight in
//! the database, by someone without the key, no longer matches its seal, and
//! `audit verify` names it.
//!
//! A seal covers what a record says (identity, names, dates, household, income,
//! bank account, assessment findings), not where it is filed (`unit_id`,
//! `province_id` follow a household's place) nor its bookkeeping (version, who
//! and when, which the audit chain keeps). Each table's natural key is part of
//! its content, so a seal cannot be moved to another row.

use super::Value;
use crate::audit_keys::AuditKey;
use crate::db::{Store, WriteTx};
use crate::{Result, StoreError};
use tavana_domain::audit::to_hex;

/// The sealed tables and the columns a seal covers, in the order they are fed.
pub(crate) const SEALED: [(&str, &[&str]); 3] = [
    ("households", &["file_number", "place_id", "address", "postal_code", "phone"]),
    (
        "persons",
        &[
            "national_code",
            "household_id",
            "relationship",
            "first_name",
            "last_name",
            "father_name",
            "birth_date",
            "sex",
            "marital_status",
            "education",
            "employment",
            "income_rials",
            "income_decile",
            "sheba",
            "phone",
            "deceased_on",
        ],
    ),
    ("disabilities", &["person_id", "kind", "severity", "commission", "assessed_on", "valid_until"]),
];

fn content_columns(table: &str) -> Option<&'static [&'static str]> {
    SEALED.iter().find(|(t, _)| *t == table).map(|(_, c)| *c)
}

/// The seal of a row's content (each value as text, or none).
fn seal(key: &AuditKey, table: &str, values: &[Option<String>]) -> String {
    use hmac::digest::KeyInit;
    use hmac::{Hmac, Mac};
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key.secret());
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new(&block.into());
    mac.update(b"tavana-row-v1");
    mac.update(&(table.len() as u64).to_be_bytes());
    mac.update(table.as_bytes());
    for value in values {
        match value {
            Some(v) => {
                mac.update(&[1]);
                mac.update(&(v.len() as u64).to_be_bytes());
                mac.update(v.as_bytes());
            }
            None => mac.update(&[0]),
        }
    }
    format!("{}:{}", key.id, to_hex(&mac.finalize().into_bytes()))
}

/// The seal for a row being written, from its columns (at least the sealed
/// ones), with the store's current key; none when the store has no key.
pub(crate) fn seal_of(tx: &WriteTx, table: &str, columns: &[(&str, Value<'_>)]) -> Result<Option<String>> {
    let Some(key) = tx.store.audit_keys.as_ref().and_then(|k| k.current()) else { return Ok(None) };
    let names = content_columns(table).ok_or_else(|| StoreError::Corrupt(format!("{table} is not sealed")))?;
    let mut values = Vec::with_capacity(names.len());
    for name in names {
        let (_, value) = columns
            .iter()
            .find(|(c, _)| c == name)
            .ok_or_else(|| StoreError::Corrupt(format!("sealing {table} without {name}")))?;
        values.push(match value {
            Value::Text(t) => t.map(str::to_string),
            Value::Owned(t) => Some(t.clone()),
            Value::Int(n) => n.map(|n| n.to_string()),
        });
    }
    Ok(Some(seal(key, table, &values)))
}

/// The query reading a table's sealed content as text, from id `$1` on, `$2` rows.
fn content_query(table: &str, names: &[&str], only_unsealed: bool) -> String {
    let casts: Vec<String> = names.iter().map(|n| format!("CAST({n} AS TEXT)")).collect();
    let unsealed = if only_unsealed { " AND mac IS NULL" } else { "" };
    format!("SELECT id, mac, {} FROM {table} WHERE id >= $1{unsealed} ORDER BY id LIMIT $2", casts.join(", "))
}

/// Seals rows again from what is stored (after a write that changed sealed
/// columns outside the row's own insert or update, such as an assessment moving
/// to a merged person's survivor).
pub(crate) async fn reseal(tx: &mut WriteTx, table: &str, ids: &[i64]) -> Result<()> {
    let Some(key) = tx.store.audit_keys.as_ref().and_then(|k| k.current()).cloned() else { return Ok(()) };
    let names = content_columns(table).ok_or_else(|| StoreError::Corrupt(format!("{table} is not sealed")))?;
    let casts: Vec<String> = names.iter().map(|n| format!("CAST({n} AS TEXT)")).collect();
    let select = format!("SELECT {} FROM {table} WHERE id = $1", casts.join(", "));
    let update = format!("UPDATE {table} SET mac = $1 WHERE id = $2");
    for id in ids {
        let values: Vec<Option<String>> = on_tx!(tx, |c| {
            use sqlx::Row;
            let row = sqlx::query(&select).bind(id).fetch_one(&mut *c).await?;
            (0..names.len()).map(|i| row.try_get::<Option<String>, _>(i)).collect::<std::result::Result<_, _>>()
        })?;
        let mac = seal(&key, table, &values);
        on_tx!(tx, |c| sqlx::query(&update).bind(&mac).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// A row whose seal does not hold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BrokenSeal {
    pub table: &'static str,
    pub id: i64,
    pub reason: &'static str,
}

/// What checking every sealed row found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SealReport {
    /// Rows checked.
    pub rows: u64,
    /// How many rows' seals do not hold, and the first hundred of them.
    pub broken: u64,
    pub first_broken: Vec<BrokenSeal>,
}

const SEAL_PAGE: i64 = 10_000;

impl Store {
    /// Checks the seal of every household, person and assessment row with the
    /// store's audit keys: unsealed, sealed with a key not held, or not matching
    /// its content (changed outside the application).
    pub async fn verify_row_seals(&self) -> Result<SealReport> {
        let keys =
            self.audit_keys.clone().ok_or(StoreError::Forbidden("check row seals without the audit key file"))?;
        let mut report = SealReport::default();
        for (table, names) in SEALED {
            let sql = content_query(table, names, false);
            let mut from = 0i64;
            loop {
                let page = self.content_page(&sql, names.len(), from).await?;
                let last = (page.len() as i64) < SEAL_PAGE;
                for (id, mac, values) in page {
                    report.rows += 1;
                    from = id + 1;
                    let reason = match mac.as_deref().and_then(|m| m.split_once(':')) {
                        None => Some("it is not sealed"),
                        Some((key_id, _)) => match key_id.parse().ok().and_then(|k| keys.get(k)) {
                            None => Some("it is sealed with a key the key file does not hold"),
                            Some(key) if mac.as_deref() != Some(seal(key, table, &values).as_str()) => {
                                Some("it was changed outside the application: its content does not match its seal")
                            }
                            Some(_) => None,
                        },
                    };
                    if let Some(reason) = reason {
                        report.broken += 1;
                        if report.first_broken.len() < 100 {
                            report.first_broken.push(BrokenSeal { table, id, reason });
                        }
                    }
                }
                if last {
                    break;
                }
            }
        }
        Ok(report)
    }

    /// Seals every unsealed row with the current audit key: once, when the audit
    /// chains are first keyed (rows written before have no seal). Returns how many.
    pub async fn seal_unsealed_rows(&self) -> Result<u64> {
        let key = self
            .audit_keys
            .as_ref()
            .and_then(|k| k.current())
            .cloned()
            .ok_or(StoreError::Forbidden("seal rows without the audit key file"))?;
        let mut sealed = 0u64;
        for (table, names) in SEALED {
            let sql = content_query(table, names, true);
            loop {
                let page = self.content_page(&sql, names.len(), 0).await?;
                if page.is_empty() {
                    break;
                }
                let count = page.len();
                self.write(async |tx| {
                    let update = format!("UPDATE {table} SET mac = $1 WHERE id = $2");
                    for (id, _, values) in &page {
                        let mac = seal(&key, table, values);
                        on_tx!(tx, |c| sqlx::query(&update)
                            .bind(&mac)
                            .bind(id)
                            .execute(c)
                            .await
                            .map(|r| r.rows_affected()))?;
                    }
                    tx.audit(
                        None,
                        crate::audit::AuditEvent::new("audit.seal_rows", table, "unsealed").after(
                            serde_json::json!({ "ids": page.iter().map(|(id, _, _)| id).collect::<Vec<_>>(), "key": key.id }),
                        ),
                    )
                    .await
                })
                .await?;
                sealed += count as u64;
            }
        }
        Ok(sealed)
    }

    /// A page of a table's rows: id, seal and sealed content as text.
    async fn content_page(
        &self,
        sql: &str,
        columns: usize,
        from: i64,
    ) -> Result<Vec<(i64, Option<String>, Vec<Option<String>>)>> {
        use sqlx::Row;
        let rows = on_pool!(self, |c| {
            let rows = sqlx::query(sql).bind(from).bind(SEAL_PAGE).fetch_all(c).await?;
            rows.iter()
                .map(|row| {
                    let values = (0..columns)
                        .map(|i| row.try_get::<Option<String>, _>(i + 2))
                        .collect::<std::result::Result<Vec<_>, _>>()?;
                    Ok::<_, sqlx::Error>((row.try_get(0)?, row.try_get(1)?, values))
                })
                .collect::<std::result::Result<Vec<_>, _>>()
        })?;
        Ok(rows)
    }
}
