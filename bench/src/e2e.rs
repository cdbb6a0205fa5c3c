//! Whole clients over loopback, each run in a child process of its own (so
//! its peak RSS is its own): a scripted AMI peer on a thread of the child
//! answers every action (`Challenge`, `Login`, `Ping`, …) with success and,
//! in firehose mode, writes the events of simulated calls as fast as the
//! socket takes them once the client has logged in, then closes.
//!
//! The clients run with their default settings and count what they are
//! given: ami-types' typed stream (multi-thread and current-thread
//! runtimes), asterisk-rs-ami 0.8's `AmiClient::subscribe`, asterisk-manager
//! 2.1's `all_events_stream`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// What the peer does after answering the login.
#[derive(Clone, Copy)]
pub enum Serve {
    /// Writes `events` events (whole calls), then closes.
    Firehose { events: usize },
    /// Answers actions until the client leaves.
    Answer,
}

/// Starts the peer; returns its port and, for a firehose, the number of
/// events it will send.
pub fn peer(serve: Serve) -> (u16, usize) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (block, per_block) = crate::input::call_events(10_000);
    let total = match serve {
        Serve::Firehose { events } => events.div_ceil(per_block) * per_block,
        Serve::Answer => 0,
    };
    std::thread::spawn(move || {
        let Ok((sock, _)) = listener.accept() else {
            return;
        };
        let _ = sock.set_nodelay(true);
        let mut out = sock.try_clone().expect("clone");
        let _ = out.write_all(crate::input::GREETING);
        let mut reader = BufReader::with_capacity(1 << 20, sock);
        let mut answers = Vec::with_capacity(1 << 20);
        loop {
            let Some(action) = read_action(&mut reader) else {
                return;
            };
            answer(&action, &mut answers);
            // Answer a burst of pipelined actions with one write.
            if reader.buffer().is_empty() || answers.len() > 256 * 1024 {
                if out.write_all(&answers).is_err() {
                    return;
                }
                answers.clear();
            }
            if let (Serve::Firehose { .. }, true) = (serve, action.name.eq_ignore_ascii_case("Login")) {
                let _ = out.write_all(&answers);
                // Every client has subscribed by now.
                std::thread::sleep(Duration::from_millis(200));
                let mut sent = 0;
                while sent < total {
                    if out.write_all(&block).is_err() {
                        return;
                    }
                    sent += per_block;
                }
                let _ = out.shutdown(std::net::Shutdown::Both);
                return;
            }
        }
    });
    (port, total)
}

struct ActionSeen {
    name: String,
    id: Option<String>,
}

fn read_action(reader: &mut BufReader<TcpStream>) -> Option<ActionSeen> {
    let mut action = ActionSeen {
        name: String::new(),
        id: None,
    };
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let l = line.trim_end();
        if l.is_empty() {
            if action.name.is_empty() {
                continue;
            }
            return Some(action);
        }
        if let Some((k, v)) = l.split_once(':') {
            let v = v.trim_start();
            if k.eq_ignore_ascii_case("Action") {
                action.name = v.to_owned();
            } else if k.eq_ignore_ascii_case("ActionID") {
                action.id = Some(v.to_owned());
            }
        }
    }
}

fn answer(action: &ActionSeen, out: &mut Vec<u8>) {
    out.extend_from_slice(b"Response: Success\r\n");
    if let Some(id) = &action.id {
        out.extend_from_slice(b"ActionID: ");
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let extra: &[u8] = match action.name.to_ascii_lowercase().as_str() {
        "challenge" => b"Challenge: 840415273\r\n",
        "ping" => b"Ping: Pong\r\nTimestamp: 1795342675.151053\r\n",
        "login" => b"Message: Authentication accepted\r\n",
        _ => b"",
    };
    out.extend_from_slice(extra);
    out.extend_from_slice(b"\r\n");
}

/// What one client run measured.
pub struct Outcome {
    pub sent: usize,
    pub delivered: u64,
    pub lost: u64,
    pub secs: f64,
    pub peak_rss_kib: u64,
}

impl Outcome {
    /// A run that stopped delivering before the stream ended (the counts
    /// are those the watchdog saw).
    fn stalled(sent: usize) -> Outcome {
        use std::sync::atomic::Ordering::Relaxed;
        let (first, last) = (FIRST_NS.load(Relaxed), LAST_NS.load(Relaxed));
        Outcome {
            sent,
            delivered: PROGRESS.load(Relaxed),
            lost: 0,
            secs: last.saturating_sub(first) as f64 / 1e9,
            peak_rss_kib: peak_rss_kib(),
        }
    }

    /// One line on stdout, read by the parent.
    pub fn print(&self) {
        println!(
            "outcome {} {} {} {:.6} {}",
            self.sent, self.delivered, self.lost, self.secs, self.peak_rss_kib
        );
    }

    pub fn parse(line: &str) -> Option<Outcome> {
        let mut it = line.strip_prefix("outcome ")?.split_whitespace();
        Some(Outcome {
            sent: it.next()?.parse().ok()?,
            delivered: it.next()?.parse().ok()?,
            lost: it.next()?.parse().ok()?,
            secs: it.next()?.parse().ok()?,
            peak_rss_kib: it.next()?.parse().ok()?,
        })
    }
}

/// This process's peak resident set (`VmHWM`), in KiB.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// How long a stream may stay silent before a client run is called over
/// (a lossy client may lose the end of the stream).
const IDLE: Duration = Duration::from_secs(3);

fn runtime(multi: bool) -> tokio::runtime::Runtime {
    now_ns();
    if multi {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    }
    .expect("runtime")
}

/// Events counted so far by the running client, and the times (ns since
/// [`EPOCH`]) of the first and of the latest one (read by the watchdog).
static PROGRESS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static FIRST_NS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static LAST_NS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

fn now_ns() -> u64 {
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// Ends the run when no event has come for [`IDLE`] (a lossy client may
/// lose the end of the stream): `done` prints the outcome, then the process
/// exits. The consumers themselves do nothing per event but count.
fn watchdog(done: impl Fn() -> Outcome + Send + 'static) {
    std::thread::spawn(move || {
        let mut last = u64::MAX;
        loop {
            std::thread::sleep(IDLE);
            let now = PROGRESS.load(std::sync::atomic::Ordering::Relaxed);
            if now == last {
                done().print();
                std::process::exit(0);
            }
            last = now;
        }
    });
}

/// Counts the events between the first and the last one.
struct Counter {
    first: Option<Instant>,
    last: Instant,
    delivered: u64,
    lost: u64,
}

impl Counter {
    fn new() -> Self {
        Counter {
            first: None,
            last: Instant::now(),
            delivered: 0,
            lost: 0,
        }
    }

    fn event(&mut self) {
        use std::sync::atomic::Ordering::Relaxed;
        self.delivered += 1;
        PROGRESS.store(self.delivered, Relaxed);
        if self.first.is_none() {
            self.first = Some(Instant::now());
            FIRST_NS.store(now_ns(), Relaxed);
        }
        // Clock reads are cheap but not free: every 256 events, and at
        // the end.
        if self.delivered % 256 == 0 {
            self.last = Instant::now();
            LAST_NS.store(now_ns(), Relaxed);
        }
    }

    fn finish(&mut self) {
        self.last = Instant::now();
    }

    fn outcome(&self, sent: usize) -> Outcome {
        Outcome {
            sent,
            delivered: self.delivered,
            lost: self.lost,
            secs: self
                .first
                .map_or(0.0, |f| self.last.duration_since(f).as_secs_f64()),
            peak_rss_kib: peak_rss_kib(),
        }
    }
}

/// ami-types' typed event stream at default settings.
pub fn ours_events(events: usize, multi: bool) -> Outcome {
    use ami_types::{event::Event, ClientBuilder, StreamError};
    let (port, sent) = peer(Serve::Firehose { events });
    runtime(multi).block_on(async move {
        let builder = ClientBuilder::new("127.0.0.1", port).credentials("admin", "bench");
        let (_client, mut stream) = ami_types::connect_with(&builder).await.expect("connect");
        let mut c = Counter::new();
        watchdog(move || Outcome::stalled(sent));
        loop {
            match stream.recv().await {
                Ok(ev) => {
                    // A counting consumer; the event is decoded into `Event`.
                    let ev: Event = ev;
                    std::hint::black_box(&ev);
                    c.event();
                }
                Err(StreamError::Lagged(n)) => c.lost += n,
                // No reconnect policy: the stream ends with the connection.
                Err(StreamError::Reconnected(_) | StreamError::Disconnected(_)) => break,
            }
        }
        c.finish();
        c.outcome(sent)
    })
}

/// asterisk-rs-ami 0.8: `AmiClient::subscribe`, default event capacity.
pub fn rs_events(events: usize) -> Outcome {
    use asterisk_rs_ami::AmiClient;
    use asterisk_rs_core::config::ReconnectPolicy;
    use asterisk_rs_core::event::EventReceive;
    let (port, sent) = peer(Serve::Firehose { events });
    runtime(true).block_on(async move {
        let client = AmiClient::builder()
            .host("127.0.0.1")
            .port(port)
            .credentials("admin", "bench")
            .reconnect(ReconnectPolicy::none())
            .build()
            .await
            .expect("connect");
        let mut sub = client.subscribe();
        let mut c = Counter::new();
        watchdog(move || Outcome::stalled(sent));
        loop {
            match sub.recv().await {
                EventReceive::Event(ev) => {
                    std::hint::black_box(&ev);
                    c.event();
                }
                EventReceive::Lagged(n) => c.lost += n,
                EventReceive::Closed => break,
            }
        }
        c.finish();
        c.outcome(sent)
    })
}

/// asterisk-manager 2.1: `all_events_stream`, default buffer.
pub fn manager_events(events: usize) -> Outcome {
    use asterisk_manager::{AmiEvent, Manager, ManagerOptions};
    use tokio_stream::StreamExt;
    let (port, sent) = peer(Serve::Firehose { events });
    runtime(true).block_on(async move {
        let mut manager = Manager::new();
        manager
            .connect_and_login(ManagerOptions {
                port,
                host: "127.0.0.1".into(),
                username: "admin".into(),
                password: "bench".into(),
                events: true,
            })
            .await
            .expect("connect");
        let mut stream = manager.all_events_stream().await;
        let mut c = Counter::new();
        watchdog(move || Outcome::stalled(sent));
        loop {
            match stream.next().await {
                Some(Ok(AmiEvent::InternalConnectionLost { .. })) | None => break,
                Some(Ok(ev)) => {
                    std::hint::black_box(&ev);
                    c.event();
                }
                Some(Err(tokio_stream::wrappers::errors::BroadcastStreamRecvError::Lagged(n))) => {
                    c.lost += n
                }
            }
        }
        c.finish();
        c.outcome(sent)
    })
}

/// `pings` `Ping`s in flight at once on one connection; `delivered` is the
/// number answered.
pub fn ours_pings(pings: usize) -> Outcome {
    use ami_types::{action::Ping, ClientBuilder};
    let (port, _) = peer(Serve::Answer);
    runtime(true).block_on(async move {
        let builder = ClientBuilder::new("127.0.0.1", port).credentials("admin", "bench");
        let (client, _events) = builder.connect_untyped().await.expect("connect");
        all_at_once(pings, || {
            let client = client.clone();
            async move { client.send(&Ping::new()).await.is_ok() }
        })
        .await
    })
}

pub fn rs_pings(pings: usize) -> Outcome {
    use asterisk_rs_ami::AmiClient;
    use asterisk_rs_core::config::ReconnectPolicy;
    let (port, _) = peer(Serve::Answer);
    runtime(true).block_on(async move {
        let client = AmiClient::builder()
            .host("127.0.0.1")
            .port(port)
            .credentials("admin", "bench")
            .reconnect(ReconnectPolicy::none())
            .build()
            .await
            .expect("connect");
        all_at_once(pings, || {
            let client = client.clone();
            async move { client.ping().await.is_ok() }
        })
        .await
    })
}

pub fn manager_pings(pings: usize) -> Outcome {
    use asterisk_manager::{AmiAction, Manager, ManagerOptions};
    let (port, _) = peer(Serve::Answer);
    runtime(true).block_on(async move {
        let mut manager = Manager::new();
        manager
            .connect_and_login(ManagerOptions {
                port,
                host: "127.0.0.1".into(),
                username: "admin".into(),
                password: "bench".into(),
                events: false,
            })
            .await
            .expect("connect");
        all_at_once(pings, || {
            let manager = manager.clone();
            async move {
                manager
                    .send_action(AmiAction::Ping { action_id: None })
                    .await
                    .is_ok()
            }
        })
        .await
    })
}

/// Starts `n` tasks made by `one` at once and waits for all; `delivered` is
/// the number that succeeded.
async fn all_at_once<F, Fut>(n: usize, one: F) -> Outcome
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let start = Instant::now();
    let tasks: Vec<_> = (0..n).map(|_| tokio::spawn(one())).collect();
    let mut ok = 0;
    for t in tasks {
        ok += u64::from(t.await.unwrap_or(false));
    }
    Outcome {
        sent: n,
        delivered: ok,
        lost: n as u64 - ok,
        secs: start.elapsed().as_secs_f64(),
        peak_rss_kib: peak_rss_kib(),
    }
}
