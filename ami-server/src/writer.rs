//! The writer task of a session: it owns the socket's write half and is the
//! one place where [`Faults`] happen (chunks, delays, dropped connections,
//! garbage, shuffled replies), plus the unrelated events that
//! `interleave_events_in_lists` puts inside lists.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::{until_set, Faults};
use ami_core::message::Message;

/// The writing half of a connection, plain or TLS.
pub(super) type Socket = Box<dyn tokio::io::AsyncWrite + Send + Sync + Unpin>;

/// How long shuffled replies are held at most.
const SHUFFLE_HOLD: Duration = Duration::from_millis(20);

/// Garbage: lines that are not `Key: Value`, one not UTF-8, then an empty
/// line, so a decoder sees one message of unknown kind.
const GARBAGE: &[u8] = b"this line has no colon\r\n\xff\xfe\x00 not utf-8\r\n: no key\r\n\r\n";

/// What a session asks its writer to write.
#[derive(Debug)]
pub(super) enum Out {
    /// Bytes as they are (the greeting, injected bytes).
    Raw(Bytes),
    /// One encoded event.
    Event(Bytes),
    /// The encoded messages answering one action (response, list events,
    /// completion): the unit `shuffle_responses` reorders.
    Reply(Vec<Bytes>),
    /// Write what is held, then close.
    Close,
}

/// Why writing stopped.
enum Stop {
    /// The socket failed, or `drop_after_bytes` was reached.
    Dropped,
    /// The session was killed.
    Killed,
}

struct Writer {
    wr: Socket,
    faults: Faults,
    written: usize,
    messages: usize,
}

/// Runs until the session closes, is killed, or the socket fails; kills the
/// session when it stops on its own.
pub(super) async fn write_loop(
    wr: Socket,
    mut rx: mpsc::Receiver<Out>,
    faults: Faults,
    kill: Arc<watch::Sender<bool>>,
) {
    let mut killed = kill.subscribe();
    let mut w = Writer {
        wr,
        faults,
        written: 0,
        messages: 0,
    };
    let mut held: Vec<Vec<Bytes>> = Vec::new();
    let mut deadline: Option<Instant> = None;
    let result: Result<(), Stop> = loop {
        let item = tokio::select! {
            biased;
            _ = until_set(&mut killed) => break Err(Stop::Killed),
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                deadline = None;
                let step = flush_held(&mut w, &mut held);
                match with_kill(&mut killed, step).await {
                    Ok(()) => continue,
                    Err(stop) => break Err(stop),
                }
            }
            item = rx.recv() => item,
        };
        let step = async {
            match item {
                None | Some(Out::Close) => {
                    flush_held(&mut w, &mut held).await?;
                    Err(Stop::Dropped)
                }
                Some(Out::Raw(bytes)) => w.write(&bytes).await,
                Some(Out::Event(bytes)) => w.message(&bytes).await,
                Some(Out::Reply(reply)) => match w.faults.shuffle_responses {
                    Some(n) if n > 1 => {
                        held.push(reply);
                        if held.len() >= n {
                            deadline = None;
                            flush_held(&mut w, &mut held).await
                        } else {
                            deadline.get_or_insert_with(|| Instant::now() + SHUFFLE_HOLD);
                            Ok(())
                        }
                    }
                    _ => w.reply(&reply).await,
                },
            }
        };
        if let Err(stop) = with_kill(&mut killed, step).await {
            break Err(stop);
        }
    };
    if let Err(Stop::Dropped) = result {
        let _ = w.wr.shutdown().await;
    }
    kill.send_replace(true);
}

async fn with_kill(
    killed: &mut watch::Receiver<bool>,
    step: impl std::future::Future<Output = Result<(), Stop>>,
) -> Result<(), Stop> {
    tokio::select! {
        biased;
        _ = until_set(killed) => Err(Stop::Killed),
        r = step => r,
    }
}

/// Writes the held replies, newest first.
async fn flush_held(w: &mut Writer, held: &mut Vec<Vec<Bytes>>) -> Result<(), Stop> {
    while let Some(reply) = held.pop() {
        w.reply(&reply).await?;
    }
    Ok(())
}

impl Writer {
    async fn reply(&mut self, reply: &[Bytes]) -> Result<(), Stop> {
        for msg in reply {
            self.message(msg).await?;
        }
        Ok(())
    }

    async fn message(&mut self, bytes: &[u8]) -> Result<(), Stop> {
        self.messages += 1;
        if let Some(n) = self.faults.garbage_every {
            if n > 0 && self.messages.is_multiple_of(n) {
                self.write(GARBAGE).await?;
            }
        }
        self.write(bytes).await?;
        if self.faults.chunk_size.is_none() {
            if let Some(d) = self.faults.write_delay {
                tokio::time::sleep(d).await;
            }
        }
        Ok(())
    }

    /// Writes bytes, in chunks when asked, stopping at `drop_after_bytes`.
    async fn write(&mut self, bytes: &[u8]) -> Result<(), Stop> {
        let (bytes, drop_now) = match self.faults.drop_after_bytes {
            Some(limit) => {
                let room = limit.saturating_sub(self.written);
                if bytes.len() >= room {
                    (&bytes[..room], true)
                } else {
                    (bytes, false)
                }
            }
            None => (bytes, false),
        };
        match self.faults.chunk_size {
            Some(n) => {
                for chunk in bytes.chunks(n.max(1)) {
                    self.put(chunk).await.map_err(|_| Stop::Dropped)?;
                    if let Some(d) = self.faults.write_delay {
                        tokio::time::sleep(d).await;
                    }
                }
            }
            None => self.put(bytes).await.map_err(|_| Stop::Dropped)?,
        }
        if drop_now {
            return Err(Stop::Dropped);
        }
        Ok(())
    }

    async fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.wr.write_all(bytes).await?;
        self.written += bytes.len();
        Ok(())
    }
}

/// The `n`th unrelated event put inside a list: alternately a `VarSet` and a
/// `Newexten` of a channel no action asked about, without `ActionID`.
pub(super) fn noise_event(n: usize) -> Message {
    let mut m = Message::with_capacity(20);
    let name = if n.is_multiple_of(2) {
        "VarSet"
    } else {
        "Newexten"
    };
    m.append("Event", name);
    m.append("Privilege", "dialplan,all");
    for (k, v) in [
        ("Channel", "PJSIP/noise-0000ffff"),
        ("ChannelState", "6"),
        ("ChannelStateDesc", "Up"),
        ("CallerIDNum", "<unknown>"),
        ("CallerIDName", "<unknown>"),
        ("ConnectedLineNum", "<unknown>"),
        ("ConnectedLineName", "<unknown>"),
        ("Language", "en"),
        ("AccountCode", ""),
        ("Context", "noise"),
        ("Exten", "s"),
        ("Priority", "1"),
        ("Uniqueid", "1700000000.9999"),
        ("Linkedid", "1700000000.9999"),
    ] {
        m.append(k, v);
    }
    if n.is_multiple_of(2) {
        m.append("Variable", "NOISE");
        m.append("Value", n);
    } else {
        m.append("Extension", "s");
        m.append("Application", "NoOp");
        m.append("AppData", format!("noise {n}"));
    }
    m
}
