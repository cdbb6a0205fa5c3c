//! A hand-built model that exercises every shape the emitter produces, so the
//! emitter can be tested without the XML reader. Its prose is made up.

#![allow(dead_code)]

use ami_codegen::model::*;

pub fn docs(synopsis: &str) -> Docs {
    Docs {
        synopsis: (!synopsis.is_empty()).then(|| synopsis.to_owned()),
        ..Docs::default()
    }
}

pub fn field(wire: &str, rust: &str, ty: FieldType) -> FieldDef {
    FieldDef {
        wire_name: wire.to_owned(),
        rust_name: rust.to_owned(),
        ty,
        required: false,
        default: None,
        multi: false,
        snapshot: None,
        docs: docs(&format!("The {wire} value.")),
        secrecy: Default::default(),
    }
}

pub fn required(mut f: FieldDef) -> FieldDef {
    f.required = true;
    f
}

pub fn multi(mut f: FieldDef) -> FieldDef {
    f.multi = true;
    f
}

pub fn event(wire: &str, rust: &str, fields: Vec<FieldDef>) -> EventDef {
    EventDef {
        wire_name: wire.to_owned(),
        rust_name: rust.to_owned(),
        fields,
        classes: vec!["call".to_owned()],
        docs: docs(&format!("Raised for {wire}.")),
        undocumented: false,
    }
}

pub fn action(wire: &str, rust: &str, params: Vec<Param>) -> ActionDef {
    ActionDef {
        wire_name: wire.to_owned(),
        rust_name: rust.to_owned(),
        params,
        docs: docs(&format!("Runs {wire}.")),
        list: None,
        response: None,
    }
}

fn s(f: FieldDef) -> Param {
    Param::Single(f)
}

fn value(wire: &str, rust: &str) -> EnumValue {
    EnumValue {
        wire_name: wire.to_owned(),
        rust_name: rust.to_owned(),
        docs: Docs::default(),
    }
}

/// Every emitter path: required/optional/typed/enum/repeated parameters,
/// both index styles, secrets, single- and multi-item lists, a typed
/// response, awkward names, an undocumented event, a fallback-name clash.
pub fn model() -> Model {
    use FieldType::*;
    let state_desc = Enum("ChannelStateDesc".to_owned());
    let mut originate = action(
        "Originate",
        "Originate",
        vec![
            s(required(field("Channel", "channel", String))),
            s(field("Exten", "exten", String)),
            s(FieldDef {
                default: Some("1".to_owned()),
                ..field("Priority", "priority", Integer)
            }),
            s(field("Timeout", "timeout", Integer)),
            s(field("Async", "async_", Boolean)),
            s(field("Type", "type_", Enum("OriginateType".to_owned()))),
            s(multi(field("Variable", "variable", String))),
            s(field("Codecs", "codecs", String)),
        ],
    );
    originate.docs = Docs {
        synopsis: Some("Originate a call; see [dialplan] <channel> and *everything* at https://example.org/x_y.".to_owned()),
        description: vec![
            "First paragraph with ${EXTEN} and CHAN_START.".to_owned(),
            "- not a list; 1. not a list either".to_owned(),
            "- Up: a value list item, *escaped*".to_owned(),
            "- Down".to_owned(),
            "After the list.".to_owned(),
        ],
        examples: vec!["Action: Originate\nChannel: PJSIP/100\nData: ```x```".to_owned()],
        since: vec!["12.0.0".to_owned()],
        module: Some("builtin".to_owned()),
    };

    let login = action(
        "Login",
        "Login",
        vec![
            s(required(field("Username", "username", String))),
            s(field("Secret", "secret", String)),
            s(field("Key", "key", String)),
            s(field("Events", "events", String)),
        ],
    );

    let update = action(
        "UpdateConfig",
        "UpdateConfig",
        vec![
            s(required(field("SrcFilename", "src_filename", String))),
            s(required(field("DstFilename", "dst_filename", String))),
            s(field("Reload", "reload", String)),
            Param::Group(GroupDef {
                rust_name: "actions".to_owned(),
                entry_name: "UpdateConfigAction".to_owned(),
                index: IndexStyle::Dash6,
                members: vec![
                    required(field(
                        "Action",
                        "action",
                        Enum("UpdateConfigActionKind".to_owned()),
                    )),
                    field("Cat", "cat", String),
                    field("Var", "var", String),
                    field("Value", "value", String),
                ],
                docs: docs("Editing steps."),
            }),
        ],
    );

    let aoc = action(
        "AOCMessage",
        "AOCMessage",
        vec![
            s(required(field("Channel", "channel", String))),
            s(required(field(
                "MsgType",
                "msg_type",
                Enum("AOCMessageMsgType".to_owned()),
            ))),
            Param::Group(GroupDef {
                rust_name: "units".to_owned(),
                entry_name: "AOCMessageUnit".to_owned(),
                index: IndexStyle::Paren,
                members: vec![
                    field("UnitAmount", "unit_amount", Integer),
                    field("UnitType", "unit_type", Integer),
                ],
                docs: Docs::default(),
            }),
        ],
    );

    let mut core_show = action("CoreShowChannels", "CoreShowChannels", vec![]);
    core_show.list = Some(ListDef {
        items: vec!["CoreShowChannel".to_owned()],
        complete: "CoreShowChannelsComplete".to_owned(),
    });

    let mut queue_status = action(
        "QueueStatus",
        "QueueStatus",
        vec![
            s(field("Queue", "queue", String)),
            s(field("Member", "member", String)),
        ],
    );
    queue_status.list = Some(ListDef {
        items: vec![
            "QueueParams".to_owned(),
            "QueueMember".to_owned(),
            "QueueEntry".to_owned(),
        ],
        complete: "QueueStatusComplete".to_owned(),
    });

    let mut ping = action("Ping", "Ping", vec![]);
    ping.response = Some(ResponseDef {
        rust_name: "PingResponse".to_owned(),
        fields: vec![
            field("Ping", "ping", String),
            field("Timestamp", "timestamp", Float),
        ],
    });

    let send_info = action(
        "SendInfo",
        "SendInfo",
        vec![
            s(required(field("Channel", "channel", String))),
            s(field("Content-Type", "content_type", String)),
            s(field(
                "100rel",
                "_100rel",
                Enum("SendInfo100rel".to_owned()),
            )),
        ],
    );

    let channel_fields = |prefix: &str, rprefix: &str| {
        vec![
            field(
                &format!("{prefix}Channel"),
                &format!("{rprefix}channel"),
                String,
            ),
            field(
                &format!("{prefix}ChannelState"),
                &format!("{rprefix}channel_state"),
                Integer,
            ),
            field(
                &format!("{prefix}ChannelStateDesc"),
                &format!("{rprefix}channel_state_desc"),
                state_desc.clone(),
            ),
            field(
                &format!("{prefix}Uniqueid"),
                &format!("{rprefix}uniqueid"),
                String,
            ),
        ]
    };

    let mut hangup_fields = channel_fields("", "");
    hangup_fields.push(field("Cause", "cause", Integer));
    hangup_fields.push(field("Cause-txt", "cause_txt", String));
    let mut dial_fields = channel_fields("", "");
    dial_fields.extend(channel_fields("Dest", "dest_"));
    dial_fields.push(field("DialString", "dial_string", String));

    let mut queue_member = event(
        "QueueMember",
        "QueueMember",
        vec![
            field("Queue", "queue", String),
            field("Paused", "paused", Boolean),
            field("InCall", "in_call", Boolean),
            field("LastCall", "last_call", Integer),
        ],
    );
    queue_member.undocumented = true;
    queue_member.docs = Docs::default();

    let mut complete = event(
        "QueueStatusComplete",
        "QueueStatusComplete",
        vec![field("ListItems", "list_items", Integer)],
    );
    complete.undocumented = true;

    let mut model = Model {
        source: "handmade model".to_owned(),
        actions: vec![
            aoc,
            core_show,
            login,
            originate,
            ping,
            queue_status,
            send_info,
            update,
        ],
        events: vec![
            event("AOC-D", "AOCD", vec![field("Charge", "charge", String)]),
            event("CoreShowChannel", "CoreShowChannel", channel_fields("", "")),
            event(
                "CoreShowChannelsComplete",
                "CoreShowChannelsComplete",
                vec![
                    field("EventList", "event_list", String),
                    field("ListItems", "list_items", Integer),
                ],
            ),
            event("DialBegin", "DialBegin", dial_fields),
            event("FullyBooted", "FullyBooted", vec![]),
            event("Hangup", "Hangup", hangup_fields),
            event(
                "NewExten",
                "NewExten",
                vec![
                    field("Extension", "extension", String),
                    field("Priority", "priority", Integer),
                    field("Application", "application", String),
                ],
            ),
            event(
                "QueueEntry",
                "QueueEntry",
                vec![
                    field("Queue", "queue", String),
                    field("Position", "position", Integer),
                ],
            ),
            queue_member,
            event(
                "QueueParams",
                "QueueParams",
                vec![
                    field("Queue", "queue", String),
                    field("Max", "max", Integer),
                    field("ServiceLevelPerf", "service_level_perf", Float),
                ],
            ),
            complete,
            event(
                "VarSet",
                "VarSet",
                vec![
                    field("Variable", "variable", String),
                    field("Value", "value", String),
                ],
            ),
            event(
                "UserEvent",
                "UserEvent",
                vec![
                    field("UserEvent", "user_event", String),
                    multi(field("Header", "header", String)),
                ],
            ),
        ],
        enums: vec![
            EnumDef {
                rust_name: "AOCMessageMsgType".to_owned(),
                values: vec![value("D", "D"), value("E", "E")],
                docs: Docs::default(),
            },
            EnumDef {
                rust_name: "ChannelStateDesc".to_owned(),
                values: vec![
                    value("Down", "Down"),
                    value("Up", "Up"),
                    value("Dialing Offhook", "DialingOffhook"),
                    value("Pre-ring", "PreRing"),
                ],
                docs: docs("The state of a channel, as text."),
            },
            EnumDef {
                rust_name: "OriginateType".to_owned(),
                values: vec![value("Other", "Other"), value("Local", "Local")],
                docs: Docs::default(),
            },
            EnumDef {
                rust_name: "SendInfo100rel".to_owned(),
                values: vec![
                    value("no", "No"),
                    value("required", "Required"),
                    value("yes", "Yes"),
                ],
                docs: Docs::default(),
            },
            EnumDef {
                rust_name: "UpdateConfigActionKind".to_owned(),
                values: vec![
                    value("NewCat", "NewCat"),
                    value("DelCat", "DelCat"),
                    value("Update", "Update"),
                ],
                docs: Docs::default(),
            },
        ],
    };
    model.record_secrecy();
    model
}
