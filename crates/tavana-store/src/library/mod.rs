//! The knowledge library (see the domain's `library`): veterans' oral history,
//! recorded by HR officers for units in their tree, read and searched by every
//! member of staff (experience is the organization's to share; nothing in it is
//! about a beneficiary), linked to positions so a successor finds what the
//! holders before them told. Search runs over `index`, which follows the rows.

mod index;

pub(crate) use index::LibraryIndex;

use crate::access::{authorize, require, unit_path};
use crate::db::{Store, TxInner};
use crate::sql::Sql;
use crate::{Result, StoreError};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use tavana_domain::DomainError;
use tavana_domain::error::Reason;
use tavana_domain::iam::{Action, Actor, Module};
use tavana_domain::library::{ItemFields, LibraryAction, MAX_ATTACHMENT, MediaKind, media_type};

const RECORD: Action = Action::Library(LibraryAction::Record);
const OPEN: Action = Action::Open(Module::Library);

/// An attachment as listed (its content is downloaded apart).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: i64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: MediaKind,
    pub media_type: String,
    pub sha256: String,
    pub size: i64,
}

/// A position an item serves.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemPosition {
    pub id: i64,
    pub code: String,
    pub title: String,
}

/// An item, whole.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Item {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub title: String,
    pub narrator: String,
    pub topics: Vec<String>,
    /// ISO.
    pub recorded_on: String,
    pub transcript: String,
    pub positions: Vec<ItemPosition>,
    pub attachments: Vec<Attachment>,
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    unit_id: i64,
    unit_name: String,
    title: String,
    narrator: String,
    topics: String,
    recorded_on: String,
    transcript: String,
}

/// What a search asks: words (any spelling) and filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(default)]
pub struct LibraryQuery {
    /// Words to find, in Persian however written.
    pub q: String,
    /// Only items of this unit and the units below it.
    pub unit: Option<i64>,
    /// Only items with this topic.
    pub topic: Option<String>,
    /// Only items linked to this position.
    pub position: Option<i64>,
    /// Recorded in this Jalali year or later.
    pub year_from: Option<i32>,
    /// Recorded in this Jalali year or earlier.
    pub year_to: Option<i32>,
}

/// A piece of a highlighted text: the words of the query are `hit`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Piece {
    pub text: String,
    pub hit: bool,
}

/// A hit: the item's card, its title and the best passage of its transcript
/// highlighted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hit {
    pub id: i64,
    pub title: Vec<Piece>,
    pub narrator: String,
    pub unit_name: String,
    pub topics: Vec<String>,
    pub recorded_on: String,
    pub snippet: Vec<Piece>,
}

/// A page of hits, and how many in all.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Found {
    pub total: usize,
    pub hits: Vec<Hit>,
}

fn invalid(field: &'static str, reason: Reason) -> StoreError {
    StoreError::Invalid(DomainError::new(field, reason))
}

fn pieces(raw: Vec<(String, bool)>) -> Vec<Piece> {
    raw.into_iter().map(|(text, hit)| Piece { text, hit }).collect()
}

/// How many rows the index reads at a time while it catches up.
const CATCH_UP: i64 = 2_000;

impl Store {
    /// Records items (HR officers, for units in their tree) in one transaction;
    /// the audit names every item with its title. Returns their ids in order.
    pub async fn record_library_items(&self, actor: &Actor, items: &[ItemFields]) -> Result<Vec<i64>> {
        require(actor, RECORD)?;
        let units: HashMap<String, (i64, String)> =
            on_pool!(self, |c| sqlx::query_as::<_, (String, i64, String)>("SELECT code, id, path FROM org_units")
                .fetch_all(c)
                .await)?
            .into_iter()
            .map(|(code, id, path)| (code, (id, path)))
            .collect();
        let positions: HashMap<String, i64> =
            on_pool!(self, |c| sqlx::query_as::<_, (String, i64)>("SELECT code, id FROM positions")
                .fetch_all(c)
                .await)?
            .into_iter()
            .collect();
        let mut rows = Vec::with_capacity(items.len());
        for item in items {
            let (unit, path) = units.get(&item.unit).ok_or_else(|| invalid("unit", Reason::NotInList))?;
            authorize(actor, RECORD, &unit_path(path)?).map_err(crate::access::out_of_scope_is_invalid("unit"))?;
            let linked = item
                .positions
                .iter()
                .map(|code| positions.get(code).copied().ok_or_else(|| invalid("positions", Reason::NotInList)))
                .collect::<Result<Vec<i64>>>()?;
            let topics = serde_json::to_string(&item.topics).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            rows.push((item, *unit, topics, linked));
        }
        self.write(async |tx| {
            // Ids commit in the order they are drawn, which the index relies on:
            // on PostgreSQL, one recorder at a time (SQLite has one writer).
            if let TxInner::Postgres(t) = &mut tx.inner {
                sqlx::query("LOCK TABLE library_items IN SHARE ROW EXCLUSIVE MODE").execute(&mut **t).await?;
            }
            let now = tx.now();
            let mut ids = Vec::with_capacity(rows.len());
            for chunk in rows.chunks(200) {
                let mut sql = Sql::new(
                    "INSERT INTO library_items (unit_id, title, narrator, topics, recorded_on, transcript, created_by, \
                     created_at) VALUES ",
                );
                for (i, (item, unit, topics, _)) in chunk.iter().enumerate() {
                    sql.push(if i == 0 { "(" } else { ", (" })
                        .bind_int(*unit)
                        .push(", ")
                        .bind_str(&item.title)
                        .push(", ")
                        .bind_str(&item.narrator)
                        .push(", ")
                        .bind_str(topics)
                        .push(", ")
                        .bind_str(&item.recorded_on.to_string())
                        .push(", ")
                        .bind_str(&item.transcript)
                        .push(", ")
                        .bind_int(actor.user_id)
                        .push(", ")
                        .bind_int(now)
                        .push(")");
                }
                sql.push(" RETURNING id");
                let mut chunk_ids: Vec<i64> = on_tx!(tx, |c| sql.builder().build_query_scalar().fetch_all(c).await)?;
                chunk_ids.sort_unstable();
                let links: Vec<(i64, i64)> = chunk
                    .iter()
                    .zip(&chunk_ids)
                    .flat_map(|((_, _, _, linked), id)| linked.iter().map(move |p| (*id, *p)))
                    .collect();
                for part in links.chunks(500) {
                    let mut sql = Sql::new("INSERT INTO library_item_positions (item_id, position_id) VALUES ");
                    for (i, (item, position)) in part.iter().enumerate() {
                        sql.push(if i == 0 { "(" } else { ", (" })
                            .bind_int(*item)
                            .push(", ")
                            .bind_int(*position)
                            .push(")");
                    }
                    sql.push(" ON CONFLICT DO NOTHING");
                    on_tx!(tx, |c| sql.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
                }
                ids.extend(chunk_ids);
            }
            let named: Vec<(i64, &str)> =
                ids.iter().zip(&rows).map(|(id, (item, ..))| (*id, item.title.as_str())).collect();
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("library.record", "library_item", ids.first().copied().unwrap_or(0))
                    .after(serde_json::json!({ "columns": ["item", "title"], "items": named })),
            )
            .await?;
            Ok(ids)
        })
        .await
    }

    /// An item, whole, with its positions and attachments (every member of staff).
    pub async fn library_item(&self, actor: &Actor, id: i64) -> Result<Item> {
        require(actor, OPEN)?;
        let row: ItemRow = on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT i.id, i.unit_id, u.name_fa AS unit_name, i.title, i.narrator, i.topics, i.recorded_on, i.transcript \
             FROM library_items i JOIN org_units u ON u.id = i.unit_id WHERE i.id = $1"
        )
        .bind(id)
        .fetch_one(c)
        .await
        })?;
        let positions: Vec<ItemPosition> = on_pool!(self, |c| sqlx::query_as(
            "SELECT p.id, p.code, p.title FROM library_item_positions l JOIN positions p ON p.id = l.position_id \
             WHERE l.item_id = $1 ORDER BY p.code"
        )
        .bind(id)
        .fetch_all(c)
        .await)?;
        let attachments: Vec<Attachment> = on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT id, name, kind, media_type, sha256, size FROM library_attachments WHERE item_id = $1 ORDER BY id"
        )
        .bind(id)
        .fetch_all(c)
        .await
        })?;
        Ok(Item {
            topics: serde_json::from_str(&row.topics).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            id: row.id,
            unit_id: row.unit_id,
            unit_name: row.unit_name,
            title: row.title,
            narrator: row.narrator,
            recorded_on: row.recorded_on,
            transcript: row.transcript,
            positions,
            attachments,
        })
    }

    /// Attaches audio, video or a document to an item (its unit's HR officers):
    /// the kind is found from the content, never the name; kept with its SHA-256.
    pub async fn add_library_attachment(&self, actor: &Actor, item: i64, name: &str, bytes: &[u8]) -> Result<i64> {
        require(actor, RECORD)?;
        let path: String = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT u.path FROM library_items i JOIN org_units u ON u.id = i.unit_id WHERE i.id = $1"
        )
        .bind(item)
        .fetch_one(c)
        .await)?;
        authorize(actor, RECORD, &unit_path(&path)?)?;
        if bytes.len() > MAX_ATTACHMENT {
            return Err(invalid("file", Reason::TooLong { max: MAX_ATTACHMENT }));
        }
        let (kind, media) = media_type(bytes).ok_or_else(|| invalid("file", Reason::BadFormat))?;
        let name = tavana_domain::text::required_text("file", name.rsplit(['/', '\\']).next().unwrap_or(name))?;
        let name: String = name.chars().take(200).collect();
        let sha = crate::payments::hex(&Sha256::digest(bytes));
        let size = i64::try_from(bytes.len()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.write(async |tx| {
            let now = tx.now();
            let id: i64 = on_tx!(tx, |c| {
                sqlx::query_scalar(
                "INSERT INTO library_attachments (item_id, name, kind, media_type, sha256, size, content, added_by, \
                 added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
            )
            .bind(item)
            .bind(&name)
            .bind(kind.code())
            .bind(media)
            .bind(&sha)
            .bind(size)
            .bind(bytes)
            .bind(actor.user_id)
            .bind(now)
            .fetch_one(c)
            .await
            })?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("library.attach", "library_item", item).after(serde_json::json!({
                    "attachment": id, "name": name, "kind": kind.code(), "size": size, "sha256": sha,
                })),
            )
            .await?;
            Ok(id)
        })
        .await
    }

    /// An attachment with its content (every member of staff).
    pub async fn library_attachment(&self, actor: &Actor, item: i64, id: i64) -> Result<(Attachment, Vec<u8>)> {
        require(actor, OPEN)?;
        let meta: Attachment = on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT id, name, kind, media_type, sha256, size FROM library_attachments WHERE id = $1 AND item_id = $2"
        )
        .bind(id)
        .bind(item)
        .fetch_one(c)
        .await
        })?;
        let content: Vec<u8> =
            on_pool!(self, |c| sqlx::query_scalar("SELECT content FROM library_attachments WHERE id = $1")
                .bind(id)
                .fetch_one(c)
                .await)?;
        Ok((meta, content))
    }

    /// Searches the library: every word of `q` (however spelled) in an item's
    /// title, topics, narrator or transcript, within the filters; best first,
    /// each hit with its title and best passage highlighted.
    pub async fn search_library(
        &self,
        actor: &Actor,
        asked: &LibraryQuery,
        offset: usize,
        limit: usize,
    ) -> Result<Found> {
        require(actor, OPEN)?;
        if let (Some(from), Some(to)) = (asked.year_from, asked.year_to)
            && from > to
        {
            return Err(invalid("year_to", Reason::OutOfRange));
        }
        let unit_path = match asked.unit {
            Some(unit) => Some(
                on_pool!(self, |c| sqlx::query_scalar::<_, String>("SELECT path FROM org_units WHERE id = $1")
                    .bind(unit)
                    .fetch_optional(c)
                    .await)?
                .ok_or_else(|| invalid("unit", Reason::NotInList))?,
            ),
            None => None,
        };
        let (searcher, fields) = self.library_searcher().await?;
        let query = index::query(
            &fields,
            &index::Asked {
                text: &asked.q,
                unit_path: unit_path.as_deref(),
                topic: asked.topic.as_deref().filter(|t| !t.trim().is_empty()),
                position: asked.position,
                years: (asked.year_from, asked.year_to),
            },
        );
        let (total, ids) = index::run(&searcher, &fields, query.as_ref(), offset, limit.min(100))?;
        if ids.is_empty() {
            return Ok(Found { total, hits: Vec::new() });
        }
        let mut sql = Sql::new(
            "SELECT i.id, i.unit_id, u.name_fa AS unit_name, i.title, i.narrator, i.topics, i.recorded_on, i.transcript \
             FROM library_items i JOIN org_units u ON u.id = i.unit_id WHERE i.id IN (",
        );
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind_int(*id);
        }
        sql.push(")");
        let rows: Vec<ItemRow> = on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        let mut by_id: HashMap<i64, ItemRow> = rows.into_iter().map(|r| (r.id, r)).collect();
        let (title_marks, transcript_marks) =
            (index::marks(fields.title, &asked.q), index::marks(fields.transcript, &asked.q));
        let mut hits = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(row) = by_id.remove(&id) else { continue };
            hits.push(Hit {
                id,
                title: pieces(index::highlight(&searcher, title_marks.as_ref(), fields.title, &row.title, 200)?),
                snippet: pieces(index::highlight(
                    &searcher,
                    transcript_marks.as_ref(),
                    fields.transcript,
                    &row.transcript,
                    240,
                )?),
                narrator: row.narrator,
                unit_name: row.unit_name,
                topics: serde_json::from_str(&row.topics).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                recorded_on: row.recorded_on,
            });
        }
        Ok(Found { total, hits })
    }

    /// The index, built if need be and caught up with every item recorded since.
    async fn library_searcher(&self) -> Result<(tantivy::Searcher, index::Fields)> {
        let mut guard = self.library.built.lock().await;
        let built = match guard.as_mut() {
            Some(built) => built,
            None => guard.insert(index::Built::new()?),
        };
        loop {
            let rows: Vec<index::Row> = on_pool!(self, |c| sqlx::query_as(
                "SELECT i.id, i.title, i.narrator, i.topics, i.recorded_on, i.transcript, u.path AS unit_path \
                 FROM library_items i JOIN org_units u ON u.id = i.unit_id WHERE i.id > $1 ORDER BY i.id LIMIT $2"
            )
            .bind(built.up_to)
            .bind(CATCH_UP)
            .fetch_all(c)
            .await)?;
            let Some(last) = rows.last().map(|r| r.id) else { break };
            let positions: Vec<(i64, i64)> = on_pool!(self, |c| sqlx::query_as(
                "SELECT item_id, position_id FROM library_item_positions WHERE item_id > $1 AND item_id <= $2"
            )
            .bind(built.up_to)
            .bind(last)
            .fetch_all(c)
            .await)?;
            let full = rows.len() as i64 == CATCH_UP;
            built.add(&rows, &positions)?;
            if !full {
                break;
            }
        }
        Ok((built.searcher(), built.fields))
    }

    /// The items linked to a position, newest first: what its holder and
    /// successors should read.
    pub async fn library_for_position(&self, actor: &Actor, position: i64) -> Result<Vec<(i64, String)>> {
        require(actor, OPEN)?;
        let rows = on_pool!(self, |c| sqlx::query_as(
            "SELECT i.id, i.title FROM library_item_positions l JOIN library_items i ON i.id = l.item_id \
             WHERE l.position_id = $1 ORDER BY i.id DESC LIMIT 50"
        )
        .bind(position)
        .fetch_all(c)
        .await)?;
        Ok(rows)
    }
}
