//! `deemed latest-send` and `when-effective --deadline`.

use chrono::{DateTime, Duration, FixedOffset, TimeZone};
use deemed::{Event, Status};
use proptest::prelude::*;

use crate::{deemed, rules};

fn ok(args: &[&str]) -> String {
    let (stdout, stderr, code) = deemed(args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    stdout
}

#[test]
fn by_the_close_of_the_warrant_window() {
    // The close `deemed window warrant --issued 2000-02-25` gives.
    insta::assert_snapshot!(ok(&[
        "latest-send",
        "--by",
        "2005-02-26T00:00:00-05:00",
        "--to",
        "company"
    ]));
    insta::assert_snapshot!(ok(&[
        "latest-send",
        "--by",
        "2005-02-26T00:00:00-05:00",
        "--to",
        "strong-river",
        "--format",
        "json",
    ]));
}

#[test]
fn a_deadline_is_made_or_missed() {
    let base = [
        "when-effective",
        "--method",
        "fax",
        "--to",
        "company",
        "--fax-number",
        "(949) 788-6706",
        "--deadline",
        "2005-02-26T00:00:00-05:00",
    ];
    let run = |sent: &str| {
        let mut args = base.to_vec();
        args.extend(["--sent", sent, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&ok(&args)).unwrap();
        v["deadline"].clone()
    };
    insta::assert_snapshot!(run("2005-02-25T19:59:59-05:00"), @r#"{"by":"2005-02-26T00:00:00-05:00","margin_seconds":14401,"met":true}"#);
    // Inside the window at 9 p.m., but deemed given on Monday: too late.
    insta::assert_snapshot!(run("2005-02-25T21:00:00-05:00"), @r#"{"by":"2005-02-26T00:00:00-05:00","margin_seconds":-172800,"met":false}"#);
}

fn instant(seconds: i64) -> DateTime<FixedOffset> {
    chrono_tz::America::New_York
        .timestamp_opt(seconds, 0)
        .unwrap()
        .fixed_offset()
}

/// An agreement on New York time whose e-mail clause reads London time and whose hand
/// clause reads the recipient's, in Tokyo.
const ABROAD: &str = r#"agreement "abroad" {
  time-zone "America/New_York"
  calendar us-ny-banking
  method email "e-mail"
  method hand "by hand"
  party tokyo "Tokyo office" { time-zone "Asia/Tokyo" }
  notice "n" earliest-of {
    clause e1 "by 5 p.m. London time" when method email, sent before 17:00:00 on business-day in "Europe/London" => same-day
    clause e2 "later" when method email, sent on-or-after 17:00:00 in "Europe/London" => next business-day
    clause h1 "by 6 p.m. there" when method hand, received before 18:00:00 on business-day in recipient-time => same-day of received
    clause h2 "later there" when method hand, received on-or-after 18:00:00 in recipient-time => 2 business-days after received
    gap other "the rest" when method email or hand => next business-day
  }
}"#;

/// The rules and recipients the promise is held to: the reference agreement; the Pacific
/// example, whose clauses read a named zone and the recipient's clock (a lender in New
/// York, a borrower in Los Angeles); and an agreement whose clauses read London and Tokyo.
fn cases() -> Vec<(deemed::Rules, &'static str)> {
    let pacific = || {
        deemed::Rules::from_path(std::path::Path::new("rules/example-pacific-notice.rules"))
            .unwrap()
    };
    let abroad = deemed::Rules::from_source(deemed::Source {
        name: "abroad.rules".into(),
        text: ABROAD.into(),
    })
    .unwrap();
    vec![
        (rules().clone(), "company"),
        (pacific(), "lender"),
        (pacific(), "borrower"),
        (abroad, "tokyo"),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// For each method, the answer L resolves no later than D under a clause that applies
    /// literally, and neither the second after L nor sampled instants after it (up to D) do.
    #[test]
    fn the_latest_instant_is_the_latest(
        // 2000-01-10 through 2029-12-20.
        by in 947_480_000i64..1_892_500_000,
        samples in proptest::collection::vec(1i64..86_400 * 5, 8),
        case in 0usize..4,
    ) {
        let by = instant(by);
        let (rules, to) = &cases()[case];
        let answer = rules.latest_send(by, Some(to)).unwrap();
        for m in &answer.methods {
            let Some(latest) = m.latest else { continue };
            prop_assert!(latest <= by);
            let event = |sent: DateTime<FixedOffset>| Event {
                method: m.method.clone(),
                sent: Some(sent),
                received: Some(sent),
                to: Some(to.to_string()), from: None,
                fax_number: m.fax_number.clone(), companions: Vec::new(), designation: None,
            };
            let r = rules.evaluate_with(&event(latest), false).unwrap();
            prop_assert_eq!(r.status, Status::Effective);
            prop_assert!(r.effective_at.unwrap() <= by);
            for s in std::iter::once(&1).chain(&samples) {
                let later = latest + Duration::seconds(*s);
                if later > by {
                    continue;
                }
                let r = rules.evaluate_with(&event(later), false).unwrap();
                let makes_it = r.status == Status::Effective && r.effective_at.is_some_and(|at| at <= by);
                prop_assert!(!makes_it, "{} at {} also makes {}", m.method, later, by);
            }
        }
    }
}

/// A hand delivery to the New York lender under the Pacific example may arrive as late as
/// 4:59:59 p.m. New York time on the deadline's Trading Day: clause c1 reads the recipient's
/// clock.
#[test]
fn the_latest_receipt_is_read_on_the_recipients_clock() {
    let (rules, _) = &cases()[1];
    let by = DateTime::parse_from_rfc3339("2025-04-22T17:00:00-04:00").unwrap();
    let answer = rules.latest_send(by, Some("lender")).unwrap();
    let hand = answer.methods.iter().find(|m| m.method == "hand").unwrap();
    assert_eq!(
        hand.latest.unwrap().to_rfc3339(),
        "2025-04-22T16:59:59-04:00"
    );
    assert_eq!(hand.clause.as_deref(), Some("c1"));
}

#[test]
fn the_ics_file_has_an_event_per_method_and_parses() {
    let dir = std::env::temp_dir().join(format!("deemed-latest-ics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("latest.ics");
    ok(&[
        "latest-send",
        "--by",
        "2005-02-26T00:00:00-05:00",
        "--to",
        "company",
        "--ics",
        path.to_str().unwrap(),
    ]);
    let file = std::fs::File::open(&path).unwrap();
    let calendar = ical::IcalParser::new(std::io::BufReader::new(file))
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(calendar.events.len(), 5);
    let fax = &calendar.events[0];
    let start = fax.properties.iter().find(|p| p.name == "DTSTART").unwrap();
    // 7:59:59 p.m. in New York is 00:59:59 UTC the next day.
    assert_eq!(start.value.as_deref(), Some("20050226T005959Z"));
    let description = fax
        .properties
        .iter()
        .find(|p| p.name == "DESCRIPTION")
        .unwrap();
    assert!(description.value.as_deref().unwrap().contains("clause i"));
}
