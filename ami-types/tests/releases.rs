//! The metadata says which Asterisk releases document each action,
//! parameter, event and field (the version matrix of ami-codegen).

use ami_types::meta::{self, in_release};

#[test]
fn backported_items_name_the_releases_that_have_them() {
    let hangup = meta::action("PJSIPHangup").expect("PJSIPHangup is documented");
    assert_eq!(in_release(hangup.releases, "20.5.2"), Some(false));
    assert_eq!(in_release(hangup.releases, "20.6.0"), Some(true));
    assert_eq!(in_release(hangup.releases, "21.0.0"), Some(false));
    assert_eq!(in_release(hangup.releases, "22.0.0"), Some(true));
    // Newer than the matrix knows in a branch it knows: as its newest.
    assert_eq!(in_release(hangup.releases, "22.11.0-rc1"), Some(true));
    // A branch the matrix does not cover.
    assert_eq!(in_release(hangup.releases, "19.8.0"), None);
    let originate = meta::action("Originate").unwrap();
    assert_eq!(in_release(originate.releases, "18.0.0"), Some(true));
    let predial = originate.param("PreDialGoSub").expect("documented");
    assert_eq!(in_release(predial.releases, "20.7.0"), Some(false));
    assert_eq!(in_release(predial.releases, "20.8.0"), Some(true));
    assert!(
        meta::MATRIX_RELEASES.contains("23.0.0..="),
        "{}",
        meta::MATRIX_RELEASES
    );
    // Every documented action of this build is in the matrix.
    for a in meta::ACTIONS {
        assert!(!a.releases.is_empty(), "{} has no releases", a.name);
    }
}
