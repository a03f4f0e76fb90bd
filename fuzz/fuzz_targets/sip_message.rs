#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = voice_otp_sip::parse_message(data) {
        // Whatever parsed must print to something that parses again.
        let again = voice_otp_sip::parse_message(&msg.to_bytes());
        assert!(again.is_ok());
    }
});
