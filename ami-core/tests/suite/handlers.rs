//! Handlers by name and pattern: a slow one does not delay another, a
//! dropped guard stops its handler, patterns ignore case.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ami_core::{Client, ClientBuilder, Message};
use ami_server::{Server, ServerConfig};

fn event(name: &str, n: usize) -> Message {
    [("Event", name.to_owned()), ("N", n.to_string())]
        .into_iter()
        .collect()
}

/// Polls `cond` until it holds (a bounded wait, not a speed goal).
async fn eventually(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..1000 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what} did not happen within 10 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_handler_does_not_delay_another() {
    let server = Server::start(ServerConfig::default()).await.unwrap();
    let (client, _events) = Client::connect_untyped(&server.url()).await.unwrap();
    // The gate: a handler blocks on it until it is dropped.
    let (held, gate) = std::sync::mpsc::channel::<()>();
    let slow_calls = Arc::new(AtomicUsize::new(0));
    let s = slow_calls.clone();
    // Blocks on its first event until the gate opens.
    let slow = client.on_name("UserEvent", move |_| {
        s.fetch_add(1, Ordering::SeqCst);
        let _ = gate.recv();
    });
    let fast_seen = Arc::new(Mutex::new(Vec::new()));
    let f = fast_seen.clone();
    let fast = client.on_name("userevent", move |m| {
        f.lock().unwrap().push(m.get_str("N").unwrap().to_owned());
    });
    for n in 0..50 {
        server.emit(event("UserEvent", n));
    }
    // The fast handler sees all 50 while the slow one is stuck in its first.
    eventually("the fast handler's 50 events", || {
        fast_seen.lock().unwrap().len() == 50
    })
    .await;
    assert_eq!(slow_calls.load(Ordering::SeqCst), 1);
    let expected: Vec<String> = (0..50).map(|n| n.to_string()).collect();
    assert_eq!(*fast_seen.lock().unwrap(), expected, "in wire order");
    drop(held);
    eventually("the slow handler catching up", || {
        slow_calls.load(Ordering::SeqCst) == 50
    })
    .await;
    assert_eq!(slow.missed(), 0);
    assert_eq!(fast.missed(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_guard_stops_its_handler() {
    let server = Server::start(ServerConfig::default()).await.unwrap();
    let (client, _events) = Client::connect_untyped(&server.url()).await.unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let guard = client.on_any(move |m| {
        if m.event_name().is_some_and(|n| n == "UserEvent") {
            c.fetch_add(1, Ordering::SeqCst);
        }
    });
    // A witness that stays registered shows that later events did arrive.
    let witness = Arc::new(AtomicUsize::new(0));
    let w = witness.clone();
    let _witness = client.on_name("User*", move |_| {
        w.fetch_add(1, Ordering::SeqCst);
    });
    server.emit(event("UserEvent", 0));
    eventually("the first call", || calls.load(Ordering::SeqCst) == 1).await;
    assert!(guard.is_running());
    drop(guard);
    for n in 1..20 {
        server.emit(event("UserEvent", n));
    }
    eventually("the witness seeing all 20", || {
        witness.load(Ordering::SeqCst) == 20
    })
    .await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "called after its guard was dropped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patterns_ignore_case_and_match_only_their_names() {
    let server = Server::start(ServerConfig::default()).await.unwrap();
    let (client, _events) = Client::connect_untyped(&server.url()).await.unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let _h = client.on_name("PEER*", move |m| {
        s.lock().unwrap().push(m.event_name().unwrap().to_string());
    });
    for name in ["PeerStatus", "Hangup", "peerentry", "APeerStatus", "Peer"] {
        server.emit(event(name, 0));
    }
    server.emit(event("PeerStatus", 1));
    eventually("the matching events", || seen.lock().unwrap().len() == 4).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        *seen.lock().unwrap(),
        ["PeerStatus", "peerentry", "Peer", "PeerStatus"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_falls_behind_counts_what_it_missed() {
    let server = Server::start(ServerConfig::default()).await.unwrap();
    // A buffer of a few events only.
    let (client, _events) = ClientBuilder::from_url(&server.url())
        .unwrap()
        .event_buffer(2_000)
        .connect_untyped()
        .await
        .unwrap();
    drop(_events);
    let (held, gate) = std::sync::mpsc::channel::<()>();
    let h = client.on_name("UserEvent", move |_| {
        let _ = gate.recv();
    });
    for n in 0..500 {
        server.emit(event("UserEvent", n));
    }
    // A ping after the burst: the reader has taken it all in.
    client.send_message(Message::action("Ping")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(held);
    eventually("a lag notice", || h.missed() > 0).await;
    assert!(h.is_running());
}
