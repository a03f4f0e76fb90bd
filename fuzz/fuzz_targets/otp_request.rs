#![no_main]
//! The OTP/Notification request validator (JSON from any client) must answer every input
//! with a result, never a panic.

use voice_otp_call::CallKind;
use voice_otp_daemon::config::AudioConfig;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let audio = AudioConfig {
        dir: "/nonexistent/voice-otp-fuzz/audio".into(),
        defaults: "../audio".into(),
        ..voice_otp_daemon::config::Config::default().audio
    };
    let kind = if data.first().is_some_and(|b| b & 1 == 1) {
        CallKind::Notification
    } else {
        CallKind::Otp
    };
    let _ = voice_otp_daemon::check_instruction_body(kind, data, &audio);
});
