//! Methods, recipients and numbers as a log writes them, each resolved once.

use std::hash::Hasher;

use super::{KeyHasher, NameKey, Names};

/// A text's length, first eight bytes and last eight: the whole of a text of up to 16
/// bytes (a fax number as written is most often 14), so that most are told apart without
/// reading their bytes again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TextKey {
    head: NameKey,
    tail: u64,
}

impl TextKey {
    /// The key of a text; of none, a length no text has.
    fn of(text: Option<&str>) -> TextKey {
        match text {
            None => TextKey {
                head: NameKey(usize::MAX, 0),
                tail: 0,
            },
            Some(t) => TextKey {
                head: NameKey::of(t),
                tail: (t.as_bytes().last_chunk::<8>()).map_or(0, |b| u64::from_le_bytes(*b)),
            },
        }
    }
}
use crate::eval::Lookup;
use crate::model::{Agreement, PartyDef};

/// The most senders kept (by method, recipient and number as written).
const SENDERS: usize = 1024;

/// Methods, recipients and numbers as written, with what they resolve to: a log repeats a
/// few, and each takes one look-up.
#[derive(Default)]
pub(super) struct Senders {
    /// By a hash of the three; allocated on first use.
    slots: Vec<Option<Kept>>,
}

/// The most numbers of a form whose designations a sender keeps (see [`Kept::designated`]).
const NUMBERS: usize = 128;

/// The bit of the form's numbers at `numbers` in [`Kept::designated`] (`None` past the
/// most kept: then a number's designation is looked up each time).
fn numbers_bit(numbers: usize) -> Option<u128> {
    (numbers < NUMBERS).then(|| 1u128 << numbers)
}

/// A sender as written, and what it resolves to.
struct Kept {
    keys: [TextKey; 3],
    /// Each text longer than its key holds (aside, so that a slot is small).
    texts: Option<Box<[Option<Box<str>>; 3]>>,
    /// The method and recipient (the same under every agreement of the form).
    method: u32,
    party: Option<u32>,
    /// Whether the number is designated for the recipient, a bit per numbers of the form
    /// (see [`super::Shortcuts::read_for`]), each known once its bit in `known` is set.
    designated: u128,
    known: u128,
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
        let keys = texts.map(TextKey::of);
        let mut hash = KeyHasher::default();
        for k in &keys {
            // The last bytes too: numbers alike but for their last digits (one per
            // agreement of a form) take different slots.
            hash.fold(k.head.1 ^ (k.head.0 as u64).rotate_left(56) ^ k.tail.rotate_left(29));
        }
        if self.slots.is_empty() {
            self.slots.resize_with(SENDERS, || None);
        }
        let slot = self.slots.get_mut(hash.finish() as usize % SENDERS)?;
        let bit = numbers_bit(names.current);
        // Whether the slot holds this sender (texts of up to 16 bytes are whole in their
        // keys).
        let kept_here = slot.as_ref().is_some_and(|kept| {
            let long = |n: usize| kept.texts.as_ref().and_then(|t| t.get(n));
            let same = |(n, text): (usize, &Option<&str>)| match (text, long(n)) {
                (Some(t), Some(Some(k))) if t.len() > 16 => **k == **t,
                (Some(t), _) if t.len() > 16 => false,
                _ => true,
            };
            kept.keys == keys && texts.iter().enumerate().all(same)
        });
        if let Some(kept) = slot.as_ref().filter(|_| kept_here) {
            if let Some(bit) = bit.filter(|b| kept.known & b != 0) {
                return Some(Sender {
                    method: kept.method as usize,
                    party: kept.party.map(|p| p as usize),
                    designated: kept.designated & bit != 0,
                });
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
        match slot {
            // The same sender, for other numbers: this numbers' bit added.
            Some(kept) if kept_here => {
                if let Some(bit) = bit {
                    kept.known |= bit;
                    kept.designated = (kept.designated & !bit) | (bit * u128::from(designated));
                }
            }
            _ => {
                let bit = bit.unwrap_or(0);
                let (Ok(method), Ok(party)) =
                    (u32::try_from(method), party.map(u32::try_from).transpose())
                else {
                    return Some(sender);
                };
                let long = texts.map(|t| t.filter(|t| t.len() > 16).map(Box::from));
                *slot = Some(Kept {
                    keys,
                    texts: long.iter().any(Option::is_some).then(|| Box::new(long)),
                    method,
                    party,
                    designated: bit * u128::from(designated),
                    known: bit,
                });
            }
        }
        Some(sender)
    }
}

#[cfg(test)]
mod tests {
    use super::{Names, Senders};
    use crate::Rules;

    /// Numbers alike in their length and first and last eight bytes are told apart, and a
    /// designation learnt under one numbers of a form is not read under another.
    #[test]
    fn senders_tell_alike_numbers_and_numbers_of_a_form_apart() {
        let rules = Rules::default_rules().unwrap();
        let agreement = rules.agreement().unwrap();
        let (mut senders, mut names) = (Senders::default(), Names::default());
        let mut designated = |number: &str, names: &mut Names| {
            let to = Some("company");
            let s = senders
                .of(names, agreement, "fax", to, Some(number))
                .unwrap();
            s.designated
        };
        // 28 bytes, the same first and last eight.
        let (ours, other) = (
            "tel: (949) 788-6706 (office)",
            "tel: (949) 788-6707 (office)",
        );
        for _ in 0..2 {
            assert!(designated(ours, &mut names));
            assert!(!designated(other, &mut names));
        }
        // 14 bytes, whole in their keys.
        for _ in 0..2 {
            assert!(designated("(949) 788-6706", &mut names));
            assert!(!designated("(949) 788-6707", &mut names));
        }
        // Under other numbers of the form, asked afresh (here: the same rules, the same
        // answer, learnt again), and the first numbers' answers kept.
        names.current = 1;
        assert!(designated("(949) 788-6706", &mut names));
        names.current = 0;
        assert!(designated("(949) 788-6706", &mut names));
        assert!(!designated("(949) 788-6707", &mut names));
    }
}
