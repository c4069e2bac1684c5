//! `deemed check`: parse and validate rules files, and say what is wrong where.

use std::path::PathBuf;
use std::process::ExitCode;

use deemed::{LoadError, Rules};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The rules files to check.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let mut clean = true;
    for path in &args.files {
        match Rules::from_path(path) {
            Ok(rules) if rules.warnings().errors.is_empty() => {
                println!("{}: ok", path.display());
            }
            Ok(rules) => {
                clean = false;
                eprint!("{}", rules.warnings());
                println!(
                    "{}: {} warning(s)",
                    path.display(),
                    rules.warnings().errors.len()
                );
            }
            Err(LoadError::Invalid(d)) => {
                clean = false;
                eprint!("{d}");
                println!("{}: {} error(s)", path.display(), d.errors.len());
            }
            Err(e @ LoadError::Io { .. }) => {
                clean = false;
                eprintln!("error: {e}");
                println!("{}: unreadable", path.display());
            }
        }
    }
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
