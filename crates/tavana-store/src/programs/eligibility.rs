//! Eligibility in SQL: the variables query (every rule variable of every person in
//! a scope, joining only what a rule reads) and a checked rule rendered as its
//! condition. Queries are assembled as [`Sql`], text and bound values in order, and
//! rendered for a backend by sqlx's `QueryBuilder`, which numbers the placeholders:
//! no placeholder number is agreed between two pieces of code, and no value ever
//! enters the SQL text.
//!
//! The rule's semantics match the interpreter's (`tavana_domain::programs::rule::
//! evaluate`): SQL's NULL is the missing value, `AND`/`OR` are three-valued in both,
//! a conditional with an unknown condition is unknown (`CASE WHEN c THEN a WHEN NOT
//! c THEN b END`), and division or remainder by zero is unknown (`NULLIF`), where
//! PostgreSQL would otherwise raise an error.

use crate::sql::Sql;
use crate::{Result, StoreError};
use tavana_domain::jalali::JalaliDate;
use tavana_domain::programs::rule::{BinaryOp, Expr, ExprKind, Type};
use tavana_domain::programs::variables::{MAX_AGE, MAX_INCOME, MAX_MEMBERS, VARIABLES};
use tavana_domain::programs::{Outcome, ProgramTarget, Terms};

/// What a variable's column needs joined in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Needs {
    /// The person's row alone.
    Person,
    /// The person's current assessments (`dis`).
    Assessment,
    /// Household aggregates (`hh`) without assessments.
    Household,
    /// Household aggregates counting assessments (`hh` joined with `dis`).
    HouseholdAssessments,
    /// Household aggregates summing incomes.
    HouseholdIncome,
    /// The household's place and its province and county.
    Place,
}

/// Where household aggregates come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Facts {
    /// The maintained `household_facts`, recounting only the households whose
    /// facts do not hold on the day.
    Maintained,
    /// A recount of every household (while the facts are being filled).
    Recount,
}

/// The date eligibility is computed as of, with what SQL needs of it: the day
/// itself and the birth dates that make each age in Jalali years; and where its
/// household aggregates come from.
pub(crate) struct AsOf {
    date: String,
    thresholds: Vec<String>,
    facts: Facts,
}

impl AsOf {
    pub(crate) fn new(day: JalaliDate, facts: Facts) -> AsOf {
        AsOf {
            date: day.to_gregorian().to_string(),
            thresholds: day.age_thresholds(MAX_AGE).iter().map(ToString::to_string).collect(),
            facts,
        }
    }

    /// The Gregorian day, ISO.
    pub(crate) fn iso(&self) -> &str {
        &self.date
    }

    /// The latest birth date (ISO) of someone aged `age` or over on the day.
    pub(crate) fn born_by(&self, age: usize) -> &str {
        &self.thresholds[age.min(self.thresholds.len() - 1)]
    }

    /// The age in whole Jalali years of a person born on `birth` (an ISO date
    /// column): the largest age whose threshold the birth date is on or before,
    /// found by a binary search written as nested CASEs (eight comparisons a row);
    /// unknown before the birth.
    fn age(&self, birth: &str) -> Sql {
        fn node(sql: &mut Sql, birth: &str, thresholds: &[String], lo: usize, hi: usize) {
            if lo == hi {
                sql.push(&lo.to_string());
                return;
            }
            let mid = (lo + hi).div_ceil(2);
            sql.push(&format!("CASE WHEN {birth} <= ")).bind_str(&thresholds[mid]).push(" THEN ");
            node(sql, birth, thresholds, mid, hi);
            sql.push(" ELSE ");
            node(sql, birth, thresholds, lo, mid - 1);
            sql.push(" END");
        }
        let max = self.thresholds.len() - 1;
        let mut sql = Sql::new(&format!("CASE WHEN {birth} > "));
        sql.bind_str(&self.thresholds[0]).push(" THEN NULL ELSE ");
        node(&mut sql, birth, &self.thresholds, 0, max);
        sql.push(" END");
        sql
    }

    /// Whether a person born on `birth` is 18 or over.
    fn adult(&self, birth: &str) -> Sql {
        let mut sql = Sql::new(&format!("{birth} <= "));
        sql.bind_str(&self.thresholds[18]);
        sql
    }
}

/// A value outside a variable's documented range reads as unknown, so the bounds
/// the rule checker relies on hold for whatever is stored.
fn within(column: &str, low: i64, high: i64) -> String {
    format!("CASE WHEN {column} BETWEEN {low} AND {high} THEN {column} END")
}

/// A variable's SQL in the variables query, and what it needs joined.
fn column(name: &str, at: &AsOf) -> Option<(Sql, Needs)> {
    use Needs::*;
    let text = |t: &str, needs| Some((Sql::new(t), needs));
    let members =
        |t: &str, needs| Some((Sql::new(&format!("CASE WHEN hh.members <= {MAX_MEMBERS} THEN {t} END")), needs));
    match name {
        "person.age" => Some((at.age("s.birth_date"), Person)),
        "person.sex" => text("s.sex", Person),
        "person.alive" => {
            let mut sql = Sql::new("(s.deceased_on IS NULL OR s.deceased_on > ");
            sql.bind_str(at.iso()).push(")");
            Some((sql, Person))
        }
        "person.marital_status" => text("s.marital_status", Person),
        "person.education" => text("s.education", Person),
        "person.employment" => text("s.employment", Person),
        "person.relationship" => text("s.relationship", Person),
        "person.income" => text(&within("s.income_rials", 0, MAX_INCOME), Person),
        "person.income_decile" => text(&within("s.income_decile", 1, 10), Person),
        "person.has_sheba" => text("(s.sheba IS NOT NULL)", Person),
        "household.size" => members("hh.members", Household),
        "household.members_with_disability" => members("hh.with_disability", HouseholdAssessments),
        "household.members_with_severe_disability" => members("hh.with_severe", HouseholdAssessments),
        "household.members_reassessment_due" => members("hh.reassessment_due", HouseholdAssessments),
        "household.female_headed" => text("(hh.female_headed = 1)", Household),
        "household.income" => members("CASE WHEN hh.missing_income = 0 THEN hh.income END", HouseholdIncome),
        "household.income_per_member" => {
            members("CASE WHEN hh.missing_income = 0 THEN hh.income / hh.members END", HouseholdIncome)
        }
        "disability.assessed" => text("(d.rank IS NOT NULL)", Assessment),
        "disability.severity" => text(
            "CASE WHEN d.person_id IS NULL THEN 'none' WHEN d.due = 0 THEN CASE d.rank WHEN 1 THEN 'mild' \
             WHEN 2 THEN 'moderate' WHEN 3 THEN 'severe' WHEN 4 THEN 'very_severe' END END",
            Assessment,
        ),
        "disability.severity_rank" => {
            text("CASE WHEN d.person_id IS NULL THEN 0 WHEN d.due = 0 THEN d.rank END", Assessment)
        }
        "disability.reassessment_due" => text("(COALESCE(d.due, 0) = 1)", Assessment),
        "disability.months_since_assessment" => {
            // Whole Gregorian months from the latest valid assessment to the day.
            let day = time::Date::parse(at.iso(), &time::format_description::well_known::Iso8601::DATE).ok()?;
            let months = |sql: &mut Sql| {
                sql.push("((")
                    .bind_int(i64::from(day.year()))
                    .push(" - CAST(substr(d.latest, 1, 4) AS INTEGER)) * 12 + ")
                    .bind_int(i64::from(u8::from(day.month())))
                    .push(" - CAST(substr(d.latest, 6, 2) AS INTEGER) - CASE WHEN ")
                    .bind_str(&format!("{:02}", day.day()))
                    .push(" < substr(d.latest, 9, 2) THEN 1 ELSE 0 END)");
            };
            let mut sql = Sql::new("CASE WHEN ");
            months(&mut sql);
            sql.push(&format!(" BETWEEN 0 AND {} THEN ", 12 * MAX_AGE));
            months(&mut sql);
            sql.push(" END");
            Some((sql, Assessment))
        }
        "place.province" => text("prov.code", Place),
        "place.county" => text("cty.code", Place),
        "place.rural" => text("(pl.kind = 'village')", Place),
        _ => None,
    }
}

/// The variables query for the given variables: `WITH … v AS (…)`, `v` holding
/// `id` and one column per variable for the persons whose unit path matches
/// `pattern`, as of a day, joining only what the variables need (a rule on age
/// and sex reads the persons table alone). With `deciding`, only the persons a
/// program's decision rule can hold for (the rest would be not eligible).
///
/// Assessments count as of the day: for each person and kind of disability the
/// latest assessment made by then (earlier ones are superseded); it is valid
/// unless its `valid_until` has passed, and an expired one makes a reassessment
/// due. Members are living on the day.
/// The variables `used` of the persons in the subtree `pattern`, as of a day, as
/// the query `v`. `members` says whose values are wanted: a read of a few persons
/// (`Members::HouseholdsOf` them) counts their assessments and households only,
/// recounted (the same SQL the maintained facts are counted by), instead of the
/// whole population's.
pub(crate) fn variables(
    used: &[&str],
    at: &AsOf,
    pattern: &str,
    deciding: Option<ProgramTarget>,
    members: &Members,
) -> Result<Sql> {
    let mut columns = Vec::new();
    for name in used {
        let variable = VARIABLES.iter().find(|v| v.name == *name);
        let (sql, needs) = column(name, at)
            .filter(|_| variable.is_some())
            .ok_or_else(|| StoreError::Corrupt(format!("the rule names an unknown variable {name:?}")))?;
        // Numbers are 64-bit on both backends (PostgreSQL would add two small
        // integers in 32 bits, and sum 64-bit ones into NUMERIC, whose division
        // does not truncate: aggregates are cast where they are made).
        let sql = match variable.map(|v| v.ty) {
            Some(Type::Int) => {
                let mut cast = Sql::new("CAST(");
                cast.append(&sql).push(" AS BIGINT)");
                cast
            }
            _ => sql,
        };
        columns.push((*name, sql, needs));
    }
    let needs = |n: Needs| columns.iter().any(|(_, _, need)| *need == n);
    let household = needs(Needs::HouseholdAssessments) || needs(Needs::HouseholdIncome) || needs(Needs::Household);
    let mut sql = Sql::new("WITH ");
    // The persons' current assessments: for every person when a column of the
    // person's own reads them (household aggregates count their own).
    if needs(Needs::Assessment) {
        sql.push("dis AS (").append(&assessments(at, members)).push("), ");
    }
    if household {
        sql.push("hh AS (");
        match (at.facts, members) {
            (_, Members::Of(_) | Members::HouseholdsOf(_)) | (Facts::Recount, _) => {
                sql.append(&household_aggregate(at, members, None));
            }
            (Facts::Maintained, _) => {
                // Recounted where the facts do not hold: within the unit asked for.
                let (among, recounted) = match members {
                    Members::Enrolled { program, province } => (
                        Some(members.on(at, "f")),
                        Members::EnrolledNotHolding { program: *program, province: *province },
                    ),
                    _ => (None, Members::NotHolding),
                };
                sql.push(&format!("SELECT {FACT_COLUMNS} FROM household_facts f WHERE "));
                if let Some(among) = among {
                    sql.append(&among).push(" AND ");
                }
                sql.append(&holds(at, "f")).push(" UNION ALL ").append(&household_aggregate(at, &recounted, None));
            }
        }
        sql.push("), ");
    }
    sql.push("v AS (SELECT s.id");
    for (name, column, _) in &columns {
        sql.push(", ").append(column).push(&format!(" AS {}", name.replace('.', "_")));
    }
    sql.push(" FROM persons s");
    if needs(Needs::Assessment) {
        sql.push(" LEFT JOIN dis d ON d.person_id = s.id");
    }
    if household {
        sql.push(" LEFT JOIN hh ON hh.household_id = s.household_id");
    }
    if needs(Needs::Place) {
        sql.push(
            " LEFT JOIN households h ON h.id = s.household_id LEFT JOIN places pl ON pl.id = h.place_id \
             LEFT JOIN places prov ON prov.id = pl.province_id LEFT JOIN places cty ON cty.id = pl.county_id",
        );
    }
    sql.push(" WHERE s.merged_into IS NULL AND s.unit_id IN (SELECT id FROM org_units WHERE path LIKE ")
        .bind_str(pattern)
        .push(")");
    if let Some(enrolled) = members.enrolled() {
        sql.push(" AND s.id IN ").append(&enrolled);
    }
    if let Some(target) = deciding {
        // Only those a program's decision rule can hold for (see `decision_rule`):
        // the living, and for a household program its heads. The rest are not
        // eligible whatever the terms, and the persons table is read no further.
        sql.push(" AND (s.deceased_on IS NULL OR s.deceased_on > ").bind_str(at.iso()).push(")");
        if target == ProgramTarget::Household {
            sql.push(&format!(" AND s.relationship = '{}'", tavana_domain::registry::Relationship::Head.code()));
        }
    }
    sql.push(") ");
    Ok(sql)
}

/// The household aggregates' columns, in the order every source gives them.
pub(crate) const FACT_COLUMNS: &str =
    "household_id, members, with_disability, with_severe, reassessment_due, female_headed, income, missing_income";

/// Which persons an aggregate counts (always the living and unmerged among them).
pub(crate) enum Members {
    All,
    /// The members of these households.
    Of(Vec<i64>),
    /// The members of these persons' households (a read of a few persons).
    HouseholdsOf(Vec<i64>),
    /// The members of households whose maintained facts do not hold on the day.
    NotHolding,
    /// The members of the households of those enrolled in force in a program in
    /// a province (its place id): one province's part of a payment cycle. Only
    /// the enrolled are read.
    Enrolled {
        program: i64,
        province: i64,
    },
    /// The members of the households of [`Members::Enrolled`] whose maintained
    /// facts do not hold on the day (usually none).
    EnrolledNotHolding {
        program: i64,
        province: i64,
    },
}

impl Members {
    /// For [`Members::Enrolled`], the enrolled persons as a parenthesized query
    /// of their ids: the only persons whose values are read.
    fn enrolled(&self) -> Option<Sql> {
        let (Members::Enrolled { program, province } | Members::EnrolledNotHolding { program, province }) = self else {
            return None;
        };
        let mut sql = Sql::new("(SELECT en.person_id FROM enrollments en WHERE en.program_id = ");
        sql.bind_int(*program)
            .push(" AND en.province_id = ")
            .bind_int(*province)
            .push(&format!(" AND en.state = '{}')", tavana_domain::programs::EnrollmentState::Enrolled.code()));
        Some(sql)
    }

    /// The condition on a person row `alias`.
    fn on(&self, at: &AsOf, alias: &str) -> Sql {
        let mut sql = Sql::default();
        match self {
            Members::All => {
                sql.push("(1 = 1)");
            }
            Members::Of(ids) => {
                sql.push(&format!("{alias}.household_id IN ")).bind_ids(ids);
            }
            Members::HouseholdsOf(ids) => {
                sql.push(&format!("{alias}.household_id IN (SELECT hp.household_id FROM persons hp WHERE hp.id IN "))
                    .bind_ids(ids)
                    .push(")");
            }
            Members::Enrolled { .. } => {
                sql.push(&format!("{alias}.household_id IN (SELECT ep.household_id FROM persons ep WHERE ep.id IN "))
                    .append(&self.enrolled().unwrap_or_default())
                    .push(")");
            }
            Members::EnrolledNotHolding { .. } => {
                // Each enrolled person's household facts looked up by its key, once
                // a household; only the households whose facts do not hold are read.
                sql.push(&format!("{alias}.household_id IN (SELECT ep.household_id FROM persons ep WHERE ep.id IN "))
                    .append(&self.enrolled().unwrap_or_default())
                    .push(" AND NOT EXISTS (SELECT 1 FROM household_facts nh WHERE nh.household_id = ep.household_id AND ")
                    .append(&holds(at, "nh"))
                    .push("))");
            }
            Members::NotHolding => {
                // The negation of `holds`, as two ranges each with its index.
                sql.push(&format!(
                    "{alias}.household_id IN (SELECT g.household_id FROM household_facts g WHERE g.changes_on <= "
                ))
                .bind_str(at.iso())
                .push(" UNION SELECT g.household_id FROM household_facts g WHERE g.since_on > ")
                .bind_str(at.iso())
                .push(")");
            }
        }
        sql
    }
}

/// Whether the maintained facts `alias` hold on the day: computed by then, and
/// nothing they count has changed since by the passing of days.
pub(crate) fn holds(at: &AsOf, alias: &str) -> Sql {
    let mut sql = Sql::new(&format!("({alias}.since_on <= "));
    sql.bind_str(at.iso())
        .push(&format!(" AND ({alias}.changes_on IS NULL OR {alias}.changes_on > "))
        .bind_str(at.iso())
        .push("))");
    sql
}

/// Each person's current assessments as of the day: for each kind the latest made
/// by then (earlier ones are superseded), valid unless its `valid_until` has
/// passed (an expired one makes a reassessment due). Per person: the highest
/// valid severity's rank, whether a reassessment is due, the latest valid
/// assessment's day, and the earliest day a valid one lapses.
pub(crate) fn assessments(at: &AsOf, members: &Members) -> Sql {
    let mut sql = Sql::new(
        "SELECT person_id, MAX(CASE WHEN valid = 1 THEN rank END) AS rank, MAX(1 - valid) AS due, \
         MAX(CASE WHEN valid = 1 THEN assessed_on END) AS latest, MIN(CASE WHEN valid = 1 THEN valid_until END) \
         AS lapses FROM (SELECT d.person_id, d.assessed_on, d.valid_until, CASE d.severity WHEN 'mild' THEN 1 \
         WHEN 'moderate' THEN 2 WHEN 'severe' THEN 3 WHEN 'very_severe' THEN 4 END AS rank, \
         CASE WHEN d.valid_until IS NULL OR d.valid_until >= ",
    );
    sql.bind_str(at.iso())
        .push(" THEN 1 ELSE 0 END AS valid FROM disabilities d WHERE d.assessed_on <= ")
        .bind_str(at.iso())
        .push(
            " AND NOT EXISTS (SELECT 1 FROM disabilities n WHERE n.person_id = d.person_id AND n.kind = d.kind \
             AND n.assessed_on > d.assessed_on AND n.assessed_on <= ",
        )
        .bind_str(at.iso())
        .push(")");
    if !matches!(members, Members::All) {
        sql.push(" AND d.person_id IN (SELECT r.id FROM persons r WHERE ").append(&members.on(at, "r")).push(")");
    }
    sql.push(") cur GROUP BY person_id");
    sql
}

/// The household aggregates as of the day over `members` ([`FACT_COLUMNS`]), and
/// with a backend given, `changes_on`: the first day the passing of days may
/// change them (a valid assessment lapsing, a member without income coming of
/// age, three days early as the Jalali and Gregorian birthdays differ; an
/// assessment or a death dated after the day).
pub(crate) fn household_aggregate(at: &AsOf, members: &Members, changes: Option<crate::Backend>) -> Sql {
    let income = format!("m.income_rials BETWEEN 0 AND {MAX_INCOME}");
    let mut sql = Sql::new(&format!(
        "SELECT m.household_id, CAST(COUNT(*) AS BIGINT) AS members, \
         CAST(SUM(CASE WHEN d.rank IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS with_disability, \
         CAST(SUM(CASE WHEN d.rank >= 3 THEN 1 ELSE 0 END) AS BIGINT) AS with_severe, \
         CAST(SUM(COALESCE(d.due, 0)) AS BIGINT) AS reassessment_due, \
         CAST(MAX(CASE WHEN m.relationship = 'head' AND m.sex = 'female' THEN 1 ELSE 0 END) AS BIGINT) AS female_headed, \
         CAST(SUM(CASE WHEN {income} THEN m.income_rials ELSE 0 END) AS BIGINT) AS income, \
         CAST(SUM(CASE WHEN (m.income_rials IS NULL OR NOT ({income})) AND "
    ));
    sql.append(&at.adult("m.birth_date")).push(" THEN 1 ELSE 0 END) AS BIGINT) AS missing_income");
    if let Some(backend) = changes {
        use crate::Backend;
        let (next_day, of_age) = match backend {
            Backend::Sqlite => ("date(MIN(d.lapses), '+1 day')", "date(m.birth_date, '+18 years', '-3 days')"),
            Backend::Postgres => (
                "to_char(CAST(MIN(d.lapses) AS date) + 1, 'YYYY-MM-DD')",
                "to_char(CAST(m.birth_date AS date) + interval '18 years' - interval '3 days', 'YYYY-MM-DD')",
            ),
        };
        let mut of_age_when = Sql::new(&format!("MIN(CASE WHEN (m.income_rials IS NULL OR NOT ({income})) AND NOT "));
        of_age_when.append(&at.adult("m.birth_date")).push(&format!(" THEN {of_age} END)"));
        let mut later_death = Sql::new("MIN(CASE WHEN m.deceased_on > ");
        later_death.bind_str(at.iso()).push(" THEN m.deceased_on END)");
        let candidates = [Sql::new(next_day), of_age_when, later_death, Sql::new("MIN(fa.next_on)")];
        sql.push(", ").append(&least(backend, &candidates)).push(" AS changes_on");
        // The first day they hold from: the latest day, by then, an assessment of
        // a member was made or lapsed, a member died, or one without income came
        // of age (three days late, as the Jalali and Gregorian birthdays differ).
        let (lapse_next, came_of_age) = match backend {
            Backend::Sqlite => ("date(MAX(pa.lapsed), '+1 day')", "date(m.birth_date, '+18 years', '+3 days')"),
            Backend::Postgres => (
                "to_char(CAST(MAX(pa.lapsed) AS date) + 1, 'YYYY-MM-DD')",
                "to_char(CAST(m.birth_date AS date) + interval '18 years' + interval '3 days', 'YYYY-MM-DD')",
            ),
        };
        let mut came = Sql::new(&format!("MAX(CASE WHEN (m.income_rials IS NULL OR NOT ({income})) AND "));
        came.append(&at.adult("m.birth_date")).push(&format!(" THEN {came_of_age} END)"));
        let events = [Sql::new("MAX(pa.made)"), Sql::new(lapse_next), Sql::new("MAX(dd.died)"), came];
        sql.push(", ").append(&greatest(backend, &events)).push(" AS since_on");
    }
    sql.push(" FROM persons m LEFT JOIN (").append(&assessments(at, members)).push(") d ON d.person_id = m.id");
    if changes.is_some() {
        // Assessments dated after the day, which would supersede a current one.
        sql.push(
            " LEFT JOIN (SELECT x.person_id, MIN(x.assessed_on) AS next_on FROM disabilities x WHERE x.assessed_on > ",
        )
        .bind_str(at.iso());
        if !matches!(members, Members::All) {
            sql.push(" AND x.person_id IN (SELECT r.id FROM persons r WHERE ").append(&members.on(at, "r")).push(")");
        }
        sql.push(" GROUP BY x.person_id) fa ON fa.person_id = m.id");
        // Assessments made by the day, and the latest that lapsed by then.
        sql.push(" LEFT JOIN (SELECT y.person_id, MAX(y.assessed_on) AS made, MAX(CASE WHEN y.valid_until < ")
            .bind_str(at.iso())
            .push(" THEN y.valid_until END) AS lapsed FROM disabilities y WHERE y.assessed_on <= ")
            .bind_str(at.iso());
        if !matches!(members, Members::All) {
            sql.push(" AND y.person_id IN (SELECT r.id FROM persons r WHERE ").append(&members.on(at, "r")).push(")");
        }
        sql.push(" GROUP BY y.person_id) pa ON pa.person_id = m.id");
        // Members who died by the day (no longer among `m`).
        sql.push(
            " LEFT JOIN (SELECT z.household_id, MAX(z.deceased_on) AS died FROM persons z WHERE z.deceased_on <= ",
        )
        .bind_str(at.iso());
        if !matches!(members, Members::All) {
            sql.push(" AND ").append(&members.on(at, "z"));
        }
        sql.push(" GROUP BY z.household_id) dd ON dd.household_id = m.household_id");
    }
    sql.push(" WHERE m.merged_into IS NULL AND (m.deceased_on IS NULL OR m.deceased_on > ")
        .bind_str(at.iso())
        .push(") AND ")
        .append(&members.on(at, "m"))
        .push(" GROUP BY m.household_id");
    sql
}

/// The greatest of some ISO days, unknown ones ignored; the earliest day when all
/// are unknown (nothing dated changed them: they hold from any day).
fn greatest(backend: crate::Backend, days: &[Sql]) -> Sql {
    let mut sql = Sql::new(match backend {
        crate::Backend::Sqlite => "MAX(",
        crate::Backend::Postgres => "COALESCE(GREATEST(",
    });
    for (i, day) in days.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        match backend {
            crate::Backend::Sqlite => sql.push("COALESCE(").append(day).push(", '0001-01-01')"),
            crate::Backend::Postgres => sql.append(day),
        };
    }
    sql.push(match backend {
        crate::Backend::Sqlite => ")",
        crate::Backend::Postgres => "), '0001-01-01')",
    });
    sql
}

/// The least of some ISO days, unknown ones ignored; unknown when all are.
fn least(backend: crate::Backend, days: &[Sql]) -> Sql {
    let (open, close) = match backend {
        crate::Backend::Sqlite => ("NULLIF(MIN(", "), '9999-12-31')"),
        crate::Backend::Postgres => ("LEAST(", ")"),
    };
    let mut sql = Sql::new(open);
    for (i, day) in days.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        match backend {
            crate::Backend::Sqlite => sql.push("COALESCE(").append(day).push(", '9999-12-31')"),
            crate::Backend::Postgres => sql.append(day),
        };
    }
    sql.push(close);
    sql
}

/// A program's terms as SQL over `v`: the outcome for each person (its code) and
/// the amount. Eligible when the rule holds and the amount is known; needs
/// information when the rule's value or the amount is unknown.
pub(crate) fn outcome(terms: &Terms) -> Result<Sql> {
    let (rule, amount) = (expression(&terms.rule)?, expression(&terms.formula)?);
    let mut sql = Sql::new("(CASE ");
    sql.append(&rule).push(" WHEN (1 = 1) THEN CASE WHEN ").append(&amount).push(&format!(
        " IS NOT NULL THEN '{}' ELSE '{}' END WHEN (1 = 0) THEN '{}' ELSE '{}' END)",
        Outcome::Eligible.code(),
        Outcome::NeedsInformation.code(),
        Outcome::NotEligible.code(),
        Outcome::NeedsInformation.code()
    ));
    Ok(sql)
}

/// The names of the variables some expressions read.
pub(crate) fn used_variables(exprs: &[&Expr]) -> Vec<&'static str> {
    fn walk(e: &Expr, out: &mut Vec<&'static str>) {
        match &e.kind {
            ExprKind::Var(name) | ExprKind::Has(name) => {
                if let Some(v) = VARIABLES.iter().find(|v| v.name == name)
                    && !out.contains(&v.name)
                {
                    out.push(v.name);
                }
            }
            ExprKind::List(items) => items.iter().for_each(|i| walk(i, out)),
            ExprKind::Not(x) | ExprKind::Neg(x) => walk(x, out),
            ExprKind::Binary(_, a, b) | ExprKind::MinMax(_, a, b) => {
                walk(a, out);
                walk(b, out);
            }
            ExprKind::Cond(c, y, n) => {
                walk(c, out);
                walk(y, out);
                walk(n, out);
            }
            ExprKind::Int(_) | ExprKind::Str(_) | ExprKind::Bool(_) => {}
        }
    }
    let mut names = Vec::new();
    for e in exprs {
        walk(e, &mut names);
    }
    names
}

/// The column of `v` holding a variable.
pub(crate) fn column_of(name: &str) -> String {
    format!("v.{}", name.replace('.', "_"))
}

/// A checked expression as SQL over `v`, every literal bound.
pub(crate) fn expression(expr: &Expr) -> Result<Sql> {
    let mut sql = Sql::default();
    write(expr, &mut sql)?;
    Ok(sql)
}

/// A column or a value: cheap to write more than once.
fn is_leaf(expr: &Expr) -> bool {
    matches!(expr.kind, ExprKind::Int(_) | ExprKind::Var(_))
}

fn write(expr: &Expr, out: &mut Sql) -> Result<()> {
    match &expr.kind {
        ExprKind::Int(n) => {
            out.bind_int(*n);
        }
        ExprKind::Str(s) => {
            out.bind_str(s);
        }
        ExprKind::Bool(true) => {
            out.push("(1 = 1)");
        }
        ExprKind::Bool(false) => {
            out.push("(1 = 0)");
        }
        ExprKind::List(items) => {
            out.push("(");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(", ");
                }
                write(item, out)?;
            }
            out.push(")");
        }
        ExprKind::Var(name) => {
            if !VARIABLES.iter().any(|v| v.name == name) {
                return Err(StoreError::Corrupt(format!("the rule names an unknown variable {name:?}")));
            }
            out.push(&format!("({})", column_of(name)));
        }
        ExprKind::Has(name) => {
            if !VARIABLES.iter().any(|v| v.name == name) {
                return Err(StoreError::Corrupt(format!("the rule names an unknown variable {name:?}")));
            }
            out.push(&format!("({} IS NOT NULL)", column_of(name)));
        }
        ExprKind::Not(inner) => {
            out.push("(NOT ");
            write(inner, out)?;
            out.push(")");
        }
        ExprKind::Neg(inner) => {
            out.push("(-");
            write(inner, out)?;
            out.push(")");
        }
        ExprKind::MinMax(min, a, b) if is_leaf(a) && is_leaf(b) => {
            // A column or a value written twice costs nothing; unknown when either
            // is, as in the interpreter.
            let op = if *min { " <= " } else { " >= " };
            out.push("(CASE WHEN ");
            write(a, out)?;
            out.push(op);
            write(b, out)?;
            out.push(" THEN ");
            write(a, out)?;
            out.push(" WHEN NOT (");
            write(a, out)?;
            out.push(op);
            write(b, out)?;
            out.push(") THEN ");
            write(b, out)?;
            out.push(" END)");
        }
        ExprKind::MinMax(min, a, b) => {
            // Each operand written once, so nesting grows the SQL linearly (SQLite
            // says MIN(a, b), PostgreSQL LEAST(a, b) and ignores unknowns). The
            // aggregate keeps either planner from copying the operands back in.
            out.push(&format!(
                "(SELECT CASE WHEN COUNT(mm.z) = 2 THEN {}(mm.z) END FROM (SELECT ",
                if *min { "MIN" } else { "MAX" }
            ));
            write(a, out)?;
            out.push(" AS z UNION ALL SELECT ");
            write(b, out)?;
            out.push(") AS mm)");
        }
        ExprKind::Cond(c, y, n) => {
            // A simple CASE evaluates the condition once; unknown matches neither.
            out.push("(CASE ");
            write(c, out)?;
            out.push(" WHEN (1 = 1) THEN ");
            write(y, out)?;
            out.push(" WHEN (1 = 0) THEN ");
            write(n, out)?;
            out.push(" END)");
        }
        ExprKind::Binary(op, l, r) => {
            let (open, middle, close) = match op {
                BinaryOp::Or => ("(", " OR ", ")"),
                BinaryOp::And => ("(", " AND ", ")"),
                BinaryOp::Eq => ("(", " = ", ")"),
                BinaryOp::Ne => ("(", " <> ", ")"),
                BinaryOp::In => ("(", " IN ", ")"),
                BinaryOp::Div => ("(", " / NULLIF(", ", 0))"),
                BinaryOp::Rem => ("(", " % NULLIF(", ", 0))"),
                BinaryOp::Lt => ("(", " < ", ")"),
                BinaryOp::Le => ("(", " <= ", ")"),
                BinaryOp::Gt => ("(", " > ", ")"),
                BinaryOp::Ge => ("(", " >= ", ")"),
                BinaryOp::Add => ("(", " + ", ")"),
                BinaryOp::Sub => ("(", " - ", ")"),
                BinaryOp::Mul => ("(", " * ", ")"),
            };
            out.push(open);
            write(l, out)?;
            out.push(middle);
            write(r, out)?;
            out.push(close);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tavana_domain::programs::rule::parse;

    fn at() -> AsOf {
        AsOf::new(JalaliDate::new(1405, 9, 6).unwrap(), Facts::Recount)
    }

    #[test]
    fn every_variable_has_a_column() {
        for v in VARIABLES {
            assert!(column(v.name, &at()).is_some(), "{}", v.name);
        }
        assert!(column("person.galaxy", &at()).is_none());
    }

    #[test]
    fn a_rule_joins_only_what_it_reads() {
        let q = |used: &[&str]| variables(used, &at(), "%", None, &Members::All).unwrap().text();
        let person_only = q(&["person.age", "person.sex"]);
        assert!(!person_only.contains("dis AS") && !person_only.contains("hh AS") && !person_only.contains("places"));
        let household = q(&["household.size"]);
        assert!(household.contains("hh AS") && !household.contains("dis AS"));
        let severe = q(&["household.members_with_severe_disability"]);
        assert!(severe.contains("hh AS") && severe.contains("FROM disabilities d") && !severe.contains("dis AS"));
        assert!(!severe.contains("LEFT JOIN dis d ON d.person_id = s.id"));
        let own = q(&["disability.severity"]);
        assert!(
            own.contains("dis AS") && own.contains("LEFT JOIN dis d ON d.person_id = s.id") && !own.contains("hh AS")
        );
        // With the facts maintained, households are read from them and only those
        // whose facts do not hold on the day are recounted.
        let maintained = AsOf::new(JalaliDate::new(1405, 9, 6).unwrap(), Facts::Maintained);
        let facts = variables(&["household.size"], &maintained, "%", None, &Members::All).unwrap().text();
        assert!(facts.contains("FROM household_facts f WHERE") && facts.contains("UNION ALL"), "{facts}");
    }

    #[test]
    fn literals_are_bound_never_written() {
        let expr = parse(r#"person.age >= 18 && disability.severity in ["severe", "very_severe"]"#).unwrap();
        let sql = expression(&expr).unwrap();
        assert_eq!(sql.text(), "(((v.person_age) >= ?) AND ((v.disability_severity) IN (?, ?)))");
        let hostile = parse("person.sex == \"x'); DROP TABLE persons; --\"").unwrap();
        assert!(!expression(&hostile).unwrap().text().contains("DROP"), "text never enters the SQL");
        let age = variables(&["person.age"], &at(), "/1/%", None, &Members::All).unwrap().text();
        assert!(!age.contains("2026") && !age.contains("1405"), "nor does the date");
    }

    #[test]
    fn nesting_grows_the_sql_linearly() {
        let mut text = "person.age".to_string();
        for level in 0..24 {
            text = match level % 3 {
                0 => format!("min({text} + 1, person.age * 2)"),
                1 => format!("max(person.age - 1, {text})"),
                _ => format!("(person.age > {level} ? {text} : 5)"),
            };
        }
        let sql = expression(&parse(&text).unwrap()).unwrap().text();
        assert!(sql.len() < 12 * text.len(), "{} characters of SQL for {}", sql.len(), text.len());
    }

    #[test]
    fn unknown_variables_are_refused() {
        let expr = parse("place.galaxy == 'x'").unwrap();
        assert!(expression(&expr).is_err());
        assert!(variables(&["place.galaxy"], &at(), "%", None, &Members::All).is_err());
    }
}
