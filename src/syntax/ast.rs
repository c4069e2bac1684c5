//! The syntax tree of a rules file, exactly as written.
//!
//! Every node that a later stage may report on carries a [`Span`]. Spans are kept out of
//! equality, so two trees that differ only in layout compare equal (`parse(fmt(x)) == parse(x)`).

use chrono::{NaiveDate, NaiveTime, Weekday};

/// A byte range in one source text.
#[derive(Debug, Clone, Copy, Default, Eq)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl PartialEq for Span {
    /// Spans never take part in comparing trees.
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl Span {
    /// A span covering `start..end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}

/// A node with the place it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The node.
    pub node: T,
    /// Where it stands in the source.
    pub span: Span,
}

/// Hashed by its node alone, as it is compared (spans are kept out of equality).
impl<T: std::hash::Hash> std::hash::Hash for Spanned<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.node.hash(state);
    }
}

/// A name such as `strong-river`, `us-ny-banking` or the clause label `ii`.
pub type Name = Spanned<String>;

/// A whole rules file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct File {
    /// The top-level items in source order.
    pub items: Vec<Item>,
}

/// A top-level item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// `agreement "..." { ... }`
    Agreement(AgreementBlock),
    /// `calendar name "..." { ... }`
    Calendar(CalendarBlock),
}

/// `agreement "title" { ... }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementBlock {
    /// The agreement's name as the parties wrote it.
    pub title: Spanned<String>,
    /// Its declarations in source order.
    pub items: Vec<AgreementItem>,
    /// The keyword `agreement` through the closing brace.
    pub span: Span,
}

/// One declaration inside an agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgreementItem {
    /// `id spa-2000`: the agreement's name in a folder of agreements (without it, its
    /// file's name).
    Id(Name),
    /// `dated 2000-02-25`
    Dated(Spanned<NaiveDate>),
    /// `time-zone "America/New_York"`
    TimeZone(Spanned<String>),
    /// `calendar us-ny-banking`
    Calendar(Name),
    /// `business-day "..."`: the words that define a Business Day.
    BusinessDay(Spanned<String>),
    /// `cite "..."`
    Cite(Spanned<String>),
    /// `method fax "delivered via facsimile"`
    Method(Method),
    /// `party company "NeoTherapeutics, Inc." { ... }`
    Party(Party),
    /// `notice "4.2" earliest-of { ... }`
    Notice(Notice),
    /// `period warrant "..." { ... }`
    Period(Period),
    /// `deadline-roll following "words"`: a deadline (a `--by`, a `--deadline`) whose date
    /// is not a Business Day moves as the rule says.
    DeadlineRoll(Spanned<Roll>, Spanned<String>),
}

/// `period name "words" { period-item* }`: a window of time after an anchor event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// The name used on the command line.
    pub name: Name,
    /// The contract words it encodes.
    pub cite: Spanned<String>,
    /// Its declarations in source order.
    pub items: Vec<PeriodItem>,
    /// The keyword through the closing brace.
    pub span: Span,
}

/// One declaration of a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodItem {
    /// `anchor issued "the date of issue"`: the event the period runs from.
    Anchor(Name, Spanned<String>),
    /// `length 5 years`, or `length 1 business-day before`: how far the end lies from the
    /// anchor, and whether before it (a deadline) rather than after.
    Length(Spanned<Length>),
    /// `start inclusive|exclusive`: whether the anchor's own day is in the period.
    Start(Spanned<bool>),
    /// `end inclusive|exclusive`: whether the day N units after is in the period.
    End(Spanned<bool>),
    /// `roll none|following|preceding|modified-following`
    Roll(Spanned<Roll>),
    /// `nonexistent error|round-down|round-up`: February 29 plus a year, January 31 plus a month.
    Nonexistent(Spanned<Nonexistent>),
    /// `reading "..."`: the reading encoded, in words.
    Reading(Spanned<String>),
    /// `closes-at 17:00:00 [in "Zone"]`: the period closes at that time of its last day
    /// ("no later than 5:00 p.m."), that instant included.
    ClosesAt {
        /// The time of day.
        time: Spanned<NaiveTime>,
        /// The zone, when not the agreement's.
        zone: Option<Spanned<String>>,
    },
    /// `anchor period expiry "words"`: the period runs from another period's last day.
    AnchorPeriod(Name, Spanned<String>),
    /// `unless-notice-by notice-deadline length 120 days "words"`: when no notice is
    /// deemed given by that period's deadline, the length is this one instead.
    UnlessNoticeBy {
        /// The period whose deadline the notice must meet.
        deadline: Name,
        /// The length that holds then.
        length: Spanned<Length>,
        /// The contract words.
        words: Spanned<String>,
    },
}

/// The month names of the rule language, January first.
pub const MONTH_NAMES: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The weekday names of the rule language.
pub const WEEKDAY_NAMES: [(&str, Weekday); 7] = [
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
];

/// A period's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Length {
    /// How many units.
    pub count: u32,
    /// Of what.
    pub unit: PeriodUnit,
    /// `before`: the end lies before the anchor (the period is a deadline with no start).
    pub before: bool,
}

/// A unit of a period's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodUnit {
    /// Calendar years.
    Years,
    /// Calendar months.
    Months,
    /// Calendar days.
    Days,
    /// Business Days on the agreement's calendar.
    BusinessDays,
}

/// Where a period's last day goes when it is not a Business Day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Roll {
    /// It stays.
    None,
    /// To the next Business Day.
    Following,
    /// To the Business Day before.
    Preceding,
    /// To the next Business Day, unless that is in the next month: then the one before.
    ModifiedFollowing,
}

/// What to do with a date that does not exist (February 29 plus one year).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nonexistent {
    /// Refuse, asking the author to choose.
    Error,
    /// The last day of the month (February 28).
    RoundDown,
    /// The first day of the next month (March 1).
    RoundUp,
}

/// `method name "description"`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method {
    /// The name used on the command line and in clauses.
    pub name: Name,
    /// What the method is, in the agreement's words.
    pub description: Spanned<String>,
}

/// `party name "title" { ... }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// The name used on the command line.
    pub name: Name,
    /// The party's name as written in the agreement.
    pub title: Spanned<String>,
    /// Its notice details.
    pub items: Vec<PartyItem>,
}

/// One notice detail of a party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartyItem {
    /// `fax "(949) 788-6706"`: a designated facsimile number, with the days it is in force
    /// when the file gives them (`from 2001-07-01`, `until 2001-06-30`).
    Fax(Spanned<String>, InForce),
    /// `time-zone "America/Los_Angeles"`: the recipient's own time.
    TimeZone(Spanned<String>),
    /// `address "..."`
    Address(Spanned<String>),
    /// `cite "..."`
    Cite(Spanned<String>),
}

/// When a designated number is in force: from and until a date (in the agreement's time
/// zone, both days inclusive) or an instant; either may be left open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InForce {
    /// `from WHEN`
    pub from: Option<Spanned<When>>,
    /// `until WHEN`
    pub until: Option<Spanned<When>>,
}

/// A day, or an instant, that a number comes into or goes out of force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// A date in the agreement's time zone: from its first instant, or until its last.
    Date(NaiveDate),
    /// An instant in RFC 3339.
    Instant(chrono::DateTime<chrono::FixedOffset>),
}

impl std::fmt::Display for When {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            When::Date(d) => write!(f, "{d}"),
            When::Instant(t) => write!(f, "{}", t.to_rfc3339()),
        }
    }
}

/// `notice "title" combinator { rule* }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The section the notice clause stands in.
    pub title: Spanned<String>,
    /// How the results of several applicable clauses combine.
    pub combinator: Spanned<Combinator>,
    /// The clauses and gap rules in source order.
    pub rules: Vec<Rule>,
    /// `deliveries` lines: how the answers of a notice given several ways combine (at most
    /// one is allowed; the checker says so of a second).
    pub deliveries: Vec<DeliveriesLine>,
}

/// `deliveries combinator string`: how the deliveries of one notice combine, and the words
/// that say so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveriesLine {
    /// How they combine.
    pub combinator: Spanned<Combinator>,
    /// The contract words (or the reading) it encodes.
    pub cite: Spanned<String>,
    /// The whole line.
    pub span: Span,
}

/// An item of a notice block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeItem {
    /// A clause or gap rule.
    Rule(Rule),
    /// A `deliveries` line.
    Deliveries(DeliveriesLine),
}

/// How several applicable clauses combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combinator {
    /// `earliest-of`: the earliest result wins.
    EarliestOf,
    /// `latest-of`: the latest result wins.
    LatestOf,
    /// `first-of`: the first applicable clause in source order wins.
    FirstOf,
}

/// Whether a rule is one of the contract's clauses or a declared gap policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// `clause`: the contract's own words.
    Clause,
    /// `gap`: what to do where no clause applies literally.
    Gap,
}

/// `clause i "..." when ... => ...` or `gap name "..." when ... => ...`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Clause or gap rule.
    pub kind: RuleKind,
    /// The label: the agreement's own (`i`, `ii`) for clauses.
    pub label: Name,
    /// The contract words it encodes (for a gap rule, the hole it fills).
    pub cite: Spanned<String>,
    /// All must hold for the rule to apply.
    pub conditions: Vec<Spanned<Condition>>,
    /// What the rule makes the deemed date.
    pub outcome: Spanned<Outcome>,
    /// For `no-effect "reason"`: why the notice is not valid.
    pub reason: Option<Spanned<String>>,
    /// `N business-days of NAME after ...`: the calendar the outcome steps on, when not the
    /// agreement's.
    pub outcome_calendar: Option<Name>,
    /// The keyword through the outcome.
    pub span: Span,
}

/// One condition of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `method fax or courier`
    Method(Vec<Name>),
    /// `method other-than (i, ii, iii)`: any method not covered by those clauses.
    MethodOtherThan(Vec<Name>),
    /// `to designated-fax`
    DesignatedFax,
    /// `sent after 20:00 and before 23:59 on any-day in "America/New_York"`
    Instant(InstantCondition),
    /// `companion mail or confirmation within 2 business-days`: the record also holds a
    /// delivery by one of these methods, sent no later than N (Business) Days after this one.
    Companion {
        /// The methods that count.
        methods: Vec<Name>,
        /// How many days.
        count: Spanned<u32>,
        /// Business Days rather than calendar days.
        business: bool,
    },
}

/// A condition on the send or receipt instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstantCondition {
    /// Which instant.
    pub subject: Subject,
    /// Time-of-day bounds; all must hold.
    pub bounds: Vec<Bound>,
    /// The kind of day, if constrained.
    pub day: Option<DayCondition>,
    /// Whose clock; the agreement's time zone when absent.
    pub zone: Option<Spanned<ZoneRef>>,
}

/// The instant a condition or outcome speaks of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    /// When the notice was sent (transmitted, mailed, deposited).
    Sent,
    /// When the notice was actually received.
    Received,
}

/// `before 20:00`, `on-or-after 23:59:00`, ...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    /// The comparison, with its edge.
    pub cmp: Cmp,
    /// The time of day.
    pub time: Spanned<NaiveTime>,
}

/// A comparison of a time of day against a bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cmp {
    /// `before`: strictly earlier ("prior to", "earlier than").
    Before,
    /// `on-or-before`: earlier or equal ("on or prior to").
    OnOrBefore,
    /// `after`: strictly later ("later than").
    After,
    /// `on-or-after`: later or equal.
    OnOrAfter,
    /// `at`: exactly, to the second.
    At,
}

impl Cmp {
    /// The comparison as the rule language writes it: `before`, `on-or-before`, ...
    pub fn word(self) -> &'static str {
        match self {
            Cmp::Before => "before",
            Cmp::OnOrBefore => "on-or-before",
            Cmp::After => "after",
            Cmp::OnOrAfter => "on-or-after",
            Cmp::At => "at",
        }
    }
}

/// `on business-day of us-ny-banking`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCondition {
    /// Which days.
    pub kind: Spanned<DayKind>,
    /// The calendar; the agreement's when absent.
    pub calendar: Option<Name>,
}

/// A kind of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// `business-day`
    BusinessDay,
    /// `non-business-day`
    NonBusinessDay,
    /// `any-day`
    AnyDay,
}

/// Whose clock a condition reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneRef {
    /// An IANA time zone name.
    Named(String),
    /// `recipient-time`: the time zone declared for the recipient.
    Recipient,
    /// `sender-time`: the time zone declared for the sender.
    Sender,
}

/// What an applicable rule makes the deemed date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `upon receipt`: the instant of actual receipt.
    UponReceipt,
    /// `same-day [of sent|received]`: the date of that instant.
    SameDay(Subject),
    /// `next business-day [after ...]` or `N business-days after ...`.
    BusinessDaysAfter(u32, Subject),
    /// `N days after ...`: calendar days.
    DaysAfter(u32, Subject),
    /// `no-effect "reason"`: not a valid notice (the reason is the rule's
    /// [`Rule::reason`]).
    NoEffect,
}

/// `calendar name "title" { ... }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarBlock {
    /// The name agreements refer to.
    pub name: Name,
    /// What the calendar is.
    pub title: Spanned<String>,
    /// Its declarations in source order.
    pub items: Vec<CalendarItem>,
    /// The keyword `calendar` through the closing brace.
    pub span: Span,
}

/// One declaration inside a calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarItem {
    /// `source "..."`: where the schedule comes from.
    Source(Spanned<String>),
    /// `years 1971 through 2100`: the supported range.
    Years(Spanned<(i32, i32)>),
    /// `weekend saturday, sunday`
    Weekend(Vec<Spanned<Weekday>>),
    /// `include us-ny-banking`: start from another calendar.
    Include(Name),
    /// `holiday "Labor Day" on first monday of september`
    Holiday(Holiday),
    /// `shift sunday => following monday`: where a holiday on that weekday is observed.
    Shift(Spanned<Shift>),
    /// `closed 2001-09-11 through 2001-09-14 "reason"`
    Closed(Closure),
    /// `open 2021-06-18 "reason"`: remove a closed date.
    Open(Closure),
}

/// `holiday "name" on rule [from Y] [through Y] [unshifted [on weekday, ...] | observed
/// shift, ... | substitute [on weekday, ...]]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    /// The holiday's name.
    pub name: Spanned<String>,
    /// How its date is found each year.
    pub rule: Spanned<DateRule>,
    /// First year it exists.
    pub from: Option<Spanned<i32>>,
    /// Last year it exists.
    pub through: Option<Spanned<i32>>,
    /// `unshifted`: the calendar's shift rules do not move it (from any weekday, or only
    /// from the weekdays listed after `on`).
    pub unshifted: Unshifted,
    /// `observed sunday => following monday, ...`: the holiday's own shift rules, which
    /// replace the calendar's for it.
    pub observed: Vec<Spanned<Shift>>,
    /// `substitute [on saturday, sunday]`: on those weekdays (the calendar's weekend days
    /// when none are listed) the holiday is also observed on the next day that is neither a
    /// weekend day nor a day another holiday already takes.
    pub substitute: Option<Spanned<Vec<Spanned<Weekday>>>>,
}

/// Which of a holiday's weekdays the calendar's shift rules leave alone.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Unshifted {
    /// None: the shift rules apply.
    #[default]
    No,
    /// All: `unshifted`.
    Always,
    /// `unshifted on saturday`: those weekdays only.
    On(Vec<Spanned<Weekday>>),
}

impl Unshifted {
    /// Whether a holiday on `day` stays where it falls.
    pub fn keeps(&self, day: Weekday) -> bool {
        match self {
            Unshifted::No => false,
            Unshifted::Always => true,
            Unshifted::On(days) => days.iter().any(|d| d.node == day),
        }
    }
}

/// How a holiday's date is found in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateRule {
    /// `july 4`
    Fixed {
        /// 1 to 12.
        month: u32,
        /// 1 to 31.
        day: u32,
    },
    /// `third monday of january`, `last monday of may`
    Nth {
        /// 1 to 5, or `None` for the last.
        nth: Option<u8>,
        /// The weekday.
        weekday: Weekday,
        /// 1 to 12.
        month: u32,
    },
    /// `easter -2`: days from Western Easter Sunday.
    Easter(i32),
    /// `monday before may 25`, `first monday after august 1`: the `nth` such weekday
    /// counted from a fixed date, away from it.
    Relative {
        /// 1 to 5.
        nth: u8,
        /// The weekday.
        weekday: Weekday,
        /// Which way, and whether the date itself counts.
        relation: Relation,
        /// 1 to 12.
        month: u32,
        /// 1 to 31.
        day: u32,
    },
}

/// Where a [`DateRule::Relative`] counts from its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// `before`: strictly earlier.
    Before,
    /// `on-or-before`: the date itself or earlier.
    OnOrBefore,
    /// `after`: strictly later.
    After,
    /// `on-or-after`: the date itself or later.
    OnOrAfter,
}

impl Relation {
    /// The word written in the rule language.
    pub fn word(self) -> &'static str {
        match self {
            Relation::Before => "before",
            Relation::OnOrBefore => "on-or-before",
            Relation::After => "after",
            Relation::OnOrAfter => "on-or-after",
        }
    }
}

/// `shift saturday => preceding friday`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shift {
    /// A holiday falling on this weekday...
    pub from: Weekday,
    /// ...is observed on the nearest such weekday...
    pub to: Weekday,
    /// ...after (`following`) or before (`preceding`) it.
    pub following: bool,
}

/// `closed FROM [through TO] "reason"` or `open DATE "reason"`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    /// The first date.
    pub from: Spanned<NaiveDate>,
    /// The last date, if a range.
    pub through: Option<Spanned<NaiveDate>>,
    /// Why, with its source.
    pub reason: Spanned<String>,
}
