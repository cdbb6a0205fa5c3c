//! The side-by-side benchmark; see `BENCHMARKS.md` at the repository root.
//!
//! `cargo run --release --manifest-path bench/Cargo.toml -- [--rounds N]
//! [--events N] [--pings N] [--only TEXT] [--transcript PATH]`

mod contenders;
mod e2e;
mod input;

use std::alloc::System;
use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

use crate::contenders as c;
use crate::e2e::Outcome;

/// Counts allocations, for the allocations-per-event column.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

struct Args {
    rounds: usize,
    events: usize,
    pings: usize,
    only: Option<String>,
    transcript: PathBuf,
    child: Option<String>,
}

const USAGE: &str = "usage: ami-bench [--rounds N] [--events N] [--pings N] [--only TEXT] [--transcript PATH]
  --rounds N         interleaved runs of every measurement; the median is shown (default 5)
  --events N         events of simulated calls per stream (default 1000000)
  --pings N          Pings in flight at once for the pipelining rows (default 10000)
  --only TEXT        run only the measurements whose label contains TEXT
  --transcript PATH  the session1.txt to repeat (default ../../shared/transcripts/session1.txt)";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        rounds: 5,
        events: 1_000_000,
        pings: 10_000,
        only: None,
        transcript: input::default_transcript(),
        child: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |v: String| v.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--rounds" => args.rounds = number(value()?)?,
            "--events" => args.events = number(value()?)?,
            "--pings" => args.pings = number(value()?)?,
            "--only" => args.only = Some(value()?),
            "--transcript" => args.transcript = value()?.into(),
            "--child" => args.child = Some(value()?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.rounds == 0 || args.events == 0 || args.pings == 0 {
        return Err("--rounds, --events and --pings must be at least 1".into());
    }
    Ok(args)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// A decoder measured in memory.
struct Decode {
    label: &'static str,
    run: fn(&[u8]) -> usize,
}

const DECODERS: &[Decode] = &[
    Decode {
        label: "split into key/value slices (floor)",
        run: c::split,
    },
    Decode {
        label: "ami-core codec: bytes -> Message",
        run: c::ami_codec,
    },
    Decode {
        label: "ami-types: bytes -> Event",
        run: c::ami_typed,
    },
    Decode {
        label: "ami-types: bytes -> Event, 3 fields read",
        run: c::ami_typed_read,
    },
    Decode {
        label: "asterisk-rs-ami 0.8 codec: bytes -> RawAmiMessage",
        run: c::rs_codec,
    },
    Decode {
        label: "asterisk-rs-ami 0.8: bytes -> AmiEvent",
        run: c::rs_typed,
    },
];

/// A client measured over loopback, in a child process.
struct Client {
    label: &'static str,
    child: &'static str,
}

const CLIENTS: &[Client] = &[
    Client {
        label: "ami-types typed stream, multi-thread",
        child: "events:ours-mt",
    },
    Client {
        label: "ami-types typed stream, current-thread",
        child: "events:ours-ct",
    },
    Client {
        label: "asterisk-rs-ami 0.8 subscribe, multi-thread",
        child: "events:rs",
    },
    Client {
        label: "asterisk-manager 2.1 all_events_stream, multi-thread",
        child: "events:manager",
    },
];

const PINGERS: &[Client] = &[
    Client {
        label: "ami-types send(&Ping)",
        child: "pings:ours",
    },
    Client {
        label: "asterisk-rs-ami 0.8 ping()",
        child: "pings:rs",
    },
    Client {
        label: "asterisk-manager 2.1 send_action(Ping)",
        child: "pings:manager",
    },
];

fn run_child(spec: &str, args: &Args) -> Option<Outcome> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe)
        .args([
            "--child",
            spec,
            "--events",
            &args.events.to_string(),
            "--pings",
            &args.pings.to_string(),
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let outcome = text.lines().find_map(Outcome::parse);
    if outcome.is_none() {
        eprintln!(
            "{spec}: no outcome (status {:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    outcome
}

fn child(spec: &str, args: &Args) -> ExitCode {
    let outcome = match spec {
        "events:ours-mt" => e2e::ours_events(args.events, true),
        "events:ours-ct" => e2e::ours_events(args.events, false),
        "events:rs" => e2e::rs_events(args.events),
        "events:manager" => e2e::manager_events(args.events),
        "pings:ours" => e2e::ours_pings(args.pings),
        "pings:rs" => e2e::rs_pings(args.pings),
        "pings:manager" => e2e::manager_pings(args.pings),
        other => {
            eprintln!("unknown child {other}");
            return ExitCode::from(2);
        }
    };
    outcome.print();
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("{e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Some(spec) = &args.child {
        return child(spec, &args);
    }
    let wanted = |label: &str| args.only.as_deref().is_none_or(|o| label.contains(o));

    let calls = input::calls(args.events);
    let session1 = input::session1(&args.transcript, calls.bytes.len());
    println!(
        "median of {} interleaved rounds; {} events of simulated calls ({:.1} MB, {:.0} B/event); \
         session1.txt repeated to {:.1} MB; in-memory inputs fed in {} KiB reads\n",
        args.rounds,
        c::ami_codec(&calls.bytes),
        calls.bytes.len() as f64 / 1e6,
        calls.bytes.len() as f64 / c::ami_codec(&calls.bytes) as f64,
        session1.bytes.len() as f64 / 1e6,
        c::READ / 1024
    );

    // Decoding in memory.
    let mut decode_rates: Vec<(&str, &str, f64)> = Vec::new();
    println!("## Decoding in memory\n");
    println!("| measurement | input | events | M events/s | MB/s | allocations/event |");
    println!("|---|---|---:|---:|---:|---:|");
    for input in [&calls, &session1] {
        let decoders: Vec<&Decode> = DECODERS.iter().filter(|d| wanted(d.label)).collect();
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); decoders.len()];
        let mut events = vec![0; decoders.len()];
        for _ in 0..args.rounds {
            for (i, d) in decoders.iter().enumerate() {
                let start = Instant::now();
                events[i] = (d.run)(&input.bytes);
                times[i].push(start.elapsed().as_secs_f64());
            }
        }
        for (i, d) in decoders.iter().enumerate() {
            let region = Region::new(GLOBAL);
            let n = (d.run)(&input.bytes);
            let allocs = region.change().allocations as f64 / n.max(1) as f64;
            let t = median(times[i].clone());
            let rate = events[i] as f64 / t;
            decode_rates.push((d.label, input.name, rate));
            println!(
                "| {} | {} | {} | {:.3} | {:.0} | {:.2} |",
                d.label,
                input.name,
                events[i],
                rate / 1e6,
                input.bytes.len() as f64 / t / 1e6,
                allocs
            );
        }
    }

    // Actions in memory: what the client does before writing one.
    if wanted("send path") {
        println!("\n## Actions in memory: typed action -> wire bytes\n");
        println!("| measurement | actions | M actions/s | ns/action | allocations/action |");
        println!("|---|---:|---:|---:|---:|");
        let actions = args.events;
        let rows: [(&str, fn(usize) -> usize); 2] = [
            ("ami-types send path: Ping", c::build_pings),
            ("ami-types send path: Originate, 10 fields", c::build_originates),
        ];
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); rows.len()];
        for _ in 0..args.rounds {
            for (i, (_, run)) in rows.iter().enumerate() {
                let start = Instant::now();
                run(actions);
                times[i].push(start.elapsed().as_secs_f64());
            }
        }
        for (i, (label, run)) in rows.iter().enumerate() {
            let region = Region::new(GLOBAL);
            let n = run(actions);
            let allocs = region.change().allocations as f64 / n.max(1) as f64;
            let t = median(times[i].clone());
            println!(
                "| {label} | {n} | {:.3} | {:.0} | {allocs:.2} |",
                n as f64 / t / 1e6,
                t / n as f64 * 1e9
            );
        }
    }

    // Whole clients over loopback.
    let clients: Vec<&Client> = CLIENTS.iter().filter(|c| wanted(c.label)).collect();
    let mut client_rates: Vec<(&str, f64)> = Vec::new();
    if !clients.is_empty() {
        println!("\n## Clients over loopback, default settings, counting subscriber\n");
        println!("| client | sent | delivered (worst run) | lost (worst run) | M events/s | MB/s | peak RSS MiB |");
        println!("|---|---:|---:|---:|---:|---:|---:|");
        let bytes_per_event = calls.bytes.len() as f64 / args.events as f64;
        let mut runs: Vec<Vec<Outcome>> = (0..clients.len()).map(|_| Vec::new()).collect();
        for _ in 0..args.rounds {
            for (i, cl) in clients.iter().enumerate() {
                if let Some(o) = run_child(cl.child, &args) {
                    runs[i].push(o);
                }
            }
        }
        for (i, cl) in clients.iter().enumerate() {
            let r = &runs[i];
            if r.is_empty() {
                println!("| {} | – | – | – | – | – | – |", cl.label);
                continue;
            }
            let rate = median(
                r.iter()
                    .map(|o| o.delivered as f64 / o.secs.max(1e-9))
                    .collect(),
            );
            let worst_delivered = r.iter().map(|o| o.delivered).min().unwrap_or(0);
            let worst_lost = r.iter().map(|o| o.lost.max(o.sent as u64 - o.delivered.min(o.sent as u64))).max().unwrap_or(0);
            let rss = median(r.iter().map(|o| o.peak_rss_kib as f64).collect()) / 1024.0;
            client_rates.push((cl.label, rate));
            println!(
                "| {} | {} | {} | {} | {:.3} | {:.0} | {:.0} |",
                cl.label,
                r[0].sent,
                worst_delivered,
                worst_lost,
                rate / 1e6,
                rate * bytes_per_event / 1e6,
                rss
            );
        }
    }

    // Pipelined actions.
    let pingers: Vec<&Client> = PINGERS.iter().filter(|c| wanted(c.label)).collect();
    let mut ping_rates: Vec<(&str, f64)> = Vec::new();
    if !pingers.is_empty() {
        println!("\n## {} Pings in flight on one connection\n", args.pings);
        println!("| client | answered (worst run) | median ms | K actions/s |");
        println!("|---|---:|---:|---:|");
        let mut runs: Vec<Vec<Outcome>> = (0..pingers.len()).map(|_| Vec::new()).collect();
        for _ in 0..args.rounds {
            for (i, cl) in pingers.iter().enumerate() {
                if let Some(o) = run_child(cl.child, &args) {
                    runs[i].push(o);
                }
            }
        }
        for (i, cl) in pingers.iter().enumerate() {
            let r = &runs[i];
            if r.is_empty() {
                println!("| {} | – | – | – |", cl.label);
                continue;
            }
            let secs = median(r.iter().map(|o| o.secs).collect());
            let answered = r.iter().map(|o| o.delivered).min().unwrap_or(0);
            let rate = answered as f64 / secs;
            ping_rates.push((cl.label, rate));
            println!(
                "| {} | {} | {:.1} | {:.1} |",
                cl.label,
                answered,
                secs * 1e3,
                rate / 1e3
            );
        }
    }

    // Ratios.
    println!("\n## Ratios (events or actions per second)\n");
    let find = |rows: &[(&str, &str, f64)], label: &str, input: &str| {
        rows.iter()
            .find(|(l, i, _)| *l == label && *i == input)
            .map(|r| r.2)
    };
    for input in ["calls", "session1"] {
        for (what, ours, theirs) in [
            (
                "typed decode: ami-types / asterisk-rs-ami",
                "ami-types: bytes -> Event",
                "asterisk-rs-ami 0.8: bytes -> AmiEvent",
            ),
            (
                "typed decode, 3 fields read: ami-types / asterisk-rs-ami",
                "ami-types: bytes -> Event, 3 fields read",
                "asterisk-rs-ami 0.8: bytes -> AmiEvent",
            ),
            (
                "codec: ami-core / asterisk-rs-ami",
                "ami-core codec: bytes -> Message",
                "asterisk-rs-ami 0.8 codec: bytes -> RawAmiMessage",
            ),
            (
                "codec: ami-core / split floor",
                "ami-core codec: bytes -> Message",
                "split into key/value slices (floor)",
            ),
        ] {
            if let (Some(a), Some(b)) = (
                find(&decode_rates, ours, input),
                find(&decode_rates, theirs, input),
            ) {
                println!("- {input}: {what}: {:.2}x", a / b);
            }
        }
    }
    let best_peer = |rates: &[(&str, f64)]| {
        rates
            .iter()
            .filter(|(l, _)| !l.starts_with("ami-types"))
            .map(|r| r.1)
            .fold(0.0, f64::max)
    };
    if let Some((_, ours)) = client_rates.first() {
        let peer = best_peer(&client_rates);
        if peer > 0.0 {
            println!(
                "- client end to end (multi-thread): ami-types / fastest peer: {:.2}x",
                ours / peer
            );
        }
    }
    if let Some((_, ours)) = ping_rates.first() {
        let peer = best_peer(&ping_rates);
        if peer > 0.0 {
            println!(
                "- pipelined Pings: ami-types / fastest peer: {:.2}x",
                ours / peer
            );
        }
    }
    ExitCode::SUCCESS
}
