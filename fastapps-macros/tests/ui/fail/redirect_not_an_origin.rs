use fastapps_core::prelude::*;

/// X.
#[widget(csp(redirect = ["checkout"]))]
struct Thing {}

fn main() {}
