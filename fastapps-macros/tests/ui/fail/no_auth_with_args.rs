use fastapps_core::prelude::*;

/// X.
#[tool]
#[no_auth(scopes = ["a"])]
struct Thing {}

fn main() {}
