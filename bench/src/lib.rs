//! Load benchmark for the MCP fixture server.
//!
//! The `bench` binary starts the fixture server (`conformance-server`) and a
//! bare axum baseline (`bench-baseline`) as child processes, drives MCP
//! `tools/call` requests at both over keep-alive HTTP/1.1 connections, and
//! reports throughput and latency percentiles side by side. It does the same
//! for `bench-auth-server` with and without OAuth, to show what verifying a
//! bearer token costs. This library holds the pieces the binaries share; it is
//! not meant to be used elsewhere.

pub mod client;
pub mod load;
pub mod machine;
pub mod mcp;
pub mod process;
pub mod report;
pub mod stats;
