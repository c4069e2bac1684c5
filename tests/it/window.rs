//! `deemed window`, its iCalendar file, and properties of period ends.

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;

use crate::{deemed, rules};

fn ok(args: &[&str]) -> String {
    let (stdout, stderr, code) = deemed(args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    stdout
}

#[test]
fn the_warrant_window() {
    insta::assert_snapshot!(ok(&["window", "warrant", "--issued", "2000-02-25", "--format", "json"]), @r#"
    {
      "window": "warrant",
      "first_day": "2000-02-26",
      "last_day": "2005-02-25",
      "opens": "2000-02-26T00:00:00-05:00",
      "closes": "2005-02-26T00:00:00-05:00",
      "due": "2005-02-25T23:59:59-05:00",
      "inside": null,
      "reading": "\"warrants to acquire during the five years following their date of issue\": from the day after the date of issue through its fifth anniversary (February 28 for an issue on February 29), rolled to the next Business Day when the anniversary is not one (N.Y. General Construction Law sections 20 and 25)"
    }
    "#);
    // A fax at 9 p.m. on the last day is inside the window but deemed given the next
    // Business Day: too late, which is why the two commands go together.
    let inside: serde_json::Value = serde_json::from_str(&ok(&[
        "window",
        "warrant",
        "--issued",
        "2000-02-25",
        "--at",
        "2005-02-25T21:00:00-05:00",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(inside["inside"], true);
    let after: serde_json::Value = serde_json::from_str(&ok(&[
        "window",
        "warrant",
        "--issued",
        "2000-02-25",
        "--at",
        "2005-02-26T00:00:00-05:00",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(after["inside"], false);
}

#[test]
fn february_29_shows_the_rounding_policy() {
    let w: serde_json::Value = serde_json::from_str(&ok(&[
        "window",
        "warrant",
        "--issued",
        "2000-02-29",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(w["first_day"], "2000-03-01");
    assert_eq!(w["last_day"], "2005-02-28");
    assert!(
        w["reading"]
            .as_str()
            .unwrap()
            .contains("2005-02-29 does not exist: rounded down to 2005-02-28")
    );
}

#[test]
fn without_a_policy_a_nonexistent_end_is_an_error() {
    let text = deemed::DEFAULT_RULES
        .1
        .replace("    nonexistent round-down\n", "");
    let rules = deemed::Rules::from_source(deemed::Source {
        name: "x.rules".into(),
        text,
    })
    .unwrap();
    let err = rules
        .window(
            "warrant",
            NaiveDate::from_ymd_opt(2000, 2, 29).unwrap(),
            None,
        )
        .unwrap_err();
    insta::assert_snapshot!(format!("{err}\nhelp: {}", err.help().unwrap()), @r"
    period `warrant` ends on 2005-02-29, which does not exist
    help: declare in the period what such a date means: `nonexistent round-down` (the last day of the month) or `nonexistent round-up` (the first day of the next)
    ");
}

#[test]
fn the_ics_file_parses_with_an_icalendar_parser() {
    let dir = std::env::temp_dir().join(format!("deemed-ics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("window.ics");
    ok(&[
        "window",
        "warrant",
        "--issued",
        "2000-02-26",
        "--ics",
        path.to_str().unwrap(),
    ]);
    let file = std::fs::File::open(&path).unwrap();
    let mut calendars = ical::IcalParser::new(std::io::BufReader::new(file));
    let calendar = calendars.next().unwrap().unwrap();
    assert!(calendars.next().is_none());
    assert_eq!(calendar.events.len(), 1);
    let event = &calendar.events[0];
    let prop = |name: &str| {
        event
            .properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
            .unwrap()
    };
    // The anniversary, Saturday 2005-02-26, rolls to Monday.
    assert_eq!(prop("DTSTART"), "20050228");
    assert_eq!(prop("DTEND"), "20050301");
    assert!(prop("DESCRIPTION").contains("rolled to Monday 2005-02-28"));
    for line in std::fs::read_to_string(&path).unwrap().split("\r\n") {
        assert!(line.len() <= 75, "{line}");
    }
}

proptest! {
    /// Every window ends on a Business Day (the warrant rolls following), five years on:
    /// the anniversary itself, or the next Business Day after it, or February 28 for a
    /// February 29 issue.
    #[test]
    fn warrant_ends_respect_roll_and_rounding(days in 0i64..(2090 - 1971) * 365) {
        let issued = NaiveDate::from_ymd_opt(1971, 1, 1).unwrap() + chrono::Duration::days(days);
        let w = rules().window("warrant", issued, None).unwrap();
        let cal = rules().agreement().unwrap().calendar();
        prop_assert!(cal.is_business_day(w.last_day).unwrap());
        let anniversary = NaiveDate::from_ymd_opt(issued.year() + 5, issued.month(), issued.day())
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(issued.year() + 5, 2, 28).unwrap());
        prop_assert!(w.last_day >= anniversary);
        if cal.is_business_day(anniversary).unwrap() {
            prop_assert_eq!(w.last_day, anniversary);
        } else {
            prop_assert_eq!(w.last_day, cal.nth_business_day_after(anniversary, 1).unwrap());
        }
        prop_assert_eq!(w.first_day, Some(issued.succ_opt().unwrap()));
        prop_assert_eq!(w.closes.date_naive(), w.last_day.succ_opt().unwrap());
    }
}

#[test]
fn window_text_output() {
    insta::assert_snapshot!(ok(&[
        "window",
        "warrant",
        "--issued",
        "2000-02-26",
        "--at",
        "2005-02-28T12:00:00-05:00"
    ]));
}

/// A rules file whose only period is written from the parts given.
fn period_rules(
    unit: &str,
    n: u32,
    before: bool,
    start: &str,
    end: &str,
    roll: &str,
    nonexistent: &str,
) -> deemed::Rules {
    let period = format!(
        "  period p \"test\" {{\n    anchor a \"a\"\n    length {n} {unit}{}\n    start {start}\n    end {end}\n    roll {roll}\n    nonexistent {nonexistent}\n  }}\n\n  # \"Any and all notices",
        if before { " before" } else { "" }
    );
    let text = deemed::DEFAULT_RULES
        .1
        .replacen("  # \"Any and all notices", &period, 1);
    deemed::Rules::from_source(deemed::Source {
        name: "p.rules".into(),
        text,
    })
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every period end respects the declared roll and rounding policy.
    #[test]
    fn period_ends_respect_roll_and_rounding(
        days in 0i64..(2055 - 2012) * 365,
        unit in prop::sample::select(vec!["years", "months", "days", "business-days"]),
        n in 1u32..40,
        start in prop::sample::select(vec!["inclusive", "exclusive"]),
        end in prop::sample::select(vec!["inclusive", "exclusive"]),
        roll in prop::sample::select(vec!["none", "following", "preceding", "modified-following"]),
        nonexistent in prop::sample::select(vec!["error", "round-down", "round-up"]),
        before in any::<bool>(),
    ) {
        let rules = period_rules(unit, n, before, start, end, roll, nonexistent);
        let cal = rules.agreement().unwrap().calendar();
        // Far enough from the calendar's first year for 40 years back.
        let anchor = NaiveDate::from_ymd_opt(2012, 1, 1).unwrap() + chrono::Duration::days(days);
        // The raw end, as the units and the rounding policy define it.
        let sign: i64 = if before { -1 } else { 1 };
        let months = match unit { "years" => Some(i64::from(n) * 12), "months" => Some(i64::from(n)), _ => None };
        let raw = match months {
            Some(m) => {
                let total = i64::from(anchor.year()) * 12 + i64::from(anchor.month0()) + sign * m;
                let (y, mo) = (total.div_euclid(12) as i32, total.rem_euclid(12) as u32 + 1);
                match NaiveDate::from_ymd_opt(y, mo, anchor.day()) {
                    Some(d) => Some(d),
                    None => {
                        let first_next = NaiveDate::from_ymd_opt(y, mo, 1).unwrap() + chrono::Months::new(1);
                        match nonexistent {
                            "round-down" => Some(first_next.pred_opt().unwrap()),
                            "round-up" => Some(first_next),
                            _ => None,
                        }
                    }
                }
            }
            None if unit == "days" => Some(anchor + chrono::Duration::days(sign * i64::from(n))),
            None if before => {
                let mut d = anchor;
                for _ in 0..n {
                    d = cal.business_day_before(d).unwrap();
                }
                Some(d)
            }
            None => Some(cal.nth_business_day_after(anchor, n).unwrap()),
        };
        let result = rules.window("p", anchor, None);
        let Some(raw) = raw else {
            // No policy for a date that does not exist: an error, never a guess.
            prop_assert!(result.is_err());
            return Ok(());
        };
        let w = result.unwrap();
        let last = if end == "inclusive" { raw } else { raw.pred_opt().unwrap() };
        let want = if cal.is_business_day(last).unwrap() {
            last
        } else {
            match roll {
                "following" => cal.nth_business_day_after(last, 1).unwrap(),
                "preceding" => cal.business_day_before(last).unwrap(),
                "modified-following" => {
                    let next = cal.nth_business_day_after(last, 1).unwrap();
                    if next.month() == last.month() { next } else { cal.business_day_before(last).unwrap() }
                }
                _ => last,
            }
        };
        prop_assert_eq!(w.last_day, want);
        let first = if start == "inclusive" { anchor } else { anchor.succ_opt().unwrap() };
        prop_assert_eq!(w.first_day, (!before).then_some(first));
        prop_assert_eq!(w.closes.date_naive(), w.last_day.succ_opt().unwrap());
    }
}

#[test]
fn a_deadline_the_business_day_immediately_before_a_date() {
    let out = ok(&[
        "window",
        "prepayment-notice",
        "--from",
        "2025-04-21",
        "--rules",
        "rules/example-pacific-notice.rules",
        "--at",
        "2025-04-17T23:59:59-07:00",
        "--format",
        "json",
    ]);
    let w: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Monday 2025-04-21 is the Maturity Date; Good Friday closes the Exchange, so the last
    // Trading Day before it is Thursday 2025-04-17.
    assert_eq!(w["last_day"], "2025-04-17");
    assert_eq!(w["closes"], "2025-04-18T00:00:00-07:00");
    assert_eq!(w["first_day"], serde_json::Value::Null);
    assert_eq!(w["opens"], serde_json::Value::Null);
    assert_eq!(w["inside"], true);
    insta::assert_snapshot!(ok(&["window", "prepayment-notice", "--from", "2025-04-21", "--rules", "rules/example-pacific-notice.rules"]), @r#"
    deadline `prepayment-notice`: by the end of Thursday 2025-04-17
      due    2025-04-17T23:59:59-07:00 (the last instant inside)
      closes 2025-04-18T00:00:00-07:00 (the first instant after it)
      reading: "notice given no later than the Business Day immediately before the Maturity Date": by the end of the last Trading Day before the Maturity Date
    "#);
}
