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

/// A server that says it runs `version`.
async fn pbx(version: &str) -> ami_server::Server {
    ami_server::Server::start(ami_server::ServerConfig {
        asterisk_version: version.into(),
        ..Default::default()
    })
    .await
    .unwrap()
}

fn sent(server: &ami_server::Server, action: &str) -> bool {
    server.actions_received().iter().any(|a| a == action)
}

#[tokio::test]
async fn an_action_the_pbx_lacks_fails_before_it_is_sent() {
    use ami_types::{action, Error};

    let old = pbx("20.5.2").await;
    let (client, _events) = ami_types::connect(&old.url()).await.unwrap();
    let hangup = action::PJSIPHangup::new("PJSIP/100-00000001", "16");
    let err = client.send(&hangup).await.unwrap_err();
    let Error::Unsupported { what, have, needs } = &err else {
        panic!("{err}")
    };
    assert_eq!((what.as_str(), have.as_str()), ("PJSIPHangup", "20.5.2"));
    assert!(needs.contains("20.6+"), "{needs}");
    assert!(err.to_string().contains("20.6+"), "{err}");
    assert!(!sent(&old, "PJSIPHangup"), "{:?}", old.actions_received());
    // The version was asked once, on the first typed send.
    let asked = |s: &ami_server::Server| {
        s.actions_received()
            .iter()
            .filter(|a| *a == "CoreSettings")
            .count()
    };
    client.send(&action::Ping::new()).await.unwrap();
    assert_eq!(asked(&old), 1);

    // A parameter newer than the action: refused when set, not otherwise.
    let call = action::Originate::new("Local/100@default").application("Wait");
    let err = client
        .send(&call.clone().pre_dial_go_sub("sub,s,1"))
        .await
        .unwrap_err();
    let Error::Unsupported { what, needs, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(what, "Originate parameter PreDialGoSub");
    assert!(needs.contains("20.8+"), "{needs}");
    assert_eq!(
        old.actions_received()
            .iter()
            .filter(|a| *a == "Originate")
            .count(),
        0
    );
    client.send(&call).await.unwrap();
    assert!(sent(&old, "Originate"));

    // Sent anyway, when asked to.
    let anyway = client.send_anyway(&hangup).await;
    assert!(sent(&old, "PJSIPHangup"), "{anyway:?}");

    // A release that has it: sent.
    let new = pbx("22.10.1").await;
    let (client, _events) = ami_types::connect(&new.url()).await.unwrap();
    let answer = client.send(&hangup).await;
    assert!(sent(&new, "PJSIPHangup"), "{answer:?}");

    // With the check off, nothing is asked and everything is sent.
    let off = pbx("20.5.2").await;
    let (client, _events) = ami_types::ClientBuilder::from_url(&off.url())
        .unwrap()
        .check_releases(false)
        .connect_untyped()
        .await
        .unwrap();
    let _ = client.send(&hangup).await;
    assert!(sent(&off, "PJSIPHangup"));
    assert_eq!(asked(&off), 0);
}

#[test]
fn the_needs_read_as_releases_per_branch() {
    let hangup = meta::action("PJSIPHangup").unwrap();
    let needs = meta::needs(hangup.releases);
    assert!(
        needs.contains("20.6+") && needs.contains("22.0+"),
        "{needs}"
    );
    let mut msg = ami_types::Message::action("pjsiphangup");
    msg.append("Channel", "PJSIP/1");
    assert!(meta::check_release(&msg, "20.5.2").is_err());
    assert!(meta::check_release(&msg, "22.0.0").is_ok());
    // What every release handles, though documented late, is not refused.
    let mut login = ami_types::Message::action("MixMonitor");
    login.append("Channel", "PJSIP/1");
    login.append("File", "x.wav");
    login.append("Options", "b");
    assert!(meta::check_release(&login, "20.0.0").is_ok());
    // A branch the matrix does not know is not refused.
    assert!(meta::check_release(&msg, "16.30.0").is_ok());
}

#[test]
fn every_completion_event_has_its_list_fields_typed() {
    let mut checked = 0;
    for a in meta::ACTIONS {
        let Some(list) = a.list else { continue };
        let complete = meta::event(list.complete)
            .unwrap_or_else(|| panic!("{}: no event {}", a.name, list.complete));
        for key in ["EventList", "ListItems"] {
            assert!(
                complete.fields.iter().any(|f| f.name == key),
                "{} (of {}) has no typed {key}",
                complete.name,
                a.name
            );
        }
        checked += 1;
    }
    assert!(checked > 30, "{checked}");
}

#[test]
fn every_action_and_event_says_what_it_is_for() {
    // Asterisk's words in a build from its XML, the project's own in the
    // default build (spec/synopses.toml).
    let bare: Vec<&str> = meta::ACTIONS
        .iter()
        .filter(|a| a.synopsis.trim().is_empty())
        .map(|a| a.name)
        .chain(
            meta::EVENTS
                .iter()
                .filter(|e| e.synopsis.trim().is_empty())
                .map(|e| e.name),
        )
        .collect();
    assert!(bare.is_empty(), "no synopsis: {bare:?}");
}
