//! The words of tests, misses and the resolution: one set of words for the trace's text,
//! the gap warning and the batch's templates of it (see [`Words`]).

use std::fmt;

use chrono::{NaiveDate, NaiveTime};

use super::{Deemed, Miss, Resolution, Status, Step, Test, Warning, label_list};
use crate::calendar::{DayOff, weekday_date};
use crate::words::{Render, display_by_render};

/// Writes the pieces in order onto `out`: text is pushed as it is, without the
/// formatting machinery (which matters when a batch writes millions of these).
pub(crate) fn put(out: &mut String, pieces: &[&dyn Piece]) {
    for p in pieces {
        p.put(out);
    }
}

pub(crate) trait Piece {
    fn put(&self, out: &mut String);
}

impl Piece for str {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for &str {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for std::sync::Arc<str> {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for String {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for Hms {
    fn put(&self, out: &mut String) {
        let _ = fmt::Write::write_fmt(out, format_args!("{}", self.0.format("%H:%M:%S")));
    }
}

impl Piece for crate::calendar::WeekdayDate {
    fn put(&self, out: &mut String) {
        self.render(out);
    }
}

/// `a`, `a or b`, `a or b or c`.
struct OrList<'a>(&'a [String]);

impl Piece for OrList<'_> {
    fn put(&self, out: &mut String) {
        for (n, item) in self.0.iter().enumerate() {
            if n > 0 {
                out.push_str(" or ");
            }
            out.push_str(item);
        }
    }
}

/// `a`, `a; b`: the items of a list that may hold commas of their own.
struct AndList<'a>(&'a [String]);

impl Piece for AndList<'_> {
    fn put(&self, out: &mut String) {
        for (n, item) in self.0.iter().enumerate() {
            if n > 0 {
                out.push_str("; ");
            }
            out.push_str(item);
        }
    }
}

display_by_render!(Test, Miss);

impl Render for Test {
    fn render(&self, out: &mut String) {
        self.words(out);
    }
}

/// Where a test's words go: all onto one text, or (for a template of a gap warning that
/// serves a whole class of events) with the event's own words kept apart.
pub(crate) trait Words {
    /// The text, where fixed words go.
    fn text(&mut self) -> &mut String;
    /// An instant's local time of day, read by `subject` (`sent` or `received`).
    fn time(&mut self, subject: &'static str, time: NaiveTime);
    /// An instant's date, with whether it is a business day on the calendar and why not.
    fn day(
        &mut self,
        subject: &'static str,
        date: NaiveDate,
        calendar: &str,
        business_day: bool,
        why: &[DayOff],
    );
    /// The method as written.
    fn method(&mut self, method: &str);
    /// The fax number as written.
    fn number(&mut self, number: &str);
}

impl Words for String {
    fn text(&mut self) -> &mut String {
        self
    }

    fn time(&mut self, _: &'static str, time: NaiveTime) {
        Hms(time).put(self);
    }

    fn day(
        &mut self,
        _: &'static str,
        date: NaiveDate,
        calendar: &str,
        business_day: bool,
        why: &[DayOff],
    ) {
        day_words(self, date, calendar, business_day, why);
    }

    fn method(&mut self, method: &str) {
        self.push_str(method);
    }

    fn number(&mut self, number: &str) {
        self.push_str(number);
    }
}

/// A day's words in a test: `Monday 2008-10-13, not a business day (us-ny-banking:
/// Columbus Day)`.
fn day_words(
    out: &mut String,
    date: NaiveDate,
    calendar: &str,
    business_day: bool,
    why: &[DayOff],
) {
    weekday_date(date).put(out);
    if business_day {
        put(out, &[&", a business day (", &calendar, &")"])
    } else {
        put(out, &[&", not a business day (", &calendar, &": "]);
        for (n, w) in why.iter().enumerate() {
            if n > 0 {
                out.push_str("; ");
            }
            w.render(out);
        }
        out.push(')')
    }
}

impl Test {
    /// Writes the test in words onto `out` (what its `Display` shows).
    pub(crate) fn words(&self, out: &mut impl Words) {
        match self {
            Test::Method {
                method,
                other_than: Some(labels),
                holds,
                ..
            } => {
                let verb = if *holds { "` is not" } else { "` is" };
                out.text().push_str("method `");
                out.method(method);
                put(out.text(), &[&verb, &" a method of "]);
                out.text().push_str(&label_list("clause", labels))
            }
            Test::Method {
                method,
                covered,
                other_than: None,
                holds,
            } => {
                let verb = if *holds { "` is " } else { "` is not " };
                out.text().push_str("method `");
                out.method(method);
                put(out.text(), &[&verb, &OrList(covered)])
            }
            Test::DesignatedFax { .. } => self.fax_words(out),
            Test::TimeOfDay {
                subject,
                local,
                zone,
                cmp,
                bound,
                holds,
            } => {
                let verb = if *holds {
                    " time, which is "
                } else {
                    " time, which is not "
                };
                put(out.text(), &[subject, &" at "]);
                out.time(subject, *local);
                put(out.text(), &[&" ", zone, &verb, cmp, &" ", &Hms(*bound)])
            }
            Test::Day {
                subject,
                date,
                calendar,
                business_day,
                why,
                ..
            } => {
                put(out.text(), &[subject, &" on "]);
                out.day(subject, *date, calendar, *business_day, why);
            }
            Test::NoReceipt => out.text().push_str("no receipt is recorded"),
            Test::NoSending => out.text().push_str("the sending is not given"),
            Test::Companion { .. } => self.companion_words(out.text()),
        }
    }

    /// A designated-number test in words.
    fn fax_words(&self, out: &mut impl Words) {
        match self {
            Test::DesignatedFax {
                to: None,
                assumed: true,
                ..
            } => out
                .text()
                .push_str("the recipient is not given, so the designated number is assumed"),
            Test::DesignatedFax {
                to: Some(to),
                number: None,
                designated,
                assumed: true,
                ..
            } => put(
                out.text(),
                &[
                    &"no number given; assumed ",
                    &OrList(designated),
                    &" designated for `",
                    to,
                    &"`",
                ],
            ),
            Test::DesignatedFax {
                to,
                designated,
                dated,
                changed_by,
                ..
            } if designated.is_empty() => {
                put(
                    out.text(),
                    &[
                        &"`",
                        &to.as_deref().unwrap_or(""),
                        &"` has no designated facsimile number",
                    ],
                );
                if !dated.is_empty() {
                    put(
                        out.text(),
                        &[&" in force then (its numbers: ", &AndList(dated), &")"],
                    );
                }
                if let Some(why) = changed_by {
                    put(out.text(), &[&", as designated by ", why]);
                }
            }
            Test::DesignatedFax {
                to,
                number,
                designated,
                dated,
                changed_by,
                holds,
                ..
            } => {
                let verb = if *holds { "` is" } else { "` is not" };
                out.text().push('`');
                out.number(number.as_deref().unwrap_or(""));
                put(
                    out.text(),
                    &[
                        &verb,
                        &" the number designated for `",
                        &to.as_deref().unwrap_or(""),
                        &"` (",
                        &OrList(designated),
                        &")",
                    ],
                );
                if !dated.is_empty() {
                    put(
                        out.text(),
                        &[&", in force then (its numbers: ", &AndList(dated), &")"],
                    );
                }
                if let Some(why) = changed_by {
                    put(out.text(), &[&", as designated by ", why]);
                }
            }
            _ => {}
        }
    }

    /// A companion test in words.
    fn companion_words(&self, text: &mut String) {
        let Test::Companion {
            methods,
            within,
            business_days,
            found,
            recorded,
            holds,
        } = self
        else {
            return;
        };
        let unit = match business_days {
            true => "business days",
            false => "days",
        };
        text.push_str(&format!(
            "a companion delivery by {} within {within} {unit}",
            methods.join(" or ")
        ));
        match (recorded, holds) {
            (false, _) => text.push_str(": none is recorded"),
            (true, held) => {
                let listed: Vec<String> = found
                    .iter()
                    .map(|(m, at)| format!("{m} at {}", at.to_rfc3339()))
                    .collect();
                text.push_str(if *held { ": " } else { ": too late: " });
                text.push_str(&listed.join(", "));
            }
        }
    }
}

/// `HH:MM:SS`, written without a format string.
struct Hms(NaiveTime);

impl fmt::Display for Resolution {
    /// One line with the answer, then the explanation.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_headline(f)?;
        writeln!(f, "status: {}", self.status)?;
        writeln!(f, "why:")?;
        for step in &self.trace {
            write_step(f, step)?;
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        Ok(())
    }
}

impl Resolution {
    /// The answer's line: when the notice is deemed given and under which rule, or why not.
    fn write_headline(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = self.clause.as_deref().unwrap_or("?");
        let by = match self.status {
            Status::Gap => format!("gap rule `{label}` (no clause applies literally)"),
            _ => format!("clause {label}"),
        };
        match (self.deemed_date, self.effective_at) {
            (Some(date), Some(at)) => writeln!(
                f,
                "{}: deemed given and effective under {by}, at {}",
                weekday_date(date),
                at.to_rfc3339()
            )?,
            _ if self.status == Status::Invalid => {
                let reason = self.warnings.iter().find_map(|w| match w {
                    Warning::NotValid { reason, .. } => Some(reason),
                    _ => None,
                });
                match reason {
                    Some(reason) => writeln!(f, "not a valid notice under {by}: {reason}")?,
                    None => writeln!(f, "not a valid notice under {by}")?,
                }
            }
            _ => match self.warnings.iter().find_map(|w| match w {
                Warning::AwaitingCompanion { missing, .. } => Some(missing),
                _ => None,
            }) {
                Some(missing) => writeln!(
                    f,
                    "not yet effective: {by} waits on {missing}, which is not recorded"
                )?,
                None => writeln!(
                    f,
                    "not yet effective: {by} waits on actual receipt, which is not recorded"
                )?,
            },
        }
        Ok(())
    }
}

/// One step of the explanation, for people.
fn write_step(f: &mut fmt::Formatter<'_>, step: &Step) -> fmt::Result {
    match step {
        Step::Event {
            method,
            sent,
            received,
            to,
            from,
            fax_number,
        } => {
            write!(f, "  {method}")?;
            if let Some(from) = from {
                write!(f, " from `{from}`")?;
            }
            match sent {
                Some(sent) => write!(
                    f,
                    " sent {} {}",
                    weekday_date(sent.date_naive()),
                    sent.format("%H:%M:%S (UTC%:z)")
                )?,
                None => write!(f, " (sending not given)")?,
            }
            if let Some(to) = to {
                write!(f, " to `{to}`")?;
            }
            if let Some(n) = fax_number {
                write!(f, " at {n}")?;
            }
            if let Some(r) = received {
                write!(
                    f,
                    ", received {} {}",
                    weekday_date(r.date_naive()),
                    r.format("%H:%M:%S (UTC%:z)")
                )?;
            }
            writeln!(f)?;
        }
        Step::Rule {
            kind,
            label,
            applied,
            tests,
            deemed,
            ..
        } => {
            let head = format!("{kind} {label}");
            if *applied {
                let held: Vec<String> = tests.iter().map(|t| t.to_string()).collect();
                write!(f, "  {head:<10} applies")?;
                if !held.is_empty() {
                    write!(f, ": {}", held.join("; "))?;
                }
                writeln!(f)?;
                match deemed {
                    Some(Deemed::Date {
                        reading, skipped, ..
                    }) => {
                        writeln!(f, "  {:<10} => {reading}", "")?;
                        if !skipped.is_empty() {
                            let days: Vec<String> = skipped.iter().map(|s| s.to_string()).collect();
                            writeln!(f, "  {:<10}    stepping over {}", "", days.join(", "))?;
                        }
                    }
                    Some(Deemed::AwaitingCompanion { missing }) => {
                        writeln!(f, "  {:<10} => waits on {missing}, not recorded", "")?;
                    }
                    Some(Deemed::NoEffect { reason }) => {
                        writeln!(f, "  {:<10} => not a valid notice: {reason}", "")?;
                    }
                    Some(Deemed::AwaitingReceipt) => {
                        writeln!(f, "  {:<10} => upon actual receipt, not recorded", "")?;
                    }
                    None => {}
                }
            } else {
                let failed: Vec<String> = tests
                    .iter()
                    .filter(|t| !t.holds())
                    .map(|t| t.to_string())
                    .collect();
                writeln!(f, "  {head:<10} does not apply: {}", failed.join("; "))?;
            }
        }
        Step::Decision { rule, reason } => {
            writeln!(f, "  decided by `{rule}`: {reason}")?;
        }
    }
    Ok(())
}
