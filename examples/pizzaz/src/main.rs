//! Pizzaz: pizza widgets for ChatGPT and MCP Apps hosts, in the style of the OpenAI Apps SDK
//! examples. Three widgets (a list, a carousel, a map) and a tool the widgets call, all
//! declared with `#[widget]`/`#[tool]`; no sign-in needed.
//!
//! ```text
//! pizzaz [--host 127.0.0.1] [--port 8000]
//! ```
//!
//! `PUBLIC_URL` (e.g. a tunnel's URL) and the other `serve_from_env` settings are read too.
//! Once listening it prints `listening on http://<addr>/mcp` (with `--port 0`, the port the
//! system chose).

mod places;
mod widgets;

use clap::Parser;
use fastapps_core::WidgetMcpServer;

/// Serve the pizzaz widgets.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to bind (default: HOST, else 127.0.0.1).
    #[arg(long)]
    host: Option<String>,
    /// Port to bind (default: PORT, else 8000).
    #[arg(long)]
    port: Option<u16>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let (builder, mut addr) = WidgetMcpServer::builder("pizzaz")
        .version(env!("CARGO_PKG_VERSION"))
        .title("Pizzaz")
        .instructions("Pizza places in San Francisco. Show them with the widgets; pass a topping to favour it.")
        .from_env()?;
    // The flags win over the environment.
    addr.host = args.host.unwrap_or(addr.host);
    addr.port = args.port.unwrap_or(addr.port);
    let server = builder.build_server()?;
    let listener = tokio::net::TcpListener::bind(addr.to_string()).await?;
    println!("listening on http://{}{}", listener.local_addr()?, server.path());
    server.serve_on(listener).await?;
    Ok(())
}
