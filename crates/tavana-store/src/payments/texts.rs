//! Texts to beneficiaries (`sms_outbox`), written in the transaction that
//! records what they tell of. A sender takes the unsent ones a batch at a time,
//! marking them sent in the same transaction that hands them over, so each is
//! handed over once; the SMS gateway that delivers them is a later plug-in
//! (until then `tavana serve` logs each text's id and person, never its number
//! or body).

use crate::Result;
use crate::db::Store;

/// A text to send.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Text {
    pub id: i64,
    pub person_id: i64,
    pub phone: String,
    pub body: String,
}

impl Store {
    /// Takes up to `limit` unsent texts, oldest first, and marks them sent; the
    /// audit entry names every one handed over.
    pub async fn take_texts(&self, limit: i64) -> Result<Vec<Text>> {
        let waiting: i64 =
            on_pool!(self, |c| sqlx::query_scalar("SELECT COUNT(*) FROM sms_outbox WHERE sent_at IS NULL")
                .fetch_one(c)
                .await)?;
        if waiting == 0 {
            return Ok(Vec::new());
        }
        let now = self.now();
        self.write(async |tx| {
            let texts: Vec<Text> = on_tx!(tx, |c| sqlx::query_as(
                "SELECT id, person_id, phone, body FROM sms_outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1"
            )
            .bind(limit.clamp(1, 10_000))
            .fetch_all(c)
            .await)?;
            let ids: Vec<i64> = texts.iter().map(|t| t.id).collect();
            if !ids.is_empty() {
                let mut sent = crate::sql::Sql::new("UPDATE sms_outbox SET sent_at = ");
                sent.bind_int(now).push(" WHERE id IN ").bind_ids(&ids);
                on_tx!(tx, |c| sent.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
            }
            tx.audit_as(
                None,
                crate::audit::AuditEvent::new("texts.handed_over", "sms_outbox", ids.len())
                    .after(serde_json::json!({ "texts": ids })),
            )
            .await?;
            Ok(texts)
        })
        .await
    }
}
