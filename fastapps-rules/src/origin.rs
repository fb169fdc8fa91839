//! What an entry of a widget's CSP lists may be, and what a widget's dedicated domain may be.
//!
//! A CSP domain is an origin: a scheme (`https`, `http`, `wss` or `ws`), a host (a name whose
//! first label may be the wildcard `*`, an IPv4 address or a bracketed IPv6 address) and an
//! optional port; nothing else (no path, query, fragment or user info). Hosts compare origins as
//! strings, so every entry is normalized the way browsers serialize origins: scheme and host in
//! lower case, international names in punycode, IP addresses in canonical form, no default port
//! and no trailing `/` (`HTTPS://API.Example.com:443/` → `https://api.example.com`).
//!
//! The `url` crate parses (it implements the WHATWG URL standard browsers follow). That standard
//! forgives what a CSP entry should not carry, so the written form is checked too: `https:x`
//! without `//`, an empty user info (`https://@x`), an empty port (`https://x:`) and dot
//! segments (`https://x/./`) are refused rather than silently dropped.

use std::fmt;

use url::{Host, Url};

/// The schemes a CSP domain may have.
const CSP_SCHEMES: &[&str] = &["https", "http", "wss", "ws"];
/// The schemes a widget's dedicated domain may have: it serves a page.
const DOMAIN_SCHEMES: &[&str] = &["https", "http"];

/// What a rule accepts.
struct Rule {
    /// What the checked value is called in messages.
    what: &'static str,
    schemes: &'static [&'static str],
    wildcard: bool,
}

const CSP_DOMAIN: Rule = Rule { what: "a CSP domain", schemes: CSP_SCHEMES, wildcard: true };
const WIDGET_DOMAIN: Rule = Rule { what: "a widget domain", schemes: DOMAIN_SCHEMES, wildcard: false };

/// Why a string is not an acceptable origin. Its message names the string, says what is wrong
/// and what to write instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginError {
    input: String,
    problem: Problem,
}

/// What is wrong with an origin.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// Not written `scheme://host`; holds the origin meant when `https://` in front makes one.
    NoScheme {
        /// `https://` and the input, when that is an acceptable origin.
        suggestion: Option<String>,
    },
    /// A scheme the rule does not allow.
    Scheme {
        /// The scheme written, in lower case.
        scheme: String,
        /// The schemes allowed.
        allowed: &'static [&'static str],
    },
    /// A path, query, fragment or user info after or inside the authority.
    NotOriginOnly {
        /// What the checked value is called ("a CSP domain").
        what: &'static str,
        /// The origin alone, to write instead.
        origin: Option<String>,
    },
    /// Whitespace or a control character, which a URL parser would drop or reject.
    Whitespace,
    /// Not a host name or IP address.
    Host {
        /// The host as parsed (or written).
        host: String,
    },
    /// A `*` anywhere but as the whole first label of a host name.
    Wildcard,
    /// A wildcard where the rule allows none.
    WildcardNotAllowed {
        /// What the checked value is called ("a widget domain").
        what: &'static str,
    },
    /// A port that is empty, not a number or outside 1–65535.
    Port,
}

impl OriginError {
    fn new(input: &str, problem: Problem) -> Self {
        Self { input: input.to_owned(), problem }
    }

    /// The string that was refused.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// What is wrong with it.
    pub fn problem(&self) -> &Problem {
        &self.problem
    }
}

impl fmt::Display for OriginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let input = &self.input;
        match &self.problem {
            Problem::NoScheme { suggestion: Some(origin) } => {
                write!(f, "{input:?} is not an origin: write it with its scheme, e.g. {origin:?}")
            }
            Problem::NoScheme { suggestion: None } => {
                write!(f, "{input:?} is not an origin: write scheme://host[:port], e.g. \"https://api.example.com\"")
            }
            Problem::Scheme { scheme, allowed } => {
                let allowed = crate::list::or_list(allowed.iter().map(ToString::to_string));
                write!(f, "{input:?}: the scheme {scheme:?} is not allowed; use {allowed}")
            }
            Problem::NotOriginOnly { what, origin } => {
                write!(f, "{input:?}: {what} is an origin only, without path, query, fragment or user info")?;
                match origin {
                    Some(origin) => write!(f, "; write {origin:?}"),
                    None => Ok(()),
                }
            }
            Problem::Whitespace => write!(f, "{input:?} contains whitespace or a control character; remove it"),
            Problem::Host { host } => {
                write!(f, "{input:?}: {host:?} is not a host name or IP address, e.g. \"api.example.com\"")
            }
            Problem::Wildcard => write!(
                f,
                "{input:?}: a wildcard `*` may only be the whole first label of a host name, e.g. \
                 \"https://*.example.com\""
            ),
            Problem::WildcardNotAllowed { what } => {
                write!(f, "{input:?}: {what} is one origin and cannot have a wildcard; name the host")
            }
            Problem::Port => write!(f, "{input:?}: the port must be a number from 1 to 65535"),
        }
    }
}

impl std::error::Error for OriginError {}

/// Checks and normalizes a CSP domain: `https`, `http`, `wss` or `ws`, a host whose first label
/// may be `*`, an optional port, nothing else.
///
/// ```
/// use fastapps_rules::normalize_csp_domain;
///
/// assert_eq!(normalize_csp_domain("HTTPS://API.Example.com:443/").unwrap(), "https://api.example.com");
/// assert_eq!(normalize_csp_domain("wss://*.example.com:8443").unwrap(), "wss://*.example.com:8443");
/// assert_eq!(normalize_csp_domain("http://[::1]:8000").unwrap(), "http://[::1]:8000");
/// assert!(normalize_csp_domain("cdn.example.com").is_err());
/// assert!(normalize_csp_domain("https://cdn.example.com/lib.js").is_err());
/// ```
pub fn normalize_csp_domain(input: &str) -> Result<String, OriginError> {
    normalize(input, &CSP_DOMAIN)
}

/// Checks and normalizes a widget's dedicated domain (`ui.domain`, `openai/widgetDomain`): the
/// rule of a CSP domain, but `https` or `http` only and with no wildcard, since the host serves
/// the widget from that one origin.
///
/// ```
/// use fastapps_rules::normalize_widget_domain;
///
/// assert_eq!(normalize_widget_domain("https://Pizzaz.example.com/").unwrap(), "https://pizzaz.example.com");
/// assert!(normalize_widget_domain("https://*.example.com").is_err());
/// assert!(normalize_widget_domain("wss://pizzaz.example.com").is_err());
/// ```
pub fn normalize_widget_domain(input: &str) -> Result<String, OriginError> {
    normalize(input, &WIDGET_DOMAIN)
}

fn normalize(input: &str, rule: &Rule) -> Result<String, OriginError> {
    let fail = |problem| Err(OriginError::new(input, problem));
    // The URL standard trims spaces and drops tabs and newlines anywhere; an entry holding
    // them is a mistake to show, not to repair.
    if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return fail(Problem::Whitespace);
    }
    let url = match Url::parse(input) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => return fail(no_scheme(input, rule)),
        Err(url::ParseError::InvalidPort) => return fail(Problem::Port),
        Err(url::ParseError::EmptyHost) => return fail(Problem::Host { host: String::new() }),
        Err(_) => return fail(Problem::Host { host: written_authority(input).unwrap_or(input).to_owned() }),
    };
    // The scheme is the input's first characters (nothing was trimmed), in any case.
    let Some(written) = input.get(url.scheme().len()..).and_then(|rest| rest.strip_prefix("://")) else {
        return fail(no_scheme(input, rule));
    };
    if !rule.schemes.contains(&url.scheme()) {
        return fail(Problem::Scheme { scheme: url.scheme().to_owned(), allowed: rule.schemes });
    }
    let Some(host) = url.host() else { return fail(Problem::Host { host: String::new() }) };

    // The authority as written ends at the first `/`, `?` or `#` (or `\`, which the standard
    // reads as `/`); after it only a `/` may follow.
    let end = written.find(['/', '?', '#', '\\']).unwrap_or(written.len());
    let (authority, rest) = written.split_at(end);
    let origin_only = (rest.is_empty() || rest == "/")
        && !authority.contains('@')
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none();
    if !origin_only {
        let origin = Some(url.origin().ascii_serialization());
        return fail(Problem::NotOriginOnly { what: rule.what, origin });
    }
    if authority.ends_with(':') || url.port() == Some(0) {
        return fail(Problem::Port);
    }
    // An IP address with `*.` in front does not parse, so only names are left to check.
    if let Host::Domain(name) = host {
        // `url` follows the URL standard, where `*` is an allowed host character, so
        // `https://*.example.com` parses with `*` as a label; which label may be `*` (only the
        // first, written as such, not `%2A`) is this rule's.
        let bare = match name.strip_prefix("*.") {
            Some(bare) if authority.starts_with("*.") => {
                if !rule.wildcard {
                    return fail(Problem::WildcardNotAllowed { what: rule.what });
                }
                bare
            }
            _ => name,
        };
        if bare.contains('*') {
            return fail(Problem::Wildcard);
        }
        // Host names as DNS has them (RFC 1123 labels): `url` also lets through `_`, empty
        // labels and a trailing dot, which no CSP origin needs.
        let valid_label = |label: &str| {
            !label.is_empty()
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if !bare.split('.').all(valid_label) {
            return fail(Problem::Host { host: name.to_owned() });
        }
    }
    Ok(url.origin().ascii_serialization())
}

/// What follows `scheme://` in `input` up to the path, as written (for messages).
fn written_authority(input: &str) -> Option<&str> {
    let start = input.find("://")? + 3;
    let rest = &input[start..];
    Some(&rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())])
}

fn no_scheme(input: &str, rule: &Rule) -> Problem {
    // `https://` cannot lead back here: the scheme is then followed by `://`.
    let suggestion = normalize(&format!("https://{}", input.trim_start_matches('/')), rule).ok();
    Problem::NoScheme { suggestion }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csp(input: &str) -> Result<String, Problem> {
        normalize_csp_domain(input).map_err(|e| e.problem)
    }

    #[test]
    fn origins_are_normalized() {
        for (input, normalized) in [
            ("https://api.example.com", "https://api.example.com"),
            ("https://api.example.com/", "https://api.example.com"),
            ("HTTPS://API.Example.COM", "https://api.example.com"),
            ("Https://api.example.com:443", "https://api.example.com"),
            ("http://api.example.com:80/", "http://api.example.com"),
            ("http://api.example.com:443", "http://api.example.com:443"),
            ("https://api.example.com:8443", "https://api.example.com:8443"),
            ("https://api.example.com:08443", "https://api.example.com:8443"),
            ("wss://live.example.com", "wss://live.example.com"),
            ("wss://live.example.com:443", "wss://live.example.com"),
            ("ws://127.0.0.1:8000", "ws://127.0.0.1:8000"),
            ("http://localhost:5173", "http://localhost:5173"),
            ("http://127.0.0.1", "http://127.0.0.1"),
            ("http://[::1]:8000", "http://[::1]:8000"),
            ("https://[0:0:0:0:0:0:0:1]", "https://[::1]"),
            ("https://[2001:DB8::1]:8443/", "https://[2001:db8::1]:8443"),
            ("https://bücher.example", "https://xn--bcher-kva.example"),
            ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
            ("https://a-b.c-d.example", "https://a-b.c-d.example"),
        ] {
            assert_eq!(csp(input).as_deref(), Ok(normalized), "{input}");
        }
    }

    #[test]
    fn a_wildcard_is_a_whole_first_label() {
        assert_eq!(csp("https://*.example.com").as_deref(), Ok("https://*.example.com"));
        assert_eq!(csp("HTTPS://*.CDN.Example.com:8443/").as_deref(), Ok("https://*.cdn.example.com:8443"));
        assert_eq!(csp("wss://*.example.com").as_deref(), Ok("wss://*.example.com"));
        assert_eq!(csp("https://*.com").as_deref(), Ok("https://*.com"));
        for bad in [
            "https://*",
            "https://*.",
            "https://a.*.example.com",
            "https://*.*.example.com",
            "https://*a.example.com",
            "https://a*.example.com",
            "https://example.*",
            "https://%2A.example.com",
            "https://*.[::1]",
            "https://*.127.0.0.1",
        ] {
            assert!(csp(bad).is_err(), "{bad}");
        }
        assert_eq!(csp("https://a.*.example.com"), Err(Problem::Wildcard));
        assert_eq!(csp("https://*"), Err(Problem::Wildcard));
        assert_eq!(
            normalize_widget_domain("https://*.example.com").map_err(|e| e.problem),
            Err(Problem::WildcardNotAllowed { what: "a widget domain" })
        );
    }

    #[test]
    fn a_scheme_is_required_and_must_be_web() {
        assert_eq!(
            csp("cdn.example.com"),
            Err(Problem::NoScheme { suggestion: Some("https://cdn.example.com".into()) })
        );
        assert_eq!(csp("localhost:8000"), Err(Problem::NoScheme { suggestion: Some("https://localhost:8000".into()) }));
        assert_eq!(
            csp("//cdn.example.com"),
            Err(Problem::NoScheme { suggestion: Some("https://cdn.example.com".into()) })
        );
        assert_eq!(csp("https:cdn.example.com"), Err(Problem::NoScheme { suggestion: None }));
        assert_eq!(csp("https:/cdn.example.com"), Err(Problem::NoScheme { suggestion: None }));
        assert!(matches!(csp(""), Err(Problem::NoScheme { .. })));
        for (bad, scheme) in [("ftp://x.example", "ftp"), ("javascript://x", "javascript"), ("FILE://x", "file")] {
            assert_eq!(csp(bad), Err(Problem::Scheme { scheme: scheme.into(), allowed: CSP_SCHEMES }), "{bad}");
        }
        assert!(matches!(csp("data:text/html,x"), Err(Problem::NoScheme { .. })));
        assert!(matches!(
            normalize_widget_domain("wss://x.example").map_err(|e| e.problem),
            Err(Problem::Scheme { .. })
        ));
    }

    #[test]
    fn nothing_but_the_origin() {
        for bad in [
            "https://x.example/path",
            "https://x.example//",
            "https://x.example/./",
            "https://x.example/.",
            "https://x.example/..",
            "https://x.example?",
            "https://x.example?q=1",
            "https://x.example#",
            "https://x.example#top",
            "https://user@x.example",
            "https://user:pw@x.example",
            "https://@x.example",
            "https://:@x.example",
            "https://x.example\\",
        ] {
            assert!(matches!(csp(bad), Err(Problem::NotOriginOnly { .. })), "{bad}: {:?}", csp(bad));
        }
        assert_eq!(
            csp("https://X.example:8443/lib.js"),
            Err(Problem::NotOriginOnly { what: "a CSP domain", origin: Some("https://x.example:8443".into()) })
        );
    }

    #[test]
    fn hosts_and_ports_are_checked() {
        for bad in [
            "https://",
            "https://:443",
            "https://-x.example",
            "https://x-.example",
            "https://a_b.example",
            "https://x..example",
            "https://x.example.",
            "https://.x.example",
            "https://x%2Fy.example",
            "https://[::1",
            "https://[::g]",
            "https://999.1.1.1",
        ] {
            assert!(matches!(csp(bad), Err(Problem::Host { .. })), "{bad}: {:?}", csp(bad));
        }
        for bad in [
            "https://x.example:",
            "https://x.example:0",
            "https://x.example:99999",
            "https://x.example:65536",
            "https://x.example:-1",
            "https://x.example:80a",
            "https://x.example:*",
        ] {
            assert_eq!(csp(bad), Err(Problem::Port), "{bad}");
        }
        assert_eq!(csp("https://x.example:65535").as_deref(), Ok("https://x.example:65535"));
        assert_eq!(csp("https://x.example:1").as_deref(), Ok("https://x.example:1"));
    }

    #[test]
    fn whitespace_and_controls_are_refused_not_dropped() {
        for bad in
            [" https://x.example", "https://x.example ", "https://a b", "https://x.\texample", "https://x\n.example"]
        {
            assert_eq!(csp(bad), Err(Problem::Whitespace), "{bad:?}");
        }
    }

    #[test]
    fn messages_name_the_input_and_what_to_write() {
        let message = |input: &str| normalize_csp_domain(input).unwrap_err().to_string();
        assert_eq!(
            message("cdn.example.com"),
            "\"cdn.example.com\" is not an origin: write it with its scheme, e.g. \"https://cdn.example.com\""
        );
        assert_eq!(
            message("https://x.example/a"),
            "\"https://x.example/a\": a CSP domain is an origin only, without path, query, fragment or user \
             info; write \"https://x.example\""
        );
        assert_eq!(
            message("ftp://x.example"),
            "\"ftp://x.example\": the scheme \"ftp\" is not allowed; use https, http, wss or ws"
        );
        assert_eq!(message("https://x:99999"), "\"https://x:99999\": the port must be a number from 1 to 65535");
        assert!(message("https://a_b.example").contains("\"a_b.example\" is not a host name"));
        assert!(message("https://a.*.example").contains("\"https://*.example.com\""));
        let err = normalize_widget_domain("https://*.example.com").unwrap_err();
        assert_eq!(err.input(), "https://*.example.com");
        assert!(err.to_string().contains("a widget domain is one origin"), "{err}");
    }
}
