//! Synthetic knowledge-library items: veterans' accounts of the organization's
//! work, in Persian as people type it (Arabic ي and ك now and then, the
//! zero-width non-joiner sometimes a space or left out), for the demo and the
//! search bench. The same seed gives the same items.

use crate::Rng;
use tavana_domain::library::RawItem;

const NARRATORS: [&str; 12] = [
    "حسن رضایی",
    "مریم احمدی",
    "علی کریمی",
    "زهرا محمدی",
    "محمود نوری",
    "فاطمه حسینی",
    "رضا جعفری",
    "سکینه موسوی",
    "غلامرضا صادقی",
    "پروین رحیمی",
    "اکبر قاسمی",
    "طاهره کاظمی",
];

const TOPICS: [&str; 14] = [
    "مستمری",
    "توانبخشی",
    "مراکز روزانه",
    "مسکن",
    "اشتغال",
    "روستا",
    "بحران",
    "آموزش کارکنان",
    "مددکاری",
    "کودکان",
    "سالمندان",
    "معلولیت",
    "خیرین",
    "اعتیاد",
];

const TITLES: [&str; 10] = [
    "تجربهٔ راه‌اندازی {topic}",
    "روزهای نخست {topic} در استان",
    "درس‌هایی از {topic}",
    "چگونه {topic} را سامان دادیم",
    "خاطره‌ای از {topic}",
    "{topic}؛ آنچه باید می‌دانستیم",
    "گفتگو دربارهٔ {topic}",
    "اشتباه‌هایی که در {topic} کردیم",
    "همکاری با خیرین در {topic}",
    "{topic} پس از سیل و زلزله",
];

/// Sentences an account is made of; `{topic}` and `{year}` are filled in.
const SENTENCES: [&str; 24] = [
    "در سال {year} که به اداره آمدم، {topic} هنوز برنامهٔ روشنی نداشت.",
    "مددکاران هر ماه به روستاهای دور می‌رفتند و با خانواده‌ها گفتگو می‌کردند.",
    "پرونده‌ها را دستی می‌نوشتیم و کارت‌ها را دست به دست می‌دادیم.",
    "مهم‌ترین درس این بود که بدون شناخت خانواده‌ها هیچ برنامه‌ای جواب نمی‌دهد.",
    "خیرین محل بخش بزرگی از هزینهٔ ساختمان را پرداختند.",
    "کودکان هر روز به مرکز می‌آمدند و مادرانشان آموزش می‌دیدند.",
    "بودجه همیشه کم بود و باید اولویت‌ها را با دقت انتخاب می‌کردیم.",
    "پس از زلزله، اسکان موقت و پرداخت کمک‌هزینه را در چند روز سامان دادیم.",
    "همکاران جوان باید بدانند که اعتماد مردم با یک اشتباه از دست می‌رود.",
    "با فرمانداری و دهیاری‌ها جلسه‌های ماهانه داشتیم.",
    "سالمندان تنها را با کمک داوطلبان هر هفته سر می‌زدیم.",
    "برای اشتغال مددجویان با کارگاه‌های کوچک قرارداد بستیم.",
    "کمیسیون پزشکی هر پرونده را با دقت بررسی می‌کرد.",
    "گزارش‌ها را هر فصل به استان می‌فرستادیم و پاسخ می‌گرفتیم.",
    "در {topic} یاد گرفتیم که پیگیری از خود کار مهم‌تر است.",
    "بسیاری از خانواده‌ها نمی‌دانستند که حق دریافت مستمری دارند.",
    "آموزش کارکنان تازه را خودمان با جزوه‌های ساده شروع کردیم.",
    "در زمستان راه‌ها بسته می‌شد و مستمری را با تأخیر می‌رساندیم.",
    "ساختمان مرکز را از یک مدرسهٔ قدیمی گرفتیم و بازسازی کردیم.",
    "هر مددجو پرونده‌ای داشت که همهٔ تصمیم‌ها در آن ثبت می‌شد.",
    "مسکن مددجویان با کمک بنیاد مسکن و بانک‌ها ساخته شد.",
    "برای پیشگیری از اعتیاد با مدرسه‌ها و مساجد کار کردیم.",
    "بیشترین شکایت‌ها دربارهٔ تأخیر در پرداخت بود.",
    "آنچه به جانشینم گفتم این بود: با مردم صادق باش.",
];

/// Writes Persian as different people type it: sometimes with Arabic yeh and
/// kaf, sometimes with the non-joiner as a space or left out.
fn as_typed(rng: &mut Rng, text: &str) -> String {
    match rng.below(6) {
        0 => text.replace('ی', "ي").replace('ک', "ك"),
        1 => text.replace('\u{200C}', " "),
        2 => text.replace('\u{200C}', ""),
        _ => text.to_string(),
    }
}

/// `n` items recorded for `units` (org unit codes), some linked to `positions`
/// (position codes).
pub fn items(n: usize, seed: u64, units: &[String], positions: &[String]) -> Vec<RawItem> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let topic = *rng.pick(&TOPICS);
        let second = *rng.pick(&TOPICS);
        let year = 1365 + rng.below(39);
        let fill = |s: &str| s.replace("{topic}", topic).replace("{year}", &year.to_string());
        let template: &&str = rng.pick(&TITLES);
        let title = fill(template);
        let sentences = 6 + rng.below(14);
        let mut transcript = String::new();
        for _ in 0..sentences {
            let template: &&str = rng.pick(&SENTENCES);
            let sentence = fill(template);
            transcript.push_str(&as_typed(&mut rng, &sentence));
            transcript.push(if rng.below(4) == 0 { '\n' } else { ' ' });
        }
        let recorded = 1390 + rng.below(14);
        let linked =
            if !positions.is_empty() && rng.below(5) == 0 { rng.pick(positions).clone() } else { String::new() };
        out.push(RawItem {
            title: as_typed(&mut rng, &title),
            narrator: (*rng.pick(&NARRATORS)).to_string(),
            unit: rng.pick(units).clone(),
            topics: if topic == second { topic.to_string() } else { format!("{topic}، {second}") },
            recorded_on: format!("{recorded}/{:02}/{:02}", 1 + rng.below(12), 1 + rng.below(29)),
            transcript: transcript.trim().to_string(),
            positions: linked,
        });
    }
    out
}

/// Queries people type into the library, in several spellings.
pub const QUERIES: [&str; 16] = [
    "مستمری",
    "مستمري روستا",
    "میرفتند",
    "می رفتند روستاهای دور",
    "خیرین ساختمان",
    "زلزله اسکان",
    "آموزش کارکنان",
    "اموزش",
    "کودکان مرکز",
    "اعتیاد مدرسه",
    "مسکن بانک",
    "شکایت تاخیر",
    "جانشین",
    "کمیسیون پزشکی",
    "کارتها",
    "سالمندان داوطلبان",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_valid_and_repeatable() {
        let units = vec!["HQ".to_string(), "P08".to_string()];
        let today = time::macros::date!(2026 - 11 - 27);
        let first = items(200, 7, &units, &[]);
        assert_eq!(first, items(200, 7, &units, &[]));
        for raw in &first {
            let parsed = tavana_domain::library::ItemFields::parse(raw, today);
            assert!(parsed.is_ok(), "{raw:?}: {parsed:?}");
        }
        assert!(first.iter().any(|i| i.transcript.contains('ي')), "some typed with Arabic letters");
    }
}
