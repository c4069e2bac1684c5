//! Every agreement shipped under `rules/` works with every command, and the deadline
//! agreement's windows fall where the published calendars put them.

use crate::deemed;

fn agreements() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir("rules")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rules"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_agreement_works_with_every_command() {
    let files = agreements();
    assert!(files.len() >= 6, "{files:?}");
    for file in &files {
        let stem = std::path::Path::new(file)
            .file_stem()
            .unwrap()
            .to_str()
            .unwrap();
        let corpus = format!("tests/corpus/{stem}.jsonl");
        for args in [
            vec!["check", file.as_str()],
            vec!["fmt", "--check", file.as_str()],
            vec!["lint", file.as_str()],
            vec!["lint", "--format", "json", file.as_str()],
            vec![
                "batch",
                "--rules",
                file.as_str(),
                "--quiet",
                corpus.as_str(),
            ],
            vec![
                "batch",
                "--rules",
                file.as_str(),
                "--quiet",
                "--trace",
                corpus.as_str(),
            ],
            vec![
                "latest-send",
                "--rules",
                file.as_str(),
                "--by",
                "2024-07-01T12:00:00Z",
            ],
            vec![
                "diff",
                file.as_str(),
                file.as_str(),
                "--events",
                corpus.as_str(),
            ],
        ] {
            let (out, err, code) = deemed(&args);
            assert_eq!(code, 0, "{args:?}: {err}");
            assert!(
                !out.is_empty() || args[0] == "fmt" || args[0] == "diff",
                "{args:?}"
            );
        }
    }
}

#[test]
fn the_drawdown_deadline_on_london_business_days() {
    let rules = deemed::Rules::from_path(std::path::Path::new(
        "rules/facility-drawdown-deadline.rules",
    ))
    .unwrap();
    let due = |drawdown: (i32, u32, u32)| {
        let d = chrono::NaiveDate::from_ymd_opt(drawdown.0, drawdown.1, drawdown.2).unwrap();
        rules
            .window("drawdown-notice", d, None)
            .unwrap()
            .due
            .to_rfc3339()
    };
    // Monday, June 6, 2022: the Platinum Jubilee's Thursday and Friday are not Business
    // Days, so the second Business Day before is Tuesday, May 31 (British Summer Time).
    assert_eq!(due((2022, 6, 6)), "2022-05-31T11:00:00+01:00");
    // Wednesday, December 29, 2021: Christmas Day and Boxing Day are observed on the 27th and
    // 28th; the second Business Day before is Thursday the 23rd (Greenwich Mean Time).
    assert_eq!(due((2021, 12, 29)), "2021-12-23T11:00:00+00:00");
    // An ordinary Wednesday: the Monday before.
    assert_eq!(due((2024, 3, 13)), "2024-03-11T11:00:00+00:00");
    // Across the change to summer time: Tuesday, April 2, 2024 is after Easter Monday and
    // Good Friday: Wednesday, March 27.
    assert_eq!(due((2024, 4, 2)), "2024-03-27T11:00:00+00:00");
}
