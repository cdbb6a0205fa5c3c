//! [`Message`]: an AMI message as ordered, case-insensitive, multi-valued
//! fields, and [`Value`], a cheap byte string that may or may not be UTF-8.
//!
//! Decoded messages share the buffer of the frame they came from: a field costs
//! no allocation of its own, and cloning a [`Message`] only bumps a reference
//! count (fields are copied on the first write to a shared message).

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

/// Well-known AMI keys.
pub mod keys {
    /// `Action`: the first key of every action.
    pub const ACTION: &str = "Action";
    /// `ActionID`: correlates responses and list events with their action.
    pub const ACTION_ID: &str = "ActionID";
    /// `Response`: the first key of a response (`Success`, `Error`, `Follows`, `Goodbye`).
    pub const RESPONSE: &str = "Response";
    /// `Event`: the first key of an event.
    pub const EVENT: &str = "Event";
    /// `Message`: the human-readable text of a response.
    pub const MESSAGE: &str = "Message";
    /// `EventList`: `start`, `Complete` or `Cancelled` on list responses.
    pub const EVENT_LIST: &str = "EventList";
    /// `ListItems`: the number of items a list completion reports.
    pub const LIST_ITEMS: &str = "ListItems";
    /// `Output`: one line of `Command` output (Asterisk 14+).
    pub const OUTPUT: &str = "Output";
    /// `Privilege`: the class of an event.
    pub const PRIVILEGE: &str = "Privilege";
}

/// An immutable AMI value: bytes that are usually, but not always, UTF-8
/// (Asterisk passes a Latin-1 caller name through unchanged).
///
/// Cloning is cheap (a reference count). Compare with strings directly:
///
/// ```
/// use ami_core::Value;
/// let v = Value::from("Up");
/// assert_eq!(v, "Up");
/// assert_eq!(v.as_str(), Some("Up"));
/// let latin1 = Value::from(vec![b'J', 0xf6, b'r', b'g']);
/// assert_eq!(latin1.as_str(), None);
/// assert_eq!(latin1.to_string_lossy(), "J\u{fffd}rg");
/// assert_eq!(latin1.as_bytes(), b"J\xf6rg");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Value(Bytes);

impl Value {
    /// A value from a static string, without allocating.
    pub const fn from_static(s: &'static str) -> Self {
        Value(Bytes::from_static(s.as_bytes()))
    }

    /// The raw bytes, exactly as they came from the wire.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The value as `&str` where it is valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// The value as text, replacing invalid UTF-8 with U+FFFD.
    pub fn to_string_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the value contains CR or LF (which would inject AMI headers).
    pub fn has_line_break(&self) -> bool {
        memchr::memchr2(b'\r', b'\n', &self.0).is_some()
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.to_string_lossy(), f)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::from(s.as_str())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value(Bytes::from(s.into_bytes()))
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value(Bytes::from(v))
    }
}

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Value(Bytes::copy_from_slice(v))
    }
}

impl From<Cow<'_, str>> for Value {
    fn from(s: Cow<'_, str>) -> Self {
        Value::from(s.into_owned())
    }
}

impl From<&Value> for Value {
    fn from(v: &Value) -> Self {
        v.clone()
    }
}

macro_rules! value_from_display {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Self {
                Value::from(n.to_string())
            }
        }
    )*};
}
value_from_display!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize, f32, f64, char);

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::from_static(if b { "true" } else { "false" })
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<String> for Value {
    fn eq(&self, other: &String) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<Value> for str {
    fn eq(&self, other: &Value) -> bool {
        other == self
    }
}

impl PartialEq<Value> for &str {
    fn eq(&self, other: &Value) -> bool {
        other == *self
    }
}

/// A field key: short keys (nearly all of them) are stored inline, so a
/// decoded field costs one reference count (its value), not two.
#[derive(Clone)]
enum Key {
    Inline { len: u8, buf: [u8; INLINE_KEY] },
    Shared(Bytes),
}

const INLINE_KEY: usize = 30;

impl Key {
    #[inline]
    fn from_slice(k: &[u8], whole: Option<&Bytes>) -> Key {
        if k.len() <= INLINE_KEY {
            let mut buf = [0u8; INLINE_KEY];
            buf[..k.len()].copy_from_slice(k);
            Key::Inline {
                len: k.len() as u8,
                buf,
            }
        } else {
            match whole {
                Some(b) => Key::Shared(b.slice_ref(k)),
                None => Key::Shared(Bytes::copy_from_slice(k)),
            }
        }
    }

    /// The key at `range` of a frame. A short key is copied as a fixed
    /// window (bytes past its end are ignored), which is cheaper than an
    /// exact copy of a variable length.
    #[inline]
    fn from_frame(whole: &Bytes, range: std::ops::Range<usize>) -> Key {
        let len = range.end - range.start;
        match whole.get(range.start..range.start + INLINE_KEY) {
            Some(window) if len <= INLINE_KEY => {
                let mut buf = [0u8; INLINE_KEY];
                buf.copy_from_slice(window);
                Key::Inline {
                    len: len as u8,
                    buf,
                }
            }
            _ => Key::from_slice(&whole[range], Some(whole)),
        }
    }

    #[inline]
    fn as_bytes(&self) -> &[u8] {
        match self {
            Key::Inline { len, buf } => &buf[..*len as usize],
            Key::Shared(b) => b,
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Key {}

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state)
    }
}

/// One `Key: Value` line of a message.
///
/// A line without a colon (legacy `Command` output) is a field with an empty
/// key whose value is the whole line.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Field {
    key: Key,
    value: Value,
}

impl Field {
    /// A field from a key and a value.
    pub fn new(key: impl Into<Value>, value: impl Into<Value>) -> Self {
        let key = key.into();
        Field {
            key: Key::from_slice(key.as_bytes(), Some(&key.0)),
            value: value.into(),
        }
    }

    /// A field whose key and value are sub-slices of `whole` (the decoder's
    /// frame buffer).
    #[inline]
    pub(crate) fn from_frame(
        whole: &Bytes,
        key: std::ops::Range<usize>,
        value: std::ops::Range<usize>,
    ) -> Self {
        Field {
            key: Key::from_frame(whole, key),
            value: Value(whole.slice(value)),
        }
    }

    /// The key as text (empty for a line without a colon; replacement
    /// characters where the key is not UTF-8).
    pub fn key(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(self.key.as_bytes())
    }

    /// The key's raw bytes.
    #[inline]
    pub fn key_bytes(&self) -> &[u8] {
        self.key.as_bytes()
    }

    /// The value.
    #[inline]
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Whether this is a line without a colon.
    pub fn is_bare_line(&self) -> bool {
        self.key.as_bytes().is_empty()
    }

    /// Whether the key equals `key`, ignoring ASCII case.
    #[inline]
    pub fn is(&self, key: &str) -> bool {
        self.key.as_bytes().eq_ignore_ascii_case(key.as_bytes())
    }
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_secret_key(self.key.as_bytes()) {
            write!(f, "{:?}: \"<redacted>\"", self.key())
        } else {
            write!(f, "{:?}: {:?}", self.key(), self.value)
        }
    }
}

fn is_secret_key(key: &[u8]) -> bool {
    key.eq_ignore_ascii_case(b"Secret") || key.eq_ignore_ascii_case(b"Password")
}

/// What a message is, judged by its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// First key `Action`: sent by a client.
    Action,
    /// First key `Response`: an answer to an action.
    Response,
    /// First key `Event`: an event (even when it also carries `Response`,
    /// as `OriginateResponse` does).
    Event,
    /// Anything else (garbage, or a message without fields).
    Other,
}

/// An AMI message: ordered `Key: Value` fields with case-insensitive lookup.
///
/// Keys repeat (`Variable`, `ChanVariable`, `Output`) and stay in wire order.
/// Cloning is cheap: the fields are shared until one side is modified.
///
/// ```
/// use ami_core::Message;
/// let mut m = Message::new();
/// m.append("Action", "Setvar");
/// m.append("Variable", "X");
/// m.insert("variable", "Y"); // replaces every `Variable`
/// assert_eq!(m.get_all("Variable").map(|v| v.to_string()).collect::<Vec<_>>(), ["Y"]);
/// assert_eq!(m.remove("VARIABLE"), 1);
/// assert!(m.get("Variable").is_none());
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Message {
    fields: Arc<Vec<Field>>,
}

impl Message {
    /// An empty message.
    pub fn new() -> Self {
        Message::default()
    }

    /// A message with room for `n` fields.
    pub fn with_capacity(n: usize) -> Self {
        Message {
            fields: Arc::new(Vec::with_capacity(n)),
        }
    }

    /// An action message: `Action: name`.
    pub fn action(name: impl Into<Value>) -> Self {
        let mut m = Message::with_capacity(4);
        m.append(keys::ACTION, name);
        m
    }

    pub(crate) fn from_fields(fields: Vec<Field>) -> Self {
        Message {
            fields: Arc::new(fields),
        }
    }

    /// The first value of `key` (case-insensitive).
    #[inline]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.fields.iter().find(|f| f.is(key)).map(|f| &f.value)
    }

    /// The first value of `key` as `&str`, where present and UTF-8.
    #[inline]
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    /// Every value of `key`, in wire order.
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.fields
            .iter()
            .filter(move |f| f.is(key))
            .map(|f| &f.value)
    }

    /// Whether `key` is present.
    pub fn contains(&self, key: &str) -> bool {
        self.fields.iter().any(|f| f.is(key))
    }

    /// Sets `key` to `value`: replaces the first occurrence in place and
    /// removes the others, or appends when absent.
    pub fn insert(&mut self, key: impl Into<Value>, value: impl Into<Value>) {
        let field = Field::new(key, value);
        let fields = Arc::make_mut(&mut self.fields);
        let mut found = false;
        fields.retain_mut(|f| {
            if f.key.as_bytes().eq_ignore_ascii_case(field.key.as_bytes()) {
                if found {
                    return false;
                }
                found = true;
                f.value = field.value.clone();
            }
            true
        });
        if !found {
            fields.push(field);
        }
    }

    /// Appends a field, keeping any existing ones with the same key.
    pub fn append(&mut self, key: impl Into<Value>, value: impl Into<Value>) {
        Arc::make_mut(&mut self.fields).push(Field::new(key, value));
    }

    /// Appends an already built field.
    pub fn push(&mut self, field: Field) {
        Arc::make_mut(&mut self.fields).push(field);
    }

    /// Removes every field named `key`; returns how many were removed.
    pub fn remove(&mut self, key: &str) -> usize {
        if !self.contains(key) {
            return 0;
        }
        let fields = Arc::make_mut(&mut self.fields);
        let before = fields.len();
        fields.retain(|f| !f.is(key));
        before - fields.len()
    }

    /// All fields in wire order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Iterates `(key, value)` in wire order.
    pub fn iter(&self) -> impl Iterator<Item = (Cow<'_, str>, &Value)> {
        self.fields.iter().map(|f| (f.key(), &f.value))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the message has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// What the message is, judged by its first field.
    pub fn kind(&self) -> MessageKind {
        match self.fields.first() {
            Some(f) if f.is(keys::EVENT) => MessageKind::Event,
            Some(f) if f.is(keys::RESPONSE) => MessageKind::Response,
            Some(f) if f.is(keys::ACTION) => MessageKind::Action,
            _ => MessageKind::Other,
        }
    }

    /// The event name, when this is an event.
    pub fn event_name(&self) -> Option<&Value> {
        match self.fields.first() {
            Some(f) if f.is(keys::EVENT) => Some(&f.value),
            _ => None,
        }
    }

    /// The `Response` value, when this is a response.
    pub fn response(&self) -> Option<&Value> {
        match self.fields.first() {
            Some(f) if f.is(keys::RESPONSE) => Some(&f.value),
            _ => None,
        }
    }

    /// The `ActionID`, where present.
    pub fn action_id(&self) -> Option<&Value> {
        self.get(keys::ACTION_ID)
    }

    /// About how many bytes of memory this message occupies: its fields'
    /// bytes (a decoded message has one buffer of its own holding them)
    /// plus the field table. Event buffers are bounded by this measure.
    pub fn heap_bytes(&self) -> usize {
        const OVERHEAD: usize = 64; // the Arc, the Vec and the buffer's header
        self.fields.iter().fold(OVERHEAD, |n, f| {
            n + std::mem::size_of::<Field>() + f.key.as_bytes().len() + f.value.len() + 4
        })
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let is_login = self.fields.first().is_some_and(|x| {
            x.is(keys::ACTION) && x.value.as_bytes().eq_ignore_ascii_case(b"Login")
        });
        let mut list = f.debug_list();
        for field in self.fields.iter() {
            if is_login && field.is("Key") {
                list.entry(&format_args!("\"Key\": \"<redacted>\""));
            } else {
                list.entry(field);
            }
        }
        list.finish()
    }
}

impl<K: Into<Value>, V: Into<Value>> FromIterator<(K, V)> for Message {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Message::from_fields(iter.into_iter().map(|(k, v)| Field::new(k, v)).collect())
    }
}

impl<'a> IntoIterator for &'a Message {
    type Item = &'a Field;
    type IntoIter = std::slice::Iter<'a, Field>;
    fn into_iter(self) -> Self::IntoIter {
        self.fields.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_case_insensitive_and_ordered() {
        let m: Message = [("Event", "VarSet"), ("Variable", "a"), ("VARIABLE", "b")]
            .into_iter()
            .collect();
        assert_eq!(m.kind(), MessageKind::Event);
        assert_eq!(m.get("variable").unwrap(), "a");
        let all: Vec<_> = m.get_all("Variable").cloned().collect();
        assert_eq!(all, [Value::from("a"), Value::from("b")]);
    }

    #[test]
    fn clone_is_copy_on_write() {
        let mut a = Message::action("Ping");
        let b = a.clone();
        a.append("X", "1");
        assert_eq!(b.len(), 1);
        assert_eq!(a.len(), 2);
    }

    #[test]
    fn debug_redacts_secrets() {
        let m: Message = [
            ("Action", "Login"),
            ("Username", "u"),
            ("Secret", "hunter2"),
            ("Key", "abcd"),
        ]
        .into_iter()
        .collect();
        let s = format!("{m:?}");
        assert!(!s.contains("hunter2"), "{s}");
        assert!(!s.contains("abcd"), "{s}");
        assert!(s.contains("Username"));
    }

    #[test]
    fn insert_replaces_first_and_drops_rest() {
        let mut m: Message = [("A", "1"), ("B", "2"), ("a", "3")].into_iter().collect();
        m.insert("A", "9");
        let pairs: Vec<_> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(pairs, ["A=9", "B=2"]);
    }
}
