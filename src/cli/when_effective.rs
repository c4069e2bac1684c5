//! `deemed when-effective`: one notice, one answer with its explanation.

use std::process::ExitCode;

use super::failure::{Failure, Ran};

use clap::ValueEnum;
use deemed::query::Query;
use deemed::time::Fold;

use super::{Format, RulesArgs};

/// Which instant a local time means on the night the clocks change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FoldArg {
    /// The earlier instant.
    Earlier,
    /// The later instant.
    Later,
}

impl FoldArg {
    pub(crate) fn to_fold(self) -> Fold {
        match self {
            FoldArg::Earlier => Fold::Earlier,
            FoldArg::Later => Fold::Later,
        }
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// How the notice was sent: one of the methods of the rules in use
    #[arg(long, required_unless_present = "deliveries")]
    method: Option<String>,
    /// When it was sent: RFC 3339 (`2000-03-03T21:15:00-05:00`), or a local time in the agreement's time zone.
    /// May be left out for a notice known by its receipt, when the rule it falls under reads no sending.
    #[arg(long, required_unless_present_any = ["received", "deliveries"])]
    sent: Option<String>,
    /// A notice given several ways: each delivery as METHOD=TIME, or as
    /// `method=hand,sent=TIME,received=TIME` (also `to`, `from`, `fax_number`), in place of
    /// `--method` and `--sent`. Each is answered and the answers combine as the rules say
    /// (the earliest, unless the notice block's `deliveries` line says otherwise).
    /// Repeatable.
    #[arg(long = "delivery", value_name = "DELIVERY", conflicts_with_all = ["method", "sent"])]
    deliveries: Vec<String>,
    /// When it was actually received, in the same forms.
    #[arg(long)]
    received: Option<String>,
    /// The recipient: one of the agreement's parties.
    #[arg(long)]
    to: Option<String>,
    /// The sender: one of the agreement's parties (read by rules `in sender-time`).
    #[arg(long)]
    from: Option<String>,
    /// The facsimile number it was sent to; compared by digits.
    #[arg(long = "fax-number", value_name = "NUMBER")]
    fax_number: Option<String>,
    /// Another delivery of the same notice, as METHOD=TIME (a confirming copy by mail:
    /// `mail=2000-03-06T10:00:00-05:00`); read by `companion` conditions. Repeatable.
    #[arg(long = "companion", value_name = "METHOD=TIME")]
    companions: Vec<String>,
    #[command(flatten)]
    rules: RulesArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Which instant an ambiguous or nonexistent local time means (the nights the clocks change).
    #[arg(long, value_enum)]
    fold: Option<FoldArg>,
    /// Also say whether the notice is deemed given by this instant, and by how much.
    #[arg(long, value_name = "TIME", conflicts_with = "period")]
    deadline: Option<String>,
    #[command(flatten)]
    period: super::PeriodDeadline,
    /// With a deadline: exit with code 3 when it is missed, 4 when it cannot be told yet (the
    /// notice is pending or not valid), for scripts.
    #[arg(long)]
    fail_if_missed: bool,
    /// Notices of change (JSON Lines records with `changes`, as `batch --addresses` reads
    /// them): the recipient's numbers they designate for the sender hold from when each is
    /// deemed given.
    #[arg(long, value_name = "FILE")]
    addresses: Option<std::path::PathBuf>,
}

pub(crate) fn run(args: &Args) -> Ran {
    let rules = args.rules.load()?;
    if args.fail_if_missed && args.deadline.is_none() && args.period.period.is_none() {
        return Err(Failure::new(
            "--fail-if-missed needs a deadline",
            Some("give `--deadline TIME`, or `--period NAME --issued DATE`".into()),
        ));
    }
    let changes = match &args.addresses {
        None => Vec::new(),
        Some(path) => {
            let found = std::fs::File::open(path).and_then(|f| {
                deemed::batch::ChangeLine::find_in(
                    &path.display().to_string(),
                    std::io::BufReader::new(f),
                )
            });
            match found {
                Ok(found) => found,
                Err(e) => {
                    return Err(Failure::new(
                        format!("cannot read `{}`: {e}", path.display()),
                        None,
                    ));
                }
            }
        }
    };
    let mut deliveries = Vec::with_capacity(args.deliveries.len());
    for text in &args.deliveries {
        match deemed::query::QueryDelivery::parse(text) {
            Ok(d) => deliveries.push(d),
            Err(e) => return Err(Failure::query(&e)),
        }
    }
    let query = Query {
        method: args.method.clone().unwrap_or_default(),
        deliveries,
        sent: args.sent.clone(),
        received: args.received.clone(),
        to: args.to.clone(),
        from: args.from.clone(),
        fax_number: args.fax_number.clone(),
        companions: args.companions.clone(),
        deadline: args.deadline.clone(),
        period: args.period.period.clone(),
        issued: args.period.issued.clone(),
        agreement: args.rules.agreement.clone(),
        fold: args.fold.map(FoldArg::to_fold),
    };
    let answer = match deemed::query::when_effective(&rules, &query, &changes) {
        Ok(a) => a,
        Err(e) => return Err(Failure::query(&e)),
    };
    let text = match args.format {
        Format::Text => answer.to_string(),
        Format::Json => answer.to_json_text(),
    };
    super::output::stdout(&text)?;
    // With --fail-if-missed, the deadline's answer is the exit code: 3 missed, 4 not yet
    // known.
    Ok(match (args.fail_if_missed, answer.met()) {
        (true, Some(false)) => ExitCode::from(3),
        (true, None) => ExitCode::from(4),
        _ => ExitCode::SUCCESS,
    })
}
