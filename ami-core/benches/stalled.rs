//! A subscriber that stops reading must lag only itself: the time one
//! reading subscriber takes to receive a burst of small events from a
//! scripted peer, alone, beside a stream kept and never read, and beside a
//! handler that blocks. Prints a table; asserts nothing on time.
//!
//! ```sh
//! cargo bench -p ami-core --bench stalled            # 200,000 events, 3 rounds
//! STALLED_EVENTS=500000 cargo bench -p ami-core --bench stalled
//! ```

use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use ami_core::{Client, Message};

fn burst(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * 64);
    for i in 0..n {
        let _ = write!(out, "Event: UserEvent\r\nUserEvent: B\r\nN: {i}\r\n\r\n");
    }
    out
}

/// A peer that answers the login, then writes `bytes` once the client has
/// had 200 ms to set up its subscribers, and then waits to be closed.
fn peer(bytes: Vec<u8>) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(b"Asterisk Call Manager/11.0.0\r\n").unwrap();
        let mut buf = [0u8; 4096];
        let mut seen = Vec::new();
        // The login, answered.
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = std::io::Read::read(&mut s, &mut buf).unwrap();
            seen.extend_from_slice(&buf[..n]);
        }
        let text = String::from_utf8_lossy(&seen).into_owned();
        let id = text
            .lines()
            .find_map(|l| l.strip_prefix("ActionID: "))
            .unwrap_or("")
            .to_owned();
        write!(
            s,
            "Response: Success\r\nActionID: {id}\r\nMessage: Authentication accepted\r\n\r\n"
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let _ = s.write_all(&bytes);
        let _ = std::io::Read::read(&mut s, &mut buf);
    });
    (format!("ami://admin:x@{addr}"), handle)
}

#[derive(Clone, Copy, Debug)]
enum Beside {
    Nothing,
    UnreadStream,
    BlockedHandler,
}

async fn once(n: usize, beside: Beside) -> Duration {
    let (url, peer) = peer(burst(n));
    let (client, first) = Client::connect_untyped(&url).await.unwrap();
    let mut reading = client.subscribe();
    let (_unread, _handler, gate) = match beside {
        Beside::Nothing => {
            drop(first);
            (None, None, None)
        }
        Beside::UnreadStream => (Some(first), None, None),
        Beside::BlockedHandler => {
            drop(first);
            let (tx, rx) = std::sync::mpsc::channel::<()>();
            let rx = std::sync::Mutex::new(rx);
            let h = client.on_any(move |_m: Message| {
                // Blocks until the run is over.
                let _ = rx.lock().unwrap().recv();
            });
            (None, Some(h), Some(tx))
        }
    };
    let mut got = 0;
    let mut start = None;
    while got < n {
        match reading.recv().await {
            Ok(m) if m.get("UserEvent").is_some() => {
                start.get_or_insert_with(Instant::now);
                got += 1;
            }
            Ok(_) => {}
            Err(e) => panic!("{e}"),
        }
    }
    let took = start.map_or(Duration::ZERO, |s| s.elapsed());
    drop(gate);
    drop(_handler);
    client.close().await.ok();
    peer.join().unwrap();
    took
}

fn main() {
    let n: usize = std::env::var("STALLED_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "{n} events of {} B, median of 3 rounds, multi-thread runtime (2 workers)\n",
        burst(1).len()
    );
    println!("| beside the reading subscriber | seconds | × alone |");
    println!("|---|---:|---:|");
    let mut alone = None;
    for beside in [
        Beside::Nothing,
        Beside::UnreadStream,
        Beside::BlockedHandler,
    ] {
        let mut runs: Vec<Duration> = (0..3).map(|_| rt.block_on(once(n, beside))).collect();
        runs.sort();
        let median = runs[1].as_secs_f64();
        let base = *alone.get_or_insert(median);
        println!("| {beside:?} | {median:.3} | {:.1} |", median / base);
    }
}
