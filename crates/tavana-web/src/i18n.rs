//! The two languages of the UI. Persian is the default; every text exists in both.

use tavana_domain::iam::{Module, Role};
use tavana_domain::jalali::JalaliDate;
use tavana_domain::text::to_persian_digits;
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Fa,
    En,
}

impl Lang {
    pub fn from_code(code: &str) -> Lang {
        if code == "en" { Lang::En } else { Lang::Fa }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fa => "fa",
            Lang::En => "en",
        }
    }
    pub fn dir(self) -> &'static str {
        match self {
            Lang::Fa => "rtl",
            Lang::En => "ltr",
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Fa => Lang::En,
            Lang::En => Lang::Fa,
        }
    }
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Fa => &FA,
            Lang::En => &EN,
        }
    }
    /// Digits as people of this language read them.
    pub fn digits(self, text: &str) -> String {
        match self {
            Lang::Fa => to_persian_digits(text),
            Lang::En => text.to_string(),
        }
    }
    /// A count grouped by thousands, as people of this language write it
    /// (`۱۵۰٬۰۰۰`, `150,000`).
    pub fn number(self, n: i64) -> String {
        let grouped = tavana_domain::Rials::new(n).grouped();
        match self {
            Lang::Fa => to_persian_digits(&grouped.replace(',', "\u{066C}")),
            Lang::En => grouped,
        }
    }
    /// A coded value (a state, a reason) as people of this language read it: its
    /// Persian label, or its code in words.
    pub fn coded<C: tavana_domain::coded::Coded>(self, value: C) -> String {
        match self {
            Lang::Fa => value.label_fa().to_string(),
            Lang::En => value.code().replace('_', " "),
        }
    }
    pub fn role(self, role: Role) -> &'static str {
        match self {
            Lang::Fa => role.label_fa(),
            Lang::En => role.label_en(),
        }
    }
    /// An ISO date (`2026-11-27`) as a Jalali one in this language's digits; text
    /// that is not such a date is shown as it is.
    pub fn date(self, iso: &str) -> String {
        let parsed = time::Date::parse(iso, &time::macros::format_description!("[year]-[month]-[day]"));
        match parsed.ok().and_then(|d| JalaliDate::from_gregorian(d).ok()) {
            Some(j) => self.digits(&j.to_ascii()),
            None => iso.to_string(),
        }
    }
    /// An instant stored as microseconds, as a Jalali date and Tehran time.
    pub fn instant(self, micros: i64) -> String {
        let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000) else {
            return String::new();
        };
        let local = t.to_offset(tavana_domain::jalali::TEHRAN);
        let date = JalaliDate::from_gregorian(local.date()).map(|d| d.to_ascii()).unwrap_or_default();
        self.digits(&format!("{date} {:02}:{:02}", local.hour(), local.minute()))
    }
    pub fn module(self, module: Module) -> &'static str {
        let (fa, en) = match module {
            Module::Registry => ("پایگاه جامع", "Registry"),
            Module::Programs => ("برنامه‌ها", "Programs"),
            Module::Payments => ("پرداخت‌ها", "Payments"),
            Module::Cases => ("درخواست‌ها و شکایات", "Applications and grievances"),
            Module::Gozinesh => ("گزینش", "Vetting"),
            Module::Hr => ("منابع انسانی", "Human resources"),
            Module::Library => ("کتابخانهٔ تجربه", "Knowledge library"),
            Module::Employment => ("اشتغال", "Employment"),
            Module::Planning => ("مرکز برنامه‌ریزی", "Planning centre"),
            Module::Org => ("واحدهای سازمانی", "Org units"),
            Module::Users => ("کاربران", "Users"),
            Module::Audit => ("رویدادنگاری", "Audit log"),
        };
        match self {
            Lang::Fa => fa,
            Lang::En => en,
        }
    }
}

/// Declares a part of the UI's fixed texts, Persian and English side by side: a
/// `Texts` struct, its two instances and `texts(lang)`. The platform declares the
/// frame's texts here; every module slice declares its own in `<module>/texts.rs`.
macro_rules! ui_texts {
    ($($name:ident: $fa:expr, $en:expr;)*) => {
        /// Every fixed text of this part of the UI, in one language.
        pub struct Texts { $(pub $name: &'static str,)* }
        pub static FA: Texts = Texts { $($name: $fa,)* };
        pub static EN: Texts = Texts { $($name: $en,)* };
        /// The texts in a language.
        #[allow(dead_code)]
        pub fn texts(lang: $crate::i18n::Lang) -> &'static Texts {
            match lang {
                $crate::i18n::Lang::Fa => &FA,
                $crate::i18n::Lang::En => &EN,
            }
        }
    };
}

pub(crate) use ui_texts;

// The frame's texts: navigation, sign-out, the dashboard, errors, form chrome.
ui_texts! {
    app_name: "توانا", "Tavana";
    org_name: "سازمان بهزیستی کشور", "State Welfare Organization";
    skip_to_content: "پرش به محتوا", "Skip to content";
    switch_language: "English", "فارسی";
    sign_out: "خروج", "Sign out";
    main_navigation: "فهرست اصلی", "Main navigation";
    dashboard: "پیشخوان", "Dashboard";
    welcome: "خوش آمدید،", "Welcome,";
    your_unit: "واحد شما", "Your unit";
    your_roles: "نقش‌های شما", "Your roles";
    not_yet: "به‌زودی", "coming";
    module_not_built: "این بخش هنوز ساخته نشده است و در نسخه‌های بعدی می‌آید.", "This module is not built yet; it arrives in a later release.";
    not_found: "صفحه یا موردی که خواستید پیدا نشد.", "The page or record you asked for was not found.";
    forbidden: "نقش شما اجازهٔ این کار را نمی‌دهد.", "Your role does not allow this.";
    server_error: "خطایی در سامانه رخ داد. دوباره تلاش کنید؛ اگر تکرار شد به پشتیبانی خبر دهید.", "Something went wrong. Try again; if it happens again, tell support.";
    fix_errors: "لطفاً خطاهای فرم را برطرف کنید.", "Please correct the errors in the form.";
    back: "بازگشت", "Back";
    required: "الزامی", "required";
    save: "ذخیره", "Save";
    change_reason_hint: "علت تغییر را بنویسید (مثلاً: ازدواج، فوت، اصلاح اشتباه).", "Say why it changes (marriage, death, a correction).";
    reason: "علت", "Reason";
    confirm_title: "تأیید", "Confirm";
    title_not_found: "پیدا نشد", "Not found";
    title_forbidden: "اجازه ندارید", "Not allowed";
    title_error: "درخواست انجام نشد", "The request was not done";
    confirm_yes: "بله، انجام شود", "Yes, do it";
    confirm_no: "نه، بازگشت", "No, go back";
    found: "یافته‌ها:", "Found:";
    at_least: "دست‌کم", "at least";
    at_least_short: "دست‌کم ", "at least ";
    page: "صفحهٔ", "Page";
    of: "از", "of";
    previous_page: "صفحهٔ قبل", "Previous page";
    next_page: "صفحهٔ بعد", "Next page";
    download_csv: "دریافت CSV", "Download CSV";
    download_xlsx: "دریافت اکسل (XLSX)", "Download Excel (XLSX)";
    list_pages: "صفحه‌های فهرست", "List pages";
    county_first: "شهرستان (برای فهرست روستاها و شهرهایش)", "County (to list its villages and cities)";
}

#[cfg(test)]
mod tests {
    use super::Lang;

    /// Counts showed as «۱۵۰,۰۰۰», a Latin comma among Persian digits.
    #[test]
    fn counts_are_grouped_as_each_language_writes_them() {
        assert_eq!(Lang::Fa.number(150_000), "۱۵۰٬۰۰۰");
        assert_eq!(Lang::En.number(1_250_000), "1,250,000");
        assert_eq!(Lang::Fa.number(7), "۷");
    }
}
