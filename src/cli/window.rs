//! `deemed window`: when a period such as the warrants' five years opens and closes.

use std::path::PathBuf;

use super::failure::{Failure, Ran};

use deemed::calendar::weekday_date;
use deemed::ics;

use super::{Format, RulesArgs, print_answer, write_ics};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The period, as the rules name it (for the reference agreement, `warrant`).
    period: String,
    /// The date of the event the period runs from (for `warrant`, the date of issue), YYYY-MM-DD.
    #[arg(long = "issued", visible_alias = "from", value_name = "DATE")]
    anchor: String,
    /// Also say whether this instant is inside the window.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// When a notice was deemed given (as `when-effective` answers), for a period whose
    /// length depends on whether it came by a deadline (`unless-notice-by`).
    #[arg(long = "notice-given", value_name = "TIME")]
    notice_given: Option<String>,
    #[command(flatten)]
    rules: RulesArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Also write the window's last day as an iCalendar (RFC 5545) file.
    #[arg(long, value_name = "FILE")]
    ics: Option<PathBuf>,
}

pub(crate) fn run(args: &Args) -> Ran {
    let rules = args.rules.load()?;
    let query = deemed::query::WindowQuery {
        period: args.period.clone(),
        issued: args.anchor.clone(),
        at: args.at.clone(),
        notice_given: args.notice_given.clone(),
        agreement: args.rules.agreement.clone(),
    };
    let window = match deemed::query::window(&rules, &query) {
        Ok(w) => w,
        Err(e) => return Err(Failure::query(&e)),
    };
    let anchor = args.anchor.as_str();
    if let Some(path) = &args.ics {
        // A period that closes at a time of day is an instant in the calendar; one that
        // runs to the end of its last day, that whole day.
        let at_a_time = window.due + chrono::Duration::seconds(1) != window.closes
            || window.due.format("%H:%M:%S").to_string() != "23:59:59";
        let event = ics::IcsEvent {
            uid: format!("{}-{}-last-day@deemed", window.window, anchor),
            when: if at_a_time {
                ics::IcsTime::Instant(window.due)
            } else {
                ics::IcsTime::Day(window.last_day)
            },
            summary: format!("Last day of the {} window", window.window),
            description: format!(
                "{} is the last day of the `{}` window (from {}); it closes at {}. {}",
                weekday_date(window.last_day),
                window.window,
                anchor,
                window.closes.to_rfc3339(),
                window.reading
            ),
        };
        write_ics(path, &[event])?;
    }
    print_answer(&window, args.format)
}
