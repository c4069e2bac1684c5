//! What a run did: counts per status, clause and agreement, and the first errors.

use std::collections::BTreeMap;
use std::fmt;

use super::DUPLICATE_CAPACITY;

/// What a run did: counts per status and clause, and the first errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records (lines) read.
    pub records: u64,
    /// Records with status `effective`.
    pub effective: u64,
    /// Records with status `gap`.
    pub gap: u64,
    /// Records with status `pending`.
    pub pending: u64,
    /// Records with status `invalid`.
    pub invalid: u64,
    /// Records that could not be evaluated.
    pub errors: u64,
    /// Records per deciding clause or gap rule.
    pub by_clause: BTreeMap<String, u64>,
    /// Records per agreement, in a run over several.
    pub by_agreement: BTreeMap<String, u64>,
    /// Records whose id appeared before.
    pub duplicate_ids: u64,
    /// Whether the duplicate-id index filled up and a later id may repeat one it did not
    /// keep: past [`DUPLICATE_CAPACITY`] ids, once ids stop rising (while they rise, each
    /// is new).
    pub duplicate_index_full: bool,
    /// The first errors: input, line and message.
    pub first_errors: Vec<(String, u64, String)>,
    /// What the reader must know of how the inputs were read (a CSV delimiter found).
    pub notes: Vec<String>,
}

/// How many errors the summary lists.
pub(super) const ERRORS_LISTED: usize = 10;

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "records read: {}", self.records)?;
        write!(
            f,
            "status: effective {}, gap {}, pending {}",
            self.effective, self.gap, self.pending
        )?;
        // Only rules with a `no-effect` outcome give `invalid`: shown when there are some.
        if self.invalid > 0 {
            write!(f, ", invalid {}", self.invalid)?;
        }
        writeln!(f, ", error {}", self.errors)?;
        // Over many agreements, their clauses are too many to list on a line.
        const CLAUSES_LISTED: usize = 48;
        if !self.by_clause.is_empty() && self.by_clause.len() <= CLAUSES_LISTED {
            let by: Vec<String> = self
                .by_clause
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect();
            writeln!(f, "by clause: {}", by.join(", "))?;
        } else if !self.by_clause.is_empty() {
            writeln!(
                f,
                "by clause: {} clauses and gap rules decided (too many to list here)",
                self.by_clause.len()
            )?;
        }
        if !self.by_agreement.is_empty() {
            let by: Vec<String> = (self.by_agreement.iter())
                .filter(|(_, n)| **n > 0)
                .map(|(a, n)| format!("{a} {n}"))
                .collect();
            writeln!(f, "by agreement: {}", by.join(", "))?;
        }
        if self.duplicate_ids > 0 {
            writeln!(f, "duplicate ids: {}", self.duplicate_ids)?;
        }
        for note in &self.notes {
            writeln!(f, "note: {note}")?;
        }
        if self.duplicate_index_full {
            writeln!(
                f,
                "note: more than {DUPLICATE_CAPACITY} distinct ids; later ids were not checked for duplicates"
            )?;
        }
        if !self.first_errors.is_empty() {
            if self.errors as usize > self.first_errors.len() {
                writeln!(f, "errors (the first {}):", self.first_errors.len())?;
            } else {
                writeln!(f, "errors:")?;
            }
            for (input, line, message) in &self.first_errors {
                writeln!(f, "  {input}:{line}: {message}")?;
            }
        }
        Ok(())
    }
}
