//! # deemed
//!
//! When is a notice legally given, and when does a deadline close? `deemed` reads an
//! agreement's notice clause, written as data in a small rule language, and resolves each
//! communication (method, sent instant, recipient, fax number, receipt) to the date it is
//! deemed given and effective, on the agreement's business-day calendar, with the reasons.
//!
//! The data flows one way: source text ([`syntax`]) to syntax tree, to checked model
//! ([`check`], [`Rules`]), to the compiled plan of each notice clause (the one place that
//! says what a rule means, read by evaluation, [`lint`], `check` and [`latest`]), to
//! evaluation ([`Rules::evaluate`]), to rendered output.
//!
//! ```
//! use chrono::DateTime;
//! let rules = deemed::Rules::default_rules().unwrap();
//! let event = deemed::Event {
//!     method: "courier".into(),
//!     sent: Some(DateTime::parse_from_rfc3339("2000-12-22T15:00:00-05:00").unwrap()),
//!     received: None,
//!     to: Some("montrose".into()),
//!     from: None,
//!     fax_number: None, companions: Vec::new(), designation: None,
//! };
//! let resolution = rules.evaluate(&event).unwrap();
//! // Clause iii: the Business Day following the date of mailing; Christmas Day is skipped.
//! assert_eq!(resolution.deemed_date.unwrap().to_string(), "2000-12-26");
//! ```

pub mod agreement;
pub mod answer;
pub mod batch;
pub mod calendar;
pub mod check;
pub(crate) mod clock;
pub mod diagnostic;
pub mod eval;
pub mod ics;
pub mod latest;
pub mod library;
pub mod lint;
pub mod period;
pub mod query;
pub mod serve;
pub mod show;
pub mod sorted_json;
pub mod syntax;
pub mod time;
mod words;

use std::path::Path;

pub use agreement::{Agreement, Rules, fax_digits};
pub use answer::{EvalError, Resolution, Status, UnknownName};
pub use calendar::{Calendar, DayOff};
pub use diagnostic::{Diagnostics, Source};
pub use eval::{Event, EventRef};
pub use library::Library;

/// The rules file for the reference agreement, embedded as the default.
pub const DEFAULT_RULES: (&str, &str) = (
    "rules/spa-2000-02-25.rules",
    include_str!("../rules/spa-2000-02-25.rules"),
);

/// The built-in calendars: every agreement may name them.
pub const BUILTIN_CALENDARS: &[(&str, &str)] = &[
    (
        "rules/calendars/us-ny-banking.rules",
        include_str!("../rules/calendars/us-ny-banking.rules"),
    ),
    (
        "rules/calendars/us-federal-observed.rules",
        include_str!("../rules/calendars/us-federal-observed.rules"),
    ),
    (
        "rules/calendars/us-ny-closures.rules",
        include_str!("../rules/calendars/us-ny-closures.rules"),
    ),
    (
        "rules/calendars/nyse.rules",
        include_str!("../rules/calendars/nyse.rules"),
    ),
    (
        "rules/calendars/ca-bc.rules",
        include_str!("../rules/calendars/ca-bc.rules"),
    ),
    (
        "rules/calendars/ca-on.rules",
        include_str!("../rules/calendars/ca-on.rules"),
    ),
    (
        "rules/calendars/gb-eng.rules",
        include_str!("../rules/calendars/gb-eng.rules"),
    ),
    (
        "rules/calendars/gb-sct.rules",
        include_str!("../rules/calendars/gb-sct.rules"),
    ),
    (
        "rules/calendars/target2.rules",
        include_str!("../rules/calendars/target2.rules"),
    ),
    (
        "rules/calendars/us-postal-delivery-days.rules",
        include_str!("../rules/calendars/us-postal-delivery-days.rules"),
    ),
];

/// The largest rules file read, in bytes: far beyond any agreement's, and small enough that
/// a file that never ends (`/dev/zero`) is refused quickly.
pub const MAX_RULES_BYTES: u64 = 16 << 20;

/// Rules that could not be loaded.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be read.
    Io {
        /// The path.
        path: String,
        /// Why.
        error: std::io::Error,
    },
    /// The file is larger than [`MAX_RULES_BYTES`].
    TooLarge {
        /// The path.
        path: String,
    },
    /// The file is not UTF-8 text: the first bad byte is at this line and column.
    NotUtf8 {
        /// The path.
        path: String,
        /// 1-based line of the first byte that is not UTF-8.
        line: usize,
        /// 1-based column (in characters) of that byte.
        column: usize,
    },
    /// The file has mistakes.
    Invalid(Diagnostics),
    /// A folder of agreements that holds none.
    NoAgreements {
        /// The folder.
        path: String,
    },
    /// Two agreements of a folder with one name.
    SameName {
        /// The name.
        name: String,
        /// The files that give it.
        files: [String; 2],
    },
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Io { path, error } => write!(f, "cannot read `{path}`: {error}"),
            LoadError::TooLarge { path } => write!(
                f,
                "`{path}` is larger than {} MiB, the most a rules file may hold",
                MAX_RULES_BYTES >> 20
            ),
            LoadError::NotUtf8 { path, line, column } => write!(
                f,
                "{path}:{line}:{column}: the rules file is not UTF-8 text (a byte here is not part of any character)"
            ),
            LoadError::Invalid(d) => write!(f, "{d}"),
            LoadError::NoAgreements { path } => {
                write!(
                    f,
                    "the folder `{path}` holds no `*.rules` file with an agreement"
                )
            }
            LoadError::SameName {
                name,
                files: [a, b],
            } => write!(
                f,
                "two agreements are named `{name}`: `{a}` and `{b}` (an agreement is named by its file, or by its `id`)"
            ),
        }
    }
}

/// Reads a rules file as text: at most [`MAX_RULES_BYTES`], UTF-8, a byte-order mark at its
/// start dropped.
pub fn read_rules_text(path: &Path) -> Result<String, LoadError> {
    use std::io::Read;
    let name = || path.display().to_string();
    let io = |error| LoadError::Io {
        path: name(),
        error,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_RULES_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_RULES_BYTES {
        return Err(LoadError::TooLarge { path: name() });
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let before = String::from_utf8_lossy(e.as_bytes().get(..good).unwrap_or_default());
        let (line, column) = diagnostic::line_column(&before, before.len());
        LoadError::NotUtf8 {
            path: name(),
            line,
            column,
        }
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

impl std::error::Error for LoadError {}

impl Rules {
    /// The embedded rules of the reference agreement.
    pub fn default_rules() -> Result<Rules, Diagnostics> {
        Rules::from_source(Source {
            name: DEFAULT_RULES.0.to_string(),
            text: DEFAULT_RULES.1.to_string(),
        })
    }

    /// Reads and checks a rules file.
    pub fn from_path(path: &Path) -> Result<Rules, LoadError> {
        let text = read_rules_text(path)?;
        Rules::from_source(Source {
            name: path.display().to_string(),
            text,
        })
        .map_err(LoadError::Invalid)
    }

    /// Parses and checks a rules text, with the built-in calendars beside it.
    ///
    /// ```
    /// let src = r#"calendar mine "weekends only" { years 2000 through 2001 weekend saturday, sunday }"#;
    /// let rules = deemed::Rules::from_source(deemed::Source { name: "mine.rules".into(), text: src.into() }).unwrap();
    /// assert!(rules.agreement().is_none());
    /// assert!(rules.calendar("mine").is_some());
    /// ```
    pub fn from_source(main: Source) -> Result<Rules, Diagnostics> {
        Rules::from_sources(main, &[])
    }

    /// Parses and checks a rules text with calendar files beside it (a folder's), and the
    /// built-in calendars.
    pub fn from_sources(main: Source, shared: &[Source]) -> Result<Rules, Diagnostics> {
        Rules::from_parsed((main, None), shared, None)
    }

    /// [`Rules::from_sources`] with what is parsed already: the main file's tree, and the
    /// shared files' trees (all of them, in order), which a folder parses once for all its
    /// agreements.
    pub(crate) fn from_parsed(
        (main, main_file): (Source, Option<syntax::ast::File>),
        shared: &[Source],
        shared_files: Option<(&[syntax::ast::File], &check::SharedCalendars)>,
    ) -> Result<Rules, Diagnostics> {
        let (shared_files, calendars) = shared_files.unzip();
        let mut sources = vec![main];
        sources.extend(shared.iter().cloned());
        let own = sources.len();
        sources.extend(BUILTIN_CALENDARS.iter().map(|(name, text)| Source {
            name: name.to_string(),
            text: text.to_string(),
        }));
        // The built-in calendars are parsed once per process; the others here, unless given.
        let builtin = builtin_files();
        let shared_files = shared_files.filter(|f| f.len() == shared.len());
        let mut files = Vec::with_capacity(own);
        let mut errors = Vec::new();
        let mut main_file = main_file;
        for (n, source) in sources.iter().enumerate() {
            if (n >= own && builtin.is_some()) || (n > 0 && shared_files.is_some()) {
                break;
            }
            let parsed = match main_file.take() {
                Some(file) => Ok(file),
                None => syntax::parse_all(&source.text),
            };
            match parsed {
                Ok(file) => files.push(file),
                Err(e) => {
                    errors.extend(e.into_iter().map(|e| diagnostic::Diagnostic::syntax(n, e)))
                }
            }
        }
        if shared_files.is_some() && builtin.is_none() {
            // The built-in calendars did not parse: parsed here, to say why.
            for (n, source) in sources.iter().enumerate().skip(own) {
                if let Err(e) = syntax::parse_all(&source.text) {
                    errors.extend(e.into_iter().map(|e| diagnostic::Diagnostic::syntax(n, e)))
                }
            }
        }
        if !errors.is_empty() {
            return Err(Diagnostics { errors, sources });
        }
        let trees = (files.iter())
            .chain(shared_files.into_iter().flatten())
            .chain(builtin.into_iter().flatten());
        let units: Vec<check::Unit<'_>> = trees
            .enumerate()
            .map(|(n, file)| check::Unit {
                source: n,
                file,
                builtin: n > 0,
            })
            .collect();
        let origin = sources.first().map(|s| s.name.clone()).unwrap_or_default();
        // The shared calendars are checked once for a folder's agreements when the trees
        // are the folder's (and each agreement's are in the same places).
        let calendars = calendars.filter(|_| shared_files.is_some() && builtin.is_some());
        match check::check_with(&origin, &units, calendars) {
            Ok((mut rules, warnings)) => {
                if !warnings.is_empty() {
                    rules.warnings = Diagnostics {
                        errors: warnings
                            .into_iter()
                            .map(|w| diagnostic::Diagnostic {
                                severity: diagnostic::Severity::Warning,
                                ..diagnostic::Diagnostic::check(w)
                            })
                            .collect(),
                        sources,
                    };
                }
                Ok(rules)
            }
            Err(errors) => Err(Diagnostics {
                errors: errors
                    .into_iter()
                    .map(diagnostic::Diagnostic::check)
                    .collect(),
                sources,
            }),
        }
    }
}

/// The built-in calendar files parsed, once per process (`None` if one did not parse: then
/// each reading parses them, and reports why).
fn builtin_files() -> Option<&'static [syntax::ast::File]> {
    static FILES: std::sync::OnceLock<Option<Vec<syntax::ast::File>>> = std::sync::OnceLock::new();
    let files = FILES.get_or_init(|| {
        (BUILTIN_CALENDARS.iter())
            .map(|(_, text)| syntax::parse_all(text).ok())
            .collect()
    });
    files.as_deref()
}
