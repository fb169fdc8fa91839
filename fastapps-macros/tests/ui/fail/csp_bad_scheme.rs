use fastapps_core::prelude::*;

/// X.
#[widget(csp(frame = ["ftp://files.example.com"]))]
struct Thing {}

fn main() {}
