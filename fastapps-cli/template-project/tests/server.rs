//! The generated project's own tests (`tests/server.rs`), rendered by build.rs from the CLI's
//! template: they drive the project's server in process, as a host sees it.

include!(concat!(env!("OUT_DIR"), "/tests/server.rs"));
