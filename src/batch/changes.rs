//! Notices of change: "or such other address as may be designated in writing hereafter, in
//! the same manner, by such Person" (§4.2).
//!
//! A record with `"changes": {"party": "company", "fax": ["(949) 555-0100"]}` is a notice
//! like any other, resolved under the clause. From the instant it is deemed given, for
//! notices *from its recipient* to the party it names, the new numbers are the designated
//! ones, and the rules' (or an earlier change's) no longer; notices from parties it was not
//! given to are unaffected. A notice of change that is not yet deemed given (it waits on its
//! receipt) changes nothing yet.
//!
//! A log need not be in time order: before a run, the notices of change are read from
//! `--addresses FILE` and from every input file (a first pass over the lines that hold
//! `"changes"`), and resolved in the order they were sent, each under the changes before it.
//! The run then answers every record, in whatever order, under all of them. A notice of change
//! in a log read from standard input cannot be read ahead: it designates nothing, and its
//! record says so.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};

use super::records::parse_json_line;
use super::{Batch, Outcome};
use crate::eval::{Designation, EventRef};
use crate::model::Agreement;

/// The numbers notices of change designated, per agreement.
#[derive(Debug, Clone, Default)]
pub(super) struct AddressBook {
    /// By (the party whose numbers changed, the party told), each designation with the
    /// instant it took effect, in the order of those instants.
    entries: HashMap<(usize, usize), Vec<Dated>>,
}

/// A designation and the instant it took effect.
type Dated = (DateTime<FixedOffset>, Arc<Designation>);

impl AddressBook {
    /// The designation in effect for a notice from `sender` to `recipient` at `at`: the
    /// latest one that took effect no later.
    fn at(
        &self,
        recipient: usize,
        sender: usize,
        at: DateTime<FixedOffset>,
    ) -> Option<&Designation> {
        let list = self.entries.get(&(recipient, sender))?;
        let before = list.partition_point(|(t, _)| *t <= at);
        list.get(before.checked_sub(1)?).map(|(_, d)| &**d)
    }

    /// The parties told of a change of `recipient`'s numbers.
    fn told_about(&self, recipient: usize) -> Vec<usize> {
        let mut told: Vec<usize> = (self.entries.keys())
            .filter(|(changed, _)| *changed == recipient)
            .map(|(_, told)| *told)
            .collect();
        told.sort_unstable();
        told
    }

    /// For a notice to `to` that names no sender, when some notice changed `to`'s numbers:
    /// the warning that the changes are not applied (they hold only for notices from the
    /// parties told).
    pub(super) fn unapplied(
        &self,
        agreement: &Agreement,
        to: Option<&str>,
        from: Option<&str>,
    ) -> Option<String> {
        if self.entries.is_empty() || from.is_some() {
            return None;
        }
        let recipient = agreement.party_index(to?).ok()?;
        let told = self.told_about(recipient);
        if told.is_empty() {
            return None;
        }
        let names: Vec<String> = (told.iter())
            .filter_map(|t| agreement.parties.get(*t))
            .map(|p| format!("`{}`", p.name))
            .collect();
        Some(format!(
            "no sender given (`from`): the numbers of `{}` that notices of change designated for notices from {} are not applied",
            to?,
            names.join(", ")
        ))
    }

    fn add(&mut self, changed: usize, told: usize, at: DateTime<FixedOffset>, d: Designation) {
        let list = self.entries.entry((changed, told)).or_default();
        let place = list.partition_point(|(t, _)| *t <= at);
        list.insert(place, (at, Arc::new(d)));
    }

    /// The designation for an event: its recipient's numbers as changed by a notice given
    /// to its sender, in effect when it was sent (or received, known by that alone).
    pub(super) fn for_event(
        &self,
        agreement: &Agreement,
        event: &EventRef<'_>,
    ) -> Option<&Designation> {
        if self.entries.is_empty() {
            return None;
        }
        let recipient = agreement.party_index(event.to?).ok()?;
        let sender = agreement.party_index(event.from?).ok()?;
        self.at(recipient, sender, event.sent.or(event.received)?)
    }
}

/// A line that may hold a notice of change, read ahead of the run.
#[derive(Debug, Clone)]
pub struct ChangeLine {
    /// The input's name, as the run names it.
    pub input: String,
    /// Its line number in that input.
    pub line: u64,
    /// The line.
    pub text: String,
}

impl ChangeLine {
    /// The lines of a JSON Lines input that hold `"changes"`, numbered as the run numbers
    /// them. The input is searched a block at a time (most logs hold no notice of change,
    /// and a search costs little against reading the records); only the lines found are
    /// kept.
    pub fn find_in<R: std::io::Read>(
        input: &str,
        mut reader: R,
    ) -> std::io::Result<Vec<ChangeLine>> {
        const BLOCK: usize = 1 << 20;
        let finder = memchr::memmem::Finder::new(b"\"changes\"");
        let mut found = Vec::new();
        // The bytes read and not yet searched whole: the end of the last line, unfinished.
        // The bytes read and not yet searched whole (the end of the last line, unfinished)
        // are `buf[..held]`; the buffer is zeroed once, not for every block.
        let mut buf: Vec<u8> = vec![0; BLOCK * 2];
        let mut held = 0;
        let mut line_no: u64 = 1;
        let mut ended = false;
        // The bytes of `buf` from `from` to `to` (empty when out of range).
        let part = |buf: &[u8], from: usize, to: usize| -> Vec<u8> {
            buf.get(from..to).map(<[u8]>::to_vec).unwrap_or_default()
        };
        let newlines = |bytes: &[u8]| memchr::memchr_iter(b'\n', bytes).count() as u64;
        while !ended {
            if buf.len() < held + BLOCK {
                buf.resize(held + BLOCK, 0);
            }
            let n = match buf.get_mut(held..held + BLOCK) {
                Some(free) => reader.read(free)?,
                None => 0,
            };
            held += n;
            ended = n == 0;
            let buf_held = buf.get(..held).unwrap_or_default();
            // The complete lines: up to the last line end (or everything, at the end).
            let whole = match (ended, memchr::memrchr(b'\n', buf_held)) {
                (true, _) => held,
                (false, Some(end)) => end + 1,
                (false, None) => {
                    // A line longer than any record: what is held of it can be dropped.
                    if held > 2 * super::MAX_LINE {
                        held = 0;
                    }
                    continue;
                }
            };
            let complete = buf.get(..whole).unwrap_or_default();
            let mut at = 0;
            while let Some(hit) = complete
                .get(at..)
                .and_then(|rest| finder.find(rest))
                .map(|h| h + at)
            {
                let before = complete.get(..hit).unwrap_or_default();
                let begin = memchr::memrchr(b'\n', before).map_or(0, |b| b + 1);
                let after = complete.get(hit..).unwrap_or_default();
                let end = memchr::memchr(b'\n', after).map_or(whole, |e| hit + e);
                line_no += newlines(complete.get(at..begin).unwrap_or_default());
                if let Ok(text) = String::from_utf8(part(complete, begin, end)) {
                    let text = text.trim_end_matches('\r');
                    let text = match line_no {
                        1 => text.trim_start_matches('\u{feff}'),
                        _ => text,
                    };
                    found.push(ChangeLine {
                        input: input.to_string(),
                        line: line_no,
                        text: text.to_string(),
                    });
                }
                // On past this line.
                at = end.min(whole);
            }
            line_no += newlines(complete.get(at..).unwrap_or_default());
            // What is left of an unfinished line goes to the front.
            buf.copy_within(whole..held, 0);
            held -= whole;
        }
        Ok(found)
    }
}

impl Batch<'_> {
    /// Reads notices of change ahead of the run: each is resolved under the clause, in the
    /// order they were sent, and from the instant it is deemed given designates its numbers.
    /// What each did is said on its own record when the run reaches it.
    pub fn learn_changes(&mut self, lines: &[ChangeLine]) {
        // Each notice with the instant it was sent (or received), to resolve in that order.
        let mut found = Vec::new();
        for (n, l) in lines.iter().enumerate() {
            let Ok(record) = parse_json_line(&l.text) else {
                continue;
            };
            if record.changes.is_none() || self.choose(record.agreement.as_deref()).is_err() {
                continue;
            }
            let field = |f: &str| f.to_string();
            let at = record
                .deliveries
                .first()
                .and_then(|d| self.event(d, &field).ok())
                .and_then(|(e, _)| e.sent.or(e.received));
            found.push((at, n));
        }
        found.sort_by_key(|(at, n)| (*at, *n));
        for (_, n) in found {
            let Some(l) = lines.get(n) else { continue };
            let note = self.learn_one(l);
            Arc::make_mut(&mut self.change_notes).insert((l.input.clone(), l.line), note);
        }
    }

    /// Resolves one notice of change and keeps what it designates; the note its record
    /// carries.
    fn learn_one(&mut self, l: &ChangeLine) -> String {
        let Ok(record) = parse_json_line(&l.text) else {
            return String::new();
        };
        let Some(changes) = &record.changes else {
            return String::new();
        };
        if self.choose(record.agreement.as_deref()).is_err() {
            return String::new();
        }
        let Some(agreement) = self.lane.rules.agreement() else {
            return String::new();
        };
        let Ok(changed) = agreement.party_index(&changes.party) else {
            return format!(
                "a notice of change of `{}`, which the agreement does not name: it designates nothing",
                changes.party
            );
        };
        let Some(told_name) = record.deliveries.first().and_then(|d| d.to.as_deref()) else {
            return "a notice of change given to no one (no `to`): it designates nothing".into();
        };
        let Ok(told) = agreement.party_index(told_name) else {
            return String::new();
        };
        let outcome = self.evaluate(&record);
        let resolution = match (&outcome.quick, outcome.resolution()) {
            (Some(quick), _) => Some(self.memo.shortcuts.resolution(quick)),
            (None, Some(r)) => Some(r.clone()),
            (None, None) => None,
        };
        let numbers = match changes.fax.as_slice() {
            [] => "no facsimile number".to_string(),
            list => format!("facsimile number(s) {}", list.join(", ")),
        };
        let (party, to) = (&changes.party, told_name);
        match resolution.and_then(|r| r.effective_at) {
            None => format!(
                "a notice of change to {numbers} for `{party}`, not yet deemed given: it designates nothing yet"
            ),
            Some(at) => {
                let id = record
                    .id
                    .as_deref()
                    .map_or(String::new(), |id| format!(" (id {id})"));
                let why = format!(
                    "the notice of change at {}:{}{id}, deemed given {}",
                    l.input,
                    l.line,
                    at.to_rfc3339()
                );
                self.lane_book()
                    .add(changed, told, at, Designation::new(&changes.fax, why));
                format!(
                    "designates {numbers} for `{party}`, for notices from `{to}`, from {} (when it is deemed given)",
                    at.to_rfc3339()
                )
            }
        }
    }

    /// The numbers notices of change (read with [`Batch::learn_changes`]) designate for an
    /// event (of the run's only agreement, or the one named): what `when-effective
    /// --addresses` gives the event, so that it is answered as a batch answers it.
    pub fn designation_for(
        &mut self,
        agreement: Option<&str>,
        event: &EventRef<'_>,
    ) -> Option<Arc<Designation>> {
        self.choose(agreement).ok()?;
        let rules = self.lane.rules.agreement()?;
        self.lane
            .book
            .as_ref()?
            .for_event(rules, event)
            .map(|d| Arc::new(d.clone()))
    }

    /// The warning for an event that names no sender, when notices of change designated
    /// its recipient's numbers for some parties.
    pub fn unapplied_changes(
        &mut self,
        agreement: Option<&str>,
        event: &EventRef<'_>,
    ) -> Option<String> {
        self.choose(agreement).ok()?;
        let rules = self.lane.rules.agreement()?;
        self.lane
            .book
            .as_ref()?
            .unapplied(rules, event.to, event.from)
    }

    /// The current agreement's address book, to change (before the run).
    fn lane_book(&mut self) -> &mut AddressBook {
        Arc::make_mut(self.lane.book.get_or_insert_with(Arc::default))
    }

    /// The note a notice of change's record carries: what it designated, or why nothing.
    pub(super) fn change_note(&self, input: &str, line: u64) -> String {
        match self.change_notes.get(&(input.to_string(), line)) {
            Some(note) if !note.is_empty() => note.clone(),
            Some(_) => String::new(),
            None => "a notice of change read from standard input cannot be read ahead of the records it concerns: it designates nothing (give it with --addresses FILE)".into(),
        }
    }
}

impl<'r> Batch<'r> {
    /// An outcome with a note among the record's warnings (what a notice of change
    /// designated, or that changes were not applied); an answer by shortcut is written out
    /// in full for it.
    pub(super) fn with_note(&self, mut outcome: Outcome<'r>, note: String) -> Outcome<'r> {
        if note.is_empty() {
            return outcome;
        }
        if let Some(quick) = outcome.quick.take() {
            outcome = Outcome::full(super::FullOutcome {
                resolution: Some(self.memo.shortcuts.resolution(&quick)),
                ..super::FullOutcome::default()
            });
        }
        if let Some(full) = &mut outcome.full {
            full.extra_warnings.push(note);
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::ChangeLine;

    #[test]
    fn lines_with_changes_are_found_and_numbered_across_blocks() {
        // Some 3 MB, so that the lines found fall in several blocks and across their ends.
        let mut text = String::from("\u{feff}{\"changes\":{\"party\":\"a\"}}\r\n");
        let mut expected = vec![1];
        for n in 2..=60_000u64 {
            if n % 7_919 == 0 {
                text.push_str("{\"id\":\"x\",\"changes\":{\"party\":\"a\",\"fax\":[\"1\"]}}\n");
                expected.push(n);
            } else {
                text.push_str("{\"id\":\"N00000001\",\"method\":\"fax\",\"sent\":\"2000-03-03T10:00:00-05:00\"}\n");
            }
        }
        text.push_str("{\"last\":\"changes\"}");
        let total = text.lines().count() as u64;
        expected.push(total);
        let found = ChangeLine::find_in("log", text.as_bytes()).unwrap();
        let lines: Vec<u64> = found.iter().map(|f| f.line).collect();
        assert_eq!(lines, expected);
        assert_eq!(found[0].text, "{\"changes\":{\"party\":\"a\"}}");
        assert_eq!(
            found[1].text,
            "{\"id\":\"x\",\"changes\":{\"party\":\"a\",\"fax\":[\"1\"]}}"
        );
    }
}
