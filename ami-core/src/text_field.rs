//! [`TextField`]: reading an optional text field in one step.

use std::borrow::Cow;

use crate::message::{Text, Value};

/// One-step reads of an optional text field — what typed accessors return
/// (`Option<&Text>`) and what owned ones hold (`Option<Value>`) — instead
/// of `.map(Text::to_string_lossy).unwrap_or_default()` chains.
///
/// ```
/// use ami_core::{Message, TextField};
///
/// let msg: Message = [("Event", "Hangup"), ("Channel", "PJSIP/100-0001"), ("Blank", "")]
///     .into_iter()
///     .collect();
/// assert_eq!(msg.get("Channel").as_str(), Some("PJSIP/100-0001"));
/// assert_eq!(msg.get("Missing").to_str_lossy(), "");
/// assert!(msg.get("Channel").is_set());
/// assert!(!msg.get("Blank").is_set());
/// ```
pub trait TextField {
    /// The text, or `None` when absent or not valid UTF-8.
    fn as_str(&self) -> Option<&str>;
    /// The text with invalid UTF-8 replaced by U+FFFD; empty when absent.
    fn to_str_lossy(&self) -> Cow<'_, str>;
    /// Whether the field is present and not empty (Asterisk sends empty
    /// values for unknowns).
    fn is_set(&self) -> bool;
}

fn text_of<'a>(t: Option<&'a Text>) -> (Option<&'a str>, Cow<'a, str>, bool) {
    match t {
        Some(t) => (t.as_str(), t.to_string_lossy(), !t.is_empty()),
        None => (None, Cow::Borrowed(""), false),
    }
}

impl TextField for Option<&Text> {
    fn as_str(&self) -> Option<&str> {
        self.and_then(Text::as_str)
    }
    fn to_str_lossy(&self) -> Cow<'_, str> {
        text_of(*self).1
    }
    fn is_set(&self) -> bool {
        text_of(*self).2
    }
}

impl TextField for Option<Value> {
    fn as_str(&self) -> Option<&str> {
        self.as_deref().and_then(Text::as_str)
    }
    fn to_str_lossy(&self) -> Cow<'_, str> {
        text_of(self.as_deref()).1
    }
    fn is_set(&self) -> bool {
        text_of(self.as_deref()).2
    }
}

impl TextField for Option<&Value> {
    fn as_str(&self) -> Option<&str> {
        self.map(|v| &**v).and_then(Text::as_str)
    }
    fn to_str_lossy(&self) -> Cow<'_, str> {
        text_of(self.map(|v| &**v)).1
    }
    fn is_set(&self) -> bool {
        text_of(self.map(|v| &**v)).2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_and_borrowed_read_alike() {
        let v: Option<Value> = Some(Value::from(&b"J\xffrg"[..]));
        assert_eq!(v.as_str(), None);
        assert_eq!(v.to_str_lossy(), "J\u{fffd}rg");
        assert!(v.is_set());
        let none: Option<Value> = None;
        assert_eq!(none.to_str_lossy(), "");
        assert!(!none.is_set());
        let r: Option<&Value> = v.as_ref();
        assert_eq!(r.to_str_lossy(), "J\u{fffd}rg");
    }
}
