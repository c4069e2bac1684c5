//! Duplicate ids: the fingerprints of the ids seen, noted in order while they rise and in
//! a fixed-size table once they do not, either bounded.

/// Slots in the duplicate-id table (a power of two).
pub(super) const ID_SLOTS: usize = 1 << 21;
/// Distinct ids the table holds before it stops (three quarters full).
pub const DUPLICATE_CAPACITY: usize = ID_SLOTS / 4 * 3;

/// The ids seen so far, for the duplicate check. While each id comes after the one before
/// (see [`rises`]), as the ids of most logs do, none can repeat an earlier one: their
/// fingerprints and lines are only noted, one after another. Once an id does not, they
/// go into a fixed-size open-addressing table of 64-bit fingerprints and the line each
/// was on, where every later id is looked up. Neither grows past [`DUPLICATE_CAPACITY`]
/// ids, so memory does not grow with the input. A slot is the fingerprint's two halves
/// and the line, side by side, so a look-up touches one place.
pub(super) struct IdIndex {
    /// While the ids rise: each id's slot (as the table would hold it), in input order.
    pub(super) noted: Vec<[u32; 3]>,
    /// While the ids rise: the last id.
    pub(super) last: Option<Vec<u8>>,
    pub(super) rising: bool,
    /// Whether rising ids came past the capacity, unnoted (each was new all the same).
    pub(super) dropped: bool,
    /// Once they have not risen: the table (empty before).
    pub(super) slots: Vec<[u32; 3]>,
    pub(super) len: usize,
    /// The most ids kept ([`DUPLICATE_CAPACITY`], fewer in the unit tests).
    pub(super) capacity: usize,
}

/// Whether id `b` comes after id `a`: longer, or as long and greater byte by byte (so
/// `N9` comes before `N10`, and `N09` before `N10`).
pub(super) fn rises(a: &[u8], b: &[u8]) -> bool {
    (a.len(), a) < (b.len(), b)
}

/// The ids of a chunk's records, for the duplicate check: each record's id fingerprint,
/// and whether each id comes after the one before, with the first and the last.
pub(super) struct Prints {
    pub(super) prints: Vec<Option<u64>>,
    /// How many records had an id.
    pub(super) ids: usize,
    pub(super) rising: bool,
    pub(super) first: Vec<u8>,
    pub(super) last: Vec<u8>,
}

impl Default for Prints {
    fn default() -> Prints {
        Prints {
            prints: Vec::new(),
            ids: 0,
            rising: true,
            first: Vec::new(),
            last: Vec::new(),
        }
    }
}

impl Prints {
    pub(super) fn clear(&mut self) {
        self.prints.clear();
        self.ids = 0;
        self.rising = true;
        self.first.clear();
        self.last.clear();
    }

    pub(super) fn push(&mut self, id: Option<&str>) {
        let Some(id) = id else {
            self.prints.push(None);
            return;
        };
        // Ids compare by their value: `"a"` and `"\u0061"` are one id.
        let decoded = canonical(id);
        let id = decoded.as_deref().unwrap_or(id).as_bytes();
        self.prints.push(Some(fingerprint(id)));
        match self.ids {
            0 => self.first.extend_from_slice(id),
            _ => self.rising &= rises(&self.last, id),
        }
        self.ids += 1;
        self.last.clear();
        self.last.extend_from_slice(id);
    }
}

/// A string id written with escapes, as it is written without them; `None` when it has
/// none (it is its own canonical form).
#[inline]
fn canonical(id: &str) -> Option<String> {
    if !id.starts_with('"') || !super::records::has_backslash(id.as_bytes()) {
        return None;
    }
    let value: String = serde_json::from_str(id).ok()?;
    serde_json::to_string(&value).ok()
}

/// A 64-bit fingerprint of an id: eight bytes at a time, each folded in by a 128-bit
/// multiply (the construction of wyhash and foldhash), seeded with the length. The last
/// word is the id's last eight bytes (overlapping the one before), and an id of eight
/// bytes or fewer is one word, zero-padded: with the length, the words are the id.
pub(super) fn fingerprint(id: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    const M: u64 = 0xA076_1D64_78BD_642F;
    let fold = |a: u64, b: u64| {
        let p = u128::from(a).wrapping_mul(u128::from(b));
        (p as u64) ^ ((p >> 64) as u64)
    };
    let len = id.len();
    let h = fold(len as u64 ^ K, M);
    let Some(last) = id.last_chunk::<8>() else {
        let word = id.iter().rev().fold(0, |w, &b| w << 8 | u64::from(b));
        return fold(fold(h ^ word, M), K);
    };
    let word = |w: &[u8]| w.first_chunk::<8>().map_or(0, |w| u64::from_le_bytes(*w));
    let h = id
        .chunks_exact(8)
        .take((len - 1) / 8)
        .fold(h, |h, w| fold(h ^ word(w), M));
    fold(fold(h ^ u64::from_le_bytes(*last), M), K)
}

impl IdIndex {
    pub(super) fn new() -> IdIndex {
        IdIndex::holding(DUPLICATE_CAPACITY)
    }

    pub(super) fn holding(capacity: usize) -> IdIndex {
        IdIndex {
            noted: Vec::new(),
            last: None,
            rising: true,
            dropped: false,
            slots: Vec::new(),
            len: 0,
            capacity: capacity.min(DUPLICATE_CAPACITY),
        }
    }

    /// Takes the ids of a chunk whose first line is `first_line` when they rise on from
    /// the last id: then each is new, and is noted while there is room. `false` when they
    /// do not rise, and each is to be looked up with [`IdIndex::first_seen`].
    /// `numbers`: each record's line number in its input; `across`: the lines of the inputs
    /// before it.
    pub(super) fn take_rising(&mut self, prints: &Prints, across: u64, numbers: &[u64]) -> bool {
        if !self.rising {
            return false;
        }
        if prints.ids == 0 {
            return true;
        }
        let on = self
            .last
            .as_deref()
            .is_none_or(|last| rises(last, &prints.first));
        if !(prints.rising && on) {
            self.stop_rising();
            return false;
        }
        for (k, print) in prints.prints.iter().enumerate() {
            let Some(fp) = *print else { continue };
            if self.noted.len() >= self.capacity {
                self.dropped = true;
                break;
            }
            let line = numbers.get(k).copied().unwrap_or(k as u64 + 1);
            self.noted.push(slot_of(fp, across + line));
        }
        let last = self.last.get_or_insert_with(Vec::new);
        last.clear();
        last.extend_from_slice(&prints.last);
        true
    }

    /// Whether an id may repeat one that was not kept: ids came past the capacity while
    /// they rose, and have since stopped rising.
    pub(super) fn unchecked(&self) -> bool {
        self.dropped && !self.rising
    }

    /// Puts the ids noted while they rose into the table.
    pub(super) fn stop_rising(&mut self) {
        self.rising = false;
        self.last = None;
        self.slots = vec![[0; 3]; ID_SLOTS];
        for [lo, hi, line] in std::mem::take(&mut self.noted) {
            let fp = u64::from(lo) | u64::from(hi) << 32;
            // Rising ids are all different: none is found.
            let _ = self.first_seen(fp, u64::from(line));
        }
    }

    /// The line an id was first seen on, or `None` (and the id is remembered).
    /// `Err(())` when the table is full and the id could not be checked.
    /// The id is given by its [`fingerprint`].
    pub(super) fn first_seen(&mut self, fp: u64, line: u64) -> Result<Option<u64>, ()> {
        if self.rising {
            self.stop_rising();
        }
        let [lo, hi, line] = slot_of(fp, line);
        let mask = ID_SLOTS - 1;
        let mut slot = (lo as usize) & mask;
        loop {
            match self.slots.get(slot) {
                Some([0, 0, _]) | None => break,
                Some(&[l, h, first]) if l == lo && h == hi => {
                    return Ok(Some(u64::from(first)));
                }
                Some(_) => slot = (slot + 1) & mask,
            }
        }
        if self.len >= self.capacity {
            return Err(());
        }
        if let Some(s) = self.slots.get_mut(slot) {
            *s = [lo, hi, line];
            self.len += 1;
        }
        Ok(None)
    }
}

/// A fingerprint and a line as a slot holds them (zero marks an empty slot).
pub(super) fn slot_of(fp: u64, line: u64) -> [u32; 3] {
    let fp = fp.max(1);
    [
        fp as u32,
        (fp >> 32) as u32,
        u32::try_from(line).unwrap_or(u32::MAX),
    ]
}

/// What a batch does with a record's id, for the duplicate check (made by the batch that
/// writes the records in input order, against its table of ids).
pub(super) enum Ids {
    /// Keeps each record's id for the writing batch (evaluating a chunk).
    Deferred(Prints),
    /// Already knows where the next record's id was first seen (writing again one record
    /// found to be a duplicate).
    Known(Option<First>),
}

/// Where an id was first seen: its line, and the input it was in when that is another
/// than the one being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct First {
    pub(super) line: u64,
    pub(super) input: Option<String>,
}

impl std::fmt::Display for First {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.input {
            None => write!(f, "line {}", self.line),
            Some(input) => write!(f, "line {} of `{input}`", self.line),
        }
    }
}
