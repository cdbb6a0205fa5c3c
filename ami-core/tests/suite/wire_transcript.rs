//! The wire transcript equals the bytes on the socket, secrets redacted;
//! server-side filters built with `EventFilter` do what Asterisk does.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ami_core::filter::{EventFilter, Match};
use ami_core::transcript::{self, Direction};
use ami_core::{ClientBuilder, Error, Message};
use ami_server::{Server, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

const WITHIN: Duration = Duration::from_secs(10);

/// Bytes seen by the proxy: (sent by the client, sent by the server).
type Both = (Vec<u8>, Vec<u8>);
type Seen = Arc<Mutex<Both>>;

/// Copies `from` to `to`, keeping what passes in the half of `seen` that
/// `side` picks, until either end closes.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    seen: Seen,
    side: fn(&mut Both) -> &mut Vec<u8>,
) {
    let mut buf = [0u8; 4096];
    while let Ok(n @ 1..) = from.read(&mut buf).await {
        side(&mut seen.lock().unwrap()).extend_from_slice(&buf[..n]);
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// A TCP proxy in front of `upstream` that keeps every byte each way.
async fn proxy(upstream: std::net::SocketAddr) -> (u16, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Seen = Arc::default();
    let kept = seen.clone();
    tokio::spawn(async move {
        let (client, _) = listener.accept().await.unwrap();
        let server = TcpStream::connect(upstream).await.unwrap();
        let (cr, cw) = client.into_split();
        let (sr, sw) = server.into_split();
        let up = tokio::spawn(pump(cr, sw, kept.clone(), |s| &mut s.0));
        pump(sr, cw, kept, |s| &mut s.1).await;
        let _ = up.await;
    });
    (port, seen)
}

#[tokio::test]
async fn the_transcript_is_the_bytes_on_the_socket_without_the_secret() {
    let secret = "hunter2-very-secret";
    let server = Server::start(ServerConfig {
        secret: secret.to_owned(),
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let (port, seen) = proxy(server.addr()).await;
    let dir = std::env::temp_dir().join(format!("ami-transcript-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("wire.log");
    let _ = std::fs::remove_file(&path);
    let (client, mut events) = ClientBuilder::new("127.0.0.1", port)
        .credentials("admin", secret)
        .transcript(&path)
        .connect_untyped()
        .await
        .unwrap();
    client.send_message(Message::action("Ping")).await.unwrap();
    let mut setvar = Message::action("Setvar");
    setvar.append("Variable", "DB_PASSWORD");
    setvar.append("Value", "pw-in-setvar");
    let _ = client.send_message(setvar).await;
    client.command("core show version").await.unwrap();
    let mut originate = Message::action("Originate");
    originate.append("Channel", "Local/100@default");
    originate.append("Application", "Wait");
    originate.append("Data", "0");
    client.originate_message(originate).await.unwrap();
    // Events flowed too.
    timeout(WITHIN, events.recv()).await.unwrap().unwrap();
    client.close().await.unwrap();
    // The proxy has seen both ends close.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let text = std::fs::read(&path).unwrap();
    // It holds every caller ID and variable: readable by its owner alone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let shown = String::from_utf8_lossy(&text);
    assert!(!shown.contains(secret), "the secret is in the transcript");
    assert!(
        !shown.contains("pw-in-setvar"),
        "a Setvar of a password is in it"
    );
    let records = transcript::parse(&text).unwrap();
    let joined = |dir| -> Vec<u8> {
        records
            .iter()
            .filter(|r| r.direction == dir)
            .flat_map(|r| r.bytes.iter().copied())
            .collect()
    };
    let (sent, received) = seen.lock().unwrap().clone();
    assert!(!received.is_empty() && !sent.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&joined(Direction::Received)),
        String::from_utf8_lossy(&received)
    );
    let expected_sent = String::from_utf8_lossy(&sent)
        .replace(secret, "<redacted>")
        .replace("pw-in-setvar", "<redacted>");
    assert_eq!(
        String::from_utf8_lossy(&joined(Direction::Sent)),
        expected_sent
    );
    assert!(
        records
            .iter()
            .any(|r| r.direction == Direction::Note
                && r.bytes.starts_with(b"connected to 127.0.0.1:"))
    );
    // Timestamps never go backwards.
    assert!(records.windows(2).all(|w| w[0].micros <= w[1].micros));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A connection whose FullyBooted (sent at login, before any filter) is
/// taken.
async fn booted(server: &Server) -> (ami_core::Client, ami_core::EventStream) {
    let (client, mut events) = ami_core::Client::connect_untyped(&server.url())
        .await
        .unwrap();
    let first = timeout(WITHIN, events.recv()).await.unwrap().unwrap();
    assert_eq!(first.event_name().unwrap(), "FullyBooted");
    (client, events)
}

async fn names_after(client: &ami_core::Client, events: &mut ami_core::EventStream) -> Vec<String> {
    let mut originate = Message::action("Originate");
    originate.append("Channel", "Local/100@default");
    originate.append("Application", "Wait");
    originate.append("Data", "0");
    originate.append("Async", "true");
    // Not `originate_message`: a filter may keep its OriginateResponse away.
    client.send_message(originate).await.unwrap();
    // The call is over within three seconds of simulated time.
    let until = tokio::time::Instant::now() + Duration::from_secs(3);
    let mut names = Vec::new();
    while let Ok(Ok(e)) = tokio::time::timeout_at(until, events.recv()).await {
        names.push(e.event_name().unwrap().to_string());
    }
    names
}

#[tokio::test]
async fn filters_built_by_event_filter_are_applied_by_the_server() {
    let server = Server::start(ServerConfig::default()).await.unwrap();
    let (client, mut events) = booted(&server).await;
    client.filter(&EventFilter::event("Hangup")).await.unwrap();
    let names = names_after(&client, &mut events).await;
    assert!(!names.is_empty());
    assert!(names.iter().all(|n| n == "Hangup"), "{names:?}");

    let (client, mut events) = booted(&server).await;
    client
        .filter(&EventFilter::matching(Match::Contains("Hangup".into())).exclude())
        .await
        .unwrap();
    let names = names_after(&client, &mut events).await;
    assert!(names.iter().any(|n| n == "OriginateResponse"), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with("Hangup")), "{names:?}");

    // What Asterisk refuses is refused before sending, or by the server.
    let err = client.filter(&EventFilter::event("a b")).await.unwrap_err();
    assert!(matches!(err, Error::Filter(_)), "{err:?}");
    let mut bare = Message::action("Filter");
    bare.append("Operation", "Add");
    bare.append("MatchCriteria", "contains");
    bare.append("Filter", "x");
    let err = client.send_message(bare).await.unwrap_err();
    assert!(err.to_string().contains("formatted incorrectly"), "{err}");
}
