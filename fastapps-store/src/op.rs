//! [`Op`] and [`Outcome`]: one atomic operation on one record, and what it gave.

use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::error::StoreError;

/// One operation on one record, run atomically by [`Store::apply`](crate::Store::apply).
///
/// Its `Debug` shows value lengths, never the values (they may be secrets).
#[non_exhaustive]
pub enum Op<'a> {
    /// Reads the live value: [`Outcome::Value`].
    Get,
    /// Writes the value, replacing any, expiring after `ttl` (`None`: never): [`Outcome::Done`].
    Put {
        /// The value.
        value: Vec<u8>,
        /// Its time to live.
        ttl: Option<Duration>,
    },
    /// Writes only when there is no live value: [`Outcome::Written`].
    PutIfAbsent {
        /// The value.
        value: Vec<u8>,
        /// Its time to live.
        ttl: Option<Duration>,
    },
    /// Reads and deletes in one step: [`Outcome::Value`]; of racing callers, at most one gets
    /// the value.
    Take,
    /// Replaces the value only if the live value is byte-for-byte `expected`, with a new TTL:
    /// [`Outcome::Written`].
    CompareAndSwap {
        /// The value the record must hold.
        expected: &'a [u8],
        /// The value that replaces it.
        new: Vec<u8>,
        /// The new value's time to live.
        ttl: Option<Duration>,
    },
    /// Deletes the record (nothing happens when it is absent): [`Outcome::Done`].
    Delete,
}

impl Op<'_> {
    /// The operation's name, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Put { .. } => "put",
            Self::PutIfAbsent { .. } => "put_if_absent",
            Self::Take => "take",
            Self::CompareAndSwap { .. } => "compare_and_swap",
            Self::Delete => "delete",
        }
    }
}

impl std::fmt::Debug for Op<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Put { value, ttl } | Self::PutIfAbsent { value, ttl } => {
                f.debug_struct(self.name()).field("len", &value.len()).field("ttl", ttl).finish()
            }
            Self::CompareAndSwap { expected, new, ttl } => f
                .debug_struct(self.name())
                .field("expected_len", &expected.len())
                .field("new_len", &new.len())
                .field("ttl", ttl)
                .finish(),
            Self::Get | Self::Take | Self::Delete => f.write_str(self.name()),
        }
    }
}

/// What [`Store::apply`](crate::Store::apply) returns: the [`Outcome`] of one operation, to
/// come.
pub type Applied<'a> = BoxFuture<'a, Result<Outcome, StoreError>>;

/// What an [`Op`] gave.
#[derive(PartialEq, Eq)]
pub enum Outcome {
    /// Of [`Op::Get`] and [`Op::Take`]: the value, if there was a live one.
    Value(Option<Vec<u8>>),
    /// Of [`Op::PutIfAbsent`] and [`Op::CompareAndSwap`]: whether the value was written.
    Written(bool),
    /// Of [`Op::Put`] and [`Op::Delete`].
    Done,
}

impl std::fmt::Debug for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Value(value) => f.debug_tuple("Value").field(&value.as_ref().map(Vec::len)).finish(),
            Self::Written(written) => f.debug_tuple("Written").field(written).finish(),
            Self::Done => f.write_str("Done"),
        }
    }
}

impl Outcome {
    fn mismatch(&self, expected: &str) -> StoreError {
        StoreError::Backend(format!("the store answered {self:?} where {expected} was due"))
    }

    /// The value of a read.
    pub fn into_value(self) -> Result<Option<Vec<u8>>, StoreError> {
        match self {
            Self::Value(value) => Ok(value),
            other => Err(other.mismatch("a value")),
        }
    }

    /// Whether a conditional write happened.
    pub fn into_written(self) -> Result<bool, StoreError> {
        match self {
            Self::Written(written) => Ok(written),
            other => Err(other.mismatch("whether it wrote")),
        }
    }

    /// The end of a write or delete.
    pub fn into_done(self) -> Result<(), StoreError> {
        match self {
            Self::Done => Ok(()),
            other => Err(other.mismatch("done")),
        }
    }
}
