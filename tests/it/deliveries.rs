//! A notice given several ways is the evaluator's: `batch`, `when-effective --delivery`
//! and the library give one answer, combined as the rules declare.

use crate::{deemed, temp_file};

const FAX: &str = "method=fax,sent=2000-03-03T21:00:00-05:00,fax_number=(949) 788-6706";
const HAND: &str = "method=hand,sent=2000-03-04T09:00:00-05:00,received=2000-03-04T09:30:00-05:00";

/// The same notice as a batch record: its deliveries under `deliveries`.
const RECORD: &str = r#"{"id":"m","to":"company","deliveries":[{"method":"fax","sent":"2000-03-03T21:00:00-05:00","fax_number":"(949) 788-6706"},{"method":"hand","sent":"2000-03-04T09:00:00-05:00","received":"2000-03-04T09:30:00-05:00"}]}"#;

fn when_effective(rules: &str) -> serde_json::Value {
    let (out, err, code) = deemed(&[
        "when-effective",
        "--rules",
        rules,
        "--to",
        "company",
        "--delivery",
        FAX,
        "--delivery",
        HAND,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn batch(rules: &str) -> serde_json::Value {
    let log = temp_file("deliveries", "log.jsonl", &format!("{RECORD}\n"));
    let (out, err, code) = deemed(&["batch", &log, "--rules", rules]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(out.lines().next().unwrap()).unwrap()
}

#[test]
fn a_notice_of_several_deliveries_has_one_answer_however_it_is_asked() {
    let rules = "rules/spa-2000-02-25.rules";
    let (asked, logged) = (when_effective(rules), batch(rules));
    // The hand delivery, received on Saturday, comes before the fax's Monday.
    assert_eq!(asked["deemed_date"], "2000-03-04");
    for key in [
        "deemed_date",
        "effective_at",
        "clause",
        "status",
        "warnings",
    ] {
        assert_eq!(asked[key], logged[key], "{key}");
    }
    assert_eq!(
        asked["warnings"].as_array().unwrap().last().unwrap(),
        "delivery 2 of 2 (`hand`) decided: the earliest of the deliveries"
    );
    // Each delivery's own answer is in the query's JSON.
    assert_eq!(
        asked["deliveries"][0]["resolution"]["deemed_date"],
        "2000-03-06"
    );
}

#[test]
fn the_rules_declare_how_deliveries_combine() {
    let spa = std::fs::read_to_string("rules/spa-2000-02-25.rules").unwrap();
    let declared = spa.replacen(
        "earliest-of {\n",
        "earliest-of {\n    deliveries latest-of \"a notice sent several ways is given when the last of them is\"\n",
        1,
    );
    assert_ne!(declared, spa, "the notice block opens");
    let rules = temp_file("deliveries", "latest.rules", &declared);
    let (asked, logged) = (when_effective(&rules), batch(&rules));
    assert_eq!(asked["deemed_date"], "2000-03-06");
    assert_eq!(asked["clause"], "ii");
    assert_eq!(
        asked["warnings"].as_array().unwrap().last().unwrap(),
        "delivery 1 of 2 (`fax`) decided: the latest of the deliveries (a notice sent several ways is given when the last of them is)"
    );
    for key in ["deemed_date", "effective_at", "clause", "warnings"] {
        assert_eq!(asked[key], logged[key], "{key}");
    }
    // `fmt` keeps the line; a second one is an error.
    let (formatted, err, code) = deemed(&["fmt", &rules]);
    assert_eq!(code, 0, "{err}");
    assert!(
        formatted.contains("    deliveries latest-of \"a notice sent"),
        "{formatted}"
    );
    let twice = declared.replacen(
        "    deliveries latest-of",
        "    deliveries first-of \"x\"\n    deliveries latest-of",
        1,
    );
    let twice = temp_file("deliveries", "twice.rules", &twice);
    let (_, err, code) = deemed(&["check", &twice]);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("line `deliveries` is declared twice"), "{err}");
}
