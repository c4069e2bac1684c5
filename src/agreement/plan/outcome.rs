//! Outcomes: what the deciding rule makes the deemed date, on the clock it reads, and how
//! the combinator picks among the clauses that apply.

use chrono::{DateTime, Days, FixedOffset, NaiveDate};
use chrono_tz::Tz;

use super::{Decision, Ends, Plan, RulePlan, subject_word};
use crate::agreement::Agreement;
use crate::answer::{Deemed, EvalError, Warning};
use crate::calendar::weekday_date;
use crate::syntax::ast::{Combinator, Outcome, Subject};

impl Plan {
    /// The zone a rule's outcome date is read on, for an event's recipient.
    pub(crate) fn outcome_zone(
        &self,
        agreement: &Agreement,
        rule: &RulePlan,
        ends: Ends<'_>,
    ) -> Tz {
        match rule.outcome_clock.and_then(|n| self.clocks.get(n)) {
            Some(clock) => self.zone_of(agreement, clock, ends),
            None => agreement.tz,
        }
    }

    /// What a rule's outcome makes the deemed date of an event: the date on the clock the
    /// rule reads, stepped on the agreement's calendar, taking effect at its first instant
    /// on that clock but never before the instant it runs from. With `words`, the reading
    /// and the days stepped over, for the trace.
    pub(crate) fn deem(
        &self,
        agreement: &Agreement,
        rule: &RulePlan,
        ends: Ends<'_>,
        sent: Option<DateTime<FixedOffset>>,
        received: Option<DateTime<FixedOffset>>,
        words: bool,
    ) -> Result<Deemed, EvalError> {
        let reason = rule.reason.clone();
        let cal = rule
            .outcome_calendar
            .as_ref()
            .unwrap_or(&agreement.calendar);
        let tz = self.outcome_zone(agreement, rule, ends);
        let clock = crate::clock::Clock::new(tz);
        let anchor_of = |s: Subject| match s {
            Subject::Sent => sent,
            Subject::Received => received,
        };
        let Some(subject) = runs_from(rule.outcome) else {
            return Ok(Deemed::NoEffect {
                reason: reason.unwrap_or_default(),
            });
        };
        let anchor = anchor_of(subject);
        let Some(anchor) = anchor else {
            if subject == Subject::Sent {
                // `Resolved::needs_sent` turns such an event away before it is deemed.
                return Err(EvalError::NoInstant);
            }
            return Ok(Deemed::AwaitingReceipt);
        };
        let anchor = clock.show(anchor);
        let from = anchor.date_naive();
        let mut skipped = Vec::new();
        let date = match rule.outcome {
            Outcome::UponReceipt | Outcome::SameDay(_) => {
                // The calendar must cover the date, as for any other outcome.
                cal.is_business_day(from)?;
                from
            }
            Outcome::BusinessDaysAfter(n, _) if words => {
                let (date, days) = cal.add_business_days(from, n)?;
                skipped = days;
                date
            }
            Outcome::BusinessDaysAfter(n, _) => cal.nth_business_day_after(from, n)?,
            Outcome::NoEffect => {
                return Ok(Deemed::NoEffect {
                    reason: reason.unwrap_or_default(),
                });
            }
            Outcome::DaysAfter(n, _) => {
                let date = from
                    .checked_add_days(Days::new(u64::from(n)))
                    .ok_or_else(|| EvalError::Calendar(cal.out_of_range(from)))?;
                cal.is_business_day(date)?;
                date
            }
        };
        // Never before the instant it runs from: on that instant's own date, the instant;
        // on a later date, the date's first instant.
        let effective_at = if date <= from {
            anchor
        } else {
            clock
                .start_of_day(date)
                .ok_or_else(|| EvalError::Calendar(cal.out_of_range(date)))?
                .max(anchor)
        };
        let reading = if words {
            reading(rule.outcome, subject, from, date, effective_at)
        } else {
            String::new()
        };
        Ok(Deemed::Date {
            deemed_date: date,
            effective_at,
            reading,
            skipped,
        })
    }

    /// The rule (at its place among the clauses then the gap rules) whose `no-effect`
    /// outcome decides, by what [`Plan::pick`] makes of a decision: the gap rule; under
    /// `first-of` the first clause that applies; else when every clause that applies has
    /// one (a clause that gives a date or waits on a receipt is picked before it).
    pub(crate) fn no_effect_decides(&self, decision: &Decision) -> Option<usize> {
        let no_effect = |n: &usize| {
            self.rule(*n)
                .is_some_and(|r| r.outcome == Outcome::NoEffect)
        };
        let Some(&first) = decision.applies.first() else {
            let n = self.clauses + decision.gap?;
            return no_effect(&n).then_some(n);
        };
        let decides = match self.combinator {
            Combinator::FirstOf => no_effect(&first),
            _ => decision.applies.iter().all(no_effect),
        };
        decides.then_some(first)
    }

    /// The deciding clause among those that apply, given their outcomes in the order
    /// written, under the combinator; with the warnings picking adds (a receipt not
    /// recorded that might decide earlier). `None` when none applies.
    pub(crate) fn pick(
        &self,
        outcomes: impl IntoIterator<Item = (usize, Deemed)>,
        warnings: &mut Vec<Warning>,
        label: impl Fn(usize) -> String,
    ) -> Option<(usize, Deemed)> {
        let mut first: Option<(usize, bool)> = None;
        let mut best: Option<(usize, Deemed)> = None;
        let mut pending = Vec::new();
        let mut first_pending: Option<Deemed> = None;
        let mut no_effect: Option<(usize, Deemed)> = None;
        for (n, deemed) in outcomes {
            if matches!(deemed, Deemed::NoEffect { .. }) {
                // Decides only when no clause that applies gives a date or waits on one;
                // under first-of, when it is the first written.
                if first.is_none() && self.combinator == Combinator::FirstOf {
                    return Some((n, deemed));
                }
                no_effect.get_or_insert((n, deemed));
                continue;
            }
            let Some(at) = deemed.instant() else {
                first.get_or_insert((n, true));
                if first_pending.is_none() {
                    first_pending = Some(deemed.clone());
                }
                if deemed == Deemed::AwaitingReceipt {
                    pending.push(n);
                }
                continue;
            };
            let is_first = first.is_none();
            first.get_or_insert((n, false));
            let better = match (&best, self.combinator) {
                (None, Combinator::FirstOf) => is_first,
                (None, _) => true,
                (Some(_), Combinator::FirstOf) => false,
                // Ties go to the clause written first.
                (Some((_, b)), Combinator::EarliestOf) => b.instant().is_some_and(|b| at < b),
                (Some((_, b)), Combinator::LatestOf) => b.instant().is_some_and(|b| at > b),
            };
            if better {
                best = Some((n, deemed));
            }
        }
        let Some((first, first_is_pending)) = first else {
            return no_effect;
        };
        let waiting = || first_pending.clone().unwrap_or(Deemed::AwaitingReceipt);
        if self.combinator == Combinator::FirstOf && first_is_pending {
            return Some((first, waiting()));
        }
        let Some(best) = best else {
            return Some((first, waiting()));
        };
        if self.combinator == Combinator::EarliestOf {
            for n in pending {
                let w = Warning::ReceiptCouldBeEarlier { rule: label(n) };
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
        }
        Some(best)
    }
}

/// The words of an outcome's reading, for the trace.
fn reading(
    outcome: Outcome,
    subject: Subject,
    from: NaiveDate,
    date: NaiveDate,
    effective_at: DateTime<FixedOffset>,
) -> String {
    let word = subject_word(subject);
    match outcome {
        Outcome::UponReceipt => format!("upon actual receipt at {}", effective_at.to_rfc3339()),
        Outcome::SameDay(_) => format!("the date it was {word}, {}", weekday_date(date)),
        Outcome::BusinessDaysAfter(n, _) => {
            let what = if n == 1 {
                "the next business day".to_string()
            } else {
                format!("{n} business days")
            };
            format!(
                "{what} after {} ({word}) is {}",
                weekday_date(from),
                weekday_date(date)
            )
        }
        Outcome::DaysAfter(n, _) => format!(
            "{n} days after {} ({word}) is {}",
            weekday_date(from),
            weekday_date(date)
        ),
        Outcome::NoEffect => String::new(),
    }
}

/// The instant an outcome runs from; `None` for `no-effect`, which runs from none.
pub(crate) fn runs_from(outcome: Outcome) -> Option<Subject> {
    match outcome {
        Outcome::UponReceipt => Some(Subject::Received),
        Outcome::SameDay(s) | Outcome::BusinessDaysAfter(_, s) | Outcome::DaysAfter(_, s) => {
            Some(s)
        }
        Outcome::NoEffect => None,
    }
}
