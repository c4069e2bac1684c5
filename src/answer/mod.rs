//! The answer's vocabulary: what an evaluation says of a notice (its status, deemed date,
//! warnings and trace) and the errors it can end in, below the plan that decides and the
//! evaluator that answers. Its words are in `text`.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use serde::{Serialize, Serializer};

use crate::calendar::{DayOff, OutOfRange, SkippedDay};
use crate::words::Render;

mod text;
mod unknown;

pub(crate) use text::{Words, put};
pub use unknown::UnknownName;

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
    /// Neither a sending nor a receipt is given.
    NoInstant,
    /// A sending or receipt given as a date alone, where the rules read its time of day.
    TimeOfDayNeeded {
        /// `sent` or `received`.
        subject: &'static str,
        /// Why the time of day matters.
        why: String,
    },
    /// The rule the notice falls under reads the sending instant, which is not given.
    SentNeeded {
        /// The rule's label.
        rule: String,
        /// What it reads of the sending.
        reads: String,
    },
    /// A facsimile number with no digits in it (`n/a`), which cannot be compared with the
    /// designated ones.
    FaxNumberWithoutDigits {
        /// The number as given.
        given: String,
    },
}

impl EvalError {
    /// The field of the event the error is about: `method`, `to`, `from`, `sent` or
    /// `received` (as a batch record and a command-line flag name them), for an event sent
    /// and received at these instants.
    pub fn field(
        &self,
        sent: Option<DateTime<FixedOffset>>,
        received: Option<DateTime<FixedOffset>>,
    ) -> &'static str {
        // A date outside the calendar is the receipt's when it is the receipt's date (on some
        // clock, so within a day of it) and not the sending's.
        let near = |t: DateTime<FixedOffset>, date: chrono::NaiveDate| {
            (t.date_naive() - date).num_days().abs() <= 1
        };
        match self {
            EvalError::Unknown(u) if u.what == "sender" => "from",
            EvalError::Unknown(u) if u.what == "party" => "to",
            EvalError::Unknown(_) | EvalError::Uncovered { .. } => "method",
            EvalError::ReceivedBeforeSent { .. } => "received",
            EvalError::TimeOfDayNeeded { subject, .. } => subject,
            EvalError::Calendar(o)
                if received.is_some_and(|r| near(r, o.date))
                    && !sent.is_some_and(|s| near(s, o.date)) =>
            {
                "received"
            }
            EvalError::Calendar(_)
            | EvalError::NoAgreement { .. }
            | EvalError::NoInstant
            | EvalError::SentNeeded { .. } => "sent",
            EvalError::FaxNumberWithoutDigits { .. } => "fax_number",
        }
    }
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
            EvalError::NoInstant => write!(f, "a notice needs when it was sent or received"),
            EvalError::TimeOfDayNeeded { subject, why } => write!(
                f,
                "only the date it was {subject} is given, and the time of day matters: {why}"
            ),
            EvalError::SentNeeded { rule, reads } => write!(
                f,
                "rule `{rule}` reads when the notice was sent ({reads}), which is not given"
            ),
            EvalError::FaxNumberWithoutDigits { given } => {
                write!(f, "the facsimile number `{given}` has no digits")
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
            EvalError::NoInstant | EvalError::SentNeeded { .. } => {
                Some("give the sending instant (`sent`, `--sent`)".into())
            }
            EvalError::FaxNumberWithoutDigits { .. } => Some(
                "give the number it was sent to, such as `(949) 788-6706`, or leave it out".into(),
            ),
            EvalError::TimeOfDayNeeded { subject, .. } => Some(format!(
                "give the time it was {subject} too, such as `2000-03-03 17:00`"
            )),
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
    /// The deciding rule says the notice is not a valid one (`no-effect`).
    Invalid,
}

impl Status {
    /// The status as the output writes it: `effective`, `gap`, `pending` or `invalid`.
    pub fn word(self) -> &'static str {
        match self {
            Status::Effective => "effective",
            Status::Gap => "gap",
            Status::Pending => "pending",
            Status::Invalid => "invalid",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// When a notice is deemed given and effective, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolution {
    /// The deemed date, on the clock the deciding rule reads (the agreement's time zone
    /// unless the rule names another); `None` while pending or when not a valid notice.
    pub deemed_date: Option<NaiveDate>,
    /// The first instant of the deemed date on that clock, never before the instant the
    /// outcome runs from; for actual receipt, the receipt instant. Shown on that clock.
    #[serde(with = "crate::time::instant::opt")]
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
    /// A rule reads the sender's time, which the rules (or the event) do not give.
    SenderTimeUnknown {
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
    /// The deciding rule waits on a companion delivery the record does not hold.
    AwaitingCompanion {
        /// The rule.
        rule: String,
        /// What is missing.
        missing: String,
    },
    /// The sending or receipt was given as a date alone (the answer is the same at any
    /// time that day).
    DateAlone {
        /// `sent` or `received`.
        subject: &'static str,
        /// The date.
        date: NaiveDate,
    },
    /// The deciding rule says the notice is not a valid one.
    NotValid {
        /// The rule.
        rule: String,
        /// Its reason.
        reason: std::sync::Arc<str>,
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
            Warning::SenderTimeUnknown { rule } => write!(
                f,
                "rule `{rule}` reads the sender's time, which is not known (no sender given, or none with a `time-zone`); read the agreement's time zone instead"
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
            Warning::AwaitingCompanion { rule, missing } => write!(
                f,
                "`{rule}` makes the notice effective only with {missing}, which is not recorded"
            ),
            Warning::DateAlone { subject, date } => write!(
                f,
                "only the date it was {subject} is given ({date}): the answer is the same at any time of that day"
            ),
            Warning::NotValid { rule, reason } => {
                write!(f, "not a valid notice under `{rule}`: {reason}")
            }
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
///
/// Each variant's fields are declared in the order of their names, the order JSON writes
/// them in, so that the answer's JSON is written without reordering them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
pub enum Step {
    /// The event as the evaluator read it, in the agreement's time zone.
    Event {
        /// The fax number, if given.
        fax_number: Option<String>,
        /// The sender, if given.
        #[serde(skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        /// The method.
        method: String,
        /// When it was received, if known.
        #[serde(with = "crate::time::instant::opt")]
        received: Option<DateTime<FixedOffset>>,
        /// When it was sent, if given.
        #[serde(with = "crate::time::instant::opt")]
        sent: Option<DateTime<FixedOffset>>,
        /// The recipient, if given.
        to: Option<String>,
    },
    /// A clause or gap rule, tested.
    Rule {
        /// Whether all its tests held.
        applied: bool,
        /// The contract words it encodes.
        cite: std::sync::Arc<str>,
        /// What it makes the deemed date, when it applied.
        deemed: Option<Deemed>,
        /// `clause` or `gap`.
        kind: &'static str,
        /// Its label.
        label: String,
        /// Each condition's test.
        tests: Vec<Test>,
    },
    /// Which rule decided, and how.
    Decision {
        /// Why that one.
        reason: String,
        /// The deciding rule.
        rule: String,
    },
}

/// A condition tested against the event.
///
/// Each variant's fields are declared in the order of their names, the order JSON writes
/// them in, so that the answer's JSON is written without reordering them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "test", rename_all = "kebab-case")]
pub enum Test {
    /// Is the method one the rule covers?
    Method {
        /// The methods the rule covers.
        covered: Vec<String>,
        /// The outcome.
        holds: bool,
        /// The event's method.
        method: String,
        /// The clauses whose methods are excluded, for `other-than`.
        other_than: Option<Vec<String>>,
    },
    /// Did the fax go to a number designated for the recipient?
    DesignatedFax {
        /// True when the test could not be made and was assumed to hold (see the warnings).
        assumed: bool,
        /// When a notice of change designated the numbers: which, and when it took effect.
        #[serde(skip_serializing_if = "Option::is_none")]
        changed_by: Option<String>,
        /// When the recipient's numbers are dated: each with the days it is in force.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        dated: Vec<String>,
        /// The recipient's numbers designated at the instant (those in force).
        designated: Vec<String>,
        /// The outcome.
        holds: bool,
        /// The number used, if given.
        number: Option<String>,
        /// The recipient, if given.
        to: Option<String>,
    },
    /// A time-of-day bound.
    TimeOfDay {
        /// The bound.
        bound: NaiveTime,
        /// The comparison.
        cmp: &'static str,
        /// The outcome.
        holds: bool,
        /// Its local time.
        local: NaiveTime,
        /// Which instant.
        subject: &'static str,
        /// The time zone read.
        zone: &'static str,
    },
    /// The kind of day.
    Day {
        /// Whether the date is a Business Day.
        business_day: bool,
        /// The calendar.
        calendar: String,
        /// Its local date.
        date: NaiveDate,
        /// The outcome.
        holds: bool,
        /// Which instant.
        subject: &'static str,
        /// What the rule wants.
        wanted: &'static str,
        /// Why it is not, when it is not.
        why: Vec<DayOff>,
    },
    /// A condition on the receipt, which is not recorded.
    NoReceipt,
    /// A condition on the sending, which is not given (a notice known by its receipt).
    NoSending,
    /// Does the record hold a companion delivery, in time?
    Companion {
        /// Business Days rather than calendar days.
        business_days: bool,
        /// The deliveries by those methods the record holds, and when.
        #[serde(with = "crate::time::instant::named")]
        found: Vec<(String, DateTime<FixedOffset>)>,
        /// Whether one came in time.
        holds: bool,
        /// The methods that count.
        methods: Vec<String>,
        /// Whether any is recorded (when none is, a rule that needs one waits).
        recorded: bool,
        /// Within how many days of this delivery's date.
        within: u32,
    },
}

impl Test {
    /// Whether the test held.
    pub fn holds(&self) -> bool {
        match self {
            Test::Method { holds, .. }
            | Test::DesignatedFax { holds, .. }
            | Test::TimeOfDay { holds, .. }
            | Test::Day { holds, .. }
            | Test::Companion { holds, .. } => *holds,
            Test::NoReceipt | Test::NoSending => false,
        }
    }
}

/// What an applicable rule makes the deemed date.
///
/// Each variant's fields are declared in the order of their names, the order JSON writes
/// them in, so that the answer's JSON is written without reordering them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Deemed {
    /// A date.
    Date {
        /// The deemed date.
        deemed_date: NaiveDate,
        /// The instant it takes effect.
        #[serde(with = "crate::time::instant")]
        effective_at: DateTime<FixedOffset>,
        /// How the date was found, in words.
        reading: String,
        /// The non-Business Days stepped over.
        skipped: Vec<SkippedDay>,
    },
    /// Waits on an actual receipt that is not recorded.
    AwaitingReceipt,
    /// Waits on a companion delivery the record does not hold.
    AwaitingCompanion {
        /// What is missing, in words.
        missing: String,
    },
    /// Not a valid notice (`no-effect`), for this reason.
    NoEffect {
        /// The rule's reason.
        reason: std::sync::Arc<str>,
    },
}

impl Deemed {
    pub(crate) fn instant(&self) -> Option<DateTime<FixedOffset>> {
        match self {
            Deemed::Date { effective_at, .. } => Some(*effective_at),
            Deemed::AwaitingReceipt
            | Deemed::AwaitingCompanion { .. }
            | Deemed::NoEffect { .. } => None,
        }
    }
}

/// Whether a resolution makes a deadline, and by how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineCheck {
    // The fields in the order of their names, the order JSON writes them in.
    /// The deadline.
    #[serde(with = "crate::time::instant")]
    pub by: DateTime<FixedOffset>,
    /// How the deadline was found, when not simply the instant given (a period's last
    /// instant, an agreement's `deadline-roll`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub how: Option<String>,
    /// How far before (positive) or after (negative) the deadline, in seconds.
    pub margin_seconds: Option<i64>,
    /// True when deemed given no later than the deadline; `None` while it waits on receipt.
    pub met: Option<bool>,
}

impl DeadlineCheck {
    /// Compares a resolution with a deadline.
    ///
    /// ```
    /// use chrono::DateTime;
    /// let rules = deemed::Rules::default_rules().unwrap();
    /// let event = deemed::Event { method: "courier".into(),
    ///     sent: Some(DateTime::parse_from_rfc3339("2005-02-24T18:00:00-05:00").unwrap()),
    ///     received: None, to: None, from: None, fax_number: None, companions: Vec::new(), designation: None };
    /// let r = rules.evaluate(&event).unwrap();
    /// let by = DateTime::parse_from_rfc3339("2005-02-26T00:00:00-05:00").unwrap();
    /// let check = deemed::answer::DeadlineCheck::new(&r, by);
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
            how: None,
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
            write!(f, "made: deemed given {by} before {}", self.by.to_rfc3339())?;
        } else {
            write!(
                f,
                "missed: deemed given {by} after {}",
                self.by.to_rfc3339()
            )?;
        }
        if let Some(how) = &self.how {
            write!(f, " ({how})")?;
        }
        Ok(())
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
    pub(crate) fn words(&self, out: &mut impl Words) {
        put(out.text(), &[&"clause ", &self.clause, &": "]);
        for (n, t) in self.failed.iter().enumerate() {
            if n > 0 {
                out.text().push_str(", ");
            }
            t.words(out);
        }
    }
}
