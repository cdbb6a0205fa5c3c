//! A hundred reconnects in a row leave memory flat, measured with a counting
//! global allocator (this test binary's only test, so nothing else allocates
//! meanwhile).

use std::alloc::System;
use std::time::Duration;

use ami_core::client::Reconnect;
use ami_core::{Client, ClientBuilder, EventStream, Message, StreamError};
use ami_server::{Server, ServerConfig};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use tokio::time::timeout;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const BOUND: Duration = Duration::from_secs(5);

/// Drops the connection, waits for the notice, proves the new one works.
async fn bounce(server: &Server, client: &Client, events: &mut EventStream) {
    server.drop_connections();
    loop {
        match timeout(BOUND, events.recv()).await.expect("no notice came") {
            Ok(_) => {}
            Err(StreamError::Reconnected(_)) => break,
            Err(e) => panic!("{e}"),
        }
    }
    let pong = client.send_message(Message::action("Ping")).await.unwrap();
    assert_eq!(pong.response.get("Ping").unwrap(), "Pong");
}

#[test]
fn a_hundred_reconnects_leave_memory_flat() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = Server::start(ServerConfig::default()).await.unwrap();
        let (client, mut events) = ClientBuilder::from_url(&server.url())
            .unwrap()
            .reconnect(Some(
                Reconnect::default()
                    .initial(Duration::from_millis(1))
                    .max(Duration::from_millis(5)),
            ))
            .connect_untyped()
            .await
            .unwrap();
        // Warm up: every lazily made thing exists after a few rounds.
        for _ in 0..10 {
            bounce(&server, &client, &mut events).await;
        }
        let region = Region::new(GLOBAL);
        let live = |r: &Region<System>| {
            let s = r.change();
            s.bytes_allocated as isize - s.bytes_deallocated as isize
        };
        for _ in 0..10 {
            bounce(&server, &client, &mut events).await;
        }
        let after_10 = live(&region);
        for _ in 0..100 {
            bounce(&server, &client, &mut events).await;
        }
        let after_110 = live(&region);
        assert_eq!(client.subscriber_count(), 1);
        assert_eq!(server.connections(), 1);
        // What a leak of one connection's state per reconnect would show:
        // its 64 KiB read buffer alone, a hundred times over, is 6.4 MiB.
        let growth = after_110 - after_10;
        assert!(
            growth < 256 * 1024,
            "100 more reconnects kept {growth} more bytes (after 10: {after_10})"
        );
    });
}
