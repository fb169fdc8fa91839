use fastapps_core::prelude::*;

/// X.
#[tool(assets = "web/dist")]
struct Thing {}

fn main() {}
