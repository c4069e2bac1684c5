//! Reading instants as users write them.
//!
//! An RFC 3339 time with an offset or `Z` is an instant. A local time without an offset is
//! read in the agreement's time zone, but only when that reading is unambiguous: on the days
//! the clocks change, a local time may happen twice or not at all, and then the user must
//! choose with a [`Fold`]. Dates are never guessed.

use std::fmt;

use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike,
};
use chrono_tz::Tz;

/// Which reading of a local time to take when the clocks change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    /// The earlier of the two instants a local time may mean.
    Earlier,
    /// The later of the two instants a local time may mean.
    Later,
}

/// A time that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeError {
    /// Not a time in any accepted form.
    Malformed {
        /// The text given.
        text: String,
    },
    /// A date that does not exist (February 30), or a month that does not.
    NoSuchDate {
        /// The text given.
        text: String,
        /// Why, in words ("February 2000 has 29 days").
        why: String,
    },
    /// A time of day that does not exist (25:00, 9:75).
    NoSuchTime {
        /// The text given.
        text: String,
        /// Why, in words.
        why: String,
    },
    /// A date written with slashes, whose order of day and month cannot be known.
    SlashDate {
        /// The text given.
        text: String,
    },
    /// A date without a time of day, where an instant is needed.
    DateAlone {
        /// The text given.
        text: String,
        /// The date.
        date: NaiveDate,
    },
    /// A local time that happens twice (the clocks went back).
    Ambiguous {
        /// The text given.
        text: String,
        /// The time zone it was read in.
        zone: String,
        /// The first instant it may mean.
        earlier: DateTime<FixedOffset>,
        /// The second instant it may mean.
        later: DateTime<FixedOffset>,
    },
    /// A local time that never happens (the clocks went forward).
    Nonexistent {
        /// The text given.
        text: String,
        /// The time zone it was read in.
        zone: String,
        /// The instant it means with the offset before the change.
        earlier: DateTime<FixedOffset>,
        /// The instant it means with the offset after the change.
        later: DateTime<FixedOffset>,
    },
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeError::Malformed { text } => write!(f, "`{text}` is not a time"),
            TimeError::NoSuchDate { text, why } => {
                write!(f, "`{text}` is not a date that exists: {why}")
            }
            TimeError::NoSuchTime { text, why } => {
                write!(f, "`{text}` is not a time of day that exists: {why}")
            }
            TimeError::SlashDate { text } => write!(
                f,
                "`{text}` does not say which number is the day and which the month"
            ),
            TimeError::DateAlone { text, .. } => {
                write!(f, "`{text}` is a date without a time of day")
            }
            TimeError::Ambiguous { text, zone, .. } => write!(
                f,
                "`{text}` happens twice in {zone}: the clocks went back that night"
            ),
            TimeError::Nonexistent { text, zone, .. } => write!(
                f,
                "`{text}` does not exist in {zone}: the clocks went forward that night"
            ),
        }
    }
}

impl TimeError {
    /// What the user can do about it.
    pub fn help(&self) -> String {
        match self {
            TimeError::Malformed { .. } | TimeError::NoSuchTime { .. } => {
                "write a time such as `2000-03-03T21:15:00-05:00`, `2000-03-03 21:15`, \
                 `2000-03-03 9:15 pm`, `20000303T211500Z` or `now`; without an offset it is \
                 read in the agreement's time zone"
                    .into()
            }
            TimeError::NoSuchDate { .. } => "check the day and the month".into(),
            TimeError::SlashDate { .. } => {
                "write the date as YYYY-MM-DD: `2000-03-04` is March 4 (in the United States \
                 03/04/2000; in most other places 04/03/2000)"
                    .into()
            }
            TimeError::DateAlone { date, .. } => {
                format!("give the time of day too, such as `{date} 17:00`: the rules read it")
            }
            TimeError::Ambiguous { earlier, later, .. }
            | TimeError::Nonexistent { earlier, later, .. } => format!(
                "give an offset, or choose `--fold earlier` ({}) or `--fold later` ({})",
                earlier.to_rfc3339(),
                later.to_rfc3339()
            ),
        }
    }
}

impl std::error::Error for TimeError {}
/// An instant as every output writes it: RFC 3339 with its offset, `+00:00` rather than
/// `Z` for a zero one (chrono's `to_rfc3339`), in JSON as in text. For serde's `with`.
pub(crate) mod instant {
    use chrono::{DateTime, FixedOffset};
    use serde::Serializer;

    /// Writes the instant.
    pub(crate) fn serialize<S: Serializer>(
        t: &DateTime<FixedOffset>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339())
    }

    /// An instant that may be absent (`null`).
    pub(crate) mod opt {
        use chrono::{DateTime, FixedOffset};
        use serde::Serializer;

        /// Writes the instant, or `null`.
        pub(crate) fn serialize<S: Serializer>(
            t: &Option<DateTime<FixedOffset>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&t.to_rfc3339()),
                None => s.serialize_none(),
            }
        }
    }

    /// Named instants: `[name, instant]` pairs.
    pub(crate) mod named {
        use chrono::{DateTime, FixedOffset};
        use serde::Serializer;
        use serde::ser::SerializeSeq;

        /// Writes each pair as a two-element array.
        pub(crate) fn serialize<S: Serializer>(
            pairs: &[(String, DateTime<FixedOffset>)],
            s: S,
        ) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(pairs.len()))?;
            for (name, t) in pairs {
                seq.serialize_element(&(name, t.to_rfc3339()))?;
            }
            seq.end()
        }
    }
}

/// Reads `text` as an instant; a local time is read in `zone`.
///
/// ```
/// use deemed::time::{parse_instant, Fold};
/// let ny = chrono_tz::America::New_York;
/// let t = parse_instant("2000-03-03T21:15:00-05:00", ny, None).unwrap();
/// assert_eq!(t.to_rfc3339(), "2000-03-03T21:15:00-05:00");
/// // 01:30 happened twice on 2000-10-29 in New York.
/// assert!(parse_instant("2000-10-29T01:30:00", ny, None).is_err());
/// let t = parse_instant("2000-10-29T01:30:00", ny, Some(Fold::Later)).unwrap();
/// assert_eq!(t.to_rfc3339(), "2000-10-29T01:30:00-05:00");
/// ```
pub fn parse_instant(
    text: &str,
    zone: Tz,
    fold: Option<Fold>,
) -> Result<DateTime<FixedOffset>, TimeError> {
    let trimmed = text.trim();
    if let Some(t) = rfc3339(trimmed) {
        return Ok(t);
    }
    if trimmed.eq_ignore_ascii_case("now") {
        // The present second, on the zone's clock.
        let now = chrono::Utc::now().with_timezone(&zone).fixed_offset();
        return Ok(now.with_nanosecond(0).unwrap_or(now));
    }
    let local = match read_written(trimmed)? {
        Written::Instant(t) => return Ok(t),
        Written::Local(local) => local,
        Written::Date(date) => {
            return Err(TimeError::DateAlone {
                text: trimmed.to_string(),
                date,
            });
        }
    };
    local_instant(local, zone, fold).map_err(|e| match e {
        LocalError::Ambiguous(earlier, later) => TimeError::Ambiguous {
            text: trimmed.to_string(),
            zone: zone.name().to_string(),
            earlier,
            later,
        },
        LocalError::Nonexistent(earlier, later) => TimeError::Nonexistent {
            text: trimmed.to_string(),
            zone: zone.name().to_string(),
            earlier,
            later,
        },
    })
}

/// A time as written: an instant (it gave its offset), a local time, or a date alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// With an offset or `Z`.
    Instant(DateTime<FixedOffset>),
    /// A date and a time of day without an offset.
    Local(NaiveDateTime),
    /// A date without a time of day.
    Date(NaiveDate),
}

/// Reads a time as people write it, without reading a local time in a zone:
///
/// - the date as `YYYY-MM-DD` or `YYYYMMDD` (ISO 8601's basic form);
/// - then `T`, `t` or a space, and the time of day: `HH:MM`, `HH:MM:SS`, `HH:MM:SS.fff`,
///   `HHMM` or `HHMMSS` (basic form), on the 24-hour clock or the 12-hour clock with
///   `am`/`pm` (`a.m.`, `p.m.`, with or without a space: `9:15 pm`, `9pm`);
/// - then an offset: `Z`, `+05:00`, `-0500` or `-05`, or none (a local time).
///
/// A date written with slashes is refused (the order of day and month is not known); a
/// date or a time of day that does not exist is told apart from text that is not a time.
///
/// ```
/// use deemed::time::{read_written, Written};
/// let t = read_written("2000-03-03 9:15 pm").unwrap();
/// assert_eq!(t, Written::Local(chrono::NaiveDate::from_ymd_opt(2000, 3, 3).unwrap().and_hms_opt(21, 15, 0).unwrap()));
/// assert!(matches!(read_written("20000303T211500-0500"), Ok(Written::Instant(_))));
/// assert!(matches!(read_written("2000-03-03"), Ok(Written::Date(_))));
/// assert!(read_written("2000-02-30T10:00").unwrap_err().to_string().contains("February 2000 has 29 days"));
/// ```
pub fn read_written(text: &str) -> Result<Written, TimeError> {
    let text = text.trim();
    let malformed = || TimeError::Malformed {
        text: text.to_string(),
    };
    if text.contains('/') {
        return Err(TimeError::SlashDate {
            text: text.to_string(),
        });
    }
    let lower = text.to_ascii_lowercase();
    let (year, month, day, rest) = written_date(lower.as_bytes()).ok_or_else(malformed)?;
    let date = date_of(year, month, day).map_err(|why| TimeError::NoSuchDate {
        text: text.to_string(),
        why,
    })?;
    let rest = match rest {
        [] => return Ok(Written::Date(date)),
        [b't' | b' ', rest @ ..] => rest,
        _ => return Err(malformed()),
    };
    let rest = std::str::from_utf8(rest)
        .map_err(|_| malformed())?
        .trim_start();
    // The time of day, up to an am/pm or an offset.
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(rest.len());
    let (clock, mut tail) = rest.split_at(end);
    let tail_trim = tail.trim_start();
    let meridiem = [("am", false), ("a.m.", false), ("pm", true), ("p.m.", true)]
        .iter()
        .find(|(w, _)| tail_trim.starts_with(w))
        .map(|(w, pm)| (*pm, w.len()));
    if let Some((_, len)) = meridiem {
        tail = tail_trim.get(len..).unwrap_or("");
    }
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, f)) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => (hms, f),
        Some(_) => return Err(malformed()),
        None => (clock, ""),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        // The basic form: HHMM or HHMMSS.
        [basic] if (basic.len() == 4 || basic.len() == 6) && digits(basic.as_bytes()) => {
            let (h, ms) = basic.split_at_checked(2).ok_or_else(malformed)?;
            let (m, sec) = ms.split_at_checked(2).ok_or_else(malformed)?;
            (h, m, if sec.is_empty() { "0" } else { sec })
        }
        [h] if meridiem.is_some() && (1..=2).contains(&h.len()) => (*h, "0", "0"),
        [h, m] => (*h, *m, "0"),
        [h, m, s] => (*h, *m, *s),
        _ => return Err(malformed()),
    };
    let ok = |p: &str, most: usize| !p.is_empty() && p.len() <= most && digits(p.as_bytes());
    if !(ok(h, 2) && ok(m, 2) && ok(sec, 2)) {
        return Err(malformed());
    }
    let (hour, minute, second) = time_of_day(
        text,
        (num(h.as_bytes()), num(m.as_bytes()), num(sec.as_bytes())),
        meridiem.map(|(pm, _)| pm),
    )?;
    let nanos = format!("{fraction:0<9}")
        .get(..9)
        .and_then(|f| f.parse::<u32>().ok())
        .unwrap_or(0);
    let local = date
        .and_hms_nano_opt(hour, minute, second, nanos)
        .ok_or_else(malformed)?;
    // The offset, if any.
    let tail = tail.trim();
    if tail.is_empty() {
        return Ok(Written::Local(local));
    }
    let offset = written_offset(tail.as_bytes()).ok_or_else(malformed)?;
    let zone = FixedOffset::east_opt(offset).ok_or_else(malformed)?;
    zone.from_local_datetime(&local)
        .single()
        .map(Written::Instant)
        .ok_or_else(malformed)
}

/// A time of day's hour (on the 24-hour clock), minute and second, from the numbers written
/// and whether they are `pm` (`None`: the 24-hour clock); or why it does not exist.
fn time_of_day(
    text: &str,
    hms: (u32, u32, u32),
    pm: Option<bool>,
) -> Result<(u32, u32, u32), TimeError> {
    let (mut hour, minute, second) = hms;
    let no_time = |why: String| TimeError::NoSuchTime {
        text: text.to_string(),
        why,
    };
    if let Some(pm) = pm {
        if !(1..=12).contains(&hour) {
            return Err(no_time(format!(
                "the 12-hour clock runs from 1 to 12, not {hour}"
            )));
        }
        hour = match (hour, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
    }
    if hour > 23 {
        return Err(no_time(format!("hours run from 00 to 23, not {hour}")));
    }
    if minute > 59 {
        return Err(no_time(format!("minutes run from 00 to 59, not {minute}")));
    }
    if second > 59 {
        return Err(no_time(format!("seconds run from 00 to 59, not {second}")));
    }
    Ok((hour, minute, second))
}

/// Whether every byte is an ASCII digit.
fn digits(s: &[u8]) -> bool {
    s.iter().all(u8::is_ascii_digit)
}

/// The number ASCII digits write.
fn num(s: &[u8]) -> u32 {
    s.iter().fold(0u32, |n, b| {
        n.saturating_mul(10)
            .saturating_add(u32::from(b.wrapping_sub(b'0')))
    })
}

/// A date as written first in a time, `YYYY-MM-DD` or `YYYYMMDD`: its year, month and day
/// as numbers (not yet known to exist), and what follows it.
fn written_date(bytes: &[u8]) -> Option<(u32, u32, u32, &[u8])> {
    let ymd = |y: &[u8], m: &[u8], d: &[u8]| {
        (digits(y) && digits(m) && digits(d)).then(|| (num(y), num(m), num(d)))
    };
    let dashed = bytes.split_first_chunk::<10>().and_then(|(c, rest)| {
        let [y0, y1, y2, y3, dash1, m0, m1, dash2, d0, d1] = *c;
        if dash1 != b'-' || dash2 != b'-' {
            return None;
        }
        let (y, m, d) = ymd(&[y0, y1, y2, y3], &[m0, m1], &[d0, d1])?;
        Some((y, m, d, rest))
    });
    dashed.or_else(|| {
        bytes.split_first_chunk::<8>().and_then(|(c, rest)| {
            let [y0, y1, y2, y3, m0, m1, d0, d1] = *c;
            let (y, m, d) = ymd(&[y0, y1, y2, y3], &[m0, m1], &[d0, d1])?;
            Some((y, m, d, rest))
        })
    })
}

/// An offset as written after a time (`z`, `+05:00`, `-0500`, `-05`, lower case): seconds
/// east of UTC.
fn written_offset(tail: &[u8]) -> Option<i32> {
    match tail {
        [b'z'] => Some(0),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (hh, mm) = match rest {
                [a, b] => ([*a, *b], [b'0', b'0']),
                [a, b, c, d] => ([*a, *b], [*c, *d]),
                [a, b, b':', c, d] => ([*a, *b], [*c, *d]),
                _ => return None,
            };
            if !(digits(&hh) && digits(&mm)) {
                return None;
            }
            let (hh, mm) = (num(&hh), num(&mm));
            if hh > 23 || mm > 59 {
                return None;
            }
            let seconds = i32::try_from((hh * 60 + mm) * 60).ok()?;
            Some(if *sign == b'-' { -seconds } else { seconds })
        }
        _ => None,
    }
}

/// A date from its numbers, or why it does not exist.
fn date_of(year: u32, month: u32, day: u32) -> Result<NaiveDate, String> {
    let y = i32::try_from(year).map_err(|_| "the year is too large".to_string())?;
    if !(1..=12).contains(&month) {
        return Err(format!("months run from 01 to 12, not {month:02}"));
    }
    if let Some(d) = NaiveDate::from_ymd_opt(y, month, day) {
        return Ok(d);
    }
    let first = NaiveDate::from_ymd_opt(y, month, 1).ok_or("the year is out of range")?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or("the year is out of range")?;
    let days = (next - first).num_days();
    let name = crate::words::month_name(month);
    Err(format!("{name} {year} has {days} days"))
}

/// An instant in RFC 3339 (`2000-03-03T21:15:00-05:00`, `2000-03-04T02:15:00Z`): the one
/// reader of that form, for records, queries and the rules' own instants.
pub(crate) fn rfc3339(text: &str) -> Option<DateTime<FixedOffset>> {
    // chrono reads a 60th second as a leap second; none is known to the calendars, and a
    // time written without an offset refuses it too.
    DateTime::parse_from_rfc3339(text)
        .ok()
        .filter(|t| t.nanosecond() < 1_000_000_000)
}

enum LocalError {
    Ambiguous(DateTime<FixedOffset>, DateTime<FixedOffset>),
    Nonexistent(DateTime<FixedOffset>, DateTime<FixedOffset>),
}

fn local_instant(
    local: NaiveDateTime,
    zone: Tz,
    fold: Option<Fold>,
) -> Result<DateTime<FixedOffset>, LocalError> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.fixed_offset()),
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = (a.fixed_offset(), b.fixed_offset());
            let (earlier, later) = if a <= b { (a, b) } else { (b, a) };
            match fold {
                Some(Fold::Earlier) => Ok(earlier),
                Some(Fold::Later) => Ok(later),
                None => Err(LocalError::Ambiguous(earlier, later)),
            }
        }
        LocalResult::None => {
            // The offsets in force a day either side of the gap (clock changes are months apart).
            let before = zone
                .offset_from_utc_datetime(&(local - chrono::Duration::days(1)))
                .fix();
            let after = zone
                .offset_from_utc_datetime(&(local + chrono::Duration::days(1)))
                .fix();
            let read = |offset: FixedOffset| -> Option<DateTime<FixedOffset>> {
                offset.from_local_datetime(&local).single()
            };
            let (Some(x), Some(y)) = (read(before), read(after)) else {
                // INVARIANT: a fixed offset maps every local time to exactly one instant.
                return Err(LocalError::Nonexistent(
                    local.and_utc().fixed_offset(),
                    local.and_utc().fixed_offset(),
                ));
            };
            let (earlier, later) = if x <= y { (x, y) } else { (y, x) };
            match fold {
                Some(Fold::Earlier) => Ok(earlier.with_timezone(&zone).fixed_offset()),
                Some(Fold::Later) => Ok(later.with_timezone(&zone).fixed_offset()),
                None => Err(LocalError::Nonexistent(earlier, later)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;

    fn show(text: &str, fold: Option<Fold>) -> String {
        match parse_instant(text, New_York, fold) {
            Ok(t) => t.to_rfc3339(),
            Err(e) => format!("error: {e}; help: {}", e.help()),
        }
    }

    #[test]
    fn accepted_forms() {
        assert_eq!(
            show("2000-03-03T21:15:00-05:00", None),
            "2000-03-03T21:15:00-05:00"
        );
        assert_eq!(
            show("2000-03-04T02:15:00Z", None),
            "2000-03-04T02:15:00+00:00"
        );
        assert_eq!(
            show("2000-03-04 02:15:00z", None),
            "2000-03-04T02:15:00+00:00"
        );
        assert_eq!(
            show("2000-03-03T18:15-08:00", None),
            "2000-03-03T18:15:00-08:00"
        );
        assert_eq!(
            show("2000-03-03T21:15:00", None),
            "2000-03-03T21:15:00-05:00"
        );
        assert_eq!(show("2000-07-03 21:15", None), "2000-07-03T21:15:00-04:00");
    }

    #[test]
    fn clock_changes_need_a_choice() {
        insta::assert_snapshot!(show("2000-10-29T01:30:00", None), @"error: `2000-10-29T01:30:00` happens twice in America/New_York: the clocks went back that night; help: give an offset, or choose `--fold earlier` (2000-10-29T01:30:00-04:00) or `--fold later` (2000-10-29T01:30:00-05:00)");
        assert_eq!(
            show("2000-10-29T01:30:00", Some(Fold::Earlier)),
            "2000-10-29T01:30:00-04:00"
        );
        insta::assert_snapshot!(show("2000-04-02T02:30:00", None), @"error: `2000-04-02T02:30:00` does not exist in America/New_York: the clocks went forward that night; help: give an offset, or choose `--fold earlier` (2000-04-02T02:30:00-04:00) or `--fold later` (2000-04-02T02:30:00-05:00)");
        assert_eq!(
            show("2000-04-02T02:30:00", Some(Fold::Earlier)),
            "2000-04-02T01:30:00-05:00"
        );
        assert_eq!(
            show("2000-04-02T02:30:00", Some(Fold::Later)),
            "2000-04-02T03:30:00-04:00"
        );
    }

    #[test]
    fn malformed() {
        insta::assert_snapshot!(show("yesterday", None), @"error: `yesterday` is not a time; help: write a time such as `2000-03-03T21:15:00-05:00`, `2000-03-03 21:15`, `2000-03-03 9:15 pm`, `20000303T211500Z` or `now`; without an offset it is read in the agreement's time zone");
        insta::assert_snapshot!(show("2000-02-30T10:00:00", None), @"error: `2000-02-30T10:00:00` is not a date that exists: February 2000 has 29 days; help: check the day and the month");
        insta::assert_snapshot!(show("2001-02-29 10:00", None), @"error: `2001-02-29 10:00` is not a date that exists: February 2001 has 28 days; help: check the day and the month");
        insta::assert_snapshot!(show("2000-13-01 10:00", None), @"error: `2000-13-01 10:00` is not a date that exists: months run from 01 to 12, not 13; help: check the day and the month");
        insta::assert_snapshot!(show("2000-03-03 25:00", None), @"error: `2000-03-03 25:00` is not a time of day that exists: hours run from 00 to 23, not 25; help: write a time such as `2000-03-03T21:15:00-05:00`, `2000-03-03 21:15`, `2000-03-03 9:15 pm`, `20000303T211500Z` or `now`; without an offset it is read in the agreement's time zone");
        insta::assert_snapshot!(show("2000-03-03 9:75", None), @"error: `2000-03-03 9:75` is not a time of day that exists: minutes run from 00 to 59, not 75; help: write a time such as `2000-03-03T21:15:00-05:00`, `2000-03-03 21:15`, `2000-03-03 9:15 pm`, `20000303T211500Z` or `now`; without an offset it is read in the agreement's time zone");
        insta::assert_snapshot!(show("2000-03-03 13:00 pm", None), @"error: `2000-03-03 13:00 pm` is not a time of day that exists: the 12-hour clock runs from 1 to 12, not 13; help: write a time such as `2000-03-03T21:15:00-05:00`, `2000-03-03 21:15`, `2000-03-03 9:15 pm`, `20000303T211500Z` or `now`; without an offset it is read in the agreement's time zone");
        insta::assert_snapshot!(show("03/03/2000", None), @"error: `03/03/2000` does not say which number is the day and which the month; help: write the date as YYYY-MM-DD: `2000-03-04` is March 4 (in the United States 03/04/2000; in most other places 04/03/2000)");
        insta::assert_snapshot!(show("2000-03-03", None), @"error: `2000-03-03` is a date without a time of day; help: give the time of day too, such as `2000-03-03 17:00`: the rules read it");
        for garbage in [
            "2000-03-03T",
            "2000-03-03 21:15:00+5",
            "2000-03-03 21:15 pmx",
            "20000303T2115000",
            "2000-3-3 10:00",
        ] {
            assert!(show(garbage, None).starts_with("error: `"), "{garbage}");
        }
    }

    /// A 60th second is refused however the time is written (chrono's RFC 3339 reader
    /// takes it for a leap second, which no calendar here knows).
    #[test]
    fn a_sixtieth_second_is_refused_in_every_form() {
        for text in [
            "2000-03-03T23:59:60-05:00",
            "2000-03-03 23:59:60",
            "2000-03-03T23:59:60Z",
        ] {
            assert_eq!(
                show(text, None).split(';').next().unwrap(),
                format!(
                    "error: `{text}` is not a time of day that exists: seconds run from 00 to 59, not 60"
                ),
                "{text}"
            );
        }
    }

    /// Times as people write them, each with the instant it means in New York.
    #[test]
    fn times_as_people_write_them() {
        for (written, meant) in [
            ("2000-03-03 21:15:00", "2000-03-03T21:15:00-05:00"),
            ("2000-03-03 21:15", "2000-03-03T21:15:00-05:00"),
            ("2000-03-03 9:15 pm", "2000-03-03T21:15:00-05:00"),
            ("2000-03-03 9:15pm", "2000-03-03T21:15:00-05:00"),
            ("2000-03-03 9:15 P.M.", "2000-03-03T21:15:00-05:00"),
            ("2000-03-03 9 pm", "2000-03-03T21:00:00-05:00"),
            ("2000-03-03 12:00 am", "2000-03-03T00:00:00-05:00"),
            ("2000-03-03 12:30 pm", "2000-03-03T12:30:00-05:00"),
            ("2000-03-03T09:15:30.25", "2000-03-03T09:15:30.250-05:00"),
            ("20000303T211500", "2000-03-03T21:15:00-05:00"),
            ("20000303T2115", "2000-03-03T21:15:00-05:00"),
            ("20000303T211500Z", "2000-03-03T21:15:00+00:00"),
            ("20000303T211500-0500", "2000-03-03T21:15:00-05:00"),
            ("2000-03-03T21:15:00-0500", "2000-03-03T21:15:00-05:00"),
            ("2000-03-03T21:15-05", "2000-03-03T21:15:00-05:00"),
            ("2000-03-03 21:15 +01:00", "2000-03-03T21:15:00+01:00"),
            ("  2000-03-03t21:15:00z ", "2000-03-03T21:15:00+00:00"),
        ] {
            assert_eq!(show(written, None), meant, "{written}");
        }
        // `now` is the present second.
        let now = parse_instant("now", New_York, None).unwrap();
        let drift = (chrono::Utc::now() - now.with_timezone(&chrono::Utc)).num_seconds();
        assert!((0..=2).contains(&drift), "{drift}");
        assert_eq!(now.nanosecond(), 0);
    }
}
