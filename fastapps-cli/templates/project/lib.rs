//! {{name}}: an MCP app whose tools render widgets in ChatGPT and MCP Apps hosts. [`app`] is
//! the server with every `#[widget]` and `#[tool]` of this crate; `main.rs` adds its sign-in
//! and serves it, and the tests in `tests/` drive it in process.

mod tools;
mod widgets;

use fastapps_core::{ServerBuilder, WidgetMcpServer};

/// The server, before its sign-in and its settings of the environment.
pub fn app() -> ServerBuilder {
    WidgetMcpServer::builder("{{name}}")
        .version(env!("CARGO_PKG_VERSION"))
        // Hosted widget builds (`[build] mode = "hosted"`) load their scripts from /assets.
        .serve_assets("assets")
}
