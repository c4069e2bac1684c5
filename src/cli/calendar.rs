//! `deemed calendar`: months, holidays and business-day arithmetic on any calendar.

use std::process::ExitCode;

use super::failure::{Failure, Ran};

use chrono::NaiveDate;
use deemed::calendar::weekday_date;
use deemed::{Calendar, Rules};
use serde_json::json;

use super::{Format, RulesArgs};

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct Args {
    #[command(subcommand)]
    query: Option<CalendarQuery>,
    /// The month to draw, as YYYY-MM.
    #[arg(value_name = "YYYY-MM")]
    month: Option<String>,
    #[command(flatten)]
    options: CalendarOptions,
}

#[derive(Debug, clap::Args)]
pub(crate) struct CalendarOptions {
    #[command(flatten)]
    rules: RulesArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

#[derive(Debug, clap::Subcommand)]
enum CalendarQuery {
    /// The holidays and closures of a year, weekend ones included.
    Holidays {
        /// The year.
        year: i32,
        #[command(flatten)]
        options: CalendarOptions,
    },
    /// The Business Day N Business Days after a date (N = 1: the next one; a negative N
    /// counts back).
    #[command(
        after_help = "Examples:\n  deemed calendar next-business-day 2024-12-24\n  deemed calendar next-business-day 2024-12-24 3 --calendar gb-eng\n  deemed calendar next-business-day 2024-12-27 -- -2\n\nExit codes:\n  0    answered (a date printed that is not a Business Day, with N = 0, says so)\n  1    a bad date, or a date outside the calendar's years\n  2    usage error, or the rules could not be read\n  141  standard output was closed before everything was written"
    )]
    NextBusinessDay {
        /// The date, as YYYY-MM-DD.
        date: String,
        /// How many Business Days after (before, when negative).
        #[arg(default_value_t = 1, allow_negative_numbers = true)]
        n: i64,
        #[command(flatten)]
        options: CalendarOptions,
    },
    /// The Business Day N Business Days before a date (N = 1: the previous one).
    #[command(
        after_help = "Examples:\n  deemed calendar previous-business-day 2024-12-27\n  deemed calendar previous-business-day 2022-06-06 2 --calendar gb-eng\n\nExit codes:\n  0    answered\n  1    a bad date, or a date outside the calendar's years\n  2    usage error, or the rules could not be read\n  141  standard output was closed before everything was written"
    )]
    PreviousBusinessDay {
        /// The date, as YYYY-MM-DD.
        date: String,
        /// How many Business Days before.
        #[arg(default_value_t = 1)]
        n: u32,
        #[command(flatten)]
        options: CalendarOptions,
    },
    /// Whether a date is a Business Day, and if not, why.
    #[command(
        after_help = "Examples:\n  deemed calendar is-business-day 2024-12-26 --calendar gb-eng\n  deemed calendar is-business-day 2024-07-04 --fail-if-not && echo open\n\nExit codes:\n  0    answered (with --fail-if-not: it is a Business Day)\n  1    a bad date, or a date outside the calendar's years\n  2    usage error, or the rules could not be read\n  3    with --fail-if-not: it is not a Business Day\n  141  standard output was closed before everything was written"
    )]
    IsBusinessDay {
        /// The date, as YYYY-MM-DD.
        date: String,
        /// Exit with code 3 when the date is not a Business Day (for scripts).
        #[arg(long)]
        fail_if_not: bool,
        #[command(flatten)]
        options: CalendarOptions,
    },
}

impl Args {
    /// The output format asked for, on whichever query.
    pub(crate) fn format(&self) -> Format {
        match &self.query {
            Some(
                CalendarQuery::Holidays { options, .. }
                | CalendarQuery::NextBusinessDay { options, .. }
                | CalendarQuery::PreviousBusinessDay { options, .. }
                | CalendarQuery::IsBusinessDay { options, .. },
            ) => options.format,
            None => self.options.format,
        }
    }
}

pub(crate) fn run(args: &Args) -> Ran {
    let result = match &args.query {
        Some(CalendarQuery::Holidays { year, options }) => {
            with_calendar(options, |cal| holidays(cal, *year, options.format))
        }
        Some(CalendarQuery::NextBusinessDay { date, n, options }) => {
            with_calendar(options, |cal| {
                step_business_days(cal, date, *n, options.format)
            })
        }
        Some(CalendarQuery::PreviousBusinessDay { date, n, options }) => {
            with_calendar(options, |cal| {
                step_business_days(cal, date, -i64::from(*n), options.format)
            })
        }
        Some(CalendarQuery::IsBusinessDay {
            date,
            fail_if_not,
            options,
        }) => {
            let answer = with_calendar(options, |cal| is_business_day(cal, date, options.format));
            // The answer, then (when asked) an exit code a script can test.
            let (text, business) = answer?;
            super::output::stdout(&text)?;
            return Ok(match *fail_if_not && !business {
                true => ExitCode::from(3),
                false => ExitCode::SUCCESS,
            });
        }
        None => match &args.month {
            Some(month) => with_calendar(&args.options, |cal| {
                draw_month(cal, month, args.options.format)
            }),
            None => Err(Failure::new(
                "name a month (`deemed calendar 2000-07`) or a query",
                Some("queries: `holidays <year>`, `next-business-day <date> [N]`, `previous-business-day <date> [N]`, `is-business-day <date>`".into()),
            )),
        },
    };
    super::output::stdout(&result?)?;
    Ok(ExitCode::SUCCESS)
}

/// Loads the rules and runs `f` on the calendar named by `--calendar`, or the agreement's.
fn with_calendar<T>(
    options: &CalendarOptions,
    f: impl FnOnce(&Calendar) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let rules: Rules = options.rules.load()?;
    let calendar = match (&options.rules.calendar, rules.agreement()) {
        (Some(name), _) => rules.calendar(name),
        (None, Some(a)) => Some(a.calendar()),
        (None, None) => None,
    };
    match calendar {
        Some(cal) => f(cal),
        None => Err(Failure::new(
            format!(
                "`{}` has no agreement to take a calendar from",
                rules.origin()
            ),
            Some(format!(
                "name one with `--calendar`: {}",
                rules.calendar_names().join(", ")
            )),
        )),
    }
}

fn parse_date(text: &str) -> Result<NaiveDate, Failure> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        Failure::new(
            format!("`{text}` is not a date"),
            Some("write it as YYYY-MM-DD, such as `2000-03-03`".into()),
        )
        .with_code(1)
    })
}

fn out_of_range(e: deemed::calendar::OutOfRange) -> Failure {
    Failure::new(e, None).with_code(1)
}

fn to_json(value: &serde_json::Value) -> Result<String, Failure> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| Failure::new(e, None).with_code(1))
}

fn draw_month(cal: &Calendar, month: &str, format: Format) -> Result<String, Failure> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(|_| {
        Failure::new(
            format!("`{month}` is not a month"),
            Some("write it as YYYY-MM, such as `2000-07`".into()),
        )
        .with_code(1)
    })?;
    use chrono::Datelike;
    let view = cal
        .month(first.year(), first.month())
        .map_err(out_of_range)?;
    match format {
        Format::Text => Ok(view.to_string()),
        Format::Json => {
            let mut days = Vec::new();
            let mut day = Some(first);
            while let Some(d) = day.filter(|d| d.month() == first.month()) {
                let why = cal.days_off(d).map_err(out_of_range)?;
                days.push(json!({"date": d, "business_day": why.is_empty(), "why": why}));
                day = d.succ_opt();
            }
            to_json(&json!({"month": month, "calendar": cal.name(), "days": days}))
        }
    }
}

fn holidays(cal: &Calendar, year: i32, format: Format) -> Result<String, Failure> {
    let list = cal.holidays(year).map_err(out_of_range)?;
    match format {
        Format::Json => to_json(&serde_json::to_value(&list).unwrap_or_default()),
        Format::Text => {
            let mut out = format!("{year} ({})\n", cal.name());
            let dates: Vec<String> = list
                .iter()
                .map(|h| weekday_date(h.date).to_string())
                .collect();
            let width = dates.iter().map(|d| d.chars().count()).max().unwrap_or(0);
            for (h, date) in list.iter().zip(&dates) {
                out.push_str(&format!("  {date:<width$}  {}\n", h.name));
            }
            Ok(out)
        }
    }
}

/// The Business Day `n` Business Days after `date` (before it, for a negative `n`); with
/// `n` = 0, the date itself, said not to be a Business Day when it is not one.
fn step_business_days(
    cal: &Calendar,
    date: &str,
    n: i64,
    format: Format,
) -> Result<String, Failure> {
    let from = parse_date(date)?;
    let count = u32::try_from(n.unsigned_abs()).map_err(|_| {
        Failure::new(
            format!("{n} business days is more than any calendar covers"),
            None,
        )
        .with_code(1)
    })?;
    let (day, skipped) = match n < 0 {
        true => cal.sub_business_days(from, count),
        false => cal.add_business_days(from, count),
    }
    .map_err(out_of_range)?;
    let why = cal.days_off(day).map_err(out_of_range)?;
    match format {
        Format::Json => to_json(&json!({
            "from": from, "n": n, "date": day, "business_day": why.is_empty(), "why": why,
            "skipped": skipped,
        })),
        Format::Text => {
            let mut out = weekday_date(day).to_string();
            if !why.is_empty() {
                let reasons: Vec<String> = why.iter().map(|w| w.to_string()).collect();
                out.push_str(&format!(
                    " (not a business day on {}: {})",
                    cal.name(),
                    reasons.join("; ")
                ));
            }
            out.push('\n');
            for s in skipped {
                out.push_str(&format!("  stepping over {s}\n"));
            }
            Ok(out)
        }
    }
}

/// The answer, and whether the date is a Business Day.
fn is_business_day(cal: &Calendar, date: &str, format: Format) -> Result<(String, bool), Failure> {
    let day = parse_date(date)?;
    let why = cal.days_off(day).map_err(out_of_range)?;
    let business = why.is_empty();
    let text = match format {
        Format::Json => to_json(&json!({"date": day, "business_day": business, "why": why}))?,
        Format::Text if business => format!(
            "yes: {} is a business day ({})\n",
            weekday_date(day),
            cal.name()
        ),
        Format::Text => {
            let reasons: Vec<String> = why.iter().map(|w| w.to_string()).collect();
            format!(
                "no: {} is not a business day ({}): {}\n",
                weekday_date(day),
                cal.name(),
                reasons.join("; ")
            )
        }
    };
    Ok((text, business))
}
