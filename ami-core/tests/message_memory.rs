//! What building a message costs, measured with a counting global
//! allocator (this test binary's only test, so nothing else allocates
//! meanwhile): a message written field by field is two allocations, and
//! appending to a message writes each field once instead of copying the
//! whole message per field.

use std::alloc::System;

use ami_core::{Message, MessageWriter};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[test]
fn a_written_message_is_two_allocations_and_appends_cost_what_the_fields_weigh() {
    // An Originate-sized action: the writer's text, then the packed
    // message.
    let region = Region::new(GLOBAL);
    let mut w = MessageWriter::action("Originate");
    w.field("Channel", "PJSIP/100")
        .field("Context", "from-internal")
        .field("Exten", "200")
        .field("Priority", 1)
        .field("Timeout", 30_000)
        .field("CallerID", "\"Desk\" <100>")
        .field("Variable", "CUSTOMER=42")
        .field("Variable", "CAMPAIGN=spring")
        .field("EarlyMedia", true)
        .field("Async", true);
    let msg = Message::from(w);
    assert_eq!(region.change().allocations, 2);
    assert_eq!(msg.len(), 11);
    assert_eq!(msg.get("timeout").unwrap(), "30000");

    // Appending 4,000 fields one by one: the bytes allocated grow with the
    // fields, not with their square (a copy of the whole message per
    // append would allocate about 2,000 times the final size).
    const FIELDS: usize = 4000;
    let region = Region::new(GLOBAL);
    let mut msg = Message::action("UpdateConfig");
    for i in 0..FIELDS {
        msg.append(format!("Var-{i:06}"), "x");
    }
    let allocated = region.change().bytes_allocated;
    let size = msg.heap_bytes();
    assert_eq!(msg.len(), FIELDS + 1);
    assert_eq!(msg.get("var-003999").unwrap(), "x");
    assert!(
        allocated < 40 * size,
        "{allocated} bytes allocated for a message of {size}"
    );

    // A clone shares the buffer: appending to one leaves the other as it was.
    let before = msg.clone();
    msg.append("Last", "1");
    assert_eq!(before.len(), FIELDS + 1);
    assert!(before.get("Last").is_none());
    assert_eq!(msg.get("Last").unwrap(), "1");
}
