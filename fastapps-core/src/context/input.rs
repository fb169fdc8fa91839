//! [`InputRound`]: the questions and answers of one 2026-07-28 request that may ask the client
//! for input (see `ask.rs` for how a handler asks).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};

use serde_json::{Map, Value};

use crate::protocol::methods;
use crate::protocol::modern::InputRequest;

/// One round of a multi round-trip request: the answers the client has given so far (from
/// this retry and, through the request state, from earlier ones) and the questions this run of
/// the handler asked that have no answer yet.
#[derive(Debug, Default)]
pub(crate) struct InputRound {
    answers: Map<String, Value>,
    /// The keys of the answers this run of the handler read.
    used: Mutex<BTreeSet<String>>,
    asked: Mutex<BTreeMap<String, InputRequest>>,
    /// The client capability an ask needed and the client did not declare.
    missing_capability: Mutex<Option<&'static str>>,
    /// An answer that does not fit its question: its key and why.
    invalid_answer: Mutex<Option<(String, String)>>,
    elicitations: AtomicU32,
    samplings: AtomicU32,
    root_lists: AtomicU32,
}

impl InputRound {
    pub(crate) fn new(answers: Map<String, Value>) -> Self {
        Self { answers, ..Self::default() }
    }

    /// The answers this run of the handler read, to carry into the next round (answers to
    /// questions it no longer asks are dropped).
    pub(crate) fn answers_read(&self) -> Map<String, Value> {
        let used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        self.answers.iter().filter(|(k, _)| used.contains(*k)).map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// The questions asked and not answered, if any.
    pub(crate) fn take_asked(&self) -> BTreeMap<String, InputRequest> {
        std::mem::take(&mut *self.asked.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub(crate) fn missing_capability(&self) -> Option<&'static str> {
        *self.missing_capability.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn invalid_answer(&self) -> Option<(String, String)> {
        self.invalid_answer.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The client's answer to `question` under `key` (numbered by kind when none is given), read
    /// now; without one, the question is recorded as asked.
    pub(crate) fn answer(&self, key: Option<&str>, method: &str, question: InputRequest) -> (String, Option<Value>) {
        let key = key.map_or_else(|| self.auto_key(method), str::to_owned);
        match self.answers.get(&key) {
            Some(answer) => {
                self.used.lock().unwrap_or_else(PoisonError::into_inner).insert(key.clone());
                let answer = answer.clone();
                (key, Some(answer))
            }
            None => {
                self.asked.lock().unwrap_or_else(PoisonError::into_inner).insert(key.clone(), question);
                (key, None)
            }
        }
    }

    /// Records that an ask needed `capability` and the client did not declare it.
    pub(crate) fn lacks(&self, capability: &'static str) {
        *self.missing_capability.lock().unwrap_or_else(PoisonError::into_inner) = Some(capability);
    }

    /// Records that the answer under `key` does not fit its question, for `reason`.
    pub(crate) fn misfits(&self, key: &str, reason: &str) {
        *self.invalid_answer.lock().unwrap_or_else(PoisonError::into_inner) = Some((key.to_owned(), reason.to_owned()));
    }

    fn auto_key(&self, method: &str) -> String {
        let (counter, prefix) = match method {
            methods::ELICITATION_CREATE => (&self.elicitations, "elicitation"),
            methods::SAMPLING_CREATE_MESSAGE => (&self.samplings, "sampling"),
            _ => (&self.root_lists, "roots"),
        };
        format!("{prefix}-{}", counter.fetch_add(1, Ordering::Relaxed) + 1)
    }
}
