//! `deemed when-effective`: one notice, one answer with its explanation.

use std::process::ExitCode;

use clap::ValueEnum;
use deemed::time::{Fold, parse_instant};
use deemed::{Event, Rules};

use super::{Format, RulesArgs, print_error};

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
    /// How the notice was sent: one of the agreement's methods (fax, courier, hand, mail, email, ...).
    #[arg(long)]
    method: String,
    /// When it was sent: RFC 3339 (`2000-03-03T21:15:00-05:00`), or a local time in the agreement's time zone.
    #[arg(long)]
    sent: String,
    /// When it was actually received, in the same forms.
    #[arg(long)]
    received: Option<String>,
    /// The recipient: one of the agreement's parties (company, montrose, strong-river, counsel).
    #[arg(long)]
    to: Option<String>,
    /// The facsimile number it was sent to; compared by digits.
    #[arg(long = "fax-number", value_name = "NUMBER")]
    fax_number: Option<String>,
    #[command(flatten)]
    rules: RulesArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Which instant an ambiguous or nonexistent local time means (the nights the clocks change).
    #[arg(long, value_enum)]
    fold: Option<FoldArg>,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let rules = match args.rules.load() {
        Ok(r) => r,
        Err(code) => return code,
    };
    match answer(args, &rules) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

fn answer(args: &Args, rules: &Rules) -> Result<String, ExitCode> {
    let Some(agreement) = rules.agreement() else {
        print_error(&format!("`{}` has no agreement", rules.origin()), None);
        return Err(ExitCode::from(2));
    };
    let tz = agreement.time_zone();
    let fold = args.fold.map(FoldArg::to_fold);
    let read = |flag: &str, text: &str| {
        parse_instant(text, tz, fold).map_err(|e| {
            print_error(&format!("--{flag}: {e}"), Some(e.help()));
            ExitCode::from(1)
        })
    };
    let sent = read("sent", &args.sent)?;
    let received = args
        .received
        .as_deref()
        .map(|t| read("received", t))
        .transpose()?;
    let event = Event {
        method: args.method.clone(),
        sent,
        received,
        to: args.to.clone(),
        fax_number: args.fax_number.clone(),
    };
    let resolution = rules.evaluate(&event).map_err(|e| {
        print_error(&e, e.help());
        ExitCode::from(1)
    })?;
    Ok(match args.format {
        Format::Text => resolution.to_string(),
        Format::Json => {
            let json = serde_json::to_string_pretty(&resolution).map_err(|e| {
                print_error(&e, None);
                ExitCode::from(1)
            })?;
            json + "\n"
        }
    })
}
