//! An OAuth 2.1 authorization server for a fastapps MCP server itself, for identity providers
//! that cannot register MCP clients on the fly, and for signing in on a laptop with no account
//! anywhere. It plugs into the server as an extension
//! ([`ServerBuilder::extension`](fastapps_core::ServerBuilder::extension)).
//!
//! Toward MCP clients it is a complete authorization server: RFC 8414 metadata, dynamic client
//! registration (RFC 7591) and client ID metadata documents, `/authorize` with PKCE (S256 only)
//! and RFC 8707 `resource`, a consent page bound to the browser that started the flow, `/token`
//! with single-use codes and refresh tokens rotated on every use (a replay revokes the whole
//! family), revocation (RFC 7009) and a JWKS. Its access tokens are ES256 JWTs for the MCP
//! endpoint, verified by the server like any issuer's (same rules, keys read from the store).
//!
//! Users come from one of two sources:
//! - [`AuthorizationServer::proxy`]: an upstream OpenID Connect provider (or GitHub) where the
//!   app has a pre-registered confidential client. The user signs in there; the upstream tokens
//!   stay on the server, sealed in the store, and clients only ever see this server's tokens.
//! - [`AuthorizationServer::development`]: test accounts from a file and a login form, with a
//!   banner saying so; it serves only on loopback unless forced.
//!
//! Everything it keeps between requests is in a [`Store`](fastapps_core::store::Store): in
//! memory (one process), SQLite (one process, across restarts; feature `sqlite`) or Redis
//! (several processes behind a load balancer; feature `redis`), always sealed with AES-256-GCM.
//!
//! ```no_run
//! use fastapps_core::WidgetMcpServer;
//! use fastapps_oauth::{AuthorizationServer, DevUser, DevUsers};
//!
//! let users = DevUsers::new([DevUser::new("alice", "alice")]);
//! let server = WidgetMcpServer::builder("notes")
//!     .public_url("http://127.0.0.1:8000")
//!     .extension(AuthorizationServer::development(users));
//! ```

#![deny(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod authorize;
mod cimd;
mod clients;
mod clock;
mod config;
mod crypto;
mod dev;
mod env;
mod extension;
mod keys;
mod pages;
mod ratelimit;
mod records;
mod redirect;
mod runtime;
mod token;
mod upstream;

pub use clients::{ClientRecord, ClientSource, RegistrationError};
pub use config::AuthorizationServer;
pub use dev::{DevUser, DevUsers, DevUsersError};
pub use ratelimit::{Endpoint, Quota, RateLimits};
pub use redirect::ApplicationType;
pub use upstream::{Upstream, UpstreamUser};
