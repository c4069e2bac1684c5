//! Static coverage analysis of a notice clause: where no clause applies, and where several do.
//!
//! The space of events is split into cells: method, whether the fax went to a designated
//! number, whether the day is a Business Day, and the time of day, cut at every time the
//! rules compare against (to the second: each cut-off is a cell of its own, and so is each
//! interval between). Every clause is tested against each cell, symbolically, without
//! evaluating any event; a cell no clause covers is a gap (with the gap rule that fills it,
//! if any), and a cell two clauses cover is an overlap the combinator resolves.

use std::fmt;

use chrono::{NaiveTime, Timelike};
use serde::Serialize;

use crate::check::meets;
use crate::model::{Cond, RuleDef, Rules, ZoneSel};
use crate::syntax::ast::{DayKind, Subject};

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

/// One row of the coverage table: a set of cells with the same answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The method.
    pub method: String,
    /// Whether the fax went to a designated number: `yes`, `no` or `any`.
    pub designated_fax: &'static str,
    /// `business`, `non-business` or `any`.
    pub day: &'static str,
    /// The times of day.
    pub time: TimeSpan,
    /// The clauses that apply literally.
    pub clauses: Vec<String>,
    /// For a gap, the gap rule that fills it (`None`: nothing does).
    pub gap_rule: Option<String>,
}

impl Row {
    /// No clause applies.
    pub fn is_gap(&self) -> bool {
        self.clauses.is_empty()
    }

    /// Two or more clauses apply.
    pub fn is_overlap(&self) -> bool {
        self.clauses.len() > 1
    }
}

/// The coverage of a notice clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// The times of day the rules compare against.
    pub cutoffs: Vec<NaiveTime>,
    /// The table.
    pub rows: Vec<Row>,
    /// What the analysis could not decide statically.
    pub notes: Vec<String>,
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

/// A cell's answer: the clauses that apply and the gap rule that fills it.
type Answer = (Vec<String>, Option<String>);

fn second(t: NaiveTime) -> u32 {
    t.num_seconds_from_midnight()
}

fn at(s: u32) -> NaiveTime {
    NaiveTime::from_num_seconds_from_midnight_opt(s, 0).unwrap_or(NaiveTime::MIN)
}

/// The time spans between and at the cut-offs.
fn spans(cutoffs: &[NaiveTime]) -> Vec<TimeSpan> {
    let mut spans = Vec::new();
    let mut next = 0u32;
    for c in cutoffs {
        let c = second(*c);
        if c > next {
            spans.push(TimeSpan {
                from: at(next),
                to: at(c - 1),
            });
        }
        spans.push(TimeSpan {
            from: at(c),
            to: at(c),
        });
        next = c + 1;
    }
    if next <= 86_399 {
        spans.push(TimeSpan {
            from: at(next),
            to: at(86_399),
        });
    }
    spans
}

impl Rules {
    /// The coverage table of the agreement's notice clause.
    ///
    /// ```
    /// let rules = deemed::Rules::default_rules().unwrap();
    /// let coverage = rules.coverage().unwrap();
    /// assert!(coverage.gaps().any(|r| r.method == "fax" && r.time.to_string() == "20:00:00"));
    /// assert_eq!(coverage.uncovered().count(), 0);
    /// ```
    pub fn coverage(&self) -> Option<Coverage> {
        let a = self.agreement()?;
        let cutoffs = self.cutoffs();
        let (mut by_receipt, mut other_clock, mut own_calendar) =
            (Vec::new(), Vec::new(), Vec::new());
        let mut uses_designated_fax = false;
        for rule in a.notice.clauses.iter().chain(&a.notice.gaps) {
            let label = format!("`{}`", rule.label);
            for cond in &rule.conditions {
                match cond {
                    Cond::DesignatedFax => uses_designated_fax = true,
                    Cond::Instant {
                        subject, day, zone, ..
                    } => {
                        if *subject == Subject::Received && !by_receipt.contains(&label) {
                            by_receipt.push(label.clone());
                        }
                        if !matches!(zone, ZoneSel::Agreement) && !other_clock.contains(&label) {
                            other_clock.push(label.clone());
                        }
                        if day.as_ref().is_some_and(|(_, cal)| cal.is_some())
                            && !own_calendar.contains(&label)
                        {
                            own_calendar.push(label.clone());
                        }
                    }
                    Cond::Method { .. } => {}
                }
            }
        }
        let mut notes = Vec::new();
        if !by_receipt.is_empty() {
            notes.push(format!(
                "{} test the receipt; this table reads it as the sending",
                by_receipt.join(", ")
            ));
        }
        if !other_clock.is_empty() {
            notes.push(format!(
                "{} read another clock; this table reads times on that clock and days on the agreement's",
                other_clock.join(", ")
            ));
        }
        if !own_calendar.is_empty() {
            notes.push(format!(
                "{} name their own calendar; this table reads Business Days as one calendar",
                own_calendar.join(", ")
            ));
        }
        let without: Vec<String> = a
            .parties
            .iter()
            .filter(|p| p.faxes.is_empty())
            .map(|p| format!("`{}`", p.name))
            .collect();
        if uses_designated_fax && !without.is_empty() {
            notes.push(format!(
                "no designated facsimile number: {}; a fax to them is always in the `designated no` rows",
                without.join(", ")
            ));
        }
        let spans = spans(&cutoffs);
        let mut rows = Vec::new();
        for (m, method) in a.methods.iter().enumerate() {
            // answers[designated][business][span]
            let mut answers: Vec<Vec<Vec<Answer>>> = Vec::new();
            for designated in [true, false] {
                let mut by_day = Vec::new();
                for business in [true, false] {
                    let answers_for_spans = spans
                        .iter()
                        .map(|span| {
                            let cell = Cell {
                                method: m,
                                designated,
                                business,
                                time: span.from,
                            };
                            let clauses: Vec<String> = a
                                .notice
                                .clauses
                                .iter()
                                .filter(|r| cell.applies(r))
                                .map(|r| r.label.to_string())
                                .collect();
                            let gap = if clauses.is_empty() {
                                a.notice
                                    .gaps
                                    .iter()
                                    .find(|r| cell.applies(r))
                                    .map(|r| r.label.to_string())
                            } else {
                                None
                            };
                            (clauses, gap)
                        })
                        .collect();
                    by_day.push(answers_for_spans);
                }
                answers.push(by_day);
            }
            let same_fax = answers.first() == answers.get(1);
            let fax_labels: &[(&'static str, usize)] = if same_fax {
                &[("any", 0)]
            } else {
                &[("yes", 0), ("no", 1)]
            };
            for (fax_label, fi) in fax_labels {
                let Some(by_day) = answers.get(*fi) else {
                    continue;
                };
                let same_day = by_day.first() == by_day.get(1);
                let day_labels: &[(&'static str, usize)] = if same_day {
                    &[("any", 0)]
                } else {
                    &[("business", 0), ("non-business", 1)]
                };
                for (day_label, di) in day_labels {
                    let Some(row_answers) = by_day.get(*di) else {
                        continue;
                    };
                    // Merge neighbouring spans with the same answer.
                    let mut current: Option<(TimeSpan, &Answer)> = None;
                    for (span, answer) in spans.iter().zip(row_answers) {
                        current = match current {
                            Some((s, ans)) if ans == answer => Some((
                                TimeSpan {
                                    from: s.from,
                                    to: span.to,
                                },
                                ans,
                            )),
                            Some((s, ans)) => {
                                rows.push(row(&method.name, fax_label, day_label, s, ans));
                                Some((*span, answer))
                            }
                            None => Some((*span, answer)),
                        };
                    }
                    if let Some((s, ans)) = current {
                        rows.push(row(&method.name, fax_label, day_label, s, ans));
                    }
                }
            }
        }
        Some(Coverage {
            cutoffs,
            rows,
            notes,
        })
    }
}

fn row(method: &str, fax: &'static str, day: &'static str, time: TimeSpan, answer: &Answer) -> Row {
    Row {
        method: method.to_string(),
        designated_fax: fax,
        day,
        time,
        clauses: answer.0.clone(),
        gap_rule: answer.1.clone(),
    }
}

/// One cell of the space.
struct Cell {
    method: usize,
    designated: bool,
    business: bool,
    time: NaiveTime,
}

impl Cell {
    /// Whether every condition of a rule holds in this cell.
    fn applies(&self, rule: &RuleDef) -> bool {
        rule.conditions.iter().all(|c| match c {
            Cond::Method { methods, .. } => methods.contains(self.method),
            Cond::DesignatedFax => self.designated,
            Cond::Instant { bounds, day, .. } => {
                bounds.iter().all(|(cmp, b)| meets(self.time, *cmp, *b))
                    && match day {
                        None => true,
                        Some((DayKind::BusinessDay, _)) => self.business,
                        Some((DayKind::NonBusinessDay, _)) => !self.business,
                        Some((DayKind::AnyDay, _)) => true,
                    }
            }
        })
    }
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cutoffs: Vec<String> = self
            .cutoffs
            .iter()
            .map(|c| c.format("%H:%M:%S").to_string())
            .collect();
        writeln!(f, "cut-offs: {}", cutoffs.join(", "))?;
        writeln!(
            f,
            "{:<8} {:<10} {:<13} {:<18} clauses",
            "method", "designated", "day", "time"
        )?;
        for r in &self.rows {
            let what = if r.is_gap() {
                match &r.gap_rule {
                    Some(g) => format!("GAP, filled by gap rule `{g}`"),
                    None => "GAP, not covered by any gap rule".to_string(),
                }
            } else if r.is_overlap() {
                format!("{} (overlap: the combinator decides)", r.clauses.join(", "))
            } else {
                r.clauses.join(", ")
            };
            writeln!(
                f,
                "{:<8} {:<10} {:<13} {:<18} {what}",
                r.method,
                r.designated_fax,
                r.day,
                r.time.to_string()
            )?;
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
    use super::*;

    #[test]
    fn spans_cut_at_every_cutoff_to_the_second() {
        let t = |h, m, s| NaiveTime::from_hms_opt(h, m, s).unwrap();
        let shown: Vec<String> = spans(&[t(20, 0, 0), t(23, 59, 0)])
            .iter()
            .map(|s| s.to_string())
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
        let edge: Vec<String> = spans(&[t(0, 0, 0)]).iter().map(|s| s.to_string()).collect();
        assert_eq!(edge, ["00:00:00", "00:00:01-23:59:59"]);
    }
}
