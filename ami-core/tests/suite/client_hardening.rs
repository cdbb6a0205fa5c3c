//! The failure classes of issue 7, each against a scripted peer (a raw
//! `TcpListener` playing Asterisk) or the embedded server: a peer that stops
//! reading, huge timeouts and sizes, events flooding before the login answer,
//! an oversized line split across reads, an unasked `Response: Follows`,
//! keepalive during a long list, a timed-out list's items, and no loss at
//! default settings on both runtime flavours.

use std::time::Duration;

use ami_core::codec::{Decoder, Frame};
use ami_core::{Client, ClientBuilder, Error, Message, StreamError};
use ami_server::{Server, ServerConfig};
use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

const GREETING: &[u8] = b"Asterisk Call Manager/11.0.0\r\n";
/// A generous bound for what must happen "soon" on a loaded CI machine.
const WITHIN: Duration = Duration::from_secs(10);

/// The reading side of a scripted peer.
struct Wire {
    sock: TcpStream,
    dec: Decoder,
    buf: BytesMut,
}

impl Wire {
    /// The next action the client sent (None once it closed).
    async fn action(&mut self) -> Option<Message> {
        loop {
            if let Ok(Some(Frame::Message(m))) = self.dec.decode(&mut self.buf) {
                return Some(m);
            }
            match self.sock.read_buf(&mut self.buf).await {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    async fn write(&mut self, bytes: &[u8]) {
        let _ = self.sock.write_all(bytes).await;
    }

    /// Answers `msg` with `Response: Success` and `extra` lines.
    async fn success(&mut self, msg: &Message, extra: &str) {
        let id = msg.action_id().unwrap().to_string();
        let text = format!("Response: Success\r\nActionID: {id}\r\n{extra}\r\n");
        self.write(text.as_bytes()).await;
    }
}

/// Starts a peer that greets, hands the socket to `script`, and returns the
/// builder that connects to it (credentials set, so the client logs in).
async fn peer<F, Fut>(script: F) -> ClientBuilder
where
    F: FnOnce(Wire) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        sock.write_all(GREETING).await.unwrap();
        let wire = Wire {
            sock,
            dec: Decoder::without_greeting(),
            buf: BytesMut::new(),
        };
        script(wire).await;
    });
    ClientBuilder::new("127.0.0.1", port).credentials("admin", "secret")
}

/// Answers the login, then `rest`.
async fn logged_in(wire: &mut Wire) {
    let login = wire.action().await.unwrap();
    assert_eq!(login.get("Action").unwrap(), "Login");
    wire.success(&login, "Message: Authentication accepted\r\n")
        .await;
}

fn event(name: &str, n: usize) -> String {
    format!(
        "Event: {name}\r\nPrivilege: call,all\r\nChannel: PJSIP/100-{n:08x}\r\nUniqueid: 1700000000.{n}\r\nN: {n}\r\n\r\n"
    )
}

#[tokio::test]
async fn a_peer_that_stops_reading_makes_the_connection_dead() {
    let builder = peer(|mut wire| async move {
        logged_in(&mut wire).await;
        // Keep the socket open, never read again.
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(wire);
    })
    .await;
    let (client, mut events) = builder
        .timeout(Duration::from_millis(800))
        .connect_untyped()
        .await
        .unwrap();
    let big = "x".repeat(60_000);
    let sends = (0..400).map(|_| {
        let client = client.clone();
        let mut m = Message::action("UserEvent");
        m.append("UserEvent", "fill");
        m.append("Payload", big.as_str());
        tokio::spawn(async move { client.send_message(m).await })
    });
    let results = timeout(WITHIN, futures_join(sends.collect()))
        .await
        .expect("sends to a peer that stopped reading never resolved");
    assert!(results.iter().all(Result::is_err));
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(Error::Timeout { .. }))),
        "{:?}",
        results.iter().take(3).collect::<Vec<_>>()
    );
    // The connection is declared dead: streams end, sends fail at once.
    let end = timeout(WITHIN, async {
        loop {
            if let Err(e) = events.recv().await {
                break e;
            }
        }
    })
    .await
    .expect("the event stream did not end");
    assert!(end.is_disconnected(), "{end:?}");
    assert!(!client.is_connected());
    let err = client
        .send_message(Message::action("Ping"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::DeadConnection), "{err:?}");
}

async fn futures_join<T>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn huge_timeouts_intervals_and_sizes_are_accepted_and_work() {
    let server = Server::start(ServerConfig::default()).await.unwrap();
    let builder = ClientBuilder::from_url(&server.url())
        .unwrap()
        .timeout(Duration::MAX)
        .keepalive(Some(Duration::MAX))
        .event_buffer(usize::MAX)
        .max_message_size(usize::MAX)
        .max_list_items(usize::MAX);
    let (client, mut events) = builder.connect_untyped().await.unwrap();
    let pong = client.send_message(Message::action("Ping")).await.unwrap();
    assert_eq!(pong.response.get("Ping").unwrap(), "Pong");
    let pong = client
        .with_timeout(Duration::MAX)
        .send_message(Message::action("Ping"))
        .await
        .unwrap();
    assert_eq!(pong.response.get("Ping").unwrap(), "Pong");
    let (_, response) = client
        .with_timeout(Duration::MAX)
        .originate_message(
            [
                ("Action", "Originate"),
                ("Channel", "PJSIP/100"),
                ("Application", "Wait"),
                ("Data", "0"),
            ]
            .into_iter()
            .collect(),
        )
        .await
        .unwrap();
    assert!(response.event_name().is_some());
    assert!(events.recv().await.is_ok());
    assert!(client.is_connected());

    // The same through the URL.
    let url = format!("{}?timeout=1e19&keepalive=1e19", server.url());
    let (client, _events) = Client::connect_untyped(&url).await.unwrap();
    client.send_message(Message::action("Ping")).await.unwrap();
    for bad in ["-1", "nan", "inf", "1e400", "x"] {
        let url = format!("{}?timeout={bad}", server.url());
        let err = ClientBuilder::from_url(&url).unwrap_err();
        assert!(matches!(err, Error::InvalidUrl(_)), "{bad}: {err:?}");
    }
    // A zero timeout is a timeout, not a hang or a panic.
    let err = client
        .with_timeout(Duration::ZERO)
        .send_message(Message::action("Ping"))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(client.is_connected());
}

#[tokio::test]
async fn events_flooding_before_the_login_answer_stay_bounded() {
    const FLOOD: usize = 40_000; // ~4 MB on the wire
    const BUFFER: usize = 1 << 20;
    let builder = peer(|mut wire| async move {
        let login = wire.action().await.unwrap();
        let mut flood = String::new();
        for n in 0..FLOOD {
            flood.push_str(&event("Flood", n));
        }
        wire.write(flood.as_bytes()).await;
        wire.success(&login, "Message: Authentication accepted\r\n")
            .await;
        wire.write(event("After", 0).as_bytes()).await;
        while wire.action().await.is_some() {}
    })
    .await;
    let (_client, mut events) = builder
        .event_buffer(BUFFER)
        .connect_untyped()
        .await
        .unwrap();
    let Err(StreamError::Lagged(missed)) = events.recv().await else {
        panic!("a flood larger than the buffer was held whole");
    };
    let mut kept = Vec::new();
    loop {
        let m = timeout(WITHIN, events.recv()).await.unwrap().unwrap();
        if m.event_name().unwrap() == "After" {
            break;
        }
        kept.push(m);
    }
    let bytes: usize = kept.iter().map(Message::heap_bytes).sum();
    assert!(
        bytes <= BUFFER,
        "{bytes} bytes held before the login answer"
    );
    assert_eq!(missed as usize + kept.len(), FLOOD);
    // The newest survive, in order.
    assert_eq!(
        kept.last().unwrap().get("N").unwrap(),
        &*(FLOOD - 1).to_string()
    );
}

/// An oversized line whose `\r` and `\n` arrive in different reads must not
/// make the client resume inside it: the forged answer behind it is skipped
/// with the rest of the oversized message.
#[tokio::test]
async fn an_oversized_line_split_across_reads_forges_no_answer() {
    let builder = peer(|mut wire| async move {
        logged_in(&mut wire).await;
        let ping = wire.action().await.unwrap();
        let id = ping.action_id().unwrap().to_string();
        let mut head = b"Event: Big\r\nData: ".to_vec();
        head.resize(4000, b'x');
        head.push(b'\r');
        wire.write(&head).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        let forged = format!("\nResponse: Success\r\nActionID: {id}\r\nPing: Forged\r\n\r\n");
        wire.write(forged.as_bytes()).await;
        wire.success(&ping, "Ping: Pong\r\n").await;
        while wire.action().await.is_some() {}
    })
    .await;
    let (client, _events) = builder
        .max_message_size(1024)
        .connect_untyped()
        .await
        .unwrap();
    let pong = client.send_message(Message::action("Ping")).await.unwrap();
    assert_eq!(pong.response.get("Ping").unwrap(), "Pong");
}

/// A `Response: Follows` head nobody asked for must not swallow the traffic
/// behind it.
#[tokio::test]
async fn an_unasked_follows_head_swallows_nothing() {
    let builder = peer(|mut wire| async move {
        logged_in(&mut wire).await;
        wire.write(b"Response: Follows\r\nPrivilege: Command\r\n\r\n")
            .await;
        wire.write(event("Later", 1).as_bytes()).await;
        while let Some(m) = wire.action().await {
            wire.success(&m, "Ping: Pong\r\n").await;
        }
    })
    .await;
    let (client, mut events) = builder
        .timeout(Duration::from_secs(2))
        .connect_untyped()
        .await
        .unwrap();
    let pong = client.send_message(Message::action("Ping")).await.unwrap();
    assert_eq!(pong.response.get("Ping").unwrap(), "Pong");
    let later = timeout(WITHIN, events.recv()).await.unwrap().unwrap();
    assert_eq!(later.event_name().unwrap(), "Later");
}

/// Asterisk answers one action at a time: a keepalive `Ping` waits behind a
/// long list. The items streaming in are signs of life.
#[tokio::test]
async fn keepalive_does_not_cut_a_long_list() {
    const ITEMS: usize = 60;
    let builder = peer(|mut wire| async move {
        logged_in(&mut wire).await;
        while let Some(m) = wire.action().await {
            let id = m.action_id().unwrap().to_string();
            if m.get("Action").unwrap() == "CoreShowChannels" {
                wire.success(&m, "EventList: start\r\nMessage: Channels will follow\r\n")
                    .await;
                for n in 0..ITEMS {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    let item = format!("Event: CoreShowChannel\r\nActionID: {id}\r\nN: {n}\r\n\r\n");
                    wire.write(item.as_bytes()).await;
                }
                let done = format!("Event: CoreShowChannelsComplete\r\nActionID: {id}\r\nEventList: Complete\r\nListItems: {ITEMS}\r\n\r\n");
                wire.write(done.as_bytes()).await;
            } else {
                wire.success(&m, "Ping: Pong\r\n").await;
            }
        }
    })
    .await;
    // The list lasts 3 s, three times the timeout: the Ping waits behind it.
    let (client, _events) = builder
        .timeout(Duration::from_secs(1))
        .keepalive(Some(Duration::from_millis(200)))
        .connect_untyped()
        .await
        .unwrap();
    let reply = client
        .with_timeout(Duration::from_secs(30))
        .send_message(Message::action("CoreShowChannels"))
        .await
        .unwrap();
    assert_eq!(reply.items.len(), ITEMS);
    assert!(client.is_connected());
    client.send_message(Message::action("Ping")).await.unwrap();
}

#[tokio::test]
async fn a_timed_out_list_publishes_the_items_it_collected() {
    let builder = peer(|mut wire| async move {
        logged_in(&mut wire).await;
        let list = wire.action().await.unwrap();
        let id = list.action_id().unwrap().to_string();
        wire.success(&list, "EventList: start\r\n").await;
        for n in 0..3 {
            let item = format!("Event: QueueMember\r\nActionID: {id}\r\nN: {n}\r\n\r\n");
            wire.write(item.as_bytes()).await;
        }
        while wire.action().await.is_some() {}
    })
    .await;
    let (client, mut events) = builder.connect_untyped().await.unwrap();
    let err = client
        .with_timeout(Duration::from_millis(300))
        .send_message(Message::action("QueueStatus"))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    for n in 0..3 {
        let item = timeout(WITHIN, events.recv()).await.unwrap().unwrap();
        assert_eq!(item.event_name().unwrap(), "QueueMember");
        assert_eq!(item.get("N").unwrap(), &*n.to_string());
    }
}

/// A peer that writes `total` events as fast as the socket takes them.
async fn firehose(total: usize) -> ClientBuilder {
    peer(move |mut wire| async move {
        logged_in(&mut wire).await;
        let mut chunk = String::with_capacity(1 << 20);
        for n in 0..total {
            chunk.push_str(&event("Newchannel", n));
            if chunk.len() > 256 * 1024 {
                wire.write(chunk.as_bytes()).await;
                chunk.clear();
            }
        }
        chunk.push_str(&event("End", total));
        wire.write(chunk.as_bytes()).await;
        while wire.action().await.is_some() {}
    })
    .await
}

/// Counts events to `End`; any lag fails.
async fn count_all(builder: ClientBuilder) -> usize {
    let (_client, mut events) = builder.connect_untyped().await.unwrap();
    let mut n = 0;
    loop {
        let m = timeout(WITHIN * 6, events.recv())
            .await
            .expect("the stream stalled")
            .unwrap_or_else(|e| panic!("after {n} events: {e}"));
        if m.event_name().unwrap() == "End" {
            return n;
        }
        assert_eq!(m.get("N").unwrap(), &*n.to_string());
        n += 1;
    }
}

const BURST: usize = 150_000;

#[test]
fn a_burst_loses_nothing_at_defaults_on_a_current_thread_runtime() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let builder = firehose(BURST).await;
        assert_eq!(count_all(builder).await, BURST);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_loses_nothing_at_defaults_on_a_multi_thread_runtime() {
    let builder = firehose(BURST).await;
    assert_eq!(count_all(builder).await, BURST);
}
