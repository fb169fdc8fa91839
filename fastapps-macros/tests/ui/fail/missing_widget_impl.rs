use fastapps_core::prelude::*;

/// X.
#[widget]
struct Thing {}

fn main() {}
