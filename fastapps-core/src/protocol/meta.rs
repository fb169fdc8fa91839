//! `_meta`: the free-form metadata of requests, results and content.

/// A `_meta` object: free-form metadata keyed by (optionally prefixed) names.
pub type Meta = serde_json::Map<String, serde_json::Value>;
