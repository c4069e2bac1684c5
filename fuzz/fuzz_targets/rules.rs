//! The rules parser, checker, formatter and lint on any text: no panic, and the formatted
//! text of a file that parses parses to the same tree.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
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
