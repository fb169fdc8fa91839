//! The MCP wire protocol: the JSON-RPC 2.0 envelope, protocol versions and the message types
//! of every method the server answers or sends. No I/O lives here.
//!
//! Types follow the 2025-11-25 schema; [`modern`] holds what the 2026-07-28 revision adds.
//! Incoming types are lenient (unknown fields are ignored, optional fields may be absent);
//! outgoing types omit what is unset rather than writing `null`.

mod annotations;
mod client;
mod content;
pub mod jsonrpc;
mod lifecycle;
mod meta;
pub mod methods;
pub mod modern;
mod prompts;
mod resources;
mod tools;
mod utilities;
mod version;

pub use annotations::*;
pub use client::*;
pub use content::*;
pub use jsonrpc::{ErrorObject, RequestId};
pub use lifecycle::*;
pub use meta::Meta;
pub use prompts::*;
pub use resources::*;
pub use tools::*;
pub use utilities::*;
pub use version::{Era, ProtocolVersion};
