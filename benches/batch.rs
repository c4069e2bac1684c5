//! Throughput of `deemed batch`'s engine: JSON Lines in, JSON Lines out, on one thread and
//! then with two worker threads.
//!
//! Run with `cargo bench --bench batch`. It generates 1,000,000 records with the fixed seed
//! (the same as `cargo run --release --example gen_log`), runs the batch over them in
//! memory three times and prints the best records per second. The end-to-end figures in
//! README.md are measured on the binary with a file, as `benches/README.md` describes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "support/generator.rs"]
mod generator;

use std::time::Instant;

use deemed::batch::{Batch, Options};

fn main() {
    let count: u64 = std::env::var("DEEMED_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rules = deemed::Rules::default_rules().unwrap();
    for (name, mix, threads) in [
        ("realistic", generator::Mix::Realistic, 1),
        ("edge-heavy", generator::Mix::EdgeHeavy, 1),
        ("realistic", generator::Mix::Realistic, 2),
    ] {
        let input = generator::log(count, mix);
        let mut best = f64::MAX;
        let mut out = Vec::with_capacity(input.len() * 2);
        let mut summary = None;
        for _ in 0..3 {
            out.clear();
            let start = Instant::now();
            let options = Options {
                threads,
                ..Options::default()
            };
            let mut batch = Batch::new(&rules, options).unwrap();
            batch
                .run("bench", input.as_bytes(), &mut out, &mut |_| {})
                .unwrap();
            let s = batch.finish();
            best = best.min(start.elapsed().as_secs_f64());
            assert_eq!(s.records, count);
            summary = Some(s);
        }
        let s = summary.unwrap();
        println!(
            "batch {name}, {threads} thread(s): {count} records ({:.1} MB; gap {:.1}%, error {:.1}%), best of 3: {:.3} s, {:.0} records/s",
            input.len() as f64 / 1e6,
            100.0 * s.gap as f64 / count as f64,
            100.0 * s.errors as f64 / count as f64,
            best,
            count as f64 / best
        );
    }
}
