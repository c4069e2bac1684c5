//! Notice logs kept as workbooks: `deemed batch log.xlsx` reads a sheet as a CSV file with a
//! header row, one record per row that is not blank, numbered by its row in the sheet.
//! `tests/fixtures/make_workbook.py` writes the workbook.

use crate::deemed;

const BOOK: &str = "tests/fixtures/notices.xlsx";

#[test]
fn the_first_sheet_is_read_row_by_row() {
    let (out, err, code) = deemed(&["batch", BOOK]);
    // One record (`pigeon`) names an unknown method.
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!(out);
    insta::assert_snapshot!(err);
}

#[test]
fn a_sheet_by_name_in_any_case() {
    let (out, err, code) = deemed(&["batch", BOOK, "--sheet", "LATER"]);
    assert_eq!(code, 0, "{err}");
    let record: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    // The header is row 1, so the record is row 2; a courier on Friday 2000-03-10 at
    // 4 p.m. is deemed given on the Business Day after, Monday.
    assert_eq!(record["line"], 2);
    assert_eq!(record["deemed_date"], "2000-03-13");
    assert!(err.contains("sheet `Later`: 1 date-time cell(s) read as times in America/New_York"));

    let (out, err, code) = deemed(&["batch", BOOK, "--sheet", "Summary"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(
        err,
        format!("error: `{BOOK}`: no sheet `Summary`; its sheets: `2000 notices`, `Later`\n")
    );
}

/// The sheet's cells, typed as text in a CSV file: the same answers, record by record.
#[test]
fn a_workbook_answers_as_the_same_log_in_csv() {
    let csv = crate::temp_file(
        "workbook",
        "notices.csv",
        "ID,Method,Sent,Received,To,Fax Number\n\
         n1,fax,2000-03-03T21:15:00,,company,(949) 788-6706\n\
         n2,Fax,2000-03-03T19:59:59-05:00,,company,9497886706\n\
         n3,courier,2000-03-03,,company,\n\
         n4,hand,,2000-03-06T09:30:00,counsel,\n\
         n5,pigeon,2000-03-03T10:00:00,,company,\n",
    );
    let (from_book, _, _) = deemed(&["batch", BOOK, "--trace"]);
    let (from_csv, _, _) = deemed(&["batch", &csv, "--trace"]);
    let records = |text: &str| -> Vec<serde_json::Value> {
        text.lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                // Rows and lines are numbered differently (a blank first row, a blank row).
                v.as_object_mut().unwrap().remove("line");
                if let Some(e) = v["error"].as_object_mut() {
                    e.remove("line");
                }
                v
            })
            .collect()
    };
    assert_eq!(records(&from_book), records(&from_csv));
}

#[test]
fn a_file_that_is_not_a_workbook_stops_the_run_and_keeps_the_output() {
    let dir = crate::temp_dir("not-a-book");
    let fake = dir.join("log.xlsx");
    std::fs::write(&fake, "method,sent\nfax,2000-03-03T10:00\n").unwrap();
    let out = dir.join("answers.jsonl");
    std::fs::write(&out, "kept\n").unwrap();
    let (_, err, code) = deemed(&[
        "batch",
        fake.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("log.xlsx`: not a workbook"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "kept\n");
}

#[test]
fn a_date_alone_answers_in_batch_as_on_the_command_line() {
    let (cli, _, code) = deemed(&[
        "when-effective",
        "--method",
        "courier",
        "--sent",
        "2000-03-03",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let cli: serde_json::Value = serde_json::from_str(&cli).unwrap();
    let (out, _, _) = deemed(&["batch", BOOK]);
    let n3: serde_json::Value = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["id"] == "n3")
        .unwrap();
    assert_eq!(n3["deemed_date"], cli["deemed_date"]);
    assert_eq!(n3["effective_at"], cli["effective_at"]);
    assert_eq!(n3["clause"], cli["clause"]);
    assert_eq!(n3["warnings"], cli["warnings"]);
}

/// A damaged workbook (cut short, bytes changed) is an error or is read; never a panic.
#[test]
fn damaged_workbooks_never_panic() {
    let book = std::fs::read(BOOK).unwrap();
    let dir = crate::temp_dir("damaged-books");
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for k in 0..40 {
        let mut damaged = book.clone();
        if k % 2 == 0 {
            damaged.truncate(next(book.len()));
        } else {
            for _ in 0..1 + next(16) {
                let at = next(damaged.len());
                damaged[at] = next(256) as u8;
            }
        }
        let path = dir.join(format!("damaged-{k}.xlsx"));
        std::fs::write(&path, &damaged).unwrap();
        let (_, err, code) = deemed(&["batch", path.to_str().unwrap()]);
        assert!(matches!(code, 0..=2), "{k}: exit {code}: {err}");
        assert!(!err.contains("panicked"), "{k}: {err}");
    }
}
