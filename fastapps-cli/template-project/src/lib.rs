//! The generated project's `src/lib.rs`, rendered by build.rs from the CLI's template; its
//! modules (`src/tools.rs`, `src/widgets/`) are found beside it in `OUT_DIR`.

include!(concat!(env!("OUT_DIR"), "/src/lib.rs"));
