//! Parse time of large rules files: `cargo bench --bench parse`.
//!
//! Generates rules files of 256 KB, 512 KB and 1 MB (an agreement with many parties and
//! clauses, and many calendars), and times parsing (text to syntax tree) and checking
//! (syntax tree to model, calendars worked out). Time per byte should not grow with size.

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

fn main() {
    for size in [256 << 10, 512 << 10, 1 << 20, 2 << 20] {
        let text = generate(size);
        let mut best_parse = f64::MAX;
        let mut best_check = f64::MAX;
        for _ in 0..5 {
            let start = Instant::now();
            let file = deemed::syntax::parse(&text).unwrap();
            best_parse = best_parse.min(start.elapsed().as_secs_f64());
            assert!(!file.items.is_empty());
            let start = Instant::now();
            deemed::Rules::from_source(deemed::Source {
                name: "generated.rules".into(),
                text: text.clone(),
            })
            .unwrap();
            best_check = best_check.min(start.elapsed().as_secs_f64());
        }
        println!(
            "parse: {:>5} KB in {:7.2} ms ({:.1} MB/s); parse and check {:7.2} ms",
            text.len() >> 10,
            best_parse * 1e3,
            text.len() as f64 / best_parse / 1e6,
            best_check * 1e3
        );
    }
}
