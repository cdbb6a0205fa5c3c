//! The one rule that decides what is secret.
//!
//! This file is plain functions without dependencies, so that `ami-codegen`
//! compiles this very file (`#[path]`) and the generated types' `Debug`
//! follows the same rule as [`Message`](crate::Message)'s `Debug`.
//!
//! - A **secret name** is a key or variable name that, ignoring case, `_`
//!   and `-`, ends in `secret` or `md5cred`, or contains `password`:
//!   `Secret`, `OauthSecret`, `PasswordDigest`, `Md5Cred`, PJSIP's
//!   `password` and `md5_cred`, chan_sip's `md5secret`.
//! - A **secret key** is a secret name, or `Key` in a `Login` (the MD5
//!   answer).
//! - A value is secret when its key is; a `Value` is secret when the
//!   message's `Variable` (or `Value-NNNNNN` when its `Var-NNNNNN`, as in
//!   `UpdateConfig`) names a secret; and the part after `=` of an
//!   assignment (`Variable: PASSWORD=…`, `GetConfig`'s
//!   `Line-…: password=…`) is secret when the part before it is a secret
//!   name.

/// Whether `name` (a key, a configuration or channel variable) is secret.
pub fn is_secret_name(name: &[u8]) -> bool {
    let folded: Vec<u8> = name
        .iter()
        .filter(|b| !matches!(b, b'_' | b'-'))
        .map(u8::to_ascii_lowercase)
        .collect();
    folded.ends_with(b"secret")
        || folded.ends_with(b"md5cred")
        || folded.windows(8).any(|w| w == b"password")
}

/// Whether the value of `key` in a message of `owner` (its action or event
/// name) is secret by the key alone.
pub fn is_secret_key(owner: &[u8], key: &[u8]) -> bool {
    is_secret_name(key)
        || (key.eq_ignore_ascii_case(b"key") && owner.eq_ignore_ascii_case(b"login"))
}

/// For a `Value` key: the key whose value names the variable it sets
/// (`Variable`, or `Var-NNNNNN` for `Value-NNNNNN`), as `(base, suffix)`.
pub fn value_names_key(key: &[u8]) -> Option<(&'static [u8], &[u8])> {
    if key.eq_ignore_ascii_case(b"value") {
        return Some((b"variable", b""));
    }
    match key.get(..6) {
        Some(head) if head.eq_ignore_ascii_case(b"value-") => Some((b"var-", &key[6..])),
        _ => None,
    }
}

/// Where the secret part of an assignment `name=secret` starts (just after
/// the `=`), when `name` is a secret name.
pub fn secret_assignment(value: &[u8]) -> Option<usize> {
    let eq = value.iter().position(|&b| b == b'=')?;
    is_secret_name(value[..eq].trim_ascii()).then_some(eq + 1)
}

/// Whether values of `key` may be assignments `NAME=value` (channel
/// variables, configuration lines), whose secret part is redacted.
pub fn holds_assignments(key: &[u8]) -> bool {
    let base = key.split(|&b| b == b'-' || b == b'(').next().unwrap_or(key);
    const CHAN_VARIABLE: &[u8] = b"chanvariable";
    // `ChanVariable` with any snapshot prefix (`DestChanVariable`, …).
    let chan_variable = base.len() >= CHAN_VARIABLE.len()
        && base[base.len() - CHAN_VARIABLE.len()..].eq_ignore_ascii_case(CHAN_VARIABLE);
    chan_variable
        || [b"variable" as &[u8], b"line"]
            .iter()
            .any(|k| base.eq_ignore_ascii_case(k))
}

#[cfg(test)]
mod tests {
    use super::holds_assignments;

    #[test]
    fn channel_variables_hold_assignments_under_any_snapshot_prefix() {
        for key in [
            "Variable",
            "ChanVariable",
            "DestChanVariable",
            "TransfererChanVariable",
            "chanvariable",
            "Variable-000001",
            "Line-000000-000001",
        ] {
            assert!(holds_assignments(key.as_bytes()), "{key}");
        }
        for key in ["Variables", "AllVariables", "Value", "Channel", "Var"] {
            assert!(!holds_assignments(key.as_bytes()), "{key}");
        }
    }
}
