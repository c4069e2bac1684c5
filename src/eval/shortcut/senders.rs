//! Methods, recipients and numbers as a log writes them, each resolved once.

use std::hash::Hasher;

use super::{KeyHasher, NameKey, Names};
use crate::eval::Lookup;
use crate::model::{Agreement, PartyDef};

/// The most senders kept (by method, recipient and number as written).
const SENDERS: usize = 64;

/// Methods, recipients and numbers as written, with what they resolve to: a log repeats a
/// few, and each takes one look-up.
#[derive(Default)]
pub(super) struct Senders {
    /// By a hash of the three; allocated on first use.
    slots: Vec<Option<Kept>>,
}

/// A sender as written, and what it resolves to.
struct Kept {
    keys: [NameKey; 3],
    texts: [Option<Box<str>>; 3],
    sender: Sender,
}

/// What the names of a delivery resolve to.
#[derive(Clone, Copy)]
pub(super) struct Sender {
    /// The method (an index into the agreement's methods).
    pub(super) method: usize,
    /// The recipient (an index into its parties).
    pub(super) party: Option<usize>,
    /// Whether the number given is designated for the recipient.
    pub(super) designated: bool,
}

impl Senders {
    /// What a method, recipient and number resolve to; `None` for an unknown name or a
    /// number with no digits, which the full reading reports, and for a recipient whose
    /// numbers are dated.
    pub(super) fn of(
        &mut self,
        names: &mut Names,
        agreement: &Agreement,
        method: &str,
        to: Option<&str>,
        fax_number: Option<&str>,
    ) -> Option<Sender> {
        if fax_number.is_some_and(|n| !n.bytes().any(|b| b.is_ascii_digit())) {
            return None;
        }
        let texts = [Some(method), to, fax_number];
        let keys = texts.map(|t| t.map_or(NameKey(usize::MAX, 0), NameKey::of));
        let mut hash = KeyHasher::default();
        for k in &keys {
            hash.fold(k.1 ^ (k.0 as u64).rotate_left(56));
        }
        if self.slots.is_empty() {
            self.slots.resize_with(SENDERS, || None);
        }
        let slot = self.slots.get_mut(hash.finish() as usize % SENDERS)?;
        if let Some(kept) = slot {
            // Names of up to eight bytes are whole in their keys.
            let same = |(n, text): (usize, &Option<&str>)| match (text, kept.texts.get(n)) {
                (Some(t), Some(Some(k))) if t.len() > 8 => **k == **t,
                _ => true,
            };
            if kept.keys == keys && texts.iter().enumerate().all(same) {
                return Some(kept.sender);
            }
        }
        let method = names.method(agreement, method).ok()?;
        let party = match to {
            Some(name) => Some(names.party(agreement, name).ok()?),
            None => None,
        };
        let recipient = party.and_then(|p| agreement.parties.get(p));
        // A recipient whose numbers are dated: whether one is designated depends on the
        // instant, which the full reading weighs.
        if recipient.is_some_and(PartyDef::dated_numbers) {
            return None;
        }
        let designated = match (recipient, fax_number) {
            (Some(p), Some(number)) => names.designated(p, number, None, agreement.tz),
            _ => false,
        };
        let sender = Sender {
            method,
            party,
            designated,
        };
        *slot = Some(Kept {
            keys,
            texts: texts.map(|t| t.map(Box::from)),
            sender,
        });
        Some(sender)
    }
}
