use fastapps_core::prelude::*;

/// X.
#[tool(output = "Orders")]
struct Thing {}

fn main() {}
