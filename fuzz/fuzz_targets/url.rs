//! Any text as a connection URL: an error or settings, never a panic, and
//! the secret never in the error or in `Debug`.
#![no_main]

use ami_core::ClientBuilder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The secret may show up as what the input itself put there (a host
    // named like it); only the URL's secret must stay hidden.
    if text.contains("Zq9") {
        return;
    }
    let url = format!("ami://fuzzuser:Zq9-secret-Zq9@{text}");
    match ClientBuilder::from_url(&url) {
        Ok(b) => assert!(!format!("{b:?}").contains("Zq9-secret-Zq9")),
        Err(e) => {
            assert!(!e.to_string().contains("Zq9-secret-Zq9"));
            assert!(!format!("{e:?}").contains("Zq9-secret-Zq9"));
        }
    }
});
