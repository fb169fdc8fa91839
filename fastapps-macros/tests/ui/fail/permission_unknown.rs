use fastapps_core::prelude::*;

/// X.
#[widget(permissions = ["bluetooth"])]
struct Thing {}

fn main() {}
