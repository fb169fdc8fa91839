use fastapps_core::prelude::*;

/// X.
#[tool(id = "has space")]
struct Thing {}

fn main() {}
