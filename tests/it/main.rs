//! Integration tests: one binary, running the library and the real `deemed` executable.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod addresses;
mod batch;
mod calendar_cli;
mod calendar_table;
mod changes;
mod check_errors;
mod check_lint;
mod cli_help;
mod corpus;
mod deliveries;
mod diff;
mod differential;
mod edges;
mod files;
mod folder_batch;
mod format;
mod generality;
mod hostile;
mod json_errors;
mod latest_send;
mod library;
mod lint_cells;
mod one_semantics;
mod page;
mod properties;
mod readme;
mod reference;
mod robustness;
mod serve;
mod shipped;
mod show;
mod when_effective;
mod window;
mod workbook;

use std::process::Command;

/// Runs the real binary; returns stdout, stderr and the exit code.
pub fn deemed(args: &[&str]) -> (String, String, i32) {
    // The tests say which rules they use: a DEEMED_RULES of the one who runs them must not.
    let out = Command::new(env!("CARGO_BIN_EXE_deemed"))
        .args(args)
        .env_remove("DEEMED_RULES")
        .output()
        .expect("the deemed binary runs");
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

/// The reference query of the README's tour, `extra` arguments after it: §4.2's fax sent
/// at 9:15 p.m. on Friday 2000-03-03 to the company's designated number.
pub fn reference_query(extra: &[&str]) -> (String, String, i32) {
    let mut args = vec!["when-effective"];
    args.extend_from_slice(REFERENCE);
    args.extend_from_slice(extra);
    deemed(&args)
}

/// The reference query's notice, as `when-effective` takes it.
pub const REFERENCE: &[&str] = &[
    "--method",
    "fax",
    "--sent",
    "2000-03-03T21:15:00-05:00",
    "--to",
    "company",
    "--fax-number",
    "(949) 788-6706",
];

/// A folder of the test binary's own under the system's temporary folder, for one group of
/// tests.
pub fn temp_dir(group: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("deemed-{group}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A file with `text` in [`temp_dir`]`(group)`; its path.
pub fn temp_file(group: &str, name: &str, text: &str) -> String {
    let path = temp_dir(group).join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// The embedded default rules, loaded once for the whole test binary.
pub fn rules() -> &'static deemed::Rules {
    static RULES: std::sync::OnceLock<deemed::Rules> = std::sync::OnceLock::new();
    RULES.get_or_init(|| deemed::Rules::default_rules().unwrap())
}
