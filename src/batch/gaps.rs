//! The end of a JSON record answered by a gap rule's shortcut.
//!
//! Its gap warning describes the event (its time, its day, the method and number as
//! written), so it cannot be kept whole per class as a clause's answer is. A class keeps
//! it as a template instead (see [`GapPiece`]): the fixed words, escaped once, and the
//! places of the event's own words, which are written in. A date's words (its weekday,
//! whether it is a business day and why not) are kept per date: a log's gaps fall on few
//! dates (weekends and holidays), so most are written from memory.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Batch, Ids, status_word, write_json_content};
use crate::calendar::{Calendar, hms_bytes};
use crate::eval::{GapPiece, GapRead, Quick, Status, day_words_on};
use crate::syntax::ast::Subject;

/// The most dates' words kept per calendar; past it the memory of them starts afresh.
const MAX_DAYS: usize = if cfg!(test) { 8 } else { 1 << 12 };

/// What a batch keeps to write gap records.
#[derive(Default)]
pub(super) struct Gaps {
    /// Per numbers of the memo's agreements (see [`super::Lane::numbers`]) for a gap
    /// warning that quotes them, else in the first place, per gap plan, its record's end.
    tails: Vec<Vec<Option<GapTail>>>,
    /// Per calendar, dates' words.
    days: Vec<DayWords>,
    /// A date's words, before escaping (reused).
    text: String,
}

/// A calendar, and dates' words on it as JSON string content, by day number.
type DayWords = (Arc<Calendar>, HashMap<u32, Vec<u8>>);

/// A gap plan's record end: the clause, status and warnings before the gap warning, then
/// the gap warning's template.
struct GapTail {
    /// From the clause to the gap warning's opening quote.
    head: Vec<u8>,
    pieces: Vec<Piece>,
    /// From the gap warning's closing quote to the end of the line.
    end: Vec<u8>,
    /// Where its clause is counted in [`super::Lane::by_clause`].
    clause: Option<usize>,
}

/// A piece of a gap warning, its fixed words escaped.
enum Piece {
    Json(Vec<u8>),
    Time(Subject),
    Day(Subject, usize),
    Method,
    Number,
}

impl Gaps {
    /// Writes the rest of a gap warning's pieces (after the first, which
    /// [`GapTail::head`]'s caller writes): `false` when a piece cannot be read.
    fn write(
        days: &mut [DayWords],
        text: &mut String,
        out: &mut Vec<u8>,
        pieces: &[Piece],
        read: &GapRead,
        method: &str,
        number: Option<&str>,
    ) -> bool {
        for piece in pieces {
            match piece {
                Piece::Json(bytes) => out.extend_from_slice(bytes),
                Piece::Time(subject) => match read.at(*subject) {
                    Some((_, time)) => out.extend_from_slice(&hms_bytes(time)),
                    None => return false,
                },
                Piece::Day(subject, n) => {
                    let (Some((day, _)), Some((calendar, kept))) =
                        (read.at(*subject), days.get_mut(*n))
                    else {
                        return false;
                    };
                    if let Some(words) = kept.get(&day) {
                        out.extend_from_slice(words);
                        continue;
                    }
                    text.clear();
                    let Some(date) = GapRead::date(day) else {
                        return false;
                    };
                    if day_words_on(text, date, calendar).is_err() {
                        return false;
                    }
                    let mut words = Vec::with_capacity(text.len());
                    write_json_content(&mut words, text);
                    out.extend_from_slice(&words);
                    if kept.len() >= MAX_DAYS {
                        kept.clear();
                    }
                    kept.insert(day, words);
                }
                Piece::Method => write_json_content(out, method),
                Piece::Number => match number {
                    Some(number) => write_json_content(out, number),
                    None => return false,
                },
            }
        }
        true
    }

    /// The place of a calendar's dates.
    fn calendar(days: &mut Vec<DayWords>, calendar: &Arc<Calendar>) -> usize {
        match days.iter().position(|(c, _)| Arc::ptr_eq(c, calendar)) {
            Some(n) => n,
            None => {
                days.push((Arc::clone(calendar), HashMap::new()));
                days.len() - 1
            }
        }
    }
}

impl Batch<'_> {
    /// Writes a JSON record answered by a gap rule's shortcut (whose method and number as
    /// written are given), dated or waiting on a receipt; `false`, with nothing written,
    /// when it is not one or its words cannot be read (the full reading then writes it).
    pub(super) fn write_gap(
        &mut self,
        line: u64,
        id: Option<&str>,
        quick: &Quick,
        method: &str,
        number: Option<&str>,
    ) -> bool {
        let Some((template, read, numbers)) = self.memo.shortcuts.gap_words(quick) else {
            return false;
        };
        // Per numbers (where the template is kept), per gap plan, dated and pending.
        let slot = 2 * quick.plan + usize::from(!quick.is_dated());
        let Gaps { tails, days, text } = &mut self.memo.gaps;
        if tails.len() <= numbers {
            tails.resize_with(numbers + 1, Vec::new);
        }
        let Some(tails) = tails.get_mut(numbers) else {
            return false;
        };
        if tails.len() <= slot {
            tails.resize_with(slot + 1, || None);
        }
        if matches!(tails.get(slot), Some(None)) {
            let clause = self.memo.shortcuts.label(quick);
            let mut head = Vec::new();
            let tail = super::Tail {
                clause,
                status: status_word(Status::Gap),
                warnings: self.memo.shortcuts.warnings(quick),
                extra: &[],
                error: None,
                line,
            };
            super::json_tail(&mut head, &mut self.rendered, &tail);
            // Up to the end of the warnings written: `],"error":null`.
            let Some(end) = head.windows(2).rposition(|w| w == b"],") else {
                return false;
            };
            head.truncate(end);
            if !tail.warnings.is_empty() {
                head.push(b',');
            }
            head.push(b'"');
            let mut pieces = Vec::with_capacity(template.len());
            for piece in template {
                pieces.push(match piece {
                    GapPiece::Text(text) => {
                        let mut json = Vec::with_capacity(text.len());
                        write_json_content(&mut json, text);
                        Piece::Json(json)
                    }
                    GapPiece::Time(subject) => Piece::Time(*subject),
                    GapPiece::Day(subject, calendar) => {
                        Piece::Day(*subject, Gaps::calendar(days, calendar))
                    }
                    GapPiece::Method => Piece::Method,
                    GapPiece::Number => Piece::Number,
                });
            }
            let mut end = b"\"".to_vec();
            if let Some(after) = self.memo.shortcuts.after_gap(quick) {
                end.push(b',');
                self.rendered.write(&mut end, &after);
            }
            end.extend_from_slice(b"],\"error\":null}\n");
            let clause = clause.map(|c| super::counted(&mut self.memo.clauses, c));
            if let Some(kept) = tails.get_mut(slot) {
                *kept = Some(GapTail {
                    head,
                    pieces,
                    end,
                    clause,
                });
            }
        }
        let Some(Some(tail)) = tails.get(slot) else {
            return false;
        };
        let start = self.out.len();
        let line = self.line_text.of(line);
        match (quick.is_dated(), quick.written()) {
            (true, Some(written)) => {
                super::json_start(&mut self.out, id, line, &self.lane.json_name);
                super::json_dates(&mut self.out, written);
            }
            (dated, _) => {
                let (date, at) = (quick.deemed_date(), quick.effective_at());
                if dated && (date.is_none() || at.is_none()) {
                    return false;
                }
                let head = (id, line, self.lane.json_name.as_slice());
                super::json_head(&mut self.out, head, date, at, None);
            }
        }
        self.out.extend_from_slice(&tail.head);
        let whole = Gaps::write(
            days,
            text,
            &mut self.out,
            &tail.pieces,
            &read,
            method,
            number,
        );
        if !whole {
            self.out.truncate(start);
            return false;
        }
        self.out.extend_from_slice(&tail.end);
        if let Ids::Deferred(prints) = &mut self.ids {
            prints.push(id);
        }
        super::count(
            &mut self.summary,
            &mut self.lane.by_clause,
            Some(Status::Gap),
            tail.clause,
        );
        self.lane.records += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Batch, Options};
    use crate::Rules;
    use chrono::{Duration, NaiveDate, TimeZone};

    /// Evaluates the lines of a log in turn, with the shortcuts or without, returning the
    /// output, how many gap plans were written by template and the most dates' words kept
    /// for a calendar.
    fn run(rules: &Rules, lines: &[String], quick: bool) -> (String, usize, usize) {
        let mut batch = Batch::new(rules, Options::default()).unwrap();
        batch.quick = quick;
        for (n, line) in lines.iter().enumerate() {
            batch.process("log", n as u64 + 1, line.as_bytes(), false, None);
        }
        let templates = batch.memo.gaps.tails.iter().flatten().flatten().count();
        let days = batch.memo.gaps.days.iter().map(|(_, d)| d.len()).max();
        (
            String::from_utf8(batch.out).unwrap(),
            templates,
            days.unwrap_or(0),
        )
    }

    #[test]
    fn gap_records_written_by_template_read_as_the_general_reading_writes_them() {
        let rules = Rules::default_rules().unwrap();
        let ny = chrono_tz::America::New_York;
        let mut lines = Vec::new();
        // Two months of days in a row (weekends, holidays and business days, more than
        // the dates kept), twice over, so that dates' words are both written and recalled.
        for round in 0..2 {
            let first = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
            for n in 0..60 {
                let day = first + Duration::days(n);
                let at = |h, m, s| {
                    let local = day.and_hms_opt(h, m, s).unwrap();
                    ny.from_local_datetime(&local).unwrap().fixed_offset()
                };
                let times = [at(10, 15, 7), at(20, 0, 0), at(23, 59, 30)];
                for (k, sent) in times.into_iter().enumerate() {
                    // In the clock's offset, and (every other day) in UTC.
                    let sent = match (n + round) % 2 {
                        0 => sent.to_rfc3339(),
                        _ => sent.to_utc().fixed_offset().to_rfc3339(),
                    };
                    let id = format!("{round}-{n}-{k}");
                    lines.push(format!(
                        r#"{{"id":"{id}","method":"fax","sent":"{sent}","to":"company","fax_number":"(949) 788-6706"}}"#
                    ));
                    // To a number not designated: effective upon receipt, when recorded.
                    let received = match k {
                        0 => String::new(),
                        _ => format!(r#","received":"{sent}""#),
                    };
                    lines.push(format!(
                        r#"{{"id":"{id}-x","method":"fax","sent":"{sent}","to":"company","fax_number":"555 0100"{received}}}"#
                    ));
                }
            }
        }
        let (fast, templates, days) = run(&rules, &lines, true);
        let (general, ..) = run(&rules, &lines, false);
        for ((f, g), line) in fast.lines().zip(general.lines()).zip(&lines) {
            assert_eq!(f, g, "input {line}");
        }
        assert_eq!(fast.lines().count(), lines.len());
        // Every gap rule wrote by template: before 8 p.m. on a day off, at 8 p.m., after
        // 11:59 p.m., and to a number not designated (pending, and upon receipt).
        assert!(templates >= 5, "{templates} templates");
        // The dates' words kept stay within their bound.
        assert!((1..=super::MAX_DAYS).contains(&days), "{days} dates kept");
        for label in [
            "before-eight-pm-non-business-day",
            "at-eight-pm",
            "after-eleven-fifty-nine",
            "not-designated-number",
        ] {
            let clause = format!(r#""clause":"{label}","status":"gap""#);
            assert!(general.contains(&clause), "{label}");
        }
    }
}
