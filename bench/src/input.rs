//! The byte streams every contender decodes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The greeting every stream starts with (both clients expect one).
pub const GREETING: &[u8] = b"Asterisk Call Manager/11.0.0\r\n";

/// One input: a name and the bytes a socket would deliver.
pub struct Input {
    pub name: &'static str,
    pub bytes: Vec<u8>,
}

/// `session1.txt` without its greeting, repeated to at least `min_bytes`,
/// after one greeting.
pub fn session1(path: &Path, min_bytes: usize) -> Input {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let body = &raw[raw.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1)..];
    Input {
        name: "session1",
        bytes: repeat(body, min_bytes),
    }
}

/// Where `session1.txt` is: `AMI_SHARED_DIR`, else `../../shared` next to
/// the repository.
pub fn default_transcript() -> PathBuf {
    std::env::var("AMI_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
        .join("transcripts/session1.txt")
}

/// Simulated PJSIP calls (A dials B, B answers, they talk, B hangs up), 24
/// events per call shaped like Asterisk 22's (field order and values as in
/// `session1.txt`, two `ChanVariable` lines per channel snapshot, `Dest*`
/// fields on `DialBegin`/`DialEnd`, a `Cdr` at the end): at least
/// `min_events` events after the greeting.
pub fn calls(min_events: usize) -> Input {
    let (body, _) = call_events(min_events);
    let mut bytes = Vec::with_capacity(GREETING.len() + body.len());
    bytes.extend_from_slice(GREETING);
    bytes.extend_from_slice(&body);
    Input {
        name: "calls",
        bytes,
    }
}

/// The events of whole calls, at least `min_events` of them, without a
/// greeting; returns the bytes and the number of events.
pub fn call_events(min_events: usize) -> (Vec<u8>, usize) {
    let mut one = String::new();
    let mut bytes = Vec::new();
    let mut events = 0;
    let mut call = 0u64;
    while events < min_events {
        one.clear();
        write_call(&mut one, call, None);
        events += one.matches("\r\n\r\n").count();
        bytes.extend_from_slice(one.as_bytes());
        call += 1;
    }
    (bytes, events)
}

fn repeat(body: &[u8], min_bytes: usize) -> Vec<u8> {
    let copies = min_bytes.div_ceil(body.len()).max(1);
    let mut out = Vec::with_capacity(GREETING.len() + body.len() * copies);
    out.extend_from_slice(GREETING);
    for _ in 0..copies {
        out.extend_from_slice(body);
    }
    out
}

/// A channel's state as the channel block of an event shows it.
struct Chan {
    name: String,
    state: u8,
    num: &'static str,
    cid_name: &'static str,
    conn_num: &'static str,
    conn_name: &'static str,
    exten: &'static str,
    priority: u32,
    uniqueid: String,
    linkedid: String,
}

impl Chan {
    fn block(&self, out: &mut String, prefix: &str) {
        let desc = match self.state {
            0 => "Down",
            5 => "Ringing",
            6 => "Up",
            _ => "Ring",
        };
        let _ = write!(
            out,
            "{p}Channel: {}\r\n{p}ChannelState: {}\r\n{p}ChannelStateDesc: {desc}\r\n\
             {p}CallerIDNum: {}\r\n{p}CallerIDName: {}\r\n{p}ConnectedLineNum: {}\r\n\
             {p}ConnectedLineName: {}\r\n{p}Language: en\r\n{p}AccountCode: \r\n\
             {p}Context: from-internal\r\n{p}Exten: {}\r\n{p}Priority: {}\r\n\
             {p}Uniqueid: {}\r\n{p}Linkedid: {}\r\n\
             {p}ChanVariable: CDR(accountcode)=\r\n{p}ChanVariable: SIPCALLID={}@192.0.2.10\r\n",
            self.name,
            self.state,
            self.num,
            self.cid_name,
            self.conn_num,
            self.conn_name,
            self.exten,
            self.priority,
            self.uniqueid,
            self.linkedid,
            self.uniqueid,
            p = prefix,
        );
    }
}

/// Appends one call's events; `only` keeps just the named events.
fn write_call(out: &mut String, n: u64, only: Option<&[&str]>) {
    let secs = 1_795_342_675 + n / 10;
    let mut a = Chan {
        name: format!("PJSIP/1001-{:08x}", 2 * n),
        state: 4,
        num: "1001",
        cid_name: "Alice",
        conn_num: "<unknown>",
        conn_name: "<unknown>",
        exten: "1002",
        priority: 1,
        uniqueid: format!("{secs}.{}", 2 * n),
        linkedid: format!("{secs}.{}", 2 * n),
    };
    let mut b = Chan {
        name: format!("PJSIP/1002-{:08x}", 2 * n + 1),
        state: 0,
        num: "1002",
        cid_name: "Bob",
        conn_num: "1001",
        conn_name: "Alice",
        exten: "s",
        priority: 1,
        uniqueid: format!("{secs}.{}", 2 * n + 1),
        linkedid: a.linkedid.clone(),
    };
    let bridge = format!("b{n:07x}-6c8e-4d0b-9a1e-2f5d3c7a9e10");
    let keep = |name: &str| only.is_none_or(|o| o.contains(&name));
    let ev = |out: &mut String, name: &str, privilege: &str, body: &dyn Fn(&mut String)| {
        if keep(name) {
            let _ = write!(out, "Event: {name}\r\nPrivilege: {privilege},all\r\n");
            body(out);
            out.push_str("\r\n");
        }
    };
    let bridge_block = |out: &mut String, channels: u8| {
        let _ = write!(
            out,
            "BridgeUniqueid: {bridge}\r\nBridgeType: basic\r\nBridgeTechnology: simple_bridge\r\n\
             BridgeCreator: <unknown>\r\nBridgeName: <unknown>\r\nBridgeNumChannels: {channels}\r\n\
             BridgeVideoSourceMode: none\r\n"
        );
    };

    ev(out, "Newchannel", "call", &|o| a.block(o, ""));
    ev(out, "VarSet", "dialplan", &|o| {
        a.block(o, "");
        let _ = write!(
            o,
            "Variable: __SIPCALLID\r\nValue: 5f1c2e9a-{n:08x}@192.0.2.10\r\n"
        );
    });
    ev(out, "Newexten", "dialplan", &|o| {
        a.block(o, "");
        o.push_str("Extension: 1002\r\nApplication: Set\r\nAppData: CDR(userfield)=internal\r\n");
    });
    a.priority = 2;
    ev(out, "VarSet", "dialplan", &|o| {
        a.block(o, "");
        o.push_str("Variable: CDR(userfield)\r\nValue: internal\r\n");
    });
    ev(out, "Newexten", "dialplan", &|o| {
        a.block(o, "");
        o.push_str("Extension: 1002\r\nApplication: Dial\r\nAppData: PJSIP/1002,30,tT\r\n");
    });
    ev(out, "Newchannel", "call", &|o| b.block(o, ""));
    ev(out, "VarSet", "dialplan", &|o| {
        b.block(o, "");
        o.push_str("Variable: DIALEDPEERNUMBER\r\nValue: 1002\r\n");
    });
    ev(out, "DialBegin", "call", &|o| {
        a.block(o, "");
        b.block(o, "Dest");
        o.push_str("DialString: 1002\r\n");
    });
    b.state = 5;
    ev(out, "Newstate", "call", &|o| b.block(o, ""));
    b.state = 6;
    ev(out, "Newstate", "call", &|o| b.block(o, ""));
    ev(out, "DialEnd", "call", &|o| {
        a.block(o, "");
        b.block(o, "Dest");
        o.push_str("DialStatus: ANSWER\r\n");
    });
    a.state = 6;
    a.conn_num = "1002";
    a.conn_name = "Bob";
    ev(out, "Newstate", "call", &|o| a.block(o, ""));
    ev(out, "BridgeCreate", "call", &|o| bridge_block(o, 0));
    ev(out, "BridgeEnter", "call", &|o| {
        bridge_block(o, 1);
        b.block(o, "");
    });
    ev(out, "BridgeEnter", "call", &|o| {
        bridge_block(o, 2);
        a.block(o, "");
    });
    ev(out, "VarSet", "dialplan", &|o| {
        a.block(o, "");
        let _ = write!(o, "Variable: BRIDGEPEER\r\nValue: {}\r\n", b.name);
    });
    ev(out, "HangupRequest", "call", &|o| {
        b.block(o, "");
        o.push_str("Cause: 16\r\n");
    });
    ev(out, "BridgeLeave", "call", &|o| {
        bridge_block(o, 1);
        b.block(o, "");
    });
    ev(out, "Hangup", "call", &|o| {
        b.block(o, "");
        o.push_str("Cause: 16\r\nCause-txt: Normal Clearing\r\n");
    });
    ev(out, "BridgeLeave", "call", &|o| {
        bridge_block(o, 0);
        a.block(o, "");
    });
    ev(out, "BridgeDestroy", "call", &|o| bridge_block(o, 0));
    ev(out, "Hangup", "call", &|o| {
        a.block(o, "");
        o.push_str("Cause: 16\r\nCause-txt: Normal Clearing\r\n");
    });
    ev(out, "Cdr", "cdr", &|o| {
        let _ = write!(
            o,
            "AccountCode: \r\nSource: 1001\r\nDestination: 1002\r\nDestinationContext: from-internal\r\n\
             CallerID: \"Alice\" <1001>\r\nChannel: {}\r\nDestinationChannel: {}\r\n\
             LastApplication: Dial\r\nLastData: PJSIP/1002,30,tT\r\nStartTime: 2026-12-01 10:00:00\r\n\
             AnswerTime: 2026-12-01 10:00:03\r\nEndTime: 2026-12-01 10:01:00\r\nDuration: 60\r\n\
             BillableSeconds: 57\r\nDisposition: ANSWERED\r\nAMAFlags: DOCUMENTATION\r\n\
             UniqueID: {}\r\nUserField: internal\r\n",
            a.name, b.name, a.uniqueid
        );
    });
}
