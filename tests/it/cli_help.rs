//! The command line for people: help with examples and exit codes, completions, the manual
//! page, and exit codes a script can test.

use crate::deemed;

#[test]
fn every_command_help_has_examples_and_exit_codes() {
    for command in [
        "when-effective",
        "batch",
        "window",
        "latest-send",
        "check",
        "lint",
        "diff",
        "fmt",
        "calendar",
        "show",
        "serve",
        "completions",
        "man",
    ] {
        let (out, _, code) = deemed(&[command, "--help"]);
        assert_eq!(code, 0, "{command}");
        assert!(
            out.contains("\nExamples:\n  deemed "),
            "{command}: no examples"
        );
        assert!(
            out.contains("\nExit codes:\n  0 "),
            "{command}: no exit codes"
        );
        assert!(
            !out.contains("notice could not be evaluated") || command == "when-effective",
            "{command}: exit codes of another command"
        );
    }
    let (out, _, _) = deemed(&["when-effective", "--help"]);
    insta::assert_snapshot!(out);
}

#[test]
fn help_names_the_methods_and_parties_of_the_rules_in_use() {
    let (out, _, _) = deemed(&[
        "when-effective",
        "-h",
        "--rules",
        "rules/cetalon-put-notice.rules",
    ]);
    let method = out
        .lines()
        .find(|l| l.trim_start().starts_with("--method"))
        .unwrap();
    assert!(
        method.ends_with("in these rules: hand, fax, courier, email, mail"),
        "{method}"
    );
    let to = out
        .lines()
        .find(|l| l.trim_start().starts_with("--to"))
        .unwrap();
    assert!(to.ends_with("in these rules: company, investors"), "{to}");
    let (out, _, _) = deemed(&["latest-send", "-h"]);
    assert!(
        out.contains("in these rules: company, montrose, strong-river, counsel"),
        "{out}"
    );
}

#[test]
fn completions_and_the_manual_page() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (out, err, code) = deemed(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains("when-effective"), "{shell}");
    }
    let (out, _, code) = deemed(&["man"]);
    assert_eq!(code, 0);
    assert!(out.starts_with(".ie \\n(.g .ds Aq \\(aq"), "{}", &out[..80]);
    assert!(out.contains(".TH deemed 1"));
    assert!(out.contains(".SH \"DEEMED WHEN-EFFECTIVE\""));
    assert!(out.contains("fail\\-if\\-missed"));
}

#[test]
fn exit_codes_a_script_can_test() {
    let run = |deadline: &str, method: &str| {
        deemed(&[
            "when-effective",
            "--method",
            method,
            "--sent",
            "2000-03-03T10:00:00-05:00",
            "--deadline",
            deadline,
            "--fail-if-missed",
        ])
        .2
    };
    // A courier on Friday is deemed given on Monday, March 6, at its first instant.
    assert_eq!(run("2000-03-06T00:00:00-05:00", "courier"), 0);
    assert_eq!(run("2000-03-05T23:59:59-05:00", "courier"), 3);
    // By hand, upon actual receipt, not recorded: it cannot be told yet.
    assert_eq!(run("2000-03-06T00:00:00-05:00", "hand"), 4);
    // Without the flag, an answer is an answer.
    let (_, _, code) = deemed(&[
        "when-effective",
        "--method",
        "courier",
        "--sent",
        "2000-03-03T10:00:00-05:00",
        "--deadline",
        "2000-03-05T00:00:00-05:00",
    ]);
    assert_eq!(code, 0);
    let (_, err, code) = deemed(&[
        "when-effective",
        "--method",
        "courier",
        "--sent",
        "2000-03-03T10:00:00-05:00",
        "--fail-if-missed",
    ]);
    assert_eq!(code, 2, "{err}");
    let is = |date: &str| deemed(&["calendar", "is-business-day", date, "--fail-if-not"]).2;
    assert_eq!(is("2024-12-24"), 0);
    assert_eq!(is("2024-12-25"), 3);
    assert_eq!(deemed(&["calendar", "is-business-day", "2024-12-25"]).2, 0);
}

#[test]
fn business_days_both_ways() {
    let (out, _, code) = deemed(&["calendar", "previous-business-day", "2024-12-26"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(out, @"
    Tuesday 2024-12-24
      stepping over Wednesday 2024-12-25 (Christmas Day)
    ");
    let (out, _, _) = deemed(&["calendar", "next-business-day", "2024-12-27", "-2"]);
    insta::assert_snapshot!(out, @"
    Tuesday 2024-12-24
      stepping over Wednesday 2024-12-25 (Christmas Day)
    ");
    // Zero steps from a day that is not a Business Day says so.
    let (out, _, _) = deemed(&["calendar", "next-business-day", "2024-12-25", "0"]);
    insta::assert_snapshot!(out, @"Wednesday 2024-12-25 (not a business day on us-ny-banking: Christmas Day)");
    let (out, _, _) = deemed(&[
        "calendar",
        "previous-business-day",
        "2022-06-06",
        "2",
        "--calendar",
        "gb-eng",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["date"], "2022-05-31");
    // The weekend, the Platinum Jubilee and the Spring Bank Holiday.
    assert_eq!(v["skipped"].as_array().unwrap().len(), 4);
}

/// Small things a newcomer hit.
mod newcomer {
    use crate::deemed;

    fn temp(name: &str, text: &str) -> String {
        crate::temp_file("newcomer", name, text)
    }

    #[test]
    fn latest_send_without_a_recipient_warns_as_when_effective_does() {
        let (out, _, code) = deemed(&["latest-send", "--by", "2000-03-06T00:00:00-05:00"]);
        assert_eq!(code, 0);
        let warning = "warning: no recipient given: the designated facsimile number condition of clause `i` was not checked\n";
        assert!(out.ends_with(warning), "{out}");
        let (we, _, _) = deemed(&[
            "when-effective",
            "--method",
            "fax",
            "--sent",
            "2000-03-03T10:00",
        ]);
        assert!(we.contains(warning), "{we}");
        let (out, _, _) = deemed(&[
            "latest-send",
            "--by",
            "2000-03-06T00:00:00-05:00",
            "--to",
            "company",
        ]);
        assert!(!out.contains("warning:"), "{out}");
        let (json, _, _) = deemed(&[
            "latest-send",
            "--by",
            "2000-03-06T00:00:00-05:00",
            "--format",
            "json",
        ]);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["warnings"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn ics_says_where_it_wrote() {
        let path = temp("warrant.ics", "");
        let (_, err, code) = deemed(&[
            "window",
            "warrant",
            "--issued",
            "2000-02-25",
            "--ics",
            &path,
        ]);
        assert_eq!(code, 0);
        assert_eq!(
            err,
            format!("wrote the event `Last day of the warrant window` to `{path}`\n")
        );
        let (_, err, _) = deemed(&[
            "latest-send",
            "--by",
            "2000-03-06T00:00:00-05:00",
            "--to",
            "company",
            "--ics",
            &path,
        ]);
        assert_eq!(err, format!("wrote 5 events to `{path}`\n"));
    }

    #[test]
    fn diff_with_nothing_changed_says_so() {
        let spa = "rules/spa-2000-02-25.rules";
        let (out, err, code) =
            deemed(&["diff", spa, spa, "--events", "tests/fixtures/notices.jsonl"]);
        assert_eq!(code, 0);
        assert_eq!(
            out,
            "no notice changed: each of the 26 gives the same deemed date, clause and status under both rules\n"
        );
        assert!(err.starts_with("0 of 26 notices changed"));
    }

    #[test]
    fn tables_stay_aligned_with_long_names() {
        // A method and an id longer than the columns were.
        let rules = temp(
            "long.rules",
            "agreement \"A\" {\n  time-zone \"America/New_York\"\n  calendar us-ny-banking\n  method registered-airmail \"registered airmail\"\n  method fax \"facsimile\"\n  notice \"n\" earliest-of {\n    clause i \"words\"\n      when method registered-airmail\n      => next business-day\n    clause ii \"words\"\n      when method fax\n      => upon receipt\n  }\n}\n",
        );
        let (out, _, _) = deemed(&["lint", &rules]);
        let lines: Vec<&str> = out.lines().filter(|l| l.contains(" any ")).collect();
        // The clauses column: where the last word starts.
        let column = |l: &str| l.rfind(' ').unwrap();
        assert_eq!(lines.len(), 2, "{out}");
        assert_eq!(column(lines[0]), column(lines[1]), "{out}");

        let changed = rules.replace("long.rules", "long2.rules");
        std::fs::write(
            &changed,
            std::fs::read_to_string(&rules)
                .unwrap()
                .replace("=> next business-day", "=> same-day"),
        )
        .unwrap();
        let log = temp(
            "log.jsonl",
            "{\"id\":\"a-very-long-identifier-of-a-notice-2000-03-03\",\"method\":\"registered-airmail\",\"sent\":\"2000-03-03T10:00\"}\n{\"id\":\"n2\",\"method\":\"registered-airmail\",\"sent\":\"2000-03-03T11:00\"}\n",
        );
        let (out, _, code) = deemed(&["diff", &rules, &changed, "--events", &log]);
        assert_eq!(code, 1);
        let rows: Vec<&str> = out.lines().collect();
        assert_eq!(rows.len(), 3, "{out}");
        let old_at = |l: &str| l.find(" 2000-03-06").unwrap() + 1;
        assert_eq!(old_at(rows[1]), old_at(rows[2]), "{out}");
        assert_eq!(rows[0].find("old").unwrap(), old_at(rows[1]), "{out}");

        let (out, _, _) = deemed(&["calendar", "holidays", "2021"]);
        let names: Vec<usize> = out
            .lines()
            .skip(1)
            .map(|l| l.find("  ").map_or(0, |_| l.rfind("  ").unwrap()))
            .collect();
        assert!(names.windows(2).all(|w| w[0] == w[1]), "{out}");
    }
}
