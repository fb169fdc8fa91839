use fastapps_core::prelude::*;

/// X.
#[tool(title = "A", title = "B")]
struct Thing {}

fn main() {}
