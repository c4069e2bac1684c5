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
    /// How the notice was sent: one of the methods of the rules in use
    #[arg(long)]
    method: String,
    /// When it was sent: RFC 3339 (`2000-03-03T21:15:00-05:00`), or a local time in the agreement's time zone.
    /// May be left out for a notice known by its receipt, when the rule it falls under reads no sending.
    #[arg(long, required_unless_present = "received")]
    sent: Option<String>,
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

pub(crate) fn run(args: &Args) -> ExitCode {
    let rules = match args.rules.load() {
        Ok(r) => r,
        Err(code) => return code,
    };
    if args.fail_if_missed && args.deadline.is_none() && args.period.period.is_none() {
        super::print_error(
            &"--fail-if-missed needs a deadline",
            Some("give `--deadline TIME`, or `--period NAME --issued DATE`".into()),
        );
        return ExitCode::from(2);
    }
    match answer(args, &rules) {
        Ok((text, met)) => match super::output::stdout(&text) {
            Ok(()) if args.fail_if_missed => match met {
                Some(true) => ExitCode::SUCCESS,
                Some(false) => ExitCode::from(3),
                None => ExitCode::from(4),
            },
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        },
        Err(code) => code,
    }
}

/// The answer's text, and whether the deadline (when there is one) was met.
fn answer(args: &Args, rules: &Rules) -> Result<(String, Option<bool>), ExitCode> {
    let Some(agreement) = rules.agreement() else {
        print_error(&format!("`{}` has no agreement", rules.origin()), None);
        return Err(ExitCode::from(2));
    };
    let tz = agreement.time_zone();
    let fold = args.fold.map(FoldArg::to_fold);
    let read = |flag: &str, text: &str| {
        parse_instant(text, tz, fold).map_err(|e| {
            super::print_field_error(flag, &e, Some(e.help()));
            ExitCode::from(1)
        })
    };
    // A sending or receipt may be a date alone (`--sent 2000-03-03` for a courier): answered
    // when the rules give the same answer at any time of that day.
    let mut dated: Option<(bool, chrono::NaiveDate)> = None;
    let mut read_or_date = |flag: &str, text: &str| match parse_instant(text, tz, fold) {
        Ok(t) => Ok(Some(t)),
        Err(deemed::time::TimeError::DateAlone { date, .. }) if dated.is_none() => {
            dated = Some((flag == "received", date));
            Ok(None)
        }
        Err(e) => {
            super::print_field_error(flag, &e, Some(e.help()));
            Err(ExitCode::from(1))
        }
    };
    let sent = match args.sent.as_deref() {
        Some(t) => read_or_date("sent", t)?,
        None => None,
    };
    let received = match args.received.as_deref() {
        Some(t) => read_or_date("received", t)?,
        None => None,
    };
    let mut companions = Vec::new();
    for c in &args.companions {
        let Some((method, time)) = c.split_once('=') else {
            super::print_field_error(
                "companion",
                &format!("`{c}` is not METHOD=TIME"),
                Some("write the method and when it was sent, such as `mail=2000-03-06T10:00:00-05:00`".into()),
            );
            return Err(ExitCode::from(1));
        };
        companions.push(deemed::eval::Companion {
            method: method.trim().to_string(),
            at: read("companion", time.trim())?,
        });
    }
    let mut event = Event {
        method: args.method.clone(),
        sent,
        received,
        to: args.to.clone(),
        from: args.from.clone(),
        fax_number: args.fax_number.clone(),
        companions,
        designation: None,
    };
    // Notices of change, resolved as a batch resolves them: the numbers they designate.
    let mut unapplied = None;
    if let Some(path) = &args.addresses {
        let lines = std::fs::File::open(path).and_then(|f| {
            deemed::batch::ChangeLine::find_in(
                &path.display().to_string(),
                std::io::BufReader::new(f),
            )
        });
        let lines = lines.map_err(|e| {
            print_error(&format!("cannot read `{}`: {e}", path.display()), None);
            ExitCode::from(2)
        })?;
        let mut batch = deemed::batch::Batch::new(rules, deemed::batch::Options::default())
            .map_err(|e| {
                print_error(&e, None);
                ExitCode::from(2)
            })?;
        batch.learn_changes(&lines);
        event.designation = batch.designation_for(None, &event.as_ref());
        unapplied = batch.unapplied_changes(None, &event.as_ref());
    }
    let resolution = match dated {
        None => rules.evaluate(&event),
        Some((received, date)) => rules.evaluate_on_date(&event, received, date, true),
    }
    .map_err(|e| {
        // The field as the command line's flag names it (`fax_number` is `--fax-number`).
        let flag = e.field(&event.as_ref()).replace('_', "-");
        super::print_error_on(&flag, &e, e.help());
        ExitCode::from(1)
    })?;
    let deadline = match (&args.deadline, &args.period.period) {
        (None, None) => None,
        _ => {
            let d = super::deadline(
                rules,
                args.deadline.as_deref(),
                &args.period,
                "deadline",
                fold,
            )?;
            let mut check = deemed::eval::DeadlineCheck::new(&resolution, d.by);
            check.how = d.how;
            Some(check)
        }
    };
    let met = deadline.as_ref().and_then(|d| d.met);
    let text = match args.format {
        Format::Text => {
            let mut text = resolution.to_string();
            if let Some(note) = &unapplied {
                text.push_str(&format!("warning: {note}\n"));
            }
            if let Some(d) = &deadline {
                text.push_str(&format!("deadline: {d}\n"));
            }
            text
        }
        Format::Json => {
            let mut value = serde_json::to_value(&resolution).map_err(|e| {
                print_error(&e, None);
                ExitCode::from(1)
            })?;
            let list = value.get_mut("warnings").and_then(|w| w.as_array_mut());
            if let (Some(note), Some(list)) = (&unapplied, list) {
                list.push(note.clone().into());
            }
            if let (Some(d), Some(map)) = (&deadline, value.as_object_mut()) {
                map.insert(
                    "deadline".into(),
                    serde_json::to_value(d).unwrap_or_default(),
                );
            }
            let json = serde_json::to_string_pretty(&value).map_err(|e| {
                print_error(&e, None);
                ExitCode::from(1)
            })?;
            json + "\n"
        }
    };
    Ok((text, met))
}
