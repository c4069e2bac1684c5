//! Event to resolution: which clause decides when a notice is deemed given, and why.
//!
//! Every clause is tested against the event, and every test is kept in the trace, so the
//! answer explains itself: which clause applied, why each other did not, which days the
//! business-day arithmetic stepped over. Where no clause applies literally, the rules file's
//! gap rules decide, and the resolution says so in its status and warnings.

use std::fmt;

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveTime, Timelike};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};

use crate::calendar::{DayOff, OutOfRange, SkippedDay, weekday_date};
use crate::check::{cmp_word, meets};
use crate::model::*;
use crate::syntax::ast::{Combinator, DayKind, Outcome, RuleKind, Subject};
use crate::words::{Render, display_by_render};

mod shortcut;

pub(crate) use shortcut::{Answered, GapPiece, GapRead, Quick, Shortcuts, Written};

/// A communication: how and when it was sent, to whom, and when it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The delivery method, one of the agreement's `method` names.
    pub method: String,
    /// When it was sent (transmitted, mailed, handed over).
    pub sent: DateTime<FixedOffset>,
    /// When it was actually received, if known.
    pub received: Option<DateTime<FixedOffset>>,
    /// The recipient, one of the agreement's `party` names.
    pub to: Option<String>,
    /// The facsimile number it was sent to.
    pub fax_number: Option<String>,
}

/// An event whose text fields are borrowed: what the evaluator works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRef<'a> {
    /// The delivery method.
    pub method: &'a str,
    /// When it was sent.
    pub sent: DateTime<FixedOffset>,
    /// When it was actually received, if known.
    pub received: Option<DateTime<FixedOffset>>,
    /// The recipient.
    pub to: Option<&'a str>,
    /// The facsimile number it was sent to.
    pub fax_number: Option<&'a str>,
}

impl Event {
    /// The event with its text borrowed.
    pub fn as_ref(&self) -> EventRef<'_> {
        EventRef {
            method: &self.method,
            sent: self.sent,
            received: self.received,
            to: self.to.as_deref(),
            fax_number: self.fax_number.as_deref(),
        }
    }
}

/// An event that could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// The rules file has no agreement.
    NoAgreement {
        /// Where the rules came from.
        origin: String,
    },
    /// A method or party the agreement does not know.
    Unknown(UnknownName),
    /// A receipt before the sending.
    ReceivedBeforeSent {
        /// When it was sent.
        sent: DateTime<FixedOffset>,
        /// When it was received.
        received: DateTime<FixedOffset>,
    },
    /// A date outside the calendar's years.
    Calendar(OutOfRange),
    /// No clause and no gap rule covers the event.
    Uncovered {
        /// The method.
        method: String,
    },
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::NoAgreement { origin } => write!(f, "`{origin}` has no agreement"),
            EvalError::Unknown(u) => write!(f, "{u}"),
            EvalError::ReceivedBeforeSent { sent, received } => write!(
                f,
                "received at {} before it was sent at {}",
                received.to_rfc3339(),
                sent.to_rfc3339()
            ),
            EvalError::Calendar(e) => write!(f, "{e}"),
            EvalError::Uncovered { method } => {
                write!(f, "no clause and no gap rule covers this `{method}` notice")
            }
        }
    }
}

impl EvalError {
    /// What the user can do about it, when there is something.
    pub fn help(&self) -> Option<String> {
        match self {
            EvalError::NoAgreement { .. } => {
                Some("an agreement file has an `agreement \"...\" { ... }` block".into())
            }
            EvalError::Unknown(u) => Some(u.help()),
            EvalError::Uncovered { .. } => Some(
                "declare a `gap` rule in the rules file for what the clauses leave open".into(),
            ),
            EvalError::Calendar(_) => Some(
                "check the date; or answer on a calendar that covers it (`--calendar`), or extend the calendar's `years` in a rules file of your own".into(),
            ),
            _ => None,
        }
    }
}

impl std::error::Error for EvalError {}

impl From<OutOfRange> for EvalError {
    fn from(e: OutOfRange) -> Self {
        EvalError::Calendar(e)
    }
}

/// How a resolution was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// A clause applied literally.
    Effective,
    /// No clause applied literally; the rules file's gap policy decided.
    Gap,
    /// The deciding clause waits on an actual receipt that is not recorded.
    Pending,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Effective => "effective",
            Status::Gap => "gap",
            Status::Pending => "pending",
        })
    }
}

/// When a notice is deemed given and effective, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolution {
    /// The deemed date in the agreement's time zone (`None` while pending).
    pub deemed_date: Option<NaiveDate>,
    /// The first instant of the deemed date, never before the sending; for actual receipt,
    /// the receipt instant. In the agreement's time zone.
    pub effective_at: Option<DateTime<FixedOffset>>,
    /// The label of the clause or gap rule that decided.
    pub clause: Option<std::sync::Arc<str>>,
    /// How the answer was reached.
    pub status: Status,
    /// What the reader must know: assumptions made and holes filled.
    pub warnings: Vec<Warning>,
    /// Every step of the reasoning.
    pub trace: Vec<Step>,
}

/// A warning attached to a resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// The recipient was not given, so the designated-number condition was not checked.
    RecipientNotGiven {
        /// The rules whose condition was assumed to hold.
        rules: Vec<String>,
    },
    /// The fax number was not given, so the designated one was assumed.
    FaxNumberNotGiven {
        /// The recipient.
        party: String,
    },
    /// A rule reads the recipient's time, which the rules do not give.
    RecipientTimeUnknown {
        /// The rule.
        rule: String,
    },
    /// No clause applied literally; a gap rule decided.
    Gap {
        /// What each nearly applicable clause was missing.
        missing: Vec<Miss>,
        /// The gap rule's label.
        rule: std::sync::Arc<str>,
        /// The hole it fills, in the rules file's words.
        cite: std::sync::Arc<str>,
    },
    /// The deciding rule waits on actual receipt, which is not recorded.
    AwaitingReceipt {
        /// The rule.
        rule: String,
    },
    /// An applicable rule waits on actual receipt and might make the notice earlier.
    ReceiptCouldBeEarlier {
        /// The rule.
        rule: String,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::RecipientNotGiven { rules } => write!(
                f,
                "no recipient given: the designated facsimile number condition of {} was not checked",
                label_list("clause", rules)
            ),
            Warning::FaxNumberNotGiven { party } => write!(
                f,
                "no facsimile number given: assumed a number designated for `{party}`"
            ),
            Warning::RecipientTimeUnknown { rule } => write!(
                f,
                "rule `{rule}` reads the recipient's time, which the rules do not give; read the agreement's time zone instead"
            ),
            Warning::Gap { .. } => {
                let mut text = String::new();
                self.render(&mut text);
                f.write_str(&text)
            }
            Warning::AwaitingReceipt { rule } => write!(
                f,
                "`{rule}` makes the notice effective upon actual receipt, which is not recorded"
            ),
            Warning::ReceiptCouldBeEarlier { rule } => write!(
                f,
                "`{rule}` also applies upon actual receipt, which is not recorded; an earlier receipt would decide instead"
            ),
        }
    }
}

impl Warning {
    /// Writes the warning in words onto `out` (what its `Display` shows).
    pub(crate) fn render(&self, out: &mut String) {
        match self {
            Warning::Gap { .. } => self.words(out),
            _ => {
                let _ = fmt::Write::write_fmt(out, format_args!("{self}"));
            }
        }
    }

    /// A gap warning's words (see [`Words`]); nothing for another warning.
    pub(crate) fn words(&self, out: &mut impl Words) {
        let Warning::Gap {
            missing,
            rule,
            cite,
        } = self
        else {
            return;
        };
        out.text().push_str("no clause applies literally (");
        for (n, miss) in missing.iter().enumerate() {
            if n > 0 {
                out.text().push_str("; ");
            }
            miss.words(out);
        }
        put(
            out.text(),
            &[
                &"); resolved by the declared gap rule `",
                rule,
                &"`: ",
                cite,
            ],
        );
    }
}

impl Serialize for Warning {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn label_list(what: &str, labels: &[String]) -> String {
    let quoted: Vec<String> = labels.iter().map(|l| format!("`{l}`")).collect();
    if labels.len() == 1 {
        format!("{what} {}", quoted.join(""))
    } else {
        format!("{what}s {}", quoted.join(", "))
    }
}

/// One step of the reasoning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
pub enum Step {
    /// The event as the evaluator read it, in the agreement's time zone.
    Event {
        /// The method.
        method: String,
        /// When it was sent.
        sent: DateTime<FixedOffset>,
        /// When it was received, if known.
        received: Option<DateTime<FixedOffset>>,
        /// The recipient, if given.
        to: Option<String>,
        /// The fax number, if given.
        fax_number: Option<String>,
    },
    /// A clause or gap rule, tested.
    Rule {
        /// `clause` or `gap`.
        kind: &'static str,
        /// Its label.
        label: String,
        /// The contract words it encodes.
        cite: std::sync::Arc<str>,
        /// Whether all its tests held.
        applied: bool,
        /// Each condition's test.
        tests: Vec<Test>,
        /// What it makes the deemed date, when it applied.
        deemed: Option<Deemed>,
    },
    /// Which rule decided, and how.
    Decision {
        /// The deciding rule.
        rule: String,
        /// Why that one.
        reason: String,
    },
}

/// A condition tested against the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "test", rename_all = "kebab-case")]
pub enum Test {
    /// Is the method one the rule covers?
    Method {
        /// The event's method.
        method: String,
        /// The methods the rule covers.
        covered: Vec<String>,
        /// The clauses whose methods are excluded, for `other-than`.
        other_than: Option<Vec<String>>,
        /// The outcome.
        holds: bool,
    },
    /// Did the fax go to a number designated for the recipient?
    DesignatedFax {
        /// The recipient, if given.
        to: Option<String>,
        /// The number used, if given.
        number: Option<String>,
        /// The recipient's designated numbers.
        designated: Vec<String>,
        /// The outcome.
        holds: bool,
        /// True when the test could not be made and was assumed to hold (see the warnings).
        assumed: bool,
    },
    /// A time-of-day bound.
    TimeOfDay {
        /// Which instant.
        subject: &'static str,
        /// Its local time.
        local: NaiveTime,
        /// The time zone read.
        zone: &'static str,
        /// The comparison.
        cmp: &'static str,
        /// The bound.
        bound: NaiveTime,
        /// The outcome.
        holds: bool,
    },
    /// The kind of day.
    Day {
        /// Which instant.
        subject: &'static str,
        /// Its local date.
        date: NaiveDate,
        /// The calendar.
        calendar: String,
        /// What the rule wants.
        wanted: &'static str,
        /// Whether the date is a Business Day.
        business_day: bool,
        /// Why it is not, when it is not.
        why: Vec<DayOff>,
        /// The outcome.
        holds: bool,
    },
    /// A condition on the receipt, which is not recorded.
    NoReceipt,
}

impl Test {
    /// Whether the test held.
    pub fn holds(&self) -> bool {
        match self {
            Test::Method { holds, .. }
            | Test::DesignatedFax { holds, .. }
            | Test::TimeOfDay { holds, .. }
            | Test::Day { holds, .. } => *holds,
            Test::NoReceipt => false,
        }
    }
}

/// Writes the pieces in order onto `out`: text is pushed as it is, without the
/// formatting machinery (which matters when a batch writes millions of these).
fn put(out: &mut String, pieces: &[&dyn Piece]) {
    for p in pieces {
        p.put(out);
    }
}

trait Piece {
    fn put(&self, out: &mut String);
}

impl Piece for str {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for &str {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for std::sync::Arc<str> {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for String {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl Piece for Hms {
    fn put(&self, out: &mut String) {
        let buf = crate::calendar::hms_bytes(self.0);
        out.push_str(std::str::from_utf8(&buf).unwrap_or("??:??:??"));
    }
}

impl Piece for crate::calendar::WeekdayDate {
    fn put(&self, out: &mut String) {
        self.render(out);
    }
}

/// `a`, `a or b`, `a or b or c`.
struct OrList<'a>(&'a [String]);

impl Piece for OrList<'_> {
    fn put(&self, out: &mut String) {
        for (n, item) in self.0.iter().enumerate() {
            if n > 0 {
                out.push_str(" or ");
            }
            out.push_str(item);
        }
    }
}

display_by_render!(Test, Miss);

impl Render for Test {
    fn render(&self, out: &mut String) {
        self.words(out);
    }
}

/// Where a test's words go: all onto one text, or (for a template of a gap warning that
/// serves a whole class of events) with the event's own words kept apart.
pub(crate) trait Words {
    /// The text, where fixed words go.
    fn text(&mut self) -> &mut String;
    /// An instant's local time of day, read by `subject` (`sent` or `received`).
    fn time(&mut self, subject: &'static str, time: NaiveTime);
    /// An instant's date, with whether it is a business day on the calendar and why not.
    fn day(
        &mut self,
        subject: &'static str,
        date: NaiveDate,
        calendar: &str,
        business_day: bool,
        why: &[DayOff],
    );
    /// The method as written.
    fn method(&mut self, method: &str);
    /// The fax number as written.
    fn number(&mut self, number: &str);
}

impl Words for String {
    fn text(&mut self) -> &mut String {
        self
    }

    fn time(&mut self, _: &'static str, time: NaiveTime) {
        Hms(time).put(self);
    }

    fn day(
        &mut self,
        _: &'static str,
        date: NaiveDate,
        calendar: &str,
        business_day: bool,
        why: &[DayOff],
    ) {
        day_words(self, date, calendar, business_day, why);
    }

    fn method(&mut self, method: &str) {
        self.push_str(method);
    }

    fn number(&mut self, number: &str) {
        self.push_str(number);
    }
}

/// A day's words in a test: `Monday 2008-10-13, not a business day (us-ny-banking:
/// Columbus Day)`.
fn day_words(
    out: &mut String,
    date: NaiveDate,
    calendar: &str,
    business_day: bool,
    why: &[DayOff],
) {
    weekday_date(date).put(out);
    if business_day {
        put(out, &[&", a business day (", &calendar, &")"])
    } else {
        put(out, &[&", not a business day (", &calendar, &": "]);
        for (n, w) in why.iter().enumerate() {
            if n > 0 {
                out.push_str("; ");
            }
            w.render(out);
        }
        out.push(')')
    }
}

/// [`day_words`] for a date on a calendar.
pub(crate) fn day_words_on(
    out: &mut String,
    date: NaiveDate,
    calendar: &crate::calendar::Calendar,
) -> Result<(), OutOfRange> {
    let business_day = calendar.is_business_day(date)?;
    let why = match business_day {
        true => Vec::new(),
        false => calendar.days_off(date)?,
    };
    day_words(out, date, calendar.name(), business_day, &why);
    Ok(())
}

impl Test {
    /// Writes the test in words onto `out` (what its `Display` shows).
    pub(crate) fn words(&self, out: &mut impl Words) {
        match self {
            Test::Method {
                method,
                other_than: Some(labels),
                holds,
                ..
            } => {
                let verb = if *holds { "` is not" } else { "` is" };
                out.text().push_str("method `");
                out.method(method);
                put(out.text(), &[&verb, &" a method of "]);
                out.text().push_str(&label_list("clause", labels))
            }
            Test::Method {
                method,
                covered,
                other_than: None,
                holds,
            } => {
                let verb = if *holds { "` is " } else { "` is not " };
                out.text().push_str("method `");
                out.method(method);
                put(out.text(), &[&verb, &OrList(covered)])
            }
            Test::DesignatedFax {
                to: None,
                assumed: true,
                ..
            } => out
                .text()
                .push_str("the recipient is not given, so the designated number is assumed"),
            Test::DesignatedFax {
                to: Some(to),
                number: None,
                designated,
                assumed: true,
                ..
            } => put(
                out.text(),
                &[
                    &"no number given; assumed ",
                    &OrList(designated),
                    &" designated for `",
                    to,
                    &"`",
                ],
            ),
            Test::DesignatedFax { to, designated, .. } if designated.is_empty() => put(
                out.text(),
                &[
                    &"`",
                    &to.as_deref().unwrap_or(""),
                    &"` has no designated facsimile number",
                ],
            ),
            Test::DesignatedFax {
                to,
                number,
                designated,
                holds,
                ..
            } => {
                let verb = if *holds { "` is" } else { "` is not" };
                out.text().push('`');
                out.number(number.as_deref().unwrap_or(""));
                put(
                    out.text(),
                    &[
                        &verb,
                        &" the number designated for `",
                        &to.as_deref().unwrap_or(""),
                        &"` (",
                        &OrList(designated),
                        &")",
                    ],
                )
            }
            Test::TimeOfDay {
                subject,
                local,
                zone,
                cmp,
                bound,
                holds,
            } => {
                let verb = if *holds {
                    " time, which is "
                } else {
                    " time, which is not "
                };
                put(out.text(), &[subject, &" at "]);
                out.time(subject, *local);
                put(out.text(), &[&" ", zone, &verb, cmp, &" ", &Hms(*bound)])
            }
            Test::Day {
                subject,
                date,
                calendar,
                business_day,
                why,
                ..
            } => {
                put(out.text(), &[subject, &" on "]);
                out.day(subject, *date, calendar, *business_day, why);
            }
            Test::NoReceipt => out.text().push_str("no receipt is recorded"),
        }
    }
}

/// `HH:MM:SS`, written without a format string.
struct Hms(NaiveTime);

/// What an applicable rule makes the deemed date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Deemed {
    /// A date.
    Date {
        /// The deemed date.
        deemed_date: NaiveDate,
        /// The instant it takes effect.
        effective_at: DateTime<FixedOffset>,
        /// How the date was found, in words.
        reading: String,
        /// The non-Business Days stepped over.
        skipped: Vec<SkippedDay>,
    },
    /// Waits on an actual receipt that is not recorded.
    AwaitingReceipt,
}

impl Deemed {
    fn instant(&self) -> Option<DateTime<FixedOffset>> {
        match self {
            Deemed::Date { effective_at, .. } => Some(*effective_at),
            Deemed::AwaitingReceipt => None,
        }
    }
}

/// How an event's names are looked up: the agreement's own look-ups by default; a batch
/// remembers what it has looked up.
trait Lookup {
    fn method(&mut self, agreement: &Agreement, name: &str) -> Result<usize, UnknownName> {
        agreement.method_index(name)
    }

    fn party(&mut self, agreement: &Agreement, name: &str) -> Result<usize, UnknownName> {
        agreement.party_index(name)
    }

    /// Whether a fax number is one designated for a party.
    fn designated(&mut self, party: &PartyDef, number: &str) -> bool {
        party.faxes.iter().any(|f| same_number(&f.digits, number))
    }
}

/// The agreement's own look-ups.
struct AgreementLookup;

impl Lookup for AgreementLookup {}

/// The event with names resolved.
struct Resolved<'a> {
    agreement: &'a Agreement,
    event: EventRef<'a>,
    method: usize,
    party: Option<&'a PartyDef>,
    /// Whether to describe the reasoning (the readings and skipped days of outcomes).
    trace: bool,
    /// The send instant shown on the agreement's clock, worked out once.
    sent_here: DateTime<FixedOffset>,
    /// Its wall-clock time.
    sent_local: chrono::NaiveDateTime,
    /// Whether the fax number given is one designated for the recipient, worked out once.
    number_designated: bool,
}

impl Rules {
    /// Resolves an event against the agreement's notice clause.
    ///
    /// ```
    /// use chrono::DateTime;
    /// let rules = deemed::Rules::default_rules().unwrap();
    /// let event = deemed::Event {
    ///     method: "fax".into(),
    ///     sent: DateTime::parse_from_rfc3339("2000-03-03T21:15:00-05:00").unwrap(),
    ///     received: None,
    ///     to: Some("company".into()),
    ///     fax_number: Some("(949) 788-6706".into()),
    /// };
    /// let r = rules.evaluate(&event).unwrap();
    /// assert_eq!(r.deemed_date.unwrap().to_string(), "2000-03-06");
    /// assert_eq!(r.clause.as_deref(), Some("ii"));
    /// ```
    pub fn evaluate(&self, event: &Event) -> Result<Resolution, EvalError> {
        self.evaluate_with(event, true)
    }

    /// Resolves an event; with `trace` false the resolution's trace is left empty, which is
    /// much faster (for batch runs). The answer and the warnings are the same.
    pub fn evaluate_with(&self, event: &Event, trace: bool) -> Result<Resolution, EvalError> {
        self.evaluate_ref(event.as_ref(), trace)
    }

    /// [`Rules::evaluate_with`] on a borrowed event.
    pub fn evaluate_ref(&self, event: EventRef<'_>, trace: bool) -> Result<Resolution, EvalError> {
        self.resolved(event, trace)?.evaluate()
    }

    /// The event with its names resolved and its sending read on the agreement's clock.
    fn resolved<'a>(&'a self, event: EventRef<'a>, trace: bool) -> Result<Resolved<'a>, EvalError> {
        self.resolved_with(event, trace, &mut AgreementLookup)
    }

    /// [`Rules::resolved`], with the names looked up by `lookup`.
    fn resolved_with<'a>(
        &'a self,
        event: EventRef<'a>,
        trace: bool,
        lookup: &mut impl Lookup,
    ) -> Result<Resolved<'a>, EvalError> {
        let agreement = self
            .agreement
            .as_ref()
            .ok_or_else(|| EvalError::NoAgreement {
                origin: self.origin.clone(),
            })?;
        let method = lookup
            .method(agreement, event.method)
            .map_err(EvalError::Unknown)?;
        let party = match event.to {
            Some(name) => Some(
                agreement
                    .parties
                    .get(lookup.party(agreement, name).map_err(EvalError::Unknown)?)
                    .ok_or_else(|| EvalError::Uncovered {
                        method: event.method.to_string(),
                    })?,
            ),
            None => None,
        };
        if let Some(received) = event.received {
            if received < event.sent {
                return Err(EvalError::ReceivedBeforeSent {
                    sent: event.sent,
                    received,
                });
            }
        }
        let sent_here = agreement.clock.show(event.sent);
        Ok(Resolved {
            agreement,
            event,
            method,
            party,
            trace,
            sent_here,
            sent_local: sent_here.naive_local(),
            number_designated: match (party, event.fax_number) {
                (Some(p), Some(number)) => lookup.designated(p, number),
                _ => false,
            },
        })
    }
}

impl Resolved<'_> {
    /// The resolution, with the trace if asked.
    fn evaluate(self) -> Result<Resolution, EvalError> {
        let trace = self.trace;
        if !trace {
            if let Some(quick) = self.resolve_quickly()? {
                return Ok(quick);
            }
        }
        // The full reasoning, kept as the trace; the quick path comes here for gaps, whose
        // warnings need every clause's failed tests.
        let mut full = Resolved {
            trace: true,
            ..self
        }
        .resolve()?;
        if !trace {
            full.trace = Vec::new();
        }
        Ok(full)
    }

    fn tz(&self) -> Tz {
        self.agreement.tz
    }

    fn local(&self, t: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        self.agreement.clock.show(t)
    }

    /// The answer without the trace, when a clause applies; `None` when the gap rules must
    /// decide (the caller then takes the full path).
    fn resolve_quickly(&self) -> Result<Option<Resolution>, EvalError> {
        let notice = &self.agreement.notice;
        let mut warnings = Vec::new();
        let mut picker = Picker::new(notice.combinator);
        for rule in &notice.clauses {
            if self.quick_test(rule, &mut warnings)? {
                picker.offer(rule, self.deem(rule.outcome)?);
            }
        }
        if let Some((rule, deemed)) = picker.pick(&mut warnings) {
            return Ok(Some(finish(
                rule,
                deemed,
                Status::Effective,
                warnings,
                Vec::new(),
            )));
        }
        // No clause applies: the first gap rule that applies decides.
        let misses = self.misses()?;
        for gap in &notice.gaps {
            if self.quick_test(gap, &mut warnings)? {
                return self.gap_answer(gap, misses, warnings).map(Some);
            }
        }
        Ok(None)
    }

    /// What each clause was missing, for a gap warning. Only the clauses whose method
    /// matched are described, unless none did.
    fn misses(&self) -> Result<Misses, EvalError> {
        let notice = &self.agreement.notice;
        let near = |rule: &RuleDef| {
            rule.conditions
                .iter()
                .any(|c| matches!(c, Cond::Method { methods, .. } if methods.contains(self.method)))
        };
        let any_near = notice.clauses.iter().any(near);
        let mut misses = Misses::default();
        for rule in notice.clauses.iter().filter(|r| !any_near || near(r)) {
            let (failed, _) = self.tests(rule, &mut Vec::new(), Keep::Failed)?;
            misses.add(rule, near(rule), failed);
        }
        Ok(misses)
    }

    /// The resolution by a gap rule that applies, after `warnings` (its assumptions).
    fn gap_answer(
        &self,
        gap: &RuleDef,
        misses: Misses,
        mut warnings: Vec<Warning>,
    ) -> Result<Resolution, EvalError> {
        let deemed = self.deem(gap.outcome)?;
        warnings.push(misses.warning(gap));
        Ok(finish(gap, deemed, Status::Gap, warnings, Vec::new()))
    }

    /// Whether every condition of a rule holds, stopping at the first that does not: the
    /// reading of [`Resolved::tests`] (and its errors) without the tests as data, for the
    /// quick path. The properties in `tests/` hold the two paths to the same answers.
    // Once a rule per event: inlined into the quick path (callgrind: a few percent).
    #[inline(always)]
    fn quick_test(&self, rule: &RuleDef, warnings: &mut Vec<Warning>) -> Result<bool, EvalError> {
        let mut assumptions = Vec::new();
        for cond in &rule.conditions {
            let holds = match cond {
                Cond::Method { methods, .. } => methods.contains(self.method),
                Cond::DesignatedFax => self.fax_check(rule, &mut assumptions, false).0,
                Cond::Instant {
                    subject,
                    bounds,
                    day,
                    zone,
                } => {
                    let Some((local, _)) = self.read_clock(*subject, zone, rule, &mut assumptions)
                    else {
                        return Ok(false);
                    };
                    let time = whole_seconds(local.time());
                    let in_bounds = bounds.iter().all(|(cmp, bound)| meets(time, *cmp, *bound));
                    // The day is read even out of bounds, as the full reading reads it (a
                    // date outside the calendar is an error either way).
                    let on_day = match day {
                        None => true,
                        Some((kind, cal)) => {
                            let cal = cal.as_deref().unwrap_or(&self.agreement.calendar);
                            day_holds(*kind, cal.is_business_day(local.date())?)
                        }
                    };
                    in_bounds && on_day
                }
            };
            if !holds {
                return Ok(false);
            }
        }
        for w in assumptions {
            add_warning(warnings, w);
        }
        Ok(true)
    }

    /// An instant on a clock; the send instant on the agreement's clock is cached.
    fn local_time(
        &self,
        subject: Subject,
        instant: DateTime<FixedOffset>,
        tz: Tz,
    ) -> chrono::NaiveDateTime {
        if subject == Subject::Sent && tz == self.agreement.tz {
            self.sent_local
        } else if tz == self.agreement.tz {
            self.agreement.clock.local(instant)
        } else {
            instant.with_timezone(&tz).naive_local()
        }
    }

    fn instant(&self, subject: Subject) -> Option<DateTime<FixedOffset>> {
        match subject {
            Subject::Sent => Some(self.event.sent),
            Subject::Received => self.event.received,
        }
    }

    /// The wall-clock time an instant condition reads, and on whose clock; `None` when it
    /// reads a receipt that is not recorded.
    fn read_clock(
        &self,
        subject: Subject,
        zone: &ZoneSel,
        rule: &RuleDef,
        assumptions: &mut Vec<Warning>,
    ) -> Option<(chrono::NaiveDateTime, Tz)> {
        let instant = self.instant(subject)?;
        let tz = self.zone_for(zone, rule, assumptions);
        Some((self.local_time(subject, instant, tz), tz))
    }

    /// The clock a condition reads; an unknown recipient zone falls back, with a warning.
    fn zone_for(&self, zone: &ZoneSel, rule: &RuleDef, assumptions: &mut Vec<Warning>) -> Tz {
        match zone {
            ZoneSel::Agreement => self.tz(),
            ZoneSel::Fixed(tz) => *tz,
            ZoneSel::Recipient => match self.party.and_then(|p| p.tz) {
                Some(tz) => tz,
                None => {
                    assumptions.push(Warning::RecipientTimeUnknown {
                        rule: rule.label.to_string(),
                    });
                    self.tz()
                }
            },
        }
    }

    fn resolve(&self) -> Result<Resolution, EvalError> {
        let ev = self.event;
        let mut trace = vec![Step::Event {
            method: ev.method.to_string(),
            sent: self.local(ev.sent),
            received: ev.received.map(|t| self.local(t)),
            to: ev.to.map(str::to_string),
            fax_number: ev.fax_number.map(str::to_string),
        }];
        let mut warnings: Vec<Warning> = Vec::new();
        let notice = &self.agreement.notice;

        let mut applied: Vec<(&RuleDef, Deemed)> = Vec::new();
        let mut misses = Misses::default();
        for rule in &notice.clauses {
            let (tests, holds) = self.test(rule, &mut warnings)?;
            let deemed = if holds {
                Some(self.deem(rule.outcome)?)
            } else {
                let near = tests
                    .iter()
                    .any(|t| matches!(t, Test::Method { holds: true, .. }));
                misses.add(rule, near, tests.clone());
                None
            };
            trace.push(rule_step(rule, holds, tests, deemed.clone()));
            if let Some(d) = deemed {
                applied.push((rule, d));
            }
        }

        let mut picker = Picker::new(notice.combinator);
        for (rule, deemed) in &applied {
            picker.offer(rule, deemed.clone());
        }
        let (rule, deemed, status) = if let Some((rule, deemed)) = picker.pick(&mut warnings) {
            trace.push(Step::Decision {
                rule: rule.label.to_string(),
                reason: decision_reason(notice.combinator, &applied),
            });
            (rule, deemed, Status::Effective)
        } else {
            let mut chosen = None;
            for gap in &notice.gaps {
                let (tests, holds) = self.test(gap, &mut warnings)?;
                let deemed = if holds {
                    Some(self.deem(gap.outcome)?)
                } else {
                    None
                };
                trace.push(rule_step(gap, holds, tests, deemed.clone()));
                if let Some(d) = deemed {
                    chosen = Some((gap, d));
                    break;
                }
            }
            let Some((gap, deemed)) = chosen else {
                return Err(EvalError::Uncovered {
                    method: ev.method.to_string(),
                });
            };
            warnings.push(misses.warning(gap));
            trace.push(Step::Decision {
                rule: gap.label.to_string(),
                reason: "no clause applies literally; the first gap rule that applies decides"
                    .into(),
            });
            (gap, deemed, Status::Gap)
        };
        Ok(finish(rule, deemed, status, warnings, trace))
    }

    /// Tests every condition of a rule; all must hold.
    fn test(
        &self,
        rule: &RuleDef,
        warnings: &mut Vec<Warning>,
    ) -> Result<(Vec<Test>, bool), EvalError> {
        self.tests(rule, warnings, Keep::All)
    }

    /// The tests of a rule as data (as many as `keep` asks for), and whether every test
    /// held. [`Resolved::quick_test`] reads the same without the data.
    fn tests(
        &self,
        rule: &RuleDef,
        warnings: &mut Vec<Warning>,
        keep: Keep,
    ) -> Result<(Vec<Test>, bool), EvalError> {
        let mut tests = Vec::new();
        let mut all_hold = true;
        let mut assumptions = Vec::new();
        for cond in &rule.conditions {
            match cond {
                Cond::Method {
                    methods,
                    other_than,
                } => {
                    let holds = methods.contains(self.method);
                    all_hold &= holds;
                    if keep.wants(holds) {
                        tests.push(Test::Method {
                            method: self.event.method.to_string(),
                            covered: methods
                                .indexes()
                                .filter_map(|n| self.agreement.methods.get(n))
                                .map(|m| m.name.clone())
                                .collect(),
                            other_than: other_than.clone(),
                            holds,
                        });
                    }
                }
                Cond::DesignatedFax => {
                    let (holds, _) = self.fax_check(rule, &mut assumptions, false);
                    all_hold &= holds;
                    if keep.wants(holds) {
                        if let (_, Some(test)) = self.fax_check(rule, &mut Vec::new(), true) {
                            tests.push(test);
                        }
                    }
                }
                Cond::Instant {
                    subject,
                    bounds,
                    day,
                    zone,
                } => {
                    let Some((local, tz)) = self.read_clock(*subject, zone, rule, &mut assumptions)
                    else {
                        all_hold = false;
                        tests.push(Test::NoReceipt);
                        continue;
                    };
                    let time = whole_seconds(local.time());
                    let subject_word = subject_word(*subject);
                    for (cmp, bound) in bounds {
                        let holds = meets(time, *cmp, *bound);
                        all_hold &= holds;
                        if keep.wants(holds) {
                            tests.push(Test::TimeOfDay {
                                subject: subject_word,
                                local: time,
                                zone: tz.name(),
                                cmp: cmp_word(*cmp),
                                bound: *bound,
                                holds,
                            });
                        }
                    }
                    if let Some((kind, cal)) = day {
                        let cal = cal.as_deref().unwrap_or(&self.agreement.calendar);
                        let date = local.date();
                        let business = cal.is_business_day(date)?;
                        let holds = day_holds(*kind, business);
                        all_hold &= holds;
                        if keep.wants(holds) {
                            tests.push(Test::Day {
                                subject: subject_word,
                                date,
                                calendar: cal.name().to_string(),
                                wanted: match kind {
                                    DayKind::BusinessDay => "business-day",
                                    DayKind::NonBusinessDay => "non-business-day",
                                    DayKind::AnyDay => "any-day",
                                },
                                business_day: business,
                                why: if business {
                                    Vec::new()
                                } else {
                                    cal.days_off(date)?
                                },
                                holds,
                            });
                        }
                    }
                }
            }
        }
        if all_hold {
            for w in assumptions {
                add_warning(warnings, w);
            }
        }
        Ok((tests, all_hold))
    }

    /// Whether the fax went to a number designated for the recipient, and (when tracing)
    /// the test as data. A missing recipient or number is assumed, with a warning.
    // Inlined where the quick path calls it without describing (callgrind: about 1%).
    #[inline(always)]
    fn fax_check(
        &self,
        rule: &RuleDef,
        assumptions: &mut Vec<Warning>,
        describe: bool,
    ) -> (bool, Option<Test>) {
        let Some(party) = self.party else {
            assumptions.push(Warning::RecipientNotGiven {
                rules: vec![rule.label.to_string()],
            });
            let test = describe.then(|| Test::DesignatedFax {
                to: None,
                number: self.event.fax_number.map(str::to_string),
                designated: Vec::new(),
                holds: true,
                assumed: true,
            });
            return (true, test);
        };
        let (holds, assumed) = match self.event.fax_number {
            _ if party.faxes.is_empty() => (false, false),
            None => {
                assumptions.push(Warning::FaxNumberNotGiven {
                    party: party.name.clone(),
                });
                (true, true)
            }
            Some(_) => (self.number_designated, false),
        };
        let test = describe.then(|| Test::DesignatedFax {
            to: Some(party.name.clone()),
            number: self.event.fax_number.map(str::to_string),
            designated: party.faxes.iter().map(|f| f.written.clone()).collect(),
            holds,
            assumed,
        });
        (holds, test)
    }

    /// Words for the trace, only when tracing.
    fn describe(&self, words: impl FnOnce() -> String) -> String {
        if self.trace { words() } else { String::new() }
    }

    /// What an applicable rule's outcome makes the deemed date.
    fn deem(&self, outcome: Outcome) -> Result<Deemed, EvalError> {
        let tz = self.tz();
        let cal = &self.agreement.calendar;
        let anchor = |s: Subject| match s {
            Subject::Sent => Some(self.event.sent),
            Subject::Received => self.event.received,
        };
        let (date, reading, skipped) = match outcome {
            Outcome::UponReceipt => {
                let Some(received) = self.event.received else {
                    return Ok(Deemed::AwaitingReceipt);
                };
                let effective_at = self.local(received);
                let date = effective_at.date_naive();
                // The calendar must cover the date, as for any other outcome.
                cal.is_business_day(date)?;
                let reading = self
                    .describe(|| format!("upon actual receipt at {}", effective_at.to_rfc3339()));
                return Ok(Deemed::Date {
                    deemed_date: date,
                    effective_at,
                    reading,
                    skipped: Vec::new(),
                });
            }
            Outcome::SameDay(s) => {
                let Some(t) = anchor(s) else {
                    return Ok(Deemed::AwaitingReceipt);
                };
                let date = self.local_time(s, t, tz).date();
                cal.is_business_day(date)?;
                let reading = self.describe(|| {
                    format!(
                        "the date it was {}, {}",
                        subject_word(s),
                        weekday_date(date)
                    )
                });
                (date, reading, Vec::new())
            }
            Outcome::BusinessDaysAfter(n, s) => {
                let Some(t) = anchor(s) else {
                    return Ok(Deemed::AwaitingReceipt);
                };
                let from = self.local_time(s, t, tz).date();
                let (date, skipped) = if self.trace {
                    cal.add_business_days(from, n)?
                } else {
                    (cal.nth_business_day_after(from, n)?, Vec::new())
                };
                let reading = self.describe(|| {
                    let what = if n == 1 {
                        "the next business day".to_string()
                    } else {
                        format!("{n} business days")
                    };
                    format!(
                        "{what} after {} ({}) is {}",
                        weekday_date(from),
                        subject_word(s),
                        weekday_date(date)
                    )
                });
                (date, reading, skipped)
            }
            Outcome::DaysAfter(n, s) => {
                let Some(t) = anchor(s) else {
                    return Ok(Deemed::AwaitingReceipt);
                };
                let from = self.local(t).date_naive();
                let date = from
                    .checked_add_days(Days::new(u64::from(n)))
                    .ok_or_else(|| EvalError::Calendar(cal.out_of_range(from)))?;
                cal.is_business_day(date)?;
                let reading = self.describe(|| {
                    format!(
                        "{n} days after {} ({}) is {}",
                        weekday_date(from),
                        subject_word(s),
                        weekday_date(date)
                    )
                });
                (date, reading, Vec::new())
            }
        };
        // Never earlier than the event itself: on the day it was sent (or before), the
        // sending; after it, the first instant of the deemed date.
        let effective_at = if date <= self.sent_local.date() {
            self.sent_here
        } else {
            self.agreement
                .clock
                .start_of_day(date)
                .ok_or_else(|| EvalError::Calendar(cal.out_of_range(date)))?
        };
        Ok(Deemed::Date {
            deemed_date: date,
            effective_at,
            reading,
            skipped,
        })
    }
}

/// Adds a warning once; the rules a missing recipient affected are listed together.
fn add_warning(warnings: &mut Vec<Warning>, w: Warning) {
    if let Warning::RecipientNotGiven { rules: new } = &w {
        if let Some(Warning::RecipientNotGiven { rules }) = warnings
            .iter_mut()
            .find(|w| matches!(w, Warning::RecipientNotGiven { .. }))
        {
            for label in new {
                if !rules.contains(label) {
                    rules.push(label.clone());
                }
            }
            return;
        }
    }
    push_unique(warnings, w);
}

fn push_unique(warnings: &mut Vec<Warning>, w: Warning) {
    if !warnings.contains(&w) {
        warnings.push(w);
    }
}

fn subject_word(s: Subject) -> &'static str {
    match s {
        Subject::Sent => "sent",
        Subject::Received => "received",
    }
}

fn rule_step(rule: &RuleDef, applied: bool, tests: Vec<Test>, deemed: Option<Deemed>) -> Step {
    Step::Rule {
        kind: match rule.kind {
            RuleKind::Clause => "clause",
            RuleKind::Gap => "gap",
        },
        label: rule.label.to_string(),
        cite: rule.cite.clone(),
        applied,
        tests,
        deemed,
    }
}

/// Which tests [`Resolved::tests`] keeps as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Every test: the trace.
    All,
    /// The tests that failed: a gap warning.
    Failed,
}

impl Keep {
    fn wants(self, held: bool) -> bool {
        match self {
            Keep::All => true,
            Keep::Failed => !held,
        }
    }
}

/// A clause that did not apply, with the tests that failed: shown in the gap warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    /// The clause's label.
    pub clause: std::sync::Arc<str>,
    /// The tests that did not hold.
    pub failed: Vec<Test>,
}

impl Render for Miss {
    fn render(&self, out: &mut String) {
        self.words(out);
    }
}

impl Miss {
    fn words(&self, out: &mut impl Words) {
        put(out.text(), &[&"clause ", &self.clause, &": "]);
        for (n, t) in self.failed.iter().enumerate() {
            if n > 0 {
                out.text().push_str(", ");
            }
            t.words(out);
        }
    }
}

/// What the clauses that did not apply were missing, for the gap warning.
#[derive(Default)]
struct Misses {
    /// Clauses whose method matched: the ones that nearly applied.
    near: Vec<Miss>,
    /// The others.
    far: Vec<Miss>,
}

impl Misses {
    /// Records what a clause was missing; `near` when its method matched.
    fn add(&mut self, rule: &RuleDef, near: bool, mut tests: Vec<Test>) {
        tests.retain(|t| !t.holds());
        let miss = Miss {
            clause: rule.label.clone(),
            failed: tests,
        };
        if near {
            self.near.push(miss);
        } else {
            self.far.push(miss);
        }
    }

    fn warning(self, gap: &RuleDef) -> Warning {
        Warning::Gap {
            missing: if self.near.is_empty() {
                self.far
            } else {
                self.near
            },
            rule: gap.label.clone(),
            cite: gap.cite.clone(),
        }
    }
}

/// Picks the deciding clause as the clauses that apply are offered, in source order,
/// without keeping them all.
struct Picker<'r> {
    combinator: Combinator,
    /// The first clause that applied, and whether it waits on a receipt.
    first: Option<(&'r RuleDef, bool)>,
    /// The best dated result so far.
    best: Option<(&'r RuleDef, Deemed)>,
    /// Clauses that apply upon a receipt not recorded.
    pending: Vec<&'r RuleDef>,
    /// Whether to keep `pending` (for its warnings); a shortcut knows them already.
    keep_pending: bool,
}

impl<'r> Picker<'r> {
    fn new(combinator: Combinator) -> Self {
        Picker {
            combinator,
            first: None,
            best: None,
            pending: Vec::new(),
            keep_pending: true,
        }
    }

    /// A picker that decides without the warnings [`Picker::pick`] adds.
    fn quiet(combinator: Combinator) -> Self {
        Picker {
            keep_pending: false,
            ..Picker::new(combinator)
        }
    }

    fn offer(&mut self, rule: &'r RuleDef, deemed: Deemed) {
        let Some(at) = deemed.instant() else {
            self.first.get_or_insert((rule, true));
            if self.keep_pending {
                self.pending.push(rule);
            }
            return;
        };
        let is_first = self.first.is_none();
        self.first.get_or_insert((rule, false));
        let better = match (&self.best, self.combinator) {
            (None, Combinator::FirstOf) => is_first,
            (None, _) => true,
            (Some(_), Combinator::FirstOf) => false,
            // Ties go to the clause written first.
            (Some((_, b)), Combinator::EarliestOf) => b.instant().is_some_and(|b| at < b),
            (Some((_, b)), Combinator::LatestOf) => b.instant().is_some_and(|b| at > b),
        };
        if better {
            self.best = Some((rule, deemed));
        }
    }

    /// The deciding clause and its result, if any clause applied.
    fn pick(self, warnings: &mut Vec<Warning>) -> Option<(&'r RuleDef, Deemed)> {
        let (first, first_pending) = self.first?;
        if self.combinator == Combinator::FirstOf && first_pending {
            return Some((first, Deemed::AwaitingReceipt));
        }
        let Some((rule, deemed)) = self.best else {
            return Some((first, Deemed::AwaitingReceipt));
        };
        if self.combinator == Combinator::EarliestOf {
            for r in self.pending {
                push_unique(
                    warnings,
                    Warning::ReceiptCouldBeEarlier {
                        rule: r.label.to_string(),
                    },
                );
            }
        }
        Some((rule, deemed))
    }
}

fn decision_reason(combinator: Combinator, applied: &[(&RuleDef, Deemed)]) -> String {
    let labels: Vec<&str> = applied.iter().map(|(r, _)| &*r.label).collect();
    let how = match combinator {
        Combinator::EarliestOf => "the earliest of",
        Combinator::LatestOf => "the latest of",
        Combinator::FirstOf => "the first of",
    };
    format!("{how} the clauses that apply ({})", labels.join(", "))
}

/// The resolution from the deciding rule.
fn finish(
    rule: &RuleDef,
    deemed: Deemed,
    status: Status,
    mut warnings: Vec<Warning>,
    trace: Vec<Step>,
) -> Resolution {
    let (deemed_date, effective_at, status) = match deemed {
        Deemed::Date {
            deemed_date,
            effective_at,
            ..
        } => (Some(deemed_date), Some(effective_at), status),
        Deemed::AwaitingReceipt => {
            warnings.push(Warning::AwaitingReceipt {
                rule: rule.label.to_string(),
            });
            let status = if status == Status::Gap {
                Status::Gap
            } else {
                Status::Pending
            };
            (None, None, status)
        }
    };
    Resolution {
        deemed_date,
        effective_at,
        clause: Some(rule.label.clone()),
        status,
        warnings,
        trace,
    }
}

/// Bounds are exact to the second, as the contract words are: a fraction is dropped.
fn whole_seconds(t: NaiveTime) -> NaiveTime {
    t.with_nanosecond(0).unwrap_or(t)
}

fn day_holds(kind: DayKind, business_day: bool) -> bool {
    match kind {
        DayKind::BusinessDay => business_day,
        DayKind::NonBusinessDay => !business_day,
        DayKind::AnyDay => true,
    }
}

/// Whether a number as given has the designated digits (as [`fax_digits`] reads it),
/// without building the digit string.
fn same_number(designated_digits: &str, given: &str) -> bool {
    let digits = || given.bytes().filter(u8::is_ascii_digit);
    let count = digits().count();
    let skip = usize::from(count == 11 && digits().next() == Some(b'1'));
    count - skip == designated_digits.len() && digits().skip(skip).eq(designated_digits.bytes())
}

/// Whether a resolution makes a deadline, and by how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineCheck {
    /// The deadline.
    pub by: DateTime<FixedOffset>,
    /// True when deemed given no later than the deadline; `None` while it waits on receipt.
    pub met: Option<bool>,
    /// How far before (positive) or after (negative) the deadline, in seconds.
    pub margin_seconds: Option<i64>,
}

impl DeadlineCheck {
    /// Compares a resolution with a deadline.
    ///
    /// ```
    /// use chrono::DateTime;
    /// let rules = deemed::Rules::default_rules().unwrap();
    /// let event = deemed::Event { method: "courier".into(),
    ///     sent: DateTime::parse_from_rfc3339("2005-02-24T18:00:00-05:00").unwrap(),
    ///     received: None, to: None, fax_number: None };
    /// let r = rules.evaluate(&event).unwrap();
    /// let by = DateTime::parse_from_rfc3339("2005-02-26T00:00:00-05:00").unwrap();
    /// let check = deemed::eval::DeadlineCheck::new(&r, by);
    /// assert_eq!(check.met, Some(true));
    /// assert_eq!(check.margin_seconds, Some(86_400));
    /// ```
    pub fn new(resolution: &Resolution, by: DateTime<FixedOffset>) -> DeadlineCheck {
        let margin = resolution
            .effective_at
            .map(|at| by.signed_duration_since(at).num_seconds());
        DeadlineCheck {
            by,
            met: margin.map(|m| m >= 0),
            margin_seconds: margin,
        }
    }
}

impl fmt::Display for DeadlineCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(margin) = self.margin_seconds else {
            return write!(
                f,
                "undecided: it waits on actual receipt, which must come by {}",
                self.by.to_rfc3339()
            );
        };
        let (h, m, s) = (
            margin.abs() / 3600,
            margin.abs() / 60 % 60,
            margin.abs() % 60,
        );
        let by = format!("{h}h {m:02}m {s:02}s");
        if margin >= 0 {
            write!(f, "made: deemed given {by} before {}", self.by.to_rfc3339())
        } else {
            write!(
                f,
                "missed: deemed given {by} after {}",
                self.by.to_rfc3339()
            )
        }
    }
}

impl fmt::Display for Resolution {
    /// One line with the answer, then the explanation.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = self.clause.as_deref().unwrap_or("?");
        let by = match self.status {
            Status::Gap => format!("gap rule `{label}` (no clause applies literally)"),
            _ => format!("clause {label}"),
        };
        match (self.deemed_date, self.effective_at) {
            (Some(date), Some(at)) => writeln!(
                f,
                "{}: deemed given and effective under {by}, at {}",
                weekday_date(date),
                at.to_rfc3339()
            )?,
            _ => writeln!(
                f,
                "not yet effective: {by} waits on actual receipt, which is not recorded"
            )?,
        }
        writeln!(f, "status: {}", self.status)?;
        writeln!(f, "why:")?;
        for step in &self.trace {
            match step {
                Step::Event {
                    method,
                    sent,
                    received,
                    to,
                    fax_number,
                } => {
                    write!(
                        f,
                        "  {method} sent {} {}",
                        weekday_date(sent.date_naive()),
                        sent.format("%H:%M:%S (UTC%:z)")
                    )?;
                    if let Some(to) = to {
                        write!(f, " to `{to}`")?;
                    }
                    if let Some(n) = fax_number {
                        write!(f, " at {n}")?;
                    }
                    if let Some(r) = received {
                        write!(
                            f,
                            ", received {} {}",
                            weekday_date(r.date_naive()),
                            r.format("%H:%M:%S (UTC%:z)")
                        )?;
                    }
                    writeln!(f)?;
                }
                Step::Rule {
                    kind,
                    label,
                    applied,
                    tests,
                    deemed,
                    ..
                } => {
                    let head = format!("{kind} {label}");
                    if *applied {
                        let held: Vec<String> = tests.iter().map(|t| t.to_string()).collect();
                        write!(f, "  {head:<10} applies")?;
                        if !held.is_empty() {
                            write!(f, ": {}", held.join("; "))?;
                        }
                        writeln!(f)?;
                        match deemed {
                            Some(Deemed::Date {
                                reading, skipped, ..
                            }) => {
                                writeln!(f, "  {:<10} => {reading}", "")?;
                                if !skipped.is_empty() {
                                    let days: Vec<String> =
                                        skipped.iter().map(|s| s.to_string()).collect();
                                    writeln!(
                                        f,
                                        "  {:<10}    stepping over {}",
                                        "",
                                        days.join(", ")
                                    )?;
                                }
                            }
                            Some(Deemed::AwaitingReceipt) => {
                                writeln!(f, "  {:<10} => upon actual receipt, not recorded", "")?;
                            }
                            None => {}
                        }
                    } else {
                        let failed: Vec<String> = tests
                            .iter()
                            .filter(|t| !t.holds())
                            .map(|t| t.to_string())
                            .collect();
                        writeln!(f, "  {head:<10} does not apply: {}", failed.join("; "))?;
                    }
                }
                Step::Decision { rule, reason } => {
                    writeln!(f, "  decided by `{rule}`: {reason}")?;
                }
            }
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        Ok(())
    }
}
