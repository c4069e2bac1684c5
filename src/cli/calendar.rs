//! `deemed calendar`: months, holidays and business-day arithmetic on any calendar.

use std::process::ExitCode;

use chrono::NaiveDate;
use deemed::calendar::weekday_date;
use deemed::{Calendar, Rules};
use serde_json::json;

use super::{Format, RulesArgs, print_error};

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct Args {
    #[command(subcommand)]
    query: Option<Query>,
    /// The month to draw, as YYYY-MM.
    #[arg(value_name = "YYYY-MM")]
    month: Option<String>,
    #[command(flatten)]
    options: Options,
}

#[derive(Debug, clap::Args)]
pub(crate) struct Options {
    #[command(flatten)]
    rules: RulesArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, clap::Subcommand)]
enum Query {
    /// The holidays and closures of a year, weekend ones included.
    Holidays {
        /// The year.
        year: i32,
        #[command(flatten)]
        options: Options,
    },
    /// The Business Day N Business Days after a date (N = 1: the next one).
    NextBusinessDay {
        /// The date, as YYYY-MM-DD.
        date: String,
        /// How many Business Days after.
        #[arg(default_value_t = 1)]
        n: u32,
        #[command(flatten)]
        options: Options,
    },
    /// Whether a date is a Business Day, and if not, why.
    IsBusinessDay {
        /// The date, as YYYY-MM-DD.
        date: String,
        #[command(flatten)]
        options: Options,
    },
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let result = match &args.query {
        Some(Query::Holidays { year, options }) => {
            with_calendar(options, |cal| holidays(cal, *year, options.format))
        }
        Some(Query::NextBusinessDay { date, n, options }) => with_calendar(options, |cal| {
            next_business_day(cal, date, *n, options.format)
        }),
        Some(Query::IsBusinessDay { date, options }) => {
            with_calendar(options, |cal| is_business_day(cal, date, options.format))
        }
        None => match &args.month {
            Some(month) => with_calendar(&args.options, |cal| {
                draw_month(cal, month, args.options.format)
            }),
            None => {
                print_error(
                    &"name a month (`deemed calendar 2000-07`) or a query",
                    Some("queries: `holidays <year>`, `next-business-day <date> [N]`, `is-business-day <date>`".into()),
                );
                Err(ExitCode::from(2))
            }
        },
    };
    match result {
        Ok(text) => match super::output::stdout(&text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        },
        Err(code) => code,
    }
}

/// Loads the rules and runs `f` on the calendar named by `--calendar`, or the agreement's.
fn with_calendar(
    options: &Options,
    f: impl FnOnce(&Calendar) -> Result<String, ExitCode>,
) -> Result<String, ExitCode> {
    let rules: Rules = options.rules.load()?;
    let calendar = match (&options.rules.calendar, rules.agreement()) {
        (Some(name), _) => rules.calendar(name),
        (None, Some(a)) => Some(a.calendar()),
        (None, None) => None,
    };
    match calendar {
        Some(cal) => f(cal),
        None => {
            print_error(
                &format!(
                    "`{}` has no agreement to take a calendar from",
                    rules.origin()
                ),
                Some(format!(
                    "name one with `--calendar`: {}",
                    rules.calendar_names().join(", ")
                )),
            );
            Err(ExitCode::from(2))
        }
    }
}

fn parse_date(text: &str) -> Result<NaiveDate, ExitCode> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        print_error(
            &format!("`{text}` is not a date"),
            Some("write it as YYYY-MM-DD, such as `2000-03-03`".into()),
        );
        ExitCode::from(1)
    })
}

fn out_of_range(e: deemed::calendar::OutOfRange) -> ExitCode {
    print_error(&e, None);
    ExitCode::from(1)
}

fn to_json(value: &serde_json::Value) -> Result<String, ExitCode> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| {
            print_error(&e, None);
            ExitCode::from(1)
        })
}

fn draw_month(cal: &Calendar, month: &str, format: Format) -> Result<String, ExitCode> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(|_| {
        print_error(
            &format!("`{month}` is not a month"),
            Some("write it as YYYY-MM, such as `2000-07`".into()),
        );
        ExitCode::from(1)
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

fn holidays(cal: &Calendar, year: i32, format: Format) -> Result<String, ExitCode> {
    let list = cal.holidays(year).map_err(out_of_range)?;
    match format {
        Format::Json => to_json(&serde_json::to_value(&list).unwrap_or_default()),
        Format::Text => {
            let mut out = format!("{year} ({})\n", cal.name());
            for h in list {
                out.push_str(&format!("  {}  {}\n", weekday_date(h.date), h.name));
            }
            Ok(out)
        }
    }
}

fn next_business_day(
    cal: &Calendar,
    date: &str,
    n: u32,
    format: Format,
) -> Result<String, ExitCode> {
    let from = parse_date(date)?;
    let (day, skipped) = cal.add_business_days(from, n).map_err(out_of_range)?;
    match format {
        Format::Json => to_json(&json!({"from": from, "n": n, "date": day, "skipped": skipped})),
        Format::Text => {
            let mut out = format!("{}\n", weekday_date(day));
            for s in skipped {
                out.push_str(&format!("  stepping over {s}\n"));
            }
            Ok(out)
        }
    }
}

fn is_business_day(cal: &Calendar, date: &str, format: Format) -> Result<String, ExitCode> {
    let day = parse_date(date)?;
    let why = cal.days_off(day).map_err(out_of_range)?;
    match format {
        Format::Json => to_json(&json!({"date": day, "business_day": why.is_empty(), "why": why})),
        Format::Text if why.is_empty() => Ok(format!(
            "yes: {} is a business day ({})\n",
            weekday_date(day),
            cal.name()
        )),
        Format::Text => {
            let reasons: Vec<String> = why.iter().map(|w| w.to_string()).collect();
            Ok(format!(
                "no: {} is not a business day ({}): {}\n",
                weekday_date(day),
                cal.name(),
                reasons.join("; ")
            ))
        }
    }
}
