//! Notices of change in a log: "or such other address as may be designated in writing
//! hereafter, in the same manner" (§4.2). From the instant a notice of change is deemed
//! given, notices from the party it was given to use the new numbers; others do not.

use crate::deemed;

/// The Company tells Montrose by hand, received Monday 2001-07-02 at 10:00 New York time,
/// that its facsimile number is now (949) 555-0100.
const CHANGE: &str = r#"{"id":"change","method":"hand","received":"2001-07-02T10:00:00-04:00","from":"company","to":"montrose","changes":{"party":"company","fax":["(949) 555-0100"]}}"#;

fn fax(id: &str, sent: &str, from: Option<&str>, number: &str) -> String {
    let from = from.map_or(String::new(), |f| format!(",\"from\":\"{f}\""));
    format!(
        r#"{{"id":"{id}","method":"fax","sent":"{sent}"{from},"to":"company","fax_number":"{number}"}}"#
    )
}

const NEW: &str = "(949) 555-0100";
const OLD: &str = "(949) 788-6706";

/// Runs a log (written to a file) and gives each record by id.
fn run(
    name: &str,
    lines: &[String],
    extra: &[&str],
) -> (
    std::collections::BTreeMap<String, serde_json::Value>,
    String,
) {
    let log = crate::temp_file("changes", name, &(lines.join("\n") + "\n"));
    let mut args = vec!["batch", log.as_str()];
    args.extend(extra);
    let (out, err, _) = deemed(&args);
    let records = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| (v["id"].as_str().unwrap_or("").to_string(), v))
        .collect();
    (records, err)
}

fn the_log() -> Vec<String> {
    vec![
        // Out of time order: a notice sent after the change comes before it in the log.
        fax(
            "after-new",
            "2001-07-02T10:00:00-04:00",
            Some("montrose"),
            NEW,
        ),
        fax(
            "second-before-new",
            "2001-07-02T09:59:59-04:00",
            Some("montrose"),
            NEW,
        ),
        fax(
            "second-before-old",
            "2001-07-02T09:59:59-04:00",
            Some("montrose"),
            OLD,
        ),
        CHANGE.to_string(),
        fax(
            "after-old",
            "2001-07-02T10:00:01-04:00",
            Some("montrose"),
            OLD,
        ),
        fax(
            "never-told-old",
            "2001-07-02T11:00:00-04:00",
            Some("counsel"),
            OLD,
        ),
        fax(
            "never-told-new",
            "2001-07-02T11:00:00-04:00",
            Some("counsel"),
            NEW,
        ),
        fax("no-sender", "2001-07-02T11:00:00-04:00", None, OLD),
    ]
}

#[test]
fn a_change_holds_from_the_instant_it_is_deemed_given_for_the_party_told() {
    let (r, _) = run("edges.jsonl", &the_log(), &[]);
    // A second before the change took effect, the old number is the designated one.
    assert_eq!(r["second-before-old"]["clause"], "i");
    assert_eq!(r["second-before-new"]["clause"], "not-designated-number");
    // From the instant it took effect, the new number, and the old one no longer, though
    // the log lists one of them before the change.
    assert_eq!(r["after-new"]["clause"], "i");
    assert_eq!(r["after-old"]["clause"], "not-designated-number");
    let words = r["after-old"]["warnings"][0].as_str().unwrap();
    assert!(
        words.contains("as designated by the notice of change at"),
        "{words}"
    );
    // A party never told keeps the old number.
    assert_eq!(r["never-told-old"]["clause"], "i");
    assert_eq!(r["never-told-new"]["clause"], "not-designated-number");
    // Without a sender, the rules' numbers, and a warning.
    assert_eq!(r["no-sender"]["clause"], "i");
    assert!(
        r["no-sender"]["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("no sender given (`from`)")
    );
    // The change's own record says when it took effect.
    assert_eq!(r["change"]["clause"], "iv");
    assert_eq!(
        r["change"]["warnings"],
        serde_json::json!([
            "designates facsimile number(s) (949) 555-0100 for `company`, for notices from `montrose`, from 2001-07-02T10:00:00-04:00 (when it is deemed given)"
        ])
    );
}

#[test]
fn threads_the_memo_and_a_trace_give_the_same_answers() {
    let mut lines = the_log();
    // Enough records that the memo learns classes and the workers share the work.
    for k in 0..3000 {
        let (id, from, number) = match k % 3 {
            0 => (format!("m{k}"), Some("montrose"), NEW),
            1 => (format!("o{k}"), Some("montrose"), OLD),
            _ => (format!("c{k}"), Some("counsel"), OLD),
        };
        let day = 2 + k % 20;
        lines.push(fax(
            &id,
            &format!("2001-07-{day:02}T1{}:00:00-04:00", k % 10),
            from,
            number,
        ));
    }
    let (one, _) = run("many.jsonl", &lines, &["--threads", "1"]);
    for extra in [
        &["--threads", "2"][..],
        &["--no-memo"],
        &["--threads", "2", "--trace"],
    ] {
        let (other, _) = run("many.jsonl", &lines, extra);
        for (id, v) in &one {
            let mut w = other[id].clone();
            w.as_object_mut().unwrap().remove("trace");
            assert_eq!(v, &w, "{extra:?}: {id}");
        }
    }
    // After July 2 10:00, a fax from Montrose to the new number is effective.
    assert_eq!(one["m3"]["clause"], "i");
    assert_eq!(one["o4"]["clause"], "not-designated-number");
}

#[test]
fn a_change_not_yet_deemed_given_changes_nothing() {
    // Given by hand, upon actual receipt, and not yet received.
    let pending = CHANGE.replace(
        r#""received":"2001-07-02T10:00:00-04:00""#,
        r#""sent":"2001-07-02T10:00:00-04:00""#,
    );
    let lines = vec![
        pending,
        fax(
            "later-old",
            "2001-07-03T10:00:00-04:00",
            Some("montrose"),
            OLD,
        ),
    ];
    let (r, _) = run("pending.jsonl", &lines, &[]);
    assert_eq!(r["change"]["status"], "pending");
    assert!(
        r["change"]["warnings"]
            .to_string()
            .contains("not yet deemed given: it designates nothing yet")
    );
    assert_eq!(r["later-old"]["clause"], "i");
}

#[test]
fn changes_from_an_addresses_file_or_standard_input() {
    let addresses = crate::temp_file("changes", "addresses.jsonl", &(CHANGE.to_string() + "\n"));
    let after = fax(
        "after-new",
        "2001-07-02T10:00:00-04:00",
        Some("montrose"),
        NEW,
    );
    let (r, _) = run(
        "after.jsonl",
        std::slice::from_ref(&after),
        &["--addresses", &addresses],
    );
    assert_eq!(r["after-new"]["clause"], "i");
    // From standard input, a change is read ahead as from a file (the input is held in a
    // temporary file first): the same log gives the same answers however it arrives, with
    // the notice of change before or after the notice it concerns.
    let input = format!("{after}\n{CHANGE}\n");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_deemed"))
        .arg("batch")
        .env_remove("DEEMED_RULES")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(input.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["clause"], "i", "{out}");
    assert!(
        lines[1]["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("designates facsimile number(s)"),
        "{out}"
    );
    let from_file = crate::temp_file("changes", "stdin-same.jsonl", &input);
    let file_out = std::process::Command::new(env!("CARGO_BIN_EXE_deemed"))
        .args(["batch", &from_file])
        .env_remove("DEEMED_RULES")
        .output()
        .unwrap();
    let file_out = String::from_utf8(file_out.stdout).unwrap();
    assert_eq!(
        file_out.replace(&format!("{from_file}:"), "-:"),
        out,
        "a file and standard input give the same bytes"
    );
}

#[test]
fn a_malformed_change_is_an_error_on_its_field() {
    let bad = CHANGE.replace(r#""fax":["(949) 555-0100"]"#, r#""fax":["n/a"]"#);
    let odd = CHANGE.replace(r#""party":"company""#, r#""party":"nobody""#);
    let (r, _) = run(
        "bad.jsonl",
        &[bad, odd.replace("\"id\":\"change\"", "\"id\":\"odd\"")],
        &[],
    );
    assert_eq!(r["change"]["error"]["field"], "changes.fax");
    assert!(
        r["odd"]["warnings"]
            .to_string()
            .contains("which the agreement does not name")
    );
}

#[test]
fn diff_reads_notices_of_change_ahead_under_each_side() {
    // Under the new rules a notice by hand takes effect the Business Day after its
    // receipt: the change to the new number holds from Tuesday, not Monday 10:00.
    let spa = std::fs::read_to_string("rules/spa-2000-02-25.rules").unwrap();
    let later = spa.replacen(
        "      when method other-than (i, ii, iii)\n      => upon receipt",
        "      when method other-than (i, ii, iii)\n      => next business-day after received",
        1,
    );
    assert_ne!(later, spa);
    let new = crate::temp_file("changes", "later.rules", &later);
    let monday = fax(
        "monday-new",
        "2001-07-02T11:00:00-04:00",
        Some("montrose"),
        NEW,
    );
    let log = crate::temp_file("changes", "diff.jsonl", &format!("{monday}\n{CHANGE}\n"));
    let (out, err, code) = deemed(&["diff", "rules/spa-2000-02-25.rules", &new, "--events", &log]);
    assert_eq!(code, 1, "{err}");
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert!(
        rows[0].contains("\"monday-new\"") && rows[0].contains("2001-07-02 i effective"),
        "{out}"
    );
    assert!(rows[0].contains("not-designated-number gap"), "{out}");
    assert!(
        rows[1].contains("\"change\"") && rows[1].contains("2001-07-03"),
        "{out}"
    );
}

/// when-effective --addresses answers each notice as the batch does.
#[test]
fn when_effective_with_the_changes_answers_as_the_batch() {
    // The change given apart, so that both name it by the same file and line.
    let lines: Vec<String> = the_log()
        .into_iter()
        .filter(|l| !l.contains("\"changes\""))
        .collect();
    let addresses = crate::temp_file(
        "changes",
        "parity-addresses.jsonl",
        &(CHANGE.to_string() + "\n"),
    );
    let (batch, _) = run("parity.jsonl", &lines, &["--addresses", &addresses]);
    for line in &lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let mut args = vec![
            "when-effective",
            "--method",
            "fax",
            "--format",
            "json",
            "--addresses",
            &addresses,
        ];
        let flags = [
            ("sent", "--sent"),
            ("to", "--to"),
            ("from", "--from"),
            ("fax_number", "--fax-number"),
        ];
        for (key, flag) in flags {
            if let Some(value) = v[key].as_str() {
                args.extend([flag, value]);
            }
        }
        let (out, err, code) = deemed(&args);
        assert_eq!(code, 0, "{err}");
        let cli: serde_json::Value = serde_json::from_str(&out).unwrap();
        let id = v["id"].as_str().unwrap();
        let b = &batch[id];
        for key in [
            "deemed_date",
            "effective_at",
            "clause",
            "status",
            "warnings",
        ] {
            assert_eq!(cli[key], b[key], "{id}: {key}");
        }
    }
}
