//! What the client does when a connection is lost: the [`Reconnect`] policy
//! and the [`ConnectionState`] a program can watch.

use std::time::{Duration, SystemTime};

use crate::error::Disconnect;

/// Whether and how the client reconnects after losing its connection
/// ([`ClientBuilder::reconnect`](crate::ClientBuilder::reconnect)).
///
/// With a policy set, a connection that ends — the peer closed it, an I/O
/// error, a dead peer found by keepalive — is replaced:
///
/// - each attempt connects, logs in the same way (plain or MD5), re-applies
///   the `Events` setting (the builder's, or the last `Events` action sent)
///   and every `Filter` sent through the client, before any event flows;
/// - between attempts the client waits with exponential backoff: the first
///   wait is [`initial`](Self::initial), each next one twice as long, never
///   more than [`max`](Self::max), and each drawn at random between half
///   and all of that (jitter, so that many clients do not come back in
///   step); the backoff starts again from its first wait only once a
///   connection has stayed up for 10 s, so that a PBX that takes the login
///   and drops the connection at once is not logged into four times a
///   second;
/// - with [`max_attempts`](Self::max_attempts), it gives up after that many
///   failed attempts in a row: the event streams end and every action fails
///   with [`Error::Disconnected`](crate::Error::Disconnected).
///
/// What happens to actions:
///
/// - actions pending when the connection is lost fail at once with
///   [`Error::Disconnected`](crate::Error::Disconnected); nothing is re-sent
///   behind the caller's back (an `Originate` sent twice is two calls);
/// - actions sent while the client is away fail at once too (they do not
///   wait for the reconnect): wait for [`ConnectionState::Up`] with
///   [`Client::state_changes`](crate::Client::state_changes) to send again.
///
/// Event streams survive the reconnect and each receives one
/// [`StreamError::Reconnected`](crate::StreamError::Reconnected) notice at
/// the gap; events raised while the client was away are lost (AMI has no
/// replay).
///
/// The first connection is not retried: `connect` returns its error, so a
/// wrong address or secret shows at once. [`Client::close`](crate::Client::close)
/// ends the connection for good.
///
/// ```
/// use std::time::Duration;
/// use ami_core::client::Reconnect;
///
/// let policy = Reconnect::default()
///     .initial(Duration::from_millis(100))
///     .max(Duration::from_secs(10))
///     .max_attempts(Some(50));
/// assert!(policy.delay(1) <= Duration::from_millis(100));
/// assert!(policy.delay(30) <= Duration::from_secs(10));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconnect {
    initial: Duration,
    max: Duration,
    max_attempts: Option<u32>,
}

impl Default for Reconnect {
    /// Waits of 250 ms doubling up to 30 s, attempts without end.
    fn default() -> Self {
        Reconnect {
            initial: Duration::from_millis(250),
            max: Duration::from_secs(30),
            max_attempts: None,
        }
    }
}

impl Reconnect {
    /// The wait before the first attempt (default 250 ms).
    pub fn initial(mut self, wait: Duration) -> Self {
        self.initial = wait;
        self
    }

    /// The longest wait between attempts (default 30 s).
    pub fn max(mut self, wait: Duration) -> Self {
        self.max = wait;
        self
    }

    /// Gives up after this many failed attempts in a row (default `None`:
    /// never). `Some(0)` means no attempt at all.
    pub fn max_attempts(mut self, attempts: Option<u32>) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// The configured attempt limit.
    pub fn attempt_limit(&self) -> Option<u32> {
        self.max_attempts
    }

    /// The wait before attempt `attempt` (1 for the first): the backoff
    /// bound `min(initial × 2^(attempt-1), max)`, jittered to a random
    /// point between half of it and all of it. Never overflows.
    pub fn delay(&self, attempt: u32) -> Duration {
        let bound = 2u32
            .checked_pow(attempt.saturating_sub(1))
            .and_then(|factor| self.initial.checked_mul(factor))
            .map_or(self.max, |d| d.min(self.max));
        let half = bound / 2;
        let spread = bound - half;
        let jitter = Duration::try_from_secs_f64(spread.as_secs_f64() * fastrand::f64())
            .map_or(spread, |j| j.min(spread));
        half.saturating_add(jitter)
    }
}

/// The state of a client's connection, as
/// [`Client::state`](crate::Client::state) and
/// [`Client::state_changes`](crate::Client::state_changes) report it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionState {
    /// Connected and logged in: actions go out. After a reconnect, events
    /// are turned on again with an `Events` action sent before any action of
    /// yours, so by the answer to your first action they flow again.
    Up,
    /// A reconnect attempt is under way (connecting, logging in, setting
    /// the filters); actions fail fast.
    Connecting {
        /// Since when the connection has been lost.
        since: SystemTime,
        /// The attempt under way (1 for the first).
        attempt: u32,
    },
    /// Lost, waiting before the next attempt; actions fail fast.
    Down {
        /// Since when the connection has been lost.
        since: SystemTime,
        /// The attempts made so far.
        attempt: u32,
    },
    /// Ended for good (closed, every handle dropped, no reconnect policy,
    /// or the policy gave up): the event streams end.
    Closed {
        /// Why.
        reason: Disconnect,
    },
}

impl ConnectionState {
    /// Whether the connection is up.
    pub fn is_up(&self) -> bool {
        matches!(self, ConnectionState::Up)
    }

    /// Whether the connection has ended for good.
    pub fn is_closed(&self) -> bool {
        matches!(self, ConnectionState::Closed { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let p = Reconnect::default()
            .initial(Duration::from_millis(100))
            .max(Duration::from_secs(2));
        for _ in 0..100 {
            let d1 = p.delay(1);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
            let d3 = p.delay(3);
            assert!(d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400));
            let d = p.delay(u32::MAX);
            assert!(
                d >= Duration::from_secs(1) && d <= Duration::from_secs(2),
                "{d:?}"
            );
        }
        // No overflow with the largest values.
        let huge = Reconnect::default()
            .initial(Duration::MAX)
            .max(Duration::MAX);
        assert!(huge.delay(40) >= Duration::MAX / 2);
        let zero = Reconnect::default().initial(Duration::ZERO);
        assert_eq!(zero.delay(7), Duration::ZERO);
    }
}
