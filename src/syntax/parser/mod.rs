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
use tokens::*;

// The token macros (`kw!`, `sym!`) first, for the modules after it.
#[macro_use]
mod tokens;
mod agreement;
mod calendar;

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
