//! Constructs beyond section 4.2: notices that are not valid ones (`no-effect`), notices
//! that run from receipt alone, and the sender's clock.

use deemed::{Rules, Source, Status};

use crate::deemed;

fn temp(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("deemed-generality-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// "... the Trading Day on which the notice is received after 4:00 p.m. but prior to 5:30
/// p.m."; outside the window, and by facsimile, the notice is not a valid one.
const WINDOW: &str = r#"agreement "Window" {
  time-zone "America/New_York"
  calendar nyse
  method hand "by hand"
  method fax "by fax"
  notice "Exercise" earliest-of {
    clause w "the Trading Day on which the notice is received after 4:00 p.m. but prior to 5:30 p.m."
      when method hand, received after 16:00:00 and before 17:30:00 on business-day
      => same-day of received
    clause f "a facsimile is not a valid notice"
      when method fax
      => no-effect "a notice by facsimile is not a valid notice"
    gap outside "a notice received outside the window is not a valid notice"
      when method hand, received on any-day
      => no-effect "received outside the window of 4:00 p.m. to 5:30 p.m. on a Trading Day"
    gap not-yet-received "a notice whose receipt is not recorded"
      when method hand
      => upon receipt
  }
}
"#;

fn window() -> Rules {
    Rules::from_source(Source {
        name: "window.rules".into(),
        text: WINDOW.into(),
    })
    .unwrap()
}

fn event(method: &str, received: Option<&str>) -> deemed::Event {
    let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
    deemed::Event {
        method: method.into(),
        sent: t("2024-03-04T09:00:00-05:00"),
        received: received.map(t),
        to: None,
        fax_number: None,
    }
}

#[test]
fn a_notice_outside_the_window_is_not_valid_and_says_why() {
    let rules = window();
    // The edges: 16:00:00 and 17:30:00 are outside ("after", "prior to").
    for (received, status, clause) in [
        ("2024-03-04T16:00:00-05:00", Status::Invalid, "outside"),
        ("2024-03-04T16:00:01-05:00", Status::Effective, "w"),
        ("2024-03-04T17:29:59-05:00", Status::Effective, "w"),
        ("2024-03-04T17:30:00-05:00", Status::Invalid, "outside"),
        // A Saturday.
        ("2024-03-09T16:30:00-05:00", Status::Invalid, "outside"),
    ] {
        let r = rules.evaluate(&event("hand", Some(received))).unwrap();
        assert_eq!(
            (r.status, r.clause.as_deref()),
            (status, Some(clause)),
            "{received}"
        );
        assert_eq!(r.deemed_date.is_some(), status == Status::Effective);
        let plain = rules
            .evaluate_with(&event("hand", Some(received)), false)
            .unwrap();
        assert_eq!((plain.status, plain.warnings), (r.status, r.warnings));
    }
    // Not received yet: waiting, not invalid.
    let r = rules.evaluate(&event("hand", None)).unwrap();
    assert_eq!(
        (r.status, r.clause.as_deref()),
        (Status::Gap, Some("not-yet-received"))
    );
    let r = rules
        .evaluate(&event("hand", Some("2024-03-04T18:00:00-05:00")))
        .unwrap();
    let words: Vec<String> = r.warnings.iter().map(|w| w.to_string()).collect();
    insta::assert_snapshot!(words.join("\n"), @"
    no clause applies literally (clause w: received at 18:00:00 America/New_York time, which is not before 17:30:00); resolved by the declared gap rule `outside`: a notice received outside the window is not a valid notice
    not a valid notice under `outside`: received outside the window of 4:00 p.m. to 5:30 p.m. on a Trading Day
    ");
}

#[test]
fn an_invalid_notice_is_an_answer_everywhere() {
    let path = temp("window.rules", WINDOW);
    let (out, err, code) = deemed(&[
        "when-effective",
        "--rules",
        &path,
        "--method",
        "fax",
        "--sent",
        "2024-03-04T09:00:00-05:00",
    ]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!(out, @"
    not a valid notice under clause f: a notice by facsimile is not a valid notice
    status: invalid
    why:
      fax sent Monday 2024-03-04 09:00:00 (UTC-05:00)
      clause w   does not apply: method `fax` is not hand; no receipt is recorded
      clause f   applies: method `fax` is fax
                 => not a valid notice: a notice by facsimile is not a valid notice
      decided by `f`: the earliest of the clauses that apply (f)
    warning: not a valid notice under `f`: a notice by facsimile is not a valid notice
    ");
    let log = temp(
        "window.jsonl",
        concat!(
            r#"{"id":"a","method":"fax","sent":"2024-03-04T09:00:00-05:00"}"#,
            "\n",
            r#"{"id":"b","method":"hand","sent":"2024-03-04T09:00:00-05:00","received":"2024-03-04T16:30:00-05:00"}"#,
            "\n",
            r#"{"id":"c","method":"hand","sent":"2024-03-04T09:00:00-05:00","received":"2024-03-04T17:30:00-05:00"}"#,
            "\n",
        ),
    );
    let (memo, err, code) = deemed(&["batch", "--rules", &path, &log]);
    assert_eq!(code, 0);
    assert!(
        err.contains("status: effective 1, gap 0, pending 0, invalid 2, error 0"),
        "{err}"
    );
    let (full, _, _) = deemed(&["batch", "--rules", &path, "--no-memo", &log]);
    assert_eq!(memo, full);
    assert!(memo.contains(r#""id":"c","line":3,"deemed_date":null,"effective_at":null,"clause":"outside","status":"invalid""#));
    // lint: the cells a `no-effect` rule decides are covered by it, not gaps.
    let (lint, _, code) = deemed(&["lint", &path]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(lint, @"
    clock 1: received, cut-offs: 16:00:00, 17:30:00
    method   designated day           time               clauses
    hand     any        business      00:00:00-16:00:00  not a valid notice, by `outside`
    hand     any        business      16:00:01-17:29:59  w
    hand     any        business      17:30:00-23:59:59  not a valid notice, by `outside`
    hand     any        non-business  00:00:00-23:59:59  not a valid notice, by `outside`
    hand     any        no receipt    -                  GAP, filled by gap rule `not-yet-received`
    fax      any        any           00:00:00-23:59:59  not a valid notice, by `f`
    1 gap(s), 0 not covered by a gap rule; 0 overlap(s)
    ");
}
