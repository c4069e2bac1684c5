//! `deemed lint`: which clauses cover each kind of notice, and where none does.

use std::path::PathBuf;
use std::process::ExitCode;

use deemed::{LoadError, Rules};

use super::{Format, print_error};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The rules file; without it, the file named by DEEMED_RULES, else the embedded rules
    /// of the reference agreement.
    #[arg(value_name = "FILE", env = "DEEMED_RULES")]
    file: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let loaded = match &args.file {
        Some(path) => Rules::from_path(path),
        None => Rules::default_rules().map_err(LoadError::Invalid),
    };
    let rules = match loaded {
        Ok(r) => r,
        Err(e) => {
            super::print_load_error(&e);
            return ExitCode::from(2);
        }
    };
    let Some(coverage) = rules.coverage() else {
        print_error(
            &format!("`{}` has no agreement to lint", rules.origin()),
            None,
        );
        return ExitCode::from(2);
    };
    let text = match args.format {
        Format::Text => coverage.to_string(),
        Format::Json => match serde_json::to_string_pretty(&coverage) {
            Ok(json) => json + "\n",
            Err(e) => {
                print_error(&e, None);
                return ExitCode::from(2);
            }
        },
    };
    if let Err(code) = super::output::stdout(&text) {
        return code;
    }
    if !coverage.complete {
        ExitCode::from(2)
    } else if coverage.uncovered().next().is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
