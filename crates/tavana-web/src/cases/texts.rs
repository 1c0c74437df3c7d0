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
    grievances: "شکایت‌ها", "Grievances";
    grievance: "شکایت", "Grievance";
    new_grievance: "ثبت شکایت", "New grievance";
    receive: "ثبت شکایت", "Receive the grievance";
    channel: "مسیر دریافت", "Channel";
    category: "موضوع", "Category";
    subject: "عنوان", "Subject";
    body: "شرح شکایت", "What the person says";
    concerns: "دربارهٔ تصمیم", "About the decision";
    due_on: "مهلت پاسخ", "Answer by";
    overdue: "مهلت گذشته", "Overdue";
    only_overdue: "فقط شکایت‌های با مهلت گذشته", "Only overdue";
    only_mine: "فقط شکایت‌های ارجاع‌شده به من", "Only those assigned to me";
    any_state: "همهٔ وضعیت‌ها", "Any state";
    show: "نمایش", "Show";
    handled_at: "واحد رسیدگی", "Handled at";
    escalations: "دفعات ارجاع به سطح بالاتر", "Escalations";
    assigned: "کارشناس", "Assigned to";
    assign_to: "ارجاع به (نام کاربری)", "Assign to (username)";
    assign: "ارجاع", "Assign";
    reply: "پاسخ", "Reply";
    resolve: "ثبت پاسخ و پایان رسیدگی", "Answer and close";
    received: "دریافت", "Received";
    history: "سابقه", "History";
    when: "زمان", "When";
    by: "به دست", "By";
    change: "تغییر", "Change";
    note: "یادداشت", "Note";
    system: "سامانه", "the system";
    no_grievances: "شکایتی نیست.", "No grievances.";
}
