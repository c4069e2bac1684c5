//! `deemed show`: what a rules file declares.

use std::process::ExitCode;

use super::{Format, RulesArgs, print_answer};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    rules: RulesArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let rules = match args.rules.load() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut shown = rules.show();
    shown.chosen_by = Some(args.rules.chosen_by().to_string());
    print_answer(&shown, args.format)
}
