//! The batch reader on any bytes, as JSON Lines and as CSV: no panic, exactly one output
//! record per input line (per CSV row after the header), and every JSON output line parses.

#![no_main]

use deemed::batch::{Batch, InputFormat, Options, OutputFormat};
use libfuzzer_sys::fuzz_target;

fn rules() -> &'static deemed::Rules {
    static RULES: std::sync::OnceLock<deemed::Rules> = std::sync::OnceLock::new();
    RULES.get_or_init(|| deemed::Rules::default_rules().expect("the embedded rules load"))
}

fuzz_target!(|data: &[u8]| {
    // Lines end in LF; a last line without one counts too.
    let ends = data.iter().filter(|b| **b == b'\n').count();
    let lines = ends + usize::from(!data.is_empty() && !data.ends_with(b"\n"));
    for (input, threads) in [(InputFormat::Jsonl, 1), (InputFormat::Jsonl, 2), (InputFormat::Csv, 1)] {
        let options = Options {
            input,
            output: OutputFormat::Jsonl,
            threads,
            ..Options::default()
        };
        let mut out = Vec::new();
        let mut batch = Batch::new(rules(), options).expect("the rules have an agreement");
        if batch.run("fuzz", data, &mut out, &mut |_| {}).is_err() {
            // A CSV header the batch cannot use stops the run before any record.
            assert_eq!(input, InputFormat::Csv);
            continue;
        }
        let text = String::from_utf8(out).expect("the output is UTF-8");
        for line in text.lines() {
            serde_json::from_str::<serde_json::Value>(line).expect("every output line parses");
        }
        if input == InputFormat::Jsonl {
            assert_eq!(text.lines().count(), lines, "one record per line");
        }
    }
});
