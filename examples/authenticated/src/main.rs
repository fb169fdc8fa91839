//! Serves [`authenticated::app`] with the sign-in of the environment
//! ([`authenticated::auth_from_env`]):
//!
//! ```text
//! authenticated [--host 127.0.0.1] [--port 8000]
//! ```
//!
//! Prints `listening on http://<addr>/mcp` once listening; the address bound is the resource
//! URL unless `PUBLIC_URL` or `RESOURCE_SERVER_URL` names one.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    authenticated::app().auth(authenticated::auth_from_env()?).serve_from_env().await?;
    Ok(())
}
