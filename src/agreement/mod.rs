//! The loaded agreement: the checked rules and their compiled `plan`, what the evaluator
//! runs on.
//!
//! Nothing here can be built outside [`crate::check`]: every name is resolved, every time zone
//! is known, every calendar is worked out. The evaluator never sees unchecked rules.

use std::sync::Arc;

pub(crate) mod plan;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use chrono_tz::Tz;

use crate::answer::UnknownName;
use crate::calendar::Calendar;
use crate::syntax::ast::{Cmp, Combinator, DayKind, Nonexistent, Outcome, Roll, RuleKind, Subject};

/// A checked rules file: at most one agreement, and the calendars it may use.
///
/// ```
/// let rules = deemed::Rules::default_rules().unwrap();
/// let agreement = rules.agreement().unwrap();
/// assert_eq!(agreement.time_zone().name(), "America/New_York");
/// assert_eq!(agreement.calendar().name(), "us-ny-banking");
/// ```
#[derive(Debug, Clone)]
pub struct Rules {
    /// Findings that do not stop the rules from working, with the texts they point into.
    pub(crate) warnings: crate::diagnostic::Diagnostics,
    pub(crate) origin: String,
    pub(crate) agreement: Option<Agreement>,
    pub(crate) calendars: Vec<Arc<Calendar>>,
}

/// A checked agreement with its notice clause.
#[derive(Debug, Clone)]
pub struct Agreement {
    pub(crate) title: String,
    pub(crate) dated: Option<NaiveDate>,
    pub(crate) tz: Tz,
    /// The agreement's zone, its offsets kept year by year.
    pub(crate) clock: crate::clock::Clock,
    pub(crate) calendar: Arc<Calendar>,
    pub(crate) business_day: Option<String>,
    pub(crate) methods: Vec<MethodDef>,
    pub(crate) parties: Vec<PartyDef>,
    pub(crate) notice: NoticeDef,
    pub(crate) periods: Vec<crate::agreement::PeriodDef>,
    /// `deadline-roll`: how a deadline whose date is not a Business Day moves, and the words.
    pub(crate) deadline_roll: Option<(crate::syntax::ast::Roll, String)>,
    /// The notice clause compiled: what every command reads of it.
    pub(crate) plan: crate::agreement::plan::Plan,
    /// `id NAME`: its name in a folder of agreements, when the file gives one.
    pub(crate) id: Option<String>,
}

/// A delivery method the agreement knows.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodDef {
    pub(crate) name: String,
    pub(crate) description: String,
}

/// A party and its notice details.
#[derive(Debug, Clone, PartialEq)]
pub struct PartyDef {
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) faxes: Vec<FaxNumber>,
    pub(crate) tz: Option<Tz>,
    /// Its addresses for notices, as written.
    pub(crate) addresses: Vec<String>,
}

/// A facsimile number as written, with its digits for comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct FaxNumber {
    pub(crate) written: String,
    pub(crate) digits: String,
    /// From when it is in force (`None`: from the start).
    pub(crate) from: Option<crate::syntax::ast::When>,
    /// Until when it is in force (`None`: to the end).
    pub(crate) until: Option<crate::syntax::ast::When>,
}

impl FaxNumber {
    /// Whether the number is dated (`from` or `until`).
    pub(crate) fn dated(&self) -> bool {
        self.from.is_some() || self.until.is_some()
    }

    /// Whether it is in force at `at`, read in `tz` for dates (the first and last days
    /// inclusive); an undated number always is, and so is every number at no instant.
    pub(crate) fn in_force(&self, at: Option<DateTime<FixedOffset>>, tz: Tz) -> bool {
        use crate::syntax::ast::When;
        let Some(at) = at else { return true };
        let day = || at.with_timezone(&tz).date_naive();
        let after_from = match self.from {
            None => true,
            Some(When::Date(d)) => day() >= d,
            Some(When::Instant(t)) => at >= t,
        };
        let before_until = match self.until {
            None => true,
            Some(When::Date(d)) => day() <= d,
            Some(When::Instant(t)) => at <= t,
        };
        after_from && before_until
    }

    /// The number with the days it is in force: `(949) 788-6706 until 2001-06-30`.
    pub(crate) fn with_period(&self) -> String {
        let mut text = self.written.clone();
        if let Some(f) = &self.from {
            text.push_str(&format!(" from {f}"));
        }
        if let Some(u) = &self.until {
            text.push_str(&format!(" until {u}"));
        }
        text
    }
}

impl PartyDef {
    /// Whether a number given is one designated for the party at `at`.
    pub(crate) fn designates(
        &self,
        number: &str,
        at: Option<DateTime<FixedOffset>>,
        tz: Tz,
    ) -> bool {
        self.faxes
            .iter()
            .any(|f| f.in_force(at, tz) && same_number(&f.digits, number))
    }

    /// Whether some number is designated for the party at `at`.
    pub(crate) fn has_number_at(&self, at: Option<DateTime<FixedOffset>>, tz: Tz) -> bool {
        self.faxes.iter().any(|f| f.in_force(at, tz))
    }

    /// Whether any of its numbers is dated, so that whether one is designated depends on
    /// the instant.
    pub(crate) fn dated_numbers(&self) -> bool {
        self.faxes.iter().any(FaxNumber::dated)
    }

    /// The numbers in force at `at`, as written.
    pub(crate) fn numbers_at(&self, at: Option<DateTime<FixedOffset>>, tz: Tz) -> Vec<String> {
        (self.faxes.iter())
            .filter(|f| f.in_force(at, tz))
            .map(|f| f.written.clone())
            .collect()
    }
}

/// The notice clause: its rules and how they combine.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeDef {
    pub(crate) title: String,
    pub(crate) combinator: Combinator,
    /// How the answers of a notice's several deliveries combine, and the words that say
    /// so, when the rules declare it (`None`: the earliest).
    pub(crate) deliveries: Option<(Combinator, Arc<str>)>,
    pub(crate) clauses: Vec<RuleDef>,
    pub(crate) gaps: Vec<RuleDef>,
}

/// A checked clause or gap rule.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDef {
    pub(crate) kind: RuleKind,
    pub(crate) label: std::sync::Arc<str>,
    pub(crate) cite: std::sync::Arc<str>,
    pub(crate) conditions: Vec<Cond>,
    pub(crate) outcome: Outcome,
    /// For `no-effect "reason"`: why the notice is not valid.
    pub(crate) reason: Option<std::sync::Arc<str>>,
    /// The calendar the outcome's Business Days are counted on, when not the agreement's.
    pub(crate) outcome_calendar: Option<Arc<Calendar>>,
    /// Its conditions and outcome as the rules file writes them (canonical form).
    pub(crate) written: Arc<str>,
}

/// A checked condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cond {
    /// The method is one of these (indexes into the agreement's methods), as written.
    Method {
        methods: MethodSet,
        /// `Some(labels)` when written `other-than (labels)`.
        other_than: Option<Vec<String>>,
    },
    /// The fax went to a number designated for the recipient.
    DesignatedFax,
    /// Another delivery of the record, by one of these methods, no later than N (Business)
    /// Days after this one's sending.
    Companion {
        methods: MethodSet,
        count: u32,
        business: bool,
    },
    /// A condition on the send or receipt instant.
    Instant {
        subject: Subject,
        bounds: Vec<(Cmp, NaiveTime)>,
        day: Option<(DayKind, Option<Arc<Calendar>>)>,
        zone: ZoneSel,
    },
}

/// A set of methods, one bit per method of the agreement (at most 64).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct MethodSet(pub u64);

impl MethodSet {
    pub fn contains(self, index: usize) -> bool {
        index < 64 && self.0 & (1 << index) != 0
    }

    pub fn insert(&mut self, index: usize) {
        if index < 64 {
            self.0 |= 1 << index;
        }
    }

    pub fn indexes(self) -> impl Iterator<Item = usize> {
        (0..64).filter(move |&n| self.contains(n))
    }
}

/// Whose clock an instant condition reads.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ZoneSel {
    Agreement,
    Fixed(Tz),
    Recipient,
    Sender,
}

impl Rules {
    /// The agreement, if the file has one.
    pub fn agreement(&self) -> Option<&Agreement> {
        self.agreement.as_ref()
    }

    /// The agreement, or the error that says these rules have none.
    pub(crate) fn agreement_or_error(&self) -> Result<&Agreement, crate::answer::EvalError> {
        self.agreement
            .as_ref()
            .ok_or_else(|| crate::answer::EvalError::NoAgreement {
                origin: self.origin.clone(),
            })
    }

    /// Warnings the checker found: the rules work, but these deserve a look.
    pub fn warnings(&self) -> &crate::diagnostic::Diagnostics {
        &self.warnings
    }

    /// Where the rules came from (a path, or the name of the embedded file).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// A calendar by name: the file's own or one of the built-in ones.
    pub fn calendar(&self, name: &str) -> Option<&Calendar> {
        // As written, or else whatever its case (`NYSE`).
        (self.calendars.iter().find(|c| c.name() == name))
            .or_else(|| {
                self.calendars
                    .iter()
                    .find(|c| c.name().eq_ignore_ascii_case(name))
            })
            .map(|c| c.as_ref())
    }

    /// The names of all calendars known to these rules.
    pub fn calendar_names(&self) -> Vec<&str> {
        self.calendars.iter().map(|c| c.name()).collect()
    }

    /// The error for a calendar the rules do not know, with the names and titles of those
    /// they do.
    pub fn unknown_calendar(&self, name: &str) -> UnknownName {
        UnknownName {
            what: "calendar",
            name: name.to_string(),
            known: self
                .calendars
                .iter()
                .map(|c| c.name().to_string())
                .collect(),
            described: self
                .calendars
                .iter()
                .map(|c| c.title().to_string())
                .collect(),
        }
    }

    /// The same rules with the agreement's calendar replaced by `name` (a what-if), as
    /// written or else whatever its case.
    ///
    /// Conditions that name their own calendar keep it.
    pub fn with_calendar(mut self, name: &str) -> Result<Rules, UnknownName> {
        let found = (self.calendars.iter().find(|c| c.name() == name)).or_else(|| {
            self.calendars
                .iter()
                .find(|c| c.name().eq_ignore_ascii_case(name))
        });
        let Some(cal) = found.cloned() else {
            return Err(self.unknown_calendar(name));
        };
        if let Some(a) = self.agreement.as_mut() {
            a.calendar = cal;
            a.plan = crate::agreement::plan::Plan::compile(&a.notice, &a.calendar);
        }
        Ok(self)
    }
}

impl Agreement {
    /// The agreement's name.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The date the agreement is dated as of.
    pub fn dated(&self) -> Option<NaiveDate> {
        self.dated
    }

    /// The last second of a date on the agreement's clock ("by March 6": by the end of it).
    pub fn last_instant_of(
        &self,
        date: NaiveDate,
    ) -> Option<chrono::DateTime<chrono::FixedOffset>> {
        let next = date.succ_opt()?;
        Some(self.clock.start_of_day(next)? - chrono::Duration::seconds(1))
    }

    /// The agreement's time zone.
    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// The Business Day calendar.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// The words that define a Business Day, as the rules file quotes them.
    pub fn business_day_definition(&self) -> Option<&str> {
        self.business_day.as_deref()
    }

    /// The names of the delivery methods.
    pub fn method_names(&self) -> Vec<&str> {
        self.methods.iter().map(|m| m.name.as_str()).collect()
    }

    /// A method's description.
    pub fn method_description(&self, name: &str) -> Option<&str> {
        self.methods
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.description.as_str())
    }

    /// The names of the parties.
    pub fn party_names(&self) -> Vec<&str> {
        self.parties.iter().map(|p| p.name.as_str()).collect()
    }

    /// A party's name as the agreement writes it.
    pub fn party_title(&self, name: &str) -> Option<&str> {
        self.parties
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.title.as_str())
    }

    /// A party's own time zone, when the rules give one (`in recipient-time` reads it).
    pub fn party_time_zone(&self, name: &str) -> Option<Tz> {
        self.parties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.tz)
    }

    /// A party's designated facsimile numbers, as written.
    pub fn party_faxes(&self, name: &str) -> Option<Vec<&str>> {
        self.parties
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.faxes.iter().map(|f| f.written.as_str()).collect())
    }

    /// The numbers designated for a party at an instant: those in force then.
    pub fn party_faxes_at(&self, name: &str, at: DateTime<FixedOffset>) -> Option<Vec<String>> {
        self.parties
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.numbers_at(Some(at), self.tz))
    }

    /// The notice section's title.
    pub fn notice_title(&self) -> &str {
        &self.notice.title
    }

    /// The clause labels in order.
    pub fn clause_labels(&self) -> Vec<&str> {
        self.notice.clauses.iter().map(|c| &*c.label).collect()
    }

    pub(crate) fn method_index(&self, name: &str) -> Result<usize, UnknownName> {
        // Logs written by other systems say `FAX` as often as `fax`; the name as written is
        // tried first, as it is the common case and the cheaper comparison.
        let methods = || self.methods.iter().map(|m| m.name.as_str());
        find_name(methods, name).ok_or_else(|| UnknownName {
            what: "method",
            name: name.to_string(),
            known: self.methods.iter().map(|m| m.name.clone()).collect(),
            described: self.methods.iter().map(|m| m.description.clone()).collect(),
        })
    }

    pub(crate) fn party_index(&self, name: &str) -> Result<usize, UnknownName> {
        let parties = || self.parties.iter().map(|p| p.name.as_str());
        find_name(parties, name).ok_or_else(|| UnknownName {
            what: "party",
            name: name.to_string(),
            known: self.parties.iter().map(|p| p.name.clone()).collect(),
            described: self.parties.iter().map(|p| p.title.clone()).collect(),
        })
    }
}

/// Where `name` is among `names`, as written or else whatever its case.
fn find_name<'a, I: Iterator<Item = &'a str>>(names: impl Fn() -> I, name: &str) -> Option<usize> {
    names()
        .position(|n| n == name)
        .or_else(|| names().position(|n| n.eq_ignore_ascii_case(name)))
}

/// Whether a number as given has the designated digits (as [`crate::fax_digits`] reads it),
/// without building the digit string.
pub(crate) fn same_number(designated_digits: &str, given: &str) -> bool {
    let digits = || given.bytes().filter(u8::is_ascii_digit);
    let count = digits().count();
    let skip = usize::from(count == 11 && digits().next() == Some(b'1'));
    count - skip == designated_digits.len() && digits().skip(skip).eq(designated_digits.bytes())
}

/// The digits of a telephone number, without a leading North American country code `1`.
///
/// ```
/// assert_eq!(deemed::fax_digits("(949) 788-6706"), deemed::fax_digits("+1 949.788.6706"));
/// ```
pub fn fax_digits(written: &str) -> String {
    let digits: String = written.chars().filter(|c| c.is_ascii_digit()).collect();
    match digits.strip_prefix('1') {
        Some(rest) if digits.len() == 11 => rest.to_string(),
        _ => digits,
    }
}

/// A checked period.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodDef {
    pub(crate) name: String,
    pub(crate) cite: String,
    pub(crate) anchor: String,
    pub(crate) anchor_words: String,
    pub(crate) length: crate::syntax::ast::Length,
    pub(crate) start_inclusive: bool,
    pub(crate) end_inclusive: bool,
    pub(crate) roll: Roll,
    pub(crate) nonexistent: Nonexistent,
    pub(crate) reading: Option<String>,
    /// `closes-at`: the time of its last day it closes at, that instant included, and the
    /// zone (`None`: the agreement's).
    pub(crate) closes_at: Option<(chrono::NaiveTime, Option<chrono_tz::Tz>)>,
    /// `anchor period NAME`: it runs from that period's last day (`anchor` is its name).
    pub(crate) anchor_period: Option<crate::syntax::ast::Name>,
    /// `unless-notice-by NAME length ...`: the period whose deadline a notice must meet, the
    /// length when it does not, and the words.
    pub(crate) unless_notice_by:
        Option<(crate::syntax::ast::Name, crate::syntax::ast::Length, String)>,
}

impl PeriodDef {
    /// The periods it depends on: the one it runs from, the one whose deadline decides it.
    pub(crate) fn depends_on(&self) -> Vec<&crate::syntax::ast::Name> {
        self.anchor_period
            .iter()
            .chain(self.unless_notice_by.as_ref().map(|(n, ..)| n))
            .collect()
    }

    /// The period's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name of the event it runs from.
    pub fn anchor(&self) -> &str {
        &self.anchor
    }

    /// What the anchor event is, in the rules' words.
    pub fn anchor_words(&self) -> &str {
        &self.anchor_words
    }
}
