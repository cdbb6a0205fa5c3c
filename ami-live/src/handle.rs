//! Handles: objects with behaviour, addressed by identity, not by name.
//!
//! A [`ChannelHandle`] holds a channel's `Uniqueid` and generation. Its
//! actions name the channel by `Uniqueid` (Asterisk looks channels up by
//! name or uniqueid), and only while the model still has that very channel:
//! once it has gone they return [`Error::Gone`] with its last name and
//! hangup cause, instead of acting on a stale or reused name.

use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::pbx::Pbx;
use crate::state::{Call, Channel, ChannelId, Conference, Queue, State, Str, Tombstone};
use ami_types::codes::HangupCause;

/// The handles a [`Pbx`] gives out (here, so that the handles depend on
/// the `Pbx` and not the other way round).
impl Pbx {
    /// A handle to a live channel, by `Uniqueid`.
    pub fn channel(&self, uniqueid: &str) -> Option<ChannelHandle> {
        let s = self.snapshot();
        s.channel(uniqueid)
            .map(|c| ChannelHandle::new(self.clone(), c.id.clone()))
    }

    /// A handle to a live channel, by name (case-insensitive).
    pub fn channel_by_name(&self, name: &str) -> Option<ChannelHandle> {
        let s = self.snapshot();
        s.channel_by_name(name)
            .map(|c| ChannelHandle::new(self.clone(), c.id.clone()))
    }

    /// A handle to a channel by its id (it may have gone already).
    pub fn channel_handle(&self, id: ChannelId) -> ChannelHandle {
        ChannelHandle::new(self.clone(), id)
    }

    /// A handle to a call by id.
    pub fn call(&self, id: &str) -> CallHandle {
        CallHandle::new(self.clone(), Str::from(id))
    }

    /// A handle to a queue by name.
    pub fn queue(&self, name: &str) -> QueueHandle {
        QueueHandle::new(self.clone(), Str::from(name))
    }

    /// A handle to a conference by name.
    pub fn conference(&self, name: &str) -> ConferenceHandle {
        ConferenceHandle::new(self.clone(), Str::from(name))
    }
}
use ami_types::action::{
    ConfbridgeKick, ConfbridgeMute, ConfbridgeUnmute, Getvar, Hangup, Park, PlayDTMF, QueueAdd,
    QueuePause, QueueRemove, Redirect, Setvar,
};

/// A live channel.
#[derive(Debug, Clone)]
pub struct ChannelHandle {
    pbx: Pbx,
    id: ChannelId,
}

impl ChannelHandle {
    pub(crate) fn new(pbx: Pbx, id: ChannelId) -> Self {
        ChannelHandle { pbx, id }
    }

    /// Which channel.
    pub fn id(&self) -> &ChannelId {
        &self.id
    }

    /// The channel as the model has it now, or [`Error::Gone`].
    pub fn get(&self) -> Result<Arc<Channel>> {
        let state = self.pbx.snapshot();
        state
            .channel_by_id(&self.id)
            .cloned()
            .ok_or_else(|| Error::channel_gone(&self.id, &state))
    }

    /// What is left of it once it hung up (while the model remembers).
    pub fn tombstone(&self) -> Option<Arc<Tombstone>> {
        self.pbx
            .snapshot()
            .tombstones
            .get(&self.id.uniqueid)
            .filter(|t| t.id == self.id)
            .cloned()
    }

    /// The `Channel` parameter of an action on this channel.
    fn target(&self) -> Result<Str> {
        self.get().map(|c| c.id.uniqueid.clone())
    }

    /// Hangs the channel up (`Hangup`).
    pub async fn hangup(&self) -> Result<()> {
        let ch = self.target()?;
        self.pbx.client().send(&Hangup::new(&*ch)).await?;
        Ok(())
    }

    /// Sends the channel to a dialplan position (`Redirect`).
    pub async fn redirect(&self, context: &str, exten: &str, priority: i64) -> Result<()> {
        let ch = self.target()?;
        self.pbx
            .client()
            .send(&Redirect::new(&*ch, exten, context, priority))
            .await?;
        Ok(())
    }

    /// Sets a channel variable (`Setvar`).
    pub async fn set_var(&self, name: &str, value: &str) -> Result<()> {
        let ch = self.target()?;
        self.pbx
            .client()
            .send(&Setvar::new(name, value).channel(&*ch))
            .await?;
        Ok(())
    }

    /// Reads a channel variable or function (`Getvar`).
    pub async fn get_var(&self, name: &str) -> Result<Option<String>> {
        let ch = self.target()?;
        let r = self
            .pbx
            .client()
            .send(&Getvar::new(name).channel(&*ch))
            .await?;
        Ok(r.value().map(|v| v.to_string_lossy().into_owned()))
    }

    /// Parks the channel (`Park`).
    pub async fn park(&self) -> Result<()> {
        let ch = self.target()?;
        self.pbx.client().send(&Park::new(&*ch)).await?;
        Ok(())
    }

    /// Plays a DTMF digit on the channel (`PlayDTMF`).
    pub async fn play_dtmf(&self, digit: char) -> Result<()> {
        let ch = self.target()?;
        self.pbx
            .client()
            .send(&PlayDTMF::new(&*ch, digit.to_string()))
            .await?;
        Ok(())
    }

    /// Waits until `ready` holds for the channel; [`Error::Gone`] when it
    /// hangs up first.
    pub async fn until(&self, mut ready: impl FnMut(&Channel) -> bool) -> Result<Arc<Channel>> {
        let state = self
            .pbx
            .until(|s| match s.channel_by_id(&self.id) {
                Some(c) => ready(c),
                None => true,
            })
            .await?;
        state
            .channel_by_id(&self.id)
            .cloned()
            .ok_or_else(|| Error::channel_gone(&self.id, &state))
    }

    /// Waits until the channel is up (answered).
    pub async fn until_up(&self) -> Result<Arc<Channel>> {
        self.until(Channel::is_up).await
    }

    /// Waits until the channel is in a bridge.
    pub async fn until_bridged(&self) -> Result<Arc<Channel>> {
        self.until(|c| c.bridge.is_some()).await
    }

    /// Waits until the channel has hung up; its hangup cause, when the
    /// model saw one.
    pub async fn until_hangup(&self) -> Result<Option<HangupCause>> {
        let state = self
            .pbx
            .until(|s| s.channel_by_id(&self.id).is_none())
            .await?;
        Ok(state
            .tombstones
            .get(&self.id.uniqueid)
            .filter(|t| t.id == self.id)
            .and_then(|t| t.cause))
    }
}

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallEnd {
    /// How long it lasted (from the model's view).
    pub duration: Duration,
    /// The cause of its first hangup.
    pub cause: Option<HangupCause>,
    /// What its far end did (see [`Call::dial_status`]).
    pub dial_status: Option<Str>,
}

/// A call (see [`Call`]): found by its id, following merges.
#[derive(Debug, Clone)]
pub struct CallHandle {
    pbx: Pbx,
    id: Str,
}

impl CallHandle {
    pub(crate) fn new(pbx: Pbx, id: Str) -> Self {
        CallHandle { pbx, id }
    }

    /// The id it was asked for.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The call now, or [`Error::Gone`] once it ended.
    pub fn get(&self) -> Result<Arc<Call>> {
        self.pbx
            .snapshot()
            .call(&self.id)
            .cloned()
            .ok_or_else(|| Error::gone("call", &self.id))
    }

    /// Its live channels.
    pub fn channels(&self) -> Result<Vec<Arc<Channel>>> {
        let state = self.pbx.snapshot();
        let call = state
            .call(&self.id)
            .ok_or_else(|| Error::gone("call", &self.id))?;
        Ok(call
            .channels
            .iter()
            .filter_map(|u| state.channel(u).cloned())
            .collect())
    }

    /// Waits until one of its channels is answered.
    pub async fn until_answered(&self) -> Result<Arc<Call>> {
        let state = self
            .pbx
            .until(|s| s.call(&self.id).is_none_or(|c| c.answered_at.is_some()))
            .await?;
        self.found(&state)
    }

    /// Waits until two of its channels talk.
    pub async fn until_connected(&self) -> Result<Arc<Call>> {
        let state = self
            .pbx
            .until(|s| s.call(&self.id).is_none_or(|c| c.connected_at.is_some()))
            .await?;
        self.found(&state)
    }

    fn found(&self, state: &State) -> Result<Arc<Call>> {
        state
            .call(&self.id)
            .cloned()
            .ok_or_else(|| Error::gone("call", &self.id))
    }

    /// Waits until the call has ended: how long it lasted, the cause of
    /// its first hangup and what its far end did.
    pub async fn until_ended(&self) -> Result<CallEnd> {
        let state = self.pbx.until(|s| s.call(&self.id).is_none()).await?;
        Ok(match state.ended_call(&self.id) {
            Some(e) => CallEnd {
                duration: e.duration(),
                cause: e.cause(),
                dial_status: e.call.dial_status.clone(),
            },
            // Forgotten already (past the tombstone bound) or never seen.
            None => CallEnd {
                duration: Duration::ZERO,
                cause: None,
                dial_status: None,
            },
        })
    }

    /// Hangs up every channel of the call.
    pub async fn hangup(&self) -> Result<()> {
        for ch in self.channels()? {
            let handle = ChannelHandle::new(self.pbx.clone(), ch.id.clone());
            match handle.hangup().await {
                Ok(()) => {}
                Err(e) if e.is_gone() => {}
                Err(Error::Ami(ami_types::Error::Action { .. })) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// A queue.
#[derive(Debug, Clone)]
pub struct QueueHandle {
    pbx: Pbx,
    name: Str,
}

impl QueueHandle {
    pub(crate) fn new(pbx: Pbx, name: Str) -> Self {
        QueueHandle { pbx, name }
    }

    /// The queue now, or [`Error::Gone`].
    pub fn get(&self) -> Result<Arc<Queue>> {
        self.pbx
            .snapshot()
            .queues
            .get(&self.name)
            .cloned()
            .ok_or_else(|| Error::gone("queue", &self.name))
    }

    /// Adds a member (`QueueAdd`).
    pub async fn add_member(&self, interface: &str, name: Option<&str>) -> Result<()> {
        self.get()?;
        let mut action = QueueAdd::new(&*self.name, interface);
        if let Some(name) = name {
            action = action.member_name(name);
        }
        self.pbx.client().send(&action).await?;
        Ok(())
    }

    /// Removes a member (`QueueRemove`).
    pub async fn remove_member(&self, interface: &str) -> Result<()> {
        let q = self.get()?;
        if !q.members.contains_key(interface) {
            return Err(Error::gone("queue member", interface));
        }
        self.pbx
            .client()
            .send(&QueueRemove::new(&*self.name, interface))
            .await?;
        Ok(())
    }

    /// Pauses or unpauses a member in this queue (`QueuePause`).
    pub async fn pause_member(&self, interface: &str, paused: bool, reason: &str) -> Result<()> {
        let q = self.get()?;
        if !q.members.contains_key(interface) {
            return Err(Error::gone("queue member", interface));
        }
        let mut action = QueuePause::new(interface, paused).queue(&*self.name);
        if !reason.is_empty() {
            action = action.reason(reason);
        }
        self.pbx.client().send(&action).await?;
        Ok(())
    }
}

/// A ConfBridge conference.
#[derive(Debug, Clone)]
pub struct ConferenceHandle {
    pbx: Pbx,
    name: Str,
}

impl ConferenceHandle {
    pub(crate) fn new(pbx: Pbx, name: Str) -> Self {
        ConferenceHandle { pbx, name }
    }

    /// The conference now, or [`Error::Gone`].
    pub fn get(&self) -> Result<Arc<Conference>> {
        self.pbx
            .snapshot()
            .conferences
            .get(&self.name)
            .cloned()
            .ok_or_else(|| Error::gone("conference", &self.name))
    }

    /// The participant's channel name, or [`Error::Gone`].
    fn participant(&self, uniqueid: &str) -> Result<Str> {
        self.get()?
            .participants
            .get(uniqueid)
            .map(|p| p.channel.clone())
            .ok_or_else(|| Error::gone("participant", uniqueid))
    }

    /// Kicks a participant, by `Uniqueid` (`ConfbridgeKick`).
    pub async fn kick(&self, uniqueid: &str) -> Result<()> {
        let channel = self.participant(uniqueid)?;
        self.pbx
            .client()
            .send(&ConfbridgeKick::new(&*self.name, &*channel))
            .await?;
        Ok(())
    }

    /// Mutes or unmutes a participant, by `Uniqueid`.
    pub async fn mute(&self, uniqueid: &str, muted: bool) -> Result<()> {
        let channel = self.participant(uniqueid)?;
        if muted {
            self.pbx
                .client()
                .send(&ConfbridgeMute::new(&*self.name, &*channel))
                .await?;
        } else {
            self.pbx
                .client()
                .send(&ConfbridgeUnmute::new(&*self.name, &*channel))
                .await?;
        }
        Ok(())
    }
}
