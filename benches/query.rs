//! Where a single query's time goes in-process: reading its JSON body, evaluating it with
//! its trace, and writing the answer's JSON (what `deemed serve` does for
//! `POST /v1/when-effective`, less the HTTP).
//!
//! Run with `cargo bench --bench query`. Each part runs 100,000 times in a loop, three
//! times; the best time a query is printed. The figures are in benches/README.md.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

/// §4.2's fax at 9:15 p.m., the body `benches/when_effective.lua` sends.
const BODY: &str = r#"{"method":"fax","sent":"2000-03-03T21:15:00-05:00","to":"company","fax_number":"(949) 788-6706"}"#;

const N: u32 = 100_000;

/// The best of three loops of `N`, in microseconds a run of `f`.
fn best(mut f: impl FnMut() -> usize) -> f64 {
    let mut best = f64::MAX;
    let mut sink = 0;
    for _ in 0..3 {
        let start = Instant::now();
        for _ in 0..N {
            sink += f();
        }
        best = best.min(start.elapsed().as_secs_f64() * 1e6 / f64::from(N));
    }
    assert!(sink > 0);
    best
}

fn main() {
    let rules = deemed::Rules::default_rules().unwrap();
    let query: deemed::query::Query = serde_json::from_str(BODY).unwrap();
    let answer = deemed::query::when_effective(&rules, &query, &[]).unwrap();
    let read = best(|| {
        let q: deemed::query::Query = serde_json::from_str(BODY).unwrap();
        q.method.len()
    });
    let evaluate = best(|| {
        let a = deemed::query::when_effective(&rules, &query, &[]).unwrap();
        a.resolution.trace.len()
    });
    let write = best(|| answer.to_json_text().len());
    let all = best(|| {
        let q: deemed::query::Query = serde_json::from_str(BODY).unwrap();
        let a = deemed::query::when_effective(&rules, &q, &[]).unwrap();
        a.to_json_text().len()
    });
    println!("read the body        {read:6.2} us");
    println!("evaluate with trace  {evaluate:6.2} us");
    println!(
        "write the JSON       {write:6.2} us ({} bytes)",
        answer.to_json_text().len()
    );
    println!("all three            {all:6.2} us");
}
