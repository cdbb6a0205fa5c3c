//! The snapshot macros `<channel_snapshot prefix="P"/>` and
//! `<bridge_snapshot prefix="P"/>`, which Asterisk expands (with its
//! `appdocsxml.xslt`) into a fixed run of parameters when it loads the docs.
//!
//! They are expanded after all includes, as Asterisk does: an include that
//! selects `parameter` elements never picks up the fields a macro produces.
//! The descriptions below are the project's own wording.

use super::{Element, Node};

/// A parameter a macro stands for: its name without prefix, a description,
/// and the documented values when it is one of a closed set.
struct MacroField {
    name: &'static str,
    about: &'static str,
    values: &'static [&'static str],
}

const fn field(name: &'static str, about: &'static str) -> MacroField {
    MacroField {
        name,
        about,
        values: &[],
    }
}

/// Attribute set on every parameter a macro produced: the field name without
/// prefix (`ChannelState` for `DestChannelState`). Lowering uses it to give
/// prefixed copies the type of the unprefixed field.
pub const SNAPSHOT_BASE_ATTR: &str = "snapshot-base";

/// Values of `ChannelStateDesc`.
pub const CHANNEL_STATE_DESC: &[&str] = &[
    "Down",
    "Rsrvd",
    "OffHook",
    "Dialing",
    "Ring",
    "Ringing",
    "Up",
    "Busy",
    "Dialing Offhook",
    "Pre-ring",
    "Unknown",
];

/// Values of `BridgeVideoSourceMode`.
pub const BRIDGE_VIDEO_SOURCE_MODE: &[&str] = &["none", "talker", "single"];

const CHANNEL_SNAPSHOT: &[MacroField] = &[
    field("Channel", "Name of the channel."),
    field("ChannelState", "Numeric state of the channel."),
    MacroField {
        name: "ChannelStateDesc",
        about: "State of the channel, as text.",
        values: CHANNEL_STATE_DESC,
    },
    field("CallerIDNum", "Caller ID number."),
    field("CallerIDName", "Caller ID name."),
    field("ConnectedLineNum", "Connected line number."),
    field("ConnectedLineName", "Connected line name."),
    field("Language", "Language set on the channel."),
    field("AccountCode", "Account code set on the channel."),
    field("Context", "Dialplan context the channel is in."),
    field("Exten", "Dialplan extension the channel is at."),
    field("Priority", "Dialplan priority the channel is at."),
    field("Uniqueid", "Unique id of the channel."),
    field("Linkedid", "Id linking the channels of one call."),
];

const BRIDGE_SNAPSHOT: &[MacroField] = &[
    field("BridgeUniqueid", "Unique id of the bridge."),
    field("BridgeType", "Kind of bridge."),
    field("BridgeTechnology", "Technology that moves the media."),
    field("BridgeCreator", "Who created the bridge."),
    field("BridgeName", "Name of the bridge."),
    field("BridgeNumChannels", "How many channels are in the bridge."),
    MacroField {
        name: "BridgeVideoSourceMode",
        about: "How the bridge picks its video source.",
        values: BRIDGE_VIDEO_SOURCE_MODE,
    },
    field(
        "BridgeVideoSource",
        "Unique id of the channel that is the video source, if any.",
    ),
];

/// The field names (without prefix) `<channel_snapshot/>` stands for.
pub fn channel_snapshot_fields() -> impl Iterator<Item = &'static str> {
    CHANNEL_SNAPSHOT.iter().map(|f| f.name)
}

/// The field names (without prefix) `<bridge_snapshot/>` stands for.
pub fn bridge_snapshot_fields() -> impl Iterator<Item = &'static str> {
    BRIDGE_SNAPSHOT.iter().map(|f| f.name)
}

/// The project's description of a snapshot field by its name without
/// prefix (`Channel`), for models that hold facts only, and what the
/// snapshot describes (`channel` or `bridge`).
pub fn about(base: &str) -> Option<(&'static str, &'static str)> {
    let find = |fields: &'static [MacroField]| fields.iter().find(|f| f.name == base);
    find(CHANNEL_SNAPSHOT)
        .map(|f| (f.about, "channel"))
        .or_else(|| find(BRIDGE_SNAPSHOT).map(|f| (f.about, "bridge")))
}

/// Replaces every snapshot macro in the tree by its parameters.
pub fn expand(element: &mut Element) {
    let needs_work = element.children.iter().any(|c| match c {
        Node::Element(e) => is_macro(e) || !e.children.is_empty(),
        Node::Text(_) => false,
    });
    if !needs_work {
        return;
    }
    let children = std::mem::take(&mut element.children);
    let mut out = Vec::with_capacity(children.len());
    for child in children {
        match child {
            Node::Element(e) if is_macro(&e) => {
                let fields = if e.name == "channel_snapshot" {
                    CHANNEL_SNAPSHOT
                } else {
                    BRIDGE_SNAPSHOT
                };
                let prefix = e.attr("prefix").unwrap_or("");
                out.extend(fields.iter().map(|f| Node::Element(parameter(prefix, f))));
            }
            Node::Element(mut e) => {
                expand(&mut e);
                out.push(Node::Element(e));
            }
            text => out.push(text),
        }
    }
    element.children = out;
}

fn is_macro(e: &Element) -> bool {
    e.name == "channel_snapshot" || e.name == "bridge_snapshot"
}

fn parameter(prefix: &str, f: &MacroField) -> Element {
    let mut p = Element::new("parameter")
        .with_attr("name", format!("{prefix}{}", f.name))
        .with_attr(SNAPSHOT_BASE_ATTR, f.name)
        .with_child(Element::new("para").with_text(f.about));
    if !f.values.is_empty() {
        let mut list = Element::new("enumlist");
        for v in f.values {
            list = list.with_child(Element::new("enum").with_attr("name", *v));
        }
        p = p.with_child(list);
    }
    p
}
