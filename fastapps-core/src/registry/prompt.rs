//! Prompts registered at run time.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::completion::{Completer, completer};
use crate::context::Context;
use crate::protocol::{GetPromptResult, Prompt, PromptArgument};

pub(crate) type PromptHandler = Arc<
    dyn Fn(HashMap<String, String>, Context) -> BoxFuture<'static, crate::error::Result<GetPromptResult>> + Send + Sync,
>;

/// A prompt: its `prompts/list` descriptor and the function that renders it.
///
/// Required arguments are checked before the handler runs: a `prompts/get` without one is
/// answered with `-32602` naming it.
///
/// ```
/// use fastapps_core::prelude::*;
/// use fastapps_core::protocol::{Content, GetPromptResult, PromptMessage};
///
/// let greet = PromptDef::new("greet", |args, _ctx| async move {
///     let text = format!("Say hello to {}", args["name"]);
///     Ok(GetPromptResult::new(vec![PromptMessage::user(Content::text(text))]))
/// })
/// .description("Greet someone")
/// .argument("name", "Who to greet", true);
/// assert_eq!(greet.descriptor().arguments.len(), 1);
/// ```
#[derive(Clone)]
pub struct PromptDef {
    pub(crate) prompt: Prompt,
    pub(crate) handler: PromptHandler,
    pub(crate) completers: HashMap<String, Completer>,
}

impl std::fmt::Debug for PromptDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PromptDef").field("prompt", &self.prompt).finish_non_exhaustive()
    }
}

impl PromptDef {
    /// A prompt named `name`.
    pub fn new<F, Fut>(name: impl Into<String>, handler: F) -> Self
    where
        F: Fn(HashMap<String, String>, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = crate::error::Result<GetPromptResult>> + Send + 'static,
    {
        Self {
            prompt: Prompt { name: name.into(), ..Prompt::default() },
            handler: Arc::new(move |args, ctx| Box::pin(handler(args, ctx))),
            completers: HashMap::new(),
        }
    }

    /// The display title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.prompt.title = Some(title.into());
        self
    }

    /// What the prompt does.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.prompt.description = Some(description.into());
        self
    }

    /// Declares an argument.
    #[must_use]
    pub fn argument(mut self, name: impl Into<String>, description: impl Into<String>, required: bool) -> Self {
        self.prompt.arguments.push(PromptArgument {
            name: name.into(),
            title: None,
            description: Some(description.into()),
            required: Some(required),
        });
        self
    }

    /// Offers `completion/complete` for the argument `argument`: `complete(typed, context)`
    /// returns every candidate for what was typed so far.
    #[must_use]
    pub fn complete<F, Fut>(mut self, argument: impl Into<String>, complete: F) -> Self
    where
        F: Fn(String, HashMap<String, String>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = crate::error::Result<Vec<String>>> + Send + 'static,
    {
        self.completers.insert(argument.into(), completer(complete));
        self
    }

    /// The descriptor as `prompts/list` shows it.
    pub fn descriptor(&self) -> &Prompt {
        &self.prompt
    }

    /// The first required argument missing from `args`.
    pub(crate) fn missing_argument(&self, args: &HashMap<String, String>) -> Option<&str> {
        self.prompt
            .arguments
            .iter()
            .find(|a| a.required == Some(true) && !args.contains_key(&a.name))
            .map(|a| a.name.as_str())
    }
}
