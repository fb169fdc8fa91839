//! Notes: an MCP server whose every tool needs a signed-in user. [`app`] is the server with
//! its tools and their store; `main.rs` adds the sign-in the command line and the environment
//! ask for and serves it, and the tests drive it in process.
//!
//! - `add_numbers`, `subtract_numbers`, `multiply_numbers`, `divide_numbers` need the scope
//!   `use:calculator`;
//! - `create_note`, `update_note`, `delete_note` need `write:notes`, and `read_note`,
//!   `list_notes` need `read:notes`.
//!
//! Each user (the token's subject) has their own notes, kept in SQLite; nobody sees, changes
//! or deletes another's.

mod calculator;
mod notes;
mod store;

use fastapps_core::auth::Auth;
use fastapps_core::{ServerBuilder, WidgetMcpServer};

pub use store::{NotesStore, StoreError};

/// The server with its tools and instructions; give it its notes with
/// `.state(`[`NotesStore`]`)`.
pub fn app() -> ServerBuilder {
    WidgetMcpServer::builder("notes").version(env!("CARGO_PKG_VERSION")).title("Notes").instructions(
        "Private notes of the signed-in user (create, read, list, update, delete) and a calculator. \
             Note ids come from create_note and list_notes.",
    )
}

/// What the server adds to any sign-in's resource-side settings: its name in the metadata.
pub fn resource_side(auth: Auth) -> Auth {
    auth.resource_name("Notes")
}
