//! Agreement names as a log's records write them, each with its agreement's place.
//!
//! A log over a folder names an agreement on every record, and most of its records are
//! answered in a few dozen nanoseconds, so finding the name must cost less than hashing
//! its bytes through a general hasher. A name is keyed by its length and its first and last
//! eight bytes: that is the whole of a name of up to sixteen bytes (the two overlap when it
//! is shorter), so such a name is found without comparing its bytes again; a longer one is
//! compared whole once its key matches.
//!
//! The table is kept 32 times as large as the names it holds, so that a name is almost
//! always in the first slot it is looked for in: records naming one agreement after
//! another each look up a different name, and a look-up that took a varying number of
//! steps would be mispredicted on most records. A slot holds the name's key and place, so
//! that a look-up reads one cache line (records between two of one name's are enough to
//! push the table out of the first-level cache).

/// The most names kept; past it a name is looked up in the library each time.
const MAX_NAMES: usize = 4096;

/// The table is kept this many times as large as the names it holds (while it can grow).
const SPARSE: usize = 32;

/// The most slots of the table (32 times `MAX_NAMES` would take 3 MB).
const MAX_SLOTS: usize = 1 << 15;

/// A name's length and first and last eight bytes. A name shorter than eight bytes is
/// kept whole in `head` (from its first and last four bytes, or of three or fewer, its
/// first, middle and last), `tail` zero: with the length, that tells every such name apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    len: usize,
    head: u64,
    tail: u64,
}

impl Key {
    fn of(name: &[u8]) -> Key {
        let word = |b: Option<&[u8; 4]>| b.map_or(0, |b| u64::from(u32::from_le_bytes(*b)));
        let byte = |at: usize| name.get(at).map_or(0, |b| u64::from(*b));
        let (head, tail) = match (name.first_chunk::<8>(), name.last_chunk::<8>()) {
            (Some(head), Some(tail)) => (u64::from_le_bytes(*head), u64::from_le_bytes(*tail)),
            // Four to seven bytes: the first four and the last four, which overlap.
            _ if name.len() >= 4 => (word(name.first_chunk()) | word(name.last_chunk()) << 32, 0),
            // Fewer: the first, the middle and the last (each of them once, of three).
            _ => {
                let last = name.len().saturating_sub(1);
                (byte(0) | byte(name.len() / 2) << 8 | byte(last) << 16, 0)
            }
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

    /// Its first place in a table of `mask + 1` places, a power of two (at most 2^32),
    /// `shift` its bits fewer than 64.
    fn slot(self, (shift, mask): (u32, usize)) -> usize {
        let word = self.head ^ self.tail.rotate_left(29) ^ self.len as u64;
        let mixed = (word ^ word >> 32).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // The top bits of a product depend on every bit of the word below them (its low
        // bits only on the word's low bits, so names alike in their first bytes would
        // share them); the word's high half is folded in first.
        mixed.checked_shr(shift).unwrap_or(0) as usize & mask
    }
}

/// A place of the table: a name's key and its place, packed in 24 bytes (`len`
/// `u32::MAX`: free).
#[derive(Clone, Copy)]
struct Slot {
    head: u64,
    tail: u64,
    len: u32,
    place: u32,
}

impl Slot {
    const FREE: Slot = Slot {
        head: 0,
        tail: 0,
        len: u32::MAX,
        place: 0,
    };

    fn holds(&self, key: Key) -> bool {
        self.len as usize == key.len && self.head == key.head && self.tail == key.tail
    }

    fn key(&self) -> Key {
        Key {
            len: self.len as usize,
            head: self.head,
            tail: self.tail,
        }
    }
}

/// Names as written, with their places: an open-addressed table.
#[derive(Default)]
pub(super) struct NameIndex {
    slots: Vec<Slot>,
    /// Per slot, the name it holds when the name is longer than its key holds (compared
    /// whole once its key matches).
    long: Vec<Option<Box<str>>>,
    len: usize,
    /// 64 less the bits of a slot's place, and the mask of those bits (see [`Key::slot`]).
    shape: (u32, usize),
}

impl NameIndex {
    /// The place kept for `name`.
    #[inline(always)]
    pub(super) fn get(&self, name: &str) -> Option<usize> {
        let key = Key::of(name.as_bytes());
        let mask = self.shape.1;
        let mut at = key.slot(self.shape);
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
        self.len += 1;
        if SPARSE * self.len > self.slots.len() && self.slots.len() < MAX_SLOTS {
            self.grow();
        }
        let key = Key::of(name.as_bytes());
        let long = (!key.whole()).then(|| Box::from(name));
        let slot = Slot {
            head: key.head,
            tail: key.tail,
            len,
            place,
        };
        self.put(slot, long);
    }

    /// Puts a name in the first free slot from its own.
    fn put(&mut self, name: Slot, long: Option<Box<str>>) {
        let mask = self.shape.1;
        let mut at = name.key().slot(self.shape);
        while self.slots.get(at).is_some_and(|s| s.len != u32::MAX) {
            at = (at + 1) & mask;
        }
        if let (Some(slot), Some(kept)) = (self.slots.get_mut(at), self.long.get_mut(at)) {
            *slot = name;
            *kept = long;
        }
    }

    /// Makes the table `SPARSE` times as large as its names (64 slots at first, at most
    /// `MAX_SLOTS`), every name in its new place.
    fn grow(&mut self) {
        let size = (SPARSE * self.len).next_power_of_two().clamp(64, MAX_SLOTS);
        self.shape = (64 - size.trailing_zeros(), size - 1);
        let slots = std::mem::replace(&mut self.slots, vec![Slot::FREE; size]);
        let long = std::mem::replace(&mut self.long, (0..size).map(|_| None).collect());
        for (slot, long) in slots.into_iter().zip(long) {
            if slot.len != u32::MAX {
                self.put(slot, long);
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
        let shape = (56, 255);
        let slots: std::collections::HashSet<usize> = (1..=100)
            .map(|n| Key::of(format!("spa-{n}").as_bytes()).slot(shape))
            .collect();
        assert!(slots.len() > 60, "{} slots for 100 names", slots.len());
    }

    #[test]
    fn names_of_a_folder_are_found_at_their_first_place() {
        let mut names = NameIndex::default();
        for n in 1..=100 {
            names.insert(&format!("spa-{n}"), n);
        }
        let first = (1..=100)
            .filter(|n| {
                let key = Key::of(format!("spa-{n}").as_bytes());
                names.slots[key.slot(names.shape)].holds(key)
            })
            .count();
        assert!(first >= 95, "{first} of 100 names at their first place");
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
