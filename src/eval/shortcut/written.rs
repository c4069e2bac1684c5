//! Shortcuts read from the times as a log writes them.
//!
//! Logs write their times as `YYYY-MM-DDTHH:MM:SS±HH:MM`, mostly with the offset the
//! agreement's own clock shows at that time. Such a time needs no conversion: its date is
//! the wall-clock date, its time of day the wall-clock time, and written back it is the
//! same text. A time written with another offset (UTC, say) is shifted by the difference,
//! which may move it to the day before or after, and written back on the clock's offset.
//! What a class needs of a date (the clock's offset and whether it holds all day, the
//! business-day bits, the next business day) is worked out once per date and kept in a
//! dense table by day number, which the dates of a log (a few years' worth) fill in a few
//! pages close together in memory; days written with another offset are kept apart, and
//! so is what each method, recipient and number as written resolve to. A record then
//! costs the look-up of its names, its date and its class, and a copy of its time.
//!
//! Anything else returns `None`, and the caller takes [`Shortcuts::evaluate`], which gives
//! the same answer: another shape of time, a written day on which the clock's offset
//! changes, a clock in another zone, a date outside a calendar, a class not yet learnt (or
//! one where several clauses apply), or an outcome other than the date itself,
//! the next business day (when it starts at midnight) or receipt.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Timelike};

use super::senders::Sender;
use super::{Class, ClockRead, Day, Effective, Facts, GapRead, KeyHasher, Quick, Shortcuts};
use crate::eval::Status;
use crate::model::Agreement;
use crate::plan::Ends;
use crate::syntax::ast::{Outcome, Subject};
use std::sync::Arc;

/// The dates on a page of the table of dates.
const PAGE: usize = 1 << 10;

/// The most pages of dates kept (each [`PAGE`] dates, 16 bytes each); past it the table
/// starts afresh (at once in the unit tests, so that their properties run across many
/// fresh starts).
const MAX_PAGES: usize = if cfg!(test) { 1 } else { 64 };

/// Pages enough for the day numbers of every date of years 0 to 9999.
const PAGES: usize = 3_652_425 / PAGE + 2;

/// The day number of 1970-01-01 (see [`day_number`]).
const UNIX_DAY: i64 = 719_468;

/// The most days written with an offset other than the clock's kept; past it the memory
/// of them starts afresh.
const MAX_KEPT: usize = if cfg!(test) { 24 } else { 1 << 14 };

/// The most clocks, and calendars per clock, a kept date holds the business days of.
const MAX_CLOCKS: usize = 4;
const MAX_CALENDARS: usize = 8;

/// An RFC 3339 time as the output writes it: `YYYY-MM-DDTHH:MM:SS±HH:MM`.
pub(crate) type Written = [u8; 25];

/// The day number of a date of years 0 to 9999: the days since 0000-03-01 (the
/// proleptic Gregorian calendar's, as chrono reads it). `None` for January and February
/// of year 0, and for a month or day out of range; a day past its month's end (`02-30`)
/// has the number of a day of the month after, which [`Date::mday`] tells apart.
fn day_number(year: u32, month: u32, day: u32) -> Option<u32> {
    if year > 9999 || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Years counted from March, so that the leap day ends them (the `days_from_civil`
    // of H. Hinnant's date algorithms).
    let (y, m) = match month {
        3.. => (year, month - 3),
        _ => (year.checked_sub(1)?, month + 9),
    };
    let of_year = (153 * m + 2) / 5 + day - 1;
    let of_era = y % 400 * 365 + y % 400 / 4 - y % 400 / 100 + of_year;
    Some(y / 400 * 146_097 + of_era)
}

/// What classes read of the dates met so far, on the agreement's clock, by day number:
/// a dense table of four bytes a date, a page of dates at a time, so that the dates of a
/// log (26 years take 38 KB) stay in the processor's caches. Days written with another
/// offset are kept apart.
#[derive(Default)]
pub(super) struct Days {
    /// Per page of day numbers, its place in `dates` plus one (`0`: none yet). Allocated
    /// on first use.
    pages: Vec<u32>,
    /// The pages of dates, one after another (a date not yet read is all zero).
    dates: Vec<Date>,
    /// Beside `dates`, when the agreement has more than one clock: the business-day bits
    /// of the other clocks.
    more: Vec<[u8; MAX_CLOCKS - 1]>,
    /// Beside `dates`: per outcome (by its place, see [`Outcomes`]), what the plan made of it
    /// run from an instant of that date (see [`Code`]).
    learnt: Vec<[u16; OUTCOME_SLOTS]>,
    /// Beside `dates`: the instant the date takes effect from, as the plan gave it for a
    /// deemed date (Unix second, offset, second of the day), or `None` not yet known.
    starts: Vec<Option<(i64, i32, u32)>>,
    /// By the date and offset as written (see [`Stamp::key`]), for times written with an
    /// offset the agreement's clock does not show all that day; `None` when the clock
    /// changes its offset within the written day.
    written: HashMap<u64, Option<Span>, BuildHasherDefault<KeyHasher>>,
}

/// A date on the agreement's clock, as classes read it, in 32 bits: from the lowest,
/// [`READ`], [`COVERED`], [`MIDNIGHT`] and [`STEADY`]; the day of the month (5 bits); the
/// clock's offset at the day's first instant in quarter hours from -16:00 (7 bits; a day
/// whose offset is not in quarter hours is neither `MIDNIGHT` nor `STEADY`); the first
/// clock's business-day bits (8 bits).
#[derive(Clone, Copy, Default)]
struct Date(u32);

/// The date has been read (a zeroed [`Date`] has not).
const READ: u32 = 1;
/// The calendars cover the date (the business-day bits are good).
const COVERED: u32 = 2;
/// The day starts at midnight.
const MIDNIGHT: u32 = 4;
/// The clock shows the same offset all day (and the day starts at midnight).
const STEADY: u32 = 8;

impl Date {
    /// Reads a date: what the calendars say of it, and what the clock shows; with the
    /// business-day bits of the clocks after the first.
    fn of(
        agreement: &Agreement,
        clocks: &[ClockRead],
        date: NaiveDate,
    ) -> (Date, [u8; MAX_CLOCKS - 1]) {
        let mut flags = READ;
        let mut days = [0u8; MAX_CLOCKS];
        let calendar = &agreement.calendar;
        let covered = calendar.is_business_day(date).is_ok()
            && days.iter_mut().zip(clocks).all(|(bits, clock)| {
                let read = (clock.days_of(date).ok()).and_then(|d| u8::try_from(d).ok());
                *bits = read.unwrap_or(0);
                read.is_some()
            });
        if covered {
            flags |= COVERED;
        }
        let mut quarters = 0;
        if let Some(start) = agreement.clock.start_of_day(date) {
            let offset = start.offset().local_minus_utc();
            let in_quarters = (offset % 900 == 0).then(|| u32::try_from(offset / 900 + 64));
            if let Some(Ok(q @ 0..=127)) = in_quarters {
                quarters = q;
                if start.time() == NaiveTime::MIN && start.date_naive() == date {
                    flags |= MIDNIGHT;
                    let t = start.timestamp();
                    if agreement.clock.steady_offset(t, t + 86_399) == Some(offset) {
                        flags |= STEADY;
                    }
                }
            }
        }
        let [first, more @ ..] = days;
        let packed = flags | date.day() << 4 | quarters << 9 | u32::from(first) << 16;
        (Date(packed), more)
    }

    fn has(self, flag: u32) -> bool {
        self.0 & flag != 0
    }

    /// The day of the month.
    fn mday(self) -> u32 {
        self.0 >> 4 & 31
    }

    /// The clock's offset at the day's first instant, in seconds.
    fn offset(self) -> i32 {
        ((self.0 >> 9 & 127) as i32 - 64) * 900
    }
}

/// The date of a day number.
pub(super) fn date_of(day: u32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(day).ok()? - 305)
}

/// A day as written with an offset the clock does not show all the day or two it spans.
#[derive(Clone, Copy)]
struct Span {
    /// The offset the agreement's clock shows all that written day.
    clock: i32,
    /// Seconds from the written time of day to the clock's.
    shift: i32,
    /// Whether the output writes the time as it is written (the clock's offset, written
    /// the same way).
    same: bool,
}

/// A time as written, read on the agreement's clock.
#[derive(Clone, Copy)]
struct Time {
    /// Unix seconds.
    utc: i64,
    /// The day number and the second of the day on the agreement's clock.
    day: u32,
    second: u32,
    /// Per clock, the date's business-day bits.
    days: [u8; MAX_CLOCKS],
    clock: FixedOffset,
    /// Whether the output writes it as written.
    same: bool,
}

impl Time {
    fn instant(&self) -> Option<DateTime<FixedOffset>> {
        Some(DateTime::from_timestamp(self.utc, 0)?.with_timezone(&self.clock))
    }
}

/// A time as written, read into numbers (not yet checked as a date).
struct Stamp {
    year: u32,
    month: u32,
    day: u32,
    /// The second of the day.
    second: u32,
    /// The offset in seconds east of UTC, and whether it is written with a minus sign.
    offset: i32,
    minus: bool,
}

impl Stamp {
    /// Reads `YYYY-MM-DDTHH:MM:SS±HH:MM`, with the ranges `parse_instant` accepts for the
    /// time of day and the offset; `None` for anything else. The text is read eight bytes
    /// at a time: `YYYY-MM-`, `DDTHH:MM`, `:SS±HH:M`, and the last `M`.
    fn read(text: &str) -> Option<Stamp> {
        let (first, rest) = text.as_bytes().split_first_chunk::<8>()?;
        let (second, rest) = rest.split_first_chunk::<8>()?;
        let (third, rest) = rest.split_first_chunk::<8>()?;
        let &[last] = rest else {
            return None;
        };
        let words = [first, second, third].map(|w| u64::from_le_bytes(*w));
        // Per word, the bytes that are digits, and what the others must be (the sign is
        // read apart).
        const DIGITS: [u64; 3] = [
            0x00FF_FF00_FFFF_FFFF,
            0xFFFF_00FF_FF00_FFFF,
            0xFF00_FFFF_00FF_FF00,
        ];
        const MARKS: [u64; 3] = [
            0x2D00_002D_0000_0000, // `-` `-`
            0x0000_3A00_0054_0000, // `T` `:`
            0x003A_0000_0000_003A, // `:` `:`
        ];
        const SIGN: u64 = 0x0000_0000_FF00_0000;
        let mut bad = 0;
        let mut values = [0u64; 3];
        for ((value, word), (digits, marks)) in
            values.iter_mut().zip(words).zip(DIGITS.iter().zip(MARKS))
        {
            let marks_found = word & !digits & !SIGN;
            // A digit, less `0`, is at most 9: adding 0x76 leaves its top bit clear.
            let d = (word ^ 0x3030_3030_3030_3030) & digits;
            bad |= (d | d.wrapping_add(0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080;
            bad |= marks_found ^ marks;
            *value = d;
        }
        let last = last.wrapping_sub(b'0');
        let [w0, w1, w2] = values;
        let sign = (words[2] >> 24) as u8;
        if bad != 0 || last > 9 || (sign != b'+' && sign != b'-') {
            return None;
        }
        let digit = |w: u64, n: u32| ((w >> (8 * n)) & 0xFF) as u32;
        let two = |w: u64, n: u32| digit(w, n) * 10 + digit(w, n + 1);
        let (hour, minute, second) = (two(w1, 3), two(w1, 6), two(w2, 1));
        let (offset_hours, offset_minutes) = (two(w2, 4), digit(w2, 7) * 10 + u32::from(last));
        if hour > 23 || minute > 59 || second > 59 || offset_hours > 23 || offset_minutes > 59 {
            return None;
        }
        let offset = i32::try_from(offset_hours * 3600 + offset_minutes * 60).ok()?;
        let minus = sign == b'-';
        Some(Stamp {
            year: two(w0, 0) * 100 + two(w0, 2),
            month: two(w0, 5),
            day: two(w1, 0),
            second: (hour * 60 + minute) * 60 + second,
            offset: if minus { -offset } else { offset },
            minus,
        })
    }

    /// The date and offset, packed into a word.
    fn key(&self) -> u64 {
        // Year below 10,000 (14 bits), month and day below 100 (7 bits each), the offset
        // within a day either way (17 bits), its sign.
        u64::from(self.year)
            | u64::from(self.month) << 14
            | u64::from(self.day) << 21
            | u64::from(self.offset.unsigned_abs()) << 28
            | u64::from(self.minus) << 45
    }

    /// The written day on the agreement's clock; `None` when its offset changes that day.
    fn span(&self, agreement: &Agreement, day: u32) -> Option<Span> {
        let midnight = (i64::from(day) - UNIX_DAY) * 86_400 - i64::from(self.offset);
        let clock = agreement.clock.steady_offset(midnight, midnight + 86_399)?;
        Some(Span {
            clock,
            shift: clock - self.offset,
            // `-00:00` is written back `+00:00`.
            same: clock == self.offset && !(self.minus && self.offset == 0),
        })
    }
}

/// The value kept for `key`, or `make`'s (then kept).
fn kept<K: Eq + Hash, V: Copy>(
    map: &mut HashMap<K, V, BuildHasherDefault<KeyHasher>>,
    key: K,
    make: impl FnOnce() -> V,
) -> V {
    match map.get(&key) {
        Some(v) => *v,
        None => *map.entry(key).or_insert_with(make),
    }
}

impl Days {
    /// Whether dates can hold what the clocks read of them.
    pub(super) fn fits(clocks: &[ClockRead]) -> bool {
        clocks.len() <= MAX_CLOCKS && clocks.iter().all(|c| c.calendars.len() <= MAX_CALENDARS)
    }

    /// The date of a day number, read once (with the other clocks' business-day bits
    /// when there are other clocks).
    #[inline]
    fn date(&mut self, agreement: &Agreement, clocks: &[ClockRead], day: u32) -> Option<Date> {
        let at = self.pages.get(day as usize / PAGE).copied().unwrap_or(0) as usize;
        let read = match at.checked_sub(1) {
            Some(page) => self.dates.get(page * PAGE + day as usize % PAGE).copied(),
            None => None,
        };
        match read {
            Some(date) if date.has(READ) => Some(date),
            _ => self.read_date(agreement, clocks, day),
        }
    }

    /// [`Days::date`] for a date not read yet.
    #[cold]
    #[inline(never)]
    fn read_date(&mut self, agreement: &Agreement, clocks: &[ClockRead], day: u32) -> Option<Date> {
        let page = day as usize / PAGE;
        if self.pages.is_empty() {
            self.pages = vec![0; PAGES];
        }
        let mut at = *self.pages.get(page)?;
        if at == 0 {
            if self.dates.len() >= MAX_PAGES * PAGE {
                // Full: the table starts afresh, so it stays bounded.
                self.pages.fill(0);
                self.dates.clear();
                self.more.clear();
                self.learnt.clear();
                self.starts.clear();
            }
            self.dates.resize(self.dates.len() + PAGE, Date::default());
            self.learnt.resize(self.dates.len(), [0; OUTCOME_SLOTS]);
            self.starts.resize(self.dates.len(), None);
            if clocks.len() > 1 {
                self.more.resize(self.dates.len(), [0; MAX_CLOCKS - 1]);
            }
            at = u32::try_from(self.dates.len() / PAGE).ok()?;
            *self.pages.get_mut(page)? = at;
        }
        let slot = (at as usize - 1) * PAGE + day as usize % PAGE;
        let date = self.dates.get_mut(slot)?;
        if !date.has(READ) {
            let (read, more) = Date::of(agreement, clocks, date_of(day)?);
            *date = read;
            if let Some(m) = self.more.get_mut(slot) {
                *m = more;
            }
        }
        Some(*date)
    }

    /// The business-day bits of a date (read by [`Days::date`]) on every clock.
    fn days(&self, day: u32, date: Date) -> [u8; MAX_CLOCKS] {
        let first = (date.0 >> 16) as u8;
        let more = match self.more.is_empty() {
            true => None,
            false => self.pages.get(day as usize / PAGE).and_then(|at| {
                let slot = (*at as usize).checked_sub(1)? * PAGE + day as usize % PAGE;
                self.more.get(slot)
            }),
        };
        let [a, b, c] = more.copied().unwrap_or_default();
        [first, a, b, c]
    }

    /// Where a date read by [`Days::date`] sits in the table.
    fn slot(&self, day: u32) -> Option<usize> {
        let at = *self.pages.get(day as usize / PAGE)?;
        Some((at as usize).checked_sub(1)? * PAGE + day as usize % PAGE)
    }

    /// What the plan made of an outcome (by its place) run from an instant of a day read by
    /// [`Days::date`].
    fn learnt(&self, day: u32, outcome: usize) -> Code {
        let code = self
            .slot(day)
            .and_then(|s| self.learnt.get(s)?.get(outcome).copied());
        Code(code.unwrap_or(0))
    }

    /// Keeps what the plan made of an outcome run from an instant of a day read by
    /// [`Days::date`].
    fn keep_learnt(&mut self, day: u32, outcome: usize, code: Code) {
        let slot = self.slot(day);
        if let Some(kept) = slot.and_then(|s| self.learnt.get_mut(s)?.get_mut(outcome)) {
            *kept = code.0;
        }
    }

    /// The instant a deemed day takes effect from, as the plan gave it.
    fn start(&self, day: u32) -> Option<(i64, i32, u32)> {
        *self.starts.get(self.slot(day)?)?
    }

    /// A time as written, read on the agreement's clock (each date read once).
    fn read(&mut self, agreement: &Agreement, clocks: &[ClockRead], text: &str) -> Option<Time> {
        let stamp = Stamp::read(text)?;
        let day = day_number(stamp.year, stamp.month, stamp.day)?;
        let date = self.date(agreement, clocks, day)?;
        if date.mday() != stamp.day {
            return None;
        }
        let (clock, shift, same) = match self.steady(agreement, clocks, day, date, stamp.offset) {
            // `-00:00` is written back `+00:00`.
            Some(shift) => (
                date.offset(),
                shift,
                shift == 0 && !(stamp.minus && stamp.offset == 0),
            ),
            None => {
                if self.written.len() >= MAX_KEPT {
                    // Full: the memory starts afresh, so it stays bounded.
                    self.written.clear();
                }
                let span = kept(&mut self.written, stamp.key(), || {
                    stamp.span(agreement, day)
                })?;
                (span.clock, span.shift, span.same)
            }
        };
        let utc = (i64::from(day) - UNIX_DAY) * 86_400 + i64::from(stamp.second)
            - i64::from(stamp.offset);
        let wall = i64::from(stamp.second) + i64::from(shift);
        let (day, date) = match wall.div_euclid(86_400) {
            0 => (day, date),
            days => {
                let day = u32::try_from(i64::from(day) + days).ok()?;
                (day, self.date(agreement, clocks, day)?)
            }
        };
        if !date.has(COVERED) {
            return None;
        }
        Some(Time {
            utc,
            day,
            second: u32::try_from(wall.rem_euclid(86_400)).ok()?,
            days: self.days(day, date),
            clock: FixedOffset::east_opt(clock)?,
            same,
        })
    }

    /// The seconds from a time written on `day` (read as `date`) with `offset` to the
    /// clock's, when the clock shows one offset all that written day: the one or two days
    /// it spans on the clock show that offset all day. `None` otherwise (a day of a
    /// change, say), and the written day is read apart.
    fn steady(
        &mut self,
        agreement: &Agreement,
        clocks: &[ClockRead],
        day: u32,
        date: Date,
        offset: i32,
    ) -> Option<i32> {
        if !date.has(STEADY) {
            return None;
        }
        let shift = date.offset() - offset;
        let other = match shift {
            0 => return Some(0),
            ..=-86_400 | 86_400.. => return None,
            ..0 => day.checked_sub(1)?,
            1.. => day + 1,
        };
        let other = self.date(agreement, clocks, other)?;
        (other.has(STEADY) && other.offset() == date.offset()).then_some(shift)
    }
}

impl Days {
    /// What the plan makes of rule `rule`'s outcome (at place `outcome`) for this event,
    /// run from `at`, kept for the day: [`Code::NONE`] when the plan gives an error (the
    /// general shortcut then says it) or an instant the output writes otherwise.
    #[cold]
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn learn(
        &mut self,
        agreement: &Agreement,
        clocks: &[ClockRead],
        (rule, outcome): (usize, usize),
        recipient: Option<&crate::model::PartyDef>,
        sent: &Time,
        received: Option<Time>,
        at: &Time,
    ) -> Option<Code> {
        let plan = &agreement.plan;
        let received = match received {
            Some(r) => Some(r.instant()?),
            None => None,
        };
        let deemed = plan.deem(
            agreement,
            plan.rule(rule)?,
            Ends::to(recipient),
            Some(sent.instant()?),
            received,
            false,
        );
        let code = match deemed {
            Ok(crate::eval::Deemed::Date {
                deemed_date,
                effective_at,
                ..
            }) => {
                let deemed_day = day_number(
                    u32::try_from(deemed_date.year()).ok()?,
                    deemed_date.month(),
                    deemed_date.day(),
                )?;
                let later = deemed_day
                    .checked_sub(at.day)
                    .and_then(|k| u16::try_from(k).ok());
                match later {
                    _ if effective_at == at.instant()? => Code::ANCHOR,
                    Some(k @ 1..=0xFFFC) if effective_at.nanosecond() == 0 => {
                        self.date(agreement, clocks, deemed_day)?;
                        let second = effective_at.naive_local().num_seconds_from_midnight();
                        let start = (
                            effective_at.timestamp(),
                            effective_at.offset().local_minus_utc(),
                            second,
                        );
                        let slot = self.slot(deemed_day)?;
                        *self.starts.get_mut(slot)? = Some(start);
                        Code(k + 2)
                    }
                    _ => Code::NONE,
                }
            }
            _ => Code::NONE,
        };
        // The deemed day may have started the table afresh: the anchor's day is read again.
        self.date(agreement, clocks, at.day)?;
        self.keep_learnt(at.day, outcome, code);
        Some(code)
    }
}

/// The most distinct outcomes whose answers the table of dates keeps; a rule with another
/// takes the general shortcut.
const OUTCOME_SLOTS: usize = 4;

/// What the plan made of an outcome run from an instant of a day, as the table of dates
/// keeps it: `0` not known yet, `1` that instant's own date and the instant itself, `2 + k`
/// the date `k` days later from its first instant (kept beside that date, see
/// [`Days::start`]), and `u16::MAX` none to keep (the plan gave an error, or an instant the
/// output writes otherwise): the general shortcut answers.
///
/// INVARIANT: for the events the text path reads (every clock on the agreement's zone), the
/// plan's outcome depends on the rule only through its outcome, and on the instant it runs
/// from only through that instant's date: the deemed date is a function of that date, and
/// it takes effect at its first instant, or at the instant itself when it is the instant's
/// own date. So what one instant of a day taught holds for every instant of that day, and
/// for every rule with that outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Code(u16);

impl Code {
    const UNKNOWN: Code = Code(0);
    const ANCHOR: Code = Code(1);
    const NONE: Code = Code(u16::MAX);
}

/// The place of each rule's outcome among the distinct outcomes, for the table of dates.
#[derive(Default)]
pub(super) struct Outcomes {
    /// Per rule (by its place among the clauses then the gap rules); `None` past
    /// [`OUTCOME_SLOTS`].
    of_rule: Vec<Option<usize>>,
}

impl Outcomes {
    /// The places of a plan's rules' outcomes.
    pub(super) fn new(plan: &crate::plan::Plan) -> Outcomes {
        // An outcome and the calendar it steps on (none: the agreement's).
        let mut distinct: Vec<(Outcome, Option<*const crate::calendar::Calendar>)> = Vec::new();
        let of_rule = (plan.rules.iter())
            .map(|r| {
                let key = (r.outcome, r.outcome_calendar.as_ref().map(Arc::as_ptr));
                match distinct.iter().position(|o| *o == key) {
                    Some(n) => Some(n),
                    None if distinct.len() < OUTCOME_SLOTS => {
                        distinct.push(key);
                        Some(distinct.len() - 1)
                    }
                    None => None,
                }
            })
            .collect();
        Outcomes { of_rule }
    }
}

impl Shortcuts<'_> {
    /// [`Shortcuts::evaluate`] for an event of one delivery given as text, when its times
    /// are written `YYYY-MM-DDTHH:MM:SS±HH:MM` and its class is known; `None` otherwise
    /// (see the module documentation). With `gaps`, an answer by a gap rule too, when its
    /// date is known: its gap warning is then written from [`Shortcuts::gap_words`].
    pub(crate) fn by_text(
        &mut self,
        method: &str,
        sent: &str,
        received: Option<&str>,
        to: Option<&str>,
        fax_number: Option<&str>,
        gaps: bool,
    ) -> Option<Quick> {
        let clocks = Some(super::clocks(self.form)).filter(|_| self.days_fit)?;
        // The numbers are the agreement's; all else its form's (see `Shortcuts::form`).
        let numbers = self.rules.agreement.as_ref()?;
        let agreement = self.form.agreement.as_ref()?;
        let Sender {
            method,
            party,
            designated,
        } = self
            .senders
            .of(&mut self.names, numbers, method, to, fax_number)?;
        let recipient = match party {
            Some(p) => Some(agreement.parties.get(p)?),
            None => None,
        };
        let sent_at = self.days.read(agreement, clocks, sent)?;
        let received = match received {
            Some(text) => Some((self.days.read(agreement, clocks, text)?, text)),
            None => None,
        };
        // Received before it was sent: an error, which the full reading words.
        if received.is_some_and(|(r, _)| r.utc < sent_at.utc) {
            return None;
        }
        let facts = Facts {
            method,
            party,
            // The recipient's numbers are not dated (or `senders` declines).
            fax: crate::plan::Fax::of(recipient, fax_number.is_some(), designated, false),
            received: received.is_some(),
        };
        let key = self.key_of(facts, |clock, n| {
            let time = match (clock.subject, &received) {
                (Subject::Sent, _) => sent_at,
                (Subject::Received, Some((time, _))) => *time,
                (Subject::Received, None) => return Some((0, 0)),
            };
            if agreement
                .plan
                .zone_of(agreement, clock, Ends::to(recipient))
                != agreement.tz
            {
                return None;
            }
            let wall = NaiveTime::from_num_seconds_from_midnight_opt(time.second, 0)?;
            Some((
                u64::from(clock.span_of(wall)) + 1,
                u64::from(*time.days.get(n)?),
            ))
        })?;
        let (plan, clause, outcome, gap) = match *self.classes.get(&key)? {
            Class::One(plan, clause, outcome) => (plan, clause, outcome, None),
            Class::Gap(plan) if gaps => {
                let p = self.gap_plans.get(plan)?;
                p.words_for(self.numbers)?;
                let read = GapRead {
                    sent: (sent_at.day, sent_at.second),
                    received: received.map(|(t, _)| (t.day, t.second)),
                };
                (plan, p.gap, p.outcome, Some(read))
            }
            _ => return None,
        };
        let quick = |deemed, effective| Quick {
            deemed,
            effective,
            clause,
            status: match (deemed, gap) {
                (_, Some(_)) => Status::Gap,
                (Day::Pending, None) => Status::Pending,
                _ => Status::Effective,
            },
            plan,
            gap,
        };
        // A time as the output writes it: its text when the clock shows its offset.
        let effective = |time: &Time, text: &str| -> Option<Effective> {
            Some(match time.same {
                true => Effective::Text(time.utc, time.clock, text.as_bytes().try_into().ok()?),
                false => Effective::At(time.instant()?),
            })
        };
        let (subject, text) = match crate::plan::runs_from(outcome)? {
            Subject::Sent => (Subject::Sent, Some(sent)),
            Subject::Received => (Subject::Received, received.map(|(_, text)| text)),
        };
        let anchor = match subject {
            Subject::Sent => Some(sent_at),
            Subject::Received => received.map(|(time, _)| time),
        };
        let (Some(at), Some(text)) = (anchor, text) else {
            return Some(quick(Day::Pending, Effective::Pending));
        };
        let rule = match gap {
            None => clause,
            Some(_) => agreement.plan.clauses + clause,
        };
        let outcome = (*self.outcomes.of_rule.get(rule)?)?;
        let code = match self.days.learnt(at.day, outcome) {
            Code::UNKNOWN => {
                let (sent, received) = (&sent_at, received.map(|r| r.0));
                let learn = (rule, outcome);
                self.days
                    .learn(agreement, clocks, learn, recipient, sent, received, &at)?
            }
            code => code,
        };
        Some(match code {
            Code::ANCHOR => quick(Day::Number(at.day), effective(&at, text)?),
            Code::NONE | Code::UNKNOWN => return None,
            Code(k) => {
                let day = at.day.checked_add(u32::from(k - 2))?;
                let (utc, offset, second) = self.days.start(day)?;
                let text = crate::time::wall_bytes(date_of(day)?, second, offset)?;
                quick(
                    Day::Number(day),
                    Effective::Text(utc, FixedOffset::east_opt(offset)?, text),
                )
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{Answered, EventRef};
    use crate::{Rules, Source};
    use proptest::prelude::*;

    /// [`Stamp::read`] byte by byte, as the text describes the shape.
    fn read_plainly(text: &str) -> Option<(u32, u32, u32, u32, i32, bool)> {
        let &[
            y0,
            y1,
            y2,
            y3,
            b'-',
            m0,
            m1,
            b'-',
            d0,
            d1,
            b'T',
            h0,
            h1,
            b':',
            n0,
            n1,
            b':',
            s0,
            s1,
            sign @ (b'+' | b'-'),
            oh0,
            oh1,
            b':',
            om0,
            om1,
        ] = text.as_bytes()
        else {
            return None;
        };
        let two = |a: u8, b: u8| -> Option<u32> {
            let (a, b) = (a.checked_sub(b'0')?, b.checked_sub(b'0')?);
            (a <= 9 && b <= 9).then(|| u32::from(a * 10 + b))
        };
        let (hour, minute, second) = (two(h0, h1)?, two(n0, n1)?, two(s0, s1)?);
        let (oh, om) = (two(oh0, oh1)?, two(om0, om1)?);
        if hour > 23 || minute > 59 || second > 59 || oh > 23 || om > 59 {
            return None;
        }
        let offset = i32::try_from(oh * 3600 + om * 60).unwrap();
        let minus = sign == b'-';
        Some((
            two(y0, y1)? * 100 + two(y2, y3)?,
            two(m0, m1)?,
            two(d0, d1)?,
            (hour * 60 + minute) * 60 + second,
            if minus { -offset } else { offset },
            minus,
        ))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Eight bytes at a time reads what byte by byte reads, of times with a few bytes
        /// changed (to digits, marks, letters or a letter above ASCII) or cut short.
        #[test]
        fn stamps_read_as_byte_by_byte(
            seconds in -62_000_000_000i64..253_000_000_000,
            minutes in -1439i32..=1439,
            changes in proptest::collection::vec(
                (0usize..26, prop::sample::select(
                    &["0", "5", "9", ":", "-", "+", "T", " ", "Z", "t", "/", "\u{e9}"][..],
                )),
                0..3,
            ),
        ) {
            let zone = FixedOffset::east_opt(minutes * 60).unwrap();
            let t = DateTime::from_timestamp(seconds, 0).unwrap().with_timezone(&zone);
            let mut text = t.format("%Y-%m-%dT%H:%M:%S%:z").to_string();
            for (at, new) in changes {
                // In place, keeping the length (`é` takes two bytes); past the end, cut.
                match text.get(at..at + new.len()) {
                    Some(_) => text.replace_range(at..at + new.len(), new),
                    None => {
                        let cut = (0..=at % 25).rev().find(|&n| text.is_char_boundary(n));
                        text.truncate(cut.unwrap_or(0));
                    }
                }
            }
            let read = Stamp::read(&text)
                .map(|s| (s.year, s.month, s.day, s.second, s.offset, s.minus));
            prop_assert_eq!(read, read_plainly(&text), "{}", text);
        }
    }

    /// Every date of years 0 to 9999 has chrono's day number (less 305, chrono counting
    /// from 0001-01-01), one more than the day before; a day past its month's end has
    /// another day of the month than the one written.
    #[test]
    fn day_numbers_count_the_days() {
        let mut date = NaiveDate::from_ymd_opt(0, 3, 1).unwrap();
        let mut last = None;
        while date.year() <= 9999 {
            let (y, m, d) = (date.year() as u32, date.month(), date.day());
            let n = day_number(y, m, d).unwrap();
            assert_eq!(
                i64::from(n) - 305,
                i64::from(date.num_days_from_ce()),
                "{date}"
            );
            assert_eq!(last.map(|l: u32| l + 1).unwrap_or(0), n, "{date}");
            assert!((n as usize) < PAGES * PAGE);
            let next = date.succ_opt().unwrap();
            if next.month() != m {
                for past in d + 1..=31 {
                    let n = day_number(y, m, past).unwrap();
                    let other = NaiveDate::from_num_days_from_ce_opt(n as i32 - 305).unwrap();
                    assert_ne!(other.day(), past, "{y}-{m}-{past}");
                }
            }
            last = Some(n);
            date = next;
        }
        assert_eq!(
            NaiveDate::from_num_days_from_ce_opt(UNIX_DAY as i32 - 305),
            Some(NaiveDate::default())
        );
        assert_eq!(day_number(0, 2, 29), None);
        assert_eq!(day_number(10_000, 1, 1), None);
        assert_eq!(day_number(2000, 13, 1), None);
        assert_eq!(day_number(2000, 1, 0), None);
        assert_eq!(day_number(2000, 1, 32), None);
    }

    /// The reference rules, with the agreement's clock moved to `zone`.
    fn rules_in(zone: &str) -> Rules {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/spa-2000-02-25.rules");
        let text = std::fs::read_to_string(path).unwrap();
        let text = text.replace(
            "time-zone \"America/New_York\"",
            &format!("time-zone \"{zone}\""),
        );
        Rules::from_source(Source {
            name: "moved.rules".into(),
            text,
        })
        .unwrap()
    }

    /// Learns the class of a notice sent at `text` to the company's designated number, and
    /// reads it again from the text.
    fn send(shortcuts: &mut Shortcuts<'_>, method: &str, text: &str) -> (Option<Quick>, Quick) {
        let sent = crate::time::parse_instant(text, chrono_tz::UTC, None).unwrap();
        let event = EventRef {
            method,
            sent: Some(sent),
            received: None,
            to: Some("company"),
            from: None,
            fax_number: Some("(949) 788-6706"),
            companions: &[],
            designation: None,
        };
        let Ok(Answered::Quick(learnt)) = shortcuts.evaluate(event) else {
            panic!("{text}: no shortcut");
        };
        let read = shortcuts.by_text(
            method,
            text,
            None,
            Some("company"),
            Some("(949) 788-6706"),
            false,
        );
        (read, learnt)
    }

    fn fax_at(shortcuts: &mut Shortcuts<'_>, text: &str) -> (Option<Quick>, Quick) {
        send(shortcuts, "fax", text)
    }

    #[test]
    fn a_time_written_with_the_clocks_offset_is_written_back_as_it_stands() {
        let rules = rules_in("America/New_York");
        let mut shortcuts = Shortcuts::new(&rules);
        let text = "2000-03-03T14:15:00-05:00";
        let (read, learnt) = fax_at(&mut shortcuts, text);
        let read = read.expect("read from the text");
        assert_eq!(read.written().map(|w| &w[..]), Some(text.as_bytes()));
        assert_eq!(read.effective_at(), learnt.effective_at());
        assert_eq!(read.deemed_date(), learnt.deemed_date());
        // The same instant in UTC is served too, and written on the clock's offset.
        let utc = "2000-03-03T19:15:00+00:00";
        let read = shortcuts.by_text(
            "fax",
            utc,
            None,
            Some("company"),
            Some("(949) 788-6706"),
            false,
        );
        let read = read.expect("read from the text");
        assert_eq!(read.written(), None);
        assert_eq!(read.effective_at(), learnt.effective_at());
    }

    #[test]
    fn a_utc_day_reaching_into_a_day_of_change_is_read_on_its_own() {
        let rules = rules_in("America/New_York");
        let mut shortcuts = Shortcuts::new(&rules);
        // 2000-04-03 in UTC is 2000-04-02 20:00 to 2000-04-03 19:59:59 in New York, all
        // on daylight time, though 2000-04-02 itself began on standard time.
        for text in [
            "2000-04-03T15:00:00-04:00",
            "2000-04-03T03:00:00+00:00",
            "2000-04-03T19:00:00+00:00",
        ] {
            let (read, learnt) = send(&mut shortcuts, "courier", text);
            let read = read.unwrap_or_else(|| panic!("{text}: read from the text"));
            assert_eq!(
                (read.deemed_date(), read.effective_at()),
                (learnt.deemed_date(), learnt.effective_at()),
                "{text}"
            );
        }
        // A written day that takes in the change itself is left to the full reading: the
        // UTC day before, and 2000-04-03 at +19:00 (from 2000-04-02 01:00 in New York).
        for text in ["2000-04-02T12:00:00+00:00", "2000-04-03T12:00:00+19:00"] {
            let (read, _) = send(&mut shortcuts, "courier", text);
            assert!(read.is_none(), "{text}");
        }
    }

    /// A date's four bytes hold what the clock and the calendar say of it, on clocks east
    /// and west, in quarter hours and half hours.
    #[test]
    fn dates_pack_what_the_clock_and_calendar_say() {
        for zone in [
            "America/New_York",
            "Asia/Kathmandu",
            "Pacific/Kiritimati",
            "Etc/GMT+12",
            "Australia/Lord_Howe",
        ] {
            let rules = rules_in(zone);
            let agreement = rules.agreement.as_ref().unwrap();
            let clocks = &agreement.plan.clocks;
            let mut days = Days::default();
            let mut date = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
            while date.year() < 2001 {
                let day = day_number(date.year() as u32, date.month(), date.day()).unwrap();
                let read = days.date(agreement, clocks, day).unwrap();
                let start = agreement.clock.start_of_day(date).unwrap();
                assert_eq!(
                    read.offset(),
                    start.offset().local_minus_utc(),
                    "{zone} {date}"
                );
                assert_eq!(read.mday(), date.day());
                assert!(read.has(READ) && read.has(COVERED));
                assert_eq!(
                    read.has(MIDNIGHT),
                    start.time() == NaiveTime::MIN,
                    "{zone} {date}"
                );
                let business = agreement.calendar.is_business_day(date).unwrap();
                assert_eq!(days.days(day, read)[0] & 1 != 0, business, "{date}");
                date = date.succ_opt().unwrap();
            }
        }
    }

    #[test]
    fn a_second_clock_reads_its_own_business_days() {
        // The example agreement reads the sending on its Pacific clock and a hand
        // delivery's receipt on the recipient's: two clocks, each with its business days.
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("rules/example-pacific-notice.rules");
        let rules = Rules::from_source(Source {
            name: "example-pacific-notice.rules".into(),
            text: std::fs::read_to_string(path).unwrap(),
        })
        .unwrap();
        let mut shortcuts = Shortcuts::new(&rules);
        // Sent and received on Friday 2000-03-03, a Trading Day, before 5:00 p.m.: clause
        // c1, on the day of receipt.
        let (sent, received) = ("2000-03-03T09:00:00-08:00", "2000-03-03T10:00:00-08:00");
        let at = |text| crate::time::parse_instant(text, chrono_tz::UTC, None).unwrap();
        let event = EventRef {
            method: "hand",
            sent: Some(at(sent)),
            received: Some(at(received)),
            to: Some("borrower"),
            from: None,
            fax_number: None,
            companions: &[],
            designation: None,
        };
        let Ok(Answered::Quick(learnt)) = shortcuts.evaluate(event) else {
            panic!("no shortcut");
        };
        let read = shortcuts.by_text("hand", sent, Some(received), Some("borrower"), None, false);
        let read = read.expect("read from the text");
        assert_eq!(read.deemed_date(), NaiveDate::from_ymd_opt(2000, 3, 3));
        assert_eq!(
            (read.deemed_date(), read.effective_at(), read.clause),
            (learnt.deemed_date(), learnt.effective_at(), learnt.clause)
        );
    }

    #[test]
    fn a_day_past_its_months_end_is_left_to_the_full_reading() {
        let rules = rules_in("America/New_York");
        let mut shortcuts = Shortcuts::new(&rules);
        // The class of a fax before 8:00 p.m. on a business day, learnt from 2001-03-01
        // and 2001-03-02, the days `02-29` and `02-30` would fall on.
        for text in ["2001-03-01T10:00:00-05:00", "2001-03-02T10:00:00-05:00"] {
            let (read, _) = fax_at(&mut shortcuts, text);
            assert!(read.is_some(), "{text}");
        }
        for text in ["2001-02-29T10:00:00-05:00", "2001-02-30T10:00:00-05:00"] {
            let to = (Some("company"), Some("(949) 788-6706"));
            let read = shortcuts.by_text("fax", text, None, to.0, to.1, false);
            assert!(read.is_none(), "{text}");
        }
    }

    #[test]
    fn minus_zero_is_not_written_back() {
        let rules = rules_in("Europe/London");
        let mut shortcuts = Shortcuts::new(&rules);
        let (plus, _) = fax_at(&mut shortcuts, "2000-03-03T11:15:00+00:00");
        assert!(plus.expect("read from the text").written().is_some());
        let (minus, learnt) = fax_at(&mut shortcuts, "2000-03-03T11:15:00-00:00");
        let minus = minus.expect("read from the text");
        assert_eq!(minus.written(), None);
        assert_eq!(minus.effective_at(), learnt.effective_at());
    }

    #[test]
    fn a_day_when_the_clock_changes_is_left_to_the_full_reading() {
        let rules = rules_in("America/New_York");
        let mut shortcuts = Shortcuts::new(&rules);
        // 2000-04-02: New York moved to daylight time at 2:00 a.m.
        let (read, _) = send(&mut shortcuts, "courier", "2000-04-02T14:15:00-04:00");
        assert!(read.is_none());
        let (read, learnt) = send(&mut shortcuts, "courier", "2000-04-03T14:15:00-04:00");
        let read = read.expect("read from the text");
        assert_eq!(
            (read.deemed_date(), read.effective_at()),
            (learnt.deemed_date(), learnt.effective_at())
        );
    }
}
