use fastapps_core::prelude::*;

#[tool]
struct Thing {}

fn main() {}
