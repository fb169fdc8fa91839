//! The generated project's `src/main.rs`, rendered by build.rs from the CLI's template.

include!(concat!(env!("OUT_DIR"), "/src/main.rs"));
