//! Redirect URI rules (RFC 6749 §3.1.2, RFC 8252 §7, MCP security best practices).
//!
//! The authorization code goes wherever the redirect URI points, so a loose rule is an open door:
//! wildcards, userinfo tricks (`http://localhost@evil.com`), dot segments that a server resolves
//! elsewhere (`/cb/../steal`) and script schemes are all refused when a client registers, and at
//! `/authorize` the requested URI must be one of the registered strings exactly. The only
//! relaxation is RFC 8252's: a native app listening on a loopback interface picks its port at run
//! time, so a registered loopback URI matches the same URI with another port.
//!
//! The checks read the URI as the client wrote it, not a parsed and normalised form: a URL parser
//! resolves `..`, lowercases hosts and decodes escapes, which would hide exactly what is refused.

use serde::{Deserialize, Serialize};

/// The longest redirect URI accepted, in bytes.
pub(crate) const MAX_URI_LEN: usize = 2048;

/// Schemes that run code or read local data in the browser; never a redirect target.
const DENIED_SCHEMES: [&str; 6] = ["javascript", "data", "file", "vbscript", "about", "blob"];

/// The loopback literals a redirect URI may name (RFC 8252 §7.3, §8.3): narrower than any
/// loopback host (`fastapps_core::net::is_loopback_host`), on purpose: `127.0.0.2` is not one.
const LOOPBACK_LITERALS: [&str; 3] = ["127.0.0.1", "[::1]", "localhost"];

/// What kind of client registered (OpenID Connect Registration `application_type`, MCP SEP-837).
///
/// It decides which redirect URIs the client may use: a `web` client redirects to `https` (or to
/// `http` on loopback, as command-line tools that register without saying otherwise do), a
/// `native` client to loopback `http`, a private-use scheme of its own, or `https`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ApplicationType {
    /// A client running on a web server or in a browser (the default).
    #[default]
    Web,
    /// An application installed on the user's device.
    Native,
}

impl ApplicationType {
    /// The wire name: `"web"` or `"native"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Native => "native",
        }
    }
}

/// Checks a redirect URI at registration; `Err` says why (shown to the developer in
/// `error_description`).
pub(crate) fn check_registered(uri: &str, application_type: ApplicationType) -> Result<(), String> {
    if uri.is_empty() {
        return Err("a redirect URI is empty".to_owned());
    }
    if uri.len() > MAX_URI_LEN {
        return Err(format!("a redirect URI is longer than {MAX_URI_LEN} bytes"));
    }
    let shown = Shown(uri);
    if uri.chars().any(|c| !c.is_ascii_graphic()) {
        return Err(format!("{shown} contains a space, a control character or a non-ASCII character"));
    }
    if uri.contains('#') {
        return Err(format!("{shown} has a fragment; redirect URIs must not"));
    }
    if uri.contains('*') {
        return Err(format!("{shown} contains `*`; wildcards are not supported, register each URI exactly"));
    }
    if uri.contains('\\') {
        return Err(format!("{shown} contains a backslash"));
    }
    let Some((scheme, rest)) = split_scheme(uri) else {
        return Err(format!("{shown} is not an absolute URI (it has no scheme)"));
    };
    let scheme = scheme.to_ascii_lowercase();
    if DENIED_SCHEMES.contains(&scheme.as_str()) {
        return Err(format!("{shown} uses the `{scheme}:` scheme, which is never allowed"));
    }
    let parts = split_hierarchy(rest);
    if parts.authority.is_some_and(|a| a.contains('@')) {
        return Err(format!("{shown} has userinfo (`…@` before the host); redirect URIs must not"));
    }
    if has_dot_segment(parts.path) {
        return Err(format!("{shown} has a `.` or `..` path segment"));
    }
    // The URL parser confirms what the string checks above do not look at: ports, IPv6 literals
    // and the characters of a host.
    reqwest::Url::parse(uri).map_err(|e| format!("{shown} is not a valid URI: {e}"))?;

    let loopback = parts.authority.and_then(host_of).is_some_and(is_loopback_literal);
    match scheme.as_str() {
        "https" => match parts.authority.and_then(host_of) {
            Some(host) if !host.is_empty() => Ok(()),
            _ => Err(format!("{shown} has no host")),
        },
        "http" if loopback => Ok(()),
        "http" => Err(format!(
            "{shown} uses plain http; only loopback hosts (127.0.0.1, [::1], localhost) may use http, others need https"
        )),
        _ => match application_type {
            ApplicationType::Web => Err(format!(
                "{shown}: a web client's redirect URIs must use https (or http on a loopback host); \
                 register as \"application_type\": \"native\" for a private-use scheme"
            )),
            ApplicationType::Native if scheme.contains('.') => Ok(()),
            ApplicationType::Native => Err(format!(
                "{shown}: a native app's private-use scheme must be a reverse domain name such as \
                 `com.example.app:/callback` (RFC 8252 §7.1)"
            )),
        },
    }
}

/// The registered URI `requested` may use: an exact string match, or — for a registered loopback
/// URI (127.0.0.1, \[::1\], localhost) — the same URI with another port (same scheme, same host
/// literal, path and query). `None` otherwise.
pub(crate) fn matching<'a>(registered: &'a [String], requested: &str) -> Option<&'a str> {
    if let Some(exact) = registered.iter().find(|r| r.as_str() == requested) {
        return Some(exact);
    }
    let wanted = LoopbackParts::of(requested)?;
    registered.iter().find(|r| LoopbackParts::of(r).is_some_and(|p| p.same_but_port(&wanted))).map(String::as_str)
}

/// Whether `uri` is an `http`/`https` URI whose host is a loopback literal (127.0.0.1, \[::1\],
/// localhost), e.g. to warn on a consent page that a client redirects only to the user's machine.
pub(crate) fn is_loopback_uri(uri: &str) -> bool {
    LoopbackParts::of(uri).is_some()
}

/// A URI quoted for an error message, cut short if long.
struct Shown<'a>(&'a str);

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const SHOWN: usize = 80;
        match self.0.char_indices().nth(SHOWN) {
            Some((cut, _)) => write!(f, "{:?}", format!("{}…", &self.0[..cut])),
            None => write!(f, "{:?}", self.0),
        }
    }
}

/// `scheme ":" rest`, with the RFC 3986 scheme grammar: a letter, then letters, digits, `+`, `-`, `.`.
pub(crate) fn split_scheme(uri: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = uri.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        .then_some((scheme, rest))
}

/// The parts of what follows `scheme:`.
pub(crate) struct Hierarchy<'a> {
    /// What follows `//` up to the path, if there is a `//`.
    pub(crate) authority: Option<&'a str>,
    pub(crate) path: &'a str,
}

/// Splits what follows `scheme:` into authority and path (the query and fragment are left out).
pub(crate) fn split_hierarchy(rest: &str) -> Hierarchy<'_> {
    let (authority, after) = match rest.strip_prefix("//") {
        Some(tail) => {
            let end = tail.find(['/', '?', '#']).unwrap_or(tail.len());
            (Some(&tail[..end]), &tail[end..])
        }
        None => (None, rest),
    };
    let path_end = after.find(['?', '#']).unwrap_or(after.len());
    Hierarchy { authority, path: &after[..path_end] }
}

/// The host of an authority without userinfo: `[v6]` with its brackets, or what precedes `:port`.
pub(crate) fn host_of(authority: &str) -> Option<&str> {
    if authority.starts_with('[') {
        let end = authority.find(']')?;
        return Some(&authority[..=end]);
    }
    Some(authority.split(':').next().unwrap_or(authority))
}

fn is_loopback_literal(host: &str) -> bool {
    LOOPBACK_LITERALS.iter().any(|l| l.eq_ignore_ascii_case(host))
}

/// Whether a path has a `.` or `..` segment, also when its dots or slashes are percent-encoded.
pub(crate) fn has_dot_segment(path: &str) -> bool {
    let decoded = decode_dots_and_slashes(path);
    decoded.split('/').any(|segment| segment == "." || segment == "..")
}

/// Decodes `%2e` and `%2f` (either case), the escapes that hide dot segments; others stay as they are.
fn decode_dots_and_slashes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let escape = rest.get(at..at + 3);
        match escape.map(str::to_ascii_lowercase).as_deref() {
            Some("%2e") => out.push('.'),
            Some("%2f") => out.push('/'),
            _ => {
                out.push('%');
                rest = &rest[at + 1..];
                continue;
            }
        }
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out
}

/// A loopback `http(s)` URI cut around its port: `scheme://host` `:port` `rest`.
#[derive(Debug, PartialEq, Eq)]
struct LoopbackParts<'a> {
    scheme: &'a str,
    host: &'a str,
    rest: &'a str,
}

impl<'a> LoopbackParts<'a> {
    fn of(uri: &'a str) -> Option<Self> {
        let (scheme, after) = uri.split_once("://")?;
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return None;
        }
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let (authority, rest) = after.split_at(end);
        let host = host_of(authority)?;
        if !is_loopback_literal(host) {
            return None;
        }
        match &authority[host.len()..] {
            "" => {}
            port => {
                let digits = port.strip_prefix(':')?;
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.parse::<u16>().is_err() {
                    return None;
                }
            }
        }
        Some(Self { scheme, host, rest })
    }

    /// Same scheme, host literal, path and query, compared as strings; the port may differ.
    fn same_but_port(&self, other: &Self) -> bool {
        self.scheme == other.scheme && self.host == other.host && self.rest == other.rest
    }
}

#[cfg(test)]
mod tests {
    use super::ApplicationType::{Native, Web};
    use super::*;

    fn ok(uri: &str, t: ApplicationType) {
        assert_eq!(check_registered(uri, t), Ok(()), "{uri} should be accepted for {t:?}");
    }

    fn refused(uri: &str, t: ApplicationType) -> String {
        match check_registered(uri, t) {
            Ok(()) => panic!("{uri} should be refused for {t:?}"),
            Err(why) => why,
        }
    }

    #[test]
    fn web_clients_use_https_or_loopback_http() {
        for uri in [
            "https://chatgpt.com/connector_platform_oauth_redirect",
            "https://claude.ai/api/mcp/auth_callback",
            "https://app.example.com/cb?tenant=a&x=1",
            "https://example.com:8443/cb",
            "https://203.0.113.5/cb",
            "http://localhost:6274/oauth/callback",
            "http://127.0.0.1/callback",
            "http://[::1]:33418/",
            "http://LOCALHOST:8080/cb",
        ] {
            ok(uri, Web);
        }
        assert!(refused("http://example.com/cb", Web).contains("plain http"));
        assert!(refused("http://127.0.0.2/cb", Web).contains("plain http"));
        assert!(refused("http://localhost.example.com/cb", Web).contains("plain http"));
        assert!(refused("com.example.app:/callback", Web).contains("web client"));
        assert!(refused("myapp://callback", Web).contains("web client"));
    }

    #[test]
    fn native_apps_use_loopback_private_use_schemes_or_https() {
        for uri in [
            "http://127.0.0.1/callback",
            "http://localhost:0/cb",
            "http://[::1]/cb",
            "com.example.app:/oauth2redirect/example-provider",
            "com.example.app://callback",
            "io.modelcontextprotocol.inspector:/cb",
            "https://app.example.com/cb",
        ] {
            ok(uri, Native);
        }
        assert!(refused("myapp://callback", Native).contains("reverse domain name"));
        assert!(refused("http://example.com/cb", Native).contains("plain http"));
    }

    #[test]
    fn script_and_local_schemes_are_never_allowed() {
        for (uri, scheme) in [
            ("javascript:alert(1)", "javascript"),
            ("JavaScript:alert(1)", "javascript"),
            ("data:text/html,<script>alert(1)</script>", "data"),
            ("file:///etc/passwd", "file"),
            ("vbscript:msgbox(1)", "vbscript"),
            ("about:blank", "about"),
            ("blob:https://example.com/uuid", "blob"),
        ] {
            for t in [Web, Native] {
                let why = refused(uri, t);
                assert!(why.contains(&format!("`{scheme}:`")), "{uri}: {why}");
            }
        }
    }

    #[test]
    fn shape_errors() {
        for t in [Web, Native] {
            assert!(refused("", t).contains("empty"));
            assert!(refused("/callback", t).contains("not an absolute URI"));
            assert!(refused("//example.com/cb", t).contains("not an absolute URI"));
            assert!(refused("1http://example.com/cb", t).contains("not an absolute URI"));
            assert!(refused("https://example.com/cb#frag", t).contains("fragment"));
            assert!(refused("https://example.com/cb#", t).contains("fragment"));
            assert!(refused("https://example.com/c b", t).contains("space"));
            assert!(refused("https://example.com/cb\n", t).contains("control"));
            assert!(refused("https://exämple.com/cb", t).contains("non-ASCII"));
            assert!(refused("https://*.example.com/cb", t).contains("wildcards"));
            assert!(refused("https://example.com/*", t).contains("wildcards"));
            assert!(refused("http://localhost:*/cb", t).contains("wildcards"));
            assert!(refused("https://example.com\\@evil.com/cb", t).contains("backslash"));
            assert!(refused("https:///cb", t).contains("no host"));
            assert!(refused("https:/cb", t).contains("no host"));
            assert!(refused("https://example.com:99999/cb", t).contains("not a valid URI"));
            assert!(refused("https://[::1/cb", t).contains("not a valid URI"));
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URI_LEN));
        assert!(refused(&long, Web).contains("longer than 2048"));
        ok(&format!("https://example.com/{}", "a".repeat(MAX_URI_LEN - 20)), Web);
    }

    #[test]
    fn userinfo_is_refused() {
        for uri in [
            "http://localhost@evil.com/cb",
            "http://localhost:8080@evil.com/cb",
            "https://user:pass@example.com/cb",
            "https://@example.com/cb",
            "com.example.app://user@callback",
        ] {
            for t in [Web, Native] {
                assert!(refused(uri, t).contains("userinfo"), "{uri}");
            }
        }
        // An `@` after the authority is just a character of the path or query.
        ok("https://example.com/cb?mail=a@b.example", Web);
    }

    #[test]
    fn dot_segments_are_refused_also_when_encoded() {
        for uri in [
            "https://example.com/cb/../steal",
            "https://example.com/cb/./x",
            "https://example.com/..",
            "https://example.com/cb/%2e%2e/steal",
            "https://example.com/cb/%2E%2E/steal",
            "https://example.com/cb/.%2e/steal",
            "https://example.com/cb/%2e/x",
            "https://example.com/cb%2f..%2fsteal",
            "http://127.0.0.1:8080/cb/../../steal",
            "com.example.app:/cb/../x",
        ] {
            for t in [Web, Native] {
                assert!(refused(uri, t).contains("path segment"), "{uri}");
            }
        }
        // Dots inside a segment, and `..` in the query, are fine.
        ok("https://example.com/v1.2/cb..x/.well", Web);
        ok("https://example.com/cb?next=../x", Web);
        ok("https://example.com/cb%2", Web);
        ok("https://example.com/%41%2", Web);
    }

    #[test]
    fn error_messages_cut_long_uris() {
        let uri = format!("http://example.com/{}", "a".repeat(500));
        let why = refused(&uri, Web);
        assert!(why.len() < 300, "{why}");
        assert!(why.contains('…'));
    }

    fn registered(uris: &[&str]) -> Vec<String> {
        uris.iter().map(|u| (*u).to_owned()).collect()
    }

    #[test]
    fn exact_match_wins() {
        let reg = registered(&["https://app.example.com/cb", "https://app.example.com/cb2"]);
        assert_eq!(matching(&reg, "https://app.example.com/cb2"), Some("https://app.example.com/cb2"));
        for other in [
            "https://app.example.com/cb/",
            "https://app.example.com/CB",
            "https://APP.example.com/cb",
            "https://app.example.com:443/cb",
            "https://app.example.com/cb?x=1",
            "https://app.example.com/cb#",
            "https://app.example.com/cb/../cb",
            "https://app.example.com:8443/cb",
            "http://app.example.com/cb",
            "https://app.example.com.evil.com/cb",
            "",
        ] {
            assert_eq!(matching(&reg, other), None, "{other}");
        }
        assert_eq!(matching(&[], "https://app.example.com/cb"), None);
    }

    #[test]
    fn loopback_port_may_vary() {
        let reg = registered(&["http://127.0.0.1/callback", "http://localhost:3000/cb?x=1", "http://[::1]:80/"]);
        assert_eq!(matching(&reg, "http://127.0.0.1:51234/callback"), Some("http://127.0.0.1/callback"));
        assert_eq!(matching(&reg, "http://127.0.0.1/callback"), Some("http://127.0.0.1/callback"));
        assert_eq!(matching(&reg, "http://localhost:1/cb?x=1"), Some("http://localhost:3000/cb?x=1"));
        assert_eq!(matching(&reg, "http://localhost/cb?x=1"), Some("http://localhost:3000/cb?x=1"));
        assert_eq!(matching(&reg, "http://[::1]:65535/"), Some("http://[::1]:80/"));
        for other in [
            // localhost and 127.0.0.1 never stand for each other.
            "http://localhost:51234/callback",
            "http://127.0.0.1:3000/cb?x=1",
            "http://[::1]:3000/callback",
            // Another path, query, scheme or host literal.
            "http://127.0.0.1:51234/callback/",
            "http://127.0.0.1:51234/other",
            "http://localhost:1/cb?x=2",
            "http://localhost:1/cb",
            "https://127.0.0.1:51234/callback",
            "HTTP://127.0.0.1:51234/callback",
            "http://127.0.0.2:51234/callback",
            "http://[0:0:0:0:0:0:0:1]:80/",
            // Ports that are no ports, and userinfo or hosts hidden after the port.
            "http://127.0.0.1:/callback",
            "http://127.0.0.1:65536/callback",
            "http://127.0.0.1:-1/callback",
            "http://127.0.0.1:80@evil.com/callback",
            "http://127.0.0.1@evil.com/callback",
            "http://127.0.0.1:80\\@evil.com/callback",
            "http://127.0.0.1:51234/callback#x",
        ] {
            assert_eq!(matching(&reg, other), None, "{other}");
        }
    }

    #[test]
    fn non_loopback_ports_never_vary() {
        let reg = registered(&["http://example.com:8080/cb", "https://example.com/cb"]);
        assert_eq!(matching(&reg, "http://example.com:9090/cb"), None);
        assert_eq!(matching(&reg, "https://example.com:8443/cb"), None);
    }

    #[test]
    fn loopback_uris() {
        assert!(is_loopback_uri("http://127.0.0.1:8080/cb"));
        assert!(is_loopback_uri("http://localhost/cb"));
        assert!(is_loopback_uri("http://[::1]/"));
        assert!(!is_loopback_uri("https://example.com/cb"));
        assert!(!is_loopback_uri("com.example.app:/cb"));
        assert!(!is_loopback_uri("http://localhost@evil.com/cb"));
    }

    #[test]
    fn application_type_wire_names() {
        assert_eq!(serde_json::to_value(Native).ok(), Some(serde_json::json!("native")));
        assert_eq!(serde_json::from_str::<ApplicationType>("\"web\"").ok(), Some(Web));
        assert!(serde_json::from_str::<ApplicationType>("\"Web\"").is_err());
        assert_eq!(ApplicationType::default(), Web);
        assert_eq!(Native.as_str(), "native");
    }
}
