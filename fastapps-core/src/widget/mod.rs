//! Widgets: tools whose result a host renders with an HTML template beside the conversation.
//! Declared with `#[widget]` on a struct whose fields are the arguments, run through the
//! [`Widget`] trait, described in both dialects: the MCP Apps standard (`_meta.ui.*`) and the
//! OpenAI Apps SDK (`openai/*`).
//!
//! ```
//! use fastapps_core::prelude::*;
//!
//! /// Show a carousel of pizza places.
//! #[widget(
//!     id = "pizza-carousel",
//!     title = "Show pizza carousel",
//!     invoking = "Hand-tossing a carousel",
//!     invoked = "Served a fresh carousel",
//!     read_only,
//! )]
//! struct PizzaCarousel {
//!     /// Topping to highlight
//!     topping: Option<String>,
//! }
//!
//! impl Widget for PizzaCarousel {
//!     async fn execute(self, _ctx: &Context) -> Result<WidgetOutput> {
//!         Ok(WidgetOutput::new(serde_json::json!({ "topping": self.topping })))
//!     }
//! }
//! # fn main() {}
//! ```

mod assets;
mod config;
mod resource;

use std::future::Future;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

pub use assets::MANIFEST;
pub use config::{CspConfig, ProjectConfig};
pub(crate) use resource::{WidgetSettings, add_widget_resources};

use crate::context::Context;
use crate::protocol::Meta;
use crate::registry::{Csp, CspKey, ToolDef, WidgetHtml, WidgetTemplate};
use crate::tool::{ToolSpec, WidgetOutput, input_schema, parse_arguments};

/// A widget whose arguments are `Self`. Implement it for a struct marked `#[widget(...)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is declared with #[widget] but does not implement `Widget`",
    label = "add `impl Widget for {Self} {{ async fn execute(self, ctx: &Context) -> Result<WidgetOutput> {{ … }} }}`"
)]
pub trait Widget: DeserializeOwned + JsonSchema + Send + 'static {
    /// Renders the widget's data for its parsed arguments: the structured output is the
    /// widget's `toolOutput`. An `Err` becomes an `isError: true` result carrying the message.
    fn execute(self, ctx: &Context) -> impl Future<Output = crate::error::Result<WidgetOutput>> + Send;
}

#[doc(hidden)]
/// Everything `#[widget]` declares beyond a tool's keys.
#[derive(Clone, Debug)]
pub struct WidgetSpec {
    /// The tool part.
    pub tool: ToolSpec,
    /// Asset name of the HTML template (default: the id).
    pub template: &'static str,
    /// `csp(...)`: one list per [`CspKey`], in the order of [`CspKey::ALL`].
    pub csp: [&'static [&'static str]; CspKey::ALL.len()],
    /// `permissions = [...]`
    pub permissions: &'static [&'static str],
    /// The HTML, as the macro found it at compile time.
    pub html: WidgetHtml,
    /// `domain`
    pub domain: Option<&'static str>,
    /// `prefers_border`
    pub prefers_border: Option<bool>,
    /// `widget_description`
    pub widget_description: Option<&'static str>,
}

impl WidgetSpec {
    fn template(&self) -> WidgetTemplate {
        let owned = |list: &[&str]| list.iter().map(|d| (*d).to_owned()).collect();
        WidgetTemplate {
            csp: {
                let mut csp = Csp::default();
                for key in CspKey::ALL {
                    *csp.get_mut(key) = owned(self.csp[key.index()]);
                }
                csp
            },
            domain: self.domain.map(str::to_owned),
            prefers_border: self.prefers_border,
            description: self.widget_description.map(str::to_owned),
            permissions: owned(self.permissions),
            html: self.html.clone(),
            ..WidgetTemplate::new(self.template)
        }
    }
}

#[doc(hidden)]
/// Builds the [`ToolDef`] of a `#[widget]` struct (called by the macro's generated code).
pub fn widget_def<T: Widget>(spec: WidgetSpec) -> ToolDef {
    let template = spec.template();
    let mut meta = spec.tool.meta();
    // Hosts read the invocation texts and the template from the result too; the widget's own
    // `_meta` keys win.
    let mut result_meta = meta.clone();
    result_meta.insert("openai/outputTemplate".into(), template.uri.as_str().into());
    let mut def = ToolDef::new(spec.tool.name, move |args, ctx| {
        let result_meta = result_meta.clone();
        async move {
            let this: T = match parse_arguments(args) {
                Ok(this) => this,
                Err(invalid) => return Ok(invalid),
            };
            let mut result = this.execute(&ctx).await?.into_result();
            let meta: &mut Meta = result.meta.get_or_insert_with(Meta::new);
            for (key, value) in result_meta {
                meta.entry(key).or_insert(value);
            }
            Ok(result)
        }
    });
    spec.tool.visibility.write(&mut meta, Some(&template.uri));
    spec.tool.apply_with_meta(&mut def, input_schema::<T>(), meta);
    def.widget_template(template)
}
