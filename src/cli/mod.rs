//! Argument parsing and printing, one file per subcommand. The library does the work.

mod batch;
mod calendar;
mod check;
mod diff;
mod fmt;
mod latest_send;
mod lint;
mod output;
mod show;
mod when_effective;
mod window;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use deemed::{LoadError, Rules};

/// Exit codes, shown in `--help` and README.md.
const EXIT_CODES: &str = "\
Exit codes:
  0    answered (the status may still be `gap` or `pending`: read it)
  1    the notice could not be evaluated (a bad time, an unknown method or party, a date outside the calendar)
  2    usage error, the rules file could not be read or has mistakes, or the output could not be written
  141  standard output was closed before everything was written (`| head`)";

/// Exit codes of `deemed batch`.
const BATCH_EXIT_CODES: &str = "\
Exit codes:
  0    every record resolved (effective, gap or pending)
  1    some records are `error` (each has its error record; the run went on)
  2    the run could not start (unreadable rules or input, an output that is one of the inputs, an
       unusable CSV header), or the output could not be written; an existing output file is left as it was
  141  standard output was closed before everything was written (`| head`)";

/// deemed: when is a notice legally given, and when does a deadline close?
#[derive(Debug, Parser)]
#[command(
    name = "deemed",
    version,
    about,
    after_help = "Each command's `--help` lists its exit codes; README.md explains them all."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// When is a notice deemed given and effective?
    #[command(after_help = EXIT_CODES)]
    WhenEffective(when_effective::Args),
    /// Resolve a whole log of notices: one output record per input line, a summary on stderr.
    #[command(after_help = BATCH_EXIT_CODES)]
    Batch(batch::Args),
    /// When a period, such as the warrants' five years, opens and closes.
    #[command(after_help = EXIT_CODES)]
    Window(window::Args),
    /// For every method, the latest instant to send and still be deemed given by a deadline.
    #[command(after_help = EXIT_CODES)]
    LatestSend(latest_send::Args),
    /// Parse and validate rules files: every problem with file:line:column and a caret.
    #[command(
        after_help = "Exit codes:\n  0    every file is clean\n  1    some file has errors or warnings, or cannot be read\n  2    the report could not be written\n  141  standard output was closed before everything was written"
    )]
    Check(check::Args),
    /// Static coverage of the notice clause: the gaps no clause covers and the overlaps.
    #[command(
        after_help = "Exit codes:\n  0    every gap is filled by a declared gap rule\n  1    some kind of notice is covered by no clause and no gap rule\n  2    the rules could not be read or have mistakes, are too large to tabulate, or the table could not be written\n  141  standard output was closed before everything was written"
    )]
    Lint(lint::Args),
    /// Re-evaluate a notice log under two versions of the rules and list what changed.
    #[command(
        after_help = "Exit codes:\n  0    no notice changed\n  1    some notice's deemed date, clause or status changed\n  2    it could not run (unreadable or invalid rules, unreadable log) or its output could not be written\n  141  standard output was closed before everything was written"
    )]
    Diff(diff::Args),
    /// Print rules files in canonical form; `--check` for CI, `--write` to rewrite them.
    #[command(
        after_help = "Exit codes:\n  0    done (with --check: every file is canonical)\n  1    with --check: some file is not in canonical form\n  2    a file cannot be read, parsed or written (a file rewritten with --write is replaced whole or not at all)\n  141  standard output was closed before everything was written"
    )]
    Fmt(fmt::Args),
    /// Months, holidays and business-day arithmetic on any calendar.
    #[command(after_help = EXIT_CODES)]
    Calendar(calendar::Args),
    /// What a rules file declares: the agreement, its methods, parties, clauses, periods and
    /// the calendars available.
    #[command(after_help = "Examples:
  deemed show
  deemed show --rules rules/cetalon-put-notice.rules --format json

Exit codes:
  0    shown
  2    the rules could not be read or have mistakes, or the answer could not be written
  141  standard output was closed before everything was written")]
    Show(show::Args),
}

/// How to print an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// The answer, then the explanation, for people.
    Text,
    /// One JSON object.
    Json,
}

/// The rules and calendar options shared by the subcommands.
#[derive(Debug, clap::Args)]
pub(crate) struct RulesArgs {
    /// A rules file; without it, the file named by the DEEMED_RULES environment variable,
    /// else the embedded rules of the reference agreement.
    #[arg(long, value_name = "FILE", env = "DEEMED_RULES")]
    rules: Option<PathBuf>,
    /// Use this calendar instead of the agreement's (for example `us-federal-observed`).
    #[arg(long, value_name = "NAME")]
    pub(crate) calendar: Option<String>,
}

impl RulesArgs {
    /// How the rules are chosen: `--rules`, the `DEEMED_RULES` environment variable, or the
    /// embedded default.
    pub(crate) fn chosen_by(&self) -> &'static str {
        let from_env = std::env::var_os("DEEMED_RULES");
        match &self.rules {
            None => "the embedded default rules",
            Some(path) if from_env.is_some_and(|e| path.as_os_str() == e) => {
                "from the DEEMED_RULES environment variable"
            }
            Some(_) => "from --rules",
        }
    }

    /// Loads the rules, or prints why not (exit code 2).
    pub(crate) fn load(&self) -> Result<Rules, ExitCode> {
        let loaded = match &self.rules {
            Some(path) => load_path(path),
            None => Rules::default_rules().map_err(LoadError::Invalid),
        };
        let rules = loaded.map_err(|e| {
            output::stderr(&render_load_error(&e));
            ExitCode::from(2)
        })?;
        match &self.calendar {
            None => Ok(rules),
            Some(name) => rules.with_calendar(name).map_err(|e| {
                print_error(&e, Some(e.help()));
                ExitCode::from(2)
            }),
        }
    }
}

fn load_path(path: &Path) -> Result<Rules, LoadError> {
    Rules::from_path(path)
}

fn render_load_error(e: &LoadError) -> String {
    match e {
        LoadError::Invalid(d) => d.to_string(),
        e => format!("error: {e}\n"),
    }
}

/// Prints an answer as text or as pretty JSON; exit code 0, or that of a failed write.
pub(crate) fn print_answer<T: std::fmt::Display + serde::Serialize>(
    answer: &T,
    format: Format,
) -> ExitCode {
    let text = match format {
        Format::Text => answer.to_string(),
        Format::Json => match serde_json::to_string_pretty(answer) {
            Ok(json) => json + "\n",
            Err(e) => {
                print_error(&e, None);
                return ExitCode::from(2);
            }
        },
    };
    match output::stdout(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// A deadline given as one of the rules' periods: its last instant.
#[derive(Debug, clap::Args)]
pub(crate) struct PeriodDeadline {
    /// Or the deadline of one of the rules' periods (its last instant), with `--issued`.
    #[arg(long, value_name = "PERIOD", requires = "issued")]
    pub(crate) period: Option<String>,
    /// The date of the event the period runs from, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", requires = "period")]
    pub(crate) issued: Option<String>,
}

/// The deadline a command is given: an instant (`--FLAG TIME`, moved by the agreement's
/// `deadline-roll` when its date is not a Business Day), or the last instant of a period
/// (`--period NAME --issued DATE`). Exit code 1 when it cannot be read.
pub(crate) fn deadline(
    rules: &Rules,
    text: Option<&str>,
    period: &PeriodDeadline,
    flag: &str,
    fold: Option<deemed::time::Fold>,
) -> Result<deemed::period::Deadline, ExitCode> {
    let fail = |e: &dyn std::fmt::Display, help: Option<String>| {
        print_error(e, help);
        ExitCode::from(1)
    };
    if let (Some(period), Some(issued)) = (&period.period, &period.issued) {
        let Ok(anchor) = chrono::NaiveDate::parse_from_str(issued, "%Y-%m-%d") else {
            return Err(fail(
                &format!("--issued: `{issued}` is not a date"),
                Some("write it as YYYY-MM-DD, such as `2000-02-25`".into()),
            ));
        };
        return rules
            .deadline_of(period, anchor)
            .map_err(|e| fail(&e, e.help()));
    }
    let zone = rules.agreement().map_or(chrono_tz::UTC, |a| a.time_zone());
    let text = text.unwrap_or_default();
    let asked = deemed::time::parse_instant(text, zone, fold)
        .map_err(|e| fail(&format!("--{flag}: {e}"), Some(e.help())))?;
    rules.deadline_at(asked).map_err(|e| fail(&e, e.help()))
}

/// Writes an iCalendar file of `events`; exit code 2 when it cannot be written.
pub(crate) fn write_ics(path: &Path, events: &[deemed::ics::Event]) -> Result<(), ExitCode> {
    let text = deemed::ics::calendar(events, deemed::ics::stamp());
    output::write_file(path, text.as_bytes()).map_err(|e| {
        print_error(&format!("cannot write `{}`: {e}", path.display()), None);
        ExitCode::from(2)
    })
}

/// Prints an error for people: the message, then the hint.
pub(crate) fn print_error(message: &dyn std::fmt::Display, help: Option<String>) {
    let mut text = format!("error: {message}\n");
    if let Some(help) = help {
        text += &format!("help: {help}\n");
    }
    output::stderr(&text);
}

/// Runs the command line.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::WhenEffective(args) => when_effective::run(&args),
        Command::Batch(args) => batch::run(&args),
        Command::Calendar(args) => calendar::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Window(args) => window::run(&args),
        Command::LatestSend(args) => latest_send::run(&args),
        Command::Show(args) => show::run(&args),
    }
}
