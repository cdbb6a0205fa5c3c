//! Snapshots of the Rust generated from the small hand-written fixture XMLs
//! in `fixtures/` (every xpointer form, snapshot macros with and without
//! prefix, merged duplicates, enumlists, list responses, names that are
//! keywords or not identifiers, indexed groups).
//!
//! Each module is stored as `snapshots/snapshot_fixtures__<fixture>_<module>.snap.rs`
//! (plain Rust): `ami-types`'s test `generated_fixtures.rs` `include!`s them,
//! so they are compiled and exercised too. Update with
//! `INSTA_UPDATE=always cargo test -p ami-codegen --test snapshot_fixtures`.

use ami_codegen::{read_model_str, render_model, Spec};

/// Fixtures and the overrides they are generated with.
const FIXTURES: &[(&str, &[(&str, &str)])] = &[
    ("includes", &[]),
    (
        "lists",
        &[
            (
                "lists.toml",
                "[ShowPeers]\nitems = [\"PeerShown\", \"PeerDetail\"]\ncomplete = \"PeersShownComplete\"\n",
            ),
            (
                "events.toml",
                "[PeerDetail]\nfields = [\"Peer\", \"Address\"]\nsynopsis = \"Details of one peer.\"\n\
                 [PeersShownComplete]\nfields = [\"ListItems\", \"Elapsed\"]\n",
            ),
            ("responses.toml", "[ShowRooms]\nfields = [\"Rooms\"]\n"),
            (
                "types.toml",
                "[fields]\nListItems = \"integer\"\n[responses.ShowRooms]\nRooms = \"integer\"\n",
            ),
        ],
    ),
    ("merge", &[]),
    (
        "names",
        &[(
            "types.toml",
            "[multi]\nOriginate = [\"Variable\"]\n[fields]\nCause = \"integer\"\n",
        )],
    ),
    ("snapshots", &[("types.toml", "[fields]\nChannelState = \"channel_state\"\nPriority = \"integer\"\n")]),
];

fn render(name: &str, spec: &[(&str, &str)]) -> Vec<(&'static str, String)> {
    let path = format!("{}/tests/fixtures/{name}.xml", env!("CARGO_MANIFEST_DIR"));
    let xml = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let spec = Spec::from_strs(spec).unwrap_or_else(|e| panic!("{name}: {e}"));
    let model = read_model_str(&xml, &format!("fixture {name}.xml"), &spec)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    render_model(&model).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn fixtures() {
    for (name, spec) in FIXTURES {
        for (module, text) in render(name, spec) {
            syn::parse_file(&text).unwrap_or_else(|e| panic!("{name} {module}: {e}"));
            insta::assert_binary_snapshot!(&format!("{name}_{module}.rs"), text.into_bytes());
        }
    }
}

#[test]
fn every_fixture_is_snapshotted() {
    let dir = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".xml").map(str::to_owned))
        // Fixtures that must fail to read are the reader's business.
        .filter(|n| !n.starts_with("bad_"))
        .collect();
    found.sort();
    let listed: Vec<&str> = FIXTURES.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        found, listed,
        "add new fixtures to FIXTURES (and to ami-types/tests/generated_fixtures.rs)"
    );
}

#[test]
fn generating_twice_gives_identical_bytes() {
    for (name, spec) in FIXTURES {
        assert_eq!(render(name, spec), render(name, spec), "{name}");
    }
}
