//! `deemed batch` over fixture logs and hostile input, run as the real binary.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::deemed;

/// Runs `deemed batch` with `input` on standard input.
fn batch(args: &[&str], input: &[u8]) -> (String, String, i32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_deemed"))
        .env_remove("DEEMED_RULES")
        .arg("batch")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

fn records(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_fixture_log() {
    let (stdout, stderr, code) = deemed(&["batch", "tests/fixtures/notices.jsonl"]);
    assert_eq!(code, 1, "{stderr}");
    let input_lines = include_str!("../fixtures/notices.jsonl").lines().count();
    assert_eq!(stdout.lines().count(), input_lines);
    for (n, r) in records(&stdout).iter().enumerate() {
        assert_eq!(r["line"], n + 1);
        assert_eq!(r["error"].is_null(), r["status"] != "error", "{r}");
    }
    insta::assert_snapshot!("batch_output", stdout);
    insta::assert_snapshot!("batch_summary", stderr);
    // One thread, and several, write the same records and summary.
    for threads in ["1", "3"] {
        let again = deemed(&[
            "batch",
            "tests/fixtures/notices.jsonl",
            "--threads",
            threads,
        ]);
        assert_eq!(
            again,
            (stdout.clone(), stderr.clone(), code),
            "--threads {threads}"
        );
    }
}

#[test]
fn csv_in_and_out() {
    let input = "id,method,sent,to,fax_number,received\n\
                 a,fax,2000-03-03T21:15:00-05:00,company,\"(949) 788-6706\",\n\
                 \"b, quoted\",hand,2000-03-03T10:00:00-05:00,company,,2000-03-03T11:00:00-05:00\n\
                 c,fax,not a time,company,,\n";
    let (stdout, stderr, code) = batch(
        &["--input-format", "csv", "--output-format", "csv"],
        input.as_bytes(),
    );
    assert_eq!(code, 1, "{stderr}");
    insta::assert_snapshot!(stdout, @r#"
    id,line,deemed_date,effective_at,clause,status,warnings,error
    a,2,2000-03-06,2000-03-06T00:00:00-05:00,ii,effective,,
    "b, quoted",3,2000-03-03,2000-03-03T11:00:00-05:00,iv,effective,,
    c,4,,,,error,,"field `sent`: `not a time` is not a time (write a time such as `2000-03-03T21:15:00-05:00`, `2000-03-03 21:15`, `2000-03-03 9:15 pm`, `20000303T211500Z` or `now`; without an offset it is read in the agreement's time zone)"
    "#);
    let (_, stderr, code) = batch(&["--input-format", "csv"], b"id,when\n1,2\n");
    assert_eq!(code, 2);
    assert!(
        stderr.contains("has no column `method`, `sent`"),
        "{stderr}"
    );
}

#[test]
fn hostile_input_gets_one_record_per_line() {
    let good = br#"{"id":1,"method":"courier","sent":"2000-03-03T10:00:00-05:00"}"#;
    let mut input = Vec::new();
    input.extend_from_slice(b"\xEF\xBB\xBF");
    input.extend_from_slice(good);
    input.extend_from_slice(b"\r\n");
    input.extend_from_slice(b"{\"id\":2,\"method\":\"fax\",\"sent\":\"\xFF\xFE\"}\n");
    input.extend_from_slice(b"\n");
    input.extend_from_slice(b"   \r\n");
    // A line of 10 MB.
    input.extend_from_slice(b"{\"id\":5,\"method\":\"");
    input.extend(std::iter::repeat_n(b'x', 10 << 20));
    input.extend_from_slice(b"\"}\n");
    input.extend_from_slice(br#"{"id":6,"method":"fax","sent":"2000-03-0"#);
    input.extend_from_slice(b"\n");
    input.extend_from_slice(
        br#"{"id":7,"method":"courier","sent":"2000-03-03T10:00:00-05:00","to":7}"#,
    );
    input.extend_from_slice(b"\n");
    input.extend_from_slice(br#"{"id":8,"method":null,"sent":"2000-03-03T10:00:00-05:00"}"#);
    input.extend_from_slice(b"\n");
    input.extend_from_slice(good);
    // The last line has no newline.
    let (stdout, stderr, code) = batch(&[], &input);
    for threads in ["1", "3"] {
        let again = batch(&["--threads", threads], &input);
        assert_eq!(
            again,
            (stdout.clone(), stderr.clone(), code),
            "--threads {threads}"
        );
    }
    assert_eq!(code, 1);
    let out = records(&stdout);
    assert_eq!(out.len(), 9, "{stdout}");
    let summary: Vec<String> = out
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["line"],
                r["status"],
                if r["error"].is_null() {
                    r["warnings"].to_string()
                } else {
                    r["error"].to_string()
                }
            )
        })
        .collect();
    insta::assert_snapshot!(summary.join("\n"), @r#"
    1 "effective" []
    2 "error" {"column":32,"line":2,"message":"invalid UTF-8: the input must be UTF-8 text"}
    3 "error" {"line":3,"message":"blank line: expected a record"}
    4 "error" {"line":4,"message":"blank line: expected a record"}
    5 "error" {"line":5,"message":"the line is longer than 1048576 bytes"}
    6 "error" {"column":40,"line":6,"message":"invalid JSON: EOF while parsing a string"}
    7 "error" {"field":"to","line":7,"message":"expected a string, found a number `7`"}
    8 "error" {"field":"method","line":8,"message":"missing"}
    9 "effective" ["duplicate id 1: first seen on line 1"]
    "#);
    assert!(stderr.contains("records read: 9"), "{stderr}");
}

#[test]
fn trace_on_request() {
    let input = br#"{"id":"t","method":"fax","sent":"2000-03-03T21:15:00-05:00","to":"company","fax_number":"(949) 788-6706"}"#;
    let (stdout, _, code) = batch(&["--trace"], input);
    assert_eq!(code, 0);
    let r = &records(&stdout)[0];
    let steps = r["trace"].as_array().unwrap();
    assert_eq!(steps[0]["step"], "event");
    assert!(
        steps
            .iter()
            .any(|s| s["label"] == "ii" && s["applied"] == true)
    );
    let (stdout, _, _) = batch(&[], input);
    assert!(records(&stdout)[0].get("trace").is_none());
}

#[test]
fn exit_codes() {
    let good = br#"{"id":1,"method":"courier","sent":"2000-03-03T10:00:00-05:00"}"#;
    assert_eq!(batch(&[], good).2, 0);
    assert_eq!(batch(&["no/such/file.jsonl"], good).2, 2);
    assert_eq!(batch(&["--rules", "no/such/file.rules"], good).2, 2);
    let (stdout, _, code) = batch(&[], b"");
    assert_eq!((stdout.as_str(), code), ("", 0));
}

/// A notice sent several ways: the record's `to`, `fax_number` and `received` hold for every
/// delivery that does not give its own; one that gives another is an error; a record lists
/// at most 64 deliveries.
#[test]
fn deliveries_take_the_records_own_fields() {
    let input = br#"{"id":"a","to":"strong-river","deliveries":[{"method":"fax","sent":"2000-03-03T10:00:00-05:00"},{"method":"courier","sent":"2000-03-03T10:00:00-05:00"}]}
{"id":"b","to":"company","fax_number":"(949) 788-6706","deliveries":[{"method":"fax","sent":"2000-03-03T10:00:00-05:00"}]}
{"id":"c","to":"company","deliveries":[{"method":"fax","sent":"2000-03-03T10:00:00-05:00","to":"montrose"}]}
{"id":"d","to":"company","deliveries":[{"method":"fax","sent":"2000-03-03T10:00:00-05:00","to":"company"}]}
"#;
    let (stdout, stderr, code) = batch(&[], input);
    assert_eq!(code, 1, "{stderr}");
    let r = records(&stdout);
    // Strong River has no designated number: the fax is not one under clause (i), and the
    // courier decides.
    assert_eq!(r[0]["clause"], "iii", "{}", r[0]);
    assert_eq!(r[1]["clause"], "i", "{}", r[1]);
    assert_eq!(r[2]["status"], "error");
    assert_eq!(r[2]["error"]["field"], "deliveries[0].to");
    assert!(
        r[2]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("contradicts")
    );
    assert_eq!(r[3]["clause"], "i", "{}", r[3]);
    let many: Vec<String> = (0..65)
        .map(|_| r#"{"method":"courier","sent":"2000-03-03T10:00:00-05:00"}"#.to_string())
        .collect();
    let line = format!("{{\"deliveries\":[{}]}}\n", many.join(","));
    let (stdout, _, _) = batch(&["--trace"], line.as_bytes());
    let r = records(&stdout);
    assert_eq!(r[0]["error"]["field"], "deliveries");
    assert!(
        r[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 64"),
        "{}",
        r[0]
    );
}

/// Every output line parses with a strict parser, whatever the id: a lone surrogate or a
/// deep array is an error record whose id is a safe string; ids compare by their value.
#[test]
fn ids_are_strict_json_and_compare_by_value() {
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let input = format!(
        r#"{{"id":"a","method":"courier","sent":"2000-03-03T10:00:00-05:00"}}
{{"id":"\u0061","method":"courier","sent":"2000-03-03T10:00:00-05:00"}}
{{"id":"\ud800","method":"courier","sent":"2000-03-03T10:00:00-05:00"}}
{{"id":{deep},"method":"courier","sent":"2000-03-03T10:00:00-05:00"}}
{{"id":7,"method":"courier","sent":"2000-03-03T10:00:00-05:00"}}
"#
    );
    let (stdout, _, code) = batch(&[], input.as_bytes());
    assert_eq!(code, 1);
    let r = records(&stdout);
    assert_eq!(r.len(), 5);
    assert!(
        r[1]["warnings"][0]
            .as_str()
            .unwrap()
            .contains("first seen on line 1"),
        "{}",
        r[1]
    );
    for (n, what) in [(2, "lone surrogate"), (3, "an array")] {
        assert_eq!(r[n]["status"], "error");
        assert_eq!(r[n]["error"]["field"], "id");
        assert!(
            r[n]["error"]["message"].as_str().unwrap().contains(what),
            "{}",
            r[n]
        );
        assert!(r[n]["id"].is_string(), "{}", r[n]);
    }
    assert_eq!(r[4]["id"], 7);
}

/// Control characters from a log never reach the terminal raw: the summary and messages
/// show their escapes.
#[test]
fn control_characters_are_shown_escaped() {
    let input = b"{\"method\":\"\\u001b[31mred\",\"sent\":\"2000-03-03T10:00:00-05:00\"}\n";
    let (_, stderr, code) = batch(&[], input);
    assert_eq!(code, 1);
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    assert!(
        stderr.contains("unknown method `\\u{1b}[31mred`"),
        "{stderr}"
    );
}

/// Messages say what is there: a line that is not JSON, a receipt outside the calendar, and
/// a line of exactly 1 MiB counted the same with LF and CRLF.
#[test]
fn messages_say_what_is_there() {
    let input = b"hello world\n42\n{\"method\":\"hand\",\"sent\":\"2100-12-30T10:00:00-05:00\",\"received\":\"2101-01-02T10:00:00-05:00\"}\n";
    let (stdout, _, _) = batch(&[], input);
    let r = records(&stdout);
    assert!(
        r[0]["error"]["message"]
            .as_str()
            .unwrap()
            .ends_with("found text that is not JSON")
    );
    assert!(
        r[1]["error"]["message"]
            .as_str()
            .unwrap()
            .ends_with("found a number")
    );
    assert_eq!(r[2]["error"]["field"], "received", "{}", r[2]);
    for end in ["\n", "\r\n"] {
        let mut line = vec![b' '; deemed::batch::MAX_LINE - 1];
        line.insert(0, b'{');
        line.pop();
        line.push(b'}');
        assert_eq!(line.len(), deemed::batch::MAX_LINE);
        line.extend_from_slice(end.as_bytes());
        let (stdout, _, _) = batch(&[], &line);
        let r = records(&stdout);
        let message = r[0]["error"]["message"].as_str().unwrap();
        assert!(!message.contains("longer than"), "{end:?}: {message}");
    }
}

/// Across several inputs, a repeated id's warning names the input it was first seen in.
#[test]
fn a_duplicate_across_inputs_names_the_first_input() {
    let dir = std::env::temp_dir().join(format!("deemed-dup-inputs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b) = (dir.join("a.jsonl"), dir.join("b.jsonl"));
    let line = |id: &str| {
        format!(r#"{{"id":"{id}","method":"courier","sent":"2000-03-03T10:00:00-05:00"}}"#)
    };
    std::fs::write(&a, format!("{}\n{}\n", line("x"), line("y"))).unwrap();
    std::fs::write(&b, format!("{}\n{}\n{}\n", line("z"), line("y"), line("z"))).unwrap();
    for threads in ["1", "2"] {
        let (stdout, _, _) = crate::deemed(&[
            "batch",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--threads",
            threads,
        ]);
        let r = records(&stdout);
        let warning = |n: usize| r[n]["warnings"][0].as_str().unwrap_or("").to_string();
        assert_eq!(
            warning(3),
            format!(
                "duplicate id \"y\": first seen on line 2 of `{}`",
                a.display()
            )
        );
        assert_eq!(warning(4), "duplicate id \"z\": first seen on line 1");
    }
}

/// CSV as office programs write it: headers in another case and with spaces, CR-only line
/// ends, a quoted field holding a line break, semicolons (found, with a note, or given);
/// a column named twice and an empty file are errors; `.csv` says the format.
#[test]
fn csv_as_office_programs_write_it() {
    let dir = std::env::temp_dir().join(format!("deemed-csv-office-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let cr = write(
        "cr.csv",
        "Id, Method ,SENT,to\r1,courier,2000-03-03T10:00:00-05:00,company\r2,\"a note\non two lines\",2000-03-03T10:00:00-05:00,company\r3,courier,2000-12-22T15:00:00-05:00,\r",
    );
    let (stdout, stderr, code) = crate::deemed(&["batch", &cr]);
    assert_eq!(code, 1, "{stderr}");
    let r = records(&stdout);
    assert_eq!(r.len(), 3, "{stdout}");
    assert_eq!(
        (r[0]["id"].as_str(), r[0]["line"].as_u64()),
        (Some("1"), Some(2))
    );
    assert_eq!(r[0]["clause"], "iii");
    assert_eq!(r[1]["error"]["field"], "method");
    assert_eq!(
        (r[2]["line"].as_u64(), r[2]["deemed_date"].as_str()),
        (Some(4), Some("2000-12-26"))
    );
    let semi = write(
        "semi.csv",
        "id;method;sent\n1;courier;2000-03-03T10:00:00-05:00\n",
    );
    let (stdout, stderr, code) = crate::deemed(&["batch", &semi]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("separated by semicolons"), "{stderr}");
    assert_eq!(records(&stdout)[0]["clause"], "iii");
    let tabs = write(
        "tabs.txt",
        "id\tmethod\tsent\n1\tcourier\t2000-03-03T10:00:00-05:00\n",
    );
    let (stdout, _, code) = crate::deemed(&[
        "batch",
        &tabs,
        "--input-format",
        "csv",
        "--delimiter",
        "tab",
    ]);
    assert_eq!(code, 0);
    assert_eq!(records(&stdout)[0]["clause"], "iii");
    let twice = write("twice.csv", "id,method,Method,sent\n");
    let (_, stderr, code) = crate::deemed(&["batch", &twice]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("names the column `Method` twice"),
        "{stderr}"
    );
    let empty = write("empty.csv", "");
    let (_, stderr, code) = crate::deemed(&["batch", &empty]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is empty"), "{stderr}");
}

/// CSV output: a cell a spreadsheet would run as a formula is written after a `'`, unless
/// `--keep-formulas`.
#[test]
fn csv_output_neutralises_formulas_unless_asked_to_keep_them() {
    let log = crate::temp_file(
        "batch",
        "formulas.jsonl",
        concat!(
            r#"{"id":"=HYPERLINK(\"http://x\")","method":"hand","received":"2000-03-06T10:00:00-05:00","to":"company"}"#,
            "\n",
            r#"{"id":"@SUM(A1)","method":"telex","received":"2000-03-06T10:00:00-05:00"}"#,
            "\n",
        ),
    );
    let (out, _, _) = deemed(&["batch", &log, "--output-format", "csv"]);
    let rows: Vec<&str> = out.lines().collect();
    assert!(
        rows[1].starts_with(r#""'=HYPERLINK(""http://x"")",1,"#),
        "{out}"
    );
    assert!(rows[2].starts_with("'@SUM(A1),2,"), "{out}");
    let (raw, _, _) = deemed(&["batch", &log, "--output-format", "csv", "--keep-formulas"]);
    let rows: Vec<&str> = raw.lines().collect();
    assert!(
        rows[1].starts_with(r#""=HYPERLINK(""http://x"")",1,"#),
        "{raw}"
    );
    assert!(rows[2].starts_with("@SUM(A1),2,"), "{raw}");
}

/// A CSV quote never closed is an error at the line where it opens, saying how many lines
/// it took in.
#[test]
fn an_unterminated_csv_quote_is_an_error_where_it_opens() {
    let mut rows = vec![
        "id,method,sent,to".to_string(),
        "a,fax,2000-03-03T12:00:00-05:00,company".to_string(),
        "\"b,fax,2000-03-03T12:00:00-05:00,company".to_string(),
    ];
    rows.extend((0..1000).map(|i| format!("n{i},fax,2000-03-03T12:00:00-05:00,company")));
    let log = crate::temp_file("batch", "quote.csv", &(rows.join("\n") + "\n"));
    let (out, err, code) = deemed(&["batch", &log]);
    assert_eq!(code, 1);
    let records: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1]["line"], 3);
    let message = records[1]["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("invalid CSV: a quoted field opens on this line and is never closed, so the 1000 line(s) after it were read into it"),
        "{message}"
    );
    assert!(
        err.contains(":3: invalid CSV: a quoted field opens"),
        "{err}"
    );
}
