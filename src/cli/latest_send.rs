//! `deemed latest-send`: for every method, the latest instant to send and still make a deadline.

use std::path::PathBuf;

use super::failure::{Failure, Ran};

use deemed::ics;

use super::{Format, RulesArgs, print_answer, write_ics};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The deadline: the notice must be deemed given no later than this instant.
    #[arg(
        long,
        value_name = "TIME",
        required_unless_present = "period",
        conflicts_with = "period"
    )]
    by: Option<String>,
    #[command(flatten)]
    period: super::PeriodDeadline,
    /// The recipient (its designated fax number is used for faxes).
    #[arg(long)]
    to: Option<String>,
    #[command(flatten)]
    rules: RulesArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Also write the latest instant of each method as an iCalendar (RFC 5545) file.
    #[arg(long, value_name = "FILE")]
    ics: Option<PathBuf>,
}

pub(crate) fn run(args: &Args) -> Ran {
    let rules = args.rules.load()?;
    let query = deemed::query::LatestQuery {
        by: args.by.clone(),
        period: args.period.period.clone(),
        issued: args.period.issued.clone(),
        to: args.to.clone(),
        agreement: args.rules.agreement.clone(),
    };
    let answer = match deemed::query::latest_send(&rules, &query) {
        Ok(a) => a,
        Err(e) => return Err(Failure::query(&e)),
    };
    let by = answer.by;
    if let Some(path) = &args.ics {
        let events: Vec<ics::IcsEvent> = answer
            .methods
            .iter()
            .filter_map(|m| {
                let latest = m.latest?;
                Some(ics::IcsEvent {
                    uid: format!("latest-send-{}-{}@deemed", m.method, by.timestamp()),
                    when: ics::IcsTime::Instant(latest),
                    summary: format!("Last moment to send by {}", m.method),
                    description: format!(
                        "A notice sent by {} at {} is deemed given under clause {} on {}, in time for {}.{}",
                        m.method,
                        latest.to_rfc3339(),
                        m.clause.as_deref().unwrap_or("?"),
                        m.deemed_date.map(|d| d.to_string()).unwrap_or_default(),
                        by.to_rfc3339(),
                        m.note.as_deref().map(|n| format!(" Note: {n}.")).unwrap_or_default()
                    ),
                })
            })
            .collect();
        write_ics(path, &events)?;
    }
    print_answer(&answer, args.format)
}
