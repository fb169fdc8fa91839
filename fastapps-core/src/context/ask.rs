//! `Context`'s questions to the client while a request runs, in both eras.
//!
//! Up to 2025-11-25 the question is a request of its own on the call's event stream, and the
//! handler waits for the client's reply. From 2026-07-28 on (multi round-trip requests) the
//! server may not send requests: the call ends with an `InputRequiredResult` that lists the
//! questions under keys, and the client retries the call with the answers under the same keys.
//! The handler then runs again from the top and finds each answer where it asked.
//!
//! So a handler that asks is written once: `ctx.elicit(…).await?` waits for the answer (legacy)
//! or gets it from the retry (modern); when it is not there yet, the ask records the question
//! and fails with [`ContextError::InputRequired`], which `?` carries out of the handler, and
//! the server answers with every question asked.

use serde::de::DeserializeOwned;
use serde_json::Map;

use super::request::{Context, ContextError};
use crate::protocol::modern::InputRequest;
use crate::protocol::{
    ClientCapabilities, CreateMessageParams, CreateMessageResult, ElicitParams, ElicitResult, Era, ListRootsResult,
    methods,
};

/// The capability each kind of input needs.
fn capability_of(method: &str) -> (&'static str, fn(&ClientCapabilities) -> bool) {
    match method {
        methods::ELICITATION_CREATE => ("elicitation", ClientCapabilities::supports_elicitation),
        methods::SAMPLING_CREATE_MESSAGE => ("sampling", ClientCapabilities::supports_sampling),
        _ => ("roots", ClientCapabilities::supports_roots),
    }
}

impl Context {
    /// Asks the client's model for a completion (`sampling/createMessage`) and waits for it.
    ///
    /// On a 2026-07-28 request the answer comes with the client's retry instead (see
    /// [`create_message_as`](Self::create_message_as)); the question's key is
    /// `sampling-<n>`, counting this handler's sampling asks.
    pub async fn create_message(&self, params: CreateMessageParams) -> Result<CreateMessageResult, ContextError> {
        self.ask(None, InputRequest::sampling(&params), &params).await
    }

    /// Asks the user for input (`elicitation/create`) and waits for the answer.
    ///
    /// On a 2026-07-28 request the answer comes with the client's retry instead (see
    /// [`elicit_as`](Self::elicit_as)); the question's key is `elicitation-<n>`.
    pub async fn elicit(&self, params: ElicitParams) -> Result<ElicitResult, ContextError> {
        self.ask(None, InputRequest::elicitation(&params), &params).await
    }

    /// Asks the client for its roots (`roots/list`) and waits for them.
    ///
    /// On a 2026-07-28 request the answer comes with the client's retry instead; the
    /// question's key is `roots-<n>`.
    pub async fn list_roots(&self) -> Result<ListRootsResult, ContextError> {
        self.ask(None, InputRequest::list_roots(), &Map::new()).await
    }

    /// [`elicit`](Self::elicit), naming the question `key` in a 2026-07-28
    /// `InputRequiredResult` (the key is unused before 2026-07-28).
    ///
    /// On a modern request, the answer is the client's `inputResponses[key]` from this retry
    /// or an earlier one. Without it, the question is recorded and the call fails with
    /// [`ContextError::InputRequired`]: return that error (with `?`) and the server answers
    /// with every question the handler asked. The client retries the whole request with the
    /// answers, so the handler runs again from the top: keep what it does before its
    /// questions free of side effects, or make it idempotent. To ask several questions in
    /// one round, start them together, e.g. with `tokio::join!`.
    ///
    /// ```no_run
    /// # use fastapps_core::prelude::*;
    /// # use fastapps_core::protocol::ElicitParams;
    /// # use fastapps_core::serde_json::json;
    /// # async fn run(ctx: &Context) -> Result<CallToolResult> {
    /// let schema = json!({ "type": "object", "properties": { "name": { "type": "string" } }, "required": ["name"] });
    /// let answer = ctx.elicit_as("user_name", ElicitParams::form("What is your name?", schema)).await?;
    /// let name = answer.content.and_then(|c| c.get("name").cloned()).unwrap_or_default();
    /// Ok(CallToolResult::text(format!("Hello, {name}!")))
    /// # }
    /// ```
    pub async fn elicit_as(&self, key: &str, params: ElicitParams) -> Result<ElicitResult, ContextError> {
        self.ask(Some(key), InputRequest::elicitation(&params), &params).await
    }

    /// [`create_message`](Self::create_message), naming the question `key` (see
    /// [`elicit_as`](Self::elicit_as)).
    pub async fn create_message_as(
        &self,
        key: &str,
        params: CreateMessageParams,
    ) -> Result<CreateMessageResult, ContextError> {
        self.ask(Some(key), InputRequest::sampling(&params), &params).await
    }

    /// [`list_roots`](Self::list_roots), naming the question `key` (see
    /// [`elicit_as`](Self::elicit_as)).
    pub async fn list_roots_as(&self, key: &str) -> Result<ListRootsResult, ContextError> {
        self.ask(Some(key), InputRequest::list_roots(), &Map::new()).await
    }

    /// One question to the client: a request on the stream (legacy) or a key of the round
    /// (modern).
    pub(super) async fn ask<P: serde::Serialize, R: DeserializeOwned>(
        &self,
        key: Option<&str>,
        question: InputRequest,
        params: &P,
    ) -> Result<R, ContextError> {
        let method: &'static str = match question.method.as_str() {
            methods::ELICITATION_CREATE => methods::ELICITATION_CREATE,
            methods::SAMPLING_CREATE_MESSAGE => methods::SAMPLING_CREATE_MESSAGE,
            _ => methods::ROOTS_LIST,
        };
        let (capability, has) = capability_of(method);
        if self.era() == Era::Legacy {
            self.require_capability(capability, has)?;
            return self.request_on_stream(method, params).await;
        }
        let Some(round) = self.input_round() else { return Err(ContextError::NotAvailable("input requests")) };
        if let Err(missing) = self.require_capability(capability, has) {
            round.lacks(capability);
            return Err(missing);
        }
        let (key, answer) = round.answer(key, method, question);
        let Some(answer) = answer else { return Err(ContextError::InputRequired) };
        serde_json::from_value(answer).map_err(|e| {
            let reason = e.to_string();
            round.misfits(&key, &reason);
            ContextError::InvalidInputResponse { key, reason }
        })
    }
}
