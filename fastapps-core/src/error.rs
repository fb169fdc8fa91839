//! The errors of the crate: [`Error`], what handlers return (and the crate's [`Result`]);
//! [`BuildError`], why a server could not be built; [`EnvError`], why a setting read from the
//! environment cannot be used; [`BoxError`], any error, where an implementor chooses its own.

use std::error::Error as StdError;
use std::fmt;

use crate::protocol::ErrorObject;

/// An error from a tool, resource, prompt or completion handler.
///
/// What the client sees depends on where it happens: a tool's error becomes an
/// `isError: true` result carrying the message (so the model can react), while an
/// [`ErrorObject`] (built with [`Error::rpc`] or [`Error::invalid_params`]) becomes that exact
/// JSON-RPC error.
///
/// It is a standard error itself (so `?` takes it into `anyhow::Error` or
/// `Box<dyn std::error::Error + Send + Sync>`), and the errors handlers meet most (I/O, JSON,
/// parsing, HTTP clients, [`ContextError`](crate::context::ContextError), strings) convert into
/// it with `?`. Any other error converts with [`Error::new`]:
///
/// ```
/// use fastapps_core::Error;
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("the pizza oven is cold")]
/// struct Cold;
///
/// fn bake() -> Result<(), Cold> {
///     Err(Cold)
/// }
///
/// fn handler() -> fastapps_core::Result<()> {
///     bake().map_err(Error::new)?;
///     Ok(())
/// }
/// assert_eq!(handler().unwrap_err().to_string(), "the pizza oven is cold");
/// let boxed: Box<dyn std::error::Error + Send + Sync> = handler().unwrap_err().into();
/// # let _ = boxed;
/// ```
pub struct Error {
    kind: Kind,
}

enum Kind {
    Rpc(ErrorObject),
    Other(BoxError),
}

/// `Result<T, fastapps_core::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Any error, boxed: what the traits of fastapps return where the error is the implementor's
/// (a token verifier's start-up check, a key source, a server extension).
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

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

    /// Any error, keeping its causes; a JSON-RPC [`ErrorObject`] stays one.
    pub fn new(error: impl Into<BoxError>) -> Self {
        match error.into().downcast::<ErrorObject>() {
            Ok(rpc) => Self::rpc(*rpc),
            Err(other) => Self { kind: Kind::Other(other) },
        }
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
        write!(f, "{self}")?;
        let mut source = self.source();
        while let Some(cause) = source {
            write!(f, "\n  caused by: {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

/// The error shows the wrapped error's message, so its causes start below it.
impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.kind {
            Kind::Rpc(_) => None,
            Kind::Other(e) => e.source(),
        }
    }
}

impl From<ErrorObject> for Error {
    fn from(error: ErrorObject) -> Self {
        Self::rpc(error)
    }
}

impl From<BoxError> for Error {
    fn from(error: BoxError) -> Self {
        Self::new(error)
    }
}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Self::msg(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Self::msg(message)
    }
}

/// `?` on the errors handlers meet most; the crate's own (`ContextError`, `FetchError`, …)
/// convert where they are defined.
macro_rules! convert {
    ($($error:ty),* $(,)?) => {$(
        impl From<$error> for Error {
            fn from(error: $error) -> Self {
                Self::new(error)
            }
        }
    )*};
}

convert!(
    std::io::Error,
    std::fmt::Error,
    std::num::ParseIntError,
    std::num::ParseFloatError,
    std::str::Utf8Error,
    std::string::FromUtf8Error,
    std::time::SystemTimeError,
    std::net::AddrParseError,
    std::env::VarError,
    serde_json::Error,
    base64::DecodeError,
    http::Error,
    url::ParseError,
    reqwest::Error,
    tokio::task::JoinError,
    fastapps_store::StoreError,
    BuildError,
    EnvError,
);

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

/// A setting read from the environment that cannot be used: what the `from_env` functions
/// return. It names the variable at fault (or the file read with them, `fastapps.toml`) and
/// says what to write instead.
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
    pub fn new(name: impl Into<String>, reason: impl fmt::Display) -> Self {
        Self { name: name.into(), reason: reason.to_string() }
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
        let boxed: BoxError = Box::new(ErrorObject::invalid_params("boxed"));
        assert_eq!(Error::new(boxed).as_rpc().map(|e| e.code), Some(-32602));
    }

    #[test]
    fn other_errors_keep_their_message_and_causes() {
        let err = Error::from(std::io::Error::other("disk on fire"));
        assert!(err.as_rpc().is_none());
        assert_eq!(err.to_string(), "disk on fire");
        assert_eq!(err.into_rpc().code, -32603);

        #[derive(Debug, thiserror::Error)]
        #[error("cannot bake")]
        struct Bake(#[source] std::io::Error);
        let err = Error::new(Bake(std::io::Error::other("oven cold")));
        assert_eq!(err.to_string(), "cannot bake");
        assert_eq!(err.source().map(ToString::to_string).as_deref(), Some("oven cold"));
        assert_eq!(format!("{err:?}"), "cannot bake\n  caused by: oven cold");
    }

    #[test]
    fn it_is_a_standard_error() {
        fn into_box(err: Error) -> Box<dyn StdError + Send + Sync> {
            Box::from(err)
        }
        assert_eq!(into_box(Error::msg("plain")).to_string(), "plain");
    }
}
