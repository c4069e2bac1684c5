//! Periods: windows of time that run from an anchor event, such as the warrants' five years.
//!
//! A period is data in the rule language (`period` in an agreement). Its end is found by
//! calendar arithmetic on the anchor's date; a date that does not exist (February 29 plus a
//! year) is resolved by the policy the rules declare, and is an error, asking the author to
//! choose, when they declare none; an end that is not a Business Day rolls as declared.

use std::fmt;

use chrono::{DateTime, Datelike, Days, FixedOffset, Months, NaiveDate, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;

use crate::agreement::{Agreement, PeriodDef, Rules};
use crate::answer::UnknownName;
use crate::calendar::{Calendar, OutOfRange, weekday_date};
use crate::syntax::ast::{Length, Nonexistent, PeriodUnit, Roll};

/// A period worked out for one anchor date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    /// The period's name.
    pub window: String,
    /// The first day inside the window (agreement time zone); `None` for a deadline, a
    /// period counted back from its anchor, which has no start.
    pub first_day: Option<NaiveDate>,
    /// The last day inside the window.
    pub last_day: NaiveDate,
    /// The first instant inside the window; `None` for a deadline.
    #[serde(with = "crate::time::instant::opt")]
    pub opens: Option<DateTime<FixedOffset>>,
    /// The first instant after the window.
    #[serde(with = "crate::time::instant")]
    pub closes: DateTime<FixedOffset>,
    /// The last instant inside it (to the second): the end of its last day, or the
    /// `closes-at` time of that day, on that time's zone.
    #[serde(with = "crate::time::instant")]
    pub due: DateTime<FixedOffset>,
    /// Whether the `--at` instant is inside, when one was given.
    pub inside: Option<bool>,
    /// The contract words, the reading encoded, and what the rules' policies did.
    pub reading: String,
}

/// A period that could not be worked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodError {
    /// No agreement, or no period of that name.
    Unknown(UnknownName),
    /// The rules file has no agreement.
    NoAgreement,
    /// The end falls on a date that does not exist and the rules declare no policy.
    Nonexistent {
        /// The period.
        period: String,
        /// The date asked for, as year, month and day.
        wanted: (i32, u32, u32),
    },
    /// A date outside the calendar's years.
    Calendar(OutOfRange),
    /// Periods that depend on each other (the checker refuses them; a guard).
    Cycle {
        /// The period reached again.
        period: String,
    },
}

impl fmt::Display for PeriodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeriodError::Unknown(u) => write!(f, "{u}"),
            PeriodError::NoAgreement => write!(f, "the rules have no agreement"),
            PeriodError::Nonexistent {
                period,
                wanted: (y, m, d),
            } => write!(
                f,
                "period `{period}` ends on {y:04}-{m:02}-{d:02}, which does not exist"
            ),
            PeriodError::Calendar(e) => write!(f, "{e}"),
            PeriodError::Cycle { period } => {
                write!(f, "period `{period}` depends on itself")
            }
        }
    }
}

impl PeriodError {
    /// What to do about it.
    pub fn help(&self) -> Option<String> {
        match self {
            PeriodError::Unknown(u) => Some(u.help()),
            PeriodError::Nonexistent { .. } => Some(
                "declare in the period what such a date means: `nonexistent round-down` (the last day of the month) or `nonexistent round-up` (the first day of the next)".into(),
            ),
            _ => None,
        }
    }
}

impl std::error::Error for PeriodError {}

impl From<OutOfRange> for PeriodError {
    fn from(e: OutOfRange) -> Self {
        PeriodError::Calendar(e)
    }
}

/// The date `months` months after `date`, or what the policy makes of one that does not
/// exist; `Err` with the wanted date when the policy is to refuse.
fn add_months(
    date: NaiveDate,
    months: i64,
    policy: Nonexistent,
) -> Result<(NaiveDate, Option<String>), (i32, u32, u32)> {
    let total = i64::from(date.year()) * 12 + i64::from(date.month0()) + months;
    let year = i32::try_from(total.div_euclid(12)).unwrap_or(i32::MAX);
    let month = u32::try_from(total.rem_euclid(12)).unwrap_or(0) + 1;
    if let Some(d) = NaiveDate::from_ymd_opt(year, month, date.day()) {
        return Ok((d, None));
    }
    let wanted = (year, month, date.day());
    let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or(wanted)?;
    let next_first = first.checked_add_months(Months::new(1)).ok_or(wanted)?;
    let (d, how) = match policy {
        Nonexistent::Error => return Err(wanted),
        Nonexistent::RoundDown => (next_first.pred_opt().ok_or(wanted)?, "rounded down"),
        Nonexistent::RoundUp => (next_first, "rounded up"),
    };
    let note = format!(
        "{:04}-{:02}-{:02} does not exist: {how} to {d}, as the rules declare",
        wanted.0, wanted.1, wanted.2
    );
    Ok((d, Some(note)))
}

/// Where a day that is not a Business Day rolls: the one place that says what a `roll`
/// (of a period's last day, or of a deadline by `deadline-roll`) means.
pub(crate) fn roll_date(
    cal: &crate::calendar::Calendar,
    day: NaiveDate,
    roll: Roll,
) -> Result<NaiveDate, OutOfRange> {
    if cal.is_business_day(day)? {
        return Ok(day);
    }
    Ok(match roll {
        Roll::None => day,
        Roll::Following => cal.nth_business_day_after(day, 1)?,
        Roll::Preceding => cal.business_day_before(day)?,
        Roll::ModifiedFollowing => {
            let next = cal.nth_business_day_after(day, 1)?;
            if next.month() == day.month() {
                next
            } else {
                cal.business_day_before(day)?
            }
        }
    })
}

/// A deadline: the instant a notice must be deemed given by, as the agreement reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// The instant asked for.
    #[serde(with = "crate::time::instant")]
    pub asked: DateTime<FixedOffset>,
    /// The deadline the answer uses.
    #[serde(with = "crate::time::instant")]
    pub by: DateTime<FixedOffset>,
    /// How `by` was found from what was asked, when it is not simply that instant.
    pub how: Option<String>,
}

impl Rules {
    /// A deadline given as an instant. When the agreement declares a `deadline-roll` and
    /// the instant's date on the agreement's clock is not a Business Day, the deadline moves
    /// to the same time of day on the day the roll gives, and says so.
    ///
    /// ```
    /// let rules = deemed::Rules::default_rules().unwrap();
    /// let by = chrono::DateTime::parse_from_rfc3339("2000-03-04T17:00:00-05:00").unwrap();
    /// // Section 4.2 declares no roll: the deadline is the instant asked for.
    /// assert_eq!(rules.deadline_at(by).unwrap().by, by);
    /// ```
    pub fn deadline_at(&self, asked: DateTime<FixedOffset>) -> Result<Deadline, PeriodError> {
        let agreement = self.agreement.as_ref().ok_or(PeriodError::NoAgreement)?;
        let plain = Deadline {
            asked,
            by: asked,
            how: None,
        };
        let Some((roll, words)) = &agreement.deadline_roll else {
            return Ok(plain);
        };
        let tz = agreement.time_zone();
        let local = asked.with_timezone(&tz).naive_local();
        let cal = agreement.calendar();
        let day = local.date();
        let rolled = roll_date(cal, day, *roll)?;
        if rolled == day {
            return Ok(plain);
        }
        let at = rolled.and_time(local.time());
        let by = tz
            .from_local_datetime(&at)
            .latest()
            .or_else(|| {
                tz.from_local_datetime(&(at + chrono::Duration::hours(1)))
                    .earliest()
            })
            .map(|t| t.fixed_offset())
            .ok_or_else(|| PeriodError::Calendar(cal.out_of_range(rolled)))?;
        let why: Vec<String> = cal.days_off(day)?.iter().map(|w| w.to_string()).collect();
        let how = format!(
            "{} is not a business day ({}): the deadline rolls to {}, as the agreement says: \"{words}\"",
            weekday_date(day),
            why.join("; "),
            by.to_rfc3339()
        );
        Ok(Deadline {
            asked,
            by,
            how: Some(how),
        })
    }

    /// The deadline a period sets for an anchor date: the last instant inside it.
    pub fn deadline_of(&self, period: &str, anchor: NaiveDate) -> Result<Deadline, PeriodError> {
        let w = self.window(period, anchor, None)?;
        Ok(Deadline {
            asked: w.due,
            by: w.due,
            how: Some(format!(
                "the last instant of period `{}` from {anchor}: {}",
                w.window, w.reading
            )),
        })
    }

    /// The names of the agreement's periods.
    pub fn period_names(&self) -> Vec<&str> {
        self.agreement
            .as_ref()
            .map(|a| a.periods.iter().map(|p| p.name.as_str()).collect())
            .unwrap_or_default()
    }

    /// The period `name` as it runs from `anchor`; with `at`, whether that instant is inside.
    ///
    /// ```
    /// let rules = deemed::Rules::default_rules().unwrap();
    /// let issued = chrono::NaiveDate::from_ymd_opt(2000, 2, 25).unwrap();
    /// let w = rules.window("warrant", issued, None).unwrap();
    /// assert_eq!(w.last_day.to_string(), "2005-02-25");
    /// ```
    pub fn window(
        &self,
        name: &str,
        anchor: NaiveDate,
        at: Option<DateTime<FixedOffset>>,
    ) -> Result<Window, PeriodError> {
        self.window_given(name, anchor, at, None)
    }

    /// [`Rules::window`], knowing when a notice was deemed given (`notice`): a period with
    /// `unless-notice-by` takes its other length when no notice is deemed given by that
    /// deadline (or none is given here), and says which it took. `anchor` is the date of the
    /// event the chain of periods runs from.
    pub fn window_given(
        &self,
        name: &str,
        anchor: NaiveDate,
        at: Option<DateTime<FixedOffset>>,
        notice: Option<DateTime<FixedOffset>>,
    ) -> Result<Window, PeriodError> {
        self.window_at_depth(name, anchor, at, notice, 0)
    }

    fn window_at_depth(
        &self,
        name: &str,
        root: NaiveDate,
        at: Option<DateTime<FixedOffset>>,
        notice: Option<DateTime<FixedOffset>>,
        depth: usize,
    ) -> Result<Window, PeriodError> {
        let agreement = self.agreement.as_ref().ok_or(PeriodError::NoAgreement)?;
        let period = period_named(agreement, name)?;
        let cal = agreement.calendar();
        let mut notes = Vec::new();
        // The checker refuses periods that depend on each other; the depth is a guard.
        let deeper = |other: &str| {
            if depth > agreement.periods.len() {
                return Err(PeriodError::Cycle {
                    period: name.to_string(),
                });
            }
            self.window_at_depth(other, root, None, notice, depth + 1)
        };
        let anchor = match &period.anchor_period {
            None => root,
            Some(other) => {
                let w = deeper(&other.node)?;
                notes.push(format!(
                    "it runs from the last day of period `{}`, {}",
                    w.window,
                    weekday_date(w.last_day)
                ));
                w.last_day
            }
        };
        cal.is_business_day(anchor)?;
        let length = match &period.unless_notice_by {
            None => period.length,
            Some((deadline, other, words)) => {
                let due = deeper(&deadline.node)?.due;
                let (met, note) = notice_by(notice, &deadline.node, due, words);
                notes.push(note);
                if met { period.length } else { *other }
            }
        };
        let before = length.before;
        // A period counted back from its anchor is a deadline: it has no start.
        let first_day = match (before, period.start_inclusive) {
            (true, _) => None,
            (false, true) => Some(anchor),
            (false, false) => Some(
                anchor
                    .checked_add_days(Days::new(1))
                    .ok_or_else(|| cal.out_of_range(anchor))?,
            ),
        };
        let end = end_of(cal, period, anchor, length, &mut notes)?;
        let last_day = last_day(cal, period, end, &mut notes)?;
        let tz = agreement.time_zone();
        let start = |d: NaiveDate| -> Result<DateTime<FixedOffset>, PeriodError> {
            (0..=23)
                .find_map(|h| {
                    d.and_hms_opt(h, 0, 0)
                        .and_then(|t| tz.from_local_datetime(&t).earliest())
                })
                .map(|t| t.fixed_offset())
                .ok_or_else(|| PeriodError::Calendar(cal.out_of_range(d)))
        };
        let opens = first_day.map(start).transpose()?;
        let (due, closes) = closing(cal, period, tz, last_day, &start, &mut notes)?;
        let mut reading = format!("\"{}\"", period.cite);
        if let Some(r) = &period.reading {
            reading.push_str(": ");
            reading.push_str(r);
        }
        for note in notes {
            reading.push_str("; ");
            reading.push_str(&note);
        }
        Ok(Window {
            window: period.name.clone(),
            first_day,
            last_day,
            opens,
            closes,
            due,
            inside: at.map(|t| opens.is_none_or(|o| o <= t) && t < closes),
            reading,
        })
    }
}

/// The period of that name.
fn period_named<'a>(agreement: &'a Agreement, name: &str) -> Result<&'a PeriodDef, PeriodError> {
    let periods = &agreement.periods;
    periods.iter().find(|p| p.name == name).ok_or_else(|| {
        PeriodError::Unknown(UnknownName {
            what: "period",
            name: name.to_string(),
            described: periods.iter().map(|p| p.cite.clone()).collect(),
            known: periods.iter().map(|p| p.name.clone()).collect(),
        })
    })
}

/// `unless-notice-by`: whether the notice was deemed given by `due`, the deadline of the
/// period `deadline`, and the note that says so.
fn notice_by(
    notice: Option<DateTime<FixedOffset>>,
    deadline: &str,
    due: DateTime<FixedOffset>,
    words: &str,
) -> (bool, String) {
    match notice {
        Some(t) if t <= due => (
            true,
            format!(
                "the notice was deemed given at {}, no later than the deadline of `{deadline}` ({})",
                t.to_rfc3339(),
                due.to_rfc3339()
            ),
        ),
        Some(t) => (
            false,
            format!(
                "the notice was deemed given at {}, after the deadline of `{deadline}` ({}): \"{words}\"",
                t.to_rfc3339(),
                due.to_rfc3339()
            ),
        ),
        None => (
            false,
            format!(
                "no notice is given as deemed given by the deadline of `{deadline}` ({}): \"{words}\"",
                due.to_rfc3339()
            ),
        ),
    }
}

/// The day a period of `length` from `anchor` ends on, before any roll.
fn end_of(
    cal: &Calendar,
    period: &PeriodDef,
    anchor: NaiveDate,
    length: Length,
    notes: &mut Vec<String>,
) -> Result<NaiveDate, PeriodError> {
    let before = length.before;
    let sign: i64 = if before { -1 } else { 1 };
    let nonexistent = |wanted| PeriodError::Nonexistent {
        period: period.name.clone(),
        wanted,
    };
    let end = match length.unit {
        PeriodUnit::Years => {
            let (d, note) = add_months(
                anchor,
                sign * i64::from(length.count) * 12,
                period.nonexistent,
            )
            .map_err(nonexistent)?;
            notes.extend(note);
            d
        }
        PeriodUnit::Months => {
            let (d, note) = add_months(anchor, sign * i64::from(length.count), period.nonexistent)
                .map_err(nonexistent)?;
            notes.extend(note);
            d
        }
        PeriodUnit::Days if before => anchor
            .checked_sub_days(Days::new(u64::from(length.count)))
            .ok_or_else(|| cal.out_of_range(anchor))?,
        PeriodUnit::Days => anchor
            .checked_add_days(Days::new(u64::from(length.count)))
            .ok_or_else(|| cal.out_of_range(anchor))?,
        PeriodUnit::BusinessDays if before => {
            let mut day = anchor;
            for _ in 0..length.count {
                day = cal.business_day_before(day)?;
            }
            day
        }
        PeriodUnit::BusinessDays => cal.nth_business_day_after(anchor, length.count)?,
    };
    Ok(end)
}

/// The period's last day: its end (or the day before, for an end not included), rolled
/// as the rules declare when it is not a business day.
fn last_day(
    cal: &Calendar,
    period: &PeriodDef,
    end: NaiveDate,
    notes: &mut Vec<String>,
) -> Result<NaiveDate, PeriodError> {
    let mut last_day = if period.end_inclusive {
        end
    } else {
        end.pred_opt().ok_or_else(|| cal.out_of_range(end))?
    };
    if !cal.is_business_day(last_day)? {
        let rolled = roll_date(cal, last_day, period.roll)?;
        let why: Vec<String> = cal
            .days_off(last_day)?
            .iter()
            .map(|w| w.to_string())
            .collect();
        if rolled == last_day {
            notes.push(format!(
                "the last day, {}, is not a business day ({}); the rules roll nothing",
                weekday_date(last_day),
                why.join("; ")
            ));
        } else {
            notes.push(format!(
                "the last day, {}, is not a business day ({}): rolled to {}, as the rules declare",
                weekday_date(last_day),
                why.join("; "),
                weekday_date(rolled)
            ));
        }
        last_day = rolled;
    }
    Ok(last_day)
}

/// When the period is due (its last instant) and when it closes (the instant after), from
/// its last day: the day's end, or the time it `closes-at`.
fn closing(
    cal: &Calendar,
    period: &PeriodDef,
    tz: Tz,
    last_day: NaiveDate,
    start: &dyn Fn(NaiveDate) -> Result<DateTime<FixedOffset>, PeriodError>,
    notes: &mut Vec<String>,
) -> Result<(DateTime<FixedOffset>, DateTime<FixedOffset>), PeriodError> {
    let found = match period.closes_at {
        None => {
            let after = last_day
                .succ_opt()
                .ok_or_else(|| cal.out_of_range(last_day))?;
            let closes = start(after)?;
            (closes - chrono::Duration::seconds(1), closes)
        }
        Some((time, zone)) => {
            let zone = zone.unwrap_or(tz);
            let local = last_day.and_time(time);
            // A time the clocks skip that night is met when they resume.
            let due = zone
                .from_local_datetime(&local)
                .latest()
                .or_else(|| {
                    let later = local + chrono::Duration::hours(1);
                    zone.from_local_datetime(&later).earliest()
                })
                .map(|t| t.fixed_offset())
                .ok_or_else(|| PeriodError::Calendar(cal.out_of_range(last_day)))?;
            notes.push(format!(
                "it closes at {} {} on its last day, that instant included",
                time.format("%H:%M:%S"),
                zone.name()
            ));
            (due, due + chrono::Duration::seconds(1))
        }
    };
    Ok(found)
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.first_day, self.opens) {
            (Some(first), Some(opens)) => {
                writeln!(
                    f,
                    "window `{}`: {} through {}",
                    self.window,
                    weekday_date(first),
                    weekday_date(self.last_day)
                )?;
                writeln!(f, "  opens  {}", opens.to_rfc3339())?;
            }
            _ if self.due.format("%H:%M:%S").to_string() == "23:59:59" => writeln!(
                f,
                "deadline `{}`: by the end of {}",
                self.window,
                weekday_date(self.last_day)
            )?,
            _ => writeln!(
                f,
                "deadline `{}`: by {} on {}",
                self.window,
                self.due.format("%H:%M:%S (UTC%:z)"),
                weekday_date(self.last_day)
            )?,
        }
        writeln!(
            f,
            "  due    {} (the last instant inside)",
            self.due.to_rfc3339()
        )?;
        writeln!(
            f,
            "  closes {} (the first instant after it)",
            self.closes.to_rfc3339()
        )?;
        match self.inside {
            Some(true) => writeln!(f, "  the instant given is inside the window")?,
            Some(false) => writeln!(f, "  the instant given is outside the window")?,
            None => {}
        }
        writeln!(f, "  reading: {}", self.reading)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn months_that_do_not_have_the_day() {
        assert_eq!(
            add_months(d(2000, 2, 29), 60, Nonexistent::Error),
            Err((2005, 2, 29))
        );
        assert_eq!(
            add_months(d(2000, 2, 29), 60, Nonexistent::RoundDown)
                .unwrap()
                .0,
            d(2005, 2, 28)
        );
        assert_eq!(
            add_months(d(2000, 2, 29), 60, Nonexistent::RoundUp)
                .unwrap()
                .0,
            d(2005, 3, 1)
        );
        assert_eq!(
            add_months(d(2000, 1, 31), 1, Nonexistent::RoundDown)
                .unwrap()
                .0,
            d(2000, 2, 29)
        );
        assert_eq!(
            add_months(d(2000, 12, 15), 1, Nonexistent::Error).unwrap(),
            (d(2001, 1, 15), None)
        );
        assert_eq!(
            add_months(d(2004, 2, 29), 48, Nonexistent::Error)
                .unwrap()
                .0,
            d(2008, 2, 29)
        );
    }
}
