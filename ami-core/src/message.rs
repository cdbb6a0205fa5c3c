//! [`Message`]: an AMI message as ordered, case-insensitive, multi-valued
//! fields; [`Text`], a borrowed field value (bytes that are usually, but not
//! always, UTF-8), and [`Value`], an owned one.
//!
//! A message is one buffer: its lines as they came from the wire, followed
//! by a table of where each field's key and value are (a few bytes per
//! field). A decoded message costs one allocation, keeping it keeps exactly
//! its own bytes, and reading a field is a slice of that buffer (no
//! reference count per field). Cloning a [`Message`] shares the buffer.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::ops::Deref;

use ami_wire::writer::{MessageWriter, WireValue};
use bytes::Bytes;
use ref_cast::RefCast;

/// Well-known AMI keys (defined in `ami-wire`).
pub use ami_wire::keys;

/// A borrowed AMI value: bytes that are usually, but not always, UTF-8
/// (Asterisk passes a Latin-1 caller name through unchanged). What
/// [`Message::get`] returns; [`Value`] is the owned form.
///
/// ```
/// use ami_core::Message;
/// let m: Message = [("Event", "Newchannel"), ("CallerIDName", "J\u{f6}rg")].into_iter().collect();
/// let name = m.get("calleridname").unwrap();
/// assert_eq!(name, "Jörg");
/// assert_eq!(name.as_str(), Some("Jörg"));
/// let owned: ami_core::Value = name.to_value();
/// assert_eq!(owned, *name);
/// ```
#[derive(RefCast, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct Text([u8]);

impl Text {
    /// A text over `bytes`.
    #[inline]
    pub fn new(bytes: &[u8]) -> &Text {
        Text::ref_cast(bytes)
    }

    /// The raw bytes, exactly as they came from the wire.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The value as `&str` where it is valid UTF-8.
    #[inline]
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

    /// An owned copy.
    pub fn to_value(&self) -> Value {
        Value(Bytes::copy_from_slice(&self.0))
    }

    /// Whether the value equals `other` ignoring ASCII case.
    #[inline]
    pub fn eq_ignore_ascii_case(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other.as_bytes())
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.to_string_lossy(), f)
    }
}

impl AsRef<[u8]> for Text {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl ToOwned for Text {
    type Owned = Value;
    fn to_owned(&self) -> Value {
        self.to_value()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        &self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        &self.0 == other.as_bytes()
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other.as_bytes()
    }
}

impl PartialEq<Value> for Text {
    fn eq(&self, other: &Value) -> bool {
        &self.0 == other.as_bytes()
    }
}

impl PartialEq<str> for &Text {
    fn eq(&self, other: &str) -> bool {
        &self.0 == other.as_bytes()
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        other == self
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        other == *self
    }
}

/// An owned AMI value: what actions are built from and what enums keep of
/// an undocumented value. It derefs to [`Text`]; cloning is cheap (a
/// reference count). Compare with strings directly:
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
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The value, borrowed.
    #[inline]
    pub fn as_text(&self) -> &Text {
        Text::new(&self.0)
    }
}

impl Deref for Value {
    type Target = Text;
    #[inline]
    fn deref(&self) -> &Text {
        self.as_text()
    }
}

impl Borrow<Text> for Value {
    fn borrow(&self) -> &Text {
        self.as_text()
    }
}

impl AsRef<[u8]> for Value {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_text(), f)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_text(), f)
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

impl From<&Text> for Value {
    fn from(v: &Text) -> Self {
        v.to_value()
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

impl PartialEq<Text> for Value {
    fn eq(&self, other: &Text) -> bool {
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

/// One `Key: Value` line of a message, borrowed from it.
///
/// A line without a colon (legacy `Command` output) is a field with an empty
/// key whose value is the whole line.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Field<'a> {
    key: &'a [u8],
    value: &'a Text,
}

impl<'a> Field<'a> {
    /// The key as text (empty for a line without a colon; replacement
    /// characters where the key is not UTF-8).
    pub fn key(&self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.key)
    }

    /// The key's raw bytes.
    #[inline]
    pub fn key_bytes(&self) -> &'a [u8] {
        self.key
    }

    /// The value.
    #[inline]
    pub fn value(&self) -> &'a Text {
        self.value
    }

    /// Whether this is a line without a colon.
    pub fn is_bare_line(&self) -> bool {
        self.key.is_empty()
    }

    /// Whether the key equals `key`, ignoring ASCII case.
    #[inline]
    pub fn is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key.as_bytes())
    }
}

impl fmt::Debug for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.debug(f, is_secret_key(b"", self.key))
    }
}

impl Field<'_> {
    /// `"Key": "value"`, the value redacted when `secret`, or its part after
    /// `=` when it assigns a secret name.
    fn debug(&self, f: &mut fmt::Formatter<'_>, secret: bool) -> fmt::Result {
        if secret {
            return write!(f, "{:?}: \"<redacted>\"", self.key());
        }
        if ami_wire::secret::holds_json(self.key) {
            if let Some(shown) = ami_wire::secret::redact_json(self.value.as_bytes()) {
                return write!(f, "{:?}: {:?}", self.key(), String::from_utf8_lossy(&shown));
            }
        }
        match ami_wire::secret::secret_assignment(self.value.as_bytes()) {
            Some(at) => write!(
                f,
                "{:?}: \"{}<redacted>\"",
                self.key(),
                String::from_utf8_lossy(&self.value.as_bytes()[..at]).escape_debug()
            ),
            None => write!(f, "{:?}: {:?}", self.key(), self.value),
        }
    }
}

pub use ami_wire::secret::{
    holds_assignments, holds_json, is_secret_key, is_secret_name, redact_json, secret_assignment,
};

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
/// The message is one buffer (see the [module docs](self)); cloning shares
/// it. [`append`](Message::append) writes in place when no clone shares
/// it; other changes build a new one. To build a message field by field,
/// a [`MessageWriter`] writes each field once.
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
#[derive(Clone, Default)]
pub struct Message {
    /// The text, then the field table (see [`Table`]).
    buf: Bytes,
    text_len: u32,
    count: u32,
}

/// Where the fields are: one entry per field, `(start, key_end,
/// value_end)` offsets into the text, as `u16`s when the text is shorter
/// than 64 KiB (nearly always), else `u32`s. A field whose `key_end` equals
/// its `start` is a line without a colon; otherwise its value starts after
/// the colon and one space, if present.
struct Table;

impl Table {
    #[inline]
    fn wide(text_len: usize) -> bool {
        text_len > usize::from(u16::MAX)
    }

    #[inline]
    fn entry_size(text_len: usize) -> usize {
        if Table::wide(text_len) {
            12
        } else {
            6
        }
    }

    /// Writes one entry at the start of `out` (which has room for it).
    fn write(out: &mut [u8], wide: bool, start: usize, key_end: usize, value_end: usize) {
        if wide {
            for (i, n) in [start, key_end, value_end].into_iter().enumerate() {
                out[i * 4..i * 4 + 4].copy_from_slice(&(n as u32).to_le_bytes());
            }
        } else {
            for (i, n) in [start, key_end, value_end].into_iter().enumerate() {
                out[i * 2..i * 2 + 2].copy_from_slice(&(n as u16).to_le_bytes());
            }
        }
    }

    #[inline]
    fn push(out: &mut Vec<u8>, wide: bool, start: usize, key_end: usize, value_end: usize) {
        if wide {
            let [a, b, c] = [start, key_end, value_end].map(|n| (n as u32).to_le_bytes());
            out.extend_from_slice(&[
                a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3], c[0], c[1], c[2], c[3],
            ]);
        } else {
            let [a, b, c] = [start, key_end, value_end].map(|n| (n as u16).to_le_bytes());
            out.extend_from_slice(&[a[0], a[1], b[0], b[1], c[0], c[1]]);
        }
    }
}

/// Writes a field of a message into `w`: a bare line when `key` is empty.
fn write_field(w: &mut MessageWriter, key: &[u8], value: &[u8]) {
    if key.is_empty() {
        w.line(value);
    } else {
        w.field(key, value);
    }
}

/// The first `:` of a line. Keys are short, so eight bytes at a time
/// (SWAR) find it sooner than a vectorised search, whose set-up dominates
/// on a dozen bytes.
#[inline]
fn find_colon(line: &[u8]) -> Option<usize> {
    find_byte(line, b':')
}

/// The first `byte` in `hay`: the first 32 bytes eight at a time (AMI keys
/// and most lines are shorter than that), the rest with `memchr`.
#[inline]
pub(crate) fn find_byte(hay: &[u8], byte: u8) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const SHORT: usize = 32;
    if hay.len() > SHORT {
        if let Some(i) = find_byte(&hay[..SHORT], byte) {
            return Some(i);
        }
        return memchr::memchr(byte, &hay[SHORT..]).map(|i| SHORT + i);
    }
    let pattern = u64::from_ne_bytes([byte; 8]);
    let mut chunks = hay.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ pattern;
        // A byte of `x` is zero where `hay` has `byte`; the lowest flagged
        // byte is exact.
        let found = x.wrapping_sub(ONES) & !x & HIGHS;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == byte)
        .map(|i| at + i)
}

/// Whether a line's key (before its colon) counts as a key: non-empty text.
#[inline]
fn is_key(key: &[u8]) -> bool {
    !key.is_empty() && (key.is_ascii() || std::str::from_utf8(key).is_ok())
}

impl Message {
    /// An empty message.
    pub fn new() -> Self {
        Message::default()
    }

    /// An empty message (the capacity is a hint; messages are built whole).
    pub fn with_capacity(_fields: usize) -> Self {
        Message::default()
    }

    /// An action message: `Action: name`.
    pub fn action(name: impl WireValue) -> Self {
        let mut w = MessageWriter::new();
        w.field(keys::ACTION, name);
        Message::from(w)
    }

    /// Packs `text` and its field spans into one buffer (one allocation).
    /// (`From<MessageWriter>` is the public way in.)
    fn pack(text: &[u8], spans: impl ExactSizeIterator<Item = (usize, usize, usize)>) -> Message {
        let count = spans.len();
        if text.len() > u32::MAX as usize || count > u32::MAX as usize {
            // Not reachable from the decoder (its limit is below 4 GiB).
            panic!("an AMI message of 4 GiB or more");
        }
        let wide = Table::wide(text.len());
        let mut buf = Vec::with_capacity(text.len() + count * Table::entry_size(text.len()));
        buf.extend_from_slice(text);
        for (start, key_end, value_end) in spans {
            Table::push(&mut buf, wide, start, key_end, value_end);
        }
        Message {
            buf: Bytes::from(buf),
            text_len: text.len() as u32,
            count: count as u32,
        }
    }

    /// A decoded message: `frame` is its text (up to and including the
    /// empty line that ended it) and `lines` the `(start, end)` of each
    /// non-empty line, without its line end. `Key: Value` lines become
    /// fields; a line without a colon (or whose key is not text) becomes a
    /// bare line.
    pub(crate) fn from_frame(frame: &[u8], lines: &[(u32, u32)]) -> Message {
        Message::pack(
            frame,
            lines.iter().map(|&(start, end)| {
                let (start, end) = (start as usize, end as usize);
                match find_colon(&frame[start..end]) {
                    Some(colon) if is_key(&frame[start..start + colon]) => {
                        (start, start + colon, end)
                    }
                    _ => (start, start, end),
                }
            }),
        )
    }

    /// A decoded message from explicit `(start, key_end, value_end)` spans
    /// into `text` (see [`Table`]).
    pub(crate) fn from_spans(text: &[u8], spans: &[(usize, usize, usize)]) -> Message {
        Message::pack(text, spans.iter().copied())
    }

    #[inline]
    fn text(&self) -> &[u8] {
        &self.buf[..self.text_len as usize]
    }

    /// The spans of field `i` (which must exist): `(key, value)` ranges.
    #[inline]
    fn spans(&self, i: usize) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let text_len = self.text_len as usize;
        let table = &self.buf[text_len..];
        let (start, key_end, value_end) = if Table::wide(text_len) {
            let e = &table[i * 12..i * 12 + 12];
            let n = |j: usize| u32::from_le_bytes([e[j], e[j + 1], e[j + 2], e[j + 3]]) as usize;
            (n(0), n(4), n(8))
        } else {
            let e = &table[i * 6..i * 6 + 6];
            let n = |j: usize| usize::from(u16::from_le_bytes([e[j], e[j + 1]]));
            (n(0), n(2), n(4))
        };
        if key_end == start {
            return (start..start, start..value_end);
        }
        let text = self.text();
        let mut v = key_end + 1;
        if v < value_end && text[v] == b' ' {
            v += 1;
        }
        (start..key_end, v.min(value_end)..value_end)
    }

    /// Field `i`, in wire order.
    #[inline]
    pub fn field(&self, i: usize) -> Option<Field<'_>> {
        if i >= self.count as usize {
            return None;
        }
        let (key, value) = self.spans(i);
        let text = self.text();
        Some(Field {
            key: &text[key],
            value: Text::new(&text[value]),
        })
    }

    /// All fields in wire order.
    #[inline]
    pub fn fields(&self) -> Fields<'_> {
        Fields {
            msg: self,
            next: 0,
            end: self.count as usize,
        }
    }

    /// The first value of `key` (case-insensitive).
    #[inline]
    pub fn get(&self, key: &str) -> Option<&Text> {
        let i = self.position(key.as_bytes())?;
        self.field(i).map(|f| f.value)
    }

    /// The index of the first field named `key`, comparing keys only.
    #[inline]
    fn position(&self, key: &[u8]) -> Option<usize> {
        let text_len = self.text_len as usize;
        let text = self.text();
        let table = &self.buf[text_len..];
        let n = self.count as usize;
        if Table::wide(text_len) {
            (0..n).find(|&i| {
                let e = &table[i * 12..i * 12 + 8];
                let start = u32::from_le_bytes([e[0], e[1], e[2], e[3]]) as usize;
                let end = u32::from_le_bytes([e[4], e[5], e[6], e[7]]) as usize;
                end - start == key.len() && text[start..end].eq_ignore_ascii_case(key)
            })
        } else {
            table.chunks_exact(6).take(n).position(|e| {
                let start = usize::from(u16::from_le_bytes([e[0], e[1]]));
                let end = usize::from(u16::from_le_bytes([e[2], e[3]]));
                end - start == key.len() && text[start..end].eq_ignore_ascii_case(key)
            })
        }
    }

    /// The first value of `key` as `&str`, where present and UTF-8.
    #[inline]
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Text::as_str)
    }

    /// Every value of `key`, in wire order.
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Text> + 'a {
        self.fields().filter(move |f| f.is(key)).map(|f| f.value)
    }

    /// Whether `key` is present.
    pub fn contains(&self, key: &str) -> bool {
        self.position(key.as_bytes()).is_some()
    }

    /// Rebuilds the message through `edit`, which sees each field and
    /// writes what to keep.
    fn rebuild(&mut self, edit: impl FnOnce(&Message, &mut MessageWriter)) {
        let mut w = MessageWriter::new();
        edit(self, &mut w);
        *self = Message::from(w);
    }

    /// Sets `key` to `value`: replaces the first occurrence in place and
    /// removes the others, or appends when absent.
    pub fn insert(&mut self, key: impl WireValue, value: impl WireValue) {
        let mut wanted = Vec::new();
        key.write_value(&mut wanted);
        if self.position(&wanted).is_none() {
            return self.append(&wanted[..], value);
        }
        self.rebuild(|old, w| {
            let mut found = false;
            for f in old.fields() {
                if !f.key.eq_ignore_ascii_case(&wanted) || f.key.is_empty() {
                    write_field(w, f.key, f.value.as_bytes());
                } else if !found {
                    found = true;
                    w.field(f.key, &value);
                }
            }
        });
    }

    /// Appends a field, keeping any existing ones with the same key. The
    /// field is written once at the end of the message's buffer when no
    /// clone shares it (appending field by field costs what the fields
    /// weigh), else the message is copied first.
    pub fn append(&mut self, key: impl WireValue, value: impl WireValue) {
        let mut line = Vec::new();
        key.write_value(&mut line);
        let key_len = line.len();
        if key_len > 0 {
            line.extend_from_slice(b": ");
        }
        value.write_value(&mut line);
        self.push_line(&line, key_len);
    }

    /// Appends a line without a colon (as in legacy command output); an
    /// action with one cannot be sent.
    pub fn append_line(&mut self, line: impl WireValue) {
        let mut text = Vec::new();
        line.write_value(&mut text);
        self.push_line(&text, 0);
    }

    /// Appends one line (without its `\r\n`) whose key is its first
    /// `key_len` bytes (0: a bare line): in place when the buffer is this
    /// message's alone and its table keeps its width, else by a rebuild.
    fn push_line(&mut self, line: &[u8], key_len: usize) {
        let text_len = self.text_len as usize;
        let new_text_len = text_len + line.len() + 2;
        let same_width = Table::wide(text_len) == Table::wide(new_text_len);
        let unique = match std::mem::take(&mut self.buf).try_into_mut() {
            Ok(unique) => Some(unique),
            Err(shared) => {
                self.buf = shared;
                None
            }
        };
        match unique {
            Some(mut buf) if same_width && u32::try_from(new_text_len).is_ok() => {
                // Text, then the table: move the table up to make room for
                // the line, then add its entry.
                let entry = Table::entry_size(new_text_len);
                let table_len = buf.len() - text_len;
                buf.resize(new_text_len + table_len + entry, 0);
                buf.copy_within(text_len..text_len + table_len, new_text_len);
                buf[text_len..text_len + line.len()].copy_from_slice(line);
                buf[text_len + line.len()..new_text_len].copy_from_slice(b"\r\n");
                let key_end = text_len + key_len;
                let at = new_text_len + table_len;
                Table::write(
                    &mut buf[at..],
                    Table::wide(new_text_len),
                    text_len,
                    key_end,
                    text_len + line.len(),
                );
                self.buf = buf.freeze();
                self.text_len = new_text_len as u32;
                self.count += 1;
            }
            unique => {
                if let Some(buf) = unique {
                    self.buf = buf.freeze();
                }
                self.rebuild(|old, w| {
                    for f in old.fields() {
                        write_field(w, f.key, f.value.as_bytes());
                    }
                    if key_len == 0 {
                        w.line(line);
                    } else {
                        let value = line.get(key_len + 2..).unwrap_or_default();
                        w.field(&line[..key_len], value);
                    }
                });
            }
        }
    }

    /// Removes every field named `key`; returns how many were removed.
    pub fn remove(&mut self, key: &str) -> usize {
        let n = self.get_all(key).count();
        if n > 0 {
            self.rebuild(|old, w| {
                for f in old.fields().filter(|f| !f.is(key)) {
                    write_field(w, f.key, f.value.as_bytes());
                }
            });
        }
        n
    }

    /// Iterates `(key, value)` in wire order.
    pub fn iter(&self) -> impl Iterator<Item = (Cow<'_, str>, &Text)> {
        self.fields().map(|f| (f.key(), f.value))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether the message has no fields.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// What the message is, judged by its first field.
    pub fn kind(&self) -> MessageKind {
        match self.field(0) {
            Some(f) if f.is(keys::EVENT) => MessageKind::Event,
            Some(f) if f.is(keys::RESPONSE) => MessageKind::Response,
            Some(f) if f.is(keys::ACTION) => MessageKind::Action,
            _ => MessageKind::Other,
        }
    }

    /// The event name, when this is an event.
    pub fn event_name(&self) -> Option<&Text> {
        match self.field(0) {
            Some(f) if f.is(keys::EVENT) => Some(f.value),
            _ => None,
        }
    }

    /// The `Response` value, when this is a response.
    pub fn response(&self) -> Option<&Text> {
        match self.field(0) {
            Some(f) if f.is(keys::RESPONSE) => Some(f.value),
            _ => None,
        }
    }

    /// The `ActionID`, where present.
    pub fn action_id(&self) -> Option<&Text> {
        self.get(keys::ACTION_ID)
    }

    /// The fields grouped by key (ignoring case, as AMI does), each key at
    /// the place of its first occurrence and spelled as there, with all of
    /// its values in order: the shape of a JSON object of the message.
    ///
    /// ```
    /// let m: ami_core::Message = [("Event", "X"), ("Variable", "a=1"), ("variable", "b=2")]
    ///     .into_iter()
    ///     .collect();
    /// let groups = m.grouped();
    /// assert_eq!(groups.len(), 2);
    /// assert_eq!(groups[1].0, "Variable");
    /// assert_eq!(groups[1].1.len(), 2);
    /// ```
    pub fn grouped(&self) -> Vec<(Cow<'_, str>, Vec<&Text>)> {
        let mut groups: Vec<(Cow<'_, str>, Vec<&Text>)> = Vec::new();
        // Where each key is in `groups`: linear in the number of fields,
        // however many distinct keys a peer sends.
        let mut index: std::collections::HashMap<Vec<u8>, usize> = std::collections::HashMap::new();
        for field in self.fields() {
            match index.entry(field.key_bytes().to_ascii_lowercase()) {
                std::collections::hash_map::Entry::Occupied(at) => {
                    groups[*at.get()].1.push(field.value());
                }
                std::collections::hash_map::Entry::Vacant(at) => {
                    at.insert(groups.len());
                    groups.push((field.key(), vec![field.value()]));
                }
            }
        }
        groups
    }

    /// How many bytes of memory this message occupies: its one buffer (the
    /// text and the field table) and the handle. Event buffers are bounded
    /// by this measure.
    pub fn heap_bytes(&self) -> usize {
        self.buf.len() + std::mem::size_of::<Message>()
    }
}

/// The fields of a [`Message`], in wire order ([`Message::fields`]).
#[derive(Clone)]
pub struct Fields<'a> {
    msg: &'a Message,
    next: usize,
    end: usize,
}

impl<'a> Iterator for Fields<'a> {
    type Item = Field<'a>;

    #[inline]
    fn next(&mut self) -> Option<Field<'a>> {
        if self.next >= self.end {
            return None;
        }
        let f = self.msg.field(self.next);
        self.next += 1;
        f
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end - self.next;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Fields<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        self.end -= 1;
        self.msg.field(self.end)
    }
}

impl ExactSizeIterator for Fields<'_> {}

impl fmt::Debug for Fields<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl PartialEq for Message {
    fn eq(&self, other: &Message) -> bool {
        self.count == other.count && self.fields().eq(other.fields())
    }
}

impl Eq for Message {}

impl fmt::Debug for Message {
    /// Every field in order, secrets redacted by the one rule
    /// ([`Message::is_secret`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Entry<'a>(Field<'a>, bool);
        impl fmt::Debug for Entry<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.debug(f, self.1)
            }
        }
        let mut list = f.debug_list();
        for field in self.fields() {
            let secret = self.is_secret_bytes(field.key);
            list.entry(&Entry(field, secret));
        }
        list.finish()
    }
}

impl Message {
    /// Whether the values of `key` in this message are secret, by the one
    /// rule that decides it (see [`is_secret_key`]): a secret key name
    /// (`Secret`, `Password`, `OauthSecret`, `Md5Cred`, `Key` of a `Login`,
    /// …), or a `Value` whose `Variable` (a `Value-NNNNNN` whose
    /// `Var-NNNNNN`) names a secret. `Debug` of messages and of the
    /// generated types redacts these; assignments of a secret name
    /// (`password=…`) have the part after `=` redacted too.
    ///
    /// ```
    /// use ami_core::Message;
    /// let mut m = Message::action("UpdateConfig");
    /// m.append("Var-000000", "password");
    /// m.append("Value-000000", "hunter2");
    /// assert!(m.is_secret("Value-000000"));
    /// assert!(!format!("{m:?}").contains("hunter2"));
    /// ```
    pub fn is_secret(&self, key: &str) -> bool {
        self.is_secret_bytes(key.as_bytes())
    }

    fn is_secret_bytes(&self, key: &[u8]) -> bool {
        let owner = match self.field(0) {
            Some(first) if first.is(keys::ACTION) || first.is(keys::EVENT) => {
                first.value.as_bytes()
            }
            _ => b"",
        };
        if is_secret_key(owner, key) {
            return true;
        }
        let Some((base, suffix)) = ami_wire::secret::value_names_key(key) else {
            return false;
        };
        self.fields().any(|f| {
            f.key.len() == base.len() + suffix.len()
                && f.key[..base.len()].eq_ignore_ascii_case(base)
                && f.key[base.len()..].eq_ignore_ascii_case(suffix)
                && is_secret_name(f.value.as_bytes().trim_ascii())
        })
    }
}

/// The message a writer wrote, packed into one buffer (one allocation).
///
/// ```
/// use ami_core::{Message, MessageWriter};
/// let mut w = MessageWriter::action("Setvar");
/// w.field("Variable", "X").field("Value", 42);
/// let msg = Message::from(w);
/// assert_eq!(msg.get("value").unwrap(), "42");
/// ```
impl From<MessageWriter> for Message {
    fn from(w: MessageWriter) -> Message {
        Message::pack(w.text(), w.spans())
    }
}

impl WireValue for Text {
    fn write_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0)
    }
}

impl WireValue for Value {
    fn write_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0)
    }
}

impl<K: Into<Value>, V: Into<Value>> FromIterator<(K, V)> for Message {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut w = MessageWriter::new();
        for (k, v) in iter {
            let (k, v) = (k.into(), v.into());
            write_field(&mut w, k.as_bytes(), v.as_bytes());
        }
        Message::from(w)
    }
}

impl<'a> IntoIterator for &'a Message {
    type Item = Field<'a>;
    type IntoIter = Fields<'a>;
    fn into_iter(self) -> Fields<'a> {
        self.fields()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_a_getconfigjson_response_redacts_the_secrets_in_its_json() {
        let m: Message = [
            ("Response", "Success"),
            ("ActionID", "7"),
            (
                "JSON",
                r#"{"general": {"enabled": "yes"}, "admin": {"secret": "amp111", "read": "all"}}"#,
            ),
        ]
        .into_iter()
        .collect();
        let shown = format!("{m:?}");
        assert!(!shown.contains("amp111"), "{shown}");
        assert!(
            shown.contains("enabled") && shown.contains("<redacted>"),
            "{shown}"
        );
        #[cfg(feature = "serde")]
        {
            let json = serde_json::to_string(&m).unwrap();
            assert!(!json.contains("amp111"), "{json}");
        }
    }

    #[test]
    fn lookup_is_case_insensitive_and_ordered() {
        let m: Message = [("Event", "VarSet"), ("Variable", "a"), ("VARIABLE", "b")]
            .into_iter()
            .collect();
        assert_eq!(m.kind(), MessageKind::Event);
        assert_eq!(m.get("variable").unwrap(), "a");
        let all: Vec<_> = m.get_all("Variable").map(Text::to_value).collect();
        assert_eq!(all, [Value::from("a"), Value::from("b")]);
    }

    #[test]
    fn clone_shares_and_edits_do_not_leak() {
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
    fn debug_redacts_every_kind_of_secret_key() {
        let m: Message = [
            ("Event", "AuthDetail"),
            ("OauthSecret", "s1-hidden"),
            ("PasswordDigest", "s2-hidden"),
            ("Md5Cred", "s3-hidden"),
            ("Username", "visible"),
        ]
        .into_iter()
        .collect();
        let s = format!("{m:?}");
        assert!(!s.contains("hidden"), "{s}");
        assert!(s.contains("visible"), "{s}");
        // `Key` is secret in a Login only.
        let m: Message = [("Event", "Other"), ("Key", "shown")].into_iter().collect();
        assert!(format!("{m:?}").contains("shown"));
    }

    #[test]
    fn insert_replaces_first_and_drops_rest() {
        let mut m: Message = [("A", "1"), ("B", "2"), ("a", "3")].into_iter().collect();
        m.insert("A", "9");
        let pairs: Vec<_> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(pairs, ["A=9", "B=2"]);
    }

    #[test]
    fn values_keep_leading_spaces_colons_and_emptiness() {
        let m: Message = [("A", "  two spaces"), ("B", ""), ("C", "x: y"), ("D", " ")]
            .into_iter()
            .collect();
        assert_eq!(m.get("A").unwrap(), "  two spaces");
        assert_eq!(m.get("B").unwrap(), "");
        assert_eq!(m.get("C").unwrap(), "x: y");
        assert_eq!(m.get("D").unwrap(), " ");
        let mut m = m;
        m.append_line("bare: line");
        let last = m.fields().last().unwrap();
        assert!(last.is_bare_line());
        assert_eq!(last.value(), "bare: line");
    }

    #[test]
    fn the_first_colon_is_found_at_any_offset() {
        for len in (0..80).chain([1000, 4097]) {
            for at in 0..=len {
                let mut line = vec![b'k'; len];
                if at < len {
                    line[at] = b':';
                    if at + 1 < len {
                        line[at + 1..].fill(b':');
                    }
                }
                let expected = line.iter().position(|&b| b == b':');
                assert_eq!(find_colon(&line), expected, "{len} {at}");
            }
        }
        assert_eq!(find_colon(b"\xff\x3a"), Some(1));
        assert_eq!(find_colon(b"\x3b\x39\xba:"), Some(3));
    }

    #[test]
    fn large_messages_use_the_wide_table() {
        let big = "x".repeat(70_000);
        let m: Message = [("Event", "Big"), ("Data", big.as_str()), ("After", "1")]
            .into_iter()
            .collect();
        assert_eq!(m.get("Data").unwrap().len(), 70_000);
        assert_eq!(m.get("After").unwrap(), "1");
        assert_eq!(m.len(), 3);
    }

    #[test]
    fn a_decoded_message_holds_its_bytes_and_a_small_table() {
        let frame = b"Event: Hangup\r\nChannel: PJSIP/1\r\nCause: 16\r\n\r\n";
        let lines = [(0, 13), (15, 31), (33, 42)];
        let m = Message::from_frame(frame, &lines);
        assert_eq!(m.get("cause").unwrap(), "16");
        assert_eq!(
            m.heap_bytes(),
            frame.len() + 3 * 6 + std::mem::size_of::<Message>()
        );
    }
}
