//! The compiled notice clause: the one place that says what a rule means.
//!
//! A notice clause is compiled, when the rules are loaded, into a partition of the space of
//! events into *cells*. A cell fixes every fact a condition can read:
//!
//! - the method and the recipient;
//! - what is known of the fax number ([`Fax`]): no recipient, none designated, none given,
//!   designated, or not designated;
//! - for every *clock* a condition reads (an instant, `sent` or `received`, on a zone: the
//!   agreement's, a named one, or the recipient's), where the time of day falls among the
//!   cut-offs the conditions name on that clock (each cut-off is a place of its own, and so
//!   is each interval between, to the second), and whether the day is a business day on
//!   each calendar named on that clock; or that the instant is not recorded (a receipt).
//!
//! [`Plan::holds`] says whether one test of a condition holds in a cell, and nothing else
//! does: [`Plan::decide`] (the rules that apply, or the gap rule that decides), the trace's
//! explanation, `lint`'s table, `check`'s "can never apply" and `latest-send`'s walk all
//! read it. [`Plan::locate`] finds an event's cell; [`Plan::deem`] computes an outcome's
//! date on the clock the deciding rule reads; [`Plan::pick`] applies the combinator. The
//! clause is compiled in [`compile`].

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use chrono_tz::Tz;

use crate::agreement::{Agreement, Cond, MethodSet, NoticeDef, PartyDef, RuleDef, ZoneSel};
use crate::answer::{EvalError, Warning};
use crate::calendar::{Calendar, OutOfRange};
use crate::clock::Clock;
use crate::syntax::ast::{Cmp, Combinator, DayKind, Outcome, Subject};

mod compile;
mod never;
mod outcome;

pub(crate) use never::never_holds;
pub(crate) use outcome::runs_from;

/// The compiled notice clause of an agreement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    /// The clocks the conditions read, each once.
    pub(crate) clocks: Vec<ClockAxis>,
    /// The clauses, then the gap rules, compiled.
    pub(crate) rules: Vec<RulePlan>,
    /// How many of `rules` are clauses.
    pub(crate) clauses: usize,
    /// How the clauses that apply combine.
    pub(crate) combinator: Combinator,
    /// How the answers of a notice's several deliveries combine, with the words that say
    /// so (see [`crate::Rules::answer`]); `None`: the earliest, the default.
    pub(crate) deliveries: Option<(Combinator, Arc<str>)>,
    /// A clock per zone other than the agreement's that a rule may read.

    /// The companion deliveries the conditions ask for, each once.
    pub(crate) companions: Vec<CompanionAxis>,
}

/// A companion delivery a condition asks for: by one of these methods, no later than N
/// (Business) Days after the delivery's own date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CompanionAxis {
    pub(crate) methods: MethodSet,
    pub(crate) count: u32,
    pub(crate) business: bool,
}

/// What an event's record holds of a companion delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum CompanionFact {
    /// None by those methods is recorded: a rule that needs it waits.
    NotRecorded,
    /// One is, in time.
    InTime,
    /// Those recorded came too late.
    Late,
}

/// An instant read on one clock, and what the conditions ask of it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClockAxis {
    /// Which instant.
    pub(crate) subject: Subject,
    /// On whose clock.
    pub(crate) zone: ZoneSel,
    /// Every time of day the conditions on this clock compare with, sorted, each once.
    pub(crate) cutoffs: Vec<NaiveTime>,
    /// Every calendar they ask about the day, each once.
    pub(crate) calendars: Vec<Arc<Calendar>>,
}

/// A compiled clause or gap rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RulePlan {
    /// Its conditions, in the order written.
    pub(crate) conds: Vec<CondPlan>,
    /// The clock its outcome's date is read on: the zone of its first condition on the
    /// instant the outcome runs from (an index into [`Plan::clocks`]), or the agreement's.
    pub(crate) outcome_clock: Option<usize>,
    /// Its outcome.
    pub(crate) outcome: Outcome,
    /// For `no-effect`: why the notice is not valid.
    pub(crate) reason: Option<Arc<str>>,
    /// The calendar its Business Days are counted on, when not the agreement's.
    pub(crate) outcome_calendar: Option<Arc<Calendar>>,
}

/// A compiled condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CondPlan {
    /// The method is one of these.
    Method(MethodSet),
    /// The fax went to a number designated for the recipient.
    DesignatedFax,
    /// A companion delivery (an index into [`Plan::companions`]).
    Companion(usize),
    /// A condition on an instant read on a clock.
    Instant {
        /// The clock (an index into [`Plan::clocks`]).
        clock: usize,
        /// Each bound, with the place of its time among the clock's cut-offs.
        bounds: Vec<(Cmp, usize)>,
        /// The kind of day wanted, on a calendar (an index into the clock's calendars).
        day: Option<(DayKind, usize)>,
    },
}

/// One test of a condition: what [`Plan::holds`] decides in a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Atom {
    /// The method is one of these.
    Method(MethodSet),
    /// The fax went to a number designated for the recipient (or is assumed to have).
    DesignatedFax,
    /// The clock's instant is recorded (a receipt may not be).
    Recorded(usize),
    /// The time of day on a clock compares so with the cut-off at this place.
    Bound(usize, Cmp, usize),
    /// The day on a clock is of this kind on the calendar at this place.
    Day(usize, DayKind, usize),
    /// The companion delivery at this place is recorded in time.
    Companion(usize),
}

impl CondPlan {
    /// The condition's tests, in the order they are read: for an instant, first that it is
    /// recorded, then each bound, then the day.
    pub(crate) fn atoms(&self) -> impl Iterator<Item = Atom> + '_ {
        let (head, bounds, day) = match self {
            CondPlan::Method(set) => (Atom::Method(*set), None, None),
            CondPlan::DesignatedFax => (Atom::DesignatedFax, None, None),
            CondPlan::Companion(k) => (Atom::Companion(*k), None, None),
            CondPlan::Instant { clock, bounds, day } => (
                Atom::Recorded(*clock),
                Some((*clock, bounds)),
                day.map(|(kind, cal)| Atom::Day(*clock, kind, cal)),
            ),
        };
        let bounds = bounds.into_iter().flat_map(|(clock, bounds)| {
            bounds
                .iter()
                .map(move |(cmp, cut)| Atom::Bound(clock, *cmp, *cut))
        });
        std::iter::once(head).chain(bounds).chain(day)
    }
}

/// The parties at either end of an event, as the clocks read their zones.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Ends<'a> {
    /// The recipient.
    pub(crate) to: Option<&'a PartyDef>,
    /// The sender.
    pub(crate) from: Option<&'a PartyDef>,
}

impl<'a> Ends<'a> {
    /// The recipient alone.
    pub(crate) fn to(to: Option<&'a PartyDef>) -> Ends<'a> {
        Ends { to, from: None }
    }
}

/// What is known of the fax number of an event, for its recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Fax {
    /// No recipient is given: the designated number is assumed (with a warning).
    NoRecipient,
    /// The recipient has no designated number.
    NoneDesignated,
    /// No number is given: a designated one is assumed (with a warning).
    NotGiven,
    /// The number given is one designated for the recipient.
    Designated,
    /// The number given is not.
    NotDesignated,
}

impl Fax {
    /// What is known, from the recipient, whether a number is given, and whether it is one
    /// designated for the recipient.
    ///
    /// `none_in_force`: the recipient has no number in force at the instant (dated numbers
    /// all out of force), as if it had none.
    pub(crate) fn of(
        party: Option<&PartyDef>,
        given: bool,
        designated: bool,
        none_in_force: bool,
    ) -> Fax {
        match party {
            None => Fax::NoRecipient,
            Some(p) if p.faxes.is_empty() || none_in_force => Fax::NoneDesignated,
            Some(_) if !given => Fax::NotGiven,
            Some(_) if designated => Fax::Designated,
            Some(_) => Fax::NotDesignated,
        }
    }
}

/// Where an instant falls on a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Place {
    /// Twice the number of cut-offs before the time of day, plus one when it is a cut-off:
    /// 0 before the first, 1 at it, 2 between it and the second, and so on.
    pub(crate) span: u32,
    /// A bit per calendar of the clock (in its order): set for a business day.
    pub(crate) days: u32,
}

/// A cell of the space of events: every fact a condition reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Cell {
    /// The method (an index into the agreement's methods).
    pub(crate) method: usize,
    /// The recipient (an index into its parties).
    pub(crate) party: Option<usize>,
    /// The sender (an index into its parties).
    pub(crate) sender: Option<usize>,
    /// What is known of the fax number.
    pub(crate) fax: Fax,
    /// Whether a receipt is recorded (an outcome may wait on it).
    pub(crate) received: bool,
    /// Per clock, where its instant falls; `None` when it is not recorded.
    pub(crate) places: Vec<Option<Place>>,
    /// Per companion the conditions ask for, what the record holds of it.
    pub(crate) companions: Vec<CompanionFact>,
}

/// An event as the plan reads it: its cell, and what each clock showed.
#[derive(Debug, Clone)]
pub(crate) struct Located {
    /// The cell.
    pub(crate) cell: Cell,
    /// Per clock, its wall-clock time (to the second) and zone; `None` when not recorded.
    pub(crate) reads: Vec<Option<(NaiveDateTime, Tz)>>,
}

/// Which rules apply in a cell, and which decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decision {
    /// The clauses that apply, in the order written (indexes into the clauses).
    pub(crate) applies: Vec<usize>,
    /// When none does: the first gap rule that applies (an index into the gap rules).
    pub(crate) gap: Option<usize>,
    /// The clauses among `applies` that wait on a companion delivery not recorded.
    pub(crate) waiting: Vec<usize>,
    /// The assumptions of the rules that decide (the clauses that apply, or the gap rule),
    /// in the order they were made.
    pub(crate) assumptions: Vec<Warning>,
}

/// Bounds are exact to the second, as the contract words are: a fraction is dropped.
pub(crate) fn whole_seconds(t: NaiveDateTime) -> NaiveDateTime {
    t.with_nanosecond(0).unwrap_or(t)
}

impl ClockAxis {
    /// The place of a time of day among the cut-offs (see [`Place::span`]).
    pub(crate) fn span_of(&self, time: NaiveTime) -> u32 {
        let below = self.cutoffs.partition_point(|c| *c < time);
        let at = self.cutoffs.get(below).is_some_and(|c| *c == time);
        (2 * below + usize::from(at)) as u32
    }

    /// The number of places a time of day can take.
    pub(crate) fn spans(&self) -> u32 {
        2 * self.cutoffs.len() as u32 + 1
    }

    /// The business-day bits of a date on the clock's calendars.
    pub(crate) fn days_of(&self, date: NaiveDate) -> Result<u32, OutOfRange> {
        let mut days = 0;
        for (n, cal) in self.calendars.iter().enumerate() {
            days |= u32::from(cal.is_business_day(date)?) << n;
        }
        Ok(days)
    }

    /// The first and last second of the day at a place among the cut-offs; `None` for an
    /// interval with no second in it (between cut-offs a second apart, before a cut-off at
    /// midnight, after one at 23:59:59).
    pub(crate) fn span_seconds(&self, span: u32) -> Option<(u32, u32)> {
        let second = |n: usize| self.cutoffs.get(n).map(|c| c.num_seconds_from_midnight());
        let k = (span / 2) as usize;
        if span % 2 == 1 {
            let at = second(k)?;
            return Some((at, at));
        }
        let from = match k.checked_sub(1) {
            None => 0,
            Some(before) => second(before)? + 1,
        };
        let to = match second(k) {
            Some(at) => at.checked_sub(1)?,
            None => 86_399,
        };
        (from <= to).then_some((from, to))
    }
}

/// Whether a cut-off place compares so with a place of the time of day.
fn compares(span: u32, cmp: Cmp, cut: usize) -> bool {
    let at = 2 * cut as u32 + 1;
    match cmp {
        Cmp::Before => span < at,
        Cmp::OnOrBefore => span <= at,
        Cmp::After => span > at,
        Cmp::OnOrAfter => span >= at,
        Cmp::At => span == at,
    }
}

/// Whether a day with a calendar's business-day bit is of a kind.
fn day_is(kind: DayKind, business_day: bool) -> bool {
    match kind {
        DayKind::BusinessDay => business_day,
        DayKind::NonBusinessDay => !business_day,
        DayKind::AnyDay => true,
    }
}

impl Plan {
    /// The compiled rule at a place among the clauses then the gap rules.
    pub(crate) fn rule(&self, n: usize) -> Option<&RulePlan> {
        self.rules.get(n)
    }

    /// The compiled gap rules.
    pub(crate) fn gaps(&self) -> &[RulePlan] {
        self.rules.get(self.clauses..).unwrap_or(&[])
    }

    /// Whether a test holds in a cell: the one reading of what a condition means.
    pub(crate) fn holds(&self, atom: Atom, cell: &Cell) -> bool {
        match atom {
            Atom::Method(set) => set.contains(cell.method),
            Atom::DesignatedFax => match cell.fax {
                Fax::NoRecipient | Fax::NotGiven | Fax::Designated => true,
                Fax::NoneDesignated | Fax::NotDesignated => false,
            },
            Atom::Recorded(clock) => cell.places.get(clock).is_some_and(Option::is_some),
            Atom::Bound(clock, cmp, cut) => match cell.places.get(clock) {
                Some(Some(place)) => compares(place.span, cmp, cut),
                _ => false,
            },
            Atom::Day(clock, kind, cal) => match cell.places.get(clock) {
                Some(Some(place)) => day_is(kind, place.days >> cal & 1 == 1),
                _ => false,
            },
            Atom::Companion(k) => cell.companions.get(k) == Some(&CompanionFact::InTime),
        }
    }

    /// Whether a rule would apply but waits on a companion delivery not recorded: every
    /// other test holds, and each companion it asks for is recorded in time or not at all.
    pub(crate) fn waits(&self, rule: &RulePlan, cell: &Cell) -> bool {
        let mut waiting = false;
        for atom in rule.conds.iter().flat_map(CondPlan::atoms) {
            if self.holds(atom, cell) {
                continue;
            }
            match atom {
                Atom::Companion(k)
                    if cell.companions.get(k) == Some(&CompanionFact::NotRecorded) =>
                {
                    waiting = true
                }
                _ => return false,
            }
        }
        waiting
    }

    /// Whether every condition of a rule holds in a cell.
    pub(crate) fn applies(&self, rule: &RulePlan, cell: &Cell) -> bool {
        rule.conds
            .iter()
            .all(|c| c.atoms().all(|a| self.holds(a, cell)))
    }

    /// For a notice known by its receipt alone: the first rule it may fall under that reads
    /// the sending (a condition on `sent`, or an outcome that counts from it), with what it
    /// reads. A rule may fall under it when every test not on the sending holds: each
    /// clause, then, when no clause applies, the gap rules up to the first that applies.
    pub(crate) fn needs_sent(&self, cell: &Cell) -> Option<(usize, &'static str)> {
        let on_sent = |atom: &Atom| match atom {
            Atom::Recorded(c) | Atom::Bound(c, ..) | Atom::Day(c, ..) => self
                .clocks
                .get(*c)
                .is_some_and(|clock| clock.subject == Subject::Sent),
            Atom::Method(_) | Atom::DesignatedFax | Atom::Companion(_) => false,
        };
        let reads = |rule: &RulePlan| {
            let atoms = || rule.conds.iter().flat_map(CondPlan::atoms);
            if atoms().any(|a| on_sent(&a)) {
                Some("a condition on when it was sent")
            } else if runs_from(rule.outcome) == Some(Subject::Sent) {
                Some("its outcome counts from when it was sent")
            } else {
                None
            }
        };
        let may_apply = |rule: &RulePlan| {
            let atoms = || rule.conds.iter().flat_map(CondPlan::atoms);
            atoms().filter(|a| !on_sent(a)).all(|a| self.holds(a, cell))
        };
        let clauses = self.rules.iter().take(self.clauses).enumerate();
        let mut applies = false;
        for (n, rule) in clauses.filter(|(_, r)| may_apply(r)) {
            match reads(rule) {
                Some(what) => return Some((n, what)),
                None => applies = true,
            }
        }
        if applies {
            return None;
        }
        let mut gaps = self.gaps().iter().enumerate();
        let (n, rule) = gaps.find(|(_, r)| may_apply(r))?;
        reads(rule).map(|what| (self.clauses + n, what))
    }

    /// Which rules apply in a cell, and the assumptions they make.
    pub(crate) fn decide(&self, agreement: &Agreement, cell: &Cell) -> Decision {
        let notice = &agreement.notice;
        let mut assumptions = Vec::new();
        let mut applies = Vec::new();
        let mut waiting = Vec::new();
        let clauses = self.rules.iter().zip(&notice.clauses).enumerate();
        for (n, (plan, rule)) in clauses.take(self.clauses) {
            let waits = !self.companions.is_empty() && self.waits(plan, cell);
            if waits || self.applies(plan, cell) {
                applies.push(n);
                if waits {
                    waiting.push(n);
                }
                self.assume(agreement, plan, rule, cell, &mut assumptions);
            }
        }
        let mut gap = None;
        if applies.is_empty() {
            for (n, (plan, rule)) in self.gaps().iter().zip(&notice.gaps).enumerate() {
                if self.applies(plan, cell) {
                    gap = Some(n);
                    self.assume(agreement, plan, rule, cell, &mut assumptions);
                    break;
                }
            }
        }
        Decision {
            applies,
            gap,
            waiting,
            assumptions,
        }
    }

    /// The assumptions a rule that applies makes in a cell: a recipient or number not
    /// given for a designated-number condition, a recipient's time the rules do not give.
    fn assume(
        &self,
        agreement: &Agreement,
        plan: &RulePlan,
        rule: &RuleDef,
        cell: &Cell,
        out: &mut Vec<Warning>,
    ) {
        let party = cell.party.and_then(|p| agreement.parties.get(p));
        for cond in &plan.conds {
            let made = match cond {
                CondPlan::DesignatedFax => match (cell.fax, party) {
                    (Fax::NoRecipient, _) => Some(Warning::RecipientNotGiven {
                        rules: vec![rule.label.to_string()],
                    }),
                    (Fax::NotGiven, Some(p)) => Some(Warning::FaxNumberNotGiven {
                        party: p.name.clone(),
                    }),
                    _ => None,
                },
                CondPlan::Instant { clock, .. } => {
                    let sender = cell.sender.and_then(|p| agreement.parties.get(p));
                    let rule = || rule.label.to_string();
                    match self.clocks.get(*clock).map(|c| &c.zone) {
                        Some(ZoneSel::Recipient) if party.and_then(|p| p.tz).is_none() => {
                            Some(Warning::RecipientTimeUnknown { rule: rule() })
                        }
                        Some(ZoneSel::Sender) if sender.and_then(|p| p.tz).is_none() => {
                            Some(Warning::SenderTimeUnknown { rule: rule() })
                        }
                        _ => None,
                    }
                }
                CondPlan::Method(_) | CondPlan::Companion(_) => None,
            };
            if let Some(w) = made {
                add_warning(out, w);
            }
        }
    }

    /// The zone a clock reads for an event's parties: a recipient or sender without one is
    /// read on the agreement's clock (with a warning, see [`Plan::decide`]).
    pub(crate) fn zone_of(&self, agreement: &Agreement, clock: &ClockAxis, ends: Ends<'_>) -> Tz {
        match &clock.zone {
            ZoneSel::Agreement => agreement.tz,
            ZoneSel::Fixed(tz) => *tz,
            ZoneSel::Recipient => ends.to.and_then(|p| p.tz).unwrap_or(agreement.tz),
            ZoneSel::Sender => ends.from.and_then(|p| p.tz).unwrap_or(agreement.tz),
        }
    }

    /// An instant's wall-clock time on a zone.
    fn wall(&self, t: DateTime<FixedOffset>, tz: Tz) -> NaiveDateTime {
        Clock::new(tz).local(t)
    }

    /// The cell of an event, with what each clock showed. A date a clock's calendar does
    /// not cover is an error, whichever rule would apply.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn locate(
        &self,
        agreement: &Agreement,
        method: usize,
        (party, sender): (Option<usize>, Option<usize>),
        fax: Fax,
        sent: Option<DateTime<FixedOffset>>,
        received: Option<DateTime<FixedOffset>>,
        companions: &[(usize, DateTime<FixedOffset>)],
    ) -> Result<Located, EvalError> {
        let ends = Ends {
            to: party.and_then(|p| agreement.parties.get(p)),
            from: sender.and_then(|p| agreement.parties.get(p)),
        };
        let mut places = Vec::with_capacity(self.clocks.len());
        let mut reads = Vec::with_capacity(self.clocks.len());
        for clock in &self.clocks {
            let instant = match clock.subject {
                Subject::Sent => sent,
                Subject::Received => received,
            };
            let Some(instant) = instant else {
                places.push(None);
                reads.push(None);
                continue;
            };
            let tz = self.zone_of(agreement, clock, ends);
            let local = whole_seconds(self.wall(instant, tz));
            places.push(Some(Place {
                span: clock.span_of(local.time()),
                days: clock.days_of(local.date())?,
            }));
            reads.push(Some((local, tz)));
        }
        let mut facts = Vec::with_capacity(self.companions.len());
        if !self.companions.is_empty() {
            // Counted from the delivery's own date on the agreement's clock.
            let own = sent.or(received).map(|t| agreement.clock.local(t).date());
            for axis in &self.companions {
                let mut fact = CompanionFact::NotRecorded;
                for (m, at) in companions.iter().filter(|(m, _)| axis.methods.contains(*m)) {
                    let _ = m;
                    let Some(own) = own else { break };
                    let last = if axis.business {
                        agreement.calendar.nth_business_day_after(own, axis.count)?
                    } else {
                        own.checked_add_days(chrono::Days::new(u64::from(axis.count)))
                            .ok_or_else(|| {
                                EvalError::Calendar(agreement.calendar.out_of_range(own))
                            })?
                    };
                    let date = agreement.clock.local(*at).date();
                    if date <= last {
                        fact = CompanionFact::InTime;
                        break;
                    }
                    fact = CompanionFact::Late;
                }
                facts.push(fact);
            }
        }
        Ok(Located {
            cell: Cell {
                method,
                party,
                sender,
                fax,
                received: received.is_some(),
                places,
                companions: facts,
            },
            reads,
        })
    }
}

/// `sent` or `received`.
pub(crate) fn subject_word(s: Subject) -> &'static str {
    match s {
        Subject::Sent => "sent",
        Subject::Received => "received",
    }
}

/// Adds a warning once; the rules a missing recipient affected are listed together.
pub(crate) fn add_warning(warnings: &mut Vec<Warning>, w: Warning) {
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
    if !warnings.contains(&w) {
        warnings.push(w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(cutoffs: &[(u32, u32, u32)]) -> ClockAxis {
        ClockAxis {
            subject: Subject::Sent,
            zone: ZoneSel::Agreement,
            cutoffs: cutoffs
                .iter()
                .map(|(h, m, s)| NaiveTime::from_hms_opt(*h, *m, *s).unwrap())
                .collect(),
            calendars: Vec::new(),
        }
    }

    /// A time's place among the cut-offs answers every comparison with each cut-off as the
    /// time itself does, and lies within the seconds its place spans; every second of the
    /// day near a cut-off is tried, and every seventh second elsewhere.
    #[test]
    fn places_compare_as_the_times_they_hold() {
        let cmps = [
            Cmp::Before,
            Cmp::OnOrBefore,
            Cmp::After,
            Cmp::OnOrAfter,
            Cmp::At,
        ];
        for cutoffs in [
            vec![(20, 0, 0), (23, 59, 0)],
            vec![(0, 0, 0), (0, 0, 1), (12, 0, 0), (23, 59, 59)],
            vec![],
        ] {
            let axis = clock(&cutoffs);
            let near = |s: u32| {
                axis.cutoffs
                    .iter()
                    .any(|c| c.num_seconds_from_midnight().abs_diff(s) <= 2)
            };
            for second in (0..86_400).filter(|s| s % 7 == 0 || near(*s)) {
                let t = NaiveTime::from_num_seconds_from_midnight_opt(second, 0).unwrap();
                let span = axis.span_of(t);
                assert!(span < axis.spans());
                let (from, to) = axis.span_seconds(span).unwrap();
                assert!(from <= second && second <= to, "{t} in {span}: {from}-{to}");
                for (cut, bound) in axis.cutoffs.iter().enumerate() {
                    for cmp in cmps {
                        let expected = match cmp {
                            Cmp::Before => t < *bound,
                            Cmp::OnOrBefore => t <= *bound,
                            Cmp::After => t > *bound,
                            Cmp::OnOrAfter => t >= *bound,
                            Cmp::At => t == *bound,
                        };
                        assert_eq!(compares(span, cmp, cut), expected, "{t} {cmp:?} {bound}");
                    }
                }
            }
            // The places with no second in them are the only ones without a span.
            let empty = (0..axis.spans())
                .filter(|s| axis.span_seconds(*s).is_none())
                .count();
            let expected = match cutoffs.as_slice() {
                [(0, 0, 0), (0, 0, 1), _, (23, 59, 59)] => 3,
                _ => 0,
            };
            assert_eq!(empty, expected, "{cutoffs:?}");
        }
    }

    /// The words of a rule that holds in no cell.
    #[test]
    fn a_rule_that_holds_in_no_cell_says_why() {
        let why = |conditions: &str| {
            let text = format!(
                r#"agreement "x" {{ time-zone "UTC" calendar nyse method fax "f" method mail "m"
                   notice "n" first-of {{ clause a "a" when {conditions} => same-day }} }}"#
            );
            match crate::Rules::from_source(crate::Source {
                name: "x".into(),
                text,
            }) {
                Ok(_) => "applies".to_string(),
                Err(d) => d.to_string(),
            }
        };
        assert!(why("method fax, method mail").contains("no method is left"));
        assert!(
            why("sent before 09:00:00 and after 17:00:00")
                .contains("no time of day is before 09:00:00 and after 17:00:00")
        );
        assert!(
            why("sent on business-day, sent on non-business-day")
                .contains("no day is both a business day and not one")
        );
        // Two clocks: the same instant read in two zones can be before 9 in one and after 17
        // in the other.
        assert_eq!(
            why(r#"sent before 09:00:00, sent after 17:00:00 in "Asia/Tokyo""#),
            "applies"
        );
        assert_eq!(
            why("sent on business-day, sent on non-business-day of us-ny-banking"),
            "applies"
        );
    }
}
