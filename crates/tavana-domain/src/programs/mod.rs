//! Programs and their eligibility rules. A rule is written in a subset of CEL (the
//! Common Expression Language): parsed with positions, type-checked against the
//! documented variables, and evaluated for one beneficiary. Compiling the same rule
//! to SQL for whole-population runs builds on the same syntax tree.

pub mod explain;
pub mod rule;
pub mod variables;

use crate::Rials;
use crate::coded::coded;
use crate::error::{DomainError, Reason};
use rule::{Expr, RuleError, Type};
use serde::{Deserialize, Serialize};

coded!(
    /// نوع برنامه
    ProgramKind {
        CashBenefit = "cash_benefit" "مستمری و کمک نقدی",
        Discount = "discount" "تخفیف",
        Loan = "loan" "وام",
        Service = "service" "خدمت",
    }
);

coded!(
    /// هدف برنامه: فرد یا خانوار
    ProgramTarget {
        Person = "person" "فرد",
        Household = "household" "خانوار",
    }
);

/// The rule a program decides by, on every path (simulation, proposals,
/// confirmation, explanation, review): its eligibility rule, for the living (a
/// program pays no one after their death), and for a household program also that
/// the person is the household's head, so that a household is counted and paid
/// once.
pub fn decision_rule(target: ProgramTarget, rule: Expr) -> Expr {
    use rule::{BinaryOp, ExprKind};
    let span = rule.span;
    let leaf = |kind| Box::new(Expr { kind, span });
    let and = |a: Expr, b: Expr| Expr { kind: ExprKind::Binary(BinaryOp::And, Box::new(a), Box::new(b)), span };
    let alive = Expr { kind: ExprKind::Var("person.alive".into()), span };
    let rule = and(rule, alive);
    match target {
        ProgramTarget::Person => rule,
        ProgramTarget::Household => {
            let head = Expr {
                kind: ExprKind::Binary(
                    BinaryOp::Eq,
                    leaf(ExprKind::Var("person.relationship".into())),
                    leaf(ExprKind::Str("head".into())),
                ),
                span,
            };
            and(rule, head)
        }
    }
}

coded!(
    /// What a program's terms give for one beneficiary
    Outcome {
        Eligible = "eligible" "مستحق",
        NotEligible = "not_eligible" "غیرمستحق",
        NeedsInformation = "needs_information" "نیازمند اطلاعات بیشتر",
    }
);

coded!(
    /// What a simulation finds wrong with a draft
    SimulationWarning {
        SelectsNoOne = "selects_no_one" "این قاعده هیچ‌کس را برنمی‌گزیند: مقدارها و شرط‌ها را بازبینی کنید",
        SelectsEveryone = "selects_everyone" "این قاعده همه را برمی‌گزیند: آیا شرطی جا افتاده است؟",
    }
);

impl SimulationWarning {
    /// The warning in English.
    pub fn label_en(self) -> &'static str {
        match self {
            SimulationWarning::SelectsNoOne => "this rule selects no one: check its values and conditions",
            SimulationWarning::SelectsEveryone => "this rule selects everyone: is a condition missing?",
        }
    }
}

/// A program's terms: who qualifies (its decision rule) and for how much (its
/// formula). Every path decides with them: simulations and proposals in SQL,
/// confirmation, explanation and review here, on the values the store read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// Whom the program enrolls: a household program decides on the head.
    pub target: ProgramTarget,
    /// The decision rule (see [`decision_rule`]).
    pub rule: Expr,
    pub formula: Expr,
}

impl Terms {
    /// A program's terms from its checked rule and formula.
    pub fn new(target: ProgramTarget, rule: Expr, formula: Expr) -> Terms {
        Terms { target, rule: decision_rule(target, rule), formula }
    }

    /// The outcome for one beneficiary and, when eligible, the monthly amount:
    /// eligible when the rule holds and the amount is known, not eligible when the
    /// rule does not hold, and otherwise a value it needs is missing.
    pub fn decide(&self, lookup: &dyn Fn(&str) -> rule::Value) -> (Outcome, Option<i64>) {
        use rule::Value;
        match rule::evaluate(&self.rule, lookup) {
            Value::Bool(true) => match rule::evaluate(&self.formula, lookup) {
                Value::Int(amount) => (Outcome::Eligible, Some(amount)),
                _ => (Outcome::NeedsInformation, None),
            },
            Value::Bool(false) => (Outcome::NotEligible, None),
            _ => (Outcome::NeedsInformation, None),
        }
    }
}

/// A program as typed or sent: every field text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RawProgram {
    pub code: String,
    pub name_fa: String,
    pub name_en: String,
    pub kind: String,
    pub target: String,
    /// The eligibility rule: true for whoever qualifies.
    pub rule: String,
    /// The monthly benefit in rials, a number expression.
    pub formula: String,
    pub budget_month: String,
    pub budget_year: String,
}

/// A program's checked fields: the rule and formula parsed and type-checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramFields {
    pub code: String,
    pub name_fa: String,
    pub name_en: String,
    pub kind: ProgramKind,
    pub target: ProgramTarget,
    pub rule_text: String,
    pub rule: Expr,
    pub formula_text: String,
    pub formula: Expr,
    pub budget_month: Option<Rials>,
    pub budget_year: Option<Rials>,
}

fn rule_error(field: &'static str, e: RuleError) -> DomainError {
    DomainError::new(
        field,
        Reason::Rule { start: e.span.start, end: e.span.end, message_en: e.message_en, message_fa: e.message_fa },
    )
}

/// Parses and checks an eligibility rule (must be true/false).
pub fn parse_rule(field: &'static str, text: &str) -> Result<Expr, DomainError> {
    if text.trim().is_empty() {
        return Err(DomainError::new(field, Reason::Empty));
    }
    let expr = rule::parse(text).map_err(|e| rule_error(field, e))?;
    rule::check(&expr, variables::VARIABLES).map_err(|e| rule_error(field, e))?;
    Ok(expr)
}

/// Parses and checks a benefit formula (must be a number of rials).
pub fn parse_formula(field: &'static str, text: &str) -> Result<Expr, DomainError> {
    if text.trim().is_empty() {
        return Err(DomainError::new(field, Reason::Empty));
    }
    let expr = rule::parse_as(text, rule::Subject::Formula).map_err(|e| rule_error(field, e))?;
    match rule::type_of(&expr, variables::VARIABLES) {
        Ok(Type::Int) => {
            rule::check_values(&expr, variables::VARIABLES, Some((0, variables::MAX_AMOUNT)))
                .map_err(|e| rule_error(field, e))?;
            Ok(expr)
        }
        Ok(other) => Err(rule_error(
            field,
            RuleError {
                span: expr.span,
                message_en: format!("a formula gives a number of rials, not {}", other.name_en()),
                message_fa: format!("فرمول باید مبلغی به ریال بدهد، نه {}", other.name_fa()),
            },
        )),
        Err(e) => Err(rule_error(field, e)),
    }
}

impl ProgramFields {
    /// Checks every field and reports every problem.
    pub fn parse(raw: &RawProgram) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let code = raw.code.trim().to_uppercase();
        let code = keep(
            &mut errors,
            if code.is_empty() {
                Err(DomainError::new("code", Reason::Empty))
            } else if code.len() > 20 || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                Err(DomainError::new("code", Reason::BadFormat))
            } else {
                Ok(code)
            },
        );
        let text = |field: &'static str, v: &str| {
            crate::text::plain_text(field, v)?;
            let v = v.split_whitespace().collect::<Vec<_>>().join(" ");
            if v.is_empty() {
                Err(DomainError::new(field, Reason::Empty))
            } else if v.chars().count() > 120 {
                Err(DomainError::new(field, Reason::TooLong { max: 120 }))
            } else {
                Ok(v)
            }
        };
        let name_fa = keep(&mut errors, text("name_fa", &raw.name_fa));
        let name_en = keep(&mut errors, text("name_en", &raw.name_en));
        let kind = keep(&mut errors, ProgramKind::parse("kind", &raw.kind));
        let target = keep(&mut errors, ProgramTarget::parse("target", &raw.target));
        let rule = keep(&mut errors, parse_rule("rule", &raw.rule));
        let formula = keep(&mut errors, parse_formula("formula", &raw.formula));
        let money = |field: &'static str, v: &str| {
            if v.trim().is_empty() { Ok(None) } else { Rials::parse(field, v).map(Some) }
        };
        let budget_month = keep(&mut errors, money("budget_month", &raw.budget_month)).flatten();
        let budget_year = keep(&mut errors, money("budget_year", &raw.budget_year)).flatten();
        match (code, name_fa, name_en, kind, target, rule, formula) {
            (Some(code), Some(name_fa), Some(name_en), Some(kind), Some(target), Some(rule), Some(formula))
                if errors.is_empty() =>
            {
                Ok(Self {
                    code,
                    name_fa,
                    name_en,
                    kind,
                    target,
                    rule_text: raw.rule.trim().to_string(),
                    rule,
                    formula_text: raw.formula.trim().to_string(),
                    formula,
                    budget_month,
                    budget_year,
                })
            }
            _ => Err(errors),
        }
    }
}

fn keep<T>(errors: &mut Vec<DomainError>, result: Result<T, DomainError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// What the programs module lets an actor do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProgramAction {
    /// Define programs, run their rules and decide enrollments.
    Manage,
}

impl ProgramAction {
    /// Whether a role grants this action.
    pub fn granted_to(self, role: crate::iam::Role) -> bool {
        use crate::iam::Role as R;
        match self {
            ProgramAction::Manage => role == R::ProgramOfficer,
        }
    }

    /// How a refusal names the action.
    pub fn phrase(self) -> &'static str {
        match self {
            ProgramAction::Manage => "manage programs",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pension() -> RawProgram {
        RawProgram {
            code: "pension".into(),
            name_fa: "مستمری".into(),
            name_en: "Continuous pension".into(),
            kind: "cash_benefit".into(),
            target: "household".into(),
            rule: "household.members_with_severe_disability >= 1 && person.relationship == 'head'".into(),
            formula:
                "20000000 + 5000000 * min(household.size, 5) + 10000000 * household.members_with_severe_disability"
                    .into(),
            budget_month: "۳۰٬۰۰۰٬۰۰۰٬۰۰۰٬۰۰۰".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_program_parses_with_its_rule_and_formula() {
        let p = ProgramFields::parse(&pension()).unwrap();
        assert_eq!(p.code, "PENSION");
        assert_eq!((p.kind, p.target), (ProgramKind::CashBenefit, ProgramTarget::Household));
        assert_eq!(p.budget_month, Some(Rials::new(30_000_000_000_000)));
    }

    #[test]
    fn a_household_program_is_decided_on_the_head() {
        let rule = parse_rule("rule", "household.size >= 2").unwrap();
        assert_eq!(
            decision_rule(ProgramTarget::Person, rule.clone()).to_text(),
            "((household.size >= 2) && person.alive)"
        );
        let decided = decision_rule(ProgramTarget::Household, rule);
        assert_eq!(decided.to_text(), "(((household.size >= 2) && person.alive) && (person.relationship == \"head\"))");
        assert!(rule::check(&decided, variables::VARIABLES).is_ok());
    }

    #[test]
    fn bad_rules_and_formulas_name_the_field_and_the_position() {
        let raw = RawProgram {
            rule: "person.age >= 'x'".into(),
            formula: "person.age > 3".into(),
            kind: "gift".into(),
            ..pension()
        };
        let errors = ProgramFields::parse(&raw).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field).collect::<Vec<_>>(), ["kind", "rule", "formula"]);
        assert_eq!(errors[1].reason.english(), "at character 15: expected a number, found text");
        assert!(errors[1].reason.persian().starts_with("در نویسهٔ ۱۵:"));
        assert_eq!(errors[2].reason.english(), "at character 1: a formula gives a number of rials, not true/false");
    }
}

coded!(
    /// وضعیت برنامه
    ProgramStatus {
        Draft = "draft" "پیش‌نویس",
        Active = "active" "در حال اجرا",
        Closed = "closed" "پایان‌یافته",
    }
);

coded!(
    /// وضعیت تغییر برنامه
    ChangeState {
        Proposed = "proposed" "پیشنهادشده، در انتظار تأیید",
        Approved = "approved" "تأییدشده، از ماه اثر اجرا می‌شود",
        Rejected = "rejected" "ردشده",
        Applied = "applied" "اجراشده",
    }
);

impl ChangeState {
    /// A proposal is approved or rejected by a second officer; an approved change
    /// is applied when its month begins.
    pub fn may_become(self, to: ChangeState) -> bool {
        use ChangeState as S;
        matches!((self, to), (S::Proposed, S::Approved | S::Rejected | S::Applied) | (S::Approved, S::Applied))
    }
}

impl ProgramFields {
    /// The fields as typed, to keep a proposed definition until it is applied.
    pub fn raw(&self) -> RawProgram {
        RawProgram {
            code: self.code.clone(),
            name_fa: self.name_fa.clone(),
            name_en: self.name_en.clone(),
            kind: self.kind.code().into(),
            target: self.target.code().into(),
            rule: self.rule_text.clone(),
            formula: self.formula_text.clone(),
            budget_month: self.budget_month.map(|r| r.get().to_string()).unwrap_or_default(),
            budget_year: self.budget_year.map(|r| r.get().to_string()).unwrap_or_default(),
        }
    }
}

impl ProgramStatus {
    /// Whether a program may move from this status to `to`: a draft goes live, and a
    /// draft or a live program closes; nothing reopens.
    pub fn may_become(self, to: ProgramStatus) -> bool {
        use ProgramStatus as S;
        matches!((self, to), (S::Draft, S::Active) | (S::Draft | S::Active, S::Closed))
    }
}

coded!(
    /// چرا ثبت‌نام یک نفر پذیرفته نشد
    Refusal {
        Unknown = "unknown" "در واحد سازمانی شما چنین کسی نیست",
        NotEligible = "not_eligible" "قاعدهٔ برنامه دربارهٔ او برقرار نیست",
        NeedsInformation = "needs_information" "برای تصمیم دربارهٔ او اطلاعاتی کم است",
        AlreadyEnrolled = "already_enrolled" "پیش‌تر در این برنامه ثبت‌نام شده است",
        HouseholdEnrolled = "household_enrolled" "خانوار او پیش‌تر در این برنامه ثبت‌نام شده است",
        OverBudget = "over_budget" "بودجهٔ ماهانهٔ استان او تمام شده است: در نوبت ثبت شد",
    }
);

impl Refusal {
    /// The reason in English.
    pub fn label_en(self) -> &'static str {
        match self {
            Refusal::Unknown => "no such person in your org unit",
            Refusal::NotEligible => "the program's rule does not hold for them",
            Refusal::NeedsInformation => "a value the decision needs is not recorded for them",
            Refusal::AlreadyEnrolled => "already enrolled in this program",
            Refusal::HouseholdEnrolled => "their household is already enrolled in this program",
            Refusal::OverBudget => "their province's monthly budget is spent: recorded as waiting",
        }
    }
}

coded!(
    /// وضعیت ثبت‌نام در برنامه
    EnrollmentState {
        Draft = "draft" "در نوبت (در انتظار بودجه)",
        Enrolled = "enrolled" "برقرار",
        Paused = "paused" "معلق",
        Exited = "exited" "خاتمه‌یافته",
        NotEligible = "not_eligible" "فاقد شرایط",
        Duplicate = "duplicate" "تکراری",
    }
);

impl EnrollmentState {
    /// Whether a decision may move an enrollment from this state to `to`. A
    /// draft is an eligible applicant waiting for budget, who may leave the list
    /// (exited: they withdrew); an exited, ineligible or duplicate enrollment may
    /// be reinstated (after an appeal, say); nothing moves back to draft by a
    /// decision (confirmation records the waiting).
    pub fn may_become(self, to: EnrollmentState) -> bool {
        use EnrollmentState as S;
        matches!(
            (self, to),
            (S::Draft, S::Enrolled | S::Exited | S::NotEligible | S::Duplicate)
                | (S::Enrolled, S::Paused | S::Exited | S::NotEligible | S::Duplicate)
                | (S::Paused, S::Enrolled | S::Exited | S::NotEligible | S::Duplicate)
                | (S::Exited | S::NotEligible | S::Duplicate, S::Enrolled)
        )
    }
}

coded!(
    /// علت خروج از برنامه
    ExitReason {
        Work = "work" "اشتغال",
        Empowerment = "empowerment" "توانمندی و خوداتکایی",
        Death = "death" "فوت",
        Other = "other" "سایر",
    }
);

impl ExitReason {
    /// Whether the household left need: it left for work or by empowerment.
    pub fn leaves_need(self) -> bool {
        matches!(self, ExitReason::Work | ExitReason::Empowerment)
    }
}

/// The exit reason a decision moving an enrollment `from` → `to` records: a
/// beneficiary's exit (from in force or paused) names why; no other move takes
/// one. Refused on `exit_reason`: a beneficiary's exit without one, or another
/// move with one.
pub fn exit_reason_for(
    from: EnrollmentState,
    to: EnrollmentState,
    given: Option<ExitReason>,
) -> Result<Option<ExitReason>, crate::DomainError> {
    use EnrollmentState as S;
    let beneficiary_exit = to == S::Exited && matches!(from, S::Enrolled | S::Paused);
    match (beneficiary_exit, given) {
        (true, Some(reason)) => Ok(Some(reason)),
        (true, None) => Err(crate::DomainError::new("exit_reason", crate::error::Reason::Empty)),
        (false, None) => Ok(None),
        (false, Some(_)) => Err(crate::DomainError::new(
            "exit_reason",
            crate::error::Reason::Breaks {
                message_en: "is given only when a beneficiary exits".into(),
                message_fa: "فقط برای خروج ذی‌نفع از برنامه ثبت می‌شود".into(),
            },
        )),
    }
}

#[cfg(test)]
mod state_tests {
    use super::EnrollmentState as S;

    #[test]
    fn a_beneficiary_exit_names_its_reason_and_nothing_else_does() {
        use super::{ExitReason as R, exit_reason_for};
        assert_eq!(exit_reason_for(S::Enrolled, S::Exited, Some(R::Work)), Ok(Some(R::Work)));
        assert_eq!(exit_reason_for(S::Paused, S::Exited, Some(R::Death)), Ok(Some(R::Death)));
        assert_eq!(exit_reason_for(S::Enrolled, S::Exited, None).map_err(|e| e.field), Err("exit_reason"));
        // Leaving the waiting list is not a beneficiary's exit.
        assert_eq!(exit_reason_for(S::Draft, S::Exited, None), Ok(None));
        assert!(exit_reason_for(S::Enrolled, S::Paused, Some(R::Other)).is_err());
        assert!(R::Work.leaves_need() && R::Empowerment.leaves_need());
        assert!(!R::Death.leaves_need() && !R::Other.leaves_need());
    }

    #[test]
    fn program_statuses() {
        use super::ProgramStatus as P;
        assert!(P::Draft.may_become(P::Active) && P::Active.may_become(P::Closed) && P::Draft.may_become(P::Closed));
        assert!(!P::Closed.may_become(P::Active) && !P::Active.may_become(P::Draft) && !P::Draft.may_become(P::Draft));
    }

    #[test]
    fn transitions() {
        assert!(S::Enrolled.may_become(S::Paused));
        assert!(S::Paused.may_become(S::Enrolled));
        assert!(S::Exited.may_become(S::Enrolled));
        assert!(!S::Exited.may_become(S::Paused));
        assert!(!S::Enrolled.may_become(S::Enrolled));
        assert!(S::ALL.iter().all(|s| !s.may_become(S::Draft)));
    }
}
