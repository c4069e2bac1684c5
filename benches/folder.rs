//! Throughput of `deemed batch` over a folder of 100 agreements against one agreement
//! (issue 17: within 20% of the one agreement's).
//!
//! Run with `cargo bench --bench folder`. It writes a folder of 100 agreements of the
//! shipped §4.2, each with its own fax number for the company ((949) 788-6701 to
//! (949) 788-6800), generates 1,000,000 records with the fixed seed, and runs, in memory,
//! on one thread, five interleaved rounds of: the log under the one agreement (records
//! without `agreement`), and the same records each naming the next agreement in turn, its
//! fax number to the company that agreement's. It prints the least time of each and their
//! ratio. `DEEMED_BENCH_RECORDS` sets the number of records.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

// The log's generator (this benchmark reads only the realistic mix).
#[allow(dead_code)]
#[path = "support/generator.rs"]
mod generator;

use std::time::Instant;

use deemed::Library;
use deemed::batch::{Batch, Options};

const AGREEMENTS: u64 = 100;

fn main() {
    let count: u64 = std::env::var("DEEMED_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join(format!("deemed-bench-folder-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let number = |n: u64| format!("(949) 788-{:04}", 6700 + n);
    for n in 1..=AGREEMENTS {
        let text = deemed::DEFAULT_RULES
            .1
            .replace("(949) 788-6706", &number(n));
        std::fs::write(dir.join(format!("spa-{n}.rules")), text).unwrap();
    }
    let folder = Library::from_path(&dir).unwrap();
    let one = Library::default_rules().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    let mut rng = generator::Rng::new(generator::SEED);
    let (mut alone, mut named) = (String::new(), String::new());
    let mut buf = String::new();
    for n in 1..=count {
        buf.clear();
        generator::record(&mut rng, generator::Mix::Realistic, n, &mut buf);
        alone.push_str(&buf);
        let k = n % AGREEMENTS + 1;
        match buf.strip_prefix('{') {
            Some(rest) => {
                named.push_str(&format!("{{\"agreement\":\"spa-{k}\","));
                named.push_str(&rest.replace("(949) 788-6706", &number(k)));
            }
            None => named.push_str(&buf),
        }
    }

    let run = |library: &Library, input: &str| {
        let options = Options {
            threads: 1,
            ..Options::default()
        };
        let mut out = Vec::with_capacity(input.len() * 2);
        let start = Instant::now();
        let mut batch = Batch::over(library, options).unwrap();
        batch
            .run("bench", input.as_bytes(), &mut out, &mut |_| {})
            .unwrap();
        let summary = batch.finish();
        let took = start.elapsed().as_secs_f64();
        assert_eq!(summary.records, count);
        took
    };
    let (mut best_one, mut best_folder) = (f64::MAX, f64::MAX);
    for _ in 0..5 {
        best_one = best_one.min(run(&one, &alone));
        best_folder = best_folder.min(run(&folder, &named));
    }
    println!(
        "batch, one agreement: {count} records ({:.1} MB), best of 5: {best_one:.3} s, {:.0} records/s",
        alone.len() as f64 / 1e6,
        count as f64 / best_one
    );
    println!(
        "batch, {AGREEMENTS} agreements of their own numbers in turn: {count} records ({:.1} MB), best of 5: {best_folder:.3} s, {:.0} records/s, {:.2} times one agreement's time",
        named.len() as f64 / 1e6,
        count as f64 / best_folder,
        best_folder / best_one
    );
}
