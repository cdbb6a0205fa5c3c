//! The README's figures are the model's: its count of actions and events
//! is checked against the metadata of the default build (Asterisk
//! 22.10.1). Its Rust blocks compile as doc tests of `ami-tests`.

use ami_types::meta::{ACTIONS, EVENTS};

#[test]
fn the_readme_counts_what_the_types_hold() {
    if ami_types::ASTERISK_VERSION != Some("22.10.1") {
        // Another version's build (CI runs every one): other counts.
        return;
    }
    let readme = include_str!("../../../README.md");
    let undocumented = EVENTS.iter().filter(|e| e.undocumented).count();
    let lists = ACTIONS.iter().filter(|a| a.list.is_some()).count();
    let sentence = format!(
        "{} actions, {} events ({} documented\n  plus {} that Asterisk 22 sends without documenting, from `spec/`) and {} list\n  actions for Asterisk 22.10.1",
        ACTIONS.len(),
        EVENTS.len(),
        EVENTS.len() - undocumented,
        undocumented,
        lists
    );
    assert!(
        readme.contains(&sentence),
        "the README should say:\n{sentence}"
    );
}
