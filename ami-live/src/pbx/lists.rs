//! Fetching the list answers a load starts from, each list skipped when
//! its module is absent.

use crate::error::Result;
use crate::model::Lists;
use ami_types::action::{
    BridgeList, ConfbridgeList, ConfbridgeListRooms, CoreShowChannels, PJSIPShowEndpoints,
    ParkedCalls, QueueStatus,
};
use ami_types::{Client, FromMessage, ListAction, Message};

/// The items of a list action, as messages; `None` when the action fails
/// (its module is not loaded, or it is not permitted).
pub(crate) async fn list_items<A: ListAction>(client: &Client, action: &A) -> Option<Vec<Message>> {
    match client.list(action).await {
        Ok(list) => Some(list.items.iter().map(|i| i.raw().clone()).collect()),
        Err(ami_types::Error::Action { message, .. })
            if message
                .to_ascii_lowercase()
                .contains("no active conferences") =>
        {
            Some(Vec::new())
        }
        Err(e) => {
            tracing::debug!(action = A::NAME, error = %e, "live model: list skipped");
            None
        }
    }
}

/// The items of a list action sent by name; `None` when it fails or does
/// not answer with a list.
pub(crate) async fn untyped_list(client: &Client, action: &str) -> Option<Vec<Message>> {
    match client.send_message(Message::action(action)).await {
        Ok(reply) if reply.is_list() => Some(reply.items),
        Ok(_) => None,
        Err(e) => {
            tracing::debug!(action, error = %e, "live model: list skipped");
            None
        }
    }
}

/// Every list the model loads from. `CoreShowChannels` must answer; the
/// others are skipped when their module is absent.
pub(crate) async fn fetch_lists(client: &Client, everything: bool) -> Result<Lists> {
    let (show, bridge_list, parked_calls, rooms_list, endpoint_list) = (
        CoreShowChannels::new(),
        BridgeList::new(),
        ParkedCalls::new(),
        ConfbridgeListRooms::new(),
        PJSIPShowEndpoints::new(),
    );
    let channels = client.list(&show);
    let bridges = list_items(client, &bridge_list);
    let queues = async {
        if everything {
            list_items(client, &QueueStatus::new()).await
        } else {
            None
        }
    };
    let parked = list_items(client, &parked_calls);
    let endpoints = async {
        // PJSIP where res_pjsip is loaded; chan_sip and IAX2 peers where
        // those modules are (Asterisk 18 and 20: their actions are not in
        // Asterisk 22's types, so they are sent by name).
        let (pjsip, sip, iax) = tokio::join!(
            list_items(client, &endpoint_list),
            untyped_list(client, "SIPpeers"),
            untyped_list(client, "IAXpeerlist"),
        );
        if pjsip.is_none() && sip.is_none() && iax.is_none() {
            return None;
        }
        Some(
            [pjsip, sip, iax]
                .into_iter()
                .flatten()
                .flatten()
                .collect::<Vec<Message>>(),
        )
    };
    let rooms = list_items(client, &rooms_list);
    let (channels, bridges, queues, parked, rooms, endpoints) =
        tokio::join!(channels, bridges, queues, parked, rooms, endpoints);
    let channels = channels?;
    let conferences = match rooms {
        Some(rooms) => {
            let mut out = Vec::new();
            for room in rooms {
                let name = ami_types::event::ConfbridgeListRooms::from_message(room.clone())
                    .conference()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let members = list_items(client, &ConfbridgeList::new(name))
                    .await
                    .unwrap_or_default();
                out.push((room, members));
            }
            Some(out)
        }
        None => None,
    };
    Ok(Lists {
        channels: Some(channels.items.iter().map(|i| i.raw().clone()).collect()),
        bridges,
        queues,
        parked,
        conferences,
        endpoints,
    })
}
