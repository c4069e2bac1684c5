//! `deemed serve`: the HTTP API.

use std::net::SocketAddr;
use std::process::ExitCode;

use super::failure::{Failure, Ran};

use super::RulesArgs;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    rules: RulesArgs,
    /// Where to listen: the loopback address unless told otherwise (port 0: any free port,
    /// said on standard error).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
}

pub(crate) fn run(args: &Args) -> Ran {
    let library = args.rules.library()?;
    deemed::serve::serve(library, args.addr)
        .map_err(|e| Failure::new(format!("cannot serve on {}: {e}", args.addr), None))?;
    Ok(ExitCode::SUCCESS)
}
