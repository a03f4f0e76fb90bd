#![no_main]
//! The OTP/Notification/Request DTMF request validator (JSON from any client) must answer every input
//! with a result, never a panic.

use voice_otp_call::CallKind;
use voice_otp_daemon::config::AudioConfig;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let audio = AudioConfig {
        dir: "/nonexistent/voice-otp-fuzz/audio".into(),
        defaults: "../audio".into(),
        ..voice_otp_daemon::config::Config::default().audio
    };
    let kind = match data.first().map(|b| b % 3) {
        Some(1) => CallKind::Notification,
        Some(2) => CallKind::Dtmf,
        _ => CallKind::Otp,
    };
    let _ = voice_otp_daemon::check_instruction_body(kind, data, &audio);
});
