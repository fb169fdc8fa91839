use fastapps_core::prelude::*;

/// X.
#[tool(id = "")]
struct Thing {}

fn main() {}
