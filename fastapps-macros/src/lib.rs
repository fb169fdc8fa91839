//! Procedural macros of `fastapps-core`. Use them through `fastapps_core`, which re-exports
//! them; this crate is an implementation detail.
