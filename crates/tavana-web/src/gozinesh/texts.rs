//! Texts of the vetting pages: the cases of the tree, a case's file behind its
//! reason, and the subject's notice.

use crate::i18n::ui_texts;

ui_texts! {
    cases: "پرونده‌های گزینش", "Vetting cases";
    case: "پروندهٔ گزینش", "Vetting case";
    trust: "پرونده‌های گزینش امانت‌اند: هر پرونده فقط با مجوز دسترسی و با ذکر دلیل گشوده می‌شود و هر گشودن ثبت می‌شود.", "Vetting files are held in trust: each opens only by a grant and for a stated reason, and every opening is logged.";
    no_cases: "پرونده‌ای نیست.", "No cases.";
    new_case: "گشایش پرونده", "Open a case";
    open_case: "گشایش پرونده", "Open the case";
    kind: "موضوع", "Kind";
    subject_name: "نام شخص", "Subject's name";
    national_code: "کد ملی", "National code";
    state: "وضعیت", "State";
    opened: "تاریخ گشایش", "Opened";
    my_grant: "دسترسی من تا", "My grant until";
    no_grant: "بدون دسترسی", "No grant";
    overdue: "استعلام‌های با مهلت گذشته", "Overdue inquiries";
    no_overdue: "استعلامی از مهلت نگذشته است.", "No inquiry is overdue.";
    due_on: "مهلت پاسخ", "Due on";
    closed_file: "این پرونده بسته است. برای دیدن آن دلیل گشودن را بنویسید؛ دلیل شما با نام شما و زمان در دفتر رویدادها ثبت می‌شود و هیئت آن را می‌بیند.", "This file is closed. To see it, state why you open it; your reason is logged with your name and the time, and the board sees it.";
    reason: "دلیل گشودن پرونده", "Reason for opening";
    open_file: "گشودن پرونده", "Open the file";
    sitting: "این پرونده برای شما گشوده است؛ هر بار دیدن آن با همان دلیل ثبت می‌شود.", "This file is open to you; each view is logged with the same reason.";
    subject: "شخص", "Subject";
    entries: "ثبت‌ها", "Entries";
    no_entries: "چیزی ثبت نشده است.", "Nothing recorded.";
    entry_kind: "نوع ثبت", "Kind";
    text: "متن", "Text";
    reply_to: "پاسخ به استعلام", "Reply to inquiry";
    none: "—", "—";
    by: "به دست", "By";
    when: "زمان", "When";
    add_entry: "ثبت در پرونده", "Record";
    decision: "رأی", "Decision";
    verdict: "رأی", "Verdict";
    reasons: "دلیل‌ها", "Reasons";
    legal_basis: "مستند قانونی", "Legal basis";
    conditions: "شرط‌ها", "Conditions";
    decide: "صدور رأی", "Decide";
    appeal_until: "مهلت اعتراض", "Appeal until";
    grounds: "دلیل‌های اعتراض", "Grounds of the appeal";
    appeal: "ثبت اعتراض شخص", "Lodge the subject's appeal";
    ruling: "رأی هیئت", "The board's ruling";
    affirm: "رأی پیشین تأیید می‌شود", "The decision stands";
    overturn: "رأی پیشین نقض و رأی زیر جایگزین می‌شود", "The decision is replaced by this one";
    outcome: "نتیجه", "Outcome";
    ruling_reasons: "دلیل‌های رأی هیئت", "Reasons of the ruling";
    rule: "ثبت رأی هیئت", "Record the ruling";
    notice: "ابلاغ رأی به شخص", "Notice to the subject";
    notice_intro: "به آگاهی می‌رساند دربارهٔ پروندهٔ گزینش شما رأی زیر صادر شد:", "You are informed of the following decision on your vetting case:";
    notice_rights: "اگر با این رأی موافق نیستید، تا پایان مهلت می‌توانید به هیئت عالی گزینش اعتراض کنید. متن استعلام‌ها و یافته‌های محرمانه در این ابلاغ نمی‌آید.", "If you disagree you may appeal to the board by the deadline. Confidential inquiries and findings are not part of this notice.";
    print: "چاپ", "Print";
    grants: "مجوز دسترسی", "Grant access";
    user: "کاربر (نام کاربری)", "User (username)";
    days: "مدت (روز)", "Days";
    grant: "دادن مجوز", "Grant";
    openings: "گشودن‌های پرونده", "Openings of the file";
    no_openings: "هنوز کسی پرونده را نگشوده است.", "Nobody has opened the file yet.";
    details: "دلیل", "Reason";
}
