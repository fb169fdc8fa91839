//! [`AccessToken`]: the authenticated caller of a request.

use std::time::SystemTime;

use serde_json::{Map, Value};

/// A verified access token: who is calling and what they may do.
#[derive(Clone, Debug, PartialEq)]
pub struct AccessToken {
    /// The subject (`sub`): the user's stable id at the issuer.
    pub subject: String,
    /// The OAuth client the token was issued to, when the token says.
    pub client_id: Option<String>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// When the token expires.
    pub expires_at: Option<SystemTime>,
    /// Every claim, as issued.
    pub claims: Map<String, Value>,
}

impl AccessToken {
    /// A token for `subject` with `scopes` and nothing else.
    pub fn new(subject: impl Into<String>, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            subject: subject.into(),
            client_id: None,
            scopes: scopes.into_iter().map(Into::into).collect(),
            expires_at: None,
            claims: Map::new(),
        }
    }

    /// The subject.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Whether the token grants `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// The scopes of `required` the token lacks.
    pub fn missing_scopes<'a>(&self, required: &'a [String]) -> Vec<&'a str> {
        required.iter().filter(|s| !self.has_scope(s)).map(String::as_str).collect()
    }

    /// One claim.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.claims.get(name)
    }
}
