//! The golden corpus: every notice of `tests/corpus/notices.jsonl` evaluated by every rules
//! file under `rules/`, and on every calendar. A rule change shows up here as a snapshot
//! diff to review (`cargo insta review`), accept or revert.

use deemed::batch::{Batch, Options};

const CORPUS: &str = include_str!("../corpus/notices.jsonl");

fn evaluate(rules: &deemed::Rules) -> String {
    let mut out = Vec::new();
    let mut batch = Batch::new(rules, Options::default()).unwrap();
    batch
        .run("corpus", CORPUS.as_bytes(), &mut out, &mut |_| {})
        .unwrap();
    let summary = batch.finish();
    assert_eq!(summary.records as usize, CORPUS.lines().count());
    assert_eq!(summary.errors, 0, "{summary}");
    String::from_utf8(out).unwrap()
}

#[test]
fn every_rules_file() {
    insta::glob!("../../rules", "*.rules", |path| {
        let rules = deemed::Rules::from_path(path).unwrap();
        if rules.agreement().is_none() {
            return;
        }
        insta::assert_snapshot!(evaluate(&rules));
    });
}

#[test]
fn every_calendar() {
    let rules = deemed::Rules::default_rules().unwrap();
    for name in rules.calendar_names() {
        let on = rules.clone().with_calendar(name).unwrap();
        insta::assert_snapshot!(format!("corpus_on_{name}"), evaluate(&on));
    }
}
