//! Events modules tell each other: written to the outbox in the same transaction as
//! the change they report, and consumed afterwards, set-based and idempotently, by
//! the modules that care (programs re-check the enrollments a registry change may
//! have ended, say). No module calls another after its commit.

use crate::coded::coded;

coded!(
    /// نوع رویداد
    EventKind {
        PersonChanged = "person.changed" "تغییر فرد",
        HouseholdChanged = "household.changed" "تغییر خانوار",
        AssessmentChanged = "assessment.changed" "تغییر ارزیابی معلولیت",
        PersonsMerged = "persons.merged" "ادغام تکراری",
        ProgramRuleChanged = "program.rule_changed" "تغییر قاعدهٔ برنامه",
    }
);

/// One event: what happened, to whom, and the reason the change was made for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    /// The persons the change is about (every member, for a household change).
    pub persons: Vec<i64>,
    /// Households the change concerns besides the persons' own (the one a person
    /// moved out of): every member's enrollments are re-checked.
    pub households: Vec<i64>,
    /// The program, for a program's change.
    pub program: Option<i64>,
    /// The reason recorded with the change; consumers carry it on (a review flag
    /// says "death certificate").
    pub reason: String,
}

impl Event {
    /// A change to these persons' records.
    pub fn about_persons(kind: EventKind, persons: Vec<i64>, reason: &str) -> Self {
        Self { kind, persons, households: Vec::new(), program: None, reason: reason.trim().to_string() }
    }

    /// The same event, concerning these households too.
    pub fn with_households(mut self, households: Vec<i64>) -> Self {
        self.households = households;
        self
    }

    /// A change to a program's definition.
    pub fn about_program(program: i64, reason: &str) -> Self {
        Self {
            kind: EventKind::ProgramRuleChanged,
            persons: Vec::new(),
            households: Vec::new(),
            program: Some(program),
            reason: reason.trim().to_string(),
        }
    }
}
