//! Notice logs kept as workbooks (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`), read with the
//! `calamine` crate into the CSV records that [`Batch::run_sheet`](super::Batch::run_sheet)
//! reads as it reads a CSV file: the first row that is not blank is the header (its names
//! in any case, as for CSV), each later row that is not blank is one record, numbered by
//! its row in the sheet.
//!
//! Cells become text as a person reads them: a number that is whole without its decimals
//! (a fax number typed as a number), `true`/`false`, an error as Excel shows it (`#N/A`).
//! A date-time cell holds no time zone: it is written `YYYY-MM-DDTHH:MM:SS` (to the
//! nearest second), which the batch reads as a time in the agreement's zone, as it reads
//! such a time in CSV; a date cell with no time of day is written `YYYY-MM-DD`, a time
//! alone `HH:MM:SS`, and each is then read (or refused) as the same text in CSV would be.

use std::path::Path;

use calamine::{Data, Reader};
use chrono::{Duration, NaiveDateTime, Timelike};

use super::BatchError;

/// The extensions read as workbooks.
pub const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// Whether a path names a workbook, by its extension.
pub fn is_workbook(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|w| e.eq_ignore_ascii_case(w)))
}

/// A worksheet as CSV records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// The input's name in records and messages: `log.xlsx`.
    pub input: String,
    /// The sheet's name.
    pub sheet: String,
    /// The header and then every row that is not blank, one CSV record each.
    pub csv: Vec<u8>,
    /// The row number (from 1, as the spreadsheet shows it) of each record, the header's first.
    pub rows: Vec<u64>,
    /// How many date-time cells were written as local times.
    pub date_times: usize,
}

/// Reads the sheet `sheet` (by name, in any case), or the first, of the workbook at `path`.
pub fn read_sheet(path: &Path, sheet: Option<&str>) -> Result<Sheet, BatchError> {
    let input = path.display().to_string();
    let fail = |message: String| BatchError::Workbook {
        input: input.clone(),
        message,
    };
    let mut workbook =
        calamine::open_workbook_auto(path).map_err(|e| fail(format!("not a workbook: {e}")))?;
    let names = workbook.sheet_names();
    let name = match sheet {
        None => names
            .first()
            .cloned()
            .ok_or_else(|| fail("the workbook has no sheets".into()))?,
        Some(wanted) => names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(wanted))
            .cloned()
            .ok_or_else(|| {
                let known: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                fail(format!(
                    "no sheet `{wanted}`; its sheets: {}",
                    known.join(", ")
                ))
            })?,
    };
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| fail(format!("cannot read sheet `{name}`: {e}")))?;
    let mut sheet = Sheet {
        input: input.clone(),
        sheet: name,
        csv: Vec::new(),
        rows: Vec::new(),
        date_times: 0,
    };
    let first_row = range.start().map_or(0, |(row, _)| u64::from(row));
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for (n, row) in range.rows().enumerate() {
        let fields: Vec<String> = row.iter().map(|c| text(c, &mut sheet.date_times)).collect();
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        writer.write_record(&fields).map_err(|e| {
            fail(format!(
                "cannot convert row {}: {e}",
                first_row + n as u64 + 1
            ))
        })?;
        sheet.rows.push(first_row + n as u64 + 1);
    }
    sheet.csv = writer
        .into_inner()
        .map_err(|e| fail(format!("cannot convert the sheet: {e}")))?;
    Ok(sheet)
}

/// A cell as text (see the module's notes); `date_times` counts the date-time cells.
fn text(cell: &Data, date_times: &mut usize) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::Error(e) => e.to_string(),
        Data::DateTime(d) => {
            let Some(at) = d.as_datetime() else {
                return d.as_f64().to_string();
            };
            let at = to_the_second(at);
            let days = d.as_f64().floor();
            if d.is_duration() || days == 0.0 {
                at.format("%H:%M:%S").to_string()
            } else if at.num_seconds_from_midnight() == 0 && d.as_f64().fract() == 0.0 {
                at.format("%Y-%m-%d").to_string()
            } else {
                *date_times += 1;
                at.format("%Y-%m-%dT%H:%M:%S").to_string()
            }
        }
    }
}

/// A spreadsheet's time (a fraction of a day, so often a hair off) to the nearest second.
fn to_the_second(at: NaiveDateTime) -> NaiveDateTime {
    let rounded = at + Duration::milliseconds(500);
    rounded.with_nanosecond(0).unwrap_or(rounded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workbooks_are_known_by_extension_in_any_case() {
        assert!(is_workbook(Path::new("log.xlsx")));
        assert!(is_workbook(Path::new("LOG.XLSX")));
        assert!(is_workbook(Path::new("old.xls")));
        assert!(is_workbook(Path::new("calc.ods")));
        assert!(!is_workbook(Path::new("log.csv")));
        assert!(!is_workbook(Path::new("xlsx")));
    }

    #[test]
    fn cells_read_as_a_person_reads_them() {
        let mut n = 0;
        assert_eq!(text(&Data::Float(9497886706.0), &mut n), "9497886706");
        assert_eq!(text(&Data::Float(1.5), &mut n), "1.5");
        assert_eq!(text(&Data::Int(7), &mut n), "7");
        assert_eq!(text(&Data::Bool(true), &mut n), "true");
        assert_eq!(text(&Data::Empty, &mut n), "");
        assert_eq!(n, 0);
    }

    #[test]
    fn a_time_a_hair_before_the_second_is_that_second() {
        let at = chrono::NaiveDate::from_ymd_opt(2000, 3, 3)
            .unwrap()
            .and_hms_milli_opt(21, 14, 59, 999)
            .unwrap();
        assert_eq!(to_the_second(at).to_string(), "2000-03-03 21:15:00");
    }
}
