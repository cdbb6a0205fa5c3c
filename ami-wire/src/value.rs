//! How Asterisk spells values: booleans, integers, decimals and durations.
//! Each reader takes the raw bytes of one value, ignores surrounding ASCII
//! whitespace, and answers `None` for anything it does not read.

use std::time::Duration;

/// The spellings Asterisk reads as true (`ast_true`), compared ignoring
/// ASCII case.
pub const TRUE_WORDS: [&str; 6] = ["yes", "true", "y", "t", "1", "on"];

/// The spellings Asterisk reads as false (`ast_false`), compared ignoring
/// ASCII case.
pub const FALSE_WORDS: [&str; 6] = ["no", "false", "n", "f", "0", "off"];

/// A boolean: `Some(true)` for one of [`TRUE_WORDS`], `Some(false)` for
/// one of [`FALSE_WORDS`], any case; `None` otherwise (also when empty).
///
/// ```
/// use ami_wire::value::boolean;
/// assert_eq!(boolean(b"On"), Some(true));
/// assert_eq!(boolean(b" no\t"), Some(false));
/// assert_eq!(boolean(b"maybe"), None);
/// ```
#[inline]
pub fn boolean(bytes: &[u8]) -> Option<bool> {
    let bytes = bytes.trim_ascii();
    let is = |words: &[&str]| {
        words
            .iter()
            .any(|w| w.as_bytes().eq_ignore_ascii_case(bytes))
    };
    if is(&TRUE_WORDS) {
        Some(true)
    } else if is(&FALSE_WORDS) {
        Some(false)
    } else {
        None
    }
}

/// Whether `bytes` is one of [`TRUE_WORDS`]: how Asterisk reads a flag
/// such as `Async`, where anything else (absent, empty, unknown) is false.
#[inline]
pub fn is_true(bytes: &[u8]) -> bool {
    boolean(bytes) == Some(true)
}

/// A decimal integer with an optional sign, e.g. `-1`, `+42`, `0017`, that
/// fits in an `i64`.
///
/// ```
/// use ami_wire::value::integer;
/// assert_eq!(integer(b"+42"), Some(42));
/// assert_eq!(integer(b"-9223372036854775808"), Some(i64::MIN));
/// assert_eq!(integer(b"4x"), None);
/// ```
#[inline]
pub fn integer(bytes: &[u8]) -> Option<i64> {
    let bytes = bytes.trim_ascii();
    let (negative, digits) = match bytes.split_first()? {
        (b'-', rest) => (true, rest),
        (b'+', rest) => (false, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() {
        return None;
    }
    let mut n: i64 = 0;
    for &b in digits {
        let d = i64::from(b.wrapping_sub(b'0'));
        if d > 9 {
            return None;
        }
        // Accumulate negatively so that i64::MIN parses.
        n = n.checked_mul(10)?.checked_sub(d)?;
    }
    if negative {
        Some(n)
    } else {
        n.checked_neg()
    }
}

/// A decimal number, e.g. `1795342675.151053` (a timestamp) or `0.25`.
#[inline]
pub fn number(bytes: &[u8]) -> Option<f64> {
    std::str::from_utf8(bytes.trim_ascii()).ok()?.parse().ok()
}

/// A whole number of seconds (`Duration: 65`); negative values are not
/// durations.
#[inline]
pub fn seconds(bytes: &[u8]) -> Option<Duration> {
    integer(bytes)
        .and_then(|s| u64::try_from(s).ok())
        .map(Duration::from_secs)
}

/// `HH:MM:SS`, e.g. `00:01:05` or `100:00:00` (hours may have more digits).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(ami_wire::value::hms(b"01:02:03"), Some(Duration::from_secs(3723)));
/// assert_eq!(ami_wire::value::hms(b"00:60:00"), None);
/// ```
#[inline]
pub fn hms(bytes: &[u8]) -> Option<Duration> {
    let mut parts = bytes.trim_ascii().split(|&b| b == b':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let num = |p: &[u8]| -> Option<u64> {
        (!p.is_empty() && p.iter().all(u8::is_ascii_digit))
            .then(|| std::str::from_utf8(p).ok()?.parse().ok())?
    };
    let (h, m, s) = (num(h)?, num(m)?, num(s)?);
    if m >= 60 || s >= 60 {
        return None;
    }
    Some(Duration::from_secs(
        h.checked_mul(3600)?.checked_add(m * 60 + s)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_in_any_case_and_nothing_else_does() {
        for w in TRUE_WORDS {
            assert_eq!(
                boolean(w.to_ascii_uppercase().as_bytes()),
                Some(true),
                "{w}"
            );
        }
        for w in FALSE_WORDS {
            assert_eq!(boolean(w.as_bytes()), Some(false), "{w}");
        }
        for w in ["", "2", "yess", "enabled", "nil"] {
            assert_eq!(boolean(w.as_bytes()), None, "{w}");
            assert!(!is_true(w.as_bytes()));
        }
    }

    #[test]
    fn integers_stop_at_the_edges_of_i64() {
        assert_eq!(integer(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(integer(b"9223372036854775808"), None);
        assert_eq!(integer(b"0017"), Some(17));
        for bad in [&b""[..], b"-", b"+", b"1.5", b"0x10", b"12a", b"1 2"] {
            assert_eq!(integer(bad), None, "{bad:?}");
        }
        assert_eq!(seconds(b"-1"), None);
        assert_eq!(seconds(b"65"), Some(Duration::from_secs(65)));
    }
}
