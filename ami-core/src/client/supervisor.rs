//! The task behind a client: runs one connection after another.
//!
//! It runs the [`Driver`] of the current connection; when that connection
//! ends it fails what was pending and either ends the client (no reconnect
//! policy, a `Logoff` or [`Client::close`](crate::Client::close), every
//! handle dropped) or reconnects by the policy: waits with backoff, calls
//! [`establish`] again (re-login, `Events`, filters), publishes the
//! [`Reconnected`] notice into the same event buffer — so every stream
//! survives — and runs the new connection. While it is away, actions fail
//! at once.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use tokio::sync::{mpsc, watch, Notify};

use crate::client::driver::{establish, Connection, Driver, End, Request, Session, Setup};
use crate::client::reconnect::ConnectionState;
use crate::client::{connection_prefix, ClientBuilder};
use crate::codec::Greeting;
use crate::error::{Disconnect, Error};
use crate::events::{Reconnected, Shared};
use crate::tls::Connector;

/// What the client handles and the supervisor share.
#[derive(Debug)]
pub(crate) struct Link {
    pub(crate) shared: Arc<Shared>,
    state: watch::Sender<ConnectionState>,
    session: Mutex<Session>,
    greeting: Mutex<Greeting>,
    closing: AtomicBool,
    close_now: Notify,
    /// The error actions get once the client has ended, set once.
    ended: std::sync::OnceLock<End>,
    /// The PBX's Asterisk version, once asked (`CoreSettings`); forgotten
    /// at a reconnect (the PBX may have been upgraded meanwhile).
    pub(crate) version: Mutex<Version>,
}

/// What the client knows of the PBX's version on this connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Version {
    /// Not asked yet.
    Unasked,
    /// `CoreSettings` named it.
    Known(String),
    /// Asked, and the PBX did not say (no `system` read permission, or an
    /// answer without `AsteriskVersion`): not asked again on this
    /// connection.
    Unknown,
}

impl Link {
    pub(crate) fn new(shared: Arc<Shared>, session: Session, greeting: Greeting) -> Self {
        Link {
            shared,
            state: watch::channel(ConnectionState::Up).0,
            session: Mutex::new(session),
            greeting: Mutex::new(greeting),
            closing: AtomicBool::new(false),
            close_now: Notify::new(),
            ended: std::sync::OnceLock::new(),
            version: Mutex::new(Version::Unasked),
        }
    }

    pub(crate) fn session(&self) -> MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn greeting(&self) -> Greeting {
        self.greeting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn state(&self) -> ConnectionState {
        self.state.borrow().clone()
    }

    pub(crate) fn state_changes(&self) -> watch::Receiver<ConnectionState> {
        self.state.subscribe()
    }

    /// The client is being closed: the end of the current connection is
    /// the end, and a reconnect under way stops.
    pub(crate) fn close(&self) {
        self.closing.store(true, Ordering::Release);
        self.close_now.notify_one();
    }

    fn is_closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    /// The error an action gets once the client has ended.
    pub(crate) fn ended_error(&self) -> Option<Error> {
        self.ended.get().map(End::error)
    }

    /// Ends the client: the streams end after what is buffered.
    fn finish(&self, end: End) {
        let reason = end.reason();
        let _ = self.ended.set(end);
        self.state.send_replace(ConnectionState::Closed {
            reason: reason.clone(),
        });
        self.shared.close(reason);
    }
}

/// Runs connections until the client ends.
pub(crate) async fn supervise(
    mut conn: Connection,
    mut prefix: String,
    cfg: ClientBuilder,
    tls: Option<Connector>,
    mut requests: mpsc::Receiver<Request>,
    link: Arc<Link>,
) {
    let mut notice: Option<Reconnected> = None;
    // Attempts of the reconnects since the connection last stayed up for
    // STABLE: a PBX that takes the login and then drops the connection
    // gets the backoff, not a login every 250 ms.
    let mut carried: u32 = 0;
    loop {
        let mut driver = Driver::new(conn, &cfg, prefix, link.shared.clone());
        if let Some(n) = notice.take() {
            driver.events_on(&link.session(), n);
        }
        let up_at = std::time::Instant::now();
        let end = driver.serve(&mut requests).await;
        if up_at.elapsed() >= STABLE {
            carried = 0;
        }
        let since = SystemTime::now();
        let final_end = matches!(end, End::Dropped)
            || driver.logged_off
            || link.is_closing()
            || cfg.reconnect.is_none();
        let reason = end.reason();
        // The state tells the truth before any caller hears of the loss.
        if final_end {
            requests.close();
            link.state.send_replace(ConnectionState::Closed {
                reason: reason.clone(),
            });
        } else {
            link.state
                .send_replace(ConnectionState::Down { since, attempt: 0 });
        }
        driver.finish(&end, &mut requests).await;
        drop(driver);
        if final_end {
            link.finish(end);
            return;
        }
        match reconnect(
            &cfg,
            tls.as_ref(),
            &mut requests,
            &link,
            since,
            &reason,
            carried,
        )
        .await
        {
            Ok((next, next_prefix, n)) => {
                tracing::info!(%reason, "AMI connection lost and re-established");
                *link.greeting.lock().unwrap_or_else(|e| e.into_inner()) = next.greeting.clone();
                *link.version.lock().unwrap_or_else(|e| e.into_inner()) = Version::Unasked;
                conn = next;
                prefix = next_prefix;
                carried = carried.saturating_add(n.attempts);
                notice = Some(n);
            }
            Err(why) => {
                link.finish(End::Lost(why));
                return;
            }
        }
    }
}

/// How long a connection must stay up for the backoff to start again from
/// its first wait.
const STABLE: std::time::Duration = std::time::Duration::from_secs(10);

/// Reconnects by the policy, the backoff continuing after `carried`
/// attempts of reconnects whose connections did not stay up. Returns the
/// connection with the gap's notice (published by the driver once events
/// flow); `Err` holds why the client ends instead.
async fn reconnect(
    cfg: &ClientBuilder,
    tls: Option<&Connector>,
    requests: &mut mpsc::Receiver<Request>,
    link: &Link,
    since: SystemTime,
    reason: &Disconnect,
    carried: u32,
) -> Result<(Connection, String, Reconnected), Disconnect> {
    let Some(policy) = &cfg.reconnect else {
        return Err(reason.clone());
    };
    let mut attempt: u32 = 0;
    loop {
        if policy.attempt_limit().is_some_and(|max| attempt >= max) {
            return Err(Disconnect::GaveUp {
                attempts: attempt,
                lost: Box::new(reason.clone()),
            });
        }
        link.state
            .send_replace(ConnectionState::Down { since, attempt });
        attempt = attempt.saturating_add(1);
        let wait = tokio::time::sleep(policy.delay(attempt.saturating_add(carried)));
        refuse_while(wait, requests, link, reason).await?;
        link.state
            .send_replace(ConnectionState::Connecting { since, attempt });
        let prefix = connection_prefix();
        let session = link.session().clone();
        let setup = establish(cfg, tls, &prefix, &session, Setup::Again, &link.shared);
        match refuse_while(setup, requests, link, reason).await? {
            Ok(conn) => {
                // The notice comes before every event of the new connection:
                // the driver publishes it when its `Events` action is
                // answered (its `up_at` is then).
                let notice = Reconnected {
                    down_since: since,
                    up_at: SystemTime::now(),
                    attempts: attempt,
                    reason: reason.clone(),
                };
                link.state.send_replace(ConnectionState::Up);
                return Ok((conn, prefix, notice));
            }
            Err(e) => tracing::warn!(attempt, error = %e, "AMI reconnect attempt failed"),
        }
    }
}

/// Runs `work` while failing at once every action asked for meanwhile.
/// `Err` when the client ends instead (every handle dropped, or closed).
async fn refuse_while<F: Future>(
    work: F,
    requests: &mut mpsc::Receiver<Request>,
    link: &Link,
    reason: &Disconnect,
) -> Result<F::Output, Disconnect> {
    tokio::pin!(work);
    loop {
        if link.is_closing() {
            return Err(Disconnect::Closed);
        }
        tokio::select! {
            out = &mut work => return Ok(out),
            req = requests.recv() => match req {
                Some(req) => {
                    let _ = req.tx.send(Err(Error::Disconnected {
                        reason: Disconnect::Reconnecting(Box::new(reason.clone())),
                    }));
                }
                None => return Err(Disconnect::HandlesDropped),
            },
            () = link.close_now.notified() => {}
        }
    }
}
