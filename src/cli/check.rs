//! `deemed check`: parse and validate rules files, and say what is wrong where.

use std::path::PathBuf;
use std::process::ExitCode;

use super::failure::{Failure, Ran};

use deemed::{LoadError, Rules};

use super::output;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The rules files to check, or folders of them (every agreement and shared calendar).
    #[arg(required = true, value_name = "FILE|DIR")]
    files: Vec<PathBuf>,
}

pub(crate) fn run(args: &Args) -> Ran {
    let mut clean = true;
    for path in &args.files {
        // A file is checked with the built-in calendars; a folder, every agreement in it
        // with the calendars it shares.
        let (loaded, of) = match path.is_dir() {
            true => (deemed::Library::from_path(path), "agreement(s)"),
            false => (
                Rules::from_path(path).map(|r| deemed::Library::one("", r)),
                "",
            ),
        };
        let line = match loaded {
            Ok(library) => {
                let mut warnings = 0;
                for entry in library.entries() {
                    let w = entry.rules.warnings();
                    if !w.errors.is_empty() {
                        super::failure::print_diagnostics(w);
                        warnings += w.errors.len();
                    }
                }
                let count = match of {
                    "" => String::new(),
                    of => format!(" ({} {of})", library.entries().len()),
                };
                match warnings {
                    0 => format!("{}: ok{count}\n", path.display()),
                    w => {
                        clean = false;
                        format!("{}: {w} warning(s){count}\n", path.display())
                    }
                }
            }
            Err(LoadError::Invalid(d)) => {
                clean = false;
                super::failure::print_diagnostics(&d);
                format!("{}: {} error(s)\n", path.display(), d.errors.len())
            }
            Err(e) => {
                clean = false;
                // Reported, and the other files are checked: the exit code says so.
                Failure::new(&e, None).report();
                format!("{}: unreadable\n", path.display())
            }
        };
        output::stdout(&line)?;
    }
    Ok(match clean {
        true => ExitCode::SUCCESS,
        false => ExitCode::from(1),
    })
}
