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
