//! What a new user reaches for: text in one step, the channel of any event,
//! JSON, the version generated from, named codes, durations, and errors
//! that say what happened.

use std::time::Duration;

use ami_server::{Server, ServerConfig};
use ami_types::codes::{DeviceState, HangupCause, OriginateReason};
use ami_types::event::{self, Event};
use ami_types::{action, Error, FromMessage, Message, TextField};

fn msg(fields: &[(&str, &str)]) -> Message {
    fields.iter().copied().collect()
}

#[test]
fn events_and_responses_serialize_as_their_fields_without_secrets() {
    let m = msg(&[
        ("Event", "VarSet"),
        ("Channel", "PJSIP/100-00000001"),
        ("Variable", "DB_PASSWORD"),
        ("Value", "s3cr3t"),
    ]);
    let typed = event::VarSet::from_message(m.clone());
    let json = serde_json::to_string(&typed).unwrap();
    assert_eq!(
        json,
        r#"{"Event":"VarSet","Channel":"PJSIP/100-00000001","Variable":"DB_PASSWORD","Value":"<redacted>"}"#
    );
    // The enum and the message say the same.
    assert_eq!(
        serde_json::to_string(&Event::from_message(m.clone())).unwrap(),
        json
    );
    assert_eq!(serde_json::to_string(&m).unwrap(), json);
    let pong = ami_types::response::PingResponse::from_message(msg(&[
        ("Response", "Success"),
        ("Ping", "Pong"),
    ]));
    assert_eq!(
        serde_json::to_string(&pong).unwrap(),
        r#"{"Response":"Success","Ping":"Pong"}"#
    );
}

#[test]
fn the_version_generated_from_is_known() {
    if cfg!(ami_spec_union) {
        // Several releases: none is the one.
        assert_eq!(ami_types::ASTERISK_VERSION, None);
        return;
    }
    let version = ami_types::ASTERISK_VERSION.expect("the bundled model names its version");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ami-codegen/models");
    match std::env::var("AMI_SPEC_XML") {
        // Documentation whose version was given.
        Ok(_) if std::env::var("AMI_SPEC_VERSION").is_ok() => {
            assert_eq!(Ok(version.to_owned()), std::env::var("AMI_SPEC_VERSION"))
        }
        // Another version's documentation, in a folder named after it.
        Ok(xml) => assert!(xml.contains(version), "{xml} vs {version}"),
        Err(_) => assert!(dir.join(format!("{version}.json")).exists(), "{version}"),
    }
}

#[test]
fn any_event_names_its_channel() {
    let e = Event::from_message(msg(&[
        ("Event", "DialBegin"),
        ("Channel", "PJSIP/100-00000001"),
        ("Uniqueid", "1.1"),
        ("Linkedid", "1.0"),
        ("DestChannel", "PJSIP/200-00000002"),
    ]));
    assert_eq!(e.channel().as_str(), Some("PJSIP/100-00000001"));
    assert_eq!(e.uniqueid().to_str_lossy(), "1.1");
    assert_eq!(e.linkedid().to_str_lossy(), "1.0");
    let booted = Event::from_message(msg(&[("Event", "FullyBooted")]));
    assert!(!booted.channel().is_set());
    assert_eq!(booted.uniqueid().to_str_lossy(), "");
}

#[test]
fn fixed_sets_and_durations_are_typed() {
    let hangup = event::Hangup::from_message(msg(&[("Event", "Hangup"), ("Cause", "17")]));
    assert_eq!(hangup.cause(), Some(HangupCause::UserBusy));
    assert_eq!(hangup.cause().unwrap().name(), "USER_BUSY");
    let odd = event::Hangup::from_message(msg(&[("Event", "Hangup"), ("Cause", "250")]));
    assert_eq!(odd.cause(), Some(HangupCause::Other(250)));
    let bad = event::Hangup::from_message(msg(&[("Event", "Hangup"), ("Cause", "x")]));
    assert_eq!(bad.cause(), None);
    assert_eq!(Event::Hangup(bad).field_errors().len(), 1);

    let o = event::OriginateResponse::from_message(msg(&[
        ("Event", "OriginateResponse"),
        ("Reason", "3"),
    ]));
    assert_eq!(o.reason(), Some(OriginateReason::NoAnswer));
    let m = event::QueueMemberStatus::from_message(msg(&[
        ("Event", "QueueMemberStatus"),
        ("Status", "6"),
    ]));
    assert_eq!(m.status(), Some(DeviceState::Ringing));

    let c = event::CoreShowChannel::from_message(msg(&[
        ("Event", "CoreShowChannel"),
        ("Duration", "01:02:03"),
    ]));
    assert_eq!(c.duration(), Some(Duration::from_secs(3723)));
    let cdr = event::Cdr::from_message(msg(&[
        ("Event", "Cdr"),
        ("Duration", "6"),
        ("BillableSeconds", "5"),
    ]));
    assert_eq!(cdr.duration(), Some(Duration::from_secs(6)));
    assert_eq!(cdr.billable_seconds(), Some(Duration::from_secs(5)));
    let shown = format!("{cdr:?}");
    assert!(shown.contains("duration: Some(6s)"), "{shown}");
    let shown = format!("{hangup:?}");
    assert!(shown.contains("cause: Some(UserBusy)"), "{shown}");
}

#[tokio::test]
async fn a_failed_command_says_what_the_cli_said() {
    let server = Server::start(ServerConfig::default()).await.unwrap();
    let (client, _events) = ami_types::connect(&server.url()).await.unwrap();
    let err = client.command("core show nothing").await.unwrap_err();
    let Error::Action { message, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        message.starts_with("No such command 'core show nothing'"),
        "{message}"
    );
    assert!(err.to_string().contains("No such command"), "{err}");
    // A typed action fails with Asterisk's message.
    let err = client
        .send(&action::Hangup::new("PJSIP/nobody"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Action { .. }), "{err:?}");
}
