use fastapps_core::prelude::*;

/// X.
#[tool(visibility = "secret")]
struct Thing {}

fn main() {}
