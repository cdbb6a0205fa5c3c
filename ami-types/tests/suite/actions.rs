//! The generated actions of the real spec: serialisation of indexed groups,
//! repeated keys, value enums and the metadata that describes them.

use ami_types::action::{AOCMessage, AOCMessageUnit, UpdateConfig, UpdateConfigAction};
use ami_types::enums::UpdateConfigActionKind;
use ami_types::{meta, Action, Message};

fn lines(m: &Message) -> Vec<String> {
    m.iter().map(|(k, v)| format!("{k}: {v}")).collect()
}

#[test]
fn update_config_numbers_its_entries_from_zero() {
    let m = UpdateConfig::new("extensions.conf", "extensions.conf")
        .reload("yes")
        .actions(
            UpdateConfigAction::new()
                .action(UpdateConfigActionKind::NewCat)
                .cat("ami-test"),
        )
        .actions(
            UpdateConfigAction::new()
                .action("Append")
                .cat("ami-test")
                .var("exten")
                .value("100,1,Answer()"),
        )
        .to_message();
    assert_eq!(
        lines(&m),
        [
            "Action: UpdateConfig",
            "SrcFilename: extensions.conf",
            "DstFilename: extensions.conf",
            "Reload: yes",
            "Action-000000: NewCat",
            "Cat-000000: ami-test",
            "Action-000001: Append",
            "Cat-000001: ami-test",
            "Var-000001: exten",
            "Value-000001: 100,1,Answer()",
        ]
    );
}

#[test]
fn aoc_message_numbers_its_units_in_parentheses() {
    let m = AOCMessage::new("D")
        .channel("PJSIP/100-00000001")
        .units(AOCMessageUnit::new().unit_amount("5").unit_type("1"))
        .units(AOCMessageUnit::new().unit_amount("7"))
        .to_message();
    assert_eq!(
        lines(&m),
        [
            "Action: AOCMessage",
            "Channel: PJSIP/100-00000001",
            "MsgType: D",
            "UnitAmount(0): 5",
            "UnitType(0): 1",
            "UnitAmount(1): 7",
        ]
    );
}

#[test]
fn metadata_matches_the_generated_types() {
    assert_eq!(ami_types::action::NAMES.len(), meta::ACTIONS.len());
    assert_eq!(ami_types::event::NAMES.len(), meta::EVENTS.len());
    for (name, m) in ami_types::action::NAMES.iter().zip(meta::ACTIONS) {
        assert_eq!(*name, m.name);
    }
    let update = meta::action("updateconfig").unwrap();
    let action = update.param("Action-000042").unwrap();
    assert_eq!(
        action.kind,
        meta::ParamKind::Indexed(meta::IndexStyle::Dash6)
    );
    assert_eq!(action.values, UpdateConfigActionKind::VALUES);
    let aoc = meta::action("AOCMessage").unwrap();
    assert_eq!(aoc.param("UnitType(3)").unwrap().name, "UnitType");
    assert_eq!(
        aoc.required().map(|p| p.name).collect::<Vec<_>>(),
        ["MsgType"]
    );
    let originate = meta::action("Originate").unwrap();
    assert_eq!(
        originate.param("variable").unwrap().kind,
        meta::ParamKind::Repeated
    );
    assert!(meta::action("CoreShowChannels").unwrap().list.is_some());
    assert_eq!(<ami_types::action::Originate as Action>::NAME, "Originate");
}

#[test]
fn login_secrets_stay_out_of_debug() {
    let login = ami_types::action::Login::new("admin")
        .secret("hunter2")
        .key("0123abcd");
    let text = format!("{login:?}");
    assert!(
        !text.contains("hunter2") && !text.contains("0123abcd"),
        "{text}"
    );
    assert!(
        text.contains("<redacted>") && text.contains("admin"),
        "{text}"
    );
    let msg = login.to_message();
    assert_eq!(msg.get("Secret").unwrap(), "hunter2");
    assert!(!format!("{msg:?}").contains("hunter2"));
}
