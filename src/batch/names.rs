//! Agreement names as a log's records write them, each with its agreement's place.
//!
//! A log over a folder names an agreement on every record, and most of its records are
//! answered in a few dozen nanoseconds, so finding the name must cost less than hashing
//! its bytes through a general hasher. A name is keyed by its length and its first and last
//! eight bytes: that is the whole of a name of up to sixteen bytes (the two overlap when it
//! is shorter), so such a name is found without comparing its bytes again; a longer one is
//! compared whole once its key matches.

/// The most names kept; past it a name is looked up in the library each time.
const MAX_NAMES: usize = 4096;

/// A name's length and first and last eight bytes (a name shorter than eight bytes: its
/// bytes in `head`, `tail` zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    len: usize,
    head: u64,
    tail: u64,
}

impl Key {
    fn of(name: &[u8]) -> Key {
        let (head, tail) = match (name.first_chunk::<8>(), name.last_chunk::<8>()) {
            (Some(head), Some(tail)) => (u64::from_le_bytes(*head), u64::from_le_bytes(*tail)),
            // Shorter: the same little-endian word, zero-padded.
            _ => (name.iter().rev().fold(0, |w, b| w << 8 | u64::from(*b)), 0),
        };
        Key {
            len: name.len(),
            head,
            tail,
        }
    }

    /// Whether the key holds every byte of its name.
    fn whole(self) -> bool {
        self.len <= 16
    }

    /// Its first slot in a table of `mask + 1` slots (at most 2^16).
    fn slot(self, mask: usize) -> usize {
        let mixed = (self.head ^ self.tail.rotate_left(29) ^ self.len as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // The top bits of a product depend on every bit of the word (its low bits only on
        // the word's low bits, so names alike in their first bytes would share them).
        (mixed >> 48) as usize & mask
    }
}

/// A slot of the table: a name's key and its place, packed in 24 bytes so that the table
/// stays in few cache lines (`len` `u32::MAX`: empty).
#[derive(Clone, Copy)]
struct Slot {
    head: u64,
    tail: u64,
    len: u32,
    place: u32,
}

impl Slot {
    const EMPTY: Slot = Slot {
        head: 0,
        tail: 0,
        len: u32::MAX,
        place: 0,
    };

    fn holds(&self, key: Key) -> bool {
        self.len as usize == key.len && self.head == key.head && self.tail == key.tail
    }
}

/// Names as written, with their places: an open-addressed table, at most half full.
#[derive(Default)]
pub(super) struct NameIndex {
    slots: Vec<Slot>,
    /// Per slot, a name longer than its key holds (compared whole once its key matches).
    long: Vec<Option<Box<str>>>,
    len: usize,
}

impl NameIndex {
    /// The place kept for `name`.
    #[inline]
    pub(super) fn get(&self, name: &str) -> Option<usize> {
        let key = Key::of(name.as_bytes());
        let mask = self.slots.len().checked_sub(1)?;
        let mut at = key.slot(mask);
        loop {
            let slot = self.slots.get(at)?;
            if slot.len == u32::MAX {
                return None;
            }
            if slot.holds(key) && (key.whole() || self.long.get(at)?.as_deref() == Some(name)) {
                return Some(slot.place as usize);
            }
            at = (at + 1) & mask;
        }
    }

    /// Keeps `name`'s place (unless the table holds its most names, or the name already,
    /// or the name or place is too long for a slot).
    pub(super) fn insert(&mut self, name: &str, place: usize) {
        if self.len >= MAX_NAMES || self.get(name).is_some() {
            return;
        }
        let (Ok(len), Ok(place)) = (u32::try_from(name.len()), u32::try_from(place)) else {
            return;
        };
        if len == u32::MAX {
            return;
        }
        if 2 * (self.len + 1) > self.slots.len() {
            self.grow();
        }
        let key = Key::of(name.as_bytes());
        let long = (!key.whole()).then(|| Box::from(name));
        self.put(key, len, place, long);
        self.len += 1;
    }

    /// Puts a name in the first free slot from its own.
    fn put(&mut self, key: Key, len: u32, place: u32, long: Option<Box<str>>) {
        let mask = self.slots.len().saturating_sub(1);
        let mut at = key.slot(mask);
        while self.slots.get(at).is_some_and(|s| s.len != u32::MAX) {
            at = (at + 1) & mask;
        }
        if let (Some(slot), Some(kept)) = (self.slots.get_mut(at), self.long.get_mut(at)) {
            *slot = Slot {
                head: key.head,
                tail: key.tail,
                len,
                place,
            };
            *kept = long;
        }
    }

    /// Doubles the table (16 slots at first), every name in its new place.
    fn grow(&mut self) {
        let size = (2 * self.slots.len()).max(16);
        let slots = std::mem::replace(&mut self.slots, vec![Slot::EMPTY; size]);
        let long = std::mem::replace(&mut self.long, (0..size).map(|_| None).collect());
        for (slot, long) in slots.into_iter().zip(long) {
            if slot.len != u32::MAX {
                let key = Key {
                    len: slot.len as usize,
                    head: slot.head,
                    tail: slot.tail,
                };
                self.put(key, slot.len, slot.place, long);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Key, MAX_NAMES, NameIndex};
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[test]
    fn keys_hold_short_names_whole() {
        // Names alike but for one byte, at each place, of each length up to 16.
        for len in 0..=16 {
            let name = vec![b'a'; len];
            for at in 0..len {
                let mut other = name.clone();
                other[at] = b'b';
                assert_ne!(Key::of(&name), Key::of(&other), "{len} at {at}");
            }
        }
        // A zero byte does not make a short name the same as a shorter one.
        assert_ne!(Key::of(b"ab"), Key::of(b"ab\0"));
    }

    #[test]
    fn names_alike_but_for_their_last_bytes_take_different_slots() {
        let mask = 255;
        let slots: std::collections::HashSet<usize> = (1..=100)
            .map(|n| Key::of(format!("spa-{n}").as_bytes()).slot(mask))
            .collect();
        assert!(slots.len() > 60, "{} slots for 100 names", slots.len());
    }

    #[test]
    fn long_names_alike_at_both_ends_are_told_apart() {
        let mut names = NameIndex::default();
        names.insert("spa-2000-02-25-company", 1);
        names.insert("spa-2000-03-25-company", 2);
        assert_eq!(names.get("spa-2000-02-25-company"), Some(1));
        assert_eq!(names.get("spa-2000-03-25-company"), Some(2));
        assert_eq!(names.get("spa-2000-04-25-company"), None);
    }

    #[test]
    fn the_table_keeps_its_most_names() {
        let mut names = NameIndex::default();
        for n in 0..MAX_NAMES + 10 {
            names.insert(&format!("agreement-{n}"), n);
        }
        assert_eq!(names.len, MAX_NAMES);
        assert_eq!(names.get("agreement-0"), Some(0));
        assert_eq!(names.get(&format!("agreement-{}", MAX_NAMES + 5)), None);
    }

    fn name() -> impl Strategy<Value = String> {
        // Few letters and lengths about 8 and 16, so that names share their ends.
        prop::collection::vec(prop::sample::select(vec!['a', 'b', '-', '\0', 'é']), 0..24)
            .prop_map(|c| c.into_iter().collect())
    }

    proptest! {
        /// The table finds what a map of the same names finds.
        #[test]
        fn names_are_found_as_a_map_finds_them(
            kept in prop::collection::vec((name(), 0usize..100), 0..200),
            asked in prop::collection::vec(name(), 0..200),
        ) {
            let mut names = NameIndex::default();
            let mut map = HashMap::new();
            for (name, place) in &kept {
                names.insert(name, *place);
                map.entry(name.clone()).or_insert(*place);
            }
            for name in kept.iter().map(|(n, _)| n).chain(&asked) {
                prop_assert_eq!(names.get(name), map.get(name).copied(), "{:?}", name);
            }
        }
    }
}
