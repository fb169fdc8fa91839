//! A bare axum server used as the benchmark baseline.
//!
//! It serves one route, `POST /mcp`, which reads the request body, ignores its
//! content and answers a fixed JSON-RPC `tools/call` result. Once bound it
//! prints `listening on http://<addr>/mcp` on stdout.

use std::io::Write as _;
use std::net::IpAddr;

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::serve::ListenerExt as _;
use clap::Parser;
use tokio::net::TcpListener;

/// The fixed response, shaped like the fixture server's `test_simple_text` result.
const RESPONSE: &str = r#"{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"This is a simple text response for testing."}]}}"#;

/// Bare axum baseline for the load benchmark.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to bind; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
}

/// Reads (and discards) the body, then answers the fixed result.
async fn mcp(_body: Bytes) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], RESPONSE)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    let args = Args::parse();
    let listener = TcpListener::bind((args.host, args.port))
        .await
        .with_context(|| format!("binding {}:{}", args.host, args.port))?;
    let addr = listener.local_addr().context("reading bound address")?;
    let listener = listener.tap_io(|tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            eprintln!("failed to set TCP_NODELAY: {err}");
        }
    });
    let app = Router::new().route("/mcp", post(mcp));

    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://{addr}/mcp").context("writing to stdout")?;
    stdout.flush().context("flushing stdout")?;
    drop(stdout);

    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            // If the handler cannot be installed, run until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await
        .context("serving")
}
