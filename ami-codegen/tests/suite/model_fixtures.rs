//! The reader and lowering on the hand-written fixtures in `tests/fixtures/`:
//! each xpointer form, the snapshot macros, merged duplicates, lists, and
//! names that are keywords or not identifiers.

use std::path::PathBuf;

use ami_codegen::model::{ActionDef, EventDef, FieldDef, FieldType, IndexStyle, Model, Param};
use ami_codegen::{read_model_str, Error, Spec};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn model(name: &str) -> Model {
    model_with(name, &Spec::empty())
}

fn model_with(name: &str, spec: &Spec) -> Model {
    read_model_str(&fixture(name), name, spec).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn action<'a>(m: &'a Model, wire: &str) -> &'a ActionDef {
    m.actions
        .iter()
        .find(|a| a.wire_name == wire)
        .unwrap_or_else(|| panic!("no action {wire}"))
}

fn event<'a>(m: &'a Model, wire: &str) -> &'a EventDef {
    m.events
        .iter()
        .find(|e| e.wire_name == wire)
        .unwrap_or_else(|| panic!("no event {wire}"))
}

fn singles(a: &ActionDef) -> Vec<&FieldDef> {
    a.params
        .iter()
        .filter_map(|p| match p {
            Param::Single(f) => Some(f),
            Param::Group(_) => None,
        })
        .collect()
}

fn wire_names(fields: &[FieldDef]) -> Vec<&str> {
    fields.iter().map(|f| f.wire_name.as_str()).collect()
}

fn single<'a>(a: &'a ActionDef, wire: &str) -> &'a FieldDef {
    singles(a)
        .into_iter()
        .find(|f| f.wire_name == wire)
        .unwrap_or_else(|| panic!("{} has no parameter {wire}", a.wire_name))
}

fn field<'a>(e: &'a EventDef, wire: &str) -> &'a FieldDef {
    e.fields
        .iter()
        .find(|f| f.wire_name == wire)
        .unwrap_or_else(|| panic!("{} has no field {wire}", e.wire_name))
}

fn enum_values(m: &Model, ty: &FieldType) -> Vec<String> {
    let FieldType::Enum(name) = ty else {
        panic!("not an enum: {ty:?}");
    };
    m.enums
        .iter()
        .find(|e| &e.rust_name == name)
        .unwrap_or_else(|| panic!("no enum {name}"))
        .values
        .iter()
        .map(|v| v.wire_name.clone())
        .collect()
}

const CHANNEL: [&str; 14] = [
    "Channel",
    "ChannelState",
    "ChannelStateDesc",
    "CallerIDNum",
    "CallerIDName",
    "ConnectedLineNum",
    "ConnectedLineName",
    "Language",
    "AccountCode",
    "Context",
    "Exten",
    "Priority",
    "Uniqueid",
    "Linkedid",
];

const BRIDGE: [&str; 8] = [
    "BridgeUniqueid",
    "BridgeType",
    "BridgeTechnology",
    "BridgeCreator",
    "BridgeName",
    "BridgeNumChannels",
    "BridgeVideoSourceMode",
    "BridgeVideoSource",
];

fn prefixed(prefix: &str, names: &[&str]) -> Vec<String> {
    names.iter().map(|n| format!("{prefix}{n}")).collect()
}

#[test]
fn include_of_one_action_parameter_is_resolved_and_action_id_dropped() {
    let m = model("includes.xml");
    let frob = action(&m, "Frobnicate");
    assert_eq!(
        singles(frob)
            .iter()
            .map(|f| f.wire_name.as_str())
            .collect::<Vec<_>>(),
        ["Channel", "Mode", "Style", "Strength"]
    );
    assert!(single(frob, "Channel").required);
    assert_eq!(single(frob, "Mode").default.as_deref(), Some("gentle"));
    let login = action(&m, "Login");
    assert_eq!(
        singles(login)
            .iter()
            .map(|f| f.wire_name.as_str())
            .collect::<Vec<_>>(),
        ["Username", "Secret"]
    );
}

#[test]
fn include_of_a_numbered_paragraph() {
    let m = model("includes.xml");
    let style = single(action(&m, "Frobnicate"), "Style");
    assert_eq!(
        style.docs.description,
        [
            "Accepts the same spelling rules as Channel.",
            "Names are matched exactly."
        ]
    );
}

#[test]
fn include_of_an_enumlist() {
    let m = model("includes.xml");
    let frob = action(&m, "Frobnicate");
    let strength = single(frob, "Strength");
    assert_eq!(enum_values(&m, &strength.ty), ["gentle", "firm", "wild"]);
    // Same values, different field: two enums, each named after its field.
    assert_eq!(strength.ty, FieldType::Enum("Strength".into()));
    assert_eq!(single(frob, "Mode").ty, FieldType::Enum("Mode".into()));
}

#[test]
fn include_of_all_parameters_of_an_event() {
    let m = model("includes.xml");
    assert_eq!(
        wire_names(&event(&m, "Refrobnicated").fields),
        [
            "Channel",
            "Result",
            "ReportXFoo",
            "ReportXBar",
            "Other",
            "Times"
        ]
    );
}

#[test]
fn include_of_one_event_parameter_contains_and_relative_form() {
    let m = model("includes.xml");
    let report = event(&m, "FrobReport");
    assert_eq!(
        wire_names(&report.fields),
        ["Channel", "ReportXFoo", "ReportXBar", "Result"]
    );
    assert_eq!(
        enum_values(&m, &field(report, "Result").ty),
        ["Ok", "Failed"]
    );
    assert_eq!(report.classes, ["reporting"]);
}

#[test]
fn include_of_a_whole_event_documents_a_list() {
    let m = model("includes.xml");
    let list = action(&m, "FrobList").list.as_ref().expect("a list action");
    assert_eq!(list.items, ["Frobnicated"]);
    assert_eq!(list.complete, "FrobListComplete");
    // The included copy merges with the event; no field is doubled.
    assert_eq!(
        wire_names(&event(&m, "Frobnicated").fields),
        ["Channel", "Result", "ReportXFoo", "ReportXBar", "Other"]
    );
    assert_eq!(
        wire_names(&event(&m, "FrobListComplete").fields),
        ["EventList", "ListItems"]
    );
    let names: Vec<&str> = m.events.iter().map(|e| e.wire_name.as_str()).collect();
    assert_eq!(
        names,
        [
            "FrobListComplete",
            "FrobReport",
            "Frobnicated",
            "Refrobnicated"
        ]
    );
}

#[test]
fn channel_snapshot_without_prefix() {
    let m = model("snapshots.xml");
    let poked = event(&m, "Poked");
    let mut expected: Vec<String> = prefixed("", &CHANNEL);
    expected.push("Strength".into());
    assert_eq!(wire_names(&poked.fields), expected);
    // `prefix=""` is the same as no prefix.
    let xml = r#"<docs><managerEvent name="Poked"><managerEventInstance class="EVENT_FLAG_CALL">
        <synopsis>A channel was poked.</synopsis><syntax><channel_snapshot prefix=""/>
        <parameter name="Strength"><para>How hard.</para></parameter></syntax>
        </managerEventInstance></managerEvent></docs>"#;
    let inline = read_model_str(xml, "inline", &Spec::empty()).unwrap();
    assert_eq!(wire_names(&inline.events[0].fields), expected);
    assert_eq!(
        enum_values(&m, &field(poked, "ChannelStateDesc").ty),
        [
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
            "Unknown"
        ]
    );
}

#[test]
fn snapshots_with_prefix_and_bridge_snapshots() {
    let m = model("snapshots.xml");
    let transfer = event(&m, "PokeTransfer");
    let mut expected = prefixed("From", &CHANNEL);
    expected.extend(prefixed("To", &CHANNEL));
    expected.extend(prefixed("", &BRIDGE));
    expected.extend(prefixed("Target", &BRIDGE));
    expected.push("Reason".into());
    assert_eq!(wire_names(&transfer.fields), expected);
    // Every copy of a macro field shares one enum, named without prefix.
    for f in ["FromChannelStateDesc", "ToChannelStateDesc"] {
        assert_eq!(
            field(transfer, f).ty,
            FieldType::Enum("ChannelStateDesc".into())
        );
    }
    for f in ["BridgeVideoSourceMode", "TargetBridgeVideoSourceMode"] {
        assert_eq!(
            field(transfer, f).ty,
            FieldType::Enum("BridgeVideoSourceMode".into())
        );
    }
    assert_eq!(
        enum_values(&m, &field(transfer, "BridgeVideoSourceMode").ty),
        ["none", "talker", "single"]
    );
    let enums: Vec<&str> = m.enums.iter().map(|e| e.rust_name.as_str()).collect();
    assert_eq!(enums, ["BridgeVideoSourceMode", "ChannelStateDesc"]);
}

#[test]
fn includes_apply_before_macros() {
    let m = model("snapshots.xml");
    let copy = event(&m, "PokeCopy");
    // The include selects Poked's own parameters only (Strength), not the
    // unprefixed fields its snapshot macro stands for.
    let mut expected = prefixed("Copy", &CHANNEL);
    expected.push("Strength".into());
    assert_eq!(wire_names(&copy.fields), expected);
}

#[test]
fn global_types_reach_prefixed_snapshot_fields() {
    let spec = Spec::from_strs(&[(
        "types.toml",
        "[fields]\nChannelState = \"integer\"\nBridgeNumChannels = \"integer\"\n",
    )])
    .unwrap();
    let m = model_with("snapshots.xml", &spec);
    let transfer = event(&m, "PokeTransfer");
    for f in [
        "FromChannelState",
        "ToChannelState",
        "TargetBridgeNumChannels",
    ] {
        assert_eq!(field(transfer, f).ty, FieldType::Integer, "{f}");
    }
    assert_eq!(field(transfer, "FromChannel").ty, FieldType::String);
}

#[test]
fn an_action_documented_by_two_modules_is_one_action() {
    let m = model("merge.xml");
    assert_eq!(m.actions.len(), 1);
    let flush = action(&m, "MailboxFlush");
    assert_eq!(
        singles(flush)
            .iter()
            .map(|f| f.wire_name.as_str())
            .collect::<Vec<_>>(),
        ["Context", "Mailbox", "Force"]
    );
    assert!(single(flush, "Mailbox").required, "required=\"yes\" counts");
    assert_eq!(single(flush, "Force").default.as_deref(), Some("no"));
    assert_eq!(
        flush.docs.module.as_deref(),
        Some("app_mailbox_files, app_mailbox_sql")
    );
    assert_eq!(flush.docs.since, ["3.0.0", "3.1.0"]);
}

#[test]
fn event_instances_and_modules_are_merged() {
    let m = model("merge.xml");
    assert_eq!(m.events.len(), 2);
    let link = event(&m, "LinkToggled");
    assert_eq!(wire_names(&link.fields), ["Link", "State", "Reason"]);
    assert_eq!(link.classes, ["reporting", "system"]);
    assert_eq!(enum_values(&m, &field(link, "State").ty), ["Up", "Down"]);
    assert_eq!(link.docs.synopsis.as_deref(), Some("A link came up."));
    assert_eq!(link.docs.since, ["3.0.0", "3.2.0"]);

    let setting = event(&m, "SettingChanged");
    assert_eq!(wire_names(&setting.fields), ["Name", "Value", "Scope"]);
    assert_eq!(
        setting.docs.module.as_deref(),
        Some("app_settings, func_settings")
    );
    assert_eq!(setting.classes, ["dialplan"]);
}

#[test]
fn keywords_and_non_identifiers_get_rust_names() {
    let m = model("names.xml");
    let originate = action(&m, "Originate");
    assert_eq!(single(originate, "Async").rust_name, "async_");
    assert_eq!(single(originate, "Type").rust_name, "type_");
    let send = action(&m, "SendInfo");
    assert_eq!(single(send, "Content-Type").rust_name, "content_type");
    assert_eq!(single(send, "100rel").rust_name, "_100rel");
    assert_eq!(single(send, "100rel").ty, FieldType::Enum("V100rel".into()));

    assert_eq!(
        field(event(&m, "Hangup"), "Cause-txt").rust_name,
        "cause_txt"
    );
    let cid = event(&m, "CallerIdChange");
    assert_eq!(field(cid, "CID-CallingPres").rust_name, "cid_calling_pres");
    assert_eq!(field(cid, "Type").rust_name, "type_");
    assert_eq!(field(cid, "Match").rust_name, "match_");

    let aoc: Vec<(&str, &str)> = m
        .events
        .iter()
        .filter(|e| e.wire_name.starts_with("AOC"))
        .map(|e| (e.wire_name.as_str(), e.rust_name.as_str()))
        .collect();
    assert_eq!(
        aoc,
        [("AOC-D", "AocD"), ("AOC-E", "AocE"), ("AOC-S", "AocS")]
    );
    // Identical value sets under one field name share one enum.
    assert_eq!(
        field(event(&m, "AOC-D"), "Type").ty,
        FieldType::Enum("Type".into())
    );
    assert_eq!(
        field(event(&m, "AOC-E"), "Type").ty,
        FieldType::Enum("Type".into())
    );

    // The docs' spelling is kept; the emitter matches it case-insensitively.
    assert_eq!(event(&m, "NewExten").rust_name, "NewExten");
}

#[test]
fn numbered_families_become_indexed_groups() {
    let m = model("names.xml");
    let update = action(&m, "UpdateConfig");
    let singles: Vec<&str> = singles(update)
        .iter()
        .map(|f| f.wire_name.as_str())
        .collect();
    assert_eq!(singles, ["SrcFilename", "DstFilename", "Reload"]);
    let groups: Vec<_> = update
        .params
        .iter()
        .filter_map(|p| match p {
            Param::Group(g) => Some(g),
            Param::Single(_) => None,
        })
        .collect();
    assert_eq!(groups.len(), 1);
    let g = groups[0];
    assert_eq!(g.index, IndexStyle::Dash6);
    assert_eq!(g.rust_name, "actions");
    assert_eq!(g.entry_name, "UpdateConfigAction");
    assert_eq!(
        wire_names(&g.members),
        ["Action", "Cat", "Var", "Value", "Match", "Line", "Options"]
    );
    let rust: Vec<&str> = g.members.iter().map(|f| f.rust_name.as_str()).collect();
    assert_eq!(
        rust,
        ["action", "cat", "var", "value", "match_", "line", "options"]
    );
    assert_eq!(
        enum_values(&m, &g.members[0].ty),
        ["NewCat", "DelCat", "Update"]
    );
    // The group sits where its first member was documented.
    assert!(matches!(update.params.last(), Some(Param::Group(_))));

    let aoc = action(&m, "AOCMessage");
    let positions: Vec<&str> = aoc
        .params
        .iter()
        .map(|p| match p {
            Param::Single(f) => f.wire_name.as_str(),
            Param::Group(g) => g.entry_name.as_str(),
        })
        .collect();
    assert_eq!(
        positions,
        ["Channel", "MsgType", "AOCMessageUnit", "CurrencyName"]
    );
    let Some(Param::Group(units)) = aoc.params.get(2) else {
        panic!("no group");
    };
    assert_eq!(units.index, IndexStyle::Paren);
    assert_eq!(units.rust_name, "units");
    assert_eq!(wire_names(&units.members), ["UnitAmount", "UnitType"]);
}

#[test]
fn multi_valued_parameters_come_from_the_spec() {
    let plain = model("names.xml");
    assert!(!single(action(&plain, "Originate"), "Variable").multi);
    let spec = Spec::from_strs(&[("types.toml", "[multi]\nOriginate = [\"Variable\"]\n")]).unwrap();
    let m = model_with("names.xml", &spec);
    assert!(single(action(&m, "Originate"), "Variable").multi);
}

#[test]
fn list_responses_from_includes_and_inline_events() {
    let m = model("lists.xml");
    let peers = action(&m, "ShowPeers").list.as_ref().unwrap();
    assert_eq!(peers.items, ["PeerShown"]);
    assert_eq!(peers.complete, "PeersShownComplete");
    let rooms = action(&m, "ShowRooms").list.as_ref().unwrap();
    assert_eq!(rooms.items, ["RoomShown", "RoomMemberShown"]);
    assert_eq!(rooms.complete, "ShowRoomsComplete");
    let member = event(&m, "RoomMemberShown");
    let mut expected = vec!["Room".to_string()];
    expected.extend(prefixed("", &CHANNEL));
    assert_eq!(wire_names(&member.fields), expected);
    assert_eq!(
        enum_values(&m, &field(event(&m, "PeerShown"), "Status").ty),
        ["Reachable", "Unreachable", "Unknown"]
    );
}

#[test]
fn spec_lists_events_and_responses_apply_to_fixtures() {
    let spec = Spec::from_strs(&[
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
    ])
    .unwrap();
    let (m, usage) =
        ami_codegen::read_model_with_usage(&fixture("lists.xml"), "lists.xml", &spec).unwrap();
    assert_eq!(
        action(&m, "ShowPeers").list.as_ref().unwrap().items,
        ["PeerShown", "PeerDetail"]
    );
    let detail = event(&m, "PeerDetail");
    assert!(detail.undocumented);
    assert_eq!(wire_names(&detail.fields), ["Peer", "Address"]);
    let complete = event(&m, "PeersShownComplete");
    assert!(!complete.undocumented);
    assert_eq!(
        wire_names(&complete.fields),
        ["EventList", "ListItems", "Elapsed"]
    );
    assert_eq!(field(complete, "ListItems").ty, FieldType::Integer);
    let response = action(&m, "ShowRooms").response.as_ref().unwrap();
    assert_eq!(response.rust_name, "ShowRoomsResponse");
    assert_eq!(response.fields[0].ty, FieldType::Integer);
    assert!(
        usage.unmatched(&spec).is_empty(),
        "{:?}",
        usage.unmatched(&spec)
    );
}

#[test]
fn a_spec_entry_that_matches_nothing_is_reported() {
    let spec = Spec::from_strs(&[
        (
            "types.toml",
            "[fields]\nNoSuchField = \"integer\"\n[events.PeerShown]\nPeer = \"string\"\n",
        ),
        ("events.toml", "[PeerShown]\nfields = [\"Peer\"]\n"),
    ])
    .unwrap();
    let (_, usage) =
        ami_codegen::read_model_with_usage(&fixture("lists.xml"), "lists.xml", &spec).unwrap();
    assert_eq!(
        usage.unmatched(&spec),
        ["events.toml: PeerShown", "types.toml: fields.NoSuchField"]
    );
}

#[test]
fn a_list_item_unknown_to_this_version_is_left_out() {
    // `Ghost` may exist in another Asterisk version; here the documented
    // items stay and the unknown one is dropped (model_spec checks that every
    // event the spec names exists in some version).
    let spec = Spec::from_strs(&[(
        "lists.toml",
        "[ShowPeers]\nitems = [\"Ghost\"]\ncomplete = \"PeersShownComplete\"\n",
    )])
    .unwrap();
    let m = model_with("lists.xml", &spec);
    let list = action(&m, "ShowPeers").list.as_ref().unwrap();
    assert_eq!(list.items, ["PeerShown"]);
}

#[test]
fn a_list_contradicting_the_documentation_is_an_error() {
    let spec = Spec::from_strs(&[(
        "lists.toml",
        "[ShowPeers]\nitems = [\"PeerShown\"]\ncomplete = \"RoomShown\"\n",
    )])
    .unwrap();
    let err = read_model_str(&fixture("lists.xml"), "lists.xml", &spec).unwrap_err();
    assert!(err.to_string().contains("contradicts"), "{err}");
}

#[test]
fn an_unresolvable_include_names_the_element_and_the_action() {
    let err = read_model_str(
        &fixture("bad_include.xml"),
        "bad_include.xml",
        &Spec::empty(),
    )
    .unwrap_err();
    match &err {
        Error::UnresolvedInclude {
            xpointer, context, ..
        } => {
            assert!(xpointer.contains("Nowhere"), "{xpointer}");
            assert_eq!(context, "action `Broken`");
        }
        other => panic!("unexpected error {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("xi:include") && text.contains("Broken"),
        "{text}"
    );
}

#[test]
fn an_include_of_its_own_ancestor_is_a_cycle_error() {
    let xml = r#"<docs xmlns:xi="http://www.w3.org/2001/XInclude">
        <managerEvent name="Loop"><managerEventInstance class="EVENT_FLAG_CALL"><syntax>
            <xi:include xpointer="xpointer(/docs/managerEvent[@name='Loop'])" />
        </syntax></managerEventInstance></managerEvent></docs>"#;
    let err = read_model_str(xml, "loop", &Spec::empty()).unwrap_err();
    assert!(err.to_string().contains("cycle"), "{err}");
    assert!(err.to_string().contains("event `Loop`"), "{err}");
}

#[test]
fn an_unknown_xpointer_form_is_an_error_not_a_missing_field() {
    let xml = r#"<docs xmlns:xi="http://www.w3.org/2001/XInclude">
        <manager name="Odd"><syntax>
            <xi:include xpointer="xpointer(//parameter[last()])" />
        </syntax></manager></docs>"#;
    let err = read_model_str(xml, "odd", &Spec::empty()).unwrap_err();
    assert!(matches!(err, Error::UnsupportedInclude { .. }), "{err:?}");
    assert!(err.to_string().contains("action `Odd`"), "{err}");
}

#[test]
fn a_parameter_without_a_name_is_an_error() {
    let xml = r#"<docs><manager name="Nameless"><syntax><parameter/></syntax></manager></docs>"#;
    let err = read_model_str(xml, "nameless", &Spec::empty()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("<parameter>") && text.contains("action `Nameless`"),
        "{text}"
    );
}

#[test]
fn lowering_is_deterministic() {
    for name in [
        "includes.xml",
        "snapshots.xml",
        "merge.xml",
        "names.xml",
        "lists.xml",
    ] {
        assert_eq!(model(name), model(name), "{name}");
    }
}

#[test]
fn a_spec_list_naming_events_this_version_lacks_is_dropped_not_fatal() {
    // The spec covers several Asterisk versions: a list whose events this
    // version does not document must not break the build; the entry is
    // reported as matching nothing here instead.
    let spec = Spec::from_strs(&[(
        "lists.toml",
        "[Originate]\nitems = [\"NoSuchItem\"]\ncomplete = \"NoSuchComplete\"\n",
    )])
    .unwrap();
    let (m, usage) =
        ami_codegen::read_model_with_usage(&fixture("names.xml"), "names.xml", &spec).unwrap();
    assert!(action(&m, "Originate").list.is_none());
    assert_eq!(usage.unmatched(&spec), ["lists.toml: Originate"]);
}
