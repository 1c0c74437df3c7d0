//! Grievances (شکایت‌ها): a person's complaint, received in person, by phone or
//! on the web, in a category whose service level says in how many days it must
//! be answered. It is handled at the person's county office by whoever it is
//! assigned to; one not answered by its deadline is escalated to the office
//! above (the province, then HQ), with a new deadline. It ends with a reply.

use crate::coded::coded;
use crate::error::{DomainError, Reason};

coded!(
    /// مسیر دریافت شکایت
    GrievanceChannel {
        InPerson = "in_person" "حضوری",
        Phone = "phone" "تلفنی",
        Web = "web" "درگاه اینترنتی",
    }
);

coded!(
    /// موضوع شکایت
    GrievanceCategory {
        Payment = "payment" "پرداخت مستمری و کمک‌ها",
        Eligibility = "eligibility" "شرایط و ثبت‌نام در برنامه",
        Service = "service" "کیفیت خدمت",
        Staff = "staff" "رفتار کارکنان",
        Other = "other" "سایر",
    }
);

impl GrievanceCategory {
    /// How many days a grievance of this category may wait for its reply: a
    /// missed payment is most urgent.
    pub fn sla_days(self) -> i64 {
        match self {
            GrievanceCategory::Payment => 7,
            GrievanceCategory::Staff => 10,
            GrievanceCategory::Eligibility | GrievanceCategory::Service => 14,
            GrievanceCategory::Other => 21,
        }
    }
}

/// How many days an escalated grievance has at the office above.
pub const ESCALATED_DAYS: i64 = 7;

coded!(
    /// وضعیت شکایت
    GrievanceState {
        Received = "received" "دریافت‌شده",
        Assigned = "assigned" "در دست رسیدگی",
        Escalated = "escalated" "ارجاع به سطح بالاتر (مهلت گذشت)",
        Resolved = "resolved" "پاسخ داده شد",
    }
);

impl GrievanceState {
    /// Whether a grievance may move from this state to `to`: assigned (again),
    /// escalated while unanswered, resolved from any open state.
    pub fn may_become(self, to: GrievanceState) -> bool {
        use GrievanceState as S;
        matches!((self, to), (S::Received | S::Assigned | S::Escalated, S::Assigned | S::Escalated | S::Resolved))
    }

    pub fn is_open(self) -> bool {
        self != GrievanceState::Resolved
    }
}

/// The day a grievance received on `day` must be answered by.
pub fn due_on(day: time::Date, category: GrievanceCategory) -> time::Date {
    day + time::Duration::days(category.sla_days())
}

/// Need to know: a grievance assigned to someone is theirs to read; program
/// officers (who supervise the offices) read every grievance of their subtree;
/// one not yet assigned is read by whoever may handle it there.
pub fn sees(actor: &crate::iam::Actor, assigned_to: Option<i64>) -> bool {
    actor.has_role(crate::iam::Role::ProgramOfficer) || assigned_to.is_none_or(|a| a == actor.user_id)
}

/// A grievance as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RawGrievance {
    #[serde(default)]
    pub national_code: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
}

/// A grievance's checked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrievanceFields {
    pub national_code: crate::NationalCode,
    pub channel: GrievanceChannel,
    pub category: GrievanceCategory,
    pub subject: String,
    pub body: String,
}

/// The longest subject.
pub const MAX_SUBJECT: usize = 200;
/// The longest text of a grievance or a reply.
pub const MAX_BODY: usize = 4_000;

/// A required text of at most `max` characters.
fn text(field: &'static str, value: &str, max: usize, errors: &mut Vec<DomainError>) -> String {
    match crate::text::required_text(field, value) {
        Ok(t) if t.chars().count() > max => {
            errors.push(DomainError::new(field, Reason::TooLong { max }));
            String::new()
        }
        Ok(t) => t.to_string(),
        Err(e) => {
            errors.push(e);
            String::new()
        }
    }
}

/// Checks a reply (required, at most [`MAX_BODY`] characters).
pub fn reply(value: &str) -> Result<String, DomainError> {
    let mut errors = Vec::new();
    let reply = text("reply", value, MAX_BODY, &mut errors);
    errors.pop().map_or(Ok(reply), Err)
}

impl GrievanceFields {
    /// Checks every field and reports every problem.
    pub fn parse(raw: &RawGrievance) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let national_code = crate::NationalCode::parse(&raw.national_code).map_err(|e| errors.push(e)).ok();
        let channel = GrievanceChannel::parse("channel", &raw.channel).map_err(|e| errors.push(e)).ok();
        let category = GrievanceCategory::parse("category", &raw.category).map_err(|e| errors.push(e)).ok();
        let subject = text("subject", &raw.subject, MAX_SUBJECT, &mut errors);
        let body = text("body", &raw.body, MAX_BODY, &mut errors);
        match (national_code, channel, category) {
            (Some(national_code), Some(channel), Some(category)) if errors.is_empty() => {
                Ok(GrievanceFields { national_code, channel, category, subject, body })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn every_bad_field_is_reported() {
        let raw = RawGrievance {
            national_code: "123".into(),
            channel: "fax".into(),
            category: String::new(),
            subject: " ".into(),
            body: "x".repeat(MAX_BODY + 1),
        };
        let fields: Vec<&str> = GrievanceFields::parse(&raw).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["national_code", "channel", "category", "subject", "body"]);
        let good = RawGrievance {
            national_code: "0012345679".into(),
            channel: "تلفنی".into(),
            category: "payment".into(),
            subject: "مستمری آبان واریز نشد".into(),
            body: "مستمری ماه آبان به حساب واریز نشده است".into(),
        };
        let parsed = GrievanceFields::parse(&good).unwrap();
        assert_eq!((parsed.channel, parsed.category), (GrievanceChannel::Phone, GrievanceCategory::Payment));
    }

    #[test]
    fn deadlines_follow_the_category() {
        let day = date!(2026 - 11 - 27);
        assert_eq!(due_on(day, GrievanceCategory::Payment), date!(2026 - 12 - 04));
        assert_eq!(due_on(day, GrievanceCategory::Other), date!(2026 - 12 - 18));
        assert!(GrievanceCategory::ALL.iter().all(|c| c.sla_days() > 0));
    }

    #[test]
    fn states() {
        use GrievanceState as S;
        assert!(S::Received.may_become(S::Assigned) && S::Assigned.may_become(S::Escalated));
        assert!(S::Escalated.may_become(S::Resolved) && !S::Resolved.may_become(S::Assigned));
        assert!(!S::Received.may_become(S::Received));
        assert_eq!(reply(" ").unwrap_err().field, "reply");
    }
}
