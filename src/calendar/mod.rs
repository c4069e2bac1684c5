//! Business-day calendars: built once from their rules, then answered from per-year tables.
//!
//! A [`Calendar`] is made by the checker from a `calendar` block (with its `include`s
//! flattened). Every year of its range is worked out when it is built: a bit per day that is
//! not a Business Day, and the named reasons for the holidays and closures. Queries are then
//! a table look-up; dates outside the range are an error, never a guess.

use std::fmt;
use std::sync::Arc;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Serialize;

use crate::syntax::ast::{DateRule, Relation, Shift};
use crate::words::{Render, display_by_render};

mod dates;

use dates::observances;

/// Why a day is not a Business Day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DayOff {
    /// A weekend day.
    Weekend {
        /// Its weekday, in English.
        weekday: &'static str,
    },
    /// A holiday, possibly observed on another day than its own.
    Holiday {
        /// The holiday's name.
        name: Arc<str>,
        /// The holiday's own date when it is observed on this one instead.
        #[serde(skip_serializing_if = "Option::is_none")]
        observed_for: Option<NaiveDate>,
    },
    /// A one-off closure.
    Closure {
        /// Why, with its source.
        reason: Arc<str>,
    },
}

display_by_render!(DayOff, WeekdayDate);

impl Render for DayOff {
    fn render(&self, out: &mut String) {
        match self {
            DayOff::Weekend { weekday } => {
                out.push_str(weekday);
                out.push_str(", a weekend day");
            }
            DayOff::Holiday {
                name,
                observed_for: None,
            } => out.push_str(name),
            DayOff::Holiday {
                name,
                observed_for: Some(d),
            } => {
                out.push_str(name);
                out.push_str(" (observed; falls on ");
                weekday_date(*d).render(out);
                out.push(')');
            }
            DayOff::Closure { reason } => {
                out.push_str("closed: ");
                out.push_str(reason);
            }
        }
    }
}

/// A day that business-day arithmetic stepped over, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedDay {
    /// The day.
    pub date: NaiveDate,
    /// Every reason it is not a Business Day.
    pub why: Vec<DayOff>,
}

impl fmt::Display for SkippedDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (", weekday_date(self.date))?;
        for (n, why) in self.why.iter().enumerate() {
            if n > 0 {
                write!(f, "; ")?;
            }
            write!(f, "{why}")?;
        }
        write!(f, ")")
    }
}

/// A date outside the years a calendar covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfRange {
    /// The calendar.
    pub calendar: String,
    /// The date asked about (for a year no date can be written in, the earliest date).
    pub date: NaiveDate,
    /// The year asked about.
    pub year: i32,
    /// The first year covered.
    pub first: i32,
    /// The last year covered.
    pub last: i32,
}

impl fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.date.year() == self.year {
            true => self.date.to_string(),
            false => format!("year {}", self.year),
        };
        write!(
            f,
            "{what} is outside calendar `{}`, which covers {} through {}",
            self.calendar, self.first, self.last
        )
    }
}

impl std::error::Error for OutOfRange {}

/// A holiday rule after `include`s are flattened.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct HolidaySpec {
    pub name: Arc<str>,
    pub rule: DateRule,
    pub from: Option<i32>,
    pub through: Option<i32>,
    /// How it is observed, fixed by the calendar that declares it.
    pub observe: Observe,
}

/// How a holiday is observed when it falls on a given weekday, worked out when its own
/// calendar is flattened (an including calendar's rules never move it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Observe {
    /// Moved by these shift rules: the holiday's own `observed` rules, or its calendar's
    /// `shift` rules less the weekdays it is `unshifted` on.
    Shifts(Vec<Shift>),
    /// Kept on its day and, when that day is one of these weekdays, also observed on the
    /// next day that is neither a weekend day nor taken by another holiday.
    Substitute(Vec<Weekday>),
}

/// A calendar's rules after `include`s are flattened: what the checker hands to [`Calendar::build`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CalendarSpec {
    pub name: String,
    pub title: String,
    pub sources: Vec<String>,
    pub years: (i32, i32),
    pub weekend: Vec<Weekday>,
    pub holidays: Vec<HolidaySpec>,
    pub closed: Vec<(NaiveDate, Arc<str>)>,
    pub open: Vec<NaiveDate>,
}

/// One year's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
struct YearTable {
    /// Bit `n` is set when day `n` (0-based ordinal) is not a Business Day.
    closed: [u64; 6],
    /// Holidays and closures by 0-based ordinal, sorted (weekends are worked out on demand).
    offs: Vec<(u32, DayOff)>,
    /// Holidays whose own date is in this year but which are observed on another day.
    moved: Vec<(u32, Arc<str>)>,
}

impl YearTable {
    fn is_closed(&self, ordinal0: u32) -> bool {
        let (word, bit) = ((ordinal0 / 64) as usize, ordinal0 % 64);
        self.closed.get(word).is_some_and(|w| w & (1 << bit) != 0)
    }

    fn close(&mut self, ordinal0: u32) {
        let (word, bit) = ((ordinal0 / 64) as usize, ordinal0 % 64);
        if let Some(w) = self.closed.get_mut(word) {
            *w |= 1 << bit;
        }
    }
}

/// A checked business-day calendar.
///
/// ```
/// use chrono::NaiveDate;
/// let rules = deemed::Rules::default_rules().unwrap();
/// let cal = rules.calendar("us-ny-banking").unwrap();
/// let july_4 = NaiveDate::from_ymd_opt(2000, 7, 4).unwrap();
/// assert!(!cal.is_business_day(july_4).unwrap());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    name: String,
    title: String,
    sources: Vec<String>,
    first_year: i32,
    last_year: i32,
    weekend: [bool; 7],
    years: Vec<YearTable>,
}

impl Calendar {
    /// Works out every year of the range. Only the checker calls this.
    pub(crate) fn build(spec: &CalendarSpec) -> Calendar {
        let (first_year, last_year) = spec.years;
        let mut weekend = [false; 7];
        for day in &spec.weekend {
            if let Some(w) = weekend.get_mut(day.num_days_from_monday() as usize) {
                *w = true;
            }
        }
        let mut years = Vec::new();
        for year in first_year..=last_year {
            let mut table = YearTable {
                closed: [0; 6],
                offs: Vec::new(),
                moved: Vec::new(),
            };
            for day in observances(spec, &weekend, year) {
                if day.moved && day.actual.year() == year {
                    table.moved.push((day.actual.ordinal0(), day.name.clone()));
                }
                if day.observed.year() == year {
                    table.offs.push((
                        day.observed.ordinal0(),
                        DayOff::Holiday {
                            name: day.name,
                            observed_for: (day.observed != day.actual).then_some(day.actual),
                        },
                    ));
                }
            }
            for (date, reason) in &spec.closed {
                if date.year() == year {
                    table.offs.push((
                        date.ordinal0(),
                        DayOff::Closure {
                            reason: reason.clone(),
                        },
                    ));
                }
            }
            table.offs.retain(|(ord, _)| {
                !spec
                    .open
                    .iter()
                    .any(|d| d.year() == year && d.ordinal0() == *ord)
            });
            table.offs.sort_by_key(|(ord, _)| *ord);
            let ordinals: Vec<u32> = table.offs.iter().map(|(o, _)| *o).collect();
            for ord in ordinals {
                table.close(ord);
            }
            let mut day = NaiveDate::from_yo_opt(year, 1);
            while let Some(d) = day.filter(|d| d.year() == year) {
                if weekend
                    .get(d.weekday().num_days_from_monday() as usize)
                    .copied()
                    .unwrap_or(false)
                {
                    table.close(d.ordinal0());
                }
                day = d.succ_opt();
            }
            years.push(table);
        }
        Calendar {
            name: spec.name.clone(),
            title: spec.title.clone(),
            sources: spec.sources.clone(),
            first_year,
            last_year,
            weekend,
            years,
        }
    }

    /// The calendar's name, such as `us-ny-banking`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the calendar is.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Where its schedule comes from.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// The first and last year covered.
    pub fn years(&self) -> (i32, i32) {
        (self.first_year, self.last_year)
    }

    fn table(&self, date: NaiveDate) -> Result<&YearTable, OutOfRange> {
        usize::try_from(date.year() - self.first_year)
            .ok()
            .and_then(|n| self.years.get(n))
            .ok_or_else(|| self.out_of_range(date))
    }

    /// The error for a year no date can be written in (far outside the calendar's years).
    fn year_out_of_range(&self, year: i32) -> OutOfRange {
        OutOfRange {
            year,
            ..self.out_of_range(NaiveDate::MIN)
        }
    }

    /// The error for a date outside the calendar's years.
    pub(crate) fn out_of_range(&self, date: NaiveDate) -> OutOfRange {
        OutOfRange {
            calendar: self.name.clone(),
            date,
            year: date.year(),
            first: self.first_year,
            last: self.last_year,
        }
    }

    /// Whether `date` is a Business Day.
    pub fn is_business_day(&self, date: NaiveDate) -> Result<bool, OutOfRange> {
        Ok(!self.table(date)?.is_closed(date.ordinal0()))
    }

    /// Every reason `date` is not a Business Day (empty when it is one), weekend first.
    pub fn days_off(&self, date: NaiveDate) -> Result<Vec<DayOff>, OutOfRange> {
        let table = self.table(date)?;
        let mut why = Vec::new();
        if self.is_weekend(date.weekday()) {
            why.push(DayOff::Weekend {
                weekday: weekday_name(date.weekday()),
            });
        }
        let ord = date.ordinal0();
        why.extend(
            table
                .offs
                .iter()
                .filter(|(o, _)| *o == ord)
                .map(|(_, off)| off.clone()),
        );
        Ok(why)
    }

    /// Whether `day` is a weekend day of this calendar.
    pub fn is_weekend(&self, day: Weekday) -> bool {
        self.weekend
            .get(day.num_days_from_monday() as usize)
            .copied()
            .unwrap_or(false)
    }

    /// The `n`th Business Day after `date` (`n` = 1: the next one), with the days stepped over.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// let rules = deemed::Rules::default_rules().unwrap();
    /// let cal = rules.calendar("us-ny-banking").unwrap();
    /// let friday = NaiveDate::from_ymd_opt(2000, 3, 3).unwrap();
    /// let (monday, skipped) = cal.add_business_days(friday, 1).unwrap();
    /// assert_eq!(monday, NaiveDate::from_ymd_opt(2000, 3, 6).unwrap());
    /// assert_eq!(skipped.len(), 2);
    /// ```
    pub fn add_business_days(
        &self,
        date: NaiveDate,
        n: u32,
    ) -> Result<(NaiveDate, Vec<SkippedDay>), OutOfRange> {
        let mut skipped = Vec::new();
        let mut trouble = None;
        let day = self.step_business_days(date, n, |d| match self.days_off(d) {
            Ok(why) => skipped.push(SkippedDay { date: d, why }),
            Err(e) => trouble = Some(e),
        })?;
        match trouble {
            Some(e) => Err(e),
            None => Ok((day, skipped)),
        }
    }

    /// The `n`th Business Day before `date` (`n` = 1: the previous one), with the days
    /// stepped over.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// let rules = deemed::Rules::default_rules().unwrap();
    /// let cal = rules.calendar("us-ny-banking").unwrap();
    /// let monday = NaiveDate::from_ymd_opt(2000, 3, 6).unwrap();
    /// let (friday, skipped) = cal.sub_business_days(monday, 1).unwrap();
    /// assert_eq!(friday, NaiveDate::from_ymd_opt(2000, 3, 3).unwrap());
    /// assert_eq!(skipped.len(), 2);
    /// ```
    pub fn sub_business_days(
        &self,
        date: NaiveDate,
        n: u32,
    ) -> Result<(NaiveDate, Vec<SkippedDay>), OutOfRange> {
        self.table(date)?;
        let mut skipped = Vec::new();
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = day.pred_opt().ok_or_else(|| self.out_of_range(day))?;
            let why = self.days_off(day)?;
            if why.is_empty() {
                left -= 1;
            } else {
                skipped.push(SkippedDay { date: day, why });
            }
        }
        Ok((day, skipped))
    }

    /// The last Business Day before `date`.
    pub fn business_day_before(&self, date: NaiveDate) -> Result<NaiveDate, OutOfRange> {
        let mut day = date;
        loop {
            day = day.pred_opt().ok_or_else(|| self.out_of_range(day))?;
            if self.is_business_day(day)? {
                return Ok(day);
            }
        }
    }

    /// The `n`th Business Day after `date`, without the list of days stepped over.
    pub fn nth_business_day_after(&self, date: NaiveDate, n: u32) -> Result<NaiveDate, OutOfRange> {
        self.step_business_days(date, n, |_| {})
    }

    fn step_business_days(
        &self,
        date: NaiveDate,
        n: u32,
        mut on_skip: impl FnMut(NaiveDate),
    ) -> Result<NaiveDate, OutOfRange> {
        // The start date itself must lie in range, even for n = 0.
        self.table(date)?;
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = day
                .checked_add_days(Days::new(1))
                .ok_or_else(|| self.out_of_range(day))?;
            if self.is_business_day(day)? {
                left -= 1;
            } else {
                on_skip(day);
            }
        }
        Ok(day)
    }

    /// The holidays and closures of `year` in date order, weekend ones included: a holiday
    /// observed on another day is listed on both, its own day and the observed one.
    ///
    /// ```
    /// let rules = deemed::Rules::default_rules().unwrap();
    /// let cal = rules.calendar("us-ny-banking").unwrap();
    /// let list = cal.holidays(2022).unwrap();
    /// let christmas: Vec<String> = list.iter().filter(|h| h.name.starts_with("Christmas"))
    ///     .map(|h| format!("{} {}", h.date, h.name)).collect();
    /// assert_eq!(christmas, ["2022-12-25 Christmas Day", "2022-12-26 Christmas Day (observed)"]);
    /// ```
    pub fn holidays(&self, year: i32) -> Result<Vec<Listed>, OutOfRange> {
        let probe = NaiveDate::from_yo_opt(year, 1).ok_or_else(|| self.year_out_of_range(year))?;
        let table = self.table(probe)?;
        let date = |ord: u32| NaiveDate::from_yo_opt(year, ord + 1);
        let mut list: Vec<Listed> = table
            .offs
            .iter()
            .filter_map(|(ord, off)| {
                let name = match off {
                    DayOff::Holiday {
                        name,
                        observed_for: Some(_),
                    } => format!("{name} (observed)"),
                    DayOff::Holiday { name, .. } => name.to_string(),
                    DayOff::Closure { reason } => reason.to_string(),
                    DayOff::Weekend { weekday } => weekday.to_string(),
                };
                Some(Listed {
                    date: date(*ord)?,
                    name,
                    closes: true,
                })
            })
            .chain(table.moved.iter().filter_map(|(ord, name)| {
                Some(Listed {
                    date: date(*ord)?,
                    name: name.to_string(),
                    closes: false,
                })
            }))
            .collect();
        list.sort_by_key(|l| (l.date, !l.closes));
        Ok(list)
    }
}

/// A holiday or closure in a year's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed {
    /// The day.
    pub date: NaiveDate,
    /// The holiday's name (with "(observed)" on the day it is observed instead), or the
    /// closure's reason.
    pub name: String,
    /// False for a holiday's own day when it is observed on another.
    #[serde(skip)]
    pub closes: bool,
}

/// A month drawn for the terminal: Business Days plain, weekends in brackets, holidays and
/// closures starred and named below.
pub struct MonthView<'c> {
    calendar: &'c Calendar,
    first: NaiveDate,
}

impl Calendar {
    /// The month view of `year`-`month`.
    pub fn month(&self, year: i32, month: u32) -> Result<MonthView<'_>, OutOfRange> {
        let first =
            NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| self.year_out_of_range(year))?;
        self.table(first)?;
        Ok(MonthView {
            calendar: self,
            first,
        })
    }
}

impl fmt::Display for MonthView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cal = self.calendar;
        let month = self.first.month();
        let name = crate::words::month_name(month);
        writeln!(f, "{name} {} ({})", self.first.year(), cal.name)?;
        writeln!(f, "  Mo   Tu   We   Th   Fr   Sa   Su")?;
        let lead = self.first.weekday().num_days_from_monday() as usize;
        let mut line = "     ".repeat(lead);
        let mut notes = Vec::new();
        let mut business = 0;
        let mut day = Some(self.first);
        while let Some(d) = day.filter(|d| d.month() == month) {
            let offs = cal.days_off(d).unwrap_or_default();
            let weekend = cal.is_weekend(d.weekday());
            let named: Vec<String> = offs
                .iter()
                .filter(|o| !matches!(o, DayOff::Weekend { .. }))
                .map(|o| o.to_string())
                .collect();
            let cell = if !named.is_empty() {
                notes.push(format!("  *{:>2}  {}", d.day(), named.join("; ")));
                format!(" *{:>2} ", d.day())
            } else if weekend {
                format!(" ({:>2})", d.day())
            } else {
                business += 1;
                format!("  {:>2} ", d.day())
            };
            line.push_str(&cell);
            if d.weekday() == Weekday::Sun {
                writeln!(f, "{}", line.trim_end())?;
                line.clear();
            }
            day = d.succ_opt();
        }
        if !line.trim().is_empty() {
            writeln!(f, "{}", line.trim_end())?;
        }
        for note in notes {
            writeln!(f, "{note}")?;
        }
        writeln!(
            f,
            "  (  ) weekend   * holiday or closure   {business} business days"
        )
    }
}

/// `Monday`, `Tuesday`, ...
pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// `Monday 2000-03-06`: displays a date with its weekday.
///
/// ```
/// let d = chrono::NaiveDate::from_ymd_opt(2000, 3, 6).unwrap();
/// assert_eq!(deemed::calendar::weekday_date(d).to_string(), "Monday 2000-03-06");
/// ```
pub fn weekday_date(date: NaiveDate) -> WeekdayDate {
    WeekdayDate(date)
}

/// A date shown with its weekday, written without building a string first.
#[derive(Debug, Clone, Copy)]
pub struct WeekdayDate(pub NaiveDate);

impl Render for WeekdayDate {
    fn render(&self, out: &mut String) {
        let d = self.0;
        out.push_str(weekday_name(d.weekday()));
        out.push(' ');
        if (0..=9999).contains(&d.year()) {
            let mut buf = [0u8; 10];
            let y = d.year() as u32;
            let digits = [
                y / 1000,
                y / 100 % 10,
                y / 10 % 10,
                y % 10,
                10,
                d.month() / 10,
                d.month() % 10,
                10,
                d.day() / 10,
                d.day() % 10,
            ];
            for (b, n) in buf.iter_mut().zip(digits) {
                *b = if n == 10 { b'-' } else { b'0' + n as u8 };
            }
            out.push_str(std::str::from_utf8(&buf).unwrap_or(""));
        } else {
            let _ = fmt::Write::write_fmt(out, format_args!("{d}"));
        }
    }
}
