//! Throughput of `deemed batch`'s engine: JSON Lines in, JSON Lines out, one thread.
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
    let input = generator::log(count);
    let rules = deemed::Rules::default_rules().unwrap();
    let mut best = f64::MAX;
    let mut out = Vec::with_capacity(input.len() * 2);
    for _ in 0..3 {
        out.clear();
        let start = Instant::now();
        let mut batch = Batch::new(&rules, Options::default()).unwrap();
        batch
            .run("bench", input.as_bytes(), &mut out, &mut |_| {})
            .unwrap();
        let summary = batch.finish();
        let seconds = start.elapsed().as_secs_f64();
        assert_eq!(summary.records, count);
        best = best.min(seconds);
    }
    println!(
        "batch: {count} records, {:.1} MB in, best of 3: {:.3} s, {:.0} records/s",
        input.len() as f64 / 1e6,
        best,
        count as f64 / best
    );
}
