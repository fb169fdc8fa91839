//! Authentication of an HTTP request: the bearer token, verified once, before dispatch.
//!
//! - No `Authorization` (or another scheme, or an empty token): anonymous, unless every request
//!   needs a token (then 401 with `resource_metadata` and `scope`, no `error`).
//! - Two `Authorization` headers or an oversized token: 400 `invalid_request`.
//! - A token that does not verify: 401 `invalid_token`, whatever is being called.
//! - A valid token without the server-wide scopes: 403 `insufficient_scope`.
//! - Keys unreachable and none cached: 503, so clients keep their good tokens.

use std::sync::Arc;

use http::header::AUTHORIZATION;
use http::{HeaderMap, StatusCode};

use super::reply::HttpError;
use crate::auth::{AuthRuntime, VerifyError};
use crate::context::AccessToken;

const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// The bearer token of a request: `Ok(None)` when there is none.
fn bearer(headers: &HeaderMap) -> Result<Option<&str>, &'static str> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err("several Authorization headers");
    }
    let value = value.to_str().map_err(|_| "the Authorization header is not visible ASCII")?;
    let Some((scheme, token)) = value.split_once(' ') else { return Ok(None) };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let token = token.trim_matches(' ');
    if token.is_empty() {
        return Ok(None);
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err("the token is too large");
    }
    Ok(Some(token))
}

/// 401 for a request that needs a token and has none: `resource_metadata` and the scopes to
/// ask for, no `error` (RFC 6750 §3.1).
pub(crate) fn missing_token(auth: &AuthRuntime) -> HttpError {
    HttpError::oauth(
        StatusCode::UNAUTHORIZED,
        auth.missing_token(&auth.challenge_scopes).to_string(),
        "invalid_token",
        "Authorization required",
    )
}

fn bad_request(auth: &AuthRuntime, reason: &str) -> HttpError {
    let challenge = crate::auth::Challenge::new()
        .error("invalid_request")
        .description(reason)
        .resource_metadata(&auth.metadata_url);
    HttpError::oauth(StatusCode::BAD_REQUEST, challenge.to_string(), "invalid_request", reason)
}

/// The authenticated caller, `None` for an anonymous one (or a server without auth).
pub(crate) async fn authenticate(
    auth: Option<&AuthRuntime>,
    headers: &HeaderMap,
) -> Result<Option<Arc<AccessToken>>, HttpError> {
    let Some(auth) = auth else { return Ok(None) };
    let token = bearer(headers).map_err(|reason| bad_request(auth, reason))?;
    let Some(token) = token else {
        if auth.require_token {
            return Err(missing_token(auth));
        }
        return Ok(None);
    };
    let user = match auth.verifier.verify(token).await {
        Ok(user) => user,
        Err(VerifyError::Invalid(reason)) => {
            // The reason is for operators; the client gets a generic description.
            tracing::info!(%reason, "refused a bearer token");
            return Err(HttpError::oauth(
                StatusCode::UNAUTHORIZED,
                auth.invalid_token().to_string(),
                "invalid_token",
                "The access token is invalid or expired",
            ));
        }
        Err(VerifyError::Unavailable) => {
            return Err(HttpError::unavailable(
                "Service Unavailable: the access token cannot be verified right now; retry shortly",
                5,
            ));
        }
    };
    let missing = user.missing_scopes(&auth.required_scopes);
    if !missing.is_empty() {
        let description = format!("The access token lacks the scopes {}", missing.join(" "));
        return Err(HttpError::oauth(
            StatusCode::FORBIDDEN,
            auth.insufficient_scope(&auth.required_scopes, &description).to_string(),
            "insufficient_scope",
            &description,
        ));
    }
    Ok(Some(user))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn reads_bearer_tokens_leniently() {
        assert_eq!(bearer(&headers(&[])), Ok(None));
        assert_eq!(bearer(&headers(&["Bearer abc"])), Ok(Some("abc")));
        assert_eq!(bearer(&headers(&["bearer abc"])), Ok(Some("abc")));
        assert_eq!(bearer(&headers(&["BEARER  abc"])), Ok(Some("abc")));
        assert_eq!(bearer(&headers(&["Basic dXNlcjpwdw=="])), Ok(None));
        assert_eq!(bearer(&headers(&["Bearer "])), Ok(None));
        assert_eq!(bearer(&headers(&["Bearer"])), Ok(None));
        assert!(bearer(&headers(&["Bearer a", "Bearer b"])).is_err());
        assert!(bearer(&headers(&[&format!("Bearer {}", "a".repeat(MAX_TOKEN_BYTES + 1))])).is_err());
    }
}
