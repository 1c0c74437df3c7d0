//! Texts of the library's pages: search, an item, and the form recording one.

use crate::i18n::ui_texts;

ui_texts! {
    library: "کتابخانهٔ تجربه", "Knowledge library";
    intro: "تجربه‌های پیشکسوتان سازمان، برای همکارانی که راه آنها را ادامه می‌دهند.", "The experience of the organization's veterans, for the colleagues who carry on their work.";
    search: "جستجو", "Search";
    words: "واژه‌ها", "Words";
    topic: "موضوع", "Topic";
    year_from: "از سال", "From year";
    year_to: "تا سال", "To year";
    my_unit: "فقط واحد من و زیرمجموعه‌ها", "Only my unit and the units below it";
    found: "یافته‌ها", "Found";
    nothing: "چیزی یافت نشد.", "Nothing found.";
    narrator: "راوی", "Narrator";
    unit: "واحد", "Unit";
    recorded_on: "تاریخ ثبت روایت", "Recorded on";
    topics: "موضوع‌ها", "Topics";
    positions: "سمت‌های مرتبط", "Related positions";
    transcript: "متن روایت", "Transcript";
    attachments: "پیوست‌ها", "Attachments";
    no_attachments: "پیوستی ندارد.", "No attachments.";
    attach: "افزودن پیوست (صدا، فیلم یا سند)", "Attach audio, video or a document";
    upload: "بارگذاری", "Upload";
    new_item: "ثبت تجربهٔ تازه", "Record an experience";
    record: "ثبت", "Record";
    title: "عنوان", "Title";
    unit_code: "کد واحد", "Unit code";
    topics_hint: "موضوع‌ها (جدا با ویرگول)", "Topics (separated by commas)";
    positions_hint: "کد سمت‌های مرتبط (جدا با ویرگول)", "Related position codes (separated by commas)";
    previous: "صفحهٔ پیش", "Previous page";
    next: "صفحهٔ بعد", "Next page";
}
