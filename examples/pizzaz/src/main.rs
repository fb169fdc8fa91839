//! Serves [`pizzaz::app`]:
//!
//! ```text
//! pizzaz [--host 127.0.0.1] [--port 8000]
//! ```
//!
//! `PUBLIC_URL` (e.g. a tunnel's URL) and the other `serve_from_env` settings are read too.
//! Once listening it prints `listening on http://<addr>/mcp` (with `--port 0`, the port the
//! system chose).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    pizzaz::app().serve_from_env().await?;
    Ok(())
}
