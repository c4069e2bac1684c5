//! Batch evaluation of notice logs: streaming, lossless, one output record per input line.
//!
//! Lines are read into reused chunks of a few thousand (a line longer than [`MAX_LINE`] is
//! skipped to its end and reported, never held), evaluated without the trace unless asked,
//! checked for duplicate ids and written, in input order, on one thread or with worker
//! threads. Each record is read, made a notice ([`crate::eval::Delivery`]) and answered by
//! [`Rules::answer`], the one evaluator; this module decides nothing of its own. Memory
//! does not grow with the input: besides the chunks, the only index kept
//! is of id fingerprints for the duplicate-id warning, noted in order while the ids rise
//! and in a fixed-size table once they do not, either bounded.
//!
//! ```
//! let rules = deemed::Rules::default_rules().unwrap();
//! let input = br#"{"id":"n1","method":"fax","sent":"2000-03-03T21:15:00-05:00","to":"company","fax_number":"(949) 788-6706"}
//! {"id":"n2","method":"courier","sent":"not a time"}
//! "#;
//! let mut out = Vec::new();
//! let mut batch = deemed::batch::Batch::new(&rules, deemed::batch::Options::default()).unwrap();
//! batch.run("log.jsonl", &input[..], &mut out, &mut |_| {}).unwrap();
//! let summary = batch.finish();
//! assert_eq!(summary.records, 2);
//! assert_eq!(summary.errors, 1);
//! let out = String::from_utf8(out).unwrap();
//! assert!(out.lines().next().unwrap().contains(r#""deemed_date":"2000-03-06""#));
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufRead, Write};
use std::sync::Arc;

mod changes;
mod chunks;
mod diff;
mod ids;
mod records;
mod sinks;
mod spool;
mod summary;
pub mod workbook;

pub use ids::DUPLICATE_CAPACITY;
use ids::*;
use records::*;
use summary::ERRORS_LISTED;
pub use summary::Summary;

pub use changes::{Addresses, ChangeLine};
pub use diff::{Change, DiffSummary, Side, diff, diff_libraries};
pub use spool::{MAX_SPOOL, SpoolError, spool};

use crate::Library;
use crate::agreement::Rules;
use crate::eval::{Delivery, DeliveryText, NoticeAnswer, ReadError};
use crate::time::{Fold, TimeError};

/// The longest input line read; a longer one is an error record.
pub const MAX_LINE: usize = 1 << 20;

/// How often the progress callback is called, in lines.
const PROGRESS_EVERY: u64 = 8192;

/// The input's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// One JSON object per line.
    #[default]
    Jsonl,
    /// Comma-separated values with a header row naming the fields.
    Csv,
}

/// The output's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// One JSON object per line.
    #[default]
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

/// How to run a batch.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// The input's format.
    pub input: InputFormat,
    /// The output's format.
    pub output: OutputFormat,
    /// Add each record's trace to the output (JSON Lines only).
    pub trace: bool,
    /// How to read local times that the clock change makes ambiguous or nonexistent.
    pub fold: Option<Fold>,
    /// Threads that evaluate records while the calling thread reads, checks ids and writes
    /// in input order; 0 or 1 does everything on the calling thread. The output is the same.
    pub threads: usize,
    /// No effect: the batch keeps no memo of earlier records, and every record is answered
    /// by [`Rules::answer`]. Kept for the callers that set it.
    pub no_memo: bool,
    /// The byte between a CSV input's fields; `None` finds it from the header (`,`, `;` or
    /// a tab).
    pub delimiter: Option<u8>,
    /// CSV output: write a cell that starts as a spreadsheet formula would (`=`, `+`, `-`,
    /// `@`, a tab or a carriage return) as it is, rather than after a `'` that keeps a
    /// spreadsheet from running it.
    pub keep_formulas: bool,
}

/// A run that could not go on: the input or output failed, or a CSV header is unusable.
#[derive(Debug)]
pub enum BatchError {
    /// The rules have no agreement.
    NoAgreement {
        /// Where the rules came from.
        origin: String,
    },
    /// Reading the input failed.
    Read {
        /// The input's name.
        input: String,
        /// Why.
        error: io::Error,
    },
    /// Writing the output failed.
    Write(io::Error),
    /// A CSV input whose header lacks required columns.
    CsvHeader {
        /// The input's name.
        input: String,
        /// The columns that are missing.
        missing: Vec<&'static str>,
    },
    /// A CSV input whose header names a column twice.
    CsvDuplicateColumn {
        /// The input's name.
        input: String,
        /// The column, as the header writes it the second time.
        column: String,
    },
    /// A CSV input with no header, not even an empty line.
    CsvEmpty {
        /// The input's name.
        input: String,
    },
    /// A workbook that cannot be read, or has no such sheet.
    Workbook {
        /// The input's name.
        input: String,
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::NoAgreement { origin } => write!(f, "`{origin}` has no agreement"),
            BatchError::Read { input, error } => write!(f, "cannot read `{input}`: {error}"),
            BatchError::Workbook { input, message } => write!(f, "`{input}`: {message}"),
            BatchError::Write(error) => write!(f, "cannot write the output: {error}"),
            BatchError::CsvDuplicateColumn { input, column } => write!(
                f,
                "the CSV header of `{input}` names the column `{column}` twice"
            ),
            BatchError::CsvEmpty { input } => {
                write!(f, "`{input}` is empty: a CSV input starts with its header")
            }
            BatchError::CsvHeader { input, missing } => write!(
                f,
                "the CSV header of `{input}` has no column {}",
                missing
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

impl std::error::Error for BatchError {}

/// The outcome for one input record: the notice's answer, or what was wrong with it.
#[derive(Default)]
struct RecordOutcome {
    answer: Option<NoticeAnswer>,
    /// Notes of the record rather than the answer (what a notice of change designated).
    notes: Vec<String>,
    error: Option<RecordError>,
}

impl RecordOutcome {
    fn error(e: RecordError) -> RecordOutcome {
        RecordOutcome {
            error: Some(e),
            ..RecordOutcome::default()
        }
    }
}

/// One agreement of a run.
struct Agreed<'r> {
    rules: &'r Rules,
    /// Its name, in a run over several agreements (each record names its own).
    name: Option<String>,
    /// Records answered under it.
    records: u64,
}

/// A batch run over one or more inputs: a driver that reads each record, asks
/// [`Rules::answer`], and writes the answer.
pub struct Batch<'r> {
    /// The agreements records choose from, by their places in the library (one, for a run
    /// over one agreement).
    agreements: Vec<Agreed<'r>>,
    /// The library of several agreements the records choose from (`None`: one agreement).
    library: Option<&'r Library>,
    /// The current record's agreement, by its place; `None` when it could not be found.
    current: Option<usize>,
    /// What notices of change designated, read before the run, shared with the workers.
    addresses: Arc<Addresses>,
    options: Options,
    summary: Summary,
    /// Records per agreement and deciding clause, gathered into the summary at the end.
    by_clause: HashMap<(usize, Arc<str>), u64>,
    /// The table of ids seen, in the batch that writes the records (not in its workers).
    index: Option<IdIndex>,
    ids: Ids,
    out: Vec<u8>,
    header_written: bool,
    /// Lines read from the inputs before this one: the duplicate check numbers lines across
    /// every input, so that an id first seen in another input is found there.
    seen_lines: u64,
    /// Each input's name, with the number its first line has across every input.
    inputs: Vec<(u64, String)>,
}

impl<'r> Batch<'r> {
    /// Prepares a run with these rules.
    pub fn new(rules: &'r Rules, options: Options) -> Result<Batch<'r>, BatchError> {
        if rules.agreement().is_none() {
            return Err(BatchError::NoAgreement {
                origin: rules.origin().to_string(),
            });
        }
        let one = Agreed {
            rules,
            name: None,
            records: 0,
        };
        Ok(Batch::build(vec![one], None, options))
    }

    /// Prepares a run over the agreements of a library: each record names its own with the
    /// field `agreement` (or, when the library holds one, may leave it out), and each output
    /// record of a folder's names it.
    pub fn over(library: &'r Library, options: Options) -> Result<Batch<'r>, BatchError> {
        // One agreement of a file is a run over it; a folder's names it on every record.
        if let ([only], false) = (library.entries(), library.is_folder()) {
            return Batch::new(&only.rules, options);
        }
        let mut agreements = Vec::with_capacity(library.entries().len());
        for e in library.entries() {
            if e.rules.agreement().is_none() {
                return Err(BatchError::NoAgreement {
                    origin: e.rules.origin().to_string(),
                });
            }
            agreements.push(Agreed {
                rules: &e.rules,
                name: Some(e.name.clone()),
                records: 0,
            });
        }
        Ok(Batch::build(agreements, Some(library), options))
    }

    fn build(
        agreements: Vec<Agreed<'r>>,
        library: Option<&'r Library>,
        options: Options,
    ) -> Batch<'r> {
        Batch {
            agreements,
            library,
            current: None,
            addresses: Arc::default(),
            options,
            summary: Summary::default(),
            by_clause: HashMap::new(),
            index: Some(IdIndex::new()),
            ids: Ids::Deferred(Prints::default()),
            out: Vec::with_capacity(1 << 16),
            header_written: false,
            seen_lines: 0,
            inputs: Vec::new(),
        }
    }

    /// A batch like this one for a worker thread: the same rules and notices of change,
    /// nothing counted yet, no table of ids.
    fn fresh(&self) -> Batch<'r> {
        let agreements = (self.agreements.iter())
            .map(|a| Agreed {
                rules: a.rules,
                name: a.name.clone(),
                records: 0,
            })
            .collect();
        let mut batch = Batch::build(agreements, self.library, self.options);
        batch.addresses = Arc::clone(&self.addresses);
        batch.index = None;
        batch
    }

    /// Reads notices of change ahead of the run (see `Addresses::learn`): the run
    /// answers every record under the numbers they designate, and each one's record says
    /// what it designated.
    pub fn learn_changes(&mut self, lines: &[ChangeLine]) {
        let mut addresses = Addresses::default();
        addresses.learn(self, lines);
        self.addresses = Arc::new(addresses);
    }

    /// What the notices of change read with [`Batch::learn_changes`] designate under the
    /// agreement named `agreement` (or the run's only one): what `when-effective
    /// --addresses` answers a notice under, as a batch would.
    pub fn address_book(&mut self, agreement: Option<&str>) -> Option<crate::eval::AddressBook> {
        self.choose(agreement).ok()?;
        self.addresses.book(self.current?).cloned()
    }

    /// Makes the agreement named `name` (in any case) the current one; in a run over one
    /// agreement, any name or none is that one. `Err` with the record's error when the name
    /// is missing or unknown.
    fn choose(&mut self, name: Option<&str>) -> Result<&'r Rules, RecordError> {
        let place = match self.library {
            None => 0,
            Some(library) => library.position(name).map_err(|e| {
                let message = match name {
                    None => format!("missing: {e} ({})", e.help()),
                    Some(_) => format!("{e} ({})", e.help()),
                };
                RecordError::field("agreement", message)
            })?,
        };
        let rules = self.agreements.get(place).map(|a| a.rules);
        let rules = rules.ok_or_else(|| RecordError::field("agreement", "unknown"))?;
        self.current = Some(place);
        Ok(rules)
    }

    /// Reads every line of `input`, writing one output record per line to `output`.
    /// `progress` is called now and then with the bytes read so far.
    ///
    /// Lines are read in chunks of a few thousand: the records of a chunk are evaluated,
    /// then their ids are checked together (the table of ids is large, and checks made one
    /// after another wait on memory one after another), then the chunk is written. With
    /// [`Options::threads`] above 1, worker threads evaluate the chunks.
    pub fn run<R: BufRead, W: Write>(
        &mut self,
        name: &str,
        input: R,
        output: &mut W,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), BatchError> {
        let reader = chunks::Reader::new(self.options.input == InputFormat::Csv);
        self.run_reader(name, reader, input, output, progress)
    }

    /// Reads a worksheet ([`workbook::read_sheet`]) as [`Batch::run`] reads a CSV input:
    /// its header row names the fields, and each record is numbered by its row in the sheet.
    pub fn run_sheet<W: Write>(
        &mut self,
        sheet: &workbook::Sheet,
        output: &mut W,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), BatchError> {
        let mut reader = chunks::Reader::new(true);
        reader.number_by_rows(sheet.rows.clone());
        let name = sheet.input.clone();
        self.run_reader(&name, reader, sheet.csv.as_slice(), output, progress)
    }

    fn run_reader<R: BufRead, W: Write>(
        &mut self,
        name: &str,
        reader: chunks::Reader,
        input: R,
        output: &mut W,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), BatchError> {
        self.inputs.push((self.seen_lines + 1, name.to_string()));
        if self.options.output == OutputFormat::Csv && !self.header_written {
            let header: &[u8] = match self.library {
                None => b"id,line,deemed_date,effective_at,clause,status,warnings,error\n",
                Some(_) => {
                    b"id,line,agreement,deemed_date,effective_at,clause,status,warnings,error\n"
                }
            };
            self.out.extend_from_slice(header);
            self.header_written = true;
        }
        if self.options.threads > 1 {
            self.run_on_threads(name, reader, input, output, progress)
        } else {
            self.run_in_chunks(name, reader, input, output, progress)
        }
    }

    /// Reads, answers and writes one input line (without its end of line).
    fn process(
        &mut self,
        name: &str,
        line_no: u64,
        line: &[u8],
        too_long: bool,
        columns: Option<&CsvColumns>,
    ) {
        self.current = None;
        let (id, outcome) = self.resolve_line((name, line_no), line, too_long, columns);
        self.write_record(name, line_no, id.as_deref(), outcome);
    }

    /// The counts so far.
    pub fn finish(self) -> Summary {
        let mut summary = self.summary;
        if self.library.is_some() {
            for a in &self.agreements {
                let name = a.name.clone().unwrap_or_default();
                *summary.by_agreement.entry(name).or_default() += a.records;
            }
        }
        for ((place, clause), n) in self.by_clause {
            // Over several agreements, a clause is named with its agreement's name.
            let key = match self.agreements.get(place).and_then(|a| a.name.as_deref()) {
                Some(name) if self.library.is_some() => format!("{name}:{clause}"),
                _ => clause.to_string(),
            };
            *summary.by_clause.entry(key).or_default() += n;
        }
        summary
    }

    /// Reads and answers one input line (without its end of line).
    fn resolve_line<'l>(
        &mut self,
        (input, line_no): (&str, u64),
        line: &'l [u8],
        too_long: bool,
        columns: Option<&CsvColumns>,
    ) -> (Option<Cow<'l, str>>, RecordOutcome) {
        if too_long {
            let e = format!("the line is longer than {MAX_LINE} bytes");
            return (None, RecordOutcome::error(RecordError::line(e)));
        }
        let text = match std::str::from_utf8(line) {
            Ok(text) => text,
            Err(e) => {
                let e = RecordError::at(
                    e.valid_up_to() + 1,
                    "invalid UTF-8: the input must be UTF-8 text",
                );
                return (None, RecordOutcome::error(e));
            }
        };
        // A record starts with `{`; only other lines can be blank.
        if !text.starts_with('{') && text.trim().is_empty() {
            let e = RecordError::line("blank line: expected a record");
            return (None, RecordOutcome::error(e));
        }
        let record = match columns {
            Some(cols) => parse_csv_line(text, cols).map_err(|e| (None, e)),
            None => parse_json_line(text),
        };
        let record = match record {
            Ok(record) => record,
            Err((id, e)) => return (id, RecordOutcome::error(e)),
        };
        let mut outcome = match self.choose(record.agreement.as_deref()) {
            Ok(rules) => self.answer(rules, &record),
            Err(e) => RecordOutcome::error(e),
        };
        if record.changes.is_some() {
            let note = self.addresses.note(input, line_no);
            if !note.is_empty() {
                outcome.notes.push(note);
            }
        }
        (record.id, outcome)
    }

    /// Answers a record's notice under `rules`, the numbers notices of change designated in
    /// force.
    fn answer(&self, rules: &Rules, record: &Record<'_>) -> RecordOutcome {
        let tz = rules.agreement().map_or(chrono_tz::UTC, |a| a.time_zone());
        let read = |n: usize, d| {
            let field = |f: &str| field_name(record.multi.then_some(n), f);
            delivery(d, tz, self.options.fold, &field)
        };
        // A notice of one delivery (most of them) is read without a list.
        let (one, many);
        let deliveries: &[Delivery<'_>] = match &record.deliveries {
            Deliveries::One(d) => match read(0, d) {
                Ok(d) => {
                    one = [d];
                    &one
                }
                Err(e) => return RecordOutcome::error(e),
            },
            Deliveries::Many(list) => {
                let read: Result<Vec<_>, _> =
                    list.iter().enumerate().map(|(n, d)| read(n, d)).collect();
                match read {
                    Ok(list) => {
                        many = list;
                        &many
                    }
                    Err(e) => return RecordOutcome::error(e),
                }
            }
        };
        let book = self.current.and_then(|place| self.addresses.book(place));
        match rules.answer(deliveries, book, self.options.trace) {
            Ok(answer) => RecordOutcome {
                answer: Some(answer),
                ..RecordOutcome::default()
            },
            Err(e) => {
                let field = field_name(e.delivery, e.field);
                RecordOutcome::error(RecordError::field(field, eval_message(&e.error)))
            }
        }
    }
}

/// A delivery's fields read: its times on the agreement's clock `tz`, or the date alone of
/// its sending or receipt (`2000-03-03` for a courier), which the rules answer only when
/// they give the same answer all day ([`Rules::evaluate_on_date`]).
fn delivery<'d>(
    d: &'d DeliveryFields<'_>,
    tz: chrono_tz::Tz,
    fold: Option<Fold>,
    field: &dyn Fn(&str) -> String,
) -> Result<Delivery<'d>, RecordError> {
    let method = d
        .method
        .as_deref()
        .ok_or_else(|| RecordError::field(field("method"), "missing"))?;
    if d.sent.is_none() && d.received.is_none() {
        let why = "missing (a notice gives `sent`, or `received` alone when the rule it falls under reads no sending)";
        return Err(RecordError::field(field("sent"), why));
    }
    let text = DeliveryText {
        method,
        sent: d.sent.as_deref(),
        received: d.received.as_deref(),
        to: d.to.as_deref(),
        from: d.from.as_deref(),
        fax_number: d.fax_number.as_deref(),
    };
    Delivery::read(text, tz, fold).map_err(|e| match e {
        ReadError::NoInstant => {
            let why = "missing (a notice gives `sent`, or `received` alone when the rule it falls under reads no sending)";
            RecordError::field(field("sent"), why)
        }
        ReadError::Time { field: name, error } => {
            let help = match &error {
                TimeError::Malformed { .. } => error.help(),
                _ => error.help().replace("--fold", "batch --fold"),
            };
            RecordError::field(field(name), format!("{error} ({help})"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::chunks::read_line;
    use super::*;
    use chrono::TimeZone;
    use chrono::{DateTime, FixedOffset};
    use proptest::prelude::*;

    /// A record's line from choices of each field's text (`None`: the field is absent).
    fn record_line(
        fields: [Option<&str>; 6],
        sent: String,
        received: Option<String>,
        spaced: bool,
    ) -> String {
        let [id, method, to, fax_number, sent_as, received_as] = fields;
        let sent = sent_as.map(|form| form.replace("SENT", &sent));
        let received = received_as.and(received).map(|r| format!("\"{r}\""));
        let parts: Vec<String> = [
            ("id", id.map(String::from)),
            ("method", method.map(String::from)),
            ("sent", sent),
            ("received", received),
            ("to", to.map(String::from)),
            ("fax_number", fax_number.map(String::from)),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| format!("\"{k}\":{v}")))
        .collect();
        if spaced {
            format!("{{ {} }}", parts.join(" , "))
        } else {
            format!("{{{}}}", parts.join(","))
        }
    }

    fn field(
        choices: &'static [Option<&'static str>],
    ) -> impl Strategy<Value = Option<&'static str>> {
        prop::sample::select(choices)
    }

    fn line_strategy() -> impl Strategy<Value = String> {
        (
            [
                field(&[
                    None,
                    Some("\"N1\""),
                    Some("\"N2\""),
                    Some("17"),
                    Some("null"),
                    Some("\"a\\\"b\""),
                ]),
                field(&[
                    None,
                    Some("\"fax\""),
                    Some("\"courier\""),
                    Some("\"hand\""),
                    Some("\"email\""),
                    Some("\"FAX\""),
                    Some("\"telex\""),
                    Some("null"),
                    Some("5"),
                    Some("\"f\\u0061x\""),
                ]),
                field(&[
                    None,
                    Some("\"company\""),
                    Some("\"counsel\""),
                    Some("\"strong-river\""),
                    Some("\"nobody\""),
                    Some("\"COMPANY\""),
                    Some("null"),
                ]),
                field(&[
                    None,
                    Some("\"(949) 788-6706\""),
                    Some("\"212-541-1432\""),
                    Some("\"555 0100\""),
                    Some("null"),
                    Some("[1]"),
                ]),
                field(&[
                    None,
                    Some("\"SENT\""),
                    Some("\"SENT\""),
                    Some("\"SENT\""),
                    Some("7"),
                    Some("\"yesterday\""),
                ]),
                field(&[None, Some("r")]),
            ],
            // 1971 through 2099, to the second, on offsets a log would carry.
            31_622_400i64..4_102_185_600,
            prop::sample::select(&[-300i32, -240, -480, 0, 330][..]),
            prop::sample::select(&["", ".5", "Z", "local", "-00:00"][..]),
            proptest::option::of(-3_600i64..5 * 86_400),
            any::<bool>(),
        )
            .prop_map(|(fields, seconds, offset, form, delay, spaced)| {
                let zone = FixedOffset::east_opt(offset * 60).unwrap();
                let sent = chrono::Utc
                    .timestamp_opt(seconds, 0)
                    .unwrap()
                    .with_timezone(&zone);
                let text = |t: DateTime<FixedOffset>| match form {
                    "Z" => t.to_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    "local" => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
                    ".5" => t.format("%Y-%m-%dT%H:%M:%S.5%:z").to_string(),
                    // UTC as some logs write it, which the output writes `+00:00`.
                    "-00:00" => t.to_rfc3339().replace("+00:00", "-00:00"),
                    _ => t.to_rfc3339(),
                };
                let received = delay.map(|d| text(sent + chrono::Duration::seconds(d)));
                record_line(fields, text(sent), received, spaced)
            })
    }

    /// A delivery whose fields are all usable, for a notice sent several ways.
    fn delivery_strategy() -> impl Strategy<Value = String> {
        (
            prop::sample::select(&["fax", "courier", "hand", "email"][..]),
            prop::sample::select(&["", r#","to":"company""#, r#","to":"counsel""#][..]),
            prop::sample::select(
                &[
                    "",
                    r#","fax_number":"(949) 788-6706""#,
                    r#","fax_number":"555 0100""#,
                ][..],
            ),
            // 1990 through 2030.
            631_152_000i64..1_924_992_000,
            proptest::option::of(0i64..3 * 86_400),
        )
            .prop_map(|(method, to, number, seconds, delay)| {
                let at = |s: i64| {
                    chrono::Utc
                        .timestamp_opt(s, 0)
                        .unwrap()
                        .with_timezone(&FixedOffset::west_opt(5 * 3600).unwrap())
                        .to_rfc3339()
                };
                let received = delay.map_or(String::new(), |d| {
                    format!(r#","received":"{}""#, at(seconds + d))
                });
                format!(
                    r#"{{"method":"{method}","sent":"{}"{to}{number}{received}}}"#,
                    at(seconds)
                )
            })
    }

    /// A line of a log: a record, or now and then a notice sent several ways.
    fn log_line() -> impl Strategy<Value = String> {
        (
            line_strategy(),
            proptest::collection::vec(delivery_strategy(), 1..4),
            0u8..5,
        )
            .prop_map(|(line, deliveries, k)| {
                if k == 0 {
                    format!(r#"{{"id":"M","deliveries":[{}]}}"#, deliveries.join(","))
                } else {
                    line
                }
            })
    }

    /// The output and summary of a run on one thread, on two and on three (whose chunks
    /// hold a few lines in the unit tests).
    fn run_three_ways(rules: &Rules, input: &str, options: Options) -> [(Vec<u8>, Summary); 3] {
        [1, 2, 3].map(|threads| {
            let mut batch = Batch::new(rules, Options { threads, ..options }).unwrap();
            let mut out = Vec::new();
            batch
                .run("log", input.as_bytes(), &mut out, &mut |_| {})
                .unwrap();
            (out, batch.finish())
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// A run on several threads writes exactly what a run on one writes, line for
        /// line, and counts the same, duplicate ids across its chunks included.
        #[test]
        fn the_fast_line_and_threads_write_what_the_general_reading_writes(
            lines in proptest::collection::vec(log_line(), 1..200),
            csv_out in any::<bool>(),
        ) {
            static RULES: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
            let rules = RULES.get_or_init(|| Rules::default_rules().unwrap());
            let input = lines.join("\n");
            let options = Options {
                output: if csv_out { OutputFormat::Csv } else { OutputFormat::Jsonl },
                ..Options::default()
            };
            let [(fast, fast_summary), (general, general_summary), (threads, threads_summary)] =
                run_three_ways(rules, &input, options);
            let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
            let (fast, general, threads) = (text(fast), text(general), text(threads));
            let header = usize::from(csv_out);
            for (((f, g), t), line) in fast.lines().zip(general.lines()).zip(threads.lines()).skip(header).zip(&lines) {
                prop_assert_eq!(f, g, "input {}", line);
                prop_assert_eq!(t, g, "input {}", line);
            }
            prop_assert_eq!(general.lines().count(), lines.len() + header);
            prop_assert_eq!(&fast, &general);
            prop_assert_eq!(&threads, &general);
            prop_assert_eq!(&fast_summary, &general_summary);
            prop_assert_eq!(&threads_summary, &general_summary);
            // Every run checks ids the same way, so the duplicates are counted apart: a record
            // whose id an earlier record had ends its warnings with the duplicate warning.
            if !csv_out {
                let mut seen = std::collections::HashSet::new();
                let mut duplicates = 0;
                for line in general.lines() {
                    let record: serde_json::Value = serde_json::from_str(line).unwrap();
                    let id = record["id"].to_string();
                    let last = record["warnings"].as_array().unwrap().last().cloned();
                    let warned = last.is_some_and(|w| w.as_str().unwrap().starts_with("duplicate id"));
                    let repeated = record["id"] != serde_json::Value::Null && !seen.insert(id);
                    prop_assert_eq!(warned, repeated, "{}", line);
                    duplicates += u64::from(repeated);
                }
                prop_assert_eq!(general_summary.duplicate_ids, duplicates);
            }
        }
    }

    #[test]
    fn lines_split_across_the_readers_buffer_read_whole() {
        let rules = Rules::default_rules().unwrap();
        let mut input = b"\xEF\xBB\xBF".to_vec();
        input.extend_from_slice(
            br#"{"id":"a","method":"courier","sent":"2000-03-03T10:00:00-05:00"}"#,
        );
        input.extend_from_slice(b"\r\n\r\n\n");
        input.extend_from_slice(br#"{"id":"b","method":""#);
        input.extend(std::iter::repeat_n(b'x', MAX_LINE));
        input.extend_from_slice(b"\"}\r\n");
        input
            .extend_from_slice(br#"{"id":"a","method":"hand","sent":"2000-03-03T10:00:00-05:00"}"#);
        input.extend_from_slice(b"\r");
        let run = |capacity: usize| {
            let mut batch = Batch::new(&rules, Options::default()).unwrap();
            let mut out = Vec::new();
            let reader = io::BufReader::with_capacity(capacity, &input[..]);
            batch.run("log", reader, &mut out, &mut |_| {}).unwrap();
            (String::from_utf8(out).unwrap(), batch.finish())
        };
        let (whole, summary) = run(1 << 16);
        let lines: Vec<&str> = whole.lines().collect();
        assert_eq!(lines.len(), 5, "{whole}");
        assert!(lines[0].contains(r#""status":"effective""#), "{}", lines[0]);
        assert!(lines[1].contains("blank line") && lines[2].contains("blank line"));
        assert!(lines[3].contains("longer than"), "{}", lines[3]);
        // The last line ends with a carriage return and no newline.
        assert!(lines[4].contains("first seen on line 1"), "{}", lines[4]);
        assert_eq!(summary.records, 5);
        for capacity in [1, 2, 3, 7, 64, 4096] {
            assert_eq!(
                run(capacity),
                (whole.clone(), summary.clone()),
                "capacity {capacity}"
            );
        }
    }

    /// Lines ended `\r\n` read as lines ended `\n`, in JSON Lines and in CSV (whose last
    /// column, the recipient, would not be known with a carriage return), however the
    /// reader's buffer splits them and whatever the chunks hold.
    #[test]
    fn lines_ended_crlf_read_as_lines_ended_lf() {
        let rules = Rules::default_rules().unwrap();
        let mut jsonl = String::new();
        let mut csv = String::from("id,method,sent,fax_number,to\n");
        for n in 0..30 {
            let sent = format!("2000-03-{:02}T{:02}:30:00-05:00", 1 + n % 28, 8 + n % 16);
            jsonl.push_str(&format!(
                r#"{{"id":"N{n}","method":"fax","sent":"{sent}","fax_number":"(949) 788-6706","to":"company"}}"#
            ));
            jsonl.push_str(if n % 7 == 0 { "\n\n" } else { "\n" });
            if n % 11 == 0 {
                // Cut short inside a string, where a carriage return would be read.
                jsonl.push_str("{\"id\":\"N1\",\"method\":\"fa\n");
            }
            csv.push_str(&format!("N{n},fax,{sent},(949) 788-6706,company\n"));
        }
        for (input, format) in [(jsonl, InputFormat::Jsonl), (csv, InputFormat::Csv)] {
            let run = |text: &str, capacity: usize| {
                let options = Options {
                    input: format,
                    ..Options::default()
                };
                let mut batch = Batch::new(&rules, options).unwrap();
                let mut out = Vec::new();
                let reader = io::BufReader::with_capacity(capacity, text.as_bytes());
                batch.run("log", reader, &mut out, &mut |_| {}).unwrap();
                (String::from_utf8(out).unwrap(), batch.finish())
            };
            let (lf, summary) = run(&input, 1 << 16);
            assert_eq!(
                summary.errors,
                if format == InputFormat::Jsonl { 8 } else { 0 }
            );
            let crlf = input.replace('\n', "\r\n");
            for capacity in [1, 5, 64, 300, 1 << 16] {
                assert_eq!(
                    run(&crlf, capacity),
                    (lf.clone(), summary.clone()),
                    "{capacity}"
                );
            }
        }
    }

    #[test]
    fn threads_read_csv_with_a_byte_order_mark_as_one_thread_does() {
        let rules = Rules::default_rules().unwrap();
        let mut input = String::from("\u{feff}id,method,sent,to,fax_number\r\n");
        for n in 0..40 {
            let day = 1 + n % 28;
            input.push_str(&format!(
                "N{},fax,2000-03-{day:02}T{:02}:30:00-05:00,company,(949) 788-6706\r\n",
                n % 13,
                8 + n % 16
            ));
            if n % 9 == 0 {
                input.push_str("\r\n");
                input.push_str("N1,telex,2000-03-01T10:00:00-05:00,,\r\n");
            }
        }
        let options = Options {
            input: InputFormat::Csv,
            output: OutputFormat::Csv,
            ..Options::default()
        };
        let [
            (fast, fast_summary),
            (general, general_summary),
            (threads, threads_summary),
        ] = run_three_ways(&rules, &input, options);
        assert_eq!(
            String::from_utf8_lossy(&threads),
            String::from_utf8_lossy(&general)
        );
        assert_eq!(fast, general);
        assert_eq!(threads_summary, general_summary);
        assert_eq!(fast_summary, general_summary);
        assert!(general_summary.duplicate_ids > 20 && general_summary.errors > 5);
    }

    #[test]
    fn backslashes_are_found_in_every_place() {
        for len in 0..20 {
            assert!(!has_backslash(&vec![b'a'; len]));
            for at in 0..len {
                let mut text = vec![b'a'; len];
                text[at] = b'\\';
                assert!(has_backslash(&text), "{len} {at}");
                // Neighbours of the byte do not count.
                text[at] = b'\\' + 1;
                assert!(!has_backslash(&text), "{len} {at}");
                text[at] = b'\\' - 1;
                assert!(!has_backslash(&text), "{len} {at}");
            }
        }
    }

    #[test]
    fn csv_fields_split_with_quotes() {
        let f = split_csv(r#"a,"b, c","say ""hi""",,d"#, b',').unwrap();
        assert_eq!(f, ["a", "b, c", "say \"hi\"", "", "d"]);
        let f = split_csv("a;\"two\nlines\";c", b';').unwrap();
        assert_eq!(f, ["a", "two\nlines", "c"]);
        // Records end at LF, CRLF or CR outside quotes; an open quote goes on.
        assert_eq!(csv_record_ends(b"a,b\rc,d\re"), Ok(vec![3, 7]));
        assert_eq!(csv_record_ends(b"a,\"b\rc\",d"), Ok(vec![]));
        assert_eq!(csv_record_ends(b"a,\"open"), Err(vec![]));
    }

    /// Each record's line, as the chunk numbers them.
    fn lines(first: u64, n: usize) -> Vec<u64> {
        (first..first + n as u64).collect()
    }

    #[test]
    fn lines_are_read_whole_or_refused() {
        let input = b"one\r\ntwo\n\nthree";
        let mut r = &input[..];
        let mut buf = Vec::new();
        let mut lines = Vec::new();
        while let Some((long, _)) = read_line(&mut r, &mut buf).unwrap() {
            assert!(!long);
            lines.push(String::from_utf8(buf.clone()).unwrap());
            buf.clear();
        }
        assert_eq!(lines, ["one", "two", "", "three"]);
        // A line is added to what the buffer holds, and a line too long adds nothing.
        buf.extend_from_slice(b"kept\r");
        let long = vec![b'x'; MAX_LINE + 1];
        let mut r = io::BufReader::with_capacity(1024, &long[..]);
        let (too_long, consumed) = read_line(&mut r, &mut buf).unwrap().unwrap();
        assert!(too_long);
        assert_eq!(buf, b"kept\r");
        assert_eq!(consumed, MAX_LINE + 1);
        let mut r = &b"next\r\n"[..];
        read_line(&mut r, &mut buf).unwrap().unwrap();
        assert_eq!(buf, b"kept\rnext");
    }

    #[test]
    fn unknown_names_are_named_in_their_errors() {
        let rules = Rules::default_rules().unwrap();
        let line = |method: &str, to: &str| {
            format!(r#"{{"method":"{method}","sent":"2000-03-03T10:00:00-05:00","to":"{to}"}}"#)
        };
        let lines = [
            line("telex", "company"),
            line("pigeon", "company"),
            line("fax", "nobody"),
        ];
        let mut batch = Batch::new(&rules, Options::default()).unwrap();
        let mut out = Vec::new();
        let input = lines.join("\n");
        batch
            .run("log", input.as_bytes(), &mut out, &mut |_| {})
            .unwrap();
        let out = String::from_utf8(out).unwrap();
        let errors: Vec<(String, String)> = out
            .lines()
            .map(|l| {
                let record: serde_json::Value = serde_json::from_str(l).unwrap();
                let e = &record["error"];
                (
                    e["field"].to_string(),
                    e["message"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(errors.len(), 3);
        for ((field, message), (want_field, name)) in errors.iter().zip([
            ("\"method\"", "`telex`"),
            ("\"method\"", "`pigeon`"),
            ("\"to\"", "`nobody`"),
        ]) {
            assert_eq!(field, want_field);
            assert!(message.starts_with("unknown "), "{message}");
            assert!(message.contains(name), "{message} names {name}");
        }
    }

    #[test]
    fn fingerprints_tell_ids_apart_by_any_byte_and_length() {
        let base = b"N0000000123456789abc";
        let mut ids: Vec<Vec<u8>> = (0..=base.len()).map(|n| base[..n].to_vec()).collect();
        for n in 1..=base.len() {
            for at in 0..n {
                for new in [b'\0', b'x'] {
                    let mut id = base[..n].to_vec();
                    id[at] = new;
                    ids.push(id);
                }
            }
        }
        ids.sort();
        ids.dedup();
        let prints: std::collections::HashSet<u64> = ids.iter().map(|id| fingerprint(id)).collect();
        assert_eq!(prints.len(), ids.len());
    }

    #[test]
    fn rising_ids_past_the_capacity_are_unchecked_only_once_they_stop_rising() {
        let chunk = |ids: &[&str]| {
            let mut prints = Prints::default();
            ids.iter().for_each(|id| prints.push(Some(id)));
            prints
        };
        let mut index = IdIndex::holding(4);
        assert!(index.take_rising(&chunk(&["a1", "a2", "a3"]), 0, &lines(1, 3)));
        assert!(index.take_rising(&chunk(&["a4", "a5", "a6"]), 0, &lines(4, 3)));
        // Past the capacity, but each id rose, so each was new.
        assert!(!index.unchecked());
        // One goes back: the ids kept are found, and a5 and a6 were not kept.
        assert!(!index.take_rising(&chunk(&["a2"]), 0, &lines(7, 1)));
        assert!(index.unchecked());
        assert_eq!(index.first_seen(fingerprint(b"a2"), 7), Ok(Some(2)));
        assert_eq!(index.first_seen(fingerprint(b"a4"), 8), Ok(Some(4)));
        assert_eq!(index.first_seen(fingerprint(b"a6"), 9), Err(()));
        // Within the capacity, nothing goes unchecked.
        let mut index = IdIndex::holding(4);
        assert!(index.take_rising(&chunk(&["b1", "b2", "b3"]), 0, &lines(1, 3)));
        assert!(!index.take_rising(&chunk(&["b1"]), 0, &lines(4, 1)));
        assert!(!index.unchecked());
        assert_eq!(index.first_seen(fingerprint(b"b1"), 4), Ok(Some(1)));
    }

    #[test]
    fn ids_rise_by_length_then_bytes() {
        assert!(rises(b"N9", b"N10"));
        assert!(rises(b"N09", b"N10"));
        assert!(rises(b"a", b"b"));
        assert!(!rises(b"N10", b"N9"));
        assert!(!rises(b"b", b"b"));
        assert!(!rises(b"b", b"a"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Ids that mostly rise, now and then staying or going back to an earlier one (at
        /// times as the first of a chunk that rises on), on one thread and on three (chunks
        /// of a few lines): a record is warned of exactly when an earlier line had its id,
        /// and the warning names the first such line.
        #[test]
        fn rising_ids_are_checked_as_any_others(
            steps in proptest::collection::vec((0u8..30, 0usize..40), 1..150),
        ) {
            static RULES: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
            let rules = RULES.get_or_init(|| Rules::default_rules().unwrap());
            let mut ids: Vec<u64> = Vec::new();
            let mut n = 0;
            for (kind, back) in steps {
                let id = match kind {
                    // Back to an earlier id.
                    0 if !ids.is_empty() => ids[ids.len() - 1 - back % ids.len()],
                    // The same id again.
                    1 => n,
                    _ => {
                        n += 1 + back as u64 % 3;
                        n
                    }
                };
                ids.push(id);
            }
            let input: String = ids
                .iter()
                .map(|n| format!(r#"{{"id":"N{n}","method":"courier","sent":"2000-03-03T10:00:00-05:00"}}"#) + "\n")
                .collect();
            let mut first = std::collections::HashMap::new();
            let expected: Vec<Option<String>> = ids
                .iter()
                .enumerate()
                .map(|(k, n)| match first.entry(*n) {
                    std::collections::hash_map::Entry::Occupied(e) => {
                        Some(format!(r#"duplicate id "N{n}": first seen on line {}"#, e.get()))
                    }
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(k + 1);
                        None
                    }
                })
                .collect();
            for threads in [1, 3] {
                let mut batch = Batch::new(rules, Options { threads, ..Options::default() }).unwrap();
                let mut out = Vec::new();
                batch.run("log", input.as_bytes(), &mut out, &mut |_| {}).unwrap();
                let summary = batch.finish();
                let out = String::from_utf8(out).unwrap();
                prop_assert_eq!(out.lines().count(), ids.len());
                for (line, want) in out.lines().zip(&expected) {
                    let record: serde_json::Value = serde_json::from_str(line).unwrap();
                    let warnings = record["warnings"].as_array().unwrap();
                    let got = warnings
                        .last()
                        .and_then(|w| w.as_str())
                        .filter(|w| w.starts_with("duplicate id"));
                    prop_assert_eq!(got, want.as_deref(), "{} threads", threads);
                }
                let duplicates = expected.iter().flatten().count() as u64;
                prop_assert_eq!(summary.duplicate_ids, duplicates);
            }
        }
    }

    #[test]
    fn the_id_index_remembers_the_first_line() {
        let mut ids = IdIndex::new();
        assert_eq!(ids.first_seen(fingerprint(b"\"a\""), 1), Ok(None));
        assert_eq!(ids.first_seen(fingerprint(b"\"b\""), 2), Ok(None));
        assert_eq!(ids.first_seen(fingerprint(b"\"a\""), 3), Ok(Some(1)));
        // Ids that differ only in length or in a trailing zero byte are different ids.
        assert_eq!(ids.first_seen(fingerprint(b""), 4), Ok(None));
        assert_eq!(ids.first_seen(fingerprint(b"\0"), 5), Ok(None));
        assert_eq!(ids.first_seen(fingerprint(b"12345678"), 6), Ok(None));
        assert_eq!(ids.first_seen(fingerprint(b"12345678\0"), 7), Ok(None));
        assert_eq!(ids.first_seen(fingerprint(b"12345678"), 8), Ok(Some(6)));
    }
}
