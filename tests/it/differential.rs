//! The engine's plan against the reference reading (`reference.rs`), over generated rules
//! files and events: several clocks (named zones, the recipient's), send- and receipt-based
//! clauses and outcomes, gap rules, a calendar of three years, and events at the cut-offs
//! and a second either side, on DST nights, at the calendar's edges, in other offsets,
//! without receipts and with unknown names.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use deemed::batch::{Batch, Options, OutputFormat};
use deemed::{EventRef, Rules, Source};
use proptest::prelude::*;

use crate::reference::*;

const ZONES: [Tz; 4] = [
    chrono_tz::America::New_York,
    chrono_tz::America::Los_Angeles,
    chrono_tz::Europe::London,
    chrono_tz::Asia::Kolkata,
];
const CALENDARS: [&str; 3] = ["short", "nyse", "us-ny-banking"];
const CUTOFFS: [(u32, u32, u32); 5] = [(0, 0, 0), (9, 0, 0), (17, 0, 0), (20, 0, 0), (23, 59, 0)];
const METHODS: [&str; 3] = ["fax", "courier", "email"];
const NUMBERS: [&str; 2] = ["(212) 555-0100", "+1 415 555 0199"];

fn cutoff(n: usize) -> NaiveTime {
    let (h, m, s) = CUTOFFS[n % CUTOFFS.len()];
    NaiveTime::from_hms_opt(h, m, s).unwrap()
}

fn cmp(n: usize) -> Cmp {
    [
        Cmp::Before,
        Cmp::OnOrBefore,
        Cmp::After,
        Cmp::OnOrAfter,
        Cmp::At,
    ][n % 5]
}

fn subject(received: bool) -> Subject {
    if received {
        Subject::Received
    } else {
        Subject::Sent
    }
}

fn instant_strategy() -> impl Strategy<Value = Instant> {
    (
        any::<bool>(),
        proptest::collection::vec((0usize..5, 0usize..5), 0..=2),
        proptest::option::of((0usize..3, proptest::option::of(0usize..3))),
        0usize..5,
        0usize..4,
    )
        .prop_map(|(received, bounds, day, zone, named)| {
            let mut bounds: Vec<(Cmp, NaiveTime)> = bounds
                .into_iter()
                .map(|(c, t)| (cmp(c), cutoff(t)))
                .collect();
            // Two bounds make an interval, the lower one first, so that most rules can apply.
            if let [(_, a), (_, b)] = bounds.as_slice() {
                let (lo, hi) = (*a.min(b), *a.max(b));
                bounds = vec![(Cmp::OnOrAfter, lo), (Cmp::Before, hi)];
                if lo == hi {
                    bounds.truncate(1);
                }
            }
            let day = match (day, bounds.is_empty()) {
                (None, true) => Some((DayKind::Any, None)),
                (None, false) => None,
                (Some((kind, cal)), _) => Some((
                    [DayKind::Business, DayKind::NonBusiness, DayKind::Any][kind],
                    cal.map(|c| CALENDARS[c].to_string()),
                )),
            };
            Instant {
                subject: subject(received),
                bounds,
                day,
                zone: match zone {
                    0 | 1 => Zone::Agreement,
                    2 => Zone::Named(ZONES[named]),
                    3 => Zone::Recipient,
                    _ => Zone::Sender,
                },
            }
        })
}

fn outcome_strategy() -> impl Strategy<Value = Outcome> {
    (0usize..9, 1u32..4, any::<bool>()).prop_map(|(kind, n, received)| match kind {
        0 | 1 => Outcome::UponReceipt,
        2 | 3 => Outcome::SameDay(subject(received)),
        4 | 5 => Outcome::BusinessDaysAfter(n, subject(received)),
        6 | 7 => Outcome::DaysAfter(n, subject(received)),
        _ => Outcome::NoEffect,
    })
}

fn rule_strategy() -> impl Strategy<Value = Rule> {
    (
        proptest::option::of(proptest::collection::btree_set(0usize..3, 1..=2)),
        prop::bool::weighted(0.3),
        proptest::collection::vec(instant_strategy(), 0..=2),
        outcome_strategy(),
    )
        .prop_map(|(methods, designated, instants, outcome)| Rule {
            label: String::new(),
            methods: methods.map(|m| m.into_iter().collect()),
            designated,
            instants,
            outcome,
        })
}

pub fn spec_strategy() -> impl Strategy<Value = Spec> {
    (
        0usize..4,
        0usize..3,
        proptest::collection::vec(
            (
                proptest::option::of(0usize..4),
                0usize..3,
                proptest::option::weighted(0.3, 0usize..DAYS.len()),
            ),
            1..=3,
        ),
        0usize..3,
        proptest::collection::vec(rule_strategy(), 1..=4),
        proptest::collection::vec(rule_strategy(), 0..=3),
    )
        .prop_map(|(tz, cal, parties, combinator, mut clauses, mut gaps)| {
            for (n, r) in clauses.iter_mut().enumerate() {
                r.label = format!("c{n}");
            }
            for (n, r) in gaps.iter_mut().enumerate() {
                r.label = format!("g{n}");
            }
            Spec {
                tz: ZONES[tz],
                calendar: CALENDARS[cal].to_string(),
                methods: METHODS.iter().map(|m| m.to_string()).collect(),
                parties: parties
                    .into_iter()
                    .enumerate()
                    .map(|(n, (tz, faxes, until))| Party {
                        name: format!("p{n}"),
                        tz: tz.map(|z| ZONES[z]),
                        faxes: NUMBERS.iter().take(faxes).map(|f| f.to_string()).collect(),
                        // The first number in force until one of the events' days, the
                        // second from the day after.
                        until: until.filter(|_| faxes > 0).and_then(|d| {
                            let (y, m, day) = DAYS[d];
                            NaiveDate::from_ymd_opt(y, m, day)
                        }),
                    })
                    .collect(),
                combinator: [
                    Combinator::EarliestOf,
                    Combinator::LatestOf,
                    Combinator::FirstOf,
                ][combinator],
                clauses,
                gaps,
            }
        })
}

/// An event as plain data: its day, where it falls (a cut-off and a second either side, or
/// any second), on which zone, shown in which offset, the receipt, method, recipient and
/// number, each by index into the lists the test uses.
#[derive(Debug, Clone)]
struct EventSpec {
    day: usize,
    at: (usize, i64, Option<u32>),
    zone: usize,
    shown: Option<i32>,
    delay: Option<i64>,
    method: usize,
    to: usize,
    number: usize,
}

fn event_strategy() -> impl Strategy<Value = EventSpec> {
    (
        0usize..DAYS.len(),
        (0usize..5, -1i64..=1, proptest::option::of(0u32..86_400)),
        0usize..4,
        proptest::option::of(-11i32 * 60..=13 * 60),
        proptest::option::of(prop_oneof![
            2 => Just(0i64),
            2 => Just(1),
            6 => 0i64..200_000,
            1 => Just(-5),
        ]),
        0usize..10,
        0usize..10,
        0usize..5,
    )
        .prop_map(
            |(day, at, zone, shown, delay, method, to, number)| EventSpec {
                day,
                at,
                zone,
                shown,
                delay,
                method,
                to,
                number,
            },
        )
}

/// Days where the answers turn: the short calendar's edges, DST nights in New York, Los
/// Angeles and London, Independence Day on a weekend, Good Friday, a plain Tuesday.
const DAYS: [(i32, u32, u32); 12] = [
    (2018, 12, 31),
    (2019, 1, 1),
    (2019, 3, 10),
    (2019, 3, 31),
    (2019, 11, 3),
    (2020, 7, 3),
    (2020, 7, 4),
    (2021, 4, 2),
    (2021, 10, 31),
    (2021, 12, 31),
    (2022, 1, 1),
    (2020, 6, 16),
];

struct Built {
    /// The sender: a party now and then, or one the rules do not know.
    from: Option<String>,
    /// `None` now and then for a notice with a receipt: one known by its receipt alone.
    sent: Option<DateTime<FixedOffset>>,
    received: Option<DateTime<FixedOffset>>,
    method: String,
    to: Option<String>,
    number: Option<String>,
}

fn build(e: &EventSpec, parties: usize) -> Option<Built> {
    let (y, m, d) = DAYS[e.day];
    let date = NaiveDate::from_ymd_opt(y, m, d)?;
    let (cut, delta, any) = e.at;
    let local = match any {
        Some(second) => date.and_hms_opt(0, 0, 0)? + Duration::seconds(i64::from(second)),
        None => date.and_time(cutoff(cut)) + Duration::seconds(delta),
    };
    let tz = ZONES[e.zone];
    let sent = tz.from_local_datetime(&local).earliest()?.fixed_offset();
    let sent = match e.shown {
        Some(minutes) => sent.with_timezone(&FixedOffset::east_opt(minutes * 60)?),
        None => sent,
    };
    let received = e.delay.map(|s| sent + Duration::seconds(s));
    let receipt_only = received.is_some() && e.number == 2 && e.to % 2 == 0;
    Some(Built {
        from: match (e.to + e.number) % 7 {
            0..=2 => None,
            6 => Some("stranger".to_string()),
            n => Some(format!("p{}", (n - 3) % parties.max(1))),
        },
        sent: (!receipt_only).then_some(sent),
        received,
        method: match e.method {
            9 => "pigeon".to_string(),
            // Logs write names in other cases too.
            8 => "EMAIL".to_string(),
            n => METHODS[n % METHODS.len()].to_string(),
        },
        to: match e.to {
            0 | 1 => None,
            9 => Some("nobody".to_string()),
            n => Some(format!("p{}", (n - 2) % parties.max(1))),
        },
        number: match e.number {
            0 => None,
            3 => Some("999".to_string()),
            4 => Some("n/a".to_string()),
            n => Some(NUMBERS[n - 1].to_string()),
        },
    })
}

fn load(spec: &Spec) -> Option<Rules> {
    Rules::from_source(Source {
        name: "generated.rules".into(),
        text: spec.text(),
    })
    .ok()
}

/// A batch run's output records, as JSON values (CSV read back into the same fields).
fn batch_records(rules: &Rules, log: &str, options: Options) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let mut batch = Batch::new(rules, options).unwrap();
    batch
        .run("log", log.as_bytes(), &mut out, &mut |_| {})
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    if options.output == OutputFormat::Jsonl {
        return text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    }
    let mut csv = text.lines();
    let header: Vec<&str> = csv.next().unwrap().split(',').collect();
    csv.map(|line| {
        let fields = split_csv(line);
        let mut record = serde_json::Map::new();
        for (name, value) in header.iter().zip(fields) {
            record.insert(name.to_string(), serde_json::Value::String(value));
        }
        serde_json::Value::Object(record)
    })
    .collect()
}

/// The fields of a CSV line, quotes undone.
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// A batch record in the reference's terms (an error by its presence only: its words say
/// where, which the reference does not).
fn record_answer(v: &serde_json::Value) -> (String, String, String, String) {
    let text = |k: &str| match &v[k] {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let status = text("status");
    if status == "error" {
        return (status, String::new(), String::new(), String::new());
    }
    (
        status,
        text("clause"),
        text("deemed_date"),
        text("effective_at"),
    )
}

fn expected_record(a: &Answer) -> (String, String, String, String) {
    match a {
        Answer::Error(_) => ("error".into(), String::new(), String::new(), String::new()),
        Answer::Resolved {
            status,
            clause,
            deemed_date,
            effective_at,
        } => (
            status.to_string(),
            clause.clone(),
            deemed_date.map(|d| d.to_string()).unwrap_or_default(),
            effective_at.clone().unwrap_or_default(),
        ),
    }
}

/// An event as a log line.
fn log_line(n: usize, b: &Built) -> String {
    let mut v = serde_json::json!({ "id": format!("e{n}"), "method": b.method });
    if let Some(s) = b.sent {
        v["sent"] = s.to_rfc3339().into();
    }
    if let Some(r) = b.received {
        v["received"] = r.to_rfc3339().into();
    }
    if let Some(to) = &b.to {
        v["to"] = to.clone().into();
    }
    if let Some(from) = &b.from {
        v["from"] = from.clone().into();
    }
    if let Some(number) = &b.number {
        v["fax_number"] = number.clone().into();
    }
    v.to_string()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        max_global_rejects: 100_000,
        ..ProptestConfig::default()
    })]

    /// The engine decides every event as the reference reading does: with the trace and
    /// without, and in a batch with the memo and without, on one thread and two, written
    /// as JSON Lines (with a trace and without) and as CSV.
    #[test]
    fn the_plan_decides_as_the_reference_reading(
        spec in spec_strategy(),
        events in proptest::collection::vec(event_strategy(), 1..40),
    ) {
        let rules = load(&spec);
        prop_assume!(rules.is_some());
        let rules = rules.unwrap();
        let mut log = String::new();
        let mut expected = Vec::new();
        for e in &events {
            let Some(b) = build(e, spec.parties.len()) else { continue };
            let event = EventRef {
                method: &b.method,
                sent: b.sent,
                received: b.received,
                to: b.to.as_deref(), from: b.from.as_deref(),
                fax_number: b.number.as_deref(), companions: &[], designation: None,
            };
            let answer = reference(&spec, &rules, event);
            prop_assert_eq!(&engine(&rules, event, true), &answer, "{}\n{:?}", spec.text(), event);
            prop_assert_eq!(&engine(&rules, event, false), &answer, "{}\n{:?}", spec.text(), event);
            log += &log_line(expected.len(), &b);
            log.push('\n');
            expected.push(expected_record(&answer));
        }
        // The log twice over, so that the memo answers events of cells it has learnt.
        let twice = format!("{log}{log}");
        let expected: Vec<_> = expected.iter().chain(&expected).cloned().collect();
        for options in [
            Options::default(),
            Options { no_memo: true, ..Options::default() },
            Options { threads: 2, ..Options::default() },
            Options { trace: true, ..Options::default() },
            Options { output: OutputFormat::Csv, ..Options::default() },
        ] {
            let records: Vec<_> = batch_records(&rules, &twice, options).iter().map(record_answer).collect();
            prop_assert_eq!(&records, &expected, "{:?}\n{}\n{}", options, spec.text(), twice);
        }
    }
}

/// The two hand cases of the recipient's clock: a hand delivery to a recipient in New York,
/// received Tuesday 01:00 there, is deemed Tuesday; one to a recipient in Los Angeles under
/// an agreement on New York time, received Monday 21:30 Pacific (Tuesday 00:30 in New York)
/// after 5 p.m. there, is deemed the next business day after Monday: Tuesday.
#[test]
fn outcomes_are_read_on_the_recipients_clock() {
    let pacific =
        Rules::from_path(std::path::Path::new("rules/example-pacific-notice.rules")).unwrap();
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap();
    let event = EventRef {
        method: "hand",
        sent: Some(at("2025-04-21T21:00:00-07:00")),
        received: Some(at("2025-04-22T01:00:00-04:00")),
        to: Some("lender"),
        from: None,
        fax_number: None,
        companions: &[],
        designation: None,
    };
    let r = pacific.evaluate_ref(event, true).unwrap();
    assert_eq!(r.deemed_date.unwrap().to_string(), "2025-04-22");
    assert_eq!(r.clause.as_deref(), Some("c1"));
    // Effective at the receipt, never before it.
    assert_eq!(
        r.effective_at.unwrap().to_rfc3339(),
        "2025-04-22T01:00:00-04:00"
    );
    assert!(
        r.to_string()
            .contains("the date it was received, Tuesday 2025-04-22"),
        "{r}"
    );

    let text = r#"agreement "x" {
  time-zone "America/New_York"
  calendar us-ny-banking
  method hand "by hand"
  party west "West" { time-zone "America/Los_Angeles" }
  notice "n" earliest-of {
    clause late "after five" when method hand, received after 17:00:00 in recipient-time => next business-day after received
    clause early "by five" when method hand, received on-or-before 17:00:00 in recipient-time => same-day of received
    gap none "no receipt" when method hand => upon receipt
  }
}"#;
    let rules = Rules::from_source(Source {
        name: "x.rules".into(),
        text: text.into(),
    })
    .unwrap();
    let event = EventRef {
        method: "hand",
        sent: Some(at("2025-04-21T12:00:00-07:00")),
        received: Some(at("2025-04-21T21:30:00-07:00")),
        to: Some("west"),
        from: None,
        fax_number: None,
        companions: &[],
        designation: None,
    };
    let r = rules.evaluate_ref(event, true).unwrap();
    assert_eq!(r.deemed_date.unwrap().to_string(), "2025-04-22", "{r}");
    assert_eq!(
        r.effective_at.unwrap().to_rfc3339(),
        "2025-04-22T00:00:00-07:00"
    );
    let shown = r.to_string();
    assert!(
        shown.contains("received at 21:30:00 America/Los_Angeles time"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "the next business day after Monday 2025-04-21 (received) is Tuesday 2025-04-22"
        ),
        "{shown}"
    );
    assert_eq!(
        rules.evaluate_ref(event, false).unwrap().deemed_date,
        r.deemed_date
    );
}

/// Events outside a calendar's years are the same error with the trace and without, in
/// `batch` and `batch --trace`, whichever clause would apply.
#[test]
fn dates_outside_a_calendar_are_the_same_error_everywhere() {
    let rules = crate::rules();
    for (method, sent) in [
        ("courier", "1970-12-31T12:00:00-05:00"),
        ("fax", "2101-01-01T12:00:00-05:00"),
        ("courier", "2101-01-01T00:30:00-05:00"),
        ("email", "1970-12-31T23:00:00-05:00"),
    ] {
        let line = format!(r#"{{"method":"{method}","sent":"{sent}","to":"company"}}"#);
        let plain = batch_records(rules, &line, Options::default());
        let traced = batch_records(
            rules,
            &line,
            Options {
                trace: true,
                ..Options::default()
            },
        );
        assert!(
            plain[0]["error"]["message"].is_string(),
            "{line}: {plain:?}"
        );
        assert_eq!(plain[0]["error"], traced[0]["error"], "{line}");
        let event = EventRef {
            method,
            sent: Some(DateTime::parse_from_rfc3339(sent).unwrap()),
            received: None,
            to: Some("company"),
            from: None,
            fax_number: None,
            companions: &[],
            designation: None,
        };
        assert!(rules.evaluate_ref(event, true).is_err(), "{line}");
        assert!(rules.evaluate_ref(event, false).is_err(), "{line}");
    }
}
