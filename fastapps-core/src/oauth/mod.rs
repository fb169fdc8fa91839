//! The OAuth 2.1 authorization server: an OAuth proxy in front of an upstream OpenID Connect
//! provider, and an embedded development server, for MCP clients that register dynamically
//! (RFC 7591) or identify themselves with a Client ID Metadata Document.

// The endpoints that call these building blocks are added beside them; until then parts of
// them are used by their tests only.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod cimd;
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod clients;
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod ratelimit;
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod redirect;

pub use clients::{ClientRecord, ClientSource, RegistrationError};
pub use ratelimit::{Endpoint, Quota, RateLimits};
pub use redirect::ApplicationType;
