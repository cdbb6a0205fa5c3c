//! Reading the typed fields of a decoded value generically.

use ami_core::{Text, Value};

/// One typed field value, borrowed from a decoded event or response.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'a> {
    /// Text, exactly as received.
    Text(&'a Text),
    /// An integer.
    Integer(i64),
    /// A boolean.
    Boolean(bool),
    /// A decimal number.
    Float(f64),
    /// A value enum, as its wire bytes.
    Enum(&'a [u8]),
    /// A duration (`HH:MM:SS` or seconds on the wire).
    Duration(std::time::Duration),
}

/// Generated events and responses list their typed fields through this
/// trait, e.g. to print them with their types, or to check that nothing
/// documented was lost. This crate's types implement it with the
/// `typed-fields` feature (off by default: it costs about 4 s of a release
/// build); code from [`include_generated!`](crate::include_generated)
/// implements it unless its `Config::typed_fields(false)`.
///
/// ```
/// # #[cfg(feature = "typed-fields")] {
/// use ami_types::event::Event;
/// use ami_types::{FieldValue, Message, TypedFields};
///
/// let msg: Message = [("Event", "Hangup"), ("Channel", "PJSIP/100-00000001"), ("Cause", "16")]
///     .into_iter()
///     .collect();
/// let mut seen = Vec::new();
/// Event::from_message(msg).for_each_field(&mut |key, value| {
///     if let FieldValue::Integer(n) = value {
///         seen.push((key, n));
///     }
/// });
/// assert_eq!(seen, [("Cause", 16)]);
/// # }
/// ```
pub trait TypedFields {
    /// Calls `f` with the wire key and value of every typed field that is
    /// set, in documentation order; a repeated field once per value.
    fn for_each_field(&self, f: &mut dyn FnMut(&'static str, FieldValue<'_>));
}

/// A stored field value as a [`FieldValue`].
pub trait AsFieldValue {
    /// The value, borrowed.
    fn as_field_value(&self) -> FieldValue<'_>;
}

impl AsFieldValue for Value {
    fn as_field_value(&self) -> FieldValue<'_> {
        FieldValue::Text(self.as_text())
    }
}

impl AsFieldValue for Text {
    fn as_field_value(&self) -> FieldValue<'_> {
        FieldValue::Text(self)
    }
}

impl<T: AsFieldValue + ?Sized> AsFieldValue for &T {
    fn as_field_value(&self) -> FieldValue<'_> {
        (**self).as_field_value()
    }
}

impl AsFieldValue for i64 {
    fn as_field_value(&self) -> FieldValue<'_> {
        FieldValue::Integer(*self)
    }
}

impl AsFieldValue for bool {
    fn as_field_value(&self) -> FieldValue<'_> {
        FieldValue::Boolean(*self)
    }
}

impl AsFieldValue for std::time::Duration {
    fn as_field_value(&self) -> FieldValue<'_> {
        FieldValue::Duration(*self)
    }
}

impl AsFieldValue for f64 {
    fn as_field_value(&self) -> FieldValue<'_> {
        FieldValue::Float(*self)
    }
}

impl<T: TypedFields + ?Sized> TypedFields for Box<T> {
    fn for_each_field(&self, f: &mut dyn FnMut(&'static str, FieldValue<'_>)) {
        (**self).for_each_field(f);
    }
}
