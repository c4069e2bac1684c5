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
    error: expected `dated`, `time-zone`, `calendar`, `business-day`, `cite`, `method`, `party`, `notice`, `period` or `}`, found `calender`
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
    help: known clauses: `i`, `iv`
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
    error: `include a` makes a cycle: `a` includes this calendar
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

    error: `include b` makes a cycle: `b` includes this calendar
     --> test.rules:1:26
      |
    1 | calendar a "A" { include b years 2000 through 2001 }
      |                          ^
    help: remove one of the `include`s

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
