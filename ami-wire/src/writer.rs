//! Writing a message field by field, each field once: the text of its
//! `Key: Value` lines and where each key and value is, ready to become a
//! message in one piece.

use std::io::Write as _;

/// Something written as an AMI key or value: text, bytes, numbers,
/// booleans (`true`/`false`), and references to any of them.
///
/// ```
/// use ami_wire::writer::MessageWriter;
/// let mut w = MessageWriter::action("Originate");
/// w.field("Channel", "PJSIP/100").field("Timeout", 30_000).field("Async", true);
/// assert_eq!(w.text(), b"Action: Originate\r\nChannel: PJSIP/100\r\nTimeout: 30000\r\nAsync: true\r\n");
/// ```
pub trait WireValue {
    /// Appends the text to `out`.
    fn write_value(&self, out: &mut Vec<u8>);
}

impl<T: WireValue + ?Sized> WireValue for &T {
    fn write_value(&self, out: &mut Vec<u8>) {
        (**self).write_value(out)
    }
}

impl WireValue for str {
    fn write_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes())
    }
}

impl WireValue for String {
    fn write_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes())
    }
}

impl WireValue for std::borrow::Cow<'_, str> {
    fn write_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes())
    }
}

impl WireValue for [u8] {
    fn write_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self)
    }
}

impl WireValue for Vec<u8> {
    fn write_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self)
    }
}

impl WireValue for bool {
    fn write_value(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(if *self { b"true" } else { b"false" })
    }
}

macro_rules! wire_value_by_display {
    ($($t:ty),*) => {$(
        impl WireValue for $t {
            fn write_value(&self, out: &mut Vec<u8>) {
                // Writing into a Vec cannot fail.
                let _ = write!(out, "{self}");
            }
        }
    )*};
}
wire_value_by_display!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64, char
);

/// The key of one member of an indexed group of parameters, written
/// without building a string: `Base-000003` or `Base(3)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexedKey<'a> {
    /// `Base-NNNNNN`, the index in six digits (`UpdateConfig`'s
    /// `Action-000000`).
    Dash6(&'a str, usize),
    /// `Base(N)` (`AOCMessage`'s `UnitAmount(0)`).
    Paren(&'a str, usize),
}

impl WireValue for IndexedKey<'_> {
    fn write_value(&self, out: &mut Vec<u8>) {
        let _ = match self {
            IndexedKey::Dash6(base, index) => write!(out, "{base}-{index:06}"),
            IndexedKey::Paren(base, index) => write!(out, "{base}({index})"),
        };
    }
}

/// Where one field is in a writer's text: `(start, key_end, value_end)`;
/// a line without a colon has `key_end == start`.
pub type Span = (usize, usize, usize);

/// How many fields a writer keeps without allocating (an action rarely
/// has more).
const INLINE: usize = 24;

/// A message being written: its `Key: Value\r\n` lines and the span of
/// each field. Each field is written once, where it goes; a message made
/// from the writer (`ami_core::Message::from`) takes the text as it is.
///
/// What the writer holds is not checked for line breaks: a value with CR or
/// LF is refused when the message is sent, never written to the wire.
#[derive(Clone)]
pub struct MessageWriter {
    text: Vec<u8>,
    inline: [Span; INLINE],
    more: Vec<Span>,
    count: usize,
}

impl Default for MessageWriter {
    fn default() -> Self {
        MessageWriter::new()
    }
}

impl std::fmt::Debug for MessageWriter {
    /// The keys only: values may be secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(
                self.spans()
                    .map(|(s, k, _)| String::from_utf8_lossy(&self.text[s..k])),
            )
            .finish()
    }
}

impl MessageWriter {
    /// An empty writer (it allocates when the first field is written).
    pub fn new() -> MessageWriter {
        MessageWriter {
            text: Vec::new(),
            inline: [(0, 0, 0); INLINE],
            more: Vec::new(),
            count: 0,
        }
    }

    /// A writer that starts with `Action: name`, with room for a typical
    /// action's text.
    pub fn action(name: &str) -> MessageWriter {
        let mut w = MessageWriter::new();
        w.text.reserve(256);
        w.field(crate::keys::ACTION, name);
        w
    }

    /// Appends `key: value` (an empty key makes a bare line of `value`).
    pub fn field(&mut self, key: impl WireValue, value: impl WireValue) -> &mut Self {
        let start = self.text.len();
        key.write_value(&mut self.text);
        let key_end = self.text.len();
        if key_end > start {
            self.text.extend_from_slice(b": ");
        }
        value.write_value(&mut self.text);
        self.end_line(start, key_end);
        self
    }

    /// Appends a line without a colon (legacy command output; an action
    /// with one cannot be sent).
    pub fn line(&mut self, line: impl WireValue) -> &mut Self {
        let start = self.text.len();
        line.write_value(&mut self.text);
        self.end_line(start, start);
        self
    }

    fn end_line(&mut self, start: usize, key_end: usize) {
        let span = (start, key_end, self.text.len());
        self.text.extend_from_slice(b"\r\n");
        match self.inline.get_mut(self.count) {
            Some(slot) => *slot = span,
            None => self.more.push(span),
        }
        self.count += 1;
    }

    /// The value of the first field named `key` (ignoring ASCII case).
    pub fn get(&self, key: &str) -> Option<&[u8]> {
        self.spans().find_map(|(s, k, v)| {
            (k > s && self.text[s..k].eq_ignore_ascii_case(key.as_bytes()))
                .then(|| &self.text[(k + 2).min(v)..v])
        })
    }

    /// The text written so far: every line with its `\r\n`.
    pub fn text(&self) -> &[u8] {
        &self.text
    }

    /// The span of each field, in order.
    pub fn spans(&self) -> impl ExactSizeIterator<Item = Span> + '_ {
        let inline = &self.inline[..self.count.min(INLINE)];
        Spans(inline.iter().chain(self.more.iter()), self.count)
    }

    /// How many fields (and bare lines) were written.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// The spans of a writer, with their number known.
struct Spans<I>(I, usize);

impl<'a, I: Iterator<Item = &'a Span>> Iterator for Spans<I> {
    type Item = Span;

    fn next(&mut self) -> Option<Span> {
        let next = self.0.next().copied();
        self.1 = self.1.saturating_sub(usize::from(next.is_some()));
        next
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.1, Some(self.1))
    }
}

impl<'a, I: Iterator<Item = &'a Span>> ExactSizeIterator for Spans<I> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_each_key_and_value_past_the_inline_ones() {
        let mut w = MessageWriter::action("UpdateConfig");
        for i in 0..30 {
            w.field(IndexedKey::Dash6("Action", i), "NewCat");
        }
        w.line("bare line");
        assert_eq!(w.len(), 32);
        let spans: Vec<Span> = w.spans().collect();
        assert_eq!(spans.len(), 32);
        assert_eq!(w.spans().len(), 32);
        let (s, k, v) = spans[30];
        assert_eq!(&w.text()[s..k], b"Action-000029");
        assert_eq!(&w.text()[k..v], b": NewCat");
        let (s, k, v) = spans[31];
        assert_eq!((s, &w.text()[k..v]), (k, &b"bare line"[..]));
        assert_eq!(w.get("action"), Some(&b"UpdateConfig"[..]));
        assert_eq!(w.get("Action-000003"), Some(&b"NewCat"[..]));
        assert_eq!(w.get("Missing"), None);
    }

    #[test]
    fn numbers_and_keys_are_written_in_place() {
        let mut w = MessageWriter::new();
        w.field(IndexedKey::Paren("UnitAmount", 2), -5i64)
            .field("Ratio", 0.25)
            .field("Early", false);
        assert_eq!(
            w.text(),
            b"UnitAmount(2): -5\r\nRatio: 0.25\r\nEarly: false\r\n"
        );
        assert_eq!(format!("{w:?}"), r#"["UnitAmount(2)", "Ratio", "Early"]"#);
    }
}
