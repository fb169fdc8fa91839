//! The project's server as a child process, and a small MCP client to talk to it.

use std::net::{SocketAddr, TcpListener, ToSocketAddrs as _};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};
use tokio::process::Command;

use crate::process::{Group, STOP_GRACE};

/// The MCP endpoint's path in a fastapps server.
pub(crate) const MCP_PATH: &str = "/mcp";
/// How long a server may take from its start to accepting connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running server.
#[derive(Debug)]
pub(crate) struct App {
    group: Group,
    /// `http://host:port`, as a client on this machine reaches it.
    pub(crate) base_url: String,
}

/// The address to connect to for a server bound to `host:port` (`0.0.0.0` is reached on loopback).
fn connect_addr(host: &str, port: u16) -> anyhow::Result<SocketAddr> {
    let host = match host.trim_matches(['[', ']']) {
        "0.0.0.0" => "127.0.0.1",
        "::" => "::1",
        other => other,
    };
    (host, port).to_socket_addrs()?.next().with_context(|| format!("{host} does not resolve"))
}

/// A port that was free a moment ago on `host`.
pub(crate) fn free_port(host: &str) -> anyhow::Result<u16> {
    let listener = TcpListener::bind((host, 0)).with_context(|| format!("cannot bind {host}"))?;
    Ok(listener.local_addr()?.port())
}

impl App {
    /// Starts `binary` in `root` with `HOST`/`PORT` (and `env`), and waits until it accepts
    /// connections.
    pub(crate) async fn start(
        binary: &Path,
        root: &Path,
        host: &str,
        port: u16,
        env: &[(&str, &str)],
        stdout: Stdio,
    ) -> anyhow::Result<Self> {
        let addr = connect_addr(host, port)?;
        if TcpListener::bind(addr).is_err()
            && std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
        {
            bail!("port {port} on {host} is in use by another program; stop it or pick another port with --port");
        }
        let mut command = Command::new(binary);
        command
            .current_dir(root)
            .env("HOST", host)
            .env("PORT", port.to_string())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(stdout);
        let mut group = Group::spawn(&mut command, format!("the server ({})", binary.display()))?;
        let started = Instant::now();
        loop {
            if let Some(status) = group.exited() {
                bail!("the server exited ({status}) before it accepted connections; its messages are above");
            }
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                break;
            }
            if started.elapsed() > START_TIMEOUT {
                group.stop(STOP_GRACE).await;
                bail!("the server did not accept connections on {addr} within {START_TIMEOUT:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let base_url = match addr {
            SocketAddr::V4(a) => format!("http://{a}"),
            SocketAddr::V6(a) => format!("http://[{}]:{}", a.ip(), a.port()),
        };
        Ok(Self { group, base_url })
    }

    /// The leader's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.group.id()
    }

    /// The MCP endpoint's URL.
    pub(crate) fn mcp_url(&self) -> String {
        format!("{}{MCP_PATH}", self.base_url)
    }

    /// Waits for the server to exit by itself.
    pub(crate) async fn wait(&mut self) -> anyhow::Result<std::process::ExitStatus> {
        self.group.wait().await
    }

    /// Stops the server (and anything it started).
    pub(crate) async fn stop(mut self) {
        self.group.stop(STOP_GRACE).await;
    }
}

/// An MCP client over Streamable HTTP, enough to list what a server offers.
pub(crate) struct McpClient {
    http: reqwest::Client,
    url: String,
    session: Option<String>,
    next_id: u64,
}

const PROTOCOL_VERSION: &str = "2025-11-25";

impl McpClient {
    /// Connects to `url` and completes the `initialize` handshake.
    pub(crate) async fn connect(url: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
        let mut client = Self { http, url: url.to_owned(), session: None, next_id: 0 };
        client
            .request(
                "initialize",
                json!({
                    "protocolVersion": PROTOCOL_VERSION,
                    "capabilities": {},
                    "clientInfo": { "name": "fastapps-cli", "version": env!("CARGO_PKG_VERSION") }
                }),
            )
            .await?;
        client.post(json!({ "jsonrpc": "2.0", "method": "notifications/initialized" })).await?;
        Ok(client)
    }

    async fn post(&mut self, body: Value) -> anyhow::Result<reqwest::Response> {
        let mut request = self
            .http
            .post(&self.url)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", PROTOCOL_VERSION)
            .json(&body);
        if let Some(session) = &self.session {
            request = request.header("mcp-session-id", session);
        }
        let response = request.send().await.with_context(|| format!("cannot reach {}", self.url))?;
        if let Some(id) = response.headers().get("mcp-session-id").and_then(|v| v.to_str().ok()) {
            self.session = Some(id.to_owned());
        }
        match response.status().as_u16() {
            200..=299 => Ok(response),
            status @ (401 | 403) => {
                let challenge =
                    response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                bail!("the server refused the request without a token ({status}): {challenge}")
            }
            status => bail!("the server answered {status}: {}", response.text().await.unwrap_or_default()),
        }
    }

    /// Sends a request and returns its `result`; a JSON-RPC error is an error.
    pub(crate) async fn request(&mut self, method: &str, params: Value) -> anyhow::Result<Value> {
        self.next_id += 1;
        let id = self.next_id;
        let response = self.post(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })).await?;
        let sse = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/event-stream"));
        let text = response.text().await.context("cannot read the reply")?;
        let reply = if sse { reply_in_events(&text, id) } else { serde_json::from_str(&text).ok() };
        let reply = reply.with_context(|| format!("{method}: no reply in {text:.200}"))?;
        if let Some(error) = reply.get("error") {
            bail!("{method} failed: {error}");
        }
        Ok(reply.get("result").cloned().unwrap_or(Value::Null))
    }

    /// Every tool, following `nextCursor`.
    pub(crate) async fn list_tools(&mut self) -> anyhow::Result<Vec<Value>> {
        let mut tools = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let params = cursor.as_ref().map_or_else(|| json!({}), |c| json!({ "cursor": c }));
            let page = self.request("tools/list", params).await?;
            tools.extend(page["tools"].as_array().cloned().unwrap_or_default());
            match page["nextCursor"].as_str() {
                Some(next) if cursor.as_deref() != Some(next) => cursor = Some(next.to_owned()),
                _ => return Ok(tools),
            }
        }
    }
}

/// The JSON-RPC response with `id` among the `data:` lines of an SSE body.
fn reply_in_events(body: &str, id: u64) -> Option<Value> {
    body.split("\n\n")
        .filter_map(|event| {
            let data: Vec<&str> = event.lines().filter_map(|l| l.strip_prefix("data:")).map(str::trim_start).collect();
            serde_json::from_str::<Value>(&data.join("\n")).ok()
        })
        .find(|message| message["id"] == id && message.get("method").is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reply_is_found_among_notifications() {
        let body = "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n\
                    id: 2\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"ok\":true}}\n\n";
        assert_eq!(reply_in_events(body, 7).unwrap()["result"]["ok"], true);
        assert!(reply_in_events(body, 8).is_none());
    }

    #[test]
    fn wildcard_hosts_are_reached_on_loopback() {
        assert_eq!(connect_addr("0.0.0.0", 80).unwrap().to_string(), "127.0.0.1:80");
        assert_eq!(connect_addr("127.0.0.1", 81).unwrap().to_string(), "127.0.0.1:81");
    }
}
