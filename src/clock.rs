//! A time zone's clock: an instant's wall-clock time, and the instants a wall-clock time
//! names, as chrono-tz reads them.
//!
//! (Until release 0.4 the offsets of each year were read once from chrono-tz and kept; that
//! bought 7% of a batch run, under the 10% a mechanism kept only for speed must buy. See
//! benches/README.md.)

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// A time zone's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Clock {
    pub(crate) tz: Tz,
}

impl Clock {
    /// The clock of a zone.
    pub(crate) fn new(tz: Tz) -> Clock {
        Clock { tz }
    }

    /// The wall-clock time of an instant on this clock.
    pub(crate) fn local(&self, t: DateTime<FixedOffset>) -> NaiveDateTime {
        t.with_timezone(&self.tz).naive_local()
    }

    /// An instant shown with this clock's offset.
    pub(crate) fn show(&self, t: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        t.with_timezone(&self.tz).fixed_offset()
    }

    /// The instants a wall-clock time names on this clock, as chrono-tz gives them
    /// (earlier first when there are two).
    pub(crate) fn instants(&self, local: NaiveDateTime) -> LocalResult<DateTime<FixedOffset>> {
        self.tz
            .from_local_datetime(&local)
            .map(|t| t.fixed_offset())
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

    /// A day starts at its first hour that exists: midnight, or 01:00 where the clocks go
    /// forward at midnight (São Paulo, 2018-11-04).
    #[test]
    fn a_day_starts_at_its_first_hour_that_exists() {
        let clock = Clock::new(chrono_tz::America::Sao_Paulo);
        let day = NaiveDate::from_ymd_opt(2018, 11, 4).unwrap();
        assert_eq!(
            clock.start_of_day(day).unwrap().to_rfc3339(),
            "2018-11-04T01:00:00-02:00"
        );
        let ny = Clock::new(chrono_tz::America::New_York);
        let day = NaiveDate::from_ymd_opt(2000, 4, 2).unwrap();
        assert_eq!(
            ny.start_of_day(day).unwrap().to_rfc3339(),
            "2000-04-02T00:00:00-05:00"
        );
    }
}
