use fastapps_core::prelude::*;

/// X.
#[tool(colour = "red")]
struct Thing {}

fn main() {}
