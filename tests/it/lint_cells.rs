//! `lint`'s table against evaluation: an event drawn from each row is decided by the rule
//! the row lists, on the rules files we ship and on generated ones.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone};
use chrono_tz::Tz;
use deemed::lint::Row;
use deemed::{EvalError, EventRef, Rules, Status};
use proptest::prelude::*;

/// A clock as lint names it, read back: the instant, and its zone for a recipient.
fn zone_of(rules: &Rules, clock: &str, recipient: Option<Tz>) -> (bool, Tz) {
    let agreement = rules.agreement().unwrap();
    let received = clock.starts_with("received");
    let tz = if clock.ends_with("in recipient-time") {
        recipient.unwrap_or(agreement.time_zone())
    } else if let Some(named) = clock.split('"').nth(1) {
        named.parse().unwrap()
    } else {
        agreement.time_zone()
    };
    (received, tz)
}

/// The first date from `from` on whose calendars the day is as a row's reading says
/// (`business`, `non-business`, `any`, or `business on nyse, non-business on short`).
fn date_like(rules: &Rules, calendars: &[String], day: &str, from: NaiveDate) -> Option<NaiveDate> {
    let wants: Vec<(bool, &str)> = match day {
        "any" => Vec::new(),
        "business" => vec![(true, calendars.first()?.as_str())],
        "non-business" => vec![(false, calendars.first()?.as_str())],
        several => several
            .split(", ")
            .map(|part| {
                let (kind, cal) = part.split_once(" on ").unwrap();
                (kind == "business", cal)
            })
            .collect(),
    };
    let mut date = from;
    for _ in 0..400 {
        let mut all = true;
        for (business, cal) in &wants {
            all &= rules.calendar(cal).unwrap().is_business_day(date).ok()? == *business;
        }
        if all {
            return Some(date);
        }
        date = date.succ_opt()?;
    }
    None
}

/// When an event is sent and received, and the number it went to.
type Drawn = (
    DateTime<FixedOffset>,
    Option<DateTime<FixedOffset>>,
    Option<String>,
);

/// An event in the row's cells, to `to` (a party with a designated number when the row
/// asks for one), or `None` when the row's clocks cannot be met together by one event.
fn event_in(
    rules: &Rules,
    coverage: &deemed::lint::Coverage,
    row: &Row,
    to: Option<&str>,
) -> Option<Drawn> {
    let agreement = rules.agreement().unwrap();
    let mut sent = None;
    let mut received = None;
    let mut receipt_absent = false;
    let mut start = NaiveDate::from_ymd_opt(2020, 3, 2)?;
    for (clock, reading) in coverage.clocks.iter().zip(&row.readings) {
        let (is_receipt, tz) = zone_of(rules, &clock.clock, party_zone(rules, to));
        if reading.day == "no receipt" {
            receipt_absent = true;
            continue;
        }
        let slot = if is_receipt { &mut received } else { &mut sent };
        if slot.is_some() {
            // Two clocks read the same instant: not drawn here.
            return None;
        }
        let date = date_like(rules, &clock.calendars, &reading.day, start)?;
        let time = reading.time?.from;
        let t = tz
            .from_local_datetime(&date.and_time(time))
            .earliest()?
            .fixed_offset();
        *slot = Some(t);
        // A receipt comes after the sending: later dates for the next clock.
        start = date.succ_opt()?.succ_opt()?;
    }
    let sent = match (sent, received) {
        (Some(s), _) => s,
        (None, Some(r)) => r - Duration::hours(1),
        (None, None) => agreement
            .time_zone()
            .from_local_datetime(&start.and_hms_opt(12, 0, 0)?)
            .earliest()?
            .fixed_offset(),
    };
    let received = match (receipt_absent, received) {
        (true, _) => None,
        (false, Some(r)) if r >= sent => Some(r),
        (false, Some(_)) => return None,
        (false, None) => Some(sent + Duration::hours(30)),
    };
    // A designated number is one in force at the sending; a `yes` row cannot be drawn on
    // a day the recipient has none.
    let number = match (row.designated_fax, to) {
        ("no", _) => Some("000".to_string()),
        (designated, Some(p)) => {
            let in_force = agreement.party_faxes_at(p, sent).unwrap_or_default();
            if designated == "yes" && in_force.is_empty() {
                return None;
            }
            in_force.first().cloned()
        }
        _ => None,
    };
    Some((sent, received, number))
}

/// The recipient's own zone, read from its rules: the party's `time-zone`, if any.
fn party_zone(rules: &Rules, to: Option<&str>) -> Option<Tz> {
    rules.agreement()?.party_time_zone(to?)
}

/// Holds every row of `rules`'s table to evaluation, for each recipient; returns how many
/// rows were drawn.
fn agree(rules: &Rules, recipients: &[&str]) -> Result<usize, String> {
    let coverage = rules.coverage().unwrap();
    let mut drawn = 0;
    for row in &coverage.rows {
        for to in recipients {
            let agreement = rules.agreement().unwrap();
            let has_fax = agreement.party_faxes(to).is_some_and(|f| !f.is_empty());
            if row.designated_fax == "yes" && !has_fax {
                continue;
            }
            let Some((sent, received, number)) = event_in(rules, &coverage, row, Some(to)) else {
                continue;
            };
            let event = EventRef {
                method: &row.method,
                sent: Some(sent),
                received,
                to: Some(to),
                from: None,
                fax_number: number.as_deref(),
                companions: &[],
                designation: None,
            };
            let answer = rules.evaluate_ref(event, false);
            let ok = match (&answer, row.clauses.as_slice(), &row.gap_rule) {
                (Err(EvalError::Uncovered { .. }), [], None) => true,
                // A `no-effect` rule's cells: lint says by which rule; the answer is invalid.
                (Ok(r), _, _) if (r.status == Status::Invalid) != row.invalid_by.is_some() => false,
                (Ok(r), [], Some(gap)) => {
                    matches!(r.status, Status::Gap | Status::Invalid)
                        && r.clause.as_deref() == Some(gap)
                }
                (Ok(r), clauses, _) if !clauses.is_empty() => {
                    r.status != Status::Gap
                        && r.clause
                            .as_deref()
                            .is_some_and(|c| clauses.iter().any(|x| x == c))
                }
                _ => false,
            };
            if !ok {
                return Err(format!("{row:?} to {to}: {event:?} gave {answer:?}"));
            }
            drawn += 1;
        }
    }
    Ok(drawn)
}

#[test]
fn each_row_of_the_shipped_rules_is_decided_as_lint_says() {
    let spa = crate::rules();
    let drawn = agree(spa, &["company", "montrose", "strong-river", "counsel"]).unwrap();
    assert!(drawn >= spa.coverage().unwrap().rows.len(), "{drawn}");
    let pacific =
        Rules::from_path(std::path::Path::new("rules/example-pacific-notice.rules")).unwrap();
    let drawn = agree(&pacific, &["lender", "borrower"]).unwrap();
    assert!(drawn >= pacific.coverage().unwrap().rows.len(), "{drawn}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, max_global_rejects: 100_000, ..ProptestConfig::default() })]

    /// On generated rules, every row that one event can meet is decided as lint says.
    #[test]
    fn each_row_of_generated_rules_is_decided_as_lint_says(spec in crate::differential::spec_strategy()) {
        let rules = Rules::from_source(deemed::Source { name: "g.rules".into(), text: spec.text() });
        prop_assume!(rules.is_ok());
        let rules = rules.unwrap();
        let names: Vec<String> = spec.parties.iter().map(|p| p.name.clone()).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let result = agree(&rules, &names);
        prop_assert!(result.is_ok(), "{}\n{}", spec.text(), result.unwrap_err());
    }
}
