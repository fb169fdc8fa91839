use fastapps_core::prelude::*;

/// X.
#[tool]
struct Thing<T> { value: T }

fn main() {}
