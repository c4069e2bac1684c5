//! A notice: one communication, delivered one or more ways, answered as one.
//!
//! Every way of asking (`when-effective`, `POST /v1/when-effective`, `batch`,
//! `POST /v1/batch`, `diff`) builds a [`Notice`] and calls [`Rules::answer`]: each delivery
//! is resolved under the clause with the others as its companions and with the numbers
//! notices of change designated ([`AddressBook`]), and the deliveries' answers combine as
//! the rules declare (`deliveries earliest-of`, the default, in the notice block).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use super::{Companion, Designation, EventRef};
use crate::agreement::{Agreement, Rules};
use crate::answer::{EvalError, Resolution, Status};
use crate::syntax::ast::Combinator;
use crate::time::{Fold, TimeError, parse_instant};

/// One delivery of a notice.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// The delivery as an event; its companions and designation are filled in by
    /// [`Rules::answer`] from the notice's other deliveries and the address book.
    pub event: EventRef<'a>,
    /// When the sending (`false`) or the receipt (`true`) is given as a date alone, that
    /// date; then the event carries no instant for it.
    pub dated: Option<(bool, NaiveDate)>,
}

/// A delivery's fields as written, before its times are read.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeliveryText<'a> {
    /// The method.
    pub method: &'a str,
    /// When it was sent, as written.
    pub sent: Option<&'a str>,
    /// When it was received, as written.
    pub received: Option<&'a str>,
    /// The recipient.
    pub to: Option<&'a str>,
    /// The sender.
    pub from: Option<&'a str>,
    /// The facsimile number.
    pub fax_number: Option<&'a str>,
}

/// Why a delivery's times could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Neither a sending nor a receipt is given.
    NoInstant,
    /// A time that is not one (or names no single instant).
    Time {
        /// `sent` or `received`.
        field: &'static str,
        /// What was wrong with it.
        error: TimeError,
    },
}

impl<'a> Delivery<'a> {
    /// Reads a delivery as written, its times on the agreement's clock `tz` (`fold` says
    /// which instant an ambiguous local time means). A sending or a receipt may be a date
    /// alone (`2000-03-03` for a courier), which [`Rules::answer`] answers when the rules
    /// give the same answer at any time of that day. Every way of asking reads its
    /// deliveries here.
    pub fn read(
        text: DeliveryText<'a>,
        tz: chrono_tz::Tz,
        fold: Option<Fold>,
    ) -> Result<Delivery<'a>, ReadError> {
        if text.sent.is_none() && text.received.is_none() {
            return Err(ReadError::NoInstant);
        }
        let mut dated = None;
        let mut time = |field: &'static str, written: Option<&str>| {
            let Some(written) = written else {
                return Ok(None);
            };
            match parse_instant(written, tz, fold) {
                Ok(t) => Ok(Some(t)),
                Err(TimeError::DateAlone { date, .. }) if dated.is_none() => {
                    dated = Some((field == "received", date));
                    Ok(None)
                }
                Err(error) => Err(ReadError::Time { field, error }),
            }
        };
        let sent = time("sent", text.sent)?;
        let received = time("received", text.received)?;
        Ok(Delivery {
            event: EventRef {
                method: text.method,
                sent,
                received,
                to: text.to,
                from: text.from,
                fax_number: text.fax_number,
                companions: &[],
                designation: None,
            },
            dated,
        })
    }
}

/// The answer to a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeAnswer {
    /// The deciding delivery's resolution.
    pub resolution: Resolution,
    /// For a notice of several deliveries: which decided, and how they combined, in words
    /// (`delivery 1 of 2 (`fax`) decided: the earliest of the deliveries`).
    pub combined: Option<String>,
    /// For a notice of several deliveries answered with the trace: each delivery's own
    /// resolution.
    pub deliveries: Vec<DeliveryAnswer>,
    /// A notice that names no sender, to a party whose numbers notices of change designated
    /// for some senders: the warning that those numbers were not applied.
    pub unapplied: Option<String>,
}

impl NoticeAnswer {
    /// The notes an answer adds to its resolution's warnings, in order.
    pub fn notes(&self) -> impl Iterator<Item = &str> {
        self.combined
            .iter()
            .chain(&self.unapplied)
            .map(String::as_str)
    }
}

/// One delivery's own answer, in a traced notice of several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryAnswer {
    /// Its place among the deliveries, from 1.
    pub delivery: usize,
    /// Its method, as the agreement names it.
    pub method: String,
    /// Its resolution.
    pub resolution: Resolution,
}

/// A notice that could not be answered: which delivery (of several), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeError {
    /// The delivery at fault, from 0, when the notice has several.
    pub delivery: Option<usize>,
    /// The field of that delivery the error is about (see [`EvalError::field`]).
    pub field: &'static str,
    /// What went wrong.
    pub error: EvalError,
}

impl std::fmt::Display for NoticeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.error)
    }
}

impl std::error::Error for NoticeError {}

/// The numbers notices of change designated ("or such other address as may be designated in
/// writing hereafter, in the same manner"), by the party whose numbers changed and the party
/// told, each with the instant it took effect.
///
/// Built by resolving the notices of change themselves (see `batch::Addresses`); empty, it
/// changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressBook {
    /// By (the party whose numbers changed, the party told), in the order of the instants.
    entries: HashMap<(usize, usize), Vec<Dated>>,
}

/// A designation and the instant it took effect.
type Dated = (DateTime<FixedOffset>, Arc<Designation>);

impl AddressBook {
    /// Whether no notice of change designated anything.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Keeps a designation of `changed`'s numbers for notices from `told`, from `at`.
    pub(crate) fn add(
        &mut self,
        changed: usize,
        told: usize,
        at: DateTime<FixedOffset>,
        d: Designation,
    ) {
        let list = self.entries.entry((changed, told)).or_default();
        let place = list.partition_point(|(t, _)| *t <= at);
        list.insert(place, (at, Arc::new(d)));
    }

    /// The designation for an event: its recipient's numbers as changed by a notice given
    /// to its sender, in effect when it was sent (or received, known by that alone): the
    /// latest one that took effect no later.
    pub(crate) fn for_event(
        &self,
        agreement: &Agreement,
        event: &EventRef<'_>,
    ) -> Option<&Designation> {
        if self.entries.is_empty() {
            return None;
        }
        let recipient = agreement.party_index(event.to?).ok()?;
        let sender = agreement.party_index(event.from?).ok()?;
        let at = event.sent.or(event.received)?;
        let list = self.entries.get(&(recipient, sender))?;
        let before = list.partition_point(|(t, _)| *t <= at);
        list.get(before.checked_sub(1)?).map(|(_, d)| &**d)
    }

    /// For a notice to `to` that names no sender, when some notice changed `to`'s numbers:
    /// the warning that the changes are not applied (they hold only for notices from the
    /// parties told).
    pub(crate) fn unapplied(
        &self,
        agreement: &Agreement,
        to: Option<&str>,
        from: Option<&str>,
    ) -> Option<String> {
        if self.entries.is_empty() || from.is_some() {
            return None;
        }
        let recipient = agreement.party_index(to?).ok()?;
        let mut told: Vec<usize> = (self.entries.keys())
            .filter(|(changed, _)| *changed == recipient)
            .map(|(_, told)| *told)
            .collect();
        if told.is_empty() {
            return None;
        }
        told.sort_unstable();
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
}

impl Rules {
    /// Answers a notice of one or more deliveries, under the numbers `addresses` holds.
    ///
    /// Each delivery is resolved with the others as its companions (for `companion`
    /// conditions); the answers combine as the notice block's `deliveries` line says
    /// (`earliest-of` when it says nothing: the earliest instant decides, the first
    /// written of those tied). An error of any delivery is the notice's.
    ///
    /// ```
    /// use chrono::DateTime;
    /// use deemed::eval::{Delivery, EventRef};
    /// let rules = deemed::Rules::default_rules().unwrap();
    /// let at = |t| Some(DateTime::parse_from_rfc3339(t).unwrap());
    /// let fax = EventRef { method: "fax", sent: at("2000-03-03T21:00:00-05:00"), received: None,
    ///     to: Some("company"), from: None, fax_number: Some("(949) 788-6706"),
    ///     companions: &[], designation: None };
    /// let hand = EventRef { method: "hand", sent: at("2000-03-04T09:00:00-05:00"),
    ///     received: at("2000-03-04T09:30:00-05:00"), fax_number: None, ..fax };
    /// let notice = [Delivery { event: fax, dated: None }, Delivery { event: hand, dated: None }];
    /// let answer = rules.answer(&notice, None, false).unwrap();
    /// // The hand delivery on Saturday is received before the fax's Monday.
    /// assert_eq!(answer.resolution.deemed_date.unwrap().to_string(), "2000-03-04");
    /// assert_eq!(answer.combined.as_deref(),
    ///     Some("delivery 2 of 2 (`hand`) decided: the earliest of the deliveries"));
    /// ```
    pub fn answer(
        &self,
        deliveries: &[Delivery<'_>],
        addresses: Option<&AddressBook>,
        trace: bool,
    ) -> Result<NoticeAnswer, NoticeError> {
        let agreement = self.agreement_or_error().map_err(|error| NoticeError {
            delivery: None,
            field: "sent",
            error,
        })?;
        let several = deliveries.len() > 1;
        // A rule may ask for a companion among the notice's other deliveries: each delivery
        // is read with the others (by method, and when sent or else received).
        let asks = several && !agreement.plan.companions.is_empty();
        let companions: Vec<Option<Companion>> = match asks {
            false => Vec::new(),
            true => (deliveries.iter())
                .map(|d| {
                    Some(Companion {
                        method: d.event.method.to_string(),
                        at: d.event.sent.or(d.event.received)?,
                    })
                })
                .collect(),
        };
        let (how, cite) = match &agreement.plan.deliveries {
            Some((how, cite)) => (*how, Some(cite)),
            None => (Combinator::EarliestOf, None),
        };
        let mut best: Option<(usize, Resolution)> = None;
        let mut all = Vec::new();
        for (n, d) in deliveries.iter().enumerate() {
            let others: Vec<Companion> = (companions.iter().enumerate())
                .filter(|(m, _)| *m != n)
                .filter_map(|(_, c)| c.clone())
                .collect();
            let mut event = d.event;
            if asks {
                event.companions = &others;
            }
            event.designation = addresses.and_then(|b| b.for_event(agreement, &event));
            let answered = match d.dated {
                Some((received, date)) => {
                    self.evaluate_on_date(&event.to_event(), received, date, trace)
                }
                None => self.evaluate_ref(event, trace),
            };
            let resolution = answered.map_err(|error| NoticeError {
                delivery: several.then_some(n),
                field: error.field(event.sent, event.received),
                error,
            })?;
            if several && trace {
                let method = (agreement.method_names().into_iter())
                    .find(|m| m.eq_ignore_ascii_case(d.event.method))
                    .unwrap_or("");
                all.push(DeliveryAnswer {
                    delivery: n + 1,
                    method: method.to_string(),
                    resolution: resolution.clone(),
                });
            }
            let better = match &best {
                None => true,
                Some((_, b)) => prefers(how, &resolution, b),
            };
            if better {
                best = Some((n, resolution));
            }
        }
        let Some((n, resolution)) = best else {
            return Err(NoticeError {
                delivery: None,
                field: "sent",
                error: EvalError::NoInstant,
            });
        };
        let combined = several.then(|| combined_note(deliveries, n, how, cite, resolution.status));
        let first = deliveries.first().map(|d| d.event);
        let unapplied = addresses.and_then(|b| b.unapplied(agreement, first?.to, first?.from));
        Ok(NoticeAnswer {
            resolution,
            combined,
            deliveries: all,
            unapplied,
        })
    }
}

/// The note that says which delivery (the `n`th) decided, and how the deliveries combine.
fn combined_note(
    deliveries: &[Delivery<'_>],
    n: usize,
    how: Combinator,
    cite: Option<&Arc<str>>,
    status: Status,
) -> String {
    let method = deliveries.get(n).map_or("", |d| d.event.method);
    format!(
        "delivery {} of {} (`{method}`) decided: the {} of the deliveries{}{}",
        n + 1,
        deliveries.len(),
        match how {
            Combinator::EarliestOf => "earliest",
            Combinator::LatestOf => "latest",
            Combinator::FirstOf => "first written",
        },
        if status == Status::Pending {
            ", none of which has a deemed date yet"
        } else {
            ""
        },
        // The rules' own words, when they declare how deliveries combine.
        cite.map_or(String::new(), |c| format!(" ({c})"))
    )
}

/// Whether a delivery's resolution `new` decides rather than `old`, the one that decided
/// among those before it.
fn prefers(how: Combinator, new: &Resolution, old: &Resolution) -> bool {
    match how {
        // The earliest deemed instant; one with a date before one that waits.
        Combinator::EarliestOf => match (new.effective_at, old.effective_at) {
            (Some(new), Some(old)) => new < old,
            (Some(_), None) => true,
            _ => false,
        },
        // The latest; one that waits makes the notice wait, as its instant may be later.
        Combinator::LatestOf => match (new.effective_at, old.effective_at) {
            (Some(new), Some(old)) => new > old,
            (None, Some(_)) => new.status == Status::Pending,
            _ => false,
        },
        // The first delivery written that has a date.
        Combinator::FirstOf => old.effective_at.is_none() && new.effective_at.is_some(),
    }
}
