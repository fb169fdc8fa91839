//! Tools declared with `#[tool]` and `#[widget]`, collected through `inventory` at start-up.

use super::tool::ToolDef;

/// One macro-declared tool: a function building its [`ToolDef`]. The macros submit these; a
/// server includes every one linked into the binary unless told not to.
#[derive(Debug)]
pub struct Registration {
    build: fn() -> ToolDef,
}

impl Registration {
    #[doc(hidden)]
    pub const fn new(build: fn() -> ToolDef) -> Self {
        Self { build }
    }
}

inventory::collect!(Registration);

/// Every macro-declared tool linked into the program, sorted by name (link order is not
/// stable, `tools/list` should be).
pub fn registered_tools() -> Vec<ToolDef> {
    let mut tools: Vec<ToolDef> = inventory::iter::<Registration>.into_iter().map(|r| (r.build)()).collect();
    tools.sort_by(|a, b| a.tool.name.cmp(&b.tool.name));
    tools
}
