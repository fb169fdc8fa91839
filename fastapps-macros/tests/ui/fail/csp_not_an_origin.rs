use fastapps_core::prelude::*;

/// X.
#[widget(csp(resource = ["cdn.example.com"]))]
struct Thing {}

fn main() {}
