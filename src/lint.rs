//! Coverage of a notice clause: the plan's cells, where no clause applies and where several do.
//!
//! The table is the compiled plan's partition of the space of events (see
//! `crate::agreement::plan`), read for each method: whether the fax went to a designated number and,
//! on every clock the conditions read, the kind of day on each calendar named there and the
//! time of day, cut at every cut-off on that clock (each cut-off is a cell of its own, and so
//! is each interval between). Each cell's answer is the plan's decision; neighbouring cells
//! with the same answer are merged into one row. What the table shows is what the evaluator
//! does.

use std::fmt;

use chrono::NaiveTime;
use serde::Serialize;

use crate::agreement::plan::{Cell, ClockAxis, Fax, Place, Plan};
use crate::agreement::{Agreement, Rules, ZoneSel};
use crate::syntax::ast::Subject;

/// The most cells a table reads for one method, and the most tests of a rule in a cell it
/// makes in all; past either the table is not drawn, and says so (see
/// [`Coverage::complete`]), so that a hostile rules file costs little.
const MAX_CELLS: usize = 1 << 16;
const MAX_TESTS: usize = 1 << 23;

/// A span of the time of day, both ends inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TimeSpan {
    /// The first second.
    pub from: NaiveTime,
    /// The last second.
    pub to: NaiveTime,
}

impl fmt::Display for TimeSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from.format("%H:%M:%S"))
        } else {
            write!(
                f,
                "{}-{}",
                self.from.format("%H:%M:%S"),
                self.to.format("%H:%M:%S")
            )
        }
    }
}

/// What a row says of one clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reading {
    /// `business`, `non-business` or `any` (with the calendar's name when the clock reads
    /// several); `no receipt` when a receipt is not recorded.
    pub day: String,
    /// The times of day; `None` when a receipt is not recorded.
    pub time: Option<TimeSpan>,
}

/// One row of the coverage table: a set of cells with the same answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The method.
    pub method: String,
    /// Whether the fax went to a designated number: `yes`, `no` or `any`.
    pub designated_fax: &'static str,
    /// What the row says of each clock, in the order of [`Coverage::clocks`].
    pub readings: Vec<Reading>,
    /// The clauses that apply literally.
    pub clauses: Vec<String>,
    /// For a gap, the gap rule that fills it (`None`: nothing does).
    pub gap_rule: Option<String>,
    /// The rule that decides a notice of the row is not a valid one (`no-effect`): the
    /// row is covered, by that rule, and is not a gap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invalid_by: Option<String>,
}

impl Row {
    /// What decides in the row's cell, in words.
    fn decided(&self) -> String {
        if let Some(rule) = &self.invalid_by {
            format!("not a valid notice, by `{rule}`")
        } else if self.is_gap() {
            match &self.gap_rule {
                Some(g) => format!("GAP, filled by gap rule `{g}`"),
                None => "GAP, not covered by any gap rule".to_string(),
            }
        } else if self.is_overlap() {
            format!(
                "{} (overlap: the combinator decides)",
                self.clauses.join(", ")
            )
        } else {
            self.clauses.join(", ")
        }
    }

    /// No clause applies and no rule says the notice is not a valid one.
    pub fn is_gap(&self) -> bool {
        self.clauses.is_empty() && self.invalid_by.is_none()
    }

    /// Two or more clauses apply.
    pub fn is_overlap(&self) -> bool {
        self.clauses.len() > 1
    }
}

/// A clock the conditions read, and its cut-offs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockCutoffs {
    /// `sent`, `received`, with `in "Zone"` or `in recipient-time` when not the agreement's.
    pub clock: String,
    /// The times of day its conditions compare against.
    pub cutoffs: Vec<NaiveTime>,
    /// The calendars its conditions ask about the day.
    pub calendars: Vec<String>,
}

/// The coverage of a notice clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// The clocks the rules read, in the order of each row's readings.
    pub clocks: Vec<ClockCutoffs>,
    /// The table.
    pub rows: Vec<Row>,
    /// What the reader must know of the table.
    pub notes: Vec<String>,
    /// Whether the table covers every kind of notice; `false` when the rules are too large to
    /// tabulate (a note says why).
    pub complete: bool,
}

impl Coverage {
    /// The rows no clause covers.
    pub fn gaps(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.is_gap())
    }

    /// Rows that neither a clause nor a gap rule covers.
    pub fn uncovered(&self) -> impl Iterator<Item = &Row> {
        self.gaps().filter(|r| r.gap_rule.is_none())
    }
}

/// A cell's answer: the clauses that apply, the gap rule that fills it, and the rule that
/// decides its notices are not valid ones.
type CellAnswer = (Vec<String>, Option<String>, Option<String>);

/// Rows of a table: a label per axis, and the answer.
type Rows = Vec<(Vec<Label>, CellAnswer)>;

/// One axis of the table, for one method.
#[derive(Debug, Clone, Copy)]
enum Axis {
    /// Designated number or not.
    Fax,
    /// The day on a clock: its business-day bits, or no receipt.
    Day(usize),
    /// The time of day on a clock.
    Time(usize),
}

/// A value on an axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value {
    Fax(bool),
    /// Business-day bits, or `None` for an instant not recorded.
    Day(Option<u32>),
    Span(u32),
}

/// What a row says on an axis: one value, a run of spans, or any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Any,
    One(Value),
    Spans(u32, u32),
}

/// The name of a clock as a rules file writes its conditions.
pub(crate) fn clock_name(clock: &ClockAxis) -> String {
    let subject = match clock.subject {
        Subject::Sent => "sent",
        Subject::Received => "received",
    };
    match &clock.zone {
        ZoneSel::Agreement => subject.to_string(),
        ZoneSel::Fixed(tz) => format!("{subject} in \"{}\"", tz.name()),
        ZoneSel::Recipient => format!("{subject} in recipient-time"),
        ZoneSel::Sender => format!("{subject} in sender-time"),
    }
}

/// The table of one method, built over its axes.
struct CellTable<'a> {
    plan: &'a Plan,
    agreement: &'a Agreement,
    method: usize,
    axes: Vec<Axis>,
}

impl CellTable<'_> {
    /// The values of an axis, given the values before it.
    fn values(&self, axis: Axis, chosen: &[Value]) -> Vec<Value> {
        match axis {
            Axis::Fax => vec![Value::Fax(true), Value::Fax(false)],
            Axis::Day(c) => {
                let Some(clock) = self.plan.clocks.get(c) else {
                    return Vec::new();
                };
                let combos = 1u32 << clock.calendars.len().min(8);
                // Business days first, as a reader expects them.
                let mut days: Vec<Value> = (0..combos).rev().map(|b| Value::Day(Some(b))).collect();
                if clock.subject == Subject::Received {
                    days.push(Value::Day(None));
                }
                // A receipt is recorded or not for every clock that reads it alike.
                let earlier =
                    (self.axes.iter().zip(chosen)).find_map(|(axis, value)| match (axis, value) {
                        (Axis::Day(e), Value::Day(day)) => {
                            let receipt = self.plan.clocks.get(*e)?.subject == Subject::Received;
                            receipt.then_some(day.is_some())
                        }
                        _ => None,
                    });
                if let (Some(recorded), Subject::Received) = (earlier, clock.subject) {
                    days.retain(|d| matches!(d, Value::Day(day) if day.is_some() == recorded));
                }
                days
            }
            Axis::Time(c) => {
                let recorded = self.day_of(c, chosen).is_some();
                match (self.plan.clocks.get(c), recorded) {
                    (Some(clock), true) => (0..clock.spans())
                        .filter(|s| clock.span_seconds(*s).is_some())
                        .map(Value::Span)
                        .collect(),
                    _ => vec![Value::Span(0)],
                }
            }
        }
    }

    /// The day chosen on a clock, among the values chosen so far.
    fn day_of(&self, clock: usize, chosen: &[Value]) -> Option<u32> {
        let at = self
            .axes
            .iter()
            .position(|a| matches!(a, Axis::Day(c) if *c == clock))?;
        match chosen.get(at) {
            Some(Value::Day(day)) => *day,
            _ => None,
        }
    }

    /// The plan's answer for a whole choice of values.
    fn answer(&self, chosen: &[Value]) -> CellAnswer {
        let designated = chosen.contains(&Value::Fax(true));
        let mut places = vec![None; self.plan.clocks.len()];
        for (axis, value) in self.axes.iter().zip(chosen) {
            if let (Axis::Time(c), Value::Span(span)) = (axis, value) {
                if let (Some(days), Some(slot)) = (self.day_of(*c, chosen), places.get_mut(*c)) {
                    *slot = Some(Place { span: *span, days });
                }
            }
        }
        let cell = Cell {
            method: self.method,
            party: None,
            sender: None,
            fax: if designated {
                Fax::Designated
            } else {
                Fax::NotDesignated
            },
            received: self
                .plan
                .clocks
                .iter()
                .zip(&places)
                .any(|(c, p)| c.subject == Subject::Received && p.is_some()),
            places,
            // The table reads each companion as recorded in time (a note says so).
            companions: vec![
                crate::agreement::plan::CompanionFact::InTime;
                self.plan.companions.len()
            ],
        };
        let decision = self.plan.decide(self.agreement, &cell);
        let notice = &self.agreement.notice;
        let label = |r: Option<&crate::agreement::RuleDef>| r.map(|r| r.label.to_string());
        let clauses = decision
            .applies
            .iter()
            .filter_map(|n| label(notice.clauses.get(*n)))
            .collect();
        let invalid_by = self.plan.no_effect_decides(&decision).and_then(|n| {
            match n.checked_sub(self.plan.clauses) {
                None => label(notice.clauses.get(n)),
                Some(g) => label(notice.gaps.get(g)),
            }
        });
        (
            clauses,
            decision.gap.and_then(|g| label(notice.gaps.get(g))),
            invalid_by,
        )
    }

    /// The rows over the axes from `k`, given the values chosen before it.
    fn rows(&self, k: usize, chosen: &mut Vec<Value>) -> Rows {
        let Some(axis) = self.axes.get(k).copied() else {
            return vec![(Vec::new(), self.answer(chosen))];
        };
        let mut subs = Vec::new();
        for value in self.values(axis, chosen) {
            chosen.push(value);
            subs.push((value, self.rows(k + 1, chosen)));
            chosen.pop();
        }
        let mut out = Vec::new();
        let prefix = |label: Label, rows: &[(Vec<Label>, CellAnswer)], out: &mut Vec<_>| {
            for (labels, answer) in rows {
                let mut all = vec![label];
                all.extend(labels.iter().copied());
                out.push((all, answer.clone()));
            }
        };
        let all_same = subs.windows(2).all(|w| matches!(w, [a, b] if a.1 == b.1));
        match axis {
            Axis::Time(_) if all_same => {
                if let Some((_, rows)) = subs.first() {
                    prefix(Label::Any, rows, &mut out);
                }
            }
            Axis::Time(_) => {
                // Neighbouring spans with the same rows are merged.
                let mut run: Option<(u32, u32, &Rows)> = None;
                for (value, rows) in &subs {
                    let Value::Span(span) = value else { continue };
                    run = match run {
                        Some((from, _, r)) if r == rows => Some((from, *span, r)),
                        Some((from, to, r)) => {
                            prefix(Label::Spans(from, to), r, &mut out);
                            Some((*span, *span, rows))
                        }
                        None => Some((*span, *span, rows)),
                    };
                }
                if let Some((from, to, r)) = run {
                    prefix(Label::Spans(from, to), r, &mut out);
                }
            }
            _ if all_same => {
                if let Some((_, rows)) = subs.first() {
                    prefix(Label::Any, rows, &mut out);
                }
            }
            _ => {
                for (value, rows) in &subs {
                    prefix(Label::One(*value), rows, &mut out);
                }
            }
        }
        out
    }
}

impl Rules {
    /// The coverage table of the agreement's notice clause, read from its compiled plan.
    ///
    /// ```
    /// let rules = deemed::Rules::default_rules().unwrap();
    /// let coverage = rules.coverage().unwrap();
    /// assert!(coverage.gaps().any(|r| r.method == "fax"
    ///     && r.readings[0].time.unwrap().to_string() == "20:00:00"));
    /// assert_eq!(coverage.uncovered().count(), 0);
    /// ```
    pub fn coverage(&self) -> Option<Coverage> {
        let a = self.agreement()?;
        let plan = &a.plan;
        let mut axes = vec![Axis::Fax];
        for (n, _) in plan.clocks.iter().enumerate() {
            axes.push(Axis::Day(n));
            axes.push(Axis::Time(n));
        }
        let mut notes = Vec::new();
        let cells: usize = plan.clocks.iter().fold(2, |cells, c| {
            let days =
                (1usize << c.calendars.len().min(8)) + usize::from(c.subject == Subject::Received);
            cells.saturating_mul(days.saturating_mul(c.spans() as usize))
        });
        let tests = (a.methods.len())
            .saturating_mul(cells)
            .saturating_mul(plan.rules.iter().map(|r| r.conds.len().max(1)).sum());
        let complete = cells <= MAX_CELLS && tests <= MAX_TESTS;
        if !complete {
            notes.push(format!(
                "the rules make {cells} kinds of notice per method and {} rules to test in each; too many to tabulate (at most {MAX_CELLS} kinds, {MAX_TESTS} tests in all), so no row is shown",
                plan.rules.len()
            ));
            axes.clear();
        }
        let mut rows = Vec::new();
        for (m, method) in a.methods.iter().enumerate() {
            if axes.is_empty() {
                break;
            }
            let table = CellTable {
                plan,
                agreement: a,
                method: m,
                axes: axes.clone(),
            };
            for (labels, answer) in table.rows(0, &mut Vec::new()) {
                rows.push(row(plan, &method.name, &labels, answer));
            }
        }
        let without: Vec<String> = a
            .parties
            .iter()
            .filter(|p| p.faxes.is_empty())
            .map(|p| format!("`{}`", p.name))
            .collect();
        let uses_designated_fax = plan.rules.iter().any(|r| {
            r.conds
                .iter()
                .any(|c| matches!(c, crate::agreement::plan::CondPlan::DesignatedFax))
        });
        if uses_designated_fax && !without.is_empty() {
            notes.push(format!(
                "no designated facsimile number: {}; a fax to them is always in the `designated no` rows",
                without.join(", ")
            ));
        }
        // Dated numbers: which rows a fax falls in depends on when it is sent.
        for p in a.parties.iter().filter(|p| p.dated_numbers()) {
            let numbers: Vec<String> = p.faxes.iter().map(|f| f.with_period()).collect();
            notes.push(format!(
                "`{}`'s numbers are dated: {}; a fax to one of them is in the `designated yes` rows only while it is in force, and a fax sent when none is, in the `designated no` rows",
                p.name,
                numbers.join("; ")
            ));
        }
        for axis in &plan.companions {
            let names: Vec<String> = axis
                .methods
                .indexes()
                .filter_map(|m| a.methods.get(m))
                .map(|m| format!("`{}`", m.name))
                .collect();
            let unit = if axis.business {
                "business days"
            } else {
                "days"
            };
            notes.push(format!(
                "the table reads a companion delivery by {} within {} {unit} as recorded in time; without one, a clause that asks for it waits (pending), and with one too late it does not apply",
                names.join(" or "),
                axis.count
            ));
        }
        let clocks = plan
            .clocks
            .iter()
            .map(|c| ClockCutoffs {
                clock: clock_name(c),
                cutoffs: c.cutoffs.clone(),
                calendars: c.calendars.iter().map(|c| c.name().to_string()).collect(),
            })
            .collect();
        Some(Coverage {
            clocks,
            rows,
            notes,
            complete,
        })
    }
}

/// A row from its labels (one per axis: the fax, then each clock's day and time).
fn row(
    plan: &Plan,
    method: &str,
    labels: &[Label],
    (clauses, gap_rule, invalid_by): CellAnswer,
) -> Row {
    let designated_fax = match labels.first() {
        Some(Label::One(Value::Fax(true))) => "yes",
        Some(Label::One(Value::Fax(false))) => "no",
        _ => "any",
    };
    let mut readings = Vec::new();
    for (n, clock) in plan.clocks.iter().enumerate() {
        let day = labels.get(1 + 2 * n).copied().unwrap_or(Label::Any);
        let time = labels.get(2 + 2 * n).copied().unwrap_or(Label::Any);
        let day_words = match day {
            Label::One(Value::Day(None)) => "no receipt".to_string(),
            Label::One(Value::Day(Some(bits))) => day_word(clock, bits),
            _ => "any".to_string(),
        };
        let time = match (day, time) {
            (Label::One(Value::Day(None)), _) => None,
            (_, Label::Spans(from, to)) => Some(span_of(clock, from, to)),
            _ => Some(TimeSpan {
                from: NaiveTime::MIN,
                to: NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN),
            }),
        };
        readings.push(Reading {
            day: day_words,
            time,
        });
    }
    Row {
        method: method.to_string(),
        designated_fax,
        readings,
        clauses,
        gap_rule,
        invalid_by,
    }
}

/// The words of a day's business-day bits on a clock's calendars.
fn day_word(clock: &ClockAxis, bits: u32) -> String {
    let word = |n: usize| match bits >> n & 1 {
        1 => "business",
        _ => "non-business",
    };
    match clock.calendars.as_slice() {
        [] => "any".to_string(),
        [_] => word(0).to_string(),
        calendars => {
            let each: Vec<String> = calendars
                .iter()
                .enumerate()
                .map(|(n, c)| format!("{} on {}", word(n), c.name()))
                .collect();
            each.join(", ")
        }
    }
}

/// The time span of a run of places among a clock's cut-offs.
fn span_of(clock: &ClockAxis, from: u32, to: u32) -> TimeSpan {
    let at = |s: u32| NaiveTime::from_num_seconds_from_midnight_opt(s, 0).unwrap_or(NaiveTime::MIN);
    TimeSpan {
        from: at(clock.span_seconds(from).map_or(0, |s| s.0)),
        to: at(clock.span_seconds(to).map_or(86_399, |s| s.1)),
    }
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let times = |c: &ClockCutoffs| {
            let t: Vec<String> = c
                .cutoffs
                .iter()
                .map(|c| c.format("%H:%M:%S").to_string())
                .collect();
            match t.is_empty() {
                true => "none".to_string(),
                false => t.join(", "),
            }
        };
        match self.clocks.as_slice() {
            [one] if one.clock == "sent" => writeln!(f, "cut-offs: {}", times(one))?,
            clocks => {
                for (n, c) in clocks.iter().enumerate() {
                    writeln!(f, "clock {}: {}, cut-offs: {}", n + 1, c.clock, times(c))?;
                }
            }
        }
        if !self.complete {
            for note in &self.notes {
                writeln!(f, "note: {note}")?;
            }
            return Ok(());
        }
        let several = self.clocks.len() > 1;
        // Each column is as wide as its longest entry (long method names, days of named
        // calendars).
        let wide = |w: usize, s: &str| w.max(s.chars().count());
        let method_w = self.rows.iter().fold(8, |w, r| wide(w, &r.method));
        let designated_w = self.rows.iter().fold(10, |w, r| wide(w, r.designated_fax));
        let mut day_w = vec![13; self.clocks.len()];
        let mut time_w = vec![18; self.clocks.len()];
        let time_of = |reading: &Reading| reading.time.map_or("-".to_string(), |t| t.to_string());
        for r in &self.rows {
            for (n, reading) in r.readings.iter().enumerate() {
                if let (Some(d), Some(t)) = (day_w.get_mut(n), time_w.get_mut(n)) {
                    *d = wide(*d, &reading.day.to_string());
                    *t = wide(*t, &time_of(reading));
                }
            }
        }
        write!(f, "{:<method_w$} {:<designated_w$}", "method", "designated")?;
        for n in 1..=self.clocks.len() {
            let (day, time) = match several {
                true => (format!("day {n}"), format!("time {n}")),
                false => ("day".to_string(), "time".to_string()),
            };
            let (dw, tw) = (
                day_w.get(n - 1).copied().unwrap_or(13),
                time_w.get(n - 1).copied().unwrap_or(18),
            );
            write!(f, " {day:<dw$} {time:<tw$}")?;
        }
        writeln!(f, " clauses")?;
        for r in &self.rows {
            let what = r.decided();
            write!(
                f,
                "{:<method_w$} {:<designated_w$}",
                r.method,
                r.designated_fax.to_string()
            )?;
            for (n, reading) in r.readings.iter().enumerate() {
                let (dw, tw) = (
                    day_w.get(n).copied().unwrap_or(13),
                    time_w.get(n).copied().unwrap_or(18),
                );
                write!(
                    f,
                    " {:<dw$} {:<tw$}",
                    reading.day.to_string(),
                    time_of(reading)
                )?;
            }
            writeln!(f, " {what}")?;
        }
        let gaps = self.gaps().count();
        let overlaps = self.rows.iter().filter(|r| r.is_overlap()).count();
        let uncovered = self.uncovered().count();
        writeln!(
            f,
            "{gaps} gap(s), {uncovered} not covered by a gap rule; {overlaps} overlap(s)"
        )?;
        for note in &self.notes {
            writeln!(f, "note: {note}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn spans_cut_at_every_cutoff_to_the_second() {
        let rules = crate::Rules::default_rules().unwrap();
        let clock = &rules.agreement().unwrap().plan.clocks[0];
        let shown: Vec<String> = (0..clock.spans())
            .map(|s| super::span_of(clock, s, s).to_string())
            .collect();
        assert_eq!(
            shown,
            [
                "00:00:00-19:59:59",
                "20:00:00",
                "20:00:01-23:58:59",
                "23:59:00",
                "23:59:01-23:59:59"
            ]
        );
    }
}
