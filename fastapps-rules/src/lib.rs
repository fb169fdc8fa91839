//! The rules of fastapps-rs that more than one of its crates applies, each written once.
//!
//! The macros of `fastapps-macros` check them at compile time, `fastapps-core` at start-up and
//! the `fastapps` command when it edits `fastapps.toml`; none of those may depend on the others
//! (the macros and the CLI build without the runtime), so the rules live here, in a crate that
//! needs nothing but `url`.
//!
//! - [`tool_name`]: what a tool name may be (MCP: 1 to 128 characters of `[A-Za-z0-9_.-]`).
//! - [`csp`]: the CSP lists a widget declares, what each means and how each widget dialect
//!   names it.
//! - [`origin`]: what an entry of those lists may be, and what a widget's dedicated domain may
//!   be.
//!
//! ```
//! use fastapps_rules::{CspKey, normalize_csp_domain, tool_name};
//!
//! assert!(tool_name::check("pizza-carousel.v2").is_ok());
//! assert_eq!(CspKey::from_name("base_uri"), Some(CspKey::BaseUri));
//! assert_eq!(normalize_csp_domain("HTTPS://*.CDN.example.com/").unwrap(), "https://*.cdn.example.com");
//! ```

#![deny(missing_docs)]

pub mod csp;
mod list;
pub mod origin;
pub mod tool_name;

pub use csp::CspKey;
pub use origin::{OriginError, normalize_csp_domain, normalize_widget_domain};
