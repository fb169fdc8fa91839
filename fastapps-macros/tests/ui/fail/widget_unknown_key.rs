use fastapps_core::prelude::*;

/// X.
#[widget(colour = "red")]
struct Thing {}

fn main() {}
