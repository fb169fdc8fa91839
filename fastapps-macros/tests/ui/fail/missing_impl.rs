use fastapps_core::prelude::*;

/// X.
#[tool]
struct Thing {}

fn main() {}
