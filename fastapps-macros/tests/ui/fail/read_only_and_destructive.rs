use fastapps_core::prelude::*;

/// X.
#[tool(read_only, destructive)]
struct Thing {}

fn main() {}
