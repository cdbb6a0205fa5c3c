//! An exhaustive `match` over [`Event`]: every variant is named, grouped by
//! family with `|`, and there is no `_ =>` arm. When the crate is
//! regenerated for a newer Asterisk that adds events, this `match` stops
//! compiling and lists them: nothing new goes unhandled by accident. (Events
//! that no build knows arrive as `Event::Unknown`, with the whole message.)
//!
//! ```text
//! cargo run -p ami-types --example exhaustive_match
//! AMI_URL=ami://admin:secret@pbx.example.com:5038 EVENTS=500 cargo run -p ami-types --example exhaustive_match
//! ```
//!
//! Without `AMI_URL` it starts the embedded AMI server, places three calls
//! (answered, busy, into a queue), sends a custom event, sorts every event
//! into its family until the calls are over, and prints the tally. With
//! `AMI_URL` it sorts `EVENTS` events (default 200), or what comes in 60 s.
//!
//! The `match` is written for Asterisk 22.10.1, the newest documentation in
//! the workspace, which `ami-types` is generated from by default. It is
//! built only when `ami-types` was generated from that version
//! (`cfg(ami_spec = "22.10.1")`, set by its build script); for any other the
//! example only says so. To meet a new version's compile errors in your own
//! code: regenerate for it (`AMI_SPEC_XML=…`), build, and add each event the
//! errors name to the arm of its family (or remove the ones it lacks).

#[cfg(ami_spec = "22.10.1")]
mod written_for_22_10_1 {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use ami_server::{Server, ServerConfig};
    use ami_types::action::{Originate, UserEvent};
    use ami_types::event::Event;
    use ami_types::{Message, StreamError};

    #[tokio::main]
    pub async fn main() -> Result<(), Box<dyn std::error::Error>> {
        let (url, server) = match std::env::var("AMI_URL") {
            Ok(url) => (url, None),
            Err(_) => {
                let config = ServerConfig {
                    time_scale: 0.05,
                    ..ServerConfig::default()
                };
                println!("AMI_URL is not set: using the embedded AMI server");
                let server = Server::start(config).await?;
                (server.url(), Some(server))
            }
        };
        let (client, mut events) = ami_types::connect(&url).await?;

        let limit = match &server {
            Some(server) => {
                for call in [
                    Originate::new("Local/100@default")
                        .application("Wait")
                        .data("2"),
                    Originate::new("PJSIP/busy").application("Wait").data("1"),
                    Originate::new("PJSIP/5550100")
                        .application("Queue")
                        .data("support"),
                ] {
                    client.originate(&call).await?;
                }
                client
                    .send(&UserEvent::new("Tally").header1("from the example"))
                    .await?;
                // An event no Asterisk documents: it arrives as Event::Unknown.
                let mut custom = Message::new();
                custom.append("Event", "MyCompanyHeartbeat");
                custom.append("Privilege", "system,all");
                custom.append("Sequence", "1");
                server.emit(custom);
                usize::MAX
            }
            None => std::env::var("EVENTS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(200),
        };

        let mut tally: BTreeMap<Family, BTreeMap<String, usize>> = BTreeMap::new();
        let deadline = tokio::time::sleep(Duration::from_secs(60));
        tokio::pin!(deadline);
        let mut seen = 0;
        while seen < limit {
            // Against the embedded server: stop once the calls are over and
            // nothing more has come for a while.
            let calls_over = server.as_ref().is_some_and(|s| s.active_calls() == 0);
            let idle = tokio::time::sleep(Duration::from_millis(300));
            let event = tokio::select! {
                event = events.recv() => event,
                _ = &mut deadline => break,
                _ = idle, if calls_over => break,
            };
            match event {
                Ok(event) => {
                    seen += 1;
                    *tally
                        .entry(family(&event))
                        .or_default()
                        .entry(event.name().to_owned())
                        .or_default() += 1;
                }
                Err(StreamError::Lagged(n)) => println!("({n} events missed)"),
                Err(StreamError::Reconnected(gap)) => println!("({gap})"),
                Err(StreamError::Disconnected(why)) => {
                    println!("connection closed: {why}");
                    break;
                }
            }
        }

        println!("{seen} events:");
        for (family, names) in &tally {
            let total: usize = names.values().sum();
            println!("  {:<40} {total:>4}", family.label());
            for (name, n) in names {
                println!("      {name:<36} {n:>4}");
            }
        }
        if client.is_connected() {
            client.close().await?;
        }
        Ok(())
    }

    /// The family of an event: one explicit arm per family, every variant named.
    fn family(event: &Event) -> Family {
        match event {
            // Channel lifecycle and state.
            Event::Newchannel(_)
            | Event::Newstate(_)
            | Event::NewCallerid(_)
            | Event::NewConnectedLine(_)
            | Event::NewAccountCode(_)
            | Event::NewExten(_)
            | Event::Rename(_)
            | Event::VarSet(_)
            | Event::HangupRequest(_)
            | Event::SoftHangupRequest(_)
            | Event::Hangup(_)
            | Event::HangupHandlerPush(_)
            | Event::HangupHandlerPop(_)
            | Event::HangupHandlerRun(_) => Family::ChannelLifecycle,
            // In-call media and signalling.
            Event::Hold(_)
            | Event::Unhold(_)
            | Event::DTMFBegin(_)
            | Event::DTMFEnd(_)
            | Event::Flash(_)
            | Event::Wink(_)
            | Event::MusicOnHoldStart(_)
            | Event::MusicOnHoldStop(_)
            | Event::ChannelTalkingStart(_)
            | Event::ChannelTalkingStop(_)
            | Event::MixMonitorStart(_)
            | Event::MixMonitorStop(_)
            | Event::MixMonitorMute(_)
            | Event::ChanSpyStart(_)
            | Event::ChanSpyStop(_)
            | Event::RTCPReceived(_)
            | Event::RTCPSent(_) => Family::Media,
            // Dialling and originating.
            Event::DialBegin(_)
            | Event::DialState(_)
            | Event::DialEnd(_)
            | Event::OriginateResponse(_)
            | Event::Pickup(_)
            | Event::MCID(_)
            // Call completion (CCBS/CCNR).
            | Event::CCAvailable(_)
            | Event::CCOfferTimerStart(_)
            | Event::CCRequested(_)
            | Event::CCRequestAcknowledged(_)
            | Event::CCCallerStartMonitoring(_)
            | Event::CCCallerStopMonitoring(_)
            | Event::CCCallerRecalling(_)
            | Event::CCRecallComplete(_)
            | Event::CCFailure(_)
            | Event::CCMonitorFailed(_) => Family::Dial,
            // Bridges, Local channels and transfers.
            Event::BridgeCreate(_)
            | Event::BridgeEnter(_)
            | Event::BridgeLeave(_)
            | Event::BridgeDestroy(_)
            | Event::BridgeMerge(_)
            | Event::BridgeVideoSourceUpdate(_)
            | Event::LocalBridge(_)
            | Event::LocalOptimizationBegin(_)
            | Event::LocalOptimizationEnd(_)
            | Event::AttendedTransfer(_)
            | Event::BlindTransfer(_) => Family::Bridge,
            // Queues.
            Event::QueueCallerJoin(_)
            | Event::QueueCallerLeave(_)
            | Event::QueueCallerAbandon(_)
            | Event::QueueMemberAdded(_)
            | Event::QueueMemberRemoved(_)
            | Event::QueueMemberPause(_)
            | Event::QueueMemberPenalty(_)
            | Event::QueueMemberRinginuse(_)
            | Event::QueueMemberStatus(_) => Family::Queue,
            // Agents.
            Event::AgentCalled(_)
            | Event::AgentConnect(_)
            | Event::AgentComplete(_)
            | Event::AgentDump(_)
            | Event::AgentRingNoAnswer(_)
            | Event::AgentLogin(_)
            | Event::AgentLogoff(_) => Family::Agent,
            // CDR, CEL and advice of charge.
            Event::Cdr(_) | Event::CEL(_) | Event::AocD(_) | Event::AocE(_) | Event::AocS(_) => {
                Family::Billing
            }
            // Security (res_security_log).
            Event::AuthMethodNotAllowed(_)
            | Event::ChallengeResponseFailed(_)
            | Event::ChallengeSent(_)
            | Event::FailedACL(_)
            | Event::InvalidAccountID(_)
            | Event::InvalidPassword(_)
            | Event::InvalidTransport(_)
            | Event::LoadAverageLimit(_)
            | Event::MemoryLimit(_)
            | Event::RequestBadFormat(_)
            | Event::RequestNotAllowed(_)
            | Event::RequestNotSupported(_)
            | Event::SessionLimit(_)
            | Event::SuccessfulAuth(_)
            | Event::UnexpectedAddress(_) => Family::Security,
            // Conferences.
            Event::ConfbridgeStart(_)
            | Event::ConfbridgeEnd(_)
            | Event::ConfbridgeJoin(_)
            | Event::ConfbridgeLeave(_)
            | Event::ConfbridgeMute(_)
            | Event::ConfbridgeUnmute(_)
            | Event::ConfbridgeRecord(_)
            | Event::ConfbridgeStopRecord(_)
            | Event::ConfbridgeTalking(_)
            | Event::MeetmeJoin(_)
            | Event::MeetmeLeave(_)
            | Event::MeetmeEnd(_)
            | Event::MeetmeMute(_)
            | Event::MeetmeTalking(_)
            | Event::MeetmeTalkRequest(_) => Family::Conference,
            // Parking.
            Event::ParkedCall(_)
            | Event::ParkedCallGiveUp(_)
            | Event::ParkedCallSwap(_)
            | Event::ParkedCallTimeOut(_)
            | Event::UnParkedCall(_) => Family::Parking,
            // AGI.
            Event::AGIExecStart(_)
            | Event::AGIExecEnd(_)
            | Event::AsyncAGIStart(_)
            | Event::AsyncAGIExec(_)
            | Event::AsyncAGIEnd(_) => Family::Agi,
            // Endpoints and registrations.
            Event::ContactStatus(_)
            | Event::PeerStatus(_)
            | Event::Registry(_)
            | Event::DeviceStateChange(_)
            | Event::ExtensionStatus(_)
            | Event::PresenceStateChange(_)
            | Event::JabberStatus(_)
            | Event::PresenceStatus(_)
            | Event::DNDState(_) => Family::Endpoint,
            // Voicemail and message waiting.
            Event::MessageWaiting(_)
            | Event::MiniVoiceMail(_)
            | Event::VoicemailPasswordChange(_) => Family::Voicemail,
            // Fax.
            Event::FAXStatus(_) | Event::ReceiveFAX(_) | Event::SendFAX(_) => Family::Fax,
            // DAHDI and PRI hardware.
            Event::Alarm(_)
            | Event::AlarmClear(_)
            | Event::SpanAlarm(_)
            | Event::SpanAlarmClear(_)
            | Event::DAHDIChannel(_) => Family::Hardware,
            // User-defined (UserEvent).
            Event::UserEvent(_) => Family::User,
            // The system.
            Event::FullyBooted(_)
            | Event::Reload(_)
            | Event::Load(_)
            | Event::Unload(_)
            | Event::Shutdown(_)
            | Event::LogChannel(_)
            | Event::DeadlockStart(_) => Family::System,
            // Items and completions of action lists.
            Event::Agents(_)
            | Event::AgentsComplete(_)
            | Event::AorDetail(_)
            | Event::AorList(_)
            | Event::AorListComplete(_)
            | Event::AuthDetail(_)
            | Event::AuthList(_)
            | Event::AuthListComplete(_)
            | Event::BridgeInfoChannel(_)
            | Event::BridgeInfoComplete(_)
            | Event::BridgeListItem(_)
            | Event::BridgeListComplete(_)
            | Event::BridgeTechnologyListItem(_)
            | Event::BridgeTechnologyListComplete(_)
            | Event::ChannelHungup(_)
            | Event::ChannelsHungupListComplete(_)
            | Event::ConfbridgeList(_)
            | Event::ConfbridgeListComplete(_)
            | Event::ConfbridgeListRooms(_)
            | Event::ConfbridgeListRoomsComplete(_)
            | Event::ContactList(_)
            | Event::ContactListComplete(_)
            | Event::ContactStatusDetail(_)
            | Event::ContactStatusDetailComplete(_)
            | Event::CoreShowChannel(_)
            | Event::CoreShowChannelsComplete(_)
            | Event::CoreShowChannelMap(_)
            | Event::CoreShowChannelMapComplete(_)
            | Event::DAHDIShowChannels(_)
            | Event::DAHDIShowChannelsComplete(_)
            | Event::DAHDIShowStatus(_)
            | Event::DAHDIShowStatusComplete(_)
            | Event::DBGetResponse(_)
            | Event::DBGetComplete(_)
            | Event::DBGetTreeResponse(_)
            | Event::DBGetTreeComplete(_)
            | Event::DeviceStateListComplete(_)
            | Event::EndpointDetail(_)
            | Event::EndpointDetailComplete(_)
            | Event::EndpointList(_)
            | Event::EndpointListComplete(_)
            | Event::ExtensionStateListComplete(_)
            | Event::FAXSession(_)
            | Event::FAXSessionsEntry(_)
            | Event::FAXSessionsComplete(_)
            | Event::FAXStats(_)
            | Event::IdentifyDetail(_)
            | Event::InboundRegistrationDetail(_)
            | Event::InboundRegistrationDetailComplete(_)
            | Event::InboundSubscriptionDetail(_)
            | Event::InboundSubscriptionDetailComplete(_)
            | Event::ListDialplan(_)
            | Event::ShowDialPlanComplete(_)
            | Event::MeetmeList(_)
            | Event::MeetmeListComplete(_)
            | Event::MeetmeListRooms(_)
            | Event::MeetmeListRoomsComplete(_)
            | Event::MWIGet(_)
            | Event::MWIGetComplete(_)
            | Event::OutboundRegistrationDetail(_)
            | Event::OutboundRegistrationDetailComplete(_)
            | Event::OutboundSubscriptionDetail(_)
            | Event::OutboundSubscriptionDetailComplete(_)
            | Event::ParkedCallsComplete(_)
            | Event::Parkinglot(_)
            | Event::ParkinglotsComplete(_)
            | Event::PeerEntry(_)
            | Event::PeerlistComplete(_)
            | Event::PJSIPMaintenanceStatus(_)
            | Event::PJSIPMaintenanceStatusComplete(_)
            | Event::PresenceStateListComplete(_)
            | Event::PRIShowSpans(_)
            | Event::PRIShowSpansComplete(_)
            | Event::QueueEntry(_)
            | Event::QueueMember(_)
            | Event::QueueParams(_)
            | Event::QueueStatusComplete(_)
            | Event::QueueSummary(_)
            | Event::QueueSummaryComplete(_)
            | Event::RegistrationsComplete(_)
            | Event::RegistryEntry(_)
            | Event::ResourceListDetail(_)
            | Event::ResourceListDetailComplete(_)
            | Event::Status(_)
            | Event::StatusComplete(_)
            | Event::TransportDetail(_)
            | Event::VoicemailBoxDetail(_)
            | Event::VoicemailBoxDetailComplete(_)
            | Event::VoicemailUserDetail(_)
            | Event::VoicemailUserDetailComplete(_)
            | Event::VoicemailUserEntry(_)
            | Event::VoicemailUserEntryComplete(_)
            | Event::WaitEventComplete(_) => Family::ListItem,
            // Anything this build does not know (a newer Asterisk, a module's own
            // events): the whole message is kept.
            Event::Unknown(_) => Family::Unknown,
        }
    }

    /// Event families, in the order they are printed.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum Family {
        /// Channel lifecycle and state.
        ChannelLifecycle,
        /// In-call media and signalling.
        Media,
        /// Dialling and originating.
        Dial,
        /// Bridges, Local channels and transfers.
        Bridge,
        /// Queues.
        Queue,
        /// Agents.
        Agent,
        /// CDR, CEL and advice of charge.
        Billing,
        /// Security (res_security_log).
        Security,
        /// Conferences.
        Conference,
        /// Parking.
        Parking,
        /// AGI.
        Agi,
        /// Endpoints and registrations.
        Endpoint,
        /// Voicemail and message waiting.
        Voicemail,
        /// Fax.
        Fax,
        /// DAHDI and PRI hardware.
        Hardware,
        /// User-defined (UserEvent).
        User,
        /// The system.
        System,
        /// Items and completions of action lists.
        ListItem,
        /// Events this build does not know.
        Unknown,
    }

    impl Family {
        fn label(self) -> &'static str {
            match self {
                Family::ChannelLifecycle => "channel lifecycle and state",
                Family::Media => "in-call media and signalling",
                Family::Dial => "dialling and originating",
                Family::Bridge => "bridges, Local channels and transfers",
                Family::Queue => "queues",
                Family::Agent => "agents",
                Family::Billing => "CDR, CEL and advice of charge",
                Family::Security => "security (res_security_log)",
                Family::Conference => "conferences",
                Family::Parking => "parking",
                Family::Agi => "AGI",
                Family::Endpoint => "endpoints and registrations",
                Family::Voicemail => "voicemail and message waiting",
                Family::Fax => "fax",
                Family::Hardware => "DAHDI and PRI hardware",
                Family::User => "user-defined (UserEvent)",
                Family::System => "the system",
                Family::ListItem => "items and completions of action lists",
                Family::Unknown => "unknown to this build",
            }
        }
    }
}

#[cfg(ami_spec = "22.10.1")]
fn main() -> std::process::ExitCode {
    match written_for_22_10_1::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("exhaustive_match: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(not(ami_spec = "22.10.1"))]
fn main() {
    println!(
        "this example's exhaustive match is written for Asterisk 22.10.1; \
         ami-types was generated from another version, whose new or missing \
         events it would name as compile errors"
    );
}
