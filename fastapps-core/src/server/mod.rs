//! [`WidgetMcpServer`]: the builder, the axum router and the Streamable HTTP transport.
//!
//! The files, from the top down; each uses only those below it:
//!
//! - `builder.rs`, `serve.rs`, `app.rs`: building, serving and routing the server;
//! - `transport.rs`: the front: POST, GET and DELETE, and the HTTP checks before a body is read;
//! - `exchange.rs`: one POST, in order: authenticate, read, decode, the era's rules, dispatch,
//!   finish, reply;
//! - `legacy.rs` (the `initialize`-based eras: handshake, version header, sessions) and `era.rs`
//!   (2026-07-28: admission in front of dispatch, the result's form behind it); `listen.rs`
//!   (`subscriptions/listen` streams);
//! - `dispatch.rs`: a method and its params in, a result or error out;
//! - below: `authenticate.rs`, `session.rs`, `param_headers.rs`, `request_state.rs`,
//!   `reply.rs`, `headers.rs`, `origin.rs`, `state.rs`, `extension.rs`, `assets.rs`,
//!   `preview.rs`.

mod app;
mod assets;
mod authenticate;
mod builder;
mod dispatch;
mod era;
mod exchange;
mod extension;
mod headers;
mod legacy;
mod listen;
mod origin;
mod param_headers;
mod preview;
mod reply;
mod request_state;
mod serve;
mod session;
mod state;
mod transport;

pub use app::WidgetMcpServer;
pub use builder::ServerBuilder;
pub use extension::{BuiltExtension, ExtensionContext, ServerExtension};
pub use serve::{BindAddr, ServeError};
