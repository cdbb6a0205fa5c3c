//! Per-call options: the client's actions with settings of their own for
//! the calls made through them, instead of a twin of each action per
//! setting.

use std::time::Duration;

use crate::action::{Action, FollowUpAction, ListAction};
use crate::client::{Client, Reply};
use crate::collection::Collection;
use crate::error::Result;
use crate::message::{Message, Value};

/// The actions of a [`Client`] with a timeout of their own, made by
/// [`Client::with_timeout`]. It borrows the client and holds a
/// [`Duration`]: making one costs nothing, and one may be kept to send
/// several actions.
///
/// The timeout is the whole wait, from the call to the answer: time queued
/// behind other actions counts, and for [`originate`](Self::originate) and
/// [`originate_message`](Self::originate_message) the ringing counts too
/// (the client's own timeout adds the action's ring time; this one does
/// not). A zero timeout fails at once with [`Error::Timeout`]; a timeout
/// too long to represent waits as long as the connection lives.
///
/// [`Error::Timeout`]: crate::Error::Timeout
///
/// ```no_run
/// # async fn demo(client: ami_core::Client) -> ami_core::Result<()> {
/// use std::time::Duration;
/// use ami_core::Message;
///
/// // A reload may take a while: wait a minute for this one action.
/// let slow = client.with_timeout(Duration::from_secs(60));
/// let mut reload = Message::action("Reload");
/// reload.append("Module", "res_pjsip.so");
/// slow.send_message(reload).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct CallOptions<'a> {
    client: &'a Client,
    timeout: Duration,
}

impl<'a> CallOptions<'a> {
    pub(crate) fn new(client: &'a Client, timeout: Duration) -> Self {
        CallOptions { client, timeout }
    }

    /// The same, with another timeout.
    pub fn with_timeout(self, timeout: Duration) -> Self {
        CallOptions { timeout, ..self }
    }

    /// The timeout of the calls made through this.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// [`Client::send`] within this timeout.
    pub async fn send<A: Action>(&self, action: &A) -> Result<A::Response> {
        self.client.send_within(action, self.timeout).await
    }

    /// [`Client::send_anyway`] within this timeout.
    pub async fn send_anyway<A: Action>(&self, action: &A) -> Result<A::Response> {
        self.client.send_anyway_within(action, self.timeout).await
    }

    /// [`Client::list`] within this timeout (the whole list included).
    pub async fn list<A: ListAction>(
        &self,
        action: &A,
    ) -> Result<Collection<A::Item, A::Complete>> {
        self.client.list_within(action, self.timeout).await
    }

    /// [`Client::originate`] within this timeout, the ringing included.
    pub async fn originate<A: FollowUpAction>(&self, action: &A) -> Result<A::FollowUp> {
        self.client.originate_within(action, self.timeout).await
    }

    /// [`Client::send_message`] within this timeout.
    pub async fn send_message(&self, msg: Message) -> Result<Reply> {
        self.client.send_message_within(msg, self.timeout).await
    }

    /// [`Client::originate_message`] within this timeout, the ringing
    /// included.
    pub async fn originate_message(&self, msg: Message) -> Result<(Message, Message)> {
        self.client
            .originate_message_within(msg, self.timeout)
            .await
    }

    /// [`Client::command`] within this timeout.
    pub async fn command(&self, command: &str) -> Result<Vec<Value>> {
        self.client.command_within(command, self.timeout).await
    }
}
