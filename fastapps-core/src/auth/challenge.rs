//! `WWW-Authenticate: Bearer` challenges (RFC 6750 §3), written with RFC 7230 quoted strings.

/// A `Bearer` challenge under construction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Challenge {
    params: Vec<(&'static str, String)>,
}

/// Quotes a value: `\` and `"` escaped, control characters replaced by a space.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Challenge {
    /// An empty challenge.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a parameter.
    #[must_use]
    pub fn param(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.params.push((name, value.into()));
        self
    }

    /// `error="…"`
    #[must_use]
    pub fn error(self, code: &str) -> Self {
        self.param("error", code)
    }

    /// `error_description="…"`
    #[must_use]
    pub fn description(self, text: &str) -> Self {
        self.param("error_description", text)
    }

    /// `scope="a b"`; nothing when there is no scope.
    #[must_use]
    pub fn scope(self, scopes: &[String]) -> Self {
        if scopes.is_empty() { self } else { self.param("scope", scopes.join(" ")) }
    }

    /// `resource_metadata="…"`
    #[must_use]
    pub fn resource_metadata(self, url: &str) -> Self {
        self.param("resource_metadata", url)
    }
}

impl std::fmt::Display for Challenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Bearer")?;
        for (i, (name, value)) in self.params.iter().enumerate() {
            let sep = if i == 0 { " " } else { ", " };
            write!(f, "{sep}{name}={}", quote(value))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_params_separated_and_quoted() {
        let c = Challenge::new()
            .error("insufficient_scope")
            .scope(&["notes:write".into(), "notes:read".into()])
            .resource_metadata("https://x.example/.well-known/oauth-protected-resource/mcp")
            .description("needs \"write\"\naccess");
        assert_eq!(
            c.to_string(),
            "Bearer error=\"insufficient_scope\", scope=\"notes:write notes:read\", \
             resource_metadata=\"https://x.example/.well-known/oauth-protected-resource/mcp\", \
             error_description=\"needs \\\"write\\\" access\""
        );
        assert_eq!(Challenge::new().scope(&[]).to_string(), "Bearer");
    }
}
