//! `serde::Serialize` for [`Message`] (feature `serde`): a map of its fields
//! in wire order, secrets redacted.

use std::borrow::Cow;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::message::{secret_assignment, Message, Text};
use ami_wire::secret::{holds_assignments, holds_json, redact_json};

/// A message as a map (a JSON object): every field under its wire key, in
/// wire order. A key that repeats (ignoring case, as AMI does) becomes one
/// sequence of its values, at the place of its first occurrence
/// ([`Message::grouped`]). Invalid UTF-8 is replaced (lossy). A secret
/// value (by the one rule, [`Message::is_secret`]) is written as
/// `<redacted>`, and so is the value part of a secret assignment
/// (`Variable: PASSWORD=…`), so that a message logged or forwarded as JSON
/// carries no secret.
///
/// ```
/// let msg: ami_core::Message = [("Event", "VarSet"), ("Variable", "X"), ("Variable", "Y"), ("Secret", "s")]
///     .into_iter()
///     .collect();
/// assert_eq!(
///     serde_json::to_string(&msg).unwrap(),
///     r#"{"Event":"VarSet","Variable":["X","Y"],"Secret":"<redacted>"}"#
/// );
/// ```
impl Serialize for Message {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let groups = self.grouped();
        let mut map = s.serialize_map(Some(groups.len()))?;
        for (key, values) in &groups {
            let secret = self.is_secret(key);
            let values = Values {
                key,
                values,
                secret,
            };
            map.serialize_entry(key, &values)?;
        }
        map.end()
    }
}

/// The value of a key, or the sequence of them, redacted as needed.
struct Values<'a> {
    key: &'a str,
    values: &'a [&'a Text],
    secret: bool,
}

impl Values<'_> {
    fn shown(&self, value: &Text) -> Cow<'_, str> {
        let raw = value.as_bytes();
        if self.secret {
            Cow::Borrowed("<redacted>")
        } else if let Some(shown) = redact_json(raw).filter(|_| holds_json(self.key.as_bytes())) {
            Cow::Owned(String::from_utf8_lossy(&shown).into_owned())
        } else if let Some(at) =
            secret_assignment(raw).filter(|_| holds_assignments(self.key.as_bytes()))
        {
            Cow::Owned(format!("{}<redacted>", String::from_utf8_lossy(&raw[..at])))
        } else {
            Cow::Owned(value.to_string_lossy().into_owned())
        }
    }
}

impl Serialize for Values<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.values {
            [one] => s.serialize_str(&self.shown(one)),
            many => {
                let mut seq = s.serialize_seq(Some(many.len()))?;
                for v in many {
                    seq.serialize_element(&self.shown(v))?;
                }
                seq.end()
            }
        }
    }
}
