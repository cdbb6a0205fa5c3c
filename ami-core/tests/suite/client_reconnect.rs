//! Reconnecting: the embedded server restarted or its connections dropped
//! under a client with a reconnect policy.

use std::time::Duration;

use ami_core::client::{ConnectionState, Reconnect};
use ami_core::{Client, ClientBuilder, Disconnect, Error, EventStream, Message, StreamError};
use ami_server::{Server, ServerConfig};
use tokio::time::timeout;

/// Far more than any case needs; a hang fails the test.
const BOUND: Duration = Duration::from_secs(5);

fn policy() -> Reconnect {
    Reconnect::default()
        .initial(Duration::from_millis(10))
        .max(Duration::from_millis(50))
}

fn builder(server: &Server) -> ClientBuilder {
    ClientBuilder::from_url(&server.url())
        .unwrap()
        .reconnect(Some(policy()))
}

fn user_event(name: &str) -> Message {
    let mut m = Message::new();
    m.append("Event", "UserEvent");
    m.append("Privilege", "user,all");
    m.append("UserEvent", name);
    m
}

/// Waits until the client is up again and has had an answer: the events
/// are on again by then (`Events` goes out before any action of ours).
async fn until_up(client: &Client) {
    let mut changes = client.state_changes();
    timeout(BOUND, changes.wait_for(|s| s.is_up()))
        .await
        .expect("the client never came back up")
        .unwrap();
    drop(changes);
    let pong = client.send_message(Message::action("Ping")).await.unwrap();
    assert_eq!(pong.response.get("Ping").unwrap(), "Pong");
}

/// Waits until the client has noticed the loss (its state is no longer up).
async fn until_down(client: &Client) {
    let mut changes = client.state_changes();
    timeout(BOUND, changes.wait_for(|s| !s.is_up()))
        .await
        .expect("the client never noticed the loss")
        .unwrap();
}

/// The next thing a stream returns that is not an event.
async fn next_error(events: &mut EventStream) -> StreamError {
    loop {
        match timeout(BOUND, events.recv())
            .await
            .expect("the stream hung")
        {
            Ok(_) => {}
            Err(e) => return e,
        }
    }
}

/// The `UserEvent` names and reconnect notices of a stream, until `last`.
async fn collect(events: &mut EventStream, last: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        match timeout(BOUND, events.recv()).await.expect("no event came") {
            Ok(m) => {
                if m.event_name().is_some_and(|n| *n == "UserEvent") {
                    let name = m.get("UserEvent").unwrap().to_string();
                    let done = name == last;
                    seen.push(name);
                    if done {
                        return seen;
                    }
                }
            }
            Err(StreamError::Reconnected(gap)) => {
                assert!(gap.up_at >= gap.down_since, "{gap:?}");
                assert!(gap.attempts >= 1, "{gap:?}");
                seen.push("<reconnected>".to_owned());
            }
            Err(e) => panic!("the stream ended: {e}"),
        }
    }
}

#[tokio::test]
async fn a_restarted_server_is_rejoined_with_one_notice_and_the_filter_in_force() {
    let mut server = Server::start(ServerConfig::default()).await.unwrap();
    let (client, mut events) = builder(&server).connect_untyped().await.unwrap();
    let mut second = client.subscribe();
    client.add_filter("UserEvent: keep").await.unwrap();
    server.emit(user_event("drop-1"));
    server.emit(user_event("keep-1"));
    assert_eq!(collect(&mut events, "keep-1").await, ["keep-1"]);

    server.restart(Duration::from_millis(100)).await.unwrap();
    until_up(&client).await;
    assert_eq!(server.connections(), 1);
    server.emit(user_event("drop-2"));
    server.emit(user_event("keep-2"));
    server.emit(user_event("keep-3"));
    assert_eq!(
        collect(&mut events, "keep-3").await,
        ["<reconnected>", "keep-2", "keep-3"]
    );
    assert_eq!(
        collect(&mut second, "keep-3").await,
        ["keep-1", "<reconnected>", "keep-2", "keep-3"]
    );
    // Nothing more: no event twice, no second notice.
    assert!(matches!(events.try_recv(), Ok(None)));
    assert!(client.is_connected());
    assert_eq!(client.state(), ConnectionState::Up);
    // Actions work on the new connection.
    let pong = client.send_message(Message::action("Ping")).await.unwrap();
    assert_eq!(pong.response.get("Ping").unwrap(), "Pong");
}

#[tokio::test]
async fn pending_actions_fail_at_once_and_are_not_sent_again() {
    let mut server = Server::start(ServerConfig::default()).await.unwrap();
    let (client, _events) = builder(&server).connect_untyped().await.unwrap();
    // An originate that rings for a long while: pending when the server goes.
    let mut call = Message::action("Originate");
    call.append("Channel", "PJSIP/noanswer");
    call.append("Application", "Wait");
    call.append("Timeout", "600000");
    let pending = tokio::spawn({
        let client = client.clone();
        async move { client.originate_message(call).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let restart = server.restart(Duration::from_millis(300));
    let (_, err) = tokio::join!(restart, async {
        timeout(BOUND, pending).await.unwrap().unwrap().unwrap_err()
    });
    assert!(err.is_disconnected(), "{err:?}");
    until_up(&client).await;
    // The originate was not sent again behind the caller's back.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.active_calls(), 0);
}

#[tokio::test]
async fn actions_sent_while_away_fail_fast() {
    let server = Server::start(ServerConfig::default()).await.unwrap();
    let (client, _events) = builder(&server).connect_untyped().await.unwrap();
    let addr = server.addr();
    server.shutdown();
    until_down(&client).await;
    assert!(!client.is_connected());
    let started = std::time::Instant::now();
    let err = client
        .with_timeout(Duration::from_secs(30))
        .send_message(Message::action("Ping"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Disconnected { .. }), "{err:?}");
    assert!(err.to_string().contains("reconnecting"), "{err}");
    assert!(started.elapsed() < BOUND);
    assert!(matches!(
        client.state(),
        ConnectionState::Down { .. } | ConnectionState::Connecting { .. }
    ));
    // Back on the same address: the client finds it.
    drop(server);
    let server = Server::start_on(addr, ServerConfig::default())
        .await
        .unwrap();
    until_up(&client).await;
    assert!(client.send_message(Message::action("Ping")).await.is_ok());
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn a_hundred_reconnects_leave_subscribers_and_connections_flat() {
    let server = Server::start(ServerConfig::default()).await.unwrap();
    let (client, mut events) = builder(&server).connect_untyped().await.unwrap();
    let typed = client.subscribe();
    assert_eq!(client.subscriber_count(), 2);
    for round in 0..100 {
        server.drop_connections();
        until_down(&client).await;
        until_up(&client).await;
        server.emit(user_event(&format!("round-{round}")));
        let seen = collect(&mut events, &format!("round-{round}")).await;
        assert_eq!(
            seen,
            ["<reconnected>".to_owned(), format!("round-{round}")],
            "round {round}"
        );
        assert_eq!(client.subscriber_count(), 2, "round {round}");
        assert_eq!(server.connections(), 1, "round {round}");
    }
    drop(typed);
    assert_eq!(client.subscriber_count(), 1);
}

#[tokio::test]
async fn the_policy_gives_up_after_its_attempts() {
    let server = Server::start(ServerConfig::default()).await.unwrap();
    let (client, mut events) = ClientBuilder::from_url(&server.url())
        .unwrap()
        .reconnect(Some(policy().max_attempts(Some(3))))
        .connect_untyped()
        .await
        .unwrap();
    drop(server);
    let err = next_error(&mut events).await;
    match err {
        StreamError::Disconnected(reason) => {
            assert!(
                matches!(reason, Disconnect::GaveUp { attempts: 3, .. }),
                "{reason:?}"
            );
            assert!(
                reason.to_string().contains("gave up reconnecting after 3"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(client.state().is_closed());
    let err = client
        .send_message(Message::action("Ping"))
        .await
        .unwrap_err();
    assert!(err.is_disconnected(), "{err:?}");
}

#[tokio::test]
async fn close_ends_the_client_also_while_it_reconnects() {
    // Logoff: the server closes, the client does not come back.
    let server = Server::start(ServerConfig::default()).await.unwrap();
    let (client, mut events) = builder(&server).connect_untyped().await.unwrap();
    client.clone().close().await.unwrap();
    let err = next_error(&mut events).await;
    assert!(err.is_disconnected(), "{err:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.connections(), 0);
    assert!(client.state().is_closed());

    // Closed while away: it stops trying.
    let (client, mut events) = builder(&server).connect_untyped().await.unwrap();
    let addr = server.addr();
    drop(server);
    until_down(&client).await;
    client.clone().close().await.unwrap();
    let err = next_error(&mut events).await;
    assert!(err.is_disconnected(), "{err:?}");
    let server = Server::start_on(addr, ServerConfig::default())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn without_a_policy_a_lost_connection_ends_the_client() {
    let server = Server::start(ServerConfig::default()).await.unwrap();
    let (client, mut events) = ClientBuilder::from_url(&server.url())
        .unwrap()
        .connect_untyped()
        .await
        .unwrap();
    server.drop_connections();
    let err = next_error(&mut events).await;
    assert!(err.is_disconnected(), "{err:?}");
    assert!(client.state().is_closed());
    assert!(!client.is_connected());
}

#[tokio::test]
async fn the_url_turns_reconnect_on() {
    let server = Server::start(ServerConfig::default()).await.unwrap();
    let url = format!("{}?reconnect=on", server.url());
    let (client, mut events) = Client::connect_untyped(&url).await.unwrap();
    server.drop_connections();
    let notice = next_error(&mut events).await;
    assert!(matches!(notice, StreamError::Reconnected(_)), "{notice:?}");
    assert!(client.send_message(Message::action("Ping")).await.is_ok());
    assert!(ClientBuilder::from_url(&format!("{}?reconnect=maybe", server.url())).is_err());
}

/// A peer that logs the client in and then goes silent without closing (a
/// half-open connection: a pulled cable, a firewall that dropped its
/// state); the connections after it are passed to `server`.
async fn silent_then(server: &Server) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let upstream = server.addr();
    tokio::spawn(async move {
        let (mut silent, _) = listener.accept().await.unwrap();
        silent
            .write_all(b"Asterisk Call Manager/11.0.0\r\n")
            .await
            .unwrap();
        let mut buf = vec![0; 4096];
        let mut got = Vec::new();
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = silent.read(&mut buf).await.unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        let text = String::from_utf8_lossy(&got).into_owned();
        let id = text
            .lines()
            .find_map(|l| l.strip_prefix("ActionID: "))
            .unwrap()
            .to_owned();
        silent
            .write_all(format!("Response: Success\r\nActionID: {id}\r\n\r\n").as_bytes())
            .await
            .unwrap();
        // Held open, never written to or read from again.
        tokio::spawn(async move {
            let _keep = silent;
            std::future::pending::<()>().await;
        });
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut up = tokio::net::TcpStream::connect(upstream).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut sock, &mut up).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn a_silent_half_open_peer_is_found_dead_by_keepalive_and_replaced() {
    let server = Server::start(ServerConfig::default()).await.unwrap();
    let port = silent_then(&server).await;
    let (client, mut events) = ClientBuilder::new("127.0.0.1", port)
        .credentials("admin", "amp111")
        .keepalive(Some(Duration::from_millis(100)))
        .timeout(Duration::from_millis(300))
        .reconnect(Some(policy()))
        .connect_untyped()
        .await
        .unwrap();
    let started = std::time::Instant::now();
    match next_error(&mut events).await {
        StreamError::Reconnected(gap) => {
            assert_eq!(gap.reason, Disconnect::KeepaliveUnanswered, "{gap:?}")
        }
        other => panic!("{other:?}"),
    }
    // Found within the keepalive interval plus the timeout (and slack).
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(client.is_connected());
    let pong = client.send_message(Message::action("Ping")).await.unwrap();
    assert_eq!(pong.response.get("Ping").unwrap(), "Pong");
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn an_events_action_is_re_applied_after_a_reconnect() {
    let server = Server::start(ServerConfig::default()).await.unwrap();
    let (client, mut events) = builder(&server).connect_untyped().await.unwrap();
    let mut mask = Message::action("Events");
    mask.append("EventMask", "user");
    client.send_message(mask).await.unwrap();
    let call_class = |name: &str| {
        let mut m = user_event(name);
        m.insert("Privilege", "call,all");
        m
    };
    for round in 0..2 {
        server.emit(call_class(&format!("call-{round}")));
        server.emit(user_event(&format!("user-{round}")));
        let seen = collect(&mut events, &format!("user-{round}")).await;
        let expected: &[&str] = if round == 0 {
            &["user-0"]
        } else {
            &["<reconnected>", "user-1"]
        };
        assert_eq!(seen, expected, "round {round}");
        server.drop_connections();
        until_down(&client).await;
        until_up(&client).await;
    }
}

/// A scripted peer: for each connection, the greeting, then `script`
/// with the socket and the connection's number.
fn scripted_peer(
    script: impl Fn(std::net::TcpStream, usize) + Send + Sync + 'static,
) -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let script = std::sync::Arc::new(script);
    std::thread::spawn(move || {
        for (n, s) in listener.incoming().enumerate() {
            let Ok(mut s) = s else { return };
            let script = script.clone();
            std::thread::spawn(move || {
                use std::io::Write;
                let _ = s.write_all(b"Asterisk Call Manager/11.0.0\r\n");
                script(s, n);
            });
        }
    });
    addr
}

/// Reads one action (up to its empty line); its `Action` and `ActionID`.
fn read_action(s: &mut std::net::TcpStream) -> Option<(String, String)> {
    use std::io::Read;
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(k))
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    Some((get("Action:"), get("ActionID:")))
}

fn answer(s: &mut std::net::TcpStream, id: &str) {
    use std::io::Write;
    let _ = write!(
        s,
        "Response: Success\r\nActionID: {id}\r\nMessage: ok\r\n\r\n"
    );
}

#[tokio::test]
async fn a_peer_that_drops_each_login_gets_the_backoff_not_a_hammering() {
    let logins = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = logins.clone();
    let addr = scripted_peer(move |mut s, _| {
        if let Some((_, id)) = read_action(&mut s) {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            answer(&mut s, &id);
        }
        // Logged in; dropped at once.
    });
    let (client, _events) = ClientBuilder::new("127.0.0.1", addr.port())
        .credentials("admin", "x")
        .reconnect(Some(
            Reconnect::default()
                .initial(Duration::from_millis(100))
                .max(Duration::from_secs(5)),
        ))
        .connect_untyped()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let n = logins.load(std::sync::atomic::Ordering::SeqCst);
    // Waits of 100, 200, 400, 800, 1600 ms (each at least half that, with
    // jitter): at most 7 logins in 3 s. Resetting the backoff at every
    // login gave one every 50-100 ms (30 or more).
    assert!((3..=8).contains(&n), "{n} logins in 3 s");
    drop(client);
}

#[tokio::test]
async fn the_gap_ends_when_events_flow_again() {
    let answered_events_at = std::sync::Arc::new(std::sync::Mutex::new(None));
    let at = answered_events_at.clone();
    let addr = scripted_peer(move |mut s, n| {
        use std::io::Write;
        let Some((_, id)) = read_action(&mut s) else {
            return;
        };
        answer(&mut s, &id);
        if n == 0 {
            // The first connection is lost after a moment.
            std::thread::sleep(Duration::from_millis(100));
            return;
        }
        // The second: `Events` is answered 300 ms late, then events flow.
        while let Some((action, id)) = read_action(&mut s) {
            if action.eq_ignore_ascii_case("Events") {
                std::thread::sleep(Duration::from_millis(300));
                *at.lock().unwrap() = Some(std::time::SystemTime::now());
                answer(&mut s, &id);
                let _ = s.write_all(b"Event: UserEvent\r\nUserEvent: after\r\n\r\n");
            } else {
                answer(&mut s, &id);
            }
        }
    });
    let (_client, mut events) = ClientBuilder::new("127.0.0.1", addr.port())
        .credentials("admin", "x")
        .reconnect(Some(policy()))
        .connect_untyped()
        .await
        .unwrap();
    let gap = match next_error(&mut events).await {
        StreamError::Reconnected(gap) => gap,
        other => panic!("{other:?}"),
    };
    let answered = answered_events_at.lock().unwrap().expect("Events was sent");
    assert!(
        gap.up_at >= answered,
        "the gap ended {:?} before events flowed",
        answered.duration_since(gap.up_at).unwrap_or_default()
    );
    let after = timeout(BOUND, events.recv()).await.unwrap().unwrap();
    assert_eq!(after.get("UserEvent").unwrap(), "after");
}

#[tokio::test]
async fn the_asterisk_version_is_asked_once_and_again_after_a_reconnect() {
    let server = Server::start(ServerConfig {
        asterisk_version: "20.5.2".into(),
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let (client, _events) = builder(&server).connect_untyped().await.unwrap();
    assert_eq!(client.cached_version(), None);
    assert_eq!(
        client.asterisk_version().await.unwrap().as_deref(),
        Some("20.5.2")
    );
    assert_eq!(client.cached_version().as_deref(), Some("20.5.2"));
    // A reconnect forgets it (the PBX may have been upgraded), and it is
    // asked again.
    server.drop_connections();
    until_down(&client).await;
    until_up(&client).await;
    assert_eq!(client.cached_version(), None);
    assert_eq!(
        client.asterisk_version().await.unwrap().as_deref(),
        Some("20.5.2")
    );
}
