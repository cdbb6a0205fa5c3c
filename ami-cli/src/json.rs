//! JSON output: `Serialize` views of what the client returns, written
//! straight to the output (no intermediate tree; object keys keep their
//! order without serde_json's `preserve_order`).

use std::io::{self, Write};

use crate::term;
use ami_core::{Message, Reply};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde::Serialize as DeriveSerialize;

/// A message as a JSON object: every field under its wire key, in wire
/// order. A key that repeats (ignoring case, as AMI does) becomes one array
/// of its values, at the place of its first occurrence and spelled as
/// there. Invalid UTF-8 in keys or values is replaced (lossy).
pub struct MessageJson<'a>(pub &'a Message);

impl Serialize for MessageJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let groups = self.0.grouped();
        let mut map = s.serialize_map(Some(groups.len()))?;
        for (key, values) in &groups {
            match values.as_slice() {
                [one] => map.serialize_entry(key, &one.to_string_lossy())?,
                many => {
                    let all: Vec<_> = many.iter().map(|v| v.to_string_lossy()).collect();
                    map.serialize_entry(key, &all)?
                }
            }
        }
        map.end()
    }
}

/// An event list answer: `{"response": …, "items": […], "complete": …}`
/// (`complete` is `null` when the answer was not a list).
#[derive(DeriveSerialize)]
pub struct ListJson<'a> {
    response: MessageJson<'a>,
    items: Vec<MessageJson<'a>>,
    complete: Option<MessageJson<'a>>,
}

impl<'a> ListJson<'a> {
    /// The view of `reply`.
    pub fn new(reply: &'a Reply) -> Self {
        ListJson {
            response: MessageJson(&reply.response),
            items: reply.items.iter().map(MessageJson).collect(),
            complete: reply.complete.as_ref().map(MessageJson),
        }
    }
}

/// A reconnect notice as one JSON line's object:
/// `{"Reconnected": {"down_since": "2026-12-01T20:00:00.123Z", "up_at": …,
/// "attempts": 2, "reason": "…"}}` (times in RFC 3339, UTC).
#[derive(DeriveSerialize)]
pub struct ReconnectedJson {
    #[serde(rename = "Reconnected")]
    gap: Gap,
}

#[derive(DeriveSerialize)]
struct Gap {
    down_since: String,
    up_at: String,
    attempts: u32,
    reason: String,
}

impl ReconnectedJson {
    /// The view of a notice.
    pub fn new(gap: &ami_core::events::Reconnected) -> Self {
        let time = |t| humantime::format_rfc3339_millis(t).to_string();
        ReconnectedJson {
            gap: Gap {
                down_since: time(gap.down_since),
                up_at: time(gap.up_at),
                attempts: gap.attempts,
                reason: gap.reason.to_string(),
            },
        }
    }
}

/// Writes one JSON document (pretty) or line (compact) to stdout. A closed
/// pipe is not an error.
pub(crate) fn print(j: &impl serde::Serialize, pretty: bool) -> Result<(), io::Error> {
    let mut out = io::stdout().lock();
    term::write_json(&mut out, j, pretty)?;
    out.flush()
}

pub(crate) fn print_doc(j: &impl serde::Serialize) {
    // A reader that went away (`| head`) is fine; nothing else can fail.
    let _ = print(j, true);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(m: &Message) -> String {
        serde_json::to_string(&MessageJson(m)).unwrap()
    }

    #[test]
    fn keeps_order_and_groups_repeated_keys() {
        let msg: Message = [
            ("Response", "Success"),
            ("Variable", "a=1"),
            ("Zeta", "z"),
            ("variable", "b=2"),
            ("Alpha", "\"q\""),
            ("VARIABLE", "c=3"),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            text(&msg),
            r#"{"Response":"Success","Variable":["a=1","b=2","c=3"],"Zeta":"z","Alpha":"\"q\""}"#
        );
    }

    #[test]
    fn a_hundred_thousand_distinct_keys_all_print() {
        let msg: Message = (0..100_000)
            .map(|i| (format!("Key{i}"), "v"))
            .chain([("KEY7".to_owned(), "again")])
            .collect();
        let parsed: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&text(&msg)).unwrap();
        assert_eq!(parsed.len(), 100_000);
        assert_eq!(parsed["Key7"], serde_json::json!(["v", "again"]));
    }

    #[test]
    fn invalid_utf8_is_lossy() {
        let mut msg = Message::new();
        msg.append("Key", &b"a\xffb"[..]);
        assert_eq!(text(&msg), "{\"Key\":\"a\u{fffd}b\"}");
    }

    #[test]
    fn list_without_completion_is_null() {
        let reply = Reply {
            response: [("Response", "Success")].into_iter().collect(),
            items: vec![[("Event", "Status")].into_iter().collect()],
            complete: None,
        };
        assert_eq!(
            serde_json::to_string(&ListJson::new(&reply)).unwrap(),
            r#"{"response":{"Response":"Success"},"items":[{"Event":"Status"}],"complete":null}"#
        );
    }
}
