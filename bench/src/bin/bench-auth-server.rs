//! The server of the auth benchmark: one tool, `echo`, on fastapps, with or without OAuth.
//!
//! With auth (the default) the tool requires a signed-in user with the scope `bench`, and the
//! server accepts RS256 access tokens from an issuer this same process plays (fastapps'
//! `TestIssuer`): an RSA key generated at start-up, the issuer's discovery document and JWKS on
//! a second 127.0.0.1 listener, which the server fetches its keys from like from any identity
//! provider.
//! With `--no-auth` the same tool is served without any of that. The tool's code is the same in
//! both modes.
//!
//! Once listening it prints `listening on http://<addr>/mcp`, then `token <jwt>`: a valid
//! access token for that URL (one hour, scope `bench`), or `token -` with `--no-auth`.

use std::io::Write as _;
use std::net::IpAddr;

use anyhow::{Context, Result};
use clap::Parser;
use fastapps_core::WidgetMcpServer;
use fastapps_core::auth::Auth;
use fastapps_core::protocol::CallToolResult;
use fastapps_core::registry::{Security, ToolDef};
use fastapps_core::testing::TestIssuer;
use tokio::net::TcpListener;

/// The scope the tool requires.
const SCOPE: &str = "bench";

/// What the tool answers.
const TEXT: &str = "This is a fixed text response for the auth benchmark.";

/// fastapps server with one tool, with or without OAuth, for the auth benchmark.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to bind; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Serve the tool without auth (no issuer, no token).
    #[arg(long)]
    no_auth: bool,
}

/// The `echo` tool: a short fixed text, no arguments.
fn echo() -> ToolDef {
    ToolDef::new("echo", |_args, _ctx| async { Ok(CallToolResult::text(TEXT)) })
        .description("Answers a short fixed text (auth benchmark).")
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let listener = TcpListener::bind((args.host, args.port))
        .await
        .with_context(|| format!("binding {}:{}", args.host, args.port))?;
    let url = format!("http://{}/mcp", listener.local_addr().context("reading bound address")?);

    let builder = WidgetMcpServer::builder("bench-auth-server").version(env!("CARGO_PKG_VERSION")).macro_tools(false);
    // Kept alive while serving: it serves the issuer's keys.
    let mut issuer = None;
    let (server, token) = if args.no_auth {
        (builder.tool(echo()).build_server()?, None)
    } else {
        let started = TestIssuer::start().await.context("starting the issuer")?.for_audience(url.clone());
        let token = started.token("bench-user", [SCOPE]);
        let server = builder
            .tool(echo().security(Security::required([SCOPE])))
            .auth(Auth::issuer(started.url()).resource_server_url(url.clone()))
            .build_server()?;
        issuer = Some(started);
        (server, Some(token))
    };

    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {url}").context("writing to stdout")?;
    writeln!(stdout, "token {}", token.as_deref().unwrap_or("-")).context("writing to stdout")?;
    stdout.flush().context("flushing stdout")?;
    drop(stdout);

    // With auth, this first fetches the issuer's keys (from the listener above).
    let served = server.serve_on(listener).await.context("serving");
    drop(issuer);
    served
}
