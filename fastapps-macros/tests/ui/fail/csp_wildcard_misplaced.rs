use fastapps_core::prelude::*;

/// X.
#[widget(csp(connect = ["https://api.*.example.com"]))]
struct Thing {}

fn main() {}
