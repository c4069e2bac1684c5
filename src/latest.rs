//! The latest instant a notice can be sent and still be deemed given by a deadline.
//!
//! The rules need not be monotone: under a literal reading a Saturday-morning fax can fall
//! into a gap and resolve earlier than a Friday-evening one. So the search does not bisect:
//! it walks back a day at a time from the deadline, and within each day tries the latest
//! second of each interval between the cut-offs the rules mention (and each cut-off itself),
//! evaluating the real rules at each. Only a clause that applies literally counts; a later
//! instant that only a gap rule would allow is reported apart.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveTime, TimeZone};
use serde::Serialize;

use crate::eval::{EvalError, Event, Status};
use crate::model::{Cond, Rules};
use crate::syntax::ast::Outcome;

/// How many days before the deadline the search looks; holidays and weekends never string
/// together for longer.
const DAYS_BACK: u64 = 31;

/// The answer for one method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Latest {
    /// The method.
    pub method: String,
    /// The latest instant to send by it, under a clause that applies literally.
    pub latest: Option<DateTime<FixedOffset>>,
    /// That clause.
    pub clause: Option<std::sync::Arc<str>>,
    /// The deemed date of a notice sent at `latest`.
    pub deemed_date: Option<NaiveDate>,
    /// A later instant that only a gap rule would allow (never the answer).
    pub latest_by_gap: Option<DateTime<FixedOffset>>,
    /// What the reader must know: receipt deadlines, assumptions, gap readings.
    pub note: Option<String>,
}

/// The answers for every method the rules know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LatestSend {
    /// The deadline.
    pub by: DateTime<FixedOffset>,
    /// One answer per method, in the order the rules declare them.
    pub methods: Vec<Latest>,
}

impl Rules {
    /// For every method, the latest instant to send a notice to `to` so that it is deemed
    /// given no later than `by`.
    ///
    /// ```
    /// let rules = deemed::Rules::default_rules().unwrap();
    /// let by = chrono::DateTime::parse_from_rfc3339("2005-02-26T00:00:00-05:00").unwrap();
    /// let answer = rules.latest_send(by, Some("company")).unwrap();
    /// let fax = &answer.methods[0];
    /// // Clause i: by 7:59:59 p.m. on Friday, February 25, 2005.
    /// assert_eq!(fax.latest.unwrap().to_rfc3339(), "2005-02-25T19:59:59-05:00");
    /// ```
    pub fn latest_send(
        &self,
        by: DateTime<FixedOffset>,
        to: Option<&str>,
    ) -> Result<LatestSend, EvalError> {
        let agreement = self.agreement().ok_or_else(|| EvalError::NoAgreement {
            origin: self.origin.clone(),
        })?;
        if let Some(name) = to {
            agreement.party_index(name).map_err(EvalError::Unknown)?;
        }
        let tz = agreement.time_zone();
        let fax_number = to
            .and_then(|p| agreement.party_faxes(p))
            .and_then(|faxes| faxes.first().map(|f| f.to_string()));
        let cutoffs = self.cutoffs();
        let by_local = by.with_timezone(&tz).date_naive();
        let mut methods = Vec::new();
        for method in agreement.method_names() {
            let event = |sent: DateTime<FixedOffset>, received| Event {
                method: method.to_string(),
                sent,
                received,
                to: to.map(str::to_string),
                fax_number: if method == "fax" {
                    fax_number.clone()
                } else {
                    None
                },
            };
            // A method effective upon receipt: the deadline itself, if received by then.
            let at_deadline = self.evaluate_with(&event(by, Some(by)), false)?;
            let by_receipt = at_deadline.status == Status::Effective
                && at_deadline.clause.as_deref().is_some_and(|c| {
                    agreement
                        .notice
                        .clauses
                        .iter()
                        .any(|r| *r.label == *c && r.outcome == Outcome::UponReceipt)
                });
            if by_receipt {
                methods.push(Latest {
                    method: method.to_string(),
                    latest: Some(by),
                    clause: at_deadline.clause,
                    deemed_date: Some(by_local),
                    latest_by_gap: None,
                    note: Some(format!(
                        "effective upon actual receipt: it must be received by {}",
                        by.to_rfc3339()
                    )),
                });
                continue;
            }
            let mut literal = None;
            let mut by_gap = None;
            'days: for back in 0..=DAYS_BACK {
                let Some(day) = by_local.checked_sub_days(Days::new(back)) else {
                    break;
                };
                // On the deadline's own day, the deadline itself is the latest try.
                let first = (back == 0).then_some(by);
                for t in first.into_iter().chain(candidates(day, &cutoffs, tz)) {
                    if t > by {
                        continue;
                    }
                    // Received the moment it is sent: a receipt can be no earlier, so a rule
                    // that runs from receipt is given its best case.
                    let r = match self.evaluate_with(&event(t, Some(t)), false) {
                        Ok(r) => r,
                        Err(EvalError::Calendar(_)) => break 'days,
                        Err(e) => return Err(e),
                    };
                    let in_time = r.effective_at.is_some_and(|at| at <= by);
                    if !in_time {
                        continue;
                    }
                    match r.status {
                        Status::Effective => {
                            literal = Some((t, r));
                            break 'days;
                        }
                        Status::Gap if by_gap.is_none() => by_gap = Some(t),
                        _ => {}
                    }
                }
            }
            let (latest, clause, deemed_date) = match literal {
                Some((t, r)) => (Some(t), r.clause, r.deemed_date),
                None => (None, None, None),
            };
            let latest_by_gap = by_gap.filter(|g| latest.is_none_or(|l| *g > l));
            let note = latest_by_gap.map(|g| {
                format!(
                    "a gap reading would allow sending as late as {} (if received at once); no clause applies literally there, so it is not the answer",
                    g.to_rfc3339()
                )
            });
            methods.push(Latest {
                method: method.to_string(),
                latest,
                clause,
                deemed_date,
                latest_by_gap,
                note,
            });
        }
        Ok(LatestSend { by, methods })
    }

    /// Every time of day the rules' conditions compare against, sorted.
    pub(crate) fn cutoffs(&self) -> Vec<NaiveTime> {
        let mut times = Vec::new();
        if let Some(a) = self.agreement() {
            for rule in a.notice.clauses.iter().chain(&a.notice.gaps) {
                for cond in &rule.conditions {
                    if let Cond::Instant { bounds, .. } = cond {
                        times.extend(bounds.iter().map(|(_, t)| *t));
                    }
                }
            }
        }
        times.sort();
        times.dedup();
        times
    }
}

/// The instants to try on `day`, latest first: the last second of the day, and around
/// each cut-off the cut-off itself and the second before it.
fn candidates(
    day: NaiveDate,
    cutoffs: &[NaiveTime],
    tz: chrono_tz::Tz,
) -> Vec<DateTime<FixedOffset>> {
    let mut times = vec![NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN)];
    for c in cutoffs {
        times.push(*c);
        let (before, _) = c.overflowing_sub_signed(chrono::Duration::seconds(1));
        if before < *c {
            times.push(before);
        }
    }
    times.sort();
    times.dedup();
    times
        .iter()
        .rev()
        .filter_map(|t| tz.from_local_datetime(&day.and_time(*t)).latest())
        .map(|t| t.fixed_offset())
        .collect()
}

impl std::fmt::Display for LatestSend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "to be deemed given by {}:", self.by.to_rfc3339())?;
        for m in &self.methods {
            match (&m.latest, &m.clause, &m.deemed_date) {
                (Some(t), Some(c), Some(d)) => writeln!(
                    f,
                    "  {:<8} send by {} (clause {c}; deemed given {})",
                    m.method,
                    t.to_rfc3339(),
                    crate::calendar::weekday_date(*d)
                )?,
                _ => writeln!(
                    f,
                    "  {:<8} no instant before the deadline works under a clause that applies literally",
                    m.method
                )?,
            }
            if let Some(note) = &m.note {
                writeln!(f, "  {:<8} note: {note}", "")?;
            }
        }
        Ok(())
    }
}
