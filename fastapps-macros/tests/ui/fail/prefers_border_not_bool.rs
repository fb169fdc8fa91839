use fastapps_core::prelude::*;

/// X.
#[widget(prefers_border = "thin")]
struct Thing {}

fn main() {}
