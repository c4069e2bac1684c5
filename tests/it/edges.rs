//! The evaluator at every edge the text draws, through the library.

use deemed::time::{Fold, parse_instant};
use deemed::{Event, Resolution, Status};

use crate::rules;

const COMPANY_FAX: &str = "(949) 788-6706";

fn eval_full(
    method: &str,
    sent: &str,
    to: Option<&str>,
    fax: Option<&str>,
    received: Option<&str>,
) -> Resolution {
    let ny = chrono_tz::America::New_York;
    let event = Event {
        method: method.into(),
        sent: Some(parse_instant(sent, ny, None).unwrap()),
        received: received.map(|r| parse_instant(r, ny, None).unwrap()),
        to: to.map(String::from),
        from: None,
        fax_number: fax.map(String::from),
        companions: Vec::new(),
        designation: None,
    };
    rules().evaluate(&event).unwrap()
}

fn fax_to_company(sent: &str) -> Resolution {
    eval_full("fax", sent, Some("company"), Some(COMPANY_FAX), None)
}

/// `(deemed date, clause, status)`
fn summary(r: &Resolution) -> (String, String, Status) {
    (
        r.deemed_date.map(|d| d.to_string()).unwrap_or_default(),
        r.clause.as_deref().unwrap_or_default().to_string(),
        r.status,
    )
}

fn expect(r: &Resolution, date: &str, clause: &str, status: Status) {
    assert_eq!(
        summary(r),
        (date.to_string(), clause.to_string(), status),
        "{r}"
    );
}

#[test]
fn eight_pm_edge_to_the_second() {
    // Friday, March 3, 2000 was a Business Day.
    let r = fax_to_company("2000-03-03T19:59:59-05:00");
    expect(&r, "2000-03-03", "i", Status::Effective);
    // Effective the moment it was sent, not at midnight before.
    assert_eq!(
        r.effective_at.unwrap().to_rfc3339(),
        "2000-03-03T19:59:59-05:00"
    );
    let r = fax_to_company("2000-03-03T20:00:00-05:00");
    expect(&r, "2000-03-06", "at-eight-pm", Status::Gap);
    assert!(r.warnings.iter().any(|w| {
        let w = w.to_string();
        w.contains("not before 20:00:00") && w.contains("not after 20:00:00")
    }));
    let r = fax_to_company("2000-03-03T20:00:01-05:00");
    expect(&r, "2000-03-06", "ii", Status::Effective);
    assert_eq!(
        r.effective_at.unwrap().to_rfc3339(),
        "2000-03-06T00:00:00-05:00"
    );
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn eleven_fifty_nine_edge_to_the_second() {
    expect(
        &fax_to_company("2000-03-03T23:58:59-05:00"),
        "2000-03-06",
        "ii",
        Status::Effective,
    );
    let r = fax_to_company("2000-03-03T23:59:00-05:00");
    expect(&r, "2000-03-06", "after-eleven-fifty-nine", Status::Gap);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.to_string().contains("not before 23:59:00"))
    );
    expect(
        &fax_to_company("2000-03-03T23:59:01-05:00"),
        "2000-03-06",
        "after-eleven-fifty-nine",
        Status::Gap,
    );
    // A fraction of a second does not carry a fax past a bound written in whole seconds.
    expect(
        &fax_to_company("2000-03-03T19:59:59.999-05:00"),
        "2000-03-03",
        "i",
        Status::Effective,
    );
}

#[test]
fn weekdays_weekends_and_the_next_business_day() {
    expect(
        &fax_to_company("2000-03-02T20:30:00-05:00"),
        "2000-03-03",
        "ii",
        Status::Effective,
    );
    // Clause (ii) applies "on any date"; clause (i) only on a Business Day.
    expect(
        &fax_to_company("2000-03-04T21:00:00-05:00"),
        "2000-03-06",
        "ii",
        Status::Effective,
    );
    let r = fax_to_company("2000-03-04T10:00:00-05:00");
    expect(
        &r,
        "2000-03-06",
        "before-eight-pm-non-business-day",
        Status::Gap,
    );
    assert!(
        r.warnings
            .iter()
            .any(|w| w.to_string().contains("not a business day"))
    );
}

#[test]
fn holidays_old_and_new() {
    // Independence Day 2000 (a Tuesday) is stepped over, and named in the trace.
    let r = fax_to_company("2000-07-03T21:00:00-04:00");
    expect(&r, "2000-07-05", "ii", Status::Effective);
    let text = r.to_string();
    assert!(
        text.contains("Tuesday 2000-07-04 (Independence Day)"),
        "{text}"
    );
    expect(
        &fax_to_company("2000-07-04T10:00:00-04:00"),
        "2000-07-05",
        "before-eight-pm-non-business-day",
        Status::Gap,
    );
    // A 2000 notice did not skip Juneteenth: June 19, 2000 was a Business Day.
    expect(
        &fax_to_company("2000-06-16T21:00:00-04:00"),
        "2000-06-19",
        "ii",
        Status::Effective,
    );
    expect(
        &fax_to_company("2000-06-19T10:00:00-04:00"),
        "2000-06-19",
        "i",
        Status::Effective,
    );
    // A 2022 notice does: Monday, June 20, 2022 was the observed holiday.
    let r = fax_to_company("2022-06-17T21:00:00-04:00");
    expect(&r, "2022-06-21", "ii", Status::Effective);
    assert!(
        r.to_string().contains(
            "Juneteenth National Independence Day (observed; falls on Sunday 2022-06-19)"
        )
    );
    // Courier over Christmas 2000 (a Monday).
    expect(
        &eval_full(
            "courier",
            "2000-12-22T15:00:00-05:00",
            Some("montrose"),
            None,
            None,
        ),
        "2000-12-26",
        "iii",
        Status::Effective,
    );
}

#[test]
fn actual_receipt() {
    let r = eval_full(
        "hand",
        "2000-03-03T10:00:00-05:00",
        Some("company"),
        None,
        Some("2000-03-04T11:30:00-05:00"),
    );
    expect(&r, "2000-03-04", "iv", Status::Effective);
    assert_eq!(
        r.effective_at.unwrap().to_rfc3339(),
        "2000-03-04T11:30:00-05:00"
    );
    let r = eval_full(
        "email",
        "2000-03-03T10:00:00-05:00",
        Some("company"),
        None,
        None,
    );
    expect(&r, "", "iv", Status::Pending);
    assert!(r.deemed_date.is_none() && r.effective_at.is_none());
}

#[test]
fn method_and_party_names_ignore_case() {
    expect(
        &eval_full(
            "FAX",
            "2000-03-03T10:00:00-05:00",
            Some("Company"),
            Some("949-788-6706"),
            None,
        ),
        "2000-03-03",
        "i",
        Status::Effective,
    );
}

#[test]
fn fax_numbers_compare_by_digits() {
    for number in ["949-788-6706", "+1 (949) 788 6706", "9497886706"] {
        expect(
            &eval_full(
                "fax",
                "2000-03-03T10:00:00-05:00",
                Some("company"),
                Some(number),
                None,
            ),
            "2000-03-03",
            "i",
            Status::Effective,
        );
    }
    // Counsel has two numbers; either is designated.
    expect(
        &eval_full(
            "fax",
            "2000-03-03T10:00:00-05:00",
            Some("counsel"),
            Some("212.541.1432"),
            None,
        ),
        "2000-03-03",
        "i",
        Status::Effective,
    );
}

#[test]
fn faxes_to_a_number_not_designated_are_gaps() {
    let r = eval_full(
        "fax",
        "2000-03-03T10:00:00-05:00",
        Some("company"),
        Some("(212) 555-0100"),
        Some("2000-03-03T10:00:05-05:00"),
    );
    expect(&r, "2000-03-03", "not-designated-number", Status::Gap);
    assert!(r.warnings.iter().any(|w| {
        w.to_string()
            .contains("is not the number designated for `company`")
    }));
    // Strong River designated no number at all.
    let r = eval_full(
        "fax",
        "2000-03-03T10:00:00-05:00",
        Some("strong-river"),
        Some("(284) 494-0000"),
        None,
    );
    expect(&r, "", "not-designated-number", Status::Gap);
    let warnings: Vec<String> = r.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("`strong-river` has no designated facsimile number")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains("not recorded")),
        "{warnings:?}"
    );
}

#[test]
fn a_missing_recipient_is_said_not_guessed() {
    let r = eval_full("fax", "2000-03-03T10:00:00-05:00", None, None, None);
    expect(&r, "2000-03-03", "i", Status::Effective);
    assert!(
        r.warnings
            .iter()
            .any(|w| w.to_string().contains("no recipient given"))
    );
}

#[test]
fn other_offsets_are_read_in_new_york_time() {
    // 01:00:01 UTC on March 4 is 20:00:01 in New York on March 3.
    expect(
        &fax_to_company("2000-03-04T01:00:01Z"),
        "2000-03-06",
        "ii",
        Status::Effective,
    );
    // 17:00 Pacific is exactly 20:00 in New York.
    expect(
        &fax_to_company("2000-03-03T17:00:00-08:00"),
        "2000-03-06",
        "at-eight-pm",
        Status::Gap,
    );
    let r = fax_to_company("2000-03-03T16:59:59-08:00");
    expect(&r, "2000-03-03", "i", Status::Effective);
    assert_eq!(
        r.effective_at.unwrap().to_rfc3339(),
        "2000-03-03T19:59:59-05:00"
    );
}

#[test]
fn daylight_saving_days() {
    // Sunday, April 2, 2000: clocks went from 02:00 EST to 03:00 EDT.
    let r = fax_to_company("2000-04-02T21:00:00");
    expect(&r, "2000-04-03", "ii", Status::Effective);
    assert_eq!(
        r.effective_at.unwrap().to_rfc3339(),
        "2000-04-03T00:00:00-04:00"
    );
    // 06:59:59 UTC was 01:59:59 EST; one second later it was 03:00:00 EDT.
    let r = fax_to_company("2000-04-02T06:59:59Z");
    assert!(r.to_string().contains("sent at 01:59:59"));
    let r = fax_to_company("2000-04-02T07:00:00Z");
    assert!(r.to_string().contains("sent at 03:00:00"));
    // Sunday, October 29, 2000: 01:30 happened twice.
    let ny = chrono_tz::America::New_York;
    assert!(parse_instant("2000-10-29T01:30:00", ny, None).is_err());
    let later = parse_instant("2000-10-29T01:30:00", ny, Some(Fold::Later)).unwrap();
    assert_eq!(later.to_rfc3339(), "2000-10-29T01:30:00-05:00");
    // A Saturday evening fax before the change is effective Monday at midnight EST.
    let r = fax_to_company("2000-10-28T20:30:00-04:00");
    expect(&r, "2000-10-30", "ii", Status::Effective);
    assert_eq!(
        r.effective_at.unwrap().to_rfc3339(),
        "2000-10-30T00:00:00-05:00"
    );
}

#[test]
fn every_clause_says_why_it_did_not_apply() {
    let r = fax_to_company("2000-03-03T21:15:00-05:00");
    let json = serde_json::to_value(&r).unwrap();
    let rules: Vec<&serde_json::Value> = json["trace"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["step"] == "rule")
        .collect();
    let labels: Vec<&str> = rules.iter().map(|s| s["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["i", "ii", "iii", "iv"]);
    for step in rules {
        let applied = step["applied"].as_bool().unwrap();
        let failed = step["tests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["holds"] == false)
            .count();
        assert_eq!(applied, failed == 0, "{step}");
        assert!(!step["cite"].as_str().unwrap().is_empty());
    }
}
