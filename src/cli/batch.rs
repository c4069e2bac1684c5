//! `deemed batch`: a whole log of notices, one output record per input line.

use std::fs::File;
use std::io::{self, BufReader, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use super::failure::{Failure, Ran};

use clap::ValueEnum;
use deemed::batch::{Batch, BatchError, ChangeLine, InputFormat, Options, OutputFormat, workbook};
use indicatif::{ProgressBar, ProgressStyle};

use super::when_effective::FoldArg;
use super::{RulesArgs, output};

/// A record format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RecordFormat {
    /// JSON Lines: one JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Input files, read in order; `-` or none reads standard input. Line numbers restart
    /// with each file. A workbook (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`) is read as a
    /// CSV file with a header row; its records are numbered by their rows in the sheet.
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    rules: RulesArgs,
    /// Write the records here instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The input's format; without it, read from the inputs' extensions (`.csv`; `.jsonl`,
    /// `.ndjson` or any other: JSON Lines). Workbooks are read as workbooks.
    #[arg(long, value_enum)]
    input_format: Option<RecordFormat>,
    /// The byte between a CSV input's fields (`,`, `;`, `tab`); without it, found from the
    /// header (a note says so when it is not `,`).
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    delimiter: Option<u8>,
    /// The sheet to read of a workbook input (by name, in any case); without it, the first.
    #[arg(long, value_name = "NAME")]
    sheet: Option<String>,
    /// The output's format.
    #[arg(long, value_enum, default_value_t = RecordFormat::Jsonl)]
    output_format: RecordFormat,
    /// Add each record's trace (JSON Lines output only).
    #[arg(long)]
    trace: bool,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
    /// Which instant an ambiguous or nonexistent local time means (the nights the clocks change).
    #[arg(long, value_enum)]
    fold: Option<FoldArg>,
    /// Threads that evaluate records while one more reads and writes them in order; 1 does
    /// everything on one thread. The output is the same. Default: one per core.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: Option<u16>,
    /// No effect: the batch keeps no memo of earlier records (each record is answered by
    /// the evaluator); accepted so that scripts that pass it still run.
    #[arg(long, hide = true)]
    no_memo: bool,
    /// CSV output: write cells that begin as a spreadsheet formula would (`=`, `+`, `-`, `@`)
    /// as they are. Without it such a cell (an id such as `=HYPERLINK(...)`) is written after
    /// a `'`, so that a spreadsheet shows it rather than runs it.
    #[arg(long)]
    keep_formulas: bool,
    /// Notices of change (JSON Lines records with `changes`) to read before the log: each is
    /// resolved under the clause and designates its numbers from when it is deemed given.
    /// Those in the inputs are read ahead too (standard input is held in a temporary file
    /// first, so that it is read as a file is).
    #[arg(long, value_name = "FILE")]
    addresses: Option<PathBuf>,
}

enum Input {
    /// A file, or standard input held in a temporary file (named `-`): its size, and for a
    /// named regular file its [`stamp`] when it was opened.
    File(PathBuf, File, u64, Option<Stamp>),
    /// A workbook's sheet, read whole before the run.
    Sheet(PathBuf, Box<workbook::Sheet>),
}

/// The rules a run answers on: one agreement, or a folder's several, each record naming
/// its own.
enum Loaded {
    One(Box<deemed::Rules>),
    Many(deemed::Library),
}

impl Loaded {
    /// The agreements' time zone, when they share one, for a note.
    fn zone(&self) -> Option<String> {
        let zones: Vec<String> = match self {
            Loaded::One(rules) => rules
                .agreement()
                .map(|a| a.time_zone().name().to_string())
                .into_iter()
                .collect(),
            Loaded::Many(library) => library
                .entries()
                .iter()
                .filter_map(|e| {
                    e.rules
                        .agreement()
                        .map(|a| a.time_zone().name().to_string())
                })
                .collect(),
        };
        let first = zones.first()?;
        zones.iter().all(|z| z == first).then(|| first.clone())
    }
}

pub(crate) fn run(args: &Args) -> Ran {
    let loaded = load(args)?;
    if args.trace && args.output_format == RecordFormat::Csv {
        return Err(Failure::new(
            "`--trace` needs JSON Lines output",
            Some("drop `--output-format csv`".into()),
        ));
    }
    let mut inputs = open_inputs(args, &loaded)?;
    refuse_an_input_as_output(args, &inputs)?;
    let options = options(args)?;
    let mut batch = match &loaded {
        Loaded::One(rules) => Batch::new(rules, options),
        Loaded::Many(library) => Batch::over(library, options),
    }
    .map_err(|e| Failure::new(e, None))?;
    // The records go to a file beside the output, renamed into place once the run has
    // succeeded: a run that fails to start, or stops midway, leaves an existing file as it
    // was.
    let mut sink =
        match &args.output {
            None => Output::Stdout(io::stdout().lock()),
            Some(path) => Output::File(output::AtomicFile::create(path).map_err(|e| {
                Failure::new(format!("cannot write `{}`: {e}", path.display()), None)
            })?),
        };
    let changes = read_changes_ahead(args, options.input, &mut inputs)?;
    if !changes.is_empty() {
        batch.learn_changes(&changes);
    }
    if let Err(failure) = run_inputs(args, &mut batch, inputs, &mut sink) {
        sink.abandon();
        return Err(failure);
    }
    let name = sink.name();
    sink.finish().map_err(|e| Failure::write(&e, &name))?;
    let summary = batch.finish();
    output::stderr(&summary.to_string());
    // Some records in error is an answer, not a failure: exit code 1.
    Ok(match summary.errors {
        0 => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}

/// The agreement asked for, or every agreement of the folder.
fn load(args: &Args) -> Result<Loaded, Failure> {
    let library = args.rules.library()?;
    if args.rules.agreement.is_some() || !library.is_folder() {
        return Ok(Loaded::One(Box::new(args.rules.select(library)?)));
    }
    match &args.rules.calendar {
        None => Ok(Loaded::Many(library)),
        Some(name) => library
            .with_calendar(name)
            .map(Loaded::Many)
            .map_err(|e| Failure::on("calendar", &e, Some(e.help()))),
    }
}

/// Every input, opened before anything is written, so that a missing file stops the run
/// before it starts. Standard input is held whole first, so that its notices of change are
/// read ahead as a file's are: a log gives the same answers however it arrives.
fn open_inputs(args: &Args, loaded: &Loaded) -> Result<Vec<Input>, Failure> {
    let names: Vec<PathBuf> = match args.inputs.is_empty() {
        true => vec![PathBuf::from("-")],
        false => args.inputs.clone(),
    };
    let mut inputs = Vec::new();
    for path in names {
        if path.as_os_str() == "-" {
            let file = deemed::batch::spool(io::stdin().lock(), deemed::batch::MAX_SPOOL)
                .map_err(|e| Failure::new(format!("standard input: {e}"), None))?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            inputs.push(Input::File(path, file, size, None));
        } else if workbook::is_workbook(&path) {
            let sheet = workbook::read_sheet(&path, args.sheet.as_deref())
                .map_err(|e| Failure::new(e, None))?;
            if sheet.date_times > 0 {
                let zone = match loaded.zone() {
                    Some(zone) => format!("{zone}, the agreement's time zone"),
                    None => "each record's agreement's time zone".to_string(),
                };
                output::stderr(&format!(
                    "note: `{}`, sheet `{}`: {} date-time cell(s) read as times in {zone} \
                     (a cell holds no zone)\n",
                    sheet.input, sheet.sheet, sheet.date_times,
                ));
            }
            inputs.push(Input::Sheet(path, Box::new(sheet)));
        } else {
            let file = File::open(&path).map_err(|e| {
                Failure::new(format!("cannot read `{}`: {e}", path.display()), None)
            })?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            let opened = stamp(&path);
            inputs.push(Input::File(path, file, size, opened));
        }
    }
    Ok(inputs)
}

/// A file's size and time of last change.
type Stamp = (u64, std::time::SystemTime);

/// A named file's size and time of last change, when it is a regular file: read before a
/// run and after it, so that a file changed in between (its notices of change read ahead
/// from one text, its records from another) is an error, never an answer.
fn stamp(path: &std::path::Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
    Some((meta.len(), meta.modified().ok()?))
}

/// An output that is one of the inputs would be emptied before it is read.
fn refuse_an_input_as_output(args: &Args, inputs: &[Input]) -> Result<(), Failure> {
    let Some(out) = &args.output else {
        return Ok(());
    };
    let named = inputs.iter().find_map(|i| match i {
        Input::File(path, ..) | Input::Sheet(path, _)
            if path.as_os_str() != "-" && output::same_file(path, out) =>
        {
            Some(path)
        }
        _ => None,
    });
    match named {
        None => Ok(()),
        Some(path) => Err(Failure::new(
            format!(
                "the output `{}` is the input `{}`: writing it would lose the log",
                out.display(),
                path.display()
            ),
            Some("write the records to another file".into()),
        )),
    }
}

/// The run's options, from the flags.
fn options(args: &Args) -> Result<Options, Failure> {
    let input = match input_format(args) {
        Ok(RecordFormat::Jsonl) => InputFormat::Jsonl,
        Ok(RecordFormat::Csv) => InputFormat::Csv,
        Err(message) => {
            return Err(Failure::new(
                message,
                Some("say which with `--input-format`".into()),
            ));
        }
    };
    Ok(Options {
        input,
        delimiter: args.delimiter,
        output: match args.output_format {
            RecordFormat::Jsonl => OutputFormat::Jsonl,
            RecordFormat::Csv => OutputFormat::Csv,
        },
        trace: args.trace,
        fold: args.fold.map(FoldArg::to_fold),
        threads: match args.threads {
            Some(n) => usize::from(n),
            None => std::thread::available_parallelism().map_or(1, usize::from),
        },
        no_memo: args.no_memo,
        keep_formulas: args.keep_formulas,
    })
}

/// Notices of change, read ahead of the run: those of `--addresses`, and those in the JSON
/// Lines inputs (see [`ChangeLine::read_ahead`]).
fn read_changes_ahead(
    args: &Args,
    input: InputFormat,
    inputs: &mut [Input],
) -> Result<Vec<ChangeLine>, Failure> {
    let mut changes = Vec::new();
    if let Some(path) = &args.addresses {
        let found = File::open(path)
            .and_then(|f| ChangeLine::find_in(&path.display().to_string(), BufReader::new(f)))
            .map_err(|e| Failure::new(format!("cannot read `{}`: {e}", path.display()), None))?;
        changes.extend(found);
    }
    if input != InputFormat::Jsonl {
        return Ok(changes);
    }
    for input in inputs {
        let Input::File(path, file, ..) = input else {
            continue;
        };
        let name = match path.as_os_str() == "-" {
            true => "-".to_string(),
            false => path.display().to_string(),
        };
        changes.extend(ChangeLine::read_ahead(&name, file).map_err(|e| Failure::new(e, None))?);
    }
    Ok(changes)
}

/// Runs every input through the batch into the sink, in order.
fn run_inputs(
    args: &Args,
    batch: &mut Batch<'_>,
    inputs: Vec<Input>,
    sink: &mut Output,
) -> Result<(), Failure> {
    let show_progress = !args.quiet && io::stderr().is_terminal();
    for input in inputs {
        let result = match input {
            Input::Sheet(_, sheet) => batch.run_sheet(&sheet, sink, &mut |_| {}),
            Input::File(path, file, size, before) => {
                let name = path.display().to_string();
                let bar = progress_bar(show_progress, size, &name);
                let result = batch.run(
                    &name,
                    BufReader::with_capacity(1 << 16, file),
                    sink,
                    &mut |bytes| bar.set_position(bytes),
                );
                bar.finish_and_clear();
                if before.is_some() && result.is_ok() && stamp(&path) != before {
                    return Err(Failure::new(
                        format!(
                            "`{name}` changed while it was read: its answers may mix two versions of it"
                        ),
                        Some(
                            "run again on a file that stays as it is during the run (a copy of it)"
                                .into(),
                        ),
                    ));
                }
                result
            }
        };
        match result {
            Ok(()) => {}
            Err(BatchError::Write(e)) => return Err(Failure::write(&e, &sink.name())),
            Err(e) => return Err(Failure::new(e, None)),
        }
    }
    Ok(())
}

/// A `--delimiter`: one ASCII character, or `tab`.
fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ => match text.as_bytes() {
            [b] if b.is_ascii() && !b.is_ascii_alphanumeric() && *b != b'"' => Ok(*b),
            _ => Err(format!(
                "`{text}` is not a delimiter: give one character such as `,` or `;`, or `tab`"
            )),
        },
    }
}

/// The input format: as given, else from the inputs' extensions, which must agree.
fn input_format(args: &Args) -> Result<RecordFormat, String> {
    if let Some(format) = args.input_format {
        return Ok(format);
    }
    let of = |p: &PathBuf| {
        let csv = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if csv {
            RecordFormat::Csv
        } else {
            RecordFormat::Jsonl
        }
    };
    // A workbook is read as a workbook whatever the others are.
    let mut formats = args
        .inputs
        .iter()
        .filter(|p| p.as_os_str() != "-" && !workbook::is_workbook(p))
        .map(of);
    let first = formats.next().unwrap_or(RecordFormat::Jsonl);
    match formats.all(|f| f == first) {
        true => Ok(first),
        false => Err("the inputs' extensions name both CSV and JSON Lines".to_string()),
    }
}

/// Where the records go.
enum Output {
    Stdout(io::StdoutLock<'static>),
    File(output::AtomicFile),
}

impl Output {
    /// What the output is, for a message.
    fn name(&self) -> String {
        match self {
            Output::Stdout(_) => "to standard output".to_string(),
            Output::File(f) => format!("`{}`", f.target().display()),
        }
    }

    /// Flushes the records; a file is renamed into place.
    fn finish(self) -> io::Result<()> {
        match self {
            Output::Stdout(mut out) => out.flush(),
            Output::File(f) => f.commit(),
        }
    }

    /// Gives up: a file's records are removed, and an existing file under its name is left
    /// as it was, which the message says.
    fn abandon(self) {
        if let Output::File(f) = self {
            let target = f.target().display().to_string();
            drop(f);
            if std::path::Path::new(&target).exists() {
                output::stderr(&format!("note: `{target}` was left as it was\n"));
            } else {
                output::stderr(&format!("note: nothing was written to `{target}`\n"));
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(out) => out.write(buf),
            Output::File(f) => f.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(out) => out.write_all(buf),
            Output::File(f) => f.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(out) => out.flush(),
            Output::File(f) => f.flush(),
        }
    }
}

fn progress_bar(show: bool, size: u64, name: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(size);
    let style = ProgressStyle::with_template(
        "{msg} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
    )
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(name.to_string());
    bar
}
