use fastapps_core::prelude::*;

/// Needs a user, any scope.
#[tool]
#[auth_required]
struct Thing {}

/// Anyone.
#[tool]
#[no_auth]
struct Other {}

impl Tool for Other {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::text("ok"))
    }
}

/// Better signed in.
#[optional_auth(scopes = ["read", "profile"])]
#[widget(prefers_border = false)]
struct Third {}

impl Widget for Third {
    async fn execute(self, _ctx: &Context) -> Result<WidgetOutput> {
        Ok(WidgetOutput::text("ok"))
    }
}

impl Tool for Thing {
    async fn execute(self, _ctx: &Context) -> Result<ToolOutput> {
        Ok(ToolOutput::text("ok"))
    }
}

fn main() {}
