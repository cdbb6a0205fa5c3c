//! The client against tiny scripted peers (a raw `TcpListener` per test):
//! what the embedded server cannot misbehave in exactly the right way for,
//! and what must be checked on the exact bytes the client sends.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ami_core::codec::{Decoder, Frame};
use ami_core::{Client, ClientBuilder, Disconnect, Error, EventMask, Message, StreamError};
use bytes::BytesMut;
use md5::{Digest, Md5};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::time::{timeout, Instant};

const GREETING: &[u8] = b"Asterisk Call Manager/11.0.0\r\n";
const SECRET: &str = "s3cr3t-Pa55";
/// "Within a second", with room for a loaded CI machine.
const SOON: Duration = Duration::from_secs(1);

/// What the scripted peer does with one action.
enum Act {
    Write(Vec<u8>),
    Nothing,
    Close,
    WriteAndClose(Vec<u8>),
}

/// One scripted AMI peer accepting a single connection.
struct Peer {
    port: u16,
    /// Every action received, decoded.
    seen: Arc<Mutex<Vec<Message>>>,
    /// Every byte received.
    raw: Arc<Mutex<Vec<u8>>>,
    /// Becomes true when the client closed its side.
    closed: watch::Receiver<bool>,
}

impl Peer {
    async fn start(
        greeting: &'static [u8],
        script: impl Fn(&Message) -> Act + Send + 'static,
    ) -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (closed_tx, closed) = watch::channel(false);
        let (seen2, raw2) = (seen.clone(), raw.clone());
        tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            sock.write_all(greeting).await.unwrap();
            let mut dec = Decoder::without_greeting();
            let mut buf = BytesMut::new();
            loop {
                let before = buf.len();
                match sock.read_buf(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => raw2.lock().unwrap().extend_from_slice(&buf[before..]),
                }
                while let Ok(Some(Frame::Message(m))) = dec.decode(&mut buf) {
                    seen2.lock().unwrap().push(m.clone());
                    match script(&m) {
                        Act::Write(bytes) => {
                            if sock.write_all(&bytes).await.is_err() {
                                break;
                            }
                        }
                        Act::Nothing => {}
                        Act::Close | Act::WriteAndClose(_) => {
                            if let Act::WriteAndClose(bytes) = script(&m) {
                                let _ = sock.write_all(&bytes).await;
                            }
                            let _ = sock.shutdown().await;
                            let _ = closed_tx.send(true);
                            return;
                        }
                    }
                }
            }
            let _ = closed_tx.send(true);
        });
        Peer {
            port,
            seen,
            raw,
            closed,
        }
    }

    fn builder(&self) -> ClientBuilder {
        ClientBuilder::new("127.0.0.1", self.port).credentials("admin", SECRET)
    }

    fn actions(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|m| m.get_str("Action").unwrap_or("?").to_owned())
            .collect()
    }

    async fn wait_closed(&mut self) {
        timeout(SOON, self.closed.wait_for(|c| *c))
            .await
            .expect("the client did not close the socket within a second")
            .unwrap();
    }
}

fn action_is(m: &Message, name: &str) -> bool {
    m.get("Action")
        .is_some_and(|a| a.as_bytes().eq_ignore_ascii_case(name.as_bytes()))
}

/// `Response: <response>`, the request's ActionID, then `fields`.
fn reply(req: &Message, response: &str, fields: &[(&str, &str)]) -> Vec<u8> {
    let mut s = format!("Response: {response}\r\n");
    if let Some(id) = req.action_id() {
        s += &format!("ActionID: {id}\r\n");
    }
    for (k, v) in fields {
        s += &format!("{k}: {v}\r\n");
    }
    s += "\r\n";
    s.into_bytes()
}

fn event(name: &str, fields: &[(&str, &str)]) -> String {
    let mut s = format!("Event: {name}\r\n");
    for (k, v) in fields {
        s += &format!("{k}: {v}\r\n");
    }
    s + "\r\n"
}

/// Accepts the login; answers `Ping`; ignores everything else.
fn basic(req: &Message) -> Act {
    if action_is(req, "Login") {
        Act::Write(reply(
            req,
            "Success",
            &[("Message", "Authentication accepted")],
        ))
    } else if action_is(req, "Ping") {
        Act::Write(reply(req, "Success", &[("Ping", "Pong")]))
    } else if action_is(req, "Bye") {
        Act::Close
    } else {
        Act::Nothing
    }
}

#[tokio::test]
async fn keepalive_declares_a_silent_peer_dead() {
    let mut peer = Peer::start(GREETING, |req| {
        if action_is(req, "Login") {
            basic(req)
        } else {
            Act::Nothing // never answers, not even Ping
        }
    })
    .await;
    let (client, mut events) = peer
        .builder()
        .keepalive(Some(Duration::from_millis(100)))
        .timeout(Duration::from_millis(200))
        .connect_untyped()
        .await
        .unwrap();
    let pending = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .with_timeout(Duration::from_secs(30))
                .send_message(Message::action("Status"))
                .await
        }
    });
    let err = timeout(SOON, pending)
        .await
        .expect("pending action still waiting")
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, Error::DeadConnection), "{err:?}");
    assert!(err.is_disconnected());
    peer.wait_closed().await;
    assert!(!client.is_connected());
    match timeout(SOON, events.recv()).await.unwrap() {
        Err(StreamError::Disconnected(reason)) => {
            assert_eq!(reason, Disconnect::KeepaliveUnanswered);
            assert!(reason.to_string().contains("Ping"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    let err = client
        .send_message(Message::action("Ping"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::DeadConnection), "{err:?}");
    assert!(
        peer.actions().iter().any(|a| a == "Ping"),
        "{:?}",
        peer.actions()
    );
}

#[tokio::test]
async fn crlf_in_a_value_is_refused_before_anything_is_sent() {
    let peer = Peer::start(GREETING, basic).await;
    let (client, _events) = peer.builder().connect_untyped().await.unwrap();
    let mut evil = Message::action("Setvar");
    evil.append("Variable", "X");
    evil.append("Value", "1\r\nAction: Hangup\r\nChannel: /./");
    let err = client.send_message(evil).await.unwrap_err();
    assert!(matches!(err, Error::Encode(_)), "{err:?}");
    let mut bad_key = Message::action("Setvar");
    bad_key.append("Bad\nKey", "1");
    assert!(matches!(
        client.send_message(bad_key).await,
        Err(Error::Encode(_))
    ));
    // The connection is untouched and the peer saw only Login and Ping.
    client.send_message(Message::action("Ping")).await.unwrap();
    assert_eq!(peer.actions(), ["Login", "Ping"]);
    let raw = String::from_utf8_lossy(&peer.raw.lock().unwrap()).into_owned();
    assert!(!raw.contains("Hangup") && !raw.contains("Setvar"), "{raw}");
}

#[tokio::test]
async fn caller_supplied_action_id_is_an_error() {
    let peer = Peer::start(GREETING, basic).await;
    let (client, _events) = peer.builder().connect_untyped().await.unwrap();
    let mut msg = Message::action("Ping");
    msg.append("ActionID", "mine-1");
    assert!(matches!(
        client.send_message(msg).await,
        Err(Error::ActionIdSupplied)
    ));
    let mut msg = Message::action("Ping");
    msg.append("actionid", "mine-2");
    assert!(matches!(
        client.send_message(msg).await,
        Err(Error::ActionIdSupplied)
    ));
    client.send_message(Message::action("Ping")).await.unwrap();
    assert_eq!(peer.actions(), ["Login", "Ping"]);
    // The ActionIDs the client assigned are distinct.
    let seen = peer.seen.lock().unwrap();
    assert_ne!(seen[0].action_id(), seen[1].action_id());
}

#[tokio::test]
async fn per_action_timeout_and_late_answers() {
    let peer = Peer::start(GREETING, basic).await;
    let (client, _events) = peer
        .builder()
        .timeout(Duration::from_millis(150))
        .connect_untyped()
        .await
        .unwrap();
    let start = Instant::now();
    let err = client
        .send_message(Message::action("Slow"))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(matches!(&err, Error::Timeout { action } if action == "Slow"));
    assert!(start.elapsed() >= Duration::from_millis(150));
    assert!(start.elapsed() < SOON);
    let start = Instant::now();
    let err = client
        .with_timeout(Duration::from_millis(50))
        .send_message(Message::action("Slow"))
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert!(start.elapsed() >= Duration::from_millis(50));
    assert!(client.is_connected());
    client.send_message(Message::action("Ping")).await.unwrap();
}

/// Every action of `CallOptions` waits its own timeout, not the client's:
/// with a client timeout of a minute, each of these unanswered actions
/// fails after 50 ms.
#[tokio::test]
async fn call_options_time_every_kind_of_action() {
    let peer = Peer::start(GREETING, basic).await;
    let (client, _events) = peer
        .builder()
        .timeout(Duration::from_secs(60))
        .connect_untyped()
        .await
        .unwrap();
    let quick = client.with_timeout(Duration::from_millis(50));
    assert_eq!(quick.timeout(), Duration::from_millis(50));
    let originate: Message = [("Action", "Originate"), ("Channel", "PJSIP/1")]
        .into_iter()
        .collect();
    let waits = [
        tokio::time::timeout(SOON, quick.send_message(Message::action("Slow")))
            .await
            .map(|r| r.map(drop)),
        tokio::time::timeout(SOON, quick.command("core show uptime"))
            .await
            .map(|r| r.map(drop)),
        tokio::time::timeout(SOON, quick.originate_message(originate))
            .await
            .map(|r| r.map(drop)),
    ];
    for wait in waits {
        let err = wait.expect("the call's own timeout applies").unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
    }
    // Another timeout from the same options, and the client's own still
    // answers.
    let again = quick.with_timeout(Duration::from_millis(20));
    assert_eq!(again.timeout(), Duration::from_millis(20));
    client.send_message(Message::action("Ping")).await.unwrap();
}

#[tokio::test]
async fn a_dropped_connection_fails_every_pending_action_at_once() {
    let mut peer = Peer::start(GREETING, basic).await;
    let (client, mut events) = peer
        .builder()
        .timeout(Duration::from_secs(30))
        .connect_untyped()
        .await
        .unwrap();
    let mut pending = Vec::new();
    for _ in 0..10 {
        let c = client.clone();
        pending.push(tokio::spawn(async move {
            c.send_message(Message::action("Slow")).await
        }));
    }
    // Let them all reach the peer, then make it hang up.
    while peer.actions().len() < 11 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let bye = client.send_message(Message::action("Bye"));
    let err = timeout(SOON, bye)
        .await
        .expect("Bye still pending")
        .unwrap_err();
    assert!(err.is_disconnected(), "{err:?}");
    for p in pending {
        let err = timeout(SOON, p).await.unwrap().unwrap().unwrap_err();
        assert!(matches!(&err, Error::Disconnected { .. }), "{err:?}");
    }
    peer.wait_closed().await;
    assert!(matches!(
        timeout(SOON, events.recv()).await.unwrap(),
        Err(StreamError::Disconnected(_))
    ));
    assert!(client
        .subscribe()
        .recv()
        .await
        .unwrap_err()
        .is_disconnected());
    assert!(!client.is_connected());
}

#[tokio::test]
async fn events_sent_with_the_login_answer_are_not_lost() {
    let peer = Peer::start(GREETING, |req| {
        if action_is(req, "Login") {
            // Asterisk streams events the moment the login succeeds: here in
            // the very same write as the answer.
            let mut out = reply(req, "Success", &[("Message", "Authentication accepted")]);
            for i in 0..500 {
                out.extend_from_slice(event("Early", &[("N", &i.to_string())]).as_bytes());
            }
            Act::Write(out)
        } else {
            basic(req)
        }
    })
    .await;
    let (_client, mut events) = peer.builder().connect_untyped().await.unwrap();
    for i in 0..500 {
        let ev = timeout(SOON, events.recv()).await.unwrap().unwrap();
        assert_eq!(ev.event_name().unwrap(), "Early");
        assert_eq!(ev.get("N").unwrap(), &*i.to_string());
    }
}

#[tokio::test]
async fn md5_login_sends_the_right_key_and_never_the_secret() {
    const CHALLENGE: &str = "840591823";
    let peer = Peer::start(GREETING, |req| {
        if action_is(req, "Challenge") {
            assert_eq!(req.get("AuthType").unwrap(), "MD5");
            Act::Write(reply(req, "Success", &[("Challenge", CHALLENGE)]))
        } else if action_is(req, "Login") {
            let mut md5 = Md5::new();
            md5.update(format!("{CHALLENGE}{SECRET}").as_bytes());
            let want: String = md5.finalize().iter().map(|b| format!("{b:02x}")).collect();
            let ok = req.get("AuthType").is_some_and(|a| *a == "MD5")
                && req.get("Key").is_some_and(|k| *k == *want)
                && !req.contains("Secret");
            if ok {
                basic(req)
            } else {
                Act::Write(reply(req, "Error", &[("Message", "Authentication failed")]))
            }
        } else {
            basic(req)
        }
    })
    .await;
    let (client, _events) = peer.builder().md5(true).connect_untyped().await.unwrap();
    client.send_message(Message::action("Ping")).await.unwrap();
    assert_eq!(peer.actions(), ["Challenge", "Login", "Ping"]);
    let raw = String::from_utf8_lossy(&peer.raw.lock().unwrap()).into_owned();
    assert!(!raw.contains(SECRET), "{raw}");
}

#[tokio::test]
async fn refused_login_is_an_auth_error_without_the_secret() {
    let peer = Peer::start(GREETING, |req| {
        Act::Write(reply(req, "Error", &[("Message", "Authentication failed")]))
    })
    .await;
    let err = peer.builder().connect_untyped().await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert!(matches!(&err, Error::Auth { message } if message == "Authentication failed"));
    assert!(!err.to_string().contains(SECRET));
    assert!(!format!("{err:?}").contains(SECRET));
}

#[tokio::test]
async fn a_bad_greeting_is_refused() {
    let peer = Peer::start(b"HTTP/1.1 400 Bad Request\r\n", basic).await;
    let err = peer.builder().connect_untyped().await.unwrap_err();
    assert!(
        matches!(&err, Error::BadGreeting { line } if line.contains("HTTP/1.1 400")),
        "{err:?}"
    );
}

#[tokio::test]
async fn events_setting_goes_into_the_login() {
    for (events, want) in [
        (EventMask::On, "on"),
        (EventMask::Off, "off"),
        (EventMask::Mask("call,system".into()), "call,system"),
    ] {
        let peer = Peer::start(GREETING, basic).await;
        let (client, _events) = peer
            .builder()
            .events(events)
            .connect_untyped()
            .await
            .unwrap();
        let login = peer.seen.lock().unwrap()[0].clone();
        assert_eq!(login.get("Events").unwrap(), want);
        assert_eq!(login.get("Username").unwrap(), "admin");
        assert_eq!(login.get("Secret").unwrap(), SECRET);
        drop(client);
    }
}

#[tokio::test]
async fn legacy_list_forms_are_collected() {
    let peer = Peer::start(GREETING, |req| {
        let id = req.action_id().unwrap().to_string();
        let id = id.as_str();
        if action_is(req, "Status") {
            // Old Asterisk: no `EventList: start`, only "will follow"; a live
            // `Status` event without ActionID and an unrelated event in between.
            let mut out = reply(req, "Success", &[("Message", "Channel status will follow")]);
            let mut s = String::new();
            s += &event("Status", &[("Channel", "A"), ("ActionID", id)]);
            s += &event("Newexten", &[("Channel", "X")]);
            s += &event("Status", &[("Channel", "Live")]);
            s += &event("Status", &[("Channel", "B"), ("ActionID", id)]);
            s += &event(
                "StatusComplete",
                &[("ActionID", id), ("EventList", "Complete"), ("Items", "2")],
            );
            out.extend_from_slice(s.as_bytes());
            Act::Write(out)
        } else if action_is(req, "OldList") {
            let mut out = reply(req, "Follows", &[]);
            out.extend_from_slice(event("Item", &[("ActionID", id)]).as_bytes());
            out.extend_from_slice(
                event("Done", &[("ActionID", id), ("EventList", "Cancelled")]).as_bytes(),
            );
            Act::Write(out)
        } else {
            basic(req)
        }
    })
    .await;
    let (client, mut events) = peer.builder().connect_untyped().await.unwrap();
    let reply = client
        .send_message(Message::action("Status"))
        .await
        .unwrap();
    assert!(reply.is_list());
    let channels: Vec<_> = reply
        .items
        .iter()
        .map(|m| m.get("Channel").unwrap().to_string())
        .collect();
    assert_eq!(channels, ["A", "B"]);
    assert_eq!(
        reply.complete.unwrap().event_name().unwrap(),
        "StatusComplete"
    );
    let first = events.recv().await.unwrap();
    assert_eq!(first.event_name().unwrap(), "Newexten");
    let second = events.recv().await.unwrap();
    assert_eq!(second.get("Channel").unwrap(), "Live");

    let reply = client
        .send_message(Message::action("OldList"))
        .await
        .unwrap();
    assert_eq!(reply.items.len(), 1);
    assert_eq!(
        reply.complete.unwrap().get("EventList").unwrap(),
        "Cancelled"
    );
    assert!(events.try_recv().unwrap().is_none());
}

#[tokio::test]
async fn dropping_every_handle_closes_the_connection() {
    let mut peer = Peer::start(GREETING, basic).await;
    let (client, mut events) = peer.builder().connect_untyped().await.unwrap();
    let clone = client.clone();
    drop(client);
    clone.send_message(Message::action("Ping")).await.unwrap();
    drop(clone);
    peer.wait_closed().await;
    assert!(timeout(SOON, events.recv())
        .await
        .unwrap()
        .unwrap_err()
        .is_disconnected());
}

#[tokio::test]
async fn debug_never_shows_the_secret() {
    let peer = Peer::start(GREETING, basic).await;
    let url = format!("ami://admin:{SECRET}@127.0.0.1:{}", peer.port);
    let builder = ClientBuilder::from_url(&url).unwrap();
    let shown = format!("{builder:?} {builder:#?}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(shown.contains("admin"));
    let (client, events) = Client::connect_untyped(&url).await.unwrap();
    let shown = format!("{client:?} {events:?}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert_eq!(client.greeting().line(), "Asterisk Call Manager/11.0.0");
    assert_eq!(client.greeting().version(), Some((11, 0, 0)));
}

#[tokio::test]
async fn connecting_to_nothing_names_the_address() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let err = ClientBuilder::new("127.0.0.1", port)
        .connect_untyped()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(text.contains(" s)"), "the time waited: {text}");
}

#[tokio::test]
async fn a_silent_server_is_a_connect_timeout_naming_address_and_time() {
    // Accepts, then says nothing: no greeting.
    let listener = TcpListener::bind("[::1]:0").await;
    let Ok(listener) = listener else {
        return; // no IPv6 on this machine
    };
    let port = listener.local_addr().unwrap().port();
    let _keep = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let err = ClientBuilder::from_url(&format!("ami://u:p@[::1]:{port}"))
        .unwrap()
        .timeout(Duration::from_millis(200))
        .connect_untyped()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::NoGreeting { .. }), "{err:?}");
    assert!(text.contains(&format!("[::1]:{port}")), "{text}");
    assert!(text.contains("0.2 s"), "{text}");
    assert!(!text.contains("action"), "connect is not an action: {text}");
}

#[tokio::test]
async fn a_message_cut_off_by_the_close_is_not_delivered() {
    let peer = Peer::start(GREETING, |req| {
        if action_is(req, "Cut") {
            let mut out = event("Whole", &[("A", "1")]).into_bytes();
            out.extend_from_slice(b"Event: Cut\r\nA: 1\r\n");
            Act::WriteAndClose(out)
        } else {
            basic(req)
        }
    })
    .await;
    let (client, mut events) = peer.builder().connect_untyped().await.unwrap();
    assert!(client
        .send_message(Message::action("Cut"))
        .await
        .unwrap_err()
        .is_disconnected());
    assert_eq!(events.recv().await.unwrap().event_name().unwrap(), "Whole");
    assert!(events.recv().await.unwrap_err().is_disconnected());
}

#[tokio::test]
async fn keepalive_pings_an_answering_peer_and_stays_up() {
    let peer = Peer::start(GREETING, basic).await;
    let (client, mut events) = peer
        .builder()
        .keepalive(Some(Duration::from_millis(20)))
        .connect_untyped()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pings = peer.actions().iter().filter(|a| *a == "Ping").count();
    assert!(pings >= 3, "{:?}", peer.actions());
    assert!(client.is_connected());
    // Keepalive answers are not events.
    assert!(events.try_recv().unwrap().is_none());
}

#[tokio::test]
async fn an_ipv6_url_connects() {
    let Ok(addr) = "[::1]:0".parse() else {
        unreachable!()
    };
    let Ok(server) = ami_server::Server::start_on(addr, Default::default()).await else {
        return; // no IPv6 on this machine
    };
    let url = server.url();
    assert!(url.contains("@[::1]:"), "{url}");
    let (client, _events) = Client::connect_untyped(&url).await.unwrap();
    let pong = client.send_message(Message::action("Ping")).await.unwrap();
    assert_eq!(pong.response.get("Ping").unwrap(), "Pong");
    client.close().await.unwrap();
}
