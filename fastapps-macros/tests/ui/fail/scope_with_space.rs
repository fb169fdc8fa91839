use fastapps_core::prelude::*;

/// X.
#[tool]
#[auth_required(scopes = ["read write"])]
struct Thing {}

fn main() {}
