//! The model reads events through their typed accessors: a field read by
//! its wire key is one that some release the model builds against does
//! not document (so no accessor exists in every build), each named here
//! with its reason.

use std::collections::BTreeSet;
use std::path::Path;

/// Keys the model may read by name, and why.
const BY_KEY: &[(&str, &str)] = &[
    (
        "TechCause",
        "Hangup: only 20.17+, 22.7+ and 23.1+ document it",
    ),
    ("FromBridgeUniqueid", "BridgeMerge: no such event in 18"),
    ("ToBridgeUniqueid", "BridgeMerge: no such event in 18"),
    (
        "TransferTargetUniqueid",
        "AttendedTransfer: not documented in 18",
    ),
    (
        "ChannelId",
        "Originate: read back from the action the model sends",
    ),
];

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path.display().to_string(), text));
        }
    }
}

/// Every `"Key"` passed to a by-name read: `opt(msg, "Key")`,
/// `text(msg, "Key")` or `.get("Key")`.
fn keys_read_by_name(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        for opener in ["opt(", "text(", ".get("] {
            let mut rest = code;
            while let Some(at) = rest.find(opener) {
                rest = &rest[at + opener.len()..];
                let Some(q) = rest.find('"') else { break };
                // `opt(msg, "Key")`: a literal after at most one argument.
                if rest[..q].contains(')') || rest[..q].matches(',').count() > 1 {
                    continue;
                }
                let Some(end) = rest[q + 1..].find('"') else {
                    break;
                };
                keys.push(rest[q + 1..q + 1 + end].to_owned());
            }
        }
    }
    keys
}

#[test]
fn only_fields_some_release_lacks_are_read_by_key() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 10, "the sources were found");
    let allowed: BTreeSet<&str> = BY_KEY.iter().map(|(k, _)| *k).collect();
    let mut seen = BTreeSet::new();
    for (path, text) in &files {
        for key in keys_read_by_name(text) {
            assert!(
                allowed.contains(key.as_str()),
                "{path} reads {key:?} by its wire key: use the typed accessor"
            );
            seen.insert(key);
        }
    }
    // Each exception is still needed (a stale one would hide a new read).
    for (key, why) in BY_KEY {
        assert!(
            seen.contains(*key),
            "{key} ({why}) is no longer read by key"
        );
    }
}

#[test]
fn the_scan_finds_a_read_by_key() {
    let keys = keys_read_by_name(
        "let uid = opt(msg, \"Uniqueid\");\nlet c = text(msg, \"Cause\"); // text(msg, \"X\")\nm.get(\"Channel\")",
    );
    assert_eq!(keys, ["Uniqueid", "Cause", "Channel"]);
}
