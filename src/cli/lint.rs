//! `deemed lint`: which clauses cover each kind of notice, and where none does.

use std::path::PathBuf;
use std::process::ExitCode;

use super::failure::{Failure, Ran};

use deemed::{Library, LoadError};

use super::Format;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The rules file, or a folder of them (each agreement in turn); without it, the one
    /// named by DEEMED_RULES, else the embedded rules of the reference agreement.
    #[arg(value_name = "FILE|DIR", env = "DEEMED_RULES")]
    file: Option<PathBuf>,
    /// Only this agreement of a folder.
    #[arg(long, value_name = "NAME")]
    agreement: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
}

pub(crate) fn run(args: &Args) -> Ran {
    let loaded = match &args.file {
        Some(path) => Library::from_path(path),
        None => Library::default_rules().map_err(LoadError::Invalid),
    };
    let library = match loaded {
        Ok(r) => r,
        Err(e) => {
            return Err(Failure::load(e));
        }
    };
    let folder = args.file.as_ref().is_some_and(|p| p.is_dir());
    let chosen: Vec<&deemed::library::Entry> = match &args.agreement {
        None => library.entries().iter().collect(),
        Some(name) => match library.position(Some(name)) {
            Ok(n) => library.entries().get(n).into_iter().collect(),
            Err(e) => {
                return Err(Failure::on("agreement", &e, Some(e.help())));
            }
        },
    };
    let mut tables = Vec::new();
    for entry in chosen {
        let Some(coverage) = entry.rules.coverage() else {
            return Err(Failure::new(
                format!("`{}` has no agreement to lint", entry.rules.origin()),
                None,
            ));
        };
        tables.push((entry.name.as_str(), coverage));
    }
    let text = match (args.format, folder) {
        (Format::Text, false) => tables.iter().map(|(_, c)| c.to_string()).collect(),
        (Format::Text, true) => {
            let shown: Vec<String> = (tables.iter())
                .map(|(name, c)| format!("== agreement `{name}` ==\n{c}"))
                .collect();
            shown.join("\n")
        }
        (Format::Json, _) => {
            let value = match (folder, tables.as_slice()) {
                (false, [(_, c)]) => serde_json::to_value(c),
                _ => serde_json::to_value(
                    (tables.iter())
                        .map(|(name, c)| serde_json::json!({"agreement": name, "lint": c}))
                        .collect::<Vec<_>>(),
                ),
            };
            match value.and_then(|v| serde_json::to_string_pretty(&v)) {
                Ok(json) => json + "\n",
                Err(e) => return Err(Failure::new(&e, None)),
            }
        }
    };
    super::output::stdout(&text)?;
    Ok(if tables.iter().any(|(_, c)| !c.complete) {
        ExitCode::from(2)
    } else if tables.iter().any(|(_, c)| c.uncovered().next().is_some()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
