use fastapps_core::prelude::*;

/// X.
#[tool]
enum Thing { A, B }

fn main() {}
