//! The typed client (`ami_types::Client`) end to end against the embedded
//! AMI server of `ami-core`, and against tiny scripted peers for answers the
//! server never gives (a list without its list, a cancelled list, a wrong
//! `ListItems`).

use ami_types::codes::{DeviceState, HangupCause, OriginateReason};
use ami_types::TextField;
use std::collections::BTreeSet;
use std::time::Duration;

use ami_core::codec::{Decoder, Frame};
use ami_core::{ClientBuilder, Error, Message, StreamError};
use ami_server::{Server, ServerConfig};
use ami_types::action::{
    CoreSettings, CoreShowChannels, Getvar, Hangup, Originate, Ping, QueueStatus, QueueStatusItem,
    Setvar, Status,
};
use ami_types::event::{self, Event};
use ami_types::{Client, Collection, EventStream, FromMessage};
use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::timeout;

/// How long a test waits for anything.
const WAIT: Duration = Duration::from_secs(5);

fn fast() -> ServerConfig {
    ServerConfig {
        time_scale: 0.02,
        ..ServerConfig::default()
    }
}

async fn connect(server: &Server) -> (Client, EventStream) {
    ami_types::connect(&server.url()).await.expect("connects")
}

async fn next(events: &mut EventStream) -> Event {
    timeout(WAIT, events.recv())
        .await
        .expect("an event within the wait")
        .expect("the stream goes on")
}

/// Until `server` has no call left.
async fn no_calls(server: &Server) {
    timeout(WAIT, async {
        while server.active_calls() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the calls end");
}

#[tokio::test]
async fn originate_resolves_with_the_typed_originate_response() {
    let server = Server::start(fast()).await.unwrap();
    let (client, _events) = connect(&server).await;

    let answered = client
        .originate(
            &Originate::new("Local/100@default")
                .application("Wait")
                .data("1")
                .caller_id("\"Typed\" <100>")
                .variable("A=1")
                .async_(false), // overridden: originate always sets Async
        )
        .await
        .unwrap();
    assert!(answered.is_success(), "{answered:?}");
    assert_eq!(answered.reason(), Some(OriginateReason::Answered));
    assert!(answered
        .channel()
        .to_str_lossy()
        .into_owned()
        .starts_with("Local/100@default-"));
    assert!(answered
        .channel()
        .to_str_lossy()
        .into_owned()
        .ends_with(";1"));
    assert_eq!(answered.application().to_str_lossy().into_owned(), "Wait");
    assert_eq!(answered.data().to_str_lossy().into_owned(), "1");
    assert_eq!(answered.caller_id_num().to_str_lossy().into_owned(), "100");
    assert!(answered
        .uniqueid()
        .to_str_lossy()
        .into_owned()
        .contains('.'));
    assert!(answered.action_id().is_some());
    assert!(answered.field_errors().is_empty());
    assert_eq!(answered.raw().event_name().unwrap(), "OriginateResponse");

    for (channel, reason) in [
        ("PJSIP/busy", OriginateReason::Busy),
        ("PJSIP/congestion", OriginateReason::Congestion),
        ("Foo/bar", OriginateReason::Failed),
    ] {
        let failed = client
            .originate(&Originate::new(channel).application("Wait").data("1"))
            .await
            .unwrap();
        assert!(!failed.is_success(), "{channel}: {failed:?}");
        assert_eq!(failed.reason(), Some(reason), "{channel}");
        assert_eq!(failed.channel().to_str_lossy().into_owned(), channel);
        assert_eq!(failed.uniqueid().to_str_lossy().into_owned(), "<null>");
    }
    no_calls(&server).await;
}

#[tokio::test]
async fn a_collection_of_core_show_channels_counts_the_live_channels() {
    let server = Server::start(fast()).await.unwrap();
    let (client, _events) = connect(&server).await;

    let empty = client.list(&CoreShowChannels::new()).await.unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.reported, Some(0));

    // Three long calls: one Local (three channels), two PJSIP (one each).
    let mut names = BTreeSet::new();
    for channel in ["Local/100@default", "PJSIP/201", "PJSIP/202"] {
        let r = client
            .originate(&Originate::new(channel).application("Wait").data("1000"))
            .await
            .unwrap();
        assert!(r.is_success());
        names.insert(r.channel().to_str_lossy().into_owned());
    }
    let channels: Collection<event::CoreShowChannel, event::CoreShowChannelsComplete> =
        client.list(&CoreShowChannels::new()).await.unwrap();
    assert_eq!(channels.len(), 5, "{channels:#?}");
    assert_eq!(channels.reported, Some(5));
    channels.check_count().unwrap();
    assert!(!channels.is_cancelled());
    assert!(channels.response.is_success());
    assert_eq!(
        channels.complete.event_list().as_ref().unwrap().as_str(),
        Some("Complete")
    );
    let listed: BTreeSet<String> = channels
        .iter()
        .map(|c| c.channel().to_str_lossy().into_owned())
        .collect();
    assert!(names.is_subset(&listed), "{names:?} in {listed:?}");
    for c in &channels {
        assert!(c.field_errors().is_empty(), "{c:?}");
        assert_eq!(c.channel_state(), Some(ami_types::codes::ChannelState::Up));
        assert!(c.linkedid().is_some() && c.uniqueid().is_some());
    }

    // Hanging up every channel empties the list again.
    client.send(&Hangup::new("/-/")).await.unwrap();
    no_calls(&server).await;
    let after = client.list(&CoreShowChannels::new()).await.unwrap();
    assert_eq!((after.len(), after.reported), (0, Some(0)));
}

#[tokio::test]
async fn queue_status_gives_each_item_type_as_its_variant() {
    // The member is paused: a caller waits.
    let mut queue = ami_server::DemoQueue::default();
    queue.members[0].paused = true;
    let server = Server::start(ServerConfig {
        queues: vec![queue],
        ..fast()
    })
    .await
    .unwrap();
    let (client, mut events) = connect(&server).await;
    client
        .send(
            &Originate::new("PJSIP/5550100")
                .application("Queue")
                .data("support")
                .caller_id("\"Waiting Caller\" <5550100>")
                .async_(true),
        )
        .await
        .unwrap();
    while !matches!(next(&mut events).await, Event::QueueCallerJoin(_)) {}

    let status = client.list(&QueueStatus::new()).await.unwrap();
    status.check_count().unwrap();
    assert_eq!(status.reported, Some(3));
    let mut kinds = Vec::new();
    for item in &status {
        match item {
            QueueStatusItem::QueueParams(q) => {
                kinds.push("params");
                assert_eq!(q.queue().to_str_lossy().into_owned(), "support");
                assert_eq!(q.strategy().to_str_lossy().into_owned(), "ringall");
                assert_eq!(q.calls(), Some(1));
                assert_eq!(q.service_level_perf(), Some(0.0));
            }
            QueueStatusItem::QueueMember(m) => {
                kinds.push("member");
                assert_eq!(m.name().to_str_lossy().into_owned(), "Agent One");
                assert_eq!(
                    m.location().to_str_lossy().into_owned(),
                    "Local/agent1@queue-members/n"
                );
                assert_eq!(m.paused(), Some(true));
                assert_eq!(m.in_call(), Some(false));
                assert_eq!(m.status(), Some(DeviceState::NotInUse));
            }
            QueueStatusItem::QueueEntry(e) => {
                kinds.push("entry");
                assert_eq!(e.position(), Some(1));
                assert!(e.wait().is_some());
                assert_eq!(e.caller_id_num().to_str_lossy().into_owned(), "5550100");
                assert!(e.channel().to_str_lossy().starts_with("PJSIP/5550100-"));
            }
            QueueStatusItem::Other(raw) => panic!("unexpected item {raw:?}"),
        }
        assert!(item.field_errors().is_empty());
    }
    assert_eq!(kinds, ["params", "member", "entry"]);
}

#[tokio::test]
async fn the_typed_events_of_a_call_come_in_order() {
    let server = Server::start(fast()).await.unwrap();
    let (client, mut events) = connect(&server).await;

    let answer = client
        .originate(
            &Originate::new("Local/300@default")
                .application("Wait")
                .data("1"),
        )
        .await
        .unwrap();
    let linkedid = answer.uniqueid().to_str_lossy().into_owned();

    // Every event of the call, typed, until its three channels have hung up.
    let mut call = Vec::new();
    let mut alive = BTreeSet::new();
    loop {
        let event = next(&mut events).await;
        assert!(!event.is_unknown(), "{event:?}");
        assert!(event.field_errors().is_empty(), "{event:?}");
        let linked = match &event {
            Event::Newchannel(e) => {
                alive.insert(e.channel().to_str_lossy().into_owned());
                e.linkedid()
            }
            Event::Hangup(e) => {
                alive.remove(&e.channel().to_str_lossy().into_owned());
                assert_eq!(e.cause(), Some(HangupCause::NormalClearing));
                assert_eq!(e.cause_txt().to_str_lossy().into_owned(), "Normal Clearing");
                e.linkedid()
            }
            Event::Newstate(e) => e.linkedid(),
            Event::NewExten(e) => e.linkedid(),
            Event::VarSet(e) => e.linkedid(),
            Event::DialBegin(e) => e.dest_linkedid(),
            Event::DialEnd(e) => e.dest_linkedid(),
            Event::BridgeEnter(e) => e.linkedid(),
            Event::BridgeLeave(e) => e.linkedid(),
            Event::HangupRequest(e) => e.linkedid(),
            _ => continue,
        };
        assert_eq!(linked.to_str_lossy().into_owned(), linkedid, "{event:?}");
        call.push(event);
        if alive.is_empty() {
            break;
        }
    }
    let names: Vec<&str> = call.iter().map(Event::name).collect();
    let first = |name: &str| names.iter().position(|n| *n == name).unwrap();
    let last = |name: &str| names.iter().rposition(|n| *n == name).unwrap();
    assert_eq!(names[0], "Newchannel");
    assert_eq!(*names.last().unwrap(), "Hangup");
    assert_eq!(names.iter().filter(|n| **n == "Newchannel").count(), 3);
    assert_eq!(names.iter().filter(|n| **n == "Hangup").count(), 3);
    assert!(first("Newchannel") < first("DialBegin"));
    assert!(first("DialBegin") < first("DialEnd"));
    assert!(last("DialEnd") < first("BridgeEnter"));
    assert!(last("BridgeEnter") < first("HangupRequest"));
    assert!(first("HangupRequest") < first("BridgeLeave"));
    assert!(last("BridgeLeave") < first("Hangup"));
    // The Local channel's dialplan shows as the documented NewExten.
    assert!(call.iter().any(
        |e| matches!(e, Event::NewExten(x) if x.application().to_str_lossy().into_owned() == "Dial")
    ));
}

#[tokio::test]
async fn an_error_response_is_err_with_asterisks_message() {
    let server = Server::start(fast()).await.unwrap();
    let (client, _events) = connect(&server).await;

    let err = client
        .send(&Getvar::new("CHANNEL(state)").channel("PJSIP/nobody-00000000"))
        .await
        .unwrap_err();
    match &err {
        Error::Action { message, response } => {
            assert_eq!(message, "No such channel");
            assert_eq!(response.response().unwrap(), "Error");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.to_string(), "action failed: No such channel");

    // The same for a list action.
    let err = client
        .list(&Status::new().channel("PJSIP/nobody-00000000"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Action { message, .. } if message == "No such channel"),
        "{err:?}"
    );
    // And for a hangup of nothing.
    let err = client
        .send(&Hangup::new("PJSIP/nobody-00000000"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Action { .. }), "{err:?}");
    // The connection is still fine.
    client.send(&Ping::new()).await.unwrap();
}

#[tokio::test]
async fn events_of_one_type_see_only_that_type() {
    let server = Server::start(fast()).await.unwrap();
    let (client, _events) = connect(&server).await;
    let mut hangups = client.events::<event::Hangup>();
    // Documented `NewExten`, sent as `Newexten`: matched ignoring case.
    let mut extens = client.events::<event::NewExten>();
    let mut all = client.events();

    client
        .originate(
            &Originate::new("Local/100@default")
                .application("Wait")
                .data("1"),
        )
        .await
        .unwrap();
    no_calls(&server).await;
    client.send(&Ping::new()).await.unwrap(); // everything before is delivered

    let mut expected = Vec::new();
    while let Some(event) = all.try_recv().unwrap() {
        if let Event::Hangup(h) = event {
            expected.push(h.channel().to_str_lossy().into_owned());
        }
    }
    assert_eq!(expected.len(), 3);
    let mut got = Vec::new();
    while let Some(h) = hangups.try_recv().unwrap() {
        assert_eq!(h.raw().event_name().unwrap(), "Hangup");
        got.push(h.channel().to_str_lossy().into_owned());
    }
    assert_eq!(got, expected);
    let exten = timeout(WAIT, extens.recv()).await.unwrap().unwrap();
    assert_eq!(exten.raw_name(), "Newexten");
    assert!(exten.application().is_some());
}

/// The wire name of an event, as received.
trait RawName {
    fn raw_name(&self) -> String;
}

impl<T: FromMessage> RawName for T {
    fn raw_name(&self) -> String {
        self.raw().event_name().unwrap().to_string()
    }
}

#[tokio::test]
async fn typed_responses_decode() {
    let server = Server::start(fast()).await.unwrap();
    let (client, _events) = connect(&server).await;

    let pong = client.send(&Ping::new()).await.unwrap();
    assert_eq!(pong.ping().to_str_lossy().into_owned(), "Pong");
    assert!(pong.timestamp().is_some_and(|t| t > 1.0e9), "{pong:?}");
    assert!(pong.field_errors().is_empty());

    client
        .send(&Setvar::new("GREETING", "hello"))
        .await
        .unwrap();
    let var = client.send(&Getvar::new("GREETING")).await.unwrap();
    assert_eq!(var.variable().to_str_lossy().into_owned(), "GREETING");
    assert_eq!(var.value().to_str_lossy().into_owned(), "hello");

    let settings = client.send(&CoreSettings::new()).await.unwrap();
    assert_eq!(
        settings.asterisk_version().to_str_lossy().into_owned(),
        "22.10.1"
    );
    assert!(settings.core_max_calls().is_some(), "{settings:?}");
    assert!(settings.core_max_load_avg().is_some(), "{settings:?}");
    assert!(settings.core_cdr_enabled().is_some(), "{settings:?}");
    assert!(settings.field_errors().is_empty(), "{settings:?}");
}

#[tokio::test]
async fn lag_and_disconnect_stay_visible_in_typed_streams() {
    let server = Server::start(fast()).await.unwrap();
    let builder = ClientBuilder::from_url(&server.url())
        .unwrap()
        .event_buffer(400); // bytes: a few events
    let (client, mut events) = ami_types::connect_with(&builder).await.unwrap();
    let mut hangups = client.events::<event::Hangup>();
    // Skip what the login brought.
    while events.try_recv().unwrap().is_some() {}

    for n in 0..10 {
        let mut m = Message::new();
        m.append("Event", "UserEvent");
        m.append("UserEvent", format!("burst-{n}"));
        server.emit(m);
    }
    client.send(&Ping::new()).await.unwrap(); // the burst has arrived
    let lagged = timeout(WAIT, events.recv()).await.unwrap();
    assert!(
        matches!(lagged, Err(StreamError::Lagged(n)) if n >= 5),
        "{lagged:?}"
    );
    // The stream goes on with the newest events, typed.
    match next(&mut events).await {
        Event::UserEvent(e) => assert!(e
            .user_event()
            .to_str_lossy()
            .into_owned()
            .starts_with("burst-")),
        other => panic!("{other:?}"),
    }
    // The one-type stream is told too.
    assert!(matches!(hangups.try_recv(), Err(StreamError::Lagged(_))));

    server.drop_connections();
    let end = timeout(WAIT, async {
        loop {
            match events.recv().await {
                Ok(_) => continue,
                Err(e) => break e,
            }
        }
    })
    .await
    .unwrap();
    assert!(end.is_disconnected(), "{end:?}");
    let end = timeout(WAIT, async {
        loop {
            match hangups.recv().await {
                Err(StreamError::Lagged(_)) => continue,
                other => break other,
            }
        }
    })
    .await
    .unwrap();
    assert!(matches!(end, Err(StreamError::Disconnected(_))), "{end:?}");
    assert!(client
        .send(&Ping::new())
        .await
        .unwrap_err()
        .is_disconnected());
}

/// A peer that answers the one action it receives with `answer` (where
/// `{id}` is replaced by the action's ActionID), without login.
async fn scripted(answer: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        sock.write_all(b"Asterisk Call Manager/11.0.0\r\n")
            .await
            .unwrap();
        let mut dec = Decoder::without_greeting();
        let mut buf = BytesMut::new();
        loop {
            if sock.read_buf(&mut buf).await.unwrap_or(0) == 0 {
                return;
            }
            while let Ok(Some(Frame::Message(m))) = dec.decode(&mut buf) {
                let id = m.action_id().unwrap().to_string();
                let bytes = answer.replace("{id}", &id).replace('\n', "\r\n");
                sock.write_all(bytes.as_bytes()).await.unwrap();
            }
        }
    });
    format!("ami://{addr}")
}

#[tokio::test]
async fn a_list_action_answered_without_a_list_is_not_a_list() {
    let url = scripted("Response: Success\nActionID: {id}\nMessage: Nothing to list\n\n").await;
    let (client, _events) = ami_types::connect(&url).await.unwrap();
    let err = client.list(&CoreShowChannels::new()).await.unwrap_err();
    match err {
        Error::NotAList { action, message } => {
            assert_eq!(action, "CoreShowChannels");
            assert_eq!(message, "Nothing to list");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_cancelled_list_keeps_its_items() {
    let url = scripted(
        "Response: Success\nActionID: {id}\nEventList: start\nMessage: Channels will follow\n\n\
         Event: CoreShowChannel\nActionID: {id}\nChannel: PJSIP/1-00000001\n\n\
         Event: CoreShowChannelsComplete\nActionID: {id}\nEventList: Cancelled\n\n",
    )
    .await;
    let (client, _events) = ami_types::connect(&url).await.unwrap();
    let list = client.list(&CoreShowChannels::new()).await.unwrap();
    assert!(list.is_cancelled());
    assert_eq!(list.len(), 1);
    assert_eq!(
        list.items[0].channel().to_str_lossy().into_owned(),
        "PJSIP/1-00000001"
    );
    assert_eq!(list.reported, None);
    list.check_count().unwrap(); // nothing reported, nothing to check
}

#[tokio::test]
async fn a_wrong_list_items_count_is_reported_not_fatal() {
    let url = scripted(
        "Response: Success\nActionID: {id}\nEventList: start\nMessage: Channels will follow\n\n\
         Event: CoreShowChannel\nActionID: {id}\nChannel: PJSIP/1-00000001\n\n\
         Event: CoreShowChannelsComplete\nActionID: {id}\nEventList: Complete\nListItems: 2\n\n",
    )
    .await;
    let (client, _events) = ami_types::connect(&url).await.unwrap();
    let list = client.list(&CoreShowChannels::new()).await.unwrap();
    assert!(!list.is_cancelled());
    assert_eq!(list.len(), 1);
    assert_eq!(list.reported, Some(2));
    let mismatch = list.check_count().unwrap_err();
    assert_eq!((mismatch.reported, mismatch.received), (2, 1));
}

#[tokio::test]
async fn the_events_answer_is_typed() {
    let server = Server::start(fast()).await.unwrap();
    let (client, _events) = connect(&server).await;
    let off = client
        .send(&ami_types::action::Events::new("off"))
        .await
        .unwrap();
    assert_eq!(off.events().map(|t| t.as_str()), Some(Some("Off")));
    let on = client
        .send(&ami_types::action::Events::new("on"))
        .await
        .unwrap();
    assert_eq!(on.events().map(|t| t.as_str()), Some(Some("On")));
}

#[tokio::test]
async fn a_config_file_reads_alike_through_get_config_json_and_list_categories() {
    use ami_types::action::{GetConfig, GetConfigJSON, ListCategories};
    use ami_types::config_file::ConfigFile;

    let server = Server::start(fast()).await.unwrap();
    let (client, _events) = connect(&server).await;
    let read = |r: ami_types::Response| ConfigFile::from_message(r.raw().clone());
    let lines = read(client.send(&GetConfig::new("pjsip.conf")).await.unwrap());
    let json = read(
        client
            .send(&GetConfigJSON::new("pjsip.conf"))
            .await
            .unwrap(),
    );
    assert_eq!(json.error(), None);
    assert_eq!(lines.categories(), json.categories());
    let names: Vec<&str> = lines.categories().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["transport-udp", "endpoint-common", "100", "101"]);
    let list = read(
        client
            .send(&ListCategories::new("pjsip.conf"))
            .await
            .unwrap(),
    );
    let listed: Vec<&str> = list.categories().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(listed, names);
    let common = lines.category("endpoint-common").unwrap();
    assert!(common.is_template);
    assert_eq!(
        common.get_all("allow").collect::<Vec<_>>(),
        ["ulaw", "alaw"]
    );
    assert_eq!(
        lines.category("100").unwrap().templates,
        ["endpoint-common"]
    );

    // Changed and written back, then read again.
    let mut file = ConfigFile::read(&client, "pjsip.conf").await.unwrap();
    file.remove_category("101").set("100", "aors", "100,200");
    assert!(file.is_changed());
    file.write(&client).await.unwrap();
    assert!(!file.is_changed());
    let again = ConfigFile::read(&client, "pjsip.conf").await.unwrap();
    assert!(again.category("101").is_none());
    assert_eq!(again.category("100").unwrap().get("aors"), Some("100,200"));

    let missing = client.send(&GetConfig::new("nope.conf")).await.unwrap_err();
    assert!(
        missing.to_string().contains("Config file not found"),
        "{missing}"
    );
}
