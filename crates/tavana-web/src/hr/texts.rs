//! Texts of the HR pages: staff, a unit's org chart, a position with its
//! successors, and the succession risk of critical posts.

use crate::i18n::ui_texts;

ui_texts! {
    hr: "منابع انسانی", "Human resources";
    staff: "کارکنان", "Staff";
    find: "جستجو", "Find";
    name_or_number: "نام یا شمارهٔ پرسنلی", "Name or personnel number";
    personnel_number: "شمارهٔ پرسنلی", "Personnel number";
    name: "نام", "Name";
    unit: "واحد", "Unit";
    position: "سمت", "Position";
    grade: "طبقه", "Grade";
    employment_type: "نوع استخدام", "Employment";
    hire_date: "تاریخ استخدام", "Hired";
    retirement_date: "بازنشستگی", "Retires";
    org_chart: "نمودار سازمانی", "Org chart";
    my_unit: "نمودار سازمانی واحد من", "My unit's org chart";
    up: "واحد بالاتر", "Unit above";
    sub_units: "واحدهای زیرمجموعه", "Units below";
    staff_count: "شمار کارکنان", "Staff";
    positions: "سمت‌ها", "Positions";
    critical: "حساس", "Critical";
    holder: "متصدی", "Holder";
    vacant: "خالی", "vacant";
    successors: "جانشینان", "Successors";
    readiness: "آمادگی", "Readiness";
    plan: "برنامهٔ توسعه", "Development plan";
    name_successor: "ثبت جانشین", "Name a successor";
    no_successors: "جانشینی ثبت نشده است.", "No successor named.";
    succession: "ریسک جانشینی سمت‌های حساس", "Succession risk of critical posts";
    years: "افق (سال)", "Horizon (years)";
    show: "نمایش", "Show";
    risk: "ریسک", "Risk";
    ready_now: "آمادهٔ اکنون", "Ready now";
    candidates: "همهٔ نامزدها", "All candidates";
    no_risk: "همهٔ سمت‌های حساس جانشین آماده دارند و متصدی آنها در این افق بازنشسته نمی‌شود.", "Every critical post has a successor ready and its holder stays beyond the horizon.";
    no_staff: "کسی یافت نشد.", "Nobody found.";
    advice: "نظر گزینش", "Vetting advice";
    awaiting_advice: "در انتظار رأی گزینش", "Awaiting the vetting decision";
    vetting_case: "شمارهٔ پروندهٔ گزینش (اختیاری)", "Vetting case number (optional)";
    experience: "تجربه‌های پیشکسوتان برای این سمت", "Veterans' experience for this post";
    all_experience: "همهٔ تجربه‌های این سمت در کتابخانه", "All of this post's experience in the library";
}
