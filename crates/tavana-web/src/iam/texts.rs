//! Texts of sign-in, users and tokens.

use crate::i18n::ui_texts;

ui_texts! {
    sign_in: "ورود", "Sign in";
    sign_in_title: "ورود به سامانهٔ توانا", "Sign in to Tavana";
    username: "نام کاربری", "User name";
    password: "گذرواژه", "Password";
    wrong_credentials: "نام کاربری یا گذرواژه نادرست است.", "The user name or password is wrong.";
    throttled: "تلاش‌های ناموفق بسیار بود. پانزده دقیقهٔ دیگر دوباره تلاش کنید.", "Too many failed attempts. Try again in fifteen minutes.";
    form_expired: "فرم منقضی شده است. دوباره تلاش کنید.", "The form has expired. Please try again.";
    unit: "واحد", "Unit";
    users: "کاربران", "Users";
    new_user: "کاربر جدید", "New user";
    display_name: "نام و نام خانوادگی", "Full name";
    roles: "نقش‌ها", "Roles";
    filter: "پالایش", "Filter";
    filter_users: "پالایش کاربران", "Filter users";
    status: "وضعیت", "Status";
    active: "فعال", "Active";
    inactive: "غیرفعال", "Disabled";
    created: "ایجاد", "Created";
    create: "ایجاد", "Create";
    disable: "غیرفعال کردن", "Disable";
    enable: "فعال کردن", "Enable";
    api_tokens: "توکن‌های دسترسی برنامه‌ها", "API tokens";
    token_name: "نام توکن", "Token name";
    expires: "پایان اعتبار", "Expires";
    last_used: "آخرین استفاده", "Last used";
    revoke: "ابطال", "Revoke";
    revoked: "باطل یا منقضی", "Revoked or expired";
    issue_token: "صدور توکن", "Issue token";
    token_shown_once: "این توکن فقط همین یک بار نمایش داده می‌شود؛ آن را در جای امنی نگه دارید:", "This token is shown only once; keep it somewhere safe:";
    fix_errors: "لطفاً خطاهای فرم را برطرف کنید.", "Please correct the errors in the form.";
    back: "بازگشت", "Back";
    required: "الزامی", "required";
    confirm_disable: "غیرفعال شود؟ دیگر نمی‌تواند وارد شود و همهٔ توکن‌هایش برای همیشه باطل می‌شود.", "to be disabled? They can no longer sign in, and all their tokens are revoked for good.";
    access: "واحد و نقش‌ها", "Unit and roles";
    save_access: "ذخیرهٔ واحد و نقش‌ها", "Save unit and roles";
    set_password: "تعیین گذرواژهٔ تازه", "Set a new password";
    new_password: "گذرواژهٔ تازه", "New password";
    password_hint: "دست‌کم ۱۰ نویسه؛ نشست‌ها و توکن‌های کاربر باطل می‌شود. آن را حضوری به کاربر بدهید.", "At least 10 characters; the user's sessions and tokens end. Hand it to the user in person.";
    password_set: "گذرواژهٔ تازه تعیین شد؛ نشست‌ها و توکن‌های کاربر باطل شد.", "The new password is set; the user's sessions and tokens have ended.";
}
