//! One engine: the same log gives the same bytes however it is asked. Every corpus, a log
//! with a notice of change before and after the notices it concerns, and a log of notices
//! given several ways, each through a file, standard input, two files, one and two
//! threads, `--no-memo`, `--trace` (its traces set aside) and `POST /v1/batch`; and each
//! record of them through `POST /v1/when-effective`, which gives the record's answer.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::serve::Server;
use crate::{deemed, temp_file};

/// The corpora and the rules they are read under, with the two built logs.
fn logs() -> Vec<(String, String, String)> {
    let mut logs = Vec::new();
    for entry in std::fs::read_dir("tests/corpus").unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        let log = std::fs::read_to_string(&path).unwrap();
        logs.push((stem.clone(), format!("rules/{stem}.rules"), log));
    }
    logs.sort();
    let spa = "rules/spa-2000-02-25.rules".to_string();
    let (before, after) = changes();
    logs.push(("change-before".into(), spa.clone(), before));
    logs.push(("change-after".into(), spa.clone(), after));
    logs.push(("deliveries".into(), spa.clone(), deliveries()));
    // Long enough for many chunks on each worker, its ids each seen many times.
    let corpus = std::fs::read_to_string("tests/corpus/spa-2000-02-25.jsonl").unwrap();
    logs.push((
        "repeated".into(),
        spa,
        corpus.repeat(4500 / corpus.lines().count()),
    ));
    logs
}

/// The Company tells Montrose, received Monday 2001-07-02 at 10:00 New York time, that its
/// facsimile number is now (949) 555-0100; faxes from Montrose and from counsel around that
/// instant to the old and the new number. The change first, then last.
fn changes() -> (String, String) {
    const CHANGE: &str = r#"{"id":"change","method":"hand","received":"2001-07-02T10:00:00-04:00","from":"company","to":"montrose","changes":{"party":"company","fax":["(949) 555-0100"]}}"#;
    let mut faxes = Vec::new();
    for (k, sent) in ["09:59:59", "10:00:00", "10:00:01", "21:00:00"]
        .iter()
        .enumerate()
    {
        for from in ["montrose", "counsel"] {
            for number in ["(949) 788-6706", "(949) 555-0100"] {
                faxes.push(format!(
                    r#"{{"id":"{from}-{k}-{number}","method":"fax","sent":"2001-07-02T{sent}-04:00","from":"{from}","to":"company","fax_number":"{number}"}}"#
                ));
            }
        }
    }
    let faxes = faxes.join("\n");
    (
        format!("{CHANGE}\n{faxes}\n"),
        format!("{faxes}\n{CHANGE}\n"),
    )
}

/// Notices given by fax and by hand, by fax and by courier, and by one way alone.
fn deliveries() -> String {
    let fax =
        |sent: &str| format!(r#"{{"method":"fax","sent":"{sent}","fax_number":"(949) 788-6706"}}"#);
    let hand = |received: &str| format!(r#"{{"method":"hand","received":"{received}"}}"#);
    let courier = |sent: &str| format!(r#"{{"method":"courier","sent":"{sent}"}}"#);
    let notices = [
        vec![
            fax("2000-03-03T21:00:00-05:00"),
            hand("2000-03-04T09:30:00-05:00"),
        ],
        vec![
            fax("2000-03-03T19:00:00-05:00"),
            hand("2000-03-04T09:30:00-05:00"),
        ],
        vec![
            courier("2000-03-02T12:00:00-05:00"),
            fax("2000-03-03T21:00:00-05:00"),
        ],
        vec![courier("2000-03-02T12:00:00-05:00")],
        vec![
            hand("2000-03-06T08:00:00-05:00"),
            fax("2000-03-05T23:30:00-05:00"),
        ],
    ];
    let mut log = String::new();
    for (k, deliveries) in notices.iter().enumerate() {
        log += &format!(
            r#"{{"id":"n{k}","to":"company","deliveries":[{}]}}"#,
            deliveries.join(",")
        );
        log.push('\n');
    }
    log
}

/// `deemed batch` with `args` (and `--quiet`), `stdin` given to it; its standard output.
fn batch(args: &[&str], stdin: Option<&str>) -> String {
    let mut args = args.to_vec();
    args.insert(0, "batch");
    args.push("--quiet");
    with_stdin(&args, stdin.unwrap_or(""))
}

/// `deemed` with `args`, `stdin` given to it; its standard output.
fn with_stdin(args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_deemed"))
        .args(args)
        .env_remove("DEEMED_RULES")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
}

/// A run's records with the notices of change cited as in two inputs, `file`'s lines from
/// `from` on in the second.
fn cited(out: &str, file: &str, [first, second]: [&str; 2], from: usize) -> String {
    let mut out = out.to_string();
    for n in (1..=out.lines().count()).rev() {
        let was = format!("{file}:{n} (id");
        let now = match n.checked_sub(from) {
            Some(again) if again > 0 => format!("{second}:{again} (id"),
            _ => format!("{first}:{n} (id"),
        };
        out = out.replace(&was, &now);
    }
    out
}

/// The records read as JSON and written again.
fn reread(out: &str) -> String {
    let mut lines = String::new();
    for line in out.lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        lines += &serde_json::to_string(&record).unwrap();
        lines.push('\n');
    }
    lines
}

/// The records with each one's trace set aside, read as JSON and written again.
fn without_traces(out: &str) -> String {
    let mut lines = String::new();
    for line in out.lines() {
        let mut record: serde_json::Value = serde_json::from_str(line).unwrap();
        let traced = record.as_object_mut().unwrap().remove("trace");
        assert!(traced.is_some(), "every record has its trace: {line}");
        lines += &serde_json::to_string(&record).unwrap();
        lines.push('\n');
    }
    lines
}

/// A run's records with the line numbers from `from` on counted again from 1, as a second
/// input's are, and the ids they repeat from the first input, `first`, cited with its name.
fn renumbered(out: &str, from: usize, first: &str) -> String {
    let mut lines = String::new();
    for (k, line) in out.lines().enumerate() {
        let n = k + 1;
        lines += &match n.checked_sub(from) {
            Some(again) if again > 0 => {
                let was = format!("\"line\":{n},");
                assert!(line.contains(&was), "{line}");
                let mut line = line.replacen(&was, &format!("\"line\":{again},"), 1);
                for seen in 1..=from {
                    line = line.replace(
                        &format!("first seen on line {seen}\""),
                        &format!("first seen on line {seen} of `{first}`\""),
                    );
                }
                line
            }
            _ => line.to_string(),
        };
        lines.push('\n');
    }
    lines
}

#[test]
fn a_log_gives_the_same_bytes_however_it_is_asked() {
    for (name, rules, log) in logs() {
        let file = temp_file("one-semantics", &format!("{name}.jsonl"), &log);
        let given = batch(&[&file, "--rules", &rules], None);
        assert_eq!(given.lines().count(), log.lines().count(), "{name}");
        let lines: Vec<&str> = log.lines().collect();
        let (first, second) = lines.split_at(lines.len() / 2);
        let first_len = first.len();
        let first = temp_file(
            "one-semantics",
            &format!("{name}-1"),
            &(first.join("\n") + "\n"),
        );
        let second = temp_file(
            "one-semantics",
            &format!("{name}-2"),
            &(second.join("\n") + "\n"),
        );
        let ways: [(&str, String); 6] = [
            (
                "standard input",
                batch(&["-", "--rules", &rules], Some(&log)),
            ),
            (
                "two files",
                batch(&[&first, &second, "--rules", &rules], None),
            ),
            (
                "one thread",
                batch(&[&file, "--rules", &rules, "--threads", "1"], None),
            ),
            (
                "two threads",
                batch(&[&file, "--rules", &rules, "--threads", "2"], None),
            ),
            (
                "--no-memo",
                batch(&[&file, "--rules", &rules, "--no-memo"], None),
            ),
            (
                "--trace",
                without_traces(&batch(&[&file, "--rules", &rules, "--trace"], None)),
            ),
        ];
        for (way, out) in ways {
            // Line numbers restart with each input.
            let given = match way {
                "standard input" => given.replace(&format!("{file}:"), "-:"),
                "two files" => cited(
                    &renumbered(&given, first_len, &first),
                    &file,
                    [&first, &second],
                    first_len,
                ),
                // Read back as JSON, as the records with their traces set aside are.
                "--trace" => reread(&given),
                _ => given.clone(),
            };
            assert!(out == given, "{name}: {way} differs:\n{out}\nfrom\n{given}");
        }
        let server = Server::start(Some(&rules));
        let (status, body) = server.request("POST", "/v1/batch", &log);
        assert_eq!(status, 200, "{name}: {body}");
        // The service names its input `request`.
        let given = given.replace(&format!("{file}:"), "request:");
        assert!(body == given, "{name}: POST /v1/batch differs:\n{body}");
    }
}

#[test]
fn each_record_is_answered_as_a_query_is() {
    for (name, rules, log) in logs() {
        // A notice of change is read ahead by a batch; a query is given it by `--addresses`.
        // A repeated id is the batch's to note.
        if name.starts_with("change") || name == "repeated" {
            continue;
        }
        let file = temp_file("one-semantics-query", &format!("{name}.jsonl"), &log);
        let (out, _, _) = deemed(&["batch", &file, "--rules", &rules]);
        let server = Server::start(Some(&rules));
        for (record, line) in out.lines().zip(log.lines()) {
            let record: serde_json::Value = serde_json::from_str(record).unwrap();
            // A query is a record without its id.
            let mut query: serde_json::Value = serde_json::from_str(line).unwrap();
            query.as_object_mut().unwrap().remove("id");
            let (status, body) = server.request("POST", "/v1/when-effective", &query.to_string());
            let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
            if record["status"] == "error" {
                assert_eq!(status, 400, "{name}: {line}: {body}");
                continue;
            }
            assert_eq!(status, 200, "{name}: {line}: {body}");
            for key in [
                "deemed_date",
                "effective_at",
                "clause",
                "status",
                "warnings",
            ] {
                assert_eq!(answer[key], record[key], "{name}: {line}: {key}");
            }
        }
    }
}

#[test]
fn a_notice_of_change_before_or_after_the_notices_it_concerns_gives_the_same_answers() {
    let (before, after) = changes();
    let answers = |log: &str| {
        let file = temp_file("one-semantics-change", "change.jsonl", log);
        let (out, _, _) = deemed(&["batch", &file]);
        // The notice of change is cited by its line.
        let out = out.replace(&format!("{file}:17 (id"), &format!("{file}:1 (id"));
        let mut by_id = std::collections::BTreeMap::new();
        for line in out.lines() {
            let mut record: serde_json::Value = serde_json::from_str(line).unwrap();
            let record = record.as_object_mut().unwrap();
            record.remove("line");
            by_id.insert(record["id"].as_str().unwrap().to_string(), record.clone());
        }
        by_id
    };
    let (before, after) = (answers(&before), answers(&after));
    assert_eq!(before.len(), 17);
    assert_eq!(before, after);
    // The change does decide: Montrose's fax to the old number after it is no longer the
    // designated one's.
    assert_eq!(
        before["montrose-1-(949) 788-6706"]["clause"],
        "not-designated-number"
    );
    assert_eq!(before["montrose-0-(949) 788-6706"]["clause"], "i");
}

#[test]
fn diff_reads_notices_of_change_ahead_from_standard_input_as_from_a_file() {
    let (_, after) = changes();
    let old = "rules/spa-2000-02-25.rules";
    let text = std::fs::read_to_string(old).unwrap();
    let new = temp_file(
        "one-semantics-diff",
        "new.rules",
        &text.replacen("fax \"(949) 788-6706\"", "fax \"(949) 788-0000\"", 1),
    );
    let file = temp_file("one-semantics-diff", "diff.jsonl", &after);
    let args = ["diff", old, &new, "--format", "json", "--events"];
    let mut from_file: Vec<&str> = args.to_vec();
    from_file.push(&file);
    let (by_file, _, code) = deemed(&from_file);
    assert_eq!(code, 1, "the new number changes some notices");
    let mut from_stdin: Vec<&str> = args.to_vec();
    from_stdin.push("-");
    let by_stdin = with_stdin(&from_stdin, &after);
    assert!(!by_file.is_empty());
    assert_eq!(by_stdin, by_file);
    // The notice of change, last in the log, decides the notices before it: Montrose's fax
    // to the Company's new number after the change is unchanged by the rules' number.
    assert!(!by_file.contains("montrose-1-(949) 555-0100"), "{by_file}");
}

/// An instant at a zero offset (London in winter) is written `+00:00` by every way of
/// asking, in JSON as in text: one spelling, never `Z`.
#[test]
fn an_instant_has_one_spelling_in_every_output() {
    let rules = "rules/facility-drawdown-deadline.rules";
    let record =
        r#"{"id":"winter","method":"email","received":"2022-01-31T10:00:00Z","to":"financier"}"#;
    let log = temp_file(
        "one-semantics-winter",
        "winter.jsonl",
        &format!("{record}\n"),
    );
    let (batch_out, _, _) = deemed(&["batch", &log, "--rules", rules, "--trace"]);
    let query = [
        "when-effective",
        "--rules",
        rules,
        "--method",
        "email",
        "--received",
        "2022-01-31T10:00:00Z",
        "--to",
        "financier",
    ];
    let (json, _, _) = deemed(&[&query[..], &["--format", "json"]].concat());
    let (text, _, _) = deemed(&query);
    let server = Server::start(Some(rules));
    let body = r#"{"method":"email","received":"2022-01-31T10:00:00Z","to":"financier"}"#;
    let (_, api) = server.request("POST", "/v1/when-effective", body);
    for (way, out) in [
        ("batch", &batch_out),
        ("json", &json),
        ("text", &text),
        ("api", &api),
    ] {
        assert!(out.contains("2022-01-31T10:00:00+00:00"), "{way}: {out}");
        assert!(!out.contains("10:00:00Z"), "{way} writes `Z`: {out}");
    }
}
