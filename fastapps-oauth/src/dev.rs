//! The users of the embedded development authorization server: names and passwords from a
//! TOML file (or given in code), checked by its login form. For a laptop, never for production:
//! the server that uses them refuses to serve on anything but loopback unless told otherwise.
//!
//! ```toml
//! [[users]]
//! username = "alice"
//! password = "alice"
//! name = "Alice Liddell"
//! email = "alice@example.com"
//! # Optional: the scopes alice may be granted (default: every scope the server supports).
//! scopes = ["read:notes", "write:notes"]
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::crypto::constant_time_eq;
use super::records::Principal;

/// One development user.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DevUser {
    /// What the login form asks for, and the tokens' `sub`.
    pub username: String,
    /// The password, in clear: these are test accounts.
    pub password: String,
    /// A display name (`name` claim).
    #[serde(default)]
    pub name: Option<String>,
    /// An email address (`email` claim).
    #[serde(default)]
    pub email: Option<String>,
    /// The scopes the user may be granted; `None`: every scope the server supports.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
}

impl std::fmt::Debug for DevUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevUser").field("username", &self.username).field("scopes", &self.scopes).finish()
    }
}

impl DevUser {
    /// A user who may be granted every scope.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self { username: username.into(), password: password.into(), name: None, email: None, scopes: None }
    }

    /// Limits the scopes the user may be granted.
    #[must_use]
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the display name and email address.
    #[must_use]
    pub fn profile(mut self, name: impl Into<String>, email: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self.email = Some(email.into());
        self
    }
}

/// Why a development users file cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DevUsersError {
    /// The file cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// What the file holds is not a users file.
    #[error("{}: {error}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        error: Box<DevUsersError>,
    },
    /// The text is not TOML of the users file's shape.
    #[error("{0}")]
    Syntax(String),
    /// The users cannot sign in (none, a blank name or password, a name twice).
    #[error("{0}")]
    Invalid(String),
}

/// The accounts of the development authorization server.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DevUsers {
    /// The users, by username.
    pub users: Vec<DevUser>,
}

impl DevUsers {
    /// The given users.
    pub fn new(users: impl IntoIterator<Item = DevUser>) -> Self {
        Self { users: users.into_iter().collect() }
    }

    /// Parses the TOML text of a users file.
    pub fn parse(text: &str) -> Result<Self, DevUsersError> {
        let users: Self = toml::from_str(text).map_err(|e| DevUsersError::Syntax(e.to_string()))?;
        users.check()?;
        Ok(users)
    }

    /// Reads a users file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, DevUsersError> {
        let path = path.as_ref();
        let text =
            std::fs::read_to_string(path).map_err(|source| DevUsersError::Read { path: path.to_owned(), source })?;
        Self::parse(&text).map_err(|error| DevUsersError::InFile { path: path.to_owned(), error: Box::new(error) })
    }

    pub(crate) fn check(&self) -> Result<(), DevUsersError> {
        if self.users.is_empty() {
            return Err(DevUsersError::Invalid("the development authorization server needs at least one user".into()));
        }
        for (i, user) in self.users.iter().enumerate() {
            if user.username.trim().is_empty() || user.password.is_empty() {
                return Err(DevUsersError::Invalid(format!("user {} has an empty username or password", i + 1)));
            }
            if self.users[..i].iter().any(|u| u.username == user.username) {
                return Err(DevUsersError::Invalid(format!("user {:?} is listed twice", user.username)));
            }
        }
        Ok(())
    }

    /// The user with these credentials (every candidate is compared, in constant time).
    pub(crate) fn authenticate(&self, username: &str, password: &str, now: u64) -> Option<Principal> {
        let mut found = None;
        for user in &self.users {
            let name_ok = constant_time_eq(user.username.as_bytes(), username.as_bytes());
            let password_ok = constant_time_eq(user.password.as_bytes(), password.as_bytes());
            if name_ok && password_ok {
                found = Some(user);
            }
        }
        found.map(|user| Principal {
            subject: user.username.clone(),
            name: user.name.clone(),
            email: user.email.clone(),
            allowed_scopes: user.scopes.clone(),
            auth_time: now,
        })
    }

    /// The usernames, for the banner.
    pub(crate) fn usernames(&self) -> Vec<&str> {
        self.users.iter().map(|u| u.username.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_users_file() {
        let users = DevUsers::parse(
            "[[users]]\nusername = \"alice\"\npassword = \"pw\"\nscopes = [\"read\"]\n\n[[users]]\nusername = \"bob\"\npassword = \"pw2\"\n",
        )
        .unwrap();
        let alice = users.authenticate("alice", "pw", 7).unwrap();
        assert_eq!(alice.subject, "alice");
        assert_eq!(alice.allowed_scopes, Some(vec!["read".to_owned()]));
        assert_eq!(alice.auth_time, 7);
        assert!(users.authenticate("alice", "pw2", 7).is_none());
        assert!(users.authenticate("carol", "pw", 7).is_none());
        assert_eq!(users.authenticate("bob", "pw2", 7).unwrap().allowed_scopes, None);
    }

    #[test]
    fn bad_files_say_why() {
        assert!(DevUsers::parse("users = []").unwrap_err().to_string().contains("at least one"));
        assert!(
            DevUsers::parse("[[users]]\nusername = \"a\"\npassword = \"\"\n")
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        let twice = "[[users]]\nusername = \"a\"\npassword = \"x\"\n[[users]]\nusername = \"a\"\npassword = \"y\"\n";
        assert!(DevUsers::parse(twice).unwrap_err().to_string().contains("twice"));
        assert!(DevUsers::parse("[[users]]\nusername = \"a\"\npasword = \"x\"\n").is_err());
    }
}
