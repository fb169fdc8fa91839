//! The rules the server and its authorization server apply to host names and URLs, each
//! written once: what counts as a loopback host, and what a URL's origin is.

/// Whether `host` (as in a URL or a `Host` header, without port; IPv6 in brackets or not)
/// names this machine: `localhost` in any case, or a loopback IP address (`127.0.0.0/8`,
/// `::1`).
///
/// ```
/// use fastapps_core::net::is_loopback_host;
///
/// assert!(is_loopback_host("LOCALHOST") && is_loopback_host("127.0.0.2") && is_loopback_host("[::1]"));
/// assert!(!is_loopback_host("localhost.example.com") && !is_loopback_host("10.0.0.1"));
/// ```
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The origin of an absolute `http(s)` URL, as browsers write it: scheme and host in lowercase,
/// the port only when it is not the scheme's default (`https://API.example.com:443/mcp` →
/// `https://api.example.com`); `None` for anything else.
///
/// ```
/// use fastapps_core::net::origin_of;
///
/// assert_eq!(origin_of("https://API.example.com:443/mcp?x=1").as_deref(), Some("https://api.example.com"));
/// assert_eq!(origin_of("http://127.0.0.1:8000").as_deref(), Some("http://127.0.0.1:8000"));
/// assert_eq!(origin_of("ui://widget/x.html"), None);
/// ```
pub fn origin_of(url: &str) -> Option<String> {
    origin_of_url(&url::Url::parse(url).ok()?)
}

/// [`origin_of`] a URL already parsed.
pub(crate) fn origin_of_url(url: &url::Url) -> Option<String> {
    matches!(url.scheme(), "http" | "https").then(|| url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for host in ["localhost", "LocalHost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in ["", "example.com", "0.0.0.0", "[::]", "::ffff:10.0.0.1", "localhost.", "[127.0.0.1"] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn origins() {
        assert_eq!(origin_of("https://a.example/x").as_deref(), Some("https://a.example"));
        assert_eq!(origin_of("http://[::1]:80/mcp").as_deref(), Some("http://[::1]"));
        assert_eq!(origin_of("not a url"), None);
        assert_eq!(origin_of("/relative"), None);
    }
}
