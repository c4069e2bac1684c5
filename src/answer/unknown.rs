//! A name the rules do not know, and the one meant.

/// A name the rules do not know, with the ones they do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// `method`, `party` (a recipient), `sender` or `calendar`.
    pub what: &'static str,
    /// The name given.
    pub name: String,
    /// The names that exist.
    pub known: Vec<String>,
    /// What each of `known` is, in words, when the rules say (a method's description, a
    /// party's title, a calendar's title): a suggestion may come from them.
    pub described: Vec<String>,
}

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown {} `{}`", self.what, self.name)
    }
}

impl UnknownName {
    /// `known methods: `fax`, `courier``; past 16 names, how many more there are.
    pub fn help(&self) -> String {
        const LISTED: usize = 16;
        let mut names: Vec<String> = self
            .known
            .iter()
            .take(LISTED)
            .map(|k| format!("`{k}`"))
            .collect();
        if self.known.len() > LISTED {
            names.push(format!("and {} more", self.known.len() - LISTED));
        }
        let plural = match self.what {
            "party" | "sender" => "parties",
            "method" => "methods",
            "calendar" => "calendars",
            "clause" => "clauses",
            "period" => "periods",
            "agreement" => "agreements",
            other => other,
        };
        let known = if names.is_empty() {
            format!("no {plural} are declared")
        } else {
            format!("known {plural}: {}", names.join(", "))
        };
        match self.suggestion() {
            Some(s) => format!("did you mean `{s}`? {known}"),
            None => known,
        }
    }

    /// The known name the one given most likely means: one a few edits away (whatever the
    /// case), or else one whose words say it (`facsimile` for `fax`, "delivered via
    /// facsimile").
    pub fn suggestion(&self) -> Option<&str> {
        let given = self.name.to_lowercase();
        if given.is_empty() {
            return None;
        }
        let length = given.chars().count();
        let most = (length / 3).max(1);
        let lowered: Vec<String> = self.known.iter().map(|k| k.to_lowercase()).collect();
        // Names whose lengths differ by more than `most` are more than `most` edits apart:
        // not compared (a log of many unknown names, each compared with every known one,
        // would take quadratic time).
        let near = (self.known.iter().zip(&lowered))
            .filter(|(_, lower)| lower.chars().count().abs_diff(length) <= most)
            .map(|(k, lower)| (edit_distance(&given, lower), k))
            .filter(|(d, _)| *d <= most)
            .min_by_key(|(d, _)| *d)
            .map(|(_, k)| k.as_str());
        // The only known name that the one given begins (`spa` for `spa-2000-02-25`).
        let begun = || {
            let mut begun = (self.known.iter().zip(&lowered))
                .filter(|(_, lower)| lower.starts_with(&given))
                .map(|(k, _)| k);
            match (begun.next(), begun.next()) {
                (Some(only), None) => Some(only.as_str()),
                _ => None,
            }
        };
        near.or_else(begun).or_else(|| {
            // A word of the description that is the name given, or that it begins (at
            // least four letters of it).
            let is_it = |w: &str| w == given || (given.len() >= 4 && w.starts_with(&given));
            let says = |words: &str| match words.is_ascii() {
                // Lowered whole: an ASCII letter or digit stays one; a word the name is or
                // begins is somewhere in the words.
                true => {
                    let lower = words.to_ascii_lowercase();
                    lower.contains(given.as_str())
                        && lower.split(|c: char| !c.is_alphanumeric()).any(is_it)
                }
                false => {
                    (words.split(|c: char| !c.is_alphanumeric())).any(|w| is_it(&w.to_lowercase()))
                }
            };
            (self.known.iter().zip(&self.described))
                .find(|(_, d)| says(d))
                .map(|(k, _)| k.as_str())
        })
    }
}

/// The edit distance between two short names: insertions, deletions, substitutions and
/// swaps of two neighbouring letters (`fxa` is one from `fax`) each count one.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let width = b.len() + 1;
    // d[i][j]: the distance between the first i letters of a and the first j of b.
    let mut d = vec![0usize; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            let value = match (i, j) {
                (0, j) => j,
                (i, 0) => i,
                (i, j) => {
                    let same = a.get(i - 1) == b.get(j - 1);
                    let get = |i, j| d.get(at(i, j)).copied().unwrap_or(usize::MAX - 1);
                    let mut best = (get(i - 1, j) + 1)
                        .min(get(i, j - 1) + 1)
                        .min(get(i - 1, j - 1) + usize::from(!same));
                    let swapped = i > 1
                        && j > 1
                        && a.get(i - 1) == b.get(j - 2)
                        && a.get(i - 2) == b.get(j - 1);
                    if swapped {
                        best = best.min(get(i - 2, j - 2) + 1);
                    }
                    best
                }
            };
            if let Some(cell) = d.get_mut(at(i, j)) {
                *cell = value;
            }
        }
    }
    d.last().copied().unwrap_or(0)
}

impl std::error::Error for UnknownName {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_between_names() {
        assert_eq!(edit_distance("fax", "fax"), 0);
        assert_eq!(edit_distance("fxa", "fax"), 1);
        assert_eq!(edit_distance("compnay", "company"), 1);
        assert_eq!(edit_distance("hnd", "hand"), 1);
        assert_eq!(edit_distance("", "mail"), 4);
        assert_eq!(edit_distance("courier", "fax"), 7);
    }

    fn unknown(name: &str, known: &[(&str, &str)]) -> UnknownName {
        UnknownName {
            what: "method",
            name: name.into(),
            known: known.iter().map(|(k, _)| k.to_string()).collect(),
            described: known.iter().map(|(_, d)| d.to_string()).collect(),
        }
    }

    #[test]
    fn suggestions_by_edits_and_by_words() {
        let methods = [
            ("fax", "delivered via facsimile"),
            (
                "courier",
                "sent by nationally recognized overnight courier service",
            ),
            ("email", "sent by electronic mail"),
        ];
        assert_eq!(unknown("FAXX", &methods).suggestion(), Some("fax"));
        assert_eq!(unknown("facsimile", &methods).suggestion(), Some("fax"));
        assert_eq!(unknown("overnight", &methods).suggestion(), Some("courier"));
        assert_eq!(unknown("electronic", &methods).suggestion(), Some("email"));
        assert_eq!(unknown("pigeon", &methods).suggestion(), None);
        // Words shorter than four letters only match whole.
        assert_eq!(unknown("via", &methods).suggestion(), Some("fax"));
        assert_eq!(unknown("se", &methods).suggestion(), None);
    }
}

#[cfg(test)]
mod suggestion_tests {
    use super::{UnknownName, edit_distance};
    use proptest::prelude::*;

    /// [`UnknownName::suggestion`] as first written: every known name compared, every
    /// word of every description lowered on its own.
    fn suggestion_by_every_name(u: &UnknownName) -> Option<&str> {
        let given = u.name.to_lowercase();
        if given.is_empty() {
            return None;
        }
        let most = (given.chars().count() / 3).max(1);
        let near = (u.known.iter())
            .map(|k| (edit_distance(&given, &k.to_lowercase()), k))
            .filter(|(d, _)| *d <= most)
            .min_by_key(|(d, _)| *d)
            .map(|(_, k)| k.as_str());
        let begun = || {
            let mut begun = (u.known.iter()).filter(|k| k.to_lowercase().starts_with(&given));
            match (begun.next(), begun.next()) {
                (Some(only), None) => Some(only.as_str()),
                _ => None,
            }
        };
        near.or_else(begun).or_else(|| {
            let says = |words: &str| {
                words
                    .split(|c: char| !c.is_alphanumeric())
                    .map(str::to_lowercase)
                    .any(|w| w == given || (given.len() >= 4 && w.starts_with(&given)))
            };
            (u.known.iter().zip(&u.described))
                .find(|(_, d)| says(d))
                .map(|(k, _)| k.as_str())
        })
    }

    fn text(most: usize) -> impl Strategy<Value = String> {
        let letters = vec![
            "a", "b", "s", "p", "-", "1", "A", "S", "ß", "İ", "Σ", " ", "é",
        ];
        prop::collection::vec(prop::sample::select(letters), 0..most).prop_map(|l| l.concat())
    }

    proptest! {
        /// Leaving out the names too long or too short to be near gives the same answer.
        #[test]
        fn suggestions_are_those_of_every_name_compared(
            // Any text, or a word of four letters or more (which a description may begin).
            name in prop_oneof![text(24), "[a-zA-Z1]{4,10}"],
            known in prop::collection::vec((text(12), text(30), any::<bool>()), 0..12),
        ) {
            // Some descriptions hold the name given, after other words.
            let described = known.iter().map(|(_, d, holds)| match holds {
                true => format!("{d} {name}s"),
                false => d.clone(),
            });
            let u = UnknownName {
                what: "agreement",
                name: name.clone(),
                known: known.iter().map(|(k, _, _)| k.clone()).collect(),
                described: described.collect(),
            };
            prop_assert_eq!(u.suggestion(), suggestion_by_every_name(&u));
        }
    }
}
