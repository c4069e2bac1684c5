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
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{self, BufRead, Write};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::value::RawValue;

mod chunks;
mod diff;
mod gaps;
mod scan;

pub use diff::{Change, DiffSummary, Side, diff};

use crate::eval::{
    Answered, EvalError, EventRef, Quick, Resolution, Shortcuts, Status, Warning, Written,
};
use crate::model::Rules;
use crate::time::{Fold, TimeError, date_bytes, parse_instant, rfc3339_bytes, two_digits};

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
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::NoAgreement { origin } => write!(f, "`{origin}` has no agreement"),
            BatchError::Read { input, error } => write!(f, "cannot read `{input}`: {error}"),
            BatchError::Write(error) => write!(f, "cannot write the output: {error}"),
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
    /// Records that could not be evaluated.
    pub errors: u64,
    /// Records per deciding clause or gap rule.
    pub by_clause: BTreeMap<String, u64>,
    /// Records whose id appeared before.
    pub duplicate_ids: u64,
    /// Whether the duplicate-id index filled up and a later id may repeat one it did not
    /// keep: past [`DUPLICATE_CAPACITY`] ids, once ids stop rising (while they rise, each
    /// is new).
    pub duplicate_index_full: bool,
    /// The first errors: input, line and message.
    pub first_errors: Vec<(String, u64, String)>,
}

/// How many errors the summary lists.
const ERRORS_LISTED: usize = 10;

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "records read: {}", self.records)?;
        writeln!(
            f,
            "status: effective {}, gap {}, pending {}, error {}",
            self.effective, self.gap, self.pending, self.errors
        )?;
        if !self.by_clause.is_empty() {
            let by: Vec<String> = self
                .by_clause
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect();
            writeln!(f, "by clause: {}", by.join(", "))?;
        }
        if self.duplicate_ids > 0 {
            writeln!(f, "duplicate ids: {}", self.duplicate_ids)?;
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

/// Slots in the duplicate-id table (a power of two).
const ID_SLOTS: usize = 1 << 21;
/// Distinct ids the table holds before it stops (three quarters full).
pub const DUPLICATE_CAPACITY: usize = ID_SLOTS / 4 * 3;

/// The ids seen so far, for the duplicate check. While each id comes after the one before
/// (see [`rises`]), as the ids of most logs do, none can repeat an earlier one: their
/// fingerprints and lines are only noted, one after another. Once an id does not, they
/// go into a fixed-size open-addressing table of 64-bit fingerprints and the line each
/// was on, where every later id is looked up. Neither grows past [`DUPLICATE_CAPACITY`]
/// ids, so memory does not grow with the input. A slot is the fingerprint's two halves
/// and the line, side by side, so a look-up touches one place.
struct IdIndex {
    /// While the ids rise: each id's slot (as the table would hold it), in input order.
    noted: Vec<[u32; 3]>,
    /// While the ids rise: the last id.
    last: Option<Vec<u8>>,
    rising: bool,
    /// Whether rising ids came past the capacity, unnoted (each was new all the same).
    dropped: bool,
    /// Once they have not risen: the table (empty before).
    slots: Vec<[u32; 3]>,
    len: usize,
    /// The most ids kept ([`DUPLICATE_CAPACITY`], fewer in the unit tests).
    capacity: usize,
}

/// Whether id `b` comes after id `a`: longer, or as long and greater byte by byte (so
/// `N9` comes before `N10`, and `N09` before `N10`).
fn rises(a: &[u8], b: &[u8]) -> bool {
    (a.len(), a) < (b.len(), b)
}

/// The ids of a chunk's records, for the duplicate check: each record's id fingerprint,
/// and whether each id comes after the one before, with the first and the last.
struct Prints {
    prints: Vec<Option<u64>>,
    /// How many records had an id.
    ids: usize,
    rising: bool,
    first: Vec<u8>,
    last: Vec<u8>,
}

impl Default for Prints {
    fn default() -> Prints {
        Prints {
            prints: Vec::new(),
            ids: 0,
            rising: true,
            first: Vec::new(),
            last: Vec::new(),
        }
    }
}

impl Prints {
    fn clear(&mut self) {
        self.prints.clear();
        self.ids = 0;
        self.rising = true;
        self.first.clear();
        self.last.clear();
    }

    fn push(&mut self, id: Option<&str>) {
        let Some(id) = id.map(str::as_bytes) else {
            self.prints.push(None);
            return;
        };
        self.prints.push(Some(fingerprint(id)));
        match self.ids {
            0 => self.first.extend_from_slice(id),
            _ => self.rising &= rises(&self.last, id),
        }
        self.ids += 1;
        self.last.clear();
        self.last.extend_from_slice(id);
    }
}

/// A 64-bit fingerprint of an id: eight bytes at a time, each folded in by a 128-bit
/// multiply (the construction of wyhash and foldhash), seeded with the length. The last
/// word is the id's last eight bytes (overlapping the one before), and an id of eight
/// bytes or fewer is one word, zero-padded: with the length, the words are the id.
fn fingerprint(id: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    const M: u64 = 0xA076_1D64_78BD_642F;
    let fold = |a: u64, b: u64| {
        let p = u128::from(a).wrapping_mul(u128::from(b));
        (p as u64) ^ ((p >> 64) as u64)
    };
    let len = id.len();
    let h = fold(len as u64 ^ K, M);
    let Some(last) = id.last_chunk::<8>() else {
        let word = id.iter().rev().fold(0, |w, &b| w << 8 | u64::from(b));
        return fold(fold(h ^ word, M), K);
    };
    let word = |w: &[u8]| w.first_chunk::<8>().map_or(0, |w| u64::from_le_bytes(*w));
    let h = id
        .chunks_exact(8)
        .take((len - 1) / 8)
        .fold(h, |h, w| fold(h ^ word(w), M));
    fold(fold(h ^ u64::from_le_bytes(*last), M), K)
}

impl IdIndex {
    fn new() -> IdIndex {
        IdIndex::holding(DUPLICATE_CAPACITY)
    }

    fn holding(capacity: usize) -> IdIndex {
        IdIndex {
            noted: Vec::new(),
            last: None,
            rising: true,
            dropped: false,
            slots: Vec::new(),
            len: 0,
            capacity: capacity.min(DUPLICATE_CAPACITY),
        }
    }

    /// Takes the ids of a chunk whose first line is `first_line` when they rise on from
    /// the last id: then each is new, and is noted while there is room. `false` when they
    /// do not rise, and each is to be looked up with [`IdIndex::first_seen`].
    fn take_rising(&mut self, prints: &Prints, first_line: u64) -> bool {
        if !self.rising {
            return false;
        }
        if prints.ids == 0 {
            return true;
        }
        let on = self
            .last
            .as_deref()
            .is_none_or(|last| rises(last, &prints.first));
        if !(prints.rising && on) {
            self.stop_rising();
            return false;
        }
        for (k, print) in prints.prints.iter().enumerate() {
            let Some(fp) = *print else { continue };
            if self.noted.len() >= self.capacity {
                self.dropped = true;
                break;
            }
            self.noted.push(slot_of(fp, first_line + k as u64));
        }
        let last = self.last.get_or_insert_with(Vec::new);
        last.clear();
        last.extend_from_slice(&prints.last);
        true
    }

    /// Whether an id may repeat one that was not kept: ids came past the capacity while
    /// they rose, and have since stopped rising.
    fn unchecked(&self) -> bool {
        self.dropped && !self.rising
    }

    /// Puts the ids noted while they rose into the table.
    fn stop_rising(&mut self) {
        self.rising = false;
        self.last = None;
        self.slots = vec![[0; 3]; ID_SLOTS];
        for [lo, hi, line] in std::mem::take(&mut self.noted) {
            let fp = u64::from(lo) | u64::from(hi) << 32;
            // Rising ids are all different: none is found.
            let _ = self.first_seen(fp, u64::from(line));
        }
    }

    /// The line an id was first seen on, or `None` (and the id is remembered).
    /// `Err(())` when the table is full and the id could not be checked.
    /// The id is given by its [`fingerprint`].
    fn first_seen(&mut self, fp: u64, line: u64) -> Result<Option<u64>, ()> {
        if self.rising {
            self.stop_rising();
        }
        let [lo, hi, line] = slot_of(fp, line);
        let mask = ID_SLOTS - 1;
        let mut slot = (lo as usize) & mask;
        loop {
            match self.slots.get(slot) {
                Some([0, 0, _]) | None => break,
                Some(&[l, h, first]) if l == lo && h == hi => {
                    return Ok(Some(u64::from(first)));
                }
                Some(_) => slot = (slot + 1) & mask,
            }
        }
        if self.len >= self.capacity {
            return Err(());
        }
        if let Some(s) = self.slots.get_mut(slot) {
            *s = [lo, hi, line];
            self.len += 1;
        }
        Ok(None)
    }
}

/// A fingerprint and a line as a slot holds them (zero marks an empty slot).
fn slot_of(fp: u64, line: u64) -> [u32; 3] {
    let fp = fp.max(1);
    [
        fp as u32,
        (fp >> 32) as u32,
        u32::try_from(line).unwrap_or(u32::MAX),
    ]
}

/// What a batch does with a record's id, for the duplicate check (made by the batch that
/// writes the records in input order, against its table of ids).
enum Ids {
    /// Keeps each record's id for the writing batch (evaluating a chunk).
    Deferred(Prints),
    /// Already knows the line the next record's id was first seen on (writing again one
    /// record found to be a duplicate).
    Known(Option<u64>),
}

/// Where an input record went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RecordError {
    /// 1-based column in the line, for syntax errors.
    column: Option<usize>,
    /// The field at fault, for bad values.
    field: Option<String>,
    message: String,
}

impl RecordError {
    fn at(column: usize, message: impl Into<String>) -> Self {
        RecordError {
            column: Some(column),
            field: None,
            message: message.into(),
        }
    }

    fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        RecordError {
            column: None,
            field: Some(field.into()),
            message: message.into(),
        }
    }

    fn line(message: impl Into<String>) -> Self {
        RecordError {
            column: None,
            field: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.field, self.column) {
            (Some(field), _) => write!(f, "field `{field}`: {}", self.message),
            (None, Some(column)) => write!(f, "column {column}: {}", self.message),
            (None, None) => write!(f, "{}", self.message),
        }
    }
}

/// One delivery of a notice, with the text of its fields.
#[derive(Debug, Default)]
struct Delivery<'a> {
    method: Option<Cow<'a, str>>,
    sent: Option<Cow<'a, str>>,
    received: Option<Cow<'a, str>>,
    to: Option<Cow<'a, str>>,
    fax_number: Option<Cow<'a, str>>,
}

/// One delivery (the common case, kept inline) or several.
enum Deliveries<'a> {
    One(Delivery<'a>),
    Many(Vec<Delivery<'a>>),
}

impl<'a> std::ops::Deref for Deliveries<'a> {
    type Target = [Delivery<'a>];

    fn deref(&self) -> &[Delivery<'a>] {
        match self {
            Deliveries::One(d) => std::slice::from_ref(d),
            Deliveries::Many(v) => v,
        }
    }
}

/// A record as read: its id (JSON text) and deliveries.
struct Record<'a> {
    id: Option<Cow<'a, str>>,
    deliveries: Deliveries<'a>,
    /// Whether the record used `deliveries: [...]` (field names then carry an index).
    multi: bool,
}

/// The serde_json form of a record, for the lines the fast scanner leaves to it.
#[derive(Deserialize)]
struct RawRecord<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    method: Option<&'a RawValue>,
    #[serde(borrow, default)]
    sent: Option<&'a RawValue>,
    #[serde(borrow, default)]
    received: Option<&'a RawValue>,
    #[serde(borrow, default)]
    to: Option<&'a RawValue>,
    #[serde(borrow, default)]
    fax_number: Option<&'a RawValue>,
    #[serde(borrow, default)]
    deliveries: Option<&'a RawValue>,
}

impl<'a> RawRecord<'a> {
    fn fields(&self) -> scan::Fields<'a> {
        scan::Fields {
            id: self.id.map(RawValue::get),
            method: self.method.map(RawValue::get),
            sent: self.sent.map(RawValue::get),
            received: self.received.map(RawValue::get),
            to: self.to.map(RawValue::get),
            fax_number: self.fax_number.map(RawValue::get),
            deliveries: self.deliveries.map(RawValue::get),
            plain: 0,
        }
    }
}

/// A field's name in messages: `sent`, or `deliveries[1].sent` in a list of deliveries.
fn field_name(delivery: Option<usize>, field: &str) -> String {
    match delivery {
        None => field.to_string(),
        Some(n) => format!("deliveries[{n}].{field}"),
    }
}

/// The text of a JSON string field; `null` or absent is `None`. `plain` says the scanner
/// saw a string without escapes.
// Five times a record: inlined, its `Result` and `Cow` plumbing folds away (callgrind).
#[inline(always)]
fn string_field<'a>(
    raw: Option<&'a str>,
    plain: bool,
    delivery: Option<usize>,
    name: &str,
) -> Result<Option<Cow<'a, str>>, RecordError> {
    let Some(text) = raw else { return Ok(None) };
    let name = || field_name(delivery, name);
    match text.as_bytes().first() {
        Some(b'n') => Ok(None),
        Some(b'"') => {
            // A string without escapes is its own text between the quotes.
            let inner = text.get(1..text.len().saturating_sub(1)).unwrap_or("");
            if plain || !inner.contains('\\') {
                return Ok(Some(Cow::Borrowed(inner)));
            }
            serde_json::from_str::<String>(text)
                .map(|s| Some(Cow::Owned(s)))
                .map_err(|e| RecordError::field(name(), format!("invalid string: {e}")))
        }
        _ => Err(RecordError::field(
            name(),
            format!(
                "expected a string, found {} `{}`",
                json_kind(text),
                shorten(text)
            ),
        )),
    }
}

fn json_kind(text: &str) -> &'static str {
    match text.as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b't' | b'f') => "a boolean",
        Some(b'"') => "a string",
        Some(b'n') => "null",
        _ => "a number",
    }
}

fn shorten(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if s.len() < text.len() {
        s.push_str("...");
    }
    s
}

/// Reads one JSON Lines record. A record whose fields are wrong keeps its id.
fn parse_json_line(line: &str) -> Result<Record<'_>, (Option<Cow<'_, str>>, RecordError)> {
    let found = line.trim_start();
    if !found.starts_with('{') {
        return Err((
            None,
            RecordError::at(
                line.len() - found.len() + 1,
                format!("expected a JSON object, found {}", json_kind(found)),
            ),
        ));
    }
    let raw = match scan::record(line) {
        Some(fields) => fields,
        None => serde_json::from_str::<RawRecord<'_>>(line)
            .map(|r| r.fields())
            .map_err(|e| (None, json_error(&e)))?,
    };
    let id = match raw.id {
        None | Some("null") => None,
        Some(v) => Some(Cow::Borrowed(v)),
    };
    fields(raw)
        .map(|(deliveries, multi)| Record {
            id: id.clone(),
            deliveries,
            multi,
        })
        .map_err(|e| (id, e))
}

/// A serde_json error as an error record: where, and what, without the position suffix.
fn json_error(e: &serde_json::Error) -> RecordError {
    let message = e.to_string();
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(m, _)| m)
        .to_string();
    RecordError::at(e.column().max(1), format!("invalid JSON: {message}"))
}

// Once a delivery; inlined for the same reason as `string_field`.
#[inline(always)]
fn delivery<'a>(f: &scan::Fields<'a>, n: Option<usize>) -> Result<Delivery<'a>, RecordError> {
    let plain = |bit: u8| f.plain & bit != 0;
    Ok(Delivery {
        method: string_field(f.method, plain(scan::Fields::PLAIN_METHOD), n, "method")?,
        sent: string_field(f.sent, plain(scan::Fields::PLAIN_SENT), n, "sent")?,
        received: string_field(
            f.received,
            plain(scan::Fields::PLAIN_RECEIVED),
            n,
            "received",
        )?,
        to: string_field(f.to, plain(scan::Fields::PLAIN_TO), n, "to")?,
        fax_number: string_field(
            f.fax_number,
            plain(scan::Fields::PLAIN_FAX_NUMBER),
            n,
            "fax_number",
        )?,
    })
}

/// The deliveries of a record, and whether it listed them under `deliveries`.
fn fields(raw: scan::Fields<'_>) -> Result<(Deliveries<'_>, bool), RecordError> {
    let Some(list) = raw.deliveries.filter(|v| *v != "null") else {
        return Ok((Deliveries::One(delivery(&raw, None)?), false));
    };
    let expected = || {
        RecordError::field(
            "deliveries",
            format!(
                "expected an array of objects, found {} `{}`",
                json_kind(list),
                shorten(list)
            ),
        )
    };
    let delivered = match scan::deliveries(list) {
        Some(d) => d,
        None => serde_json::from_str::<Vec<RawRecord<'_>>>(list)
            .map_err(|_| expected())?
            .iter()
            .map(RawRecord::fields)
            .collect(),
    };
    if delivered.is_empty() {
        return Err(RecordError::field("deliveries", "the list is empty"));
    }
    if raw.method.is_some() || raw.sent.is_some() {
        return Err(RecordError::field(
            "deliveries",
            "a record has either `deliveries` or `method` and `sent`, not both",
        ));
    }
    let mut deliveries = Vec::with_capacity(delivered.len());
    for (n, d) in delivered.iter().enumerate() {
        deliveries.push(delivery(d, Some(n))?);
    }
    Ok((Deliveries::Many(deliveries), true))
}

/// The columns a CSV input may have, by position in its header.
#[derive(Debug, Default, Clone)]
struct CsvColumns {
    id: Option<usize>,
    method: Option<usize>,
    sent: Option<usize>,
    received: Option<usize>,
    to: Option<usize>,
    fax_number: Option<usize>,
}

/// Splits a CSV line into fields (RFC 4180 quoting; a record is one line).
fn split_csv(line: &str) -> Result<Vec<Cow<'_, str>>, RecordError> {
    let mut fields = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    loop {
        if bytes.get(i) == Some(&b'"') {
            let start = i;
            let mut value = String::new();
            i += 1;
            loop {
                match bytes.get(i) {
                    None => {
                        return Err(RecordError::at(
                            start + 1,
                            "unterminated quoted field (a record must fit on one line)",
                        ));
                    }
                    Some(b'"') if bytes.get(i + 1) == Some(&b'"') => {
                        value.push('"');
                        i += 2;
                    }
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(_) => {
                        let rest = line.get(i..).unwrap_or("");
                        let next = rest.find('"').unwrap_or(rest.len());
                        value.push_str(rest.get(..next).unwrap_or(""));
                        i += next;
                    }
                }
            }
            fields.push(Cow::Owned(value));
            match bytes.get(i) {
                None => return Ok(fields),
                Some(b',') => i += 1,
                Some(_) => {
                    return Err(RecordError::at(i + 1, "expected `,` after a quoted field"));
                }
            }
        } else {
            let rest = line.get(i..).unwrap_or("");
            match rest.find(',') {
                Some(n) => {
                    fields.push(Cow::Borrowed(rest.get(..n).unwrap_or("")));
                    i += n + 1;
                }
                None => {
                    fields.push(Cow::Borrowed(rest));
                    return Ok(fields);
                }
            }
        }
    }
}

fn parse_csv_line<'a>(line: &'a str, cols: &CsvColumns) -> Result<Record<'a>, RecordError> {
    let fields = split_csv(line)?;
    let take = |col: Option<usize>| -> Option<Cow<'a, str>> {
        let value = fields.get(col?)?;
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return None;
        }
        Some(match value {
            Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
            Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
        })
    };
    // An id from CSV is text: write it as a JSON string.
    let id = take(cols.id)
        .map(|s| Cow::Owned(serde_json::to_string(s.as_ref()).unwrap_or_else(|_| "null".into())));
    Ok(Record {
        id,
        deliveries: Deliveries::One(Delivery {
            method: take(cols.method),
            sent: take(cols.sent),
            received: take(cols.received),
            to: take(cols.to),
            fax_number: take(cols.fax_number),
        }),
        multi: false,
    })
}

/// An evaluation's error as an error record, on the field it is about (named by `field`).
fn eval_error(e: &EvalError, field: &dyn Fn(&str) -> String, kept: &mut Messages) -> RecordError {
    let which = match e {
        EvalError::Unknown(u) if u.what == "party" => "to",
        EvalError::Unknown(_) | EvalError::Uncovered { .. } => "method",
        EvalError::ReceivedBeforeSent { .. } => "received",
        EvalError::Calendar(_) | EvalError::NoAgreement { .. } => "sent",
    };
    let message = |e: &EvalError| match e.help() {
        Some(help) => format!("{e} ({help})"),
        None => e.to_string(),
    };
    let message = match e {
        // A log that names an unknown method or party names it again and again.
        EvalError::Unknown(u) => kept.message(u.what, &u.name, || message(e)),
        _ => message(e),
    };
    RecordError::field(field(which), message)
}

/// The most messages [`Messages`] keeps.
const MESSAGES_KEPT: usize = 256;

/// The messages of the errors for unknown names, by kind and name: each is worded once.
#[derive(Default)]
struct Messages(Vec<(&'static str, HashMap<String, String>)>);

impl Messages {
    fn message(&mut self, what: &'static str, name: &str, word: impl FnOnce() -> String) -> String {
        let of_kind = match self.0.iter().position(|(w, _)| *w == what) {
            Some(n) => self.0.get_mut(n),
            None => {
                self.0.push((what, HashMap::new()));
                self.0.last_mut()
            }
        };
        let Some((_, kept)) = of_kind else {
            return word();
        };
        if let Some(message) = kept.get(name) {
            return message.clone();
        }
        let message = word();
        if kept.len() < MESSAGES_KEPT {
            kept.insert(name.to_string(), message.clone());
        }
        message
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
    rules: &'r Rules,
    tz: Tz,
    options: Options,
    summary: Summary,
    /// The table of ids seen, in the batch that writes the records (not in its workers).
    index: Option<IdIndex>,
    ids: Ids,
    /// Which clauses apply, per class of events, learnt as the run goes.
    shortcuts: Shortcuts<'r>,
    /// Whether to take the fast line and the shortcuts (the tests compare both ways).
    quick: bool,
    /// Records per deciding clause, gathered into the summary at the end.
    by_clause: Vec<(Arc<str>, u64)>,
    rendered: Rendered,
    messages: Messages,
    /// The end of a JSON record resolved by shortcut, per plan and status, and within them
    /// per deciding clause (see [`Batch::write_quick`]).
    tails: Vec<Vec<(usize, QuickTail)>>,
    /// What gap records are written with (see [`Batch::write_gap`]).
    gaps: gaps::Gaps,
    /// The line number being written, in decimal.
    line_text: LineText,
    out: Vec<u8>,
    header_written: bool,
}

/// The end of a JSON record resolved by shortcut: the same for every record of a plan and
/// status.
struct QuickTail {
    /// From the clause through the end of the line.
    bytes: Vec<u8>,
    /// Where its clause is counted in [`Batch::by_clause`].
    clause: Option<usize>,
}

impl<'r> Batch<'r> {
    /// Prepares a run with these rules.
    pub fn new(rules: &'r Rules, options: Options) -> Result<Batch<'r>, BatchError> {
        let agreement = rules.agreement().ok_or_else(|| BatchError::NoAgreement {
            origin: rules.origin().to_string(),
        })?;
        Ok(Batch::build(
            rules,
            agreement.time_zone(),
            options,
            Some(IdIndex::new()),
        ))
    }

    fn build(rules: &'r Rules, tz: Tz, options: Options, index: Option<IdIndex>) -> Batch<'r> {
        Batch {
            rules,
            tz,
            options,
            summary: Summary::default(),
            index,
            ids: Ids::Deferred(Prints::default()),
            shortcuts: Shortcuts::new(rules),
            quick: !options.no_memo,
            by_clause: Vec::new(),
            rendered: Rendered::default(),
            messages: Messages::default(),
            tails: Vec::new(),
            gaps: gaps::Gaps::default(),
            line_text: LineText::default(),
            out: Vec::with_capacity(1 << 16),
            header_written: false,
        }
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
        if self.options.output == OutputFormat::Csv && !self.header_written {
            self.out.extend_from_slice(
                b"id,line,deemed_date,effective_at,clause,status,warnings,error\n",
            );
            self.header_written = true;
        }
        if self.options.threads > 1 {
            self.run_on_threads(name, input, output, progress)
        } else {
            self.run_in_chunks(name, input, output, progress)
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
        let (id, outcome) = match self.fast_line(line_no, line, too_long, columns.is_some()) {
            Some(Fast::Written) => return,
            Some(Fast::Answered(id, outcome)) => (id.map(Cow::Borrowed), outcome),
            None => self.resolve_line(line, too_long, columns),
        };
        self.write_record(name, line_no, id.as_deref(), outcome);
    }

    /// The counts so far.
    pub fn finish(self) -> Summary {
        let mut summary = self.summary;
        for (clause, n) in self.by_clause {
            *summary.by_clause.entry(clause.to_string()).or_default() += n;
        }
        summary
    }

    fn csv_header(&self, name: &str, line: &[u8]) -> Result<CsvColumns, BatchError> {
        let text = String::from_utf8_lossy(line);
        let fields = split_csv(&text).unwrap_or_default();
        let mut cols = CsvColumns::default();
        for (n, f) in fields.iter().enumerate() {
            let slot = match f.trim() {
                "id" => &mut cols.id,
                "method" => &mut cols.method,
                "sent" => &mut cols.sent,
                "received" => &mut cols.received,
                "to" => &mut cols.to,
                "fax_number" => &mut cols.fax_number,
                _ => continue,
            };
            *slot = Some(n);
        }
        let mut missing = Vec::new();
        if cols.method.is_none() {
            missing.push("method");
        }
        if cols.sent.is_none() {
            missing.push("sent");
        }
        if !missing.is_empty() {
            return Err(BatchError::CsvHeader {
                input: name.to_string(),
                missing,
            });
        }
        Ok(cols)
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
        if f.deliveries.is_some() {
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
        let method = plain(f.method, scan::Fields::PLAIN_METHOD).ok()??;
        let sent = plain(f.sent, scan::Fields::PLAIN_SENT).ok()??;
        let received = plain(f.received, scan::Fields::PLAIN_RECEIVED).ok()?;
        let to = plain(f.to, scan::Fields::PLAIN_TO).ok()?;
        let fax_number = plain(f.fax_number, scan::Fields::PLAIN_FAX_NUMBER).ok()?;
        let id = f.id.filter(|id| *id != "null");
        let gaps = self.writes_quick(id);
        if let Some(quick) = (self.shortcuts).by_text(method, sent, received, to, fax_number, gaps)
        {
            if quick.gap.is_none() {
                return Some(Fast::Answered(id, Outcome::quick(quick)));
            }
            if self.write_gap(line_no, id, &quick, method, fax_number) {
                return Some(Fast::Written);
            }
        }
        let time = |text| parse_instant(text, self.tz, self.options.fold).ok();
        let event = EventRef {
            method,
            sent: time(sent)?,
            received: match received {
                Some(text) => Some(time(text)?),
                None => None,
            },
            to,
            fax_number,
        };
        let outcome = match self.shortcuts.evaluate(event) {
            Ok(Answered::Quick(quick)) => Outcome::quick(quick),
            Ok(Answered::Full(resolution)) => Outcome::full(FullOutcome {
                resolution: Some(resolution),
                ..FullOutcome::default()
            }),
            Err(e) => Outcome::error(eval_error(&e, &|f| f.to_string(), &mut self.messages)),
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
                    Ok(record) => {
                        let outcome = self.evaluate(&record);
                        (record.id, outcome)
                    }
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
        for (n, d) in record.deliveries.iter().enumerate() {
            let field = |f: &str| field_name(record.multi.then_some(n), f);
            let event = match self.event(d, &field) {
                Ok(e) => e,
                Err(e) => return Outcome::error(e),
            };
            let answered = if !trace && self.quick {
                self.shortcuts.evaluate(event)
            } else {
                self.rules.evaluate_ref(event, trace).map(Answered::Full)
            };
            let resolution = match answered {
                Ok(Answered::Quick(quick)) if !record.multi => return Outcome::quick(quick),
                // One delivery of several: its answer is weighed against the others'.
                Ok(Answered::Quick(quick)) => Ok(self.shortcuts.resolution(&quick)),
                Ok(Answered::Full(r)) => Ok(r),
                Err(e) => Err(e),
            };
            let resolution = match resolution {
                Ok(r) => r,
                Err(e) => return Outcome::error(eval_error(&e, &field, &mut self.messages)),
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

    fn event<'d>(
        &self,
        d: &'d Delivery<'_>,
        field: &dyn Fn(&str) -> String,
    ) -> Result<EventRef<'d>, RecordError> {
        let method = d
            .method
            .as_deref()
            .ok_or_else(|| RecordError::field(field("method"), "missing"))?;
        let sent_text = d
            .sent
            .as_deref()
            .ok_or_else(|| RecordError::field(field("sent"), "missing"))?;
        let time = |name: &str, text: &str| -> Result<DateTime<FixedOffset>, RecordError> {
            parse_instant(text, self.tz, self.options.fold).map_err(|e| {
                let help = match &e {
                    TimeError::Malformed { .. } => e.help(),
                    _ => e.help().replace("--fold", "batch --fold"),
                };
                RecordError::field(field(name), format!("{e} ({help})"))
            })
        };
        let sent = time("sent", sent_text)?;
        let received = d
            .received
            .as_deref()
            .map(|t| time("received", t))
            .transpose()?;
        Ok(EventRef {
            method,
            sent,
            received,
            to: d.to.as_deref(),
            fax_number: d.fax_number.as_deref(),
        })
    }

    /// Writes a JSON record resolved by shortcut, the words of its answer kept per plan,
    /// deciding clause and status (under `earliest-of`, the clauses of one plan take turns);
    /// `false`, with nothing written, when the record needs the general writer (a duplicate
    /// id's warning, another format, a trace).
    fn write_quick(&mut self, line: u64, id: Option<&str>, quick: &Quick) -> bool {
        if !self.writes_quick(id) || quick.gap.is_some() {
            return false;
        }
        let pending = quick.status == Status::Pending;
        let slot = 2 * quick.plan + usize::from(pending);
        if self.tails.len() <= slot {
            self.tails.resize_with(slot + 1, Vec::new);
        }
        let Some(kept) = self.tails.get_mut(slot) else {
            return false;
        };
        let at = match kept.iter().position(|(clause, _)| *clause == quick.clause) {
            Some(at) => at,
            None => {
                let clause = self.shortcuts.label(quick);
                let mut bytes = Vec::new();
                let tail = Tail {
                    clause,
                    status: status_word(quick.status),
                    warnings: self.shortcuts.warnings(quick),
                    extra: &[],
                    error: None,
                    line,
                };
                json_tail(&mut bytes, &mut self.rendered, &tail);
                bytes.extend_from_slice(b"}\n");
                let clause = clause.map(|c| counted(&mut self.by_clause, c));
                kept.push((quick.clause, QuickTail { bytes, clause }));
                kept.len() - 1
            }
        };
        let Some((_, tail)) = kept.get(at) else {
            return false;
        };
        if let Ids::Deferred(prints) = &mut self.ids {
            prints.push(id);
        }
        self.summary.records += 1;
        match pending {
            true => self.summary.pending += 1,
            false => self.summary.effective += 1,
        }
        if let Some((_, n)) = tail.clause.and_then(|c| self.by_clause.get_mut(c)) {
            *n += 1;
        }
        let out = &mut self.out;
        match (quick.is_dated(), quick.written()) {
            (true, Some(text)) => {
                json_start(out, id, self.line_text.of(line));
                json_dates(out, text);
            }
            _ => {
                let line = self.line_text.of(line);
                json_head(
                    out,
                    id,
                    line,
                    quick.deemed_date(),
                    quick.effective_at(),
                    None,
                );
            }
        }
        out.extend_from_slice(&tail.bytes);
        true
    }

    fn write_record(&mut self, input: &str, line: u64, id: Option<&str>, mut outcome: Outcome<'_>) {
        if let Some(quick) = &outcome.quick {
            if self.write_quick(line, id, quick) {
                return;
            }
        }
        let summary = &mut self.summary;
        summary.records += 1;
        let mut warnings = match &mut outcome.full {
            Some(full) => std::mem::take(&mut full.extra_warnings),
            None => Vec::new(),
        };
        let seen = match &mut self.ids {
            Ids::Deferred(prints) => {
                prints.push(id);
                None
            }
            Ids::Known(first) => *first,
        };
        if let (Some(first), Some(id)) = (seen, id) {
            summary.duplicate_ids += 1;
            warnings.push(format!("duplicate id {id}: first seen on line {first}"));
        }
        let r = outcome.resolution();
        let Answer {
            deemed_date,
            effective_at,
            clause,
            status: answer_status,
            warnings: answer_warnings,
            written,
        } = Answer::of(&self.shortcuts, &outcome);
        let status = match (outcome.record_error(), answer_status) {
            (Some(_), _) | (None, None) => {
                summary.errors += 1;
                "error"
            }
            (None, Some(status)) => {
                *match status {
                    Status::Effective => &mut summary.effective,
                    Status::Gap => &mut summary.gap,
                    Status::Pending => &mut summary.pending,
                } += 1;
                status_word(status)
            }
        };
        if let Some(clause) = clause {
            let at = counted(&mut self.by_clause, clause);
            if let Some((_, n)) = self.by_clause.get_mut(at) {
                *n += 1;
            }
        }
        if let Some(e) = outcome.record_error() {
            if summary.first_errors.len() < ERRORS_LISTED {
                summary
                    .first_errors
                    .push((input.to_string(), line, e.to_string()));
            }
        }
        let out = &mut self.out;
        match self.options.output {
            OutputFormat::Jsonl => {
                let line_text = self.line_text.of(line);
                json_head(out, id, line_text, deemed_date, effective_at, written);
                json_tail(
                    out,
                    &mut self.rendered,
                    &Tail {
                        clause,
                        status,
                        warnings: answer_warnings,
                        extra: &warnings,
                        error: outcome.record_error(),
                        line,
                    },
                );
                if self.options.trace {
                    out.extend_from_slice(b",\"trace\":");
                    let written = if outcome.deliveries().is_empty() {
                        match r {
                            Some(r) => serde_json::to_writer(&mut *out, &r.trace),
                            None => serde_json::to_writer(&mut *out, &()),
                        }
                    } else {
                        let list: Vec<serde_json::Value> = outcome
                            .deliveries()
                            .iter()
                            .map(|(n, method, r)| {
                                serde_json::json!({
                                    "delivery": n + 1,
                                    "method": method,
                                    "resolution": r,
                                })
                            })
                            .collect();
                        serde_json::to_writer(&mut *out, &list)
                    };
                    if written.is_err() {
                        out.extend_from_slice(b"null");
                    }
                }
                out.extend_from_slice(b"}\n");
            }
            OutputFormat::Csv => {
                let plain_id = id.map(|id| {
                    serde_json::from_str::<String>(id).unwrap_or_else(|_| id.to_string())
                });
                write_csv_field(out, plain_id.as_deref().unwrap_or(""));
                out.push(b',');
                write_u64(out, line);
                out.push(b',');
                if let Some(d) = deemed_date {
                    write_date(out, d);
                }
                out.push(b',');
                if let Some(t) = effective_at {
                    write_rfc3339(out, t);
                }
                out.push(b',');
                write_csv_field(out, clause.map_or("", |c| &**c));
                out.push(b',');
                out.extend_from_slice(status.as_bytes());
                out.push(b',');
                let mut all: Vec<String> = answer_warnings.iter().map(|w| w.to_string()).collect();
                all.extend(warnings);
                write_csv_field(out, &all.join(" | "));
                out.push(b',');
                if let Some(e) = outcome.record_error() {
                    write_csv_field(out, &e.to_string());
                }
                out.push(b'\n');
            }
        }
    }
}

/// Where a clause is counted (a new place, at 0, the first time).
fn counted(by_clause: &mut Vec<(Arc<str>, u64)>, clause: &Arc<str>) -> usize {
    // The labels are shared with the rules, so the same pointer is the same clause (the
    // text is compared only when no pointer matches).
    let at = (by_clause.iter())
        .position(|(c, _)| Arc::ptr_eq(c, clause))
        .or_else(|| by_clause.iter().position(|(c, _)| c == clause));
    at.unwrap_or_else(|| {
        by_clause.push((Arc::clone(clause), 0));
        by_clause.len() - 1
    })
}

/// A status as the output writes it.
fn status_word(status: Status) -> &'static str {
    match status {
        Status::Effective => "effective",
        Status::Gap => "gap",
        Status::Pending => "pending",
    }
}

/// The JSON record's id and line (in decimal).
fn json_start(out: &mut Vec<u8>, id: Option<&str>, line: &[u8]) {
    out.extend_from_slice(b"{\"id\":");
    out.extend_from_slice(id.unwrap_or("null").as_bytes());
    out.extend_from_slice(b",\"line\":");
    out.extend_from_slice(line);
}

/// The deemed date and effective instant of the common answer, where the date is the
/// instant's (its first ten bytes), written in one piece: `,"deemed_date":"` (16 bytes),
/// the date (10), `","effective_at":"` (18), the instant (25) and its closing quote.
fn json_dates(out: &mut Vec<u8>, instant: &Written) {
    let mut piece = [b'"'; 70];
    let (date_key, rest) = piece.split_at_mut(16);
    date_key.copy_from_slice(b",\"deemed_date\":\"");
    let (date, rest) = rest.split_at_mut(10);
    date.copy_from_slice(instant.first_chunk::<10>().unwrap_or(&[b'?'; 10]));
    let (at_key, rest) = rest.split_at_mut(18);
    at_key.copy_from_slice(b"\",\"effective_at\":\"");
    let (at, _) = rest.split_at_mut(25);
    at.copy_from_slice(instant);
    out.extend_from_slice(&piece);
}

/// The JSON record up to its answer: id, line, deemed date and effective instant.
fn json_head(
    out: &mut Vec<u8>,
    id: Option<&str>,
    line: &[u8],
    deemed_date: Option<NaiveDate>,
    effective_at: Option<DateTime<FixedOffset>>,
    written: Option<Written>,
) {
    json_start(out, id, line);
    // The instant's text, whose first ten bytes are usually the deemed date too.
    let instant = written.or_else(|| effective_at.and_then(rfc3339_bytes));
    if let (Some(d), Some(t), Some(bytes)) = (deemed_date, effective_at, instant) {
        if t.date_naive() == d {
            json_dates(out, &bytes);
            return;
        }
    }
    out.extend_from_slice(b",\"deemed_date\":");
    match deemed_date {
        Some(d) => {
            out.push(b'"');
            match (
                effective_at,
                instant.as_ref().and_then(|i| i.first_chunk::<10>()),
            ) {
                (Some(t), Some(date)) if t.date_naive() == d => out.extend_from_slice(date),
                _ => write_date(out, d),
            }
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"effective_at\":");
    match (effective_at, instant) {
        (_, Some(bytes)) => {
            out.push(b'"');
            out.extend_from_slice(&bytes);
            out.push(b'"');
        }
        (Some(t), None) => {
            out.push(b'"');
            write_rfc3339(out, t);
            out.push(b'"');
        }
        (None, None) => out.extend_from_slice(b"null"),
    }
}

/// The rest of an answer, as a JSON record writes it.
struct Tail<'a> {
    clause: Option<&'a Arc<str>>,
    status: &'a str,
    warnings: &'a [Warning],
    /// Warnings of the record rather than the resolution (a duplicate id, a delivery).
    extra: &'a [String],
    error: Option<&'a RecordError>,
    line: u64,
}

/// The JSON record from its clause through its error.
fn json_tail(out: &mut Vec<u8>, rendered: &mut Rendered, tail: &Tail<'_>) {
    out.extend_from_slice(b",\"clause\":");
    match tail.clause {
        Some(label) => rendered.label(out, label),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"status\":\"");
    out.extend_from_slice(tail.status.as_bytes());
    out.extend_from_slice(b"\",\"warnings\":[");
    let mut first = true;
    for w in tail.warnings {
        if !first {
            out.push(b',');
        }
        first = false;
        rendered.write(out, w);
    }
    for w in tail.extra {
        if !first {
            out.push(b',');
        }
        first = false;
        write_json_str(out, w);
    }
    out.extend_from_slice(b"],\"error\":");
    match tail.error {
        None => out.extend_from_slice(b"null"),
        Some(e) => {
            out.extend_from_slice(b"{\"line\":");
            write_u64(out, tail.line);
            if let Some(c) = e.column {
                out.extend_from_slice(b",\"column\":");
                write_u64(out, c as u64);
            }
            if let Some(f) = &e.field {
                out.extend_from_slice(b",\"field\":");
                write_json_str(out, f);
            }
            out.extend_from_slice(b",\"message\":");
            write_json_str(out, &e.message);
            out.push(b'}');
        }
    }
}

/// What an outcome answers, however it was reached.
struct Answer<'a> {
    deemed_date: Option<NaiveDate>,
    effective_at: Option<DateTime<FixedOffset>>,
    clause: Option<&'a Arc<str>>,
    /// `None` for an error.
    status: Option<Status>,
    warnings: &'a [Warning],
    /// `effective_at` as written, when known.
    written: Option<Written>,
}

impl<'a> Answer<'a> {
    fn of(shortcuts: &'a Shortcuts<'_>, outcome: &'a Outcome<'_>) -> Answer<'a> {
        match (&outcome.quick, outcome.resolution()) {
            (Some(q), _) => Answer {
                deemed_date: q.deemed_date(),
                effective_at: q.effective_at(),
                clause: shortcuts.label(q),
                status: Some(q.status),
                warnings: shortcuts.warnings(q),
                written: q.written().copied(),
            },
            (None, Some(r)) => Answer {
                deemed_date: r.deemed_date,
                effective_at: r.effective_at,
                clause: r.clause.as_ref(),
                status: Some(r.status),
                warnings: &r.warnings,
                written: None,
            },
            (None, None) => Answer {
                deemed_date: None,
                effective_at: None,
                clause: None,
                status: None,
                warnings: &[],
                written: None,
            },
        }
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

/// Reads one line (without its end of line) onto the end of `buf`. `None` at the end of
/// the input; otherwise whether the line was too long (then nothing is added) and the bytes
/// consumed.
fn read_line<R: BufRead>(r: &mut R, buf: &mut Vec<u8>) -> io::Result<Option<(bool, usize)>> {
    let start = buf.len();
    let mut too_long = false;
    let mut consumed = 0;
    loop {
        let available = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            if consumed == 0 {
                return Ok(None);
            }
            break;
        }
        let (chunk, done) = match scan::find_newline(available) {
            Some(i) => (available.get(..i).unwrap_or(available), Some(i + 1)),
            None => (available, None),
        };
        if !too_long {
            if buf.len() - start + chunk.len() > MAX_LINE {
                too_long = true;
                buf.truncate(start);
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        let used = done.unwrap_or(available.len());
        r.consume(used);
        consumed += used;
        if done.is_some() {
            break;
        }
    }
    if buf.len() > start && buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some((too_long, consumed)))
}

fn write_u64(out: &mut Vec<u8>, n: u64) {
    let (digits, start) = decimal(n);
    out.extend_from_slice(digits.get(start..).unwrap_or(&[]));
}

/// `n` in decimal, at the end of the array from the index returned.
fn decimal(mut n: u64) -> ([u8; 20], usize) {
    // Two digits at a time from the right, then the first one or two.
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    while n >= 100 && i >= 2 {
        i -= 2;
        if let Some(d) = digits.get_mut(i..i + 2) {
            d.copy_from_slice(&two_digits((n % 100) as u32));
        }
        n /= 100;
    }
    let [tens, ones] = two_digits(n as u32);
    if n >= 10 {
        i -= 2;
        if let Some(d) = digits.get_mut(i..i + 2) {
            d.copy_from_slice(&[tens, ones]);
        }
    } else {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = ones;
        }
    }
    (digits, i)
}

/// A line number in decimal, counted up in place while lines follow one another.
struct LineText {
    value: u64,
    digits: [u8; 20],
    /// Where the number starts in `digits`.
    start: usize,
}

impl Default for LineText {
    fn default() -> Self {
        LineText {
            value: 0,
            digits: [b'0'; 20],
            start: 20,
        }
    }
}

impl LineText {
    /// Line `n` in decimal.
    fn of(&mut self, n: u64) -> &[u8] {
        if self.value.checked_add(1) == Some(n) && self.start > 0 {
            self.value = n;
            let mut carried = true;
            for d in self.digits.iter_mut().skip(self.start).rev() {
                if *d == b'9' {
                    *d = b'0';
                } else {
                    *d += 1;
                    carried = false;
                    break;
                }
            }
            if carried {
                self.start -= 1;
                if let Some(d) = self.digits.get_mut(self.start) {
                    *d = b'1';
                }
            }
        } else {
            (self.digits, self.start) = decimal(n);
            self.value = n;
        }
        self.digits.get(self.start..).unwrap_or(&[])
    }
}

/// `YYYY-MM-DD`.
fn write_date(out: &mut Vec<u8>, d: NaiveDate) {
    match date_bytes(d) {
        Some(bytes) => out.extend_from_slice(&bytes),
        None => out.extend_from_slice(d.to_string().as_bytes()),
    }
}

/// RFC 3339 as chrono's `to_rfc3339` writes it.
fn write_rfc3339(out: &mut Vec<u8>, t: DateTime<FixedOffset>) {
    match rfc3339_bytes(t) {
        Some(bytes) => out.extend_from_slice(&bytes),
        None => out.extend_from_slice(t.to_rfc3339().as_bytes()),
    }
}

fn write_json_str(out: &mut Vec<u8>, s: &str) {
    // Most strings (labels, messages) need no escapes: they are their own JSON text.
    if scan::find_string_special(s.as_bytes()).is_none() {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        return;
    }
    if serde_json::to_writer(&mut *out, s).is_err() {
        out.extend_from_slice(b"\"\"");
    }
}

/// The JSON text of the warnings seen most, kept: most warnings (awaiting receipt, no
/// recipient given) read the same on every record they are on. A gap warning names the
/// record's own times and is written afresh.
#[derive(Default)]
struct Rendered {
    kept: Vec<(Warning, Vec<u8>)>,
    /// The JSON text of the clause labels, by the label shared with the rules.
    labels: Vec<(Arc<str>, Vec<u8>)>,
    /// A gap warning's text, before escaping (reused).
    text: String,
}

impl Rendered {
    /// How many different warnings are kept.
    const KEPT: usize = 32;

    /// Writes a clause label as a JSON string.
    fn label(&mut self, out: &mut Vec<u8>, label: &Arc<str>) {
        if let Some((_, text)) = self.labels.iter().find(|(l, _)| Arc::ptr_eq(l, label)) {
            out.extend_from_slice(text);
            return;
        }
        let mut text = Vec::new();
        write_json_str(&mut text, label);
        out.extend_from_slice(&text);
        if self.labels.len() < Self::KEPT {
            self.labels.push((Arc::clone(label), text));
        }
    }

    fn write(&mut self, out: &mut Vec<u8>, w: &Warning) {
        if matches!(w, Warning::Gap { .. }) {
            // Written whole first and escaped in one pass: a gap warning is dozens of
            // pieces, and escaping each on its own costs more than the copy.
            self.text.clear();
            w.render(&mut self.text);
            write_json_str(out, &self.text);
            return;
        }
        if let Some((_, text)) = self.kept.iter().find(|(k, _)| k == w) {
            out.extend_from_slice(text);
            return;
        }
        let mut text = Vec::new();
        write_json_display(&mut text, w);
        out.extend_from_slice(&text);
        if self.kept.len() < Self::KEPT {
            self.kept.push((w.clone(), text));
        }
    }
}

/// Writes a string's JSON text without its quotes, escaping as serde_json does.
fn write_json_content(out: &mut Vec<u8>, s: &str) {
    let mut rest = s.as_bytes();
    while let Some(n) = scan::find_string_special(rest) {
        let (plain, tail) = rest.split_at(n);
        out.extend_from_slice(plain);
        match tail.first() {
            Some(b'"') => out.extend_from_slice(b"\\\""),
            Some(b'\\') => out.extend_from_slice(b"\\\\"),
            Some(b'\n') => out.extend_from_slice(b"\\n"),
            Some(b'\r') => out.extend_from_slice(b"\\r"),
            Some(b'\t') => out.extend_from_slice(b"\\t"),
            Some(c) => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            None => {}
        }
        rest = tail.get(1..).unwrap_or(&[]);
    }
    out.extend_from_slice(rest);
}

/// Writes something displayable as a JSON string, escaping as it goes (no copy).
fn write_json_display(out: &mut Vec<u8>, value: &dyn fmt::Display) {
    struct Escaper<'o>(&'o mut Vec<u8>);
    impl fmt::Write for Escaper<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            write_json_content(self.0, s);
            Ok(())
        }
    }
    out.push(b'"');
    let _ = fmt::Write::write_fmt(&mut Escaper(out), format_args!("{value}"));
    out.push(b'"');
}

fn write_csv_field(out: &mut Vec<u8>, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(s.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

#[cfg(test)]
mod tests {
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
    fn csv_fields_split_with_quotes() {
        let f = split_csv(r#"a,"b, c","say ""hi""",,d"#).unwrap();
        assert_eq!(f, ["a", "b, c", "say \"hi\"", "", "d"]);
        assert!(split_csv(r#"a,"open"#).is_err());
        assert!(split_csv(r#""x"y"#).is_err());
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
        assert!(index.take_rising(&chunk(&["a1", "a2", "a3"]), 1));
        assert!(index.take_rising(&chunk(&["a4", "a5", "a6"]), 4));
        // Past the capacity, but each id rose, so each was new.
        assert!(!index.unchecked());
        // One goes back: the ids kept are found, and a5 and a6 were not kept.
        assert!(!index.take_rising(&chunk(&["a2"]), 7));
        assert!(index.unchecked());
        assert_eq!(index.first_seen(fingerprint(b"a2"), 7), Ok(Some(2)));
        assert_eq!(index.first_seen(fingerprint(b"a4"), 8), Ok(Some(4)));
        assert_eq!(index.first_seen(fingerprint(b"a6"), 9), Err(()));
        // Within the capacity, nothing goes unchecked.
        let mut index = IdIndex::holding(4);
        assert!(index.take_rising(&chunk(&["b1", "b2", "b3"]), 1));
        assert!(!index.take_rising(&chunk(&["b1"]), 4));
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
