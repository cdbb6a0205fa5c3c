//! JSON output: a small ordered value type (object keys keep their order
//! without switching serde_json's `preserve_order` on for the whole
//! workspace) and the conversion of a [`Message`] into it.

use ami_core::{Message, Reply};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// A JSON value whose objects keep their keys in insertion order.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Int(u64),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Json>),
    /// An object, keys in order.
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// An object from `(key, value)` pairs.
    pub fn obj<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Json)>) -> Json {
        Json::Obj(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A string, or `null` for `None`.
    pub fn opt_str(s: Option<&str>) -> Json {
        s.map_or(Json::Null, |s| Json::Str(s.to_owned()))
    }

    /// An array of strings.
    pub fn strs<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Json {
        Json::Arr(
            items
                .into_iter()
                .map(|s| Json::Str(s.as_ref().to_owned()))
                .collect(),
        )
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Int(n) => s.serialize_u64(*n),
            Json::Str(v) => s.serialize_str(v),
            Json::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Obj(pairs) => {
                let mut map = s.serialize_map(Some(pairs.len()))?;
                for (k, v) in pairs {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// A reconnect notice as one JSON line's object:
/// `{"Reconnected": {"down_since": "2026-12-01T20:00:00.123Z", "up_at": …,
/// "attempts": 2, "reason": "…"}}` (times in RFC 3339, UTC).
pub fn reconnected(gap: &ami_core::events::Reconnected) -> Json {
    let time = |t| Json::Str(humantime::format_rfc3339_millis(t).to_string());
    Json::obj([(
        "Reconnected",
        Json::obj([
            ("down_since", time(gap.down_since)),
            ("up_at", time(gap.up_at)),
            ("attempts", Json::Int(u64::from(gap.attempts))),
            ("reason", Json::Str(gap.reason.clone())),
        ]),
    )])
}

/// A message as a JSON object: every field under its wire key, in wire
/// order. A key that repeats (ignoring case, as AMI does) becomes one array
/// of its values, at the place of its first occurrence and spelled as
/// there. Invalid UTF-8 in keys or values is replaced (lossy).
pub fn message(msg: &Message) -> Json {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    // Where each key (ignoring case) is in `groups`: linear in the number
    // of fields, however many distinct keys a peer sends.
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for field in msg.fields() {
        let key = field.key();
        let value = field.value().to_string_lossy().into_owned();
        match index.entry(key.to_ascii_lowercase()) {
            std::collections::hash_map::Entry::Occupied(at) => groups[*at.get()].1.push(value),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(groups.len());
                groups.push((key.into_owned(), vec![value]));
            }
        }
    }
    Json::Obj(
        groups
            .into_iter()
            .map(|(k, mut values)| {
                let v = if values.len() == 1 {
                    Json::Str(values.pop().unwrap_or_default())
                } else {
                    Json::Arr(values.into_iter().map(Json::Str).collect())
                };
                (k, v)
            })
            .collect(),
    )
}

/// An event list answer: `{"response": …, "items": […], "complete": …}`
/// (`complete` is `null` when the answer was not a list).
pub fn list(reply: &Reply) -> Json {
    Json::obj([
        ("response", message(&reply.response)),
        (
            "items",
            Json::Arr(reply.items.iter().map(message).collect()),
        ),
        (
            "complete",
            reply.complete.as_ref().map_or(Json::Null, message),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(j: &Json) -> String {
        serde_json::to_string(j).unwrap()
    }

    #[test]
    fn keeps_order_and_groups_repeated_keys() {
        let msg: Message = [
            ("Response", "Success"),
            ("Variable", "a=1"),
            ("Zeta", "z"),
            ("variable", "b=2"),
            ("Alpha", "\"q\""),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            text(&message(&msg)),
            r#"{"Response":"Success","Variable":["a=1","b=2"],"Zeta":"z","Alpha":"\"q\""}"#
        );
    }

    #[test]
    fn a_hundred_thousand_distinct_keys_all_print() {
        let msg: Message = (0..100_000)
            .map(|i| (format!("Key{i}"), "v"))
            .chain([("KEY7".to_owned(), "again")])
            .collect();
        let Json::Obj(pairs) = message(&msg) else {
            panic!("not an object")
        };
        assert_eq!(pairs.len(), 100_000);
        assert_eq!(text(&pairs[7].1), r#"["v","again"]"#);
    }

    #[test]
    fn invalid_utf8_is_lossy() {
        let mut msg = Message::new();
        msg.append("Key", &b"a\xffb"[..]);
        assert_eq!(text(&message(&msg)), "{\"Key\":\"a\u{fffd}b\"}");
    }

    #[test]
    fn list_without_completion_is_null() {
        let reply = Reply {
            response: [("Response", "Success")].into_iter().collect(),
            items: vec![[("Event", "Status")].into_iter().collect()],
            complete: None,
        };
        assert_eq!(
            text(&list(&reply)),
            r#"{"response":{"Response":"Success"},"items":[{"Event":"Status"}],"complete":null}"#
        );
    }
}
