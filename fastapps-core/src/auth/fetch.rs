//! Fetching the identity provider's documents (discovery metadata, JWKS, introspection) with
//! the limits a resource server needs: HTTPS (plain HTTP only to loopback), short timeouts, no
//! redirects, a cap on the body size.

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::net::is_loopback_host;

/// The largest metadata or JWKS document read.
const MAX_BODY: usize = 256 * 1024;

/// Why a document of the identity provider could not be had.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL is not an absolute URL.
    #[error("{0:?} is not an absolute URL")]
    NotAbsolute(String),
    /// The URL is plain `http://` to a host other than loopback.
    #[error("{0:?} must use https (plain http is allowed only to 127.0.0.1, [::1] or localhost)")]
    Insecure(String),
    /// The request failed, or its answer is not the document expected.
    #[error("{method} {url}: {reason}")]
    Failed {
        /// `GET` or `POST`.
        method: &'static str,
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// A document was fetched but cannot be used (another issuer, no keys, …).
    #[error("{url}: {reason}")]
    Unusable {
        /// Where it came from.
        url: String,
        /// Why it cannot be used.
        reason: String,
    },
}

impl FetchError {
    pub(crate) fn unusable(url: &str, reason: impl std::fmt::Display) -> Self {
        Self::Unusable { url: url.to_owned(), reason: reason.to_string() }
    }

    fn get(url: &str, reason: impl std::fmt::Display) -> Self {
        Self::Failed { method: "GET", url: url.to_owned(), reason: reason.to_string() }
    }

    fn post(url: &str, reason: impl std::fmt::Display) -> Self {
        Self::Failed { method: "POST", url: url.to_owned(), reason: reason.to_string() }
    }
}

/// So that handlers can `?` it.
impl From<FetchError> for crate::error::Error {
    fn from(error: FetchError) -> Self {
        Self::new(error)
    }
}

/// An HTTP client for identity providers: `https://` only (plain `http://` to loopback), a
/// 5 s connect and 10 s overall timeout, no redirects, answers of at most 256 KiB.
#[derive(Clone, Debug)]
pub struct Fetcher {
    client: reqwest::Client,
}

/// A fetched JSON document and how long it may be cached (`Cache-Control: max-age`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Fetched<T> {
    /// The document.
    pub value: T,
    /// Its `Cache-Control: max-age`.
    pub max_age: Option<Duration>,
}

/// Whether `url` may be fetched from an identity provider: `https://`, or `http://` to a
/// loopback host.
pub fn check_url(url: &str) -> Result<(), FetchError> {
    let Ok(parsed) = reqwest::Url::parse(url) else { return Err(FetchError::NotAbsolute(url.to_owned())) };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if parsed.host_str().is_some_and(is_loopback_host) => Ok(()),
        _ => Err(FetchError::Insecure(url.to_owned())),
    }
}

fn max_age(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::CACHE_CONTROL)?.to_str().ok()?;
    value.split(',').find_map(|d| d.trim().strip_prefix("max-age=")?.trim().parse().ok()).map(Duration::from_secs)
}

impl Default for Fetcher {
    fn default() -> Self {
        Self::new()
    }
}

impl Fetcher {
    /// A client with the limits above.
    pub fn new() -> Self {
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
    pub async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<Fetched<T>, FetchError> {
        check_url(url)?;
        let fail = |reason: &dyn std::fmt::Display| FetchError::get(url, reason);
        let mut response = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| fail(&e))?;
        if !response.status().is_success() {
            return Err(fail(&format_args!("HTTP {}", response.status())));
        }
        let max_age = max_age(response.headers());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| fail(&e))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(fail(&format_args!("the document is larger than {MAX_BODY} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        let value = serde_json::from_slice(&body).map_err(|e| fail(&format_args!("not the expected JSON: {e}")))?;
        Ok(Fetched { value, max_age })
    }

    /// POSTs a form with HTTP Basic client credentials and reads a JSON answer (RFC 7662).
    pub async fn post_form<T: DeserializeOwned>(
        &self,
        url: &str,
        basic: (&str, &str),
        form: &[(&str, &str)],
    ) -> Result<T, FetchError> {
        check_url(url)?;
        let fail = |reason: &dyn std::fmt::Display| FetchError::post(url, reason);
        let response = self
            .client
            .post(url)
            .basic_auth(basic.0, Some(basic.1))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .map_err(|e| fail(&e))?;
        if !response.status().is_success() {
            return Err(fail(&format_args!("HTTP {}", response.status())));
        }
        let body = response.bytes().await.map_err(|e| fail(&e))?;
        if body.len() > MAX_BODY {
            return Err(fail(&format_args!("the answer is larger than {MAX_BODY} bytes")));
        }
        serde_json::from_slice(&body).map_err(|e| fail(&format_args!("not the expected JSON: {e}")))
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
