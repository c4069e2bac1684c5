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
    compare_years(calendar, text, (first, 2030), &[]);
}

/// [`compare`] over `years`, with `spelled` pairs of a table's name and another the calendar
/// may give the same day; a table line of several names (`Boxing Day; Christmas Day
/// (observed)`) needs one of them.
fn compare_years(calendar: &str, text: &str, years: (i32, i32), spelled: &[(&str, &str)]) {
    let (first, last) = years;
    let span = last - first;
    let rules = rules();
    let cal = rules.calendar(calendar).unwrap();
    let table = table(text);
    assert!(
        table.len() > 4 * span as usize,
        "the table covers every year"
    );
    let mut day = NaiveDate::from_ymd_opt(first, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(last, 12, 31).unwrap();
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
            let mut names: Vec<&str> = name
                .split("; ")
                .map(|n| n.trim_end_matches(" (observed)"))
                .collect();
            let other: Vec<&str> = spelled
                .iter()
                .filter(|(t, _)| names.contains(t))
                .map(|(_, c)| *c)
                .collect();
            names.extend(other);
            assert!(
                offs.iter().any(|o| match o {
                    DayOff::Holiday { name: n, .. } => names.contains(&n.as_ref()),
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

#[test]
fn ca_bc_matches_the_holidays_package_2000_2050() {
    let text = include_str!("../fixtures/ca-bc-2000-2050.tsv");
    compare_years("ca-bc", text, (2000, 2050), &[("Labor Day", "Labour Day")]);
}

#[test]
fn ca_on_matches_the_holidays_package_2000_2050() {
    let text = include_str!("../fixtures/ca-on-2000-2050.tsv");
    compare_years("ca-on", text, (2000, 2050), &[("Labor Day", "Labour Day")]);
}

#[test]
fn gb_eng_matches_the_holidays_package_2000_2050() {
    let text = include_str!("../fixtures/gb-eng-2000-2050.tsv");
    compare_years("gb-eng", text, (2000, 2050), &[]);
}

#[test]
fn gb_sct_matches_the_holidays_package_2000_2050() {
    let text = include_str!("../fixtures/gb-sct-2000-2050.tsv");
    // January 3 after a Sunday New Year's Day is the package's "New Year Holiday
    // (observed)"; the Act names no holiday for it, and the calendar gives it to the first
    // holiday that needs a substitute, New Year's Day.
    let spelled = [("New Year Holiday", "New Year's Day")];
    compare_years("gb-sct", text, (2000, 2050), &spelled);
}

#[test]
fn target2_matches_the_holidays_package_2000_2050() {
    let text = include_str!("../fixtures/target2-2000-2050.tsv");
    compare_years("target2", text, (2000, 2050), &[]);
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

/// A calendar declared in a rules file of its own, beside the built-in ones.
fn declared(text: &str) -> deemed::Rules {
    deemed::Rules::from_source(deemed::Source {
        name: "cal.rules".into(),
        text: text.into(),
    })
    .unwrap()
}

fn closed_weekdays(rules: &deemed::Rules, calendar: &str, year: i32) -> Vec<NaiveDate> {
    let cal = rules.calendar(calendar).unwrap();
    let mut day = d(year, 1, 1);
    let mut out = Vec::new();
    while day.year() == year {
        if !cal.is_weekend(day.weekday()) && !cal.is_business_day(day).unwrap() {
            out.push(day);
        }
        day = day.succ_opt().unwrap();
    }
    out
}

#[test]
fn a_weekday_relative_to_a_date() {
    let rules = declared(
        r#"calendar rel "relative" {
          years 2000 through 2030
          weekend saturday, sunday
          holiday "Victoria Day" on monday before may 25
          holiday "A" on second friday after june 1
          holiday "B" on tuesday on-or-after august 1
          holiday "C" on wednesday on-or-before october 1
        }"#,
    );
    let bc = rules.calendar("ca-bc").unwrap();
    // May 24 itself when it is a Monday (2021); the Monday before it otherwise.
    assert!(!bc.is_business_day(d(2021, 5, 24)).unwrap());
    assert!(!bc.is_business_day(d(2022, 5, 23)).unwrap());
    assert!(bc.is_business_day(d(2022, 5, 30)).unwrap());
    assert_eq!(
        closed_weekdays(&rules, "rel", 2022),
        // June 1, 2022 was a Wednesday; August 1 a Monday; October 1 a Saturday.
        [
            d(2022, 5, 23),
            d(2022, 6, 10),
            d(2022, 8, 2),
            d(2022, 9, 28)
        ]
    );
    // On-or-after/before count the date itself.
    assert!(closed_weekdays(&rules, "rel", 2023).contains(&d(2023, 8, 1)));
}

#[test]
fn substitute_days_skip_days_already_taken() {
    let rules = rules();
    // Christmas Day on a Saturday, Boxing Day on a Sunday: Monday and Tuesday.
    assert_eq!(
        closed_weekdays(rules, "gb-eng", 2021)
            .into_iter()
            .filter(|d| d.month() == 12)
            .collect::<Vec<_>>(),
        [d(2021, 12, 27), d(2021, 12, 28)]
    );
    // Christmas Day on a Sunday: Boxing Day keeps Monday, the substitute is Tuesday.
    let cal = rules.calendar("gb-eng").unwrap();
    insta::assert_snapshot!(
        cal.days_off(d(2022, 12, 27)).unwrap()[0].to_string(),
        @"Christmas Day (observed; falls on Sunday 2022-12-25)"
    );
    // In Scotland, January 1 on a Sunday and January 2 on the Monday: Tuesday the 3rd.
    assert_eq!(
        &closed_weekdays(rules, "gb-sct", 2023)[..2],
        [d(2023, 1, 2), d(2023, 1, 3)]
    );
    // Fixed shifts do not skip: Ontario's Christmas Day on a Sunday is observed on Boxing Day.
    assert!(
        rules
            .calendar("ca-on")
            .unwrap()
            .is_business_day(d(2022, 12, 27))
            .unwrap()
    );
}

#[test]
fn shifts_are_per_holiday_and_included_holidays_keep_their_own() {
    let rules = declared(
        r#"calendar base "base" {
          years 2000 through 2030
          weekend saturday, sunday
          holiday "Fixed" on july 4
          holiday "Own" on december 25 observed saturday => preceding friday, sunday => following monday
          shift sunday => following monday
        }
        calendar wider "wider" {
          include base
          holiday "Extra" on november 11
          shift saturday => preceding friday
        }"#,
    );
    // July 4, 2026 is a Saturday: base does not move it, and wider's shift does not either.
    for cal in ["base", "wider"] {
        let c = rules.calendar(cal).unwrap();
        assert!(c.is_business_day(d(2026, 7, 3)).unwrap(), "{cal}");
    }
    // Wider's own holiday moves by wider's rule: November 11, 2028 is a Saturday.
    let wider = rules.calendar("wider").unwrap();
    assert!(!wider.is_business_day(d(2027, 11, 11)).unwrap());
    assert!(!wider.is_business_day(d(2028, 11, 10)).unwrap());
    // The holiday's own rule: December 25, 2027 is a Saturday, observed on Friday the 24th.
    assert!(!wider.is_business_day(d(2027, 12, 24)).unwrap());
    // July 4, 2027 is a Sunday: base's shift moves it to Monday, in both calendars.
    assert!(!wider.is_business_day(d(2027, 7, 5)).unwrap());
}

#[test]
fn listed_holidays_show_where_a_rule_moved_them() {
    let (out, _, code) = crate::deemed(&["calendar", "holidays", "2021", "--calendar", "gb-eng"]);
    assert_eq!(code, 0);
    let december: Vec<&str> = out.lines().filter(|l| l.contains("2021-12")).collect();
    insta::assert_snapshot!(december.join("\n"), @"
    Saturday 2021-12-25  Christmas Day
    Sunday 2021-12-26    Boxing Day
    Monday 2021-12-27    Christmas Day (observed)
    Tuesday 2021-12-28   Boxing Day (observed)
    ");
}

#[test]
fn postal_delivery_days_are_the_banking_holidays_with_saturdays_worked() {
    let rules = rules();
    let postal = rules.calendar("us-postal-delivery-days").unwrap();
    let banking = rules.calendar("us-ny-banking").unwrap();
    let mut day = d(1971, 1, 1);
    while day <= d(2050, 12, 31) {
        let expected = match day.weekday() {
            Weekday::Sun => false,
            // Saturday is a delivery day unless a holiday falls on it.
            Weekday::Sat => !banking.days_off(day).unwrap().iter().any(|o| {
                matches!(o, DayOff::Holiday { name, .. } if !name.starts_with("Juneteenth") || day.year() > 2021)
            }),
            _ => banking.is_business_day(day).unwrap(),
        };
        assert_eq!(postal.is_business_day(day).unwrap(), expected, "{day}");
        day = day.succ_opt().unwrap();
    }
}
