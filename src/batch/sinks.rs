//! Output: one record per input line, as a JSON line or a CSV line, each format written by
//! its own function from the same record; every record is counted in the summary in one
//! place ([`Batch::count`]).

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;
use serde::ser::{SerializeSeq, SerializeStruct, Serializer};
use serde_json::value::RawValue;

use super::records::RecordError;
use super::{Batch, ERRORS_LISTED, Ids, OutputFormat, RecordOutcome};
use crate::answer::{Status, Step, Warning};
use crate::eval::DeliveryAnswer;

impl Batch<'_> {
    /// Writes one output record in the run's format, counted in the summary.
    pub(super) fn write_record(
        &mut self,
        input: &str,
        line: u64,
        id: Option<&str>,
        outcome: RecordOutcome,
    ) {
        let mut extra = outcome.notes;
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
        let error = outcome.error.as_ref();
        let answer = outcome.answer.as_ref().filter(|_| error.is_none());
        let resolution = answer.map(|a| &a.resolution);
        self.count(resolution.map(|r| (r.status, r.clause.as_ref())));
        if let Some(e) = error {
            if self.summary.first_errors.len() < ERRORS_LISTED {
                let first = (input.to_string(), line, e.to_string());
                self.summary.first_errors.push(first);
            }
        }
        // In a run over several agreements, each record names its own (none when it could
        // not be found).
        let agreement = match self.library {
            None => None,
            Some(_) => Some(
                self.current
                    .and_then(|place| self.agreements.get(place))
                    .and_then(|a| a.name.as_deref()),
            ),
        };
        // The answer's notes (which delivery decided, changes not applied) follow its
        // resolution's warnings, and the record's own notes follow them.
        let mut notes: Vec<&str> = answer.map_or_else(Vec::new, |a| a.notes().collect());
        notes.extend(extra.iter().map(String::as_str));
        let record = OutRecord {
            id,
            line,
            agreement,
            deemed_date: resolution.and_then(|r| r.deemed_date),
            effective_at: resolution.and_then(|r| r.effective_at),
            clause: resolution.and_then(|r| r.clause.as_ref()),
            status: resolution.map_or("error", |r| r.status.word()),
            warnings: Warnings(resolution.map_or(&[], |r| &r.warnings[..]), &notes),
            error: error.map(|e| (line, e)),
            trace: match (self.options.trace, answer) {
                (false, _) => None,
                (true, None) => Some(Trace::None),
                (true, Some(a)) if a.deliveries.is_empty() => Some(Trace::One(&a.resolution.trace)),
                (true, Some(a)) => Some(Trace::Several(&a.deliveries)),
            },
        };
        match self.options.output {
            OutputFormat::Jsonl => {
                if serde_json::to_writer(&mut self.out, &record).is_err() {
                    self.out.extend_from_slice(b"null");
                }
                self.out.push(b'\n');
            }
            OutputFormat::Csv => csv_record(&mut self.out, &record, self.options.keep_formulas),
        }
    }

    /// Counts a record in the summary: its status and deciding clause (`None`: an error).
    /// Every record is counted here, whichever format it is written in.
    fn count(&mut self, answered: Option<(Status, Option<&Arc<str>>)>) {
        let summary = &mut self.summary;
        summary.records += 1;
        *match answered {
            None => &mut summary.errors,
            Some((Status::Effective, _)) => &mut summary.effective,
            Some((Status::Gap, _)) => &mut summary.gap,
            Some((Status::Pending, _)) => &mut summary.pending,
            Some((Status::Invalid, _)) => &mut summary.invalid,
        } += 1;
        let Some(place) = self.current else { return };
        if let Some(a) = self.agreements.get_mut(place) {
            a.records += 1;
        }
        if let Some((_, Some(clause))) = answered {
            *self
                .by_clause
                .entry((place, Arc::clone(clause)))
                .or_default() += 1;
        }
    }
}

/// One output record, as every format writes it; JSON writes its fields in this order.
struct OutRecord<'a> {
    /// The record's id as its input writes it (JSON text: a string or a number).
    id: Option<&'a str>,
    line: u64,
    /// The record's agreement, in a run over several (`Some(None)` when it could not be
    /// found).
    agreement: Option<Option<&'a str>>,
    deemed_date: Option<NaiveDate>,
    effective_at: Option<DateTime<FixedOffset>>,
    clause: Option<&'a Arc<str>>,
    /// The status as written (`error` for an error).
    status: &'a str,
    warnings: Warnings<'a>,
    /// The error, with the line it was on.
    error: Option<(u64, &'a RecordError)>,
    /// The trace, when asked for.
    trace: Option<Trace<'a>>,
}

impl Serialize for OutRecord<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("record", 10)?;
        // An id its reader checked is JSON text a strict parser reads back; one that is not
        // is written as a string.
        let id = self.id.map(|id| RawValue::from_string(id.to_string()));
        match id {
            Some(Ok(raw)) => st.serialize_field("id", &raw)?,
            Some(Err(_)) => st.serialize_field("id", &self.id)?,
            None => st.serialize_field("id", &())?,
        }
        st.serialize_field("line", &self.line)?;
        if let Some(agreement) = &self.agreement {
            st.serialize_field("agreement", agreement)?;
        }
        st.serialize_field("deemed_date", &self.deemed_date.map(Date))?;
        st.serialize_field("effective_at", &self.effective_at.map(Instant))?;
        st.serialize_field("clause", &self.clause)?;
        st.serialize_field("status", self.status)?;
        st.serialize_field("warnings", &self.warnings)?;
        st.serialize_field("error", &self.error.map(|(line, e)| ErrorOut { line, e }))?;
        if let Some(trace) = &self.trace {
            st.serialize_field("trace", trace)?;
        }
        st.end()
    }
}

/// The resolution's warnings, then the record's notes.
struct Warnings<'a>(&'a [Warning], &'a [&'a str]);

impl Serialize for Warnings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len() + self.1.len()))?;
        for w in self.0 {
            seq.serialize_element(&w.to_string())?;
        }
        for note in self.1 {
            seq.serialize_element(note)?;
        }
        seq.end()
    }
}

impl Warnings<'_> {
    /// Every warning in words.
    fn words(&self) -> Vec<String> {
        let notes = self.1.iter().map(|n| n.to_string());
        self.0.iter().map(Warning::to_string).chain(notes).collect()
    }
}

/// A date as JSON writes it, `"2000-03-06"`, from its ten bytes (a string with nothing to
/// escape is copied whole; a date through `Display` goes a piece at a time).
struct Date(NaiveDate);

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// An instant as JSON writes it, in RFC 3339 as chrono's `to_rfc3339` does.
struct Instant(DateTime<FixedOffset>);

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_rfc3339())
    }
}

/// A record's error: its line, then the column or field, then the message.
struct ErrorOut<'a> {
    line: u64,
    e: &'a RecordError,
}

impl Serialize for ErrorOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("error", 3)?;
        st.serialize_field("line", &self.line)?;
        if let Some(column) = self.e.column {
            st.serialize_field("column", &column)?;
        }
        if let Some(field) = &self.e.field {
            st.serialize_field("field", field)?;
        }
        st.serialize_field("message", &self.e.message)?;
        st.end()
    }
}

/// A record's trace: its resolution's, or each delivery's of a notice of several, or
/// `null` for an error.
#[derive(Serialize)]
#[serde(untagged)]
enum Trace<'a> {
    None,
    One(&'a [Step]),
    Several(&'a [DeliveryAnswer]),
}

/// A record as a CSV line.
fn csv_record(out: &mut Vec<u8>, record: &OutRecord<'_>, keep_formulas: bool) {
    let csv_field = |out: &mut String, s: &str| csv_field(out, s, keep_formulas);
    use std::fmt::Write as _;
    let mut text = String::new();
    let id = record
        .id
        .map(|id| serde_json::from_str::<String>(id).unwrap_or_else(|_| id.to_string()));
    csv_field(&mut text, id.as_deref().unwrap_or(""));
    let _ = write!(text, ",{},", record.line);
    if let Some(agreement) = record.agreement {
        csv_field(&mut text, agreement.unwrap_or(""));
        text.push(',');
    }
    if let Some(d) = record.deemed_date {
        let _ = write!(text, "{d}");
    }
    text.push(',');
    if let Some(t) = record.effective_at {
        text.push_str(&t.to_rfc3339());
    }
    text.push(',');
    csv_field(&mut text, record.clause.map_or("", |c| &**c));
    let _ = write!(text, ",{},", record.status);
    csv_field(&mut text, &record.warnings.words().join(" | "));
    text.push(',');
    if let Some((_, e)) = record.error {
        csv_field(&mut text, &e.to_string());
    }
    text.push('\n');
    out.extend_from_slice(text.as_bytes());
}

/// A CSV field, quoted when it holds a delimiter, a quote or a line break (RFC 4180).
fn csv_field(out: &mut String, s: &str, keep_formulas: bool) {
    // A cell a spreadsheet would take for a formula is written after a `'` (OWASP's advice
    // against CSV injection), unless asked to keep it.
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted;
    let s = match formula && !keep_formulas {
        true => {
            quoted = format!("'{s}");
            quoted.as_str()
        }
        false => s,
    };
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}
