use fastapps_core::prelude::*;

/// X.
#[tool(id = 5)]
struct Thing {}

fn main() {}
