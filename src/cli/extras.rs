//! `deemed completions` and `deemed man`: the shell completions and the manual page, made
//! from the same definition of the command line as the program parses.

use std::process::ExitCode;

use super::failure::{Failure, Ran};

use clap::CommandFactory;
use clap_complete::Shell;

use super::Cli;

#[derive(Debug, clap::Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to write completions for.
    #[arg(value_enum)]
    shell: Shell,
}

/// Writes the completion script for a shell to standard output.
pub(crate) fn completions(args: &CompletionsArgs) -> Ran {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "deemed", &mut out);
    write(&out)
}

/// Writes the manual page (roff) to standard output: the command, then a section per
/// subcommand with its synopsis, options and examples.
pub(crate) fn man() -> Ran {
    let command = Cli::command();
    let mut out = Vec::new();
    let mut render = || -> std::io::Result<()> {
        clap_mangen::Man::new(command.clone()).render(&mut out)?;
        for sub in command.get_subcommands() {
            let name = format!("deemed {}", sub.get_name());
            let sub = sub.clone().bin_name(name.clone());
            std::io::Write::write_all(
                &mut out,
                format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes(),
            )?;
            let page = clap_mangen::Man::new(sub.clone());
            page.render_synopsis_section(&mut out)?;
            page.render_description_section(&mut out)?;
            page.render_options_section(&mut out)?;
            page.render_extra_section(&mut out)?;
        }
        Ok(())
    };
    render().map_err(|e| Failure::new(&e, None))?;
    write(&out)
}

fn write(bytes: &[u8]) -> Ran {
    super::output::stdout_raw(&String::from_utf8_lossy(bytes))?;
    Ok(ExitCode::SUCCESS)
}
