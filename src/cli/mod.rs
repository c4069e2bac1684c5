//! Argument parsing and printing, one file per subcommand. The library does the work.

mod batch;
mod calendar;
mod check;
mod diff;
mod extras;
mod failure;
mod fmt;
mod latest_send;
mod lint;
mod output;
mod serve;
mod show;
mod when_effective;
mod window;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use deemed::{LoadError, Rules};
use failure::{Failure, Ran, exit_code};

/// `deemed when-effective --help`: examples and exit codes.
const WHEN_EFFECTIVE_HELP: &str = "\
Examples:
  deemed when-effective --method fax --sent 2000-03-03T21:15:00-05:00 --to company --fax-number \"(949) 788-6706\"
  deemed when-effective --method hand --received 2000-03-06T09:30:00-05:00 --to company
  deemed when-effective --method courier --sent 2000-03-03T10:00:00-05:00 --deadline 2000-03-06T00:00:00-05:00 --fail-if-missed
  deemed when-effective --rules my-agreement.rules --method email --sent 2025-04-17T17:00:00-07:00 --format json

Exit codes:
  0    answered (the status may still be `gap`, `pending` or `invalid`: read it); with --fail-if-missed, the deadline is met
  1    the notice could not be evaluated (a bad time, an unknown method or party, a date outside the calendar,
       a receipt before the sending, a sending the deciding rule needs and the notice does not give)
  2    usage error, the rules file could not be read or has mistakes, or the output could not be written
  3    with --fail-if-missed: the deadline is missed
  4    with --fail-if-missed: it cannot be told yet (the notice is pending or not valid)
  141  standard output was closed before everything was written (`| head`)";

/// `deemed batch --help`: examples and exit codes.
const BATCH_HELP: &str = "\
Examples:
  deemed batch notices.jsonl --output answers.jsonl
  deemed batch log.csv --output-format csv --output answers.csv
  deemed batch notices.xlsx --sheet \"2000 notices\" --output answers.jsonl
  cat notices.jsonl | deemed batch --trace > answers.jsonl
  deemed batch --rules my-agreement.rules --threads 2 2024-*.jsonl

Exit codes:
  0    every record resolved (effective, gap, pending or invalid)
  1    some records are `error` (each has its error record; the run went on)
  2    the run could not start (unreadable rules or input, an output that is one of the inputs, an
       unusable CSV header), or the output could not be written; an existing output file is left as it was
  141  standard output was closed before everything was written (`| head`)";

/// `deemed window --help`: examples and exit codes.
const WINDOW_HELP: &str = "\
Examples:
  deemed window warrant --issued 2000-02-25
  deemed window warrant --issued 2000-02-25 --at 2005-02-25T16:00:00-05:00 --ics warrant.ics
  deemed window expiry --rules my-agreement.rules --issued 2024-01-02 --notice-given 2024-02-20T10:00:00-05:00

Exit codes:
  0    answered
  1    the period could not be worked out (a bad date or time, an unknown period, a date outside the calendar,
       an end date that does not exist and no policy for it)
  2    usage error, the rules file could not be read or has mistakes, or the output (or --ics file) could not be written
  141  standard output was closed before everything was written (`| head`)";

/// `deemed latest-send --help`: examples and exit codes.
const LATEST_SEND_HELP: &str = "\
Examples:
  deemed latest-send --by 2005-02-26T00:00:00-05:00 --to company
  deemed latest-send --rules my-agreement.rules --period expiry-notice --issued 2024-07-02 --ics latest.ics

Exit codes:
  0    answered (a method with no instant that works says so)
  1    the deadline could not be read, or a party is unknown
  2    usage error, the rules file could not be read or has mistakes, or the output (or --ics file) could not be written
  141  standard output was closed before everything was written (`| head`)";

/// `deemed calendar --help`: examples and exit codes.
const CALENDAR_HELP: &str = "\
Examples:
  deemed calendar 2024-12
  deemed calendar 2024-12 --calendar gb-eng
  deemed calendar holidays 2025 --calendar target2
  deemed calendar next-business-day 2024-12-24 3
  deemed calendar previous-business-day 2022-06-06 2 --calendar gb-eng
  deemed calendar is-business-day 2024-07-04 --fail-if-not

Exit codes:
  0    answered
  1    a bad date or month, or one outside the calendar's years
  2    usage error, an unknown calendar, or the rules could not be read
  3    is-business-day --fail-if-not: the date is not a Business Day
  141  standard output was closed before everything was written (`| head`)";

/// `deemed check --help`: examples and exit codes.
const CHECK_HELP: &str = "\
Examples:
  deemed check rules/spa-2000-02-25.rules
  deemed check my-agreement.rules rules/calendars/*.rules

Exit codes:
  0    every file is clean
  1    some file has errors or warnings, or cannot be read
  2    the report could not be written
  141  standard output was closed before everything was written";

/// `deemed lint --help`: examples and exit codes.
const LINT_HELP: &str = "\
Examples:
  deemed lint
  deemed lint my-agreement.rules --format json

Exit codes:
  0    every gap is filled by a declared gap rule
  1    some kind of notice is covered by no clause and no gap rule
  2    the rules could not be read or have mistakes, are too large to tabulate, or the table could not be written
  141  standard output was closed before everything was written";

/// `deemed diff --help`: examples and exit codes.
const DIFF_HELP: &str = "\
Examples:
  deemed diff old.rules new.rules --events notices.jsonl
  deemed diff old.rules new.rules --events log.csv --format json

Exit codes:
  0    no notice changed
  1    some notice's deemed date, clause or status changed
  2    it could not run (unreadable or invalid rules, unreadable log) or its output could not be written
  141  standard output was closed before everything was written";

/// `deemed fmt --help`: examples and exit codes.
const FMT_HELP: &str = "\
Examples:
  deemed fmt my-agreement.rules
  deemed fmt --check rules/*.rules rules/calendars/*.rules
  deemed fmt --write my-agreement.rules

Exit codes:
  0    done (with --check: every file is canonical)
  1    with --check: some file is not in canonical form
  2    a file cannot be read, parsed or written (a file rewritten with --write is replaced whole or not at all)
  141  standard output was closed before everything was written";

/// deemed: when is a notice legally given, and when does a deadline close?
#[derive(Debug, Parser)]
#[command(
    name = "deemed",
    version,
    about,
    after_help = "Each command's `--help` lists its exit codes; README.md explains them all."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
    /// How errors are written to standard error (`--format json` implies json): JSON is
    /// `{"error": {"message", "help", "field" or "file"/"line"/"column"}}`.
    #[arg(long, value_enum, global = true, value_name = "FORMAT")]
    error_format: Option<ErrorFormat>,
}

/// How to write errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ErrorFormat {
    /// For people: `error: ...`, then a `help:` line.
    Text,
    /// For programs: one JSON object on one line.
    Json,
}

impl Command {
    /// Whether the command's answer is JSON (`--format json`).
    fn answers_in_json(&self) -> bool {
        let format = match self {
            Command::WhenEffective(a) => a.format,
            Command::Window(a) => a.format,
            Command::LatestSend(a) => a.format,
            Command::Lint(a) => a.format,
            Command::Diff(a) => a.format,
            Command::Show(a) => a.format,
            Command::Calendar(a) => a.format(),
            Command::Batch(_)
            | Command::Check(_)
            | Command::Fmt(_)
            | Command::Completions(_)
            | Command::Serve(_)
            | Command::Man => Format::Text,
        };
        format == Format::Json
    }
}

/// Whether the command line asks for JSON errors, read before clap has parsed it (for its
/// own usage errors).
fn asks_for_json_errors(args: &[std::ffi::OsString]) -> bool {
    let args: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
    args.iter().enumerate().any(|(n, a)| {
        matches!(*a, "--format=json" | "--error-format=json")
            || (matches!(*a, "--format" | "--error-format") && args.get(n + 1) == Some(&"json"))
    })
}

#[derive(Debug, Subcommand)]
enum Command {
    /// When is a notice deemed given and effective?
    #[command(after_help = WHEN_EFFECTIVE_HELP)]
    WhenEffective(when_effective::Args),
    /// Resolve a whole log of notices: one output record per input line, a summary on stderr.
    #[command(after_help = BATCH_HELP)]
    Batch(batch::Args),
    /// When a period, such as the warrants' five years, opens and closes.
    #[command(after_help = WINDOW_HELP)]
    Window(window::Args),
    /// For every method, the latest instant to send and still be deemed given by a deadline.
    #[command(after_help = LATEST_SEND_HELP)]
    LatestSend(latest_send::Args),
    /// Parse and validate rules files: every problem with file:line:column and a caret.
    #[command(after_help = CHECK_HELP)]
    Check(check::Args),
    /// Static coverage of the notice clause: the gaps no clause covers and the overlaps.
    #[command(after_help = LINT_HELP)]
    Lint(lint::Args),
    /// Re-evaluate a notice log under two versions of the rules and list what changed.
    #[command(after_help = DIFF_HELP)]
    Diff(diff::Args),
    /// Print rules files in canonical form; `--check` for CI, `--write` to rewrite them.
    #[command(after_help = FMT_HELP)]
    Fmt(fmt::Args),
    /// Months, holidays and business-day arithmetic on any calendar.
    #[command(after_help = CALENDAR_HELP)]
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
    /// Answer over HTTP: the same answers as the commands, as JSON (see /openapi.json).
    #[command(
        after_help = "Examples:\n  deemed serve\n  deemed serve --rules agreements/ --addr 127.0.0.1:9000\n  curl -s localhost:8080/v1/when-effective -d '{\"method\":\"fax\",\"sent\":\"2000-03-03T21:15:00-05:00\",\"to\":\"company\"}'\n\nExit codes:\n  0    stopped by SIGTERM or Ctrl-C (requests in flight finish first)\n  2    the rules could not be read, or the address cannot be listened on"
    )]
    Serve(serve::Args),
    /// Write the completion script for a shell (bash, zsh, fish, powershell, elvish).
    #[command(
        after_help = "Examples:\n  deemed completions bash > ~/.local/share/bash-completion/completions/deemed\n  deemed completions zsh > ~/.zfunc/_deemed\n  deemed completions fish > ~/.config/fish/completions/deemed.fish\n\nExit codes:\n  0    written\n  141  standard output was closed before everything was written"
    )]
    Completions(extras::CompletionsArgs),
    /// Write the manual page (roff) to standard output.
    #[command(
        after_help = "Examples:\n  deemed man > ~/.local/share/man/man1/deemed.1 && man deemed\n\nExit codes:\n  0    written\n  141  standard output was closed before everything was written"
    )]
    Man,
}

/// How to print an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// For people: the answer, then the explanation.
    Text,
    /// For programs: JSON (one object; for `diff`, one line per changed notice).
    Json,
}

/// The rules and calendar options shared by the subcommands.
#[derive(Debug, clap::Args)]
pub(crate) struct RulesArgs {
    /// A rules file, or a folder of them (its agreements by name, see `--agreement`);
    /// without it, the one named by the DEEMED_RULES environment variable, else the embedded
    /// rules of the reference agreement.
    #[arg(long, value_name = "FILE|DIR", env = "DEEMED_RULES")]
    rules: Option<PathBuf>,
    /// Which agreement of a folder of rules (its file's name, or the `id` it declares); not
    /// needed when the folder holds one.
    #[arg(long, value_name = "NAME")]
    pub(crate) agreement: Option<String>,
    /// Use this calendar instead of the agreement's (for example `us-federal-observed`).
    #[arg(long, value_name = "NAME")]
    pub(crate) calendar: Option<String>,
}

impl RulesArgs {
    /// How the rules are chosen: `--rules`, the `DEEMED_RULES` environment variable, or the
    /// embedded default.
    pub(crate) fn chosen_by(&self) -> &'static str {
        match (&self.rules, self.named_by_flag()) {
            (None, _) => "the embedded default rules",
            (Some(_), false) => "from the DEEMED_RULES environment variable",
            (Some(_), true) => "from --rules",
        }
    }

    /// Whether the rules were named with `--rules` (rather than by DEEMED_RULES, which it
    /// falls back to, or not at all).
    pub(crate) fn named_by_flag(&self) -> bool {
        let from_env = std::env::var_os("DEEMED_RULES");
        (self.rules.as_ref()).is_some_and(|path| from_env.is_none_or(|e| path.as_os_str() != e))
    }

    /// Loads the agreements, or prints why not (exit code 2).
    pub(crate) fn library(&self) -> Result<deemed::Library, Failure> {
        let loaded = match &self.rules {
            Some(path) => deemed::Library::from_path(path),
            None => deemed::Library::default_rules().map_err(LoadError::Invalid),
        };
        loaded.map_err(Failure::load)
    }

    /// Loads the rules of the agreement asked for (`--agreement`, or the only one), or
    /// prints why not (exit code 2).
    pub(crate) fn load(&self) -> Result<Rules, Failure> {
        self.select(self.library()?)
    }

    /// The rules of the agreement asked for, taken out of `library`, on the calendar asked
    /// for; or why not (exit code 2).
    pub(crate) fn select(&self, library: deemed::Library) -> Result<Rules, Failure> {
        let rules = library
            .into_rules(self.agreement.as_deref())
            .map_err(|e| Failure::on("agreement", &e, Some(e.help())))?;
        match &self.calendar {
            None => Ok(rules),
            Some(name) => rules
                .with_calendar(name)
                .map_err(|e| Failure::on("calendar", &e, Some(e.help()))),
        }
    }
}

/// Prints an answer as text or as pretty JSON; exit code 0.
pub(crate) fn print_answer<T: std::fmt::Display + serde::Serialize>(
    answer: &T,
    format: Format,
) -> Ran {
    let text = match format {
        Format::Text => answer.to_string(),
        Format::Json => match serde_json::to_string_pretty(answer) {
            Ok(json) => json + "\n",
            Err(e) => {
                return Err(Failure::new(&e, None));
            }
        },
    };
    output::stdout(&text)?;
    Ok(ExitCode::SUCCESS)
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

/// Writes an iCalendar file of `events` and says so on standard error; exit code 2 when it
/// cannot be written.
pub(crate) fn write_ics(path: &Path, events: &[deemed::ics::IcsEvent]) -> Result<(), Failure> {
    let text = deemed::ics::calendar(events, deemed::ics::stamp());
    output::write_file(path, text.as_bytes())
        .map_err(|e| Failure::new(format!("cannot write `{}`: {e}", path.display()), None))?;
    let what = match events {
        [one] => format!("the event `{}`", one.summary),
        many => format!("{} events", many.len()),
    };
    output::stderr(&format!("wrote {what} to `{}`\n", path.display()));
    Ok(())
}

/// A usage error of clap's: help and version are printed as clap prints them; any other is
/// written as an error (JSON when asked for), with exit code 2.
fn usage_error(e: clap::Error, json: bool) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let shown = matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if !json || shown {
        e.exit();
    }
    let rendered = e.render().to_string();
    let mut parts = rendered.trim().splitn(2, "\n\n");
    let message = parts.next().unwrap_or_default();
    let message = message.strip_prefix("error: ").unwrap_or(message).trim();
    let help = parts.next().map(|h| h.trim().to_string());
    // The flag as clap names it (`--sent <SENT>`), without its dashes and value.
    let flag = |arg: &str| {
        let arg = arg.split_whitespace().next().unwrap_or(arg);
        arg.trim_start_matches('-').to_string()
    };
    let field = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(arg)) => Some(flag(arg)),
        Some(ContextValue::Strings(args)) => args.first().map(|a| flag(a)),
        _ => None,
    };
    output::set_json_errors(true);
    match field {
        Some(field) => Failure::on(&field, message, help),
        None => Failure::new(message, help),
    }
    .report()
}

/// The command line with the help of `--method`, `--to` and `--from` naming the methods and
/// parties of the rules in use (`--rules FILE` or `DEEMED_RULES`), when they load.
fn with_names_of_rules(command: clap::Command, args: &[std::ffi::OsString]) -> clap::Command {
    let given = args.iter().enumerate().find_map(|(n, a)| {
        let a = a.to_str()?;
        match a.strip_prefix("--rules=") {
            Some(path) => Some(PathBuf::from(path)),
            None if a == "--rules" => args.get(n + 1).map(PathBuf::from),
            None => None,
        }
    });
    let path = given.or_else(|| std::env::var_os("DEEMED_RULES").map(PathBuf::from));
    let loaded = match &path {
        Some(p) => Rules::from_path(p).ok(),
        None => Rules::default_rules().ok(),
    };
    let Some(agreement) = loaded.as_ref().and_then(|r| r.agreement()) else {
        return command;
    };
    let methods = agreement.method_names().join(", ");
    let parties = agreement.party_names().join(", ");
    let name = |a: &clap::Arg| a.get_help().map(|h| h.to_string()).unwrap_or_default();
    let mut command = command;
    for sub in ["when-effective", "latest-send"] {
        command = command.mut_subcommand(sub, |c| {
            let c = c.mut_arg("to", |a| {
                let help = format!("{}; in these rules: {parties}", name(&a));
                a.help(help)
            });
            match sub {
                "when-effective" => c
                    .mut_arg("method", |a| {
                        let help = format!("{}; in these rules: {methods}", name(&a));
                        a.help(help)
                    })
                    .mut_arg("from", |a| {
                        let help = format!("{}; in these rules: {parties}", name(&a));
                        a.help(help)
                    }),
                _ => c,
            }
        });
    }
    command
}

/// Runs the command line.
pub fn run() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut command = <Cli as clap::CommandFactory>::command();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        command = with_names_of_rules(command, &args);
    }
    let json_errors = asks_for_json_errors(&args);
    let parsed = command
        .try_get_matches_from(args)
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => return usage_error(e, json_errors),
    };
    let json = match cli.error_format {
        Some(format) => format == ErrorFormat::Json,
        None => cli.command.answers_in_json(),
    };
    output::set_json_errors(json);
    let ran = match cli.command {
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
        Command::Serve(args) => serve::run(&args),
        Command::Completions(args) => extras::completions(&args),
        Command::Man => extras::man(),
    };
    exit_code(ran)
}
