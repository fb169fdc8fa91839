//! The closed-loop load generator.
//!
//! Every virtual client owns one keep-alive connection and sends the next
//! `tools/call` request as soon as the previous response body has been read.
//! All connections are set up (including the MCP session handshake) before
//! the clock starts; the first `warmup` seconds are then discarded and the
//! following `duration` seconds are measured.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use http::{HeaderValue, StatusCode};
use tokio::task::JoinSet;
use tokio::time::{Instant, timeout};

use crate::client::{Connection, Endpoint};
use crate::mcp;
use crate::stats::{Measurement, Tally};

/// How a target is spoken to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Plain POSTs of the same `tools/call` body, no session handshake (the baseline).
    Plain,
    /// MCP Streamable HTTP: `initialize` and `notifications/initialized` on
    /// each connection, then `tools/call` with the session id (if any).
    Mcp,
    /// MCP 2026-07-28: no handshake; every `tools/call` carries the request `_meta` and the
    /// `mcp-protocol-version`, `mcp-method` and `mcp-name` headers.
    Modern,
}

/// When a `tools/call` response counts as a success (besides `200 OK`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The body carries a JSON-RPC result ([`mcp::is_result`]).
    Result,
    /// The body carries a result with `"isError":false` ([`mcp::is_tool_success`]).
    ToolSuccess,
}

impl Expect {
    /// Whether `body` meets the expectation.
    pub fn accepts(self, body: &[u8]) -> bool {
        match self {
            Self::Result => mcp::is_result(body),
            Self::ToolSuccess => mcp::is_tool_success(body),
        }
    }
}

/// What each request of a measurement does and what counts as success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    /// How the target is spoken to.
    pub protocol: Protocol,
    /// The tool every `tools/call` names.
    pub tool: &'static str,
    /// When a response counts as a success.
    pub expect: Expect,
}

/// Shape of one measurement.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Number of concurrent connections (virtual clients).
    pub connections: usize,
    /// Time driven before measuring starts.
    pub warmup: Duration,
    /// Length of the measured window.
    pub duration: Duration,
    /// A request without a response after this long counts as an error.
    pub request_timeout: Duration,
}

/// The time span whose completed requests are measured.
#[derive(Debug, Clone, Copy)]
struct Window {
    from: Instant,
    until: Instant,
}

impl Window {
    /// Whether a request completing at `t` counts.
    fn contains(&self, t: Instant) -> bool {
        t >= self.from && t <= self.until
    }
}

/// Drives `endpoint` according to `plan` and returns the merged measurement.
///
/// Fails only if the connections cannot be set up; request errors during the
/// run are counted in the result instead.
pub async fn run(endpoint: Arc<Endpoint>, workload: Workload, plan: Plan) -> Result<Measurement> {
    if plan.connections == 0 {
        bail!("at least one connection is required");
    }
    let mut setup = JoinSet::new();
    for index in 0..plan.connections {
        let endpoint = Arc::clone(&endpoint);
        setup.spawn(async move {
            VirtualClient::establish_within(endpoint, workload, plan.request_timeout)
                .await
                .with_context(|| format!("setting up connection {index}"))
        });
    }
    let mut clients = Vec::with_capacity(plan.connections);
    let mut notes = Vec::new();
    while let Some(joined) = setup.join_next().await {
        let (client, note) = joined.context("setup task panicked")??;
        if let Some(note) = note
            && !notes.contains(&note)
        {
            notes.push(note);
        }
        clients.push(client);
    }

    let start = Instant::now();
    let window = Window { from: start + plan.warmup, until: start + plan.warmup + plan.duration };
    let mut drivers = JoinSet::new();
    for client in clients {
        drivers.spawn(client.drive(window, plan.request_timeout));
    }
    let mut tally = Tally::new()?;
    while let Some(joined) = drivers.join_next().await {
        tally.merge(&joined.context("client task panicked")??)?;
    }
    Ok(Measurement::new(plan.connections, plan.duration, tally, notes))
}

/// One virtual client: a connection plus its JSON-RPC id counter.
#[derive(Debug)]
struct VirtualClient {
    endpoint: Arc<Endpoint>,
    workload: Workload,
    connection: Connection,
    next_id: u64,
}

impl VirtualClient {
    /// Opens the connection and, for MCP, performs the session handshake.
    ///
    /// Returns a note if the server answered the handshake in an unexpected
    /// but tolerable way.
    async fn establish(endpoint: Arc<Endpoint>, workload: Workload) -> Result<(Self, Option<String>)> {
        let mut connection = Connection::open(Arc::clone(&endpoint)).await?;
        let note = match workload.protocol {
            Protocol::Plain => {
                set_protocol_version(&mut connection);
                None
            }
            Protocol::Mcp => handshake(&mut connection).await?,
            Protocol::Modern => {
                modern_headers(&mut connection, workload.tool)?;
                None
            }
        };
        let client = Self { endpoint, workload, connection, next_id: 1 };
        Ok((client, note))
    }

    /// [`Self::establish`], failing if it takes longer than `limit`.
    async fn establish_within(
        endpoint: Arc<Endpoint>,
        workload: Workload,
        limit: Duration,
    ) -> Result<(Self, Option<String>)> {
        timeout(limit, Self::establish(endpoint, workload))
            .await
            .map_err(|_| anyhow!("no response within {limit:?}"))?
    }

    /// Sends requests back to back until the window closes.
    async fn drive(mut self, window: Window, request_timeout: Duration) -> Result<Tally> {
        let mut tally = Tally::new()?;
        while Instant::now() < window.until {
            let id = self.next_id;
            self.next_id += 1;
            let started = Instant::now();
            let body = match self.workload.protocol {
                Protocol::Modern => mcp::tools_call_modern(self.workload.tool, id),
                Protocol::Plain | Protocol::Mcp => mcp::tools_call(self.workload.tool, id),
            };
            let sent = timeout(request_timeout, self.connection.post(body)).await;
            let finished = Instant::now();
            let transport_error = match sent {
                Ok(Ok(reply)) => {
                    if reply.status == StatusCode::OK && self.workload.expect.accepts(&reply.body) {
                        if window.contains(finished) {
                            tally.record_ok(finished - started);
                        }
                    } else {
                        tally.record_error(|| reply.describe());
                    }
                    continue;
                }
                Ok(Err(err)) => format!("{err:#}"),
                Err(_) => format!("no response within {request_timeout:?}"),
            };
            tally.record_error(|| transport_error);
            let endpoint = Arc::clone(&self.endpoint);
            match Self::establish_within(endpoint, self.workload, request_timeout).await {
                Ok((fresh, _)) => {
                    tally.reconnects += 1;
                    self.connection = fresh.connection;
                }
                Err(err) => {
                    tally.record_error(|| format!("reconnecting: {err:#}"));
                    break;
                }
            }
        }
        Ok(tally)
    }
}

/// Sends the 2026-07-28 request headers of a `tools/call` of `tool` with every request on
/// `connection`.
fn modern_headers(connection: &mut Connection, tool: &str) -> Result<()> {
    connection.set_header(mcp::PROTOCOL_HEADER, HeaderValue::from_static(mcp::MODERN_PROTOCOL_VERSION));
    connection.set_header(mcp::METHOD_HEADER, HeaderValue::from_static("tools/call"));
    connection
        .set_header(mcp::NAME_HEADER, HeaderValue::from_str(tool).context("the tool name is not a header value")?);
    Ok(())
}

/// Sends `mcp-protocol-version` with every later request on `connection`.
fn set_protocol_version(connection: &mut Connection) {
    connection.set_header(mcp::PROTOCOL_HEADER, HeaderValue::from_static(mcp::PROTOCOL_VERSION));
}

/// Sends `initialize` and `notifications/initialized`, adopting the session id
/// and sending the protocol version header from then on.
///
/// A missing session id is tolerated (stateless servers do not issue one), as
/// is a 2xx other than `202 Accepted` for the notification, which is reported
/// as a note.
async fn handshake(connection: &mut Connection) -> Result<Option<String>> {
    let reply = connection.post(mcp::initialize()).await.context("initialize")?;
    if reply.status != StatusCode::OK {
        bail!("initialize answered {}", reply.describe());
    }
    if let Some(session) = reply.headers.get(mcp::SESSION_HEADER) {
        connection.set_header(mcp::SESSION_HEADER, session.clone());
    }
    set_protocol_version(connection);
    let reply = connection.post(mcp::initialized()).await.context("notifications/initialized")?;
    if reply.status == StatusCode::ACCEPTED {
        Ok(None)
    } else if reply.status.is_success() {
        Ok(Some(format!("notifications/initialized answered {} instead of 202 Accepted", reply.status)))
    } else {
        bail!("notifications/initialized answered {}", reply.describe());
    }
}

/// Opens one connection and sends `initialize`; returns the answer's status.
///
/// Used to check that a server refuses callers without a token.
pub async fn initialize_status(endpoint: Arc<Endpoint>, limit: Duration) -> Result<StatusCode> {
    let answer = timeout(limit, async {
        let mut connection = Connection::open(endpoint).await?;
        connection.post(mcp::initialize()).await.context("initialize")
    });
    Ok(answer.await.map_err(|_| anyhow!("no response within {limit:?}"))??.status)
}
