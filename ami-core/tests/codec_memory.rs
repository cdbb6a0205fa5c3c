//! What a decoded message keeps alive, measured with a counting global
//! allocator (this test binary's only test, so nothing else allocates
//! meanwhile): one kept event holds its own bytes, not the read buffer it
//! was cut from, and decoding costs one allocation per message.

use std::alloc::System;

use ami_core::codec::{Decoder, Frame};
use bytes::BytesMut;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn event(n: usize) -> String {
    format!(
        "Event: Newchannel\r\nPrivilege: call,all\r\nChannel: PJSIP/100-{n:08x}\r\n\
         ChannelState: 0\r\nChannelStateDesc: Down\r\nCallerIDNum: 100\r\n\
         CallerIDName: Alice\r\nConnectedLineNum: <unknown>\r\nConnectedLineName: <unknown>\r\n\
         Language: en\r\nAccountCode: \r\nContext: from-internal\r\nExten: 200\r\n\
         Priority: 1\r\nUniqueid: 1700000000.{n}\r\nLinkedid: 1700000000.{n}\r\n\r\n"
    )
}

#[test]
fn one_kept_event_keeps_its_own_bytes_and_decoding_allocates_once_per_message() {
    const EVENTS: usize = 2000;
    let wire: String = (0..EVENTS).map(event).collect();
    let mut dec = Decoder::without_greeting();

    let live = |r: &Region<System>| {
        let s = r.change();
        s.bytes_allocated as isize - s.bytes_deallocated as isize
    };

    // Decode everything from one read buffer (as a socket reader with a
    // large read would), keep only the 1000th event.
    let region = Region::new(GLOBAL);
    let mut buf = BytesMut::from(wire.as_bytes());
    let before_decode = region.change().allocations;
    let mut kept = None;
    let mut n = 0;
    while let Some(Frame::Message(m)) = dec.decode(&mut buf).unwrap() {
        if n == EVENTS / 2 {
            kept = Some(m);
        }
        n += 1;
    }
    let allocations = region.change().allocations - before_decode;
    assert_eq!(n, EVENTS);
    // One per message, plus the decoder's own reused scratch space (and a
    // margin for whatever the harness's other threads allocate meanwhile;
    // two per message would be far past it).
    assert!(
        allocations <= EVENTS + EVENTS / 20,
        "{allocations} allocations for {EVENTS} messages"
    );
    drop(buf);
    let kept = kept.unwrap();
    assert_eq!(kept.get("Uniqueid").unwrap(), "1700000000.1000");
    // What the kept event holds is what dropping it frees (measured across
    // that one drop, so other threads of the test harness do not count).
    let before = live(&region);
    drop(kept);
    let freed = before - live(&region);
    let own = event(EVENTS / 2).len();
    assert!(
        freed > 0 && (freed as usize) < own * 2,
        "one kept event of {own} wire bytes held {freed} bytes (the read buffer was {} bytes)",
        wire.len()
    );
}
