//! Errors and warnings in rules files (the checker's own, [`CheckError`], among them) and
//! their one renderer: `file:line:column`, the line, and a caret.
//!
//! Errors are stored as byte offsets; lines and columns are worked out only here.

use std::fmt;

use chrono::NaiveDate;

use crate::answer::UnknownName;
use crate::syntax::ast::Span;
use crate::syntax::{SyntaxError, SyntaxErrorKind};

/// A source text and the name to show for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// A path, or the name of an embedded file.
    pub name: String,
    /// The text.
    pub text: String,
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The rules cannot be used.
    Error,
    /// The rules work, but something deserves a look.
    Warning,
}

/// One problem in a rules file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The index of its source.
    pub source: usize,
    /// The words at fault.
    pub span: Span,
    /// What is wrong.
    pub kind: DiagnosticKind,
}

/// What is wrong: a syntax error or a check error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiagnosticKind {
    /// The text does not follow the grammar.
    Syntax(SyntaxErrorKind),
    /// The text parses but does not make sense.
    Check(CheckErrorKind),
}

impl Diagnostic {
    pub(crate) fn syntax(source: usize, e: SyntaxError) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            source,
            span: e.span,
            kind: DiagnosticKind::Syntax(e.kind),
        }
    }

    pub(crate) fn check(e: CheckError) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            source: e.source,
            span: e.span,
            kind: DiagnosticKind::Check(e.kind),
        }
    }

    /// The one-line message.
    pub fn message(&self) -> String {
        match &self.kind {
            DiagnosticKind::Syntax(k) => k.to_string(),
            DiagnosticKind::Check(k) => k.to_string(),
        }
    }

    /// The hint, when there is one.
    pub fn help(&self) -> Option<String> {
        match &self.kind {
            DiagnosticKind::Syntax(_) => None,
            DiagnosticKind::Check(k) => k.help(),
        }
    }

    fn note(&self) -> Option<(Span, &'static str)> {
        match &self.kind {
            DiagnosticKind::Check(CheckErrorKind::Duplicate { first, .. }) => {
                Some((*first, "first declared here"))
            }
            _ => None,
        }
    }
}

/// Problems found in rules files, with the texts they point into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    /// The texts.
    pub sources: Vec<Source>,
    /// The problems, in the order found.
    pub errors: Vec<Diagnostic>,
}

/// The 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// Where each line of a text starts, so that any number of errors in it are placed without
/// reading the text again for each.
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn of(text: &str) -> Lines {
        let breaks = text.bytes().enumerate().filter(|(_, b)| *b == b'\n');
        let starts = std::iter::once(0)
            .chain(breaks.map(|(n, _)| n + 1))
            .collect();
        Lines { starts }
    }

    /// The 1-based line and column (in characters) of a byte offset, as [`line_column`].
    fn place(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|s| *s <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        (line, column)
    }

    /// The text of a 1-based line, without its end.
    fn line<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let start = self
            .starts
            .get(line.wrapping_sub(1))
            .copied()
            .unwrap_or(text.len());
        let end = self
            .starts
            .get(line)
            .map_or(text.len(), |n| n.saturating_sub(1));
        let line = text.get(start..end.max(start)).unwrap_or("");
        line.strip_suffix('\r').unwrap_or(line)
    }
}

fn write_excerpt(
    f: &mut fmt::Formatter<'_>,
    src: &Source,
    lines: &Lines,
    span: Span,
    label: &str,
) -> fmt::Result {
    let (line, column) = lines.place(&src.text, span.start);
    let gutter = line.to_string().len();
    writeln!(f, "{:gutter$}--> {}:{line}:{column}", "", src.name)?;
    let text = lines.line(&src.text, line);
    // A control character in the source is shown as its escape (`\u{1b}`), so that the
    // line cannot act on the terminal; the caret keeps to the characters as shown.
    let shown = |c: char| -> String {
        match c.is_control() && c != '\t' {
            true => c.escape_unicode().to_string(),
            false => c.to_string(),
        }
    };
    let displayed: String = text.chars().map(shown).collect();
    writeln!(f, "{:gutter$} |", "")?;
    writeln!(f, "{line} | {displayed}")?;
    let width = src
        .text
        .get(span.start..span.end.max(span.start))
        .map_or(1, |s| {
            let first = s.lines().next().unwrap_or("");
            first
                .chars()
                .map(|c| shown(c).chars().count())
                .sum::<usize>()
                .max(1)
        });
    let pad: String = text
        .chars()
        .take(column - 1)
        .map(|c| match c {
            '\t' => "\t".to_string(),
            c => " ".repeat(shown(c).chars().count()),
        })
        .collect();
    write!(f, "{:gutter$} | {pad}{}", "", "^".repeat(width))?;
    if label.is_empty() {
        writeln!(f)
    } else {
        writeln!(f, " {label}")
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Each text's lines, found when an error first points into it.
        let mut lines: Vec<Option<Lines>> = self.sources.iter().map(|_| None).collect();
        for (n, d) in self.errors.iter().enumerate() {
            if n > 0 {
                writeln!(f)?;
            }
            let label = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            writeln!(f, "{label}: {}", d.message())?;
            let (Some(src), Some(slot)) = (self.sources.get(d.source), lines.get_mut(d.source))
            else {
                continue;
            };
            let lines = slot.get_or_insert_with(|| Lines::of(&src.text));
            write_excerpt(f, src, lines, d.span, "")?;
            if let Some((span, label)) = d.note() {
                write_excerpt(f, src, lines, span, label)?;
            }
            if let Some(help) = d.help() {
                writeln!(f, "help: {help}")?;
            }
        }
        Ok(())
    }
}

impl Diagnostics {
    /// The problems for programs: `{"error": {...}, "errors": [{...}, ...]}`, where `error` is
    /// the first and each names its `file`, `line` and `column` (1-based), `message`, `help`
    /// and `severity`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut lines: Vec<Option<Lines>> = self.sources.iter().map(|_| None).collect();
        let mut all = Vec::with_capacity(self.errors.len());
        for d in &self.errors {
            let src = self.sources.get(d.source);
            let place = match (src, lines.get_mut(d.source)) {
                (Some(src), Some(slot)) => {
                    let lines = slot.get_or_insert_with(|| Lines::of(&src.text));
                    Some(lines.place(&src.text, d.span.start))
                }
                _ => None,
            };
            all.push(serde_json::json!({
                "severity": match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                "message": d.message(),
                "help": d.help(),
                "file": src.map(|s| s.name.clone()),
                "line": place.map(|p| p.0),
                "column": place.map(|p| p.1),
            }));
        }
        let first = all.first().cloned().unwrap_or(serde_json::Value::Null);
        serde_json::json!({ "error": first, "errors": all })
    }
}

impl std::error::Error for Diagnostics {}

/// A problem the checker found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckError {
    /// The index of the source it is in.
    pub source: usize,
    /// The words at fault.
    pub span: Span,
    /// What is wrong.
    pub kind: CheckErrorKind,
}

/// What the checker found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckErrorKind {
    /// A name is declared twice where names must be unique.
    Duplicate {
        /// `party`, `method`, `clause label`, ...
        what: &'static str,
        /// The name.
        name: String,
        /// The first declaration, in the same source.
        first: Span,
    },
    /// A declaration that must be there is not.
    Missing {
        /// `agreement` or `calendar`.
        within: &'static str,
        /// What is missing, such as `` `time-zone` ``.
        what: &'static str,
        /// What to add.
        example: &'static str,
    },
    /// A name that is not declared.
    Unknown(UnknownName),
    /// A time zone name that is not in the IANA database.
    UnknownTimeZone {
        /// The name as written.
        name: String,
    },
    /// More than one agreement in a file.
    SecondAgreement,
    /// A clause whose conditions can never all hold.
    NeverApplies {
        /// The rule's label.
        label: String,
        /// Why.
        why: String,
    },
    /// `method other-than (...)` names a gap rule or a clause that itself uses `other-than`.
    BadOtherThan {
        /// The label named.
        label: String,
    },
    /// A year range that is empty or outside what the calendar supports.
    BadYears {
        /// The first year.
        first: i32,
        /// The last year.
        last: i32,
    },
    /// A date outside the calendar's years.
    DateOutsideYears {
        /// The date.
        date: NaiveDate,
        /// The calendar's first year.
        first: i32,
        /// The calendar's last year.
        last: i32,
    },
    /// A closure range that ends before it starts.
    BackwardRange,
    /// Calendars that include each other.
    IncludeCycle {
        /// The calendars from the one checked to the one that comes round again.
        chain: Vec<String>,
        /// The calendar reached again.
        name: String,
    },
    /// Periods that run from each other, or whose notice deadlines do.
    PeriodCycle {
        /// The periods from the one checked to the one that comes round again.
        chain: Vec<String>,
    },
    /// A facsimile number without digits.
    FaxWithoutDigits {
        /// The number as written.
        written: String,
    },
    /// A number in force until before it comes into force.
    UntilBeforeFrom {
        /// When it comes into force, as written.
        from: String,
        /// When it goes out, as written.
        until: String,
    },
    /// More methods than the evaluator's method sets hold.
    TooManyMethods,
    /// Calendars that include calendars that include calendars, too deep.
    IncludesTooDeep {
        /// The calendar included at the depth that is too deep.
        name: String,
        /// The deepest a chain of includes may go.
        most: usize,
    },
    /// A count of days, months or years beyond what any calendar covers.
    CountTooLarge {
        /// The count as written, with its unit (`999999999 days`).
        written: String,
        /// The most the unit may count.
        most: u32,
    },
    /// A period counted in years or months that does not say what a date that does not
    /// exist means (a warning: evaluation then refuses such dates).
    NoRoundingPolicy {
        /// The period.
        period: String,
    },
}

impl fmt::Display for CheckErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckErrorKind::Duplicate { what: "", name, .. } => {
                write!(f, "`{name}` is declared twice")
            }
            CheckErrorKind::Duplicate { what, name, .. } => {
                write!(f, "{what} `{name}` is declared twice")
            }
            CheckErrorKind::Missing { within, what, .. } => write!(f, "the {within} has no {what}"),
            CheckErrorKind::Unknown(u) => write!(f, "{u}"),
            CheckErrorKind::UnknownTimeZone { name } => write!(f, "unknown time zone `{name}`"),
            CheckErrorKind::SecondAgreement => write!(f, "a rules file holds one agreement"),
            CheckErrorKind::NeverApplies { label, why } => {
                write!(f, "rule `{label}` can never apply: {why}")
            }
            CheckErrorKind::BadOtherThan { label } => write!(
                f,
                "`other-than` can name only clauses that list their methods, and `{label}` does not"
            ),
            CheckErrorKind::BadYears { first, last } => {
                write!(f, "the years {first} through {last} are not a usable range")
            }
            CheckErrorKind::DateOutsideYears { date, first, last } => {
                write!(
                    f,
                    "{date} is outside the calendar's years {first} through {last}"
                )
            }
            CheckErrorKind::BackwardRange => write!(f, "the range ends before it starts"),
            CheckErrorKind::PeriodCycle { chain } => {
                let chain: Vec<String> = chain.iter().map(|c| format!("`{c}`")).collect();
                write!(
                    f,
                    "periods that depend on each other: {}",
                    chain.join(" depends on ")
                )
            }
            CheckErrorKind::IncludeCycle { name, chain } => {
                let mut chain: Vec<String> = chain.iter().map(|c| format!("`{c}`")).collect();
                // A long cycle by its first and last calendars.
                if chain.len() > 12 {
                    let left_out = chain.len() - 10;
                    let last = chain.len() - 5;
                    chain.splice(5..last, [format!("{left_out} more")]);
                }
                write!(
                    f,
                    "`include {name}` makes a cycle: {}",
                    chain.join(" includes ")
                )
            }
            CheckErrorKind::FaxWithoutDigits { written } => {
                write!(f, "facsimile number `{written}` has no digits")
            }
            CheckErrorKind::UntilBeforeFrom { from, until } => write!(
                f,
                "the number is in force until {until}, before it comes into force ({from})"
            ),
            CheckErrorKind::NoRoundingPolicy { period } => write!(
                f,
                "period `{period}` counts years or months but does not say what a date that does not exist means"
            ),
            CheckErrorKind::IncludesTooDeep { name, most } => write!(
                f,
                "`include {name}` goes deeper than {most} calendars, each including the next"
            ),
            CheckErrorKind::CountTooLarge { written, most } => write!(
                f,
                "`{written}` is more than any calendar covers: a count goes up to {most}"
            ),
            CheckErrorKind::TooManyMethods => {
                write!(f, "an agreement may declare at most 64 methods")
            }
        }
    }
}

impl CheckErrorKind {
    /// A hint for the reader, when there is one.
    pub fn help(&self) -> Option<String> {
        match self {
            CheckErrorKind::Duplicate { .. } => Some("remove or rename one of them".into()),
            CheckErrorKind::Missing { example, .. } => Some(format!("add `{example}`")),
            CheckErrorKind::Unknown(u) => Some(u.help()),
            CheckErrorKind::UnknownTimeZone { .. } => {
                Some("use an IANA time zone name such as `America/New_York`".into())
            }
            CheckErrorKind::SecondAgreement => Some("put each agreement in a file of its own".into()),
            CheckErrorKind::BadYears { .. } => {
                Some("write `years FIRST through LAST` with FIRST no later than LAST, between 1900 and 2200".into())
            }
            CheckErrorKind::IncludeCycle { .. } => Some("remove one of the `include`s".into()),
            CheckErrorKind::PeriodCycle { .. } => Some(
                "a period runs from an event or from another period that does not depend on it".into(),
            ),
            CheckErrorKind::NoRoundingPolicy { .. } => Some(
                "add `nonexistent round-down` or `nonexistent round-up` (February 29 plus a year; January 31 plus a month), or `nonexistent error` to refuse them".into(),
            ),
            _ => None,
        }
    }
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for CheckError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = "ab\ncdé f\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 3), (2, 1));
        assert_eq!(line_column(text, 7), (2, 4));
        assert_eq!(line_column(text, 999), (3, 1));
    }

    /// The line index places every offset as [`line_column`] does, and gives each line's
    /// text as `str::lines` does.
    #[test]
    fn the_line_index_agrees_with_reading_the_text() {
        for text in ["", "a", "ab\ncdé f\n", "\n\nx\r\ny", "é\n\n"] {
            let lines = Lines::of(text);
            for offset in 0..=text.len() + 2 {
                if text.is_char_boundary(offset.min(text.len())) {
                    assert_eq!(
                        lines.place(text, offset),
                        line_column(text, offset),
                        "{text:?} {offset}"
                    );
                }
            }
            for (n, expected) in text.lines().enumerate() {
                assert_eq!(lines.line(text, n + 1), expected, "{text:?} {n}");
            }
        }
    }
}
