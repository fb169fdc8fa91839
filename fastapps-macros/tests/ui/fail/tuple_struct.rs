use fastapps_core::prelude::*;

/// X.
#[tool]
struct Thing(String);

fn main() {}
