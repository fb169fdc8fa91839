use fastapps_core::prelude::*;

/// X.
#[tool(open_world = "no")]
struct Thing {}

fn main() {}
