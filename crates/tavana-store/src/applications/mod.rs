//! Applications and the waiting list (see the domain's `applications`).
//!
//! An application is taken for a person of the actor's subtree, reviewed by the
//! case worker it is assigned to and decided by a program officer. Approval is
//! a confirmation of that one person (`programs::confirm`): the program's terms
//! decide, the province's budget admits or the person waits, and the
//! application follows its enrollment in the same transaction
//! ([`follow_enrollments`], which every confirmation runs: a proposal's, an
//! allocation's). Rejection is a decision on the person's enrollment in the
//! program (not eligible), with reasons and a legal basis, appealable like
//! every other.

mod waiting;

pub use waiting::{WaitRow, Waiting, WaitingList};

use crate::access::{authorize, national_scope, require, unit_path};
use crate::db::{Store, WriteTx};
use crate::programs::{ConfirmRequest, Persons};
use crate::{Result, StoreError};
use sha2::{Digest, Sha256};
use tavana_domain::DomainError;
use tavana_domain::applications::{
    ApplicationAction, ApplicationState, DocumentKind, MediaType, PriorityWeights, check_document,
};
use tavana_domain::iam::{Action, Actor, Decision, decide};
use tavana_domain::programs::{EnrollmentState, ProgramStatus, Refusal};
use tavana_domain::text::{plain_text, required_text};

/// An application, with whom it is for and who handles it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Application {
    pub id: i64,
    pub program_id: i64,
    pub program_name_fa: String,
    pub person_id: i64,
    pub national_code: String,
    pub first_name: String,
    pub last_name: String,
    #[sqlx(try_from = "String")]
    pub state: ApplicationState,
    pub assigned_to: Option<i64>,
    pub assigned_name: Option<String>,
    pub submitted_by_name: String,
    pub submitted_at: i64,
    pub updated_at: i64,
    /// The decision that rejected it.
    pub decision_id: Option<i64>,
    /// Send it back when moving the application.
    pub version: i64,
    #[serde(skip)]
    pub unit_path: String,
}

const APPLICATION_SELECT: &str = "SELECT a.id, a.program_id, pr.name_fa AS program_name_fa, a.person_id, \
     s.national_code, s.first_name, s.last_name, a.state, a.assigned_to, au.display_name AS assigned_name, \
     su.display_name AS submitted_by_name, a.submitted_at, a.updated_at, a.decision_id, a.version, u.path AS unit_path \
     FROM applications a JOIN programs pr ON pr.id = a.program_id JOIN persons s ON s.id = a.person_id \
     JOIN org_units u ON u.id = a.unit_id JOIN users su ON su.id = a.submitted_by \
     LEFT JOIN users au ON au.id = a.assigned_to";

/// A move or note in an application's history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationEvent {
    pub from_state: Option<String>,
    pub to_state: String,
    pub note: Option<String>,
    pub by_name: String,
    pub at: i64,
}

/// A document attached to an application (its content is read apart).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationDocument {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: DocumentKind,
    pub file_name: String,
    #[sqlx(try_from = "String")]
    pub media_type: MediaType,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by_name: String,
    pub uploaded_at: i64,
}

/// An application's file: the application, its history, its documents against
/// the program's checklist, and the program's rule explained for the person.
#[derive(Debug, Clone)]
pub struct ApplicationFile {
    pub application: Application,
    pub events: Vec<ApplicationEvent>,
    pub documents: Vec<ApplicationDocument>,
    /// The program's checklist, each with whether a document of that kind is attached.
    pub checklist: Vec<(DocumentKind, bool)>,
    pub explanation: crate::programs::Explanation,
}

impl ApplicationFile {
    /// The documents the checklist still misses.
    pub fn missing(&self) -> Vec<DocumentKind> {
        self.checklist.iter().filter(|(_, has)| !has).map(|(k, _)| *k).collect()
    }
}

/// A program's intake: its document checklist and priority weights.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Intake {
    pub documents: Vec<DocumentKind>,
    pub weights: PriorityWeights,
}

#[derive(sqlx::FromRow)]
struct IntakeRow {
    documents: String,
    severity: i64,
    household_size: i64,
    poverty: i64,
    female_headed: i64,
    elderly: i64,
}

impl IntakeRow {
    fn intake(self) -> Result<Intake> {
        let documents = self
            .documents
            .split(',')
            .filter(|c| !c.is_empty())
            .map(|c| DocumentKind::try_from(c.to_string()).map_err(StoreError::from))
            .collect::<Result<Vec<_>>>()?;
        let weights = PriorityWeights {
            severity: self.severity,
            household_size: self.household_size,
            poverty: self.poverty,
            female_headed: self.female_headed,
            elderly: self.elderly,
        };
        Ok(Intake { documents, weights })
    }
}

fn breaks(field: &'static str, en: &str, fa: &str) -> StoreError {
    StoreError::Invalid(DomainError::breaks(field, en, fa))
}

fn state_refused(from: ApplicationState, to: ApplicationState) -> StoreError {
    breaks(
        "state",
        &format!("an application {} cannot become {}", from.code(), to.code()),
        &format!("درخواستی که «{}» است نمی‌تواند «{}» شود", from.label_fa(), to.label_fa()),
    )
}

impl Store {
    /// A program's intake (no row: no documents required, all weights zero).
    pub async fn intake(&self, actor: &Actor, program_id: i64) -> Result<Intake> {
        self.program(actor, program_id).await?;
        self.intake_of(program_id).await
    }

    async fn intake_of(&self, program_id: i64) -> Result<Intake> {
        let row: Option<IntakeRow> = on_pool!(self, |c| sqlx::query_as(
            "SELECT documents, severity, household_size, poverty, female_headed, elderly FROM program_intake \
             WHERE program_id = $1"
        )
        .bind(program_id)
        .fetch_optional(c)
        .await)?;
        row.map_or(Ok(Intake::default()), IntakeRow::intake)
    }

    /// The priority weights a confirmation orders its queue by.
    pub(crate) async fn priority_weights(&self, program_id: i64) -> Result<PriorityWeights> {
        Ok(self.intake_of(program_id).await?.weights)
    }

    /// Sets a program's intake (program officers at HQ), in the audit with the
    /// values before and after.
    pub async fn set_intake(&self, actor: &Actor, program_id: i64, intake: &Intake) -> Result<()> {
        require(actor, Action::Applications(ApplicationAction::Decide))?;
        national_scope(actor, "change a national program")?;
        self.program(actor, program_id).await?;
        let before = self.intake_of(program_id).await?;
        // In the checklist's order (the kinds' declared order), each once.
        let mut kinds = intake.documents.clone();
        kinds.sort_unstable();
        kinds.dedup();
        let documents: Vec<&str> = kinds.iter().map(|d| d.code()).collect();
        let w = intake.weights;
        self.write(async |tx| {
            let now = tx.now();
            on_tx!(tx, |c| sqlx::query(
                "INSERT INTO program_intake (program_id, documents, severity, household_size, poverty, female_headed, \
                 elderly, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (program_id) DO UPDATE SET documents = excluded.documents, severity = excluded.severity, \
                 household_size = excluded.household_size, poverty = excluded.poverty, \
                 female_headed = excluded.female_headed, elderly = excluded.elderly, updated_at = excluded.updated_at, \
                 updated_by = excluded.updated_by"
            )
            .bind(program_id)
            .bind(documents.join(","))
            .bind(w.severity)
            .bind(w.household_size)
            .bind(w.poverty)
            .bind(w.female_headed)
            .bind(w.elderly)
            .bind(now)
            .bind(actor.user_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("program.intake", "program", program_id)
                    .before(serde_json::json!(before))
                    .after(serde_json::json!({ "documents": documents, "weights": w })),
            )
            .await
        })
        .await
    }

    /// Takes a person's application to an active program, with a note: for a
    /// person of the actor's subtree not already enrolled in it or waiting, and
    /// with no other application to it open.
    pub async fn submit_application(&self, actor: &Actor, program_id: i64, person_id: i64, note: &str) -> Result<i64> {
        require(actor, Action::Applications(ApplicationAction::Take))?;
        let note = note.trim();
        if !note.is_empty() {
            plain_text("note", note)?;
        }
        let program =
            self.program(actor, program_id).await.map_err(crate::access::out_of_scope_is_invalid("program"))?;
        if program.status != ProgramStatus::Active {
            return Err(breaks("program", "the program is not active", "برنامه فعال نیست"));
        }
        let person = self.person_unlogged(actor, person_id).await?;
        authorize(actor, Action::Applications(ApplicationAction::Take), &unit_path(&person.unit_path)?)?;
        if person.merged_into.is_some() {
            return Err(breaks("person", "merged into another record", "این پرونده در پروندهٔ دیگری ادغام شده است"));
        }
        let in_force = [EnrollmentState::Enrolled, EnrollmentState::Paused, EnrollmentState::Draft];
        self.write(async |tx| {
            let state: Option<String> = on_tx!(tx, |c| sqlx::query_scalar(
                "SELECT state FROM enrollments WHERE program_id = $1 AND person_id = $2"
            )
            .bind(program_id)
            .bind(person_id)
            .fetch_optional(c)
            .await)?;
            if let Some(state) = state.map(EnrollmentState::try_from).transpose()?
                && in_force.contains(&state)
            {
                return Err(breaks(
                    "person",
                    &format!("already in the program ({})", state.code()),
                    &format!("پیش‌تر در این برنامه است ({})", state.label_fa()),
                ));
            }
            let open: Option<i64> = on_tx!(tx, |c| sqlx::query_scalar(&format!(
                "SELECT id FROM applications WHERE program_id = $1 AND person_id = $2 AND state IN ({})",
                open_states()
            ))
            .bind(program_id)
            .bind(person_id)
            .fetch_optional(c)
            .await)?;
            if let Some(open) = open {
                return Err(breaks(
                    "person",
                    &format!("application {open} to this program is open already"),
                    &format!("درخواست {} او برای این برنامه هنوز باز است", tavana_domain::text::to_persian_digits(&open.to_string())),
                ));
            }
            let now = tx.now();
            let id: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                "INSERT INTO applications (program_id, person_id, province_id, unit_id, state, submitted_by, submitted_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id"
            )
            .bind(program_id)
            .bind(person_id)
            .bind(person.values.province_id)
            .bind(person.values.unit_id)
            .bind(ApplicationState::Submitted.code())
            .bind(actor.user_id)
            .bind(now)
            .fetch_one(c)
            .await)?;
            history(tx, actor, id, None, ApplicationState::Submitted, Some(note).filter(|n| !n.is_empty())).await?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("application.submit", "application", id).after(serde_json::json!({
                    "program": program_id, "person": person_id, "note": note,
                })),
            )
            .await?;
            Ok(id)
        })
        .await
    }

    /// An application of the actor's subtree, as the store checks moves on it.
    async fn application_row(&self, actor: &Actor, id: i64) -> Result<Application> {
        let sql = format!("{APPLICATION_SELECT} WHERE a.id = $1");
        let row: Application = on_pool!(self, |c| sqlx::query_as(&sql).bind(id).fetch_one(c).await)?;
        authorize(actor, Action::Applications(ApplicationAction::Take), &unit_path(&row.unit_path)?)?;
        Ok(row)
    }

    /// Attaches a document to an open application: its type found from its
    /// content (PDF, JPEG or PNG), at most 5 MB, kept with its SHA-256.
    pub async fn attach_document(
        &self,
        actor: &Actor,
        id: i64,
        kind: DocumentKind,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<ApplicationDocument> {
        let app = self.application_row(actor, id).await?;
        authorize(actor, Action::Applications(ApplicationAction::Take), &unit_path(&app.unit_path)?)?;
        if !app.state.is_open() {
            return Err(breaks("state", "the application is closed", "این درخواست بسته شده است"));
        }
        let media = check_document(bytes)?;
        let file_name = required_text("file", file_name.rsplit(['/', '\\']).next().unwrap_or(file_name))?;
        let file_name: String = file_name.chars().take(200).collect();
        let sha = crate::payments::hex(&Sha256::digest(bytes));
        let size = i64::try_from(bytes.len()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let doc = self
            .write(async |tx| {
                let now = tx.now();
                let doc: i64 = on_tx!(tx, |c| sqlx::query_scalar(
                    "INSERT INTO application_documents (application_id, kind, file_name, media_type, size_bytes, sha256, \
                     content, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
                )
                .bind(id)
                .bind(kind.code())
                .bind(&file_name)
                .bind(media.code())
                .bind(size)
                .bind(&sha)
                .bind(bytes)
                .bind(actor.user_id)
                .bind(now)
                .fetch_one(c)
                .await)?;
                tx.audit(
                    Some(actor),
                    crate::audit::AuditEvent::new("application.document", "application", id).after(serde_json::json!({
                        "document": doc, "kind": kind.code(), "file_name": file_name, "media_type": media.code(),
                        "size_bytes": size, "sha256": sha,
                    })),
                )
                .await?;
                Ok(doc)
            })
            .await?;
        let documents = self.documents_of(id).await?;
        documents.into_iter().find(|d| d.id == doc).ok_or(StoreError::NotFound)
    }

    async fn documents_of(&self, id: i64) -> Result<Vec<ApplicationDocument>> {
        let rows = on_pool!(self, |c| {
            sqlx::query_as(
            "SELECT d.id, d.kind, d.file_name, d.media_type, d.size_bytes, d.sha256, u.display_name AS uploaded_by_name, \
             d.uploaded_at FROM application_documents d JOIN users u ON u.id = d.uploaded_by \
             WHERE d.application_id = $1 ORDER BY d.id"
        )
        .bind(id)
        .fetch_all(c)
        .await
        })?;
        Ok(rows)
    }

    /// A document's content, for download (a logged read).
    pub async fn application_document(
        &self,
        actor: &Actor,
        id: i64,
        document: i64,
    ) -> Result<(ApplicationDocument, Vec<u8>)> {
        self.application_row(actor, id).await?;
        let meta = self.documents_of(id).await?.into_iter().find(|d| d.id == document).ok_or(StoreError::NotFound)?;
        let content: Vec<u8> = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT content FROM application_documents WHERE id = $1 AND application_id = $2"
        )
        .bind(document)
        .bind(id)
        .fetch_one(c)
        .await)?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Applications,
            "application",
            &id.to_string(),
            serde_json::json!({ "document": document, "sha256": meta.sha256 }),
        )
        .await?;
        Ok((meta, content))
    }

    /// Assigns an application to a case worker (or officer) who may take
    /// applications of its unit; a submitted one goes under review.
    pub async fn assign_application(&self, actor: &Actor, id: i64, user_id: i64, version: i64) -> Result<()> {
        let app = self.application_row(actor, id).await?;
        let unit = unit_path(&app.unit_path)?;
        authorize(actor, Action::Applications(ApplicationAction::Take), &unit)?;
        let assignee = self.actor_for_user(user_id).await.map_err(crate::access::out_of_scope_is_invalid("user"))?;
        if decide(&assignee, Action::Applications(ApplicationAction::Take), &unit) != Decision::Allow {
            return Err(breaks(
                "user",
                "does not take applications of this unit",
                "این کاربر درخواست‌های این واحد را بررسی نمی‌کند",
            ));
        }
        let to = match app.state {
            ApplicationState::Submitted => ApplicationState::UnderReview,
            s if s.is_open() => s,
            s => return Err(state_refused(s, ApplicationState::UnderReview)),
        };
        self.write(async |tx| {
            move_application(tx, &app, version, to).await?;
            on_tx!(tx, |c| sqlx::query("UPDATE applications SET assigned_to = $1 WHERE id = $2")
                .bind(user_id)
                .bind(id)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            let note = format!("assigned to {}", assignee.username);
            history(tx, actor, id, Some(app.state), to, Some(&note)).await?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("application.assign", "application", id)
                    .before(serde_json::json!({ "state": app.state.code(), "assigned_to": app.assigned_to }))
                    .after(serde_json::json!({ "state": to.code(), "assigned_to": user_id })),
            )
            .await
        })
        .await
    }

    /// Adds a note to an application's history.
    pub async fn note_application(&self, actor: &Actor, id: i64, note: &str) -> Result<()> {
        let app = self.application_row(actor, id).await?;
        authorize(actor, Action::Applications(ApplicationAction::Take), &unit_path(&app.unit_path)?)?;
        let note = required_text("note", note)?;
        self.write(async |tx| {
            history(tx, actor, id, Some(app.state), app.state, Some(note)).await?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("application.note", "application", id)
                    .after(serde_json::json!({ "note": note })),
            )
            .await
        })
        .await
    }

    /// Approves an application under review whose checklist is complete, as a
    /// confirmation of the person (see the module): the program's terms decide
    /// in the same transaction, and the application ends enrolled or waiting.
    /// A person the terms refuse is not approved: the refusal is returned on
    /// `rule` and nothing changes (reject the application instead).
    pub async fn approve_application(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        reasons: &str,
        legal_basis: &str,
    ) -> Result<ApplicationState> {
        let app = self.application_row(actor, id).await?;
        authorize(actor, Action::Applications(ApplicationAction::Decide), &unit_path(&app.unit_path)?)?;
        if !app.state.may_become(ApplicationState::Approved) {
            return Err(state_refused(app.state, ApplicationState::Approved));
        }
        let intake = self.intake_of(app.program_id).await?;
        let have: Vec<DocumentKind> = self.documents_of(id).await?.iter().map(|d| d.kind).collect();
        let missing: Vec<DocumentKind> = intake.documents.iter().copied().filter(|k| !have.contains(k)).collect();
        if !missing.is_empty() {
            let en: Vec<&str> = missing.iter().map(|k| k.code()).collect();
            let fa: Vec<&str> = missing.iter().map(|k| k.label_fa()).collect();
            return Err(breaks(
                "documents",
                &format!("missing: {}", en.join(", ")),
                &format!("این مدارک پیوست نشده است: {}", fa.join("، ")),
            ));
        }
        let persons = [app.person_id];
        let request =
            ConfirmRequest { persons: Persons::Listed(&persons), reasons, legal_basis, as_of: self.default_as_of()? };
        let prepared = self.prepare_confirmation(actor, app.program_id, &request).await?;
        self.write(async |tx| {
            move_application(tx, &app, version, ApplicationState::Approved).await?;
            history(tx, actor, id, Some(app.state), ApplicationState::Approved, Some(reasons.trim())).await?;
            let decided = prepared.write(tx, actor).await?;
            let person = decided.iter().find(|d| d.person_id == app.person_id);
            if let Some(why) = person.and_then(|d| d.refusal.clone()) {
                let why = Refusal::try_from(why)?;
                if why != Refusal::OverBudget {
                    return Err(breaks("rule", why.label_en(), why.label_fa()));
                }
            }
            let state: String = on_tx!(tx, |c| sqlx::query_scalar("SELECT state FROM applications WHERE id = $1")
                .bind(id)
                .fetch_one(c)
                .await)?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("application.approve", "application", id)
                    .before(serde_json::json!({ "state": app.state.code() }))
                    .after(serde_json::json!({ "state": state, "reasons": reasons.trim(), "legal_basis": legal_basis.trim() })),
            )
            .await?;
            Ok(ApplicationState::try_from(state)?)
        })
        .await
    }

    /// Rejects an application under review (or one waiting), with reasons and a
    /// legal basis: a decision that the person is not eligible for the program,
    /// appealable, named on the application.
    pub async fn reject_application(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        reasons: &str,
        legal_basis: &str,
    ) -> Result<i64> {
        let app = self.application_row(actor, id).await?;
        authorize(actor, Action::Applications(ApplicationAction::Decide), &unit_path(&app.unit_path)?)?;
        if !app.state.may_become(ApplicationState::Rejected) {
            return Err(state_refused(app.state, ApplicationState::Rejected));
        }
        let today = self.today();
        self.write(async |tx| {
            move_application(tx, &app, version, ApplicationState::Rejected).await?;
            let decision = crate::programs::record_refusal(
                tx,
                actor,
                (app.program_id, app.person_id),
                (reasons, legal_basis),
                today,
            )
            .await?;
            on_tx!(tx, |c| sqlx::query("UPDATE applications SET decision_id = $1 WHERE id = $2")
                .bind(decision)
                .bind(id)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
            history(tx, actor, id, Some(app.state), ApplicationState::Rejected, Some(reasons.trim())).await?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("application.reject", "application", id)
                    .before(serde_json::json!({ "state": app.state.code() }))
                    .after(serde_json::json!({ "state": ApplicationState::Rejected.code(), "decision": decision })),
            )
            .await?;
            Ok(decision)
        })
        .await
    }

    /// Withdraws an open application at the applicant's request, with the reason.
    pub async fn withdraw_application(&self, actor: &Actor, id: i64, version: i64, reason: &str) -> Result<()> {
        let app = self.application_row(actor, id).await?;
        authorize(actor, Action::Applications(ApplicationAction::Take), &unit_path(&app.unit_path)?)?;
        let reason = required_text("reason", reason)?;
        let today = self.today();
        if !app.state.may_become(ApplicationState::Withdrawn) {
            return Err(state_refused(app.state, ApplicationState::Withdrawn));
        }
        self.write(async |tx| {
            move_application(tx, &app, version, ApplicationState::Withdrawn).await?;
            if app.state == ApplicationState::Waitlisted {
                // No longer waiting: their place on the list ends by a decision.
                let current: crate::programs::Enrollment = on_tx!(tx, |c| sqlx::query_as(
                    "SELECT id, program_id, person_id, state, amount_rials, version FROM enrollments \
                     WHERE program_id = $1 AND person_id = $2"
                )
                .bind(app.program_id)
                .bind(app.person_id)
                .fetch_one(c)
                .await)?;
                if current.state == EnrollmentState::Draft {
                    let why = format!("{reason} (application {id} withdrawn)");
                    let basis = "انصراف متقاضی به درخواست خود او";
                    let to = crate::programs::EnrollmentDecision {
                        to: EnrollmentState::Exited,
                        reasons: &why,
                        legal_basis: basis,
                        exit_reason: None,
                    };
                    crate::programs::record_decision(tx, actor, &current, &to, today, None).await?;
                }
            }
            history(tx, actor, id, Some(app.state), ApplicationState::Withdrawn, Some(reason)).await?;
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("application.withdraw", "application", id)
                    .before(serde_json::json!({ "state": app.state.code() }))
                    .after(serde_json::json!({ "state": ApplicationState::Withdrawn.code(), "reason": reason })),
            )
            .await
        })
        .await
    }

    /// An application's file (one logged read: who applied for what, their
    /// documents, notes and the rule's explanation with their values).
    pub async fn application(&self, actor: &Actor, id: i64) -> Result<ApplicationFile> {
        let application = self.application_row(actor, id).await?;
        let events = on_pool!(self, |c| sqlx::query_as(
            "SELECT e.from_state, e.to_state, e.note, u.display_name AS by_name, e.at FROM application_events e \
             JOIN users u ON u.id = e.by_user WHERE e.application_id = $1 ORDER BY e.id"
        )
        .bind(id)
        .fetch_all(c)
        .await)?;
        let documents = self.documents_of(id).await?;
        let intake = self.intake_of(application.program_id).await?;
        let checklist = intake.documents.iter().map(|k| (*k, documents.iter().any(|d| d.kind == *k))).collect();
        let explanation = self
            .explanation_unlogged(actor, application.program_id, application.person_id, self.default_as_of()?)
            .await?;
        self.log_read(
            actor,
            crate::audit::Sensitive::Applications,
            "application",
            &id.to_string(),
            serde_json::json!({ "person": application.person_id, "program": application.program_id }),
        )
        .await?;
        Ok(ApplicationFile { application, events, documents, checklist, explanation })
    }

    /// Applications in the actor's subtree, newest first: in a state, of a
    /// program, assigned to the actor (a logged read naming them).
    pub async fn applications(
        &self,
        actor: &Actor,
        filter: &ApplicationFilter,
        limit: i64,
    ) -> Result<Vec<Application>> {
        require(actor, Action::Applications(ApplicationAction::Take))?;
        let mut sql = crate::sql::Sql::new(APPLICATION_SELECT);
        sql.push(" WHERE u.path LIKE ").bind_str(&actor.unit_path.subtree_pattern());
        if let Some(state) = filter.state {
            sql.push(" AND a.state = ").bind_str(state.code());
        }
        if let Some(program) = filter.program_id {
            sql.push(" AND a.program_id = ").bind_int(program);
        }
        if filter.mine {
            sql.push(" AND a.assigned_to = ").bind_int(actor.user_id);
        }
        if let Some(person) = filter.person_id {
            sql.push(" AND a.person_id = ").bind_int(person);
        }
        sql.push(" ORDER BY a.id DESC LIMIT ").bind_int(limit.clamp(1, 1000));
        let rows: Vec<Application> = on_pool!(self, |c| sql.builder().build_query_as().fetch_all(c).await)?;
        if !rows.is_empty() {
            let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
            self.log_read(
                actor,
                crate::audit::Sensitive::Applications,
                "application",
                &ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
                serde_json::json!({ "list": true }),
            )
            .await?;
        }
        Ok(rows)
    }

    /// Allocation: everyone waiting for a program in the actor's subtree is
    /// decided again, and admitted in queue order (priority, then time waited,
    /// then person) while their province's budget allows; their applications
    /// follow. Reasons and a legal basis are recorded on each decision.
    pub async fn allocate(
        &self,
        actor: &Actor,
        program_id: i64,
        reasons: &str,
        legal_basis: &str,
    ) -> Result<crate::programs::Confirmation> {
        require(actor, Action::Applications(ApplicationAction::Decide))?;
        let request = ConfirmRequest { persons: Persons::Waiting, reasons, legal_basis, as_of: self.default_as_of()? };
        self.confirm_enrollments(actor, program_id, &request).await
    }
}

/// Which applications a list shows.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub state: Option<ApplicationState>,
    pub program_id: Option<i64>,
    pub person_id: Option<i64>,
    /// Only those assigned to the actor.
    pub mine: bool,
}

fn open_states() -> String {
    ApplicationState::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| format!("'{}'", s.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Moves an application as read at `version` to `to`, refusing a move its
/// states do not allow or a change made meanwhile.
async fn move_application(tx: &mut WriteTx, app: &Application, version: i64, to: ApplicationState) -> Result<()> {
    if app.state != to && !app.state.may_become(to) {
        return Err(state_refused(app.state, to));
    }
    let now = tx.now();
    let changed = on_tx!(tx, |c| sqlx::query(
        "UPDATE applications SET state = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4"
    )
    .bind(to.code())
    .bind(now)
    .bind(app.id)
    .bind(version)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if changed == 0 {
        return Err(StoreError::Conflict { field: "version".into() });
    }
    Ok(())
}

/// Appends a move (or, with the same state, a note) to an application's history.
async fn history(
    tx: &mut WriteTx,
    actor: &Actor,
    id: i64,
    from: Option<ApplicationState>,
    to: ApplicationState,
    note: Option<&str>,
) -> Result<()> {
    let now = tx.now();
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO application_events (application_id, from_state, to_state, note, by_user, at) \
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(id)
    .bind(from.map(|s| s.code()))
    .bind(to.code())
    .bind(note)
    .bind(actor.user_id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Whose enrollments in a program just moved, for [`follow_enrollments`]: a
/// confirmation's decided set, or one enrollment moved by a decision.
pub(crate) enum Moved {
    /// `confirm_rows`, in the confirmation's transaction.
    Confirmed,
    /// One enrollment, by its id (as it stands after the move).
    Enrollment(i64),
}

impl Moved {
    /// The moved persons as `r (person_id, to_state)`.
    fn rows(&self) -> crate::sql::Sql {
        match self {
            Moved::Confirmed => crate::sql::Sql::new("(SELECT person_id, to_state FROM confirm_rows) r"),
            Moved::Enrollment(id) => {
                let mut sql =
                    crate::sql::Sql::new("(SELECT e.person_id, e.state AS to_state FROM enrollments e WHERE e.id = ");
                sql.bind_int(*id).push(") r");
                sql
            }
        }
    }
}

/// Moves the open applications to a program of the persons whose enrollments
/// moved as their enrollments did: to enrolled for those enrolled, to waiting
/// for those now waiting for budget, where the application's states allow;
/// each move in its history. Set-based, in the transaction of the move (every
/// confirmation's, every decision's), so an application never disagrees with
/// its enrollment. Returns the applications moved.
pub(crate) async fn follow_enrollments(
    tx: &mut WriteTx,
    actor: &Actor,
    program_id: i64,
    moved: Moved,
) -> Result<Vec<i64>> {
    use crate::sql::Sql;
    let may = |to: ApplicationState| {
        ApplicationState::ALL
            .iter()
            .filter(|s| s.may_become(to))
            .map(|s| format!("'{}'", s.code()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (enrolled, draft) = (EnrollmentState::Enrolled.code(), EnrollmentState::Draft.code());
    let (to_enrolled, to_waiting) = (ApplicationState::Enrolled.code(), ApplicationState::Waitlisted.code());
    let target = format!("CASE WHEN r.to_state = '{enrolled}' THEN '{to_enrolled}' ELSE '{to_waiting}' END");
    // FROM applications a JOIN <moved> ON … WHERE the move is one the states allow.
    let moving = |sql: &mut Sql| {
        sql.push(" FROM applications a JOIN ")
            .append(&moved.rows())
            .push(" ON r.person_id = a.person_id WHERE a.program_id = ")
            .bind_int(program_id)
            .push(&format!(
                " AND ((r.to_state = '{enrolled}' AND a.state IN ({})) OR (r.to_state = '{draft}' AND a.state IN ({})))",
                may(ApplicationState::Enrolled),
                may(ApplicationState::Waitlisted)
            ));
    };
    let now = tx.now();
    let mut history = Sql::new(&format!(
        "INSERT INTO application_events (application_id, from_state, to_state, note, by_user, at) \
         SELECT a.id, a.state, {target}, NULL, "
    ));
    history.bind_int(actor.user_id).push(", ").bind_int(now);
    moving(&mut history);
    on_tx!(tx, |c| history.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
    let mut update = Sql::new(&format!("UPDATE applications SET state = (SELECT {target} FROM "));
    update
        .append(&moved.rows())
        .push(" WHERE r.person_id = applications.person_id), updated_at = ")
        .bind_int(now)
        .push(", version = version + 1 WHERE id IN (SELECT a.id");
    moving(&mut update);
    update.push(") RETURNING id");
    let mut ids: Vec<i64> = on_tx!(tx, |c| update.builder().build_query_scalar().fetch_all(c).await)?;
    ids.sort_unstable();
    Ok(ids)
}
