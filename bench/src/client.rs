//! One keep-alive HTTP/1.1 connection to a loopback endpoint.
//!
//! Each virtual client of the load generator owns exactly one [`Connection`]
//! and sends requests on it back to back, so the number of TCP connections the
//! server sees is exactly the configured connection count.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::mcp;

/// Where the benchmark sends requests: a loopback socket address and a path,
/// and the bearer token to send, if any.
#[derive(Debug, Clone)]
pub struct Endpoint {
    addr: SocketAddr,
    host: HeaderValue,
    path: Uri,
    authorization: Option<HeaderValue>,
}

impl Endpoint {
    /// Parses an `http://127.0.0.1:<port>/<path>` URL.
    ///
    /// Only loopback addresses are accepted: the benchmark never sends traffic
    /// anywhere else.
    pub fn parse(url: &str) -> Result<Self> {
        let uri: Uri = url.parse().with_context(|| format!("invalid URL {url:?}"))?;
        if uri.scheme_str() != Some("http") {
            bail!("only http:// URLs are supported, got {url:?}");
        }
        let authority = uri.authority().with_context(|| format!("URL {url:?} has no host"))?;
        let host = authority.host().trim_start_matches('[').trim_end_matches(']');
        let ip = if host.eq_ignore_ascii_case("localhost") {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            host.parse::<IpAddr>().with_context(|| format!("URL {url:?} does not name an IP address"))?
        };
        if !ip.is_loopback() {
            bail!("refusing to send load to non-loopback address {ip}");
        }
        let port = authority.port_u16().with_context(|| format!("URL {url:?} has no port"))?;
        let path = uri.path_and_query().map_or("/", |p| p.as_str()).parse::<Uri>().context("invalid request path")?;
        Ok(Self {
            addr: SocketAddr::new(ip, port),
            host: HeaderValue::from_str(authority.as_str()).context("invalid host header")?,
            path,
            authorization: None,
        })
    }

    /// Sends `Authorization: Bearer <token>` with every request, the first included.
    pub fn with_bearer(mut self, token: &str) -> Result<Self> {
        let mut value = HeaderValue::from_str(&format!("Bearer {token}")).context("the token is not a header value")?;
        value.set_sensitive(true);
        self.authorization = Some(value);
        Ok(self)
    }

    /// The same endpoint without a bearer token.
    pub fn without_bearer(&self) -> Self {
        Self { authorization: None, ..self.clone() }
    }

    /// The socket address requests are sent to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// A response with its body fully read.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status code.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// Complete response body.
    pub body: Bytes,
}

impl Reply {
    /// A short, printable description of the reply for error reports.
    pub fn describe(&self) -> String {
        const MAX: usize = 200;
        let text = String::from_utf8_lossy(&self.body);
        let mut snippet: String = text.chars().take(MAX).collect();
        if text.chars().count() > MAX {
            snippet.push('…');
        }
        format!("HTTP {}: {}", self.status, snippet.replace('\n', "\\n"))
    }
}

/// One HTTP/1.1 connection with the request headers every call carries.
#[derive(Debug)]
pub struct Connection {
    sender: http1::SendRequest<Full<Bytes>>,
    endpoint: Arc<Endpoint>,
    headers: HeaderMap,
}

impl Connection {
    /// Connects over TCP (with `TCP_NODELAY`) and performs the HTTP/1.1 handshake.
    pub async fn open(endpoint: Arc<Endpoint>) -> Result<Self> {
        let stream =
            TcpStream::connect(endpoint.addr).await.with_context(|| format!("connecting to {}", endpoint.addr))?;
        stream.set_nodelay(true).context("setting TCP_NODELAY")?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await.context("HTTP/1.1 handshake")?;
        // Connection errors surface through `sender` on the next request.
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let mut headers = HeaderMap::new();
        headers.insert(HOST, endpoint.host.clone());
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(ACCEPT, HeaderValue::from_static(mcp::ACCEPT));
        if let Some(authorization) = &endpoint.authorization {
            headers.insert(AUTHORIZATION, authorization.clone());
        }
        Ok(Self { sender, endpoint, headers })
    }

    /// Adds a header sent with every later request on this connection.
    pub fn set_header(&mut self, name: &'static str, value: HeaderValue) {
        self.headers.insert(name, value);
    }

    /// POSTs `body` and reads the whole response.
    pub async fn post(&mut self, body: Bytes) -> Result<Reply> {
        self.sender.ready().await.context("connection closed by server")?;
        let mut request = Request::new(Full::new(body));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.endpoint.path.clone();
        *request.headers_mut() = self.headers.clone();
        let response = self.sender.send_request(request).await.context("sending request")?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await.context("reading response body")?.to_bytes();
        Ok(Reply { status: parts.status, headers: parts.headers, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_loopback_url() -> Result<()> {
        let endpoint = Endpoint::parse("http://127.0.0.1:8123/mcp")?;
        assert_eq!(endpoint.addr(), "127.0.0.1:8123".parse::<SocketAddr>()?);
        assert_eq!(endpoint.path, "/mcp");
        assert_eq!(endpoint.host, "127.0.0.1:8123");
        assert!(endpoint.authorization.is_none());
        let endpoint = endpoint.with_bearer("abc.def.ghi")?;
        assert_eq!(endpoint.authorization.as_ref().map(HeaderValue::as_bytes), Some(&b"Bearer abc.def.ghi"[..]));
        assert!(endpoint.without_bearer().authorization.is_none());
        Ok(())
    }

    #[test]
    fn rejects_other_hosts() {
        assert!(Endpoint::parse("http://10.0.0.1:80/mcp").is_err());
        assert!(Endpoint::parse("http://example.com:80/mcp").is_err());
        assert!(Endpoint::parse("https://127.0.0.1:80/mcp").is_err());
    }
}
