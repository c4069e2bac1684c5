//! `deemed show`: what a rules file declares.

use super::failure::{Failure, Ran};

use super::{Format, RulesArgs, print_answer};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The rules file, or a folder of them, as `check` and `lint` take it (the same as
    /// `--rules`, in place of DEEMED_RULES).
    #[arg(value_name = "FILE|DIR")]
    path: Option<std::path::PathBuf>,
    #[command(flatten)]
    rules: RulesArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

pub(crate) fn run(args: &Args) -> Ran {
    // A path given as `check DIR` gives it is the rules `--rules` would name; both at once
    // are refused (DEEMED_RULES, which `--rules` falls back to, gives way).
    if args.path.is_some() && args.rules.named_by_flag() {
        return Err(Failure::new(
            "the rules are given twice: as FILE|DIR and with --rules",
            Some("give one of them".to_string()),
        ));
    }
    let given = args.path.as_ref().map(|path| RulesArgs {
        rules: Some(path.clone()),
        agreement: args.rules.agreement.clone(),
        calendar: args.rules.calendar.clone(),
    });
    let chosen = given.as_ref().unwrap_or(&args.rules);
    let library = chosen.library()?;
    // A folder of several agreements, none asked for: each in turn.
    if chosen.agreement.is_none() && library.entries().len() > 1 {
        return print_answer(&library.show_all(), args.format);
    }
    let rules = chosen.select(library)?;
    let mut shown = rules.show();
    shown.chosen_by = Some(match given {
        Some(_) => "as given".to_string(),
        None => args.rules.chosen_by().to_string(),
    });
    print_answer(&shown, args.format)
}
