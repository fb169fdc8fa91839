//! Serves [`{{crate_name}}::app`]: `cargo run` on http://127.0.0.1:8000/mcp. `HOST`, `PORT`,
//! `--host`, `--port`, `PUBLIC_URL`, the `FASTAPPS_*` settings (see `.env.example`) and
//! `fastapps.toml` change that; a `.env` file is read too.

use fastapps_core::auth::Auth;
use fastapps_oauth::{AuthorizationServer, DevUsers, Upstream};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    // Who signs users in (see .env.example): the identity provider FASTAPPS_AUTH_ISSUER_URL
    // names; else this server's own authorization server in front of the provider
    // FASTAPPS_OAUTH_UPSTREAM_* (or AUTH0_*) names, for providers that cannot register MCP
    // clients; else, under `fastapps dev`, the development sign-in with the test accounts of
    // dev-users.toml; else nobody, and #[auth_required] tools refuse every call. Without
    // PUBLIC_URL, the address bound is the resource URL tokens are issued for.
    let app = {{crate_name}}::app();
    let app = if let Some(auth) = Auth::from_env_opt()? {
        app.auth(auth)
    } else {
        let own_server = match Upstream::from_env()? {
            Some(upstream) => Some(AuthorizationServer::proxy(upstream)),
            None if std::env::var("FASTAPPS_DEV_AUTH").is_ok_and(|v| v == "1") => {
                Some(AuthorizationServer::development(DevUsers::from_file("dev-users.toml")?))
            }
            None => None,
        };
        match own_server {
            Some(server) => app.extension(server.settings_from_env().await?).auth(Auth::local()),
            None => app,
        }
    };
    app.serve_from_env().await?;
    Ok(())
}
