//! Each fault the server can inject, and the server-wide controls
//! (`emit`, `inject_raw`, `drop_connections`).

use crate::support;

use std::time::{Duration, Instant};

use ami_core::codec::DecodeError;
use ami_core::{Message, MessageKind};
use ami_server::{DemoQueue, Faults, ServerConfig};
use support::*;
use tokio::io::AsyncReadExt;

/// The faults, and a queue of two members (`QueueStatus` answers with
/// three items).
fn with_faults(faults: Faults) -> ServerConfig {
    let queue = DemoQueue::default().member("Agent Two", "Local/agent2@queue-members/n");
    ServerConfig {
        faults,
        time_scale: 0.02,
        queues: vec![queue],
        ..ServerConfig::default()
    }
}

/// A deterministic exchange: every message the client decodes, in order.
async fn script(config: ServerConfig) -> Vec<Message> {
    let server = start(config).await;
    let (mut c, greeting) = Conn::open(&server).await;
    assert_eq!(greeting.line(), "Asterisk Call Manager/11.0.0");
    let mut out = Vec::new();
    c.send(&msg(&[
        ("Action", "Login"),
        ("ActionID", "l"),
        ("Username", "admin"),
        ("Secret", "amp111"),
    ]))
    .await;
    for _ in 0..2 {
        out.push(c.next().await); // response, FullyBooted
    }
    for (id, action, extra) in [
        ("a", "Command", Some(("Command", "core show channels"))),
        ("b", "QueueStatus", None),
        ("c", "CoreSettings", None),
        ("d", "Bogus", None),
    ] {
        let mut m = msg(&[("Action", action), ("ActionID", id)]);
        if let Some((k, v)) = extra {
            m.append(k, v);
        }
        c.send(&m).await;
        loop {
            let m = c.next().await;
            let last = m.response().is_some() && action != "QueueStatus"
                || m.event_name().is_some_and(|e| *e == "QueueStatusComplete");
            out.push(m);
            if last {
                break;
            }
        }
    }
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    out
}

#[tokio::test]
async fn one_byte_chunks_decode_identically() {
    let plain = script(with_faults(Faults::default())).await;
    let chunked = script(with_faults(Faults {
        chunk_size: Some(1),
        ..Faults::default()
    }))
    .await;
    assert_eq!(plain.len(), 2 + 1 + 5 + 1 + 1);
    assert_eq!(plain, chunked);
}

#[tokio::test]
async fn chunks_really_arrive_in_pieces() {
    let server = start(with_faults(Faults {
        chunk_size: Some(3),
        write_delay: Some(Duration::from_millis(1)),
        ..Faults::default()
    }))
    .await;
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let mut got = Vec::new();
    let mut reads = 0;
    let mut buf = [0u8; 256];
    while !got.ends_with(b"\r\n") {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0 && n <= 9, "{n} bytes in one read");
        got.extend_from_slice(&buf[..n]);
        reads += 1;
    }
    assert_eq!(got, b"Asterisk Call Manager/11.0.0\r\n");
    assert!(reads >= 4, "{reads} reads");
}

#[tokio::test]
async fn write_delay_spaces_messages() {
    let server = start(with_faults(Faults {
        write_delay: Some(Duration::from_millis(30)),
        ..Faults::default()
    }))
    .await;
    let mut c = Conn::login_with(&server, &[("Events", "off")]).await;
    let started = Instant::now();
    for _ in 0..3 {
        let id = c.action("Ping", &[]).await;
        c.response(&id).await;
    }
    assert!(
        started.elapsed() >= Duration::from_millis(60),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn drop_after_bytes_closes_exactly_there() {
    let limit = "Asterisk Call Manager/11.0.0\r\n".len() + 25;
    let server = start(with_faults(Faults {
        drop_after_bytes: Some(limit),
        ..Faults::default()
    }))
    .await;
    let mut stream = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    use tokio::io::AsyncWriteExt;
    stream
        .write_all(b"Action: Login\r\nActionID: l\r\nUsername: admin\r\nSecret: amp111\r\n\r\n")
        .await
        .unwrap();
    let mut all = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut all))
        .await
        .expect("the server closes")
        .ok();
    assert_eq!(all.len(), limit, "{:?}", String::from_utf8_lossy(&all));
    assert!(all.starts_with(b"Asterisk Call Manager/11.0.0\r\nResponse: Success\r\n"));
    for _ in 0..200 {
        if server.connections() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the dropped session is still counted");
}

#[tokio::test]
async fn drop_after_bytes_mid_list() {
    // Enough for the greeting, the login reply, FullyBooted and part of a list.
    let server = start(with_faults(Faults {
        drop_after_bytes: Some(400),
        ..Faults::default()
    }))
    .await;
    let mut c = Conn::login(&server).await;
    let id = c.action("QueueStatus", &[]).await;
    let mut got_complete = false;
    while let Some(m) = c.next_or_eof().await {
        if m.action_id().is_some_and(|a| *a == id)
            && m.get("EventList").is_some_and(|v| *v == "Complete")
        {
            got_complete = true;
        }
    }
    assert!(!got_complete, "the list must be cut off");
}

#[tokio::test]
async fn shuffle_reverses_replies() {
    let server = start(with_faults(Faults {
        shuffle_responses: Some(3),
        ..Faults::default()
    }))
    .await;
    let mut c = Conn::login_with(&server, &[("Events", "off")]).await;
    // Sent in one write, so they reach the server within the hold time.
    let mut ids: Vec<String> = (1..=3).map(|i| format!("p{i}")).collect();
    let pings: Vec<_> = ids
        .iter()
        .map(|id| msg(&[("Action", "Ping"), ("ActionID", id)]))
        .collect();
    c.send_all(&pings).await;
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(s(&c.next().await, "ActionID"));
    }
    ids.reverse();
    assert_eq!(got, ids);

    // Fewer replies than the window: flushed (reversed) after the timeout.
    let (a, b) = ("a", "b");
    c.send_all(&[
        msg(&[("Action", "Ping"), ("ActionID", a)]),
        msg(&[("Action", "Ping"), ("ActionID", b)]),
    ])
    .await;
    let started = Instant::now();
    assert_eq!(s(&c.next().await, "ActionID"), b);
    assert_eq!(s(&c.next().await, "ActionID"), a);
    assert!(started.elapsed() < Duration::from_secs(1));

    // A list stays whole: its events travel with its response.
    let (q, p) = ("q", "p");
    c.send_all(&[
        msg(&[("Action", "QueueSummary"), ("ActionID", q)]),
        msg(&[("Action", "Ping"), ("ActionID", p)]),
    ])
    .await;
    let r = c.next().await;
    assert_eq!(s(&r, "ActionID"), p);
    let (_, items, _, others) = c.list(q).await;
    assert!(others.is_empty());
    assert_eq!(items.len(), 1);
}

#[tokio::test]
async fn interleave_puts_unrelated_events_inside_lists() {
    let server = start(with_faults(Faults {
        interleave_events_in_lists: true,
        ..Faults::default()
    }))
    .await;
    let mut c = Conn::login(&server).await;
    c.until(|m| m.event_name().is_some_and(|e| *e == "FullyBooted"))
        .await;
    let id = c.action("QueueStatus", &[]).await;
    let r = c.next().await;
    assert_eq!(s(&r, "ActionID"), id);
    // Between the response and the completion: 3 items and 4 unrelated events.
    let mut sequence = Vec::new();
    loop {
        let m = c.next().await;
        let done = m.get("EventList").is_some_and(|v| *v == "Complete");
        sequence.push(m);
        if done {
            break;
        }
    }
    let mine: Vec<bool> = sequence.iter().map(|m| m.action_id().is_some()).collect();
    assert_eq!(mine, [false, true, false, true, false, true, false, true]);
    for m in sequence.iter().filter(|m| m.action_id().is_none()) {
        let name = m.event_name().unwrap().to_string();
        assert!(name == "VarSet" || name == "Newexten", "{name}");
        assert_eq!(s(m, "Privilege"), "dialplan,all");
    }
    assert_eq!(s(sequence.last().unwrap(), "ListItems"), "3");

    // A session with events off gets no unrelated events.
    let mut quiet = Conn::login_with(&server, &[("Events", "off")]).await;
    let id = quiet.action("QueueStatus", &[]).await;
    let (_, items, _, others) = quiet.list(&id).await;
    assert_eq!(items.len(), 3);
    assert!(others.is_empty(), "{others:?}");
}

#[tokio::test]
async fn garbage_between_messages() {
    let server = start(with_faults(Faults {
        garbage_every: Some(2),
        ..Faults::default()
    }))
    .await;
    let (mut c, _) = Conn::open(&server).await;
    c.send(&msg(&[
        ("Action", "Login"),
        ("ActionID", "l"),
        ("Username", "admin"),
        ("Secret", "amp111"),
    ]))
    .await;
    let mut garbage = 0;
    let mut pongs = 0;
    for i in 0..4 {
        let id = format!("p{i}");
        c.send(&msg(&[("Action", "Ping"), ("ActionID", &id)])).await;
    }
    while pongs < 4 {
        let m = c.next().await;
        match m.kind() {
            MessageKind::Other => {
                garbage += 1;
                assert!(m.fields().any(|f| f.is_bare_line()), "{m:?}");
                assert!(
                    m.fields().any(|f| f.value().as_str().is_none()),
                    "not UTF-8: {m:?}"
                );
            }
            MessageKind::Response if m.get("Ping").is_some() => pongs += 1,
            _ => {}
        }
    }
    // Login reply, FullyBooted, 4 pongs: 6 messages, a garbage block before every 2nd.
    assert_eq!(garbage, 3);
}

#[tokio::test]
async fn emit_reaches_logged_in_sessions_only() {
    let server = start(with_faults(Faults::default())).await;
    let mut a = Conn::login(&server).await;
    let (mut anon, _) = Conn::open(&server).await;
    let ev = msg(&[
        ("Event", "UserEvent"),
        ("Privilege", "user,all"),
        ("UserEvent", "ping"),
    ]);
    server.emit(ev.clone());
    let got = a
        .until(|m| {
            m.kind() == MessageKind::Event && m.event_name().is_some_and(|e| *e == "UserEvent")
        })
        .await;
    assert_eq!(got, ev);
    // Nothing for the anonymous session: its next message is its own reply.
    let id = anon.action("Ping", &[]).await;
    let r = anon.next().await;
    assert_eq!(s(&r, "ActionID"), id);
    // A message with CR/LF in a value is not sent (and breaks nothing).
    server.emit(msg(&[("Event", "Bad"), ("X", "a\r\nEvent: Injected")]));
    let id = a.action("Ping", &[]).await;
    let r = a.until(|m| m.kind() == MessageKind::Response).await;
    assert_eq!(s(&r, "ActionID"), id);
}

#[tokio::test]
async fn inject_raw_oversized_then_recover() {
    let server = start(with_faults(Faults::default())).await;
    let mut c = Conn::login_with(&server, &[("Events", "off")]).await;
    let mut blob = b"Event: Huge\r\nData: ".to_vec();
    blob.extend(std::iter::repeat_n(b'z', 2 << 20));
    blob.extend_from_slice(b"\r\n\r\n");
    server.inject_raw(blob);
    let id = c.action("Ping", &[]).await;
    let r = c.until(|m| m.kind() == MessageKind::Response).await;
    assert_eq!(s(&r, "ActionID"), id);
    assert!(
        matches!(c.errors.as_slice(), [DecodeError::Oversized { .. }]),
        "{:?}",
        c.errors
    );
}

#[tokio::test]
async fn drop_connections_closes_every_session_now() {
    let server = start(with_faults(Faults {
        // A slow writer: the drop must not wait for queued output.
        chunk_size: Some(1),
        write_delay: Some(Duration::from_millis(50)),
        ..Faults::default()
    }))
    .await;
    let mut a = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let mut b = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let mut one = [0u8; 1];
    a.read_exact(&mut one).await.unwrap();
    b.read_exact(&mut one).await.unwrap();
    let started = Instant::now();
    server.drop_connections();
    for s in [&mut a, &mut b] {
        let mut rest = Vec::new();
        tokio::time::timeout(Duration::from_secs(1), s.read_to_end(&mut rest))
            .await
            .expect("closed promptly")
            .ok();
        assert!(rest.len() < 5, "{rest:?}");
    }
    assert!(started.elapsed() < Duration::from_millis(500));
    // The server still accepts.
    let mut c = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    c.read_exact(&mut one).await.unwrap();
    assert_eq!(&one, b"A");
}

#[tokio::test]
async fn a_client_that_never_reads_is_disconnected() {
    let server = start(ServerConfig {
        write_queue: 5_000,
        ..ServerConfig::default()
    })
    .await;
    let _deaf = Conn::login(&server).await;
    let mut other = Conn::login_with(&server, &[("Events", "off")]).await;
    assert_eq!(server.connections(), 2);
    let event = msg(&[
        ("Event", "UserEvent"),
        ("Privilege", "user,all"),
        ("UserEvent", "flood"),
    ]);
    for _ in 0..200 {
        for _ in 0..2_000 {
            server.emit(event.clone());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
        if server.connections() == 1 {
            break;
        }
    }
    assert_eq!(server.connections(), 1, "the deaf session is closed");
    // The other session is unaffected.
    let id = other.action("Ping", &[]).await;
    assert_eq!(s(&other.response(&id).await, "Ping"), "Pong");
}
