//! The blocking client against the embedded server: every call, from two
//! threads at once, and a disconnect.

use std::time::Duration;

use ami_server::{Server, ServerConfig};
use ami_types::action::{CoreShowChannels, Originate, Ping};
use ami_types::blocking;
use ami_types::event::{self, Event};
use ami_types::{Error, StreamError, TextField};

/// The server on a runtime of its own, as a program without one would
/// meet a PBX.
fn server() -> (tokio::runtime::Runtime, Server) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(Server::start(ServerConfig::default())).unwrap();
    (rt, server)
}

#[test]
fn every_call_from_two_threads_at_once() {
    let (_rt, server) = server();
    let (client, mut events) = blocking::Client::connect(&server.url()).unwrap();
    let first = events
        .recv_timeout(Duration::from_secs(10))
        .unwrap()
        .unwrap();
    assert!(matches!(first, Event::FullyBooted(_)), "{first:?}");

    let threads: Vec<_> = (0..2)
        .map(|t| {
            let client = client.clone();
            std::thread::spawn(move || {
                for _ in 0..5 {
                    let pong = client.send(&Ping::new()).unwrap();
                    assert_eq!(pong.ping().as_str(), Some("Pong"));
                    let lines = client.command("core show version").unwrap();
                    assert!(lines[0].to_string_lossy().starts_with("Asterisk "));
                    let channels = client.list(&CoreShowChannels::new()).unwrap();
                    channels.check_count().unwrap();
                }
                let call = Originate::new(format!("Local/10{t}@default"))
                    .application("Wait")
                    .data("0");
                let answer = client.originate(&call).unwrap();
                assert!(answer.is_success(), "{answer:?}");
                answer.uniqueid().to_str_lossy().into_owned()
            })
        })
        .collect();
    let uniqueids: Vec<String> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_ne!(uniqueids[0], uniqueids[1]);

    // Both calls hang up, seen by the iterator of typed events.
    let mut hung_up = Vec::new();
    for e in events.by_ref() {
        if let Event::Hangup(h) = e.unwrap() {
            hung_up.push(h.uniqueid().to_str_lossy().into_owned());
            if uniqueids.iter().all(|u| hung_up.contains(u)) {
                break;
            }
        }
    }
    // One event type.
    let mut hangups = client.events::<event::Hangup>();
    client
        .originate(
            &Originate::new("Local/100@default")
                .application("Wait")
                .data("0"),
        )
        .unwrap();
    let h = hangups.next().unwrap().unwrap();
    assert!(h.channel().is_set());
    client.close().unwrap();
    // After the close the iterator ends, saying why once.
    let rest: Vec<_> = events.collect();
    assert!(
        matches!(rest.last(), Some(Err(StreamError::Disconnected(_)))),
        "{:?}",
        rest.last()
    );
}

#[test]
fn a_disconnect_ends_the_iterator_and_fails_calls() {
    let (_rt, server) = server();
    let (client, mut events) = blocking::Client::connect(&server.url()).unwrap();
    let other = client.clone();
    let waiter = std::thread::spawn(move || {
        // Blocks until the connection goes.
        loop {
            match events.next() {
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    assert!(e.is_disconnected(), "{e:?}");
                    assert!(events.next().is_none(), "the iterator ends");
                    return;
                }
                None => panic!("ended without saying why"),
            }
        }
    });
    std::thread::sleep(Duration::from_millis(100));
    server.drop_connections();
    waiter.join().unwrap();
    let err = other.send(&Ping::new()).unwrap_err();
    assert!(err.is_disconnected(), "{err:?}");
    assert!(!client.is_connected());
    // A refused login is an error, not a hang.
    let url = server.url().replace(":amp111@", ":wrong@");
    let err = blocking::Client::connect(&url).unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
}

#[test]
fn handlers_work_without_a_runtime_of_ones_own() {
    let (_rt, server) = server();
    let (client, _events) = blocking::Client::connect(&server.url()).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let _guard = client.on::<event::Hangup>(move |h| {
        let _ = tx.send(h.cause());
    });
    client
        .originate(
            &Originate::new("Local/100@default")
                .application("Wait")
                .data("0"),
        )
        .unwrap();
    let cause = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(cause, Some(ami_types::codes::HangupCause::NormalClearing));
}

#[test]
fn a_handler_calls_the_blocking_client_and_a_panic_is_caught_and_counted() {
    let (rt, server) = server();
    let (client, _events) = blocking::Client::connect(&server.url()).unwrap();
    // The first thing a script does: on an event, send an action.
    let (tx, rx) = std::sync::mpsc::channel();
    let caller = client.clone();
    let _guard = client.on_name("UserEvent", move |_| {
        let _ = tx.send(caller.send(&Ping::new()).is_ok());
    });
    // A handler that panics on its first event and not on its second.
    let (seen_tx, seen_rx) = std::sync::mpsc::channel();
    let mut calls = 0;
    let panicking = client.on_name("UserEvent", move |_| {
        calls += 1;
        if calls == 1 {
            panic!("boom in a handler");
        }
        let _ = seen_tx.send(calls);
    });
    let user_event = |n: &str| -> ami_types::Message {
        [("Event", "UserEvent"), ("UserEvent", "Test"), ("N", n)]
            .into_iter()
            .collect()
    };
    server.emit(user_event("1"));
    let answered = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(answered, "the Ping from the handler was answered");
    server.emit(user_event("2"));
    // The panic was caught: the handler runs on and handles the next one.
    assert_eq!(seen_rx.recv_timeout(Duration::from_secs(10)).unwrap(), 2);
    assert!(panicking.is_running());
    assert_eq!(panicking.panics(), 1);
    assert_eq!(panicking.last_panic().as_deref(), Some("boom in a handler"));
    assert!(format!("{panicking:?}").contains("panics: 1"));
    drop(rt);
}
