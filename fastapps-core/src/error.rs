//! The error type handlers return and the crate's `Result` alias.

use std::error::Error as StdError;
use std::fmt;

use crate::protocol::ErrorObject;

/// An error from a tool, resource, prompt or completion handler, or from serving.
///
/// Any standard error converts into it with `?`. What the client sees depends on where it
/// happens: a tool's error becomes an `isError: true` result carrying the message (so the model
/// can react), while an [`ErrorObject`] (built with [`Error::rpc`] or
/// [`Error::invalid_params`]) becomes that exact JSON-RPC error.
pub struct Error {
    kind: Kind,
}

enum Kind {
    Rpc(ErrorObject),
    Other(Box<dyn StdError + Send + Sync + 'static>),
}

/// `Result<T, fastapps_core::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Any error, boxed: what the traits of fastapps return where the error is the implementor's
/// (a token verifier's start-up check, a key source, a server extension).
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Why a server could not be built. Each message names the offending item and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A tool name breaks the spec's naming rule.
    #[error("tool name {name:?} is invalid: it {reason}")]
    InvalidToolName {
        /// The name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two tools share a name.
    #[error("two tools are named {0:?}; tool names must be unique")]
    DuplicateTool(String),
    /// A schema given to a tool is not a JSON object.
    #[error(
        "the {field} of tool {tool:?} is not a JSON object; a schema must be an object such as {{\"type\":\"object\"}}"
    )]
    SchemaNotObject {
        /// The tool.
        tool: String,
        /// `inputSchema` or `outputSchema`.
        field: &'static str,
    },
    /// Two resources share a URI.
    #[error("two resources have the URI {0:?}; resource URIs must be unique")]
    DuplicateResource(String),
    /// A URI template cannot be matched.
    #[error("resource template {template:?} is invalid: {reason}")]
    InvalidUriTemplate {
        /// The template.
        template: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two resource templates are the same.
    #[error("resource template {0:?} is registered twice")]
    DuplicateResourceTemplate(String),
    /// A completion is offered for an argument or variable that does not exist.
    #[error("{owner} offers completion for {name:?}, which is not one of its {kind}")]
    UnknownCompletionTarget {
        /// The prompt or template.
        owner: String,
        /// The argument or variable named.
        name: String,
        /// `arguments` or `template variables`.
        kind: &'static str,
    },
    /// A tool requires a scope the server does not list as supported.
    #[error(
        "tool {tool:?} requires the scope {scope:?}, which is not among the scopes the server supports ({supported}); \
         add it to the supported scopes or fix the tool's attribute"
    )]
    UnknownScope {
        /// The tool.
        tool: String,
        /// The scope.
        scope: String,
        /// The supported scopes, comma separated.
        supported: String,
    },
    /// A widget template's HTML cannot be served.
    #[error("widget template {template:?} cannot be served: {reason}")]
    WidgetHtml {
        /// The template.
        template: String,
        /// Why.
        reason: String,
    },
    /// Two prompts share a name.
    #[error("two prompts are named {0:?}; prompt names must be unique")]
    DuplicatePrompt(String),
    /// A tool's `x-mcp-header` annotation breaks the 2026-07-28 rules.
    #[error("tool {tool:?} has an invalid x-mcp-header: {reason}")]
    InvalidParamHeader {
        /// The tool.
        tool: String,
        /// What is wrong.
        reason: String,
    },
    /// A server setting is invalid.
    #[error("invalid setting `{setting}`: {reason}")]
    InvalidSetting {
        /// The setting.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A list could not be serialized.
    #[error("could not serialize the {0} list: {1}")]
    Serialize(&'static str, String),
}

#[derive(Debug)]
struct Message(String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for Message {}

impl Error {
    /// An error with a message.
    pub fn msg(message: impl fmt::Display) -> Self {
        Self { kind: Kind::Other(Box::new(Message(message.to_string()))) }
    }

    /// An error answered with exactly this JSON-RPC error object.
    pub fn rpc(error: ErrorObject) -> Self {
        Self { kind: Kind::Rpc(error) }
    }

    /// A `-32602` invalid-params JSON-RPC error.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::rpc(ErrorObject::invalid_params(message))
    }

    /// The JSON-RPC error object, when this error is one.
    pub fn as_rpc(&self) -> Option<&ErrorObject> {
        match &self.kind {
            Kind::Rpc(e) => Some(e),
            Kind::Other(_) => None,
        }
    }

    /// The JSON-RPC error object for this error: itself, or `-32603` with the message.
    pub fn into_rpc(self) -> ErrorObject {
        match self.kind {
            Kind::Rpc(e) => e,
            Kind::Other(e) => ErrorObject::internal(e.to_string()),
        }
    }
}

impl<E: StdError + Send + Sync + 'static> From<E> for Error {
    fn from(error: E) -> Self {
        let boxed: Box<dyn StdError + Send + Sync> = Box::new(error);
        match boxed.downcast::<ErrorObject>() {
            Ok(rpc) => Self::rpc(*rpc),
            Err(other) => Self { kind: Kind::Other(other) },
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Rpc(e) => e.message.fmt(f),
            Kind::Other(e) => e.fmt(f),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Shown when `main` returns an error: the message and its causes, one per line.
        match &self.kind {
            Kind::Rpc(e) => write!(f, "{e}"),
            Kind::Other(e) => {
                write!(f, "{e}")?;
                let mut source = e.source();
                while let Some(cause) = source {
                    write!(f, "\n  caused by: {cause}")?;
                    source = cause.source();
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_objects_stay_json_rpc_errors_through_question_mark() {
        fn fails() -> Result<()> {
            Err(ErrorObject::invalid_params("bad"))?
        }
        let err = fails().unwrap_err();
        assert_eq!(err.as_rpc().map(|e| e.code), Some(-32602));
    }

    #[test]
    fn other_errors_keep_their_message() {
        let err = Error::from(std::io::Error::other("disk on fire"));
        assert!(err.as_rpc().is_none());
        assert_eq!(err.to_string(), "disk on fire");
        assert_eq!(err.into_rpc().code, -32603);
    }
}

/// A setting read from the environment that cannot be used: what `from_env` functions return.
/// It names the variable at fault (or `fastapps.toml`, read with them) and says what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {reason}")]
pub struct EnvError {
    /// The variable (or file).
    pub name: String,
    /// What is wrong, and what to write instead.
    pub reason: String,
}

impl EnvError {
    /// `name` holds something unusable, for `reason`.
    pub fn new(name: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        Self { name: name.into(), reason: reason.to_string() }
    }
}
