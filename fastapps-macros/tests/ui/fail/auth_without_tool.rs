use fastapps_core::prelude::*;

/// X.
#[auth_required(scopes = ["a"])]
struct Thing {}

fn main() {}
