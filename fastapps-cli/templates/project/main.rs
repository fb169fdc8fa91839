//! {{name}}: an MCP app whose tools render widgets in ChatGPT and MCP Apps hosts.
//!
//! `cargo run` serves it on http://127.0.0.1:8000/mcp. `HOST`, `PORT`, `PUBLIC_URL`, the
//! `FASTAPPS_*` settings (see `.env.example`) and `fastapps.toml` change that; a `.env` file is
//! read too. Every `#[widget]` and `#[tool]` linked into the program is served.

mod tools;
mod widgets;

use anyhow::Context as _;
use fastapps_core::WidgetMcpServer;
use fastapps_core::auth::Auth;
use fastapps_oauth::{AuthorizationServer, DevUsers, Upstream};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let (builder, addr) = WidgetMcpServer::builder("{{name}}")
        .version(env!("CARGO_PKG_VERSION"))
        // Hosted widget builds (`[build] mode = "hosted"`) load their scripts from /assets.
        .serve_assets("assets")
        .from_env()?;
    let listener =
        tokio::net::TcpListener::bind(addr.to_string()).await.with_context(|| format!("cannot listen on {addr}"))?;
    let listen_url = format!("http://{}{}", listener.local_addr()?, builder.endpoint_path());
    // Who signs users in (see .env.example): the identity provider FASTAPPS_AUTH_ISSUER_URL
    // names; else this server's own authorization server in front of the provider
    // FASTAPPS_OAUTH_UPSTREAM_* (or AUTH0_*) names, for providers that cannot register MCP
    // clients; else, under `fastapps dev`, the development sign-in with the test accounts of
    // dev-users.toml; else nobody, and #[auth_required] tools refuse every call.
    let builder = if let Some(auth) = Auth::from_env_opt()? {
        builder.auth(auth.default_resource_server_url(&listen_url))
    } else {
        let own_server = match Upstream::from_env().map_err(anyhow::Error::msg)? {
            Some(upstream) => Some(AuthorizationServer::proxy(upstream)),
            None if std::env::var("FASTAPPS_DEV_AUTH").is_ok_and(|v| v == "1") => {
                let users = DevUsers::from_file("dev-users.toml").map_err(anyhow::Error::msg)?;
                Some(AuthorizationServer::development(users))
            }
            None => None,
        };
        match own_server {
            Some(server) => {
                let server = server.settings_from_env().await.map_err(anyhow::Error::msg)?;
                builder.extension(server).auth(Auth::local().default_resource_server_url(&listen_url))
            }
            None => builder,
        }
    };
    let server = builder.build_server()?;
    println!("listening on {listen_url}");
    server.serve_on(listener).await?;
    Ok(())
}
