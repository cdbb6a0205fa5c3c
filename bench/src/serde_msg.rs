//! The alternative decoding path of issue 4: a serde `Deserializer` over
//! [`Message`], and derived `Deserialize` structs equivalent to the generated
//! `Newchannel`, `Newexten`, `VarSet` and `Hangup`.
//!
//! Semantics kept equal to the generated `FromMessage` where the derive
//! allows it:
//! - keys match case-insensitively: the deserializer lower-cases each key on
//!   the stack and the structs rename every field to its lower-case wire key;
//! - text fields take the value as it is (`Some("")` for an empty value);
//! - integers: empty is `None`, a value that does not parse is `None` plus a
//!   [`BadField`] (the event is not lost), through the `int` helper;
//! - value enums use the generated `From<Value>` (unknown values kept);
//! - unknown keys are ignored; the raw message is kept beside the struct.
//!
//! Not equal: a key that repeats (`Variable`) is an error for serde's derive
//! ("duplicate field") where the generated code keeps the first value; none
//! of the four events repeats a key, so the measurement is unaffected, but a
//! real serde design needs a de-duplicating `MapAccess` (extra work per key).
//!
//! Text fields come in three flavours, to show where the time goes:
//! - [`Text`]: the value's shared buffer (`ami_core::Value`, one reference
//!   count), as the generated structs hold. serde's data model cannot carry a
//!   `Value`, so the deserializer hands it over through a thread-local when
//!   asked for the private newtype name `Text` uses (the trick serde_json's
//!   `RawValue` and toml's datetime use: a magic name, a side channel);
//! - `String`: idiomatic serde, one allocation and copy per text field;
//! - `&str`: borrowed from the message (zero copy; the struct cannot outlive
//!   the message, so it is not a drop-in for owned events).

use std::cell::Cell;
use std::fmt;

use ami_core::{Field, Message, Value};
use ami_types::enums::ChannelStateDesc;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

/// A deserialization error.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// A field whose value did not parse as its declared type.
#[derive(Debug)]
#[allow(dead_code)] // read by the tests and through Debug
pub struct BadField {
    /// The wire key.
    pub key: Value,
    /// The value as it arrived.
    pub value: Value,
}

/// Deserializes a whole message as a map of its fields.
struct MessageDe<'a, 'de> {
    fields: &'de [Field],
    errors: &'a mut Vec<BadField>,
}

impl<'de> Deserializer<'de> for MessageDe<'_, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(FieldsAccess {
            iter: self.fields.iter(),
            current: None,
            errors: self.errors,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

struct FieldsAccess<'a, 'de> {
    iter: std::slice::Iter<'de, Field>,
    current: Option<&'de Field>,
    errors: &'a mut Vec<BadField>,
}

impl<'de> MapAccess<'de> for FieldsAccess<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some(field) = self.iter.next() else {
            return Ok(None);
        };
        self.current = Some(field);
        seed.deserialize(KeyDe(field.key_bytes())).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let field = self
            .current
            .take()
            .ok_or_else(|| Error("value asked before its key".into()))?;
        seed.deserialize(ValueDe {
            field,
            errors: self.errors,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// Longest key that is lower-cased; longer ones match no field.
const MAX_KEY: usize = 64;

/// A key, lower-cased on the stack and offered as bytes (the derive's field
/// visitor matches bytes without a UTF-8 check).
struct KeyDe<'k>(&'k [u8]);

impl<'de> Deserializer<'de> for KeyDe<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let mut buf = [0u8; MAX_KEY];
        match buf.get_mut(..self.0.len()) {
            Some(out) => {
                for (o, k) in out.iter_mut().zip(self.0) {
                    *o = k.to_ascii_lowercase();
                }
                visitor.visit_bytes(out)
            }
            None => visitor.visit_bytes(self.0),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// One field's value.
struct ValueDe<'a, 'de> {
    field: &'de Field,
    errors: &'a mut Vec<BadField>,
}

impl<'de> Deserializer<'de> for ValueDe<'_, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let value = self.field.value();
        match value.as_str() {
            Some(s) => visitor.visit_borrowed_str(s),
            None => visitor.visit_borrowed_bytes(value.as_bytes()),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // Present means `Some`, even when empty (as the generated code).
        visitor.visit_some(self)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let value = self.field.value();
        let bytes = value.as_bytes().trim_ascii();
        if bytes.is_empty() {
            return visitor.visit_none();
        }
        match parse_i64(bytes) {
            Some(n) => visitor.visit_i64(n),
            None => {
                self.errors.push(BadField {
                    key: Value::from(self.field.key_bytes()),
                    value: value.clone(),
                });
                visitor.visit_none()
            }
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == TEXT {
            HANDOFF.with(|h| h.set(Some(self.field.value().clone())));
            visitor.visit_unit()
        } else {
            visitor.visit_newtype_struct(self)
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct enum identifier
    }
}

/// Decimal with an optional sign (what the generated runtime accepts).
fn parse_i64(bytes: &[u8]) -> Option<i64> {
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

/// The private newtype name that makes [`ValueDe`] hand over the `Value`.
const TEXT: &str = "$ami_bench::Text";

thread_local! {
    static HANDOFF: Cell<Option<Value>> = const { Cell::new(None) };
}

/// A text value sharing the frame's buffer (what generated structs hold).
#[derive(Clone, Debug, PartialEq)]
pub struct Text(pub Value);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(TEXT, TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a text value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
        HANDOFF
            .with(Cell::take)
            .map(Text)
            .ok_or_else(|| E::custom("Text outside a Message deserializer"))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Text, E> {
        Ok(Text(Value::from(s)))
    }

    fn visit_bytes<E: de::Error>(self, b: &[u8]) -> Result<Text, E> {
        Ok(Text(Value::from(b)))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Text, D::Error> {
        d.deserialize_str(self)
    }
}

/// `#[serde(deserialize_with)]` for integer fields: empty is `None`, a bad
/// value is `None` and a [`BadField`].
fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_i64(OptInt)
}

struct OptInt;

impl<'de> Visitor<'de> for OptInt {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer")
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Option<i64>, E> {
        Ok(Some(n))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Option<i64>, E> {
        i64::try_from(n).map(Some).map_err(E::custom)
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<i64>, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Option<i64>, E> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        s.parse().map(Some).map_err(E::custom)
    }
}

/// `#[serde(deserialize_with)]` for value enums: the generated `From<Value>`.
fn value_enum<'de, D: Deserializer<'de>, T: From<Value>>(d: D) -> Result<Option<T>, D::Error> {
    Text::deserialize(d).map(|t| Some(T::from(t.0)))
}

/// One struct per event: the channel block every channel event starts with,
/// then the event's own fields. `S` is the text type.
macro_rules! channel_event {
    ($(#[$doc:meta])* $name:ident { $($extra:tt)* }) => {
        $(#[$doc])*
        #[derive(Debug, Deserialize)]
        #[serde(bound(deserialize = "S: Deserialize<'de>"))]
        #[allow(dead_code)] // read through Debug/black_box only
        pub struct $name<S> {
            #[serde(rename = "channel")]
            pub channel: Option<S>,
            #[serde(rename = "channelstate", default, deserialize_with = "int")]
            pub channel_state: Option<i64>,
            #[serde(rename = "channelstatedesc", default, deserialize_with = "value_enum")]
            pub channel_state_desc: Option<ChannelStateDesc>,
            #[serde(rename = "calleridnum")]
            pub caller_id_num: Option<S>,
            #[serde(rename = "calleridname")]
            pub caller_id_name: Option<S>,
            #[serde(rename = "connectedlinenum")]
            pub connected_line_num: Option<S>,
            #[serde(rename = "connectedlinename")]
            pub connected_line_name: Option<S>,
            #[serde(rename = "language")]
            pub language: Option<S>,
            #[serde(rename = "accountcode")]
            pub account_code: Option<S>,
            #[serde(rename = "context")]
            pub context: Option<S>,
            #[serde(rename = "exten")]
            pub exten: Option<S>,
            #[serde(rename = "priority", default, deserialize_with = "int")]
            pub priority: Option<i64>,
            #[serde(rename = "uniqueid")]
            pub uniqueid: Option<S>,
            #[serde(rename = "linkedid")]
            pub linkedid: Option<S>,
            $($extra)*
        }
    };
}

channel_event!(
    /// `Newchannel`.
    Newchannel {}
);

channel_event!(
    /// `Newexten`.
    NewExten {
        #[serde(rename = "extension")]
        pub extension: Option<S>,
        #[serde(rename = "application")]
        pub application: Option<S>,
        #[serde(rename = "appdata")]
        pub app_data: Option<S>,
    }
);

channel_event!(
    /// `VarSet`.
    VarSet {
        #[serde(rename = "variable")]
        pub variable: Option<S>,
        #[serde(rename = "value")]
        pub value: Option<S>,
    }
);

channel_event!(
    /// `Hangup`.
    Hangup {
        #[serde(rename = "cause", default, deserialize_with = "int")]
        pub cause: Option<i64>,
        #[serde(rename = "cause-txt")]
        pub cause_txt: Option<S>,
        #[serde(rename = "techcause")]
        pub tech_cause: Option<S>,
    }
);

/// The four events, boxed as the generated `Event` boxes its variants.
#[derive(Debug)]
#[allow(dead_code)] // read through Debug/black_box only
pub enum FourEvents<S> {
    Newchannel(Box<Newchannel<S>>),
    NewExten(Box<NewExten<S>>),
    VarSet(Box<VarSet<S>>),
    Hangup(Box<Hangup<S>>),
    /// Any other message.
    Other,
}

/// Decodes `msg` through serde, dispatching on its event name (any case).
pub fn decode<'de, S: Deserialize<'de>>(
    msg: &'de Message,
    errors: &mut Vec<BadField>,
) -> Result<FourEvents<S>, Error> {
    let mut buf = [0u8; 16];
    let name = msg.event_name().map(Value::as_bytes).and_then(|n| {
        let out = buf.get_mut(..n.len())?;
        for (o, k) in out.iter_mut().zip(n) {
            *o = k.to_ascii_lowercase();
        }
        Some(&*out)
    });
    let de = MessageDe {
        fields: msg.fields(),
        errors,
    };
    Ok(match name {
        Some(b"newchannel") => FourEvents::Newchannel(Box::new(Deserialize::deserialize(de)?)),
        Some(b"newexten") => FourEvents::NewExten(Box::new(Deserialize::deserialize(de)?)),
        Some(b"varset") => FourEvents::VarSet(Box::new(Deserialize::deserialize(de)?)),
        Some(b"hangup") => FourEvents::Hangup(Box::new(Deserialize::deserialize(de)?)),
        _ => FourEvents::Other,
    })
}

/// An owned decoded event: the struct, the raw message, the field errors
/// (what a generated event holds).
#[derive(Debug)]
#[allow(dead_code)] // read through Debug/black_box only
pub struct Owned<S> {
    pub event: FourEvents<S>,
    pub raw: Message,
    pub errors: Vec<BadField>,
}

/// Decodes an owned event (`S` = [`Text`] or `String`).
pub fn decode_owned<S: de::DeserializeOwned>(msg: Message) -> Result<Owned<S>, Error> {
    let mut errors = Vec::new();
    let event = decode(&msg, &mut errors)?;
    Ok(Owned {
        event,
        raw: msg,
        errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg() -> Message {
        [
            ("Event", "Hangup"),
            ("Privilege", "call,all"),
            ("CHANNEL", "PJSIP/1-0001"),
            ("ChannelState", "6"),
            ("ChannelStateDesc", "Up"),
            ("AccountCode", ""),
            ("Priority", "x1"),
            ("Cause", "16"),
            ("Cause-txt", "Normal Clearing"),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn text_matches_keys_in_any_case_and_keeps_bad_integers_visible() {
        let Owned { event, errors, .. } = decode_owned::<Text>(msg()).unwrap();
        let FourEvents::Hangup(h) = event else {
            panic!("{event:?}")
        };
        assert_eq!(h.channel.unwrap().0, "PJSIP/1-0001");
        assert_eq!(h.channel_state, Some(6));
        assert_eq!(h.channel_state_desc, Some(ChannelStateDesc::Up));
        assert_eq!(h.account_code.unwrap().0, "");
        assert_eq!(h.priority, None);
        assert_eq!(h.cause, Some(16));
        assert_eq!(h.cause_txt.unwrap().0, "Normal Clearing");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].value, "x1");
    }

    #[test]
    fn string_and_borrowed_agree() {
        let m = msg();
        let FourEvents::Hangup(s) = decode::<String>(&m, &mut Vec::new()).unwrap() else {
            panic!()
        };
        let FourEvents::Hangup(b) = decode::<&str>(&m, &mut Vec::new()).unwrap() else {
            panic!()
        };
        assert_eq!(s.cause_txt.as_deref(), Some("Normal Clearing"));
        assert_eq!(b.cause_txt, Some("Normal Clearing"));
        assert_eq!(s.channel.as_deref(), b.channel);
    }
}
