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
    /// Connections held at once; a client beyond them waits until one closes.
    #[arg(long, value_name = "N", default_value_t = 512,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    max_connections: u32,
    /// Seconds a client has to send a request's headers; a connection that stalls longer is
    /// closed.
    #[arg(long, value_name = "SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout: u64,
    /// A host name to answer for besides the loopback ones (`localhost`, `127.0.0.1`,
    /// `[::1]`), as clients write it in the `Host` header; repeatable. A request naming any
    /// other host is refused (421), so that a web page elsewhere cannot read the rules
    /// through a name that resolves to this machine.
    #[arg(long = "allow-host", value_name = "NAME")]
    allow_hosts: Vec<String>,
}

pub(crate) fn run(args: &Args) -> Ran {
    let library = args.rules.library()?;
    let limits = deemed::serve::Limits {
        connections: usize::try_from(args.max_connections).unwrap_or(512),
        header_timeout: std::time::Duration::from_secs(args.header_timeout),
        hosts: args.allow_hosts.clone(),
        ..deemed::serve::Limits::default()
    };
    deemed::serve::serve(library, args.addr, limits)
        .map_err(|e| Failure::new(format!("cannot serve on {}: {e}", args.addr), None))?;
    Ok(ExitCode::SUCCESS)
}
