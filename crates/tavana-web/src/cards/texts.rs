//! Texts of the travel cards' page.

use crate::i18n::ui_texts;

ui_texts! {
    title: "کارت‌های تخفیف سفر بین‌شهری", "Intercity travel discount cards";
    in_force: "کارت معتبر", "Cards in force";
    revoked: "کارت باطل‌شده", "Cards revoked";
    explain: "با اجرای صدور، کارت‌های منقضی یا بی‌پشتوانه (ارزیابی تازهٔ کمتر از شدید، فوت، ادغام) باطل می‌شوند و هر فرد دارای ارزیابی معتبر شدید یا خیلی شدید در حوزهٔ شما که کارت معتبر ندارد کارت می‌گیرد.", "A run revokes the cards that have lapsed or lost their ground (a reassessment below severe, a death, a merge) and issues a card to everyone in your area with a current severe or very severe assessment who has none in force.";
    run: "اجرای صدور و ابطال", "Run issue and revocation";
    done: "انجام شد: صادرشده", "Done: issued";
    done_revoked: "باطل‌شده", "revoked";
    check_hint: "شرکت‌های حمل‌ونقل اعتبار کارت را با شمارهٔ آن در نشانی ‎/api/v1/travel-cards/{شماره}‎ استعلام می‌کنند.", "Transport operators check a card by its number at /api/v1/travel-cards/{number}.";
}
