//! Notice details that change: numbers designated for a known period (`fax "..." until
//! DATE`, `from DATE`), in force on their days in the agreement's zone, or from and until an
//! instant.

use crate::deemed;

/// §4.2 with the Company's number changed on July 1, 2001, and counsel's second number in
/// force until 5 p.m. on June 29, 2001.
fn dated_rules(test: &str) -> String {
    let spa = std::fs::read_to_string("rules/spa-2000-02-25.rules").unwrap();
    let spa = spa.replace(
        "    fax \"(949) 788-6706\"\n",
        "    fax \"(949) 788-6706\" until 2001-06-30\n    fax \"(949) 555-0100\" from 2001-07-01\n",
    );
    let spa = spa.replace(
        "    fax \"(212) 541-1432\"\n",
        "    fax \"(212) 541-1432\" until 2001-06-29T17:00:00-04:00\n",
    );
    crate::temp_file("addresses", &format!("{test}.rules"), &spa)
}

fn answer(rules: &str, sent: &str, to: &str, number: &str) -> serde_json::Value {
    let (out, err, code) = deemed(&[
        "when-effective",
        "--rules",
        rules,
        "--method",
        "fax",
        "--sent",
        sent,
        "--to",
        to,
        "--fax-number",
        number,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn a_number_is_designated_on_the_days_it_is_in_force() {
    let rules = dated_rules("in-force-days");
    let old = "(949) 788-6706";
    let new = "(949) 555-0100";
    // The last second of June 30 and the first of July 1, New York time.
    let last = "2001-06-30T23:59:59-04:00";
    let first = "2001-07-01T00:00:00-04:00";
    // June 30, 2001 is a Saturday: a designated number gives the gap rule for a fax
    // before 8 p.m. on a day that is not a Business Day... at 23:59:59, after 11:59 p.m.
    assert_eq!(
        answer(&rules, last, "company", old)["clause"],
        "after-eleven-fifty-nine"
    );
    assert_eq!(
        answer(&rules, last, "company", new)["clause"],
        "not-designated-number"
    );
    assert_eq!(
        answer(&rules, first, "company", old)["clause"],
        "not-designated-number"
    );
    assert_eq!(
        answer(&rules, first, "company", new)["clause"],
        "before-eight-pm-non-business-day"
    );
    // On a Business Day, clause i for the number in force.
    let monday = "2001-07-02T10:00:00-04:00";
    assert_eq!(answer(&rules, monday, "company", new)["clause"], "i");
    let v = answer(&rules, monday, "company", old);
    assert_eq!(
        (v["status"].as_str(), v["clause"].as_str()),
        (Some("gap"), Some("not-designated-number"))
    );
    // The trace says which numbers were in force and why.
    let test = &v["trace"][1]["tests"][1];
    assert_eq!(test["designated"], serde_json::json!([new]));
    assert_eq!(
        test["dated"],
        serde_json::json!([
            "(949) 788-6706 until 2001-06-30",
            "(949) 555-0100 from 2001-07-01"
        ])
    );
}

#[test]
fn a_number_in_force_until_an_instant() {
    let rules = dated_rules("in-force-instant");
    let second = "(212) 541-1432";
    assert_eq!(
        answer(&rules, "2001-06-29T17:00:00-04:00", "counsel", second)["clause"],
        "i"
    );
    assert_eq!(
        answer(&rules, "2001-06-29T17:00:01-04:00", "counsel", second)["clause"],
        "not-designated-number"
    );
    // The other number is not dated.
    assert_eq!(
        answer(
            &rules,
            "2001-06-29T17:00:01-04:00",
            "counsel",
            "(212) 541-4630"
        )["clause"],
        "i"
    );
}

#[test]
fn batch_answers_dated_numbers_as_when_effective_does() {
    let rules = dated_rules("batch");
    let mut log = String::new();
    let mut expected = Vec::new();
    for sent in [
        "2001-06-29T10:00:00-04:00",
        "2001-06-30T23:59:59-04:00",
        "2001-07-01T00:00:00-04:00",
        "2001-07-02T10:00:00-04:00",
    ] {
        for number in ["(949) 788-6706", "(949) 555-0100"] {
            log.push_str(&format!(
                "{{\"method\":\"fax\",\"sent\":\"{sent}\",\"to\":\"company\",\"fax_number\":\"{number}\"}}\n"
            ));
            let v = answer(&rules, sent, "company", number);
            expected.push((
                v["clause"].clone(),
                v["deemed_date"].clone(),
                v["status"].clone(),
            ));
        }
    }
    let log = crate::temp_file("addresses", "dated.jsonl", &(log.repeat(2)));
    for args in [vec![], vec!["--no-memo"], vec!["--threads", "2"]] {
        let mut all = vec!["batch", "--rules", rules.as_str(), log.as_str()];
        all.extend(args.iter().copied());
        let (out, _, _) = deemed(&all);
        let got: Vec<_> = out
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .map(|v| {
                (
                    v["clause"].clone(),
                    v["deemed_date"].clone(),
                    v["status"].clone(),
                )
            })
            .collect();
        let twice: Vec<_> = expected.iter().chain(&expected).cloned().collect();
        assert_eq!(got, twice, "{args:?}");
    }
}

#[test]
fn latest_send_show_and_lint_know_the_dates() {
    let rules = dated_rules("latest-show-lint");
    let (out, _, _) = deemed(&[
        "latest-send",
        "--rules",
        &rules,
        "--by",
        "2001-06-29T12:00:00-04:00",
        "--to",
        "company",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["methods"][0]["fax_number"], "(949) 788-6706");
    let (out, _, _) = deemed(&[
        "latest-send",
        "--rules",
        &rules,
        "--by",
        "2001-07-03T12:00:00-04:00",
        "--to",
        "company",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["methods"][0]["fax_number"], "(949) 555-0100");
    assert_eq!(v["methods"][0]["latest"], "2001-07-03T12:00:00-04:00");

    let (out, _, _) = deemed(&["show", "--rules", &rules]);
    assert!(
        out.contains("    fax (949) 788-6706 until 2001-06-30, (949) 555-0100 from 2001-07-01\n"),
        "{out}"
    );
    let (out, _, _) = deemed(&["lint", &rules]);
    assert!(out.contains("note: `company`'s numbers are dated: (949) 788-6706 until 2001-06-30; (949) 555-0100 from 2001-07-01;"), "{out}");
}

#[test]
fn dates_that_cannot_be_are_errors_where_written() {
    let spa = std::fs::read_to_string("rules/spa-2000-02-25.rules").unwrap();
    for (written, message) in [
        (
            "fax \"(949) 788-6706\" from 2001-07-01 until 2001-06-30",
            "is in force until 2001-06-30, before it comes into force (2001-07-01)",
        ),
        (
            "fax \"(949) 788-6706\" until 2001-06-31",
            "invalid date `2001-06-31`",
        ),
        (
            "fax \"(949) 788-6706\" until 2001-06-30T25:00:00Z",
            "expected an instant in RFC 3339",
        ),
    ] {
        let text = spa.replace("fax \"(949) 788-6706\"", written);
        let path = crate::temp_file("addresses", "bad.rules", &text);
        let (_, err, code) = deemed(&["check", &path]);
        assert_eq!(code, 1, "{written}");
        assert!(err.contains(message), "{written}: {err}");
    }
    // The canonical form keeps the dates.
    let text = spa.replace(
        "fax \"(949) 788-6706\"",
        "fax \"(949) 788-6706\"   from 2001-01-01   until 2001-06-29T17:00:00-04:00",
    );
    let path = crate::temp_file("addresses", "fmt.rules", &text);
    let (out, _, _) = deemed(&["fmt", &path]);
    assert!(
        out.contains(
            "    fax \"(949) 788-6706\" from 2001-01-01 until 2001-06-29T17:00:00-04:00\n"
        ),
        "{out}"
    );
}
