//! The generated project's own tests (`tests/server.rs`), rendered by build.rs from the CLI's
//! template: they start this package's binary and call it the way a host does.

include!(concat!(env!("OUT_DIR"), "/tests/server.rs"));
