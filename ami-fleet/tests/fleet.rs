//! Many PBXs as one stream: per-PBX order, a restart that leaves a gap for
//! its PBX only, a PBX down from the start, actions routed by name, health.

use std::collections::BTreeMap;
use std::time::Duration;

use ami_fleet::{Fleet, FleetEvents, FleetItem, PbxItem, PbxNotice, PbxState};
use ami_server::{Server, ServerConfig};
use ami_types::action::Ping;
use ami_types::ami_core::client::Reconnect;
use ami_types::event::Event;
use ami_types::{ClientBuilder, FromMessage, Message, TextField};
use tokio::time::timeout;

const WITHIN: Duration = Duration::from_secs(10);

fn user_event(n: usize) -> Message {
    [
        ("Event", "UserEvent".to_owned()),
        ("UserEvent", "Seq".to_owned()),
        ("N", n.to_string()),
    ]
    .into_iter()
    .collect()
}

fn quick(url: &str) -> ClientBuilder {
    ClientBuilder::from_url(url).unwrap().reconnect(Some(
        Reconnect::default()
            .initial(Duration::from_millis(20))
            .max(Duration::from_millis(200)),
    ))
}

async fn next(events: &mut FleetEvents) -> FleetItem {
    timeout(WITHIN, events.recv())
        .await
        .expect("an item within 10 s")
        .expect("the fleet streams")
}

/// The `N` of the UserEvents each PBX sent, and every notice, until both
/// reached `count` events.
async fn collect(
    events: &mut FleetEvents,
    count: usize,
) -> (BTreeMap<String, Vec<usize>>, Vec<(String, PbxNotice)>) {
    let mut seqs: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut notices = Vec::new();
    while seqs.len() < 2 || seqs.values().any(|v| v.len() < count) {
        let FleetItem { pbx, item } = next(events).await;
        match item {
            PbxItem::Event(Event::UserEvent(e)) => {
                let n = e.raw().get("N").to_str_lossy().parse().unwrap();
                seqs.entry(pbx.to_string()).or_default().push(n);
            }
            PbxItem::Event(_) => {}
            PbxItem::Notice(n) => notices.push((pbx.to_string(), n)),
        }
    }
    (seqs, notices)
}

#[tokio::test]
async fn two_pbxs_as_one_stream_in_per_pbx_order_with_actions_by_name() {
    let east = Server::start(ServerConfig::default()).await.unwrap();
    let west = Server::start(ServerConfig::default()).await.unwrap();
    let (fleet, mut events) = Fleet::builder()
        .pbx("east", quick(&east.url()))
        .pbx("west", quick(&west.url()))
        .start();
    fleet.until_up("east").await.unwrap();
    fleet.until_up("west").await.unwrap();
    for n in 0..500 {
        east.emit(user_event(n));
        west.emit(user_event(n));
    }
    let (seqs, notices) = collect(&mut events, 500).await;
    let expected: Vec<usize> = (0..500).collect();
    assert_eq!(seqs["east"], expected);
    assert_eq!(seqs["west"], expected);
    assert_eq!(
        notices.iter().filter(|(_, n)| *n == PbxNotice::Up).count(),
        2
    );

    // Actions go where they are sent.
    let pong = fleet.send("west", &Ping::new()).await.unwrap();
    assert_eq!(pong.ping().as_str(), Some("Pong"));
    let err = fleet.send("north", &Ping::new()).await.unwrap_err();
    assert!(err.to_string().contains("no PBX named \"north\""), "{err}");

    let health = fleet.health();
    assert_eq!(health.len(), 2);
    for h in &health {
        assert!(matches!(h.state, PbxState::Up { .. }), "{h:?}");
        assert!(h.events >= 500, "{h:?}");
        assert!(h.last_event.is_some());
    }
    // Each PBX's version, asked in the background after it came up.
    let start = std::time::Instant::now();
    while fleet.health().iter().any(|h| h.version.is_none()) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            fleet.health()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let default = ServerConfig::default().asterisk_version;
    for h in fleet.health() {
        assert_eq!(h.version.as_deref(), Some(default.as_str()), "{h:?}");
    }
}

#[tokio::test]
async fn a_restart_leaves_a_gap_for_its_pbx_only() {
    let mut east = Server::start(ServerConfig::default()).await.unwrap();
    let west = Server::start(ServerConfig::default()).await.unwrap();
    let (fleet, mut events) = Fleet::builder()
        .pbx("east", quick(&east.url()))
        .pbx("west", quick(&west.url()))
        .start();
    fleet.until_up("east").await.unwrap();
    fleet.until_up("west").await.unwrap();
    east.restart(Duration::from_millis(300)).await.unwrap();
    // West streams on while east is away.
    for n in 0..100 {
        west.emit(user_event(n));
    }
    let mut west_seen = 0;
    let mut gaps = Vec::new();
    while west_seen < 100 || gaps.is_empty() {
        let FleetItem { pbx, item } = next(&mut events).await;
        match item {
            PbxItem::Event(Event::UserEvent(_)) if &*pbx == "west" => west_seen += 1,
            PbxItem::Notice(n @ PbxNotice::Gap { .. }) => gaps.push((pbx.to_string(), n)),
            _ => {}
        }
    }
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0].0, "east");
    // East is back: its events flow again (once the client has turned
    // them on after logging in, which follows the gap notice at once).
    fleet.until_up("east").await.unwrap();
    let mut flowing = false;
    'flowing: for _ in 0..50 {
        east.emit(user_event(7));
        while let Ok(Some(FleetItem { pbx, item })) =
            timeout(Duration::from_millis(200), events.recv()).await
        {
            if let (true, PbxItem::Event(Event::UserEvent(_))) = (&*pbx == "east", item) {
                flowing = true;
                break 'flowing;
            }
        }
    }
    assert!(flowing, "east's events did not flow again");
    let east_health = &fleet.health()[0];
    assert_eq!(&*east_health.name, "east");
    assert_eq!(east_health.gaps, 1);
}

#[tokio::test]
async fn a_pbx_down_from_the_start_stalls_nothing_and_comes_up_later() {
    // A port with nothing behind it yet.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let west = Server::start(ServerConfig::default()).await.unwrap();
    let (fleet, mut events) = Fleet::builder()
        .pbx("east", quick(&format!("ami://admin:amp111@{addr}")))
        .pbx("west", quick(&west.url()))
        .start();
    fleet.until_up("west").await.unwrap();
    west.emit(user_event(1));
    let mut down = false;
    let mut west_event = false;
    while !(down && west_event) {
        let FleetItem { pbx, item } = next(&mut events).await;
        match item {
            PbxItem::Notice(PbxNotice::Down { reason, .. }) if &*pbx == "east" => {
                assert!(reason.contains(&addr.to_string()), "{reason}");
                down = true;
            }
            PbxItem::Event(Event::UserEvent(_)) if &*pbx == "west" => west_event = true,
            _ => {}
        }
    }
    assert!(fleet.client("east").is_err());
    assert!(matches!(fleet.health()[0].state, PbxState::Down { .. }));
    // It comes up: Up, then the gap since it went down.
    let east = Server::start_on(addr, ServerConfig::default())
        .await
        .unwrap();
    fleet.until_up("east").await.unwrap();
    let mut seen = Vec::new();
    while !seen.iter().any(|n| matches!(n, PbxNotice::Gap { .. })) {
        let FleetItem { pbx, item } = next(&mut events).await;
        if let (true, PbxItem::Notice(n)) = (&*pbx == "east", item) {
            seen.push(n);
        }
    }
    assert_eq!(seen[0], PbxNotice::Up);
    drop(east);
}
