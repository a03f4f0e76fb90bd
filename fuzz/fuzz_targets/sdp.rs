#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(sdp) = voice_otp_sip::SessionDescription::parse(data) {
        let _ = sdp.negotiate(&[voice_otp_sip::Codec::Pcma, voice_otp_sip::Codec::Pcmu]);
        assert!(voice_otp_sip::SessionDescription::parse(sdp.to_text().as_bytes()).is_ok());
    }
});
