//! The audit log: a hash chain of every write (and of reads of sensitive data).

use crate::db::{Chain, Store, WriteTx};
use crate::lists::{ListOrder, ListPage, SortColumn};
use crate::sql::Sql;
use crate::{Result, StoreError};
use serde::Serialize;
use tavana_domain::audit::AuditAction;
use tavana_domain::audit::{AuditContent, GENESIS, entry_hash, from_hex, keyed_entry_hash, to_hex};
use tavana_domain::iam::{Action, Actor};

/// What a write is about, for its audit entry.
pub struct AuditEvent<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> AuditEvent<'a> {
    /// An event about one object; add its state with [`Self::before`] and
    /// [`Self::after`].
    pub fn new(action: &'a str, object_type: &'a str, object_id: impl ToString) -> Self {
        Self { action, object_type, object_id: object_id.to_string(), before: None, after: None }
    }

    /// The object as it was before the write.
    pub fn before(mut self, value: serde_json::Value) -> Self {
        self.before = Some(value);
        self
    }

    /// The object as it is after the write.
    pub fn after(mut self, value: serde_json::Value) -> Self {
        self.after = Some(value);
        self
    }
}

/// One stored audit entry.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_unit_id: Option<i64>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// The key the entry is signed with; none for an unkeyed entry.
    #[sqlx(default)]
    pub key_id: Option<i64>,
    /// The acting user's name, when the query joins it (not part of the hash).
    #[sqlx(default)]
    pub actor_username: Option<String>,
}

impl AuditEntry {
    fn content(&self) -> AuditContent<'_> {
        AuditContent {
            seq: self.seq,
            at_micros: self.at,
            actor_user_id: self.actor_user_id,
            actor_unit_id: self.actor_unit_id,
            action: &self.action,
            object_type: &self.object_type,
            object_id: &self.object_id,
            before: self.before_json.as_deref(),
            after: self.after_json.as_deref(),
        }
    }
}

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ChainReport {
    /// Every entry links to the one before and its hash matches its content.
    Intact { entries: i64, head_hash: String },
    /// The first entry found broken, and why.
    Broken { seq: i64, reason: String },
    /// Entry `seq` is signed with key `key_id`, which was not given.
    NeedsKey { seq: i64, key_id: i64 },
}

impl ChainReport {
    /// Why the chain could not be shown intact: the first entry concerned and the
    /// reason; none when it is intact.
    pub fn problem(&self) -> Option<(i64, String)> {
        match self {
            ChainReport::Intact { .. } => None,
            ChainReport::Broken { seq, reason } => Some((*seq, reason.clone())),
            ChainReport::NeedsKey { seq, key_id } => Some((
                *seq,
                format!("it is signed with audit key {key_id}, which was not given: verify with the audit key file"),
            )),
        }
    }
}

/// A chain's head as published for an outside party to keep: a later rewrite of
/// any entry up to `seq` no longer ends in `hash`, even by someone holding the
/// key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Anchor {
    /// `writes` (the audit chain) or `reads` (the read log).
    pub chain: String,
    pub seq: i64,
    pub hash: String,
    /// When it was published, microseconds since the Unix epoch.
    pub at: i64,
}

const VERIFY_PAGE: i64 = 5_000;

/// The read log: a chain like the audit chain's, with its own head, and who and where
/// each reader was (outside the hash).
const READ_LOG_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS read_log (
    seq             BIGINT PRIMARY KEY,
    at              BIGINT NOT NULL,
    actor_user_id   BIGINT,
    actor_unit_id   BIGINT,
    action          TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    object_id       TEXT NOT NULL,
    before_json     TEXT,
    after_json      TEXT,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    actor_username  TEXT,
    actor_unit_path TEXT,
    key_id          BIGINT
);
CREATE INDEX IF NOT EXISTS read_log_object ON read_log(object_type, object_id);
CREATE TABLE IF NOT EXISTS read_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO read_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000')
ON CONFLICT (id) DO NOTHING;";

/// The columns of a read log entry as listed.
const READ_COLUMNS: &str = "seq, at, actor_user_id, actor_unit_id, action, object_type, object_id, before_json, \
     after_json, prev_hash, hash, actor_username";

/// Sensitive data a read may return. Every store method that returns one of these
/// logs the read through [`Store::log_read`] (one entry per read, naming the
/// object and the data), so an auditor can answer "who looked at this person, and
/// at what?". The table test `audit::every_sensitive_read_leaves_one_entry` calls
/// each such method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitive {
    /// A person's full record: income, bank account, phone.
    PersonRecord,
    /// Every previous version of a person's record.
    PersonHistory,
    /// A person's disability assessments.
    Assessments,
    /// The values eligibility rules read (income, decile, assessments, household).
    RuleValues,
    /// A program's rule explained with one person's values.
    Eligibility,
    /// A file of registry records, or a program's enrollments.
    Export,
    /// The decisions on a person's enrollments, with the values they rested on.
    Decisions,
    /// A list of a program's beneficiaries with their amounts.
    Enrollments,
    /// Payments: who was paid how much to which account (lines, bank files).
    Payments,
    /// Applications to programs: who applied for what, their documents, notes
    /// and the waiting list.
    Applications,
    /// Grievances: what a person complained of, and the reply.
    Grievances,
    /// Staff records: the organization's own people (names, national codes,
    /// grades, retirement).
    Staff,
    /// A vetting case's file (gozinesh), opened by a grant for a stated reason.
    Vetting,
    /// The quota exam's candidates and employment records: persons with
    /// disabilities named with their scores, results, objections and jobs.
    Candidates,
    /// A search of the registry by another system (the DCI Social Registry
    /// API): the query, and the persons returned.
    RegistrySearch,
}

impl Sensitive {
    pub fn as_str(self) -> &'static str {
        match self {
            Sensitive::PersonRecord => "person_record",
            Sensitive::PersonHistory => "person_history",
            Sensitive::Assessments => "assessments",
            Sensitive::RuleValues => "rule_values",
            Sensitive::Eligibility => "eligibility",
            Sensitive::Export => "export",
            Sensitive::Decisions => "decisions",
            Sensitive::Enrollments => "enrollments",
            Sensitive::Payments => "payments",
            Sensitive::Applications => "applications",
            Sensitive::Grievances => "grievances",
            Sensitive::Staff => "staff",
            Sensitive::Vetting => "vetting",
            Sensitive::Candidates => "candidates",
            Sensitive::RegistrySearch => "registry_search",
        }
    }
}

impl WriteTx {
    /// Appends an entry to the audit chain inside this transaction. `actor` is `None`
    /// for the system itself (seeding, migrations run by the operator).
    pub async fn audit(&mut self, actor: Option<&Actor>, event: AuditEvent<'_>) -> Result<()> {
        self.audit_as(actor.map(|a| (a.user_id, a.unit_id)), event).await
    }

    /// Appends an entry on behalf of the user and unit given by id (a consumer of
    /// the outbox acts for whoever made the change it reacts to).
    pub(crate) async fn audit_as(&mut self, actor: Option<(i64, i64)>, event: AuditEvent<'_>) -> Result<()> {
        self.append(&[Entry { actor, event, names: None }]).await
    }

    /// Appends entries in order: reads the head once, seals each entry after the
    /// one before, writes them in one statement (a thousand rows at most) and moves
    /// the head once.
    async fn append(&mut self, entries: &[Entry<'_>]) -> Result<()> {
        let (log, head) = (self.chain.log(), self.chain.head());
        let head_sql = format!("SELECT seq, hash FROM {head} WHERE id = 1");
        let (mut seq, mut last): (i64, String) = on_tx!(self, |c| sqlx::query_as(&head_sql).fetch_one(c).await)?;
        let key = self.store.audit_keys.as_ref().and_then(|k| k.current()).cloned();
        let at_micros = self.now();
        // Who and where, for the auditor's lists of reads (outside the hash: the
        // read log cannot join the users and units it names on SQLite).
        let names = if self.chain == Chain::Reads { ", actor_username, actor_unit_path" } else { "" };
        let mut rows = Vec::with_capacity(entries.len());
        for entry in entries {
            let previous = parse_hash(&last).ok_or_else(|| StoreError::Corrupt(format!("{head} hash")))?;
            let before = entry.event.before.as_ref().map(|v| v.to_string());
            let after = entry.event.after.as_ref().map(|v| v.to_string());
            let content = AuditContent {
                seq: seq + 1,
                at_micros,
                actor_user_id: entry.actor.map(|a| a.0),
                actor_unit_id: entry.actor.map(|a| a.1),
                action: entry.event.action,
                object_type: entry.event.object_type,
                object_id: &entry.event.object_id,
                before: before.as_deref(),
                after: after.as_deref(),
            };
            let hash = to_hex(&match &key {
                Some(key) => keyed_entry_hash(key, &previous, &content),
                None => entry_hash(&previous, &content),
            });
            rows.push((seq + 1, before, after, std::mem::replace(&mut last, hash.clone()), hash));
            seq += 1;
        }
        for (chunk, written) in rows.chunks(1_000).zip(entries.chunks(1_000)) {
            let mut q = Sql::new(&format!(
                "INSERT INTO {log} (seq, at, actor_user_id, actor_unit_id, action, object_type, object_id, \
                 before_json, after_json, prev_hash, hash, key_id{names}) VALUES "
            ));
            for (i, ((seq, before, after, prev_hash, hash), entry)) in chunk.iter().zip(written).enumerate() {
                q.push(if i == 0 { "(" } else { ", (" }).bind_int(*seq).push(", ").bind_int(at_micros).push(", ");
                q.bind_opt_int(entry.actor.map(|a| a.0)).push(", ").bind_opt_int(entry.actor.map(|a| a.1));
                q.push(", ").bind_str(entry.event.action).push(", ").bind_str(entry.event.object_type);
                q.push(", ").bind_str(&entry.event.object_id).push(", ").bind_opt_str(before.as_deref());
                q.push(", ").bind_opt_str(after.as_deref()).push(", ").bind_str(prev_hash).push(", ");
                q.bind_str(hash).push(", ").bind_opt_int(key.as_ref().map(|k| k.id));
                if let (Chain::Reads, Some((username, unit_path))) = (self.chain, entry.names) {
                    q.push(", ").bind_str(username).push(", ").bind_str(unit_path);
                } else if self.chain == Chain::Reads {
                    q.push(", NULL, NULL");
                }
                q.push(")");
            }
            on_tx!(self, |c| q.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
        }
        let advance = format!("UPDATE {head} SET seq = $1, hash = $2 WHERE id = 1");
        on_tx!(self, |c| sqlx::query(&advance).bind(seq).bind(&last).execute(c).await.map(|r| r.rows_affected()))?;
        self.audit_entries += entries.len();
        Ok(())
    }
}

/// An entry to append: who, what, and (in the read log) the reader's name and
/// unit path as they are now.
struct Entry<'a> {
    actor: Option<(i64, i64)>,
    event: AuditEvent<'a>,
    names: Option<(&'a str, &'a str)>,
}

/// A read to log: the read log's entry, and who read.
pub(crate) struct LoggedRead {
    actor: Actor,
    object_type: String,
    objects: String,
    after: serde_json::Value,
}

/// Reads waiting to be logged, and the turn to log them. A read waits until its
/// entry is committed; whoever takes the turn commits every read waiting then in
/// one transaction (group commit): under load a transaction carries many reads,
/// one statement for all their entries, instead of a transaction of five
/// statements a read.
#[derive(Default)]
pub(crate) struct ReadQueue {
    waiting: std::sync::Mutex<Vec<(LoggedRead, tokio::sync::oneshot::Sender<Option<String>>)>>,
    turn: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// The lock of a list shared between tasks; a task that panicked holding it left
/// the list whole (pushes and takes only).
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn parse_hash(text: &str) -> Option<[u8; 32]> {
    from_hex(text)?.try_into().ok()
}

impl Store {
    /// Appends a read of sensitive data to the audit chain: who read which data of
    /// which object (`objects` lists them; `details` says more, such as the
    /// program an explanation was for).
    pub(crate) async fn log_read(
        &self,
        actor: &Actor,
        data: Sensitive,
        object_type: &str,
        objects: &str,
        details: serde_json::Value,
    ) -> Result<()> {
        let mut after = serde_json::json!({ "data": data.as_str() });
        if let (Some(map), serde_json::Value::Object(more)) = (after.as_object_mut(), details) {
            map.extend(more);
        }
        let read = LoggedRead { actor: actor.clone(), object_type: object_type.into(), objects: objects.into(), after };
        let (done, logged) = tokio::sync::oneshot::channel();
        lock(&self.read_queue.waiting).push((read, done));
        // The turn is held by the task that writes, not by this future: a reader
        // that goes away (its client hung up) leaves the others' reads to be logged.
        let turn = self.read_queue.turn.clone().lock_owned().await;
        let batch = std::mem::take(&mut *lock(&self.read_queue.waiting));
        if !batch.is_empty() {
            let store = self.clone();
            tokio::spawn(async move {
                let _turn = turn;
                let (reads, done): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
                let entries: Vec<Entry<'_>> = reads
                    .iter()
                    .map(|r| Entry {
                        actor: Some((r.actor.user_id, r.actor.unit_id)),
                        event: AuditEvent::new("read", &r.object_type, &r.objects).after(r.after.clone()),
                        names: Some((&r.actor.username, r.actor.unit_path.as_str())),
                    })
                    .collect();
                let failed = store.write_on(Chain::Reads, async |tx| tx.append(&entries).await).await.err();
                let failed = failed.map(|e| e.to_string());
                for done in done {
                    let _ = done.send(failed.clone());
                }
            });
        }
        match logged.await {
            Ok(None) => Ok(()),
            Ok(Some(reason)) => Err(StoreError::Corrupt(format!("the read could not be logged: {reason}"))),
            Err(_) => Err(StoreError::Corrupt("the read could not be logged".into())),
        }
    }

    /// Checks both chains, the audit chain of writes and then the read log, page by
    /// page: entries numbered 1, 2, 3… without gaps, each linking to the previous
    /// hash, each hash matching its content (signed with the store's audit keys
    /// since keying began), and the head naming the last entry (so removing
    /// entries at the end is caught too). The report counts the audit chain's
    /// entries; a broken read log is reported as such.
    pub async fn verify_audit_chain(&self) -> Result<ChainReport> {
        self.verify_audit_chain_against(&[]).await
    }

    /// [`Store::verify_audit_chain`], and each anchored head must be an entry of
    /// its chain with that hash.
    pub async fn verify_audit_chain_against(&self, anchors: &[Anchor]) -> Result<ChainReport> {
        let writes = self.verify_chain(Chain::Writes, anchors).await?;
        if !matches!(writes, ChainReport::Intact { .. }) {
            return Ok(writes);
        }
        match self.verify_chain(Chain::Reads, anchors).await? {
            ChainReport::Broken { seq, reason } => {
                Ok(ChainReport::Broken { seq, reason: format!("read log entry {seq}: {reason}") })
            }
            ChainReport::Intact { .. } => Ok(writes),
            needs => Ok(needs),
        }
    }

    /// The heads of both chains now, to publish.
    pub async fn audit_anchors(&self) -> Result<Vec<Anchor>> {
        let mut anchors = Vec::new();
        for chain in [Chain::Writes, Chain::Reads] {
            let head_sql = format!("SELECT seq, hash FROM {} WHERE id = 1", chain.head());
            let (seq, hash): (i64, String) = match chain {
                Chain::Writes => on_pool!(self, |c| sqlx::query_as(&head_sql).fetch_one(c).await)?,
                Chain::Reads => on_reads!(self, |c| sqlx::query_as(&head_sql).fetch_one(c).await)?,
            };
            anchors.push(Anchor { chain: chain.name().to_string(), seq, hash, at: self.now() });
        }
        Ok(anchors)
    }

    async fn verify_chain(&self, chain: Chain, anchors: &[Anchor]) -> Result<ChainReport> {
        let keys = self.audit_keys.as_deref();
        let anchored: std::collections::BTreeMap<i64, &Anchor> =
            anchors.iter().filter(|a| a.chain == chain.name()).map(|a| (a.seq, a)).collect();
        let mut previous = GENESIS;
        let mut expected_seq = 1i64;
        let page_sql = format!(
            "SELECT seq, at, actor_user_id, actor_unit_id, action, object_type, object_id, before_json, after_json, \
             prev_hash, hash, key_id FROM {} WHERE seq >= $1 ORDER BY seq LIMIT $2",
            chain.log()
        );
        loop {
            let page: Vec<AuditEntry> = match chain {
                Chain::Writes => on_pool!(self, |c| {
                    sqlx::query_as(&page_sql).bind(expected_seq).bind(VERIFY_PAGE).fetch_all(c).await
                })?,
                Chain::Reads => on_reads!(self, |c| {
                    sqlx::query_as(&page_sql).bind(expected_seq).bind(VERIFY_PAGE).fetch_all(c).await
                })?,
            };
            let last_page = (page.len() as i64) < VERIFY_PAGE;
            for entry in &page {
                if entry.seq != expected_seq {
                    return Ok(broken(expected_seq, "the entry is missing"));
                }
                if parse_hash(&entry.prev_hash) != Some(previous) {
                    return Ok(broken(entry.seq, "it does not link to the entry before it"));
                }
                let recomputed = match (entry.key_id, keys) {
                    (Some(id), Some(keys)) => match keys.get(id) {
                        Some(key) => keyed_entry_hash(key, &previous, &entry.content()),
                        None => {
                            return Ok(broken(
                                entry.seq,
                                &format!("it is signed with audit key {id}, which the key file does not hold"),
                            ));
                        }
                    },
                    (Some(id), None) => return Ok(ChainReport::NeedsKey { seq: entry.seq, key_id: id }),
                    (None, Some(keys)) if keys.keyed_since().is_some_and(|since| entry.at >= since) => {
                        return Ok(broken(
                            entry.seq,
                            "it is not signed with an audit key although signing began before it: \
                             it was written or rewritten without the key",
                        ));
                    }
                    (None, _) => entry_hash(&previous, &entry.content()),
                };
                if parse_hash(&entry.hash) != Some(recomputed) {
                    return Ok(broken(entry.seq, "its content does not match its hash"));
                }
                if let Some(anchor) = anchored.get(&entry.seq)
                    && parse_hash(&anchor.hash) != Some(recomputed)
                {
                    return Ok(broken(
                        entry.seq,
                        "the chain up to it was rewritten: its hash is not the anchor published for it",
                    ));
                }
                previous = recomputed;
                expected_seq += 1;
            }
            if last_page {
                break;
            }
        }
        let head_sql = format!("SELECT seq, hash FROM {} WHERE id = 1", chain.head());
        let (head_seq, head_hash): (i64, String) = match chain {
            Chain::Writes => on_pool!(self, |c| sqlx::query_as(&head_sql).fetch_one(c).await)?,
            Chain::Reads => on_reads!(self, |c| sqlx::query_as(&head_sql).fetch_one(c).await)?,
        };
        let entries = expected_seq - 1;
        if head_seq != entries || parse_hash(&head_hash) != Some(previous) {
            return Ok(broken(
                entries + 1,
                &format!("the chain ends at entry {entries} but its head names entry {head_seq}"),
            ));
        }
        if let Some((seq, _)) = anchored.range(entries + 1..).next() {
            return Ok(broken(*seq, &format!("an anchor names entry {seq}, but the chain ends at entry {entries}")));
        }
        Ok(ChainReport::Intact { entries, head_hash })
    }

    /// Creates the read log where it lives (beside a SQLite database, in the
    /// PostgreSQL database itself) when it is not there yet.
    pub(crate) async fn ensure_read_log(&self) -> Result<()> {
        on_reads!(self, |c| sqlx::raw_sql(READ_LOG_SCHEMA).execute(c).await.map(|r| r.rows_affected()))?;
        // A read log made before entries were signed gains the key column.
        let has_key: i64 = match self.backend() {
            crate::Backend::Sqlite => on_reads!(self, |c| sqlx::query_scalar(
                "SELECT COUNT(*) FROM pragma_table_info('read_log') WHERE name = 'key_id'"
            )
            .fetch_one(c)
            .await)?,
            crate::Backend::Postgres => on_reads!(self, |c| {
                sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'read_log' AND column_name = 'key_id' \
                 AND table_schema = current_schema()"
            )
            .fetch_one(c)
            .await
            })?,
        };
        if has_key == 0 {
            on_reads!(self, |c| sqlx::query("ALTER TABLE read_log ADD COLUMN key_id BIGINT")
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
        Ok(())
    }

    /// The newest reads of sensitive data, for auditors and admins in their scope:
    /// who read which data of whom.
    pub async fn recent_reads(&self, actor: &Actor, limit: i64) -> Result<Vec<AuditEntry>> {
        if !actor.may(Action::Audit(AuditAction::Read)) {
            return Err(StoreError::Forbidden("read the audit log"));
        }
        let sql =
            format!("SELECT {READ_COLUMNS} FROM read_log WHERE actor_unit_path LIKE $1 ORDER BY seq DESC LIMIT $2");
        let rows = on_reads!(self, |c| {
            sqlx::query_as(&sql).bind(actor.unit_path.subtree_pattern()).bind(limit).fetch_all(c).await
        })?;
        Ok(rows)
    }

    /// Checks both chains for an auditor or admin at HQ: the chains are national,
    /// and their length and head say how much the whole country did, so a
    /// province's auditor does not read them.
    pub async fn verify_audit_chain_as(&self, actor: &Actor) -> Result<ChainReport> {
        if !actor.may(Action::Audit(AuditAction::Read)) {
            return Err(StoreError::Forbidden("read the audit log"));
        }
        if !actor.unit_path.is_root() {
            return Err(StoreError::Forbidden("verify the national audit chain"));
        }
        self.verify_audit_chain().await
    }

    /// The chains' heads now, for auditors and admins at HQ to publish.
    pub async fn audit_anchors_as(&self, actor: &Actor) -> Result<Vec<Anchor>> {
        if !actor.may(Action::Audit(AuditAction::Read)) {
            return Err(StoreError::Forbidden("read the audit log"));
        }
        if !actor.unit_path.is_root() {
            return Err(StoreError::Forbidden("publish the national audit chain's head"));
        }
        self.audit_anchors().await
    }

    /// Who read a person's sensitive data, newest first: the read log's entries
    /// about that person (their record, history, assessments, rule values, an
    /// explanation, decisions), by readers in the auditor's subtree.
    /// The reads of one object, newest first, for a caller that has checked who
    /// may see them (the vetting board sees a case's openings).
    pub(crate) async fn reads_of_object(
        &self,
        object_type: &str,
        object_id: &str,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let sql = format!(
            "SELECT {READ_COLUMNS} FROM read_log WHERE object_type = $1 AND object_id = $2 ORDER BY seq DESC LIMIT $3"
        );
        let rows = on_reads!(self, |c| {
            sqlx::query_as(&sql).bind(object_type).bind(object_id).bind(limit).fetch_all(c).await
        })?;
        Ok(rows)
    }

    pub async fn reads_of_person(&self, actor: &Actor, person_id: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        if !actor.may(Action::Audit(AuditAction::Read)) {
            return Err(StoreError::Forbidden("read the audit log"));
        }
        // The person must exist in the auditor's subtree: otherwise not found.
        let path: String = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT o.path FROM persons s JOIN org_units o ON o.id = s.unit_id WHERE s.id = $1"
        )
        .bind(person_id)
        .fetch_one(c)
        .await)?;
        if !path.starts_with(actor.unit_path.as_str()) {
            return Err(StoreError::NotFound);
        }
        let sql = format!(
            "SELECT {READ_COLUMNS} FROM read_log WHERE object_type = 'person' AND object_id = $1 \
             AND actor_unit_path LIKE $2 ORDER BY seq DESC LIMIT $3"
        );
        let rows = on_reads!(self, |c| {
            sqlx::query_as(&sql)
                .bind(person_id.to_string())
                .bind(actor.unit_path.subtree_pattern())
                .bind(limit)
                .fetch_all(c)
                .await
        })?;
        Ok(rows)
    }

    /// The newest audit entries, for auditors and admins in their scope: entries
    /// made by actors of their subtree (or by the system, for HQ).
    pub async fn recent_audit_entries(&self, actor: &Actor, limit: i64) -> Result<Vec<AuditEntry>> {
        self.audit_entries(actor, None, limit).await
    }

    /// [`Store::recent_audit_entries`] of one action only, when given.
    pub async fn audit_entries(&self, actor: &Actor, action: Option<&str>, limit: i64) -> Result<Vec<AuditEntry>> {
        let filter = AuditFilter { action: action.unwrap_or_default().to_string(), ..AuditFilter::default() };
        let mut q = audit_query(actor, &filter)?;
        q.push(" ORDER BY a.seq DESC LIMIT ").bind_int(limit);
        let rows = on_pool!(self, |c| q.builder().build_query_as().fetch_all(c).await)?;
        Ok(rows)
    }

    /// A page of the audit entries in the actor's scope, filtered, newest or
    /// oldest first, with how many there are.
    pub async fn audit_page(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        order: &ListOrder,
    ) -> Result<ListPage<AuditEntry>> {
        self.list_page(audit_query(actor, filter)?, AUDIT_SORTS, "a.seq", order).await
    }

    /// The audit entries a filter finds, in the list's order, as CSV (at most
    /// [`crate::lists::EXPORT_LIMIT`]; itself logged as an export). Returns the rows.
    pub async fn export_audit(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        order: &ListOrder,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<u64> {
        #[derive(Serialize)]
        struct Line<'a> {
            seq: i64,
            at: String,
            user: &'a str,
            action: &'a str,
            action_fa: &'a str,
            object_type: &'a str,
            object_id: &'a str,
            before: &'a str,
            after: &'a str,
            hash: &'a str,
        }
        let mut csv = csv::Writer::from_writer(out);
        let mut first = true;
        let mut each = |e: AuditEntry| {
            let line = Line {
                seq: e.seq,
                at: crate::lists::rfc3339(e.at),
                user: e.actor_username.as_deref().unwrap_or("system"),
                action: &e.action,
                action_fa: tavana_domain::audit::action_label(&e.action, true),
                object_type: &e.object_type,
                object_id: &e.object_id,
                before: e.before_json.as_deref().unwrap_or_default(),
                after: e.after_json.as_deref().unwrap_or_default(),
                hash: &e.hash,
            };
            crate::registry::export::write_csv(&mut csv, &line, std::mem::take(&mut first))
        };
        let rows = self.list_each(audit_query(actor, filter)?, AUDIT_SORTS, "a.seq", order, &mut each).await?;
        csv.flush().map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.log_read(actor, Sensitive::Export, "audit", "log", serde_json::json!({ "rows": rows, "filter": filter }))
            .await?;
        Ok(rows)
    }
}

/// What to list audit entries by; every filter optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuditFilter {
    /// An action's code (`person.update`).
    pub action: String,
    /// The acting user's name.
    pub username: String,
    /// The object's id (a person's, a program's…).
    pub object_id: String,
}

/// The audit list sorts by its sequence only: newest or oldest first.
pub const AUDIT_SORTS: &[SortColumn] = &[SortColumn { key: "seq", sql: "a.seq" }];

/// The entries of the actor's scope (made by actors of their subtree, or by the
/// system for HQ) a filter finds, unordered. Only auditors and admins read them.
fn audit_query(actor: &Actor, filter: &AuditFilter) -> Result<Sql> {
    if !actor.may(Action::Audit(AuditAction::Read)) {
        return Err(StoreError::Forbidden("read the audit log"));
    }
    let mut q = Sql::new(
        "SELECT a.seq, a.at, a.actor_user_id, a.actor_unit_id, a.action, a.object_type, a.object_id,          a.before_json, a.after_json, a.prev_hash, a.hash, a.key_id, p.username AS actor_username FROM audit_log a          LEFT JOIN org_units u ON u.id = a.actor_unit_id LEFT JOIN users p ON p.id = a.actor_user_id WHERE (u.path LIKE ",
    );
    q.bind_str(&actor.unit_path.subtree_pattern());
    q.push(if actor.unit_path.is_root() { " OR a.actor_unit_id IS NULL)" } else { ")" });
    for (column, value) in
        [("a.action", &filter.action), ("p.username", &filter.username), ("a.object_id", &filter.object_id)]
    {
        let value = value.trim();
        if !value.is_empty() {
            q.push(" AND ").push(column).push(" = ").bind_str(value);
        }
    }
    Ok(q)
}

fn broken(seq: i64, reason: &str) -> ChainReport {
    ChainReport::Broken { seq, reason: reason.to_string() }
}

#[cfg(test)]
mod action_tests {
    /// Every action the store writes in the audit chain has a label for the audit
    /// page: the store's sources are read for `AuditEvent::new("…"` and the
    /// enable/disable pair.
    #[test]
    fn every_action_written_has_a_label() {
        let sources = [
            include_str!("audit.rs"),
            include_str!("iam.rs"),
            include_str!("org.rs"),
            include_str!("outbox.rs"),
            include_str!("registry/mod.rs"),
            include_str!("registry/import.rs"),
            include_str!("registry/duplicates.rs"),
            include_str!("registry/seal.rs"),
            include_str!("programs/mod.rs"),
        ];
        let mut missing = Vec::new();
        for source in sources {
            for part in source.split("AuditEvent::new(").skip(1) {
                let Some(code) = part.trim_start().strip_prefix('"').and_then(|p| p.split('"').next()) else {
                    continue;
                };
                if code.is_empty() || !code.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.') {
                    continue;
                }
                if !tavana_domain::audit::ACTIONS.iter().any(|(c, _, _)| *c == code) {
                    missing.push(code.to_string());
                }
            }
        }
        for code in ["user.enable", "user.disable"] {
            assert!(tavana_domain::audit::ACTIONS.iter().any(|(c, _, _)| *c == code));
        }
        assert!(missing.is_empty(), "actions without a label: {missing:?}");
    }
}
