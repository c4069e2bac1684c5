//! Writes a synthetic notice log (JSON Lines) with a fixed seed to standard output.
//!
//! ```sh
//! cargo run --release --example gen_log -- 1000000 > log.jsonl
//! cargo run --release --example gen_log -- 1000000 edge-heavy > edges.jsonl
//! # Over a folder of 100 agreements `spa-1` ... `spa-100`, each record naming one in turn:
//! cargo run --release --example gen_log -- 1000000 realistic 100 > many.jsonl
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

#[path = "support/generator.rs"]
mod generator;

use std::io::Write;

fn main() {
    let count: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("a number of records"))
        .unwrap_or(1_000_000);
    let mix = match std::env::args().nth(2).as_deref() {
        None | Some("realistic") => generator::Mix::Realistic,
        Some("edge-heavy") => generator::Mix::EdgeHeavy,
        Some(other) => {
            eprintln!("unknown mix `{other}`: `realistic` or `edge-heavy`");
            std::process::exit(2);
        }
    };
    let agreements: u64 = std::env::args()
        .nth(3)
        .map(|a| a.parse().expect("a number of agreements"))
        .unwrap_or(0);
    let mut rng = generator::Rng::new(generator::SEED);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut buf = String::new();
    for n in 1..=count {
        buf.clear();
        generator::record(&mut rng, mix, n, &mut buf);
        if agreements > 0 && buf.starts_with('{') {
            let named = format!("{{\"agreement\":\"spa-{}\",", n % agreements + 1);
            buf.replace_range(..1, &named);
        }
        out.write_all(buf.as_bytes()).unwrap();
    }
    out.flush().unwrap();
}
