//! Per-tool security requirements and how they appear on the wire (`securitySchemes`).

use serde_json::{Value, json};

use crate::context::AccessToken;

/// What a tool requires of its caller.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Security {
    /// No declaration: the server's default (anonymous without auth; the server's required
    /// scopes with auth).
    #[default]
    Inherit,
    /// Anyone may call it (`#[no_auth]`): `[{"type":"noauth"}]`.
    Public,
    /// A signed-in caller with these scopes (`#[auth_required]`):
    /// `[{"type":"oauth2","scopes":[…]}]`.
    Required(Vec<String>),
    /// Anyone, with more for signed-in callers (`#[optional_auth]`):
    /// `[{"type":"noauth"},{"type":"oauth2","scopes":[…]}]`.
    Optional(Vec<String>),
}

impl Security {
    /// `Required` with these scopes.
    pub fn required<I: IntoIterator<Item = S>, S: Into<String>>(scopes: I) -> Self {
        Self::Required(scopes.into_iter().map(Into::into).collect())
    }

    /// `Optional` with these scopes.
    pub fn optional<I: IntoIterator<Item = S>, S: Into<String>>(scopes: I) -> Self {
        Self::Optional(scopes.into_iter().map(Into::into).collect())
    }

    /// Replaces `Inherit` with the server's default: `Required(scopes)` when the server has
    /// auth, `Inherit` (anonymous, no schemes emitted) when it has none.
    pub(crate) fn resolve(&self, server_default: Option<&[String]>) -> Self {
        match (self, server_default) {
            (Self::Inherit, Some(scopes)) => Self::Required(scopes.to_vec()),
            (other, _) => other.clone(),
        }
    }

    /// The scopes this requirement names.
    pub fn scopes(&self) -> &[String] {
        match self {
            Self::Required(scopes) | Self::Optional(scopes) => scopes,
            Self::Inherit | Self::Public => &[],
        }
    }

    /// Whether a caller must be signed in.
    pub fn requires_user(&self) -> bool {
        matches!(self, Self::Required(_))
    }

    /// The `securitySchemes` array; `None` for an unresolved `Inherit` on a server without auth.
    pub fn schemes(&self) -> Option<Value> {
        let oauth2 = |scopes: &[String]| json!({ "type": "oauth2", "scopes": scopes });
        match self {
            Self::Inherit => None,
            Self::Public => Some(json!([{ "type": "noauth" }])),
            Self::Required(scopes) => Some(json!([oauth2(scopes)])),
            Self::Optional(scopes) => Some(json!([{ "type": "noauth" }, oauth2(scopes)])),
        }
    }

    /// Whether `user` may call a tool with this (resolved) requirement, and if not, why.
    pub(crate) fn authorize(&self, user: Option<&AccessToken>) -> Result<(), Refusal> {
        let Self::Required(scopes) = self else { return Ok(()) };
        let Some(user) = user else { return Err(Refusal::Unauthenticated { scopes: scopes.clone() }) };
        let missing: Vec<String> = user.missing_scopes(scopes).into_iter().map(str::to_owned).collect();
        if missing.is_empty() { Ok(()) } else { Err(Refusal::InsufficientScope { scopes: scopes.clone(), missing }) }
    }
}

/// Why a call was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No user, and the tool needs one.
    Unauthenticated { scopes: Vec<String> },
    /// The user lacks scopes.
    InsufficientScope { scopes: Vec<String>, missing: Vec<String> },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_per_requirement() {
        assert_eq!(Security::Inherit.schemes(), None);
        assert_eq!(Security::Public.schemes(), Some(json!([{ "type": "noauth" }])));
        assert_eq!(Security::required(["a", "b"]).schemes(), Some(json!([{ "type": "oauth2", "scopes": ["a", "b"] }])));
        assert_eq!(
            Security::optional(Vec::<String>::new()).schemes(),
            Some(json!([{ "type": "noauth" }, { "type": "oauth2", "scopes": [] }]))
        );
    }

    #[test]
    fn inherit_resolves_to_the_server_default() {
        let default = vec!["read".to_owned()];
        assert_eq!(Security::Inherit.resolve(Some(&default)), Security::required(["read"]));
        assert_eq!(Security::Inherit.resolve(None), Security::Inherit);
        assert_eq!(Security::Public.resolve(Some(&default)), Security::Public);
    }

    #[test]
    fn authorization_needs_the_user_and_every_scope() {
        let req = Security::required(["read", "write"]);
        assert!(matches!(req.authorize(None), Err(Refusal::Unauthenticated { .. })));
        let reader = AccessToken::new("u1", ["read"]);
        assert_eq!(
            req.authorize(Some(&reader)),
            Err(Refusal::InsufficientScope {
                scopes: vec!["read".into(), "write".into()],
                missing: vec!["write".into()]
            })
        );
        assert!(req.authorize(Some(&AccessToken::new("u1", ["read", "write", "x"]))).is_ok());
        assert!(Security::optional(["read"]).authorize(None).is_ok());
        assert!(Security::Public.authorize(None).is_ok());
    }
}
