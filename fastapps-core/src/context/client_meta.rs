//! Typed reads of what hosts send in a request's `_meta`: ChatGPT's `openai/*` hints and the
//! MCP Apps capability. All of it is optional and none of it is trusted for authorization.

use serde_json::Value;

use super::request::Context;
use crate::protocol::Meta;

/// The coarse location ChatGPT may send (`openai/userLocation`). Coordinates arrive as numbers
/// or as strings; both are read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserLocation {
    /// City.
    pub city: Option<String>,
    /// Region or state.
    pub region: Option<String>,
    /// Country code.
    pub country: Option<String>,
    /// IANA time zone.
    pub timezone: Option<String>,
    /// Latitude in degrees.
    pub latitude: Option<f64>,
    /// Longitude in degrees.
    pub longitude: Option<f64>,
}

fn string(meta: &Meta, key: &str) -> Option<String> {
    meta.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn coordinate(meta: &Meta, key: &str) -> Option<f64> {
    match meta.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl UserLocation {
    fn from_value(value: &Value) -> Option<Self> {
        let map = value.as_object()?;
        Some(Self {
            city: string(map, "city"),
            region: string(map, "region"),
            country: string(map, "country"),
            timezone: string(map, "timezone"),
            latitude: coordinate(map, "latitude"),
            longitude: coordinate(map, "longitude"),
        })
    }
}

impl Context {
    fn meta_str(&self, key: &str) -> Option<&str> {
        self.meta_value(key).and_then(Value::as_str)
    }

    /// The user's locale (BCP 47): `openai/locale`, else the older `webplus/i18n`, from this
    /// request or else from the session's `initialize`.
    pub fn locale(&self) -> Option<&str> {
        fn from(meta: Option<&Meta>) -> Option<&str> {
            let meta = meta?;
            meta.get("openai/locale").or_else(|| meta.get("webplus/i18n")).and_then(Value::as_str)
        }
        from(self.meta()).or_else(|| from(self.client().meta.as_ref()))
    }

    /// The first of `supported` that fits the user's locale: an exact match, then the same
    /// language (`fr-CA` → `fr`), then a supported locale of that language (`fr` → `fr-FR`);
    /// `None` when nothing fits.
    pub fn negotiate_locale<'a>(&self, supported: &[&'a str]) -> Option<&'a str> {
        let wanted = self.locale()?.replace('_', "-");
        let language = wanted.split('-').next().unwrap_or_default();
        let lang_of = |s: &str| s.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        supported
            .iter()
            .find(|s| s.eq_ignore_ascii_case(&wanted))
            .or_else(|| supported.iter().find(|s| s.eq_ignore_ascii_case(language)))
            .or_else(|| supported.iter().find(|s| lang_of(s) == language.to_ascii_lowercase()))
            .copied()
    }

    /// `openai/userAgent`: a hint about the user's device, never for authorization.
    pub fn user_agent(&self) -> Option<&str> {
        self.meta_str("openai/userAgent")
    }

    /// `openai/userLocation`: a coarse location hint.
    pub fn user_location(&self) -> Option<UserLocation> {
        self.meta_value("openai/userLocation").and_then(UserLocation::from_value)
    }

    /// The user's time zone: the request's top-level `timezone`, else the location's.
    pub fn timezone(&self) -> Option<String> {
        self.meta_str("timezone").map(str::to_owned).or_else(|| self.user_location()?.timezone)
    }

    /// `openai/subject`: ChatGPT's anonymized user id, for rate limiting and correlation (not
    /// an authenticated identity; see [`user`](Self::user)).
    pub fn openai_subject(&self) -> Option<&str> {
        self.meta_str("openai/subject")
    }

    /// `openai/session`: ChatGPT's anonymized conversation id.
    pub fn openai_session(&self) -> Option<&str> {
        self.meta_str("openai/session")
    }

    /// `openai/organization`: ChatGPT's anonymized organization id, when there is one.
    pub fn openai_organization(&self) -> Option<&str> {
        self.meta_str("openai/organization")
    }

    /// Whether the client declared the MCP Apps extension (it renders
    /// `text/html;profile=mcp-app` widgets and speaks the `ui/*` bridge).
    pub fn supports_mcp_apps(&self) -> bool {
        self.client().declares_mcp_apps()
    }

    /// Whether the client presents itself as ChatGPT (`clientInfo.name` `openai-mcp`, or
    /// `openai/*` keys in the request). A self-report: it may choose a reply's form, never
    /// grant anything.
    pub fn is_chatgpt(&self) -> bool {
        self.client_info().is_some_and(|i| i.name == "openai-mcp")
            || self.meta().is_some_and(|m| m.keys().any(|k| k.starts_with("openai/")))
    }
}
