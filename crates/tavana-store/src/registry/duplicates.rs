//! Likely duplicates in the registry: found by rules over normalized keys, listed
//! for a case worker, merged (reversibly) or dismissed, every decision audited.

use crate::access::{authorize, require};
use crate::audit::AuditEvent;
use crate::db::{Store, WriteTx};
use crate::registry::supersede_by_id;
use crate::{Result, StoreError};
use serde::Serialize;
use serde_json::json;
use tavana_domain::error::{DomainError, Reason};
use tavana_domain::events::{Event, EventKind};
use tavana_domain::iam::{Action, Actor, Module};
use tavana_domain::org::UnitPath;
use tavana_domain::registry::{CandidateStatus, RegistryAction};

/// The rules that make two persons likely the same one.
pub const RULES: [&str; 3] = ["same_name_father_birth", "same_phone", "same_sheba"];

/// A pair of persons that may be one, with both sides to compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Candidate {
    pub id: i64,
    pub rule: String,
    #[sqlx(try_from = "String")]
    pub status: CandidateStatus,
    pub reason: Option<String>,
    pub a_id: i64,
    pub a_code: String,
    pub a_name: String,
    pub a_father: String,
    pub a_birth: String,
    pub a_phone: Option<String>,
    pub b_id: i64,
    pub b_code: String,
    pub b_name: String,
    pub b_father: String,
    pub b_birth: String,
    pub b_phone: Option<String>,
    /// A proposed merge's survivor, proposer (by name) and reason.
    pub survivor: Option<i64>,
    pub proposed_by: Option<String>,
    pub proposal_reason: Option<String>,
}

const CANDIDATE_SELECT: &str = "SELECT d.id, d.rule, d.status, d.reason, \
     a.id AS a_id, a.national_code AS a_code, a.first_name || ' ' || a.last_name AS a_name, a.father_name AS a_father, \
     a.birth_date AS a_birth, a.phone AS a_phone, \
     b.id AS b_id, b.national_code AS b_code, b.first_name || ' ' || b.last_name AS b_name, b.father_name AS b_father, \
     b.birth_date AS b_birth, b.phone AS b_phone, \
     d.proposed_survivor AS survivor, u.display_name AS proposed_by, d.proposal_reason \
     FROM duplicate_candidates d JOIN persons a ON a.id = d.person_a JOIN persons b ON b.id = d.person_b \
     LEFT JOIN users u ON u.id = d.proposed_by";

/// Each rule as the join condition between `p1` and `p2`.
fn rule_condition(rule: &str) -> &'static str {
    match rule {
        "same_name_father_birth" => {
            "p2.last_key = p1.last_key AND p2.first_key = p1.first_key AND p2.father_key = p1.father_key \
             AND p2.birth_date = p1.birth_date"
        }
        "same_phone" => "p2.phone = p1.phone AND p1.phone IS NOT NULL AND p2.household_id <> p1.household_id",
        _ => "p2.sheba = p1.sheba AND p1.sheba IS NOT NULL",
    }
}

impl Store {
    /// Finds likely duplicates among the persons of the actor's subtree and records
    /// the new ones as open candidates. Returns how many were new.
    pub async fn detect_duplicates(&self, actor: &Actor) -> Result<u64> {
        require(actor, Action::Registry(RegistryAction::Edit))?;
        let pattern = actor.unit_path.subtree_pattern();
        let found = self.write(async |tx| {
            let mut found: Vec<(i64, i64, i64, String)> = Vec::new();
            for rule in RULES {
                let sql = format!(
                    "INSERT INTO duplicate_candidates (person_a, person_b, rule, province_id, unit_id, status, found_at) \
                     SELECT p1.id, p2.id, $1, p1.province_id, p1.unit_id, 'open', $2 \
                     FROM persons p1 JOIN persons p2 ON {} AND p2.id > p1.id \
                     WHERE p1.merged_into IS NULL AND p2.merged_into IS NULL \
                     AND p1.unit_id IN (SELECT id FROM org_units WHERE path LIKE $3) \
                     AND p2.unit_id IN (SELECT id FROM org_units WHERE path LIKE $3) \
                     ON CONFLICT (person_a, person_b, rule) DO NOTHING RETURNING id, person_a, person_b, rule",
                    rule_condition(rule)
                );
                let rows: Vec<(i64, i64, i64, String)> = on_tx!(tx, |c| sqlx::query_as(&sql)
                    .bind(rule)
                    .bind(self.now())
                    .bind(&pattern)
                    .fetch_all(c)
                    .await)?;
                found.extend(rows);
            }
            // The entry names each pair found, so the log says which, not how many.
            let pairs: Vec<_> = found
                .iter()
                .map(|(id, a, b, rule)| json!({ "candidate": id, "persons": [a, b], "rule": rule }))
                .collect();
            tx.audit(
                Some(actor),
                AuditEvent::new("duplicates.detect", "duplicate_candidates", actor.unit_id)
                    .after(json!({ "found": pairs })),
            )
            .await?;
            Ok(found.len() as u64)
        })
        .await?;
        Ok(found)
    }

    /// Candidates with a status in the actor's subtree, newest first: a pair is
    /// listed only where both its persons, where they are now, are in scope. Open
    /// and proposed ones whose persons were merged since are left out.
    pub async fn duplicate_candidates(
        &self,
        actor: &Actor,
        status: CandidateStatus,
        limit: i64,
    ) -> Result<Vec<Candidate>> {
        require(actor, Action::Open(Module::Registry))?;
        let sql = format!(
            "{CANDIDATE_SELECT} WHERE d.status = $1 AND a.unit_id IN (SELECT id FROM org_units WHERE path LIKE $2) \
             AND b.unit_id IN (SELECT id FROM org_units WHERE path LIKE $2) \
             AND ($1 NOT IN ('open', 'merge_proposed') OR (a.merged_into IS NULL AND b.merged_into IS NULL)) \
             ORDER BY d.id DESC LIMIT $3"
        );
        let rows = on_pool!(self, |c| sqlx::query_as(&sql)
            .bind(status.code())
            .bind(actor.unit_path.subtree_pattern())
            .bind(limit.clamp(1, 500))
            .fetch_all(c)
            .await)?;
        Ok(rows)
    }

    /// One candidate; `NotFound` unless both persons are in the actor's subtree.
    pub async fn duplicate_candidate(&self, actor: &Actor, id: i64) -> Result<Candidate> {
        let sql = format!("{CANDIDATE_SELECT} WHERE d.id = $1");
        let candidate: Candidate = on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
        for person in [candidate.a_id, candidate.b_id] {
            let path: String = on_pool!(self, |c| sqlx::query_scalar(
                "SELECT o.path FROM persons s JOIN org_units o ON o.id = s.unit_id WHERE s.id = $1"
            )
            .bind(person)
            .fetch_one(c)
            .await)?;
            let path = UnitPath::parse(&path).ok_or_else(|| StoreError::Corrupt(format!("unit path {path:?}")))?;
            authorize(actor, Action::Open(Module::Registry), &path)?;
        }
        Ok(candidate)
    }

    /// Proposes merging a candidate pair into `survivor` (one of the two). The
    /// merge happens when another person approves it ([`Store::approve_merge`]).
    pub async fn propose_merge(&self, actor: &Actor, id: i64, survivor: i64, reason: &str) -> Result<()> {
        let candidate = self.decidable(actor, id, reason, CandidateStatus::Proposed).await?;
        if survivor != candidate.a_id && survivor != candidate.b_id {
            return Err(StoreError::Invalid(DomainError::new("survivor", Reason::NotInList)));
        }
        let now = self.now();
        self.write(async |tx| {
            let changed = on_tx!(tx, |c| {
                sqlx::query(
                "UPDATE duplicate_candidates SET status = 'merge_proposed', proposed_survivor = $1, proposed_by = $2, \
                 proposed_at = $3, proposal_reason = $4 WHERE id = $5 AND status = 'open'"
            )
            .bind(survivor)
            .bind(actor.user_id)
            .bind(now)
            .bind(reason.trim())
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            })?;
            if changed == 0 {
                return Err(StoreError::Conflict { field: "status".into() });
            }
            tx.audit(
                Some(actor),
                AuditEvent::new("duplicate.propose_merge", "duplicate_candidate", id)
                    .after(json!({ "survivor": survivor, "reason": reason.trim() })),
            )
            .await?;
            Ok(())
        })
        .await
    }

    /// Rejects a proposed merge (its proposer may withdraw it): the pair is open
    /// again.
    pub async fn reject_merge(&self, actor: &Actor, id: i64, reason: &str) -> Result<()> {
        self.decidable(actor, id, reason, CandidateStatus::Open).await?;
        self.write(async |tx| {
            let changed = on_tx!(tx, |c| sqlx::query(
                "UPDATE duplicate_candidates SET status = 'open', proposed_survivor = NULL, proposed_by = NULL, \
                 proposed_at = NULL, proposal_reason = NULL WHERE id = $1 AND status = 'merge_proposed'"
            )
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            if changed == 0 {
                return Err(StoreError::Conflict { field: "status".into() });
            }
            tx.audit(
                Some(actor),
                AuditEvent::new("duplicate.reject_merge", "duplicate_candidate", id)
                    .after(json!({ "reason": reason.trim() })),
            )
            .await?;
            Ok(())
        })
        .await
    }

    /// Approves a proposed merge, by someone other than its proposer: the survivor
    /// is kept, the other points at it and its disability assessments move to it
    /// (unless the survivor has the same assessment). Undone by
    /// [`Store::reopen_duplicate`].
    pub async fn approve_merge(&self, actor: &Actor, id: i64, reason: &str) -> Result<()> {
        let candidate = self.decidable(actor, id, reason, CandidateStatus::Merged).await?;
        let proposer: Option<i64> =
            on_pool!(self, |c| sqlx::query_scalar("SELECT proposed_by FROM duplicate_candidates WHERE id = $1")
                .bind(id)
                .fetch_one(c)
                .await)?;
        if proposer == Some(actor.user_id) {
            return Err(StoreError::Forbidden("approve a merge you proposed: another person approves it"));
        }
        let (survivor, merged) = match candidate.survivor {
            Some(s) if s == candidate.a_id => (s, candidate.b_id),
            Some(s) if s == candidate.b_id => (s, candidate.a_id),
            _ => return Err(StoreError::Corrupt(format!("candidate {id} is proposed without a survivor"))),
        };
        let now = self.now();
        self.write(async |tx| {
            supersede_by_id(tx, "person", merged).await?;
            // Only a record still standing merges, and only into one still standing:
            // checked in the write transaction (writers queue), so two merges of the
            // same pair, or crossing ones, cannot form a cycle.
            let changed = on_tx!(tx, |c| sqlx::query(
                "UPDATE persons SET merged_into = $1, version = version + 1, updated_at = $2, updated_by = $3, \
                 updated_unit_id = $4, change_reason = $5 WHERE id = $6 AND merged_into IS NULL \
                 AND EXISTS (SELECT 1 FROM persons s WHERE s.id = $1 AND s.merged_into IS NULL)"
            )
            .bind(survivor)
            .bind(now)
            .bind(actor.user_id)
            .bind(actor.unit_id)
            .bind(reason.trim())
            .bind(merged)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            if changed == 0 {
                return Err(StoreError::Invalid(DomainError::breaks(
                    "survivor",
                    "one of the two has been merged already: decide on the record that stands",
                    "یکی از این دو پیش‌تر ادغام شده است: دربارهٔ پرونده‌ای که مانده تصمیم بگیرید",
                )));
            }
            let movable: Vec<i64> = on_tx!(tx, |c| {
                sqlx::query_scalar(
                "SELECT d.id FROM disabilities d WHERE d.person_id = $1 AND NOT EXISTS \
                 (SELECT 1 FROM disabilities s WHERE s.person_id = $2 AND s.kind = d.kind AND s.assessed_on = d.assessed_on)"
            )
            .bind(merged)
            .bind(survivor)
            .fetch_all(c)
            .await
            })?;
            for disability in &movable {
                move_disability(tx, *disability, survivor).await?;
            }
            on_tx!(tx, |c| sqlx::query(
                "INSERT INTO merges (candidate_id, survivor_id, merged_id, moved_disabilities, merged_by, merged_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)"
            )
            .bind(id)
            .bind(survivor)
            .bind(merged)
            .bind(json!(movable).to_string())
            .bind(actor.user_id)
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            decide(tx, actor, id, CandidateStatus::Merged, reason).await?;
            tx.audit(
                Some(actor),
                AuditEvent::new("person.merge", "person", merged).after(json!({
                    "into": survivor, "candidate": id, "moved_disabilities": movable, "reason": reason,
                    "proposed_by": proposer,
                })),
            )
            .await?;
            // The merged person's enrollments may now be duplicates; the survivor's
            // household took its assessments.
            announce(tx, actor, EventKind::PersonsMerged, merged, survivor, reason).await?;
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// Dismisses a candidate: the two are different persons.
    pub async fn dismiss_duplicate(&self, actor: &Actor, id: i64, reason: &str) -> Result<()> {
        self.decidable(actor, id, reason, CandidateStatus::Dismissed).await?;
        self.write(async |tx| {
            decide(tx, actor, id, CandidateStatus::Dismissed, reason).await?;
            tx.audit(
                Some(actor),
                AuditEvent::new("duplicate.dismiss", "duplicate_candidate", id).after(json!({ "reason": reason })),
            )
            .await?;
            Ok(())
        })
        .await
    }

    /// Undoes a decision: a merged person is separated again (its assessments move
    /// back) or a dismissal is withdrawn; the candidate is open again.
    pub async fn reopen_duplicate(&self, actor: &Actor, id: i64, reason: &str) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid(DomainError::new("reason", Reason::Empty)));
        }
        let candidate = self.duplicate_candidate(actor, id).await?;
        require(actor, Action::Registry(RegistryAction::Edit))?;
        if !candidate.status.may_become(CandidateStatus::Open) {
            return Err(StoreError::Invalid(DomainError::new("status", Reason::OutOfRange)));
        }
        let now = self.now();
        self.write(async |tx| {
            if candidate.status == CandidateStatus::Merged {
                let (merge_id, merged, survivor, moved): (i64, i64, i64, String) = on_tx!(tx, |c| {
                    sqlx::query_as(
                    "SELECT id, merged_id, survivor_id, moved_disabilities FROM merges WHERE candidate_id = $1 AND reverted_at IS NULL \
                     ORDER BY id DESC LIMIT 1"
                )
                .bind(id)
                .fetch_one(c)
                .await
                })?;
                let moved: Vec<i64> =
                    serde_json::from_str(&moved).map_err(|e| StoreError::Corrupt(format!("merge {merge_id}: {e}")))?;
                for disability in &moved {
                    move_disability(tx, *disability, merged).await?;
                }
                supersede_by_id(tx, "person", merged).await?;
                on_tx!(tx, |c| sqlx::query(
                    "UPDATE persons SET merged_into = NULL, version = version + 1, updated_at = $1, updated_by = $2, \
                     updated_unit_id = $3, change_reason = $4 WHERE id = $5"
                )
                .bind(now)
                .bind(actor.user_id)
                .bind(actor.unit_id)
                .bind(reason.trim())
                .bind(merged)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
                on_tx!(tx, |c| sqlx::query("UPDATE merges SET reverted_by = $1, reverted_at = $2 WHERE id = $3")
                    .bind(actor.user_id)
                    .bind(now)
                    .bind(merge_id)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?;
                tx.audit(
                    Some(actor),
                    AuditEvent::new("person.unmerge", "person", merged)
                        .after(json!({ "candidate": id, "moved_back": moved, "reason": reason })),
                )
                .await?;
                // The person stands again, with the assessments taken back from the
                // survivor's household.
                announce(tx, actor, EventKind::PersonChanged, merged, survivor, reason).await?;
            } else {
                tx.audit(
                    Some(actor),
                    AuditEvent::new("duplicate.reopen", "duplicate_candidate", id).after(json!({ "reason": reason })),
                )
                .await?;
            }
            on_tx!(tx, |c| {
                sqlx::query(
                "UPDATE duplicate_candidates SET status = 'open', decided_by = NULL, decided_at = NULL, reason = NULL, \
                 proposed_survivor = NULL, proposed_by = NULL, proposed_at = NULL, proposal_reason = NULL WHERE id = $1"
            )
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            })?;
            Ok(())
        })
        .await
    }

    /// A candidate the actor may move to `to`, with a reason given.
    async fn decidable(&self, actor: &Actor, id: i64, reason: &str, to: CandidateStatus) -> Result<Candidate> {
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid(DomainError::new("reason", Reason::Empty)));
        }
        let candidate = self.duplicate_candidate(actor, id).await?;
        require(actor, Action::Registry(RegistryAction::Edit))?;
        if !candidate.status.may_become(to) {
            return Err(StoreError::Conflict { field: "status".into() });
        }
        Ok(candidate)
    }
}

async fn decide(tx: &mut WriteTx, actor: &Actor, id: i64, status: CandidateStatus, reason: &str) -> Result<()> {
    let now = tx.now();
    on_tx!(tx, |c| sqlx::query(
        "UPDATE duplicate_candidates SET status = $1, decided_by = $2, decided_at = $3, reason = $4 WHERE id = $5"
    )
    .bind(status.code())
    .bind(actor.user_id)
    .bind(now)
    .bind(reason.trim())
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Moves an assessment to another person, keeping its previous state.
async fn move_disability(tx: &mut WriteTx, id: i64, person: i64) -> Result<()> {
    supersede_by_id(tx, "disability", id).await?;
    on_tx!(tx, |c| sqlx::query(
        "UPDATE disabilities SET person_id = $1, version = version + 1, change_reason = 'merge' WHERE id = $2"
    )
    .bind(person)
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    crate::registry::seal::reseal(tx, "disabilities", &[id]).await
}

/// Emits a merge's or an unmerge's event about the merged person, naming the
/// survivor's household too: the assessments moved between the two.
async fn announce(
    tx: &mut WriteTx,
    actor: &Actor,
    kind: EventKind,
    merged: i64,
    survivor: i64,
    reason: &str,
) -> Result<()> {
    let household: i64 = on_tx!(tx, |c| sqlx::query_scalar("SELECT household_id FROM persons WHERE id = $1")
        .bind(survivor)
        .fetch_one(c)
        .await)?;
    tx.emit(Some(actor), &Event::about_persons(kind, vec![merged], reason).with_households(vec![household])).await
}
