//! Event handlers: a function called for each event of a type, of a name
//! pattern, or for every event — registered on a [`Client`](crate::Client)
//! and unregistered when its [`Handler`] guard is dropped.
//!
//! Each handler has an event stream of its own and runs on a thread of its
//! own, off the socket's task: a slow handler delays only itself. When it
//! falls behind by more than the event buffer holds, the events it missed
//! are counted ([`Handler::missed`]) and logged as a warning, and it goes on
//! with the oldest event still buffered, as an [`EventStream`] does. It ends
//! when the client is gone for good.
//!
//! A handler may block and may call the client: it is called outside any
//! runtime, so the blocking client (`ami_types::blocking`)
//! works in it as it does in `main`. A handler that panics does not die
//! silently: the panic is caught, logged as an error, counted
//! ([`Handler::panics`], [`Handler::last_panic`]), and the handler goes on
//! with the next event.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> ami_core::Result<()> {
//! # let server = ami_server::Server::start(Default::default()).await?;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use std::sync::Arc;
//!
//! let (client, _events) = ami_core::Client::connect_untyped(&server.url()).await?;
//! let seen = Arc::new(AtomicUsize::new(0));
//! let count = seen.clone();
//! let guard = client.on_name("fully*", move |event| {
//!     assert_eq!(event.event_name().unwrap(), "FullyBooted");
//!     count.fetch_add(1, Ordering::Relaxed);
//! });
//! # server.emit([("Event", "FullyBooted")].into_iter().collect());
//! # while seen.load(Ordering::Relaxed) == 0 {
//! #     tokio::time::sleep(std::time::Duration::from_millis(5)).await;
//! # }
//! drop(guard); // no call starts after this
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::ThreadId;

use tokio::sync::Notify;

use crate::action::EventType;
use crate::events::{EventStream, StreamError};

/// A registered handler; dropping it unregisters the handler. Once `drop`
/// returns no call of the handler starts, and one under way has finished
/// (unless the handler drops its own guard, which only stops later calls).
#[must_use = "the handler is unregistered when this guard is dropped"]
pub struct Handler {
    state: Arc<State>,
}

struct State {
    /// Held for each call; taken by `drop` to wait for a call under way.
    calling: Mutex<()>,
    stopped: AtomicBool,
    stop: Notify,
    missed: AtomicU64,
    panics: AtomicU64,
    /// The message of the last panic.
    last_panic: Mutex<Option<String>>,
    thread: OnceLock<ThreadId>,
    name: String,
}

impl fmt::Debug for Handler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handler")
            .field("for", &self.state.name)
            .field("missed", &self.missed())
            .field("panics", &self.panics())
            .field("running", &self.is_running())
            .finish()
    }
}

impl Handler {
    /// How many events this handler missed because it fell behind by more
    /// than the event buffer holds.
    pub fn missed(&self) -> u64 {
        self.state.missed.load(Ordering::Relaxed)
    }

    /// Whether the handler still runs (not dropped, client not gone). A
    /// handler that panicked still runs: the panic is caught and counted
    /// ([`panics`](Self::panics)), and the next event is handled.
    pub fn is_running(&self) -> bool {
        !self.state.stopped.load(Ordering::Acquire)
    }

    /// How many calls of the handler panicked. Each panic is caught, logged
    /// as an error with its message, and counted here; the handler goes on
    /// with the next event.
    pub fn panics(&self) -> u64 {
        self.state.panics.load(Ordering::Relaxed)
    }

    /// The message of the last panic, if any call panicked.
    pub fn last_panic(&self) -> Option<String> {
        self.state
            .last_panic
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for Handler {
    fn drop(&mut self) {
        let own_thread = self.state.thread.get() == Some(&std::thread::current().id());
        // Waits for a call under way, unless this is that call.
        let _calling =
            (!own_thread).then(|| self.state.calling.lock().unwrap_or_else(|e| e.into_inner()));
        self.state.stopped.store(true, Ordering::Release);
        self.state.stop.notify_one();
    }
}

/// Runs `f` for each event of `stream` that `wanted` accepts, on a thread of
/// its own, until the guard is dropped or the stream ends.
pub(crate) fn spawn<E, W, F>(
    runtime: &tokio::runtime::Handle,
    mut stream: EventStream<E>,
    name: String,
    wanted: W,
    mut f: F,
) -> Handler
where
    E: EventType + Send + 'static,
    W: Fn(&E) -> bool + Send + 'static,
    F: FnMut(E) + Send + 'static,
{
    let state = Arc::new(State {
        calling: Mutex::new(()),
        stopped: AtomicBool::new(false),
        stop: Notify::new(),
        missed: AtomicU64::new(0),
        panics: AtomicU64::new(0),
        last_panic: Mutex::new(None),
        thread: OnceLock::new(),
        name,
    });
    let runtime = runtime.clone();
    let s = state.clone();
    let spawned = std::thread::Builder::new()
        .name("ami-handler".to_owned())
        .spawn(move || {
            let _ = s.thread.set(std::thread::current().id());
            // Only the wait for the next event runs on the runtime: the
            // handler itself is called outside it, so that it may block,
            // and call the blocking client (which has a runtime of its own).
            loop {
                let next = runtime.block_on(async {
                    tokio::select! {
                        biased;
                        () = s.stop.notified() => None,
                        next = stream.recv() => Some(next),
                    }
                });
                match next {
                    None => break,
                    Some(Ok(event)) if wanted(&event) => {
                        let _calling = s.calling.lock().unwrap_or_else(|e| e.into_inner());
                        if s.stopped.load(Ordering::Acquire) {
                            break;
                        }
                        let call = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            f(event);
                        }));
                        if let Err(payload) = call {
                            let message = panic_message(payload.as_ref());
                            s.panics.fetch_add(1, Ordering::Relaxed);
                            tracing::error!(handler = %s.name, panic = %message, "an event handler panicked; it goes on with the next event");
                            *s.last_panic.lock().unwrap_or_else(|e| e.into_inner()) = Some(message);
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(StreamError::Lagged(n))) => {
                        s.missed.fetch_add(n, Ordering::Relaxed);
                        tracing::warn!(handler = %s.name, missed = n, "an event handler fell behind and missed events");
                    }
                    Some(Err(StreamError::Reconnected(gap))) => {
                        tracing::info!(handler = %s.name, %gap, "reconnected");
                    }
                    Some(Err(StreamError::Disconnected(_))) => break,
                }
            }
            s.stopped.store(true, Ordering::Release);
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start a thread for an event handler");
        state.stopped.store(true, Ordering::Release);
    }
    Handler { state }
}

/// The text of a panic's payload (`panic!("…")` gives a `&str` or a
/// `String`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Whether `name` matches the glob `pattern` (`*` any run, `?` one
/// character), ignoring ASCII case.
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(&c) if c == b'?' || c.eq_ignore_ascii_case(&n[ni]) => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::glob_matches;

    #[test]
    fn globs() {
        for (p, n) in [
            ("Peer*", "PeerStatus"),
            ("peer*", "PEERSTATUS"),
            ("*Status", "DeviceStateChange-Status"),
            ("Queue?ember*", "QueueMemberStatus"),
            ("*", ""),
            ("Hangup", "hangup"),
            ("*a*b*", "xxaxxbxx"),
        ] {
            assert!(glob_matches(p, n), "{p} {n}");
        }
        for (p, n) in [
            ("Peer*", "Hangup"),
            ("Hangup", "HangupRequest"),
            ("?", ""),
            ("*a*b", "xxaxxbxxa"),
        ] {
            assert!(!glob_matches(p, n), "{p} {n}");
        }
    }
}
