use fastapps_core::prelude::*;

/// X.
#[tool(read_only = "yes")]
struct Thing {}

fn main() {}
