//! The live model's cost: per event (apply plus the snapshot `Pbx`
//! publishes after each one when events come one by one, and after each
//! 256 in a burst) and memory per live channel, with 1,000
//! simultaneous calls of three channels each (a Local pair dialling a
//! PJSIP channel, bridged), as Asterisk 22 reports them; then every call
//! hung up, with the tombstones bounded; and the cost of call merges
//! (10,000 and 40,000 Local pairs tied by `LocalBridge`).
//!
//! ```text
//! cargo bench -p ami-live --bench live_model
//! ```

use std::alloc::System;
use std::hint::black_box;
use std::time::Instant;

use ami_live::Model;
use ami_types::event::Event;
use ami_types::Message;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const CALLS: usize = 1000;
const UP: usize = 15;
const DOWN: usize = 7;
const TOMBSTONES: usize = 1024;

type Fields = Vec<(String, String)>;

/// A channel snapshot under a prefix.
fn snap(p: &str, name: &str, uid: &str, linked: &str, state: u8) -> Fields {
    let desc = if state == 6 { "Up" } else { "Ring" };
    [
        ("Channel", name),
        ("ChannelState", &state.to_string()),
        ("ChannelStateDesc", desc),
        ("CallerIDNum", "5551234"),
        ("CallerIDName", "Bench"),
        ("ConnectedLineNum", "<unknown>"),
        ("ConnectedLineName", "<unknown>"),
        ("Language", "en"),
        ("AccountCode", ""),
        ("Context", "default"),
        ("Exten", "100"),
        ("Priority", "1"),
        ("Uniqueid", uid),
        ("Linkedid", linked),
    ]
    .into_iter()
    .map(|(k, v)| (format!("{p}{k}"), v.to_owned()))
    .collect()
}

fn kv(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn ev(name: &str, parts: &[Fields]) -> Event {
    let mut m: Message = [("Event", name), ("Privilege", "call,all")]
        .into_iter()
        .collect();
    for (k, v) in parts.iter().flatten() {
        m.append(k.as_str(), v.as_str());
    }
    Event::from_message(m)
}

/// The events that bring call `i` up, and those that end it.
fn call(i: usize) -> (Vec<Event>, Vec<Event>) {
    let (a, b, c) = (format!("{i}.1"), format!("{i}.2"), format!("{i}.3"));
    let (na, nb, nc) = (
        format!("Local/{i}@default-{i:08x};1"),
        format!("Local/{i}@default-{i:08x};2"),
        format!("PJSIP/{i}-{i:08x}"),
    );
    let bridge = format!("bridge-{i}");
    let br = kv(&[
        ("BridgeUniqueid", &bridge),
        ("BridgeType", "basic"),
        ("BridgeTechnology", "simple_bridge"),
    ]);
    let cause = kv(&[("Cause", "16"), ("Cause-txt", "Normal Clearing")]);
    let up = vec![
        ev("Newchannel", &[snap("", &na, &a, &a, 0)]),
        ev("Newchannel", &[snap("", &nb, &b, &a, 4)]),
        ev(
            "LocalBridge",
            &[
                snap("LocalOne", &na, &a, &a, 0),
                snap("LocalTwo", &nb, &b, &a, 4),
            ],
        ),
        ev(
            "Newexten",
            &[
                snap("", &nb, &b, &a, 4),
                kv(&[("Application", "Dial"), ("AppData", "PJSIP/100")]),
            ],
        ),
        ev("Newchannel", &[snap("", &nc, &c, &a, 0)]),
        ev(
            "DialBegin",
            &[
                snap("", &nb, &b, &a, 4),
                snap("Dest", &nc, &c, &a, 0),
                kv(&[("DialString", "100")]),
            ],
        ),
        ev("Newstate", &[snap("", &nc, &c, &a, 6)]),
        ev(
            "DialEnd",
            &[
                snap("", &nb, &b, &a, 4),
                snap("Dest", &nc, &c, &a, 6),
                kv(&[("DialStatus", "ANSWER")]),
            ],
        ),
        ev("Newstate", &[snap("", &nb, &b, &a, 6)]),
        ev("Newstate", &[snap("", &na, &a, &a, 6)]),
        ev("BridgeCreate", std::slice::from_ref(&br)),
        ev("BridgeEnter", &[br.clone(), snap("", &nc, &c, &a, 6)]),
        ev("BridgeEnter", &[br.clone(), snap("", &nb, &b, &a, 6)]),
        ev(
            "VarSet",
            &[
                snap("", &nc, &c, &a, 6),
                kv(&[("Variable", "BRIDGEPEER"), ("Value", &nb)]),
            ],
        ),
        ev(
            "VarSet",
            &[
                snap("", &nb, &b, &a, 6),
                kv(&[("Variable", "BRIDGEPEER"), ("Value", &nc)]),
            ],
        ),
    ];
    let down = vec![
        ev(
            "HangupRequest",
            &[snap("", &nc, &c, &a, 6), kv(&[("Cause", "16")])],
        ),
        ev("BridgeLeave", &[br.clone(), snap("", &nc, &c, &a, 6)]),
        ev("BridgeLeave", &[br.clone(), snap("", &nb, &b, &a, 6)]),
        ev("BridgeDestroy", &[br]),
        ev("Hangup", &[snap("", &nc, &c, &a, 6), cause.clone()]),
        ev("Hangup", &[snap("", &nb, &b, &a, 6), cause.clone()]),
        ev("Hangup", &[snap("", &na, &a, &a, 6), cause]),
    ];
    assert_eq!((up.len(), down.len()), (UP, DOWN));
    (up, down)
}

/// `n` Local pairs whose halves start as calls of their own (distinct
/// linkedids) and are tied by `LocalBridge`: one call merge each, with
/// every merge leaving an alias behind.
fn local_pairs(n: usize) -> Vec<Event> {
    let mut out = Vec::with_capacity(3 * n);
    for i in 0..n {
        let (a, b) = (format!("m{i}.1"), format!("m{i}.2"));
        let (na, nb) = (
            format!("Local/{i}@merge-{i:08x};1"),
            format!("Local/{i}@merge-{i:08x};2"),
        );
        out.push(ev("Newchannel", &[snap("", &na, &a, &a, 0)]));
        out.push(ev("Newchannel", &[snap("", &nb, &b, &b, 4)]));
        out.push(ev(
            "LocalBridge",
            &[
                snap("LocalOne", &na, &a, &a, 0),
                snap("LocalTwo", &nb, &b, &b, 4),
            ],
        ));
    }
    out
}

/// Seconds to apply [`local_pairs`]`(n)` to a new model.
fn merge_seconds(n: usize) -> f64 {
    let events = local_pairs(n);
    let mut model = Model::new();
    let start = Instant::now();
    for e in events {
        black_box(model.apply(e));
    }
    let took = start.elapsed().as_secs_f64();
    assert_eq!(model.state().calls.len(), n, "one call per pair");
    took
}

/// Bytes still allocated of what a region saw allocated.
fn net(stats: stats_alloc::Stats) -> f64 {
    stats.bytes_allocated as f64 - stats.bytes_deallocated as f64 + stats.bytes_reallocated as f64
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let (mut up, mut down) = (Vec::new(), Vec::new());
    for i in 0..CALLS {
        let (u, d) = call(i);
        up.extend(u);
        down.extend(d);
    }
    let rounds = 5;
    let (mut up_ns, mut down_ns, mut per_channel) = (Vec::new(), Vec::new(), Vec::new());
    let mut per_ended = Vec::new();
    let (mut up_allocs, mut down_allocs) = (Vec::new(), Vec::new());
    let mut changes = 0;
    for _ in 0..rounds {
        let mut model = Model::new().with_tombstone_limit(TOMBSTONES);
        // The events are allocated in the region and freed as they are
        // applied: what stays allocated is what the model holds (less the
        // events still waiting, counted apart).
        let region = Region::new(GLOBAL);
        let up = up.clone();
        let waiting = Region::new(GLOBAL);
        let down = down.clone();
        let down_bytes = net(waiting.change());
        let applying = Region::new(GLOBAL);
        let start = Instant::now();
        // The snapshot is held until the next one, as `Pbx`'s watch holds
        // it: the model then copies the paths it changes.
        let mut published = model.snapshot();
        for e in up {
            changes += model.apply(e).len();
            published = model.snapshot();
        }
        black_box(&published);
        up_ns.push(start.elapsed().as_nanos() as f64 / (CALLS * UP) as f64);
        up_allocs.push(applying.change().allocations as f64 / (CALLS * UP) as f64);
        let channels = model.state().channels.len();
        assert_eq!(channels, CALLS * 3);
        assert_eq!(model.state().calls.len(), CALLS);
        per_channel.push((net(region.change()) - down_bytes) / channels as f64);

        let applying = Region::new(GLOBAL);
        let start = Instant::now();
        for e in down {
            changes += model.apply(e).len();
            published = model.snapshot();
        }
        black_box(&published);
        drop(published);
        down_ns.push(start.elapsed().as_nanos() as f64 / (CALLS * DOWN) as f64);
        down_allocs.push(applying.change().allocations as f64 / (CALLS * DOWN) as f64);
        assert!(model.state().channels.is_empty() && model.state().calls.is_empty());
        assert!(model.state().tombstones.len() <= TOMBSTONES);
        // What stays is what the model remembers of ended calls: the
        // calls and their channels' tombstones.
        per_ended.push(net(region.change()) / model.state().ended_calls.len() as f64);
    }
    println!("live model, {CALLS} simultaneous calls of 3 channels, {rounds} rounds, medians:");
    let (up_median, down_median) = (median(&mut up_ns), median(&mut down_ns));
    println!(
        "  calls coming up:  {up_median:>6.0} ns/event (apply + snapshot), {:.2} M events/s, {:.1} allocations/event, {} events",
        1e3 / up_median,
        median(&mut up_allocs),
        CALLS * UP
    );
    println!(
        "  calls hanging up: {down_median:>6.0} ns/event (apply + snapshot), {:.2} M events/s, {:.1} allocations/event, {} events",
        1e3 / down_median,
        median(&mut down_allocs),
        CALLS * DOWN
    );
    println!(
        "  memory per live channel: {:.0} bytes (channels, calls, bridges and their maps)",
        median(&mut per_channel)
    );
    println!(
        "  memory per remembered ended call: {:.0} bytes (the call and its channels' tombstones)",
        median(&mut per_ended)
    );
    println!(
        "  tombstones after {} hangups: at most {TOMBSTONES}",
        CALLS * 3
    );
    // A burst: `Pbx` publishes one snapshot per batch of 256 waiting
    // events.
    let mut burst_ns = Vec::new();
    for _ in 0..rounds {
        let up = up.clone();
        let mut model = Model::new().with_tombstone_limit(TOMBSTONES);
        let start = Instant::now();
        let mut published = Vec::new();
        for (n, e) in up.into_iter().enumerate() {
            changes += model.apply(e).len();
            if n % 256 == 255 {
                // The previous one is dropped as the watch drops it.
                published = vec![model.snapshot()];
            }
        }
        published.push(model.snapshot());
        black_box(&published);
        burst_ns.push(start.elapsed().as_nanos() as f64 / (CALLS * UP) as f64);
    }
    let burst = median(&mut burst_ns);
    println!(
        "  calls coming up in a burst (a snapshot per 256 events): {burst:.0} ns/event, {:.2} M events/s",
        1e3 / burst
    );
    black_box(changes);
    // Merges must cost the same each, however many came before.
    let small = merge_seconds(10_000);
    let large = merge_seconds(40_000);
    println!(
        "  call merges: 10,000 Local pairs {small:.3} s, 40,000 {large:.3} s ({:.1}x the time for 4x the pairs)",
        large / small
    );
}
