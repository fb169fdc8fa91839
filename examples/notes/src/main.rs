//! Serves [`notes::app`] with the sign-in it is asked for.
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

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use fastapps_core::ServerBuilder;
use fastapps_core::auth::Auth;
use fastapps_oauth::{AuthorizationServer, DevUsers, Upstream};
use notes::NotesStore;

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
    let (builder, mut addr) = notes::app().from_env()?;
    // The flags win over the environment.
    addr.host = args.host.unwrap_or(addr.host);
    addr.port = args.port.unwrap_or(addr.port);
    // Bound before the sign-in is set up, so its errors can name the address (the resource URL
    // it defaults to, with `--port 0` the port the system picked).
    let listener =
        tokio::net::TcpListener::bind(addr.to_string()).await.with_context(|| format!("cannot listen on {addr}"))?;
    let listen_url = format!("http://{}{}", listener.local_addr()?, builder.endpoint_path());
    let mode = match args.auth {
        Some(mode) => mode,
        None if fastapps_core::env::var("FASTAPPS_AUTH_ISSUER_URL").is_some() => AuthMode::Jwt,
        None if Upstream::from_env()?.is_some() => AuthMode::Proxy,
        None => AuthMode::Dev,
    };
    let builder = sign_in(builder, mode, &listen_url).await?;

    // The store comes last: a server that does not start creates no database.
    let db = std::env::var_os("NOTES_DB").filter(|v| !v.is_empty()).map_or_else(|| "notes.db".into(), PathBuf::from);
    let opening = db.clone();
    let store = tokio::task::spawn_blocking(move || NotesStore::open(&opening))
        .await?
        .with_context(|| format!("cannot open the notes database {}", db.display()))?;
    tracing::info!(db = %db.display(), "notes database open");
    builder.state(store).serve_on(listener).await?;
    Ok(())
}

/// The builder with its sign-in set up for `mode`.
async fn sign_in(builder: ServerBuilder, mode: AuthMode, listen_url: &str) -> anyhow::Result<ServerBuilder> {
    let server = match mode {
        AuthMode::Jwt => return Ok(builder.auth(auth(listen_url)?)),
        AuthMode::Dev => {
            let users = match std::env::var_os("NOTES_DEV_USERS").filter(|v| !v.is_empty()) {
                Some(path) => DevUsers::from_file(path)?,
                None => DevUsers::parse(DEV_USERS)?,
            };
            AuthorizationServer::development(users)
        }
        AuthMode::Proxy => {
            let upstream = Upstream::from_env()?.context(
                "--auth proxy needs the upstream provider: set FASTAPPS_OAUTH_UPSTREAM_ISSUER, \
                 FASTAPPS_OAUTH_UPSTREAM_CLIENT_ID and FASTAPPS_OAUTH_UPSTREAM_CLIENT_SECRET (or AUTH0_DOMAIN, \
                 AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET and AUTH0_AUDIENCE)",
            )?;
            AuthorizationServer::proxy(upstream)
        }
    };
    let server = server.name("Notes").settings_from_env().await?;
    Ok(builder.extension(server).auth(notes::resource_side(Auth::local())))
}

/// The OAuth settings, from the `FASTAPPS_AUTH_*` variables; an error saying what to set when
/// `FASTAPPS_AUTH_ISSUER_URL` is missing. Without `FASTAPPS_AUTH_RESOURCE_SERVER_URL` or
/// `PUBLIC_URL`, the resource URL (and so the audience tokens must carry, unless
/// `FASTAPPS_AUTH_AUDIENCE` says otherwise) is `listen_url`, this server's URL as bound.
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
    Ok(notes::resource_side(auth))
}
