//! Soak: an hour of PBX traffic, compressed, against the embedded server
//! with faults — calls, lists, commands, bursts of events, a server restart
//! every few minutes and a slow subscriber — through one reconnecting
//! client. Not a timed test: it prints what happened and exits non-zero
//! only when a promise broke (an event lost outside a reported gap, an
//! event twice, an action answered wrongly).
//!
//! ```sh
//! cargo bench -p ami-core --bench soak                 # 1 simulated hour
//! SOAK_HOURS=4 SOAK_SCALE=0.002 cargo bench -p ami-core --bench soak
//! ```
//!
//! `SOAK_SCALE` is real time per simulated second (default 0.005: an hour
//! in 18 s of calls, restarts and bursts); `SOAK_HOURS` the simulated
//! length (default 1).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ami_core::client::Reconnect;
use ami_core::{ClientBuilder, EventStream, Message, StreamError};
use ami_server::{Faults, Server, ServerConfig};
use tokio::sync::Mutex;

/// What the soak counts.
#[derive(Default)]
struct Counts {
    actions_ok: AtomicU64,
    /// Failed because the connection was lost or away (expected around
    /// restarts).
    actions_disconnected: AtomicU64,
    /// Failed otherwise: a broken promise.
    actions_wrong: AtomicU64,
    originates: AtomicU64,
    list_items: AtomicU64,
    sequence_sent: AtomicU64,
}

/// What one subscriber saw of the numbered events.
#[derive(Debug, Default)]
struct Seen {
    events: u64,
    numbered: u64,
    notices: u64,
    lagged: u64,
    /// Numbered events missing across a reconnect notice (inside a gap).
    lost_in_gaps: u64,
    /// Numbered events missing where no notice or lag was reported.
    lost_unreported: u64,
    duplicates: u64,
}

fn sim_env(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|v: &f64| v.is_finite() && *v > 0.0)
        .unwrap_or(default)
}

fn numbered(n: u64) -> Message {
    let mut m = Message::new();
    m.append("Event", "UserEvent");
    m.append("Privilege", "user,all");
    m.append("UserEvent", "SoakSeq");
    m.append("Seq", n);
    m
}

/// Peak resident memory of this process (server and client), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Follows one stream: numbered events must come in order, each once, and
/// any missing ones must sit across a `Reconnected` notice or a `Lagged`.
async fn follow(mut events: EventStream, slow: bool) -> Seen {
    let mut seen = Seen::default();
    let mut last: Option<u64> = None;
    let mut excused = false;
    loop {
        match events.recv().await {
            Ok(m) => {
                seen.events += 1;
                if slow && seen.events.is_multiple_of(200) {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                let Some(n) = m.get_str("Seq").and_then(|s| s.parse::<u64>().ok()) else {
                    continue;
                };
                seen.numbered += 1;
                match last {
                    Some(prev) if n <= prev => seen.duplicates += 1,
                    Some(prev) if n > prev + 1 => {
                        if excused {
                            seen.lost_in_gaps += n - prev - 1;
                        } else {
                            seen.lost_unreported += n - prev - 1;
                        }
                    }
                    None if n > 0 && !excused => seen.lost_unreported += n,
                    _ => {}
                }
                last = Some(last.map_or(n, |p| p.max(n)));
                excused = false;
            }
            Err(StreamError::Reconnected(_)) => {
                seen.notices += 1;
                excused = true;
            }
            Err(StreamError::Lagged(n)) => {
                seen.lagged += n;
                excused = true;
            }
            Err(StreamError::Disconnected(_)) => return seen,
        }
    }
}

/// Counts how an action ended (`Ok` carries its list items).
async fn act(counts: &Counts, what: impl std::future::Future<Output = ami_core::Result<u64>>) {
    match what.await {
        Ok(items) => {
            counts.actions_ok.fetch_add(1, Ordering::Relaxed);
            counts.list_items.fetch_add(items, Ordering::Relaxed);
        }
        Err(e) if e.is_disconnected() => {
            counts.actions_disconnected.fetch_add(1, Ordering::Relaxed);
        }
        Err(e) => {
            eprintln!("soak: an action failed: {e}");
            counts.actions_wrong.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let hours = sim_env("SOAK_HOURS", 1.0);
    let scale = sim_env("SOAK_SCALE", 0.005);
    let real = move |sim_secs: f64| Duration::from_secs_f64(sim_secs * scale);
    let total = Duration::from_secs_f64(hours * 3600.0 * scale);
    println!(
        "soak: {hours} simulated hour(s) in {:.1} s (scale {scale}), restarts every 5 simulated minutes",
        total.as_secs_f64()
    );

    let config = ServerConfig {
        time_scale: scale,
        call_duration: Duration::from_secs(90),
        faults: Faults {
            interleave_events_in_lists: true,
            ..Faults::default()
        },
        ..ServerConfig::default()
    };
    let server = Arc::new(Mutex::new(Server::start(config).await.unwrap()));
    let url = server.lock().await.url();
    let (client, events) = ClientBuilder::from_url(&url)
        .unwrap()
        .reconnect(Some(
            Reconnect::default()
                .initial(Duration::from_millis(10))
                .max(Duration::from_millis(200)),
        ))
        .connect_untyped()
        .await
        .unwrap();
    let main_sub = tokio::spawn(follow(events, false));
    let slow_sub = tokio::spawn(follow(client.subscribe(), true));
    let counts = Arc::new(Counts::default());
    let started = Instant::now();
    let until = started + total;
    let mut tasks = tokio::task::JoinSet::new();

    // Numbered events: a steady trickle plus a burst every simulated minute.
    {
        let (server, counts) = (server.clone(), counts.clone());
        tasks.spawn(async move {
            let mut next_burst = Instant::now();
            while Instant::now() < until {
                let burst = Instant::now() >= next_burst;
                let n = if burst { 2000 } else { 20 };
                if burst {
                    next_burst = Instant::now() + real(60.0);
                }
                {
                    let server = server.lock().await;
                    for _ in 0..n {
                        let seq = counts.sequence_sent.fetch_add(1, Ordering::Relaxed);
                        server.emit(numbered(seq));
                    }
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
    }
    // A call every 10 simulated seconds, a list and a command every 30.
    {
        let (client, counts) = (client.clone(), counts.clone());
        tasks.spawn(async move {
            let mut tick = 0u64;
            while Instant::now() < until {
                tick += 1;
                let mut call = Message::action("Originate");
                call.append("Channel", "Local/100@default");
                call.append("Application", "Wait");
                call.append("Data", "60");
                let c = client.clone();
                let k = counts.clone();
                tokio::spawn(async move {
                    k.originates.fetch_add(1, Ordering::Relaxed);
                    act(&k, async { c.originate_message(call).await.map(|_| 0) }).await;
                });
                if tick.is_multiple_of(3) {
                    act(&counts, async {
                        client
                            .send_message(Message::action("CoreShowChannels"))
                            .await
                            .map(|r| r.items.len() as u64)
                    })
                    .await;
                    act(&counts, async {
                        client.command("core show channels").await.map(|_| 0)
                    })
                    .await;
                }
                act(&counts, async {
                    client
                        .send_message(Message::action("Ping"))
                        .await
                        .map(|_| 0)
                })
                .await;
                tokio::time::sleep(real(10.0)).await;
            }
        });
    }
    // A restart every 5 simulated minutes, down for 20 simulated seconds.
    let restarts = Arc::new(AtomicU64::new(0));
    {
        let (server, restarts) = (server.clone(), restarts.clone());
        tasks.spawn(async move {
            loop {
                tokio::time::sleep(real(300.0)).await;
                if Instant::now() + real(30.0) >= until {
                    return;
                }
                server.lock().await.restart(real(20.0)).await.unwrap();
                restarts.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    // Let the subscribers take what is buffered, then end the client.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let reconnects = restarts.load(Ordering::Relaxed);
    let state = client.state();
    client.close().await.ok();
    let main_seen = main_sub.await.unwrap();
    let slow_seen = slow_sub.await.unwrap();
    let elapsed = started.elapsed();

    let c = &counts;
    let sent = c.sequence_sent.load(Ordering::Relaxed);
    println!(
        "ran {:.1} s; server restarts {reconnects}; client state at the end {state:?}",
        elapsed.as_secs_f64()
    );
    println!(
        "actions: {} answered, {} failed at a disconnect (around restarts), {} failed otherwise; {} originates, {} list items",
        c.actions_ok.load(Ordering::Relaxed),
        c.actions_disconnected.load(Ordering::Relaxed),
        c.actions_wrong.load(Ordering::Relaxed),
        c.originates.load(Ordering::Relaxed),
        c.list_items.load(Ordering::Relaxed),
    );
    println!("numbered events emitted: {sent}");
    for (name, s) in [("subscriber", &main_seen), ("slow subscriber", &slow_seen)] {
        println!(
            "{name}: {} events ({} numbered), {} reconnect notices, lagged {}, lost in reported gaps {}, lost unreported {}, duplicates {}",
            s.events, s.numbered, s.notices, s.lagged, s.lost_in_gaps, s.lost_unreported, s.duplicates
        );
    }
    match peak_rss_kib() {
        Some(kib) => println!(
            "peak memory (resident, server and client): {:.1} MiB",
            kib as f64 / 1024.0
        ),
        None => println!("peak memory: unknown (no /proc)"),
    }
    let broken = main_seen.lost_unreported
        + main_seen.duplicates
        + slow_seen.lost_unreported
        + slow_seen.duplicates
        + c.actions_wrong.load(Ordering::Relaxed)
        + u64::from(main_seen.notices != reconnects)
        + u64::from(main_seen.lagged != 0);
    if broken > 0 {
        eprintln!("soak: a promise broke (see above)");
        std::process::exit(1);
    }
    println!("soak: every promise held");
}
