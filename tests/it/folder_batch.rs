//! A log over a folder of agreements: each record on its own agreement's rules, the same
//! answer as a run on that agreement alone, whatever the threads, the memo or the format.

use crate::deemed;

/// The shipped agreements, each with its corpus: `(name, lines)`, each line's id prefixed
/// with the agreement's name so that ids stay distinct across the folder.
fn corpora() -> Vec<(String, Vec<String>)> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir("tests/corpus").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let lines = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.replacen("{\"id\":\"", &format!("{{\"id\":\"{name}/"), 1))
            .collect();
        all.push((name, lines));
    }
    all.sort();
    all
}

/// The lines of every corpus, interleaved, each naming its agreement; and for each output
/// line, which agreement and which line of its own corpus it is.
fn mixed() -> (String, Vec<(usize, usize)>) {
    let corpora = corpora();
    let longest = corpora.iter().map(|(_, l)| l.len()).max().unwrap();
    let (mut log, mut origin) = (String::new(), Vec::new());
    for k in 0..longest {
        for (a, (name, lines)) in corpora.iter().enumerate() {
            if let Some(line) = lines.get(k) {
                let named = line.replacen('{', &format!("{{\"agreement\":\"{name}\","), 1);
                log.push_str(&named);
                log.push('\n');
                origin.push((a, k));
            }
        }
    }
    (log, origin)
}

fn without(mut v: serde_json::Value, keys: &[&str]) -> serde_json::Value {
    for k in keys {
        v.as_object_mut().unwrap().remove(*k);
    }
    if let Some(e) = v["error"].as_object_mut() {
        e.remove("line");
    }
    v
}

#[test]
fn each_record_is_answered_as_its_agreement_alone_answers_it() {
    let corpora = corpora();
    let (log, origin) = mixed();
    let path = crate::temp_file("folder-batch", "mixed.jsonl", &log);
    // Each agreement alone, on its own corpus.
    let alone: Vec<Vec<serde_json::Value>> = corpora
        .iter()
        .map(|(name, lines)| {
            let own = crate::temp_file(
                "folder-batch",
                &format!("{name}.jsonl"),
                &(lines.join("\n") + "\n"),
            );
            let rules = format!("rules/{name}.rules");
            let (out, _, _) = deemed(&[
                "batch",
                "--rules",
                &rules,
                &own,
                "--trace",
                "--threads",
                "1",
            ]);
            out.lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        })
        .collect();
    for extra in [
        &["--threads", "1"][..],
        &["--threads", "2"],
        &["--threads", "1", "--no-memo"],
        &["--threads", "2", "--trace"],
    ] {
        let mut args = vec!["batch", "--rules", "rules", &path];
        args.extend(extra);
        let (out, err, _) = deemed(&args);
        let records: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(records.len(), origin.len(), "{extra:?}: {err}");
        let traced = extra.contains(&"--trace");
        for (record, (a, k)) in records.iter().zip(&origin) {
            assert_eq!(record["agreement"], corpora[*a].0.as_str(), "{extra:?}");
            let mut expected = alone[*a][*k].clone();
            if !traced {
                expected.as_object_mut().unwrap().remove("trace");
            }
            assert_eq!(
                without(record.clone(), &["line", "agreement"]),
                without(expected, &["line"]),
                "{extra:?}: line {} of {}",
                k + 1,
                corpora[*a].0
            );
        }
        // The summary counts each agreement's records.
        for (name, lines) in &corpora {
            assert!(
                err.contains(&format!("{name} {}", lines.len())),
                "{extra:?}: {err}"
            );
        }
    }
}

/// The golden corpus of the folder: every shipped agreement's notices in one log.
#[test]
fn the_folder_corpus() {
    let (log, _) = mixed();
    let path = crate::temp_file("folder-batch", "golden.jsonl", &log);
    let (out, err, _) = deemed(&["batch", "--rules", "rules", &path]);
    insta::assert_snapshot!(out);
    insta::assert_snapshot!(err.replace(&path, "mixed.jsonl"));
}

#[test]
fn a_record_without_its_agreement_is_an_error_that_names_them() {
    let log = crate::temp_file(
        "folder-batch",
        "unnamed.jsonl",
        "{\"id\":\"a\",\"method\":\"fax\",\"sent\":\"2000-03-03T10:00:00-05:00\"}\n{\"id\":\"b\",\"agreement\":\"spa\",\"method\":\"fax\",\"sent\":\"2000-03-03T10:00:00-05:00\"}\nmethod,sent\n",
    );
    let (out, _, code) = deemed(&["batch", "--rules", "rules", &log]);
    assert_eq!(code, 1);
    let v: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(v[0]["error"]["field"], "agreement");
    assert!(
        v[0]["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("missing: `rules` holds 6 agreements")
    );
    assert!(
        v[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `spa-2000-02-25`?")
    );
    // A line that is no record names no agreement.
    assert_eq!(v[2]["agreement"], serde_json::Value::Null);
    // With --agreement, every record is under that one and the field is not written.
    let (out, _, _) = deemed(&[
        "batch",
        "--rules",
        "rules",
        "--agreement",
        "spa-2000-02-25",
        &log,
    ]);
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["clause"], "i");
    assert!(first.get("agreement").is_none());
}

#[test]
fn csv_logs_name_their_agreement_in_a_column() {
    let log = crate::temp_file(
        "folder-batch",
        "mixed.csv",
        "id,agreement,method,sent,received\na,spa-2000-02-25,courier,2000-03-03T10:00:00-05:00,\nb,cetalon-put-notice,email,,2024-03-04T11:00:00-08:00\n",
    );
    let (out, _, code) = deemed(&["batch", "--rules", "rules", &log, "--output-format", "csv"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(out, @r"
    id,line,agreement,deemed_date,effective_at,clause,status,warnings,error
    a,2,spa-2000-02-25,2000-03-06,2000-03-06T00:00:00-05:00,iii,effective,,
    b,3,cetalon-put-notice,2024-03-04,2024-03-04T11:00:00-08:00,i,effective,,
    ");
}

/// Agreements the same but for their names share one memo, and agreements of forms whose
/// dates read the same share what their memos learn of dates: answers stay each
/// agreement's own, record by record, the memo on or off, and so do the counts.
#[test]
fn agreements_of_one_form_answer_as_each_alone() {
    let spa = std::fs::read_to_string("rules/spa-2000-02-25.rules").unwrap();
    let dir = crate::temp_dir("one-form");
    let forms = [
        ("a", spa.clone()),
        ("b", spa.clone()),
        // Named by its `id`: the same form as `a` and `b`.
        (
            "e",
            spa.replacen("  dated 2000-02-25\n", "  id e\n  dated 2000-02-25\n", 1),
        ),
        // Another number designated: another form, whose dates read the same.
        ("f", spa.replace("(949) 788-6706", "(949) 788-6707")),
        (
            "c",
            spa.replace("calendar us-ny-banking", "calendar us-federal-observed"),
        ),
        (
            "d",
            spa.replace(
                "    fax \"(949) 788-6706\"\n",
                "    fax \"(949) 788-6706\"\n    time-zone \"America/Los_Angeles\"\n",
            ),
        ),
    ];
    answers_as_each_alone("one-form", &dir, &forms);
    // A notice to the number only `f` designates is a gap elsewhere, and not under `f`.
    let other = r#"{"method":"fax","sent":"2000-03-03T10:00:00-05:00","to":"company","fax_number":"(949) 788-6707"}"#;
    assert_eq!(
        field_under_each(&dir, other, &["a", "f", "e"], "clause"),
        [
            r#""not-designated-number""#,
            r#""i""#,
            r#""not-designated-number""#
        ]
    );
}

/// A record's `field` when `notice` is given under each of `agreements` of the folder.
fn field_under_each(
    dir: &std::path::Path,
    notice: &str,
    agreements: &[&str],
    field: &str,
) -> Vec<String> {
    let log: String = (agreements.iter())
        .map(|n| notice.replacen('{', &format!("{{\"agreement\":\"{n}\","), 1) + "\n")
        .collect();
    let path = crate::temp_file("under-each", "log.jsonl", &log);
    let (out, _, _) = deemed(&["batch", "--rules", dir.to_str().unwrap(), &path]);
    (out.lines())
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()[field].to_string())
        .collect()
}

/// Agreements whose clauses differ but in their times of day are forms of their own that
/// share one table of dates (a date's entry holds no time of day): answers stay each
/// agreement's own, record by record, the memo on or off, and so do the counts.
#[test]
fn agreements_of_other_cut_offs_answer_as_each_alone() {
    let spa = std::fs::read_to_string("rules/spa-2000-02-25.rules").unwrap();
    let dir = crate::temp_dir("cut-offs");
    let forms = [
        ("a", spa.clone()),
        ("g", spa.replace(" 20:00:00", " 19:30:00")),
        ("h", spa.replace(" 20:00:00", " 20:30:00")),
    ];
    answers_as_each_alone("cut-offs", &dir, &forms);
    // Sent at 20:15 on a Friday: later than the cut-offs of `a` (20:00) and `g` (19:30), so
    // by (ii) on the next Business Day; before that of `h` (20:30), so by (i) that day.
    let sent = r#"{"method":"fax","sent":"2000-03-03T20:15:00-05:00","to":"company","fax_number":"(949) 788-6706"}"#;
    assert_eq!(
        field_under_each(&dir, sent, &["a", "g", "h"], "deemed_date"),
        [r#""2000-03-06""#, r#""2000-03-06""#, r#""2000-03-03""#]
    );
}

/// Writes `forms` into `dir` as a folder, runs the shipped §4.2 corpus three times over,
/// each record naming each agreement in turn, and holds every record and every count of
/// the folder's run to the same records' run under each agreement alone, and the run to
/// itself without the memo.
fn answers_as_each_alone(group: &str, dir: &std::path::Path, forms: &[(&str, String)]) {
    for (name, text) in forms {
        std::fs::write(dir.join(format!("{name}.rules")), text).unwrap();
    }
    let corpus = std::fs::read_to_string("tests/corpus/spa-2000-02-25.jsonl").unwrap();
    let lines: Vec<&str> = corpus.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut log = String::new();
    for round in 0..3 {
        for line in &lines {
            for (name, _) in forms {
                let named = line.replacen(
                    "{\"id\":\"",
                    &format!("{{\"agreement\":\"{name}\",\"id\":\"{name}{round}/"),
                    1,
                );
                log.push_str(&named);
                log.push('\n');
            }
        }
    }
    let path = crate::temp_file(group, "log.jsonl", &log);
    let folder = dir.to_str().unwrap();
    let (all, _, _) = deemed(&["batch", "--rules", folder, &path, "--threads", "1"]);
    let (no_memo, _, _) = deemed(&[
        "batch",
        "--rules",
        folder,
        &path,
        "--threads",
        "1",
        "--no-memo",
    ]);
    assert_eq!(all, no_memo);
    // The counts are each agreement's own: per clause, as each run alone counts them.
    let (_, summary, _) = deemed(&["batch", "--rules", folder, &path, "--threads", "1"]);
    let counts = |summary: &str| -> Vec<(String, u64)> {
        let line = summary
            .lines()
            .find(|l| l.starts_with("by clause: "))
            .unwrap();
        (line["by clause: ".len()..].split(", "))
            .map(|c| {
                let (clause, n) = c.rsplit_once(' ').unwrap();
                (clause.to_string(), n.parse().unwrap())
            })
            .collect()
    };
    let all_counts = counts(&summary);
    for (name, _) in forms {
        let own: String = log
            .lines()
            .filter(|l| l.starts_with(&format!("{{\"agreement\":\"{name}\"")))
            .map(|l| format!("{l}\n"))
            .collect();
        let own_path = crate::temp_file(group, &format!("{name}.jsonl"), &own);
        let rules = dir.join(format!("{name}.rules"));
        let (alone, own_summary, _) = deemed(&[
            "batch",
            "--rules",
            rules.to_str().unwrap(),
            &own_path,
            "--threads",
            "1",
        ]);
        let mine: Vec<serde_json::Value> = all
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|v| v["agreement"] == *name)
            .map(|v| without(v, &["line", "agreement"]))
            .collect();
        let theirs: Vec<serde_json::Value> = alone
            .lines()
            .map(|l| without(serde_json::from_str(l).unwrap(), &["line"]))
            .collect();
        assert_eq!(mine, theirs, "{name}");
        let prefix = format!("{name}:");
        let mine: Vec<(String, u64)> = (all_counts.iter())
            .filter_map(|(c, n)| Some((c.strip_prefix(&prefix)?.to_string(), *n)))
            .collect();
        assert_eq!(mine, counts(&own_summary), "{name}");
        assert!(
            summary.contains(&format!("{name} {}", 3 * lines.len())),
            "{summary}"
        );
    }
}

/// A record that names no agreement and one that names the empty one are each told so,
/// however often and in whichever order they come.
#[test]
fn a_missing_agreement_and_an_empty_name_are_each_worded() {
    let notice = r#""id":"n","method":"fax","sent":"2024-07-03T10:00:00-04:00"}"#;
    let (missing, empty) = (
        format!("{{{notice}"),
        format!("{{\"agreement\":\"\",{notice}"),
    );
    let log = [&missing, &empty, &missing, &empty, &empty, &missing].map(|l| format!("{l}\n"));
    let path = crate::temp_file("missing-or-empty", "log.jsonl", &log.concat());
    for threads in ["1", "2"] {
        let (out, _, _) = deemed(&["batch", "--rules", "rules", &path, "--threads", threads]);
        let messages: Vec<String> = (out.lines())
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .map(|v| v["error"]["message"].as_str().unwrap().to_string())
            .collect();
        let kinds: Vec<bool> = messages
            .iter()
            .map(|m| m.starts_with("missing: "))
            .collect();
        assert_eq!(
            kinds,
            [true, false, true, false, false, true],
            "{messages:?}"
        );
        for m in messages.iter().filter(|m| !m.starts_with("missing: ")) {
            assert!(m.starts_with("unknown agreement ``"), "{m}");
        }
    }
}
