//! Side-by-side AMI decoding benchmark; see README.md.
//!
//! `cargo run --release --manifest-path bench/Cargo.toml -- [--rounds N]
//! [--mb N] [--only TEXT] [--transcript PATH]`

mod contenders;
mod input;
mod proto;
mod serde_msg;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use ami_core::Message;

use crate::contenders as c;
use crate::input::Input;

struct Args {
    rounds: usize,
    mb: usize,
    only: Option<String>,
    transcript: PathBuf,
}

const USAGE: &str = "usage: ami-bench [--rounds N] [--mb N] [--only TEXT] [--transcript PATH]
  --rounds N         best of N rounds per measurement (default 5)
  --mb N             size of each input stream in MB (default 24)
  --only TEXT        run only the measurements whose label contains TEXT
  --transcript PATH  the session1.txt to repeat (default ../../shared/transcripts/session1.txt)";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        rounds: 5,
        mb: 24,
        only: None,
        transcript: input::default_transcript(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--rounds" => args.rounds = value()?.parse().map_err(|e| format!("--rounds: {e}"))?,
            "--mb" => args.mb = value()?.parse().map_err(|e| format!("--mb: {e}"))?,
            "--only" => args.only = Some(value()?),
            "--transcript" => args.transcript = value()?.into(),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.rounds == 0 || args.mb == 0 {
        return Err("--rounds and --mb must be at least 1".into());
    }
    Ok(args)
}

/// One measured line of the table.
struct Row {
    label: &'static str,
    input: &'static str,
    events: usize,
    bytes: usize,
    best: f64,
}

impl Row {
    fn events_per_s(&self) -> f64 {
        self.events as f64 / self.best
    }
}

struct Bench {
    args: Args,
    rows: Vec<Row>,
}

impl Bench {
    fn wanted(&self, label: &str) -> bool {
        self.args.only.as_deref().is_none_or(|o| label.contains(o))
    }

    /// Best of `rounds` runs of `f`, which returns the events it produced.
    fn time(
        &mut self,
        label: &'static str,
        input: &'static str,
        bytes: usize,
        mut f: impl FnMut() -> usize,
    ) {
        if !self.wanted(label) {
            return;
        }
        let mut best = f64::MAX;
        let mut events = 0;
        for _ in 0..self.args.rounds {
            let start = Instant::now();
            events = f();
            best = best.min(start.elapsed().as_secs_f64());
        }
        let row = Row {
            label,
            input,
            events,
            bytes,
            best,
        };
        print_row(&row);
        self.rows.push(row);
    }

    fn wire(&mut self, input: &Input, label: &'static str, f: fn(&[u8]) -> usize) {
        let bytes = &input.bytes;
        self.time(label, input.name, bytes.len(), || f(bytes));
    }

    fn decoded(
        &mut self,
        input: &Input,
        msgs: &[Message],
        label: &'static str,
        f: fn(&[Message]) -> usize,
    ) {
        self.time(label, input.name, input.bytes.len(), || f(msgs));
    }

    fn find(&self, label: &str, input: &str) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.label == label && r.input == input)
    }
}

fn print_header() {
    println!(
        "{:<44} {:<9} {:>8} {:>6} {:>9} {:>9} {:>7}",
        "measurement", "input", "events", "MB", "best ms", "M ev/s", "MB/s"
    );
}

fn print_row(r: &Row) {
    let mb = r.bytes as f64 / 1e6;
    print!(
        "{:<44} {:<9} {:>8} {:>6.1} {:>9.1} {:>9.3} {:>7.0}",
        r.label,
        r.input,
        r.events,
        mb,
        r.best * 1e3,
        r.events_per_s() / 1e6,
        mb / r.best
    );
    println!();
}

const SPLIT: &str = "split into key/value slices (floor)";
const AMI_CODEC: &str = "ami-core codec: bytes -> Message";
const AMI_TYPED: &str = "ami-types typed: bytes -> Message -> Event";
const AMI_FROM: &str = "ami-types Message -> Event only";
const RS_CODEC: &str = "asterisk-rs-ami codec: bytes -> RawAmiMessage";
const RS_TYPED: &str = "asterisk-rs-ami typed: bytes -> AmiEvent";
const GEN4: &str = "generated FromMessage (4 structs)";
const GEN_EVENT: &str = "generated Event::from_message";
const SERDE_TEXT: &str = "serde derive, text as Value (Text)";
const SERDE_STRING: &str = "serde derive, text as String";
const SERDE_BORROWED: &str = "serde derive, text as &str (borrowed)";
const WIRE_GEN: &str = "wire -> generated Event";
const WIRE_SERDE: &str = "wire -> serde (Text)";
const PROTO_CODEC: &str = "prototype: one-pass offsets codec";
const PROTO_INDEX: &str = "prototype: index table (4 structs)";

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
    let min = args.mb * 1_000_000;
    let session1 = input::session1(&args.transcript, min);
    let calls = input::calls(min);
    let four = input::four_events(min);
    println!(
        "best of {} rounds; inputs: session1.txt x{:.0} ({:.1} MB), {:.1} MB of simulated calls, \
         {:.1} MB of Newchannel/Newexten/VarSet/Hangup; fed in {} KiB reads\n",
        args.rounds,
        session1.bytes.len() as f64 / 112_879.0,
        session1.bytes.len() as f64 / 1e6,
        calls.bytes.len() as f64 / 1e6,
        four.bytes.len() as f64 / 1e6,
        c::READ / 1024
    );
    let mut b = Bench {
        args,
        rows: Vec::new(),
    };

    print_header();
    for input in [&session1, &calls] {
        b.wire(input, SPLIT, c::split);
        b.wire(input, AMI_CODEC, c::ami_codec);
        b.wire(input, AMI_TYPED, c::ami_typed);
        b.wire(input, RS_CODEC, c::rs_codec);
        b.wire(input, RS_TYPED, c::rs_typed);
        b.wire(input, PROTO_CODEC, proto::offsets_codec);
        if b.wanted(AMI_FROM) {
            let msgs = c::messages(&input.bytes);
            b.decoded(input, &msgs, AMI_FROM, c::ami_from_message);
        }
    }

    println!("\nissue 4, decoding path: Message -> typed, on messages decoded up front");
    print_header();
    let msgs = c::messages(&four.bytes);
    b.decoded(&four, &msgs, GEN4, c::generated_four);
    b.decoded(&four, &msgs, GEN_EVENT, c::ami_from_message);
    b.decoded(&four, &msgs, SERDE_TEXT, c::serde_text);
    b.decoded(&four, &msgs, SERDE_STRING, c::serde_string);
    b.decoded(&four, &msgs, SERDE_BORROWED, c::serde_borrowed);
    b.decoded(&four, &msgs, PROTO_INDEX, proto::indexed_four);
    drop(msgs);
    b.wire(&four, WIRE_GEN, c::ami_typed);
    b.wire(&four, WIRE_SERDE, c::wire_serde_text);

    summary(&b);
    ExitCode::SUCCESS
}

fn summary(b: &Bench) {
    let ratio = |label: &str, base: &str, input: &str| -> Option<f64> {
        Some(b.find(label, input)?.events_per_s() / b.find(base, input)?.events_per_s())
    };
    println!("\nratios (events/s)");
    for input in ["session1", "calls"] {
        // Both clients must have produced the same events.
        if let (Some(ours), Some(theirs)) = (b.find(AMI_TYPED, input), b.find(RS_TYPED, input)) {
            if ours.events != theirs.events {
                println!(
                    "  {input}: WARNING: ami-types produced {} events, asterisk-rs-ami {}",
                    ours.events, theirs.events
                );
            }
        }
        for (what, label, base) in [
            (
                "ami-types typed / asterisk-rs-ami typed",
                AMI_TYPED,
                RS_TYPED,
            ),
            (
                "ami-core codec / asterisk-rs-ami codec",
                AMI_CODEC,
                RS_CODEC,
            ),
            ("ami-types typed / split floor", AMI_TYPED, SPLIT),
            ("ami-core codec / split floor", AMI_CODEC, SPLIT),
            (
                "prototype offsets codec / ami-core codec",
                PROTO_CODEC,
                AMI_CODEC,
            ),
        ] {
            if let Some(x) = ratio(label, base, input) {
                println!("  {input:<9} {what:<42} {x:>6.2}x");
            }
        }
    }
    for (what, label, base) in [
        ("serde (Text) / generated", SERDE_TEXT, GEN4),
        ("serde (String) / generated", SERDE_STRING, GEN4),
        ("serde (&str) / generated", SERDE_BORROWED, GEN4),
        ("wire -> serde / wire -> generated", WIRE_SERDE, WIRE_GEN),
        ("prototype index table / generated", PROTO_INDEX, GEN4),
    ] {
        if let Some(x) = ratio(label, base, "4 events") {
            println!("  {:<9} {what:<42} {x:>6.2}x", "4 events");
        }
    }
}
