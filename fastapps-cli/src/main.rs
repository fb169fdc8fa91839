//! The `fastapps` command.

use clap::Parser;

/// Build apps for ChatGPT and other MCP hosts.
#[derive(Debug, Parser)]
#[command(name = "fastapps", version, about, long_about = None)]
struct Cli {}

fn main() -> anyhow::Result<()> {
    let _cli = Cli::parse();
    Ok(())
}
