//! Reading settings from the environment, one rule for every `from_env`: a variable is set
//! when it holds something besides white space; lists are separated by commas or spaces;
//! booleans are `true`/`false` (or `1`/`0`, `yes`/`no`, `on`/`off`). A value that cannot be
//! used is an [`EnvError`] naming the variable.

use crate::error::EnvError;

/// The variable's value, trimmed; `None` when unset or blank.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The variable's items, separated by commas or spaces; empty when unset.
pub fn list(name: &str) -> Vec<String> {
    var(name).map(|v| words(&v)).unwrap_or_default()
}

/// The items of a list value, separated by commas or spaces.
pub fn words(value: &str) -> Vec<String> {
    value.split([',', ' ']).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// The variable as a boolean; `None` when unset.
pub fn flag(name: &str) -> Result<Option<bool>, EnvError> {
    var(name)
        .map(|value| match value.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(EnvError::new(name, format_args!("{value:?} is not a boolean; use true or false"))),
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_on_commas_and_spaces() {
        assert_eq!(words("a, b c,,d"), ["a", "b", "c", "d"]);
        assert!(words(" , ").is_empty());
    }

    #[test]
    fn unset_and_blank_are_the_same() {
        // Names no test environment sets.
        assert_eq!(var("FASTAPPS_TEST_SURELY_UNSET_VARIABLE"), None);
        assert_eq!(flag("FASTAPPS_TEST_SURELY_UNSET_VARIABLE"), Ok(None));
    }
}
