use fastapps_core::prelude::*;

/// X.
#[tool(visibility = "private")]
struct Thing {}

fn main() {}
