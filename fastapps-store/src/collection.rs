//! [`Collection`]: the key spaces of a store.

/// A kind of record: each collection is a key space of its own.
///
/// Collections are declared as constants by the part of the server that owns them:
///
/// ```
/// use fastapps_store::Collection;
///
/// const SESSIONS: Collection = Collection::new("sessions");
/// assert_eq!(SESSIONS.as_str(), "sessions");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Collection(&'static str);

impl Collection {
    /// The collection `name`: 1 to 64 lowercase ASCII letters, digits and `_`, starting with a
    /// letter, so that a name never holds a separator a backend puts between it and a key.
    ///
    /// # Panics
    ///
    /// If the name breaks that rule; in a `const`, that is a compile-time error.
    pub const fn new(name: &'static str) -> Self {
        let bytes = name.as_bytes();
        assert!(!bytes.is_empty() && bytes.len() <= 64, "a collection name has 1 to 64 characters");
        assert!(bytes[0].is_ascii_lowercase(), "a collection name starts with a lowercase letter");
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            assert!(
                b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_',
                "a collection name holds lowercase ASCII letters, digits and '_' only"
            );
            i += 1;
        }
        Self(name)
    }

    /// The collection's name, as backends write it.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for Collection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "lowercase")]
    fn collection_names_are_checked() {
        let _ = Collection::new("Codes");
    }
}
