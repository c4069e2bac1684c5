//! The parser and checker survive anything: garbage, and every kind of damage to a real file.

use proptest::prelude::*;

fn load(text: String) {
    // Errors are fine; panics are not (proptest reports them as failures).
    let _ = deemed::syntax::parse(&text);
    let _ = deemed::Rules::from_source(deemed::Source {
        name: "fuzz.rules".into(),
        text,
    });
}

/// Pieces of the language, so that generated text gets past the first token now and then.
const PIECES: &[&str] = &[
    "agreement",
    "calendar",
    "party",
    "notice",
    "clause",
    "gap",
    "period",
    "when",
    "=>",
    "{",
    "}",
    "(",
    ")",
    ",",
    "\"",
    "\"x\"",
    "method",
    "fax",
    "sent",
    "before",
    "after",
    "at",
    "20:00",
    "23:59:60",
    "on",
    "business-day",
    "next",
    "upon",
    "receipt",
    "years",
    "1971",
    "through",
    "2100",
    "holiday",
    "january",
    "1",
    "last",
    "monday",
    "of",
    "easter",
    "-2",
    "shift",
    "sunday",
    "following",
    "#",
    "\n",
    " ",
    "\\",
    "é",
    "\u{0}",
    "9999999999999",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn garbage_never_panics(text in ".{0,200}") {
        load(text);
    }

    #[test]
    fn token_soup_never_panics(picks in proptest::collection::vec(0usize..PIECES.len(), 0..80)) {
        load(picks.iter().map(|&n| PIECES[n]).collect::<Vec<_>>().join(" "));
    }

    /// Cuts, insertions and copies anywhere in the shipped rules file.
    #[test]
    fn damaged_rules_never_panic(
        cuts in proptest::collection::vec((0usize..20_000, 0usize..200, 0usize..PIECES.len()), 1..6),
    ) {
        let mut text = deemed::DEFAULT_RULES.1.to_string();
        for (at, len, piece) in cuts {
            let at = floor_char(&text, at % (text.len() + 1));
            let end = floor_char(&text, (at + len).min(text.len()));
            match len % 3 {
                0 => text.replace_range(at..end, ""),
                1 => text.insert_str(at, PIECES[piece]),
                _ => {
                    let copy = text[at..end].to_string();
                    text.insert_str(end, &copy);
                }
            }
        }
        load(text);
    }
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[test]
fn deep_and_long_input_is_refused_cleanly() {
    // The grammar nests three deep at most (agreement, notice, rule): brackets beyond that
    // are syntax errors, found without recursion.
    let deep = format!("agreement \"a\" {}", "{ ".repeat(100_000));
    let e = deemed::syntax::parse(&deep).unwrap_err();
    assert!(e.to_string().starts_with("expected"), "{e}");
    let long = format!("calendar c \"{}\" {{ }}", "x".repeat(1 << 20));
    assert!(deemed::syntax::parse(&long).is_ok());
}
