//! What a peer or a file controls never panics the parsers: filters as
//! Asterisk reads them (the embedded server reads them from the network),
//! and transcripts read back.

use ami_core::filter::EventFilter;
use ami_core::transcript;
use proptest::prelude::*;

proptest! {
    #[test]
    fn filter_parsing_never_panics(criteria in proptest::option::of(".{0,64}"), filter in ".{0,64}") {
        let _ = EventFilter::parse(criteria.as_deref(), &filter);
    }

    #[test]
    fn filter_criteria_from_the_alphabet_never_panic(
        criteria in "[a-z(), !:_]{0,48}",
        filter in "[!a-z]{0,8}",
    ) {
        if let Ok(f) = EventFilter::parse(Some(&criteria), &filter) {
            // What parses can be written again, and reads the same.
            if let Ok(msg) = f.to_message() {
                let again = EventFilter::parse(msg.get_str("MatchCriteria"), msg.get_str("Filter").unwrap_or(""));
                prop_assert_eq!(again.ok(), Some(f));
            }
        }
    }

    #[test]
    fn transcript_parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = transcript::parse(&bytes);
    }

    #[test]
    fn transcripts_of_headers_that_look_right_never_panic(
        secs in any::<u64>(), micros in any::<u64>(), dir in "[<>#?]", len in any::<usize>(), body in ".{0,16}",
    ) {
        let text = format!("{secs}.{micros} {dir} {len}\n{body}\n");
        let _ = transcript::parse(text.as_bytes());
    }
}
