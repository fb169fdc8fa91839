use fastapps_core::prelude::*;

/// X.
#[tool(template = "list")]
struct Thing {}

fn main() {}
