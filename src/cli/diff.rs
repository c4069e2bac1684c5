//! `deemed diff`: which notices of a log a rule change changes.

use std::fs::File;
use std::io::{self, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::failure::{Failure, Ran};

use deemed::Library;
use deemed::batch::{BatchError, Change, ChangeLine, InputFormat, diff, diff_libraries};
use serde_json::json;

use super::Format;
use super::batch::RecordFormat;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The rules before the change: a file, or a folder of agreements.
    #[arg(value_name = "OLD")]
    old: PathBuf,
    /// The rules after the change: a file, or a folder (its agreements matched to the old
    /// folder's by name; a log's records name theirs with `agreement`).
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

fn load(path: &Path) -> Result<Library, Failure> {
    Library::from_path(path).map_err(Failure::load)
}

/// Says which agreements of two folders are only in one of them (they are matched by name).
fn say_added_and_removed(old: &Library, new: &Library) {
    // Agreements are matched by name: say which are only on one side.
    let (old_names, new_names) = (old.names(), new.names());
    let removed: Vec<&String> = old_names
        .iter()
        .filter(|n| !new_names.contains(n))
        .collect();
    let added: Vec<&String> = new_names
        .iter()
        .filter(|n| !old_names.contains(n))
        .collect();
    let list = |names: &[&String]| {
        let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        quoted.join(", ")
    };
    if !removed.is_empty() {
        super::output::stderr(&format!("agreements removed: {}\n", list(&removed)));
    }
    if !added.is_empty() {
        super::output::stderr(&format!("agreements added: {}\n", list(&added)));
    }
}

/// The log, and the notices of change in it, read ahead. Standard input and a named pipe
/// are held in a temporary file first, so that they are read ahead as a file is: a log
/// gives the same answers however it arrives.
fn open_log(args: &Args, name: &str) -> Result<(BufReader<File>, Vec<ChangeLine>), Failure> {
    let mut file = match args.events.as_os_str() == "-" {
        true => deemed::batch::spool(io::stdin().lock(), deemed::batch::MAX_SPOOL)
            .map_err(|e| Failure::new(format!("standard input: {e}"), None))?,
        false => File::open(&args.events)
            .map_err(|e| Failure::new(format!("cannot read `{name}`: {e}"), None))?,
    };
    let changes = match args.input_format {
        RecordFormat::Jsonl => {
            ChangeLine::read_ahead(name, &mut file).map_err(|e| Failure::new(e, None))?
        }
        RecordFormat::Csv => Vec::new(),
    };
    Ok((BufReader::new(file), changes))
}

pub(crate) fn run(args: &Args) -> Ran {
    let folders = (args.old.is_dir(), args.new.is_dir());
    if folders.0 != folders.1 {
        return Err(Failure::new(
            "compare a rules file with a rules file, or a folder with a folder",
            Some(format!(
                "`{}` is a {} and `{}` a {}",
                args.old.display(),
                if folders.0 { "folder" } else { "file" },
                args.new.display(),
                if folders.1 { "folder" } else { "file" },
            )),
        ));
    }
    let (old, new) = (load(&args.old)?, load(&args.new)?);
    if folders.0 {
        say_added_and_removed(&old, &new);
    }
    let name = args.events.display().to_string();
    let (input, changes) = open_log(args, &name)?;
    let format = match args.input_format {
        RecordFormat::Jsonl => InputFormat::Jsonl,
        RecordFormat::Csv => InputFormat::Csv,
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let as_text = args.format == Format::Text;
    let mut table = DiffTable::default();
    let mut write = |c: Change| -> io::Result<()> {
        let id = c.id.as_deref().unwrap_or("null");
        if as_text {
            table.push(
                &mut out,
                [
                    c.line.to_string(),
                    id.to_string(),
                    c.old.to_string(),
                    c.new.to_string(),
                ],
            )
        } else {
            let id: serde_json::Value = serde_json::from_str(id).unwrap_or_default();
            let line = json!({"id": id, "line": c.line, "old": c.old, "new": c.new});
            writeln!(out, "{line}")
        }
    };
    let compared = match (folders.0, old.entries(), new.entries()) {
        (false, [old], [new]) => diff(
            (&old.rules, &new.rules),
            &name,
            input,
            format,
            &changes,
            &mut write,
        ),
        _ => diff_libraries((&old, &new), &name, input, format, &changes, &mut write),
    };
    let summary = match compared {
        Ok(s) => s,
        Err(BatchError::Write(e)) => return Err(Failure::write(&e, "to standard output")),
        Err(e) => return Err(Failure::new(&e, None)),
    };
    let finished = match as_text {
        true if summary.changed == 0 => writeln!(
            out,
            "no notice changed: each of the {} gives the same deemed date, clause and status under both rules",
            summary.records
        ),
        true => table.finish(&mut out),
        false => Ok(()),
    };
    finished
        .and_then(|()| out.flush())
        .map_err(|e| Failure::write(&e, "to standard output"))?;
    super::output::stderr(&format!(
        "{} of {} notices changed ({} -> {})\n",
        summary.changed,
        summary.records,
        args.old.display(),
        args.new.display()
    ));
    Ok(match summary.changed {
        0 => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}

/// The table of changes for people: its columns as wide as the first [`DiffTable::SIZED_BY`]
/// rows need (later rows widen them only for themselves), so that a long id or clause does
/// not push the rest out of line, and the memory it holds stays bounded.
#[derive(Default)]
struct DiffTable {
    held: Vec<[String; 4]>,
    widths: Option<[usize; 3]>,
}

impl DiffTable {
    /// How many rows set the widths of the columns.
    const SIZED_BY: usize = 1000;

    fn push(&mut self, out: &mut dyn Write, row: [String; 4]) -> io::Result<()> {
        match self.widths {
            Some(widths) => write_row(out, &row, widths),
            None => {
                self.held.push(row);
                if self.held.len() >= Self::SIZED_BY {
                    self.flush(out)?;
                }
                Ok(())
            }
        }
    }

    /// Writes the header and the rows held back.
    fn flush(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let header = ["line", "id", "old", "new"].map(String::from);
        let mut widths = [6, 16, 34];
        for row in self.held.iter().chain(std::iter::once(&header)) {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        self.widths = Some(widths);
        write_row(out, &header, widths)?;
        for row in std::mem::take(&mut self.held) {
            write_row(out, &row, widths)?;
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        match self.widths {
            Some(_) => Ok(()),
            None => self.flush(out),
        }
    }
}

fn write_row(
    out: &mut dyn Write,
    row: &[String; 4],
    [line, id, old]: [usize; 3],
) -> io::Result<()> {
    let [l, i, o, n] = row;
    writeln!(out, "{l:>line$}  {i:<id$} {o:<old$} {n}")
}
