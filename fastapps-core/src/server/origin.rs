//! DNS-rebinding protection: which `Host` and `Origin` headers the MCP endpoint accepts.
//!
//! A browser page on `evil.example.com` whose DNS points at 127.0.0.1 can reach a local server;
//! its requests then carry `Host: evil.example.com` and `Origin: http://evil.example.com`.
//! Loopback names are allowed by default, as are the host and origin of the public URL and
//! whatever the builder adds. A request with a `Host` or an `Origin` outside the lists is
//! refused with 403 before anything else happens.

use std::collections::HashSet;

use http::HeaderMap;
use http::header::{HOST, ORIGIN};
use url::Url;

use crate::net::origin_of_url;

/// The `Host`/`Origin` allow-lists.
#[derive(Clone, Debug, Default)]
pub(crate) struct OriginPolicy {
    /// `scheme://host[:port]`, lower case, default ports removed.
    origins: HashSet<String>,
    /// `host` (any port) or `host:port`, lower case.
    hosts: HashSet<String>,
    any_origin: bool,
    any_host: bool,
}

/// Why a request was refused with 403: its `Host` or `Origin` is not allowed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Forbidden {
    Host(String),
    Origin(String),
}

impl Forbidden {
    pub(crate) fn message(&self) -> String {
        match self {
            Self::Host(host) => format!(
                "Forbidden: Host {host:?} is not allowed; set the server's public URL or allowed hosts to accept it"
            ),
            Self::Origin(origin) => format!(
                "Forbidden: Origin {origin:?} is not allowed; add it to the server's allowed origins to accept it"
            ),
        }
    }
}

/// The `Host` names accepted by default: the loopback names local clients use. A page whose
/// domain was rebound to this machine still sends its own name, and is refused.
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// Splits `host[:port]` (IPv6 in brackets) into host and optional port.
///
/// `Host` headers and `allowed_hosts` entries are authorities, not URLs: they are matched as
/// written (in lower case) against the allow-list, so no parser's repairs can make a foreign
/// host match; this split is all the matching needs.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(end) => (&authority[..=end], authority[end + 1..].strip_prefix(':')),
            None => (authority, None),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host, Some(port)),
        _ => (authority, None),
    }
}

/// `origin` parsed, when it is an `http(s)` origin and nothing more (`scheme://host[:port]`,
/// with at most a trailing `/`), as browsers send `Origin` and as allow-lists are written.
fn parse_origin(origin: &str) -> Option<Url> {
    let url = Url::parse(origin.trim()).ok()?;
    let origin_only = url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    origin_only.then_some(url)
}

/// Normalizes an origin (`scheme://host[:port]`) as browsers serialize it: lower case, no
/// default port, no trailing slash. `None` for anything that is not such an origin (including
/// `null`).
pub(crate) fn normalize_origin(origin: &str) -> Option<String> {
    origin_of_url(&parse_origin(origin)?)
}

impl OriginPolicy {
    /// Loopback only.
    pub(crate) fn loopback() -> Self {
        Self { hosts: LOOPBACK_HOSTS.iter().map(|h| (*h).to_owned()).collect(), ..Self::default() }
    }

    /// Adds an allowed origin; `*` allows every origin.
    pub(crate) fn allow_origin(&mut self, origin: &str) -> Result<(), String> {
        if origin.trim() == "*" {
            self.any_origin = true;
            return Ok(());
        }
        let normalized = normalize_origin(origin).ok_or_else(|| {
            format!("{origin:?} is not an origin; write scheme://host[:port], e.g. https://app.example.com")
        })?;
        self.origins.insert(normalized);
        Ok(())
    }

    /// Adds an allowed host (`host` for any port, or `host:port`); `*` allows every host.
    pub(crate) fn allow_host(&mut self, host: &str) -> Result<(), String> {
        let host = host.trim().to_ascii_lowercase();
        if host == "*" {
            self.any_host = true;
            return Ok(());
        }
        if host.is_empty() || host.contains(['/', '@', ' ']) {
            return Err(format!("{host:?} is not a host; write host or host:port, e.g. app.example.com"));
        }
        self.hosts.insert(host);
        Ok(())
    }

    /// Allows the host and origin of a public URL such as `https://app.example.com/mcp`.
    pub(crate) fn allow_public_url(&mut self, url: &str) -> Result<(), String> {
        let parsed = Url::parse(url)
            .map_err(|_| format!("{url:?} is not an absolute URL; write e.g. https://app.example.com"))?;
        let origin = origin_of_url(&parsed)
            .filter(|_| parsed.username().is_empty() && parsed.password().is_none())
            .ok_or_else(|| format!("{url:?} is not an http(s) URL"))?;
        self.origins.insert(origin);
        let host = parsed.host_str().unwrap_or_default();
        self.allow_host(host)?;
        // The Host header carries the port only when it is not the scheme's default (which
        // `url` leaves out).
        if let Some(port) = parsed.port() {
            self.allow_host(&format!("{host}:{port}"))?;
        }
        Ok(())
    }

    pub(crate) fn origin_allowed(&self, origin: &str) -> bool {
        if self.any_origin {
            return true;
        }
        let Some(url) = parse_origin(origin) else { return false };
        let Some(normalized) = origin_of_url(&url) else { return false };
        self.origins.contains(&normalized) || url.host_str().is_some_and(|host| self.is_loopback_allowed(host))
    }

    fn host_allowed(&self, authority: &str) -> bool {
        if self.any_host {
            return true;
        }
        let authority = authority.to_ascii_lowercase();
        let (host, _) = split_host_port(&authority);
        self.hosts.contains(&authority) || self.hosts.contains(host)
    }

    /// Whether any `Host` beyond loopback is accepted.
    pub(crate) fn has_non_loopback_host(&self) -> bool {
        self.any_host || self.hosts.iter().any(|h| !crate::net::is_loopback_host(split_host_port(h).0))
    }

    fn is_loopback_allowed(&self, host: &str) -> bool {
        LOOPBACK_HOSTS.contains(&host) && self.hosts.contains(host)
    }

    /// Checks a request's `Host` (or URI authority) and `Origin`.
    pub(crate) fn check(&self, headers: &HeaderMap, uri_authority: Option<&str>) -> Result<(), Forbidden> {
        let host = headers.get(HOST).map(|h| h.to_str().unwrap_or("\u{fffd}")).or(uri_authority);
        if let Some(host) = host
            && !self.host_allowed(host)
        {
            return Err(Forbidden::Host(host.to_owned()));
        }
        if let Some(origin) = headers.get(ORIGIN) {
            let origin = origin.to_str().unwrap_or("\u{fffd}");
            if !self.origin_allowed(origin) {
                return Err(Forbidden::Origin(origin.to_owned()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(host: Option<&str>, origin: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(host) = host {
            h.insert(HOST, HeaderValue::from_str(host).unwrap());
        }
        if let Some(origin) = origin {
            h.insert(ORIGIN, HeaderValue::from_str(origin).unwrap());
        }
        h
    }

    #[test]
    fn loopback_is_allowed_by_default() {
        let p = OriginPolicy::loopback();
        assert!(p.check(&headers(Some("127.0.0.1:3000"), Some("http://127.0.0.1:3000")), None).is_ok());
        assert!(p.check(&headers(Some("localhost:8000"), Some("http://localhost:5173")), None).is_ok());
        assert!(p.check(&headers(Some("[::1]:8000"), Some("https://[::1]")), None).is_ok());
        assert!(p.check(&headers(Some("localhost"), None), None).is_ok());
        assert!(p.check(&headers(None, None), None).is_ok());
    }

    #[test]
    fn rebinding_attempts_are_refused() {
        let p = OriginPolicy::loopback();
        assert_eq!(
            p.check(&headers(Some("evil.example.com"), Some("http://evil.example.com")), None),
            Err(Forbidden::Host("evil.example.com".into()))
        );
        assert_eq!(
            p.check(&headers(Some("localhost:3000"), Some("http://evil.example.com")), None),
            Err(Forbidden::Origin("http://evil.example.com".into()))
        );
        assert!(p.check(&headers(Some("localhost"), Some("null")), None).is_err());
        assert!(p.check(&headers(Some("localhost"), Some("http://localhost.evil.com")), None).is_err());
        assert!(p.check(&headers(None, None), Some("evil.example.com:80")).is_err());
    }

    #[test]
    fn public_url_allows_its_host_and_origin() {
        let mut p = OriginPolicy::loopback();
        p.allow_public_url("https://App.Example.com/mcp").unwrap();
        assert!(p.check(&headers(Some("app.example.com"), Some("https://app.example.com")), None).is_ok());
        assert!(p.check(&headers(Some("app.example.com"), Some("https://app.example.com:443")), None).is_ok());
        assert!(p.check(&headers(Some("app.example.com"), Some("http://app.example.com")), None).is_err());
        let mut p = OriginPolicy::loopback();
        p.allow_public_url("http://10.0.0.5:8080").unwrap();
        assert!(p.check(&headers(Some("10.0.0.5:8080"), Some("http://10.0.0.5:8080")), None).is_ok());
        assert!(p.allow_public_url("app.example.com").is_err());
    }

    #[test]
    fn origins_are_normalized_as_browsers_send_them() {
        for (origin, normalized) in [
            ("https://app.example.com", "https://app.example.com"),
            ("HTTPS://App.Example.com/", "https://app.example.com"),
            ("https://app.example.com:443", "https://app.example.com"),
            ("http://app.example.com:80", "http://app.example.com"),
            ("http://app.example.com:443", "http://app.example.com:443"),
            ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
            ("http://[::1]:8000", "http://[::1]:8000"),
            ("https://[0:0:0:0:0:0:0:1]:443", "https://[::1]"),
            ("https://bücher.example", "https://xn--bcher-kva.example"),
            (" https://app.example.com ", "https://app.example.com"),
        ] {
            assert_eq!(normalize_origin(origin).as_deref(), Some(normalized), "{origin}");
        }
        for bad in [
            "null",
            "",
            "app.example.com",
            "ws://app.example.com",
            "https://",
            "https://app.example.com/mcp",
            "https://app.example.com?x",
            "https://app.example.com#x",
            "https://user@app.example.com",
            "https://user:pw@app.example.com",
            "https://app.example.com:99999",
            "https://app.example.com:x",
            "https://[::1",
        ] {
            assert_eq!(normalize_origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_public_url_with_a_port_or_an_ipv6_host() {
        let mut p = OriginPolicy::loopback();
        p.allow_public_url("https://app.example.com:8443/mcp?x=1").unwrap();
        assert!(p.check(&headers(Some("app.example.com:8443"), Some("https://app.example.com:8443")), None).is_ok());
        assert!(p.check(&headers(Some("app.example.com"), Some("https://app.example.com")), None).is_err());
        let mut p = OriginPolicy::loopback();
        p.allow_public_url("http://[fd00::5]:8080/mcp").unwrap();
        assert!(p.check(&headers(Some("[fd00::5]:8080"), Some("http://[fd00::5]:8080")), None).is_ok());
        assert!(p.has_non_loopback_host());
        assert!(OriginPolicy::loopback().allow_public_url("ftp://app.example.com").is_err());
        assert!(OriginPolicy::loopback().allow_public_url("https://user:pw@app.example.com").is_err());
        assert!(OriginPolicy::loopback().allow_public_url("localhost:8000").is_err());
    }

    #[test]
    fn explicit_lists_and_wildcards() {
        let mut p = OriginPolicy::loopback();
        p.allow_origin("https://chat.example.com/").unwrap();
        p.allow_host("api.example.com").unwrap();
        assert!(p.check(&headers(Some("api.example.com:9000"), Some("https://chat.example.com")), None).is_ok());
        assert!(p.allow_origin("not an origin").is_err());
        p.allow_origin("*").unwrap();
        p.allow_host("*").unwrap();
        assert!(p.check(&headers(Some("anything"), Some("https://anything")), None).is_ok());
    }
}
