//! `deemed when-effective`, run as the real binary.

use crate::deemed;

/// The cases of the output snapshots: every clause, every gap, holidays, DST, offsets.
const CASES: &[&[&str]] = &[
    crate::REFERENCE,
    &[
        "--method",
        "fax",
        "--sent",
        "2000-03-03T19:59:59-05:00",
        "--to",
        "company",
        "--fax-number",
        "949-788-6706",
    ],
    &[
        "--method",
        "fax",
        "--sent",
        "2000-03-03T20:00:00-05:00",
        "--to",
        "company",
        "--fax-number",
        "949-788-6706",
    ],
    &[
        "--method",
        "fax",
        "--sent",
        "2000-03-03T23:59:00-05:00",
        "--to",
        "montrose",
        "--fax-number",
        "(214) 758-1221",
    ],
    &[
        "--method",
        "fax",
        "--sent",
        "2000-03-04T10:00:00-05:00",
        "--to",
        "counsel",
        "--fax-number",
        "(212) 541-4630",
    ],
    &[
        "--method",
        "fax",
        "--sent",
        "2000-03-03T10:00:00-05:00",
        "--to",
        "strong-river",
        "--fax-number",
        "(284) 494-0000",
    ],
    &[
        "--method",
        "courier",
        "--sent",
        "2000-12-22T15:00:00-05:00",
        "--to",
        "montrose",
    ],
    &[
        "--method",
        "hand",
        "--sent",
        "2000-03-03T10:00:00-05:00",
        "--received",
        "2000-03-06T09:30:00-05:00",
        "--to",
        "company",
    ],
    &[
        "--method",
        "email",
        "--sent",
        "2000-03-03T10:00:00-05:00",
        "--to",
        "company",
    ],
    &[
        "--method",
        "fax",
        "--sent",
        "2000-04-02T21:00:00",
        "--to",
        "company",
        "--fax-number",
        "949-788-6706",
    ],
    &[
        "--method",
        "fax",
        "--sent",
        "2000-10-29T01:30:00",
        "--fold",
        "later",
        "--to",
        "company",
        "--fax-number",
        "949-788-6706",
    ],
    &[
        "--method",
        "fax",
        "--sent",
        "2000-03-03T17:30:00-08:00",
        "--to",
        "company",
        "--fax-number",
        "949-788-6706",
    ],
    &[
        "--method",
        "fax",
        "--sent",
        "2022-06-17T21:00:00-04:00",
        "--to",
        "company",
        "--fax-number",
        "949-788-6706",
    ],
    &[
        "--method",
        "fax",
        "--sent",
        "2001-09-11T10:00:00-04:00",
        "--to",
        "company",
        "--fax-number",
        "949-788-6706",
        "--calendar",
        "us-ny-banking-with-closures",
    ],
    &["--method", "fax", "--sent", "2000-03-03T10:00:00-05:00"],
];

fn run_all(format: &str) -> String {
    let mut out = String::new();
    for case in CASES {
        let mut args = vec!["when-effective"];
        args.extend_from_slice(case);
        args.extend_from_slice(&["--format", format]);
        let (stdout, stderr, code) = deemed(&args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{stderr}");
        out.push_str(&format!("$ deemed {}\n{stdout}\n", args.join(" ")));
    }
    out
}

#[test]
fn text_output_over_the_cases() {
    insta::assert_snapshot!(run_all("text"));
}

#[test]
fn json_output_over_the_cases() {
    insta::assert_snapshot!(run_all("json"));
}

#[test]
fn the_reference_query() {
    let (stdout, _, code) = crate::reference_query(&["--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "clause",
            "deemed_date",
            "effective_at",
            "status",
            "trace",
            "warnings"
        ]
    );
    assert_eq!(v["deemed_date"], "2000-03-06");
    assert_eq!(v["effective_at"], "2000-03-06T00:00:00-05:00");
    assert_eq!(v["clause"], "ii");
    assert_eq!(v["status"], "effective");
    let (text, _, _) = crate::reference_query(&[]);
    assert!(text.starts_with("Monday 2000-03-06: deemed given and effective under clause ii"));
}

fn failure(args: &[&str]) -> String {
    let (stdout, stderr, code) = deemed(args);
    assert!(stdout.is_empty(), "{stdout}");
    format!("exit {code}\n{stderr}")
}

#[test]
fn errors_for_people() {
    insta::assert_snapshot!(
        failure(&["when-effective", "--method", "telegram", "--sent", "2000-03-03T10:00:00Z"]),
        @r"
    exit 1
    error: unknown method `telegram`
    help: known methods: `fax`, `courier`, `hand`, `mail`, `email`
    "
    );
    insta::assert_snapshot!(
        failure(&["when-effective", "--method", "fax", "--sent", "2000-03-03T10:00:00Z", "--to", "strong river"]),
        @"
    exit 1
    error: unknown party `strong river`
    help: did you mean `strong-river`? known parties: `company`, `montrose`, `strong-river`, `counsel`
    "
    );
    insta::assert_snapshot!(
        failure(&["when-effective", "--method", "fax", "--sent", "2000-03-03T10:00:00Z", "--calendar", "us-ny-bankng"]),
        @"
    exit 2
    error: unknown calendar `us-ny-bankng`
    help: did you mean `us-ny-banking`? known calendars: `us-ny-banking`, `us-federal-observed`, `us-ny-banking-with-closures`, `nyse`, `ca-bc`, `ca-on`, `gb-eng`, `gb-sct`, `target2`, `us-postal-delivery-days`
    "
    );
    insta::assert_snapshot!(
        failure(&["when-effective", "--method", "fax", "--sent", "2000-10-29T01:30:00"]),
        @r"
    exit 1
    error: --sent: `2000-10-29T01:30:00` happens twice in America/New_York: the clocks went back that night
    help: give an offset, or choose `--fold earlier` (2000-10-29T01:30:00-04:00) or `--fold later` (2000-10-29T01:30:00-05:00)
    "
    );
    insta::assert_snapshot!(
        failure(&["when-effective", "--method", "fax", "--sent", "1960-03-03T10:00:00Z"]),
        @"
    exit 1
    error: 1960-03-03 is outside calendar `us-ny-banking`, which covers 1971 through 2100
    help: check the date; or answer on a calendar that covers it (`--calendar`), or extend the calendar's `years` in a rules file of your own
    "
    );
    insta::assert_snapshot!(
        failure(&["when-effective", "--method", "hand", "--sent", "2000-03-03T10:00:00Z", "--received", "2000-03-02T10:00:00Z"]),
        @r"
    exit 1
    error: received at 2000-03-02T10:00:00+00:00 before it was sent at 2000-03-03T10:00:00+00:00
    "
    );
    insta::assert_snapshot!(
        failure(&["when-effective", "--method", "fax", "--sent", "noon"]),
        @"
    exit 1
    error: --sent: `noon` is not a time
    help: write a time such as `2000-03-03T21:15:00-05:00`, `2000-03-03 21:15`, `2000-03-03 9:15 pm`, `20000303T211500Z` or `now`; without an offset it is read in the agreement's time zone
    "
    );
}

#[test]
fn a_rules_file_with_a_mistake_points_at_it() {
    let dir = std::env::temp_dir().join(format!("deemed-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("broken.rules");
    let text = deemed::DEFAULT_RULES
        .1
        .replace("calendar us-ny-banking\n", "calendar us-ny-bankng\n");
    std::fs::write(&path, text).unwrap();
    let shown = path.display().to_string();
    let out = failure(&[
        "when-effective",
        "--method",
        "fax",
        "--sent",
        "2000-03-03T10:00:00Z",
        "--rules",
        &shown,
    ])
    .replace(&shown, "broken.rules");
    insta::assert_snapshot!(out, @"
    exit 2
    error: unknown calendar `us-ny-bankng`
      --> broken.rules:23:12
       |
    23 |   calendar us-ny-bankng
       |            ^^^^^^^^^^^^
    help: did you mean `us-ny-banking`? known calendars: `us-ny-banking`, `us-federal-observed`, `us-ny-banking-with-closures`, `nyse`, `ca-bc`, `ca-on`, `gb-eng`, `gb-sct`, `target2`, `us-postal-delivery-days`
    ");
    let missing = failure(&[
        "when-effective",
        "--method",
        "fax",
        "--sent",
        "2000-03-03T10:00:00Z",
        "--rules",
        "no/such/file.rules",
    ]);
    assert!(
        missing.starts_with("exit 2\nerror: cannot read `no/such/file.rules`"),
        "{missing}"
    );
}

#[test]
fn help_documents_the_exit_codes() {
    let (stdout, _, code) = deemed(&["when-effective", "--help"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Exit codes:"));
    assert!(stdout.contains("2    usage error"));
    assert!(stdout.contains("141  standard output was closed"));
}

#[test]
fn unknown_names_get_a_suggestion() {
    for (args, help) in [
        (
            vec![
                "when-effective",
                "--method",
                "facsimile",
                "--sent",
                "2000-03-03T10:00:00-05:00",
            ],
            "help: did you mean `fax`? known methods",
        ),
        (
            vec![
                "when-effective",
                "--method",
                "fax",
                "--sent",
                "2000-03-03T10:00:00-05:00",
                "--to",
                "Compnay",
            ],
            "help: did you mean `company`? known parties",
        ),
        (
            vec!["window", "warant", "--issued", "2000-02-25"],
            "help: did you mean `warrant`?",
        ),
        (
            vec!["calendar", "2024-12", "--calendar", "nyes"],
            "help: did you mean `nyse`?",
        ),
    ] {
        let (_, err, code) = crate::deemed(&args);
        assert_ne!(code, 0, "{args:?}");
        assert!(err.contains(help), "{args:?}: {err}");
    }
    // Calendar names match whatever their case.
    let (out, _, code) = crate::deemed(&["calendar", "2024-12", "--calendar", "NYSE"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("December 2024 (nyse)"), "{out}");
}

#[test]
fn times_as_people_write_them_on_the_command_line() {
    let answer = |sent: &str| {
        let (out, err, code) = crate::deemed(&[
            "when-effective",
            "--method",
            "fax",
            "--to",
            "company",
            "--sent",
            sent,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{sent}: {err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        (
            v["clause"].as_str().unwrap().to_string(),
            v["deemed_date"].as_str().unwrap().to_string(),
        )
    };
    // 9:15 p.m. on Friday, March 3, 2000, written five ways: clause (ii), Monday.
    for sent in [
        "2000-03-03 9:15 pm",
        "2000-03-03 21:15",
        "20000303T211500",
        "2000-03-03T21:15:00-0500",
        "20000304T021500Z",
    ] {
        assert_eq!(answer(sent), ("ii".into(), "2000-03-06".into()), "{sent}");
    }
    // A date alone: for a courier, whose clause reads only the date; not for a facsimile.
    let (out, _, code) = crate::deemed(&[
        "when-effective",
        "--method",
        "courier",
        "--sent",
        "2000-03-03",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("Monday 2000-03-06: deemed given and effective under clause iii"),
        "{out}"
    );
    assert!(out.contains("warning: only the date it was sent is given (2000-03-03): the answer is the same at any time of that day"));
    let (_, err, code) =
        crate::deemed(&["when-effective", "--method", "fax", "--sent", "2000-03-03"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(err, @"
    error: only the date it was sent is given, and the time of day matters: at 00:00:00 it is `i`, effective at 2000-03-03T00:00:00-05:00, at 19:59:59 `i`, effective at 2000-03-03T19:59:59-05:00
    help: give the time it was sent too, such as `2000-03-03 17:00`
    ");
    // A deadline given as a date is the end of that day, and the answer says so.
    let (out, _, _) = crate::deemed(&[
        "when-effective",
        "--method",
        "courier",
        "--sent",
        "2000-03-03 10:00",
        "--deadline",
        "2000-03-06",
    ]);
    assert!(out.ends_with("deadline: made: deemed given 23h 59m 59s before 2000-03-06T23:59:59-05:00 (`2000-03-06` is a date alone: read as the end of that day, 2000-03-06T23:59:59-05:00)\n"), "{out}");
    // What is not a time, told apart.
    for (sent, says) in [
        (
            "03/03/2000",
            "does not say which number is the day and which the month",
        ),
        ("2000-02-30 10:00", "February 2000 has 29 days"),
        ("2000-03-03 24:30", "hours run from 00 to 23, not 24"),
        ("yesterday", "is not a time"),
    ] {
        let (_, err, code) =
            crate::deemed(&["when-effective", "--method", "courier", "--sent", sent]);
        assert_eq!(code, 1, "{sent}");
        assert!(err.contains(says), "{sent}: {err}");
    }
}

#[test]
fn a_fax_number_with_no_digits_is_an_error_wherever_it_is_given() {
    let (_, err, code) = crate::deemed(&[
        "when-effective",
        "--method",
        "fax",
        "--sent",
        "2000-03-03T10:00:00-05:00",
        "--to",
        "company",
        "--fax-number",
        "n/a",
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: the facsimile number `n/a` has no digits\nhelp: give the number it was sent to, such as `(949) 788-6706`, or leave it out\n"
    );
    let dir = std::env::temp_dir().join(format!("deemed-no-digits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("log.jsonl");
    // The same number twice, so that the memo has seen it once before.
    let line =
        r#"{"method":"fax","sent":"2000-03-03T10:00:00-05:00","to":"company","fax_number":"none"}"#;
    std::fs::write(&log, format!("{line}\n{line}\n")).unwrap();
    for memo in [None, Some("--no-memo")] {
        let mut args = vec!["batch", log.to_str().unwrap()];
        args.extend(memo);
        let (out, _, code) = crate::deemed(&args);
        assert_eq!(code, 1);
        for record in out.lines() {
            let v: serde_json::Value = serde_json::from_str(record).unwrap();
            assert_eq!(v["status"], "error");
            assert_eq!(v["error"]["field"], "fax_number");
        }
    }
}

/// The answer's JSON, written straight from the answer, is the text a `serde_json::Value`
/// of it writes, for every notice of every shipped corpus, with and without a deadline.
#[test]
fn the_json_written_straight_is_the_values_text() {
    for entry in std::fs::read_dir("tests/corpus").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let rules =
            deemed::Rules::from_path(std::path::Path::new(&format!("rules/{name}.rules"))).unwrap();
        for line in std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let text = |k: &str| v[k].as_str().map(str::to_string);
            for deadline in [None, Some("2024-03-05".to_string())] {
                let q = deemed::query::Query {
                    method: text("method").unwrap_or_default(),
                    sent: text("sent"),
                    received: text("received"),
                    to: text("to"),
                    from: text("from"),
                    fax_number: text("fax_number"),
                    deadline,
                    ..Default::default()
                };
                let Ok(answer) = deemed::query::when_effective(&rules, &q, &[]) else {
                    continue;
                };
                let through_value = serde_json::to_string_pretty(&answer.to_json()).unwrap() + "\n";
                assert_eq!(answer.to_json_text(), through_value, "{name}: {line}");
            }
        }
    }
}
