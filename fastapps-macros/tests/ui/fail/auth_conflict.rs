use fastapps_core::prelude::*;

/// X.
#[tool]
#[auth_required(scopes = ["a"])]
#[no_auth]
struct Thing {}

fn main() {}
