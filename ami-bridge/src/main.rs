//! `ami-bridge`: every event of your PBXs onto NATS JetStream.
//!
//! ```text
//! ami-bridge --config bridge.toml
//! ami-bridge --nats nats://127.0.0.1:4222 --pbx east=ami://user:secret@10.0.0.1 --pbx west=amis://…
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use ami_bridge::config::{NatsConfig, PbxConfig, StreamConfig};
use ami_bridge::BridgeConfig;
use clap::Parser;

/// Every event of your PBXs onto NATS JetStream, as JSON, with gap markers.
#[derive(Parser)]
#[command(name = "ami-bridge", version)]
struct Cli {
    /// A TOML configuration file (see the crate's docs); flags add to it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The NATS URL.
    #[arg(long, value_name = "URL")]
    nats: Option<String>,
    /// A PBX, NAME=URL (ami://user:secret@host:port); may repeat.
    #[arg(long = "pbx", value_name = "NAME=URL")]
    pbxs: Vec<String>,
    /// The stream's name (default AMI).
    #[arg(long)]
    stream: Option<String>,
    /// The subject prefix (default ami).
    #[arg(long)]
    prefix: Option<String>,
    /// The actions answered over NATS request/reply, comma-separated
    /// (default: the read-only ones).
    #[arg(long, value_delimiter = ',', value_name = "ACTION,ACTION")]
    allow: Vec<String>,
}

fn config(cli: Cli) -> Result<BridgeConfig, String> {
    let mut config = match &cli.config {
        Some(path) => BridgeConfig::from_file(path).map_err(|e| e.to_string())?,
        None => BridgeConfig {
            nats: NatsConfig {
                url: String::new(),
                user: None,
                password_env: None,
                token_env: None,
                creds: None,
            },
            stream: StreamConfig::default(),
            pbxs: Vec::new(),
            allow: None,
            max_value_bytes: None,
            max_requests: None,
            status_every_secs: None,
        },
    };
    if let Some(url) = cli.nats {
        config.nats.url = url;
    }
    if config.nats.url.is_empty() {
        return Err("no NATS URL: give --nats or [nats] url in --config".to_owned());
    }
    for p in cli.pbxs {
        let Some((name, url)) = p.split_once('=') else {
            return Err("--pbx takes NAME=URL".to_owned());
        };
        config.pbxs.push(PbxConfig {
            name: name.to_owned(),
            url: url.to_owned(),
            secret_env: None,
            secret_file: None,
            events: None,
            filters: Vec::new(),
            event_buffer: None,
        });
    }
    if let Some(s) = cli.stream {
        config.stream.name = s;
    }
    if let Some(p) = cli.prefix {
        config.stream.subject_prefix = p;
    }
    if !cli.allow.is_empty() {
        config.allow = Some(ami_bridge::config::AllowConfig::Names(cli.allow));
    }
    config.check().map_err(|e| e.to_string())?;
    Ok(config)
}

/// Standard error with every control character but the line break written
/// as `\xNN` (C1 controls as `\u{NN}`), so that nothing a PBX sends can
/// drive the operator's terminal.
struct EscapedStderr;

impl std::io::Write for EscapedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if c.is_control() && c != '\n' {
                if (c as u32) < 0x80 {
                    out.push_str(&format!("\\x{:02x}", c as u32));
                } else {
                    out.push_str(&format!("\\u{{{:x}}}", c as u32));
                }
            } else {
                out.push(c);
            }
        }
        std::io::Write::write_all(&mut std::io::stderr().lock(), out.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::Write::flush(&mut std::io::stderr())
    }
}

fn main() -> ExitCode {
    // Logs and counters on stderr; RUST_LOG narrows or widens them. What a
    // PBX sends (reasons, names) is in them: escaped before the terminal.
    tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(|| EscapedStderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let config = match config(cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ami-bridge: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ami-bridge: {e}");
            return ExitCode::from(3);
        }
    };
    let result = runtime.block_on(ami_bridge::bridge::run(config, async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match &mut term { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
        }
    }));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ami-bridge: {e}");
            ExitCode::from(3)
        }
    }
}
