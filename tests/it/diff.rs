//! `deemed diff`: what a rule change changes in a log.

use crate::deemed;

/// The reference rules with the 8:00 p.m. cut-off moved to 6:00 p.m. everywhere it stands.
fn six_pm_rules() -> String {
    let text = deemed::DEFAULT_RULES
        .1
        .replace("before 20:00:00", "before 18:00:00")
        .replace("after 20:00:00", "after 18:00:00")
        .replace("at 20:00:00", "at 18:00:00");
    let dir = std::env::temp_dir().join(format!("deemed-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("six-pm.rules");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn moving_the_cut_off_lists_exactly_the_affected_notices() {
    let new = six_pm_rules();
    let (stdout, stderr, code) = deemed(&[
        "diff",
        "rules/spa-2000-02-25.rules",
        &new,
        "--events",
        "tests/fixtures/notices.jsonl",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    insta::assert_snapshot!(stdout, @r#"
    {"id":"clause-i","line":1,"new":{"clause":"ii","deemed_date":"2000-03-06","effective_at":"2000-03-06T00:00:00-05:00","error":null,"status":"effective"},"old":{"clause":"i","deemed_date":"2000-03-03","effective_at":"2000-03-03T19:59:59-05:00","error":null,"status":"effective"}}
    {"id":"gap-eight-pm","line":6,"new":{"clause":"ii","deemed_date":"2000-03-06","effective_at":"2000-03-06T00:00:00-05:00","error":null,"status":"effective"},"old":{"clause":"at-eight-pm","deemed_date":"2000-03-06","effective_at":"2000-03-06T00:00:00-05:00","error":null,"status":"gap"}}
    "#);
    assert!(stderr.starts_with("2 of 26 notices changed"), "{stderr}");
}

#[test]
fn a_generated_log_agrees_with_evaluating_both_rule_sets_one_by_one() {
    // Every hour of three days around a weekend, by fax to the Company.
    let mut log = String::new();
    for hour in 0..72 {
        let day = 3 + hour / 24;
        log.push_str(&format!(
            "{{\"id\":{hour},\"method\":\"fax\",\"sent\":\"2000-03-{day:02}T{:02}:00:00-05:00\",\"to\":\"company\",\"fax_number\":\"(949) 788-6706\"}}\n",
            hour % 24
        ));
    }
    let dir = std::env::temp_dir().join(format!("deemed-diff-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("log.jsonl");
    std::fs::write(&path, &log).unwrap();
    let new_path = six_pm_rules();
    let (stdout, _, code) = deemed(&[
        "diff",
        "rules/spa-2000-02-25.rules",
        &new_path,
        "--events",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let listed: Vec<u64> = stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["line"]
                .as_u64()
                .unwrap()
        })
        .collect();
    let old = deemed::Rules::default_rules().unwrap();
    let new = deemed::Rules::from_path(std::path::Path::new(&new_path)).unwrap();
    let expected: Vec<u64> = log
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let event = deemed::Event {
                method: "fax".into(),
                sent: Some(
                    chrono::DateTime::parse_from_rfc3339(v["sent"].as_str().unwrap()).unwrap(),
                ),
                received: None,
                to: Some("company".into()),
                from: None,
                fax_number: Some("(949) 788-6706".into()),
                companions: Vec::new(),
                designation: None,
            };
            let (a, b) = (old.evaluate(&event).unwrap(), new.evaluate(&event).unwrap());
            (a.deemed_date, a.clause, a.status) != (b.deemed_date, b.clause, b.status)
        })
        .map(|(n, _)| n as u64 + 1)
        .collect();
    assert_eq!(listed, expected);
    // Friday 6 and 7 p.m. (clause i becomes ii), 6 p.m. on each day (a new gap becomes
    // clause ii at 8 p.m.'s old place), and so on: some, not all.
    assert!(!listed.is_empty() && listed.len() < 72);
}

#[test]
fn no_change_exits_zero_and_bad_rules_exit_two() {
    let (stdout, stderr, code) = deemed(&[
        "diff",
        "rules/spa-2000-02-25.rules",
        "rules/spa-2000-02-25.rules",
        "--events",
        "tests/fixtures/notices.jsonl",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.lines().count(), 1, "only the header: {stdout}");
    assert!(stderr.starts_with("0 of 26 notices changed"));
    let (_, _, code) = deemed(&[
        "diff",
        "rules/spa-2000-02-25.rules",
        "no/such.rules",
        "--events",
        "tests/fixtures/notices.jsonl",
    ]);
    assert_eq!(code, 2);
}

/// `diff` reads CSV as `batch` does: a quoted field may take several lines, and a CR alone
/// ends a record; lines are numbered as the file numbers them.
#[test]
fn diff_reads_csv_records_as_batch_does() {
    let dir = std::env::temp_dir().join(format!("deemed-diff-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let new = deemed::DEFAULT_RULES.1.replace(
        "      when method courier\n      => next business-day",
        "      when method courier\n      => 2 business-days after sent",
    );
    let new_path = dir.join("new.rules");
    std::fs::write(&new_path, new).unwrap();
    let log = dir.join("log.csv");
    std::fs::write(
        &log,
        "id,method,sent\r1,\"a note\non two lines\",2000-03-03T10:00:00-05:00\r2,courier,2000-03-03T10:00:00-05:00\r",
    )
    .unwrap();
    let (stdout, stderr, code) = crate::deemed(&[
        "diff",
        "rules/spa-2000-02-25.rules",
        new_path.to_str().unwrap(),
        "--events",
        log.to_str().unwrap(),
        "--input-format",
        "csv",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("1 of 2 notices changed"), "{stderr}");
    let change: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(change["id"], "2");
    assert_eq!(change["line"], 3);
}
