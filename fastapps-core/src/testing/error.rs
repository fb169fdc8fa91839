//! [`TestError`]: why a [`TestClient`](super::TestClient) call got no result.

use http::StatusCode;

use crate::protocol::ErrorObject;

/// Why a call of a [`TestClient`](super::TestClient) got no result: the server refused it over
/// HTTP, answered with a JSON-RPC error, or answered with something that is not MCP.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestError {
    /// An HTTP refusal: 401 or 403 with a challenge, 400, 404, 413, …
    #[error("HTTP {status}: {body}")]
    Http {
        /// The status.
        status: StatusCode,
        /// The `WWW-Authenticate` challenge, when there is one.
        www_authenticate: Option<String>,
        /// The body, as text.
        body: String,
    },
    /// A JSON-RPC error.
    #[error("JSON-RPC error {}: {}", .0.code, .0.message)]
    Rpc(ErrorObject),
    /// The answer is not what MCP sends.
    #[error("unexpected answer: {0}")]
    Unexpected(String),
}

impl TestError {
    /// The HTTP status of a refusal.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The JSON-RPC error, when the server answered with one.
    pub fn rpc(&self) -> Option<&ErrorObject> {
        match self {
            Self::Rpc(error) => Some(error),
            _ => None,
        }
    }

    /// Whether the server asked for sign-in (401) or for more scopes (403): what an anonymous
    /// call of an `#[auth_required]` tool, or a call without its scopes, gets from a client
    /// that is not ChatGPT.
    pub fn is_auth_refusal(&self) -> bool {
        matches!(self.status(), Some(StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN))
    }
}
