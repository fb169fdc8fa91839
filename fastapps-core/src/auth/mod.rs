//! OAuth 2.1 resource server: who is calling, and may they.
//!
//! - [`TokenVerifier`] turns a bearer token into an [`AccessToken`]: [`JwtVerifier`] (JWKS,
//!   discovery, a strict profile), [`IntrospectionVerifier`] (RFC 7662, opaque tokens), or your
//!   own. Every verifier sits behind a verified-token cache.
//! - [`Auth`] is the server's configuration: issuer, resource URL, scopes, and how refusals are
//!   told (HTTP challenges, tool-result challenges for ChatGPT, or both).
//! - The server publishes RFC 9728 protected-resource metadata and answers with exact
//!   `WWW-Authenticate` challenges; see `docs/auth.md`.
//!
//! Authentication happens once per HTTP request, before dispatch; authorization is per tool,
//! inside dispatch.

mod cache;
mod challenge;
mod config;
mod fetch;
mod introspection;
mod jwks;
mod jwt;
mod key_source;
mod metadata;
mod verifier;

pub use challenge::Challenge;
pub(crate) use config::AuthRuntime;
pub use config::{Auth, RefusalMode};
pub use fetch::{FetchError, Fetched, Fetcher, check_url};
pub use introspection::{InsecureStaticTokenVerifier, IntrospectionVerifier};
pub use jsonwebtoken::Algorithm;
pub use jsonwebtoken::jwk::JwkSet;
pub use jwt::{JwtVerifier, scopes_from_claims};
pub use key_source::KeySource;
pub(crate) use metadata::metadata_router;
pub use verifier::{TokenVerifier, VerifyError};

pub use crate::context::AccessToken;
pub use crate::error::BoxError;
pub use futures_util::future::BoxFuture;
