use fastapps_core::prelude::*;

/// X.
#[tool(idempotent = 1)]
struct Thing {}

fn main() {}
