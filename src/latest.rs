//! The latest instant a notice can be sent and still be deemed given by a deadline.
//!
//! The rules need not be monotone: under a literal reading a Saturday-morning fax can fall
//! into a gap and resolve earlier than a Friday-evening one. So the search does not bisect:
//! it walks back from the deadline over the instants where an event's cell in the compiled
//! plan can change (see `crate::agreement::plan`): on every clock the rules read (the agreement's, a
//! named zone, the recipient's), each cut-off, the second before it and the last second of
//! each day, and the second before and at each change of a clock's offset. Between two such
//! instants every event has the same cell, so the same rule decides, and its notice takes
//! effect no earlier for a later sending: the latest second of each stretch is the only one
//! to try. Each is evaluated by the real rules. Only a clause that applies literally counts;
//! a later instant that only a gap rule would allow is reported apart.

use chrono::{DateTime, Days, Duration, FixedOffset, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::agreement::Rules;
use crate::answer::{EvalError, Status};
use crate::eval::Event;
use crate::syntax::ast::Subject;

/// How many days before the deadline the search looks; holidays and weekends never string
/// together for longer.
const DAYS_BACK: u64 = 31;

/// The answer for one method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Latest {
    /// The method.
    pub method: String,
    /// The latest instant to send by it, under a clause that applies literally; for a
    /// clause that runs from receipt, the latest instant to be received (see `latest_is`).
    #[serde(with = "crate::time::instant::opt")]
    pub latest: Option<DateTime<FixedOffset>>,
    /// What `latest` is the latest instant of: `sent`, or `received` when the deciding clause
    /// runs from receipt (its sending must leave time to arrive).
    pub latest_is: Option<&'static str>,
    /// That clause.
    pub clause: Option<std::sync::Arc<str>>,
    /// The deemed date of a notice sent at `latest`.
    pub deemed_date: Option<NaiveDate>,
    /// The recipient's designated facsimile number the answer assumes it is sent to.
    pub fax_number: Option<String>,
    /// A later instant that only a gap rule would allow (never the answer).
    #[serde(with = "crate::time::instant::opt")]
    pub latest_by_gap: Option<DateTime<FixedOffset>>,
    /// What the reader must know: receipt deadlines, assumptions, gap readings.
    pub note: Option<String>,
}

/// The answers for every method the rules know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LatestSend {
    /// The deadline.
    #[serde(with = "crate::time::instant")]
    pub by: DateTime<FixedOffset>,
    /// How the deadline was found, when not simply the instant given (a period's last
    /// instant, an agreement's `deadline-roll`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// One answer per method, in the order the rules declare them.
    pub methods: Vec<Latest>,
    /// What the answers assume and the reader must know (no recipient given, so the
    /// designated facsimile number condition was not checked), as `when-effective` warns.
    pub warnings: Vec<String>,
}

impl Rules {
    /// For every method, the latest instant to send a notice to `to` so that it is deemed
    /// given no later than `by`. A notice is taken to be received the moment it is sent (a
    /// receipt can be no earlier) and, when `to` has a designated facsimile number, to go to
    /// it.
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
        let agreement = self.agreement_or_error()?;
        let party = match to {
            Some(name) => {
                let n = agreement.party_index(name).map_err(EvalError::Unknown)?;
                agreement.parties.get(n)
            }
            None => None,
        };
        // The recipient's first number in force at an instant (its numbers may be dated).
        let tz = agreement.tz;
        let number_at = |t: DateTime<FixedOffset>| -> Option<String> {
            party.and_then(|p| p.numbers_at(Some(t), tz).into_iter().next())
        };
        let candidates = self.candidates(by, party);
        let mut methods = Vec::new();
        let mut warnings: Vec<String> = Vec::new();
        for method in agreement.method_names() {
            let event = |sent: DateTime<FixedOffset>| Event {
                method: method.to_string(),
                sent: Some(sent),
                from: None,
                // Received the moment it is sent: a receipt can be no earlier, so a rule
                // that runs from receipt is given its best case.
                received: Some(sent),
                to: to.map(str::to_string),
                fax_number: number_at(sent),
                companions: Vec::new(),
                designation: None,
            };
            let (literal, by_gap) = self.latest_of(&candidates, &event, by)?;
            let from_receipt = |label: &str| reads_receipt(agreement, label);
            let mut note = None;
            let mut latest_is = None;
            if let Some((_, r)) = &literal {
                for w in &r.warnings {
                    let w = w.to_string();
                    if !warnings.contains(&w) {
                        warnings.push(w);
                    }
                }
                latest_is = Some("sent");
                match r.clause.as_deref().and_then(from_receipt) {
                    Some((Some(Subject::Received), _)) => latest_is = Some("received"),
                    Some((_, true)) => {
                        note = Some(
                            "its conditions read the receipt, taken to be at the sending: allow for the time it takes to arrive".to_string(),
                        )
                    }
                    _ => {}
                }
            }
            let (latest, clause, deemed_date) = match literal {
                Some((t, r)) => (Some(t), r.clause, r.deemed_date),
                None => (None, None, None),
            };
            let latest_by_gap = by_gap.filter(|g| latest.is_none_or(|l| *g > l));
            if let Some(g) = latest_by_gap {
                note = Some(format!(
                    "a gap reading would allow sending as late as {} (if received at once); no clause applies literally there, so it is not the answer",
                    g.to_rfc3339()
                ));
            }
            methods.push(Latest {
                method: method.to_string(),
                latest,
                latest_is,
                clause,
                deemed_date,
                fax_number: number_at(latest.unwrap_or(by)),
                latest_by_gap,
                note,
            });
        }
        Ok(LatestSend {
            by,
            deadline: None,
            methods,
            warnings,
        })
    }

    /// Among the candidate sendings (latest first), the latest deemed given by `by` under a
    /// clause, and the latest under a gap rule.
    fn latest_of(
        &self,
        candidates: &[DateTime<FixedOffset>],
        event: &dyn Fn(DateTime<FixedOffset>) -> Event,
        by: DateTime<FixedOffset>,
    ) -> Result<Found, EvalError> {
        let mut by_gap = None;
        for t in candidates {
            let r = match self.evaluate_with(&event(*t), false) {
                Ok(r) => r,
                Err(EvalError::Calendar(_)) => break,
                Err(e) => return Err(e),
            };
            if r.effective_at.is_none_or(|at| at > by) {
                continue;
            }
            match r.status {
                Status::Effective => return Ok((Some((*t, r)), by_gap)),
                Status::Gap if by_gap.is_none() => by_gap = Some(*t),
                _ => {}
            }
        }
        Ok((None, by_gap))
    }

    /// The instants to try, latest first, none after `by` (the first): where a cell of the
    /// plan ends, on every clock the rules read, from the deadline back [`DAYS_BACK`] days.
    fn candidates(
        &self,
        by: DateTime<FixedOffset>,
        party: Option<&crate::agreement::PartyDef>,
    ) -> Vec<DateTime<FixedOffset>> {
        let Some(agreement) = self.agreement() else {
            return Vec::new();
        };
        let plan = &agreement.plan;
        // Every zone a clock reads, with its cut-offs; the agreement's always, for the
        // outcomes' days. A receipt is the sending here, so its clocks count alike.
        let mut zones: Vec<(Tz, Vec<NaiveTime>)> = vec![(agreement.tz, Vec::new())];
        for clock in &plan.clocks {
            let tz = plan.zone_of(agreement, clock, crate::agreement::plan::Ends::to(party));
            match zones.iter_mut().find(|(z, _)| *z == tz) {
                Some((_, cutoffs)) => cutoffs.extend(&clock.cutoffs),
                None => zones.push((tz, clock.cutoffs.clone())),
            }
        }
        let mut out = vec![by];
        let second = Duration::seconds(1);
        let from = by - Duration::days(DAYS_BACK as i64 + 2);
        for (tz, cutoffs) in &zones {
            let last_day = by.with_timezone(tz).date_naive();
            for back in 0..=DAYS_BACK + 1 {
                let Some(day) = last_day.checked_sub_days(Days::new(back)) else {
                    break;
                };
                let next = day.succ_opt();
                let bounds = cutoffs
                    .iter()
                    .map(|c| day.and_time(*c))
                    .chain(next.map(|d| d.and_time(NaiveTime::MIN)));
                for local in bounds {
                    // Each instant showing the bound (two in a night the clocks go back),
                    // and the second before it; a bound the clocks skip is met at the
                    // change of offset, below.
                    for t in tz
                        .from_local_datetime(&local)
                        .earliest()
                        .into_iter()
                        .chain(tz.from_local_datetime(&local).latest())
                    {
                        out.push(t.fixed_offset());
                        out.push((t - second).fixed_offset());
                    }
                }
            }
            for t in offset_changes(*tz, from, by) {
                out.push(t.fixed_offset());
                out.push((t - second).fixed_offset());
            }
        }
        // Where a dated number comes into or goes out of force at an instant, whether the
        // number is designated changes there (a dated day changes with the days above).
        if let Some(p) = party {
            for f in &p.faxes {
                for when in [f.from, f.until].into_iter().flatten() {
                    if let crate::syntax::ast::When::Instant(t) = when {
                        out.extend([t, t - second, t + second]);
                    }
                }
            }
        }
        out.retain(|t| *t <= by);
        out.sort_by(|a, b| b.cmp(a));
        out.dedup();
        out
    }
}

/// The instants in `[from, to]` at which a zone's offset changes.
fn offset_changes(
    tz: Tz,
    from: DateTime<FixedOffset>,
    to: DateTime<FixedOffset>,
) -> Vec<DateTime<Tz>> {
    let offset = |t: i64| {
        Utc.timestamp_opt(t, 0)
            .single()
            .map(|u| u.with_timezone(&tz).offset().fix().local_minus_utc())
    };
    let mut changes = Vec::new();
    let (mut t, end) = (from.timestamp(), to.timestamp());
    // Offsets change at most a few times a year, and never twice within an hour.
    while t < end {
        let step = (t + 3600).min(end);
        if offset(t) != offset(step) {
            // The first second of the new offset.
            let (mut lo, mut hi) = (t, step);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset(mid) == offset(t) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            if let Some(at) = Utc.timestamp_opt(hi, 0).single() {
                changes.push(at.with_timezone(&tz));
            }
        }
        t = step;
    }
    changes
}

impl std::fmt::Display for LatestSend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "to be deemed given by {}:", self.by.to_rfc3339())?;
        if let Some(how) = &self.deadline {
            writeln!(f, "  (deadline: {how})")?;
        }
        // The methods' column is as wide as the longest name.
        let width = self
            .methods
            .iter()
            .map(|m| m.method.chars().count())
            .max()
            .unwrap_or(0)
            .max(8);
        for m in &self.methods {
            match (&m.latest, &m.clause, &m.deemed_date) {
                (Some(t), Some(c), Some(d)) => writeln!(
                    f,
                    "  {:<width$} {} by {} (clause {c}; deemed given {})",
                    m.method,
                    match m.latest_is {
                        Some("received") => "must be received",
                        _ => "send",
                    },
                    t.to_rfc3339(),
                    crate::calendar::weekday_date(*d)
                )?,
                _ => writeln!(
                    f,
                    "  {:<width$} no instant before the deadline works under a clause that applies literally",
                    m.method
                )?,
            }
            if let Some(note) = &m.note {
                writeln!(f, "  {:<width$} note: {note}", "")?;
            }
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        Ok(())
    }
}

/// The latest sending deemed given in time under a clause (with its resolution), and the
/// latest under a gap rule.
type Found = (
    Option<(DateTime<FixedOffset>, crate::answer::Resolution)>,
    Option<DateTime<FixedOffset>>,
);

/// What the clause labelled `label` runs from, and whether its conditions read the receipt.
fn reads_receipt(
    agreement: &crate::agreement::Agreement,
    label: &str,
) -> Option<(Option<Subject>, bool)> {
    let notice = &agreement.notice;
    let n = notice.clauses.iter().position(|r| *r.label == *label)?;
    let rule = agreement.plan.rule(n)?;
    let reads = rule.conds.iter().any(|c| {
        matches!(c, crate::agreement::plan::CondPlan::Instant { clock, .. }
            if agreement.plan.clocks.get(*clock).is_some_and(|k| k.subject == Subject::Received))
    });
    Some((crate::agreement::plan::runs_from(rule.outcome), reads))
}
