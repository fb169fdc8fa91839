use fastapps_core::prelude::*;

/// X.
#[tool]
#[optional_auth(scopes = [read])]
struct Thing {}

fn main() {}
