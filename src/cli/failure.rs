//! Why a command stopped: the one place where a command's error becomes its message (for
//! people, or one JSON object for programs) and its exit code.
//!
//! Every command returns [`Ran`]: its exit code when it answered (0, or a code that is an
//! answer, such as 1 for a batch with records in error), or a [`Failure`], which
//! [`Failure::report`] prints and turns into its exit code (2, unless it says otherwise).

use std::fmt::Display;
use std::io;
use std::process::ExitCode;

use deemed::LoadError;

use super::output;

/// What a command gives back: the exit code of its answer, or why it could not answer.
pub(crate) type Ran = Result<ExitCode, Failure>;

/// Why a command could not answer.
#[derive(Debug)]
pub(crate) enum Failure {
    /// An error in words.
    Said {
        /// What was wrong.
        message: String,
        /// What to do about it.
        help: Option<String>,
        /// The flag or field it is about.
        on: On,
        /// The exit code.
        code: u8,
    },
    /// Mistakes in rules files, each with its file, line and column (exit code 2).
    Rules(deemed::Diagnostics),
    /// Standard output was closed by its reader (`deemed ... | head`): stop quietly, with
    /// [`output::EXIT_CLOSED`].
    Closed,
}

/// What an error is about.
#[derive(Debug)]
pub(crate) enum On {
    /// The command as a whole.
    Nothing,
    /// A field of the event, which the message names already (`unknown party ...`).
    Field(String),
    /// A flag's value: people read `error: --FLAG: message`.
    Flag(String),
}

impl Failure {
    /// An error in words (exit code 2).
    pub(crate) fn new(message: impl Display, help: Option<String>) -> Failure {
        Failure::said(On::Nothing, message, help)
    }

    /// An error about a field of the event whose message names it already.
    pub(crate) fn on(field: &str, message: impl Display, help: Option<String>) -> Failure {
        Failure::said(On::Field(field.to_string()), message, help)
    }

    /// An error about a flag's value.
    pub(crate) fn flag(flag: &str, message: impl Display, help: Option<String>) -> Failure {
        Failure::said(On::Flag(flag.to_string()), message, help)
    }

    fn said(on: On, message: impl Display, help: Option<String>) -> Failure {
        Failure::Said {
            message: message.to_string(),
            help,
            on,
            code: 2,
        }
    }

    /// The same error with another exit code.
    pub(crate) fn with_code(self, new: u8) -> Failure {
        match self {
            Failure::Said {
                message, help, on, ..
            } => Failure::Said {
                message,
                help,
                on,
                code: new,
            },
            other => other,
        }
    }

    /// Rules that could not be loaded.
    pub(crate) fn load(e: LoadError) -> Failure {
        match e {
            LoadError::Invalid(d) => Failure::Rules(d),
            e => Failure::new(e, None),
        }
    }

    /// A query's error, on its flag as the command line writes it: exit code 1, or 2 for
    /// rules without an agreement.
    pub(crate) fn query(e: &deemed::query::QueryError) -> Failure {
        let code = match e.kind {
            deemed::query::QueryErrorKind::NoAgreement => 2,
            _ => 1,
        };
        let flag = e.field.as_deref().map(|f| f.replace('_', "-"));
        let failure = match (flag, e.names_field) {
            (Some(flag), false) => Failure::flag(&flag, &e.message, e.help.clone()),
            (Some(flag), true) => Failure::on(&flag, &e.message, e.help.clone()),
            (None, _) => Failure::new(&e.message, e.help.clone()),
        };
        failure.with_code(code)
    }

    /// A write that failed: quietly [`Failure::Closed`] for a reader that has gone, else an
    /// error naming what could not be written.
    pub(crate) fn write(e: &io::Error, what: &str) -> Failure {
        if e.kind() == io::ErrorKind::BrokenPipe {
            return Failure::Closed;
        }
        Failure::new(format!("cannot write {what}: {e}"), None)
    }

    /// Prints the failure (as JSON when the command was asked for it) and gives its exit
    /// code.
    pub(crate) fn report(self) -> ExitCode {
        match self {
            Failure::Said {
                message,
                help,
                on,
                code,
            } => {
                say(&on, &message, help);
                ExitCode::from(code)
            }
            Failure::Rules(d) => {
                print_diagnostics(&d);
                ExitCode::from(2)
            }
            Failure::Closed => ExitCode::from(output::EXIT_CLOSED),
        }
    }
}

/// A command's exit code: its answer's, or its failure's, reported.
pub(crate) fn exit_code(ran: Ran) -> ExitCode {
    ran.unwrap_or_else(Failure::report)
}

fn say(on: &On, message: &str, help: Option<String>) {
    let field = match on {
        On::Nothing => None,
        On::Field(f) | On::Flag(f) => Some(f.as_str()),
    };
    if output::json_errors() {
        let mut error = serde_json::json!({ "message": message, "help": help });
        if let (Some(field), Some(map)) = (field, error.as_object_mut()) {
            map.insert("field".into(), field.into());
        }
        output::stderr_raw(&(serde_json::json!({ "error": error }).to_string() + "\n"));
        return;
    }
    let mut text = match on {
        On::Flag(flag) => format!("error: --{flag}: {message}\n"),
        _ => format!("error: {message}\n"),
    };
    if let Some(help) = help {
        text += &format!("help: {help}\n");
    }
    output::stderr(&text);
}

/// Prints the problems of rules files: for people with excerpts and carets; for programs as
/// `{"error": {...}, "errors": [...]}` with each one's file, line and column.
pub(crate) fn print_diagnostics(d: &deemed::Diagnostics) {
    if output::json_errors() {
        output::stderr_raw(&(d.to_json().to_string() + "\n"));
    } else {
        output::stderr(&d.to_string());
    }
}
