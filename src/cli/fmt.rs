//! `deemed fmt`: print a rules file in its canonical form, or check that it is in it.

use std::path::PathBuf;
use std::process::ExitCode;

use super::failure::{Failure, Ran};

use super::output;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The rules files.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print nothing; exit 1 when a file is not in canonical form (for CI).
    #[arg(long)]
    check: bool,
    /// Rewrite the files in place.
    #[arg(long, conflicts_with = "check")]
    write: bool,
}

pub(crate) fn run(args: &Args) -> Ran {
    let mut all_canonical = true;
    for path in &args.files {
        let text = match deemed::read_rules_text(path) {
            Ok(t) => t,
            Err(e) => {
                return Err(Failure::new(&e, None));
            }
        };
        let file = match deemed::syntax::parse_all(&text) {
            Ok(f) => f,
            Err(errors) => {
                let d = deemed::Diagnostics {
                    sources: vec![deemed::Source {
                        name: path.display().to_string(),
                        text: text.clone(),
                    }],
                    errors: errors
                        .into_iter()
                        .map(|e| deemed::diagnostic::Diagnostic {
                            severity: deemed::diagnostic::Severity::Error,
                            source: 0,
                            span: e.span,
                            kind: deemed::diagnostic::DiagnosticKind::Syntax(e.kind),
                        })
                        .collect(),
                };
                return Err(Failure::Rules(d));
            }
        };
        let formatted = deemed::syntax::format(&file, &text);
        if args.check {
            if formatted != text {
                all_canonical = false;
                output::stderr(&format!(
                    "{}: not in canonical form (run `deemed fmt --write`)\n",
                    path.display()
                ));
            }
        } else if args.write {
            if formatted != text {
                // Written whole beside the file and renamed over it: a failure leaves the
                // file as it was.
                if let Err(e) = output::write_file(path, formatted.as_bytes()) {
                    return Err(Failure::new(
                        format!("cannot write `{}`: {e}", path.display()),
                        None,
                    ));
                }
            }
        } else {
            output::stdout_raw(&formatted)?;
        }
    }
    Ok(match all_canonical {
        true => ExitCode::SUCCESS,
        false => ExitCode::from(1),
    })
}
