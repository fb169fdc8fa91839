//! Reading a `text/event-stream` body as the JSON messages its events carry.

use axum::body::Body;
use bytes::{Buf, BytesMut};
use http_body_util::BodyExt as _;
use serde_json::Value;

use super::error::TestError;

/// The events of a response body, read as they arrive.
pub(crate) struct Events {
    body: Body,
    buffer: BytesMut,
}

impl Events {
    pub(crate) fn new(body: Body) -> Self {
        Self { body, buffer: BytesMut::new() }
    }

    /// The next event's data as JSON; `None` at the end of the stream. Comments (keep-alives)
    /// and events without data (priming events) are passed over.
    pub(crate) async fn next(&mut self) -> Result<Option<Value>, TestError> {
        loop {
            while let Some(end) = find_event_end(&self.buffer) {
                let event = self.buffer.split_to(end.0);
                self.buffer.advance(end.1);
                if let Some(data) = data_of(&event)? {
                    return Ok(Some(data));
                }
            }
            match self.body.frame().await {
                None => return Ok(None),
                Some(Err(e)) => return Err(TestError::Unexpected(format!("the event stream failed: {e}"))),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.buffer.extend_from_slice(&data);
                    }
                }
            }
        }
    }
}

/// Where the first event of `buffer` ends: its length, and the length of the blank line after
/// it.
fn find_event_end(buffer: &[u8]) -> Option<(usize, usize)> {
    let text = buffer;
    (0..text.len()).find_map(|i| {
        if text[i..].starts_with(b"\r\n\r\n") {
            Some((i, 4))
        } else if text[i..].starts_with(b"\n\n") {
            Some((i, 2))
        } else {
            None
        }
    })
}

/// The JSON of an event's `data:` lines, joined; `None` for an event without data.
fn data_of(event: &[u8]) -> Result<Option<Value>, TestError> {
    let text = std::str::from_utf8(event).map_err(|_| TestError::Unexpected("an event is not UTF-8".into()))?;
    let data: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(|data| data.strip_prefix(' ').unwrap_or(data))
        .collect();
    if data.iter().all(|d| d.is_empty()) {
        return Ok(None);
    }
    serde_json::from_str(&data.join("\n"))
        .map(Some)
        .map_err(|e| TestError::Unexpected(format!("an event's data is not JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_data_and_skips_comments_and_empty_events() {
        let body = Body::from(
            ": keep-alive\n\nid: 1\ndata:\n\nevent: message\ndata: {\"a\":1}\n\ndata: [1,\ndata: 2]\r\n\r\n",
        );
        let mut events = Events::new(body);
        assert_eq!(events.next().await.unwrap(), Some(serde_json::json!({ "a": 1 })));
        assert_eq!(events.next().await.unwrap(), Some(serde_json::json!([1, 2])));
        assert_eq!(events.next().await.unwrap(), None);
    }
}
