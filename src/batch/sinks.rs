//! Output: one record per input line, as a JSON line or a CSV line, each format written by
//! its own function from the same record; every record is counted in the summary in one
//! place ([`count`]).

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};

use super::records::RecordError;
use super::{Batch, ERRORS_LISTED, Ids, Outcome, OutputFormat, QuickTail, Summary, scan};
use crate::eval::{Quick, Shortcuts, Status, Warning, Written};
use crate::time::{date_bytes, rfc3339_bytes, two_digits};

impl Batch<'_> {
    /// Writes a JSON record resolved by shortcut, the words of its answer kept per plan,
    /// deciding clause and status (under `earliest-of`, the clauses of one plan take turns);
    /// `false`, with nothing written, when the record needs the general writer (a duplicate
    /// id's warning, another format, a trace).
    pub(super) fn write_quick(&mut self, line: u64, id: Option<&str>, quick: &Quick) -> bool {
        if !self.writes_quick(id) || quick.gap.is_some() {
            return false;
        }
        let pending = quick.status == Status::Pending;
        let slot = 2 * quick.plan + usize::from(pending);
        if self.memo.tails.len() <= slot {
            self.memo.tails.resize_with(slot + 1, Vec::new);
        }
        let Some(kept) = self.memo.tails.get_mut(slot) else {
            return false;
        };
        let at = match kept.iter().position(|(clause, _)| *clause == quick.clause) {
            Some(at) => at,
            None => {
                let clause = self.memo.shortcuts.label(quick);
                let mut bytes = Vec::new();
                let tail = Tail {
                    clause,
                    status: status_word(quick.status),
                    warnings: self.memo.shortcuts.warnings(quick),
                    extra: &[],
                    error: None,
                    line,
                };
                json_tail(&mut bytes, &mut self.rendered, &tail);
                bytes.extend_from_slice(b"}\n");
                let clause = clause.map(|c| counted(&mut self.memo.clauses, c));
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
        let clause = tail.clause;
        count(
            &mut self.summary,
            &mut self.lane.by_clause,
            Some(quick.status),
            clause,
        );
        let Some((_, tail)) = self.memo.tails.get(slot).and_then(|kept| kept.get(at)) else {
            return false;
        };
        let out = &mut self.out;
        // A record answered by shortcut has found its agreement.
        let agreement = &self.lane.json_name;
        match (quick.is_dated(), quick.written()) {
            (true, Some(text)) => {
                json_start(out, id, self.line_text.of(line), agreement);
                json_dates(out, text);
            }
            _ => {
                let line = self.line_text.of(line);
                json_head(
                    out,
                    (id, line, agreement),
                    quick.deemed_date(),
                    quick.effective_at(),
                    None,
                );
            }
        }
        out.extend_from_slice(&tail.bytes);
        self.lane.records += 1;
        true
    }

    /// Writes one output record in the run's format, counted in the summary.
    pub(super) fn write_record(
        &mut self,
        input: &str,
        line: u64,
        id: Option<&str>,
        mut outcome: Outcome<'_>,
    ) {
        if let Some(quick) = &outcome.quick {
            if self.write_quick(line, id, quick) {
                return;
            }
        }
        let mut extra = match &mut outcome.full {
            Some(full) => std::mem::take(&mut full.extra_warnings),
            None => Vec::new(),
        };
        let seen = match &mut self.ids {
            Ids::Deferred(prints) => {
                prints.push(id);
                None
            }
            Ids::Known(first) => first.take(),
        };
        if let (Some(first), Some(id)) = (seen, id) {
            self.summary.duplicate_ids += 1;
            extra.push(format!("duplicate id {id}: first seen on {first}"));
        }
        let answer = Answer::of(&self.memo.shortcuts, &outcome);
        let error = outcome.record_error();
        let status = match error {
            Some(_) => None,
            None => answer.status,
        };
        let clause = answer.clause.map(|c| counted(&mut self.memo.clauses, c));
        count(&mut self.summary, &mut self.lane.by_clause, status, clause);
        if !self.unresolved {
            self.lane.records += 1;
        }
        if let Some(e) = error {
            if self.summary.first_errors.len() < ERRORS_LISTED {
                let first = (input.to_string(), line, e.to_string());
                self.summary.first_errors.push(first);
            }
        }
        // In a run over several agreements, each record names its own (none when it could
        // not be found).
        let agreement = match (self.library.is_some(), self.unresolved) {
            (false, _) => None,
            (true, true) => Some(""),
            (true, false) => Some(self.lane.csv_name.as_str()),
        };
        let agreement_json: &[u8] = match agreement {
            Some("") => b",\"agreement\":null",
            _ => &self.lane.json_name,
        };
        let record = OutRecord {
            id,
            line,
            agreement,
            agreement_json,
            answer,
            status: status.map_or("error", status_word),
            extra: &extra,
            error,
        };
        match self.options.output {
            OutputFormat::Jsonl => {
                let trace = self.options.trace.then_some(&outcome);
                jsonl_record(
                    &mut self.out,
                    &mut self.rendered,
                    &mut self.line_text,
                    &record,
                    trace,
                )
            }
            OutputFormat::Csv => csv_record(&mut self.out, &record),
        }
    }
}

/// Counts a record in the summary: its status (`None`: an error) and its deciding clause
/// (by its place among its memo's clauses, see [`counted`]). Every record is counted here,
/// whichever way it is written.
pub(super) fn count(
    summary: &mut Summary,
    by_clause: &mut Vec<u64>,
    status: Option<Status>,
    clause: Option<usize>,
) {
    summary.records += 1;
    *match status {
        None => &mut summary.errors,
        Some(Status::Effective) => &mut summary.effective,
        Some(Status::Gap) => &mut summary.gap,
        Some(Status::Pending) => &mut summary.pending,
        Some(Status::Invalid) => &mut summary.invalid,
    } += 1;
    if let Some(c) = clause {
        if by_clause.len() <= c {
            by_clause.resize(c + 1, 0);
        }
        if let Some(n) = by_clause.get_mut(c) {
            *n += 1;
        }
    }
}

/// One output record, as every format writes it.
struct OutRecord<'a> {
    id: Option<&'a str>,
    line: u64,
    /// The record's agreement, in a run over several (empty when it could not be found).
    agreement: Option<&'a str>,
    /// The same as the JSON record's field, or nothing in a run over one agreement.
    agreement_json: &'a [u8],
    answer: Answer<'a>,
    /// The status as written (`error` for an error).
    status: &'a str,
    /// Warnings of the record rather than the resolution (a duplicate id, a delivery).
    extra: &'a [String],
    error: Option<&'a RecordError>,
}

/// A record as a JSON line; with its outcome, its trace too.
fn jsonl_record(
    out: &mut Vec<u8>,
    rendered: &mut Rendered,
    line_text: &mut LineText,
    record: &OutRecord<'_>,
    trace: Option<&Outcome<'_>>,
) {
    let answer = &record.answer;
    let line = line_text.of(record.line);
    json_head(
        out,
        (record.id, line, record.agreement_json),
        answer.deemed_date,
        answer.effective_at,
        answer.written,
    );
    json_tail(
        out,
        rendered,
        &Tail {
            clause: answer.clause,
            status: record.status,
            warnings: answer.warnings,
            extra: record.extra,
            error: record.error,
            line: record.line,
        },
    );
    if let Some(outcome) = trace {
        out.extend_from_slice(b",\"trace\":");
        let written = if outcome.deliveries().is_empty() {
            match outcome.resolution() {
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

/// A record as a CSV line.
fn csv_record(out: &mut Vec<u8>, record: &OutRecord<'_>) {
    let answer = &record.answer;
    let plain_id =
        (record.id).map(|id| serde_json::from_str::<String>(id).unwrap_or_else(|_| id.to_string()));
    write_csv_field(out, plain_id.as_deref().unwrap_or(""));
    out.push(b',');
    write_u64(out, record.line);
    out.push(b',');
    if let Some(agreement) = record.agreement {
        write_csv_field(out, agreement);
        out.push(b',');
    }
    if let Some(d) = answer.deemed_date {
        write_date(out, d);
    }
    out.push(b',');
    if let Some(t) = answer.effective_at {
        write_rfc3339(out, t);
    }
    out.push(b',');
    write_csv_field(out, answer.clause.map_or("", |c| &**c));
    out.push(b',');
    out.extend_from_slice(record.status.as_bytes());
    out.push(b',');
    let mut all: Vec<String> = answer.warnings.iter().map(|w| w.to_string()).collect();
    all.extend(record.extra.iter().cloned());
    write_csv_field(out, &all.join(" | "));
    out.push(b',');
    if let Some(e) = record.error {
        write_csv_field(out, &e.to_string());
    }
    out.push(b'\n');
}

/// Where a clause is counted among a memo's `clauses` (a new place the first time).
pub(super) fn counted(clauses: &mut Vec<Arc<str>>, clause: &Arc<str>) -> usize {
    // The labels are shared with the rules, so the same pointer is the same clause (the
    // text is compared only when no pointer matches: a label of another agreement of the
    // form is the same clause).
    let at = (clauses.iter())
        .position(|c| Arc::ptr_eq(c, clause))
        .or_else(|| clauses.iter().position(|c| c == clause));
    at.unwrap_or_else(|| {
        clauses.push(Arc::clone(clause));
        clauses.len() - 1
    })
}

/// A status as the output writes it.
pub(super) fn status_word(status: Status) -> &'static str {
    status.word()
}

/// The JSON record's id and line (in decimal).
pub(super) fn json_start(out: &mut Vec<u8>, id: Option<&str>, line: &[u8], agreement: &[u8]) {
    out.extend_from_slice(b"{\"id\":");
    out.extend_from_slice(id.unwrap_or("null").as_bytes());
    out.extend_from_slice(b",\"line\":");
    out.extend_from_slice(line);
    if !agreement.is_empty() {
        out.extend_from_slice(agreement);
    }
}

/// The deemed date and effective instant of the common answer, where the date is the
/// instant's (its first ten bytes), written in one piece: `,"deemed_date":"` (16 bytes),
/// the date (10), `","effective_at":"` (18), the instant (25) and its closing quote.
pub(super) fn json_dates(out: &mut Vec<u8>, instant: &Written) {
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
pub(super) fn json_head(
    out: &mut Vec<u8>,
    (id, line, agreement): (Option<&str>, &[u8], &[u8]),
    deemed_date: Option<NaiveDate>,
    effective_at: Option<DateTime<FixedOffset>>,
    written: Option<Written>,
) {
    json_start(out, id, line, agreement);
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
pub(super) struct Tail<'a> {
    pub(super) clause: Option<&'a Arc<str>>,
    pub(super) status: &'a str,
    pub(super) warnings: &'a [Warning],
    /// Warnings of the record rather than the resolution (a duplicate id, a delivery).
    pub(super) extra: &'a [String],
    pub(super) error: Option<&'a RecordError>,
    pub(super) line: u64,
}

/// The JSON record from its clause through its error.
pub(super) fn json_tail(out: &mut Vec<u8>, rendered: &mut Rendered, tail: &Tail<'_>) {
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
pub(super) struct Answer<'a> {
    pub(super) deemed_date: Option<NaiveDate>,
    pub(super) effective_at: Option<DateTime<FixedOffset>>,
    pub(super) clause: Option<&'a Arc<str>>,
    /// `None` for an error.
    pub(super) status: Option<Status>,
    pub(super) warnings: &'a [Warning],
    /// `effective_at` as written, when known.
    pub(super) written: Option<Written>,
}

impl<'a> Answer<'a> {
    pub(super) fn of(shortcuts: &'a Shortcuts<'_>, outcome: &'a Outcome<'_>) -> Answer<'a> {
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

pub(super) fn write_u64(out: &mut Vec<u8>, n: u64) {
    let (digits, start) = decimal(n);
    out.extend_from_slice(digits.get(start..).unwrap_or(&[]));
}

/// `n` in decimal, at the end of the array from the index returned.
pub(super) fn decimal(mut n: u64) -> ([u8; 20], usize) {
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
pub(super) struct LineText {
    pub(super) value: u64,
    pub(super) digits: [u8; 20],
    /// Where the number starts in `digits`.
    pub(super) start: usize,
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
    pub(super) fn of(&mut self, n: u64) -> &[u8] {
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
pub(super) fn write_date(out: &mut Vec<u8>, d: NaiveDate) {
    match date_bytes(d) {
        Some(bytes) => out.extend_from_slice(&bytes),
        None => out.extend_from_slice(d.to_string().as_bytes()),
    }
}

/// RFC 3339 as chrono's `to_rfc3339` writes it.
pub(super) fn write_rfc3339(out: &mut Vec<u8>, t: DateTime<FixedOffset>) {
    match rfc3339_bytes(t) {
        Some(bytes) => out.extend_from_slice(&bytes),
        None => out.extend_from_slice(t.to_rfc3339().as_bytes()),
    }
}

pub(super) fn write_json_str(out: &mut Vec<u8>, s: &str) {
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
pub(super) struct Rendered {
    pub(super) kept: Vec<(Warning, Vec<u8>)>,
    /// The JSON text of the clause labels, by the label shared with the rules.
    pub(super) labels: Vec<(Arc<str>, Vec<u8>)>,
    /// A gap warning's text, before escaping (reused).
    pub(super) text: String,
}

impl Rendered {
    /// How many different warnings are kept.
    const KEPT: usize = 32;

    /// Writes a clause label as a JSON string.
    pub(super) fn label(&mut self, out: &mut Vec<u8>, label: &Arc<str>) {
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

    pub(super) fn write(&mut self, out: &mut Vec<u8>, w: &Warning) {
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
pub(super) fn write_json_content(out: &mut Vec<u8>, s: &str) {
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
pub(super) fn write_json_display(out: &mut Vec<u8>, value: &dyn fmt::Display) {
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

pub(super) fn write_csv_field(out: &mut Vec<u8>, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(s.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}
