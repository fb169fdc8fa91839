//! [`Context`]: what a handler knows about the request it serves, and how it talks back to the
//! client while it runs (progress, logging, sampling, elicitation) or learns it was cancelled.

mod access_token;
mod ask;
mod client_meta;
mod input;
mod peer;
mod request;
mod state;

pub use access_token::AccessToken;
pub use client_meta::UserLocation;
pub(crate) use input::InputRound;
pub use peer::MCP_APPS_EXTENSION;
pub(crate) use peer::{ClientState, Peer, PendingRequests};
pub use request::{Context, ContextError};
pub(crate) use state::AppState;
