//! Sealed call specs read back from the shared PostgreSQL queue (cluster mode); what one
//! input goes through is in `fuzz/harness/sealed_spec_open.rs`.
#![no_main]

use std::sync::LazyLock;

#[path = "../harness/sealed_spec_open.rs"]
mod harness;

static KEY: LazyLock<voice_otp_daemon::cluster::sealed::SealKey> = LazyLock::new(harness::key);

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = harness::run(&KEY, data);
});
