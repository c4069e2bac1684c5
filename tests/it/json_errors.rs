//! With `--format json` (or `--error-format json`), every command writes its errors to
//! standard error as one JSON object a program can read: `message`, `help`, and `field` or
//! `file`/`line`/`column`.

use crate::deemed;

/// Runs deemed and reads its standard error as one JSON object on one line.
fn json_error(args: &[&str]) -> (serde_json::Value, i32) {
    let (out, err, code) = deemed(args);
    assert!(out.is_empty(), "{args:?}: printed an answer: {out}");
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err}");
    let value: serde_json::Value =
        serde_json::from_str(&err).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {err}"));
    assert!(value["error"]["message"].is_string(), "{args:?}: {value}");
    (value, code)
}

#[test]
fn a_bad_flag_value_names_its_field() {
    let (v, code) = json_error(&[
        "when-effective",
        "--method",
        "fax",
        "--sent",
        "2000-02-30T10:00",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["error"]["field"], "sent");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("February 2000 has 29 days")
    );
    assert_eq!(v["error"]["help"], "check the day and the month");

    let (v, _) = json_error(&[
        "window",
        "warrant",
        "--issued",
        "2000-02-25",
        "--at",
        "garbage",
        "--format=json",
    ]);
    assert_eq!(v["error"]["field"], "at");
}

#[test]
fn an_unknown_name_names_its_field_and_the_suggestion() {
    let (v, code) = json_error(&[
        "when-effective",
        "--method",
        "facsimile",
        "--sent",
        "2000-03-03T10:00",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["error"]["field"], "method");
    assert_eq!(v["error"]["message"], "unknown method `facsimile`");
    assert!(
        v["error"]["help"]
            .as_str()
            .unwrap()
            .starts_with("did you mean `fax`?")
    );

    let (v, _) = json_error(&[
        "when-effective",
        "--method",
        "fax",
        "--sent",
        "2000-03-03T10:00",
        "--to",
        "compnay",
        "--format",
        "json",
    ]);
    assert_eq!(v["error"]["field"], "to");
}

#[test]
fn usage_errors_are_json_too_and_help_is_not() {
    let (v, code) = json_error(&["when-effective", "--method", "fax", "--format", "json"]);
    assert_eq!(code, 2);
    assert_eq!(v["error"]["field"], "sent");
    let (v, code) = json_error(&["lint", "--bogus", "--format", "json"]);
    assert_eq!(code, 2);
    assert_eq!(v["error"]["field"], "bogus");
    // Help is help, whatever the format.
    let (out, err, code) = deemed(&["lint", "--help", "--format", "json"]);
    assert_eq!(code, 0);
    assert!(out.contains("Examples:") && err.is_empty());
}

#[test]
fn mistakes_in_rules_give_file_line_and_column() {
    let path = crate::temp_file(
        "json-errors",
        "bad.rules",
        "agreement \"x\" {\n  zone \"Nowhere/X\"\n}\n",
    );
    let path = path.as_str();
    let runs: [Vec<&str>; 3] = [
        vec!["show", "--rules", path, "--format", "json"],
        vec!["lint", path, "--format", "json"],
        vec!["check", path, "--error-format", "json"],
    ];
    for args in runs {
        let (out, err, code) = deemed(&args);
        assert_ne!(code, 0, "{args:?}");
        let v: serde_json::Value =
            serde_json::from_str(&err).unwrap_or_else(|e| panic!("{e}: {err}"));
        assert_eq!(v["error"]["file"], path, "{args:?}");
        assert_eq!(v["error"]["line"], 2);
        assert_eq!(v["error"]["column"], 3);
        assert_eq!(v["errors"].as_array().unwrap().len(), 1);
        if args[0] == "check" {
            assert_eq!(out, format!("{path}: 1 error(s)\n"));
        }
    }
}

#[test]
fn every_command_can_write_its_errors_as_json() {
    for args in [
        vec!["batch", "/no/such/log.jsonl", "--error-format", "json"],
        vec![
            "calendar",
            "holidays",
            "2025",
            "--calendar",
            "nyse2",
            "--format",
            "json",
        ],
        vec![
            "calendar",
            "is-business-day",
            "2025-13-01",
            "--format",
            "json",
        ],
        vec!["latest-send", "--by", "soon", "--format", "json"],
        vec![
            "diff",
            "rules/spa-2000-02-25.rules",
            "/no/b.rules",
            "--events",
            "x",
            "--format",
            "json",
        ],
        vec!["fmt", "/no/such.rules", "--error-format", "json"],
        vec!["show", "--rules", "/no/such.rules", "--format", "json"],
    ] {
        let (_, code) = json_error(&args);
        assert_ne!(code, 0, "{args:?}");
    }
}

#[test]
fn without_json_errors_stay_for_people() {
    let (_, err, code) = deemed(&[
        "when-effective",
        "--method",
        "fax",
        "--sent",
        "2000-02-30T10:00",
    ]);
    assert_eq!(code, 1);
    assert!(err.starts_with("error: --sent: "), "{err}");
    assert!(
        err.contains("\nhelp: check the day and the month\n"),
        "{err}"
    );
}

/// The texts of the errors a newcomer meets, for people and for programs.
#[test]
fn error_texts() {
    let cases: [&[&str]; 8] = [
        &[
            "when-effective",
            "--method",
            "facsimile",
            "--sent",
            "2000-03-03T10:00",
        ],
        &[
            "when-effective",
            "--method",
            "fax",
            "--sent",
            "03/03/2000 10:00",
        ],
        &[
            "when-effective",
            "--method",
            "fax",
            "--sent",
            "2000-02-30T10:00",
        ],
        &[
            "when-effective",
            "--method",
            "fax",
            "--sent",
            "2000-03-03",
            "--to",
            "company",
        ],
        &[
            "when-effective",
            "--method",
            "fax",
            "--sent",
            "2000-03-03T10:00",
            "--to",
            "compnay",
        ],
        &["calendar", "holidays", "2025", "--calendar", "NYSE2"],
        &["window", "warant", "--issued", "2000-02-25"],
        &["batch", "tests/fixtures/notices.xlsx", "--sheet", "Summary"],
    ];
    let mut shown = String::new();
    for args in cases {
        let (_, text, _) = deemed(args);
        let mut json_args = args.to_vec();
        json_args.extend(["--error-format", "json"]);
        let (_, json, _) = deemed(&json_args);
        shown += &format!("$ deemed {}\n{text}{json}\n", args.join(" "));
    }
    insta::assert_snapshot!(shown);
}
