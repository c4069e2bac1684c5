//! `deemed diff`: which notices of a log a rule change changes.

use std::fs::File;
use std::io::{self, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use deemed::Rules;
use deemed::batch::{BatchError, Change, InputFormat, diff};
use serde_json::json;

use super::batch::RecordFormat;
use super::{Format, print_error};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The rules before the change.
    #[arg(value_name = "OLD")]
    old: PathBuf,
    /// The rules after the change.
    #[arg(value_name = "NEW")]
    new: PathBuf,
    /// The notice log to evaluate under both (`-` for standard input).
    #[arg(long, value_name = "LOG")]
    events: PathBuf,
    /// The log's format.
    #[arg(long, value_enum, default_value_t = RecordFormat::Jsonl)]
    input_format: RecordFormat,
    /// Output format: a table, or one JSON line per changed notice.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

fn load(path: &Path) -> Result<Rules, ExitCode> {
    Rules::from_path(path).map_err(|e| {
        super::print_load_error(&e);
        ExitCode::from(2)
    })
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let (old, new) = match (load(&args.old), load(&args.new)) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let name = args.events.display().to_string();
    let input: Box<dyn io::BufRead> = if args.events.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        match File::open(&args.events) {
            Ok(f) => Box::new(BufReader::new(f)),
            Err(e) => {
                print_error(&format!("cannot read `{name}`: {e}"), None);
                return ExitCode::from(2);
            }
        }
    };
    let format = match args.input_format {
        RecordFormat::Jsonl => InputFormat::Jsonl,
        RecordFormat::Csv => InputFormat::Csv,
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if args.format == Format::Text {
        if let Err(e) = writeln!(out, "{:>6}  {:<16} {:<34} new", "line", "id", "old") {
            return super::output::write_failed(&e, "to standard output");
        }
    }
    let as_text = args.format == Format::Text;
    let mut write = |c: Change| -> io::Result<()> {
        let id = c.id.as_deref().unwrap_or("null");
        if as_text {
            writeln!(
                out,
                "{:>6}  {:<16} {:<34} {}",
                c.line,
                id,
                c.old.to_string(),
                c.new
            )
        } else {
            let id: serde_json::Value = serde_json::from_str(id).unwrap_or_default();
            let line = json!({"id": id, "line": c.line, "old": c.old, "new": c.new});
            writeln!(out, "{line}")
        }
    };
    let summary = match diff(&old, &new, &name, input, format, &mut write) {
        Ok(s) => s,
        Err(BatchError::Write(e)) => return super::output::write_failed(&e, "to standard output"),
        Err(e) => {
            print_error(&e, None);
            return ExitCode::from(2);
        }
    };
    if let Err(e) = out.flush() {
        return super::output::write_failed(&e, "to standard output");
    }
    super::output::stderr(&format!(
        "{} of {} notices changed ({} -> {})\n",
        summary.changed,
        summary.records,
        args.old.display(),
        args.new.display()
    ));
    if summary.changed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
