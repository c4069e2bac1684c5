//! The batch's memo in front of the plan: what earlier events taught, kept so that later
//! ones cost less. It decides nothing of its own.
//!
//! An event's cell in the compiled plan ([`crate::plan`]) fixes which rules apply and with
//! which warnings; only the dates differ between the events of a cell. A [`Shortcuts`] keys
//! each cell as a number and keeps, per cell, the plan's decision (the clauses that apply,
//! or the gap rule that decides) and the resolution's warnings, so that an event of a known
//! cell costs only its outcomes' date arithmetic, which [`crate::plan::Plan::deem`] does.
//!
//! A cell where no clause applies keeps which gap rule decides, and its gap warning as a
//! template: the warning describes the event itself (its time, its day, the number as
//! written), so the cell keeps the fixed words and the places of the event's own, which the
//! batch fills in (the full reading words it for any other caller). A cell the key cannot
//! hold is read in full. Turning the memo off (`batch --no-memo`) changes no byte of output:
//! the properties below, and the reference differential under `tests/`, hold it to the full
//! reading, gap warnings word for word.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};

use super::{Deemed, EvalError, EventRef, Lookup, Resolution, Resolved, Status, Warning, Words};
use crate::calendar::{Calendar, DayOff};
use crate::model::{Agreement, PartyDef, Rules, UnknownName};
use crate::plan::{Cell, Decision, Fax, Located};
use crate::syntax::ast::{Outcome, Subject};

mod senders;
mod written;

pub(crate) use written::Written;

/// The most classes kept; later classes take the full reading, so memory stays bounded.
const MAX_CLASSES: usize = 1 << 14;

/// Bits of the key before the clocks: method (6), recipient (7), fax number (3), receipt (1).
const FIXED_BITS: u32 = 17;

/// The clauses that apply per class of events, for one set of rules, or for agreements of
/// one form ([`crate::model::Agreement::same_notices`]) read in turn
/// ([`Shortcuts::read_for`]).
pub(crate) struct Shortcuts<'r> {
    /// The rules being read.
    rules: &'r Rules,
    /// The rules the memo was made for: under every agreement of their form, a notice
    /// resolves as under these but for the parties' numbers, so the shortcut reads these
    /// (which stay in the caches as records name one agreement after another) for all but
    /// the numbers.
    form: &'r Rules,
    /// The place of their parties' numbers among those of the form's agreements: the words
    /// of gap warnings, which quote the numbers, are kept per numbers.
    numbers: usize,
    /// The bits of each clock's place in a key; `None` when a cell does not fit one.
    layout: Option<Vec<u32>>,
    /// Classes by key, each with its plan, or `None` for a class left to the full reading.
    classes: HashMap<u64, Class, BuildHasherDefault<KeyHasher>>,
    plans: Vec<Plan>,
    gap_plans: Vec<GapPlan>,
    /// The names met so far, looked up once.
    names: Names,
    /// The dates met so far, as times are written.
    days: Box<written::Days>,
    /// Whether a written date can hold what the clocks read of it (see
    /// [`Shortcuts::by_text`]).
    days_fit: bool,
    /// The senders met so far, as written.
    senders: senders::Senders,
    /// What the plan made of the outcomes met so far, by rule and day.
    outcomes: written::Outcomes,
}

/// The most names (and fax numbers) remembered; others are looked up each time.
const MAX_NAMES: usize = 64;

/// Method and party names as written, and fax numbers, as a log repeats them: each is
/// looked up once. A name is found by its length and first eight bytes, and compared whole
/// only when it is longer.
#[derive(Default)]
struct Names {
    methods: Vec<(NameKey, Box<str>, usize)>,
    parties: Vec<(NameKey, Box<str>, usize)>,
    /// Fax numbers asked about, and whether each is designated, by the form's numbers and
    /// the keys of the recipient's name and the number (a folder of a hundred agreements of
    /// their own numbers asks about a hundred times as many as one agreement).
    numbers: HashMap<(usize, NameKey, NameKey), Vec<NumberKept>, BuildHasherDefault<KeyHasher>>,
    /// How many numbers `numbers` holds.
    numbers_kept: usize,
    /// The numbers of the form being read.
    current: usize,
}

/// The most fax numbers remembered (per recipient and numbers of a form).
const MAX_NUMBERS: usize = 1 << 14;

/// A fax number asked about under the numbers of a form (see [`Shortcuts::read_for`]), for
/// a recipient, and whether it is designated for it: the texts behind its keys.
struct NumberKept {
    /// The recipient's name when longer than eight bytes.
    party: Option<Box<str>>,
    /// The number when longer than eight bytes.
    number: Option<Box<str>>,
    designated: bool,
}

/// A name's length and first eight bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct NameKey(usize, u64);

impl NameKey {
    fn of(name: &str) -> NameKey {
        let bytes = name.as_bytes();
        let head = match bytes.first_chunk::<8>() {
            Some(head) => u64::from_le_bytes(*head),
            // Shorter: the same little-endian word, zero-padded.
            None => (bytes.iter().rev()).fold(0, |word, b| word << 8 | u64::from(*b)),
        };
        NameKey(name.len(), head)
    }
}

/// The index kept for `name`, or the one `look` finds (then kept).
fn remembered(
    kept: &mut Vec<(NameKey, Box<str>, usize)>,
    name: &str,
    look: impl FnOnce() -> Result<usize, UnknownName>,
) -> Result<usize, UnknownName> {
    let key = NameKey::of(name);
    let found = kept
        .iter()
        .find(|(k, n, _)| *k == key && (name.len() <= 8 || **n == *name));
    if let Some((_, _, index)) = found {
        return Ok(*index);
    }
    let index = look()?;
    if kept.len() < MAX_NAMES {
        kept.push((key, name.into(), index));
    }
    Ok(index)
}

impl Lookup for Names {
    fn method(&mut self, agreement: &Agreement, name: &str) -> Result<usize, UnknownName> {
        remembered(&mut self.methods, name, || agreement.method_index(name))
    }

    fn party(&mut self, agreement: &Agreement, name: &str) -> Result<usize, UnknownName> {
        remembered(&mut self.parties, name, || agreement.party_index(name))
    }

    fn designated(
        &mut self,
        party: &PartyDef,
        number: &str,
        at: Option<chrono::DateTime<chrono::FixedOffset>>,
        tz: chrono_tz::Tz,
    ) -> bool {
        // Whether a dated number is designated depends on the instant: not kept.
        if party.dated_numbers() {
            return party.designates(number, at, tz);
        }
        // By the numbers of the form and the party's name: the agreements of one form and
        // the same numbers, whose names these are, have the same numbers under each name.
        let name = party.name.as_str();
        let key = (self.current, NameKey::of(name), NameKey::of(number));
        let known = (self.numbers.get(&key).into_iter().flatten()).find(|k| {
            k.party.as_deref().is_none_or(|p| p == name)
                && k.number.as_deref().is_none_or(|n| n == number)
        });
        if let Some(kept) = known {
            return kept.designated;
        }
        let designated = party.designates(number, None, tz);
        if self.numbers_kept < MAX_NUMBERS {
            let long = |text: &str| (text.len() > 8).then(|| text.into());
            self.numbers.entry(key).or_default().push(NumberKept {
                party: long(name),
                number: long(number),
                designated,
            });
            self.numbers_kept += 1;
        }
        designated
    }
}

/// A clock the plan reads.
type ClockRead = crate::plan::ClockAxis;

/// What a class's key holds before the clocks.
struct Facts {
    /// The method (an index into the agreement's methods).
    method: usize,
    /// The recipient (an index into its parties).
    party: Option<usize>,
    /// What is known of the fax number.
    fax: Fax,
    /// Whether a receipt is recorded.
    received: bool,
}

/// An answer without a trace.
pub(crate) enum Answered {
    /// By shortcut.
    Quick(Quick),
    /// By the full reading.
    Full(Resolution),
}

/// How a class of events resolves.
#[derive(Debug, Clone, Copy)]
enum Class {
    /// One clause applies: by this plan, with the clause (an index into the notice's
    /// clauses) and its outcome at hand.
    One(usize, usize, Outcome),
    /// Several clauses apply: by this plan.
    Clauses(usize),
    /// No clause applies, and a gap rule does: by this gap plan.
    Gap(usize),
    /// By the full reading.
    Full,
}

/// The gap rule that decides a class where no clause applies.
struct GapPlan {
    /// The gap rule (an index into the notice's gap rules).
    gap: usize,
    /// Its outcome.
    outcome: Outcome,
    /// Its assumptions, the warnings before the gap warning.
    warnings: Vec<Warning>,
    /// The gap warning's words for the class, with the event's own in their places, per
    /// numbers of the form's agreements ([`Shortcuts::numbers`]) when they quote the
    /// designated numbers, else in the first place for every numbers: `None` until learnt
    /// from an event, then `None` when they cannot be told apart (see [`Template`]).
    words: Vec<Option<Option<Vec<GapPiece>>>>,
    /// Whether the words quote the designated numbers (the same for every event of the
    /// class: which tests failed is the class's, the numbers quoted its agreement's).
    per_numbers: bool,
}

impl GapPlan {
    /// Where the words for these numbers are kept.
    fn place_of(&self, numbers: usize) -> usize {
        if self.per_numbers { numbers } else { 0 }
    }

    /// The words for these numbers, once learnt and whole.
    fn words_for(&self, numbers: usize) -> Option<&[GapPiece]> {
        self.words.get(self.place_of(numbers))?.as_ref()?.as_deref()
    }

    /// Keeps the words for these numbers, learnt from `warning`.
    fn learn_words(&mut self, numbers: usize, warning: &Warning, clocks: &[ClockRead]) {
        self.per_numbers = quotes_numbers(warning);
        let at = self.place_of(numbers);
        if self.words.len() <= at {
            self.words.resize_with(at + 1, || None);
        }
        if let Some(slot) = self.words.get_mut(at) {
            *slot = Some(Template::of(warning, clocks));
        }
    }

    /// Whether the words for these numbers are learnt (whole or not).
    fn knows_words(&self, numbers: usize) -> bool {
        matches!(self.words.get(self.place_of(numbers)), Some(Some(_)))
    }
}

/// Whether a gap warning quotes designated numbers (those of the agreement, or of a notice
/// of change): the one part of its words that differs between agreements of a form.
fn quotes_numbers(warning: &Warning) -> bool {
    let Warning::Gap { missing, .. } = warning else {
        return false;
    };
    (missing.iter().flat_map(|m| &m.failed)).any(|t| {
        matches!(t, super::Test::DesignatedFax { designated, dated, .. }
            if !designated.is_empty() || !dated.is_empty())
    })
}

/// A piece of a gap warning's words, as a class's template holds them.
#[derive(Debug, Clone)]
pub(crate) enum GapPiece {
    /// Words the same for every event of the class.
    Text(String),
    /// The local time of day of the instant sent or received (`HH:MM:SS`).
    Time(Subject),
    /// Its date, in the words of a day test on the calendar (see [`day_words_on`]).
    Day(Subject, Arc<Calendar>),
    /// The method as written.
    Method,
    /// The fax number as written.
    Number,
}

/// What the pieces of a gap warning read of an event decided by a gap rule's shortcut:
/// per instant, its day number and second of the day on the agreement's clock (the only
/// clock such an event's conditions read).
#[derive(Debug, Clone, Copy)]
pub(crate) struct GapRead {
    sent: (u32, u32),
    received: Option<(u32, u32)>,
}

impl GapRead {
    /// The local date and time of day of an instant.
    pub(crate) fn at(&self, subject: Subject) -> Option<(u32, NaiveTime)> {
        let (day, second) = match subject {
            Subject::Sent => self.sent,
            Subject::Received => self.received?,
        };
        Some((
            day,
            NaiveTime::from_num_seconds_from_midnight_opt(second, 0)?,
        ))
    }

    /// The date of a day number that [`GapRead::at`] gives.
    pub(crate) fn date(day: u32) -> Option<NaiveDate> {
        written::date_of(day)
    }

    /// A gap warning's words for the event, its pieces written in turn (`method` and
    /// `number` as written): what the batch writes, before escaping.
    #[cfg(test)]
    pub(crate) fn render(
        &self,
        pieces: &[GapPiece],
        method: &str,
        number: Option<&str>,
    ) -> Option<String> {
        let mut out = String::new();
        for piece in pieces {
            match piece {
                GapPiece::Text(text) => out.push_str(text),
                GapPiece::Time(subject) => {
                    let (_, time) = self.at(*subject)?;
                    let hms = crate::calendar::hms_bytes(time);
                    out.push_str(std::str::from_utf8(&hms).ok()?);
                }
                GapPiece::Day(subject, calendar) => {
                    let (day, _) = self.at(*subject)?;
                    super::day_words_on(&mut out, GapRead::date(day)?, calendar).ok()?;
                }
                GapPiece::Method => out.push_str(method),
                GapPiece::Number => out.push_str(number?),
            }
        }
        Some(out)
    }
}

/// Builds a class's gap warning template from its first event's warning: the words that
/// vary by event (its times, dates, method and number as written) become places to fill.
struct Template<'c> {
    pieces: Vec<GapPiece>,
    /// The fixed words since the last place.
    text: String,
    /// The calendars the clocks read, among which a day test's is found by name.
    calendars: Vec<&'c Arc<Calendar>>,
    /// Whether every varying word found its place.
    whole: bool,
}

impl Words for Template<'_> {
    fn text(&mut self) -> &mut String {
        &mut self.text
    }

    fn time(&mut self, subject: &'static str, _: NaiveTime) {
        match subject_of(subject) {
            Some(subject) => self.place(GapPiece::Time(subject)),
            None => self.whole = false,
        }
    }

    fn day(&mut self, subject: &'static str, _: NaiveDate, calendar: &str, _: bool, _: &[DayOff]) {
        let mut named = self.calendars.iter().filter(|c| c.name() == calendar);
        let first = named.next();
        // One calendar by that name (several clocks may share it).
        let one = first.is_some_and(|f| named.all(|c| Arc::ptr_eq(c, f)));
        match (subject_of(subject), first) {
            (Some(subject), Some(cal)) if one => {
                self.place(GapPiece::Day(subject, Arc::clone(cal)))
            }
            _ => self.whole = false,
        }
    }

    fn method(&mut self, _: &str) {
        self.place(GapPiece::Method);
    }

    fn number(&mut self, _: &str) {
        self.place(GapPiece::Number);
    }
}

impl<'c> Template<'c> {
    /// The template of a gap warning, when every varying word finds its place.
    fn of(warning: &Warning, clocks: &'c [ClockRead]) -> Option<Vec<GapPiece>> {
        let mut template = Template {
            pieces: Vec::new(),
            text: String::new(),
            calendars: clocks.iter().flat_map(|c| &c.calendars).collect(),
            whole: true,
        };
        warning.words(&mut template);
        template.place(GapPiece::Text(String::new()));
        template
            .pieces
            .retain(|p| !matches!(p, GapPiece::Text(t) if t.is_empty()));
        template.whole.then_some(template.pieces)
    }

    /// Ends the fixed words so far and puts a place after them.
    fn place(&mut self, piece: GapPiece) {
        if !self.text.is_empty() {
            self.pieces
                .push(GapPiece::Text(std::mem::take(&mut self.text)));
        }
        self.pieces.push(piece);
    }
}

/// The subject a test's word names.
fn subject_of(word: &str) -> Option<Subject> {
    [Subject::Sent, Subject::Received]
        .into_iter()
        .find(|s| crate::plan::subject_word(*s) == word)
}

/// What a class of events resolves by.
struct Plan {
    /// The clauses that apply, in source order (indexes into the notice's clauses).
    applies: Vec<usize>,
    /// The resolution's warnings, the same for every event of the class.
    warnings: Vec<Warning>,
}

/// A resolution by shortcut: the answer without a trace.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Quick {
    /// The deemed date (see [`Quick::deemed_date`]).
    deemed: Day,
    /// The instant it takes effect (see [`Quick::effective_at`]).
    effective: Effective,
    /// The deciding clause (an index into the notice's clauses).
    pub clause: usize,
    /// Effective, or pending.
    pub status: Status,
    /// The plan it was resolved by, which holds its warnings.
    pub plan: usize,
    /// For an answer by a gap rule (then `clause` is the gap rule's index and `plan` the
    /// gap plan's): what its warning reads of the event.
    pub gap: Option<GapRead>,
}

/// The deemed date of a resolution by shortcut, in whichever form it was found.
#[derive(Debug, Clone, Copy)]
enum Day {
    /// None yet (pending).
    Pending,
    Date(NaiveDate),
    /// A day number (see `written`), read into a date only when asked: the output of
    /// an answer read from the text writes the date from the text.
    Number(u32),
}

/// The instant a resolution by shortcut takes effect, in whichever form it was found.
#[derive(Debug, Clone, Copy)]
enum Effective {
    /// None yet (pending).
    Pending,
    /// An instant.
    At(DateTime<FixedOffset>),
    /// Its text as the output writes it, and its Unix second and offset, read into an
    /// instant only when asked.
    Text(i64, FixedOffset, Written),
}

impl Quick {
    /// The deemed date (`None` while pending).
    pub(crate) fn deemed_date(&self) -> Option<NaiveDate> {
        match self.deemed {
            Day::Pending => None,
            Day::Date(date) => Some(date),
            Day::Number(day) => written::date_of(day),
        }
    }

    /// Whether it has a deemed date (is not pending).
    pub(crate) fn is_dated(&self) -> bool {
        !matches!(self.deemed, Day::Pending)
    }

    /// The instant it takes effect (`None` while pending).
    pub(crate) fn effective_at(&self) -> Option<DateTime<FixedOffset>> {
        match self.effective {
            Effective::Pending => None,
            Effective::At(t) => Some(t),
            Effective::Text(utc, offset, _) => {
                Some(DateTime::from_timestamp(utc, 0)?.with_timezone(&offset))
            }
        }
    }

    /// The effective instant as the output writes it, when known as text: then its first
    /// ten bytes are the deemed date.
    pub(crate) fn written(&self) -> Option<&Written> {
        match &self.effective {
            Effective::Text(_, _, text) => Some(text),
            Effective::Pending | Effective::At(_) => None,
        }
    }
}

impl Shortcuts<'_> {
    /// What this memo's table of dates depends on: the agreement's zone and calendar, the
    /// plan's clocks (instant, zone and calendars, not their cut-offs: a date's entry holds
    /// no time of day), each rule's outcome (with its calendar and clock) and the parties'
    /// zones. Memos of the same key (the agreements of one form in a folder, and agreements
    /// whose clauses differ but in their times of day) may hand the table to one another
    /// ([`Shortcuts::trade_days`]).
    pub(crate) fn days_key(&self) -> Option<String> {
        use std::fmt::Write;
        let a = self.rules.agreement.as_ref()?;
        let mut key = format!("{}|{:p}|", a.tz.name(), Arc::as_ptr(&a.calendar));
        for c in &a.plan.clocks {
            let _ = write!(key, "{:?}/{:?}/", c.subject, c.zone);
            for cal in &c.calendars {
                let _ = write!(key, "{:p},", Arc::as_ptr(cal));
            }
            key.push('|');
        }
        for r in &a.plan.rules {
            let calendar = r.outcome_calendar.as_ref().map(Arc::as_ptr);
            let _ = write!(key, "{:?}/{calendar:?}/{:?}|", r.outcome, r.outcome_clock);
        }
        for p in &a.parties {
            let _ = write!(key, "{:?}|", p.tz.map(|t| t.name()));
        }
        Some(key)
    }

    /// Hands this memo's table of dates to another of the same [`Shortcuts::days_key`], and
    /// takes its (empty, or its own).
    pub(crate) fn trade_days(&mut self, other: &mut Shortcuts<'_>) {
        std::mem::swap(&mut self.days, &mut other.days);
    }
}

impl<'r> Shortcuts<'r> {
    /// A memo for the rules' plan: the layout of its cells as keys.
    pub(crate) fn new(rules: &'r Rules) -> Shortcuts<'r> {
        let layout = rules.agreement.as_ref().and_then(layout_of);
        let clocks = clocks(rules);
        Shortcuts {
            rules,
            form: rules,
            numbers: 0,
            days_fit: layout.is_some() && written::Days::fits(clocks),
            layout,
            classes: HashMap::default(),
            plans: Vec::new(),
            gap_plans: Vec::new(),
            names: Names::default(),
            days: Box::default(),
            senders: senders::Senders::default(),
            outcomes: rules
                .agreement
                .as_ref()
                .map(|a| written::Outcomes::new(&a.plan))
                .unwrap_or_default(),
        }
    }

    /// Reads `rules` from now on: an agreement of the form of those the memo was made for
    /// ([`crate::model::Agreement::same_notices`]), whose numbers are the form's `numbers`
    /// (a place among the form's numbers, counted from 0). Names and senders resolve the
    /// same under each but for whether a number is designated, which they keep per
    /// numbers; so do the words of gap warnings, which quote the numbers.
    pub(crate) fn read_for(&mut self, rules: &'r Rules, numbers: usize) {
        self.rules = rules;
        self.numbers = numbers;
        self.names.current = numbers;
    }

    /// The deciding clause's (or gap rule's) label.
    pub(crate) fn label(&self, quick: &Quick) -> Option<&'r Arc<str>> {
        let notice = &self.rules.agreement.as_ref()?.notice;
        let rules = match quick.gap {
            None => &notice.clauses,
            Some(_) => &notice.gaps,
        };
        Some(&rules.get(quick.clause)?.label)
    }

    /// A resolution by shortcut as the full reading writes it (without a trace). Not for
    /// an answer by a gap rule's shortcut, whose gap warning only the batch writes (from
    /// [`Shortcuts::gap_words`]): [`Shortcuts::evaluate`] never gives one.
    pub(crate) fn resolution(&self, quick: &Quick) -> Resolution {
        Resolution {
            deemed_date: quick.deemed_date(),
            effective_at: quick.effective_at(),
            clause: self.label(quick).cloned(),
            status: quick.status,
            warnings: self.warnings(quick).to_vec(),
            trace: Vec::new(),
        }
    }

    /// The warnings of a resolution by shortcut; by a gap rule, those before the gap
    /// warning (see [`Shortcuts::gap_words`]).
    pub(crate) fn warnings(&self, quick: &Quick) -> &[Warning] {
        let warnings = match quick.gap {
            None => self.plans.get(quick.plan).map(|p| &p.warnings),
            Some(_) => self.gap_plans.get(quick.plan).map(|p| &p.warnings),
        };
        warnings.map_or(&[], Vec::as_slice)
    }

    /// The warning after the gap warning of an answer by a gap rule's shortcut: the one
    /// for a rule that waits on a receipt not recorded, as [`finish`] adds it.
    pub(crate) fn after_gap(&self, quick: &Quick) -> Option<Warning> {
        match (quick.gap, quick.status, quick.is_dated()) {
            (Some(_), Status::Gap, false) => Some(Warning::AwaitingReceipt {
                rule: self.label(quick)?.to_string(),
            }),
            _ => None,
        }
    }

    /// The template of the gap warning of an answer by a gap rule's shortcut, what it
    /// reads of the event, and where the template is kept: the place of the numbers being
    /// read when it quotes them, else 0 for every numbers of the form (so that what is
    /// made of the template may be kept as it is).
    pub(crate) fn gap_words(&self, quick: &Quick) -> Option<(&[GapPiece], GapRead, usize)> {
        let read = quick.gap?;
        let plan = self.gap_plans.get(quick.plan)?;
        let words = plan.words_for(self.numbers)?;
        Some((words, read, plan.place_of(self.numbers)))
    }

    /// What [`Rules::evaluate_ref`] gives without a trace: the event's cell found once,
    /// the plan's decision for it kept per cell.
    pub(crate) fn evaluate(&mut self, event: EventRef<'_>) -> Result<Answered, EvalError> {
        let r = self.rules.resolved_with(event, false, &mut self.names)?;
        let located = r.locate()?;
        if let Some(key) = self.key_of_cell(&located.cell) {
            let class = match self.classes.get(&key) {
                Some(class) => Some(*class),
                None => self.learn(key, &r, &located)?,
            };
            match class {
                Some(Class::One(plan, ..) | Class::Clauses(plan)) => {
                    return self.quick(&r, plan).map(Answered::Quick);
                }
                Some(Class::Gap(plan)) => {
                    // The words for other numbers than those the class was learnt with,
                    // from this event's.
                    let numbers = self.numbers;
                    if let Some(p) = self.gap_plans.get(plan).filter(|p| !p.knows_words(numbers)) {
                        let warning = r.gap_warning(&located, p.gap)?;
                        if let Some(p) = self.gap_plans.get_mut(plan) {
                            p.learn_words(numbers, &warning, clocks(self.rules));
                        }
                    }
                    // The gap warning describes the event itself; which gap rule decides,
                    // and its assumptions, are the class's.
                    if let Some(p) = self.gap_plans.get(plan) {
                        let decision = Decision {
                            applies: Vec::new(),
                            gap: Some(p.gap),
                            waiting: Vec::new(),
                            assumptions: p.warnings.clone(),
                        };
                        return r.resolve(&located, &decision).map(Answered::Full);
                    }
                }
                Some(Class::Full) | None => {}
            }
        }
        let decision = r.decide(&located);
        r.resolve(&located, &decision).map(Answered::Full)
    }

    /// The answer by a class of clauses that apply: their outcomes, picked by the plan.
    fn quick(&self, r: &Resolved<'_>, plan: usize) -> Result<Quick, EvalError> {
        let applies = self.plans.get(plan).map_or(&[][..], |p| &p.applies);
        let plan_of = &r.agreement.plan;
        let picked = match applies {
            // One clause (the common case): picked from its outcome without a list.
            &[n] => plan_of.pick([(n, r.deem(n)?)], &mut Vec::new(), |_| String::new()),
            _ => {
                let mut outcomes = Vec::with_capacity(applies.len());
                for &n in applies {
                    outcomes.push((n, r.deem(n)?));
                }
                plan_of.pick(outcomes, &mut Vec::new(), |_| String::new())
            }
        };
        let Some((clause, deemed)) = picked else {
            return Err(EvalError::Uncovered {
                method: r.event.method.to_string(),
            });
        };
        Ok(match deemed {
            Deemed::Date {
                deemed_date,
                effective_at,
                ..
            } => Quick {
                deemed: Day::Date(deemed_date),
                effective: Effective::At(effective_at),
                clause,
                status: Status::Effective,
                plan,
                gap: None,
            },
            Deemed::AwaitingReceipt => Quick {
                deemed: Day::Pending,
                effective: Effective::Pending,
                clause,
                status: Status::Pending,
                plan,
                gap: None,
            },
            // The memo is not used for plans with companions, and `learn` keeps no class
            // for a cell a `no-effect` rule may decide.
            Deemed::AwaitingCompanion { .. } | Deemed::NoEffect { .. } => {
                return Err(EvalError::Uncovered {
                    method: r.event.method.to_string(),
                });
            }
        })
    }

    /// A cell as a key; `None` when it does not fit one.
    fn key_of_cell(&self, cell: &Cell) -> Option<u64> {
        let facts = Facts {
            method: cell.method,
            party: cell.party,
            fax: cell.fax,
            received: cell.received,
        };
        self.key_of(facts, |_, n| {
            Some(match cell.places.get(n)? {
                None => (0, 0),
                Some(place) => (u64::from(place.span) + 1, u64::from(place.days)),
            })
        })
    }

    /// The key of a cell: the facts, then each clock's place (by `read`, given the clock
    /// and its place among the clocks: 0 for an instant not recorded, else one more than
    /// its span, and its business-day bits).
    fn key_of(
        &self,
        facts: Facts,
        mut read: impl FnMut(&ClockRead, usize) -> Option<(u64, u64)>,
    ) -> Option<u64> {
        let layout = self.layout.as_ref()?;
        let party = facts.party.map_or(0, |p| p + 1);
        let mut key = facts.method as u64
            | (party as u64) << 6
            | (facts.fax as u64) << 13
            | u64::from(facts.received) << 16;
        let mut shift = FIXED_BITS;
        for (n, (clock, bits)) in clocks(self.form).iter().zip(layout).enumerate() {
            let (class, days) = read(clock, n)?;
            key |= class << shift | days << (shift + bits);
            shift += bits + clock.calendars.len() as u32;
        }
        Some(key)
    }

    /// Keeps the plan's decision for a new cell, read from its first event; `None` when
    /// no more cells are kept (the event then takes the plan's reading in full).
    fn learn(
        &mut self,
        key: u64,
        r: &Resolved<'_>,
        located: &Located,
    ) -> Result<Option<Class>, EvalError> {
        if self.classes.len() >= MAX_CLASSES {
            return Ok(None);
        }
        let decision = r.decide(located);
        let notice = &r.agreement.notice;
        let plan = &r.agreement.plan;
        // A `no-effect` outcome is answered by the full reading: the memo keeps dates.
        let deciders = decision.applies.iter().copied();
        let no_effect = deciders
            .chain(decision.gap.map(|g| plan.clauses + g))
            .any(|n| plan.rule(n).is_some_and(|r| r.outcome == Outcome::NoEffect));
        let class = match (decision.applies.as_slice(), decision.gap) {
            _ if no_effect => Class::Full,
            ([], None) => Class::Full,
            ([], Some(gap)) => {
                // The words of the gap warning, from this event's.
                let warning = r.gap_warning(located, gap)?;
                let outcome = notice.gaps.get(gap).map(|g| g.outcome);
                let Some(outcome) = outcome else {
                    return Ok(None);
                };
                let mut plan = GapPlan {
                    gap,
                    outcome,
                    warnings: decision.assumptions,
                    words: Vec::new(),
                    per_numbers: false,
                };
                plan.learn_words(self.numbers, &warning, clocks(self.rules));
                self.gap_plans.push(plan);
                Class::Gap(self.gap_plans.len() - 1)
            }
            (applies, _) => {
                // Picking and finishing add warnings that depend only on which clauses
                // apply and whether a receipt is recorded: the same for the whole cell.
                let warnings = r.resolve(located, &decision)?.warnings;
                let plan = self.plans.len();
                let class = match applies {
                    &[n] => match notice.clauses.get(n) {
                        Some(rule) => Class::One(plan, n, rule.outcome),
                        None => return Ok(None),
                    },
                    _ => Class::Clauses(plan),
                };
                self.plans.push(Plan {
                    applies: decision.applies,
                    warnings,
                });
                class
            }
        };
        self.classes.insert(key, class);
        Ok(Some(class))
    }
}

/// The clocks of the rules' plan.
fn clocks(rules: &Rules) -> &[ClockRead] {
    rules
        .agreement
        .as_ref()
        .map_or(&[][..], |a| a.plan.clocks.as_slice())
}

/// The bits of each clock's place in a key; `None` when the cells do not fit a key.
fn layout_of(agreement: &Agreement) -> Option<Vec<u32>> {
    // A key holds the recipient, not the sender nor the record's other deliveries: a plan
    // that reads the sender's clock or asks for a companion is answered by the full reading.
    if agreement.methods.len() > 63
        || agreement.parties.len() > 126
        || agreement.plan.reads_sender()
        || !agreement.plan.companions.is_empty()
    {
        return None;
    }
    let mut bits = FIXED_BITS;
    let mut layout = Vec::new();
    for clock in &agreement.plan.clocks {
        // Places run from 0 (no instant) to the number of spans.
        let class_bits = 32 - clock.spans().leading_zeros();
        layout.push(class_bits);
        bits += class_bits + clock.calendars.len() as u32;
    }
    (bits <= 64).then_some(layout)
}

/// A hasher for the keys: each word folded in by a 128-bit multiply, which spreads every
/// bit of the key over the whole hash (the table reads both its low and high bits).
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl KeyHasher {
    fn fold(&mut self, word: u64) {
        let p = u128::from(self.0 ^ word).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = (p as u64) ^ ((p >> 64) as u64);
    }
}

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Eight bytes a word (the last padded with zeros).
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.fold(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            for (w, b) in word.iter_mut().zip(rest) {
                *w = *b;
            }
            self.fold(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.fold(n);
    }

    fn write_i32(&mut self, n: i32) {
        self.fold(u64::from(n as u32));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::EvalError;
    use chrono::{Duration, TimeZone, Utc};
    use proptest::prelude::*;

    /// A gap warning whose clause failed `test`.
    fn gap_failing(test: super::super::Test) -> Warning {
        Warning::Gap {
            missing: vec![super::super::resolve::Miss {
                clause: Arc::from("i"),
                failed: vec![test],
            }],
            rule: Arc::from("rest"),
            cite: Arc::from("the rest"),
        }
    }

    /// Words that quote no designated number are learnt once for every numbers of a form;
    /// words that do, for each numbers.
    #[test]
    fn gap_words_are_kept_per_numbers_only_when_they_quote_numbers() {
        let fax = |designated: Vec<String>| super::super::Test::DesignatedFax {
            assumed: false,
            changed_by: None,
            dated: Vec::new(),
            designated,
            holds: false,
            number: Some("(212) 555-0100".into()),
            to: Some("company".into()),
        };
        let method = super::super::Test::Method {
            covered: vec!["fax".into()],
            holds: false,
            method: "courier".into(),
            other_than: None,
        };
        let quoting = gap_failing(fax(vec!["(949) 788-6706".into()]));
        assert!(quotes_numbers(&quoting));
        assert!(!quotes_numbers(&gap_failing(fax(Vec::new()))));
        assert!(!quotes_numbers(&gap_failing(method.clone())));
        let plan = |warning: &Warning| {
            let mut plan = GapPlan {
                gap: 0,
                outcome: Outcome::NoEffect,
                warnings: Vec::new(),
                words: Vec::new(),
                per_numbers: false,
            };
            plan.learn_words(3, warning, &[]);
            plan
        };
        let shared = plan(&gap_failing(method));
        assert!(shared.knows_words(3) && shared.knows_words(7) && shared.knows_words(0));
        let own = plan(&quoting);
        assert!(own.knows_words(3));
        assert!(!own.knows_words(7) && !own.knows_words(0));
    }

    /// An event as plain data: sent (Unix second, offset in minutes or the agreement
    /// clock's own), receipt delay, method, recipient and number, by index into the lists a
    /// test passes; and maybe a bound the rules name (by index), with a second either side,
    /// to move the event to.
    type Spec = (
        i64,
        Option<i32>,
        Option<i64>,
        usize,
        usize,
        usize,
        Option<(usize, i64)>,
    );

    /// The event moved to a bound of one of the clocks the rules read, plus `delta`
    /// seconds, on the same day: where random instants seldom fall.
    fn near_bound<'a>(
        rules: &Rules,
        mut event: EventRef<'a>,
        (choice, delta): (usize, i64),
    ) -> EventRef<'a> {
        let agreement = rules.agreement().unwrap();
        let bounds: Vec<(&ClockRead, NaiveTime)> = (agreement.plan.clocks.iter())
            .flat_map(|c| c.cutoffs.iter().map(move |b| (c, *b)))
            .collect();
        let Some((clock, bound)) = bounds.get(choice % bounds.len().max(1)) else {
            return event;
        };
        let party = event
            .to
            .and_then(|name| agreement.party_index(name).ok())
            .and_then(|n| agreement.parties.get(n));
        let tz = agreement
            .plan
            .zone_of(agreement, clock, crate::plan::Ends::to(party));
        let Some(sent) = event.sent else {
            return event;
        };
        let base = match clock.subject {
            Subject::Sent => sent,
            Subject::Received => event.received.unwrap_or(sent),
        };
        let local =
            base.with_timezone(&tz).date_naive().and_time(*bound) + Duration::seconds(delta);
        let Some(t) = tz.from_local_datetime(&local).earliest() else {
            return event;
        };
        let t = t.fixed_offset();
        match clock.subject {
            Subject::Sent => event.sent = Some(t),
            Subject::Received => event.received = Some(t.max(sent)),
        }
        event
    }

    fn rules(file: &str) -> Rules {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("rules")
            .join(file);
        Rules::from_path(&path).unwrap()
    }

    /// The answer without a trace as the full reading gives it, or its error.
    type Answer = (
        Option<NaiveDate>,
        Option<DateTime<FixedOffset>>,
        Option<Arc<str>>,
        Status,
        Vec<Warning>,
    );

    fn full(rules: &Rules, event: EventRef<'_>) -> Result<Answer, EvalError> {
        rules.evaluate_ref(event, false).map(|r| {
            (
                r.deemed_date,
                r.effective_at,
                r.clause,
                r.status,
                r.warnings,
            )
        })
    }

    /// Runs one `Shortcuts` over every event in turn (so later events meet the classes
    /// earlier ones taught it) and holds each answer (by a clause's shortcut, by a gap
    /// rule's, or an error) to the full reading's. Returns the events a clause applies to
    /// that did not take the shortcut.
    fn agree(
        rules: &Rules,
        specs: &[Spec],
        methods: &[&str],
        parties: &[Option<&str>],
        numbers: &[Option<&str>],
    ) -> Result<Vec<String>, TestCaseError> {
        let mut shortcuts = Shortcuts::new(rules);
        let mut missed = Vec::new();
        let clock = &rules.agreement().unwrap().clock;
        // As written: in the given offset, or in the agreement clock's own.
        let shown = |t: DateTime<FixedOffset>, offset: Option<i32>| match offset {
            Some(minutes) => t.with_timezone(&FixedOffset::east_opt(minutes * 60).unwrap()),
            None => clock.show(t),
        };
        for &(seconds, offset, delay, method, party, number, near) in specs {
            let sent = shown(
                Utc.timestamp_opt(seconds, 0).unwrap().fixed_offset(),
                offset,
            );
            let event = EventRef {
                method: methods[method % methods.len()],
                sent: Some(sent),
                received: delay.map(|d| shown(sent + Duration::seconds(d), offset)),
                to: parties[party % parties.len()],
                from: None,
                fax_number: numbers[number % numbers.len()],
                companions: &[],
                designation: None,
            };
            let event = match near {
                Some(near) => near_bound(rules, event, near),
                None => event,
            };
            let expected = full(rules, event);
            // The same event as a log writes it, when a shortcut serves it so.
            let (sent_text, received_text) = (
                event
                    .sent
                    .map(|t| shown(t, offset).to_rfc3339())
                    .unwrap_or_default(),
                event.received.map(|t| shown(t, offset).to_rfc3339()),
            );
            let by_text = shortcuts.by_text(
                event.method,
                &sent_text,
                received_text.as_deref(),
                event.to,
                event.fax_number,
                true,
            );
            if let Some(quick) = by_text {
                let expected = expected.as_ref().map_err(ToString::to_string);
                let mut warnings = shortcuts.warnings(&quick).to_vec();
                if quick.gap.is_some() {
                    // The gap warning, written from the class's template, is compared
                    // as words.
                    let (pieces, read, _) = shortcuts.gap_words(&quick).unwrap();
                    let words = read.render(pieces, event.method, event.fax_number);
                    let after = usize::from(shortcuts.after_gap(&quick).is_some());
                    let last = (expected.as_ref().ok()).and_then(|e| e.4.iter().rev().nth(after));
                    prop_assert!(matches!(last, Some(Warning::Gap { .. })), "{:?}", event);
                    prop_assert_eq!(words, last.map(ToString::to_string), "{:?}", event);
                    warnings.extend(last.cloned());
                    warnings.extend(shortcuts.after_gap(&quick));
                }
                let answer = (
                    quick.deemed_date(),
                    quick.effective_at(),
                    shortcuts.label(&quick).cloned(),
                    quick.status,
                    warnings,
                );
                prop_assert_eq!(Ok(&answer), expected, "{} {:?}", sent_text, event);
                let written = quick.effective_at().map(|t| t.to_rfc3339());
                if let Some(bytes) = quick.written() {
                    // Its first ten bytes are the deemed date.
                    let date = quick.deemed_date().map(|d| d.to_string());
                    let head = bytes
                        .first_chunk::<10>()
                        .map(|h| String::from_utf8_lossy(h).into_owned());
                    prop_assert_eq!(date, head);
                    prop_assert_eq!(written.as_deref(), std::str::from_utf8(bytes).ok());
                }
            }
            let answer = match shortcuts.evaluate(event) {
                Ok(Answered::Quick(quick)) => (
                    quick.deemed_date(),
                    quick.effective_at(),
                    shortcuts.label(&quick).cloned(),
                    quick.status,
                    shortcuts.warnings(&quick).to_vec(),
                ),
                Ok(Answered::Full(r)) => {
                    // A clause applies, yet no shortcut served.
                    if r.status != Status::Gap {
                        missed.push(format!("{event:?}"));
                    }
                    (
                        r.deemed_date,
                        r.effective_at,
                        r.clause,
                        r.status,
                        r.warnings,
                    )
                }
                Err(e) => {
                    let expected = expected.err().map(|e| e.to_string());
                    prop_assert_eq!(Some(e.to_string()), expected, "{:?}", event);
                    continue;
                }
            };
            prop_assert!(expected.is_ok(), "{event:?}: the full reading fails");
            prop_assert_eq!(answer, expected.unwrap(), "{:?}", event);
        }
        Ok(missed)
    }

    fn specs(first: i64, last: i64) -> impl Strategy<Value = Vec<Spec>> {
        proptest::collection::vec(
            (
                first..last,
                proptest::option::weighted(0.5, -12i32 * 60..=14 * 60),
                proptest::option::of(0i64..5 * 86_400),
                0usize..8,
                0usize..8,
                0usize..8,
                proptest::option::weighted(0.3, (0usize..8, -1i64..=1)),
            ),
            1..300,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Over the reference agreement, a shortcut's answer is the full reading's, and every
        /// event a clause applies to takes one.
        #[test]
        fn shortcuts_answer_as_the_full_reading(
            // 1971-01-02 through 2099-12-30, to the second.
            specs in specs(31_622_400, 4_102_185_600),
        ) {
            static RULES: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
            let rules = RULES.get_or_init(|| rules("spa-2000-02-25.rules"));
            let missed = agree(
                rules,
                &specs,
                &["fax", "courier", "hand", "mail", "email", "FAX", "telex"],
                &[None, Some("company"), Some("montrose"), Some("strong-river"), Some("counsel"), Some("nobody")],
                &[None, Some("(949) 788-6706"), Some("212-541-1432"), Some("555 0100")],
            )?;
            prop_assert!(missed.is_empty(), "{:?}", missed);
        }

        /// The same for rules with other zones, the recipient's time and receipt conditions.
        #[test]
        fn shortcuts_read_other_clocks_as_the_full_reading(
            // 2000-01-02 through 2029-12-30 (the NYSE calendar's years), and a little beyond.
            specs in specs(946_771_200, 1_900_000_000),
        ) {
            static RULES: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
            let rules = RULES.get_or_init(|| rules("example-pacific-notice.rules"));
            let methods = rules.agreement().unwrap().method_names();
            let missed = agree(
                rules,
                &specs,
                &methods,
                &[None, Some("lender"), Some("borrower"), Some("nobody")],
                &[None, Some("555 0100")],
            )?;
            prop_assert!(missed.is_empty(), "{:?}", missed);
        }
    }
}
