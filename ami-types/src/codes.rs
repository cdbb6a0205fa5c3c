//! Values Asterisk takes from fixed sets it sends as numbers: hangup
//! causes, originate outcomes, channel and device states. Each keeps a number outside
//! its set (`Other`), so reading one never fails.
//!
//! ```
//! use ami_types::codes::{ChannelState, DeviceState, HangupCause, OriginateReason};
//!
//! let cause = HangupCause::from_code(17);
//! assert_eq!(cause, HangupCause::UserBusy);
//! assert_eq!(cause.name(), "USER_BUSY");
//! assert_eq!(cause.code(), 17);
//! assert_eq!(cause.to_string(), "USER_BUSY (17)");
//! assert_eq!(HangupCause::from_code(250), HangupCause::Other(250));
//! assert_eq!(OriginateReason::from_code(5), OriginateReason::Busy);
//! assert_eq!(DeviceState::from_code(1), DeviceState::NotInUse);
//! assert!(ChannelState::from_code(6).is_up());
//! ```

use std::fmt;

use ami_core::Text;

macro_rules! codes {
    (
        $(#[$meta:meta])*
        $name:ident, $prefix:literal {
            $($(#[$vmeta:meta])* $variant:ident = $code:literal, $wire:literal;)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* #[doc = concat!("`", $prefix, $wire, "` (", $code, ").")] $variant,)*
            /// A number outside the set, kept as it came.
            Other(i64),
        }

        impl $name {
            /// The value of a number (`Other` for one outside the set).
            pub fn from_code(code: i64) -> Self {
                match code {
                    $($code => $name::$variant,)*
                    other => $name::Other(other),
                }
            }

            /// The number on the wire.
            pub fn code(self) -> i64 {
                match self {
                    $($name::$variant => $code,)*
                    $name::Other(code) => code,
                }
            }

            /// Asterisk's name of the value, without its prefix
            #[doc = concat!("(`", $prefix, "…`);")]
            /// `"OTHER"` for a number outside the set.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Other(_) => "OTHER",
                }
            }
        }

        impl Default for $name {
            /// The value of 0.
            fn default() -> Self {
                $name::from_code(0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{} ({})", self.name(), self.code())
            }
        }

        impl From<&Text> for $name {
            /// The value of a wire text holding a number; `Other(-1)` when
            /// it holds none (accessors never pass one: they read the
            /// number first).
            fn from(text: &Text) -> Self {
                crate::runtime::parse_integer(text.as_bytes().trim_ascii())
                    .map_or($name::Other(-1), $name::from_code)
            }
        }

        impl serde::Serialize for $name {
            /// As its number on the wire.
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i64(self.code())
            }
        }

        impl crate::AsFieldValue for $name {
            fn as_field_value(&self) -> crate::FieldValue<'_> {
                crate::FieldValue::Integer(self.code())
            }
        }
    };
}

codes! {
    /// Why a channel hung up: the `AST_CAUSE_*` code of a `Hangup`,
    /// `HangupRequest` or `SoftHangupRequest` (`Cause`), Q.850 numbers.
    HangupCause, "AST_CAUSE_" {
        /// No cause given.
        NotDefined = 0, "NOTDEFINED";
        Unallocated = 1, "UNALLOCATED";
        NoRouteTransitNet = 2, "NO_ROUTE_TRANSIT_NET";
        NoRouteDestination = 3, "NO_ROUTE_DESTINATION";
        MisdialledTrunkPrefix = 5, "MISDIALLED_TRUNK_PREFIX";
        ChannelUnacceptable = 6, "CHANNEL_UNACCEPTABLE";
        CallAwardedDelivered = 7, "CALL_AWARDED_DELIVERED";
        PreEmpted = 8, "PRE_EMPTED";
        NumberPortedNotHere = 14, "NUMBER_PORTED_NOT_HERE";
        /// The call ended normally.
        NormalClearing = 16, "NORMAL_CLEARING";
        /// The far end was busy.
        UserBusy = 17, "USER_BUSY";
        NoUserResponse = 18, "NO_USER_RESPONSE";
        /// Rang without answer.
        NoAnswer = 19, "NO_ANSWER";
        SubscriberAbsent = 20, "SUBSCRIBER_ABSENT";
        CallRejected = 21, "CALL_REJECTED";
        NumberChanged = 22, "NUMBER_CHANGED";
        RedirectedToNewDestination = 23, "REDIRECTED_TO_NEW_DESTINATION";
        AnsweredElsewhere = 26, "ANSWERED_ELSEWHERE";
        DestinationOutOfOrder = 27, "DESTINATION_OUT_OF_ORDER";
        InvalidNumberFormat = 28, "INVALID_NUMBER_FORMAT";
        FacilityRejected = 29, "FACILITY_REJECTED";
        ResponseToStatusEnquiry = 30, "RESPONSE_TO_STATUS_ENQUIRY";
        NormalUnspecified = 31, "NORMAL_UNSPECIFIED";
        /// Congestion.
        NormalCircuitCongestion = 34, "NORMAL_CIRCUIT_CONGESTION";
        NetworkOutOfOrder = 38, "NETWORK_OUT_OF_ORDER";
        NormalTemporaryFailure = 41, "NORMAL_TEMPORARY_FAILURE";
        SwitchCongestion = 42, "SWITCH_CONGESTION";
        AccessInfoDiscarded = 43, "ACCESS_INFO_DISCARDED";
        RequestedChanUnavail = 44, "REQUESTED_CHAN_UNAVAIL";
        FacilityNotSubscribed = 50, "FACILITY_NOT_SUBSCRIBED";
        OutgoingCallBarred = 52, "OUTGOING_CALL_BARRED";
        IncomingCallBarred = 54, "INCOMING_CALL_BARRED";
        BearerCapabilityNotAuth = 57, "BEARERCAPABILITY_NOTAUTH";
        BearerCapabilityNotAvail = 58, "BEARERCAPABILITY_NOTAVAIL";
        BearerCapabilityNotImpl = 65, "BEARERCAPABILITY_NOTIMPL";
        ChanNotImplemented = 66, "CHAN_NOT_IMPLEMENTED";
        FacilityNotImplemented = 69, "FACILITY_NOT_IMPLEMENTED";
        InvalidCallReference = 81, "INVALID_CALL_REFERENCE";
        IncompatibleDestination = 88, "INCOMPATIBLE_DESTINATION";
        InvalidMsgUnspecified = 95, "INVALID_MSG_UNSPECIFIED";
        MandatoryIeMissing = 96, "MANDATORY_IE_MISSING";
        MessageTypeNonexist = 97, "MESSAGE_TYPE_NONEXIST";
        WrongMessage = 98, "WRONG_MESSAGE";
        IeNonexist = 99, "IE_NONEXIST";
        InvalidIeContents = 100, "INVALID_IE_CONTENTS";
        WrongCallState = 101, "WRONG_CALL_STATE";
        RecoveryOnTimerExpire = 102, "RECOVERY_ON_TIMER_EXPIRE";
        MandatoryIeLengthError = 103, "MANDATORY_IE_LENGTH_ERROR";
        ProtocolError = 111, "PROTOCOL_ERROR";
        Interworking = 127, "INTERWORKING";
    }
}

codes! {
    /// How an `Originate` ended: the `Reason` of an `OriginateResponse`
    /// (the last control frame the dialed channel sent).
    OriginateReason, "AST_CONTROL_" {
        /// The call could not be placed (no such channel, technology or
        /// host).
        Failed = 0, "FAILED";
        /// The far end hung up before answering.
        HungUp = 1, "HANGUP";
        /// It rang until the originate's `Timeout`: no answer.
        NoAnswer = 3, "RINGING";
        /// Answered.
        Answered = 4, "ANSWER";
        /// Busy.
        Busy = 5, "BUSY";
        /// Congestion.
        Congestion = 8, "CONGESTION";
    }
}

codes! {
    /// The state of a device: the `AST_DEVICE_*` `Status` of a queue member
    /// (`QueueMember`, `QueueMemberStatus`, …).
    DeviceState, "AST_DEVICE_" {
        Unknown = 0, "UNKNOWN";
        /// Free.
        NotInUse = 1, "NOT_INUSE";
        InUse = 2, "INUSE";
        Busy = 3, "BUSY";
        Invalid = 4, "INVALID";
        Unavailable = 5, "UNAVAILABLE";
        Ringing = 6, "RINGING";
        RingInUse = 7, "RINGINUSE";
        OnHold = 8, "ONHOLD";
    }
}

codes! {
    /// The state of a channel: the `AST_STATE_*` number of a channel
    /// snapshot's `ChannelState` (its `ChannelStateDesc` says the same in
    /// words).
    ChannelState, "AST_STATE_" {
        /// Idle: not yet dialled, or hung up.
        Down = 0, "DOWN";
        /// Reserved by a channel driver, not yet in use.
        Reserved = 1, "RESERVED";
        /// Off hook, no digits yet.
        OffHook = 2, "OFFHOOK";
        /// Digits are being sent.
        Dialing = 3, "DIALING";
        /// Ringing out: this channel called and hears ringback.
        Ring = 4, "RING";
        /// Ringing in: this channel is being called.
        Ringing = 5, "RINGING";
        /// Answered: media flows.
        Up = 6, "UP";
        /// Busy.
        Busy = 7, "BUSY";
        /// Digits sent while already off hook.
        DialingOffHook = 8, "DIALING_OFFHOOK";
        /// Not yet ringing (before the first ring on some lines).
        PreRing = 9, "PRERING";
    }
}

impl ChannelState {
    /// Whether the channel is answered.
    pub fn is_up(self) -> bool {
        self == ChannelState::Up
    }

    /// Whether the channel rings, out ([`Ring`](Self::Ring)) or in
    /// ([`Ringing`](Self::Ringing)).
    pub fn is_ringing(self) -> bool {
        matches!(self, ChannelState::Ring | ChannelState::Ringing)
    }
}

impl OriginateReason {
    /// Whether the call was answered.
    pub fn is_answered(self) -> bool {
        self == OriginateReason::Answered
    }

    /// What happened, in words: `answered`, `busy`, `no answer`,
    /// `congestion`, `hung up`, `failed`, or `other` for a number outside
    /// the set.
    pub fn outcome(self) -> &'static str {
        match self {
            OriginateReason::Answered => "answered",
            OriginateReason::Busy => "busy",
            OriginateReason::NoAnswer => "no answer",
            OriginateReason::Congestion => "congestion",
            OriginateReason::HungUp => "hung up",
            OriginateReason::Failed => "failed",
            OriginateReason::Other(_) => "other",
        }
    }
}

impl DeviceState {
    /// Whether a queue would ring it now (free, or state unknown as
    /// Asterisk treats it).
    pub fn is_free(self) -> bool {
        matches!(self, DeviceState::NotInUse | DeviceState::Unknown)
    }
}
