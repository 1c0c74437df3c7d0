//! Cases (پرونده‌ها): appeals against decisions about a person, and grievances
//! (see [`grievances`]). Every decision that affects a person (an application
//! refused, an enrollment ended or paused, a benefit stopped) names its legal basis, reasons, who made it and when, and
//! the last day it may be appealed. An appeal lodged by then goes to a board:
//! program officers of the decider's unit or one above it, never the decider.
//! The board affirms the decision or overturns it, with reasons and a legal
//! basis; an overturned decision is undone (the person enrolled again).

pub mod grievances;

use crate::coded::coded;
use crate::iam::Role;
use crate::org::UnitPath;
use crate::programs::EnrollmentState;

coded!(
    /// وضعیت اعتراض
    AppealState {
        Lodged = "lodged" "در انتظار رأی هیئت",
        Affirmed = "affirmed" "تصمیم تأیید شد",
        Overturned = "overturned" "تصمیم نقض شد",
    }
);

coded!(
    /// رأی هیئت
    Ruling {
        Affirm = "affirm" "تأیید تصمیم",
        Overturn = "overturn" "نقض تصمیم",
    }
);

impl Ruling {
    /// The state an appeal ends in.
    pub fn state(self) -> AppealState {
        match self {
            Ruling::Affirm => AppealState::Affirmed,
            Ruling::Overturn => AppealState::Overturned,
        }
    }
}

/// What the cases module lets an actor do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseAction {
    /// Lodge an appeal for a person (at the county office, or a program officer).
    Lodge,
    /// Sit on the board that rules on appeals.
    Rule,
    /// Receive, be assigned and answer grievances.
    HandleGrievances,
}

impl CaseAction {
    pub fn granted_to(self, role: Role) -> bool {
        match self {
            CaseAction::Lodge | CaseAction::HandleGrievances => {
                matches!(role, Role::CaseWorker | Role::ProgramOfficer)
            }
            CaseAction::Rule => role == Role::ProgramOfficer,
        }
    }

    pub fn phrase(self) -> &'static str {
        match self {
            CaseAction::Lodge => "lodge appeals",
            CaseAction::Rule => "rule on appeals",
            CaseAction::HandleGrievances => "handle grievances",
        }
    }
}

/// Why an appeal is refused, or a board member may not rule on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppealRefusal {
    /// Lodged after the last day the decision could be appealed.
    Late { deadline: time::Date },
    /// The decision enrolled the person: there is nothing to appeal against.
    NothingToAppeal,
    /// The decision has an appeal already.
    AlreadyAppealed,
    /// A later decision has replaced it (the enrollment is no longer where it put it).
    Superseded,
    /// The one who made the decision cannot sit on its appeal.
    DeciderSits,
    /// The board sits at the decider's unit or above it.
    BoardNotHigher,
    /// The appeal has been ruled on.
    AlreadyRuled,
}

impl AppealRefusal {
    /// The field the refusal is about.
    pub fn field(&self) -> &'static str {
        match self {
            AppealRefusal::Late { .. }
            | AppealRefusal::NothingToAppeal
            | AppealRefusal::AlreadyAppealed
            | AppealRefusal::Superseded => "decision",
            AppealRefusal::DeciderSits | AppealRefusal::BoardNotHigher => "board",
            AppealRefusal::AlreadyRuled => "state",
        }
    }

    pub fn english(&self) -> String {
        match self {
            AppealRefusal::Late { deadline } => {
                format!("the appeal is late: the decision could be appealed until {deadline}")
            }
            AppealRefusal::NothingToAppeal => "the decision enrolled the person: there is nothing to appeal".into(),
            AppealRefusal::AlreadyAppealed => "the decision has been appealed already".into(),
            AppealRefusal::Superseded => "a later decision has replaced this one".into(),
            AppealRefusal::DeciderSits => "whoever made the decision cannot rule on its appeal".into(),
            AppealRefusal::BoardNotHigher => "the board rules from the decider's unit or one above it".into(),
            AppealRefusal::AlreadyRuled => "the appeal has been ruled on already".into(),
        }
    }

    pub fn persian(&self) -> String {
        match self {
            AppealRefusal::Late { deadline } => {
                let day = crate::jalali::JalaliDate::from_gregorian(*deadline)
                    .map(|d| d.to_persian())
                    .unwrap_or_else(|_| deadline.to_string());
                format!("مهلت اعتراض گذشته است: اعتراض به این تصمیم تا {day} پذیرفته می‌شد")
            }
            AppealRefusal::NothingToAppeal => "این تصمیم فرد را برقرار کرده است و اعتراضی ندارد".into(),
            AppealRefusal::AlreadyAppealed => "به این تصمیم پیش‌تر اعتراض شده است".into(),
            AppealRefusal::Superseded => "تصمیم دیگری پس از این تصمیم گرفته شده است".into(),
            AppealRefusal::DeciderSits => "تصمیم‌گیرنده نمی‌تواند در هیئت رسیدگی به اعتراض همان تصمیم باشد".into(),
            AppealRefusal::BoardNotHigher => "هیئت رسیدگی باید از واحد تصمیم‌گیرنده یا واحدی بالاتر از آن باشد".into(),
            AppealRefusal::AlreadyRuled => "دربارهٔ این اعتراض پیش‌تر رأی داده شده است".into(),
        }
    }
}

/// How long a person has to appeal a decision about them: thirty days.
pub const APPEAL_DAYS: i64 = 30;

/// The last day a decision made on `day` may be appealed.
pub fn appeal_deadline(day: time::Date) -> time::Date {
    day + time::Duration::days(APPEAL_DAYS)
}

/// Whether a decision may be appealed on `today`: it must have refused, ended
/// or paused something (not enrolled the person), and the deadline (inclusive)
/// must not have passed.
pub fn may_appeal(to: EnrollmentState, deadline: time::Date, today: time::Date) -> Result<(), AppealRefusal> {
    if to == EnrollmentState::Enrolled {
        return Err(AppealRefusal::NothingToAppeal);
    }
    if today > deadline {
        return Err(AppealRefusal::Late { deadline });
    }
    Ok(())
}

/// Whether a board member may rule on an appeal against a decision made by
/// `decided_by`, whose unit is `decider_unit`: not the one who decided, and from
/// that unit or one above it.
pub fn may_rule(
    member: i64,
    member_unit: &UnitPath,
    decided_by: i64,
    decider_unit: &UnitPath,
) -> Result<(), AppealRefusal> {
    if member == decided_by {
        return Err(AppealRefusal::DeciderSits);
    }
    if !member_unit.contains(decider_unit) {
        return Err(AppealRefusal::BoardNotHigher);
    }
    Ok(())
}

/// What an overturned decision does to the enrollment: the person is enrolled
/// again from the state the decision put them in.
pub fn undone(decided: EnrollmentState) -> Option<EnrollmentState> {
    decided.may_become(EnrollmentState::Enrolled).then_some(EnrollmentState::Enrolled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn an_appeal_is_lodged_by_the_deadline_against_a_refusal_only() {
        let deadline = date!(2026 - 12 - 27);
        assert_eq!(may_appeal(EnrollmentState::NotEligible, deadline, deadline), Ok(()));
        assert_eq!(may_appeal(EnrollmentState::Exited, deadline, date!(2026 - 11 - 30)), Ok(()));
        assert_eq!(
            may_appeal(EnrollmentState::Paused, deadline, date!(2026 - 12 - 28)),
            Err(AppealRefusal::Late { deadline })
        );
        assert_eq!(may_appeal(EnrollmentState::Enrolled, deadline, deadline), Err(AppealRefusal::NothingToAppeal));
        let late = AppealRefusal::Late { deadline };
        assert!(late.persian().contains("۱۴۰۵"), "{}", late.persian());
        assert!(late.english().contains("2026-12-27"));
    }

    #[test]
    fn the_board_sits_at_the_decider_s_unit_or_above_and_without_the_decider() {
        let hq = UnitPath::root(1);
        let province = hq.child(2);
        let other = hq.child(4);
        assert_eq!(may_rule(10, &hq, 11, &province), Ok(()));
        assert_eq!(may_rule(10, &province, 11, &province), Ok(()));
        assert_eq!(may_rule(10, &hq, 11, &hq), Ok(()));
        assert_eq!(may_rule(11, &hq, 11, &province), Err(AppealRefusal::DeciderSits));
        assert_eq!(may_rule(10, &other, 11, &province), Err(AppealRefusal::BoardNotHigher));
        assert_eq!(may_rule(10, &province, 11, &hq), Err(AppealRefusal::BoardNotHigher));
    }

    #[test]
    fn overturning_enrolls_again() {
        for decided in [EnrollmentState::NotEligible, EnrollmentState::Exited, EnrollmentState::Paused] {
            assert_eq!(undone(decided), Some(EnrollmentState::Enrolled), "{decided:?}");
        }
        assert_eq!(undone(EnrollmentState::Enrolled), None);
    }

    #[test]
    fn only_case_workers_and_program_officers_lodge_and_only_program_officers_rule() {
        for role in Role::ALL {
            assert_eq!(
                CaseAction::Lodge.granted_to(role),
                matches!(role, Role::CaseWorker | Role::ProgramOfficer),
                "{role:?}"
            );
            assert_eq!(CaseAction::Rule.granted_to(role), role == Role::ProgramOfficer, "{role:?}");
        }
    }
}
