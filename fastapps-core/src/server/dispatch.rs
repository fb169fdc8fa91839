//! Method dispatch: a decoded request in, a JSON-RPC result or error out.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt as _;
use serde_json::value::RawValue;
use tokio_util::sync::CancellationToken;

use super::reply::HttpError;
use super::request_state::{self, Binding};
use super::session::Session;
use super::state::ServerState;
use crate::auth::RefusalMode;
use crate::context::{AccessToken, Context, InputRound, Peer};
use crate::protocol::jsonrpc::{parse_params, to_raw};
use crate::protocol::modern::{DiscoverResult, InputRequiredResult, ResultType};
use crate::protocol::{
    CallToolParams, CallToolResult, CompleteParams, CompleteResult, Completion, CompletionReference, Era, ErrorObject,
    GetPromptParams, InitializeParams, InitializeResult, LoggingLevel, Meta, PaginatedParams, ProtocolVersion,
    RequestId, ResourceUriParams, SetLevelParams, methods,
};
use crate::registry::{Refusal, ResourceRequest};
use http::StatusCode;

/// Why a request got no result.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A JSON-RPC error.
    Rpc(ErrorObject),
    /// An HTTP-level refusal (a tool's authorization in the HTTP form).
    Http(HttpError),
}

impl From<ErrorObject> for Failure {
    fn from(error: ErrorObject) -> Self {
        Self::Rpc(error)
    }
}

pub(crate) type RpcResult = Result<Box<RawValue>, Failure>;

/// What a handler needs to build its [`Context`] once the params (and their `_meta`) are read.
pub(crate) struct Scope {
    pub(crate) id: RequestId,
    pub(crate) peer: Peer,
    pub(crate) cancellation: CancellationToken,
    /// The authenticated caller.
    pub(crate) user: Option<Arc<AccessToken>>,
}

impl Scope {
    fn era(&self) -> Era {
        self.peer.client.protocol_version.era()
    }

    fn context(self, meta: Option<Meta>, round: Option<&Round>) -> Context {
        let input = round.map(|r| r.round.clone());
        Context::new(self.id, meta, self.peer, self.cancellation, self.user, input)
    }
}

/// The multi round-trip state of a 2026-07-28 `tools/call`, `prompts/get` or `resources/read`.
struct Round {
    round: Arc<InputRound>,
    binding: Binding,
}

impl Round {
    /// The round of a request, from its `inputResponses` and `requestState`; `None` before
    /// 2026-07-28. Each answer must be an object (a result); the state must verify.
    fn open(
        state: &ServerState,
        scope: &Scope,
        method: &'static str,
        name: &str,
        arguments: &impl serde::Serialize,
        input_responses: Option<serde_json::Value>,
        request_state: Option<&str>,
    ) -> Result<Option<Self>, ErrorObject> {
        if scope.era() != Era::Modern {
            return Ok(None);
        }
        let binding = Binding::new(method, name, arguments, scope.user.as_deref());
        let mut answers = match request_state {
            Some(sealed) => request_state::open(&state.request_state_key, &binding, sealed)?,
            None => serde_json::Map::new(),
        };
        match input_responses {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::Object(responses)) => {
                for (key, answer) in responses {
                    if !answer.is_object() {
                        return Err(ErrorObject::invalid_params(format!(
                            "Invalid params: inputResponses[{key:?}] must be an object: the result of the request asked under that key"
                        )));
                    }
                    answers.insert(key, answer);
                }
            }
            Some(_) => return Err(ErrorObject::invalid_params("Invalid params: inputResponses must be an object")),
        }
        Ok(Some(Self { round: Arc::new(InputRound::new(answers)), binding }))
    }

    /// What the request is answered with when the handler failed on an answer that does not
    /// fit its question (`-32602`), asked for input (the questions and a sealed state carrying
    /// the answers it read), or failed for a capability the client lacks (`-32021`); `None`
    /// when the handler's own outcome stands.
    fn settle(&self, state: &ServerState, failed: bool) -> Option<Result<Box<RawValue>, ErrorObject>> {
        if let (true, Some((key, reason))) = (failed, self.round.invalid_answer()) {
            return Some(Err(ErrorObject::invalid_params(format!(
                "Invalid params: inputResponses[{key:?}] is not an answer to its question: {reason}"
            ))));
        }
        let asked = self.round.take_asked();
        if !asked.is_empty() {
            let sealed = request_state::seal(
                &state.request_state_key,
                &self.binding,
                self.round.answers_read(),
                state.config.request_state_ttl,
            );
            let result = InputRequiredResult {
                result_type: ResultType::InputRequired,
                input_requests: Some(asked),
                request_state: Some(sealed),
                meta: None,
            };
            return Some(to_raw(&result));
        }
        match (failed, self.round.missing_capability()) {
            (true, Some(capability)) => {
                let mut required = serde_json::Map::new();
                required.insert(capability.to_owned(), serde_json::json!({}));
                Some(Err(ErrorObject::missing_client_capability(serde_json::Value::Object(required))))
            }
            _ => None,
        }
    }
}

fn empty_object() -> Box<RawValue> {
    RawValue::from_string("{}".to_owned()).unwrap_or_else(|_| unreachable!("{{}} is valid JSON"))
}

/// The `initialize` result for a client, with the negotiated version.
pub(crate) fn initialize(state: &ServerState, params: &InitializeParams) -> (ProtocolVersion, InitializeResult) {
    let version = ProtocolVersion::negotiate(&params.protocol_version);
    let result = InitializeResult {
        protocol_version: version.as_str().to_owned(),
        capabilities: state.capabilities.clone(),
        server_info: state.server_info.clone(),
        instructions: state.instructions.clone(),
    };
    (version, result)
}

/// Answers one request.
pub(crate) async fn dispatch(
    state: Arc<ServerState>,
    session: Option<Arc<Session>>,
    method: &str,
    params: Option<Box<RawValue>>,
    scope: Scope,
) -> RpcResult {
    if method == methods::TOOLS_CALL {
        // The one method whose refusal may be an HTTP status: decided here, before any reply.
        match parse_params(params.as_deref()) {
            Ok(params) => call_tool(&state, params, scope).await,
            Err(e) => Err(Failure::Rpc(e)),
        }
    } else {
        answer(&state, session, method, params.as_deref(), scope).await.map_err(Failure::Rpc)
    }
}

/// The `server/discover` result.
pub(crate) fn discover(state: &ServerState) -> Result<Box<RawValue>, ErrorObject> {
    let result = DiscoverResult {
        result_type: ResultType::Complete,
        supported_versions: ProtocolVersion::SUPPORTED.iter().map(|v| v.as_str().to_owned()).collect(),
        capabilities: state.capabilities.clone(),
        instructions: state.instructions.clone(),
        ttl_ms: state.config.cache.ttl_ms,
        cache_scope: state.config.cache.scope,
        meta: None,
    };
    to_raw(&result)
}

async fn answer(
    state: &Arc<ServerState>,
    session: Option<Arc<Session>>,
    method: &str,
    params: Option<&RawValue>,
    scope: Scope,
) -> Result<Box<RawValue>, ErrorObject> {
    let registry = &state.registry;
    match method {
        methods::SERVER_DISCOVER if scope.era() == Era::Modern => discover(state),
        methods::PING => Ok(empty_object()),
        methods::INITIALIZE => {
            // Reached only when a session-bound request repeats `initialize`; answer it
            // without creating anything.
            let params: InitializeParams = parse_params(params)?;
            to_raw(&initialize(state, &params).1)
        }
        methods::TOOLS_LIST => {
            let p: PaginatedParams = parse_params(params)?;
            registry.tools_page(p.cursor.as_deref()).map(ToOwned::to_owned)
        }
        methods::RESOURCES_LIST => {
            let p: PaginatedParams = parse_params(params)?;
            let dialect = state.widgets.dialect(scope.peer.client.declares_mcp_apps());
            registry.resources_page(p.cursor.as_deref(), dialect).map(ToOwned::to_owned)
        }
        methods::RESOURCES_TEMPLATES_LIST => {
            let p: PaginatedParams = parse_params(params)?;
            let dialect = state.widgets.dialect(scope.peer.client.declares_mcp_apps());
            registry.templates_page(p.cursor.as_deref(), dialect).map(ToOwned::to_owned)
        }
        methods::RESOURCES_READ => read_resource(state, parse_params(params)?, scope).await,
        methods::RESOURCES_SUBSCRIBE => {
            let p: ResourceUriParams = parse_params(params)?;
            if let Some(session) = session {
                session.subscribe(p.uri);
            }
            Ok(empty_object())
        }
        methods::RESOURCES_UNSUBSCRIBE => {
            let p: ResourceUriParams = parse_params(params)?;
            if let Some(session) = session {
                session.unsubscribe(&p.uri);
            }
            Ok(empty_object())
        }
        methods::PROMPTS_LIST => {
            let p: PaginatedParams = parse_params(params)?;
            registry.prompts_page(p.cursor.as_deref()).map(ToOwned::to_owned)
        }
        methods::PROMPTS_GET => get_prompt(state, parse_params(params)?, scope).await,
        methods::COMPLETION_COMPLETE => complete(state, parse_params(params)?).await,
        methods::LOGGING_SET_LEVEL => {
            let p: SetLevelParams = parse_params(params)?;
            let level: LoggingLevel = p.level.parse().map_err(|e: String| {
                ErrorObject::invalid_params(format!(
                    "Invalid log level: {e}; use debug, info, notice, warning, error, critical, alert or emergency"
                ))
            })?;
            scope.peer.client.set_log_level(level);
            Ok(empty_object())
        }
        _ => Err(ErrorObject::method_not_found(method)),
    }
}

/// Runs a user handler, turning a panic into an internal error instead of a dropped
/// connection.
async fn guarded<T>(name: &str, handler: impl Future<Output = crate::error::Result<T>>) -> crate::error::Result<T> {
    match AssertUnwindSafe(handler).catch_unwind().await {
        Ok(result) => result,
        Err(_) => {
            tracing::error!(handler = name, "a handler panicked");
            Err(crate::error::Error::rpc(ErrorObject::internal(format!("Internal error in {name}"))))
        }
    }
}

async fn call_tool(state: &ServerState, params: CallToolParams, scope: Scope) -> RpcResult {
    let tool = state
        .registry
        .tool(&params.name)
        .ok_or_else(|| ErrorObject::invalid_params(format!("Unknown tool: {}", params.name)))?;
    let args = params.arguments.unwrap_or_default();
    let round = Round::open(
        state,
        &scope,
        methods::TOOLS_CALL,
        &params.name,
        &args,
        params.input_responses,
        params.request_state.as_deref(),
    )?;
    let ctx = scope.context(params.meta, round.as_ref());
    if let Err(refusal) = tool.security.authorize(ctx.user().ok()) {
        return refuse(state, &ctx, &params.name, tool.security.scopes(), &refusal);
    }
    let outcome = guarded(&params.name, (tool.handler)(args, ctx)).await;
    if let Some(settled) = round.as_ref().and_then(|r| r.settle(state, outcome.is_err())) {
        return Ok(settled?);
    }
    let result = match outcome {
        Ok(result) => result,
        Err(err) => match err.as_rpc() {
            Some(_) => return Err(Failure::Rpc(err.into_rpc())),
            None => {
                tracing::debug!(tool = %params.name, error = %err, "tool returned an error");
                CallToolResult::error(err.to_string())
            }
        },
    };
    Ok(to_raw(&result)?)
}

/// The answer to a call the tool's requirement refuses: an HTTP challenge (401/403) or a
/// result carrying it in `_meta["mcp/www_authenticate"]`, per the server's refusal mode.
fn refuse(state: &ServerState, ctx: &Context, tool: &str, tool_scopes: &[String], refusal: &Refusal) -> RpcResult {
    let (message, description) = match refusal {
        Refusal::Unauthenticated { .. } => {
            (format!("Authentication required: sign in to use {tool}."), "Sign in to continue".to_owned())
        }
        Refusal::InsufficientScope { missing, .. } => (
            format!("Permission required: {tool} needs the scopes {}.", missing.join(", ")),
            format!("Additional permission required: {}", missing.join(" ")),
        ),
    };
    let Some(auth) = &state.auth else {
        // No authorization server to send the caller to: say so plainly.
        return Ok(to_raw(&CallToolResult::error(message))?);
    };
    let scopes = auth.scopes_for(tool_scopes);
    let http = match auth.refusal {
        RefusalMode::Http => true,
        RefusalMode::ToolResult => false,
        RefusalMode::Hybrid => !ctx.is_chatgpt(),
    };
    if http {
        let refusal = match refusal {
            Refusal::Unauthenticated { .. } => HttpError::oauth(
                StatusCode::UNAUTHORIZED,
                auth.missing_token(&scopes).to_string(),
                "invalid_token",
                "Authorization required",
            ),
            Refusal::InsufficientScope { .. } => HttpError::oauth(
                StatusCode::FORBIDDEN,
                auth.insufficient_scope(&scopes, &description).to_string(),
                "insufficient_scope",
                &description,
            ),
        };
        return Err(Failure::Http(refusal));
    }
    // ChatGPT's account linking reads this: it needs `error` and `error_description`.
    let challenge = auth.insufficient_scope(&scopes, &description).to_string();
    let mut meta = crate::protocol::Meta::new();
    meta.insert("mcp/www_authenticate".into(), serde_json::json!([challenge]));
    Ok(to_raw(&CallToolResult::error(message).with_meta(meta))?)
}

async fn read_resource(
    state: &ServerState,
    params: ResourceUriParams,
    scope: Scope,
) -> Result<Box<RawValue>, ErrorObject> {
    let registry = &state.registry;
    let (reader, variables) = match registry.resource(&params.uri) {
        Some(def) => (&def.reader, HashMap::new()),
        None => match registry.match_template(&params.uri) {
            Some((def, variables)) => (&def.reader, variables),
            None => return Err(ErrorObject::resource_not_found(&params.uri)),
        },
    };
    let round = Round::open(
        state,
        &scope,
        methods::RESOURCES_READ,
        &params.uri,
        &serde_json::Value::Null,
        params.input_responses,
        params.request_state.as_deref(),
    )?;
    let ctx = scope.context(params.meta, round.as_ref());
    let request = ResourceRequest { uri: params.uri.clone(), variables };
    let outcome = guarded(&params.uri, reader(request, ctx)).await;
    if let Some(settled) = round.as_ref().and_then(|r| r.settle(state, outcome.is_err())) {
        return settled;
    }
    to_raw(&outcome.map_err(crate::error::Error::into_rpc)?)
}

async fn get_prompt(state: &ServerState, params: GetPromptParams, scope: Scope) -> Result<Box<RawValue>, ErrorObject> {
    let prompt = state
        .registry
        .prompt(&params.name)
        .ok_or_else(|| ErrorObject::invalid_params(format!("Unknown prompt: {}", params.name)))?;
    let args = params.arguments.unwrap_or_default();
    if let Some(missing) = prompt.missing_argument(&args) {
        return Err(ErrorObject::invalid_params(format!(
            "Missing required argument {missing:?} for prompt {:?}",
            params.name
        )));
    }
    let round = Round::open(
        state,
        &scope,
        methods::PROMPTS_GET,
        &params.name,
        // Sorted, so equal arguments bind equally (`serde_json::Map` is sorted already).
        &args.iter().collect::<std::collections::BTreeMap<_, _>>(),
        params.input_responses,
        params.request_state.as_deref(),
    )?;
    let ctx = scope.context(params.meta, round.as_ref());
    let outcome = guarded(&params.name, (prompt.handler)(args, ctx)).await;
    if let Some(settled) = round.as_ref().and_then(|r| r.settle(state, outcome.is_err())) {
        return settled;
    }
    to_raw(&outcome.map_err(crate::error::Error::into_rpc)?)
}

async fn complete(state: &ServerState, params: CompleteParams) -> Result<Box<RawValue>, ErrorObject> {
    let registry = &state.registry;
    let completers = match &params.reference {
        CompletionReference::Prompt { name } => {
            &registry
                .prompt(name)
                .ok_or_else(|| ErrorObject::invalid_params(format!("Unknown prompt: {name}")))?
                .completers
        }
        CompletionReference::Resource { uri } => {
            &registry
                .template(uri)
                .ok_or_else(|| ErrorObject::invalid_params(format!("Unknown resource template: {uri}")))?
                .completers
        }
    };
    let completion = match completers.get(&params.argument.name) {
        Some(completer) => {
            let context = params.context.map(|c| c.arguments).unwrap_or_default();
            let candidates = guarded("completion", completer(params.argument.value, context))
                .await
                .map_err(crate::error::Error::into_rpc)?;
            Completion::from_candidates(candidates)
        }
        None => Completion::from_candidates(Vec::new()),
    };
    to_raw(&CompleteResult { completion })
}
