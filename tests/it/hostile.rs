//! Hostile input through every command: no panic, exactly one record per input line, and
//! every JSON output line read back by a strict parser.

use deemed::batch::{Batch, InputFormat, Options, OutputFormat};
use proptest::prelude::*;

/// Pieces of hostile log lines.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(r#"{"id":"n","method":"fax","sent":"2000-03-03T21:15:00-05:00","to":"company","fax_number":"(949) 788-6706"}"#.to_string()),
        Just(r#"{"method":"courier","sent":"2000-12-22T15:00:00-05:00"}"#.to_string()),
        Just(r#"{"id":"\ud800","method":"fax"}"#.to_string()),
        Just(r#"{"id":[[[[1]]]],"method":"fax","sent":"x"}"#.to_string()),
        Just(r#"{"deliveries":[{"method":"fax","sent":"2000-03-03T21:15:00-05:00"},7]}"#.to_string()),
        Just(r#"{"to":"strong-river","deliveries":[{"method":"fax","sent":"2000-03-03T10:00:00-05:00","to":"company"}]}"#.to_string()),
        Just("\u{1b}[31m".to_string()),
        Just("\u{feff}".to_string()),
        Just("\r".to_string()),
        Just("\"".to_string()),
        Just(",".to_string()),
        Just(";".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".repeat(300)),
        Just("1e99999".to_string()),
        Just("\"sent\":\"2000-13-45T99:99:99+99:99\"".to_string()),
        "[ -~]{0,40}",
        "\\PC{0,20}",
    ]
}

fn line() -> impl Strategy<Value = String> {
    proptest::collection::vec(piece(), 0..5).prop_map(|p| p.concat().replace('\n', " "))
}

fn run(input: &[u8], options: Options) -> Result<String, String> {
    let rules = crate::rules();
    let mut out = Vec::new();
    let mut batch = Batch::new(rules, options).unwrap();
    batch
        .run("hostile", input, &mut out, &mut |_| {})
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8(out).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Every hostile log, read as JSON Lines on one thread and two and with a trace, gives
    /// one record per line that a strict parser reads; read as CSV, it either starts (its
    /// records all parse) or is refused with an error.
    #[test]
    fn hostile_logs_give_one_strict_record_per_line(
        lines in proptest::collection::vec(line(), 1..12),
        invalid_utf8 in any::<bool>(),
    ) {
        let mut input = lines.join("\n").into_bytes();
        input.push(b'\n');
        if invalid_utf8 {
            input.extend_from_slice(b"\xff\xfe{\"method\":\"fax\"}\n");
        }
        let count = input.iter().filter(|b| **b == b'\n').count();
        for options in [
            Options::default(),
            Options { threads: 2, ..Options::default() },
            Options { trace: true, ..Options::default() },
            Options { no_memo: true, ..Options::default() },
        ] {
            let out = run(&input, options).unwrap();
            prop_assert_eq!(out.lines().count(), count, "{:?}", options);
            for l in out.lines() {
                let parsed = serde_json::from_str::<serde_json::Value>(l);
                prop_assert!(parsed.is_ok(), "{}", l);
            }
        }
        let csv = Options { input: InputFormat::Csv, ..Options::default() };
        if let Ok(out) = run(&input, csv) {
            for l in out.lines() {
                prop_assert!(serde_json::from_str::<serde_json::Value>(l).is_ok(), "{}", l);
            }
        }
        let csv_out = Options { output: OutputFormat::Csv, ..Options::default() };
        prop_assert!(run(&input, csv_out).is_ok());
    }
}

/// The real binary on hostile input: every command exits with a documented status and no
/// panic, and `batch` writes one strict JSON record per line.
#[test]
fn every_command_survives_hostile_input() {
    let dir = std::env::temp_dir().join(format!("deemed-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("log.jsonl");
    let text = "{\"id\":\"\\ud800\"}\n\u{1b}[2J\n{\"method\":\"fax\",\"sent\":\"2000-03-03T21:15:00-05:00\"}\n[[[[\n\n";
    std::fs::write(&log, text).unwrap();
    let rules = dir.join("bad.rules");
    std::fs::write(
        &rules,
        "calendar x \"\u{1b}]0;title\u{7}\" { years 0 through 99999 include x }\n\u{0}",
    )
    .unwrap();
    let (log, rules) = (log.to_str().unwrap(), rules.to_str().unwrap());
    for args in [
        vec!["batch", log],
        vec!["batch", log, "--trace", "--threads", "2"],
        vec!["batch", log, "--input-format", "csv"],
        vec!["batch", log, "--output-format", "csv"],
        vec!["check", rules],
        vec!["lint", rules],
        vec!["fmt", rules],
        vec!["diff", rules, rules, "--events", log],
        vec![
            "when-effective",
            "--method",
            "\u{1b}[31mfax",
            "--sent",
            "\u{1b}",
        ],
        vec!["latest-send", "--by", "9999-12-31T23:59:59+14:00"],
        vec!["window", "warrant", "--issued", "9999-12-31"],
        vec!["calendar", "9999-13"],
    ] {
        let (stdout, stderr, code) = crate::deemed(&args);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(matches!(code, 0..=2), "{args:?}: {code} {stderr}");
        assert!(!stderr.contains('\u{1b}'), "{args:?}: {stderr:?}");
        if args.len() == 2 && args[0] == "batch" {
            assert_eq!(stdout.lines().count(), text.lines().count(), "{stdout}");
            for l in stdout.lines() {
                serde_json::from_str::<serde_json::Value>(l).unwrap();
            }
        }
    }
}
