//! Texts of the programs' pages: editor, simulation, proposals, explanations.

use crate::i18n::ui_texts;

ui_texts! {
    kind: "نوع برنامه", "Program kind";
    code: "کد", "Code";
    name: "نام", "Name";
    status: "وضعیت", "Status";
    fix_errors: "لطفاً خطاهای فرم را برطرف کنید.", "Please correct the errors in the form.";
    edit: "ویرایش", "Edit";
    save: "ذخیره", "Save";
    place: "محل سکونت", "Place";
    kind_label: "نوع", "Type";
    reason: "علت", "Reason";
    programs: "برنامه‌ها", "Programs";
    new_program: "برنامهٔ جدید", "New program";
    rule: "قاعدهٔ استحقاق", "Eligibility rule";
    formula: "فرمول مبلغ ماهانه (ریال)", "Monthly amount formula (rials)";
    variables: "متغیرهای قاعده", "Rule variables";
    meaning: "معنا", "Meaning";
    simulate: "شبیه‌سازی", "Simulate";
    draft_rule: "قاعدهٔ پیشنهادی", "Draft rule";
    cost_by_province: "هزینهٔ ماهانه به تفکیک استان", "Monthly cost by province";
    eligible: "مستحق", "Eligible";
    not_eligible: "مستحق نیست", "Not eligible";
    monthly_cost: "هزینهٔ ماهانه", "Monthly cost";
    gainers: "افزوده‌شدگان", "Gain";
    losers: "کاسته‌شدگان", "Lose";
    total: "جمع", "Total";
    run_eligibility: "اجرای قاعده و پیشنهاد ثبت‌نام", "Run the rule and propose enrollments";
    to_enroll: "پیشنهاد ثبت‌نام", "Proposed for enrollment";
    no_longer_eligible: "ثبت‌نام‌شدگانی که دیگر مستحق نیستند (برای بررسی)", "Enrolled but no longer eligible (for review)";
    reasons: "دلایل تصمیم", "Reasons for the decision";
    legal_basis: "مبنای قانونی", "Legal basis";
    confirm_enrollment: "تأیید ثبت‌نام", "Confirm enrollment";
    refused_count: "پذیرفته‌نشده:", "Not enrolled:";
    enrolled_count: "ثبت‌نام‌شده:", "Enrolled:";
    why_eligible: "چرا مستحق است یا نیست", "Why eligible or not";
    clause: "شرط", "Condition";
    values: "مقدارها", "Values";
    result: "نتیجه", "Result";
    holds: "برقرار است", "holds";
    fails: "برقرار نیست", "does not hold";
    unknown: "نامعلوم", "unknown";
    yes: "بله", "yes";
    no: "خیر", "no";
    person: "پرونده فرد", "The person";
    enrollment_state: "وضعیت ثبت‌نام", "Enrollment";
    decision: "تصمیم", "Decision";
    new_state: "وضعیت تازه", "New state";
    decision_recorded: "تصمیم ثبت شد. وضعیت:", "Decision recorded. State:";
    activate: "اجرای برنامه", "Activate";
    close_program: "پایان برنامه", "Close the program";
    budget_month: "بودجهٔ ماهانه", "Monthly budget";
    over_budget: "بیش از بودجه به اندازهٔ", "over budget by";
    within_budget: "در حد بودجه، با مانده‌ای به اندازهٔ", "within budget, leaving";
    needs_review: "ثبت‌نام‌هایی که با تغییر پرونده باید بازبینی شوند", "Enrollments to review after registry changes";
}
