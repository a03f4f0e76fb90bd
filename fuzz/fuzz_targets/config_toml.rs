#![no_main]
//! The configuration parser must turn any file into a config or a one-line error.

use std::collections::BTreeMap;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = voice_otp_daemon::Config::from_sources(Some(text), &BTreeMap::new()) {
            assert!(!e.to_string().contains('\n'));
        }
    }
});
