//! The client against the embedded AMI server, with and without faults.

use std::collections::HashSet;
use std::time::Duration;

use ami_core::{Client, ClientBuilder, Error, EventMask, EventStream, Message, StreamError};
use ami_server::{CommandFormat, DemoMember, DemoQueue, Faults, Server, ServerConfig};
use tokio::task::JoinSet;
use tokio::time::timeout;

/// "Within a second", as the requirements say.
const SOON: Duration = Duration::from_secs(1);

async fn server(config: ServerConfig) -> Server {
    Server::start(config).await.unwrap()
}

/// The faults, and a queue of two members (`QueueStatus` answers with
/// three items).
fn with_faults(faults: Faults) -> ServerConfig {
    let queue = DemoQueue::default().member("Agent Two", "Local/agent2@queue-members/n");
    ServerConfig {
        faults,
        queues: vec![queue],
        ..ServerConfig::default()
    }
}

fn builder(server: &Server) -> ClientBuilder {
    ClientBuilder::from_url(&server.url()).unwrap()
}

fn named(name: &str, fields: &[(&str, &str)]) -> Message {
    let mut m = Message::new();
    m.append("Event", name);
    for (k, v) in fields {
        m.append(*k, *v);
    }
    m
}

fn getvar(name: &str) -> Message {
    let mut m = Message::action("Getvar");
    m.append("Variable", name);
    m
}

/// Every event buffered right now (the stream must not have lagged).
fn drain(events: &mut EventStream) -> Vec<Message> {
    let mut out = Vec::new();
    while let Some(m) = events.try_recv().unwrap() {
        out.push(m);
    }
    out
}

/// Receives events until one named `name` arrives; returns those before it.
async fn until(events: &mut EventStream, name: &str) -> Vec<Message> {
    let mut before = Vec::new();
    loop {
        let ev = timeout(SOON, events.recv())
            .await
            .expect("event did not come")
            .unwrap();
        if ev.event_name().is_some_and(|n| *n == *name) {
            return before;
        }
        before.push(ev);
    }
}

/// Skips events until the stream reports an error, within a second.
async fn ended(events: &mut EventStream) -> StreamError {
    loop {
        match timeout(SOON, events.recv())
            .await
            .expect("the stream did not end")
        {
            Ok(_) => continue,
            Err(e) => return e,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_concurrent_actions_answered_out_of_order() {
    let server = server(with_faults(Faults {
        shuffle_responses: Some(7),
        ..Faults::default()
    }))
    .await;
    let (client, _events) = builder(&server)
        .events(EventMask::Off)
        .connect_untyped()
        .await
        .unwrap();
    let mut tasks = JoinSet::new();
    for i in 0..1000 {
        let client = client.clone();
        tasks.spawn(async move {
            let name = format!("var_{i}");
            let reply = client.send_message(getvar(&name)).await.unwrap();
            assert_eq!(
                reply.response.get("Variable").unwrap(),
                &*name,
                "answer of another action"
            );
            assert!(!reply.is_list());
            reply.response.action_id().unwrap().to_string()
        });
    }
    let mut ids = HashSet::new();
    while let Some(id) = tasks.join_next().await {
        assert!(ids.insert(id.unwrap()), "an ActionID was used twice");
    }
    assert_eq!(ids.len(), 1000);
}

#[tokio::test]
async fn list_with_interleaved_events_returns_exactly_its_items() {
    let server = server(with_faults(Faults {
        interleave_events_in_lists: true,
        ..Faults::default()
    }))
    .await;
    let (client, mut events) = builder(&server).connect_untyped().await.unwrap();
    until(&mut events, "FullyBooted").await;
    let (status, summary) = tokio::join!(
        client.send_message(Message::action("QueueStatus")),
        client.send_message(Message::action("QueueSummary")),
    );
    for (reply, item_names) in [
        (
            status.unwrap(),
            &["QueueParams", "QueueMember", "QueueMember"][..],
        ),
        (summary.unwrap(), &["QueueSummary"][..]),
    ] {
        assert!(reply.is_list());
        let id = reply.response.action_id().unwrap().to_value();
        let complete = reply.complete.as_ref().unwrap();
        assert_eq!(complete.get("EventList").unwrap(), "Complete");
        assert_eq!(complete.action_id(), Some(id.as_text()));
        let names: Vec<_> = reply
            .items
            .iter()
            .map(|m| m.event_name().unwrap().to_string())
            .collect();
        assert_eq!(names, item_names, "exactly the items, in order");
        assert!(reply.items.iter().all(|m| m.action_id() == Some(&id)));
        assert_eq!(
            complete.get("ListItems").unwrap(),
            &*reply.items.len().to_string()
        );
    }
    // The unrelated events reached the stream, and nothing of the lists did.
    let others = drain(&mut events);
    assert!(others.len() >= 4, "{others:?}");
    for ev in &others {
        assert!(ev.action_id().is_none(), "a list event leaked: {ev:?}");
        let name = ev.event_name().unwrap();
        assert!(*name == "VarSet" || *name == "Newexten", "{ev:?}");
    }
}

#[tokio::test]
async fn both_command_formats_give_identical_lines() {
    let modern = server(ServerConfig::default()).await;
    let legacy = server(ServerConfig {
        command_format: CommandFormat::Legacy,
        ..ServerConfig::default()
    })
    .await;
    let (m, _) = builder(&modern).connect_untyped().await.unwrap();
    let (l, _) = builder(&legacy).connect_untyped().await.unwrap();
    for cmd in ["core show version", "core show channels", "queue show"] {
        let a = m.command(cmd).await.unwrap();
        let b = l.command(cmd).await.unwrap();
        assert_eq!(a, b, "{cmd}");
        assert!(!a.is_empty(), "{cmd}");
    }
    let lines = m.command("core show channels").await.unwrap();
    assert!(
        lines.iter().any(|l| l.is_empty()),
        "the blank line is kept: {lines:?}"
    );
    assert!(lines.iter().any(|l| l.to_string().contains("active call")));
    assert!(m.command("core show version").await.unwrap()[0]
        .to_string()
        .starts_with("Asterisk 22.10.1"));
    match m.command("no such thing").await {
        Err(Error::Action { response, .. }) => assert!(response.get("Output").is_some()),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn connection_dropped_mid_list_fails_it_within_a_second() {
    let queue = DemoQueue {
        members: (0..300)
            .map(|i| DemoMember {
                name: format!("Agent {i}"),
                location: format!("Local/agent{i}@queue-members/n"),
                penalty: 0,
                paused: false,
            })
            .collect(),
        ..DemoQueue::default()
    };
    let config = ServerConfig {
        queues: vec![queue],
        ..ServerConfig::default()
    };
    // The list is far longer than where the faulty server will cut.
    let clean = server(config.clone()).await;
    let (c, _) = builder(&clean)
        .events(EventMask::Off)
        .connect_untyped()
        .await
        .unwrap();
    let full = c
        .send_message(Message::action("QueueStatus"))
        .await
        .unwrap();
    let size: usize = full
        .items
        .iter()
        .flat_map(|m| m.fields())
        .map(|f| f.key().len() + f.value().len() + 4)
        .sum();
    assert!(size > 40_000, "{size}");

    let faulty = server(ServerConfig {
        faults: Faults {
            drop_after_bytes: Some(20_000),
            ..Faults::default()
        },
        ..config
    })
    .await;
    let (client, mut events) = builder(&faulty)
        .events(EventMask::Off)
        .timeout(Duration::from_secs(30))
        .connect_untyped()
        .await
        .unwrap();
    let err = timeout(SOON, client.send_message(Message::action("QueueStatus")))
        .await
        .expect("the pending list did not fail within a second")
        .unwrap_err();
    assert!(matches!(err, Error::Disconnected { .. }), "{err:?}");
    // What the cut list had collected reaches the stream (nothing is
    // dropped), then the end.
    let end = loop {
        match timeout(SOON, events.recv()).await.unwrap() {
            Ok(item) => assert!(item.action_id().is_some(), "{item:?}"),
            end => break end,
        }
    };
    assert!(matches!(end, Err(StreamError::Disconnected(_))), "{end:?}");
    assert!(!client.is_connected());
}

#[tokio::test]
async fn wrong_secret_is_an_auth_error() {
    let server = server(ServerConfig::default()).await;
    for md5 in [false, true] {
        let err = ClientBuilder::new("127.0.0.1", server.addr().port())
            .credentials("admin", "wrong-secret")
            .md5(md5)
            .connect_untyped()
            .await
            .unwrap_err();
        assert!(err.is_auth(), "{err:?}");
        assert!(matches!(&err, Error::Auth { message } if message == "Authentication failed"));
        assert!(!err.to_string().contains("wrong-secret"));
    }
}

#[tokio::test]
async fn md5_login_works() {
    let server = server(ServerConfig::default()).await;
    let url = format!("{}?auth=md5", server.url());
    let (client, _) = Client::connect_untyped(&url).await.unwrap();
    let pong = client.send_message(Message::action("Ping")).await.unwrap();
    assert_eq!(pong.response.get("Ping").unwrap(), "Pong");
}

#[tokio::test]
async fn oversized_message_is_skipped_and_the_connection_recovers() {
    let server = server(ServerConfig::default()).await;
    let (client, mut events) = builder(&server)
        .max_message_size(2048)
        .connect_untyped()
        .await
        .unwrap();
    until(&mut events, "FullyBooted").await;
    let mut huge = b"Event: Huge\r\n".to_vec();
    for i in 0..100 {
        huge.extend_from_slice(format!("Field{i}: {}\r\n", "x".repeat(80)).as_bytes());
    }
    huge.extend_from_slice(b"\r\n");
    server.inject_raw(huge);
    server.emit(named("After", &[]));
    let before = until(&mut events, "After").await;
    assert!(before.is_empty(), "{before:?}");
    assert!(client.is_connected());
    client.send_message(Message::action("Ping")).await.unwrap();
}

#[tokio::test]
async fn a_subscriber_that_never_reads_stops_nobody_and_learns_what_it_missed() {
    // Bytes: about a hundred events.
    const BUFFER: usize = 32 * 1024;
    const TOTAL: usize = 1000;
    let server = server(ServerConfig::default()).await;
    let (client, mut sleeper) = builder(&server)
        .event_buffer(BUFFER)
        .connect_untyped()
        .await
        .unwrap();
    let mut reader = client.subscribe();
    let mut seen = 0;
    for batch in 0..TOTAL / 40 {
        for i in 0..40 {
            server.emit(named("Tick", &[("N", &(batch * 40 + i).to_string())]));
        }
        // Everything written before the Pong has been published once it
        // resolves.
        client.send_message(Message::action("Ping")).await.unwrap();
        for ev in drain(&mut reader) {
            if ev.event_name().unwrap() == "Tick" {
                assert_eq!(ev.get("N").unwrap(), &*seen.to_string());
                seen += 1;
            }
        }
    }
    assert_eq!(seen, TOTAL);
    // The sleeper is told how many it missed, then gets at most its buffer.
    let Err(StreamError::Lagged(missed)) = sleeper.recv().await else {
        panic!("no lag reported");
    };
    assert!(missed > 0);
    let kept = drain(&mut sleeper);
    // The buffer holds events as their wire bytes; taken, each is a
    // message with its field table as well (a few bytes per field).
    let bytes: usize = kept.iter().map(Message::heap_bytes).sum();
    assert!(bytes <= BUFFER + BUFFER / 2, "{bytes}");
    assert!(missed as usize + kept.len() >= TOTAL);
    assert_eq!(
        kept.last().unwrap().get("N").unwrap(),
        &*(TOTAL - 1).to_string()
    );
}

#[tokio::test]
async fn close_logs_off_and_gets_goodbye() {
    let server = server(ServerConfig::default()).await;
    let (client, mut events) = builder(&server).connect_untyped().await.unwrap();
    let other = client.clone();
    client.close().await.unwrap();
    let end = ended(&mut events).await;
    assert!(end.is_disconnected(), "{end:?}");
    assert!(!other.is_connected());
    assert!(other
        .send_message(Message::action("Ping"))
        .await
        .unwrap_err()
        .is_disconnected());
}

#[tokio::test]
async fn originate_resolves_with_its_originate_response() {
    let server = server(ServerConfig::default()).await;
    let (client, mut events) = builder(&server).connect_untyped().await.unwrap();
    let mut orig = Message::action("Originate");
    orig.append("Channel", "PJSIP/100");
    orig.append("Application", "Wait");
    orig.append("Data", "1");
    let (response, event) = client.originate_message(orig).await.unwrap();
    assert_eq!(response.response().unwrap(), "Success");
    assert_eq!(event.event_name().unwrap(), "OriginateResponse");
    assert_eq!(event.get("Response").unwrap(), "Success");
    assert_eq!(event.action_id(), response.action_id());
    // The event also reached the stream, with the call's other events.
    let before = until(&mut events, "OriginateResponse").await;
    assert!(before
        .iter()
        .any(|e| e.event_name().unwrap() == "Newchannel"));

    let mut busy = Message::action("Originate");
    busy.append("Channel", "PJSIP/busy");
    busy.append("Application", "Wait");
    busy.append("Data", "1");
    let (_, event) = client.originate_message(busy).await.unwrap();
    assert_eq!(event.get("Response").unwrap(), "Failure");
}

#[tokio::test]
async fn one_byte_writes_and_garbage_between_messages() {
    let server = server(with_faults(Faults {
        chunk_size: Some(1),
        garbage_every: Some(2),
        ..Faults::default()
    }))
    .await;
    let (client, mut events) = builder(&server).connect_untyped().await.unwrap();
    for _ in 0..3 {
        client.send_message(Message::action("Ping")).await.unwrap();
    }
    let lines = client.command("core show version").await.unwrap();
    assert_eq!(lines.len(), 1);
    let reply = client
        .send_message(Message::action("QueueStatus"))
        .await
        .unwrap();
    assert_eq!(reply.items.len(), 3);
    server.emit(named("Marker", &[]));
    until(&mut events, "Marker").await;
}

#[tokio::test]
async fn unknown_action_is_an_action_error() {
    let server = server(ServerConfig::default()).await;
    let (client, _) = builder(&server).connect_untyped().await.unwrap();
    match client.send_message(Message::action("NoSuchAction")).await {
        Err(Error::Action { message, response }) => {
            assert!(message.starts_with("Invalid/unknown command"), "{message}");
            assert_eq!(response.response().unwrap(), "Error");
        }
        other => panic!("{other:?}"),
    }
    // The connection goes on.
    client.send_message(Message::action("Ping")).await.unwrap();
}

#[tokio::test]
async fn keepalive_keeps_a_healthy_connection() {
    let server = server(ServerConfig::default()).await;
    let (client, _) = builder(&server)
        .keepalive(Some(Duration::from_millis(20)))
        .connect_untyped()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(client.is_connected());
    client.send_message(Message::action("Ping")).await.unwrap();
}

#[tokio::test]
async fn every_subscriber_gets_every_event() {
    let server = server(ServerConfig::default()).await;
    let (client, mut first) = builder(&server).connect_untyped().await.unwrap();
    let mut second = client.subscribe();
    server.emit(named("Hello", &[("Who", "all")]));
    until(&mut first, "Hello").await;
    until(&mut second, "Hello").await;
    server.drop_connections();
    let end = ended(&mut first).await;
    assert!(end.is_disconnected());
}
