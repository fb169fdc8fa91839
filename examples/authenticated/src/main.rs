//! The OpenAI Apps SDK's authenticated pizzaz server, done right: every token verified (JWKS,
//! `iss`, `aud`, `exp`, scopes), RFC 9728 metadata, and the challenges ChatGPT and the SDK
//! clients act on.
//!
//! ```text
//! authenticated [--host 127.0.0.1] [--port 8000]
//! ```
//!
//! Settings: the `FASTAPPS_AUTH_*` variables (see `docs/auth.md`), or the Apps SDK example's
//! names: `AUTHORIZATION_SERVER_URL` (the issuer), `RESOURCE_SERVER_URL` (the MCP URL),
//! `JWT_AUDIENCES` (space or comma separated). Prints `listening on http://<addr>/mcp` once
//! listening.

mod data;
mod tools;

use anyhow::Context as _;
use clap::Parser;
use fastapps_core::WidgetMcpServer;
use fastapps_core::auth::Auth;

/// Serve the authenticated pizzaz widgets.
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

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The auth settings: `FASTAPPS_AUTH_*`, else the Apps SDK example's variable names.
fn auth(listen_url: &str) -> anyhow::Result<Auth> {
    let auth = match Auth::from_env_opt()? {
        Some(auth) => auth,
        None => {
            let issuer = env("AUTHORIZATION_SERVER_URL").context(
                "set FASTAPPS_AUTH_ISSUER_URL (or AUTHORIZATION_SERVER_URL) to your identity provider's issuer, \
                 e.g. https://tenant.us.auth0.com/ — see docs/auth.md",
            )?;
            let mut auth = Auth::issuer(issuer);
            if let Some(url) = env("RESOURCE_SERVER_URL") {
                auth = auth.resource_server_url(url);
            }
            for audience in env("JWT_AUDIENCES").iter().flat_map(|a| a.split([' ', ','])).filter(|a| !a.is_empty()) {
                auth = auth.audience(audience);
            }
            auth
        }
    };
    Ok(auth.scopes_supported(["pizza:read"]).resource_name("Pizzaz").default_resource_server_url(listen_url))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let (builder, mut addr) = WidgetMcpServer::builder("authenticated")
        .version(env!("CARGO_PKG_VERSION"))
        .title("Pizzaz (authenticated)")
        .instructions("Pizza in San Francisco. Signing in shows the user's past orders and usual places.")
        .from_env()?;
    addr.host = args.host.unwrap_or(addr.host);
    addr.port = args.port.unwrap_or(addr.port);
    let listener = tokio::net::TcpListener::bind(addr.to_string()).await?;
    let listen_url = format!("http://{}/mcp", listener.local_addr()?);
    let server = builder.auth(auth(&listen_url)?).build_server()?;
    println!("listening on {listen_url}");
    server.serve_on(listener).await?;
    Ok(())
}
