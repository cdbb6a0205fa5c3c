//! A script in the manner of the Perl modules' synopses, on the blocking
//! client: connect, `Ping`, a CLI command, an originate, read events until
//! the call hangs up, log off. No async runtime in sight.
//!
//! ```text
//! cargo run -p ami-types --example script
//! AMI_URL=ami://admin:secret@pbx.example.com:5038 cargo run -p ami-types --example script
//! ```
//!
//! Without `AMI_URL` it starts the embedded AMI server first (on a runtime
//! of its own: that part is the example's, not the script's).

use ami_types::action::{Originate, Ping};
use ami_types::blocking::Client;
use ami_types::event::Event;
use ami_types::TextField;

fn main() {
    let (url, _sim) = url_or_sim();
    if let Err(e) = script(&url) {
        eprintln!("script: {e}");
        std::process::exit(1);
    }
}

/// The script itself: ten lines.
fn script(url: &str) -> ami_types::Result<()> {
    let (ami, events) = Client::connect(url)?;
    println!("Ping: {}", ami.send(&Ping::new())?.ping().to_str_lossy());
    println!("{}", ami.command("core show version")?[0]);
    let call = ami.originate(
        &Originate::new("Local/100@default")
            .application("Wait")
            .data("1"),
    )?;
    println!(
        "originate: {}",
        if call.is_success() {
            "answered"
        } else {
            "failed"
        }
    );
    for event in events.filter_map(Result::ok) {
        println!("{}", event.name());
        if matches!(&event, Event::Hangup(h) if h.uniqueid() == call.uniqueid()) {
            break;
        }
    }
    ami.close()
}

/// `AMI_URL`, or the embedded server with the runtime it runs on.
fn url_or_sim() -> (
    String,
    Option<(tokio::runtime::Runtime, ami_server::Server)>,
) {
    if let Ok(url) = std::env::var("AMI_URL") {
        return (url, None);
    }
    let rt = tokio::runtime::Runtime::new().expect("a runtime for the embedded server");
    let server = rt
        .block_on(ami_server::Server::start(Default::default()))
        .expect("the embedded server starts");
    println!(
        "AMI_URL is not set: using the embedded AMI server on {}",
        server.addr()
    );
    (server.url(), Some((rt, server)))
}
