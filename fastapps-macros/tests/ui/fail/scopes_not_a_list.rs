use fastapps_core::prelude::*;

/// X.
#[tool]
#[auth_required(scopes = "read")]
struct Thing {}

fn main() {}
