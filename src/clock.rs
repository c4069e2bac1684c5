//! A time zone's clock, read year by year from chrono-tz and kept.
//!
//! Every record of a batch turns its sending instant into the agreement's local time and
//! most turn a deemed date back into an instant. chrono-tz answers both by searching its
//! whole table of transitions each time; a [`Clock`] asks chrono-tz once per year for the
//! offsets in force and the instants they change, and answers from that, as chrono-tz
//! would: a year it cannot describe simply (more than a few changes, or two changes within
//! two days) is left to chrono-tz, as are years outside 1800-2199. The year is read every
//! six hours, so a change undone within six hours would go unseen; the tests read six zones
//! (half-hour and midnight changes among them) hour by hour against chrono-tz.

use std::fmt;
use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

const FIRST_YEAR: i32 = 1800;
const LAST_YEAR: i32 = 2199;
const DAY: i64 = 86_400;
/// How far apart a year is read.
const STEP: i64 = DAY / 4;
/// The most offset changes a year may have to be kept.
const MAX_CHANGES: usize = 4;

/// The offsets of one UTC year.
#[derive(Debug, Clone, Copy)]
struct Year {
    /// The offset in force at the year's first instant (UTC).
    first: i32,
    /// The instants (Unix seconds) the offset changes in the year, and the new offset.
    changes: [(i64, i32); MAX_CHANGES],
    len: usize,
}

impl Year {
    fn offset_at(&self, utc: i64) -> i32 {
        let mut offset = self.first;
        for &(at, next) in self.changes.iter().take(self.len) {
            if utc < at {
                break;
            }
            offset = next;
        }
        offset
    }
}

/// A time zone with its offsets kept per year (see the module documentation).
#[derive(Clone)]
pub(crate) struct Clock {
    pub(crate) tz: Tz,
    /// The Unix second each year from `FIRST_YEAR` to `LAST_YEAR + 1` starts (UTC).
    starts: Box<[i64]>,
    /// `None` for a year left to chrono-tz.
    years: Box<[OnceLock<Option<Year>>]>,
}

/// Two clocks of one zone read the same offsets (what is kept of the years is a memo).
impl PartialEq for Clock {
    fn eq(&self, other: &Clock) -> bool {
        self.tz == other.tz
    }
}

impl Eq for Clock {}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Clock").field(&self.tz).finish()
    }
}

/// chrono-tz's offset at a Unix second.
fn tz_offset(tz: Tz, utc: i64) -> Option<i32> {
    let t = DateTime::from_timestamp(utc, 0)?.naive_utc();
    Some(tz.offset_from_utc_datetime(&t).fix().local_minus_utc())
}

/// The Unix second of the first instant of a UTC year.
fn year_start(year: i32) -> Option<i64> {
    Some(
        NaiveDate::from_ymd_opt(year, 1, 1)?
            .and_hms_opt(0, 0, 0)?
            .and_utc()
            .timestamp(),
    )
}

/// The offsets of a UTC year, found by reading chrono-tz every six hours and narrowing each
/// change down to its second; `None` for a year with changes too many or
/// too close together (or to the year's ends), which is left to chrono-tz.
fn read_year(tz: Tz, year: i32) -> Option<Year> {
    let start = year_start(year)?;
    let end = year_start(year + 1)?;
    let first = tz_offset(tz, start)?;
    let mut y = Year {
        first,
        changes: [(0, 0); MAX_CHANGES],
        len: 0,
    };
    let mut before = first;
    let mut at = start;
    while at < end {
        let next = (at + STEP).min(end);
        let after = tz_offset(tz, next)?;
        if after != before {
            // The first second in (at, next] with the new offset.
            let (mut lo, mut hi) = (at, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if tz_offset(tz, mid)? == before {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let offset = tz_offset(tz, hi)?;
            if offset != after || y.len == MAX_CHANGES {
                return None;
            }
            // Changes at least two days apart, and two days from either end of the year,
            // so that any two days hold at most one (see `Clock::instants`).
            let last = match y.len.checked_sub(1).and_then(|i| y.changes.get(i)) {
                Some(&(last, _)) => last,
                None => start,
            };
            if hi - last < 2 * DAY || end - hi < 2 * DAY {
                return None;
            }
            *y.changes.get_mut(y.len)? = (hi, offset);
            y.len += 1;
            before = after;
        }
        at = next;
    }
    Some(y)
}

impl Clock {
    /// The clock of a zone, one per zone in the process: what it has read of the years
    /// serves every agreement, plan and answer on that zone.
    pub(crate) fn shared(tz: Tz) -> std::sync::Arc<Clock> {
        use std::collections::HashMap;
        use std::sync::{Arc, Mutex};
        static CLOCKS: OnceLock<Mutex<HashMap<Tz, Arc<Clock>>>> = OnceLock::new();
        let clocks = CLOCKS.get_or_init(|| Mutex::new(HashMap::new()));
        match clocks.lock() {
            Ok(mut clocks) => {
                Arc::clone(clocks.entry(tz).or_insert_with(|| Arc::new(Clock::new(tz))))
            }
            Err(_) => Arc::new(Clock::new(tz)),
        }
    }

    pub(crate) fn new(tz: Tz) -> Clock {
        let years = (FIRST_YEAR..=LAST_YEAR).map(|_| OnceLock::new()).collect();
        let starts = (FIRST_YEAR..=LAST_YEAR + 1)
            .map(|y| year_start(y).unwrap_or(i64::MAX))
            .collect();
        Clock { tz, starts, years }
    }

    /// The offsets of the UTC year holding a Unix second, read once; `None` when the year
    /// is left to chrono-tz.
    fn year_of(&self, utc: i64) -> Option<&Year> {
        // A guess from the mean length of a year, then at most a step either way.
        let guess = 1970 + utc.div_euclid(31_556_952);
        let mut n = usize::try_from(guess - i64::from(FIRST_YEAR)).ok()?;
        if utc < *self.starts.get(n)? {
            n = n.checked_sub(1)?;
        } else if utc >= *self.starts.get(n + 1)? {
            n += 1;
        }
        let year = FIRST_YEAR + i32::try_from(n).ok()?;
        self.years
            .get(n)?
            .get_or_init(|| read_year(self.tz, year))
            .as_ref()
    }

    /// The offset (seconds east of UTC) at a Unix second.
    fn offset_at(&self, utc: i64) -> Option<i32> {
        match self.year_of(utc) {
            Some(y) => Some(y.offset_at(utc)),
            None => tz_offset(self.tz, utc),
        }
    }

    /// The wall-clock time of an instant on this clock.
    pub(crate) fn local(&self, t: DateTime<FixedOffset>) -> NaiveDateTime {
        self.show(t).naive_local()
    }

    /// An instant shown with this clock's offset.
    pub(crate) fn show(&self, t: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        match self
            .offset_at(t.timestamp())
            .and_then(FixedOffset::east_opt)
        {
            Some(o) => t.with_timezone(&o),
            None => t.with_timezone(&self.tz).fixed_offset(),
        }
    }

    /// The instants a wall-clock time names on this clock, as chrono-tz gives them
    /// (earlier first when there are two).
    pub(crate) fn instants(&self, local: NaiveDateTime) -> LocalResult<DateTime<FixedOffset>> {
        self.instants_in_kept_years(local).unwrap_or_else(|| {
            self.tz
                .from_local_datetime(&local)
                .map(|t| t.fixed_offset())
        })
    }

    /// [`Clock::instants`] from the kept years; `None` when one of them is not kept.
    fn instants_in_kept_years(
        &self,
        local: NaiveDateTime,
    ) -> Option<LocalResult<DateTime<FixedOffset>>> {
        let wall = local.and_utc().timestamp();
        let kept = |utc: i64| self.year_of(utc).map(|y| y.offset_at(utc));
        // The offsets in force a day either side; kept years change at most once in two
        // days (even across New Year), so these are the only candidates.
        let a = kept(wall - DAY)?;
        let b = kept(wall + DAY)?;
        if a == b {
            // No change near: the one offset names the one instant.
            return Some(LocalResult::Single(
                FixedOffset::east_opt(a)?
                    .from_local_datetime(&local)
                    .single()?,
            ));
        }
        let valid = |o: i32| -> Option<Option<DateTime<FixedOffset>>> {
            if kept(wall - i64::from(o))? != o {
                return Some(None);
            }
            Some(
                FixedOffset::east_opt(o)?
                    .from_local_datetime(&local)
                    .single(),
            )
        };
        let first = valid(a)?;
        let second = valid(b)?;
        Some(match (first, second) {
            (Some(x), Some(y)) if x <= y => LocalResult::Ambiguous(x, y),
            (Some(x), Some(y)) => LocalResult::Ambiguous(y, x),
            (Some(x), None) | (None, Some(x)) => LocalResult::Single(x),
            (None, None) => LocalResult::None,
        })
    }

    /// The first instant of a date on this clock (the first hour that exists, for a zone
    /// that skips midnight).
    pub(crate) fn start_of_day(&self, date: NaiveDate) -> Option<DateTime<FixedOffset>> {
        (0..=23).find_map(|h| self.instants(date.and_hms_opt(h, 0, 0)?).earliest())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Duration};

    const ZONES: [Tz; 6] = [
        chrono_tz::America::New_York,
        chrono_tz::America::Los_Angeles,
        chrono_tz::America::Vancouver,
        chrono_tz::Europe::London,
        chrono_tz::America::Sao_Paulo,
        chrono_tz::Australia::Lord_Howe,
    ];

    /// Every hour (and the seconds around every change) agrees with chrono-tz.
    #[test]
    fn reads_as_chrono_tz_reads() {
        for tz in ZONES {
            let clock = Clock::new(tz);
            let mut t = year_start(1990).unwrap();
            let end = year_start(2040).unwrap();
            let mut last = None;
            while t < end {
                let instant = DateTime::from_timestamp(t, 0).unwrap().fixed_offset();
                let expected = instant.with_timezone(&tz);
                assert_eq!(
                    clock.local(instant),
                    expected.naive_local(),
                    "{tz} {instant}"
                );
                assert_eq!(
                    clock.show(instant),
                    expected.fixed_offset(),
                    "{tz} {instant}"
                );
                let offset = expected.offset().fix();
                if last.is_some_and(|o| o != offset) {
                    for s in -3..=3 {
                        let near = instant + Duration::seconds(s * 1800);
                        let local = near.with_timezone(&tz).naive_local();
                        for l in [
                            local,
                            local + Duration::minutes(30),
                            local - Duration::minutes(30),
                        ] {
                            let want = tz.from_local_datetime(&l).map(|x| x.fixed_offset());
                            assert_eq!(clock.instants(l), want, "{tz} {l}");
                        }
                    }
                }
                last = Some(offset);
                t += 3600;
            }
        }
    }

    #[test]
    fn days_start_where_chrono_tz_starts_them() {
        for tz in ZONES {
            let clock = Clock::new(tz);
            let mut date = NaiveDate::from_ymd_opt(1995, 1, 1).unwrap();
            while date.year() < 2030 {
                let want = (0..=23).find_map(|h| {
                    let local = date.and_hms_opt(h, 0, 0).unwrap();
                    tz.from_local_datetime(&local)
                        .earliest()
                        .map(|t| t.fixed_offset())
                });
                assert_eq!(clock.start_of_day(date), want, "{tz} {date}");
                date = date.succ_opt().unwrap();
            }
        }
    }

    /// A day-long span is steady exactly when chrono-tz shows one offset at every quarter
    /// hour of it (the zones change on the half hour); a span across a change, or in a year left to chrono-tz, is not.
    #[test]
    fn years_out_of_reach_are_left_to_chrono_tz() {
        let tz = chrono_tz::America::New_York;
        let clock = Clock::new(tz);
        for text in [
            "1700-06-01T12:00:00Z",
            "2500-06-01T12:00:00Z",
            "1883-11-18T17:00:00Z",
        ] {
            let t = DateTime::parse_from_rfc3339(text).unwrap();
            assert_eq!(clock.local(t), t.with_timezone(&tz).naive_local(), "{text}");
        }
    }
}
