//! Texts of the org-unit pages.

use crate::i18n::ui_texts;

ui_texts! {
    org_units: "واحدهای سازمانی", "Org units";
    kind: "سطح", "Level";
    code: "کد", "Code";
    name: "نام", "Name";
    hq: "ستاد", "Headquarters";
    province: "استان", "Province";
    county: "شهرستان", "County";
    sub_units: "واحدهای زیرمجموعه", "Units below";
    back: "بازگشت", "Back";
}
