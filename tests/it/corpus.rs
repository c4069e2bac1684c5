//! The golden corpus: each rules file under `rules/` evaluates its own corpus of notices,
//! `tests/corpus/<file name>.jsonl`, and the reference agreement's corpus is also evaluated
//! on every calendar. A rule change shows up here as a snapshot diff to review
//! (`cargo insta review`), accept or revert.

use deemed::batch::{Batch, Options};

const SPA_CORPUS: &str = include_str!("../corpus/spa-2000-02-25.jsonl");

/// The corpus's output, which the memo in front of the plan does not change.
fn evaluate(rules: &deemed::Rules, corpus: &str) -> String {
    let with_memo = run(rules, corpus, Options::default());
    let without = run(
        rules,
        corpus,
        Options {
            no_memo: true,
            ..Options::default()
        },
    );
    assert_eq!(with_memo, without, "the memo changed the output");
    with_memo
}

fn run(rules: &deemed::Rules, corpus: &str, options: Options) -> String {
    let mut out = Vec::new();
    let mut batch = Batch::new(rules, options).unwrap();
    batch
        .run("corpus", corpus.as_bytes(), &mut out, &mut |_| {})
        .unwrap();
    let summary = batch.finish();
    assert_eq!(summary.records as usize, corpus.lines().count());
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
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let corpus =
            std::fs::read_to_string(format!("tests/corpus/{stem}.jsonl")).unwrap_or_else(|_| {
                panic!("every agreement under rules/ has a corpus: tests/corpus/{stem}.jsonl")
            });
        insta::assert_snapshot!(evaluate(&rules, &corpus));
    });
}

#[test]
fn every_calendar() {
    let rules = deemed::Rules::default_rules().unwrap();
    for name in rules.calendar_names() {
        let on = rules.clone().with_calendar(name).unwrap();
        insta::assert_snapshot!(format!("corpus_on_{name}"), evaluate(&on, SPA_CORPUS));
    }
}
