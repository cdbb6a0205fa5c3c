//! Building the model from recorded bytes: the shared transcripts, a
//! user's own capture, for tests and post-mortems ("what was up at
//! 14:02").

use bytes::BytesMut;

use crate::change::ChangeRecord;
use crate::model::Model;
use ami_types::ami_core::codec::{Decoder, Frame};
use ami_types::event::Event;
use ami_types::{EventHeader, MessageKind};

/// What a replay produced.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The model after the last event replayed.
    pub model: Model,
    /// Every change, in order.
    pub changes: Vec<ChangeRecord>,
    /// Events applied.
    pub events: usize,
    /// Problems in the bytes (an oversized message, a bad greeting),
    /// skipped as a live connection skips them.
    pub errors: Vec<String>,
}

/// Replays the events of a recording (raw AMI bytes as received, with or
/// without the greeting line) into a new [`Model`].
///
/// ```
/// let bytes = b"Asterisk Call Manager/11.0.0\r\n\
/// Event: Newchannel\r\nChannel: PJSIP/100-00000001\r\nChannelState: 0\r\n\
/// Uniqueid: 1.1\r\nLinkedid: 1.1\r\n\r\n";
/// let replay = ami_live::replay(bytes);
/// assert_eq!(replay.events, 1);
/// assert_eq!(replay.model.state().channels.len(), 1);
/// ```
pub fn replay(bytes: &[u8]) -> Replay {
    replay_until(bytes, f64::INFINITY)
}

/// [`replay`] up to (and including) the last event whose AMI `Timestamp`
/// (`timestampevents = yes`) is at most `until`, in Unix seconds: the state
/// at that moment. Events without a timestamp are always applied.
pub fn replay_until(bytes: &[u8], until: f64) -> Replay {
    let mut decoder = if bytes.starts_with(b"Asterisk Call Manager") {
        Decoder::new()
    } else {
        Decoder::without_greeting()
    };
    let mut buf = BytesMut::from(bytes);
    let mut out = Replay {
        model: Model::new(),
        changes: Vec::new(),
        events: 0,
        errors: Vec::new(),
    };
    let mut eof = false;
    loop {
        let frame = if eof {
            decoder.decode_eof(&mut buf)
        } else {
            decoder.decode(&mut buf)
        };
        match frame {
            Ok(Some(Frame::Message(msg))) => {
                if msg.kind() != MessageKind::Event {
                    continue;
                }
                let event = Event::from_message(msg);
                if event.timestamp().is_some_and(|t| t > until) {
                    break;
                }
                out.events += 1;
                out.changes.extend(out.model.apply(event));
            }
            Ok(Some(Frame::Greeting(_))) => {}
            Ok(None) if eof => break,
            Ok(None) => eof = true,
            Err(e) => out.errors.push(e.to_string()),
        }
    }
    out
}
