use fastapps_core::prelude::*;

/// X.
#[tool]
#[auth_required(roles = ["admin"])]
struct Thing {}

fn main() {}
