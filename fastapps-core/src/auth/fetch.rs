//! Fetching the identity provider's documents (discovery metadata, JWKS) with the limits a
//! resource server needs: HTTPS (plain HTTP only to loopback), short timeouts, no redirects, a
//! cap on the body size.

use std::time::Duration;

use serde::de::DeserializeOwned;

/// The largest metadata or JWKS document read.
const MAX_BODY: usize = 256 * 1024;

/// An HTTP client for the identity provider.
#[derive(Clone, Debug)]
pub(crate) struct Fetcher {
    client: reqwest::Client,
}

/// A fetched JSON document and how long it may be cached (`Cache-Control: max-age`).
pub(crate) struct Fetched<T> {
    pub(crate) value: T,
    pub(crate) max_age: Option<Duration>,
}

/// Whether `url` may be fetched: `https://`, or `http://` to a loopback host.
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    let Ok(parsed) = reqwest::Url::parse(url) else { return Err(format!("{url:?} is not an absolute URL")) };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if parsed.host_str().is_some_and(is_loopback) => Ok(()),
        _ => Err(format!("{url:?} must use https (plain http is allowed only to 127.0.0.1, [::1] or localhost)")),
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn max_age(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::CACHE_CONTROL)?.to_str().ok()?;
    value.split(',').find_map(|d| d.trim().strip_prefix("max-age=")?.trim().parse().ok()).map(Duration::from_secs)
}

impl Fetcher {
    pub(crate) fn new() -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            // Building fails only when the TLS backend cannot initialise, which no request
            // could recover from; the default client surfaces the same error on first use.
            .unwrap_or_default();
        Self { client }
    }

    /// GETs a JSON document.
    pub(crate) async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<Fetched<T>, String> {
        check_url(url)?;
        let mut response = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("GET {url}: HTTP {}", response.status()));
        }
        let max_age = max_age(response.headers());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| format!("GET {url}: {e}"))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(format!("GET {url}: the document is larger than {MAX_BODY} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        let value = serde_json::from_slice(&body).map_err(|e| format!("GET {url}: not the expected JSON: {e}"))?;
        Ok(Fetched { value, max_age })
    }

    /// POSTs a form with HTTP Basic client credentials and reads a JSON answer (RFC 7662).
    pub(crate) async fn post_form<T: DeserializeOwned>(
        &self,
        url: &str,
        basic: (&str, &str),
        form: &[(&str, &str)],
    ) -> Result<T, String> {
        check_url(url)?;
        let response = self
            .client
            .post(url)
            .basic_auth(basic.0, Some(basic.1))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .map_err(|e| format!("POST {url}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("POST {url}: HTTP {}", response.status()));
        }
        let body = response.bytes().await.map_err(|e| format!("POST {url}: {e}"))?;
        if body.len() > MAX_BODY {
            return Err(format!("POST {url}: the answer is larger than {MAX_BODY} bytes"));
        }
        serde_json::from_slice(&body).map_err(|e| format!("POST {url}: not the expected JSON: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        assert!(check_url("https://tenant.auth0.com/.well-known/jwks.json").is_ok());
        assert!(check_url("http://127.0.0.1:4444/jwks").is_ok());
        assert!(check_url("http://localhost/jwks").is_ok());
        assert!(check_url("http://[::1]:80/jwks").is_ok());
        assert!(check_url("http://idp.example.com/jwks").is_err());
        assert!(check_url("ftp://idp.example.com/jwks").is_err());
        assert!(check_url("/relative").is_err());
    }

    #[test]
    fn reads_max_age() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::CACHE_CONTROL, "public, max-age=600, must-revalidate".parse().unwrap());
        assert_eq!(max_age(&h), Some(Duration::from_secs(600)));
        h.insert(reqwest::header::CACHE_CONTROL, "no-store".parse().unwrap());
        assert_eq!(max_age(&h), None);
    }
}
