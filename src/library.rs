//! Agreements by name: one rules file, or a folder of them.
//!
//! A folder's agreements are its `*.rules` files that declare an agreement; its other
//! `*.rules` files, and those in its `calendars/` folder, declare calendars that every
//! agreement of the folder may name (beside the built-in ones). Each agreement is named by
//! its file's stem (`spa-2000-02-25`), or by the `id` it declares.

use std::path::Path;

use crate::diagnostic::{Diagnostic, Diagnostics, Source};
use crate::{LoadError, Rules, UnknownName};

/// One agreement of a library, with its name.
#[derive(Debug)]
pub struct Entry {
    /// Its name: its `id`, or its file's stem.
    pub name: String,
    /// Its rules.
    pub rules: Rules,
}

/// The agreements a command may answer on.
#[derive(Debug)]
pub struct Library {
    /// The file or folder they came from.
    origin: String,
    /// The agreements, by name.
    entries: Vec<Entry>,
    /// The files of calendars shared by a folder's agreements.
    calendar_files: Vec<String>,
    /// Each agreement's place by its name in lower case, for the records of a log.
    by_name: std::collections::HashMap<String, usize>,
    /// Whether it is a folder's (whose records name their agreement, even of one).
    folder: bool,
}

/// A library asked for an agreement it cannot give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgreementError {
    /// No agreement of that name.
    Unknown(UnknownName),
    /// Several agreements, and none named.
    NotChosen {
        /// Where they came from.
        origin: String,
        /// Their names.
        known: Vec<String>,
    },
}

impl std::fmt::Display for AgreementError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AgreementError::Unknown(u) => write!(f, "{u}"),
            AgreementError::NotChosen { origin, known } => {
                write!(f, "`{origin}` holds {} agreements: say which", known.len())
            }
        }
    }
}

impl std::error::Error for AgreementError {}

impl AgreementError {
    /// What to do about it.
    pub fn help(&self) -> String {
        match self {
            AgreementError::Unknown(u) => u.help(),
            AgreementError::NotChosen { known, .. } => {
                let names: Vec<String> = known.iter().map(|n| format!("`{n}`")).collect();
                format!(
                    "name one with `--agreement NAME` (in a log, a record's `agreement`): {}",
                    names.join(", ")
                )
            }
        }
    }
}

impl Library {
    /// A library of one agreement (or of calendars alone), named `name`.
    pub fn one(name: &str, rules: Rules) -> Library {
        let name = rules
            .agreement()
            .and_then(|a| a.id.clone())
            .unwrap_or_else(|| name.to_string());
        Library::of(
            rules.origin().to_string(),
            vec![Entry { name, rules }],
            Vec::new(),
        )
    }

    /// The embedded rules of the reference agreement.
    pub fn default_rules() -> Result<Library, Diagnostics> {
        let rules = Rules::default_rules()?;
        Ok(Library::one(
            &stem(Path::new(crate::DEFAULT_RULES.0)),
            rules,
        ))
    }

    /// A rules file, or a folder of them.
    pub fn from_path(path: &Path) -> Result<Library, LoadError> {
        if !path.is_dir() {
            return Ok(Library::one(&stem(path), Rules::from_path(path)?));
        }
        let origin = path.display().to_string();
        let mut files = rules_files(path)?;
        let mut calendar_dir = rules_files(&path.join("calendars")).unwrap_or_default();
        let mut agreements = Vec::new();
        let mut shared = Vec::new();
        for file in files.drain(..) {
            let text = crate::read_rules_text(&file)?;
            let source = Source {
                name: file.display().to_string(),
                text,
            };
            // A file that parses to no agreement declares calendars; one that does not
            // parse is read as an agreement, whose errors are then reported.
            let parsed = crate::syntax::parse(&source.text).ok();
            let holds_agreement = parsed.as_ref().is_none_or(|f| {
                f.items
                    .iter()
                    .any(|i| matches!(i, crate::syntax::ast::Item::Agreement(_)))
            });
            match holds_agreement {
                true => agreements.push((file, source, parsed)),
                false => shared.push(source),
            }
        }
        for file in calendar_dir.drain(..) {
            let text = crate::read_rules_text(&file)?;
            shared.push(Source {
                name: file.display().to_string(),
                text,
            });
        }
        // The shared calendars are checked once, each file with the others, so that a
        // mistake in one is reported once rather than with every agreement.
        let mut errors = Vec::new();
        for (n, source) in shared.iter().enumerate() {
            let others: Vec<Source> = (shared.iter().enumerate())
                .filter(|(m, _)| *m != n)
                .map(|(_, s)| s.clone())
                .collect();
            if let Err(d) = Rules::from_sources(source.clone(), &others) {
                errors.push(only_in_first(d));
            }
        }
        if !errors.is_empty() {
            return Err(LoadError::Invalid(merge(errors)));
        }
        // The shared files are parsed once for all the agreements (they parse: they were
        // checked above).
        let shared_files: Option<Vec<crate::syntax::ast::File>> = (shared.iter())
            .map(|s| crate::syntax::parse_all(&s.text).ok())
            .collect();
        let calendars = crate::check::SharedCalendars::default();
        let shared_files = shared_files.as_deref().map(|f| (f, &calendars));
        let mut entries: Vec<(Entry, String)> = Vec::new();
        for (file, source, parsed) in agreements {
            match Rules::from_parsed((source, parsed), &shared, shared_files) {
                Ok(rules) => {
                    let name = rules
                        .agreement()
                        .and_then(|a| a.id.clone())
                        .unwrap_or_else(|| stem(&file));
                    entries.push((Entry { name, rules }, file.display().to_string()));
                }
                Err(d) => errors.push(d),
            }
        }
        if !errors.is_empty() {
            return Err(LoadError::Invalid(merge(errors)));
        }
        if entries.is_empty() {
            return Err(LoadError::NoAgreements { path: origin });
        }
        entries.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        for pair in entries.windows(2) {
            if let [(a, a_file), (b, b_file)] = pair {
                if a.name == b.name {
                    return Err(LoadError::SameName {
                        name: a.name.clone(),
                        files: [a_file.clone(), b_file.clone()],
                    });
                }
            }
        }
        let mut library = Library::of(
            origin,
            entries.into_iter().map(|(e, _)| e).collect(),
            shared.into_iter().map(|s| s.name).collect(),
        );
        library.folder = true;
        Ok(library)
    }

    fn of(origin: String, entries: Vec<Entry>, calendar_files: Vec<String>) -> Library {
        let by_name = (entries.iter().enumerate())
            .map(|(n, e)| (e.name.to_ascii_lowercase(), n))
            .collect();
        Library {
            origin,
            entries,
            calendar_files,
            by_name,
            folder: false,
        }
    }

    /// Whether the agreements are a folder's.
    pub fn is_folder(&self) -> bool {
        self.folder
    }

    /// Where the agreements came from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The agreements, in the order of their names.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The files of calendars a folder's agreements share.
    pub fn calendar_files(&self) -> &[String] {
        &self.calendar_files
    }

    /// The names of the agreements.
    pub fn names(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.name.clone()).collect()
    }

    /// The place of the agreement named `name` (in any case), or of the only one.
    pub fn position(&self, name: Option<&str>) -> Result<usize, AgreementError> {
        match name {
            None if self.entries.len() == 1 => Ok(0),
            None => Err(AgreementError::NotChosen {
                origin: self.origin.clone(),
                known: self.names(),
            }),
            Some(name) => self
                .by_name
                .get(name)
                .or_else(|| self.by_name.get(&name.to_ascii_lowercase()))
                .copied()
                .ok_or_else(|| {
                    AgreementError::Unknown(UnknownName {
                        what: "agreement",
                        name: name.to_string(),
                        known: self.names(),
                        described: (self.entries.iter())
                            .map(|e| e.rules.agreement().map_or("", |a| a.title()).to_string())
                            .collect(),
                    })
                }),
        }
    }

    /// The agreement named `name`, or the only one.
    pub fn get(&self, name: Option<&str>) -> Result<&Rules, AgreementError> {
        let n = self.position(name)?;
        self.entries
            .get(n)
            .map(|e| &e.rules)
            .ok_or_else(|| AgreementError::NotChosen {
                origin: self.origin.clone(),
                known: self.names(),
            })
    }

    /// The library with every agreement answering on the calendar `name` (a what-if).
    pub fn with_calendar(self, name: &str) -> Result<Library, UnknownName> {
        let mut entries = Vec::with_capacity(self.entries.len());
        for e in self.entries {
            entries.push(Entry {
                name: e.name,
                rules: e.rules.with_calendar(name)?,
            });
        }
        let mut library = Library::of(self.origin, entries, self.calendar_files);
        library.folder = self.folder;
        Ok(library)
    }

    /// The agreement named `name`, or the only one, taken out of the library.
    pub fn into_rules(mut self, name: Option<&str>) -> Result<Rules, AgreementError> {
        let n = self.position(name)?;
        // `position` gives a place among the entries.
        Ok(self.entries.swap_remove(n).rules)
    }
}

/// The `*.rules` files of a folder, in the order of their names.
fn rules_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, LoadError> {
    let io = |error| LoadError::Io {
        path: dir.display().to_string(),
        error,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "rules") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// A file's name without its extension.
fn stem(path: &Path) -> String {
    path.file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
}

/// The problems of a check, kept to those in its first source (a calendar file checked with
/// the others reports the others' problems when they are checked themselves).
fn only_in_first(mut d: Diagnostics) -> Diagnostics {
    d.errors.retain(|e| e.source == 0);
    d
}

/// Several checks' problems as one list, each pointing into its own copy of its sources.
fn merge(all: Vec<Diagnostics>) -> Diagnostics {
    let mut merged = Diagnostics {
        sources: Vec::new(),
        errors: Vec::new(),
    };
    for d in all {
        let offset = merged.sources.len();
        merged
            .errors
            .extend(d.errors.into_iter().map(|e| Diagnostic {
                source: e.source + offset,
                ..e
            }));
        merged.sources.extend(d.sources);
    }
    merged
}
