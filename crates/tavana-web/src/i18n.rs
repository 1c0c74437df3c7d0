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
    pub fn role(self, role: Role) -> &'static str {
        match self {
            Lang::Fa => role.label_fa(),
            Lang::En => role.label_en(),
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

macro_rules! texts {
    ($($name:ident: $fa:expr, $en:expr;)*) => {
        /// Every fixed text of the UI.
        pub struct Texts { $(pub $name: &'static str,)* }
        pub static FA: Texts = Texts { $($name: $fa,)* };
        pub static EN: Texts = Texts { $($name: $en,)* };
    };
}

texts! {
    app_name: "توانا", "Tavana";
    org_name: "سازمان بهزیستی کشور", "State Welfare Organization";
    skip_to_content: "پرش به محتوا", "Skip to content";
    switch_language: "English", "فارسی";
    sign_in: "ورود", "Sign in";
    sign_in_title: "ورود به سامانهٔ توانا", "Sign in to Tavana";
    sign_out: "خروج", "Sign out";
    username: "نام کاربری", "User name";
    password: "گذرواژه", "Password";
    wrong_credentials: "نام کاربری یا گذرواژه نادرست است.", "The user name or password is wrong.";
    throttled: "تلاش‌های ناموفق بسیار بود. پانزده دقیقهٔ دیگر دوباره تلاش کنید.", "Too many failed attempts. Try again in fifteen minutes.";
    form_expired: "فرم منقضی شده است. دوباره تلاش کنید.", "The form has expired. Please try again.";
    main_navigation: "فهرست اصلی", "Main navigation";
    dashboard: "پیشخوان", "Dashboard";
    welcome: "خوش آمدید", "Welcome";
    your_unit: "واحد شما", "Your unit";
    your_roles: "نقش‌های شما", "Your roles";
    not_yet: "به‌زودی", "coming";
    module_not_built: "این بخش هنوز ساخته نشده است و در نسخه‌های بعدی می‌آید.", "This module is not built yet; it arrives in a later release.";
    org_units: "واحدهای سازمانی", "Org units";
    unit: "واحد", "Unit";
    kind: "سطح", "Level";
    code: "کد", "Code";
    name: "نام", "Name";
    hq: "ستاد", "Headquarters";
    province: "استان", "Province";
    county: "شهرستان", "County";
    sub_units: "واحدهای زیرمجموعه", "Units below";
    users: "کاربران", "Users";
    new_user: "کاربر جدید", "New user";
    display_name: "نام و نام خانوادگی", "Full name";
    roles: "نقش‌ها", "Roles";
    status: "وضعیت", "Status";
    active: "فعال", "Active";
    inactive: "غیرفعال", "Disabled";
    created: "ایجاد", "Created";
    create: "ایجاد", "Create";
    disable: "غیرفعال کردن", "Disable";
    enable: "فعال کردن", "Enable";
    api_tokens: "توکن‌های دسترسی برنامه‌ها", "API tokens";
    token_name: "نام توکن", "Token name";
    issue_token: "صدور توکن", "Issue token";
    token_shown_once: "این توکن فقط همین یک بار نمایش داده می‌شود؛ آن را در جای امنی نگه دارید:", "This token is shown only once; keep it somewhere safe:";
    audit_log: "رویدادنگاری", "Audit log";
    chain_intact: "زنجیرهٔ رویدادها سالم است. شمار رویدادها:", "The audit chain is intact. Entries:";
    chain_broken: "زنجیرهٔ رویدادها آسیب دیده است. نخستین رویداد آسیب‌دیده:", "The audit chain is broken. First broken entry:";
    when: "زمان", "When";
    who: "کاربر", "Who";
    action: "عملیات", "Action";
    object: "موضوع", "Object";
    system: "سامانه", "System";
    not_found: "صفحه یا موردی که خواستید پیدا نشد.", "The page or record you asked for was not found.";
    forbidden: "نقش شما اجازهٔ این کار را نمی‌دهد.", "Your role does not allow this.";
    server_error: "خطایی در سامانه رخ داد. دوباره تلاش کنید؛ اگر تکرار شد به پشتیبانی خبر دهید.", "Something went wrong. Try again; if it happens again, tell support.";
    fix_errors: "لطفاً خطاهای فرم را برطرف کنید.", "Please correct the errors in the form.";
    places: "تقسیمات کشوری", "Places";
    back: "بازگشت", "Back";
    required: "الزامی", "required";
    registry: "پایگاه جامع", "Registry";
    search: "جستجو", "Search";
    search_persons: "جستجوی افراد", "Search persons";
    no_results: "کسی با این مشخصات پیدا نشد.", "Nobody matches.";
    next_page: "صفحهٔ بعد", "Next page";
    new_household: "ثبت خانوار", "Register a household";
    household: "خانوار", "Household";
    members: "اعضای خانوار", "Members";
    add_member: "افزودن عضو", "Add a member";
    new_person: "ثبت فرد", "Register a person";
    edit: "ویرایش", "Edit";
    save: "ذخیره", "Save";
    history: "سابقهٔ تغییرات", "History";
    disabilities: "ارزیابی‌های معلولیت", "Disability assessments";
    add_disability: "ثبت ارزیابی معلولیت", "Record an assessment";
    no_disabilities: "ارزیابی ثبت نشده است.", "No assessment recorded.";
    version: "نسخه", "Version";
    changed_by: "تغییر دهنده", "Changed by";
    birth_year_label: "سال تولد (شمسی)", "Year of birth (Jalali)";
    alive: "در قید حیات", "Alive";
    deceased: "فوت‌شده", "Deceased";
    change_reason_hint: "علت تغییر را بنویسید (مثلاً: ازدواج، فوت، اصلاح اشتباه).", "Say why it changes (marriage, death, a correction).";
    read_logged: "مشاهدهٔ این صفحه در رویدادنگاری ثبت می‌شود.", "Viewing this page is recorded in the audit log.";
    national_code: "کد ملی", "National code";
    first_name: "نام", "First name";
    last_name: "نام خانوادگی", "Last name";
    father_name: "نام پدر", "Father's name";
    birth_date: "تاریخ تولد", "Date of birth";
    phone: "تلفن", "Phone";
    place: "محل سکونت", "Place";
    address: "نشانی", "Address";
    postal_code: "کد پستی", "Postal code";
    relationship: "نسبت با سرپرست", "Relationship";
    kind_label: "نوع", "Type";
    severity: "شدت", "Severity";
    commission: "کمیسیون", "Commission";
    assessed_on: "تاریخ ارزیابی", "Assessed on";
    valid_until: "اعتبار تا", "Valid until";
    reason: "علت", "Reason";
    changes: "تغییرها", "Changes";
    duplicates: "موارد احتمالی تکراری", "Likely duplicates";
    open_cases: "بررسی‌نشده", "Open";
    merged: "ادغام‌شده", "Merged";
    dismissed: "ردشده", "Dismissed";
    detect_duplicates: "جستجوی موارد تکراری", "Find duplicates";
    found_new: "موارد تازه:", "New candidates:";
    no_duplicates: "موردی نیست.", "None.";
    keep_which: "کدام پرونده بماند؟", "Which record stays?";
    merge: "ادغام", "Merge";
    dismiss: "تکراری نیست", "Not a duplicate";
    undo: "بازگرداندن تصمیم", "Undo the decision";
    import_files: "ورود از پرونده", "Import files";
    persons: "افراد", "Persons";
    households: "خانوارها", "Households";
    file: "پرونده", "File";
    file_holds: "محتوای پرونده", "The file holds";
    choose_file: "نوع و پرونده را انتخاب کنید.", "Choose what the file holds and the file.";
    file_format: "پروندهٔ CSV با سطر عنوان، یا JSON Lines (.jsonl)؛ تاریخ‌ها شمسی یا میلادی.", "A CSV file with a header row, or JSON Lines (.jsonl); dates Jalali or ISO.";
    rows_read: "سطرهای خوانده‌شده", "Rows read";
    rows_inserted: "افزوده", "Added";
    rows_updated: "به‌روزشده", "Updated";
    rows_unchanged: "بدون تغییر", "Unchanged";
    rows_rejected: "پذیرفته‌نشده", "Refused";
    download_report: "دریافت گزارش سطرهای پذیرفته‌نشده (CSV)", "Download the refused rows (CSV)";
    line: "سطر", "Line";
    field: "فیلد", "Field";
    value: "مقدار", "Value";
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
    place_code_hint: "کد روستا یا شهر، مانند 08-01-C", "Village or city code, e.g. 08-01-C";
}
