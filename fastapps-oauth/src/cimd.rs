//! Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): a client whose
//! `client_id` is an https URL publishes its metadata at that URL, and the server fetches it
//! instead of asking the client to register.
//!
//! The fetch is the risky part: anyone can make the server GET a URL of their choosing, so it is
//! held to rules that keep it off internal networks (SSRF):
//!
//! - the URL is https, with a path, no userinfo, no fragment, no dot segments, at most 2 KB;
//! - the host is resolved once, and **every** address it resolves to must be a public unicast
//!   address ([`is_public`]: no loopback, private, link-local, CGNAT, unique-local, multicast,
//!   documentation or otherwise special ranges, also in their IPv4-mapped and NAT64 forms); the
//!   connection then goes to exactly those addresses (pinned with reqwest's `resolve_to_addrs`),
//!   so a second DNS answer cannot swap in an internal one (DNS rebinding);
//! - no proxy from the environment (it would resolve the name itself), no redirects, 5 s for the
//!   whole fetch, at most 5 KB read, no compression.
//!
//! The document must then be a JSON object whose `client_id` equals the URL exactly, with no
//! secret, `token_endpoint_auth_method` `"none"`, and redirect URIs that pass the same rules as a
//! registration. Valid documents are cached (bounded) for their `Cache-Control: max-age`, clamped
//! to 5 min – 24 h, or 1 h when they say nothing.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{ACCEPT, CACHE_CONTROL, CONTENT_LENGTH, HeaderMap};
use serde_json::Value;

use super::clients::{AUTH_METHOD_NONE, ClientRecord, ClientSource, Metadata};
use super::redirect::{has_dot_segment, host_of, split_hierarchy};
use crate::clock::unix_now;

/// The longest client id URL fetched, in bytes.
pub(crate) const MAX_URL_LEN: usize = 2048;
/// The largest document read, in bytes (the draft's recommended cap).
pub(crate) const MAX_DOCUMENT: usize = 5 * 1024;
/// The time a whole fetch may take: resolution, connection, TLS, response.
pub(crate) const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const MIN_TTL: Duration = Duration::from_secs(5 * 60);
const MAX_TTL: Duration = Duration::from_secs(24 * 60 * 60);
const DEFAULT_TTL: Duration = Duration::from_secs(60 * 60);
/// The most documents cached.
const MAX_CACHED: u64 = 10_000;

/// Fetches, checks and caches Client ID Metadata Documents.
pub(crate) struct MetadataDocuments {
    allow_loopback: bool,
    cache: moka::future::Cache<String, Arc<Cached>>,
    /// Names that resolve to a given address instead of asking DNS (tests of the pinning).
    #[cfg(test)]
    test_hosts: Vec<(String, IpAddr)>,
}

impl std::fmt::Debug for MetadataDocuments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetadataDocuments")
            .field("allow_loopback", &self.allow_loopback)
            .field("cached", &self.cache.entry_count())
            .finish()
    }
}

/// A checked document and how long it may be kept.
#[derive(Debug)]
struct Cached {
    record: ClientRecord,
    ttl: Duration,
}

struct CacheFor;

impl moka::Expiry<String, Arc<Cached>> for CacheFor {
    fn expire_after_create(&self, _: &String, value: &Arc<Cached>, _: std::time::Instant) -> Option<Duration> {
        Some(value.ttl)
    }
}

impl Default for MetadataDocuments {
    fn default() -> Self {
        Self::new()
    }
}

impl MetadataDocuments {
    /// A fetcher with an empty cache.
    pub(crate) fn new() -> Self {
        let cache = moka::future::Cache::builder().max_capacity(MAX_CACHED).expire_after(CacheFor).build();
        Self {
            allow_loopback: false,
            cache,
            #[cfg(test)]
            test_hosts: Vec::new(),
        }
    }

    /// Resolves `name` to `ip` without DNS.
    #[cfg(test)]
    fn with_test_host(mut self, name: &str, ip: IpAddr) -> Self {
        self.test_hosts.push((name.to_owned(), ip));
        self
    }

    async fn lookup(&self, name: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
        #[cfg(test)]
        if let Some((_, ip)) = self.test_hosts.iter().find(|(n, _)| n == name) {
            return Ok(vec![SocketAddr::new(*ip, port)]);
        }
        Ok(tokio::net::lookup_host((name, port)).await?.collect())
    }

    /// Test-only knob: also accept `http://127.0.0.1` / `localhost` documents (loopback
    /// addresses are otherwise refused).
    pub(crate) fn allow_loopback_for_tests(mut self) -> Self {
        self.allow_loopback = true;
        self
    }

    /// Whether a client_id names a metadata document (an https URL with a path). Registered
    /// client ids are never URLs, so such a client_id is looked up with [`fetch`](Self::fetch),
    /// which applies the full rules.
    pub(crate) fn is_document_url(client_id: &str) -> bool {
        starts_with_ignore_case(client_id, "https://") && has_path(client_id)
    }

    /// [`is_document_url`](Self::is_document_url), and with the test knob also `http://` URLs.
    pub(crate) fn names_document(&self, client_id: &str) -> bool {
        Self::is_document_url(client_id)
            || (self.allow_loopback && starts_with_ignore_case(client_id, "http://") && has_path(client_id))
    }

    /// Fetches (or serves from cache) and validates the document of `client_id`.
    pub(crate) async fn fetch(&self, client_id: &str) -> Result<ClientRecord, String> {
        let url = check_document_url(client_id, self.allow_loopback)?;
        let load = async {
            match tokio::time::timeout(FETCH_TIMEOUT, self.download(client_id, &url)).await {
                Ok(result) => result,
                Err(_) => Err(format!("{client_id}: no complete answer within {} s", FETCH_TIMEOUT.as_secs())),
            }
        };
        match self.cache.try_get_with(client_id.to_owned(), load).await {
            Ok(cached) => Ok(cached.record.clone()),
            Err(e) => Err(format!("client metadata document {e}")),
        }
    }

    fn address_allowed(&self, ip: IpAddr) -> bool {
        is_public(ip) || (self.allow_loopback && ip.to_canonical().is_loopback())
    }

    /// The addresses of the URL's host, each one allowed; an error if any is not.
    async fn resolve(&self, url: &Url) -> Result<Vec<SocketAddr>, String> {
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs: Vec<SocketAddr> = match (ip_literal(url), url.host_str()) {
            (Some(ip), _) => vec![SocketAddr::new(ip, port)],
            (None, Some(name)) => self.lookup(name, port).await.map_err(|e| format!("cannot resolve {name}: {e}"))?,
            (None, None) => return Err("has no host".to_owned()),
        };
        if addrs.is_empty() {
            return Err("the host resolves to no address".to_owned());
        }
        if let Some(bad) = addrs.iter().find(|a| !self.address_allowed(a.ip())) {
            return Err(format!("the host resolves to {}, which is not a public address", bad.ip()));
        }
        Ok(addrs)
    }

    async fn download(&self, client_id: &str, url: &Url) -> Result<Arc<Cached>, String> {
        let fail = |why: String| format!("{client_id}: {why}");
        let addrs = self.resolve(url).await.map_err(fail)?;
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .https_only(!self.allow_loopback)
            .connect_timeout(FETCH_TIMEOUT)
            .timeout(FETCH_TIMEOUT)
            .user_agent(concat!("fastapps/", env!("CARGO_PKG_VERSION")));
        if let (None, Some(name)) = (ip_literal(url), url.host_str()) {
            builder = builder.resolve_to_addrs(name, &addrs);
        }
        let client = builder.build().map_err(|e| fail(format!("cannot set up the HTTP client: {e}")))?;
        let mut response = client
            .get(url.clone())
            .header(ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| fail(format!("the request failed: {}", error_chain(&e))))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(fail(format!("answered HTTP {status}; redirects are not followed")));
        }
        if status != reqwest::StatusCode::OK {
            return Err(fail(format!("answered HTTP {status}, not 200")));
        }
        let too_big = || fail(format!("the document is larger than {MAX_DOCUMENT} bytes"));
        let declared = response.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_DOCUMENT as u64) {
            return Err(too_big());
        }
        let ttl = cache_ttl(response.headers());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| fail(format!("reading the document: {e}")))? {
            if body.len() + chunk.len() > MAX_DOCUMENT {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        let record = check_document(client_id, &body, unix_now()).map_err(fail)?;
        Ok(Arc::new(Cached { record, ttl }))
    }
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// Whether a `scheme://…` URL has a path other than `/`.
fn has_path(url: &str) -> bool {
    let Some((_, rest)) = url.split_once(':') else { return false };
    !matches!(split_hierarchy(rest).path, "" | "/")
}

/// The URL's host when it is an IP address (IPv6 without its brackets).
fn ip_literal(url: &Url) -> Option<IpAddr> {
    url.host_str()?.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

/// A reqwest error with its causes ("error sending request: … : connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// Checks a client id URL before anything is fetched.
fn check_document_url(client_id: &str, allow_loopback: bool) -> Result<Url, String> {
    let bad = |why: &str| Err(format!("client_id {client_id:?} {why}"));
    if client_id.len() > MAX_URL_LEN {
        return Err(format!("client_id is longer than {MAX_URL_LEN} bytes"));
    }
    if client_id.chars().any(|c| !c.is_ascii_graphic()) {
        return bad("contains a space, a control character or a non-ASCII character");
    }
    let https = starts_with_ignore_case(client_id, "https://");
    let http = allow_loopback && starts_with_ignore_case(client_id, "http://");
    if !https && !http {
        return bad("is not an https URL");
    }
    if client_id.contains('#') {
        return bad("has a fragment");
    }
    if client_id.contains('\\') {
        return bad("contains a backslash");
    }
    let Some((_, rest)) = client_id.split_once(':') else { return bad("is not an https URL") };
    let parts = split_hierarchy(rest);
    let authority = parts.authority.unwrap_or_default();
    if authority.contains('@') {
        return bad("has userinfo");
    }
    if host_of(authority).is_none_or(str::is_empty) {
        return bad("has no host");
    }
    if matches!(parts.path, "" | "/") {
        return bad("has no path");
    }
    if has_dot_segment(parts.path) {
        return bad("has a `.` or `..` path segment");
    }
    let url = Url::parse(client_id).map_err(|e| format!("client_id {client_id:?} is not a valid URL: {e}"))?;
    if url.host_str().is_none_or(str::is_empty) {
        return bad("has no host");
    }
    if http && !host_of(authority).is_some_and(|h| ["127.0.0.1", "[::1]", "localhost"].contains(&h)) {
        return bad("uses http on a host that is not loopback");
    }
    Ok(url)
}

/// Checks a fetched document and makes the client's record.
fn check_document(client_id: &str, body: &[u8], now: u64) -> Result<ClientRecord, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("the document is not JSON: {e}"))?;
    let Value::Object(fields) = value else { return Err("the document is not a JSON object".to_owned()) };
    match fields.get("client_id") {
        Some(Value::String(id)) if id == client_id => {}
        Some(Value::String(id)) => {
            return Err(format!("the document's client_id {id:?} is not its URL (they must be equal exactly)"));
        }
        Some(_) => return Err("the document's client_id is not a string".to_owned()),
        None => return Err("the document has no client_id".to_owned()),
    }
    for secret in ["client_secret", "client_secret_expires_at"] {
        if fields.contains_key(secret) {
            return Err(format!("the document contains {secret}; metadata documents carry no secrets"));
        }
    }
    match fields.get("token_endpoint_auth_method") {
        None | Some(Value::Null) => {}
        Some(Value::String(m)) if m == AUTH_METHOD_NONE => {}
        Some(other) => {
            return Err(format!(
                "token_endpoint_auth_method {other} is not supported; clients identified by a metadata document \
                 are public here (\"none\")"
            ));
        }
    }
    let metadata = Metadata::read(&fields).map_err(|e| e.description)?;
    Ok(metadata.into_record(client_id.to_owned(), now, ClientSource::MetadataDocument))
}

/// How long a document may be cached: `max-age` clamped to 5 min – 24 h; `no-store`,
/// `no-cache` or `max-age=0` keep it the minimum (a floor, so one client cannot make the
/// server fetch on every request); 1 h when nothing is said.
fn cache_ttl(headers: &HeaderMap) -> Duration {
    let mut max_age = None;
    for value in headers.get_all(CACHE_CONTROL) {
        let Ok(value) = value.to_str() else { continue };
        for directive in value.split(',') {
            let directive = directive.trim().to_ascii_lowercase();
            if directive == "no-store" || directive == "no-cache" {
                return MIN_TTL;
            }
            if let Some(secs) = directive.strip_prefix("max-age=")
                && let Ok(secs) = secs.trim_matches('"').parse::<u64>()
            {
                max_age = Some(Duration::from_secs(secs));
            }
        }
    }
    max_age.map_or(DEFAULT_TTL, |age| age.clamp(MIN_TTL, MAX_TTL))
}

/// Whether `ip` is a public (global unicast) address, the only kind a metadata document is
/// fetched from.
///
/// Refused: unspecified, loopback, private (10/8, 172.16/12, 192.168/16), CGNAT (100.64/10),
/// link-local, IETF protocol assignments (192.0.0/24, 2001::/23 with Teredo and ORCHID),
/// documentation (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20),
/// benchmarking (198.18/15), 6to4 relay anycast, multicast, reserved 240/4 and broadcast;
/// IPv6 outside 2000::/3, unique-local fc00::/7, site-local, discard-only, 6to4 (2002::/16,
/// which tunnels to any IPv4 address) and SRv6 SIDs. IPv4-mapped (`::ffff:a.b.c.d`) and
/// NAT64 (`64:ff9b::a.b.c.d`) addresses are judged by their IPv4 address; the local-use NAT64
/// prefix and the deprecated IPv4-compatible form are refused.
pub(crate) fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

/// IPv4 networks that are not public, with their prefix lengths.
const SPECIAL_V4: [(Ipv4Addr, u32); 14] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8),       // "this network", unspecified
    (Ipv4Addr::new(10, 0, 0, 0), 8),      // private
    (Ipv4Addr::new(100, 64, 0, 0), 10),   // CGNAT, shared address space
    (Ipv4Addr::new(127, 0, 0, 0), 8),     // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),  // link-local
    (Ipv4Addr::new(172, 16, 0, 0), 12),   // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),    // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation, TEST-NET-1
    (Ipv4Addr::new(192, 88, 99, 0), 24),  // 6to4 relay anycast
    (Ipv4Addr::new(192, 168, 0, 0), 16),  // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24), // documentation, TEST-NET-2
    (Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation, TEST-NET-3
    (Ipv4Addr::new(224, 0, 0, 0), 3),     // multicast 224/4, reserved 240/4, broadcast
];

/// IPv6 networks inside global unicast 2000::/3 that are not public.
const SPECIAL_V6: [(Ipv6Addr, u32); 4] = [
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23), // IETF protocol assignments (Teredo, ORCHID, …)
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16), // 6to4, which tunnels to any IPv4 address
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20), // documentation
];

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let bits = u32::from(ip);
    let within = |net: Ipv4Addr, len: u32| (bits ^ u32::from(net)).checked_shr(32 - len).unwrap_or(0) == 0;
    !SPECIAL_V4.iter().any(|&(net, len)| within(net, len))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let bits = u128::from(ip);
    let within = |net: Ipv6Addr, len: u32| (bits ^ u128::from(net)).checked_shr(128 - len).unwrap_or(0) == 0;
    // NAT64 well-known prefix 64:ff9b::/96: the IPv4 address it reaches decides.
    if within(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96) {
        return is_public_v4(Ipv4Addr::from(bits as u32));
    }
    // Everything outside global unicast 2000::/3 (::, ::1, IPv4-compatible, 64:ff9b:1::/48,
    // 100::/64, fc00::/7, fe80::/10, fec0::/10, ff00::/8, 5f00::/16, …) is refused.
    within(Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3) && !SPECIAL_V6.iter().any(|&(net, len)| within(net, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> bool {
        is_public(IpAddr::V4(s.parse().unwrap()))
    }

    fn v6(s: &str) -> bool {
        is_public(IpAddr::V6(s.parse().unwrap()))
    }

    #[test]
    fn public_ipv4() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.0",
            "192.0.3.0",
            "192.88.98.255",
            "192.88.100.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "198.51.99.255",
            "198.51.101.0",
            "203.0.112.255",
            "203.0.114.0",
            "223.255.255.255",
            "140.82.112.3",
        ] {
            assert!(v4(ip), "{ip} is public");
        }
    }

    #[test]
    fn special_ipv4() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "0.255.255.255",
            "10.0.0.0",
            "10.255.255.255",
            "100.64.0.0",
            "100.127.255.255",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.0.1",
            "169.254.169.254",
            "172.16.0.0",
            "172.31.255.255",
            "192.0.0.0",
            "192.0.0.9",
            "192.0.0.255",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.0.1",
            "192.168.255.255",
            "198.18.0.0",
            "198.19.255.255",
            "198.51.100.1",
            "203.0.113.1",
            "224.0.0.1",
            "239.255.255.255",
            "240.0.0.1",
            "255.255.255.254",
            "255.255.255.255",
        ] {
            assert!(!v4(ip), "{ip} is not public");
        }
    }

    #[test]
    fn public_ipv6() {
        for ip in [
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "2a00:1450:4001:82a::200e",
            "2001:200::1",
            "2001:db7:ffff::1",
            "2001:db9::1",
            "2003::1",
            "3ffe::1",
            "3fff:1000::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(v6(ip), "{ip} is public");
        }
    }

    #[test]
    fn special_ipv6() {
        for ip in [
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:192.168.1.1",
            "::ffff:100.64.0.1",
            "::ffff:0.0.0.0",
            "::ffff:255.255.255.255",
            "::127.0.0.1",
            "::8.8.8.8",
            "64:ff9b::7f00:1",
            "64:ff9b::a00:1",
            "64:ff9b:1::808:808",
            "100::1",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:2::1",
            "2001:10::1",
            "2001:1ff:ffff::1",
            "2001:db8::1",
            "2001:db8:ffff:ffff::1",
            "2002:c0a8:101::1",
            "2002:808:808::1",
            "3fff::1",
            "3fff:fff::1",
            "5f00::1",
            "fc00::1",
            "fd12:3456:789a::1",
            "fdff:ffff::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "ff0e::1",
            "4000::1",
            "e000::1",
        ] {
            assert!(!v6(ip), "{ip} is not public");
        }
    }

    #[test]
    fn document_urls() {
        assert!(MetadataDocuments::is_document_url("https://app.example.com/oauth/client.json"));
        assert!(MetadataDocuments::is_document_url("https://app.example.com:8443/c"));
        assert!(MetadataDocuments::is_document_url("HTTPS://app.example.com/c"));
        assert!(!MetadataDocuments::is_document_url("https://app.example.com"));
        assert!(!MetadataDocuments::is_document_url("https://app.example.com/"));
        assert!(!MetadataDocuments::is_document_url("https://app.example.com?x=1"));
        assert!(!MetadataDocuments::is_document_url("http://app.example.com/c"));
        assert!(!MetadataDocuments::is_document_url("Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4"));
        assert!(!MetadataDocuments::is_document_url(""));
        let docs = MetadataDocuments::new();
        assert!(!docs.names_document("http://127.0.0.1:9/c"));
        let docs = docs.allow_loopback_for_tests();
        assert!(docs.names_document("http://127.0.0.1:9/c"));
        assert!(docs.names_document("https://app.example.com/c"));
    }

    #[test]
    fn url_rules() {
        let ok = |u: &str| check_document_url(u, false).map(|_| ()).map_err(|e| format!("{u}: {e}"));
        let refused = |u: &str| check_document_url(u, false).err().unwrap_or_else(|| panic!("{u} should be refused"));
        ok("https://app.example.com/client.json").unwrap();
        ok("https://app.example.com:8443/a/b?v=1").unwrap();
        ok("https://203.0.113.9/c").unwrap(); // the address rule comes later, at resolution
        assert!(refused("http://app.example.com/c").contains("not an https URL"));
        assert!(refused("ftp://app.example.com/c").contains("not an https URL"));
        assert!(refused("app.example.com/c").contains("not an https URL"));
        assert!(refused("https://app.example.com").contains("no path"));
        assert!(refused("https://app.example.com/").contains("no path"));
        assert!(refused("https://app.example.com?x").contains("no path"));
        assert!(refused("https://app.example.com/c#x").contains("fragment"));
        assert!(refused("https://user@app.example.com/c").contains("userinfo"));
        assert!(refused("https://app.example.com@evil.example/c").contains("userinfo"));
        assert!(refused("https://app.example.com/a/../c").contains("path segment"));
        assert!(refused("https://app.example.com/a/%2E%2e/c").contains("path segment"));
        assert!(refused("https://app.example.com/./c").contains("path segment"));
        assert!(refused("https://app.example.com/a b").contains("space"));
        assert!(refused("https://app.example.com\\@evil/c").contains("backslash"));
        assert!(refused("https:///c").contains("no host"));
        assert!(refused("https://app.example.com:70000/c").contains("not a valid URL"));
        let long = format!("https://app.example.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(refused(&long).contains("longer than 2048"));
        // The test knob admits http to loopback hosts only.
        assert!(check_document_url("http://127.0.0.1:8080/c", true).is_ok());
        assert!(check_document_url("http://localhost:8080/c", true).is_ok());
        assert!(check_document_url("http://[::1]:8080/c", true).is_ok());
        assert!(check_document_url("http://app.example.com/c", true).unwrap_err().contains("not loopback"));
        assert!(check_document_url("http://127.0.0.1:8080/c", false).unwrap_err().contains("not an https URL"));
    }

    const URL: &str = "https://app.example.com/client.json";

    fn doc(extra: Value) -> Vec<u8> {
        let mut base = serde_json::json!({
            "client_id": URL,
            "client_name": "Example App",
            "redirect_uris": ["https://app.example.com/callback"],
        });
        if let (Value::Object(base), Value::Object(extra)) = (&mut base, extra) {
            base.extend(extra);
        }
        base.to_string().into_bytes()
    }

    #[test]
    fn good_document() {
        let record = check_document(URL, &doc(serde_json::json!({ "token_endpoint_auth_method": "none" })), 7).unwrap();
        assert_eq!(record.client_id, URL);
        assert_eq!(record.client_name.as_deref(), Some("Example App"));
        assert_eq!(record.redirect_uris, ["https://app.example.com/callback"]);
        assert_eq!(record.source, ClientSource::MetadataDocument);
        assert_eq!(record.token_endpoint_auth_method, "none");
        assert_eq!(record.issued_at, 7);
    }

    #[test]
    fn bad_documents() {
        let cases = [
            (doc(serde_json::json!({ "client_id": "https://app.example.com/other.json" })), "not its URL"),
            (doc(serde_json::json!({ "client_id": "https://app.example.com/client.json/" })), "not its URL"),
            (doc(serde_json::json!({ "client_id": "HTTPS://app.example.com/client.json" })), "not its URL"),
            (doc(serde_json::json!({ "client_id": 5 })), "not a string"),
            (doc(serde_json::json!({ "client_secret": "s3cret" })), "no secrets"),
            (doc(serde_json::json!({ "client_secret_expires_at": 0 })), "no secrets"),
            (doc(serde_json::json!({ "token_endpoint_auth_method": "client_secret_basic" })), "public"),
            (doc(serde_json::json!({ "token_endpoint_auth_method": "private_key_jwt" })), "public"),
            (doc(serde_json::json!({ "redirect_uris": ["javascript:alert(1)"] })), "`javascript:`"),
            (doc(serde_json::json!({ "redirect_uris": ["http://evil.example/cb"] })), "plain http"),
            (doc(serde_json::json!({ "redirect_uris": [] })), "empty"),
            (doc(serde_json::json!({ "grant_types": ["client_credentials"] })), "not supported"),
            (br#"{"redirect_uris":["https://app.example.com/cb"]}"#.to_vec(), "no client_id"),
            (b"<html>hello</html>".to_vec(), "not JSON"),
            (b"[1,2]".to_vec(), "not a JSON object"),
        ];
        for (body, why) in cases {
            let err = check_document(URL, &body, 0).unwrap_err();
            assert!(err.contains(why), "{}: {err}", String::from_utf8_lossy(&body));
        }
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(CACHE_CONTROL, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn cache_lifetimes() {
        assert_eq!(cache_ttl(&headers(&[])), DEFAULT_TTL);
        assert_eq!(cache_ttl(&headers(&["public, max-age=7200"])), Duration::from_secs(7200));
        assert_eq!(cache_ttl(&headers(&["max-age=\"900\""])), Duration::from_secs(900));
        assert_eq!(cache_ttl(&headers(&["max-age=10"])), MIN_TTL);
        assert_eq!(cache_ttl(&headers(&["max-age=0"])), MIN_TTL);
        assert_eq!(cache_ttl(&headers(&["max-age=31536000"])), MAX_TTL);
        assert_eq!(cache_ttl(&headers(&["No-Store"])), MIN_TTL);
        assert_eq!(cache_ttl(&headers(&["public", "no-cache"])), MIN_TTL);
        assert_eq!(cache_ttl(&headers(&["max-age=abc"])), DEFAULT_TTL);
        assert_eq!(cache_ttl(&headers(&["private", "max-age=600"])), Duration::from_secs(600));
    }

    /// End to end over real HTTP, against a small server on 127.0.0.1.
    mod http {
        use std::sync::atomic::{AtomicUsize, Ordering};

        use axum::Router;
        use axum::http::{StatusCode, header};
        use axum::response::IntoResponse;
        use axum::routing::get;
        use serde_json::json;

        use super::super::*;

        #[derive(Default)]
        struct Hits {
            good: AtomicUsize,
            all: AtomicUsize,
        }

        async fn serve() -> (String, Arc<Hits>) {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let hits = Arc::new(Hits::default());
            let document = {
                let base = base.clone();
                move |path: &str, extra: Value| {
                    let mut doc = json!({
                        "client_id": format!("{base}{path}"),
                        "client_name": "Loopback App",
                        "redirect_uris": ["https://app.example.com/callback", "http://127.0.0.1/cb"],
                        "token_endpoint_auth_method": "none",
                    });
                    if let (Value::Object(doc), Value::Object(extra)) = (&mut doc, extra) {
                        doc.extend(extra);
                    }
                    doc.to_string()
                }
            };
            let json_reply = |body: String| ([(header::CONTENT_TYPE, "application/json")], body);
            let good = {
                let (hits, document) = (hits.clone(), document.clone());
                move || async move {
                    hits.good.fetch_add(1, Ordering::SeqCst);
                    (
                        [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "max-age=600")],
                        document("/good", json!({})),
                    )
                }
            };
            let router = Router::new()
                .route("/good", get(good))
                .route(
                    "/mismatch",
                    get({
                        let document = document.clone();
                        move || async move { json_reply(document("/other", json!({}))) }
                    }),
                )
                .route(
                    "/bad-redirects",
                    get({
                        let document = document.clone();
                        move || async move {
                            json_reply(document("/bad-redirects", json!({ "redirect_uris": ["javascript:alert(1)"] })))
                        }
                    }),
                )
                .route(
                    "/secret",
                    get({
                        let document = document.clone();
                        move || async move {
                            json_reply(document(
                                "/secret",
                                json!({ "token_endpoint_auth_method": "client_secret_post" }),
                            ))
                        }
                    }),
                )
                .route(
                    "/big",
                    get({
                        let document = document.clone();
                        move || async move { json_reply(document("/big", json!({ "padding": "x".repeat(6 * 1024) }))) }
                    }),
                )
                .route(
                    "/big-stream",
                    get(|| async {
                        // Chunked, with no Content-Length: the cap applies while reading.
                        let chunks = (0..64).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b' '; 1024])));
                        axum::body::Body::from_stream(futures_util::stream::iter(chunks))
                    }),
                )
                .route("/redirect", get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/good")]) }))
                .route("/not-json", get(|| async { "<html>not json</html>" }))
                .route("/missing", get(|| async { StatusCode::NOT_FOUND.into_response() }))
                .route(
                    "/slow",
                    get(|| async {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        "{}"
                    }),
                )
                .layer(axum::middleware::from_fn({
                    let hits = hits.clone();
                    move |req: axum::extract::Request, next: axum::middleware::Next| {
                        hits.all.fetch_add(1, Ordering::SeqCst);
                        next.run(req)
                    }
                }));
            tokio::spawn(async move { axum::serve(listener, router).await });
            (base, hits)
        }

        fn docs() -> MetadataDocuments {
            MetadataDocuments::new().allow_loopback_for_tests()
        }

        #[tokio::test]
        async fn good_document_is_fetched_and_cached() {
            let (base, hits) = serve().await;
            let docs = docs();
            let url = format!("{base}/good");
            let record = docs.fetch(&url).await.unwrap();
            assert_eq!(record.client_id, url);
            assert_eq!(record.client_name.as_deref(), Some("Loopback App"));
            assert_eq!(record.redirect_uris, ["https://app.example.com/callback", "http://127.0.0.1/cb"]);
            assert_eq!(record.source, ClientSource::MetadataDocument);
            assert_eq!(record.token_endpoint_auth_method, "none");
            assert!(record.issued_at > 1_700_000_000);
            assert_eq!(hits.good.load(Ordering::SeqCst), 1);
            // Served from the cache: no second request.
            assert_eq!(docs.fetch(&url).await.unwrap(), record);
            assert_eq!(hits.good.load(Ordering::SeqCst), 1);
            // Another fetcher has its own cache.
            self::docs().fetch(&url).await.unwrap();
            assert_eq!(hits.good.load(Ordering::SeqCst), 2);
        }

        #[tokio::test]
        async fn concurrent_first_fetches_make_one_request() {
            let (base, hits) = serve().await;
            let docs = Arc::new(docs());
            let url = format!("{base}/good");
            let tasks: Vec<_> = (0..10)
                .map(|_| {
                    let (docs, url) = (docs.clone(), url.clone());
                    tokio::spawn(async move { docs.fetch(&url).await })
                })
                .collect();
            for task in tasks {
                assert!(task.await.unwrap().is_ok());
            }
            assert_eq!(hits.good.load(Ordering::SeqCst), 1);
        }

        async fn fetch_error(path: &str) -> (String, Arc<Hits>) {
            let (base, hits) = serve().await;
            let err = docs().fetch(&format!("{base}{path}")).await.unwrap_err();
            (err, hits)
        }

        #[tokio::test]
        async fn client_id_mismatch_is_refused() {
            let (err, _) = fetch_error("/mismatch").await;
            assert!(err.contains("/other\" is not its URL"), "{err}");
        }

        #[tokio::test]
        async fn bad_redirect_uris_are_refused() {
            let (err, _) = fetch_error("/bad-redirects").await;
            assert!(err.contains("`javascript:`"), "{err}");
        }

        #[tokio::test]
        async fn secrets_are_refused() {
            let (err, _) = fetch_error("/secret").await;
            assert!(err.contains("client_secret_post"), "{err}");
        }

        #[tokio::test]
        async fn oversized_documents_are_refused() {
            let (err, _) = fetch_error("/big").await;
            assert!(err.contains("larger than 5120 bytes"), "{err}");
            let (err, _) = fetch_error("/big-stream").await;
            assert!(err.contains("larger than 5120 bytes"), "{err}");
        }

        #[tokio::test]
        async fn redirects_are_not_followed() {
            let (err, hits) = fetch_error("/redirect").await;
            assert!(err.contains("302") && err.contains("redirects are not followed"), "{err}");
            assert_eq!(hits.good.load(Ordering::SeqCst), 0);
            assert_eq!(hits.all.load(Ordering::SeqCst), 1);
        }

        #[tokio::test]
        async fn non_json_and_errors_are_refused() {
            let (err, _) = fetch_error("/not-json").await;
            assert!(err.contains("not JSON"), "{err}");
            let (err, _) = fetch_error("/missing").await;
            assert!(err.contains("404"), "{err}");
        }

        #[tokio::test]
        async fn failures_are_not_cached() {
            let (base, hits) = serve().await;
            let docs = docs();
            let url = format!("{base}/missing");
            assert!(docs.fetch(&url).await.is_err());
            assert!(docs.fetch(&url).await.is_err());
            assert_eq!(hits.all.load(Ordering::SeqCst), 2);
        }

        #[tokio::test]
        async fn slow_servers_time_out() {
            let started = std::time::Instant::now();
            let (err, _) = fetch_error("/slow").await;
            assert!(err.contains("within 5 s") || err.contains("timed out"), "{err}");
            assert!(started.elapsed() < Duration::from_secs(8));
        }

        /// The connection goes to the address that was checked, not to a second DNS answer:
        /// `localhost` is made to resolve to 127.0.0.2, where the only server listens, while the
        /// system resolver says 127.0.0.1 / ::1 (where nothing listens on that port).
        #[tokio::test]
        async fn the_connection_is_pinned_to_the_checked_address() {
            let listener = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let url = format!("http://localhost:{port}/doc");
            let body = json!({ "client_id": url, "redirect_uris": ["https://app.example.com/cb"] }).to_string();
            let router = Router::new().route("/doc", get(move || async move { body }));
            tokio::spawn(async move { axum::serve(listener, router).await });
            let pinned = docs().with_test_host("localhost", "127.0.0.2".parse().unwrap());
            assert_eq!(pinned.fetch(&url).await.map(|r| r.client_id), Ok(url.clone()));
            let err = docs().fetch(&url).await.unwrap_err();
            assert!(err.contains("the request failed"), "{err}");
            // The checked address is the one refused, too.
            let private = MetadataDocuments::new().with_test_host("docs.example.com", "10.1.2.3".parse().unwrap());
            let err = private.fetch("https://docs.example.com/c").await.unwrap_err();
            assert!(err.contains("10.1.2.3, which is not a public address"), "{err}");
        }

        /// Without the test knob, loopback is refused before any connection is made.
        #[tokio::test]
        async fn loopback_is_refused_without_the_knob() {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let accepted = Arc::new(AtomicUsize::new(0));
            let counter = accepted.clone();
            tokio::spawn(async move {
                while listener.accept().await.is_ok() {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            });
            let docs = MetadataDocuments::new();
            for (url, why) in [
                (format!("https://127.0.0.1:{port}/c"), "127.0.0.1, which is not a public address"),
                (format!("https://[::1]:{port}/c"), "::1, which is not a public address"),
                (format!("https://[::ffff:127.0.0.1]:{port}/c"), "which is not a public address"),
                (format!("https://localhost:{port}/c"), "which is not a public address"),
                (format!("https://2130706433:{port}/c"), "127.0.0.1, which is not a public address"),
                (format!("http://127.0.0.1:{port}/c"), "not an https URL"),
            ] {
                let err = docs.fetch(&url).await.unwrap_err();
                assert!(err.contains(why), "{url}: {err}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert_eq!(accepted.load(Ordering::SeqCst), 0);
        }
    }
}
