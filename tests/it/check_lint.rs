//! `deemed check` and `deemed lint`, run as the real binary.

use crate::deemed;

fn temp(name: &str, text: &str) -> String {
    crate::temp_file("check", name, text)
}

#[test]
fn check_passes_the_shipped_rules() {
    let (stdout, stderr, code) = deemed(&[
        "check",
        "rules/spa-2000-02-25.rules",
        "rules/calendars/us-ny-banking.rules",
        "rules/calendars/us-federal-observed.rules",
        "rules/calendars/us-ny-closures.rules",
        "rules/calendars/nyse.rules",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().filter(|l| l.ends_with(": ok")).count(), 5);
}

#[test]
fn check_reports_every_problem_with_a_caret() {
    let text = deemed::DEFAULT_RULES
        .1
        .replace("calendar us-ny-banking\n", "calendar us-ny-bankng\n")
        .replace("clause iii \"", "clause ii \"")
        .replace("    nonexistent round-down\n", "");
    let path = temp("broken.rules", &text);
    let (stdout, stderr, code) = deemed(&["check", &path]);
    assert_eq!(code, 1);
    let stderr = stderr.replace(&path, "broken.rules");
    insta::assert_snapshot!(stderr);
    assert!(stdout.ends_with(": 3 error(s)\n"), "{stdout}");
    // A file that only lacks a rounding policy loads, with a warning check reports.
    let path = temp(
        "warn.rules",
        &deemed::DEFAULT_RULES
            .1
            .replace("    nonexistent round-down\n", ""),
    );
    let (_, stderr, code) = deemed(&["check", &path]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with("warning: period `warrant` counts years or months"),
        "{stderr}"
    );
}

#[test]
fn lint_finds_the_holes_of_section_4_2() {
    let (stdout, _, code) = deemed(&["lint", "rules/spa-2000-02-25.rules"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(stdout);
    let (json, _, _) = deemed(&["lint", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let gaps: Vec<String> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["clauses"].as_array().unwrap().is_empty())
        .map(|r| {
            format!(
                "{} {} {} {}",
                r["method"],
                r["designated_fax"],
                r["readings"][0]["day"],
                r["readings"][0]["time"]["from"]
            )
        })
        .collect();
    // A fax at exactly 8:00 p.m.; from 11:59 p.m. to midnight; before 8 p.m. on a
    // non-Business Day; to a number that is not designated.
    for hole in [
        r#""fax" "yes" "business" "20:00:00""#,
        r#""fax" "yes" "business" "23:59:00""#,
        r#""fax" "yes" "non-business" "00:00:00""#,
        r#""fax" "no" "any" "00:00:00""#,
    ] {
        assert!(gaps.iter().any(|g| g == hole), "{hole} not in {gaps:?}");
    }
}

#[test]
fn lint_flags_what_no_gap_rule_covers() {
    // Narrow the last gap rule to Business Days: a fax to a number not designated on a
    // weekend is then covered by nothing.
    let text = deemed::DEFAULT_RULES.1.replace(
        "      when method fax\n      => upon receipt",
        "      when method fax, sent on business-day\n      => upon receipt",
    );
    assert_ne!(text, deemed::DEFAULT_RULES.1);
    let path = temp("holes.rules", &text);
    let (stdout, _, code) = deemed(&["lint", &path]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains(
            "fax      no         non-business  00:00:00-23:59:59  GAP, not covered by any gap rule"
        ),
        "{stdout}"
    );
}
