use fastapps_core::prelude::*;

/// X.
#[widget(domain = "pizzaz")]
struct Thing {}

fn main() {}
