//! Constructs beyond section 4.2: notices that are not valid ones (`no-effect`), notices
//! that run from receipt alone, and the sender's clock.

use deemed::{Rules, Source, Status};

use crate::deemed;

fn temp(name: &str, text: &str) -> String {
    crate::temp_file("generality", name, text)
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
    load("window.rules", WINDOW)
}

fn load(name: &str, text: &str) -> Rules {
    Rules::from_source(Source {
        name: name.into(),
        text: text.into(),
    })
    .unwrap()
}

fn event(method: &str, received: Option<&str>) -> deemed::Event {
    let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
    deemed::Event {
        method: method.into(),
        sent: Some(t("2024-03-04T09:00:00-05:00")),
        received: received.map(t),
        to: None,
        from: None,
        fax_number: None,
        companions: Vec::new(),
        designation: None,
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

fn at(s: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(s).unwrap()
}

#[test]
fn a_notice_known_by_its_receipt_alone() {
    let rules = crate::rules();
    let receipt_only = |method: &str| deemed::Event {
        method: method.into(),
        sent: None,
        received: Some(at("2000-03-06T09:30:00-05:00")),
        to: Some("company".into()),
        from: None,
        fax_number: None,
        companions: Vec::new(),
        designation: None,
    };
    // Clause (iv) reads only the receipt.
    let r = rules.evaluate(&receipt_only("hand")).unwrap();
    assert_eq!(
        (r.clause.as_deref(), r.deemed_date.unwrap().to_string()),
        (Some("iv"), "2000-03-06".into())
    );
    assert_eq!(r.effective_at, Some(at("2000-03-06T09:30:00-05:00")));
    // A facsimile falls under clauses that read its transmission; a courier's clause counts
    // from its mailing. Each error names the rule.
    for (method, words) in [
        (
            "fax",
            "rule `i` reads when the notice was sent (a condition on when it was sent), which is not given",
        ),
        (
            "courier",
            "rule `iii` reads when the notice was sent (its outcome counts from when it was sent), which is not given",
        ),
    ] {
        let e = rules.evaluate(&receipt_only(method)).unwrap_err();
        assert_eq!(e.to_string(), words);
    }
    let nothing = deemed::Event {
        received: None,
        ..receipt_only("hand")
    };
    assert_eq!(
        rules.evaluate(&nothing).unwrap_err().to_string(),
        "a notice needs when it was sent or received"
    );
    // The command line and a batch, with the memo and without.
    let (out, _, code) = deemed(&[
        "when-effective",
        "--method",
        "hand",
        "--received",
        "2000-03-06T09:30:00-05:00",
        "--to",
        "company",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("Monday 2000-03-06: deemed given and effective under clause iv"),
        "{out}"
    );
    assert!(
        out.contains("hand (sending not given) to `company`, received Monday 2000-03-06 09:30:00"),
        "{out}"
    );
    let (_, err, code) = deemed(&[
        "when-effective",
        "--method",
        "fax",
        "--received",
        "2000-03-06T09:30:00-05:00",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("rule `i` reads when the notice was sent"),
        "{err}"
    );
    let log = temp(
        "receipts.jsonl",
        concat!(
            r#"{"id":"a","method":"hand","received":"2000-03-06T09:30:00-05:00","to":"company"}"#,
            "\n",
            r#"{"id":"b","method":"fax","received":"2000-03-06T09:30:00-05:00","to":"company"}"#,
            "\n",
            r#"{"id":"c","method":"hand"}"#,
            "\n",
        ),
    );
    let (memo, _, _) = deemed(&["batch", &log]);
    let (full, _, _) = deemed(&["batch", "--no-memo", &log]);
    assert_eq!(memo, full);
    insta::assert_snapshot!(memo, @r#"
    {"id":"a","line":1,"deemed_date":"2000-03-06","effective_at":"2000-03-06T09:30:00-05:00","clause":"iv","status":"effective","warnings":[],"error":null}
    {"id":"b","line":2,"deemed_date":null,"effective_at":null,"clause":null,"status":"error","warnings":[],"error":{"line":2,"field":"sent","message":"rule `i` reads when the notice was sent (a condition on when it was sent), which is not given (give the sending instant (`sent`, `--sent`))"}}
    {"id":"c","line":3,"deemed_date":null,"effective_at":null,"clause":null,"status":"error","warnings":[],"error":{"line":3,"field":"sent","message":"missing (a notice gives `sent`, or `received` alone when the rule it falls under reads no sending)"}}
    "#);
}

/// "... the date of transmission as shown by the sender's machine": a clause on the
/// sender's clock.
const SENDER: &str = r#"agreement "Sender's clock" {
  time-zone "America/New_York"
  calendar us-ny-banking
  method email "by e-mail"
  party tokyo "A sender in Tokyo" { time-zone "Asia/Tokyo" }
  party ny "A recipient in New York" { time-zone "America/New_York" }
  notice "Notices" earliest-of {
    clause a "on the date of transmission as shown by the sender's machine, if sent prior to 5:00 p.m. (sender's time)"
      when method email, sent before 17:00:00 in sender-time
      => same-day
    clause b "and otherwise on the next Business Day"
      when method email, sent on-or-after 17:00:00 in sender-time
      => next business-day
  }
}
"#;

#[test]
fn a_clause_on_the_senders_clock() {
    let rules = load("sender.rules", SENDER);
    let email = |from: Option<&str>| deemed::Event {
        method: "email".into(),
        // Tuesday 16:30 in Tokyo is Tuesday 02:30 in New York.
        sent: Some(at("2024-03-05T16:30:00+09:00")),
        received: None,
        to: Some("ny".into()),
        from: from.map(String::from),
        fax_number: None,
        companions: Vec::new(),
        designation: None,
    };
    let r = rules.evaluate(&email(Some("tokyo"))).unwrap();
    assert_eq!(r.clause.as_deref(), Some("a"));
    // The date of transmission on the sender's clock: Tuesday, effective at the sending.
    assert_eq!(r.deemed_date.unwrap().to_string(), "2024-03-05");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    // Without a sender, the agreement's clock, with a warning: 02:30 in New York.
    let r = rules.evaluate(&email(None)).unwrap();
    assert_eq!(r.clause.as_deref(), Some("a"));
    let words: Vec<String> = r.warnings.iter().map(|w| w.to_string()).collect();
    insta::assert_snapshot!(words.join("\n"), @"rule `a` reads the sender's time, which is not known (no sender given, or none with a `time-zone`); read the agreement's time zone instead");
    // 17:00 in Tokyo is on-or-after the cut-off: the next Business Day after the Tokyo date.
    let late = deemed::Event {
        sent: Some(at("2024-03-05T17:00:00+09:00")),
        ..email(Some("tokyo"))
    };
    let r = rules.evaluate(&late).unwrap();
    assert_eq!(
        (r.clause.as_deref(), r.deemed_date.unwrap().to_string()),
        (Some("b"), "2024-03-06".into())
    );
    // The command line and a batch say the same, and the trace names the sender.
    let path = temp("sender.rules", SENDER);
    let (out, _, code) = deemed(&[
        "when-effective",
        "--rules",
        &path,
        "--method",
        "email",
        "--sent",
        "2024-03-05T17:00:00+09:00",
        "--to",
        "ny",
        "--from",
        "tokyo",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(out, @"
    Wednesday 2024-03-06: deemed given and effective under clause b, at 2024-03-06T00:00:00+09:00
    status: effective
    why:
      email from `tokyo` sent Tuesday 2024-03-05 03:00:00 (UTC-05:00) to `ny`
      clause a   does not apply: sent at 17:00:00 Asia/Tokyo time, which is not before 17:00:00
      clause b   applies: method `email` is email; sent at 17:00:00 Asia/Tokyo time, which is on-or-after 17:00:00
                 => the next business day after Tuesday 2024-03-05 (sent) is Wednesday 2024-03-06
      decided by `b`: the earliest of the clauses that apply (b)
    ");
    let log = temp(
        "sender.jsonl",
        concat!(
            r#"{"id":"a","method":"email","sent":"2024-03-05T17:00:00+09:00","to":"ny","from":"tokyo"}"#,
            "\n",
            r#"{"id":"b","method":"email","sent":"2024-03-05T16:30:00+09:00","to":"ny"}"#,
            "\n",
            r#"{"id":"c","method":"email","sent":"2024-03-05T16:30:00+09:00","from":"osaka"}"#,
            "\n",
        ),
    );
    let (memo, _, _) = deemed(&["batch", "--rules", &path, &log]);
    let (full, _, _) = deemed(&["batch", "--rules", &path, "--no-memo", &log]);
    assert_eq!(memo, full);
    insta::assert_snapshot!(memo, @r#"
    {"id":"a","line":1,"deemed_date":"2024-03-06","effective_at":"2024-03-06T00:00:00+09:00","clause":"b","status":"effective","warnings":[],"error":null}
    {"id":"b","line":2,"deemed_date":"2024-03-05","effective_at":"2024-03-05T02:30:00-05:00","clause":"a","status":"effective","warnings":["rule `a` reads the sender's time, which is not known (no sender given, or none with a `time-zone`); read the agreement's time zone instead"],"error":null}
    {"id":"c","line":3,"deemed_date":null,"effective_at":null,"clause":null,"status":"error","warnings":[],"error":{"line":3,"field":"from","message":"unknown sender `osaka` (known parties: `tokyo`, `ny`)"}}
    "#);
}

/// "... no later than 5:00 p.m. Vancouver time on the Business Day immediately before the
/// Expiry Date", under an agreement whose deadlines roll to the next Business Day.
const VANCOUVER: &str = r#"agreement "Vancouver" {
  time-zone "America/Vancouver"
  calendar ca-bc
  method email "by e-mail"
  deadline-roll following "if the last day for giving a notice is not a Business Day, it is the next Business Day"
  period expiry-notice "no later than 5:00 p.m. Vancouver time on the Business Day immediately before the Expiry Date" {
    anchor expiry "the Expiry Date"
    length 1 business-day before
    closes-at 17:00:00 in "America/Vancouver"
  }
  notice "Notices" earliest-of {
    clause a "on the day sent" when method email => same-day
  }
}
"#;

#[test]
fn a_deadline_at_a_time_of_day() {
    let rules = load("vancouver.rules", VANCOUVER);
    let expiry = chrono::NaiveDate::from_ymd_opt(2024, 7, 2).unwrap();
    // The Business Day before Tuesday, July 2, 2024 is Friday, June 28: Monday is Canada Day.
    let w = rules.window("expiry-notice", expiry, None).unwrap();
    assert_eq!(w.due, at("2024-06-28T17:00:00-07:00"));
    assert_eq!(w.closes, at("2024-06-28T17:00:01-07:00"));
    // 5:00:00 p.m. is "no later than 5:00 p.m."; a second after is not.
    let inside = |t: &str| {
        rules
            .window("expiry-notice", expiry, Some(at(t)))
            .unwrap()
            .inside
    };
    assert_eq!(inside("2024-06-28T17:00:00-07:00"), Some(true));
    assert_eq!(inside("2024-06-28T17:00:01-07:00"), Some(false));
    // The same instant written in another zone.
    assert_eq!(inside("2024-06-29T00:00:00Z"), Some(true));
    let (out, _, code) = deemed(&[
        "latest-send",
        "--rules",
        &temp("vancouver.rules", VANCOUVER),
        "--period",
        "expiry-notice",
        "--issued",
        "2024-07-02",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["by"], "2024-06-28T17:00:00-07:00");
    assert_eq!(v["methods"][0]["latest"], "2024-06-28T17:00:00-07:00");
    // when-effective --period: a notice at 17:00:01 misses it by a second.
    let (out, _, code) = deemed(&[
        "when-effective",
        "--rules",
        &temp("vancouver.rules", VANCOUVER),
        "--method",
        "email",
        "--sent",
        "2024-06-28T17:00:01-07:00",
        "--period",
        "expiry-notice",
        "--issued",
        "2024-07-02",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (
            v["deadline"]["met"].clone(),
            v["deadline"]["margin_seconds"].clone()
        ),
        (false.into(), (-1).into())
    );
    // The calendar file holds the instant, not a whole day.
    let ics = std::env::temp_dir()
        .join(format!("deemed-generality-{}", std::process::id()))
        .join("expiry.ics");
    let (_, _, code) = deemed(&[
        "window",
        "expiry-notice",
        "--rules",
        &temp("vancouver.rules", VANCOUVER),
        "--issued",
        "2024-07-02",
        "--ics",
        ics.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&ics).unwrap();
    assert!(text.contains("DTSTART:20240629T000000Z"), "{text}");
}

#[test]
fn a_deadline_that_rolls_says_so() {
    let rules = load("vancouver.rules", VANCOUVER);
    // Monday, July 1, 2024 is Canada Day: noon that day rolls to noon on Tuesday.
    let d = rules.deadline_at(at("2024-07-01T12:00:00-07:00")).unwrap();
    assert_eq!(d.by, at("2024-07-02T12:00:00-07:00"));
    insta::assert_snapshot!(d.how.unwrap(), @r#"Monday 2024-07-01 is not a business day (Canada Day): the deadline rolls to 2024-07-02T12:00:00-07:00, as the agreement says: "if the last day for giving a notice is not a Business Day, it is the next Business Day""#);
    // A Business Day does not move, and neither does anything under section 4.2, which
    // declares no roll.
    let d = rules.deadline_at(at("2024-07-03T12:00:00-07:00")).unwrap();
    assert_eq!((d.by, d.how), (at("2024-07-03T12:00:00-07:00"), None));
    let saturday = at("2000-03-04T12:00:00-05:00");
    assert_eq!(crate::rules().deadline_at(saturday).unwrap().by, saturday);
    // --deadline and latest-send --by honour it.
    let path = temp("vancouver.rules", VANCOUVER);
    let (out, _, _) = deemed(&[
        "when-effective",
        "--rules",
        &path,
        "--method",
        "email",
        "--sent",
        "2024-07-02T09:00:00-07:00",
        "--deadline",
        "2024-07-01T12:00:00-07:00",
    ]);
    assert!(out.contains("deadline: made: deemed given 3h 00m 00s before 2024-07-02T12:00:00-07:00 (Monday 2024-07-01 is not a business day (Canada Day): the deadline rolls"), "{out}");
    let (out, _, _) = deemed(&[
        "latest-send",
        "--rules",
        &path,
        "--by",
        "2024-07-01T12:00:00-07:00",
    ]);
    insta::assert_snapshot!(out, @r#"
    to be deemed given by 2024-07-02T12:00:00-07:00:
      (deadline: Monday 2024-07-01 is not a business day (Canada Day): the deadline rolls to 2024-07-02T12:00:00-07:00, as the agreement says: "if the last day for giving a notice is not a Business Day, it is the next Business Day")
      email    send by 2024-07-02T12:00:00-07:00 (clause a; deemed given Tuesday 2024-07-02)
    "#);
}

/// "... if the notice is not delivered by then, the Expiry Date is 120 days after the
/// Closing Date", and a period that runs from the Expiry Date.
const DEPENDENT: &str = r#"agreement "Dependent periods" {
  time-zone "America/New_York"
  calendar us-ny-banking
  method email "by e-mail"
  period notice-deadline "the notice must be delivered no later than 60 days after the Closing Date" {
    anchor closing "the Closing Date"
    length 60 days
    roll following
  }
  period expiry "the Expiry Date is 90 days after the Closing Date; if the notice is not delivered by then, the Expiry Date is 120 days after the Closing Date" {
    anchor closing "the Closing Date"
    length 90 days
    unless-notice-by notice-deadline length 120 days "if the notice is not delivered by then, the Expiry Date is 120 days after the Closing Date"
  }
  period tail "a further 30 days after the Expiry Date" {
    anchor period expiry "the Expiry Date"
    length 30 days
  }
  notice "Notices" earliest-of {
    clause a "on the day sent" when method email => same-day
  }
}
"#;

#[test]
fn periods_that_depend_on_other_periods_and_on_a_notice() {
    let rules = load("dependent.rules", DEPENDENT);
    let closing = chrono::NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
    // 60 days after January 2, 2024 is Saturday, March 2: the deadline rolls to Monday.
    let deadline = rules.window("notice-deadline", closing, None).unwrap();
    assert_eq!(deadline.due, at("2024-03-04T23:59:59-05:00"));
    let expiry = |notice: Option<&str>| {
        let w = rules
            .window_given("expiry", closing, None, notice.map(at))
            .unwrap();
        (w.last_day.to_string(), w.reading)
    };
    // In time, to the second: 90 days.
    assert_eq!(expiry(Some("2024-03-04T23:59:59-05:00")).0, "2024-04-01");
    // A second late, or none recorded: 120 days, and the reading says why.
    let (late, why) = expiry(Some("2024-03-05T00:00:00-05:00"));
    assert_eq!(late, "2024-05-01");
    assert!(
        why.contains("after the deadline of `notice-deadline`"),
        "{why}"
    );
    let (none, why) = expiry(None);
    assert_eq!(none, "2024-05-01");
    assert!(
        why.contains("no notice is given as deemed given by the deadline"),
        "{why}"
    );
    // The tail runs from the Expiry Date's last day, whichever it is.
    let tail = |notice: Option<&str>| {
        let w = rules
            .window_given("tail", closing, None, notice.map(at))
            .unwrap();
        (w.first_day.unwrap().to_string(), w.last_day.to_string())
    };
    assert_eq!(
        tail(Some("2024-02-20T10:00:00-05:00")),
        ("2024-04-02".into(), "2024-05-01".into())
    );
    assert_eq!(tail(None), ("2024-05-02".into(), "2024-05-31".into()));
    // The command line.
    let path = temp("dependent.rules", DEPENDENT);
    let (out, _, code) = deemed(&[
        "window",
        "expiry",
        "--rules",
        &path,
        "--issued",
        "2024-01-02",
        "--notice-given",
        "2024-02-20T10:00:00-05:00",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(out, @r#"
    window `expiry`: Wednesday 2024-01-03 through Monday 2024-04-01
      opens  2024-01-03T00:00:00-05:00
      due    2024-04-01T23:59:59-04:00 (the last instant inside)
      closes 2024-04-02T00:00:00-04:00 (the first instant after it)
      reading: "the Expiry Date is 90 days after the Closing Date; if the notice is not delivered by then, the Expiry Date is 120 days after the Closing Date"; the notice was deemed given at 2024-02-20T10:00:00-05:00, no later than the deadline of `notice-deadline` (2024-03-04T23:59:59-05:00)
    "#);
}

#[test]
fn periods_that_depend_on_each_other_are_refused() {
    let text = r#"agreement "A" {
  time-zone "America/New_York"
  calendar us-ny-banking
  method email "e-mail"
  period a "a" { anchor period b "b" length 1 days }
  period b "b" { anchor closing "c" length 1 days unless-notice-by a length 2 days "w" }
  period c "c" { anchor period nowhere "n" length 1 days }
  notice "n" earliest-of { clause x "x" when method email => same-day }
}
"#;
    let e = Rules::from_source(Source {
        name: "cycle.rules".into(),
        text: text.into(),
    })
    .unwrap_err()
    .to_string();
    insta::assert_snapshot!(e, @r#"
    error: unknown period `nowhere`
     --> cycle.rules:7:32
      |
    7 |   period c "c" { anchor period nowhere "n" length 1 days }
      |                                ^^^^^^^
    help: known periods: `a`, `b`, `c`

    error: periods that depend on each other: `a` depends on `b` depends on `a`
     --> cycle.rules:5:10
      |
    5 |   period a "a" { anchor period b "b" length 1 days }
      |          ^
    help: a period runs from an event or from another period that does not depend on it
    "#);
}

/// "... notices given by facsimile shall not be effective, unless either (i) a duplicate
/// copy of such facsimile notice is promptly given by depositing the same in the mail ... or
/// (ii) the receiving party delivers a written confirmation of receipt ...".
const COMPANION: &str = r#"agreement "Companion" {
  time-zone "America/New_York"
  calendar us-ny-banking
  method fax "by facsimile"
  method mail "by first-class mail"
  method confirmation "the receiving party delivers a written confirmation of receipt"
  notice "Timing of Notices" earliest-of {
    clause b "when received if sent by facsimile; provided that notices given by facsimile shall not be effective, unless either (i) a duplicate copy is given by depositing the same in the mail or (ii) the receiving party delivers a written confirmation of receipt"
      when method fax, companion mail or confirmation within 2 business-days
      => same-day of received
    clause c "five (5) business days after deposit in the mail"
      when method mail
      => 5 business-days after sent
    gap late "a facsimile whose confirming copy came too late, or any other notice: upon receipt"
      when method fax or confirmation
      => upon receipt
  }
}
"#;

#[test]
fn a_fax_that_needs_a_confirming_copy() {
    let rules = load("companion.rules", COMPANION);
    let fax = |companions: &[(&str, &str)]| deemed::Event {
        method: "fax".into(),
        sent: Some(at("2024-03-08T10:00:00-05:00")),
        received: Some(at("2024-03-08T10:00:05-05:00")),
        to: None,
        from: None,
        fax_number: None,
        companions: companions
            .iter()
            .map(|(m, t)| deemed::eval::Companion {
                method: m.to_string(),
                at: at(t),
            })
            .collect(),
        designation: None,
    };
    // None recorded: pending, and the answer names what is missing.
    let r = rules.evaluate(&fax(&[])).unwrap();
    assert_eq!(
        (r.status, r.clause.as_deref()),
        (Status::Pending, Some("b"))
    );
    insta::assert_snapshot!(r.warnings[0].to_string(), @"`b` makes the notice effective only with a companion delivery by mail or confirmation within 2 business days, which is not recorded");
    // Friday March 8, 2024 plus 2 Business Days is Tuesday the 12th: the mail then is in
    // time, on Wednesday too late.
    let r = rules
        .evaluate(&fax(&[("mail", "2024-03-12T23:59:59-04:00")]))
        .unwrap();
    assert_eq!(
        (r.status, r.deemed_date.map(|d| d.to_string())),
        (Status::Effective, Some("2024-03-08".into()))
    );
    let r = rules
        .evaluate(&fax(&[("mail", "2024-03-13T00:00:00-04:00")]))
        .unwrap();
    assert_eq!((r.status, r.clause.as_deref()), (Status::Gap, Some("late")));
    // A confirmation counts alike; a companion by another method does not.
    let r = rules
        .evaluate(&fax(&[("confirmation", "2024-03-11T09:00:00-04:00")]))
        .unwrap();
    assert_eq!(r.status, Status::Effective);
    let r = rules
        .evaluate(&fax(&[("fax", "2024-03-11T09:00:00-04:00")]))
        .unwrap();
    assert_eq!(r.status, Status::Pending);
    // A batch record lists the deliveries; each is read with the others.
    let path = temp("companion.rules", COMPANION);
    let log = temp(
        "companion.jsonl",
        concat!(
            r#"{"id":"fax-alone","method":"fax","sent":"2024-03-08T10:00:00-05:00","received":"2024-03-08T10:00:05-05:00"}"#,
            "\n",
            r#"{"id":"fax-and-mail","deliveries":[{"method":"fax","sent":"2024-03-08T10:00:00-05:00","received":"2024-03-08T10:00:05-05:00"},{"method":"mail","sent":"2024-03-11T09:00:00-04:00"}]}"#,
            "\n",
            r#"{"id":"mail-too-late","deliveries":[{"method":"fax","sent":"2024-03-08T10:00:00-05:00","received":"2024-03-08T10:00:05-05:00"},{"method":"mail","sent":"2024-03-14T09:00:00-04:00"}]}"#,
            "\n",
        ),
    );
    let (memo, _, code) = deemed(&["batch", "--rules", &path, &log]);
    assert_eq!(code, 0);
    let (full, _, _) = deemed(&["batch", "--rules", &path, "--no-memo", &log]);
    assert_eq!(memo, full);
    insta::assert_snapshot!(memo, @r#"
    {"id":"fax-alone","line":1,"deemed_date":null,"effective_at":null,"clause":"b","status":"pending","warnings":["`b` makes the notice effective only with a companion delivery by mail or confirmation within 2 business days, which is not recorded"],"error":null}
    {"id":"fax-and-mail","line":2,"deemed_date":"2024-03-08","effective_at":"2024-03-08T10:00:05-05:00","clause":"b","status":"effective","warnings":["delivery 1 of 2 (`fax`) decided: the earliest of the deliveries"],"error":null}
    {"id":"mail-too-late","line":3,"deemed_date":"2024-03-08","effective_at":"2024-03-08T10:00:05-05:00","clause":"late","status":"gap","warnings":["no clause applies literally (clause b: a companion delivery by mail or confirmation within 2 business days: too late: mail at 2024-03-14T09:00:00-04:00); resolved by the declared gap rule `late`: a facsimile whose confirming copy came too late, or any other notice: upon receipt","delivery 1 of 2 (`fax`) decided: the earliest of the deliveries"],"error":null}
    "#);
    // when-effective --companion, and the trace says what was found.
    let (out, _, code) = deemed(&[
        "when-effective",
        "--rules",
        &path,
        "--method",
        "fax",
        "--sent",
        "2024-03-08T10:00:00-05:00",
        "--received",
        "2024-03-08T10:00:05-05:00",
        "--companion",
        "mail=2024-03-14T09:00:00-04:00",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(out, @"
    Friday 2024-03-08: deemed given and effective under gap rule `late` (no clause applies literally), at 2024-03-08T10:00:05-05:00
    status: gap
    why:
      fax sent Friday 2024-03-08 10:00:00 (UTC-05:00), received Friday 2024-03-08 10:00:05 (UTC-05:00)
      clause b   does not apply: a companion delivery by mail or confirmation within 2 business days: too late: mail at 2024-03-14T09:00:00-04:00
      clause c   does not apply: method `fax` is not mail
      gap late   applies: method `fax` is fax or confirmation
                 => upon actual receipt at 2024-03-08T10:00:05-05:00
      decided by `late`: no clause applies literally; the first gap rule that applies decides
    warning: no clause applies literally (clause b: a companion delivery by mail or confirmation within 2 business days: too late: mail at 2024-03-14T09:00:00-04:00); resolved by the declared gap rule `late`: a facsimile whose confirming copy came too late, or any other notice: upon receipt
    ");
}
