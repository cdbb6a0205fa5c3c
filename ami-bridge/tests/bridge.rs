//! The bridge end to end: two embedded AMI servers, a `nats-server -js` of
//! the test's own on a free loopback port, the bridge and a `Subscriber`.
//! Skipped (with a message) where `nats-server` is not installed; `.ci/run`
//! installs it.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ami_bridge::config::{NatsConfig, PbxConfig, StreamConfig};
use ami_bridge::{BridgeConfig, BridgeItem, Subscriber};
use ami_server::{Server, ServerConfig};
use ami_types::event::Event;
use ami_types::{FromMessage, Message, TextField};
use tokio::time::timeout;

const WITHIN: Duration = Duration::from_secs(20);

/// A `nats-server -js` on a free port with a store of its own, stopped on
/// drop.
struct Nats {
    child: Child,
    port: u16,
    url: String,
    store: TempDir,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
        // nats-server's configuration, beside the store (spawn_nats).
        let _ = std::fs::remove_file(self.0.with_extension("conf"));
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_nats(port: u16, store: &std::path::Path) -> std::io::Result<Child> {
    // Requests of up to 16 MiB (the default is 1 MiB), so that the bridge's
    // own bound is what refuses a 10 MB value.
    let conf = store.with_extension("conf");
    std::fs::write(&conf, "max_payload: 16777216\n")?;
    let child = Command::new("nats-server")
        .arg("-c")
        .arg(&conf)
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(store)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "nats-server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(child)
}

impl Nats {
    /// `None` when nats-server is not installed.
    fn start(tag: &str) -> Option<Nats> {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let store = std::env::temp_dir().join(format!("ami-bridge-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&store);
        std::fs::create_dir_all(&store).unwrap();
        let Ok(child) = spawn_nats(port, &store) else {
            drop(TempDir(store));
            // CI installs it and says it must be there.
            assert!(
                std::env::var_os("AMI_REQUIRE_NATS").is_none(),
                "nats-server is not installed"
            );
            eprintln!("nats-server is not installed: skipping (.ci/run installs it)");
            return None;
        };
        Some(Nats {
            child,
            port,
            url: format!("nats://127.0.0.1:{port}"),
            store: TempDir(store),
        })
    }

    /// Stops it, empties its store, and starts it again on the same port:
    /// a NATS that lost every stream.
    fn restart_empty(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.store.0);
        std::fs::create_dir_all(&self.store.0).unwrap();
        self.child = spawn_nats(self.port, &self.store.0).unwrap();
    }

    /// Stops it for good (the port stays closed).
    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops it, waits `down`, starts it again on the same port and store.
    fn restart(&mut self, down: Duration) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(down);
        self.child = spawn_nats(self.port, &self.store.0).unwrap();
    }
}

fn config(nats: &Nats, pbxs: &[(&str, &Server)]) -> BridgeConfig {
    BridgeConfig {
        nats: NatsConfig {
            url: nats.url.clone(),
            user: None,
            password_env: None,
            token_env: None,
            creds: None,
        },
        stream: StreamConfig::default(),
        pbxs: pbxs
            .iter()
            .map(|(name, server)| PbxConfig {
                name: (*name).to_owned(),
                url: server.url(),
                secret_env: None,
                secret_file: None,
                events: None,
                filters: Vec::new(),
                event_buffer: None,
            })
            .collect(),
        allow: None,
        max_value_bytes: None,
        max_requests: None,
        status_every_secs: None,
    }
}

fn user_event(n: usize) -> Message {
    [
        ("Event", "UserEvent".to_owned()),
        ("Privilege", "user,all".to_owned()),
        ("UserEvent", "Seq".to_owned()),
        ("N", n.to_string()),
    ]
    .into_iter()
    .collect()
}

/// A running bridge, stopped (cleanly) by `stop`.
struct Running {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), ami_bridge::BridgeError>>,
}

fn run(config: BridgeConfig) -> Running {
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(ami_bridge::bridge::run(config, async {
        let _ = stopped.await;
    }));
    Running { stop, task }
}

impl Running {
    /// Ends it at once, as `kill -9` would: nothing flushed, no log-off.
    async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        timeout(WITHIN, self.task).await.unwrap().unwrap().unwrap();
    }
}

/// Waits until `server` has `n` logged-in connections.
async fn connections(server: &Server, n: usize) {
    let start = Instant::now();
    // Logged in, not just connected: events emitted before the login
    // completes never reach the session.
    while server.logged_in() < n {
        assert!(start.elapsed() < WITHIN, "the bridge did not connect");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn next(sub: &mut Subscriber) -> BridgeItem {
    timeout(WITHIN, sub.next())
        .await
        .expect("an item within 20 s")
        .unwrap()
        .expect("the consumer goes on")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_of_two_pbxs_once_in_order_equal_to_a_direct_client() {
    let Some(nats) = Nats::start("once") else {
        return;
    };
    let east = Server::start(ServerConfig::default()).await.unwrap();
    let west = Server::start(ServerConfig::default()).await.unwrap();
    let bridge = run(config(&nats, &[("east", &east), ("west", &west)]));
    connections(&east, 1).await;
    connections(&west, 1).await;
    // A direct client of each sees the same events.
    let (_e, mut east_direct) = ami_types::connect(&east.url()).await.unwrap();
    let (_w, mut west_direct) = ami_types::connect(&west.url()).await.unwrap();
    // The bridge's own FullyBooted came before; wait until the bridge is
    // connected and both direct clients are, then send.
    let count = 300;
    for n in 0..count {
        east.emit(user_event(n));
        west.emit(user_event(n));
    }
    let mut direct: BTreeMap<&str, Vec<Message>> = BTreeMap::new();
    for (name, stream) in [("east", &mut east_direct), ("west", &mut west_direct)] {
        while direct.get(name).map_or(0, Vec::len) < count {
            if let Event::UserEvent(e) = timeout(WITHIN, stream.recv()).await.unwrap().unwrap() {
                direct.entry(name).or_default().push(e.raw().clone());
            }
        }
    }
    let nats_client = async_nats::connect(nats.url.as_str()).await.unwrap();
    let mut sub = Subscriber::connect(nats_client, "AMI", "test", "ami.>")
        .await
        .unwrap();
    let mut bridged: BTreeMap<String, Vec<Message>> = BTreeMap::new();
    let mut seqs: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    while bridged.values().map(Vec::len).sum::<usize>() < 2 * count {
        match next(&mut sub).await {
            BridgeItem::Event {
                pbx, seq, event, ..
            } => {
                seqs.entry(pbx.clone()).or_default().push(seq);
                if let Event::UserEvent(e) = *event {
                    bridged.entry(pbx).or_default().push(e.raw().clone());
                }
            }
            BridgeItem::Gap(g) => panic!("no gap expected: {g:?}"),
        }
    }
    // Field for field what the direct client got, in order, once each.
    assert_eq!(bridged["east"], direct["east"]);
    assert_eq!(bridged["west"], direct["west"]);
    for (pbx, s) in &seqs {
        let expected: Vec<u64> = (s[0]..s[0] + s.len() as u64).collect();
        assert_eq!(s, &expected, "{pbx}: in order, none twice");
    }
    // Nothing more (no duplicate) arrives.
    assert!(timeout(Duration::from_millis(500), sub.next())
        .await
        .is_err());
    bridge.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bridge_restart_resumes_without_duplicates_and_marks_the_gap() {
    let Some(nats) = Nats::start("restart") else {
        return;
    };
    let east = Server::start(ServerConfig::default()).await.unwrap();
    let bridge = run(config(&nats, &[("east", &east)]));
    connections(&east, 1).await;
    for n in 0..50 {
        east.emit(user_event(n));
    }
    let nats_client = async_nats::connect(nats.url.as_str()).await.unwrap();
    let mut sub = Subscriber::connect(nats_client.clone(), "AMI", "billing", "ami.>")
        .await
        .unwrap();
    let mut seen = Vec::new();
    while seen.len() < 50 {
        if let BridgeItem::Event { event, .. } = next(&mut sub).await {
            if let Event::UserEvent(e) = *event {
                seen.push(e.raw().get("N").to_str_lossy().into_owned());
            }
        }
    }
    sub.ack().await.unwrap();
    drop(sub);
    // Killed mid-stream: what it had not stored is lost to it, and covered
    // by the gap from its last stored event.
    for n in 50..55 {
        east.emit(user_event(n));
    }
    bridge.kill().await;
    // While the bridge is away, these are lost to it.
    for n in 55..60 {
        east.emit(user_event(n));
    }
    let bridge = run(config(&nats, &[("east", &east)]));
    // The consumer resumes after what it acknowledged: what was stored
    // before the kill, then the gap, which the new bridge publishes once it
    // is logged in with events on; only then come 60..70 (emitted after the
    // gap is seen, so that none is lost to a slow start).
    let mut sub = Subscriber::connect(nats_client, "AMI", "billing", "ami.>")
        .await
        .unwrap();
    let mut gap = None;
    let mut after: Vec<usize> = Vec::new();
    while after.last() != Some(&69) {
        match next(&mut sub).await {
            BridgeItem::Gap(g) => {
                assert!(gap.is_none(), "one gap");
                // Events stored before the kill come before the gap.
                assert!(after.iter().all(|&n| n < 55), "{after:?}");
                gap = Some(g);
                for n in 60..70 {
                    east.emit(user_event(n));
                }
            }
            BridgeItem::Event { event, .. } => {
                if let Event::UserEvent(e) = *event {
                    after.push(e.raw().get("N").to_str_lossy().parse().unwrap());
                }
            }
        }
    }
    let gap = gap.expect("the window the bridge was down is a gap marker");
    assert_eq!(gap.pbx, "east");
    assert!(gap.reason.contains("not running"), "{gap:?}");
    // No duplicate of 0..50; of 50..55 what was stored before the kill (in
    // order); nothing of 55..60; all of 60..70.
    let tail: Vec<usize> = after.iter().copied().filter(|&n| n >= 55).collect();
    assert_eq!(tail, (60..70).collect::<Vec<_>>());
    assert!(after.iter().all(|&n| n >= 50), "{after:?}");
    assert!(
        after.windows(2).all(|w| w[0] < w[1]),
        "in order, none twice: {after:?}"
    );
    bridge.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ami_restart_is_one_gap_for_that_pbx_and_the_other_streams_on() {
    let Some(nats) = Nats::start("amirestart") else {
        return;
    };
    let mut east = Server::start(ServerConfig::default()).await.unwrap();
    let west = Server::start(ServerConfig::default()).await.unwrap();
    let bridge = run(config(&nats, &[("east", &east), ("west", &west)]));
    connections(&east, 1).await;
    connections(&west, 1).await;
    east.restart(Duration::from_millis(300)).await.unwrap();
    for n in 0..20 {
        west.emit(user_event(n));
    }
    let nats_client = async_nats::connect(nats.url.as_str()).await.unwrap();
    let mut sub = Subscriber::connect(nats_client, "AMI", "ops", "ami.>")
        .await
        .unwrap();
    let mut gaps = Vec::new();
    let mut west_seen = 0;
    while west_seen < 20 || gaps.is_empty() {
        match next(&mut sub).await {
            BridgeItem::Gap(g) => gaps.push(g),
            BridgeItem::Event { pbx, event, .. } => {
                if pbx == "west" && matches!(*event, Event::UserEvent(_)) {
                    west_seen += 1;
                }
            }
        }
    }
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0].pbx, "east");
    bridge.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_over_request_reply_are_checked_and_allow_listed() {
    let Some(nats) = Nats::start("actions") else {
        return;
    };
    let east = Server::start(ServerConfig::default()).await.unwrap();
    let bridge = run(config(&nats, &[("east", &east)]));
    connections(&east, 1).await;
    let client = async_nats::connect(nats.url.as_str()).await.unwrap();
    let client = &client;
    let ask = |action: &'static str, body: &'static str| ask(client, action, body);
    // The bridge subscribes as it starts: `ask` asks until it answers.
    let pong = ask("Ping", "").await;
    assert_eq!(pong["response"]["Ping"], "Pong", "{pong}");
    let list = ask("CoreShowChannels", "{}").await;
    assert_eq!(list["response"]["EventList"], "start", "{list}");
    assert_eq!(
        list["complete"]["Event"], "CoreShowChannelsComplete",
        "{list}"
    );
    assert!(list["items"].is_array());
    let refused = ask(
        "Originate",
        r#"{"Channel": "PJSIP/100", "Application": "Wait"}"#,
    )
    .await;
    assert!(
        refused["error"].as_str().unwrap().contains("not allowed"),
        "{refused}"
    );
    let bad = ask("Getvar", r#"{"Bogus": "1"}"#).await;
    assert!(
        bad["error"]
            .as_str()
            .unwrap()
            .contains("unknown parameter 'Bogus'"),
        "{bad}"
    );
    let missing = ask("Getvar", "{}").await;
    assert!(
        missing["error"]
            .as_str()
            .unwrap()
            .contains("missing required parameter 'Variable'"),
        "{missing}"
    );
    let nobody = ask("Getvar", r#"{"Variable": "X", "Channel": "PJSIP/nobody"}"#).await;
    assert!(
        nobody["error"]
            .as_str()
            .unwrap()
            .contains("No such channel"),
        "{nobody}"
    );
    bridge.stop().await;
}

/// Asks `action` on `east` until the bridge answers (it subscribes as it
/// starts), and returns the reply's JSON.
async fn ask(client: &async_nats::Client, action: &str, body: &str) -> serde_json::Value {
    let start = Instant::now();
    loop {
        match timeout(
            Duration::from_millis(2000),
            client.request(format!("ami.east.action.{action}"), body.to_owned().into()),
        )
        .await
        {
            Ok(Ok(reply)) => {
                return serde_json::from_slice::<serde_json::Value>(&reply.payload).unwrap()
            }
            _ => assert!(start.elapsed() < WITHIN, "no answer"),
        }
    }
}

fn error_of(reply: &serde_json::Value) -> &str {
    reply["error"]
        .as_str()
        .unwrap_or_else(|| panic!("an error: {reply}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_policy_reads_no_secret_and_rules_bound_each_parameter() {
    let Some(nats) = Nats::start("policy") else {
        return;
    };
    let east = Server::start(ServerConfig::default()).await.unwrap();
    let bridge = run(config(&nats, &[("east", &east)]));
    connections(&east, 1).await;
    let client = async_nats::connect(nats.url.as_str()).await.unwrap();
    assert_eq!(ask(&client, "Ping", "").await["response"]["Ping"], "Pong");
    // Asterisk evaluates functions in Getvar's Variable: refused before
    // AMI sees it.
    for variable in [
        "AST_CONFIG(manager.conf,admin,secret)",
        "DB(cidname/100)",
        "SHELL(cat /etc/passwd)",
    ] {
        let body = serde_json::json!({ "Variable": variable }).to_string();
        let reply = ask(&client, "Getvar", &body).await;
        assert!(error_of(&reply).contains("not allowed"), "{reply}");
        assert!(!error_of(&reply).contains("manager.conf"), "{reply}");
    }
    // A plain name goes through to the PBX (which answers for itself).
    let plain = ask(
        &client,
        "Getvar",
        r#"{"Variable": "X", "Channel": "PJSIP/nobody"}"#,
    )
    .await;
    assert!(error_of(&plain).contains("No such channel"), "{plain}");
    // Status's Variables is evaluated too.
    let status = ask(&client, "Status", r#"{"Variables": "DB(x)"}"#).await;
    assert!(error_of(&status).contains("evaluated"), "{status}");
    // A NUL byte, or a 10 MB value, never reaches AMI.
    let nul = ask(&client, "Getvar", r#"{"Variable": "X\u0000Y"}"#).await;
    assert!(error_of(&nul).contains("NUL"), "{nul}");
    let huge = serde_json::json!({ "Variable": "A".repeat(10_000_000) }).to_string();
    let big = ask(&client, "Getvar", &huge).await;
    assert!(error_of(&big).contains("bytes"), "{big}");
    let long = serde_json::json!({ "Variable": "A".repeat(2000) }).to_string();
    let long = ask(&client, "Getvar", &long).await;
    assert!(error_of(&long).contains("at most 1024"), "{long}");
    bridge.stop().await;

    // Per-action, per-parameter rules from TOML: Originate only into
    // click2call, from PJSIP endpoints; nothing else.
    let mut cfg = config(&nats, &[("east", &east)]);
    let rules = BridgeConfig::from_toml(&format!(
        r#"
        [nats]
        url = "{}"
        [[pbx]]
        name = "east"
        url = "{}"
        [allow]
        Originate = {{ Context = ["click2call"], Channel = ["PJSIP/*"] }}
        "#,
        nats.url,
        east.url()
    ))
    .unwrap();
    cfg.allow = rules.allow;
    let bridge = run(cfg);
    let start = Instant::now();
    let ok = loop {
        let reply = ask(
            &client,
            "Originate",
            r#"{"Channel": "PJSIP/100", "Context": "click2call", "Exten": "200", "Priority": "1", "Async": "true"}"#,
        )
        .await;
        // Until the new bridge is logged in.
        if !reply["error"].as_str().is_some_and(|e| e.contains("down")) {
            break reply;
        }
        assert!(start.elapsed() < WITHIN, "{reply}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(ok["response"]["Response"], "Success", "{ok}");
    for body in [
        r#"{"Channel": "PJSIP/100", "Context": "from-internal", "Exten": "200", "Priority": "1"}"#,
        r#"{"Channel": "DAHDI/1", "Context": "click2call", "Exten": "200", "Priority": "1"}"#,
        r#"{"Channel": "PJSIP/100", "Application": "System", "Data": "id"}"#,
        r#"{"Channel": "PJSIP/100", "Context": "click2call", "Exten": "1", "Priority": "1", "Variable": "SHELL(id)=1"}"#,
    ] {
        let reply = ask(&client, "Originate", body).await;
        assert!(error_of(&reply).contains("not allowed"), "{body}: {reply}");
    }
    let ping = ask(&client, "Ping", "").await;
    assert!(error_of(&ping).contains("not allowed"), "{ping}");
    bridge.stop().await;
    // An unknown action or parameter in the rules is a configuration error.
    assert!(BridgeConfig::from_toml(&format!(
        "[nats]\nurl = \"x\"\n[[pbx]]\nname = \"e\"\nurl = \"{}\"\n[allow]\nOriginate = {{ Contxt = [\"a\"] }}\n",
        east.url()
    ))
    .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_the_pbx_release_lacks_is_refused_before_ami_sees_it() {
    let Some(nats) = Nats::start("releases") else {
        return;
    };
    for (version, refused) in [("20.5.2", true), ("22.10.1", false)] {
        let east = Server::start(ServerConfig {
            asterisk_version: version.into(),
            ..Default::default()
        })
        .await
        .unwrap();
        let mut cfg = config(&nats, &[("east", &east)]);
        cfg.allow = BridgeConfig::from_toml(&format!(
            "allow = [\"PJSIPHangup\"]\n[nats]\nurl = \"{}\"\n[[pbx]]\nname = \"east\"\nurl = \"{}\"\n",
            nats.url,
            east.url()
        ))
        .unwrap()
        .allow;
        let bridge = run(cfg);
        connections(&east, 1).await;
        let client = async_nats::connect(nats.url.as_str()).await.unwrap();
        let reply = ask(
            &client,
            "PJSIPHangup",
            r#"{"Channel": "PJSIP/100-00000001", "Cause": "16"}"#,
        )
        .await;
        let received = east.actions_received();
        let sent = received.iter().any(|a| a == "PJSIPHangup");
        if refused {
            assert!(error_of(&reply).contains("needs Asterisk"), "{reply}");
            assert_eq!(reply["have"], "20.5.2", "{reply}");
            assert!(
                reply["needs"].as_str().unwrap().contains("20.6+"),
                "{reply}"
            );
            assert!(!sent, "{received:?}");
        } else {
            assert!(sent, "{reply} {received:?}");
        }
        bridge.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_beyond_the_bound_are_answered_busy_at_once() {
    let Some(nats) = Nats::start("busy") else {
        return;
    };
    // A PBX whose endpoints ring for a minute: a synchronous Originate
    // holds its request that long.
    let east = Server::start(ServerConfig {
        time_scale: 1.0,
        ring_time: Duration::from_secs(60),
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let mut cfg = config(&nats, &[("east", &east)]);
    cfg.allow = Some(ami_bridge::config::AllowConfig::Names(vec![
        "Ping".into(),
        "Originate".into(),
    ]));
    cfg.max_requests = Some(4);
    let bridge = run(cfg);
    connections(&east, 1).await;
    let client = async_nats::connect(nats.url.as_str()).await.unwrap();
    assert_eq!(ask(&client, "Ping", "").await["response"]["Ping"], "Pong");
    let body = r#"{"Channel": "PJSIP/100", "Context": "default", "Exten": "1", "Priority": "1", "Timeout": "60000"}"#;
    let held: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .request("ami.east.action.Originate", body.into())
                    .await
            })
        })
        .collect();
    // Let the four reach the bridge.
    let start = Instant::now();
    loop {
        let reply = ask(&client, "Ping", "").await;
        if reply["busy"] == true {
            assert!(error_of(&reply).starts_with("busy"), "{reply}");
            break;
        }
        assert!(start.elapsed() < WITHIN, "never busy: {reply}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for h in held {
        h.abort();
    }
    bridge.kill().await;
}

/// The number of a `UserEvent` of [`user_event`].
fn n_of(event: &Event) -> Option<usize> {
    match event {
        Event::UserEvent(e) => e.raw().get("N").to_str_lossy().parse().ok(),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_that_lost_its_store_gets_the_stream_back_with_a_gap_per_pbx() {
    let Some(mut nats) = Nats::start("lost") else {
        return;
    };
    let east = Server::start(ServerConfig::default()).await.unwrap();
    let west = Server::start(ServerConfig::default()).await.unwrap();
    let bridge = run(config(&nats, &[("east", &east), ("west", &west)]));
    connections(&east, 1).await;
    connections(&west, 1).await;
    for n in 0..10 {
        east.emit(user_event(n));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    // NATS comes back with an empty store: no stream, no consumers.
    nats.restart_empty();
    for n in 10..20 {
        east.emit(user_event(n));
        west.emit(user_event(n));
    }
    let client = async_nats::connect(nats.url.as_str()).await.unwrap();
    // The bridge creates the stream again.
    let start = Instant::now();
    // One PBX's events and gaps, with one filter (nats-server 2.9 refuses
    // a filter that is not within one of the stream's subjects).
    let mut sub = loop {
        match Subscriber::connect(client.clone(), "AMI", "east-only", "ami.east.event.>").await {
            Ok(sub) => break sub,
            Err(e) => assert!(start.elapsed() < WITHIN, "no stream again: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut gap = None;
    let mut seen = Vec::new();
    while seen.last() != Some(&19) {
        match next(&mut sub).await {
            BridgeItem::Event { pbx, event, .. } => {
                assert_eq!(pbx, "east");
                seen.extend(n_of(&event));
            }
            BridgeItem::Gap(g) => {
                assert_eq!(g.pbx, "east", "{g:?}");
                gap = Some(g);
            }
        }
    }
    let gap = gap.expect("the lost store is marked as a gap");
    assert!(gap.reason.contains("lost"), "{gap:?}");
    // What the bridge held while NATS was away is stored, once each.
    let after: Vec<usize> = seen.iter().copied().filter(|n| *n >= 10).collect();
    assert_eq!(after, (10..20).collect::<Vec<_>>(), "{seen:?}");
    // A consumer of the other PBX sees its gap too.
    let mut west_sub = Subscriber::connect(client, "AMI", "west-only", "ami.west.event.>")
        .await
        .unwrap();
    let mut west_gap = false;
    let mut west_seen = Vec::new();
    while west_seen.last() != Some(&19) {
        match next(&mut west_sub).await {
            BridgeItem::Event { pbx, event, .. } => {
                assert_eq!(pbx, "west");
                west_seen.extend(n_of(&event));
            }
            BridgeItem::Gap(g) => {
                assert_eq!(g.pbx, "west");
                west_gap = true;
            }
        }
    }
    assert!(west_gap);
    bridge.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bridge_stops_within_seconds_while_nats_is_away() {
    let Some(mut nats) = Nats::start("stopaway") else {
        return;
    };
    let east = Server::start(ServerConfig::default()).await.unwrap();
    let bridge = run(config(&nats, &[("east", &east)]));
    connections(&east, 1).await;
    nats.stop();
    for n in 0..50 {
        east.emit(user_event(n));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Stopping (what SIGTERM does) ends it within seconds, logged off.
    let start = Instant::now();
    bridge.stop().await;
    // At most 5 s flushing, then the log-off.
    assert!(
        start.elapsed() < Duration::from_secs(12),
        "{:?}",
        start.elapsed()
    );
    let start = Instant::now();
    while east.connections() > 0 {
        assert!(start.elapsed() < WITHIN, "still connected");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_restart_loses_nothing_the_bridge_held() {
    let Some(mut nats) = Nats::start("natsrestart") else {
        return;
    };
    let east = Server::start(ServerConfig::default()).await.unwrap();
    let bridge = run(config(&nats, &[("east", &east)]));
    connections(&east, 1).await;
    for n in 0..10 {
        east.emit(user_event(n));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // NATS goes away; the PBX goes on.
    nats.restart(Duration::from_millis(1500));
    for n in 10..60 {
        east.emit(user_event(n));
    }
    let client = async_nats::connect(nats.url.as_str()).await.unwrap();
    let mut sub = Subscriber::connect(client, "AMI", "after", "ami.>")
        .await
        .unwrap();
    let mut seen = Vec::new();
    while seen.len() < 60 {
        match next(&mut sub).await {
            BridgeItem::Event { event, .. } => {
                if let Event::UserEvent(e) = *event {
                    seen.push(e.raw().get("N").to_str_lossy().parse::<usize>().unwrap());
                }
            }
            BridgeItem::Gap(g) => panic!("nothing was dropped: {g:?}"),
        }
    }
    let expected: Vec<usize> = (0..60).collect();
    assert_eq!(seen, expected);
    bridge.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_could_not_be_held_while_nats_was_away_is_a_gap() {
    let Some(mut nats) = Nats::start("drops") else {
        return;
    };
    let east = Server::start(ServerConfig::default()).await.unwrap();
    let mut config = config(&nats, &[("east", &east)]);
    // A small buffer: a few hundred events.
    config.pbxs[0].event_buffer = Some(64 * 1024);
    let bridge = run(config);
    connections(&east, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    east.emit(user_event(0));
    tokio::time::sleep(Duration::from_millis(300)).await;
    // NATS away; far more events than the bridge can hold.
    let _ = nats.child.kill();
    let _ = nats.child.wait();
    let total = 20_000;
    for n in 1..total {
        east.emit(user_event(n));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    nats.restart(Duration::ZERO);
    east.emit(user_event(total));
    let client = async_nats::connect(nats.url.as_str()).await.unwrap();
    let mut sub = Subscriber::connect(client, "AMI", "drops", "ami.>")
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut gaps = Vec::new();
    while seen.last() != Some(&total) {
        match next(&mut sub).await {
            BridgeItem::Event { event, .. } => {
                if let Event::UserEvent(e) = *event {
                    seen.push(e.raw().get("N").to_str_lossy().parse::<usize>().unwrap());
                }
            }
            BridgeItem::Gap(g) => gaps.push((seen.len(), g)),
        }
    }
    assert!(seen.len() < total, "some events must have been dropped");
    assert!(!gaps.is_empty(), "the drop is a gap marker, not silence");
    assert!(gaps[0].1.reason.contains("dropped"), "{:?}", gaps[0].1);
    // In order, none twice, and the gap stands where events are missing.
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "in order, none twice");
    let (at, _) = gaps[0];
    assert!(
        at > 0 && seen[at] > seen[at - 1] + 1,
        "the gap is where events are missing"
    );
    bridge.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_counts_what_went_in_and_out() {
    use futures_util::StreamExt;
    let Some(nats) = Nats::start("status") else {
        return;
    };
    let east = Server::start(ServerConfig::default()).await.unwrap();
    let mut config = config(&nats, &[("east", &east)]);
    config.status_every_secs = Some(0.2);
    let client = async_nats::connect(nats.url.as_str()).await.unwrap();
    let mut statuses = client.subscribe("ami.east.status").await.unwrap();
    let bridge = run(config);
    connections(&east, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    for n in 0..25 {
        east.emit(user_event(n));
    }
    let start = Instant::now();
    loop {
        let msg = timeout(WITHIN, statuses.next()).await.unwrap().unwrap();
        let status: serde_json::Value = serde_json::from_slice(&msg.payload).unwrap();
        assert_eq!(status["schema"], 1);
        assert!(status["buffered_bytes"].is_u64(), "{status}");
        assert!(start.elapsed() < WITHIN, "{status}");
        // The first may come while it is still connecting.
        if status["state"] != "up" {
            assert_eq!(status["state"], "connecting", "{status}");
            continue;
        }
        // FullyBooted and the 25 UserEvents, in and stored.
        if status["events_out"].as_u64() >= Some(26) {
            assert!(status["events_in"].as_u64() >= Some(26), "{status}");
            break;
        }
        assert!(start.elapsed() < WITHIN, "{status}");
    }
    bridge.stop().await;
}

#[test]
fn the_binary_stops_cleanly_on_sigterm_and_logs_off() {
    let Some(nats) = Nats::start("sigterm") else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let east = rt.block_on(Server::start(ServerConfig::default())).unwrap();
    let mut child = bridge_binary(&nats, &east, Stdio::piped());
    std::thread::sleep(Duration::from_millis(300));
    let status = sigterm(&mut child, WITHIN);
    assert_eq!(status.code(), Some(0));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains("shutting down"), "{err}");
    assert!(!err.contains("amp111"), "the secret is never logged");
    // It logged off: the server has no connection left.
    let start = Instant::now();
    while east.connections() > 0 {
        assert!(start.elapsed() < WITHIN, "still connected");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn what_a_pbx_sends_reaches_the_log_escaped() {
    let Some(nats) = Nats::start("escape") else {
        return;
    };
    // A peer that refuses every login with a message that would retitle
    // the operator's terminal.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in listener.incoming() {
            let Ok(mut s) = s else { return };
            std::thread::spawn(move || {
                use std::io::{Read, Write};
                let _ = s.write_all(b"Asterisk Call Manager/11.0.0\r\n");
                let mut buf = [0u8; 4096];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&seen).into_owned();
                let id = text
                    .lines()
                    .find_map(|l| l.strip_prefix("ActionID: "))
                    .unwrap_or("")
                    .to_owned();
                let _ = write!(
                    s,
                    "Response: Error\r\nActionID: {id}\r\nMessage: \x1b]0;owned\x07\x1b[2J\r\n\r\n"
                );
            });
        }
    });
    let mut child = Command::new(env!("CARGO_BIN_EXE_ami-bridge"))
        .args([
            "--nats",
            &nats.url,
            "--pbx",
            &format!("east=ami://admin:amp111@127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Its log, read as it comes, until the refusal is in it.
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut stderr = child.stderr.take().unwrap();
    let sink = log.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = std::io::Read::read(&mut stderr, &mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let start = Instant::now();
    while !String::from_utf8_lossy(&log.lock().unwrap()).contains("owned") {
        if start.elapsed() > WITHIN {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let err = log.lock().unwrap().clone();
    let text = String::from_utf8_lossy(&err);
    assert!(text.contains("owned"), "the refusal is logged: {text}");
    assert!(
        !err.iter().any(|&b| b == 0x1b || b == 0x07),
        "{}",
        text.escape_debug()
    );
}

#[test]
fn the_binary_stops_on_sigterm_within_seconds_while_nats_lost_its_store() {
    let Some(mut nats) = Nats::start("sigtermlost") else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let east = rt.block_on(Server::start(ServerConfig::default())).unwrap();
    let mut child = bridge_binary(&nats, &east, Stdio::null());
    // NATS goes away for good while events keep coming: the bridge retries.
    nats.stop();
    for n in 0..20 {
        east.emit(user_event(n));
    }
    std::thread::sleep(Duration::from_secs(2));
    let status = sigterm(&mut child, Duration::from_secs(15));
    assert_eq!(status.code(), Some(0));
}

/// The `ami-bridge` binary on `nats` with one PBX, `east`, once it has
/// logged in there.
fn bridge_binary(nats: &Nats, east: &Server, stderr: Stdio) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_ami-bridge"))
        .args([
            "--nats",
            &nats.url,
            "--pbx",
            &format!("east={}", east.url()),
        ])
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let start = Instant::now();
    while east.connections() < 1 {
        assert!(start.elapsed() < WITHIN, "the bridge did not connect");
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

/// Sends SIGTERM and waits for the exit, at most `limit`.
fn sigterm(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("SIGTERM ignored for {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
