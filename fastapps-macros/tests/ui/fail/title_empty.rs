use fastapps_core::prelude::*;

/// X.
#[tool(title = "  ")]
struct Thing {}

fn main() {}
