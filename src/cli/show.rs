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
    let library = match args.rules.library() {
        Ok(l) => l,
        Err(code) => return code,
    };
    // A folder of several agreements, none asked for: each in turn.
    if args.rules.agreement.is_none() && library.entries().len() > 1 {
        let all: Vec<deemed::show::Show> = (library.entries().iter())
            .map(|e| {
                let mut shown = e.rules.show();
                shown.chosen_by = Some(format!("agreement `{}` of `{}`", e.name, library.origin()));
                shown
            })
            .collect();
        let answer = All { agreements: all };
        return print_answer(&answer, args.format);
    }
    let rules = match args.rules.select(library) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut shown = rules.show();
    shown.chosen_by = Some(args.rules.chosen_by().to_string());
    print_answer(&shown, args.format)
}

/// Every agreement of a folder.
#[derive(serde::Serialize)]
struct All {
    agreements: Vec<deemed::show::Show>,
}

impl std::fmt::Display for All {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (n, shown) in self.agreements.iter().enumerate() {
            if n > 0 {
                writeln!(f)?;
            }
            write!(f, "{shown}")?;
        }
        Ok(())
    }
}
