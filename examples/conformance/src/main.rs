//! The fixture server the official MCP conformance suite (`@modelcontextprotocol/conformance`)
//! runs its server scenarios against: every tool, resource, template and prompt the suite
//! calls, with the names and behaviour it expects, built with fastapps-core's public API.
//!
//! ```text
//! conformance-server [--host 127.0.0.1] [--port 3000] [--stateless] [--require-request-headers]
//! ```
//!
//! Once listening it prints `listening on http://<addr>/mcp` on stdout (with `--port 0`, the
//! port the system chose), which the test scripts wait for.

mod fixtures;

use clap::Parser;
use fastapps_core::WidgetMcpServer;
use tokio::net::TcpListener;

/// Serve the MCP conformance fixtures.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to bind; 0 picks a free one.
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Run without sessions.
    #[arg(long)]
    stateless: bool,
    /// Refuse 2026-07-28 requests that omit a request header (`Mcp-Method`, `Mcp-Name`, …).
    #[arg(long)]
    require_request_headers: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,fastapps_core=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let builder = WidgetMcpServer::builder("conformance-server")
        .version(env!("CARGO_PKG_VERSION"))
        .instructions("Fixtures for the MCP conformance suite.")
        .stateless(args.stateless)
        .require_request_headers(args.require_request_headers);
    let listener = TcpListener::bind((args.host.trim_matches(['[', ']']), args.port)).await?;
    fixtures::register(builder).serve_on(listener).await?;
    Ok(())
}
