use fastapps_core::prelude::*;

/// X.
#[widget(template = "../escape")]
struct Thing {}

fn main() {}
