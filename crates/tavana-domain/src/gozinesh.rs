//! Gozinesh (گزینش): personnel vetting. A case per subject (an applicant for
//! hiring, a candidate for appointment or promotion, a periodic renewal) is held
//! in trust (امانت): it opens only to whoever holds an unexpired need-to-know
//! grant for it (the vetting officer assigned, members of the board), never by
//! role alone, not even an administrator's; every opening states its reason
//! and is logged. Its entries (notes, inquiries to references and agencies and
//! their replies, interviews, findings) and its decision are encrypted at rest.
//! A decision (approved, rejected, conditional) names its legal basis and
//! reasons and may be appealed to the board within thirty days.

use crate::coded::coded;
use crate::iam::Role;

coded!(
    /// موضوع پروندهٔ گزینش
    SubjectKind {
        Applicant = "applicant" "داوطلب استخدام",
        Candidate = "candidate" "نامزد انتصاب یا ارتقا",
        Renewal = "renewal" "بررسی دوره‌ای",
    }
);

coded!(
    /// وضعیت پروندهٔ گزینش
    VettingState {
        Open = "open" "در جریان بررسی",
        Decided = "decided" "رأی صادر شد",
        Appealed = "appealed" "در اعتراض نزد هیئت",
        Final = "final" "قطعی",
    }
);

impl VettingState {
    pub fn may_become(self, to: VettingState) -> bool {
        use VettingState as S;
        matches!((self, to), (S::Open, S::Decided) | (S::Decided, S::Appealed | S::Final) | (S::Appealed, S::Final))
    }
}

coded!(
    /// رأی گزینش
    Verdict {
        Approved = "approved" "تأیید",
        Rejected = "rejected" "عدم تأیید",
        Conditional = "conditional" "تأیید مشروط",
    }
);

coded!(
    /// نوع ثبت در پرونده
    EntryKind {
        Note = "note" "یادداشت",
        Inquiry = "inquiry" "استعلام",
        Reply = "reply" "پاسخ استعلام",
        Interview = "interview" "مصاحبه",
        Finding = "finding" "یافته",
    }
);

/// What the vetting module lets an actor do. None of it opens a case's file:
/// that takes a grant (see [`may_open`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VettingAction {
    /// Open cases, record entries, decide (vetting officers).
    Investigate,
    /// Grant need-to-know access and rule on appeals (the board).
    Oversee,
}

impl VettingAction {
    pub fn granted_to(self, role: Role) -> bool {
        match self {
            VettingAction::Investigate => role == Role::GozineshOfficer,
            VettingAction::Oversee => role == Role::GozineshBoard,
        }
    }

    pub fn phrase(self) -> &'static str {
        match self {
            VettingAction::Investigate => "investigate vetting cases",
            VettingAction::Oversee => "oversee vetting cases",
        }
    }
}

/// Who may ever hold a grant: vetting officers and board members, no one else.
pub fn may_hold_grant(roles: &[Role]) -> bool {
    roles.iter().any(|r| matches!(r, Role::GozineshOfficer | Role::GozineshBoard))
}

/// The longest a grant may last.
pub const MAX_GRANT_DAYS: i64 = 180;

/// How long a file opened for a reason stays open to its reader (each read
/// still logged with that reason), in minutes; never past the grant.
pub const SITTING_MINUTES: i64 = 30;

/// Why a case's file does not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// No grant for this person, or it expired or was revoked.
    NoGrant,
    /// An opening must say why.
    NoReason,
}

/// Whether a case's file opens to someone holding a grant that expires at
/// `grant_expires` (none: no grant), at `now`, for the reason given. The role
/// does not matter: the grant does.
pub fn may_open(grant_expires: Option<i64>, now: i64, reason: &str) -> Result<(), Closed> {
    match grant_expires {
        Some(expires) if expires > now => {}
        _ => return Err(Closed::NoGrant),
    }
    if reason.trim().is_empty() {
        return Err(Closed::NoReason);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_opens_by_an_unexpired_grant_and_a_reason_only() {
        assert_eq!(may_open(Some(100), 50, "تکمیل پرونده"), Ok(()));
        assert_eq!(may_open(Some(100), 100, "late"), Err(Closed::NoGrant), "expired at its instant");
        assert_eq!(may_open(None, 50, "admin"), Err(Closed::NoGrant));
        assert_eq!(may_open(Some(100), 50, "  "), Err(Closed::NoReason));
        assert!(!may_hold_grant(&[Role::Admin, Role::Auditor]));
        assert!(may_hold_grant(&[Role::GozineshBoard]));
        assert!(VettingState::Open.may_become(VettingState::Decided));
        assert!(!VettingState::Final.may_become(VettingState::Appealed));
    }
}
