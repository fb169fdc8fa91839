//! Testing tools, widgets and sign-in without a socket (cargo feature `testing`).
//!
//! - [`TestClient`] drives a built server in process, through the same router and transport
//!   as HTTP does: list and call tools, read widget resources, as any client identity (either
//!   widget dialect), in either protocol era, anonymous or signed in
//!   ([`as_user`](TestClient::as_user)), with a credential the server verifies on its real
//!   path, so per-tool requirements are enforced as in production.
//! - [`TestIssuer`] is an identity provider on 127.0.0.1 (an RSA key, its discovery document
//!   and JWKS, minted tokens) for tests that want real JWTs.
//!
//! Add the feature for tests only:
//!
//! ```toml
//! [dev-dependencies]
//! fastapps-core = { version = "0.1", features = ["testing"] }
//! ```
//!
//! See `docs/testing.md` for tools, widgets and auth.

mod client;
mod credentials;
mod error;
mod issuer;
mod sse;

pub use client::{TestClient, TestResponse};
pub use error::TestError;
pub use issuer::{TestIssuer, TestIssuerError};
