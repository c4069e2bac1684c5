//! Mistakes in rules files, rendered for people with `file:line:column` and a caret.

use deemed::{Rules, Source};

fn errors(text: &str) -> String {
    Rules::from_source(Source {
        name: "test.rules".into(),
        text: text.into(),
    })
    .unwrap_err()
    .to_string()
}

const HEAD: &str = r#"agreement "A" {
  time-zone "America/New_York"
  calendar us-ny-banking
  method fax "facsimile"
  method courier "courier"
"#;

#[test]
fn syntax_error() {
    insta::assert_snapshot!(errors("agreement \"A\" {\n  time-zone \"America/New_York\"\n  calender us-ny-banking\n}\n"), @"
    error: expected `id`, `dated`, `time-zone`, `calendar`, `business-day`, `cite`, `method`, `party`, `notice`, `period`, `deadline-roll` or `}`, found `calender`
     --> test.rules:3:3
      |
    3 |   calender us-ny-banking
      |   ^^^^^^^^
    ");
}

#[test]
fn unknown_names_and_duplicates() {
    let text = format!(
        "{HEAD}  notice \"n\" earliest-of {{
    clause i \"c\" when method fax or telex => same-day
    clause i \"c\" when method courier => next business-day
    clause iv \"c\" when method other-than (v) => upon receipt
  }}
}}
"
    );
    insta::assert_snapshot!(errors(&text), @r#"
    error: rule label `i` is declared twice
     --> test.rules:8:12
      |
    8 |     clause i "c" when method courier => next business-day
      |            ^
     --> test.rules:7:12
      |
    7 |     clause i "c" when method fax or telex => same-day
      |            ^ first declared here
    help: remove or rename one of them

    error: unknown method `telex`
     --> test.rules:7:37
      |
    7 |     clause i "c" when method fax or telex => same-day
      |                                     ^^^^^
    help: known methods: `fax`, `courier`

    error: unknown clause `v`
     --> test.rules:9:43
      |
    9 |     clause iv "c" when method other-than (v) => upon receipt
      |                                           ^
    help: did you mean `i`? known clauses: `i`, `iv`
    "#);
}

#[test]
fn contradictions_and_missing_parts() {
    let text = format!(
        "{HEAD}  time-zone \"Mars/Olympus\"
  notice \"n\" earliest-of {{
    clause i \"c\" when method fax, sent after 20:00 and before 19:00 => same-day
  }}
}}
"
    );
    insta::assert_snapshot!(errors(&text), @r#"
    error: `time-zone` is declared twice
     --> test.rules:6:13
      |
    6 |   time-zone "Mars/Olympus"
      |             ^^^^^^^^^^^^^^
     --> test.rules:2:13
      |
    2 |   time-zone "America/New_York"
      |             ^^^^^^^^^^^^^^^^^^ first declared here
    help: remove or rename one of them

    error: unknown time zone `Mars/Olympus`
     --> test.rules:6:13
      |
    6 |   time-zone "Mars/Olympus"
      |             ^^^^^^^^^^^^^^
    help: use an IANA time zone name such as `America/New_York`

    error: rule `i` can never apply: no time of day is after 20:00:00 and before 19:00:00
     --> test.rules:8:12
      |
    8 |     clause i "c" when method fax, sent after 20:00 and before 19:00 => same-day
      |            ^
    "#);
    insta::assert_snapshot!(errors("agreement \"A\" { }"), @r#"
    error: the agreement has no `time-zone`
     --> test.rules:1:11
      |
    1 | agreement "A" { }
      |           ^^^
    help: add `time-zone "America/New_York"`

    error: the agreement has no `calendar`
     --> test.rules:1:11
      |
    1 | agreement "A" { }
      |           ^^^
    help: add `calendar us-ny-banking`

    error: the agreement has no `notice` clause
     --> test.rules:1:11
      |
    1 | agreement "A" { }
      |           ^^^
    help: add `notice "4.2" earliest-of { ... }`
    "#);
}

#[test]
fn calendar_mistakes() {
    insta::assert_snapshot!(errors(r#"calendar a "A" { include b years 2000 through 2001 }
calendar b "B" { include a }
calendar c "C" { years 2001 through 1999 }
calendar d "D" { years 2000 through 2001 closed 2005-01-01 "x" }
"#), @r#"
    error: `include a` makes a cycle: `a` includes `b` includes `a`
     --> test.rules:2:26
      |
    2 | calendar b "B" { include a }
      |                          ^
    help: remove one of the `include`s

    error: the calendar has no `years` range
     --> test.rules:2:10
      |
    2 | calendar b "B" { include a }
      |          ^
    help: add `years 1971 through 2100`

    error: the years 2001 through 1999 are not a usable range
     --> test.rules:3:24
      |
    3 | calendar c "C" { years 2001 through 1999 }
      |                        ^^^^^^^^^^^^^^^^^
    help: write `years FIRST through LAST` with FIRST no later than LAST, between 1900 and 2200

    error: 2005-01-01 is outside the calendar's years 2000 through 2001
     --> test.rules:4:49
      |
    4 | calendar d "D" { years 2000 through 2001 closed 2005-01-01 "x" }
      |                                                 ^^^^^^^^^^
    "#);
}

/// A calendar that includes the same calendar twice, at each of 20 levels, holds its
/// holidays once (it was 2^20 copies).
#[test]
fn a_calendar_reached_many_times_adds_its_days_once() {
    let mut text = String::from(
        "calendar c0 \"c0\" { years 2000 through 2001 weekend saturday, sunday holiday \"h\" on july 4 }\n",
    );
    for n in 1..=20 {
        text += &format!(
            "calendar c{n} \"c{n}\" {{ include c{} include c{} }}\n",
            n - 1,
            n - 1
        );
    }
    let rules = deemed::Rules::from_source(deemed::Source {
        name: "ladder.rules".into(),
        text,
    })
    .unwrap();
    let holidays = rules.calendar("c20").unwrap().holidays(2000).unwrap();
    assert_eq!(holidays.len(), 1, "{holidays:?}");
}

/// A closure over ten thousand years is refused for its dates before any day of it is
/// worked out.
#[test]
fn a_closure_outside_the_years_is_refused() {
    insta::assert_snapshot!(errors(r#"calendar big "big" { years 2000 through 2001 weekend saturday, sunday closed 0001-01-01 through 9999-12-31 "all" }
"#), @r#"
    error: 0001-01-01 is outside the calendar's years 2000 through 2001
     --> test.rules:1:78
      |
    1 | calendar big "big" { years 2000 through 2001 weekend saturday, sunday closed 0001-01-01 through 9999-12-31 "all" }
      |                                                                              ^^^^^^^^^^

    error: 9999-12-31 is outside the calendar's years 2000 through 2001
     --> test.rules:1:97
      |
    1 | calendar big "big" { years 2000 through 2001 weekend saturday, sunday closed 0001-01-01 through 9999-12-31 "all" }
      |                                                                                                 ^^^^^^^^^^
    "#);
}

/// Rules files that are not text, too large, or begin with a byte-order mark.
#[test]
fn files_that_are_not_plain_rules_text() {
    let dir = std::env::temp_dir().join(format!("deemed-rules-text-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.rules");
    std::fs::write(&bad, b"calendar a \"x\" {\n  source \"caf\xe9\"\n}\n").unwrap();
    let (_, stderr, code) = crate::deemed(&["check", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("bad.rules:2:14: the rules file is not UTF-8 text"),
        "{stderr}"
    );
    let bom = dir.join("bom.rules");
    std::fs::write(
        &bom,
        "\u{feff}calendar mine \"x\" { years 2000 through 2001 weekend saturday, sunday }\n",
    )
    .unwrap();
    let (stdout, stderr, code) = crate::deemed(&["check", bom.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.ends_with("bom.rules: ok\n"), "{stdout}");
    #[cfg(unix)]
    {
        let (_, stderr, code) = crate::deemed(&["check", "/dev/zero"]);
        assert_eq!(code, 1);
        assert!(stderr.contains("is larger than 16 MiB"), "{stderr}");
    }
}

/// A notice clause too large to tabulate: lint says so and exits 2, at once.
#[test]
fn lint_declines_a_table_too_large_to_draw() {
    let mut clauses = String::new();
    for n in 1..=3000 {
        // Distinct times from 00:00:08 on, none at midnight.
        let second = n * 7 % 86_398 + 1;
        let (h, m, s) = (second / 3600, second / 60 % 60, second % 60);
        clauses += &format!(
            "    clause c{n} \"c\" when method fax, sent before {h:02}:{m:02}:{s:02} => same-day\n"
        );
    }
    let text = format!(
        "agreement \"x\" {{ time-zone \"UTC\" calendar nyse method fax \"f\"\n  notice \"n\" earliest-of {{\n{clauses}  }}\n}}\n"
    );
    let dir = std::env::temp_dir().join(format!("deemed-lint-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.rules");
    std::fs::write(&path, text).unwrap();
    let (stdout, _, code) = crate::deemed(&["lint", path.to_str().unwrap()]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.contains("too many to tabulate"), "{stdout}");
    assert!(!stdout.contains("gap(s)"), "{stdout}");
}

/// A control character in a rules file is shown as its escape in the echoed line, the caret
/// under the same characters.
#[test]
fn control_characters_in_rules_are_shown_escaped() {
    insta::assert_snapshot!(errors("calendar a \"\u{1b}[2Jx\" { years 1800 through 2001 }\n"), @r#"
    error: the years 1800 through 2001 are not a usable range
     --> test.rules:1:28
      |
    1 | calendar a "\u{1b}[2Jx" { years 1800 through 2001 }
      |                                 ^^^^^^^^^^^^^^^^^
    help: write `years FIRST through LAST` with FIRST no later than LAST, between 1900 and 2200
    "#);
}

/// A count beyond every calendar's years says so, where it is written.
#[test]
fn a_count_too_large_for_any_calendar() {
    let text = deemed::DEFAULT_RULES
        .1
        .replace("length 5 years", "length 999999999 days")
        .replacen("=> same-day", "=> 999999999 business-days after sent", 1);
    let errors = errors(&text);
    assert!(
        errors.contains("`999999999 days` is more than any calendar covers"),
        "{errors}"
    );
    assert!(
        errors.contains("`999999999 business-days` is more than any calendar covers"),
        "{errors}"
    );
}

/// A chain of includes deeper than 64 calendars is an error, in whatever order they are
/// declared (a reversed chain of 100,000 ran out of stack).
#[test]
fn includes_nested_too_deep_are_an_error() {
    let mut text = String::new();
    for n in (1..=70).rev() {
        text += &format!("calendar c{n} \"c{n}\" {{ include c{} }}\n", n - 1);
    }
    text += "calendar c0 \"c0\" { years 2000 through 2001 weekend saturday, sunday }\n";
    let errors = errors(&text);
    assert!(errors.contains("goes deeper than 64 calendars"), "{errors}");
}

#[test]
fn two_shifts_for_one_weekday() {
    let text = r#"calendar c "c" {
  years 2000 through 2030
  holiday "H" on july 4 observed sunday => following monday, sunday => following tuesday
  shift saturday => preceding friday
  shift saturday => following monday
}
"#;
    insta::assert_snapshot!(errors(text), @r#"
    error: shift for `sunday` is declared twice
     --> test.rules:3:62
      |
    3 |   holiday "H" on july 4 observed sunday => following monday, sunday => following tuesday
      |                                                              ^^^^^^^^^^^^^^^^^^^^^^^^^^^
     --> test.rules:3:34
      |
    3 |   holiday "H" on july 4 observed sunday => following monday, sunday => following tuesday
      |                                  ^^^^^^^^^^^^^^^^^^^^^^^^^^ first declared here
    help: remove or rename one of them

    error: shift for `saturday` is declared twice
     --> test.rules:5:9
      |
    5 |   shift saturday => following monday
      |         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^
     --> test.rules:4:9
      |
    4 |   shift saturday => preceding friday
      |         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ first declared here
    help: remove or rename one of them
    "#);
}

#[test]
fn a_relative_date_rule_needs_its_direction() {
    let text =
        "calendar c \"c\" {\n  years 2000 through 2030\n  holiday \"H\" on monday of may\n}\n";
    insta::assert_snapshot!(errors(text), @r#"
    error: invalid date rule `of`: a weekday of a month needs its place first, as in `first monday of may`
     --> test.rules:3:25
      |
    3 |   holiday "H" on monday of may
      |                         ^^
    "#);
}

#[test]
fn a_date_with_a_sign_or_a_short_year_is_not_a_date() {
    // Found by the fuzzer: `-007-01-02` was read as the year -7, which `fmt` wrote back as
    // `-0007-01-02`, which did not parse.
    for date in ["-007-01-02", "207-01-02x", "2007-1-022"] {
        let text =
            format!("calendar c \"c\" {{\n  years 2000 through 2030\n  closed {date} \"x\"\n}}\n");
        let e = errors(&text);
        assert!(e.contains("invalid date"), "{date}: {e}");
    }
}

#[test]
fn check_reports_every_syntax_error_of_a_file() {
    let text = "agreement \"A\" {\n  time-zone \"America/New_York\"\n  calender us-ny-banking\n  method fax \"facsimile\"\n  notice \"4.2\" earliest-of {\n    clause i \"words\"\n      when method fax, sent befor 20:00:00\n      => same-day\n    clause ii \"more words\"\n      when method fax\n      => next busines-day\n  }\n}\n";
    let path = crate::temp_file("check-all", "three.rules", text);
    let (out, err, code) = crate::deemed(&["check", &path]);
    assert_eq!(code, 1);
    assert_eq!(out, format!("{path}: 3 error(s)\n"));
    let err = err.replace(&path, "three.rules");
    insta::assert_snapshot!(err, @"
    error: expected `id`, `dated`, `time-zone`, `calendar`, `business-day`, `cite`, `method`, `party`, `notice`, `period`, `deadline-roll` or `}`, found `calender`
     --> three.rules:3:3
      |
    3 |   calender us-ny-banking
      |   ^^^^^^^^

    error: expected `before`, `on-or-before`, `after`, `on-or-after`, `at` or `on`, found `befor`
     --> three.rules:7:29
      |
    7 |       when method fax, sent befor 20:00:00
      |                             ^^^^^

    error: expected `business-day`, found `busines-day`
      --> three.rules:11:15
       |
    11 |       => next busines-day
       |               ^^^^^^^^^^^
    ");
}

mod recovery {
    use proptest::prelude::*;

    /// The shipped rules files, each a text to damage.
    fn shipped() -> Vec<String> {
        let mut texts = Vec::new();
        for dir in ["rules", "rules/calendars"] {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "rules") {
                    texts.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        texts.sort();
        texts
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// A shipped file with a piece cut out or something pasted in: reading on after errors
        /// ends, reports the same first error as stopping at it, and fails exactly when it does.
        #[test]
        fn going_on_after_errors_agrees_with_stopping_at_the_first(
            file in 0usize..64,
            at in 0.0f64..1.0,
            cut in 0usize..40,
            paste in prop::sample::select(vec!["", "}", "{", "\"", "# ", "zone ", "when ", "=> ", "party p \"P\" {", "x"]),
        ) {
            let texts = shipped();
            let text = &texts[file % texts.len()];
            let mut start = (text.len() as f64 * at) as usize;
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + cut).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            let damaged = format!("{}{}{}", &text[..start], paste, &text[end..]);
            match (deemed::syntax::parse(&damaged), deemed::syntax::parse_all(&damaged)) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
                (Err(first), Err(all)) => {
                    prop_assert_eq!(&all[0], &first);
                    for pair in all.windows(2) {
                        prop_assert!(pair[0].span.start < pair[1].span.start || pair[1].span.start == damaged.len(),
                            "errors in the order of the text: {:?}", all);
                    }
                }
                (a, b) => prop_assert!(false, "parse {:?} but parse_all {:?}", a.is_ok(), b.is_ok()),
            }
        }
    }
}

/// A cycle of includes longer than the deepest chain allowed is reported as the cycle it
/// is, by its first and last calendars; a deep chain without one as too deep.
#[test]
fn a_long_include_cycle_is_a_cycle_and_a_deep_chain_is_too_deep() {
    let chain = |n: usize, cycle: bool| {
        (0..n)
            .map(|i| {
                let next = match (i + 1 < n, cycle) {
                    (true, _) => format!("  include c{}\n", i + 1),
                    (false, true) => "  include c0\n".to_string(),
                    (false, false) => String::new(),
                };
                format!("calendar c{i} \"c{i}\" {{\n  years 2000 through 2001\n{next}}}\n")
            })
            .collect::<String>()
    };
    let cycle = errors(&chain(1000, true));
    let first = cycle.lines().next().unwrap();
    assert_eq!(
        first,
        "error: `include c64` makes a cycle: `c0` includes `c1` includes `c2` includes `c3` includes `c4` includes 991 more includes `c996` includes `c997` includes `c998` includes `c999` includes `c0`"
    );
    let deep = errors(&chain(100, false));
    assert!(
        deep.starts_with("error: `include c64` goes deeper than 64 calendars"),
        "{deep}"
    );
}
