//! Re-evaluating a notice log under two versions of the rules, to see what a change changes.

use std::io::BufRead;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use super::ChangeLine;
use super::chunks::{read_csv_records, read_line};
use super::{Batch, BatchError, InputFormat, Options, RecordOutcome};
use crate::Library;
use crate::agreement::Rules;

/// One side of a change: a notice's resolution under one version of the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    /// The deemed date.
    pub deemed_date: Option<NaiveDate>,
    /// When it takes effect.
    #[serde(with = "crate::time::instant::opt")]
    pub effective_at: Option<DateTime<FixedOffset>>,
    /// The deciding clause or gap rule.
    pub clause: Option<std::sync::Arc<str>>,
    /// `effective`, `gap`, `pending` or `error`.
    pub status: &'static str,
    /// Why it could not be evaluated, for `error`.
    pub error: Option<String>,
}

impl Side {
    fn of(outcome: &RecordOutcome) -> Side {
        let answered = outcome.answer.as_ref().map(|a| &a.resolution);
        match (&outcome.error, answered) {
            (None, Some(r)) => Side {
                deemed_date: r.deemed_date,
                effective_at: r.effective_at,
                clause: r.clause.clone(),
                status: r.status.word(),
                error: None,
            },
            (e, _) => Side {
                deemed_date: None,
                effective_at: None,
                clause: None,
                status: "error",
                error: e.as_ref().map(|e| e.to_string()),
            },
        }
    }

    /// Whether a rule change changed what matters: the date, the clause or the status.
    fn differs(&self, other: &Side) -> bool {
        (self.deemed_date, &self.clause, self.status)
            != (other.deemed_date, &other.clause, other.status)
    }
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.deemed_date, &self.clause) {
            (Some(d), Some(c)) => write!(f, "{d} {c} {}", self.status),
            (None, Some(c)) => write!(f, "(no date) {c} {}", self.status),
            _ => write!(f, "{}", self.status),
        }
    }
}

/// A notice whose deemed date, clause or status changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The record's id as JSON text, exactly as given (`"N1"`, `17`).
    pub id: Option<String>,
    /// The 1-based input line.
    pub line: u64,
    /// Under the old rules.
    pub old: Side,
    /// Under the new rules.
    pub new: Side,
}

/// How many notices were read and how many changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DiffSummary {
    /// Records read.
    pub records: u64,
    /// Records whose deemed date, clause or status changed.
    pub changed: u64,
}

/// Evaluates every notice of `input` under `old` and `new`, calling `on_change` for each
/// whose deemed date, clause or status differs. Streams: memory does not grow with the log.
/// `changes`: the log's notices of change, read ahead (see [`ChangeLine::find_in`]); each
/// side resolves them under its own rules.
pub fn diff<R: BufRead>(
    (old, new): (&Rules, &Rules),
    name: &str,
    input: R,
    format: InputFormat,
    changes: &[ChangeLine],
    on_change: &mut dyn FnMut(Change) -> std::io::Result<()>,
) -> Result<DiffSummary, BatchError> {
    let options = diff_options(format);
    let sides = (Batch::new(old, options)?, Batch::new(new, options)?);
    diff_batches(sides, name, input, format, changes, on_change)
}

/// How a diff reads its log.
fn diff_options(format: InputFormat) -> Options {
    Options {
        input: format,
        ..Options::default()
    }
}

/// [`diff`] over two folders of agreements: each record is evaluated under the agreement
/// its `agreement` field names in each (agreements are matched by name; a record whose
/// agreement one side lacks is an error on that side).
pub fn diff_libraries<R: BufRead>(
    (old, new): (&Library, &Library),
    name: &str,
    input: R,
    format: InputFormat,
    changes: &[ChangeLine],
    on_change: &mut dyn FnMut(Change) -> std::io::Result<()>,
) -> Result<DiffSummary, BatchError> {
    let options = diff_options(format);
    let sides = (Batch::over(old, options)?, Batch::over(new, options)?);
    diff_batches(sides, name, input, format, changes, on_change)
}

fn diff_batches<R: BufRead>(
    (mut before, mut after): (Batch<'_>, Batch<'_>),
    name: &str,
    mut input: R,
    format: InputFormat,
    changes: &[ChangeLine],
    on_change: &mut dyn FnMut(Change) -> std::io::Result<()>,
) -> Result<DiffSummary, BatchError> {
    if !changes.is_empty() {
        before.learn_changes(changes);
        after.learn_changes(changes);
    }
    let mut summary = DiffSummary::default();
    let mut line = Vec::new();
    let mut columns = None;
    let mut line_no = 0;
    while let Some((too_long, _)) = {
        line.clear();
        read_line(&mut input, &mut line)
    }
    .map_err(|error| BatchError::Read {
        input: name.to_string(),
        error,
    })? {
        line_no += 1;
        if line_no == 1 {
            if let Some(rest) = line.strip_prefix(b"\xEF\xBB\xBF") {
                line = rest.to_vec();
            }
        }
        // A CSV record may take several lines, or share one with others (CR line ends).
        let records = match format {
            InputFormat::Jsonl => vec![(line_no, std::mem::take(&mut line))],
            InputFormat::Csv => {
                let read =
                    read_csv_records(&mut input, &mut line, 0, too_long).map_err(|error| {
                        BatchError::Read {
                            input: name.to_string(),
                            error,
                        }
                    })?;
                let first = line_no;
                line_no += read.lines;
                read.records
                    .into_iter()
                    .map(|(k, r)| (first + k, r))
                    .collect()
            }
        };
        for (number, record) in records {
            if format == InputFormat::Csv && columns.is_none() {
                columns =
                    Some(super::records::csv_header(name, &record, before.options.delimiter)?.0);
                continue;
            }
            summary.records += 1;
            let at = (name, number);
            let (id, a) = before.resolve_line(at, &record, too_long, columns.as_ref());
            let (_, b) = after.resolve_line(at, &record, too_long, columns.as_ref());
            let (a, b) = (Side::of(&a), Side::of(&b));
            if a.differs(&b) {
                summary.changed += 1;
                on_change(Change {
                    id: id.map(|i| i.into_owned()),
                    line: number,
                    old: a,
                    new: b,
                })
                .map_err(BatchError::Write)?;
            }
        }
    }
    Ok(summary)
}
