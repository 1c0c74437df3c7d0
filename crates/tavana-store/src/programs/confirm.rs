//! Confirming enrollments, set-based: the program's compiled terms decide, in one
//! statement over the persons asked for (or everyone the proposal names), who is
//! enrolled, who waits for budget and who is refused and why; two statements more
//! write the enrollments and their decision records from that set. Nothing is
//! decided person by person in Rust, so the whole pension confirms in one go.
//!
//! The decided set is a temporary table of the write transaction
//! (`confirm_rows`), so what the enrollments and the decisions are written from
//! is the same set, read once.

use super::eligibility::{AsOf, Members, column_of, expression, outcome, used_variables, variables};
use crate::access::require;
use crate::db::{Backend, Store};
use crate::sql::Sql;
use crate::{Result, StoreError};
use std::collections::HashSet;
use tavana_domain::applications::{ELDERLY_AGE, MAX_COUNTED, PriorityWeights};
use tavana_domain::error::Reason;
use tavana_domain::iam::{Action, Actor};
use tavana_domain::jalali::JalaliDate;
use tavana_domain::programs::rule::Type;
use tavana_domain::programs::variables::VARIABLES;
use tavana_domain::programs::{EnrollmentState, Outcome, ProgramAction, ProgramStatus, ProgramTarget, Refusal, Terms};

/// The most persons one listed confirmation takes (on every path: page, API); a
/// whole proposal has no such limit.
pub const MAX_CONFIRMED: usize = 10_000;

/// How many persons one audit entry of a confirmation names.
const NAMED_PER_ENTRY: usize = 10_000;

/// Whom a confirmation is for.
#[derive(Debug, Clone, Copy)]
pub enum Persons<'a> {
    /// Everyone the program's proposal names as of the day, in the actor's
    /// subtree: the eligible not enrolled.
    Proposed,
    /// These persons, each decided again (at most [`MAX_CONFIRMED`]).
    Listed(&'a [i64]),
    /// Everyone waiting for budget in the actor's subtree, each decided again:
    /// allocation, which admits them in priority order while budgets allow.
    Waiting,
}

/// What an officer confirms: the persons, why, under which legal basis, and the
/// day eligibility is decided as of (the first day the enrollment pays for).
#[derive(Debug, Clone, Copy)]
pub struct ConfirmRequest<'a> {
    pub persons: Persons<'a>,
    pub reasons: &'a str,
    pub legal_basis: &'a str,
    pub as_of: JalaliDate,
}

/// What a confirmation did: how many were enrolled, and every person who was not,
/// with the reason (those beyond their province's budget are recorded as waiting).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Confirmation {
    pub enrolled: u64,
    pub refused: Vec<(i64, Refusal)>,
}

/// One person of the decided set, as read back for the result and the audit.
#[derive(sqlx::FromRow)]
pub(crate) struct Decided {
    pub(crate) person_id: i64,
    from_state: Option<String>,
    pub(crate) to_state: Option<String>,
    pub(crate) refusal: Option<String>,
    amount_rials: Option<i64>,
    priority: i64,
}

impl Store {
    /// Enrolls persons an officer confirmed in an active program, each decided
    /// here and now by the program's terms in the database, with its monthly
    /// amount from the formula and a decision record (the state it came from,
    /// reasons, legal basis, who, when, appeal deadline thirty days on, the
    /// program's version and the values the terms read). A person enrolled
    /// before and since exited is reinstated: the state machine decides which
    /// moves are allowed. Each province's monthly budget admits the eligible in
    /// queue order (those already waiting first, in the order first confirmed,
    /// then by person), and the rest are recorded as waiting. Every person not
    /// enrolled is returned with the reason; the audit chain names every person
    /// with the state and amount given.
    pub async fn confirm_enrollments(
        &self,
        actor: &Actor,
        program_id: i64,
        request: &ConfirmRequest<'_>,
    ) -> Result<Confirmation> {
        let prepared = self.prepare_confirmation(actor, program_id, request).await?;
        let decided = self.write(async |tx| prepared.write(tx, actor).await).await?;
        prepared.summary(&decided)
    }

    /// Checks a confirmation and builds the statement deciding it, before its
    /// transaction: the actor's right, the reasons and legal basis, an active
    /// program, its terms and its priority weights.
    pub(crate) async fn prepare_confirmation<'a>(
        &self,
        actor: &Actor,
        program_id: i64,
        request: &ConfirmRequest<'a>,
    ) -> Result<Prepared<'a>> {
        let ConfirmRequest { persons, reasons, legal_basis, as_of } = *request;
        require(actor, Action::Programs(ProgramAction::Manage))?;
        if let Persons::Listed(listed) = persons
            && listed.len() > MAX_CONFIRMED
        {
            return Err(StoreError::Invalid(tavana_domain::DomainError::breaks(
                "persons",
                format!("at most {MAX_CONFIRMED} persons a confirmation; send the rest in another"),
                format!(
                    "حداکثر {} نفر در هر تأیید؛ بقیه را در تأیید دیگری بفرستید",
                    tavana_domain::text::to_persian_digits(&MAX_CONFIRMED.to_string())
                ),
            )));
        }
        let reasons = tavana_domain::text::required_text("reasons", reasons)?;
        let legal_basis = tavana_domain::text::required_text("legal_basis", legal_basis)?;
        self.apply_due_program_changes().await?;
        let program = self.program(actor, program_id).await?;
        if program.status != ProgramStatus::Active {
            return Err(StoreError::Invalid(tavana_domain::DomainError::new("status", Reason::OutOfRange)));
        }
        let terms = program.terms()?;
        let weights = self.priority_weights(program_id).await?;
        let at = self.as_of(as_of).await?;
        // Waiting is kept to the instant, so whoever began to wait first comes
        // first among equal priorities, even on the same day.
        let now = self.now();
        let decide = decided_set(self.backend(), (&program, &terms), actor, request, &at, (&weights, now))?;
        Ok(Prepared {
            program,
            persons,
            reasons,
            legal_basis,
            as_of,
            decide,
            now,
            appeal_until: tavana_domain::cases::appeal_deadline(self.today()).to_string(),
            effective: super::effective_month(self.today())?,
            backend: self.backend(),
        })
    }
}

/// A confirmation checked and decided as SQL, to be written in a transaction.
pub(crate) struct Prepared<'a> {
    program: super::Program,
    persons: Persons<'a>,
    reasons: &'a str,
    legal_basis: &'a str,
    as_of: JalaliDate,
    decide: Sql,
    /// The instant those beginning to wait began (microseconds, as stored).
    now: i64,
    appeal_until: String,
    effective: i64,
    backend: Backend,
}

impl Prepared<'_> {
    /// Decides the confirmation in the transaction and writes it: enrollments,
    /// their decisions, the open applications of the persons enrolled or now
    /// waiting (moved as their enrollment moved, each move in their history),
    /// and audit entries naming every person decided. Returns every person
    /// decided, by id.
    pub(crate) async fn write(&self, tx: &mut crate::db::WriteTx, actor: &Actor) -> Result<Vec<Decided>> {
        let Prepared { program, reasons, legal_basis, as_of, backend, .. } = self;
        let (program_id, household) = (program.id, program.target == ProgramTarget::Household);
        let (now, user) = (tx.now(), actor.user_id);
        // Dropped with the transaction's end on PostgreSQL, below on SQLite.
        let columns = "person_id BIGINT PRIMARY KEY, household_id BIGINT, province_id BIGINT NOT NULL, \
             unit_id BIGINT NOT NULL, from_state TEXT, to_state TEXT, refusal TEXT, amount_rials BIGINT, \
             inputs TEXT, priority BIGINT NOT NULL)";
        let create = match backend {
            Backend::Sqlite => format!("CREATE TEMP TABLE confirm_rows ({columns}"),
            Backend::Postgres => format!("CREATE TEMP TABLE confirm_rows ({columns} ON COMMIT DROP"),
        };
        on_tx!(tx, |c| sqlx::query(&create).execute(c).await.map(|r| r.rows_affected()))?;
        if let crate::db::TxInner::Postgres(t) = &mut tx.inner {
            // The rule over a whole population, for this transaction only.
            crate::bounded::analytical_settings(t, true).await?;
        }
        on_tx!(tx, |c| self.decide.builder().build().execute(c).await.map(|r| r.rows_affected()))?;
        // Waiting already and still waiting: only their priority is written;
        // everyone else decided is written.
        let draft = EnrollmentState::Draft.code();
        let written = format!(
            "r.to_state IS NOT NULL AND NOT (COALESCE(r.from_state, '') = '{draft}' AND r.to_state = '{draft}')"
        );
        let household_column = if household { "r.household_id" } else { "NULL" };
        let enroll = format!(
            "INSERT INTO enrollments (program_id, person_id, province_id, unit_id, state, amount_rials, version, \
             updated_at, updated_by, household_id, priority, waiting_since, place_id) SELECT $1, r.person_id, \
             r.province_id, r.unit_id, r.to_state, r.amount_rials, 1, $2, $3, {household_column}, \
             CASE WHEN r.to_state = '{draft}' THEN r.priority END, CASE WHEN r.to_state = '{draft}' THEN $4 END, \
             (SELECT h.place_id FROM persons s JOIN households h ON h.id = s.household_id WHERE s.id = r.person_id) \
             FROM confirm_rows r WHERE {written} \
             ON CONFLICT (program_id, person_id) DO UPDATE SET state = excluded.state, \
             amount_rials = excluded.amount_rials, version = enrollments.version + 1, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by, \
             household_id = excluded.household_id, priority = excluded.priority, place_id = excluded.place_id, \
             waiting_since = CASE WHEN excluded.state = '{draft}' THEN excluded.waiting_since END"
        );
        on_tx!(tx, |c| sqlx::query(&enroll)
            .bind(program_id)
            .bind(now)
            .bind(user)
            .bind(self.now)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        on_tx!(tx, |c| sqlx::query(&format!(
            "UPDATE enrollments SET priority = (SELECT r.priority FROM confirm_rows r \
             WHERE r.person_id = enrollments.person_id) WHERE program_id = $1 AND state = '{draft}' AND person_id IN \
             (SELECT r.person_id FROM confirm_rows r WHERE r.from_state = '{draft}' AND r.to_state = '{draft}')"
        ))
        .bind(program_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        // The decisions below are the ones after this id (their enrollments are
        // this transaction's to write until it ends).
        let watermark: i64 =
            on_tx!(tx, |c| sqlx::query_scalar("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM decisions")
                .fetch_one(c)
                .await)?;
        let record = format!(
            "INSERT INTO decisions (enrollment_id, program_id, person_id, province_id, from_state, to_state, \
             reasons, legal_basis, decided_by, decided_at, appeal_until, program_version, inputs, amount_rials, \
             effective_month) \
             SELECT e.id, e.program_id, r.person_id, r.province_id, r.from_state, r.to_state, $2, $3, $4, $5, \
             $6, $7, r.inputs, r.amount_rials, $8 FROM confirm_rows r JOIN enrollments e ON e.program_id = $1 \
             AND e.person_id = r.person_id WHERE {written}"
        );
        on_tx!(tx, |c| sqlx::query(&record)
            .bind(program_id)
            .bind(*reasons)
            .bind(*legal_basis)
            .bind(user)
            .bind(now)
            .bind(&self.appeal_until)
            .bind(program.version)
            .bind(self.effective)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        let mut these = Sql::new("d.id > ");
        these
            .bind_int(watermark)
            .push(" AND d.program_id = ")
            .bind_int(program_id)
            .push(&format!(" AND d.person_id IN (SELECT r.person_id FROM confirm_rows r WHERE {written})"));
        tx.tally_decisions(&these).await?;
        let applications =
            crate::applications::follow_enrollments(tx, actor, program_id, crate::applications::Moved::Confirmed)
                .await?;
        let decided: Vec<Decided> = on_tx!(tx, |c| {
            sqlx::query_as(
            "SELECT person_id, from_state, to_state, refusal, amount_rials, priority FROM confirm_rows ORDER BY person_id"
        )
        .fetch_all(c)
        .await
        })?;
        if *backend == Backend::Sqlite {
            on_tx!(tx, |c| sqlx::query("DROP TABLE temp.confirm_rows").execute(c).await.map(|r| r.rows_affected()))?;
        }
        // The audit chain names every person decided, with the state and
        // amount given, in entries of at most NAMED_PER_ENTRY persons.
        let named: Vec<&Decided> = decided.iter().filter(|d| d.to_state.is_some()).collect();
        let parts = named.len().div_ceil(NAMED_PER_ENTRY).max(1);
        for (part, chunk) in named.chunks(NAMED_PER_ENTRY).chain(named.is_empty().then_some(&[][..])).enumerate() {
            let persons: Vec<serde_json::Value> = chunk
                .iter()
                .map(|d| serde_json::json!([d.person_id, d.from_state, d.to_state, d.amount_rials, d.priority]))
                .collect();
            let mut after = serde_json::json!({
                "program_version": program.version, "as_of": as_of.to_ascii(),
                "reasons": reasons, "legal_basis": legal_basis,
                "part": part + 1, "parts": parts,
                "columns": ["person", "from", "to", "amount_rials", "priority"], "persons": persons,
            });
            if part == 0 {
                after["applications"] = serde_json::json!(applications);
            }
            tx.audit(
                Some(actor),
                crate::audit::AuditEvent::new("enrollment.confirm", "program", program_id).after(after),
            )
            .await?;
        }
        Ok(decided)
    }

    /// What a confirmation did, from the persons it decided: how many were
    /// enrolled, and every person who was not, with the reason.
    pub(crate) fn summary(&self, decided: &[Decided]) -> Result<Confirmation> {
        let mut enrolled = 0;
        let mut refused = Vec::new();
        for d in decided {
            match (d.to_state.as_deref(), d.refusal.as_deref()) {
                (Some(to), _) if to == EnrollmentState::Enrolled.code() => enrolled += 1,
                (_, Some(why)) => refused.push((d.person_id, Refusal::try_from(why.to_string())?)),
                _ => return Err(StoreError::Corrupt(format!("person {} decided without a reason", d.person_id))),
            }
        }
        if let Persons::Listed(listed) = self.persons {
            let decided: HashSet<i64> = decided.iter().map(|d| d.person_id).collect();
            let mut unknown: Vec<i64> = listed.iter().copied().filter(|id| !decided.contains(id)).collect();
            unknown.sort_unstable();
            unknown.dedup();
            refused.extend(unknown.into_iter().map(|id| (id, Refusal::Unknown)));
            refused.sort_by_key(|(id, _)| *id);
        }
        Ok(Confirmation { enrolled, refused })
    }
}

/// The statement deciding a confirmation into `confirm_rows`: for each person
/// asked for (or proposed) in the actor's subtree, the outcome of the program's
/// terms, the state the enrollment moves from and to, or the refusal, the amount,
/// and the values the terms read (the decision's inputs, as JSON).
///
/// In order: the terms' outcome (`o`); the refusals that need no budget (`c`: not
/// eligible, needs information, a state that may not become enrolled, a household
/// enrolled already); one candidate per household (`k`); then each province's
/// budget against what its enrollments in force cost plus the running cost of
/// the candidates in queue order.
fn decided_set(
    backend: Backend,
    (program, terms): (&super::Program, &Terms),
    actor: &Actor,
    request: &ConfirmRequest<'_>,
    at: &AsOf,
    (weights, now): (&PriorityWeights, i64),
) -> Result<Sql> {
    let ConfirmRequest { persons, as_of, .. } = *request;
    let (target, program_id) = (program.target, program.id);
    let mut used = used_variables(&[&terms.rule, &terms.formula]);
    for (weight, name) in [
        (weights.severity, "disability.severity_rank"),
        (weights.household_size, "household.size"),
        (weights.poverty, "person.income_decile"),
        (weights.female_headed, "household.female_headed"),
    ] {
        if weight != 0 && !used.contains(&name) {
            used.push(name);
        }
    }
    let mut sql = Sql::new(
        "INSERT INTO confirm_rows (person_id, household_id, province_id, unit_id, from_state, to_state, refusal, \
         amount_rials, inputs, priority) ",
    );
    // A listed person the rule cannot hold for is refused as not eligible, so is
    // read; listed persons' values count their own households only, as every read
    // of a few persons' values does.
    let (deciding, members) = match persons {
        Persons::Proposed => (Some(target), Members::All),
        Persons::Listed(listed) => (None, Members::HouseholdsOf(listed.to_vec())),
        Persons::Waiting => (None, Members::All),
    };
    sql.append(&variables(&used, at, &actor.unit_path.subtree_pattern(), deciding, &members)?);
    sql.push(", o AS (SELECT v.id, ")
        .append(&outcome(terms)?)
        .push(" AS outcome, CAST(")
        .append(&expression(&terms.formula)?)
        .push(" AS BIGINT) AS amount, ")
        .append(&inputs_json(backend, &used, as_of)?)
        .push(" AS inputs, ")
        .append(&priority_score(weights))
        .push(" AS base FROM v");
    match persons {
        Persons::Listed(listed) => {
            sql.push(" WHERE v.id IN ").bind_ids(listed);
        }
        Persons::Waiting => {
            sql.push(&format!(
                " WHERE v.id IN (SELECT w.person_id FROM enrollments w WHERE w.state = '{}' AND w.program_id = ",
                EnrollmentState::Draft.code()
            ))
            .bind_int(program_id)
            .push(")");
        }
        Persons::Proposed => {}
    }
    let (eligible, needs) = (Outcome::Eligible.code(), Outcome::NeedsInformation.code());
    let enrolled = EnrollmentState::Enrolled.code();
    // The states an enrollment may not be confirmed from, from the state machine.
    let stuck: Vec<String> = EnrollmentState::ALL
        .iter()
        .filter(|s| !s.may_become(EnrollmentState::Enrolled))
        .map(|s| format!("'{}'", s.code()))
        .collect();
    sql.push(
        "), c AS (SELECT o.id, p.household_id, p.province_id, p.unit_id, e.id AS enrollment_id, e.state AS from_state, \
         e.waiting_since, o.amount, o.inputs, o.base + ",
    )
    .append(&elderly_score(weights, at))
    .push(&format!(
        " AS priority, CASE WHEN o.outcome = '{needs}' THEN '{}' WHEN o.outcome <> '{eligible}' THEN '{}' \
         WHEN e.state IN ({}) THEN '{}' ",
        Refusal::NeedsInformation.code(),
        Refusal::NotEligible.code(),
        stuck.join(", "),
        Refusal::AlreadyEnrolled.code(),
    ));
    let household = target == ProgramTarget::Household;
    if household {
        sql.push("WHEN EXISTS (SELECT 1 FROM enrollments h WHERE h.program_id = ").bind_int(program_id).push(&format!(
            " AND h.household_id = p.household_id AND h.state = '{enrolled}') THEN '{}' ",
            Refusal::HouseholdEnrolled.code()
        ));
    }
    sql.push("END AS refusal FROM o JOIN persons p ON p.id = o.id LEFT JOIN enrollments e ON e.program_id = ")
        .bind_int(program_id)
        .push(" AND e.person_id = o.id");
    if let Persons::Proposed = persons {
        sql.push(&format!(" WHERE o.outcome = '{eligible}' AND (e.state IS NULL OR e.state <> '{enrolled}')"));
    }
    // One candidate a household (a household program enrolls the household).
    sql.push("), k AS (SELECT c.*, ");
    if household {
        sql.push(&format!(
            "CASE WHEN c.refusal IS NULL AND ROW_NUMBER() OVER (PARTITION BY c.household_id, \
             CASE WHEN c.refusal IS NULL THEN 1 ELSE 0 END ORDER BY c.id) > 1 THEN '{}' ELSE c.refusal END",
            Refusal::HouseholdEnrolled.code()
        ));
    } else {
        sql.push("c.refusal");
    }
    // Queue order (the domain's `queue_order`): higher priority first, then who
    // has waited longest (those not waiting yet begin now), then by person.
    let draft = EnrollmentState::Draft.code();
    sql.push(&format!(" AS settled, CASE WHEN c.from_state = '{draft}' THEN COALESCE(c.waiting_since, "))
        .bind_int(now)
        .push(") ELSE ")
        .bind_int(now)
        .push(
            " END AS since FROM c), \
         b AS (SELECT k.*, CASE WHEN k.settled IS NOT NULL THEN NULL WHEN bud.budget_month IS NULL THEN 1 \
         WHEN COALESCE(sp.spent, 0) + SUM(k.amount) OVER (PARTITION BY k.province_id, \
         CASE WHEN k.settled IS NULL THEN 1 ELSE 0 END ORDER BY k.priority DESC, k.since, k.id \
         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) <= bud.budget_month THEN 1 ELSE 0 END AS funded FROM k \
         LEFT JOIN program_budgets bud ON bud.province_id = k.province_id AND bud.program_id = ",
        )
        .bind_int(program_id)
        .push(&format!(
            " LEFT JOIN (SELECT province_id, CAST(SUM(amount_rials) AS BIGINT) AS spent FROM enrollments \
         WHERE state = '{enrolled}' AND program_id = "
        ))
        .bind_int(program_id)
        .push(&format!(
            " GROUP BY province_id) sp ON sp.province_id = k.province_id) \
         SELECT id, household_id, province_id, unit_id, from_state, \
         CASE WHEN settled IS NOT NULL THEN NULL WHEN funded = 1 THEN '{enrolled}' ELSE '{draft}' END, \
         CASE WHEN settled IS NOT NULL THEN settled WHEN funded = 1 THEN NULL ELSE '{}' END, \
         amount, inputs, priority FROM b",
            Refusal::OverBudget.code()
        ));
    Ok(sql)
}

/// The part of an applicant's priority score read from `v` (the domain's
/// `PriorityWeights::score` but for the elderly), as SQL; 0 with no weights.
fn priority_score(w: &PriorityWeights) -> Sql {
    let mut parts = vec!["0".to_string()];
    let rank = column_of("disability.severity_rank");
    let size = column_of("household.size");
    let decile = column_of("person.income_decile");
    let female = column_of("household.female_headed");
    if w.severity != 0 {
        parts.push(format!(
            "{} * COALESCE(CASE WHEN {rank} > 4 THEN 4 WHEN {rank} < 0 THEN 0 ELSE {rank} END, 0)",
            w.severity
        ));
    }
    if w.household_size != 0 {
        parts.push(format!(
            "{} * COALESCE(CASE WHEN {size} > {MAX_COUNTED} THEN {MAX_COUNTED} WHEN {size} < 0 THEN 0 ELSE {size} END, 0)",
            w.household_size
        ));
    }
    if w.poverty != 0 {
        parts.push(format!("{} * COALESCE(CASE WHEN {decile} BETWEEN 1 AND 10 THEN 11 - {decile} END, 0)", w.poverty));
    }
    if w.female_headed != 0 {
        parts.push(format!("{} * (CASE WHEN {female} THEN 1 ELSE 0 END)", w.female_headed));
    }
    // Weights are whole numbers the domain checked (0 to 100), never input text.
    Sql::new(&format!("CAST({} AS BIGINT)", parts.join(" + ")))
}

/// The elderly part of the priority score over `p` (the applicant's row): the
/// weight times the living members of their household aged 65 or over on the
/// day (at most ten).
fn elderly_score(w: &PriorityWeights, at: &AsOf) -> Sql {
    if w.elderly == 0 {
        return Sql::new("0");
    }
    let mut sql = Sql::new(&format!(
        "{} * (SELECT CASE WHEN COUNT(*) > {MAX_COUNTED} THEN {MAX_COUNTED} ELSE COUNT(*) END FROM persons m \
         WHERE m.household_id = p.household_id AND m.merged_into IS NULL AND m.birth_date <= ",
        w.elderly
    ));
    sql.bind_str(at.born_by(ELDERLY_AGE))
        .push(" AND (m.deceased_on IS NULL OR m.deceased_on > ")
        .bind_str(at.iso())
        .push("))");
    sql
}

/// The values the terms read, as a JSON object text built in SQL (keys in order,
/// as the interpreter's record has them), with the day decided as of.
pub(crate) fn inputs_json(backend: Backend, used: &[&str], as_of: JalaliDate) -> Result<Sql> {
    let quote = |column: &str| match backend {
        Backend::Sqlite => format!("json_quote({column})"),
        Backend::Postgres => format!("CAST(to_json({column}) AS TEXT)"),
    };
    let mut names: Vec<&str> = used.to_vec();
    names.sort_unstable();
    let as_of = serde_json::to_string(&as_of.to_ascii()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut sql = Sql::new("(");
    sql.bind_str(&format!("{{\"as_of\":{as_of}"));
    for name in names {
        let variable = VARIABLES
            .iter()
            .find(|v| v.name == name)
            .ok_or_else(|| StoreError::Corrupt(format!("the rule names an unknown variable {name:?}")))?;
        let column = column_of(name);
        let value = match variable.ty {
            Type::Bool => format!("CASE WHEN {column} THEN 'true' WHEN NOT {column} THEN 'false' END"),
            _ => quote(&column),
        };
        // The key is a variable's name from the fixed list, never input.
        sql.push(&format!(" || ',\"{name}\":' || COALESCE({value}, 'null')"));
    }
    sql.push(" || '}')");
    Ok(sql)
}
