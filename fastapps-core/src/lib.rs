//! Build apps for ChatGPT and other MCP hosts in Rust.
//!
//! `fastapps-core` is the runtime: the MCP protocol ([`protocol`]), what a server offers
//! ([`registry`]), the per-request [`Context`], and [`WidgetMcpServer`], which serves it all over
//! MCP's Streamable HTTP transport on axum: the 2026-07-28 revision (per-request `_meta`,
//! `server/discover`, input-required results) and the `initialize`-based 2025-11-25,
//! 2025-06-18 and 2025-03-26 on the same endpoint, chosen per request.
//!
//! ```no_run
//! use fastapps_core::prelude::*;
//! use serde_json::json;
//!
//! #[tokio::main]
//! async fn main() -> fastapps_core::Result<()> {
//!     WidgetMcpServer::builder("greeter")
//!         .version(env!("CARGO_PKG_VERSION"))
//!         .tool(
//!             ToolDef::new("greet", |args, _ctx| async move {
//!                 let name = args.get("name").and_then(|v| v.as_str()).unwrap_or("world");
//!                 Ok(CallToolResult::text(format!("Hello, {name}!")))
//!             })
//!             .description("Greet someone by name")
//!             .input_schema(json!({
//!                 "type": "object",
//!                 "properties": { "name": { "type": "string" } }
//!             })),
//!         )
//!         .serve_from_env() // HOST, PORT (default 127.0.0.1:8000), PUBLIC_URL, …
//!         .await?;
//!     Ok(())
//! }
//! ```
//!
//! Dependencies point one way: `protocol` ← `context` ← `registry` ← `tool`, `widget`, `auth`
//! ← `server`. The app's own authorization server is the crate `fastapps-oauth`, which plugs
//! into the server through [`server::ServerExtension`].

#![deny(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used))]

pub mod auth;
pub mod context;
pub mod env;
mod error;
pub mod net;
pub mod protocol;
pub mod registry;
pub mod server;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tool;
pub mod widget;

pub use context::{AccessToken, Context, ContextError};
pub use error::{BoxError, BuildError, EnvError, Error, Result};
pub use fastapps_macros::{auth_required, no_auth, optional_auth, tool, widget};
/// The store that servers share state in (sessions, the authorization server's records): the
/// `fastapps-store` crate, with its `sqlite` and `redis` backends behind this crate's features
/// of the same names.
pub use fastapps_store as store;
/// A boxed, sendable future, as the traits of this crate return where they are used as trait
/// objects (`futures_util`'s, so every crate naming it names the same type).
pub use futures_util::future::BoxFuture;
pub use registry::{PromptDef, Registry, ResourceDef, ResourceTemplateDef, ToolDef};
pub use server::{ServeError, ServerBuilder, WidgetMcpServer};

/// Re-exported so applications and examples need no direct dependency on them. A type used
/// as a tool's `output` derives `JsonSchema` from here:
/// `#[derive(serde::Serialize, fastapps_core::schemars::JsonSchema)]`.
pub use axum;
pub use schemars;
pub use serde_json;

#[doc(hidden)]
/// What the macros' generated code names; not a public API.
pub mod __private {
    pub use inventory;
    pub use schemars;
    pub use serde;
}

/// The names an application needs: `use fastapps_core::prelude::*;`.
pub mod prelude {
    pub use crate::protocol::{CallToolResult, Content, LoggingLevel, ToolAnnotations};
    pub use crate::registry::Security;
    pub use crate::tool::{Tool, ToolOutput, WidgetOutput};
    pub use crate::widget::Widget;
    pub use crate::{
        AccessToken, Context, Error, PromptDef, ResourceDef, ResourceTemplateDef, Result, ServerBuilder, ToolDef,
        WidgetMcpServer, auth_required, no_auth, optional_auth, tool, widget,
    };
}

/// The README's example compiles.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
