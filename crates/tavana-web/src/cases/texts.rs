//! Texts of the cases' pages: a decision's letter with its appeal, and the
//! board's list of appeals to rule on.

use crate::i18n::ui_texts;

ui_texts! {
    appeals: "اعتراض‌ها", "Appeals";
    decision_letter: "ابلاغ تصمیم", "Decision letter";
    letter_intro: "به آگاهی می‌رساند دربارهٔ شما تصمیم زیر گرفته شد:", "You are informed of the following decision about you:";
    person: "نام", "Name";
    national_code: "کد ملی", "National code";
    program: "برنامه", "Program";
    decision: "تصمیم", "Decision";
    reasons: "دلیل‌ها", "Reasons";
    legal_basis: "مستند قانونی", "Legal basis";
    decided_by: "تصمیم‌گیرنده", "Decided by";
    decided_at: "تاریخ تصمیم", "Date";
    appeal_until: "مهلت اعتراض", "Appeal until";
    appeal_rights: "اگر با این تصمیم موافق نیستید، تا پایان مهلت اعتراض می‌توانید در ادارهٔ بهزیستی شهرستان خود اعتراض کنید؛ اعتراض شما در هیئتی رسیدگی می‌شود که تصمیم‌گیرنده عضو آن نیست.", "If you disagree with this decision you may appeal at your county welfare office until the deadline; your appeal is heard by a board the decider does not sit on.";
    print: "چاپ", "Print";
    lodge: "ثبت اعتراض", "Lodge the appeal";
    grounds: "دلیل‌های اعتراض", "Grounds of the appeal";
    appeal: "اعتراض", "Appeal";
    state: "وضعیت", "State";
    lodged_by: "ثبت به دست", "Lodged by";
    ruled_by: "رأی به دست", "Ruled by";
    ruling: "رأی", "Ruling";
    ruling_reasons: "دلیل‌های رأی", "Reasons of the ruling";
    rule: "ثبت رأی", "Record the ruling";
    no_appeals: "اعتراضی در انتظار رأی نیست.", "No appeals wait for a ruling.";
    not_appealable: "این تصمیم اکنون قابل اعتراض نیست.", "This decision cannot be appealed now.";
}
