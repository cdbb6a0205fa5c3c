//! The `Cdr` event written when a channel's call ends (`cdr_manager`).

use std::time::Instant;

use super::clock::date_time;
use super::world::{event, CallerId, Channel, World};
use crate::ServerConfig;
use ami_core::message::Message;

/// The `Cdr` event of a channel that has just hung up, with the fields and
/// spelling of Asterisk's `cdr_manager`. Times come from the simulated
/// clock ([`World::clock`]); durations are simulated seconds.
pub(crate) fn cdr_event(w: &World, ch: &Channel, config: &ServerConfig) -> Message {
    let now = Instant::now();
    let start = w.clock(ch.created, config);
    let end = w.clock(now, config).max(start);
    let answer = ch.answered.map(|at| w.clock(at, config).clamp(start, end));
    let disposition = match (ch.disposition, answer) {
        (Some(d), _) => d,
        (None, Some(_)) => "ANSWERED",
        (None, None) => "NO ANSWER",
    };
    let mut m = event("Cdr", "cdr,all");
    m.append("AccountCode", "");
    m.append("Source", ch.caller.num.as_str());
    m.append("Destination", ch.exten.as_str());
    m.append("DestinationContext", ch.context.as_str());
    m.append("CallerID", caller_id_text(&ch.caller));
    m.append("Channel", ch.name.as_str());
    m.append(
        "DestinationChannel",
        ch.dest_channel.as_deref().unwrap_or(""),
    );
    m.append("LastApplication", ch.application.as_str());
    m.append("LastData", ch.app_data.as_str());
    m.append("StartTime", date_time(start));
    m.append("AnswerTime", answer.map(date_time).unwrap_or_default());
    m.append("EndTime", date_time(end));
    m.append("Duration", end - start);
    m.append("BillableSeconds", answer.map_or(0, |a| end - a));
    m.append("Disposition", disposition);
    m.append("AMAFlags", "DOCUMENTATION");
    m.append("UniqueID", ch.uniqueid.as_str());
    m.append("UserField", "");
    m
}

/// A caller ID as the CDR shows it: `"Name" <num>`, or whichever part
/// there is.
pub(crate) fn caller_id_text(cid: &CallerId) -> String {
    match (cid.name.is_empty(), cid.num.is_empty()) {
        (false, false) => format!("\"{}\" <{}>", cid.name, cid.num),
        (false, true) => cid.name.clone(),
        (true, false) => cid.num.clone(),
        (true, true) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_id_as_cdr_shows_it() {
        let cid = CallerId::parse("\"Queue Caller\" <5550400>");
        assert_eq!(caller_id_text(&cid), "\"Queue Caller\" <5550400>");
        assert_eq!(caller_id_text(&CallerId::parse("5550400")), "5550400");
        assert_eq!(caller_id_text(&CallerId::default()), "");
    }
}
