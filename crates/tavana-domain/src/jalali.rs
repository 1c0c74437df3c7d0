//! The Jalali (Solar Hijri, هجری شمسی) calendar people in Iran read dates in.
//!
//! The arithmetic is ICU4X's Persian calendar, which agrees with the widely used
//! tables on every Nowruz and every leap day of 1300–1500 SH; this module is the only
//! place that sees it.

use crate::error::{DomainError, Reason};
use crate::text::{to_ascii_digits, to_persian_digits};
use icu_calendar::Date;
use icu_calendar::cal::{Iso, Persian};
use std::fmt;
use time::{Month, OffsetDateTime, UtcOffset};

/// The Jalali years this system accepts. ICU's arithmetic is checked for 1300–1500;
/// the margin either side covers the oldest birth dates and long-range plans.
pub const SUPPORTED_YEARS: std::ops::RangeInclusive<i32> = 1200..=1600;

/// Iran Standard Time. Iran has kept UTC+03:30 all year since 1401 (2022); times
/// from the summers before that are shown an hour early.
pub const TEHRAN: UtcOffset = match UtcOffset::from_hms(3, 30, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// The Persian month names, فروردین to اسفند.
pub const MONTHS_FA: [&str; 12] =
    ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"];

/// A day on the Jalali calendar.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JalaliDate {
    year: i32,
    month: u8,
    day: u8,
}

/// Which calendar an input date was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrittenIn {
    Jalali,
    Gregorian,
}

const FIELD: &str = "date";

impl JalaliDate {
    /// A Jalali date from its parts; refuses days that do not exist (1404/12/30).
    pub fn new(year: i32, month: u8, day: u8) -> Result<Self, DomainError> {
        if !SUPPORTED_YEARS.contains(&year) {
            return Err(DomainError::new(FIELD, Reason::OutOfRange));
        }
        Date::try_new_persian(year, month, day).map_err(|_| DomainError::new(FIELD, Reason::NoSuchDate))?;
        Ok(Self { year, month, day })
    }

    pub fn year(&self) -> i32 {
        self.year
    }
    pub fn month(&self) -> u8 {
        self.month
    }
    pub fn day(&self) -> u8 {
        self.day
    }

    /// Whether the year has 30 days in Esfand.
    pub fn is_leap_year(year: i32) -> bool {
        Date::try_new_persian(year, 12, 30).is_ok()
    }

    /// Parses `1403/01/01`, `1403-1-1` or the same with Persian digits.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let (year, month, day) = split_ymd(input)?;
        if !(1000..2000).contains(&year) {
            return Err(DomainError::new(FIELD, Reason::OutOfRange));
        }
        Self::new(year, month, day)
    }

    /// The Gregorian day this Jalali day is.
    pub fn to_gregorian(&self) -> time::Date {
        let iso = match Date::try_new_persian(self.year, self.month, self.day) {
            Ok(date) => date.to_calendar(Iso),
            // Unreachable: the constructor checked the date.
            Err(_) => return time::Date::MIN,
        };
        let month = Month::try_from(iso.month().ordinal).unwrap_or(Month::January);
        time::Date::from_calendar_date(iso.year().extended_year(), month, iso.day_of_month().0)
            .unwrap_or(time::Date::MIN)
    }

    /// The Jalali day of a Gregorian day.
    pub fn from_gregorian(date: time::Date) -> Result<Self, DomainError> {
        let iso = Date::try_new_iso(date.year(), date.month() as u8, date.day())
            .map_err(|_| DomainError::new(FIELD, Reason::OutOfRange))?;
        let persian = iso.to_calendar(Persian);
        Self::new(persian.year().extended_year(), persian.month().ordinal, persian.day_of_month().0)
    }

    /// The Jalali day in Tehran at an instant.
    pub fn at_instant(instant: OffsetDateTime) -> Result<Self, DomainError> {
        Self::from_gregorian(instant.to_offset(TEHRAN).date())
    }

    /// `1403/01/01`, ASCII digits, for files and APIs.
    pub fn to_ascii(&self) -> String {
        format!("{:04}/{:02}/{:02}", self.year, self.month, self.day)
    }

    /// `۱۴۰۳/۰۱/۰۱`, Persian digits, for people.
    pub fn to_persian(&self) -> String {
        to_persian_digits(&self.to_ascii())
    }

    /// `۱ فروردین ۱۴۰۳`, with the month's name.
    pub fn to_persian_long(&self) -> String {
        let month = MONTHS_FA[usize::from(self.month.clamp(1, 12)) - 1];
        to_persian_digits(&format!("{} {} {}", self.day, month, self.year))
    }
}

impl JalaliDate {
    /// The number of days in a month of a year.
    pub fn month_length(year: i32, month: u8) -> u8 {
        match month {
            1..=6 => 31,
            7..=11 => 30,
            _ if Self::is_leap_year(year) => 30,
            _ => 29,
        }
    }

    /// The first day of this day's month.
    pub fn first_of_month(&self) -> Self {
        Self { year: self.year, month: self.month, day: 1 }
    }

    /// The first day of the next month: the date payments and eligibility are
    /// computed as of by default.
    pub fn first_of_next_month(&self) -> Result<Self, DomainError> {
        if self.month == 12 { Self::new(self.year + 1, 1, 1) } else { Self::new(self.year, self.month + 1, 1) }
    }

    /// Whole Jalali years from `birth` to this day (the Jalali birthday counts, as
    /// people count it); `None` before the birth.
    pub fn age_of(&self, birth: JalaliDate) -> Option<i64> {
        if birth > *self {
            return None;
        }
        let before_birthday = (self.month, self.day) < (birth.month, birth.day);
        Some(i64::from(self.year - birth.year) - i64::from(before_birthday))
    }

    /// For each age `k` from 0 to `max`, the last Gregorian birth date of a person
    /// aged `k` or more on this day: this day's month and day `k` years earlier (the
    /// last day of Esfand when that year's is shorter). A person's age is the
    /// largest `k` whose date their birth date is on or before; SQL computes ages
    /// from these dates alone.
    pub fn age_thresholds(&self, max: i64) -> Vec<time::Date> {
        (0..=max)
            .map(|k| {
                let year = self.year - i32::try_from(k).unwrap_or(i32::MAX);
                let day = self.day.min(Self::month_length(year, self.month));
                Self::new(year, self.month, day).map(|d| d.to_gregorian()).unwrap_or(time::Date::MIN)
            })
            .collect()
    }
}

/// Parses a date written in either calendar: a year of 1700 or more is Gregorian
/// (`2024-03-20`), a smaller one Jalali (`1403/01/01`, `۱۴۰۳/۰۱/۰۱`). Returns the day
/// and which calendar it was written in.
pub fn parse_any_date(input: &str) -> Result<(time::Date, WrittenIn), DomainError> {
    let (year, month, day) = split_ymd(input)?;
    if year >= 1700 {
        let month = Month::try_from(month).map_err(|_| DomainError::new(FIELD, Reason::NoSuchDate))?;
        let date = time::Date::from_calendar_date(year, month, day)
            .map_err(|_| DomainError::new(FIELD, Reason::NoSuchDate))?;
        Ok((date, WrittenIn::Gregorian))
    } else {
        Ok((JalaliDate::new(year, month, day)?.to_gregorian(), WrittenIn::Jalali))
    }
}

fn split_ymd(input: &str) -> Result<(i32, u8, u8), DomainError> {
    let ascii = to_ascii_digits(input.trim());
    if ascii.is_empty() {
        return Err(DomainError::new(FIELD, Reason::Empty));
    }
    let bad = || DomainError::new(FIELD, Reason::BadFormat);
    let mut parts = ascii.split(['/', '-']);
    let mut next = || parts.next().filter(|p| !p.is_empty() && p.len() <= 4).ok_or_else(bad);
    let year: i32 = next()?.parse().map_err(|_| bad())?;
    let month: u8 = next()?.parse().map_err(|_| bad())?;
    let day: u8 = next()?.parse().map_err(|_| bad())?;
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok((year, month, day))
}

impl fmt::Display for JalaliDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_ascii())
    }
}

impl fmt::Debug for JalaliDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JalaliDate({})", self.to_ascii())
    }
}

#[cfg(test)]
mod tests {

    /// Ages counted in Jalali years differ from Gregorian anniversaries around
    /// Nowruz; the thresholds SQL uses give the same ages as counting directly.
    #[test]
    fn ages_in_jalali_years_from_thresholds() {
        let on = JalaliDate::new(1405, 9, 6).unwrap();
        let thresholds = on.age_thresholds(150);
        let by_thresholds = |born: time::Date| (0..=150).rev().find(|&k| born <= thresholds[k as usize]);
        let mut day = time::macros::date!(1880 - 01 - 01);
        let today = on.to_gregorian();
        while day <= today {
            let birth = JalaliDate::from_gregorian(day).unwrap();
            let expected = on.age_of(birth).map(|a| a.min(150));
            assert_eq!(by_thresholds(day), expected, "born {day} ({birth})");
            day = day.next_day().unwrap();
        }
        assert_eq!(by_thresholds(today.next_day().unwrap()), None);
        // Born 1 Farvardin 1387 (2008-03-20): 18 from 1 Farvardin 1405 (2026-03-21),
        // though the Gregorian anniversary came a day earlier.
        let nowruz = JalaliDate::new(1405, 1, 1).unwrap();
        let born = JalaliDate::new(1387, 1, 1).unwrap();
        assert_eq!(born.to_gregorian(), time::macros::date!(2008 - 03 - 20));
        assert_eq!(nowruz.to_gregorian(), time::macros::date!(2026 - 03 - 21));
        assert_eq!(nowruz.age_of(born), Some(18));
        let eve = JalaliDate::from_gregorian(time::macros::date!(2026 - 03 - 20)).unwrap();
        assert_eq!(eve.age_of(born), Some(17), "the Gregorian birthday is not the Jalali one");
        // Born 30 Esfand of a leap year: a year older on 1 Farvardin after a short Esfand.
        let leap = JalaliDate::new(1403, 12, 30).unwrap();
        assert_eq!(JalaliDate::new(1405, 12, 29).unwrap().age_of(leap), Some(1));
        assert_eq!(JalaliDate::new(1404, 12, 29).unwrap().age_of(leap), Some(0));
        assert_eq!(JalaliDate::new(1405, 1, 1).unwrap().age_of(leap), Some(1));
        assert_eq!(JalaliDate::new(1405, 12, 29).unwrap().first_of_next_month().unwrap().to_ascii(), "1406/01/01");
    }

    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, datetime};

    fn check(jalali: &str, gregorian: time::Date) {
        let j = JalaliDate::parse(jalali).unwrap();
        assert_eq!(j.to_gregorian(), gregorian, "{jalali}");
        assert_eq!(JalaliDate::from_gregorian(gregorian).unwrap(), j, "{gregorian}");
    }

    #[test]
    fn known_days() {
        check("1403/01/01", date!(2024 - 03 - 20));
        check("1404/01/01", date!(2025 - 03 - 21));
        check("1399/12/30", date!(2021 - 03 - 20));
        check("1403/12/30", date!(2025 - 03 - 20));
        check("1300/01/01", date!(1921 - 03 - 21));
        check("1357/11/22", date!(1979 - 02 - 11));
    }

    #[test]
    fn days_that_do_not_exist_are_refused() {
        let reason = |s: &str| JalaliDate::parse(s).unwrap_err().reason;
        assert_eq!(reason("1404/12/30"), Reason::NoSuchDate);
        assert_eq!(reason("1403/07/31"), Reason::NoSuchDate);
        assert_eq!(reason("1403/13/01"), Reason::NoSuchDate);
        assert_eq!(reason("1403/01"), Reason::BadFormat);
        assert_eq!(reason("14030101"), Reason::BadFormat);
        assert_eq!(reason("0999/01/01"), Reason::OutOfRange);
        assert!(JalaliDate::is_leap_year(1403));
        assert!(!JalaliDate::is_leap_year(1404));
        assert!(JalaliDate::is_leap_year(1399));
    }

    #[test]
    fn formatting_uses_persian_digits() {
        let j = JalaliDate::parse("۱۴۰۳/۰۱/۰۱").unwrap();
        assert_eq!(j.to_persian(), "۱۴۰۳/۰۱/۰۱");
        assert_eq!(j.to_ascii(), "1403/01/01");
        assert_eq!(j.to_persian_long(), "۱ فروردین ۱۴۰۳");
    }

    #[test]
    fn instants_are_read_in_tehran() {
        // 21:00 UTC on 19 March 2024 is 00:30 on 1 Farvardin 1403 in Tehran.
        let j = JalaliDate::at_instant(datetime!(2024-03-19 21:00 UTC)).unwrap();
        assert_eq!(j.to_ascii(), "1403/01/01");
    }

    #[test]
    fn either_calendar_is_accepted_and_named() {
        assert_eq!(parse_any_date("2024-03-20").unwrap(), (date!(2024 - 03 - 20), WrittenIn::Gregorian));
        assert_eq!(parse_any_date("۱۴۰۳/۰۱/۰۱").unwrap(), (date!(2024 - 03 - 20), WrittenIn::Jalali));
        assert_eq!(parse_any_date("2023-02-29").unwrap_err().reason, Reason::NoSuchDate);
    }

    proptest! {
        #[test]
        fn gregorian_round_trips(days in 0i64..(200 * 366)) {
            let g = date!(1921 - 03 - 21) + time::Duration::days(days);
            let j = JalaliDate::from_gregorian(g).unwrap();
            prop_assert_eq!(j.to_gregorian(), g);
            prop_assert_eq!(JalaliDate::parse(&j.to_persian()).unwrap(), j);
        }

        #[test]
        fn consecutive_days_are_consecutive(days in 0i64..(200 * 366)) {
            let g = date!(1921 - 03 - 21) + time::Duration::days(days);
            let today = JalaliDate::from_gregorian(g).unwrap();
            let tomorrow = JalaliDate::from_gregorian(g + time::Duration::days(1)).unwrap();
            prop_assert!(tomorrow > today);
            let next_in_month = today.day() + 1 == tomorrow.day() && today.month() == tomorrow.month();
            let next_month = tomorrow.day() == 1 && (tomorrow.month() == today.month() + 1 || (today.month() == 12 && tomorrow.month() == 1));
            prop_assert!(next_in_month || next_month);
        }
    }
}
