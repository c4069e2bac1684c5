//! The nom parser for rules files.
//!
//! Each function is headed by the grammar rule it parses; `GRAMMAR.md` holds the whole grammar.
//! Tokens skip the white space and `#` comments before them, so a span starts at its first
//! token and ends right after its last. Inside a `{ ... }` block every error is a failure
//! (nom's `cut`): once the opening keyword is read, the parser is committed and reports the
//! first thing it could not understand. Internal nom errors become the public [`SyntaxError`]
//! in exactly one place, [`Cx::to_public_error`].

use chrono::{NaiveDate, NaiveTime, Weekday};
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::satisfy;
use nom::combinator::recognize;
use nom::error::{ContextError, ErrorKind, ParseError};
use nom::{Err as NomErr, IResult, Parser};

use super::ast::*;
use super::error::{SyntaxError, SyntaxErrorKind};

/// Parses a whole rules file.
///
/// ```
/// let file = deemed::syntax::parse("calendar plain \"weekends only\" { weekend saturday, sunday }")
///     .unwrap();
/// assert_eq!(file.items.len(), 1);
/// ```
pub fn parse(src: &str) -> Result<File, SyntaxError> {
    parse_with(src, false).map_err(|mut errors| errors.swap_remove(0))
}

/// Parses a whole rules file and reports every syntax error, not only the first: after an
/// error the parser skips to the next item of the block it was in (a line that starts with
/// one of its keywords, or its closing `}`; a line that starts with a keyword of an enclosing
/// block closes it, as a missing `}` would), or at the top level to the next `agreement` or
/// `calendar`. The first error is the one [`parse`] reports.
///
/// ```
/// let src = "calendar a \"A\" {\n  weekend saturday, sundy\n  years 2000 thru 2001\n}\n";
/// let errors = deemed::syntax::parse_all(src).unwrap_err();
/// assert_eq!(errors.len(), 2);
/// ```
pub fn parse_all(src: &str) -> Result<File, Vec<SyntaxError>> {
    parse_with(src, true)
}

fn parse_with(src: &str, recover: bool) -> Result<File, Vec<SyntaxError>> {
    let cx = Cx {
        src,
        recovery: recover.then(Recovery::default),
    };
    let parsed = cx.file(src);
    let mut errors = cx
        .recovery
        .as_ref()
        .map(|r| r.errors.take())
        .unwrap_or_default();
    match parsed {
        Ok((_, file)) if errors.is_empty() => Ok(file),
        Ok(_) => Err(errors),
        Err(NomErr::Error(e) | NomErr::Failure(e)) => {
            errors.push(cx.to_public_error(e));
            Err(errors)
        }
        // INVARIANT: only the `streaming` parsers return Incomplete, and none is used here.
        Err(NomErr::Incomplete(_)) => {
            errors.push(SyntaxError {
                span: Span::new(src.len(), src.len()),
                kind: SyntaxErrorKind::Expected {
                    expected: vec!["more input"],
                    found: "end of file".into(),
                },
            });
            Err(errors)
        }
    }
}

/// What the parser keeps when it goes on after errors.
#[derive(Default)]
struct Recovery {
    /// The errors so far, in the order of the text.
    errors: std::cell::RefCell<Vec<SyntaxError>>,
    /// The item keywords of the blocks being read, innermost last.
    blocks: std::cell::RefCell<Vec<&'static [&'static str]>>,
    /// Skipping after an error ran to the end of the text: every open block ends there
    /// (the missing `}` is already reported).
    at_end: std::cell::Cell<bool>,
}

/// Where reading goes on after an error.
enum Resync<'a> {
    /// At an item of the same block, or its closing `}`.
    Here(&'a str),
    /// At a line of an enclosing block's: the block ends before it.
    Closes(&'a str),
    /// The end of the text.
    End,
}

/// The keywords that start an item of each kind of block, for going on after an error.
const FILE_STARTS: &[&str] = &["agreement", "calendar"];
const AGREEMENT_STARTS: &[&str] = &[
    "id",
    "dated",
    "time-zone",
    "calendar",
    "business-day",
    "cite",
    "method",
    "party",
    "notice",
    "period",
    "deadline-roll",
];
const PERIOD_STARTS: &[&str] = &[
    "anchor",
    "length",
    "start",
    "end",
    "roll",
    "nonexistent",
    "reading",
    "closes-at",
    "unless-notice-by",
];
const PARTY_STARTS: &[&str] = &["fax", "time-zone", "address", "cite"];
const NOTICE_STARTS: &[&str] = &["clause", "gap", "deliveries"];
const CALENDAR_STARTS: &[&str] = &[
    "source", "years", "weekend", "include", "holiday", "shift", "closed", "open",
];

/// From an error at `from`, the place to go on reading an item of a block whose items start
/// with `own` (inside blocks whose items start with `outer`): the first line after the error's
/// that starts with one of those keywords, outside any `{ ... }` opened after the error and
/// outside strings and comments, or the block's closing `}`. At the top level (`top`), a
/// `}` is skipped. A line indented as the failed item was (`indent`, when it began a line)
/// is an item too, whatever its first word, so that a misspelt keyword is reported rather
/// than skipped. An error at the first word of its line (`first_on_line`) that starts an
/// enclosing block's item ends the block there: its `}` is missing.
fn resync<'a>(
    from: &'a str,
    own: &[&str],
    outer: &[&[&str]],
    top: bool,
    first_on_line: bool,
    indent: Option<usize>,
) -> Resync<'a> {
    if first_on_line {
        let w = from
            .split(|c: char| !is_word_char(c))
            .next()
            .unwrap_or_default();
        if !own.contains(&w) && outer.iter().any(|keywords| keywords.contains(&w)) {
            return Resync::Closes(from);
        }
    }
    let mut depth = 0usize;
    let mut i = from;
    let mut line_start = false;
    loop {
        if line_start && depth == 0 {
            let t = i.trim_start_matches([' ', '\t', '\r']);
            if let Some(w) = t
                .split(|c: char| !is_word_char(c))
                .next()
                .filter(|w| !w.is_empty())
            {
                if own.contains(&w) {
                    return Resync::Here(t);
                }
                if outer.iter().any(|keywords| keywords.contains(&w)) {
                    return Resync::Closes(t);
                }
                if indent == Some(i.len() - t.len()) {
                    return Resync::Here(t);
                }
            }
        }
        line_start = false;
        let mut chars = i.chars();
        let Some(c) = chars.next() else {
            return Resync::End;
        };
        match c {
            '\n' => line_start = true,
            '{' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            '}' if !top => return Resync::Here(i),
            '"' => {
                // A string ends at its closing quote (it may run over lines, as the parser
                // reads it).
                let mut escaped = false;
                for d in chars.by_ref() {
                    match d {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => break,
                        _ => escaped = false,
                    }
                }
            }
            '#' => {
                while chars.clone().next().is_some_and(|d| d != '\n') {
                    chars.next();
                }
            }
            _ => {}
        }
        i = chars.as_str();
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// The parser's internal error: where, and what could have stood there.
#[derive(Debug)]
pub(crate) struct PErr<'a> {
    at: &'a str,
    expected: Vec<&'static str>,
    /// A complete error (with the length of the offending text) for malformed values.
    complete: Option<(usize, SyntaxErrorKind)>,
}

impl<'a> PErr<'a> {
    fn expected(at: &'a str, what: &'static str) -> Self {
        PErr {
            at,
            expected: vec![what],
            complete: None,
        }
    }

    fn invalid(at: &'a str, len: usize, what: &'static str, why: impl Into<String>) -> Self {
        let text = at.get(..len).unwrap_or(at).to_string();
        PErr {
            at,
            expected: Vec::new(),
            complete: Some((
                len,
                SyntaxErrorKind::Invalid {
                    what,
                    text,
                    why: why.into(),
                },
            )),
        }
    }

    /// Adds `what` to the alternatives when the error is at `at`.
    fn or_expected(mut self, at: &str, what: &'static str) -> Self {
        if self.complete.is_none() && self.at.len() == at.len() && !self.expected.contains(&what) {
            self.expected.push(what);
        }
        self
    }
}

impl<'a> ParseError<&'a str> for PErr<'a> {
    fn from_error_kind(input: &'a str, _kind: ErrorKind) -> Self {
        PErr {
            at: input,
            expected: Vec::new(),
            complete: None,
        }
    }

    fn append(_input: &'a str, _kind: ErrorKind, other: Self) -> Self {
        other
    }

    /// Keeps the error that got farther; at the same place, merges the alternatives.
    fn or(self, other: Self) -> Self {
        match self.at.len().cmp(&other.at.len()) {
            std::cmp::Ordering::Less => self,
            std::cmp::Ordering::Greater => other,
            std::cmp::Ordering::Equal => {
                if self.complete.is_some() {
                    return self;
                }
                let mut merged = other;
                for e in self.expected {
                    if !merged.expected.contains(&e) {
                        merged.expected.push(e);
                    }
                }
                merged
            }
        }
    }
}

impl<'a> ContextError<&'a str> for PErr<'a> {
    fn add_context(_input: &'a str, ctx: &'static str, mut other: Self) -> Self {
        if other.expected.is_empty() && other.complete.is_none() {
            other.expected.push(ctx);
        }
        other
    }
}

type Res<'a, T> = IResult<&'a str, T, PErr<'a>>;

/// Turns a recoverable error into a failure: the parser is committed.
fn commit<T>(r: Result<T, NomErr<PErr<'_>>>) -> Result<T, NomErr<PErr<'_>>> {
    r.map_err(|e| match e {
        NomErr::Error(e) => NomErr::Failure(e),
        other => other,
    })
}

fn fail<'a, T>(at: &'a str, what: &'static str) -> Res<'a, T> {
    Err(NomErr::Error(PErr::expected(at, what)))
}

// ws ::= (white-space | "#" anything-to-end-of-line)*
fn ws(mut i: &str) -> &str {
    loop {
        i = i.trim_start();
        match i.strip_prefix('#') {
            Some(rest) => i = rest.find('\n').map_or("", |n| &rest[n..]),
            None => return i,
        }
    }
}

// word ::= letter (letter | digit | "-" | "_")*
fn word(i: &str) -> Res<'_, &str> {
    let i = ws(i);
    recognize((
        satisfy(|c| c.is_ascii_alphabetic()),
        take_while(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
    ))
    .parse(i)
    .map_err(|_: NomErr<PErr<'_>>| NomErr::Error(PErr::expected(i, "a name")))
}

/// The keyword `w`; `desc` is how an error names it.
fn kw<'a>(w: &'static str, desc: &'static str) -> impl Fn(&'a str) -> Res<'a, &'a str> {
    move |i: &'a str| {
        let i = ws(i);
        match word(i) {
            Ok((rest, found)) if found == w => Ok((rest, found)),
            _ => fail(i, desc),
        }
    }
}

macro_rules! kw {
    ($w:literal) => {
        kw($w, concat!("`", $w, "`"))
    };
}

/// The punctuation `s`; `desc` is how an error names it.
fn sym<'a>(s: &'static str, desc: &'static str) -> impl Fn(&'a str) -> Res<'a, &'a str> {
    move |i: &'a str| {
        let i = ws(i);
        tag(s)
            .parse(i)
            .map_err(|_: NomErr<PErr<'_>>| NomErr::Error(PErr::expected(i, desc)))
    }
}

macro_rules! sym {
    ($s:literal) => {
        sym($s, concat!("`", $s, "`"))
    };
}

/// Whether the next token is the keyword `w`.
fn peek_kw(i: &str, w: &str) -> bool {
    matches!(word(i), Ok((_, found)) if found == w)
}

// string ::= '"' (char | '\"' | '\\')* '"'      (runs of white space fold into one space)
fn string(i: &str) -> Res<'_, String> {
    let i = ws(i);
    let Some(body) = i.strip_prefix('"') else {
        return fail(i, "a string in double quotes");
    };
    // Most strings hold no escape and no space but single ones between words: their text
    // is their body as written.
    if let Some(end) = memchr::memchr2(b'"', b'\\', body.as_bytes()) {
        let text = body.get(..end).unwrap_or_default();
        let bytes = text.as_bytes();
        let plain = bytes.iter().all(|b| (b' '..=b'~').contains(b))
            && !text.contains("  ")
            && bytes.first() != Some(&b' ')
            && bytes.last() != Some(&b' ');
        if plain && body.as_bytes().get(end) == Some(&b'"') {
            return Ok((body.get(end + 1..).unwrap_or_default(), text.to_string()));
        }
    }
    // Else the text is copied a run at a time, up to the next quote, escape, space or
    // character outside ASCII (which is read whole, to tell whether it is a space).
    let special = |b: &u8| matches!(b, b'"' | b'\\' | b' ' | b'\t'..=b'\r') || !b.is_ascii();
    let mut out = String::new();
    let mut pending_space = false;
    let mut n = 0;
    while let Some(run) = body.get(n..) {
        let len = run.bytes().position(|b| special(&b)).unwrap_or(run.len());
        let text = run.get(..len).unwrap_or_default();
        let mut push = |out: &mut String, text: &str| {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push_str(text);
        };
        if !text.is_empty() {
            push(&mut out, text);
        }
        n += len;
        let mut chars = body.get(n..).unwrap_or_default().chars();
        let Some(c) = chars.next() else {
            break;
        };
        match c {
            '"' => return Ok((body.get(n + 1..).unwrap_or_default(), out)),
            '\\' => {
                let escaped = match chars.next() {
                    Some('"') => "\"",
                    Some('\\') => "\\",
                    Some(other) => {
                        let at = body.get(n..).unwrap_or_default();
                        return Err(NomErr::Failure(PErr::invalid(
                            at,
                            1 + other.len_utf8(),
                            "escape",
                            "only `\\\"` and `\\\\` are escapes",
                        )));
                    }
                    None => break,
                };
                push(&mut out, escaped);
                n += 2;
            }
            c if c.is_whitespace() => {
                pending_space = true;
                n += c.len_utf8();
            }
            c => {
                push(&mut out, c.encode_utf8(&mut [0; 4]));
                n += c.len_utf8();
            }
        }
    }
    Err(NomErr::Failure(PErr {
        at: i,
        expected: Vec::new(),
        complete: Some((1, SyntaxErrorKind::UnterminatedString)),
    }))
}

fn digits(i: &str) -> Res<'_, &str> {
    take_while1(|c: char| c.is_ascii_digit()).parse(i)
}

// integer ::= digit+
fn integer(i: &str) -> Res<'_, u32> {
    let i = ws(i);
    let (rest, text) = digits(i).map_err(|_| NomErr::Error(PErr::expected(i, "a number")))?;
    match text.parse::<u32>() {
        Ok(n) => Ok((rest, n)),
        Err(_) => Err(NomErr::Failure(PErr::invalid(
            i,
            text.len(),
            "number",
            "it is too large",
        ))),
    }
}

// signed-integer ::= ("+" | "-")? digit+
fn signed_integer(i: &str) -> Res<'_, i32> {
    let i = ws(i);
    let (body, negative) = match i.as_bytes().first() {
        Some(b'-') => (&i[1..], true),
        Some(b'+') => (&i[1..], false),
        _ => (i, false),
    };
    let (rest, text) =
        digits(body).map_err(|_| NomErr::Error(PErr::expected(i, "a whole number of days")))?;
    let len = i.len() - rest.len();
    match text.parse::<i32>() {
        Ok(n) if n <= 366 => Ok((rest, if negative { -n } else { n })),
        _ => Err(NomErr::Failure(PErr::invalid(
            i,
            len,
            "day offset",
            "it must be at most 366 days",
        ))),
    }
}

// year ::= digit{4}
fn year(i: &str) -> Res<'_, i32> {
    let i = ws(i);
    let (rest, text) = digits(i).map_err(|_| NomErr::Error(PErr::expected(i, "a year")))?;
    match text.parse::<i32>() {
        Ok(y) if text.len() == 4 => Ok((rest, y)),
        _ => Err(NomErr::Failure(PErr::invalid(
            i,
            text.len(),
            "year",
            "a year has four digits",
        ))),
    }
}

// date ::= digit{4} "-" digit{2} "-" digit{2}
fn date(i: &str) -> Res<'_, NaiveDate> {
    let i = ws(i);
    let (rest, text) = take_while1(|c: char| c.is_ascii_digit() || c == '-')
        .parse(i)
        .map_err(|_: NomErr<PErr<'_>>| {
            NomErr::Error(PErr::expected(i, "a date such as `2000-02-25`"))
        })?;
    // digit{4} "-" digit{2} "-" digit{2}: a sign or a short year is not a date.
    let shape_ok = text.len() == 10
        && text.bytes().enumerate().all(|(n, b)| match n {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) if shape_ok => Ok((rest, d)),
        _ => Err(NomErr::Failure(PErr::invalid(
            i,
            text.len(),
            "date",
            "expected a real date written YYYY-MM-DD",
        ))),
    }
}

// when ::= date | instant        (an instant in RFC 3339: `2001-07-01T09:00:00-04:00`)
fn when(i: &str) -> Res<'_, When> {
    let i = ws(i);
    let token_len = i
        .find(|c: char| c.is_whitespace() || c == '}' || c == '#')
        .unwrap_or(i.len());
    let token = i.get(..token_len).unwrap_or(i);
    if token.len() > 10
        && token
            .as_bytes()
            .get(10)
            .is_some_and(|b| *b == b'T' || *b == b't')
    {
        return match chrono::DateTime::parse_from_rfc3339(token) {
            Ok(t) => Ok((i.get(token_len..).unwrap_or(""), When::Instant(t))),
            Err(_) => Err(NomErr::Failure(PErr::invalid(
                i,
                token_len,
                "instant",
                "expected an instant in RFC 3339, such as `2001-07-01T09:00:00-04:00`",
            ))),
        };
    }
    date(i).map(|(r, d)| (r, When::Date(d)))
}

// time ::= digit{2} ":" digit{2} (":" digit{2})?
fn time(i: &str) -> Res<'_, NaiveTime> {
    let i = ws(i);
    let (rest, text) = take_while1(|c: char| c.is_ascii_digit() || c == ':')
        .parse(i)
        .map_err(|_: NomErr<PErr<'_>>| {
            NomErr::Error(PErr::expected(i, "a time such as `20:00` or `23:59:00`"))
        })?;
    let parsed = match text.len() {
        5 => NaiveTime::parse_from_str(text, "%H:%M"),
        8 => NaiveTime::parse_from_str(text, "%H:%M:%S"),
        _ => NaiveTime::parse_from_str("", "%H"),
    };
    match parsed {
        Ok(t) => Ok((rest, t)),
        Err(_) => Err(NomErr::Failure(PErr::invalid(
            i,
            text.len(),
            "time",
            "expected HH:MM or HH:MM:SS on a 24-hour clock, from 00:00:00 to 23:59:59",
        ))),
    }
}

fn weekday(i: &str) -> Res<'_, Weekday> {
    let i = ws(i);

    let (rest, w) = word(i).map_err(|_| NomErr::Error(PErr::expected(i, "a weekday")))?;
    match WEEKDAY_NAMES.iter().find(|(name, _)| *name == w) {
        Some((_, day)) => Ok((rest, *day)),
        None => fail(i, "a weekday such as `monday`"),
    }
}

fn month(i: &str) -> Res<'_, u32> {
    let i = ws(i);

    let (rest, w) = word(i).map_err(|_| NomErr::Error(PErr::expected(i, "a month")))?;
    match MONTH_NAMES.iter().position(|m| *m == w) {
        // INVARIANT: the position in a 12-element array is below 12.
        Some(n) => Ok((rest, n as u32 + 1)),
        None => fail(i, "a month such as `january`"),
    }
}

/// A day of `month` that exists in some year (February 29 does).
fn day_of_month(i: &str, month: u32) -> Res<'_, u32> {
    let day_at = ws(i);
    let (r, day) = integer(i)?;
    if !(1..=31).contains(&day) || NaiveDate::from_ymd_opt(2000, month, day).is_none() {
        let len = day_at.len() - r.len();
        return Err(NomErr::Failure(PErr::invalid(
            day_at,
            len,
            "day of the month",
            "that month has no such day",
        )));
    }
    Ok((r, day))
}

// length ::= integer ("year" | "years" | "month" | "months" | "day" | "days"
//                     | "business-day" | "business-days") "before"?
fn length(i: &str) -> Res<'_, Length> {
    let (i, n) = integer(i)?;
    let (i, unit) = match word(i) {
        Ok((r, "year" | "years")) => (r, PeriodUnit::Years),
        Ok((r, "month" | "months")) => (r, PeriodUnit::Months),
        Ok((r, "day" | "days")) => (r, PeriodUnit::Days),
        Ok((r, "business-day" | "business-days")) => (r, PeriodUnit::BusinessDays),
        _ => {
            return Err(NomErr::Error(expected_any(
                ws(i),
                &["`years`", "`months`", "`days`", "`business-days`"],
            )));
        }
    };
    let (i, before) = match kw!("before")(i) {
        Ok((r, _)) => (r, true),
        Err(_) => (i, false),
    };
    Ok((
        i,
        Length {
            count: n,
            unit,
            before,
        },
    ))
}

// roll ::= "none" | "following" | "preceding" | "modified-following"
fn roll(i: &str) -> Res<'_, Roll> {
    let at = ws(i);
    match word(at) {
        Ok((r, "none")) => Ok((r, Roll::None)),
        Ok((r, "following")) => Ok((r, Roll::Following)),
        Ok((r, "preceding")) => Ok((r, Roll::Preceding)),
        Ok((r, "modified-following")) => Ok((r, Roll::ModifiedFollowing)),
        _ => Err(NomErr::Error(expected_any(
            at,
            &[
                "`none`",
                "`following`",
                "`preceding`",
                "`modified-following`",
            ],
        ))),
    }
}

// shift ::= weekday "=>" ("following" | "preceding") weekday
fn shift(i: &str) -> Res<'_, Shift> {
    let (i, from) = weekday(i)?;
    let (i, _) = sym!("=>")(i)?;
    let (i, following) = match word(i) {
        Ok((r, "following")) => (r, true),
        Ok((r, "preceding")) => (r, false),
        _ => {
            return Err(NomErr::Error(expected_any(
                ws(i),
                &["`following`", "`preceding`"],
            )));
        }
    };
    let (i, to) = weekday(i)?;
    Ok((
        i,
        Shift {
            from,
            to,
            following,
        },
    ))
}

/// Offsets and spans: every input slice is a suffix of `src`.
struct Cx<'a> {
    src: &'a str,
    /// Present when every error is to be reported ([`parse_all`]).
    recovery: Option<Recovery>,
}

impl<'a> Cx<'a> {
    fn off(&self, i: &str) -> usize {
        self.src.len().saturating_sub(i.len())
    }

    /// How far `i` is indented, when it begins its line.
    fn indent(&self, i: &str) -> Option<usize> {
        let before = self.src.get(..self.off(i)).unwrap_or_default();
        let line = before.rsplit('\n').next().unwrap_or_default();
        line.chars()
            .all(|c| c == ' ' || c == '\t' || c == '\r')
            .then_some(line.len())
    }

    /// Runs `p` after white space and records the span of what it read.
    fn spanned<T>(&self, i: &'a str, p: impl FnOnce(&'a str) -> Res<'a, T>) -> Res<'a, Spanned<T>> {
        let i = ws(i);
        let start = self.off(i);
        let (rest, node) = p(i)?;
        Ok((
            rest,
            Spanned {
                node,
                span: Span::new(start, self.off(rest)),
            },
        ))
    }

    fn name(&self, i: &'a str) -> Res<'a, Name> {
        self.spanned(i, |i| word(i).map(|(r, w)| (r, w.to_string())))
    }

    fn string(&self, i: &'a str) -> Res<'a, Spanned<String>> {
        self.spanned(i, string)
    }

    /// The one place where the parser's error becomes the public error.
    fn to_public_error(&self, e: PErr<'_>) -> SyntaxError {
        let at = ws(e.at);
        let start = self.off(e.at);
        if let Some((len, kind)) = e.complete {
            return SyntaxError {
                span: Span::new(start, start + len),
                kind,
            };
        }
        let start = self.off(at);
        let (len, found) = describe_token(at);
        let mut expected = e.expected;
        if expected.is_empty() {
            expected.push("something else");
        }
        SyntaxError {
            span: Span::new(start, start + len),
            kind: SyntaxErrorKind::Expected { expected, found },
        }
    }

    // block<item> ::= "{" item* "}"
    fn block<T>(
        &self,
        i: &'a str,
        starts: &'static [&'static str],
        mut item: impl FnMut(&'a str) -> Res<'a, T>,
    ) -> Res<'a, Vec<T>> {
        let (mut i, _) = commit(sym!("{")(i))?;
        let mut items = Vec::new();
        if let Some(r) = &self.recovery {
            r.blocks.borrow_mut().push(starts);
        }
        let end = loop {
            let j = ws(i);
            if let Some(rest) = j.strip_prefix('}') {
                break Ok((rest, items));
            }
            if j.is_empty() && self.recovery.as_ref().is_some_and(|r| r.at_end.get()) {
                break Ok((j, items));
            }
            let e = match item(j) {
                Ok((rest, t)) => {
                    items.push(t);
                    i = rest;
                    continue;
                }
                Err(NomErr::Error(e)) => e.or_expected(j, "`}`"),
                Err(NomErr::Failure(e)) => e,
                Err(other) => break Err(other),
            };
            let Some(r) = &self.recovery else {
                break Err(NomErr::Failure(e));
            };
            let from = e.at;
            r.errors.borrow_mut().push(self.to_public_error(e));
            let outer: Vec<&[&str]> = {
                let blocks = r.blocks.borrow();
                let enclosing = blocks.len().saturating_sub(1);
                let mut outer: Vec<&[&str]> = blocks.iter().take(enclosing).copied().collect();
                outer.push(FILE_STARTS);
                outer
            };
            let indent = self.indent(j);
            match resync(
                from,
                starts,
                &outer,
                false,
                self.indent(from).is_some(),
                indent,
            ) {
                Resync::Here(at) => i = at,
                Resync::Closes(at) => break Ok((at, items)),
                Resync::End => {
                    r.at_end.set(true);
                    break Ok((&from[from.len()..], items));
                }
            }
        };
        if let Some(r) = &self.recovery {
            r.blocks.borrow_mut().pop();
        }
        end
    }

    // file ::= (agreement | calendar)* EOF
    fn file(&self, i: &'a str) -> Res<'a, File> {
        let mut items = Vec::new();
        let mut i = i;
        loop {
            let j = ws(i);
            if j.is_empty() {
                return Ok((j, File { items }));
            }
            let parsed = if peek_kw(j, "agreement") {
                self.agreement(j).map(|(r, a)| (r, Item::Agreement(a)))
            } else if peek_kw(j, "calendar") {
                self.calendar(j).map(|(r, c)| (r, Item::Calendar(c)))
            } else {
                Err(NomErr::Failure(PErr {
                    at: j,
                    expected: vec!["`agreement`", "`calendar`", "end of file"],
                    complete: None,
                }))
            };
            match parsed {
                Ok((rest, item)) => {
                    items.push(item);
                    i = rest;
                }
                Err(NomErr::Error(e) | NomErr::Failure(e)) if self.recovery.is_some() => {
                    let from = e.at;
                    if let Some(r) = &self.recovery {
                        r.errors.borrow_mut().push(self.to_public_error(e));
                    }
                    i = match resync(from, FILE_STARTS, &[], true, false, None) {
                        Resync::Here(at) | Resync::Closes(at) => at,
                        Resync::End => &from[from.len()..],
                    };
                }
                Err(e) => return Err(e),
            }
        }
    }

    // agreement ::= "agreement" string "{" agreement-item* "}"
    fn agreement(&self, i: &'a str) -> Res<'a, Agreement> {
        let i = ws(i);
        let start = self.off(i);
        let (i, _) = kw!("agreement")(i)?;
        let (i, title) = commit(self.string(i))?;
        let (i, items) = self.block(i, AGREEMENT_STARTS, |i| self.agreement_item(i))?;
        Ok((
            i,
            Agreement {
                title,
                items,
                span: Span::new(start, self.off(i)),
            },
        ))
    }

    // agreement-item ::= "id" name | "dated" date | "time-zone" string | "calendar" name
    //                  | "business-day" string | "cite" string
    //                  | "method" name string | party | notice
    fn agreement_item(&self, i: &'a str) -> Res<'a, AgreementItem> {
        const EXPECTED: [&str; 11] = [
            "`id`",
            "`dated`",
            "`time-zone`",
            "`calendar`",
            "`business-day`",
            "`cite`",
            "`method`",
            "`party`",
            "`notice`",
            "`period`",
            "`deadline-roll`",
        ];
        let i = ws(i);
        let Ok((rest, keyword)) = word(i) else {
            return Err(NomErr::Error(expected_any(i, &EXPECTED)));
        };
        match keyword {
            "id" => commit(self.name(rest)).map(|(r, n)| (r, AgreementItem::Id(n))),
            "dated" => commit(self.spanned(rest, date)).map(|(r, d)| (r, AgreementItem::Dated(d))),
            "time-zone" => commit(self.string(rest)).map(|(r, s)| (r, AgreementItem::TimeZone(s))),
            "calendar" => commit(self.name(rest)).map(|(r, n)| (r, AgreementItem::Calendar(n))),
            "business-day" => {
                commit(self.string(rest)).map(|(r, s)| (r, AgreementItem::BusinessDay(s)))
            }
            "cite" => commit(self.string(rest)).map(|(r, s)| (r, AgreementItem::Cite(s))),
            "method" => {
                let (r, name) = commit(self.name(rest))?;
                let (r, description) = commit(self.string(r))?;
                Ok((r, AgreementItem::Method(Method { name, description })))
            }
            "party" => self.party(rest).map(|(r, p)| (r, AgreementItem::Party(p))),
            "notice" => self
                .notice(rest)
                .map(|(r, n)| (r, AgreementItem::Notice(n))),
            "period" => self
                .period(i, rest)
                .map(|(r, p)| (r, AgreementItem::Period(p))),
            "deadline-roll" => {
                let (r, roll) = commit(self.spanned(rest, roll))?;
                let (r, words) = commit(self.string(r))?;
                Ok((r, AgreementItem::DeadlineRoll(roll, words)))
            }
            _ => Err(NomErr::Error(expected_any(i, &EXPECTED))),
        }
    }

    // period ::= "period" name string "{" period-item* "}"
    // period-item ::= "anchor" name string
    //               | "length" integer ("year" | "years" | "month" | "months" | "day" | "days"
    //                                   | "business-day" | "business-days") "before"?
    //               | "start" ("inclusive" | "exclusive") | "end" ("inclusive" | "exclusive")
    //               | "roll" ("none" | "following" | "preceding" | "modified-following")
    //               | "nonexistent" ("error" | "round-down" | "round-up")
    //               | "reading" string
    fn period(&self, keyword_at: &'a str, i: &'a str) -> Res<'a, Period> {
        let start = self.off(keyword_at);
        let (i, name) = commit(self.name(i))?;
        let (i, cite) = commit(self.string(i))?;
        let (i, items) = self.block(i, PERIOD_STARTS, |i| {
            const EXPECTED: [&str; 9] = [
                "`anchor`",
                "`length`",
                "`start`",
                "`end`",
                "`roll`",
                "`nonexistent`",
                "`reading`",
                "`closes-at`",
                "`unless-notice-by`",
            ];
            let i = ws(i);
            let Ok((rest, keyword)) = word(i) else {
                return Err(NomErr::Error(expected_any(i, &EXPECTED)));
            };
            let choice = |rest: &'a str,
                          options: &'static [(&'static str, u8)],
                          what: &'static [&'static str]| {
                self.spanned(rest, |i| match word(i) {
                    Ok((r, w)) => match options.iter().find(|(name, _)| *name == w) {
                        Some((_, v)) => Ok((r, *v)),
                        None => Err(NomErr::Error(expected_any(i, what))),
                    },
                    Err(_) => Err(NomErr::Error(expected_any(i, what))),
                })
            };
            const EDGES: &[(&str, u8)] = &[("inclusive", 1), ("exclusive", 0)];
            const EDGE_NAMES: &[&str] = &["`inclusive`", "`exclusive`"];
            match keyword {
                "anchor" => {
                    if let Ok((r, _)) = kw!("period")(rest) {
                        let (r, n) = commit(self.name(r))?;
                        let (r, words) = commit(self.string(r))?;
                        return Ok((r, PeriodItem::AnchorPeriod(n, words)));
                    }
                    let (r, n) = commit(self.name(rest))?;
                    let (r, words) = commit(self.string(r))?;
                    Ok((r, PeriodItem::Anchor(n, words)))
                }
                "unless-notice-by" => {
                    let (r, deadline) = commit(self.name(rest))?;
                    let (r, _) = commit(kw!("length")(r))?;
                    let (r, length) = commit(self.spanned(r, length))?;
                    let (r, words) = commit(self.string(r))?;
                    Ok((
                        r,
                        PeriodItem::UnlessNoticeBy {
                            deadline,
                            length,
                            words,
                        },
                    ))
                }
                "length" => {
                    commit(self.spanned(rest, length)).map(|(r, l)| (r, PeriodItem::Length(l)))
                }
                "start" | "end" => {
                    let (r, v) = commit(choice(rest, EDGES, EDGE_NAMES))?;
                    let edge = Spanned {
                        node: v.node == 1,
                        span: v.span,
                    };
                    Ok((
                        r,
                        if keyword == "start" {
                            PeriodItem::Start(edge)
                        } else {
                            PeriodItem::End(edge)
                        },
                    ))
                }
                "roll" => {
                    const ROLLS: &[(&str, u8)] = &[
                        ("none", 0),
                        ("following", 1),
                        ("preceding", 2),
                        ("modified-following", 3),
                    ];
                    let (r, v) = commit(choice(
                        rest,
                        ROLLS,
                        &[
                            "`none`",
                            "`following`",
                            "`preceding`",
                            "`modified-following`",
                        ],
                    ))?;
                    let roll = match v.node {
                        1 => Roll::Following,
                        2 => Roll::Preceding,
                        3 => Roll::ModifiedFollowing,
                        _ => Roll::None,
                    };
                    Ok((
                        r,
                        PeriodItem::Roll(Spanned {
                            node: roll,
                            span: v.span,
                        }),
                    ))
                }
                "nonexistent" => {
                    const POLICIES: &[(&str, u8)] =
                        &[("error", 0), ("round-down", 1), ("round-up", 2)];
                    let (r, v) = commit(choice(
                        rest,
                        POLICIES,
                        &["`error`", "`round-down`", "`round-up`"],
                    ))?;
                    let policy = match v.node {
                        1 => Nonexistent::RoundDown,
                        2 => Nonexistent::RoundUp,
                        _ => Nonexistent::Error,
                    };
                    Ok((
                        r,
                        PeriodItem::Nonexistent(Spanned {
                            node: policy,
                            span: v.span,
                        }),
                    ))
                }
                "reading" => commit(self.string(rest)).map(|(r, s)| (r, PeriodItem::Reading(s))),
                "closes-at" => {
                    let (r, time) = commit(self.spanned(rest, time))?;
                    let (r, zone) = match kw!("in")(r) {
                        Ok((r, _)) => {
                            let (r, z) = commit(self.string(r))?;
                            (r, Some(z))
                        }
                        Err(_) => (r, None),
                    };
                    Ok((r, PeriodItem::ClosesAt { time, zone }))
                }
                _ => Err(NomErr::Error(expected_any(i, &EXPECTED))),
            }
        })?;
        Ok((
            i,
            Period {
                name,
                cite,
                items,
                span: Span::new(start, self.off(i)),
            },
        ))
    }

    // party ::= "party" name string "{" party-item* "}"
    // party-item ::= "fax" string ("from" when)? ("until" when)? | "time-zone" string | "address" string | "cite" string
    fn party(&self, i: &'a str) -> Res<'a, Party> {
        let (i, name) = commit(self.name(i))?;
        let (i, title) = commit(self.string(i))?;
        let (i, items) = self.block(i, PARTY_STARTS, |i| {
            const EXPECTED: [&str; 4] = ["`fax`", "`time-zone`", "`address`", "`cite`"];
            let i = ws(i);
            let Ok((rest, keyword)) = word(i) else {
                return Err(NomErr::Error(expected_any(i, &EXPECTED)));
            };
            if keyword == "fax" {
                let (mut r, number) = commit(self.string(rest))?;
                let mut in_force = InForce::default();
                if let Ok((after, _)) = kw!("from")(r) {
                    let (after, when) = commit(self.spanned(after, when))?;
                    in_force.from = Some(when);
                    r = after;
                }
                if let Ok((after, _)) = kw!("until")(r) {
                    let (after, when) = commit(self.spanned(after, when))?;
                    in_force.until = Some(when);
                    r = after;
                }
                return Ok((r, PartyItem::Fax(number, in_force)));
            }
            let wrap: fn(Spanned<String>) -> PartyItem = match keyword {
                "time-zone" => PartyItem::TimeZone,
                "address" => PartyItem::Address,
                "cite" => PartyItem::Cite,
                _ => return Err(NomErr::Error(expected_any(i, &EXPECTED))),
            };
            commit(self.string(rest)).map(|(r, s)| (r, wrap(s)))
        })?;
        Ok((i, Party { name, title, items }))
    }

    // notice ::= "notice" string combinator "{" notice-item* "}"
    // notice-item ::= rule | "deliveries" combinator string
    fn notice(&self, i: &'a str) -> Res<'a, Notice> {
        let (i, title) = commit(self.string(i))?;
        let (i, combinator) = commit(self.combinator(i))?;
        let (i, items) = self.block(i, NOTICE_STARTS, |i| self.notice_item(i))?;
        let (mut rules, mut deliveries) = (Vec::new(), Vec::new());
        for item in items {
            match item {
                NoticeItem::Rule(r) => rules.push(r),
                NoticeItem::Deliveries(d) => deliveries.push(d),
            }
        }
        Ok((
            i,
            Notice {
                title,
                combinator,
                rules,
                deliveries,
            },
        ))
    }

    // combinator ::= "earliest-of" | "latest-of" | "first-of"
    fn combinator(&self, i: &'a str) -> Res<'a, Spanned<Combinator>> {
        self.spanned(i, |i| {
            let (r, w) = word(i).map_err(|_| NomErr::Error(combinator_expected(i)))?;
            match w {
                "earliest-of" => Ok((r, Combinator::EarliestOf)),
                "latest-of" => Ok((r, Combinator::LatestOf)),
                "first-of" => Ok((r, Combinator::FirstOf)),
                _ => Err(NomErr::Error(combinator_expected(i))),
            }
        })
    }

    // notice-item ::= rule | "deliveries" combinator string
    fn notice_item(&self, i: &'a str) -> Res<'a, NoticeItem> {
        let j = ws(i);
        let start = self.off(j);
        match word(j) {
            Ok((rest, "deliveries")) => {
                let (rest, combinator) = commit(self.combinator(rest))?;
                let (rest, cite) = commit(self.string(rest))?;
                let span = Span {
                    start,
                    end: self.off(rest),
                };
                Ok((
                    rest,
                    NoticeItem::Deliveries(DeliveriesLine {
                        combinator,
                        cite,
                        span,
                    }),
                ))
            }
            _ => self.rule(i).map(|(r, rule)| (r, NoticeItem::Rule(rule))),
        }
    }

    // rule ::= ("clause" | "gap") name string ("when" condition ("," condition)*)? "=>" outcome
    fn rule(&self, i: &'a str) -> Res<'a, Rule> {
        let i = ws(i);
        let start = self.off(i);
        let (i, kind) = match word(i) {
            Ok((r, "clause")) => (r, RuleKind::Clause),
            Ok((r, "gap")) => (r, RuleKind::Gap),
            _ => return Err(NomErr::Error(expected_any(i, &["`clause`", "`gap`"]))),
        };
        let (i, label) = commit(self.name(i))?;
        let (i, cite) = commit(self.string(i))?;
        let mut conditions = Vec::new();
        let mut i = i;
        if let Ok((rest, _)) = kw!("when")(i) {
            let (mut rest, first) = commit(self.condition(rest))?;
            conditions.push(first);
            while let Ok((r, _)) = sym!(",")(rest) {
                let (r, c) = commit(self.condition(r))?;
                conditions.push(c);
                rest = r;
            }
            i = rest;
        }
        let (i, _) = commit(sym!("=>")(i).map_err(|e| {
            e.map(|e| {
                if conditions.is_empty() {
                    e.or_expected(ws(i), "`when`")
                } else {
                    e.or_expected(ws(i), "`,`")
                }
            })
        }))?;
        let (i, both) = commit(self.spanned(i, |i| self.outcome(i)))?;
        let outcome = Spanned {
            node: both.node.0,
            span: both.span,
        };
        let outcome_calendar = both.node.1;
        let (i, reason) = match outcome.node {
            Outcome::NoEffect => {
                let (i, reason) = commit(self.string(i))?;
                (i, Some(reason))
            }
            _ => (i, None),
        };
        Ok((
            i,
            Rule {
                kind,
                label,
                cite,
                conditions,
                outcome,
                reason,
                outcome_calendar,
                span: Span::new(start, self.off(i)),
            },
        ))
    }

    // condition ::= "method" name ("or" name)*
    //             | "method" "other-than" "(" name ("," name)* ")"
    //             | "to" "designated-fax"
    //             | subject bound ("and" bound)* day? zone?
    //             | subject day zone?
    // subject   ::= "sent" | "received"
    fn condition(&self, i: &'a str) -> Res<'a, Spanned<Condition>> {
        self.spanned(i, |i| {
            const EXPECTED: [&str; 5] = ["`method`", "`to`", "`sent`", "`received`", "`companion`"];
            let Ok((rest, keyword)) = word(i) else {
                return Err(NomErr::Error(expected_any(i, &EXPECTED)));
            };
            match keyword {
                "method" => self.method_condition(rest),
                "to" => {
                    commit(kw!("designated-fax")(rest)).map(|(r, _)| (r, Condition::DesignatedFax))
                }
                "sent" => self.instant_condition(rest, Subject::Sent),
                "received" => self.instant_condition(rest, Subject::Received),
                "companion" => self.companion_condition(rest),
                _ => Err(NomErr::Error(expected_any(i, &EXPECTED))),
            }
        })
    }

    fn method_condition(&self, i: &'a str) -> Res<'a, Condition> {
        if let Ok((rest, _)) = kw!("other-than")(i) {
            let (mut i, _) = commit(sym!("(")(rest))?;
            let mut labels = Vec::new();
            loop {
                let (r, label) = commit(self.name(i))?;
                labels.push(label);
                if let Ok((r, _)) = sym!(",")(r) {
                    i = r;
                    continue;
                }
                let (r, _) =
                    commit(sym!(")")(r).map_err(|e| e.map(|e| e.or_expected(ws(r), "`,`"))))?;
                return Ok((r, Condition::MethodOtherThan(labels)));
            }
        }
        let (mut i, first) = commit(
            self.name(i)
                .map_err(|e| e.map(|e| e.or_expected(ws(i), "`other-than`"))),
        )?;
        let mut names = vec![first];
        while let Ok((r, _)) = kw!("or")(i) {
            let (r, name) = commit(self.name(r))?;
            names.push(name);
            i = r;
        }
        Ok((i, Condition::Method(names)))
    }

    // companion ::= "companion" name ("or" name)* "within" integer
    //               ("business-day" | "business-days" | "day" | "days")
    fn companion_condition(&self, i: &'a str) -> Res<'a, Condition> {
        let (mut i, first) = commit(self.name(i))?;
        let mut methods = vec![first];
        while let Ok((r, name)) = kw!("or")(i).and_then(|(r, _)| commit(self.name(r))) {
            methods.push(name);
            i = r;
        }
        let (i, _) = commit(kw!("within")(i).map_err(|e| e.map(|e| e.or_expected(ws(i), "`or`"))))?;
        let (i, count) = commit(self.spanned(i, integer))?;
        let (i, business) = match word(i) {
            Ok((r, "business-day" | "business-days")) => (r, true),
            Ok((r, "day" | "days")) => (r, false),
            _ => {
                return Err(NomErr::Failure(expected_any(
                    ws(i),
                    &["`business-days`", "`days`"],
                )));
            }
        };
        Ok((
            i,
            Condition::Companion {
                methods,
                count,
                business,
            },
        ))
    }

    // bound ::= ("before" | "on-or-before" | "after" | "on-or-after" | "at") time
    // day   ::= "on" ("business-day" | "non-business-day" | "any-day") ("of" name)?
    // zone  ::= "in" (string | "recipient-time" | "sender-time")
    fn instant_condition(&self, i: &'a str, subject: Subject) -> Res<'a, Condition> {
        const CMPS: [(&str, Cmp); 5] = [
            ("before", Cmp::Before),
            ("on-or-before", Cmp::OnOrBefore),
            ("after", Cmp::After),
            ("on-or-after", Cmp::OnOrAfter),
            ("at", Cmp::At),
        ];
        let cmp_at = |i: &'a str| -> Option<(&'a str, Cmp)> {
            let (r, w) = word(i).ok()?;
            CMPS.iter()
                .find(|(name, _)| *name == w)
                .map(|(_, c)| (r, *c))
        };
        let mut bounds = Vec::new();
        let mut i = i;
        if let Some((r, cmp)) = cmp_at(i) {
            let (r, t) = commit(self.spanned(r, time))?;
            bounds.push(Bound { cmp, time: t });
            i = r;
            while let Ok((r, _)) = kw!("and")(i) {
                let Some((r, cmp)) = cmp_at(r) else {
                    return Err(NomErr::Failure(expected_any(
                        ws(r),
                        &[
                            "`before`",
                            "`on-or-before`",
                            "`after`",
                            "`on-or-after`",
                            "`at`",
                        ],
                    )));
                };
                let (r, t) = commit(self.spanned(r, time))?;
                bounds.push(Bound { cmp, time: t });
                i = r;
            }
        }
        let mut day = None;
        if let Ok((r, _)) = kw!("on")(i) {
            let (r, kind) = commit(self.spanned(r, |i| {
                const KINDS: [&str; 3] = ["`business-day`", "`non-business-day`", "`any-day`"];
                match word(i) {
                    Ok((r, "business-day")) => Ok((r, DayKind::BusinessDay)),
                    Ok((r, "non-business-day")) => Ok((r, DayKind::NonBusinessDay)),
                    Ok((r, "any-day")) => Ok((r, DayKind::AnyDay)),
                    _ => Err(NomErr::Error(expected_any(i, &KINDS))),
                }
            }))?;
            let (r, calendar) = match kw!("of")(r) {
                Ok((r, _)) => {
                    let (r, n) = commit(self.name(r))?;
                    (r, Some(n))
                }
                Err(_) => (r, None),
            };
            day = Some(DayCondition { kind, calendar });
            i = r;
        }
        if bounds.is_empty() && day.is_none() {
            return Err(NomErr::Failure(expected_any(
                ws(i),
                &[
                    "`before`",
                    "`on-or-before`",
                    "`after`",
                    "`on-or-after`",
                    "`at`",
                    "`on`",
                ],
            )));
        }
        let mut zone = None;
        if let Ok((r, _)) = kw!("in")(i) {
            let (r, z) = commit(self.spanned(r, |i| {
                if let Ok((r, _)) = kw!("recipient-time")(i) {
                    return Ok((r, ZoneRef::Recipient));
                }
                if let Ok((r, _)) = kw!("sender-time")(i) {
                    return Ok((r, ZoneRef::Sender));
                }
                string(i).map(|(r, s)| (r, ZoneRef::Named(s))).map_err(|e| {
                    e.map(|e| {
                        e.or_expected(ws(i), "`recipient-time`")
                            .or_expected(ws(i), "`sender-time`")
                    })
                })
            }))?;
            zone = Some(z);
            i = r;
        }
        Ok((
            i,
            Condition::Instant(InstantCondition {
                subject,
                bounds,
                day,
                zone,
            }),
        ))
    }

    // outcome ::= "upon" "receipt"
    //           | "same-day" ("of" subject)?
    //           | "next" "business-day" ("after" subject)?
    //           | integer ("business-day" | "business-days" | "day" | "days") "after" subject
    //           | "no-effect" string                  # the string read by the rule parser
    fn outcome(&self, i: &'a str) -> Res<'a, (Outcome, Option<Name>)> {
        const EXPECTED: [&str; 5] = [
            "`upon`",
            "`same-day`",
            "`next`",
            "a number of days",
            "`no-effect`",
        ];
        let subject = |i: &'a str| -> Res<'a, Subject> {
            match word(i) {
                Ok((r, "sent")) => Ok((r, Subject::Sent)),
                Ok((r, "received")) => Ok((r, Subject::Received)),
                _ => Err(NomErr::Error(expected_any(
                    ws(i),
                    &["`sent`", "`received`"],
                ))),
            }
        };
        // `of NAME` after a count of Business Days: the calendar they are counted on.
        let calendar_of = |i: &'a str| -> Res<'a, Option<Name>> {
            match kw!("of")(i) {
                Ok((r, _)) => commit(self.name(r)).map(|(r, n)| (r, Some(n))),
                Err(_) => Ok((i, None)),
            }
        };
        let i = ws(i);
        if let Ok((r, n)) = integer(i) {
            let (r, unit) = commit(self.spanned(r, |i| match word(i) {
                Ok((r, "business-day" | "business-days")) => Ok((r, true)),
                Ok((r, "day" | "days")) => Ok((r, false)),
                _ => Err(NomErr::Error(expected_any(
                    i,
                    &["`business-days`", "`days`"],
                ))),
            }))?;
            let (r, calendar) = match unit.node {
                true => calendar_of(r)?,
                false => (r, None),
            };
            let (r, _) = commit(kw!("after")(r).map_err(|e| {
                e.map(|e| match unit.node && calendar.is_none() {
                    true => e.or_expected(ws(r), "`of`"),
                    false => e,
                })
            }))?;
            let (r, s) = commit(subject(r))?;
            let outcome = if unit.node {
                Outcome::BusinessDaysAfter(n, s)
            } else {
                Outcome::DaysAfter(n, s)
            };
            return Ok((r, (outcome, calendar)));
        }
        let plain = |(r, o): (&'a str, Outcome)| (r, (o, None));
        match word(i) {
            Ok((r, "upon")) => {
                commit(kw!("receipt")(r)).map(|(r, _)| plain((r, Outcome::UponReceipt)))
            }
            Ok((r, "no-effect")) => Ok(plain((r, Outcome::NoEffect))),
            Ok((r, "same-day")) => match kw!("of")(r) {
                Ok((r, _)) => commit(subject(r)).map(|(r, s)| plain((r, Outcome::SameDay(s)))),
                Err(_) => Ok(plain((r, Outcome::SameDay(Subject::Sent)))),
            },
            Ok((r, "next")) => {
                let (r, _) = commit(kw!("business-day")(r))?;
                let (r, calendar) = calendar_of(r)?;
                match kw!("after")(r) {
                    Ok((r, _)) => commit(subject(r))
                        .map(|(r, s)| (r, (Outcome::BusinessDaysAfter(1, s), calendar))),
                    Err(_) => Ok((r, (Outcome::BusinessDaysAfter(1, Subject::Sent), calendar))),
                }
            }
            _ => Err(NomErr::Error(expected_any(i, &EXPECTED))),
        }
    }

    // calendar ::= "calendar" name string "{" calendar-item* "}"
    fn calendar(&self, i: &'a str) -> Res<'a, Calendar> {
        let i = ws(i);
        let start = self.off(i);
        let (i, _) = kw!("calendar")(i)?;
        let (i, name) = commit(self.name(i))?;
        let (i, title) = commit(self.string(i))?;
        let (i, items) = self.block(i, CALENDAR_STARTS, |i| self.calendar_item(i))?;
        Ok((
            i,
            Calendar {
                name,
                title,
                items,
                span: Span::new(start, self.off(i)),
            },
        ))
    }

    // calendar-item ::= "source" string
    //                 | "years" year "through" year
    //                 | "weekend" weekday ("," weekday)*
    //                 | "include" name
    //                 | "holiday" string "on" date-rule ("from" year)? ("through" year)?
    //                   observance?
    //                 | "shift" shift
    //                 | "closed" date ("through" date)? string
    //                 | "open" date string
    fn calendar_item(&self, i: &'a str) -> Res<'a, CalendarItem> {
        const EXPECTED: [&str; 8] = [
            "`source`",
            "`years`",
            "`weekend`",
            "`include`",
            "`holiday`",
            "`shift`",
            "`closed`",
            "`open`",
        ];
        let i = ws(i);
        let Ok((rest, keyword)) = word(i) else {
            return Err(NomErr::Error(expected_any(i, &EXPECTED)));
        };
        match keyword {
            "source" => commit(self.string(rest)).map(|(r, s)| (r, CalendarItem::Source(s))),
            "years" => commit(self.spanned(rest, |i| {
                let (i, first) = year(i)?;
                let (i, _) = kw!("through")(i)?;
                let (i, last) = year(i)?;
                Ok((i, (first, last)))
            }))
            .map(|(r, y)| (r, CalendarItem::Years(y))),
            "weekend" => {
                let (mut r, first) = commit(self.spanned(rest, weekday))?;
                let mut days = vec![first];
                while let Ok((r2, _)) = sym!(",")(r) {
                    let (r2, d) = commit(self.spanned(r2, weekday))?;
                    days.push(d);
                    r = r2;
                }
                Ok((r, CalendarItem::Weekend(days)))
            }
            "include" => commit(self.name(rest)).map(|(r, n)| (r, CalendarItem::Include(n))),
            "holiday" => commit(self.holiday(rest)).map(|(r, h)| (r, CalendarItem::Holiday(h))),
            "shift" => commit(self.spanned(rest, shift)).map(|(r, s)| (r, CalendarItem::Shift(s))),
            "closed" => commit(self.closure(rest, true)).map(|(r, c)| (r, CalendarItem::Closed(c))),
            "open" => commit(self.closure(rest, false)).map(|(r, c)| (r, CalendarItem::Open(c))),
            _ => Err(NomErr::Error(expected_any(i, &EXPECTED))),
        }
    }

    fn holiday(&self, i: &'a str) -> Res<'a, Holiday> {
        let (i, name) = self.string(i)?;
        let (i, _) = kw!("on")(i)?;
        let (i, rule) = self.spanned(i, |i| self.date_rule(i))?;
        let (i, from) = match kw!("from")(i) {
            Ok((r, _)) => {
                let (r, y) = commit(self.spanned(r, year))?;
                (r, Some(y))
            }
            Err(_) => (i, None),
        };
        let (i, through) = match kw!("through")(i) {
            Ok((r, _)) => {
                let (r, y) = commit(self.spanned(r, year))?;
                (r, Some(y))
            }
            Err(_) => (i, None),
        };
        let mut unshifted = Unshifted::No;
        let mut observed = Vec::new();
        let mut substitute = None;
        let i = if let Ok((r, _)) = kw!("unshifted")(i) {
            let (r, days) = self.weekdays_after_on(r)?;
            unshifted = match days {
                Some(days) => Unshifted::On(days),
                None => Unshifted::Always,
            };
            r
        } else if kw!("substitute")(i).is_ok() {
            let (r, days) = self.spanned(i, |i| {
                let (r, _) = kw!("substitute")(i)?;
                let (r, days) = self.weekdays_after_on(r)?;
                Ok((r, days.unwrap_or_default()))
            })?;
            substitute = Some(days);
            r
        } else if let Ok((mut r, _)) = kw!("observed")(i) {
            loop {
                let (r2, s) = commit(self.spanned(r, shift))?;
                observed.push(s);
                r = r2;
                match sym!(",")(r) {
                    Ok((r2, _)) => r = r2,
                    Err(_) => break,
                }
            }
            r
        } else {
            i
        };
        Ok((
            i,
            Holiday {
                name,
                rule,
                from,
                through,
                unshifted,
                observed,
                substitute,
            },
        ))
    }

    /// `("on" weekday ("," weekday)*)?`
    fn weekdays_after_on(&self, i: &'a str) -> Res<'a, Option<Vec<Spanned<Weekday>>>> {
        let Ok((r, _)) = kw!("on")(i) else {
            return Ok((i, None));
        };
        let (mut r, first) = commit(self.spanned(r, weekday))?;
        let mut days = vec![first];
        while let Ok((r2, _)) = sym!(",")(r) {
            let (r2, d) = commit(self.spanned(r2, weekday))?;
            days.push(d);
            r = r2;
        }
        Ok((r, Some(days)))
    }

    // date-rule ::= month day-of-month
    //             | ordinal weekday "of" month
    //             | ordinal? weekday relation month day-of-month
    //             | "easter" signed-integer
    fn date_rule(&self, i: &'a str) -> Res<'a, DateRule> {
        const ORDINALS: [(&str, Option<u8>); 6] = [
            ("first", Some(1)),
            ("second", Some(2)),
            ("third", Some(3)),
            ("fourth", Some(4)),
            ("fifth", Some(5)),
            ("last", None),
        ];
        let i = ws(i);
        let (r, w) = word(i).map_err(|_| NomErr::Error(PErr::expected(i, "a date rule")))?;
        if w == "easter" {
            let (r, offset) = signed_integer(r)?;
            return Ok((r, DateRule::Easter(offset)));
        }
        if WEEKDAY_NAMES.iter().any(|(name, _)| *name == w) {
            let (r, weekday) = weekday(i)?;
            return self.relative(r, 1, weekday);
        }
        if let Some((_, nth)) = ORDINALS.iter().find(|(name, _)| *name == w) {
            let (r, weekday) = weekday(r)?;
            if let Ok((r, _)) = kw!("of")(r) {
                let (r, month) = month(r)?;
                return Ok((
                    r,
                    DateRule::Nth {
                        nth: *nth,
                        weekday,
                        month,
                    },
                ));
            }
            let Some(nth) = nth else {
                // `last monday before ...` is the first one before it.
                return Err(NomErr::Error(PErr::expected(ws(r), "`of`")));
            };
            return self.relative(r, *nth, weekday);
        }
        let (r, month) = month(i).map_err(|_| {
            NomErr::Error(expected_any(
                i,
                &[
                    "a month", "`first`", "`second`", "`third`", "`fourth`", "`fifth`", "`last`",
                    "`easter`",
                ],
            ))
        })?;
        let (r, day) = day_of_month(r, month)?;
        Ok((r, DateRule::Fixed { month, day }))
    }

    // relation ::= "before" | "on-or-before" | "after" | "on-or-after"
    fn relative(&self, i: &'a str, nth: u8, weekday: Weekday) -> Res<'a, DateRule> {
        const RELATIONS: [(&str, Relation); 4] = [
            ("before", Relation::Before),
            ("on-or-before", Relation::OnOrBefore),
            ("after", Relation::After),
            ("on-or-after", Relation::OnOrAfter),
        ];
        let at = ws(i);
        let found = word(at).ok().and_then(|(r, w)| {
            RELATIONS
                .iter()
                .find(|(n, _)| *n == w)
                .map(|(_, rel)| (r, *rel))
        });
        let Some((r, relation)) = found else {
            if kw!("of")(at).is_ok() {
                return Err(NomErr::Failure(PErr::invalid(
                    at,
                    2,
                    "date rule",
                    "a weekday of a month needs its place first, as in `first monday of may`",
                )));
            }
            return Err(NomErr::Failure(expected_any(
                at,
                &["`before`", "`on-or-before`", "`after`", "`on-or-after`"],
            )));
        };
        let (r, month) = commit(month(r))?;
        let (r, day) = day_of_month(r, month)?;
        Ok((
            r,
            DateRule::Relative {
                nth,
                weekday,
                relation,
                month,
                day,
            },
        ))
    }

    fn closure(&self, i: &'a str, range: bool) -> Res<'a, Closure> {
        let (i, from) = self.spanned(i, date)?;
        let (i, through) = match (range, kw!("through")(i)) {
            (true, Ok((r, _))) => {
                let (r, d) = commit(self.spanned(r, date))?;
                (r, Some(d))
            }
            _ => (i, None),
        };
        let (i, reason) = self.string(i).map_err(|e| {
            e.map(|e| {
                if range && through.is_none() {
                    e.or_expected(ws(i), "`through`")
                } else {
                    e
                }
            })
        })?;
        Ok((
            i,
            Closure {
                from,
                through,
                reason,
            },
        ))
    }
}

fn combinator_expected(i: &str) -> PErr<'_> {
    expected_any(i, &["`earliest-of`", "`latest-of`", "`first-of`"])
}

fn expected_any<'a>(at: &'a str, what: &[&'static str]) -> PErr<'a> {
    PErr {
        at,
        expected: what.to_vec(),
        complete: None,
    }
}

/// The length of the token at `at` and how to name it in a message.
fn describe_token(at: &str) -> (usize, String) {
    if at.is_empty() {
        return (0, "end of file".into());
    }
    if let Ok((rest, w)) = word(at) {
        return (at.len() - rest.len(), format!("`{w}`"));
    }
    if at.starts_with('"') {
        return (1, "a string".into());
    }
    let token: String = at
        .chars()
        .take_while(|c| !c.is_whitespace())
        .take(20)
        .collect();
    (token.len().max(1), format!("`{token}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A string's text read a character at a time, as the grammar says: `None` for a
    /// string not closed or with another escape.
    fn string_by_chars(body: &str) -> Option<(String, usize)> {
        let (mut out, mut pending_space) = (String::new(), false);
        let mut chars = body.char_indices();
        while let Some((n, c)) = chars.next() {
            let c = match c {
                '"' => return Some((out, n + 1)),
                '\\' => match chars.next()?.1 {
                    e @ ('"' | '\\') => e,
                    _ => return None,
                },
                c if c.is_whitespace() => {
                    pending_space = true;
                    continue;
                }
                c => c,
            };
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
        None
    }

    /// Parts of a string's body: plain text, or any.
    fn string_parts() -> impl Strategy<Value = Vec<&'static str>> {
        let plain = ["a", "Z", " ", "  ", "x y", "~!", "word"];
        let any = [
            "\"", "\\", "\\\"", "\\\\", "\\n", "\t", "\n", "\r", "\u{b}", "\u{c}", "\u{85}",
            "\u{a0}", "\u{2028}", "é", "§", "—",
        ];
        let all: Vec<&str> = plain.iter().chain(&any).copied().collect();
        prop_oneof![
            prop::collection::vec(prop::sample::select(plain.to_vec()), 0..12),
            prop::collection::vec(prop::sample::select(all), 0..24),
        ]
    }

    proptest! {
        /// Strings read a run at a time read as a character at a time.
        #[test]
        fn strings_read_as_the_grammar_says(body in string_parts()) {
            // Closed, so that most are read (and a quote the parts hold may close it first).
            let body: String = body.concat() + "\" rest";
            let text = format!("\"{body}");
            let expected = string_by_chars(&body);
            match string(&text) {
                Ok((rest, out)) => {
                    let (want, used) = expected.expect("read, but not by characters");
                    prop_assert_eq!(out, want);
                    prop_assert_eq!(rest, &body[used..]);
                }
                Err(_) => prop_assert!(expected.is_none(), "refused: {:?}", text),
            }
        }
    }

    fn err(src: &str) -> String {
        let e = parse(src).unwrap_err();
        format!("at `{}`: {}", &src[e.span.start..e.span.end], e.kind)
    }

    /// Every error [`parse_all`] reports, as the text it points at.
    fn all_errors(src: &str) -> Vec<String> {
        let errors = parse_all(src).unwrap_err();
        assert_eq!(
            errors[0],
            parse(src).unwrap_err(),
            "the first error is parse's"
        );
        errors
            .iter()
            .map(|e| src[e.span.start..e.span.end].to_string())
            .collect()
    }

    #[test]
    fn every_item_of_every_block_gets_its_error() {
        let src = "agreement \"x\" {\n  dated 2000-02-31\n  zone \"UTC\"\n  party p \"P\" {\n    fax 123\n    address \"here\"\n    addres \"there\"\n  }\n  period w \"W\" {\n    length five years\n    roll sideways\n  }\n  notice \"n\" earliest-of {\n    clause i \"a\"\n      when method fax, sent befor 20:00\n      => same-day\n    clause ii \"b\" when method fax => same-dy\n    clause iii \"c\" => next business-day\n  }\n}\ncalendar c \"C\" {\n  weekend saturday, sundy\n  years 2000 thru 2001\n}\n";
        assert_eq!(
            all_errors(src),
            [
                "2000-02-31",
                "zone",
                "123",
                "addres",
                "five",
                "sideways",
                "befor",
                "same-dy",
                "sundy",
                "thru"
            ]
        );
    }

    #[test]
    fn a_missing_brace_ends_the_block_at_the_enclosing_blocks_next_item() {
        let src = "agreement \"x\" {\n  party p \"P\" {\n    fax \"1\"\n  notice \"n\" earliest-of {\n    clause i \"a\" => same-dy\n  }\n}\n";
        assert_eq!(all_errors(src), ["notice", "same-dy"]);
        // At the end of the text, one error: the first `}` that is missing.
        let src = "agreement \"x\" {\n  party p \"P\" {\n    fax \"1\"\n";
        assert_eq!(all_errors(src), [""]);
    }

    #[test]
    fn the_top_level_goes_on_at_the_next_agreement_or_calendar() {
        let src = "agremeent \"x\" {\n  dated 2000-01-01\n}\ncalendar c \"C\" { weekend sundy }\n}\ncalendar d \"D\" { years 2000 thru 2001 }\n";
        // The stray `}` is a mistake of its own.
        assert_eq!(all_errors(src), ["agremeent", "sundy", "}", "thru"]);
    }

    #[test]
    fn braces_and_keywords_in_strings_and_comments_do_not_resync() {
        let src = "agreement \"x\" {\n  method fax 12 \"{\n party\" # } notice\n   cite \"ok\"\n  dated\n}\n";
        assert_eq!(all_errors(src), ["12", "}"]);
    }

    #[test]
    fn parses_a_clause_with_bounds_day_and_zone() {
        let file = parse(
            r#"agreement "x" { notice "4.2" earliest-of {
                clause ii "words" when method fax, to designated-fax,
                    sent after 20:00 and before 23:59:00 on any-day in "America/New_York"
                    => next business-day } }"#,
        )
        .unwrap();
        let Item::Agreement(a) = &file.items[0] else {
            panic!()
        };
        let AgreementItem::Notice(n) = &a.items[0] else {
            panic!()
        };
        let rule = &n.rules[0];
        assert_eq!(rule.label.node, "ii");
        assert_eq!(rule.conditions.len(), 3);
        assert_eq!(
            rule.outcome.node,
            Outcome::BusinessDaysAfter(1, Subject::Sent)
        );
        let Condition::Instant(c) = &rule.conditions[2].node else {
            panic!()
        };
        assert_eq!(c.bounds[0].cmp, Cmp::After);
        assert_eq!(
            c.bounds[1].time.node,
            NaiveTime::from_hms_opt(23, 59, 0).unwrap()
        );
        assert_eq!(
            c.zone.as_ref().unwrap().node,
            ZoneRef::Named("America/New_York".into())
        );
    }

    #[test]
    fn spans_point_at_the_token() {
        let src = "calendar x \"t\" { years 1971 through 2100 }";
        let file = parse(src).unwrap();
        let Item::Calendar(c) = &file.items[0] else {
            panic!()
        };
        let CalendarItem::Years(y) = &c.items[0] else {
            panic!()
        };
        assert_eq!(&src[y.span.start..y.span.end], "1971 through 2100");
        assert_eq!(&src[c.name.span.start..c.name.span.end], "x");
    }

    #[test]
    fn strings_fold_white_space_and_comments_are_skipped() {
        let src = "# a comment\ncalendar x \"two\n   lines\" { # another\n }";
        let Item::Calendar(c) = &parse(src).unwrap().items[0] else {
            panic!()
        };
        assert_eq!(c.title.node, "two lines");
    }

    #[test]
    fn layout_does_not_change_the_tree() {
        let a = parse("calendar x \"t\" { weekend saturday, sunday }").unwrap();
        let b = parse("calendar   x\n\"t\"\n{\n  weekend saturday ,\n sunday\n}\n").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn error_messages() {
        insta::assert_snapshot!(err("agrement \"x\" {}"), @"at `agrement`: expected `agreement`, `calendar` or end of file, found `agrement`");
        insta::assert_snapshot!(err("agreement \"x\" { dated 2000-02-30 }"), @"at `2000-02-30`: invalid date `2000-02-30`: expected a real date written YYYY-MM-DD");
        insta::assert_snapshot!(err("agreement \"x\" { notice \"n\" earliest { } }"), @"at `earliest`: expected `earliest-of`, `latest-of` or `first-of`, found `earliest`");
        insta::assert_snapshot!(err("agreement \"x\" { notice \"n\" earliest-of { clause i \"c\" when sent before 25:00 => same-day } }"), @"at `25:00`: invalid time `25:00`: expected HH:MM or HH:MM:SS on a 24-hour clock, from 00:00:00 to 23:59:59");
        insta::assert_snapshot!(err("agreement \"x\" { notice \"n\" earliest-of { clause i \"c\" when sent before 20:00 same-day } }"), @"at `same-day`: expected `=>` or `,`, found `same-day`");
        insta::assert_snapshot!(err("agreement \"x\" { colour blue }"), @"at `colour`: expected `id`, `dated`, `time-zone`, `calendar`, `business-day`, `cite`, `method`, `party`, `notice`, `period`, `deadline-roll` or `}`, found `colour`");
        insta::assert_snapshot!(err("agreement \"x"), @r#"at `"`: unterminated string"#);
        insta::assert_snapshot!(err("calendar x \"t\" { holiday \"h\" on february 30 }"), @"at `30`: invalid day of the month `30`: that month has no such day");
        insta::assert_snapshot!(err("agreement \"x\" { party p \"P\" { fax \"1\" "), @"at ``: expected `fax`, `time-zone`, `address`, `cite` or `}`, found end of file");
    }
}
