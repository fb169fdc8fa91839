use fastapps_core::prelude::*;

/// X.
#[tool(visibility = ["app"], widget_accessible = false)]
struct Thing {}

fn main() {}
