//! The rules parser, checker, formatter and lint on any text: no panic, the formatted text
//! of a file that parses parses to the same tree, and reading on after errors ends with the
//! first error that stopping at it gives.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match (deemed::syntax::parse(text), deemed::syntax::parse_all(text)) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(first), Err(all)) => assert_eq!(all.first(), Some(&first)),
        _ => panic!("parse and parse_all disagree on whether the text parses"),
    }
    if let Ok(file) = deemed::syntax::parse(text) {
        let formatted = deemed::syntax::format(&file, text);
        let again = deemed::syntax::parse(&formatted).expect("the formatted text parses");
        assert_eq!(again, file, "formatting changed the tree");
    }
    let loaded = deemed::Rules::from_source(deemed::Source {
        name: "fuzz.rules".into(),
        text: text.to_string(),
    });
    match loaded {
        Ok(rules) => {
            let _ = rules.coverage().map(|c| c.to_string());
            let _ = rules.warnings().to_string();
        }
        // Every error renders, with its line and caret.
        Err(d) => assert!(!d.to_string().is_empty()),
    }
});
