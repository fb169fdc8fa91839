use fastapps_core::prelude::*;

/// X.
#[widget(assets = "/srv/assets")]
struct Thing {}

fn main() {}
