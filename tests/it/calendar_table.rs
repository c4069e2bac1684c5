//! The calendars against tables of the published holiday schedules (see
//! `tests/fixtures/make_holiday_tables.py` for where the tables come from).

use chrono::{Datelike, NaiveDate, Weekday};
use deemed::DayOff;

use crate::rules;

fn table(text: &str) -> Vec<(NaiveDate, String)> {
    text.lines()
        .map(|line| {
            let (date, name) = line.split_once('\t').unwrap();
            (date.parse().unwrap(), name.to_string())
        })
        .collect()
}

/// Every day from `first` through 2030 is a Business Day exactly when it is neither a
/// weekend day nor in the table, and a holiday carries the table's name (a closing, its own
/// reason).
fn compare(calendar: &str, text: &str, first: i32) {
    let rules = rules();
    let cal = rules.calendar(calendar).unwrap();
    let table = table(text);
    assert!(table.len() > 250, "the table covers decades");
    let mut day = NaiveDate::from_ymd_opt(first, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(2030, 12, 31).unwrap();
    let mut holidays_seen = 0;
    while day <= last {
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        let listed = table.iter().find(|(d, _)| *d == day);
        let business = cal.is_business_day(day).unwrap();
        assert_eq!(
            business,
            !weekend && listed.is_none(),
            "{calendar}: {day} ({:?}) business day? listed as {listed:?}, days off {:?}",
            day.weekday(),
            cal.days_off(day).unwrap()
        );
        if let Some((_, name)) = listed {
            holidays_seen += 1;
            let offs = cal.days_off(day).unwrap();
            let name = name.trim_end_matches(" (observed)");
            assert!(
                offs.iter().any(|o| match o {
                    DayOff::Holiday { name: n, .. } => n.as_ref() == name,
                    DayOff::Closure { .. } => true,
                    DayOff::Weekend { .. } => false,
                }),
                "{calendar}: {day} should be {name}, is {offs:?}"
            );
        }
        day = day.succ_opt().unwrap();
    }
    assert_eq!(holidays_seen, table.len());
}

#[test]
fn us_ny_banking_matches_the_federal_reserve_schedule_1971_2030() {
    compare(
        "us-ny-banking",
        include_str!("../fixtures/us-ny-banking-1971-2030.tsv"),
        1971,
    );
}

#[test]
fn us_federal_observed_matches_the_federal_employees_schedule_1971_2030() {
    compare(
        "us-federal-observed",
        include_str!("../fixtures/us-federal-observed-1971-2030.tsv"),
        1971,
    );
}

#[test]
fn nyse_matches_the_exchange_schedule_2000_2030() {
    compare("nyse", include_str!("../fixtures/nyse-2000-2030.tsv"), 2000);
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn history_is_respected() {
    let rules = rules();
    let cal = rules.calendar("us-ny-banking").unwrap();
    // No Juneteenth before 2021: June 19, 2000 was an ordinary Monday.
    assert!(cal.is_business_day(d(2000, 6, 19)).unwrap());
    // In 2021 it fell on a Saturday, and the Federal Reserve Banks opened on Friday the 18th.
    assert!(cal.is_business_day(d(2021, 6, 18)).unwrap());
    assert!(!cal.is_business_day(d(2022, 6, 20)).unwrap());
    // Veterans Day on the fourth Monday of October, 1971 through 1977.
    assert!(!cal.is_business_day(d(1975, 10, 27)).unwrap());
    assert!(cal.is_business_day(d(1975, 11, 11)).unwrap());
    // No Martin Luther King Jr. Day before 1986.
    assert!(cal.is_business_day(d(1985, 1, 21)).unwrap());
    assert!(!cal.is_business_day(d(1986, 1, 20)).unwrap());
}

#[test]
fn observed_holidays_name_their_own_date() {
    let rules = rules();
    let cal = rules.calendar("us-ny-banking").unwrap();
    insta::assert_snapshot!(
        cal.days_off(d(2022, 12, 26)).unwrap()[0].to_string(),
        @"Christmas Day (observed; falls on Sunday 2022-12-25)"
    );
    let federal = rules.calendar("us-federal-observed").unwrap();
    insta::assert_snapshot!(
        federal.days_off(d(2021, 12, 31)).unwrap()[0].to_string(),
        @"New Year's Day (observed; falls on Saturday 2022-01-01)"
    );
}

#[test]
fn one_off_closures_are_opt_in_and_give_their_reason() {
    let rules = rules();
    let plain = rules.calendar("us-ny-banking").unwrap();
    let closures = rules.calendar("us-ny-banking-with-closures").unwrap();
    for day in [
        d(2001, 9, 11),
        d(2001, 9, 14),
        d(2012, 10, 29),
        d(2012, 10, 30),
    ] {
        assert!(plain.is_business_day(day).unwrap(), "{day}");
        assert!(!closures.is_business_day(day).unwrap(), "{day}");
    }
    assert!(closures.is_business_day(d(2001, 9, 17)).unwrap());
    let why = closures.days_off(d(2012, 10, 29)).unwrap();
    assert!(matches!(&why[0], DayOff::Closure { reason } if reason.contains("Hurricane Sandy")));
    // The holidays are still there.
    assert!(!closures.is_business_day(d(2001, 9, 3)).unwrap());
}

#[test]
fn dates_outside_the_range_are_an_error() {
    let rules = rules();
    let cal = rules.calendar("us-ny-banking").unwrap();
    insta::assert_snapshot!(
        cal.is_business_day(d(1970, 12, 31)).unwrap_err().to_string(),
        @"1970-12-31 is outside calendar `us-ny-banking`, which covers 1971 through 2100"
    );
    assert!(cal.is_business_day(d(2101, 1, 3)).is_err());
    // Stepping past the last day is an error too, not a guess.
    assert!(cal.add_business_days(d(2100, 12, 31), 1).is_err());
    assert_eq!(
        cal.add_business_days(d(2100, 12, 30), 1).unwrap().0,
        d(2100, 12, 31)
    );
}
