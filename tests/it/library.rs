//! A folder of agreements: each by its file's name or its `id`, calendars shared, and the
//! commands that answer on one of them.

use deemed::{Library, LoadError};

use crate::deemed;

fn folder(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = crate::temp_dir("library").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

const AGREEMENT: &str = "agreement \"A\" {\n  time-zone \"America/New_York\"\n  calendar CAL\n  method fax \"facsimile\"\n  notice \"n\" earliest-of {\n    clause i \"words\"\n      when method fax, sent before 17:00:00 on business-day\n      => same-day\n    gap rest \"the rest\"\n      when method fax\n      => next business-day\n  }\n}\n";

fn agreement(calendar: &str) -> String {
    AGREEMENT.replace("CAL", calendar)
}

#[test]
fn the_shipped_folder_names_each_agreement_by_its_file() {
    let library = Library::from_path(std::path::Path::new("rules")).unwrap();
    assert_eq!(
        library.names(),
        [
            "cetalon-put-notice",
            "drawdown-notice-email",
            "example-pacific-notice",
            "facility-drawdown-deadline",
            "redwood-city-notice",
            "spa-2000-02-25",
        ]
    );
    assert!(
        library
            .calendar_files()
            .iter()
            .any(|f| f.ends_with("nyse.rules"))
    );
    // Each agreement's rules are those of its own file.
    let spa = library.get(Some("SPA-2000-02-25")).unwrap();
    assert!(spa.origin().ends_with("spa-2000-02-25.rules"));
    let e = library.get(None).unwrap_err();
    assert!(e.help().contains("`cetalon-put-notice`"), "{}", e.help());
    let e = library.get(Some("spa")).unwrap_err();
    assert!(
        e.help().starts_with("did you mean `spa-2000-02-25`?"),
        "{}",
        e.help()
    );
}

#[test]
fn an_id_names_the_agreement_and_calendars_are_shared() {
    let cal = "calendar office \"the office's days\" {\n  years 2000 through 2030\n  weekend saturday, sunday\n  closed 2024-07-05 \"a bridge day\"\n}\n";
    let dir = folder(
        "shared",
        &[
            (
                "one.rules",
                &agreement("office").replace("{\n  time-zone", "{\n  id first\n  time-zone"),
            ),
            ("two.rules", &agreement("us-ny-banking")),
            ("calendars/office.rules", cal),
        ],
    );
    let library = Library::from_path(&dir).unwrap();
    assert_eq!(library.names(), ["first", "two"]);
    // The office calendar closes Friday 2024-07-05: a fax that day before 5 p.m. is not on
    // a Business Day under `first`, and is under `two`.
    assert_eq!(deemed_on_july_5(&dir, "first"), "2024-07-08");
    assert_eq!(deemed_on_july_5(&dir, "two"), "2024-07-05");
}

/// The deemed date under an agreement of the folder of a fax sent Friday 2024-07-05 at
/// 10 a.m. New York time.
fn deemed_on_july_5(dir: &std::path::Path, agreement: &str) -> serde_json::Value {
    let (out, err, code) = deemed(&[
        "when-effective",
        "--rules",
        dir.to_str().unwrap(),
        "--agreement",
        agreement,
        "--method",
        "fax",
        "--sent",
        "2024-07-05T10:00:00-04:00",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<serde_json::Value>(&out).unwrap()["deemed_date"].clone()
}

#[test]
fn a_folder_that_cannot_be_used_says_why() {
    let same = folder(
        "same",
        &[
            (
                "a.rules",
                &agreement("nyse").replace("{\n  time-zone", "{\n  id b\n  time-zone"),
            ),
            ("b.rules", &agreement("nyse")),
        ],
    );
    match Library::from_path(&same) {
        Err(LoadError::SameName { name, .. }) => assert_eq!(name, "b"),
        other => panic!("{other:?}"),
    }
    let none = folder(
        "none",
        &[(
            "cal.rules",
            "calendar c \"C\" {\n  years 2000 through 2001\n  weekend sunday\n}\n",
        )],
    );
    assert!(matches!(
        Library::from_path(&none),
        Err(LoadError::NoAgreements { .. })
    ));
    // A mistake in a shared calendar is reported once, not with every agreement.
    let bad = folder(
        "bad-calendar",
        &[
            ("a.rules", &agreement("c")),
            ("b.rules", &agreement("c")),
            (
                "calendars/c.rules",
                "calendar c \"C\" {\n  years 2000 thru 2001\n}\n",
            ),
        ],
    );
    let (_, err, code) = deemed(&["check", bad.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert_eq!(err.matches("expected `through`").count(), 1, "{err}");
}

#[test]
fn a_command_on_a_folder_of_several_needs_an_agreement() {
    let (_, err, code) = deemed(&[
        "when-effective",
        "--rules",
        "rules",
        "--method",
        "fax",
        "--sent",
        "2000-03-03T10:00",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: `rules` holds 6 agreements: say which\n"),
        "{err}"
    );
    let (out, _, code) =
        crate::reference_query(&["--rules", "rules", "--agreement", "spa-2000-02-25"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("Monday 2000-03-06: deemed given and effective under clause ii"));
}

#[test]
fn check_lint_and_show_take_a_folder() {
    let (out, _, code) = deemed(&["check", "rules"]);
    assert_eq!((out.as_str(), code), ("rules: ok (6 agreement(s))\n", 0));
    let (out, _, code) = deemed(&["lint", "rules"]);
    assert_eq!(code, 0);
    let headings: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("== agreement"))
        .collect();
    assert_eq!(headings.len(), 6, "{out}");
    // Each table is the one its file gives alone.
    let (alone, _, _) = deemed(&["lint", "rules/cetalon-put-notice.rules"]);
    assert!(
        out.contains(&format!("== agreement `cetalon-put-notice` ==\n{alone}")),
        "{out}"
    );
    let (json, _, _) = deemed(&[
        "lint",
        "rules",
        "--agreement",
        "spa-2000-02-25",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["agreement"], "spa-2000-02-25");
    assert_eq!(v.as_array().unwrap().len(), 1);

    let (json, _, code) = deemed(&["show", "--rules", "rules", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["agreements"].as_array().unwrap().len(), 6);
    let (one, _, _) = deemed(&[
        "show",
        "--rules",
        "rules",
        "--agreement",
        "redwood-city-notice",
    ]);
    assert!(
        one.starts_with("rules: rules/redwood-city-notice.rules (from --rules)\n"),
        "{one}"
    );
}

#[test]
fn diff_compares_folders_agreement_by_agreement() {
    let old = folder(
        "diff-old",
        &[
            ("a.rules", &agreement("us-ny-banking")),
            ("b.rules", &agreement("us-ny-banking")),
            ("gone.rules", &agreement("nyse")),
        ],
    );
    let new = folder(
        "diff-new",
        &[
            (
                "a.rules",
                &agreement("us-ny-banking").replace("17:00:00", "16:00:00"),
            ),
            ("b.rules", &agreement("us-ny-banking")),
            ("fresh.rules", &agreement("nyse")),
        ],
    );
    let log = crate::temp_file(
        "library",
        "diff.jsonl",
        "{\"id\":\"a1\",\"agreement\":\"a\",\"method\":\"fax\",\"sent\":\"2024-07-03T16:30:00-04:00\"}\n{\"id\":\"b1\",\"agreement\":\"b\",\"method\":\"fax\",\"sent\":\"2024-07-03T16:30:00-04:00\"}\n{\"id\":\"g1\",\"agreement\":\"gone\",\"method\":\"fax\",\"sent\":\"2024-07-03T10:00:00-04:00\"}\n",
    );
    let (out, err, code) = deemed(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--events",
        &log,
    ]);
    assert_eq!(code, 1, "{err}");
    // Only `a` changed its cut-off; `gone` is no longer there.
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert!(
        rows[0].contains("\"a1\"")
            && rows[0].contains("2024-07-03 i effective")
            && rows[0].contains("2024-07-05 rest gap"),
        "{out}"
    );
    assert!(
        rows[1].contains("\"g1\"") && rows[1].ends_with("error"),
        "{out}"
    );
    assert!(
        err.contains("agreements removed: `gone`\nagreements added: `fresh`\n"),
        "{err}"
    );
    let (_, err, code) = deemed(&[
        "diff",
        old.to_str().unwrap(),
        "rules/spa-2000-02-25.rules",
        "--events",
        &log,
    ]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: compare a rules file with a rules file, or a folder with a folder")
    );
}

#[test]
fn a_folder_of_one_needs_no_names_and_names_it_on_every_record() {
    let dir = folder("one", &[("only.rules", &agreement("us-ny-banking"))]);
    let log = crate::temp_file(
        "library",
        "one.jsonl",
        "{\"method\":\"fax\",\"sent\":\"2024-07-03T10:00:00-04:00\"}\n",
    );
    let (out, err, code) = deemed(&["batch", "--rules", dir.to_str().unwrap(), &log]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        (v["agreement"].as_str(), v["clause"].as_str()),
        (Some("only"), Some("i"))
    );
    let (out, _, code) = deemed(&[
        "when-effective",
        "--rules",
        dir.to_str().unwrap(),
        "--method",
        "fax",
        "--sent",
        "2024-07-03T10:00:00-04:00",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("under clause i"), "{out}");
}

/// Calendars an agreement's own file declares are its own: the agreements after it are
/// checked with the folder's shared and built-in calendars alone, and one that names
/// another's calendar is told so.
#[test]
fn an_agreements_own_calendars_are_not_the_folders() {
    let own = "calendar own \"its own days\" {\n  years 2000 through 2030\n  weekend saturday, sunday\n  closed 2024-07-05 \"a bridge day\"\n}\n";
    let dir = folder(
        "own-calendars",
        &[
            ("a.rules", &format!("{own}{}", agreement("own"))),
            ("b.rules", &agreement("us-ny-banking")),
            ("c.rules", &agreement("nyse")),
        ],
    );
    assert_eq!(Library::from_path(&dir).unwrap().names(), ["a", "b", "c"]);
    assert_eq!(deemed_on_july_5(&dir, "a"), "2024-07-08");
    assert_eq!(deemed_on_july_5(&dir, "b"), "2024-07-05");
    assert_eq!(deemed_on_july_5(&dir, "c"), "2024-07-05");
    let dir = folder(
        "borrowed-calendar",
        &[
            ("a.rules", &format!("{own}{}", agreement("own"))),
            ("b.rules", &agreement("own")),
        ],
    );
    match Library::from_path(&dir) {
        Err(LoadError::Invalid(d)) => {
            let text = d.to_string();
            assert!(text.contains("b.rules"), "{text}");
            assert!(!text.contains("a.rules"), "{text}");
        }
        other => panic!("{other:?}"),
    }
}
