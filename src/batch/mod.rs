//! Batch evaluation of notice logs: streaming, lossless, one output record per input line.
//!
//! Lines are read into reused chunks of a few thousand (a line longer than [`MAX_LINE`] is
//! skipped to its end and reported, never held), evaluated without the trace unless asked,
//! checked for duplicate ids and written, in input order, on one thread or with worker
//! threads. Most records take a shortcut: which clauses apply is worked out once per class
//! of events. Memory does not grow with the input: besides the chunks, the only index kept
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
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, BufRead, Write};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};
use chrono_tz::Tz;

mod changes;
mod chunks;
mod diff;
mod gaps;
mod ids;
mod names;
mod records;
mod scan;
mod sinks;
pub mod workbook;

pub use ids::DUPLICATE_CAPACITY;
use ids::*;
use records::*;
use sinks::*;

pub use changes::ChangeLine;
pub use diff::{Change, DiffSummary, Side, diff, diff_libraries};

use crate::Library;
use crate::eval::{Answered, Companion, EventRef, Quick, Resolution, Shortcuts, Status};
use crate::model::Rules;
use crate::time::{Fold, TimeError, parse_instant};

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
    /// Read every record in full, without the memo in front of the plan (the events' cells
    /// and dates kept from earlier records). Slower; the output is the same, as the memo
    /// decides nothing of its own.
    pub no_memo: bool,
    /// The byte between a CSV input's fields; `None` finds it from the header (`,`, `;` or
    /// a tab).
    pub delimiter: Option<u8>,
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

/// What a run did: counts per status and clause, and the first errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records (lines) read.
    pub records: u64,
    /// Records with status `effective`.
    pub effective: u64,
    /// Records with status `gap`.
    pub gap: u64,
    /// Records with status `pending`.
    pub pending: u64,
    /// Records with status `invalid`.
    pub invalid: u64,
    /// Records that could not be evaluated.
    pub errors: u64,
    /// Records per deciding clause or gap rule.
    pub by_clause: BTreeMap<String, u64>,
    /// Records per agreement, in a run over several.
    pub by_agreement: BTreeMap<String, u64>,
    /// Records whose id appeared before.
    pub duplicate_ids: u64,
    /// Whether the duplicate-id index filled up and a later id may repeat one it did not
    /// keep: past [`DUPLICATE_CAPACITY`] ids, once ids stop rising (while they rise, each
    /// is new).
    pub duplicate_index_full: bool,
    /// The first errors: input, line and message.
    pub first_errors: Vec<(String, u64, String)>,
    /// What the reader must know of how the inputs were read (a CSV delimiter found).
    pub notes: Vec<String>,
}

/// How many errors the summary lists.
const ERRORS_LISTED: usize = 10;

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "records read: {}", self.records)?;
        write!(
            f,
            "status: effective {}, gap {}, pending {}",
            self.effective, self.gap, self.pending
        )?;
        // Only rules with a `no-effect` outcome give `invalid`: shown when there are some.
        if self.invalid > 0 {
            write!(f, ", invalid {}", self.invalid)?;
        }
        writeln!(f, ", error {}", self.errors)?;
        // Over many agreements, their clauses are too many to list on a line.
        const CLAUSES_LISTED: usize = 48;
        if !self.by_clause.is_empty() && self.by_clause.len() <= CLAUSES_LISTED {
            let by: Vec<String> = self
                .by_clause
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect();
            writeln!(f, "by clause: {}", by.join(", "))?;
        } else if !self.by_clause.is_empty() {
            writeln!(
                f,
                "by clause: {} clauses and gap rules decided (too many to list here)",
                self.by_clause.len()
            )?;
        }
        if !self.by_agreement.is_empty() {
            let by: Vec<String> = (self.by_agreement.iter())
                .filter(|(_, n)| **n > 0)
                .map(|(a, n)| format!("{a} {n}"))
                .collect();
            writeln!(f, "by agreement: {}", by.join(", "))?;
        }
        if self.duplicate_ids > 0 {
            writeln!(f, "duplicate ids: {}", self.duplicate_ids)?;
        }
        for note in &self.notes {
            writeln!(f, "note: {note}")?;
        }
        if self.duplicate_index_full {
            writeln!(
                f,
                "note: more than {DUPLICATE_CAPACITY} distinct ids; later ids were not checked for duplicates"
            )?;
        }
        if !self.first_errors.is_empty() {
            if self.errors as usize > self.first_errors.len() {
                writeln!(f, "errors (the first {}):", self.first_errors.len())?;
            } else {
                writeln!(f, "errors:")?;
            }
            for (input, line, message) in &self.first_errors {
                writeln!(f, "  {input}:{line}: {message}")?;
            }
        }
        Ok(())
    }
}

/// What the fast line made of a line.
enum Fast<'l, 'r> {
    /// Its id and outcome, to write.
    Answered(Option<&'l str>, Outcome<'r>),
    /// Written already (by a gap rule's shortcut).
    Written,
}

/// The outcome for one input record: most are answered by shortcut, and carry nothing
/// else (the rest is boxed, so the common outcome is small to move and to drop).
struct Outcome<'r> {
    /// The answer by shortcut, for a record of one delivery without a trace.
    quick: Option<Quick>,
    full: Option<Box<FullOutcome<'r>>>,
}

/// An outcome not answered by shortcut.
#[derive(Default)]
struct FullOutcome<'r> {
    resolution: Option<Resolution>,
    /// Per-delivery resolutions when the record had several (for the trace).
    deliveries: Vec<(usize, &'r str, Resolution)>,
    extra_warnings: Vec<String>,
    error: Option<RecordError>,
}

/// A batch run over one or more inputs.
pub struct Batch<'r> {
    /// The agreement of the record being read (the others wait in `lanes`).
    lane: Box<Lane<'r>>,
    /// Every agreement's lane, by its place in the library; the current one's place holds
    /// `None` while it is out in `lane`.
    lanes: Vec<Option<Box<Lane<'r>>>>,
    /// What the run has learnt of the current agreement's form (the others wait in
    /// `memos`).
    memo: Box<Memo<'r>>,
    /// Every form's memo, by its form (the place of its first agreement); the current
    /// one's place holds `None` while it is out in `memo`, and the places of agreements
    /// that are not the first of their form hold `None` always.
    memos: Vec<Option<Box<Memo<'r>>>>,
    /// The library of several agreements the records choose from (`None`: one agreement).
    library: Option<&'r Library>,
    /// Per group of memos (by the form of its first), the form whose memo holds its table
    /// of dates (see [`Memo::days_group`]).
    days_holders: Vec<usize>,
    /// The current record's agreement could not be found: its output names none.
    unresolved: bool,
    /// Agreement names as the records write them, with their lanes' places (bounded).
    names_seen: names::NameIndex,
    /// What each notice of change read ahead designated, by input and line, for its record.
    change_notes: Arc<std::collections::HashMap<(String, u64), String>>,
    options: Options,
    summary: Summary,
    /// The table of ids seen, in the batch that writes the records (not in its workers).
    index: Option<IdIndex>,
    ids: Ids,
    /// Whether to take the fast line and the shortcuts (the tests compare both ways).
    quick: bool,
    rendered: Rendered,
    messages: Messages,
    /// The line number being written, in decimal.
    line_text: LineText,
    out: Vec<u8>,
    header_written: bool,
    /// Lines read from the inputs before this one: the duplicate check numbers lines across
    /// every input, so that an id first seen in another input is found there.
    seen_lines: u64,
    /// Each input's name, with the number its first line has across every input.
    inputs: Vec<(u64, String)>,
}

/// One agreement's rules in a run, and its counts.
struct Lane<'r> {
    rules: &'r Rules,
    tz: Tz,
    /// Its place in the library.
    place: usize,
    /// `,"agreement":"name"` for its JSON records in a run over several agreements, else
    /// empty.
    json_name: Vec<u8>,
    /// Its name as a CSV field, in a run over several agreements.
    csv_name: String,
    /// Records written under it.
    records: u64,
    /// Its records per deciding clause, by the clause's place in its memo's
    /// [`Memo::clauses`], gathered into the summary at the end.
    by_clause: Vec<u64>,
    /// Whether a rule asks for a companion delivery, so that each delivery of a record is
    /// read with the others.
    asks_companions: bool,
    /// The numbers notices of change designated (read before the run, then shared with
    /// the workers); `None` while none did (the common case, told without reading it).
    book: Option<Arc<changes::AddressBook>>,
    /// Its form: the place of the first agreement under which every notice resolves the
    /// same ([`crate::model::Agreement::same_notices`]), whose memo it shares.
    form: usize,
    /// The place of its parties' numbers among those of its form's agreements: the words
    /// of gap warnings, which quote them, are kept per numbers.
    numbers: usize,
}

/// What a run learns of one form of agreement, shared by the agreements of a folder under
/// which every notice resolves the same ([`crate::model::Agreement::same_notices`]): what
/// is learnt of one serves them all, but for what reads the parties' numbers (names and
/// senders, and the words of gap warnings), kept per [`Lane::numbers`].
struct Memo<'r> {
    /// Its form (the place of its first agreement).
    form: usize,
    /// Which clauses apply, per class of events, learnt as the run goes.
    shortcuts: Shortcuts<'r>,
    /// The end of a JSON record resolved by shortcut, per plan and status, and within them
    /// per deciding clause (see [`Batch::write_quick`]).
    tails: Vec<Vec<(usize, QuickTail)>>,
    /// What gap records are written with (see [`Batch::write_gap`]).
    gaps: gaps::Gaps,
    /// The deciding clauses met, each in the place its lanes count it at.
    clauses: Vec<Arc<str>>,
    /// Its group: the memos that may share one table of dates (the same zone, calendars,
    /// clocks and outcomes); the table is held by one memo of the group at a time.
    days_group: usize,
    /// The numbers of its agreements, each by the place of its first agreement (a lane's
    /// [`Lane::numbers`] is a place in this list).
    numbers: Vec<usize>,
}

impl<'r> Memo<'r> {
    fn new(rules: &'r Rules, form: usize) -> Memo<'r> {
        Memo {
            form,
            shortcuts: Shortcuts::new(rules),
            tails: Vec::new(),
            gaps: gaps::Gaps::default(),
            clauses: Vec::new(),
            days_group: form,
            numbers: vec![form],
        }
    }
}

impl<'r> Lane<'r> {
    fn new(rules: &'r Rules, place: usize, name: Option<&str>, form: usize) -> Option<Lane<'r>> {
        let agreement = rules.agreement()?;
        let (json_name, csv_name) = match name {
            Some(name) => {
                let quoted = serde_json::to_string(name).unwrap_or_default();
                (
                    format!(",\"agreement\":{quoted}").into_bytes(),
                    name.to_string(),
                )
            }
            None => (Vec::new(), String::new()),
        };
        Some(Lane {
            rules,
            tz: agreement.time_zone(),
            place,
            json_name,
            csv_name,
            records: 0,
            by_clause: Vec::new(),
            asks_companions: !agreement.plan.companions.is_empty(),
            book: None,
            form,
            numbers: 0,
        })
    }
}

/// The end of a JSON record resolved by shortcut: the same for every record of a plan and
/// status.
struct QuickTail {
    /// From the clause through the end of the line.
    bytes: Vec<u8>,
    /// Where its clause is counted in [`Lane::by_clause`].
    clause: Option<usize>,
}

/// Every agreement's lane and every form's memo, the first of each out.
struct Lanes<'r> {
    lane: Box<Lane<'r>>,
    lanes: Vec<Option<Box<Lane<'r>>>>,
    memo: Box<Memo<'r>>,
    memos: Vec<Option<Box<Memo<'r>>>>,
}

impl<'r> Batch<'r> {
    /// Prepares a run with these rules.
    pub fn new(rules: &'r Rules, options: Options) -> Result<Batch<'r>, BatchError> {
        let lane = Lane::new(rules, 0, None, 0).ok_or_else(|| BatchError::NoAgreement {
            origin: rules.origin().to_string(),
        })?;
        let lanes = Lanes {
            lane: Box::new(lane),
            lanes: Vec::new(),
            memo: Box::new(Memo::new(rules, 0)),
            memos: Vec::new(),
        };
        Ok(Batch::build(lanes, None, options, Some(IdIndex::new())))
    }

    /// Prepares a run over the agreements of a library: each record names its own with the
    /// field `agreement` (or, when the library holds one, may leave it out), and each output
    /// record of a folder's names it.
    pub fn over(library: &'r Library, options: Options) -> Result<Batch<'r>, BatchError> {
        // One agreement of a file is a run over it; a folder's names it on every record.
        if library.entries().len() == 1 && !library.is_folder() {
            let rules = &library
                .entries()
                .first()
                .map(|e| &e.rules)
                .into_iter()
                .next();
            if let Some(rules) = rules {
                return Batch::new(rules, options);
            }
        }
        let lanes = Batch::lanes_of(library)?;
        Ok(Batch::build(
            lanes,
            Some(library),
            options,
            Some(IdIndex::new()),
        ))
    }

    /// A lane for each agreement of a library and a memo for each form, the first out.
    fn lanes_of(library: &'r Library) -> Result<Lanes<'r>, BatchError> {
        let n = library.entries().len();
        let mut lanes = Vec::with_capacity(n);
        let mut memos: Vec<Option<Box<Memo<'r>>>> = Vec::with_capacity(n);
        for (place, e) in library.entries().iter().enumerate() {
            let form = library.form_of(place);
            let mut lane = Lane::new(&e.rules, place, Some(&e.name), form).ok_or_else(|| {
                BatchError::NoAgreement {
                    origin: e.rules.origin().to_string(),
                }
            })?;
            memos.push((form == place).then(|| Box::new(Memo::new(&e.rules, form))));
            // Its numbers' place among its form's.
            let numbers = library.numbers_of(place);
            if let Some(Some(memo)) = memos.get_mut(form) {
                lane.numbers = match memo.numbers.iter().position(|n| *n == numbers) {
                    Some(at) => at,
                    None => {
                        memo.numbers.push(numbers);
                        memo.numbers.len() - 1
                    }
                };
            }
            lanes.push(Some(Box::new(lane)));
        }
        // Memos whose tables of dates would hold the same share one: a group is named by
        // its first memo's form.
        let mut keys: Vec<(String, usize)> = Vec::new();
        for memo in memos.iter_mut().flatten() {
            if let Some(key) = memo.shortcuts.days_key() {
                match keys.iter().find(|(k, _)| *k == key) {
                    Some((_, group)) => memo.days_group = *group,
                    None => keys.push((key, memo.form)),
                }
            }
        }
        let missing = || BatchError::NoAgreement {
            origin: library.origin().to_string(),
        };
        // The first agreement is the first of its form.
        let lane = lanes
            .first_mut()
            .and_then(Option::take)
            .ok_or_else(missing)?;
        let memo = memos
            .first_mut()
            .and_then(Option::take)
            .ok_or_else(missing)?;
        Ok(Lanes {
            lane,
            lanes,
            memo,
            memos,
        })
    }

    fn build(
        lanes: Lanes<'r>,
        library: Option<&'r Library>,
        options: Options,
        index: Option<IdIndex>,
    ) -> Batch<'r> {
        let Lanes {
            lane,
            lanes,
            memo,
            memos,
        } = lanes;
        Batch {
            lane,
            days_holders: (0..lanes.len().max(1)).collect(),
            lanes,
            memo,
            memos,
            library,
            unresolved: false,
            names_seen: names::NameIndex::default(),
            change_notes: Arc::default(),
            options,
            summary: Summary::default(),
            index,
            ids: Ids::Deferred(Prints::default()),
            quick: !options.no_memo,
            rendered: Rendered::default(),
            messages: Messages::default(),
            line_text: LineText::default(),
            out: Vec::with_capacity(1 << 16),
            header_written: false,
            seen_lines: 0,
            inputs: Vec::new(),
        }
    }

    /// A batch like this one for a worker thread: the same rules, nothing learnt yet.
    fn fresh(&self) -> Batch<'r> {
        let lanes = match self.library.map(Batch::lanes_of) {
            Some(Ok(lanes)) => lanes,
            _ => {
                let (rules, place) = (self.lane.rules, self.lane.place);
                let lane = match Lane::new(rules, place, None, place) {
                    Some(lane) => lane,
                    // INVARIANT: the batch's lane was built from the same rules.
                    None => self.lane_copy(),
                };
                Lanes {
                    lane: Box::new(lane),
                    lanes: Vec::new(),
                    memo: Box::new(Memo::new(rules, place)),
                    memos: Vec::new(),
                }
            }
        };
        let mut batch = Batch::build(lanes, self.library, self.options, None);
        // What notices of change designated, read before the run, holds in every worker.
        batch.change_notes = Arc::clone(&self.change_notes);
        for mine in self.every_lane() {
            let theirs = match batch.lane.place == mine.place {
                true => Some(&mut batch.lane),
                false => batch.lanes.get_mut(mine.place).and_then(Option::as_mut),
            };
            if let Some(theirs) = theirs {
                theirs.book = mine.book.clone();
            }
        }
        batch
    }

    /// A lane of the current rules with nothing learnt (for [`Batch::fresh`]).
    fn lane_copy(&self) -> Lane<'r> {
        Lane {
            rules: self.lane.rules,
            tz: self.lane.tz,
            place: self.lane.place,
            json_name: self.lane.json_name.clone(),
            csv_name: self.lane.csv_name.clone(),
            records: 0,
            by_clause: Vec::new(),
            asks_companions: self.lane.asks_companions,
            book: self.lane.book.clone(),
            form: self.lane.form,
            numbers: self.lane.numbers,
        }
    }

    /// Makes the agreement named `name` (in any case) the current one; in a run over one
    /// agreement, any name or none is that one. `Err` with the record's error when the name
    /// is missing or unknown.
    #[inline]
    fn choose(&mut self, name: Option<&str>) -> Result<(), RecordError> {
        match self.library {
            None => Ok(()),
            Some(library) => self.choose_in(library, name),
        }
    }

    /// [`Batch::choose`] in a run over several agreements.
    #[inline]
    fn choose_in(&mut self, library: &'r Library, name: Option<&str>) -> Result<(), RecordError> {
        // A name the records wrote before: its place is known.
        let place = match name.and_then(|n| self.names_seen.get(n)) {
            Some(place) => place,
            None => self.place_of_new(library, name)?,
        };
        self.unresolved = false;
        if place != self.lane.place {
            self.switch_lane(place);
        }
        Ok(())
    }

    /// The place of an agreement name the records have not written before (then kept), or
    /// the record's error when it is missing or unknown.
    #[cold]
    fn place_of_new(
        &mut self,
        library: &'r Library,
        name: Option<&str>,
    ) -> Result<usize, RecordError> {
        // An unknown name worded before (the fast reading of this very line, most often):
        // not looked up again. A missing name is kept apart from an empty one.
        let (kind, key) = match name {
            Some(name) => ("agreement", name),
            None => ("missing agreement", ""),
        };
        if let Some(message) = self.messages.kept(kind, key) {
            return Err(RecordError::field("agreement", message));
        }
        match library.position(name) {
            Ok(place) => {
                if let Some(n) = name {
                    self.names_seen.insert(n, place);
                }
                Ok(place)
            }
            Err(e) => {
                let message = self.messages.message(kind, key, || match name {
                    None => format!("missing: {e} ({})", e.help()),
                    Some(_) => format!("{e} ({})", e.help()),
                });
                Err(RecordError::field("agreement", message))
            }
        }
    }

    /// Makes the lane at `place` the current one (with its form's memo).
    fn switch_lane(&mut self, place: usize) {
        let Some(next) = self.lanes.get_mut(place).and_then(Option::take) else {
            return;
        };
        if next.form != self.memo.form {
            self.switch_memo(next.form);
        }
        self.memo.shortcuts.read_for(next.rules, next.numbers);
        let old = std::mem::replace(&mut self.lane, next);
        let at = old.place;
        if let Some(slot) = self.lanes.get_mut(at) {
            *slot = Some(old);
        }
    }

    /// Makes the memo of `form` the current one.
    fn switch_memo(&mut self, form: usize) {
        let Some(mut next) = self.memos.get_mut(form).and_then(Option::take) else {
            return;
        };
        // The table of dates of the next memo's group comes to it from the memo that holds
        // it (the current one, or one parked).
        let group = next.days_group;
        if let Some(holder) = self.days_holders.get(group).copied() {
            if holder != form {
                if holder == self.memo.form {
                    self.memo.shortcuts.trade_days(&mut next.shortcuts);
                } else if let Some(Some(other)) = self.memos.get_mut(holder) {
                    other.shortcuts.trade_days(&mut next.shortcuts);
                }
                if let Some(h) = self.days_holders.get_mut(group) {
                    *h = form;
                }
            }
        }
        let old = std::mem::replace(&mut self.memo, next);
        let at = old.form;
        if let Some(slot) = self.memos.get_mut(at) {
            *slot = Some(old);
        }
    }

    /// Every memo, the current one first.
    fn every_memo(&self) -> impl Iterator<Item = &Memo<'r>> {
        std::iter::once(&*self.memo).chain(self.memos.iter().flatten().map(|m| &**m))
    }

    /// Every lane, the current one first.
    fn every_lane(&self) -> impl Iterator<Item = &Lane<'r>> {
        std::iter::once(&*self.lane).chain(self.lanes.iter().flatten().map(|l| &**l))
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

    /// Reads, evaluates and writes one input line (without its end of line).
    fn process(
        &mut self,
        name: &str,
        line_no: u64,
        line: &[u8],
        too_long: bool,
        columns: Option<&CsvColumns>,
    ) {
        // Until the record names an agreement the run knows, it is under none.
        self.unresolved = self.library.is_some();
        let (id, outcome) = match self.fast_line(line_no, line, too_long, columns.is_some()) {
            Some(Fast::Written) => return,
            Some(Fast::Answered(id, outcome)) => (id.map(Cow::Borrowed), outcome),
            None => self.resolve_line((name, line_no), line, too_long, columns),
        };
        self.write_record(name, line_no, id.as_deref(), outcome);
    }

    /// The counts so far.
    pub fn finish(self) -> Summary {
        let several = self.library.is_some();
        let mut by_agreement = BTreeMap::new();
        let mut by_clause: BTreeMap<String, u64> = BTreeMap::new();
        for lane in self.every_lane() {
            if several {
                by_agreement.insert(lane.csv_name.clone(), lane.records);
            }
            let Some(memo) = self.every_memo().find(|m| m.form == lane.form) else {
                continue;
            };
            // A clause of the form that decided none of its records is not counted for it.
            let counted = memo
                .clauses
                .iter()
                .zip(&lane.by_clause)
                .filter(|(_, n)| **n > 0);
            for (clause, n) in counted {
                // Over several agreements, a clause is named with its agreement's name.
                let key = match several {
                    true => format!("{}:{clause}", lane.csv_name),
                    false => clause.to_string(),
                };
                *by_clause.entry(key).or_default() += n;
            }
        }
        let mut summary = self.summary;
        for (name, n) in by_agreement {
            *summary.by_agreement.entry(name).or_default() += n;
        }
        for (clause, n) in by_clause {
            *summary.by_clause.entry(clause).or_default() += n;
        }
        summary
    }

    /// The columns a CSV header names, matched whatever their case and surrounding
    /// spaces; a column named twice is an error. Without a delimiter given, the header
    /// shows it: `,`, or `;` or a tab when it has more of those (a note says so).
    fn csv_header(
        &self,
        name: &str,
        line: &[u8],
    ) -> Result<(CsvColumns, Option<String>), BatchError> {
        let mut note = None;
        let text = String::from_utf8_lossy(line);
        let delimiter = match self.options.delimiter {
            Some(d) => d,
            None => {
                let count = |d: u8| line.iter().filter(|b| **b == d).count();
                let (comma, semicolon, tab) = (count(b','), count(b';'), count(b'\t'));
                let found = if tab > comma && tab >= semicolon {
                    b'\t'
                } else if semicolon > comma {
                    b';'
                } else {
                    b','
                };
                if found != b',' {
                    let word = if found == b'\t' { "tabs" } else { "semicolons" };
                    note = Some(format!(
                        "`{name}`: its header is separated by {word}, so its fields are read so (`--delimiter` to say otherwise)"
                    ));
                }
                found
            }
        };
        let fields = split_csv(&text, delimiter).unwrap_or_default();
        let mut cols = CsvColumns {
            delimiter,
            ..CsvColumns::default()
        };
        for (n, f) in fields.iter().enumerate() {
            // `Fax Number`, `fax-number` and `FAX_NUMBER` are `fax_number`.
            let column = f.trim().to_ascii_lowercase().replace([' ', '-'], "_");
            let slot = match column.as_str() {
                "id" => &mut cols.id,
                "method" => &mut cols.method,
                "sent" => &mut cols.sent,
                "received" => &mut cols.received,
                "to" => &mut cols.to,
                "from" => &mut cols.from,
                "fax_number" => &mut cols.fax_number,
                "agreement" => &mut cols.agreement,
                _ => continue,
            };
            if slot.is_some() {
                return Err(BatchError::CsvDuplicateColumn {
                    input: name.to_string(),
                    column: f.trim().to_string(),
                });
            }
            *slot = Some(n);
        }
        let mut missing = Vec::new();
        if cols.method.is_none() {
            missing.push("method");
        }
        if cols.sent.is_none() && cols.received.is_none() {
            missing.push("sent");
        }
        if !missing.is_empty() {
            return Err(BatchError::CsvHeader {
                input: name.to_string(),
                missing,
            });
        }
        Ok((cols, note))
    }

    /// The common line, answered without the general reading's plumbing: a JSON record of
    /// one delivery whose fields are plain strings, which resolves (by shortcut, or by the
    /// full reading for a gap). A record answered by a gap rule's shortcut is written at
    /// once. `None` leaves the line to [`Batch::resolve_line`], which reads it afresh and
    /// gives the same answer or says what is wrong.
    fn fast_line<'l>(
        &mut self,
        line_no: u64,
        line: &'l [u8],
        too_long: bool,
        csv: bool,
    ) -> Option<Fast<'l, 'r>> {
        if too_long || csv || self.options.trace || !self.quick {
            return None;
        }
        let text = simdutf8::basic::from_utf8(line).ok()?;
        let f = match scan::compact(text) {
            Some(f) => f,
            // A notice sent several ways takes the general reading: not scanned twice.
            None if text.contains("\"deliveries\"") => return None,
            None => scan::record(text)?,
        };
        // A notice sent several ways, or a notice of change, takes the general reading.
        if f.deliveries.is_some() || f.changes.is_some() {
            return None;
        }
        // A field's text when it is absent or a string without escapes; `Err` otherwise.
        let plain = |raw: Option<&'l str>, bit: u8| match raw {
            None => Ok(None),
            Some(text) if f.plain & bit != 0 => {
                Ok(text.strip_prefix('"').and_then(|t| t.strip_suffix('"')))
            }
            Some(_) => Err(()),
        };
        let agreement = plain(f.agreement, scan::Fields::PLAIN_AGREEMENT).ok()?;
        // An agreement missing or unknown is the general reading's to report.
        self.choose(agreement).ok()?;
        let method = plain(f.method, scan::Fields::PLAIN_METHOD).ok()??;
        let sent = plain(f.sent, scan::Fields::PLAIN_SENT).ok()?;
        let received = plain(f.received, scan::Fields::PLAIN_RECEIVED).ok()?;
        let to = plain(f.to, scan::Fields::PLAIN_TO).ok()?;
        let from = plain(f.from, scan::Fields::PLAIN_FROM).ok()?;
        if sent.is_none() && received.is_none() {
            // The general reading says which field is missing.
            return None;
        }
        let fax_number = plain(f.fax_number, scan::Fields::PLAIN_FAX_NUMBER).ok()?;
        let id = f.id.filter(|id| *id != "null");
        // An id a strict parser could not read back takes the general reading, which says so.
        if id.is_some_and(|id| checked_id(id).is_err()) {
            return None;
        }
        // A notice with no sender to a party whose numbers a notice of change designated:
        // the general reading says that the change is not applied.
        if let Some(book) = self.lane.book.as_ref().filter(|_| from.is_none()) {
            let agreement = self.lane.rules.agreement()?;
            if book.unapplied(agreement, to, None).is_some() {
                return None;
            }
        }
        let gaps = self.writes_quick(id);
        // The answer read from the text knows neither a sender nor a notice without a sending.
        let by_text = match (sent, from) {
            (Some(sent), None) => {
                (self.memo.shortcuts).by_text(method, sent, received, to, fax_number, gaps)
            }
            _ => None,
        };
        if let Some(quick) = by_text {
            if quick.gap.is_none() {
                return Some(Fast::Answered(id, Outcome::quick(quick)));
            }
            if self.write_gap(line_no, id, &quick, method, fax_number) {
                return Some(Fast::Written);
            }
        }
        let time = |text| parse_instant(text, self.lane.tz, self.options.fold).ok();
        let event = EventRef {
            method,
            sent: match sent {
                Some(text) => Some(time(text)?),
                None => None,
            },
            received: match received {
                Some(text) => Some(time(text)?),
                None => None,
            },
            to,
            from,
            fax_number,
            companions: &[],
            designation: None,
        };
        let agreement = self.lane.rules.agreement()?;
        let event = EventRef {
            designation: self
                .lane
                .book
                .as_ref()
                .and_then(|b| b.for_event(agreement, &event)),
            ..event
        };
        let outcome = match self.memo.shortcuts.evaluate(event) {
            Ok(Answered::Quick(quick)) => Outcome::quick(quick),
            Ok(Answered::Full(resolution)) => Outcome::full(FullOutcome {
                resolution: Some(resolution),
                ..FullOutcome::default()
            }),
            Err(e) => {
                let named = |f: &str| f.to_string();
                Outcome::error(eval_error(&e, &event, &named, &mut self.messages))
            }
        };
        Some(Fast::Answered(id, outcome))
    }

    /// Whether a record answered by shortcut is written by [`Batch::write_quick`]: not
    /// with another format, a trace, or a duplicate id's warning.
    fn writes_quick(&self, id: Option<&str>) -> bool {
        self.options.output == OutputFormat::Jsonl
            && !self.options.trace
            && !matches!((&self.ids, id), (Ids::Known(Some(_)), Some(_)))
    }

    /// Reads and evaluates one input line (without its end of line).
    fn resolve_line<'l>(
        &mut self,
        (input, line_no): (&str, u64),
        line: &'l [u8],
        too_long: bool,
        columns: Option<&CsvColumns>,
    ) -> (Option<Cow<'l, str>>, Outcome<'r>) {
        if too_long {
            let e = format!("the line is longer than {MAX_LINE} bytes");
            return (None, Outcome::error(RecordError::line(e)));
        }
        match std::str::from_utf8(line) {
            Err(e) => (
                None,
                Outcome::error(RecordError::at(
                    e.valid_up_to() + 1,
                    "invalid UTF-8: the input must be UTF-8 text",
                )),
            ),
            // A record starts with `{`; only other lines can be blank.
            Ok(text) if !text.starts_with('{') && text.trim().is_empty() => (
                None,
                Outcome::error(RecordError::line("blank line: expected a record")),
            ),
            Ok(text) => {
                let record = match columns {
                    Some(cols) => parse_csv_line(text, cols).map_err(|e| (None, e)),
                    None => parse_json_line(text),
                };
                match record {
                    Err((id, e)) => (id, Outcome::error(e)),
                    Ok(record) => match self.choose(record.agreement.as_deref()) {
                        Err(e) => (record.id, Outcome::error(e)),
                        Ok(()) => {
                            let mut outcome = self.evaluate(&record);
                            if record.changes.is_some() {
                                let note = self.change_note(input, line_no);
                                outcome = self.with_note(outcome, note);
                            }
                            let first = record.deliveries.first();
                            let unapplied = self.lane.rules.agreement().and_then(|a| {
                                let to = first.and_then(|d| d.to.as_deref());
                                let from = first.and_then(|d| d.from.as_deref());
                                self.lane.book.as_ref()?.unapplied(a, to, from)
                            });
                            if let Some(note) = unapplied {
                                outcome = self.with_note(outcome, note);
                            }
                            (record.id, outcome)
                        }
                    },
                }
            }
        }
    }

    /// Evaluates every delivery of a record and keeps the earliest result, as "the
    /// earliest of" in §4.2 does for one notice sent several ways.
    fn evaluate(&mut self, record: &Record<'_>) -> Outcome<'r> {
        let trace = self.options.trace;
        let mut best: Option<(usize, Resolution)> = None;
        let mut all = Vec::new();
        // A rule may ask for a companion among the record's other deliveries: each delivery
        // is read with the others (by method, and when sent or else received).
        let companions: Vec<Option<Companion>> = match record.multi && self.lane.asks_companions {
            false => Vec::new(),
            true => record
                .deliveries
                .iter()
                .enumerate()
                .map(|(n, d)| {
                    let field = |f: &str| field_name(Some(n), f);
                    let (e, _) = self.event(d, &field).ok()?;
                    Some(Companion {
                        method: e.method.to_string(),
                        at: e.sent.or(e.received)?,
                    })
                })
                .collect(),
        };
        for (n, d) in record.deliveries.iter().enumerate() {
            let field = |f: &str| field_name(record.multi.then_some(n), f);
            let (mut event, dated) = match self.event(d, &field) {
                Ok(e) => e,
                Err(e) => return Outcome::error(e),
            };
            let others: Vec<Companion> = (companions.iter().enumerate())
                .filter(|(m, _)| *m != n)
                .filter_map(|(_, c)| c.clone())
                .collect();
            event.companions = &others;
            if let Some(agreement) = self.lane.rules.agreement() {
                event.designation =
                    (self.lane.book.as_ref()).and_then(|b| b.for_event(agreement, &event));
            }
            let answered = match dated {
                Some((received, date)) => self
                    .lane
                    .rules
                    .evaluate_on_date(&event.to_event(), received, date, trace)
                    .map(Answered::Full),
                None if !trace && self.quick => self.memo.shortcuts.evaluate(event),
                None => self
                    .lane
                    .rules
                    .evaluate_ref(event, trace)
                    .map(Answered::Full),
            };
            let resolution = match answered {
                Ok(Answered::Quick(quick)) if !record.multi => return Outcome::quick(quick),
                // One delivery of several: its answer is weighed against the others'.
                Ok(Answered::Quick(quick)) => Ok(self.memo.shortcuts.resolution(&quick)),
                Ok(Answered::Full(r)) => Ok(r),
                Err(e) => Err(e),
            };
            let resolution = match resolution {
                Ok(r) => r,
                Err(e) => {
                    return Outcome::error(eval_error(&e, &event, &field, &mut self.messages));
                }
            };
            let better = match &best {
                None => true,
                Some((_, b)) => match (resolution.effective_at, b.effective_at) {
                    (Some(new), Some(old)) => new < old,
                    (Some(_), None) => true,
                    _ => false,
                },
            };
            if record.multi && trace {
                all.push((n, resolution.clone()));
            }
            if better {
                best = Some((n, resolution));
            }
        }
        let mut extra = Vec::new();
        if record.multi {
            if let Some((n, r)) = &best {
                let method = record
                    .deliveries
                    .get(*n)
                    .and_then(|d| d.method.as_deref())
                    .unwrap_or("");
                extra.push(format!(
                    "delivery {} of {} (`{method}`) decided: the earliest of the deliveries{}",
                    n + 1,
                    record.deliveries.len(),
                    if r.status == Status::Pending {
                        ", none of which has a deemed date yet"
                    } else {
                        ""
                    }
                ));
            }
        }
        Outcome::full(FullOutcome {
            resolution: best.map(|(_, r)| r),
            deliveries: all
                .into_iter()
                .map(|(n, r)| {
                    let method = self
                        .lane
                        .rules
                        .agreement()
                        .and_then(|a| {
                            let m = record.deliveries.get(n)?.method.as_deref()?;
                            a.method_names()
                                .into_iter()
                                .find(|x| x.eq_ignore_ascii_case(m))
                        })
                        .unwrap_or("");
                    (n, method, r)
                })
                .collect(),
            extra_warnings: extra,
            error: None,
        })
    }

    /// The delivery as an event, and the date of its sending or receipt when that is given
    /// as a date alone (`2000-03-03` for a courier), which the rules answer only when they
    /// give the same answer all day ([`Rules::evaluate_on_date`]).
    fn event<'d>(
        &self,
        d: &'d Delivery<'_>,
        field: &dyn Fn(&str) -> String,
    ) -> Result<(EventRef<'d>, Option<(bool, NaiveDate)>), RecordError> {
        let method = d
            .method
            .as_deref()
            .ok_or_else(|| RecordError::field(field("method"), "missing"))?;
        if d.sent.is_none() && d.received.is_none() {
            let why = "missing (a notice gives `sent`, or `received` alone when the rule it falls under reads no sending)";
            return Err(RecordError::field(field("sent"), why));
        }
        let mut dated = None;
        let mut time =
            |name: &str, text: &str| -> Result<Option<DateTime<FixedOffset>>, RecordError> {
                match parse_instant(text, self.lane.tz, self.options.fold) {
                    Ok(t) => Ok(Some(t)),
                    Err(TimeError::DateAlone { date, .. }) if dated.is_none() => {
                        dated = Some((name == "received", date));
                        Ok(None)
                    }
                    Err(e) => {
                        let help = match &e {
                            TimeError::Malformed { .. } => e.help(),
                            _ => e.help().replace("--fold", "batch --fold"),
                        };
                        Err(RecordError::field(field(name), format!("{e} ({help})")))
                    }
                }
            };
        let sent = match d.sent.as_deref() {
            Some(t) => time("sent", t)?,
            None => None,
        };
        let received = match d.received.as_deref() {
            Some(t) => time("received", t)?,
            None => None,
        };
        let event = EventRef {
            method,
            sent,
            received,
            to: d.to.as_deref(),
            from: d.from.as_deref(),
            fax_number: d.fax_number.as_deref(),
            companions: &[],
            designation: None,
        };
        Ok((event, dated))
    }
}

impl<'r> Outcome<'r> {
    fn quick(quick: Quick) -> Self {
        Outcome {
            quick: Some(quick),
            full: None,
        }
    }

    fn full(full: FullOutcome<'r>) -> Self {
        Outcome {
            quick: None,
            full: Some(Box::new(full)),
        }
    }

    fn error(e: RecordError) -> Self {
        Outcome::full(FullOutcome {
            error: Some(e),
            ..FullOutcome::default()
        })
    }

    fn resolution(&self) -> Option<&Resolution> {
        self.full.as_ref()?.resolution.as_ref()
    }

    fn record_error(&self) -> Option<&RecordError> {
        self.full.as_ref()?.error.as_ref()
    }

    fn deliveries(&self) -> &[(usize, &'r str, Resolution)] {
        self.full.as_ref().map_or(&[], |f| f.deliveries.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::chunks::read_line;
    use super::*;
    use chrono::TimeZone;
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

    /// The output and summary of a run with the fast line and shortcuts, one without, and
    /// one on three threads (whose chunks hold a few lines in the unit tests).
    fn run_three_ways(rules: &Rules, input: &str, options: Options) -> [(Vec<u8>, Summary); 3] {
        [(true, 1), (false, 1), (true, 3)].map(|(quick, threads)| {
            let mut batch = Batch::new(rules, Options { threads, ..options }).unwrap();
            batch.quick = quick;
            let mut out = Vec::new();
            batch
                .run("log", input.as_bytes(), &mut out, &mut |_| {})
                .unwrap();
            (out, batch.finish())
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The fast line and the shortcuts write exactly what the general reading writes,
        /// line for line, and count the same; so does a run on several threads, duplicate
        /// ids across its chunks included.
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

    /// Counted up in place, and set afresh after a jump (a chunk of another worker, the
    /// second reading of a duplicate), a line number reads as Rust writes it.
    #[test]
    fn line_numbers_count_up_as_rust_writes_them() {
        let mut text = LineText::default();
        let jumps = [1u64, 5, 98, 999, 7, 99_999, 1_000_000_000 - 2, u64::MAX - 1];
        for start in jumps {
            for n in start..start.saturating_add(3).max(start) {
                assert_eq!(text.of(n), n.to_string().as_bytes(), "{n}");
            }
        }
        let mut text = LineText::default();
        for n in 1..=100_000u64 {
            assert_eq!(text.of(n), n.to_string().as_bytes());
        }
        assert_eq!(text.of(u64::MAX), u64::MAX.to_string().as_bytes());
    }

    #[test]
    fn numbers_are_written_as_rust_writes_them() {
        for n in (0..1000).chain([9_999, 10_000, 123_456_789, u64::MAX - 1, u64::MAX]) {
            let mut out = Vec::new();
            write_u64(&mut out, n);
            assert_eq!(String::from_utf8(out).unwrap(), n.to_string());
        }
    }

    #[test]
    fn dates_and_instants_are_written_as_chrono_writes_them() {
        let t = DateTime::parse_from_rfc3339("2000-03-06T00:00:00-05:00").unwrap();
        let mut out = Vec::new();
        write_rfc3339(&mut out, t);
        assert_eq!(String::from_utf8(out).unwrap(), t.to_rfc3339());
        let t = DateTime::parse_from_rfc3339("2000-03-06T09:05:07.25+05:30").unwrap();
        let mut out = Vec::new();
        write_rfc3339(&mut out, t);
        assert_eq!(String::from_utf8(out).unwrap(), t.to_rfc3339());
        // Every field at every value: instants a prime number of seconds apart, on clocks
        // east and west, against chrono.
        for offset in [-43_200, -16_200, -14_400, 0, 19_800, 50_400] {
            let zone = FixedOffset::east_opt(offset).unwrap();
            for n in 0..20_000i64 {
                let t = DateTime::from_timestamp(946_684_800 + n * 7_919, 0)
                    .unwrap()
                    .with_timezone(&zone);
                let mut out = Vec::new();
                write_rfc3339(&mut out, t);
                assert_eq!(String::from_utf8(out).unwrap(), t.to_rfc3339());
                let mut out = Vec::new();
                write_date(&mut out, t.date_naive());
                assert_eq!(String::from_utf8(out).unwrap(), t.date_naive().to_string());
            }
        }
        let mut out = Vec::new();
        write_u64(&mut out, 0);
        out.push(b' ');
        write_u64(&mut out, 18_446_744_073_709_551_615);
        assert_eq!(String::from_utf8(out).unwrap(), "0 18446744073709551615");
    }

    #[test]
    fn displayed_values_are_escaped_like_serde_json_escapes_them() {
        let text = "a \"quote\", a \\ backslash,\na line, a \t tab and \u{1}";
        let mut out = Vec::new();
        write_json_display(&mut out, &text);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string(text).unwrap()
        );
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
    fn unknown_names_are_worded_once_each() {
        let rules = Rules::default_rules().unwrap();
        let line = |method: &str, to: &str| {
            format!(r#"{{"method":"{method}","sent":"2000-03-03T10:00:00-05:00","to":"{to}"}}"#)
        };
        let lines = [
            line("telex", "company"),
            line("pigeon", "company"),
            line("telex", "company"),
            line("fax", "nobody"),
            line("fax", "someone"),
            line("fax", "nobody"),
        ];
        let mut batch = Batch::new(&rules, Options::default()).unwrap();
        let mut out = Vec::new();
        let input = lines.join("\n");
        batch
            .run("log", input.as_bytes(), &mut out, &mut |_| {})
            .unwrap();
        let messages: Vec<String> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| {
                let record: serde_json::Value = serde_json::from_str(l).unwrap();
                record["error"]["message"].as_str().unwrap().to_string()
            })
            .collect();
        for (message, name) in messages.iter().zip([
            "`telex`",
            "`pigeon`",
            "`telex`",
            "`nobody`",
            "`someone`",
            "`nobody`",
        ]) {
            assert!(message.starts_with("unknown "), "{message}");
            assert!(message.contains(name), "{message} names {name}");
        }
        assert_eq!(messages[0], messages[2]);
        assert_eq!(messages[3], messages[5]);
        let mut kept = Messages::default();
        let mut worded = 0;
        for _ in 0..3 {
            kept.message("method", "telex", || {
                worded += 1;
                "unknown method `telex`".into()
            });
        }
        assert_eq!(worded, 1);
        // Past the names it keeps, each is still worded as its own.
        for n in 0..MESSAGES_KEPT + 10 {
            let name = format!("m{n}");
            let message = kept.message("method", &name, || format!("unknown method `{name}`"));
            assert_eq!(message, format!("unknown method `{name}`"));
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
