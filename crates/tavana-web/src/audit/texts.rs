//! The audit log's texts.

use crate::i18n::ui_texts;

ui_texts! {
    filter_entries: "پالایش رویدادها", "Filter entries";
    object_id: "شناسهٔ مورد", "Object id";
    audit_log: "رویدادنگاری", "Audit log";
    chain_intact: "زنجیرهٔ رویدادها سالم است. شمار رویدادها:", "The audit chain is intact. Entries:";
    recent_reads: "مشاهده‌های اخیر اطلاعات حساس", "Recent reads of sensitive data";
    who_read_person: "چه کسانی اطلاعات این فرد را دیده‌اند (شناسهٔ فرد)", "Who read this person (person id)";
    show: "نمایش", "Show";
    chain_broken: "زنجیرهٔ رویدادها آسیب دیده است. نخستین رویداد آسیب‌دیده:", "The audit chain is broken. First broken entry:";
    when: "زمان", "When";
    who: "کاربر", "Who";
    action: "عملیات", "Action";
    object: "موضوع", "Object";
    system: "سامانه", "System";
}
