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
//! The run then answers every record, in whatever order, under all of them. A log read from
//! standard input is held in a temporary file first (see `cli::batch`), so that it is read
//! ahead as a file is.

use std::collections::HashMap;

use super::records::parse_json_line;
use super::{Batch, delivery, field_name};
use crate::eval::{AddressBook, Designation};

/// What notices of change designated, read ahead of a run: an address book per agreement,
/// and the note each notice's own record carries.
#[derive(Debug, Default)]
pub struct Addresses {
    /// By the agreement's place in the run.
    books: HashMap<usize, AddressBook>,
    /// By input and line: what the notice of change there designated, or why nothing.
    notes: HashMap<(String, u64), String>,
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
    /// The lines of an input file that hold `"changes"`, read ahead of a run, the file left
    /// at its start for the run. A file that cannot be read twice (a named pipe) is first
    /// held in a temporary file, which takes its place.
    pub fn read_ahead(input: &str, file: &mut std::fs::File) -> Result<Vec<ChangeLine>, String> {
        use std::io::Seek;
        if !file.metadata().is_ok_and(|m| m.is_file()) {
            *file =
                super::spool(&*file, super::MAX_SPOOL).map_err(|e| format!("`{input}`: {e}"))?;
        }
        let found = ChangeLine::find_in(input, &*file).and_then(|found| {
            file.seek(std::io::SeekFrom::Start(0))?;
            Ok(found)
        });
        found.map_err(|e| format!("cannot read `{input}`: {e}"))
    }

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

impl Addresses {
    /// The address book of the agreement at `place`, when notices of change designated
    /// any of its numbers.
    pub(super) fn book(&self, place: usize) -> Option<&AddressBook> {
        self.books.get(&place).filter(|b| !b.is_empty())
    }

    /// Reads notices of change ahead of a run: each is answered under the clause (by the
    /// run's evaluator, with the changes read before it in force), in the order they were
    /// sent, and from the instant it is deemed given designates its numbers.
    pub(super) fn learn(&mut self, batch: &mut Batch<'_>, lines: &[ChangeLine]) {
        // Each notice with the instant it was sent (or received), to resolve in that order.
        let mut found = Vec::new();
        for (n, l) in lines.iter().enumerate() {
            let Ok(record) = parse_json_line(&l.text) else {
                continue;
            };
            let Some(rules) = record
                .changes
                .as_ref()
                .and_then(|_| batch.choose(record.agreement.as_deref()).ok())
            else {
                continue;
            };
            let tz = rules.agreement().map_or(chrono_tz::UTC, |a| a.time_zone());
            let field = |f: &str| f.to_string();
            let at = (record.deliveries.first())
                .and_then(|d| delivery(d, tz, batch.options.fold, &field).ok())
                .and_then(|d| d.event.sent.or(d.event.received));
            found.push((at, n));
        }
        found.sort_by_key(|(at, n)| (*at, *n));
        for (_, n) in found {
            let Some(l) = lines.get(n) else { continue };
            let note = self.learn_one(batch, l);
            self.notes.insert((l.input.clone(), l.line), note);
        }
    }

    /// Answers one notice of change and keeps what it designates; the note its record
    /// carries.
    fn learn_one(&mut self, batch: &mut Batch<'_>, l: &ChangeLine) -> String {
        let Ok(record) = parse_json_line(&l.text) else {
            return String::new();
        };
        let Some(changes) = &record.changes else {
            return String::new();
        };
        let Ok(rules) = batch.choose(record.agreement.as_deref()) else {
            return String::new();
        };
        let (Some(agreement), Some(place)) = (rules.agreement(), batch.current) else {
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
        let tz = agreement.time_zone();
        let mut deliveries = Vec::new();
        for (n, d) in record.deliveries.iter().enumerate() {
            let field = |f: &str| field_name(record.multi.then_some(n), f);
            match delivery(d, tz, batch.options.fold, &field) {
                Ok(d) => deliveries.push(d),
                Err(_) => return String::new(),
            }
        }
        let answer = rules.answer(&deliveries, self.book(place), false);
        let numbers = match changes.fax.as_slice() {
            [] => "no facsimile number".to_string(),
            list => format!("facsimile number(s) {}", list.join(", ")),
        };
        let (party, to) = (&changes.party, told_name);
        match answer.ok().and_then(|a| a.resolution.effective_at) {
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
                let book = self.books.entry(place).or_default();
                book.add(changed, told, at, Designation::new(&changes.fax, why));
                format!(
                    "designates {numbers} for `{party}`, for notices from `{to}`, from {} (when it is deemed given)",
                    at.to_rfc3339()
                )
            }
        }
    }

    /// The note a notice of change's record carries: what it designated, or why nothing.
    pub(super) fn note(&self, input: &str, line: u64) -> String {
        match self.notes.get(&(input.to_string(), line)) {
            Some(note) => note.clone(),
            None => "a notice of change not read ahead of the records it concerns: it designates nothing (give it with --addresses FILE)".into(),
        }
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
