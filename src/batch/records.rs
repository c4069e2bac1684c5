//! Input records: a line of JSON Lines or CSV read into the deliveries it describes, and
//! what went wrong with it, on which column or field.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::BatchError;
use crate::answer::EvalError;

/// Where an input record went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RecordError {
    /// 1-based column in the line, for syntax errors.
    pub(super) column: Option<usize>,
    /// The field at fault, for bad values.
    pub(super) field: Option<String>,
    pub(super) message: String,
}

impl RecordError {
    pub(super) fn at(column: usize, message: impl Into<String>) -> Self {
        RecordError {
            column: Some(column),
            field: None,
            message: message.into(),
        }
    }

    pub(super) fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        RecordError {
            column: None,
            field: Some(field.into()),
            message: message.into(),
        }
    }

    pub(super) fn line(message: impl Into<String>) -> Self {
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
pub(super) struct DeliveryFields<'a> {
    pub(super) method: Option<Cow<'a, str>>,
    pub(super) sent: Option<Cow<'a, str>>,
    pub(super) received: Option<Cow<'a, str>>,
    pub(super) to: Option<Cow<'a, str>>,
    pub(super) from: Option<Cow<'a, str>>,
    pub(super) fax_number: Option<Cow<'a, str>>,
}

/// One delivery (the common case, kept inline) or several.
pub(super) enum Deliveries<'a> {
    One(DeliveryFields<'a>),
    Many(Vec<DeliveryFields<'a>>),
}

impl<'a> std::ops::Deref for Deliveries<'a> {
    type Target = [DeliveryFields<'a>];

    fn deref(&self) -> &[DeliveryFields<'a>] {
        match self {
            Deliveries::One(d) => std::slice::from_ref(d),
            Deliveries::Many(v) => v,
        }
    }
}

/// A record as read: its id (JSON text) and deliveries.
pub(super) struct Record<'a> {
    pub(super) id: Option<Cow<'a, str>>,
    /// The agreement it names, in a run over several.
    pub(super) agreement: Option<Cow<'a, str>>,
    /// A notice of change: the party whose details it changes, and its new numbers.
    pub(super) changes: Option<Changes>,
    pub(super) deliveries: Deliveries<'a>,
    /// Whether the record used `deliveries: [...]` (field names then carry an index).
    pub(super) multi: bool,
}

/// A notice of change's new details: `"changes": {"party": "company", "fax": ["..."]}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Changes {
    /// The party whose details change.
    pub(super) party: String,
    /// Its new facsimile numbers (none: it has none from then on).
    #[serde(default)]
    pub(super) fax: Vec<String>,
    /// Its new address, in words (kept in the notes; it decides nothing).
    #[serde(default)]
    pub(super) address: Option<String>,
}

impl Changes {
    /// The `changes` field's JSON, or why it is not one.
    fn read(text: &str) -> Result<Changes, RecordError> {
        let changes: Changes = serde_json::from_str(text).map_err(|e| {
            let message = e.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m);
            RecordError::field(
                "changes",
                format!("expected {{\"party\": NAME, \"fax\": [NUMBER, ...]}}: {message}"),
            )
        })?;
        if let Some(bad) = changes
            .fax
            .iter()
            .find(|n| !n.bytes().any(|b| b.is_ascii_digit()))
        {
            return Err(RecordError::field(
                "changes.fax",
                format!("the facsimile number `{bad}` has no digits"),
            ));
        }
        Ok(changes)
    }
}

/// A record as serde_json reads it: each field's JSON text, borrowed from the line, read
/// on by the functions below so that a wrong field is reported by its name.
#[derive(Deserialize)]
pub(super) struct RawRecord<'a> {
    #[serde(borrow, default)]
    pub(super) id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(super) method: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(super) sent: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(super) received: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(super) to: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(super) from: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(super) fax_number: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(super) agreement: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(super) changes: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(super) deliveries: Option<&'a RawValue>,
}

impl<'a> RawRecord<'a> {
    /// A field's JSON text.
    fn text(field: Option<&'a RawValue>) -> Option<&'a str> {
        field.map(RawValue::get)
    }
}

/// A field's name in messages: `sent`, or `deliveries[1].sent` in a list of deliveries.
pub(super) fn field_name(delivery: Option<usize>, field: &str) -> String {
    match delivery {
        None => field.to_string(),
        Some(n) => format!("deliveries[{n}].{field}"),
    }
}

/// The text of a JSON string field; `null` or absent is `None`.
pub(super) fn string_field<'a>(
    raw: Option<&'a str>,
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
            if !inner.contains('\\') {
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

pub(super) fn json_kind(text: &str) -> &'static str {
    let parses = || serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
    match text.as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') if parses() => "a boolean",
        Some(b'n') if parses() => "null",
        Some(b'-' | b'0'..=b'9') if parses() => "a number",
        None => "nothing",
        _ => "text that is not JSON",
    }
}

pub(super) fn shorten(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if s.len() < text.len() {
        s.push_str("...");
    }
    s
}

/// Whether text holds a backslash (a JSON escape), eight bytes at a time: ids are short,
/// and a call to a searcher costs more than the look.
#[inline]
pub(super) fn has_backslash(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        // A zero byte of `x` where a byte is `\`: the classic test for a zero byte.
        let x = u64::from_le_bytes(eight) ^ (ONES * u64::from(b'\\'));
        if x.wrapping_sub(ONES) & !x & HIGHS != 0 {
            return true;
        }
    }
    words.remainder().contains(&b'\\')
}

/// An id as written, when it is a JSON string or number that a strict parser reads back:
/// an array or object, or a string with a lone surrogate (`"\ud800"`), is an error.
#[inline]
pub(super) fn checked_id(raw: &str) -> Result<&str, RecordError> {
    let found = match raw.as_bytes().first() {
        Some(b'"') if !has_backslash(raw.as_bytes()) => return Ok(raw),
        Some(b'"') => match serde_json::from_str::<String>(raw) {
            Ok(_) => return Ok(raw),
            Err(_) => "a string that is not Unicode text (a lone surrogate)",
        },
        Some(b'-' | b'0'..=b'9') => match serde_json::from_str::<serde_json::Number>(raw) {
            Ok(_) => return Ok(raw),
            Err(_) => "a number no parser reads",
        },
        _ => json_kind(raw),
    };
    Err(RecordError::field(
        "id",
        format!(
            "expected a string or a number, found {found} `{}`",
            shorten(raw)
        ),
    ))
}

/// An id that [`checked_id`] refuses, written as a JSON string of its first characters, so
/// that the error record itself parses.
pub(super) fn safe_id(raw: &str) -> String {
    serde_json::to_string(&shorten(raw)).unwrap_or_else(|_| "null".to_string())
}

/// Reads one JSON Lines record. A record whose fields are wrong keeps its id.
pub(super) fn parse_json_line(
    line: &str,
) -> Result<Record<'_>, (Option<Cow<'_, str>>, RecordError)> {
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
    let raw = serde_json::from_str::<RawRecord<'_>>(line).map_err(|e| (None, json_error(&e)))?;
    let id = match RawRecord::text(raw.id) {
        None | Some("null") => None,
        Some(v) => match checked_id(v) {
            Ok(v) => Some(Cow::Borrowed(v)),
            Err(e) => return Err((Some(Cow::Owned(safe_id(v))), e)),
        },
    };
    let agreement = string_field(RawRecord::text(raw.agreement), None, "agreement")
        .map_err(|e| (id.clone(), e))?;
    let changes = match RawRecord::text(raw.changes).filter(|c| *c != "null") {
        None => None,
        Some(text) => Some(Changes::read(text).map_err(|e| (id.clone(), e))?),
    };
    fields(&raw)
        .map(|(deliveries, multi)| Record {
            id: id.clone(),
            agreement,
            changes,
            deliveries,
            multi,
        })
        .map_err(|e| (id, e))
}

/// A serde_json error as an error record: where, and what, without the position suffix.
pub(super) fn json_error(e: &serde_json::Error) -> RecordError {
    let message = e.to_string();
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(m, _)| m)
        .to_string();
    RecordError::at(e.column().max(1), format!("invalid JSON: {message}"))
}

/// A delivery's fields, each a string or absent.
pub(super) fn delivery<'a>(
    f: &RawRecord<'a>,
    n: Option<usize>,
) -> Result<DeliveryFields<'a>, RecordError> {
    let field = |raw, name| string_field(RawRecord::text(raw), n, name);
    Ok(DeliveryFields {
        method: field(f.method, "method")?,
        sent: field(f.sent, "sent")?,
        received: field(f.received, "received")?,
        to: field(f.to, "to")?,
        from: field(f.from, "from")?,
        fax_number: field(f.fax_number, "fax_number")?,
    })
}

/// The deliveries of a record, and whether it listed them under `deliveries`.
pub(super) fn fields<'a>(raw: &RawRecord<'a>) -> Result<(Deliveries<'a>, bool), RecordError> {
    let Some(list) = RawRecord::text(raw.deliveries).filter(|v| *v != "null") else {
        return Ok((Deliveries::One(delivery(raw, None)?), false));
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
    let delivered: Vec<RawRecord<'a>> = serde_json::from_str(list).map_err(|_| expected())?;
    if delivered.is_empty() {
        return Err(RecordError::field("deliveries", "the list is empty"));
    }
    if raw.method.is_some() || raw.sent.is_some() {
        return Err(RecordError::field(
            "deliveries",
            "a record has either `deliveries` or `method` and `sent`, not both",
        ));
    }
    if delivered.len() > MAX_DELIVERIES {
        return Err(RecordError::field(
            "deliveries",
            format!(
                "{} deliveries; a record lists at most {MAX_DELIVERIES}",
                delivered.len()
            ),
        ));
    }
    // The record's own `to`, `fax_number` and `received` hold for every delivery that does
    // not give its own; one that gives another is an error, as the record cannot say both.
    let shared = delivery(raw, None)?;
    let mut deliveries = Vec::with_capacity(delivered.len());
    for (n, d) in delivered.iter().enumerate() {
        let mut own = delivery(d, Some(n))?;
        for (field, mine, record) in [
            ("to", &mut own.to, &shared.to),
            ("from", &mut own.from, &shared.from),
            ("fax_number", &mut own.fax_number, &shared.fax_number),
            ("received", &mut own.received, &shared.received),
        ] {
            match (&*mine, record) {
                (_, None) => {}
                (None, Some(value)) => *mine = Some(value.clone()),
                (Some(a), Some(b)) if a == b => {}
                (Some(a), Some(b)) => {
                    return Err(RecordError::field(
                        field_name(Some(n), field),
                        format!("`{a}` contradicts the record's `{field}` `{b}`"),
                    ));
                }
            }
        }
        deliveries.push(own);
    }
    Ok((Deliveries::Many(deliveries), true))
}

/// The most deliveries one record may list; past it the record is an error, so that a
/// hostile record costs bounded memory (its trace included).
pub const MAX_DELIVERIES: usize = 64;

/// The columns a CSV input may have, by position in its header.
#[derive(Debug, Default, Clone)]
pub(super) struct CsvColumns {
    pub(super) id: Option<usize>,
    pub(super) method: Option<usize>,
    pub(super) sent: Option<usize>,
    pub(super) received: Option<usize>,
    pub(super) to: Option<usize>,
    pub(super) from: Option<usize>,
    pub(super) fax_number: Option<usize>,
    pub(super) agreement: Option<usize>,
    /// The byte between fields: `,` unless given or found otherwise.
    pub(super) delimiter: u8,
}

/// The columns a CSV header names, matched whatever their case and surrounding
/// spaces; a column named twice is an error. Without a delimiter given, the header
/// shows it: `,`, or `;` or a tab when it has more of those (a note says so).
pub(super) fn csv_header(
    name: &str,
    line: &[u8],
    delimiter: Option<u8>,
) -> Result<(CsvColumns, Option<String>), BatchError> {
    let mut note = None;
    let text = String::from_utf8_lossy(line);
    let delimiter = match delimiter {
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

/// Splits a CSV record into fields, with the `csv` crate (RFC 4180 quoting; a quoted field
/// may hold the record's line breaks and delimiters).
pub(super) fn split_csv(record: &str, delimiter: u8) -> Result<Vec<Cow<'_, str>>, RecordError> {
    // A quote still open at the record's end was never closed: the rest of the input was
    // read into its field.
    if csv_record_ends(record.as_bytes()).is_err() {
        let swallowed = record.bytes().filter(|b| *b == b'\n').count();
        return Err(RecordError::line(format!(
            "invalid CSV: a quoted field opens on this line and is never closed, so the {swallowed} line(s) after it were read into it (close the quote, or write a quote inside a field as two)"
        )));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(record.as_bytes());
    let mut fields = csv::StringRecord::new();
    match reader.read_record(&mut fields) {
        Ok(true) => Ok(fields.iter().map(|f| Cow::Owned(f.to_string())).collect()),
        Ok(false) => Ok(vec![Cow::Borrowed("")]),
        Err(e) => Err(RecordError::line(format!("invalid CSV: {e}"))),
    }
}

/// Where the records of CSV text end: at line ends (LF, CRLF or CR alone) outside quoted
/// fields; a quoted field's line breaks stay in its record. `Err` with the records so far
/// when the text ends inside a quoted field (the record goes on in the next line).
pub(super) fn csv_record_ends(text: &[u8]) -> Result<Vec<usize>, Vec<usize>> {
    let mut ends = Vec::new();
    let mut quoted = false;
    for (n, b) in text.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\r' if !quoted => ends.push(n),
            _ => {}
        }
    }
    match quoted {
        false => Ok(ends),
        true => Err(ends),
    }
}

pub(super) fn parse_csv_line<'a>(
    line: &'a str,
    cols: &CsvColumns,
) -> Result<Record<'a>, RecordError> {
    let fields = split_csv(line, cols.delimiter)?;
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
        agreement: take(cols.agreement),
        changes: None,
        deliveries: Deliveries::One(DeliveryFields {
            method: take(cols.method),
            sent: take(cols.sent),
            received: take(cols.received),
            to: take(cols.to),
            from: take(cols.from),
            fax_number: take(cols.fax_number),
        }),
        multi: false,
    })
}

/// An evaluation's error in the words of an error record: what, and what to do.
pub(super) fn eval_message(e: &EvalError) -> String {
    match e.help() {
        Some(help) => format!("{e} ({help})"),
        None => e.to_string(),
    }
}
