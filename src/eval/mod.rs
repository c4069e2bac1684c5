//! Event to resolution: which clause decides when a notice is deemed given, and why.
//!
//! The event's cell is found in the agreement's compiled plan (`crate::agreement::plan`), the plan's
//! decision for that cell is taken, and the deciding rule's outcome is computed on the
//! clock it reads. Only when asked, the decision is explained from the same cell: which
//! clause applied, why each other did not (every test, as the plan reads it), which days the
//! business-day arithmetic stepped over. Where no clause applies literally, the rules file's
//! gap rules decide, and the resolution says so in its status and warnings.

use chrono::{DateTime, FixedOffset};

mod dated;
mod notice;
mod resolve;

pub use notice::{
    AddressBook, Delivery, DeliveryAnswer, DeliveryText, NoticeAnswer, NoticeError, ReadError,
};

/// A communication: how and when it was sent, to whom, and when it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The delivery method, one of the agreement's `method` names.
    pub method: String,
    /// When it was sent (transmitted, mailed, handed over); `None` for a notice known only
    /// by its receipt, which the rule that decides must not need.
    pub sent: Option<DateTime<FixedOffset>>,
    /// When it was actually received, if known.
    pub received: Option<DateTime<FixedOffset>>,
    /// The recipient, one of the agreement's `party` names.
    pub to: Option<String>,
    /// The sender, one of the agreement's `party` names.
    pub from: Option<String>,
    /// The facsimile number it was sent to.
    pub fax_number: Option<String>,
    /// The other deliveries of the same notice (a confirming copy by mail), which
    /// `companion` conditions read.
    pub companions: Vec<Companion>,
    /// The recipient's numbers as designated by a notice of change given to the sender, in
    /// effect when this one was sent (see [`crate::batch::Addresses`]); `None`: the rules' numbers.
    pub designation: Option<std::sync::Arc<Designation>>,
}

/// Facsimile numbers designated by a notice of change ("or such other address as may be
/// designated in writing hereafter, in the same manner"), in place of the rules' numbers
/// for notices from the party it was given to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Designation {
    /// The numbers as written, with their digits.
    pub numbers: Vec<(String, String)>,
    /// Where they come from: the notice of change and when it was deemed given.
    pub why: String,
}

impl Designation {
    /// Numbers designated by a notice, `why` in words.
    pub fn new(numbers: &[String], why: String) -> Designation {
        Designation {
            numbers: (numbers.iter())
                .map(|n| (n.clone(), crate::fax_digits(n)))
                .collect(),
            why,
        }
    }

    /// Whether a number given is one of them.
    pub(crate) fn has(&self, number: &str) -> bool {
        (self.numbers.iter()).any(|(_, digits)| crate::agreement::same_number(digits, number))
    }

    /// The numbers as written.
    pub(crate) fn written(&self) -> Vec<String> {
        self.numbers.iter().map(|(n, _)| n.clone()).collect()
    }
}

/// Another delivery of the same notice, as a `companion` condition reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Companion {
    /// Its method, one of the agreement's.
    pub method: String,
    /// When it was sent (or, when only that is known, received).
    pub at: DateTime<FixedOffset>,
}

/// An event whose text fields are borrowed: what the evaluator works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRef<'a> {
    /// The delivery method.
    pub method: &'a str,
    /// When it was sent, if known.
    pub sent: Option<DateTime<FixedOffset>>,
    /// When it was actually received, if known.
    pub received: Option<DateTime<FixedOffset>>,
    /// The recipient.
    pub to: Option<&'a str>,
    /// The sender.
    pub from: Option<&'a str>,
    /// The facsimile number it was sent to.
    pub fax_number: Option<&'a str>,
    /// The other deliveries of the same notice.
    pub companions: &'a [Companion],
    /// The recipient's numbers as a notice of change designated them for the sender.
    pub designation: Option<&'a Designation>,
}

impl Event {
    /// The event with its text borrowed.
    pub fn as_ref(&self) -> EventRef<'_> {
        EventRef {
            method: &self.method,
            sent: self.sent,
            received: self.received,
            to: self.to.as_deref(),
            from: self.from.as_deref(),
            fax_number: self.fax_number.as_deref(),
            companions: &self.companions,
            designation: self.designation.as_deref(),
        }
    }
}

impl EventRef<'_> {
    /// The event with its text copied.
    pub fn to_event(&self) -> Event {
        Event {
            method: self.method.to_string(),
            sent: self.sent,
            received: self.received,
            to: self.to.map(str::to_string),
            from: self.from.map(str::to_string),
            fax_number: self.fax_number.map(str::to_string),
            companions: self.companions.to_vec(),
            designation: self.designation.map(|d| std::sync::Arc::new(d.clone())),
        }
    }
}
