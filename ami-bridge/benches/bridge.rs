//! Events per second and added latency through the bridge: one AMI stream
//! (the embedded server) → ami-bridge → JetStream (a `nats-server -js` of
//! its own) → one durable consumer, beside a direct client of the same
//! stream. Needs `nats-server` on the PATH.
//!
//! ```text
//! cargo bench -p ami-bridge --bench bridge            # 50,000 events
//! cargo bench -p ami-bridge --bench bridge -- 200000
//! ```

use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ami_bridge::config::{NatsConfig, PbxConfig, StreamConfig};
use ami_bridge::{BridgeConfig, BridgeItem, Subscriber};
use ami_server::{Server, ServerConfig};
use ami_types::event::Event;
use ami_types::{Message, TextField};

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros() as u64
}

fn event(n: usize) -> Message {
    [
        ("Event", "UserEvent".to_owned()),
        ("Privilege", "user,all".to_owned()),
        ("UserEvent", "Bench".to_owned()),
        ("N", n.to_string()),
        ("SentAt", now_micros().to_string()),
        ("Channel", "PJSIP/100-00000001".to_owned()),
        ("Uniqueid", "1796620000.1".to_owned()),
    ]
    .into_iter()
    .collect()
}

fn sent_at(e: &Event) -> Option<u64> {
    e.raw().get("SentAt").as_str()?.parse().ok()
}

fn pct(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize] as f64 / 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let total: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50_000);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let store = std::env::temp_dir().join(format!("ami-bridge-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&store);
    let Ok(mut nats) = Command::new("nats-server")
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(&store)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        eprintln!("nats-server is not installed: apt-get install nats-server");
        return;
    };
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let url = format!("nats://127.0.0.1:{port}");
    let pbx = Server::start(ServerConfig::default()).await.unwrap();
    let config = BridgeConfig {
        nats: NatsConfig {
            url: url.clone(),
            user: None,
            password_env: None,
            token_env: None,
            creds: None,
        },
        stream: StreamConfig::default(),
        pbxs: vec![PbxConfig {
            name: "east".into(),
            url: pbx.url(),
            secret_env: None,
            secret_file: None,
            events: None,
            filters: Vec::new(),
            event_buffer: None,
        }],
        allow: None,
        max_value_bytes: None,
        max_requests: None,
        status_every_secs: None,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let bridge = tokio::spawn(ami_bridge::bridge::run(config, async {
        let _ = stopped.await;
    }));
    while pbx.connections() < 1 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (_direct_client, mut direct) = ami_types::connect(&pbx.url()).await.unwrap();
    let nats_client = async_nats::connect(url.as_str()).await.unwrap();
    let mut sub = Subscriber::connect(nats_client, "AMI", "bench", "ami.>")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let start = Instant::now();
    let emitter = tokio::task::spawn_blocking(move || {
        for n in 0..total {
            pbx.emit(event(n));
        }
        pbx
    });
    let direct_task = tokio::spawn(async move {
        let mut lat = Vec::with_capacity(total);
        let mut done_at = Instant::now();
        while lat.len() < total {
            match direct.recv().await {
                Ok(e @ Event::UserEvent(_)) => {
                    if let Some(t) = sent_at(&e) {
                        lat.push(now_micros().saturating_sub(t));
                        done_at = Instant::now();
                    }
                }
                Ok(_) => {}
                Err(e) if e.is_disconnected() => break,
                Err(_) => {}
            }
        }
        (lat, done_at)
    });
    let mut lat = Vec::with_capacity(total);
    let mut gaps = 0;
    while lat.len() < total {
        match sub.next().await.unwrap() {
            Some(BridgeItem::Event { event, .. }) => {
                if let Some(t) = sent_at(&event) {
                    lat.push(now_micros().saturating_sub(t));
                }
            }
            Some(BridgeItem::Gap(_)) => gaps += 1,
            None => break,
        }
    }
    let bridged_secs = start.elapsed().as_secs_f64();
    let (mut direct_lat, direct_done) = direct_task.await.unwrap();
    let direct_secs = direct_done.duration_since(start).as_secs_f64();
    let _pbx = emitter.await.unwrap();
    let _ = stop.send(());
    let _ = bridge.await;
    let _ = nats.kill();
    let _ = nats.wait();
    let _ = std::fs::remove_dir_all(&store);

    lat.sort_unstable();
    direct_lat.sort_unstable();
    println!("{total} events of one AMI stream (embedded server, loopback), nats-server 2.9 with file storage");
    println!();
    println!("| path | events | events/s | latency p50 ms | latency p99 ms |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| direct client | {} | {:.0} | {:.2} | {:.2} |",
        direct_lat.len(),
        direct_lat.len() as f64 / direct_secs,
        pct(&direct_lat, 0.5),
        pct(&direct_lat, 0.99)
    );
    println!(
        "| bridge → JetStream → Subscriber | {} | {:.0} | {:.2} | {:.2} |",
        lat.len(),
        lat.len() as f64 / bridged_secs,
        pct(&lat, 0.5),
        pct(&lat, 0.99)
    );
    println!();
    println!(
        "added latency: p50 {:.2} ms, p99 {:.2} ms; gaps: {gaps}",
        pct(&lat, 0.5) - pct(&direct_lat, 0.5),
        pct(&lat, 0.99) - pct(&direct_lat, 0.99)
    );
}
