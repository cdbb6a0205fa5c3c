//! `serde::Serialize` for [`Message`] (feature `serde`): a map of its fields
//! in wire order, secrets redacted.

use std::borrow::Cow;
use std::collections::hash_map::{Entry, HashMap};

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::message::{secret_assignment, Message};

/// One value or, for a repeated key, all of them.
enum Values<'a> {
    One(Cow<'a, str>),
    Many(Vec<Cow<'a, str>>),
}

impl Serialize for Values<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Values::One(v) => s.serialize_str(v),
            Values::Many(vs) => vs.serialize(s),
        }
    }
}

/// A message as a map (a JSON object): every field under its wire key, in
/// wire order. A key that repeats (ignoring case, as AMI does) becomes one
/// sequence of its values, at the place of its first occurrence. Invalid
/// UTF-8 is replaced (lossy). A secret value (by the one rule,
/// [`Message::is_secret`]) is written as `<redacted>`, and so is the value
/// part of a secret assignment (`Variable: PASSWORD=…`), so that a message
/// logged or forwarded as JSON carries no secret.
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
        let mut groups: Vec<(Cow<'_, str>, Values<'_>)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for field in self.fields() {
            let key = field.key();
            let raw = field.value().as_bytes();
            let value = if self.is_secret(&key) {
                Cow::Borrowed("<redacted>")
            } else if let Some(at) = secret_assignment(raw)
                .filter(|_| crate::secret_rule::holds_assignments(key.as_bytes()))
            {
                Cow::Owned(format!("{}<redacted>", String::from_utf8_lossy(&raw[..at])))
            } else {
                field.value().to_string_lossy()
            };
            match index.entry(key.to_ascii_lowercase()) {
                Entry::Occupied(at) => {
                    let slot = &mut groups[*at.get()].1;
                    match slot {
                        Values::Many(vs) => vs.push(value),
                        Values::One(first) => {
                            let first = std::mem::take(first);
                            *slot = Values::Many(vec![first, value]);
                        }
                    }
                }
                Entry::Vacant(at) => {
                    at.insert(groups.len());
                    groups.push((key, Values::One(value)));
                }
            }
        }
        let mut map = s.serialize_map(Some(groups.len()))?;
        for (key, values) in &groups {
            map.serialize_entry(key, values)?;
        }
        map.end()
    }
}
