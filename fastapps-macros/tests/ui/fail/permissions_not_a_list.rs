use fastapps_core::prelude::*;

/// X.
#[widget(permissions = "camera")]
struct Thing {}

fn main() {}
