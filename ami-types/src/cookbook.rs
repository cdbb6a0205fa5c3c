//! Recipes: what people build on AMI, each in a few lines. Every recipe
//! here runs as a test against the embedded AMI server (`ami-server`); the
//! longer programs named below run the same way (`cargo run -p ami-types --example …`)
//! and against a real Asterisk with `AMI_URL=ami://user:secret@host:5038`.
//!
//! # Billing from `Cdr` and `Hangup`
//!
//! With `cdr_manager` enabled, Asterisk sends one `Cdr` event per finished
//! call leg: who called whom, when, the billable seconds and how the call
//! ended. `Hangup` carries the Q.850 cause of each channel. The
//! `billing` example (`cargo run -p ami-types --example billing`) writes
//! one CSV line per call, also without `cdr_manager`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = ami_server::Server::start(ami_server::ServerConfig {
//! #     time_scale: 0.01,
//! #     ..Default::default()
//! # }).await?;
//! # let url = server.url();
//! use ami_types::{action, event::Event};
//!
//! let (client, mut events) = ami_types::connect(&url).await?;
//! # client.originate(&action::Originate::new("PJSIP/100").application("Wait").data("1")).await?;
//! loop {
//!     match events.recv().await? {
//!         Event::Hangup(h) => println!("{:?} hung up: {:?}", h.channel(), h.cause()),
//!         Event::Cdr(cdr) => {
//!             let billed = cdr.billable_seconds().unwrap_or_default();
//!             println!(
//!                 "{:?} -> {:?}: {} s, {:?}",
//!                 cdr.source(),
//!                 cdr.destination(),
//!                 billed.as_secs(),
//!                 cdr.disposition()
//!             );
//!             break;
//!         }
//!         _ => {}
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Click-to-call that tells busy from unanswered
//!
//! [`Client::originate`](crate::Client::originate) waits for the call's
//! `OriginateResponse`; its reason says why a call did not connect.
//! `ami-live`'s `click_to_call` example follows the whole call (both legs,
//! who talks to whom, the hangup cause).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ami_types::Result<()> {
//! # let server = ami_server::Server::start(Default::default()).await?;
//! # let url = server.url();
//! use ami_types::action::Originate;
//! use ami_types::codes::OriginateReason;
//!
//! let (client, _events) = ami_types::connect(&url).await?;
//! // Ring the agent's phone; once answered, dial the customer from the
//! // dialplan. (The embedded server's endpoint `busy` is always busy.)
//! let call = Originate::new("PJSIP/busy")
//!     .context("from-internal")
//!     .exten("5551234")
//!     .priority(1)
//!     .caller_id("\"Sales\" <100>")
//!     .timeout(20_000); // milliseconds of ringing
//! let answer = client.originate(&call).await?;
//! match answer.reason() {
//!     Some(OriginateReason::Answered) => println!("connected"),
//!     Some(OriginateReason::Busy) => println!("the agent is busy"),
//!     Some(OriginateReason::NoAnswer) => println!("the agent did not answer"),
//!     other => println!("failed: {other:?}"),
//! }
//! assert_eq!(answer.reason(), Some(OriginateReason::Busy));
//! # Ok(())
//! # }
//! ```
//!
//! # A wallboard
//!
//! A wallboard shows the calls, queues and agents as they are now: that is
//! `ami-live`'s model (`ami_live::Pbx`), loaded from the PBX's lists and kept
//! current by its events, with a stream of changes to redraw on. See its
//! `wallboard` example (`cargo run -p ami-live --example wallboard`), or
//! `ami top` for one in the terminal.
//!
//! ```text
//! let pbx = ami_live::Pbx::connect(&url).await?;
//! let mut changes = pbx.changes();
//! while let Some(_change) = changes.recv().await {
//!     let state = pbx.snapshot(); // calls, channels, bridges, queues
//!     redraw(&state);
//! }
//! ```
//!
//! # A blocking script
//!
//! Without an async runtime, [`blocking`](crate::blocking) waits for each
//! answer (the `script` example):
//!
//! ```
//! # fn main() -> ami_types::Result<()> {
//! # let rt = tokio::runtime::Runtime::new()?;
//! # let server = rt.block_on(ami_server::Server::start(Default::default()))?;
//! # let url = server.url();
//! use ami_types::{action, blocking};
//!
//! let (client, _events) = blocking::Client::connect(&url)?;
//! for channel in client.list(&action::CoreShowChannels::new())? {
//!     println!("{:?}", channel.channel());
//! }
//! for line in client.command("core show uptime")? {
//!     println!("{}", line.to_string_lossy());
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Many PBXs at once
//!
//! `ami-fleet` keeps one client per PBX, reconnecting each on its own, and
//! merges their events into one stream tagged with the PBX's name; actions
//! go to a PBX by name, and `Fleet::health` says which PBX is up, its event
//! rate and its Asterisk version.
//!
//! ```text
//! let (fleet, mut events) = ami_fleet::Fleet::builder()
//!     .pbx("east", ClientBuilder::from_url("ami://admin:secret@east:5038")?)
//!     .pbx("west", ClientBuilder::from_url("ami://admin:secret@west:5038")?)
//!     .start();
//! fleet.send("west", &action::Ping::new()).await?;
//! ```
//!
//! # Events out of the process
//!
//! `ami-bridge` publishes every event of every PBX to NATS JetStream
//! (`ami.<pbx>.event.<Name>`, each once, in order, with gaps marked) and
//! answers actions over request/reply under a deny-by-default policy
//! ([`policy`](crate::policy)). Its README has the configuration.
//!
//! # What the PBX's release has
//!
//! The client asks the PBX its version once per connection and refuses an
//! action, or a parameter, its release does not have, before sending it:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ami_types::Result<()> {
//! # let server = ami_server::Server::start(ami_server::ServerConfig {
//! #     asterisk_version: "20.5.2".into(),
//! #     ..Default::default()
//! # }).await?;
//! # let url = server.url();
//! use ami_types::{action, Error};
//!
//! let (client, _events) = ami_types::connect(&url).await?;
//! let hangup = action::PJSIPHangup::new("PJSIP/100-00000001", "486");
//! match client.send(&hangup).await {
//!     Err(Error::Unsupported { what, have, needs }) => {
//!         println!("{what} needs Asterisk {needs}; this PBX runs {have}");
//!     }
//!     other => println!("{other:?}"),
//! }
//! assert_eq!(client.asterisk_version().await?.as_deref(), Some("20.5.2"));
//! # Ok(())
//! # }
//! ```
