//! The `deemed` command: parses arguments, calls the library, prints, and exits.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
