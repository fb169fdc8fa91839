//! Notes: an MCP server whose every tool needs a signed-in user.
//!
//! - `add_numbers`, `subtract_numbers`, `multiply_numbers`, `divide_numbers` need the scope
//!   `use:calculator`;
//! - `create_note`, `update_note`, `delete_note` need `write:notes`, and `read_note`,
//!   `list_notes` need `read:notes`.
//!
//! Each user (the token's subject) has their own notes, kept in SQLite; nobody sees, changes
//! or deletes another's.
//!
//! ```text
//! notes [--host 127.0.0.1] [--port 8000] [--auth dev|proxy|jwt]
//! ```
//!
//! Who signs users in (`--auth`, or `NOTES_AUTH`; by default `jwt` when
//! `FASTAPPS_AUTH_ISSUER_URL` is set, `proxy` when an upstream provider is, else `dev`):
//!
//! - **`dev`**: the embedded development authorization server, with the test accounts of
//!   `NOTES_DEV_USERS` (a users file), else alice (every scope, password `alice`) and bob
//!   (`read:notes use:calculator`, password `bob`). Loopback only. `cargo run -p notes` with no
//!   settings at all starts this way.
//! - **`proxy`**: the app's own authorization server in front of an OIDC provider where it has a
//!   pre-registered client: `FASTAPPS_OAUTH_UPSTREAM_ISSUER`, `_CLIENT_ID`, `_CLIENT_SECRET`
//!   (optional `_SCOPES`, `_AUDIENCE`, `_SCOPES_CLAIM`), or Auth0's `AUTH0_DOMAIN`,
//!   `AUTH0_CLIENT_ID`, `AUTH0_CLIENT_SECRET`, `AUTH0_AUDIENCE`. Register
//!   `<public URL>/auth/callback` as its redirect URI.
//! - **`jwt`**: tokens of an external authorization server such as Auth0, verified here:
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `FASTAPPS_AUTH_ISSUER_URL` | the authorization server, e.g. `https://YOUR-TENANT.us.auth0.com/` | required |
//! | `FASTAPPS_AUTH_AUDIENCE` | the audience tokens must carry (Auth0: the API's identifier) | the resource URL |
//! | `FASTAPPS_AUTH_RESOURCE_SERVER_URL` | this server's URL as clients know it | `PUBLIC_URL` + `/mcp`, else the address bound |
//! | `FASTAPPS_AUTH_JWKS_URI` | where the signing keys are | the issuer's metadata |
//! | `FASTAPPS_AUTH_REQUIRED_SCOPES` | scopes every call needs | none |
//! | `FASTAPPS_AUTH_SCOPES_SUPPORTED` | scopes announced to clients | every scope the tools name |
//!
//! With `dev` and `proxy`, the authorization server keeps its state as
//! `FASTAPPS_OAUTH_STORE` says (`memory`, `sqlite:<file>` or a `redis://` URL; sealed with
//! `FASTAPPS_OAUTH_SEALING_KEY`), see `docs/auth.md`. `NOTES_DB` is the notes' SQLite file
//! (default `notes.db`).
//!
//! `HOST`, `PORT`, `PUBLIC_URL` and the other `serve_from_env` settings are read too, from the
//! environment or a `.env` file. Once listening, `notes` prints `listening on http://<addr>/mcp`
//! (with `--port 0`, the port the system chose).

mod calculator;
mod notes;
mod store;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use fastapps_core::auth::Auth;
use fastapps_core::{ServerBuilder, WidgetMcpServer};
use fastapps_oauth::{AuthorizationServer, DevUsers, Upstream};

use crate::store::NotesStore;

/// The path the server answers MCP requests on (the builder's default).
const MCP_PATH: &str = "/mcp";

/// Serve the notes and calculator tools to signed-in users.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to bind (default: HOST, else 127.0.0.1).
    #[arg(long)]
    host: Option<String>,
    /// Port to bind (default: PORT, else 8000).
    #[arg(long)]
    port: Option<u16>,
    /// Who signs users in (default: jwt with FASTAPPS_AUTH_ISSUER_URL set, proxy with an
    /// upstream provider set, else dev).
    #[arg(long, value_enum, env = "NOTES_AUTH")]
    auth: Option<AuthMode>,
}

/// Where the users and their tokens come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum AuthMode {
    /// The embedded development authorization server and its test accounts.
    Dev,
    /// The app's own authorization server in front of an upstream OIDC provider.
    Proxy,
    /// An external authorization server's tokens (FASTAPPS_AUTH_*).
    Jwt,
}

/// The test accounts of `dev` without a users file.
const DEV_USERS: &str = include_str!("../dev-users.toml");

/// Runs the server; an error stops it with its message (and causes) on stderr and a non-zero
/// exit status.
fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("notes: {error:#}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let (builder, mut addr) = WidgetMcpServer::builder("notes")
        .version(env!("CARGO_PKG_VERSION"))
        .title("Notes")
        .instructions(
            "Private notes of the signed-in user (create, read, list, update, delete) and a calculator. \
             Note ids come from create_note and list_notes.",
        )
        .path(MCP_PATH)
        .from_env()?;
    // The flags win over the environment.
    addr.host = args.host.unwrap_or(addr.host);
    addr.port = args.port.unwrap_or(addr.port);

    // Bound before the server is built: the resource URL the tokens are checked against may
    // name the port, which the system picks with `--port 0`.
    let listener =
        tokio::net::TcpListener::bind(addr.to_string()).await.with_context(|| format!("cannot listen on {addr}"))?;
    let listen_url = format!("http://{}{MCP_PATH}", listener.local_addr()?);
    let mode = match args.auth {
        Some(mode) => mode,
        None if std::env::var("FASTAPPS_AUTH_ISSUER_URL").is_ok_and(|v| !v.trim().is_empty()) => AuthMode::Jwt,
        None if Upstream::from_env().map_err(anyhow::Error::msg)?.is_some() => AuthMode::Proxy,
        None => AuthMode::Dev,
    };
    let builder = sign_in(builder, mode, &listen_url).await?;

    let db = std::env::var_os("NOTES_DB").filter(|v| !v.is_empty()).map_or_else(|| "notes.db".into(), PathBuf::from);
    let opening = db.clone();
    let store = tokio::task::spawn_blocking(move || NotesStore::open(&opening))
        .await?
        .with_context(|| format!("cannot open the notes database {}", db.display()))?;
    tracing::info!(db = %db.display(), "notes database open");
    let server = builder.state(store).build_server()?;
    println!("listening on {listen_url}");
    server.serve_on(listener).await?;
    Ok(())
}

/// The builder with its sign-in set up for `mode`.
async fn sign_in(builder: ServerBuilder, mode: AuthMode, listen_url: &str) -> anyhow::Result<ServerBuilder> {
    let server = match mode {
        AuthMode::Jwt => return Ok(builder.auth(auth(listen_url)?)),
        AuthMode::Dev => {
            let users = match std::env::var_os("NOTES_DEV_USERS").filter(|v| !v.is_empty()) {
                Some(path) => DevUsers::from_file(path).map_err(anyhow::Error::msg)?,
                None => DevUsers::parse(DEV_USERS).map_err(anyhow::Error::msg)?,
            };
            AuthorizationServer::development(users)
        }
        AuthMode::Proxy => {
            let upstream = Upstream::from_env().map_err(anyhow::Error::msg)?.context(
                "--auth proxy needs the upstream provider: set FASTAPPS_OAUTH_UPSTREAM_ISSUER, \
                 FASTAPPS_OAUTH_UPSTREAM_CLIENT_ID and FASTAPPS_OAUTH_UPSTREAM_CLIENT_SECRET (or AUTH0_DOMAIN, \
                 AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET and AUTH0_AUDIENCE)",
            )?;
            AuthorizationServer::proxy(upstream)
        }
    };
    let server = server.name("Notes").settings_from_env().await.map_err(anyhow::Error::msg)?;
    let resource_side = Auth::local().default_resource_server_url(listen_url).resource_name("Notes");
    Ok(builder.extension(server).auth(resource_side))
}

/// The OAuth settings, from the `FASTAPPS_AUTH_*` variables; an error saying what to set when
/// `FASTAPPS_AUTH_ISSUER_URL` is missing. `listen_url` is this server's URL as bound: the
/// resource URL (and so the audience tokens must carry, unless `FASTAPPS_AUTH_AUDIENCE` says
/// otherwise) when neither `FASTAPPS_AUTH_RESOURCE_SERVER_URL` nor `PUBLIC_URL` is set.
fn auth(listen_url: &str) -> anyhow::Result<Auth> {
    let Some(auth) = Auth::from_env_opt().context("invalid FASTAPPS_AUTH_* settings")? else {
        anyhow::bail!(
            "FASTAPPS_AUTH_ISSUER_URL is not set, and every tool here needs a user signed in with an \
             OAuth authorization server.\n\
             Set FASTAPPS_AUTH_ISSUER_URL to its issuer, exactly as in the tokens' `iss` \
             (e.g. https://YOUR-TENANT.us.auth0.com/, with Auth0's trailing slash).\n\
             Optional: FASTAPPS_AUTH_AUDIENCE (the audience the tokens carry; with Auth0, the API's \
             identifier; default: the resource URL), FASTAPPS_AUTH_RESOURCE_SERVER_URL (default: {}), \
             FASTAPPS_AUTH_JWKS_URI, FASTAPPS_AUTH_REQUIRED_SCOPES, FASTAPPS_AUTH_SCOPES_SUPPORTED.",
            listen_url
        );
    };
    // The public URL (PUBLIC_URL or fastapps.toml), when set, wins over the bound address.
    Ok(auth.default_resource_server_url(listen_url).resource_name("Notes"))
}
