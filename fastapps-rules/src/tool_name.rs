//! What a tool name may be: the MCP rule, 1 to 128 characters of `[A-Za-z0-9_.-]`.
//!
//! Widget template names follow it too: a template is served at `ui://widget/<name>.html`, and
//! by default it is named after its tool.

use std::fmt;

/// The longest tool name, in characters.
pub const MAX_LEN: usize = 128;

/// Why a string is not a tool name. Its message completes a sentence about the name ("`id`
/// contains ' '; use only …"), so callers prefix what they are checking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ToolNameError {
    /// Empty, or longer than [`MAX_LEN`]; holds the length in characters.
    Length(usize),
    /// Holds the first character outside `[A-Za-z0-9_.-]`.
    Character(char),
}

impl fmt::Display for ToolNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length(0) => write!(f, "is empty; write 1 to {MAX_LEN} ASCII letters, digits, '_', '-' or '.'"),
            Self::Length(len) => write!(f, "must be 1 to {MAX_LEN} characters long (it has {len}); shorten it"),
            Self::Character(c) => write!(f, "contains {c:?}; use only ASCII letters, digits, '_', '-' and '.'"),
        }
    }
}

impl std::error::Error for ToolNameError {}

/// Whether `c` may appear in a tool name.
pub fn is_allowed_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Checks `name` against the rule.
///
/// ```
/// use fastapps_rules::tool_name::{ToolNameError, check};
///
/// assert!(check("pizza-carousel.v2").is_ok());
/// assert_eq!(check("has space"), Err(ToolNameError::Character(' ')));
/// assert_eq!(check(""), Err(ToolNameError::Length(0)));
/// ```
pub fn check(name: &str) -> Result<(), ToolNameError> {
    // Checked before the length so that a long name of wide characters is told about the
    // character, which is the mistake to fix.
    if let Some(c) = name.chars().find(|&c| !is_allowed_char(c)) {
        return Err(ToolNameError::Character(c));
    }
    // Only ASCII is left, so bytes are characters.
    match name.len() {
        1..=MAX_LEN => Ok(()),
        len => Err(ToolNameError::Length(len)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_every_allowed_character_pass() {
        for name in ["a", "test_simple_text", "pizza-carousel.v2", "UPPER.lower-09_", "...", "-", "_"] {
            assert_eq!(check(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn empty_and_too_long_names_fail_with_their_length() {
        assert_eq!(check(""), Err(ToolNameError::Length(0)));
        assert_eq!(check(&"x".repeat(MAX_LEN)), Ok(()));
        assert_eq!(check(&"x".repeat(MAX_LEN + 1)), Err(ToolNameError::Length(129)));
    }

    #[test]
    fn the_first_bad_character_is_named() {
        for (name, bad) in [
            ("has space", ' '),
            ("slash/name", '/'),
            ("colon:name", ':'),
            ("café", 'é'),
            ("tab\tname", '\t'),
            ("a@b", '@'),
            ("plus+", '+'),
        ] {
            assert_eq!(check(name), Err(ToolNameError::Character(bad)), "{name}");
        }
        // A long name of non-ASCII characters is told about the character.
        assert_eq!(check(&"é".repeat(100)), Err(ToolNameError::Character('é')));
    }

    #[test]
    fn messages_say_what_to_write() {
        assert_eq!(
            ToolNameError::Character(' ').to_string(),
            "contains ' '; use only ASCII letters, digits, '_', '-' and '.'"
        );
        assert_eq!(ToolNameError::Length(129).to_string(), "must be 1 to 128 characters long (it has 129); shorten it");
        assert_eq!(
            ToolNameError::Length(0).to_string(),
            "is empty; write 1 to 128 ASCII letters, digits, '_', '-' or '.'"
        );
    }
}
