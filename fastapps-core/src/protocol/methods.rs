//! Method names.

/// `initialize`
pub const INITIALIZE: &str = "initialize";
/// `server/discover` (2026-07-28)
pub const SERVER_DISCOVER: &str = "server/discover";
/// `subscriptions/listen` (2026-07-28)
pub const SUBSCRIPTIONS_LISTEN: &str = "subscriptions/listen";
/// `ping`
pub const PING: &str = "ping";
/// `tools/list`
pub const TOOLS_LIST: &str = "tools/list";
/// `tools/call`
pub const TOOLS_CALL: &str = "tools/call";
/// `resources/list`
pub const RESOURCES_LIST: &str = "resources/list";
/// `resources/templates/list`
pub const RESOURCES_TEMPLATES_LIST: &str = "resources/templates/list";
/// `resources/read`
pub const RESOURCES_READ: &str = "resources/read";
/// `resources/subscribe`
pub const RESOURCES_SUBSCRIBE: &str = "resources/subscribe";
/// `resources/unsubscribe`
pub const RESOURCES_UNSUBSCRIBE: &str = "resources/unsubscribe";
/// `prompts/list`
pub const PROMPTS_LIST: &str = "prompts/list";
/// `prompts/get`
pub const PROMPTS_GET: &str = "prompts/get";
/// `completion/complete`
pub const COMPLETION_COMPLETE: &str = "completion/complete";
/// `logging/setLevel`
pub const LOGGING_SET_LEVEL: &str = "logging/setLevel";
/// `sampling/createMessage` (server → client)
pub const SAMPLING_CREATE_MESSAGE: &str = "sampling/createMessage";
/// `elicitation/create` (server → client)
pub const ELICITATION_CREATE: &str = "elicitation/create";
/// `roots/list` (server → client)
pub const ROOTS_LIST: &str = "roots/list";
/// `notifications/initialized`
pub const NOTIFICATION_INITIALIZED: &str = "notifications/initialized";
/// `notifications/cancelled`
pub const NOTIFICATION_CANCELLED: &str = "notifications/cancelled";
/// `notifications/progress`
pub const NOTIFICATION_PROGRESS: &str = "notifications/progress";
/// `notifications/message`
pub const NOTIFICATION_MESSAGE: &str = "notifications/message";
/// `notifications/resources/updated`
pub const NOTIFICATION_RESOURCE_UPDATED: &str = "notifications/resources/updated";
/// `notifications/subscriptions/acknowledged` (2026-07-28)
pub const NOTIFICATION_SUBSCRIPTIONS_ACKNOWLEDGED: &str = "notifications/subscriptions/acknowledged";
/// `notifications/roots/list_changed` (client → server)
pub const NOTIFICATION_ROOTS_LIST_CHANGED: &str = "notifications/roots/list_changed";
