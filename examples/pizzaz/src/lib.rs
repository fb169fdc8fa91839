//! Pizzaz: pizza widgets for ChatGPT and MCP Apps hosts, in the style of the OpenAI Apps SDK
//! examples. Three widgets (a list, a carousel, a map) and a tool the widgets call, all
//! declared with `#[widget]`/`#[tool]`; no sign-in needed. [`app`] is the server, which
//! `main.rs` serves and the tests drive in process.

mod places;
mod widgets;

use fastapps_core::{ServerBuilder, WidgetMcpServer};

/// The pizzaz server, before it is served.
pub fn app() -> ServerBuilder {
    WidgetMcpServer::builder("pizzaz")
        .version(env!("CARGO_PKG_VERSION"))
        .title("Pizzaz")
        .instructions("Pizza places in San Francisco. Show them with the widgets; pass a topping to favour it.")
}
