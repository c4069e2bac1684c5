//! `deemed fmt`: canonical, idempotent, and faithful (`parse(fmt(x)) == parse(x)`).

use proptest::prelude::*;

use crate::deemed;

fn fmt(text: &str) -> String {
    deemed::syntax::format(&deemed::syntax::parse(text).unwrap(), text)
}

#[test]
fn the_shipped_rules_are_canonical() {
    let (_, stderr, code) = deemed(&[
        "fmt",
        "--check",
        "rules/spa-2000-02-25.rules",
        "rules/calendars/us-ny-banking.rules",
        "rules/calendars/us-federal-observed.rules",
        "rules/calendars/us-ny-closures.rules",
        "rules/calendars/nyse.rules",
    ]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn messy_layout_is_made_canonical_and_comments_stay() {
    let messy = "# head\n\n\ncalendar   c \"C\"{years 2000 through 2001 # range\n\n\n weekend saturday,sunday\n holiday \"H\" on last monday of may from 2000 unshifted}\nagreement \"A\" { # opening\n time-zone \"UTC\" notice \"n\" first-of { clause i \"say \\\"hi\\\"\" when sent at 09:00 and before 10:00 on any-day of c in recipient-time, method a or b => 2 business-days after received\n gap g \"g\" => upon receipt\n # last words\n }\n}";
    insta::assert_snapshot!(fmt(messy), @r#"
    # head

    calendar c "C" {
      years 2000 through 2001
      # range

      weekend saturday, sunday
      holiday "H" on last monday of may from 2000 unshifted
    }

    agreement "A" {
      # opening
      time-zone "UTC"
      notice "n" first-of {
        clause i "say \"hi\""
          when sent at 09:00:00 and before 10:00:00 on any-day of c in recipient-time, method a or b
          => 2 business-days after received
        gap g "g"
          => upon receipt
        # last words
      }
    }
    "#);
    assert_eq!(fmt(&fmt(messy)), fmt(messy));
    let (_, stderr, code) = {
        let dir = std::env::temp_dir().join(format!("deemed-fmt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("messy.rules");
        std::fs::write(&path, messy).unwrap();
        deemed(&["fmt", "--check", path.to_str().unwrap()])
    };
    assert_eq!(code, 1);
    assert!(stderr.contains("not in canonical form"));
}

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "i", "ii", "fax", "us-x", "c_1"]).prop_map(String::from)
}

fn string() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "\"x\"",
        "\"two  words\"",
        "\"q \\\" and \\\\\"",
        "\"# not a comment\"",
        "\"é\"",
    ])
    .prop_map(String::from)
}

fn time() -> impl Strategy<Value = String> {
    (0u32..24, 0u32..60, prop::option::of(0u32..60)).prop_map(|(h, m, s)| match s {
        Some(s) => format!("{h:02}:{m:02}:{s:02}"),
        None => format!("{h:02}:{m:02}"),
    })
}

fn condition() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(name(), 1..3).prop_map(|n| format!("method {}", n.join(" or "))),
        prop::collection::vec(name(), 1..3)
            .prop_map(|n| format!("method other-than ({})", n.join(", "))),
        Just("to designated-fax".to_string()),
        (
            prop::sample::select(vec!["sent", "received"]),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "before",
                        "on-or-before",
                        "after",
                        "on-or-after",
                        "at"
                    ]),
                    time()
                ),
                0..3
            ),
            prop::option::of((
                prop::sample::select(vec!["business-day", "non-business-day", "any-day"]),
                prop::option::of(name())
            )),
            prop::option::of(prop_oneof![
                Just("recipient-time".to_string()),
                Just("\"America/New_York\"".to_string())
            ]),
        )
            .prop_map(|(subject, bounds, day, zone)| {
                let mut s = subject.to_string();
                let b: Vec<String> = bounds.iter().map(|(c, t)| format!(" {c} {t}")).collect();
                s.push_str(&b.join(" and"));
                if bounds.is_empty() && day.is_none() {
                    s.push_str(" on any-day");
                }
                if let Some((k, cal)) = day {
                    s.push_str(&format!(" on {k}"));
                    if let Some(c) = cal {
                        s.push_str(&format!(" of {c}"));
                    }
                }
                if let Some(z) = zone {
                    s.push_str(&format!(" in {z}"));
                }
                s
            }),
    ]
}

fn outcome() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "upon receipt",
        "same-day",
        "same-day of received",
        "next business-day",
        "next business-day after received",
        "3 business-days after sent",
        "1 business-day after sent",
        "5 days after received",
        "1 day after sent",
    ])
    .prop_map(String::from)
}

fn rule() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["clause", "gap"]),
        name(),
        string(),
        prop::collection::vec(condition(), 0..4),
        outcome(),
    )
        .prop_map(|(kind, label, cite, conds, out)| {
            let when = if conds.is_empty() {
                String::new()
            } else {
                format!(" when {}", conds.join(", "))
            };
            format!("{kind} {label} {cite}{when} => {out}")
        })
}

fn calendar_item() -> impl Strategy<Value = String> {
    prop_oneof![
        string().prop_map(|s| format!("source {s}")),
        (1900i32..2200, 0i32..50).prop_map(|(a, n)| format!("years {a} through {}", a + n)),
        prop::collection::vec(
            prop::sample::select(vec!["saturday", "sunday", "friday"]),
            1..3
        )
        .prop_map(|d| format!("weekend {}", d.join(", "))),
        name().prop_map(|n| format!("include {n}")),
        (
            string(),
            prop::sample::select(vec![
                "july 4",
                "last monday of may",
                "third monday of january",
                "easter -2",
                "easter 1",
                "december 25"
            ]),
            prop::option::of(1900i32..2100),
            prop::option::of(1900i32..2100),
            prop::sample::select(vec![
                "",
                " unshifted",
                " unshifted on saturday",
                " unshifted on saturday, sunday"
            ]),
        )
            .prop_map(|(n, r, from, through, un)| {
                let mut s = format!("holiday {n} on {r}");
                if let Some(f) = from {
                    s.push_str(&format!(" from {f}"));
                }
                if let Some(t) = through {
                    s.push_str(&format!(" through {t}"));
                }
                s.push_str(un);
                s
            }),
        Just("shift sunday => following monday".to_string()),
        Just("shift saturday => preceding friday".to_string()),
        (string(), any::<bool>()).prop_map(|(r, range)| if range {
            format!("closed 2001-09-11 through 2001-09-14 {r}")
        } else {
            format!("closed 2012-10-29 {r}")
        }),
        string().prop_map(|r| format!("open 2021-06-18 {r}")),
    ]
}

fn agreement_item() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("dated 2000-02-25".to_string()),
        string().prop_map(|s| format!("time-zone {s}")),
        name().prop_map(|n| format!("calendar {n}")),
        string().prop_map(|s| format!("business-day {s}")),
        string().prop_map(|s| format!("cite {s}")),
        (name(), string()).prop_map(|(n, s)| format!("method {n} {s}")),
        (
            name(),
            string(),
            prop::collection::vec(
                (
                    prop::sample::select(vec!["fax", "time-zone", "address", "cite"]),
                    string()
                ),
                0..4
            )
        )
            .prop_map(|(n, t, items)| {
                let items: Vec<String> = items.iter().map(|(k, v)| format!("{k} {v}")).collect();
                format!("party {n} {t} {{ {} }}", items.join("\n"))
            }),
        (
            string(),
            prop::sample::select(vec!["earliest-of", "latest-of", "first-of"]),
            prop::collection::vec(rule(), 0..5)
        )
            .prop_map(|(t, c, rules)| format!("notice {t} {c} {{\n{}\n}}", rules.join("\n"))),
        (
            name(),
            string(),
            prop::collection::vec(
                prop::sample::select(vec![
                    "anchor issued \"the date\"",
                    "length 5 years",
                    "length 1 business-day before",
                    "length 3 months before",
                    "length 2 business-days",
                    "start exclusive",
                    "end inclusive",
                    "roll modified-following",
                    "roll none",
                    "nonexistent round-up",
                    "reading \"r\"",
                ]),
                0..6
            )
        )
            .prop_map(|(n, c, items)| format!("period {n} {c} {{ {} }}", items.join(" "))),
    ]
}

fn file() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(
            (
                name(),
                string(),
                prop::collection::vec(calendar_item(), 0..6),
            ),
            0..3,
        ),
        prop::option::of((string(), prop::collection::vec(agreement_item(), 0..8))),
        prop::collection::vec(
            prop::sample::select(vec!["# a comment", "", "   ", "#"]),
            0..4,
        ),
    )
        .prop_map(|(cals, agreement, noise)| {
            let mut parts = Vec::new();
            for (n, t, items) in cals {
                parts.push(format!("calendar {n} {t} {{\n  {}\n}}", items.join("\n  ")));
            }
            if let Some((t, items)) = agreement {
                parts.push(format!("agreement {t} {{\n{}\n}}", items.join("\n")));
            }
            // Comments and blank lines between the items.
            let mut text = String::new();
            for (n, p) in parts.iter().enumerate() {
                if let Some(c) = noise.get(n) {
                    text.push_str(c);
                    text.push('\n');
                }
                text.push_str(p);
                text.push('\n');
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn formatting_is_faithful_and_idempotent(text in file()) {
        let Ok(tree) = deemed::syntax::parse(&text) else {
            // Some generated files are not valid (two bounds with no `and` is impossible
            // here, but a year range can be); only parseable ones are formatted.
            return Ok(());
        };
        let once = deemed::syntax::format(&tree, &text);
        let reparsed = deemed::syntax::parse(&once);
        prop_assert!(reparsed.is_ok(), "{once}\n{:?}", reparsed.err());
        prop_assert_eq!(reparsed.unwrap(), tree);
        let twice = fmt(&once);
        prop_assert_eq!(twice, once);
    }
}

/// Years are written with their four digits, as they must be read (a fuzzer found
/// `from 0993` formatted as `from 993`, which does not parse).
#[test]
fn years_keep_their_four_digits() {
    let text = "calendar a \"A\" {\n  years 0999 through 2000\n  holiday \"h\" on july 4 from 0993 through 0995\n}\n";
    let file = deemed::syntax::parse(text).unwrap();
    let formatted = deemed::syntax::format(&file, text);
    assert_eq!(formatted, text);
    assert_eq!(deemed::syntax::parse(&formatted).unwrap(), file);
}
