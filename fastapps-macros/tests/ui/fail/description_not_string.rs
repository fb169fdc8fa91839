use fastapps_core::prelude::*;

/// X.
#[tool(description = true)]
struct Thing {}

fn main() {}
