//! `deemed serve`: the HTTP API.

use std::net::SocketAddr;
use std::process::ExitCode;

use super::{RulesArgs, print_error};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    rules: RulesArgs,
    /// Where to listen: the loopback address unless told otherwise (port 0: any free port,
    /// said on standard error).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let library = match args.rules.library() {
        Ok(l) => l,
        Err(code) => return code,
    };
    match deemed::serve::serve(library, args.addr) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            print_error(&format!("cannot serve on {}: {e}", args.addr), None);
            ExitCode::from(2)
        }
    }
}
