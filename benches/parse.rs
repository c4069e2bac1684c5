//! Parse, check and lint time of large rules files: `cargo bench --bench parse`.
//!
//! Generates rules files of 1 MB to 10 MB (an agreement with many parties and clauses, and
//! many calendars), and times parsing (text to syntax tree), checking (syntax tree to model,
//! calendars worked out, the plan compiled) and `lint`'s table. Then hostile shapes of the
//! same sizes: clauses naming calendars that do not exist (every one an error, rendered),
//! and calendars that each include the one before twice. Time per byte should not grow
//! with size.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::time::Instant;

/// A rules file of about `size` bytes.
fn generate(size: usize) -> String {
    let mut parties = String::new();
    let mut clauses = String::new();
    let mut calendars = String::new();
    let mut n = 0;
    while parties.len() + clauses.len() + calendars.len() < size {
        parties.push_str(&format!(
            "  party p{n} \"Party number {n}, Inc.\" {{\n    fax \"(212) 555-{:04}\"\n    address \"{n} Main Street\"\n  }}\n",
            n % 10_000
        ));
        clauses.push_str(&format!(
            "    clause c{n} \"the words of clause {n}\"\n      when method fax, to designated-fax, sent after 09:{:02}:00 and before 17:00:00 on business-day\n      => {} business-days after sent\n",
            n % 60,
            n % 5 + 1
        ));
        if n % 4 == 0 {
            calendars.push_str(&format!(
                "calendar cal{n} \"calendar {n}\" {{\n  source \"generated\"\n  years 2000 through 2010\n  weekend saturday, sunday\n  holiday \"Day {n}\" on march {}\n  holiday \"Other {n}\" on last friday of june\n  shift sunday => following monday\n}}\n",
                n % 28 + 1
            ));
        }
        n += 1;
    }
    format!(
        "agreement \"generated\" {{\n  time-zone \"America/New_York\"\n  calendar us-ny-banking\n  method fax \"facsimile\"\n{parties}  notice \"n\" earliest-of {{\n{clauses}    gap rest \"everything else\" => upon receipt\n  }}\n}}\n{calendars}"
    )
}

/// A file of clauses that each name a calendar that does not exist, of about `size` bytes.
fn unknown_calendars(size: usize) -> String {
    let mut clauses = String::new();
    let mut n = 0;
    while clauses.len() < size {
        clauses.push_str(&format!(
            "    clause c{n} \"c\" when method fax, sent on business-day of nowhere{n} => same-day\n"
        ));
        n += 1;
    }
    format!(
        "agreement \"x\" {{\n  time-zone \"America/New_York\"\n  calendar us-ny-banking\n  method fax \"f\"\n  notice \"n\" earliest-of {{\n{clauses}  }}\n}}\n"
    )
}

/// Calendars that each include the one before twice, of about `size` bytes.
fn include_ladder(size: usize) -> String {
    let mut text = String::from(
        "calendar c0 \"c0\" { years 2000 through 2010 weekend saturday, sunday holiday \"h\" on july 4 }\n",
    );
    let mut n = 1;
    while text.len() < size {
        text.push_str(&format!(
            "calendar c{n} \"c{n}\" {{ include c{} include c{} }}\n",
            n - 1,
            n - 1
        ));
        n += 1;
    }
    text
}

/// The best of five times of `f`, in milliseconds.
fn best(mut f: impl FnMut()) -> f64 {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::MAX, f64::min)
}

fn main() {
    for size in [1 << 20, 2 << 20, 5 << 20, 10 << 20] {
        let text = generate(size);
        let parse = best(|| assert!(!deemed::syntax::parse(&text).unwrap().items.is_empty()));
        let source = || deemed::Source {
            name: "generated.rules".into(),
            text: text.clone(),
        };
        let check = best(|| drop(deemed::Rules::from_source(source()).unwrap()));
        let rules = deemed::Rules::from_source(source()).unwrap();
        let lint = best(|| drop(rules.coverage().unwrap()));
        println!(
            "rules: {:>6} KB: parse {parse:8.2} ms ({:.1} MB/s); parse and check {check:8.2} ms; lint {lint:8.2} ms",
            text.len() >> 10,
            text.len() as f64 / parse / 1e3,
        );
    }
    for size in [1 << 20, 2 << 20, 5 << 20, 10 << 20] {
        for (what, text) in [
            ("unknown calendars", unknown_calendars(size)),
            ("include ladder", include_ladder(size)),
        ] {
            let check = best(|| {
                let result = deemed::Rules::from_source(deemed::Source {
                    name: "hostile.rules".into(),
                    text: text.clone(),
                });
                // The errors rendered as `check` prints them.
                if let Err(d) = result {
                    assert!(!d.to_string().is_empty());
                }
            });
            println!(
                "hostile: {what:>17}, {:>6} KB: check {check:8.2} ms",
                text.len() >> 10
            );
        }
    }
}
