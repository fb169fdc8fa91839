//! Completion handlers of prompt arguments and template variables, as the registry stores them.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;

/// A completion handler: the value typed so far and the other arguments in, candidates out.
pub(crate) type Completer =
    Arc<dyn Fn(String, HashMap<String, String>) -> BoxFuture<'static, crate::error::Result<Vec<String>>> + Send + Sync>;

/// A stored completion handler from a closure.
pub(crate) fn completer<F, Fut>(complete: F) -> Completer
where
    F: Fn(String, HashMap<String, String>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = crate::error::Result<Vec<String>>> + Send + 'static,
{
    Arc::new(move |value, context| Box::pin(complete(value, context)))
}
